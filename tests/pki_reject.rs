//! Every way a server must be refused, each with its own `PkiError` cause,
//! against real TLS servers (`openssl s_server`, or a small TLS 1.3 server
//! for misbehaviour s_server cannot produce).
// Until `host-tls` is declared in Cargo.toml this file compiles to nothing.
#![allow(unexpected_cfgs)]
#![cfg(feature = "host-tls")]

mod pki_support;
use pki_support::*;

use modemtls::pki::{PkiError, Validity};

struct Pki {
    root: Cred,
    inter: Cred,
}

fn pki() -> Pki {
    let root = issue(&Spec::ca("Reject Root"), gen_key(KeyKind::P256), None);
    let inter = issue(
        &Spec::ca("Reject Intermediate"),
        gen_key(KeyKind::P256),
        Some(&root),
    );
    Pki { root, inter }
}

fn serve(p: &Pki, leaf: &Cred) -> SServer {
    SServer::start(SServerOpts {
        leaf,
        chain: vec![&p.inter.cert],
        client_ca: None,
    })
}

#[test]
fn wrong_hostname() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&p.root.cert)],
        "wrong.example.com",
    ));
    assert_rejected(&o, PkiError::WrongHost);
    assert!(o.open.is_err());
    // The same server is accepted under its real name (control).
    assert_ok(&connect(&ClientOpts::new(
        srv.port,
        vec![der(&p.root.cert)],
        "localhost",
    )));
}

#[test]
fn wrong_ip_address() {
    let p = pki();
    let leaf = issue(
        &Spec::server("ip", &["127.0.0.2"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let mut opts = ClientOpts::new(srv.port, vec![der(&p.root.cert)], "");
    opts.sni = None;
    opts.verifier_name = Some("127.0.0.1");
    assert_rejected(&connect(&opts), PkiError::WrongHost);
}

#[test]
fn untrusted_root() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let stranger = issue(&Spec::ca("Some Other Root"), gen_key(KeyKind::P256), None);
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&stranger.cert)],
        "localhost",
    ));
    assert_rejected(&o, PkiError::UnknownIssuer);
}

/// A trusted root with the issuer's name but another key: the name matches,
/// the signature does not.
#[test]
fn impostor_root_with_same_name() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let impostor = issue(&Spec::ca("Reject Root"), gen_key(KeyKind::P256), None);
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&impostor.cert)],
        "localhost",
    ));
    assert_rejected(&o, PkiError::BadChainSignature);
}

#[test]
fn expired_leaf() {
    let p = pki();
    let mut spec = Spec::server("localhost", &["localhost"]);
    spec.not_before = -30 * DAY;
    spec.not_after = -DAY;
    let leaf = issue(&spec, gen_key(KeyKind::P256), Some(&p.inter));
    let srv = serve(&p, &leaf);
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&p.root.cert)],
        "localhost",
    ));
    assert!(matches!(o.check, Err(PkiError::Expired { .. })), "{o:?}");
    assert_eq!(
        o.check.unwrap_err().cause(),
        "certificate expired (or the device clock is wrong)"
    );
}

#[test]
fn not_yet_valid_leaf() {
    let p = pki();
    let mut spec = Spec::server("localhost", &["localhost"]);
    spec.not_before = DAY;
    spec.not_after = 30 * DAY;
    let leaf = issue(&spec, gen_key(KeyKind::P256), Some(&p.inter));
    let srv = serve(&p, &leaf);
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&p.root.cert)],
        "localhost",
    ));
    assert!(
        matches!(o.check, Err(PkiError::NotYetValid { .. })),
        "{o:?}"
    );
}

#[test]
fn leaf_signed_by_ca_false_certificate() {
    let root = issue(&Spec::ca("Root"), gen_key(KeyKind::P256), None);
    let mut not_ca = Spec::ca("Not A CA");
    not_ca.ca = Some(false);
    let not_ca = issue(&not_ca, gen_key(KeyKind::P256), Some(&root));
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&not_ca),
    );
    let srv = SServer::start(SServerOpts {
        leaf: &leaf,
        chain: vec![&not_ca.cert],
        client_ca: None,
    });
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&root.cert)],
        "localhost",
    ));
    assert_rejected(&o, PkiError::IssuerNotCa);
    assert_eq!(
        o.check.unwrap_err().cause(),
        "issuer is not a CA (basicConstraints CA:FALSE, or keyUsage without keyCertSign)"
    );
}

#[test]
fn leaf_without_server_auth_eku() {
    let p = pki();
    let mut spec = Spec::server("localhost", &["localhost"]);
    spec.server_auth = false;
    spec.client_auth = true;
    let leaf = issue(&spec, gen_key(KeyKind::P256), Some(&p.inter));
    let srv = serve(&p, &leaf);
    let o = connect(&ClientOpts::new(
        srv.port,
        vec![der(&p.root.cert)],
        "localhost",
    ));
    assert_rejected(&o, PkiError::NoServerAuthEku);
}

/// The authentication bypass of embedded-tls 0.19: a server that sends no
/// Certificate and no CertificateVerify. `open()` itself succeeds (that is
/// the bug); the verifier's check refuses the session.
#[test]
fn server_sends_no_certificate() {
    let p = pki();
    let srv = rogue_server(Rogue::NoCertificate);
    let mut opts = ClientOpts::new(srv.port(), vec![der(&p.root.cert)], "localhost");
    opts.http_get = false;
    let o = connect(&opts);
    assert!(o.open.is_ok(), "embedded-tls now refuses by itself: {o:?}");
    assert_rejected(&o, PkiError::NoServerAuthentication);
    assert_eq!(
        o.check.unwrap_err().cause(),
        "server sent no Certificate/CertificateVerify: the server was not authenticated"
    );
    assert!(
        rogue_connection(&srv).client_finished,
        "{:?}",
        srv.connections()
    );
}

/// A valid chain but no CertificateVerify: not authenticated either.
#[test]
fn server_sends_certificate_without_certificate_verify() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = rogue_server(Rogue::CertificateOnly(vec![
        der(&leaf.cert),
        der(&p.inter.cert),
    ]));
    let mut opts = ClientOpts::new(srv.port(), vec![der(&p.root.cert)], "localhost");
    opts.http_get = false;
    let o = connect(&opts);
    assert_rejected(&o, PkiError::NoServerAuthentication);
    assert!(rogue_connection(&srv).tls13);
}

#[test]
fn certificate_verify_signed_by_other_key() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let other = gen_key(KeyKind::P256);
    let other_sec1 = other.ec_key().unwrap().private_key_to_der().unwrap();
    let srv = rogue_server(Rogue::Signed(
        vec![der(&leaf.cert), der(&p.inter.cert)],
        other_sec1,
    ));
    let mut opts = ClientOpts::new(srv.port(), vec![der(&p.root.cert)], "localhost");
    opts.http_get = false;
    let o = connect(&opts);
    assert!(o.open.is_err());
    assert_rejected(&o, PkiError::BadCertificateVerify);
}

#[test]
fn no_time_source_fails_unless_accepted() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let mut opts = ClientOpts::new(srv.port, vec![der(&p.root.cert)], "localhost");
    opts.validity = Validity::NoTimeSource;
    assert_rejected(&connect(&opts), PkiError::NoTime);
    opts.validity = Validity::InsecureUncheckedValidity;
    assert_ok(&connect(&opts));
}

#[test]
fn unchecked_validity_still_checks_everything_else() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let mut opts = ClientOpts::new(srv.port, vec![der(&p.root.cert)], "other.example");
    opts.validity = Validity::InsecureUncheckedValidity;
    assert_rejected(&connect(&opts), PkiError::WrongHost);
}

#[test]
fn no_server_name() {
    let p = pki();
    let leaf = issue(
        &Spec::server("localhost", &["localhost"]),
        gen_key(KeyKind::P256),
        Some(&p.inter),
    );
    let srv = serve(&p, &leaf);
    let mut opts = ClientOpts::new(srv.port, vec![der(&p.root.cert)], "");
    opts.sni = None;
    assert_rejected(&connect(&opts), PkiError::NoServerName);
}
