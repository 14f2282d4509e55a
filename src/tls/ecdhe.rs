//! P-256 behind a small provider trait, so a firmware can plug in a faster
//! one (an assembly implementation on Cortex-M4, a hardware accelerator)
//! without touching the engine: the handshake's key exchange and the
//! certificate verifier's ECDSA P-256 ([`crate::pki::PkiVerifier`] with the
//! same provider type) both go through it. [`RustCryptoP256`] (RustCrypto
//! `p256`) is the default.

use rand_core::CryptoRngCore;
use zeroize::Zeroize;

/// The named group secp256r1 (RFC 8446 §4.2.7).
pub const SECP256R1: u16 = 0x0017;
/// Length of an uncompressed P-256 point (0x04 || x || y).
pub const P256_POINT_LEN: usize = 65;

/// An ephemeral P-256 private scalar (big-endian), zeroized on drop.
pub struct EphemeralSecret(pub [u8; 32]);

impl Drop for EphemeralSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A shared secret from ECDHE, zeroized on drop.
pub struct SharedSecret(pub [u8; 32]);

impl Drop for SharedSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// P-256 for the handshake's key exchange and for ECDSA verification.
pub trait P256Provider {
    /// A fresh key pair: the secret and the public point (uncompressed).
    fn generate(
        &mut self,
        rng: &mut dyn CryptoRngCore,
    ) -> Option<(EphemeralSecret, [u8; P256_POINT_LEN])>;

    /// ECDH with the server's public point (`peer`, as the server sent
    /// it): `None` unless `peer` is an uncompressed point on the curve.
    fn agree(&mut self, secret: &EphemeralSecret, peer: &[u8]) -> Option<SharedSecret>;

    /// ECDSA P-256 verification, for certificates and the server's
    /// CertificateVerify: `signature` is a DER `ECDSA-Sig-Value` over the
    /// message digest `digest` (SHA-256 or SHA-384), `public` an
    /// uncompressed point. `false` for anything malformed.
    fn verify_prehashed(&mut self, public: &[u8], digest: &[u8], signature: &[u8]) -> bool;
}

/// RustCrypto `p256` (constant time, portable).
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCryptoP256;

impl P256Provider for RustCryptoP256 {
    fn generate(
        &mut self,
        rng: &mut dyn CryptoRngCore,
    ) -> Option<(EphemeralSecret, [u8; P256_POINT_LEN])> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let mut rng = rng;
        let sk = p256::SecretKey::random(&mut rng);
        let point = sk.public_key().to_encoded_point(false);
        let mut public = [0u8; P256_POINT_LEN];
        public.copy_from_slice(point.as_bytes().get(..P256_POINT_LEN)?);
        let mut secret = EphemeralSecret([0; 32]);
        secret.0.copy_from_slice(&sk.to_bytes());
        Some((secret, public))
    }

    fn agree(&mut self, secret: &EphemeralSecret, peer: &[u8]) -> Option<SharedSecret> {
        if peer.len() != P256_POINT_LEN || peer.first() != Some(&4) {
            return None;
        }
        let pk = p256::PublicKey::from_sec1_bytes(peer).ok()?;
        let sk = p256::SecretKey::from_slice(&secret.0).ok()?;
        let shared = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
        let mut out = SharedSecret([0; 32]);
        out.0.copy_from_slice(shared.raw_secret_bytes());
        Some(out)
    }

    fn verify_prehashed(&mut self, public: &[u8], digest: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        use p256::ecdsa::{Signature, VerifyingKey};
        // Only uncompressed points (0x04 || X || Y), as in X.509/TLS.
        if public.len() != P256_POINT_LEN || public.first() != Some(&4) {
            return false;
        }
        let Ok(key) = VerifyingKey::from_sec1_bytes(public) else {
            return false;
        };
        // The project's strict DER reader (no second DER library linked).
        let mut rs = [0u8; 64];
        if crate::pki::der::ecdsa_signature::<32>(signature, &mut rs).is_none() {
            return false;
        }
        let Ok(sig) = Signature::from_slice(&rs) else {
            return false;
        };
        key.verify_prehash(digest, &sig).is_ok()
    }
}

/// P-256 in Cortex-M4 assembly (feature `p256-asm`, ARM targets with
/// the DSP extension).
#[cfg(all(feature = "p256-asm", target_arch = "arm"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct AsmP256;

#[cfg(all(feature = "p256-asm", target_arch = "arm"))]
impl P256Provider for AsmP256 {
    fn generate(
        &mut self,
        rng: &mut dyn CryptoRngCore,
    ) -> Option<(EphemeralSecret, [u8; P256_POINT_LEN])> {
        // A random scalar is out of range with probability ~2^-32: retry.
        for _ in 0..4 {
            let mut secret = EphemeralSecret([0; 32]);
            rng.fill_bytes(&mut secret.0);
            if let Some(public) = crate::p256_asm::public_key(&secret.0) {
                return Some((secret, public));
            }
        }
        None
    }

    fn agree(&mut self, secret: &EphemeralSecret, peer: &[u8]) -> Option<SharedSecret> {
        crate::p256_asm::ecdh(&secret.0, peer).map(SharedSecret)
    }

    fn verify_prehashed(&mut self, public: &[u8], digest: &[u8], signature: &[u8]) -> bool {
        crate::p256_asm::verify_prehashed(public, digest, signature)
    }
}

/// The provider the host path uses: [`AsmP256`] with the feature
/// `p256-asm` on ARM, else [`RustCryptoP256`].
#[cfg(all(feature = "p256-asm", target_arch = "arm"))]
pub type DefaultP256 = AsmP256;
/// The provider the host path uses: `AsmP256` with the feature
/// `p256-asm` on ARM, else [`RustCryptoP256`].
#[cfg(not(all(feature = "p256-asm", target_arch = "arm")))]
pub type DefaultP256 = RustCryptoP256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_and_bad_points_are_refused() {
        let mut rng = rand_core::OsRng;
        let mut p = RustCryptoP256;
        let (a, a_pub) = p.generate(&mut rng).unwrap();
        let (b, b_pub) = p.generate(&mut rng).unwrap();
        let ab = p.agree(&a, &b_pub).unwrap();
        let ba = p.agree(&b, &a_pub).unwrap();
        assert_eq!(ab.0, ba.0);
        let mut bad = b_pub;
        bad[40] ^= 1;
        assert!(p.agree(&a, &bad).is_none());
        assert!(p.agree(&a, &b_pub[..33]).is_none());
        assert!(p.agree(&a, &[]).is_none());
    }

    #[test]
    fn rustcrypto_verifies_der_signatures_over_digests() {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        use p256::ecdsa::{Signature, SigningKey};
        let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
        let public = key.verifying_key().to_encoded_point(false);
        let digest = [0x5a; 32];
        let sig: Signature = key.sign_prehash(&digest).unwrap();
        let (r, s) = sig.split_bytes();
        let mut buf = [0u8; 72];
        let n = crate::pki::der::write_ecdsa_signature(&r, &s, &mut buf).unwrap();
        let der = &buf[..n];
        let mut p = RustCryptoP256;
        assert!(p.verify_prehashed(public.as_bytes(), &digest, der));
        let mut other = digest;
        other[0] ^= 1;
        assert!(!p.verify_prehashed(public.as_bytes(), &other, der));
        assert!(!p.verify_prehashed(public.as_bytes(), &digest, &der[1..]));
        assert!(!p.verify_prehashed(&public.as_bytes()[..33], &digest, der));
        assert!(!p.verify_prehashed(public.as_bytes(), &[], der));
    }
}
