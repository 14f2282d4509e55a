//! The Auto decision cache: which hosts go straight to the host path.
//!
//! When Auto falls back from the modem's TLS to host TLS for a capability
//! cause, it remembers the host (and port) here, so the next session, also
//! after a reboot if the firmware saved the cache, skips the doomed
//! offloaded attempt. Entries are a 32-bit FNV-1a hash of the lower-cased
//! host name plus the port: a collision only sends a host to the host path,
//! which verifies the server as strictly as the modem would.
//!
//! The cache serializes to a small, versioned, checksummed byte string for
//! flash or RTC memory:
//!
//! ```
//! use modemtls::auto::PathCache;
//! use modemtls::error::TlsFailure;
//! use modemtls::session::PathReason;
//! let mut cache: PathCache<4> = PathCache::new();
//! cache.remember("api.example.com", 443, PathReason::Fallback(TlsFailure::ProtocolVersion));
//! let mut saved = [0u8; PathCache::<4>::SERIALIZED_MAX];
//! let n = cache.save(&mut saved).unwrap();
//! let restored: PathCache<4> = PathCache::restore(&saved[..n]).unwrap();
//! assert_eq!(restored.lookup("API.example.com", 443).map(|e| e.reason),
//!            Some(PathReason::Fallback(TlsFailure::ProtocolVersion)));
//! ```

use crate::session::PathReason;

/// One remembered decision: this host goes to the host path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// FNV-1a 32 of the lower-cased host name.
    pub host_hash: u32,
    /// Server port.
    pub port: u16,
    /// Why the host path was chosen the first time.
    pub reason: PathReason,
}

/// Why a saved cache could not be restored (or saved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheError {
    /// The bytes are not a saved cache of this version (or are corrupted).
    Invalid,
    /// More entries than this cache holds, or the output buffer is too small.
    Capacity,
}

impl CacheError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        match self {
            CacheError::Invalid => "the saved decision cache is not valid (wrong version or corrupted); start with an empty cache",
            CacheError::Capacity => "the decision cache does not fit: raise its capacity or the buffer size",
        }
    }
}

impl core::fmt::Display for CacheError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.cause())
    }
}

impl core::error::Error for CacheError {}

const MAGIC: [u8; 2] = *b"MT";
const VERSION: u8 = 1;
const ENTRY_LEN: usize = 7;

/// FNV-1a 32 of `host`, ASCII case-folded.
pub fn host_hash(host: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in host.bytes() {
        h ^= u32::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Up to `N` remembered host-path decisions (oldest evicted first).
#[derive(Clone, Debug, Default)]
pub struct PathCache<const N: usize = 8> {
    entries: heapless::Vec<CacheEntry, N>,
}

impl<const N: usize> PathCache<N> {
    /// Largest [`save`](Self::save) output: header, entries, checksum.
    pub const SERIALIZED_MAX: usize = 4 + N * ENTRY_LEN + 1;

    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            entries: heapless::Vec::new(),
        }
    }

    /// The decision for `host:port`, if one is remembered.
    pub fn lookup(&self, host: &str, port: u16) -> Option<CacheEntry> {
        let h = host_hash(host);
        self.entries
            .iter()
            .find(|e| e.host_hash == h && e.port == port)
            .copied()
    }

    /// Remember that `host:port` goes to the host path because of `reason`.
    pub fn remember(&mut self, host: &str, port: u16, reason: PathReason) {
        self.forget(host, port);
        let e = CacheEntry {
            host_hash: host_hash(host),
            port,
            reason,
        };
        if self.entries.is_full() && !self.entries.is_empty() {
            self.entries.remove(0);
        }
        let _ = self.entries.push(e);
    }

    /// Forget `host:port` (e.g. after a modem firmware update).
    pub fn forget(&mut self, host: &str, port: u16) {
        let h = host_hash(host);
        self.entries
            .retain(|e| !(e.host_hash == h && e.port == port));
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The remembered decisions, oldest first.
    pub fn entries(&self) -> &[CacheEntry] {
        &self.entries
    }

    /// Write the cache to `out`; returns the bytes used (at most
    /// [`SERIALIZED_MAX`](Self::SERIALIZED_MAX)).
    pub fn save(&self, out: &mut [u8]) -> Result<usize, CacheError> {
        let len = 4 + self.entries.len() * ENTRY_LEN + 1;
        let out = out.get_mut(..len).ok_or(CacheError::Capacity)?;
        let count = u8::try_from(self.entries.len()).map_err(|_| CacheError::Capacity)?;
        let mut w = 0usize;
        let mut put = |bytes: &[u8]| {
            for &b in bytes {
                if let Some(slot) = out.get_mut(w) {
                    *slot = b;
                }
                w += 1;
            }
        };
        put(&MAGIC);
        put(&[VERSION, count]);
        for e in &self.entries {
            put(&e.host_hash.to_le_bytes());
            put(&e.port.to_le_bytes());
            put(&[e.reason.number()]);
        }
        let sum = checksum(out.get(..len - 1).unwrap_or(&[]));
        if let Some(last) = out.last_mut() {
            *last = sum;
        }
        Ok(len)
    }

    /// A cache from bytes written by [`save`](Self::save).
    pub fn restore(bytes: &[u8]) -> Result<Self, CacheError> {
        let (body, sum) = match bytes.split_last() {
            Some((s, b)) => (b, *s),
            None => return Err(CacheError::Invalid),
        };
        if checksum(body) != sum || body.get(..2) != Some(&MAGIC[..]) {
            return Err(CacheError::Invalid);
        }
        if body.get(2) != Some(&VERSION) {
            return Err(CacheError::Invalid);
        }
        let count = usize::from(*body.get(3).ok_or(CacheError::Invalid)?);
        let records = body.get(4..).ok_or(CacheError::Invalid)?;
        if records.len() != count * ENTRY_LEN {
            return Err(CacheError::Invalid);
        }
        let mut cache = Self::new();
        for r in records.chunks_exact(ENTRY_LEN) {
            let [a, b, c, d, p0, p1, reason] =
                <[u8; ENTRY_LEN]>::try_from(r).map_err(|_| CacheError::Invalid)?;
            let reason = PathReason::from_number(reason).ok_or(CacheError::Invalid)?;
            let e = CacheEntry {
                host_hash: u32::from_le_bytes([a, b, c, d]),
                port: u16::from_le_bytes([p0, p1]),
                reason,
            };
            cache.entries.push(e).map_err(|_| CacheError::Capacity)?;
        }
        Ok(cache)
    }
}

/// CRC-8 (polynomial 0x07): detects every single-bit and burst error of
/// up to 8 bits in the saved bytes.
fn checksum(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &x in bytes {
        crc ^= x;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TlsFailure;

    #[test]
    fn remember_lookup_evict() {
        let mut c: PathCache<2> = PathCache::new();
        c.remember(
            "a.test",
            443,
            PathReason::Fallback(TlsFailure::NoCommonCipher),
        );
        c.remember("b.test", 443, PathReason::Fallback(TlsFailure::SniRequired));
        assert!(c.lookup("A.TEST", 443).is_some());
        assert!(c.lookup("a.test", 8443).is_none());
        c.remember("c.test", 443, PathReason::FallbackCredential);
        assert!(c.lookup("a.test", 443).is_none(), "oldest evicted");
        assert_eq!(c.entries().len(), 2);
        c.forget("b.test", 443);
        assert_eq!(c.entries().len(), 1);
    }

    #[test]
    fn save_restore_and_reject_damage() {
        let mut c: PathCache<3> = PathCache::new();
        c.remember(
            "x.test",
            1,
            PathReason::Fallback(TlsFailure::ProtocolVersion),
        );
        c.remember(
            "y.test",
            2,
            PathReason::Fallback(TlsFailure::HandshakeFailed),
        );
        let mut buf = [0u8; PathCache::<3>::SERIALIZED_MAX];
        let n = c.save(&mut buf).unwrap();
        assert_eq!(n, 4 + 2 * 7 + 1);
        let r: PathCache<3> = PathCache::restore(&buf[..n]).unwrap();
        assert_eq!(r.entries(), c.entries());
        // Every single-byte change and every truncation is refused.
        for i in 0..n {
            let mut bad = buf;
            bad[i] ^= 0x01;
            assert!(PathCache::<3>::restore(&bad[..n]).is_err(), "byte {i}");
            assert!(PathCache::<3>::restore(&buf[..i]).is_err(), "cut {i}");
        }
        // Too many entries for a smaller cache.
        assert_eq!(
            PathCache::<1>::restore(&buf[..n]).unwrap_err(),
            CacheError::Capacity
        );
        let mut small = [0u8; 4];
        assert_eq!(c.save(&mut small), Err(CacheError::Capacity));
    }

    #[test]
    fn restore_never_panics_on_noise() {
        let mut x: u32 = 12345;
        for len in 0..64 {
            let mut b = [0u8; 64];
            for v in b.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *v = x as u8;
            }
            b[0] = b'M';
            b[1] = b'T';
            b[2] = 1;
            let _ = PathCache::<8>::restore(&b[..len]);
        }
    }
}
