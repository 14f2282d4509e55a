//! `mtls_status`: the one status code of the C ABI, with stable numbers,
//! and the mapping from the library's error types.

use core::ffi::{c_char, CStr};

use crate::at::AtError;
use crate::auto::CacheError;
use crate::error::{CertProblem, ConfigError, Error, TlsError, TlsFailure};
use crate::modem::ModemError;
use crate::port::PortError;

/// The result of every `mtls_*` call that can fail. The numbers are stable
/// (new codes are only ever added); `mtls_status_str()` names each one.
///
/// Groups: 0 success; 1-19 use of the API; 20-39 configuration and
/// credentials; 40-59 UART, modem and network; 60-79 TLS handshake and
/// certificate verification; 80- the session.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mtls_status {
    /// Success.
    MTLS_OK = 0,
    /// An argument is out of range (zero or oversized length, unknown mode, port 0, ...).
    MTLS_ERR_INVALID_ARGUMENT = 1,
    /// A required pointer argument is NULL.
    MTLS_ERR_NULL_POINTER = 2,
    /// The static pool has no free modem slot (`MTLS_MAX_MODEMS`).
    MTLS_ERR_NO_FREE_SLOT = 3,
    /// The handle is not valid: never issued, of the wrong kind, or already closed.
    MTLS_ERR_BAD_HANDLE = 4,
    /// Another call is using this modem right now (another thread, or a
    /// callback calling back into the library).
    MTLS_ERR_BUSY = 5,
    /// `mtls_modem_init()` has not succeeded on this modem yet.
    MTLS_ERR_NOT_INITIALISED = 6,
    /// The modem already has an open session (one session per modem).
    MTLS_ERR_SESSION_ACTIVE = 7,
    /// An output buffer is too small; nothing was written.
    MTLS_ERR_BUFFER_TOO_SMALL = 8,
    /// The port's `random` callback failed (or is missing); no handshake was
    /// attempted, or the one that ran was discarded.
    MTLS_ERR_RANDOM_FAILED = 9,
    /// The host name is empty or has characters a DNS name or IP literal cannot have.
    MTLS_ERR_HOST_INVALID = 20,
    /// The host name is longer than `MTLS_MAX_HOST_LEN` (253) bytes.
    MTLS_ERR_HOST_TOO_LONG = 21,
    /// Verification is on and no CA certificate was given.
    MTLS_ERR_NO_TRUST_ANCHORS = 22,
    /// A certificate or key is neither PEM nor DER, or the modem cannot take its format.
    MTLS_ERR_CREDENTIAL_FORMAT = 23,
    /// A certificate or key is larger than the modem (or the host path's scratch buffer) accepts.
    MTLS_ERR_CREDENTIAL_TOO_LARGE = 24,
    /// The requested path is not available (e.g. client certificate on a
    /// modem without it, or client certificate with `insecure_no_verify`).
    MTLS_ERR_MODE_UNAVAILABLE = 25,
    /// No trustworthy time for certificate validity: the modem's clock is not
    /// set and the port has no `unix_time`.
    MTLS_ERR_CLOCK_NOT_SET = 26,
    /// The saved decision cache is corrupted, of another version, or too large.
    MTLS_ERR_CACHE_INVALID = 27,
    /// The saved session ticket is damaged or of another version, or there
    /// is no ticket to save.
    MTLS_ERR_TICKET_INVALID = 28,
    /// The UART write or read callback reported an I/O error.
    MTLS_ERR_PORT_IO = 40,
    /// The UART callback reported that the other end is gone.
    MTLS_ERR_PORT_CLOSED = 41,
    /// The modem does not answer `AT`.
    MTLS_ERR_MODEM_NOT_RESPONDING = 42,
    /// The modem model is not supported by this library.
    MTLS_ERR_UNSUPPORTED_MODEM = 43,
    /// The modem rejected a command (`ERROR`, `+CME ERROR`) or answered unexpectedly.
    MTLS_ERR_MODEM_REJECTED = 44,
    /// No packet data connection (not attached, or the network dropped it).
    MTLS_ERR_PDP_DOWN = 45,
    /// The APN could not be activated.
    MTLS_ERR_ATTACH_FAILED = 46,
    /// DNS could not resolve the host.
    MTLS_ERR_DNS = 47,
    /// The TCP connection was refused or the host is unreachable.
    MTLS_ERR_CONNECT_FAILED = 48,
    /// The modem or the network did not answer in time.
    MTLS_ERR_TIMEOUT = 49,
    /// Every modem socket is in use.
    MTLS_ERR_NO_FREE_SOCKET = 50,
    /// The modem reported another socket error.
    MTLS_ERR_SOCKET = 51,
    /// A file stored in the modem differs from the bytes sent (UART corruption).
    MTLS_ERR_FILE_CHECKSUM = 52,
    /// The UART stream was damaged or out of step (a lost data prompt, an
    /// overlong line): check noise, baud rate and flow control.
    MTLS_ERR_UART_DAMAGED = 53,
    /// The modem restarted: the connection is lost; the next connect
    /// initialises the modem again.
    MTLS_ERR_MODEM_REBOOTED = 54,
    /// The modem's receive buffer overflowed and it dropped data (BC66, no
    /// flow control): the connection is lost.
    MTLS_ERR_MODEM_BUFFER_OVERFLOW = 55,
    /// The server and the TLS stack share no cipher suite.
    MTLS_ERR_NO_COMMON_CIPHER = 60,
    /// The server needs a TLS version the stack lacks (e.g. TLS 1.3 only).
    MTLS_ERR_PROTOCOL_VERSION = 61,
    /// The server needs SNI and the stack sent none.
    MTLS_ERR_SNI_REQUIRED = 62,
    /// The server certificate is not valid for the host name.
    MTLS_ERR_CERT_HOSTNAME_MISMATCH = 63,
    /// A certificate in the server chain has expired (or the clock is wrong).
    MTLS_ERR_CERT_EXPIRED = 64,
    /// A certificate in the server chain is not valid yet (or the clock is wrong).
    MTLS_ERR_CERT_NOT_YET_VALID = 65,
    /// The server chain does not lead to a configured CA.
    MTLS_ERR_CERT_UNTRUSTED = 66,
    /// A signature in the server chain or handshake does not verify.
    MTLS_ERR_CERT_BAD_SIGNATURE = 67,
    /// The certificate is not allowed for TLS server use (CA flags, key usage, constraints).
    MTLS_ERR_CERT_NOT_SERVER = 68,
    /// The server did not authenticate (no Certificate/CertificateVerify).
    MTLS_ERR_CERT_NO_SERVER_AUTH = 69,
    /// The server chain uses an algorithm or key size this build does not support.
    MTLS_ERR_CERT_UNSUPPORTED = 70,
    /// A certificate in the server chain is malformed.
    MTLS_ERR_CERT_MALFORMED = 71,
    /// The server certificate was rejected and the TLS stack (modem firmware)
    /// does not say why; `mtls_last_error_detail()` has the evidence.
    MTLS_ERR_CERT_REJECTED = 72,
    /// The server refused the client certificate.
    MTLS_ERR_CLIENT_CERT_REJECTED = 73,
    /// The handshake failed and no cause could be established.
    MTLS_ERR_HANDSHAKE_FAILED = 74,
    /// Host path: a TLS record of a type not allowed at that point arrived
    /// (e.g. unencrypted after encryption started); the session was closed.
    MTLS_ERR_UNEXPECTED_RECORD = 75,
    /// Host path: a TLS record failed its integrity check or has an
    /// impossible length; the session was closed.
    MTLS_ERR_RECORD_TAMPERED = 76,
    /// Host path: the server sent a TLS message that cannot be decoded.
    MTLS_ERR_TLS_DECODE = 77,
    /// Host path: the server sent a TLS message not allowed at that point.
    MTLS_ERR_UNEXPECTED_MESSAGE = 78,
    /// Host path: the server ended the session with a TLS alert.
    MTLS_ERR_PEER_ALERT = 79,
    /// Host path: the server used a TLS feature the host TLS engine cannot
    /// handle (split ServerHello, KeyUpdate, other post-handshake messages).
    MTLS_ERR_TLS_UNSUPPORTED = 81,
    /// Host path: the server chose a TLS parameter the client did not
    /// offer or one not allowed there; the session was closed.
    MTLS_ERR_TLS_ILLEGAL_PARAMETER = 82,
    /// Host path: a handshake message from the server is larger than the
    /// host read buffer (`read_len`) can hold.
    MTLS_ERR_TLS_MESSAGE_TOO_LARGE = 83,
    /// The session is closed: the server closed it (end of stream) or the connection was lost.
    MTLS_ERR_CLOSED = 80,
}

use mtls_status as S;

/// Every status, for tests and `mtls_status_str`.
pub(crate) const ALL: [mtls_status; 59] = [
    S::MTLS_OK,
    S::MTLS_ERR_INVALID_ARGUMENT,
    S::MTLS_ERR_NULL_POINTER,
    S::MTLS_ERR_NO_FREE_SLOT,
    S::MTLS_ERR_BAD_HANDLE,
    S::MTLS_ERR_BUSY,
    S::MTLS_ERR_NOT_INITIALISED,
    S::MTLS_ERR_SESSION_ACTIVE,
    S::MTLS_ERR_BUFFER_TOO_SMALL,
    S::MTLS_ERR_RANDOM_FAILED,
    S::MTLS_ERR_HOST_INVALID,
    S::MTLS_ERR_HOST_TOO_LONG,
    S::MTLS_ERR_NO_TRUST_ANCHORS,
    S::MTLS_ERR_CREDENTIAL_FORMAT,
    S::MTLS_ERR_CREDENTIAL_TOO_LARGE,
    S::MTLS_ERR_MODE_UNAVAILABLE,
    S::MTLS_ERR_CLOCK_NOT_SET,
    S::MTLS_ERR_CACHE_INVALID,
    S::MTLS_ERR_TICKET_INVALID,
    S::MTLS_ERR_PORT_IO,
    S::MTLS_ERR_PORT_CLOSED,
    S::MTLS_ERR_MODEM_NOT_RESPONDING,
    S::MTLS_ERR_UNSUPPORTED_MODEM,
    S::MTLS_ERR_MODEM_REJECTED,
    S::MTLS_ERR_PDP_DOWN,
    S::MTLS_ERR_ATTACH_FAILED,
    S::MTLS_ERR_DNS,
    S::MTLS_ERR_CONNECT_FAILED,
    S::MTLS_ERR_TIMEOUT,
    S::MTLS_ERR_NO_FREE_SOCKET,
    S::MTLS_ERR_SOCKET,
    S::MTLS_ERR_FILE_CHECKSUM,
    S::MTLS_ERR_UART_DAMAGED,
    S::MTLS_ERR_MODEM_REBOOTED,
    S::MTLS_ERR_MODEM_BUFFER_OVERFLOW,
    S::MTLS_ERR_NO_COMMON_CIPHER,
    S::MTLS_ERR_PROTOCOL_VERSION,
    S::MTLS_ERR_SNI_REQUIRED,
    S::MTLS_ERR_CERT_HOSTNAME_MISMATCH,
    S::MTLS_ERR_CERT_EXPIRED,
    S::MTLS_ERR_CERT_NOT_YET_VALID,
    S::MTLS_ERR_CERT_UNTRUSTED,
    S::MTLS_ERR_CERT_BAD_SIGNATURE,
    S::MTLS_ERR_CERT_NOT_SERVER,
    S::MTLS_ERR_CERT_NO_SERVER_AUTH,
    S::MTLS_ERR_CERT_UNSUPPORTED,
    S::MTLS_ERR_CERT_MALFORMED,
    S::MTLS_ERR_CERT_REJECTED,
    S::MTLS_ERR_CLIENT_CERT_REJECTED,
    S::MTLS_ERR_HANDSHAKE_FAILED,
    S::MTLS_ERR_UNEXPECTED_RECORD,
    S::MTLS_ERR_RECORD_TAMPERED,
    S::MTLS_ERR_TLS_DECODE,
    S::MTLS_ERR_UNEXPECTED_MESSAGE,
    S::MTLS_ERR_PEER_ALERT,
    S::MTLS_ERR_TLS_UNSUPPORTED,
    S::MTLS_ERR_TLS_ILLEGAL_PARAMETER,
    S::MTLS_ERR_TLS_MESSAGE_TOO_LARGE,
    S::MTLS_ERR_CLOSED,
];

impl mtls_status {
    /// The status with number `n`, if there is one.
    pub(crate) fn from_number(n: i32) -> Option<Self> {
        ALL.iter().copied().find(|s| *s as i32 == n)
    }

    /// `"MTLS_ERR_DNS: DNS lookup of the host failed"`, NUL-terminated.
    pub(crate) fn text(self) -> &'static CStr {
        match self {
            S::MTLS_OK => c"MTLS_OK: success",
            S::MTLS_ERR_INVALID_ARGUMENT => c"MTLS_ERR_INVALID_ARGUMENT: an argument is out of range",
            S::MTLS_ERR_NULL_POINTER => c"MTLS_ERR_NULL_POINTER: a required pointer argument is NULL",
            S::MTLS_ERR_NO_FREE_SLOT => c"MTLS_ERR_NO_FREE_SLOT: the static pool has no free slot",
            S::MTLS_ERR_BAD_HANDLE => c"MTLS_ERR_BAD_HANDLE: invalid or closed handle",
            S::MTLS_ERR_BUSY => c"MTLS_ERR_BUSY: the modem is in use by another call",
            S::MTLS_ERR_NOT_INITIALISED => c"MTLS_ERR_NOT_INITIALISED: call mtls_modem_init() first",
            S::MTLS_ERR_SESSION_ACTIVE => c"MTLS_ERR_SESSION_ACTIVE: the modem already has an open session",
            S::MTLS_ERR_BUFFER_TOO_SMALL => c"MTLS_ERR_BUFFER_TOO_SMALL: an output buffer is too small",
            S::MTLS_ERR_RANDOM_FAILED => c"MTLS_ERR_RANDOM_FAILED: the random callback failed",
            S::MTLS_ERR_HOST_INVALID => c"MTLS_ERR_HOST_INVALID: the host name is empty or has invalid characters",
            S::MTLS_ERR_HOST_TOO_LONG => c"MTLS_ERR_HOST_TOO_LONG: the host name is longer than 253 bytes",
            S::MTLS_ERR_NO_TRUST_ANCHORS => c"MTLS_ERR_NO_TRUST_ANCHORS: verification is on but no CA certificate was given",
            S::MTLS_ERR_CREDENTIAL_FORMAT => c"MTLS_ERR_CREDENTIAL_FORMAT: a certificate or key has a format that cannot be used",
            S::MTLS_ERR_CREDENTIAL_TOO_LARGE => c"MTLS_ERR_CREDENTIAL_TOO_LARGE: a certificate or key is too large",
            S::MTLS_ERR_MODE_UNAVAILABLE => c"MTLS_ERR_MODE_UNAVAILABLE: the requested TLS path is not available",
            S::MTLS_ERR_CLOCK_NOT_SET => c"MTLS_ERR_CLOCK_NOT_SET: no trustworthy time for certificate validity",
            S::MTLS_ERR_CACHE_INVALID => c"MTLS_ERR_CACHE_INVALID: the saved decision cache is not valid",
            S::MTLS_ERR_TICKET_INVALID => c"MTLS_ERR_TICKET_INVALID: the saved session ticket is not valid, or there is none to save",
            S::MTLS_ERR_PORT_IO => c"MTLS_ERR_PORT_IO: UART I/O error",
            S::MTLS_ERR_PORT_CLOSED => c"MTLS_ERR_PORT_CLOSED: the UART connection is gone",
            S::MTLS_ERR_MODEM_NOT_RESPONDING => c"MTLS_ERR_MODEM_NOT_RESPONDING: the modem does not answer AT",
            S::MTLS_ERR_UNSUPPORTED_MODEM => c"MTLS_ERR_UNSUPPORTED_MODEM: modem model not supported",
            S::MTLS_ERR_MODEM_REJECTED => c"MTLS_ERR_MODEM_REJECTED: the modem rejected a command",
            S::MTLS_ERR_PDP_DOWN => c"MTLS_ERR_PDP_DOWN: no packet data connection (attach first)",
            S::MTLS_ERR_ATTACH_FAILED => c"MTLS_ERR_ATTACH_FAILED: the APN could not be activated",
            S::MTLS_ERR_DNS => c"MTLS_ERR_DNS: DNS lookup of the host failed",
            S::MTLS_ERR_CONNECT_FAILED => c"MTLS_ERR_CONNECT_FAILED: TCP connection refused or host unreachable",
            S::MTLS_ERR_TIMEOUT => c"MTLS_ERR_TIMEOUT: the modem or the network did not answer in time",
            S::MTLS_ERR_NO_FREE_SOCKET => c"MTLS_ERR_NO_FREE_SOCKET: every modem socket is in use",
            S::MTLS_ERR_SOCKET => c"MTLS_ERR_SOCKET: the modem reported a socket error",
            S::MTLS_ERR_FILE_CHECKSUM => c"MTLS_ERR_FILE_CHECKSUM: a file stored in the modem differs from the one sent",
            S::MTLS_ERR_UART_DAMAGED => c"MTLS_ERR_UART_DAMAGED: the UART stream was damaged or out of step (noise, baud rate, flow control)",
            S::MTLS_ERR_MODEM_REBOOTED => c"MTLS_ERR_MODEM_REBOOTED: the modem restarted; the connection is lost",
            S::MTLS_ERR_MODEM_BUFFER_OVERFLOW => c"MTLS_ERR_MODEM_BUFFER_OVERFLOW: the modem's receive buffer overflowed and dropped data; the connection is lost",
            S::MTLS_ERR_NO_COMMON_CIPHER => c"MTLS_ERR_NO_COMMON_CIPHER: the server and the TLS stack share no cipher suite",
            S::MTLS_ERR_PROTOCOL_VERSION => c"MTLS_ERR_PROTOCOL_VERSION: the server needs a TLS version the stack lacks",
            S::MTLS_ERR_SNI_REQUIRED => c"MTLS_ERR_SNI_REQUIRED: the server requires SNI and none was sent",
            S::MTLS_ERR_CERT_HOSTNAME_MISMATCH => c"MTLS_ERR_CERT_HOSTNAME_MISMATCH: the server certificate is not valid for this host name",
            S::MTLS_ERR_CERT_EXPIRED => c"MTLS_ERR_CERT_EXPIRED: a server certificate has expired",
            S::MTLS_ERR_CERT_NOT_YET_VALID => c"MTLS_ERR_CERT_NOT_YET_VALID: a server certificate is not yet valid",
            S::MTLS_ERR_CERT_UNTRUSTED => c"MTLS_ERR_CERT_UNTRUSTED: the server chain does not lead to a configured CA",
            S::MTLS_ERR_CERT_BAD_SIGNATURE => c"MTLS_ERR_CERT_BAD_SIGNATURE: a signature in the server chain or handshake does not verify",
            S::MTLS_ERR_CERT_NOT_SERVER => c"MTLS_ERR_CERT_NOT_SERVER: the certificate is not allowed for TLS server use",
            S::MTLS_ERR_CERT_NO_SERVER_AUTH => c"MTLS_ERR_CERT_NO_SERVER_AUTH: the server did not authenticate",
            S::MTLS_ERR_CERT_UNSUPPORTED => c"MTLS_ERR_CERT_UNSUPPORTED: the server chain uses an unsupported algorithm",
            S::MTLS_ERR_CERT_MALFORMED => c"MTLS_ERR_CERT_MALFORMED: a server certificate is malformed",
            S::MTLS_ERR_CERT_REJECTED => c"MTLS_ERR_CERT_REJECTED: the server certificate was rejected (see the error detail)",
            S::MTLS_ERR_CLIENT_CERT_REJECTED => c"MTLS_ERR_CLIENT_CERT_REJECTED: the server refused the client certificate",
            S::MTLS_ERR_HANDSHAKE_FAILED => c"MTLS_ERR_HANDSHAKE_FAILED: the TLS handshake failed",
            S::MTLS_ERR_UNEXPECTED_RECORD => c"MTLS_ERR_UNEXPECTED_RECORD: a TLS record not allowed at this point arrived (injected or a broken server); session closed",
            S::MTLS_ERR_RECORD_TAMPERED => c"MTLS_ERR_RECORD_TAMPERED: a TLS record was damaged or changed on the way; session closed",
            S::MTLS_ERR_TLS_DECODE => c"MTLS_ERR_TLS_DECODE: the server sent a TLS message that cannot be decoded",
            S::MTLS_ERR_UNEXPECTED_MESSAGE => c"MTLS_ERR_UNEXPECTED_MESSAGE: the server sent a TLS message not allowed at this point",
            S::MTLS_ERR_PEER_ALERT => c"MTLS_ERR_PEER_ALERT: the server ended the session with a TLS alert",
            S::MTLS_ERR_TLS_UNSUPPORTED => c"MTLS_ERR_TLS_UNSUPPORTED: the server used a TLS feature the host TLS engine cannot handle",
            S::MTLS_ERR_TLS_ILLEGAL_PARAMETER => c"MTLS_ERR_TLS_ILLEGAL_PARAMETER: the server chose a TLS parameter that was not offered or is not allowed there",
            S::MTLS_ERR_TLS_MESSAGE_TOO_LARGE => c"MTLS_ERR_TLS_MESSAGE_TOO_LARGE: a TLS handshake message from the server is larger than the host read buffer",
            S::MTLS_ERR_CLOSED => c"MTLS_ERR_CLOSED: the session is closed",
        }
    }
}

/// The text for any integer, including numbers that are no status.
pub(crate) fn text_of(n: i32) -> *const c_char {
    match mtls_status::from_number(n) {
        Some(s) => s.text().as_ptr(),
        None => c"unknown mtls_status".as_ptr(),
    }
}

/// The status for a library error.
pub(crate) fn of_error(e: &Error) -> mtls_status {
    match e {
        Error::Config(c) => of_config(*c),
        Error::Modem(m) => of_modem(*m),
        Error::Tls(t) => of_tls(t),
        Error::Closed => S::MTLS_ERR_CLOSED,
    }
}

pub(crate) fn of_config(c: ConfigError) -> mtls_status {
    match c {
        ConfigError::HostEmpty | ConfigError::HostInvalid => S::MTLS_ERR_HOST_INVALID,
        ConfigError::HostTooLong => S::MTLS_ERR_HOST_TOO_LONG,
        ConfigError::PortZero => S::MTLS_ERR_INVALID_ARGUMENT,
        ConfigError::NoTrustAnchors => S::MTLS_ERR_NO_TRUST_ANCHORS,
        ConfigError::CredentialFormat => S::MTLS_ERR_CREDENTIAL_FORMAT,
        ConfigError::CredentialTooLarge => S::MTLS_ERR_CREDENTIAL_TOO_LARGE,
        ConfigError::BufferTooSmall => S::MTLS_ERR_BUFFER_TOO_SMALL,
        ConfigError::ModeUnavailable | ConfigError::NoHostnameCheck => S::MTLS_ERR_MODE_UNAVAILABLE,
        #[allow(unreachable_patterns)]
        _ => S::MTLS_ERR_INVALID_ARGUMENT,
    }
}

fn of_at(a: AtError) -> mtls_status {
    match a {
        AtError::Timeout | AtError::SendFail => S::MTLS_ERR_TIMEOUT,
        AtError::Port(PortError::Closed) => S::MTLS_ERR_PORT_CLOSED,
        AtError::Port(_) => S::MTLS_ERR_PORT_IO,
        AtError::InvalidArgument | AtError::CommandTooLong => S::MTLS_ERR_INVALID_ARGUMENT,
        AtError::NoCarrier => S::MTLS_ERR_CLOSED,
        AtError::PromptLost | AtError::Overflow | AtError::Garbled | AtError::Unexpected => {
            S::MTLS_ERR_UART_DAMAGED
        }
        _ => S::MTLS_ERR_MODEM_REJECTED,
    }
}

pub(crate) fn of_modem(m: ModemError) -> mtls_status {
    match m {
        ModemError::At(a) => of_at(a),
        ModemError::NotResponding => S::MTLS_ERR_MODEM_NOT_RESPONDING,
        ModemError::UnsupportedModel => S::MTLS_ERR_UNSUPPORTED_MODEM,
        ModemError::PdpDown => S::MTLS_ERR_PDP_DOWN,
        ModemError::AttachFailed => S::MTLS_ERR_ATTACH_FAILED,
        ModemError::Dns => S::MTLS_ERR_DNS,
        ModemError::ConnectFailed => S::MTLS_ERR_CONNECT_FAILED,
        ModemError::OpenTimeout | ModemError::Timeout => S::MTLS_ERR_TIMEOUT,
        ModemError::NoFreeSocket => S::MTLS_ERR_NO_FREE_SOCKET,
        ModemError::Socket(_) => S::MTLS_ERR_SOCKET,
        ModemError::HandshakeFailed(_) => S::MTLS_ERR_HANDSHAKE_FAILED,
        ModemError::Closed => S::MTLS_ERR_CLOSED,
        ModemError::FileChecksum { .. } => S::MTLS_ERR_FILE_CHECKSUM,
        ModemError::FileTooLarge => S::MTLS_ERR_CREDENTIAL_TOO_LARGE,
        ModemError::ClockNotSet => S::MTLS_ERR_CLOCK_NOT_SET,
        ModemError::Rebooted => S::MTLS_ERR_MODEM_REBOOTED,
        ModemError::BufferOverflow => S::MTLS_ERR_MODEM_BUFFER_OVERFLOW,
        #[allow(unreachable_patterns)]
        _ => S::MTLS_ERR_MODEM_REJECTED,
    }
}

/// A TLS failure: the certificate problem when the verifier named one,
/// else the classified failure.
pub(crate) fn of_tls(t: &TlsError) -> mtls_status {
    if let Some(p) = t.certificate {
        return match p {
            CertProblem::HostnameMismatch => S::MTLS_ERR_CERT_HOSTNAME_MISMATCH,
            CertProblem::Expired => S::MTLS_ERR_CERT_EXPIRED,
            CertProblem::NotYetValid => S::MTLS_ERR_CERT_NOT_YET_VALID,
            CertProblem::UntrustedIssuer => S::MTLS_ERR_CERT_UNTRUSTED,
            CertProblem::BadSignature => S::MTLS_ERR_CERT_BAD_SIGNATURE,
            CertProblem::NotServerCertificate => S::MTLS_ERR_CERT_NOT_SERVER,
            CertProblem::NoServerAuthentication => S::MTLS_ERR_CERT_NO_SERVER_AUTH,
            CertProblem::Unsupported => S::MTLS_ERR_CERT_UNSUPPORTED,
            CertProblem::Malformed => S::MTLS_ERR_CERT_MALFORMED,
            #[allow(unreachable_patterns)]
            _ => S::MTLS_ERR_CERT_REJECTED,
        };
    }
    match t.failure {
        TlsFailure::NoCommonCipher => S::MTLS_ERR_NO_COMMON_CIPHER,
        TlsFailure::ProtocolVersion => S::MTLS_ERR_PROTOCOL_VERSION,
        TlsFailure::SniRequired => S::MTLS_ERR_SNI_REQUIRED,
        TlsFailure::CertificateRejected => S::MTLS_ERR_CERT_REJECTED,
        TlsFailure::ClientCertRejected => S::MTLS_ERR_CLIENT_CERT_REJECTED,
        TlsFailure::HandshakeFailed => S::MTLS_ERR_HANDSHAKE_FAILED,
        TlsFailure::UnexpectedRecord => S::MTLS_ERR_UNEXPECTED_RECORD,
        TlsFailure::RecordTampered => S::MTLS_ERR_RECORD_TAMPERED,
        TlsFailure::DecodeError => S::MTLS_ERR_TLS_DECODE,
        TlsFailure::UnexpectedMessage => S::MTLS_ERR_UNEXPECTED_MESSAGE,
        TlsFailure::PeerAlert => S::MTLS_ERR_PEER_ALERT,
        TlsFailure::Unsupported => S::MTLS_ERR_TLS_UNSUPPORTED,
        TlsFailure::IllegalParameter => S::MTLS_ERR_TLS_ILLEGAL_PARAMETER,
        TlsFailure::MessageTooLarge => S::MTLS_ERR_TLS_MESSAGE_TOO_LARGE,
        #[allow(unreachable_patterns)]
        _ => S::MTLS_ERR_HANDSHAKE_FAILED,
    }
}

pub(crate) fn of_cache(e: CacheError) -> mtls_status {
    match e {
        CacheError::Invalid | CacheError::Capacity => S::MTLS_ERR_CACHE_INVALID,
    }
}
