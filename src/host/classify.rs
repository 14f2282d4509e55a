//! What a failed host handshake or record exchange means for the user:
//! the engine's error, the verifier's verdict, the server's alert.

use crate::error::{CertProblem, ConfigError, Error, TlsError, TlsFailure};
use crate::modem::ModemError;
use crate::pki::PkiError;
use crate::session::Path;
use crate::tls::{alert, Error as EngineError};

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

/// The failure a server alert names during the handshake.
pub fn alert_failure(description: u8) -> TlsFailure {
    match description {
        alert::PROTOCOL_VERSION => TlsFailure::ProtocolVersion,
        alert::HANDSHAKE_FAILURE | 71 /* insufficient_security */ => TlsFailure::NoCommonCipher,
        alert::UNRECOGNIZED_NAME => TlsFailure::SniRequired,
        alert::BAD_CERTIFICATE
        | alert::UNSUPPORTED_CERTIFICATE
        | 44 /* certificate_revoked */
        | alert::CERTIFICATE_EXPIRED
        | alert::CERTIFICATE_UNKNOWN
        | alert::UNKNOWN_CA
        | 49 /* access_denied */
        | 116 /* certificate_required */ => TlsFailure::ClientCertRejected,
        _ => TlsFailure::HandshakeFailed,
    }
}

/// An error after the handshake, refined: a TLS 1.3 server refuses the
/// client's certificate only after the client's Finished, i.e. after
/// `connect` returned, with its alert on the client's first read. A
/// certificate alert then can only be about the client's certificate (or
/// its absence: certificate_required), and decrypt_error, when the client
/// sent one, about its CertificateVerify (a key that is not the
/// certificate's).
pub fn after_handshake(err: Error, client_identity: bool) -> Error {
    match err {
        Error::Tls(mut t) if t.failure == TlsFailure::PeerAlert => {
            let refused = match t.alert {
                Some(alert::DECRYPT_ERROR) => client_identity,
                Some(d) => alert_failure(d) == TlsFailure::ClientCertRejected,
                None => false,
            };
            if refused {
                t.failure = TlsFailure::ClientCertRejected;
            }
            Error::Tls(t)
        }
        e => e,
    }
}

/// An engine error, during the handshake (`handshake`) or after it.
pub fn engine(e: EngineError, handshake: bool) -> Error {
    let tls = |failure, record_type| {
        Error::Tls(TlsError {
            record_type,
            ..TlsError::new(failure, Path::Host)
        })
    };
    match e {
        EngineError::UnexpectedRecord(t) => tls(TlsFailure::UnexpectedRecord, Some(t)),
        EngineError::BadRecordLength(t) | EngineError::RecordOverflow(t) => {
            tls(TlsFailure::RecordTampered, Some(t))
        }
        EngineError::BadRecordMac | EngineError::BadFinished => {
            tls(TlsFailure::RecordTampered, None)
        }
        // 0: a record with no content type or an alert in the middle of a
        // split handshake message; else the handshake message's type.
        EngineError::UnexpectedMessage(t) => {
            tls(TlsFailure::UnexpectedMessage, (t != 0).then_some(22))
        }
        EngineError::Decode => tls(TlsFailure::DecodeError, None),
        EngineError::IllegalParameter
        | EngineError::UnsupportedExtension
        | EngineError::MissingExtension => tls(TlsFailure::IllegalParameter, None),
        EngineError::ProtocolVersion => tls(TlsFailure::ProtocolVersion, None),
        EngineError::HandshakeFailure => tls(TlsFailure::NoCommonCipher, None),
        EngineError::MessageTooLarge { .. } => tls(TlsFailure::MessageTooLarge, None),
        EngineError::Certificate(p) => certificate(p),
        EngineError::PeerAlert(d) => Error::Tls(TlsError {
            alert: Some(d),
            ..TlsError::new(
                if handshake {
                    alert_failure(d)
                } else {
                    TlsFailure::PeerAlert
                },
                Path::Host,
            )
        }),
        EngineError::Truncated => Error::Modem(ModemError::Closed),
        EngineError::BufferTooSmall => Error::Config(ConfigError::BufferTooSmall),
        EngineError::ClientKey => Error::Config(ConfigError::CredentialFormat),
        _ => Error::Closed,
    }
}
