//! Certificate chain verification (`pki::PkiVerifier::verify_chain`) on
//! hostile certificates. Shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/x509_chain.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`).
//!
//! Input: up to [`MAX_CERTS`] certificates, each a 2-byte big-endian
//! length then that many bytes (a length past the end takes what is
//! left). The chain (leaf first) is verified for [`NAME`] at [`TIME`]
//! against the fixed anchor [`ROOT`] (an openssl-issued P-256 root, see
//! `fuzz/seeds/x509_chain.sh`), once with the clock and once with
//! unchecked validity; then the first certificate is taken as a second
//! anchor and the rest verified as the chain. Checked: no panic, and an
//! accepted chain's returned key lies inside the leaf's bytes.

use modemtls::pki::{PkiError, PkiVerifier, TrustAnchors, Validity};

/// The fixed trust anchor ("Fuzz Root").
pub const ROOT: &[u8] = include_bytes!("../seeds/x509_chain/root.der");
/// The server name every chain is verified for (the seed leaves' SAN).
pub const NAME: &str = "device.example.com";
/// The validation time: 2027-06-01T00:00:00Z (the seeds are valid
/// 2026-01-01 .. 2046-01-01).
pub const TIME: u64 = 1_811_808_000;
/// Most certificates taken from one input.
pub const MAX_CERTS: usize = 4;

/// What the verifier said about one input.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    /// The whole chain against [`ROOT`] at [`TIME`].
    pub fixed_root: Result<(), PkiError>,
    /// The rest of the chain against the first certificate (and
    /// [`ROOT`]); `None` with fewer than two certificates or when the
    /// first is no usable anchor.
    pub first_as_anchor: Option<Result<(), PkiError>>,
}

/// The certificates of an input (see the module docs).
pub fn split(mut data: &[u8]) -> Vec<&[u8]> {
    let mut certs = Vec::new();
    while certs.len() < MAX_CERTS {
        let [hi, lo, rest @ ..] = data else {
            break;
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (cert, tail) = rest.split_at(len);
        certs.push(cert);
        data = tail;
    }
    certs
}

/// Verifies `chain` against `anchors` as the module docs say; checks the
/// returned key.
fn verify(
    anchors: &TrustAnchors<'_, 2>,
    chain: &[&[u8]],
    validity: Validity,
) -> Result<(), PkiError> {
    let verifier = PkiVerifier::new(anchors.as_slice(), validity).with_server_name(NAME)?;
    let spki = verifier.verify_chain(chain)?;
    let leaf = chain.first().expect("an accepted chain has a leaf");
    let (start, end) = (leaf.as_ptr() as usize, leaf.as_ptr() as usize + leaf.len());
    let at = spki.as_ptr() as usize;
    assert!(
        at >= start && at + spki.len() <= end && !spki.is_empty(),
        "the returned key is not inside the leaf"
    );
    Ok(())
}

/// Runs one input and says what the verifier decided.
pub fn run_report(data: &[u8]) -> Report {
    let certs = split(data);
    let mut fixed: TrustAnchors<'_, 2> = TrustAnchors::new();
    fixed.add_der(ROOT).expect("the fixed root parses");
    let fixed_root = verify(&fixed, &certs, Validity::At(TIME));
    // Without a clock: the same chain, checked at the latest notBefore
    // of the certificates sent (an extra certificate the path does not
    // use counts too, so this verdict may differ from the one above).
    let _ = verify(&fixed, &certs, Validity::InsecureUncheckedValidity);
    let first_as_anchor = match certs.split_first() {
        Some((first, rest)) if !rest.is_empty() => {
            let mut anchors: TrustAnchors<'_, 2> = TrustAnchors::new();
            match anchors.add_der(first) {
                Ok(()) => {
                    anchors.add_der(ROOT).expect("room for the fixed root");
                    Some(verify(&anchors, rest, Validity::At(TIME)))
                }
                Err(_) => None,
            }
        }
        _ => None,
    };
    Report {
        fixed_root,
        first_as_anchor,
    }
}

/// Run one input (see the module docs).
pub fn run(data: &[u8]) {
    let _ = run_report(data);
}
