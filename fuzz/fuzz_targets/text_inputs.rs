//! `cargo +nightly fuzz run text_inputs`: a pasted `+KHTTPS_ERROR` log line
//! and a PEM credential decoded in a stream (harness:
//! `fuzz/harness/text_inputs.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/text_inputs.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
