//! SHA-2 selection for the signature algorithms.

use sha2::{Digest, Sha256, Sha384, Sha512};

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

    /// Hash of the concatenation of `parts`, written to the front of `out`;
    /// returns the digest length.
    pub fn digest(self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> usize {
        fn run<D: Digest>(parts: &[&[u8]], out: &mut [u8]) {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            let r = h.finalize();
            for (o, i) in out.iter_mut().zip(r.iter()) {
                *o = *i;
            }
        }
        match self {
            HashAlg::Sha256 => run::<Sha256>(parts, out),
            HashAlg::Sha384 => run::<Sha384>(parts, out),
            HashAlg::Sha512 => run::<Sha512>(parts, out),
        }
        self.len()
    }
}
