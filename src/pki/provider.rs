//! `PkiProvider`: the `embedded_tls::CryptoProvider` of the host TLS path.
//! It lends `embedded-tls` the [`PkiVerifier`] and, for mutual TLS, a P-256
//! client key (SEC1 or PKCS#8 DER) and certificate.

use core::marker::PhantomData;

use embedded_tls::{
    Certificate, CryptoProvider, CryptoRngCore, SignatureScheme, TlsCipherSuite, TlsConfig,
    TlsError, TlsVerifier,
};
use p256::ecdsa::{DerSignature, SigningKey};

use super::{PkiError, PkiVerifier};

/// A client certificate (DER) and its P-256 private key, for mutual TLS.
/// The key is zeroized when this value is dropped.
pub struct ClientIdentity<'c> {
    cert: &'c [u8],
    key: SigningKey,
}

impl<'c> ClientIdentity<'c> {
    /// `cert_der`: the client certificate (DER). `key_der`: its P-256 private
    /// key as SEC1 `EC PRIVATE KEY` DER or PKCS#8 `PRIVATE KEY` DER.
    pub fn new(cert_der: &'c [u8], key_der: &[u8]) -> Result<Self, PkiError> {
        use p256::pkcs8::DecodePrivateKey;
        let key = match p256::SecretKey::from_sec1_der(key_der) {
            Ok(sk) => SigningKey::from(&sk),
            Err(_) => SigningKey::from_pkcs8_der(key_der).map_err(|_| PkiError::BadClientKey)?,
        };
        Ok(ClientIdentity {
            cert: cert_der,
            key,
        })
    }
}

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
        self.client.map(|id| Certificate::X509(id.cert))
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
