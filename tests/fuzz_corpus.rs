//! Every fuzz target's corpus (`fuzz/corpus/<target>/`) run through the
//! target's harness as an ordinary test, so CI replays on stable what the
//! fuzzers found and what the seeds cover (`cargo +nightly fuzz run
//! <target>` grows a corpus).

#[cfg(all(
    feature = "quectel-bc66",
    feature = "quectel-m95",
    feature = "sierra-hl"
))]
#[path = "../fuzz/harness/at_feed.rs"]
mod at_feed;
#[cfg(feature = "quectel-bc66")]
#[path = "../fuzz/harness/bc66_replies.rs"]
mod bc66_replies;
#[path = "../fuzz/harness/bg9x_replies.rs"]
mod bg9x_replies;
#[cfg(feature = "capi")]
#[path = "../fuzz/harness/capi_calls.rs"]
mod capi_calls;
#[path = "../fuzz/harness/host_stack.rs"]
mod host_stack;
#[cfg(feature = "quectel-m95")]
#[path = "../fuzz/harness/m95_replies.rs"]
mod m95_replies;
#[path = "../fuzz/harness/record_guard.rs"]
mod record_guard;
#[path = "../fuzz/harness/saved_ticket.rs"]
mod saved_ticket;
#[cfg(feature = "sierra-hl")]
#[path = "../fuzz/harness/sierra_hl_replies.rs"]
mod sierra_hl_replies;
#[path = "../fuzz/harness/stored_and_probe.rs"]
mod stored_and_probe;
#[cfg(feature = "sierra-hl")]
#[path = "../fuzz/harness/text_inputs.rs"]
mod text_inputs;
#[path = "../fuzz/harness/tls_plaintexts.rs"]
mod tls_plaintexts;
#[path = "../fuzz/seeds/tls.rs"]
mod tls_seeds;
#[path = "../fuzz/harness/tls_server_bytes.rs"]
mod tls_server_bytes;
#[path = "../fuzz/harness/x509_chain.rs"]
mod x509_chain;

use std::path::Path;

/// Run `harness` on every file of `fuzz/corpus/<target>`; the number run.
fn replay(target: &str, harness: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        let run = std::panic::catch_unwind(|| harness(&data));
        assert!(run.is_ok(), "{} fails the harness", path.display());
        n += 1;
    }
    n
}

/// The AT engine in every family's dialect, armed or not for a data phase.
#[cfg(all(
    feature = "quectel-bc66",
    feature = "quectel-m95",
    feature = "sierra-hl"
))]
#[test]
fn at_feed_corpus() {
    let n = replay("at_feed", at_feed::run);
    assert!(n >= 24, "only {n} inputs in the at_feed corpus");
    // The seeds reach each dialect's data framing: the M95's `+QIRD:` and
    // `+QSSLRECV:` frames (12 + 2 bytes), the BG9x's (12 + 3), the
    // Sierra's armed `CONNECT` phase (20 bytes, whose look-alike pattern
    // and `OK` are data).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/at_feed");
    for (seed, bytes) in [
        ("m95_step0", 14),
        ("bg9x_step0", 15),
        ("sierra_armed_step0", 20),
    ] {
        let data = std::fs::read(dir.join(seed)).expect("seed");
        assert_eq!(at_feed::payload_bytes(&data), bytes, "{seed}");
    }
}

#[cfg(all(
    feature = "quectel-bc66",
    feature = "quectel-m95",
    feature = "sierra-hl"
))]
#[test]
fn at_feed_mutants() {
    let runs = mutate_around("at_feed", at_feed::run, 300);
    assert!(runs >= 7_000, "{runs} runs");
}

#[test]
fn record_guard_corpus() {
    let n = replay("record_guard", record_guard::run);
    assert!(n >= 20, "only {n} inputs in the record_guard corpus");
}

/// Stable-toolchain exploration around the corpus: every input mutated
/// many times (bytes flipped, set to record-layer values, inserted,
/// removed, the tail cut, two inputs spliced) by a fixed-seed generator,
/// each mutant through the harness. Not coverage-guided like cargo-fuzz,
/// but it runs in every CI build.
fn mutate_around(target: &str, harness: fn(&[u8]), per_input: usize) -> usize {
    mutate_selected(target, harness, per_input, |_, _| true)
}

/// [`mutate_around`] for the corpus inputs `select(file name, input)`
/// picks (when mutating all of them would take too long).
fn mutate_selected(
    target: &str,
    harness: fn(&[u8]),
    per_input: usize,
    select: fn(&str, &[u8]) -> bool,
) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .map(|path| (path.clone(), std::fs::read(&path).expect("corpus file")))
        .filter(|(path, data)| {
            select(
                &path.file_name().unwrap_or_default().to_string_lossy(),
                data,
            )
        })
        .map(|(_, data)| data)
        .collect();
    inputs.sort();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    const INTERESTING: [u8; 10] = [0, 1, 2, 3, 16, 17, 20, 21, 22, 23];
    let mut runs = 0;
    for i in 0..inputs.len() {
        for _ in 0..per_input {
            let mut m = inputs[i].clone();
            for _ in 0..1 + next(4) {
                let at = next(m.len() + 1);
                match next(6) {
                    0 if at < m.len() => m[at] ^= 1 << next(8),
                    1 if at < m.len() => m[at] = INTERESTING[next(INTERESTING.len())],
                    2 => m.insert(at, INTERESTING[next(INTERESTING.len())]),
                    3 if at < m.len() => {
                        m.remove(at);
                    }
                    4 => m.truncate(at),
                    _ => {
                        let other = &inputs[next(inputs.len())];
                        let from = next(other.len() + 1);
                        m.truncate(at);
                        m.extend_from_slice(&other[from..]);
                    }
                }
            }
            let run = std::panic::catch_unwind(|| harness(&m));
            assert!(
                run.is_ok(),
                "mutant of input {i} fails the harness: {m:02x?}"
            );
            runs += 1;
        }
    }
    runs
}

#[test]
fn record_guard_mutants() {
    let runs = mutate_around("record_guard", record_guard::run, 300);
    assert!(runs >= 100_000, "{runs} runs");
}

#[test]
fn host_stack_corpus() {
    let n = replay("host_stack", host_stack::run);
    assert!(n >= 20, "only {n} inputs in the host_stack corpus");
}

#[test]
fn host_stack_mutants() {
    let runs = mutate_around("host_stack", host_stack::run, 40);
    assert!(runs >= 1_000, "{runs} runs");
}

#[test]
fn bg9x_replies_corpus() {
    let n = replay("bg9x_replies", bg9x_replies::run);
    assert!(n >= 10, "only {n} inputs in the bg9x_replies corpus");
}

#[test]
fn bg9x_replies_mutants() {
    let runs = mutate_around("bg9x_replies", bg9x_replies::run, 400);
    assert!(runs >= 1_000, "{runs} runs");
}

#[test]
fn stored_and_probe_corpus() {
    let n = replay("stored_and_probe", stored_and_probe::run);
    assert!(n >= 10, "only {n} inputs in the stored_and_probe corpus");
}

#[test]
fn stored_and_probe_mutants() {
    let runs = mutate_around("stored_and_probe", stored_and_probe::run, 500);
    assert!(runs >= 5_000, "{runs} runs");
}

#[test]
fn saved_ticket_corpus() {
    let n = replay("saved_ticket", saved_ticket::run);
    assert!(n >= 15, "only {n} inputs in the saved_ticket corpus");
    // The seeds named valid_* get past the checksum and every field check
    // (so the corpus reaches the whole reader), the others do not.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/saved_ticket");
    for seed in [
        "valid_aes128_raw",
        "valid_aes256_raw",
        "valid_aes128_sealed",
        "max_ticket_sealed",
    ] {
        let data = std::fs::read(dir.join(seed)).expect("seed");
        assert!(saved_ticket::restores(&data), "{seed} does not restore");
    }
    for seed in [
        "over_max_ticket_sealed",
        "psk_wrong_len_sealed",
        "trailing_byte_sealed",
    ] {
        let data = std::fs::read(dir.join(seed)).expect("seed");
        assert!(!saved_ticket::restores(&data), "{seed} restores");
    }
}

#[test]
fn saved_ticket_mutants() {
    let runs = mutate_around("saved_ticket", saved_ticket::run, 500);
    assert!(runs >= 5_000, "{runs} runs");
}

#[cfg(feature = "sierra-hl")]
#[test]
fn text_inputs_corpus() {
    let n = replay("text_inputs", text_inputs::run);
    assert!(n >= 14, "only {n} inputs in the text_inputs corpus");
}

#[cfg(feature = "sierra-hl")]
#[test]
fn text_inputs_mutants() {
    let runs = mutate_around("text_inputs", text_inputs::run, 500);
    assert!(runs >= 7_000, "{runs} runs");
}

/// Certificate chains: the seeds named `valid_*` verify against the
/// harness's fixed root, `anchor_*` with their first certificate as the
/// anchor, and none of the `reject_*` (damaged chains and certificates)
/// verifies either way.
#[test]
fn x509_chain_corpus() {
    let n = replay("x509_chain", x509_chain::run);
    assert!(n >= 30, "only {n} inputs in the x509_chain corpus");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/x509_chain");
    let (mut valid, mut anchor, mut reject) = (0, 0, 0);
    for entry in std::fs::read_dir(&dir).expect("corpus dir") {
        let path = entry.expect("corpus entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let report = x509_chain::run_report(&std::fs::read(&path).expect("seed"));
        if name.starts_with("valid_") {
            assert_eq!(report.fixed_root, Ok(()), "{name}");
            valid += 1;
        } else if name.starts_with("anchor_") {
            assert_eq!(report.first_as_anchor, Some(Ok(())), "{name}");
            anchor += 1;
        } else if name.starts_with("reject_") {
            assert!(report.fixed_root.is_err(), "{name} verifies");
            assert!(
                report.first_as_anchor.is_none_or(|r| r.is_err()),
                "{name} verifies"
            );
            reject += 1;
        }
    }
    assert!(
        valid >= 5 && anchor >= 3 && reject >= 20,
        "{valid} {anchor} {reject}"
    );
}

#[test]
fn x509_chain_mutants() {
    let runs = mutate_around("x509_chain", x509_chain::run, 250);
    assert!(runs >= 9_000, "{runs} runs");
}

/// The C ABI's call sequences (needs the `capi` feature: `tools/test.sh`
/// runs this file again with `--features capi,std`).
#[cfg(feature = "capi")]
#[test]
fn capi_calls_corpus() {
    let n = replay("capi_calls", capi_calls::run);
    assert!(n >= 8, "only {n} inputs in the capi_calls corpus");
}

#[cfg(feature = "capi")]
#[test]
fn capi_calls_mutants() {
    let runs = mutate_around("capi_calls", capi_calls::run, 300);
    assert!(runs >= 2_000, "{runs} runs");
}

#[cfg(feature = "quectel-bc66")]
#[test]
fn bc66_replies_corpus() {
    let n = replay("bc66_replies", bc66_replies::run);
    assert!(n >= 5, "only {n} inputs in the bc66_replies corpus");
}

#[cfg(feature = "quectel-bc66")]
#[test]
fn bc66_replies_mutants() {
    let runs = mutate_around("bc66_replies", bc66_replies::run, 400);
    assert!(runs >= 2_000, "{runs} runs");
}

#[cfg(feature = "quectel-m95")]
#[test]
fn m95_replies_corpus() {
    let n = replay("m95_replies", m95_replies::run);
    assert!(n >= 20, "only {n} inputs in the m95_replies corpus");
}

#[cfg(feature = "quectel-m95")]
#[test]
fn m95_replies_mutants() {
    let runs = mutate_around("m95_replies", m95_replies::run, 300);
    assert!(runs >= 4_000, "{runs} runs");
}

/// The happy seeds take the session all the way (so a change of the
/// driver or the harness cannot quietly leave the corpus shallow), and
/// the damaged ones stop where they were written to.
#[cfg(feature = "quectel-m95")]
#[test]
fn m95_replies_seeds_reach_their_states() {
    let seed = |name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus/m95_replies")
            .join(name);
        m95_replies::run_report(&std::fs::read(&path).expect("seed"))
    };
    for step in ["01", "07"] {
        let happy = seed(&format!("happy_{step}"));
        assert_eq!(
            happy,
            m95_replies::Reached {
                tcp_read: Some(6),
                stored: true,
                tls_read: Some(2),
                listed: None,
                deleted: false,
            },
            "happy_{step}"
        );
        for (name, stored) in [
            ("secwrite_wrong_checksum", false),
            ("secread_short", false),
            ("secwrite_connect_lost", false),
            ("already_connect", true),
        ] {
            assert_eq!(
                seed(&format!("{name}_{step}")).stored,
                stored,
                "{name}_{step}"
            );
        }
        assert_eq!(seed(&format!("already_connect_{step}")).tcp_read, Some(6));
        assert_eq!(
            seed(&format!("read_longer_than_asked_{step}")).tcp_read,
            None
        );
        assert_eq!(seed(&format!("reboot_mid_session_{step}")).tcp_read, None);
        assert_eq!(seed(&format!("ssl_open_minus5_{step}")).tls_read, None);
        // The credential seeds go on past the happy session.
        for (name, listed, deleted) in [
            ("creds_listed", Some(2), true),
            ("creds_empty", Some(0), false),
            ("creds_long_name", None, true),
            ("creds_garbage", None, false),
        ] {
            let r = seed(&format!("{name}_{step}"));
            assert_eq!(
                (r.tls_read, r.listed, r.deleted),
                (Some(2), listed, deleted),
                "{name}_{step}"
            );
        }
    }
}

/// The Sierra HL8548/HL78xx driver fed arbitrary modem output.
#[cfg(feature = "sierra-hl")]
#[test]
fn sierra_hl_replies_corpus() {
    let n = replay("sierra_hl_replies", sierra_hl_replies::run);
    assert!(n >= 20, "only {n} inputs in the sierra_hl_replies corpus");
}

#[cfg(feature = "sierra-hl")]
#[test]
fn sierra_hl_replies_mutants() {
    let runs = mutate_around("sierra_hl_replies", sierra_hl_replies::run, 300);
    assert!(runs >= 6_000, "{runs} runs");
}

/// The TLS 1.3 engine fed arbitrary server bytes after its ClientHello.
#[test]
fn tls_server_bytes_corpus() {
    let n = replay("tls_server_bytes", tls_server_bytes::run);
    assert!(n >= 40, "only {n} inputs in the tls_server_bytes corpus");
}

#[test]
fn tls_server_bytes_mutants() {
    let runs = mutate_selected("tls_server_bytes", tls_server_bytes::run, 60, tls_mutated);
    assert!(runs >= 6_000, "{runs} runs");
}

/// The TLS 1.3 engine fed authentic records with arbitrary plaintexts.
#[test]
fn tls_plaintexts_corpus() {
    let n = replay("tls_plaintexts", tls_plaintexts::run);
    assert!(n >= 40, "only {n} inputs in the tls_plaintexts corpus");
}

#[test]
fn tls_plaintexts_mutants() {
    let runs = mutate_selected("tls_plaintexts", tls_plaintexts::run, 20, tls_mutated);
    assert!(runs >= 4_000, "{runs} runs");
}

/// The TLS inputs mutated in every test run: the hand-made seeds and the
/// fuzzer's finds of up to 256 bytes (a run costs two P-256 operations and
/// a handshake's hashing and AES, which the dev profile does slowly; the
/// longer finds, often hundreds of records, are only replayed).
fn tls_mutated(name: &str, input: &[u8]) -> bool {
    name.starts_with("seed_") || input.len() <= 256
}

/// The seeds still reach what they were written for (so a change of the
/// engine or the harness cannot quietly leave the corpora shallow), and
/// the engine refuses the broken ones with the error (so the alert) it
/// gives for them.
#[test]
fn tls_seeds_reach_their_states() {
    use modemtls::pki::PkiError;
    use modemtls::tls::Error;
    let seeds = tls_seeds::plaintexts();
    let report = |name: &str| {
        let input = &seeds
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no seed {name}"))
            .1;
        tls_plaintexts::run_report(input)
    };
    for name in [
        "happy_suite0",
        "happy_suite1",
        "hrr_suite0",
        "hrr_suite1",
        "flight_split_1",
        "flight_split_255",
        "flight_by_message",
        "flight_padded",
        "ccs_after_hello",
        "certificate_request",
        "alpn",
        "no_sni",
        "key_update_requested",
        "key_update_client",
        "rx_size_4",
        "record_exactly_2_14",
    ] {
        let r = report(name);
        assert!(
            r.connected && r.client_finished && r.app > 0,
            "{name}: {r:?}"
        );
    }
    for name in [
        "happy_suite0",
        "hrr_suite1",
        "data_after_close_notify",
        "client_close_then_server",
    ] {
        // The server's close_notify ends the session cleanly: nothing
        // failed before the end of the stream (where `eof` says Truncated).
        let r = report(name);
        assert!(
            r.connected && r.peer_closed && r.error == Some(Error::Truncated),
            "{name}: {r:?}"
        );
    }
    let r = report("ticket_1");
    assert!(r.connected && r.tickets == 1, "{r:?}");
    for name in [
        "resume_suite0",
        "resume_suite1",
        "resume_suite2",
        "resume_twice",
    ] {
        let r = report(name);
        assert!(r.resumed && r.app > 0, "{name}: {r:?}");
    }
    for name in [
        "resume_declined",
        "resume_without_ticket",
        "resume_ticket_too_large",
    ] {
        let r = report(name);
        assert!(
            !r.resumed && r.connected && r.error == Some(Error::Truncated),
            "{name}: {r:?}"
        );
    }
    let r = report("tickets_split");
    assert!(r.tickets == 2, "{r:?}");
    let mut wrong = Vec::new();
    for (name, error) in [
        (
            "reject_certificate",
            Error::Certificate(PkiError::UnknownIssuer),
        ),
        (
            "reject_signature",
            Error::Certificate(PkiError::BadCertificateVerify),
        ),
        ("finished_without_certificate", Error::UnexpectedMessage(20)),
        ("certificate_twice", Error::UnexpectedMessage(11)),
        ("verify_before_certificate", Error::UnexpectedMessage(15)),
        ("finished_twice", Error::UnexpectedMessage(20)),
        ("alpn_not_offered", Error::UnsupportedExtension),
        ("sni_ack_without_sni", Error::UnsupportedExtension),
        ("key_update_bad_value", Error::IllegalParameter),
        ("key_update_during_handshake", Error::UnexpectedMessage(24)),
        ("key_update_without_new_key", Error::BadRecordMac),
        ("alert_in_handshake", Error::PeerAlert(40)),
        ("alert_after_handshake", Error::PeerAlert(10)),
        ("close_notify_in_handshake", Error::PeerAlert(0)),
        ("alert_too_long", Error::Decode),
        ("data_before_finished", Error::UnexpectedRecord(23)),
        ("data_under_handshake_key", Error::BadRecordMac),
        ("empty_inner", Error::BadRecordLength(23)),
        ("all_zero_inner", Error::UnexpectedMessage(0)),
        ("empty_handshake_record", Error::UnexpectedMessage(0)),
        ("unknown_inner_type", Error::UnexpectedRecord(99)),
        ("record_over_2_14", Error::RecordOverflow(23)),
        ("plain_handshake_after_hello", Error::UnexpectedRecord(22)),
        ("plain_alert_after_hello", Error::UnexpectedRecord(21)),
        (
            "unknown_message_after_handshake",
            Error::UnexpectedMessage(99),
        ),
        ("server_hello_again", Error::UnexpectedMessage(2)),
        (
            "finished_and_ticket_in_one_record",
            Error::UnexpectedMessage(4),
        ),
        ("ccs_after_finished", Error::UnexpectedRecord(20)),
        ("resume_wrong_identity", Error::IllegalParameter),
        ("resume_other_hash", Error::IllegalParameter),
        ("resume_then_certificate", Error::UnexpectedMessage(11)),
        ("resume_with_request", Error::UnexpectedMessage(13)),
    ] {
        let r = report(name);
        if r.error != Some(error) {
            wrong.push(format!("{name}: {:?}, not {error:?}", r.error));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let r = report("message_larger_than_buffer");
    assert!(
        matches!(r.error, Some(Error::MessageTooLarge { .. })),
        "{r:?}"
    );
    // The recorded server answers take the same client as far; the
    // forgeries end as RFC 8446 says.
    let forged = [
        ("empty", Error::Truncated),
        ("tls12_server_hello", Error::ProtocolVersion),
        ("no_supported_versions", Error::ProtocolVersion),
        ("generator_share", Error::BadRecordMac),
        ("generator_share_sha384", Error::BadRecordMac),
        ("generator_share_then_plain", Error::UnexpectedRecord(22)),
        ("generator_share_then_ccs", Error::BadRecordMac),
        ("generator_share_small_rx", Error::BadRecordMac),
        ("off_curve_share", Error::IllegalParameter),
        ("compressed_share", Error::IllegalParameter),
        ("x25519_share", Error::IllegalParameter),
        ("unknown_suite", Error::IllegalParameter),
        ("tls13_version_in_legacy", Error::IllegalParameter),
        ("version_tls12_in_extension", Error::IllegalParameter),
        ("psk_not_offered", Error::IllegalParameter),
        ("hrr_cookie", Error::Truncated),
        ("hrr_twice", Error::UnexpectedMessage(2)),
        ("hrr_with_group", Error::IllegalParameter),
        ("hrr_without_cookie", Error::IllegalParameter),
        ("hrr_then_other_suite", Error::IllegalParameter),
        ("hrr_then_ccs", Error::Truncated),
        ("alert_plain", Error::PeerAlert(40)),
        ("alert_close_notify", Error::PeerAlert(0)),
        ("alert_user_canceled", Error::PeerAlert(70)),
        // Dropped (RFC 8446 §5); the stream then ends.
        ("ccs_first", Error::Truncated),
        ("app_data_first", Error::UnexpectedRecord(23)),
        ("unknown_type", Error::UnexpectedRecord(24)),
        ("record_too_long", Error::RecordOverflow(22)),
        ("handshake_split_one_byte_records", Error::Truncated),
        ("sslv2_hello", Error::UnexpectedRecord(0x80)),
        ("http_answer", Error::UnexpectedRecord(b'H')),
    ];
    for (name, input) in tls_seeds::server_bytes() {
        let r = tls_server_bytes::run_report(&input);
        let deep = name.starts_with("recorded_happy") && !name.contains("reject");
        if deep || name == "recorded_certificate_request" || name == "recorded_key_update_requested"
        {
            assert!(r.connected && r.app > 0, "{name}: {r:?}");
        }
        if let Some((_, error)) = forged
            .iter()
            .find(|(n, _)| name.strip_prefix("forged_") == Some(n))
        {
            if r.error != Some(*error) {
                wrong.push(format!("{name}: {:?}, not {error:?}", r.error));
            }
        } else if name.starts_with("forged_") && name != "forged_message_larger_than_buffer" {
            wrong.push(format!("{name}: no expected error"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Writes the hand-made TLS seeds into the corpora (run after changing
/// `fuzz/seeds/tls.rs`, then commit the files).
#[test]
#[ignore]
fn write_tls_seeds() {
    tls_seeds::write(Path::new(env!("CARGO_MANIFEST_DIR")));
}
