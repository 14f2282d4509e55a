//! In-process TLS server, checked with an openssl-crate client and with
//! `openssl s_client`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{read_all, s_client, Client};
use modemtls_testkit::pki::{server_creds, Ca, KeyKind, LeafSpec, ServerCreds};
use modemtls_testkit::{sink_reply, Behaviour, ServerOpts, TlsServer, TlsVersions};
use openssl::ssl::SslVersion;

const HOST: &str = "tls.example";
const WAIT: Duration = Duration::from_secs(3);

fn client(c: &ServerCreds) -> Client<'_> {
    Client {
        ca_pem: &c.ca_pem,
        sni: Some(HOST),
        ..Default::default()
    }
}

#[test]
fn echo_records_the_connection() {
    let c = server_creds(HOST, KeyKind::P256);
    let srv = TlsServer::spawn(ServerOpts::from_creds(&c)).unwrap();
    let mut s = client(&c).connect(srv.port()).unwrap();
    s.write_all(b"ping over tls").unwrap();
    let mut buf = [0u8; 13];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping over tls");
    s.shutdown().unwrap();
    // The server answers close_notify with close_notify.
    assert_eq!(read_all(&mut s), Ok(Vec::new()));
    let r = srv.wait_connections(1, WAIT);
    assert_eq!(r.len(), 1);
    let r = &r[0];
    assert_eq!(r.sni.as_deref(), Some(HOST));
    assert_eq!(r.version.as_deref(), Some("TLSv1.3"));
    assert!(r.cipher.as_deref().unwrap().starts_with("TLS_"), "{r:?}");
    assert_eq!(r.handshake_error, None);
    assert_eq!((r.bytes_in, r.bytes_out), (13, 13));
    assert_eq!(r.received, b"ping over tls");
    assert_eq!(r.client_cert_subject, None);
    assert_eq!(r.end, "peer close_notify");
}

#[test]
fn tls12_client_against_tls13_only_server_fails() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = ServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls13Only;
    let srv = TlsServer::spawn(o).unwrap();
    let cl = Client {
        max: Some(SslVersion::TLS1_2),
        ..client(&c)
    };
    let e = cl.connect(srv.port()).expect_err("must fail");
    assert!(e.contains("protocol version"), "{e}");
    let r = srv.wait_connections(1, WAIT);
    assert!(
        r[0].handshake_error
            .as_deref()
            .unwrap()
            .contains("unsupported protocol"),
        "{r:?}"
    );
    // And s_client agrees.
    let r = s_client(srv.port(), &c.ca_pem, &["-tls1_2"], common::GET);
    assert!(!r.ok, "{}", r.out);

    let mut o = ServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls12Only;
    let srv = TlsServer::spawn(o).unwrap();
    assert!(Client {
        min: Some(SslVersion::TLS1_3),
        ..client(&c)
    }
    .connect(srv.port())
    .is_err());
    let s = client(&c).connect(srv.port()).unwrap();
    assert_eq!(s.ssl().version_str(), "TLSv1.2");
}

#[test]
fn require_sni_rejects_missing_and_other_names() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = ServerOpts::from_creds(&c);
    o.require_sni = Some(HOST.into());
    // s_client -quiet never closes by itself: the server's idle close ends it.
    o.idle_timeout = Duration::from_millis(500);
    let srv = TlsServer::spawn(o).unwrap();

    let e = Client {
        sni: None,
        hostname: Some(HOST),
        ..client(&c)
    }
    .connect(srv.port())
    .expect_err("no SNI must fail");
    assert!(e.contains("unrecognized name"), "{e}");
    let e = Client {
        sni: Some("other.example"),
        hostname: Some(HOST),
        ..client(&c)
    }
    .connect(srv.port())
    .expect_err("other SNI must fail");
    assert!(e.contains("unrecognized name"), "{e}");
    let mut s = client(&c).connect(srv.port()).unwrap();
    s.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    drop(s);

    let r = srv.wait_connections(3, WAIT);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(r[0].sni, None);
    assert!(r[0].handshake_error.is_some());
    assert_eq!(r[1].sni.as_deref(), Some("other.example"));
    assert!(r[1].handshake_error.is_some());
    assert_eq!(r[2].sni.as_deref(), Some(HOST));
    assert_eq!(r[2].handshake_error, None);

    // s_client: without SNI rejected, with the name accepted.
    let r = s_client(srv.port(), &c.ca_pem, &["-noservername"], b"");
    assert!(!r.ok && r.out.contains("unrecognized name"), "{}", r.out);
    let r = s_client(
        srv.port(),
        &c.ca_pem,
        &["-servername", HOST, "-quiet"],
        b"hi\n",
    );
    assert!(r.ok && r.out.contains("hi"), "{}", r.out);
}

#[test]
fn client_certificate_required() {
    let c = server_creds(HOST, KeyKind::P256);
    let device_ca = Ca::root("Device CA", KeyKind::P256);
    let dev = device_ca.leaf(&LeafSpec::client("device-42"));
    let rogue = Ca::root("Device CA", KeyKind::P256).leaf(&LeafSpec::client("device-42"));
    for tls in [TlsVersions::Tls12Only, TlsVersions::Tls13Only] {
        let mut o = ServerOpts::from_creds(&c);
        o.tls = tls;
        o.verify_client_ca_pem = Some(device_ca.cert().cert_pem.clone());
        let srv = TlsServer::spawn(o).unwrap();

        let with = Client {
            cert_chain_pem: Some(&dev.cert_pem),
            key_pem: Some(&dev.key_pem),
            ..client(&c)
        };
        let mut s = with.connect(srv.port()).unwrap();
        s.write_all(b"hello").unwrap();
        let mut b = [0u8; 5];
        s.read_exact(&mut b).unwrap();
        drop(s);

        // In TLS 1.3 the client finishes before the server has checked its
        // certificate: the rejection arrives on the first read.
        let try_roundtrip = |cl: Client| -> Result<(), String> {
            let mut s = cl.connect(srv.port())?;
            s.write_all(b"hello").map_err(|e| e.to_string())?;
            let mut b = [0u8; 5];
            s.read_exact(&mut b).map_err(|e| e.to_string())
        };
        let e = try_roundtrip(client(&c)).expect_err("no client cert must fail");
        let rogue_cl = Client {
            cert_chain_pem: Some(&rogue.cert_pem),
            key_pem: Some(&rogue.key_pem),
            ..client(&c)
        };
        let e2 = try_roundtrip(rogue_cl).expect_err("untrusted client cert must fail");
        // The client gets the alert, not a reset.
        let want = match tls {
            TlsVersions::Tls13Only => "alert certificate required",
            _ => "alert handshake failure",
        };
        assert!(e.contains(want), "{tls:?}: {e}");
        assert!(e2.contains("alert unknown ca"), "{tls:?}: {e2}");

        let r = srv.wait_connections(3, WAIT);
        assert_eq!(r.len(), 3, "{tls:?} {r:?}");
        assert_eq!(
            r[0].client_cert_subject.as_deref(),
            Some("O=modemtls test, CN=device-42")
        );
        assert_eq!(r[0].handshake_error, None);
        let h1 = r[1].handshake_error.as_deref().unwrap_or_default();
        assert!(
            h1.contains("peer did not return a certificate"),
            "{tls:?} {h1} / client: {e}"
        );
        let h2 = r[2].handshake_error.as_deref().unwrap_or_default();
        assert!(
            h2.contains("certificate verify failed"),
            "{tls:?} {h2} / client: {e2}"
        );
    }
}

#[test]
fn cipher_restrictions_and_records() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = ServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls12Only;
    o.cipher_list = Some("ECDHE-ECDSA-CHACHA20-POLY1305".into());
    let srv = TlsServer::spawn(o).unwrap();
    let gcm = Client {
        cipher_list: Some("ECDHE-ECDSA-AES128-GCM-SHA256"),
        ..client(&c)
    };
    let e = gcm.connect(srv.port()).expect_err("no shared cipher");
    assert!(e.contains("handshake failure"), "{e}");
    let s = client(&c).connect(srv.port()).unwrap();
    drop(s);
    let r = srv.wait_connections(2, WAIT);
    assert!(
        r[0].handshake_error
            .as_deref()
            .unwrap()
            .contains("no shared cipher"),
        "{r:?}"
    );
    assert_eq!(
        r[1].cipher.as_deref(),
        Some("ECDHE-ECDSA-CHACHA20-POLY1305")
    );

    let mut o = ServerOpts::from_creds(&c);
    o.tls = TlsVersions::Tls13Only;
    o.ciphersuites = Some("TLS_CHACHA20_POLY1305_SHA256".into());
    let srv = TlsServer::spawn(o).unwrap();
    assert!(Client {
        ciphersuites: Some("TLS_AES_128_GCM_SHA256"),
        ..client(&c)
    }
    .connect(srv.port())
    .is_err());
    let s = client(&c).connect(srv.port()).unwrap();
    assert_eq!(
        s.ssl().current_cipher().unwrap().name(),
        "TLS_CHACHA20_POLY1305_SHA256"
    );
}

#[test]
fn rsa_chain_and_s_client_verification() {
    let c = server_creds(HOST, KeyKind::Rsa2048);
    let mut o = ServerOpts::from_creds(&c);
    o.idle_timeout = Duration::from_millis(500);
    let srv = TlsServer::spawn(o).unwrap();
    let r = s_client(
        srv.port(),
        &c.ca_pem,
        &["-servername", HOST, "-verify_hostname", HOST, "-quiet"],
        b"echo me\n",
    );
    assert!(r.ok && r.out.contains("echo me"), "{}", r.out);
    let r = s_client(
        srv.port(),
        &c.ca_pem,
        &["-servername", HOST, "-verify_hostname", "wrong.example"],
        b"",
    );
    assert!(!r.ok && r.out.contains("hostname mismatch"), "{}", r.out);
}

#[test]
fn http_behaviour() {
    let c = server_creds(HOST, KeyKind::P256);
    let body = b"{\"ok\":true}".to_vec();
    let mut o = ServerOpts::from_creds(&c);
    o.behaviour = Behaviour::Http { body: body.clone() };
    let srv = TlsServer::spawn(o).unwrap();
    let mut s = client(&c).connect(srv.port()).unwrap();
    s.write_all(b"GET /x HTTP/1.1\r\nHost: tls.example\r\n\r\n")
        .unwrap();
    let got = read_all(&mut s).expect("clean close_notify");
    let mut want = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n".to_vec();
    want.extend_from_slice(&body);
    assert_eq!(got, want);
    let r = s_client(
        srv.port(),
        &c.ca_pem,
        &["-servername", HOST, "-quiet"],
        common::GET,
    );
    assert!(r.ok && r.out.contains("{\"ok\":true}"), "{}", r.out);
    let r = srv.wait_connections(2, WAIT);
    assert_eq!(r[0].end, "server close_notify");
}

#[test]
fn send_then_close_truncates() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = ServerOpts::from_creds(&c);
    o.behaviour = Behaviour::SendThenClose(b"partial".to_vec());
    let srv = TlsServer::spawn(o).unwrap();
    let mut s = client(&c).connect(srv.port()).unwrap();
    let (data, err) = read_all(&mut s).expect_err("no close_notify");
    assert_eq!(data, b"partial");
    assert!(err.to_lowercase().contains("eof"), "{err}");
}

#[test]
fn close_after_read() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = ServerOpts::from_creds(&c);
    o.behaviour = Behaviour::CloseAfterRead(5);
    let srv = TlsServer::spawn(o).unwrap();
    let mut s = client(&c).connect(srv.port()).unwrap();
    s.write_all(b"12345").unwrap();
    let (data, _) = read_all(&mut s).expect_err("no close_notify");
    assert!(data.is_empty());
    let r = srv.wait_connections(1, WAIT);
    assert_eq!(r[0].bytes_in, 5);
    assert_eq!(r[0].end, "server closed without close_notify");
}

#[test]
fn sink_hashes_an_upload() {
    let c = server_creds(HOST, KeyKind::P256);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut o = ServerOpts::from_creds(&c);
    o.behaviour = Behaviour::Sink { expect: data.len() };
    let srv = TlsServer::spawn(o).unwrap();
    let mut s = client(&c).connect(srv.port()).unwrap();
    s.write_all(&data).unwrap();
    let got = read_all(&mut s).expect("clean close");
    assert_eq!(got, sink_reply(&data));
    assert!(String::from_utf8(got).unwrap().starts_with("200000 "));
    let r = srv.wait_connections(1, WAIT);
    assert_eq!(r[0].bytes_in, data.len());
    assert_eq!(r[0].received.len(), modemtls_testkit::server::RECEIVED_CAP);
}

#[test]
fn drop_stops_promptly_with_a_stalled_client() {
    let c = server_creds(HOST, KeyKind::P256);
    let srv = TlsServer::spawn(ServerOpts::from_creds(&c)).unwrap();
    let port = srv.port();
    // TCP connected, never sends a ClientHello: the server is mid-handshake.
    let _stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    drop(srv);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn idle_timeout_and_max_connections() {
    let c = server_creds(HOST, KeyKind::P256);
    let mut o = ServerOpts::from_creds(&c);
    o.idle_timeout = Duration::from_millis(300);
    o.max_connections = 1;
    let srv = TlsServer::spawn(o).unwrap();
    let mut s = client(&c).connect(srv.port()).unwrap();
    // Idle: the server gives up and closes.
    let t = Instant::now();
    let r = read_all(&mut s);
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(r, Ok(Vec::new()));
    let r = srv.wait_connections(1, WAIT);
    assert_eq!(r[0].end, "idle timeout");
    // No second connection is served.
    std::thread::sleep(Duration::from_millis(100));
    assert!(client(&c).connect(srv.port()).is_err());
}

#[test]
fn aws_style_chain_with_cross_signed_extra() {
    // leaf, intermediate, then the root cross-signed by an older root; a
    // client trusting only the older root still verifies.
    let root = Ca::root("New Root", KeyKind::P256);
    let old = Ca::root("Old Root", KeyKind::P256);
    let inter = root.intermediate("Issuing CA", KeyKind::P256);
    let leaf = inter.leaf(&LeafSpec::server(HOST));
    let mut chain = inter.chain_pem(&leaf);
    chain.extend_from_slice(&root.cross_signed_copy_of(&old).cert_pem);
    let srv = TlsServer::spawn(ServerOpts::new(&chain, &leaf.key_pem)).unwrap();
    for anchor in [&root, &old] {
        let cl = Client {
            ca_pem: &anchor.cert().cert_pem,
            sni: Some(HOST),
            ..Default::default()
        };
        let mut s = cl
            .connect(srv.port())
            .unwrap_or_else(|e| panic!("{}: {e}", anchor.name()));
        assert_eq!(s.ssl().peer_cert_chain().unwrap().len(), 3);
        s.write_all(b"1").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
    }
}
