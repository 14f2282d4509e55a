//! The faults a test arms at run time, each seen on the raw UART: a UART
//! dropped under a running modem, `SEND FAIL`, a socket closed by the
//! network, a small receive buffer, damage at a rate, and the reports a
//! test checks for leaks.

mod common;

use common::{config, sim, Host};
use modemtls_sim::{Direction, FirmwareProfile, SimHandle, Simulator, SocketKind};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A server that accepts one connection and hands it over.
fn server() -> (u16, std::thread::JoinHandle<TcpStream>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (port, std::thread::spawn(move || l.accept().unwrap().0))
}

/// Socket 0 connected to a fresh server, in buffer mode.
fn open(h: &mut Host) -> TcpStream {
    let (port, srv) = server();
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"server.test\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,0\r\n");
    srv.join().unwrap()
}

/// Until `f` holds (5 s limit).
fn eventually(what: &str, f: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(5);
    while !f() {
        assert!(Instant::now() < end, "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reads until the stream ends (5 s limit): true when it ended.
fn closed_by_modem(h: &mut Host) -> bool {
    h.s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let end = Instant::now() + Duration::from_secs(5);
    let mut b = [0u8; 256];
    while Instant::now() < end {
        match h.s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn a_dropped_uart_closes_the_stream_and_the_modem_keeps_its_state() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    let mut peer = open(&mut h);
    sim.drop_uart();
    assert!(closed_by_modem(&mut h), "the UART stream was not closed");
    assert!(!sim.uart_drop_pending());
    // Data arriving while nothing is connected waits in the modem.
    peer.write_all(b"while away").unwrap();
    std::thread::sleep(Duration::from_millis(50));

    // A new connection: no banner, same sockets, context and settings
    // (echo still off); the "recv" URC of the data that came meanwhile.
    let mut h = Host::connect(&sim);
    h.expect(b"\r\n+QIURC: \"recv\",0\r\n");
    h.quiet(100);
    h.cmd("AT+QIACT?", "\r\n+QIACT: 1,1,1,\"10.0.0.2\"\r\n\r\nOK\r\n");
    h.send(b"AT+QIRD=0,100\r");
    h.until(b"\r\n+QIRD: 10\r\nwhile away\r\n\r\nOK\r\n");
    assert_eq!(sim.open_sockets(), 1);
    assert_eq!(sim.active_contexts(), vec![1]);
    h.cmd("AT+QICLOSE=0", "\r\nOK\r\n");
    h.cmd("AT+QIDEACT=1", "\r\nOK\r\n");
    eventually("socket and context released", || {
        sim.open_sockets() == 0 && sim.active_contexts().is_empty()
    });
}

#[test]
fn a_uart_drop_after_n_bytes_cuts_the_output_there() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    sim.drop_uart_after_bytes(3);
    h.send(b"ATI\r");
    let mut got = Vec::new();
    h.s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let end = Instant::now() + Duration::from_secs(5);
    let mut b = [0u8; 64];
    while Instant::now() < end {
        match h.s.read(&mut b) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&b[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    assert_eq!(got, b"\r\nQ", "three bytes then the end");
}

#[test]
fn send_fail_is_answered_and_its_data_never_sent() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    let mut peer = open(&mut h);
    sim.send_fail(1);
    h.send(b"AT+QISEND=0,4\r");
    h.expect(b"> ");
    h.send(b"lost");
    h.expect(b"\r\nSEND FAIL\r\n");
    assert_eq!(sim.send_fails_pending(), 0);
    h.send(b"AT+QISEND=0,4\r");
    h.expect(b"> ");
    h.send(b"kept");
    h.expect(b"\r\nSEND OK\r\n");
    let mut b = [0u8; 4];
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    peer.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"kept");
}

#[test]
fn a_peer_that_stops_reading_fills_the_send_buffer() {
    let sim = Simulator::spawn(config(FirmwareProfile::bg96()).send_buffer(3000)).unwrap();
    let mut h = Host::boot(&sim);
    h.attach();
    let mut peer = open(&mut h);
    sim.peers_stop_reading(true);
    let chunk = [b'x'; 1000];
    for _ in 0..3 {
        h.send(b"AT+QISEND=0,1000\r");
        h.expect(b"> ");
        h.send(&chunk);
        h.expect(b"\r\nSEND OK\r\n");
    }
    h.send(b"AT+QISEND=0,1000\r");
    h.expect(b"> ");
    h.send(&chunk);
    h.expect(b"\r\nSEND FAIL\r\n");
    // The peer reads again: the buffer drains, sends work.
    sim.peers_stop_reading(false);
    let mut got = vec![0u8; 3000];
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    peer.read_exact(&mut got).unwrap();
    h.send(b"AT+QISEND=0,1000\r");
    h.expect(b"> ");
    h.send(&chunk);
    h.expect(b"\r\nSEND OK\r\n");
}

#[test]
fn a_socket_closed_by_the_network_says_closed_and_waits_for_qiclose() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    let mut peer = open(&mut h);
    peer.write_all(b"last").unwrap();
    h.expect(b"\r\n+QIURC: \"recv\",0\r\n");
    sim.close_socket(SocketKind::Tcp, 0);
    h.expect(b"\r\n+QIURC: \"closed\",0\r\n");
    // The server sees the connection end.
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 8];
    assert_eq!(peer.read(&mut b).unwrap_or(0), 0);
    // What arrived before stays readable; sends are refused.
    h.send(b"AT+QIRD=0,100\r");
    h.until(b"\r\n+QIRD: 4\r\nlast\r\n\r\nOK\r\n");
    h.cmd("AT+QISEND=0,4", "\r\nERROR\r\n");
    assert_eq!(sim.open_sockets(), 1, "held until QICLOSE");
    h.cmd("AT+QICLOSE=0", "\r\nOK\r\n");
    eventually("socket released", || sim.open_sockets() == 0);
}

#[test]
fn a_full_receive_buffer_holds_the_server_back_and_loses_nothing() {
    let sim: SimHandle =
        Simulator::spawn(config(FirmwareProfile::bg96()).recv_buffer(1000)).unwrap();
    let mut h = Host::boot(&sim);
    h.attach();
    let mut peer = open(&mut h);
    let burst: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let b2 = burst.clone();
    let writer = std::thread::spawn(move || peer.write_all(&b2).map(|()| peer));
    h.expect(b"\r\n+QIURC: \"recv\",0\r\n");
    std::thread::sleep(Duration::from_millis(100));
    // Never more than the buffer waiting in the modem.
    h.cmd("AT+QIRD=0,0", "\r\n+QIRD: 1000,0,1000\r\n\r\nOK\r\n");
    let mut got = Vec::new();
    let end = Instant::now() + Duration::from_secs(10);
    while got.len() < burst.len() && Instant::now() < end {
        h.send(b"AT+QIRD=0,1500\r");
        // Skips "recv" URCs between reads.
        h.until(b"+QIRD: ");
        let head = h.until(b"\r\n");
        let n: usize = std::str::from_utf8(&head[..head.len() - 2])
            .unwrap()
            .parse()
            .unwrap();
        assert!(n <= 1000, "{n} bytes in a 1000-byte buffer");
        if n > 0 {
            got.extend(h.take(n));
            h.expect(b"\r\n\r\nOK\r\n");
        } else {
            h.expect(b"\r\nOK\r\n");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert_eq!(got, burst);
    writer.join().unwrap().unwrap();
}

#[test]
fn damage_at_a_rate_reaches_the_uart() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    sim.set_fault_rate(Direction::Out, 200_000, 5);
    let mut got = Vec::new();
    for _ in 0..20 {
        h.send(b"ATI\r");
        std::thread::sleep(Duration::from_millis(20));
        let mut b = [0u8; 256];
        while let Ok(n) = h.s.read(&mut b) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&b[..n]);
        }
    }
    let clean = b"\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n".repeat(20);
    assert_ne!(got, clean);
    let n = sim.damaged_at_rate(Direction::Out);
    // 20 % of about 1,000 bytes.
    assert!((100..=300).contains(&n), "{n} damaged");
    sim.clear_faults();
    assert_eq!(sim.damaged_at_rate(Direction::Out), 0);
    h.buf.clear();
    h.cmd("AT", "\r\nOK\r\n");
}

#[test]
fn a_restart_after_n_commands() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    sim.reboot_after_commands(2, Duration::from_millis(100));
    h.cmd("AT", "\r\nOK\r\n");
    h.cmd("AT", "\r\nOK\r\n");
    h.expect(b"\r\nRDY\r\n\r\nAPP RDY\r\n");
    // Echo is on again after the restart.
    h.cmd("AT", "AT\r\r\nOK\r\n");
}
