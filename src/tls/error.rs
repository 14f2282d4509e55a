//! Why the engine ended a session, and the alert it sends for it.

use crate::pki::PkiError;

/// TLS alert descriptions the engine sends or names (RFC 8446 §6).
pub mod alert {
    /// close_notify.
    pub const CLOSE_NOTIFY: u8 = 0;
    /// unexpected_message.
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    /// bad_record_mac.
    pub const BAD_RECORD_MAC: u8 = 20;
    /// record_overflow.
    pub const RECORD_OVERFLOW: u8 = 22;
    /// handshake_failure.
    pub const HANDSHAKE_FAILURE: u8 = 40;
    /// bad_certificate.
    pub const BAD_CERTIFICATE: u8 = 42;
    /// unsupported_certificate.
    pub const UNSUPPORTED_CERTIFICATE: u8 = 43;
    /// certificate_expired.
    pub const CERTIFICATE_EXPIRED: u8 = 45;
    /// certificate_unknown.
    pub const CERTIFICATE_UNKNOWN: u8 = 46;
    /// illegal_parameter.
    pub const ILLEGAL_PARAMETER: u8 = 47;
    /// unknown_ca.
    pub const UNKNOWN_CA: u8 = 48;
    /// decode_error.
    pub const DECODE_ERROR: u8 = 50;
    /// decrypt_error.
    pub const DECRYPT_ERROR: u8 = 51;
    /// protocol_version.
    pub const PROTOCOL_VERSION: u8 = 70;
    /// internal_error.
    pub const INTERNAL_ERROR: u8 = 80;
    /// user_canceled.
    pub const USER_CANCELED: u8 = 90;
    /// missing_extension.
    pub const MISSING_EXTENSION: u8 = 109;
    /// unsupported_extension.
    pub const UNSUPPORTED_EXTENSION: u8 = 110;
    /// unrecognized_name.
    pub const UNRECOGNIZED_NAME: u8 = 112;
    /// no_application_protocol.
    pub const NO_APPLICATION_PROTOCOL: u8 = 120;
}

/// Why the engine failed. Every variant but [`Error::PeerAlert`],
/// [`Error::Truncated`] and the local ones makes the engine send the
/// alert [`Error::alert`] names before it stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A record of a content type not allowed at this point (e.g. an
    /// unencrypted handshake record after ServerHello, application data
    /// before the handshake ends, an unknown type).
    UnexpectedRecord(u8),
    /// A record shorter than its type allows (an empty handshake record,
    /// an alert that is not 2 bytes, an encrypted record shorter than its
    /// tag): decode_error.
    BadRecordLength(u8),
    /// A record longer than the protocol allows (more than 2^14 bytes of
    /// plaintext, 2^14 + 256 of ciphertext): record_overflow.
    RecordOverflow(u8),
    /// A record failed its integrity check.
    BadRecordMac,
    /// A handshake message of this type (or, for 0 with no message, an
    /// empty or misplaced record) not allowed at this point.
    UnexpectedMessage(u8),
    /// A message that cannot be decoded (lengths, trailing bytes).
    Decode,
    /// A value the client did not offer or the protocol forbids (cipher
    /// suite, group, session id echo, a second HelloRetryRequest field).
    IllegalParameter,
    /// An extension the client did not ask for.
    UnsupportedExtension,
    /// A required extension is missing (key_share in ServerHello).
    MissingExtension,
    /// The server does not speak TLS 1.3.
    ProtocolVersion,
    /// The server chose a group or ALPN protocol this client does not have.
    HandshakeFailure,
    /// A handshake message (or cookie, ticket) larger than the buffer lent
    /// to the engine can hold; `len` is its size in bytes.
    MessageTooLarge {
        /// The message's size.
        len: u32,
    },
    /// The server's certificate or CertificateVerify was rejected.
    Certificate(PkiError),
    /// The server's Finished does not verify: the handshake was altered.
    BadFinished,
    /// The server sent this fatal alert.
    PeerAlert(u8),
    /// The connection ended without close_notify: data may be missing.
    Truncated,
    /// A buffer given to the engine is too small for what must be written
    /// (the client certificate, one record).
    BufferTooSmall,
    /// The client key could not sign.
    ClientKey,
    /// A call the engine's state does not allow (e.g. writing before the
    /// handshake ended).
    State,
}

impl Error {
    /// The alert the engine sends for this error, if any.
    pub fn alert(&self) -> Option<u8> {
        use alert::*;
        Some(match self {
            Error::UnexpectedRecord(_) | Error::UnexpectedMessage(_) => UNEXPECTED_MESSAGE,
            Error::BadRecordLength(_) => DECODE_ERROR,
            Error::RecordOverflow(_) => RECORD_OVERFLOW,
            Error::BadRecordMac => BAD_RECORD_MAC,
            Error::Decode => DECODE_ERROR,
            Error::IllegalParameter => ILLEGAL_PARAMETER,
            Error::UnsupportedExtension => UNSUPPORTED_EXTENSION,
            Error::MissingExtension => MISSING_EXTENSION,
            Error::ProtocolVersion => PROTOCOL_VERSION,
            Error::HandshakeFailure => HANDSHAKE_FAILURE,
            Error::MessageTooLarge { .. } | Error::BufferTooSmall | Error::ClientKey => {
                INTERNAL_ERROR
            }
            Error::Certificate(e) => certificate_alert(*e),
            Error::BadFinished => DECRYPT_ERROR,
            Error::PeerAlert(_) | Error::Truncated | Error::State => return None,
        })
    }
}

/// The alert for a rejected certificate (RFC 8446 §6.2).
fn certificate_alert(e: PkiError) -> u8 {
    use alert::*;
    match e {
        PkiError::Expired { .. } | PkiError::NotYetValid { .. } => CERTIFICATE_EXPIRED,
        PkiError::UnknownIssuer => UNKNOWN_CA,
        PkiError::BadCertificateVerify => DECRYPT_ERROR,
        PkiError::UnsupportedAlgorithm
        | PkiError::UnsupportedSignatureScheme
        | PkiError::RawPublicKeyUnsupported
        | PkiError::PublicKeyTooLarge => UNSUPPORTED_CERTIFICATE,
        PkiError::NoTime | PkiError::NoTrustAnchors | PkiError::NoServerName => INTERNAL_ERROR,
        // RFC 8446 §4.4.2.4: an empty Certificate from the server.
        PkiError::EmptyCertificateChain => DECODE_ERROR,
        _ => BAD_CERTIFICATE,
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::UnexpectedRecord(t) => write!(f, "record of content type {t} not allowed here"),
            Error::BadRecordLength(t) => write!(f, "record of content type {t} too short"),
            Error::RecordOverflow(t) => write!(f, "record of content type {t} too long"),
            Error::BadRecordMac => f.write_str("record failed its integrity check"),
            Error::UnexpectedMessage(t) => write!(f, "handshake message {t} not allowed here"),
            Error::Decode => f.write_str("message cannot be decoded"),
            Error::IllegalParameter => f.write_str("server chose a parameter that was not offered"),
            Error::UnsupportedExtension => {
                f.write_str("server sent an extension that was not offered")
            }
            Error::MissingExtension => f.write_str("server left out a required extension"),
            Error::ProtocolVersion => f.write_str("server does not speak TLS 1.3"),
            Error::HandshakeFailure => f.write_str("no common group or application protocol"),
            Error::MessageTooLarge { len } => {
                write!(f, "a {len}-byte message does not fit the read buffer")
            }
            Error::Certificate(e) => write!(f, "server certificate rejected: {}", e.cause()),
            Error::BadFinished => f.write_str("server Finished does not verify"),
            Error::PeerAlert(a) => write!(f, "server sent alert {a}"),
            Error::Truncated => f.write_str("connection ended without close_notify"),
            Error::BufferTooSmall => f.write_str("buffer too small"),
            Error::ClientKey => f.write_str("client key cannot sign"),
            Error::State => f.write_str("not allowed in this state"),
        }
    }
}
