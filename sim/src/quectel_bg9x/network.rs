//! PDP contexts (QICSGP/QIACT/QIDEACT/QIDNSGIP) and sockets (QIOPEN, QSSLOPEN,
//! QISEND/QSSLSEND, QIRD/QSSLRECV, QICLOSE/QSSLCLOSE, QISTATE/QSSLSTATE).

use super::*;

impl Session {
    // ------------------------------------------------------------------ PDP

    pub(super) fn cid_arg(a: &[Arg], i: usize) -> Option<usize> {
        match a.get(i)?.int()? {
            c @ 1..=16 => Some(c as usize),
            _ => None,
        }
    }

    pub(super) fn qicsgp(&mut self, a: &[Arg]) {
        let Some(cid) = Self::cid_arg(a, 0) else {
            return self.error();
        };
        if a.len() == 1 {
            let p = &self.pdp[cid];
            let l = format!(
                "+QICSGP: {},\"{}\",\"{}\",\"{}\",{}",
                p.ctype, p.apn, p.user, p.pwd, p.auth
            );
            return self.info_ok(&[l]);
        }
        let mut p = self.pdp[cid].clone();
        match a.get(1).and_then(Arg::int) {
            Some(t @ 1..=3) => p.ctype = t as u8,
            _ => return self.error(),
        }
        let strs = [a.get(2), a.get(3), a.get(4)];
        for (i, s) in strs.iter().enumerate() {
            if let Some(s) = s {
                let Some(v) = s.str() else {
                    return self.error();
                };
                match i {
                    0 => p.apn = v.to_string(),
                    1 => p.user = v.to_string(),
                    _ => p.pwd = v.to_string(),
                }
            }
        }
        if let Some(x) = a.get(5) {
            match x.int() {
                Some(v @ 0..=3) => p.auth = v as u8,
                _ => return self.error(),
            }
        }
        if a.len() > 6 {
            return self.error();
        }
        self.pdp[cid] = p;
        self.ok();
    }

    pub(super) fn qiact(&mut self, a: &[Arg]) {
        let Some(cid) = Self::cid_arg(a, 0).filter(|_| a.len() == 1) else {
            return self.error();
        };
        if self.pdp[cid].active {
            // Assumption [?]: activating an active context answers ERROR.
            self.last_err = 561;
            return self.error();
        }
        self.pdp[cid].active = true;
        self.sh
            .log(&format!("PDP context {cid} active, IP {LOCAL_IP}"));
        self.ok();
    }

    pub(super) fn qideact(&mut self, a: &[Arg]) {
        let Some(cid) = Self::cid_arg(a, 0).filter(|_| a.len() == 1) else {
            return self.error();
        };
        self.pdp[cid].active = false;
        for kind in [Kind::Tcp, Kind::Ssl] {
            for slot in self.sockets(kind).iter_mut() {
                if slot.as_ref().is_some_and(|s| usize::from(s.cid) == cid) {
                    if let Some(s) = slot.take() {
                        s.shared.stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
        self.ok();
    }

    pub(super) fn qidnsgip(&mut self, a: &[Arg]) {
        let (Some(cid), Some(host)) = (Self::cid_arg(a, 0), a.get(1).and_then(Arg::str)) else {
            return self.error();
        };
        let host = host.to_string();
        self.ok();
        if !self.pdp[cid].active {
            return self.urc("+QIURC: \"dnsgip\",561".to_string());
        }
        match self.sh.cfg.resolve(&host) {
            Some(ip) => {
                self.urc("+QIURC: \"dnsgip\",0,1,600".to_string());
                self.urc(format!("+QIURC: \"dnsgip\",\"{ip}\""));
            }
            None => self.urc("+QIURC: \"dnsgip\",565".to_string()),
        }
    }

    // -------------------------------------------------------------- sockets

    /// Common part of QIOPEN/QSSLOPEN after `OK`: immediate failures or a
    /// socket thread.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn open(
        &mut self,
        kind: Kind,
        cid: u8,
        ctx: u8,
        id: u8,
        host: String,
        port: u16,
        mode: u8,
    ) {
        self.ok();
        if self.sockets(kind)[usize::from(id)].is_some() {
            return self.async_result(kind, id, 563);
        }
        if !self.pdp[usize::from(cid)].active {
            return self.async_result(kind, id, 561);
        }
        let Some(ip) = self.sh.cfg.resolve(&host) else {
            self.sh.log(&format!("DNS: {host:?} not found"));
            return self.async_result(kind, id, 565);
        };
        let gen = self.next_gen();
        let tls = match kind {
            Kind::Ssl => Some(self.ssl_cfg[usize::from(ctx)].clone()),
            Kind::Tcp => None,
        };
        let req = OpenRequest {
            kind,
            id,
            gen,
            host,
            ip,
            port,
            tls,
            recv: RecvPolicy {
                cap: self.sh.cfg.recv_buffer,
                drop_when_full: false,
            },
        };
        if self.spawn_socket(req, cid, ctx, mode).is_err() {
            self.async_result(kind, id, 554);
        }
    }

    pub(super) fn qiopen(&mut self, a: &[Arg]) {
        let cid = Self::cid_arg(a, 0);
        let id = a.get(1).and_then(Arg::int).filter(|i| (0..12).contains(i));
        let proto = a.get(2).and_then(Arg::str);
        let host = a.get(3).and_then(Arg::str);
        let port = a
            .get(4)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let lport_ok = a
            .get(5)
            .is_none_or(|x| x.is_empty() || x.int().is_some_and(|v| (0..=65535).contains(&v)));
        let mode = match a.get(6) {
            None => Some(0),
            Some(x) => x.int().filter(|m| (0..=1).contains(m)),
        };
        match (cid, id, proto, host, port, mode) {
            (Some(cid), Some(id), Some(proto), Some(host), Some(port), Some(mode))
                if lport_ok
                    && a.len() <= 7
                    && proto.eq_ignore_ascii_case("TCP")
                    && !host.is_empty() =>
            {
                let host = host.to_string();
                self.open(
                    Kind::Tcp,
                    cid as u8,
                    0,
                    id as u8,
                    host,
                    port as u16,
                    mode as u8,
                )
            }
            _ => self.qerror(552),
        }
    }

    pub(super) fn qsslopen(&mut self, a: &[Arg]) {
        let cid = Self::cid_arg(a, 0);
        let ctx = a.get(1).and_then(Arg::int).filter(|c| (0..6).contains(c));
        let id = a.get(2).and_then(Arg::int).filter(|i| (0..12).contains(i));
        let host = a.get(3).and_then(Arg::str);
        let port = a
            .get(4)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let mode = match a.get(5) {
            None => Some(0),
            Some(x) => x.int().filter(|m| (0..=1).contains(m)),
        };
        match (cid, ctx, id, host, port, mode) {
            (Some(cid), Some(ctx), Some(id), Some(host), Some(port), Some(mode))
                if a.len() <= 6 && !host.is_empty() =>
            {
                let host = host.to_string();
                self.open(
                    Kind::Ssl,
                    cid as u8,
                    ctx as u8,
                    id as u8,
                    host,
                    port as u16,
                    mode as u8,
                )
            }
            _ => self.qerror(552),
        }
    }

    pub(super) fn id_arg(a: &[Arg]) -> Option<u8> {
        a.first()?
            .int()
            .filter(|i| (0..12).contains(i))
            .map(|i| i as u8)
    }

    pub(super) fn send_cmd(&mut self, kind: Kind, a: &[Arg]) {
        let Some(id) = Self::id_arg(a) else {
            return self.qerror(552);
        };
        let len = a.get(1).and_then(Arg::int);
        let Some(s) = self.sockets(kind)[usize::from(id)].as_ref() else {
            return self.qerror(567);
        };
        if kind == Kind::Tcp && len == Some(0) && a.len() == 2 {
            let sent = *lock(&s.shared.total_sent);
            return self.info_ok(&[format!("+QISEND: {sent},{sent},0")]);
        }
        let connected = s.state == 2 && !lock(&s.shared.recv).eof;
        match len {
            Some(n) if (1..=MAX_SEND as i64).contains(&n) && a.len() == 2 => {
                if !connected {
                    return self.qerror(567);
                }
                self.out(b"> ");
                self.input = Input::Payload {
                    ctrl_z: false,
                    target: Target::Send(kind, id),
                    need: n as usize,
                    data: Vec::with_capacity(n as usize),
                    last: Instant::now(),
                    timeout: None,
                    ack: false,
                };
            }
            _ => self.qerror(552),
        }
    }

    pub(super) fn read_cmd(&mut self, kind: Kind, a: &[Arg]) {
        let Some(id) = Self::id_arg(a) else {
            return self.qerror(552);
        };
        let len = match a.get(1) {
            None => Some(MAX_READ as i64),
            Some(x) => x.int(),
        };
        let Some(s) = self.sockets(kind)[usize::from(id)].as_ref() else {
            return self.qerror(567);
        };
        let shared = s.shared.clone();
        let name = match kind {
            Kind::Tcp => "+QIRD",
            Kind::Ssl => "+QSSLRECV",
        };
        match len {
            Some(0) if kind == Kind::Tcp && a.len() == 2 => {
                let r = lock(&shared.recv);
                let l = format!("+QIRD: {},{},{}", r.total_rcvd, r.total_read, r.data.len());
                drop(r);
                self.info_ok(&[l]);
            }
            Some(n) if (1..=MAX_READ as i64).contains(&n) && a.len() <= 2 => {
                let chunk: Vec<u8> = {
                    let mut r = lock(&shared.recv);
                    let n = r.data.len().min(n as usize);
                    r.total_read += n as u64;
                    r.data.drain(..n).collect()
                };
                let mut o = format!("\r\n{name}: {}\r\n", chunk.len()).into_bytes();
                if !chunk.is_empty() {
                    o.extend_from_slice(&chunk);
                    o.extend_from_slice(b"\r\n");
                }
                o.extend_from_slice(b"\r\nOK\r\n");
                self.last_err = 0;
                self.out(&o);
            }
            _ => self.qerror(552),
        }
    }

    pub(super) fn close_cmd(&mut self, kind: Kind, a: &[Arg]) {
        let Some(id) = Self::id_arg(a) else {
            return self.qerror(552);
        };
        if let Some(t) = a.get(1) {
            if a.len() > 2 || !t.int().is_some_and(|v| (0..=65535).contains(&v)) {
                return self.qerror(552);
            }
        }
        if let Some(s) = self.sockets(kind)[usize::from(id)].take() {
            s.shared.stop.store(true, Ordering::Relaxed);
            self.sh.log(&format!("{kind:?} {id} closed by host"));
        }
        self.last_err = 0;
        self.ok();
    }

    pub(super) fn qistate(&mut self, a: &[Arg]) {
        match (a.first().and_then(Arg::int), a.get(1).and_then(Arg::int)) {
            (Some(0), Some(cid @ 1..=16)) if a.len() == 2 => {
                self.state_list(Kind::Tcp, Some(cid as u8), None)
            }
            (Some(1), Some(id @ 0..=11)) if a.len() == 2 => {
                self.state_list(Kind::Tcp, None, Some(id as u8))
            }
            _ => self.qerror(552),
        }
    }

    pub(super) fn state_list(&mut self, kind: Kind, cid: Option<u8>, id: Option<u8>) {
        let mut lines = Vec::new();
        for (i, s) in self.sockets(kind).iter().enumerate() {
            let Some(s) = s else { continue };
            if cid.is_some_and(|c| c != s.cid) || id.is_some_and(|x| usize::from(x) != i) {
                continue;
            }
            lines.push(match kind {
                Kind::Tcp => format!(
                    "+QISTATE: {i},\"TCP\",\"{}\",{},{},{},{},{i},{},\"uart1\"",
                    s.host, s.port, s.local_port, s.state, s.cid, s.mode
                ),
                Kind::Ssl => format!(
                    "+QSSLSTATE: {i},\"SSLClient\",\"{}\",{},{},{},{},{i},{},\"uart1\",{}",
                    s.host, s.port, s.local_port, s.state, s.cid, s.mode, s.ctx
                ),
            });
        }
        self.info_ok(&lines);
    }
}
