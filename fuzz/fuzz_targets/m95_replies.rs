//! `cargo +nightly fuzz run m95_replies`: the M66/M95 driver fed arbitrary
//! modem output; never a panic, never command text where the modem waits
//! for payload (harness: `fuzz/harness/m95_replies.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/m95_replies.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
