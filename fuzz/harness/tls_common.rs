//! What the two fuzz harnesses of the TLS 1.3 engine share
//! (`tls_server_bytes.rs`, `tls_plaintexts.rs`): the client's setup from
//! a config byte, a deterministic random generator, a [`ServerAuth`] that
//! accepts or refuses and remembers, the chunk plan, and [`Driver`], which
//! moves bytes in and out of a [`Client`] the way a caller would and
//! checks the engine's invariants at every step:
//!
//! - `read_app` never returns data before `is_connected()`;
//! - when the engine waits for bytes (no error, no data pending, nothing
//!   to send, not closed by the peer), `rx_space` is not empty;
//! - `transmit` makes progress whenever `wants_transmit` says so;
//! - after an error, every call returns that error (`poll`, `transmit`
//!   once the alert is out, `eof`, `update_keys`, `write_app`), no data is
//!   readable, and `transmit` writes at most one record: the alert;
//! - the session is never connected without the certificate and its
//!   CertificateVerify accepted by the [`ServerAuth`].

#![allow(dead_code)]

use modemtls::pki::PkiError;
use modemtls::tls::{Client, ClientConfig, ClientState, Error, ServerAuth, State, Ticket};

/// The receive buffer sizes a config byte picks from (bits 0-2).
pub const RX_SIZES: [usize; 8] = [16_640, 16_640, 16_640, 4_096, 1_024, 400, 160, 64];
/// The ALPN protocols offered when the config asks for ALPN.
pub const ALPN: &[&[u8]] = &[b"mqtt", b"h2"];
/// "Now" for ticket ages (Unix milliseconds).
pub const NOW_MS: u64 = 1_767_225_600_000;
/// The client's generator seed: fixed, so that the ClientHello (and the
/// key share) is the same in every run and the server bytes of an input
/// stay meaningful when replayed.
pub const CLIENT_SEED: u64 = 0x6d6f_6465_6d74_6c73;
/// The transmit buffer: any record the client writes fits.
pub const TX_LEN: usize = 17_000;

/// A fixed-sequence generator (xorshift64*): the harnesses must be
/// deterministic.
pub struct Rng(pub u64);

impl Rng {
    /// The next value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (rand_core::RngCore::next_u64(self) % n.max(1) as u64) as usize
    }
}

impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = (self.next_u64() >> 56) as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Rng {}

/// The server's authentication as the engine asks for it: accepts or
/// refuses (`reject_*`), and remembers what it accepted.
#[derive(Default)]
pub struct Auth {
    pub reject_certificate: bool,
    pub reject_signature: bool,
    pub certificate_ok: bool,
    pub signature_ok: bool,
}

impl ServerAuth for Auth {
    fn certificate(&mut self, chain: &[&[u8]]) -> Result<(), PkiError> {
        assert!(!chain.is_empty(), "an empty chain reached the ServerAuth");
        assert!(
            !self.certificate_ok,
            "a second Certificate reached the ServerAuth"
        );
        if self.reject_certificate {
            return Err(PkiError::UnknownIssuer);
        }
        self.certificate_ok = true;
        Ok(())
    }

    fn certificate_verify(
        &mut self,
        _scheme: u16,
        hash: &[u8],
        signature: &[u8],
    ) -> Result<(), PkiError> {
        assert!(
            self.certificate_ok,
            "CertificateVerify checked before an accepted Certificate"
        );
        assert!(
            hash.len() == 32 || hash.len() == 48,
            "transcript hash of {} bytes",
            hash.len()
        );
        assert!(!signature.is_empty());
        if self.reject_signature {
            return Err(PkiError::BadCertificateVerify);
        }
        self.signature_ok = true;
        Ok(())
    }
}

/// The client's setup, from a config byte: bits 0-2 the receive buffer
/// size ([`RX_SIZES`]), bit 3 resumption (a ticket slot and a clock),
/// bit 4 ALPN offered, bit 5 an IP address as the server name (no SNI),
/// bit 6 the certificate refused, bit 7 the CertificateVerify refused.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    pub rx_len: usize,
    pub resumption: bool,
    pub alpn: bool,
    pub sni: bool,
    pub reject_certificate: bool,
    pub reject_signature: bool,
}

impl Setup {
    pub fn new(config: u8) -> Self {
        Setup {
            rx_len: RX_SIZES[usize::from(config & 7)],
            resumption: config & 8 != 0,
            alpn: config & 16 != 0,
            sni: config & 32 == 0,
            reject_certificate: config & 64 != 0,
            reject_signature: config & 128 != 0,
        }
    }

    pub fn server_name(&self) -> &'static str {
        if self.sni {
            "server.test"
        } else {
            "127.0.0.1"
        }
    }

    pub fn client_config(&self) -> ClientConfig<'static> {
        ClientConfig {
            server_name: self.server_name(),
            alpn: if self.alpn { ALPN } else { &[] },
            client: None,
            resumption: self.resumption,
        }
    }

    pub fn auth(&self) -> Auth {
        Auth {
            reject_certificate: self.reject_certificate,
            reject_signature: self.reject_signature,
            ..Auth::default()
        }
    }

    /// A client with this setup over `rx` (and `ticket` when resuming).
    pub fn client<'b>(
        &self,
        state: &'b mut ClientState,
        rx: &'b mut [u8],
        ticket: &'b mut Ticket,
        seed: u64,
    ) -> Client<'b> {
        let mut rng = Rng(seed);
        let (slot, now) = if self.resumption {
            (Some(ticket), Some(NOW_MS))
        } else {
            (None, None)
        };
        match Client::new(
            &self.client_config(),
            state,
            rx,
            slot,
            now,
            &mut rng,
            modemtls::tls::RustCryptoP256,
        ) {
            Ok(c) => c,
            Err(e) => panic!(
                "Client::new refused a {}-byte receive buffer: {e:?}",
                self.rx_len
            ),
        }
    }
}

/// The sizes in which bytes are handed to the engine and read from it,
/// from a plan byte: bits 0-3 the largest piece (0: as much as fits),
/// bits 4-7 the generator's seed.
pub struct Plan {
    max: usize,
    rng: Rng,
}

impl Plan {
    pub fn new(b: u8) -> Self {
        const MAX: [usize; 16] = [
            usize::MAX,
            1,
            2,
            3,
            5,
            8,
            13,
            31,
            64,
            100,
            257,
            511,
            1_000,
            1_500,
            4_096,
            17_000,
        ];
        Plan {
            max: MAX[usize::from(b & 15)],
            rng: Rng(0x9e37_79b9_7f4a_7c15 ^ u64::from(b >> 4)),
        }
    }

    /// The next piece's size (at least 1).
    pub fn next(&mut self) -> usize {
        if self.max == usize::MAX {
            usize::MAX
        } else {
            1 + self.rng.below(self.max)
        }
    }
}

/// A record's header: (type, body length), when `bytes` holds a whole one.
pub fn record(bytes: &[u8]) -> Option<(u8, usize)> {
    let h = bytes.get(..5)?;
    let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
    (bytes.len() >= 5 + len).then_some((h[0], len))
}

/// The client, the bytes it sent, and the invariants' state.
pub struct Driver<'b> {
    pub tls: Client<'b>,
    /// What the client offers (each handshake call takes it).
    pub cfg: ClientConfig<'static>,
    pub auth: Auth,
    plan: Plan,
    /// Everything `transmit` and `write_app` produced, in order.
    pub sent: Vec<u8>,
    /// Application data read, in order.
    pub app: Vec<u8>,
    /// The first error the engine returned, and `sent.len()` then.
    pub failed: Option<(Error, usize)>,
    /// Whether the handshake completed (before any error).
    pub connected: bool,
    /// Scratch for `transmit` and for `read_app`.
    tx: Vec<u8>,
    rd: Vec<u8>,
}

impl<'b> Driver<'b> {
    pub fn new(tls: Client<'b>, cfg: ClientConfig<'static>, auth: Auth, plan: Plan) -> Self {
        Driver {
            tls,
            cfg,
            auth,
            plan,
            sent: Vec::new(),
            app: Vec::new(),
            failed: None,
            connected: false,
            tx: vec![0; TX_LEN],
            rd: vec![0; TX_LEN],
        }
    }

    pub fn error(&self) -> Option<Error> {
        self.failed.map(|(e, _)| e)
    }

    /// An error came back from a call: the first one is remembered, and
    /// every later one must be the same.
    fn on_error(&mut self, e: Error) {
        match self.failed {
            Some((first, _)) => assert_eq!(e, first, "a second, different error"),
            None => {
                self.failed = Some((e, self.sent.len()));
                self.check_failed();
            }
        }
    }

    /// Send what is due; returns whether the engine failed.
    pub fn transmit_all(&mut self) {
        for _ in 0..64 {
            if !self.tls.wants_transmit() {
                return;
            }
            match self.tls.transmit(&self.cfg, &mut self.tx) {
                Ok(n) => {
                    assert!(
                        n > 0 || !self.tls.wants_transmit(),
                        "transmit wrote nothing but still wants to transmit"
                    );
                    self.sent.extend_from_slice(&self.tx[..n]);
                }
                Err(e) => {
                    self.on_error(e);
                    return;
                }
            }
        }
        panic!("transmit never runs out of output");
    }

    /// Send what is due, process what was received, read what it gave,
    /// until nothing more happens without new bytes.
    pub fn step(&mut self) {
        let mut buf = std::mem::take(&mut self.rd);
        self.step_with(&mut buf);
        self.rd = buf;
    }

    fn step_with(&mut self, buf: &mut [u8]) {
        for _ in 0..100_000 {
            self.transmit_all();
            if self.failed.is_some() {
                return;
            }
            if let Err(e) = self.tls.poll(&self.cfg, &mut self.auth) {
                self.on_error(e);
                return;
            }
            if self.tls.is_connected() && !self.connected {
                assert!(
                    self.tls.resumed() || (self.auth.certificate_ok && self.auth.signature_ok),
                    "connected without an accepted certificate and CertificateVerify"
                );
                self.connected = true;
            }
            if !self.tls.is_connected() {
                assert_eq!(
                    self.tls.app_pending(),
                    0,
                    "application data pending before the handshake ended"
                );
                assert_eq!(
                    self.tls.read_app(buf),
                    0,
                    "read_app returned data before the handshake ended"
                );
            }
            if self.tls.app_pending() == 0 {
                if self.tls.wants_transmit() {
                    continue;
                }
                if self.tls.state() != State::PeerClosed {
                    let state = self.tls.state();
                    assert!(
                        !self.tls.rx_space().is_empty(),
                        "the engine waits for bytes ({state:?}) but rx_space is empty"
                    );
                }
                return;
            }
            // Read the pending data in pieces of the plan's sizes.
            loop {
                let want = self.plan.next().min(buf.len());
                let n = self.tls.read_app(&mut buf[..want]);
                if n == 0 {
                    break;
                }
                assert!(n <= want);
                self.app.extend_from_slice(&buf[..n]);
            }
            assert_eq!(self.tls.app_pending(), 0);
        }
        panic!("the engine keeps working without new bytes");
    }

    /// Hand `bytes` to the engine in pieces of the plan's sizes, stepping
    /// after each. After an error the rest goes in at once and `poll`
    /// must return the same error.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        self.step();
        while !bytes.is_empty() {
            let failed = self.failed.is_some();
            let space = self.tls.rx_space();
            if space.is_empty() {
                // Only after close_notify (checked in `step`) or an error.
                return;
            }
            let n = if failed { usize::MAX } else { self.plan.next() }
                .min(space.len())
                .min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            self.tls.rx_commit(n);
            bytes = &bytes[n..];
            if failed {
                let e = self
                    .tls
                    .poll(&self.cfg, &mut self.auth)
                    .expect_err("poll after an error");
                self.on_error(e);
                self.check_failed();
                return;
            }
            self.step();
        }
    }

    /// The network connection ends: `eof`, then the failed state's checks.
    pub fn finish(&mut self) {
        self.step();
        let e = self.tls.eof();
        if self.failed.is_none() {
            assert_eq!(e, Error::Truncated, "eof without an earlier error");
        }
        self.on_error(e);
        self.check_failed();
    }

    /// After the error: every call returns it, nothing is readable, and
    /// what `transmit` still writes is at most one record.
    pub fn check_failed(&mut self) {
        let Some((e, mark)) = self.failed else {
            return;
        };
        let mut out = vec![0u8; TX_LEN];
        let mut calls = 0;
        loop {
            calls += 1;
            assert!(calls < 4, "transmit keeps writing after the error");
            match self.tls.transmit(&self.cfg, &mut out) {
                Ok(n) => self.sent.extend_from_slice(&out[..n]),
                Err(again) => {
                    assert_eq!(again, e, "transmit after the error");
                    break;
                }
            }
        }
        let after = &self.sent[mark..];
        if !after.is_empty() {
            let (ty, len) = record(after)
                .unwrap_or_else(|| panic!("partial record after the error: {after:02x?}"));
            assert_eq!(
                after.len(),
                5 + len,
                "more than one record after the error: {after:02x?}"
            );
            match ty {
                21 => assert_eq!(
                    &after[5..],
                    &[2, e.alert().unwrap_or(0)],
                    "the alert for {e:?}"
                ),
                23 => assert_eq!(len, 2 + 1 + 16, "an encrypted alert's length"),
                _ => panic!("a record of type {ty} after the error {e:?}"),
            }
            assert!(
                e.alert().is_some(),
                "an alert was sent for {e:?}, which has none"
            );
        }
        assert!(
            !self.tls.wants_transmit(),
            "still wants to transmit after the error"
        );
        assert_eq!(self.tls.error(), Some(e));
        assert_eq!(self.tls.state(), State::Failed);
        assert!(!self.tls.is_connected());
        assert_eq!(
            self.tls.poll(&self.cfg, &mut self.auth),
            Err(e),
            "poll after the error"
        );
        assert_eq!(self.tls.eof(), e, "eof after the error");
        assert_eq!(
            self.tls.update_keys(true),
            Err(e),
            "update_keys after the error"
        );
        assert_eq!(
            self.tls.write_app(b"x", &mut out),
            Err(e),
            "write_app after the error"
        );
        assert_eq!(self.tls.app_pending(), 0, "data pending after the error");
        assert_eq!(self.tls.read_app(&mut out), 0, "data read after the error");
        assert_eq!(
            self.tls.transmit(&self.cfg, &mut out),
            Err(e),
            "transmit after the alert"
        );
    }
}
