//! Certificate verification for the host TLS path (`embedded-tls` 0.19),
//! without a heap.
//!
//! `embedded-tls`'s own `rustpki` verifier is not used: with it a server
//! that sends no Certificate and no CertificateVerify completes the
//! handshake, CA flags and key usage are not checked, the chain must end at
//! a single anchor, validity is skipped without a clock, and RSA needs a heap.
//! Instead:
//!
//! - [`TrustAnchors`]: a CA bundle (PEM or DER, several certificates)
//!   parsed once into `rustls-webpki` trust anchors;
//! - [`PkiVerifier`]: an `embedded_tls::TlsVerifier` whose chain validation
//!   is `rustls-webpki`'s (serverAuth EKU, basicConstraints, host name or IP
//!   address, validity at a time the caller gives, path building through
//!   extra/cross-signed certificates), and which verifies CertificateVerify
//!   with the same algorithms; after `open()` the session layer calls
//!   [`PkiVerifier::check`]: only a handshake whose chain *and*
//!   CertificateVerify were verified passes;
//! - signature algorithms written here on RustCrypto crates: ECDSA P-256
//!   (SHA-256/384), RSA PKCS#1 v1.5 and RSA-PSS (SHA-256/384/512,
//!   2048..4096-bit keys, Montgomery arithmetic on stack arrays); ECDSA P-384
//!   (feature `p384`) and Ed25519 (feature `ed25519`);
//! - [`PkiProvider`]: the `embedded_tls::CryptoProvider` that plugs the
//!   verifier (and an optional P-256 client identity for mutual TLS) in;
//!   [`host_tls_config`] offers the RSA-PSS schemes in the ClientHello.
//!
//! ```ignore
//! let mut storage = [0u8; 2048];
//! let anchors: TrustAnchors<'_, 4> = TrustAnchors::from_bundle(CA_PEM, &mut storage)?;
//! let mut verifier = PkiVerifier::new(anchors.as_slice(), Validity::At(unix_now));
//! let config = host_tls_config("example.com");
//! let result = tls.open(TlsContext::new(&config, PkiProvider::new(rng, &mut verifier)));
//! verifier.check()?;          // NoServerAuthentication if the server skipped them
//! result?;
//! ```

mod anchors;
mod der;
mod ecdsa;
#[cfg(feature = "ed25519")]
mod ed25519;
mod error;
mod hash;
mod modexp;
mod provider;
mod rsa;
mod time;
mod verifier;

pub(crate) use anchors::pem_decode_first;
pub use anchors::TrustAnchors;
pub use error::PkiError;
pub use provider::{host_tls_config, ClientIdentity, PkiProvider};
pub use time::Validity;
pub use verifier::{
    tls13_scheme_algorithm, PkiVerifier, CHAIN_ALGORITHMS, MAX_CHAIN_LEN, MAX_PEER_CN_LEN,
    MAX_SPKI_LEN,
};

/// The signature verification algorithms, usable with `rustls-webpki`
/// directly (e.g. in tests against public vectors).
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
