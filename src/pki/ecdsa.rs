//! ECDSA verification (P-256 via `p256`; P-384 via `p384` behind the `p384`
//! feature) with ASN.1 DER signatures, as used in X.509 and TLS 1.3.

use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};

use super::hash::{HashAlg, MAX_HASH_LEN};

/// Curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    #[cfg(feature = "p384")]
    P384,
}

/// An ECDSA signature algorithm for webpki (chain) and CertificateVerify.
pub struct EcdsaAlgorithm {
    curve: Curve,
    hash: HashAlg,
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
}

/// `ECDSA P-256 SHA-256`: names only. webpki wants `Debug`; a derived one
/// would link `core::fmt`'s struct builders (about 1.5 KB on Cortex-M).
impl core::fmt::Debug for EcdsaAlgorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.curve {
            Curve::P256 => "ECDSA P-256 ",
            #[cfg(feature = "p384")]
            Curve::P384 => "ECDSA P-384 ",
        })?;
        f.write_str(self.hash.name())
    }
}

#[cfg(all(feature = "p256-asm", target_arch = "arm"))]
fn verify_p256(public_key: &[u8], prehash: &[u8], signature: &[u8]) -> Option<()> {
    crate::p256_asm::verify_prehashed(public_key, prehash, signature).then_some(())
}

#[cfg(not(all(feature = "p256-asm", target_arch = "arm")))]
fn verify_p256(public_key: &[u8], prehash: &[u8], signature: &[u8]) -> Option<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    // Only uncompressed points (0x04 || X || Y), as in X.509/TLS.
    if public_key.len() != 65 || public_key.first() != Some(&0x04) {
        return None;
    }
    let key = VerifyingKey::from_sec1_bytes(public_key).ok()?;
    // The project's strict DER reader (no second DER library linked).
    let mut rs = [0u8; 64];
    super::der::ecdsa_signature::<32>(signature, &mut rs)?;
    let sig = Signature::from_slice(&rs).ok()?;
    key.verify_prehash(prehash, &sig).ok()
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

impl SignatureVerificationAlgorithm for EcdsaAlgorithm {
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
            Curve::P256 => verify_p256(public_key, prehash, signature),
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

/// ECDSA on P-256 with SHA-256.
pub static ECDSA_P256_SHA256: EcdsaAlgorithm = EcdsaAlgorithm {
    curve: Curve::P256,
    hash: HashAlg::Sha256,
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: alg_id::ECDSA_SHA256,
};
/// ECDSA on P-256 with SHA-384 (certificates signed by a P-256 CA with SHA-384).
pub static ECDSA_P256_SHA384: EcdsaAlgorithm = EcdsaAlgorithm {
    curve: Curve::P256,
    hash: HashAlg::Sha384,
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: alg_id::ECDSA_SHA384,
};
/// ECDSA on P-384 with SHA-256.
#[cfg(feature = "p384")]
pub static ECDSA_P384_SHA256: EcdsaAlgorithm = EcdsaAlgorithm {
    curve: Curve::P384,
    hash: HashAlg::Sha256,
    public_key_alg_id: alg_id::ECDSA_P384,
    signature_alg_id: alg_id::ECDSA_SHA256,
};
/// ECDSA on P-384 with SHA-384.
#[cfg(feature = "p384")]
pub static ECDSA_P384_SHA384: EcdsaAlgorithm = EcdsaAlgorithm {
    curve: Curve::P384,
    hash: HashAlg::Sha384,
    public_key_alg_id: alg_id::ECDSA_P384,
    signature_alg_id: alg_id::ECDSA_SHA384,
};
