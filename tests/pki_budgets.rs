//! Hostile chains against the verifier's work bounds: a server that sends
//! the most certificates a Certificate message may carry, arranged so that
//! path building has the most choices and every choice costs signatures,
//! must get a clean refusal, quickly, never an acceptance.

mod pki_support;

use std::time::{Duration, Instant};

use modemtls::pki::{PkiError, PkiVerifier, TrustAnchors, Validity, MAX_CHAIN_LEN};
use pki_support::*;

/// Verifies `chain` against `root` for `localhost`; the verdict and the time.
fn verify(root: &[u8], chain: &[Vec<u8>]) -> (Result<(), PkiError>, Duration) {
    let mut anchors: TrustAnchors<'_, 2> = TrustAnchors::new();
    anchors.add_der(root).unwrap();
    let v = PkiVerifier::new(anchors.as_slice(), Validity::At(now()))
        .with_server_name("localhost")
        .unwrap();
    let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let start = Instant::now();
    let r = v.verify_chain(&refs).map(drop);
    (r, start.elapsed())
}

/// `n` CAs all named "Loop", the first issued by `top` (self-signed
/// without one), each next by the one before, and a server certificate
/// for `localhost` issued by the last.
fn ca_line(top: Option<&Cred>, n: usize) -> (Vec<Cred>, Cred) {
    let mut cas: Vec<Cred> = Vec::new();
    while cas.len() < n {
        let issuer = cas.last().or(top);
        cas.push(issue(&Spec::ca("Loop"), gen_key(KeyKind::P256), issuer));
    }
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        cas.last(),
    );
    (cas, leaf)
}

/// Fifteen CAs that all carry the same name and all name themselves as
/// issuer, under an anchor of that name with another key: every ordering
/// of them is a candidate path, and each reaches the anchor's name, so
/// each costs signature checks. The budgets end it.
#[test]
fn fifteen_look_alike_cas_are_refused_within_the_budgets() {
    let impostor_root = issue(&Spec::ca("Loop"), gen_key(KeyKind::P256), None);
    let (cas, leaf) = ca_line(None, MAX_CHAIN_LEN - 1);
    let mut chain = vec![der(&leaf.cert)];
    chain.extend(cas.iter().rev().map(|c| der(&c.cert)));
    assert_eq!(chain.len(), MAX_CHAIN_LEN);
    let (r, took) = verify(&der(&impostor_root.cert), &chain);
    assert!(
        matches!(
            r,
            Err(PkiError::PathTooComplex | PkiError::BadChainSignature | PkiError::UnknownIssuer)
        ),
        "{r:?}"
    );
    // A hang detector, not a benchmark: the signature budget (32 P-256
    // verifications) takes well under a second even unoptimised.
    assert!(took < Duration::from_secs(30), "{took:?}");
}

/// The same look-alikes with the real anchor: a valid path exists among
/// them (leaf, its issuer, ... up to the one the root signed), and it is
/// found when it is no longer than six intermediates.
#[test]
fn a_valid_path_among_look_alikes_is_found() {
    let root = issue(&Spec::ca("Loop"), gen_key(KeyKind::P256), None);
    let (cas, leaf) = ca_line(Some(&root), 3);
    // Unrelated look-alikes first, in the way of the search: each costs
    // one signature per level, and no search above it.
    let mut chain = vec![der(&leaf.cert)];
    for _ in 0..3 {
        let decoy = issue(&Spec::ca("Loop"), gen_key(KeyKind::P256), Some(&root));
        chain.push(der(&decoy.cert));
    }
    chain.extend(cas.iter().map(|c| der(&c.cert)));
    let (r, took) = verify(&der(&root.cert), &chain);
    assert_eq!(r, Ok(()));
    assert!(took < Duration::from_secs(30), "{took:?}");
}

/// More certificates than a chain may hold: refused before any work.
#[test]
fn more_than_max_chain_len_certificates_are_refused() {
    let root = issue(&Spec::ca("Root"), gen_key(KeyKind::P256), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let chain: Vec<Vec<u8>> = std::iter::repeat_n(der(&leaf.cert), MAX_CHAIN_LEN + 1).collect();
    let (r, _) = verify(&der(&root.cert), &chain);
    assert_eq!(r, Err(PkiError::PathTooComplex));
}
