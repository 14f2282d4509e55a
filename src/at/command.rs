//! Building command lines into a fixed buffer, with checked arguments.

use super::AtError;
use core::fmt::Write as _;
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
    pub fn int<T: core::fmt::Display>(&mut self, v: T) -> Result<&mut Self, AtError> {
        self.sep()?;
        write!(self.line, "{v}").map_err(|_| AtError::CommandTooLong)?;
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
