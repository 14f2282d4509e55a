//! The BG9x driver fed arbitrary modem output: the fuzz harness shared by
//! the cargo-fuzz target (`fuzz/fuzz_targets/bg9x_replies.rs`) and the
//! corpus test (`tests/fuzz_corpus.rs`).
//!
//! Input: one control byte (the size of the pieces the port hands out, at
//! least 1), then what "the modem" says, as answers separated by the byte
//! `0xFE`: each write of the driver (a command line, a piece of payload)
//! releases the next answer, whatever it says. The driver runs a whole session: init, attach, a TCP open, a
//! send, a read, an upload, a close. Checked: no panic, every call ends
//! (time is virtual and only passes while the driver waits), and after
//! each command that announces a payload (`AT+QISEND=<id>,<n>`,
//! `AT+QSSLSEND=<id>,<n>`, `AT+QFUPL="<name>",<n>,<t>`) the next `<n>`
//! bytes written are payload or NUL filler, never command text.

use modemtls::modem::quectel::{Bg9x, SocketKind, Timeouts};
use modemtls::modem::Apn;
// Shared with the other family's harness (the corpus test loads both).
#[allow(clippy::duplicate_mod)]
#[path = "replies_port.rs"]
mod replies_port;
use replies_port::FuzzPort;

/// Lower-case only: an upper-case byte in a payload is command text.
const PAYLOAD: &[u8] = b"payload-bytes;lower-case=1";
const FILE: &[u8] = b"-----begin certificate-----\nzmlszq==\n";

/// The length a command line announces, if it announces a payload.
fn announced(line: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(line).ok()?;
    let args = ["AT+QISEND=", "AT+QSSLSEND=", "AT+QFUPL="]
        .iter()
        .find_map(|p| text.strip_prefix(p))?;
    args.split(',').nth(1)?.trim().parse().ok()
}

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

/// Every announced payload the modem may be waiting for is followed by
/// payload or filler bytes only.
fn check_written(w: &[u8], log: &[(usize, &[u8])]) {
    for (i, &(start, answer)) in log.iter().enumerate() {
        let end = log.get(i + 1).map_or(w.len(), |n| n.0);
        let line = &w[start..end];
        let Some(n) = announced(line.strip_suffix(b"\r").unwrap_or(line)) else {
            continue;
        };
        if refused(answer) {
            continue;
        }
        let data = &w[end..(end + n).min(w.len())];
        assert!(
            data.iter().all(|&b| b == 0 || !b.is_ascii_uppercase()),
            "command text after {:?} (answer {:?}): {:?}",
            String::from_utf8_lossy(line),
            String::from_utf8_lossy(answer),
            String::from_utf8_lossy(data)
        );
    }
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let port = FuzzPort::new(data, usize::from(control));
    let mut m = Bg9x::new(port);
    m.set_timeouts(Timeouts {
        command_ms: 300,
        attach_ms: 300,
        open_ms: 300,
        data_ms: 300,
    });
    if m.init().is_ok() {
        let _ = m.attach(&Apn {
            name: "internet",
            user: "user",
            password: "secret",
        });
        if let Ok(id) = m.tcp_open("h.test", 443) {
            let _ = m.send(SocketKind::Tcp, id, PAYLOAD);
            let mut buf = [0u8; 64];
            let _ = m.recv_wait(SocketKind::Tcp, id, &mut buf, 300);
            let _ = m.send(SocketKind::Tcp, id, PAYLOAD);
            let _ = m.close(SocketKind::Tcp, id);
        }
        let _ = m.store_file("ca.pem", FILE.len(), &mut |w| w(FILE));
        let _ = m.network_time();
    }
    let port = m.release();
    check_written(&port.written, &port.log);
}
