//! The driver against the simulator's run-time faults, one test each: the
//! UART dropped under an open connection, `SEND FAIL` (once, and from a
//! peer that stopped reading), a small receive buffer under a burst, and a
//! socket closed by the network. Each checks the error the caller gets
//! (the true cause), that nothing leaks in the modem, and that the next
//! connection on the same driver works without a new init.

mod common;

use common::{sim_config, HOST};
use embedded_io::{Read, Write};
use modemtls::at::AtError;
use modemtls::modem::quectel::{Bg9x, TcpSocket, Timeouts};
use modemtls::modem::{Apn, ModemError};
use modemtls::port::{Port, PortError, TcpPort};
use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator, SocketKind};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

const PAYLOAD: &[u8] = b"sensor-reading=42;level=ok";

/// A UART that can be unplugged and plugged in again: after the stream
/// closes it reports [`PortError::Closed`] once, then connects anew on
/// the next use (a USB serial adapter re-enumerated).
struct Replug {
    addr: SocketAddr,
    port: Option<TcpPort>,
    start: Instant,
}

impl Replug {
    fn port(&mut self) -> Result<&mut TcpPort, PortError> {
        if self.port.is_none() {
            self.port = Some(TcpPort::connect(self.addr).map_err(|_| PortError::Closed)?);
        }
        self.port.as_mut().ok_or(PortError::Closed)
    }

    fn check<T>(&mut self, r: Result<T, PortError>) -> Result<T, PortError> {
        if matches!(r, Err(PortError::Closed)) {
            self.port = None;
        }
        r
    }
}

impl Port for Replug {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        let r = self.port()?.write_all(data);
        self.check(r)
    }
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        let r = self.port()?.read(buf, timeout_ms);
        self.check(r)
    }
    fn now_ms(&mut self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

struct Rig {
    sim: SimHandle,
    modem: Bg9x<Replug>,
}

/// Short timeouts: every wait in these tests is bounded by a few seconds.
fn rig_with(cfg: SimConfig) -> Rig {
    let sim = Simulator::spawn(cfg).expect("simulator starts");
    let mut modem = Bg9x::new(Replug {
        addr: sim.addr(),
        port: None,
        start: Instant::now(),
    });
    modem.set_timeouts(Timeouts {
        command_ms: 2_000,
        attach_ms: 5_000,
        open_ms: 5_000,
        data_ms: 2_000,
    });
    modem.init().expect("modem init");
    modem.attach(&Apn::new("internet")).expect("attach");
    Rig { sim, modem }
}

fn rig() -> Rig {
    rig_with(sim_config(FirmwareProfile::bg96()))
}

/// Until `f` holds (3 s limit).
fn eventually(what: &str, f: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(3);
    while !f() {
        assert!(Instant::now() < end, "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One echo round trip on a new socket, closed after.
fn round_trip(r: &mut Rig, port: u16) {
    let mut sock = TcpSocket::connect(&mut r.modem, HOST, port).expect("open");
    sock.write_all(PAYLOAD).expect("send");
    let mut back = vec![0u8; PAYLOAD.len()];
    sock.read_exact(&mut back).expect("echo");
    assert_eq!(back, PAYLOAD);
    sock.close().expect("close");
}

/// Nothing left open in the modem but the APN's context.
fn nothing_leaked(r: &Rig) {
    eventually("sockets released in the modem", || {
        r.sim.open_sockets() == 0
    });
    assert_eq!(r.sim.active_contexts(), vec![1]);
}

#[test]
fn a_dropped_uart_is_a_closed_port_and_the_next_connect_needs_no_init() {
    let mut r = rig();
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    let mut sock = TcpSocket::connect(&mut r.modem, HOST, echo.port()).expect("open");
    r.sim.drop_uart();
    let mut buf = [0u8; 8];
    let t = Instant::now();
    assert_eq!(
        sock.read(&mut buf).err(),
        Some(ModemError::At(AtError::Port(PortError::Closed))),
        "the cause is the UART, not a silent modem"
    );
    assert!(t.elapsed() < Duration::from_secs(1), "found at once");
    // Closing the socket goes out on the new connection.
    drop(sock);
    nothing_leaked(&r);
    round_trip(&mut r, echo.port());
    assert_eq!(r.sim.command_count("ATE0"), 1, "no second init");
    nothing_leaked(&r);
}

#[test]
fn one_send_fail_is_retried_and_the_data_arrives_once() {
    let mut r = rig();
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    r.sim.send_fail(2);
    round_trip(&mut r, echo.port());
    assert_eq!(r.sim.send_fails_pending(), 0);
    assert_eq!(
        r.sim.command_count("AT+QISEND="),
        3,
        "two refused, one taken"
    );
    nothing_leaked(&r);
}

#[test]
fn a_peer_that_stops_reading_is_a_send_error_and_nothing_leaks() {
    let mut r = rig_with(sim_config(FirmwareProfile::bg96()).send_buffer(4_096));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    r.sim.peers_stop_reading(true);
    let mut sock = TcpSocket::connect(&mut r.modem, HOST, port).expect("open");
    let _held: TcpStream = server.join().unwrap().unwrap();
    let data = vec![b'x'; 20_000];
    let t = Instant::now();
    let err = sock.write_all(&data).expect_err("a peer that never reads");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "bounded by the data timeout"
    );
    assert_eq!(err, ModemError::At(AtError::SendFail), "the true cause");
    drop(sock);
    nothing_leaked(&r);
    r.sim.peers_stop_reading(false);
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    round_trip(&mut r, echo.port());
    assert_eq!(r.sim.command_count("ATE0"), 1, "no second init");
}

#[test]
fn a_full_receive_buffer_holds_the_server_back_and_every_byte_arrives() {
    let mut r = rig_with(sim_config(FirmwareProfile::bg96()).recv_buffer(2_048));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let burst: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let b = burst.clone();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        std::io::Write::write_all(&mut s, &b).unwrap();
    });
    let mut sock = TcpSocket::connect(&mut r.modem, HOST, port).expect("open");
    // Let the burst fill the modem's buffer before the first read.
    std::thread::sleep(Duration::from_millis(200));
    let mut got = Vec::new();
    let mut buf = [0u8; 1500];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read failed after {} bytes: {e:?}", got.len()),
        }
    }
    assert_eq!(got.len(), burst.len());
    assert!(got == burst, "bytes changed");
    server.join().unwrap();
    sock.close().expect("close");
    nothing_leaked(&r);
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    round_trip(&mut r, echo.port());
}

#[test]
fn a_socket_closed_by_the_network_ends_the_stream_and_is_released() {
    let mut r = rig();
    let echo = modemtls_testkit::TcpEcho::spawn().expect("echo server");
    let mut sock = TcpSocket::connect(&mut r.modem, HOST, echo.port()).expect("open");
    sock.write_all(PAYLOAD).expect("send");
    let mut back = vec![0u8; PAYLOAD.len()];
    sock.read_exact(&mut back).expect("echo");
    r.sim.close_socket(SocketKind::Tcp, sock.id().0);
    let mut buf = [0u8; 8];
    assert_eq!(sock.read(&mut buf), Ok(0), "end of stream");
    assert_eq!(sock.write(PAYLOAD), Err(ModemError::Closed));
    assert_eq!(r.sim.open_sockets(), 1, "held in state 4 until closed");
    sock.close().expect("close");
    nothing_leaked(&r);
    round_trip(&mut r, echo.port());
    assert_eq!(r.sim.command_count("ATE0"), 1, "no second init");
}
