//! Differential test of certificate chain verification: for a few hundred
//! chains built with OpenSSL (a deterministic list of single faults and a
//! seeded random mix), `modemtls::pki::PkiVerifier::verify_chain` must give
//! the verdict `rustls-webpki` 0.103 gives when called directly with the
//! same signature algorithms (`CHAIN_ALGORITHMS`), anchors, time and
//! server name: the same acceptance, and for a rejection the same class of
//! error (webpki's error mapped to a `PkiError` by [`class`]).
//!
//! Cases with several faults at once compare acceptance only (which fault
//! a verifier reports first is its own business). The few intended
//! differences are listed in [`ALLOWED`], each with its reason. A case
//! whose expected webpki verdict is written down (`expect`) also checks
//! that verdict, so the test cannot pass by both sides rejecting
//! everything.

mod pki_support;

use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509NameBuilder;
use pki_support::*;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use modemtls::pki::{PkiError, PkiVerifier, TrustAnchors, Validity, CHAIN_ALGORITHMS};

const HOST: &str = "a.example.com";
const YEAR: i64 = 365 * DAY;

// ---------------------------------------------------------------- verdicts

/// webpki's error as a `PkiError` class (what `impl From<webpki::Error> for
/// PkiError` did while the library used webpki).
fn class(e: webpki::Error) -> PkiError {
    use webpki::Error as E;
    #[allow(deprecated)]
    match e {
        E::CertNotValidForName(_) => PkiError::WrongHost,
        E::CertExpired { time, not_after } => PkiError::Expired {
            now: time.as_secs(),
            not_after: not_after.as_secs(),
        },
        E::CertNotValidYet { time, not_before } => PkiError::NotYetValid {
            now: time.as_secs(),
            not_before: not_before.as_secs(),
        },
        E::UnknownIssuer => PkiError::UnknownIssuer,
        E::EndEntityUsedAsCa => PkiError::IssuerNotCa,
        E::CaUsedAsEndEntity => PkiError::CaUsedAsEndEntity,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            PkiError::NoServerAuthEku
        }
        E::InvalidSignatureForPublicKey => PkiError::BadChainSignature,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => PkiError::UnsupportedAlgorithm,
        E::PathLenConstraintViolated | E::NameConstraintViolation => PkiError::ConstraintViolation,
        E::MaximumPathBuildCallsExceeded
        | E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => PkiError::PathTooComplex,
        E::BadDer
        | E::BadDerTime
        | E::ExtensionValueInvalid
        | E::InvalidCertValidity
        | E::InvalidSerialNumber
        | E::MalformedExtensions
        | E::MalformedDnsIdentifier
        | E::MalformedNameConstraint
        | E::TrailingData(_)
        | E::UnsupportedCertVersion
        | E::UnsupportedCriticalExtension
        | E::SignatureAlgorithmMismatch => PkiError::MalformedCertificate,
        _ => PkiError::ChainInvalid,
    }
}

/// The reference verdict: rustls-webpki called directly.
fn webpki_verdict(c: &Case, time: u64) -> Result<(), PkiError> {
    let anchor_ders: Vec<CertificateDer<'_>> = c
        .anchors
        .iter()
        .map(|a| CertificateDer::from(a.as_slice()))
        .collect();
    let mut anchors = Vec::new();
    for a in &anchor_ders {
        anchors.push(webpki::anchor_from_trusted_cert(a).map_err(|_| PkiError::BadTrustAnchor)?);
    }
    if anchors.is_empty() {
        return Err(PkiError::NoTrustAnchors);
    }
    let name = ServerName::try_from(c.host.as_str()).map_err(|_| PkiError::InvalidServerName)?;
    let ders: Vec<CertificateDer<'_>> = c
        .chain
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let (leaf, intermediates) = ders.split_first().ok_or(PkiError::EmptyCertificateChain)?;
    let ee = webpki::EndEntityCert::try_from(leaf).map_err(class)?;
    ee.verify_for_usage(
        CHAIN_ALGORITHMS,
        &anchors,
        intermediates,
        UnixTime::since_unix_epoch(Duration::from_secs(time)),
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(class)?;
    ee.verify_is_valid_for_subject_name(&name).map_err(class)
}

/// modemtls's verdict through its public API; the leaf SPKI on success.
fn modemtls_verdict(c: &Case, time: u64) -> Result<Vec<u8>, PkiError> {
    let mut anchors: TrustAnchors<'_, 8> = TrustAnchors::new();
    for a in &c.anchors {
        anchors.add_der(a)?;
    }
    let verifier =
        PkiVerifier::new(anchors.as_slice(), Validity::At(time)).with_server_name(&c.host)?;
    let chain: Vec<&[u8]> = c.chain.iter().map(|d| d.as_slice()).collect();
    verifier.verify_chain(&chain).map(|spki| spki.to_vec())
}

// ---------------------------------------------------------------- cases

/// What a case compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    /// Acceptance, and the error class of a rejection.
    Class,
    /// Acceptance only (several faults at once).
    Verdict,
    /// A certificate changed after signing: acceptance only, and modemtls
    /// must reject.
    Corrupted,
}

#[derive(Clone)]
struct Case {
    name: String,
    anchors: Vec<Vec<u8>>,
    /// Leaf first.
    chain: Vec<Vec<u8>>,
    host: String,
    compare: Compare,
    /// webpki's verdict written down (a documented behaviour the new
    /// verifier must match): `Ok(())` or the error class.
    expect: Option<Result<(), PkiError>>,
    /// The leaf's subjectPublicKeyInfo DER.
    leaf_spki: Vec<u8>,
}

/// An intended difference: the case, what may differ, and why.
struct Allowed {
    case: &'static str,
    kind: AllowedKind,
    reason: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AllowedKind {
    /// modemtls may reject (with any error) where webpki accepts, or
    /// reject with another class.
    NewMayReject,
    /// Both reject, with different classes.
    ClassMayDiffer,
}

/// The intended differences between the project's verifier and webpki.
const ALLOWED: &[Allowed] = &[
    Allowed {
        case: "nc_intermediate_directory_name",
        kind: AllowedKind::NewMayReject,
        reason: "name constraints of types other than dNSName/iPAddress (here directoryName) \
                 are not evaluated by the project's verifier, which refuses such a CA instead",
    },
    Allowed {
        case: "nc_intermediate_rfc822",
        kind: AllowedKind::NewMayReject,
        reason: "an rfc822Name constraint (a type other than dNSName/iPAddress): the project's \
                 verifier refuses such a CA",
    },
    Allowed {
        case: "nc_root_uri",
        kind: AllowedKind::NewMayReject,
        reason: "a uniformResourceIdentifier constraint on the anchor: the project's verifier \
                 refuses such an anchor",
    },
    Allowed {
        case: "ku_ca_without_certsign",
        kind: AllowedKind::NewMayReject,
        reason: "a CA whose keyUsage lacks keyCertSign: RFC 5280 4.2.1.3 forbids it to sign \
                 certificates; rustls-webpki 0.103 ignores keyUsage, the project's verifier \
                 (like webpki's later releases) refuses the issuer",
    },
    Allowed {
        case: "nc_bad_ip_mask_length",
        kind: AllowedKind::ClassMayDiffer,
        reason: "an iPAddress constraint of 5 bytes (neither 8 nor 32): webpki's generic \
                 error, the project's ConstraintViolation (both refuse)",
    },
    Allowed {
        case: "ee_v1_leaf",
        kind: AllowedKind::ClassMayDiffer,
        reason: "a v1 leaf: webpki says UnsupportedCertVersion (malformed); reporting it as an \
                 unsupported certificate is as useful",
    },
];

/// The key pool (key generation, RSA above all, is the slow part).
struct Keys {
    p256: Vec<PKey<Private>>,
    p384: PKey<Private>,
    rsa2048: Vec<PKey<Private>>,
    rsa4096: PKey<Private>,
    rsa1024: PKey<Private>,
}

impl Keys {
    fn new() -> Self {
        Keys {
            p256: (0..6).map(|_| gen_key(KeyKind::P256)).collect(),
            p384: gen_key(KeyKind::P384),
            rsa2048: (0..2).map(|_| gen_key(KeyKind::Rsa(2048))).collect(),
            rsa4096: gen_key(KeyKind::Rsa(4096)),
            rsa1024: gen_key(KeyKind::Rsa(1024)),
        }
    }
    /// A P-256 key for position `i` of a chain.
    fn ec(&self, i: usize) -> PKey<Private> {
        self.p256[i % self.p256.len()].clone()
    }
}

/// A linear hierarchy, root first, leaf last.
struct Pki {
    specs: Vec<Spec>,
    keys: Vec<PKey<Private>>,
}

impl Pki {
    /// Root, `n` intermediates, a leaf for [`HOST`]; P-256 everywhere.
    fn new(k: &Keys, n: usize) -> Self {
        let mut specs = vec![Spec::ca("Root CA")];
        for i in 0..n {
            specs.push(Spec::ca(&format!("Intermediate {}", i + 1)));
        }
        specs.push(Spec::server(HOST, &[HOST]));
        let keys = (0..specs.len()).map(|i| k.ec(i)).collect();
        Pki { specs, keys }
    }
    fn leaf(&mut self) -> &mut Spec {
        self.specs.last_mut().expect("leaf")
    }
    fn root(&mut self) -> &mut Spec {
        &mut self.specs[0]
    }
    /// Intermediate `i` (1 is the root's child).
    fn int(&mut self, i: usize) -> &mut Spec {
        assert!(i >= 1 && i < self.specs.len() - 1);
        &mut self.specs[i]
    }
    fn issue(&self) -> Vec<Cred> {
        let mut out: Vec<Cred> = Vec::new();
        for (spec, key) in self.specs.iter().zip(&self.keys) {
            let c = issue(spec, key.clone(), out.last());
            out.push(c);
        }
        out
    }
    /// The case: anchor = root, chain = leaf then intermediates upwards.
    fn case(&self, name: &str) -> (Case, Vec<Cred>) {
        let creds = self.issue();
        let c = case_of(name, &creds);
        (c, creds)
    }
}

fn case_of(name: &str, creds: &[Cred]) -> Case {
    let leaf = creds.last().expect("leaf");
    Case {
        name: name.into(),
        anchors: vec![der(&creds[0].cert)],
        chain: creds[1..].iter().rev().map(|c| der(&c.cert)).collect(),
        host: HOST.into(),
        compare: Compare::Class,
        expect: None,
        leaf_spki: leaf.cert.public_key().unwrap().public_key_to_der().unwrap(),
    }
}

fn with_expect(mut c: Case, e: Result<(), PkiError>) -> Case {
    c.expect = Some(e);
    c
}

const OK: Result<(), PkiError> = Ok(());

// ---- name constraints (DER written here: OpenSSL has no builder for them)

fn gn_dns(s: &str) -> Vec<u8> {
    tlv(0x82, s.as_bytes())
}
fn gn_ip(addr_mask: &[u8]) -> Vec<u8> {
    tlv(0x87, addr_mask)
}
fn gn_email(s: &str) -> Vec<u8> {
    tlv(0x81, s.as_bytes())
}
fn gn_uri(s: &str) -> Vec<u8> {
    tlv(0x86, s.as_bytes())
}
fn gn_dirname(cn: &str) -> Vec<u8> {
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_text("O", cn).unwrap();
    tlv(0xa4, &n.build().to_der().unwrap())
}
/// A NameConstraints value.
fn nc(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let subtrees = |tag: u8, names: &[Vec<u8>]| {
        if names.is_empty() {
            return vec![];
        }
        let trees: Vec<u8> = names.iter().flat_map(|g| tlv(0x30, g)).collect();
        tlv(tag, &trees)
    };
    tlv(
        0x30,
        &[subtrees(0xa0, permitted), subtrees(0xa1, excluded)].concat(),
    )
}

const UNKNOWN_OID: &str = "1.3.6.1.4.1.55555.1.1";

fn unknown_ext(critical: bool) -> (String, bool, Vec<u8>) {
    (UNKNOWN_OID.into(), critical, vec![0x05, 0x00])
}

fn expired(s: &mut Spec) {
    s.not_before = -10 * DAY;
    s.not_after = -2 * DAY;
}
fn not_yet(s: &mut Spec) {
    s.not_before = 2 * DAY;
    s.not_after = 10 * DAY;
}

/// The deterministic list: one fault per case (or none) unless said.
fn deterministic(k: &Keys) -> Vec<Case> {
    use PkiError as E;
    let mut v: Vec<Case> = Vec::new();

    // ---- path shapes
    for n in 0..=7 {
        let (c, _) = Pki::new(k, n).case(&format!("depth_{n}_intermediates"));
        // webpki allows at most 6 CAs below the anchor.
        let e = if n <= 6 { OK } else { Err(E::PathTooComplex) };
        v.push(with_expect(c, e));
    }
    {
        let (mut c, _) = Pki::new(k, 3).case("wrong_order");
        c.chain[1..].reverse();
        v.push(with_expect(c, OK));
        let (mut c, _) = Pki::new(k, 2).case("duplicated_intermediates");
        let dup = c.chain.clone();
        c.chain.extend_from_slice(&dup[1..]);
        v.push(with_expect(c, OK));
        let (mut c, creds) = Pki::new(k, 2).case("root_sent_too");
        c.chain.push(der(&creds[0].cert));
        v.push(with_expect(c, OK));
        let (mut c, _) = Pki::new(k, 1).case("unrelated_extra_certs");
        let (other, _) = Pki::new(k, 2).case("other");
        c.chain.splice(1..1, other.chain.iter().cloned());
        v.push(with_expect(c, OK));
        let (mut c, _) = Pki::new(k, 2).case("missing_intermediate_top");
        c.chain.pop();
        v.push(with_expect(c, Err(E::UnknownIssuer)));
        let (mut c, _) = Pki::new(k, 2).case("missing_intermediate_bottom");
        c.chain.remove(1);
        v.push(with_expect(c, Err(E::UnknownIssuer)));
        let (mut c, _) = Pki::new(k, 0).case("leaf_only_unknown_root");
        let mut other = Pki::new(k, 0);
        other.keys[0] = k.p256[5].clone();
        other.root().cn = "Other Root".into();
        c.anchors = other.case("other").0.anchors;
        v.push(with_expect(c, Err(E::UnknownIssuer)));
        let (mut c, _) = Pki::new(k, 1).case("empty_chain");
        c.chain.clear();
        v.push(with_expect(c, Err(E::EmptyCertificateChain)));
    }
    {
        // Several anchors, the right one last.
        let (mut c, _) = Pki::new(k, 1).case("several_anchors");
        let (o1, _) = Pki::new(k, 0).case("o1");
        let mut o2 = Pki::new(k, 0);
        o2.root().cn = "Other Root".into();
        let (o2, _) = o2.case("o2");
        c.anchors
            .splice(0..0, [o1.anchors[0].clone(), o2.anchors[0].clone()]);
        v.push(with_expect(c, OK));
    }
    {
        // An impostor root: the same name, another key.
        let (mut c, _) = Pki::new(k, 1).case("impostor_root");
        let mut imp = Pki::new(k, 0);
        imp.keys[0] = k.p256[5].clone();
        let (imp, _) = imp.case("impostor");
        c.anchors = imp.anchors.clone();
        // webpki reports the signature that fails under the anchor of
        // the right name, not an unknown issuer.
        v.push(with_expect(c, Err(E::BadChainSignature)));
        // Both the impostor and the real root trusted.
        let (mut c, _) = Pki::new(k, 1).case("impostor_and_real_root");
        c.anchors.insert(0, imp.anchors[0].clone());
        v.push(with_expect(c, OK));
    }
    {
        // Cross-signing: "Intermediate 1" (one key) issued by two roots
        // of different names; only one root is trusted.
        let p = Pki::new(k, 1);
        let creds = p.issue();
        let other = issue(&Spec::ca("Cross Root"), k.p256[5].clone(), None);
        let cross = issue(&p.specs[1], p.keys[1].clone(), Some(&other));
        let mut c = case_of("cross_signed_untrusted_first", &creds);
        c.chain = vec![der(&creds[2].cert), der(&cross.cert), der(&creds[1].cert)];
        v.push(with_expect(c, OK));
        let mut c = case_of("cross_signed_other_root_trusted", &creds);
        c.chain = vec![der(&creds[2].cert), der(&creds[1].cert), der(&cross.cert)];
        c.anchors = vec![der(&other.cert)];
        v.push(with_expect(c, OK));
        let mut c = case_of("cross_signed_neither_trusted", &creds);
        c.chain = vec![der(&creds[2].cert), der(&creds[1].cert), der(&cross.cert)];
        c.anchors = vec![der(&issue(
            &Spec::ca("Third Root"),
            k.p256[4].clone(),
            None,
        )
        .cert)];
        v.push(with_expect(c, Err(E::UnknownIssuer)));
    }

    // ---- basicConstraints
    let one = |v: &mut Vec<Case>,
               name: &str,
               n: usize,
               f: &dyn Fn(&mut Pki),
               e: Option<Result<(), PkiError>>| {
        let mut p = Pki::new(k, n);
        f(&mut p);
        let (mut c, _) = p.case(name);
        c.expect = e;
        v.push(c);
    };
    one(
        &mut v,
        "bc_absent_on_intermediate",
        1,
        &|p| p.int(1).ca = None,
        Some(Err(E::IssuerNotCa)),
    );
    one(
        &mut v,
        "bc_ca_false_intermediate",
        1,
        &|p| p.int(1).ca = Some(false),
        Some(Err(E::IssuerNotCa)),
    );
    one(
        &mut v,
        "bc_absent_on_root",
        1,
        &|p| p.root().ca = None,
        Some(OK),
    );
    one(
        &mut v,
        "bc_ca_false_root",
        1,
        &|p| p.root().ca = Some(false),
        Some(OK),
    );
    one(
        &mut v,
        "bc_leaf_ca_true",
        1,
        &|p| p.leaf().ca = Some(true),
        Some(Err(E::CaUsedAsEndEntity)),
    );
    one(
        &mut v,
        "bc_leaf_absent",
        1,
        &|p| p.leaf().ca = None,
        Some(OK),
    );
    for (len, depth) in [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (1, 3)] {
        // pathLen on the root, `depth` intermediates below it: not
        // enforced (an anchor is a name and a key: its own
        // basicConstraints, pathLen, keyUsage, EKU, validity and
        // extensions are not looked at).
        let e = OK;
        one(
            &mut v,
            &format!("pathlen_{len}_root_{depth}_below"),
            depth,
            &|p| p.root().path_len = Some(len as u32),
            Some(e),
        );
    }
    for (len, depth) in [(0, 1), (0, 2), (1, 2), (1, 3)] {
        // pathLen on intermediate 1, `depth - 1` intermediates below it.
        let e = if depth - 1 <= len {
            OK
        } else {
            Err(E::ConstraintViolation)
        };
        one(
            &mut v,
            &format!("pathlen_{len}_int1_{}_below", depth - 1),
            depth,
            &|p| p.int(1).path_len = Some(len as u32),
            Some(e),
        );
    }

    // ---- keyUsage (webpki ignores it)
    one(
        &mut v,
        "ku_ca_without_certsign",
        1,
        &|p| p.int(1).key_usage = Some(vec!["digitalSignature"]),
        Some(OK),
    );
    one(
        &mut v,
        "ku_root_without_certsign",
        1,
        &|p| p.root().key_usage = Some(vec!["cRLSign"]),
        Some(OK),
    );
    one(
        &mut v,
        "ku_ca_absent",
        1,
        &|p| p.int(1).key_usage = Some(vec![]),
        Some(OK),
    );
    one(
        &mut v,
        "ku_leaf_digital_signature_only",
        1,
        &|p| p.leaf().key_usage = Some(vec!["digitalSignature"]),
        Some(OK),
    );
    one(
        &mut v,
        "ku_leaf_key_encipherment_only",
        1,
        &|p| p.leaf().key_usage = Some(vec!["keyEncipherment"]),
        Some(OK),
    );
    one(
        &mut v,
        "ku_leaf_certsign",
        1,
        &|p| p.leaf().key_usage = Some(vec!["keyCertSign"]),
        Some(OK),
    );

    // ---- extendedKeyUsage
    one(
        &mut v,
        "eku_leaf_absent",
        1,
        &|p| p.leaf().server_auth = false,
        Some(OK),
    );
    one(&mut v, "eku_leaf_server_auth", 1, &|_| {}, Some(OK));
    one(
        &mut v,
        "eku_leaf_client_only",
        1,
        &|p| {
            p.leaf().server_auth = false;
            p.leaf().client_auth = true
        },
        Some(Err(E::NoServerAuthEku)),
    );
    one(
        &mut v,
        "eku_leaf_server_and_client",
        1,
        &|p| p.leaf().client_auth = true,
        Some(OK),
    );
    one(
        &mut v,
        "eku_leaf_any_only",
        1,
        &|p| {
            p.leaf().server_auth = false;
            p.leaf().extra_eku = vec!["anyExtendedKeyUsage"]
        },
        Some(Err(E::NoServerAuthEku)),
    );
    one(
        &mut v,
        "eku_leaf_code_signing_only",
        1,
        &|p| {
            p.leaf().server_auth = false;
            p.leaf().extra_eku = vec!["codeSigning"]
        },
        Some(Err(E::NoServerAuthEku)),
    );
    one(
        &mut v,
        "eku_intermediate_client_only",
        1,
        &|p| p.int(1).client_auth = true,
        Some(Err(E::NoServerAuthEku)),
    );
    one(
        &mut v,
        "eku_intermediate_server_auth",
        1,
        &|p| p.int(1).server_auth = true,
        Some(OK),
    );
    one(
        &mut v,
        "eku_intermediate_any",
        1,
        &|p| p.int(1).extra_eku = vec!["anyExtendedKeyUsage"],
        Some(Err(E::NoServerAuthEku)),
    );
    one(
        &mut v,
        "eku_root_client_only",
        1,
        &|p| p.root().client_auth = true,
        Some(OK),
    );

    // ---- validity
    let now_s = now() as i64;
    one(
        &mut v,
        "valid_leaf_expired",
        1,
        &|p| expired(p.leaf()),
        None,
    );
    one(
        &mut v,
        "valid_leaf_not_yet",
        1,
        &|p| not_yet(p.leaf()),
        None,
    );
    one(&mut v, "valid_int_expired", 1, &|p| expired(p.int(1)), None);
    one(&mut v, "valid_int_not_yet", 1, &|p| not_yet(p.int(1)), None);
    one(
        &mut v,
        "valid_root_expired",
        1,
        &|p| expired(p.root()),
        Some(OK),
    );
    one(
        &mut v,
        "valid_root_not_yet",
        1,
        &|p| not_yet(p.root()),
        Some(OK),
    );
    one(
        &mut v,
        "valid_leaf_before_after_swapped",
        1,
        &|p| {
            p.leaf().not_before = 10 * DAY;
            p.leaf().not_after = -10 * DAY
        },
        Some(Err(E::MalformedCertificate)),
    );
    one(
        &mut v,
        "valid_leaf_generalized_after",
        1,
        &|p| p.leaf().not_after = 30 * YEAR,
        Some(OK),
    );
    one(
        &mut v,
        "valid_root_generalized_both",
        1,
        &|p| {
            p.root().not_before = -DAY;
            p.root().not_after = 40 * YEAR
        },
        Some(OK),
    );
    one(
        &mut v,
        "valid_leaf_generalized_not_yet",
        1,
        &|p| {
            p.leaf().not_before = 25 * YEAR;
            p.leaf().not_after = 30 * YEAR
        },
        None,
    );
    one(
        &mut v,
        "valid_leaf_1980",
        1,
        &|p| {
            p.leaf().not_before = 315_532_800 - now_s;
            p.leaf().not_after = 315_532_800 - now_s + YEAR
        },
        None,
    );
    one(
        &mut v,
        "valid_leaf_edge_1s_left",
        1,
        &|p| p.leaf().not_after = 1,
        Some(OK),
    );

    // ---- signature algorithms and keys
    let keyed =
        |name: &str, pos: &dyn Fn(&mut Pki), v: &mut Vec<Case>, e: Option<Result<(), PkiError>>| {
            let mut p = Pki::new(k, 1);
            pos(&mut p);
            let (mut c, _) = p.case(name);
            c.expect = e;
            v.push(c);
        };
    let p384_ok = if cfg!(feature = "p384") {
        OK
    } else {
        Err(E::UnsupportedAlgorithm)
    };
    keyed(
        "alg_ecdsa_p256_sha384",
        &|p| p.leaf().sig = SigAlg::Sha384,
        &mut v,
        Some(OK),
    );
    keyed(
        "alg_ecdsa_p256_sha512",
        &|p| p.leaf().sig = SigAlg::Sha512,
        &mut v,
        Some(Err(E::UnsupportedAlgorithm)),
    );
    keyed(
        "alg_p384_leaf_key",
        &|p| p.keys[2] = k.p384.clone(),
        &mut v,
        Some(OK),
    );
    keyed(
        "alg_p384_intermediate_signs",
        &|p| p.keys[1] = k.p384.clone(),
        &mut v,
        Some(p384_ok),
    );
    keyed(
        "alg_p384_intermediate_sha384",
        &|p| {
            p.keys[1] = k.p384.clone();
            p.leaf().sig = SigAlg::Sha384
        },
        &mut v,
        Some(p384_ok),
    );
    keyed(
        "alg_p384_root_signs",
        &|p| p.keys[0] = k.p384.clone(),
        &mut v,
        Some(p384_ok),
    );
    for (sig, name, e) in [
        (SigAlg::Sha256, "alg_rsa2048_pkcs1_sha256", OK),
        (SigAlg::Sha384, "alg_rsa2048_pkcs1_sha384", OK),
        (SigAlg::Sha512, "alg_rsa2048_pkcs1_sha512", OK),
        (SigAlg::Pss256, "alg_rsa2048_pss_sha256", OK),
        (SigAlg::Pss384, "alg_rsa2048_pss_sha384", OK),
        (SigAlg::Pss512, "alg_rsa2048_pss_sha512", OK),
    ] {
        keyed(
            name,
            &|p| {
                p.keys[1] = k.rsa2048[0].clone();
                p.leaf().sig = sig
            },
            &mut v,
            Some(e),
        );
    }
    keyed(
        "alg_rsa_root_rsa_leaf",
        &|p| {
            p.keys[0] = k.rsa2048[1].clone();
            p.keys[2] = k.rsa2048[0].clone()
        },
        &mut v,
        Some(OK),
    );
    keyed(
        "alg_rsa4096_intermediate",
        &|p| {
            p.keys[1] = k.rsa4096.clone();
            p.leaf().sig = SigAlg::Sha384
        },
        &mut v,
        Some(OK),
    );
    keyed(
        "alg_rsa4096_leaf_key",
        &|p| p.keys[2] = k.rsa4096.clone(),
        &mut v,
        Some(OK),
    );
    keyed(
        "alg_rsa1024_intermediate",
        &|p| p.keys[1] = k.rsa1024.clone(),
        &mut v,
        Some(Err(E::BadChainSignature)),
    );
    keyed(
        "alg_rsa1024_leaf_key",
        &|p| p.keys[2] = k.rsa1024.clone(),
        &mut v,
        Some(OK),
    );
    keyed(
        "alg_rsa1024_root",
        &|p| p.keys[0] = k.rsa1024.clone(),
        &mut v,
        Some(Err(E::BadChainSignature)),
    );

    // ---- name constraints
    let ncase = |v: &mut Vec<Case>,
                 name: &str,
                 on_root: bool,
                 value: Vec<u8>,
                 sans: &[&str],
                 host: &str,
                 e: Option<Result<(), PkiError>>| {
        let mut p = Pki::new(k, 1);
        if on_root {
            p.root().name_constraints = Some(value);
        } else {
            p.int(1).name_constraints = Some(value);
        }
        p.leaf().sans = sans.iter().map(|s| s.to_string()).collect();
        let (mut c, _) = p.case(name);
        c.host = host.into();
        c.expect = e;
        v.push(c);
    };
    let cv = Some(Err(E::ConstraintViolation));
    ncase(
        &mut v,
        "nc_intermediate_permit_match",
        false,
        nc(&[gn_dns("example.com")], &[]),
        &[HOST],
        HOST,
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_intermediate_permit_mismatch",
        false,
        nc(&[gn_dns("example.org")], &[]),
        &[HOST],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_intermediate_permit_dot_prefix",
        false,
        nc(&[gn_dns(".example.com")], &[]),
        &[HOST],
        HOST,
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_intermediate_permit_label_boundary",
        false,
        nc(&[gn_dns("ample.com")], &[]),
        &[HOST],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_intermediate_exclude_match",
        false,
        nc(&[], &[gn_dns("a.example.com")]),
        &[HOST],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_intermediate_exclude_other",
        false,
        nc(&[], &[gn_dns("b.example.com")]),
        &[HOST],
        HOST,
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_intermediate_second_san_outside",
        false,
        nc(&[gn_dns("example.com")], &[]),
        &[HOST, "evil.org"],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_root_permit_match",
        true,
        nc(&[gn_dns("example.com")], &[]),
        &[HOST],
        HOST,
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_root_permit_mismatch",
        true,
        nc(&[gn_dns("example.net")], &[]),
        &[HOST],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_root_exclude_match",
        true,
        nc(&[], &[gn_dns("example.com")]),
        &[HOST],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_ip_permit_match",
        false,
        nc(&[gn_ip(&[10, 1, 0, 0, 255, 255, 0, 0])], &[]),
        &["10.1.2.3"],
        "10.1.2.3",
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_ip_permit_mismatch",
        false,
        nc(&[gn_ip(&[10, 1, 0, 0, 255, 255, 0, 0])], &[]),
        &["10.2.2.3"],
        "10.2.2.3",
        cv,
    );
    ncase(
        &mut v,
        "nc_ip_exclude_match",
        true,
        nc(&[], &[gn_ip(&[192, 168, 0, 0, 255, 255, 0, 0])]),
        &["192.168.7.7"],
        "192.168.7.7",
        cv,
    );
    ncase(
        &mut v,
        "nc_ip_permit_dns_san",
        false,
        nc(&[gn_ip(&[10, 1, 0, 0, 255, 255, 0, 0])], &[]),
        &[HOST],
        HOST,
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_dns_permit_ip_san",
        false,
        nc(&[gn_dns("example.com")], &[]),
        &["10.1.2.3"],
        "10.1.2.3",
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_ipv6_permit_match",
        false,
        nc(
            &[gn_ip(
                &[
                    [0x20, 0x01, 0x0d, 0xb8].as_slice(),
                    &[0; 12],
                    &[0xff; 4],
                    &[0; 12],
                ]
                .concat(),
            )],
            &[],
        ),
        &["2001:db8::1"],
        "2001:db8::1",
        Some(OK),
    );
    ncase(
        &mut v,
        "nc_intermediate_directory_name",
        false,
        nc(&[gn_dirname("Elsewhere")], &[]),
        &[HOST],
        HOST,
        cv,
    );
    ncase(
        &mut v,
        "nc_intermediate_rfc822",
        false,
        nc(&[gn_email("example.com")], &[]),
        &[HOST],
        HOST,
        None,
    );
    ncase(
        &mut v,
        "nc_root_uri",
        true,
        nc(&[gn_uri(".example.com")], &[]),
        &[HOST],
        HOST,
        None,
    );
    ncase(
        &mut v,
        "nc_bad_ip_mask_length",
        false,
        nc(&[gn_ip(&[10, 1, 0, 0, 255])], &[]),
        &["10.1.2.3"],
        "10.1.2.3",
        Some(Err(E::ChainInvalid)),
    );

    // ---- other extensions, versions
    one(
        &mut v,
        "ext_critical_unknown_leaf",
        1,
        &|p| p.leaf().extensions.push(unknown_ext(true)),
        Some(Err(E::MalformedCertificate)),
    );
    one(
        &mut v,
        "ext_critical_unknown_intermediate",
        1,
        &|p| p.int(1).extensions.push(unknown_ext(true)),
        Some(Err(E::MalformedCertificate)),
    );
    one(
        &mut v,
        "ext_critical_unknown_root",
        1,
        &|p| p.root().extensions.push(unknown_ext(true)),
        Some(OK),
    );
    one(
        &mut v,
        "ext_noncritical_unknown_leaf",
        1,
        &|p| p.leaf().extensions.push(unknown_ext(false)),
        Some(OK),
    );
    one(
        &mut v,
        "ext_noncritical_unknown_intermediate",
        1,
        &|p| p.int(1).extensions.push(unknown_ext(false)),
        Some(OK),
    );
    one(
        &mut v,
        "v1_root_anchor",
        1,
        &|p| p.root().version1 = true,
        Some(OK),
    );
    one(
        &mut v,
        "v1_intermediate",
        1,
        &|p| p.int(1).version1 = true,
        Some(Err(E::MalformedCertificate)),
    );
    one(
        &mut v,
        "ee_v1_leaf",
        1,
        &|p| p.leaf().version1 = true,
        Some(Err(E::MalformedCertificate)),
    );

    // ---- names
    let names: &[(&str, &[&str], &str, Option<bool>)] = &[
        ("san_exact", &["a.example.com"], "a.example.com", Some(true)),
        (
            "san_case_in_cert",
            &["A.Example.COM"],
            "a.example.com",
            Some(true),
        ),
        (
            "san_case_in_name",
            &["a.example.com"],
            "A.EXAMPLE.com",
            Some(true),
        ),
        (
            "san_other_name",
            &["b.example.com"],
            "a.example.com",
            Some(false),
        ),
        (
            "san_second_of_three",
            &["x.example.org", "a.example.com", "y.example.net"],
            "a.example.com",
            Some(true),
        ),
        (
            "wildcard_one_label",
            &["*.example.com"],
            "a.example.com",
            Some(true),
        ),
        (
            "wildcard_base_name",
            &["*.example.com"],
            "example.com",
            Some(false),
        ),
        (
            "wildcard_two_labels",
            &["*.example.com"],
            "a.b.example.com",
            Some(false),
        ),
        ("wildcard_tld", &["*.com"], "example.com", Some(false)),
        (
            "wildcard_partial_prefix",
            &["f*.example.com"],
            "foo.example.com",
            Some(false),
        ),
        (
            "wildcard_partial_suffix",
            &["*o.example.com"],
            "foo.example.com",
            Some(false),
        ),
        (
            "wildcard_not_leftmost",
            &["a.*.example.com"],
            "a.b.example.com",
            Some(false),
        ),
        (
            "wildcard_case",
            &["*.EXAMPLE.com"],
            "Www.example.COM",
            Some(true),
        ),
        (
            "name_trailing_dot",
            &["a.example.com"],
            "a.example.com.",
            Some(true),
        ),
        (
            "san_trailing_dot",
            &["a.example.com."],
            "a.example.com",
            Some(false),
        ),
        ("ip4_match", &["192.0.2.7"], "192.0.2.7", Some(true)),
        ("ip4_mismatch", &["192.0.2.7"], "192.0.2.8", Some(false)),
        (
            "ip4_name_vs_dns_san",
            &["192.0.2.7"],
            "a.example.com",
            Some(false),
        ),
        (
            "ip4_dns_san_text",
            &["a.example.com", "192.0.2.7"],
            "192.0.2.7",
            Some(true),
        ),
        ("ip6_match", &["2001:db8::7"], "2001:db8::7", Some(true)),
        (
            "ip6_long_form_name",
            &["2001:db8::7"],
            "2001:0db8:0000:0000:0000:0000:0000:0007",
            Some(true),
        ),
        ("ip6_mismatch", &["2001:db8::7"], "2001:db8::8", Some(false)),
        (
            "ip4_mapped_v6",
            &["::ffff:192.0.2.7"],
            "192.0.2.7",
            Some(false),
        ),
        ("cn_only_no_san", &[], "a.example.com", Some(false)),
        (
            "invalid_server_name",
            &["a.example.com"],
            "a..example.com",
            None,
        ),
        (
            "server_name_underscore",
            &["a_b.example.com"],
            "a_b.example.com",
            Some(true),
        ),
    ];
    for (name, sans, host, accept) in names {
        let mut p = Pki::new(k, 1);
        p.leaf().sans = sans.iter().map(|s| s.to_string()).collect();
        p.leaf().cn = "a.example.com".into();
        let (mut c, _) = p.case(name);
        c.host = host.to_string();
        c.expect = accept.map(|a| if a { OK } else { Err(E::WrongHost) });
        v.push(c);
    }

    // ---- corrupted leaf (and intermediate): both must reject
    let (base, _) = Pki::new(k, 1).case("corrupt");
    let leaf = base.chain[0].clone();
    let n = leaf.len();
    for at in [
        0,
        1,
        3,
        5,
        12,
        40,
        n / 3,
        n / 2,
        2 * n / 3,
        n - 70,
        n - 40,
        n - 10,
        n - 1,
    ] {
        for bit in [0x01, 0x80] {
            let mut c = base.clone();
            c.chain[0][at] ^= bit;
            c.name = format!("corrupt_leaf_{at}_bit{bit:02x}");
            c.compare = Compare::Corrupted;
            v.push(c);
        }
    }
    for cut in [1, 10, n / 2, n - 1] {
        let mut c = base.clone();
        c.chain[0].truncate(cut);
        c.name = format!("truncated_leaf_{cut}");
        c.compare = Compare::Corrupted;
        v.push(c);
    }
    {
        let mut c = base.clone();
        c.chain[0].push(0);
        c.name = "trailing_byte_leaf".into();
        c.compare = Compare::Corrupted;
        v.push(c);
        let mut c = base.clone();
        let m = c.chain[1].len();
        c.chain[1][m / 2] ^= 0x10;
        c.name = "corrupt_intermediate_middle".into();
        c.compare = Compare::Corrupted;
        v.push(c);
    }
    v
}

// ---------------------------------------------------------------- random mix

/// xorshift64: the random mix is the same in every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.next(100) < percent
    }
}

/// One random chain: random depth, keys, signature algorithms, and zero,
/// one or two faults (with two, or an exotic key, only acceptance is
/// compared).
fn random_case(k: &Keys, r: &mut Rng, i: usize) -> Case {
    let depth = r.next(4);
    let mut p = Pki::new(k, depth);
    let mut faults: Vec<&str> = Vec::new();
    for pos in 0..p.specs.len() {
        match r.next(10) {
            0 | 1 => p.keys[pos] = k.rsa2048[r.next(2)].clone(),
            2 if r.chance(30) => {
                p.keys[pos] = [&k.p384, &k.rsa1024, &k.rsa4096][r.next(3)].clone();
                faults.push("exotic key");
            }
            _ => {}
        }
    }
    for pos in 1..p.specs.len() {
        let rsa_signer = p.keys[pos - 1].rsa().is_ok() && p.keys[pos - 1].bits() >= 2048;
        p.specs[pos].sig = match (r.next(6), rsa_signer) {
            (0, _) => SigAlg::Sha384,
            (1, true) => SigAlg::Sha512,
            (2, true) => SigAlg::Pss256,
            (3, true) => [SigAlg::Pss384, SigAlg::Pss512][r.next(2)],
            _ => SigAlg::Sha256,
        };
    }
    let mut post: Vec<usize> = Vec::new();
    let n_faults = [0, 0, 1, 1, 1, 2][r.next(6)];
    for _ in 0..n_faults {
        let last = p.specs.len() - 1;
        let ca = r.next(last); // 0 = root
        match r.next(14) {
            0 => expired(p.leaf()),
            1 => not_yet(&mut p.specs[ca]),
            2 if ca > 0 => p.specs[ca].ca = Some(false),
            3 if ca > 0 => p.specs[ca].ca = None,
            4 => {
                p.leaf().server_auth = false;
                p.leaf().client_auth = true;
            }
            5 => p.leaf().sans = vec!["b.example.com".into()],
            6 => p.specs[0].path_len = Some(0),
            7 => {
                p.specs[ca].name_constraints = Some(nc(&[gn_dns("example.org")], &[]));
            }
            8 => p.specs[r.next(last + 1)].extensions.push(unknown_ext(true)),
            9 => p.leaf().ca = Some(true),
            10 => p.leaf().sans = vec!["*.example.com".into()],
            11 => p.specs[ca].extensions.push(unknown_ext(false)),
            f => post.push(f),
        }
        faults.push("fault");
    }
    let (mut c, _) = p.case(&format!("random_{i}"));
    for f in post {
        match f {
            12 if c.chain.len() > 1 => {
                let at = 1 + r.next(c.chain.len() - 1);
                c.chain.remove(at);
            }
            13 if c.chain.len() > 2 => c.chain[1..].reverse(),
            _ => {
                let j = r.next(c.chain.len());
                c.chain.push(c.chain[j].clone());
            }
        }
    }
    if faults.len() > 1 {
        c.compare = Compare::Verdict;
    }
    c
}

// ---------------------------------------------------------------- the test

#[test]
fn modemtls_agrees_with_webpki() {
    let started = std::time::Instant::now();
    // Before any certificate is issued: validity offsets are relative to
    // the issuing time, which is later.
    let time = now();
    let keys = Keys::new();
    let mut cases = deterministic(&keys);
    let n_det = cases.len();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for i in 0..200 {
        cases.push(random_case(&keys, &mut rng, i));
    }

    let mut names = std::collections::HashSet::new();
    let mut agreed = 0;
    let mut allowed_used: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut accepted = 0;
    for c in &cases {
        assert!(names.insert(c.name.clone()), "two cases named {}", c.name);
        let reference = webpki_verdict(c, time);
        let ours = modemtls_verdict(c, time);
        let ours_class = ours.as_ref().map(|_| ()).map_err(|e| *e);
        eprintln!(
            "{:<45} webpki {:<40} modemtls {:?}",
            c.name,
            format!("{reference:?}"),
            ours_class
        );
        if let Some(e) = c.expect {
            if e != reference {
                failures.push(format!(
                    "{}: webpki says {reference:?}, written down {e:?}",
                    c.name
                ));
            }
        }
        if reference.is_ok() {
            accepted += 1;
        }
        if let Ok(spki) = &ours {
            if *spki != c.leaf_spki {
                failures.push(format!("{}: accepted, but returned another SPKI", c.name));
            }
        }
        let same = match c.compare {
            Compare::Class => reference == ours_class,
            Compare::Verdict => reference.is_ok() == ours_class.is_ok(),
            Compare::Corrupted => {
                if ours_class.is_ok() {
                    failures.push(format!(
                        "{}: modemtls accepts a modified certificate",
                        c.name
                    ));
                }
                reference.is_ok() == ours_class.is_ok()
            }
        };
        if same {
            agreed += 1;
            continue;
        }
        let allowed = ALLOWED
            .iter()
            .find(|a| a.case == c.name)
            .is_some_and(|a| match a.kind {
                AllowedKind::NewMayReject => ours_class.is_err(),
                AllowedKind::ClassMayDiffer => reference.is_err() && ours_class.is_err(),
            });
        if allowed {
            allowed_used.push(c.name.clone());
        } else {
            failures.push(format!(
                "{}: webpki {reference:?}, modemtls {ours_class:?}",
                c.name
            ));
        }
    }
    for a in ALLOWED {
        assert!(
            names.contains(a.case),
            "allowlisted case {} does not exist",
            a.case
        );
        assert!(!a.reason.is_empty());
    }
    println!(
        "pki_chain_differential: {} cases ({} listed, {} random), webpki accepted {}, {} agreed, {} allowed differences {:?}, {} failures, {:.1} s",
        cases.len(),
        n_det,
        cases.len() - n_det,
        accepted,
        agreed,
        allowed_used.len(),
        allowed_used,
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
    // The mix must exercise both verdicts.
    assert!(
        accepted >= 60 && cases.len() - accepted >= 60,
        "{accepted} of {} accepted",
        cases.len()
    );
}
