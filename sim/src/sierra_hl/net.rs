//! Sessions of the HL8548 / HL78xx: KTCPCFG, KTCPCNX, the KTCPSND and
//! KTCPRCV data phases, KTCPSTAT, KTCPCLOSE, KTCPDEL.

use super::*;
use crate::core::{Input, SendError};
use crate::tcp::{OpenRequest, RecvPolicy};
use std::time::Duration;

/// A data phase ends this long after its last byte if it is not complete.
pub(super) const PHASE_IDLE: Duration = Duration::from_secs(1);
/// Receive buffer per session (flow control when full: nothing is lost).
const RECV_BUFFER: usize = 64 * 1024;
/// Longest host name.
const MAX_HOST: usize = 127;

/// An optional argument: absent, empty, or a number in `lo..=hi`.
fn opt_in(a: &[Arg], i: usize, lo: i64, hi: i64) -> Option<Option<i64>> {
    match a.get(i) {
        None => Some(None),
        Some(x) if x.is_empty() => Some(None),
        Some(x) => x.int().filter(|v| (lo..=hi).contains(v)).map(Some),
    }
}

impl Session {
    /// The first argument as a defined session.
    fn sess_arg(&self, a: &[Arg]) -> Option<u8> {
        a.first()
            .and_then(Arg::int)
            .filter(|s| (1..=i64::from(SESSIONS)).contains(s))
            .map(|s| s as u8)
            .filter(|&s| self.sess[usize::from(s)].is_some())
    }

    /// Starts a data phase of `len` bytes plus the pattern after `CONNECT`.
    pub(super) fn start_phase(&mut self, target: Target, len: usize) {
        self.out(b"\r\nCONNECT\r\n");
        self.phase = Some(Phase {
            target: target.clone(),
            len,
        });
        self.expect_payload(target, len + EOF_PATTERN.len(), false);
        if let Input::Payload { timeout, .. } = &mut self.core.input {
            *timeout = Some(PHASE_IDLE);
        }
    }

    /// `AT+KTCPCFG=<cnx>,<0|3>,"<host>",<port>[,<src_port>[,<data_mode 0>
    /// [,<urc_endtcp>[,<af 0>[,<cipher_idx>[,<restore>]]]]]]`.
    pub(super) fn ktcpcfg(&mut self, a: &[Arg]) {
        let cnx = self.cnx_arg(a);
        let mode = a.get(1).and_then(Arg::int).filter(|m| *m == 0 || *m == 3);
        let host = a
            .get(2)
            .and_then(Arg::str)
            .filter(|h| !h.is_empty() && h.len() <= MAX_HOST);
        let port = a
            .get(3)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let profiles = self.crypto.len() as i64 - 1;
        let opts = (
            opt_in(a, 4, 0, 65535),
            opt_in(a, 5, 0, 0),
            opt_in(a, 6, 0, 1),
            opt_in(a, 7, 0, 0),
            opt_in(a, 8, 0, profiles),
            opt_in(a, 9, 0, 1),
        );
        let (Some(cnx), Some(mode), Some(host), Some(port)) = (cnx, mode, host, port) else {
            return self.error();
        };
        let (Some(_), Some(_), Some(_), Some(_), Some(cipher), Some(_)) = opts else {
            return self.error();
        };
        if a.len() > 10 {
            return self.error();
        }
        if self.cnx[usize::from(cnx)].is_none() {
            return self.not_allowed();
        }
        let Some(s) = (1..=SESSIONS).find(|&s| self.sess[usize::from(s)].is_none()) else {
            return self.not_allowed();
        };
        self.sess[usize::from(s)] = Some(Sess {
            cnx,
            tls: mode == 3,
            host: host.to_string(),
            port: port as u16,
            cipher_idx: cipher.unwrap_or(0) as u8,
            status: 1,
            notif: -1,
        });
        self.info_ok(&[format!("+KTCPCFG: {s}")]);
    }

    /// `AT+KTCPCNX=<s>`: `OK`, then `+KTCP_IND: <s>,1` or
    /// `+KTCP_NOTIF: <s>,<code>`.
    pub(super) fn ktcpcnx(&mut self, a: &[Arg]) {
        let (Some(s), 1) = (self.sess_arg(a), a.len()) else {
            return self.not_allowed();
        };
        let Some(sess) = self.sess[usize::from(s)].clone() else {
            return self.not_allowed();
        };
        self.ok();
        if matches!(sess.status, 2 | 3) {
            return self.set_notif(s, sess.status, 10);
        }
        let kind = sess.kind();
        // What is left of an earlier connection of this session goes.
        for k in [Kind::Tcp, Kind::Ssl] {
            if let Some(old) = self.sockets(k)[usize::from(s)].take() {
                old.shared.stop.store(true, Ordering::Relaxed);
            }
        }
        if let Some(c) = self.cnx[usize::from(sess.cnx)].as_mut() {
            c.up = true;
        }
        let Some(ip) = self.sh.cfg.resolve(&sess.host) else {
            self.sh.log(&format!("DNS: {:?} not found", sess.host));
            return self.set_notif(s, 1, 3);
        };
        let tls = if sess.tls {
            match self.tls_cfg(sess.cipher_idx) {
                Ok(c) => Some(c),
                Err(why) => {
                    self.sh.log(&format!("session {s}: TLS set-up: {why}"));
                    return self.set_notif(s, 1, 14);
                }
            }
        } else {
            None
        };
        let gen = self.next_gen();
        let req = OpenRequest {
            kind,
            id: s,
            gen,
            host: sess.host.clone(),
            ip,
            port: sess.port,
            tls,
            recv: RecvPolicy {
                cap: RECV_BUFFER,
                drop_when_full: false,
            },
        };
        if self
            .spawn_socket(req, sess.cnx, sess.cipher_idx, 0)
            .is_err()
        {
            return self.set_notif(s, 1, 2);
        }
        if let Some(x) = self.sess[usize::from(s)].as_mut() {
            x.status = 2;
            x.notif = -1;
        }
    }

    /// True when session `s` is connected and the peer has not closed.
    fn connected(&mut self, s: u8) -> bool {
        let Some(kind) = self.sess[usize::from(s)].as_ref().map(Sess::kind) else {
            return false;
        };
        self.sockets(kind)
            .get(usize::from(s))
            .and_then(|x| x.as_ref())
            .is_some_and(|x| x.state == 2 && !lock(&x.shared.recv).eof)
    }

    /// `AT+KTCPSND=<s>,<n>`: `CONNECT`, then n bytes and the pattern.
    pub(super) fn ktcpsnd(&mut self, a: &[Arg]) {
        let n = a
            .get(1)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CHUNK as i64).contains(n));
        let (Some(s), Some(n), 2) = (self.sess_arg(a), n, a.len()) else {
            return if a.len() == 2 && n.is_some() {
                self.not_allowed()
            } else {
                self.error()
            };
        };
        if !self.connected(s) {
            return self.not_allowed();
        }
        let kind = self.sess[usize::from(s)]
            .as_ref()
            .map_or(Kind::Tcp, Sess::kind);
        self.start_phase(Target::Send(kind, s), n as usize);
    }

    /// The end of a `AT+KTCPSND` data phase: `body` is the data when it was
    /// framed right.
    pub(super) fn send_payload(&mut self, kind: Kind, s: u8, body: Option<Vec<u8>>) {
        let Some(data) = body else {
            self.sh.log(&format!(
                "session {s}: KTCPSND data not followed by the EOF pattern"
            ));
            self.error();
            let status = self.sess[usize::from(s)].as_ref().map_or(1, |x| x.status);
            return self.set_notif(s, status, 8);
        };
        match self.queue_send(kind, s, data) {
            Ok(()) => self.ok(),
            Err(SendError::Closed) | Err(SendError::Fail) => self.error(),
        }
    }

    /// `AT+KTCPRCV=<s>,<n>`: `CONNECT`, at most n bytes, the pattern, `OK`;
    /// then `+KTCP_DATA` again when bytes are left.
    pub(super) fn ktcprcv(&mut self, a: &[Arg]) {
        let n = a
            .get(1)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CHUNK as i64).contains(n));
        let (Some(s), Some(n), 2) = (self.sess_arg(a), n, a.len()) else {
            return if a.len() == 2 && n.is_some() {
                self.not_allowed()
            } else {
                self.error()
            };
        };
        let kind = self.sess[usize::from(s)]
            .as_ref()
            .map_or(Kind::Tcp, Sess::kind);
        let shared = self.sockets(kind)[usize::from(s)]
            .as_ref()
            .map(|x| x.shared.clone());
        let (chunk, rest) = match shared {
            Some(sh) => {
                let mut r = lock(&sh.recv);
                let m = r.data.len().min(n as usize);
                r.total_read += m as u64;
                let chunk: Vec<u8> = r.data.drain(..m).collect();
                (chunk, r.data.len())
            }
            None => (Vec::new(), 0),
        };
        let mut o = b"\r\nCONNECT\r\n".to_vec();
        o.extend_from_slice(&chunk);
        o.extend_from_slice(EOF_PATTERN);
        o.extend_from_slice(b"\r\nOK\r\n");
        self.out(&o);
        if rest > 0 {
            self.urc(format!("+KTCP_DATA: {s},{rest}"));
        }
    }

    /// `AT+KTCPSTAT=<s>`.
    pub(super) fn ktcpstat(&mut self, a: &[Arg]) {
        let (Some(s), 1) = (self.sess_arg(a), a.len()) else {
            return self.not_allowed();
        };
        let Some(sess) = self.sess[usize::from(s)].clone() else {
            return self.not_allowed();
        };
        let (rem, rcv) = match self.sockets(sess.kind())[usize::from(s)].as_ref() {
            Some(x) => (
                lock(&x.shared.send).iter().map(|(_, d)| d.len()).sum(),
                lock(&x.shared.recv).data.len(),
            ),
            None => (0, 0),
        };
        let l = format!("+KTCPSTAT: {},{},{rem},{rcv}", sess.status, sess.notif);
        self.info_ok(&[l]);
    }

    /// `AT+KTCPCLOSE=<s>[,<closing_type>]`.
    pub(super) fn ktcpclose(&mut self, a: &[Arg]) {
        let type_ok = a.get(1).is_none_or(|t| matches!(t.int(), Some(0..=1)));
        let (Some(s), true, true) = (self.sess_arg(a), type_ok, a.len() <= 2) else {
            return self.not_allowed();
        };
        let mut had = false;
        for k in [Kind::Tcp, Kind::Ssl] {
            if let Some(old) = self.sockets(k)[usize::from(s)].take() {
                old.shared.stop.store(true, Ordering::Relaxed);
                had = true;
            }
        }
        if let Some(x) = self.sess[usize::from(s)].as_mut() {
            if had || x.status != 1 {
                x.status = 5;
            }
        }
        self.sh.log(&format!("session {s} closed by host"));
        self.ok();
    }

    /// `AT+KTCPDEL=<s>`: only a session that is not connected.
    pub(super) fn ktcpdel(&mut self, a: &[Arg]) {
        let (Some(s), 1) = (self.sess_arg(a), a.len()) else {
            return self.not_allowed();
        };
        if self.sess[usize::from(s)]
            .as_ref()
            .is_some_and(|x| matches!(x.status, 2 | 3))
        {
            return self.not_allowed();
        }
        for k in [Kind::Tcp, Kind::Ssl] {
            if let Some(old) = self.sockets(k)[usize::from(s)].take() {
                old.shared.stop.store(true, Ordering::Relaxed);
            }
        }
        self.sess[usize::from(s)] = None;
        self.ok();
    }
}
