//! Test support for the `pki_*` tests: a test PKI built with the `openssl`
//! crate, an `openssl s_server` child process, a small TLS 1.3 server that
//! can misbehave (no Certificate/CertificateVerify, wrong signing key), and
//! an `embedded-tls` client using `modemtls::pki`.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Extension, X509NameBuilder, X509};

use modemtls::pki::{ClientIdentity, PkiError, PkiProvider, PkiVerifier, TrustAnchors, Validity};
use modemtls_testkit::hostile::{Auth, ConnLog, HostileServer, Script};

pub const DAY: i64 = 86_400;

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------- PKI

#[derive(Clone, Copy, Debug)]
pub enum KeyKind {
    P256,
    P384,
    Rsa(u32),
}

pub fn gen_key(kind: KeyKind) -> PKey<Private> {
    match kind {
        KeyKind::P256 => {
            let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
        }
        KeyKind::P384 => {
            let g = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
            PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
        }
        KeyKind::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap(),
    }
}

/// What goes into a certificate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub cn: String,
    /// DNS names or IP literals for subjectAltName (leaf only).
    pub sans: Vec<String>,
    /// `Some(true)`: CA:TRUE; `Some(false)`: CA:FALSE; `None`: no basicConstraints.
    pub ca: Option<bool>,
    pub server_auth: bool,
    pub client_auth: bool,
    /// Validity relative to now, in seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// basicConstraints pathLenConstraint (with `ca: Some(true)`).
    pub path_len: Option<u32>,
    /// keyUsage bits by name (`digitalSignature`, `keyEncipherment`,
    /// `keyCertSign`, `cRLSign`); `None`: the default for `ca` (a CA gets
    /// keyCertSign + cRLSign, CA:FALSE digitalSignature + keyEncipherment,
    /// no basicConstraints no keyUsage); `Some(vec![])`: no keyUsage.
    pub key_usage: Option<Vec<&'static str>>,
    /// More extendedKeyUsage purposes by OpenSSL name (e.g.
    /// `anyExtendedKeyUsage`, `codeSigning`).
    pub extra_eku: Vec<&'static str>,
    /// A critical nameConstraints extension with this DER value (the
    /// `NameConstraints` SEQUENCE).
    pub name_constraints: Option<Vec<u8>>,
    /// Other extensions: (dotted OID, critical, DER value).
    pub extensions: Vec<(String, bool, Vec<u8>)>,
    /// A version 1 certificate (no extensions at all).
    pub version1: bool,
    /// How the issuer signs it.
    pub sig: SigAlg,
}

/// The signature algorithm an issuer signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SigAlg {
    /// ECDSA or RSA PKCS#1 v1.5 with SHA-256.
    #[default]
    Sha256,
    Sha384,
    Sha512,
    /// RSA-PSS (MGF1 with the same hash, salt as long as the hash).
    Pss256,
    Pss384,
    Pss512,
}

impl Spec {
    /// The fields every constructor shares.
    fn base(cn: &str, ca: Option<bool>, not_after: i64) -> Self {
        Spec {
            cn: cn.into(),
            sans: vec![],
            ca,
            server_auth: false,
            client_auth: false,
            not_before: -DAY,
            not_after,
            path_len: None,
            key_usage: None,
            extra_eku: vec![],
            name_constraints: None,
            extensions: vec![],
            version1: false,
            sig: SigAlg::Sha256,
        }
    }
}

impl Spec {
    pub fn ca(cn: &str) -> Self {
        Self::base(cn, Some(true), 3650 * DAY)
    }
    pub fn server(cn: &str, sans: &[&str]) -> Self {
        Spec {
            sans: sans.iter().map(|s| s.to_string()).collect(),
            server_auth: true,
            ..Self::base(cn, Some(false), 365 * DAY)
        }
    }
    pub fn client(cn: &str) -> Self {
        Spec {
            client_auth: true,
            ..Self::base(cn, Some(false), 365 * DAY)
        }
    }
}

/// A certificate and its private key.
pub struct Cred {
    pub cert: X509,
    pub key: PKey<Private>,
}

static SERIAL: AtomicUsize = AtomicUsize::new(1);

/// Issues `spec` for `key`, signed by `issuer` (self-signed when `None`).
pub fn issue(spec: &Spec, key: PKey<Private>, issuer: Option<&Cred>) -> Cred {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", &spec.cn).unwrap();
    name.append_entry_by_text("O", "modemtls test").unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(if spec.version1 { 0 } else { 2 }).unwrap();
    let serial = BigNum::from_u32(SERIAL.fetch_add(1, Ordering::SeqCst) as u32 + 1000).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    match issuer {
        Some(i) => b.set_issuer_name(i.cert.subject_name()).unwrap(),
        None => b.set_issuer_name(&name).unwrap(),
    }
    b.set_pubkey(&key).unwrap();
    let n = now() as i64;
    b.set_not_before(&Asn1Time::from_unix(n + spec.not_before).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(n + spec.not_after).unwrap())
        .unwrap();
    if !spec.version1 {
        add_extensions(&mut b, spec, issuer);
    }
    let signer = issuer.map(|i| &i.key).unwrap_or(&key);
    let digest = match spec.sig {
        SigAlg::Sha256 | SigAlg::Pss256 => MessageDigest::sha256(),
        SigAlg::Sha384 | SigAlg::Pss384 => MessageDigest::sha384(),
        SigAlg::Sha512 | SigAlg::Pss512 => MessageDigest::sha512(),
    };
    b.sign(signer, digest).unwrap();
    let cert = b.build();
    let cert = match spec.sig {
        SigAlg::Pss256 | SigAlg::Pss384 | SigAlg::Pss512 => resign_pss(&cert, signer, digest),
        _ => cert,
    };
    Cred { cert, key }
}

fn add_extensions(b: &mut X509Builder, spec: &Spec, issuer: Option<&Cred>) {
    let key_usage = |bits: &[&str]| {
        let mut ku = KeyUsage::new();
        ku.critical();
        for bit in bits {
            match *bit {
                "digitalSignature" => ku.digital_signature(),
                "keyEncipherment" => ku.key_encipherment(),
                "keyCertSign" => ku.key_cert_sign(),
                "cRLSign" => ku.crl_sign(),
                other => panic!("keyUsage bit {other}"),
            };
        }
        ku.build().unwrap()
    };
    match spec.ca {
        Some(true) => {
            let mut bc = BasicConstraints::new();
            bc.critical().ca();
            if let Some(n) = spec.path_len {
                bc.pathlen(n);
            }
            b.append_extension(bc.build().unwrap()).unwrap();
        }
        Some(false) => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
        }
        None => {}
    }
    let default_ku: &[&str] = match spec.ca {
        Some(true) => &["keyCertSign", "cRLSign"],
        Some(false) => &["digitalSignature", "keyEncipherment"],
        None => &[],
    };
    let bits = spec.key_usage.as_deref().unwrap_or(default_ku);
    if !bits.is_empty() {
        b.append_extension(key_usage(bits)).unwrap();
    }
    if spec.server_auth || spec.client_auth || !spec.extra_eku.is_empty() {
        let mut eku = ExtendedKeyUsage::new();
        if spec.server_auth {
            eku.server_auth();
        }
        if spec.client_auth {
            eku.client_auth();
        }
        for other in &spec.extra_eku {
            eku.other(other);
        }
        b.append_extension(eku.build().unwrap()).unwrap();
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
        .unwrap();
    b.append_extension(ski).unwrap();
    // (A v1 issuer has no subjectKeyIdentifier to point to.)
    if let Some(i) = issuer.filter(|i| i.cert.subject_key_id().is_some()) {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&b.x509v3_context(Some(&i.cert), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    if !spec.sans.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for s in &spec.sans {
            if s.parse::<std::net::IpAddr>().is_ok() {
                san.ip(s);
            } else {
                san.dns(s);
            }
        }
        let ext = san
            .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    if let Some(nc) = &spec.name_constraints {
        let oid = Asn1Object::from_str("2.5.29.30").unwrap();
        let value = Asn1OctetString::new_from_bytes(nc).unwrap();
        b.append_extension(X509Extension::new_from_der(&oid, true, &value).unwrap())
            .unwrap();
    }
    for (oid, critical, value) in &spec.extensions {
        let oid = Asn1Object::from_str(oid).unwrap();
        let value = Asn1OctetString::new_from_bytes(value).unwrap();
        b.append_extension(X509Extension::new_from_der(&oid, *critical, &value).unwrap())
            .unwrap();
    }
}

// ---------------------------------------------------------------- DER

/// A DER TLV: `tag`, the definite length, `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The TLVs of a DER sequence's content, each whole (header and content).
pub fn der_elements(mut content: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while content.len() >= 2 {
        let (header, len) = match content[1] {
            l if l < 0x80 => (2, l as usize),
            l => {
                let k = (l & 0x7f) as usize;
                let len = content[2..2 + k]
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | *b as usize);
                (2 + k, len)
            }
        };
        let (whole, rest) = content.split_at(header + len);
        out.push(whole);
        content = rest;
    }
    out
}

/// The content of a DER TLV.
pub fn der_content(whole: &[u8]) -> &[u8] {
    let header = if whole[1] < 0x80 {
        2
    } else {
        2 + (whole[1] & 0x7f) as usize
    };
    &whole[header..]
}

/// `cert` signed again by `key` with RSA-PSS over `digest` (MGF1 with the
/// same hash, salt as long as the hash), both AlgorithmIdentifiers
/// rewritten as RFC 4055 says.
fn resign_pss(cert: &X509, key: &PKey<Private>, digest: MessageDigest) -> X509 {
    let der = cert.to_der().unwrap();
    let outer = der_elements(der_content(&der));
    let tbs = der_elements(der_content(outer[0]));
    let (hash_oid, salt): (&[u8], u8) = match digest.size() {
        32 => (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01], 32),
        48 => (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02], 48),
        _ => (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03], 64),
    };
    let hash_alg = tlv(0x30, &[tlv(0x06, hash_oid), vec![0x05, 0x00]].concat());
    let mgf1_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
    let mgf = tlv(0x30, &[tlv(0x06, &mgf1_oid), hash_alg.clone()].concat());
    let params = tlv(
        0x30,
        &[
            tlv(0xa0, &hash_alg),
            tlv(0xa1, &mgf),
            tlv(0xa2, &tlv(0x02, &[salt])),
        ]
        .concat(),
    );
    let pss_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    let alg = tlv(0x30, &[tlv(0x06, &pss_oid), params].concat());
    // tbs: [0] version, serial, signature AlgorithmIdentifier, ...
    let mut fields: Vec<Vec<u8>> = tbs.iter().map(|f| f.to_vec()).collect();
    let at = if fields[0][0] == 0xa0 { 2 } else { 1 };
    fields[at] = alg.clone();
    let tbs = tlv(0x30, &fields.concat());
    let mut signer = Signer::new(digest, key).unwrap();
    signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
    signer
        .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
        .unwrap();
    signer.set_rsa_mgf1_md(digest).unwrap();
    signer.update(&tbs).unwrap();
    let sig = signer.sign_to_vec().unwrap();
    let bits = tlv(0x03, &[&[0u8][..], &sig].concat());
    X509::from_der(&tlv(0x30, &[tbs, alg, bits].concat())).unwrap()
}

/// A fresh scratch directory for one test.
pub fn scratch_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "modemtls-pki-{}-{}-{}",
        std::process::id(),
        tag,
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---------------------------------------------------------------- s_server

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `openssl s_server`, killed on drop.
pub struct SServer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct SServerOpts<'a> {
    pub leaf: &'a Cred,
    /// Sent after the leaf, in this order.
    pub chain: Vec<&'a X509>,
    /// Require a client certificate issued by this CA.
    pub client_ca: Option<&'a X509>,
}

impl SServer {
    pub fn start(opts: SServerOpts<'_>) -> SServer {
        let dir = scratch_dir("s_server");
        std::fs::write(dir.join("leaf.pem"), opts.leaf.cert.to_pem().unwrap()).unwrap();
        std::fs::write(
            dir.join("leaf.key"),
            opts.leaf.key.private_key_to_pem_pkcs8().unwrap(),
        )
        .unwrap();
        let mut chain = Vec::new();
        for c in &opts.chain {
            chain.extend_from_slice(&c.to_pem().unwrap());
        }
        std::fs::write(dir.join("chain.pem"), &chain).unwrap();
        for attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new("openssl");
            cmd.arg("s_server")
                .arg("-accept")
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(dir.join("leaf.pem"))
                .arg("-key")
                .arg(dir.join("leaf.key"))
                .arg("-tls1_3")
                .arg("-www");
            if !opts.chain.is_empty() {
                cmd.arg("-cert_chain").arg(dir.join("chain.pem"));
            }
            if let Some(ca) = opts.client_ca {
                std::fs::write(dir.join("client_ca.pem"), ca.to_pem().unwrap()).unwrap();
                cmd.arg("-Verify")
                    .arg("2")
                    .arg("-CAfile")
                    .arg(dir.join("client_ca.pem"));
                cmd.arg("-verify_return_error");
            }
            let stderr = std::fs::File::create(dir.join(format!("stderr{attempt}"))).unwrap();
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(stderr);
            let mut child = cmd.spawn().expect("spawn openssl s_server");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited (port taken?) -> retry
                }
                if TcpStream::connect_timeout(
                    &format!("127.0.0.1:{port}").parse().unwrap(),
                    Duration::from_millis(200),
                )
                .is_ok()
                {
                    return SServer { child, port, dir };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!(
            "openssl s_server did not start; stderr: {}",
            std::fs::read_to_string(dir.join("stderr4")).unwrap_or_default()
        );
    }
}

// ---------------------------------------------------------------- client

/// `std::net::TcpStream` as an `embedded_io` stream.
pub struct Io(pub TcpStream);

impl embedded_io::ErrorType for Io {
    type Error = std::io::Error;
}
impl embedded_io::Read for Io {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.0.read(buf)
    }
}
impl embedded_io::Write for Io {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

/// How a client connection went.
#[derive(Debug)]
pub struct Outcome {
    /// What `TlsConnection::open()` returned.
    pub open: Result<(), embedded_tls::TlsError>,
    /// `PkiVerifier::check()` after `open()`.
    pub check: Result<(), PkiError>,
    /// Application data read after an HTTP GET (s_server `-www`), if asked.
    pub response: Option<String>,
}

impl Outcome {
    /// The verdict the session layer would act on.
    pub fn verdict(&self) -> Result<(), PkiError> {
        self.check
    }
}

pub struct ClientOpts<'a> {
    pub port: u16,
    /// DER of the trust anchors.
    pub anchors: Vec<Vec<u8>>,
    /// SNI / host name in the TlsConfig (None: not set).
    pub sni: Option<&'a str>,
    /// Name set on the verifier directly (e.g. an IP address).
    pub verifier_name: Option<&'a str>,
    pub validity: Validity,
    /// (client cert DER, client key DER)
    pub client: Option<(Vec<u8>, Vec<u8>)>,
    /// Send "GET /" after the handshake and read the answer.
    pub http_get: bool,
    /// Use `host_tls_config` (offers RSA-PSS); false: plain `TlsConfig::new()`.
    pub offer_rsa: bool,
}

impl<'a> ClientOpts<'a> {
    pub fn new(port: u16, anchors: Vec<Vec<u8>>, sni: &'a str) -> Self {
        ClientOpts {
            port,
            anchors,
            sni: Some(sni),
            verifier_name: None,
            validity: Validity::At(now()),
            client: None,
            http_get: true,
            offer_rsa: true,
        }
    }
}

/// Connects with `embedded-tls` + `modemtls::pki` (AES-128-GCM-SHA256).
pub fn connect(opts: &ClientOpts<'_>) -> Outcome {
    use embedded_tls::blocking::{Aes128GcmSha256, TlsConfig, TlsConnection, TlsContext};
    let stream = TcpStream::connect(("127.0.0.1", opts.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();

    let mut anchors: TrustAnchors<'_, 8> = TrustAnchors::new();
    for a in &opts.anchors {
        anchors.add_der(a).unwrap();
    }
    let mut verifier = PkiVerifier::new(anchors.as_slice(), opts.validity);
    if let Some(n) = opts.verifier_name {
        verifier = verifier.with_server_name(n).unwrap();
    }
    let config = match (opts.sni, opts.offer_rsa) {
        (Some(n), true) => modemtls::pki::host_tls_config(n),
        (Some(n), false) => TlsConfig::new().with_server_name(n),
        (None, true) => TlsConfig::new().enable_rsa_signatures(),
        (None, false) => TlsConfig::new(),
    };
    let identity = opts
        .client
        .as_ref()
        .map(|(c, k)| ClientIdentity::new(c, k).expect("client key"));

    let mut rbuf = vec![0u8; 16640];
    let mut wbuf = vec![0u8; 16640];
    let mut tls: TlsConnection<'_, Io, Aes128GcmSha256> =
        TlsConnection::new(Io(stream), &mut rbuf, &mut wbuf);
    let open = {
        let mut provider = PkiProvider::new(rand_core::OsRng, &mut verifier);
        if let Some(id) = identity.as_ref() {
            provider = provider.with_client_identity(id);
        }
        tls.open(TlsContext::new(&config, provider))
    };
    let check = verifier.check();
    let mut response = None;
    if open.is_ok() && opts.http_get {
        let mut got = Vec::new();
        if tls.write(b"GET / HTTP/1.0\r\n\r\n").is_ok() && tls.flush().is_ok() {
            let mut buf = [0u8; 4096];
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
                if got.windows(4).any(|w| w == b"</HT" || w == b"</ht") {
                    break;
                }
            }
        }
        response = Some(String::from_utf8_lossy(&got).into_owned());
    }
    Outcome {
        open,
        check,
        response,
    }
}

/// Asserts a full success: handshake, verification, and data exchanged.
pub fn assert_ok(o: &Outcome) {
    assert!(
        o.open.is_ok(),
        "open failed: {:?} (verifier: {:?})",
        o.open,
        o.check
    );
    assert_eq!(o.check, Ok(()));
    let r = o.response.as_deref().unwrap_or("");
    assert!(
        r.starts_with("HTTP/1.0 200 ok"),
        "unexpected response: {r:?}"
    );
}

/// Asserts the connection was refused for `cause`.
pub fn assert_rejected(o: &Outcome, cause: PkiError) {
    assert_eq!(o.check, Err(cause), "open: {:?}", o.open);
    eprintln!("rejected as expected: {} (open: {:?})", cause, o.open);
}

pub fn der(c: &X509) -> Vec<u8> {
    c.to_der().unwrap()
}

// ---------------------------------------------------------------- rogue server

/// What the small TLS 1.3 server sends after EncryptedExtensions.
pub enum Rogue {
    /// Nothing: straight to Finished (no Certificate, no CertificateVerify).
    NoCertificate,
    /// Certificate (these DERs) but no CertificateVerify.
    CertificateOnly(Vec<Vec<u8>>),
    /// Certificate, then CertificateVerify signed by this P-256 key (SEC1 DER).
    Signed(Vec<Vec<u8>>, Vec<u8>),
}

/// A TLS 1.3 server (TLS_AES_128_GCM_SHA256, P-256 key share: testkit
/// `hostile`) that authenticates as `mode` says.
pub fn rogue_server(mode: Rogue) -> HostileServer {
    let key = |sec1: &[u8]| {
        PKey::from_ec_key(openssl::ec::EcKey::private_key_from_der(sec1).unwrap()).unwrap()
    };
    let (chain, key, auth) = match mode {
        Rogue::NoCertificate => (Vec::new(), gen_key(KeyKind::P256), Auth::Nothing),
        Rogue::CertificateOnly(c) => (c, gen_key(KeyKind::P256), Auth::CertificateOnly),
        Rogue::Signed(c, sec1) => (c, key(&sec1), Auth::Chain),
    };
    let script = Script {
        auth,
        ..Script::default()
    };
    HostileServer::spawn_with(chain, key, script).unwrap()
}

/// The rogue server's TLS 1.3 connection, once it ended.
pub fn rogue_connection(srv: &HostileServer) -> ConnLog {
    srv.wait_tls13(0)
        .pop()
        .expect("the client connected with TLS 1.3")
}
