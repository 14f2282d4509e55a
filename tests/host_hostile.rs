//! The host path against a hostile TLS 1.3 server that holds the real keys
//! and can send anything (testkit `hostile`), through the simulated BG96:
//! the attacks of the field report (a keyless crash after the handshake,
//! an empty encrypted record before authentication, truncation by a
//! plaintext close_notify, a plaintext server flight), the record guard
//! for every outer content type before, during and after the handshake,
//! and the causes of post-handshake failures. Each case ends in a clean
//! error with its cause, the modem socket closed, and the next session on
//! the same modem works; on `Mode::Host` and on `Mode::Auto` after a
//! fallback from the offloaded path (the server is TLS 1.3 only).

mod common;

use common::{rig, Rig, HOST};
use embedded_io::Read;
use modemtls::auto::{self, PathCache, Step};
use modemtls::error::{Error, TlsError, TlsFailure};
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::ModemError;
use modemtls::session::{Credential, Mode, Path, PathReason, SessionConfig};
use modemtls_testkit::hostile::{handshake_msg, record, Act, Flight, HostileServer, Script};
use modemtls_testkit::{server_creds, KeyKind, ServerCreds};
use std::time::Duration;

/// What one session saw.
#[derive(Debug)]
struct Outcome {
    /// The handshake's error, if it failed.
    connect: Result<(), Error>,
    /// The path and reason of an open session.
    path: Option<(Path, PathReason)>,
    /// Application data read before the end.
    got: Vec<u8>,
    /// How reading ended: `Ok` for close_notify.
    end: Result<(), Error>,
    /// Auto tried the offloaded path first and fell back.
    fell_back: bool,
}

/// A simulated BG96, its host TLS memory and a hostile server.
struct Bench {
    r: Rig,
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    creds: ServerCreds,
    server: HostileServer,
    sessions: usize,
}

impl Bench {
    fn new() -> Self {
        let creds = server_creds(HOST, KeyKind::P256);
        let server = HostileServer::spawn(&creds, Script::default()).expect("server starts");
        Bench {
            r: rig(),
            read: vec![0; MIN_READ_BUF],
            write: vec![0; 4096],
            scratch: vec![0; 4096],
            creds,
            server,
            sessions: 0,
        }
    }

    /// One session with `script` on `mode`, read to its end.
    fn run(&mut self, mode: Mode, script: Script) -> Outcome {
        self.server.set_script(script);
        let cfg = SessionConfig::new(HOST, self.server.port())
            .trust(Credential::Pem(&self.creds.ca_pem))
            .mode(mode);
        let bufs = HostBuffers {
            read: &mut self.read,
            write: &mut self.write,
            scratch: &mut self.scratch,
            ticket: None,
        };
        let mut fell_back = false;
        let mut rng = rand_core::OsRng;
        let opened = auto::connect_observed(
            &mut self.r.modem,
            &cfg,
            &mut rng,
            bufs,
            None::<&mut PathCache<1>>,
            &mut |s| {
                if let Step::OffloadFailed {
                    fallback: Some(_), ..
                } = s
                {
                    fell_back = true;
                }
            },
        );
        let mut out = Outcome {
            connect: Ok(()),
            path: None,
            got: Vec::new(),
            end: Ok(()),
            fell_back,
        };
        match opened {
            Err(e) => out.connect = Err(e),
            Ok(mut s) => {
                let info = s.info();
                out.path = Some((info.path, info.reason));
                let mut buf = [0u8; 256];
                out.end = loop {
                    match s.read(&mut buf) {
                        Ok(0) => break Ok(()),
                        Ok(n) => out.got.extend_from_slice(&buf[..n]),
                        Err(e) => break Err(e),
                    }
                };
                if out.end.is_err() {
                    // A failed session stays failed.
                    assert_eq!(s.read(&mut buf).err(), out.end.err(), "sticky error");
                }
                let _ = s.close();
            }
        }
        // Each TLS 1.3 connection the server saw ended with the client's
        // close: the modem socket was freed.
        let log = self.server.wait_tls13(self.sessions);
        let last = log.last().expect("a TLS 1.3 connection");
        assert!(last.client_closed, "modem socket left open: {last:?}");
        self.sessions = log.len();
        out
    }

    /// A normal session right after: the modem and the library recovered.
    fn next_session_works(&mut self, mode: Mode) {
        let o = self.run(mode, Script::serve(b"all good"));
        assert_eq!(o.connect, Ok(()), "next session: {o:?}");
        assert_eq!(o.got, b"all good");
        assert_eq!(o.end, Ok(()));
    }
}

fn tls(failure: TlsFailure, record_type: Option<u8>) -> Error {
    Error::Tls(TlsError {
        record_type,
        ..TlsError::new(failure, Path::Host)
    })
}

/// A plain record body for an injected record of `content_type`.
fn body_for(content_type: u8) -> Vec<u8> {
    match content_type {
        20 => vec![1],
        21 => vec![1, 0],
        22 => handshake_msg(8, &[0, 0]),
        23 => (0..40).map(|i| i as u8 ^ 0xa5).collect(),
        _ => vec![0xde, 0xad, 0xbe, 0xef],
    }
}

/// The field report's cases, on `mode`.
fn field_attacks(mode: Mode) {
    let mut b = Bench::new();
    let auto = mode == Mode::Auto;
    let check_path = |o: &Outcome| {
        assert_eq!(o.fell_back, auto, "{o:?}");
        if let Some((path, reason)) = o.path {
            assert_eq!(path, Path::Host);
            if auto {
                assert_eq!(reason, PathReason::Fallback(TlsFailure::ProtocolVersion));
            }
        }
    };

    // 1. A plaintext EncryptedExtensions after the handshake: no key needed.
    let o = b.run(
        mode,
        Script {
            after_handshake: vec![
                Act::data(b"part-1"),
                Act::Raw(vec![0x16, 3, 3, 0, 6, 8, 0, 0, 2, 0, 0]),
            ],
            ..Script::default()
        },
    );
    check_path(&o);
    assert_eq!(o.got, b"part-1");
    assert_eq!(o.end, Err(tls(TlsFailure::UnexpectedRecord, Some(22))));
    b.next_session_works(mode);

    // 2. An encrypted record with an empty inner plaintext, before the
    // server authenticated and after.
    let o = b.run(
        mode,
        Script {
            after_server_hello: vec![Act::SealedInner(Vec::new())],
            ..Script::default()
        },
    );
    check_path(&o);
    assert_eq!(o.connect, Err(tls(TlsFailure::RecordTampered, Some(23))));
    let o = b.run(
        mode,
        Script {
            after_handshake: vec![Act::data(b"part-1"), Act::SealedInner(Vec::new())],
            ..Script::default()
        },
    );
    assert_eq!(o.got, b"part-1");
    assert_eq!(o.end, Err(tls(TlsFailure::RecordTampered, Some(23))));
    b.next_session_works(mode);

    // 3. Truncation: a plaintext close_notify between two encrypted records.
    let o = b.run(
        mode,
        Script {
            after_handshake: vec![
                Act::data(b"part-1"),
                Act::Raw(vec![0x15, 3, 3, 0, 2, 1, 0]),
                Act::data(b"part-2"),
                Act::close_notify(),
            ],
            ..Script::default()
        },
    );
    assert_eq!(o.got, b"part-1", "part-2 never looks like the end");
    assert_eq!(o.end, Err(tls(TlsFailure::UnexpectedRecord, Some(21))));
    b.next_session_works(mode);

    // 4. The whole server flight unencrypted.
    let o = b.run(
        mode,
        Script {
            flight: Flight::Plaintext,
            ..Script::default()
        },
    );
    check_path(&o);
    assert_eq!(o.connect, Err(tls(TlsFailure::UnexpectedRecord, Some(22))));
    b.next_session_works(mode);

    // 5. A ServerHello split across records (legal; embedded-tls could
    // not reassemble it): the engine puts it together.
    let o = b.run(
        mode,
        Script {
            server_hello_fragment: Some(40),
            ..Script::serve(b"whole")
        },
    );
    assert_eq!(o.connect, Ok(()));
    assert_eq!((o.got.as_slice(), o.end), (&b"whole"[..], Ok(())));
    b.next_session_works(mode);
}

#[test]
fn host_field_attacks_end_cleanly_with_their_cause() {
    field_attacks(Mode::Host);
}

#[test]
fn auto_after_fallback_field_attacks_end_cleanly_with_their_cause() {
    field_attacks(Mode::Auto);
}

/// Every outer content type injected before ServerHello, during the
/// server's flight and after the handshake: four lanes, each with its own
/// simulated modem and server, a quarter of the types each (the sessions
/// wait on the simulator far more than they compute).
fn every_content_type(mode: Mode) {
    const LANES: u8 = 4;
    std::thread::scope(|s| {
        for lane in 0..LANES {
            s.spawn(move || sweep(mode, (0..=255u8).filter(|t| t % LANES == lane)));
        }
    });
}

fn sweep(mode: Mode, types: impl Iterator<Item = u8> + Clone) {
    let mut b = Bench::new();
    for t in types.clone() {
        let o = b.run(
            mode,
            Script {
                before_server_hello: vec![Act::Raw(record(t, &body_for(t)))],
                ..Script::serve(b"x")
            },
        );
        let want = match t {
            // An EncryptedExtensions where the ServerHello must be.
            22 => tls(TlsFailure::UnexpectedMessage, Some(22)),
            // A warning close_notify before ServerHello: the handshake ends.
            21 => tls(TlsFailure::HandshakeFailed, None),
            _ => tls(TlsFailure::UnexpectedRecord, Some(t)),
        };
        match (t, o.connect) {
            (21, Err(Error::Tls(e))) => assert_eq!(e.alert, Some(0), "type 21"),
            (_, got) => assert_eq!(got, Err(want), "type {t} before ServerHello"),
        }
    }
    for t in types.clone() {
        let o = b.run(
            mode,
            Script {
                after_server_hello: vec![Act::Raw(record(t, &body_for(t)))],
                ..Script::serve(b"x")
            },
        );
        match t {
            // change_cipher_spec is allowed once during the handshake.
            20 => {
                assert_eq!(o.connect, Ok(()), "type 20 during the flight");
                assert_eq!((o.got.as_slice(), o.end), (&b"x"[..], Ok(())));
            }
            // Garbage that claims to be encrypted: it fails its tag.
            23 => assert_eq!(o.connect, Err(tls(TlsFailure::RecordTampered, None))),
            _ => assert_eq!(
                o.connect,
                Err(tls(TlsFailure::UnexpectedRecord, Some(t))),
                "type {t} during the flight"
            ),
        }
    }
    for t in types {
        let o = b.run(
            mode,
            Script {
                after_handshake: vec![Act::data(b"ok"), Act::Raw(record(t, &body_for(t)))],
                ..Script::default()
            },
        );
        assert_eq!(o.connect, Ok(()));
        assert_eq!(o.got, b"ok", "type {t}");
        let want = match t {
            23 => tls(TlsFailure::RecordTampered, None),
            _ => tls(TlsFailure::UnexpectedRecord, Some(t)),
        };
        assert_eq!(o.end, Err(want), "type {t} after the handshake");
    }
    b.next_session_works(mode);
}

#[test]
fn host_every_content_type_before_during_and_after_the_handshake() {
    every_content_type(Mode::Host);
}

#[test]
fn auto_after_fallback_every_content_type() {
    every_content_type(Mode::Auto);
}

#[test]
fn post_handshake_failures_say_what_they_are() {
    let mut b = Bench::new();
    let cases: Vec<(&str, Act, Error)> = vec![
        (
            "bad record MAC",
            Act::Raw(record(23, &body_for(23))),
            tls(TlsFailure::RecordTampered, None),
        ),
        (
            "encrypted fatal alert",
            Act::Sealed {
                content_type: 21,
                content: vec![2, 40],
            },
            Error::Tls(TlsError {
                alert: Some(40),
                ..TlsError::new(TlsFailure::PeerAlert, Path::Host)
            }),
        ),
        (
            "undecodable NewSessionTicket",
            Act::Sealed {
                content_type: 22,
                content: handshake_msg(4, &[0]),
            },
            tls(TlsFailure::DecodeError, None),
        ),
        (
            "no content type (all-zero inner plaintext)",
            Act::SealedInner(vec![0; 5]),
            tls(TlsFailure::UnexpectedMessage, None),
        ),
        // The client takes the new key; a record still sealed under the
        // old one fails its tag.
        (
            "KeyUpdate, then data under the old key",
            Act::Sealed {
                content_type: 22,
                content: handshake_msg(24, &[0]),
            },
            tls(TlsFailure::RecordTampered, None),
        ),
        (
            "a KeyUpdate value other than 0 or 1",
            Act::Sealed {
                content_type: 22,
                content: handshake_msg(24, &[2]),
            },
            tls(TlsFailure::IllegalParameter, None),
        ),
        (
            "a Finished after the handshake",
            Act::Sealed {
                content_type: 22,
                content: handshake_msg(20, &[0; 32]),
            },
            tls(TlsFailure::UnexpectedMessage, Some(22)),
        ),
        (
            "oversized record",
            Act::Raw(vec![23, 3, 3, 0x41, 0x01]),
            tls(TlsFailure::RecordTampered, Some(23)),
        ),
    ];
    for (name, act, want) in cases {
        let o = b.run(
            Mode::Host,
            Script {
                after_handshake: vec![
                    Act::data(b"ok"),
                    Act::Pause(Duration::from_millis(50)),
                    act,
                    // Only read when the act did not end the session.
                    Act::data(b"after"),
                ],
                ..Script::default()
            },
        );
        assert_eq!(o.got, b"ok", "{name}");
        assert_eq!(o.end, Err(want), "{name}");
    }
    // The server going away without close_notify is not a clean end.
    let o = b.run(
        Mode::Host,
        Script {
            after_handshake: vec![Act::data(b"ok"), Act::Hangup],
            ..Script::default()
        },
    );
    assert_eq!(o.end, Err(Error::Modem(ModemError::Closed)));
    b.next_session_works(Mode::Host);
}
