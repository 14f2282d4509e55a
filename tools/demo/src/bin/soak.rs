//! Soak: many Auto sessions on one modem object through the simulated
//! BG96, a share of them hit by one random UART or modem fault, against a
//! TLS 1.3-only echo server (the offloaded attempt fails, Auto falls back
//! to the host path and caches it) and a TLS 1.2 echo server (offloaded).
//! Each session sends a random payload and reads its echo.
//!
//! Faults (one per faulted session): a byte of the modem's answer to a
//! send, read, open or clock command dropped, flipped or duplicated; the
//! UART stalling 1-5 s (shorter than the 15 s data timeout); the modem
//! restarting; the network dropping the PDP context; a `closed` URC.
//!
//! Fails (exit status 1) on: a wrong byte delivered as good on the host
//! path; an unfaulted session failing (the library must recover from every
//! fault by itself: no re-init by the application); a session outliving
//! its bound; a socket left open in the modem at the end. A panic aborts the process. Wrong bytes on the offloaded path
//! are counted, not failed: there the UART is outside TLS.
//!
//! `cargo run --release -p modemtls-demo --bin soak [-- --sessions 1000 --fault-pct 10 --seconds 1500 --seed 1]`
//! (`tools/soak.sh` runs it).

use embedded_io::{Read, Write};
use modemtls::auto::{self, PathCache};
use modemtls::error::Error;
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::quectel::{Bg9x, Timeouts};
use modemtls::modem::Apn;
use modemtls::port::TcpPort;
use modemtls::session::{Credential, Path, SessionConfig};
use modemtls_sim::{Fault, FaultKind, FirmwareProfile, SimConfig, SimControl, Simulator};
use modemtls_testkit::{server_creds, Behaviour, KeyKind, Rng, ServerOpts, TlsServer, TlsVersions};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

const HOST: &str = "soak.example.test";
/// No session may take longer than this, faults included.
const SESSION_BOUND: Duration = Duration::from_secs(120);

/// The value after the last `name` on the command line (so a wrapper's
/// defaults can be overridden by later arguments).
fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .rfind(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

/// The fault of one session, armed before it starts.
#[derive(Clone, Debug)]
enum Injected {
    Byte(Fault),
    Restart(Duration),
    PdpDrop(Duration),
    ClosedUrc(Duration),
}

impl Injected {
    fn name(&self) -> String {
        match self {
            Injected::Byte(f) => {
                let kind = match f.kind {
                    FaultKind::Drop => "drop",
                    FaultKind::Flip(_) => "flip",
                    FaultKind::Duplicate => "duplicate",
                    FaultKind::Stall(_) => "stall",
                };
                format!("{kind} after {}", f.after.trim_end_matches('='))
            }
            Injected::Restart(_) => "modem restart".into(),
            Injected::PdpDrop(_) => "PDP drop".into(),
            Injected::ClosedUrc(_) => "closed URC".into(),
        }
    }
}

fn pick_fault(rng: &mut Rng) -> Injected {
    const AFTER: [&str; 8] = [
        "AT+QISEND=",
        "AT+QIRD=",
        "AT+QSSLSEND=",
        "AT+QSSLRECV=",
        "AT+QIOPEN=",
        "AT+QSSLOPEN=",
        "AT+CCLK?",
        "AT+QIACT?",
    ];
    let after = AFTER[rng.below(AFTER.len())].to_string();
    let at = rng.below(40);
    let delay = Duration::from_millis(rng.below(400) as u64);
    match rng.below(10) {
        0..=1 => Injected::Byte(Fault {
            after,
            at,
            kind: FaultKind::Drop,
        }),
        2..=3 => Injected::Byte(Fault {
            after,
            at,
            kind: FaultKind::Flip(1 << rng.below(8)),
        }),
        4..=5 => Injected::Byte(Fault {
            after,
            at,
            kind: FaultKind::Duplicate,
        }),
        6 => Injected::Byte(Fault {
            after,
            at,
            kind: FaultKind::Stall(Duration::from_millis(1_000 + rng.below(4_000) as u64)),
        }),
        7 => Injected::Restart(delay),
        8 => Injected::PdpDrop(delay),
        _ => Injected::ClosedUrc(delay),
    }
}

/// Arm `f`; the timed ones from a thread after their delay.
fn arm(sim: &SimControl, f: &Injected) -> Option<std::thread::JoinHandle<()>> {
    let later = |d: Duration, act: Box<dyn FnOnce() + Send>| {
        Some(std::thread::spawn(move || {
            std::thread::sleep(d);
            act()
        }))
    };
    match f.clone() {
        Injected::Byte(b) => {
            sim.inject_fault(b);
            None
        }
        Injected::Restart(d) => {
            let s = sim.clone();
            later(d, Box::new(move || s.reboot(Duration::from_millis(500))))
        }
        Injected::PdpDrop(d) => {
            let s = sim.clone();
            later(d, Box::new(move || s.drop_pdp(1)))
        }
        Injected::ClosedUrc(d) => {
            let s = sim.clone();
            later(
                d,
                Box::new(move || {
                    s.inject_urc("+QIURC: \"closed\",0");
                    s.inject_urc("+QSSLURC: \"closed\",0");
                }),
            )
        }
    }
}

#[derive(Default)]
struct Tally {
    sessions: usize,
    faulted: usize,
    ok: usize,
    ok_faulted: usize,
    host: usize,
    offload: usize,
    unfaulted_failures: Vec<String>,
    wrong_host_bytes: usize,
    wrong_offload_bytes: usize,
    causes: BTreeMap<String, usize>,
    by_fault: BTreeMap<String, (usize, usize)>,
    slowest: Duration,
    over_bound: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sessions: usize = arg("--sessions", 1000);
    let pct: u64 = arg("--fault-pct", 10);
    let seconds: u64 = arg("--seconds", 1200);
    let mut rng = Rng(arg("--seed", 1u64).max(1));
    let sim = Simulator::spawn(
        SimConfig::new(FirmwareProfile::bg96()).host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST)),
    )?;
    let creds = server_creds(HOST, KeyKind::P256);
    let echo = |tls| {
        TlsServer::spawn(ServerOpts {
            tls,
            behaviour: Behaviour::Echo,
            max_connections: 100_000,
            conn_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(60),
            ..ServerOpts::from_creds(&creds)
        })
    };
    let tls13 = echo(TlsVersions::Tls13Only)?;
    let tls12 = echo(TlsVersions::Tls12Only)?;

    let mut modem = Bg9x::new(TcpPort::connect(sim.addr())?);
    modem.set_timeouts(Timeouts {
        command_ms: 3_000,
        attach_ms: 20_000,
        open_ms: 20_000,
        data_ms: 15_000,
    });
    modem.init()?;
    modem.attach(&Apn::new("internet"))?;
    let (mut rx, mut tx, mut scratch) = (vec![0u8; MIN_READ_BUF], vec![0u8; 4096], vec![0u8; 4096]);
    let mut state = modemtls::tls::ClientState::new();
    let mut cache: PathCache<8> = PathCache::new();
    let mut t = Tally::default();
    let mut previous: Option<String> = None;
    let start = Instant::now();
    println!(
        "soak: up to {sessions} Auto sessions, {pct} % faulted, at most {seconds} s; BG96 simulator, one modem object"
    );
    for i in 0..sessions {
        if start.elapsed() > Duration::from_secs(seconds) {
            println!("time bound reached after {i} sessions");
            break;
        }
        let server = if i % 2 == 0 { &tls13 } else { &tls12 };
        let fault = ((rng.below(100) as u64) < pct).then(|| pick_fault(&mut rng));
        let len = 200 + rng.below(2_800);
        let payload: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let cfg = SessionConfig::new(HOST, server.port()).trust(Credential::Pem(&creds.ca_pem));
        let timer = fault.as_ref().and_then(|f| arm(&sim, f));
        let began = Instant::now();
        let result = (|| -> Result<(Path, Vec<u8>), Error> {
            let bufs = HostBuffers {
                read: &mut rx,
                write: &mut tx,
                scratch: &mut scratch,
                state: &mut state,
                ticket: None,
            };
            let mut rng_tls = rand_core::OsRng;
            let mut s = auto::connect(&mut modem, &cfg, &mut rng_tls, bufs, Some(&mut cache))?;
            let path = s.info().path;
            s.write_all(&payload)?;
            s.flush()?;
            let mut back = vec![0u8; payload.len()];
            let mut n = 0;
            while n < back.len() {
                match s.read(&mut back[n..])? {
                    0 => return Err(Error::Closed),
                    k => n += k,
                }
            }
            let _ = s.close();
            Ok((path, back))
        })();
        let took = began.elapsed();
        if let Some(h) = timer {
            let _ = h.join();
            // A restart, a PDP drop or a URC queued after the session ended
            // lands before the next one starts (a restart is quiet 500 ms),
            // so the next session is not hit by this one's fault.
            std::thread::sleep(Duration::from_millis(800));
        }
        sim.clear_faults();
        t.sessions += 1;
        t.slowest = t.slowest.max(took);
        if took > SESSION_BOUND {
            t.over_bound += 1;
        }
        let label = fault.as_ref().map(Injected::name);
        if fault.is_some() {
            t.faulted += 1;
        }
        match result {
            Ok((path, back)) => {
                match path {
                    Path::Host => t.host += 1,
                    Path::Offload => t.offload += 1,
                }
                if back != payload {
                    match path {
                        Path::Host => t.wrong_host_bytes += 1,
                        Path::Offload => t.wrong_offload_bytes += 1,
                    }
                } else {
                    t.ok += 1;
                    if fault.is_some() {
                        t.ok_faulted += 1;
                    }
                }
                if let Some(l) = &label {
                    t.by_fault.entry(l.clone()).or_default().0 += 1;
                }
            }
            Err(e) => {
                *t.causes.entry(format!("{e}")).or_default() += 1;
                match &label {
                    Some(l) => t.by_fault.entry(l.clone()).or_default().1 += 1,
                    None => t.unfaulted_failures.push(format!(
                        "session {i} (the one before: {}): {e}",
                        previous.as_deref().unwrap_or("no fault")
                    )),
                }
            }
        }
        previous = label;
        if (i + 1) % 100 == 0 {
            println!(
                "  {} sessions, {} faulted, {} ok, {:.0} s",
                i + 1,
                t.faulted,
                t.ok,
                start.elapsed().as_secs_f64()
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(200));
    let leaked = sim.open_sockets();
    println!();
    println!(
        "{} sessions in {secs:.0} s: {} faulted, {} delivered every byte ({} of them faulted); host {} / offload {}",
        t.sessions, t.faulted, t.ok, t.ok_faulted, t.host, t.offload
    );
    println!(
        "slowest session {:.1} s (bound {} s)",
        t.slowest.as_secs_f64(),
        SESSION_BOUND.as_secs()
    );
    println!("faults (session ok / failed with a cause):");
    for (k, (ok, failed)) in &t.by_fault {
        println!("  {k:<28} {ok:>4} / {failed:>4}");
    }
    println!("causes of the failed sessions:");
    for (k, n) in &t.causes {
        println!("  {n:>4}  {k}");
    }
    println!(
        "wrong bytes delivered as good: host path {} (must be 0), offloaded path {} (UART outside TLS)",
        t.wrong_host_bytes, t.wrong_offload_bytes
    );
    println!("sockets left open in the modem at the end: {leaked} (must be 0)");
    println!(
        "unfaulted sessions that failed: {} (must be 0)",
        t.unfaulted_failures.len()
    );
    for f in t.unfaulted_failures.iter().take(10) {
        println!("  {f}");
    }
    let pass = t.wrong_host_bytes == 0
        && t.unfaulted_failures.is_empty()
        && t.over_bound == 0
        && leaked == 0;
    println!("soak: {}", if pass { "PASS" } else { "FAIL" });
    if !pass {
        std::process::exit(1);
    }
    Ok(())
}
