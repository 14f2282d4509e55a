//! `PkiError`: why a server (or a trust anchor) was not accepted.

use core::fmt;

/// Why certificate verification failed.
///
/// Every variant has a [`cause()`](PkiError::cause) sentence a person can act
/// on. The enum is `Copy` and heap-free so it can be kept in the verifier and
/// read back after `embedded-tls` reports a generic `TlsError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PkiError {
    // ---- configuration ----
    /// No trust anchor was configured.
    NoTrustAnchors,
    /// A trust-anchor certificate could not be parsed.
    BadTrustAnchor,
    /// The CA bundle is not valid PEM (bad base64, missing END line, ...).
    BadPem,
    /// More trust anchors, or more PEM bytes, than the space given.
    AnchorCapacity,
    /// No server name (DNS name or IP address) to check the certificate against.
    NoServerName,
    /// The server name is not a valid DNS name or IP address.
    InvalidServerName,
    /// The verifier was given a different server name than the TLS config.
    ServerNameConflict,
    /// No time source and unchecked validity was not explicitly accepted.
    NoTime,
    /// The client private key is neither SEC1 nor PKCS#8 P-256 DER.
    BadClientKey,

    // ---- handshake flow ----
    /// The handshake finished without a verified Certificate and
    /// CertificateVerify from the server.
    NoServerAuthentication,
    /// The server sent a Certificate message with no certificate in it.
    EmptyCertificateChain,
    /// The server sent more than one Certificate message.
    UnexpectedCertificate,
    /// CertificateVerify arrived without a verified certificate before it.
    UnexpectedCertificateVerify,
    /// The server sent a raw public key instead of an X.509 certificate.
    RawPublicKeyUnsupported,
    /// The server certificate's public key is larger than this build stores.
    PublicKeyTooLarge,
    /// The server chose a CertificateVerify signature scheme that is not
    /// allowed in TLS 1.3 or not built in.
    UnsupportedSignatureScheme,
    /// The CertificateVerify signature does not verify with the server
    /// certificate's public key.
    BadCertificateVerify,

    // ---- chain validation ----
    /// The certificate is not valid for the server name.
    WrongHost,
    /// A certificate in the chain has expired.
    Expired {
        /// Validation time, seconds since the Unix epoch.
        now: u64,
        /// The certificate's notAfter, seconds since the Unix epoch.
        not_after: u64,
    },
    /// A certificate in the chain is not valid yet.
    NotYetValid {
        /// Validation time, seconds since the Unix epoch.
        now: u64,
        /// The certificate's notBefore, seconds since the Unix epoch.
        not_before: u64,
    },
    /// The chain does not lead to any configured trust anchor.
    UnknownIssuer,
    /// A certificate that issued another one is not a CA.
    IssuerNotCa,
    /// A CA certificate was presented as the server certificate.
    CaUsedAsEndEntity,
    /// The server certificate is not allowed for TLS server authentication.
    NoServerAuthEku,
    /// A signature in the chain does not verify.
    BadChainSignature,
    /// A certificate in the chain uses a signature algorithm or key this
    /// build does not support (or a key size outside 2048..4096-bit RSA).
    UnsupportedAlgorithm,
    /// A pathLenConstraint or name constraint of a CA is violated.
    ConstraintViolation,
    /// A certificate in the chain is not well-formed DER/X.509.
    MalformedCertificate,
    /// Path building gave up (too many certificates or signatures).
    PathTooComplex,
    /// Another chain-validation failure.
    ChainInvalid,
}

impl PkiError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        match self {
            PkiError::NoTrustAnchors => "no CA certificate configured: add the server's root CA (PEM or DER) as a trust anchor",
            PkiError::BadTrustAnchor => "a CA certificate given as trust anchor could not be parsed as X.509 DER",
            PkiError::BadPem => "the CA bundle is not valid PEM (expected -----BEGIN CERTIFICATE----- blocks with base64)",
            PkiError::AnchorCapacity => "too many CA certificates or too little storage for the CA bundle: raise the anchor capacity or storage size",
            PkiError::NoServerName => "no server name to verify the certificate against: set the host name (or IP address) of the server",
            PkiError::InvalidServerName => "the server name is not a valid DNS name or IP address",
            PkiError::ServerNameConflict => "the verifier and the TLS configuration name different servers",
            PkiError::NoTime => "no current time to check certificate validity: give the port clock or modem network time (AT+CCLK?/AT+QLTS), or explicitly accept unchecked validity",
            PkiError::BadClientKey => "the client private key is not a P-256 key in SEC1 or PKCS#8 DER",
            PkiError::NoServerAuthentication => "server sent no Certificate/CertificateVerify: the server was not authenticated",
            PkiError::EmptyCertificateChain => "server sent an empty Certificate message",
            PkiError::UnexpectedCertificate => "server sent a second Certificate message",
            PkiError::UnexpectedCertificateVerify => "server sent CertificateVerify without a verified certificate",
            PkiError::RawPublicKeyUnsupported => "server sent a raw public key, not an X.509 certificate",
            PkiError::PublicKeyTooLarge => "server certificate public key is too large (RSA keys up to 4096 bits are supported)",
            PkiError::UnsupportedSignatureScheme => "server signed the handshake with a scheme this build does not support (enable the p384/ed25519 feature, or the scheme is not allowed in TLS 1.3)",
            PkiError::BadCertificateVerify => "server's CertificateVerify signature is invalid: the server does not hold the certificate's private key",
            PkiError::WrongHost => "certificate is not valid for the requested host name (check the name you connect to against the certificate's subjectAltName)",
            PkiError::Expired { .. } => "certificate expired (or the device clock is wrong)",
            PkiError::NotYetValid { .. } => "certificate is not yet valid (or the device clock is wrong)",
            PkiError::UnknownIssuer => "certificate chain does not lead to a configured CA (untrusted root or missing intermediate)",
            PkiError::IssuerNotCa => "issuer is not a CA (basicConstraints CA:FALSE, or keyUsage without keyCertSign)",
            PkiError::CaUsedAsEndEntity => "server presented a CA certificate as its own certificate",
            PkiError::NoServerAuthEku => "certificate is not allowed for TLS server authentication (extendedKeyUsage lacks serverAuth)",
            PkiError::BadChainSignature => "a signature in the certificate chain is invalid",
            PkiError::UnsupportedAlgorithm => "certificate chain uses an unsupported signature algorithm or key size (supported: ECDSA P-256, RSA 2048..4096 PKCS#1/PSS; P-384 and Ed25519 with features)",
            PkiError::ConstraintViolation => "a CA's path length or name constraints forbid this certificate",
            PkiError::MalformedCertificate => "a certificate in the chain is malformed",
            PkiError::PathTooComplex => "certificate chain is too long or too complex to verify",
            PkiError::ChainInvalid => "certificate chain is invalid",
        }
    }

    /// True when the failure means the server's identity was *rejected*
    /// (as opposed to a local configuration problem). A rejected certificate
    /// must never trigger a fallback to another TLS path.
    pub fn is_rejection(&self) -> bool {
        !matches!(
            self,
            PkiError::NoTrustAnchors
                | PkiError::BadTrustAnchor
                | PkiError::BadPem
                | PkiError::AnchorCapacity
                | PkiError::NoServerName
                | PkiError::InvalidServerName
                | PkiError::ServerNameConflict
                | PkiError::NoTime
                | PkiError::BadClientKey
        )
    }
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cause())?;
        match self {
            PkiError::Expired { now, not_after } => {
                write!(f, " (now {now}, notAfter {not_after}, Unix seconds)")
            }
            PkiError::NotYetValid { now, not_before } => {
                write!(f, " (now {now}, notBefore {not_before}, Unix seconds)")
            }
            _ => Ok(()),
        }
    }
}

impl core::error::Error for PkiError {}
