//! Feature `log`: what the library logs through a simulated modem against
//! real TLS servers, and what it never logs.
//!
//! A capturing `log::Log` keeps every record with the thread that made it
//! (each test reads its own thread's records). The sessions upload a CA,
//! a client certificate and a client key (mutual TLS) on the offloaded
//! path and run the host TLS path; then the log must show the AT
//! commands, the path decision with its reason code and the TLS
//! handshake events, and must not hold 16 consecutive bytes of any
//! credential: its PEM text, the base64 body (with and without line
//! breaks), the DER, or the DER and PEM as hex.
#![cfg(feature = "log")]

mod common;

use common::{rig, sim_config, test_timeouts, Rig, HOST};
use modemtls::auto::{self, PathCache};
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::sierra::SierraHl;
use modemtls::modem::{Apn, Modem};
use modemtls::port::TcpPort;
use modemtls::session::{ClientIdentity, Credential, Mode, Path, SessionConfig, TlsSession};
use modemtls_sim::{FirmwareProfile, Simulator};
use modemtls_testkit::{
    server_creds, Behaviour, Ca, KeyKind, LeafSpec, ServerCreds, ServerOpts, TlsServer, TlsVersions,
};
use std::collections::HashSet;
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

// ---- the capturing logger ----

struct Capture {
    records: Mutex<Vec<(ThreadId, log::Level, String)>>,
}

static CAPTURE: Capture = Capture {
    records: Mutex::new(Vec::new()),
};

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{}", record.args());
        self.records
            .lock()
            .unwrap()
            .push((std::thread::current().id(), record.level(), line));
    }
    fn flush(&self) {}
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&CAPTURE).expect("no other logger");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The messages this thread logged so far, and forget them.
fn take_mine() -> Vec<String> {
    let me = std::thread::current().id();
    let mut all = CAPTURE.records.lock().unwrap();
    let (mine, rest): (Vec<_>, Vec<_>) = all.drain(..).partition(|(t, _, _)| *t == me);
    *all = rest;
    mine.into_iter().map(|(_, _, m)| m).collect()
}

// ---- the secret check ----

const WINDOW: usize = 16;

fn hex(bytes: &[u8], upper: bool) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| {
            let s = if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            };
            s.into_bytes()
        })
        .collect()
}

/// The forms a credential may take on its way to a modem: the PEM text,
/// each base64 body line, the body without line breaks, the DER, and
/// the PEM and DER as hex (the BC66 style).
fn forms(pem: &[u8], der: &[u8]) -> Vec<Vec<u8>> {
    let text = std::str::from_utf8(pem).unwrap();
    let body_lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    let mut v = vec![pem.to_vec(), body_lines.concat().into_bytes()];
    // The DER in pieces of binary: its printable runs are the names in a
    // certificate (e.g. "CA for server.test"), public and logged by design
    // as the host name; every window with a byte that is not printable
    // ASCII is checked.
    let printable = |w: &[u8]| w.iter().all(|b| (0x20..0x7f).contains(b));
    let mut piece = Vec::new();
    for (i, w) in der.windows(WINDOW).enumerate() {
        if printable(w) {
            if piece.len() >= WINDOW {
                v.push(std::mem::take(&mut piece));
            }
            piece.clear();
        } else if piece.is_empty() {
            piece.extend_from_slice(w);
        } else {
            piece.push(der[i + WINDOW - 1]);
        }
    }
    if piece.len() >= WINDOW {
        v.push(piece);
    }
    v.extend(body_lines.iter().map(|l| l.as_bytes().to_vec()));
    for upper in [false, true] {
        v.push(hex(pem, upper));
        v.push(hex(der, upper));
    }
    v
}

/// The first 16-byte window of a secret form found in `messages`.
fn leak(messages: &[String], secrets: &[Vec<u8>]) -> Option<String> {
    let mut seen: HashSet<&[u8]> = HashSet::new();
    for m in messages {
        seen.extend(m.as_bytes().windows(WINDOW));
    }
    for form in secrets {
        assert!(form.len() >= WINDOW, "a secret form shorter than a window");
        for w in form.windows(WINDOW) {
            if seen.contains(w) {
                return Some(String::from_utf8_lossy(w).into_owned());
            }
        }
    }
    None
}

fn assert_no_leak(messages: &[String], secrets: &[Vec<u8>]) {
    if let Some(w) = leak(messages, secrets) {
        let m = messages
            .iter()
            .find(|m| m.contains(&w))
            .cloned()
            .unwrap_or_default();
        panic!("credential bytes {w:?} logged in {m:?}");
    }
}

fn has(messages: &[String], needle: &str) -> bool {
    messages.iter().any(|m| m.contains(needle))
}

fn assert_has(messages: &[String], needle: &str) {
    assert!(
        has(messages, needle),
        "no log message contains {needle:?}; the log:\n{}",
        messages.join("\n")
    );
}

/// The check itself can fail: a log holding one base64 line of a PEM, or a
/// window of its DER as hex, is caught.
#[test]
fn the_secret_check_finds_a_leak() {
    let ca = Ca::root("check root", KeyKind::P256);
    let leaf = ca.leaf(&LeafSpec::client("device-1"));
    let secrets = forms(&leaf.key_pem, &leaf.key_der);
    let line = std::str::from_utf8(&leaf.key_pem)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(leak(&[format!("AT< {line}")], &secrets).is_some());
    let der_hex = String::from_utf8(hex(&leaf.key_der[10..30], true)).unwrap();
    assert!(leak(&[format!("x{der_hex}y")], &secrets).is_some());
    let clean = [format!("AT> AT+QFUPL=\"a.key\",{}", leaf.key_pem.len())];
    assert!(leak(&clean, &secrets).is_none());
}

// ---- sessions ----

struct Mem {
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: modemtls::tls::ClientState,
}

impl Mem {
    fn new() -> Self {
        Mem {
            read: vec![0; MIN_READ_BUF],
            write: vec![0; 4096],
            scratch: vec![0; 4096],
            state: modemtls::tls::ClientState::new(),
        }
    }
    fn bufs(&mut self) -> HostBuffers<'_> {
        HostBuffers {
            read: &mut self.read,
            write: &mut self.write,
            scratch: &mut self.scratch,
            state: &mut self.state,
            ticket: None,
        }
    }
}

const BODY: &[u8] = b"hello from the server\n";

/// An HTTP server both paths reach (TLS 1.2 with a suite the BG96
/// firmware has, TLS 1.3 for the host), requiring a client certificate
/// from `client_ca` when given.
fn server(creds: &ServerCreds, client_ca: Option<&Ca>) -> TlsServer {
    TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        verify_client_ca_pem: client_ca.map(|c| c.cert().cert_pem.clone()),
        max_connections: 16,
        ..ServerOpts::from_creds(creds)
    })
    .expect("TLS server starts")
}

fn get<S: TlsSession>(s: &mut S) {
    s.write_all(b"GET / HTTP/1.1\r\nHost: server.test\r\n\r\n")
        .expect("request written");
    s.flush().expect("request flushed");
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    while !out.ends_with(BODY) {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read failed after {} bytes: {e}", out.len()),
        }
    }
    assert!(out.starts_with(b"HTTP/1.1 200 OK"), "{out:?}");
}

/// Mutual TLS through a simulated BG96 on the offloaded path (the CA,
/// client certificate and key uploaded with `AT+QFUPL`), the host path
/// and Auto; the log shows each layer's events and no credential byte.
#[test]
fn bg96_mutual_tls_logs_commands_decisions_and_tls_events_but_no_credential() {
    install();
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let client_ca = Ca::root("client root", KeyKind::P256);
    let client = client_ca.leaf(&LeafSpec::client("device-7"));
    let srv = server(&creds, Some(&client_ca));
    let id = ClientIdentity {
        cert: Credential::Pem(&client.cert_pem),
        key: Credential::Pem(&client.key_pem),
    };
    let mut r: Rig = rig();
    let mut mem = Mem::new();
    let mut cache: PathCache<4> = PathCache::new();
    take_mine();
    let mut paths = Vec::new();
    for mode in [Mode::Offload, Mode::Host, Mode::Auto] {
        let cfg = SessionConfig::new(HOST, srv.port())
            .trust(Credential::Pem(&creds.ca_pem))
            .client(id)
            .mode(mode);
        let mut rng = rand_core::OsRng;
        let mut s = auto::connect(&mut r.modem, &cfg, &mut rng, mem.bufs(), Some(&mut cache))
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        paths.push(s.info().path);
        get(&mut s);
        s.close().expect("close");
    }
    assert_eq!(paths, [Path::Offload, Path::Host, Path::Offload]);
    let log = take_mine();

    // AT layer: commands with their arguments, uploads as lengths.
    let ca_len = creds.ca_pem.len();
    let key_len = client.key_pem.len();
    assert_has(&log, "AT> AT+QSSLOPEN=");
    assert_has(&log, "AT> AT+QIOPEN=");
    assert_has(&log, &format!(",{ca_len},")); // AT+QFUPL="<name>.pem",<len>,<timeout>
    assert_has(&log, &format!("(+{ca_len} data bytes, not logged)"));
    assert_has(&log, &format!("(+{key_len} data bytes, not logged)"));
    assert_has(&log, "AT< OK");
    assert_has(&log, "AT< +QFUPL: ");
    assert_has(&log, "payload bytes"); // +QIRD reads as lengths
    assert!(
        log.iter()
            .any(|m| m.starts_with("AT> AT+QISEND=") && m.contains("data bytes, not logged")),
        "sends logged with their length"
    );
    // Offload: the credentials by name and length.
    assert_has(&log, "offload: CA ");
    assert_has(&log, &format!(".pem ({ca_len} bytes) uploaded"));
    assert_has(&log, &format!(".key ({key_len} bytes) uploaded"));
    assert_has(&log, "offload: open, socket ");
    // Auto: the plan with its reason code.
    assert_has(&log, "auto: path offload (requested)");
    assert_has(&log, "auto: path host (requested)");
    assert_has(
        &log,
        &format!(
            "auto: plan offload for {HOST}:{}, reason modem-capable",
            srv.port()
        ),
    );
    // Host TLS: the handshake's events.
    assert_has(&log, "host: TLS 1.3 handshake with server.test");
    assert_has(&log, "tls: ClientHello sent");
    assert_has(&log, "tls: ServerHello, suite TLS_AES_");
    assert_has(&log, "tls: CertificateRequest");
    assert_has(&log, "tls: server certificate accepted");
    assert_has(&log, "tls: CertificateVerify accepted");
    assert_has(&log, "tls: server Finished verified");
    assert_has(&log, "host: connected, suite TLS_AES_");
    assert_has(&log, "resumed false");
    assert_has(&log, "tls: close_notify sent");
    assert_has(&log, "host: closing");

    let mut secrets = forms(&creds.ca_pem, &creds.ca_der);
    secrets.extend(forms(&client.key_pem, &client.key_der));
    secrets.extend(forms(&client.cert_pem, &client.cert_der));
    assert_no_leak(&log, &secrets);
}

/// An offloaded failure, its classification and the fallback: a TLS 1.3
/// only server the BG96 firmware cannot reach, then the host path, and
/// the decision remembered.
#[test]
fn fallback_and_its_reason_are_logged() {
    install();
    let creds = server_creds(HOST, KeyKind::P256);
    let srv = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        tls: TlsVersions::Tls13Only,
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server starts");
    let mut r = rig();
    let mut mem = Mem::new();
    let mut cache: PathCache<4> = PathCache::new();
    take_mine();
    let cfg = SessionConfig::new(HOST, srv.port()).trust(Credential::Pem(&creds.ca_pem));
    let mut rng = rand_core::OsRng;
    let mut s = auto::connect(&mut r.modem, &cfg, &mut rng, mem.bufs(), Some(&mut cache))
        .expect("Auto session");
    assert_eq!(s.info().path, Path::Host);
    get(&mut s);
    s.close().expect("close");
    let log = take_mine();
    assert_has(&log, "reason modem-capable");
    assert_has(&log, "AT< URC +QSSLOPEN: ");
    assert_has(&log, "offload: handshake failed, modem code ");
    assert_has(&log, "auto: offload failed: ");
    assert_has(&log, "host path: fallback-protocol-version");
    assert_has(&log, "auto: remembered host path for server.test");
    assert_has(&log, "host: connected");
    assert_no_leak(&log, &forms(&creds.ca_pem, &creds.ca_der));
}

/// A rejected certificate on the host path: the verifier's cause and the
/// alert sent are logged.
#[test]
fn certificate_rejection_is_logged_with_its_cause() {
    install();
    let creds = server_creds(HOST, KeyKind::P256);
    let other = server_creds(HOST, KeyKind::P256);
    let srv = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server starts");
    let mut r = rig();
    let mut mem = Mem::new();
    take_mine();
    let cfg = SessionConfig::new(HOST, srv.port())
        .trust(Credential::Pem(&other.ca_pem))
        .mode(Mode::Host);
    let mut rng = rand_core::OsRng;
    let e = modemtls::host::connect(&mut r.modem, &cfg, &mut rng, mem.bufs())
        .err()
        .expect("an untrusted CA is refused");
    let log = take_mine();
    // The verifier's cause, and the alert it maps to, sent.
    let failed = log
        .iter()
        .find(|m| m.starts_with("tls: failed: ") && m.contains("certificate"))
        .unwrap_or_else(|| panic!("no certificate failure; the log:\n{}", log.join("\n")));
    let alert = failed
        .rsplit("(alert to send: ")
        .next()
        .and_then(|a| a.strip_suffix(')'))
        .and_then(|a| a.parse::<u8>().ok())
        .expect("an alert number");
    assert!([42, 48].contains(&alert), "{failed}");
    assert_has(&log, &format!("tls: alert {alert} sent (fatal true)"));
    assert_has(&log, &format!("host: session failed: {}", e.cause()));
}

/// The APN password and user name are not logged (only the command).
#[test]
fn apn_credentials_are_not_logged() {
    install();
    let sim = Simulator::spawn(sim_config(FirmwareProfile::bg96())).expect("simulator");
    let mut m = modemtls::modem::quectel::Bg9x::new(TcpPort::connect(sim.addr()).expect("UART"));
    m.set_timeouts(test_timeouts());
    take_mine();
    m.init().expect("init");
    m.attach(&Apn {
        name: "internet",
        user: "apn-user-name-x",
        password: "apn-pass-word-y",
    })
    .expect("attach");
    let log = take_mine();
    assert_has(&log, "AT> AT+QICSGP=<not logged>");
    assert!(!has(&log, "apn-user-name-x"), "{log:?}");
    assert!(!has(&log, "apn-pass-word-y"), "{log:?}");
}

/// A Sierra HL78xx stores the CA with `AT+KCERTSTORE` (CONNECT data
/// phase, `--EOF--Pattern--`): logged as a length; the CA's bytes never.
#[test]
fn sierra_certificate_store_is_logged_as_a_length() {
    install();
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let srv = server(&creds, None);
    let p = FirmwareProfile::by_name("hl78xx-4.6").expect("profile");
    let sim = Simulator::spawn(sim_config(p)).expect("simulator");
    let mut m = SierraHl::new(TcpPort::connect(sim.addr()).expect("UART"));
    m.set_timeouts(test_timeouts());
    m.init().expect("init");
    m.attach(&Apn::new("internet")).expect("attach");
    take_mine();
    let mut cfg = SessionConfig::new(HOST, srv.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Offload);
    // The HL78xx checks the chain, not the host name.
    cfg.accept_chain_only = true;
    let mut s = modemtls::offload::connect(&mut m, &cfg).expect("offloaded session");
    get(&mut s);
    s.close().expect("close");
    let log = take_mine();
    assert!(
        log.iter()
            .any(|m| m.starts_with("AT> AT+KCERTSTORE=") && m.contains("data bytes, not logged")),
        "the store command and its length; the log:\n{}",
        log.join("\n")
    );
    assert_has(&log, "AT< CONNECT");
    assert_no_leak(&log, &forms(&creds.ca_pem, &creds.ca_der));
    drop(sim);
}

/// A BC66 takes the CA inline (`AT+QSSLCFG=0,0,"cacert"` and a data
/// phase) and sends hex (`AT+QISEND=<id>,<n>` and 2n hex digits): logged
/// as lengths; neither the CA (as text or hex) nor the data is.
#[test]
fn bc66_inline_certificate_and_hex_data_are_logged_as_lengths() {
    install();
    // An RSA leaf (the BC66 has RSA key exchange only) under a P-256 CA,
    // TLS 1.2 for the firmware and TLS 1.3 for the host path.
    let creds = modemtls_testkit::server_creds_with(
        HOST,
        LeafSpec::server(HOST).kind(KeyKind::Rsa2048),
        KeyKind::P256,
    );
    let srv = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:AES128-GCM-SHA256".into()),
        max_connections: 4,
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server starts");
    let sim = Simulator::spawn(sim_config(
        FirmwareProfile::by_name("bc66").expect("profile"),
    ))
    .expect("simulator");
    let mut m = modemtls::modem::quectel::Bc66::new(TcpPort::connect(sim.addr()).expect("UART"));
    m.set_timeouts(test_timeouts());
    m.init().expect("init");
    m.attach(&Apn::new("internet")).expect("attach");
    let mut mem = Mem::new();
    take_mine();
    for mode in [Mode::Offload, Mode::Host] {
        let mut cfg = SessionConfig::new(HOST, srv.port())
            .trust(Credential::Pem(&creds.ca_pem))
            .mode(mode);
        // The BC66 checks the chain, not the host name.
        cfg.accept_chain_only = true;
        let mut rng = rand_core::OsRng;
        let mut s = auto::connect::<_, _, 1>(&mut m, &cfg, &mut rng, mem.bufs(), None)
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        get(&mut s);
        s.close().expect("close");
    }
    let log = take_mine();
    let ca_len = creds.ca_pem.len();
    assert!(
        log.iter()
            .any(|m| m.starts_with("AT> AT+QSSLCFG=0,0,\"cacert\"")
                && m.contains(&format!("(+{} data bytes, not logged)", ca_len + 1))),
        "the inline CA as a length (and its Ctrl-Z); the log:\n{}",
        log.join("\n")
    );
    assert!(
        log.iter()
            .any(|m| m.starts_with("AT> AT+QISEND=") && m.contains("data bytes, not logged")),
        "hex sends as lengths"
    );
    assert_has(&log, "tls: server Finished verified");
    assert_no_leak(&log, &forms(&creds.ca_pem, &creds.ca_der));
}
