//! `cargo +nightly fuzz run tls_plaintexts`: the TLS 1.3 engine fed
//! authentic records (real keys) with arbitrary inner plaintexts. Harness
//! and its checks: `fuzz/harness/tls_plaintexts.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/tls_plaintexts.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
