//! The main job without hardware: a simulated Quectel BG96 on a loopback
//! "UART", real TLS servers on loopback, and modemtls sessions through the
//! modem, printed step by step with the time each step took.
//!
//! Scene 1: an HTTPS GET to a server the BG96 firmware can reach (TLS 1.2,
//! ECDHE-RSA-AES128-GCM-SHA256), TLS offloaded to the modem, certificate
//! verified by the firmware against the uploaded CA.
//! Scene 2: the field failure of seeds 000/004: a TLS 1.3-only server. The
//! firmware reports only "handshake failed"; modemtls names the cause.

use embedded_io::{Read, Write};
use modemtls::error::Error;
use modemtls::modem::quectel::Bg9x;
use modemtls::modem::Apn;
use modemtls::offload;
use modemtls::port::TcpPort;
use modemtls::session::{Credential, Mode, SessionConfig};
use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use modemtls_testkit::{server_creds, KeyKind, SServer, SServerOpts, TlsVersions};
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::Instant;

const HOST: &str = "api.example.test";

struct Steps {
    start: Instant,
    last: Instant,
}

impl Steps {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            start: now,
            last: now,
        }
    }
    fn step(&mut self, what: &str) {
        let now = Instant::now();
        println!(
            "  [{:>7.1} ms | +{:>7.1} ms] {what}",
            (now - self.start).as_secs_f64() * 1e3,
            (now - self.last).as_secs_f64() * 1e3
        );
        self.last = now;
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let baud = std::env::args()
        .skip_while(|a| a != "--baud")
        .nth(1)
        .and_then(|b| b.parse().ok());
    let mut t = Steps::new();
    println!("modemtls demo: simulated Quectel BG96, real TLS servers on 127.0.0.1, no hardware");
    let mut cfg =
        SimConfig::new(FirmwareProfile::bg96()).host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST));
    cfg.baud = baud;
    let sim = Simulator::spawn(cfg)?;
    t.step(&format!(
        "simulated BG96 listening on {} (UART {})",
        sim.addr(),
        baud.map_or("unthrottled".to_string(), |b| format!("{b} baud"))
    ));

    let good_creds = server_creds(HOST, KeyKind::Rsa2048);
    let good = SServer::spawn(SServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        ..SServerOpts::from_creds(&good_creds)
    })?;
    t.step(&format!(
        "openssl s_server on 127.0.0.1:{} (TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256, RSA-2048 chain for {HOST})",
        good.port()
    ));
    let modern_creds = server_creds(HOST, KeyKind::P256);
    let modern = SServer::spawn(SServerOpts {
        tls: TlsVersions::Tls13Only,
        ciphersuites: Some("TLS_CHACHA20_POLY1305_SHA256".into()),
        ..SServerOpts::from_creds(&modern_creds)
    })?;
    t.step(&format!(
        "openssl s_server on 127.0.0.1:{} (TLS 1.3 only, ChaCha20: the seed 000/004 kind of server)",
        modern.port()
    ));

    let port = TcpPort::connect(sim.addr())?;
    let mut modem = Bg9x::new(port);
    let id = modem.init().map_err(Error::from)?.clone();
    t.step(&format!(
        "modem init: {} {} (firmware {})",
        id.manufacturer, id.model, id.firmware
    ));
    let caps = *modem.capabilities();
    println!(
        "      capability table: TLS {:?}..{:?}, {} cipher suites (AEAD: {}), SNI {}, host check {}, CA PEM {} / DER {}",
        caps.min_tls,
        caps.max_tls,
        caps.cipher_suites.len(),
        if caps.has_cipher(0xC02F) { "ECDHE-RSA-AES128-GCM only" } else { "none" },
        yes(caps.sni),
        yes(caps.hostname_check),
        yes(caps.ca_formats.pem),
        yes(caps.ca_formats.der)
    );
    let ip = modem.attach(&Apn::new("internet")).map_err(Error::from)?;
    t.step(&format!("PDP context active, local address {ip}"));

    println!("\nScene 1: HTTPS GET, TLS offloaded to the modem");
    let cfg = SessionConfig::new(HOST, good.port())
        .trust(Credential::Pem(&good_creds.ca_pem))
        .mode(Mode::Offload);
    let mut s = offload::connect(&mut modem, &cfg)?;
    let info = s.info();
    t.step(&format!(
        "handshake done on path {:?} (reason: {}), certificate verified by the firmware: {}, TLS {:?}",
        info.path,
        info.reason.code(),
        info.verified,
        info.tls_version.map_or("?".into(), |v| format!("{v:?}"))
    ));
    let req = format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n");
    let mut rest = req.as_bytes();
    while !rest.is_empty() {
        let n = s.write(rest)?;
        rest = &rest[n..];
    }
    let mut body = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&body);
    t.step(&format!(
        "response: {} bytes, status line {:?}",
        body.len(),
        text.lines().next().unwrap_or("")
    ));
    if let Some(c) = text.lines().find(|l| l.contains("Cipher is")) {
        println!("      server says: {}", c.trim());
    }
    s.close()?;
    t.step("session closed");

    println!("\nScene 2: the same modem against a TLS 1.3-only server");
    let cfg = SessionConfig::new(HOST, modern.port())
        .trust(Credential::Pem(&modern_creds.ca_pem))
        .mode(Mode::Offload);
    match offload::connect(&mut modem, &cfg) {
        Ok(_) => return Err("the BG96 firmware should not reach a TLS 1.3-only server".into()),
        Err(Error::Tls(e)) => {
            t.step(&format!(
                "offload failed: modem said +QSSLOPEN result {}",
                e.modem_code.map_or("?".into(), |c| c.to_string())
            ));
            if let Some(d) = e.diagnosis {
                println!(
                    "      capability probe over a raw socket: {}",
                    offload::describe(&d)
                );
            }
            println!("      cause: {}", e.failure.cause());
            println!(
                "      capability failure (the host TLS path can help): {}",
                yes(e.failure.is_capability())
            );
        }
        Err(e) => return Err(e.into()),
    }
    println!(
        "\ndemo finished in {:.1} ms",
        t.start.elapsed().as_secs_f64() * 1e3
    );
    sim.shutdown();
    Ok(())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
