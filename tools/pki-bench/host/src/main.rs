//! `pki-bench-host gen DIR`: writes a P-256 chain of three and an RSA-2048
//! chain (DER), a CertificateVerify signature for each, the transcript hash
//! and the validation time, for the firmware measurement (`../fw`).
//!
//! `pki-bench-host time [N]`: time per verification (chain + host name +
//! CertificateVerify) of modemtls::pki vs OpenSSL's X509_verify_cert (in
//! process, via the openssl crate) and vs the `openssl verify` command.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use embedded_tls::SignatureScheme;
use modemtls::pki::{PkiVerifier, TrustAnchors, Validity};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};
use openssl::stack::Stack;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509Builder, X509NameBuilder, X509StoreContext, X509};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn key(rsa: bool) -> PKey<Private> {
    if rsa {
        PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
    } else {
        let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
    }
}

fn cert(
    cn: &str,
    k: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
    serial: u32,
) -> X509 {
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_text("CN", cn).unwrap();
    let n = n.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(serial).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&n).unwrap();
    b.set_issuer_name(issuer.map(|i| i.0.subject_name()).unwrap_or(&n))
        .unwrap();
    b.set_pubkey(k).unwrap();
    let t = now() as i64;
    b.set_not_before(&Asn1Time::from_unix(t - 86400).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(t + 365 * 86400).unwrap())
        .unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(KeyUsage::new().critical().key_cert_sign().build().unwrap())
            .unwrap();
    } else {
        b.append_extension(BasicConstraints::new().critical().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap();
        let san = SubjectAlternativeName::new()
            .dns("device.example.com")
            .build(&b.x509v3_context(issuer.map(|i| &**i.0), None))
            .unwrap();
        b.append_extension(san).unwrap();
    }
    b.sign(issuer.map(|i| i.1).unwrap_or(k), MessageDigest::sha256())
        .unwrap();
    b.build()
}

struct Chain {
    root: X509,
    inter: X509,
    leaf: X509,
    transcript: Vec<u8>,
    cv_sig: Vec<u8>,
    scheme: SignatureScheme,
}

fn chain(rsa: bool) -> Chain {
    let rk = key(rsa);
    let ik = key(rsa);
    let lk = key(rsa);
    let root = cert("Bench Root", &rk, None, true, 1);
    let inter = cert("Bench Intermediate", &ik, Some((&root, &rk)), true, 2);
    let leaf = cert("device.example.com", &lk, Some((&inter, &ik)), false, 3);
    let transcript = vec![0x42u8; 32];
    let mut content = vec![0x20u8; 64];
    content.extend_from_slice(b"TLS 1.3, server CertificateVerify\x00");
    content.extend_from_slice(&transcript);
    let mut s = Signer::new(MessageDigest::sha256(), &lk).unwrap();
    let scheme = if rsa {
        s.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        s.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).unwrap();
        s.set_rsa_mgf1_md(MessageDigest::sha256()).unwrap();
        SignatureScheme::RsaPssRsaeSha256
    } else {
        SignatureScheme::EcdsaSecp256r1Sha256
    };
    let cv_sig = s.sign_oneshot_to_vec(&content).unwrap();
    Chain {
        root,
        inter,
        leaf,
        transcript,
        cv_sig,
        scheme,
    }
}

fn gen(dir: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, rsa) in [("p256", false), ("rsa2048", true)] {
        let c = chain(rsa);
        let w = |f: &str, d: &[u8]| std::fs::write(format!("{dir}/{name}_{f}"), d).unwrap();
        w("root.der", &c.root.to_der().unwrap());
        w("inter.der", &c.inter.to_der().unwrap());
        w("leaf.der", &c.leaf.to_der().unwrap());
        w("transcript.bin", &c.transcript);
        w("cv_sig.bin", &c.cv_sig);
    }
    std::fs::write(format!("{dir}/now.txt"), now().to_string()).unwrap();
}

fn ours(c: &Chain, n: u32) -> Duration {
    let root = c.root.to_der().unwrap();
    let inter = c.inter.to_der().unwrap();
    let leaf = c.leaf.to_der().unwrap();
    let mut anchors: TrustAnchors<'_, 1> = TrustAnchors::new();
    anchors.add_der(&root).unwrap();
    let v = PkiVerifier::new(anchors.as_slice(), Validity::At(now()))
        .with_server_name("device.example.com")
        .unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let spki = v.verify_chain(&[&leaf, &inter]).unwrap();
        PkiVerifier::verify_certificate_verify(spki, &c.transcript, c.scheme, &c.cv_sig).unwrap();
    }
    t.elapsed() / n
}

fn openssl_lib(c: &Chain, n: u32) -> Duration {
    let mut sb = X509StoreBuilder::new().unwrap();
    sb.add_cert(c.root.clone()).unwrap();
    let store = sb.build();
    let mut chain = Stack::new().unwrap();
    chain.push(c.inter.clone()).unwrap();
    let leaf_key = c.leaf.public_key().unwrap();
    let mut content = vec![0x20u8; 64];
    content.extend_from_slice(b"TLS 1.3, server CertificateVerify\x00");
    content.extend_from_slice(&c.transcript);
    let t = Instant::now();
    for _ in 0..n {
        let mut ctx = X509StoreContext::new().unwrap();
        let ok = ctx
            .init(&store, &c.leaf, &chain, |ctx| ctx.verify_cert())
            .unwrap();
        assert!(ok);
        let mut v = openssl::sign::Verifier::new(MessageDigest::sha256(), &leaf_key).unwrap();
        if c.scheme == SignatureScheme::RsaPssRsaeSha256 {
            v.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            v.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).unwrap();
        }
        assert!(v.verify_oneshot(&c.cv_sig, &content).unwrap());
    }
    t.elapsed() / n
}

fn openssl_cli(c: &Chain, n: u32) -> Duration {
    let dir = std::env::temp_dir().join(format!("pki-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("root.pem"), c.root.to_pem().unwrap()).unwrap();
    std::fs::write(dir.join("inter.pem"), c.inter.to_pem().unwrap()).unwrap();
    std::fs::write(dir.join("leaf.pem"), c.leaf.to_pem().unwrap()).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let out = Command::new("openssl")
            .args([
                "verify",
                "-purpose",
                "sslserver",
                "-verify_hostname",
                "device.example.com",
                "-CAfile",
            ])
            .arg(dir.join("root.pem"))
            .arg("-untrusted")
            .arg(dir.join("inter.pem"))
            .arg(dir.join("leaf.pem"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let d = t.elapsed() / n;
    let _ = std::fs::remove_dir_all(&dir);
    d
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") => gen(args.get(2).map(String::as_str).unwrap_or("data")),
        Some("time") => {
            let n: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
            println!("| chain (3 certs, leaf+intermediate sent) | modemtls::pki chain+name+CertificateVerify | OpenSSL X509_verify_cert + verify (in process) | `openssl verify` command (per run, incl. process start) |");
            println!("|---|---|---|---|");
            for (name, rsa) in [("ECDSA P-256", false), ("RSA-2048", true)] {
                let c = chain(rsa);
                let _ = ours(&c, 5);
                let a = ours(&c, n);
                let b = openssl_lib(&c, n);
                let cli = openssl_cli(&c, 20);
                println!(
                    "| {name} | {:.1} µs | {:.1} µs | {:.1} ms |",
                    a.as_secs_f64() * 1e6,
                    b.as_secs_f64() * 1e6,
                    cli.as_secs_f64() * 1e3
                );
            }
        }
        _ => eprintln!("usage: pki-bench-host gen DIR | time [N]"),
    }
}
