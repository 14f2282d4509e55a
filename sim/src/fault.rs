//! Damage to the UART, for tests: one byte dropped, flipped or doubled, or
//! a stall before it. On the modem's output, at a chosen offset of the
//! bytes it sends after a chosen command ([`crate::SimControl::inject_fault`]);
//! on its input, at a chosen offset of the bytes it receives from the
//! moment the fault is armed ([`crate::SimControl::inject_input_fault`]).
//! Armed at run time so a test can damage one exchange of a session that
//! is already up.
//!
//! Also: bytes damaged at random at a given rate, from a seeded generator
//! so a failure can be replayed ([`Rate`],
//! [`crate::SimControl::set_fault_rate`]), and the UART connection dropped
//! after a number of output bytes ([`UartDrop`],
//! [`crate::SimControl::drop_uart`]).

use std::time::Duration;

/// What happens to the byte at the fault's offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The byte is not sent.
    Drop,
    /// The byte is sent XORed with this mask.
    Flip(u8),
    /// The byte is sent twice.
    Duplicate,
    /// The UART goes quiet this long before the byte.
    Stall(Duration),
}

/// One fault: `kind` at byte `at` (0 = the first) of what the modem sends
/// once it has received a command line starting with `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The command that arms the fault, as a prefix (e.g. `"AT+QISEND="`).
    pub after: String,
    /// Offset in the modem's output from that command on.
    pub at: usize,
    /// The damage.
    pub kind: FaultKind,
}

/// Which way the damaged bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The modem's output (responses, URCs, payloads to the host).
    Out,
    /// The modem's input (commands and payloads from the host).
    In,
}

/// What a [`Rate`] does to each byte it picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateKind {
    /// Drop, flip (one random bit) or duplicate, chosen at random.
    Any,
    /// The byte is not sent.
    Drop,
    /// One random bit of the byte is inverted.
    Flip,
    /// The byte is sent twice.
    Duplicate,
}

/// Random damage: each byte is picked with probability
/// `per_million` / 1,000,000 by a xorshift generator started from `seed`,
/// so the same seed and the same traffic damage the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Damaged bytes per million bytes.
    pub per_million: u32,
    /// Generator seed (0 is replaced by a fixed non-zero value).
    pub seed: u64,
    /// The damage.
    pub kind: RateKind,
}

/// A [`Rate`] in use: its generator state and how many bytes it damaged.
#[derive(Debug)]
struct RateState {
    rate: Rate,
    state: u64,
    damaged: u64,
}

impl RateState {
    fn new(rate: Rate) -> Self {
        RateState {
            rate,
            state: if rate.seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                rate.seed
            },
            damaged: 0,
        }
    }

    /// xorshift64.
    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// `data` with this rate's damage; `mark` is an index into `data`
    /// (a stall's place), returned moved to the same byte in the result.
    fn apply(&mut self, data: &[u8], mark: Option<usize>) -> (Vec<u8>, Option<usize>) {
        let mut out = Vec::with_capacity(data.len() + 8);
        let mut moved = None;
        for (i, &b) in data.iter().enumerate() {
            if mark == Some(i) {
                moved = Some(out.len());
            }
            if self.next() % 1_000_000 >= u64::from(self.rate.per_million) {
                out.push(b);
                continue;
            }
            self.damaged += 1;
            let r = self.next();
            let kind = match self.rate.kind {
                RateKind::Any => {
                    [RateKind::Drop, RateKind::Flip, RateKind::Duplicate][(r % 3) as usize]
                }
                k => k,
            };
            match kind {
                RateKind::Drop => {}
                RateKind::Flip => out.push(b ^ (1 << ((r >> 8) % 8))),
                _ => {
                    out.push(b);
                    out.push(b);
                }
            }
        }
        if mark.is_some_and(|m| m >= data.len()) {
            moved = Some(out.len());
        }
        (out, moved)
    }
}

/// Faults waiting for their command, or counting down to their byte, and
/// random damage at a rate.
#[derive(Debug, Default)]
pub struct Faults {
    /// Each fault with the output bytes still to pass before it once armed.
    list: Vec<(Fault, Option<usize>)>,
    /// Random damage, when on.
    rate: Option<RateState>,
}

impl Faults {
    /// Add a fault, waiting for its command.
    pub fn push(&mut self, f: Fault) {
        self.list.push((f, None));
    }

    /// Add a fault counting from now (its command is ignored).
    pub fn push_armed(&mut self, f: Fault) {
        let at = f.at;
        self.list.push((f, Some(at)));
    }

    /// Faults not applied yet (random damage at a rate not counted).
    pub fn pending(&self) -> usize {
        self.list.len()
    }

    /// Turns random damage on (`Some`) or off (`None`), restarting its
    /// generator and its count.
    pub fn set_rate(&mut self, rate: Option<Rate>) {
        self.rate = rate.filter(|r| r.per_million > 0).map(RateState::new);
    }

    /// Bytes damaged at random since the rate was set.
    pub fn damaged_at_rate(&self) -> u64 {
        self.rate.as_ref().map_or(0, |r| r.damaged)
    }

    /// A command line arrived: arm the faults that wait for it.
    pub fn command(&mut self, line: &str) {
        for (f, left) in &mut self.list {
            if left.is_none() && line.starts_with(f.after.as_str()) {
                *left = Some(f.at);
            }
        }
    }

    /// `data` is about to be sent: the bytes to send instead, and a stall
    /// to make before byte `i` of them, if one falls in `data`. Random
    /// damage at a rate comes after the fault at an offset.
    pub fn apply(&mut self, data: &[u8]) -> (Vec<u8>, Option<(usize, Duration)>) {
        let (out, stall) = self.apply_offsets(data);
        match &mut self.rate {
            None => (out, stall),
            Some(r) => {
                let (out, at) = r.apply(&out, stall.map(|(i, _)| i));
                (out, stall.and_then(|(_, d)| Some((at?, d))))
            }
        }
    }

    fn apply_offsets(&mut self, data: &[u8]) -> (Vec<u8>, Option<(usize, Duration)>) {
        let mut out = data.to_vec();
        let mut stall = None;
        let mut i = 0;
        while i < self.list.len() {
            let (f, left) = &mut self.list[i];
            match *left {
                Some(n) if n < data.len() => {
                    // Offsets refer to the original bytes; apply at most
                    // one fault per call at its place.
                    match f.kind {
                        FaultKind::Drop => {
                            out.remove(n.min(out.len().saturating_sub(1)));
                        }
                        FaultKind::Flip(mask) => {
                            if let Some(b) = out.get_mut(n) {
                                *b ^= mask;
                            }
                        }
                        FaultKind::Duplicate => {
                            let b = out[n.min(out.len() - 1)];
                            out.insert(n, b);
                        }
                        FaultKind::Stall(d) => stall = Some((n, d)),
                    }
                    self.list.remove(i);
                    return (out, stall);
                }
                Some(n) => {
                    *left = Some(n - data.len());
                    i += 1;
                }
                None => i += 1,
            }
        }
        (out, stall)
    }
}

/// When the modem's UART connection drops (the cable pulled, the USB
/// serial device gone): after a number of bytes of its output. The modem
/// itself keeps running.
#[derive(Debug, Default)]
pub struct UartDrop {
    left: Option<usize>,
}

impl UartDrop {
    /// Drop the connection once `after_bytes` more bytes went out (0: now).
    pub fn arm(&mut self, after_bytes: usize) {
        self.left = Some(after_bytes);
    }

    /// Forget a drop not made yet.
    pub fn disarm(&mut self) {
        self.left = None;
    }

    /// Whether a drop is armed.
    pub fn armed(&self) -> bool {
        self.left.is_some()
    }

    /// `len` bytes are about to be sent (0: nothing, just asking): how many
    /// of them go out before the drop, when it falls in them.
    pub fn cut(&mut self, len: usize) -> Option<usize> {
        match self.left {
            Some(n) if n <= len => {
                self.left = None;
                Some(n)
            }
            Some(n) => {
                self.left = Some(n - len);
                None
            }
            None => None,
        }
    }
}

/// `data` around the stall [`Faults::apply`] returned: the bytes before
/// it, how long to pause, the bytes from it on.
pub fn around_stall(
    data: &[u8],
    stall: Option<(usize, Duration)>,
) -> (&[u8], Option<Duration>, &[u8]) {
    let (before, after) = data.split_at(stall.map_or(0, |(i, _)| i.min(data.len())));
    (before, stall.map(|(_, d)| d), after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(kind: FaultKind, at: usize) -> Faults {
        let mut f = Faults::default();
        f.push(Fault {
            after: "AT+QISEND=".into(),
            at,
            kind,
        });
        f
    }

    #[test]
    fn armed_by_its_command_and_counted_across_writes() {
        let mut f = one(FaultKind::Drop, 6);
        assert_eq!(f.apply(b"\r\nOK\r\n").0, b"\r\nOK\r\n", "not armed yet");
        f.command("AT+QISEND=0,5");
        assert_eq!(f.apply(b"\r\n> ").0, b"\r\n> ");
        assert_eq!(f.apply(b"\r\nSEND OK\r\n").0, b"\r\nEND OK\r\n");
        assert_eq!(f.pending(), 0);
        let mut f = one(FaultKind::Flip(0x20), 2);
        f.command("AT+QISEND=0,5");
        assert_eq!(f.apply(b"\r\n> ").0, b"\r\n\x1e ");
        let mut f = one(FaultKind::Duplicate, 3);
        f.command("AT+QISEND=0,5");
        assert_eq!(f.apply(b"\r\n> ").0, b"\r\n>  ");
        let mut f = one(FaultKind::Stall(Duration::from_millis(5)), 1);
        f.command("AT+QISEND=0,5");
        assert_eq!(f.apply(b"\r\n> ").1, Some((1, Duration::from_millis(5))));
    }

    fn rated(kind: RateKind, per_million: u32, seed: u64) -> Faults {
        let mut f = Faults::default();
        f.set_rate(Some(Rate {
            per_million,
            seed,
            kind,
        }));
        f
    }

    #[test]
    fn damage_at_a_rate_is_near_the_rate_and_replays_with_its_seed() {
        let data: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut f = rated(RateKind::Any, 1_000, 7);
        let (a, _) = f.apply(&data);
        // 200 expected; a xorshift is no worse than +-50% on this sample.
        let n = f.damaged_at_rate();
        assert!((100..=300).contains(&n), "{n} bytes damaged");
        assert_ne!(a, data);
        let (b, _) = rated(RateKind::Any, 1_000, 7).apply(&data);
        assert_eq!(a, b, "same seed, same damage");
        let (c, _) = rated(RateKind::Any, 1_000, 8).apply(&data);
        assert_ne!(a, c, "another seed, other damage");
        // Each kind alone changes the length as it should.
        let mut d = rated(RateKind::Drop, 1_000, 7);
        let out = d.apply(&data).0;
        assert_eq!(out.len() as u64, data.len() as u64 - d.damaged_at_rate());
        let mut d = rated(RateKind::Duplicate, 1_000, 7);
        let out = d.apply(&data).0;
        assert_eq!(out.len() as u64, data.len() as u64 + d.damaged_at_rate());
        let mut d = rated(RateKind::Flip, 1_000, 7);
        let out = d.apply(&data).0;
        let differ = out.iter().zip(&data).filter(|(x, y)| x != y).count() as u64;
        assert_eq!(differ, d.damaged_at_rate());
        assert!(d.damaged_at_rate() > 0);
        // Off: nothing changes.
        let mut off = rated(RateKind::Any, 1_000, 7);
        off.set_rate(None);
        assert_eq!(off.apply(&data).0, data);
    }

    #[test]
    fn a_stall_keeps_its_byte_under_damage_at_a_rate() {
        let mut f = rated(RateKind::Drop, 500_000, 3);
        f.push_armed(Fault {
            after: String::new(),
            at: 50,
            kind: FaultKind::Stall(Duration::from_millis(1)),
        });
        let data: Vec<u8> = (0..100u8).collect();
        let (out, stall) = f.apply(&data);
        let (i, _) = stall.expect("stall kept");
        // The byte at the stall is byte 50 or, if dropped, a later one.
        assert!(out.get(i).is_none_or(|b| *b >= 50), "{out:?} at {i}");
        assert!(out[..i].iter().all(|b| *b < 50));
    }

    #[test]
    fn a_uart_drop_falls_after_its_byte_count() {
        let mut d = UartDrop::default();
        assert_eq!(d.cut(10), None, "not armed");
        d.arm(12);
        assert_eq!(d.cut(0), None);
        assert_eq!(d.cut(10), None);
        assert_eq!(d.cut(10), Some(2));
        assert!(!d.armed(), "once");
        d.arm(0);
        assert_eq!(d.cut(0), Some(0), "now");
    }
}
