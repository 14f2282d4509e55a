//! The Quectel M66/M95 AT dialect (GSM/GPRS, the "QI" stack;
//! `docs/dialects/m95.md`, from at-dialects-2.md §2, at-commands.md §3 and
//! the Quectel GSM HTTPS application note) on the neutral [`crate::core`]:
//!
//! - boot URCs `RDY`, `+CFUN: 1`, `+CPIN: READY`, `Call Ready`,
//!   `SMS Ready`; identity by `ATI`/`AT+GMR` (no `AT+QGMR`);
//! - the QI PDP state machine: `AT+QIFGCNT`, `AT+QICSGP`, `AT+QIREGAPP`,
//!   `AT+QIACT`, `AT+QILOCIP` (a bare address line, no `OK`),
//!   `AT+QIDEACT` (`DEACT OK`), `AT+QISTAT`;
//! - 6 raw TCP connections with `AT+QIMUX=1`/`AT+QINDI=1`:
//!   `<id>, CONNECT OK`, a `⏎> ` prompt, `+QIRDI: 0,1,<id>`,
//!   `AT+QIRD=0,1,<id>,<len>` with an `<ip>:<port>,TCP,<n>` header (a bare
//!   `OK` when empty), `<id>, CLOSE OK`;
//! - SSL with the key before the context (`AT+QSSLCFG="seclevel",0,1`),
//!   certificates named as `RAM:`/`NVRAM:` files written with
//!   `AT+QSECWRITE` (XOR-16 checksum; `RAM:` files are lost at every
//!   power-on and restart), `+QSSLOPEN: <ssid>,<err>` with the BC66
//!   negative codes, `+QSSLURC: "recv",<ctx>,<ssid>` without a length and
//!   `AT+QSSLRECV=<ctx>,<ssid>,<len>`.

mod net;
mod ssl;

use crate::clock::format_cclk;
use crate::core::{Core, Dialect, Form, PayloadEnd, Target};
use crate::params::Arg;
use crate::shared::Shared;
use crate::tcp::{Kind, NetEvent};
use crate::tls::SslCtxCfg;
use crate::uart::Uart;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Raw TCP connections 0-5, SSL sockets 0-5, SSL contexts 0-5.
pub const SOCKETS: usize = 6;
/// Largest `AT+QISEND`/`AT+QSSLSEND` payload.
pub const MAX_SEND: usize = 1460;
/// Largest `AT+QIRD`/`AT+QSSLRECV` read.
pub const MAX_READ: usize = 1500;
/// The local address `AT+QILOCIP` answers (the application note's example).
pub const LOCAL_IP: &str = "10.1.83.188";
/// The PDP context id the simulator's control interface knows the one GPRS
/// context by ([`crate::SimControl::drop_pdp`], `active_contexts`).
const CID: u8 = 1;

/// The QI stack's connection state (`AT+QISTAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IpState {
    /// Nothing registered.
    Initial,
    /// `AT+QIREGAPP` done.
    Start,
    /// `AT+QIACT` done.
    GprsAct,
    /// `AT+QILOCIP` asked.
    Status,
}

impl IpState {
    fn name(self) -> &'static str {
        match self {
            IpState::Initial => "IP INITIAL",
            IpState::Start => "IP START",
            IpState::GprsAct => "IP GPRSACT",
            IpState::Status => "IP STATUS",
        }
    }

    fn active(self) -> bool {
        matches!(self, IpState::GprsAct | IpState::Status)
    }
}

/// An `AT+QSECWRITE` in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Upload {
    name: String,
    size: usize,
}

/// One M66/M95 modem on one UART connection.
pub struct Session {
    core: Core,
    state: IpState,
    apn: String,
    mux: u8,
    /// SSL contexts 0-5 (certificate names in `cacert`, ...).
    ssl_cfg: Vec<SslCtxCfg>,
    /// Global `"ignorertctime"`.
    ignorertctime: u8,
    /// The upload in progress.
    upload: Option<Upload>,
    /// Files whose upload ended short (`AT+QSECREAD` says 0).
    short: Vec<String>,
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

/// Power-on SSL context: all versions, all suites, no verification.
fn default_ctx() -> SslCtxCfg {
    SslCtxCfg {
        ignorelocaltime: 0,
        negotiatetime: 90,
        ..SslCtxCfg::default()
    }
}

impl Session {
    /// A freshly powered-on modem on `uart`: the `RAM:` files are gone.
    pub fn new(sh: Arc<Shared>, uart: Uart) -> Self {
        sh.files.clear_ram();
        Session {
            core: Core::new(sh, uart, SOCKETS),
            state: IpState::Initial,
            apn: String::new(),
            mux: 0,
            ssl_cfg: vec![default_ctx(); SOCKETS],
            ignorertctime: 0,
            upload: None,
            short: Vec::new(),
        }
    }

    fn extended_cmd(&mut self, name: &str, form: Form) {
        use Form::*;
        let p = self.sh.cfg.profile.clone();
        match (name, form) {
            ("CMEE", Set(a)) => self.core.cmee_set(&a),
            ("CMEE", Read) => self.core.cmee_read(),
            ("GMR", Exec) | ("CGMR", Exec) => self.info_ok(&[format!("Revision: {}", p.revision)]),
            ("GMI", Exec) | ("CGMI", Exec) => self.info_ok(&[p.manufacturer]),
            ("GMM", Exec) | ("CGMM", Exec) => self.info_ok(&[p.model]),
            ("GSN", Exec) | ("CGSN", Exec) => self.info_ok(&["862950020000000".to_string()]),
            ("CPIN", Read) => self.info_ok(&["+CPIN: READY".to_string()]),
            ("CFUN", Read) => self.info_ok(&["+CFUN: 1".to_string()]),
            ("CSQ", Exec) => self.info_ok(&["+CSQ: 20,0".to_string()]),
            ("CREG", Read) => self.info_ok(&["+CREG: 0,1".to_string()]),
            ("CGREG", Read) => self.info_ok(&["+CGREG: 0,1".to_string()]),
            ("CGATT", Read) => self.info_ok(&["+CGATT: 1".to_string()]),
            ("CCLK", Read) => {
                let l = format!("+CCLK: \"{}\"", format_cclk(self.sh.network_now()));
                self.info_ok(&[l]);
            }
            ("CFUN", Set(_))
            | ("CREG", Set(_))
            | ("CGREG", Set(_))
            | ("QNITZ", Set(_))
            | ("IFC", Set(_)) => self.ok(),
            ("QIFGCNT", Set(a)) => self.qifgcnt(&a),
            ("QICSGP", Set(a)) => self.qicsgp(&a),
            ("QIMODE", Set(a)) => self.flag(&a, 0, 0, |_, _| {}),
            ("QIMUX", Set(a)) => self.flag(&a, 0, 1, |s, v| s.mux = v),
            ("QIDNSIP", Set(a)) => self.flag(&a, 0, 1, |_, _| {}),
            ("QINDI", Set(a)) => self.flag(&a, 1, 1, |_, _| {}),
            ("QIREGAPP", Exec) => self.qiregapp(),
            ("QIACT", Exec) => self.qiact(),
            ("QILOCIP", Exec) => self.qilocip(),
            ("QIDEACT", Exec) => self.qideact(),
            ("QISTAT", Exec) => {
                let st = self.state.name();
                self.out(format!("\r\nOK\r\n\r\nSTATE: {st}\r\n").as_bytes());
            }
            ("QIOPEN", Set(a)) => self.qiopen(&a),
            ("QISEND", Set(a)) => self.qisend(&a),
            ("QIRD", Set(a)) => self.qird(&a),
            ("QICLOSE", Set(a)) => self.qiclose(&a),
            ("QSSLCFG", Set(a)) => self.qsslcfg(&a),
            ("QSSLOPEN", Set(a)) => self.qsslopen(&a),
            ("QSSLSEND", Set(a)) => self.qsslsend(&a),
            ("QSSLRECV", Set(a)) => self.qsslrecv(&a),
            ("QSSLCLOSE", Set(a)) => self.qsslclose(&a),
            ("QSECWRITE", Set(a)) => self.qsecwrite(&a),
            ("QSECREAD", Set(a)) => self.qsecread(&a),
            ("QSECDEL", Set(a)) => self.qsecdel(&a),
            ("QFLST", Set(a)) => self.qflst(&a),
            _ => self.error(),
        }
    }

    /// A one-number setting in `lo..=hi`: `OK` (after `set`) or `ERROR`.
    fn flag(&mut self, a: &[Arg], lo: i64, hi: i64, set: impl FnOnce(&mut Self, u8)) {
        match a.first().and_then(Arg::int) {
            Some(v) if a.len() == 1 && (lo..=hi).contains(&v) => {
                set(self, v as u8);
                self.ok();
            }
            _ => self.error(),
        }
    }

    /// Stops every socket (PDP gone): no URCs, the ids are free.
    fn drop_all_sockets(&mut self) {
        let core = &mut self.core;
        for s in core.tcp.iter_mut().chain(core.ssl.iter_mut()) {
            if let Some(s) = s.take() {
                s.shared.stop.store(true, Ordering::Relaxed);
            }
        }
    }

    fn event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Opened(r, result) => {
                let Some(s) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                match result {
                    Ok(port) => {
                        s.state = 2;
                        s.local_port = port;
                        self.maybe_noise();
                        match r.kind {
                            Kind::Tcp => self.urc(format!("{}, CONNECT OK", r.id)),
                            Kind::Ssl => self.urc(format!("+QSSLOPEN: {},0", r.id)),
                        }
                    }
                    Err(fail) => {
                        self.sockets(r.kind)[usize::from(r.id)] = None;
                        self.maybe_noise();
                        match r.kind {
                            Kind::Tcp => self.urc(format!("{}, CONNECT FAIL", r.id)),
                            Kind::Ssl => {
                                let code = ssl::open_error(&fail);
                                self.urc(format!("+QSSLOPEN: {},{code}", r.id))
                            }
                        }
                    }
                }
            }
            NetEvent::Recv(r) => {
                let Some(s) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                let ctx = s.ctx;
                self.maybe_noise();
                match r.kind {
                    Kind::Tcp => self.urc(format!("+QIRDI: 0,1,{}", r.id)),
                    Kind::Ssl => self.urc(format!("+QSSLURC: \"recv\",{ctx},{}", r.id)),
                }
            }
            // The receive buffers stop reading when full (flow control).
            NetEvent::BuffFull(_) => {}
            NetEvent::Closed(r) => {
                let Some(s) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                if s.state != 2 {
                    return;
                }
                s.state = 4;
                let ctx = s.ctx;
                self.closed_urc(r.kind, r.id, ctx);
            }
        }
    }

    /// `<id>, CLOSED` or `+QSSLURC: "closed",<ctx>,<ssid>`.
    fn closed_urc(&mut self, kind: Kind, id: u8, ctx: u8) {
        match kind {
            Kind::Tcp => self.urc(format!("{id}, CLOSED")),
            Kind::Ssl => self.urc(format!("+QSSLURC: \"closed\",{ctx},{id}")),
        }
    }
}

impl Dialect for Session {
    fn banner(&self) -> &'static [&'static [u8]] {
        &[
            b"\r\nRDY\r\n",
            b"\r\n+CFUN: 1\r\n",
            b"\r\n+CPIN: READY\r\n",
            b"\r\nCall Ready\r\n",
            b"\r\nSMS Ready\r\n",
        ]
    }

    fn basic(&mut self, cmd: &str) {
        self.core.basic_cmd(cmd, &["&D0", "&D1", "&D2"])
    }

    fn extended(&mut self, name: &str, form: Form) {
        Session::extended_cmd(self, name, form)
    }

    fn payload(&mut self, target: Target, data: Vec<u8>, end: PayloadEnd) {
        match target {
            Target::Send(kind, id) => self.send_payload(kind, id, data),
            Target::Upload(_) => self.upload_payload(data, end),
        }
    }

    fn on_event(&mut self, ev: NetEvent) {
        Session::event(self, ev)
    }

    /// Nothing is pushed on this family (`AT+QINDI=1`: the host reads).
    fn push_data(&mut self, _kind: Kind, _id: u8, _gen: u64) {}

    fn net_close(&mut self, kind: Kind, id: u8) {
        if let Some((ctx, _)) = self.core.close_by_network(kind, id) {
            self.closed_urc(kind, id, ctx);
        }
    }

    fn drop_pdp(&mut self, cid: u8) {
        if cid != CID || !self.state.active() {
            self.sh
                .log(&format!("drop_pdp({cid}): context not active, ignored"));
            return;
        }
        self.sh
            .log(&format!("drop_pdp({cid}): network deactivated the context"));
        self.state = IpState::Initial;
        self.drop_all_sockets();
        self.urc("+PDP DEACT".to_string());
    }

    fn active_contexts(&self) -> Vec<u8> {
        if self.state.active() {
            vec![CID]
        } else {
            Vec::new()
        }
    }

    fn reset(&mut self) {
        self.sh.files.clear_ram();
        self.state = IpState::Initial;
        self.apn.clear();
        self.mux = 0;
        self.ssl_cfg = vec![default_ctx(); SOCKETS];
        self.ignorertctime = 0;
        self.upload = None;
        self.short.retain(|n| !n.starts_with("RAM:"));
    }
}
