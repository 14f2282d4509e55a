//! The Quectel BG96/BG95/BG77 AT dialect (at-commands.md §0, §1): one UART
//! session from power-on to disconnect. Parses command lines, answers
//! byte-exactly, drives the socket threads and emits URCs at safe points.

mod files;
mod network;
mod sslcfg;

use crate::checksum::xor16_hex;
use crate::clock::{format_cclk, parse_cclk};
use crate::fault::around_stall;
use crate::files::{canonical, MAX_FILE};
use crate::params::{split, Arg};
use crate::shared::{lock, printable, Shared};
use crate::tcp::{self, Kind, NetEvent, OpenRequest, SockRef, SockShared};
use crate::tls::SslCtxCfg;
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
/// Number of connectIDs / clientIDs.
const SOCKETS: usize = 12;
/// Number of SSL contexts.
const SSL_CTXS: usize = 6;
/// Highest PDP context id.
const MAX_CID: usize = 16;
/// Address every activated context gets.
const LOCAL_IP: &str = "10.0.0.2";
/// Largest QISEND/QSSLSEND and QIRD/QSSLRECV chunk.
const MAX_SEND: usize = 1460;
const MAX_READ: usize = 1500;

/// One PDP context.
#[derive(Debug, Clone)]
struct Pdp {
    active: bool,
    ctype: u8,
    apn: String,
    user: String,
    pwd: String,
    auth: u8,
}

impl Default for Pdp {
    fn default() -> Self {
        Pdp {
            active: false,
            ctype: 1,
            apn: String::new(),
            user: String::new(),
            pwd: String::new(),
            auth: 0,
        }
    }
}

/// One socket as the session sees it.
#[derive(Debug)]
struct Sock {
    cid: u8,
    ctx: u8,
    host: String,
    port: u16,
    local_port: u16,
    mode: u8,
    /// 1 opening, 2 connected, 4 closing.
    state: u8,
    gen: u64,
    shared: Arc<SockShared>,
}

/// What the UART input currently is.
#[derive(Debug)]
enum Input {
    /// Command lines.
    Line,
    /// Exactly `need` raw bytes for a send or an upload.
    Payload {
        target: Target,
        need: usize,
        data: Vec<u8>,
        last: Instant,
        timeout: Option<Duration>,
        ack: bool,
    },
}

#[derive(Debug, Clone)]
enum Target {
    Send(Kind, u8),
    Upload(String),
}

/// Output waiting for a safe point.
#[derive(Debug)]
enum Pending {
    Bytes(Vec<u8>),
    Push(Kind, u8, u64),
}

/// Description text of a `+QIGETERROR` code.
fn err_desc(code: i32) -> &'static str {
    match code {
        0 => "operation successful",
        550 => "unknown error",
        551 => "operation blocked",
        552 => "invalid parameters",
        553 => "memory not enough",
        554 => "create socket failed",
        555 => "operation not supported",
        556 => "socket bind failed",
        557 => "socket listen failed",
        558 => "socket write failed",
        559 => "socket read failed",
        560 => "socket accept failed",
        561 => "open PDP context failed",
        562 => "close PDP context failed",
        563 => "socket identity has been used",
        564 => "DNS busy",
        565 => "DNS parse failed",
        566 => "socket connect failed",
        567 => "socket has been closed",
        568 => "operation busy",
        569 => "operation timeout",
        570 => "PDP context broken down",
        571 => "cancel send",
        572 => "operation not allowed",
        573 => "APN not configured",
        574 => "port busy",
        _ => "unknown error",
    }
}

/// Verbose text of a file `+CME ERROR` code (assumed wording).
fn cme_desc(code: u16) -> &'static str {
    match code {
        405 => "file not found",
        407 => "file already existed",
        421 => "invalid parameter",
        420 => "file too large",
        _ => "unknown error",
    }
}

fn frame(text: &str) -> Vec<u8> {
    format!("\r\n{text}\r\n").into_bytes()
}

fn kind_urc(kind: Kind) -> &'static str {
    match kind {
        Kind::Tcp => "+QIURC",
        Kind::Ssl => "+QSSLURC",
    }
}

/// One UART connection (power-on to disconnect).
pub struct Session {
    sh: Arc<Shared>,
    uart: Uart,
    alive: bool,
    /// The UART connection was dropped by a fault; the modem runs on and
    /// waits for the next connection ([`Session::reattach`]).
    detached: bool,
    echo: bool,
    cmee: u8,
    creg: [u8; 3],
    ctzu: u8,
    clock_offset: i64,
    pdp: Vec<Pdp>,
    ssl_cfg: Vec<SslCtxCfg>,
    tcp: Vec<Option<Sock>>,
    ssl: Vec<Option<Sock>>,
    last_err: i32,
    line: Vec<u8>,
    line_at: Instant,
    overflow: bool,
    input: Input,
    pending: VecDeque<Pending>,
    tx: Sender<NetEvent>,
    rx: Receiver<NetEvent>,
    gen: u64,
    workers: Vec<JoinHandle<()>>,
    noise: u32,
}

impl Session {
    /// A freshly powered-on modem on `uart`.
    pub fn new(sh: Arc<Shared>, uart: Uart) -> Self {
        let (tx, rx) = channel();
        sh.files.clear_ram();
        Session {
            sh,
            uart,
            alive: true,
            detached: false,
            echo: true,
            cmee: 0,
            creg: [0; 3],
            ctzu: 0,
            clock_offset: 0,
            pdp: vec![Pdp::default(); MAX_CID + 1],
            ssl_cfg: vec![SslCtxCfg::default(); SSL_CTXS],
            tcp: (0..SOCKETS).map(|_| None).collect(),
            ssl: (0..SOCKETS).map(|_| None).collect(),
            last_err: 0,
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
        }
    }

    /// Runs until the host disconnects or the simulator shuts down. When
    /// the UART was dropped by a fault ([`crate::SimControl::drop_uart`])
    /// the modem keeps running: the session comes back, to be given the
    /// next connection with [`Session::reattach`].
    pub fn run(mut self) -> Option<Session> {
        if !self.detached {
            self.sh.log("=== UART connected: power-on ===");
            if self.sh.cfg.boot_banner {
                self.out(b"\r\nRDY\r\n");
                self.out(b"\r\nAPP RDY\r\n");
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
        self.sh.log("=== UART disconnected: power-off ===");
        self.teardown();
        None
    }

    /// A new UART connection to a modem whose previous one was dropped:
    /// no power-on, no banner; sockets, contexts, files and settings are
    /// as they were. What the modem said while nothing was connected is
    /// lost, but the URCs of socket events during that time (`recv`,
    /// `closed`) are said on the new connection.
    pub fn reattach(&mut self, uart: Uart) {
        self.sh.log("=== UART connected again (no power-on) ===");
        self.uart = uart;
        self.alive = true;
    }

    /// The simulator stops with no UART connected: close everything.
    pub fn power_off(mut self) {
        self.teardown();
    }

    /// Drops the UART connection now (a fault), leaving the modem running.
    fn drop_uart(&mut self) {
        self.uart.close();
        self.alive = false;
        self.detached = true;
    }

    /// A restart with the UART still connected: every socket and RAM file
    /// is gone, settings are back to power-on values, the modem is silent
    /// for `quiet` (input is lost), then says `RDY` and `APP RDY`.
    fn reboot(&mut self, quiet: Duration) {
        self.sh.log("=== fault: modem restarts ===");
        for s in self.tcp.iter().chain(self.ssl.iter()).flatten() {
            s.shared.stop.store(true, Ordering::Relaxed);
        }
        self.sh.files.clear_ram();
        self.echo = true;
        self.cmee = 0;
        self.creg = [0; 3];
        self.ctzu = 0;
        self.clock_offset = 0;
        self.pdp = vec![Pdp::default(); MAX_CID + 1];
        self.ssl_cfg = vec![SslCtxCfg::default(); SSL_CTXS];
        self.tcp = (0..SOCKETS).map(|_| None).collect();
        self.ssl = (0..SOCKETS).map(|_| None).collect();
        self.last_err = 0;
        self.line.clear();
        self.overflow = false;
        self.input = Input::Line;
        self.pending.clear();
        // Events of the old sockets are stale: a new generation.
        self.gen += 1;
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
            self.out(b"\r\nRDY\r\n");
            self.out(b"\r\nAPP RDY\r\n");
        }
    }

    fn teardown(&mut self) {
        for s in self.tcp.iter().chain(self.ssl.iter()).flatten() {
            s.shared.stop.store(true, Ordering::Relaxed);
        }
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

    // ---------------------------------------------------------------- output

    fn out(&mut self, data: &[u8]) {
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

    fn ok(&mut self) {
        self.out(b"\r\nOK\r\n");
    }

    fn error(&mut self) {
        self.out(b"\r\nERROR\r\n");
    }

    /// A socket/SSL command error: bare ERROR, detail for QIGETERROR.
    fn qerror(&mut self, code: i32) {
        self.last_err = code;
        self.error();
    }

    fn cme(&mut self, code: u16) {
        match self.cmee {
            0 => self.error(),
            1 => self.out(&frame(&format!("+CME ERROR: {code}"))),
            _ => self.out(&frame(&format!("+CME ERROR: {}", cme_desc(code)))),
        }
    }

    /// Information lines then OK.
    fn info_ok(&mut self, lines: &[String]) {
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

    fn urc(&mut self, text: String) {
        self.pending.push_back(Pending::Bytes(frame(&text)));
    }

    fn maybe_noise(&mut self) {
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

    // ---------------------------------------------------------------- events

    /// URCs go out between command lines: in line mode with no partial
    /// line (or one the host abandoned for a while), never inside a prompt,
    /// a payload or a response.
    fn safe(&self) -> bool {
        matches!(self.input, Input::Line)
            && ((self.line.is_empty() && !self.overflow)
                || self.line_at.elapsed() >= PARTIAL_LINE_IDLE)
    }

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
        *lock(&self.sh.active_contexts) = (1..=MAX_CID)
            .filter(|&c| self.pdp[c].active)
            .map(|c| c as u8)
            .collect();
    }

    fn sockets(&mut self, kind: Kind) -> &mut Vec<Option<Sock>> {
        match kind {
            Kind::Tcp => &mut self.tcp,
            Kind::Ssl => &mut self.ssl,
        }
    }

    fn sock(&mut self, kind: Kind, id: u8, gen: u64) -> Option<&mut Sock> {
        self.sockets(kind)
            .get_mut(usize::from(id))?
            .as_mut()
            .filter(|s| s.gen == gen)
    }

    fn on_event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Opened(SockRef { kind, id, gen }, result) => {
                let Some(s) = self.sock(kind, id, gen) else {
                    return;
                };
                let code = match result {
                    Ok(port) => {
                        s.state = 2;
                        s.local_port = port;
                        0
                    }
                    Err(code) => {
                        self.sockets(kind)[usize::from(id)] = None;
                        code
                    }
                };
                self.async_result(kind, id, code);
            }
            NetEvent::Recv(SockRef { kind, id, gen }) => {
                let Some(s) = self.sock(kind, id, gen) else {
                    return;
                };
                if s.mode == 1 {
                    self.pending.push_back(Pending::Push(kind, id, gen));
                } else {
                    self.maybe_noise();
                    self.urc(format!("{}: \"recv\",{id}", kind_urc(kind)));
                }
            }
            NetEvent::Closed(SockRef { kind, id, gen }) => {
                let Some(s) = self.sock(kind, id, gen) else {
                    return;
                };
                if s.state == 2 {
                    s.state = 4;
                    self.urc(format!("{}: \"closed\",{id}", kind_urc(kind)));
                }
            }
        }
    }

    /// `+QIOPEN: <id>,<err>` / `+QSSLOPEN: <id>,<err>` at the next safe point.
    fn async_result(&mut self, kind: Kind, id: u8, code: i32) {
        self.last_err = if code == -1 { 550 } else { code };
        self.maybe_noise();
        let name = match kind {
            Kind::Tcp => "+QIOPEN",
            Kind::Ssl => "+QSSLOPEN",
        };
        self.urc(format!("{name}: {id},{code}"));
    }

    /// Direct-push mode: `+QIURC: "recv",<id>,<len>\r\n<data>` frames.
    fn push_data(&mut self, kind: Kind, id: u8, gen: u64) {
        let Some(s) = self.sock(kind, id, gen) else {
            return;
        };
        let shared = s.shared.clone();
        loop {
            let chunk: Vec<u8> = {
                let mut r = lock(&shared.recv);
                let n = r.data.len().min(MAX_READ);
                r.total_read += n as u64;
                r.data.drain(..n).collect()
            };
            if chunk.is_empty() {
                return;
            }
            let mut o = frame(&format!(
                "{}: \"recv\",{id},{}",
                kind_urc(kind),
                chunk.len()
            ));
            o.extend_from_slice(&chunk);
            self.out(&o);
        }
    }

    /// The network closes socket `id` (a reset, the server gone): the
    /// connection stops, what was received stays readable, the socket goes
    /// to state 4 with a `"closed"` URC and waits for `QICLOSE`/`QSSLCLOSE`.
    fn net_close(&mut self, kind: Kind, id: u8) {
        let Some(s) = self
            .sockets(kind)
            .get_mut(usize::from(id))
            .and_then(|s| s.as_mut())
        else {
            self.sh.log(&format!(
                "close_socket({kind:?} {id}): no such socket, ignored"
            ));
            return;
        };
        s.shared.stop.store(true, Ordering::Relaxed);
        lock(&s.shared.recv).eof = true;
        let was_connected = s.state == 2;
        s.state = 4;
        self.sh.log(&format!(
            "close_socket({kind:?} {id}): the network closed it"
        ));
        if was_connected {
            self.urc(format!("{}: \"closed\",{id}", kind_urc(kind)));
        }
    }

    fn drop_pdp(&mut self, cid: u8) {
        let Some(p) = self.pdp.get_mut(usize::from(cid)) else {
            return;
        };
        if !p.active {
            self.sh
                .log(&format!("drop_pdp({cid}): context not active, ignored"));
            return;
        }
        p.active = false;
        self.sh
            .log(&format!("drop_pdp({cid}): network deactivated the context"));
        for s in self.tcp.iter_mut().chain(self.ssl.iter_mut()).flatten() {
            if s.cid == cid {
                s.shared.stop.store(true, Ordering::Relaxed);
                s.state = 4;
            }
        }
        self.urc(format!("+QIURC: \"pdpdeact\",{cid}"));
    }

    // ----------------------------------------------------------------- input

    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() && self.alive {
            match &mut self.input {
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
                        self.finish_payload();
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

    fn check_payload_timeout(&mut self) {
        if let Input::Payload {
            target: Target::Upload(_),
            last,
            timeout: Some(t),
            ..
        } = &self.input
        {
            if last.elapsed() >= *t {
                self.sh.log("upload timeout: storing what arrived");
                self.finish_payload();
            }
        }
    }

    fn finish_payload(&mut self) {
        let Input::Payload { target, data, .. } = std::mem::replace(&mut self.input, Input::Line)
        else {
            return;
        };
        self.sh.log(&format!(
            "-> [{} payload bytes] {}",
            data.len(),
            printable(&data)
        ));
        match target {
            Target::Send(kind, id) => {
                let sh = self.sh.clone();
                let due = Instant::now() + Duration::from_millis(u64::from(self.sh.cfg.latency_ms));
                let Some(s) = self
                    .sockets(kind)
                    .get_mut(usize::from(id))
                    .and_then(|s| s.as_mut())
                else {
                    self.qerror(567);
                    return;
                };
                if s.state != 2 || lock(&s.shared.recv).eof {
                    self.qerror(567);
                    return;
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
                    self.out(b"\r\nSEND FAIL\r\n");
                    return;
                }
                *lock(&s.shared.total_sent) += data.len() as u64;
                lock(&s.shared.send).push_back((due, data));
                self.last_err = 0;
                self.out(b"\r\nSEND OK\r\n");
            }
            Target::Upload(name) => {
                let cs = xor16_hex(&data);
                let n = data.len();
                self.sh.files.put(&name, data);
                self.sh
                    .log(&format!("file {name:?} stored, {n} bytes, checksum {cs}"));
                self.out(&format!("\r\n+QFUPL: {n},{cs}\r\n\r\nOK\r\n").into_bytes());
            }
        }
    }

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

    fn basic(&mut self, cmd: &str) {
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
            "Z" | "Z0" | "&F" | "&F0" | "&W" | "&W0" | "V1" | "Q0" | "&D0" | "&D1" | "&D2"
            | "&C0" | "&C1" | "&K0" | "&K3" => self.ok(),
            _ => self.error(),
        }
    }

    fn extended(&mut self, name: &str, form: Form) {
        use Form::*;
        let p = self.sh.cfg.profile.clone();
        match (name, form) {
            ("CMEE", Set(a)) => match a.first().and_then(Arg::int) {
                Some(n @ 0..=2) if a.len() == 1 => {
                    self.cmee = n as u8;
                    self.ok();
                }
                _ => self.error(),
            },
            ("CMEE", Read) => self.info_ok(&[format!("+CMEE: {}", self.cmee)]),
            ("GMR" | "CGMR", Exec) => self.info_ok(&[p.revision]),
            ("QGMR", Exec) => self.info_ok(&[p.qgmr]),
            ("GMI" | "CGMI", Exec) => self.info_ok(&[p.manufacturer]),
            ("GMM" | "CGMM", Exec) => self.info_ok(&[p.model]),
            ("GSN" | "CGSN", Exec) => self.info_ok(&["866425030000000".to_string()]),
            ("CPIN", Read) => self.info_ok(&["+CPIN: READY".to_string()]),
            ("CFUN", Read) => self.info_ok(&["+CFUN: 1".to_string()]),
            ("CFUN", Set(_))
            | ("IFC", Set(_))
            | ("QURCCFG", Set(_))
            | ("CTZR", Set(_))
            | ("QIDNSCFG", Set(_)) => self.ok(),
            ("CSQ", Exec) => self.info_ok(&["+CSQ: 25,99".to_string()]),
            ("COPS", Read) => self.info_ok(&["+COPS: 0,0,\"SIMULATED\",8".to_string()]),
            ("CGATT", Read) => self.info_ok(&["+CGATT: 1".to_string()]),
            ("CGATT", Set(_)) => self.ok(),
            ("CREG" | "CGREG" | "CEREG", Set(a)) => {
                let i = ["CREG", "CGREG", "CEREG"]
                    .iter()
                    .position(|n| *n == name)
                    .unwrap_or(0);
                match a.first().and_then(Arg::int) {
                    Some(n @ 0..=5) => {
                        self.creg[i] = n as u8;
                        self.ok();
                    }
                    _ => self.error(),
                }
            }
            ("CREG" | "CGREG" | "CEREG", Read) => {
                let i = ["CREG", "CGREG", "CEREG"]
                    .iter()
                    .position(|n| *n == name)
                    .unwrap_or(0);
                self.info_ok(&[format!("+{name}: {},1", self.creg[i])]);
            }
            ("CTZU", Set(a)) => match a.first().and_then(Arg::int) {
                Some(n @ 0..=1) => {
                    self.ctzu = n as u8;
                    self.ok();
                }
                _ => self.error(),
            },
            ("CTZU", Read) => self.info_ok(&[format!("+CTZU: {}", self.ctzu)]),
            ("CCLK", Read) => {
                let t = self.sh.network_now() + self.clock_offset;
                self.info_ok(&[format!("+CCLK: \"{}\"", format_cclk(t))]);
            }
            ("CCLK", Set(a)) => match a.first().and_then(Arg::str).and_then(parse_cclk) {
                Some(t) if a.len() == 1 => {
                    self.clock_offset = t - self.sh.network_now();
                    self.ok();
                }
                _ => self.error(),
            },
            ("QIGETERROR", Exec) => {
                let e = self.last_err;
                self.info_ok(&[format!("+QIGETERROR: {e},{}", err_desc(e))]);
            }
            ("QICSGP", Set(a)) => self.qicsgp(&a),
            ("QIACT", Set(a)) => self.qiact(&a),
            ("QIACT", Read) => {
                let lines: Vec<String> = (1..=MAX_CID)
                    .filter(|&c| self.pdp[c].active)
                    .map(|c| format!("+QIACT: {c},1,{},\"{LOCAL_IP}\"", self.pdp[c].ctype))
                    .collect();
                self.info_ok(&lines);
            }
            ("QIDEACT", Set(a)) => self.qideact(&a),
            ("QIDNSGIP", Set(a)) => self.qidnsgip(&a),
            ("QIOPEN", Set(a)) => self.qiopen(&a),
            ("QISEND", Set(a)) => self.send_cmd(Kind::Tcp, &a),
            ("QSSLSEND", Set(a)) => self.send_cmd(Kind::Ssl, &a),
            ("QIRD", Set(a)) => self.read_cmd(Kind::Tcp, &a),
            ("QSSLRECV", Set(a)) => self.read_cmd(Kind::Ssl, &a),
            ("QICLOSE", Set(a)) => self.close_cmd(Kind::Tcp, &a),
            ("QSSLCLOSE", Set(a)) => self.close_cmd(Kind::Ssl, &a),
            ("QISTATE", Set(a)) => self.qistate(&a),
            ("QISTATE", Exec | Read) => self.state_list(Kind::Tcp, None, None),
            ("QSSLSTATE", Set(a)) => match a.first().and_then(Arg::int) {
                Some(id @ 0..=11) if a.len() == 1 => {
                    self.state_list(Kind::Ssl, None, Some(id as u8))
                }
                _ => self.qerror(552),
            },
            ("QSSLSTATE", Exec | Read) => self.state_list(Kind::Ssl, None, None),
            ("QSSLCFG", Set(a)) => self.qsslcfg(&a),
            ("QSSLOPEN", Set(a)) => self.qsslopen(&a),
            ("QFUPL", Set(a)) => self.qfupl(&a),
            ("QFLST", Exec) => self.qflst("*", false),
            ("QFLST", Set(a)) => match (a.len(), a.first().and_then(Arg::str)) {
                (1, Some(pat)) => {
                    let pat = pat.strip_prefix("UFS:").unwrap_or(pat).to_string();
                    self.qflst(&pat, true)
                }
                _ => self.cme(421),
            },
            ("QFDEL", Set(a)) => self.qfdel(&a),
            ("QFDWL", Set(a)) => self.qfdwl(&a),
            _ => self.error(),
        }
    }
}

/// The form of an extended command.
#[derive(Debug)]
enum Form {
    /// `AT+X`
    Exec,
    /// `AT+X?`
    Read,
    /// `AT+X=?`
    Test,
    /// `AT+X=<args>`
    Set(Vec<Arg>),
}
