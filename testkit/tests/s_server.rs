//! `openssl s_server` wrapper, checked with real `openssl s_client` runs.

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{s_client, GET};
use modemtls_testkit::pki::{server_creds, Ca, KeyKind, LeafSpec};
use modemtls_testkit::{SServer, SServerMode, SServerOpts, TlsVersions};

const HOST: &str = "sserver.example";

fn ok_200(out: &str) -> bool {
    out.contains("HTTP/1.0 200 ok")
}

#[test]
fn www_serves_status_page_with_verified_chain() {
    for kind in [KeyKind::P256, KeyKind::Rsa2048] {
        let c = server_creds(HOST, kind);
        let s = SServer::spawn(SServerOpts::from_creds(&c)).unwrap();
        let r = s_client(
            s.port(),
            &c.ca_pem,
            &["-servername", HOST, "-verify_hostname", HOST],
            GET,
        );
        assert!(
            r.ok && ok_200(&r.out),
            "{kind:?} client: {}\nserver: {}",
            r.out,
            s.output()
        );
        assert!(s.output().contains("ACCEPT"));
    }
}

#[test]
fn tls_version_restrictions() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = SServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls13Only;
    let s = SServer::spawn(o).unwrap();
    let r = s_client(s.port(), &c.ca_pem, &["-tls1_2"], GET);
    assert!(
        !r.ok && !ok_200(&r.out),
        "TLS1.2 client vs 1.3-only: {}",
        r.out
    );
    let r = s_client(s.port(), &c.ca_pem, &["-tls1_3"], GET);
    assert!(
        r.ok && ok_200(&r.out) && r.out.contains("TLSv1.3"),
        "{}",
        r.out
    );

    let mut o = SServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls12Only;
    let s = SServer::spawn(o).unwrap();
    let r = s_client(s.port(), &c.ca_pem, &["-tls1_3"], GET);
    assert!(
        !r.ok && !ok_200(&r.out),
        "TLS1.3 client vs 1.2-only: {}",
        r.out
    );
    let r = s_client(s.port(), &c.ca_pem, &["-tls1_2"], GET);
    assert!(
        r.ok && ok_200(&r.out) && r.out.contains("TLSv1.2"),
        "{}",
        r.out
    );
}

#[test]
fn cipher_restrictions() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = SServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls12Only;
    o.cipher_list = Some("ECDHE-ECDSA-CHACHA20-POLY1305".into());
    let s = SServer::spawn(o).unwrap();
    let r = s_client(
        s.port(),
        &c.ca_pem,
        &["-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
        GET,
    );
    assert!(!r.ok && !ok_200(&r.out), "{}", r.out);
    let r = s_client(
        s.port(),
        &c.ca_pem,
        &["-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"],
        GET,
    );
    assert!(
        r.ok && ok_200(&r.out) && r.out.contains("ECDHE-ECDSA-CHACHA20-POLY1305"),
        "{}",
        r.out
    );

    let mut o = SServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls13Only;
    o.ciphersuites = Some("TLS_CHACHA20_POLY1305_SHA256".into());
    let s = SServer::spawn(o).unwrap();
    let r = s_client(
        s.port(),
        &c.ca_pem,
        &["-ciphersuites", "TLS_AES_128_GCM_SHA256"],
        GET,
    );
    assert!(!r.ok && !ok_200(&r.out), "{}", r.out);
    let r = s_client(
        s.port(),
        &c.ca_pem,
        &["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        GET,
    );
    assert!(
        r.ok && ok_200(&r.out) && r.out.contains("TLS_CHACHA20_POLY1305_SHA256"),
        "{}",
        r.out
    );
}

#[test]
fn require_sni_rejects_other_name_but_not_missing_name() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = SServerOpts::from_creds(&c);
    o.require_sni = Some(HOST.into());
    let s = SServer::spawn(o).unwrap();
    let r = s_client(s.port(), &c.ca_pem, &["-servername", HOST], GET);
    assert!(
        r.ok && ok_200(&r.out),
        "matching SNI: {}\n{}",
        r.out,
        s.output()
    );
    let r = s_client(s.port(), &c.ca_pem, &["-servername", "other.example"], GET);
    assert!(
        !r.ok && r.out.contains("unrecognized name"),
        "other SNI: {}",
        r.out
    );
    // s_server 3.0 limitation (documented): no SNI at all is accepted.
    let r = s_client(s.port(), &c.ca_pem, &["-noservername"], GET);
    assert!(r.ok && ok_200(&r.out), "missing SNI: {}", r.out);
}

#[test]
fn client_certificate_required() {
    let c = server_creds(HOST, KeyKind::P256);
    let client_ca = Ca::root("Device CA", KeyKind::P256);
    let dev = client_ca.leaf(&LeafSpec::client("device-1"));
    let rogue = Ca::root("Rogue CA", KeyKind::P256).leaf(&LeafSpec::client("device-1"));
    for tls in [TlsVersions::Tls12Only, TlsVersions::Tls13Only] {
        let mut o = SServerOpts::from_creds(&c);
        o.tls = tls;
        o.verify_client_ca_pem = Some(client_ca.cert().cert_pem.clone());
        let s = SServer::spawn(o).unwrap();
        let f = common::Files::new();
        let cert = f.put("dev.pem", &dev.cert_pem);
        let key = f.put("dev.key", &dev.key_pem);
        let r = s_client(s.port(), &c.ca_pem, &["-cert", &cert, "-key", &key], GET);
        assert!(
            r.ok && ok_200(&r.out),
            "{tls:?} with cert: {}\n{}",
            r.out,
            s.output()
        );
        assert!(s.output().contains("device-1"), "{}", s.output());
        let r = s_client(s.port(), &c.ca_pem, &[], GET);
        assert!(!ok_200(&r.out), "{tls:?} without cert: {}", r.out);
        assert!(
            s.output().contains("peer did not return a certificate"),
            "{}",
            s.output()
        );
        let cert = f.put("rogue.pem", &rogue.cert_pem);
        let key = f.put("rogue.key", &rogue.key_pem);
        let r = s_client(s.port(), &c.ca_pem, &["-cert", &cert, "-key", &key], GET);
        assert!(!ok_200(&r.out), "{tls:?} rogue cert: {}", r.out);
        assert!(
            s.output()
                .contains("unable to get local issuer certificate"),
            "{}",
            s.output()
        );
    }
}

#[test]
fn rev_and_www_files_modes() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = SServerOpts::from_creds(&c);
    o.mode = SServerMode::Rev;
    let s = SServer::spawn(o).unwrap();
    let r = s_client(s.port(), &c.ca_pem, &["-quiet"], b"hello modem\nCLOSE\n");
    assert!(r.out.contains("medom olleh"), "{}\n{}", r.out, s.output());

    let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let mut o = SServerOpts::from_creds(&c);
    o.mode = SServerMode::WwwFiles(vec![("data/blob.bin".into(), body.clone())]);
    let s = SServer::spawn(o).unwrap();
    let (mut st, _) = {
        let cl = common::Client {
            ca_pem: &c.ca_pem,
            sni: Some(HOST),
            ..Default::default()
        };
        (cl.connect(s.port()).unwrap(), ())
    };
    std::io::Write::write_all(&mut st, b"GET /data/blob.bin HTTP/1.0\r\n\r\n").unwrap();
    let got = match common::read_all(&mut st) {
        Ok(v) => v,
        Err((v, _)) => v,
    };
    let head_end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(
        got.starts_with(b"HTTP/1.0 200 ok"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(&got[head_end..], &body[..]);
}

#[test]
fn naccept_ends_the_server_and_drop_kills_it() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = SServerOpts::from_creds(&c);
    o.naccept = Some(1);
    let mut s = SServer::spawn(o).unwrap();
    let r = s_client(s.port(), &c.ca_pem, &[], GET);
    assert!(r.ok && ok_200(&r.out), "{}", r.out);
    let t = Instant::now();
    while s.is_running() && t.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!s.is_running(), "{}", s.output());

    // Drop with a client connected and idle mid-connection.
    let s = SServer::spawn(SServerOpts::from_creds(&c)).unwrap();
    let port = s.port();
    let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let t = Instant::now();
    drop(s);
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "still listening"
    );
}

#[test]
fn bad_input_is_an_error_not_a_hang() {
    let c = server_creds(HOST, KeyKind::P256);
    let wrong_key = server_creds(HOST, KeyKind::P256).key_pem;
    let t = Instant::now();
    let e = SServer::spawn(SServerOpts::new(&c.chain_pem, &wrong_key))
        .expect_err("mismatched key must fail");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(e.to_string().contains("s_server"), "{e}");
    assert!(SServer::spawn(SServerOpts::new(b"not a pem", &c.key_pem)).is_err());
}

/// Helper for the next test: run in a child test process, prints the port
/// and waits to be killed.
#[test]
#[ignore = "helper, run by s_server_dies_with_a_killed_test_process"]
fn hold_server_helper() {
    if std::env::var_os("TESTKIT_HOLD_SERVER").is_none() {
        return;
    }
    let c = server_creds(HOST, KeyKind::P256);
    let s = SServer::spawn(SServerOpts::from_creds(&c)).unwrap();
    println!("PORT={}", s.port());
    std::thread::sleep(Duration::from_secs(20));
    drop(s);
}

#[test]
fn s_server_dies_with_a_killed_test_process() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "hold_server_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TESTKIT_HOLD_SERVER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(p) = line.split("PORT=").nth(1) {
                let _ = tx.send(p.trim().parse::<u16>().unwrap());
            }
        }
    });
    let port = rx.recv_timeout(Duration::from_secs(10));
    child.kill().unwrap(); // SIGKILL: no Drop runs in the child
    child.wait().unwrap();
    let port = port.expect("helper printed its port");
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "s_server outlived its test process"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
