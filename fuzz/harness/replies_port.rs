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

/// Bytes the modem takes as payload after a command that announces them:
/// how many, and which of them are payload or filler (anything else is
/// command text that reached the modem while it waited for data).
pub type Announced = Option<(usize, fn(u8) -> bool)>;

/// Whether `answer` refuses the command before any data prompt: a final
/// result line first, no `>` or `CONNECT` before it. Then the modem waits
/// for no payload.
fn refused(answer: &[u8]) -> bool {
    let prompt = answer
        .windows(7)
        .position(|w| w == b"CONNECT")
        .into_iter()
        .chain(answer.iter().position(|&b| b == b'>'))
        .min()
        .unwrap_or(answer.len());
    let head = &answer[..prompt];
    [
        &b"\r\nERROR\r\n"[..],
        b"\r\nOK\r\n",
        b"+CME ERROR:",
        b"+CMS ERROR:",
    ]
    .iter()
    .any(|f| head.windows(f.len()).any(|w| w == *f))
}

impl FuzzPort<'_> {
    /// After every command line that `announced` says announces a payload
    /// (and that its answer did not refuse), the bytes the driver wrote
    /// next are payload or filler only.
    pub fn check_payloads(&self, announced: fn(&[u8]) -> Announced) {
        let w = &self.written;
        for (i, &(start, answer)) in self.log.iter().enumerate() {
            let end = self.log.get(i + 1).map_or(w.len(), |n| n.0);
            let line = &w[start..end];
            let Some((n, fine)) = announced(line.strip_suffix(b"\r").unwrap_or(line)) else {
                continue;
            };
            if refused(answer) {
                continue;
            }
            let data = &w[end..(end + n).min(w.len())];
            assert!(
                data.iter().all(|&b| fine(b)),
                "command text after {:?} (answer {:?}): {:?}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(answer),
                String::from_utf8_lossy(data)
            );
        }
    }
}

/// The credential calls at the end of a session: list (every name passed
/// on must be 1 to `CREDENTIAL_NAME_MAX` bytes of printable ASCII without a
/// quote, whatever the modem said), then delete `name`. How many entries
/// the list gave (when it succeeded), and whether the delete did.
pub fn list_and_delete(
    m: &mut impl modemtls::modem::FirmwareTls,
    name: &str,
) -> (Option<usize>, bool) {
    let mut n = 0;
    let listed = m.list_credentials(&mut |e| {
        assert!(
            !e.name.is_empty()
                && e.name.len() <= modemtls::modem::CREDENTIAL_NAME_MAX
                && e.name
                    .bytes()
                    .all(|b| (0x20..0x7f).contains(&b) && b != b'"'),
            "a name the modem sent was passed on unchecked: {:?}",
            e.name
        );
        n += 1;
    });
    (listed.ok().map(|()| n), m.delete_credential(name).is_ok())
}
