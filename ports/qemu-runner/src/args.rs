//! Command-line arguments of the runner: what to build, run and check.

use crate::*;

pub(crate) struct Args {
    pub(crate) firmwares: Vec<Firmware>,
    pub(crate) machines: Vec<Machine>,
    pub(crate) scenarios: Vec<Scenario>,
    pub(crate) timeout: Duration,
    pub(crate) icount: Option<u32>,
    pub(crate) build: bool,
    pub(crate) verbose: bool,
    pub(crate) fw_dir: Option<PathBuf>,
    pub(crate) seed: Option<String>,
    pub(crate) lean: bool,
    /// `--budget [VARIANT:]FLASH,RAM`, per image variant (whole image).
    pub(crate) budget: Vec<(Variant, u64, u64)>,
    /// `--library-budget [VARIANT:]FLASH,RAM`, per image variant.
    pub(crate) library_budget: Vec<(Variant, u64, u64)>,
    pub(crate) repeat: u32,
    /// The simulator profile (`--modem`): the modem family the firmware meets.
    pub(crate) modem: String,
    /// `--fw-features a,b`: extra features of the Rust firmware.
    pub(crate) fw_features: String,
}

pub(crate) const USAGE: &str = "usage: qemu-runner [--machine an385|an386|all] [--scenario offload|verify-fail|auto-host|all|A,B]
                   [--scenario footprint|offload-core|host|everything (Rust images without
                    the probe diagnosis / with host TLS only / with every feature, for the
                    footprint; not part of all)]
                   [--scenario compute|compute-p256|compute-rsa2048 (instruction counts of a
                    host TLS handshake, always -icount shift=0; prints the table)] [--repeat N]
                   [--timeout SECONDS (default 120)] [--icount SHIFT] [--no-build] [--verbose]
                   [--lean (firmware without formatted log lines: the footprint build)]
                   [--budget [IMAGE:]FLASH,RAM (fail when the whole image IMAGE
                    (offload-only (default), offload-core, host-only, host-tls, c-capi) has
                    more flash or static RAM + peak stack than these bytes; repeatable)]
                   [--scenario baseline (the harness without the library; not part of all;
                    added by itself to a --lean run with offload-only; then the library's
                    share = firmware - baseline is printed per machine and image)]
                   [--library-budget [IMAGE:]FLASH,RAM (fail when the library share of IMAGE
                    (offload-only (default), offload-core, host-only, host-tls) has more
                    flash or static RAM + peak stack than these bytes; runs the baseline;
                    repeatable)]
                   [--firmware rust|c|all (default rust; c = ports/qemu-c, the C firmware
                    on the C ABI, same scenarios and checks; all = rust, then c)]
                   [--firmware embassy (ports/qemu-embassy: the async front on Embassy, BG96;
                    scenarios offload, verify-fail, auto-host and mqtt (MQTT through
                    mosquitto, Embassy only, not part of all))]
                   [--fw-dir ports/qemu-rust|ports/qemu-c (with one --firmware)]
                   [--seed 64-HEX (auto-host RNG, test only)]
                   [--modem bg96|bg96-nosni|bg95|bc66|bc660k|m95|m66|hl8548|hl78xx-4.5|hl78xx-4.6
                    (the simulated modem; default bg96;
                    the C firmware identifies it at init, the Rust firmware is built for it)]
                   [--fw-features A,B (extra features of the Rust firmware, e.g. p256-asm:
                    P-256 in Cortex-M4 assembly; an386 only)]";

pub(crate) fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        firmwares: vec![Firmware::Rust],
        machines: MACHINES.to_vec(),
        scenarios: SCENARIOS.to_vec(),
        timeout: Duration::from_secs(120),
        icount: None,
        build: true,
        verbose: false,
        fw_dir: None,
        seed: None,
        lean: false,
        budget: Vec::new(),
        library_budget: Vec::new(),
        repeat: 1,
        modem: "bg96".into(),
        fw_features: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--machine" => {
                let v = val("--machine")?;
                a.machines = match v.as_str() {
                    "all" | "both" => MACHINES.to_vec(),
                    n => vec![*MACHINES
                        .iter()
                        .find(|m| m.name == n || m.qemu_machine == n)
                        .ok_or(format!("unknown machine {n}"))?],
                };
            }
            "--scenario" => {
                let v = val("--scenario")?;
                a.scenarios = Vec::new();
                for n in v.split(',') {
                    match n {
                        "all" => a.scenarios.extend(SCENARIOS),
                        "compute" => a.scenarios.extend(COMPUTE_SCENARIOS),
                        "footprint" => a.scenarios.extend(FOOTPRINT_SCENARIOS),
                        n => a.scenarios.push(
                            SCENARIOS
                                .iter()
                                .chain(COMPUTE_SCENARIOS.iter())
                                .chain(FOOTPRINT_SCENARIOS.iter())
                                .chain([Scenario::Baseline, Scenario::Mqtt].iter())
                                .copied()
                                .find(|s| s.name() == n)
                                .ok_or(format!("unknown scenario {n}"))?,
                        ),
                    }
                }
            }
            "--timeout" => {
                let v = val("--timeout")?;
                a.timeout =
                    Duration::from_secs(v.parse().map_err(|_| format!("bad --timeout {v}"))?);
            }
            "--icount" => {
                let v = val("--icount")?;
                a.icount = Some(v.parse().map_err(|_| format!("bad --icount {v}"))?);
            }
            "--repeat" => {
                let v = val("--repeat")?;
                a.repeat = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or(format!("bad --repeat {v}"))?;
            }
            "--no-build" => a.build = false,
            "--lean" => a.lean = true,
            "--budget" => {
                let v = val("--budget")?;
                a.budget.push(image_budget("--budget", &v, true)?);
            }
            "--library-budget" => {
                let v = val("--library-budget")?;
                a.library_budget
                    .push(image_budget("--library-budget", &v, false)?);
            }
            "--verbose" | "-v" => a.verbose = true,
            "--fw-dir" => a.fw_dir = Some(PathBuf::from(val("--fw-dir")?)),
            "--firmware" => {
                let v = val("--firmware")?;
                a.firmwares = match v.as_str() {
                    "rust" => vec![Firmware::Rust],
                    "c" => vec![Firmware::C],
                    "all" | "both" => vec![Firmware::Rust, Firmware::C],
                    "embassy" => vec![Firmware::Embassy],
                    n => return Err(format!("unknown firmware {n} (rust, c, embassy or all)")),
                };
            }
            "--fw-features" => a.fw_features = val("--fw-features")?,
            "--modem" => {
                let v = val("--modem")?;
                // Every family of the simulator has a driver (FwFamily::of).
                if crate::FwFamily::of(&v).is_none() {
                    return Err(format!("unknown modem profile {v}"));
                }
                a.modem = v;
            }
            "--seed" => {
                let v = val("--seed")?;
                if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err("--seed wants 64 hex digits".into());
                }
                a.seed = Some(v);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.firmwares.contains(&Firmware::C) {
        if a.scenarios.iter().any(|s| s.is_compute()) {
            return Err("the compute scenarios are only in the Rust firmware".into());
        }
        if a.lean {
            return Err("--lean is a feature of the Rust firmware (not with --firmware c)".into());
        }
        if a.scenarios.contains(&Scenario::Baseline) || !a.library_budget.is_empty() {
            return Err("the baseline image is only in the Rust firmware".into());
        }
        if a.scenarios.iter().any(|s| FOOTPRINT_SCENARIOS.contains(s)) {
            return Err("offload-core and host are images of the Rust firmware only".into());
        }
    }
    // The footprint run (--lean with an image that has a library share) and
    // the library budgets need the baseline image to subtract.
    let shared = a.scenarios.iter().any(|s| s.variant().has_library_share());
    if ((a.lean && shared) || !a.library_budget.is_empty())
        && !a.scenarios.contains(&Scenario::Baseline)
    {
        a.scenarios.push(Scenario::Baseline);
    }
    // A budget for an image this run does not build would pass unchecked.
    let built = |v: Variant| {
        a.firmwares
            .iter()
            .any(|fw| a.scenarios.iter().any(|s| fw.variant(*s) == v))
    };
    for (flag, budgets) in [
        ("--budget", &a.budget),
        ("--library-budget", &a.library_budget),
    ] {
        if let Some((v, _, _)) = budgets.iter().find(|(v, _, _)| !built(*v)) {
            return Err(format!(
                "{flag} for {} but no scenario of this run uses that image",
                v.name()
            ));
        }
    }
    check_embassy_args(&a)?;
    if a.fw_dir.is_some() && a.firmwares.len() > 1 {
        return Err("--fw-dir needs one --firmware".into());
    }
    Ok(a)
}

/// `[IMAGE:]FLASH,RAM` (IMAGE defaults to offload-only; `c-capi`, the C
/// image, only for whole-image budgets: it has no baseline).
pub(crate) fn image_budget(
    flag: &str,
    v: &str,
    whole: bool,
) -> Result<(Variant, u64, u64), String> {
    let mut images = vec![
        Variant::Offload,
        Variant::OffloadCore,
        Variant::HostOnly,
        Variant::HostTls,
        Variant::Everything,
    ];
    if whole {
        images.push(Variant::CApi);
    }
    let (variant, fr) = match v.split_once(':') {
        Some((name, fr)) => (
            images
                .iter()
                .copied()
                .find(|x| x.name() == name)
                .ok_or(format!(
                    "{flag}: unknown image {name} ({})",
                    images
                        .iter()
                        .map(|x| x.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?,
            fr,
        ),
        None => (Variant::Offload, v),
    };
    let (f, r) = flash_ram(flag, fr)?;
    Ok((variant, f, r))
}

/// `FLASH,RAM` in bytes.
pub(crate) fn flash_ram(flag: &str, v: &str) -> Result<(u64, u64), String> {
    v.split_once(',')
        .and_then(|(f, r)| Some((f.parse().ok()?, r.parse().ok()?)))
        .ok_or(format!("bad {flag} {v} (want FLASH,RAM in bytes)"))
}
