//! `ClientIdentity`: a client certificate and its P-256 key, for mutual TLS.

use p256::ecdsa::SigningKey;

use super::PkiError;

/// A client certificate (DER) and its P-256 private key, for mutual TLS.
/// The key is zeroized when this value is dropped.
pub struct ClientIdentity<'c> {
    cert: &'c [u8],
    pub(crate) key: SigningKey,
}

impl<'c> ClientIdentity<'c> {
    /// `cert_der`: the client certificate (DER). `key_der`: its P-256 private
    /// key as SEC1 `EC PRIVATE KEY` DER or PKCS#8 `PRIVATE KEY` DER.
    pub fn new(cert_der: &'c [u8], key_der: &[u8]) -> Result<Self, PkiError> {
        // The project's DER reader (no second DER library linked for this).
        let scalar = super::der::p256_private_key(key_der).ok_or(PkiError::BadClientKey)?;
        let key = SigningKey::from_slice(scalar).map_err(|_| PkiError::BadClientKey)?;
        Ok(ClientIdentity {
            cert: cert_der,
            key,
        })
    }

    /// The certificate (DER).
    pub fn cert(&self) -> &'c [u8] {
        self.cert
    }

    /// The TLS 1.3 client CertificateVerify signature
    /// (ecdsa_secp256r1_sha256, DER) over `transcript_hash` (RFC 8446 §4.4.3).
    pub fn sign_tls13_client(&self, transcript_hash: &[u8]) -> Option<heapless::Vec<u8, 72>> {
        use p256::ecdsa::signature::Signer;
        const CONTEXT: &[u8] = b"TLS 1.3, client CertificateVerify\x00";
        let mut msg = [0x20u8; 64 + 34 + super::verifier::MAX_TRANSCRIPT_LEN];
        let len = 64 + CONTEXT.len() + transcript_hash.len();
        msg.get_mut(64..64 + CONTEXT.len())?
            .copy_from_slice(CONTEXT);
        msg.get_mut(64 + CONTEXT.len()..len)?
            .copy_from_slice(transcript_hash);
        let sig: p256::ecdsa::Signature = self.key.try_sign(msg.get(..len)?).ok()?;
        let (r, s) = sig.split_bytes();
        let mut der = [0u8; 72];
        let n = super::der::write_ecdsa_signature(&r, &s, &mut der)?;
        heapless::Vec::from_slice(der.get(..n)?).ok()
    }
}
