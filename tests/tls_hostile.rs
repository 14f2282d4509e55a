//! The project's TLS 1.3 engine on the host path against a hostile server
//! that holds the real keys (testkit `hostile`), through the simulated
//! BG96: every handshake message type where ServerHello must be, in place
//! of EncryptedExtensions and after the handshake; wrong and oversized
//! lengths; the flight cut at every byte boundary and in fragments of
//! many sizes; a ServerHello that chose what was not offered; missing or
//! forged authentication; alerts and change_cipher_spec in odd places;
//! records over the limits; HelloRetryRequest; KeyUpdate both ways and
//! NewSessionTicket.
//!
//! Each case ends as expected: a clean error with its cause (the
//! `TlsFailure`, the record type, the server's alert) or a working
//! session; the alert the client sent for it is checked where the case
//! says (the server decrypts it); the modem socket is closed afterwards
//! (the bench checks the server saw the client's close); and the next
//! session on the same modem works. The cases run in lanes, each with its
//! own simulated modem and server. In the sweeps the next session is the
//! next case (it must reach the server and fail or succeed exactly as
//! expected) and a normal session ends each lane; elsewhere a normal
//! session follows every failure.

mod common;
#[path = "common/hostile_bench.rs"]
mod hostile_bench;

use common::HOST;
use hostile_bench::{tls, Bench, Do, Outcome};
use modemtls::error::{CertProblem, Error, TlsError, TlsFailure};
use modemtls::host::MIN_READ_BUF;
use modemtls::session::{Mode, Path};
use modemtls_testkit::hostile::{
    certificate_message, handshake_msg, msg, new_session_ticket, record, Act, Auth, Edit, Framing,
    HelloEdit, Retry, Script,
};
use modemtls_testkit::{server_creds, KeyKind};
use std::time::Duration;

use TlsFailure::{
    DecodeError, IllegalParameter as Illegal, MessageTooLarge, RecordTampered, UnexpectedMessage,
    UnexpectedRecord,
};

/// What the server sends once the handshake is done.
const DATA: &[u8] = b"payload";

/// Alert descriptions (RFC 8446 §6).
mod alert {
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    pub const BAD_RECORD_MAC: u8 = 20;
    pub const RECORD_OVERFLOW: u8 = 22;
    pub const HANDSHAKE_FAILURE: u8 = 40;
    pub const BAD_CERTIFICATE: u8 = 42;
    pub const ILLEGAL_PARAMETER: u8 = 47;
    pub const DECODE_ERROR: u8 = 50;
    pub const DECRYPT_ERROR: u8 = 51;
    pub const PROTOCOL_VERSION: u8 = 70;
    pub const INTERNAL_ERROR: u8 = 80;
    pub const USER_CANCELED: u8 = 90;
    pub const MISSING_EXTENSION: u8 = 109;
    pub const UNSUPPORTED_EXTENSION: u8 = 110;
    pub const UNRECOGNIZED_NAME: u8 = 112;
}

/// How a case must end.
#[derive(Debug)]
enum Want {
    /// The handshake completes; this data, then close_notify.
    Data(Vec<u8>),
    /// The handshake fails with this error.
    Refused(Error),
    /// The handshake completes; this data, then this error.
    Ends(Vec<u8>, Error),
    /// This error, during the handshake or (when the client may already
    /// have sent its Finished) on the first read.
    Fails(Error),
}

/// What the client sends after the failure.
#[derive(Clone, Copy, Debug)]
enum Sends {
    /// Not checked.
    Any,
    /// No alert (the server's alert ended the session).
    Nothing,
    /// This fatal alert, as its last record.
    Alert(u8),
}

type Check = Box<dyn Fn(&Outcome) + Send>;

struct Case {
    name: String,
    script: Script,
    steps: Vec<Do>,
    want: Want,
    sends: Sends,
    check: Option<Check>,
}

fn case(name: impl Into<String>, script: Script) -> Case {
    Case {
        name: name.into(),
        script,
        steps: Vec::new(),
        want: Want::Data(DATA.to_vec()),
        sends: Sends::Any,
        check: None,
    }
}

impl Case {
    fn ok(mut self, data: &[u8]) -> Self {
        self.want = Want::Data(data.to_vec());
        self
    }
    fn refused(mut self, e: Error) -> Self {
        self.want = Want::Refused(e);
        self
    }
    fn ends(mut self, got: &[u8], e: Error) -> Self {
        self.want = Want::Ends(got.to_vec(), e);
        self
    }
    fn fails(mut self, e: Error) -> Self {
        self.want = Want::Fails(e);
        self
    }
    fn alert(mut self, description: u8) -> Self {
        self.sends = Sends::Alert(description);
        self
    }
    fn silent(mut self) -> Self {
        self.sends = Sends::Nothing;
        self
    }
    fn doing(mut self, steps: Vec<Do>) -> Self {
        self.steps = steps;
        self
    }
    fn check(mut self, f: impl Fn(&Outcome) + Send + 'static) -> Self {
        self.check = Some(Box::new(f));
        self
    }

    fn verify(&self, o: &Outcome) {
        let name = &self.name;
        match &self.want {
            Want::Data(data) => {
                assert_eq!(o.connect, Ok(()), "{name}: {o:?}");
                assert_eq!((&o.got, &o.end), (data, &Ok(())), "{name}: {o:?}");
                assert!(o.log.client_finished, "{name}: {o:?}");
                let alerts: Vec<_> = o
                    .log
                    .from_client
                    .iter()
                    .filter(|r| r.content_type == Some(21))
                    .map(|r| r.content.clone())
                    .collect();
                assert!(
                    alerts.iter().all(|a| a == &[1, 0]),
                    "{name}: the client sent an alert: {alerts:?}"
                );
            }
            Want::Refused(e) => assert_eq!(o.connect, Err(*e), "{name}: {o:?}"),
            Want::Ends(got, e) => {
                assert_eq!(o.connect, Ok(()), "{name}: {o:?}");
                assert_eq!((&o.got, &o.end), (got, &Err(*e)), "{name}: {o:?}");
            }
            Want::Fails(e) => {
                let got = o.connect.and(o.end);
                assert_eq!(got, Err(*e), "{name}: {o:?}");
            }
        }
        match self.sends {
            Sends::Any => {}
            Sends::Nothing => assert_eq!(o.log.client_alert(), None, "{name}: {:?}", o.log),
            Sends::Alert(d) => {
                assert_eq!(o.log.client_alert(), Some((2, d)), "{name}: {:?}", o.log);
                let last = o
                    .log
                    .last_from_client()
                    .map(|r| (r.content_type, &r.content[..]));
                assert_eq!(
                    last,
                    Some((Some(21), &[2, d][..])),
                    "{name}: the alert is the client's last record: {:?}",
                    o.log
                );
            }
        }
        if let Some(f) = &self.check {
            f(o);
        }
    }
}

/// Run `cases` in `lanes` threads, each with its own simulated modem and
/// server; with `next_each`, a normal session follows every failure.
fn run_cases(cases: Vec<Case>, lanes: usize, next_each: bool) {
    let mut per: Vec<Vec<Case>> = (0..lanes).map(|_| Vec::new()).collect();
    for (i, c) in cases.into_iter().enumerate() {
        per[i % lanes].push(c);
    }
    std::thread::scope(|s| {
        for lane in per {
            s.spawn(move || {
                let mut b = Bench::new();
                for c in lane {
                    let o = b.run_doing(Mode::Host, c.script.clone(), &c.steps);
                    c.verify(&o);
                    if next_each && !matches!(c.want, Want::Data(_)) {
                        b.next_session_works(Mode::Host);
                    }
                }
                b.next_session_works(Mode::Host);
            });
        }
    });
}

/// A well-behaved script changed by `f`.
fn with(f: impl FnOnce(&mut Script)) -> Script {
    let mut s = Script::serve(DATA);
    f(&mut s);
    s
}

/// The flight with `edits`.
fn edited(edits: Vec<Edit>) -> Script {
    with(|s| s.edits = edits)
}

/// A ServerHello changed by `f`.
fn hello(f: impl FnOnce(&mut HelloEdit)) -> Script {
    with(|s| f(&mut s.hello))
}

/// After the handshake: `ok`, then `acts`, then "after" and close_notify.
fn after(acts: Vec<Act>) -> Script {
    let mut all = vec![Act::data(b"ok")];
    all.extend(acts);
    all.extend([Act::data(b"after"), Act::close_notify()]);
    Script {
        after_handshake: all,
        ..Script::default()
    }
}

/// The error of a misplaced handshake message of type `t` (type 0 names
/// no record type: the engine uses 0 for "no message").
fn unexpected(t: u8) -> Error {
    tls(UnexpectedMessage, (t != 0).then_some(22))
}

fn with_alert(failure: TlsFailure, description: u8) -> Error {
    Error::Tls(TlsError {
        alert: Some(description),
        ..TlsError::new(failure, Path::Host)
    })
}

fn cert(problem: CertProblem) -> Error {
    Error::Tls(TlsError {
        certificate: Some(problem),
        ..TlsError::new(TlsFailure::CertificateRejected, Path::Host)
    })
}

/// A Certificate message of exactly `total` bytes whose one entry is junk.
fn junk_certificate(total: usize) -> Vec<u8> {
    let junk = total - 4 - 1 - 3 - 3 - 2;
    let mut list = vec![(junk >> 16) as u8, (junk >> 8) as u8, junk as u8];
    list.extend(std::iter::repeat_n(0x5a, junk));
    list.extend([0, 0]);
    let mut body = vec![
        0,
        (list.len() >> 16) as u8,
        (list.len() >> 8) as u8,
        list.len() as u8,
    ];
    body.extend(list);
    let m = handshake_msg(msg::CERTIFICATE, &body);
    assert_eq!(m.len(), total);
    m
}

/// A CertificateRequest for ecdsa_secp256r1_sha256, with `context`.
fn certificate_request(context: &[u8]) -> Vec<u8> {
    let mut body = vec![context.len() as u8];
    body.extend_from_slice(context);
    body.extend([0, 8, 0, 13, 0, 4, 0, 2, 4, 3]);
    handshake_msg(msg::CERTIFICATE_REQUEST, &body)
}

/// Sizes of the flight's messages as a fresh server sends them:
/// EncryptedExtensions, Certificate, CertificateVerify (about), Finished.
fn flight_sizes() -> [usize; 4] {
    let creds = server_creds(HOST, KeyKind::P256);
    let chain: Vec<Vec<u8>> = openssl::x509::X509::stack_from_pem(&creds.chain_pem)
        .unwrap()
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    [6, certificate_message(&chain).len(), 4 + 4 + 71, 36]
}

// ---------------------------------------------------------------------
// Every handshake message type in three places.

/// Types 0-255 where the ServerHello must be, in place of
/// EncryptedExtensions, and after the client's Finished (where only
/// NewSessionTicket and KeyUpdate are accepted).
#[test]
fn every_handshake_type_before_server_hello_in_place_of_encrypted_extensions_and_after_finished() {
    let mut cases = Vec::new();
    for t in 0..=255u8 {
        let (want, sent) = match t {
            // A ServerHello with a 2-byte body.
            msg::SERVER_HELLO => (tls(DecodeError, None), alert::DECODE_ERROR),
            _ => (unexpected(t), alert::UNEXPECTED_MESSAGE),
        };
        cases.push(
            case(
                format!("type {t} before ServerHello"),
                with(|s| s.before_server_hello = vec![Act::message(t, &[0, 0])]),
            )
            .refused(want)
            .alert(sent),
        );
        // An empty extension list: EncryptedExtensions itself is fine.
        let c = case(
            format!("type {t} in place of EncryptedExtensions"),
            edited(vec![Edit::Replace(
                msg::ENCRYPTED_EXTENSIONS,
                handshake_msg(t, &[0, 0]),
            )]),
        );
        cases.push(match t {
            msg::ENCRYPTED_EXTENSIONS => c,
            _ => c.refused(unexpected(t)).alert(alert::UNEXPECTED_MESSAGE),
        });
        let act = match t {
            msg::NEW_SESSION_TICKET => Act::ticket(),
            msg::KEY_UPDATE => Act::KeyUpdate { request: false },
            _ => Act::message(t, &[0, 0]),
        };
        let c = case(format!("type {t} after the handshake"), after(vec![act]));
        cases.push(match t {
            msg::NEW_SESSION_TICKET | msg::KEY_UPDATE => c.ok(b"okafter"),
            _ => c
                .ends(b"ok", unexpected(t))
                .alert(alert::UNEXPECTED_MESSAGE),
        });
    }
    run_cases(cases, 4, false);
}

// ---------------------------------------------------------------------
// Lengths, sizes, fragments.

#[test]
fn wrong_and_oversized_handshake_lengths() {
    use msg::{
        CERTIFICATE as CT, CERTIFICATE_VERIFY as CV, ENCRYPTED_EXTENSIONS as EE, FINISHED as FIN,
    };
    let decode = || tls(DecodeError, None);
    let replace = |t: u8, m: Vec<u8>| edited(vec![Edit::Replace(t, m)]);
    let cases = vec![
        case(
            "EncryptedExtensions of 2^24-1 bytes",
            replace(EE, vec![EE, 0xff, 0xff, 0xff, 0, 0]),
        )
        .refused(tls(MessageTooLarge, None))
        .alert(alert::INTERNAL_ERROR),
        case(
            "EncryptedExtensions of length 3 with 2 bytes",
            replace(EE, vec![EE, 0, 0, 3, 0, 0]),
        )
        .refused(decode())
        .alert(alert::DECODE_ERROR),
        case(
            "EncryptedExtensions of length 1 with 2 bytes",
            replace(EE, vec![EE, 0, 0, 1, 0, 0]),
        )
        .refused(decode())
        .alert(alert::DECODE_ERROR),
        case("empty EncryptedExtensions", replace(EE, vec![EE, 0, 0, 0])).refused(decode()),
        case(
            "extension list past its message",
            replace(EE, handshake_msg(EE, &[0, 9])),
        )
        .refused(decode()),
        case(
            "certificate list past its message",
            replace(
                CT,
                handshake_msg(CT, &[0, 0, 0, 10, 0, 0, 3, 1, 2, 3, 0, 0]),
            ),
        )
        .refused(decode())
        .alert(alert::DECODE_ERROR),
        case(
            "certificate entry past its list",
            replace(CT, handshake_msg(CT, &[0, 0, 0, 8, 0, 0, 9, 1, 2, 3, 4, 5])),
        )
        .refused(decode()),
        case(
            "empty certificate entry",
            replace(CT, handshake_msg(CT, &[0, 0, 0, 5, 0, 0, 0, 0, 0])),
        )
        .refused(decode()),
        case("Certificate with trailing bytes", {
            let mut m = certificate_message(&[vec![0x30, 0]]);
            m.push(0);
            m[3] += 1;
            replace(CT, m)
        })
        .refused(decode()),
        // RFC 8446 §4.4.2.4: decode_error.
        case(
            "Certificate with no certificate",
            replace(CT, handshake_msg(CT, &[0, 0, 0, 0])),
        )
        .refused(cert(CertProblem::NoServerAuthentication))
        .alert(alert::DECODE_ERROR),
        case(
            "Certificate with a request context",
            replace(CT, handshake_msg(CT, &[1, 7, 0, 0, 0])),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "signature past its CertificateVerify",
            replace(CV, handshake_msg(CV, &[4, 3, 0, 80, 1, 2, 3])),
        )
        .refused(decode())
        .alert(alert::DECODE_ERROR),
        case(
            "empty signature",
            replace(CV, handshake_msg(CV, &[4, 3, 0, 0])),
        )
        .refused(decode()),
        case(
            "CertificateVerify with trailing bytes",
            replace(CV, handshake_msg(CV, &[4, 3, 0, 1, 1, 9])),
        )
        .refused(decode()),
        case(
            "CertificateVerify of 1 byte",
            replace(CV, handshake_msg(CV, &[4])),
        )
        .refused(decode()),
        case(
            "Finished of 31 bytes",
            replace(FIN, handshake_msg(FIN, &[0; 31])),
        )
        .refused(decode())
        .alert(alert::DECODE_ERROR),
        case(
            "Finished of 33 bytes",
            replace(FIN, handshake_msg(FIN, &[0; 33])),
        )
        .refused(decode()),
        case("empty Finished", replace(FIN, handshake_msg(FIN, &[]))).refused(decode()),
        // Reassembled from a 2^14-byte record and a smaller one in the
        // MIN_READ_BUF-byte buffer (room for the message and the last
        // record's header, tag and content type: 22 bytes): parsed, and
        // the junk certificate refused.
        case(
            "Certificate of MIN_READ_BUF - 22 bytes (the largest the read buffer reassembles)",
            replace(CT, junk_certificate(MIN_READ_BUF - 22)),
        )
        .refused(cert(CertProblem::Malformed))
        .alert(alert::BAD_CERTIFICATE),
        // One byte more: the message and its last record do not fit.
        case(
            "Certificate of MIN_READ_BUF - 21 bytes",
            replace(CT, junk_certificate(MIN_READ_BUF - 21)),
        )
        .refused(tls(MessageTooLarge, None))
        .alert(alert::INTERNAL_ERROR),
        case(
            "Certificate of 20,000 bytes",
            replace(CT, junk_certificate(20_000)),
        )
        .refused(tls(MessageTooLarge, None))
        .alert(alert::INTERNAL_ERROR),
        // Announced, never sent: refused on its header.
        case(
            "Certificate announcing 2^20 bytes",
            replace(CT, vec![CT, 0x10, 0, 0, 0]),
        )
        .refused(tls(MessageTooLarge, None))
        .alert(alert::INTERNAL_ERROR),
        case(
            "ServerHello announcing 2^20 bytes",
            with(|s| s.before_server_hello = vec![Act::plain(22, &[2, 0x10, 0, 0, 3, 3])]),
        )
        .refused(tls(MessageTooLarge, None))
        .alert(alert::INTERNAL_ERROR),
    ];
    run_cases(cases, 3, true);
}

/// The flight (and the ServerHello) in records of every size from 1 byte
/// up, across message boundaries; every message split in two at its byte
/// boundaries (every one for all but the Certificate, whose header and a
/// stride through its body are cut); the whole flight in one record. All
/// reassembled: the session works.
#[test]
fn handshake_messages_split_at_every_byte_boundary() {
    let [ee, ct, cv, fin] = flight_sizes();
    let mut cases = vec![
        case(
            "1-byte records: ServerHello and flight",
            with(|s| {
                s.server_hello_fragment = Some(1);
                s.framing = Framing::Fragments(1);
            }),
        ),
        case(
            "the whole flight in one record",
            with(|s| s.framing = Framing::Fragments(16_384)),
        ),
    ];
    let mut sizes: Vec<usize> = (2..=40).collect();
    for edge in [
        ee,
        ee + ct,
        ee + ct + cv,
        ee + ct + cv + fin,
        ct,
        cv,
        fin,
        64,
        128,
        256,
        1024,
    ] {
        sizes.extend([edge - 1, edge, edge + 1]);
    }
    sizes.extend([97, 500, 1000, 1500, 4096, 16_383]);
    sizes.sort_unstable();
    sizes.dedup();
    for n in sizes {
        cases.push(case(
            format!("{n}-byte records"),
            with(|s| {
                s.server_hello_fragment = Some(n);
                s.framing = Framing::Fragments(n);
            }),
        ));
    }
    let split = |m: u8, at: usize| {
        case(
            format!("message {m} split at {at}"),
            with(|s| {
                s.framing = Framing::Split {
                    msg: m,
                    at: vec![at],
                    between: Vec::new(),
                }
            }),
        )
    };
    // The ServerHello (123 bytes with its P-256 share).
    for at in 1..123 {
        cases.push(split(msg::SERVER_HELLO, at));
    }
    for at in 1..ee {
        cases.push(split(msg::ENCRYPTED_EXTENSIONS, at));
    }
    for at in (1..16).chain((16..ct).step_by(53)).chain(ct - 3..ct) {
        cases.push(split(msg::CERTIFICATE, at));
    }
    for at in 1..cv {
        cases.push(split(msg::CERTIFICATE_VERIFY, at));
    }
    for at in 1..fin {
        cases.push(split(msg::FINISHED, at));
    }
    // A message cut into three.
    cases.push(case(
        "Certificate in three records",
        with(|s| {
            s.framing = Framing::Split {
                msg: msg::CERTIFICATE,
                at: vec![2, ct / 2],
                between: vec![],
            }
        }),
    ));
    run_cases(cases, 4, false);
}

// ---------------------------------------------------------------------
// ServerHello.

#[test]
fn server_hello_and_encrypted_extensions_that_chose_what_was_not_offered() {
    let illegal = || tls(Illegal, None);
    let ee = |body: &[u8]| {
        edited(vec![Edit::Replace(
            msg::ENCRYPTED_EXTENSIONS,
            handshake_msg(msg::ENCRYPTED_EXTENSIONS, body),
        )])
    };
    let cases = vec![
        // EncryptedExtensions answers only what was asked: SNI (the
        // client sent it) and supported_groups may be there, ALPN not.
        case(
            "EncryptedExtensions acknowledging SNI",
            ee(&[0, 4, 0, 0, 0, 0]),
        ),
        case(
            "EncryptedExtensions with supported_groups",
            ee(&[0, 8, 0, 10, 0, 4, 0, 2, 0, 0x17]),
        ),
        case(
            "EncryptedExtensions with unsolicited ALPN",
            ee(&[0, 11, 0, 16, 0, 7, 0, 5, 4, b'm', b'q', b't', b't']),
        )
        .refused(illegal())
        .alert(alert::UNSUPPORTED_EXTENSION),
        case(
            "EncryptedExtensions with key_share",
            ee(&[0, 6, 0, 51, 0, 2, 0, 0x17]),
        )
        .refused(illegal())
        .alert(alert::UNSUPPORTED_EXTENSION),
        case("EncryptedExtensions with trailing bytes", ee(&[0, 0, 0]))
            .refused(tls(DecodeError, None))
            .alert(alert::DECODE_ERROR),
        case(
            "unoffered suite TLS_AES_128_CCM_8_SHA256",
            hello(|h| h.suite = Some(0x1305)),
        )
        .refused(illegal())
        .alert(alert::ILLEGAL_PARAMETER),
        case("TLS 1.2 suite", hello(|h| h.suite = Some(0xc02f))).refused(illegal()),
        case("null suite", hello(|h| h.suite = Some(0))).refused(illegal()),
        case("unoffered group x25519", hello(|h| h.group = Some(0x001d)))
            .refused(illegal())
            .alert(alert::ILLEGAL_PARAMETER),
        case(
            "unoffered group secp384r1",
            hello(|h| h.group = Some(0x0018)),
        )
        .refused(illegal()),
        case(
            "session id echo the client did not send",
            hello(|h| h.session_id = Some(vec![7; 32])),
        )
        .refused(illegal())
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "no supported_versions (a TLS 1.2 answer)",
            hello(|h| h.no_supported_versions = true),
        )
        .refused(tls(TlsFailure::ProtocolVersion, None))
        .alert(alert::PROTOCOL_VERSION),
        case(
            "supported_versions TLS 1.2",
            hello(|h| h.version = Some(0x0303)),
        )
        .refused(illegal()),
        case(
            "legacy_version 0x0304",
            hello(|h| h.legacy_version = Some(0x0304)),
        )
        .refused(illegal()),
        case("compression method 1", hello(|h| h.compression = Some(1))).refused(illegal()),
        case("trailing bytes", hello(|h| h.trailing = vec![0]))
            .refused(tls(DecodeError, None))
            .alert(alert::DECODE_ERROR),
        case("no key_share", hello(|h| h.no_key_share = true))
            .refused(illegal())
            .alert(alert::MISSING_EXTENSION),
        case(
            "key share not on the curve",
            hello(|h| h.share = Some(vec![4; 65])),
        )
        .refused(illegal())
        .alert(alert::ILLEGAL_PARAMETER),
        case("empty key share", hello(|h| h.share = Some(vec![]))).refused(illegal()),
        case(
            "unsolicited extension",
            hello(|h| h.extensions = vec![(0xff01, vec![0])]),
        )
        .refused(illegal())
        .alert(alert::UNSUPPORTED_EXTENSION),
        case(
            "cookie outside a HelloRetryRequest",
            hello(|h| h.extensions = vec![(44, vec![0, 1, 9])]),
        )
        .refused(illegal())
        .alert(alert::UNSUPPORTED_EXTENSION),
        case(
            "pre_shared_key when none was offered",
            hello(|h| h.extensions = vec![(41, vec![0, 0])]),
        )
        .refused(illegal())
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "supported_versions twice",
            hello(|h| h.extensions = vec![(43, vec![3, 4])]),
        )
        .refused(tls(DecodeError, None)),
        // Messages must not span a key change (RFC 8446 §5.1).
        case(
            "ServerHello and EncryptedExtensions in one plaintext record",
            hello(|h| h.same_record = handshake_msg(msg::ENCRYPTED_EXTENSIONS, &[0, 0])),
        )
        .refused(unexpected(msg::ENCRYPTED_EXTENSIONS))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "ServerHello and 2 bytes of a header in one plaintext record",
            hello(|h| h.same_record = vec![8, 0]),
        )
        .refused(unexpected(0))
        .alert(alert::UNEXPECTED_MESSAGE),
    ];
    run_cases(cases, 3, true);
}

// ---------------------------------------------------------------------
// Authentication and Finished.

#[test]
fn missing_or_forged_authentication_and_a_second_finished() {
    let other = {
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap()
    };
    let cases = vec![
        case(
            "no Certificate, no CertificateVerify",
            with(|s| s.auth = Auth::Nothing),
        )
        .refused(unexpected(msg::FINISHED))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "no CertificateVerify",
            with(|s| s.auth = Auth::CertificateOnly),
        )
        .refused(unexpected(msg::FINISHED))
        .alert(alert::UNEXPECTED_MESSAGE),
        case("no Certificate", edited(vec![Edit::Drop(msg::CERTIFICATE)]))
            .refused(unexpected(msg::CERTIFICATE_VERIFY))
            .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "CertificateVerify signed by another key",
            with(|s| s.auth = Auth::SignedBy(other.clone())),
        )
        .refused(cert(CertProblem::BadSignature))
        .alert(alert::DECRYPT_ERROR),
        case(
            "CertificateVerify with an unoffered scheme (ed448)",
            edited(vec![Edit::Replace(
                msg::CERTIFICATE_VERIFY,
                handshake_msg(msg::CERTIFICATE_VERIFY, &[8, 8, 0, 3, 1, 2, 3]),
            )]),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "CertificateVerify with a garbage ECDSA signature",
            edited(vec![Edit::Replace(
                msg::CERTIFICATE_VERIFY,
                handshake_msg(msg::CERTIFICATE_VERIFY, &[4, 3, 0, 3, 1, 2, 3]),
            )]),
        )
        .refused(cert(CertProblem::BadSignature))
        .alert(alert::DECRYPT_ERROR),
        case(
            "CertificateVerify with rsa_pkcs1_sha256",
            edited(vec![Edit::Replace(
                msg::CERTIFICATE_VERIFY,
                handshake_msg(msg::CERTIFICATE_VERIFY, &[4, 1, 0, 3, 1, 2, 3]),
            )]),
        )
        .refused(tls(Illegal, None)),
        case(
            "CertificateVerify twice",
            edited(vec![Edit::Again(msg::CERTIFICATE_VERIFY)]),
        )
        .refused(unexpected(msg::CERTIFICATE_VERIFY))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "Certificate twice",
            edited(vec![Edit::Again(msg::CERTIFICATE)]),
        )
        .refused(unexpected(msg::CERTIFICATE)),
        case(
            "EncryptedExtensions twice",
            edited(vec![Edit::Again(msg::ENCRYPTED_EXTENSIONS)]),
        )
        .refused(unexpected(msg::ENCRYPTED_EXTENSIONS)),
        case(
            "Finished that does not verify",
            edited(vec![Edit::Replace(
                msg::FINISHED,
                handshake_msg(msg::FINISHED, &[0; 32]),
            )]),
        )
        .refused(tls(RecordTampered, None))
        .alert(alert::DECRYPT_ERROR),
        // In the Finished's record: it would span the key change.
        case(
            "a second Finished in the same record",
            with(|s| {
                s.edits = vec![Edit::Again(msg::FINISHED)];
                s.framing = Framing::Fragments(16_384);
            }),
        )
        .refused(unexpected(msg::FINISHED))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "a second Finished in its own record",
            edited(vec![Edit::Again(msg::FINISHED)]),
        )
        .fails(unexpected(msg::FINISHED))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "a second Finished after a pause",
            edited(vec![
                Edit::ActAfter(msg::FINISHED, Act::Pause(Duration::from_millis(300))),
                Edit::Again(msg::FINISHED),
            ]),
        )
        .fails(unexpected(msg::FINISHED))
        .alert(alert::UNEXPECTED_MESSAGE),
        // Legal: the client answers with an empty Certificate.
        case(
            "CertificateRequest",
            edited(vec![Edit::Before(
                msg::CERTIFICATE,
                certificate_request(&[]),
            )]),
        ),
        case(
            "CertificateRequest with a context",
            edited(vec![Edit::Before(
                msg::CERTIFICATE,
                certificate_request(&[1]),
            )]),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "CertificateRequest after the Certificate",
            edited(vec![Edit::After(
                msg::CERTIFICATE,
                certificate_request(&[]),
            )]),
        )
        .refused(unexpected(msg::CERTIFICATE_REQUEST)),
        case(
            "a message after the Finished, in its record",
            with(|s| {
                s.edits = vec![Edit::After(
                    msg::FINISHED,
                    handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"t", &[])),
                )];
                s.framing = Framing::Fragments(16_384);
            }),
        )
        .refused(unexpected(msg::NEW_SESSION_TICKET)),
        // Right after the Finished, in their own records under the
        // application keys (before the client's Finished): legal.
        case(
            "NewSessionTicket right after the Finished",
            edited(vec![Edit::After(
                msg::FINISHED,
                handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"t", &[])),
            )]),
        ),
        case(
            "application data right after the Finished (0.5-RTT)",
            edited(vec![Edit::ActAfter(msg::FINISHED, Act::data(b"early "))]),
        )
        .ok(b"early payload"),
    ];
    run_cases(cases, 3, true);
}

// ---------------------------------------------------------------------
// Alerts and change_cipher_spec.

#[test]
fn alerts_and_change_cipher_spec_in_odd_places() {
    use TlsFailure::{
        ClientCertRejected, HandshakeFailed, NoCommonCipher, PeerAlert, ProtocolVersion,
        SniRequired,
    };
    let ccs = || Act::plain(20, &[1]);
    let before_sh = |a: Act| with(|s| s.before_server_hello = vec![a]);
    let in_flight = |a: Act| edited(vec![Edit::ActBefore(msg::CERTIFICATE, a)]);
    let in_split = |a: Act| {
        with(|s| {
            s.framing = Framing::Split {
                msg: msg::CERTIFICATE,
                at: vec![100],
                between: vec![a],
            }
        })
    };
    let mut cases = Vec::new();
    for (d, failure) in [
        (alert::HANDSHAKE_FAILURE, NoCommonCipher),
        (alert::PROTOCOL_VERSION, ProtocolVersion),
        (alert::UNRECOGNIZED_NAME, SniRequired),
        (alert::BAD_CERTIFICATE, ClientCertRejected),
        (alert::INTERNAL_ERROR, HandshakeFailed),
        (alert::DECODE_ERROR, HandshakeFailed),
    ] {
        cases.push(
            case(
                format!("plaintext fatal alert {d} before ServerHello"),
                before_sh(Act::plain(21, &[2, d])),
            )
            .refused(with_alert(failure, d))
            .silent(),
        );
    }
    cases.extend([
        case(
            "plaintext user_canceled before ServerHello",
            before_sh(Act::plain(21, &[1, alert::USER_CANCELED])),
        ),
        case(
            "sealed fatal alert 40 in the flight",
            in_flight(Act::alert(2, 40)),
        )
        .refused(with_alert(NoCommonCipher, 40))
        .silent(),
        case(
            "sealed warning alert 200 in the flight (fatal in TLS 1.3)",
            in_flight(Act::alert(1, 200)),
        )
        .refused(with_alert(HandshakeFailed, 200))
        .silent(),
        case(
            "sealed close_notify in the flight",
            in_flight(Act::alert(1, 0)),
        )
        .refused(with_alert(HandshakeFailed, 0))
        .silent(),
        case(
            "sealed user_canceled in the flight",
            in_flight(Act::alert(1, alert::USER_CANCELED)),
        ),
        case(
            "sealed alert of 3 bytes",
            in_flight(Act::Sealed {
                content_type: 21,
                content: vec![2, 40, 0],
            }),
        )
        .refused(tls(DecodeError, None))
        .alert(alert::DECODE_ERROR),
        case(
            "sealed alert of 1 byte",
            in_flight(Act::Sealed {
                content_type: 21,
                content: vec![2],
            }),
        )
        .refused(tls(DecodeError, None)),
        case(
            "sealed alert in the middle of a split Certificate",
            in_split(Act::alert(2, 40)),
        )
        .refused(unexpected(0))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "application data in the middle of a split Certificate",
            in_split(Act::data(b"x")),
        )
        .refused(unexpected(0))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "plaintext alert in the middle of a split ServerHello",
            with(|s| {
                s.framing = Framing::Split {
                    msg: msg::SERVER_HELLO,
                    at: vec![10],
                    between: vec![Act::plain(21, &[2, 40])],
                }
            }),
        )
        .refused(unexpected(0))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "sealed fatal alert 80 after the handshake",
            after(vec![Act::alert(2, 80)]),
        )
        .ends(b"ok", with_alert(PeerAlert, 80))
        .silent(),
        case(
            "sealed user_canceled after the handshake",
            after(vec![Act::alert(1, alert::USER_CANCELED)]),
        )
        .ok(b"okafter"),
        // change_cipher_spec: dropped anywhere in the server's flight.
        case(
            "change_cipher_spec before every message of the flight",
            edited(vec![
                Edit::ActBefore(msg::ENCRYPTED_EXTENSIONS, ccs()),
                Edit::ActBefore(msg::CERTIFICATE, ccs()),
                Edit::ActBefore(msg::CERTIFICATE_VERIFY, ccs()),
                Edit::ActBefore(msg::FINISHED, ccs()),
            ]),
        ),
        case(
            "change_cipher_spec in the middle of a split Certificate",
            in_split(ccs()),
        )
        .refused(tls(UnexpectedRecord, Some(20)))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "change_cipher_spec 02 in the flight",
            in_flight(Act::plain(20, &[2])),
        )
        .refused(tls(UnexpectedRecord, Some(20)))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "change_cipher_spec of 2 bytes",
            in_flight(Act::plain(20, &[1, 1])),
        )
        .refused(tls(RecordTampered, Some(20))),
        case("empty change_cipher_spec", in_flight(Act::plain(20, &[])))
            .refused(tls(RecordTampered, Some(20))),
        case(
            "sealed change_cipher_spec",
            in_flight(Act::Sealed {
                content_type: 20,
                content: vec![1],
            }),
        )
        .refused(tls(UnexpectedRecord, Some(20)))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "change_cipher_spec after the Finished",
            edited(vec![Edit::ActAfter(msg::FINISHED, ccs())]),
        )
        .fails(tls(UnexpectedRecord, Some(20)))
        .alert(alert::UNEXPECTED_MESSAGE),
        // host_hostile has this record; here the client's alert is checked.
        case(
            "garbage sealed record in the flight",
            in_flight(Act::Raw(record(23, &[0xa5; 40]))),
        )
        .refused(tls(RecordTampered, None))
        .alert(alert::BAD_RECORD_MAC),
        // Sealed under the real handshake key, but not a handshake record.
        case(
            "application data in the flight",
            in_flight(Act::data(b"early")),
        )
        .refused(tls(UnexpectedRecord, Some(23)))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "sealed record of an unknown inner type",
            in_flight(Act::Sealed {
                content_type: 99,
                content: vec![1, 2, 3],
            }),
        )
        .refused(tls(UnexpectedRecord, Some(99)))
        .alert(alert::UNEXPECTED_MESSAGE),
        case(
            "sealed handshake record with no content",
            in_flight(Act::SealedInner(vec![22])),
        )
        .refused(unexpected(0))
        .alert(alert::UNEXPECTED_MESSAGE),
    ]);
    run_cases(cases, 3, true);
}

// ---------------------------------------------------------------------
// Record sizes.

#[test]
fn records_over_the_limits() {
    let max = 16_384usize;
    let cases = vec![
        case(
            "plaintext handshake record of 2^14+1 bytes",
            with(|s| s.before_server_hello = vec![Act::plain(22, &vec![0; max + 1])]),
        )
        .refused(tls(RecordTampered, Some(22)))
        .alert(alert::RECORD_OVERFLOW),
        case(
            "plaintext alert record of 2^14+1 bytes",
            with(|s| s.before_server_hello = vec![Act::plain(21, &vec![2; max + 1])]),
        )
        .refused(tls(RecordTampered, Some(21)))
        .alert(alert::RECORD_OVERFLOW),
        case(
            "sealed record of 2^14+257 bytes in the flight",
            edited(vec![Edit::ActBefore(
                msg::CERTIFICATE,
                Act::SealedInner([&[22u8][..], &vec![0; max + 256 - 16]].concat()),
            )]),
        )
        .refused(tls(RecordTampered, Some(23)))
        .alert(alert::RECORD_OVERFLOW),
        case(
            "record header announcing 65,535 bytes in the flight",
            edited(vec![Edit::ActBefore(
                msg::CERTIFICATE,
                Act::Raw(vec![23, 3, 3, 0xff, 0xff]),
            )]),
        )
        .refused(tls(RecordTampered, Some(23)))
        .alert(alert::RECORD_OVERFLOW),
        case(
            "sealed application data of 2^14+1 bytes",
            after(vec![Act::data(&vec![b'x'; max + 1])]),
        )
        .ends(b"ok", tls(RecordTampered, Some(23)))
        .alert(alert::RECORD_OVERFLOW),
        case(
            "sealed handshake plaintext of 2^14+1 bytes in the flight",
            edited(vec![Edit::ActBefore(
                msg::CERTIFICATE,
                Act::Sealed {
                    content_type: 22,
                    content: vec![0; max + 1],
                },
            )]),
        )
        .refused(tls(RecordTampered, Some(23)))
        .alert(alert::RECORD_OVERFLOW),
        case(
            "sealed application data of 2^14 bytes",
            after(vec![Act::data(&vec![b'x'; max])]),
        )
        .ok(&[&b"ok"[..], &vec![b'x'; max], b"after"].concat()),
        // Padding counts against the ciphertext limit only: 2^14 bytes of
        // zeros after the content type, in a record that fits the buffer.
        case(
            "padded application data",
            after(vec![Act::SealedInner(
                [&b"pad"[..], &[23], &vec![0; max - 300]].concat(),
            )]),
        )
        .ok(b"okpadafter"),
    ];
    run_cases(cases, 2, true);
}

/// The largest records, in a read buffer of `read_buf` bytes: an inner
/// plaintext of 2^14 bytes and its content type (the most RFC 8446 §5.4
/// allows) is read; the largest ciphertext (2^14 + 256 bytes of body)
/// padded past that limit is read whole, then refused with
/// record_overflow.
fn largest_records(read_buf: usize) {
    let max = 16_384usize;
    let mut b = Bench::with_read_buf(read_buf);
    let c = case(
        "application data record with 2^14 bytes",
        after(vec![Act::SealedInner(
            [&vec![b'y'; max][..], &[23]].concat(),
        )]),
    )
    .ok(&[&b"ok"[..], &vec![b'y'; max], b"after"].concat());
    let o = b.run(Mode::Host, c.script.clone());
    c.verify(&o);
    let c = case(
        "application data record of 2^14+256 bytes, padded past 2^14+1",
        after(vec![Act::SealedInner(
            [&vec![b'y'; max][..], &[23], &vec![0; 256 - 17]].concat(),
        )]),
    )
    .ends(b"ok", tls(RecordTampered, Some(23)))
    .alert(alert::RECORD_OVERFLOW);
    let o = b.run(Mode::Host, c.script.clone());
    c.verify(&o);
    b.next_session_works(Mode::Host);
}

#[test]
fn largest_records_in_a_buffer_that_holds_them() {
    largest_records(MIN_READ_BUF + 5);
}

/// `MIN_READ_BUF` (16,645) holds the largest record: 2^14 + 256 bytes of
/// body and the 5-byte header.
#[test]
fn largest_records_in_a_min_read_buf() {
    largest_records(MIN_READ_BUF);
}

// ---------------------------------------------------------------------
// HelloRetryRequest.

#[test]
fn hello_retry_request() {
    let retry = |r: Retry| with(|s| s.retries = vec![r]);
    let cookie = b"a cookie from the server".to_vec();
    let c2 = cookie.clone();
    let cases = vec![
        case(
            "HelloRetryRequest with a cookie",
            retry(Retry::cookie(&cookie)),
        )
        .check(move |o| {
            assert_eq!(o.log.hellos, 2, "{:?}", o.log);
            assert_eq!(o.log.cookie.as_deref(), Some(&c2[..]), "cookie echoed");
        }),
        case(
            "HelloRetryRequest with a 256-byte cookie",
            retry(Retry::cookie(&[0xc0; 256])),
        )
        .check(|o| assert_eq!(o.log.cookie, Some(vec![0xc0; 256]))),
        case(
            "HelloRetryRequest with a 257-byte cookie",
            retry(Retry::cookie(&[0xc0; 257])),
        )
        .refused(tls(MessageTooLarge, None))
        .alert(alert::INTERNAL_ERROR),
        case(
            "HelloRetryRequest, then change_cipher_spec",
            retry(Retry {
                after: vec![Act::plain(20, &[1])],
                ..Retry::cookie(b"c")
            }),
        ),
        case(
            "two HelloRetryRequests",
            with(|s| s.retries = vec![Retry::cookie(b"1"), Retry::cookie(b"2")]),
        )
        .refused(unexpected(msg::SERVER_HELLO))
        .alert(alert::UNEXPECTED_MESSAGE)
        .check(|o| assert_eq!(o.log.hellos, 2)),
        case(
            "HelloRetryRequest asking for the group already offered",
            retry(Retry {
                group: Some(0x0017),
                ..Retry::cookie(b"c")
            }),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER)
        .check(|o| assert_eq!(o.log.hellos, 1)),
        case(
            "HelloRetryRequest asking for an unoffered group",
            retry(Retry {
                group: Some(0x001d),
                ..Retry::default()
            }),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "HelloRetryRequest changing nothing",
            retry(Retry::default()),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER)
        .check(|o| assert_eq!(o.log.hellos, 1)),
        case(
            "HelloRetryRequest with an empty cookie",
            retry(Retry::cookie(b"")),
        )
        .refused(tls(DecodeError, None))
        .alert(alert::DECODE_ERROR),
        case(
            "HelloRetryRequest with an unoffered suite",
            retry(Retry {
                suite: 0x1305,
                ..Retry::cookie(b"c")
            }),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "HelloRetryRequest with an unsolicited extension",
            retry(Retry {
                extensions: vec![(0xff01, vec![0])],
                ..Retry::cookie(b"c")
            }),
        )
        .refused(tls(Illegal, None))
        .alert(alert::UNSUPPORTED_EXTENSION),
        // The ServerHello must keep the suite of the HelloRetryRequest.
        case(
            "HelloRetryRequest for AES-256, ServerHello with AES-128",
            retry(Retry {
                suite: 0x1302,
                ..Retry::cookie(b"c")
            }),
        )
        .refused(tls(Illegal, None))
        .alert(alert::ILLEGAL_PARAMETER),
        case(
            "HelloRetryRequest, then EncryptedExtensions",
            retry(Retry {
                after: vec![Act::message(msg::ENCRYPTED_EXTENSIONS, &[0, 0])],
                ..Retry::cookie(b"c")
            }),
        )
        .refused(unexpected(msg::ENCRYPTED_EXTENSIONS))
        .alert(alert::UNEXPECTED_MESSAGE),
    ];
    run_cases(cases, 3, true);
}

// ---------------------------------------------------------------------
// After the handshake: KeyUpdate, NewSessionTicket.

#[test]
fn key_update_both_ways_and_session_tickets() {
    let ku = |request| Act::KeyUpdate { request };
    let cases = vec![
        case(
            "KeyUpdate, then data under the new key",
            after(vec![ku(false)]),
        )
        .ok(b"okafter"),
        case(
            "three KeyUpdates",
            after(vec![ku(false), Act::data(b"-1-"), ku(false), ku(false)]),
        )
        .ok(b"ok-1-after"),
        // The client answers with its own KeyUpdate and writes under its
        // next key: the server reads "ping" with it and sends it back.
        case(
            "KeyUpdate with update_requested",
            Script {
                after_handshake: vec![
                    Act::data(b"ok"),
                    ku(true),
                    Act::data(b"new"),
                    Act::Echo,
                    Act::close_notify(),
                ],
                ..Script::default()
            },
        )
        .doing(vec![Do::ReadUntil(5), Do::Write(b"ping".to_vec())])
        .ok(b"oknewping")
        .check(|o| {
            assert_eq!(o.log.client_key_updates, 1, "{:?}", o.log);
            assert_eq!(o.log.echoed, b"ping");
            let ku = o
                .log
                .from_client
                .iter()
                .find(|r| r.content.first() == Some(&24));
            assert_eq!(
                ku.map(|r| &r.content[..]),
                Some(&[24, 0, 0, 1, 0][..]),
                "the client's answer"
            );
        }),
        // The client asks: the server updates both ways.
        case(
            "client KeyUpdate with update_requested",
            Script {
                after_handshake: vec![Act::data(b"ok"), Act::Echo, Act::Echo, Act::close_notify()],
                ..Script::default()
            },
        )
        .doing(vec![
            Do::ReadUntil(2),
            Do::UpdateKeys,
            Do::Write(b"one".to_vec()),
            Do::ReadUntil(5),
            Do::UpdateKeys,
            Do::Write(b"two".to_vec()),
        ])
        .ok(b"okonetwo")
        .check(|o| {
            assert_eq!(o.log.client_key_updates, 2, "{:?}", o.log);
            assert_eq!(o.log.echoed, b"onetwo");
        }),
        case(
            "KeyUpdate and a ticket in one record",
            after(vec![Act::Handshake(
                [
                    handshake_msg(msg::KEY_UPDATE, &[0]),
                    handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"t", &[])),
                ]
                .concat(),
            )]),
        )
        .ends(b"ok", unexpected(msg::NEW_SESSION_TICKET))
        .alert(alert::UNEXPECTED_MESSAGE),
        case("KeyUpdate split across two records", {
            let ku = handshake_msg(msg::KEY_UPDATE, &[0]);
            after(vec![
                Act::Handshake(ku[..2].to_vec()),
                Act::Handshake(ku[2..].to_vec()),
                Act::NextKeys,
            ])
        })
        .ok(b"okafter"),
        case(
            "KeyUpdate of 2 bytes",
            after(vec![Act::message(msg::KEY_UPDATE, &[0, 0])]),
        )
        .ends(b"ok", tls(DecodeError, None))
        .alert(alert::DECODE_ERROR),
        case("NewSessionTicket", after(vec![Act::ticket()])).ok(b"okafter"),
        case(
            "NewSessionTicket with an extension",
            after(vec![Act::message(
                msg::NEW_SESSION_TICKET,
                &new_session_ticket(b"t", &[0x00, 0x2a, 0, 4, 0, 0, 0x40, 0]),
            )]),
        )
        .ok(b"okafter"),
        case(
            "two tickets in one record",
            after(vec![Act::Handshake(
                [
                    handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"t1", &[])),
                    handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"t2", &[])),
                ]
                .concat(),
            )]),
        )
        .ok(b"okafter"),
        case("a ticket split across records", {
            let t = handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"ticket", &[]));
            after(vec![
                Act::Handshake(t[..3].to_vec()),
                Act::Handshake(t[3..].to_vec()),
            ])
        })
        .ok(b"okafter"),
        case(
            "a ticket with an empty ticket",
            after(vec![Act::message(
                msg::NEW_SESSION_TICKET,
                &new_session_ticket(b"", &[]),
            )]),
        )
        .ends(b"ok", tls(DecodeError, None))
        .alert(alert::DECODE_ERROR),
        case("application data inside a split ticket", {
            let t = handshake_msg(msg::NEW_SESSION_TICKET, &new_session_ticket(b"ticket", &[]));
            after(vec![
                Act::Handshake(t[..3].to_vec()),
                Act::data(b"x"),
                Act::Handshake(t[3..].to_vec()),
            ])
        })
        .ends(b"ok", unexpected(0))
        .alert(alert::UNEXPECTED_MESSAGE),
    ];
    run_cases(cases, 3, true);
}
