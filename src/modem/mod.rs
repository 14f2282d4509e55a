//! Modem drivers: the traits every family implements ([`Modem`],
//! [`Sockets`], [`FirmwareTls`]), the family-neutral types, and one module
//! per family, each with a capability table.
//!
//! Nothing above this layer knows AT syntax; nothing in it knows which TLS
//! path a session takes.

mod any;
pub mod capability;
mod common;
mod error;
mod identity;
pub mod quectel;
#[cfg(feature = "sierra-hl")]
pub mod sierra;
mod tcp;
mod timeouts;
mod traits;

pub use any::blocking::AnyModem;
pub use capability::{CaFormats, Capabilities, Family};
pub use error::ModemError;
pub use identity::Identity;
pub use tcp::blocking::TcpSocket;
pub use timeouts::Timeouts;
pub use traits::blocking::{FirmwareTls, Modem, Sockets};
pub use traits::{CredentialEntry, CredentialKind, TlsParams, CREDENTIAL_NAME_MAX};

/// The driver traits under the names the dual-compiled modules use: the
/// same traits as [`Modem`], [`Sockets`] and [`FirmwareTls`].
pub mod blocking {
    pub use super::any::blocking::AnyModem;
    pub use super::tcp::blocking::TcpSocket;
    pub use super::traits::blocking::{FirmwareTls, Modem, Sockets};
}

/// The async driver traits (feature `async`): the same calls as the
/// blocking ones, awaited. Every family driver implements them in its
/// `asynch` module (`quectel::asynch::Bg9x`, ...).
#[cfg(feature = "async")]
pub mod asynch {
    pub use super::any::asynch::AnyModem;
    pub use super::tcp::asynch::TcpSocket;
    pub use super::traits::asynch::{FirmwareTls, Modem, Sockets};
}

/// A modem socket (Quectel `connectID`/`clientID` 0-11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketId(pub u8);

/// PDP context (APN) settings for [`Modem::attach`].
#[derive(Clone, Copy, Debug)]
pub struct Apn<'a> {
    /// Access point name ("" lets the network choose).
    pub name: &'a str,
    /// User name ("" for none).
    pub user: &'a str,
    /// Password ("" for none).
    pub password: &'a str,
}

impl<'a> Apn<'a> {
    /// An APN without credentials.
    pub const fn new(name: &'a str) -> Self {
        Self {
            name,
            user: "",
            password: "",
        }
    }
}
