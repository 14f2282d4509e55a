//! `cargo +nightly fuzz run dual_replies`: each family's blocking driver
//! and its async twin fed the same arbitrary modem output; they must
//! write the same UART bytes and return the same results (harness:
//! `fuzz/harness/dual_replies.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/dual_replies.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
