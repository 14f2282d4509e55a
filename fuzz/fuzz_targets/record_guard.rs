//! `cargo +nightly fuzz run record_guard`: the host path's record guard fed
//! arbitrary server bytes after a real ServerHello (harness and its checks:
//! `fuzz/harness/record_guard.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/record_guard.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
