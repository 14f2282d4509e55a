//! What a failed host handshake or record exchange means, from
//! `embedded-tls`'s error, the verifier's verdict and the transport.

use embedded_tls::alert::AlertDescription;
use embedded_tls::TlsError as StackError;

use crate::error::{CertProblem, ConfigError, Error, TlsError, TlsFailure};
use crate::modem::ModemError;
use crate::pki::PkiError;
use crate::session::Path;

/// The certificate problem behind a verifier error.
pub fn cert_problem(e: PkiError) -> CertProblem {
    match e {
        PkiError::WrongHost => CertProblem::HostnameMismatch,
        PkiError::Expired { .. } => CertProblem::Expired,
        PkiError::NotYetValid { .. } => CertProblem::NotYetValid,
        PkiError::UnknownIssuer => CertProblem::UntrustedIssuer,
        PkiError::BadChainSignature | PkiError::BadCertificateVerify => CertProblem::BadSignature,
        PkiError::IssuerNotCa
        | PkiError::CaUsedAsEndEntity
        | PkiError::NoServerAuthEku
        | PkiError::ConstraintViolation => CertProblem::NotServerCertificate,
        PkiError::NoServerAuthentication
        | PkiError::EmptyCertificateChain
        | PkiError::UnexpectedCertificate
        | PkiError::UnexpectedCertificateVerify => CertProblem::NoServerAuthentication,
        PkiError::UnsupportedAlgorithm
        | PkiError::UnsupportedSignatureScheme
        | PkiError::RawPublicKeyUnsupported
        | PkiError::PublicKeyTooLarge => CertProblem::Unsupported,
        _ => CertProblem::Malformed,
    }
}

/// The verifier refused the server (or, for a local problem such as a bad
/// CA bundle, the configuration is at fault).
pub fn certificate(e: PkiError) -> Error {
    if !e.is_rejection() {
        return Error::Config(match e {
            PkiError::NoTime => return Error::Modem(ModemError::ClockNotSet),
            PkiError::AnchorCapacity => ConfigError::CredentialTooLarge,
            PkiError::NoServerName | PkiError::InvalidServerName | PkiError::ServerNameConflict => {
                ConfigError::HostInvalid
            }
            PkiError::NoTrustAnchors => ConfigError::NoTrustAnchors,
            _ => ConfigError::CredentialFormat,
        });
    }
    Error::Tls(TlsError {
        certificate: Some(cert_problem(e)),
        ..TlsError::new(TlsFailure::CertificateRejected, Path::Host)
    })
}

/// The failure a server alert names.
fn alert_failure(d: AlertDescription) -> TlsFailure {
    match d {
        AlertDescription::ProtocolVersion => TlsFailure::ProtocolVersion,
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
            TlsFailure::NoCommonCipher
        }
        AlertDescription::UnrecognizedName => TlsFailure::SniRequired,
        AlertDescription::BadCertificate
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateRevoked
        | AlertDescription::CertificateExpired
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnknownCa
        | AlertDescription::AccessDenied
        | AlertDescription::CertificateRequired => TlsFailure::ClientCertRejected,
        _ => TlsFailure::HandshakeFailed,
    }
}

/// A failed `open()`: the verifier's verdict first (a rejected certificate
/// is what matters even when the stack reports it as a generic error),
/// then transport errors, then the server's alert.
pub fn handshake(e: StackError, verifier: Option<PkiError>) -> Error {
    if let Some(p) = verifier {
        return certificate(p);
    }
    match e {
        StackError::Io(kind) => Error::Modem(ModemError::from_io_kind(kind)),
        StackError::IoError => Error::Modem(ModemError::Closed),
        StackError::HandshakeAborted(_, d) | StackError::AbortHandshake(_, d) => {
            Error::Tls(TlsError {
                alert: Some(d as u8),
                ..TlsError::new(alert_failure(d), Path::Host)
            })
        }
        StackError::InvalidCipherSuite => {
            Error::Tls(TlsError::new(TlsFailure::NoCommonCipher, Path::Host))
        }
        StackError::InvalidSupportedVersions => {
            Error::Tls(TlsError::new(TlsFailure::ProtocolVersion, Path::Host))
        }
        StackError::InvalidSignatureScheme | StackError::InvalidSignature => Error::Tls(TlsError {
            certificate: Some(CertProblem::BadSignature),
            ..TlsError::new(TlsFailure::CertificateRejected, Path::Host)
        }),
        _ => Error::Tls(TlsError::new(TlsFailure::HandshakeFailed, Path::Host)),
    }
}

/// A failed read, write or flush of an open session.
pub fn io(e: StackError) -> Error {
    match e {
        StackError::Io(kind) => Error::Modem(ModemError::from_io_kind(kind)),
        // The transport reports end of stream as `Closed`; embedded-tls
        // turns a short read into `IoError`.
        StackError::IoError | StackError::ConnectionClosed => Error::Modem(ModemError::Closed),
        StackError::HandshakeAborted(_, d) | StackError::AbortHandshake(_, d) => {
            Error::Tls(TlsError {
                alert: Some(d as u8),
                ..TlsError::new(TlsFailure::HandshakeFailed, Path::Host)
            })
        }
        _ => Error::Closed,
    }
}
