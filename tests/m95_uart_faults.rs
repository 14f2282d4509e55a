//! One damaged byte on the UART never sends a command to the server or
//! into a certificate file of the M66/M95. The simulated M95 drops, flips
//! or duplicates one byte of its answer to a socket send (`AT+QISEND`: the
//! CR LF `> ` prompt, `SEND OK`) or a certificate write (`AT+QSECWRITE`:
//! `CONNECT`, `+QSECWRITE: <size>,<checksum>`, `OK`), at every offset; the
//! bytes the server receives are the payload or NUL filler and never
//! command text, a `RAM:` file holds exactly what was sent or is gone, and
//! the next exchange on the same modem works.

mod common;

use common::{sim_config, HOST};
use embedded_io::Write;
use modemtls::modem::quectel::{Timeouts, M95};
use modemtls::modem::{Apn, FirmwareTls, Modem, TcpSocket};
use modemtls::port::TcpPort;
use modemtls_sim::{Fault, FaultKind, FirmwareProfile, SimHandle, Simulator};
use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lower-case payload: any "AT" in what the server receives is a command.
const PAYLOAD: &[u8] = b"sensor-reading=42;level=ok";

const KINDS: [FaultKind; 3] = [FaultKind::Drop, FaultKind::Flip(0x08), FaultKind::Duplicate];

fn rig() -> (SimHandle, M95<TcpPort>) {
    let p = FirmwareProfile::by_name("m95").expect("profile");
    let sim = Simulator::spawn(sim_config(p)).expect("simulator starts");
    let mut m = M95::new(TcpPort::connect(sim.addr()).expect("UART"));
    m.set_timeouts(Timeouts {
        command_ms: 1_500,
        attach_ms: 10_000,
        open_ms: 10_000,
        data_ms: 2_000,
    });
    m.init().expect("init");
    m.attach(&Apn::new("internet")).expect("attach");
    (sim, m)
}

/// A TCP server on 127.0.0.1 that keeps what each connection sent.
struct Sink {
    port: u16,
    got: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Sink {
    fn spawn() -> Sink {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let got: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let g = got.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut c) = conn else { return };
                let g = g.clone();
                std::thread::spawn(move || {
                    let _ = c.set_read_timeout(Some(Duration::from_secs(30)));
                    let mut all = Vec::new();
                    let _ = c.read_to_end(&mut all);
                    g.lock().expect("lock").push(all);
                });
            }
        });
        Sink { port, got }
    }

    /// What the `n`-th connection (from 1) sent, once it ended.
    fn connection(&self, n: usize) -> Vec<u8> {
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if let Some(c) = self.got.lock().expect("lock").get(n - 1) {
                return c.clone();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("connection {n} never ended");
    }
}

/// Nothing but payload bytes and filler, and no command text.
fn clean(received: &[u8]) -> bool {
    !received.windows(2).any(|w| w.eq_ignore_ascii_case(b"at"))
        && received.iter().all(|b| *b == 0 || PAYLOAD.contains(b))
}

/// Every fault of `kind` on a send at `offsets`, then one undamaged send.
fn sends(kind: FaultKind, offsets: std::ops::Range<usize>) {
    let (sim, mut m) = rig();
    let sink = Sink::spawn();
    let mut n = 0;
    for at in offsets {
        sim.inject_fault(Fault {
            after: "AT+QISEND=".into(),
            at,
            kind,
        });
        let mut sock = TcpSocket::connect(&mut m, HOST, sink.port).expect("open");
        let sent = sock.write_all(PAYLOAD);
        let _ = sock.close();
        n += 1;
        let got = sink.connection(n);
        assert!(
            clean(&got),
            "{kind:?} at {at}: the server received {:?} (send: {sent:?})",
            String::from_utf8_lossy(&got)
        );
        if sent.is_ok() {
            assert_eq!(got, PAYLOAD, "{kind:?} at {at}: a send that succeeded");
        }
        assert_eq!(sim.faults_pending(), 0, "{kind:?} at {at} never applied");
        assert!(m.check_clock().is_ok(), "{kind:?} at {at}: modem lost");
    }
    let mut sock = TcpSocket::connect(&mut m, HOST, sink.port).expect("open");
    sock.write_all(PAYLOAD).expect("send");
    sock.close().expect("close");
    assert_eq!(sink.connection(n + 1), PAYLOAD);
}

/// The answer to a send: "\r\n> " then "\r\nSEND OK\r\n" (15 bytes).
#[test]
fn a_damaged_send_answer_never_turns_commands_into_data() {
    std::thread::scope(|s| {
        for kind in KINDS {
            s.spawn(move || sends(kind, 0..15));
        }
    });
}

/// Every fault of `kind` on a certificate write: the file is exact or gone.
fn writes(kind: FaultKind, offsets: std::ops::Range<usize>) {
    let (sim, mut m) = rig();
    let content = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    for at in offsets {
        sim.inject_fault(Fault {
            after: "AT+QSECWRITE=".into(),
            at,
            kind,
        });
        let name = format!("{at:08x}.pem");
        let res = m.store_credential(
            &name,
            content.len(),
            &mut modemtls::at::slice_source(content),
        );
        let file = format!("RAM:{name}");
        let stored = sim.files().into_iter().find(|(n, _)| *n == file);
        match (&res, stored) {
            (_, None) => assert!(res.is_err(), "{kind:?} at {at}: Ok but no file"),
            (_, Some((_, data))) => assert_eq!(
                data,
                content,
                "{kind:?} at {at}: the file holds {:?} ({res:?})",
                String::from_utf8_lossy(&data)
            ),
        }
        assert_eq!(sim.faults_pending(), 0, "{kind:?} at {at} never applied");
        assert!(m.check_clock().is_ok(), "{kind:?} at {at}: modem lost");
    }
}

/// The answer to a write: "\r\nCONNECT\r\n" then
/// "\r\n+QSECWRITE: 70,xxxx\r\n\r\nOK\r\n".
#[test]
fn a_damaged_certificate_write_answer_never_stores_commands() {
    std::thread::scope(|s| {
        for kind in KINDS {
            s.spawn(move || writes(kind, 0..24));
        }
    });
}
