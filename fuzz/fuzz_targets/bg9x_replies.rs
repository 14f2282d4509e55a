//! `cargo +nightly fuzz run bg9x_replies`: the BG9x driver fed arbitrary
//! modem output; never a panic, never command text where the modem waits
//! for payload (harness: `fuzz/harness/bg9x_replies.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/bg9x_replies.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
