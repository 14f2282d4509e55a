//! Errors of the modem-driver layer.

use crate::at::AtError;
use core::fmt;

/// Why a modem operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModemError {
    /// An AT command failed.
    At(AtError),
    /// The modem never answered `AT` during init.
    NotResponding,
    /// `ATI` named a model this driver does not support.
    UnsupportedModel,
    /// The PDP context is not active (never attached, or `pdpdeact`).
    PdpDown,
    /// The APN could not be activated (`AT+QIACT` failed).
    AttachFailed,
    /// DNS could not resolve the host (Quectel 565).
    Dns,
    /// The TCP connection was refused or unreachable (Quectel 566).
    ConnectFailed,
    /// Opening a socket timed out (no `+QIOPEN`/`+QSSLOPEN` result, or 569).
    OpenTimeout,
    /// Every socket is in use.
    NoFreeSocket,
    /// The modem reported another socket error code (Quectel 55x, Sierra
    /// `+KTCP_NOTIF`).
    Socket(i32),
    /// The firmware's TLS handshake failed (`+QSSLOPEN: <id>,<code>`, code
    /// not a socket error). The firmware gives no detail.
    HandshakeFailed(i32),
    /// The peer closed the connection.
    Closed,
    /// The modem stored a file whose checksum differs from what was sent.
    FileChecksum {
        /// XOR-16 of the bytes sent.
        sent: u16,
        /// XOR-16 the modem reported.
        stored: u16,
    },
    /// The file is larger than the modem accepts.
    FileTooLarge,
    /// The modem's clock is not set (no network time yet).
    ClockNotSet,
    /// A read or write did not complete in time.
    Timeout,
    /// The modem restarted (`RDY`): the connection is gone. The next
    /// connect initialises the modem and activates the APN again.
    Rebooted,
    /// The modem's receive buffer overflowed and it dropped data (BC66:
    /// 2,168 bytes per socket, no flow control): the connection is lost.
    BufferOverflow,
    /// The modem firmware could not parse a certificate or key it was
    /// given (Sierra `+CME ERROR: 931`, or PEM given to the DER-only
    /// HL8548).
    CredentialRejected,
    /// The modem has no credential of that name (Quectel `+CME ERROR:
    /// 405`, an empty Sierra slot).
    CredentialNotFound,
    /// The firmware keeps credentials where they cannot be listed or
    /// deleted by name: the BC66/BC660K holds them inline in its SSL
    /// configuration (`AT+QSSLCFG=0,0,"cacert"`), with no file system and
    /// no command that reads or removes them.
    CredentialStoreUnsupported,
}

impl ModemError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        if let ModemError::At(e) = self {
            return e.cause();
        }
        crate::error::causes!(self, {
            ModemError::NotResponding => "the modem does not answer AT: check power, reset line, UART wiring and baud rate",
            ModemError::UnsupportedModel => "the modem model reported by ATI is not supported by this driver",
            ModemError::PdpDown => "no packet data connection: attach (activate the APN) first, or the network dropped it",
            ModemError::AttachFailed => "the APN could not be activated: check the APN name, credentials and SIM/network registration",
            ModemError::Dns => "DNS lookup of the host failed: check the host name and the network's DNS",
            ModemError::ConnectFailed => "the TCP connection was refused or the host is unreachable: check host and port",
            ModemError::OpenTimeout => "opening the connection timed out: weak signal, the server does not answer, or the modem's answer was damaged on the UART",
            ModemError::NoFreeSocket => "all modem sockets are in use: close a session first",
            ModemError::Socket(_) => "the modem reported a socket error (see the code: Quectel 55x, Sierra +KTCP_NOTIF)",
            ModemError::HandshakeFailed(_) => "the modem firmware's TLS handshake failed (the firmware gives no reason)",
            ModemError::Closed => "the server closed the connection",
            ModemError::FileChecksum { .. } => "the file stored in the modem differs from the one sent (UART corruption: check flow control)",
            ModemError::FileTooLarge => "the certificate or key file is larger than the modem accepts",
            ModemError::ClockNotSet => "the modem's clock is not set: wait for network time (AT+CTZU=1) or set AT+CCLK",
            ModemError::Timeout => "the modem did not complete the transfer in time",
            ModemError::Rebooted => "the modem restarted (power, watchdog or firmware fault): connection lost; the next connect re-initialises it",
            ModemError::BufferOverflow => "the modem's receive buffer overflowed and dropped data (it has no flow control): connection lost; read faster (a higher baud rate) or ask the server for smaller records",
            ModemError::CredentialRejected => "the modem firmware could not parse the certificate or key (wrong format: the HL8548 takes DER only; or not a certificate)",
            ModemError::CredentialNotFound => "no credential of that name on the modem",
            ModemError::CredentialStoreUnsupported => "this modem cannot list or delete credentials (BC66/BC660K: kept inline in the SSL configuration)",
        } else ModemError::At(_))
    }
}

impl From<AtError> for ModemError {
    fn from(e: AtError) -> Self {
        ModemError::At(e)
    }
}

impl fmt::Display for ModemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModemError::At(e) => write!(f, "{e}"),
            ModemError::Socket(c) | ModemError::HandshakeFailed(c) => {
                write!(f, "{} (code {c})", self.cause())
            }
            ModemError::FileChecksum { sent, stored } => {
                write!(f, "{} (sent {sent:04x}, stored {stored:04x})", self.cause())
            }
            _ => f.write_str(self.cause()),
        }
    }
}

impl core::error::Error for ModemError {}
