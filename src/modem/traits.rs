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
//!   form the firmware takes, and connections opened from family-neutral
//!   parameters ([`TlsParams`]).

use super::{Apn, Capabilities, Identity, ModemError, SocketId, Timeouts};
use crate::at::DataSource;
use heapless::String;

/// A modem: the calls every family answers.
pub trait Modem {
    /// Synchronise with the modem, identify it and load its capability
    /// table. Call once after power-up (the driver calls it again by
    /// itself after a reboot it notices).
    fn init(&mut self) -> Result<&Identity, ModemError>;
    /// What [`Modem::init`] found.
    fn identity(&self) -> &Identity;
    /// The capability table of the firmware [`Modem::init`] found.
    fn capabilities(&self) -> &Capabilities;
    /// The deadlines in use.
    fn timeouts(&self) -> Timeouts;
    /// Change the deadlines.
    fn set_timeouts(&mut self, t: Timeouts);
    /// Activate the packet data connection with `apn`; the local address.
    fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError>;
    /// Milliseconds from the port's clock.
    fn now_ms(&mut self) -> u64;
    /// Unix time from the port, when the application has a clock.
    fn port_unix_time(&mut self) -> Option<u64>;
    /// Unix time from the modem's network-set clock
    /// ([`ModemError::ClockNotSet`] until the network has set it).
    fn network_time(&mut self) -> Result<u64, ModemError>;
}

/// Raw TCP connections through the modem.
pub trait Sockets: Modem {
    /// Connect to `host:port`.
    fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError>;
    /// Send up to one chunk of `data` on socket `id`; how many bytes the
    /// modem took.
    fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError>;
    /// Wait up to `timeout_ms` for data on socket `id` and read it into
    /// `buf`; `Ok(0)` once the peer closed and everything was read.
    fn recv_wait(
        &mut self,
        id: SocketId,
        buf: &mut [u8],
        timeout_ms: u32,
    ) -> Result<usize, ModemError>;
    /// Close socket `id` (a raw or an offloaded TLS connection) and free
    /// what the modem held for it.
    fn close(&mut self, id: SocketId) -> Result<(), ModemError>;
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
    /// The trust anchors, as stored by [`FirmwareTls::store_credential`].
    pub ca: Option<&'a str>,
    /// The client certificate, as stored.
    pub client_cert: Option<&'a str>,
    /// The client key, as stored.
    pub client_key: Option<&'a str>,
    /// How long the handshake may take, seconds (10-300).
    pub handshake_timeout_s: u16,
}

/// TLS inside the modem.
pub trait FirmwareTls: Sockets {
    /// Whether the firmware's clock is set (it checks validity dates
    /// against it): [`ModemError::ClockNotSet`] when not.
    fn check_clock(&mut self) -> Result<(), ModemError>;
    /// Store `len` bytes of a credential under `name` in the form the
    /// firmware takes (a file, a slot), unless the same content is already
    /// there and was verified since init. `source` feeds the bytes, in
    /// pieces. `true` when it was written.
    fn store_credential(
        &mut self,
        name: &str,
        len: usize,
        source: DataSource<'_>,
    ) -> Result<bool, ModemError>;
    /// Do not trust credential `name` again without storing it anew (the
    /// firmware may have refused its content).
    fn forget_credential(&mut self, name: &str);
    /// Open an offloaded TLS connection; [`Sockets::send`],
    /// [`Sockets::recv_wait`] and [`Sockets::close`] then work on it. A
    /// failed handshake is [`ModemError::HandshakeFailed`] with the
    /// firmware's code.
    fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError>;
}
