//! A scripted modem for driver transcripts: every write is checked against
//! the script, byte for byte, and answered from it; time passes only while
//! the driver waits, so timeouts are deterministic.

use modemtls::port::{Port, PortError};
use std::collections::VecDeque;

/// One expected write and the modem's answer to it.
struct Step {
    expect: Vec<u8>,
    answer: Vec<u8>,
}

/// A port that checks every write against a script and answers from it.
pub struct ScriptPort {
    steps: VecDeque<Step>,
    pending: Vec<u8>,
    out: VecDeque<u8>,
    now: u64,
    /// Largest piece one read hands out.
    piece: usize,
    pub log: Vec<String>,
}

impl ScriptPort {
    /// A port that expects the writes of `script` in order and answers each
    /// with its reply (delivered in pieces of up to 7 bytes).
    pub fn new(script: &[(&[u8], &[u8])]) -> Self {
        Self::with_piece(script, 7)
    }

    /// [`ScriptPort::new`] handing out answers in pieces of at most
    /// `piece` bytes (at least 1): every split of an answer, one size at a
    /// time.
    pub fn with_piece(script: &[(&[u8], &[u8])], piece: usize) -> Self {
        Self {
            steps: script
                .iter()
                .map(|(e, a)| Step {
                    expect: e.to_vec(),
                    answer: a.to_vec(),
                })
                .collect(),
            pending: Vec::new(),
            out: VecDeque::new(),
            now: 0,
            piece: piece.max(1),
            log: Vec::new(),
        }
    }

    /// Deliver answers in pieces of at most `n` bytes (1: every byte
    /// apart).
    pub fn pieces(mut self, n: usize) -> Self {
        self.piece = n.max(1);
        self
    }
}

impl Port for ScriptPort {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        self.pending.extend_from_slice(data);
        while let Some(step) = self.steps.front() {
            if self.pending.len() < step.expect.len() {
                break;
            }
            let got: Vec<u8> = self.pending.drain(..step.expect.len()).collect();
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&step.expect),
                "unexpected write; log so far: {:?}",
                self.log
            );
            self.log.push(String::from_utf8_lossy(&got).into_owned());
            let step = self.steps.pop_front().unwrap();
            self.out.extend(step.answer);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        if self.out.is_empty() {
            // Time passes only while waiting: deterministic timeouts.
            self.now += u64::from(timeout_ms);
            return Ok(0);
        }
        // Deliver in small pieces to exercise reassembly.
        let n = buf.len().min(self.out.len()).min(self.piece);
        for b in buf.iter_mut().take(n) {
            *b = self.out.pop_front().unwrap();
        }
        Ok(n)
    }

    fn now_ms(&mut self) -> u64 {
        self.now
    }
}

impl ScriptPort {
    /// Panics unless every step of the script was written.
    pub fn finished(&self) {
        assert!(
            self.steps.is_empty(),
            "script not finished: next {:?}",
            self.steps
                .front()
                .map(|s| String::from_utf8_lossy(&s.expect).into_owned())
        );
    }
}
