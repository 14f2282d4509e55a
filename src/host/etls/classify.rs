//! What a failed host handshake or record exchange means, from the record
//! guard's verdict, `embedded-tls`'s error, the verifier's verdict and the
//! transport.

use embedded_tls::alert::AlertDescription;
use embedded_tls::TlsError as StackError;

pub(super) use super::super::classify::certificate;
use super::guard::GuardError;
use crate::error::{CertProblem, ConfigError, Error, TlsError, TlsFailure};
use crate::modem::ModemError;
use crate::pki::PkiError;
use crate::session::Path;

/// The failure a server alert names.
fn alert_failure(d: AlertDescription) -> TlsFailure {
    super::super::classify::alert_failure(d as u8)
}

/// The record guard refused a record.
pub fn guard(e: GuardError) -> Error {
    let (failure, record_type) = match e {
        GuardError::UnexpectedRecord { content_type } => {
            (TlsFailure::UnexpectedRecord, Some(content_type))
        }
        GuardError::BadLength { content_type, .. } => {
            (TlsFailure::RecordTampered, Some(content_type))
        }
        GuardError::NotServerHello { .. } | GuardError::DataAfterServerHello => {
            (TlsFailure::UnexpectedMessage, Some(22))
        }
        GuardError::SplitServerHello => (TlsFailure::Unsupported, Some(22)),
    };
    Error::Tls(TlsError {
        record_type,
        ..TlsError::new(failure, Path::Host)
    })
}

/// The errors of the record layer and of decoding, the same during and
/// after the handshake.
fn record_layer(e: &StackError) -> Option<TlsFailure> {
    Some(match e {
        StackError::CryptoError => TlsFailure::RecordTampered,
        StackError::InvalidRecord | StackError::UnknownContentType => TlsFailure::UnexpectedMessage,
        StackError::Unimplemented => TlsFailure::Unsupported,
        StackError::ParseError(_)
        | StackError::DecodeError
        | StackError::InvalidHandshake
        | StackError::InvalidApplicationData
        | StackError::InvalidNonceLength
        | StackError::InvalidTicketLength
        | StackError::InvalidExtensionsLength
        | StackError::InvalidSessionIdLength => TlsFailure::DecodeError,
        _ => return None,
    })
}

/// A failed `open()`: the record guard's verdict first (nothing after a
/// refused record is evidence), then the verifier's (a rejected
/// certificate is what matters even when the stack reports it as a
/// generic error), then transport errors, then the server's alert.
pub fn handshake(e: StackError, guarded: Option<GuardError>, verifier: Option<PkiError>) -> Error {
    if let Some(g) = guarded {
        return guard(g);
    }
    if let Some(p) = verifier {
        return certificate(p);
    }
    if let Some(f) = record_layer(&e) {
        return Error::Tls(TlsError::new(f, Path::Host));
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

/// A failed read, write or flush of an open session: the record guard's
/// verdict first, then what the stack says.
pub fn io(e: StackError, guarded: Option<GuardError>) -> Error {
    if let Some(g) = guarded {
        return guard(g);
    }
    if let Some(f) = record_layer(&e) {
        return Error::Tls(TlsError::new(f, Path::Host));
    }
    match e {
        StackError::Io(kind) => Error::Modem(ModemError::from_io_kind(kind)),
        // The transport reports end of stream as `Closed`; embedded-tls
        // turns a short read into `IoError`.
        StackError::IoError | StackError::ConnectionClosed => Error::Modem(ModemError::Closed),
        StackError::HandshakeAborted(_, d) | StackError::AbortHandshake(_, d) => {
            Error::Tls(TlsError {
                alert: Some(d as u8),
                ..TlsError::new(TlsFailure::PeerAlert, Path::Host)
            })
        }
        // embedded-tls 0.19 reports an encrypted alert other than
        // close_notify after the handshake as `InternalError`, without
        // its description (an encrypted change_cipher_spec too; the guard
        // stops unencrypted ones).
        StackError::InternalError => Error::Tls(TlsError::new(TlsFailure::PeerAlert, Path::Host)),
        StackError::MissingHandshake => Error::Closed,
        StackError::InsufficientSpace | StackError::OutOfMemory => {
            Error::Config(ConfigError::BufferTooSmall)
        }
        _ => Error::Tls(TlsError::new(TlsFailure::UnexpectedMessage, Path::Host)),
    }
}
