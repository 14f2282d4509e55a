//! `cargo +nightly fuzz run at_feed`: the AT engine must never panic and
//! must always make progress, whatever the modem sends and however the
//! bytes are split. The first input byte chooses the split size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modemtls::at::Engine;
use modemtls::modem::quectel::QuectelDialect;

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else { return };
    let step = usize::from(split).max(1);
    let mut e = Engine::new(QuectelDialect);
    for piece in data.chunks(step) {
        let mut rest = piece;
        while !rest.is_empty() {
            let (n, ev) = e.feed(rest);
            assert!(n <= rest.len());
            assert!(n > 0 || ev.is_some());
            rest = &rest[n..];
        }
    }
});
