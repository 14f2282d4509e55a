//! The M66/M95 dialect (`docs/dialects/m95.md`), byte-exact, over a raw TCP
//! connection to the simulator: boot URCs, identity, the QI PDP commands,
//! raw TCP with binary payloads against a loopback echo server, certificate
//! files with their checksum, and offloaded SSL against in-test OpenSSL
//! servers.

mod common;

use common::{config, tls12_echo_server, AfterEcho, Host, TlsServer, HOST};
use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator, SocketKind};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BANNER: &[u8] =
    b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n";

/// A payload a text-based parser would break on.
const NASTY: &[u8] = b"\r\nOK\r\n> SEND OK\r\n\r\n+QIRDI: 0,1,0\r\n\x00\xff\x1a\x1b+++";

fn spawn(cfg: SimConfig) -> SimHandle {
    Simulator::spawn(cfg).expect("simulator")
}

/// Connects, checks the boot URCs, turns echo off and numeric CME errors on.
fn boot(sim: &SimHandle) -> Host {
    let mut h = Host::connect(sim);
    h.expect(BANNER);
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h
}

/// The production init and PDP sequence (M95C), byte-exact.
fn pdp_up(h: &mut Host) {
    for c in [
        "AT+QIFGCNT=0",
        "AT+QICSGP=1,\"internet\"",
        "AT+QIMODE=0",
        "AT+QIMUX=1",
        "AT+QIDNSIP=1",
        "AT+QINDI=1",
        "AT+QIREGAPP",
        "AT+QIACT",
    ] {
        h.cmd(c, "\r\nOK\r\n");
    }
    h.cmd("AT+QILOCIP", "\r\n10.1.83.188\r\n");
}

/// The Quectel XOR-16, written out again here.
fn xor16(d: &[u8]) -> String {
    let mut acc = 0u16;
    for (i, b) in d.iter().enumerate() {
        acc ^= if i % 2 == 0 {
            u16::from(*b) << 8
        } else {
            u16::from(*b)
        };
    }
    format!("{acc:x}")
}

/// `AT+QSECWRITE` of `data` as `name`, byte-exact.
fn secwrite(h: &mut Host, name: &str, data: &[u8]) {
    h.send(format!("AT+QSECWRITE=\"{name}\",{},100\r", data.len()).as_bytes());
    h.expect(b"\r\nCONNECT\r\n");
    h.send(data);
    h.expect(
        format!(
            "\r\n+QSECWRITE: {},{}\r\n\r\nOK\r\n",
            data.len(),
            xor16(data)
        )
        .as_bytes(),
    );
}

#[test]
fn boot_urcs_identity_and_the_pdp_state_machine() {
    let sim = spawn(config(FirmwareProfile::m95()));
    let mut h = boot(&sim);
    h.cmd("AT", "\r\nOK\r\n");
    h.cmd(
        "ATI",
        "\r\nQuectel_Ltd\r\nQuectel_M95\r\nRevision: M95FAR02A08\r\n\r\nOK\r\n",
    );
    h.cmd("AT+GMR", "\r\nRevision: M95FAR02A08\r\n\r\nOK\r\n");
    h.cmd("AT+QGMR", "\r\nERROR\r\n");
    h.cmd("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    // Nothing before QIREGAPP.
    h.cmd("AT+QISTAT", "\r\nOK\r\n\r\nSTATE: IP INITIAL\r\n");
    h.cmd("AT+QIACT", "\r\nERROR\r\n");
    h.cmd("AT+QILOCIP", "\r\nERROR\r\n");
    // BG96 forms and unsimulated modes are refused.
    h.cmd("AT+QICSGP=1,1,\"internet\",\"\",\"\",0", "\r\nERROR\r\n");
    h.cmd("AT+QIMODE=1", "\r\nERROR\r\n");
    h.cmd("AT+QINDI=2", "\r\nERROR\r\n");
    h.cmd("AT+QICSGP=1,\"internet\",\"user\",\"pw\"", "\r\nOK\r\n");
    pdp_up(&mut h);
    h.cmd("AT+QISTAT", "\r\nOK\r\n\r\nSTATE: IP STATUS\r\n");
    h.cmd("AT+QIREGAPP", "\r\nERROR\r\n");
    assert_eq!(sim.active_contexts(), vec![1]);
    h.cmd("AT+QIDEACT", "\r\nDEACT OK\r\n");
    h.cmd("AT+QILOCIP", "\r\nERROR\r\n");
    h.quiet(100);
    // The network drops the context.
    pdp_up(&mut h);
    sim.drop_pdp(1);
    h.expect(b"\r\n+PDP DEACT\r\n");
    h.cmd("AT+QISTAT", "\r\nOK\r\n\r\nSTATE: IP INITIAL\r\n");

    let sim = spawn(config(FirmwareProfile::m66()));
    let mut h = boot(&sim);
    h.cmd(
        "ATI",
        "\r\nQuectel_Ltd\r\nQuectel_M66\r\nRevision: M66FAR02A12\r\n\r\nOK\r\n",
    );
}

/// Accepts one connection, echoes `n` bytes, then holds it open until the
/// client closes.
fn echo_once(n: usize) -> (u16, JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = vec![0u8; n];
        s.read_exact(&mut got).unwrap();
        s.write_all(&got).unwrap();
        let mut rest = [0u8; 16];
        while matches!(s.read(&mut rest), Ok(n) if n > 0) {}
    });
    (port, t)
}

#[test]
fn raw_tcp_echo_with_binary_payloads() {
    let (port, server) = echo_once(NASTY.len());
    let sim = spawn(config(FirmwareProfile::m95()));
    let mut h = boot(&sim);
    pdp_up(&mut h);
    h.cmd(
        &format!("AT+QIOPEN=0,\"TCP\",\"{HOST}\",{port}"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n0, CONNECT OK\r\n");
    h.cmd(
        &format!("AT+QIOPEN=0,\"TCP\",\"{HOST}\",{port}"),
        "\r\nALREADY CONNECT\r\n",
    );
    // Nothing received yet: a bare OK.
    h.cmd("AT+QIRD=0,1,0,1500", "\r\nOK\r\n");
    h.cmd("AT+QISEND=0,1461", "\r\nERROR\r\n");
    h.send(format!("AT+QISEND=0,{}\r", NASTY.len()).as_bytes());
    h.expect(b"\r\n> ");
    h.send(NASTY);
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QIRDI: 0,1,0\r\n");
    // A short read, then the rest, then a bare OK.
    h.cmd(
        "AT+QIRD=0,1,0,10",
        &format!(
            "\r\n+QIRD: 127.0.0.1:{port},TCP,10\r\n{}\r\nOK\r\n",
            String::from_utf8_lossy(&NASTY[..10])
        ),
    );
    h.send(b"AT+QIRD=0,1,0,1500\r");
    h.expect(format!("\r\n+QIRD: 127.0.0.1:{port},TCP,{}\r\n", NASTY.len() - 10).as_bytes());
    assert_eq!(h.take(NASTY.len() - 10), &NASTY[10..]);
    h.expect(b"\r\nOK\r\n");
    h.cmd("AT+QIRD=0,1,0,1500", "\r\nOK\r\n");
    h.cmd("AT+QICLOSE=0", "\r\n0, CLOSE OK\r\n");
    h.cmd("AT+QICLOSE=0", "\r\nERROR\r\n");
    server.join().unwrap();
    h.quiet(100);
    assert_eq!(sim.open_sockets(), 0);
}

#[test]
fn refused_port_is_connect_fail_and_a_network_close_says_closed() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = l.local_addr().unwrap().port();
    drop(l);
    let (port, _server) = echo_once(1);
    let sim = spawn(config(FirmwareProfile::m66()));
    let mut h = boot(&sim);
    pdp_up(&mut h);
    h.cmd(
        &format!("AT+QIOPEN=1,\"TCP\",\"127.0.0.1\",{refused}"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n1, CONNECT FAIL\r\n");
    h.cmd("AT+QIOPEN=2,\"TCP\",\"nowhere.test\",80", "\r\nOK\r\n");
    h.expect(b"\r\n2, CONNECT FAIL\r\n");
    h.cmd(
        &format!("AT+QIOPEN=3,\"TCP\",\"{HOST}\",{port}"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n3, CONNECT OK\r\n");
    sim.close_socket(SocketKind::Tcp, 3);
    h.expect(b"\r\n3, CLOSED\r\n");
    h.cmd("AT+QISEND=3,5", "\r\nERROR\r\n");
    // The index is free again.
    h.cmd(
        &format!("AT+QIOPEN=3,\"TCP\",\"127.0.0.1\",{refused}"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n3, CONNECT FAIL\r\n");
}

#[test]
fn qsecwrite_qsecread_checksums_and_a_short_upload() {
    let sim = spawn(config(FirmwareProfile::m95()));
    let mut h = boot(&sim);
    h.cmd("AT+QSECDEL=\"RAM:ca.pem\"", "\r\n+CME ERROR: 405\r\n");
    let data = [NASTY, b"odd"].concat();
    assert_eq!(data.len() % 2, 0);
    secwrite(&mut h, "RAM:ca.pem", &data);
    h.cmd(
        "AT+QSECREAD=\"RAM:ca.pem\"",
        &format!("\r\n+QSECREAD: 1,{}\r\n\r\nOK\r\n", xor16(&data)),
    );
    // An odd length: the last byte is a high byte.
    secwrite(&mut h, "RAM:odd.pem", b"abc");
    h.cmd(
        "AT+QSECREAD=\"RAM:odd.pem\"",
        "\r\n+QSECREAD: 1,262\r\n\r\nOK\r\n",
    );
    // Exists: delete first.
    h.cmd(
        "AT+QSECWRITE=\"RAM:ca.pem\",10,100",
        "\r\n+CME ERROR: 407\r\n",
    );
    h.cmd("AT+QSECDEL=\"RAM:ca.pem\"", "\r\nOK\r\n");
    h.cmd("AT+QSECREAD=\"RAM:ca.pem\"", "\r\n+CME ERROR: 405\r\n");
    // Limits and names.
    h.cmd("AT+QSECWRITE=\"RAM:big.pem\",32769,100", "\r\nERROR\r\n");
    h.cmd("AT+QSECWRITE=\"NVRAM:CA0\",2026,100", "\r\nERROR\r\n");
    h.cmd("AT+QSECWRITE=\"NVRAM:XX\",10,100", "\r\nERROR\r\n");
    h.cmd("AT+QSECWRITE=\"ca.pem\",10,100", "\r\nERROR\r\n");
    // The input stops: after the timeout what arrived is stored, and
    // QSECREAD says it is not good.
    let t0 = Instant::now();
    h.send(b"AT+QSECWRITE=\"RAM:short.pem\",100,3\r");
    h.expect(b"\r\nCONNECT\r\n");
    h.send(b"0123456789");
    h.expect(format!("\r\n+QSECWRITE: 10,{}\r\n\r\nOK\r\n", xor16(b"0123456789")).as_bytes());
    assert!(t0.elapsed() >= Duration::from_secs(3));
    h.cmd(
        "AT+QSECREAD=\"RAM:short.pem\"",
        &format!("\r\n+QSECREAD: 0,{}\r\n\r\nOK\r\n", xor16(b"0123456789")),
    );
}

/// The driver's SSL setup of context 0 (M95C order: delete, write, check,
/// then the key-first QSSLCFG settings).
fn ssl_setup(h: &mut Host, ca_pem: &[u8], suite: &str) {
    h.send(b"AT+QSECDEL=\"RAM:ca_cert.pem\"\r");
    let r = h.until(b"\r\n");
    let r = [r, h.until(b"\r\n")].concat();
    assert!(
        r == b"\r\nOK\r\n" || r == b"\r\n+CME ERROR: 405\r\n",
        "{}",
        common::show(&r)
    );
    secwrite(h, "RAM:ca_cert.pem", ca_pem);
    h.cmd(
        "AT+QSECREAD=\"RAM:ca_cert.pem\"",
        &format!("\r\n+QSECREAD: 1,{}\r\n\r\nOK\r\n", xor16(ca_pem)),
    );
    for c in [
        "AT+QSSLCFG=\"seclevel\",0,1".to_string(),
        "AT+QSSLCFG=\"sslversion\",0,4".to_string(),
        format!("AT+QSSLCFG=\"ciphersuite\",0,\"{suite}\""),
        "AT+QSSLCFG=\"cacert\",0,\"RAM:ca_cert.pem\"".to_string(),
        "AT+QSSLCFG=\"ignorertctime\",1".to_string(),
    ] {
        h.cmd(&c, "\r\nOK\r\n");
    }
}

#[test]
fn offloaded_session_with_rsa_aes128_cbc_sha_verified() {
    let server = tls_server(true, "AES128-SHA");
    let sim = spawn(config(FirmwareProfile::m95()));
    let mut h = boot(&sim);
    pdp_up(&mut h);
    ssl_setup(&mut h, &server.ca_pem(), "0X002F");
    h.cmd(
        "AT+QSSLCFG=\"ciphersuite\",0",
        "\r\n+QSSLCFG: \"ciphersuite\",\"0X002F\"\r\n\r\nOK\r\n",
    );
    h.cmd(
        "AT+QSSLCFG=\"cacert\",0",
        "\r\n+QSSLCFG: \"cacert\",\"RAM:ca_cert.pem\"\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"ciphersuite\",0,0XFFFF", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=\"ciphersuite\",0,\"0XC02F\"", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=\"sni\",0,1", "\r\nERROR\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,\"{HOST}\",{},0,60", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 1,0\r\n");
    h.cmd("AT+QSSLRECV=0,1,1500", "\r\nOK\r\n");
    h.cmd("AT+QSSLRECV=1,1,1500", "\r\nERROR\r\n");
    h.send(format!("AT+QSSLSEND=1,{}\r", NASTY.len()).as_bytes());
    h.expect(b"\r\n> ");
    h.send(NASTY);
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QSSLURC: \"recv\",0,1\r\n");
    h.send(b"AT+QSSLRECV=0,1,1500\r");
    h.expect(
        format!(
            "\r\n+QSSLRECV: 127.0.0.1:{},TCP,{}\r\n",
            server.port,
            NASTY.len()
        )
        .as_bytes(),
    );
    assert_eq!(h.take(NASTY.len()), NASTY);
    h.expect(b"\r\nOK\r\n");
    h.cmd("AT+QSSLRECV=0,1,1500", "\r\nOK\r\n");
    h.cmd("AT+QSSLCLOSE=1", "\r\nOK\r\n");
    assert_eq!(server.result.join().unwrap().unwrap(), "TLSv1.2 AES128-SHA");
    assert_eq!(*server.sni.lock().unwrap(), Some(None), "never SNI");
    h.quiet(100);
    assert_eq!(sim.open_sockets(), 0);
}

#[test]
fn ecdhe_only_server_is_minus_5() {
    let server = tls_server(
        true,
        "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305",
    );
    let sim = spawn(config(FirmwareProfile::m95()));
    let mut h = boot(&sim);
    pdp_up(&mut h);
    ssl_setup(&mut h, &server.ca_pem(), "0XFFFF");
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0,60", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-5\r\n");
    assert!(server.result.join().unwrap().is_err());
    h.quiet(50);
    assert_eq!(sim.open_sockets(), 0);
}

#[test]
fn a_reboot_loses_the_ram_files_and_the_open_is_minus_9() {
    let server = tls_server(true, "AES256-SHA");
    let sim = spawn(config(FirmwareProfile::m95()));
    let mut h = boot(&sim);
    secwrite(&mut h, "NVRAM:CA0", b"kept");
    pdp_up(&mut h);
    ssl_setup(&mut h, &server.ca_pem(), "0X0035");
    sim.reboot(Duration::from_millis(200));
    h.expect(BANNER);
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h.cmd("AT+QSECREAD=\"RAM:ca_cert.pem\"", "\r\n+CME ERROR: 405\r\n");
    h.cmd(
        "AT+QSECREAD=\"NVRAM:CA0\"",
        &format!("\r\n+QSECREAD: 1,{}\r\n\r\nOK\r\n", xor16(b"kept")),
    );
    // Settings are back to power-on values too; a driver that only
    // reconfigures (and forgets the upload) fails before any ClientHello.
    h.cmd(
        "AT+QSSLCFG=\"seclevel\",0",
        "\r\n+QSSLCFG: \"seclevel\",0\r\n\r\nOK\r\n",
    );
    pdp_up(&mut h);
    h.cmd("AT+QSSLCFG=\"seclevel\",0,1", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"RAM:ca_cert.pem\"", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=2,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 2,-9\r\n");
    assert_eq!(*server.sni.lock().unwrap(), None, "no ClientHello");
}

/// The TLS server of these tests: one connection, one echo.
fn tls_server(rsa: bool, cipher_list: &str) -> TlsServer {
    tls12_echo_server(rsa, cipher_list, None, AfterEcho::WaitForClient)
}

/// `AT+QFLST="RAM:*"`: one line per `RAM:` file, sorted; nothing → 405.
/// `RAM:` files go at a power-on, and stay over a new connection with
/// `keep_power`.
#[test]
fn qflst_lists_the_ram_files() {
    for keep in [false, true] {
        let sim = spawn(config(FirmwareProfile::m95()).keep_power(keep));
        let mut h = boot(&sim);
        h.cmd("AT+QFLST=\"RAM:*\"", "\r\n+CME ERROR: 405\r\n");
        secwrite(&mut h, "RAM:b.pem", b"abc");
        secwrite(&mut h, "RAM:a.key", NASTY);
        h.cmd(
            "AT+QFLST=\"RAM:*\"",
            &format!(
                "\r\n+QFLST: \"RAM:a.key\",{}\r\n+QFLST: \"RAM:b.pem\",3\r\n\r\nOK\r\n",
                NASTY.len()
            ),
        );
        h.cmd(
            "AT+QFLST=\"RAM:b.*\"",
            "\r\n+QFLST: \"RAM:b.pem\",3\r\n\r\nOK\r\n",
        );
        h.cmd("AT+QFLST=\"RAM:c*\"", "\r\n+CME ERROR: 405\r\n");
        h.cmd("AT+QFLST", "\r\nERROR\r\n");
        h.cmd("AT+QSECDEL=\"RAM:a.key\"", "\r\nOK\r\n");
        h.cmd(
            "AT+QFLST=\"RAM:*\"",
            "\r\n+QFLST: \"RAM:b.pem\",3\r\n\r\nOK\r\n",
        );
        drop(h);
        let mut h = Host::connect(&sim);
        if keep {
            // The same running modem: no banner, echo still off.
            h.cmd(
                "AT+QFLST=\"RAM:*\"",
                "\r\n+QFLST: \"RAM:b.pem\",3\r\n\r\nOK\r\n",
            );
        } else {
            h.expect(BANNER);
            h.send(b"ATE0\r");
            h.expect(b"ATE0\r\r\nOK\r\n");
            h.cmd("AT+CMEE=1", "\r\nOK\r\n");
            h.cmd("AT+QFLST=\"RAM:*\"", "\r\n+CME ERROR: 405\r\n");
        }
    }
}
