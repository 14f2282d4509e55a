//! `qemu-runner`: the modemtls Cortex-M port tests under QEMU.
//!
//! For each machine (`an385` = mps2-an385 Cortex-M3, `thumbv7m-none-eabi`;
//! `an386` = mps2-an386 Cortex-M4F, `thumbv7em-none-eabihf`) it builds the
//! firmware in `ports/qemu-rust` (offload-only, and with `host-tls` for the
//! `auto-host` scenario), and for each scenario:
//!
//! 1. generates a test PKI and starts a real TLS server on 127.0.0.1
//!    (`openssl s_server` from `modemtls-testkit`);
//! 2. starts a simulated BG96 (`modemtls-sim`) listening on 127.0.0.1;
//! 3. writes `params.txt` and `ca.pem` to a fresh directory and starts
//!    `qemu-system-arm` there with UART0 connected to the simulator
//!    (`-serial tcp:127.0.0.1:<port>`: QEMU is the TCP client, the
//!    simulator takes the connection as a modem power-on) and semihosting
//!    for the log, the files and the exit status;
//! 4. kills QEMU after `--timeout` seconds at the latest, and passes the
//!    scenario only when QEMU exits 0 *and* the firmware printed
//!    `RESULT <scenario> PASS`.
//!
//! One line per scenario (pass/fail, times, peak stack) and one per
//! firmware image (`.text`, `.rodata`, `.data`, `.bss` read from the ELF
//! section headers). Exit status 1 when any scenario fails.
//!
//! `--firmware c` runs the same scenarios and checks on the C firmware in
//! `ports/qemu-c` instead (one image per machine, built with
//! `make -C ports/qemu-c MACHINE=an385|an386`, linking `libmodemtls.a`
//! through the C ABI); `--firmware all` runs the Rust firmware, then the C
//! one.
//!
//! `--scenario compute` (= `compute-p256,compute-rsa2048`, not part of
//! `all`) runs the firmware's `compute` scenario (feature `compute`) against
//! a TLS 1.3 server with a P-256 or RSA-2048 chain of three, always under
//! `-icount shift=0`, `--repeat N` times, and prints the instruction tables
//! from its `COMPUTE` lines (`tools/compute-bench.sh`, method in
//! `tools/compute-bench.md`).
//!
//! `--scenario baseline` (not part of `all`; Rust firmware only) builds the
//! firmware with feature `baseline`, the same harness (UART driver, SysTick
//! clock, semihosting reads and parameter parsing, step log, stack
//! painting) with no modemtls call, and runs it (it writes the parsed
//! parameters to the UART and passes with `RESULT baseline PASS`). When it
//! runs next to other images, one more line per machine and image gives the
//! library's share: firmware - baseline (flash, static RAM, peak stack). A
//! `--lean` run with a Rust image adds it by itself (the footprint run);
//! `--library-budget [IMAGE:]FLASH,RAM` checks an image's library share
//! (flash, and static RAM + peak stack).
//!
//! `--firmware embassy` builds `ports/qemu-embassy` (modemtls's async
//! front on the Embassy executor, one image) and runs `offload`,
//! `verify-fail`, `auto-host` and `mqtt` (MQTT 5 through `mosquitto`'s TLS
//! 1.3 listener) on it: see `embassy.rs`.
//!
//! `--scenario footprint` (= `offload-core,host,everything`, not part of
//! `all`; Rust firmware only) adds the other footprint images:
//! `offload-core` runs the firmware's `offload` scenario on an image without
//! the probe diagnosis (modemtls feature `offload` alone), `host` a host TLS
//! session (`modemtls::host::connect`) on an image with no offload path,
//! against the `auto-host` server, and `everything` the `auto-host`
//! scenario on an image with every feature (P-384 and Ed25519 verification
//! too).

mod args;
mod compute;
mod embassy;
mod family;
mod images;
mod process;
mod sizes;
mod world;

use args::*;
use compute::*;
use embassy::*;
use family::*;
use images::*;
use process::*;
use sizes::*;
use world::*;

use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use modemtls_testkit::{
    server_creds, Daemon, KeyKind, SServer, SServerMode, SServerOpts, TlsVersions,
};
use object::{Object, ObjectSection};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The name every test server answers to (the simulator resolves it to 127.0.0.1).
const HOST: &str = "server.test";
/// A second name, for the certificate that does not match [`HOST`].
const OTHER_HOST: &str = "other.test";

#[derive(Clone, Copy, Debug)]
struct Machine {
    name: &'static str,
    qemu_machine: &'static str,
    cpu: &'static str,
    target: &'static str,
}

const MACHINES: [Machine; 2] = [
    Machine {
        name: "an385",
        qemu_machine: "mps2-an385",
        cpu: "cortex-m3",
        target: "thumbv7m-none-eabi",
    },
    Machine {
        name: "an386",
        qemu_machine: "mps2-an386",
        cpu: "cortex-m4",
        target: "thumbv7em-none-eabihf",
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    Offload,
    VerifyFail,
    AutoHost,
    /// The firmware's `offload` scenario on the image without the probe
    /// diagnosis (modemtls feature `offload` only): the offload core's
    /// footprint. Not part of `all`.
    OffloadCore,
    /// Host TLS only (`modemtls::host::connect`, no offload path in the
    /// image), against the `auto-host` server: the host TLS footprint.
    /// Not part of `all`.
    Host,
    /// The firmware's `auto-host` scenario on the image with every
    /// verification algorithm (`p384`, `ed25519` on top of `host-tls`, with
    /// offload and the diagnosis): the "everything" footprint. Not part of
    /// `all`.
    Everything,
    /// Instruction counts of a host TLS 1.3 handshake against a P-256 chain
    /// (firmware scenario `compute`, always under `-icount shift=0`).
    ComputeP256,
    /// The same against an RSA-2048 chain.
    ComputeRsa2048,
    /// The harness alone, no modemtls call (feature `baseline`): what the
    /// footprint subtracts to get the library's share.
    Baseline,
    /// MQTT publish/subscribe through mosquitto (the Embassy firmware
    /// only; not part of `all`).
    Mqtt,
}

/// What `--scenario all` runs (the port tests).
const SCENARIOS: [Scenario; 3] = [Scenario::Offload, Scenario::VerifyFail, Scenario::AutoHost];
/// The footprint images besides the port tests' (`--scenario footprint`,
/// with `--lean`): offload without the diagnosis, and host TLS only.
const FOOTPRINT_SCENARIOS: [Scenario; 3] =
    [Scenario::OffloadCore, Scenario::Host, Scenario::Everything];
/// The compute benchmark (`--scenario compute`; not part of `all`).
const COMPUTE_SCENARIOS: [Scenario; 2] = [Scenario::ComputeP256, Scenario::ComputeRsa2048];

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Offload => "offload",
            Scenario::VerifyFail => "verify-fail",
            Scenario::AutoHost => "auto-host",
            Scenario::OffloadCore => "offload-core",
            Scenario::Host => "host",
            Scenario::Everything => "everything",
            Scenario::ComputeP256 => "compute-p256",
            Scenario::ComputeRsa2048 => "compute-rsa2048",
            Scenario::Baseline => "baseline",
            Scenario::Mqtt => "mqtt",
        }
    }
    /// The scenario name the firmware knows (`params.txt`, `RESULT` line).
    fn fw_name(self) -> &'static str {
        match self {
            Scenario::ComputeP256 | Scenario::ComputeRsa2048 => "compute",
            Scenario::OffloadCore => "offload",
            Scenario::Everything => "auto-host",
            other => other.name(),
        }
    }
    fn variant(self) -> Variant {
        match self {
            Scenario::AutoHost => Variant::HostTls,
            Scenario::OffloadCore => Variant::OffloadCore,
            Scenario::Host => Variant::HostOnly,
            Scenario::Everything => Variant::Everything,
            Scenario::ComputeP256 | Scenario::ComputeRsa2048 => Variant::Compute,
            Scenario::Baseline => Variant::Baseline,
            _ => Variant::Offload,
        }
    }
    fn is_compute(self) -> bool {
        self.variant() == Variant::Compute
    }
}

/// Which firmware runs the scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Firmware {
    /// `ports/qemu-rust` (cargo, the modemtls rlib).
    Rust,
    /// `ports/qemu-c` (make + arm-none-eabi-gcc, `libmodemtls.a` through
    /// the C ABI).
    C,
    /// `ports/qemu-embassy` (cargo, the async front on Embassy).
    Embassy,
}

impl Firmware {
    fn name(self) -> &'static str {
        match self {
            Firmware::Rust => "rust",
            Firmware::C => "c",
            Firmware::Embassy => "embassy",
        }
    }
    /// The firmware's directory when `--fw-dir` is not given.
    fn default_dir(self) -> PathBuf {
        let ports = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        match self {
            Firmware::Rust => ports.join("qemu-rust"),
            Firmware::C => ports.join("qemu-c"),
            Firmware::Embassy => ports.join("qemu-embassy"),
        }
    }
    /// The image a scenario runs on: the C firmware has one image for all
    /// scenarios (the archive always has the host TLS path).
    fn variant(self, sc: Scenario) -> Variant {
        match self {
            Firmware::Rust => sc.variant(),
            Firmware::C => Variant::CApi,
            Firmware::Embassy => Variant::Embassy,
        }
    }
}

/// A firmware build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Variant {
    /// Default features: the offload path only (with the probe diagnosis).
    Offload,
    /// `--no-default-features --features offload`: no probe diagnosis.
    OffloadCore,
    /// `--features host-tls`: offload + host TLS (Auto).
    HostTls,
    /// `--no-default-features --features host-tls`: host TLS only.
    HostOnly,
    /// `--features everything`: offload, diagnosis, host TLS, P-384, Ed25519.
    Everything,
    /// `--features compute` (host-tls + the instruction counter).
    Compute,
    /// The C firmware (`ports/qemu-c`): `libmodemtls.a` with features
    /// `capi,capi-cs-extern` (offload + host TLS) through the C ABI.
    CApi,
    /// `--features baseline`: the harness without the library.
    Baseline,
    /// The Embassy firmware (`ports/qemu-embassy`): one image, offload +
    /// host TLS + rust-mqtt on the async front.
    Embassy,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Offload => "offload-only",
            Variant::OffloadCore => "offload-core",
            Variant::HostTls => "host-tls",
            Variant::HostOnly => "host-only",
            Variant::Everything => "everything",
            Variant::Compute => "compute",
            Variant::CApi => "c-capi",
            Variant::Baseline => "baseline",
            Variant::Embassy => "embassy",
        }
    }
    fn features(self, lean: bool) -> Vec<String> {
        let mut f: Vec<&str> = Vec::new();
        let mut no_default = false;
        match self {
            Variant::Offload => {}
            Variant::OffloadCore => {
                no_default = true;
                f.push("offload");
            }
            Variant::HostTls => f.push("host-tls"),
            Variant::HostOnly => {
                no_default = true;
                f.push("host-tls");
            }
            Variant::Everything => f.push("everything"),
            Variant::Compute => f.push("compute"),
            Variant::CApi | Variant::Embassy => {}
            Variant::Baseline => {
                no_default = true;
                f.push("baseline");
            }
        }
        if lean {
            f.push("lean");
        }
        let mut args = Vec::new();
        if no_default {
            args.push("--no-default-features".into());
        }
        if !f.is_empty() {
            args.extend(["--features".into(), f.join(",")]);
        }
        args
    }
    /// Images whose library share is printed (all Rust images but the
    /// baseline itself).
    fn has_library_share(self) -> bool {
        !matches!(
            self,
            Variant::Baseline | Variant::CApi | Variant::Compute | Variant::Embassy
        )
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("qemu-runner: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("qemu-runner: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Report {
    kind: Scenario,
    machine: &'static str,
    scenario: &'static str,
    variant: Variant,
    pass: bool,
    why: String,
    wall: Duration,
    fw_ms: Option<u64>,
    stack: Option<u64>,
    /// `COMPUTE <key> <value>` lines of the firmware log.
    compute: Vec<(String, u64)>,
}

fn run(args: &Args) -> Res<bool> {
    which("qemu-system-arm").ok_or(
        "qemu-system-arm not found (Debian: apt-get install qemu-system-arm; tools/qemu-test.sh installs it)",
    )?;
    let mut all_ok = true;
    for (i, fw) in args.firmwares.iter().enumerate() {
        if args.firmwares.len() > 1 {
            println!(
                "{}==> {} firmware",
                if i > 0 { "\n" } else { "" },
                match fw {
                    Firmware::Rust => "Rust (ports/qemu-rust)",
                    Firmware::C => "C (ports/qemu-c, C ABI)",
                    Firmware::Embassy => "Embassy (ports/qemu-embassy, async front)",
                }
            );
        }
        all_ok &= run_firmware(args, *fw)?;
    }
    Ok(all_ok)
}

/// Build the images of one firmware, run every scenario on every machine,
/// print the results and the image sizes.
fn run_firmware(args: &Args, fw: Firmware) -> Res<bool> {
    if fw == Firmware::C {
        which("arm-none-eabi-gcc").ok_or(
            "arm-none-eabi-gcc not found (Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi; tools/setup.sh installs them)",
        )?;
    }
    let fw_dir = args
        .fw_dir
        .clone()
        .unwrap_or_else(|| fw.default_dir())
        .canonicalize()?;
    let out = tempfile::Builder::new().prefix("qemu-runner-").tempdir()?;

    let mut images: Vec<(Machine, Variant, PathBuf, Sizes)> = Vec::new();
    for m in &args.machines {
        let mut variants: Vec<Variant> = args.scenarios.iter().map(|s| fw.variant(*s)).collect();
        variants.dedup();
        variants.sort_by_key(|v| *v as u8);
        variants.dedup();
        for v in variants {
            let elf = match fw {
                Firmware::Rust | Firmware::Embassy => {
                    let family = FwFamily::of(&args.modem).ok_or("unknown modem profile")?;
                    build_fw(
                        &fw_dir,
                        m,
                        v,
                        FwOpts {
                            lean: args.lean,
                            family,
                            extra: &args.fw_features,
                        },
                        out.path(),
                        args.build,
                    )?
                }
                Firmware::C => build_c_fw(&fw_dir, m, out.path(), args.build)?,
            };
            let sz = sizes(&elf)?;
            images.push((*m, v, elf, sz));
        }
    }

    let mut reports = Vec::new();
    for m in &args.machines {
        for sc in &args.scenarios {
            let Some((_, _, elf, _)) = images
                .iter()
                .find(|(im, v, _, _)| im.name == m.name && *v == fw.variant(*sc))
            else {
                continue;
            };
            if let Some(why) = missing_peer(*sc) {
                println!("SKIP {:<6} {:<12} ({why})", m.name, sc.name());
                continue;
            }
            for rep in 0..args.repeat {
                let dir = out.path().join(format!("{}-{}-{rep}", m.name, sc.name()));
                std::fs::create_dir_all(&dir)?;
                let r = run_scenario(args, m, *sc, fw.variant(*sc), elf, &dir)?;
                println!(
                "{} {:<6} {:<12} wall {:>6.1} s  firmware clock {:>7}  peak stack {:>7}  [{}]{}",
                if r.pass { "PASS" } else { "FAIL" },
                r.machine,
                r.scenario,
                r.wall.as_secs_f64(),
                r.fw_ms.map_or("?".into(), |t| format!("{t} ms")),
                r.stack.map_or("?".into(), |s| format!("{s} B")),
                r.variant.name(),
                if r.why.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", r.why)
                }
            );
                reports.push(r);
            }
        }
    }
    if reports.iter().any(|r| r.kind.is_compute()) {
        print_compute_tables(&reports, args);
    }

    println!(
        "\n{} firmware images{} (bytes; flash = text + rodata + data, static RAM = data + bss):",
        match fw {
            Firmware::Rust => "Rust",
            Firmware::C => "C",
            Firmware::Embassy => "Embassy",
        },
        if args.lean { ", lean build" } else { "" }
    );
    let mut over_budget = 0;
    for (m, v, _, s) in &images {
        let peak = image_peak(&reports, m.name, *v);
        println!(
            "  {:<6} {:<13} .text {:>7}  .rodata {:>6}  .data {:>5}  .bss {:>6}  | flash {:>7}  static RAM {:>6}  peak stack {:>6}  RAM total {}",
            m.name,
            v.name(),
            s.text,
            s.rodata,
            s.data,
            s.bss,
            s.flash(),
            s.static_ram(),
            peak.map_or("?".into(), |p| p.to_string()),
            peak.map_or("?".into(), |p| (p + s.static_ram()).to_string()),
        );
        for (_, max_flash, max_ram) in args.budget.iter().filter(|(bv, _, _)| bv == v) {
            let (max_flash, max_ram) = (*max_flash, *max_ram);
            let ram = peak.map(|p| p + s.static_ram());
            let ok = s.flash() <= max_flash && ram.is_some_and(|r| r <= max_ram);
            println!(
                "  {:<6} {:<13} budget flash {} / {max_flash}, RAM {} / {max_ram}: {}",
                m.name,
                v.name(),
                s.flash(),
                ram.map_or("?".into(), |r| r.to_string()),
                if ok { "within" } else { "OVER BUDGET" }
            );
            if !ok {
                over_budget += 1;
            }
        }
    }
    over_budget += print_library_shares(args, &images, &reports);
    let failed = reports.iter().filter(|r| !r.pass).count();
    println!(
        "\nqemu scenarios ({} firmware): {} passed, {} failed",
        fw.name(),
        reports.len() - failed,
        failed
    );
    Ok(failed == 0 && over_budget == 0)
}

fn run_scenario(
    args: &Args,
    m: &Machine,
    sc: Scenario,
    variant: Variant,
    elf: &Path,
    dir: &Path,
) -> Res<Report> {
    let start = Instant::now();
    let profile = FirmwareProfile::by_name(&args.modem).ok_or("unknown modem profile")?;
    let family = FwFamily::of(&args.modem).ok_or("unknown modem profile")?;
    let w = world(sc, family)?;
    let sim = Simulator::spawn(
        SimConfig::new(profile)
            .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
            .host(OTHER_HOST, IpAddr::V4(Ipv4Addr::LOCALHOST)),
    )?;
    let mut params = format!(
        "scenario={}\nhost={HOST}\nport={}\npath={}\n",
        sc.fw_name(),
        w.port,
        w.path
    );
    if matches!(
        sc,
        Scenario::AutoHost | Scenario::Host | Scenario::Everything | Scenario::Mqtt
    ) || sc.is_compute()
    {
        // TEST-ONLY entropy for the firmware's host TLS RNG (see
        // ports/qemu-rust/src/host.rs).
        let seed = match &args.seed {
            Some(s) => s.clone(),
            None => random_seed_hex()?,
        };
        params.push_str(&format!("seed={seed}\n"));
    }
    // See FwFamily::chain_only.
    if family.chain_only() && sc != Scenario::VerifyFail {
        params.push_str("chain_only=1\n");
    }
    std::fs::write(dir.join("params.txt"), &params)?;
    std::fs::write(dir.join("ca.pem"), &w.ca_pem)?;

    let mut cmd = Command::new("qemu-system-arm");
    cmd.current_dir(dir)
        .args(["-machine", m.qemu_machine, "-cpu", m.cpu])
        .args(["-nographic", "-monitor", "none"])
        .args(["-semihosting-config", "enable=on,target=native"])
        .arg("-serial")
        .arg(format!("tcp:{}", sim.addr()));
    // The compute scenarios count instructions: 1 ns of virtual time per
    // instruction (see ports/qemu-rust/src/vclock.rs), whatever --icount says.
    let icount = if sc.is_compute() {
        Some(0)
    } else {
        args.icount
    };
    if let Some(shift) = icount {
        cmd.arg("-icount").arg(format!("shift={shift}"));
    }
    cmd.arg("-kernel").arg(elf);
    if args.verbose {
        eprintln!("[{} {}] {:?}", m.name, sc.name(), cmd);
    }
    let outcome = run_bounded(
        cmd,
        args.timeout,
        args.verbose.then(|| format!("{} {}", m.name, sc.name())),
    )?;

    let log = &outcome.stdout;
    let result_line = format!("RESULT {} PASS", sc.fw_name());
    let printed_pass = log.lines().any(|l| l.trim() == result_line);
    let exit_ok = outcome.code == Some(0);
    let pass = printed_pass && exit_ok && !outcome.timed_out;
    let why = if outcome.timed_out {
        format!("killed after {} s", args.timeout.as_secs())
    } else if !exit_ok {
        format!("qemu exit status {:?}", outcome.code)
    } else if !printed_pass {
        "no PASS line".into()
    } else {
        String::new()
    };
    // With --verbose the log was echoed as it came.
    if !pass && !args.verbose {
        println!("----- firmware log ({} {}) -----", m.name, sc.name());
        print!("{log}");
    }
    if (!pass || args.verbose) && !outcome.stderr.trim().is_empty() {
        println!("----- qemu stderr -----\n{}", outcome.stderr.trim_end());
    }
    if !pass {
        print_broker_log(&w);
        let t = sim.transcript();
        let lines: Vec<&str> = t.lines().collect();
        println!("----- simulator transcript (last 40 lines) -----");
        for l in &lines[lines.len().saturating_sub(40)..] {
            println!("{l}");
        }
        println!("-----");
    }
    Ok(Report {
        kind: sc,
        machine: m.name,
        scenario: sc.name(),
        variant,
        pass,
        why,
        wall: start.elapsed(),
        fw_ms: find_num(log, "TIME scenario="),
        stack: find_num(log, "STACK peak="),
        compute: log
            .lines()
            .filter_map(|l| {
                let mut it = l.trim().strip_prefix("COMPUTE ")?.split_whitespace();
                Some((it.next()?.to_string(), it.next()?.parse().ok()?))
            })
            .collect(),
    })
}
