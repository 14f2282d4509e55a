//! P-256 in Cortex-M4 assembly (`p256-cortex-m4`: Emill's P256-Cortex-M4,
//! C and assembly built with `arm-none-eabi-gcc`; about 10x fewer
//! instructions than RustCrypto `p256` for ECDH and ECDSA verification),
//! behind the feature `p256-asm` on ARM targets. The host TLS engine's key exchange ([`crate::tls::AsmP256`])
//! and the certificate verifier's ECDSA P-256 ([`crate::pki`]) both use it.
//!
//! Only for cores with the DSP extension (Cortex-M4, M7, M33, M55:
//! `thumbv7em-*`, `thumbv8m.main-*`): the code uses `UMAAL`, which a
//! Cortex-M3 or M0 does not have (the build fails there). Building needs
//! `arm-none-eabi-gcc` (Debian `gcc-arm-none-eabi`).
//!
//! Everything from outside is checked before it reaches the assembly:
//! points must be uncompressed and on the curve, scalars in 1..n-1,
//! signatures strict DER with r and s in 1..n-1. Secret scalars are
//! zeroized after use.
//!
//! On other architectures the feature changes nothing (RustCrypto is used),
//! so a workspace built for the host with every feature still builds; the
//! DER signature reader here is tested there.
#![cfg_attr(not(target_arch = "arm"), allow(dead_code))]

#[cfg(target_arch = "arm")]
use zeroize::Zeroize;

/// An uncompressed SEC1 point (`04 || x || y`) on the curve.
#[cfg(target_arch = "arm")]
fn point(sec1: &[u8]) -> Option<p256_cortex_m4::PublicKey> {
    if sec1.len() != 65 || sec1.first() != Some(&4) {
        return None;
    }
    p256_cortex_m4::PublicKey::from_sec1_bytes(sec1).ok()
}

/// The public key (uncompressed) of the secret scalar `secret_be`, when
/// it is in 1..n-1.
#[cfg(target_arch = "arm")]
pub(crate) fn public_key(secret_be: &[u8; 32]) -> Option<[u8; 65]> {
    let mut k = p256_cortex_m4::SecretKey::from_bytes(secret_be).ok()?;
    let public = k.public_key().to_uncompressed_sec1_bytes();
    k.zeroize();
    Some(public)
}

/// ECDH: the x coordinate of `secret_be` times the peer's point.
#[cfg(target_arch = "arm")]
pub(crate) fn ecdh(secret_be: &[u8; 32], peer_sec1: &[u8]) -> Option<[u8; 32]> {
    let peer = point(peer_sec1)?;
    let mut k = p256_cortex_m4::SecretKey::from_bytes(secret_be).ok()?;
    let mut shared = k.agree(&peer);
    k.zeroize();
    let out = *shared.as_bytes();
    shared.zeroize();
    Some(out)
}

/// ECDSA P-256 verification of a DER signature over a message digest.
#[cfg(target_arch = "arm")]
pub(crate) fn verify_prehashed(public_sec1: &[u8], digest: &[u8], der_sig: &[u8]) -> bool {
    // The wrapper indexes the digest's first byte: never give it an empty one.
    if digest.is_empty() {
        return false;
    }
    let Some(key) = point(public_sec1) else {
        return false;
    };
    let mut rs = [0u8; 64];
    if crate::pki::der::ecdsa_signature::<32>(der_sig, &mut rs).is_none() {
        return false;
    }
    // `from_untagged_bytes` range-checks r (and, by a slip, r again, not
    // s); the verification itself refuses an s outside 1..n-1.
    match p256_cortex_m4::Signature::from_untagged_bytes(&rs) {
        Ok(sig) => key.verify_prehashed(digest, &sig),
        Err(_) => false,
    }
}
