//! The Quectel BG96/BG95/BG77 AT dialect (at-commands.md §0, §1) on the
//! neutral [`crate::core`]: the commands, their answers byte-exactly, the
//! socket URCs and the settings of this family.

mod files;
mod network;
mod sslcfg;

use crate::checksum::xor16_hex;
use crate::clock::{format_cclk, parse_cclk};
use crate::core::{frame, Core, Dialect, Form, Input, PayloadEnd, Pending, SendError, Target};
use crate::files::{canonical, MAX_FILE};
use crate::params::Arg;
use crate::shared::{lock, Shared};
use crate::tcp::{Kind, NetEvent, OpenFail, OpenRequest, RecvPolicy, SockRef};
use crate::tls::SslCtxCfg;
use crate::uart::Uart;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::core::MAX_LINE;

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

fn kind_urc(kind: Kind) -> &'static str {
    match kind {
        Kind::Tcp => "+QIURC",
        Kind::Ssl => "+QSSLURC",
    }
}

/// One BG9x modem on one UART connection (power-on to disconnect).
pub struct Session {
    core: Core,
    creg: [u8; 3],
    ctzu: u8,
    clock_offset: i64,
    pdp: Vec<Pdp>,
    ssl_cfg: Vec<SslCtxCfg>,
    last_err: i32,
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
        sh.files.clear_ram();
        Session {
            core: Core::new(sh, uart, SOCKETS),
            creg: [0; 3],
            ctzu: 0,
            clock_offset: 0,
            pdp: vec![Pdp::default(); MAX_CID + 1],
            ssl_cfg: vec![SslCtxCfg::default(); SSL_CTXS],
            last_err: 0,
        }
    }

    /// See [`Dialect::run`].
    pub fn run(self) -> Option<Session> {
        Dialect::run(self)
    }

    /// See [`Dialect::reattach`].
    pub fn reattach(&mut self, uart: Uart) {
        Dialect::reattach(self, uart)
    }

    /// See [`Dialect::power_off`].
    pub fn power_off(self) {
        Dialect::power_off(self)
    }

    /// A socket/SSL command error: bare ERROR, detail for QIGETERROR.
    fn qerror(&mut self, code: i32) {
        self.last_err = code;
        self.error();
    }

    fn cme(&mut self, code: u16) {
        self.core.cme_with(code, cme_desc(code));
    }

    fn event(&mut self, ev: NetEvent) {
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
                    Err(fail) => {
                        self.sockets(kind)[usize::from(id)] = None;
                        match fail {
                            OpenFail::Connect => 566,
                            OpenFail::Setup(_) | OpenFail::Handshake(_) => -1,
                        }
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
            // Flow control holds the peer back: never full with loss.
            NetEvent::BuffFull(_) => {}
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
    fn push(&mut self, kind: Kind, id: u8, gen: u64) {
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
    fn close_by_network(&mut self, kind: Kind, id: u8) {
        if self.core.close_by_network(kind, id).is_some() {
            self.urc(format!("{}: \"closed\",{id}", kind_urc(kind)));
        }
    }

    fn pdp_lost(&mut self, cid: u8) {
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
        let core = &mut self.core;
        for s in core.tcp.iter_mut().chain(core.ssl.iter_mut()).flatten() {
            if s.cid == cid {
                s.shared.stop.store(true, Ordering::Relaxed);
                s.state = 4;
            }
        }
        self.urc(format!("+QIURC: \"pdpdeact\",{cid}"));
    }

    fn send_payload(&mut self, kind: Kind, id: u8, data: Vec<u8>) {
        match self.queue_send(kind, id, data) {
            Ok(()) => {
                self.last_err = 0;
                self.out(b"\r\nSEND OK\r\n");
            }
            Err(SendError::Closed) => self.qerror(567),
            Err(SendError::Fail) => self.out(b"\r\nSEND FAIL\r\n"),
        }
    }

    fn basic_cmd(&mut self, cmd: &str) {
        // The V.250 settings a BG9x takes without a word.
        const MORE: &[&str] = &["&D0", "&D1", "&D2", "&C0", "&C1", "&K0", "&K3"];
        self.core.basic_cmd(cmd, MORE)
    }

    fn extended_cmd(&mut self, name: &str, form: Form) {
        use Form::*;
        let p = self.sh.cfg.profile.clone();
        match (name, form) {
            ("CMEE", Set(a)) => self.core.cmee_set(&a),
            ("CMEE", Read) => self.core.cmee_read(),
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
                let l = format!("+{name}: {},1", self.creg[i]);
                self.info_ok(&[l]);
            }
            ("CTZU", Set(a)) => match a.first().and_then(Arg::int) {
                Some(n @ 0..=1) => {
                    self.ctzu = n as u8;
                    self.ok();
                }
                _ => self.error(),
            },
            ("CTZU", Read) => {
                let l = format!("+CTZU: {}", self.ctzu);
                self.info_ok(&[l])
            }
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

impl Dialect for Session {
    fn banner(&self) -> &'static [&'static [u8]] {
        &[b"\r\nRDY\r\n", b"\r\nAPP RDY\r\n"]
    }

    fn basic(&mut self, cmd: &str) {
        Session::basic_cmd(self, cmd)
    }

    fn extended(&mut self, name: &str, form: Form) {
        Session::extended_cmd(self, name, form)
    }

    fn payload(&mut self, target: Target, data: Vec<u8>, _end: PayloadEnd) {
        match target {
            Target::Send(kind, id) => self.send_payload(kind, id, data),
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

    fn on_event(&mut self, ev: NetEvent) {
        Session::event(self, ev)
    }

    fn push_data(&mut self, kind: Kind, id: u8, gen: u64) {
        Session::push(self, kind, id, gen)
    }

    fn net_close(&mut self, kind: Kind, id: u8) {
        Session::close_by_network(self, kind, id)
    }

    fn drop_pdp(&mut self, cid: u8) {
        Session::pdp_lost(self, cid)
    }

    fn active_contexts(&self) -> Vec<u8> {
        (1..=MAX_CID)
            .filter(|&c| self.pdp[c].active)
            .map(|c| c as u8)
            .collect()
    }

    fn reset(&mut self) {
        self.sh.files.clear_ram();
        self.creg = [0; 3];
        self.ctzu = 0;
        self.clock_offset = 0;
        self.pdp = vec![Pdp::default(); MAX_CID + 1];
        self.ssl_cfg = vec![SslCtxCfg::default(); SSL_CTXS];
        self.last_err = 0;
    }
}
