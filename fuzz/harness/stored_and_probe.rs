//! Three small parsers of outside bytes in one harness (the cargo-fuzz
//! target `fuzz/fuzz_targets/stored_and_probe.rs` and `tests/fuzz_corpus.rs`):
//! the probe's reading of a server's answer (`probe::ResponseParser`), the
//! Auto decision cache read back from flash (`PathCache::restore`), and a
//! CA bundle from the caller (`TrustAnchors::from_bundle`).
//!
//! Input: a selector byte (which parser, and for the probe the size of the
//! pieces), then the bytes. Checked: no panic; the probe's verdict does not
//! depend on how the answer is cut and, once given, never changes; a cache
//! that restores saves to bytes that restore to the same entries.

use modemtls::auto::PathCache;
use modemtls::pki::TrustAnchors;
use modemtls::probe::ResponseParser;

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    match sel % 3 {
        0 => {
            let step = usize::from(sel / 3).max(1);
            let mut p = ResponseParser::new();
            let mut verdict = None;
            for piece in data.chunks(step) {
                let got = p.feed(piece);
                if verdict.is_some() {
                    assert_eq!(got, verdict, "a verdict changed");
                }
                verdict = verdict.or(got);
            }
            assert_eq!(
                ResponseParser::new().feed(data),
                verdict,
                "the cut changed the verdict"
            );
        }
        1 => {
            if let Ok(c) = PathCache::<8>::restore(data) {
                let mut buf = [0u8; PathCache::<8>::SERIALIZED_MAX];
                let n = c.save(&mut buf).expect("a restored cache saves");
                let back = PathCache::<8>::restore(&buf[..n]).expect("its save restores");
                assert_eq!(back.entries(), c.entries());
            }
        }
        _ => {
            let mut storage = vec![0u8; usize::from(sel).saturating_mul(16)];
            let _ = TrustAnchors::<8>::from_bundle(data, &mut storage);
        }
    }
}
