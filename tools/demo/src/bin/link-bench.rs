//! Link benchmark: handshake time and bulk throughput of both TLS paths
//! through the simulated BG96 with its UART throttled to 115200 baud 8N1
//! (11,520 bytes/s each way) and a simulated network round trip.
//!
//! For each round trip (default 100 ms, LTE-M like, and 1000 ms, NB-IoT
//! like) and each path (offload: TLS 1.2 in the modem; host: TLS 1.3 on
//! the MCU over the raw TCP socket):
//! - handshake: `connect` until the session is usable (median of 3; the
//!   first offloaded one also uploads the CA, reported separately);
//! - download: 64 KiB from the server (HTTP response body). End to end:
//!   from the request to the last byte. Line use: the bytes received over
//!   (end to end - one network round trip, the time the request needs to
//!   reach the server and the first answer to come back), as a fraction of
//!   the UART line rate. (The time of the first byte is no mark: the host
//!   path hands out nothing before a whole 16 KiB record has arrived.)
//! - upload: 16 KiB to the server. Line use: from the first byte written
//!   until the modem has taken the last one (`SEND OK`; `flush` returns);
//!   end to end: until the server's SHA-256 receipt of all 16 KiB arrives
//!   (adds one round trip).
//!
//! `cargo run --release -p modemtls-demo --bin link-bench [-- --rtt-ms 100,1000 --baud 115200]`

use embedded_io::{Read, Write};
use modemtls::auto::{self, PathCache};
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::quectel::{Bg9x, Timeouts};
use modemtls::modem::Apn;
use modemtls::port::TcpPort;
use modemtls::session::{Credential, Mode, Session, SessionConfig};
use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use modemtls_testkit::{
    server_creds, sink_reply, Behaviour, KeyKind, ServerCreds, ServerOpts, TlsServer, TlsVersions,
};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

const HOST: &str = "bench.example.test";
const DOWN: usize = 64 * 1024;
const UP: usize = 16 * 1024;

struct Mem {
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: modemtls::tls::ClientState,
}

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let baud: u32 = arg("--baud")
        .and_then(|b| b.parse().ok())
        .unwrap_or(115_200);
    let rtts: Vec<u32> = arg("--rtt-ms")
        .unwrap_or_else(|| "100,1000".into())
        .split(',')
        .filter_map(|v| v.parse().ok())
        .collect();
    let line_rate = f64::from(baud) / 10.0;
    println!(
        "link benchmark: simulated BG96, UART {baud} baud 8N1 = {line_rate:.0} bytes/s each way"
    );
    println!("server: RSA-2048 chain; offload negotiates TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, host TLS 1.3 AES-128-GCM");
    println!();
    println!(
        "{:>6} | {:>7} | {:>12} | {:>11} | {:>26} | {:>26}",
        "RTT ms",
        "path",
        "handshake ms",
        "first (+CA)",
        "64 KiB down: line use, e2e",
        "16 KiB up: line use, e2e"
    );
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let body: Vec<u8> = (0..DOWN).map(|i| (i * 7 + i / 251) as u8).collect();
    let down_srv = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        behaviour: Behaviour::Http { body: body.clone() },
        max_connections: 1000,
        conn_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_secs(120),
        ..ServerOpts::from_creds(&creds)
    })?;
    let up_srv = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Both,
        cipher_list: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        behaviour: Behaviour::Sink { expect: UP },
        max_connections: 1000,
        conn_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_secs(120),
        ..ServerOpts::from_creds(&creds)
    })?;
    for rtt in rtts {
        for mode in [Mode::Offload, Mode::Host] {
            let r = bench(baud, rtt, mode, &creds, &down_srv, &up_srv, &body)?;
            println!(
                "{:>6} | {:>7} | {:>12.0} | {:>11} | {:>6.0} B/s {:>5.1} %, {:>5.2} s | {:>6.0} B/s {:>5.1} %, {:>5.2} s",
                rtt,
                format!("{mode:?}"),
                r.handshake_ms,
                r.first_ms.map_or("-".into(), |v| format!("{v:.0}")),
                r.down_bps,
                100.0 * r.down_bps / line_rate,
                r.down_e2e_s,
                r.up_bps,
                100.0 * r.up_bps / line_rate,
                r.up_e2e_s,
            );
        }
    }
    println!("\nhandshake: median of 3 after the first; first (+CA): offload's first session, which also uploads the CA");
    Ok(())
}

struct Result1 {
    handshake_ms: f64,
    first_ms: Option<f64>,
    down_bps: f64,
    down_e2e_s: f64,
    up_bps: f64,
    up_e2e_s: f64,
}

fn bench(
    baud: u32,
    rtt: u32,
    mode: Mode,
    creds: &ServerCreds,
    down_srv: &TlsServer,
    up_srv: &TlsServer,
    body: &[u8],
) -> Result<Result1, Box<dyn std::error::Error>> {
    let sim = Simulator::spawn(
        SimConfig::new(FirmwareProfile::bg96())
            .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
            .baud(baud)
            .latency_ms(rtt / 2),
    )?;
    let mut modem = Bg9x::new(TcpPort::connect(sim.addr())?);
    modem.set_timeouts(Timeouts {
        command_ms: 20_000,
        attach_ms: 30_000,
        open_ms: 60_000,
        data_ms: 60_000,
    });
    modem.init()?;
    modem.attach(&Apn::new("internet"))?;
    let mut mem = Mem {
        read: vec![0; MIN_READ_BUF],
        write: vec![0; 4096],
        scratch: vec![0; 4096],
        state: modemtls::tls::ClientState::new(),
    };
    let cfg = |port| {
        SessionConfig::new(HOST, port)
            .trust(Credential::Pem(&creds.ca_pem))
            .mode(mode)
    };

    let mut times = Vec::new();
    let mut first_ms = None;
    for i in 0..4 {
        let t0 = Instant::now();
        let s = open(&mut modem, &mut mem, &cfg(down_srv.port()))?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        s.close()?;
        if i == 0 && mode == Mode::Offload {
            first_ms = Some(ms);
        } else if times.len() < 3 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    let handshake_ms = times[times.len() / 2];

    // Download.
    let mut s = open(&mut modem, &mut mem, &cfg(down_srv.port()))?;
    let t0 = Instant::now();
    s.write_all(format!("GET /bulk HTTP/1.1\r\nHost: {HOST}\r\n\r\n").as_bytes())?;
    s.flush()?;
    let mut got = Vec::with_capacity(DOWN + 200);
    let mut buf = vec![0u8; 2048];
    while got.len() < DOWN + 40 {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        if got.ends_with(&body[body.len() - 64..]) {
            break;
        }
    }
    let down_e2e_s = t0.elapsed().as_secs_f64();
    let down_bps = got.len() as f64 / (down_e2e_s - f64::from(rtt) / 1e3);
    let start = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?
        + 4;
    if &got[start..] != body {
        return Err("downloaded body differs".into());
    }
    let _ = s.close();

    // Upload.
    let data: Vec<u8> = (0..UP).map(|i| (i * 13 + 5) as u8).collect();
    let mut s = open(&mut modem, &mut mem, &cfg(up_srv.port()))?;
    let t0 = Instant::now();
    s.write_all(&data)?;
    s.flush()?;
    let up_bps = UP as f64 / t0.elapsed().as_secs_f64();
    let want = sink_reply(&data);
    let mut reply = Vec::new();
    while reply.len() < want.len() {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    let up_e2e_s = t0.elapsed().as_secs_f64();
    if reply != want {
        return Err(format!(
            "upload receipt differs: {:?}",
            String::from_utf8_lossy(&reply)
        )
        .into());
    }
    let _ = s.close();
    sim.shutdown();
    Ok(Result1 {
        handshake_ms,
        first_ms,
        down_bps,
        down_e2e_s,
        up_bps,
        up_e2e_s,
    })
}

fn open<'m, 'b>(
    modem: &'m mut Bg9x<TcpPort>,
    mem: &'b mut Mem,
    cfg: &SessionConfig<'_>,
) -> Result<Session<'m, 'b, Bg9x<TcpPort>>, modemtls::Error> {
    let mut rng = rand_core::OsRng;
    auto::connect::<_, _, 1>(
        modem,
        cfg,
        &mut rng,
        HostBuffers {
            read: &mut mem.read,
            write: &mut mem.write,
            scratch: &mut mem.scratch,
            state: &mut mem.state,
            ticket: None,
        },
        None::<&mut PathCache<1>>,
    )
}
