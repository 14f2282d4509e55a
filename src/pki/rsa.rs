//! RSA signature verification without a heap: PKCS#1 v1.5 and PSS
//! (RFC 8017) with SHA-256/384/512, for 2048..4096-bit moduli.
//!
//! The public-key operation `s^e mod n` is [`super::modexp`]: Montgomery
//! multiplication on fixed-size stack arrays, left-to-right
//! square-and-multiply over the public exponent (17 multiplications for
//! e = 65537).

use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};

use super::der;
use super::hash::{HashAlg, MAX_HASH_LEN};

/// Largest modulus, in bytes (4096 bits).
pub(crate) const MAX_MODULUS_BYTES: usize = 512;
/// Smallest modulus, in bits.
pub(crate) const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus, in bits.
pub(crate) const MAX_MODULUS_BITS: usize = 4096;

/// A parsed `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
struct PublicKey<'a> {
    /// Big-endian modulus, no leading zero byte.
    n: &'a [u8],
    e: u64,
}

impl<'a> PublicKey<'a> {
    fn parse(der_bytes: &'a [u8]) -> Option<Self> {
        let mut outer = der::Reader::new(der_bytes);
        let seq = outer.expect(der::SEQUENCE)?;
        if !outer.is_empty() {
            return None;
        }
        let mut r = der::Reader::new(seq.value);
        let n = der::positive_integer(r.expect(der::INTEGER)?.value)?;
        let e_bytes = der::positive_integer(r.expect(der::INTEGER)?.value)?;
        if !r.is_empty() {
            return None;
        }
        let bits = modulus_bits(n)?;
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return None;
        }
        if n.last()? & 1 == 0 {
            return None;
        }
        // 3 <= e < 2^33, odd (the same bounds as ring/BoringSSL).
        if e_bytes.len() > 5 {
            return None;
        }
        let mut e = 0u64;
        for b in e_bytes {
            e = (e << 8) | u64::from(*b);
        }
        if e < 3 || e & 1 == 0 || e >= (1 << 33) {
            return None;
        }
        Some(PublicKey { n, e })
    }
}

/// Bit length of a big-endian integer without leading zero bytes.
fn modulus_bits(n: &[u8]) -> Option<usize> {
    let first = *n.first()?;
    if first == 0 {
        return None;
    }
    Some(n.len() * 8 - first.leading_zeros() as usize)
}

/// `sig^e mod n` as a `k`-byte big-endian string in `out[..k]` (k = len(n)).
fn public_op<'o>(
    key: &PublicKey<'_>,
    sig: &[u8],
    out: &'o mut [u8; MAX_MODULUS_BYTES],
) -> Option<&'o [u8]> {
    let k = key.n.len();
    if sig.len() != k {
        return None;
    }
    super::modexp::rsa_public(key.n, key.e, sig, out)?;
    out.get(..k)
}

fn digest_info_prefix(h: HashAlg) -> &'static [u8] {
    match h {
        HashAlg::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        HashAlg::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlg::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

/// RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2): rebuild EM' and compare.
pub(crate) fn verify_pkcs1(
    hash: HashAlg,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<()> {
    let key = PublicKey::parse(public_key)?;
    let mut em_buf = [0u8; MAX_MODULUS_BYTES];
    let em = public_op(&key, signature, &mut em_buf)?;
    let mut h = [0u8; MAX_HASH_LEN];
    let hl = hash.digest(&[message], &mut h);
    let prefix = digest_info_prefix(hash);
    let k = em.len();
    let t_len = prefix.len() + hl;
    // 0x00 0x01 PS(>= 8 x 0xff) 0x00 T
    let ps_end = k.checked_sub(t_len + 1)?;
    if ps_end < 2 + 8 {
        return None;
    }
    let ok = em.first() == Some(&0)
        && em.get(1) == Some(&1)
        && em.get(2..ps_end)?.iter().all(|b| *b == 0xff)
        && em.get(ps_end) == Some(&0)
        && em.get(ps_end + 1..ps_end + 1 + prefix.len())? == prefix
        && em.get(k - hl..)? == h.get(..hl)?;
    ok.then_some(())
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with MGF1 over the same hash and a salt
/// as long as the hash (what TLS 1.3 `rsa_pss_rsae_*` and X.509 RSASSA-PSS
/// with the usual parameters require).
pub(crate) fn verify_pss(
    hash: HashAlg,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<()> {
    let key = PublicKey::parse(public_key)?;
    let mod_bits = modulus_bits(key.n)?;
    let mut em_buf = [0u8; MAX_MODULUS_BYTES];
    let em_full = public_op(&key, signature, &mut em_buf)?;
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    // If emLen < k the leading byte of I2OSP(m, k) must be zero.
    let em = match em_full.len() - em_len {
        0 => em_full,
        1 => {
            if em_full.first() != Some(&0) {
                return None;
            }
            em_full.get(1..)?
        }
        _ => return None,
    };

    let h_len = hash.len();
    let s_len = h_len;
    if em_len < h_len + s_len + 2 {
        return None;
    }
    if em.last() != Some(&0xbc) {
        return None;
    }
    let db_len = em_len - h_len - 1;
    let masked_db = em.get(..db_len)?;
    let h = em.get(db_len..db_len + h_len)?;
    let unused_bits = 8 * em_len - em_bits; // 0..=7
    let top_mask: u8 = 0xffu8.checked_shr(unused_bits as u32).unwrap_or(0);
    if masked_db.first()? & !top_mask != 0 {
        return None;
    }

    // DB = maskedDB xor MGF1(H, dbLen)
    let mut db = [0u8; MAX_MODULUS_BYTES];
    let db = db.get_mut(..db_len)?;
    db.copy_from_slice(masked_db);
    let mut counter: u32 = 0;
    let mut off = 0usize;
    while off < db_len {
        let mut block = [0u8; MAX_HASH_LEN];
        hash.digest(&[h, &counter.to_be_bytes()], &mut block);
        for (d, m) in db.iter_mut().skip(off).zip(block.iter().take(h_len)) {
            *d ^= *m;
        }
        off += h_len;
        counter += 1;
    }
    if let Some(first) = db.first_mut() {
        *first &= top_mask;
    }
    // DB = PS (zeros) || 0x01 || salt
    let ps_len = db_len - s_len - 1;
    if db.get(..ps_len)?.iter().any(|b| *b != 0) || db.get(ps_len) != Some(&0x01) {
        return None;
    }
    let salt = db.get(ps_len + 1..)?;

    let mut m_hash = [0u8; MAX_HASH_LEN];
    hash.digest(&[message], &mut m_hash);
    let mut h2 = [0u8; MAX_HASH_LEN];
    hash.digest(&[&[0u8; 8][..], m_hash.get(..h_len)?, salt], &mut h2);
    (h2.get(..h_len)? == h).then_some(())
}

/// Padding scheme of an [`RsaAlgorithm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Padding {
    Pkcs1,
    Pss,
}

/// An RSA signature algorithm for the chain and CertificateVerify.
pub struct RsaAlgorithm {
    padding: Padding,
    hash: HashAlg,
    signature_alg_id: AlgorithmIdentifier,
}

/// `RSA PKCS#1 SHA-256`, `RSA-PSS SHA-384`: names only (see
/// `EcdsaAlgorithm`'s `Debug`).
impl core::fmt::Debug for RsaAlgorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.padding {
            Padding::Pkcs1 => "RSA PKCS#1 ",
            Padding::Pss => "RSA-PSS ",
        })?;
        f.write_str(self.hash.name())
    }
}

impl SignatureVerificationAlgorithm for RsaAlgorithm {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let r = match self.padding {
            Padding::Pkcs1 => verify_pkcs1(self.hash, public_key, message, signature),
            Padding::Pss => verify_pss(self.hash, public_key, message, signature),
        };
        r.ok_or(InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

/// RSA PKCS#1 v1.5 with SHA-256, 2048..4096-bit keys.
pub static RSA_PKCS1_SHA256: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pkcs1,
    hash: HashAlg::Sha256,
    signature_alg_id: alg_id::RSA_PKCS1_SHA256,
};
/// RSA PKCS#1 v1.5 with SHA-384, 2048..4096-bit keys.
pub static RSA_PKCS1_SHA384: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pkcs1,
    hash: HashAlg::Sha384,
    signature_alg_id: alg_id::RSA_PKCS1_SHA384,
};
/// RSA PKCS#1 v1.5 with SHA-512, 2048..4096-bit keys.
pub static RSA_PKCS1_SHA512: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pkcs1,
    hash: HashAlg::Sha512,
    signature_alg_id: alg_id::RSA_PKCS1_SHA512,
};

// AlgorithmIdentifier contents without the (required but sometimes omitted)
// NULL parameters: some CAs encode sha*WithRSAEncryption this way.
/// RSA PKCS#1 v1.5 SHA-256, signature AlgorithmIdentifier without NULL parameters.
pub static RSA_PKCS1_SHA256_ABSENT_PARAMS: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pkcs1,
    hash: HashAlg::Sha256,
    signature_alg_id: AlgorithmIdentifier::from_slice(&[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
    ]),
};
/// RSA PKCS#1 v1.5 SHA-384, signature AlgorithmIdentifier without NULL parameters.
pub static RSA_PKCS1_SHA384_ABSENT_PARAMS: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pkcs1,
    hash: HashAlg::Sha384,
    signature_alg_id: AlgorithmIdentifier::from_slice(&[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
    ]),
};
/// RSA PKCS#1 v1.5 SHA-512, signature AlgorithmIdentifier without NULL parameters.
pub static RSA_PKCS1_SHA512_ABSENT_PARAMS: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pkcs1,
    hash: HashAlg::Sha512,
    signature_alg_id: AlgorithmIdentifier::from_slice(&[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
    ]),
};

/// RSA-PSS with SHA-256 (MGF1-SHA-256, 32-byte salt), rsaEncryption keys.
pub static RSA_PSS_SHA256: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pss,
    hash: HashAlg::Sha256,
    signature_alg_id: alg_id::RSA_PSS_SHA256,
};
/// RSA-PSS with SHA-384 (MGF1-SHA-384, 48-byte salt), rsaEncryption keys.
pub static RSA_PSS_SHA384: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pss,
    hash: HashAlg::Sha384,
    signature_alg_id: alg_id::RSA_PSS_SHA384,
};
/// RSA-PSS with SHA-512 (MGF1-SHA-512, 64-byte salt), rsaEncryption keys.
pub static RSA_PSS_SHA512: RsaAlgorithm = RsaAlgorithm {
    padding: Padding::Pss,
    hash: HashAlg::Sha512,
    signature_alg_id: alg_id::RSA_PSS_SHA512,
};
