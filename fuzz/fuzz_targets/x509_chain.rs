//! `cargo +nightly fuzz run x509_chain`: certificate chain verification
//! on hostile certificates (harness: `fuzz/harness/x509_chain.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/x509_chain.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
