//! The TEST-ONLY random generator of the host TLS scenarios: SHA-256 in
//! counter mode over the runner's seed, `block_i = SHA-256(seed || i)`.
//!
//! # NOT A DEVICE ENTROPY SOURCE
//!
//! QEMU's MPS2 machines have no hardware RNG. The seed is 32 bytes the
//! **runner** draws from the host's `/dev/urandom` and writes to
//! `params.txt` (`seed=`): anyone who reads that file can recompute every
//! session key. A real device seeds from its TRNG (or the modem's) and
//! never from a file or a constant. With no `seed=` line the firmware
//! refuses to start host TLS; there is no fallback.
//!
//! Why SHA-256 and not ChaCha20 (what this port used before): the library
//! already links SHA-256 for TLS, so this generator adds a few hundred
//! bytes where `rand_chacha` added 2.7 KB, which the footprint figures
//! would have counted as the library's (a real port's RNG is a TRNG
//! register read). Its output is as unpredictable as SHA-256 is a PRF,
//! which is all a test needs.

use rand_core::{impls, CryptoRng, RngCore};
use sha2::{Digest, Sha256};

/// SHA-256 counter-mode generator over a 32-byte seed (TEST-ONLY).
pub struct TestRng {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl TestRng {
    /// A generator over `seed` (from `params.txt`).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        TestRng {
            seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_le_bytes());
        self.block = h.finalize().into();
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            if self.used >= self.block.len() {
                self.refill();
            }
            *b = self.block.get(self.used).copied().unwrap_or(0);
            self.used += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for TestRng {}
