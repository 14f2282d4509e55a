//! A session ticket for resumption (RFC 8446 §4.6.1, §2.2): kept in the
//! caller's memory, saved to and restored from a small versioned,
//! checksummed byte string (flash, RTC RAM), refused when damaged, for
//! another server, or expired.
//!
//! The saved bytes hold the resumption PSK: whoever reads them can resume
//! a session as this device (until the ticket expires, at most 7 days).
//! Keep them where the client key is kept.
//!
//! ```
//! use modemtls::tls::Ticket;
//! let t = Ticket::new();
//! assert!(!t.is_valid());
//! let mut saved = [0u8; Ticket::SERIALIZED_MAX];
//! // An empty ticket saves nothing.
//! assert!(t.save(&mut saved).is_err());
//! assert!(Ticket::restore(&[1, 2, 3]).is_err());
//! ```

use zeroize::Zeroize;

use super::hash::{HashAlg, Secret, MAX_HASH_LEN};
use super::suite::CipherSuite;

/// Largest ticket kept (OpenSSL, GnuTLS, rustls and nginx send 100-300 bytes).
pub const MAX_TICKET: usize = 512;
/// Longest lifetime a server may give a ticket (7 days, RFC 8446 §4.6.1).
pub const MAX_LIFETIME_S: u32 = 604_800;

const MAGIC: [u8; 2] = *b"MK";
const VERSION: u8 = 1;
const NAME_HASH_LEN: usize = 16;

/// Why a saved ticket was not restored (or not saved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketError {
    /// Not a saved ticket of this version, or damaged.
    Invalid,
    /// No ticket to save, or the output buffer is too small.
    Empty,
}

impl TicketError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        match self {
            TicketError::Invalid => "the saved session ticket is not valid (wrong version or damaged): do a full handshake",
            TicketError::Empty => "there is no session ticket to save (the server sent none) or the buffer is too small",
        }
    }
}

impl core::fmt::Display for TicketError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.cause())
    }
}

/// One resumption ticket and its PSK. Zeroized on drop and when replaced.
pub struct Ticket {
    pub(crate) suite: u16,
    pub(crate) name_hash: [u8; NAME_HASH_LEN],
    /// When it was received: milliseconds on the clock the caller passes
    /// the engine (Unix time when the port has one).
    pub(crate) received_ms: u64,
    pub(crate) lifetime_s: u32,
    pub(crate) age_add: u32,
    pub(crate) psk: [u8; MAX_HASH_LEN],
    pub(crate) psk_len: u8,
    pub(crate) ticket: heapless::Vec<u8, MAX_TICKET>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Default for Ticket {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Ticket({} bytes, suite {:#06x}, lifetime {} s)",
            self.ticket.len(),
            self.suite,
            self.lifetime_s
        )
    }
}

/// The hash identifying a server name in a ticket (case-insensitive),
/// bound to `context` (e.g. the trust anchors and the port: a ticket is
/// only offered again under the configuration that verified the server).
pub(crate) fn name_hash(name: &str, context: &[&[u8]]) -> [u8; NAME_HASH_LEN] {
    use crate::pki::hash::{HashAlg, Hasher, MAX_HASH_LEN};
    let mut lower = [0u8; 64];
    let mut h = Hasher::new(HashAlg::Sha256);
    for chunk in name.as_bytes().chunks(64) {
        let n = chunk.len();
        for (d, s) in lower.iter_mut().zip(chunk) {
            *d = s.to_ascii_lowercase();
        }
        h.update(lower.get(..n).unwrap_or(&[]));
    }
    h.update(&[0u8]);
    for part in context {
        h.update(part);
    }
    let mut full = [0u8; MAX_HASH_LEN];
    h.finish(&mut full);
    let mut out = [0u8; NAME_HASH_LEN];
    out.copy_from_slice(full.get(..NAME_HASH_LEN).unwrap_or(&[0; NAME_HASH_LEN]));
    out
}

impl Ticket {
    /// Bytes [`Ticket::save`] writes at most.
    pub const SERIALIZED_MAX: usize =
        3 + 2 + NAME_HASH_LEN + 8 + 4 + 4 + 1 + MAX_HASH_LEN + 2 + MAX_TICKET + 4;

    /// No ticket.
    pub const fn new() -> Self {
        Ticket {
            suite: 0,
            name_hash: [0; NAME_HASH_LEN],
            received_ms: 0,
            lifetime_s: 0,
            age_add: 0,
            psk: [0; MAX_HASH_LEN],
            psk_len: 0,
            ticket: heapless::Vec::new(),
        }
    }

    /// Whether a ticket is held.
    pub fn is_valid(&self) -> bool {
        !self.ticket.is_empty() && self.psk_len > 0
    }

    /// Forget the ticket (its PSK is zeroized).
    pub fn clear(&mut self) {
        self.psk.zeroize();
        self.psk_len = 0;
        self.ticket.clear();
        self.suite = 0;
        self.lifetime_s = 0;
    }

    /// The cipher suite the ticket was issued under (IANA code; 0 when none).
    pub fn suite(&self) -> u16 {
        self.suite
    }

    /// Its hash.
    pub(crate) fn hash(&self) -> Option<HashAlg> {
        CipherSuite::from_code(self.suite).map(|s| s.hash())
    }

    /// The PSK.
    pub(crate) fn psk(&self) -> Secret {
        Secret::from_slice(self.psk.get(..usize::from(self.psk_len)).unwrap_or(&[]))
    }

    /// The ticket's age in milliseconds at `now_ms`, if it can be used
    /// for the server identified by `identity` ([`name_hash`]) then.
    pub(crate) fn usable(&self, identity: &[u8; NAME_HASH_LEN], now_ms: u64) -> Option<u64> {
        if !self.is_valid() || self.name_hash != *identity {
            return None;
        }
        let age = now_ms.checked_sub(self.received_ms)?;
        (age < u64::from(self.lifetime_s) * 1000).then_some(age)
    }

    /// Replace with a new ticket from the server.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store(
        &mut self,
        suite: u16,
        name_hash: [u8; NAME_HASH_LEN],
        now_ms: u64,
        lifetime_s: u32,
        age_add: u32,
        psk: &Secret,
        ticket: &[u8],
    ) -> bool {
        self.clear();
        if lifetime_s == 0 || self.ticket.extend_from_slice(ticket).is_err() {
            self.ticket.clear();
            return false;
        }
        let p = psk.as_bytes();
        if let Some(d) = self.psk.get_mut(..p.len()) {
            d.copy_from_slice(p);
            self.psk_len = p.len() as u8;
        }
        self.suite = suite;
        self.name_hash = name_hash;
        self.received_ms = now_ms;
        self.lifetime_s = lifetime_s.min(MAX_LIFETIME_S);
        self.age_add = age_add;
        true
    }

    /// Write the ticket to `out`; returns the length used.
    pub fn save(&self, out: &mut [u8]) -> Result<usize, TicketError> {
        if !self.is_valid() {
            return Err(TicketError::Empty);
        }
        let mut w = super::codec::Writer::new(out);
        let e = |_| TicketError::Empty;
        w.put(&MAGIC).map_err(e)?;
        w.u8(VERSION).map_err(e)?;
        w.u16(self.suite).map_err(e)?;
        w.put(&self.name_hash).map_err(e)?;
        w.put(&self.received_ms.to_be_bytes()).map_err(e)?;
        w.put(&self.lifetime_s.to_be_bytes()).map_err(e)?;
        w.put(&self.age_add.to_be_bytes()).map_err(e)?;
        w.u8(self.psk_len).map_err(e)?;
        w.put(self.psk.get(..usize::from(self.psk_len)).unwrap_or(&[]))
            .map_err(e)?;
        w.u16(self.ticket.len() as u16).map_err(e)?;
        w.put(&self.ticket).map_err(e)?;
        let sum = checksum(w.written());
        w.put(&sum).map_err(e)?;
        Ok(w.len())
    }

    /// A ticket from what [`Ticket::save`] wrote; refused when damaged.
    /// Expiry is checked when the ticket is offered.
    pub fn restore(bytes: &[u8]) -> Result<Self, TicketError> {
        let bad = |_| TicketError::Invalid;
        let body_len = bytes.len().checked_sub(4).ok_or(TicketError::Invalid)?;
        let (body, sum) = bytes.split_at(body_len);
        if checksum(body) != sum {
            return Err(TicketError::Invalid);
        }
        let mut r = super::codec::Reader::new(body);
        if r.take(2).map_err(bad)? != MAGIC || r.u8().map_err(bad)? != VERSION {
            return Err(TicketError::Invalid);
        }
        let mut t = Ticket::new();
        t.suite = r.u16().map_err(bad)?;
        t.name_hash
            .copy_from_slice(r.take(NAME_HASH_LEN).map_err(bad)?);
        let mut ms = [0u8; 8];
        ms.copy_from_slice(r.take(8).map_err(bad)?);
        t.received_ms = u64::from_be_bytes(ms);
        t.lifetime_s = r.u32().map_err(bad)?;
        t.age_add = r.u32().map_err(bad)?;
        let psk = r.vec8().map_err(bad)?;
        let ticket = r.vec16().map_err(bad)?;
        let expected = CipherSuite::from_code(t.suite).map(|s| s.hash().len());
        if !r.is_empty()
            || expected != Some(psk.len())
            || ticket.is_empty()
            || t.lifetime_s > MAX_LIFETIME_S
            || t.ticket.extend_from_slice(ticket).is_err()
        {
            return Err(TicketError::Invalid);
        }
        if let Some(d) = t.psk.get_mut(..psk.len()) {
            d.copy_from_slice(psk);
        }
        t.psk_len = psk.len() as u8;
        Ok(t)
    }
}

fn checksum(bytes: &[u8]) -> [u8; 4] {
    let h = HashAlg::Sha256.hash(&[bytes]);
    let mut out = [0u8; 4];
    out.copy_from_slice(h.as_bytes().get(..4).unwrap_or(&[0; 4]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_restore_and_refuse_damage() {
        let mut t = Ticket::new();
        let psk = Secret::from_slice(&[7; 32]);
        assert!(t.store(
            0x1301,
            name_hash("Example.com", &[b"ca"]),
            1_000,
            7200,
            5,
            &psk,
            &[1, 2, 3]
        ));
        assert_eq!(
            t.usable(&name_hash("example.COM", &[b"ca"]), 2_000),
            Some(1_000)
        );
        assert_eq!(t.usable(&name_hash("other.com", &[b"ca"]), 2_000), None);
        assert_eq!(
            t.usable(&name_hash("example.com", &[b"other ca"]), 2_000),
            None
        );
        assert_eq!(
            t.usable(&name_hash("example.com", &[b"ca"]), 1_000 + 7_200_000),
            None
        );
        assert_eq!(t.usable(&name_hash("example.com", &[b"ca"]), 999), None);
        let mut buf = [0u8; Ticket::SERIALIZED_MAX];
        let n = t.save(&mut buf).unwrap();
        let back = Ticket::restore(&buf[..n]).unwrap();
        assert_eq!(back.psk().as_bytes(), &[7; 32]);
        assert_eq!(&back.ticket[..], &[1, 2, 3]);
        for i in 0..n {
            let mut bad = buf;
            bad[i] ^= 0x10;
            assert!(Ticket::restore(&bad[..n]).is_err(), "byte {i}");
        }
        for cut in 0..n {
            assert!(Ticket::restore(&buf[..cut]).is_err());
        }
        assert!(!t.store(0x1301, name_hash("a", &[b""]), 0, 0, 0, &psk, &[1]));
        assert!(!t.is_valid());
    }
}
