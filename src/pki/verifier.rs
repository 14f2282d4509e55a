//! `PkiVerifier`: how the host TLS path authenticates the server (the
//! engine's [`crate::tls::ServerAuth`]; with the `engine-embedded-tls`
//! feature also that engine's `TlsVerifier`).
//!
//! Chain validation is the project's own (`chain.rs`: path building
//! through extra or cross-signed certificates to one of several trust
//! anchors, validity at the caller's time, basicConstraints, keyUsage, the
//! serverAuth EKU, name constraints; `name.rs`: the server name against
//! subjectAltName) with this module's signature algorithms; it is held to
//! rustls-webpki's verdicts on generated chains by a differential test.
//! The same algorithms verify the server's CertificateVerify over the
//! handshake transcript.
//!
//! The verifier records what it verified, and the session layer calls
//! [`PkiVerifier::check`] (or [`PkiVerifier::verified`]) after the
//! handshake: a handshake is only authenticated when both the chain and
//! CertificateVerify were verified (`embedded-tls` 0.19 completes a
//! handshake when the server sends neither; the project's engine refuses
//! that itself, and the check stays as a second guard).

use core::marker::PhantomData;

use rustls_pki_types::{SignatureVerificationAlgorithm, TrustAnchor};

use super::chain::{valid_for, verify_with_spki, Chain};
use super::ecdsa::EcdsaAlgorithm;
use super::name::server_id;
use super::time::Validity;
use super::x509::{Cert, Use};
use super::{der, PkiError};
use crate::tls::{DefaultP256, P256Provider};

/// Most certificates a server may send.
pub const MAX_CHAIN_LEN: usize = 16;
/// Largest leaf subjectPublicKeyInfo kept for CertificateVerify (RSA-4096 is 550 bytes).
pub const MAX_SPKI_LEN: usize = 600;
/// Longest server certificate commonName kept for [`PkiVerifier::peer_common_name`].
pub const MAX_PEER_CN_LEN: usize = 64;
/// Longest server name (DNS names are at most 253 characters).
pub const MAX_SERVER_NAME_LEN: usize = 253;
/// Largest transcript hash (SHA-384).
pub(crate) const MAX_TRANSCRIPT_LEN: usize = 48;

/// The signature algorithms of a verifier whose ECDSA P-256 is the
/// provider `P` (RSA, P-384 and Ed25519 do not depend on it).
pub struct Algorithms<P>(PhantomData<fn() -> P>);

impl<P: P256Provider + Default + 'static> Algorithms<P> {
    /// Algorithms accepted in certificate signatures.
    pub const CHAIN: &'static [&'static dyn SignatureVerificationAlgorithm] = &[
        &EcdsaAlgorithm::<P>::P256_SHA256,
        &EcdsaAlgorithm::<P>::P256_SHA384,
        #[cfg(feature = "p384")]
        &super::ecdsa::ECDSA_P384_SHA256,
        #[cfg(feature = "p384")]
        &super::ecdsa::ECDSA_P384_SHA384,
        #[cfg(feature = "ed25519")]
        &super::ed25519::ED25519,
        &super::rsa::RSA_PKCS1_SHA256,
        &super::rsa::RSA_PKCS1_SHA384,
        &super::rsa::RSA_PKCS1_SHA512,
        &super::rsa::RSA_PSS_SHA256,
        &super::rsa::RSA_PSS_SHA384,
        &super::rsa::RSA_PSS_SHA512,
        &super::rsa::RSA_PKCS1_SHA256_ABSENT_PARAMS,
        &super::rsa::RSA_PKCS1_SHA384_ABSENT_PARAMS,
        &super::rsa::RSA_PKCS1_SHA512_ABSENT_PARAMS,
    ];

    const CV_P256: &'static dyn SignatureVerificationAlgorithm = &EcdsaAlgorithm::<P>::P256_SHA256;

    /// The algorithm for a TLS 1.3 CertificateVerify signature scheme. RSA
    /// PKCS#1 v1.5 and SHA-1 schemes are not allowed in TLS 1.3 (RFC 8446
    /// §4.4.3). `scheme` is the IANA SignatureScheme code.
    pub fn tls13(scheme: u16) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        match scheme {
            0x0403 => Some(Self::CV_P256),
            #[cfg(feature = "p384")]
            0x0503 => Some(&super::ecdsa::ECDSA_P384_SHA384),
            #[cfg(feature = "ed25519")]
            0x0807 => Some(&super::ed25519::ED25519),
            0x0804 => Some(&super::rsa::RSA_PSS_SHA256),
            0x0805 => Some(&super::rsa::RSA_PSS_SHA384),
            0x0806 => Some(&super::rsa::RSA_PSS_SHA512),
            _ => None,
        }
    }
}

/// Algorithms accepted in certificate signatures ([`DefaultP256`]).
pub static CHAIN_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] =
    Algorithms::<DefaultP256>::CHAIN;

/// The algorithm for a TLS 1.3 CertificateVerify signature scheme
/// ([`DefaultP256`]; see [`Algorithms::tls13`]).
pub fn tls13_scheme_algorithm(scheme: u16) -> Option<&'static dyn SignatureVerificationAlgorithm> {
    Algorithms::<DefaultP256>::tls13(scheme)
}

/// Verifies the server of one TLS session. See the module documentation.
/// ECDSA P-256 signatures go through the provider `P`: the host path's
/// [`DefaultP256`] ([`PkiVerifier::new`]) or another
/// ([`PkiVerifier::with_p256`]), the same one the engine's key exchange
/// uses.
pub struct PkiVerifier<'a, P = DefaultP256> {
    anchors: &'a [TrustAnchor<'a>],
    validity: Validity,
    server_name: heapless::String<MAX_SERVER_NAME_LEN>,
    // Handshake state.
    certificate_seen: bool,
    chain_verified: bool,
    signature_verified: bool,
    leaf_spki: heapless::Vec<u8, MAX_SPKI_LEN>,
    peer_cn: heapless::String<MAX_PEER_CN_LEN>,
    /// The transcript hash through Certificate (kept for `embedded-tls`,
    /// which gives it with the Certificate, not the CertificateVerify).
    #[cfg(feature = "engine-embedded-tls")]
    pub(crate) transcript: [u8; MAX_TRANSCRIPT_LEN],
    #[cfg(feature = "engine-embedded-tls")]
    pub(crate) transcript_len: usize,
    error: Option<PkiError>,
    p256: PhantomData<fn() -> P>,
}

impl<'a> PkiVerifier<'a> {
    /// A verifier trusting `anchors`, checking validity as `validity` says,
    /// with the host path's P-256 ([`DefaultP256`]). The server name comes
    /// from [`with_server_name`](Self::with_server_name) or from the
    /// `TlsConfig`'s server name (embedded-tls passes it on).
    pub fn new(anchors: &'a [TrustAnchor<'a>], validity: Validity) -> Self {
        Self::with_p256(anchors, validity)
    }

    /// Verifies a TLS 1.3 server CertificateVerify signature over
    /// `transcript_hash` (the handshake hash through Certificate) with the
    /// public key `spki` (a DER subjectPublicKeyInfo).
    pub fn verify_certificate_verify(
        spki: &[u8],
        transcript_hash: &[u8],
        scheme: u16,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        Self::certificate_verify_with(spki, transcript_hash, scheme, signature)
    }
}

impl<'a, P: P256Provider + Default + 'static> PkiVerifier<'a, P> {
    /// [`PkiVerifier::new`] with the P-256 provider `P`.
    pub fn with_p256(anchors: &'a [TrustAnchor<'a>], validity: Validity) -> Self {
        PkiVerifier {
            anchors,
            validity,
            server_name: heapless::String::new(),
            certificate_seen: false,
            chain_verified: false,
            signature_verified: false,
            leaf_spki: heapless::Vec::new(),
            peer_cn: heapless::String::new(),
            #[cfg(feature = "engine-embedded-tls")]
            transcript: [0; MAX_TRANSCRIPT_LEN],
            #[cfg(feature = "engine-embedded-tls")]
            transcript_len: 0,
            error: None,
            p256: PhantomData,
        }
    }

    /// Sets the name (DNS name or IP address literal) the server certificate
    /// must be valid for. Needed when the `TlsConfig` has no server name
    /// (e.g. connecting to an IP address without SNI).
    pub fn with_server_name(mut self, name: &str) -> Result<Self, PkiError> {
        self.set_server_name(name)?;
        Ok(self)
    }

    /// Changes how validity is checked (e.g. once network time is known).
    pub fn set_validity(&mut self, validity: Validity) {
        self.validity = validity;
    }

    pub(crate) fn set_server_name(&mut self, name: &str) -> Result<(), PkiError> {
        server_id(name).ok_or(PkiError::InvalidServerName)?;
        if !self.server_name.is_empty() {
            return if self.server_name.eq_ignore_ascii_case(name) {
                Ok(())
            } else {
                Err(PkiError::ServerNameConflict)
            };
        }
        self.server_name =
            heapless::String::try_from(name).map_err(|_| PkiError::InvalidServerName)?;
        Ok(())
    }

    /// Forgets the result of a previous handshake (keeps anchors, name and
    /// validity), so the verifier can serve a new connection.
    pub fn reset(&mut self) {
        self.certificate_seen = false;
        self.chain_verified = false;
        self.signature_verified = false;
        self.leaf_spki.clear();
        self.peer_cn.clear();
        #[cfg(feature = "engine-embedded-tls")]
        {
            self.transcript = [0; MAX_TRANSCRIPT_LEN];
            self.transcript_len = 0;
        }
        self.error = None;
    }

    /// True only when this verifier verified the server's certificate chain
    /// *and* its CertificateVerify signature in the last handshake.
    pub fn verified(&self) -> bool {
        self.error.is_none() && self.chain_verified && self.signature_verified
    }

    /// `Ok` only when [`verified`](Self::verified); otherwise the first
    /// verification error, or [`PkiError::NoServerAuthentication`] when the
    /// server skipped Certificate/CertificateVerify. Call after `open()`,
    /// and also when `open()` failed, to learn why.
    pub fn check(&self) -> Result<(), PkiError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.verified() {
            Ok(())
        } else {
            Err(PkiError::NoServerAuthentication)
        }
    }

    /// The commonName of the server certificate verified in the last
    /// handshake (empty when none, or when it is not printable ASCII or
    /// longer than [`MAX_PEER_CN_LEN`]).
    pub fn peer_common_name(&self) -> &str {
        &self.peer_cn
    }

    /// The first error of the last handshake, if any.
    pub fn error(&self) -> Option<PkiError> {
        self.error
    }

    /// Record the first error; nothing counts as verified after one.
    pub(crate) fn fail(&mut self, e: PkiError) -> PkiError {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self.chain_verified = false;
        self.signature_verified = false;
        e
    }

    fn validation_time(&self, chain: &[&[u8]]) -> Result<u64, PkiError> {
        match self.validity {
            Validity::NoTimeSource => Err(PkiError::NoTime),
            Validity::At(secs) => Ok(secs),
            Validity::InsecureUncheckedValidity => {
                let mut latest = 0u64;
                for c in chain {
                    let nb = Cert::parse(c, Use::Chain)
                        .and_then(|c| c.not_before)
                        .ok_or(PkiError::MalformedCertificate)?;
                    latest = latest.max(nb);
                }
                Ok(latest)
            }
        }
    }

    /// Verifies a chain (leaf first, then whatever the server sent, at most
    /// [`MAX_CHAIN_LEN`]) for the configured server name at the configured
    /// time. This is what the TLS handshake runs on the Certificate message;
    /// it is public for tests and measurements. Returns the leaf's
    /// subjectPublicKeyInfo (DER).
    pub fn verify_chain<'c>(&self, chain: &[&'c [u8]]) -> Result<&'c [u8], PkiError> {
        self.verified_leaf(chain).map(|leaf| leaf.spki_whole)
    }

    /// [`verify_chain`](Self::verify_chain), returning the leaf read.
    fn verified_leaf<'c>(&self, chain: &[&'c [u8]]) -> Result<Cert<'c>, PkiError> {
        if self.anchors.is_empty() {
            return Err(PkiError::NoTrustAnchors);
        }
        if self.server_name.is_empty() {
            return Err(PkiError::NoServerName);
        }
        let id = server_id(self.server_name.as_str()).ok_or(PkiError::InvalidServerName)?;
        if chain.is_empty() {
            return Err(PkiError::EmptyCertificateChain);
        }
        if chain.len() > MAX_CHAIN_LEN {
            return Err(PkiError::PathTooComplex);
        }
        let now = self.validation_time(chain)?;
        let leaf = Chain {
            algs: Algorithms::<P>::CHAIN,
            anchors: self.anchors,
            certs: chain,
            now,
        }
        .verify()?;
        valid_for(&leaf, id)?;
        Ok(leaf)
    }

    /// Verify the server's chain (leaf first) and keep the leaf's key and
    /// name for CertificateVerify and [`PkiVerifier::peer_common_name`].
    pub(crate) fn on_chain(&mut self, chain: &[&[u8]]) -> Result<(), PkiError> {
        if self.certificate_seen {
            return Err(PkiError::UnexpectedCertificate);
        }
        self.certificate_seen = true;
        let leaf = self.verified_leaf(chain)?;
        self.peer_cn.clear();
        if let Some(cn) = der::common_name(leaf.subject) {
            if cn.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                if let Ok(text) = core::str::from_utf8(cn) {
                    let _ = self.peer_cn.push_str(text);
                }
            }
        }
        self.leaf_spki.clear();
        self.leaf_spki
            .extend_from_slice(leaf.spki_whole)
            .map_err(|_| PkiError::PublicKeyTooLarge)?;
        self.chain_verified = true;
        Ok(())
    }

    /// [`PkiVerifier::verify_certificate_verify`] with `P`.
    fn certificate_verify_with(
        spki: &[u8],
        transcript_hash: &[u8],
        scheme: u16,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        const CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify\x00";
        let alg = Algorithms::<P>::tls13(scheme).ok_or(PkiError::UnsupportedSignatureScheme)?;
        let mut msg = [0x20u8; 64 + 34 + MAX_TRANSCRIPT_LEN];
        let len = 64 + CONTEXT.len() + transcript_hash.len();
        msg.get_mut(64..64 + CONTEXT.len())
            .ok_or(PkiError::BadCertificateVerify)?
            .copy_from_slice(CONTEXT);
        msg.get_mut(64 + CONTEXT.len()..len)
            .ok_or(PkiError::BadCertificateVerify)?
            .copy_from_slice(transcript_hash);
        verify_with_spki(
            alg,
            spki,
            msg.get(..len).ok_or(PkiError::BadCertificateVerify)?,
            signature,
        )
        .ok_or(PkiError::BadCertificateVerify)
    }

    /// Verify the server's CertificateVerify over `transcript` with the
    /// key of the chain verified before.
    pub(crate) fn on_signature(
        &mut self,
        scheme: u16,
        transcript: &[u8],
        signature: &[u8],
    ) -> Result<(), PkiError> {
        if !self.chain_verified || self.signature_verified {
            return Err(PkiError::UnexpectedCertificateVerify);
        }
        Self::certificate_verify_with(&self.leaf_spki, transcript, scheme, signature)?;
        self.signature_verified = true;
        Ok(())
    }
}

impl<P: P256Provider + Default + 'static> crate::tls::ServerAuth for PkiVerifier<'_, P> {
    fn certificate(&mut self, chain: &[&[u8]]) -> Result<(), PkiError> {
        self.on_chain(chain).map_err(|e| self.fail(e))
    }

    fn certificate_verify(
        &mut self,
        scheme: u16,
        transcript_hash: &[u8],
        signature: &[u8],
    ) -> Result<(), PkiError> {
        self.on_signature(scheme, transcript_hash, signature)
            .map_err(|e| self.fail(e))
    }
}
