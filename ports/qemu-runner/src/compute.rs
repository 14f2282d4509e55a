//! The compute scenarios' instruction-count tables.

use crate::*;

/// Median, minimum and maximum of some samples.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stat {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) n: usize,
}

impl Stat {
    pub(crate) fn of(v: &[f64]) -> Option<Stat> {
        if v.is_empty() {
            return None;
        }
        let mut v = v.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Stat {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }
    /// (max - min) / median, percent.
    pub(crate) fn spread_pct(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / self.median * 100.0
        }
    }
}

pub(crate) fn mega(v: f64) -> String {
    format!("{:.3} M", v / 1e6)
}

/// All values of `key` over the runs.
pub(crate) fn samples(runs: &[&Report], key: &str) -> Vec<f64> {
    runs.iter()
        .flat_map(|r| r.compute.iter())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| *v as f64)
        .collect()
}

/// One value per run, computed from that run's figures (`None` skips the run).
pub(crate) fn per_run(runs: &[&Report], f: impl Fn(&Report) -> Option<f64>) -> Vec<f64> {
    runs.iter().filter_map(|r| f(r)).collect()
}

pub(crate) fn get(r: &Report, key: &str) -> Option<f64> {
    r.compute
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| *v as f64)
}

/// Median of all values of `key` in one run.
pub(crate) fn run_median(r: &Report, key: &str) -> Option<f64> {
    Stat::of(&samples(&[r], key)).map(|s| s.median)
}

/// The markdown tables of the compute scenarios (one per machine).
pub(crate) fn print_compute_tables(reports: &[Report], args: &Args) {
    /// Cycles per instruction assumed for the time estimate.
    const CPI: f64 = 1.25;
    type RowFn<'a> = Box<dyn Fn(&[&Report]) -> Vec<f64> + 'a>;
    pub(crate) fn key<'a>(k: &'a str) -> RowFn<'a> {
        Box::new(move |runs: &[&Report]| samples(runs, k))
    }
    pub(crate) fn derived<'a>(f: impl Fn(&Report) -> Option<f64> + 'a) -> RowFn<'a> {
        Box::new(move |runs: &[&Report]| per_run(runs, &f))
    }
    // The parts of one run's handshake.
    pub(crate) fn ecdhe(r: &Report) -> Option<f64> {
        run_median(r, "ecdhe")
    }
    pub(crate) fn rest(r: &Report) -> Option<f64> {
        Some(get(r, "hs.total")? - ecdhe(r)? - get(r, "hs.chain")? - get(r, "hs.cv")?)
    }
    pub(crate) fn rest_tls(r: &Report) -> Option<f64> {
        Some(rest(r)? - get(r, "hs.setup")?)
    }

    for m in &args.machines {
        let runs_of = |sc: Scenario| -> Vec<&Report> {
            reports
                .iter()
                .filter(|r| r.machine == m.name && r.kind == sc && r.pass)
                .collect()
        };
        let cols: Vec<(&str, Vec<&Report>)> = [
            ("P-256 chain", Scenario::ComputeP256),
            ("RSA-2048 chain", Scenario::ComputeRsa2048),
        ]
        .into_iter()
        .filter(|(_, sc)| args.scenarios.contains(sc))
        .map(|(name, sc)| (name, runs_of(sc)))
        .collect();
        if cols.iter().all(|(_, r)| r.is_empty()) {
            continue;
        }
        let rows: Vec<(&str, RowFn)> = vec![
            ("key exchange: P-256 ECDHE (key pair + shared secret)", derived(ecdhe)),
            ("chain verification (server's chain of 3)", key("hs.chain")),
            ("CertificateVerify", key("hs.cv")),
            ("rest", derived(rest)),
            ("- of which session setup: CA PEM decode, `AT+QLTS` time, `AT+QIOPEN`", key("hs.setup")),
            ("- of which TLS: key schedule, AES-GCM, SHA-256 transcript, parsing, AT `QISEND`/`QIRD`", derived(rest_tls)),
            ("**total** (excluding UART polling)", key("hs.total")),
            ("check: plain `modemtls::host::connect`, same server", key("lib.total")),
            ("resumed handshake (ticket from the session before: no certificate, no signature)", key("res.total")),
        ];
        let detail: Vec<(&str, RowFn)> = vec![
            (
                "ECDHE: key pair + encoded share (ClientHello)",
                key("ecdhe.keygen"),
            ),
            (
                "ECDHE: decode server share + shared secret (ServerHello)",
                key("ecdhe.shared"),
            ),
            (
                "`PkiVerifier::verify_chain` alone, captured chain",
                key("rerun.chain"),
            ),
            (
                "`PkiVerifier::verify_certificate_verify` alone, captured signature",
                key("rerun.cv"),
            ),
            (
                "recorded P-256 data (tools/pki-bench): `verify_chain`",
                key("ref.p256.chain"),
            ),
            (
                "recorded P-256 data: `verify_certificate_verify`",
                key("ref.p256.cv"),
            ),
            (
                "recorded RSA-2048 data: `verify_chain`",
                key("ref.rsa.chain"),
            ),
            (
                "recorded RSA-2048 data: `verify_certificate_verify` (PSS)",
                key("ref.rsa.cv"),
            ),
            (
                "excluded: instructions inside the UART port (polling)",
                key("hs.port"),
            ),
            (
                "calibration: loop of 2,000,000 instructions",
                key("calib.2m"),
            ),
            (
                "calibration: two counter reads back to back",
                key("calib.empty"),
            ),
        ];

        println!(
            "\n### Instructions per host TLS 1.3 handshake, {} ({}), release build (opt-level \"s\", LTO)\n",
            m.qemu_machine, m.cpu
        );
        let mut head = String::from("| part |");
        let mut rule = String::from("|---|");
        for (n, runs) in &cols {
            head.push_str(&format!(
                " {n}: instructions | share | spread ({} runs) |",
                runs.len()
            ));
            rule.push_str("---:|---:|---:|");
        }
        println!("{head}\n{rule}");
        let total_of = |runs: &[&Report]| Stat::of(&samples(runs, "hs.total"));
        for (name, f) in &rows {
            let mut line = format!("| {name} |");
            for (_, runs) in &cols {
                match Stat::of(&f(runs)) {
                    Some(s) => {
                        let share = match total_of(runs) {
                            Some(t)
                                if !name.contains("total")
                                    && !name.starts_with("check")
                                    && !name.starts_with("resumed") =>
                            {
                                format!("{:.1} %", s.median / t.median * 100.0)
                            }
                            _ => String::new(),
                        };
                        line.push_str(&format!(
                            " {} | {share} | {:.3} % |",
                            mega(s.median),
                            s.spread_pct()
                        ));
                    }
                    None => line.push_str(" ? | | |"),
                }
            }
            println!("{line}");
        }

        // The cycles-per-instruction assumption is for the Cortex-M4
        // (single-cycle UMULL/UMLAL), not for the Cortex-M3.
        if m.cpu == "cortex-m4" {
            println!(
                "\nCortex-M4 time of the total, ESTIMATE (not measured): {CPI} cycles per instruction assumed, flash wait states not modelled:\n"
            );
            let mut head = String::from("| core clock |");
            let mut rule = String::from("|---|");
            for (n, _) in &cols {
                head.push_str(&format!(" {n} |"));
                rule.push_str("---:|");
            }
            println!("{head}\n{rule}");
            for mhz in [64.0, 120.0] {
                let mut line = format!("| {mhz:.0} MHz |");
                for (_, runs) in &cols {
                    match total_of(runs) {
                        Some(t) => line
                            .push_str(&format!(" ~{:.0} ms |", t.median * CPI / (mhz * 1e6) * 1e3)),
                        None => line.push_str(" ? |"),
                    }
                }
                println!("{line}");
            }
        }

        println!("\nDetail (median over all samples; spread = (max - min) / median):\n");
        let mut head = String::from("| figure |");
        let mut rule = String::from("|---|");
        for (n, _) in &cols {
            head.push_str(&format!(" {n}: instructions | spread (samples) |"));
            rule.push_str("---:|---:|");
        }
        println!("{head}\n{rule}");
        for (name, f) in &detail {
            let mut line = format!("| {name} |");
            for (_, runs) in &cols {
                match Stat::of(&f(runs)) {
                    Some(s) if name.starts_with("calibration") => line.push_str(&format!(
                        " {:.0} (min {:.0}, max {:.0}) | ({}) |",
                        s.median, s.min, s.max, s.n
                    )),
                    Some(s) => line.push_str(&format!(
                        " {} | {:.3} % ({}) |",
                        mega(s.median),
                        s.spread_pct(),
                        s.n
                    )),
                    None => line.push_str(" ? | |"),
                }
            }
            println!("{line}");
        }
        for (name, prefix) in [
            ("UART bytes written / read per handshake", "hs"),
            ("UART bytes written / read per resumed handshake", "res"),
        ] {
            let mut line = format!("| {name} |");
            for (_, runs) in &cols {
                let o = Stat::of(&samples(runs, &format!("{prefix}.bytes_out")));
                let i = Stat::of(&samples(runs, &format!("{prefix}.bytes_in")));
                match (o, i) {
                    (Some(o), Some(i)) => {
                        line.push_str(&format!(" {:.0} / {:.0} | |", o.median, i.median))
                    }
                    _ => line.push_str(" ? | |"),
                }
            }
            println!("{line}");
        }
    }
}
