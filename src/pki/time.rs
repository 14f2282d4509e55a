//! Time for certificate validity checks.
//!
//! The library has no clock of its own: the caller passes the current time
//! (from the port's real-time clock or the modem's network time, e.g.
//! `AT+CCLK?`/`AT+QLTS`). Without a time the verifier refuses, unless the
//! caller explicitly accepts unchecked validity.

use super::der;

/// How the verifier checks certificate validity periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Validity {
    /// No time source: every verification fails with
    /// [`PkiError::NoTime`](super::PkiError::NoTime). This is the default.
    #[default]
    NoTimeSource,
    /// Check validity at this time, in seconds since the Unix epoch (UTC).
    At(u64),
    /// Do **not** check notBefore/notAfter against a clock. Everything else
    /// (chain, signatures, host name, key usage) is still checked. The chain
    /// is checked at the latest notBefore of the certificates the server
    /// sent, so certificates whose validity periods do not overlap are still
    /// rejected. Choose this only when the device has no way to learn the time.
    InsecureUncheckedValidity,
}

impl Validity {
    /// Validity checked at `unix_seconds`.
    pub fn at_unix_seconds(unix_seconds: u64) -> Self {
        Validity::At(unix_seconds)
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Parses an X.509 `Time` (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime
/// `YYYYMMDDHHMMSSZ`) into Unix seconds. Times before 1970 are `None`.
pub(crate) fn x509_time(t: &der::Tlv<'_>) -> Option<u64> {
    let (year, rest) = match t.tag {
        der::UTC_TIME => {
            let yy = digits(t.value.get(0..2)?)?;
            let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            (year, t.value.get(2..)?)
        }
        der::GENERALIZED_TIME => (digits(t.value.get(0..4)?)?, t.value.get(4..)?),
        _ => return None,
    };
    if rest.len() != 11 || rest.get(10) != Some(&b'Z') {
        return None;
    }
    let month = digits(rest.get(0..2)?)?;
    let day = digits(rest.get(2..4)?)?;
    let hour = digits(rest.get(4..6)?)?;
    let min = digits(rest.get(6..8)?)?;
    let sec = digits(rest.get(8..10)?)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec);
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, s: &str) -> u64 {
        x509_time(&der::Tlv {
            tag,
            value: s.as_bytes(),
            whole: &[],
        })
        .unwrap()
    }

    #[test]
    fn parses() {
        assert_eq!(tlv(der::UTC_TIME, "700101000000Z"), 0);
        assert_eq!(tlv(der::UTC_TIME, "000229120000Z"), 951_825_600);
        assert_eq!(tlv(der::GENERALIZED_TIME, "20380119031408Z"), 2_147_483_648);
        assert_eq!(tlv(der::UTC_TIME, "491231235959Z"), 2_524_607_999);
        assert!(x509_time(&der::Tlv {
            tag: der::UTC_TIME,
            value: b"49123123595",
            whole: &[]
        })
        .is_none());
        assert!(x509_time(&der::Tlv {
            tag: der::UTC_TIME,
            value: b"691231235959Z",
            whole: &[]
        })
        .is_none());
    }
}
