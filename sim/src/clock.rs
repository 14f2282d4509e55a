//! Calendar arithmetic for `AT+CCLK` (UTC, proleptic Gregorian calendar).

/// Days since 1970-01-01 for a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `yy/MM/dd,hh:mm:ss+00` for a Unix time (UTC).
pub fn format_cclk(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:02}/{:02}/{:02},{:02}:{:02}:{:02}+00",
        y.rem_euclid(100),
        m,
        d,
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Parses `yy/MM/dd,hh:mm:ss±zz` (zz in quarter hours) into Unix time (UTC).
pub fn parse_cclk(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[2] != b'/'
        || b[5] != b'/'
        || b[8] != b','
        || b[11] != b':'
        || b[14] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (yy, mo, dd, hh, mi, ss, zz) = (
        num(0..2)?,
        num(3..5)?,
        num(6..8)?,
        num(9..11)?,
        num(12..14)?,
        num(15..17)?,
        num(18..20)?,
    );
    let sign = match b[17] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if !(1..=12).contains(&mo)
        || !(1..=31).contains(&dd)
        || hh > 23
        || mi > 59
        || ss > 59
        || zz > 96
    {
        return None;
    }
    let days = days_from_civil(2000 + yy, mo as u32, dd as u32);
    Some(days * 86_400 + hh * 3600 + mi * 60 + ss - sign * zz * 15 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(format_cclk(1_795_346_993), "26/11/22,11:29:53+00");
        assert_eq!(parse_cclk("26/11/22,11:29:53+00"), Some(1_795_346_993));
        assert_eq!(parse_cclk("26/11/22,12:29:53+04"), Some(1_795_346_993));
        assert_eq!(format_cclk(0), "70/01/01,00:00:00+00");
        assert_eq!(parse_cclk("garbage"), None);
    }
}
