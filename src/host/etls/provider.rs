//! `PkiProvider`: the `embedded_tls::CryptoProvider` of the `embedded-tls`
//! engine. It lends `embedded-tls` the [`PkiVerifier`] (through the
//! `TlsVerifier` implemented here) and, for mutual TLS, a P-256 client key
//! and certificate.

use core::marker::PhantomData;

use embedded_tls::{
    Certificate, CertificateEntryRef, CertificateRef, CertificateVerifyRef, CryptoProvider,
    CryptoRngCore, SignatureScheme, TlsCipherSuite, TlsConfig, TlsError, TlsVerifier,
};
use p256::ecdsa::DerSignature;
use sha2::Digest;

use crate::pki::{ClientIdentity, PkiError, PkiVerifier, MAX_CHAIN_LEN};

/// The crypto provider for `embedded_tls::TlsContext`: randomness from the
/// port, this module's verifier, and an optional client identity.
///
/// Creating it resets the verifier, so a reused verifier never reports a
/// previous handshake as verified.
pub struct PkiProvider<'p, 'a, CipherSuite, Rng> {
    rng: Rng,
    verifier: &'p mut PkiVerifier<'a>,
    client: Option<&'p ClientIdentity<'p>>,
    _suite: PhantomData<CipherSuite>,
}

impl<'p, 'a, CipherSuite, Rng> PkiProvider<'p, 'a, CipherSuite, Rng>
where
    CipherSuite: TlsCipherSuite,
    Rng: CryptoRngCore,
{
    /// A provider verifying the server with `verifier`.
    pub fn new(rng: Rng, verifier: &'p mut PkiVerifier<'a>) -> Self {
        verifier.reset();
        PkiProvider {
            rng,
            verifier,
            client: None,
            _suite: PhantomData,
        }
    }

    /// Presents `identity` when the server asks for a client certificate.
    pub fn with_client_identity(mut self, identity: &'p ClientIdentity<'p>) -> Self {
        self.client = Some(identity);
        self
    }
}

impl<CipherSuite, Rng> CryptoProvider for PkiProvider<'_, '_, CipherSuite, Rng>
where
    CipherSuite: TlsCipherSuite,
    Rng: CryptoRngCore,
{
    type CipherSuite = CipherSuite;
    type Signature = DerSignature;

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, TlsError> {
        Ok(&mut *self.verifier)
    }

    fn signer(
        &mut self,
    ) -> Result<
        (
            impl p256::ecdsa::signature::SignerMut<Self::Signature>,
            SignatureScheme,
        ),
        TlsError,
    > {
        let id = self.client.ok_or(TlsError::InvalidPrivateKey)?;
        Ok((id.key.clone(), SignatureScheme::EcdsaSecp256r1Sha256))
    }

    fn client_cert(&mut self) -> Option<Certificate<impl AsRef<[u8]>>> {
        self.client.map(|id| Certificate::X509(id.cert()))
    }
}

/// A `TlsConfig` for the host path: SNI/host name `server_name`, and the
/// signature schemes this verifier supports offered in the ClientHello,
/// including RSA-PSS (which `embedded-tls` only offers by itself with its
/// `alloc` feature).
pub fn host_tls_config(server_name: &str) -> TlsConfig<'_> {
    TlsConfig::new()
        .with_server_name(server_name)
        .enable_rsa_signatures()
}

/// The `embedded-tls` error reported for a verifier failure.
fn to_tls(e: PkiError) -> TlsError {
    match e {
        PkiError::BadCertificateVerify | PkiError::UnsupportedSignatureScheme => {
            TlsError::InvalidSignature
        }
        PkiError::UnexpectedCertificate | PkiError::UnexpectedCertificateVerify => {
            TlsError::InvalidHandshake
        }
        _ => TlsError::InvalidCertificate,
    }
}

impl PkiVerifier<'_> {
    fn etls_certificate(
        &mut self,
        transcript: &[u8],
        cert: &CertificateRef<'_>,
    ) -> Result<(), PkiError> {
        let mut chain: heapless::Vec<&[u8], MAX_CHAIN_LEN> = heapless::Vec::new();
        for entry in cert.entries.iter() {
            match entry {
                CertificateEntryRef::X509(der) => {
                    chain.push(der).map_err(|_| PkiError::PathTooComplex)?
                }
                CertificateEntryRef::RawPublicKey(_) => {
                    return Err(PkiError::RawPublicKeyUnsupported)
                }
            }
        }
        self.on_chain(&chain)?;
        let t = self
            .transcript
            .get_mut(..transcript.len())
            .ok_or(PkiError::UnsupportedSignatureScheme)?;
        t.copy_from_slice(transcript);
        self.transcript_len = transcript.len();
        Ok(())
    }

    fn etls_signature(&mut self, verify: &CertificateVerifyRef<'_>) -> Result<(), PkiError> {
        let mut th = [0u8; crate::pki::verifier_transcript_len()];
        let n = self.transcript_len.min(th.len());
        th.get_mut(..n)
            .ok_or(PkiError::UnexpectedCertificateVerify)?
            .copy_from_slice(self.transcript.get(..n).unwrap_or(&[]));
        self.on_signature(
            verify.signature_scheme.as_u16(),
            th.get(..n).unwrap_or(&[]),
            verify.signature,
        )
    }
}

impl<CipherSuite: TlsCipherSuite> TlsVerifier<CipherSuite> for PkiVerifier<'_> {
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), TlsError> {
        self.reset();
        self.set_server_name(hostname)
            .map_err(|e| to_tls(self.fail(e)))
    }

    fn verify_certificate(
        &mut self,
        transcript: &CipherSuite::Hash,
        cert: CertificateRef<'_>,
    ) -> Result<(), TlsError> {
        let hash = transcript.clone().finalize();
        self.etls_certificate(hash.as_slice(), &cert)
            .map_err(|e| to_tls(self.fail(e)))
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef<'_>) -> Result<(), TlsError> {
        self.etls_signature(&verify)
            .map_err(|e| to_tls(self.fail(e)))
    }
}
