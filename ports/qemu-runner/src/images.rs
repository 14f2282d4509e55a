//! Building the firmware images: the Rust firmware per variant, machine
//! and modem family, the C firmware with `make`.

use crate::*;

pub(crate) fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}

/// `cargo build --release` of the firmware. Cargo's `qemu-fw` is
/// overwritten by every feature set, so each build is kept as
/// `qemu-fw-<machine>-<variant>[-lean]` next to it (what `--no-build`
/// runs) and copied into `out` for the run.
/// How a Rust firmware image is built besides its variant.
pub(crate) struct FwOpts<'a> {
    /// Without formatted log lines (the footprint build).
    pub(crate) lean: bool,
    /// The modem family whose driver the firmware is built with.
    pub(crate) family: FwFamily,
    /// Extra firmware features (`--fw-features`).
    pub(crate) extra: &'a str,
}

/// `o.family`: the driver the firmware is built with (its feature).
pub(crate) fn build_fw(
    fw_dir: &Path,
    m: &Machine,
    v: Variant,
    o: FwOpts<'_>,
    out: &Path,
    build: bool,
) -> Res<PathBuf> {
    let FwOpts {
        lean,
        family,
        extra,
    } = o;
    let driver = family.feature();
    let target_dir = fw_dir.join("target");
    let release = target_dir.join(m.target).join("release");
    let name = format!(
        "qemu-fw-{}-{}{}{}{}{}",
        m.name,
        v.name(),
        if lean { "-lean" } else { "" },
        driver.map(|d| format!("-{d}")).unwrap_or_default(),
        if extra.is_empty() { "" } else { "-" },
        extra.replace(',', "-")
    );
    let mut features = v.features(lean);
    let mut add = Vec::new();
    if let Some(d) = driver {
        add.push(d);
    }
    if !extra.is_empty() {
        add.push(extra);
    }
    for f in add {
        // `--features a,b` or none yet: add it either way.
        match features.iter().position(|x| x == "--features") {
            Some(i) if i + 1 < features.len() => {
                features[i + 1].push(',');
                features[i + 1].push_str(f)
            }
            _ => features.extend(["--features".to_string(), f.to_string()]),
        }
    }
    let kept = release.join(&name);
    if build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(fw_dir)
            .args(["build", "--release", "--quiet", "--target", m.target])
            .args(&features)
            .arg("--manifest-path")
            .arg(fw_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir)
            .status()?;
        if !status.success() {
            return Err(format!("firmware build failed for {} {}", m.target, v.name()).into());
        }
        let built = release.join("qemu-fw");
        std::fs::copy(&built, &kept).map_err(|e| format!("{}: {e}", built.display()))?;
    }
    let dst = out.join(format!("{name}.elf"));
    std::fs::copy(&kept, &dst)
        .map_err(|e| format!("{}: {e} (build it: run without --no-build)", kept.display()))?;
    Ok(dst)
}

/// `make -C ports/qemu-c MACHINE=<machine>` (which also builds
/// `libmodemtls.a` for the machine's thumb target with cargo). The image is
/// kept as `target/qemu-c/fw/<machine>/qemu-c-fw.elf` (what `--no-build`
/// runs) and copied into `out` for the run.
pub(crate) fn build_c_fw(fw_dir: &Path, m: &Machine, out: &Path, build: bool) -> Res<PathBuf> {
    let kept_dir = fw_dir.join("../../target/qemu-c/fw").join(m.name);
    let kept = kept_dir.join("qemu-c-fw.elf");
    if build {
        let mut cmd = Command::new("make");
        cmd.arg("-s")
            .arg("-C")
            .arg(fw_dir)
            .arg(format!("MACHINE={}", m.name))
            .arg(format!("OUT={}", kept_dir.display()));
        if let Some(cargo) = std::env::var_os("CARGO") {
            cmd.arg(format!("CARGO={}", cargo.to_string_lossy()));
        }
        // The summary line of the Makefile's `size` output is not wanted here.
        let status = cmd.stdout(Stdio::null()).status()?;
        if !status.success() {
            return Err(format!("C firmware build failed for {} ({})", m.name, m.target).into());
        }
    }
    let dst = out.join(format!("qemu-c-fw-{}.elf", m.name));
    std::fs::copy(&kept, &dst)
        .map_err(|e| format!("{}: {e} (build it: run without --no-build)", kept.display()))?;
    Ok(dst)
}
