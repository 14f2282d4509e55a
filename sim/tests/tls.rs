//! Offloaded TLS (QSSLCFG/QSSLOPEN/QSSLSEND/QSSLRECV) against in-test
//! OpenSSL servers on loopback.

mod common;

use common::{config, self_signed, sim, Host, HOST};
use modemtls_sim::{FirmwareProfile, Simulator};
use openssl::ssl::{NameType, SniError, SslAcceptor, SslMethod, SslVersion};
use openssl::x509::X509;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

struct ServerOpts {
    rsa: bool,
    min: SslVersion,
    max: SslVersion,
    cipher_list: &'static str,
    ciphersuites: &'static str,
    require_sni: bool,
}

impl Default for ServerOpts {
    fn default() -> Self {
        ServerOpts {
            rsa: true,
            min: SslVersion::TLS1_2,
            max: SslVersion::TLS1_2,
            cipher_list: "ECDHE-RSA-AES128-GCM-SHA256",
            ciphersuites: "TLS_AES_128_GCM_SHA256",
            require_sni: false,
        }
    }
}

struct Server {
    port: u16,
    ca_pem: Vec<u8>,
    /// SNI the server saw (outer None: no ClientHello yet).
    sni: Arc<Mutex<Option<Option<String>>>>,
    /// Handshake result and negotiated cipher.
    result: JoinHandle<Result<String, String>>,
}

/// Accepts one TLS connection, echoes until the client stops, then closes.
fn tls_server(o: ServerOpts) -> Server {
    let (cert, key) = self_signed(o.rsa, 30);
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_private_key(&key).unwrap();
    b.set_certificate(&cert).unwrap();
    b.set_min_proto_version(Some(o.min)).unwrap();
    b.set_max_proto_version(Some(o.max)).unwrap();
    b.set_cipher_list(o.cipher_list).unwrap();
    b.set_ciphersuites(o.ciphersuites).unwrap();
    let sni = Arc::new(Mutex::new(None));
    let seen = sni.clone();
    let require = o.require_sni;
    b.set_servername_callback(move |ssl, _alert| {
        let name = ssl.servername(NameType::HOST_NAME).map(str::to_string);
        let missing = name.is_none();
        *seen.lock().unwrap() = Some(name);
        if require && missing {
            Err(SniError::ALERT_FATAL)
        } else {
            Ok(())
        }
    });
    let acceptor = b.build();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let result = std::thread::spawn(move || {
        l.set_nonblocking(true).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let s = loop {
            match l.accept() {
                Ok((s, _)) => break s,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(e) => return Err(format!("no client: {e}")),
            }
        };
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut t = acceptor.accept(s).map_err(|e| format!("handshake: {e}"))?;
        let cipher = t
            .ssl()
            .current_cipher()
            .map(|c| c.name().to_string())
            .unwrap_or_default();
        let mut buf = [0u8; 4096];
        let n = t.read(&mut buf).map_err(|e| e.to_string())?;
        t.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        let _ = t.shutdown();
        Ok(cipher)
    });
    Server {
        port,
        ca_pem: cert.to_pem().unwrap(),
        sni,
        result,
    }
}

fn upload(h: &mut Host, name: &str, data: &[u8]) {
    h.cmd(
        &format!("AT+QFUPL=\"{name}\",{}", data.len()),
        "\r\nCONNECT\r\n",
    );
    h.send(data);
    h.until(b"\r\nOK\r\n");
}

#[test]
fn verified_tls12_session_with_sni_echoes_data() {
    let server = tls_server(ServerOpts::default());
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    upload(&mut h, "ca.pem", &server.ca_pem);
    for c in [
        "AT+QSSLCFG=\"sslversion\",0,4",
        "AT+QSSLCFG=\"ciphersuite\",0,0xFFFF",
        "AT+QSSLCFG=\"seclevel\",0,1",
        "AT+QSSLCFG=\"cacert\",0,\"ca.pem\"",
        "AT+QSSLCFG=\"checkhost\",0,1",
        "AT+QSSLCFG=\"ignorelocaltime\",0,0",
        "AT+QSSLCFG=\"sni\",0,1",
    ] {
        h.cmd(c, "\r\nOK\r\n");
    }
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0\r\n");
    let msg: &[u8] = b"GET / HTTP/1.0\r\n\r\nOK\r\n> ";
    h.send(format!("AT+QSSLSEND=0,{}\r", msg.len()).as_bytes());
    h.expect(b"> ");
    h.send(msg);
    h.expect(b"\r\nSEND OK\r\n");
    // The server echoes and closes: both URCs, data stays readable.
    h.expect(b"\r\n+QSSLURC: \"recv\",0\r\n");
    h.expect(b"\r\n+QSSLURC: \"closed\",0\r\n");
    let mut want = format!("\r\n+QSSLRECV: {}\r\n", msg.len()).into_bytes();
    want.extend_from_slice(msg);
    want.extend_from_slice(b"\r\n\r\nOK\r\n");
    h.send(b"AT+QSSLRECV=0,1500\r");
    h.expect(&want);
    h.cmd("AT+QSSLRECV=0,1500", "\r\n+QSSLRECV: 0\r\n\r\nOK\r\n");
    h.send(b"AT+QSSLSTATE=0\r");
    let st = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(
        st.starts_with(&format!(
            "\r\n+QSSLSTATE: 0,\"SSLClient\",\"{HOST}\",{},",
            server.port
        )),
        "{st}"
    );
    h.cmd("AT+QSSLCLOSE=0,10", "\r\nOK\r\n");
    assert_eq!(
        server.result.join().unwrap().unwrap(),
        "ECDHE-RSA-AES128-GCM-SHA256"
    );
    assert_eq!(
        server.sni.lock().unwrap().clone(),
        Some(Some(HOST.to_string()))
    );
    let t = sim.transcript();
    assert!(
        t.contains("TLS handshake OK: TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256, verify ok; sni sent"),
        "{t}"
    );
}

#[test]
fn ecdsa_cbc_sha256_with_restricted_suite() {
    let server = tls_server(ServerOpts {
        rsa: false,
        cipher_list: "ECDHE-ECDSA-AES128-SHA256",
        ..Default::default()
    });
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd("AT+QSSLCFG=\"ciphersuite\",2,0XC023", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,2,5,\"127.0.0.1\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 5,0\r\n");
    h.cmd("AT+QSSLSEND=5,1", "> ");
    h.send(b"x");
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QSSLURC: \"recv\",5\r\n");
    h.expect(b"\r\n+QSSLURC: \"closed\",5\r\n");
    h.cmd("AT+QSSLRECV=5,10", "\r\n+QSSLRECV: 1\r\nx\r\n\r\nOK\r\n");
    h.cmd("AT+QSSLCLOSE=5", "\r\nOK\r\n");
    assert_eq!(
        server.result.join().unwrap().unwrap(),
        "ECDHE-ECDSA-AES128-SHA256"
    );
    // No SNI for an IP literal, and none configured.
    assert_eq!(server.sni.lock().unwrap().clone(), Some(None));
}

#[test]
fn tls13_only_server_fails_with_minus_one() {
    let server = tls_server(ServerOpts {
        min: SslVersion::TLS1_3,
        max: SslVersion::TLS1_3,
        ..Default::default()
    });
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    assert!(server.result.join().unwrap().is_err());
    let t = sim.transcript();
    assert!(t.contains("TLS handshake FAILED"), "{t}");
    assert!(t.to_lowercase().contains("protocol version"), "{t}");
    // The id is free again.
    h.cmd("AT+QSSLSTATE=0", "\r\nOK\r\n");
}

#[test]
fn chacha20_only_server_has_no_common_cipher() {
    let server = tls_server(ServerOpts {
        rsa: false,
        cipher_list: "ECDHE-ECDSA-CHACHA20-POLY1305",
        ..Default::default()
    });
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    let err = server.result.join().unwrap().unwrap_err();
    assert!(
        err.contains("no shared cipher") || err.contains("handshake"),
        "{err}"
    );
    assert!(
        sim.transcript().contains("handshake failure"),
        "{}",
        sim.transcript()
    );
}

#[test]
fn sni_required_server_needs_sni_key() {
    // sni = 0 (default): the server sees no SNI and aborts.
    let server = tls_server(ServerOpts {
        require_sni: true,
        ..Default::default()
    });
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    assert!(server.result.join().unwrap().is_err());
    assert_eq!(server.sni.lock().unwrap().clone(), Some(None));
    assert!(sim.transcript().contains("sni not sent"));
    // sni = 1: it works.
    let server = tls_server(ServerOpts {
        require_sni: true,
        ..Default::default()
    });
    h.cmd("AT+QSSLCFG=\"sni\",0,1", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0\r\n");
    h.cmd("AT+QSSLSEND=0,2", "> ");
    h.send(b"ok");
    h.expect(b"\r\nSEND OK\r\n");
    assert!(server.result.join().unwrap().is_ok());
    assert_eq!(
        server.sni.lock().unwrap().clone(),
        Some(Some(HOST.to_string()))
    );
    h.cmd("AT+QSSLCLOSE=0", "\r\nOK\r\n");
}

#[test]
fn firmware_without_sni_key_never_sends_sni() {
    let server = tls_server(ServerOpts {
        require_sni: true,
        ..Default::default()
    });
    let sim = Simulator::spawn(config(FirmwareProfile::bg96_no_sni())).unwrap();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd("AT+QSSLCFG=\"sni\",0,1", "\r\nERROR\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    assert_eq!(server.sni.lock().unwrap().clone(), Some(None));
}

#[test]
fn verification_failures_are_minus_one() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd("AT+QSSLCFG=\"seclevel\",0,1", "\r\nOK\r\n");
    // No CA file at all.
    let server = tls_server(ServerOpts::default());
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"missing.pem\"", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    drop(server);
    // A CA that did not sign the server certificate.
    let (other, _) = self_signed(false, 30);
    upload(&mut h, "other.pem", &other.to_pem().unwrap());
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"other.pem\"", "\r\nOK\r\n");
    let server = tls_server(ServerOpts::default());
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    assert!(
        sim.transcript().contains("certificate verify failed"),
        "{}",
        sim.transcript()
    );
    // The right CA as DER: this firmware reads PEM only.
    let server = tls_server(ServerOpts::default());
    let der = X509::from_pem(&server.ca_pem).unwrap().to_der().unwrap();
    upload(&mut h, "ca.der", &der);
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"ca.der\"", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    assert!(sim.transcript().contains("cannot parse DER"));
    // Same CA as PEM, but the wrong host name with checkhost=1.
    let server = tls_server(ServerOpts::default());
    upload(&mut h, "ca.pem", &server.ca_pem);
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"ca.pem\"", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"checkhost\",0,1", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"127.0.0.1\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    // PDP down: 561.
    h.cmd("AT+QIDEACT=1", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,561\r\n");
}

#[test]
fn expired_certificate_depends_on_ignorelocaltime() {
    let sim =
        Simulator::spawn(config(FirmwareProfile::bg96()).network_time(4_102_444_800)).unwrap(); // 2100
    let mut h = Host::boot(&sim);
    h.attach();
    let server = tls_server(ServerOpts::default());
    upload(&mut h, "ca.pem", &server.ca_pem);
    h.cmd("AT+QSSLCFG=\"seclevel\",0,1", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"ca.pem\"", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"ignorelocaltime\",0,0", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,-1\r\n");
    assert!(sim.transcript().contains("expired"), "{}", sim.transcript());
    let _ = server.result.join();
    let server = tls_server(ServerOpts::default());
    upload(&mut h, "ca2.pem", &server.ca_pem);
    h.cmd("AT+QSSLCFG=\"cacert\",0,\"ca2.pem\"", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"ignorelocaltime\",0,1", "\r\nOK\r\n");
    h.cmd(
        &format!("AT+QSSLOPEN=1,0,0,\"{HOST}\",{},0", server.port),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QSSLOPEN: 0,0\r\n");
    h.cmd("AT+QSSLCLOSE=0", "\r\nOK\r\n");
}
