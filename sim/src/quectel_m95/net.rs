//! The QI PDP commands (QIFGCNT, QICSGP, QIREGAPP, QIACT, QILOCIP,
//! QIDEACT) and the raw TCP connections (QIOPEN, QISEND, QIRD, QICLOSE) of
//! the M66/M95.

use super::*;
use crate::core::SendError;
use crate::shared::lock;
use crate::tcp::{OpenRequest, RecvPolicy, SockShared};

/// The connection index of an argument: 0-5.
pub(super) fn index(a: Option<&Arg>) -> Option<u8> {
    a.and_then(Arg::int)
        .filter(|i| (0..SOCKETS as i64).contains(i))
        .map(|i| i as u8)
}

/// A length argument in `1..=max`.
pub(super) fn length(a: Option<&Arg>, max: usize) -> Option<usize> {
    a.and_then(Arg::int)
        .filter(|n| (1..=max as i64).contains(n))
        .map(|n| n as usize)
}

impl Session {
    pub(super) fn qifgcnt(&mut self, a: &[Arg]) {
        self.flag(a, 0, 0, |_, _| {})
    }

    /// `AT+QICSGP=1,"<apn>"[,"<user>","<pwd>"]` (1 = GPRS).
    pub(super) fn qicsgp(&mut self, a: &[Arg]) {
        let gprs = a.first().and_then(Arg::int) == Some(1);
        let apn = a.get(1).and_then(Arg::str);
        let creds_ok =
            a.len() == 2 || (a.len() == 4 && a[2].str().is_some() && a[3].str().is_some());
        match apn {
            Some(apn) if gprs && creds_ok => {
                self.apn = apn.to_string();
                self.ok();
            }
            _ => self.error(),
        }
    }

    pub(super) fn qiregapp(&mut self) {
        if self.state != IpState::Initial {
            return self.error();
        }
        self.state = IpState::Start;
        self.sh.log(&format!(
            "registered to the TCP/IP stack (APN {:?})",
            self.apn
        ));
        self.ok();
    }

    pub(super) fn qiact(&mut self) {
        if self.state != IpState::Start {
            return self.error();
        }
        self.state = IpState::GprsAct;
        self.sh.log(&format!("GPRS context active, IP {LOCAL_IP}"));
        self.ok();
    }

    /// The address as a bare line: no `OK`.
    pub(super) fn qilocip(&mut self) {
        if !self.state.active() {
            return self.error();
        }
        self.state = IpState::Status;
        self.out(format!("\r\n{LOCAL_IP}\r\n").as_bytes());
    }

    pub(super) fn qideact(&mut self) {
        self.drop_all_sockets();
        self.state = IpState::Initial;
        self.out(b"\r\nDEACT OK\r\n");
    }

    /// `AT+QIOPEN=<id>,"TCP","<host>",<port>`.
    pub(super) fn qiopen(&mut self, a: &[Arg]) {
        let id = index(a.first());
        let tcp = a
            .get(1)
            .and_then(Arg::str)
            .is_some_and(|p| p.eq_ignore_ascii_case("TCP"));
        let host = a.get(2).and_then(Arg::str).filter(|h| !h.is_empty());
        let port = a
            .get(3)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let (Some(id), true, Some(host), Some(port), 4) = (id, tcp, host, port, a.len()) else {
            return self.error();
        };
        if self.mux != 1 || !self.state.active() {
            return self.error();
        }
        // A connection the peer closed frees its index.
        if self.tcp[usize::from(id)]
            .as_ref()
            .is_some_and(|s| s.state != 4)
        {
            return self.out(b"\r\nALREADY CONNECT\r\n");
        }
        if let Some(old) = self.tcp[usize::from(id)].take() {
            old.shared.stop.store(true, Ordering::Relaxed);
        }
        let (host, port) = (host.to_string(), port as u16);
        self.ok();
        let Some(ip) = self.sh.cfg.resolve(&host) else {
            self.sh.log(&format!("DNS: {host:?} not found"));
            return self.urc(format!("{id}, CONNECT FAIL"));
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
                cap: self.sh.cfg.recv_buffer,
                drop_when_full: false,
            },
        };
        if self.spawn_socket(req, CID, 0, 0).is_err() {
            self.urc(format!("{id}, CONNECT FAIL"));
        }
    }

    /// True when socket `id` of `kind` is connected and the peer has not
    /// closed.
    pub(super) fn connected(&mut self, kind: Kind, id: u8) -> bool {
        self.sockets(kind)
            .get(usize::from(id))
            .and_then(|s| s.as_ref())
            .is_some_and(|s| s.state == 2 && !lock(&s.shared.recv).eof)
    }

    /// `AT+QISEND=<id>,<len 1-1460>`: `⏎> `, then exactly len bytes.
    pub(super) fn qisend(&mut self, a: &[Arg]) {
        let (Some(id), Some(len), 2) = (index(a.first()), length(a.get(1), MAX_SEND), a.len())
        else {
            return self.error();
        };
        if !self.connected(Kind::Tcp, id) {
            return self.error();
        }
        self.out(b"\r\n> ");
        self.expect_payload(Target::Send(Kind::Tcp, id), len, false);
    }

    /// The bytes after the prompt of `AT+QISEND` or `AT+QSSLSEND`.
    pub(super) fn send_payload(&mut self, kind: Kind, id: u8, data: Vec<u8>) {
        match self.queue_send(kind, id, data) {
            Ok(()) => self.out(b"\r\nSEND OK\r\n"),
            Err(SendError::Fail) => self.out(b"\r\nSEND FAIL\r\n"),
            Err(SendError::Closed) => self.error(),
        }
    }

    /// Up to `len` received bytes of socket `id` of `kind` as
    /// `⏎+<tag>: <ip>:<port>,TCP,<n>⏎<bytes>⏎OK⏎`, or a bare `⏎OK⏎`.
    pub(super) fn read_frame(&mut self, kind: Kind, id: u8, len: usize, tag: &str) {
        let Some(s) = self.sockets(kind)[usize::from(id)].as_ref() else {
            return self.error();
        };
        let (shared, host, port): (Arc<SockShared>, String, u16) =
            (s.shared.clone(), s.host.clone(), s.port);
        let chunk: Vec<u8> = {
            let mut r = lock(&shared.recv);
            let n = r.data.len().min(len);
            r.total_read += n as u64;
            r.data.drain(..n).collect()
        };
        if chunk.is_empty() {
            return self.ok();
        }
        let ip = self
            .sh
            .cfg
            .resolve(&host)
            .map_or(host.clone(), |ip| ip.to_string());
        let mut o = format!("\r\n+{tag}: {ip}:{port},TCP,{}\r\n", chunk.len()).into_bytes();
        o.extend_from_slice(&chunk);
        o.extend_from_slice(b"\r\nOK\r\n");
        self.out(&o);
    }

    /// `AT+QIRD=0,1,<id>,<len 1-1500>`.
    pub(super) fn qird(&mut self, a: &[Arg]) {
        let head_ok =
            a.first().and_then(Arg::int) == Some(0) && a.get(1).and_then(Arg::int) == Some(1);
        let (true, Some(id), Some(len), 4) = (
            head_ok,
            index(a.get(2)),
            length(a.get(3), MAX_READ),
            a.len(),
        ) else {
            return self.error();
        };
        self.read_frame(Kind::Tcp, id, len, "QIRD");
    }

    /// `AT+QICLOSE=<id>` → `<id>, CLOSE OK` (no `OK`).
    pub(super) fn qiclose(&mut self, a: &[Arg]) {
        let (Some(id), 1) = (index(a.first()), a.len()) else {
            return self.error();
        };
        let Some(s) = self.tcp[usize::from(id)].take() else {
            return self.error();
        };
        s.shared.stop.store(true, Ordering::Relaxed);
        self.sh.log(&format!("Tcp {id} closed by host"));
        self.out(format!("\r\n{id}, CLOSE OK\r\n").as_bytes());
    }
}
