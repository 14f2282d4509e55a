//! The scripted modem both drivers' reply harnesses use
//! (`bg9x_replies.rs`, `bc66_replies.rs`): each write of the driver releases
//! the next answer (answers separated by `0xFE`), handed out `step` bytes
//! at a time; time passes only while the driver waits.

use modemtls::port::{Port, PortError};

/// A port over the answers of one fuzz input.
pub struct FuzzPort<'d> {
    answers: std::slice::Split<'d, u8, fn(&u8) -> bool>,
    ready: std::collections::VecDeque<u8>,
    step: usize,
    now: u64,
    /// Everything the driver wrote.
    pub written: Vec<u8>,
    /// Each write: where it starts in `written`, and the answer it released.
    pub log: Vec<(usize, &'d [u8])>,
}

fn separator(b: &u8) -> bool {
    *b == 0xFE
}

impl<'d> FuzzPort<'d> {
    /// Answers from `data`, handed out `step` (at least 1) bytes at a time.
    pub fn new(data: &'d [u8], step: usize) -> Self {
        FuzzPort {
            answers: data.split(separator as fn(&u8) -> bool),
            ready: Default::default(),
            step: step.max(1),
            now: 0,
            written: Vec::new(),
            log: Vec::new(),
        }
    }
}

impl Port for FuzzPort<'_> {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        let answer = self.answers.next().unwrap_or(&[]);
        self.log.push((self.written.len(), answer));
        self.written.extend_from_slice(data);
        self.ready.extend(answer);
        // A bound on the work one input can cause.
        if self.written.len() > 1 << 20 {
            return Err(PortError::Closed);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        let n = buf.len().min(self.step).min(self.ready.len());
        if n == 0 {
            self.now += u64::from(timeout_ms.max(1));
            return Ok(0);
        }
        for (dst, src) in buf.iter_mut().zip(self.ready.drain(..n)) {
            *dst = src;
        }
        self.now += 1;
        Ok(n)
    }

    fn now_ms(&mut self) -> u64 {
        self.now
    }
}
