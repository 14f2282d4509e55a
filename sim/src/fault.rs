//! Damage to the UART, for tests: one byte dropped, flipped or doubled, or
//! a stall before it. On the modem's output, at a chosen offset of the
//! bytes it sends after a chosen command ([`crate::SimControl::inject_fault`]);
//! on its input, at a chosen offset of the bytes it receives from the
//! moment the fault is armed ([`crate::SimControl::inject_input_fault`]).
//! Armed at run time so a test can damage one exchange of a session that
//! is already up.

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

/// Faults waiting for their command, or counting down to their byte.
#[derive(Debug, Default)]
pub struct Faults {
    /// Each fault with the output bytes still to pass before it once armed.
    list: Vec<(Fault, Option<usize>)>,
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

    /// Faults not applied yet.
    pub fn pending(&self) -> usize {
        self.list.len()
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
    /// to make before byte `i` of them, if one falls in `data`.
    pub fn apply(&mut self, data: &[u8]) -> (Vec<u8>, Option<(usize, Duration)>) {
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
}
