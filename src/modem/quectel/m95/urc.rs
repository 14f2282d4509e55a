//! What the M66/M95 URCs tell the driver, recorded as they arrive.

use super::dialect::socket_event;
use crate::at::{Fields, UrcHandler};

/// Raw TCP connections (`AT+QIMUX=1` index 0-5), and SSL sockets (0-5).
pub(crate) const SOCKETS: usize = 6;

/// The result of `AT+QIOPEN` (`<id>, CONNECT OK|FAIL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Opened {
    Ok,
    Fail,
}

/// Which kind of connection: indexes the per-kind flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Raw TCP (`AT+QIOPEN` index).
    Tcp = 0,
    /// Offloaded TLS (`AT+QSSLOPEN` ssid).
    Ssl = 1,
}

/// URC-driven state. Socket flags are bit masks indexed by index/ssid,
/// one per [`Kind`].
#[derive(Clone, Debug, Default)]
pub(crate) struct UrcState {
    /// `<id>, CONNECT OK|FAIL` per raw connection.
    pub tcp_open: [Option<Opened>; SOCKETS],
    /// `+QSSLOPEN: <ssid>,<err>` per SSL socket.
    pub ssl_open: [Option<i32>; SOCKETS],
    /// Data may be waiting (`+QIRDI`, `+QSSLURC: "recv"`, or not read
    /// empty yet).
    pub readable: [u8; 2],
    /// The peer closed (`<id>, CLOSED`, `+QSSLURC: "closed"`).
    pub closed: [u8; 2],
    /// `+PDP DEACT`: the context and every connection are gone.
    pub pdp_lost: bool,
    /// The modem (re)started since the last init: `RDY`, or a `Call Ready`
    /// that no `RDY` announced (an autobauding module says nothing before
    /// it hears `AT`).
    pub booted: bool,
    /// `RDY` came and its `Call Ready` has not: that `Call Ready` belongs
    /// to the same start.
    call_ready_due: bool,
    /// Open results and stray replies seen (wrapping).
    pub noise: u16,
}

pub(crate) fn bit(id: u8) -> u8 {
    if usize::from(id) < SOCKETS {
        1 << id
    } else {
        0
    }
}

fn flag(masks: &[u8; 2], kind: Kind, id: u8) -> bool {
    masks.get(kind as usize).is_some_and(|m| m & bit(id) != 0)
}

fn set(masks: &mut [u8; 2], kind: Kind, id: u8, on: bool) {
    if let Some(m) = masks.get_mut(kind as usize) {
        if on {
            *m |= bit(id);
        } else {
            *m &= !bit(id);
        }
    }
}

impl UrcState {
    /// The state after an init: the start is over.
    pub fn after_init(&mut self) {
        self.booted = false;
    }
    /// Forget every connection and event, keeping only what tells a
    /// start's own `Call Ready` from a new start.
    pub fn forget_all(&mut self) {
        *self = Self {
            call_ready_due: self.call_ready_due,
            booted: self.booted,
            ..Self::default()
        };
    }
    pub fn is_readable(&self, kind: Kind, id: u8) -> bool {
        flag(&self.readable, kind, id)
    }
    pub fn set_readable(&mut self, kind: Kind, id: u8, on: bool) {
        set(&mut self.readable, kind, id, on)
    }
    pub fn is_closed(&self, kind: Kind, id: u8) -> bool {
        flag(&self.closed, kind, id)
    }
    /// Record connection `id` as gone (as the peer's close would), with
    /// nothing left to read.
    pub fn mark_closed(&mut self, kind: Kind, id: u8) {
        set(&mut self.closed, kind, id, true);
        set(&mut self.readable, kind, id, false);
    }
    /// Forget everything about connection `id` (before opening it).
    pub fn clear(&mut self, kind: Kind, id: u8) {
        set(&mut self.readable, kind, id, false);
        set(&mut self.closed, kind, id, false);
        match kind {
            Kind::Tcp => {
                if let Some(r) = self.tcp_open.get_mut(usize::from(id)) {
                    *r = None;
                }
            }
            Kind::Ssl => {
                if let Some(r) = self.ssl_open.get_mut(usize::from(id)) {
                    *r = None;
                }
            }
        }
    }
    pub fn tcp_result(&self, id: u8) -> Option<Opened> {
        self.tcp_open.get(usize::from(id)).copied().flatten()
    }
    pub fn ssl_result(&self, ssid: u8) -> Option<i32> {
        self.ssl_open.get(usize::from(ssid)).copied().flatten()
    }
    /// The peer closed: what it sent before stays readable, so one more
    /// read says whether anything is left.
    fn peer_closed(&mut self, kind: Kind, id: u8) {
        set(&mut self.closed, kind, id, true);
        set(&mut self.readable, kind, id, true);
    }
}

impl UrcHandler for UrcState {
    fn urc(&mut self, line: &[u8]) {
        if line == b"RDY" {
            self.booted = true;
            self.call_ready_due = true;
            return;
        }
        if line == b"Call Ready" {
            if !core::mem::take(&mut self.call_ready_due) {
                self.booted = true;
            }
            return;
        }
        if line.starts_with(b"+PDP DEACT") {
            self.pdp_lost = true;
            return;
        }
        if let Some((id, event)) = socket_event(line) {
            let slot = self.tcp_open.get_mut(usize::from(id));
            match (event, slot) {
                (b"CONNECT OK", Some(s)) => *s = Some(Opened::Ok),
                (b"CONNECT FAIL", Some(s)) => *s = Some(Opened::Fail),
                (b"CLOSED", _) => self.peer_closed(Kind::Tcp, id),
                _ => {}
            }
            if event != b"CLOSED" {
                self.noise = self.noise.wrapping_add(1);
            }
            return;
        }
        if let Some(mut f) = Fields::after(line, b"+QSSLOPEN:") {
            self.noise = self.noise.wrapping_add(1);
            if let (Some(ssid), Some(err)) = (f.next_u32(), f.next_i32()) {
                if let Some(slot) = self.ssl_open.get_mut(ssid as usize) {
                    *slot = Some(err);
                }
            }
            return;
        }
        // +QIRDI: 0,1,<id>
        if let Some(mut f) = Fields::after(line, b"+QIRDI:") {
            let (_ctx, _client, id) = (f.next(), f.next(), f.next_u32());
            if let Some(id) = id.and_then(|i| u8::try_from(i).ok()) {
                self.set_readable(Kind::Tcp, id, true);
            }
            return;
        }
        // +QSSLURC: "recv"|"closed",<ctx>,<ssid>
        if let Some(mut f) = Fields::after(line, b"+QSSLURC:") {
            let (kind, _ctx, ssid) = (f.next(), f.next(), f.next_u32());
            let Some(ssid) = ssid.and_then(|i| u8::try_from(i).ok()) else {
                return;
            };
            match kind {
                Some(b"recv") => self.set_readable(Kind::Ssl, ssid, true),
                Some(b"closed") => self.peer_closed(Kind::Ssl, ssid),
                _ => {}
            }
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
    fn socket_and_ssl_events() {
        let mut u = UrcState::default();
        u.urc(b"2, CONNECT OK");
        u.urc(b"3, CONNECT FAIL");
        u.urc(b"4, CLOSED");
        u.urc(b"+QIRDI: 0,1,5");
        u.urc(b"+QIRDI: 0,1,9");
        u.urc(b"+QSSLOPEN: 1,-5");
        u.urc(b"+QSSLURC: \"recv\",0,1");
        u.urc(b"+QSSLURC: \"closed\",0,2");
        u.urc(b"+QSSLURC: \"recv\",0,400");
        assert_eq!(u.tcp_result(2), Some(Opened::Ok));
        assert_eq!(u.tcp_result(3), Some(Opened::Fail));
        assert_eq!(u.closed, [1 << 4, 1 << 2]);
        // A close leaves a last read to do.
        assert_eq!(u.readable, [1 << 4 | 1 << 5, 1 << 1 | 1 << 2]);
        assert_eq!(u.ssl_result(1), Some(-5));
        assert!(!u.pdp_lost && !u.booted);
        u.urc(b"+PDP DEACT");
        assert!(u.pdp_lost);
    }

    #[test]
    fn a_restart_is_rdy_or_an_unannounced_call_ready() {
        let mut u = UrcState::default();
        for l in [&b"RDY"[..], b"+CFUN: 1", b"+CPIN: READY", b"Call Ready"] {
            u.urc(l);
        }
        assert!(u.booted);
        u.after_init();
        u.urc(b"SMS Ready");
        assert!(!u.booted);
        // An autobauding module's restart: no RDY, then Call Ready.
        u.urc(b"Call Ready");
        assert!(u.booted);
        // RDY during init, its Call Ready after: one start.
        let mut v = UrcState::default();
        v.urc(b"RDY");
        v.after_init();
        v.urc(b"Call Ready");
        assert!(!v.booted);
    }
}
