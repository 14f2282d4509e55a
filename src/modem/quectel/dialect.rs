//! Framing rules of the Quectel BG9x dialect (at-commands.md §0, §1).

use crate::at::{parse_u32, trim, Dialect};

/// Quectel BG95/BG96/BG77 framing: which lines are URCs and which announce a
/// binary payload. Sockets are opened in buffer mode (access mode 0), so
/// the only payloads are `+QIRD: <n>` and `+QSSLRECV: <n>` responses. A
/// `"recv"` URC is never a payload header here: BG95 appends `,<len>` to the
/// buffer-mode URC, which must not be taken for push-mode data.
#[derive(Clone, Copy, Debug, Default)]
pub struct QuectelDialect;

/// Lines that are always unsolicited.
const URC_PREFIXES: &[&[u8]] = &[
    b"+QIURC:",
    b"+QSSLURC:",
    b"+QIOPEN:",
    b"+QSSLOPEN:",
    b"+QIND:",
    b"+QUSIM:",
    b"+CEREG:",
    b"+CGREG:",
    b"+CREG:",
    b"+CTZE:",
    b"+CTZV:",
    b"+QNTP:",
    b"+CFUN:",
    b"RDY",
    b"APP RDY",
    b"POWERED DOWN",
    b"NORMAL POWER DOWN",
    b"PSM POWER DOWN",
];

impl Dialect for QuectelDialect {
    fn is_urc(&self, line: &[u8]) -> bool {
        URC_PREFIXES.iter().any(|p| line.starts_with(p))
    }

    fn payload_len(&self, line: &[u8]) -> Option<usize> {
        // Exactly one number: `+QIRD: 5`. `+QIRD: 10,5,5` (the `,0` query)
        // is an information line.
        let rest = line
            .strip_prefix(b"+QIRD:")
            .or_else(|| line.strip_prefix(b"+QSSLRECV:"))?;
        parse_u32(trim(rest)).and_then(|n| usize::try_from(n).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let d = QuectelDialect;
        assert_eq!(d.payload_len(b"+QIRD: 5"), Some(5));
        assert_eq!(d.payload_len(b"+QSSLRECV: 0"), Some(0));
        assert_eq!(d.payload_len(b"+QIRD: 10,5,5"), None);
        assert_eq!(d.payload_len(b"+QIRD: 99999999999"), None);
        assert_eq!(d.payload_len(b"+QIURC: \"recv\",0,5"), None);
        assert!(d.is_urc(b"+QIURC: \"recv\",0"));
        assert!(!d.is_urc(b"+QIRD: 5"));
    }
}
