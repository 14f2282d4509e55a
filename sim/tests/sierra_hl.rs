//! The Sierra HL8548 / HL78xx dialect (`docs/dialects/sierra-hl.md`),
//! byte-exact, over a raw TCP connection to the simulator: identity, PDP,
//! raw TCP sessions with binary payloads against loopback servers, the
//! certificate store, and offloaded TLS sessions against in-test OpenSSL
//! servers (RSA-CBC and ECDHE-only).

mod common;

use common::{config, self_signed, tls12_echo_server, AfterEcho, Host, TlsServer, HOST};
use modemtls_sim::{FirmwareProfile, SimHandle, Simulator, SocketKind};
use openssl::x509::X509;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const EOF: &[u8] = b"--EOF--Pattern--";

fn spawn(p: FirmwareProfile) -> SimHandle {
    Simulator::spawn(config(p)).expect("simulator")
}

/// Connects, checks the `+KSUP: 0` banner, echo off, CMEE=1.
fn boot(sim: &SimHandle) -> Host {
    let mut h = Host::connect(sim);
    h.expect(b"\r\n+KSUP: 0\r\n");
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h
}

/// The driver's PDP set-up for cnx 1.
fn pdp(h: &mut Host) {
    h.cmd("AT+KCNXCFG=1,\"GPRS\",\"internet\"", "\r\nOK\r\n");
    h.cmd("AT+KCNXTIMER=1,30,1,30", "\r\nOK\r\n");
    h.cmd("AT+KCNXPROFILE=1", "\r\nOK\r\n");
    h.cmd("AT+CGATT=1", "\r\nOK\r\n");
}

/// `+KTCP_DATA` then `AT+KTCPRCV` until `total` bytes came.
fn read_data(h: &mut Host, s: u8, total: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < total {
        h.expect(format!("\r\n+KTCP_DATA: {s},").as_bytes());
        let n: usize = String::from_utf8(h.until(b"\r\n")).unwrap()[..]
            .trim()
            .parse()
            .unwrap();
        assert!(n > 0);
        h.send(format!("AT+KTCPRCV={s},{n}\r").as_bytes());
        h.expect(b"\r\nCONNECT\r\n");
        got.extend(h.take(n));
        h.expect(EOF);
        h.expect(b"\r\nOK\r\n");
    }
    assert_eq!(got.len(), total);
    got
}

/// `AT+KTCPSND`: CONNECT, the bytes, the pattern, OK.
fn send_data(h: &mut Host, s: u8, data: &[u8]) {
    h.send(format!("AT+KTCPSND={s},{}\r", data.len()).as_bytes());
    h.expect(b"\r\nCONNECT\r\n");
    h.send(data);
    h.send(EOF);
    h.expect(b"\r\nOK\r\n");
}

/// A data phase of the certificate store: CONNECT, data, pattern.
fn store(h: &mut Host, cmd: &str, data: &[u8], want: &str) {
    h.send(format!("{cmd}\r").as_bytes());
    h.expect(b"\r\nCONNECT\r\n");
    h.send(data);
    h.send(EOF);
    h.expect(want.as_bytes());
}

#[test]
fn identity_pdp_and_settings() {
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    h.cmd("AT", "\r\nOK\r\n");
    h.cmd("ATI", "\r\nHL7800\r\n\r\nOK\r\n");
    h.cmd("ATI3", "\r\nHL7800.4.6.9.4\r\n\r\nOK\r\n");
    h.cmd("AT+CGMI", "\r\nSierra Wireless\r\n\r\nOK\r\n");
    h.cmd("AT+CGMM", "\r\nHL7800\r\n\r\nOK\r\n");
    h.cmd("AT+CGMR", "\r\nHL7800.4.6.9.4\r\n\r\nOK\r\n");
    h.cmd("AT&K3", "\r\nOK\r\n");
    h.cmd("AT+KSREP=1", "\r\nOK\r\n");
    h.cmd("AT+CGATT?", "\r\n+CGATT: 1\r\n\r\nOK\r\n");
    // No cnx configured: no session on it.
    h.cmd("AT+KTCPCFG=1,0,\"server.test\",80", "\r\n+CME ERROR: 3\r\n");
    h.cmd(
        "AT+KCNXCFG=1,\"GPRS\",\"internet\",\"\",\"\",\"IPV4V6\"",
        "\r\nOK\r\n",
    );
    h.cmd("AT+KCNXCFG=6,\"GPRS\",\"internet\"", "\r\nERROR\r\n");
    h.cmd(
        "AT+KCNXCFG?",
        "\r\n+KCNXCFG: 1,\"GPRS\",\"internet\"\r\n\r\nOK\r\n",
    );
    h.cmd("AT+CGPADDR=1", "\r\n+CGPADDR: 1,\"\"\r\n\r\nOK\r\n");
    h.cmd("AT+KCNXUP=1", "\r\nOK\r\n");
    h.cmd("AT+CGPADDR=1", "\r\n+CGPADDR: 1,\"10.0.0.2\"\r\n\r\nOK\r\n");
    h.quiet(50);
    assert_eq!(sim.active_contexts(), vec![1]);
    h.cmd("AT+KCNXDOWN=1,1", "\r\nOK\r\n");
    h.cmd("AT+KSSLCFG=2,1", "\r\n+CME ERROR: 918\r\n");
    h.cmd("AT+KSSLCFG=0,0", "\r\nOK\r\n");
    h.cmd(
        "AT+KSSLCFG?",
        "\r\n+KSSLCFG: 0,3\r\n+KSSLCFG: 2,0\r\n\r\nOK\r\n",
    );
    h.cmd(
        "AT+KSSLCRYPTO?",
        "\r\n+KSSLCRYPTO: 0,8,3,25392,12,4,1,0\r\n+KSSLCRYPTO: 1,8,1,8192,4,4,1,0\r\n\
         +KSSLCRYPTO: 2,8,2,16,0,4,1,0\r\n+KSSLCRYPTO: 3,8,2,32,0,4,1,0\r\n\
         +KSSLCRYPTO: 4,8,2,256,0,4,1,0\r\n+KSSLCRYPTO: 5,8,2,512,0,4,1,0\r\n\
         +KSSLCRYPTO: 6,8,2,8192,4,4,1,0\r\n+KSSLCRYPTO: 7,8,2,16384,8,4,1,0\r\n\r\nOK\r\n",
    );
    // 4.6 has no RSA key exchange and no CBC.
    h.cmd("AT+KSSLCRYPTO=1,1,1,8192,4,4,1,0", "\r\n+CME ERROR: 3\r\n");
    h.cmd("AT+KSSLCRYPTO=1,8,1,64,4,4,1,0", "\r\n+CME ERROR: 3\r\n");
    h.cmd("AT+KSSLCRYPTO=1,8,1,8192,4,4,1,2", "\r\nOK\r\n");
    // No HTTP client, no pattern change.
    h.cmd("AT+KHTTPSCFG=1,\"server.test\",443,2", "\r\nERROR\r\n");
    h.cmd("AT+KPATTERN=\"--END--\"", "\r\nERROR\r\n");

    let sim = spawn(FirmwareProfile::hl78xx_4_5());
    let mut h = boot(&sim);
    h.cmd("ATI3", "\r\nHL7800.4.5.4.0\r\n\r\nOK\r\n");
    h.send(b"AT+KSSLCRYPTO?\r");
    let r = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(
        r.starts_with("\r\n+KSSLCRYPTO: 0,9,3,25456,12,4,1\r\n+KSSLCRYPTO: 1,8,1,8192,4,4,1\r\n"),
        "{r:?}"
    );
    assert!(
        r.ends_with("+KSSLCRYPTO: 15,1,1,64,4,4,1\r\n\r\nOK\r\n"),
        "{r:?}"
    );
    assert_eq!(r.matches("+KSSLCRYPTO:").count(), 16);

    let sim = spawn(FirmwareProfile::hl8548());
    let mut h = boot(&sim);
    h.cmd("ATI", "\r\nHL8548\r\n\r\nOK\r\n");
    h.cmd("AT+CGMR", "\r\nRHL85xx.5.5.14.0\r\n\r\nOK\r\n");
    h.cmd("AT+KCNXUP=1", "\r\nERROR\r\n");
    h.cmd("AT+KSSLCRYPTO=1,8,1,8192,4,4,1", "\r\n+CME ERROR: 3\r\n");
}

/// Echoes whatever arrives until the client closes.
fn echo_server() -> (u16, JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 || s.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    (port, t)
}

#[test]
fn raw_tcp_echo_of_binary_that_contains_the_pattern() {
    let (port, server) = echo_server();
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    pdp(&mut h);
    h.cmd(
        &format!("AT+KTCPCFG=1,0,\"{HOST}\",{port}"),
        "\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPSTAT=1", "\r\n+KTCPSTAT: 1,-1,0,0\r\n\r\nOK\r\n");
    // Not connected yet: no CONNECT.
    h.cmd("AT+KTCPSND=1,4", "\r\n+CME ERROR: 3\r\n");
    h.cmd("AT+KTCPCNX=1", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_IND: 1,1\r\n");
    h.cmd("AT+KTCPCNX=1", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_NOTIF: 1,10\r\n");
    let mut payload: Vec<u8> =
        b"--EOF--Pattern--\r\nOK\r\nCONNECT\r\n\x00\xff+KTCP_DATA: 1,9\r\n".to_vec();
    payload.extend((0..=255u8).cycle().take(700));
    payload.extend_from_slice(EOF);
    send_data(&mut h, 1, &payload);
    assert_eq!(read_data(&mut h, 1, payload.len()), payload);
    // A partial read: the rest is announced again after OK.
    let msg = b"0123456789--EOF--Pattern--";
    send_data(&mut h, 1, msg);
    h.expect(format!("\r\n+KTCP_DATA: 1,{}\r\n", msg.len()).as_bytes());
    h.send(b"AT+KTCPRCV=1,10\r");
    h.expect(b"\r\nCONNECT\r\n0123456789--EOF--Pattern--\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_DATA: 1,16\r\n");
    h.cmd("AT+KTCPSTAT=1", "\r\n+KTCPSTAT: 3,10,0,16\r\n\r\nOK\r\n");
    h.cmd(
        "AT+KTCPRCV=1,16",
        "\r\nCONNECT\r\n--EOF--Pattern----EOF--Pattern--\r\nOK\r\n",
    );
    // Nothing buffered: an empty frame.
    h.cmd(
        "AT+KTCPRCV=1,100",
        "\r\nCONNECT\r\n--EOF--Pattern--\r\nOK\r\n",
    );
    // The 16 bytes after the data are not the pattern: nothing is sent.
    h.send(b"AT+KTCPSND=1,4\r");
    h.expect(b"\r\nCONNECT\r\n");
    h.send(b"abcd--EOF--Pattern-X");
    h.expect(b"\r\nERROR\r\n\r\n+KTCP_NOTIF: 1,8\r\n");
    // Too few bytes: the phase ends after 1 s of silence.
    h.send(b"AT+KTCPSND=1,40\r");
    h.expect(b"\r\nCONNECT\r\n");
    h.send(b"short");
    h.send(EOF);
    h.expect(b"\r\nERROR\r\n\r\n+KTCP_NOTIF: 1,8\r\n");
    h.quiet(200);
    // Connected: no delete.
    h.cmd("AT+KTCPDEL=1", "\r\n+CME ERROR: 3\r\n");
    h.cmd("AT+KTCPCLOSE=1,1", "\r\nOK\r\n");
    h.cmd("AT+KTCPSTAT=1", "\r\n+KTCPSTAT: 5,8,0,0\r\n\r\nOK\r\n");
    h.cmd("AT+KTCPDEL=1", "\r\nOK\r\n");
    h.cmd("AT+KTCPSTAT=1", "\r\n+CME ERROR: 3\r\n");
    server.join().unwrap();
    h.quiet(100);
    assert_eq!(sim.open_sockets(), 0);
}

#[test]
fn refused_port_dns_peer_close_and_session_limit() {
    let sim = spawn(FirmwareProfile::hl8548());
    let mut h = boot(&sim);
    pdp(&mut h);
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    h.cmd(
        &format!("AT+KTCPCFG=1,0,\"127.0.0.1\",{closed},,,,0"),
        "\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPCNX=1", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_NOTIF: 1,5\r\n");
    h.cmd("AT+KTCPSTAT=1", "\r\n+KTCPSTAT: 1,5,0,0\r\n\r\nOK\r\n");
    h.cmd(
        "AT+KTCPCFG=1,0,\"nowhere.test\",80",
        "\r\n+KTCPCFG: 2\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPCNX=2", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_NOTIF: 2,3\r\n");
    // A server that says three bytes and closes.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"bye").unwrap();
    });
    h.cmd(
        &format!("AT+KTCPCFG=1,0,\"{HOST}\",{port}"),
        "\r\n+KTCPCFG: 3\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPCNX=3", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_IND: 3,1\r\n");
    t.join().unwrap();
    h.expect(b"\r\n+KTCP_DATA: 3,3\r\n\r\n+KTCP_NOTIF: 3,4\r\n");
    // What came before the close stays readable.
    h.cmd(
        "AT+KTCPRCV=3,3",
        "\r\nCONNECT\r\nbye--EOF--Pattern--\r\nOK\r\n",
    );
    h.cmd("AT+KTCPSTAT=3", "\r\n+KTCPSTAT: 5,4,0,0\r\n\r\nOK\r\n");
    h.cmd("AT+KTCPSND=3,1", "\r\n+CME ERROR: 3\r\n");
    for s in 4..=6 {
        h.cmd(
            &format!("AT+KTCPCFG=1,0,\"{HOST}\",{port}"),
            &format!("\r\n+KTCPCFG: {s}\r\n\r\nOK\r\n"),
        );
    }
    h.cmd(
        &format!("AT+KTCPCFG=1,0,\"{HOST}\",{port}"),
        "\r\n+CME ERROR: 3\r\n",
    );
    h.cmd("AT+KTCPDEL=3", "\r\nOK\r\n");
    // The network closes a session.
    let (eport, server) = echo_server();
    h.cmd(
        &format!("AT+KTCPCFG=1,0,\"{HOST}\",{eport}"),
        "\r\n+KTCPCFG: 3\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPCNX=3", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_IND: 3,1\r\n");
    sim.close_socket(SocketKind::Tcp, 3);
    h.expect(b"\r\n+KTCP_NOTIF: 3,4\r\n");
    h.cmd("AT+KTCPCLOSE=3", "\r\nOK\r\n");
    server.join().unwrap();
}

/// Accepts one TLS 1.2 (or older) connection with an RSA certificate,
/// echoes one read, then waits for the client to close.
fn tls_server(cipher_list: &str) -> TlsServer {
    tls_server_with(cipher_list, None)
}

/// An RSA server that stays open until the client closes (no
/// `+KTCP_NOTIF` racing the reads), with a client CA when given.
fn tls_server_with(cipher_list: &str, client_ca: Option<X509>) -> TlsServer {
    tls12_echo_server(true, cipher_list, client_ca, AfterEcho::WaitForClient)
}

/// A TLS session on KSSLCRYPTO profile `cipher`: `Ok` after the echo, or
/// the `+KTCP_NOTIF` code.
fn tls_session(h: &mut Host, server: &TlsServer, cipher: u8) -> Result<(), u32> {
    h.cmd(
        &format!("AT+KTCPCFG=1,3,\"{HOST}\",{},,,,,{cipher}", server.port),
        "\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPCNX=1", "\r\nOK\r\n");
    h.expect(b"\r\n");
    let line = String::from_utf8(h.until(b"\r\n")).unwrap();
    if let Some(code) = line.strip_prefix("+KTCP_NOTIF: 1,") {
        h.cmd("AT+KTCPDEL=1", "\r\nOK\r\n");
        return Err(code.trim().parse().unwrap());
    }
    assert_eq!(line, "+KTCP_IND: 1,1\r\n");
    let msg: &[u8] = b"GET / HTTP/1.0\r\n\r\n--EOF--Pattern--\r\nOK\r\n";
    send_data(h, 1, msg);
    assert_eq!(read_data(h, 1, msg.len()), msg);
    h.cmd("AT+KTCPCLOSE=1", "\r\nOK\r\n");
    h.cmd("AT+KTCPDEL=1", "\r\nOK\r\n");
    Ok(())
}

#[test]
fn certificate_store_der_pem_short_and_invalid() {
    let (cert, key) = self_signed(true, 30);
    let der = cert.to_der().unwrap();
    let pem = cert.to_pem().unwrap();
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", pem.len()),
        &pem,
        "\r\nOK\r\n",
    );
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{},3", der.len()),
        &der,
        "\r\nOK\r\n",
    );
    let kder = key.private_key_to_der().unwrap();
    store(
        &mut h,
        &format!("AT+KPRIVKSTORE=0,{}", kder.len()),
        &kder,
        "\r\nOK\r\n",
    );
    // Invalid (neither PEM nor DER): 931.
    let junk = vec![b'x'; 300];
    store(
        &mut h,
        "AT+KCERTSTORE=0,300",
        &junk,
        "\r\n+CME ERROR: 931\r\n",
    );
    // The pattern early: 930 after 1 s of silence.
    let t = Instant::now();
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", der.len() + 10),
        &der,
        "\r\n+CME ERROR: 930\r\n",
    );
    assert!(t.elapsed() >= Duration::from_millis(900));
    // Exactly <len> bytes and no pattern: accepted after the silence.
    h.send(format!("AT+KCERTSTORE=1,{}\r", der.len()).as_bytes());
    h.expect(b"\r\nCONNECT\r\n");
    h.send(&der);
    h.expect(b"\r\nOK\r\n");
    h.cmd("AT+KCERTSTORE=0,4097", "\r\nERROR\r\n");
    h.cmd("AT+KCERTSTORE=0,10,4", "\r\nERROR\r\n");
    let names: Vec<String> = sim.files().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["KCERT:local0", "KCERT:root0", "KCERT:root3", "KPRIVK:0"]
    );
    h.cmd("AT+KCERTDELETE=0,3", "\r\nOK\r\n");
    assert_eq!(sim.files().len(), 3);

    // HL8548: DER parsed, PEM stored as it is, junk 931.
    let sim = spawn(FirmwareProfile::hl8548());
    let mut h = boot(&sim);
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", der.len()),
        &der,
        "\r\nOK\r\n",
    );
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", pem.len()),
        &pem,
        "\r\nOK\r\n",
    );
    store(
        &mut h,
        "AT+KCERTSTORE=0,300",
        &junk,
        "\r\n+CME ERROR: 931\r\n",
    );
    h.cmd("AT+KCERTSTORE=0,10,1", "\r\nERROR\r\n");
    assert_eq!(sim.files()[0].1, pem);
}

#[test]
fn rsa_cbc_server_works_on_the_hl8548_and_4_5_not_on_4_6() {
    for (p, ca_der) in [
        (FirmwareProfile::hl8548(), true),
        (FirmwareProfile::hl78xx_4_5(), false),
    ] {
        let server = tls_server("AES128-SHA256");
        let sim = spawn(p);
        let mut h = boot(&sim);
        pdp(&mut h);
        let ca = if ca_der {
            server.cert.to_der().unwrap()
        } else {
            server.cert.to_pem().unwrap()
        };
        store(
            &mut h,
            &format!("AT+KCERTSTORE=0,{}", ca.len()),
            &ca,
            "\r\nOK\r\n",
        );
        assert_eq!(tls_session(&mut h, &server, 0), Ok(()));
        assert_eq!(
            server.result.join().unwrap().unwrap(),
            "TLSv1.2 AES128-SHA256"
        );
        assert_eq!(*server.sni.lock().unwrap(), Some(None), "never SNI");
        h.quiet(100);
        assert_eq!(sim.open_sockets(), 0);
    }
    // 4.6: no RSA key exchange, no CBC.
    let server = tls_server("AES128-SHA256");
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    pdp(&mut h);
    let ca = server.cert.to_pem().unwrap();
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", ca.len()),
        &ca,
        "\r\nOK\r\n",
    );
    assert_eq!(tls_session(&mut h, &server, 0), Err(13));
    assert!(server.result.join().unwrap().is_err());
}

#[test]
fn ecdhe_only_server_works_on_4_6_and_fails_on_the_hl8548() {
    for cipher in [0, 1] {
        let server = tls_server("ECDHE-RSA-AES128-GCM-SHA256");
        let sim = spawn(FirmwareProfile::hl78xx_4_6());
        let mut h = boot(&sim);
        pdp(&mut h);
        let ca = server.cert.to_pem().unwrap();
        store(
            &mut h,
            &format!("AT+KCERTSTORE=0,{}", ca.len()),
            &ca,
            "\r\nOK\r\n",
        );
        assert_eq!(tls_session(&mut h, &server, cipher), Ok(()));
        assert_eq!(
            server.result.join().unwrap().unwrap(),
            "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256"
        );
        assert_eq!(*server.sni.lock().unwrap(), Some(None), "never SNI");
    }
    let server = tls_server("ECDHE-RSA-AES128-GCM-SHA256");
    let sim = spawn(FirmwareProfile::hl8548());
    let mut h = boot(&sim);
    pdp(&mut h);
    let ca = server.cert.to_der().unwrap();
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", ca.len()),
        &ca,
        "\r\nOK\r\n",
    );
    assert_eq!(tls_session(&mut h, &server, 0), Err(13));
    assert!(server.result.join().unwrap().is_err());
}

#[test]
fn a_pem_ca_on_the_hl8548_fails_at_connect_with_13() {
    let server = tls_server("AES128-SHA256");
    let sim = spawn(FirmwareProfile::hl8548());
    let mut h = boot(&sim);
    pdp(&mut h);
    let pem = server.cert.to_pem().unwrap();
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", pem.len()),
        &pem,
        "\r\nOK\r\n",
    );
    assert_eq!(tls_session(&mut h, &server, 0), Err(13));
    assert!(server.result.join().unwrap().is_err());
    assert_eq!(*server.sni.lock().unwrap(), None, "no ClientHello");
    // Without verification (auth 0) the same CA does not matter.
    let server = tls_server("AES128-SHA256");
    h.cmd("AT+KSSLCRYPTO=1,1,1,64,4,4,0", "\r\nOK\r\n");
    assert_eq!(tls_session(&mut h, &server, 1), Ok(()));
    assert_eq!(
        server.result.join().unwrap().unwrap(),
        "TLSv1.2 AES128-SHA256"
    );
}

#[test]
fn profile_names_and_a_reboot_that_keeps_certificates() {
    for (name, rev) in [
        ("hl8548", "RHL85xx.5.5.14.0"),
        ("HL78xx-4.5", "HL7800.4.5.4.0"),
        ("hl78xx-4.6", "HL7800.4.6.9.4"),
    ] {
        let p = FirmwareProfile::by_name(name).unwrap();
        assert_eq!(p.revision, rev);
        assert_eq!(p.family, modemtls_sim::Family::SierraHl);
    }
    let (cert, key) = self_signed(true, 30);
    let der = cert.to_der().unwrap();
    let sim = spawn(FirmwareProfile::hl78xx_4_5());
    let mut h = boot(&sim);
    pdp(&mut h);
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", der.len()),
        &der,
        "\r\nOK\r\n",
    );
    let kpem = key.private_key_to_pem_pkcs8().unwrap();
    store(
        &mut h,
        &format!("AT+KPRIVKSTORE=1,{}", kpem.len()),
        &kpem,
        "\r\nOK\r\n",
    );
    store(
        &mut h,
        "AT+KPRIVKSTORE=2,20",
        &[b'k'; 20],
        "\r\n+CME ERROR: 931\r\n",
    );
    h.cmd("AT+KSSLCRYPTO=3,1,1,64,4,4,0", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+KTCPCFG=1,0,\"{HOST}\",80"),
        "\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
    );
    sim.reboot(Duration::from_millis(100));
    h.expect(b"\r\n+KSUP: 0\r\n");
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    // Sessions, cnx configurations and changed profiles are gone; the
    // certificate and the key stay.
    h.cmd("AT+KTCPSTAT=1", "\r\nERROR\r\n");
    h.cmd("AT+KCNXCFG?", "\r\nOK\r\n");
    h.send(b"AT+KSSLCRYPTO?\r");
    let r = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(r.contains("+KSSLCRYPTO: 3,8,2,32,0,4,1\r\n"), "{r:?}");
    let names: Vec<String> = sim.files().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["KCERT:root0", "KPRIVK:1"]);
}

#[test]
fn a_profile_with_no_usable_suite_or_a_partial_set_is_notif_14() {
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    pdp(&mut h);
    // Two suites, not the whole table: the simulator cannot offer it.
    h.cmd("AT+KSSLCRYPTO=1,8,1,24576,12,4,0,0", "\r\nOK\r\n");
    // CBC is refused at once on 4.6.
    h.cmd("AT+KSSLCRYPTO=2,8,2,64,4,4,0,0", "\r\n+CME ERROR: 3\r\n");
    h.cmd(
        &format!("AT+KTCPCFG=1,3,\"{HOST}\",443,,,,,1"),
        "\r\n+KTCPCFG: 1\r\n\r\nOK\r\n",
    );
    h.cmd("AT+KTCPCNX=1", "\r\nOK\r\n");
    h.expect(b"\r\n+KTCP_NOTIF: 1,14\r\n");
    h.cmd(
        &format!("AT+KTCPCFG=1,3,\"{HOST}\",443,,,,,8"),
        "\r\nERROR\r\n",
    );
    assert!(sim
        .transcript()
        .contains("which the simulator cannot offer"));
}

#[test]
fn mutual_authentication_presents_local_cert_0_and_key_0() {
    let (client, client_key) = self_signed(true, 30);
    let server = tls_server_with("ECDHE-RSA-AES128-GCM-SHA256", Some(client.clone()));
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    pdp(&mut h);
    let ca = server.cert.to_pem().unwrap();
    store(
        &mut h,
        &format!("AT+KCERTSTORE=0,{}", ca.len()),
        &ca,
        "\r\nOK\r\n",
    );
    let c = client.to_pem().unwrap();
    store(
        &mut h,
        &format!("AT+KCERTSTORE=1,{}", c.len()),
        &c,
        "\r\nOK\r\n",
    );
    let k = client_key.private_key_to_pem_pkcs8().unwrap();
    store(
        &mut h,
        &format!("AT+KPRIVKSTORE=0,{}", k.len()),
        &k,
        "\r\nOK\r\n",
    );
    h.cmd("AT+KSSLCRYPTO=1,8,1,8192,4,4,3,0", "\r\nOK\r\n");
    assert_eq!(tls_session(&mut h, &server, 1), Ok(()));
    assert_eq!(
        server.result.join().unwrap().unwrap(),
        "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256"
    );
    // Without the key: the set-up fails (14) before any ClientHello.
    let server = tls_server_with("ECDHE-RSA-AES128-GCM-SHA256", Some(client));
    h.cmd("AT+KPRIVKDELETE=0", "\r\nOK\r\n");
    assert_eq!(tls_session(&mut h, &server, 1), Err(14));
    assert_eq!(*server.sni.lock().unwrap(), None, "no ClientHello");
}

/// `AT+KCERTSTORE?` and `AT+KPRIVKSTORE?`: `CONNECT`, one line per slot
/// that holds something, `OK`; a delete empties the slot.
#[test]
fn store_listings_show_what_is_stored() {
    let (cert, key) = self_signed(true, 30);
    let der = cert.to_der().unwrap();
    let kder = key.private_key_to_der().unwrap();
    let sim = spawn(FirmwareProfile::hl78xx_4_6());
    let mut h = boot(&sim);
    h.cmd("AT+KCERTSTORE?", "\r\nCONNECT\r\n\r\nOK\r\n");
    h.cmd("AT+KPRIVKSTORE?", "\r\nCONNECT\r\n\r\nOK\r\n");
    for cmd in [
        "AT+KCERTSTORE=0,{}",
        "AT+KCERTSTORE=0,{},2",
        "AT+KCERTSTORE=1,{}",
    ] {
        let cmd = cmd.replace("{}", &der.len().to_string());
        store(&mut h, &cmd, &der, "\r\nOK\r\n");
    }
    store(
        &mut h,
        &format!("AT+KPRIVKSTORE=1,{}", kder.len()),
        &kder,
        "\r\nOK\r\n",
    );
    let n = der.len();
    h.cmd(
        "AT+KCERTSTORE?",
        &format!(
            "\r\nCONNECT\r\nroot_cert,0,{n}\r\nroot_cert,2,{n}\r\nlocal_cert,0,{n}\r\n\r\nOK\r\n"
        ),
    );
    h.cmd(
        "AT+KPRIVKSTORE?",
        &format!("\r\nCONNECT\r\nprivate_key,1,{}\r\n\r\nOK\r\n", kder.len()),
    );
    h.cmd("AT+KCERTDELETE=0,2", "\r\nOK\r\n");
    h.cmd("AT+KPRIVKDELETE=1", "\r\nOK\r\n");
    // An empty slot: OK as well.
    h.cmd("AT+KPRIVKDELETE=1", "\r\nOK\r\n");
    h.cmd(
        "AT+KCERTSTORE?",
        &format!("\r\nCONNECT\r\nroot_cert,0,{n}\r\nlocal_cert,0,{n}\r\n\r\nOK\r\n"),
    );
    h.cmd("AT+KPRIVKSTORE?", "\r\nCONNECT\r\n\r\nOK\r\n");
}
