//! Building command lines into a fixed buffer, with checked arguments.

use super::AtError;
use core::fmt;
use heapless::{String, Vec};

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
#[derive(Clone)]
pub struct Command {
    /// Always UTF-8: only `&str` pieces (cut at character boundaries),
    /// ASCII digits, separators and quotes are appended.
    line: Vec<u8, COMMAND_CAPACITY>,
    args: usize,
    terminated: bool,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("line", &core::str::from_utf8(&self.line).unwrap_or(""))
            .field("args", &self.args)
            .field("terminated", &self.terminated)
            .finish()
    }
}

impl Command {
    /// Start a command with its fixed part, e.g. `"AT+QIRD="` or `"ATI"`.
    pub fn new(head: &str) -> Self {
        let mut c = Self::empty();
        c.start(head);
        c
    }

    /// A command with nothing in it yet (see [`Command::start`]).
    pub(crate) const fn empty() -> Self {
        Self {
            line: Vec::new(),
            args: 0,
            terminated: false,
        }
    }

    /// Make this [`Command::new`]`(head)` in place (no 272-byte copy).
    #[inline(never)]
    pub(crate) fn start(&mut self, head: &str) {
        self.line.clear();
        self.args = 0;
        self.terminated = false;
        // A head longer than the buffer is a bug in the library's own
        // constants; it is truncated (at a character boundary) and
        // `bytes()` then fails at the modem.
        let mut n = head.len().min(COMMAND_CAPACITY);
        while !head.is_char_boundary(n) {
            n -= 1;
        }
        let _ = self
            .line
            .extend_from_slice(head.as_bytes().get(..n).unwrap_or(&[]));
    }

    /// Start an argument: refused after `bytes()`, a comma after the first.
    fn sep(&mut self) -> Result<(), AtError> {
        if self.terminated {
            return Err(AtError::InvalidArgument);
        }
        if self.args > 0 {
            self.push(b",")?;
        }
        self.args += 1;
        Ok(())
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), AtError> {
        self.line
            .extend_from_slice(bytes)
            .map_err(|_| AtError::CommandTooLong)
    }

    /// Append an integer argument.
    #[inline]
    pub fn int<T: IntArg>(&mut self, v: T) -> Result<&mut Self, AtError> {
        self.int_i64(v.to_i64())
    }

    /// [`Command::int`] after the conversion (one copy for every integer type).
    fn int_i64(&mut self, v: Option<i64>) -> Result<&mut Self, AtError> {
        let v = v.ok_or(AtError::InvalidArgument)?;
        self.sep()?;
        let mut digits = [0u8; 20];
        self.push(decimal(v, &mut digits))?;
        Ok(self)
    }

    /// Append an unquoted token (e.g. `0xFFFF`). Only printable ASCII
    /// without `"`, `,` or `;` is accepted.
    pub fn raw(&mut self, s: &str) -> Result<&mut Self, AtError> {
        self.arg(s, false)
    }

    /// Append a quoted string argument. AT strings cannot escape `"`, so a
    /// string with a quote or a control character is refused.
    pub fn string(&mut self, s: &str) -> Result<&mut Self, AtError> {
        self.arg(s, true)
    }

    /// [`Command::raw`] (`quoted` false) and [`Command::string`] (true).
    fn arg(&mut self, s: &str, quoted: bool) -> Result<&mut Self, AtError> {
        let ok = if quoted {
            s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"')
        } else {
            s.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';'))
        };
        if !ok {
            return Err(AtError::InvalidArgument);
        }
        self.sep()?;
        if quoted {
            self.push(b"\"")?;
        }
        self.push(s.as_bytes())?;
        if quoted {
            self.push(b"\"")?;
        }
        Ok(self)
    }

    /// The command line, CR-terminated, ready for the UART.
    pub fn bytes(&mut self) -> Result<&[u8], AtError> {
        if !self.terminated {
            self.push(b"\r")?;
            self.terminated = true;
        }
        Ok(&self.line)
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

/// `v` in decimal, written at the end of `buf` (without `core::fmt`, which
/// costs ~3 KB of flash on Cortex-M when nothing else needs it, and
/// without 64-bit division, which links the compiler's division routines).
fn decimal(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        let (q, r) = div10(n);
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + r;
        }
        n = q;
        if n == 0 || i == 0 {
            break;
        }
    }
    // i64::MIN has 19 digits: there is always room for the sign.
    if v < 0 && i > 0 {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'-';
        }
    }
    buf.get(i..).unwrap_or(&[])
}

/// `(n / 10, n % 10)` by long division in 16-bit steps: only 32-bit
/// divisions by a constant, which compile to multiplications.
fn div10(n: u64) -> (u64, u8) {
    let hi = (n >> 32) as u32;
    let lo = n as u32;
    let (q_hi, r) = (hi / 10, hi % 10);
    let mid = (r << 16) | (lo >> 16);
    let (q_mid, r) = (mid / 10, mid % 10);
    let low = (r << 16) | (lo & 0xFFFF);
    let (q_low, r) = (low / 10, low % 10);
    (
        (u64::from(q_hi) << 32) | (u64::from(q_mid) << 16) | u64::from(q_low),
        r as u8,
    )
}

/// Appends `v` in decimal.
#[cfg(test)]
pub(crate) fn push_decimal<const N: usize>(s: &mut String<N>, v: i64) -> Result<(), ()> {
    let mut digits = [0u8; 20];
    let d = decimal(v, &mut digits);
    s.push_str(core::str::from_utf8(d).map_err(|_| ())?)
        .map_err(|_| ())
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
