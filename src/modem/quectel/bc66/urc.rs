//! What the BC66/BC660K URCs tell the driver, recorded as they arrive,
//! including the offloaded connection's data, which this family pushes in
//! `+QSSLURC: "recv"` lines (hex) instead of waiting to be read.

use crate::at::{Fields, UrcHandler};
use heapless::Deque;

/// Raw TCP sockets (connect IDs 0-4).
pub(crate) const SOCKETS: usize = 5;

/// Bytes of pushed TLS data the driver holds until the application reads
/// them: the firmware pushes up to 512 bytes a line without flow control,
/// so three lines' worth.
pub(crate) const SSL_RX: usize = 1_536;

/// URC-driven state. Socket flags are bit masks indexed by socket id.
#[derive(Debug)]
pub(crate) struct UrcState {
    /// Result of `+QIOPEN` per raw socket.
    pub open_result: [Option<i32>; SOCKETS],
    /// Data may be waiting (`"recv"` URC seen).
    pub readable: u8,
    /// The peer closed (`"closed"` URC).
    pub closed: u8,
    /// The modem's receive buffer filled and it dropped data (`"buff full"`).
    pub overflowed: u8,
    /// `"pdpdeact"`.
    pub pdp_lost: bool,
    /// `RDY`/`BROM` seen: the modem (re)booted.
    pub booted: bool,
    /// `+QSSLOPEN: 0,0,<err>`.
    pub ssl_open: Option<i32>,
    /// `+QSSLSEND: 0,0,<err>`.
    pub ssl_sent: Option<i32>,
    /// `+QSSLURC: "closed"`.
    pub ssl_closed: bool,
    /// Pushed TLS data, decoded.
    pub ssl_rx: Deque<u8, SSL_RX>,
    /// Pushed data was lost: the buffer was full.
    pub ssl_lost: bool,
    /// Pushed data arrived damaged (a byte that is not a hex digit).
    pub ssl_damaged: bool,
    /// The high nibble of a hex pair split across payload chunks.
    nibble: Option<u8>,
    /// The payload in progress is TLS data (not some other URC's).
    in_ssl_data: bool,
    /// Open results and stray replies seen (wrapping).
    pub noise: u16,
}

impl Default for UrcState {
    fn default() -> Self {
        Self {
            open_result: [None; SOCKETS],
            readable: 0,
            closed: 0,
            overflowed: 0,
            pdp_lost: false,
            booted: false,
            ssl_open: None,
            ssl_sent: None,
            ssl_closed: false,
            ssl_rx: Deque::new(),
            ssl_lost: false,
            ssl_damaged: false,
            nibble: None,
            in_ssl_data: false,
            noise: 0,
        }
    }
}

fn bit(id: u32) -> u8 {
    if (id as usize) < SOCKETS {
        1u8 << id
    } else {
        0
    }
}

/// The value of one hex digit.
pub(crate) fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl UrcState {
    pub fn is(&self, mask: u8, id: u8) -> bool {
        mask & bit(u32::from(id)) != 0
    }
    /// Forget everything about raw socket `id` (before opening it).
    pub fn clear_socket(&mut self, id: u8) {
        let b = bit(u32::from(id));
        self.readable &= !b;
        self.closed &= !b;
        self.overflowed &= !b;
        if let Some(r) = self.open_result.get_mut(usize::from(id)) {
            *r = None;
        }
    }
    /// Forget the offloaded connection (before opening one).
    pub fn clear_ssl(&mut self) {
        self.ssl_open = None;
        self.ssl_sent = None;
        self.ssl_closed = false;
        self.ssl_rx.clear();
        self.ssl_lost = false;
        self.ssl_damaged = false;
        self.nibble = None;
    }
}

impl UrcHandler for UrcState {
    fn urc(&mut self, line: &[u8]) {
        self.in_ssl_data = false;
        if line == b"RDY" || line.starts_with(b"BROM") {
            self.booted = true;
            return;
        }
        if let Some(mut f) = Fields::after(line, b"+QIOPEN:") {
            self.noise = self.noise.wrapping_add(1);
            if let (Some(id), Some(err)) = (f.next_u32(), f.next_i32()) {
                if let Some(slot) = self.open_result.get_mut(id as usize) {
                    *slot = Some(err);
                }
            }
            return;
        }
        for (prefix, slot) in [
            (&b"+QSSLOPEN:"[..], &mut self.ssl_open),
            (b"+QSSLSEND:", &mut self.ssl_sent),
        ] {
            if let Some(mut f) = Fields::after(line, prefix) {
                let (_ctx, _cid, err) = (f.next(), f.next(), f.next_i32());
                *slot = Some(err.unwrap_or(-1));
                self.noise = self.noise.wrapping_add(1);
                return;
            }
        }
        if let Some(mut f) = Fields::after(line, b"+QSSLURC:") {
            match f.next() {
                // The data follows as this line's payload.
                Some(b"recv") => {
                    self.in_ssl_data = true;
                    self.nibble = None;
                }
                Some(b"closed") => self.ssl_closed = true,
                _ => {}
            }
            return;
        }
        let Some(mut f) = Fields::after(line, b"+QIURC:") else {
            return;
        };
        let kind = f.next();
        let Some(id) = f.next_u32() else {
            return;
        };
        match (kind, f.next()) {
            (Some(b"recv"), Some(b"buff full")) => self.overflowed |= bit(id),
            (Some(b"recv"), _) => self.readable |= bit(id),
            (Some(b"closed"), _) => self.closed |= bit(id),
            (Some(b"pdpdeact"), _) => self.pdp_lost = true,
            _ => {}
        }
    }

    fn urc_payload(&mut self, chunk: &[u8]) {
        if !self.in_ssl_data {
            return;
        }
        for &c in chunk {
            let Some(v) = hex_value(c) else {
                self.ssl_damaged = true;
                continue;
            };
            match self.nibble.take() {
                None => self.nibble = Some(v),
                Some(hi) => {
                    if self.ssl_rx.push_back(hi << 4 | v).is_err() {
                        self.ssl_lost = true;
                    }
                }
            }
        }
    }

    fn stray(&mut self) {
        self.noise = self.noise.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pushed_data_is_decoded_across_chunks_and_damage_is_loss() {
        let mut u = UrcState::default();
        u.urc(b"+QSSLURC: \"recv\",0,0,3,");
        u.urc_payload(b"41");
        u.urc_payload(b"4");
        u.urc_payload(b"243");
        assert_eq!(u.ssl_rx.iter().copied().collect::<Vec<_>>(), b"ABC");
        assert!(!u.ssl_lost);
        u.urc(b"+QSSLURC: \"recv\",0,0,1,");
        u.urc_payload(b"4G");
        assert!(u.ssl_damaged && !u.ssl_lost);
        // Another URC's payload is not TLS data.
        let mut v = UrcState::default();
        v.urc(b"+QIURC: \"recv\",0");
        v.urc_payload(b"4142");
        assert!(v.ssl_rx.is_empty() && v.is(v.readable, 0));
    }

    #[test]
    fn socket_events() {
        let mut u = UrcState::default();
        u.urc(b"+QIURC: \"recv\",1,\"buff full\"");
        u.urc(b"+QIURC: \"closed\",2");
        u.urc(b"+QIOPEN: 4,566");
        u.urc(b"+QSSLOPEN: 0,0,-5");
        u.urc(b"+QIURC: \"recv\",9");
        assert!(u.is(u.overflowed, 1) && !u.is(u.readable, 1));
        assert!(u.is(u.closed, 2));
        assert_eq!(u.open_result[4], Some(566));
        assert_eq!(u.ssl_open, Some(-5));
        u.urc(b"BROM");
        assert!(u.booted);
    }
}
