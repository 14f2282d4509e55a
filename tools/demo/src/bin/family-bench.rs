//! What each modem family costs on its link: a host TLS 1.3 handshake and
//! 16 KiB sent over a raw TCP socket of the simulated modem, through
//! `AnyModem` (the family picked at init, as the C ABI does).
//!
//! Links: the UART at 115200 baud 8N1 (11,520 bytes/s each way) with a
//! 100 ms network round trip (LTE-M/NB-IoT like); the M66/M95 on the
//! simulator's GPRS link (40 kbit/s, 600 ms round trip).
//!
//! Framing on the UART, per family:
//! - BG96: binary payloads after a `> ` prompt (`AT+QISEND=<id>,<n>`), up to
//!   1,460 bytes a command;
//! - BC66: hex payloads (`"dataformat",1,1`), twice the bytes, up to 512 a
//!   command;
//! - M66/M95: binary after a CR LF `> ` prompt (`AT+QISEND=<id>,<n>`);
//! - HL8548/HL78xx: binary after `CONNECT`, ended by `--EOF--Pattern--`
//!   (`AT+KTCPSND=<session>,<n>`).
//!
//! Printed per profile: the handshake's time and UART bytes out/in (a P-256
//! chain of three from an in-process TLS 1.3 server), then the upload's
//! time, payload rate and that rate as a fraction of the line rate.
//!
//! `cargo run --release -p modemtls-demo --bin family-bench [-- --profile NAME]`

use embedded_io::Write;
use modemtls::host::{self, HostBuffers, MIN_READ_BUF};
use modemtls::modem::{AnyModem, Apn, Modem, TcpSocket, Timeouts};
use modemtls::port::{Port, PortError, TcpPort};
use modemtls::session::{Credential, Mode, SessionConfig};
use modemtls::tls::ClientState;
use modemtls_sim::config::{GPRS_BAUD, GPRS_LATENCY_MS};
use modemtls_sim::{Family, FirmwareProfile, SimConfig, Simulator};
use modemtls_testkit::{server_creds, Behaviour, KeyKind, ServerOpts, TlsServer, TlsVersions};
use std::cell::Cell;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::rc::Rc;
use std::time::{Duration, Instant};

const HOST: &str = "bench.example.test";
const UP: usize = 16 * 1024;
const BAUD: u32 = 115_200;

/// Every profile the library drives, with its UART framing.
const PROFILES: [(&str, &str); 8] = [
    ("bg96", "binary after `> `, 1460/cmd"),
    ("bc66", "hex after `> `, 512/cmd"),
    ("m95", "binary after CR LF `> `"),
    ("m66", "binary after CR LF `> `"),
    ("hl8548", "CONNECT .. --EOF--Pattern--"),
    ("hl78xx-4.5", "CONNECT .. --EOF--Pattern--"),
    ("hl78xx-4.6", "CONNECT .. --EOF--Pattern--"),
    ("bg95", "binary after `> `, 1460/cmd"),
];

/// The UART's bytes each way so far (shared with the port the driver owns).
#[derive(Clone, Default)]
struct Totals(Rc<Cell<(u64, u64)>>);

/// A port that counts the UART's bytes each way.
struct Counting {
    inner: TcpPort,
    totals: Totals,
}

impl Port for Counting {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        let (o, i) = self.totals.0.get();
        self.totals.0.set((o + data.len() as u64, i));
        self.inner.write_all(data)
    }
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        let n = self.inner.read(buf, timeout_ms)?;
        let (o, i) = self.totals.0.get();
        self.totals.0.set((o, i + n as u64));
        Ok(n)
    }
    fn now_ms(&mut self) -> u64 {
        self.inner.now_ms()
    }
}

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let only = arg("--profile");
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls13Only,
        behaviour: Behaviour::Http {
            body: b"ok\n".to_vec(),
        },
        ..ServerOpts::from_creds(&creds)
    })?;
    println!(
        "host TLS 1.3 handshake (P-256 chain of three) and 16 KiB up a raw TCP socket, per modem family"
    );
    println!(
        "{:<11} {:<30} {:<22} {:>10} {:>15} {:>8} {:>11} {:>9}",
        "profile",
        "framing",
        "link",
        "handshake",
        "UART out/in B",
        "up s",
        "payload B/s",
        "line use"
    );
    for (profile, framing) in PROFILES {
        if only.as_deref().is_some_and(|o| o != profile) {
            continue;
        }
        let p = FirmwareProfile::by_name(profile).ok_or("profile")?;
        let gprs = p.family == Family::QuectelM95;
        let (baud, latency) = if gprs {
            (GPRS_BAUD, GPRS_LATENCY_MS)
        } else {
            (BAUD, 50)
        };
        let sim = Simulator::spawn(
            SimConfig::new(p)
                .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
                .baud(baud)
                .latency_ms(latency),
        )?;
        let totals = Totals::default();
        let port = Counting {
            inner: TcpPort::connect(sim.addr())?,
            totals: totals.clone(),
        };
        let mut modem = AnyModem::new(port);
        modem.set_timeouts(Timeouts {
            command_ms: 20_000,
            attach_ms: 30_000,
            open_ms: 60_000,
            data_ms: 60_000,
        });
        modem.init()?;
        modem.attach(&Apn::new("internet"))?;

        // The handshake, counted from the socket's open to the session.
        let (mut read, mut write, mut scratch) =
            (vec![0u8; MIN_READ_BUF], vec![0u8; 4096], vec![0u8; 4096]);
        let mut state = ClientState::new();
        let cfg = SessionConfig::new(HOST, server.port())
            .trust(Credential::Pem(&creds.ca_pem))
            .mode(Mode::Host);
        let bufs = HostBuffers {
            read: &mut read,
            write: &mut write,
            scratch: &mut scratch,
            state: &mut state,
            ticket: None,
        };
        let (out0, in0) = totals.0.get();
        let start = Instant::now();
        let s = host::connect(&mut modem, &cfg, &mut rand_core::OsRng, bufs)?;
        let handshake = start.elapsed();
        s.close()?;
        let (out1, in1) = totals.0.get();

        // 16 KiB up.
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let sink_port = listener.local_addr()?.port();
        let sink = std::thread::spawn(move || -> std::io::Result<usize> {
            let (mut c, _) = listener.accept()?;
            let mut all = Vec::new();
            c.read_to_end(&mut all)?;
            Ok(all.len())
        });
        let data: Vec<u8> = (0..UP).map(|i| (i * 7 % 256) as u8).collect();
        let mut sock = TcpSocket::connect(&mut modem, HOST, sink_port)?;
        let start = Instant::now();
        sock.write_all(&data)?;
        let took = start.elapsed();
        sock.close()?;
        let got = sink.join().map_err(|_| "sink")??;
        if got != UP {
            return Err(format!("{profile}: the server got {got} of {UP} bytes").into());
        }
        let line_rate = f64::from(baud) / 10.0;
        let rate = UP as f64 / took.as_secs_f64().max(1e-9);
        println!(
            "{:<11} {:<30} {:<22} {:>8.2} s {:>15} {:>8.2} {:>11.0} {:>8.0}%",
            profile,
            framing,
            format!(
                "{} bit/s, RTT {} ms{}",
                baud,
                2 * latency,
                if gprs { " GPRS" } else { "" }
            ),
            handshake.as_secs_f64(),
            format!("{}/{}", out1 - out0, in1 - in0),
            took.as_secs_f64(),
            rate,
            100.0 * rate / line_rate
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
