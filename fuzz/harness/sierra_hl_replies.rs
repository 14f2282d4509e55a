//! The Sierra HL8548 / HL78xx driver fed arbitrary modem output: the fuzz
//! harness shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/sierra_hl_replies.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`).
//!
//! Input: one control byte (the size of the pieces the port hands out, at
//! least 1), then what "the modem" says, as answers separated by the byte
//! `0xFE`: each write of the driver (a command line, a piece of data, the
//! `--EOF--Pattern--` after it) releases the next answer, whatever it
//! says. The driver runs a whole session: init, attach, a raw session
//! (configure, connect, send, read, send, close), a certificate upload, a
//! TLS session, the clock. Last, the credentials are listed
//! and one deleted (every name passed on must be printable and at most 80
//! bytes). Checked: no panic, every call ends (time is
//! virtual and only passes while the driver waits), and after each
//! command that announces data (`AT+KTCPSND=<s>,<n>`,
//! `AT+KCERTSTORE=<t>,<n>`, `AT+KPRIVKSTORE=<i>,<n>`) the `n` bytes
//! written next are data or NUL filler, never command text.

use modemtls::modem::sierra::SierraHl;
use modemtls::modem::{Apn, FirmwareTls, Modem, Sockets, Timeouts, TlsParams};
// Shared with the other families' harnesses (the corpus test loads all).
#[allow(clippy::duplicate_mod)]
#[path = "replies_port.rs"]
mod replies_port;
use replies_port::{list_and_delete, Announced, FuzzPort};

/// No upper-case letter: command text (`AT+...`) is told apart from it.
const PAYLOAD: &[u8] = b"payload-bytes;lower-case=1";
/// "DER" (a SEQUENCE header, so an HL8548 takes it), then lower case.
const FILE: &[u8] = b"\x30\x82\x00\x20der-bytes-of-a-certificate";

/// How many bytes a command line announces; data is anything but an
/// upper-case letter (NUL filler included).
fn announced(line: &[u8]) -> Announced {
    let text = std::str::from_utf8(line).ok()?;
    let args = text
        .strip_prefix("AT+KTCPSND=")
        .or_else(|| text.strip_prefix("AT+KCERTSTORE="))
        .or_else(|| text.strip_prefix("AT+KPRIVKSTORE="))?;
    let n: usize = args.split(',').nth(1)?.trim().parse().ok()?;
    Some((n, |b| !b.is_ascii_uppercase()))
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let port = FuzzPort::new(data, usize::from(control));
    let mut m = SierraHl::new(port);
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
            check_validity: false,
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
        let _ = list_and_delete(&mut m, "root_cert,0");
    }
    let port = m.release();
    port.check_payloads(announced);
}
