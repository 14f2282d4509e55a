//! The async front (feature `async`), in one place.
//!
//! The AT client, the four family drivers, `AnyModem`, the offloaded, host
//! and Auto session procedures are written once and compiled twice (see
//! `macros/`): the blocking API everywhere else in the crate, and these
//! async twins, which await the UART through a [`Port`] instead of
//! blocking on it. Same commands, same bytes, same decisions, same errors:
//! the scenario matrix (`tests/scenarios.rs`) runs every row through both.
//!
//! Sessions implement `embedded_io_async::Read + Write` (0.7), so
//! `rust-mqtt`, `reqwless`'s request/response types and other async
//! protocol crates run over them; `connect` carries the host name
//! (SNI and verification need it) inside its [`SessionConfig`](crate::session::SessionConfig).
//!
//! Unlike the blocking sessions, an async session or socket cannot close
//! itself when dropped (a drop cannot wait for the modem): close it with
//! `close().await`. One dropped without it stays open in the modem until
//! the modem is initialised again.

pub use crate::modem::asynch::{AnyModem, FirmwareTls, Modem, Sockets, TcpSocket};
#[cfg(feature = "quectel-bc66")]
pub use crate::modem::quectel::asynch::Bc66;
pub use crate::modem::quectel::asynch::Bg9x;
#[cfg(feature = "quectel-m95")]
pub use crate::modem::quectel::asynch::M95;
#[cfg(feature = "sierra-hl")]
pub use crate::modem::sierra::asynch::SierraHl;
pub use crate::port::asynch::Port;
pub use crate::session::asynch::TlsSession;

#[cfg(all(feature = "host-tls", feature = "offload"))]
pub use crate::auto::asynch::{connect, connect_observed, connect_observed_in, Session};
#[cfg(feature = "host-tls")]
pub use crate::host::asynch::HostSession;
#[cfg(feature = "offload")]
pub use crate::offload::asynch::OffloadSession;

/// Open an offloaded session (TLS in the modem): the async
/// [`offload::connect`](crate::offload::connect).
#[cfg(feature = "offload")]
pub use crate::offload::asynch::connect as connect_offload;

/// Open a host TLS session (TLS 1.3 on the MCU): the async
/// [`host::connect`](crate::host::connect).
#[cfg(feature = "host-tls")]
pub use crate::host::asynch::connect as connect_host;
