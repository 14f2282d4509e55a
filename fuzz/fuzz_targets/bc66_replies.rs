//! `cargo +nightly fuzz run bc66_replies`: the BC66 driver fed arbitrary
//! modem output; never a panic, never command text where the modem waits
//! for payload (harness: `fuzz/harness/bc66_replies.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/bc66_replies.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
