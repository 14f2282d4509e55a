//! What each modem family's data framing costs on the UART: 16 KiB sent
//! over a raw TCP socket of the simulated modem, its UART throttled to
//! 115200 baud 8N1 (11,520 bytes/s each way), through `AnyModem` (the
//! family picked at init, as the C ABI does).
//!
//! - BG96: binary payloads after a `> ` prompt (`AT+QISEND=<id>,<n>`), up to
//!   1,460 bytes a command.
//! - BC66: hex payloads (`"dataformat",1,1`: a flipped bit on the UART shows
//!   up as a malformed digit), twice the bytes, up to 512 bytes a command.
//! - M95: binary payloads after a CR LF `> ` prompt
//!   (`AT+QISEND=<id>,<n>`), up to 1,460 bytes a command.
//!
//! Printed per family: the time until the modem took the last byte, the
//! payload rate, and that rate as a fraction of the line rate.
//!
//! `cargo run --release -p modemtls-demo --bin family-bench [-- --baud 115200]`

use embedded_io::Write;
use modemtls::modem::{AnyModem, Apn, Modem, TcpSocket, Timeouts};
use modemtls::port::TcpPort;
use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

const HOST: &str = "bench.example.test";
const UP: usize = 16 * 1024;

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let baud: u32 = arg("--baud")
        .and_then(|b| b.parse().ok())
        .unwrap_or(115_200);
    let line_rate = f64::from(baud) / 10.0;
    println!("16 KiB over a raw TCP socket, UART {baud} baud 8N1 ({line_rate:.0} bytes/s)");
    println!(
        "{:<8} {:<28} {:>9} {:>12} {:>10}",
        "profile", "framing", "time s", "payload B/s", "line use"
    );
    for (profile, framing) in [
        ("bg96", "binary after `> `, 1460/cmd"),
        ("bc66", "hex after `> `, 512/cmd"),
        ("m95", "binary, CR LF `> `, 1460/cmd"),
    ] {
        let p = FirmwareProfile::by_name(profile).ok_or("profile")?;
        let sim = Simulator::spawn(
            SimConfig::new(p)
                .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
                .baud(baud),
        )?;
        let mut modem = AnyModem::new(TcpPort::connect(sim.addr())?);
        modem.set_timeouts(Timeouts {
            command_ms: 10_000,
            attach_ms: 20_000,
            open_ms: 20_000,
            data_ms: 30_000,
        });
        modem.init()?;
        modem.attach(&Apn::new("internet"))?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let sink = std::thread::spawn(move || -> std::io::Result<usize> {
            let (mut c, _) = listener.accept()?;
            let mut all = Vec::new();
            c.read_to_end(&mut all)?;
            Ok(all.len())
        });
        let data: Vec<u8> = (0..UP).map(|i| (i * 7 % 256) as u8).collect();
        let mut sock = TcpSocket::connect(&mut modem, HOST, port)?;
        let start = Instant::now();
        sock.write_all(&data)?;
        let took = start.elapsed();
        sock.close()?;
        let got = sink.join().map_err(|_| "sink")??;
        if got != UP {
            return Err(format!("{profile}: the server got {got} of {UP} bytes").into());
        }
        let rate = UP as f64 / took.as_secs_f64().max(1e-9);
        println!(
            "{:<8} {:<28} {:>9.2} {:>12.0} {:>9.0}%",
            profile,
            framing,
            took.as_secs_f64(),
            rate,
            100.0 * rate / line_rate
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
