//! The Quectel BC66/BC660K AT dialect (`docs/dialects/bc66.md`, from
//! at-dialects-2.md §1) on the neutral [`crate::core`]:
//!
//! - identity (`ATI`, no `AT+QGMR`), `AT+CTZU`, `AT+CCLK` (unset, a 1980
//!   date, until network time arrives with the attach and `CTZU=1`);
//! - attach with `AT+QCGDEFCONT`/`AT+CGATT`/`AT+CGPADDR` (`CGATT?` says 0
//!   for [`crate::SimConfig::attach_ms`] after `CGATT=1`);
//! - raw TCP in hex (`AT+QICFG="dataformat",1,1`): 5 sockets, a 2,168-byte
//!   receive buffer that says `buff full` once and then DROPS data (no flow
//!   control), a `recv` URC only on empty -> non-empty (late by
//!   [`crate::SimConfig::recv_urc_delay_ms`]), `CLOSE OK` after `OK`;
//! - one SSL connection (context 0, connect ID 0): `AT+QSSLCFG` without
//!   `sni` or `ciphersuite`, inline PEM certificates after a `> ` prompt
//!   ended by Ctrl-Z (kept across restarts, as `NVRAM:<key>` in the file
//!   store), negative `<err>` codes, data pushed in `+QSSLURC: "recv"`.

mod net;
mod ssl;

use crate::clock::{format_cclk, parse_cclk};
use crate::core::{Core, Dialect, Form, PayloadEnd, Pending, Target};
use crate::params::Arg;
use crate::shared::{lock, Shared};
use crate::tcp::{Kind, NetEvent, OpenFail, SockRef};
use crate::uart::Uart;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Raw TCP sockets 0-4.
const SOCKETS: usize = 5;
/// The raw socket receive buffer of the bench notes (UDK), bytes.
pub const RAW_RECV_BUFFER: usize = 2168;
/// Largest `AT+QISEND`/`AT+QIRD`/`AT+QSSLSEND` chunk and `+QSSLURC` push.
pub const MAX_CHUNK: usize = 512;
/// Address of the attached context.
const LOCAL_IP: &str = "10.0.0.2";
/// What an unset clock counts from: 1980-01-06 00:00:00 UTC (GPS epoch).
const UNSET_CLOCK: i64 = 315_964_800;

/// Upper-case hex of `data`.
pub fn hex(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() * 2);
    for b in data {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// Bytes of a hex string (either case); `None` for odd length or a non-hex
/// digit.
pub fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16);
            Some((d(p[0])? * 16 + d(p[1])?) as u8)
        })
        .collect()
}

/// PDP / attach state.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attach {
    Detached,
    /// `CGATT=1` was answered; attached from this instant on.
    Attaching(Instant),
    Attached,
}

/// `AT+QICFG` settings (lost on restart).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct QiCfg {
    send_hex: bool,
    recv_hex: bool,
    showlength: bool,
    viewmode: u8,
}

/// SSL settings of context 0 other than the certificates (lost on restart).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SslCfg {
    seclevel: u8,
    sslversion: u8,
    send_hex: bool,
    recv_hex: bool,
    timeout: u16,
    debug: u8,
}

impl Default for SslCfg {
    fn default() -> Self {
        SslCfg {
            seclevel: 0,
            sslversion: 4,
            send_hex: false,
            recv_hex: false,
            timeout: 90,
            debug: 0,
        }
    }
}

/// One BC66/BC660K modem on one UART connection.
pub struct Session {
    core: Core,
    ctzu: u8,
    /// Clock: Unix time at `clock_at`.
    clock_base: i64,
    clock_at: Instant,
    clock_set: bool,
    apn: String,
    attach: Attach,
    qicfg: QiCfg,
    ssl_cfg: SslCfg,
    /// `recv` URCs waiting for their (late) time.
    late: Vec<(Instant, SockRef)>,
}

impl std::ops::Deref for Session {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Core {
        &mut self.core
    }
}

impl Session {
    /// A freshly powered-on modem on `uart`.
    pub fn new(sh: Arc<Shared>, uart: Uart) -> Self {
        Session {
            core: Core::new(sh, uart, SOCKETS),
            ctzu: 0,
            clock_base: UNSET_CLOCK,
            clock_at: Instant::now(),
            clock_set: false,
            apn: String::new(),
            attach: Attach::Detached,
            qicfg: QiCfg::default(),
            ssl_cfg: SslCfg::default(),
            late: Vec::new(),
        }
    }

    /// True for the BC660K (raw sockets on context 0, not 1).
    fn is_bc660k(&self) -> bool {
        self.sh.cfg.profile.model.contains("BC660K") || self.sh.cfg.profile.model.contains("BC950K")
    }

    /// The context id `AT+QIOPEN` takes.
    fn raw_ctx(&self) -> i64 {
        if self.is_bc660k() {
            0
        } else {
            1
        }
    }

    fn clock_now(&self) -> i64 {
        self.clock_base + self.clock_at.elapsed().as_secs() as i64
    }

    fn attached(&mut self) -> bool {
        if let Attach::Attaching(at) = self.attach {
            if Instant::now() >= at {
                self.attach = Attach::Attached;
                self.sh.log(&format!("attached, IP {LOCAL_IP}"));
            }
        }
        if self.attach == Attach::Attached && self.ctzu == 1 && !self.clock_set {
            self.clock_base = self.sh.network_now();
            self.clock_at = Instant::now();
            self.clock_set = true;
            self.sh.log("network time received");
        }
        self.attach == Attach::Attached
    }

    fn basic_cmd(&mut self, cmd: &str) {
        self.core.basic_cmd(cmd, &[])
    }

    fn extended_cmd(&mut self, name: &str, form: Form) {
        use Form::*;
        let p = self.sh.cfg.profile.clone();
        match (name, form) {
            ("CMEE", Set(a)) => self.core.cmee_set(&a),
            ("CMEE", Read) => self.core.cmee_read(),
            ("CGMR", Exec) => self.info_ok(&[format!("Revision: {}", p.revision)]),
            ("CGMI", Exec) => self.info_ok(&[p.manufacturer]),
            ("CGMM", Exec) => self.info_ok(&[p.model]),
            ("CGSN", Exec) => self.info_ok(&["866425040000000".to_string()]),
            ("CGSN", Set(a)) if a.first().and_then(Arg::int) == Some(1) => {
                self.info_ok(&["+CGSN: 866425040000000".to_string()])
            }
            ("CPIN", Read) => self.info_ok(&["+CPIN: READY".to_string()]),
            ("CFUN", Read) => self.info_ok(&["+CFUN: 1".to_string()]),
            ("CFUN", Set(_)) | ("QSCLK", Set(_)) | ("QIDNSCFG", Set(_)) | ("CEREG", Set(_)) => {
                self.ok()
            }
            ("CSQ", Exec) => self.info_ok(&["+CSQ: 25,99".to_string()]),
            ("CEREG", Read) => {
                let stat = if self.attached() { 1 } else { 2 };
                self.info_ok(&[format!("+CEREG: 0,{stat}")])
            }
            ("CTZU", Set(a)) => match a.first().and_then(Arg::int) {
                Some(n @ 0..=1) if a.len() == 1 => {
                    self.ctzu = n as u8;
                    self.attached();
                    self.ok();
                }
                _ => self.error(),
            },
            ("CTZU", Read) => {
                let l = format!("+CTZU: {}", self.ctzu);
                self.info_ok(&[l])
            }
            ("CCLK", Read) => {
                self.attached();
                let l = format!("+CCLK: \"{}\"", format_cclk(self.clock_now()));
                self.info_ok(&[l]);
            }
            ("CCLK", Set(a)) => match a.first().and_then(Arg::str).and_then(parse_cclk) {
                Some(t) if a.len() == 1 => {
                    self.clock_base = t;
                    self.clock_at = Instant::now();
                    self.ok();
                }
                _ => self.error(),
            },
            ("QCGDEFCONT", Set(a)) => self.qcgdefcont(&a),
            ("QCGDEFCONT", Read) => {
                let l = format!("+QCGDEFCONT: \"IP\",\"{}\"", self.apn);
                self.info_ok(&[l])
            }
            ("CGATT", Set(a)) => self.cgatt(&a),
            ("CGATT", Read) => {
                let l = format!("+CGATT: {}", u8::from(self.attached()));
                self.info_ok(&[l])
            }
            ("CGPADDR", Set(a)) => self.cgpaddr(a.first().and_then(Arg::int), a.len()),
            ("CGPADDR", Exec) => self.cgpaddr(None, 0),
            ("QICFG", Set(a)) => self.qicfg(&a),
            ("QIOPEN", Set(a)) => self.qiopen(&a),
            ("QISEND", Set(a)) => self.qisend(&a),
            ("QIRD", Set(a)) => self.qird(&a),
            ("QICLOSE", Set(a)) => self.qiclose(&a),
            ("QSSLCFG", Set(a)) => self.qsslcfg(&a),
            ("QSSLOPEN", Set(a)) => self.qsslopen(&a),
            ("QSSLSEND", Set(a)) => self.qsslsend(&a),
            ("QSSLCLOSE", Set(a)) => self.qsslclose(&a),
            _ => self.error(),
        }
    }

    fn event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Opened(r, result) => {
                let Some(s) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                let code = match result {
                    Ok(port) => {
                        s.state = 2;
                        s.local_port = port;
                        0
                    }
                    Err(fail) => {
                        self.sockets(r.kind)[usize::from(r.id)] = None;
                        match (r.kind, fail) {
                            (Kind::Tcp, _) => 566,
                            (Kind::Ssl, f) => ssl::open_error(&f),
                        }
                    }
                };
                self.open_result(r.kind, r.id, code);
            }
            NetEvent::Recv(r) => {
                if self.sock(r.kind, r.id, r.gen).is_none() {
                    return;
                }
                match r.kind {
                    Kind::Ssl => self.pending.push_back(Pending::Push(r.kind, r.id, r.gen)),
                    Kind::Tcp if self.sh.cfg.recv_urc_delay_ms == 0 => {
                        self.maybe_noise();
                        self.urc(format!("+QIURC: \"recv\",{}", r.id));
                    }
                    Kind::Tcp => {
                        let delay = u64::from(self.sh.cfg.recv_urc_delay_ms);
                        let due = Instant::now() + std::time::Duration::from_millis(delay);
                        self.late.push((due, r));
                    }
                }
            }
            NetEvent::BuffFull(r) => {
                if r.kind == Kind::Tcp && self.sock(r.kind, r.id, r.gen).is_some() {
                    self.urc(format!("+QIURC: \"recv\",{},\"buff full\"", r.id));
                }
            }
            NetEvent::Closed(r) => {
                let Some(s) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                if s.state != 2 {
                    return;
                }
                s.state = 4;
                self.closed(r.kind, r.id, r.gen);
            }
        }
    }

    /// The connection of socket `id` ended (peer or network): raw sockets
    /// keep their data for `AT+QIRD` and wait for `AT+QICLOSE`; the SSL
    /// connection pushes what it holds and is gone.
    fn closed(&mut self, kind: Kind, id: u8, gen: u64) {
        match kind {
            Kind::Tcp => self.urc(format!("+QIURC: \"closed\",{id}")),
            Kind::Ssl => {
                // What arrived before the close goes out first; then the
                // connection is gone (no AT+QSSLCLOSE needed).
                if let Some(s) = self.sock(kind, id, gen) {
                    let shared = s.shared.clone();
                    let frames = self.ssl_frames(&shared);
                    if !frames.is_empty() {
                        self.pending.push_back(Pending::Bytes(frames));
                    }
                }
                self.urc("+QSSLURC: \"closed\",0,0".to_string());
                if let Some(s) = self.sockets(kind)[usize::from(id)].take() {
                    s.shared.stop.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// `+QIOPEN: <id>,<err>` / `+QSSLOPEN: 0,0,<err>` at the next safe point.
    fn open_result(&mut self, kind: Kind, id: u8, code: i32) {
        self.maybe_noise();
        match kind {
            Kind::Tcp => self.urc(format!("+QIOPEN: {id},{code}")),
            Kind::Ssl => self.urc(format!("+QSSLOPEN: 0,0,{code}")),
        }
    }
}

impl Dialect for Session {
    fn banner(&self) -> &'static [&'static [u8]] {
        &[b"\r\nRDY\r\n"]
    }

    fn basic(&mut self, cmd: &str) {
        Session::basic_cmd(self, cmd)
    }

    fn extended(&mut self, name: &str, form: Form) {
        Session::extended_cmd(self, name, form)
    }

    fn payload(&mut self, target: Target, data: Vec<u8>, end: PayloadEnd) {
        match target {
            Target::Send(kind, id) => self.send_payload(kind, id, data),
            Target::Upload(key) => self.cert_payload(&key, data, end),
        }
    }

    fn on_event(&mut self, ev: NetEvent) {
        Session::event(self, ev)
    }

    fn push_data(&mut self, kind: Kind, id: u8, gen: u64) {
        self.push_ssl(kind, id, gen)
    }

    fn net_close(&mut self, kind: Kind, id: u8) {
        if let Some((_, gen)) = self.core.close_by_network(kind, id) {
            self.closed(kind, id, gen);
        }
    }

    fn drop_pdp(&mut self, cid: u8) {
        if cid != 1 || self.attach == Attach::Detached {
            self.sh
                .log(&format!("drop_pdp({cid}): context not active, ignored"));
            return;
        }
        self.attach = Attach::Detached;
        self.sh
            .log(&format!("drop_pdp({cid}): network deactivated the context"));
        let core = &mut self.core;
        for s in core.tcp.iter_mut().chain(core.ssl.iter_mut()).flatten() {
            s.shared.stop.store(true, Ordering::Relaxed);
            s.state = 4;
        }
        self.urc(format!("+QIURC: \"pdpdeact\",{cid}"));
    }

    fn active_contexts(&self) -> Vec<u8> {
        let attached = match self.attach {
            Attach::Attached => true,
            Attach::Attaching(at) => Instant::now() >= at,
            Attach::Detached => false,
        };
        if attached {
            vec![1]
        } else {
            Vec::new()
        }
    }

    fn reset(&mut self) {
        self.ctzu = 0;
        self.clock_base = UNSET_CLOCK;
        self.clock_at = Instant::now();
        self.clock_set = false;
        self.apn.clear();
        self.attach = Attach::Detached;
        self.qicfg = QiCfg::default();
        self.ssl_cfg = SslCfg::default();
        self.late.clear();
    }

    fn tick(&mut self) {
        let now = Instant::now();
        let due: Vec<SockRef> = self
            .late
            .iter()
            .filter(|(t, _)| *t <= now)
            .map(|(_, r)| *r)
            .collect();
        self.late.retain(|(t, _)| *t > now);
        for r in due {
            if self.sock(r.kind, r.id, r.gen).is_some() {
                self.maybe_noise();
                self.urc(format!("+QIURC: \"recv\",{}", r.id));
            }
        }
    }
}
