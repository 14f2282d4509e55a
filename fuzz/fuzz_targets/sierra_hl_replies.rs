//! `cargo +nightly fuzz run sierra_hl_replies`: the Sierra HL8548/HL78xx
//! driver fed arbitrary modem output; never a panic, never command text
//! where the modem waits for data (harness:
//! `fuzz/harness/sierra_hl_replies.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/sierra_hl_replies.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
