//! What the layers above ask of a modem, whatever its family: the driver
//! traits. A family module implements them; `offload`, `host` and `auto`
//! are generic over them (static dispatch: a firmware that links one family
//! pays for one).
//!
//! - [`Modem`]: identity, capabilities, timeouts, PDP attach, time.
//! - [`Sockets`]: raw TCP connections (the host TLS path's transport and
//!   the capability probe). The driver remembers what each socket is, so a
//!   caller never names a family's command set.
//! - [`FirmwareTls`]: TLS inside the modem: credentials stored in whatever
//!   form the firmware takes (listed and deleted by name where the
//!   firmware keeps them as files or numbered slots), and connections
//!   opened from family-neutral parameters ([`TlsParams`]).

use super::{Apn, Capabilities, Identity, ModemError, SocketId, Timeouts};
use crate::at::DataSource;
use heapless::String;

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;

    /// A modem: the calls every family answers.
    pub trait Modem {
        /// Synchronise with the modem, identify it and load its capability
        /// table. Call once after power-up (the driver calls it again by
        /// itself after a reboot it notices).
        async fn init(&mut self) -> Result<&Identity, ModemError>;
        /// What [`Modem::init`] found.
        fn identity(&self) -> &Identity;
        /// The capability table of the firmware [`Modem::init`] found.
        fn capabilities(&self) -> &Capabilities;
        /// The deadlines in use.
        fn timeouts(&self) -> Timeouts;
        /// Change the deadlines.
        fn set_timeouts(&mut self, t: Timeouts);
        /// Activate the packet data connection with `apn`; the local address.
        async fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError>;
        /// Milliseconds from the port's clock.
        fn now_ms(&mut self) -> u64;
        /// Unix time from the port, when the application has a clock.
        fn port_unix_time(&mut self) -> Option<u64>;
        /// Unix time from the modem's network-set clock
        /// ([`ModemError::ClockNotSet`] until the network has set it).
        async fn network_time(&mut self) -> Result<u64, ModemError>;
    }

    /// Raw TCP connections through the modem.
    pub trait Sockets: Modem {
        /// Connect to `host:port`.
        async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError>;
        /// Send up to one chunk of `data` on socket `id`; how many bytes the
        /// modem took.
        async fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError>;
        /// Wait up to `timeout_ms` for data on socket `id` and read it into
        /// `buf`; `Ok(0)` once the peer closed and everything was read.
        async fn recv_wait(
            &mut self,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError>;
        /// Close socket `id` (a raw or an offloaded TLS connection) and free
        /// what the modem held for it.
        async fn close(&mut self, id: SocketId) -> Result<(), ModemError>;
    }

    /// TLS inside the modem.
    pub trait FirmwareTls: Sockets {
        /// Whether the firmware's clock is set (it checks validity dates
        /// against it): [`ModemError::ClockNotSet`] when not.
        async fn check_clock(&mut self) -> Result<(), ModemError>;
        /// Store `len` bytes of a credential under `name` in the form the
        /// firmware takes (a file, a slot), unless the same content is already
        /// there and was verified since init. The driver pulls the bytes from
        /// `source` in pieces as it writes them. `true` when it was written.
        async fn store_credential(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<bool, ModemError>;
        /// Do not trust credential `name` again without storing it anew (the
        /// firmware may have refused its content).
        fn forget_credential(&mut self, name: &str);
        /// Ask the modem which credentials it holds and pass each to `f`, in
        /// the modem's order. The names come from the modem and are checked
        /// (printable ASCII, at most [`CREDENTIAL_NAME_MAX`] bytes, a size
        /// that is a number): an answer that is not so fails the list with
        /// [`AtError::Unexpected`](crate::at::AtError::Unexpected) and `f` is
        /// not called again (entries before it were passed). A family whose
        /// firmware keeps no listable store (BC66/BC660K) answers
        /// [`ModemError::CredentialStoreUnsupported`].
        async fn list_credentials(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError>;
        /// Delete credential `name` (a name [`FirmwareTls::list_credentials`]
        /// gives, or the name it was stored under) from the modem and stop
        /// trusting it. [`ModemError::CredentialNotFound`] when the modem has
        /// no such credential; [`ModemError::CredentialStoreUnsupported`] for
        /// a family that cannot delete one (BC66/BC660K).
        async fn delete_credential(&mut self, name: &str) -> Result<(), ModemError>;
        /// Open an offloaded TLS connection; [`Sockets::send`],
        /// [`Sockets::recv_wait`] and [`Sockets::close`] then work on it. A
        /// failed handshake is [`ModemError::HandshakeFailed`] with the
        /// firmware's code.
        async fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError>;
    }
}

/// The parameters of an offloaded TLS connection, family-neutral: the
/// driver turns them into its firmware's settings.
#[derive(Clone, Copy, Debug)]
pub struct TlsParams<'a> {
    /// Server name: SNI (where the firmware sends it) and, with `verify`,
    /// the name the certificate must match.
    pub host: &'a str,
    /// Server port.
    pub port: u16,
    /// Verify the chain against `ca` and the host name.
    pub verify: bool,
    /// Check validity dates against the modem's clock (with `verify`).
    pub check_validity: bool,
    /// The trust anchors, as stored by [`FirmwareTls::store_credential`](crate::modem::FirmwareTls::store_credential).
    pub ca: Option<&'a str>,
    /// The client certificate, as stored.
    pub client_cert: Option<&'a str>,
    /// The client key, as stored.
    pub client_key: Option<&'a str>,
    /// How long the handshake may take, seconds (10-300).
    pub handshake_timeout_s: u16,
}

/// What a stored credential is for, as far as the modem (a numbered slot)
/// or its name (the extension the offload layer gives it) tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialKind {
    /// A trust anchor (CA certificate): `.pem`, Sierra `root_cert`.
    Ca,
    /// A client certificate: `.crt`, Sierra `local_cert`.
    ClientCert,
    /// A client private key: `.key`, Sierra `private_key`.
    ClientKey,
    /// Neither the modem nor the name says.
    Unknown,
}

impl CredentialKind {
    /// The kind the offload layer's naming gives `name` (`<crc32>.pem` a
    /// CA, `.crt` a client certificate, `.key` a client key).
    pub fn of_name(name: &str) -> Self {
        if name.ends_with(".pem") {
            CredentialKind::Ca
        } else if name.ends_with(".crt") {
            CredentialKind::ClientCert
        } else if name.ends_with(".key") {
            CredentialKind::ClientKey
        } else {
            CredentialKind::Unknown
        }
    }

    /// A short lower-case word for logs and tools (`ca`, `client-cert`,
    /// `client-key`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Ca => "ca",
            CredentialKind::ClientCert => "client-cert",
            CredentialKind::ClientKey => "client-key",
            CredentialKind::Unknown => "unknown",
        }
    }
}

/// One credential stored in the modem, as [`FirmwareTls::list_credentials`](crate::modem::FirmwareTls::list_credentials)
/// reports it. Borrowed from the modem's answer: valid during the call
/// only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialEntry<'a> {
    /// The name [`FirmwareTls::delete_credential`](crate::modem::FirmwareTls::delete_credential) takes: the file name
    /// (without the M66/M95's `RAM:` prefix, as
    /// [`FirmwareTls::store_credential`](crate::modem::FirmwareTls::store_credential) takes it), or a Sierra slot
    /// (`root_cert,0`). Printable ASCII, at most [`CREDENTIAL_NAME_MAX`]
    /// bytes.
    pub name: &'a str,
    /// The size in bytes, when the modem reports it.
    pub size: Option<u32>,
    /// What it is for, when known.
    pub kind: CredentialKind,
}

/// The longest credential name a list accepts from the modem (the Quectel
/// file-name limit); a longer one makes the list fail.
pub const CREDENTIAL_NAME_MAX: usize = 80;
