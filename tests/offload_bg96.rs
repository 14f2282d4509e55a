//! Offloaded TLS through a simulated BG96 to real TLS servers on loopback
//! (`openssl s_server` and an in-process OpenSSL server).

mod common;

use common::{rig, rig_with, sim_config, HOST};
use embedded_io::{Read, Write};
use modemtls::error::{ConfigError, Error, TlsFailure};
use modemtls::modem::quectel::TcpSocket;
use modemtls::modem::ModemError;
use modemtls::offload;
use modemtls::probe::{Diagnosis, TlsVersion};
use modemtls::session::{ClientIdentity, Credential, Mode, Path, SessionConfig};
use modemtls_sim::FirmwareProfile;
use modemtls_testkit::{
    server_creds, Behaviour, KeyKind, SServer, SServerMode, SServerOpts, ServerOpts, TcpEcho,
    TlsServer, TlsVersions,
};

fn read_to_end<R: Read>(r: &mut R, limit: usize) -> Result<Vec<u8>, R::Error> {
    let mut out = Vec::new();
    let mut buf = [0u8; 700];
    while out.len() < limit {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    Ok(out)
}

fn write_all<W: Write>(w: &mut W, mut data: &[u8]) -> Result<(), W::Error> {
    while !data.is_empty() {
        let n = w.write(data)?;
        data = &data[n..];
    }
    Ok(())
}

fn s_server(
    tls: TlsVersions,
    cipher: Option<&str>,
    ciphersuites: Option<&str>,
    kind: KeyKind,
) -> (SServer, Vec<u8>) {
    let creds = server_creds(HOST, kind);
    let server = SServer::spawn(SServerOpts {
        cert_chain_pem: creds.chain_pem.clone(),
        key_pem: creds.key_pem.clone(),
        tls,
        cipher_list: cipher.map(str::to_string),
        ciphersuites: ciphersuites.map(str::to_string),
        require_sni: None,
        verify_client_ca_pem: None,
        mode: SServerMode::Www,
        naccept: None,
        extra_args: Vec::new(),
    })
    .expect("s_server starts");
    (server, creds.ca_pem)
}

/// The server a BG96 can reach: TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256.
#[test]
fn https_get_to_openssl_s_server_with_verification() {
    let (server, ca) = s_server(
        TlsVersions::Tls12Only,
        Some("ECDHE-RSA-AES128-GCM-SHA256"),
        None,
        KeyKind::Rsa2048,
    );
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    let mut s = offload::connect(&mut r.modem, &cfg).expect("offloaded handshake");
    let info = s.info();
    assert_eq!(info.path, Path::Offload);
    assert!(info.verified);
    write_all(&mut s, b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let body = read_to_end(&mut s, 1 << 20).unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with("HTTP/1.0 200 ok"), "response: {text}");
    assert!(
        text.contains("ECDHE-RSA-AES128-GCM-SHA256"),
        "s_server reports the cipher: {text}"
    );
    s.close().unwrap();
    let t = r.sim.transcript();
    assert!(t.contains("sni"), "transcript mentions SNI handling: {t}");
}

/// Seed 000/004: the server offers only what the firmware lacks.
#[test]
fn tls13_only_server_fails_with_protocol_version_cause() {
    let (server, ca) = s_server(TlsVersions::Tls13Only, None, None, KeyKind::P256);
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    let err = offload::connect(&mut r.modem, &cfg)
        .err()
        .expect("must fail");
    let Error::Tls(e) = err else {
        panic!("want a TLS error, got {err:?}")
    };
    assert_eq!(e.failure, TlsFailure::ProtocolVersion, "{e}");
    assert_eq!(e.modem_code, Some(-1));
    assert_eq!(e.diagnosis, Some(Diagnosis::ProtocolVersion));
    assert!(e.failure.is_capability());
    assert!(e.to_string().contains("TLS version"), "{e}");
}

#[test]
fn chacha_only_server_fails_with_no_common_cipher() {
    let (server, ca) = s_server(
        TlsVersions::Tls12Only,
        Some("ECDHE-RSA-CHACHA20-POLY1305"),
        None,
        KeyKind::Rsa2048,
    );
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    let err = offload::connect(&mut r.modem, &cfg)
        .err()
        .expect("must fail");
    let Error::Tls(e) = err else {
        panic!("want a TLS error, got {err:?}")
    };
    assert_eq!(e.failure, TlsFailure::NoCommonCipher, "{e}");
    assert!(e.failure.is_capability());
}

#[test]
fn ecdsa_gcm_only_server_fails_with_no_common_cipher() {
    let (server, ca) = s_server(
        TlsVersions::Tls12Only,
        Some("ECDHE-ECDSA-AES128-GCM-SHA256"),
        None,
        KeyKind::P256,
    );
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    let Error::Tls(e) = offload::connect(&mut r.modem, &cfg)
        .err()
        .expect("must fail")
    else {
        panic!()
    };
    assert_eq!(e.failure, TlsFailure::NoCommonCipher, "{e}");
}

/// A certificate for another name: the firmware's host check rejects it,
/// and the probe shows the server accepted the firmware's parameters, so
/// the cause is the certificate, not a capability.
#[test]
fn wrong_hostname_fails_with_certificate_cause() {
    let creds = server_creds("other.test", KeyKind::Rsa2048);
    let server = SServer::spawn(SServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        ..SServerOpts::from_creds(&creds)
    })
    .unwrap();
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload);
    let Error::Tls(e) = offload::connect(&mut r.modem, &cfg)
        .err()
        .expect("must fail")
    else {
        panic!()
    };
    assert_eq!(e.failure, TlsFailure::CertificateRejected, "{e}");
    assert!(
        matches!(
            e.diagnosis,
            Some(Diagnosis::ServerAccepts {
                version: TlsVersion::Tls12,
                cipher_suite: 0xC02F
            })
        ),
        "{e:?}"
    );
    assert!(!e.failure.is_capability());
    // The firmware refused the server with this CA file: the file is not
    // trusted again without a fresh upload (it might have been damaged).
    assert_eq!(r.sim.command_count("AT+QFUPL"), 1);
    assert!(offload::connect(&mut r.modem, &cfg).is_err());
    assert_eq!(r.sim.command_count("AT+QFUPL"), 2, "uploaded again");
}

#[test]
fn untrusted_ca_fails_with_certificate_cause() {
    let (server, _right_ca) = s_server(
        TlsVersions::Tls12Only,
        Some("ECDHE-RSA-AES128-GCM-SHA256"),
        None,
        KeyKind::Rsa2048,
    );
    let other = server_creds(HOST, KeyKind::Rsa2048);
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&other.ca_pem))
        .mode(Mode::Offload);
    let Error::Tls(e) = offload::connect(&mut r.modem, &cfg)
        .err()
        .expect("must fail")
    else {
        panic!()
    };
    assert_eq!(e.failure, TlsFailure::CertificateRejected, "{e}");
}

/// Seed 002 (HL8548) and seed 000 with sni=0: the server needs SNI, the
/// firmware has none.
#[test]
fn sni_required_on_firmware_without_sni() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        require_sni: Some(HOST.into()),
        max_connections: 8,
        ..ServerOpts::from_creds(&creds)
    })
    .unwrap();
    // Firmware with SNI: works.
    {
        let mut r = rig();
        let cfg = SessionConfig::new(HOST, server.port())
            .trust(Credential::Pem(&creds.ca_pem))
            .mode(Mode::Offload);
        let s = offload::connect(&mut r.modem, &cfg).expect("firmware with SNI connects");
        s.close().unwrap();
    }
    // Old firmware without the "sni" key: fails, cause named.
    let mut r = rig_with(sim_config(FirmwareProfile::bg96_no_sni()));
    assert!(
        !r.modem.capabilities().sni,
        "driver found the firmware has no SNI"
    );
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload);
    let Error::Tls(e) = offload::connect(&mut r.modem, &cfg)
        .err()
        .expect("must fail")
    else {
        panic!()
    };
    assert_eq!(e.failure, TlsFailure::SniRequired, "{e}");
    let conns = server.connections();
    assert!(
        conns.iter().any(|c| c.sni.as_deref() == Some(HOST)),
        "{conns:?}"
    );
    assert!(conns.iter().any(|c| c.sni.is_none()), "{conns:?}");
}

fn echo_server(behaviour: Behaviour) -> (TlsServer, Vec<u8>) {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        cert_chain_pem: creds.chain_pem.clone(),
        key_pem: creds.key_pem.clone(),
        tls: TlsVersions::Tls12Only,
        cipher_list: None,
        ciphersuites: None,
        require_sni: None,
        verify_client_ca_pem: None,
        behaviour,
        max_connections: 4,
        idle_timeout: std::time::Duration::from_secs(10),
        conn_timeout: std::time::Duration::from_secs(60),
    })
    .unwrap();
    (server, creds.ca_pem)
}

/// Payload bytes that look like AT framing survive both directions.
#[test]
fn binary_payload_with_at_framing_round_trips() {
    let (server, ca) = echo_server(Behaviour::Echo);
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    let mut s = offload::connect(&mut r.modem, &cfg).expect("handshake");
    let mut msg = b"\r\nOK\r\n> +QSSLURC: \"closed\",0\r\n\r\nSEND OK\r\n+QSSLRECV: 5\r\n".to_vec();
    msg.extend((0..=255u8).cycle().take(3000));
    write_all(&mut s, &msg).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while got.len() < msg.len() {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "unexpected end of stream");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, msg);
    s.close().unwrap();
}

/// The peer closes mid-stream: the data already sent is read, then end of
/// stream, not a hang.
#[test]
fn peer_close_mid_stream_gives_end_of_stream() {
    let payload: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let (server, ca) = echo_server(Behaviour::SendThenClose(payload.clone()));
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    let mut s = offload::connect(&mut r.modem, &cfg).expect("handshake");
    let got = read_to_end(&mut s, 1 << 20).expect("read to end");
    assert_eq!(got, payload);
    // Further reads stay at end of stream.
    let mut b = [0u8; 8];
    assert_eq!(s.read(&mut b).unwrap(), 0);
    s.close().unwrap();
}

/// The second session with the same CA does not upload it again.
#[test]
fn identical_ca_upload_is_skipped() {
    let (server, ca) = echo_server(Behaviour::Echo);
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&ca))
        .mode(Mode::Offload);
    offload::connect(&mut r.modem, &cfg)
        .expect("first")
        .close()
        .unwrap();
    assert_eq!(r.sim.command_count("AT+QFUPL"), 1);
    offload::connect(&mut r.modem, &cfg)
        .expect("second")
        .close()
        .unwrap();
    assert_eq!(r.sim.command_count("AT+QFUPL"), 1, "upload skipped");
    let files = r.sim.files();
    assert!(
        files.iter().any(|(_, data)| data == &ca),
        "CA stored byte-exact"
    );
}

/// A DER trust anchor is converted to PEM for the firmware.
#[test]
fn der_ca_is_converted_and_verifies() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        max_connections: 2,
        ..ServerOpts::from_creds(&creds)
    })
    .unwrap();
    let mut r = rig();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Der(&creds.ca_der))
        .mode(Mode::Offload);
    let mut s = offload::connect(&mut r.modem, &cfg).expect("handshake with converted CA");
    write_all(&mut s, b"ping").unwrap();
    let mut b = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        got += s.read(&mut b[got..]).unwrap();
    }
    assert_eq!(&b, b"ping");
}

/// Mutual TLS: the server requires a client certificate.
#[test]
fn mutual_tls_offload() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let client_ca = modemtls_testkit::Ca::root("client root", KeyKind::P256);
    let client = client_ca.leaf(&modemtls_testkit::LeafSpec::client("device-1"));
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        verify_client_ca_pem: Some(client_ca.cert().cert_pem.clone()),
        max_connections: 4,
        ..ServerOpts::from_creds(&creds)
    })
    .unwrap();
    let mut r = rig();
    let id = ClientIdentity {
        cert: Credential::Pem(&client.cert_pem),
        key: Credential::Pem(&client.key_pem),
    };
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .client(id)
        .mode(Mode::Offload);
    let mut s = offload::connect(&mut r.modem, &cfg).expect("mutual TLS handshake");
    write_all(&mut s, b"hi").unwrap();
    let mut b = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        got += s.read(&mut b[got..]).unwrap();
    }
    s.close().unwrap();
    let conns = server.wait_connections(1, std::time::Duration::from_secs(5));
    assert!(conns.iter().any(|c| c
        .client_cert_subject
        .as_deref()
        .is_some_and(|s| s.contains("device-1"))));
    // Without the client certificate the server refuses.
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload);
    assert!(matches!(
        offload::connect(&mut r.modem, &cfg).err(),
        Some(Error::Tls(_))
    ));
}

#[test]
fn config_errors_before_any_traffic() {
    let mut r = rig();
    let before = r.sim.command_count("AT+QSSL");
    let no_ca = SessionConfig::new(HOST, 443).mode(Mode::Offload);
    assert_eq!(
        offload::connect(&mut r.modem, &no_ca).err(),
        Some(Error::Config(ConfigError::NoTrustAnchors))
    );
    let bad_host = SessionConfig::new("a\"b", 443)
        .trust(Credential::Pem(b"x"))
        .mode(Mode::Offload);
    assert_eq!(
        offload::connect(&mut r.modem, &bad_host).err(),
        Some(Error::Config(ConfigError::HostInvalid))
    );
    let long = "a".repeat(300);
    let long_host = SessionConfig::new(&long, 443).trust(Credential::Pem(b"x"));
    assert_eq!(
        offload::connect(&mut r.modem, &long_host).err(),
        Some(Error::Config(ConfigError::HostTooLong))
    );
    assert_eq!(r.sim.command_count("AT+QSSL"), before);
}

#[test]
fn dns_failure_and_refused_connection_are_modem_errors() {
    let mut r = rig();
    let cfg = SessionConfig::new("unknown.test", 443)
        .trust(Credential::Pem(
            b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
        ))
        .mode(Mode::Offload);
    assert_eq!(
        offload::connect(&mut r.modem, &cfg).err(),
        Some(Error::Modem(ModemError::Dns))
    );
    // A port nobody listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let cfg = SessionConfig::new(HOST, port)
        .trust(Credential::Pem(
            b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
        ))
        .mode(Mode::Offload);
    assert_eq!(
        offload::connect(&mut r.modem, &cfg).err(),
        Some(Error::Modem(ModemError::ConnectFailed))
    );
}

/// Raw TCP socket as an embedded-io stream, with framing-like payload.
#[test]
fn raw_tcp_socket_round_trip() {
    let echo = TcpEcho::spawn().unwrap();
    let mut r = rig();
    let mut sock = TcpSocket::connect(&mut r.modem, "127.0.0.1", echo.port()).expect("QIOPEN");
    let msg: Vec<u8> = b"\r\n+QIRD: 3\r\nOK\r\n> "
        .iter()
        .copied()
        .chain((0..4000u32).map(|i| (i * 13) as u8))
        .collect();
    write_all(&mut sock, &msg).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1500];
    while got.len() < msg.len() {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, msg);
    sock.close().unwrap();
}

/// After `"pdpdeact"` the driver reactivates the context on the next open.
#[test]
fn pdp_deactivation_is_recovered() {
    let echo = TcpEcho::spawn().unwrap();
    let mut r = rig();
    r.sim.drop_pdp(1);
    // Let the URC arrive.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut sock =
        TcpSocket::connect(&mut r.modem, "127.0.0.1", echo.port()).expect("reopen after pdpdeact");
    write_all(&mut sock, b"x").unwrap();
    let mut b = [0u8; 1];
    assert_eq!(sock.read(&mut b).unwrap(), 1);
    drop(sock);
    assert!(
        r.sim.command_count("AT+QIACT=") >= 2,
        "context re-activated"
    );
}
