//! The M66/M95 driver against the simulated modem (`--profile m95`):
//! binary data both ways through the QI raw socket, a restart under an
//! open connection, the network dropping the GPRS context, and `RAM:`
//! certificates written again after a restart.

mod common;

use common::{sim_config, test_timeouts, HOST};
use embedded_io::{Read, Write};
use modemtls::modem::quectel::M95;
use modemtls::modem::{Apn, Modem, ModemError, TcpSocket};
use modemtls::offload;
use modemtls::port::TcpPort;
use modemtls::session::{Credential, Mode, SessionConfig};
use modemtls_sim::{FirmwareProfile, SimHandle, Simulator};
use modemtls_testkit::{
    server_creds_with, Behaviour, KeyKind, LeafSpec, ServerOpts, TcpEcho, TlsServer, TlsVersions,
};
use std::time::Duration;

/// What a text-based parser would stop at, and every byte value, over
/// more than one send and one read.
fn payload() -> Vec<u8> {
    let mut p =
        b"\r\nOK\r\n> SEND OK\r\n+QIRDI: 0,1,0\r\n0, CLOSED\r\n--EOF--Pattern--\r\n".to_vec();
    p.extend((0..3000u32).map(|i| (i * 7 % 256) as u8));
    p
}

fn rig(profile: &str) -> (SimHandle, M95<TcpPort>) {
    let p = FirmwareProfile::by_name(profile).expect("profile");
    let sim = Simulator::spawn(sim_config(p)).expect("simulator starts");
    let mut m = M95::new(TcpPort::connect(sim.addr()).expect("UART"));
    m.set_timeouts(test_timeouts());
    m.init().expect("init");
    m.attach(&Apn::new("internet")).expect("attach");
    (sim, m)
}

fn echoes(m: &mut M95<TcpPort>, port: u16) {
    let data = payload();
    let mut sock = TcpSocket::connect(m, HOST, port).expect("open");
    sock.write_all(&data).expect("send");
    let mut back = vec![0u8; data.len()];
    sock.read_exact(&mut back).expect("read");
    assert_eq!(back, data);
    sock.close().expect("close");
}

#[test]
fn binary_data_round_trips_on_m95_and_m66() {
    let echo = TcpEcho::spawn().expect("echo server");
    for profile in ["m95", "m66"] {
        let (sim, mut m) = rig(profile);
        echoes(&mut m, echo.port());
        assert!(sim.command_count("AT+QIRD=0,1,0,") >= 2);
        // The simulator counts sockets as of its last poll (a few ms).
        let end = std::time::Instant::now() + Duration::from_secs(2);
        while sim.open_sockets() != 0 && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(sim.open_sockets(), 0, "a socket was left open in the modem");
    }
}

/// The modem restarts under an open connection: the read says so, and the
/// next connect initialises and attaches again by itself; a restart while
/// idle is noticed at the next connect.
#[test]
fn a_restart_is_reported_and_the_next_connect_recovers_by_itself() {
    let echo = TcpEcho::spawn().expect("echo server");
    let (sim, mut m) = rig("m95");
    let mut sock = TcpSocket::connect(&mut m, HOST, echo.port()).expect("open");
    sim.reboot(Duration::from_millis(300));
    let mut buf = [0u8; 8];
    assert_eq!(sock.read(&mut buf).err(), Some(ModemError::Rebooted));
    drop(sock);
    echoes(&mut m, echo.port());
    assert_eq!(sim.command_count("ATE0"), 2, "initialised again once");
    sim.reboot(Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(600));
    echoes(&mut m, echo.port());
    assert_eq!(sim.command_count("ATE0"), 3);
    assert_eq!(sim.command_count("AT+QIACT"), 3);
}

/// `+PDP DEACT`: the read fails with `PdpDown`; the next connect sends
/// `AT+QIDEACT` and activates the context again.
#[test]
fn a_dropped_context_is_activated_again() {
    let echo = TcpEcho::spawn().expect("echo server");
    let (sim, mut m) = rig("m95");
    let mut sock = TcpSocket::connect(&mut m, HOST, echo.port()).expect("open");
    sim.drop_pdp(1);
    let mut buf = [0u8; 8];
    assert_eq!(sock.read(&mut buf).err(), Some(ModemError::PdpDown));
    drop(sock);
    echoes(&mut m, echo.port());
    assert_eq!(sim.command_count("AT+QIACT"), 2);
    assert_eq!(sim.active_contexts(), vec![1]);
}

/// The CA goes to a `RAM:` file once per boot: a second session reuses it
/// (its checksum read back), a restart loses it and the next session
/// writes it again.
#[test]
fn ram_certificates_are_written_once_per_boot() {
    let creds = server_creds_with(
        HOST,
        LeafSpec::server(HOST).kind(KeyKind::Rsa2048),
        KeyKind::P256,
    );
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("AES128-SHA".into()),
        behaviour: Behaviour::Echo,
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server");
    let (sim, mut m) = rig("m95");
    let mut cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload);
    cfg.accept_chain_only = true;
    let session = |m: &mut M95<TcpPort>| {
        let mut s = offload::connect(m, &cfg).expect("offloaded session");
        s.write_all(b"ping").expect("write");
        let mut back = [0u8; 4];
        s.read_exact(&mut back).expect("read");
        assert_eq!(&back, b"ping");
        s.close().expect("close");
    };
    session(&mut m);
    session(&mut m);
    assert_eq!(sim.command_count("AT+QSECWRITE="), 1, "written once");
    sim.reboot(Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(600));
    // The restart is noticed at the next open, after the credential check:
    // the file is gone (QSECREAD: not found) and written again.
    session(&mut m);
    assert_eq!(sim.command_count("AT+QSECWRITE="), 2, "written again");
}
