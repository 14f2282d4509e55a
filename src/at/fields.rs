//! Splitting AT response parameters.

/// Iterator over the comma-separated parameters of a response line after
/// its `+NAME:` prefix. Quotes around a parameter are removed; commas inside
/// quotes do not split. Spaces around parameters are trimmed.
///
/// ```
/// use modemtls::at::Fields;
/// let mut f = Fields::new(b" \"recv\",3, 17");
/// assert_eq!(f.next(), Some(&b"recv"[..]));
/// assert_eq!(f.next_u32(), Some(3));
/// assert_eq!(f.next_u32(), Some(17));
/// assert_eq!(f.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    /// Parameters of `s` (the text after the `:`).
    pub fn new(s: &'a [u8]) -> Self {
        Self { rest: Some(s) }
    }

    /// Parameters of `line` after `prefix` (e.g. `b"+QIRD:"`), or `None`
    /// when the line does not start with it.
    pub fn after(line: &'a [u8], prefix: &[u8]) -> Option<Self> {
        line.strip_prefix(prefix).map(Self::new)
    }

    /// The next parameter as a decimal `u32`.
    pub fn next_u32(&mut self) -> Option<u32> {
        self.next().and_then(super::parse_u32)
    }

    /// The next parameter as a decimal `i32` (a leading `-` allowed).
    pub fn next_i32(&mut self) -> Option<i32> {
        self.next().and_then(super::parse_i32)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let s = super::trim(self.rest?);
        let mut in_quotes = false;
        let mut end = s.len();
        for (i, &c) in s.iter().enumerate() {
            match c {
                b'"' => in_quotes = !in_quotes,
                b',' if !in_quotes => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let (field, rest) = s.split_at(end.min(s.len()));
        self.rest = rest.strip_prefix(b",");
        let field = super::trim(field);
        let field = match field {
            [b'"', inner @ .., b'"'] => inner,
            other => other,
        };
        Some(field)
    }
}
