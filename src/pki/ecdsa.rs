//! ECDSA verification (P-256 via `p256`; P-384 via `p384` behind the `p384`
//! feature) with ASN.1 DER signatures, as used in X.509 and TLS 1.3.

use core::marker::PhantomData;

use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};

use super::hash::{HashAlg, MAX_HASH_LEN};
use crate::tls::{DefaultP256, P256Provider};

/// Curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    #[cfg(feature = "p384")]
    P384,
}

/// An ECDSA signature algorithm for the chain and CertificateVerify.
/// P-256 signatures are verified by the provider `P` (the host path's
/// [`DefaultP256`] unless a verifier is made for another one).
pub struct EcdsaAlgorithm<P = DefaultP256> {
    curve: Curve,
    hash: HashAlg,
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    provider: PhantomData<fn() -> P>,
}

impl<P> EcdsaAlgorithm<P> {
    const fn new(
        curve: Curve,
        hash: HashAlg,
        public_key_alg_id: AlgorithmIdentifier,
        signature_alg_id: AlgorithmIdentifier,
    ) -> Self {
        EcdsaAlgorithm {
            curve,
            hash,
            public_key_alg_id,
            signature_alg_id,
            provider: PhantomData,
        }
    }

    /// ECDSA on P-256 with SHA-256, verified by `P`.
    pub const P256_SHA256: Self = Self::new(
        Curve::P256,
        HashAlg::Sha256,
        alg_id::ECDSA_P256,
        alg_id::ECDSA_SHA256,
    );
    /// ECDSA on P-256 with SHA-384, verified by `P`.
    pub const P256_SHA384: Self = Self::new(
        Curve::P256,
        HashAlg::Sha384,
        alg_id::ECDSA_P256,
        alg_id::ECDSA_SHA384,
    );
}

/// `ECDSA P-256 SHA-256`: names only. webpki wants `Debug`; a derived one
/// would link `core::fmt`'s struct builders (about 1.5 KB on Cortex-M).
impl<P> core::fmt::Debug for EcdsaAlgorithm<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.curve {
            Curve::P256 => "ECDSA P-256 ",
            #[cfg(feature = "p384")]
            Curve::P384 => "ECDSA P-384 ",
        })?;
        f.write_str(self.hash.name())
    }
}

#[cfg(feature = "p384")]
fn verify_p384(public_key: &[u8], prehash: &[u8], signature: &[u8]) -> Option<()> {
    use p384::ecdsa::signature::hazmat::PrehashVerifier;
    use p384::ecdsa::{Signature, VerifyingKey};
    if public_key.len() != 97 || public_key.first() != Some(&0x04) {
        return None;
    }
    let key = VerifyingKey::from_sec1_bytes(public_key).ok()?;
    let mut rs = [0u8; 96];
    super::der::ecdsa_signature::<48>(signature, &mut rs)?;
    let sig = Signature::from_slice(&rs).ok()?;
    key.verify_prehash(prehash, &sig).ok()
}

impl<P: P256Provider + Default> SignatureVerificationAlgorithm for EcdsaAlgorithm<P> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let mut h = [0u8; MAX_HASH_LEN];
        let n = self.hash.digest(&[message], &mut h);
        let prehash = h.get(..n).ok_or(InvalidSignature)?;
        let r = match self.curve {
            Curve::P256 => P::default()
                .verify_prehashed(public_key, prehash, signature)
                .then_some(()),
            #[cfg(feature = "p384")]
            Curve::P384 => verify_p384(public_key, prehash, signature),
        };
        r.ok_or(InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

/// ECDSA on P-256 with SHA-256 ([`DefaultP256`]).
pub static ECDSA_P256_SHA256: EcdsaAlgorithm = EcdsaAlgorithm::<DefaultP256>::P256_SHA256;
/// ECDSA on P-256 with SHA-384 (certificates signed by a P-256 CA with
/// SHA-384; [`DefaultP256`]).
pub static ECDSA_P256_SHA384: EcdsaAlgorithm = EcdsaAlgorithm::<DefaultP256>::P256_SHA384;
/// ECDSA on P-384 with SHA-256.
#[cfg(feature = "p384")]
pub static ECDSA_P384_SHA256: EcdsaAlgorithm = EcdsaAlgorithm::new(
    Curve::P384,
    HashAlg::Sha256,
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA256,
);
/// ECDSA on P-384 with SHA-384.
#[cfg(feature = "p384")]
pub static ECDSA_P384_SHA384: EcdsaAlgorithm = EcdsaAlgorithm::new(
    Curve::P384,
    HashAlg::Sha384,
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA384,
);
