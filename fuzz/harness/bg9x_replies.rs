//! The BG9x driver fed arbitrary modem output: the fuzz harness shared by
//! the cargo-fuzz target (`fuzz/fuzz_targets/bg9x_replies.rs`) and the
//! corpus test (`tests/fuzz_corpus.rs`).
//!
//! Input: one control byte (the size of the pieces the port hands out, at
//! least 1), then what "the modem" says, as answers separated by the byte
//! `0xFE`: each write of the driver (a command line, a piece of payload)
//! releases the next answer, whatever it says. The driver runs a whole session: init, attach, a TCP open, a
//! send, a read, an upload, a close. Last, the credentials are listed
//! and one deleted (every name passed on must be printable and at most 80
//! bytes). Checked: no panic, every call ends
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
use replies_port::{list_and_delete, Announced, FuzzPort};

/// Lower-case only: an upper-case byte in a payload is command text.
const PAYLOAD: &[u8] = b"payload-bytes;lower-case=1";
const FILE: &[u8] = b"-----begin certificate-----\nzmlszq==\n";

/// The length a command line announces, if it announces a payload; its
/// bytes are the lower-case payload or NUL filler.
fn announced(line: &[u8]) -> Announced {
    let text = std::str::from_utf8(line).ok()?;
    let args = ["AT+QISEND=", "AT+QSSLSEND=", "AT+QFUPL="]
        .iter()
        .find_map(|p| text.strip_prefix(p))?;
    let n = args.split(',').nth(1)?.trim().parse().ok()?;
    Some((n, |b| b == 0 || !b.is_ascii_uppercase()))
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
        let _ = m.store_file("ca.pem", FILE.len(), &mut modemtls::at::slice_source(FILE));
        let _ = m.network_time();
        let _ = list_and_delete(&mut m, "ca.pem");
    }
    let port = m.release();
    port.check_payloads(announced);
}
