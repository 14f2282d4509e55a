//! `modemtls-sim`: a simulated Quectel modem on a TCP "UART", for QEMU
//! firmware and manual testing.
//!
//! ```text
//! modemtls-sim --listen 127.0.0.1:5555 --profile bg96|bg96-nosni|bg95
//!              [--host name=127.0.0.1]... [--baud 115200] [--latency-ms 100] [--quiet]
//! ```

use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use std::net::{IpAddr, SocketAddr};

const USAGE: &str = "usage: modemtls-sim --listen 127.0.0.1:5555 --profile bg96|bg96-nosni|bg95 \
[--host name=IP]... [--baud N] [--latency-ms N] [--no-banner] [--urc-noise] [--network-time UNIX] [--quiet]";

fn fail(msg: &str) -> ! {
    eprintln!("modemtls-sim: {msg}\n{USAGE}");
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 5555));
    let mut cfg = SimConfig::new(FirmwareProfile::bg96());
    let mut quiet = false;
    while let Some(a) = args.next() {
        let mut val = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--listen" => {
                listen = val("--listen")
                    .parse()
                    .unwrap_or_else(|_| fail("bad --listen address"))
            }
            "--profile" => {
                let p = val("--profile");
                cfg.profile = FirmwareProfile::by_name(&p)
                    .unwrap_or_else(|| fail(&format!("unknown profile {p}")));
            }
            "--host" => {
                let h = val("--host");
                let (name, ip) = h
                    .split_once('=')
                    .unwrap_or_else(|| fail("--host wants name=IP"));
                let ip: IpAddr = ip.parse().unwrap_or_else(|_| fail("bad IP in --host"));
                cfg.hosts.push((name.to_string(), ip));
            }
            "--baud" => {
                cfg.baud = Some(val("--baud").parse().unwrap_or_else(|_| fail("bad --baud")))
            }
            "--latency-ms" => {
                cfg.latency_ms = val("--latency-ms")
                    .parse()
                    .unwrap_or_else(|_| fail("bad --latency-ms"))
            }
            "--network-time" => {
                cfg.network_time = Some(
                    val("--network-time")
                        .parse()
                        .unwrap_or_else(|_| fail("bad --network-time")),
                )
            }
            "--no-banner" => cfg.boot_banner = false,
            "--urc-noise" => cfg.urc_noise = true,
            "--quiet" | "-q" => quiet = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let sim = Simulator::spawn_on(cfg, listen, !quiet)
        .unwrap_or_else(|e| fail(&format!("cannot listen on {listen}: {e}")));
    println!("modemtls-sim listening on {}", sim.addr());
    loop {
        std::thread::park();
    }
}
