//! The host TLS path and the Auto policy through a simulated BG96, against
//! real TLS servers on loopback: the seed failures reproduced on the
//! offloaded path and beaten by Auto, and the cases where Auto must *not*
//! switch paths.

mod common;

use common::{rig, rig_with, sim_config, Rig, HOST};
use embedded_io::{Read, Write};
use modemtls::auto::{self, PathCache, Step};
use modemtls::error::{CertProblem, Error, TlsError, TlsFailure};
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::quectel::Bg9x;
use modemtls::modem::ModemError;
use modemtls::port::TcpPort;
use modemtls::probe::TlsVersion;
use modemtls::session::{
    ClientIdentity, Credential, Mode, Path, PathReason, Session, SessionConfig, TlsSession,
};
use modemtls_sim::FirmwareProfile;
use modemtls_testkit::{
    server_creds, Behaviour, Ca, KeyKind, LeafSpec, ServerCreds, ServerOpts, TlsServer, TlsVersions,
};
use std::time::Duration;

/// Caller-owned host TLS memory, as firmware would keep it in statics.
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

/// A simulated modem with host TLS memory, a decision cache and the steps
/// Auto reported during the last `connect`.
struct Case {
    r: Rig,
    mem: Mem,
    cache: PathCache<8>,
    steps: Vec<Step>,
}

impl Case {
    fn new() -> Self {
        Self::on(rig())
    }

    fn on(r: Rig) -> Self {
        Case {
            r,
            mem: Mem::new(),
            cache: PathCache::new(),
            steps: Vec::new(),
        }
    }

    /// `auto::connect_observed` with this case's cache when `cached`.
    fn open(
        &mut self,
        cfg: &SessionConfig<'_>,
        cached: bool,
    ) -> Result<Session<'_, '_, Bg9x<TcpPort>>, Error> {
        let Case {
            r,
            mem,
            cache,
            steps,
        } = self;
        steps.clear();
        let mut rng = rand_core::OsRng;
        let cache = if cached { Some(cache) } else { None };
        auto::connect_observed(&mut r.modem, cfg, &mut rng, mem.bufs(), cache, &mut |s| {
            steps.push(s)
        })
    }

    /// Open with the cache.
    fn connect(
        &mut self,
        cfg: &SessionConfig<'_>,
    ) -> Result<Session<'_, '_, Bg9x<TcpPort>>, Error> {
        self.open(cfg, true)
    }

    /// A connect that must fail with a TLS error.
    fn tls_failure(&mut self, cfg: &SessionConfig<'_>) -> TlsError {
        match self.connect(cfg) {
            Ok(s) => panic!("connected: {:?}", s.info()),
            Err(Error::Tls(t)) => t,
            Err(other) => panic!("want a TLS error, got {other:?}: {other}"),
        }
    }

    fn tried_host(&self) -> bool {
        self.steps.contains(&Step::HostStarting)
    }

    fn offload_failure(&self) -> Option<(Error, Option<PathReason>)> {
        self.steps.iter().find_map(|s| match s {
            Step::OffloadFailed { error, fallback } => Some((*error, *fallback)),
            _ => None,
        })
    }
}

/// An HTTP server answering every request with [`BODY`].
fn http(opts: ServerOpts) -> TlsServer {
    TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        ..opts
    })
    .expect("TLS server starts")
}

const BODY: &[u8] = b"hello from the server\n";

/// Seed 1's other server (the BC66 "-9" / 701 report): TLS 1.2 offered
/// only with ChaCha20, which the BG96 firmware lacks.
fn chacha_only_server(creds: &ServerCreds) -> TlsServer {
    http(ServerOpts {
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305".into()),
        ..ServerOpts::from_creds(creds)
    })
}

/// Seed 3's server: TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256, which the
/// BG96 firmware reaches.
fn bg96_reachable_server(creds: &ServerCreds) -> TlsServer {
    http(ServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        ..ServerOpts::from_creds(creds)
    })
}

/// GET over any session (the one interface of every path); returns the
/// response.
fn get<S: TlsSession>(s: &mut S) -> String {
    s.write_all(b"GET / HTTP/1.1\r\nHost: server.test\r\n\r\n")
        .expect("request written");
    s.flush().expect("request flushed");
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read failed after {} bytes: {e}", out.len()),
        }
        if out.ends_with(BODY) {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn auto_cfg<'a>(creds: &'a ServerCreds, port: u16) -> SessionConfig<'a> {
    SessionConfig::new(HOST, port).trust(Credential::Pem(&creds.ca_pem))
}

// ---- one session interface ----

/// The offloaded, host and Auto sessions are one interface
/// ([`TlsSession`]): the same generic code runs over each, on the same
/// modem, against one server that both paths reach.
#[test]
fn every_path_is_the_same_session_interface() {
    use modemtls::{host, offload};
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    // TLS 1.2 with a suite the BG96 firmware has, and TLS 1.3 for the host.
    let server = http(ServerOpts {
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let cfg = auto_cfg(&creds, server.port());
    let mut rng = rand_core::OsRng;
    let mut s = offload::connect(&mut c.r.modem, &cfg).expect("offloaded session");
    assert!(get(&mut s).ends_with(std::str::from_utf8(BODY).unwrap()));
    assert_eq!(TlsSession::info(&s).path, Path::Offload);
    TlsSession::close(s).expect("offloaded close");
    let mut s = host::connect(&mut c.r.modem, &cfg, &mut rng, c.mem.bufs()).expect("host session");
    assert!(get(&mut s).ends_with(std::str::from_utf8(BODY).unwrap()));
    assert_eq!(TlsSession::info(&s).path, Path::Host);
    TlsSession::close(s).expect("host close");
    let mut s = c.connect(&cfg).expect("Auto session");
    assert!(get(&mut s).ends_with(std::str::from_utf8(BODY).unwrap()));
    TlsSession::close(s).expect("Auto close");
}

// ---- host path on its own ----

#[test]
fn host_path_https_get_tls13_with_verification() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = http(ServerOpts::from_creds(&creds));
    let mut c = Case::new();
    let cfg = auto_cfg(&creds, server.port()).mode(Mode::Host);
    let mut s = c.connect(&cfg).expect("host handshake");
    let info = s.info();
    assert_eq!(info.path, Path::Host);
    assert_eq!(info.reason, PathReason::Requested);
    assert_eq!(info.tls_version, Some(TlsVersion::Tls13));
    assert_eq!(info.cipher_suite, Some(0x1301));
    assert!(info.verified);
    assert_eq!(info.peer.as_str(), HOST, "verified certificate's CN");
    let resp = get(&mut s);
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp:?}");
    s.close().expect("close_notify and socket close");
    let conns = server.wait_connections(1, Duration::from_secs(5));
    assert_eq!(conns[0].sni.as_deref(), Some(HOST), "SNI always sent");
    assert_eq!(conns[0].version.as_deref(), Some("TLSv1.3"));
    // It ran over the modem's raw TCP socket, not its SSL stack.
    assert!(c.r.sim.command_count("AT+QIOPEN") >= 1);
    assert_eq!(c.r.sim.command_count("AT+QSSLOPEN"), 0);
}

#[test]
fn host_path_rsa_chain_and_large_binary_echo() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = TlsServer::spawn(ServerOpts::from_creds(&creds)).unwrap();
    let mut c = Case::new();
    let mut s = c
        .connect(&auto_cfg(&creds, server.port()).mode(Mode::Host))
        .expect("RSA handshake");
    // 40 KiB with AT framing look-alikes in it, both directions.
    let mut data: Vec<u8> = (0..40 * 1024u32)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 7)) as u8)
        .collect();
    data[100..106].copy_from_slice(b"\r\nOK\r\n");
    data[5000..5002].copy_from_slice(b"> ");
    s.write_all(&data).unwrap();
    s.flush().unwrap();
    let mut got = vec![0u8; data.len()];
    let mut n = 0;
    while n < got.len() {
        let k = s.read(&mut got[n..]).expect("echo data");
        assert!(k > 0, "stream ended after {n}");
        n += k;
    }
    assert!(got == data, "echoed bytes differ");
    s.close().unwrap();
}

#[test]
fn host_path_close_notify_is_end_of_stream_and_truncation_is_an_error() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::SendThenClose(b"partial".to_vec()),
        ..ServerOpts::from_creds(&creds)
    })
    .unwrap();
    let mut c = Case::new();
    let mut s = c
        .connect(&auto_cfg(&creds, server.port()).mode(Mode::Host))
        .unwrap();
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    let end = loop {
        match s.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
    };
    assert_eq!(got, b"partial");
    // No close_notify: the stream may be truncated, so it is not a clean end.
    assert_eq!(end, Err(Error::Modem(ModemError::Closed)));
}

#[test]
fn host_path_uses_modem_network_clock_and_refuses_an_unset_one() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts::from_creds(&creds)).unwrap();
    let cfg = auto_cfg(&creds, server.port()).mode(Mode::Host);
    // A modem whose clock was never set (1980): the host path cannot check
    // validity, so it refuses unless validity is explicitly waived.
    let mut c = Case::on(rig_with(
        sim_config(FirmwareProfile::bg96()).network_time(315_532_800),
    ));
    let err = c.connect(&cfg).err().expect("unset clock refused");
    assert_eq!(err, Error::Modem(ModemError::ClockNotSet));
    let mut waived = cfg;
    waived.accept_unchecked_validity = true;
    c.connect(&waived)
        .expect("waived validity")
        .close()
        .unwrap();
    // A clock ten years ahead: every certificate has expired.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut c = Case::on(rig_with(
        sim_config(FirmwareProfile::bg96()).network_time(now + 10 * 365 * 86_400),
    ));
    let e = c.tls_failure(&cfg);
    assert_eq!(e.failure, TlsFailure::CertificateRejected);
    assert_eq!(e.certificate, Some(CertProblem::Expired));
    assert_eq!(e.path, Path::Host);
}

// ---- seed 1: TLS 1.3-only and ChaCha20-only servers ----

#[test]
fn seed1_tls13_only_auto_falls_back_and_remembers() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = http(ServerOpts {
        tls: TlsVersions::Tls13Only,
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let cfg = auto_cfg(&creds, server.port());
    let mut s = c
        .connect(&cfg)
        .expect("Auto reaches the TLS 1.3-only server");
    let info = s.info();
    assert_eq!(info.path, Path::Host);
    assert_eq!(
        info.reason,
        PathReason::Fallback(TlsFailure::ProtocolVersion)
    );
    assert_eq!(info.reason.code(), "fallback-protocol-version");
    assert!(info.verified, "a fallback never weakens verification");
    assert_eq!(info.peer.as_str(), HOST);
    let from = info
        .fallback_from
        .expect("offload failure kept as evidence");
    assert_eq!(from.failure, TlsFailure::ProtocolVersion);
    assert_eq!(from.modem_code, Some(-1));
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
    assert!(c.steps.contains(&Step::Remembered(PathReason::Fallback(
        TlsFailure::ProtocolVersion
    ))));
    assert_eq!(c.r.sim.command_count("AT+QSSLOPEN"), 1);

    // Second connection: straight to host, no offloaded attempt.
    let s = c.connect(&cfg).unwrap();
    assert_eq!(s.info().reason, PathReason::Cached);
    s.close().unwrap();
    assert_eq!(
        c.r.sim.command_count("AT+QSSLOPEN"),
        1,
        "no second offload try"
    );
    assert!(!c.steps.contains(&Step::OffloadStarting));

    // After a "reboot": the saved cache restored into a new modem session.
    let mut saved = [0u8; PathCache::<8>::SERIALIZED_MAX];
    let n = c.cache.save(&mut saved).unwrap();
    let mut c2 = Case::new();
    c2.cache = PathCache::restore(&saved[..n]).unwrap();
    let s = c2.connect(&cfg).unwrap();
    assert_eq!(s.info().reason, PathReason::Cached);
    s.close().unwrap();
    assert_eq!(c2.r.sim.command_count("AT+QSSLOPEN"), 0);
}

#[test]
fn seed1_chacha_only_tls12_server_auto_falls_back() {
    // The BC66 "-9" / 701 report: TLS 1.2 offered only with ChaCha20.
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = chacha_only_server(&creds);
    let mut c = Case::new();
    let mut s = c
        .connect(&auto_cfg(&creds, server.port()))
        .expect("Auto succeeds on host");
    assert_eq!(
        s.info().reason,
        PathReason::Fallback(TlsFailure::NoCommonCipher)
    );
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
    let (err, fb) = c.offload_failure().expect("offload was tried");
    assert!(matches!(err, Error::Tls(t) if t.failure == TlsFailure::NoCommonCipher));
    assert_eq!(fb, Some(PathReason::Fallback(TlsFailure::NoCommonCipher)));
    assert_eq!(c.cache.entries().len(), 1);
}

#[test]
fn tls13_hint_goes_to_host_without_trying_offload() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = http(ServerOpts {
        tls: TlsVersions::Tls13Only,
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let mut cfg = auto_cfg(&creds, server.port());
    cfg.hints.tls13_only = true;
    let s = c.connect(&cfg).unwrap();
    assert_eq!(s.info().reason, PathReason::NeedsTls13);
    assert_eq!(s.info().reason.code(), "needs-tls13");
    s.close().unwrap();
    assert_eq!(c.r.sim.command_count("AT+QSSLOPEN"), 0);
}

// ---- seed 2: SNI required, firmware without SNI ----

#[test]
fn seed2_sni_required_old_firmware_auto_falls_back() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = http(ServerOpts {
        require_sni: Some(HOST.into()),
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::on(rig_with(sim_config(FirmwareProfile::bg96_no_sni())));
    let cfg = auto_cfg(&creds, server.port());
    let mut s = c.open(&cfg, false).expect("Auto via host");
    assert_eq!(
        s.info().reason,
        PathReason::Fallback(TlsFailure::SniRequired)
    );
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
    let conns = server.connections();
    assert!(conns
        .iter()
        .any(|c| c.sni.is_none() && c.handshake_error.is_some()));
    assert!(conns
        .iter()
        .any(|c| c.sni.as_deref() == Some(HOST) && c.version.as_deref() == Some("TLSv1.3")));
    // With the hint, Auto knows before trying.
    let mut hinted = cfg;
    hinted.hints.requires_sni = true;
    let before = c.r.sim.command_count("AT+QSSLOPEN");
    let s = c.open(&hinted, false).unwrap();
    assert_eq!(s.info().reason, PathReason::NeedsSni);
    s.close().unwrap();
    assert_eq!(c.r.sim.command_count("AT+QSSLOPEN"), before);
}

// ---- seed 3: a server the BG96 can reach stays offloaded ----

#[test]
fn seed3_reachable_server_stays_on_offload() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = bg96_reachable_server(&creds);
    let mut c = Case::new();
    let mut s = c.connect(&auto_cfg(&creds, server.port())).unwrap();
    assert_eq!(s.info().path, Path::Offload);
    assert_eq!(s.info().reason, PathReason::CapabilitiesCover);
    assert_eq!(s.info().reason.code(), "modem-capable");
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
    assert!(c.cache.entries().is_empty());
    assert!(!c.tried_host());
}

// ---- seed 4: wrong certificate: both paths refuse, Auto does not switch ----

#[test]
fn seed4_wrong_hostname_fails_on_both_paths_and_auto_does_not_switch() {
    let creds = server_creds("other.test", KeyKind::P256);
    let server = http(ServerOpts {
        max_connections: 16,
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let cfg = auto_cfg(&creds, server.port());
    let e = c.tls_failure(&cfg);
    assert_eq!(e.failure, TlsFailure::CertificateRejected, "{e}");
    assert_eq!(e.path, Path::Offload);
    assert!(!c.tried_host(), "{:?}", c.steps);
    assert!(c.cache.entries().is_empty());

    let e = c.tls_failure(&cfg.mode(Mode::Host));
    assert_eq!(e.failure, TlsFailure::CertificateRejected);
    assert_eq!(e.certificate, Some(CertProblem::HostnameMismatch));
    assert!(e.to_string().contains("host name"), "{e}");
}

#[test]
fn untrusted_ca_on_host_is_named() {
    let creds = server_creds(HOST, KeyKind::P256);
    let other = Ca::root("Unrelated Root", KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts::from_creds(&creds)).unwrap();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&other.cert().cert_pem))
        .mode(Mode::Host);
    let e = Case::new().tls_failure(&cfg);
    assert_eq!(e.certificate, Some(CertProblem::UntrustedIssuer));
}

#[test]
fn tls13_only_server_with_wrong_certificate_reports_the_host_verdict() {
    // Offload fails for a capability cause, Auto tries host once, and host
    // finds the certificate wrong: that is the error reported.
    let creds = server_creds("other.test", KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls13Only,
        ..ServerOpts::from_creds(&creds)
    })
    .unwrap();
    let mut c = Case::new();
    let e = c.tls_failure(&auto_cfg(&creds, server.port()));
    assert_eq!(e.path, Path::Host);
    assert_eq!(e.certificate, Some(CertProblem::HostnameMismatch));
    assert!(
        c.cache.entries().is_empty(),
        "a failed fallback is not remembered"
    );
}

// ---- seed 5: mutual TLS on both paths ----

/// A server both paths can reach (TLS 1.2 ECDHE-RSA-AES128-GCM and TLS 1.3)
/// that requires a client certificate from `client_ca`.
fn mtls_server(creds: &ServerCreds, client_ca: &Ca) -> TlsServer {
    http(ServerOpts {
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        verify_client_ca_pem: Some(client_ca.cert().cert_pem.clone()),
        max_connections: 16,
        ..ServerOpts::from_creds(creds)
    })
}

/// The server refused the client: at the handshake, or (TLS 1.3: its
/// verdict can arrive after the client's Finished) at the first read.
fn assert_refused(r: Result<Session<'_, '_, Bg9x<TcpPort>>, Error>, what: &str) -> Option<Error> {
    match r {
        Err(e) => Some(e),
        Ok(mut s) => {
            let _ = s.write_all(b"GET / HTTP/1.1\r\n\r\n");
            let _ = s.flush();
            let mut b = [0u8; 64];
            let r = s.read(&mut b);
            assert!(r.is_err(), "{what}: server must refuse: {r:?}");
            None
        }
    }
}

#[test]
fn seed5_mutual_tls_on_both_paths() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let client_ca = Ca::root("client root", KeyKind::P256);
    let client = client_ca.leaf(&LeafSpec::client("device-7"));
    let server = mtls_server(&creds, &client_ca);
    let id = ClientIdentity {
        cert: Credential::Pem(&client.cert_pem),
        key: Credential::Pem(&client.key_pem),
    };
    let mut c = Case::new();
    for mode in [Mode::Offload, Mode::Host, Mode::Auto] {
        let cfg = auto_cfg(&creds, server.port()).client(id).mode(mode);
        let mut s = c.connect(&cfg).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        let want = if mode == Mode::Host {
            Path::Host
        } else {
            Path::Offload
        };
        assert_eq!(s.info().path, want, "{mode:?}");
        assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"), "{mode:?}");
        s.close().unwrap();
    }
    let conns = server.wait_connections(3, Duration::from_secs(5));
    let with_cert = conns
        .iter()
        .filter(|c| {
            c.client_cert_subject
                .as_deref()
                .is_some_and(|s| s.contains("device-7"))
        })
        .count();
    assert_eq!(with_cert, 3, "{conns:?}");
    assert!(conns
        .iter()
        .any(|c| c.version.as_deref() == Some("TLSv1.3")));
    // DER client credentials work on the host path too.
    let cert_der = pem_to_der(&client.cert_pem);
    let key_der = pem_to_der(&client.key_pem);
    let cfg = auto_cfg(&creds, server.port())
        .client(ClientIdentity {
            cert: Credential::Der(&cert_der),
            key: Credential::Der(&key_der),
        })
        .mode(Mode::Host);
    let mut s = c.connect(&cfg).expect("DER identity");
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
}

#[test]
fn host_without_client_certificate_is_refused_by_the_server() {
    let creds = server_creds(HOST, KeyKind::P256);
    let client_ca = Ca::root("client root", KeyKind::P256);
    let server = http(ServerOpts {
        verify_client_ca_pem: Some(client_ca.cert().cert_pem.clone()),
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let r = c.connect(&auto_cfg(&creds, server.port()).mode(Mode::Host));
    match assert_refused(r, "no client certificate") {
        None
        | Some(Error::Tls(TlsError {
            failure: TlsFailure::ClientCertRejected,
            ..
        })) => {}
        Some(e) => panic!("want ClientCertRejected, got {e}"),
    }
}

fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    openssl::base64::decode_block(&b64).unwrap()
}

// ---- never switch: DNS, PDP, timeouts, configuration ----

#[test]
fn dns_failure_does_not_switch_paths() {
    let mut c = Case::new();
    let cfg = SessionConfig::new("nowhere.invalid", 443).trust(Credential::Pem(
        b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
    ));
    let e = c.connect(&cfg).err().unwrap();
    assert!(matches!(e, Error::Modem(ModemError::Dns)), "{e:?}");
    assert!(!c.tried_host());
}

#[test]
fn fallback_policy_table() {
    use modemtls::auto::fallback_reason;
    use modemtls::error::{ConfigError, TlsError};
    let tls = |f| Error::Tls(TlsError::new(f, Path::Offload));
    let yes = [
        (
            tls(TlsFailure::NoCommonCipher),
            PathReason::Fallback(TlsFailure::NoCommonCipher),
        ),
        (
            tls(TlsFailure::ProtocolVersion),
            PathReason::Fallback(TlsFailure::ProtocolVersion),
        ),
        (
            tls(TlsFailure::SniRequired),
            PathReason::Fallback(TlsFailure::SniRequired),
        ),
        (
            tls(TlsFailure::HandshakeFailed),
            PathReason::Fallback(TlsFailure::HandshakeFailed),
        ),
        (
            Error::Config(ConfigError::CredentialFormat),
            PathReason::FallbackCredential,
        ),
        (
            Error::Modem(ModemError::FileTooLarge),
            PathReason::FallbackCredential,
        ),
    ];
    for (e, want) in yes {
        assert_eq!(fallback_reason(&e), Some(want), "{e:?}");
    }
    let no = [
        tls(TlsFailure::CertificateRejected),
        tls(TlsFailure::ClientCertRejected),
        Error::Modem(ModemError::Dns),
        Error::Modem(ModemError::PdpDown),
        Error::Modem(ModemError::Timeout),
        Error::Modem(ModemError::OpenTimeout),
        Error::Modem(ModemError::ConnectFailed),
        Error::Modem(ModemError::ClockNotSet),
        Error::Modem(ModemError::NotResponding),
        Error::Config(ConfigError::NoTrustAnchors),
        Error::Closed,
    ];
    for e in no {
        assert_eq!(fallback_reason(&e), None, "{e:?}");
    }
}

#[test]
fn connection_refused_does_not_switch_paths() {
    // A port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let creds = server_creds(HOST, KeyKind::P256);
    let mut c = Case::new();
    let e = c.connect(&auto_cfg(&creds, port)).err().unwrap();
    assert!(matches!(e, Error::Modem(_)), "{e:?}");
    assert!(!c.tried_host());
}

#[test]
fn host_buffers_too_small_are_refused_before_traffic() {
    let mut r = rig();
    let creds = server_creds(HOST, KeyKind::P256);
    let mut read = vec![0u8; 4096];
    let mut write = vec![0u8; 4096];
    let mut scratch = vec![0u8; 4096];
    let mut state = modemtls::tls::ClientState::new();
    let cfg = auto_cfg(&creds, 443).mode(Mode::Host);
    let before = r.sim.commands().len();
    let e = modemtls::host::connect(
        &mut r.modem,
        &cfg,
        &mut rand_core::OsRng,
        HostBuffers {
            read: &mut read,
            write: &mut write,
            scratch: &mut scratch,
            state: &mut state,
            ticket: None,
        },
    )
    .err()
    .unwrap();
    assert_eq!(
        e,
        Error::Config(modemtls::error::ConfigError::BufferTooSmall)
    );
    assert_eq!(r.sim.commands().len(), before);
}

#[test]
fn silent_server_is_a_timeout_and_auto_does_not_switch() {
    // Accepts TCP connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(4).flatten() {
            held.push(s);
        }
        std::thread::sleep(std::time::Duration::from_secs(60));
    });
    let mut c = Case::new();
    c.r.modem.set_timeouts(modemtls::modem::quectel::Timeouts {
        data_ms: 3_000,
        ..common::test_timeouts()
    });
    let creds = server_creds(HOST, KeyKind::P256);
    let mut cfg = auto_cfg(&creds, port);
    cfg.handshake_timeout_s = 10;
    let t0 = std::time::Instant::now();
    let e = c
        .connect(&cfg)
        .err()
        .expect("a silent server cannot be reached");
    assert_eq!(e, Error::Modem(ModemError::Timeout), "{e}");
    assert!(!c.tried_host(), "{:?}", c.steps);
    assert!(t0.elapsed() < Duration::from_secs(40));
}

#[test]
fn mutual_tls_with_the_wrong_key_fails_on_both_paths() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let client_ca = Ca::root("client root", KeyKind::P256);
    let client = client_ca.leaf(&LeafSpec::client("device-7"));
    let other = client_ca.leaf(&LeafSpec::client("device-8"));
    let server = mtls_server(&creds, &client_ca);
    // device-7's certificate with device-8's key.
    let id = ClientIdentity {
        cert: Credential::Pem(&client.cert_pem),
        key: Credential::Pem(&other.key_pem),
    };
    let mut c = Case::new();
    for mode in [Mode::Offload, Mode::Host] {
        let cfg = auto_cfg(&creds, server.port()).client(id).mode(mode);
        match assert_refused(c.connect(&cfg), &format!("{mode:?}")) {
            None | Some(Error::Tls(_)) | Some(Error::Config(_)) => {}
            Some(e) => panic!("{mode:?}: want a TLS or credential error, got {e}"),
        }
    }
    let conns = server.connections();
    assert!(
        conns
            .iter()
            .all(|c| c.handshake_error.is_some() || c.version.is_none()),
        "no connection may succeed: {conns:?}"
    );
}

#[test]
fn insecure_no_verify_is_explicit_and_reported() {
    // A certificate for another name: refused unless verification is
    // switched off explicitly, and then reported as unverified.
    let creds = server_creds("other.test", KeyKind::P256);
    let server = http(ServerOpts {
        max_connections: 8,
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let cfg = auto_cfg(&creds, server.port()).mode(Mode::Host);
    assert_eq!(
        c.tls_failure(&cfg).certificate,
        Some(CertProblem::HostnameMismatch)
    );
    let mut insecure = SessionConfig::new(HOST, server.port()).mode(Mode::Host);
    insecure.insecure_no_verify = true;
    let mut s = c.connect(&insecure).expect("explicitly unverified session");
    assert!(!s.info().verified);
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
}

#[test]
fn ca_bundle_larger_than_the_firmware_takes_goes_to_host() {
    // A CA bundle of 8 roots (7 unrelated RSA-3072 ones first): more than
    // the BG96's 10 KB file limit, so Auto plans the host path, which
    // takes it (with room for it in scratch).
    let creds = server_creds(HOST, KeyKind::P256);
    let server = http(ServerOpts::from_creds(&creds));
    let mut bundle = Vec::new();
    for i in 0..7 {
        let other = Ca::root(&format!("Unrelated Root {i}"), KeyKind::Rsa3072);
        bundle.extend_from_slice(&other.cert().cert_pem);
    }
    bundle.extend_from_slice(&creds.ca_pem);
    assert!(bundle.len() > 10 * 1024, "{}", bundle.len());
    let mut c = Case::new();
    c.mem.scratch = vec![0; 16 * 1024];
    let cfg = SessionConfig::new(HOST, server.port()).trust(Credential::Pem(&bundle));
    let mut s = c.connect(&cfg).expect("host path with the large bundle");
    assert_eq!(s.info().path, Path::Host);
    assert_eq!(s.info().reason, PathReason::CredentialTooLarge);
    assert!(get(&mut s).starts_with("HTTP/1.1 200 OK"));
    s.close().unwrap();
    assert_eq!(c.r.sim.command_count("AT+QFUPL"), 0, "nothing uploaded");
    // Too little scratch for it: a configuration error.
    c.mem.scratch = vec![0; 4096];
    let e = c.connect(&cfg).err().expect("scratch too small");
    assert_eq!(
        e,
        Error::Config(modemtls::error::ConfigError::CredentialTooLarge)
    );
}

/// `auto::connect_observed_in` on a fresh [`Case`], the steps recorded in
/// it.
fn connect_in<'s, 'c>(
    slot: &'s mut core::mem::MaybeUninit<Session<'c, 'c, Bg9x<TcpPort>>>,
    c: &'c mut Case,
    cfg: &SessionConfig<'_>,
) -> Result<&'s mut Session<'c, 'c, Bg9x<TcpPort>>, Error> {
    let Case {
        r,
        mem,
        cache,
        steps,
    } = c;
    auto::connect_observed_in(
        slot,
        &mut r.modem,
        cfg,
        &mut rand_core::OsRng,
        mem.bufs(),
        Some(cache),
        &mut |s| steps.push(s),
    )
}

#[test]
fn connect_observed_in_builds_the_session_in_place_on_both_paths() {
    use core::mem::MaybeUninit;
    // Nothing here takes the session back out of its slot (that needs
    // `unsafe`), so the sessions are left open when the slots go away.

    // Offloaded: seed 3's server.
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = bg96_reachable_server(&creds);
    let mut c = Case::new();
    let mut slot = MaybeUninit::uninit();
    let s =
        connect_in(&mut slot, &mut c, &auto_cfg(&creds, server.port())).expect("offloaded session");
    assert_eq!(s.info().path, Path::Offload);
    assert_eq!(s.info().reason, PathReason::CapabilitiesCover);
    assert!(get(s).starts_with("HTTP/1.1 200 OK"));
    assert!(!c.steps.contains(&Step::HostStarting), "{:?}", c.steps);

    // Fallback to the host path: seed 1's ChaCha20-only server.
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = chacha_only_server(&creds);
    let mut c = Case::new();
    let mut slot = MaybeUninit::uninit();
    let s = connect_in(&mut slot, &mut c, &auto_cfg(&creds, server.port()))
        .expect("host session after the fallback");
    assert_eq!(s.info().path, Path::Host);
    assert_eq!(
        s.info().reason,
        PathReason::Fallback(TlsFailure::NoCommonCipher)
    );
    assert!(s.info().fallback_from.is_some());
    assert!(get(s).starts_with("HTTP/1.1 200 OK"));
    assert_eq!(c.cache.entries().len(), 1, "fallback remembered");

    // A refused certificate: an error, no session.
    let creds = server_creds("other.test", KeyKind::P256);
    let server = http(ServerOpts::from_creds(&creds));
    let mut c = Case::new();
    let mut slot = MaybeUninit::uninit();
    let cfg = auto_cfg(&creds, server.port()).mode(Mode::Host);
    let e = connect_in(&mut slot, &mut c, &cfg)
        .err()
        .expect("wrong host name refused");
    assert!(
        matches!(e, Error::Tls(t) if t.certificate == Some(CertProblem::HostnameMismatch)),
        "{e:?}"
    );
}

/// The offloaded path leaves the UART outside TLS: a configuration that
/// needs the data protected up to the MCU gets the host path directly,
/// and `SessionInfo` says which sessions are protected there.
#[test]
fn end_to_end_hint_takes_the_host_path_and_info_says_what_is_protected() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = http(ServerOpts {
        tls: TlsVersions::Both,
        ..ServerOpts::from_creds(&creds)
    });
    let mut c = Case::new();
    let mut cfg = auto_cfg(&creds, server.port());
    {
        let s = c.open(&cfg, false).expect("offloaded");
        assert_eq!(s.info().path, Path::Offload);
        assert!(!s.info().uart_protected());
        s.close().unwrap();
    }
    cfg.hints.end_to_end = true;
    let s = c.open(&cfg, false).expect("host");
    assert_eq!(s.info().path, Path::Host);
    assert_eq!(s.info().reason, PathReason::NeedsEndToEnd);
    assert_eq!(s.info().reason.code(), "needs-end-to-end");
    assert!(s.info().uart_protected());
    s.close().unwrap();
    assert_eq!(
        c.r.sim.command_count("AT+QSSLOPEN"),
        1,
        "no offloaded attempt with the hint"
    );
}
