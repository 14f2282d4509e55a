//! The client key for mutual TLS, as OpenSSL writes it: SEC1
//! (`EC PRIVATE KEY`, with and without the curve and public key) and
//! PKCS#8 (`PRIVATE KEY`), read by the library's own DER reader; the key
//! signs a TLS 1.3 CertificateVerify that OpenSSL verifies. Other curves,
//! RSA keys, damaged and truncated encodings are refused without a panic.

use modemtls::pki::{ClientIdentity, PkiError};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::sign::Verifier;

fn p256() -> PKey<openssl::pkey::Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// The message a client CertificateVerify signs over `hash`.
fn signed_message(hash: &[u8]) -> Vec<u8> {
    let mut m = vec![0x20u8; 64];
    m.extend_from_slice(b"TLS 1.3, client CertificateVerify\x00");
    m.extend_from_slice(hash);
    m
}

fn signs_verifiably(key_der: &[u8], public: &PKey<openssl::pkey::Private>) {
    let id = ClientIdentity::new(b"cert", key_der).expect("key accepted");
    let hash = [0x5au8; 32];
    let sig = id.sign_tls13_client(&hash).expect("signature");
    let mut v = Verifier::new(MessageDigest::sha256(), public).unwrap();
    v.update(&signed_message(&hash)).unwrap();
    assert!(v.verify(&sig).unwrap(), "OpenSSL verifies the signature");
}

#[test]
fn sec1_and_pkcs8_p256_keys_sign() {
    for _ in 0..8 {
        let key = p256();
        let sec1 = key.ec_key().unwrap().private_key_to_der().unwrap();
        signs_verifiably(&sec1, &key);
        let pkcs8 = key.private_key_to_pkcs8().unwrap();
        signs_verifiably(&pkcs8, &key);
    }
}

#[test]
fn other_keys_and_damaged_encodings_are_refused() {
    let p384 = {
        let group = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
        PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
    };
    let rsa = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    for der in [
        p384.ec_key().unwrap().private_key_to_der().unwrap(),
        p384.private_key_to_pkcs8().unwrap(),
        rsa.private_key_to_pkcs8().unwrap(),
        rsa.rsa().unwrap().private_key_to_der().unwrap(),
        vec![],
        vec![0x30, 0x00],
    ] {
        assert_eq!(
            ClientIdentity::new(b"cert", &der).err(),
            Some(PkiError::BadClientKey)
        );
    }
    // Every truncation and every single-byte change of a good key: refused
    // or (when the change hits only the scalar or the public key) a key,
    // never a panic.
    let key = p256();
    for good in [
        key.ec_key().unwrap().private_key_to_der().unwrap(),
        key.private_key_to_pkcs8().unwrap(),
    ] {
        for cut in 0..good.len() {
            assert!(
                ClientIdentity::new(b"cert", &good[..cut]).is_err(),
                "cut {cut}"
            );
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(ClientIdentity::new(b"cert", &longer).is_err());
        for i in 0..good.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = good.clone();
                bad[i] ^= bit;
                let _ = ClientIdentity::new(b"cert", &bad);
            }
        }
    }
}
