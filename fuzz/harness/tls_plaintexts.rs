//! The TLS 1.3 engine (`modemtls::tls::Client`) fed authentic records with
//! arbitrary contents: the fuzz harness shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/tls_plaintexts.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`).
//!
//! The harness plays the server with the engine's own primitives
//! (`tls::kat::{HashAlg, Secret, Transcript, RecordKey}`, `CipherSuite`,
//! P-256 through `RustCryptoP256`): it reads the client's ClientHello and
//! key share, answers a real ServerHello (P-256, the suite an input byte
//! picks among those compiled in; optionally after a HelloRetryRequest
//! with a cookie), derives the handshake keys as RFC 8446 §7.1 does, and
//! then sends what the input says, sealed under the real keys: real
//! messages (EncryptedExtensions, CertificateRequest, Certificate,
//! CertificateVerify, a Finished computed over the transcript, then
//! NewSessionTicket, KeyUpdate), arbitrary handshake bytes cut into
//! records of arbitrary sizes, and records whose inner plaintext
//! (content, content type, padding) is taken from the input as it is.
//! So the message parsers and the state machine see records that pass
//! the integrity check. When the input asks, the connection ends and a
//! new client connects with the ticket the last one kept: the server
//! checks the PSK offer and resumes (or not, or wrongly). The `ServerAuth` accepts any chain and signature
//! unless the config byte says otherwise.
//!
//! Input: a config byte and a plan byte (as in `tls_server_bytes`), a
//! suite byte (bits 0-6: index into `ALL_SUITES`; bit 7: a
//! HelloRetryRequest first), then operations, an opcode byte each (taken
//! modulo 13) and its arguments (missing bytes read as 0):
//!
//! | op | arguments | what the server does |
//! |---|---|---|
//! | 0 | kind | queue a real handshake message: 0 EncryptedExtensions answering the offer, 1 empty EncryptedExtensions, 2 with ALPN "mqtt", 3 with the SNI acknowledgement, 4 CertificateRequest, 5 Certificate, 6 CertificateVerify, 7 Finished, 8 NewSessionTicket (3 more bytes: lifetime choice, nonce length, ticket length / 3), 9 KeyUpdate (1 more byte: bit 0 update_requested) |
//! | 1 | len, bytes | queue handshake bytes as they are |
//! | 2 | n (u16), pad | one handshake record: the next n queued bytes (0: all), `pad` zero bytes of padding |
//! | 3 | len (u16), bytes | one record with this inner plaintext |
//! | 4 | len (u16), pad, bytes | one application data record |
//! | 5 | level, description | one alert record |
//! | 6 | type, len (u16), bytes | one unencrypted record |
//! | 7 | | the server's next write key (handshake, application, then KeyUpdate's) |
//! | 8 | action, arg | the client has all bytes so far, then acts: 0/1 update_keys(request), 2 write_app(arg bytes), 3 close, else nothing |
//! | 9 | | an unencrypted change_cipher_spec |
//! | 10 | split | the whole server flight (EncryptedExtensions, Certificate, CertificateVerify, Finished) in records of `split` bytes (0: one record), then the application key |
//! | 11 | len (u16), bytes | bytes into the stream as they are |
//! | 12 | arg | the connection ends (eof); a new client (same setup, the ticket slot) connects, and when it offers the PSK of the last ticket it took the server checks the binder and, if `arg` bit 0, resumes (bit 1: selects identity 1, bit 2: a suite of the other hash) |
//!
//! Checked, beyond the invariants of `tls_common`: every record the client
//! sends opens under the key the server derived for that moment
//! (ClientHello in plaintext, then the client handshake key, the client
//! application key after its Finished, the next one after its KeyUpdate);
//! the client's Finished verifies; a PSK is offered exactly when a ticket
//! is held, with the right identity, age and binder, and a session is
//! resumed only when the server accepted it; a fatal alert is the one its
//! error names; the client's application data arrives as written; the data the
//! client reads is what the server sealed, in order (all of it when
//! nothing failed); a ticket is kept only when resumption is on.

// Shared with the other TLS harness (the corpus test loads both).
#[allow(clippy::duplicate_mod)]
#[path = "tls_common.rs"]
mod tls_common;

use modemtls::tls::kat::{HashAlg, RecordKey, Secret, Transcript};
use modemtls::tls::{CipherSuite, Error, P256Provider, RustCryptoP256, State, Ticket, ALL_SUITES};
use std::sync::OnceLock;
use tls_common::{record, Driver, Plan, Rng, Setup, CLIENT_SEED};

/// What a run ended with (for the corpus test's coverage checks).
#[derive(Debug, Default)]
pub struct Report {
    /// The handshake completed.
    pub connected: bool,
    /// Application data bytes read.
    pub app: usize,
    /// NewSessionTickets the client accepted.
    pub tickets: u8,
    /// The client sent its Finished (and it verified).
    pub client_finished: bool,
    /// A later connection resumed with the ticket and completed.
    pub resumed: bool,
    /// The (last) connection had the server's close_notify before its end.
    pub peer_closed: bool,
    /// The error the engine ended with (`Truncated` from `eof` when nothing
    /// failed before).
    pub error: Option<Error>,
    /// Everything the server sent in the first connection, after the
    /// config and plan bytes: an
    /// input for `tls_server_bytes` that takes the same client as far.
    pub stream: Vec<u8>,
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    run_report(data);
}

/// The server's P-256 key pair and the shared secret with the client's
/// key share (the same in every run: both generators are fixed).
fn server_share(client_public: &[u8]) -> ([u8; 65], [u8; 32]) {
    static CACHE: OnceLock<(Vec<u8>, [u8; 65], [u8; 32])> = OnceLock::new();
    let compute = || {
        let mut p = RustCryptoP256;
        let (secret, public) = p
            .generate(&mut Rng(0x5e5e_5e5e_1234_5678))
            .expect("server key");
        let shared = p
            .agree(&secret, client_public)
            .expect("the client's key share is not a P-256 point");
        (client_public.to_vec(), public, shared.0)
    };
    let cached = CACHE.get_or_init(compute);
    if cached.0 == client_public {
        (cached.1, cached.2)
    } else {
        let (_, public, shared) = compute();
        (public, shared)
    }
}

/// The input's bytes, read as arguments (0 once they run out).
struct In<'a>(&'a [u8]);

impl<'a> In<'a> {
    fn op(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u8(&mut self) -> u8 {
        self.op().unwrap_or(0)
    }
    fn u16(&mut self) -> usize {
        usize::from(self.u8()) << 8 | usize::from(self.u8())
    }
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (now, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        now
    }
}

/// A reader of the client's messages: the client must write them well,
/// so a short read is an engine bug.
struct Rd<'a>(&'a [u8]);

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        assert!(self.0.len() >= n, "the client wrote a truncated message");
        let (now, rest) = self.0.split_at(n);
        self.0 = rest;
        now
    }
    fn u16(&mut self) -> u16 {
        let b = self.take(2);
        u16::from_be_bytes([b[0], b[1]])
    }
    fn vec8(&mut self) -> &'a [u8] {
        let n = usize::from(self.take(1)[0]);
        self.take(n)
    }
    fn vec16(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.take(n)
    }
}

/// What the server needs of a ClientHello record: the handshake message,
/// the P-256 key share, the offered suites, the cookie echoed, the PSK
/// offered (identity, obfuscated age, binder) and psk_key_exchange_modes.
struct Hello<'a> {
    message: &'a [u8],
    share: &'a [u8],
    suites: &'a [u8],
    cookie: Option<&'a [u8]>,
    psk: Option<(&'a [u8], u32, &'a [u8])>,
    psk_modes: bool,
}

fn client_hello(rec: &[u8]) -> Hello<'_> {
    let (ty, len) = record(rec).expect("no whole ClientHello record");
    assert_eq!(ty, 22, "the ClientHello's record type");
    let message = &rec[5..5 + len];
    assert_eq!(message[0], 1, "not a ClientHello");
    let body_len =
        usize::from(message[1]) << 16 | usize::from(message[2]) << 8 | usize::from(message[3]);
    assert_eq!(body_len + 4, message.len(), "ClientHello length");
    let mut r = Rd(&message[4..]);
    assert_eq!(r.u16(), 0x0303);
    r.take(32);
    r.vec8();
    let suites = r.vec16();
    r.vec8();
    let mut exts = Rd(r.vec16());
    assert!(r.0.is_empty(), "bytes after the ClientHello's extensions");
    let (mut share, mut cookie, mut psk, mut psk_modes) = (None, None, None, false);
    while !exts.0.is_empty() {
        let ty = exts.u16();
        let mut e = Rd(exts.vec16());
        assert!(psk.is_none(), "pre_shared_key is not the last extension");
        match ty {
            41 => {
                let mut ids = Rd(e.vec16());
                let identity = ids.vec16();
                let age = ids.take(4);
                assert!(ids.0.is_empty(), "more than one PSK identity");
                let mut binders = Rd(e.vec16());
                let binder = binders.vec8();
                assert!(binders.0.is_empty(), "more than one binder");
                psk = Some((
                    identity,
                    u32::from_be_bytes([age[0], age[1], age[2], age[3]]),
                    binder,
                ));
            }
            45 => {
                assert_eq!(e.vec8(), [1], "psk_key_exchange_modes: psk_dhe_ke");
                psk_modes = true;
            }
            51 => {
                let mut shares = Rd(e.vec16());
                assert_eq!(shares.u16(), 0x0017, "the key share's group");
                share = Some(shares.vec16());
            }
            44 => cookie = Some(e.vec16()),
            _ => {}
        }
    }
    Hello {
        message,
        share: share.expect("no key share in the ClientHello"),
        suites,
        psk,
        psk_modes,
        cookie,
    }
}

/// One handshake message: type, 3-byte length, body.
fn message(ty: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut m = vec![ty, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    m.extend_from_slice(body);
    m
}

/// An extension: type, 2-byte length, data.
fn ext(ty: u16, data: &[u8]) -> Vec<u8> {
    let mut e = ty.to_be_bytes().to_vec();
    e.extend_from_slice(&(data.len() as u16).to_be_bytes());
    e.extend_from_slice(data);
    e
}

fn vec16(data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(data);
    v
}

/// A ServerHello (or, with the special random, a HelloRetryRequest) body.
fn server_hello(random: &[u8], suite: u16, extensions: &[u8]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(0); // the client's (empty) session id, echoed
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    b.extend_from_slice(&vec16(extensions));
    message(2, &b)
}

/// An unencrypted record.
fn plain_record(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ty, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A placeholder certificate (the harness's `ServerAuth` does not parse it).
const CERT: &[u8] = b"0\x82\x01\x00 a certificate the ServerAuth of this harness accepts unread";

/// The server: key schedule, transcript, the queue of handshake bytes not
/// sent yet, and the stream of the current segment.
struct Server {
    suite: CipherSuite,
    alg: HashAlg,
    setup: Setup,
    transcript: Transcript,
    s_hs: Secret,
    c_hs: Secret,
    master: Secret,
    /// Application traffic secrets, from the first Finished sent.
    s_ap: Option<Secret>,
    c_ap: Option<Secret>,
    /// The transcript after the server's Finished (for the client's).
    after_finished: Option<Transcript>,
    /// The current write key and, after the handshake key, its secret.
    write: RecordKey,
    write_secret: Option<Secret>,
    queue: Vec<u8>,
    out: Vec<u8>,
    /// The application data sealed, in order.
    app: Vec<u8>,
    /// Only whole records were sent (no op 11).
    whole: bool,
    /// The NewSessionTickets queued: nonce and ticket.
    tickets: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Server {
    fn seal(&mut self, inner: &[u8]) {
        let inner = &inner[..inner.len().min(usize::from(u16::MAX) - 16)];
        let len = (inner.len() + 16) as u16;
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        let mut body = inner.to_vec();
        let tag = self.write.seal(&header, &mut body).expect("seal");
        self.out.extend_from_slice(&header);
        self.out.extend_from_slice(&body);
        self.out.extend_from_slice(&tag);
        // What the client will read of it, if it takes it.
        if let Some(k) = inner.iter().rposition(|&b| b != 0) {
            if inner[k] == 23 {
                self.app.extend_from_slice(&inner[..k]);
            }
        }
    }

    fn queue_message(&mut self, m: &[u8]) {
        self.transcript.update(m);
        self.queue.extend_from_slice(m);
    }

    /// Queue handshake message `kind` (see the module docs).
    fn real_message(&mut self, kind: u8, inp: &mut In<'_>) {
        let alpn_ext = ext(16, &vec16(&[&[4u8][..], b"mqtt"].concat()));
        let m = match kind % 10 {
            0 => {
                let mut e = Vec::new();
                if self.setup.sni {
                    e.extend(ext(0, &[]));
                }
                if self.setup.alpn {
                    e.extend(&alpn_ext);
                }
                message(8, &vec16(&e))
            }
            1 => message(8, &[0, 0]),
            2 => message(8, &vec16(&alpn_ext)),
            3 => message(8, &vec16(&ext(0, &[]))),
            4 => message(
                13,
                &[&[0u8][..], &vec16(&ext(13, &vec16(&[4, 3, 8, 4])))].concat(),
            ),
            5 => {
                let entry = [
                    &[0u8][..],
                    &(CERT.len() as u16).to_be_bytes(),
                    CERT,
                    &[0, 0],
                ]
                .concat();
                let list = [&[0u8][..], &(entry.len() as u16).to_be_bytes(), &entry].concat();
                message(11, &[&[0u8][..], &list].concat())
            }
            6 => message(15, &[&[4u8, 3][..], &vec16(&[0x30; 70])].concat()),
            7 => {
                let fk = self.alg.expand_secret(&self.s_hs, b"finished", &[]);
                let verify = self.alg.hmac(
                    fk.as_bytes(),
                    &[self.transcript.current(self.alg).as_bytes()],
                );
                let m = message(20, verify.as_bytes());
                self.queue_message(&m);
                if self.s_ap.is_none() {
                    let th = self.transcript.current(self.alg);
                    self.s_ap = Some(self.alg.derive(&self.master, b"s ap traffic", &th));
                    self.c_ap = Some(self.alg.derive(&self.master, b"c ap traffic", &th));
                    self.after_finished = Some(self.transcript.clone());
                }
                return;
            }
            8 => {
                const LIFETIMES: [u32; 6] = [0, 60, 7_200, 604_800, 604_801, u32::MAX];
                let lifetime = LIFETIMES[usize::from(inp.u8()) % LIFETIMES.len()];
                let nonce: Vec<u8> = (0..inp.u8()).collect();
                // "MTLS", a serial number, then filler.
                let serial = self.tickets.len() as u8;
                let ticket: Vec<u8> = (0..usize::from(inp.u8()) * 3)
                    .map(|i| match i {
                        0..4 => b"MTLS"[i],
                        4 => serial,
                        _ => i as u8 ^ 0xa5,
                    })
                    .collect();
                self.tickets.push((nonce.clone(), ticket.clone()));
                let mut b = lifetime.to_be_bytes().to_vec();
                b.extend_from_slice(&0x0102_0304u32.to_be_bytes());
                b.push(nonce.len() as u8);
                b.extend_from_slice(&nonce);
                b.extend_from_slice(&vec16(&ticket));
                b.extend_from_slice(&vec16(&ext(42, &[0, 0, 0x40, 0])));
                message(4, &b)
            }
            _ => message(24, &[inp.u8() & 1]),
        };
        self.queue_message(&m);
    }

    /// One sealed handshake record of up to `n` queued bytes (0: all).
    fn emit(&mut self, n: usize, pad: usize) {
        let n = if n == 0 {
            self.queue.len()
        } else {
            n.min(self.queue.len())
        };
        let mut inner: Vec<u8> = self.queue.drain(..n).collect();
        inner.push(22);
        inner.resize(inner.len() + pad, 0);
        self.seal(&inner);
    }

    /// The next write key: the application key after the handshake key
    /// (from the transcript so far if no Finished was sent), then the
    /// KeyUpdate successors.
    fn next_key(&mut self) {
        let next = match (&self.write_secret, &self.s_ap) {
            (Some(s), _) => self.alg.expand_secret(s, b"traffic upd", &[]),
            (None, Some(s)) => s.clone(),
            (None, None) => {
                let th = self.transcript.current(self.alg);
                self.alg.derive(&self.master, b"s ap traffic", &th)
            }
        };
        self.write = RecordKey::new(self.suite, &next);
        self.write_secret = Some(next);
    }
}

/// What the client does at a segment's end (op 8).
#[derive(Clone, Copy)]
enum Action {
    UpdateKeys(bool),
    Write(u8),
    Close,
    Nothing,
}

/// What the server knows of the ticket the client kept: the PSK and
/// the identity, for the next connection.
struct Issued {
    identity: Vec<u8>,
    psk: Secret,
    suite: CipherSuite,
}

/// [`run`], telling how far the client got.
pub fn run_report(data: &[u8]) -> Report {
    let [config, plan, suite_byte, ref ops @ ..] = *data else {
        return Report::default();
    };
    let setup = Setup::new(config);
    let suite = ALL_SUITES[usize::from(suite_byte & 0x7f) % ALL_SUITES.len()];
    let mut ticket = Ticket::new();
    let mut report = Report::default();
    let mut inp = In(ops);
    let mut resume = None;
    // A first connection, and as many more as the input asks (op 12), each
    // offered the ticket the one before kept.
    for n in 0..4 {
        let retry = n == 0 && suite_byte & 0x80 != 0;
        let Some(next) = connection(
            &setup,
            plan,
            suite,
            retry,
            &mut ticket,
            &mut inp,
            &mut report,
            resume.take(),
        ) else {
            break;
        };
        resume = Some(next);
    }
    report
}

/// One connection, until the input ends (`None`) or asks for the next one
/// (op 12: `Some` of its argument and what the server knows of the ticket).
#[allow(clippy::too_many_arguments)]
fn connection(
    setup: &Setup,
    plan: u8,
    suite: CipherSuite,
    retry: bool,
    ticket: &mut Ticket,
    inp: &mut In<'_>,
    report: &mut Report,
    resume: Option<(u8, Option<Issued>)>,
) -> Option<(u8, Option<Issued>)> {
    let first = resume.is_none();
    let offered = ticket.is_valid();
    let mut rx = vec![0u8; setup.rx_len];
    let mut state = modemtls::tls::ClientState::new();
    let tls = setup.client(&mut state, &mut rx, ticket, CLIENT_SEED);
    let mut d = Driver::new(tls, setup.client_config(), setup.auth(), Plan::new(plan));
    let mut stream = Vec::new();

    // The ClientHello: a PSK offered exactly when a ticket is held.
    d.step();
    let sent = d.sent.clone();
    let ch1 = client_hello(&sent);
    assert!(
        ch1.suites
            .chunks(2)
            .any(|s| s == suite.code().to_be_bytes()),
        "the ClientHello does not offer {suite:?}"
    );
    assert_eq!(
        ch1.psk_modes, setup.resumption,
        "psk_key_exchange_modes offered"
    );
    assert_eq!(
        ch1.psk.is_some(),
        offered,
        "a PSK offered (ticket held: {offered})"
    );
    let ch1_len = 5 + ch1.message.len();
    let (server_public, shared) = server_share(ch1.share);

    // Resume when the client offers the ticket the server knows and the
    // input says so (op 12's argument: bit 0 accept, bit 1 select a PSK
    // identity that was not offered, bit 2 pick a suite of the other hash).
    let (arg, issued) = resume.unwrap_or((0, None));
    let psk = match (&ch1.psk, issued) {
        (Some((identity, age, binder)), Some(issued)) if *identity == issued.identity => {
            let alg = issued.suite.hash();
            assert_eq!(
                *age, 0x0102_0304,
                "the obfuscated ticket age (age 0 + ticket_age_add)"
            );
            // The binder: over the ClientHello up to the binders (§4.2.11.2).
            let early = alg.extract(&vec![0u8; alg.len()], issued.psk.as_bytes());
            let binder_key = alg.derive(&early, b"res binder", &alg.empty_hash());
            let fk = alg.expand_secret(&binder_key, b"finished", &[]);
            let partial = &ch1.message[..ch1.message.len() - (3 + binder.len())];
            let expected = alg.hmac(fk.as_bytes(), &[alg.hash(&[partial]).as_bytes()]);
            assert_eq!(*binder, expected.as_bytes(), "the PSK binder");
            (arg & 1 != 0).then_some((issued.psk, issued.suite))
        }
        _ => None,
    };
    let suite = match (&psk, arg & 4 != 0) {
        (Some((_, s)), false) => *s,
        (Some((_, s)), true) => *ALL_SUITES
            .iter()
            .find(|x| x.hash() != s.hash())
            .unwrap_or(s),
        (None, _) => suite,
    };
    let alg = suite.hash();

    let mut transcript = Transcript::default();
    transcript.select(alg);
    if retry {
        // HelloRetryRequest with a cookie (RFC 8446 §4.1.4), then the
        // transcript restarts with message_hash (§4.4.1).
        let cookie = b"harness-cookie";
        let retry_random = HashAlg::Sha256.hash(&[b"HelloRetryRequest"]);
        let exts = [ext(43, &[3, 4]), ext(44, &vec16(cookie))].concat();
        let hrr = server_hello(retry_random.as_bytes(), suite.code(), &exts);
        let rec = plain_record(22, &hrr);
        stream.extend_from_slice(&rec);
        d.feed(&rec);
        if let Some(e) = d.error() {
            // Only a receive buffer too small for it refuses it.
            assert!(
                matches!(e, Error::MessageTooLarge { .. }) && setup.rx_len < 5 + hrr.len(),
                "the client refused a valid HelloRetryRequest: {e:?}"
            );
            d.finish();
            report.error = d.error();
            report.stream = stream;
            return None;
        }
        let ch2 = client_hello(&d.sent[ch1_len..]);
        assert_eq!(
            ch2.cookie,
            Some(&cookie[..]),
            "the second ClientHello's cookie"
        );
        assert_eq!(ch2.share, ch1.share, "the second ClientHello's key share");
        transcript.update(&[254, 0, 0, alg.len() as u8]);
        transcript.update(alg.hash(&[ch1.message]).as_bytes());
        transcript.update(&hrr);
        transcript.update(ch2.message);
    } else {
        transcript.update(ch1.message);
    }

    // ServerHello and the key schedule (RFC 8446 §7.1).
    let key_share = [&[0u8, 0x17][..], &vec16(&server_public)].concat();
    let mut exts = [ext(43, &[3, 4]), ext(51, &key_share)].concat();
    if psk.is_some() {
        exts.extend(ext(41, &[0, u8::from(arg & 2 != 0)]));
    }
    let sh = server_hello(&[0x5a; 32], suite.code(), &exts);
    transcript.update(&sh);
    let zeros = vec![0u8; alg.len()];
    let early = alg.extract(
        &zeros,
        psk.as_ref().map_or(&zeros[..], |(p, _)| p.as_bytes()),
    );
    let derived = alg.derive(&early, b"derived", &alg.empty_hash());
    let hs = alg.extract(derived.as_bytes(), &shared);
    let th = transcript.current(alg);
    let c_hs = alg.derive(&hs, b"c hs traffic", &th);
    let s_hs = alg.derive(&hs, b"s hs traffic", &th);
    let derived = alg.derive(&hs, b"derived", &alg.empty_hash());
    let master = alg.extract(derived.as_bytes(), &zeros);
    let mut server = Server {
        suite,
        alg,
        setup: *setup,
        transcript,
        write: RecordKey::new(suite, &s_hs),
        s_hs,
        c_hs,
        master,
        s_ap: None,
        c_ap: None,
        after_finished: None,
        write_secret: None,
        queue: Vec::new(),
        out: plain_record(22, &sh),
        app: Vec::new(),
        whole: true,
        tickets: Vec::new(),
    };

    // The operations, fed segment by segment.
    let mut client_wrote = Vec::new();
    let mut next = None;
    loop {
        let op = inp.op();
        let action = match op.map(|o| o % 13) {
            None => None,
            Some(0) => {
                let kind = inp.u8();
                server.real_message(kind, inp);
                continue;
            }
            Some(1) => {
                let n = usize::from(inp.u8());
                let b = inp.bytes(n);
                server.transcript.update(b);
                server.queue.extend_from_slice(b);
                continue;
            }
            Some(2) => {
                let (n, pad) = (inp.u16(), usize::from(inp.u8()));
                server.emit(n, pad);
                continue;
            }
            Some(3) => {
                let n = inp.u16();
                let inner = inp.bytes(n);
                server.seal(inner);
                continue;
            }
            Some(4) => {
                let (n, pad) = (inp.u16(), usize::from(inp.u8()));
                let mut inner = inp.bytes(n).to_vec();
                inner.push(23);
                inner.resize(inner.len() + pad, 0);
                server.seal(&inner);
                continue;
            }
            Some(5) => {
                let (level, desc) = (inp.u8(), inp.u8());
                server.seal(&[level, desc, 21]);
                continue;
            }
            Some(6) => {
                let (ty, n) = (inp.u8(), inp.u16());
                let body = inp.bytes(n);
                server.out.extend_from_slice(&plain_record(ty, body));
                continue;
            }
            Some(7) => {
                server.next_key();
                continue;
            }
            Some(8) => {
                let (a, arg) = (inp.u8(), inp.u8());
                Some(match a % 5 {
                    0 => Action::UpdateKeys(false),
                    1 => Action::UpdateKeys(true),
                    2 => Action::Write(arg),
                    3 => Action::Close,
                    _ => Action::Nothing,
                })
            }
            Some(9) => {
                server.out.extend_from_slice(&plain_record(20, &[1]));
                continue;
            }
            Some(10) => {
                let split = usize::from(inp.u8());
                for kind in [0, 5, 6, 7] {
                    server.real_message(kind, inp);
                }
                while !server.queue.is_empty() {
                    server.emit(split, 0);
                }
                server.next_key();
                continue;
            }
            Some(11) => {
                let n = inp.u16();
                let b = inp.bytes(n);
                server.out.extend_from_slice(b);
                server.whole = false;
                continue;
            }
            Some(_) => {
                next = Some(inp.u8());
                None
            }
        };
        let segment = std::mem::take(&mut server.out);
        stream.extend_from_slice(&segment);
        d.feed(&segment);
        let Some(action) = action else {
            break;
        };
        let failed = d.error();
        match action {
            Action::UpdateKeys(request) => match (d.tls.update_keys(request), failed) {
                (Ok(()), None) => assert!(d.tls.is_connected()),
                (Err(e), Some(f)) => assert_eq!(e, f),
                (Err(Error::State), None) => assert!(!d.tls.is_connected()),
                (r, f) => panic!("update_keys: {r:?} (failed: {f:?})"),
            },
            Action::Write(n) => {
                let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(7)).collect();
                let mut out = vec![0u8; tls_common::TX_LEN];
                match (d.tls.write_app(&data, &mut out), failed) {
                    (Ok((taken, written)), None) => {
                        assert_eq!(taken, data.len());
                        assert!(d.tls.is_connected());
                        d.sent.extend_from_slice(&out[..written]);
                        client_wrote.extend_from_slice(&data);
                    }
                    (Err(e), Some(f)) => assert_eq!(e, f),
                    (Err(Error::State), None) => assert!(!d.tls.is_connected() || data.is_empty()),
                    (r, f) => panic!("write_app: {r:?} (failed: {f:?})"),
                }
            }
            Action::Close => d.tls.close(),
            Action::Nothing => {}
        }
    }
    let before_eof = d.error();
    let peer_closed = d.tls.state() == State::PeerClosed;
    let resumed = d.tls.resumed();
    d.finish();

    // What the client read is what the server sealed, in order.
    assert!(
        server.app.starts_with(&d.app),
        "the client read data the server did not send"
    );
    if before_eof.is_none() && !peer_closed && server.whole {
        assert_eq!(
            d.app.len(),
            server.app.len(),
            "the client did not read everything sent"
        );
    }
    assert!(
        !resumed || psk.is_some(),
        "resumed without the server accepting the PSK"
    );
    let res_master = check_client_records(&server, &d.sent, d.error(), &client_wrote);
    report.client_finished |= res_master.is_some();
    report.connected |= d.connected;
    report.resumed |= resumed && d.connected;
    report.app += d.app.len();
    report.tickets += d.tls.tickets_received();
    report.error = d.error();
    report.peer_closed = peer_closed;
    if first {
        report.stream = stream;
    }
    let received = usize::from(d.tls.tickets_received());
    drop(d);
    if ticket.is_valid() {
        assert!(setup.resumption, "a ticket kept without resumption");
    }
    if received == 0 {
        assert_eq!(
            ticket.is_valid(),
            offered,
            "the ticket changed without a NewSessionTicket"
        );
    }
    let arg = next?;
    // The ticket kept is the last one the client took.
    let issued = match (
        res_master,
        received.checked_sub(1).and_then(|i| server.tickets.get(i)),
    ) {
        (Some(res), Some((nonce, identity))) if ticket.is_valid() => Some(Issued {
            identity: identity.clone(),
            psk: alg.expand_secret(&res, b"resumption", nonce),
            suite,
        }),
        _ => None,
    };
    Some((arg, issued))
}

/// Open every record the client sent with the key the server expects,
/// check the client's Finished, its alert and its application data.
/// Returns the resumption master secret once the client's Finished was
/// seen (and verified).
fn check_client_records(
    server: &Server,
    mut sent: &[u8],
    error: Option<Error>,
    wrote: &[u8],
) -> Option<Secret> {
    let alg = server.alg;
    let mut key = RecordKey::new(server.suite, &server.c_hs);
    let mut secret: Option<Secret> = None;
    let mut transcript = server.after_finished.clone();
    let mut finished = false;
    let mut res_master = None;
    let mut app = Vec::new();
    let mut index = 0;
    while !sent.is_empty() {
        let (ty, len) =
            record(sent).unwrap_or_else(|| panic!("a partial record sent: {sent:02x?}"));
        let mut header = [0u8; 5];
        header.copy_from_slice(&sent[..5]);
        let mut body = sent[5..5 + len].to_vec();
        sent = &sent[5 + len..];
        index += 1;
        if ty != 23 {
            // ClientHellos, or an alert before the handshake keys: the
            // driver checked those (and ServerHello is always sent here,
            // so a plaintext alert comes only from an early failure).
            continue;
        }
        let stage = if secret.is_some() {
            "application"
        } else {
            "handshake"
        };
        let n = key.open(&header, &mut body).unwrap_or_else(|_| {
            panic!("client record {index} does not open under the client {stage} key")
        });
        let inner = &body[..n];
        let k = inner
            .iter()
            .rposition(|&b| b != 0)
            .expect("a client record without content type");
        let (content, inner_type) = (&inner[..k], inner[k]);
        let mut next = None;
        match inner_type {
            22 => {
                let mut r = content;
                while !r.is_empty() {
                    assert!(r.len() >= 4, "a partial handshake message from the client");
                    let len = usize::from(r[1]) << 16 | usize::from(r[2]) << 8 | usize::from(r[3]);
                    let m = &r[..4 + len];
                    r = &r[4 + len..];
                    match m[0] {
                        20 => {
                            assert!(!finished, "a second client Finished");
                            let t = transcript
                                .as_mut()
                                .expect("a client Finished before the server's");
                            let fk = alg.expand_secret(&server.c_hs, b"finished", &[]);
                            let expected = alg.hmac(fk.as_bytes(), &[t.current(alg).as_bytes()]);
                            assert_eq!(&m[4..], expected.as_bytes(), "the client's Finished");
                            finished = true;
                            t.update(m);
                            let th = t.current(alg);
                            res_master = Some(alg.derive(&server.master, b"res master", &th));
                            next = server.c_ap.clone();
                        }
                        11 | 15 => {
                            assert!(!finished, "a client Certificate after its Finished");
                            transcript
                                .as_mut()
                                .expect("a client Certificate before the server's Finished")
                                .update(m);
                        }
                        24 => {
                            assert!(finished, "a client KeyUpdate during the handshake");
                            assert!(m.len() == 5 && m[4] <= 1, "a bad client KeyUpdate");
                            let s = secret.as_ref().expect("application secret");
                            next = Some(alg.expand_secret(s, b"traffic upd", &[]));
                        }
                        t => panic!("the client sent handshake message {t}"),
                    }
                }
            }
            21 => {
                assert_eq!(content.len(), 2, "a client alert's length");
                if content != [1, 0] {
                    assert!(sent.is_empty(), "records after the client's fatal alert");
                    let e = error.expect("a fatal alert without an error");
                    assert_eq!(content, [2, e.alert().unwrap_or(0)], "the alert for {e:?}");
                }
            }
            23 => {
                assert!(finished, "client application data before its Finished");
                app.extend_from_slice(content);
            }
            t => panic!("the client sent a record of inner type {t}"),
        }
        if let Some(s) = next {
            key = RecordKey::new(server.suite, &s);
            secret = Some(s);
        }
    }
    assert_eq!(app, wrote, "the client's application data");
    res_master
}
