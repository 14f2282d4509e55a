//! `modemtls-sim`: a simulated Quectel modem (BG96/BG95 or BC66/BC660K) on a
//! TCP "UART", for QEMU firmware and manual testing.
//!
//! ```text
//! modemtls-sim --listen 127.0.0.1:5555 --profile bg96|bg96-nosni|bg95|bc66|bc660k
//!              (Sierra HL: --profile hl8548|hl78xx-4.5|hl78xx-4.6)
//!              [--attach-ms MS] [--recv-urc-delay-ms MS]
//!              [--host name=127.0.0.1]... [--baud 115200] [--latency-ms 100] [--quiet]
//!              [--keep-power]
//!              [--fault SPEC [--after PREFIX]]... [--reboot-after-commands N]
//!              [--reboot-quiet-ms MS] [--send-fail N] [--peers-stop-reading]
//!              [--recv-buffer BYTES] [--send-buffer BYTES] [--uart-drop-after-bytes N]
//! ```
//!
//! Faults (see the `fault` module of the library):
//!
//! - `--fault out:flip@120:0x20`: byte 120 of the modem's output XORed with
//!   0x20 (mask optional, default 0x01). Kinds: `drop`, `flip[:MASK]`,
//!   `dup`, `stall:DURATION` (`5000ms`, `5s`). `out:` counts the modem's
//!   output from the first command line it receives, or from the command
//!   named by a following `--after PREFIX` (e.g. `--after AT+QSSLRECV`);
//!   `in:` counts its input from start-up (`--after` is not allowed).
//!   Each such fault happens once.
//! - `--fault in:drop@rate=200ppm,seed=7`: random damage, 200 bytes per
//!   million, seeded (default seed 1). Kinds: `drop`, `flip`, `dup`, `any`.
//! - `--reboot-after-commands N`: the modem restarts once it has answered
//!   its N-th command line (quiet for `--reboot-quiet-ms`, default 500).
//! - `--send-fail N`: the next N socket sends answer `SEND FAIL`.
//! - `--peers-stop-reading`: nothing is written to the network, so the
//!   send buffer (`--send-buffer`, default 65536) fills and sends fail.
//! - `--recv-buffer BYTES`: each socket's receive buffer (default 65536);
//!   when full, TCP flow control holds the server back. (BG9x only: the
//!   BC66/BC660K raw sockets have 2,168 bytes and drop data when full.)
//!
//! BC66/BC660K: `--attach-ms` is how long `AT+CGATT?` answers 0 after
//! `AT+CGATT=1` (default 300); `--recv-urc-delay-ms` makes the raw
//! `+QIURC: "recv",<id>` late (default 0).
//! M66/M95 (`--profile m66|m95`, `docs/dialects/m95.md`): `--link gprs`
//! gives a GPRS-like link (RTT 600 ms, 40 kbit/s through a 50,000-baud
//! UART); later `--latency-ms`/`--baud` override its parts.
//! - `--uart-drop-after-bytes N`: the UART connection is closed by the
//!   modem after N bytes of output; the modem keeps running and the next
//!   connection talks to it again.
//!
//! A bad argument prints a message and the usage, and exits with status 2.

use modemtls_sim::{
    Direction, Fault, FaultKind, FirmwareProfile, Rate, RateKind, SimConfig, SimControl, Simulator,
};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const USAGE: &str = "usage: modemtls-sim --listen 127.0.0.1:5555 \
--profile bg96|bg96-nosni|bg95|bc66|bc660k \
[--host name=IP]... [--baud N] [--latency-ms N] [--no-banner] [--urc-noise] [--network-time UNIX] [--quiet]
  --keep-power                 the host closing the UART does not power the modem off (RAM: files stay)
  Sierra HL8548 / HL78xx: --profile hl8548|hl78xx-4.5|hl78xx-4.6
  BC66/BC660K:
  --attach-ms MS               AT+CGATT? answers 0 this long after AT+CGATT=1 (default 300)
  --recv-urc-delay-ms MS       the raw socket recv URC comes this late (default 0)
  M66/M95 (--profile m66|m95, GSM QI stack):
  --link gprs                  RTT 600 ms and 40 kbit/s (--latency-ms 300 --baud 50000)
  faults:
  --fault out|in:drop|flip[:MASK]|dup|stall:DURATION@OFFSET   once, at byte OFFSET
      (out: counted from the first command, or from --after PREFIX given right after it)
  --fault out|in:drop|flip|dup|any@rate=Nppm[,seed=S]          random damage, seeded
  --after PREFIX               arms the preceding out: fault at this command
  --reboot-after-commands N    restart after answering the N-th command
  --reboot-quiet-ms MS         quiet time of that restart (default 500)
  --send-fail N                the next N socket sends answer SEND FAIL
  --peers-stop-reading         nothing reaches the network; the send buffer fills
  --recv-buffer BYTES          BG9x socket receive buffer (default 65536; flow control when full)
  --send-buffer BYTES          socket send buffer (default 65536; SEND FAIL when full)
  --uart-drop-after-bytes N    close the UART after N output bytes (the modem keeps running)";

/// One `--fault` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FaultSpec {
    /// Once, at an offset.
    At(Direction, Fault),
    /// Random, at a rate.
    Rate(Direction, Rate),
}

/// Everything the command line asks for.
#[derive(Debug, Clone)]
struct Options {
    listen: SocketAddr,
    cfg: SimConfig,
    quiet: bool,
    faults: Vec<FaultSpec>,
    reboot_after: Option<usize>,
    reboot_quiet_ms: u64,
    send_fail: usize,
    peers_stop_reading: bool,
    uart_drop_after: Option<usize>,
}

/// What to do.
#[derive(Debug)]
enum Parsed {
    Help,
    Run(Box<Options>),
}

fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("bad {what}: {s:?}"))
}

/// `0x20`, `32`.
fn mask(s: &str) -> Result<u8, String> {
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u8::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    };
    match v {
        Some(m) if m != 0 => Ok(m),
        _ => Err(format!("bad flip mask {s:?} (want 0x01..0xff)")),
    }
}

/// `5000ms`, `5s`, `5000` (milliseconds).
fn duration(s: &str) -> Result<Duration, String> {
    let (n, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else {
        (s, 1)
    };
    let n: u64 = number(n, "duration")?;
    Ok(Duration::from_millis(n.saturating_mul(scale)))
}

/// `out:flip@120:0x20`, `in:drop@rate=200ppm,seed=7`.
fn fault_spec(s: &str) -> Result<FaultSpec, String> {
    let bad = |why: &str| format!("bad --fault {s:?}: {why}");
    let (dir, rest) = s
        .split_once(':')
        .ok_or_else(|| bad("want out:KIND@WHERE or in:KIND@WHERE"))?;
    let dir = match dir {
        "out" => Direction::Out,
        "in" => Direction::In,
        _ => return Err(bad("direction must be out or in")),
    };
    let (kind, place) = rest
        .split_once('@')
        .ok_or_else(|| bad("want KIND@OFFSET or KIND@rate=Nppm"))?;
    if let Some(rate) = place.strip_prefix("rate=") {
        let mut parts = rate.split(',');
        let ppm = parts.next().unwrap_or("");
        let ppm = ppm.strip_suffix("ppm").unwrap_or(ppm);
        let per_million: u32 = number(ppm, "rate (want e.g. rate=200ppm)")?;
        if per_million > 1_000_000 {
            return Err(bad("rate above 1000000ppm"));
        }
        let mut seed = 1;
        for p in parts {
            match p.strip_prefix("seed=") {
                Some(v) => seed = number(v, "seed")?,
                None => return Err(bad(&format!("unknown rate option {p:?}"))),
            }
        }
        let kind = match kind {
            "drop" => RateKind::Drop,
            "flip" => RateKind::Flip,
            "dup" | "duplicate" => RateKind::Duplicate,
            "any" => RateKind::Any,
            _ => return Err(bad("a rate takes drop, flip, dup or any")),
        };
        return Ok(FaultSpec::Rate(
            dir,
            Rate {
                per_million,
                seed,
                kind,
            },
        ));
    }
    let (at, arg) = match place.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (place, None),
    };
    let at: usize = number(at, "offset")?;
    // The kind may carry its argument either side: flip:0x20@5 or flip@5:0x20.
    let (kind, karg) = match kind.split_once(':') {
        Some((k, a)) => (k, Some(a)),
        None => (kind, None),
    };
    let arg = match (karg, arg) {
        (Some(_), Some(_)) => return Err(bad("argument given twice")),
        (a, b) => a.or(b),
    };
    let kind = match (kind, arg) {
        ("drop", None) => FaultKind::Drop,
        ("dup" | "duplicate", None) => FaultKind::Duplicate,
        ("flip", None) => FaultKind::Flip(1),
        ("flip", Some(m)) => FaultKind::Flip(mask(m)?),
        ("stall", Some(d)) => FaultKind::Stall(duration(d)?),
        ("stall", None) => return Err(bad("stall needs a duration, e.g. stall@40:5000ms")),
        ("drop" | "dup" | "duplicate", Some(_)) => return Err(bad("this kind takes no argument")),
        _ => return Err(bad("kind must be drop, flip, dup or stall")),
    };
    Ok(FaultSpec::At(
        dir,
        Fault {
            after: String::new(),
            at,
            kind,
        },
    ))
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut args = args.into_iter();
    let mut o = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 5555)),
        cfg: SimConfig::new(FirmwareProfile::bg96()),
        quiet: false,
        faults: Vec::new(),
        reboot_after: None,
        reboot_quiet_ms: 500,
        send_fail: 0,
        peers_stop_reading: false,
        uart_drop_after: None,
    };
    while let Some(a) = args.next() {
        let mut val = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--listen" => {
                o.listen = val("--listen")?
                    .parse()
                    .map_err(|_| "bad --listen address".to_string())?
            }
            "--link" => match val("--link")?.as_str() {
                "gprs" => o.cfg = o.cfg.clone().gprs_link(),
                other => return Err(format!("unknown link {other} (gprs)")),
            },
            "--profile" => {
                let p = val("--profile")?;
                o.cfg.profile =
                    FirmwareProfile::by_name(&p).ok_or_else(|| format!("unknown profile {p}"))?;
            }
            "--host" => {
                let h = val("--host")?;
                let (name, ip) = h.split_once('=').ok_or("--host wants name=IP")?;
                let ip: IpAddr = ip.parse().map_err(|_| "bad IP in --host".to_string())?;
                o.cfg.hosts.push((name.to_string(), ip));
            }
            "--baud" => o.cfg.baud = Some(number(&val("--baud")?, "--baud")?),
            "--latency-ms" => o.cfg.latency_ms = number(&val("--latency-ms")?, "--latency-ms")?,
            "--network-time" => {
                o.cfg.network_time = Some(number(&val("--network-time")?, "--network-time")?)
            }
            "--no-banner" => o.cfg.boot_banner = false,
            "--keep-power" => o.cfg.keep_power = true,
            "--urc-noise" => o.cfg.urc_noise = true,
            "--quiet" | "-q" => o.quiet = true,
            "--fault" => o.faults.push(fault_spec(&val("--fault")?)?),
            "--after" => {
                let prefix = val("--after")?;
                match o.faults.last_mut() {
                    Some(FaultSpec::At(Direction::Out, f)) if f.after.is_empty() => {
                        f.after = prefix
                    }
                    _ => {
                        return Err(
                            "--after must follow an out: fault at an offset (--fault out:KIND@N)"
                                .to_string(),
                        )
                    }
                }
            }
            "--reboot-after-commands" => {
                let n: usize = number(&val(&a)?, &a)?;
                if n == 0 {
                    return Err("--reboot-after-commands must be at least 1".to_string());
                }
                o.reboot_after = Some(n);
            }
            "--reboot-quiet-ms" => o.reboot_quiet_ms = number(&val(&a)?, &a)?,
            "--send-fail" => o.send_fail = number(&val(&a)?, &a)?,
            "--peers-stop-reading" => o.peers_stop_reading = true,
            "--recv-buffer" | "--send-buffer" => {
                let n: usize = number(&val(&a)?, &a)?;
                if n == 0 {
                    return Err(format!("{a} must be at least 1"));
                }
                o.cfg = if a == "--recv-buffer" {
                    o.cfg.recv_buffer(n)
                } else {
                    o.cfg.send_buffer(n)
                };
            }
            "--uart-drop-after-bytes" => o.uart_drop_after = Some(number(&val(&a)?, &a)?),
            "--attach-ms" => o.cfg.attach_ms = number(&val(&a)?, &a)?,
            "--recv-urc-delay-ms" => o.cfg.recv_urc_delay_ms = number(&val(&a)?, &a)?,
            "--help" | "-h" => return Ok(Parsed::Help),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Parsed::Run(Box::new(o)))
}

/// Arms what the options ask for on a running simulator.
fn arm(o: &Options, c: &SimControl) {
    for f in &o.faults {
        match f {
            FaultSpec::At(Direction::Out, f) => c.inject_fault(f.clone()),
            FaultSpec::At(Direction::In, f) => c.inject_input_fault(f.at, f.kind),
            FaultSpec::Rate(d, r) => c.set_fault_rate_of(*d, *r),
        }
    }
    if let Some(n) = o.reboot_after {
        c.reboot_after_commands(n, Duration::from_millis(o.reboot_quiet_ms));
    }
    if o.send_fail > 0 {
        c.send_fail(o.send_fail);
    }
    if o.peers_stop_reading {
        c.peers_stop_reading(true);
    }
    if let Some(n) = o.uart_drop_after {
        c.drop_uart_after_bytes(n);
    }
}

fn main() {
    let o = match parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return;
        }
        Err(msg) => {
            eprintln!("modemtls-sim: {msg}\n{USAGE}");
            std::process::exit(2)
        }
    };
    let sim = match Simulator::spawn_on(o.cfg.clone(), o.listen, !o.quiet) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("modemtls-sim: cannot listen on {}: {e}", o.listen);
            std::process::exit(2)
        }
    };
    arm(&o, &sim);
    println!("modemtls-sim listening on {}", sim.addr());
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Parsed::Run(o) => Ok(*o),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn fault_specs_parse() {
        let o = run(&[
            "--fault",
            "out:flip@120:0x20",
            "--fault",
            "in:drop@rate=200ppm,seed=7",
            "--fault",
            "out:stall@40:5000ms",
            "--after",
            "AT+QSSLRECV",
            "--fault",
            "in:dup@3",
            "--fault",
            "out:any@rate=10",
        ])
        .unwrap();
        assert_eq!(
            o.faults,
            vec![
                FaultSpec::At(
                    Direction::Out,
                    Fault {
                        after: String::new(),
                        at: 120,
                        kind: FaultKind::Flip(0x20)
                    }
                ),
                FaultSpec::Rate(
                    Direction::In,
                    Rate {
                        per_million: 200,
                        seed: 7,
                        kind: RateKind::Drop
                    }
                ),
                FaultSpec::At(
                    Direction::Out,
                    Fault {
                        after: "AT+QSSLRECV".into(),
                        at: 40,
                        kind: FaultKind::Stall(Duration::from_secs(5))
                    }
                ),
                FaultSpec::At(
                    Direction::In,
                    Fault {
                        after: String::new(),
                        at: 3,
                        kind: FaultKind::Duplicate
                    }
                ),
                FaultSpec::Rate(
                    Direction::Out,
                    Rate {
                        per_million: 10,
                        seed: 1,
                        kind: RateKind::Any
                    }
                ),
            ]
        );
    }

    #[test]
    fn other_fault_options_parse() {
        let o = run(&[
            "--reboot-after-commands",
            "12",
            "--reboot-quiet-ms",
            "200",
            "--send-fail",
            "2",
            "--peers-stop-reading",
            "--recv-buffer",
            "2048",
            "--send-buffer",
            "4096",
            "--uart-drop-after-bytes",
            "300",
        ])
        .unwrap();
        assert_eq!(o.reboot_after, Some(12));
        assert_eq!(o.reboot_quiet_ms, 200);
        assert_eq!(o.send_fail, 2);
        assert!(o.peers_stop_reading);
        assert_eq!(o.cfg.recv_buffer, 2048);
        assert_eq!(o.cfg.send_buffer, 4096);
        assert_eq!(o.uart_drop_after, Some(300));
        let d = run(&[]).unwrap();
        assert_eq!(d.cfg.recv_buffer, modemtls_sim::tcp::RECV_CAP);
        assert!(d.faults.is_empty() && d.uart_drop_after.is_none());
    }

    #[test]
    fn bc66_profiles_and_options_parse() {
        let o = run(&[
            "--profile",
            "bc66",
            "--attach-ms",
            "50",
            "--recv-urc-delay-ms",
            "700",
        ])
        .unwrap();
        assert_eq!(o.cfg.profile, FirmwareProfile::bc66());
        assert_eq!(o.cfg.attach_ms, 50);
        assert_eq!(o.cfg.recv_urc_delay_ms, 700);
        let o = run(&["--profile", "BC660K"]).unwrap();
        assert_eq!(o.cfg.profile.model, "BC660K-GL");
        assert_eq!(o.cfg.profile.family, modemtls_sim::Family::QuectelBc66);
        assert!(run(&["--profile", "bc95"]).is_err());
    }

    #[test]
    fn m95_profiles_and_the_gprs_link_parse() {
        let o = run(&["--profile", "m95", "--link", "gprs"]).unwrap();
        assert_eq!(o.cfg.profile, FirmwareProfile::m95());
        assert_eq!((o.cfg.latency_ms, o.cfg.baud), (300, Some(50_000)));
        let o = run(&["--profile", "M66"]).unwrap();
        assert_eq!(o.cfg.profile.model, "Quectel_M66");
        assert_eq!(o.cfg.profile.family, modemtls_sim::Family::QuectelM95);
        assert!(run(&["--link", "edge"]).is_err());
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        for bad in [
            &["--fault"][..],
            &["--fault", "sideways:drop@1"],
            &["--fault", "out:drop"],
            &["--fault", "out:melt@1"],
            &["--fault", "out:drop@x"],
            &["--fault", "out:drop@1:2"],
            &["--fault", "out:flip@1:0x00"],
            &["--fault", "out:flip@1:0x100"],
            &["--fault", "out:stall@1"],
            &["--fault", "out:stall@1:soon"],
            &["--fault", "out:stall@rate=5ppm"],
            &["--fault", "in:drop@rate=2000000ppm"],
            &["--fault", "in:drop@rate=5ppm,salt=1"],
            &["--fault", "in:drop@rate="],
            &["--fault", "in:drop@3", "--after", "AT"],
            &["--after", "AT"],
            &["--reboot-after-commands", "0"],
            &["--reboot-after-commands", "-1"],
            &["--send-fail", "many"],
            &["--recv-buffer", "0"],
            &["--uart-drop-after-bytes"],
            &["--listen", "nowhere"],
            &["--frobnicate"],
        ] {
            let r = run(bad);
            assert!(r.is_err(), "{bad:?} accepted");
            assert!(!r.unwrap_err().is_empty());
        }
        assert!(matches!(parse(["--help".to_string()]), Ok(Parsed::Help)));
    }
}
