//! Framing rules of the Quectel BC66/BC660K dialect (`docs/dialects/bc66.md`).

use crate::at::{parse_u32, Dialect};

/// BC66/BC660K framing. Both sockets kinds run in hex data format, so
/// payloads sit inside lines as quoted hex: `+QIRD: <n>,<rest>,"<hex>"` (a
/// read's answer) and `+QSSLURC: "recv",0,0,<len>,"<hex>"` (offloaded TLS
/// data, pushed). Nothing is framed by a length header line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bc66Dialect;

/// Lines that are always unsolicited.
const URC_PREFIXES: &[&[u8]] = &[
    b"+QIURC:",
    b"+QSSLURC:",
    b"+QIOPEN:",
    b"+QSSLOPEN:",
    b"+QSSLSEND:",
    b"+QSSLCLOSE:",
    b"+CEREG:",
    b"+CGREG:",
    b"+CTZE:",
    b"+CTZV:",
    b"+QNTP:",
    b"+CFUN:",
    b"+IP:",
    b"RDY",
    b"BROM",
    b"CLOSE OK",
];

/// Most data bytes one line carries (`+QSSLURC` up to 1,400, `+QIRD` up to
/// 512): a longer announcement is damage, and its line is dropped.
const MAX_INLINE: u32 = 1_400;

/// The number in `field` as a byte count within [`MAX_INLINE`].
fn count(field: Option<&[u8]>) -> Option<usize> {
    field
        .and_then(parse_u32)
        .filter(|&n| n <= MAX_INLINE)
        .map(|n| n as usize * 2)
}

impl Dialect for Bc66Dialect {
    fn is_urc(&self, line: &[u8]) -> bool {
        URC_PREFIXES.iter().any(|p| line.starts_with(p))
    }

    fn payload_len(&self, _line: &[u8]) -> Option<usize> {
        None
    }

    /// `+QIRD: <n>,<rest>,"` -> 2n hex digits; `+QSSLURC: "recv",<ctx>,<cid>,<len>,"`
    /// -> 2len hex digits.
    fn inline_payload_len(&self, partial: &[u8]) -> Option<usize> {
        let head = partial.strip_suffix(b",\"")?;
        if let Some(rest) = head.strip_prefix(b"+QIRD: ") {
            let mut f = rest.split(|&b| b == b',');
            let n = f.next();
            let _rest = f.next()?;
            return if f.next().is_none() { count(n) } else { None };
        }
        let rest = head.strip_prefix(b"+QSSLURC: \"recv\",")?;
        let mut f = rest.split(|&b| b == b',');
        let (_ctx, _cid, len) = (f.next()?, f.next()?, f.next());
        if f.next().is_none() {
            count(len)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::at::{Engine, Event};

    /// Every event of `input` fed `step` bytes at a time, payloads joined.
    fn events(input: &[u8], step: usize) -> Vec<String> {
        let mut e = Engine::new(Bc66Dialect);
        let mut out: Vec<String> = Vec::new();
        let mut rest = input;
        let mut pending: &[u8] = &[];
        loop {
            if pending.is_empty() {
                if rest.is_empty() {
                    break;
                }
                let n = step.min(rest.len());
                pending = &rest[..n];
                rest = &rest[n..];
            }
            let (used, ev) = e.feed(pending);
            pending = &pending[used..];
            let text = match ev {
                Some(Event::PayloadHeader { header, len, urc }) => {
                    format!(
                        "H{}:{len}:{}",
                        u8::from(urc),
                        String::from_utf8_lossy(header)
                    )
                }
                Some(Event::Payload(p)) => format!("P:{}", String::from_utf8_lossy(p)),
                Some(other) => format!("{other:?}"),
                None => continue,
            };
            // Join payload chunks so every split gives the same list.
            match (out.last_mut(), text.strip_prefix("P:")) {
                (Some(last), Some(more)) if last.starts_with("P:") => last.push_str(more),
                _ => out.push(text),
            }
        }
        out
    }

    #[test]
    fn inline_payloads_whole_and_split() {
        let input: &[u8] = b"\r\n+QIRD: 3,0,\"4F4B0D\"\r\n\r\nOK\r\n\
            \r\n+QSSLURC: \"recv\",0,0,2,\"2C22\"\r\n\
            \r\n+QIRD: 0,0,\"\"\r\n\r\nOK\r\n\
            \r\n+QSSLURC: \"closed\",0,0\r\n";
        let want = vec![
            "H0:6:+QIRD: 3,0,".to_string(),
            "P:4F4B0D".into(),
            "PayloadEnd".into(),
            "Final(Ok)".into(),
            "H1:4:+QSSLURC: \"recv\",0,0,2,".into(),
            "P:2C22".into(),
            "PayloadEnd".into(),
            "H0:0:+QIRD: 0,0,".into(),
            "PayloadEnd".into(),
            "Final(Ok)".into(),
            "Urc([43, 81, 83, 83, 76, 85, 82, 67, 58, 32, 34, 99, 108, 111, 115, 101, 100, 34, 44, 48, 44, 48])".into(),
        ];
        for step in 1..=input.len() {
            assert_eq!(events(input, step), want, "fed {step} bytes at a time");
        }
    }

    #[test]
    fn announcements_out_of_bounds_or_malformed_are_not_payloads() {
        let d = Bc66Dialect;
        assert_eq!(d.inline_payload_len(b"+QIRD: 512,0,\""), Some(1024));
        assert_eq!(d.inline_payload_len(b"+QIRD: 1401,0,\""), None);
        assert_eq!(d.inline_payload_len(b"+QIRD: 5,\""), None);
        assert_eq!(d.inline_payload_len(b"+QIRD: 5,1,2,\""), None);
        assert_eq!(d.inline_payload_len(b"+QIRD: x,0,\""), None);
        assert_eq!(d.inline_payload_len(b"+QSSLURC: \""), None);
        assert_eq!(d.inline_payload_len(b"+QSSLURC: \"recv\""), None);
        assert_eq!(
            d.inline_payload_len(b"+QSSLURC: \"recv\",0,0,99999999999,\""),
            None
        );
        assert_eq!(
            d.inline_payload_len(b"+QSSLURC: \"recv\",0,0,1400,\""),
            Some(2800)
        );
    }
}
