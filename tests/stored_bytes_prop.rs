//! Bytes the firmware reads back from flash or receives from a caller
//! never panic the parsers: the Auto decision cache and PEM/DER bundles.

use modemtls::auto::PathCache;
use modemtls::pki::TrustAnchors;
use modemtls::session::PathReason;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Arbitrary bytes, and saved caches with arbitrary damage: restore
    /// returns an error or a cache, never panics; an undamaged save restores
    /// to the same entries.
    #[test]
    fn cache_restore_never_panics(
        noise in proptest::collection::vec(any::<u8>(), 0..80),
        hosts in proptest::collection::vec("[a-z]{1,12}\\.test", 0..10),
        flip in any::<(usize, u8)>(),
    ) {
        let _ = PathCache::<8>::restore(&noise);
        let mut c: PathCache<8> = PathCache::new();
        for (i, h) in hosts.iter().enumerate() {
            let reason = PathReason::from_number((i % 13) as u8).unwrap_or(PathReason::Cached);
            c.remember(h, 443, reason);
        }
        let mut buf = [0u8; PathCache::<8>::SERIALIZED_MAX];
        let n = c.save(&mut buf).unwrap();
        let back: PathCache<8> = PathCache::restore(&buf[..n]).unwrap();
        prop_assert_eq!(back.entries(), c.entries());
        let (at, x) = flip;
        if x != 0 {
            buf[at % n] ^= x;
            let _ = PathCache::<8>::restore(&buf[..n]);
        }
    }

    /// CA bundles: random bytes, random text around PEM armour.
    #[test]
    fn trust_bundle_never_panics(
        noise in proptest::collection::vec(any::<u8>(), 0..400),
        body in "[A-Za-z0-9+/=\\r\\n -]{0,300}",
    ) {
        let mut storage = [0u8; 512];
        let _ = TrustAnchors::<4>::from_bundle(&noise, &mut storage);
        let pem = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        let mut storage = [0u8; 512];
        let _ = TrustAnchors::<4>::from_bundle(pem.as_bytes(), &mut storage);
        let mut small = [0u8; 8];
        let _ = TrustAnchors::<4>::from_bundle(pem.as_bytes(), &mut small);
    }
}
