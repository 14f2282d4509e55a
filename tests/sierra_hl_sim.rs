//! The Sierra driver against the simulated HL8548 / HL78xx: binary data
//! that looks like the framing echoed through a raw session on every
//! profile, in chunks larger than one data command; a restart under an
//! open session; a damaged byte in a read's answer at every offset, which
//! is an error or the right bytes, never wrong ones.

mod common;

use common::{sim_config, HOST};
use embedded_io::{Read, Write};
use modemtls::modem::sierra::SierraHl;
use modemtls::modem::{Apn, Modem, ModemError, TcpSocket, Timeouts};
use modemtls::port::TcpPort;
use modemtls_sim::{Fault, FaultKind, FirmwareProfile, SimHandle, Simulator};
use modemtls_testkit::TcpEcho;
use std::time::Duration;

fn modem(profile: &str) -> (SimHandle, SierraHl<TcpPort>) {
    let p = FirmwareProfile::by_name(profile).expect("profile");
    let sim = Simulator::spawn(sim_config(p)).expect("simulator starts");
    let mut m = SierraHl::new(TcpPort::connect(sim.addr()).expect("UART"));
    m.set_timeouts(Timeouts {
        command_ms: 2_000,
        attach_ms: 10_000,
        open_ms: 10_000,
        data_ms: 4_000,
    });
    m.init().expect("init");
    m.attach(&Apn::new("internet")).expect("attach");
    (sim, m)
}

/// Every byte value, and the framing's texts, many times over.
fn data(len: usize) -> Vec<u8> {
    let pieces: [&[u8]; 4] = [
        b"--EOF--Pattern--",
        b"\r\nOK\r\nCONNECT\r\n> ",
        b"\r\n+KTCP_DATA: 1,5\r\n+KTCP_NOTIF: 1,4\r\n+KSUP: 0\r\n",
        &[0, 1, 0xfe, 0xff],
    ];
    let mut v = Vec::new();
    let mut i = 0u32;
    while v.len() < len {
        v.extend_from_slice(pieces[i as usize % 4]);
        v.extend((0..=255u8).skip((i % 200) as usize).take(37));
        i += 1;
    }
    v.truncate(len);
    v
}

fn echo_exact<M: modemtls::modem::Sockets>(m: &mut M, port: u16, sent: &[u8]) {
    let mut s = TcpSocket::connect(m, HOST, port).expect("open");
    let mut back = vec![0u8; sent.len()];
    std::thread::scope(|_| {
        s.write_all(sent).expect("write");
        s.read_exact(&mut back).expect("read back");
    });
    assert_eq!(back, sent);
    s.close().expect("close");
}

#[test]
fn look_alike_data_echoes_exactly_on_every_profile() {
    let echo = TcpEcho::spawn().expect("echo server");
    let sent = data(7_000);
    for profile in ["hl8548", "hl78xx-4.5", "hl78xx-4.6"] {
        let (sim, mut m) = modem(profile);
        echo_exact(&mut m, echo.port(), &sent);
        assert!(
            sim.command_count("AT+KTCPSND=") >= 5,
            "{profile}: 1,500 bytes a send"
        );
        assert_eq!(sim.open_sockets(), 0, "{profile}: session left open");
    }
}

/// The modem restarts under an open session: the read says so, and the
/// next connect initialises and configures the APN again by itself.
#[test]
fn a_restart_is_reported_and_the_next_connect_recovers_by_itself() {
    let echo = TcpEcho::spawn().expect("echo server");
    let (sim, mut m) = modem("hl78xx-4.6");
    echo_exact(&mut m, echo.port(), b"before");
    let mut s = TcpSocket::connect(&mut m, HOST, echo.port()).expect("open");
    sim.reboot(Duration::from_millis(300));
    let mut buf = [0u8; 8];
    assert_eq!(s.read(&mut buf).err(), Some(ModemError::Rebooted));
    drop(s);
    echo_exact(&mut m, echo.port(), b"after");
    assert_eq!(sim.command_count("ATE0"), 2, "initialised again once");
    assert_eq!(sim.command_count("AT+KCNXCFG="), 2, "APN configured again");
}

/// One byte of the answer to `AT+KTCPRCV` dropped (at every offset of its
/// framing, at every fifth of its data), or flipped in its framing
/// (`CONNECT`, the pattern, `OK`): the read returns the bytes the server
/// sent or fails, never other bytes; the next session works. (A flip inside the data keeps the
/// length and the pattern: binary data has no check on the UART, as on
/// the BG9x; the host path's TLS record MAC is what catches it.)
#[test]
fn a_damaged_read_answer_is_never_wrong_bytes() {
    let (sim, mut m) = modem("hl78xx-4.6");
    // A damaged final result waits for the deadline: a short one.
    m.set_timeouts(Timeouts {
        data_ms: 1_500,
        ..m.timeouts()
    });
    let sent = data(64);
    // CONNECT (11) + 64 data + pattern (16) + OK (6).
    let answer_len = 11 + 64 + 16 + 6;
    let (mut errors, mut exact) = (0, 0);
    let framing = || (0..11).chain(11 + 64..answer_len);
    let cases = framing()
        .chain((11..11 + 64).step_by(5))
        .map(|at| (FaultKind::Drop, at))
        .chain(framing().map(|at| (FaultKind::Flip(0x04), at)));
    for (kind, at) in cases {
        // The echo server takes a bounded number of connections.
        let echo = TcpEcho::spawn().expect("echo server");
        let mut s = TcpSocket::connect(&mut m, HOST, echo.port()).expect("open");
        s.write_all(&sent).expect("write");
        // Wait for the whole echo, so one read takes all of it.
        std::thread::sleep(Duration::from_millis(30));
        sim.inject_fault(Fault {
            after: "AT+KTCPRCV=".into(),
            at,
            kind,
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 128];
        let failed = loop {
            match s.read(&mut buf) {
                Ok(0) => break false,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.len() >= sent.len() {
                        break false;
                    }
                }
                Err(_) => break true,
            }
        };
        assert_eq!(got, sent[..got.len()], "{kind:?} at {at}: wrong bytes");
        if failed {
            errors += 1;
        } else {
            assert_eq!(got, sent, "{kind:?} at {at}");
            exact += 1;
        }
        let _ = s.close();
        echo_exact(&mut m, echo.port(), b"next session");
    }
    assert!(errors > 0 && exact > 0, "errors {errors}, exact {exact}");
}

/// One byte of the answer to `AT+KTCPSND` (`CONNECT`, then `OK`) dropped
/// or flipped at every offset: the server receives the payload
/// whole or not at all, never command text or filler (the modem sends a
/// data phase only when the pattern follows exactly the announced bytes);
/// the next session works.
#[test]
fn a_damaged_send_answer_never_sends_command_text() {
    use std::io::Read as _;
    const PAYLOAD: &[u8] = b"sensor-reading=42;level=ok";
    let (sim, mut m) = modem("hl78xx-4.6");
    m.set_timeouts(Timeouts {
        data_ms: 1_500,
        ..m.timeouts()
    });
    let answer_len = b"\r\nCONNECT\r\n\r\nOK\r\n".len();
    let kinds = [FaultKind::Drop, FaultKind::Flip(0x08)];
    for kind in kinds {
        for at in 0..answer_len {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let server = std::thread::spawn(move || {
                let (mut c, _) = listener.accept().expect("accept");
                c.set_read_timeout(Some(Duration::from_secs(20)))
                    .expect("timeout");
                let mut all = Vec::new();
                let _ = c.read_to_end(&mut all);
                all
            });
            let mut s = TcpSocket::connect(&mut m, HOST, port).expect("open");
            sim.inject_fault(Fault {
                after: "AT+KTCPSND=".into(),
                at,
                kind,
            });
            let r = s.write_all(PAYLOAD);
            let _ = s.close();
            let got = server.join().expect("server");
            assert!(
                got.is_empty() || got == PAYLOAD,
                "{kind:?} at {at} ({r:?}): the server got {:?}",
                String::from_utf8_lossy(&got)
            );
            let echo = TcpEcho::spawn().expect("echo server");
            echo_exact(&mut m, echo.port(), b"next session");
        }
    }
}
