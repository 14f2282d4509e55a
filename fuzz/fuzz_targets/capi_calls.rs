//! `cargo +nightly fuzz run capi_calls`: the C ABI called in arbitrary
//! sequences with arbitrary arguments and modem answers (harness:
//! `fuzz/harness/capi_calls.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/capi_calls.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
