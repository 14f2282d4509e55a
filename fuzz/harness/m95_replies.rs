//! The M66/M95 driver fed arbitrary modem output: the fuzz harness shared
//! by the cargo-fuzz target (`fuzz/fuzz_targets/m95_replies.rs`) and the
//! corpus test (`tests/fuzz_corpus.rs`).
//!
//! Input: one control byte (the size of the pieces the port hands out, at
//! least 1), then what "the modem" says, as answers separated by the byte
//! `0xFE`: each write of the driver (a command line, a piece of payload)
//! releases the next answer, whatever it says. The driver runs a whole
//! session: init, attach, a raw TCP open, sends and reads (length-framed
//! `+QIRD`), a certificate written with `AT+QSECWRITE`, an offloaded
//! connection with its `AT+QSSLRECV`, closes. Last, the credentials are listed
//! and one deleted (every name passed on must be printable and at most 80
//! bytes). Checked: no panic, every
//! call ends (time is virtual and only passes while the driver waits),
//! and after each command that announces a payload (`AT+QISEND=<id>,<n>`,
//! `AT+QSSLSEND=<ssid>,<n>`, `AT+QSECWRITE="<file>",<n>,100`) the next `n`
//! bytes written are payload or filler, never command text.

use modemtls::modem::quectel::{Timeouts, M95};
use modemtls::modem::{Apn, FirmwareTls, Modem, Sockets, TlsParams};
// Shared with the other families' harnesses (the corpus test loads them all).
#[allow(clippy::duplicate_mod)]
#[path = "replies_port.rs"]
mod replies_port;
use replies_port::{list_and_delete, Announced, FuzzPort};

/// Payload and file bytes have no upper-case letter; every command line
/// starts with `AT`.
const PAYLOAD: &[u8] = b"payload-bytes;lower-case=1";
const FILE: &[u8] = b"-----begin certificate-----\nzmlszq==\n";

/// How many bytes a command line announces; which bytes are payload or
/// NUL filler (anything upper-case is command text).
fn announced(line: &[u8]) -> Announced {
    let text = std::str::from_utf8(line).ok()?;
    let args = text
        .strip_prefix("AT+QISEND=")
        .or_else(|| text.strip_prefix("AT+QSSLSEND="))
        .or_else(|| text.strip_prefix("AT+QSECWRITE="))?;
    let n: usize = args.split(',').nth(1)?.trim().parse().ok()?;
    Some((n, |b| !b.is_ascii_uppercase()))
}

/// How far one input took the session.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reached {
    /// Bytes the raw TCP read returned.
    pub tcp_read: Option<usize>,
    /// The certificate was written and its checksum confirmed.
    pub stored: bool,
    /// Bytes the offloaded read returned.
    pub tls_read: Option<usize>,
    /// Entries the credential list gave (when it succeeded).
    pub listed: Option<usize>,
    /// The credential was deleted.
    pub deleted: bool,
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let _ = run_report(data);
}

/// [`run`], saying how far the session got.
pub fn run_report(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    let Some((&control, data)) = data.split_first() else {
        return reached;
    };
    let port = FuzzPort::new(data, usize::from(control));
    let mut m = M95::new(port);
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
            reached.tcp_read = m.recv_wait(id, &mut buf, 300).ok();
            let _ = Sockets::send(&mut m, id, PAYLOAD);
            let _ = Sockets::close(&mut m, id);
        }
        reached.stored = m
            .store_credential(
                "0a1b2c3d.pem",
                FILE.len(),
                &mut modemtls::at::slice_source(FILE),
            )
            .is_ok();
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
            reached.tls_read = m.recv_wait(id, &mut buf, 300).ok();
            let _ = Sockets::close(&mut m, id);
        }
        let _ = m.network_time();
        (reached.listed, reached.deleted) = list_and_delete(&mut m, "0a1b2c3d.pem");
    }
    let port = m.release();
    port.check_payloads(announced);
    reached
}
