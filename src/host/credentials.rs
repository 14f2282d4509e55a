//! What every host TLS engine needs before the first byte is sent: the
//! time for validity checks, the client identity and the trust anchors,
//! decoded into the caller's scratch buffer.

use crate::error::{ConfigError, Error};
use crate::pki::{ClientIdentity, PkiError, TrustAnchors, Validity};
use crate::session::{Credential, SessionConfig};

/// Trust anchors a host session accepts from one bundle.
pub const MAX_ANCHORS: usize = 8;

/// The configuration and the buffers, before any modem traffic.
pub(crate) fn check(cfg: &SessionConfig<'_>, bufs: &super::HostBuffers<'_>) -> Result<(), Error> {
    cfg.validate()?;
    if bufs.read.len() < super::MIN_READ_BUF || bufs.write.len() < super::MIN_WRITE_BUF {
        return Err(Error::Config(ConfigError::BufferTooSmall));
    }
    Ok(())
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::modem::asynch::Sockets;

    /// The current time for validity checks: the port's real-time clock, else
    /// the modem's network clock.
    pub(crate) async fn validity<M: Sockets>(
        modem: &mut M,
        cfg: &SessionConfig<'_>,
    ) -> Result<Validity, Error> {
        if cfg.insecure_no_verify {
            return Ok(Validity::NoTimeSource);
        }
        if cfg.accept_unchecked_validity {
            return Ok(Validity::InsecureUncheckedValidity);
        }
        if let Some(t) = modem.port_unix_time() {
            return Ok(Validity::At(t));
        }
        Ok(Validity::At(modem.network_time().await?))
    }
}

/// A configuration problem found while decoding credentials.
pub(crate) fn credential_error(e: PkiError) -> Error {
    Error::Config(match e {
        PkiError::AnchorCapacity => ConfigError::CredentialTooLarge,
        _ => ConfigError::CredentialFormat,
    })
}

/// `cred` as DER: borrowed when it already is, else its first block with one
/// of `labels` decoded into the front of `scratch` (the rest is returned).
fn der_of<'s>(
    cred: Credential<'s>,
    labels: &[&[u8]],
    scratch: &'s mut [u8],
) -> Result<(&'s [u8], &'s mut [u8]), Error> {
    match cred {
        Credential::Der(d) => Ok((d, scratch)),
        Credential::Pem(p) => {
            let n = crate::pki::pem_decode_first(p, labels, scratch)
                .map_err(credential_error)?
                .ok_or(Error::Config(ConfigError::CredentialFormat))?;
            let (der, rest) = scratch.split_at_mut(n.min(scratch.len()));
            Ok((&*der, rest))
        }
    }
}

/// The decoded credentials of one session.
pub(crate) struct Credentials<'s> {
    /// Client certificate and key, for mutual TLS.
    pub client: Option<ClientIdentity<'s>>,
    /// The CA bundle (empty with `insecure_no_verify`).
    pub anchors: TrustAnchors<'s, MAX_ANCHORS>,
}

/// Decode the client identity first (its size is known once decoded),
/// then the CA bundle into what is left of `scratch`.
pub(crate) fn decode<'s>(
    cfg: &SessionConfig<'s>,
    scratch: &'s mut [u8],
) -> Result<Credentials<'s>, Error> {
    let (client, scratch) = match cfg.client {
        None => (None, scratch),
        Some(id) => {
            let (cert, rest) = der_of(id.cert, &[b"CERTIFICATE"], scratch)?;
            let identity = match id.key {
                Credential::Der(key) => ClientIdentity::new(cert, key),
                Credential::Pem(pem) => {
                    // Decoded into scratch, parsed, then wiped: the key
                    // lives on only inside the identity (zeroized on drop).
                    let n = crate::pki::pem_decode_first(
                        pem,
                        &[b"EC PRIVATE KEY", b"PRIVATE KEY"],
                        &mut *rest,
                    )
                    .map_err(|e| {
                        rest.fill(0);
                        credential_error(e)
                    })?
                    .ok_or(Error::Config(ConfigError::CredentialFormat))?;
                    let key = rest.get_mut(..n).unwrap_or(&mut []);
                    let made = ClientIdentity::new(cert, key);
                    key.fill(0);
                    made
                }
            }
            .map_err(credential_error)?;
            (Some(identity), rest)
        }
    };
    let anchors = match (cfg.insecure_no_verify, cfg.trust) {
        (true, _) => TrustAnchors::new(),
        (false, Some(t)) => {
            TrustAnchors::from_bundle(t.bytes(), scratch).map_err(credential_error)?
        }
        (false, None) => return Err(Error::Config(ConfigError::NoTrustAnchors)),
    };
    Ok(Credentials { client, anchors })
}
