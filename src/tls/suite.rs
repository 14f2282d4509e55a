//! The cipher suites of the engine and their record protection
//! (RFC 8446 §5.2, §5.3): AES-128-GCM and AES-256-GCM always,
//! ChaCha20-Poly1305 with the `tls-chacha20` feature.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use zeroize::Zeroize;

use super::hash::{HashAlg, Secret};

/// A TLS 1.3 cipher suite this build can negotiate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherSuite {
    /// TLS_AES_128_GCM_SHA256 (0x1301).
    Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384 (0x1302).
    Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303).
    #[cfg(feature = "tls-chacha20")]
    Chacha20Poly1305Sha256,
}

/// Every suite compiled in, in the order the ClientHello offers them.
pub const ALL_SUITES: &[CipherSuite] = &[
    CipherSuite::Aes128GcmSha256,
    CipherSuite::Aes256GcmSha384,
    #[cfg(feature = "tls-chacha20")]
    CipherSuite::Chacha20Poly1305Sha256,
];

impl CipherSuite {
    /// The IANA code point.
    pub const fn code(self) -> u16 {
        match self {
            CipherSuite::Aes128GcmSha256 => 0x1301,
            CipherSuite::Aes256GcmSha384 => 0x1302,
            #[cfg(feature = "tls-chacha20")]
            CipherSuite::Chacha20Poly1305Sha256 => 0x1303,
        }
    }

    /// The suite with code point `code`, when compiled in.
    pub fn from_code(code: u16) -> Option<Self> {
        ALL_SUITES.iter().copied().find(|s| s.code() == code)
    }

    /// The suite's hash.
    pub const fn hash(self) -> HashAlg {
        match self {
            CipherSuite::Aes256GcmSha384 => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }

    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            CipherSuite::Aes128GcmSha256 => 16,
            _ => 32,
        }
    }
}

/// Length of every suite's AEAD tag.
pub const TAG_LEN: usize = 16;
/// Length of every suite's nonce.
pub const IV_LEN: usize = 12;
/// Record header length.
pub const HEADER_LEN: usize = 5;

/// The record integrity check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadMac;

/// One direction's record protection: key, IV and sequence number.
/// Zeroized on drop.
pub struct RecordKey {
    suite: CipherSuite,
    key: [u8; 32],
    iv: [u8; IV_LEN],
    seq: u64,
}

impl Drop for RecordKey {
    fn drop(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
    }
}

impl RecordKey {
    /// The key and IV of `traffic_secret` (RFC 8446 §7.3).
    pub fn new(suite: CipherSuite, traffic_secret: &Secret) -> Self {
        let alg = suite.hash();
        let mut key = [0u8; 32];
        let mut iv = [0u8; IV_LEN];
        let n = suite.key_len();
        alg.expand_label(
            traffic_secret,
            b"key",
            &[],
            key.get_mut(..n).unwrap_or(&mut []),
        );
        alg.expand_label(traffic_secret, b"iv", &[], &mut iv);
        RecordKey {
            suite,
            key,
            iv,
            seq: 0,
        }
    }

    /// The next record's nonce; `None` once the sequence number would wrap.
    fn nonce(&mut self) -> Option<[u8; IV_LEN]> {
        let seq = self.seq;
        self.seq = seq.checked_add(1)?;
        let mut n = self.iv;
        for (b, s) in n.iter_mut().skip(IV_LEN - 8).zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        Some(n)
    }

    /// Records protected with this key so far.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    /// Encrypt `inner` (the inner plaintext: content, content type, padding)
    /// in place; `header` is the record header (the additional data).
    /// Returns the tag to append.
    pub fn seal(
        &mut self,
        header: &[u8; HEADER_LEN],
        inner: &mut [u8],
    ) -> Result<[u8; TAG_LEN], BadMac> {
        let nonce = self.nonce().ok_or(BadMac)?;
        let key = self.key.get(..self.suite.key_len()).unwrap_or(&[]);
        let tag = match self.suite {
            CipherSuite::Aes128GcmSha256 => aes_gcm::Aes128Gcm::new_from_slice(key)
                .map_err(|_| BadMac)?
                .encrypt_in_place_detached(&nonce.into(), header, inner),
            CipherSuite::Aes256GcmSha384 => aes_gcm::Aes256Gcm::new_from_slice(key)
                .map_err(|_| BadMac)?
                .encrypt_in_place_detached(&nonce.into(), header, inner),
            #[cfg(feature = "tls-chacha20")]
            CipherSuite::Chacha20Poly1305Sha256 => {
                chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                    .map_err(|_| BadMac)?
                    .encrypt_in_place_detached(&nonce.into(), header, inner)
            }
        }
        .map_err(|_| BadMac)?;
        Ok(tag.into())
    }

    /// Decrypt `body` (ciphertext then tag) in place after checking its
    /// tag; `header` is the record header. Returns the inner plaintext's
    /// length (at the start of `body`).
    pub fn open(&mut self, header: &[u8; HEADER_LEN], body: &mut [u8]) -> Result<usize, BadMac> {
        let n = body.len().checked_sub(TAG_LEN).ok_or(BadMac)?;
        let nonce = self.nonce().ok_or(BadMac)?;
        let (ct, tag) = body.split_at_mut(n);
        let tag: &[u8] = tag;
        let key = self.key.get(..self.suite.key_len()).unwrap_or(&[]);
        match self.suite {
            CipherSuite::Aes128GcmSha256 => aes_gcm::Aes128Gcm::new_from_slice(key)
                .map_err(|_| BadMac)?
                .decrypt_in_place_detached(&nonce.into(), header, ct, tag.into()),
            CipherSuite::Aes256GcmSha384 => aes_gcm::Aes256Gcm::new_from_slice(key)
                .map_err(|_| BadMac)?
                .decrypt_in_place_detached(&nonce.into(), header, ct, tag.into()),
            #[cfg(feature = "tls-chacha20")]
            CipherSuite::Chacha20Poly1305Sha256 => {
                chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                    .map_err(|_| BadMac)?
                    .decrypt_in_place_detached(&nonce.into(), header, ct, tag.into())
            }
        }
        .map_err(|_| BadMac)?;
        Ok(n)
    }
}
