//! Attach (QCGDEFCONT/CGATT/CGPADDR), `AT+QICFG` and the raw TCP sockets
//! (QIOPEN/QISEND/QIRD/QICLOSE) of the BC66/BC660K.

use super::*;
use crate::core::SendError;
use crate::tcp::{OpenRequest, RecvPolicy};
use std::time::Duration;

impl Session {
    pub(super) fn qcgdefcont(&mut self, a: &[Arg]) {
        let ptype = a.first().and_then(Arg::str);
        let apn = a.get(1).and_then(Arg::str);
        let creds_ok =
            a.len() == 2 || (a.len() == 4 && a[2].str().is_some() && a[3].str().is_some());
        match (ptype, apn) {
            (Some(t), Some(apn)) if creds_ok && ["IP", "IPV6", "IPV4V6", "NON-IP"].contains(&t) => {
                self.apn = apn.to_string();
                self.ok();
            }
            _ => self.error(),
        }
    }

    pub(super) fn cgatt(&mut self, a: &[Arg]) {
        match a.first().and_then(Arg::int) {
            Some(1) if a.len() == 1 => {
                if self.attach == Attach::Detached {
                    let ms = u64::from(self.sh.cfg.attach_ms);
                    self.attach = Attach::Attaching(Instant::now() + Duration::from_millis(ms));
                    self.sh.log(&format!("attaching (APN {:?})", self.apn));
                }
                self.ok();
            }
            Some(0) if a.len() == 1 => {
                self.attach = Attach::Detached;
                let core = &mut self.core;
                for s in core.tcp.iter_mut().chain(core.ssl.iter_mut()).flatten() {
                    s.shared.stop.store(true, Ordering::Relaxed);
                    s.state = 4;
                }
                self.ok();
            }
            _ => self.error(),
        }
    }

    pub(super) fn cgpaddr(&mut self, cid: Option<i64>, nargs: usize) {
        let up = self.attached();
        match (cid, nargs) {
            (Some(1), 1) | (None, 0) => {
                let l = if up {
                    format!("+CGPADDR: 1,{LOCAL_IP}")
                } else {
                    "+CGPADDR: 1".to_string()
                };
                self.info_ok(&[l]);
            }
            _ => self.error(),
        }
    }

    pub(super) fn qicfg(&mut self, a: &[Arg]) {
        let key = a.first().and_then(Arg::str).map(str::to_string);
        let n = |i: usize| a.get(i).and_then(Arg::int);
        match (key.as_deref(), a.len()) {
            (Some("dataformat"), 3) => match (n(1), n(2)) {
                (Some(s @ 0..=1), Some(r @ 0..=1)) => {
                    self.qicfg.send_hex = s == 1;
                    self.qicfg.recv_hex = r == 1;
                    self.ok();
                }
                _ => self.error(),
            },
            (Some("dataformat"), 1) => {
                let l = format!(
                    "+QICFG: \"dataformat\",{},{}",
                    u8::from(self.qicfg.send_hex),
                    u8::from(self.qicfg.recv_hex)
                );
                self.info_ok(&[l]);
            }
            (Some("showlength"), 2) => match n(1) {
                Some(v @ 0..=1) => {
                    self.qicfg.showlength = v == 1;
                    self.ok();
                }
                _ => self.error(),
            },
            (Some("showlength"), 1) => {
                let l = format!("+QICFG: \"showlength\",{}", u8::from(self.qicfg.showlength));
                self.info_ok(&[l]);
            }
            (Some("viewmode"), 2) => match n(1) {
                Some(v @ 0..=1) => {
                    self.qicfg.viewmode = v as u8;
                    self.ok();
                }
                _ => self.error(),
            },
            (Some("viewmode"), 1) => {
                let l = format!("+QICFG: \"viewmode\",{}", self.qicfg.viewmode);
                self.info_ok(&[l]);
            }
            _ => self.error(),
        }
    }

    /// `AT+QIOPEN=<ctx>,<id>,"TCP","<host>",<port>[,<local port>[,<mode 0>]]`.
    pub(super) fn qiopen(&mut self, a: &[Arg]) {
        let ctx_ok = a.first().and_then(Arg::int) == Some(self.raw_ctx());
        let id = a
            .get(1)
            .and_then(Arg::int)
            .filter(|i| (0..SOCKETS as i64).contains(i));
        let tcp = a
            .get(2)
            .and_then(Arg::str)
            .is_some_and(|p| p.eq_ignore_ascii_case("TCP"));
        let host = a.get(3).and_then(Arg::str).filter(|h| !h.is_empty());
        let port = a
            .get(4)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let lport_ok = a
            .get(5)
            .is_none_or(|x| x.int().is_some_and(|v| (0..=65535).contains(&v)));
        let mode_ok = a.get(6).is_none_or(|x| x.int() == Some(0));
        let (Some(id), Some(host), Some(port)) = (id, host, port) else {
            return self.error();
        };
        if !(ctx_ok && tcp && lport_ok && mode_ok && a.len() <= 7) {
            return self.error();
        }
        let (id, host, port) = (id as u8, host.to_string(), port as u16);
        self.ok();
        if self.tcp[usize::from(id)].is_some() {
            return self.open_result(Kind::Tcp, id, 563);
        }
        if !self.attached() {
            return self.open_result(Kind::Tcp, id, 561);
        }
        let Some(ip) = self.sh.cfg.resolve(&host) else {
            self.sh.log(&format!("DNS: {host:?} not found"));
            return self.open_result(Kind::Tcp, id, 565);
        };
        let gen = self.next_gen();
        let req = OpenRequest {
            kind: Kind::Tcp,
            id,
            gen,
            host,
            ip,
            port,
            tls: None,
            recv: RecvPolicy {
                cap: RAW_RECV_BUFFER,
                drop_when_full: true,
            },
        };
        if self.spawn_socket(req, 1, 0, 0).is_err() {
            self.open_result(Kind::Tcp, id, 554);
        }
    }

    /// True when raw socket `id` is connected and the peer has not closed.
    fn connected(&mut self, kind: Kind, id: u8) -> bool {
        self.sockets(kind)
            .get(usize::from(id))
            .and_then(|s| s.as_ref())
            .is_some_and(|s| s.state == 2 && !lock(&s.shared.recv).eof)
    }

    /// `AT+QISEND=<id>,<len>,<hex>` (inline) or `AT+QISEND=<id>,<len>` (a
    /// `> ` prompt, then exactly 2×len hex digits, or len bytes in text
    /// format).
    pub(super) fn qisend(&mut self, a: &[Arg]) {
        let id = a
            .first()
            .and_then(Arg::int)
            .filter(|i| (0..SOCKETS as i64).contains(i));
        let len = a
            .get(1)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CHUNK as i64).contains(n));
        let (Some(id), Some(len)) = (id, len) else {
            return self.error();
        };
        let (id, len) = (id as u8, len as usize);
        if !self.connected(Kind::Tcp, id) {
            return self.error();
        }
        match a.get(2) {
            None => {
                self.out(b"> ");
                let need = if self.qicfg.send_hex { 2 * len } else { len };
                self.expect_payload(Target::Send(Kind::Tcp, id), need, false);
            }
            Some(x) if a.len() == 3 => {
                let text = match x {
                    Arg::Str(s) | Arg::Raw(s) => s.clone(),
                };
                let data = if self.qicfg.send_hex {
                    unhex(text.as_bytes()).filter(|d| d.len() == len)
                } else {
                    Some(text.into_bytes()).filter(|d| d.len() == len)
                };
                let Some(data) = data else {
                    return self.error();
                };
                match self.queue_send(Kind::Tcp, id, data) {
                    Ok(()) => {
                        self.ok();
                        self.urc("SEND OK".to_string());
                    }
                    Err(SendError::Closed) => self.error(),
                    Err(SendError::Fail) => {
                        self.ok();
                        self.urc("SEND FAIL".to_string());
                    }
                }
            }
            _ => self.error(),
        }
    }

    /// The data after a `> ` prompt of `AT+QISEND` or `AT+QSSLSEND`.
    pub(super) fn send_payload(&mut self, kind: Kind, id: u8, raw: Vec<u8>) {
        let hex_in = match kind {
            Kind::Tcp => self.qicfg.send_hex,
            Kind::Ssl => self.ssl_cfg.send_hex,
        };
        let data = if hex_in { unhex(&raw) } else { Some(raw) };
        let Some(data) = data else {
            self.sh.log("send data is not hex");
            return self.error();
        };
        let r = self.queue_send(kind, id, data);
        match (kind, r) {
            (_, Err(SendError::Closed)) => self.error(),
            (Kind::Tcp, Ok(())) => self.out(b"\r\nSEND OK\r\n"),
            (Kind::Tcp, Err(SendError::Fail)) => self.out(b"\r\nSEND FAIL\r\n"),
            (Kind::Ssl, r) => {
                self.ok();
                let code = if r.is_ok() { 0 } else { -1 };
                self.urc(format!("+QSSLSEND: 0,0,{code}"));
            }
        }
    }

    /// `AT+QIRD=<id>,<len 1-512>`.
    pub(super) fn qird(&mut self, a: &[Arg]) {
        let id = a
            .first()
            .and_then(Arg::int)
            .filter(|i| (0..SOCKETS as i64).contains(i));
        let len = a
            .get(1)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CHUNK as i64).contains(n));
        let (Some(id), Some(len), 2) = (id, len, a.len()) else {
            return self.error();
        };
        let Some(s) = self.tcp[id as usize].as_ref() else {
            return self.error();
        };
        let shared = s.shared.clone();
        let (chunk, rest) = {
            let mut r = lock(&shared.recv);
            let n = r.data.len().min(len as usize);
            r.total_read += n as u64;
            let chunk: Vec<u8> = r.data.drain(..n).collect();
            if n > 0 {
                r.full_reported = false;
            }
            (chunk, r.data.len())
        };
        let data = if self.qicfg.recv_hex {
            hex(&chunk).into_bytes()
        } else {
            chunk.clone()
        };
        let head = if self.qicfg.showlength {
            format!("+QIRD: {},{rest}", chunk.len())
        } else {
            format!("+QIRD: {}", chunk.len())
        };
        let mut o = format!("\r\n{head}").into_bytes();
        if self.qicfg.viewmode == 0 {
            o.extend_from_slice(b",\"");
            o.extend_from_slice(&data);
            o.extend_from_slice(b"\"\r\n");
        } else {
            o.extend_from_slice(b"\r\n");
            o.extend_from_slice(&data);
            o.extend_from_slice(b"\r\n");
        }
        o.extend_from_slice(b"\r\nOK\r\n");
        self.out(&o);
    }

    /// `AT+QICLOSE=<id>`: `OK`, then `CLOSE OK`.
    pub(super) fn qiclose(&mut self, a: &[Arg]) {
        let id = a
            .first()
            .and_then(Arg::int)
            .filter(|i| (0..SOCKETS as i64).contains(i));
        let (Some(id), 1) = (id, a.len()) else {
            return self.error();
        };
        let Some(s) = self.tcp[id as usize].take() else {
            return self.error();
        };
        s.shared.stop.store(true, Ordering::Relaxed);
        self.sh.log(&format!("Tcp {id} closed by host"));
        self.ok();
        self.urc("CLOSE OK".to_string());
    }
}
