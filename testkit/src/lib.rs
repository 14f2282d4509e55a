//! Real TLS peers and certificates for modemtls tests.
//!
//! - [`hostile`]: a scripted hostile TLS 1.3 server holding the real keys;
//! - [`peers`]: other implementations' servers as child processes
//!   (`gnutls-serv`, `nginx`, `mosquitto`), killed on drop;
//! - [`pki`]: a test PKI (roots, intermediates, cross-signed copies, leaves,
//!   broken leaves) generated at test time;
//! - [`rng`]: a deterministic generator for test cases;
//! - [`rustls_echo`]: an in-process TLS 1.3 echo server on rustls;
//! - [`s_server`]: `openssl s_server` as a child process, killed on drop;
//! - [`server`]: an in-process TLS server (openssl crate) with scripted
//!   behaviours and per-connection records;
//! - [`tcp_echo`]: a plain TCP echo server.
//!
//! Everything listens on 127.0.0.1 only, every wait is bounded, and every
//! server stops when its handle is dropped.

pub mod hostile;
pub mod peers;
pub mod pki;
pub mod rng;
pub mod rustls_echo;
pub mod s_server;
pub mod server;
pub mod tcp_echo;

pub use peers::Daemon;
pub use pki::{server_creds, server_creds_with, Ca, Issued, KeyKind, LeafSpec, ServerCreds};
pub use rng::Rng;
pub use rustls_echo::{RustlsEcho, RustlsOpts};
pub use s_server::{SServer, SServerMode, SServerOpts};
pub use server::{sink_reply, Behaviour, ConnRecord, ServerOpts, TlsServer};
pub use tcp_echo::TcpEcho;

/// TLS versions a server accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsVersions {
    /// TLS 1.2 only.
    Tls12Only,
    /// TLS 1.3 only.
    Tls13Only,
    /// TLS 1.2 and TLS 1.3.
    Both,
}
