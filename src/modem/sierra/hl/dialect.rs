//! Framing rules of the Sierra Wireless HL8548 / HL78xx "K" dialect
//! (`docs/dialects/sierra-hl.md`).

use crate::at::Dialect;

/// The 16 bytes that end every data phase after `CONNECT`, both ways:
/// `AT+KTCPSND` and `AT+KCERTSTORE`/`AT+KPRIVKSTORE` (the driver writes
/// them after exactly the announced bytes) and `AT+KTCPRCV` (the modem
/// sends them after exactly the bytes asked for). Never searched for:
/// the data may contain it.
pub const EOF_PATTERN: &[u8] = b"--EOF--Pattern--";

/// HL8548 / HL78xx framing. No line announces a payload: data comes after
/// `CONNECT`, framed by the length the command gave (the driver arms the
/// engine with it) and ended by [`EOF_PATTERN`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SierraDialect;

/// Lines that are always unsolicited.
const URC_PREFIXES: &[&[u8]] = &[
    b"+KTCP_IND:",
    b"+KTCP_NOTIF:",
    b"+KTCP_DATA:",
    b"+KSUP:",
    b"+KCNX_IND:",
    b"+KHTTPS_ERROR:",
    b"+KHTTP_IND:",
    b"+CEREG:",
    b"+CGREG:",
    b"+CREG:",
    b"+CTZV:",
    b"+CTZE:",
];

impl Dialect for SierraDialect {
    fn is_urc(&self, line: &[u8]) -> bool {
        URC_PREFIXES.iter().any(|p| line.starts_with(p))
    }

    fn payload_len(&self, _line: &[u8]) -> Option<usize> {
        None
    }

    fn data_trailer(&self) -> &'static [u8] {
        EOF_PATTERN
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::at::{Engine, Event};

    /// Every event of `input` fed `step` bytes at a time, the engine armed
    /// for `arm` bytes, payloads joined.
    fn events(input: &[u8], arm: Option<usize>, step: usize) -> Vec<String> {
        let mut e = Engine::new(SierraDialect);
        e.expect_data(arm);
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
                Some(Event::PayloadHeader { header, len, urc }) => format!(
                    "H{}:{len}:{}",
                    u8::from(urc),
                    String::from_utf8_lossy(header)
                ),
                Some(Event::Payload(p)) => format!("P:{}", String::from_utf8_lossy(p)),
                Some(Event::Urc(u)) => format!("U:{}", String::from_utf8_lossy(u)),
                Some(other) => format!("{other:?}"),
                None => continue,
            };
            match (out.last_mut(), text.strip_prefix("P:")) {
                (Some(last), Some(more)) if last.starts_with("P:") => last.push_str(more),
                _ => out.push(text),
            }
        }
        out
    }

    #[test]
    fn ktcprcv_answer_with_look_alikes_whole_and_split() {
        let data: &[u8] =
            b"--EOF--Pattern--\r\nOK\r\nCONNECT\r\n> +KTCP_DATA: 1,9\r\n+KTCP_NOTIF: 1,4\r\n";
        let mut input = b"\r\n+KTCP_DATA: 1,99\r\n\r\nCONNECT\r\n".to_vec();
        input.extend_from_slice(data);
        input.extend_from_slice(b"--EOF--Pattern--\r\nOK\r\n\r\n+KTCP_NOTIF: 1,4\r\n");
        let want = vec![
            "U:+KTCP_DATA: 1,99".to_string(),
            format!("H0:{}:CONNECT", data.len()),
            format!("P:{}", String::from_utf8_lossy(data)),
            "PayloadEnd".into(),
            "Final(Ok)".into(),
            "U:+KTCP_NOTIF: 1,4".into(),
        ];
        for step in 1..=input.len() {
            assert_eq!(events(&input, Some(data.len()), step), want, "step {step}");
        }
    }

    #[test]
    fn send_and_upload_answers_are_plain_connect() {
        let input = b"\r\nCONNECT\r\n\r\nOK\r\n\r\n+KSUP: 0\r\n";
        let want = vec!["Connect", "Final(Ok)", "U:+KSUP: 0"];
        for step in 1..=input.len() {
            assert_eq!(events(input, None, step), want, "step {step}");
        }
    }

    #[test]
    fn urcs_and_lines() {
        let d = SierraDialect;
        for u in [
            &b"+KTCP_IND: 1,1"[..],
            b"+KTCP_NOTIF: 2,13",
            b"+KTCP_DATA: 3,1500",
            b"+KSUP: 0",
            b"+KHTTPS_ERROR: 1,4",
        ] {
            assert!(d.is_urc(u), "{u:?}");
        }
        for l in [&b"+KTCPCFG: 1"[..], b"+KTCPSTAT: 3,-1,0,5", b"HL7800"] {
            assert!(!d.is_urc(l), "{l:?}");
        }
        assert_eq!(d.payload_len(b"+KTCP_DATA: 1,5"), None);
    }
}
