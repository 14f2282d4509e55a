//! `cargo +nightly fuzz run stored_and_probe`: the probe's reading of a
//! server answer, the saved Auto cache and CA bundles (harness:
//! `fuzz/harness/stored_and_probe.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/stored_and_probe.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
