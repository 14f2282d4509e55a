//! What the Quectel URCs tell the driver, recorded as they arrive.

use crate::at::{Fields, UrcHandler};

/// Socket count of the BG9x family (`connectID`/`clientID` 0-11).
pub(crate) const SOCKETS: usize = 12;

/// URC-driven state. Socket flags are bit masks indexed by socket id.
#[derive(Clone, Debug, Default)]
pub(crate) struct UrcState {
    /// Result of `+QIOPEN`/`+QSSLOPEN` per socket.
    pub open_result: [Option<i32>; SOCKETS],
    /// Data may be waiting (`"recv"` URC seen or not yet drained).
    pub readable: u16,
    /// The peer closed (`"closed"` URC).
    pub closed: u16,
    /// `"pdpdeact"` for the context in use.
    pub pdp_lost: bool,
    /// `RDY`/`APP RDY` seen: the modem (re)booted.
    pub booted: bool,
    /// Context id whose deactivation matters.
    pub cid: u8,
    /// `+QIOPEN`/`+QSSLOPEN` lines and stray replies seen (wrapping): what
    /// changes when the open result being waited for arrives damaged.
    pub noise: u16,
}

fn bit(id: u32) -> u16 {
    if (id as usize) < SOCKETS {
        1u16 << id
    } else {
        0
    }
}

impl UrcState {
    pub fn is_readable(&self, id: u8) -> bool {
        self.readable & bit(u32::from(id)) != 0
    }
    pub fn is_closed(&self, id: u8) -> bool {
        self.closed & bit(u32::from(id)) != 0
    }
    pub fn set_readable(&mut self, id: u8, on: bool) {
        let b = bit(u32::from(id));
        if on {
            self.readable |= b;
        } else {
            self.readable &= !b;
        }
    }
    /// Record socket `id` as closed (as a `"closed"` URC would).
    pub fn mark_closed(&mut self, id: u8) {
        self.closed |= bit(u32::from(id));
        self.set_readable(id, false);
    }
    /// Forget everything about socket `id` (before opening it).
    pub fn clear_socket(&mut self, id: u8) {
        let b = bit(u32::from(id));
        self.readable &= !b;
        self.closed &= !b;
        if let Some(r) = self.open_result.get_mut(usize::from(id)) {
            *r = None;
        }
    }
    pub fn open_result(&self, id: u8) -> Option<i32> {
        self.open_result.get(usize::from(id)).copied().flatten()
    }
}

/// The URCs the driver records: socket open results (index 0, 1) and
/// socket/context events (2, 3).
const PREFIXES: [&[u8]; 4] = [b"+QIOPEN:", b"+QSSLOPEN:", b"+QIURC:", b"+QSSLURC:"];

impl UrcHandler for UrcState {
    fn urc(&mut self, line: &[u8]) {
        if line == b"RDY" || line == b"APP RDY" {
            self.booted = true;
            return;
        }
        let Some((i, mut f)) = PREFIXES
            .iter()
            .enumerate()
            .find_map(|(i, p)| Some((i, Fields::after(line, p)?)))
        else {
            return;
        };
        if i < 2 {
            self.noise = self.noise.wrapping_add(1);
            if let (Some(id), Some(err)) = (f.next_u32(), f.next_i32()) {
                if let Some(slot) = self.open_result.get_mut(id as usize) {
                    *slot = Some(err);
                }
            }
            return;
        }
        let kind = f.next();
        let Some(id) = f.next_u32() else {
            return;
        };
        match kind {
            Some(b"recv") => self.readable |= bit(id),
            Some(b"closed") => self.closed |= bit(id),
            Some(b"pdpdeact") if id == u32::from(self.cid) => self.pdp_lost = true,
            _ => {}
        }
    }

    fn stray(&mut self) {
        self.noise = self.noise.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_urcs() {
        let mut s = UrcState {
            cid: 1,
            ..Default::default()
        };
        s.urc(b"+QSSLOPEN: 3,-1");
        s.urc(b"+QIURC: \"recv\",4");
        s.urc(b"+QSSLURC: \"closed\",11");
        s.urc(b"+QIURC: \"pdpdeact\",2");
        assert_eq!(s.open_result(3), Some(-1));
        assert!(s.is_readable(4));
        assert!(s.is_closed(11));
        assert!(!s.pdp_lost);
        s.urc(b"+QIURC: \"pdpdeact\",1");
        assert!(s.pdp_lost);
        // Out of range and garbage are ignored.
        s.urc(b"+QIURC: \"recv\",99");
        s.urc(b"+QIOPEN: 400000000000,0");
        s.urc(b"+QSSLURC:");
        assert_eq!(s.readable, 1 << 4);
    }
}
