//! The BC66/BC660K dialect (`docs/dialects/bc66.md`), byte-exact, over a
//! raw TCP connection to the simulator: init, clock, attach, raw TCP in hex
//! against a loopback echo server, the 2,168-byte receive buffer that drops
//! data, and the one offloaded SSL connection against in-test OpenSSL
//! servers.

mod common;

use common::{config, echo_once, self_signed, tls12_echo_server, AfterEcho, Host, TlsServer, HOST};
use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator, SocketKind};
use openssl::ssl::{SslAcceptor, SslMethod};
use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn bc66_config() -> SimConfig {
    config(FirmwareProfile::bc66()).attach_ms(200)
}

fn spawn(cfg: SimConfig) -> SimHandle {
    Simulator::spawn(cfg).expect("simulator")
}

/// Connects, checks the `RDY` banner and turns echo off.
fn boot(sim: &SimHandle) -> Host {
    let mut h = Host::connect(sim);
    h.expect(b"\r\nRDY\r\n");
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    h
}

/// The driver's init and attach, byte-exact.
fn init_and_attach(h: &mut Host) {
    for c in [
        "AT+CMEE=1",
        "AT+CTZU=1",
        "AT+QICFG=\"dataformat\",1,1",
        "AT+QICFG=\"showlength\",1",
        "AT+QICFG=\"viewmode\",0",
        "AT+QCGDEFCONT=\"IP\",\"internet\"",
        "AT+CGATT=1",
    ] {
        h.cmd(c, "\r\nOK\r\n");
    }
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        h.send(b"AT+CGATT?\r");
        let r = h.until(b"\r\n\r\nOK\r\n");
        if r == b"\r\n+CGATT: 1\r\n\r\nOK\r\n" {
            break;
        }
        assert_eq!(common::show(&r), "\\r\\n+CGATT: 0\\r\\n\\r\\nOK\\r\\n");
        assert!(Instant::now() < end, "no attach");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn identity_init_clock_and_unknown_commands() {
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    h.cmd("AT", "\r\nOK\r\n");
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h.cmd(
        "ATI",
        "\r\nQuectel_Ltd\r\nQuectel_BC66\r\nRevision: BC66NBR01A10\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QGMR", "\r\nERROR\r\n");
    h.cmd("AT+CTZU=1", "\r\nOK\r\n");
    h.cmd("AT+QICFG=\"dataformat\",1,1", "\r\nOK\r\n");
    h.cmd("AT+QICFG=\"showlength\",1", "\r\nOK\r\n");
    h.cmd("AT+QICFG=\"viewmode\",0", "\r\nOK\r\n");
    h.cmd(
        "AT+QICFG=\"dataformat\"",
        "\r\n+QICFG: \"dataformat\",1,1\r\n\r\nOK\r\n",
    );
    // No BG96 PDP commands on this family.
    h.cmd("AT+QICSGP=1,1,\"internet\",\"\",\"\",0", "\r\nERROR\r\n");
    h.cmd("AT+QIACT=1", "\r\nERROR\r\n");
    // Unset clock: a 1980 date until network time.
    h.send(b"AT+CCLK?\r");
    let c = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(
        c.starts_with("\r\n+CCLK: \"80/01/06,00:00:0") && c.ends_with("+00\"\r\n\r\nOK\r\n"),
        "{c:?}"
    );
    h.quiet(100);

    let sim = spawn(config(FirmwareProfile::bc660k()));
    let mut h = boot(&sim);
    h.cmd(
        "ATI",
        "\r\nQuectel\r\nBC660K-GL\r\nRevision: BC660KGLAAR01A05\r\n\r\nOK\r\n",
    );
}

#[test]
fn attach_takes_a_while_then_network_time_sets_the_clock() {
    let t0 = 1_795_346_993; // 26/11/22,11:29:53
    let sim = spawn(bc66_config().attach_ms(300).network_time(t0));
    let mut h = boot(&sim);
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h.cmd("AT+CTZU=1", "\r\nOK\r\n");
    h.cmd("AT+CGPADDR=1", "\r\n+CGPADDR: 1\r\n\r\nOK\r\n");
    h.cmd("AT+QCGDEFCONT=\"IP\",\"internet\"", "\r\nOK\r\n");
    h.cmd(
        "AT+QCGDEFCONT=\"IP\",\"internet\",\"user\",\"pw\"",
        "\r\nOK\r\n",
    );
    h.cmd("AT+CGATT=1", "\r\nOK\r\n");
    h.cmd("AT+CGATT?", "\r\n+CGATT: 0\r\n\r\nOK\r\n");
    std::thread::sleep(Duration::from_millis(400));
    h.cmd("AT+CGATT?", "\r\n+CGATT: 1\r\n\r\nOK\r\n");
    h.cmd("AT+CGPADDR=1", "\r\n+CGPADDR: 1,10.0.0.2\r\n\r\nOK\r\n");
    h.send(b"AT+CCLK?\r");
    let c = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(c.starts_with("\r\n+CCLK: \"26/11/22,11:29:5"), "{c:?}");
    assert_eq!(sim.active_contexts(), vec![1]);
    // The network drops the context.
    sim.drop_pdp(1);
    h.expect(b"\r\n+QIURC: \"pdpdeact\",1\r\n");
    h.cmd("AT+CGATT?", "\r\n+CGATT: 0\r\n\r\nOK\r\n");
}

#[test]
fn raw_tcp_echo_in_hex() {
    let inline: &[u8] = b"Hello\r\n\x00\xff";
    let prompted: &[u8] = b"> OK\r\n";
    let (port, server) = echo_once(inline.len() + prompted.len());
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    // Not attached yet: 561 after OK.
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"127.0.0.1\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,561\r\n");
    init_and_attach(&mut h);
    // BC66 raw sockets are on context 1; ids 0-4.
    h.cmd(
        &format!("AT+QIOPEN=0,0,\"TCP\",\"127.0.0.1\",{port},0,0"),
        "\r\nERROR\r\n",
    );
    h.cmd(
        &format!("AT+QIOPEN=1,5,\"TCP\",\"127.0.0.1\",{port},0,0"),
        "\r\nERROR\r\n",
    );
    h.cmd(
        "AT+QIOPEN=1,1,\"TCP\",\"nowhere.test\",80,0,0",
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 1,565\r\n");
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"{HOST}\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,0\r\n");
    h.cmd("AT+QIRD=0,512", "\r\n+QIRD: 0,0,\"\"\r\n\r\nOK\r\n");
    // Inline hex: OK, then SEND OK.
    h.cmd(
        &format!("AT+QISEND=0,{},{}", inline.len(), hex(inline)),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\nSEND OK\r\n");
    // Wrong number of hex digits: ERROR.
    h.cmd("AT+QISEND=0,2,ABC", "\r\nERROR\r\n");
    // Prompt form: exactly 2*len hex digits, no Ctrl-Z.
    h.send(format!("AT+QISEND=0,{}\r", prompted.len()).as_bytes());
    h.expect(b"> ");
    h.send(hex(prompted).as_bytes());
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QIURC: \"recv\",0\r\n");
    server.join().unwrap();
    h.expect(b"\r\n+QIURC: \"closed\",0\r\n");
    let all: Vec<u8> = [inline, prompted].concat();
    h.cmd(
        "AT+QIRD=0,4",
        &format!(
            "\r\n+QIRD: 4,{},\"{}\"\r\n\r\nOK\r\n",
            all.len() - 4,
            hex(&all[..4])
        ),
    );
    h.cmd(
        "AT+QIRD=0,512",
        &format!(
            "\r\n+QIRD: {},0,\"{}\"\r\n\r\nOK\r\n",
            all.len() - 4,
            hex(&all[4..])
        ),
    );
    h.cmd("AT+QIRD=0,513", "\r\nERROR\r\n");
    h.cmd("AT+QICLOSE=0", "\r\nOK\r\n");
    h.expect(b"\r\nCLOSE OK\r\n");
    h.cmd("AT+QICLOSE=0", "\r\nERROR\r\n");
    h.quiet(100);
}

#[test]
fn the_2168_byte_buffer_says_buff_full_once_and_drops_the_rest() {
    let sent: Vec<u8> = (0..8192u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let data = sent.clone();
    let server = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(&data).unwrap();
        // Stay open: the modem must not get the rest later.
        std::thread::sleep(Duration::from_millis(1500));
    });
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    h.cmd(
        &format!("AT+QIOPEN=1,2,\"TCP\",\"{HOST}\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 2,0\r\n");
    h.expect(b"\r\n+QIURC: \"recv\",2\r\n");
    h.expect(b"\r\n+QIURC: \"recv\",2,\"buff full\"\r\n");
    // Let the whole 8 KB arrive (and be dropped): no second "buff full".
    std::thread::sleep(Duration::from_millis(300));
    h.quiet(100);
    let mut got = Vec::new();
    let mut remaining = 2168usize;
    while remaining > 0 {
        let n = remaining.min(512);
        remaining -= n;
        let part = &sent[got.len()..got.len() + n];
        h.cmd(
            "AT+QIRD=2,512",
            &format!("\r\n+QIRD: {n},{remaining},\"{}\"\r\n\r\nOK\r\n", hex(part)),
        );
        got.extend_from_slice(part);
    }
    assert_eq!(got.len(), 2168);
    // The other 6,024 bytes are gone.
    std::thread::sleep(Duration::from_millis(200));
    h.cmd("AT+QIRD=2,512", "\r\n+QIRD: 0,0,\"\"\r\n\r\nOK\r\n");
    assert!(
        sim.transcript().contains("bytes dropped"),
        "{}",
        sim.transcript()
    );
    server.join().unwrap();
    h.expect(b"\r\n+QIURC: \"closed\",2\r\n");
}

// ------------------------------------------------------------------- SSL

/// The TLS server of these tests: one connection, one echo.
fn tls_server(rsa: bool, cipher_list: &str) -> TlsServer {
    tls12_echo_server(rsa, cipher_list, None, AfterEcho::Shutdown)
}

/// `AT+QSSLCFG=0,0,"<key>"`, `> `, the PEM, Ctrl-Z: the stored length.
fn upload_cert(h: &mut Host, key: &str, pem: &[u8]) {
    h.send(format!("AT+QSSLCFG=0,0,\"{key}\"\r").as_bytes());
    h.expect(b"\r\n> ");
    h.send(pem);
    h.send(b"\x1a");
    h.expect(format!("\r\n+QSSLCFG: 0,0,\"{key}\",{}\r\n\r\nOK\r\n", pem.len()).as_bytes());
}

fn ssl_settings(h: &mut Host, seclevel: u8) {
    for c in [
        format!("AT+QSSLCFG=0,0,\"seclevel\",{seclevel}"),
        "AT+QSSLCFG=0,0,\"sslversion\",4".to_string(),
        "AT+QSSLCFG=0,0,\"dataformat\",1,1".to_string(),
        "AT+QSSLCFG=0,0,\"timeout\",30".to_string(),
    ] {
        h.cmd(&c, "\r\nOK\r\n");
    }
}

#[test]
fn offloaded_session_with_rsa_aes128_cbc_sha() {
    let server = tls_server(true, "AES128-SHA");
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    upload_cert(&mut h, "cacert", &server.ca_pem());
    ssl_settings(&mut h, 1);
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,0\r\n");
    // Already open: state error.
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,-6\r\n");
    let msg: &[u8] = b"GET / HTTP/1.0\r\n\r\nOK\r\n\x1a";
    h.send(format!("AT+QSSLSEND=0,0,{}\r", msg.len()).as_bytes());
    h.expect(b"> ");
    h.send(hex(msg).as_bytes());
    h.expect(b"\r\nOK\r\n");
    h.expect(b"\r\n+QSSLSEND: 0,0,0\r\n");
    h.expect(
        format!(
            "\r\n+QSSLURC: \"recv\",0,0,{},\"{}\"\r\n",
            msg.len(),
            hex(msg)
        )
        .as_bytes(),
    );
    h.expect(b"\r\n+QSSLURC: \"closed\",0,0\r\n");
    assert_eq!(server.result.join().unwrap().unwrap(), "TLSv1.2 AES128-SHA");
    assert_eq!(*server.sni.lock().unwrap(), Some(None), "never SNI");
    h.cmd("AT+QSSLCLOSE=0,0", "\r\nOK\r\n");
    h.expect(b"\r\n+QSSLCLOSE: 0,0,0\r\n");
    h.quiet(100);
    assert_eq!(sim.open_sockets(), 0);
}

#[test]
fn pushed_data_comes_in_urcs_of_at_most_512_bytes() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (cert, key) = self_signed(true, 30);
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_private_key(&key).unwrap();
    b.set_certificate(&cert).unwrap();
    b.set_cipher_list("AES256-SHA:@SECLEVEL=0").unwrap();
    let acceptor = b.build();
    let big: Vec<u8> = (0..1200u32).map(|i| i as u8).collect();
    let data = big.clone();
    let server = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut t = acceptor.accept(s).unwrap();
        t.write_all(&data).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let _ = t.shutdown();
    });
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    ssl_settings(&mut h, 0);
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{port},0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,0\r\n");
    let mut got = Vec::new();
    while got.len() < big.len() {
        let head = String::from_utf8(h.until(b",\"")).unwrap();
        let n: usize = head
            .strip_prefix("\r\n+QSSLURC: \"recv\",0,0,")
            .and_then(|r| r.strip_suffix(",\""))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{head:?}"));
        assert!((1..=512).contains(&n), "{n}");
        let body = h.take(2 * n + 3);
        assert_eq!(&body[2 * n..], b"\"\r\n");
        got.extend_from_slice(&big[got.len()..got.len() + n]);
        assert_eq!(
            String::from_utf8(body[..2 * n].to_vec()).unwrap(),
            hex(&got[got.len() - n..])
        );
    }
    h.expect(b"\r\n+QSSLURC: \"closed\",0,0\r\n");
    server.join().unwrap();
}

#[test]
fn ecdhe_aead_only_server_is_a_cipher_error() {
    for (rsa, list) in [
        (
            true,
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305",
        ),
        (
            false,
            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305",
        ),
    ] {
        let server = tls_server(rsa, list);
        let sim = spawn(bc66_config());
        let mut h = boot(&sim);
        init_and_attach(&mut h);
        upload_cert(&mut h, "cacert", &server.ca_pem());
        ssl_settings(&mut h, 1);
        h.cmd(
            &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0", server.port),
            "\r\nOK\r\n",
        );
        h.expect(b"\r\n+QSSLOPEN: 0,0,-5\r\n");
        assert!(server.result.join().unwrap().is_err());
        h.quiet(50);
        assert_eq!(sim.open_sockets(), 0);
    }
}

#[test]
fn garbage_ca_is_minus_9_before_any_client_hello() {
    let server = tls_server(true, "AES128-SHA");
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    upload_cert(
        &mut h,
        "cacert",
        b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
    );
    ssl_settings(&mut h, 1);
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,-9\r\n");
    assert!(server.result.join().unwrap().is_err());
    assert_eq!(*server.sni.lock().unwrap(), None, "no ClientHello");
}

#[test]
fn wrong_ca_is_minus_3_and_refused_is_minus_2() {
    let server = tls_server(true, "AES256-SHA");
    let (other, _) = self_signed(true, 30);
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    upload_cert(&mut h, "cacert", &other.to_pem().unwrap());
    ssl_settings(&mut h, 1);
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,-3\r\n");
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"127.0.0.1\",{closed},0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,-2\r\n");
    h.cmd("AT+QSSLOPEN=0,0,\"nowhere.test\",443,0", "\r\nOK\r\n");
    h.expect(b"\r\n+QSSLOPEN: 0,0,-2\r\n");
    let _ = server.result.join();
}

#[test]
fn ssl_config_keys_cert_upload_lengths_and_restart() {
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    h.cmd("AT+QSSLCFG=0,0,\"sni\",1", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=0,0,\"ciphersuite\",0x002F", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=1,0,\"seclevel\",1", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=0,1,\"seclevel\",1", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=0,0,\"seclevel\",3", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=0,0,\"timeout\",9", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=0,0,\"seclevel\",2", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=0,0,\"seclevel\"",
        "\r\n+QSSLCFG: 0,0,\"seclevel\",2\r\n\r\nOK\r\n",
    );
    // Ctrl-Z first: 0 bytes stored, still answered.
    h.send(b"AT+QSSLCFG=0,0,\"clientkey\"\r");
    h.expect(b"\r\n> ");
    h.send(b"\x1a");
    h.expect(b"\r\n+QSSLCFG: 0,0,\"clientkey\",0\r\n\r\nOK\r\n");
    // ESC cancels: OK, nothing stored (the previous certificate stays).
    upload_cert(&mut h, "cacert", b"-----BEGIN CERTIFICATE-----\nAAAA\n");
    h.send(b"AT+QSSLCFG=0,0,\"cacert\"\r");
    h.expect(b"\r\n> ");
    h.send(b"-----BEGIN \x1b");
    h.expect(b"\r\nOK\r\n");
    upload_cert(&mut h, "clientcert", b"x");
    let files = sim.files();
    let get = |n: &str| files.iter().find(|(f, _)| f == n).map(|(_, d)| d.clone());
    assert_eq!(
        get("NVRAM:cacert").as_deref(),
        Some(&b"-----BEGIN CERTIFICATE-----\nAAAA\n"[..])
    );
    assert_eq!(get("NVRAM:clientkey").as_deref(), Some(&b""[..]));
    assert_eq!(get("NVRAM:clientcert").as_deref(), Some(&b"x"[..]));
    h.cmd("AT+QICFG=\"dataformat\",1,1", "\r\nOK\r\n");
    // A restart: certificates stay, nothing else does.
    sim.reboot(Duration::from_millis(50));
    h.expect(b"\r\nRDY\r\n");
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=0,0,\"seclevel\"",
        "\r\n+QSSLCFG: 0,0,\"seclevel\",0\r\n\r\nOK\r\n",
    );
    h.cmd(
        "AT+QICFG=\"dataformat\"",
        "\r\n+QICFG: \"dataformat\",0,0\r\n\r\nOK\r\n",
    );
    assert_eq!(sim.files().len(), 3);
}

#[test]
fn bc660k_raw_sockets_use_context_0_and_faults_apply() {
    let (port, server) = echo_once(3);
    let sim = spawn(config(FirmwareProfile::bc660k()).attach_ms(0));
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"{HOST}\",{port},0,0"),
        "\r\nERROR\r\n",
    );
    h.cmd(
        &format!("AT+QIOPEN=0,0,\"TCP\",\"{HOST}\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,0\r\n");
    sim.send_fail(1);
    h.cmd("AT+QISEND=0,3,414243", "\r\nOK\r\n");
    h.expect(b"\r\nSEND FAIL\r\n");
    h.cmd("AT+QISEND=0,3,414243", "\r\nOK\r\n");
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QIURC: \"recv\",0\r\n");
    server.join().unwrap();
    h.expect(b"\r\n+QIURC: \"closed\",0\r\n");
    h.cmd("AT+QIRD=0,512", "\r\n+QIRD: 3,0,\"414243\"\r\n\r\nOK\r\n");
    // The network closing a socket that is already closed: ignored.
    sim.close_socket(SocketKind::Tcp, 0);
    h.quiet(100);
    // A dropped UART: the modem keeps its socket; no banner on reconnect.
    sim.drop_uart();
    let mut h2 = Host::connect(&sim);
    h2.cmd("AT+QIRD=0,512", "\r\n+QIRD: 0,0,\"\"\r\n\r\nOK\r\n");
    h2.cmd("AT+QICLOSE=0", "\r\nOK\r\n");
    h2.expect(b"\r\nCLOSE OK\r\n");
    drop(h);
}

#[test]
fn a_silent_server_is_a_timeout_and_a_bad_client_key_is_minus_4() {
    // Accepts TCP and never answers the ClientHello.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let silent = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        std::thread::sleep(Duration::from_secs(12));
        drop(s);
    });
    let sim = spawn(bc66_config());
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    ssl_settings(&mut h, 0);
    h.cmd("AT+QSSLCFG=0,0,\"timeout\",10", "\r\nOK\r\n");
    let t = Instant::now();
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{port},0"),
        "\r\nOK\r\n",
    );
    std::thread::sleep(Duration::from_secs(8));
    h.expect(b"\r\n+QSSLOPEN: 0,0,-7\r\n");
    assert!(t.elapsed() >= Duration::from_secs(10));
    // seclevel 2 with a client certificate and a key that does not parse.
    let server = tls_server(true, "AES128-SHA");
    upload_cert(&mut h, "cacert", &server.ca_pem());
    upload_cert(&mut h, "clientcert", &server.ca_pem());
    upload_cert(
        &mut h,
        "clientkey",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    h.cmd("AT+QSSLCFG=0,0,\"seclevel\",2", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0,-4\r\n");
    let _ = server.result.join();
    silent.join().unwrap();
}

#[test]
fn a_late_recv_urc_and_a_socket_closed_by_the_network() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"abc").unwrap();
        std::thread::sleep(Duration::from_millis(1500));
    });
    let sim = spawn(bc66_config().recv_urc_delay_ms(400));
    let mut h = boot(&sim);
    init_and_attach(&mut h);
    h.cmd(
        &format!("AT+QIOPEN=1,3,\"TCP\",\"{HOST}\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 3,0\r\n");
    // The data is there before its URC (the driver polls).
    std::thread::sleep(Duration::from_millis(100));
    h.cmd("AT+QIRD=3,512", "\r\n+QIRD: 3,0,\"616263\"\r\n\r\nOK\r\n");
    h.expect(b"\r\n+QIURC: \"recv\",3\r\n");
    h.cmd("AT+QIRD=3,512", "\r\n+QIRD: 0,0,\"\"\r\n\r\nOK\r\n");
    sim.close_socket(SocketKind::Tcp, 3);
    h.expect(b"\r\n+QIURC: \"closed\",3\r\n");
    h.cmd("AT+QISEND=3,1,41", "\r\nERROR\r\n");
    h.cmd("AT+QICLOSE=3", "\r\nOK\r\n");
    h.expect(b"\r\nCLOSE OK\r\n");
    server.join().unwrap();
}
