//! # modemtls-sim
//!
//! A simulated cellular modem for testing `modemtls` without hardware:
//! Quectel BG96/BG95/BG77 or BC66/BC660K, chosen by the
//! [`FirmwareProfile`] ([`FirmwareProfile::by_name`]: `bg96`, `bg96-nosni`,
//! `bg95`, `bc66`, `bc660k`). The "UART" is a TCP connection to
//! [`SimHandle::addr`]; each connection is a power-on (unless
//! [`SimConfig::keep_power`]). The simulator answers
//! the AT dialect byte-exactly, opens real TCP connections, and emulates the
//! firmware's TLS client with OpenSSL restricted to the firmware's cipher
//! table, TLS versions, SNI setting and CA handling, so that handshakes fail
//! for the same reasons as on hardware.
//!
//! Layout: [`core`] is the family-neutral modem (UART loop, line assembly,
//! echo, CME errors, URC queue, faults, restarts, the socket table over
//! [`tcp`], payloads after a prompt); [`tls`] the firmware TLS emulation
//! from a neutral [`tls::TlsProfile`]; one module per AT dialect implements
//! [`core::Dialect`]: [`quectel_bg9x`] (`../shared/reference/at-commands.md`
//! §0, §1) and [`quectel_bc66`] (`docs/dialects/bc66.md`).
//!
//! The Sierra Wireless HL8548 / HL78xx "K" commands are [`sierra_hl`]
//! (`docs/dialects/sierra-hl.md`; profiles `hl8548`, `hl78xx-4.5`,
//! `hl78xx-4.6`).
//!
//! ```no_run
//! use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
//! use std::net::{IpAddr, Ipv4Addr};
//! let sim = Simulator::spawn(
//!     SimConfig::new(FirmwareProfile::bg96()).host("server.test", IpAddr::V4(Ipv4Addr::LOCALHOST)),
//! )
//! .unwrap();
//! let uart = std::net::TcpStream::connect(sim.addr()).unwrap();
//! # drop(uart);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checksum;
pub mod ciphers;
pub mod clock;
pub mod config;
pub mod core;
pub mod fault;
pub mod files;
pub mod params;
pub mod quectel_bc66;
pub mod quectel_bg9x;
pub mod quectel_m95;
pub mod shared;
pub mod sierra_hl;
pub mod tcp;
pub mod tls;
pub mod uart;

pub use config::{Family, FirmwareProfile, SimConfig, TlsVersion};
pub use fault::{Direction, Fault, FaultKind, Rate, RateKind};
pub use tcp::Kind as SocketKind;

use crate::core::Dialect;
use shared::{lock, Shared};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Entry point: starts simulated modems.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Starts a simulator listening on `127.0.0.1:<ephemeral>`.
    pub fn spawn(cfg: SimConfig) -> io::Result<SimHandle> {
        Self::spawn_on(cfg, SocketAddr::from(([127, 0, 0, 1], 0)), false)
    }

    /// Starts a simulator listening on `listen`; with `log_stderr` the
    /// transcript is also printed to stderr as it grows.
    pub fn spawn_on(cfg: SimConfig, listen: SocketAddr, log_stderr: bool) -> io::Result<SimHandle> {
        let listener = TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(cfg, log_stderr));
        let sh = shared.clone();
        let thread = std::thread::Builder::new()
            .name("sim-uart-accept".into())
            .spawn(move || accept_loop(&sh, &listener))?;
        shared.log(&format!(
            "simulator {} {} listening on {addr}",
            shared.cfg.profile.model, shared.cfg.profile.revision
        ));
        Ok(SimHandle {
            control: SimControl { shared },
            addr,
            thread: Some(thread),
        })
    }
}

/// A powered-on modem of one family.
enum Modem {
    SierraHl(sierra_hl::Session),
    Bg9x(quectel_bg9x::Session),
    Bc66(quectel_bc66::Session),
    M95(quectel_m95::Session),
}

impl Modem {
    fn power_on(sh: &Arc<Shared>, uart: uart::Uart) -> Modem {
        match sh.cfg.profile.family {
            Family::SierraHl => Modem::SierraHl(sierra_hl::Session::new(sh.clone(), uart)),
            Family::QuectelBg9x => Modem::Bg9x(quectel_bg9x::Session::new(sh.clone(), uart)),
            Family::QuectelBc66 => Modem::Bc66(quectel_bc66::Session::new(sh.clone(), uart)),
            Family::QuectelM95 => Modem::M95(quectel_m95::Session::new(sh.clone(), uart)),
        }
    }

    fn run(self) -> Option<Modem> {
        match self {
            Modem::SierraHl(s) => Dialect::run(s).map(Modem::SierraHl),
            Modem::Bg9x(s) => Dialect::run(s).map(Modem::Bg9x),
            Modem::Bc66(s) => Dialect::run(s).map(Modem::Bc66),
            Modem::M95(s) => Dialect::run(s).map(Modem::M95),
        }
    }

    fn reattach(&mut self, u: uart::Uart) {
        match self {
            Modem::SierraHl(s) => Dialect::reattach(s, u),
            Modem::Bg9x(s) => Dialect::reattach(s, u),
            Modem::Bc66(s) => Dialect::reattach(s, u),
            Modem::M95(s) => Dialect::reattach(s, u),
        }
    }

    fn power_off(self) {
        match self {
            Modem::SierraHl(s) => Dialect::power_off(s),
            Modem::Bg9x(s) => Dialect::power_off(s),
            Modem::Bc66(s) => Dialect::power_off(s),
            Modem::M95(s) => Dialect::power_off(s),
        }
    }
}

fn accept_loop(sh: &Arc<Shared>, listener: &TcpListener) {
    // A modem whose UART was dropped, waiting for the next connection.
    let mut parked: Option<Modem> = None;
    while !sh.stopping() {
        match listener.accept() {
            Ok((stream, peer)) => {
                if stream.set_nonblocking(false).is_err() {
                    continue;
                }
                sh.log(&format!("UART connection from {peer}"));
                match uart::Uart::new(stream, sh.cfg.baud) {
                    Ok(u) => {
                        let session = match parked.take() {
                            Some(mut s) => {
                                s.reattach(u);
                                s
                            }
                            None => Modem::power_on(sh, u),
                        };
                        parked = session.run();
                    }
                    Err(e) => sh.log(&format!("UART setup failed: {e}")),
                }
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                sh.log(&format!("accept failed: {e}"));
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    if let Some(s) = parked {
        s.power_off();
    }
}

/// A running simulator. Dropping it shuts it down. It dereferences to
/// [`SimControl`] (files, commands, faults).
#[derive(Debug)]
pub struct SimHandle {
    control: SimControl,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

/// What a test can see and do to a running simulator; clones of it can be
/// moved to other threads (e.g. to make the modem restart later) and do
/// not keep the simulator running.
#[derive(Clone, Debug)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl std::ops::Deref for SimHandle {
    type Target = SimControl;
    fn deref(&self) -> &SimControl {
        &self.control
    }
}

impl SimHandle {
    /// Address of the simulated UART (connect a TCP stream to it).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A [`SimControl`] for another thread.
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    /// Stops all threads and closes all sockets (also done on drop).
    pub fn shutdown(self) {}
}

impl SimControl {
    /// The modem's file store (kept across UART connections), sorted by name.
    /// A BC66/BC660K has no file system: its certificates show here as
    /// `NVRAM:cacert`, `NVRAM:clientcert` and `NVRAM:clientkey`.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        self.shared.files.all()
    }

    /// How many received command lines start with `prefix` (case-sensitive,
    /// as sent), e.g. `command_count("AT+QFUPL")`.
    pub fn command_count(&self, prefix: &str) -> usize {
        lock(&self.shared.commands)
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    }

    /// Every received command line, in order.
    pub fn commands(&self) -> Vec<String> {
        lock(&self.shared.commands).clone()
    }

    /// The human-readable log: commands (`->`), responses (`<-`) and network
    /// and TLS events (offered and negotiated version and cipher, whether
    /// SNI was sent, the verification result or the OpenSSL error).
    pub fn transcript(&self) -> String {
        lock(&self.shared.transcript).clone()
    }

    /// Sends `"\r\n<line>\r\n"` to the UART at the next safe point (between
    /// responses, never inside a prompt or payload).
    pub fn inject_urc(&self, line: &str) {
        lock(&self.shared.injected).push_back(line.to_string());
    }

    /// The network deactivates PDP context `cid`: its sockets stop (state
    /// 4, to be released with `QICLOSE`/`QSSLCLOSE`) and the modem emits
    /// `+QIURC: "pdpdeact",<cid>`. Ignored when the context is not active.
    pub fn drop_pdp(&self, cid: u8) {
        lock(&self.shared.pdp_drops).push_back(cid);
    }

    /// Damage the modem's output once, as `fault` says (see [`fault`]).
    pub fn inject_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// The modem restarts (a power dip, a watchdog): it drops every socket
    /// and RAM file and its settings, is silent for `quiet`, then says
    /// `RDY` and `APP RDY` on the same UART (a BC66/BC660K says `RDY` and
    /// keeps its certificates).
    pub fn reboot(&self, quiet: Duration) {
        lock(&self.shared.reboots).push_back(quiet);
    }

    /// Damage the modem's input once: `kind` at byte `at` of what it
    /// receives from now on (`after` is ignored). A damaged command or
    /// payload on its way to the modem.
    pub fn inject_input_fault(&self, at: usize, kind: FaultKind) {
        lock(&self.shared.input_faults).push_armed(Fault {
            after: String::new(),
            at,
            kind,
        });
    }

    /// Faults injected and not applied yet (output and input).
    pub fn faults_pending(&self) -> usize {
        lock(&self.shared.faults).pending() + lock(&self.shared.input_faults).pending()
    }

    /// Sockets (TCP and SSL) the modem holds open, as of its last poll (a
    /// few milliseconds): what a test checks for leaks.
    pub fn open_sockets(&self) -> usize {
        self.shared.open_sockets.load(Ordering::Relaxed)
    }

    /// Forget the faults not applied yet, and turn off damage at a rate,
    /// a UART drop, `SEND FAIL`s and a restart not made yet, and peers that
    /// stopped reading.
    pub fn clear_faults(&self) {
        *lock(&self.shared.faults) = fault::Faults::default();
        *lock(&self.shared.input_faults) = fault::Faults::default();
        lock(&self.shared.uart_drop).disarm();
        self.shared.send_fails.store(0, Ordering::Relaxed);
        *lock(&self.shared.reboot_after) = None;
        self.shared
            .peers_not_reading
            .store(false, Ordering::Relaxed);
    }

    /// Damage bytes at random in `direction`: `per_million` of them, each
    /// dropped, flipped (one bit) or duplicated, from a xorshift generator
    /// seeded with `seed` (same seed and traffic, same damage). Replaces a
    /// rate set before; `per_million` 0 or [`SimControl::clear_faults`]
    /// turns it off.
    pub fn set_fault_rate(&self, direction: Direction, per_million: u32, seed: u64) {
        self.set_fault_rate_of(
            direction,
            Rate {
                per_million,
                seed,
                kind: RateKind::Any,
            },
        );
    }

    /// [`SimControl::set_fault_rate`] with one kind of damage.
    pub fn set_fault_rate_of(&self, direction: Direction, rate: Rate) {
        self.faults_of(direction).set_rate(Some(rate));
    }

    /// Bytes damaged at random in `direction` since its rate was set.
    pub fn damaged_at_rate(&self, direction: Direction) -> u64 {
        self.faults_of(direction).damaged_at_rate()
    }

    fn faults_of(&self, direction: Direction) -> std::sync::MutexGuard<'_, fault::Faults> {
        match direction {
            Direction::Out => lock(&self.shared.faults),
            Direction::In => lock(&self.shared.input_faults),
        }
    }

    /// The UART connection drops now (the cable pulled, a USB serial
    /// device gone): the simulator closes it from the modem's side, so the
    /// host sees its stream closed. The modem keeps running: its sockets,
    /// contexts, files and settings stay, and the next connection to
    /// [`SimHandle::addr`] talks to it again with no power-on banner.
    pub fn drop_uart(&self) {
        lock(&self.shared.uart_drop).arm(0);
    }

    /// [`SimControl::drop_uart`] once the modem has sent `bytes` more bytes.
    pub fn drop_uart_after_bytes(&self, bytes: usize) {
        lock(&self.shared.uart_drop).arm(bytes);
    }

    /// Whether a UART drop is armed and not made yet.
    pub fn uart_drop_pending(&self) -> bool {
        lock(&self.shared.uart_drop).armed()
    }

    /// The next `count` socket sends (`AT+QISEND`/`AT+QSSLSEND` data)
    /// answer `SEND FAIL` and their data is dropped, as a BG96 does when
    /// its send buffer is full.
    pub fn send_fail(&self, count: usize) {
        self.shared.send_fails.store(count, Ordering::Relaxed);
    }

    /// `SEND FAIL`s armed by [`SimControl::send_fail`] and not used yet.
    pub fn send_fails_pending(&self) -> usize {
        self.shared.send_fails.load(Ordering::Relaxed)
    }

    /// Every peer stops reading (`true`) or reads again (`false`): the
    /// modem writes nothing to the network, as with a zero TCP window, so
    /// its send buffer ([`SimConfig::send_buffer`]) fills and further sends
    /// answer `SEND FAIL`.
    pub fn peers_stop_reading(&self, stopped: bool) {
        self.shared
            .peers_not_reading
            .store(stopped, Ordering::Relaxed);
    }

    /// The network closes socket `id` of `kind` at the next safe point (a
    /// reset, the server gone): the modem says `+QIURC: "closed",<id>` or
    /// `+QSSLURC: "closed",<id>`, keeps what it received readable, and
    /// holds the socket in state 4 until the host closes it. Ignored when
    /// there is no such socket.
    pub fn close_socket(&self, kind: SocketKind, id: u8) {
        lock(&self.shared.net_closes).push_back((kind, id));
    }

    /// [`SimControl::reboot`] after the modem has received `commands` more
    /// command lines (once it has answered the last one).
    pub fn reboot_after_commands(&self, commands: usize, quiet: Duration) {
        if commands == 0 {
            self.reboot(quiet);
        } else {
            *lock(&self.shared.reboot_after) = Some((commands, quiet));
        }
    }

    /// PDP contexts the modem holds active, as of its last poll: with
    /// [`SimControl::open_sockets`] and [`SimControl::files`], what a test
    /// checks for leaks.
    pub fn active_contexts(&self) -> Vec<u8> {
        lock(&self.shared.active_contexts).clone()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.control.shared.shutdown.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
