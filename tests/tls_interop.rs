//! The host TLS 1.3 engine against other implementations' real servers,
//! through the simulated BG96 (`host::connect` over the modem's raw TCP
//! socket), each case with verification on (the test CA) and a byte-exact
//! check of the data: `openssl s_server` (every TLS 1.3 suite, 512-byte
//! records, an RSA-4096 chain, a P-256 chain, mutual TLS, KeyUpdate both
//! ways in the middle of a transfer, no common group, a P-384 + RSA
//! server), `gnutls-serv`, `nginx`, `mosquitto` and an in-process rustls
//! server.
//!
//! The servers are child processes killed when their guard is dropped
//! (testkit `s_server`, `peers`); a server program that is not installed
//! fails its test with the name of the Debian package to install
//! (`openssl`, `gnutls-bin`, `nginx`, `mosquitto`).

mod common;

use common::{rig, Rig, HOST};
use embedded_io::{Read, Write};
use modemtls::error::{Error, TlsError, TlsFailure};
use modemtls::host::{self, HostBuffers, HostSession, MIN_READ_BUF, MIN_WRITE_BUF};
use modemtls::modem::quectel::Bg9x;
use modemtls::port::TcpPort;
use modemtls::probe::TlsVersion;
use modemtls::session::{ClientIdentity, Credential, Path, SessionConfig, SessionInfo};
use modemtls::tls::{CipherSuite, SIGNATURE_SCHEMES};
use modemtls_testkit::peers::{self, GnutlsOpts, NginxOpts};
use modemtls_testkit::{
    server_creds, server_creds_with, Ca, KeyKind, LeafSpec, Rng, RustlsEcho, RustlsOpts, SServer,
    SServerMode, SServerOpts, ServerCreds, TlsVersions,
};
use std::time::Duration;

type Session<'a> = HostSession<'a, 'a, Bg9x<TcpPort>>;

/// How long a server may take to show what the client sent.
const SERVER_WAIT: Duration = Duration::from_secs(20);

/// A simulated BG96 and the memory of one host session at a time.
struct Client {
    r: Rig,
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: modemtls::tls::ClientState,
}

impl Client {
    /// A 4 KiB write buffer (records of up to ~4 KB).
    fn new() -> Self {
        Self::with_write(4096)
    }

    fn with_write(write: usize) -> Self {
        Client {
            r: rig(),
            read: vec![0; MIN_READ_BUF],
            write: vec![0; write],
            scratch: vec![0; 8192],
            state: modemtls::tls::ClientState::new(),
        }
    }

    fn connect(&mut self, cfg: &SessionConfig<'_>) -> Result<Session<'_>, Error> {
        let bufs = HostBuffers {
            read: &mut self.read,
            write: &mut self.write,
            scratch: &mut self.scratch,
            state: &mut self.state,
            ticket: None,
        };
        host::connect(&mut self.r.modem, cfg, &mut rand_core::OsRng, bufs)
    }
}

/// Verification on, trusting `ca_pem` (one PEM certificate or a bundle).
fn cfg(ca_pem: &[u8], port: u16) -> SessionConfig<'_> {
    SessionConfig::new(HOST, port).trust(Credential::Pem(ca_pem))
}

/// A verified TLS 1.3 host session with a suite this build has.
fn check_info(info: &SessionInfo) -> u16 {
    assert_eq!(info.path, Path::Host, "{info:?}");
    assert_eq!(info.tls_version, Some(TlsVersion::Tls13), "{info:?}");
    assert!(info.verified && info.hostname_checked, "{info:?}");
    let suite = info.cipher_suite.expect("negotiated suite");
    assert!(CipherSuite::from_code(suite).is_some(), "{info:?}");
    suite
}

/// `len` bytes from `seed`, drawn from `alphabet` (every byte value when
/// empty).
fn payload(seed: u64, len: usize, alphabet: &[u8]) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    (0..len)
        .map(|_| match alphabet.len() {
            0 => rng.next_u64() as u8,
            n => alphabet[rng.below(n)],
        })
        .collect()
}

/// Every byte value.
const ANY: &[u8] = b"";
/// Printable ASCII without space.
const PRINTABLE: &[u8] =
    b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
/// Letters and digits.
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Read exactly `n` bytes.
fn read_n(s: &mut Session<'_>, n: usize) -> Vec<u8> {
    let mut out = vec![0; n];
    let mut at = 0;
    while at < n {
        match s.read(&mut out[at..]) {
            Ok(0) => panic!("stream ended after {at} of {n} bytes"),
            Ok(k) => at += k,
            Err(e) => panic!("read after {at} of {n} bytes: {e:?}"),
        }
    }
    out
}

/// Read until close_notify.
fn read_to_end(s: &mut Session<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(e) => panic!("read after {} bytes: {e:?}", out.len()),
        }
    }
}

fn send(s: &mut Session<'_>, data: &[u8]) {
    s.write_all(data).expect("write");
    s.flush().expect("flush");
}

/// `s_server -rev`: each line comes back reversed.
fn rev_roundtrip(s: &mut Session<'_>, line: &[u8]) {
    assert!(!line.contains(&b'\n') && !line.contains(&b'\r'));
    let mut out = line.to_vec();
    out.push(b'\n');
    send(s, &out);
    let mut want: Vec<u8> = line.iter().rev().copied().collect();
    want.push(b'\n');
    let got = read_n(s, want.len());
    assert!(got == want, "reversed line of {} bytes differs", line.len());
}

/// Lines of several sizes, every byte value but CR and LF.
fn rev_lines(s: &mut Session<'_>, seed: u64) {
    for (i, len) in [1usize, 700, 5000, 12_000].into_iter().enumerate() {
        let line: Vec<u8> = payload(seed + i as u64, len, ANY)
            .into_iter()
            .map(|b| if b == b'\n' || b == b'\r' { b'.' } else { b })
            .collect();
        rev_roundtrip(s, &line);
    }
}

fn s_server(opts: SServerOpts) -> SServer {
    if peers::find_program("openssl", "openssl").is_err() {
        panic!("`openssl` is not installed: install the Debian package `openssl`");
    }
    SServer::spawn(opts).expect("s_server starts")
}

/// s_server, TLS 1.3 only, `-rev`.
fn rev_opts(creds: &ServerCreds) -> SServerOpts {
    SServerOpts {
        tls: TlsVersions::Tls13Only,
        mode: SServerMode::Rev,
        ..SServerOpts::from_creds(creds)
    }
}

/// The failure kind of a handshake that must fail.
fn handshake_failure(r: Result<Session<'_>, Error>, what: &str) -> TlsError {
    match r {
        Ok(s) => panic!("{what}: handshake succeeded: {:?}", s.info()),
        Err(Error::Tls(e)) => e,
        Err(e) => panic!("{what}: not a TLS failure: {e:?}"),
    }
}

// ---- 1. openssl s_server: every TLS 1.3 suite ----

#[test]
fn openssl_each_tls13_suite() {
    let creds = server_creds(HOST, KeyKind::P256);
    let mut c = Client::new();
    for (name, code) in [
        ("TLS_AES_128_GCM_SHA256", 0x1301u16),
        ("TLS_AES_256_GCM_SHA384", 0x1302),
        ("TLS_CHACHA20_POLY1305_SHA256", 0x1303),
    ] {
        let server = s_server(SServerOpts {
            ciphersuites: Some(name.into()),
            ..rev_opts(&creds)
        });
        let r = c.connect(&cfg(&creds.ca_pem, server.port()));
        if CipherSuite::from_code(code).is_none() {
            // Only ChaCha20, and only without the `tls-chacha20` feature.
            let e = handshake_failure(r, name);
            assert_eq!(e.failure, TlsFailure::NoCommonCipher, "{name}: {e:?}");
            assert_eq!(e.path, Path::Host);
            assert!(
                e.failure.cause_on(Path::Host).contains("cipher suite"),
                "{}",
                e.failure.cause_on(Path::Host)
            );
            continue;
        }
        let mut s = r.unwrap_or_else(|e| panic!("{name}: {e:?}\n{}", server.output()));
        assert_eq!(check_info(&s.info()), code, "{name}");
        rev_lines(&mut s, u64::from(code));
        s.close().expect("close");
    }
}

// ---- 2. openssl s_server: records, chains, mutual TLS ----

/// Handshake messages (the 3-certificate RSA-4096 chain's Certificate
/// message is ~3 KB) and data split into 512-byte records.
#[test]
fn openssl_512_byte_records_and_rsa4096_chain_of_three() {
    let creds = server_creds(HOST, KeyKind::Rsa4096);
    // Sent: leaf and intermediate; the root is the client's anchor.
    assert_eq!(
        openssl::x509::X509::stack_from_pem(&creds.chain_pem)
            .unwrap()
            .len(),
        2
    );
    let server = s_server(SServerOpts {
        extra_args: ["-max_send_frag", "512", "-split_send_frag", "512", "-msg"]
            .map(String::from)
            .to_vec(),
        ..rev_opts(&creds)
    });
    let mut c = Client::new();
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());
    assert_eq!(s.info().peer.as_str(), HOST);
    rev_lines(&mut s, 2);
    s.close().expect("close");
    // The server did split its Certificate message: its records (header
    // lines of `-msg`) are never longer than 512 bytes + 22 of overhead.
    let out = server.output();
    let lens = record_lengths(&out, ">>>");
    assert!(lens.len() > 10, "records sent: {lens:?}\n{out}");
    assert!(lens.iter().all(|&n| n <= 512 + 22), "{lens:?}");
}

/// The lengths of the records `-msg` shows in direction `dir` (`>>>` sent,
/// `<<<` received): the lines `>>> TLS 1.3, RecordHeader [length 0005]`
/// followed by the five header bytes.
fn record_lengths(msg_output: &str, dir: &str) -> Vec<usize> {
    let lines: Vec<&str> = msg_output.lines().collect();
    let mut v = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(&format!("{dir} TLS")) && l.contains("RecordHeader") {
            if let Some(bytes) = lines.get(i + 1) {
                let b: Vec<usize> = bytes
                    .split_whitespace()
                    .filter_map(|h| usize::from_str_radix(h, 16).ok())
                    .collect();
                if b.len() == 5 {
                    v.push(b[3] << 8 | b[4]);
                }
            }
        }
    }
    v
}

#[test]
fn openssl_p256_chain() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = s_server(rev_opts(&creds));
    let mut c = Client::new();
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());
    assert_eq!(s.info().peer.as_str(), HOST);
    rev_lines(&mut s, 3);
    s.close().expect("close");
}

/// Mutual TLS: the right certificate and key work; a certificate of
/// another CA, a key that is not the certificate's, and no certificate
/// at all fail with a client-certificate cause.
#[test]
fn openssl_mutual_tls() {
    let creds = server_creds(HOST, KeyKind::P256);
    let client_ca = Ca::root("interop client root", KeyKind::P256);
    let device = client_ca.leaf(&LeafSpec::client("interop-device-1"));
    let stranger = Ca::root("interop stranger root", KeyKind::P256)
        .leaf(&LeafSpec::client("interop-device-1"));
    let other_key = client_ca.leaf(&LeafSpec::client("interop-device-2"));
    let mut server = s_server(SServerOpts {
        verify_client_ca_pem: Some(client_ca.cert().cert_pem.clone()),
        ..rev_opts(&creds)
    });
    let mut c = Client::new();

    let id = ClientIdentity {
        cert: Credential::Pem(&device.cert_pem),
        key: Credential::Pem(&device.key_pem),
    };
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()).client(id))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());
    rev_lines(&mut s, 4);
    s.close().expect("close");

    for (what, cert, key, alerts) in [
        // unknown_ca
        (
            "certificate of another CA",
            Some(&stranger.cert_pem),
            Some(&stranger.key_pem),
            &[48u8][..],
        ),
        // decrypt_error: the CertificateVerify does not verify
        (
            "key of another certificate",
            Some(&device.cert_pem),
            Some(&other_key.key_pem),
            &[51],
        ),
        // certificate_required
        ("no certificate", None, None, &[116]),
    ] {
        let mut conf = cfg(&creds.ca_pem, server.port());
        if let (Some(cert), Some(key)) = (cert, key) {
            conf = conf.client(ClientIdentity {
                cert: Credential::Pem(cert),
                key: Credential::Pem(key),
            });
        }
        let e = client_cert_refused(c.connect(&conf), what);
        assert!(
            e.alert.is_some_and(|a| alerts.contains(&a)),
            "{what}: alert {:?}, want one of {alerts:?}: {e:?}",
            e.alert
        );
        assert!(server.is_running(), "{}", server.output());
    }
}

/// A client certificate the server refuses: the server's alert comes
/// after the client's Finished, i.e. after `connect` returned, on the
/// first read.
fn client_cert_refused(r: Result<Session<'_>, Error>, what: &str) -> TlsError {
    let e = match r {
        Err(Error::Tls(e)) => e,
        Err(e) => panic!("{what}: not a TLS failure: {e:?}"),
        Ok(mut s) => {
            let _ = s.write_all(b"hello\n");
            let _ = s.flush();
            let mut b = [0u8; 64];
            match s.read(&mut b) {
                Err(Error::Tls(e)) => e,
                r => panic!("{what}: the server must refuse: {r:?}"),
            }
        }
    };
    assert_eq!(e.failure, TlsFailure::ClientCertRejected, "{what}: {e:?}");
    e
}

// ---- 3. KeyUpdate in the middle of a transfer ----

/// `text` without the record and message traces of `s_server -msg`: a line
/// from `<<< ` or `>>> ` (which may start in the middle of a line, right
/// after application data printed without a newline) and the hex dump
/// lines (four spaces) after it. What remains is the application data the
/// server printed, whole across record boundaries.
fn strip_msg_trace(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let next = [rest.find("<<< "), rest.find(">>> ")]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        rest = rest.find('\n').map_or("", |n| &rest[n + 1..]);
        while rest.starts_with("    ") {
            rest = rest.find('\n').map_or("", |n| &rest[n + 1..]);
        }
    }
}

/// The request_update byte of every KeyUpdate `-msg` shows in direction
/// `dir` (`>>>` sent by the server, `<<<` received), in order.
fn key_updates(msg_output: &str, dir: &str) -> Vec<u8> {
    let header = format!("{dir} TLS 1.3, Handshake [length 0005], KeyUpdate");
    let lines: Vec<&str> = msg_output.lines().collect();
    let mut v = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(&header) {
            let body: Vec<u8> = lines
                .get(i + 1)
                .map(|b| {
                    b.split_whitespace()
                        .filter_map(|h| u8::from_str_radix(h, 16).ok())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(body.len(), 5, "KeyUpdate body: {:?}", lines.get(i + 1));
            assert_eq!(body[..4], [24, 0, 0, 1]);
            v.push(body[4]);
        }
    }
    v
}

/// s_server sends KeyUpdate (`k`), then KeyUpdate with update_requested
/// (`K`) between application data both ways; then the client asks for new
/// keys itself. Every byte arrives unchanged on both sides, and the
/// server's trace (`-msg`) shows each KeyUpdate where it belongs.
#[test]
fn openssl_key_update_both_ways_mid_transfer() {
    let creds = server_creds(HOST, KeyKind::P256);
    let mut server = s_server(SServerOpts {
        mode: SServerMode::Console,
        extra_args: vec!["-msg".into()],
        ..rev_opts(&creds)
    });
    let mut c = Client::new();
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());

    let mut seed = 100;
    // Client -> server: s_server prints what it receives.
    let mut up = |s: &mut Session<'_>, server: &SServer, len: usize| {
        seed += 1;
        let mut data = b"#".to_vec();
        data.extend(payload(seed, len, ALNUM));
        data.push(b'\n');
        send(s, &data);
        let want = String::from_utf8(data).unwrap();
        let deadline = std::time::Instant::now() + SERVER_WAIT;
        while !strip_msg_trace(&server.output()).contains(&want) {
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not get {len} bytes:\n{}",
                server.output()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // Server -> client: s_server sends what its standard input gets.
    let down = |s: &mut Session<'_>, server: &mut SServer, seed: u64, len: usize| {
        let mut data = b"#".to_vec();
        data.extend(payload(seed, len, ALNUM));
        data.push(b'\n');
        server.send_stdin(&data).expect("write to s_server");
        let got = read_n(s, data.len());
        assert!(got == data, "{len}-byte line from the server differs");
    };
    let key_update = |server: &mut SServer, cmd: &[u8], n: usize| {
        server.send_stdin(cmd).expect("write to s_server");
        server
            .wait_output("SSL_do_handshake -> 1", n, SERVER_WAIT)
            .expect("KeyUpdate sent");
    };

    up(&mut s, &server, 3000);
    down(&mut s, &mut server, 201, 3000);
    // KeyUpdate, update_not_requested: the server's next records use its
    // new key.
    key_update(&mut server, b"k\n", 1);
    down(&mut s, &mut server, 202, 5000);
    up(&mut s, &server, 5000);
    // KeyUpdate, update_requested: the client answers with its own
    // KeyUpdate (on its next read) and sends under its new key.
    key_update(&mut server, b"K\n", 2);
    down(&mut s, &mut server, 203, 1000);
    up(&mut s, &server, 7000);
    down(&mut s, &mut server, 204, 2000);
    // The client asks: the server updates both ways.
    s.update_keys().expect("update_keys");
    up(&mut s, &server, 4000);
    down(&mut s, &mut server, 205, 4000);
    up(&mut s, &server, 100);
    s.close().expect("close");

    let out = server.output();
    // Sent by the server: `k`, `K`, the answer to the client's request.
    assert_eq!(key_updates(&out, ">>>"), [0, 1, 0], "{out}");
    // Sent by the client: the answer to `K`, then its own request.
    assert_eq!(key_updates(&out, "<<<"), [0, 1], "{out}");
    assert!(!out.contains(":error:"), "{out}");
}

// ---- 4. no common group ----

#[test]
fn openssl_x25519_only_has_no_common_group() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = s_server(SServerOpts {
        extra_args: vec!["-groups".into(), "X25519".into()],
        ..rev_opts(&creds)
    });
    let mut c = Client::new();
    if modemtls::tls::SUPPORTED_GROUPS.contains(&modemtls::tls::X25519) {
        // Built with the feature `x25519`: the server's only group works.
        let mut s = c
            .connect(&cfg(&creds.ca_pem, server.port()))
            .expect("X25519 handshake");
        rev_roundtrip(&mut s, b"over x25519");
        return;
    }
    let e = handshake_failure(c.connect(&cfg(&creds.ca_pem, server.port())), "X25519 only");
    assert_eq!(
        e.failure,
        TlsFailure::NoCommonCipher,
        "{e:?}\n{}",
        server.output()
    );
    assert!(
        e.failure
            .cause_on(Path::Host)
            .contains("key exchange group"),
        "{}",
        e.failure.cause_on(Path::Host)
    );
    // The modem and the library are fine: the next session works.
    let server = s_server(rev_opts(&creds));
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()))
        .expect("next session");
    rev_roundtrip(&mut s, b"after the failure");
    s.close().expect("close");
}

// ---- 5. gnutls-serv ----

/// gnutls-serv's echo mode answers each line (text up to `\n`) in one
/// record when it is complete: lines of 1 to 3000 bytes, each sent in
/// client records of at most 512 bytes (odd sizes too, one flush each),
/// come back as records of their own sizes. (`--recordsize=512` only
/// advertises a record size limit, RFC 8449, to a client that offers one,
/// which the engine does not: the server's records are not limited by it.)
#[test]
fn gnutls_echo_small_records() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = peers::gnutls_serv(&GnutlsOpts {
        record_size: Some(512),
        ..GnutlsOpts::new(&creds.chain_pem, &creds.key_pem)
    })
    .expect("gnutls-serv starts");
    let mut c = Client::with_write(MIN_WRITE_BUF);
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());
    let mut rng = Rng(55);
    let mut total = 0;
    for i in 0..24usize {
        let len = match [1, 511, 512, 513, 3000].get(i) {
            Some(&n) => n,
            None => 1 + rng.below(3000),
        };
        let mut line = payload(500 + i as u64, len, PRINTABLE);
        line.push(b'\n');
        let mut at = 0;
        while at < line.len() {
            let n = if rng.below(3) == 0 {
                1 + rng.below(512)
            } else {
                512
            };
            let n = n.min(line.len() - at);
            send(&mut s, &line[at..at + n]);
            at += n;
        }
        let got = read_n(&mut s, line.len());
        assert!(got == line, "echo of line {i} ({len} bytes) differs");
        total += line.len();
    }
    assert!(total > 10_000, "{total}");
    s.close().expect("close");
}

// ---- 6. nginx ----

/// nginx holding a P-256 and an RSA certificate: a 1 MiB file by GET.
#[test]
fn nginx_one_mebibyte_get() {
    let ec = server_creds_with(
        HOST,
        LeafSpec::server(HOST).cn("nginx P-256"),
        KeyKind::P256,
    );
    let rsa = server_creds_with(
        HOST,
        LeafSpec::server(HOST)
            .kind(KeyKind::Rsa2048)
            .cn("nginx RSA"),
        KeyKind::Rsa2048,
    );
    let body = payload(6, 1 << 20, ANY);
    let server = peers::nginx(&NginxOpts {
        certs: vec![
            (ec.chain_pem.clone(), ec.key_pem.clone()),
            (rsa.chain_pem.clone(), rsa.key_pem.clone()),
        ],
        files: vec![("big.bin".into(), body.clone())],
    })
    .expect("nginx starts");
    let mut bundle = ec.ca_pem.clone();
    bundle.extend_from_slice(&rsa.ca_pem);
    let mut c = Client::new();
    let mut s = c
        .connect(&cfg(&bundle, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());
    let peer = s.info().peer;
    assert!(
        ["nginx P-256", "nginx RSA"].contains(&peer.as_str()),
        "{peer:?}"
    );
    send(
        &mut s,
        b"GET /big.bin HTTP/1.1\r\nHost: server.test\r\nConnection: close\r\n\r\n",
    );
    let resp = read_to_end(&mut s);
    s.close().expect("close");
    let head_end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of the response head")
        + 4;
    let head = String::from_utf8_lossy(&resp[..head_end]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-length: 1048576\r\n"),
        "{head}"
    );
    let got = &resp[head_end..];
    assert_eq!(got.len(), body.len());
    assert_eq!(openssl::sha::sha256(got), openssl::sha::sha256(&body));
}

// ---- 7. mosquitto ----

/// An MQTT remaining length (MQTT 3.1.1 §2.2.3).
fn mqtt_len(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            return;
        }
    }
}

/// A packet of `kind` (first byte) and `body` (variable header + payload).
fn mqtt_packet(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut p = vec![kind];
    mqtt_len(body.len(), &mut p);
    p.extend_from_slice(body);
    p
}

fn mqtt_str(s: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// CONNECT -> CONNACK, SUBSCRIBE -> SUBACK, PUBLISH (QoS 0) to the
/// subscribed topic -> the same PUBLISH back, byte for byte.
#[test]
fn mosquitto_mqtt_over_tls13() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = peers::mosquitto(&creds.chain_pem, &creds.key_pem).expect("mosquitto starts");
    let mut c = Client::new();
    let mut s = c
        .connect(&cfg(&creds.ca_pem, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());

    // CONNECT: "MQTT", level 4, clean session, keep-alive 60 s.
    let mut body = Vec::new();
    mqtt_str(b"MQTT", &mut body);
    body.extend_from_slice(&[4, 0x02, 0, 60]);
    mqtt_str(b"modemtls-interop", &mut body);
    send(&mut s, &mqtt_packet(0x10, &body));
    // CONNACK: session not present, accepted.
    assert_eq!(read_n(&mut s, 4), [0x20, 2, 0, 0], "{}", server.output());

    let topic = b"modemtls/interop";
    let mut body = vec![0, 1];
    mqtt_str(topic, &mut body);
    body.push(0);
    send(&mut s, &mqtt_packet(0x82, &body));
    // SUBACK for packet 1: QoS 0 granted.
    assert_eq!(read_n(&mut s, 5), [0x90, 3, 0, 1, 0]);

    let mut body = Vec::new();
    mqtt_str(topic, &mut body);
    body.extend(payload(7, 1500, ANY));
    let publish = mqtt_packet(0x30, &body);
    send(&mut s, &publish);
    let got = read_n(&mut s, publish.len());
    assert!(got == publish, "the PUBLISH forwarded back differs");

    send(&mut s, &[0xe0, 0]);
    s.close().expect("close");
}

// ---- 8. rustls ----

#[test]
fn rustls_echo() {
    let creds = server_creds(HOST, KeyKind::P256);
    let mut c = Client::new();
    for max_fragment in [None, Some(700)] {
        let server = RustlsEcho::spawn(&RustlsOpts {
            max_fragment_size: max_fragment,
            ..RustlsOpts::new(&creds.chain_pem, &creds.key_pem)
        })
        .expect("rustls server");
        let mut s = c
            .connect(&cfg(&creds.ca_pem, server.port()))
            .unwrap_or_else(|e| panic!("{max_fragment:?}: {e:?}"));
        let suite = check_info(&s.info());
        let data = payload(8, 40 * 1024, ANY);
        for (i, chunk) in data.chunks(6000).enumerate() {
            send(&mut s, chunk);
            let got = read_n(&mut s, chunk.len());
            assert!(got == chunk, "{max_fragment:?}: echo of chunk {i} differs");
        }
        s.close().expect("close");
        let log = server.wait_connections(1, SERVER_WAIT);
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].suite, Some(suite), "{log:?}");
        assert_eq!(log[0].echoed, data.len(), "{log:?}");
        assert!(log[0].close_notify && log[0].error.is_none(), "{log:?}");
    }
}

// ---- 9. P-384 and RSA certificates on one server ----

/// Without the `p384` feature the ClientHello offers no P-384 scheme, so
/// s_server answers with its RSA certificate (with it: the P-384 one).
#[test]
fn openssl_p384_and_rsa_server_picks_what_the_client_verifies() {
    let p384 = server_creds_with(
        HOST,
        LeafSpec::server(HOST).kind(KeyKind::P384).cn("dual P-384"),
        KeyKind::P384,
    );
    let rsa = server_creds_with(
        HOST,
        LeafSpec::server(HOST).kind(KeyKind::Rsa2048).cn("dual RSA"),
        KeyKind::Rsa2048,
    );
    let (rsa_leaf, rsa_rest) = {
        let certs = openssl::x509::X509::stack_from_pem(&rsa.chain_pem).unwrap();
        let rest: Vec<u8> = certs[1..]
            .iter()
            .flat_map(|c| c.to_pem().unwrap())
            .collect();
        (certs[0].to_pem().unwrap(), rest)
    };
    let files = peers::temp_files(&[
        ("dcert.pem", &rsa_leaf),
        ("dchain.pem", &rsa_rest),
        ("dkey.pem", &rsa.key_pem),
    ])
    .expect("files");
    let f = |n: &str| files.path().join(n).to_string_lossy().into_owned();
    let server = s_server(SServerOpts {
        extra_args: vec![
            "-dcert".into(),
            f("dcert.pem"),
            "-dkey".into(),
            f("dkey.pem"),
            "-dcert_chain".into(),
            f("dchain.pem"),
        ],
        ..rev_opts(&p384)
    });
    let mut bundle = p384.ca_pem.clone();
    bundle.extend_from_slice(&rsa.ca_pem);
    let mut c = Client::new();
    let mut s = c
        .connect(&cfg(&bundle, server.port()))
        .unwrap_or_else(|e| panic!("{e:?}\n{}", server.output()));
    check_info(&s.info());
    let offers_p384 = SIGNATURE_SCHEMES.contains(&0x0503);
    let want = if offers_p384 {
        "dual P-384"
    } else {
        "dual RSA"
    };
    assert_eq!(s.info().peer.as_str(), want);
    rev_lines(&mut s, 9);
    s.close().expect("close");
}
