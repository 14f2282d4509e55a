//! One damaged byte on the UART never sends a command to the server or
//! into a file. The simulated BG96 drops, flips or duplicates one byte of
//! its answer to a socket send (`AT+QISEND`: the `> ` prompt, `SEND OK`) or
//! an upload (`AT+QFUPL`: `CONNECT`, `+QFUPL`, `OK`), at every offset, or
//! stalls before it; the bytes the server receives are the payload or NUL
//! filler and never command text, a file holds exactly what was sent or is
//! gone, and the next exchange on the same modem works. A stall shorter
//! than the data timeout ends nothing.

mod common;

use common::{rig, Rig, HOST};
use embedded_io::Write;
use modemtls::modem::quectel::{TcpSocket, Timeouts};
use modemtls_sim::{Fault, FaultKind};
use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lower-case payload: any "AT" in what the server receives is a command.
const PAYLOAD: &[u8] = b"sensor-reading=42;level=ok";

/// A TCP server on 127.0.0.1 that keeps what each connection sent.
struct Sink {
    port: u16,
    got: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Sink {
    fn spawn() -> Sink {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
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
                    g.lock().unwrap().push(all);
                });
            }
        });
        Sink { port, got }
    }

    /// What the `n`-th connection (from 1) sent, once it ended.
    fn connection(&self, n: usize) -> Vec<u8> {
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if let Some(c) = self.got.lock().unwrap().get(n - 1) {
                return c.clone();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("connection {n} never ended");
    }
}

fn fast(mut r: Rig) -> Rig {
    r.modem.set_timeouts(Timeouts {
        command_ms: 1_500,
        attach_ms: 10_000,
        open_ms: 10_000,
        data_ms: 3_000,
    });
    r
}

/// Nothing but payload bytes and filler, and no command text.
fn clean(received: &[u8]) -> bool {
    !received.windows(2).any(|w| w.eq_ignore_ascii_case(b"at"))
        && received.iter().all(|b| *b == 0 || PAYLOAD.contains(b))
}

const KINDS: [FaultKind; 3] = [FaultKind::Drop, FaultKind::Flip(0x08), FaultKind::Duplicate];

/// Every fault of `cases`, each on a send, then one undamaged send.
fn sends(cases: Vec<FaultKind>, offsets: std::ops::Range<usize>) {
    let mut r = fast(rig());
    let sink = Sink::spawn();
    let mut n = 0;
    for kind in cases {
        for at in offsets.clone() {
            r.sim.inject_fault(Fault {
                after: "AT+QISEND=".into(),
                at,
                kind,
            });
            let mut sock = TcpSocket::connect(&mut r.modem, HOST, sink.port).expect("open");
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
            assert_eq!(r.sim.faults_pending(), 0, "{kind:?} at {at} never applied");
            // The next command gets its own answer.
            assert!(
                r.modem.network_time().is_ok(),
                "{kind:?} at {at}: modem lost"
            );
        }
    }
    let mut sock = TcpSocket::connect(&mut r.modem, HOST, sink.port).unwrap();
    sock.write_all(PAYLOAD).unwrap();
    sock.close().unwrap();
    assert_eq!(sink.connection(n + 1), PAYLOAD);
    // Nothing leaked in the modem.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.sim.open_sockets(), 0, "sockets left open in the modem");
}

/// The answer to a send: "\r\n> " then "\r\nSEND OK\r\n" (15 bytes).
#[test]
fn a_damaged_send_answer_never_turns_commands_into_data() {
    std::thread::scope(|s| {
        for kind in KINDS {
            s.spawn(move || sends(vec![kind], 0..15));
        }
        // Longer than the data timeout, before the prompt and before SEND OK.
        s.spawn(|| sends(vec![FaultKind::Stall(Duration::from_millis(3_500))], 0..1));
        s.spawn(|| sends(vec![FaultKind::Stall(Duration::from_millis(3_500))], 4..5));
    });
}

/// A quiet UART (cell reselection, a scan) shorter than the data timeout
/// ends neither a send nor a read: before the prompt, before `SEND OK`,
/// inside a read's answer.
#[test]
fn a_stall_shorter_than_the_data_timeout_ends_nothing() {
    let mut r = fast(rig());
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    let stall = FaultKind::Stall(Duration::from_millis(2_000));
    for (after, at) in [("AT+QISEND=", 0), ("AT+QISEND=", 4), ("AT+QIRD=", 6)] {
        let mut sock = TcpSocket::connect(&mut r.modem, HOST, echo.port()).expect("open");
        r.sim.inject_fault(Fault {
            after: after.into(),
            at,
            kind: stall,
        });
        sock.write_all(PAYLOAD).expect("send through a stall");
        let mut back = vec![0u8; PAYLOAD.len()];
        embedded_io::Read::read_exact(&mut sock, &mut back).expect("read through a stall");
        assert_eq!(back, PAYLOAD, "stall after {after} at {at}");
        sock.close().unwrap();
        assert_eq!(
            r.sim.faults_pending(),
            0,
            "stall after {after} at {at} never applied"
        );
    }
}

/// Every fault of `cases` on an upload: the file is exact or gone.
fn uploads(kind: FaultKind, offsets: std::ops::Range<usize>) {
    let mut r = fast(rig());
    let content = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    for at in offsets {
        r.sim.inject_fault(Fault {
            after: "AT+QFUPL=".into(),
            at,
            kind,
        });
        let name = format!("f{at}.pem");
        let res = r.modem.store_file(
            &name,
            content.len(),
            &mut modemtls::at::slice_source(content),
        );
        let stored = r.sim.files().into_iter().find(|(n, _)| *n == name);
        match (&res, stored) {
            (_, None) => assert!(res.is_err(), "{kind:?} at {at}: Ok but no file"),
            (_, Some((_, data))) => assert_eq!(
                data,
                content,
                "{kind:?} at {at}: the file holds {:?} ({res:?})",
                String::from_utf8_lossy(&data)
            ),
        }
        assert_eq!(r.sim.faults_pending(), 0, "{kind:?} at {at} never applied");
        assert!(
            r.modem.network_time().is_ok(),
            "{kind:?} at {at}: modem lost"
        );
    }
}

/// The answer to an upload up to its checksum: "\r\nCONNECT\r\n" then
/// "\r\n+QFUPL: 70,xxxx" (the offsets where a damaged byte can make
/// the client lose the data phase or misread the result).
#[test]
fn a_damaged_upload_answer_never_stores_commands() {
    std::thread::scope(|s| {
        for kind in KINDS {
            s.spawn(move || uploads(kind, 0..24));
        }
    });
}

/// The modem restarts under an open connection: the read says so
/// (`ModemError::Rebooted`), and the next connect initialises and attaches
/// again by itself; a restart while idle is noticed at the next connect.
#[test]
fn a_restart_is_reported_and_the_next_connect_recovers_by_itself() {
    use modemtls::modem::ModemError;
    let mut r = fast(rig());
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    let round_trip = |r: &mut Rig| {
        let mut sock = TcpSocket::connect(&mut r.modem, HOST, echo.port()).expect("open");
        echoes(&mut sock);
        sock.close().unwrap();
    };
    round_trip(&mut r);

    let mut sock = TcpSocket::connect(&mut r.modem, HOST, echo.port()).expect("open");
    r.sim.reboot(Duration::from_millis(300));
    let mut buf = [0u8; 8];
    assert_eq!(
        embedded_io::Read::read(&mut sock, &mut buf).err(),
        Some(ModemError::Rebooted)
    );
    drop(sock);
    round_trip(&mut r);
    assert_eq!(r.sim.command_count("ATE0"), 2, "initialised again once");

    // Idle: the restart is found at the next connect.
    r.sim.reboot(Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(600));
    round_trip(&mut r);
    assert_eq!(r.sim.command_count("ATE0"), 3);
}

/// Every fault of `kind` on the answer to an offloaded send
/// (`AT+QSSLSEND`): what the TLS server decrypts is payload or filler.
fn ssl_sends(kind: FaultKind, offsets: std::ops::Range<usize>) {
    use modemtls::offload;
    use modemtls::session::{Credential, Mode, SessionConfig};
    use modemtls_testkit::{server_creds, Behaviour, KeyKind, ServerOpts, TlsServer, TlsVersions};
    let mut r = fast(rig());
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        behaviour: Behaviour::Sink {
            expect: PAYLOAD.len(),
        },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server");
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload);
    let mut n = 0;
    for at in offsets {
        r.sim.inject_fault(Fault {
            after: "AT+QSSLSEND=".into(),
            at,
            kind,
        });
        let mut s = offload::connect(&mut r.modem, &cfg).expect("offloaded session");
        let sent = s.write_all(PAYLOAD).and_then(|()| s.flush());
        let _ = s.close();
        n += 1;
        let conns = server.wait_connections(n, Duration::from_secs(30));
        let got = &conns.get(n - 1).expect("connection record").received;
        assert!(
            clean(got),
            "{kind:?} at {at}: the server decrypted {:?} (send: {sent:?})",
            String::from_utf8_lossy(got)
        );
        if sent.is_ok() {
            assert_eq!(got, PAYLOAD, "{kind:?} at {at}: a send that succeeded");
        }
        assert_eq!(r.sim.faults_pending(), 0, "{kind:?} at {at} never applied");
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.sim.open_sockets(), 0, "sockets left open in the modem");
}

/// The offloaded send's answer ("\r\n> " then "\r\nSEND OK\r\n").
#[test]
fn a_damaged_offloaded_send_answer_never_turns_commands_into_data() {
    std::thread::scope(|s| {
        for kind in KINDS {
            s.spawn(move || ssl_sends(kind, 0..15));
        }
    });
}

/// One byte of the command or of the payload damaged on its way to the
/// modem (a digit of `AT+QISEND=0,26` changed, a byte dropped or doubled):
/// the server never receives command text. (A shortened length can make
/// the modem send part of the payload only and read the rest as a command
/// line, which it refuses: undetectable on a raw or offloaded connection,
/// where the UART is outside TLS; the host path's TLS catches it.)
fn damaged_input(kind: FaultKind, offsets: std::ops::Range<usize>) {
    let mut r = fast(rig());
    let sink = Sink::spawn();
    let mut n = 0;
    for at in offsets {
        let mut sock = TcpSocket::connect(&mut r.modem, HOST, sink.port).expect("open");
        r.sim.inject_input_fault(at, kind);
        let sent = sock.write_all(PAYLOAD);
        let _ = sock.close();
        r.sim.clear_faults();
        n += 1;
        let got = sink.connection(n);
        assert!(
            !got.iter().any(u8::is_ascii_uppercase),
            "{kind:?} at {at}: the server received {:?} (send: {sent:?})",
            String::from_utf8_lossy(&got)
        );
        assert!(
            r.modem.network_time().is_ok(),
            "{kind:?} at {at}: modem lost"
        );
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.sim.open_sockets(), 0, "sockets left open in the modem");
}

/// "AT+QISEND=0,26\r" (15 bytes) then the 26 payload bytes.
#[test]
fn a_damaged_send_on_the_way_to_the_modem_never_sends_commands() {
    std::thread::scope(|s| {
        for kind in [FaultKind::Drop, FaultKind::Flip(0x01), FaultKind::Duplicate] {
            s.spawn(move || damaged_input(kind, 0..41));
        }
    });
}

/// One flipped digit in the clock's answer (`"26/..."` read as `"86/..."`,
/// or a line that no longer parses) must not end an offloaded connect as
/// "the clock is not set": the driver asks again once.
#[test]
fn a_damaged_clock_answer_is_asked_again() {
    use modemtls::offload;
    let mut r = fast(rig());
    let (server, creds) = tls12_echo();
    let cfg = offload_cfg(&server, &creds);
    // The answer is CR LF `+CCLK: "YY/...`: byte 10 is the year's first
    // digit ('2' ^ 0x0A = '8'); byte 3 is the 'C' of the prefix.
    for (at, mask) in [(10, 0x0A), (3, 0x20)] {
        r.sim.inject_fault(Fault {
            after: "AT+CCLK?".into(),
            at,
            kind: FaultKind::Flip(mask),
        });
        let before = r.sim.command_count("AT+CCLK?");
        let mut s = offload::connect(&mut r.modem, &cfg)
            .unwrap_or_else(|e| panic!("flip {mask:#x} at {at}: {e}"));
        assert_eq!(r.sim.faults_pending(), 0, "the fault was not applied");
        assert_eq!(
            r.sim.command_count("AT+CCLK?") - before,
            2,
            "asked once more"
        );
        echoes(&mut s);
        s.close().unwrap();
    }
}

/// A damaged open result (`+QSSLOPEN: 0,0` with its id flipped, its comma
/// dropped, or its prefix damaged past recognition) does not make the
/// driver wait out the whole open time: it asks the modem for the socket's
/// state, and the session opens at once. The same for a raw socket's
/// `+QIOPEN`.
#[test]
fn a_damaged_open_result_is_checked_with_the_modem_not_waited_out() {
    use modemtls::offload;
    let mut r = fast(rig());
    let mut t = r.modem.timeouts();
    t.open_ms = 30_000;
    r.modem.set_timeouts(t);
    let (server, creds) = tls12_echo();
    let cfg = offload_cfg(&server, &creds);
    // After the command: CR LF OK CR LF, CR LF, then `+QSSLOPEN: 0,0`:
    // byte 9 is the Q, 19 the id, 20 the comma.
    let cases = [
        (9, FaultKind::Flip(0x20)),
        (19, FaultKind::Flip(0x01)),
        (20, FaultKind::Drop),
    ];
    for (at, kind) in cases {
        r.sim.inject_fault(Fault {
            after: "AT+QSSLOPEN=".into(),
            at,
            kind,
        });
        let start = Instant::now();
        let mut s = offload::connect(&mut r.modem, &cfg)
            .unwrap_or_else(|e| panic!("{kind:?} at {at}: {e}"));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{kind:?} at {at}: waited {:?}",
            start.elapsed()
        );
        assert_eq!(r.sim.faults_pending(), 0, "the fault was not applied");
        echoes(&mut s);
        s.close().unwrap();
    }
    // A raw socket: `+QIOPEN: 0,0`, byte 16 is the id.
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    for (at, kind) in [(9, FaultKind::Flip(0x20)), (16, FaultKind::Flip(0x01))] {
        r.sim.inject_fault(Fault {
            after: "AT+QIOPEN=".into(),
            at,
            kind,
        });
        let start = Instant::now();
        let mut sock = TcpSocket::connect(&mut r.modem, HOST, echo.port())
            .unwrap_or_else(|e| panic!("{kind:?} at {at}: {e}"));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{kind:?} at {at}"
        );
        echoes(&mut sock);
        sock.close().unwrap();
    }
}

/// A TLS 1.2 echo server the BG96 firmware reaches, and its credentials.
fn tls12_echo() -> (modemtls_testkit::TlsServer, modemtls_testkit::ServerCreds) {
    use modemtls_testkit::{server_creds, Behaviour, KeyKind, ServerOpts, TlsServer, TlsVersions};
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        behaviour: Behaviour::Echo,
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server");
    (server, creds)
}

/// An offloaded session's config for `server`, trusting its CA.
fn offload_cfg<'a>(
    server: &modemtls_testkit::TlsServer,
    creds: &'a modemtls_testkit::ServerCreds,
) -> modemtls::session::SessionConfig<'a> {
    use modemtls::session::{Credential, Mode, SessionConfig};
    SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload)
}

/// [`PAYLOAD`] sent on `s` comes back whole.
fn echoes<S: embedded_io::Read + embedded_io::Write>(s: &mut S)
where
    S::Error: std::fmt::Debug,
{
    s.write_all(PAYLOAD).unwrap();
    let mut back = vec![0u8; PAYLOAD.len()];
    s.read_exact(&mut back).unwrap();
    assert_eq!(back, PAYLOAD);
}
