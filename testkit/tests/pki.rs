//! The test PKI, checked with `openssl verify` (the reference verifier).

mod common;

use std::time::Duration;

use common::{openssl, Files};
use modemtls_testkit::pki::{server_creds, server_creds_with, Ca, KeyKind, LeafSpec};

/// `openssl verify -CAfile root -untrusted inter leaf EXTRA`.
fn verify(root_pem: &[u8], untrusted_pem: &[u8], leaf_pem: &[u8], extra: &[&str]) -> common::Run {
    let f = Files::new();
    let root = f.put("root.pem", root_pem);
    let leaf = f.put("leaf.pem", leaf_pem);
    let mut args = vec!["verify", "-CAfile", &root];
    let untrusted;
    if !untrusted_pem.is_empty() {
        untrusted = f.put("untrusted.pem", untrusted_pem);
        args.extend(["-untrusted", &untrusted]);
    }
    args.extend_from_slice(extra);
    args.push(&leaf);
    openssl(&args, b"", Duration::from_secs(10))
}

fn text(pem: &[u8]) -> String {
    let f = Files::new();
    let p = f.put("c.pem", pem);
    let r = openssl(
        &["x509", "-noout", "-text", "-in", &p],
        b"",
        Duration::from_secs(10),
    );
    assert!(r.ok, "{}", r.out);
    r.out
}

#[test]
fn server_creds_verify_for_every_key_kind() {
    for kind in [
        KeyKind::P256,
        KeyKind::P384,
        KeyKind::Rsa2048,
        KeyKind::Rsa3072,
        KeyKind::Rsa4096,
    ] {
        // Big RSA keys take seconds to generate on a cold key pool: there,
        // only the leaf is of that kind.
        let c = match kind {
            KeyKind::Rsa3072 | KeyKind::Rsa4096 => server_creds_with(
                "device.example",
                LeafSpec::server("device.example").kind(kind),
                KeyKind::P256,
            ),
            _ => server_creds("device.example", kind),
        };
        let inter = &c.intermediate.cert().cert_pem;
        let r = verify(
            &c.ca_pem,
            inter,
            &c.leaf.cert_pem,
            &[
                "-purpose",
                "sslserver",
                "-verify_hostname",
                "device.example",
                "-x509_strict",
            ],
        );
        assert!(r.ok && r.out.contains(": OK"), "{kind:?}: {}", r.out);
        // Wrong host name fails.
        let r = verify(
            &c.ca_pem,
            inter,
            &c.leaf.cert_pem,
            &["-verify_hostname", "other.example"],
        );
        assert!(!r.ok, "{kind:?}: {}", r.out);
        // Without the intermediate there is no path.
        let r = verify(&c.ca_pem, b"", &c.leaf.cert_pem, &[]);
        assert!(
            !r.ok && r.out.contains("unable to get local issuer"),
            "{}",
            r.out
        );
        // chain_pem is leaf then intermediate; the key matches the leaf.
        let chain = openssl::x509::X509::stack_from_pem(&c.chain_pem).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0].to_der().unwrap(), c.leaf.cert_der);
        assert_eq!(chain[1].to_der().unwrap(), c.intermediate.cert().cert_der);
        let key = openssl::pkey::PKey::private_key_from_pem(&c.key_pem).unwrap();
        assert!(chain[0].public_key().unwrap().public_eq(&key));
        assert_eq!(c.ca_der, c.root.cert().cert_der);
        assert_eq!(c.leaf.kind, kind);
        let bits = chain[0].public_key().unwrap().bits();
        let want = match kind {
            KeyKind::P256 => 256,
            KeyKind::P384 => 384,
            k => k.rsa_bits().unwrap(),
        };
        assert_eq!(bits, want, "{kind:?}");
    }
}

#[test]
fn extensions_are_as_specified() {
    let root = Ca::root("Ext Root", KeyKind::P384);
    let inter = root.intermediate("Ext Inter", KeyKind::P256);
    let leaf = inter.leaf(&LeafSpec::server("ext.example"));
    let t = text(&root.cert().cert_pem);
    assert!(
        t.contains("Basic Constraints: critical") && t.contains("CA:TRUE"),
        "{t}"
    );
    assert!(
        t.contains("Key Usage: critical") && t.contains("Certificate Sign, CRL Sign"),
        "{t}"
    );
    assert!(t.contains("ecdsa-with-SHA384"), "{t}");
    let t = text(&inter.cert().cert_pem);
    assert!(t.contains("CA:TRUE, pathlen:0"), "{t}");
    assert!(t.contains("Authority Key Identifier"), "{t}");
    let t = text(&leaf.cert_pem);
    assert!(t.contains("CA:FALSE"), "{t}");
    assert!(t.contains("DNS:ext.example"), "{t}");
    assert!(t.contains("TLS Web Server Authentication"), "{t}");
    assert!(!t.contains("TLS Web Client Authentication"), "{t}");
    assert!(t.contains("Digital Signature"), "{t}");
    assert!(t.contains("ecdsa-with-SHA256"), "{t}");
}

#[test]
fn key_encodings() {
    let ec = Ca::root("Enc Root", KeyKind::P256).leaf(&LeafSpec::client("dev-1"));
    assert!(ec.key_pem.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    let sec1 = ec.key_sec1_pem.as_ref().unwrap();
    assert!(sec1.starts_with(b"-----BEGIN EC PRIVATE KEY-----"));
    assert!(ec.key_pkcs1_pem.is_none());
    let a = openssl::pkey::PKey::private_key_from_pem(sec1).unwrap();
    let b = openssl::pkey::PKey::private_key_from_der(&ec.key_der).unwrap();
    assert!(a.public_eq(&b));
    assert_eq!(
        openssl::x509::X509::from_pem(&ec.cert_pem)
            .unwrap()
            .to_der()
            .unwrap(),
        ec.cert_der
    );
    let rsa = Ca::root("Enc Root RSA", KeyKind::P256)
        .leaf(&LeafSpec::client("dev-2").kind(KeyKind::Rsa2048));
    assert!(rsa.key_sec1_pem.is_none());
    assert!(rsa
        .key_pkcs1_pem
        .as_ref()
        .unwrap()
        .starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    assert!(rsa.x509().public_key().unwrap().public_eq(&rsa.pkey()));
    // RSA keys come from a pool but never twice in one process.
    let again = Ca::root("Enc Root RSA 2", KeyKind::P256)
        .leaf(&LeafSpec::client("dev-2").kind(KeyKind::Rsa2048));
    assert!(!rsa.pkey().public_eq(&again.pkey()));
}

#[test]
fn client_leaf_is_for_client_auth_only() {
    let root = Ca::root("Client Root", KeyKind::P256);
    let leaf = root.leaf(&LeafSpec::client("dev-7"));
    let r = verify(
        &root.cert().cert_pem,
        b"",
        &leaf.cert_pem,
        &["-purpose", "sslclient"],
    );
    assert!(r.ok, "{}", r.out);
    let r = verify(
        &root.cert().cert_pem,
        b"",
        &leaf.cert_pem,
        &["-purpose", "sslserver"],
    );
    assert!(!r.ok, "{}", r.out);
}

#[test]
fn ip_address_leaf() {
    let c = server_creds("127.0.0.1", KeyKind::P256);
    let t = text(&c.leaf.cert_pem);
    assert!(
        t.contains("IP Address:127.0.0.1") && !t.contains("DNS:"),
        "{t}"
    );
    let r = verify(
        &c.ca_pem,
        &c.intermediate.cert().cert_pem,
        &c.leaf.cert_pem,
        &["-verify_ip", "127.0.0.1"],
    );
    assert!(r.ok, "{}", r.out);
    let r = verify(
        &c.ca_pem,
        &c.intermediate.cert().cert_pem,
        &c.leaf.cert_pem,
        &["-verify_ip", "127.0.0.2"],
    );
    assert!(!r.ok, "{}", r.out);
}

#[test]
fn expired_and_not_yet_valid_leaves_fail() {
    let c = server_creds("time.example", KeyKind::P256);
    let inter_pem = &c.intermediate.cert().cert_pem;
    let expired = c
        .intermediate
        .leaf(&LeafSpec::server("time.example").expired());
    let r = verify(&c.ca_pem, inter_pem, &expired.cert_pem, &[]);
    assert!(
        !r.ok && r.out.contains("certificate has expired"),
        "{}",
        r.out
    );
    let future = c
        .intermediate
        .leaf(&LeafSpec::server("time.example").not_yet_valid());
    let r = verify(&c.ca_pem, inter_pem, &future.cert_pem, &[]);
    assert!(!r.ok && r.out.contains("not yet valid"), "{}", r.out);
}

#[test]
fn leaf_signed_by_ca_false_certificate_fails() {
    let c = server_creds("cafalse.example", KeyKind::P256);
    let signer = c.intermediate.non_ca_signer("Not A CA", KeyKind::P256);
    let leaf = signer.leaf(&LeafSpec::server("cafalse.example"));
    // The signer itself is a valid end-entity certificate ...
    let r = verify(
        &c.ca_pem,
        &c.intermediate.cert().cert_pem,
        &signer.cert().cert_pem,
        &[],
    );
    assert!(r.ok, "{}", r.out);
    // ... but cannot issue.
    let chain = signer.chain_pem(&leaf);
    let untrusted = &chain[leaf.cert_pem.len()..];
    assert_eq!(
        openssl::x509::X509::stack_from_pem(untrusted)
            .unwrap()
            .len(),
        2
    );
    let r = verify(&c.ca_pem, untrusted, &leaf.cert_pem, &[]);
    assert!(
        !r.ok && r.out.contains("invalid CA certificate"),
        "{}",
        r.out
    );
}

#[test]
fn chain_with_cross_signed_extra_at_the_end() {
    // AWS IoT style: leaf, intermediate, then the root cross-signed by an
    // older root. Both roots are valid anchors.
    let root = Ca::root("New Root", KeyKind::P256);
    let old = Ca::root("Old Root", KeyKind::Rsa2048);
    let inter = root.intermediate("Issuing CA", KeyKind::P256);
    let leaf = inter.leaf(&LeafSpec::server("iot.example"));
    let cross = root.cross_signed_copy_of(&old);
    let x = cross.x509();
    assert_eq!(
        x.subject_name().to_der().unwrap(),
        root.cert().x509().subject_name().to_der().unwrap()
    );
    assert!(x.public_key().unwrap().public_eq(&root.cert().pkey()));
    let mut untrusted = inter.cert().cert_pem.clone();
    untrusted.extend_from_slice(&cross.cert_pem);
    for anchor in [&root, &old] {
        let r = verify(&anchor.cert().cert_pem, &untrusted, &leaf.cert_pem, &[]);
        assert!(r.ok, "{}: {}", anchor.name(), r.out);
    }
    let stranger = Ca::root("Stranger", KeyKind::P256);
    let r = verify(&stranger.cert().cert_pem, &untrusted, &leaf.cert_pem, &[]);
    assert!(!r.ok, "{}", r.out);
}

#[test]
fn two_intermediates_and_a_ca_true_leaf() {
    let root = Ca::root("Deep Root", KeyKind::P256);
    let i1 = root.intermediate_no_pathlen("Deep I1", KeyKind::P256);
    let i2 = i1.intermediate("Deep I2", KeyKind::P256);
    let leaf = i2.leaf(&LeafSpec::server("deep.example"));
    let chain = i2.chain_pem(&leaf);
    assert_eq!(
        openssl::x509::X509::stack_from_pem(&chain).unwrap().len(),
        3
    );
    let r = verify(
        &root.cert().cert_pem,
        &chain[leaf.cert_pem.len()..],
        &leaf.cert_pem,
        &[],
    );
    assert!(r.ok, "{}", r.out);
    let ca_leaf = i1.leaf(&LeafSpec::server("ca.example").ca(true));
    assert!(text(&ca_leaf.cert_pem).contains("CA:TRUE"));
}
