//! Errors of the AT layer.

use super::FinalResult;
use crate::port::PortError;
use core::fmt;

/// Why an AT command did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AtError {
    /// No final result before the command's deadline.
    Timeout,
    /// The modem answered a bare `ERROR`.
    Error,
    /// The modem answered `+CME ERROR: <n>` (`None`: verbose text).
    Cme(Option<u16>),
    /// The modem answered `+CMS ERROR: <n>`.
    Cms(Option<u16>),
    /// `SEND FAIL`: the modem's send buffer is full.
    SendFail,
    /// `NO CARRIER`.
    NoCarrier,
    /// A response line was longer than the engine's line buffer and was dropped.
    Overflow,
    /// The UART failed.
    Port(PortError),
    /// The command line does not fit in the command buffer.
    CommandTooLong,
    /// An argument cannot be written in AT syntax (quote or control character).
    InvalidArgument,
    /// The modem's answer did not have the documented shape.
    Unexpected,
    /// The modem answered, but no final result could be read before the
    /// deadline: the answer was damaged or out of step on the UART.
    Garbled,
    /// The data prompt (`> `/`CONNECT`) was not seen in time, or the data
    /// stopped short: the announced length was completed with filler so no
    /// command reached the connection or file, and the data is lost.
    PromptLost,
}

impl AtError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        if let AtError::Port(p) = self {
            return p.cause();
        }
        crate::error::causes!(self, {
            AtError::Timeout => "the modem did not answer in time: check power, UART wiring and baud rate",
            AtError::Error => "the modem rejected the command (ERROR)",
            AtError::Cme(_) => "the modem reported an equipment error (+CME ERROR)",
            AtError::Cms(_) => "the modem reported a message service error (+CMS ERROR)",
            AtError::SendFail => "the modem's send buffer stayed full (SEND FAIL): the server does not read or the network is too slow; retry later",
            AtError::NoCarrier => "the modem dropped the data connection (NO CARRIER)",
            AtError::Overflow => "a modem response line was too long for the parser buffer and was dropped",
            AtError::CommandTooLong => "the command line is too long for the command buffer (shorten host names or file names)",
            AtError::InvalidArgument => "an argument contains a quote or control character and cannot be sent in an AT command",
            AtError::Unexpected => "the modem's answer did not have the documented format (damaged on the UART, or unsupported firmware)",
            AtError::Garbled => "the modem answered but its reply was damaged or out of step (UART noise, baud rate, flow control)",
            AtError::PromptLost => "the data prompt was lost or the data cut short (UART noise, baud rate, flow control): the data was replaced by filler",
        } else AtError::Port(_))
    }

    /// The error a final result code stands for, if it is one.
    pub fn from_final(f: FinalResult) -> Option<Self> {
        match f {
            FinalResult::Ok | FinalResult::SendOk => None,
            FinalResult::Error => Some(AtError::Error),
            FinalResult::CmeError(n) => Some(AtError::Cme(n)),
            FinalResult::CmsError(n) => Some(AtError::Cms(n)),
            FinalResult::SendFail => Some(AtError::SendFail),
            FinalResult::NoCarrier => Some(AtError::NoCarrier),
        }
    }
}

impl From<PortError> for AtError {
    fn from(e: PortError) -> Self {
        AtError::Port(e)
    }
}

impl fmt::Display for AtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtError::Cme(Some(n)) => write!(f, "{} ({n})", self.cause()),
            AtError::Cms(Some(n)) => write!(f, "{} ({n})", self.cause()),
            _ => f.write_str(self.cause()),
        }
    }
}

impl core::error::Error for AtError {}
