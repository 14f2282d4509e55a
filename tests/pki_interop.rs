//! Host TLS (`embedded-tls` 0.19 + `modemtls::pki`) against
//! `openssl s_server` over loopback: ECDSA, RSA and mixed chains, a chain
//! with an extra cross-signed certificate, mutual TLS.
// Until `host-tls` is declared in Cargo.toml this file compiles to nothing.
#![allow(unexpected_cfgs)]
#![cfg(feature = "host-tls")]

mod pki_support;
use pki_support::*;

use modemtls::pki::Validity;

#[test]
fn ecdsa_p256_chain_of_three() {
    let root = issue(&Spec::ca("P256 Root"), gen_key(KeyKind::P256), None);
    let inter = issue(
        &Spec::ca("P256 Intermediate"),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&inter),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![&inter.cert],
        client_ca: None,
    });
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&root.cert)],
        "localhost",
    ));
    assert_ok(&o);
}

#[test]
fn rsa_2048_chain() {
    // RSA root and intermediate, RSA-2048 leaf: the chain uses RSA PKCS#1
    // v1.5 signatures, CertificateVerify uses RSA-PSS (rsa_pss_rsae_*),
    // which only works because the ClientHello offers it.
    let root = issue(&Spec::ca("RSA Root"), gen_key(KeyKind::Rsa(2048)), None);
    let inter = issue(
        &Spec::ca("RSA Intermediate"),
        gen_key(KeyKind::Rsa(2048)),
        Some(&root),
    );
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::Rsa(2048)),
        Some(&inter),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![&inter.cert],
        client_ca: None,
    });
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&root.cert)],
        "localhost",
    ));
    assert_ok(&o);
}

/// Without the RSA-PSS schemes in the ClientHello (embedded-tls only offers
/// them by itself with its `alloc` feature) an RSA server cannot sign its
/// CertificateVerify and the handshake fails: `host_tls_config` is needed.
#[test]
fn rsa_server_needs_pss_in_client_hello() {
    let root = issue(&Spec::ca("RSA Root"), gen_key(KeyKind::Rsa(2048)), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::Rsa(2048)),
        Some(&root),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![],
        client_ca: None,
    });
    let mut opts = ClientOpts::new(srv.port, vec![der(&root.cert)], "localhost");
    opts.offer_rsa = false;
    let o = connect(&opts);
    assert!(o.open.is_err(), "{o:?}");
    assert!(o.check.is_err());
    opts.offer_rsa = true;
    assert_ok(&connect(&opts));
}

#[cfg(feature = "p384")]
#[test]
fn ecdsa_p384_leaf() {
    let root = issue(&Spec::ca("P384 Root"), gen_key(KeyKind::P384), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P384),
        Some(&root),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![],
        client_ca: None,
    });
    assert_ok(&connect(&ClientOpts::new(
        srv.port,
        vec![der(&root.cert)],
        "localhost",
    )));
}

#[test]
fn rsa_4096_root_3072_leaf() {
    let root = issue(&Spec::ca("RSA4096 Root"), gen_key(KeyKind::Rsa(4096)), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::Rsa(3072)),
        Some(&root),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![],
        client_ca: None,
    });
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&root.cert)],
        "localhost",
    ));
    assert_ok(&o);
}

#[test]
fn mixed_rsa_root_ecdsa_leaf() {
    let root = issue(&Spec::ca("RSA Root"), gen_key(KeyKind::Rsa(2048)), None);
    let inter = issue(
        &Spec::ca("ECDSA Intermediate"),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&inter),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![&inter.cert],
        client_ca: None,
    });
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&root.cert)],
        "localhost",
    ));
    assert_ok(&o);
}

/// AWS IoT style: the server sends leaf, intermediate and a cross-signed
/// version of the new root (signed by an old root). Works whether the
/// device trusts the new root (the extra certificate is ignored) or only the
/// old root (the path goes through the cross-signed certificate).
#[test]
fn chain_with_extra_cross_signed_certificate() {
    let old_root = issue(&Spec::ca("Old Root"), gen_key(KeyKind::Rsa(2048)), None);
    let new_key = gen_key(KeyKind::P256);
    let new_key_copy =
        openssl::pkey::PKey::private_key_from_der(&new_key.private_key_to_der().unwrap()).unwrap();
    let new_root = issue(&Spec::ca("New Root"), new_key, None);
    let cross = issue(&Spec::ca("New Root"), new_key_copy, Some(&old_root));
    let inter = issue(
        &Spec::ca("Issuing CA"),
        gen_key(KeyKind::P256),
        Some(&new_root),
    );
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&inter),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![&inter.cert, &cross.cert],
        client_ca: None,
    });
    // Trusting only the new root.
    assert_ok(&connect(&ClientOpts::new(
        srv.port,
        vec![der(&new_root.cert)],
        "localhost",
    )));
    // Trusting only the old root.
    assert_ok(&connect(&ClientOpts::new(
        srv.port,
        vec![der(&old_root.cert)],
        "localhost",
    )));
    // A bundle of several anchors, the right one last.
    let other = issue(&Spec::ca("Unrelated Root"), gen_key(KeyKind::P256), None);
    assert_ok(&connect(&ClientOpts::new(
        srv.port,
        vec![der(&other.cert), der(&new_root.cert)],
        "localhost",
    )));
}

#[test]
fn ip_address_san() {
    let root = issue(&Spec::ca("IP Root"), gen_key(KeyKind::P256), None);
    let leaf = issue(
        &Spec::server("ip", &["127.0.0.1"]),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![],
        client_ca: None,
    });
    let mut opts = ClientOpts::new(srv.port, vec![der(&root.cert)], "");
    opts.sni = None;
    opts.verifier_name = Some("127.0.0.1");
    assert_ok(&connect(&opts));
}

fn mutual_tls(pkcs8: bool) {
    let root = issue(&Spec::ca("Server Root"), gen_key(KeyKind::P256), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let client_ca = issue(&Spec::ca("Client CA"), gen_key(KeyKind::P256), None);
    let client = issue(
        &Spec::client("device-1"),
        gen_key(KeyKind::P256),
        Some(&client_ca),
    );
    let key_der = if pkcs8 {
        client.key.private_key_to_pkcs8().unwrap()
    } else {
        client.key.ec_key().unwrap().private_key_to_der().unwrap() // SEC1
    };
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![],
        client_ca: Some(&client_ca.cert),
    });
    let mut opts = ClientOpts::new(srv.port, vec![der(&root.cert)], "localhost");
    opts.client = Some((der(&client.cert), key_der));
    assert_ok(&connect(&opts));

    // Without a client certificate the server refuses the session.
    let opts = ClientOpts::new(srv.port, vec![der(&root.cert)], "localhost");
    let o = connect(&opts);
    assert!(
        o.open.is_err()
            || !o
                .response
                .as_deref()
                .unwrap_or("")
                .starts_with("HTTP/1.0 200"),
        "server accepted a client without certificate: {o:?}"
    );
}

#[test]
fn mutual_tls_p256_sec1_key() {
    mutual_tls(false);
}

#[test]
fn mutual_tls_p256_pkcs8_key() {
    mutual_tls(true);
}

/// PEM CA bundle with several certificates parsed into anchors once.
#[test]
fn pem_bundle_anchors() {
    let root = issue(&Spec::ca("PEM Root"), gen_key(KeyKind::P256), None);
    let other = issue(&Spec::ca("Other Root"), gen_key(KeyKind::Rsa(2048)), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let mut pem = b"# a comment line\n".to_vec();
    pem.extend_from_slice(&other.cert.to_pem().unwrap());
    pem.extend_from_slice(b"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    pem.extend_from_slice(&root.cert.to_pem().unwrap());
    let mut storage = vec![0u8; pem.len()];
    let anchors: modemtls::pki::TrustAnchors<'_, 4> =
        modemtls::pki::TrustAnchors::from_bundle(&pem, &mut storage).unwrap();
    assert_eq!(anchors.len(), 2);
    let v = modemtls::pki::PkiVerifier::new(anchors.as_slice(), Validity::At(now()))
        .with_server_name("localhost")
        .unwrap();
    let leaf_der = der(&leaf.cert);
    v.verify_chain(&[&leaf_der]).unwrap();

    // DER bundle (concatenated certificates) too.
    let mut der_bundle = der(&other.cert);
    der_bundle.extend_from_slice(&der(&root.cert));
    let anchors: modemtls::pki::TrustAnchors<'_, 4> =
        modemtls::pki::TrustAnchors::from_bundle(&der_bundle, &mut []).unwrap();
    assert_eq!(anchors.len(), 2);
    let v = modemtls::pki::PkiVerifier::new(anchors.as_slice(), Validity::At(now()))
        .with_server_name("localhost")
        .unwrap();
    v.verify_chain(&[&leaf_der]).unwrap();
}

/// The small TLS server of the rejection tests, behaving correctly, is
/// accepted (so its rejections below are due to the misbehaviour only).
#[test]
fn rogue_server_positive_control() {
    let root = issue(&Spec::ca("Rogue Root"), gen_key(KeyKind::P256), None);
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let key = leaf.key.ec_key().unwrap().private_key_to_der().unwrap();
    let srv = rogue_server(Rogue::Signed(vec![der(&leaf.cert)], key));
    let mut opts = ClientOpts::new(srv.port(), vec![der(&root.cert)], "localhost");
    opts.http_get = false;
    let o = connect(&opts);
    assert!(o.open.is_ok(), "{o:?}");
    assert_eq!(o.check, Ok(()));
    assert!(
        rogue_connection(&srv).client_finished,
        "{:?}",
        srv.connections()
    );
}

/// A P-256 provider that counts the ECDSA verifications it is asked for
/// (and refuses them all when `refuse` is set), around RustCrypto.
#[derive(Default)]
struct CountingP256;

static VERIFIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static REFUSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl modemtls::tls::P256Provider for CountingP256 {
    fn generate(
        &mut self,
        rng: &mut dyn rand_core::CryptoRngCore,
    ) -> Option<(modemtls::tls::EphemeralSecret, [u8; 65])> {
        modemtls::tls::RustCryptoP256.generate(rng)
    }
    fn agree(
        &mut self,
        secret: &modemtls::tls::EphemeralSecret,
        peer: &[u8],
    ) -> Option<modemtls::tls::SharedSecret> {
        modemtls::tls::RustCryptoP256.agree(secret, peer)
    }
    fn verify_prehashed(&mut self, public: &[u8], digest: &[u8], signature: &[u8]) -> bool {
        VERIFIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        !REFUSE.load(std::sync::atomic::Ordering::SeqCst)
            && modemtls::tls::RustCryptoP256.verify_prehashed(public, digest, signature)
    }
}

/// The verifier's ECDSA P-256 goes through the provider it is made with
/// (the one the engine's key exchange uses): every signature of a P-256
/// chain of three is the provider's to verify, and its "no" is final.
#[test]
fn the_verifier_uses_its_p256_provider() {
    let root = issue(&Spec::ca("Provider Root"), gen_key(KeyKind::P256), None);
    let mid = issue(
        &Spec::ca("Provider Mid"),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&mid),
    );
    let root_der = der(&root.cert);
    let anchors: modemtls::pki::TrustAnchors<'_, 4> =
        modemtls::pki::TrustAnchors::from_bundle(&root_der, &mut []).unwrap();
    let (leaf_der, mid_der) = (der(&leaf.cert), der(&mid.cert));
    let v = modemtls::pki::PkiVerifier::<CountingP256>::with_p256(
        anchors.as_slice(),
        Validity::At(now()),
    )
    .with_server_name("localhost")
    .unwrap();
    let before = VERIFIES.load(std::sync::atomic::Ordering::SeqCst);
    v.verify_chain(&[&leaf_der, &mid_der]).unwrap();
    let used = VERIFIES.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(used >= 2, "the provider verified {used} signatures");
    REFUSE.store(true, std::sync::atomic::Ordering::SeqCst);
    let refused = v.verify_chain(&[&leaf_der, &mid_der]);
    REFUSE.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(
        refused.is_err(),
        "a refusing provider is overruled: {refused:?}"
    );
}
