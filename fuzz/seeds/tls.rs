//! The hand-made seeds of `fuzz/corpus/tls_plaintexts/` and
//! `fuzz/corpus/tls_server_bytes/` (input formats: the module docs of
//! `fuzz/harness/tls_plaintexts.rs` and `tls_server_bytes.rs`).
//!
//! The `tls_plaintexts` seeds are scripts for the harness's server: whole
//! handshakes split in various ways, every message type in and out of
//! place, alerts, KeyUpdate, NewSessionTicket, padding, a
//! HelloRetryRequest, small receive buffers. Most `tls_server_bytes` seeds
//! are what that server sent in some of those runs (the client is the same
//! in both harnesses, so the bytes are an authentic server answer), the
//! others hand-made forgeries that need no key.
//!
//! Compiled into `tests/fuzz_corpus.rs`, which also checks that these
//! seeds still reach the states they are meant for; written to the corpus
//! directories by
//! `cargo test -p modemtls --test fuzz_corpus -- --ignored write_tls_seeds`.

#![allow(dead_code)]

use crate::tls_plaintexts;

// Config byte bits (see `tls_common::Setup`): receive buffer size index
// in bits 0-2.
pub const RESUME: u8 = 8;
pub const ALPN: u8 = 16;
pub const IP: u8 = 32;
pub const REJECT_CERT: u8 = 64;
pub const REJECT_SIG: u8 = 128;
/// Suite byte bit: a HelloRetryRequest first.
pub const HRR: u8 = 0x80;

fn len16(n: usize) -> [u8; 2] {
    (n as u16).to_be_bytes()
}

/// The `tls_plaintexts` operations (see its module docs).
pub mod op {
    use super::len16;
    pub const EE: u8 = 0;
    pub const EE_EMPTY: u8 = 1;
    pub const EE_ALPN: u8 = 2;
    pub const EE_SNI: u8 = 3;
    pub const CR: u8 = 4;
    pub const CERT: u8 = 5;
    pub const CV: u8 = 6;
    pub const FIN: u8 = 7;
    pub fn msg(kind: u8) -> Vec<u8> {
        vec![0, kind]
    }
    pub fn ticket(lifetime: u8, nonce: u8, third_len: u8) -> Vec<u8> {
        vec![0, 8, lifetime, nonce, third_len]
    }
    pub fn key_update(request: bool) -> Vec<u8> {
        vec![0, 9, u8::from(request)]
    }
    pub fn raw(b: &[u8]) -> Vec<u8> {
        [&[1, b.len() as u8][..], b].concat()
    }
    pub fn emit(n: usize, pad: u8) -> Vec<u8> {
        [&[2][..], &len16(n), &[pad]].concat()
    }
    pub fn inner(b: &[u8]) -> Vec<u8> {
        [&[3][..], &len16(b.len()), b].concat()
    }
    pub fn app(b: &[u8], pad: u8) -> Vec<u8> {
        [&[4][..], &len16(b.len()), &[pad], b].concat()
    }
    pub fn alert(level: u8, desc: u8) -> Vec<u8> {
        vec![5, level, desc]
    }
    pub fn plain(ty: u8, b: &[u8]) -> Vec<u8> {
        [&[6, ty][..], &len16(b.len()), b].concat()
    }
    pub const KEY: &[u8] = &[7];
    pub fn client(action: u8, arg: u8) -> Vec<u8> {
        vec![8, action, arg]
    }
    pub const CCS: &[u8] = &[9];
    pub fn flight(split: u8) -> Vec<u8> {
        vec![10, split]
    }
    /// The next connection; `arg`: bit 0 resume, bit 1 select identity 1,
    /// bit 2 a suite of the other hash.
    pub fn resume(arg: u8) -> Vec<u8> {
        vec![12, arg]
    }
    pub fn bytes(b: &[u8]) -> Vec<u8> {
        [&[11][..], &len16(b.len()), b].concat()
    }
    /// Client actions.
    pub const UPDATE: u8 = 0;
    pub const UPDATE_REQUEST: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const CLOSE: u8 = 3;
}

fn script(config: u8, plan: u8, suite: u8, ops: &[Vec<u8>]) -> Vec<u8> {
    [vec![config, plan, suite], ops.concat()].concat()
}

/// The whole flight, one message a record, then the application key.
fn flight_by_message() -> Vec<Vec<u8>> {
    use op::*;
    vec![
        msg(EE),
        emit(0, 0),
        msg(CERT),
        emit(0, 0),
        msg(CV),
        emit(0, 0),
        msg(FIN),
        emit(0, 0),
        KEY.to_vec(),
    ]
}

/// The `tls_plaintexts` seeds: (name, input).
pub fn plaintexts() -> Vec<(String, Vec<u8>)> {
    use op::*;
    let close = alert(1, 0);
    let hello = app(b"hello, client", 0);
    let mut s: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, input: Vec<u8>| s.push((name.to_string(), input));
    for suite in 0..3u8 {
        add(
            &format!("happy_suite{suite}"),
            script(0, 0, suite, &[flight(0), hello.clone(), close.clone()]),
        );
        add(
            &format!("hrr_suite{suite}"),
            script(
                0,
                0,
                HRR | suite,
                &[flight(0), hello.clone(), close.clone()],
            ),
        );
    }
    for (i, split) in [1u8, 4, 9, 40, 100, 255].into_iter().enumerate() {
        add(
            &format!("flight_split_{split}"),
            script(0, (i as u8) << 4 | 3, 0, &[flight(split), hello.clone()]),
        );
    }
    add(
        "flight_by_message",
        script(
            0,
            0,
            1,
            &[flight_by_message(), vec![hello.clone()]].concat(),
        ),
    );
    add(
        "flight_padded",
        script(
            0,
            7,
            0,
            &[
                msg(EE),
                msg(CERT),
                emit(30, 200),
                emit(0, 17),
                msg(CV),
                msg(FIN),
                emit(0, 255),
                KEY.to_vec(),
                app(b"x", 255),
            ],
        ),
    );
    add(
        "ccs_after_hello",
        script(0, 0, 0, &[CCS.to_vec(), flight(0), hello.clone()]),
    );
    add(
        "ccs_twice",
        script(
            0,
            0,
            0,
            &[CCS.to_vec(), msg(EE), emit(0, 0), CCS.to_vec(), flight(0)],
        ),
    );
    add(
        "ccs_after_finished",
        script(0, 0, 0, &[flight(0), CCS.to_vec()]),
    );
    add(
        "certificate_request",
        script(
            0,
            0,
            0,
            &[
                msg(EE),
                msg(CR),
                msg(CERT),
                msg(CV),
                msg(FIN),
                emit(0, 0),
                KEY.to_vec(),
                hello.clone(),
            ],
        ),
    );
    add("alpn", script(ALPN, 0, 0, &[flight(0), hello.clone()]));
    add(
        "alpn_not_offered",
        script(0, 0, 0, &[msg(EE_ALPN), emit(0, 0)]),
    );
    add(
        "sni_ack_without_sni",
        script(IP, 0, 0, &[msg(EE_SNI), emit(0, 0)]),
    );
    add("no_sni", script(IP, 0, 0, &[flight(0), hello.clone()]));
    add(
        "reject_certificate",
        script(REJECT_CERT, 0, 0, &[flight(0)]),
    );
    add("reject_signature", script(REJECT_SIG, 0, 0, &[flight(0)]));
    add(
        "finished_without_certificate",
        script(0, 0, 0, &[msg(EE), msg(FIN), emit(0, 0)]),
    );
    add(
        "certificate_twice",
        script(0, 0, 0, &[msg(EE), msg(CERT), msg(CERT), emit(0, 0)]),
    );
    add(
        "verify_before_certificate",
        script(0, 0, 0, &[msg(EE), msg(CV), emit(0, 0)]),
    );
    add(
        "request_after_certificate",
        script(0, 0, 0, &[msg(EE), msg(CERT), msg(CR), emit(0, 0)]),
    );
    add(
        "finished_twice",
        script(0, 0, 0, &[flight(0), msg(FIN), emit(0, 0)]),
    );
    add(
        "finished_and_ticket_in_one_record",
        script(
            RESUME,
            0,
            0,
            &[
                msg(EE),
                msg(CERT),
                msg(CV),
                msg(FIN),
                ticket(2, 8, 40),
                emit(0, 0),
            ],
        ),
    );
    for (i, (life, nonce, half)) in [
        (1u8, 0u8, 1u8),
        (2, 8, 64),
        (3, 255, 255),
        (0, 1, 10),
        (5, 32, 200),
    ]
    .into_iter()
    .enumerate()
    {
        add(
            &format!("ticket_{i}"),
            script(
                RESUME,
                0,
                (i % 2) as u8,
                &[
                    flight(0),
                    ticket(life, nonce, half),
                    emit(0, 0),
                    hello.clone(),
                ],
            ),
        );
    }
    let issue = [flight(0), ticket(2, 8, 40), emit(0, 0), hello.clone()].concat();
    let resumed = [msg(EE), msg(FIN), emit(0, 0), KEY.to_vec(), hello.clone()].concat();
    for suite in 0..3u8 {
        add(
            &format!("resume_suite{suite}"),
            script(
                RESUME,
                0,
                suite,
                &[issue.clone(), resume(1), resumed.clone(), close.clone()],
            ),
        );
    }
    add(
        "resume_declined",
        script(
            RESUME,
            0,
            0,
            &[issue.clone(), resume(0), flight(0), hello.clone()],
        ),
    );
    add(
        "resume_wrong_identity",
        script(RESUME, 0, 0, &[issue.clone(), resume(3), resumed.clone()]),
    );
    add(
        "resume_other_hash",
        script(RESUME, 0, 1, &[issue.clone(), resume(5), resumed.clone()]),
    );
    add(
        "resume_then_certificate",
        script(RESUME, 0, 0, &[issue.clone(), resume(1), flight(0)]),
    );
    add(
        "resume_without_ticket",
        script(
            RESUME,
            0,
            0,
            &[flight(0), resume(1), flight(0), hello.clone()],
        ),
    );
    add(
        "resume_ticket_too_large",
        script(
            RESUME,
            0,
            0,
            &[
                flight(0),
                ticket(2, 8, 255),
                emit(0, 0),
                resume(1),
                flight(0),
                hello.clone(),
            ],
        ),
    );
    add(
        "resume_twice",
        script(
            RESUME | ALPN,
            0,
            1,
            &[
                issue.clone(),
                resume(1),
                resumed.clone(),
                ticket(3, 1, 20),
                emit(0, 0),
                resume(1),
                resumed.clone(),
            ],
        ),
    );
    add(
        "resume_with_request",
        script(
            RESUME,
            0,
            0,
            &[issue.clone(), resume(1), msg(EE), msg(CR), emit(0, 0)],
        ),
    );
    add(
        "ticket_without_resumption",
        script(0, 0, 0, &[flight(0), ticket(2, 8, 40), emit(0, 0)]),
    );
    add(
        "tickets_split",
        script(
            RESUME,
            5,
            1,
            &[
                flight(0),
                ticket(2, 8, 40),
                ticket(3, 0, 100),
                emit(7, 0),
                emit(0, 3),
            ],
        ),
    );
    add(
        "key_update",
        script(
            0,
            0,
            0,
            &[
                flight(0),
                key_update(false),
                emit(0, 0),
                KEY.to_vec(),
                hello.clone(),
            ],
        ),
    );
    add(
        "key_update_requested",
        script(
            0,
            0,
            1,
            &[
                flight(0),
                key_update(true),
                emit(0, 0),
                KEY.to_vec(),
                client(WRITE, 20),
                hello.clone(),
                key_update(true),
                emit(0, 0),
                KEY.to_vec(),
                hello.clone(),
            ],
        ),
    );
    add(
        "key_update_client",
        script(
            0,
            0,
            0,
            &[
                flight(0),
                client(UPDATE_REQUEST, 0),
                key_update(false),
                emit(0, 0),
                KEY.to_vec(),
                client(UPDATE, 0),
                client(WRITE, 5),
                hello.clone(),
            ],
        ),
    );
    add(
        "key_update_without_new_key",
        script(
            0,
            0,
            0,
            &[flight(0), key_update(false), emit(0, 0), hello.clone()],
        ),
    );
    add(
        "key_update_bad_value",
        script(0, 0, 0, &[flight(0), raw(&[24, 0, 0, 1, 2]), emit(0, 0)]),
    );
    add(
        "key_update_during_handshake",
        script(0, 0, 0, &[msg(EE), key_update(false), emit(0, 0)]),
    );
    add(
        "key_update_and_data_in_one_record",
        script(
            0,
            0,
            0,
            &[flight(0), key_update(false), ticket(2, 1, 1), emit(0, 0)],
        ),
    );
    add(
        "client_close_then_server",
        script(
            0,
            0,
            0,
            &[flight(0), client(CLOSE, 0), hello.clone(), close.clone()],
        ),
    );
    add(
        "client_writes_before_connect",
        script(0, 0, 0, &[client(WRITE, 3), client(UPDATE, 0), flight(0)]),
    );
    add(
        "data_after_close_notify",
        script(0, 0, 0, &[flight(0), close.clone(), hello.clone()]),
    );
    add(
        "alert_in_handshake",
        script(0, 0, 0, &[msg(EE), emit(0, 0), alert(2, 40)]),
    );
    add(
        "alert_after_handshake",
        script(0, 0, 0, &[flight(0), hello.clone(), alert(2, 10)]),
    );
    add(
        "user_canceled_then_close",
        script(0, 0, 0, &[flight(0), alert(1, 90), close.clone()]),
    );
    add(
        "close_notify_in_handshake",
        script(0, 0, 0, &[msg(EE), emit(0, 0), close.clone()]),
    );
    add(
        "alert_too_long",
        script(0, 0, 0, &[flight(0), inner(&[1, 0, 0, 21])]),
    );
    add(
        "alert_split_with_handshake",
        script(0, 0, 0, &[raw(&[8, 0]), emit(0, 0), alert(2, 40)]),
    );
    add(
        "data_before_finished",
        script(0, 0, 0, &[msg(EE), emit(0, 0), hello.clone()]),
    );
    add(
        "data_under_handshake_key",
        script(
            0,
            0,
            0,
            &[
                msg(EE),
                msg(CERT),
                msg(CV),
                msg(FIN),
                emit(0, 0),
                hello.clone(),
            ],
        ),
    );
    add("empty_inner", script(0, 0, 0, &[flight(0), inner(&[])]));
    add(
        "all_zero_inner",
        script(0, 0, 0, &[flight(0), inner(&[0; 40])]),
    );
    add("empty_handshake_record", script(0, 0, 0, &[inner(&[22])]));
    add(
        "empty_app_record",
        script(0, 0, 0, &[flight(0), inner(&[23]), hello.clone()]),
    );
    add(
        "unknown_inner_type",
        script(0, 0, 0, &[flight(0), inner(&[1, 2, 3, 99])]),
    );
    add("inner_ccs", script(0, 0, 0, &[inner(&[1, 20])]));
    add(
        "record_over_2_14",
        script(0, 0, 0, &[flight(0), app(&[0x41; 16_385], 0)]),
    );
    add(
        "record_exactly_2_14",
        script(
            0,
            0,
            0,
            &[flight(0), app(&[0x41; 16_384], 0), hello.clone()],
        ),
    );
    add(
        "padding_over_2_14",
        script(
            0,
            0,
            0,
            &[
                flight(0),
                inner(&[&[0x41; 100][..], &[23], &[0; 16_300]].concat()),
            ],
        ),
    );
    add(
        "plain_handshake_after_hello",
        script(0, 0, 0, &[plain(22, &[8, 0, 0, 2, 0, 0])]),
    );
    add(
        "plain_alert_after_hello",
        script(0, 0, 0, &[plain(21, &[2, 40])]),
    );
    add(
        "message_split_across_key_change",
        script(
            0,
            0,
            0,
            &[
                flight(0),
                key_update(false),
                emit(2, 0),
                KEY.to_vec(),
                emit(0, 0),
            ],
        ),
    );
    add(
        "unknown_message_after_handshake",
        script(0, 0, 0, &[flight(0), raw(&[99, 0, 0, 1, 0]), emit(0, 0)]),
    );
    add(
        "server_hello_again",
        script(0, 0, 0, &[raw(&[2, 0, 0, 1, 0]), emit(0, 0)]),
    );
    add(
        "message_larger_than_buffer",
        script(
            5,
            0,
            0,
            &[raw(&[8, 0, 4, 0]), emit(0, 0), raw(&[0; 255]), emit(0, 0)],
        ),
    );
    for rx in [3u8, 4, 5, 6, 7] {
        add(
            &format!("rx_size_{rx}"),
            script(rx, 2, 0, &[flight(40), hello.clone(), close.clone()]),
        );
    }
    add(
        "stream_garbage",
        script(0, 0, 0, &[flight(0), bytes(&[23, 3, 3, 0, 17, 1, 2, 3])]),
    );
    s
}

/// The `tls_server_bytes` seeds: (name, input).
pub fn server_bytes() -> Vec<(String, Vec<u8>)> {
    let mut s = Vec::new();
    // Authentic answers, recorded from the plaintexts harness's server
    // (reject bits cleared: the same bytes, refused or not, are other seeds).
    let recorded = [
        "happy_suite0",
        "happy_suite1",
        "hrr_suite0",
        "hrr_suite1",
        "flight_split_1",
        "flight_split_40",
        "flight_by_message",
        "flight_padded",
        "ccs_after_hello",
        "certificate_request",
        "alpn",
        "no_sni",
        "ticket_1",
        "tickets_split",
        "key_update",
        "key_update_requested",
        "data_after_close_notify",
        "alert_after_handshake",
        "record_exactly_2_14",
        "rx_size_5",
        "finished_without_certificate",
    ];
    let seeds = plaintexts();
    for name in recorded {
        let input = &seeds.iter().find(|(n, _)| n == name).expect("seed name").1;
        let report = tls_plaintexts::run_report(input);
        let stream = [&input[..2], &report.stream].concat();
        s.push((format!("recorded_{name}"), stream));
    }
    let happy = s[0].1.clone();
    s.push((
        "recorded_happy_reject_cert".into(),
        [&[REJECT_CERT][..], &happy[1..]].concat(),
    ));
    s.push((
        "recorded_happy_reject_sig".into(),
        [&[REJECT_SIG][..], &happy[1..]].concat(),
    ));
    for plan in [1u8, 0x25, 0x3c, 0x4f] {
        s.push((
            format!("recorded_happy_plan_{plan:02x}"),
            [&[0, plan][..], &happy[2..]].concat(),
        ));
    }

    // Forgeries: no key needed.
    let sh = |version: &[u8], suite: u16, exts: &[u8]| -> Vec<u8> {
        let mut b = version.to_vec();
        b.extend_from_slice(&[0x5a; 32]);
        b.push(0);
        b.extend_from_slice(&suite.to_be_bytes());
        b.push(0);
        b.extend_from_slice(&len16(exts.len()));
        b.extend_from_slice(exts);
        let m = [&[2, 0][..], &len16(b.len()), &b].concat();
        [&[22, 3, 3][..], &len16(m.len()), &m].concat()
    };
    let versions = [0u8, 43, 0, 2, 3, 4];
    // The P-256 generator: a valid point whose secret the attacker knows.
    let g: [u8; 65] = [
        4, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4,
        0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8,
        0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a,
        0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40,
        0x68, 0x37, 0xbf, 0x51, 0xf5,
    ];
    let share = [&[0, 51, 0, 69, 0, 0x17, 0, 65][..], &g].concat();
    let good_exts = [&versions[..], &share].concat();
    let hrr_random = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
        0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
        0x33, 0x9c,
    ];
    let hrr = |exts: &[u8]| -> Vec<u8> {
        let mut r = sh(&[3, 3], 0x1301, exts);
        r[11..43].copy_from_slice(&hrr_random);
        r
    };
    let cookie = [0u8, 44, 0, 5, 0, 3, 1, 2, 3];
    let encrypted = |n: usize| [&[23, 3, 3][..], &len16(n), &vec![0x33; n]].concat();
    let forged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("tls12_server_hello", sh(&[3, 3], 0xc02f, &[])),
        ("no_supported_versions", sh(&[3, 3], 0x1301, &share)),
        (
            "generator_share",
            [
                sh(&[3, 3], 0x1301, &good_exts),
                encrypted(17),
                encrypted(100),
            ]
            .concat(),
        ),
        (
            "generator_share_sha384",
            [sh(&[3, 3], 0x1302, &good_exts), encrypted(40)].concat(),
        ),
        (
            "generator_share_then_plain",
            [
                sh(&[3, 3], 0x1301, &good_exts),
                vec![22, 3, 3, 0, 4, 8, 0, 0, 0],
            ]
            .concat(),
        ),
        (
            "generator_share_then_ccs",
            [
                sh(&[3, 3], 0x1301, &good_exts),
                vec![20, 3, 3, 0, 1, 1],
                encrypted(30),
            ]
            .concat(),
        ),
        (
            "off_curve_share",
            sh(
                &[3, 3],
                0x1301,
                &[&versions[..], &share[..share.len() - 1], &[0]].concat(),
            ),
        ),
        (
            "compressed_share",
            sh(
                &[3, 3],
                0x1301,
                &[&versions[..], &[0, 51, 0, 37, 0, 0x17, 0, 33, 2], &g[1..33]].concat(),
            ),
        ),
        (
            "x25519_share",
            sh(
                &[3, 3],
                0x1301,
                &[&versions[..], &[0, 51, 0, 36, 0, 0x1d, 0, 32], &[9; 32][..]].concat(),
            ),
        ),
        ("unknown_suite", sh(&[3, 3], 0x1304, &good_exts)),
        ("tls13_version_in_legacy", sh(&[3, 4], 0x1301, &good_exts)),
        (
            "version_tls12_in_extension",
            sh(
                &[3, 3],
                0x1301,
                &[&[0u8, 43, 0, 2, 3, 3][..], &share].concat(),
            ),
        ),
        (
            "psk_not_offered",
            sh(
                &[3, 3],
                0x1301,
                &[&good_exts[..], &[0, 41, 0, 2, 0, 0]].concat(),
            ),
        ),
        (
            "hrr_cookie",
            [
                hrr(&[&versions[..], &cookie].concat()),
                sh(&[3, 3], 0x1301, &good_exts),
            ]
            .concat(),
        ),
        (
            "hrr_twice",
            [
                hrr(&[&versions[..], &cookie].concat()),
                hrr(&[&versions[..], &cookie].concat()),
            ]
            .concat(),
        ),
        (
            "hrr_with_group",
            hrr(&[&versions[..], &cookie, &[0, 51, 0, 2, 0, 0x17]].concat()),
        ),
        ("hrr_without_cookie", hrr(&versions)),
        (
            "hrr_then_other_suite",
            [
                hrr(&[&versions[..], &cookie].concat()),
                sh(&[3, 3], 0x1302, &good_exts),
            ]
            .concat(),
        ),
        (
            "hrr_then_ccs",
            [
                hrr(&[&versions[..], &cookie].concat()),
                vec![20, 3, 3, 0, 1, 1],
                sh(&[3, 3], 0x1301, &good_exts),
            ]
            .concat(),
        ),
        ("alert_plain", vec![21, 3, 3, 0, 2, 2, 40]),
        ("alert_close_notify", vec![21, 3, 3, 0, 2, 1, 0]),
        (
            "alert_user_canceled",
            vec![21, 3, 3, 0, 2, 1, 90, 21, 3, 3, 0, 2, 2, 70],
        ),
        ("ccs_first", vec![20, 3, 3, 0, 1, 1]),
        ("app_data_first", encrypted(20)),
        ("unknown_type", vec![24, 3, 3, 0, 1, 0]),
        ("record_too_long", vec![22, 3, 3, 0x40, 0x01]),
        ("handshake_split_one_byte_records", {
            let m = sh(&[3, 3], 0x1301, &good_exts);
            m[5..].iter().flat_map(|&b| [22, 3, 3, 0, 1, b]).collect()
        }),
        (
            "message_larger_than_buffer",
            [vec![22, 3, 3, 0x40, 0, 2, 0, 0x40, 0], vec![0; 16_380]].concat(),
        ),
        ("sslv2_hello", vec![0x80, 0x2e, 0x01, 0x00, 0x02]),
        ("http_answer", b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()),
    ];
    for (name, bytes) in forged {
        s.push((format!("forged_{name}"), [&[0u8, 0][..], &bytes].concat()));
    }
    s.push((
        "forged_generator_share_small_rx".into(),
        [
            &[6u8, 3][..],
            &s.iter()
                .find(|(n, _)| n == "forged_generator_share")
                .expect("seed")
                .1[2..],
        ]
        .concat(),
    ));
    s
}

/// Write both seed sets into `fuzz/corpus/<target>/` under `root`.
pub fn write(root: &std::path::Path) {
    for (target, seeds) in [
        ("tls_plaintexts", plaintexts()),
        ("tls_server_bytes", server_bytes()),
    ] {
        let dir = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        for (name, input) in &seeds {
            std::fs::write(dir.join(format!("seed_{name}")), input).expect("write seed");
        }
        println!("{} seeds written to {}", seeds.len(), dir.display());
    }
}
