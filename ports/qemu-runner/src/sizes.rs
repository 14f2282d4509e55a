//! Image sizes, the library's share of each image (image - baseline) and
//! the footprint budgets.

use crate::*;

/// Section sizes of one firmware image.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sizes {
    /// `.vector_table` + `.text`.
    pub(crate) text: u64,
    pub(crate) rodata: u64,
    pub(crate) data: u64,
    pub(crate) bss: u64,
}

impl Sizes {
    pub(crate) fn flash(&self) -> u64 {
        self.text + self.rodata + self.data
    }
    pub(crate) fn static_ram(&self) -> u64 {
        self.data + self.bss
    }
}

pub(crate) fn sizes(elf: &Path) -> Res<Sizes> {
    let bytes = std::fs::read(elf)?;
    let file = object::File::parse(&*bytes)?;
    let mut s = Sizes::default();
    for sec in file.sections() {
        let size = sec.size();
        match sec.name().unwrap_or("") {
            ".vector_table" | ".text" => s.text += size,
            // `.ARM.exidx`: libgcc's unwind index in the C firmware (8 bytes).
            ".rodata" | ".ARM.exidx" => s.rodata += size,
            ".data" => s.data += size,
            ".bss" | ".uninit" => s.bss += size,
            _ => {}
        }
    }
    Ok(s)
}

/// Peak stack of an image: the highest over its scenarios' runs.
pub(crate) fn image_peak(reports: &[Report], machine: &str, v: Variant) -> Option<u64> {
    reports
        .iter()
        .filter(|r| r.machine == machine && r.variant == v)
        .filter_map(|r| r.stack)
        .max()
}

/// The library's share of each image (image - baseline of the same machine
/// and build), and the `--library-budget` checks. Returns the number of
/// images over their budget.
pub(crate) fn print_library_shares(
    args: &Args,
    images: &[(Machine, Variant, PathBuf, Sizes)],
    reports: &[Report],
) -> usize {
    let mut over = 0;
    let mut header = false;
    for m in &args.machines {
        let Some((_, _, _, base)) = images
            .iter()
            .find(|(im, v, _, _)| im.name == m.name && *v == Variant::Baseline)
        else {
            continue;
        };
        let base_peak = image_peak(reports, m.name, Variant::Baseline);
        for (_, v, _, s) in images
            .iter()
            .filter(|(im, v, _, _)| im.name == m.name && v.has_library_share())
        {
            if !header {
                println!("\nlibrary's share (image - baseline image of the same machine and build; bytes):");
                header = true;
            }
            let flash = s.flash() as i64 - base.flash() as i64;
            let ram = s.static_ram() as i64 - base.static_ram() as i64;
            let peak = image_peak(reports, m.name, *v);
            let stack = peak.zip(base_peak).map(|(p, b)| p as i64 - b as i64);
            println!(
                "  {:<6} {:<13} library (firmware - baseline): flash {flash}, static RAM {ram}, peak stack {} ({} - {})",
                m.name,
                v.name(),
                stack.map_or("?".into(), |d| d.to_string()),
                peak.map_or("?".into(), |p| p.to_string()),
                base_peak.map_or("?".into(), |p| p.to_string()),
            );
            for (_, max_flash, max_ram) in args.library_budget.iter().filter(|(bv, _, _)| bv == v) {
                let (max_flash, max_ram) = (*max_flash, *max_ram);
                let total = stack.map(|d| ram + d);
                let ok = flash <= max_flash as i64 && total.is_some_and(|r| r <= max_ram as i64);
                println!(
                    "  {:<6} {:<13} library budget flash {flash} / {max_flash}, RAM {} / {max_ram}: {}",
                    m.name,
                    v.name(),
                    total.map_or("?".into(), |r| r.to_string()),
                    if ok { "within" } else { "OVER BUDGET" }
                );
                if !ok {
                    over += 1;
                }
            }
        }
    }
    over
}
