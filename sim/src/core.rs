//! The family-neutral core of a simulated modem: one UART session from
//! power-on to disconnect. It owns what every AT dialect shares: the UART
//! loop, line assembly, echo (`ATE`), `+CME ERROR` framing, the URC queue
//! and its safe points, injected URCs, faults, UART drops and restarts, the
//! socket table over [`crate::tcp`] and the raw payload input after a
//! prompt. A family ([`Dialect`]) answers the commands, formats its socket
//! URCs and keeps its own settings; [`crate::quectel_bg9x`] and
//! [`crate::quectel_bc66`] are the two families.

use crate::fault::around_stall;
use crate::params::{split, Arg};
use crate::shared::{lock, printable, Shared};
use crate::tcp::{self, Kind, NetEvent, OpenRequest, SockShared};
use crate::uart::Uart;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest command line accepted; longer lines answer `ERROR`.
pub const MAX_LINE: usize = 1024;
/// A partial command line idle this long no longer holds URCs back.
const PARTIAL_LINE_IDLE: Duration = Duration::from_millis(500);
/// Ctrl-Z: ends a payload of unknown length.
pub const CTRL_Z: u8 = 0x1A;
/// ESC: cancels a payload of unknown length.
pub const ESC: u8 = 0x1B;

/// One socket as the session sees it (the thread behind it is in
/// [`crate::tcp`]).
#[derive(Debug)]
pub struct Sock {
    /// PDP context the socket runs on.
    pub cid: u8,
    /// SSL context (SSL sockets).
    pub ctx: u8,
    /// Host as given in the open command.
    pub host: String,
    /// Remote port.
    pub port: u16,
    /// Local port once connected.
    pub local_port: u16,
    /// Access mode (0 buffer, 1 direct push).
    pub mode: u8,
    /// 1 opening, 2 connected, 4 closing.
    pub state: u8,
    /// Generation: events of an older socket with the same id are ignored.
    pub gen: u64,
    /// State shared with the socket thread.
    pub shared: Arc<SockShared>,
}

/// What a payload after a prompt is for (the dialect interprets it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Data for socket `id` of `kind`.
    Send(Kind, u8),
    /// A file or certificate named so.
    Upload(String),
}

/// How a payload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadEnd {
    /// The announced length arrived, or the terminator (Ctrl-Z, not part
    /// of the data).
    Complete,
    /// The host sent ESC: cancelled.
    Cancelled,
    /// The input stayed idle past the payload's timeout.
    Timeout,
}

/// What the UART input currently is.
#[derive(Debug)]
pub enum Input {
    /// Command lines.
    Line,
    /// Raw bytes for a send or an upload: exactly `need` bytes, or (with
    /// `ctrl_z`) everything up to a Ctrl-Z (ESC cancels).
    Payload {
        /// What the bytes are for.
        target: Target,
        /// Bytes expected (ignored with `ctrl_z`).
        need: usize,
        /// Ends at Ctrl-Z instead of at a length.
        ctrl_z: bool,
        /// Bytes so far.
        data: Vec<u8>,
        /// When the last byte arrived.
        last: Instant,
        /// Idle time after which the payload ends as it is.
        timeout: Option<Duration>,
        /// Say `A` after each 1024 bytes (`AT+QFUPL` ack mode).
        ack: bool,
    },
}

/// Output waiting for a safe point.
#[derive(Debug)]
pub enum Pending {
    /// Bytes to send as they are.
    Bytes(Vec<u8>),
    /// Received data of a socket to push to the host (direct push).
    Push(Kind, u8, u64),
}

/// Why a socket send was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// No such socket, or it is not connected (or the peer closed).
    Closed,
    /// The send buffer is full, or a `SEND FAIL` fault was armed.
    Fail,
}

/// The form of an extended command.
#[derive(Debug)]
pub enum Form {
    /// `AT+X`
    Exec,
    /// `AT+X?`
    Read,
    /// `AT+X=?`
    Test,
    /// `AT+X=<args>`
    Set(Vec<Arg>),
}

/// `"\r\n<text>\r\n"`.
pub fn frame(text: &str) -> Vec<u8> {
    format!("\r\n{text}\r\n").into_bytes()
}

/// The neutral state of one simulated modem on one UART connection.
pub struct Core {
    /// Shared with the handle and the socket threads.
    pub sh: Arc<Shared>,
    /// The UART.
    pub uart: Uart,
    /// The UART is usable.
    pub alive: bool,
    /// The UART connection was dropped by a fault; the modem runs on and
    /// waits for the next connection ([`Dialect::reattach`]).
    pub detached: bool,
    /// `ATE1`.
    pub echo: bool,
    /// `AT+CMEE` mode.
    pub cmee: u8,
    /// The command line being assembled.
    pub line: Vec<u8>,
    /// When its last byte arrived.
    pub line_at: Instant,
    /// The line grew past [`MAX_LINE`].
    pub overflow: bool,
    /// Line or payload input.
    pub input: Input,
    /// Output waiting for a safe point.
    pub pending: VecDeque<Pending>,
    /// Socket threads report here.
    pub tx: Sender<NetEvent>,
    /// Socket events.
    pub rx: Receiver<NetEvent>,
    /// Socket generation counter.
    pub gen: u64,
    /// Socket threads.
    pub workers: Vec<JoinHandle<()>>,
    /// URC-noise counter.
    pub noise: u32,
    /// Raw TCP sockets by id.
    pub tcp: Vec<Option<Sock>>,
    /// SSL sockets by id.
    pub ssl: Vec<Option<Sock>>,
    sockets_per_kind: usize,
}

impl Core {
    /// A freshly powered-on modem with `sockets` TCP and `sockets` SSL ids.
    pub fn new(sh: Arc<Shared>, uart: Uart, sockets: usize) -> Self {
        let (tx, rx) = channel();
        Core {
            sh,
            uart,
            alive: true,
            detached: false,
            echo: true,
            cmee: 0,
            line: Vec::new(),
            line_at: Instant::now(),
            overflow: false,
            input: Input::Line,
            pending: VecDeque::new(),
            tx,
            rx,
            gen: 0,
            workers: Vec::new(),
            noise: 0,
            tcp: (0..sockets).map(|_| None).collect(),
            ssl: (0..sockets).map(|_| None).collect(),
            sockets_per_kind: sockets,
        }
    }

    // ---------------------------------------------------------------- output

    /// Sends `data` to the host now, through the output faults.
    pub fn out(&mut self, data: &[u8]) {
        if !self.alive {
            return;
        }
        let (mut data, stall) = lock(&self.sh.faults).apply(data);
        let cut = lock(&self.sh.uart_drop).cut(data.len());
        if let Some(n) = cut {
            data.truncate(n);
        }
        self.sh.log(&format!("<- {}", printable(&data)));
        let sh = self.sh.clone();
        let (before, pause, after) = around_stall(&data, stall);
        let mut ok = self.uart.write(before, &|| sh.stopping()).is_ok();
        if let Some(d) = pause {
            sh.log(&format!("fault: UART stalls {} ms", d.as_millis()));
            std::thread::sleep(d);
        }
        ok = ok && self.uart.write(after, &|| sh.stopping()).is_ok();
        if !ok {
            self.alive = false;
        }
        if cut.is_some() {
            self.drop_uart();
        }
    }

    /// `OK`.
    pub fn ok(&mut self) {
        self.out(b"\r\nOK\r\n");
    }

    /// `ERROR`.
    pub fn error(&mut self) {
        self.out(b"\r\nERROR\r\n");
    }

    /// `+CME ERROR: <code>` as `AT+CMEE` says: `ERROR` (0), the number (1)
    /// or `verbose` (2).
    pub fn cme_with(&mut self, code: u16, verbose: &str) {
        match self.cmee {
            0 => self.error(),
            1 => self.out(&frame(&format!("+CME ERROR: {code}"))),
            _ => self.out(&frame(&format!("+CME ERROR: {verbose}"))),
        }
    }

    /// `AT+CMEE=<0|1|2>`: how errors are reported, the same on every family.
    pub fn cmee_set(&mut self, a: &[Arg]) {
        match a.first().and_then(Arg::int) {
            Some(n @ 0..=2) if a.len() == 1 => {
                self.cmee = n as u8;
                self.ok();
            }
            _ => self.error(),
        }
    }

    /// `AT+CMEE?`.
    pub fn cmee_read(&mut self) {
        let l = format!("+CMEE: {}", self.cmee);
        self.info_ok(&[l])
    }

    /// The basic (non-`+`) commands every family answers alike: `ATE0`,
    /// `ATE1`, `ATI` (manufacturer, model, `Revision:`), and settings that
    /// only answer `OK` (`ATZ`, `AT&F`, `AT&W`, `ATV1`, `ATQ0`, plus a
    /// family's `more`); anything else is `ERROR`.
    pub fn basic_cmd(&mut self, cmd: &str, more: &[&str]) {
        const OK_ONLY: &[&str] = &["Z", "Z0", "&F", "&F0", "&W", "&W0", "V1", "Q0"];
        match cmd {
            "E0" => {
                self.echo = false;
                self.ok();
            }
            "E1" | "E" => {
                self.echo = true;
                self.ok();
            }
            "I" | "I0" => {
                let p = &self.sh.cfg.profile;
                let lines = vec![
                    p.manufacturer.clone(),
                    p.model.clone(),
                    format!("Revision: {}", p.revision),
                ];
                self.info_ok(&lines);
            }
            c if OK_ONLY.contains(&c) || more.contains(&c) => self.ok(),
            _ => self.error(),
        }
    }

    /// Information lines then OK.
    pub fn info_ok(&mut self, lines: &[String]) {
        let mut o = Vec::new();
        if !lines.is_empty() {
            o.extend_from_slice(b"\r\n");
            for l in lines {
                o.extend_from_slice(l.as_bytes());
                o.extend_from_slice(b"\r\n");
            }
        }
        o.extend_from_slice(b"\r\nOK\r\n");
        self.out(&o);
    }

    /// A URC line for the next safe point.
    pub fn urc(&mut self, text: String) {
        self.pending.push_back(Pending::Bytes(frame(&text)));
    }

    /// With [`crate::SimConfig::urc_noise`], queues an unrelated URC.
    pub fn maybe_noise(&mut self) {
        if self.sh.cfg.urc_noise {
            self.noise += 1;
            let text = if self.noise % 2 == 1 {
                "+CEREG: 5".to_string()
            } else {
                "+QIURC: \"pdpdeact\",9".to_string()
            };
            self.urc(text);
        }
    }

    /// Drops the UART connection now (a fault), leaving the modem running.
    pub fn drop_uart(&mut self) {
        self.uart.close();
        self.alive = false;
        self.detached = true;
    }

    /// Starts raw payload input after a prompt.
    pub fn expect_payload(&mut self, target: Target, need: usize, ctrl_z: bool) {
        self.input = Input::Payload {
            target,
            need,
            ctrl_z,
            data: Vec::with_capacity(need.min(64 * 1024)),
            last: Instant::now(),
            timeout: None,
            ack: false,
        };
    }

    /// URCs go out between command lines: in line mode with no partial
    /// line (or one the host abandoned for a while), never inside a prompt,
    /// a payload or a response.
    pub fn safe(&self) -> bool {
        matches!(self.input, Input::Line)
            && ((self.line.is_empty() && !self.overflow)
                || self.line_at.elapsed() >= PARTIAL_LINE_IDLE)
    }

    // --------------------------------------------------------------- sockets

    /// The socket table of `kind`.
    pub fn sockets(&mut self, kind: Kind) -> &mut Vec<Option<Sock>> {
        match kind {
            Kind::Tcp => &mut self.tcp,
            Kind::Ssl => &mut self.ssl,
        }
    }

    /// The network closes socket `id` of `kind` (a test's `close_socket`):
    /// its connection stops, what it received stays readable, and it sits
    /// in state 4 (closing) until the family's close command. `Some((ctx,
    /// gen))` of the socket when it was connected (the family then says so
    /// in its URC), `None` when it was not, or when there is no such socket.
    pub fn close_by_network(&mut self, kind: Kind, id: u8) -> Option<(u8, u64)> {
        let Some(s) = self
            .sockets(kind)
            .get_mut(usize::from(id))
            .and_then(|s| s.as_mut())
        else {
            self.sh.log(&format!(
                "close_socket({kind:?} {id}): no such socket, ignored"
            ));
            return None;
        };
        s.shared.stop.store(true, Ordering::Relaxed);
        lock(&s.shared.recv).eof = true;
        let connected = (s.state == 2).then_some((s.ctx, s.gen));
        s.state = 4;
        self.sh.log(&format!(
            "close_socket({kind:?} {id}): the network closed it"
        ));
        connected
    }

    /// Socket `id` of `kind` if it is still generation `gen`.
    pub fn sock(&mut self, kind: Kind, id: u8, gen: u64) -> Option<&mut Sock> {
        self.sockets(kind)
            .get_mut(usize::from(id))?
            .as_mut()
            .filter(|s| s.gen == gen)
    }

    /// Starts the thread of a new socket and enters it in the table
    /// (state 1, opening). `Err(())` when no thread could be started.
    #[allow(clippy::result_unit_err)]
    pub fn spawn_socket(&mut self, req: OpenRequest, cid: u8, ctx: u8, mode: u8) -> Result<(), ()> {
        let shared = Arc::new(SockShared::default());
        let (kind, id, gen, host, port) = (req.kind, req.id, req.gen, req.host.clone(), req.port);
        match tcp::spawn(self.sh.clone(), req, shared.clone(), self.tx.clone()) {
            Ok(h) => self.workers.push(h),
            Err(_) => return Err(()),
        }
        self.sockets(kind)[usize::from(id)] = Some(Sock {
            cid,
            ctx,
            host,
            port,
            local_port: 0,
            mode,
            state: 1,
            gen,
            shared,
        });
        Ok(())
    }

    /// Queues `data` on socket `id` of `kind` for the network (after the
    /// configured latency), through the send buffer and the armed
    /// `SEND FAIL` faults.
    pub fn queue_send(&mut self, kind: Kind, id: u8, data: Vec<u8>) -> Result<(), SendError> {
        let sh = self.sh.clone();
        let due = Instant::now() + Duration::from_millis(u64::from(sh.cfg.latency_ms));
        let Some(s) = self
            .sockets(kind)
            .get_mut(usize::from(id))
            .and_then(|s| s.as_mut())
        else {
            return Err(SendError::Closed);
        };
        if s.state != 2 || lock(&s.shared.recv).eof {
            return Err(SendError::Closed);
        }
        let queued: usize = lock(&s.shared.send).iter().map(|(_, d)| d.len()).sum();
        let full = queued + data.len() > sh.cfg.send_buffer;
        if full || sh.take_send_fail() {
            let why = if full {
                format!("send buffer full ({queued} bytes waiting)")
            } else {
                "fault".to_string()
            };
            sh.log(&format!("{kind:?} {id}: SEND FAIL: {why}"));
            return Err(SendError::Fail);
        }
        *lock(&s.shared.total_sent) += data.len() as u64;
        lock(&s.shared.send).push_back((due, data));
        Ok(())
    }

    /// A new socket generation.
    pub fn next_gen(&mut self) -> u64 {
        self.gen += 1;
        self.gen
    }

    /// Stops every socket thread (the threads flush and close).
    fn stop_sockets(&self) {
        for s in self.tcp.iter().chain(self.ssl.iter()).flatten() {
            s.shared.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Power-on state of the neutral part after a restart: no sockets,
    /// echo on, CMEE 0, nothing pending, old socket events stale.
    fn reset(&mut self) {
        self.stop_sockets();
        self.echo = true;
        self.cmee = 0;
        self.tcp = (0..self.sockets_per_kind).map(|_| None).collect();
        self.ssl = (0..self.sockets_per_kind).map(|_| None).collect();
        self.line.clear();
        self.overflow = false;
        self.input = Input::Line;
        self.pending.clear();
        // Events of the old sockets are stale: a new generation.
        self.gen += 1;
    }

    fn teardown(&mut self) {
        self.stop_sockets();
        self.uart.close();
        let end = Instant::now() + Duration::from_millis(1500);
        for w in self.workers.drain(..) {
            while !w.is_finished() && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(5));
            }
            if w.is_finished() {
                let _ = w.join();
            }
        }
    }
}

/// One modem family's AT dialect on top of a [`Core`]. The provided
/// methods are the session loop; a family implements the required ones.
pub trait Dialect: std::ops::DerefMut<Target = Core> + Sized {
    /// The power-on banner, one output write per element (`RDY`, ...).
    fn banner(&self) -> &'static [&'static [u8]];

    /// One command line that starts with `AT` (case-insensitive), after
    /// echo and logging: `AT<cmd>` with `cmd` upper-cased (basic) ...
    fn basic(&mut self, cmd: &str);

    /// ... or `AT+<name><form>` (name upper-cased).
    fn extended(&mut self, name: &str, form: Form);

    /// A payload announced with [`Core::expect_payload`] ended.
    fn payload(&mut self, target: Target, data: Vec<u8>, end: PayloadEnd);

    /// A socket thread reported `ev`.
    fn on_event(&mut self, ev: NetEvent);

    /// Direct push of socket `id`'s received data (queued as
    /// [`Pending::Push`]).
    fn push_data(&mut self, kind: Kind, id: u8, gen: u64);

    /// The network closes socket `id` ([`crate::SimControl::close_socket`]).
    fn net_close(&mut self, kind: Kind, id: u8);

    /// The network deactivates PDP context `cid` ([`crate::SimControl::drop_pdp`]).
    fn drop_pdp(&mut self, cid: u8);

    /// Active PDP contexts (for [`crate::SimControl::active_contexts`]).
    fn active_contexts(&self) -> Vec<u8>;

    /// The family's settings back to power-on values (a restart; the
    /// neutral part is reset by the core). Whatever the family keeps in
    /// non-volatile memory stays.
    fn reset(&mut self);

    /// Called on every loop turn before the queued output goes out (timers
    /// of the family).
    fn tick(&mut self) {}

    /// Runs until the host disconnects or the simulator shuts down. When
    /// the UART was dropped by a fault ([`crate::SimControl::drop_uart`]),
    /// or the host closed it with [`crate::SimConfig::keep_power`] on,
    /// the modem keeps running: the session comes back, to be given the
    /// next connection with [`Dialect::reattach`].
    fn run(mut self) -> Option<Self> {
        if !self.detached {
            self.sh.log("=== UART connected: power-on ===");
            if self.sh.cfg.boot_banner {
                for b in self.banner() {
                    self.out(b);
                }
            }
        }
        self.detached = false;
        let mut buf = vec![0u8; 4096];
        while self.alive && !self.sh.stopping() {
            self.poll();
            match self.uart.read(&mut buf) {
                Ok(None) => self.check_payload_timeout(),
                Ok(Some(0)) | Err(_) => break,
                Ok(Some(n)) => {
                    let (data, stall) = lock(&self.sh.input_faults).apply(&buf[..n]);
                    if data.len() != n || data[..] != buf[..n] || stall.is_some() {
                        self.sh.log("fault: damaged UART input");
                    }
                    let (before, pause, after) = around_stall(&data, stall);
                    self.feed(before);
                    if let Some(d) = pause {
                        std::thread::sleep(d);
                    }
                    self.feed(after);
                }
            }
        }
        if self.detached && !self.sh.stopping() {
            self.sh
                .log("=== fault: UART dropped; the modem keeps running ===");
            return Some(self);
        }
        if self.sh.cfg.keep_power && !self.sh.stopping() {
            self.sh
                .log("=== UART disconnected: the modem keeps running (keep_power) ===");
            self.detached = true;
            return Some(self);
        }
        self.sh.log("=== UART disconnected: power-off ===");
        self.teardown();
        None
    }

    /// A new UART connection to a modem whose previous one was dropped:
    /// no power-on, no banner; sockets, contexts, files and settings are
    /// as they were. What the modem said while nothing was connected is
    /// lost, but the URCs of socket events during that time (`recv`,
    /// `closed`) are said on the new connection.
    fn reattach(&mut self, uart: Uart) {
        self.sh.log("=== UART connected again (no power-on) ===");
        self.uart = uart;
        self.alive = true;
    }

    /// The simulator stops with no UART connected: close everything.
    fn power_off(mut self) {
        self.teardown();
    }

    /// A restart with the UART still connected: every socket is gone,
    /// settings are back to power-on values, the modem is silent for
    /// `quiet` (input is lost), then says its banner.
    fn reboot(&mut self, quiet: Duration) {
        self.sh.log("=== fault: modem restarts ===");
        Core::reset(self);
        Dialect::reset(self);
        let end = Instant::now() + quiet;
        let mut buf = [0u8; 256];
        while Instant::now() < end && !self.sh.stopping() {
            match self.uart.read(&mut buf) {
                Ok(Some(0)) | Err(_) => {
                    self.alive = false;
                    return;
                }
                _ => {}
            }
        }
        while self.rx.try_recv().is_ok() {}
        if self.sh.cfg.boot_banner {
            for b in self.banner() {
                self.out(b);
            }
        }
    }

    /// Socket events, control requests and, at a safe point, queued output.
    fn poll(&mut self) {
        if lock(&self.sh.uart_drop).cut(0).is_some() {
            self.drop_uart();
            return;
        }
        let reboot = lock(&self.sh.reboots).pop_front();
        if let Some(quiet) = reboot {
            self.reboot(quiet);
        }
        while let Ok(ev) = self.rx.try_recv() {
            self.on_event(ev);
        }
        let drops: Vec<u8> = lock(&self.sh.pdp_drops).drain(..).collect();
        for cid in drops {
            self.drop_pdp(cid);
        }
        let closes: Vec<(Kind, u8)> = lock(&self.sh.net_closes).drain(..).collect();
        for (kind, id) in closes {
            self.net_close(kind, id);
        }
        self.tick();
        if !self.safe() {
            return;
        }
        let injected: Vec<String> = lock(&self.sh.injected).drain(..).collect();
        for l in injected {
            self.urc(l);
        }
        while let Some(p) = self.pending.pop_front() {
            match p {
                Pending::Bytes(b) => self.out(&b),
                Pending::Push(kind, id, gen) => self.push_data(kind, id, gen),
            }
        }
        self.workers.retain(|w| !w.is_finished());
        let open = self.tcp.iter().chain(self.ssl.iter()).flatten().count();
        self.sh.open_sockets.store(open, Ordering::Relaxed);
        let active = self.active_contexts();
        *lock(&self.sh.active_contexts) = active;
    }

    /// Bytes from the host: command lines or payload.
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() && self.alive {
            match &mut self.input {
                Input::Payload {
                    need,
                    ctrl_z: true,
                    data: buf,
                    last,
                    ..
                } => {
                    *last = Instant::now();
                    match data.iter().position(|&b| b == CTRL_Z || b == ESC) {
                        Some(p) => {
                            let end = if data[p] == CTRL_Z {
                                PayloadEnd::Complete
                            } else {
                                PayloadEnd::Cancelled
                            };
                            let room = need.saturating_sub(buf.len());
                            buf.extend_from_slice(&data[..p.min(room)]);
                            data = &data[p + 1..];
                            self.finish_payload(end);
                        }
                        None => {
                            let room = need.saturating_sub(buf.len());
                            buf.extend_from_slice(&data[..data.len().min(room)]);
                            data = &[];
                        }
                    }
                }
                Input::Payload {
                    need,
                    data: buf,
                    last,
                    ack,
                    ..
                } => {
                    let take = (*need - buf.len()).min(data.len());
                    let before = buf.len();
                    buf.extend_from_slice(&data[..take]);
                    *last = Instant::now();
                    data = &data[take..];
                    let (after, done, ack) = (buf.len(), buf.len() == *need, *ack);
                    if ack && after / 1024 > before / 1024 && !done {
                        self.out(b"A");
                    }
                    if done {
                        self.finish_payload(PayloadEnd::Complete);
                    }
                }
                Input::Line => {
                    let b = data[0];
                    data = &data[1..];
                    self.line_at = Instant::now();
                    match b {
                        b'\r' => {
                            let line = std::mem::take(&mut self.line);
                            let overflow = std::mem::replace(&mut self.overflow, false);
                            self.on_line(&line, overflow);
                            if self.safe() {
                                self.poll();
                            }
                        }
                        // V.250 command mode: line feeds and NULs (a
                        // driver's filler) are not part of a command.
                        b'\n' | 0 => {}
                        _ if self.line.len() >= MAX_LINE => self.overflow = true,
                        _ => self.line.push(b),
                    }
                }
            }
        }
    }

    /// Ends a payload whose input stayed idle past its timeout.
    fn check_payload_timeout(&mut self) {
        if let Input::Payload {
            last,
            timeout: Some(t),
            ..
        } = &self.input
        {
            if last.elapsed() >= *t {
                self.sh.log("upload timeout: storing what arrived");
                self.finish_payload(PayloadEnd::Timeout);
            }
        }
    }

    /// Back to line mode; the family gets the payload.
    fn finish_payload(&mut self, end: PayloadEnd) {
        let Input::Payload { target, data, .. } = std::mem::replace(&mut self.input, Input::Line)
        else {
            return;
        };
        let how = match end {
            // A timeout was logged when it happened.
            PayloadEnd::Complete | PayloadEnd::Timeout => "",
            PayloadEnd::Cancelled => " (cancelled)",
        };
        self.sh.log(&format!(
            "-> [{} payload bytes{how}] {}",
            data.len(),
            printable(&data)
        ));
        self.payload(target, data, end);
    }

    /// One command line: log, echo, `AT` prefix, basic or extended.
    fn on_line(&mut self, raw: &[u8], overflow: bool) {
        let text = if overflow {
            None
        } else {
            std::str::from_utf8(raw).ok()
        };
        match text {
            _ if overflow => self
                .sh
                .log(&format!("-> [command line longer than {MAX_LINE} bytes]")),
            None => self.sh.log(&format!("-> {} (not text)", printable(raw))),
            Some(t) if !t.trim().is_empty() => {
                self.sh.log(&format!("-> {}", t.trim()));
                self.sh.record_command(t.trim());
            }
            Some(_) => {}
        }
        if self.echo && !overflow {
            let mut e = raw.to_vec();
            e.push(b'\r');
            self.out(&e);
        }
        let Some(text) = text else {
            return self.error();
        };
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let upper2 = text.get(..2).map(|s| s.to_ascii_uppercase());
        if upper2.as_deref() != Some("AT") {
            self.error();
            return;
        }
        let rest = &text[2..];
        if rest.is_empty() {
            self.ok();
            return;
        }
        if let Some(ext) = rest.strip_prefix('+') {
            let end = ext.find(['=', '?']).unwrap_or(ext.len());
            let name = ext[..end].to_ascii_uppercase();
            let tail = &ext[end..];
            let form = if tail.is_empty() {
                Form::Exec
            } else if tail == "?" {
                Form::Read
            } else if tail == "=?" {
                Form::Test
            } else if let Some(a) = tail.strip_prefix('=') {
                match split(a) {
                    Some(args) => Form::Set(args),
                    None => {
                        self.error();
                        return;
                    }
                }
            } else {
                self.error();
                return;
            };
            self.extended(&name, form);
        } else {
            self.basic(&rest.to_ascii_uppercase());
        }
    }
}
