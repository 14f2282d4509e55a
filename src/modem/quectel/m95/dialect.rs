//! Framing rules of the Quectel M66/M95 dialect (`docs/dialects/m95.md`).

use crate::at::{parse_u32, Dialect};

/// M66/M95 framing ("QI" stack, `AT+QIMUX=1`, `AT+QINDI=1`).
///
/// - Reads are length-framed: `+QIRD: <ip>:<port>,TCP,<n>` and
///   `+QSSLRECV: <ip>:<port>,TCP,<n>`, CR LF, exactly `n` bytes, one CR LF,
///   `OK`. The count is the last field; the bytes are never scanned.
/// - The data prompt is CR LF `> `: the engine drops the CR LF between
///   lines, so what it sees of the prompt is the `> ` at the start of a
///   line, which [`Dialect::is_prompt`]'s default already matches.
/// - Connection events are lines that start with the connection index
///   (`0, CONNECT OK`, `0, CONNECT FAIL`, `0, CLOSED`); `<id>, CLOSE OK`
///   (the answer to `AT+QICLOSE`) is not one of them.
#[derive(Clone, Copy, Debug, Default)]
pub struct M95Dialect;

/// Lines that are always unsolicited.
const URC_PREFIXES: &[&[u8]] = &[
    b"+QIRDI:",
    b"+QSSLURC:",
    b"+QSSLOPEN:",
    b"+PDP DEACT",
    b"+CFUN:",
    b"+CPIN:",
    b"+CREG:",
    b"+CGREG:",
    b"RDY",
    b"Call Ready",
    b"SMS Ready",
    b"NORMAL POWER DOWN",
    b"UNDER-VOLTAGE",
    b"OVER-VOLTAGE",
];

/// What follows `<id>, ` in a connection event.
const SOCKET_EVENTS: &[&[u8]] = &[b"CONNECT OK", b"CONNECT FAIL", b"CLOSED"];

/// Most bytes one read answers (`AT+QIRD`/`AT+QSSLRECV` take at most
/// 1,500): a larger count is damage, and its line is not a header.
pub(crate) const MAX_READ: u32 = 1_500;

/// `<id>, <event>` with `<id>` one digit 0-5: the event.
pub(crate) fn socket_event(line: &[u8]) -> Option<(u8, &[u8])> {
    match line {
        [d @ b'0'..=b'5', b',', b' ', event @ ..] => Some((d - b'0', event)),
        _ => None,
    }
}

/// `<ip>:<port>,TCP,<n>` (after the `+QIRD:`/`+QSSLRECV:` prefix): `n`.
fn frame_len(rest: &[u8]) -> Option<usize> {
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let comma = rest.iter().rposition(|&b| b == b',')?;
    let peer = rest.get(..comma)?.strip_suffix(b",TCP")?;
    if !peer.contains(&b':') {
        return None;
    }
    let n = parse_u32(rest.get(comma + 1..)?)?;
    (n <= MAX_READ).then_some(n as usize)
}

impl Dialect for M95Dialect {
    fn is_urc(&self, line: &[u8]) -> bool {
        URC_PREFIXES.iter().any(|p| line.starts_with(p))
            || socket_event(line).is_some_and(|(_, e)| SOCKET_EVENTS.contains(&e))
    }

    fn payload_len(&self, line: &[u8]) -> Option<usize> {
        let rest = line
            .strip_prefix(b"+QIRD:")
            .or_else(|| line.strip_prefix(b"+QSSLRECV:"))?;
        frame_len(rest)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::at::{Engine, Event};

    /// Every event of `input` fed `step` bytes at a time, payloads joined.
    fn events(input: &[u8], step: usize) -> Vec<String> {
        let mut e = Engine::new(M95Dialect);
        let mut out: Vec<String> = Vec::new();
        for piece in input.chunks(step) {
            let mut pending = piece;
            loop {
                let (used, ev) = e.feed(pending);
                pending = &pending[used..];
                let text = match ev {
                    Some(Event::PayloadHeader { header, len, urc }) => format!(
                        "H{}:{len}:{}",
                        u8::from(urc),
                        String::from_utf8_lossy(header)
                    ),
                    Some(Event::Payload(p)) => format!("P:{}", String::from_utf8_lossy(p)),
                    Some(Event::Urc(l)) => format!("U:{}", String::from_utf8_lossy(l)),
                    Some(Event::Line(l)) => format!("L:{}", String::from_utf8_lossy(l)),
                    Some(other) => format!("{other:?}"),
                    None if pending.is_empty() => break,
                    None => continue,
                };
                match (out.last_mut(), text.strip_prefix("P:")) {
                    (Some(last), Some(more)) if last.starts_with("P:") => last.push_str(more),
                    _ => out.push(text),
                }
            }
        }
        out
    }

    /// The payloads hold what a text parser would stop at: they come out
    /// whole, whatever the split.
    #[test]
    fn frames_prompts_and_events_at_every_split() {
        let nasty = "\r\nOK\r\n> SEND OK\r\n+QIRDI: 0,1,0\r\n--EOF--Pattern--\r\n";
        let input = format!(
            "\r\n0, CONNECT OK\r\n\r\n> \r\nSEND OK\r\n\r\n+QIRDI: 0,1,0\r\n\
             \r\n+QIRD: 10.0.0.9:443,TCP,{n}\r\n{nasty}\r\nOK\r\n\r\nOK\r\n\
             \r\n+QSSLURC: \"recv\",0,2\r\n\
             \r\n+QSSLRECV: 10.0.0.9:443,TCP,4\r\n\r\nOK\r\nOK\r\n\
             \r\n0, CLOSE OK\r\n\r\n1, CLOSED\r\n\r\nDEACT OK\r\n\r\nCall Ready\r\n",
            n = nasty.len()
        );
        let want = vec![
            "U:0, CONNECT OK".to_string(),
            "Prompt".into(),
            "Final(SendOk)".into(),
            "U:+QIRDI: 0,1,0".into(),
            format!("H0:{}:+QIRD: 10.0.0.9:443,TCP,{}", nasty.len(), nasty.len()),
            format!("P:{nasty}"),
            "PayloadEnd".into(),
            "Final(Ok)".into(),
            "Final(Ok)".into(),
            "U:+QSSLURC: \"recv\",0,2".into(),
            "H0:4:+QSSLRECV: 10.0.0.9:443,TCP,4".into(),
            "P:\r\nOK".into(),
            "PayloadEnd".into(),
            "Final(Ok)".into(),
            "L:0, CLOSE OK".into(),
            "U:1, CLOSED".into(),
            "L:DEACT OK".into(),
            "U:Call Ready".into(),
        ];
        for step in 1..=input.len() {
            assert_eq!(
                events(input.as_bytes(), step),
                want,
                "fed {step} bytes at a time"
            );
        }
    }

    #[test]
    fn headers_out_of_shape_or_bounds_are_lines() {
        let d = M95Dialect;
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4:80,TCP,1500"), Some(1500));
        assert_eq!(d.payload_len(b"+QSSLRECV: 1.2.3.4:80,TCP,0"), Some(0));
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4:80,TCP,1501"), None);
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4:80,TCP,99999999999"), None);
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4:80,UDP,5"), None);
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4,TCP,5"), None);
        assert_eq!(d.payload_len(b"+QIRD: 5"), None);
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4:80,TCP,"), None);
        assert_eq!(d.payload_len(b"+QIRD: 1.2.3.4:80,TCP,-1"), None);
        assert_eq!(d.payload_len(b"+QIRDI: 0,1,0"), None);
        assert!(d.is_urc(b"5, CLOSED"));
        assert!(!d.is_urc(b"6, CLOSED"));
        assert!(!d.is_urc(b"0, CLOSE OK"));
        assert!(!d.is_urc(b"ALREADY CONNECT"));
        assert!(!d.is_urc(b"10.1.83.188"));
    }
}
