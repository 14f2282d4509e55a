//! The client state machine: records in, handshake messages through the
//! key schedule, records out. Sans-IO: the caller moves bytes between the
//! network and [`Client::rx_space`]/[`Client::transmit`], and passes the
//! time in.
//!
//! ```text
//!  Start ──ClientHello──> WaitServerHello ──HelloRetryRequest (once)──> WaitServerHello
//!                               │ ServerHello (keys: handshake)
//!                               v
//!                     WaitEncryptedExtensions ──(PSK accepted)──────────────┐
//!                               │                                          │
//!                     WaitCertOrRequest ──CertificateRequest──> WaitCertificate
//!                               │ Certificate (chain verified)            │
//!                               v                                          │
//!                        WaitCertVerify ──CertificateVerify (verified)──> WaitFinished
//!                                                                           │ Finished
//!                                                                           v
//!            client flight queued (Certificate, CertificateVerify, Finished), keys: application
//!                                                                           │
//!                                                                       Connected
//!                    (NewSessionTicket, KeyUpdate; close_notify -> PeerClosed)
//! ```
//!
//! Any refusal moves to `Failed` with the alert of [`Error::alert`] queued
//! for [`Client::transmit`]; every later call returns the same error.

use rand_core::CryptoRngCore;

use super::codec::Writer;
use super::ecdhe::{EphemeralSecret, P256Provider, RustCryptoP256, P256_POINT_LEN, SECP256R1};
use super::error::{alert, Error};
use super::hash::{HashAlg, Secret, Transcript};
use super::hello::{self, msg, HelloParams, SIGNATURE_SCHEMES};
use super::messages;
use super::rx::{Content, Rx};
use super::suite::{CipherSuite, RecordKey, ALL_SUITES, HEADER_LEN, TAG_LEN};
use super::ticket::Ticket;
use crate::pki::{ClientIdentity, PkiError};

/// Largest HelloRetryRequest cookie kept.
pub const MAX_COOKIE: usize = 256;
/// Largest plaintext of one record.
pub const MAX_FRAGMENT: usize = 16_384;

/// How the engine has the server authenticated: called with the
/// certificate chain (leaf first) and then with the CertificateVerify
/// signature. `crate::pki::PkiVerifier` is the real one.
pub trait ServerAuth {
    /// Verify the chain for the server name; keep the leaf's key for
    /// [`ServerAuth::certificate_verify`].
    fn certificate(&mut self, chain: &[&[u8]]) -> Result<(), PkiError>;
    /// Verify the CertificateVerify `signature` (scheme `scheme`, a code
    /// the ClientHello offered) over `transcript_hash`.
    fn certificate_verify(
        &mut self,
        scheme: u16,
        transcript_hash: &[u8],
        signature: &[u8],
    ) -> Result<(), PkiError>;
}

/// What a client offers and whom it expects. The engine keeps none of it
/// but the server name's hash and the resumption flag: the handshake's
/// calls each take it.
#[derive(Clone, Copy)]
pub struct ClientConfig<'c> {
    /// The server's name: sent as SNI when it is a DNS name; what the
    /// certificate must be valid for (checked by the [`ServerAuth`]).
    pub server_name: &'c str,
    /// ALPN protocols to offer (empty: none).
    pub alpn: &'c [&'c [u8]],
    /// Client certificate and P-256 key, for servers that ask (mutual TLS).
    pub client: Option<&'c ClientIdentity<'c>>,
    /// Offer psk_dhe_ke so the server sends session tickets, and keep them
    /// in the ticket slot given to [`Client::new`].
    pub resumption: bool,
}

impl ClientConfig<'static> {
    /// What to give [`Client::transmit`] and [`Client::poll`] once the
    /// handshake is over and the client's last flight went out: the
    /// configuration is not read any more.
    pub const CONNECTED: ClientConfig<'static> = ClientConfig {
        server_name: "",
        alpn: &[],
        client: None,
        resumption: false,
    };
}

/// Where the handshake is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The ClientHello is still to be sent.
    Start,
    /// Waiting for ServerHello (or HelloRetryRequest).
    WaitServerHello,
    /// Waiting for EncryptedExtensions.
    WaitEncryptedExtensions,
    /// Waiting for CertificateRequest or Certificate.
    WaitCertOrRequest,
    /// Waiting for Certificate (after CertificateRequest).
    WaitCertificate,
    /// Waiting for CertificateVerify.
    WaitCertVerify,
    /// Waiting for the server's Finished.
    WaitFinished,
    /// Handshake done: application data both ways.
    Connected,
    /// The server sent close_notify.
    PeerClosed,
    /// Failed; see [`Client::error`].
    Failed,
}

/// The client's last flight, sent by the next [`Client::transmit`].
struct Flight {
    /// The server asked for a certificate (its request context is always
    /// empty during the handshake).
    request: bool,
    /// Send the certificate (else an empty Certificate message).
    with_cert: bool,
    /// DER ECDSA signature of the client CertificateVerify.
    signature: heapless::Vec<u8, 72>,
    /// The client Finished's verify_data.
    finished: Secret,
}

/// Everything but the receive buffer (borrowed apart from it).
struct Machine {
    state: State,
    random: [u8; 32],
    secret: Option<EphemeralSecret>,
    public: [u8; P256_POINT_LEN],
    /// The X25519 key pair (feature `x25519`): secret, public.
    #[cfg(feature = "x25519")]
    x25519: Option<(EphemeralSecret, [u8; 32])>,
    retried: Option<CipherSuite>,
    cookie: heapless::Vec<u8, MAX_COOKIE>,
    hello_due: bool,
    /// The PSK offered, when resuming.
    offered_psk: bool,
    resumed: bool,
    suite: Option<CipherSuite>,
    transcript: Transcript,
    server_hs: Option<Secret>,
    client_hs: Option<Secret>,
    master: Option<Secret>,
    server_app: Option<Secret>,
    client_app: Option<Secret>,
    resumption: Option<Secret>,
    read: Option<RecordKey>,
    write: Option<RecordKey>,
    /// CertificateRequest received: whether it accepts ecdsa_secp256r1_sha256.
    request: Option<bool>,
    chain_ok: bool,
    signature_ok: bool,
    flight: Option<Flight>,
    key_update_due: Option<bool>,
    close_due: bool,
    alert_due: Option<u8>,
    failed: Option<Error>,
    alpn: heapless::Vec<u8, 32>,
    tickets: u8,
    /// Identifies the server in tickets.
    name_hash: [u8; 16],
    /// Tickets are asked for and kept ([`ClientConfig::resumption`]).
    resumption_on: bool,
}

/// The engine's state for one connection (secrets, keys, the transcript
/// hash, the handshake's progress: about 1.4 KB on Cortex-M), lent to
/// [`Client::new`] like the receive buffer. Keeping it in caller memory
/// (a `static`, a pool slot) keeps a [`Client`] and the sessions built on
/// it small, so moving them costs a few words, not a copy of the state.
/// One state serves one connection at a time and can be used again for the
/// next; the secrets in it are zeroized when the [`Client`] is dropped.
pub struct ClientState {
    m: Option<Machine>,
}

impl ClientState {
    /// An empty state.
    pub const fn new() -> Self {
        ClientState { m: None }
    }
}

impl Default for ClientState {
    fn default() -> Self {
        Self::new()
    }
}

/// A TLS 1.3 client connection, sans-IO. See the [engine docs](crate::tls).
pub struct Client<'b, P: P256Provider = RustCryptoP256> {
    p256: P,
    rx: Rx<'b>,
    m: &'b mut Machine,
    ticket: Option<&'b mut Ticket>,
    now_ms: Option<u64>,
}

/// The state lent to the client is zeroized (every secret, key and
/// ephemeral key dropped) when the connection is.
impl<P: P256Provider> Drop for Client<'_, P> {
    fn drop(&mut self) {
        self.m.wipe();
    }
}

impl<'b, P: P256Provider> Client<'b, P> {
    /// A client that will say hello to `cfg.server_name` (the same
    /// configuration is given to every [`Client::transmit`] and
    /// [`Client::poll`] of the handshake; after it, any, e.g.
    /// [`ClientConfig::CONNECTED`]). `rx` receives
    /// records and reassembles handshake messages (16,645 bytes holds any
    /// record; a server flight split into small records needs room for
    /// its largest message plus one record). `ticket`: a slot for session
    /// tickets; a valid one for this server is offered for resumption.
    /// `now_ms`: the time (Unix milliseconds when known) for ticket ages;
    /// `None` disables resumption. `state` holds the connection's state
    /// (whatever it held before is dropped).
    pub fn new(
        cfg: &ClientConfig<'_>,
        state: &'b mut ClientState,
        rx: &'b mut [u8],
        ticket: Option<&'b mut Ticket>,
        now_ms: Option<u64>,
        rng: &mut dyn CryptoRngCore,
        mut p256: P,
    ) -> Result<Self, Error> {
        let mut random = [0u8; 32];
        rng.fill_bytes(&mut random);
        let (secret, public) = p256.generate(rng).ok_or(Error::ClientKey)?;
        #[cfg(feature = "x25519")]
        let x25519 = {
            let mut k = [0u8; 32];
            rng.fill_bytes(&mut k);
            let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(k));
            let secret = EphemeralSecret(k);
            zeroize::Zeroize::zeroize(&mut k);
            Some((secret, public.to_bytes()))
        };
        if rx.len() < HEADER_LEN + 17 {
            return Err(Error::BufferTooSmall);
        }
        let m = state.m.insert(Machine {
            state: State::Start,
            random,
            secret: Some(secret),
            public,
            #[cfg(feature = "x25519")]
            x25519,
            retried: None,
            cookie: heapless::Vec::new(),
            hello_due: true,
            offered_psk: false,
            resumed: false,
            suite: None,
            transcript: Transcript::default(),
            server_hs: None,
            client_hs: None,
            master: None,
            server_app: None,
            client_app: None,
            resumption: None,
            read: None,
            write: None,
            request: None,
            chain_ok: false,
            signature_ok: false,
            flight: None,
            key_update_due: None,
            close_due: false,
            alert_due: None,
            failed: None,
            alpn: heapless::Vec::new(),
            tickets: 0,
            name_hash: super::ticket::name_hash(cfg.server_name, &[]),
            resumption_on: cfg.resumption,
        });
        Ok(Client {
            p256,
            rx: Rx::new(rx),
            m,
            ticket,
            now_ms,
        })
    }

    /// Bind session tickets to the parts of `context` besides the server name (e.g. the
    /// trust anchors and port): a ticket is offered again only under the
    /// same server name and context, and tickets received are stored with
    /// them. Call before the first [`Client::transmit`].
    pub fn bind_tickets(&mut self, cfg: &ClientConfig<'_>, context: &[&[u8]]) {
        self.m.name_hash = super::ticket::name_hash(cfg.server_name, context);
    }

    /// Where the handshake is.
    pub fn state(&self) -> State {
        self.m.state
    }

    /// The error that ended the connection, if one did.
    pub fn error(&self) -> Option<Error> {
        self.m.failed
    }

    /// Whether the handshake is over (application data may flow).
    pub fn is_connected(&self) -> bool {
        matches!(self.m.state, State::Connected | State::PeerClosed)
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.m.suite
    }

    /// Whether the session was resumed with a ticket (no certificate was
    /// sent or verified).
    pub fn resumed(&self) -> bool {
        self.m.resumed
    }

    /// The ALPN protocol the server chose (empty: none).
    pub fn alpn(&self) -> &[u8] {
        &self.m.alpn
    }

    /// Session tickets received in this connection.
    pub fn tickets_received(&self) -> u8 {
        self.m.tickets
    }

    /// Whether [`Client::transmit`] has bytes to send.
    pub fn wants_transmit(&self) -> bool {
        let m = &self.m;
        m.alert_due.is_some()
            || (m.failed.is_none()
                && (m.hello_due || m.flight.is_some() || m.key_update_due.is_some() || m.close_due))
    }

    /// Free space for bytes from the network; call [`Client::rx_commit`]
    /// with how many were written there.
    pub fn rx_space(&mut self) -> &mut [u8] {
        self.rx.space()
    }

    /// `n` bytes were written at the start of [`Client::rx_space`].
    pub fn rx_commit(&mut self, n: usize) {
        self.rx.commit(n);
    }

    /// Application data bytes decrypted and not read yet.
    pub fn app_pending(&self) -> usize {
        self.rx.app_len()
    }

    /// Copy decrypted application data into `buf`; returns the count (0 when
    /// none is pending: call [`Client::poll`] after more bytes arrived).
    pub fn read_app(&mut self, buf: &mut [u8]) -> usize {
        self.rx.read_app(buf)
    }

    /// The network connection ended (the socket read returned 0): the
    /// connection fails with [`Error::Truncated`] (or keeps the error that
    /// ended it before). After the server's close_notify the front has no
    /// reason to call this: reads already return the end of the stream.
    pub fn eof(&mut self) -> Error {
        if let Some(e) = self.m.failed {
            return e;
        }
        self.fail(Error::Truncated)
    }

    /// Ask for a KeyUpdate of the client's keys (`request_peer`: the
    /// server should update its keys too). Sent by the next
    /// [`Client::transmit`].
    pub fn update_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        self.live()?;
        if self.m.state != State::Connected && self.m.state != State::PeerClosed {
            return Err(Error::State);
        }
        self.m.key_update_due = Some(request_peer || self.m.key_update_due == Some(true));
        Ok(())
    }

    /// Queue close_notify for the next [`Client::transmit`].
    pub fn close(&mut self) {
        if self.m.failed.is_none() && self.m.state != State::Start {
            self.m.close_due = true;
        }
    }

    fn live(&self) -> Result<(), Error> {
        match self.m.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        if self.m.failed.is_none() {
            log_warn!(
                "tls: failed: {} (alert to send: {})",
                crate::trace::tls_error(&e),
                crate::trace::alert(e.alert())
            );
            self.m.failed = Some(e);
            self.m.alert_due = e.alert();
            self.m.state = State::Failed;
            self.m.flight = None;
            self.m.secret = None;
            self.rx.discard_app();
        }
        e
    }

    /// Process every complete record received: the handshake advances,
    /// application data becomes readable (processing stops while some is
    /// pending), alerts end the connection. `Ok` means "nothing more to do
    /// until more bytes arrive, data is read or output is sent".
    pub fn poll(&mut self, cfg: &ClientConfig<'_>, auth: &mut dyn ServerAuth) -> Result<(), Error> {
        self.live()?;
        match self.poll_records(cfg, auth) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn poll_records(
        &mut self,
        cfg: &ClientConfig<'_>,
        auth: &mut dyn ServerAuth,
    ) -> Result<(), Error> {
        loop {
            if self.rx.app_len() > 0
                || self.m.state == State::PeerClosed
                || self.m.state == State::Start
                || self.m.hello_due
            {
                return Ok(());
            }
            let plain_allowed = self.m.state == State::WaitServerHello;
            // Dropped any time after the ClientHello until the server's
            // Finished (RFC 8446 §5).
            let ccs_allowed = matches!(
                self.m.state,
                State::WaitServerHello
                    | State::WaitEncryptedExtensions
                    | State::WaitCertOrRequest
                    | State::WaitCertificate
                    | State::WaitCertVerify
                    | State::WaitFinished
            );
            let content = self
                .rx
                .next_record(plain_allowed, ccs_allowed, self.m.read.as_mut())?;
            match content {
                None => return Ok(()),
                Some(Content::Ignored) => {}
                Some(Content::Alert(level_desc)) => self.on_alert(level_desc)?,
                Some(Content::AppData) => {
                    if self.m.state != State::Connected {
                        self.rx.discard_app();
                        return Err(Error::UnexpectedRecord(23));
                    }
                }
                Some(Content::Handshake) => self.on_handshake_bytes(cfg, auth)?,
            }
        }
    }

    fn on_alert(&mut self, desc: u8) -> Result<(), Error> {
        match desc {
            alert::CLOSE_NOTIFY if self.m.state == State::Connected => {
                log_debug!("tls: close_notify received");
                self.m.state = State::PeerClosed;
                Ok(())
            }
            // user_canceled is followed by close_notify (RFC 8446 §6.1).
            alert::USER_CANCELED => Ok(()),
            d => Err(Error::PeerAlert(d)),
        }
    }

    /// Handle every complete handshake message the receive buffer holds.
    fn on_handshake_bytes(
        &mut self,
        cfg: &ClientConfig<'_>,
        auth: &mut dyn ServerAuth,
    ) -> Result<(), Error> {
        while let Some((ty, len)) = self.rx.handshake_header() {
            let total = len + 4;
            if total > self.rx.capacity() {
                return Err(Error::MessageTooLarge { len: total as u32 });
            }
            let Some(message) = self.rx.handshake_message(total) else {
                return Ok(());
            };
            let mut env = Env {
                cfg,
                auth,
                p256: &mut self.p256,
                ticket: &mut self.ticket,
                now_ms: self.now_ms,
            };
            let key_change = self.m.handle(&mut env, ty, message)?;
            self.rx.consume_handshake(total);
            // Handshake messages must not span a key change (RFC 8446 §5.1).
            if key_change && self.rx.handshake_pending() > 0 {
                return Err(Error::UnexpectedMessage(
                    self.rx.handshake_header().map_or(0, |(t, _)| t),
                ));
            }
            if self.m.hello_due {
                // After a HelloRetryRequest, nothing more is read until the
                // second ClientHello went out.
                if self.rx.handshake_pending() > 0 {
                    return Err(Error::UnexpectedMessage(msg::SERVER_HELLO));
                }
                return Ok(());
            }
        }
        Ok(())
    }

    /// Write what is due (an alert, the ClientHello, the client's flight,
    /// a KeyUpdate, close_notify) into `out`; returns the bytes to send.
    /// What does not fit after something that did stays due for the next
    /// call; when the first item due does not fit at all, the connection
    /// fails with [`Error::BufferTooSmall`]. After a failure only the alert
    /// is written, then the error is returned.
    pub fn transmit(&mut self, cfg: &ClientConfig<'_>, out: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(out);
        if let Some(a) = self.m.alert_due {
            let fatal = a != alert::CLOSE_NOTIFY;
            if self
                .m
                .write_record(&mut w, 21, &[if fatal { 2 } else { 1 }, a])
                .is_ok()
            {
                log_debug!("tls: alert {} sent (fatal {})", a, fatal);
                self.m.alert_due = None;
            }
            return if w.is_empty() && self.m.alert_due.is_some() {
                Err(Error::BufferTooSmall)
            } else {
                Ok(w.len())
            };
        }
        self.live()?;
        let r = self.transmit_due(cfg, &mut w);
        match r {
            Ok(()) => Ok(w.len()),
            Err(Error::BufferTooSmall) if !w.is_empty() => Ok(w.len()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn transmit_due(&mut self, cfg: &ClientConfig<'_>, w: &mut Writer<'_>) -> Result<(), Error> {
        if self.m.hello_due {
            self.write_hello(cfg, w)?;
            log_debug!(
                "tls: ClientHello sent{}",
                if self.m.retried.is_some() {
                    " (after HelloRetryRequest)"
                } else {
                    ""
                }
            );
            self.m.hello_due = false;
            self.m.state = State::WaitServerHello;
        }
        if self.m.flight.is_some() {
            self.write_flight(cfg, w)?;
        }
        if let Some(req) = self.m.key_update_due {
            self.m
                .write_record(w, 22, &[msg::KEY_UPDATE, 0, 0, 1, u8::from(req)])?;
            log_debug!("tls: KeyUpdate sent (update requested {})", req);
            self.m.key_update_due = None;
            self.m.next_write_key()?;
        }
        if self.m.close_due {
            self.m.write_record(w, 21, &[1, alert::CLOSE_NOTIFY])?;
            log_debug!("tls: close_notify sent");
            self.m.close_due = false;
        }
        Ok(())
    }

    /// The ClientHello (or the second one, after HelloRetryRequest) in a
    /// plaintext handshake record.
    fn write_hello(&mut self, cfg: &ClientConfig<'_>, w: &mut Writer<'_>) -> Result<(), Error> {
        let start = w.len();
        let full = |_| Error::BufferTooSmall;
        let mut ticket = match (self.ticket.as_deref(), self.now_ms, self.m.resumption_on) {
            (Some(t), Some(now), true) => t.usable(&self.m.name_hash, now).map(|age| (t, age)),
            _ => None,
        };
        let name = cfg.server_name;
        // With a ticket first; when that does not fit the write buffer (a
        // long ticket, a long cookie), without it: a full handshake
        // instead of no handshake.
        let (body, end, binders) = loop {
            let psk = ticket.and_then(|(t, age)| {
                let alg = t.hash()?;
                let obfuscated = (age as u32).wrapping_add(t.age_add);
                Some((&t.ticket[..], obfuscated, alg.len()))
            });
            let params = HelloParams {
                random: &self.m.random,
                server_name: hello::sni_allowed(name).then_some(name),
                suites: ALL_SUITES,
                p256_public: &self.m.public,
                #[cfg(feature = "x25519")]
                x25519_public: self.m.x25519.as_ref().map(|(_, p)| p),
                #[cfg(not(feature = "x25519"))]
                x25519_public: None,
                alpn: cfg.alpn,
                cookie: &self.m.cookie,
                psk_modes: self.m.resumption_on,
                psk,
            };
            w.truncate(start);
            w.put(&[22, 3, 1, 0, 0]).map_err(full)?;
            let body = w.len();
            let written = hello::write_client_hello(w, &params);
            let end = w.len();
            match written {
                Ok(binders) if end - body <= MAX_FRAGMENT => break (body, end, binders),
                _ if ticket.is_some() => ticket = None,
                _ => {
                    // Nothing of a hello that does not fit goes out.
                    w.truncate(start);
                    return Err(Error::BufferTooSmall);
                }
            }
        };
        let record_len = end - body;
        let written = w.written_mut();
        if let Some(h) = written.get_mut(start + 3..start + 5) {
            h.copy_from_slice(&(record_len as u16).to_be_bytes());
        }
        if let (Some(at), Some((t, _))) = (binders, ticket) {
            // The binder: HMAC over the transcript up to the binders list.
            let alg = t.hash().ok_or(Error::State)?;
            let psk = t.psk();
            let early = alg.extract(Secret::zero(alg.len()).as_bytes(), psk.as_bytes());
            let binder_key = alg.derive(&early, b"res binder", &alg.empty_hash());
            let fk = alg.expand_secret(&binder_key, b"finished", &[]);
            let mut t2 = self.m.transcript.clone();
            t2.update(written.get(body..at).unwrap_or(&[]));
            let binder = alg.hmac(fk.as_bytes(), &[t2.current(alg).as_bytes()]);
            let b = binder.as_bytes();
            // Binders list: 2-byte length, 1-byte length, binder.
            if let Some(dst) = written.get_mut(at + 3..at + 3 + b.len()) {
                dst.copy_from_slice(b);
            }
            self.m.offered_psk = true;
        }
        self.m
            .transcript
            .update(w.written().get(body..end).unwrap_or(&[]));
        Ok(())
    }

    /// The client's flight: [Certificate, CertificateVerify,] Finished,
    /// in one record under the client handshake key; then the client's
    /// application key is installed.
    fn write_flight(&mut self, cfg: &ClientConfig<'_>, w: &mut Writer<'_>) -> Result<(), Error> {
        let Some(flight) = self.m.flight.as_ref() else {
            return Ok(());
        };
        let cert = match (cfg.client, flight.with_cert) {
            (Some(c), _) => c.cert(),
            (None, false) => &[],
            (None, true) => return Err(Error::State),
        };
        let mut scratch_len = 0usize;
        if flight.request {
            scratch_len += 4 + 1 + 3;
            if flight.with_cert {
                scratch_len += 3 + cert.len() + 2 + 4 + 4 + flight.signature.len();
            }
        }
        scratch_len += 4 + flight.finished.as_bytes().len();
        let need = HEADER_LEN + scratch_len + 1 + TAG_LEN;
        if need > remaining(w) {
            return Err(Error::BufferTooSmall);
        }
        let start = w.len();
        let full = |_| Error::BufferTooSmall;
        w.put(&[23, 3, 3, 0, 0]).map_err(full)?;
        if flight.request {
            let cert_len = flight.with_cert.then_some(cert.len());
            messages::client_certificate_head(&[], cert_len, w).map_err(full)?;
            if flight.with_cert {
                w.put(cert).map_err(full)?;
                w.put(&[0, 0]).map_err(full)?;
                let sig = &flight.signature;
                messages::header(w, msg::CERTIFICATE_VERIFY, 4 + sig.len()).map_err(full)?;
                w.u16(0x0403).map_err(full)?;
                w.u16(sig.len() as u16).map_err(full)?;
                w.put(sig).map_err(full)?;
            }
        }
        let fin = flight.finished.as_bytes();
        messages::header(w, msg::FINISHED, fin.len()).map_err(full)?;
        w.put(fin).map_err(full)?;
        w.u8(22).map_err(full)?;
        self.m.seal_at(w, start)?;
        self.m.flight = None;
        // The client's application traffic key from now on.
        let (suite, secret) = (self.m.suite, self.m.client_app.as_ref());
        if let (Some(s), Some(sec)) = (suite, secret) {
            self.m.write = Some(RecordKey::new(s, sec));
        }
        self.m.client_hs = None;
        Ok(())
    }

    /// Seal `data` (at most one record's worth) as application data into
    /// `out`. Returns (bytes of `data` taken, bytes of `out` written).
    /// Send anything [`Client::transmit`] has first.
    pub fn write_app(&mut self, data: &[u8], out: &mut [u8]) -> Result<(usize, usize), Error> {
        let n = data.len().min(plaintext_room(out.len()));
        if n == 0 && !data.is_empty() {
            return Err(Error::BufferTooSmall);
        }
        if let (Some(d), Some(s)) = (out.get_mut(HEADER_LEN..HEADER_LEN + n), data.get(..n)) {
            d.copy_from_slice(s);
        }
        Ok((n, self.seal_app_in_place(out, n)?))
    }

    /// Seal the `len` plaintext bytes at `buf[HEADER_LEN..]` as one
    /// application data record in place (header before, content type and
    /// tag after: `buf` needs `len` + 22 bytes). Returns the record's
    /// length. Send anything [`Client::transmit`] has first.
    pub fn seal_app_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.live()?;
        if !self.is_connected() || self.m.flight.is_some() || self.m.key_update_due.is_some() {
            return Err(Error::State);
        }
        if len > plaintext_room(buf.len()) {
            return Err(Error::BufferTooSmall);
        }
        let mut w = Writer::with_len(buf, HEADER_LEN + len);
        w.u8(23).map_err(|_| Error::BufferTooSmall)?;
        self.m.seal_at(&mut w, 0)?;
        Ok(w.len())
    }

    /// Size of the receive buffer.
    pub fn rx_capacity(&self) -> usize {
        self.rx.capacity()
    }
}

/// Plaintext bytes one record can carry in a buffer of `len` bytes.
pub fn plaintext_room(len: usize) -> usize {
    len.saturating_sub(HEADER_LEN + 1 + TAG_LEN)
        .min(MAX_FRAGMENT)
}

/// What handling a message may use besides the machine.
struct Env<'e, 'c, 't> {
    cfg: &'e ClientConfig<'c>,
    auth: &'e mut dyn ServerAuth,
    p256: &'e mut dyn P256Provider,
    ticket: &'e mut Option<&'t mut Ticket>,
    now_ms: Option<u64>,
}

/// Bytes still free in `w`.
fn remaining(w: &Writer<'_>) -> usize {
    w.capacity().saturating_sub(w.len())
}

impl Machine {
    /// Drop every secret the state holds (their `Drop` zeroizes them): the
    /// ephemeral keys, the key schedule, the record keys, the pending
    /// Finished and the transcript.
    fn wipe(&mut self) {
        self.secret = None;
        #[cfg(feature = "x25519")]
        {
            self.x25519 = None;
        }
        self.server_hs = None;
        self.client_hs = None;
        self.master = None;
        self.server_app = None;
        self.client_app = None;
        self.resumption = None;
        self.read = None;
        self.write = None;
        self.flight = None;
        self.transcript = Transcript::default();
        self.state = State::Failed;
    }

    fn hash(&self) -> HashAlg {
        self.suite.map_or(HashAlg::Sha256, |s| s.hash())
    }

    /// Seal the record written from `start` (header, then inner plaintext
    /// with its content type) under the write key, or leave it plaintext
    /// (fixing the header's type and length) when there is none.
    fn seal_at(&mut self, w: &mut Writer<'_>, start: usize) -> Result<(), Error> {
        let full = |_| Error::BufferTooSmall;
        let Some(key) = self.write.as_mut() else {
            return Err(Error::State);
        };
        // Reserve the tag first so a full buffer fails before the key moves.
        let inner_end = w.len();
        for _ in 0..TAG_LEN {
            w.u8(0).map_err(full)?;
        }
        let record = w.written_mut().get_mut(start..).ok_or(Error::State)?;
        let body_len = inner_end - start - HEADER_LEN + TAG_LEN;
        let mut header = [23, 3, 3, 0, 0];
        header[3..].copy_from_slice(&(body_len as u16).to_be_bytes());
        let (h, rest) = record.split_at_mut(HEADER_LEN);
        h.copy_from_slice(&header);
        let (inner, tag) = rest.split_at_mut(inner_end - start - HEADER_LEN);
        let t = key.seal(&header, inner).map_err(|_| Error::State)?;
        tag.copy_from_slice(&t);
        Ok(())
    }

    /// One record of `content_type` holding `body`: sealed when a write
    /// key is installed, else plaintext.
    fn write_record(
        &mut self,
        w: &mut Writer<'_>,
        content_type: u8,
        body: &[u8],
    ) -> Result<(), Error> {
        let full = |_| Error::BufferTooSmall;
        let start = w.len();
        if self.write.is_none() {
            w.put(&[content_type, 3, 3]).map_err(full)?;
            w.u16(body.len() as u16).map_err(full)?;
            return w.put(body).map_err(full);
        }
        let r = (|| {
            w.put(&[23, 3, 3, 0, 0]).map_err(full)?;
            w.put(body).map_err(full)?;
            w.u8(content_type).map_err(full)
        })();
        if let Err(e) = r {
            w.truncate(start);
            return Err(e);
        }
        self.seal_at(w, start).inspect_err(|_| w.truncate(start))
    }

    /// After sending KeyUpdate: the next client application secret.
    fn next_write_key(&mut self) -> Result<(), Error> {
        let (Some(suite), Some(secret)) = (self.suite, self.client_app.as_ref()) else {
            return Err(Error::State);
        };
        let next = suite.hash().expand_secret(secret, b"traffic upd", &[]);
        self.write = Some(RecordKey::new(suite, &next));
        self.client_app = Some(next);
        Ok(())
    }

    /// Handle one complete handshake message (`message`: header and body).
    /// Returns whether the read key changed with it.
    fn handle(&mut self, env: &mut Env<'_, '_, '_>, ty: u8, message: &[u8]) -> Result<bool, Error> {
        let Env {
            cfg,
            auth,
            p256,
            ticket,
            now_ms,
        } = env;
        let (cfg, now_ms) = (*cfg, *now_ms);
        let body = message.get(4..).ok_or(Error::Decode)?;
        match (self.state, ty) {
            (State::WaitServerHello, msg::SERVER_HELLO) => {
                let sh = hello::parse_server_hello(body, &[])?;
                if sh.retry {
                    self.on_retry(&sh, message)?;
                    log_debug!(
                        "tls: HelloRetryRequest, suite {}",
                        crate::trace::suite(sh.suite)
                    );
                    Ok(false)
                } else {
                    self.on_server_hello(&sh, message, ticket.as_deref(), &mut **p256)?;
                    log_debug!(
                        "tls: ServerHello, suite {}, resumed {}",
                        crate::trace::suite(sh.suite),
                        self.resumed
                    );
                    Ok(true)
                }
            }
            (State::WaitEncryptedExtensions, msg::ENCRYPTED_EXTENSIONS) => {
                let sni = hello::sni_allowed(cfg.server_name);
                let ee = messages::parse_encrypted_extensions(body, sni, cfg.alpn)?;
                if let Some(p) = ee.alpn {
                    self.alpn.clear();
                    self.alpn
                        .extend_from_slice(p)
                        .map_err(|_| Error::IllegalParameter)?;
                }
                self.transcript.update(message);
                self.state = if self.resumed {
                    State::WaitFinished
                } else {
                    State::WaitCertOrRequest
                };
                Ok(false)
            }
            (State::WaitCertOrRequest, msg::CERTIFICATE_REQUEST) => {
                let (context, p256) = messages::parse_certificate_request(body)?;
                if !context.is_empty() {
                    return Err(Error::IllegalParameter);
                }
                self.request = Some(p256);
                log_debug!("tls: CertificateRequest (client P-256 possible {})", p256);
                self.transcript.update(message);
                self.state = State::WaitCertificate;
                Ok(false)
            }
            (State::WaitCertOrRequest | State::WaitCertificate, msg::CERTIFICATE) => {
                let chain = messages::parse_certificate(body)?;
                auth.certificate(&chain).map_err(Error::Certificate)?;
                log_debug!(
                    "tls: server certificate accepted ({} in chain)",
                    chain.len()
                );
                self.chain_ok = true;
                self.transcript.update(message);
                self.state = State::WaitCertVerify;
                Ok(false)
            }
            (State::WaitCertVerify, msg::CERTIFICATE_VERIFY) => {
                let (scheme, sig) = messages::parse_certificate_verify(body)?;
                // RSA PKCS#1 v1.5 is offered for certificates only.
                if !SIGNATURE_SCHEMES.contains(&scheme)
                    || matches!(scheme, 0x0401 | 0x0501 | 0x0601)
                {
                    return Err(Error::IllegalParameter);
                }
                let th = self.transcript.current(self.hash());
                auth.certificate_verify(scheme, th.as_bytes(), sig)
                    .map_err(Error::Certificate)?;
                log_debug!(
                    "tls: CertificateVerify accepted ({})",
                    crate::trace::scheme(scheme)
                );
                self.signature_ok = true;
                self.transcript.update(message);
                self.state = State::WaitFinished;
                Ok(false)
            }
            (State::WaitFinished, msg::FINISHED) => {
                self.on_server_finished(cfg, message)?;
                Ok(true)
            }
            (State::Connected, msg::NEW_SESSION_TICKET) => {
                let t = messages::parse_new_session_ticket(body)?;
                self.tickets = self.tickets.saturating_add(1);
                log_debug!("tls: NewSessionTicket received ({} bytes)", t.ticket.len());
                if let (Some(slot), Some(now), Some(res), Some(suite)) = (
                    ticket.as_deref_mut(),
                    now_ms,
                    self.resumption.as_ref(),
                    self.suite,
                ) {
                    if self.resumption_on {
                        let psk = suite.hash().expand_secret(res, b"resumption", t.nonce);
                        // A ticket larger than the slot is not kept.
                        slot.store(
                            suite.code(),
                            self.name_hash,
                            now,
                            t.lifetime,
                            t.age_add,
                            &psk,
                            t.ticket,
                        );
                    }
                }
                Ok(false)
            }
            (State::Connected, msg::KEY_UPDATE) => {
                let requested = messages::parse_key_update(body)?;
                let (Some(suite), Some(secret)) = (self.suite, self.server_app.as_ref()) else {
                    return Err(Error::State);
                };
                let next = suite.hash().expand_secret(secret, b"traffic upd", &[]);
                self.read = Some(RecordKey::new(suite, &next));
                self.server_app = Some(next);
                if requested && self.key_update_due.is_none() {
                    self.key_update_due = Some(false);
                }
                log_debug!("tls: KeyUpdate received (update requested {})", requested);
                Ok(true)
            }
            (_, t) => Err(Error::UnexpectedMessage(t)),
        }
    }

    fn on_retry(&mut self, sh: &hello::ServerHello<'_>, message: &[u8]) -> Result<(), Error> {
        if self.retried.is_some() {
            return Err(Error::UnexpectedMessage(msg::SERVER_HELLO));
        }
        let suite = CipherSuite::from_code(sh.suite).ok_or(Error::IllegalParameter)?;
        // The ClientHello had a share for every group offered, so asking
        // for one is asking for nothing new (RFC 8446 §4.1.4).
        if sh.key_share.is_some() {
            return Err(Error::IllegalParameter);
        }
        let cookie = sh.cookie.ok_or(Error::IllegalParameter)?;
        self.cookie.clear();
        self.cookie
            .extend_from_slice(cookie)
            .map_err(|_| Error::MessageTooLarge {
                len: cookie.len() as u32,
            })?;
        self.transcript.select(suite.hash());
        self.transcript.restart_after_retry(suite.hash());
        self.transcript.update(message);
        self.retried = Some(suite);
        self.hello_due = true;
        Ok(())
    }

    fn on_server_hello(
        &mut self,
        sh: &hello::ServerHello<'_>,
        message: &[u8],
        ticket: Option<&Ticket>,
        p256: &mut dyn P256Provider,
    ) -> Result<(), Error> {
        let suite = CipherSuite::from_code(sh.suite).ok_or(Error::IllegalParameter)?;
        if self.retried.is_some_and(|s| s != suite) {
            return Err(Error::IllegalParameter);
        }
        let alg = suite.hash();
        let psk = match (sh.psk, self.offered_psk, ticket) {
            (None, _, _) => None,
            (Some(0), true, Some(t)) if t.hash() == Some(alg) => Some(t.psk()),
            _ => return Err(Error::IllegalParameter),
        };
        let (group, share) = sh.key_share.ok_or(Error::MissingExtension)?;
        let shared = match group {
            SECP256R1 => {
                let secret = self.secret.take().ok_or(Error::State)?;
                p256.agree(&secret, share).ok_or(Error::IllegalParameter)?
            }
            #[cfg(feature = "x25519")]
            super::hello::X25519 => {
                let (k, _) = self.x25519.take().ok_or(Error::State)?;
                let peer: [u8; 32] = share.try_into().map_err(|_| Error::IllegalParameter)?;
                let s = x25519_dalek::StaticSecret::from(k.0)
                    .diffie_hellman(&x25519_dalek::PublicKey::from(peer));
                // An all-zero result: the server sent a low-order point.
                if !s.was_contributory() {
                    return Err(Error::IllegalParameter);
                }
                super::ecdhe::SharedSecret(s.to_bytes())
            }
            _ => return Err(Error::IllegalParameter),
        };
        self.secret = None;
        #[cfg(feature = "x25519")]
        {
            self.x25519 = None;
        }
        self.suite = Some(suite);
        self.transcript.select(alg);
        self.transcript.update(message);
        let zeros = Secret::zero(alg.len());
        self.resumed = psk.is_some();
        let early = alg.extract(zeros.as_bytes(), psk.as_ref().unwrap_or(&zeros).as_bytes());
        let derived = alg.derive(&early, b"derived", &alg.empty_hash());
        let hs = alg.extract(derived.as_bytes(), &shared.0);
        drop(shared);
        let th = self.transcript.current(alg);
        let c_hs = alg.derive(&hs, b"c hs traffic", &th);
        let s_hs = alg.derive(&hs, b"s hs traffic", &th);
        self.read = Some(RecordKey::new(suite, &s_hs));
        self.write = Some(RecordKey::new(suite, &c_hs));
        let derived = alg.derive(&hs, b"derived", &alg.empty_hash());
        self.master = Some(alg.extract(derived.as_bytes(), zeros.as_bytes()));
        self.server_hs = Some(s_hs);
        self.client_hs = Some(c_hs);
        self.state = State::WaitEncryptedExtensions;
        Ok(())
    }

    fn on_server_finished(&mut self, cfg: &ClientConfig<'_>, message: &[u8]) -> Result<(), Error> {
        let alg = self.hash();
        let body = message.get(4..).ok_or(Error::Decode)?;
        let (Some(suite), Some(s_hs), Some(c_hs), Some(master)) = (
            self.suite,
            self.server_hs.as_ref(),
            self.client_hs.as_ref(),
            self.master.as_ref(),
        ) else {
            return Err(Error::State);
        };
        if body.len() != alg.len() {
            return Err(Error::Decode);
        }
        let fk = alg.expand_secret(s_hs, b"finished", &[]);
        let expected = alg.hmac(fk.as_bytes(), &[self.transcript.current(alg).as_bytes()]);
        if !expected.ct_eq(body) {
            return Err(Error::BadFinished);
        }
        // The post-handshake guard: no session without a verified chain and
        // CertificateVerify, or an accepted PSK.
        if !(self.resumed || (self.chain_ok && self.signature_ok)) {
            return Err(Error::Certificate(PkiError::NoServerAuthentication));
        }
        self.transcript.update(message);
        let th = self.transcript.current(alg);
        let c_ap = alg.derive(master, b"c ap traffic", &th);
        let s_ap = alg.derive(master, b"s ap traffic", &th);
        // The client flight.
        let mut flight = Flight {
            request: false,
            with_cert: false,
            signature: heapless::Vec::new(),
            finished: Secret::zero(0),
        };
        if let Some(p256) = self.request.take() {
            let identity = cfg.client.filter(|_| p256);
            let cert = identity.map(|c| c.cert());
            let mut head = [0u8; 16];
            let mut hw = Writer::new(&mut head);
            messages::client_certificate_head(&[], cert.map(|c| c.len()), &mut hw)
                .map_err(|_| Error::State)?;
            self.transcript.update(hw.written());
            if let (Some(id), Some(cert)) = (identity, cert) {
                self.transcript.update(cert);
                self.transcript.update(&[0, 0]);
                let th = self.transcript.current(alg);
                let sig = id
                    .sign_tls13_client(th.as_bytes())
                    .ok_or(Error::ClientKey)?;
                let mut cv_head = [0u8; 8];
                let mut cw = Writer::new(&mut cv_head);
                let sig_len = sig.len();
                messages::header(&mut cw, msg::CERTIFICATE_VERIFY, 4 + sig_len)
                    .and_then(|()| cw.u16(0x0403))
                    .and_then(|()| cw.u16(sig_len as u16))
                    .map_err(|_| Error::State)?;
                self.transcript.update(cw.written());
                self.transcript.update(&sig);
                flight.signature = sig;
                flight.with_cert = true;
            }
            flight.request = true;
        }
        let fk = alg.expand_secret(c_hs, b"finished", &[]);
        let verify = alg.hmac(fk.as_bytes(), &[self.transcript.current(alg).as_bytes()]);
        let mut fin_head = [0u8; 4];
        let mut fw = Writer::new(&mut fin_head);
        messages::header(&mut fw, msg::FINISHED, verify.as_bytes().len())
            .map_err(|_| Error::State)?;
        self.transcript.update(fw.written());
        self.transcript.update(verify.as_bytes());
        flight.finished = verify;
        let th = self.transcript.current(alg);
        self.resumption = Some(alg.derive(master, b"res master", &th));
        self.read = Some(RecordKey::new(suite, &s_ap));
        self.server_app = Some(s_ap);
        self.client_app = Some(c_ap);
        self.server_hs = None;
        self.master = None;
        self.flight = Some(flight);
        log_debug!("tls: server Finished verified, handshake complete");
        self.state = State::Connected;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: ClientConfig<'static> = ClientConfig {
        server_name: "example.com",
        alpn: &[],
        client: None,
        resumption: true,
    };

    /// What a client with `ticket` transmits first into `out_len` bytes.
    fn first_transmit(ticket: &mut Ticket, out_len: usize) -> Result<std::vec::Vec<u8>, Error> {
        let mut rx = [0u8; 64];
        let mut rng = rand_core::OsRng;
        let mut state = ClientState::new();
        let mut c = Client::new(
            &CFG,
            &mut state,
            &mut rx,
            Some(ticket),
            Some(2_000),
            &mut rng,
            RustCryptoP256,
        )?;
        let mut out = std::vec![0u8; out_len];
        let n = c.transmit(&CFG, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    fn hello_with_ticket(out_len: usize) -> std::vec::Vec<u8> {
        let mut ticket = Ticket::new();
        let psk = Secret::from_slice(&[7; 32]);
        let identity = super::super::ticket::name_hash("example.com", &[]);
        assert!(ticket.store(0x1301, identity, 1_000, 3600, 0, &psk, &[0xAB; 500]));
        first_transmit(&mut ticket, out_len).unwrap()
    }

    #[test]
    fn a_ticket_that_does_not_fit_is_left_out_of_the_hello() {
        let with = hello_with_ticket(2048);
        assert!(with.windows(500).any(|w| w == [0xAB; 500]), "offered");
        let without = hello_with_ticket(700);
        assert!(!without.is_empty() && without.len() <= 700);
        assert!(!without.windows(16).any(|w| w == [0xAB; 16]), "left out");
        // And no hello at all only when even that does not fit.
        assert_eq!(
            first_transmit(&mut Ticket::new(), 100),
            Err(Error::BufferTooSmall)
        );
    }
}
