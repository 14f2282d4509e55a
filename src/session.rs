//! The one session interface both TLS paths implement.
//!
//! A session is configured with a [`SessionConfig`], opened by a connector
//! (today [`crate::offload::connect`]), and used as an
//! [`embedded_io::Read`] + [`embedded_io::Write`] stream. [`SessionInfo`]
//! says which path runs, why, and with what parameters when known.

use crate::error::ConfigError;
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

/// Why the session is on its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathReason {
    /// The configuration asked for this path ([`Mode::Offload`] or [`Mode::Host`]).
    Requested,
    /// Auto: the modem's capability table covers the session's needs.
    CapabilitiesCover,
}

impl PathReason {
    /// A short code a C caller can print.
    pub fn code(&self) -> &'static str {
        match self {
            PathReason::Requested => "requested",
            PathReason::CapabilitiesCover => "modem-capable",
        }
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
    /// Run the capability probe over a raw socket when the modem's
    /// handshake fails, to name the cause (default on).
    pub diagnose: bool,
    /// Handshake time limit, seconds (default 60).
    pub handshake_timeout_s: u16,
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
            },
            insecure_no_verify: false,
            accept_unchecked_validity: false,
            diagnose: true,
            handshake_timeout_s: 60,
        }
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
}
