//! What the HL8548 / HL78xx URCs tell the driver, recorded as they arrive:
//! `+KTCP_IND` (connected), `+KTCP_NOTIF` (a session's failure or end),
//! `+KTCP_DATA` (bytes buffered for `AT+KTCPRCV`) and `+KSUP` (booted).

use crate::at::{Fields, UrcHandler};

/// Sessions 1-6; index 0 is unused.
pub(crate) const SLOTS: usize = 7;

/// URC-driven state, indexed by session.
#[derive(Debug, Default)]
pub(crate) struct UrcState {
    /// `+KTCP_IND: <s>,1` seen: the session is connected.
    pub connected: [bool; SLOTS],
    /// The last `+KTCP_NOTIF: <s>,<code>`.
    pub notif: [Option<i32>; SLOTS],
    /// Bytes buffered for `AT+KTCPRCV`, as the last `+KTCP_DATA` said (the
    /// total, not an increment), less what was read since.
    pub data: [u32; SLOTS],
    /// `+KTCP_DATA` lines seen per session (wrapping): a read that saw one
    /// arrive during its exchange keeps the new count.
    pub data_seen: [u8; SLOTS],
    /// `+KSUP` seen: the modem (re)booted.
    pub booted: bool,
    /// Open results and stray replies seen (wrapping).
    pub noise: u16,
}

impl UrcState {
    /// Forget everything about session `s` (before it is used again).
    pub fn clear(&mut self, s: u8) {
        let i = usize::from(s);
        if let Some(c) = self.connected.get_mut(i) {
            *c = false;
        }
        if let Some(n) = self.notif.get_mut(i) {
            *n = None;
        }
        if let Some(d) = self.data.get_mut(i) {
            *d = 0;
        }
    }

    /// The last notification of session `s`.
    pub fn notif(&self, s: u8) -> Option<i32> {
        self.notif.get(usize::from(s)).copied().flatten()
    }

    /// Whether `+KTCP_IND: <s>,1` came.
    pub fn connected(&self, s: u8) -> bool {
        self.connected.get(usize::from(s)).copied().unwrap_or(false)
    }

    /// Bytes known to be buffered for session `s`.
    pub fn data(&self, s: u8) -> u32 {
        self.data.get(usize::from(s)).copied().unwrap_or(0)
    }

    /// Set the count of buffered bytes of session `s`.
    pub fn set_data(&mut self, s: u8, n: u32) {
        if let Some(d) = self.data.get_mut(usize::from(s)) {
            *d = n;
        }
    }

    /// How many `+KTCP_DATA` lines session `s` has seen (wrapping).
    pub fn data_seen(&self, s: u8) -> u8 {
        self.data_seen.get(usize::from(s)).copied().unwrap_or(0)
    }
}

/// A session number 1-6 from a URC field.
fn session(f: Option<u32>) -> Option<usize> {
    f.map(|s| s as usize).filter(|s| (1..SLOTS).contains(s))
}

impl UrcHandler for UrcState {
    fn urc(&mut self, line: &[u8]) {
        if line.starts_with(b"+KSUP:") {
            self.booted = true;
            return;
        }
        if let Some(mut f) = Fields::after(line, b"+KTCP_DATA:") {
            if let (Some(s), Some(n)) = (session(f.next_u32()), f.next_u32()) {
                if let (Some(d), Some(seen)) = (self.data.get_mut(s), self.data_seen.get_mut(s)) {
                    *d = n;
                    *seen = seen.wrapping_add(1);
                }
            }
            return;
        }
        if let Some(mut f) = Fields::after(line, b"+KTCP_IND:") {
            self.noise = self.noise.wrapping_add(1);
            if let (Some(s), Some(1)) = (session(f.next_u32()), f.next_u32()) {
                if let Some(c) = self.connected.get_mut(s) {
                    *c = true;
                }
            }
            return;
        }
        if let Some(mut f) = Fields::after(line, b"+KTCP_NOTIF:") {
            self.noise = self.noise.wrapping_add(1);
            if let (Some(s), Some(code)) = (session(f.next_u32()), f.next_i32()) {
                if let Some(n) = self.notif.get_mut(s) {
                    *n = Some(code);
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
    use super::*;

    #[test]
    fn session_events_and_bogus_ids() {
        let mut u = UrcState::default();
        u.urc(b"+KTCP_IND: 1,1");
        u.urc(b"+KTCP_DATA: 1,1500");
        u.urc(b"+KTCP_NOTIF: 2,13");
        u.urc(b"+KTCP_DATA: 7,5");
        u.urc(b"+KTCP_DATA: 0,5");
        u.urc(b"+KTCP_NOTIF: 99999999999,4");
        u.urc(b"+KTCP_IND: 3,0");
        assert!(u.connected(1) && !u.connected(3));
        assert_eq!(u.data(1), 1500);
        assert_eq!(u.data_seen(1), 1);
        assert_eq!(u.notif(2), Some(13));
        assert_eq!(u.notif(1), None);
        assert_eq!(u.data(7), 0);
        // The count is the total buffered, not an increment.
        u.urc(b"+KTCP_DATA: 1,20");
        assert_eq!(u.data(1), 20);
        u.clear(1);
        assert!(!u.connected(1) && u.data(1) == 0);
        assert!(!u.booted);
        u.urc(b"+KSUP: 0");
        assert!(u.booted);
    }
}
