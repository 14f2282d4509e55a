//! The TLS 1.3 engine (`modemtls::tls::Client`) fed arbitrary server
//! bytes: the fuzz harness shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/tls_server_bytes.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`).
//!
//! This is what anyone on the path can send: the client (a fixed
//! generator seed, so its ClientHello and key share are the same in every
//! run; `RustCryptoP256`) has written its real ClientHello, and whatever
//! comes back is taken as the server's bytes, handed over in pieces of
//! arbitrary sizes (`rx_space`/`rx_commit`/`poll`/`read_app`/`transmit`),
//! then `eof`. Because the client is always the same, an input can hold a
//! server's authentic answer (the seeds do: `fuzz/seeds/tls.rs` records
//! what the `tls_plaintexts` harness's server says), and its mutants
//! reach every state of the handshake.
//!
//! Input: a config byte (`tls_common::Setup`: receive buffer size,
//! resumption, ALPN, SNI, certificate or CertificateVerify refused by the
//! `ServerAuth`), a plan byte (`tls_common::Plan`: the sizes of the
//! pieces), then the server's bytes. Checked: the invariants of
//! `tls_common` (no panic; one error, the same from every call after it;
//! at most one alert record after it, and the right alert when it is in
//! plaintext; no data before the handshake ends; no empty `rx_space`
//! while the engine waits for bytes; no session without an accepted
//! certificate), and that the client only ever sends well-formed records:
//! ClientHellos in plaintext, nothing else in plaintext but the last
//! record (an alert), and everything encrypted once it has the server's
//! key share.

// Shared with the other TLS harness (the corpus test loads both).
#[allow(clippy::duplicate_mod)]
#[path = "tls_common.rs"]
mod tls_common;

use modemtls::tls::Ticket;
use tls_common::{record, Driver, Plan, Setup, CLIENT_SEED};

/// What a run ended with (for the corpus test's coverage checks).
#[derive(Debug, Default)]
pub struct Report {
    /// The handshake completed.
    pub connected: bool,
    /// Application data bytes read.
    pub app: usize,
    /// The error the engine ended with (always one: `eof` at the end).
    pub error: Option<modemtls::tls::Error>,
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    run_report(data);
}

/// [`run`], telling how far the client got.
pub fn run_report(data: &[u8]) -> Report {
    let [config, plan, ref server @ ..] = *data else {
        return Report::default();
    };
    let setup = Setup::new(config);
    let mut rx = vec![0u8; setup.rx_len];
    let mut ticket = Ticket::new();
    let mut state = modemtls::tls::ClientState::new();
    let tls = setup.client(&mut state, &mut rx, &mut ticket, CLIENT_SEED);
    let mut d = Driver::new(tls, setup.client_config(), setup.auth(), Plan::new(plan));
    d.feed(server);
    d.finish();
    check_sent(&d.sent, d.tls.suite().is_some());
    let report = Report {
        connected: d.connected,
        app: d.app.len(),
        error: d.error(),
    };
    drop(d);
    if ticket.is_valid() {
        assert!(setup.resumption, "a ticket kept without resumption");
    }
    report
}

/// The client's records: whole; plaintext ClientHellos (at most two)
/// first, a plaintext alert only last; encrypted records only after
/// ServerHello (`keyed`: the client has the handshake keys).
fn check_sent(mut sent: &[u8], keyed: bool) {
    let mut hellos = 0;
    let mut encrypted = false;
    while !sent.is_empty() {
        let (ty, len) =
            record(sent).unwrap_or_else(|| panic!("a partial record sent: {sent:02x?}"));
        let rest = &sent[5 + len..];
        match ty {
            22 => {
                assert!(
                    !encrypted,
                    "a plaintext handshake record after encrypted ones"
                );
                assert_eq!(
                    sent.get(5),
                    Some(&1),
                    "a plaintext handshake record that is not a ClientHello"
                );
                hellos += 1;
                assert!(hellos <= 2, "a third ClientHello");
            }
            21 => {
                assert!(!encrypted, "a plaintext alert after encrypted records");
                assert!(rest.is_empty(), "records after a plaintext alert");
                assert_eq!(len, 2);
            }
            23 => {
                assert!(keyed, "an encrypted record from a client without keys");
                assert!(len > 16 && len <= 16_384 + 256);
                encrypted = true;
            }
            t => panic!("the client sent a record of type {t}"),
        }
        sent = rest;
    }
    assert!(hellos >= 1, "no ClientHello sent");
}
