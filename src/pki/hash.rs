//! SHA-2 for the whole host path: the signature algorithms, the TLS key
//! schedule (through `tls::hash`) and HMAC, written here once over sha2.

use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::Zeroize;

/// Largest digest (SHA-512).
pub(crate) const MAX_HASH_LEN: usize = 64;

/// The SHA-2 functions the signature algorithms use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    /// Output length in bytes.
    pub fn len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// The name, for `Debug` of the algorithms (plain text, so no
    /// `core::fmt` builder is linked for it).
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    /// The block length (HMAC's pad length).
    fn block_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 64,
            HashAlg::Sha384 | HashAlg::Sha512 => 128,
        }
    }

    /// Hash of the concatenation of `parts`, written to the front of `out`;
    /// returns the digest length.
    pub fn digest(self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> usize {
        let mut h = Hasher::new(self);
        parts.iter().for_each(|p| h.update(p));
        h.finish(out)
    }

    /// HMAC (RFC 2104) of the concatenation of `parts` under `key`, written
    /// to the front of `out`; returns its length. The padded keys and the
    /// inner hash are zeroized before returning.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> usize {
        let block = self.block_len();
        let mut k = [0u8; 128];
        if key.len() > block {
            let mut h = [0u8; MAX_HASH_LEN];
            let n = self.digest(&[key], &mut h);
            k.iter_mut()
                .zip(h.iter().take(n))
                .for_each(|(d, s)| *d = *s);
            h.zeroize();
        } else {
            k.iter_mut().zip(key).for_each(|(d, s)| *d = *s);
        }
        let mut pad = [0u8; 128];
        let mut inner_hash = [0u8; MAX_HASH_LEN];
        pad.iter_mut().zip(&k).for_each(|(p, x)| *p = x ^ 0x36);
        let mut inner = Hasher::new(self);
        inner.update(pad.get(..block).unwrap_or(&[]));
        parts.iter().for_each(|p| inner.update(p));
        let n = inner.finish(&mut inner_hash);
        pad.iter_mut().zip(&k).for_each(|(p, x)| *p = x ^ 0x5c);
        let mut outer = Hasher::new(self);
        outer.update(pad.get(..block).unwrap_or(&[]));
        outer.update(inner_hash.get(..n).unwrap_or(&[]));
        let n = outer.finish(out);
        k.zeroize();
        pad.zeroize();
        inner_hash.zeroize();
        n
    }
}

/// A running SHA-2 hash: the one dispatcher over sha2's three functions
/// for the verifier, the TLS key schedule and HMAC.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    /// A new hash of `alg`.
    pub fn new(alg: HashAlg) -> Self {
        match alg {
            HashAlg::Sha256 => Hasher::Sha256(Sha256::new()),
            HashAlg::Sha384 => Hasher::Sha384(Sha384::new()),
            HashAlg::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// Add bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha384(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest, written to the front of `out`; its length.
    pub fn finish(self, out: &mut [u8; MAX_HASH_LEN]) -> usize {
        fn put(out: &mut [u8], r: &[u8]) -> usize {
            out.iter_mut().zip(r).for_each(|(o, i)| *o = *i);
            r.len()
        }
        match self {
            Hasher::Sha256(h) => put(out, &h.finalize()),
            Hasher::Sha384(h) => put(out, &h.finalize()),
            Hasher::Sha512(h) => put(out, &h.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (a key shorter than the block) and 6 (a key
    /// longer than the block) for each hash.
    #[test]
    fn hmac_matches_rfc4231() {
        fn hex(s: &str) -> std::vec::Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        }
        let cases: [(&[u8], &[u8], HashAlg, &str); 4] = [
            (
                b"Jefe",
                b"what do ya want for nothing?",
                HashAlg::Sha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                HashAlg::Sha384,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                HashAlg::Sha256,
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                HashAlg::Sha512,
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ),
        ];
        for (key, msg, alg, want) in cases {
            let mut out = [0u8; MAX_HASH_LEN];
            // The message in two parts: the parts are hashed as one.
            let (a, b) = msg.split_at(5);
            let n = alg.hmac(key, &[a, b], &mut out);
            assert_eq!(&out[..n], &hex(want)[..], "{alg:?}");
        }
    }
}
