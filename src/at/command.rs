//! Building command lines into a fixed buffer, with checked arguments.

use super::AtError;
use heapless::String;

/// Longest command line the library writes (Quectel's limit is not
/// documented; FreeRTOS-Cellular-Interface uses 280-byte buffers).
pub const COMMAND_CAPACITY: usize = 272;

/// A command line under construction: `AT+CMD=` followed by comma-separated
/// arguments, terminated with CR by [`Command::bytes`]. Arguments added
/// after `bytes()` are refused.
///
/// ```
/// use modemtls::at::Command;
/// let mut c = Command::new("AT+QSSLCFG=");
/// c.string("sslversion").unwrap().int(1).unwrap().int(3).unwrap();
/// assert_eq!(c.bytes().unwrap(), b"AT+QSSLCFG=\"sslversion\",1,3\r");
/// assert!(Command::new("AT+X=").string("a\"b").is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Command {
    line: String<COMMAND_CAPACITY>,
    args: usize,
    terminated: bool,
}

impl Command {
    /// Start a command with its fixed part, e.g. `"AT+QIRD="` or `"ATI"`.
    pub fn new(head: &str) -> Self {
        let mut line = String::new();
        // A head longer than the buffer is a bug in the library's own
        // constants; it is truncated and `bytes()` then fails at the modem.
        for c in head.chars() {
            if line.push(c).is_err() {
                break;
            }
        }
        Self {
            line,
            args: 0,
            terminated: false,
        }
    }

    fn sep(&mut self) -> Result<(), AtError> {
        if self.terminated {
            return Err(AtError::InvalidArgument);
        }
        if self.args > 0 {
            self.line.push(',').map_err(|_| AtError::CommandTooLong)?;
        }
        self.args += 1;
        Ok(())
    }

    /// Append an integer argument.
    pub fn int<T: IntArg>(&mut self, v: T) -> Result<&mut Self, AtError> {
        let v = v.to_i64().ok_or(AtError::InvalidArgument)?;
        self.sep()?;
        push_decimal(&mut self.line, v).map_err(|_| AtError::CommandTooLong)?;
        Ok(self)
    }

    /// Append an unquoted token (e.g. `0xFFFF`). Only printable ASCII
    /// without `"`, `,` or `;` is accepted.
    pub fn raw(&mut self, s: &str) -> Result<&mut Self, AtError> {
        if !s
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';'))
        {
            return Err(AtError::InvalidArgument);
        }
        self.sep()?;
        self.line.push_str(s).map_err(|_| AtError::CommandTooLong)?;
        Ok(self)
    }

    /// Append a quoted string argument. AT strings cannot escape `"`, so a
    /// string with a quote or a control character is refused.
    pub fn string(&mut self, s: &str) -> Result<&mut Self, AtError> {
        if !s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"') {
            return Err(AtError::InvalidArgument);
        }
        self.sep()?;
        self.line.push('"').map_err(|_| AtError::CommandTooLong)?;
        self.line.push_str(s).map_err(|_| AtError::CommandTooLong)?;
        self.line.push('"').map_err(|_| AtError::CommandTooLong)?;
        Ok(self)
    }

    /// The command line, CR-terminated, ready for the UART.
    pub fn bytes(&mut self) -> Result<&[u8], AtError> {
        if !self.terminated {
            self.line.push('\r').map_err(|_| AtError::CommandTooLong)?;
            self.terminated = true;
        }
        Ok(self.line.as_bytes())
    }
}

/// An integer type [`Command::int`] accepts.
pub trait IntArg: Copy {
    /// The value, if it fits an `i64`.
    fn to_i64(self) -> Option<i64>;
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl IntArg for $t {
            fn to_i64(self) -> Option<i64> {
                i64::try_from(self).ok()
            }
        }
    )*};
}
int_arg!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

/// Appends `v` in decimal without `core::fmt` (which costs ~3 KB of flash
/// on Cortex-M when nothing else needs it).
pub(crate) fn push_decimal<const N: usize>(s: &mut String<N>, v: i64) -> Result<(), ()> {
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    if v < 0 {
        s.push('-').map_err(|_| ())?;
    }
    for &d in digits.get(i..).unwrap_or(&[]) {
        s.push(char::from(d)).map_err(|_| ())?;
    }
    Ok(())
}

/// Appends the low `width` hex digits of `v` (upper case when `upper`).
pub(crate) fn push_hex<const N: usize>(
    s: &mut String<N>,
    v: u32,
    width: u32,
    upper: bool,
) -> Result<(), ()> {
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    for k in (0..width.min(8)).rev() {
        let nib = ((v >> (4 * k)) & 0xF) as usize;
        let c = table.get(nib).copied().unwrap_or(b'0');
        s.push(char::from(c)).map_err(|_| ())?;
    }
    Ok(())
}

#[cfg(test)]
mod int_tests {
    use super::*;

    #[test]
    fn decimal_and_hex_match_core_fmt() {
        for v in [
            0i64,
            1,
            -1,
            9,
            10,
            99,
            100,
            65535,
            -2_147_483_648,
            i64::MAX,
            i64::MIN,
        ] {
            let mut s: String<24> = String::new();
            push_decimal(&mut s, v).unwrap();
            assert_eq!(s.as_str(), std::format!("{v}"));
        }
        let mut s: String<10> = String::new();
        push_hex(&mut s, 0xC02F, 4, true).unwrap();
        assert_eq!(s.as_str(), "C02F");
        let mut s: String<10> = String::new();
        push_hex(&mut s, 0x0a1b2c3d, 8, false).unwrap();
        assert_eq!(s.as_str(), "0a1b2c3d");
        let mut tiny: String<2> = String::new();
        assert!(push_decimal(&mut tiny, 123).is_err());
    }
}
