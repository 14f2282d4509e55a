//! The BC66/BC660K driver fed arbitrary modem output: the fuzz harness
//! shared by the cargo-fuzz target (`fuzz/fuzz_targets/bc66_replies.rs`)
//! and the corpus test (`tests/fuzz_corpus.rs`).
//!
//! Input: one control byte (the size of the pieces the port hands out, at
//! least 1), then what "the modem" says, as answers separated by the byte
//! `0xFE`: each write of the driver (a command line, a piece of payload)
//! releases the next answer, whatever it says. The driver runs a whole
//! session: init, attach, a TCP open, sends and reads in hex, a certificate
//! upload, an offloaded connection, closes. Last, the credentials are listed
//! and one deleted (every name passed on must be printable and at most 80
//! bytes). Checked: no panic, every call
//! ends (time is virtual and only passes while the driver waits), and after
//! each command that announces a payload (`AT+QISEND=<id>,<n>` and
//! `AT+QSSLSEND=0,0,<n>`: 2n hex digits; `AT+QSSLCFG=0,0,"cacert"`: the
//! PEM and Ctrl-Z) the bytes written are payload, filler, Ctrl-Z or ESC,
//! never command text.

use modemtls::modem::quectel::{Bc66, Timeouts};
use modemtls::modem::{Apn, FirmwareTls, Modem, Sockets, TlsParams};
// Shared with the other family's harness (the corpus test loads both).
#[allow(clippy::duplicate_mod)]
#[path = "replies_port.rs"]
mod replies_port;
use replies_port::{list_and_delete, Announced, FuzzPort};

/// Sent as hex: upper-case hex digits are payload, any other letter is
/// command text.
const PAYLOAD: &[u8] = b"payload-bytes;lower-case=1";
const FILE: &[u8] = b"-----begin certificate-----\nzmlszq==\n";

/// How many bytes a command line announces, and which are payload: hex
/// digits after a send, the lower-case PEM and Ctrl-Z after a certificate
/// upload; NUL filler and ESC (the upload's cancel) after either.
fn announced(line: &[u8]) -> Announced {
    let text = std::str::from_utf8(line).ok()?;
    if text.starts_with("AT+QSSLCFG=0,0,\"cacert\"") {
        return Some((FILE.len() + 1, |b| {
            matches!(b, 0 | 0x1A | 0x1B) || !b.is_ascii_uppercase()
        }));
    }
    let (args, field) = if let Some(a) = text.strip_prefix("AT+QISEND=") {
        (a, 1)
    } else {
        (text.strip_prefix("AT+QSSLSEND=")?, 2)
    };
    let n: usize = args.split(',').nth(field)?.trim().parse().ok()?;
    Some((2 * n, |b| {
        matches!(b, 0 | 0x1A | 0x1B) || b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
    }))
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let port = FuzzPort::new(data, usize::from(control));
    let mut m = Bc66::new(port);
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
            let _ = Sockets::send(&mut m, id, PAYLOAD);
            let mut buf = [0u8; 64];
            let _ = m.recv_wait(id, &mut buf, 300);
            let _ = Sockets::send(&mut m, id, PAYLOAD);
            let _ = Sockets::close(&mut m, id);
        }
        let _ = m.store_credential(
            "0a1b2c3d.pem",
            FILE.len(),
            &mut modemtls::at::slice_source(FILE),
        );
        let p = TlsParams {
            host: "h.test",
            port: 443,
            verify: true,
            check_validity: true,
            ca: Some("0a1b2c3d.pem"),
            client_cert: None,
            client_key: None,
            handshake_timeout_s: 10,
        };
        if let Ok(id) = m.tls_open(&p) {
            let _ = Sockets::send(&mut m, id, PAYLOAD);
            let mut buf = [0u8; 64];
            let _ = m.recv_wait(id, &mut buf, 300);
            let _ = Sockets::close(&mut m, id);
        }
        let _ = m.network_time();
        let _ = list_and_delete(&mut m, "0a1b2c3d.pem");
    }
    let port = m.release();
    port.check_payloads(announced);
}
