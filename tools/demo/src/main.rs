//! The main job without hardware: a simulated modem (a Quectel BG96 unless
//! `--modem` names another simulator profile) on a loopback "UART"
//! throttled to 115200 baud, real TLS servers on loopback behind a
//! simulated network round trip, and modemtls sessions in Auto mode,
//! printed step by step with the time each step took. The driver is
//! `AnyModem`: the family is found at init, as the C ABI does.
//!
//! Session 1: an HTTPS GET to a TLS 1.3-only server (the seed 000/004 kind
//! of server). Auto checks the capability table, tries the modem's TLS,
//! which fails; the failure is classified; the session falls back to TLS
//! 1.3 on the MCU over the modem's raw TCP socket; the decision is cached.
//! Session 2: the same host again: straight to the host path.
//! Session 3: a TLS 1.2 server whose suites the firmware has: Auto stays
//! offloaded. A firmware that checks the chain but not the host name (all
//! but the BG95/BG96) is used only with `accept_chain_only`, the opt-in for
//! a private CA that issues nothing but this server's certificate; the
//! demo sets it for this session and says so.
//!
//! Options: `--modem PROFILE` (bg96, bg95, bc66, m95, m66, hl8548,
//! hl78xx-4.5, hl78xx-4.6; default bg96), `--baud N` (0 = unthrottled;
//! default 115200, the M66/M95 a GPRS link: 40 kbit/s, 600 ms round trip),
//! `--rtt-ms N` (network round trip; default 100, LTE-M like).

use embedded_io::{Read, Write};
use modemtls::auto::{self, PathCache, Step};
use modemtls::error::Error;
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::{AnyModem, Apn, Family, Modem};
use modemtls::offload;
use modemtls::port::TcpPort;
use modemtls::session::{Credential, Path, SessionConfig, SessionInfo};
use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use modemtls_testkit::{server_creds, Behaviour, KeyKind, ServerOpts, TlsServer, TlsVersions};
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::Instant;

const HOST: &str = "api.example.test";
const LEGACY: &str = "legacy.example.test";

struct Clock {
    start: Instant,
    last: Instant,
}

impl Clock {
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
            "  [{:>8.1} ms | +{:>7.1} ms] {what}",
            (now - self.start).as_secs_f64() * 1e3,
            (now - self.last).as_secs_f64() * 1e3
        );
        self.last = now;
    }
    fn mark(&mut self) {
        self.last = Instant::now();
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

fn arg(name: &str) -> Option<u32> {
    text_arg(name).and_then(|v| v.parse().ok())
}

fn text_arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// What the family's driver sends for an offloaded and a raw connection.
fn commands(family: Family) -> (&'static str, &'static str) {
    match family {
        Family::QuectelBg9x => ("AT+QSSLCFG, AT+QSSLOPEN", "AT+QIOPEN"),
        Family::QuectelBc66 => ("AT+QSSLCFG, AT+QSSLOPEN", "AT+QIOPEN"),
        Family::QuectelM95 => (
            "AT+QSECWRITE (RAM: file, checksum), AT+QSSLCFG, AT+QSSLOPEN",
            "AT+QIOPEN",
        ),
        Family::SierraHl => (
            "AT+KCERTSTORE, AT+KSSLCRYPTO, AT+KTCPCFG (TLS), AT+KTCPCNX",
            "AT+KTCPCFG, AT+KTCPCNX",
        ),
        // `Family` is non-exhaustive: a family added later.
        _ => ("the firmware's SSL commands", "a raw TCP socket"),
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let name = text_arg("--modem").unwrap_or_else(|| "bg96".into());
    let profile = FirmwareProfile::by_name(&name)
        .ok_or_else(|| format!("unknown modem profile {name} (see --modem in the docs)"))?;
    let model = profile.model.clone();
    let gprs = matches!(profile.family, modemtls_sim::Family::QuectelM95);
    let (default_baud, default_rtt) = if gprs {
        (
            modemtls_sim::config::GPRS_BAUD,
            2 * modemtls_sim::config::GPRS_LATENCY_MS,
        )
    } else {
        (115_200, 100)
    };
    let baud = arg("--baud").unwrap_or(default_baud);
    let rtt = arg("--rtt-ms").unwrap_or(default_rtt);
    let mut t = Clock::new();
    println!(
        "modemtls demo: simulated {model} (profile {name}), real TLS servers on 127.0.0.1, no hardware"
    );
    let mut cfg = SimConfig::new(profile)
        .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .host(LEGACY, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .latency_ms(rtt / 2);
    if baud > 0 {
        cfg = cfg.baud(baud);
    }
    let sim = Simulator::spawn(cfg)?;
    t.step(&format!(
        "simulated {model} on {} (UART {}, network round trip {rtt} ms{})",
        sim.addr(),
        if baud > 0 {
            format!("{baud} baud 8N1")
        } else {
            "unthrottled".into()
        },
        if gprs { ", a GPRS-like link" } else { "" }
    ));

    let modern_creds = server_creds(HOST, KeyKind::P256);
    let modern = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls13Only,
        behaviour: Behaviour::Http {
            body: b"{\"temperature\": 21.5}\n".to_vec(),
        },
        ..ServerOpts::from_creds(&modern_creds)
    })?;
    t.step(&format!(
        "TLS server {HOST}:{} - TLS 1.3 only, ECDSA P-256 chain (the seed 000/004 kind of server)",
        modern.port()
    ));
    let legacy_creds = server_creds(LEGACY, KeyKind::Rsa2048);
    // ECDHE for the BG9x and the HL78xx 4.6, RSA key exchange with GCM
    // for the HL8548, with CBC for the BC66 and the M66/M95.
    let legacy = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls12Only,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:AES128-SHA".into()),
        behaviour: Behaviour::Http {
            body: b"{\"legacy\": true}\n".to_vec(),
        },
        ..ServerOpts::from_creds(&legacy_creds)
    })?;
    t.step(&format!(
        "TLS server {LEGACY}:{} - TLS 1.2 ECDHE-RSA/RSA AES128-GCM and AES128-SHA, RSA-2048 chain",
        legacy.port()
    ));

    let port = TcpPort::connect(sim.addr())?;
    let mut modem = AnyModem::new(port);
    let id = modem.init().map_err(Error::from)?.clone();
    let family = modem.family();
    t.step(&format!(
        "modem init: {} {} (firmware {}), driver {family:?}",
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

    // Host TLS memory, as firmware keeps it in statics.
    let mut read = vec![0u8; MIN_READ_BUF];
    let mut write = vec![0u8; 4096];
    let mut scratch = vec![0u8; 4096];
    let mut state = modemtls::tls::ClientState::new();
    let mut cache: PathCache<8> = PathCache::new();
    // Session tickets (resumption on the host path): one slot, kept like
    // the cache (`Ticket::save`/`restore` to flash).
    let mut ticket = modemtls::tls::Ticket::new();
    let mut rng = rand_core::OsRng;

    let chain_only = !caps.hostname_check;
    let sessions = [
        (
            "Session 1: HTTPS GET to the TLS 1.3-only server, Mode::Auto",
            HOST,
            modern.port(),
            &modern_creds.ca_pem,
            false,
        ),
        (
            "Session 2: the same host again (the Auto decision cache)",
            HOST,
            modern.port(),
            &modern_creds.ca_pem,
            false,
        ),
        (
            "Session 3: a TLS 1.2 server with suites the firmware has, Mode::Auto",
            LEGACY,
            legacy.port(),
            &legacy_creds.ca_pem,
            chain_only,
        ),
    ];
    let mut paths = Vec::new();
    for (title, host, port, ca, chain_only) in sessions {
        println!("\n{title}");
        t.mark();
        let mut cfg = SessionConfig::new(host, port).trust(Credential::Pem(ca));
        if chain_only {
            cfg.accept_chain_only = true;
            println!(
                "      accept_chain_only: this firmware checks the chain but not the host name; accepted for a private CA that issues only this server's certificate"
            );
        }
        let mut s = auto::connect_observed(
            &mut modem,
            &cfg,
            &mut rng,
            HostBuffers {
                read: &mut read,
                write: &mut write,
                scratch: &mut scratch,
                state: &mut state,
                ticket: Some(&mut ticket),
            },
            Some(&mut cache),
            &mut |step| report(&mut t, family, step),
        )?;
        let info = s.info();
        t.step(&handshake_line(&info));
        let req = format!("GET /sensor HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes())?;
        s.flush()?;
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
            "response: {} bytes, {:?}, body {:?}",
            body.len(),
            text.lines().next().unwrap_or(""),
            text.split("\r\n\r\n").nth(1).unwrap_or("").trim_end()
        ));
        s.close()?;
        let mut saved = [0u8; PathCache::<8>::SERIALIZED_MAX];
        let n = cache.save(&mut saved)?;
        t.step(&format!(
            "closed; decision cache: {} host(s) on the host path, {n} bytes to keep in flash",
            cache.entries().len()
        ));
        paths.push((info.path, info.reason.code()));
    }
    println!(
        "\npaths: {}",
        paths
            .iter()
            .map(|(p, r)| format!("{p:?} ({r})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "demo finished in {:.1} ms",
        t.start.elapsed().as_secs_f64() * 1e3
    );
    let expected = [Path::Host, Path::Host, Path::Offload];
    if paths.iter().map(|(p, _)| *p).ne(expected) {
        return Err("unexpected paths".into());
    }
    sim.shutdown();
    Ok(())
}

fn report(t: &mut Clock, family: Family, step: Step) {
    let (ssl, raw) = commands(family);
    match step {
        Step::Planned(p) => t.step(&format!(
            "capability check: first path {:?} ({})",
            p.path,
            p.reason.code()
        )),
        Step::OffloadStarting => t.step(&format!("offload: uploading CA if needed, {ssl}")),
        Step::OffloadFailed { error, fallback } => {
            match error {
                Error::Tls(e) => {
                    t.step(&format!(
                        "offload failed: the firmware's result {} -> classified {:?}",
                        e.modem_code.map_or("?".into(), |c| c.to_string()),
                        e.failure
                    ));
                    if let Some(d) = e.diagnosis {
                        println!(
                            "      evidence (probe with the firmware's ClientHello over a raw socket): {}",
                            offload::describe(&d)
                        );
                    }
                    println!("      cause: {}", e.failure.cause());
                }
                other => t.step(&format!("offload failed: {other}")),
            }
            match fallback {
                Some(r) => println!("      capability failure: trying host TLS ({})", r.code()),
                None => println!("      not a capability failure: no other path is tried"),
            }
        }
        Step::HostStarting => t.step(&format!(
            "host TLS: {raw}, the library's TLS 1.3 engine on the MCU"
        )),
        Step::Remembered(r) => println!(
            "      remembered: this host goes to host TLS ({})",
            r.code()
        ),
    }
}

fn handshake_line(info: &SessionInfo) -> String {
    let suite = match info.cipher_suite {
        Some(0x1301) => "TLS_AES_128_GCM_SHA256".to_string(),
        Some(0x1302) => "TLS_AES_256_GCM_SHA384".to_string(),
        Some(0x1303) => "TLS_CHACHA20_POLY1305_SHA256".to_string(),
        Some(c) => format!("0x{c:04X}"),
        None => "firmware-chosen suite".to_string(),
    };
    let cert = if info.resumed {
        "resumed with the session ticket of an earlier session: no certificate over the UART, no signature to verify (the server proved it holds that session's key)".to_string()
    } else if info.path == Path::Host {
        format!(
            "certificate CN={} verified on the MCU (chain to the configured CA, host name, validity at modem network time)",
            info.peer.as_str()
        )
    } else if info.hostname_checked {
        "certificate verified by the firmware against the uploaded CA (host name checked)".into()
    } else {
        "certificate chain verified by the firmware against the uploaded CA (host name NOT checked: accept_chain_only)".into()
    };
    format!(
        "handshake done: path {:?}, reason {}, TLS {}, {suite}, {cert}",
        info.path,
        info.reason.code(),
        info.tls_version.map_or("?".into(), |v| format!("{v:?}")),
    )
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
