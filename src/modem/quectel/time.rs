//! `AT+CCLK?` (3GPP 27.007): the modem's clock, read the same way by every
//! family (each driver passes its AT client and URC state).

use crate::at::{AtError, Fields};
use crate::modem::ModemError;

#[modemtls_macros::dual]
pub(crate) mod asynch {
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::at::{Dialect, UrcHandler};
    use crate::modem::common::asynch::run;
    use crate::port::asynch::Port;

    /// Unix time from the modem's clock: [`ModemError::ClockNotSet`] while it
    /// shows a year before 2024, `Unexpected` when no `+CCLK` line could be
    /// read (a damaged answer, not an unset clock).
    pub(crate) async fn network_time<P: Port, D: Dialect, H: UrcHandler>(
        at: &mut AtClient<P, D>,
        urc: &mut H,
        timeout_ms: u32,
    ) -> Result<u64, ModemError> {
        let mut secs = None;
        run(at, urc, "AT+CCLK?", &[], timeout_ms, &mut |l| {
            if let Some(mut f) = Fields::after(l, b"+CCLK:") {
                if let Some(v) = f.next() {
                    secs = parse_cclk(v);
                }
            }
            Ok(())
        })
        .await?;
        match secs {
            Some(s) if s >= YEAR_2024 => Ok(s),
            Some(_) => Err(ModemError::ClockNotSet),
            None => Err(ModemError::At(AtError::Unexpected)),
        }
    }

    /// Whether the clock has been set (what the offloaded path needs: the
    /// firmware checks validity dates against it), without the date
    /// arithmetic of [`network_time`]. One damaged byte can make a set clock
    /// read as unset (a flipped year digit) or unreadable: an answer other
    /// than "set" is asked again once before it decides.
    // Only the offloaded path uses it.
    #[cfg_attr(not(feature = "offload"), allow(dead_code))]
    pub(crate) async fn check_clock<P: Port, D: Dialect, H: UrcHandler>(
        at: &mut AtClient<P, D>,
        urc: &mut H,
        timeout_ms: u32,
    ) -> Result<(), ModemError> {
        let mut verdict = Err(ModemError::At(AtError::Unexpected));
        for _ in 0..2 {
            let mut set = None;
            run(at, urc, "AT+CCLK?", &[], timeout_ms, &mut |l| {
                if let Some(mut f) = Fields::after(l, b"+CCLK:") {
                    set = f.next().map(year_set);
                }
                Ok(())
            })
            .await?;
            verdict = match set {
                Some(true) => return Ok(()),
                Some(false) => Err(ModemError::ClockNotSet),
                None => Err(ModemError::At(AtError::Unexpected)),
            };
        }
        verdict
    }
}

/// 2024-01-01T00:00:00Z: an earlier modem clock has not had network time.
pub const YEAR_2024: u64 = 1_704_067_200;

/// Parse `yy/MM/dd,hh:mm:ss±zz` (zz in quarter hours) into Unix seconds,
/// UTC. Years 70-99 are 19yy (a reset modem shows `80/01/06`).
pub fn parse_cclk(s: &[u8]) -> Option<u64> {
    // 32-bit arithmetic (no 64-bit division routines on 32-bit MCUs) up
    // to the seconds since 1970, which are 64-bit.
    let num = |a: usize| -> Option<i32> {
        match *s.get(a..a.saturating_add(2))? {
            [h, l] if h.is_ascii_digit() && l.is_ascii_digit() => {
                Some(i32::from(h - b'0') * 10 + i32::from(l - b'0'))
            }
            _ => None,
        }
    };
    if s.len() < 17 || s.get(2) != Some(&b'/') || s.get(5) != Some(&b'/') || s.get(8) != Some(&b',')
    {
        return None;
    }
    let (y, mo, d, h, mi, se) = (num(0)?, num(3)?, num(6)?, num(9)?, num(12)?, num(15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let tz_quarters: i32 = match s.get(17) {
        None => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let rest = s.get(18..)?;
            let q = crate::at::parse_u32(rest)?;
            if q > 56 {
                return None;
            }
            let q = q as i32;
            if sign == b'-' {
                -q
            } else {
                q
            }
        }
        Some(_) => return None,
    };
    // Modems reset their clock to 1980-01-06 (GPS epoch) as "80/01/06".
    let year = if y >= 70 { 1900 + y } else { 2000 + y };
    let days = days_from_civil(year, mo, d);
    let secs_of_day = h * 3600 + mi * 60 + se - tz_quarters * 15 * 60;
    u64::try_from(i64::from(days) * 86_400 + i64::from(secs_of_day)).ok()
}

/// Whether a `yy/MM/dd,hh:mm:ss±zz` time stamp shows a year from 2024 to
/// 2069 (the modem has had network time), checking its shape but not
/// converting it: [`parse_cclk`] for the offloaded path, which only needs
/// to know that the clock was set.
// Only the offloaded path uses it.
#[cfg_attr(not(feature = "offload"), allow(dead_code))]
pub(crate) fn year_set(s: &[u8]) -> bool {
    matches!(s, [_, _, b'/', _, _, b'/', _, _, b',', ..])
        && s.len() >= 17
        && s.get(..2)
            .and_then(crate::at::parse_u32)
            .is_some_and(|y| (24..70).contains(&y))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (years 1970-2069
/// here, far inside the `i32` range).
fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse_cclk(b"24/01/01,00:00:00+00"), Some(YEAR_2024));
        for (s, set) in [
            (&b"24/01/01,00:00:00+00"[..], true),
            (b"26/11/22,11:29:53-04", true),
            (b"69/12/31,23:59:59", true),
            (b"23/12/31,23:59:59+00", false),
            (b"80/01/06,00:00:00", false),
            (b"70/01/01,00:00:00", false),
            (b"garbage", false),
            (b"24/01/01,00:00", false),
            (b"", false),
        ] {
            assert_eq!(year_set(s), set, "{s:?}");
            if set {
                assert!(parse_cclk(s).is_some_and(|t| t >= YEAR_2024));
            }
        }
        // +08 quarters = UTC+2
        assert_eq!(parse_cclk(b"24/01/01,02:00:00+08"), Some(YEAR_2024));
        assert_eq!(
            parse_cclk(b"26/11/22,11:29:53-04"),
            Some(1_795_346_993 + 3600)
        );
        assert_eq!(parse_cclk(b"80/01/06,00:00:00"), Some(315_964_800));
        assert_eq!(parse_cclk(b"garbage"), None);
        assert_eq!(parse_cclk(b"24/13/01,00:00:00+00"), None);
        assert_eq!(parse_cclk(b"24/01/01,00:00:00+9999999999"), None);
    }
}
