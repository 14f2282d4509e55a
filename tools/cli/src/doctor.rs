//! `modemtls doctor HOST[:PORT]`: why the modem fails a server and which
//! path works.
//!
//! 1. Probe: over a raw TCP socket of the modem, a ClientHello with exactly
//!    the firmware's offer (its cipher suites, TLS versions and SNI
//!    behaviour; once more with SNI when refused without), the server's
//!    answer read and diagnosed by the library (`modemtls::probe`).
//! 2. Offload: the firmware's own handshake (`modemtls::offload::connect`,
//!    which also classifies a failure).
//! 3. Host: the library's TLS 1.3 on this machine over the modem's raw
//!    socket (`modemtls::host::connect`).
//!
//! Then a verdict per path, and the configuration to use, as Rust and C.

use crate::{family_code, host_port, read_ca, suites, Fail, Global};
use modemtls::error::Error;
use modemtls::host::{self, HostBuffers, MIN_READ_BUF};
use modemtls::modem::{AnyModem, Capabilities, Modem, ModemError, Sockets};
use modemtls::offload;
use modemtls::probe::{
    diagnose_for, write_client_hello, Diagnosis, ProbeHello, ResponseParser, TlsVersion, Verdict,
};
use modemtls::session::{Credential, Mode, Path, SessionConfig, SessionInfo};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

/// `doctor` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The server, `HOST[:PORT]` (port 443 by default).
    target: String,
    /// The CA that signs the server's chain (PEM or DER).
    #[arg(long)]
    ca: Option<PathBuf>,
}

/// The raw-socket probe's outcome.
struct Probe {
    first: Verdict,
    first_sni: bool,
    retry: Option<Verdict>,
    diagnosis: Diagnosis,
}

/// How long the server may take to answer the probe.
const PROBE_WAIT_MS: u32 = 15_000;

/// One ClientHello with the firmware's offer, the answer's verdict.
fn probe_once(
    modem: &mut AnyModem<crate::port::CliPort>,
    hello: &ProbeHello<'_>,
    host: &str,
    port: u16,
) -> Result<Verdict, Error> {
    let mut random = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut random);
    let mut buf = [0u8; 1024];
    let n = write_client_hello(hello, &random, &mut buf)
        .map_err(|_| Error::Modem(ModemError::Socket(-1)))?;
    let id = modem.tcp_open(host, port)?;
    let r = (|| {
        let mut sent = 0;
        while sent < n {
            sent += modem.send(id, &buf[sent..n])?;
        }
        let mut parser = ResponseParser::new();
        let mut got = 0usize;
        let wait = PROBE_WAIT_MS.min(modem.timeouts().data_ms);
        loop {
            match modem.recv_wait(id, &mut buf, wait) {
                Ok(0) => break,
                Ok(k) => {
                    got += k;
                    if parser.feed(&buf[..k]).is_some() {
                        break;
                    }
                }
                Err(ModemError::Timeout) if got > 0 => break,
                Err(e) => return Err(Error::Modem(e)),
            }
        }
        Ok(parser.finish_eof())
    })();
    let _ = modem.close(id);
    r
}

/// The firmware's offer, with its SNI behaviour; retried with SNI when the
/// firmware sends none and the server refused.
fn probe(
    modem: &mut AnyModem<crate::port::CliPort>,
    caps: &Capabilities,
    host: &str,
    port: u16,
) -> Result<Probe, Error> {
    let hello = ProbeHello {
        server_name: caps.sni.then_some(host),
        cipher_suites: caps.cipher_suites,
        // What the offloaded path configures: TLS 1.2 as the minimum.
        min_version: TlsVersion::Tls12.max(caps.min_tls),
        max_version: caps.max_tls,
    };
    let first = probe_once(modem, &hello, host, port)?;
    let retry = if hello.server_name.is_none() && !matches!(first, Verdict::ServerHello { .. }) {
        let with_sni = ProbeHello {
            server_name: Some(host),
            ..hello
        };
        Some(probe_once(modem, &with_sni, host, port)?)
    } else {
        None
    };
    Ok(Probe {
        first,
        first_sni: caps.sni,
        retry,
        diagnosis: diagnose_for(&hello, first, retry),
    })
}

/// A verdict as evidence text.
fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::ServerHello {
            version,
            cipher_suite,
        } => format!("ServerHello {version} {}", suites::label(*cipher_suite)),
        Verdict::Alert { level, description } => format!(
            "{} alert {}: {}",
            if *level == 2 { "fatal" } else { "warning" },
            description.to_u8(),
            description.text()
        ),
        Verdict::HelloRetryRequest => "HelloRetryRequest (the server wants TLS 1.3)".into(),
        Verdict::Closed => "the server closed without an answer".into(),
        Verdict::NotTls => "an answer that is not TLS".into(),
    }
}

/// A stable code of a diagnosis.
fn diagnosis_code(d: &Diagnosis) -> &'static str {
    match d {
        Diagnosis::NoCommonCipher => "no-common-cipher",
        Diagnosis::ProtocolVersion => "protocol-version",
        Diagnosis::SniRequired => "sni-required",
        Diagnosis::ServerAccepts { .. } => "server-accepts",
        Diagnosis::Inconclusive => "inconclusive",
    }
}

/// An error as JSON: kind, the library's variant, its cause sentence and
/// its evidence.
fn error_json(e: &Error) -> Value {
    match e {
        Error::Tls(t) => json!({
            "kind": "tls",
            "failure": format!("{:?}", t.failure),
            "cause": t.failure.cause_on(t.path),
            "modem_code": t.modem_code,
            "diagnosis": t.diagnosis.as_ref().map(diagnosis_code),
            "alert": t.alert,
            "certificate": t.certificate.map(|c| c.cause()),
            "message": e.to_string(),
        }),
        Error::Config(c) => json!({
            "kind": "config", "failure": format!("{c:?}"), "cause": c.cause(), "message": e.to_string(),
        }),
        Error::Modem(m) => json!({
            "kind": "modem", "failure": format!("{m:?}"), "cause": m.cause(), "message": e.to_string(),
        }),
        other => {
            json!({"kind": "other", "failure": format!("{other:?}"), "cause": other.cause(), "message": other.to_string()})
        }
    }
}

/// What a successful host session shows.
fn host_text(info: &SessionInfo) -> String {
    format!(
        "{} {}{} CN={}",
        info.tls_version
            .map_or("TLS ?".into(), |v| v.text().to_string()),
        info.cipher_suite.map_or("?".into(), suites::label),
        if info.verified {
            " verified (chain, host name, dates at modem time)"
        } else {
            " NOT verified"
        },
        info.peer.as_str()
    )
}

/// The advice: mode, hints, chain-only, and why.
struct Advice {
    mode: Mode,
    tls13_only: bool,
    requires_sni: bool,
    chain_only: bool,
    why: String,
}

fn snippets(host: &str, port: u16, ca: Option<&[u8]>, a: &Advice) -> (String, String) {
    let der = ca.is_some_and(|c| matches!(Credential::detect(c), Credential::Der(_)));
    let mode = match a.mode {
        Mode::Auto => "Auto",
        Mode::Offload => "Offload",
        Mode::Host => "Host",
    };
    let mut rust = String::from("use modemtls::session::{Credential, Mode, SessionConfig};\n\n");
    rust += &format!(
        "const CA: &[u8] = include_bytes!(\"{}\");\n",
        if der { "ca.der" } else { "ca.pem" }
    );
    let needs_mut = a.tls13_only || a.requires_sni || a.chain_only;
    rust += &format!(
        "let {}cfg = SessionConfig::new({host:?}, {port})\n    .trust(Credential::{}(CA))\n    .mode(Mode::{mode});\n",
        if needs_mut { "mut " } else { "" },
        if der { "Der" } else { "Pem" }
    );
    let mut c = format!(
        "static const uint8_t ca[] = {{ /* the bytes of {} */ }};\nmtls_config cfg = {{0}};\ncfg.host = {host:?};\ncfg.host_len = strlen(cfg.host);\ncfg.port = {port};\ncfg.mode = MTLS_MODE_{};\ncfg.ca = ca;\ncfg.ca_len = sizeof ca;\n",
        if der { "ca.der" } else { "ca.pem" },
        mode.to_uppercase()
    );
    if a.tls13_only {
        rust +=
            "cfg.hints.tls13_only = true; // the server speaks TLS 1.3 only: no offload attempt\n";
        c += "cfg.hint_tls13_only = 1; /* the server speaks TLS 1.3 only */\n";
    }
    if a.requires_sni {
        rust += "cfg.hints.requires_sni = true; // the server needs SNI, the firmware sends none\n";
        c += "cfg.hint_requires_sni = 1; /* the server needs SNI */\n";
    }
    if a.chain_only {
        rust += "cfg.accept_chain_only = true; // firmware checks the chain only: a private CA that signs only your servers\n";
        c += "cfg.accept_chain_only = 1; /* firmware checks the chain only */\n";
    }
    (rust, c)
}

pub fn run(g: &Global, args: &Args) -> Result<(), Fail> {
    let (host, port) = host_port(&args.target)?;
    let ca = read_ca(args.ca.as_deref())?;
    let (mut modem, _) = g.modem()?;
    let id = modem.identity().clone();
    let caps = *modem.capabilities();
    let text = !g.json;
    let say = |s: String| {
        if text {
            println!("{s}");
            let _ = std::io::stdout().flush();
        }
    };
    say(format!(
        "modem     {} {} firmware {} ({}): {}, {} cipher suites, SNI {}, host name check {}",
        id.manufacturer,
        id.model,
        id.firmware,
        family_code(modem.family()),
        range(caps.min_tls, caps.max_tls),
        caps.cipher_suites.len(),
        if caps.sni { "yes" } else { "no" },
        if caps.hostname_check { "yes" } else { "no" },
    ));
    let local = g.attach(&mut modem)?;
    say(format!(
        "network   packet data active, local address {local}"
    ));
    say(format!("server    {host}:{port}"));

    // 1. The probe.
    let probe = probe(&mut modem, &caps, &host, port);
    match &probe {
        Ok(p) => {
            say(format!(
                "probe     the firmware's ClientHello ({} suites, {}, {}) over a raw socket: {}",
                caps.cipher_suites.len(),
                range(TlsVersion::Tls12.max(caps.min_tls), caps.max_tls),
                if p.first_sni { "SNI" } else { "no SNI" },
                verdict_text(&p.first)
            ));
            if let Some(r) = &p.retry {
                say(format!("          the same with SNI: {}", verdict_text(r)));
            }
            say(format!(
                "          diagnosis: {} ({})",
                p.diagnosis,
                offload::describe(&p.diagnosis)
            ));
        }
        Err(e) => say(format!("probe     FAILED: {e}")),
    }

    // 2. Offload.
    let trust = ca.as_deref().map(Credential::detect);
    let mut cfg = SessionConfig::new(&host, port).mode(Mode::Offload);
    if let Some(t) = trust {
        cfg = cfg.trust(t);
    }
    // A firmware that checks the chain only is tried with that check (to
    // see whether its handshake works at all); the verdict says so.
    let chain_only = !caps.verifies_fully();
    cfg.accept_chain_only = chain_only;
    let offload_result = offload::connect(&mut modem, &cfg).and_then(|s| s.close());
    let firmware_line = format!(
        "firmware {} has {}{}",
        id.firmware,
        range(caps.min_tls, caps.max_tls),
        if caps.sni { "" } else { " and no SNI" }
    );
    match &offload_result {
        Ok(()) => say(format!(
            "offload   WORKS: the firmware's handshake completed{}",
            if chain_only {
                " (the firmware checked the chain only: no host name or dates)"
            } else {
                " (chain and host name verified by the firmware)"
            }
        )),
        Err(e @ Error::Tls(t)) => {
            say(format!(
                "offload   FAILS: {}; {firmware_line}",
                t.failure.cause_on(Path::Offload)
            ));
            say(format!("          evidence: {e}"));
        }
        Err(e) => say(format!("offload   FAILS: {e}")),
    }

    // 3. Host.
    let mut hcfg = SessionConfig::new(&host, port).mode(Mode::Host);
    if let Some(t) = trust {
        hcfg = hcfg.trust(t);
    }
    let (mut read, mut write, mut scratch) =
        (vec![0u8; MIN_READ_BUF], vec![0u8; 4096], vec![0u8; 8192]);
    let mut state = modemtls::tls::ClientState::new();
    let host_result = host::connect(
        &mut modem,
        &hcfg,
        &mut rand_core::OsRng,
        HostBuffers {
            read: &mut read,
            write: &mut write,
            scratch: &mut scratch,
            state: &mut state,
            ticket: None,
        },
    )
    .and_then(|s| {
        let info = s.info();
        s.close().map(|()| info)
    });
    match &host_result {
        Ok(info) => say(format!("host      WORKS: {}", host_text(info))),
        Err(e) => say(format!("host      FAILS: {e}")),
    }

    // Advice.
    let diag = probe.as_ref().ok().map(|p| p.diagnosis);
    let advice = match (&offload_result, &host_result) {
        (Ok(()), _) if !chain_only => Some(Advice {
            mode: Mode::Auto,
            tls13_only: false,
            requires_sni: false,
            chain_only: false,
            why: "the firmware's TLS works and verifies fully: Mode::Auto keeps it offloaded (no TLS on the MCU)".into(),
        }),
        (Ok(()), Ok(_)) => Some(Advice {
            mode: Mode::Auto,
            tls13_only: false,
            requires_sni: false,
            chain_only: false,
            why: "both paths work, but the firmware checks the chain only: Mode::Auto takes host TLS (needs-hostname-check); set accept_chain_only to stay offloaded when a private CA signs only your servers".into(),
        }),
        (Ok(()), Err(_)) => Some(Advice {
            mode: Mode::Offload,
            tls13_only: false,
            requires_sni: false,
            chain_only: true,
            why: "only the firmware's TLS works, and it checks the chain only: accept_chain_only is needed (a private CA that signs only your servers)".into(),
        }),
        (Err(_), Ok(_)) => Some(match diag {
            Some(Diagnosis::ProtocolVersion) => Advice {
                mode: Mode::Auto,
                tls13_only: true,
                requires_sni: false,
                chain_only: false,
                why: "the server requires a TLS version the firmware lacks: use Mode::Auto with the TLS 1.3 hint (or Mode::Host)".into(),
            },
            Some(Diagnosis::SniRequired) => Advice {
                mode: Mode::Auto,
                tls13_only: false,
                requires_sni: true,
                chain_only: false,
                why: "the server requires SNI and the firmware sends none: use Mode::Auto with the SNI hint (or Mode::Host)".into(),
            },
            _ => Advice {
                mode: Mode::Host,
                tls13_only: false,
                requires_sni: false,
                chain_only: false,
                why: "only host TLS works: use Mode::Host (Mode::Auto would try the firmware first and fall back)".into(),
            },
        }),
        (Err(_), Err(_)) => None,
    };

    if g.json {
        let path_json = |r: Result<Value, &Error>| match r {
            Ok(v) => v,
            Err(e) => json!({"works": false, "error": error_json(e)}),
        };
        let (rust, c) = advice
            .as_ref()
            .map(|a| snippets(&host, port, ca.as_deref(), a))
            .unzip();
        let doc = json!({
            "schema": "modemtls-cli/doctor/1",
            "server": {"host": host, "port": port},
            "modem": {
                "family": family_code(modem.family()),
                "model": id.model.as_str(),
                "firmware": id.firmware.as_str(),
                "tls_min": caps.min_tls.text(),
                "tls_max": caps.max_tls.text(),
                "sni": caps.sni,
                "verifies_fully": caps.verifies_fully(),
            },
            "probe": match &probe {
                Ok(p) => json!({
                    "ok": true,
                    "sni": p.first_sni,
                    "first": verdict_text(&p.first),
                    "retry_with_sni": p.retry.as_ref().map(verdict_text),
                    "diagnosis": diagnosis_code(&p.diagnosis),
                    "text": p.diagnosis.text(),
                }),
                Err(e) => json!({"ok": false, "error": error_json(e)}),
            },
            "paths": {
                "offload": path_json(offload_result.as_ref().map(|()| json!({"works": true, "chain_only": chain_only}))),
                "host": path_json(host_result.as_ref().map(|i| json!({
                    "works": true,
                    "tls_version": i.tls_version.map(|v| v.text()),
                    "cipher_suite": i.cipher_suite.map(suites::label),
                    "verified": i.verified,
                    "peer": i.peer.as_str(),
                }))),
            },
            "recommendation": advice.as_ref().map(|a| json!({
                "mode": format!("{:?}", a.mode),
                "hints": {"tls13_only": a.tls13_only, "requires_sni": a.requires_sni},
                "accept_chain_only": a.chain_only,
                "why": a.why,
                "rust": rust,
                "c": c,
            })),
        });
        println!("{doc:#}");
    } else if let Some(a) = &advice {
        let (rust, c) = snippets(&host, port, ca.as_deref(), a);
        println!("\nverdict   {}", a.why);
        println!("\nRust:\n{}", indent(&rust));
        println!("C:\n{}", indent(&c));
    } else {
        println!(
            "\nverdict   no path works: see the causes above{}",
            if ca.is_none() {
                " (verification needs the server's CA: --ca FILE)"
            } else {
                ""
            }
        );
    }
    match advice {
        Some(_) => Ok(()),
        None => Err(Fail::quiet(1)),
    }
}

/// `TLS 1.0..1.2`, or `TLS 1.2` alone.
fn range(min: TlsVersion, max: TlsVersion) -> String {
    if min == max {
        max.text().to_string()
    } else {
        format!("{}..{}", min.text(), max.text().trim_start_matches("TLS "))
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("    {l}\n")
            }
        })
        .collect()
}
