//! `modemtls bench HOST[:PORT]`: the host TLS 1.3 handshake's time and
//! UART bytes, then an HTTP GET's download rate on the link (payload and
//! UART bytes per second, and the share of the line rate on a serial port).

use crate::{host_port, read_ca, Fail, Global};
use embedded_io::{Read, Write};
use modemtls::error::Error;
use modemtls::host::{self, HostBuffers, MIN_READ_BUF};
use modemtls::session::{Credential, Mode, SessionConfig};
use std::path::PathBuf;
use std::time::Instant;

/// `bench` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The server, `HOST[:PORT]` (port 443 by default).
    target: String,
    /// The CA that signs the server's chain (PEM or DER).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// The path to GET for the download rate.
    #[arg(long, default_value = "/")]
    path: String,
    /// Handshakes to time.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
}

pub fn run(g: &Global, args: &Args) -> Result<(), Fail> {
    let (host, port) = host_port(&args.target)?;
    let ca = read_ca(args.ca.as_deref())?;
    let (mut modem, totals) = g.modem()?;
    g.attach(&mut modem)?;
    let mut cfg = SessionConfig::new(&host, port).mode(Mode::Host);
    if let Some(c) = ca.as_deref() {
        cfg = cfg.trust(Credential::detect(c));
    }
    let (mut read, mut write, mut scratch) =
        (vec![0u8; MIN_READ_BUF], vec![0u8; 4096], vec![0u8; 8192]);
    let mut state = modemtls::tls::ClientState::new();
    let io = |e: Error| Fail::op(format!("{host}:{port}: {e}"));
    let mut rounds = Vec::new();
    let (mut got, mut dl_secs, mut dl_uart) = (0usize, 0f64, 0u64);
    for round in 0..args.rounds.max(1) {
        let (o0, i0) = totals.get();
        let start = Instant::now();
        let mut s = host::connect(
            &mut modem,
            &cfg,
            &mut rand_core::OsRng,
            HostBuffers {
                read: &mut read,
                write: &mut write,
                scratch: &mut scratch,
                state: &mut state,
                ticket: None,
            },
        )
        .map_err(io)?;
        let hs = start.elapsed().as_secs_f64();
        let (o1, i1) = totals.get();
        rounds.push((hs, o1 - o0, i1 - i0));
        if round == 0 {
            let req = format!(
                "GET {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
                args.path
            );
            s.write_all(req.as_bytes()).map_err(io)?;
            s.flush().map_err(io)?;
            let start = Instant::now();
            let mut buf = [0u8; 2048];
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(Error::Closed) if got > 0 => break,
                    Err(e) => return Err(io(e)),
                }
            }
            dl_secs = start.elapsed().as_secs_f64();
            dl_uart = totals.get().1 - i1;
        }
        let _ = s.close();
    }
    let line = (!g.port.starts_with("tcp://")).then(|| f64::from(g.baud) / 10.0);
    let rate = got as f64 / dl_secs.max(1e-9);
    let uart_rate = dl_uart as f64 / dl_secs.max(1e-9);
    if g.json {
        let doc = serde_json::json!({
            "schema": "modemtls-cli/bench/1",
            "server": {"host": host, "port": port},
            "handshakes": rounds.iter().map(|(s, o, i)| serde_json::json!({
                "seconds": s, "uart_out": o, "uart_in": i,
            })).collect::<Vec<_>>(),
            "download": {
                "bytes": got, "seconds": dl_secs, "bytes_per_sec": rate,
                "uart_bytes_in": dl_uart, "uart_bytes_per_sec": uart_rate,
                "line_bytes_per_sec": line,
            },
        });
        println!("{doc:#}");
        return Ok(());
    }
    println!(
        "host TLS 1.3 to {host}:{port} through the modem on {}",
        g.port
    );
    for (k, (s, o, i)) in rounds.iter().enumerate() {
        println!(
            "  handshake {}: {:.3} s, UART {o} bytes out, {i} bytes in",
            k + 1,
            s
        );
    }
    println!(
        "  GET {}: {got} bytes (response) in {dl_secs:.3} s = {rate:.0} B/s; UART {dl_uart} bytes in = {uart_rate:.0} B/s",
        args.path
    );
    match line {
        Some(l) => println!(
            "  line rate {} baud 8N1 = {l:.0} B/s each way: {:.0}% used by the download",
            g.baud,
            100.0 * uart_rate / l
        ),
        None => println!(
            "  line rate: unknown on a tcp:// port (the simulator's own baud setting applies)"
        ),
    }
    Ok(())
}
