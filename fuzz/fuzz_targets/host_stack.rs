//! `cargo +nightly fuzz run host_stack`: the host path's record guard and
//! embedded-tls behind `host::Transport`, fed arbitrary server bytes (what
//! an on-path attacker without keys can send). Harness and its checks:
//! `fuzz/harness/host_stack.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/host_stack.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
