//! SSL of the M66/M95: `AT+QSSLCFG` (key first, then the context),
//! QSSLOPEN, QSSLSEND, QSSLRECV, QSSLCLOSE, and the certificate files
//! (QSECWRITE, QSECREAD, QSECDEL).

use super::net::{index, length};
use super::*;
use crate::checksum::xor16_hex;
use crate::core::Input;
use crate::files::canonical;
use crate::tcp::{OpenFail, OpenRequest, RecvPolicy};
use crate::tls::Failure;
use std::time::Duration;

/// Largest `RAM:` file (the application note).
pub const MAX_RAM_FILE: usize = 32768;
/// Largest `NVRAM:` file (the application note).
pub const MAX_NVRAM_FILE: usize = 2025;
/// The only `NVRAM:` names: two CAs, a client certificate, a client key.
const NVRAM_NAMES: &[&str] = &["NVRAM:CA0", "NVRAM:CA1", "NVRAM:CC0", "NVRAM:CK0"];
/// `+CME ERROR` for a file that does not exist (the BG96 file code).
const CME_NOT_FOUND: u16 = 405;
/// `+CME ERROR` for a file that already exists (the BG96 file code).
const CME_EXISTS: u16 = 407;

/// `<err>` of `+QSSLOPEN` for a failed open (the BC66 numbering,
/// `docs/dialects/m95.md`).
pub(super) fn open_error(f: &OpenFail) -> i32 {
    match f {
        OpenFail::Connect => -2,
        OpenFail::Setup(why) if why.starts_with("clientkey") => -4,
        OpenFail::Setup(why) if why.starts_with("sslversion") => -5,
        OpenFail::Setup(_) => -9,
        OpenFail::Handshake(Failure::Verify) => -3,
        OpenFail::Handshake(Failure::Cipher) => -5,
        OpenFail::Handshake(Failure::Timeout) => -7,
        OpenFail::Handshake(Failure::Other) => -1,
    }
}

/// A certificate file name the firmware takes: `RAM:<name>` or one of the
/// four `NVRAM:` names; its size limit.
fn file_name(a: Option<&Arg>) -> Option<(String, usize)> {
    let n = a.and_then(Arg::str)?;
    if NVRAM_NAMES.contains(&n) {
        return Some((n.to_string(), MAX_NVRAM_FILE));
    }
    let rest = n.strip_prefix("RAM:")?;
    if rest.is_empty() {
        return None;
    }
    canonical(n).map(|c| (c, MAX_RAM_FILE))
}

/// The cipher-suite value as the firmware prints it.
fn suite_text(code: u16) -> String {
    format!("0X{code:04X}")
}

impl Session {
    /// `AT+QSSLCFG="<key>",<ctx>[,<value>]` and the global keys.
    pub(super) fn qsslcfg(&mut self, a: &[Arg]) {
        let Some(key) = a.first().and_then(Arg::str).map(str::to_ascii_lowercase) else {
            return self.error();
        };
        if matches!(
            key.as_str(),
            "ignorertctime" | "https" | "httpsctxi" | "smtpstyle" | "smtpsctxi"
        ) {
            return self.global_cfg(&key, &a[1..]);
        }
        let Some(ctx) = index(a.get(1)) else {
            return self.error();
        };
        let c = &mut self.ssl_cfg[usize::from(ctx)];
        let name = |n: &Option<String>| format!("\"{}\"", n.as_deref().unwrap_or(""));
        let key = if key == "secllevel" {
            "seclevel".to_string()
        } else {
            key
        };
        let shown = match (key.as_str(), a.get(2), a.len()) {
            ("sslversion", None, _) => c.sslversion.to_string(),
            ("seclevel", None, _) => c.seclevel.to_string(),
            ("ciphersuite", None, _) => format!("\"{}\"", suite_text(c.ciphersuite)),
            ("cacert", None, _) => name(&c.cacert),
            ("clientcert", None, _) => name(&c.clientcert),
            ("clientkey", None, _) => name(&c.clientkey),
            ("sslversion", Some(v), 3) => match v.int() {
                Some(v @ 0..=4) => {
                    c.sslversion = v as u8;
                    return self.ok();
                }
                _ => return self.error(),
            },
            ("seclevel", Some(v), 3) => match v.int() {
                Some(v @ 0..=2) => {
                    c.seclevel = v as u8;
                    return self.ok();
                }
                _ => return self.error(),
            },
            ("ciphersuite", Some(v @ Arg::Str(_)), 3) => match v.hex() {
                Some(code)
                    if code == 0xFFFF
                        || crate::config::M95_CIPHER_SUITES.contains(&(code as u16)) =>
                {
                    c.ciphersuite = code as u16;
                    return self.ok();
                }
                _ => return self.error(),
            },
            ("cacert" | "clientcert" | "clientkey", Some(v), 3) => {
                let Some((n, _)) = file_name(Some(v)) else {
                    return self.error();
                };
                match key.as_str() {
                    "cacert" => c.cacert = Some(n),
                    "clientcert" => c.clientcert = Some(n),
                    _ => c.clientkey = Some(n),
                }
                return self.ok();
            }
            _ => return self.error(),
        };
        self.info_ok(&[format!("+QSSLCFG: \"{key}\",{shown}")]);
    }

    /// The keys without a context; only `ignorertctime` has an effect.
    fn global_cfg(&mut self, key: &str, vals: &[Arg]) {
        match vals {
            [] if key == "ignorertctime" => {
                let l = format!("+QSSLCFG: \"ignorertctime\",{}", self.ignorertctime);
                self.info_ok(&[l]);
            }
            [] => self.info_ok(&[format!("+QSSLCFG: \"{key}\",0")]),
            [v] => match (key, v.int()) {
                ("ignorertctime", Some(n @ 0..=1)) => {
                    self.ignorertctime = n as u8;
                    self.ok();
                }
                ("https", Some(0..=1)) | ("smtpstyle", Some(0..=2)) => self.ok(),
                ("httpsctxi" | "smtpsctxi", Some(0..=5)) => self.ok(),
                _ => self.error(),
            },
            _ => self.error(),
        }
    }

    /// `AT+QSSLOPEN=<ssid>,<ctx>,"<host>",<port>,0[,<timeout 1-300>]`.
    pub(super) fn qsslopen(&mut self, a: &[Arg]) {
        let host = a.get(2).and_then(Arg::str).filter(|h| !h.is_empty());
        let port = a
            .get(3)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let mode_ok = a.get(4).and_then(Arg::int) == Some(0);
        let timeout = match a.get(5) {
            None => Some(90),
            Some(t) => t.int().filter(|t| (1..=300).contains(t)),
        };
        let (Some(ssid), Some(ctx), Some(host), Some(port), true, Some(timeout), true) = (
            index(a.first()),
            index(a.get(1)),
            host,
            port,
            mode_ok,
            timeout,
            a.len() <= 6,
        ) else {
            return self.error();
        };
        if !self.state.active() {
            return self.error();
        }
        let (host, port) = (host.to_string(), port as u16);
        self.ok();
        if self.ssl[usize::from(ssid)].is_some() {
            return self.urc(format!("+QSSLOPEN: {ssid},-6"));
        }
        let Some(ip) = self.sh.cfg.resolve(&host) else {
            self.sh.log(&format!("DNS: {host:?} not found"));
            return self.urc(format!("+QSSLOPEN: {ssid},-2"));
        };
        let mut cfg = self.ssl_cfg[usize::from(ctx)].clone();
        cfg.ignorelocaltime = self.ignorertctime;
        cfg.negotiatetime = timeout as u16;
        cfg.sni = 0;
        cfg.checkhost = 0;
        if cfg.seclevel < 2 {
            cfg.clientcert = None;
            cfg.clientkey = None;
        }
        let gen = self.next_gen();
        let req = OpenRequest {
            kind: Kind::Ssl,
            id: ssid,
            gen,
            host,
            ip,
            port,
            tls: Some(cfg),
            recv: RecvPolicy {
                cap: self.sh.cfg.recv_buffer,
                drop_when_full: false,
            },
        };
        if self.spawn_socket(req, CID, ctx, 0).is_err() {
            self.urc(format!("+QSSLOPEN: {ssid},-1"));
        }
    }

    /// `AT+QSSLSEND=<ssid>,<len 1-1460>`: `⏎> `, then exactly len bytes.
    pub(super) fn qsslsend(&mut self, a: &[Arg]) {
        let (Some(ssid), Some(len), 2) = (index(a.first()), length(a.get(1), MAX_SEND), a.len())
        else {
            return self.error();
        };
        if !self.connected(Kind::Ssl, ssid) {
            return self.error();
        }
        self.out(b"\r\n> ");
        self.expect_payload(Target::Send(Kind::Ssl, ssid), len, false);
    }

    /// `AT+QSSLRECV=<ctx>,<ssid>,<len 1-1500>`.
    pub(super) fn qsslrecv(&mut self, a: &[Arg]) {
        let (Some(ctx), Some(ssid), Some(len), 3) = (
            index(a.first()),
            index(a.get(1)),
            length(a.get(2), MAX_READ),
            a.len(),
        ) else {
            return self.error();
        };
        let ctx_ok = self.ssl[usize::from(ssid)]
            .as_ref()
            .is_some_and(|s| s.ctx == ctx);
        if !ctx_ok {
            return self.error();
        }
        self.read_frame(Kind::Ssl, ssid, len, "QSSLRECV");
    }

    /// `AT+QSSLCLOSE=<ssid>` → `OK` (also for an ssid not open).
    pub(super) fn qsslclose(&mut self, a: &[Arg]) {
        let (Some(ssid), 1) = (index(a.first()), a.len()) else {
            return self.error();
        };
        if let Some(s) = self.ssl[usize::from(ssid)].take() {
            s.shared.stop.store(true, Ordering::Relaxed);
            self.sh.log(&format!("Ssl {ssid} closed by host"));
        }
        self.ok();
    }

    /// `AT+QSECWRITE="<file>",<size>[,<timeout 3-200>]` → `⏎CONNECT⏎`, then
    /// exactly size bytes.
    pub(super) fn qsecwrite(&mut self, a: &[Arg]) {
        let Some((name, max)) = file_name(a.first()) else {
            return self.error();
        };
        let timeout = match a.get(2) {
            None => Some(100),
            Some(t) => t.int().filter(|t| (3..=200).contains(t)),
        };
        let (Some(size), Some(timeout), true) = (length(a.get(1), max), timeout, a.len() <= 3)
        else {
            return self.error();
        };
        if self.sh.files.exists(&name) {
            return self.cme_with(CME_EXISTS, "file already exists");
        }
        self.out(b"\r\nCONNECT\r\n");
        self.upload = Some(Upload {
            name: name.clone(),
            size,
        });
        self.expect_payload(Target::Upload(name), size, false);
        if let Input::Payload { timeout: t, .. } = &mut self.input {
            *t = Some(Duration::from_secs(timeout as u64));
        }
    }

    /// The bytes after `CONNECT` (all of them, or what came before the
    /// input went idle).
    pub(super) fn upload_payload(&mut self, data: Vec<u8>, _end: PayloadEnd) {
        let Some(up) = self.upload.take() else {
            return self.error();
        };
        let (n, sum) = (data.len(), xor16_hex(&data));
        self.short.retain(|f| *f != up.name);
        if n < up.size {
            self.sh.log(&format!(
                "{}: upload ended short ({n} of {} bytes)",
                up.name, up.size
            ));
            self.short.push(up.name.clone());
        }
        self.sh.files.put(&up.name, data);
        self.out(format!("\r\n+QSECWRITE: {n},{sum}\r\n\r\nOK\r\n").as_bytes());
    }

    /// `AT+QSECREAD="<file>"` → `+QSECREAD: <good>,<checksum>`.
    pub(super) fn qsecread(&mut self, a: &[Arg]) {
        let (Some((name, _)), 1) = (file_name(a.first()), a.len()) else {
            return self.error();
        };
        let Some(data) = self.sh.files.get(&name) else {
            return self.cme_with(CME_NOT_FOUND, "file not found");
        };
        let good = u8::from(!self.short.contains(&name));
        let l = format!("+QSECREAD: {good},{}", xor16_hex(&data));
        self.info_ok(&[l]);
    }

    /// `AT+QSECDEL="<file>"`.
    pub(super) fn qsecdel(&mut self, a: &[Arg]) {
        let (Some((name, _)), 1) = (file_name(a.first()), a.len()) else {
            return self.error();
        };
        if !self.sh.files.delete(&name) {
            return self.cme_with(CME_NOT_FOUND, "file not found");
        }
        self.short.retain(|f| *f != name);
        self.ok();
    }

    /// `AT+QFLST="<pattern>"` (`*`/`?` wildcards, e.g. `"RAM:*"`) →
    /// `+QFLST: "<name>",<size>` per matching file, then `OK`; nothing
    /// matches → `+CME ERROR: 405` (the BG96 form).
    pub(super) fn qflst(&mut self, a: &[Arg]) {
        let (Some(pattern), 1) = (a.first().and_then(Arg::str), a.len()) else {
            return self.error();
        };
        let files = self.sh.files.list(pattern);
        if files.is_empty() {
            return self.cme_with(CME_NOT_FOUND, "file not found");
        }
        let lines: Vec<String> = files
            .iter()
            .map(|(n, size)| format!("+QFLST: \"{n}\",{size}"))
            .collect();
        self.info_ok(&lines);
    }
}
