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

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use modemtls::pki::{ClientIdentity, PkiError, PkiProvider, PkiVerifier, TrustAnchors, Validity};

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
}

impl Spec {
    pub fn ca(cn: &str) -> Self {
        Spec {
            cn: cn.into(),
            sans: vec![],
            ca: Some(true),
            server_auth: false,
            client_auth: false,
            not_before: -DAY,
            not_after: 3650 * DAY,
        }
    }
    pub fn server(cn: &str, sans: &[&str]) -> Self {
        Spec {
            cn: cn.into(),
            sans: sans.iter().map(|s| s.to_string()).collect(),
            ca: Some(false),
            server_auth: true,
            client_auth: false,
            not_before: -DAY,
            not_after: 365 * DAY,
        }
    }
    pub fn client(cn: &str) -> Self {
        Spec {
            cn: cn.into(),
            sans: vec![],
            ca: Some(false),
            server_auth: false,
            client_auth: true,
            not_before: -DAY,
            not_after: 365 * DAY,
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
    b.set_version(2).unwrap();
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
    match spec.ca {
        Some(true) => {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        Some(false) => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_encipherment()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        None => {}
    }
    if spec.server_auth || spec.client_auth {
        let mut eku = ExtendedKeyUsage::new();
        if spec.server_auth {
            eku.server_auth();
        }
        if spec.client_auth {
            eku.client_auth();
        }
        b.append_extension(eku.build().unwrap()).unwrap();
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = issuer {
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
    let signer = issuer.map(|i| &i.key).unwrap_or(&key);
    b.sign(signer, MessageDigest::sha256()).unwrap();
    Cred {
        cert: b.build(),
        key,
    }
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

/// Runs a one-connection TLS 1.3 server (TLS_AES_128_GCM_SHA256, P-256
/// key share) in a thread. Returns the port.
pub fn rogue_server(mode: Rogue) -> (u16, std::thread::JoinHandle<Result<(), String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || -> Result<(), String> {
        let (mut s, _) = listener.accept().map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        rogue::serve(&mut s, mode)
    });
    (port, h)
}

mod rogue {
    use super::Rogue;
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::Aes128Gcm;
    use hkdf::Hkdf;
    use hmac::{Hmac, Mac};
    use p256::ecdsa::signature::Signer;
    use sha2::{Digest, Sha256};
    use std::io::{Read, Write};
    use std::net::TcpStream;

    fn expand_label(secret: &[u8], label: &str, ctx: &[u8], len: usize) -> Vec<u8> {
        let hk = Hkdf::<Sha256>::from_prk(secret).unwrap();
        let full = format!("tls13 {label}");
        let mut info = Vec::new();
        info.extend_from_slice(&(len as u16).to_be_bytes());
        info.push(full.len() as u8);
        info.extend_from_slice(full.as_bytes());
        info.push(ctx.len() as u8);
        info.extend_from_slice(ctx);
        let mut out = vec![0u8; len];
        hk.expand(&info, &mut out).unwrap();
        out
    }

    fn u24(n: usize) -> [u8; 3] {
        [(n >> 16) as u8, (n >> 8) as u8, n as u8]
    }

    fn handshake(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![ty];
        m.extend_from_slice(&u24(body.len()));
        m.extend_from_slice(body);
        m
    }

    struct Writer {
        key: Aes128Gcm,
        iv: Vec<u8>,
        seq: u64,
    }

    impl Writer {
        fn record(&mut self, s: &mut TcpStream, content: &[u8], ty: u8) -> Result<(), String> {
            let mut inner = content.to_vec();
            inner.push(ty);
            let len = inner.len() + 16;
            let hdr = [0x17, 0x03, 0x03, (len >> 8) as u8, len as u8];
            let mut nonce = self.iv.clone();
            for (i, b) in self.seq.to_be_bytes().iter().enumerate() {
                nonce[4 + i] ^= b;
            }
            self.seq += 1;
            let ct = self
                .key
                .encrypt(
                    (&nonce[..]).into(),
                    Payload {
                        msg: &inner,
                        aad: &hdr,
                    },
                )
                .map_err(|e| e.to_string())?;
            s.write_all(&hdr).map_err(|e| e.to_string())?;
            s.write_all(&ct).map_err(|e| e.to_string())
        }
    }

    fn read_record(s: &mut TcpStream) -> Result<(u8, Vec<u8>), String> {
        let mut hdr = [0u8; 5];
        s.read_exact(&mut hdr).map_err(|e| e.to_string())?;
        let len = u16::from_be_bytes([hdr[3], hdr[4]]) as usize;
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).map_err(|e| e.to_string())?;
        Ok((hdr[0], body))
    }

    /// The client's P-256 key share from a ClientHello handshake message.
    fn client_share(ch: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut p = 4 + 2 + 32;
        let sid_len = *ch.get(p)? as usize;
        let sid = ch.get(p + 1..p + 1 + sid_len)?.to_vec();
        p += 1 + sid_len;
        let cs_len = u16::from_be_bytes([*ch.get(p)?, *ch.get(p + 1)?]) as usize;
        p += 2 + cs_len;
        let comp_len = *ch.get(p)? as usize;
        p += 1 + comp_len;
        let ext_len = u16::from_be_bytes([*ch.get(p)?, *ch.get(p + 1)?]) as usize;
        p += 2;
        let end = p + ext_len;
        while p + 4 <= end {
            let ty = u16::from_be_bytes([ch[p], ch[p + 1]]);
            let len = u16::from_be_bytes([ch[p + 2], ch[p + 3]]) as usize;
            let data = ch.get(p + 4..p + 4 + len)?;
            if ty == 0x0033 {
                let mut q = 2;
                while q + 4 <= data.len() {
                    let group = u16::from_be_bytes([data[q], data[q + 1]]);
                    let klen = u16::from_be_bytes([data[q + 2], data[q + 3]]) as usize;
                    let key = data.get(q + 4..q + 4 + klen)?;
                    if group == 0x0017 {
                        return Some((sid, key.to_vec()));
                    }
                    q += 4 + klen;
                }
            }
            p += 4 + len;
        }
        None
    }

    pub fn serve(s: &mut TcpStream, mode: Rogue) -> Result<(), String> {
        let (ty, ch) = read_record(s)?;
        if ty != 0x16 || ch.first() != Some(&1) {
            return Err("expected ClientHello".into());
        }
        let (sid, client_pub) = client_share(&ch).ok_or("no P-256 key share")?;
        let mut transcript = Sha256::new();
        transcript.update(&ch);

        let secret = p256::ecdh::EphemeralSecret::random(&mut rand_core::OsRng);
        let server_pub = p256::EncodedPoint::from(secret.public_key());
        let peer = p256::PublicKey::from_sec1_bytes(&client_pub).map_err(|e| e.to_string())?;
        let shared = secret.diffie_hellman(&peer);

        let mut sh = vec![0x03, 0x03];
        sh.extend_from_slice(&[0x5a; 32]);
        sh.push(sid.len() as u8);
        sh.extend_from_slice(&sid);
        sh.extend_from_slice(&[0x13, 0x01, 0x00]);
        let mut ext = vec![0x00, 0x2b, 0x00, 0x02, 0x03, 0x04];
        let kx = server_pub.as_bytes();
        ext.extend_from_slice(&[0x00, 0x33]);
        ext.extend_from_slice(&((4 + kx.len()) as u16).to_be_bytes());
        ext.extend_from_slice(&[0x00, 0x17]);
        ext.extend_from_slice(&(kx.len() as u16).to_be_bytes());
        ext.extend_from_slice(kx);
        sh.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        sh.extend_from_slice(&ext);
        let sh = handshake(2, &sh);
        transcript.update(&sh);
        let mut rec = vec![0x16, 0x03, 0x03];
        rec.extend_from_slice(&(sh.len() as u16).to_be_bytes());
        rec.extend_from_slice(&sh);
        s.write_all(&rec).map_err(|e| e.to_string())?;

        // Key schedule (RFC 8446 §7.1), SHA-256.
        let (early, _) = Hkdf::<Sha256>::extract(Some(&[0u8; 32]), &[0u8; 32]);
        let derived = expand_label(&early, "derived", &Sha256::digest(b""), 32);
        let (hs, _) = Hkdf::<Sha256>::extract(Some(&derived), shared.raw_secret_bytes());
        let th = transcript.clone().finalize();
        let s_hs = expand_label(&hs, "s hs traffic", &th, 32);
        let mut w = Writer {
            key: Aes128Gcm::new_from_slice(&expand_label(&s_hs, "key", b"", 16)).unwrap(),
            iv: expand_label(&s_hs, "iv", b"", 12),
            seq: 0,
        };

        let mut send = |w: &mut Writer, t: &mut Sha256, msg: Vec<u8>| -> Result<(), String> {
            t.update(&msg);
            w.record(s, &msg, 0x16)
        };
        send(&mut w, &mut transcript, handshake(8, &[0, 0]))?;

        let cert_msg = |certs: &[Vec<u8>]| {
            let mut list = Vec::new();
            for c in certs {
                list.extend_from_slice(&u24(c.len()));
                list.extend_from_slice(c);
                list.extend_from_slice(&[0, 0]);
            }
            let mut body = vec![0];
            body.extend_from_slice(&u24(list.len()));
            body.extend_from_slice(&list);
            handshake(11, &body)
        };
        match &mode {
            Rogue::NoCertificate => {}
            Rogue::CertificateOnly(certs) => send(&mut w, &mut transcript, cert_msg(certs))?,
            Rogue::Signed(certs, key) => {
                send(&mut w, &mut transcript, cert_msg(certs))?;
                let th = transcript.clone().finalize();
                let mut content = vec![0x20u8; 64];
                content.extend_from_slice(b"TLS 1.3, server CertificateVerify\x00");
                content.extend_from_slice(&th);
                let sk = p256::SecretKey::from_sec1_der(key).map_err(|e| e.to_string())?;
                let sig: p256::ecdsa::DerSignature =
                    p256::ecdsa::SigningKey::from(&sk).sign(&content);
                let mut body = vec![0x04, 0x03];
                body.extend_from_slice(&(sig.as_bytes().len() as u16).to_be_bytes());
                body.extend_from_slice(sig.as_bytes());
                send(&mut w, &mut transcript, handshake(15, &body))?;
            }
        }
        let finished_key = expand_label(&s_hs, "finished", b"", 32);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&finished_key).unwrap();
        mac.update(&transcript.clone().finalize());
        let vd = mac.finalize().into_bytes();
        send(&mut w, &mut transcript, handshake(20, &vd))?;

        // Wait for the client's Finished (or alert / close), then stop.
        let _ = read_record(s);
        Ok(())
    }
}
