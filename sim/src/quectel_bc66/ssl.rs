//! The one SSL connection of the BC66/BC660K (context 0, connect ID 0):
//! QSSLCFG with inline PEM certificates, QSSLOPEN, QSSLSEND, the pushed
//! `+QSSLURC: "recv"` data, QSSLCLOSE.

use super::*;
use crate::tcp::{OpenRequest, RecvPolicy, SockShared};
use crate::tls::{Failure, SslCtxCfg};

/// Largest certificate the simulator stores (the manuals give none).
const MAX_CERT: usize = 16 * 1024;

/// Receive buffer of the SSL connection (it is pushed to the host at once,
/// so flow control rarely applies).
const SSL_RECV_BUFFER: usize = 64 * 1024;

/// The file-store name of a certificate (kept across restarts).
pub fn cert_file(key: &str) -> String {
    format!("NVRAM:{key}")
}

/// `<err>` of `+QSSLOPEN` for a failed open.
pub(super) fn open_error(f: &OpenFail) -> i32 {
    match f {
        OpenFail::Connect => -2,
        OpenFail::Setup(why) if why.starts_with("clientkey") => -4,
        OpenFail::Setup(_) => -9,
        OpenFail::Handshake(Failure::Verify) => -3,
        OpenFail::Handshake(Failure::Cipher) => -5,
        OpenFail::Handshake(Failure::Timeout) => -7,
        OpenFail::Handshake(Failure::Other) => -1,
    }
}

impl Session {
    /// `<ctx>,<cid>` first: only 0,0.
    fn ctx_cid_ok(a: &[Arg]) -> bool {
        a.first().and_then(Arg::int) == Some(0) && a.get(1).and_then(Arg::int) == Some(0)
    }

    pub(super) fn qsslcfg(&mut self, a: &[Arg]) {
        if !Self::ctx_cid_ok(a) {
            return self.error();
        }
        if a.len() == 2 {
            let c = self.ssl_cfg.clone();
            let lines = vec![
                format!("+QSSLCFG: 0,0,\"seclevel\",{}", c.seclevel),
                format!("+QSSLCFG: 0,0,\"sslversion\",{}", c.sslversion),
                format!(
                    "+QSSLCFG: 0,0,\"dataformat\",{},{}",
                    u8::from(c.send_hex),
                    u8::from(c.recv_hex)
                ),
                format!("+QSSLCFG: 0,0,\"timeout\",{}", c.timeout),
                format!("+QSSLCFG: 0,0,\"debug\",{}", c.debug),
            ];
            return self.info_ok(&lines);
        }
        let Some(key) = a.get(2).and_then(Arg::str).map(str::to_string) else {
            return self.error();
        };
        let vals = &a[3..];
        let one = |lo: i64, hi: i64| -> Option<i64> {
            match vals {
                [v] => v.int().filter(|n| (lo..=hi).contains(n)),
                _ => None,
            }
        };
        let c = &mut self.ssl_cfg;
        let shown = match key.as_str() {
            "seclevel" | "sslversion" | "timeout" | "debug" if vals.is_empty() => {
                Some(match key.as_str() {
                    "seclevel" => c.seclevel.to_string(),
                    "sslversion" => c.sslversion.to_string(),
                    "timeout" => c.timeout.to_string(),
                    _ => c.debug.to_string(),
                })
            }
            "dataformat" if vals.is_empty() => {
                Some(format!("{},{}", u8::from(c.send_hex), u8::from(c.recv_hex)))
            }
            "seclevel" => match one(0, 2) {
                Some(v) => {
                    c.seclevel = v as u8;
                    None
                }
                None => return self.error(),
            },
            "sslversion" => match one(0, 4) {
                Some(v) => {
                    c.sslversion = v as u8;
                    None
                }
                None => return self.error(),
            },
            "timeout" => match one(10, 300) {
                Some(v) => {
                    c.timeout = v as u16;
                    None
                }
                None => return self.error(),
            },
            "debug" => match one(0, 4) {
                Some(v) => {
                    c.debug = v as u8;
                    None
                }
                None => return self.error(),
            },
            "dataformat" => match vals {
                [s, r] => match (s.int(), r.int()) {
                    (Some(s @ 0..=1), Some(r @ 0..=1)) => {
                        c.send_hex = s == 1;
                        c.recv_hex = r == 1;
                        None
                    }
                    _ => return self.error(),
                },
                _ => return self.error(),
            },
            "cacert" | "clientcert" | "clientkey" if vals.is_empty() => {
                self.out(b"\r\n> ");
                self.expect_payload(Target::Upload(key), MAX_CERT, true);
                return;
            }
            // No "sni", no "ciphersuite" (nor anything else) on this firmware.
            _ => return self.error(),
        };
        match shown {
            Some(v) => self.info_ok(&[format!("+QSSLCFG: 0,0,\"{key}\",{v}")]),
            None => self.ok(),
        }
    }

    /// The PEM text after the `> ` of a certificate key.
    pub(super) fn cert_payload(&mut self, key: &str, data: Vec<u8>, end: PayloadEnd) {
        if end == PayloadEnd::Cancelled {
            self.sh
                .log(&format!("{key} upload cancelled, nothing stored"));
            return self.ok();
        }
        let n = data.len();
        self.sh.files.put(&cert_file(key), data);
        self.sh.log(&format!("{key} stored, {n} bytes"));
        self.out(format!("\r\n+QSSLCFG: 0,0,\"{key}\",{n}\r\n\r\nOK\r\n").as_bytes());
    }

    /// The firmware TLS settings of one `AT+QSSLOPEN`.
    fn tls_cfg(&self) -> SslCtxCfg {
        let c = &self.ssl_cfg;
        let stored = |k: &str| {
            let f = cert_file(k);
            self.sh.files.exists(&f).then_some(f)
        };
        let client = c.seclevel == 2;
        SslCtxCfg {
            sslversion: c.sslversion,
            ciphersuite: 0xFFFF,
            seclevel: c.seclevel,
            cacert: Some(cert_file("cacert")),
            clientcert: if client { stored("clientcert") } else { None },
            clientkey: if client { stored("clientkey") } else { None },
            // Assumed [?]: no validity or host-name check (no clock is
            // guaranteed, and without SNI the firmware has no host name).
            ignorelocaltime: 1,
            negotiatetime: c.timeout,
            session: 0,
            sni: 0,
            checkhost: 0,
            dtls: 0,
            dtlsversion: 0,
        }
    }

    /// `AT+QSSLOPEN=0,0,"<host>",<port>,0`.
    pub(super) fn qsslopen(&mut self, a: &[Arg]) {
        let host = a.get(2).and_then(Arg::str).filter(|h| !h.is_empty());
        let port = a
            .get(3)
            .and_then(Arg::int)
            .filter(|p| (1..=65535).contains(p));
        let mode_ok = a.get(4).is_none_or(|m| m.int() == Some(0));
        let (true, Some(host), Some(port), true, true) =
            (Self::ctx_cid_ok(a), host, port, mode_ok, a.len() <= 5)
        else {
            return self.error();
        };
        let (host, port) = (host.to_string(), port as u16);
        self.ok();
        if self.ssl[0].is_some() {
            return self.open_result(Kind::Ssl, 0, -6);
        }
        if !self.attached() {
            return self.open_result(Kind::Ssl, 0, -2);
        }
        let Some(ip) = self.sh.cfg.resolve(&host) else {
            self.sh.log(&format!("DNS: {host:?} not found"));
            return self.open_result(Kind::Ssl, 0, -2);
        };
        let gen = self.next_gen();
        let req = OpenRequest {
            kind: Kind::Ssl,
            id: 0,
            gen,
            host,
            ip,
            port,
            tls: Some(self.tls_cfg()),
            recv: RecvPolicy {
                cap: SSL_RECV_BUFFER,
                drop_when_full: false,
            },
        };
        if self.spawn_socket(req, 1, 0, 1).is_err() {
            self.open_result(Kind::Ssl, 0, -1);
        }
    }

    /// `AT+QSSLSEND=0,0,<len 1-512>`: `> `, then exactly 2×len hex digits.
    pub(super) fn qsslsend(&mut self, a: &[Arg]) {
        let len = a
            .get(2)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CHUNK as i64).contains(n));
        let (true, Some(len), 3) = (Self::ctx_cid_ok(a), len, a.len()) else {
            return self.error();
        };
        let connected = self
            .ssl
            .first()
            .and_then(|s| s.as_ref())
            .is_some_and(|s| s.state == 2 && !lock(&s.shared.recv).eof);
        if !connected {
            return self.error();
        }
        self.out(b"> ");
        let len = len as usize;
        let need = if self.ssl_cfg.send_hex { 2 * len } else { len };
        self.expect_payload(Target::Send(Kind::Ssl, 0), need, false);
    }

    /// `AT+QSSLCLOSE=0,0`: `OK`, then `+QSSLCLOSE: 0,0,0`.
    pub(super) fn qsslclose(&mut self, a: &[Arg]) {
        if !Self::ctx_cid_ok(a) || a.len() != 2 {
            return self.error();
        }
        if let Some(s) = self.ssl[0].take() {
            s.shared.stop.store(true, Ordering::Relaxed);
            self.sh.log("Ssl 0 closed by host");
        }
        self.ok();
        self.urc("+QSSLCLOSE: 0,0,0".to_string());
    }

    /// Drains the receive buffer into `+QSSLURC: "recv",0,0,<len>,"<data>"`
    /// frames of at most [`MAX_CHUNK`] bytes each.
    pub(super) fn ssl_frames(&self, shared: &SockShared) -> Vec<u8> {
        let mut o = Vec::new();
        let hex_out = self.ssl_cfg.recv_hex;
        loop {
            let chunk: Vec<u8> = {
                let mut r = lock(&shared.recv);
                let n = r.data.len().min(MAX_CHUNK);
                r.total_read += n as u64;
                r.data.drain(..n).collect()
            };
            if chunk.is_empty() {
                return o;
            }
            o.extend_from_slice(
                format!("\r\n+QSSLURC: \"recv\",0,0,{},\"", chunk.len()).as_bytes(),
            );
            if hex_out {
                o.extend_from_slice(hex(&chunk).as_bytes());
            } else {
                o.extend_from_slice(&chunk);
            }
            o.extend_from_slice(b"\"\r\n");
        }
    }

    /// Pushes what the SSL connection received ([`Pending::Push`]).
    pub(super) fn push_ssl(&mut self, kind: Kind, id: u8, gen: u64) {
        let Some(s) = self.sock(kind, id, gen) else {
            return;
        };
        let shared = s.shared.clone();
        let o = self.ssl_frames(&shared);
        if !o.is_empty() {
            self.out(&o);
        }
    }
}
