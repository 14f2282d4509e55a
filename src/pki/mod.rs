//! Certificate verification for the host TLS path, without a heap.
//!
//! (With the `engine-embedded-tls` engine, that crate's own `rustpki`
//! verifier is not used either: with it a server
//! that sends no Certificate and no CertificateVerify completes the
//! handshake, CA flags and key usage are not checked, the chain must end at
//! a single anchor, validity is skipped without a clock, and RSA needs a heap.)
//! Instead:
//!
//! - [`TrustAnchors`]: a CA bundle (PEM or DER, several certificates)
//!   parsed once into trust anchors (`rustls-pki-types`' `TrustAnchor`);
//! - [`PkiVerifier`]: the engine's [`crate::tls::ServerAuth`], with the
//!   project's own chain validation (serverAuth EKU, basicConstraints,
//!   keyUsage, name constraints, host name or IP address, validity at a
//!   time the caller gives, path building through extra/cross-signed
//!   certificates; held to rustls-webpki's verdicts by a differential
//!   test), and which verifies CertificateVerify
//!   with the same algorithms; after `open()` the session layer calls
//!   [`PkiVerifier::check`]: only a handshake whose chain *and*
//!   CertificateVerify were verified passes;
//! - signature algorithms written here on RustCrypto crates: ECDSA P-256
//!   (SHA-256/384), RSA PKCS#1 v1.5 and RSA-PSS (SHA-256/384/512,
//!   2048..4096-bit keys, Montgomery arithmetic on stack arrays); ECDSA P-384
//!   (feature `p384`) and Ed25519 (feature `ed25519`);
//! - with `engine-embedded-tls`: `PkiProvider`, the
//!   `embedded_tls::CryptoProvider` that plugs the verifier (and a client
//!   identity) into that engine, and `host_tls_config`.
//!
//! ```ignore
//! let mut storage = [0u8; 2048];
//! let anchors: TrustAnchors<'_, 4> = TrustAnchors::from_bundle(CA_PEM, &mut storage)?;
//! let mut verifier = PkiVerifier::new(anchors.as_slice(), Validity::At(unix_now))
//!     .with_server_name("example.com")?;
//! // ... the engine calls verifier.certificate(chain), verifier.certificate_verify(..)
//! verifier.check()?;          // NoServerAuthentication if the server skipped them
//! ```

mod anchors;
mod chain;
pub(crate) mod der;
mod ecdsa;
#[cfg(feature = "ed25519")]
mod ed25519;
mod error;
pub(crate) mod hash;
mod identity;
mod modexp;
pub(crate) mod name;
mod rsa;
mod time;
mod verifier;
mod x509;

#[cfg(feature = "engine-embedded-tls")]
pub use crate::host::etls::{host_tls_config, PkiProvider};
pub(crate) use anchors::pem_decode_first;
pub use anchors::TrustAnchors;
pub use error::PkiError;
pub use identity::ClientIdentity;
pub use time::Validity;
pub use verifier::{
    tls13_scheme_algorithm, Algorithms, PkiVerifier, CHAIN_ALGORITHMS, MAX_CHAIN_LEN,
    MAX_PEER_CN_LEN, MAX_SPKI_LEN,
};

/// Largest transcript hash the verifier keeps (SHA-384).
#[cfg(feature = "engine-embedded-tls")]
pub(crate) const fn verifier_transcript_len() -> usize {
    verifier::MAX_TRANSCRIPT_LEN
}

/// The signature verification algorithms (`rustls-pki-types`'
/// `SignatureVerificationAlgorithm`, so also usable with `rustls-webpki`,
/// e.g. in tests against public vectors).
pub mod algorithms {
    pub use super::ecdsa::{EcdsaAlgorithm, ECDSA_P256_SHA256, ECDSA_P256_SHA384};
    #[cfg(feature = "p384")]
    pub use super::ecdsa::{ECDSA_P384_SHA256, ECDSA_P384_SHA384};
    #[cfg(feature = "ed25519")]
    pub use super::ed25519::{Ed25519Algorithm, ED25519};
    pub use super::rsa::{
        RsaAlgorithm, RSA_PKCS1_SHA256, RSA_PKCS1_SHA256_ABSENT_PARAMS, RSA_PKCS1_SHA384,
        RSA_PKCS1_SHA384_ABSENT_PARAMS, RSA_PKCS1_SHA512, RSA_PKCS1_SHA512_ABSENT_PARAMS,
        RSA_PSS_SHA256, RSA_PSS_SHA384, RSA_PSS_SHA512,
    };
}
