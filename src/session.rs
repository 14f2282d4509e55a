//! The one session interface both TLS paths implement.
//!
//! A session is configured with a [`SessionConfig`], opened by a connector
//! (today [`crate::offload::connect`]), and used as an
//! [`embedded_io::Read`] + [`embedded_io::Write`] stream. [`SessionInfo`]
//! says which path runs, why, and with what parameters when known.
//!
//! Code written against [`TlsSession`] runs over any path and family:
//!
//! ```
//! use modemtls::session::TlsSession;
//!
//! /// Send a request and read the first bytes of the answer.
//! fn ask<S: TlsSession>(s: &mut S, request: &[u8], answer: &mut [u8]) -> Result<usize, S::Error> {
//!     s.write_all(request)?;
//!     s.flush()?;
//!     s.read(answer)
//! }
//! ```
//!
//! The same with the async front (feature `async`), where sessions are
//! `embedded_io_async` streams:
//!
//! ```
//! # #[cfg(feature = "async")]
//! # mod with_async {
//! use modemtls::session::asynch::TlsSession;
//!
//! /// Send a request and read the first bytes of the answer.
//! async fn ask<S: TlsSession>(s: &mut S, request: &[u8], answer: &mut [u8]) -> Result<usize, S::Error> {
//!     s.write_all(request).await?;
//!     s.flush().await?;
//!     s.read(answer).await
//! }
//! # }
//! ```

use crate::error::{ConfigError, TlsError, TlsFailure};
use crate::probe::TlsVersion;

/// Where TLS runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Let the library choose per session (offload when the modem's
    /// firmware can meet the session's needs, else host).
    #[default]
    Auto,
    /// Inside the modem (its SSL AT commands).
    Offload,
    /// On the MCU over the modem's raw TCP socket.
    Host,
}

/// The path a session took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// TLS in the modem firmware.
    Offload,
    /// TLS on the MCU.
    Host,
}

impl Path {
    /// A short name a C caller or a log line can print.
    pub fn code(&self) -> &'static str {
        match self {
            Path::Offload => "offload",
            Path::Host => "host",
        }
    }
}

/// Why the session is on its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathReason {
    /// The configuration asked for this path ([`Mode::Offload`] or [`Mode::Host`]).
    Requested,
    /// Auto: the modem's capability table covers the session's needs.
    CapabilitiesCover,
    /// Auto: the server is known to need TLS 1.3 and the firmware has none.
    NeedsTls13,
    /// Auto: the server is known to need SNI and the firmware sends none.
    NeedsSni,
    /// Auto: mutual TLS and the firmware cannot present a client certificate.
    NeedsClientCert,
    /// Auto: the trust bundle is larger than the firmware accepts.
    CredentialTooLarge,
    /// Auto: an earlier fallback for this host was remembered.
    Cached,
    /// Auto: the offloaded handshake failed for this capability cause
    /// (or, for [`TlsFailure::HandshakeFailed`], for no cause the evidence
    /// shows), and the host path was tried once.
    Fallback(TlsFailure),
    /// Auto: the firmware could not take the credentials (format or size).
    FallbackCredential,
    /// Auto: the configuration asks for protection up to the MCU
    /// ([`ServerHints::end_to_end`]), which only the host path gives.
    NeedsEndToEnd,
    /// Auto: verification is on and the firmware cannot check the server's
    /// host name or the validity dates (capabilities `hostname_check`,
    /// `validity_check`, e.g. the BC66), and the configuration does not
    /// accept a chain-only check
    /// ([`SessionConfig::accept_chain_only`]).
    NeedsHostnameCheck,
    /// Auto: the configuration offers ALPN protocols
    /// ([`SessionConfig::alpn`]), which modem firmware TLS does not
    /// negotiate.
    NeedsAlpn,
}

impl PathReason {
    /// A short code a C caller can print.
    pub fn code(&self) -> &'static str {
        match self {
            PathReason::Requested => "requested",
            PathReason::CapabilitiesCover => "modem-capable",
            PathReason::NeedsTls13 => "needs-tls13",
            PathReason::NeedsSni => "needs-sni",
            PathReason::NeedsClientCert => "needs-client-cert",
            PathReason::CredentialTooLarge => "credential-too-large",
            PathReason::Cached => "cached-host",
            PathReason::Fallback(TlsFailure::NoCommonCipher) => "fallback-no-common-cipher",
            PathReason::Fallback(TlsFailure::ProtocolVersion) => "fallback-protocol-version",
            PathReason::Fallback(TlsFailure::SniRequired) => "fallback-sni-required",
            PathReason::Fallback(_) => "fallback-handshake-failed",
            PathReason::FallbackCredential => "fallback-credential-format",
            PathReason::NeedsEndToEnd => "needs-end-to-end",
            PathReason::NeedsHostnameCheck => "needs-hostname-check",
            PathReason::NeedsAlpn => "needs-alpn",
        }
    }

    /// A stable number for the reason (C ABI, the decision cache).
    pub fn number(&self) -> u8 {
        match self {
            PathReason::Requested => 0,
            PathReason::CapabilitiesCover => 1,
            PathReason::NeedsTls13 => 2,
            PathReason::NeedsSni => 3,
            PathReason::NeedsClientCert => 4,
            PathReason::CredentialTooLarge => 5,
            PathReason::Cached => 6,
            PathReason::Fallback(TlsFailure::NoCommonCipher) => 7,
            PathReason::Fallback(TlsFailure::ProtocolVersion) => 8,
            PathReason::Fallback(TlsFailure::SniRequired) => 9,
            PathReason::Fallback(_) => 10,
            PathReason::FallbackCredential => 11,
            PathReason::NeedsEndToEnd => 12,
            PathReason::NeedsHostnameCheck => 13,
            PathReason::NeedsAlpn => 14,
        }
    }

    /// The reason with this [`number`](Self::number).
    pub fn from_number(n: u8) -> Option<Self> {
        Some(match n {
            0 => PathReason::Requested,
            1 => PathReason::CapabilitiesCover,
            2 => PathReason::NeedsTls13,
            3 => PathReason::NeedsSni,
            4 => PathReason::NeedsClientCert,
            5 => PathReason::CredentialTooLarge,
            6 => PathReason::Cached,
            7 => PathReason::Fallback(TlsFailure::NoCommonCipher),
            8 => PathReason::Fallback(TlsFailure::ProtocolVersion),
            9 => PathReason::Fallback(TlsFailure::SniRequired),
            10 => PathReason::Fallback(TlsFailure::HandshakeFailed),
            11 => PathReason::FallbackCredential,
            12 => PathReason::NeedsEndToEnd,
            13 => PathReason::NeedsHostnameCheck,
            14 => PathReason::NeedsAlpn,
            _ => return None,
        })
    }
}

/// A certificate, bundle or key as PEM text or DER bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    /// PEM (one or more `-----BEGIN ...-----` blocks).
    Pem(&'a [u8]),
    /// DER (one certificate or key).
    Der(&'a [u8]),
}

impl<'a> Credential<'a> {
    /// PEM when the bytes contain a `-----BEGIN` line, else DER.
    pub fn detect(bytes: &'a [u8]) -> Self {
        if bytes.windows(10).any(|w| w == b"-----BEGIN") {
            Credential::Pem(bytes)
        } else {
            Credential::Der(bytes)
        }
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &'a [u8] {
        match *self {
            Credential::Pem(b) | Credential::Der(b) => b,
        }
    }
}

/// A client certificate (chain) and its private key, for mutual TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIdentity<'a> {
    /// The certificate (PEM may hold the chain).
    pub cert: Credential<'a>,
    /// The private key (PKCS#8 or SEC1).
    pub key: Credential<'a>,
}

/// What is known of the server in advance (used by [`Mode::Auto`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerHints {
    /// The server only speaks TLS 1.3.
    pub tls13_only: bool,
    /// The server needs SNI (virtual hosting).
    pub requires_sni: bool,
    /// The data must be protected all the way to the MCU. On the offloaded
    /// path TLS ends in the modem and the UART between the modem and the
    /// MCU is not protected (a damaged byte reaches the application
    /// unnoticed): Auto takes the host path ([`PathReason::NeedsEndToEnd`]).
    pub end_to_end: bool,
}

/// Longest host name (RFC 1035: 253; Quectel limits commands, not names).
pub const MAX_HOST_LEN: usize = 253;

/// How to open one TLS session.
///
/// ```
/// use modemtls::session::{Credential, Mode, SessionConfig};
/// let ca = b"-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
/// let cfg = SessionConfig::new("example.com", 443)
///     .trust(Credential::Pem(ca))
///     .mode(Mode::Offload);
/// assert!(cfg.validate().is_ok());
/// assert!(SessionConfig::new("example.com", 443).validate().is_err()); // no CA
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionConfig<'a> {
    /// Server host name (or IP address literal); also the SNI and the name
    /// the certificate must carry.
    pub host: &'a str,
    /// Server TCP port.
    pub port: u16,
    /// Trust anchors (a CA certificate or PEM bundle).
    pub trust: Option<Credential<'a>>,
    /// Client identity for mutual TLS.
    pub client: Option<ClientIdentity<'a>>,
    /// Path selection.
    pub mode: Mode,
    /// Known server requirements.
    pub hints: ServerHints,
    /// Skip certificate verification entirely. Never a fallback: only
    /// honoured when set here, and reported in [`SessionInfo::verified`].
    pub insecure_no_verify: bool,
    /// Verify the chain and host name but not the validity dates (for a
    /// device that has no trustworthy clock).
    pub accept_unchecked_validity: bool,
    /// Accept an offloaded session whose firmware verifies the chain only:
    /// not the host name, nor the validity dates (capabilities
    /// `hostname_check`/`validity_check` false, e.g. the BC66). Safe only
    /// when the CA signs nothing but your own servers (a private CA) and
    /// revokes by reissuing: any certificate it issued, even expired, would
    /// do. Without it, Auto takes the host path
    /// ([`PathReason::NeedsHostnameCheck`]) and [`Mode::Offload`] refuses
    /// ([`ConfigError::NoHostnameCheck`]).
    pub accept_chain_only: bool,
    /// Run the capability probe over a raw socket when the modem's
    /// handshake fails, to name the cause (default on; needs the
    /// `diagnose` feature, also on by default).
    pub diagnose: bool,
    /// Handshake time limit, seconds (default 60).
    pub handshake_timeout_s: u16,
    /// ALPN protocols to offer on the host path, in preference order
    /// (empty: none); the one the server chose is in
    /// `HostSession::alpn` (`host::HostSession`). Modem firmware TLS
    /// does not negotiate ALPN, so with any the offloaded path is skipped.
    pub alpn: &'a [&'a [u8]],
}

impl<'a> SessionConfig<'a> {
    /// A verifying session to `host:port`, [`Mode::Auto`], no trust anchors
    /// yet (add them with [`SessionConfig::trust`]).
    pub const fn new(host: &'a str, port: u16) -> Self {
        Self {
            host,
            port,
            trust: None,
            client: None,
            mode: Mode::Auto,
            hints: ServerHints {
                tls13_only: false,
                requires_sni: false,
                end_to_end: false,
            },
            insecure_no_verify: false,
            accept_unchecked_validity: false,
            accept_chain_only: false,
            diagnose: true,
            handshake_timeout_s: 60,
            alpn: &[],
        }
    }

    /// Offer these ALPN protocols (host path).
    pub const fn alpn(mut self, protocols: &'a [&'a [u8]]) -> Self {
        self.alpn = protocols;
        self
    }

    /// Set the trust anchors.
    pub const fn trust(mut self, ca: Credential<'a>) -> Self {
        self.trust = Some(ca);
        self
    }

    /// Set the client identity.
    pub const fn client(mut self, id: ClientIdentity<'a>) -> Self {
        self.client = Some(id);
        self
    }

    /// Set the mode.
    pub const fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Check the configuration before any modem traffic.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.host.is_empty() {
            return Err(ConfigError::HostEmpty);
        }
        if self.host.len() > MAX_HOST_LEN {
            return Err(ConfigError::HostTooLong);
        }
        if !self
            .host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
        {
            return Err(ConfigError::HostInvalid);
        }
        if self.port == 0 {
            return Err(ConfigError::PortZero);
        }
        if !self.insecure_no_verify && self.trust.is_none() {
            return Err(ConfigError::NoTrustAnchors);
        }
        if let Some(t) = self.trust {
            if t.bytes().is_empty() {
                return Err(ConfigError::NoTrustAnchors);
            }
        }
        Ok(())
    }
}

/// The server certificate's commonName as verified by the host path
/// (printable ASCII, at most 64 bytes; empty when unknown, e.g. on the
/// offloaded path, whose firmware does not report it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerName {
    bytes: [u8; 64],
    len: u8,
}

impl PeerName {
    /// No name.
    pub const EMPTY: PeerName = PeerName {
        bytes: [0; 64],
        len: 0,
    };

    /// `name` truncated to 64 bytes at a character boundary.
    pub fn new(name: &str) -> Self {
        let mut p = Self::EMPTY;
        let mut n = name.len().min(64);
        while !name.is_char_boundary(n) {
            n -= 1;
        }
        if let (Some(dst), Some(src)) = (p.bytes.get_mut(..n), name.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
            p.len = n as u8;
        }
        p
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        let b = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        core::str::from_utf8(b).unwrap_or("")
    }
}

/// What a session is running on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// The TLS path.
    pub path: Path,
    /// Why this path.
    pub reason: PathReason,
    /// Negotiated TLS version, when the path reports it.
    pub tls_version: Option<TlsVersion>,
    /// Negotiated cipher suite (IANA code), when the path reports it.
    pub cipher_suite: Option<u16>,
    /// The server certificate was verified (false only with `insecure_no_verify`).
    pub verified: bool,
    /// The server's host name was checked against its certificate (false
    /// without verification, and on an offloaded path whose firmware
    /// cannot, accepted with [`SessionConfig::accept_chain_only`]).
    pub hostname_checked: bool,
    /// Auto fell back to this path after the other one failed this way.
    pub fallback_from: Option<TlsError>,
    /// The verified server certificate's commonName (host path only;
    /// empty for a resumed session, which sends no certificate).
    pub peer: PeerName,
    /// The session was resumed with a ticket (host path): no certificate
    /// chain crossed the UART and no signature was verified; the server
    /// proved it holds the key of the session that issued the ticket.
    pub resumed: bool,
}

impl SessionInfo {
    /// Whether TLS protects the data up to the MCU. True on the host path.
    /// False on the offloaded path: TLS ends in the modem, and the UART
    /// between the modem and the MCU carries the data in clear, so a byte
    /// damaged there (noise, a wrong baud rate, no flow control) reaches
    /// the application unnoticed. Use hardware flow control, or ask Auto
    /// for the host path with [`ServerHints::end_to_end`].
    pub fn uart_protected(&self) -> bool {
        self.path == Path::Host
    }
}

#[cfg(all(feature = "host-tls", feature = "offload"))]
pub use crate::auto::{connect, Session};
#[cfg(feature = "host-tls")]
pub use crate::host::HostBuffers;

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;

    /// The one session interface, whatever the path (offloaded, host TLS, or
    /// Auto's choice of the two) and the modem family: an `embedded_io` byte
    /// stream (`embedded_io_async` in `session::asynch`) with [`TlsSession::info`] and [`TlsSession::close`]. Code written
    /// against it runs over any of them.
    ///
    /// (Examples, blocking and async: the [module documentation](crate::session).)
    pub trait TlsSession:
        embedded_io_async::Read
        + embedded_io_async::Write
        + embedded_io_async::ErrorType<Error = crate::error::Error>
    {
        /// Path, reason and parameters of the session.
        fn info(&self) -> SessionInfo;
        /// Close the session (host TLS: `close_notify` first) and free the
        /// modem's socket.
        async fn close(self) -> Result<(), crate::error::Error>
        where
            Self: Sized;
    }
}

pub use blocking::TlsSession;
