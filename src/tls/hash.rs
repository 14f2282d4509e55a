//! The key schedule's primitives (RFC 8446 §7.1) over SHA-256 or SHA-384:
//! HKDF-Extract, HKDF-Expand-Label, Derive-Secret, HMAC, and the running
//! transcript hash. Secrets are fixed-size arrays zeroized on drop.

use crate::pki::hash::{HashAlg as Sha2, Hasher, MAX_HASH_LEN as SHA2_MAX};
use zeroize::Zeroize;

/// Longest hash output (SHA-384).
pub const MAX_HASH_LEN: usize = 48;

/// A hash output or a secret of the key schedule, `len` bytes of `bytes`.
/// Zeroized on drop.
#[derive(Clone)]
pub struct Secret {
    bytes: [u8; MAX_HASH_LEN],
    len: u8,
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

impl Secret {
    /// `len` zero bytes (at most [`MAX_HASH_LEN`]).
    pub fn zero(len: usize) -> Self {
        Secret {
            bytes: [0; MAX_HASH_LEN],
            len: len.min(MAX_HASH_LEN) as u8,
        }
    }

    /// A copy of `bytes` (at most [`MAX_HASH_LEN`] of them).
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut s = Secret::zero(bytes.len());
        let n = usize::from(s.len);
        if let (Some(d), Some(b)) = (s.bytes.get_mut(..n), bytes.get(..n)) {
            d.copy_from_slice(b);
        }
        s
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    fn as_mut(&mut self) -> &mut [u8] {
        self.bytes
            .get_mut(..usize::from(self.len))
            .unwrap_or(&mut [])
    }

    /// Constant-time comparison.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        let a = self.as_bytes();
        if a.len() != other.len() {
            return false;
        }
        a.iter().zip(other).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The hash of a cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

#[allow(clippy::len_without_is_empty)] // a hash is never empty
impl HashAlg {
    /// Output length.
    pub const fn len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }

    /// The same function in the one SHA-2 dispatcher (`pki::hash`).
    fn sha2(self) -> Sha2 {
        match self {
            HashAlg::Sha256 => Sha2::Sha256,
            HashAlg::Sha384 => Sha2::Sha384,
        }
    }

    /// The hash of the parts of a message, in order.
    pub fn hash(self, parts: &[&[u8]]) -> Secret {
        let mut buf = [0u8; SHA2_MAX];
        let n = self.sha2().digest(parts, &mut buf);
        let out = Secret::from_slice(buf.get(..n).unwrap_or(&[]));
        buf.zeroize();
        out
    }

    /// HMAC of the parts of a message under `key`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Secret {
        let mut buf = [0u8; SHA2_MAX];
        let n = self.sha2().hmac(key, parts, &mut buf);
        let out = Secret::from_slice(buf.get(..n).unwrap_or(&[]));
        buf.zeroize();
        out
    }

    /// HKDF-Extract(salt, ikm).
    pub fn extract(self, salt: &[u8], ikm: &[u8]) -> Secret {
        // HKDF-Extract is HMAC(salt, ikm) (RFC 5869 §2.2).
        self.hmac(salt, &[ikm])
    }

    /// HKDF-Expand-Label(secret, label, context, out.len()) (RFC 8446 §7.1).
    /// `out` is at most 255 * hash length (always far less here).
    pub fn expand_label(self, secret: &Secret, label: &[u8], context: &[u8], out: &mut [u8]) {
        let len = (out.len() as u16).to_be_bytes();
        let label_len = [(6 + label.len()) as u8];
        let ctx_len = [context.len() as u8];
        let info: [&[u8]; 6] = [&len, &label_len, b"tls13 ", label, &ctx_len, context];
        // HKDF-Expand (RFC 5869 §2.3), written out: T(i) = HMAC(PRK,
        // T(i-1) | info | i), so no hkdf crate and no panic on lengths.
        let mut prev = Secret::zero(0);
        let mut counter = 1u8;
        for chunk in out.chunks_mut(self.len()) {
            let mut parts: [&[u8]; 8] = [prev.as_bytes(), &[], &[], &[], &[], &[], &[], &[]];
            for (slot, p) in parts.iter_mut().skip(1).zip(info) {
                *slot = p;
            }
            let c = [counter];
            parts[7] = &c;
            let t = self.hmac(secret.as_bytes(), &parts);
            let n = chunk.len();
            chunk.copy_from_slice(t.as_bytes().get(..n).unwrap_or(&[]));
            prev = t;
            counter = counter.wrapping_add(1);
        }
    }

    /// Derive-Secret(secret, label, transcript hash) (RFC 8446 §7.1).
    pub fn derive(self, secret: &Secret, label: &[u8], transcript_hash: &Secret) -> Secret {
        let mut out = Secret::zero(self.len());
        self.expand_label(secret, label, transcript_hash.as_bytes(), out.as_mut());
        out
    }

    /// HKDF-Expand-Label(secret, label, context, hash length).
    pub fn expand_secret(self, secret: &Secret, label: &[u8], context: &[u8]) -> Secret {
        let mut out = Secret::zero(self.len());
        self.expand_label(secret, label, context, out.as_mut());
        out
    }

    /// Hash of the empty string.
    pub fn empty_hash(self) -> Secret {
        self.hash(&[])
    }
}

/// The running hash of the handshake messages. Before ServerHello names
/// the suite both hashes run; afterwards only the suite's. (Over the one
/// SHA-2 dispatcher of the verifier and HMAC, so no second copy of the
/// hash functions' buffering is linked.)
#[derive(Clone)]
pub struct Transcript {
    sha256: Option<Hasher>,
    sha384: Option<Hasher>,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript {
            sha256: Some(Hasher::new(Sha2::Sha256)),
            sha384: Some(Hasher::new(Sha2::Sha384)),
        }
    }
}

impl Transcript {
    /// Add handshake message bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for h in [&mut self.sha256, &mut self.sha384].into_iter().flatten() {
            h.update(bytes);
        }
    }

    /// Keep only `alg`'s hash.
    pub fn select(&mut self, alg: HashAlg) {
        match alg {
            HashAlg::Sha256 => self.sha384 = None,
            HashAlg::Sha384 => self.sha256 = None,
        }
    }

    /// The hash so far, with `alg`.
    pub fn current(&self, alg: HashAlg) -> Secret {
        let running = match alg {
            HashAlg::Sha256 => &self.sha256,
            HashAlg::Sha384 => &self.sha384,
        };
        // A hash that was dropped is never asked for (the suite is fixed
        // once selected); an all-zero value would fail every check.
        let mut out = [0u8; SHA2_MAX];
        let n = running.clone().map_or(alg.len(), |h| h.finish(&mut out));
        Secret::from_slice(out.get(..n).unwrap_or(&[]))
    }

    /// After a HelloRetryRequest: the transcript restarts with the
    /// synthetic `message_hash` message holding the hash of ClientHello1
    /// (RFC 8446 §4.4.1).
    pub fn restart_after_retry(&mut self, alg: HashAlg) {
        let ch1 = self.current(alg);
        let mut t = Transcript::default();
        t.select(alg);
        t.update(&[254, 0, 0, alg.len() as u8]);
        t.update(ch1.as_bytes());
        *self = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869 test case 1 (SHA-256), through HKDF-Expand written here.
    #[test]
    fn hkdf_matches_rfc5869() {
        let ikm = [0x0bu8; 22];
        let salt: [u8; 13] = core::array::from_fn(|i| i as u8);
        let prk = HashAlg::Sha256.extract(&salt, &ikm);
        assert_eq!(
            prk.as_bytes(),
            &[
                0x07, 0x77, 0x09, 0x36, 0x2c, 0x2e, 0x32, 0xdf, 0x0d, 0xdc, 0x3f, 0x0d, 0xc4, 0x7b,
                0xba, 0x63, 0x90, 0xb6, 0xc7, 0x3b, 0xb5, 0x0f, 0x9c, 0x31, 0x22, 0xec, 0x84, 0x4a,
                0xd7, 0xc2, 0xb3, 0xe5
            ]
        );
    }
}
