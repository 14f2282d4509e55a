//! Test PKI: roots, intermediates, cross-signed copies and leaves, generated
//! at test time with the `openssl` crate.
//!
//! Everything is X.509 v3 with SHA-256 signatures (SHA-384 when the issuer key
//! is P-384). EC keys are always fresh. RSA keys are slow to generate, so they
//! come from a small on-disk pool (see [`KEY_CACHE_ENV`]): each RSA key is
//! handed out at most once per process, so two certificates made in one test
//! run never share a key by accident, while a second run reuses the first
//! run's keys and is fast.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509NameRef, X509};

/// Environment variable naming the directory of the RSA key pool. Default:
/// `$TMPDIR/modemtls-testkit-keys`. The keys are throw-away test material.
pub const KEY_CACHE_ENV: &str = "MODEMTLS_TESTKIT_KEY_CACHE";

const DAY: i64 = 86_400;

/// Key algorithm of a certificate's subject key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA on secp256r1 (prime256v1).
    P256,
    /// ECDSA on secp384r1.
    P384,
    Rsa2048,
    Rsa3072,
    Rsa4096,
}

impl KeyKind {
    /// True for the ECDSA kinds.
    pub fn is_ec(self) -> bool {
        matches!(self, KeyKind::P256 | KeyKind::P384)
    }

    /// RSA modulus size in bits (None for EC).
    pub fn rsa_bits(self) -> Option<u32> {
        match self {
            KeyKind::Rsa2048 => Some(2048),
            KeyKind::Rsa3072 => Some(3072),
            KeyKind::Rsa4096 => Some(4096),
            _ => None,
        }
    }
}

/// Current time in unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A private key of the given kind (EC: fresh; RSA: from the pool, never the
/// same key twice in one process).
pub fn new_key(kind: KeyKind) -> PKey<Private> {
    match kind {
        KeyKind::P256 | KeyKind::P384 => {
            let nid = if kind == KeyKind::P256 {
                Nid::X9_62_PRIME256V1
            } else {
                Nid::SECP384R1
            };
            let group = EcGroup::from_curve_name(nid).expect("EC group");
            let ec = EcKey::generate(&group).expect("EC key generation");
            PKey::from_ec_key(ec).expect("EC PKey")
        }
        KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => {
            rsa_from_pool(kind.rsa_bits().unwrap_or(2048))
        }
    }
}

fn rsa_from_pool(bits: u32) -> PKey<Private> {
    static NEXT: [AtomicUsize; 3] = [
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ];
    let slot = match bits {
        2048 => 0,
        3072 => 1,
        _ => 2,
    };
    let index = NEXT[slot].fetch_add(1, Ordering::SeqCst);
    let dir = std::env::var_os(KEY_CACHE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("modemtls-testkit-keys"));
    let path = dir.join(format!("rsa{bits}-{index}.pem"));
    if let Ok(pem) = std::fs::read(&path) {
        if let Ok(key) = PKey::private_key_from_pem(&pem) {
            if key.rsa().map(|r| r.size() * 8 == bits).unwrap_or(false) {
                return key;
            }
        }
    }
    let key = PKey::from_rsa(Rsa::generate(bits).expect("RSA key generation")).expect("RSA PKey");
    // Best effort: a pool that cannot be written only costs time.
    if std::fs::create_dir_all(&dir).is_ok() {
        if let Ok(pem) = key.private_key_to_pem_pkcs8() {
            let tmp = dir.join(format!(
                ".rsa{bits}-{index}.{}.{}.tmp",
                std::process::id(),
                now()
            ));
            if std::fs::write(&tmp, &pem).is_ok() && std::fs::rename(&tmp, &path).is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
    key
}

/// A certificate with its private key in the encodings firmware and modems
/// ask for.
#[derive(Clone, Debug)]
pub struct Issued {
    pub cert_der: Vec<u8>,
    pub cert_pem: Vec<u8>,
    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub key_pem: Vec<u8>,
    /// SEC1 PEM (`BEGIN EC PRIVATE KEY`), EC keys only.
    pub key_sec1_pem: Option<Vec<u8>>,
    /// PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), RSA keys only.
    pub key_pkcs1_pem: Option<Vec<u8>>,
    /// PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// Kind of the subject key.
    pub kind: KeyKind,
}

impl Issued {
    fn new(cert: &X509, key: &PKey<Private>, kind: KeyKind) -> Issued {
        let key_sec1_pem = key
            .ec_key()
            .ok()
            .map(|ec| ec.private_key_to_pem().expect("SEC1 PEM"));
        let key_pkcs1_pem = key
            .rsa()
            .ok()
            .map(|r| r.private_key_to_pem().expect("PKCS#1 PEM"));
        Issued {
            cert_der: cert.to_der().expect("cert DER"),
            cert_pem: cert.to_pem().expect("cert PEM"),
            key_pem: key.private_key_to_pem_pkcs8().expect("PKCS#8 PEM"),
            key_sec1_pem,
            key_pkcs1_pem,
            key_der: key.private_key_to_pkcs8().expect("PKCS#8 DER"),
            kind,
        }
    }

    /// The certificate as an `openssl` object.
    pub fn x509(&self) -> X509 {
        X509::from_der(&self.cert_der).expect("own DER parses")
    }

    /// The private key as an `openssl` object.
    pub fn pkey(&self) -> PKey<Private> {
        PKey::private_key_from_der(&self.key_der).expect("own key parses")
    }
}

/// A certificate authority (root, intermediate, or an end-entity certificate
/// abused as a signer, see [`Ca::non_ca_signer`]) that can issue
/// certificates.
#[derive(Clone)]
pub struct Ca {
    name: String,
    kind: KeyKind,
    key: PKey<Private>,
    cert: X509,
    issued: Issued,
    /// Certificates between this CA and its root, nearest first, excluding
    /// this CA and the root. Empty for a root and for a root's direct child.
    ancestors: Vec<Issued>,
    is_root: bool,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("is_root", &self.is_root)
            .finish()
    }
}

fn name(cn: &str) -> X509Name {
    let mut b = X509NameBuilder::new().expect("name builder");
    b.append_entry_by_nid(Nid::ORGANIZATIONNAME, "modemtls test")
        .expect("O");
    b.append_entry_by_nid(Nid::COMMONNAME, cn).expect("CN");
    b.build()
}

fn random_serial() -> Asn1Integer {
    let mut bn = BigNum::new().expect("bignum");
    // 63 random bits with the top bit set: positive, 8 bytes, never zero.
    bn.rand(63, MsbOption::ONE, false).expect("random serial");
    bn.to_asn1_integer().expect("serial")
}

fn digest_for(signer: &PKey<Private>) -> MessageDigest {
    if signer.id() == Id::EC {
        if let Ok(ec) = signer.ec_key() {
            if ec.group().curve_name() == Some(Nid::SECP384R1) {
                return MessageDigest::sha384();
            }
        }
    }
    MessageDigest::sha256()
}

struct CertParams<'a> {
    subject: &'a X509NameRef,
    subject_key: &'a PKey<Private>,
    /// None: self-signed.
    issuer: Option<(&'a X509, &'a PKey<Private>)>,
    not_before: i64,
    not_after: i64,
    /// Some(pathlen) for a CA (None inside = no path length constraint).
    ca: Option<Option<u32>>,
    key_usage: KeyUsage,
    eku: Option<ExtendedKeyUsage>,
    san: Option<SubjectAlternativeName>,
}

fn build_cert(p: CertParams<'_>) -> X509 {
    let mut b = X509Builder::new().expect("x509 builder");
    b.set_version(2).expect("v3");
    b.set_serial_number(&random_serial()).expect("serial");
    b.set_subject_name(p.subject).expect("subject");
    match p.issuer {
        Some((icert, _)) => b.set_issuer_name(icert.subject_name()).expect("issuer"),
        None => b.set_issuer_name(p.subject).expect("issuer"),
    }
    b.set_pubkey(p.subject_key).expect("pubkey");
    b.set_not_before(&Asn1Time::from_unix(p.not_before).expect("time"))
        .expect("notBefore");
    b.set_not_after(&Asn1Time::from_unix(p.not_after).expect("time"))
        .expect("notAfter");

    let mut bc = BasicConstraints::new();
    bc.critical();
    if let Some(pathlen) = p.ca {
        bc.ca();
        if let Some(n) = pathlen {
            bc.pathlen(n);
        }
    }
    b.append_extension(bc.build().expect("bc")).expect("bc");
    let ku = p.key_usage;
    b.append_extension(ku.build().expect("ku")).expect("ku");
    if let Some(eku) = p.eku {
        b.append_extension(eku.build().expect("eku")).expect("eku");
    }
    let ski = {
        let ctx = b.x509v3_context(p.issuer.map(|(c, _)| &**c), None);
        SubjectKeyIdentifier::new().build(&ctx).expect("ski")
    };
    b.append_extension(ski).expect("ski");
    if let Some((icert, _)) = p.issuer {
        let aki = {
            let ctx = b.x509v3_context(Some(icert), None);
            AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&ctx)
                .expect("aki")
        };
        b.append_extension(aki).expect("aki");
    }
    if let Some(san) = p.san {
        let ext = {
            let ctx = b.x509v3_context(p.issuer.map(|(c, _)| &**c), None);
            san.build(&ctx).expect("san")
        };
        b.append_extension(ext).expect("san");
    }
    let signer = p.issuer.map(|(_, k)| k).unwrap_or(p.subject_key);
    b.sign(signer, digest_for(signer)).expect("sign");
    b.build()
}

fn ca_key_usage() -> KeyUsage {
    let mut ku = KeyUsage::new();
    ku.critical().key_cert_sign().crl_sign();
    ku
}

fn ee_key_usage(kind: KeyKind) -> KeyUsage {
    let mut ku = KeyUsage::new();
    ku.critical().digital_signature();
    if !kind.is_ec() {
        ku.key_encipherment();
    }
    ku
}

impl Ca {
    /// A self-signed root: CA:TRUE (critical, no path length limit),
    /// keyCertSign|cRLSign (critical), valid from now-1 day for 10 years.
    pub fn root(name_: &str, kind: KeyKind) -> Ca {
        let key = new_key(kind);
        let subject = name(name_);
        let t = now();
        let cert = build_cert(CertParams {
            subject: &subject,
            subject_key: &key,
            issuer: None,
            not_before: t - DAY,
            not_after: t + 3650 * DAY,
            ca: Some(None),
            key_usage: ca_key_usage(),
            eku: None,
            san: None,
        });
        let issued = Issued::new(&cert, &key, kind);
        Ca {
            name: name_.to_string(),
            kind,
            key,
            cert,
            issued,
            ancestors: Vec::new(),
            is_root: true,
        }
    }

    /// An intermediate issued by this CA: CA:TRUE pathlen:0,
    /// keyCertSign|cRLSign, valid from now-1 day for 5 years.
    pub fn intermediate(&self, name_: &str, kind: KeyKind) -> Ca {
        self.sub_ca(name_, kind, Some(Some(0)))
    }

    /// An intermediate without path length constraint, for chains with more
    /// than one intermediate.
    pub fn intermediate_no_pathlen(&self, name_: &str, kind: KeyKind) -> Ca {
        self.sub_ca(name_, kind, Some(None))
    }

    /// An end-entity certificate (CA:FALSE, digitalSignature only, serverAuth
    /// and clientAuth EKU) issued by this CA, returned as a [`Ca`] so that it
    /// can sign leaves anyway. Verifiers must reject every leaf it signs
    /// ("CA:FALSE signer").
    pub fn non_ca_signer(&self, name_: &str, kind: KeyKind) -> Ca {
        self.sub_ca(name_, kind, None)
    }

    fn sub_ca(&self, name_: &str, kind: KeyKind, ca: Option<Option<u32>>) -> Ca {
        let key = new_key(kind);
        let subject = name(name_);
        let t = now();
        let (key_usage, eku) = if ca.is_some() {
            (ca_key_usage(), None)
        } else {
            let mut eku = ExtendedKeyUsage::new();
            eku.server_auth().client_auth();
            (ee_key_usage(kind), Some(eku))
        };
        let cert = build_cert(CertParams {
            subject: &subject,
            subject_key: &key,
            issuer: Some((&self.cert, &self.key)),
            not_before: t - DAY,
            not_after: t + 5 * 365 * DAY,
            ca,
            key_usage,
            eku,
            san: None,
        });
        let issued = Issued::new(&cert, &key, kind);
        let mut ancestors = Vec::new();
        if !self.is_root {
            ancestors.push(self.issued.clone());
            ancestors.extend(self.ancestors.iter().cloned());
        }
        Ca {
            name: name_.to_string(),
            kind,
            key,
            cert,
            issued,
            ancestors,
            is_root: false,
        }
    }

    /// This CA's subject and key in a certificate signed by `by` (CA:TRUE, no
    /// path length limit, valid from now-1 day for 5 years). Appending it to
    /// a chain that ends at this CA gives a chain with an extra cross-signed
    /// certificate at the end, as AWS IoT sends it.
    pub fn cross_signed_copy_of(&self, by: &Ca) -> Issued {
        let t = now();
        let cert = build_cert(CertParams {
            subject: self.cert.subject_name(),
            subject_key: &self.key,
            issuer: Some((&by.cert, &by.key)),
            not_before: t - DAY,
            not_after: t + 5 * 365 * DAY,
            ca: Some(None),
            key_usage: ca_key_usage(),
            eku: None,
            san: None,
        });
        Issued::new(&cert, &self.key, self.kind)
    }

    /// A leaf (or, with `spec.is_ca`, a CA:TRUE certificate) issued by this CA.
    pub fn leaf(&self, spec: &LeafSpec) -> Issued {
        let key = new_key(spec.kind);
        let subject = name(&spec.cn);
        let eku = if spec.server_auth_eku || spec.client_auth_eku {
            let mut eku = ExtendedKeyUsage::new();
            if spec.server_auth_eku {
                eku.server_auth();
            }
            if spec.client_auth_eku {
                eku.client_auth();
            }
            Some(eku)
        } else {
            None
        };
        let san = if spec.dns_names.is_empty() && spec.ips.is_empty() {
            None
        } else {
            let mut san = SubjectAlternativeName::new();
            for d in &spec.dns_names {
                san.dns(d);
            }
            for ip in &spec.ips {
                san.ip(&ip.to_string());
            }
            Some(san)
        };
        let key_usage = if spec.is_ca {
            let mut ku = ca_key_usage();
            ku.digital_signature();
            ku
        } else {
            ee_key_usage(spec.kind)
        };
        let cert = build_cert(CertParams {
            subject: &subject,
            subject_key: &key,
            issuer: Some((&self.cert, &self.key)),
            not_before: spec.not_before,
            not_after: spec.not_after,
            ca: if spec.is_ca { Some(None) } else { None },
            key_usage,
            eku,
            san,
        });
        Issued::new(&cert, &key, spec.kind)
    }

    /// This CA's own certificate and key.
    pub fn cert(&self) -> &Issued {
        &self.issued
    }

    /// Common name given at creation.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for a self-signed root.
    pub fn is_root(&self) -> bool {
        self.is_root
    }

    /// The certificates a server sends after its leaf when the leaf was
    /// issued by this CA: this CA (unless it is a root) and its ancestors
    /// below the root, nearest first. Empty for a root.
    pub fn chain(&self) -> Vec<&Issued> {
        let mut v = Vec::new();
        if !self.is_root {
            v.push(&self.issued);
            v.extend(self.ancestors.iter());
        }
        v
    }

    /// `leaf` followed by [`Ca::chain`], concatenated PEM.
    pub fn chain_pem(&self, leaf: &Issued) -> Vec<u8> {
        let mut pem = leaf.cert_pem.clone();
        for c in self.chain() {
            pem.extend_from_slice(&c.cert_pem);
        }
        pem
    }
}

/// What to put in a leaf certificate. Start from [`LeafSpec::server`] or
/// [`LeafSpec::client`] and adjust with the builder methods.
#[derive(Clone, Debug)]
pub struct LeafSpec {
    pub kind: KeyKind,
    pub dns_names: Vec<String>,
    pub ips: Vec<IpAddr>,
    pub cn: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    pub server_auth_eku: bool,
    pub client_auth_eku: bool,
    /// CA:TRUE (with keyCertSign) instead of CA:FALSE.
    pub is_ca: bool,
}

impl LeafSpec {
    /// P-256, CN = host, SAN dNSName host (iPAddress when `host` parses as an
    /// IP address), valid now-1 day .. now+1 year, EKU serverAuth.
    pub fn server(host: &str) -> Self {
        let t = now();
        let (dns_names, ips) = match host.parse::<IpAddr>() {
            Ok(ip) => (Vec::new(), vec![ip]),
            Err(_) => (vec![host.to_string()], Vec::new()),
        };
        LeafSpec {
            kind: KeyKind::P256,
            dns_names,
            ips,
            cn: host.to_string(),
            not_before: t - DAY,
            not_after: t + 365 * DAY,
            server_auth_eku: true,
            client_auth_eku: false,
            is_ca: false,
        }
    }

    /// P-256, CN = cn, no SAN, valid now-1 day .. now+1 year, EKU clientAuth.
    pub fn client(cn: &str) -> Self {
        let t = now();
        LeafSpec {
            kind: KeyKind::P256,
            dns_names: Vec::new(),
            ips: Vec::new(),
            cn: cn.to_string(),
            not_before: t - DAY,
            not_after: t + 365 * DAY,
            server_auth_eku: false,
            client_auth_eku: true,
            is_ca: false,
        }
    }

    pub fn kind(mut self, kind: KeyKind) -> Self {
        self.kind = kind;
        self
    }

    /// Adds a dNSName to the SAN.
    pub fn dns(mut self, name: &str) -> Self {
        self.dns_names.push(name.to_string());
        self
    }

    /// Adds an iPAddress to the SAN.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ips.push(ip);
        self
    }

    /// Removes every SAN entry (CN only).
    pub fn no_san(mut self) -> Self {
        self.dns_names.clear();
        self.ips.clear();
        self
    }

    pub fn cn(mut self, cn: &str) -> Self {
        self.cn = cn.to_string();
        self
    }

    /// Explicit validity, unix seconds.
    pub fn validity(mut self, not_before: i64, not_after: i64) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Valid from now-2 years until now-1 day.
    pub fn expired(self) -> Self {
        let t = now();
        self.validity(t - 730 * DAY, t - DAY)
    }

    /// Valid from now+1 day until now+1 year.
    pub fn not_yet_valid(self) -> Self {
        let t = now();
        self.validity(t + DAY, t + 365 * DAY)
    }

    /// No extendedKeyUsage extension at all (any purpose).
    pub fn no_eku(mut self) -> Self {
        self.server_auth_eku = false;
        self.client_auth_eku = false;
        self
    }

    pub fn server_auth(mut self, on: bool) -> Self {
        self.server_auth_eku = on;
        self
    }

    pub fn client_auth(mut self, on: bool) -> Self {
        self.client_auth_eku = on;
        self
    }

    /// CA:TRUE leaf.
    pub fn ca(mut self, on: bool) -> Self {
        self.is_ca = on;
        self
    }
}

/// What a TLS server needs, plus what a client needs to trust it.
#[derive(Clone, Debug)]
pub struct ServerCreds {
    /// Leaf first, then intermediates (and extras), PEM.
    pub chain_pem: Vec<u8>,
    /// Leaf key, PKCS#8 PEM.
    pub key_pem: Vec<u8>,
    /// Root certificate, PEM.
    pub ca_pem: Vec<u8>,
    /// Root certificate, DER.
    pub ca_der: Vec<u8>,
    /// The leaf with all its key encodings.
    pub leaf: Issued,
    pub root: Ca,
    pub intermediate: Ca,
}

impl ServerCreds {
    /// Appends a certificate (e.g. a cross-signed copy) to the chain.
    pub fn with_extra(mut self, extra: &Issued) -> Self {
        self.chain_pem.extend_from_slice(&extra.cert_pem);
        self
    }
}

/// root(kind) -> intermediate(kind) -> leaf(kind) for `host` (see
/// [`LeafSpec::server`]); the chain is leaf + intermediate.
pub fn server_creds(host: &str, kind: KeyKind) -> ServerCreds {
    server_creds_with(host, LeafSpec::server(host).kind(kind), kind)
}

/// Like [`server_creds`] with a custom leaf spec; `ca_kind` for root and
/// intermediate.
pub fn server_creds_with(host: &str, spec: LeafSpec, ca_kind: KeyKind) -> ServerCreds {
    let root = Ca::root(&format!("modemtls test root for {host}"), ca_kind);
    let intermediate =
        root.intermediate(&format!("modemtls test intermediate for {host}"), ca_kind);
    let leaf = intermediate.leaf(&spec);
    ServerCreds {
        chain_pem: intermediate.chain_pem(&leaf),
        key_pem: leaf.key_pem.clone(),
        ca_pem: root.cert().cert_pem.clone(),
        ca_der: root.cert().cert_der.clone(),
        leaf,
        root,
        intermediate,
    }
}
