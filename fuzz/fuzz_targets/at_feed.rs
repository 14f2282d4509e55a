//! `cargo +nightly fuzz run at_feed`: the AT engine in every family's
//! dialect must never panic, always make progress and give the same events
//! however the bytes are split (harness: `fuzz/harness/at_feed.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/at_feed.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
