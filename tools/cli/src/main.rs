//! `modemtls`: the library's view of a real modem (or the simulator) from a
//! shell. Why does the modem fail this server, and which TLS path works?
//!
//! Commands: `info`, `doctor`, `get`, `ca upload|list|delete`, `at`,
//! `bench`. Plain text by default; `--json` prints one JSON document on
//! stdout (schemas in `tools/cli/README.md`).
//!
//! Exit codes: 0 done; 1 the operation failed (no path works, the GET
//! failed, ...); 2 bad arguments; 3 the modem cannot be reached or
//! identified; 4 the command is not supported by this tool or modem.

mod bench;
mod ca;
mod console;
mod doctor;
mod get;
mod info;
mod port;
mod suites;

use clap::{Parser, Subcommand};
use modemtls::modem::{AnyModem, Apn, Family, Modem};
use port::{CliPort, Flow, Totals};
use std::process::ExitCode;

/// Why does my modem fail this server, and which TLS path works?
#[derive(Parser, Debug)]
#[command(name = "modemtls", version, about, long_about = None)]
struct Cli {
    /// The modem's UART: a serial device, or `tcp://HOST:PORT` for the
    /// simulator or a serial-to-TCP bridge.
    #[arg(
        long,
        global = true,
        default_value = "/dev/ttyUSB2",
        env = "MODEMTLS_PORT"
    )]
    port: String,
    /// Serial speed (ignored for tcp://).
    #[arg(long, global = true, default_value_t = 115_200)]
    baud: u32,
    /// Serial flow control (ignored for tcp://).
    #[arg(long, global = true, value_enum, default_value_t = Flow::Hardware)]
    flow_control: Flow,
    /// The APN of the packet data connection ("" lets the network choose).
    #[arg(long, global = true, default_value = "")]
    apn: String,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Identity, capability table, network state and time.
    Info,
    /// Probe a server with the firmware's offer, try both TLS paths, and
    /// print a verdict per path and the configuration that works.
    Doctor(doctor::Args),
    /// An HTTPS GET through the library: the path taken and why (stderr),
    /// then the body (stdout).
    Get(get::Args),
    /// CA certificates in the modem.
    #[command(subcommand)]
    Ca(ca::Cmd),
    /// Interactive AT console: stdin lines are sent as commands, answers
    /// and URCs printed as they come.
    At(console::Args),
    /// Host TLS handshake time and line rate on the modem's link.
    Bench(bench::Args),
}

/// A failure of a command, with the exit code it maps to.
pub struct Fail {
    /// Process exit code.
    pub code: u8,
    /// What to print on stderr.
    pub msg: String,
}

impl Fail {
    /// The operation failed (exit code 1).
    pub fn op(msg: impl Into<String>) -> Self {
        Self {
            code: 1,
            msg: msg.into(),
        }
    }
    /// The modem cannot be reached or identified (exit code 3).
    pub fn modem(msg: impl Into<String>) -> Self {
        Self {
            code: 3,
            msg: msg.into(),
        }
    }
    /// Exit with `code`, having printed everything already.
    pub fn quiet(code: u8) -> Self {
        Self {
            code,
            msg: String::new(),
        }
    }
    /// Not supported (exit code 4).
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Self {
            code: 4,
            msg: msg.into(),
        }
    }
}

/// What every command gets from the global options.
pub struct Global {
    /// `--port`.
    pub port: String,
    /// `--baud`.
    pub baud: u32,
    /// `--flow-control`.
    pub flow: Flow,
    /// `--apn`.
    pub apn: String,
    /// `--json`.
    pub json: bool,
}

impl Global {
    /// Open the port (not yet talking to the modem).
    pub fn open_port(&self) -> Result<CliPort, Fail> {
        CliPort::open(&self.port, self.baud, self.flow).map_err(Fail::modem)
    }

    /// Open the port and identify the modem.
    pub fn modem(&self) -> Result<(AnyModem<CliPort>, Totals), Fail> {
        let port = self.open_port()?;
        let totals = port.totals();
        let mut modem = AnyModem::new(port);
        modem.init().map_err(|e| {
            Fail::modem(format!(
                "the modem on {} did not identify itself: {e}",
                self.port
            ))
        })?;
        Ok((modem, totals))
    }

    /// Activate the packet data connection: the local address.
    pub fn attach(&self, modem: &mut AnyModem<CliPort>) -> Result<String, Fail> {
        modem
            .attach(&Apn::new(&self.apn))
            .map(|a| a.as_str().to_string())
            .map_err(|e| Fail::op(format!("packet data connection (APN {:?}): {e}", self.apn)))
    }
}

/// A stable name of a family for scripts.
pub fn family_code(f: Family) -> &'static str {
    match f {
        Family::QuectelBg9x => "quectel-bg9x",
        Family::QuectelBc66 => "quectel-bc66",
        Family::QuectelM95 => "quectel-m95",
        Family::SierraHl => "sierra-hl",
        _ => "unknown",
    }
}

/// Split `host[:port]` (default port 443).
pub fn host_port(s: &str) -> Result<(String, u16), Fail> {
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => p
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .map(|p| (h.to_string(), p))
            .ok_or_else(|| Fail {
                code: 2,
                msg: format!("bad port in {s:?}"),
            }),
        _ if !s.is_empty() && !s.contains(':') => Ok((s.to_string(), 443)),
        _ => Err(Fail {
            code: 2,
            msg: format!("expected HOST[:PORT], got {s:?}"),
        }),
    }
}

/// Read a CA file (PEM or DER).
pub fn read_ca(path: Option<&std::path::Path>) -> Result<Option<Vec<u8>>, Fail> {
    path.map(|p| {
        std::fs::read(p).map_err(|e| Fail {
            code: 2,
            msg: format!("cannot read {}: {e}", p.display()),
        })
    })
    .transpose()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let g = Global {
        port: cli.port,
        baud: cli.baud,
        flow: cli.flow_control,
        apn: cli.apn,
        json: cli.json,
    };
    let r = match cli.cmd {
        Cmd::Info => info::run(&g),
        Cmd::Doctor(a) => doctor::run(&g, &a),
        Cmd::Get(a) => get::run(&g, &a),
        Cmd::Ca(c) => ca::run(&g, &c),
        Cmd::At(a) => console::run(&g, &a),
        Cmd::Bench(a) => bench::run(&g, &a),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.msg.is_empty() => ExitCode::from(f.code),
        Err(f) => {
            if g.json {
                let doc = serde_json::json!({"error": {"exit_code": f.code, "message": f.msg}});
                println!("{doc}");
            }
            eprintln!("modemtls: {}", f.msg);
            ExitCode::from(f.code)
        }
    }
}
