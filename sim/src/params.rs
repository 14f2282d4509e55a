//! Splitting of AT command arguments (`"str",12,0xFFFF`).

/// One comma-separated argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A double-quoted string (quotes removed).
    Str(String),
    /// An unquoted token, surrounding spaces removed (may be empty).
    Raw(String),
}

impl Arg {
    /// The argument as a decimal number (unquoted only).
    pub fn int(&self) -> Option<i64> {
        match self {
            Arg::Raw(s) if !s.is_empty() && s.len() <= 12 => {
                let digits = s.strip_prefix('-').unwrap_or(s);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                s.parse().ok()
            }
            _ => None,
        }
    }

    /// The argument as a quoted string.
    pub fn str(&self) -> Option<&str> {
        match self {
            Arg::Str(s) => Some(s),
            Arg::Raw(_) => None,
        }
    }

    /// The argument as a hex number, quoted or not, with an optional `0x`/`0X`.
    pub fn hex(&self) -> Option<u32> {
        let s = match self {
            Arg::Str(s) | Arg::Raw(s) => s.trim(),
        };
        let h = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if h.is_empty() || h.len() > 8 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(h, 16).ok()
    }

    /// True for an empty unquoted argument (an omitted optional one).
    pub fn is_empty(&self) -> bool {
        matches!(self, Arg::Raw(s) if s.is_empty())
    }
}

/// Splits an argument list; `None` when it is malformed (an unterminated
/// quote, or text between a closing quote and the next comma).
pub fn split(s: &str) -> Option<Vec<Arg>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i < b.len() && b[i] == b'"' {
            let start = i + 1;
            let len = b[start..].iter().position(|&c| c == b'"')?;
            out.push(Arg::Str(s.get(start..start + len)?.to_string()));
            i = start + len + 1;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            if i < b.len() && b[i] != b',' {
                return None;
            }
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' {
                if b[i] == b'"' {
                    return None;
                }
                i += 1;
            }
            out.push(Arg::Raw(s.get(start..i)?.trim().to_string()));
        }
        if i >= b.len() {
            return Some(out);
        }
        i += 1; // the comma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        let a = split("\"sni\",0,1").unwrap();
        assert_eq!(
            a,
            vec![
                Arg::Str("sni".into()),
                Arg::Raw("0".into()),
                Arg::Raw("1".into())
            ]
        );
        assert_eq!(a[1].int(), Some(0));
        let a = split("\"ciphersuite\",1,0xFFFF").unwrap();
        assert_eq!(a[2].hex(), Some(0xFFFF));
        let a = split("1, \"a,b\" ,3").unwrap();
        assert_eq!(a[1].str(), Some("a,b"));
        assert_eq!(split("\"abc"), None);
        assert_eq!(split("\"a\"x,1"), None);
        assert_eq!(split("1,,2").unwrap()[1], Arg::Raw(String::new()));
        assert_eq!(Arg::Raw("1a".into()).int(), None);
    }
}
