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
#[path = "common/hostile_bench.rs"]
mod hostile_bench;

use hostile_bench::{tls, Bench, Outcome};
use modemtls::error::{Error, TlsError, TlsFailure};
use modemtls::modem::ModemError;
use modemtls::session::{Mode, Path, PathReason};
use modemtls_testkit::hostile::{handshake_msg, record, Act, Flight, Script};
use std::time::Duration;

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
            // A change_cipher_spec after the ClientHello is dropped
            // (RFC 8446 §5): the handshake goes on.
            (20, got) => {
                assert_eq!(got, Ok(()), "type 20 before ServerHello");
                assert_eq!((o.got.as_slice(), o.end), (&b"x"[..], Ok(())));
            }
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
