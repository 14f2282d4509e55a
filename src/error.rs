//! The top-level error: every layer's error converts into it.

use crate::at::AtError;
use crate::modem::ModemError;
use crate::probe::Diagnosis;
use crate::session::Path;
use core::fmt;

/// `cause()` of an enum as a table: the sentences of the arms in one
/// string, picked by the position of the arm that matches (a `match` of
/// sentences compiles to about 12 bytes of code per arm).
///
/// `else` names the variants the caller handled before (the arms and they
/// must cover the enum: checked at compile time, no code).
macro_rules! causes {
    ($e:expr, { $($pat:pat => $text:literal,)+ } $(else $($done:pat),+)?) => {{
        const TABLE: &str = concat!($($text, "\n",)+);
        #[allow(unused_variables)]
        if false {
            match $e {
                $($pat => {})+
                $($($done => {})+)?
            }
        }
        let mut n = 0u8;
        let _ = 'arm: {
            $(
                if matches!($e, $pat) {
                    break 'arm;
                }
                n += 1;
            )+
        };
        $crate::error::sentence(TABLE, n)
    }};
}
pub(crate) use causes;

/// Sentence `n` of a table of `causes!` (an empty string past its end).
#[inline(never)]
pub(crate) fn sentence(table: &'static str, n: u8) -> &'static str {
    let mut start = 0;
    let mut k = 0;
    for (i, b) in table.bytes().enumerate() {
        if b == b'\n' {
            if k == n {
                return table.get(start..i).unwrap_or("");
            }
            k += 1;
            start = i + 1;
        }
    }
    ""
}

/// A session configuration the library refuses before touching the modem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The host name is empty.
    HostEmpty,
    /// The host name is longer than 253 bytes.
    HostTooLong,
    /// The host name has characters a DNS name or IP literal cannot have.
    HostInvalid,
    /// Port 0.
    PortZero,
    /// Verification is on but no trust anchor was given.
    NoTrustAnchors,
    /// The modem cannot parse the credential's format and it cannot be converted.
    CredentialFormat,
    /// A credential is larger than the modem accepts.
    CredentialTooLarge,
    /// A host TLS buffer is smaller than the minimum (`host::MIN_READ_BUF`,
    /// `host::MIN_WRITE_BUF`).
    BufferTooSmall,
    /// The requested mode is not available (feature not built, or the
    /// modem has no client-certificate support).
    ModeUnavailable,
    /// [`crate::session::Mode::Offload`] with verification on a modem
    /// whose firmware cannot check the host name or the validity dates,
    /// without
    /// [`crate::session::SessionConfig::accept_chain_only`].
    NoHostnameCheck,
}

impl ConfigError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        crate::error::causes!(self, {
            ConfigError::HostEmpty => "the host name is empty",
            ConfigError::HostTooLong => "the host name is longer than 253 characters",
            ConfigError::HostInvalid => "the host name contains characters not allowed in a DNS name or IP address",
            ConfigError::PortZero => "port 0 is not a server port",
            ConfigError::NoTrustAnchors => "certificate verification is on but no CA certificate was given (add trust anchors; insecure_no_verify is never implied)",
            ConfigError::CredentialFormat => "the modem cannot parse this certificate/key format and it could not be converted",
            ConfigError::CredentialTooLarge => "a certificate or key is larger than the modem accepts",
            ConfigError::BufferTooSmall => "a host TLS buffer is too small: the read buffer needs 16,645 bytes (the largest TLS record), the write buffer 1,024",
            ConfigError::ModeUnavailable => "the requested TLS path is not available in this build or on this modem",
            ConfigError::NoHostnameCheck => "the modem firmware checks the certificate chain but not the host name or dates: use the host path (Mode::Auto or Mode::Host), or accept_chain_only when a private CA signs only your servers",
        })
    }
}

/// Why a TLS handshake or an open session failed, as precisely as the
/// evidence allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server and the TLS stack share no cipher suite.
    NoCommonCipher,
    /// The server needs a TLS version the stack lacks (e.g. TLS 1.3 only).
    ProtocolVersion,
    /// The server needs SNI and the stack sent none.
    SniRequired,
    /// The server accepts the stack's TLS parameters; the handshake failed
    /// after ServerHello: the server certificate was rejected (CA, host name,
    /// dates) or the server rejected the client certificate.
    CertificateRejected,
    /// The server refused the client certificate (mutual TLS).
    ClientCertRejected,
    /// The handshake failed and the cause could not be found.
    HandshakeFailed,
    /// A record of a type the protocol forbids at that point arrived (an
    /// unencrypted handshake message or alert after encryption started,
    /// application data before ServerHello, an unknown type): injected on
    /// the path or a broken server. Host path; the session is closed.
    UnexpectedRecord,
    /// A record failed its integrity check (bad record MAC) or has a
    /// length its type cannot have: changed on the way. Host path; the
    /// session is closed.
    RecordTampered,
    /// The server sent a TLS message that cannot be decoded. Host path.
    DecodeError,
    /// The server sent a TLS message that is not allowed at that point
    /// (e.g. handshake data unencrypted after ServerHello, a record with no
    /// content type). Host path.
    UnexpectedMessage,
    /// The server ended the session with a TLS alert other than
    /// close_notify ([`TlsError::alert`] has its description when the
    /// engine reports it). Host path, after the handshake.
    PeerAlert,
    /// The server used a TLS feature the host TLS engine cannot handle
    /// (the `embedded-tls` engine: a ServerHello split across records,
    /// KeyUpdate, other post-handshake messages). Host path.
    Unsupported,
    /// The server chose a parameter the client did not offer (cipher
    /// suite, group, session id, an extension) or one the protocol
    /// forbids there. Host path.
    IllegalParameter,
    /// A handshake message from the server is larger than the host read
    /// buffer can hold while it is reassembled. Host path.
    MessageTooLarge,
}

impl TlsFailure {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        // The host path's failures have their sentences only in builds that
        // have the host path (an offload-only image is counted in bytes).
        #[cfg(feature = "host-tls")]
        if let Some(s) = self.host_cause() {
            return s;
        }
        crate::error::causes!(self, {
            TlsFailure::NoCommonCipher => "the server and the modem firmware share no cipher suite (e.g. server offers only ChaCha20 or ECDSA-GCM)",
            TlsFailure::ProtocolVersion => "the server requires a TLS version the modem firmware lacks (e.g. TLS 1.3 only)",
            TlsFailure::SniRequired => "the server requires SNI and the modem firmware sends none",
            TlsFailure::CertificateRejected => "the server accepts the firmware's TLS parameters but the handshake failed later: the server certificate was rejected (wrong CA, host name or dates) or the client certificate was refused",
            TlsFailure::ClientCertRejected => "the server refused the client certificate (check the client certificate, its key and the CA the server trusts)",
            TlsFailure::HandshakeFailed => "the TLS handshake failed and no cause could be established",
        } else TlsFailure::UnexpectedRecord, TlsFailure::RecordTampered, TlsFailure::DecodeError,
            TlsFailure::UnexpectedMessage, TlsFailure::PeerAlert, TlsFailure::Unsupported,
            TlsFailure::IllegalParameter, TlsFailure::MessageTooLarge)
    }

    /// [`TlsFailure::cause`] for a failure on `path`: the capability causes
    /// name the stack that lacks the capability (the modem firmware on the
    /// offloaded path, the host TLS engine on the host path).
    pub fn cause_on(&self, path: Path) -> &'static str {
        #[cfg(feature = "host-tls")]
        if path == Path::Host {
            match self {
                TlsFailure::ProtocolVersion => return "the server does not speak TLS 1.3, the only version of the host TLS engine (it offers TLS 1.2 or older)",
                TlsFailure::NoCommonCipher => return "the server and the host TLS engine share no cipher suite or key exchange group (host TLS offers TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and, with the tls-chacha20 feature, TLS_CHACHA20_POLY1305_SHA256, with P-256)",
                _ => {}
            }
        }
        let _ = path;
        self.cause()
    }

    #[cfg(feature = "host-tls")]
    fn host_cause(&self) -> Option<&'static str> {
        Some(match self {
            TlsFailure::UnexpectedRecord => "a TLS record not allowed at this point arrived (e.g. unencrypted after encryption started): injected on the path or a broken server",
            TlsFailure::RecordTampered => "a TLS record failed its integrity check or has an impossible length: changed on the way",
            TlsFailure::DecodeError => "the server sent a TLS message that cannot be decoded",
            TlsFailure::UnexpectedMessage => "the server sent a TLS message not allowed at this point",
            TlsFailure::PeerAlert => "the server ended the session with a TLS alert",
            TlsFailure::Unsupported => "the server used a TLS feature the host engine lacks (split ServerHello, KeyUpdate, other post-handshake messages)",
            TlsFailure::IllegalParameter => "the server chose a TLS parameter the client did not offer (cipher suite, group, extension) or one not allowed there: a broken server or an attack",
            TlsFailure::MessageTooLarge => "a TLS handshake message from the server (e.g. a long certificate chain) is larger than the host read buffer: give a larger read buffer",
            _ => return None,
        })
    }

    /// A capability failure: another TLS stack (the host path) may succeed
    /// where this one failed. Rejected certificates are never one.
    pub fn is_capability(&self) -> bool {
        matches!(
            self,
            TlsFailure::NoCommonCipher | TlsFailure::ProtocolVersion | TlsFailure::SniRequired
        )
    }
}

/// What was wrong with the server's certificate, when the TLS stack that
/// failed can tell (the host path's verifier can; modem firmware cannot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertProblem {
    /// The certificate does not name the host connected to.
    HostnameMismatch,
    /// A certificate in the chain has expired (or the device clock is wrong).
    Expired,
    /// A certificate in the chain is not valid yet (or the clock is wrong).
    NotYetValid,
    /// The chain does not lead to a configured CA.
    UntrustedIssuer,
    /// A signature (chain or CertificateVerify) does not verify.
    BadSignature,
    /// The certificate is not for TLS server use (CA flags, EKU, constraints).
    NotServerCertificate,
    /// The server did not authenticate (no Certificate/CertificateVerify).
    NoServerAuthentication,
    /// The chain uses algorithms or key sizes this build does not support.
    Unsupported,
    /// A certificate is malformed or the chain cannot be built.
    Malformed,
}

impl CertProblem {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        crate::error::causes!(self, {
            CertProblem::HostnameMismatch => "the server certificate is not valid for this host name",
            CertProblem::Expired => "a certificate in the server chain has expired (or the device clock is wrong)",
            CertProblem::NotYetValid => "a certificate in the server chain is not yet valid (or the device clock is wrong)",
            CertProblem::UntrustedIssuer => "the server chain does not lead to a configured CA (untrusted root or missing intermediate)",
            CertProblem::BadSignature => "a signature in the server chain or handshake does not verify",
            CertProblem::NotServerCertificate => "the server certificate is not allowed for TLS server authentication (CA flags, key usage or constraints)",
            CertProblem::NoServerAuthentication => "the server did not authenticate (no Certificate/CertificateVerify)",
            CertProblem::Unsupported => "the server chain uses an algorithm or key size this build does not support",
            CertProblem::Malformed => "a certificate in the server chain is malformed or the chain cannot be built",
        })
    }
}

/// A failed handshake with its evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsError {
    /// The classified cause.
    pub failure: TlsFailure,
    /// The path that failed.
    pub path: Path,
    /// The modem's own result code (`+QSSLOPEN: <id>,<code>`), if any.
    pub modem_code: Option<i32>,
    /// What the capability probe found, if it ran.
    pub diagnosis: Option<Diagnosis>,
    /// The TLS alert the server sent (description code), if one arrived.
    pub alert: Option<u8>,
    /// The certificate problem, when the verifier found one.
    pub certificate: Option<CertProblem>,
    /// The content type of the record the host path's record guard
    /// refused, if it refused one.
    pub record_type: Option<u8>,
}

impl TlsError {
    /// A failure on `path` with no further evidence yet.
    pub const fn new(failure: TlsFailure, path: Path) -> Self {
        Self {
            failure,
            path,
            modem_code: None,
            diagnosis: None,
            alert: None,
            certificate: None,
            record_type: None,
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = match self.path {
            Path::Offload => "modem TLS",
            Path::Host => "host TLS",
        };
        write!(f, "{path}: {}", self.failure.cause_on(self.path))?;
        if let Some(c) = self.certificate {
            write!(f, ": {}", c.cause())?;
        }
        if let Some(c) = self.modem_code {
            write!(f, "; modem said handshake result {c}")?;
        }
        if let Some(d) = self.diagnosis {
            write!(f, "; probe with the firmware's ClientHello: {d}")?;
        }
        if let Some(a) = self.alert {
            write!(f, "; server sent TLS alert {a}")?;
        }
        #[cfg(feature = "host-tls")]
        if let Some(t) = self.record_type {
            write!(f, "; record content type {t}")?;
        }
        Ok(())
    }
}

/// Every error the library returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The session configuration is invalid.
    Config(ConfigError),
    /// The modem or the network failed.
    Modem(ModemError),
    /// The TLS handshake failed.
    Tls(TlsError),
    /// The session is closed.
    Closed,
}

impl Error {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        match self {
            Error::Config(e) => e.cause(),
            Error::Modem(e) => e.cause(),
            Error::Tls(e) => e.failure.cause_on(e.path),
            Error::Closed => "the session is closed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => f.write_str(e.cause()),
            Error::Modem(e) => write!(f, "{e}"),
            Error::Tls(e) => write!(f, "{e}"),
            Error::Closed => f.write_str(self.cause()),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<ModemError> for Error {
    fn from(e: ModemError) -> Self {
        Error::Modem(e)
    }
}

impl From<AtError> for Error {
    fn from(e: AtError) -> Self {
        Error::Modem(ModemError::At(e))
    }
}

impl From<TlsError> for Error {
    fn from(e: TlsError) -> Self {
        Error::Tls(e)
    }
}

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind as K;
        match self {
            Error::Config(_) => K::InvalidInput,
            Error::Modem(ModemError::Timeout | ModemError::OpenTimeout)
            | Error::Modem(ModemError::At(AtError::Timeout | AtError::SendFail)) => K::TimedOut,
            Error::Modem(ModemError::Closed) | Error::Closed => K::BrokenPipe,
            Error::Modem(ModemError::Rebooted) => K::ConnectionReset,
            Error::Modem(ModemError::BufferOverflow) => K::OutOfMemory,
            Error::Modem(ModemError::ConnectFailed) => K::ConnectionRefused,
            Error::Modem(ModemError::PdpDown) => K::NotConnected,
            Error::Tls(_) => K::PermissionDenied,
            _ => K::Other,
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod cause_tests {
    use super::*;
    use crate::port::PortError;

    #[test]
    fn every_variant_has_its_own_sentence() {
        let mut all: std::vec::Vec<&str> = std::vec::Vec::new();
        for e in [
            AtError::Timeout,
            AtError::Error,
            AtError::Cme(Some(1)),
            AtError::Cms(None),
            AtError::SendFail,
            AtError::NoCarrier,
            AtError::Overflow,
            AtError::Port(PortError::Io),
            AtError::CommandTooLong,
            AtError::InvalidArgument,
            AtError::Unexpected,
            AtError::PromptLost,
            AtError::Garbled,
        ] {
            all.push(e.cause());
        }
        for e in [
            ModemError::NotResponding,
            ModemError::UnsupportedModel,
            ModemError::PdpDown,
            ModemError::AttachFailed,
            ModemError::Dns,
            ModemError::ConnectFailed,
            ModemError::OpenTimeout,
            ModemError::NoFreeSocket,
            ModemError::Socket(551),
            ModemError::HandshakeFailed(-1),
            ModemError::Closed,
            ModemError::FileChecksum { sent: 1, stored: 2 },
            ModemError::FileTooLarge,
            ModemError::ClockNotSet,
            ModemError::Timeout,
            ModemError::Rebooted,
            ModemError::BufferOverflow,
        ] {
            all.push(e.cause());
        }
        for e in [
            ConfigError::HostEmpty,
            ConfigError::HostTooLong,
            ConfigError::HostInvalid,
            ConfigError::PortZero,
            ConfigError::NoTrustAnchors,
            ConfigError::CredentialFormat,
            ConfigError::CredentialTooLarge,
            ConfigError::BufferTooSmall,
            ConfigError::ModeUnavailable,
            ConfigError::NoHostnameCheck,
        ] {
            all.push(e.cause());
        }
        for e in [
            TlsFailure::NoCommonCipher,
            TlsFailure::ProtocolVersion,
            TlsFailure::SniRequired,
            TlsFailure::CertificateRejected,
            TlsFailure::ClientCertRejected,
            TlsFailure::HandshakeFailed,
            TlsFailure::UnexpectedRecord,
            TlsFailure::RecordTampered,
            TlsFailure::DecodeError,
            TlsFailure::UnexpectedMessage,
            TlsFailure::PeerAlert,
            TlsFailure::Unsupported,
            TlsFailure::IllegalParameter,
            TlsFailure::MessageTooLarge,
        ] {
            all.push(e.cause());
        }
        for e in [
            CertProblem::HostnameMismatch,
            CertProblem::Expired,
            CertProblem::NotYetValid,
            CertProblem::UntrustedIssuer,
            CertProblem::BadSignature,
            CertProblem::NotServerCertificate,
            CertProblem::NoServerAuthentication,
            CertProblem::Unsupported,
            CertProblem::Malformed,
        ] {
            all.push(e.cause());
        }
        for s in &all {
            assert!(s.len() > 10 && !s.contains('\n'), "{s:?}");
        }
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), all.len());
        assert_eq!(
            ModemError::ClockNotSet.cause(),
            "the modem's clock is not set: wait for network time (AT+CTZU=1) or set AT+CCLK"
        );
        assert_eq!(
            AtError::Unexpected.cause(),
            "the modem's answer did not have the documented format (damaged on the UART, or unsupported firmware)"
        );
        assert_eq!(AtError::Port(PortError::Io).cause(), PortError::Io.cause());
        assert_eq!(
            CertProblem::HostnameMismatch.cause(),
            "the server certificate is not valid for this host name"
        );
    }
}
