//! The Sierra Wireless HL8548 / HL78xx "K" command dialect
//! (`docs/dialects/sierra-hl.md`, from at-dialects-2.md §3, at-commands.md
//! §4 and the HL8548 HTTPS forum thread) on the neutral [`crate::core`]:
//!
//! - identity (`ATI` model, `ATI3` revision, `AT+CGMM`/`AT+CGMR`), the
//!   `+KSUP: 0` boot URC, `AT+CCLK`;
//! - PDP with `AT+KCNXCFG` (up on demand at the first `AT+KTCPCNX`);
//! - sessions 1-6 (`AT+KTCPCFG` mode 0 raw, mode 3 TLS), `AT+KTCPCNX` ->
//!   `+KTCP_IND`/`+KTCP_NOTIF`, `AT+KTCPSND`/`AT+KTCPRCV` data phases
//!   after `CONNECT` framed by length and ended by `--EOF--Pattern--`,
//!   `+KTCP_DATA` with the buffered count;
//! - TLS offload: `AT+KSSLCRYPTO` cipher profiles per firmware,
//!   `AT+KSSLCFG`, `AT+KCERTSTORE`/`AT+KPRIVKSTORE` (non-volatile), no SNI,
//!   DER-only CAs on the HL8548.

mod net;
mod ssl;

use crate::clock::{format_cclk, parse_cclk};
use crate::core::{Core, Dialect, Form, PayloadEnd, Pending, Target};
use crate::params::Arg;
use crate::shared::{lock, Shared};
use crate::tcp::{Kind, NetEvent};
use crate::uart::Uart;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The pattern that ends every data phase (`AT+KTCPSND`, `AT+KTCPRCV`,
/// `AT+KCERTSTORE`, `AT+KPRIVKSTORE`).
pub const EOF_PATTERN: &[u8] = b"--EOF--Pattern--";
/// Sessions 1-6 (raw and TLS together).
pub const SESSIONS: u8 = 6;
/// Largest `AT+KTCPSND`/`AT+KTCPRCV` chunk.
pub const MAX_CHUNK: usize = 1500;
/// PDP connection configurations 1-5.
const CNX: u8 = 5;
/// Address of an active context.
const LOCAL_IP: &str = "10.0.0.2";

/// One PDP connection configuration (`AT+KCNXCFG`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cnx {
    apn: String,
    /// The context is active.
    up: bool,
}

/// One session defined with `AT+KTCPCFG`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sess {
    cnx: u8,
    /// Mode 3 (TLS client).
    tls: bool,
    host: String,
    port: u16,
    /// The `AT+KSSLCRYPTO` profile (TLS sessions).
    cipher_idx: u8,
    /// 1 defined, 2 connecting, 3 up, 5 closed.
    status: u8,
    /// The last `+KTCP_NOTIF` code, -1 none.
    notif: i32,
}

impl Sess {
    fn kind(&self) -> Kind {
        if self.tls {
            Kind::Ssl
        } else {
            Kind::Tcp
        }
    }
}

/// Which firmware of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// HL8548 (2G/3G).
    Hl8548,
    /// HL78xx firmware 4.5 or older.
    Hl78xx45,
    /// HL78xx firmware 4.6 or later.
    Hl78xx46,
}

impl Firmware {
    /// The firmware of a profile: model `HL85…` is the HL8548; an HL78xx
    /// revision `HL78xx.4.<minor>…` with minor >= 6 (or major > 4) is 4.6.
    pub fn of(p: &crate::FirmwareProfile) -> Firmware {
        if p.model.starts_with("HL85") {
            return Firmware::Hl8548;
        }
        let mut parts = p.revision.split('.').skip(1);
        let major: u32 = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0);
        let minor: u32 = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0);
        if major > 4 || (major == 4 && minor >= 6) {
            Firmware::Hl78xx46
        } else {
            Firmware::Hl78xx45
        }
    }
}

/// A data phase in progress: what its bytes are for and how many the
/// command announced.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Phase {
    target: Target,
    len: usize,
}

/// One HL8548 / HL78xx modem on one UART connection.
pub struct Session {
    core: Core,
    fw: Firmware,
    /// `AT+CCLK` offset from network time, seconds.
    clock_offset: i64,
    /// Index = cnx (0 unused).
    cnx: Vec<Option<Cnx>>,
    /// Index = session (0 unused).
    sess: Vec<Option<Sess>>,
    /// `AT+KSSLCRYPTO` profiles.
    crypto: Vec<ssl::Crypto>,
    /// `AT+KSSLCFG` options 0 and 1.
    ksslcfg_ver: u8,
    ksslcfg_text: String,
    /// The data phase after `CONNECT`, if any.
    phase: Option<Phase>,
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
        let fw = Firmware::of(&sh.cfg.profile);
        Session {
            core: Core::new(sh, uart, usize::from(SESSIONS) + 1),
            fw,
            clock_offset: 0,
            cnx: (0..=CNX).map(|_| None).collect(),
            sess: (0..=SESSIONS).map(|_| None).collect(),
            crypto: ssl::default_profiles(fw),
            ksslcfg_ver: 3,
            ksslcfg_text: String::new(),
            phase: None,
        }
    }

    /// `+CME ERROR: 3` (operation not allowed).
    fn not_allowed(&mut self) {
        self.cme_with(3, "operation not allowed")
    }

    fn basic_cmd(&mut self, cmd: &str) {
        let p = self.sh.cfg.profile.clone();
        match cmd {
            "I" | "I0" => self.info_ok(&[p.model]),
            "I3" => self.info_ok(&[p.revision]),
            _ => self.core.basic_cmd(
                cmd,
                &["&K0", "&K3", "&D0", "&D1", "&D2", "&C0", "&C1", "E0V1"],
            ),
        }
    }

    fn extended_cmd(&mut self, name: &str, form: Form) {
        use Form::*;
        let p = self.sh.cfg.profile.clone();
        match (name, form) {
            ("CMEE", Set(a)) => self.core.cmee_set(&a),
            ("CMEE", Read) => self.core.cmee_read(),
            ("CGMI", Exec) => self.info_ok(&[p.manufacturer]),
            ("CGMM", Exec) => self.info_ok(&[p.model]),
            ("CGMR", Exec) => self.info_ok(&[p.revision]),
            ("CGSN", Exec) => self.info_ok(&["352913090000000".to_string()]),
            ("CPIN", Read) => self.info_ok(&["+CPIN: READY".to_string()]),
            ("CFUN", Read) => self.info_ok(&["+CFUN: 1".to_string()]),
            ("CFUN", Set(_)) | ("IFC", Set(_)) | ("KSREP", Set(_)) | ("CEREG", Set(_)) => self.ok(),
            ("KSREP", Read) => self.info_ok(&["+KSREP: 1,0".to_string()]),
            ("CSQ", Exec) => self.info_ok(&["+CSQ: 25,99".to_string()]),
            ("CEREG", Read) => self.info_ok(&["+CEREG: 0,1".to_string()]),
            ("CGATT", Read) => self.info_ok(&["+CGATT: 1".to_string()]),
            ("CGATT", Set(a)) if a.len() == 1 && a[0].int() == Some(1) => self.ok(),
            ("CCLK", Read) => {
                let now = self.sh.network_now() + self.clock_offset;
                self.info_ok(&[format!("+CCLK: \"{}\"", format_cclk(now))]);
            }
            ("CCLK", Set(a)) => match a.first().and_then(Arg::str).and_then(parse_cclk) {
                Some(t) if a.len() == 1 => {
                    self.clock_offset = t - self.sh.network_now();
                    self.ok();
                }
                _ => self.error(),
            },
            ("KCNXCFG", Set(a)) => self.kcnxcfg(&a),
            ("KCNXCFG", Read) => {
                let lines: Vec<String> = self
                    .cnx
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        c.as_ref()
                            .map(|c| format!("+KCNXCFG: {i},\"GPRS\",\"{}\"", c.apn))
                    })
                    .collect();
                self.info_ok(&lines)
            }
            ("KCNXTIMER", Set(a)) if (4..=5).contains(&a.len()) && self.cnx_arg(&a).is_some() => {
                self.ok()
            }
            ("KCNXPROFILE", Set(a)) if a.len() == 1 && self.cnx_arg(&a).is_some() => self.ok(),
            ("KCNXUP", Set(a)) if self.fw != Firmware::Hl8548 => self.kcnxup(&a),
            ("KCNXDOWN", Set(a)) => self.kcnxdown(&a),
            ("CGPADDR", Set(a)) => match self.cnx_arg(&a) {
                Some(c) if a.len() == 1 => {
                    let up = self.cnx[usize::from(c)].as_ref().is_some_and(|x| x.up);
                    let ip = if up { LOCAL_IP } else { "" };
                    self.info_ok(&[format!("+CGPADDR: {c},\"{ip}\"")]);
                }
                _ => self.error(),
            },
            ("KTCPCFG", Set(a)) => self.ktcpcfg(&a),
            ("KTCPCNX", Set(a)) => self.ktcpcnx(&a),
            ("KTCPSND", Set(a)) => self.ktcpsnd(&a),
            ("KTCPRCV", Set(a)) => self.ktcprcv(&a),
            ("KTCPSTAT", Set(a)) => self.ktcpstat(&a),
            ("KTCPCLOSE", Set(a)) => self.ktcpclose(&a),
            ("KTCPDEL", Set(a)) => self.ktcpdel(&a),
            ("KSSLCRYPTO", Set(a)) => self.ksslcrypto(&a),
            ("KSSLCRYPTO", Read) => self.ksslcrypto_read(),
            ("KSSLCFG", Set(a)) => self.ksslcfg(&a),
            ("KSSLCFG", Read) => {
                let l = vec![
                    format!("+KSSLCFG: 0,{}", self.ksslcfg_ver),
                    "+KSSLCFG: 2,0".to_string(),
                ];
                self.info_ok(&l)
            }
            ("KCERTSTORE", Set(a)) => self.kcertstore(&a),
            ("KCERTSTORE", Read) => self.store_list(false),
            ("KPRIVKSTORE", Read) => self.store_list(true),
            ("KPRIVKSTORE", Set(a)) => self.kprivkstore(&a),
            ("KCERTDELETE", Set(a)) => self.kcertdelete(&a),
            ("KPRIVKDELETE", Set(a)) => self.kprivkdelete(&a),
            _ => self.error(),
        }
    }

    /// The first argument as a cnx 1-5.
    fn cnx_arg(&self, a: &[Arg]) -> Option<u8> {
        a.first()
            .and_then(Arg::int)
            .filter(|c| (1..=i64::from(CNX)).contains(c))
            .map(|c| c as u8)
    }

    /// `AT+KCNXCFG=<cnx>,"GPRS","<apn>"[,"<user>","<pwd>"[,"<pdp_type>"]]`.
    fn kcnxcfg(&mut self, a: &[Arg]) {
        let cnx = self.cnx_arg(a);
        let gprs = a.get(1).and_then(Arg::str) == Some("GPRS");
        let apn = a.get(2).and_then(Arg::str);
        let creds_ok = match a.len() {
            3 => true,
            5 | 6 => a[3].str().is_some() && a[4].str().is_some(),
            _ => false,
        };
        let pdp_ok = match a.get(5) {
            None => true,
            Some(t) => {
                self.fw != Firmware::Hl8548
                    && t.str()
                        .is_some_and(|t| ["IPV4", "IPV6", "IPV4V6"].contains(&t))
            }
        };
        match (cnx, apn) {
            (Some(c), Some(apn)) if gprs && creds_ok && pdp_ok => {
                let up = self.cnx[usize::from(c)].as_ref().is_some_and(|x| x.up);
                self.cnx[usize::from(c)] = Some(Cnx {
                    apn: apn.to_string(),
                    up,
                });
                self.ok();
            }
            _ => self.error(),
        }
    }

    /// `AT+KCNXUP=<cnx>`.
    fn kcnxup(&mut self, a: &[Arg]) {
        match self.cnx_arg(a) {
            Some(c) if a.len() == 1 => match self.cnx[usize::from(c)].as_mut() {
                Some(x) => {
                    x.up = true;
                    self.ok();
                }
                None => self.not_allowed(),
            },
            _ => self.error(),
        }
    }

    /// `AT+KCNXDOWN=<cnx>[,1]`: `OK`, then `+KTCP_NOTIF: <s>,0` for each
    /// connected session on it.
    fn kcnxdown(&mut self, a: &[Arg]) {
        let flag_ok = a.get(1).is_none_or(|f| matches!(f.int(), Some(0..=1)));
        match self.cnx_arg(a) {
            Some(c) if flag_ok && a.len() <= 2 => {
                self.ok();
                self.context_down(c);
            }
            _ => self.error(),
        }
    }

    /// Context `c` goes down: its connected sessions end with
    /// `+KTCP_NOTIF: <s>,0`.
    fn context_down(&mut self, c: u8) {
        let Some(x) = self.cnx[usize::from(c)].as_mut() else {
            return;
        };
        x.up = false;
        for s in 1..=SESSIONS {
            let Some(sess) = self.sess[usize::from(s)].as_ref() else {
                continue;
            };
            if sess.cnx != c || !matches!(sess.status, 2 | 3) {
                continue;
            }
            let kind = sess.kind();
            if let Some(sock) = self.sockets(kind)[usize::from(s)].take() {
                sock.shared.stop.store(true, Ordering::Relaxed);
            }
            self.set_notif(s, 5, 0);
        }
    }

    /// Session `s` ends (or fails) with `+KTCP_NOTIF: <s>,<code>`, status
    /// `status`.
    fn set_notif(&mut self, s: u8, status: u8, code: i32) {
        if let Some(x) = self.sess[usize::from(s)].as_mut() {
            x.status = status;
            x.notif = code;
        }
        self.urc(format!("+KTCP_NOTIF: {s},{code}"));
    }

    fn event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Opened(r, result) => {
                let Some(sock) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                match result {
                    Ok(port) => {
                        sock.state = 2;
                        sock.local_port = port;
                        if let Some(x) = self.sess[usize::from(r.id)].as_mut() {
                            x.status = 3;
                        }
                        self.maybe_noise();
                        self.urc(format!("+KTCP_IND: {},1", r.id));
                    }
                    Err(fail) => {
                        self.sockets(r.kind)[usize::from(r.id)] = None;
                        let code = ssl::notif_code(&fail);
                        self.maybe_noise();
                        self.set_notif(r.id, 1, code);
                    }
                }
            }
            NetEvent::Recv(r) => {
                if self.sock(r.kind, r.id, r.gen).is_some() {
                    self.pending.push_back(Pending::Push(r.kind, r.id, r.gen));
                }
            }
            // Sessions do not drop data (flow control).
            NetEvent::BuffFull(_) => {}
            NetEvent::Closed(r) => {
                let Some(sock) = self.sock(r.kind, r.id, r.gen) else {
                    return;
                };
                if sock.state != 2 {
                    return;
                }
                sock.state = 4;
                self.set_notif(r.id, 5, 4);
            }
        }
    }

    /// `+KTCP_DATA: <s>,<n>` with the bytes buffered now (nothing when the
    /// host read them all in the meantime).
    fn push_count(&mut self, kind: Kind, id: u8, gen: u64) {
        let Some(sock) = self.sock(kind, id, gen) else {
            return;
        };
        let n = lock(&sock.shared.recv).data.len();
        if n > 0 {
            self.out(&crate::core::frame(&format!("+KTCP_DATA: {id},{n}")));
        }
    }
}

impl Dialect for Session {
    fn banner(&self) -> &'static [&'static [u8]] {
        &[b"\r\n+KSUP: 0\r\n"]
    }

    fn basic(&mut self, cmd: &str) {
        Session::basic_cmd(self, cmd)
    }

    fn extended(&mut self, name: &str, form: Form) {
        Session::extended_cmd(self, name, form)
    }

    fn payload(&mut self, target: Target, data: Vec<u8>, end: PayloadEnd) {
        let Some(phase) = self.phase.take().filter(|p| p.target == target) else {
            return self.error();
        };
        // Exactly <len> bytes then the pattern; or (uploads only) exactly
        // <len> bytes and silence.
        let body = if end == PayloadEnd::Complete && data.ends_with(EOF_PATTERN) {
            Some(&data[..phase.len])
        } else if end == PayloadEnd::Timeout
            && data.len() == phase.len
            && matches!(target, Target::Upload(_))
        {
            Some(&data[..])
        } else {
            None
        };
        match target {
            Target::Send(kind, s) => self.send_payload(kind, s, body.map(<[u8]>::to_vec)),
            Target::Upload(what) => self.upload_payload(&what, body.map(<[u8]>::to_vec)),
        }
    }

    fn on_event(&mut self, ev: NetEvent) {
        Session::event(self, ev)
    }

    fn push_data(&mut self, kind: Kind, id: u8, gen: u64) {
        self.push_count(kind, id, gen)
    }

    fn net_close(&mut self, kind: Kind, id: u8) {
        if self.core.close_by_network(kind, id).is_some() {
            self.set_notif(id, 5, 4);
        }
    }

    fn drop_pdp(&mut self, cid: u8) {
        let up = self
            .cnx
            .get(usize::from(cid))
            .and_then(|c| c.as_ref())
            .is_some_and(|c| c.up);
        if !up {
            self.sh
                .log(&format!("drop_pdp({cid}): context not active, ignored"));
            return;
        }
        self.sh
            .log(&format!("drop_pdp({cid}): network deactivated the context"));
        self.context_down(cid);
    }

    fn active_contexts(&self) -> Vec<u8> {
        self.cnx
            .iter()
            .enumerate()
            .filter(|(_, c)| c.as_ref().is_some_and(|c| c.up))
            .map(|(i, _)| i as u8)
            .collect()
    }

    fn reset(&mut self) {
        self.clock_offset = 0;
        self.cnx = (0..=CNX).map(|_| None).collect();
        self.sess = (0..=SESSIONS).map(|_| None).collect();
        self.crypto = ssl::default_profiles(self.fw);
        self.ksslcfg_ver = 3;
        self.ksslcfg_text.clear();
        self.phase = None;
    }
}
