//! `cargo +nightly fuzz run saved_ticket`: a saved session ticket read
//! back (harness: `fuzz/harness/saved_ticket.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/saved_ticket.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
