//! `cargo +nightly fuzz run tls_server_bytes`: the TLS 1.3 engine fed
//! arbitrary server bytes after its real ClientHello. Harness and its
//! checks: `fuzz/harness/tls_server_bytes.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/tls_server_bytes.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
