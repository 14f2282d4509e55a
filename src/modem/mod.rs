//! Modem drivers: one module per family, each with a capability table.
//!
//! Nothing above this layer knows AT syntax; nothing in it knows which TLS
//! path a session takes.

pub mod capability;
mod error;
pub mod quectel;

pub use capability::{CaFormats, Capabilities, Family};
pub use error::ModemError;

/// A modem socket (Quectel `connectID`/`clientID` 0-11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketId(pub u8);

/// PDP context (APN) settings for [`quectel::Bg9x::attach`].
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
