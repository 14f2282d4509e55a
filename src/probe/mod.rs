//! Capability probe: why did the modem's own TLS handshake fail?
//!
//! A modem's firmware TLS reports only "handshake failed" (Quectel
//! `+QSSLOPEN: <id>,-1`). To find the cause, the library opens a plain TCP
//! socket through the same modem to the same server and sends a TLS
//! ClientHello that offers exactly what the firmware offers: its cipher
//! suites (IANA codes, in its order), its TLS versions (the firmware stacks
//! stop at TLS 1.2), with or without SNI as the firmware would. The server's
//! first records answer the question: a ServerHello (it accepts those
//! parameters, so the failure came later), or an alert whose description
//! names the cause (`handshake_failure`, `protocol_version`,
//! `unrecognized_name`, ...). The handshake is abandoned after that first
//! answer; no key is ever derived, so the probe's random need not be secret.
//!
//! Everything here is sans-IO, `no_std`, without allocation and without a
//! reachable panic:
//!
//! - [`write_client_hello`] writes the probe's ClientHello record into a
//!   caller's buffer;
//! - [`ResponseParser`] takes the server's bytes as they arrive (records may
//!   be split anywhere) and returns a [`Verdict`] as soon as one is decided;
//! - [`diagnose`] (or [`diagnose_for`], which also checks the answer against
//!   what was offered) turns the verdict of the probe with the firmware's SNI
//!   setting, and of the retry with SNI when the first was refused, into a
//!   [`Diagnosis`].
//!
//! ```
//! use modemtls::probe::*;
//! let suites = [0xC02F, 0x009C];
//! let hello = ProbeHello {
//!     server_name: None,
//!     cipher_suites: &suites,
//!     min_version: TlsVersion::Tls12,
//!     max_version: TlsVersion::Tls12,
//! };
//! let mut out = [0u8; 512];
//! let n = write_client_hello(&hello, &[7; 32], &mut out).unwrap();
//! assert_eq!(&out[..3], &[0x16, 0x03, 0x01]);
//! // ... send out[..n] over the raw socket, then feed what comes back:
//! let mut parser = ResponseParser::new();
//! let verdict = parser.feed(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]).unwrap();
//! assert_eq!(verdict, Verdict::Alert { level: 2, description: AlertDescription::HandshakeFailure });
//! assert_eq!(diagnose(verdict, None), Diagnosis::NoCommonCipher);
//! ```

mod diagnose;
mod hello;
mod parser;

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;

pub use diagnose::{diagnose, diagnose_for};
pub use hello::write_client_hello;
pub use parser::ResponseParser;

use core::fmt;

/// What the probe offers: a mirror of the modem firmware's TLS stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeHello<'a> {
    /// Host name sent as SNI (`server_name` extension), or `None` when the
    /// firmware sends no SNI. An IP literal is never sent (RFC 6066 3
    /// forbids it): it is omitted as if `None`. One trailing dot is removed.
    pub server_name: Option<&'a str>,
    /// The firmware's cipher suites by IANA code, in the firmware's order.
    /// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (0x00FF) is appended unless
    /// already present.
    pub cipher_suites: &'a [u16],
    /// Lowest TLS version the firmware accepts.
    pub min_version: TlsVersion,
    /// Highest TLS version the firmware offers.
    pub max_version: TlsVersion,
}

/// A TLS protocol version. Ordered oldest first, so `Tls10 < Tls13`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// TLS 1.0 (wire value 0x0301).
    Tls10,
    /// TLS 1.1 (wire value 0x0302).
    Tls11,
    /// TLS 1.2 (wire value 0x0303).
    Tls12,
    /// TLS 1.3 (wire value 0x0304).
    Tls13,
}

impl TlsVersion {
    /// The version's two-byte value on the wire (`ProtocolVersion`).
    pub const fn to_wire(self) -> u16 {
        match self {
            TlsVersion::Tls10 => 0x0301,
            TlsVersion::Tls11 => 0x0302,
            TlsVersion::Tls12 => 0x0303,
            TlsVersion::Tls13 => 0x0304,
        }
    }

    /// The version a wire value stands for; `None` for SSL 3.0, drafts,
    /// GREASE and anything else.
    pub const fn from_wire(v: u16) -> Option<Self> {
        match v {
            0x0301 => Some(TlsVersion::Tls10),
            0x0302 => Some(TlsVersion::Tls11),
            0x0303 => Some(TlsVersion::Tls12),
            0x0304 => Some(TlsVersion::Tls13),
            _ => None,
        }
    }

    /// "TLS 1.2" and so on.
    pub const fn text(self) -> &'static str {
        match self {
            TlsVersion::Tls10 => "TLS 1.0",
            TlsVersion::Tls11 => "TLS 1.1",
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// The server's first decisive answer to a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The server accepted the ClientHello.
    ServerHello {
        /// The negotiated version: from the `supported_versions` extension
        /// when the ServerHello has one, else its `legacy_version`.
        version: TlsVersion,
        /// The cipher suite the server chose (IANA code).
        cipher_suite: u16,
    },
    /// The server answered with an alert. Warning-level `unrecognized_name`,
    /// `user_canceled` and `no_renegotiation` alerts are not decisive on
    /// their own: a ServerHello after them wins; they are the verdict only
    /// when nothing follows before the peer closes (see
    /// [`ResponseParser::finish_eof`]).
    Alert {
        /// Alert level as sent: 1 warning, 2 fatal.
        level: u8,
        /// What the alert says.
        description: AlertDescription,
    },
    /// A TLS 1.3 HelloRetryRequest (a ServerHello carrying the special
    /// random of RFC 8446 4.1.3).
    HelloRetryRequest,
    /// The peer closed (or went silent) before anything decisive.
    Closed,
    /// The answer is not TLS, or is malformed TLS (an HTTP or SSH banner,
    /// an SSLv2 record, a first handshake message that is not a ServerHello,
    /// a ServerHello with a version this library does not know, ...).
    NotTls,
}

/// A TLS alert description (RFC 8446 6, RFC 5246 7.2). The named variants
/// are the ones a diagnosis reads; every other code is [`Other`](Self::Other)
/// (never a named code: [`from_u8`](Self::from_u8) is canonical).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertDescription {
    /// `handshake_failure` (40): no acceptable set of parameters, in
    /// practice most often no common cipher suite.
    HandshakeFailure,
    /// `protocol_version` (70): the server supports none of the offered
    /// versions.
    ProtocolVersion,
    /// `unrecognized_name` (112): the server has no host of that SNI name
    /// (or requires SNI).
    UnrecognizedName,
    /// `insufficient_security` (71): the offered parameters are too weak for
    /// the server.
    InsufficientSecurity,
    /// `illegal_parameter` (47).
    IllegalParameter,
    /// `decode_error` (50).
    DecodeError,
    /// `internal_error` (80).
    InternalError,
    /// Any other code.
    Other(u8),
}

impl AlertDescription {
    /// The description for a wire code.
    pub const fn from_u8(code: u8) -> Self {
        match code {
            40 => AlertDescription::HandshakeFailure,
            70 => AlertDescription::ProtocolVersion,
            112 => AlertDescription::UnrecognizedName,
            71 => AlertDescription::InsufficientSecurity,
            47 => AlertDescription::IllegalParameter,
            50 => AlertDescription::DecodeError,
            80 => AlertDescription::InternalError,
            other => AlertDescription::Other(other),
        }
    }

    /// The wire code.
    pub const fn to_u8(self) -> u8 {
        match self {
            AlertDescription::HandshakeFailure => 40,
            AlertDescription::ProtocolVersion => 70,
            AlertDescription::UnrecognizedName => 112,
            AlertDescription::InsufficientSecurity => 71,
            AlertDescription::IllegalParameter => 47,
            AlertDescription::DecodeError => 50,
            AlertDescription::InternalError => 80,
            AlertDescription::Other(code) => code,
        }
    }

    /// A short human text.
    pub const fn text(self) -> &'static str {
        match self {
            AlertDescription::HandshakeFailure => {
                "handshake failure (no acceptable parameters, e.g. no common cipher suite)"
            }
            AlertDescription::ProtocolVersion => {
                "protocol version (none of the offered TLS versions is supported)"
            }
            AlertDescription::UnrecognizedName => {
                "unrecognized name (unknown or missing SNI host name)"
            }
            AlertDescription::InsufficientSecurity => {
                "insufficient security (offered cipher suites too weak)"
            }
            AlertDescription::IllegalParameter => "illegal parameter",
            AlertDescription::DecodeError => "decode error",
            AlertDescription::InternalError => "internal error",
            AlertDescription::Other(_) => "other alert",
        }
    }
}

impl fmt::Display for AlertDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertDescription::Other(code) => write!(f, "alert {code}"),
            d => write!(f, "{} ({})", d.text(), d.to_u8()),
        }
    }
}

/// Why [`write_client_hello`] could not write a ClientHello.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProbeError {
    /// `out` is too small for the record.
    BufferTooSmall,
    /// The server name is longer than 253 bytes (without a trailing dot).
    NameTooLong,
    /// The cipher-suite list is empty.
    NoCipherSuites,
    /// The server name is empty or is not a DNS host name (a label empty or
    /// longer than 63 bytes, or a byte other than letters, digits, `-`, `_`).
    InvalidName,
    /// `min_version` is above `max_version`.
    VersionRange,
    /// The ClientHello would not fit in one TLS record (2^14 bytes): far
    /// more cipher suites than any firmware has.
    HelloTooLarge,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProbeError::BufferTooSmall => "output buffer too small for the ClientHello",
            ProbeError::NameTooLong => "server name longer than 253 bytes",
            ProbeError::NoCipherSuites => "no cipher suites to offer",
            ProbeError::InvalidName => "server name is not a DNS host name",
            ProbeError::VersionRange => "minimum TLS version above maximum",
            ProbeError::HelloTooLarge => "ClientHello larger than one TLS record",
        })
    }
}

/// The cause of a failed firmware handshake, as far as the probe shows it.
/// See [`diagnose`] for how verdicts map to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Diagnosis {
    /// The server shares no cipher suite with the firmware (or finds the
    /// shared ones too weak).
    NoCommonCipher,
    /// The server needs a TLS version the firmware lacks, e.g. TLS 1.3 only.
    ProtocolVersion,
    /// The server refuses a ClientHello without SNI (and, when it was tried,
    /// accepts the same ClientHello with SNI).
    SniRequired,
    /// The server accepts the firmware's handshake parameters: the cause lies
    /// later (server certificate, client certificate, time).
    ServerAccepts {
        /// The version the server chose.
        version: TlsVersion,
        /// The cipher suite the server chose (IANA code).
        cipher_suite: u16,
    },
    /// The answers do not show a cause.
    Inconclusive,
}

impl Diagnosis {
    /// A short human text.
    pub const fn text(&self) -> &'static str {
        match self {
            Diagnosis::NoCommonCipher => "the server accepts none of the firmware's cipher suites",
            Diagnosis::ProtocolVersion => "the server requires a TLS version the firmware lacks",
            Diagnosis::SniRequired => "the server requires SNI",
            Diagnosis::ServerAccepts { .. } => {
                "the server accepts the firmware's TLS parameters; the failure came later (certificates, time)"
            }
            Diagnosis::Inconclusive => "the server's answer shows no cause",
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnosis::ServerAccepts {
                version,
                cipher_suite,
            } => {
                write!(
                    f,
                    "{} ({version}, cipher suite 0x{cipher_suite:04X})",
                    self.text()
                )
            }
            d => f.write_str(d.text()),
        }
    }
}
