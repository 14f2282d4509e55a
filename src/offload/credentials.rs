//! Putting the session's CA and client credentials into the modem's file
//! store, converted to a format the firmware parses, named after their
//! content so an identical upload is skipped.

use crate::error::{ConfigError, Error};
use crate::modem::quectel::crc32;
use crate::modem::CaFormats;
use crate::pem::{pem_len, DerKeyKind};
use crate::session::Credential;
use heapless::String;

/// A modem file name: 8 hex digits of CRC-32 and an extension (DOS 8.3, as
/// Quectel recommends).
pub(crate) type FileName = String<16>;

/// What is stored: decides the PEM label and the extension.
#[derive(Clone, Copy)]
pub(crate) enum Role {
    Ca,
    ClientCert,
    ClientKey,
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::modem::asynch::FirmwareTls;

    /// Upload `cred` (converted when the firmware needs it) and set `name` to
    /// its file name. The CRC covers the bytes as uploaded.
    pub(crate) async fn store<M: FirmwareTls>(
        modem: &mut M,
        cred: Credential<'_>,
        role: Role,
        formats: CaFormats,
        name: &mut FileName,
    ) -> Result<(), Error> {
        let ext = match role {
            Role::Ca => "pem",
            Role::ClientCert => "crt",
            Role::ClientKey => "key",
        };
        // The bytes to upload: as given, DER as PEM (with its label), or the
        // first PEM block as DER (its base64 body).
        enum Upload<'a> {
            AsIs(&'a [u8]),
            DerAsPem(&'a [u8], &'static str),
            #[cfg(feature = "sierra-hl")]
            PemAsDer(&'a [u8], usize),
        }
        let upload = match cred {
            Credential::Pem(text) if formats.pem => Upload::AsIs(text),
            Credential::Der(der) if formats.pem => {
                let label = match role {
                    Role::Ca | Role::ClientCert => "CERTIFICATE",
                    Role::ClientKey => DerKeyKind::detect(der)
                        .ok_or(Error::Config(ConfigError::CredentialFormat))?
                        .label(),
                };
                Upload::DerAsPem(der, label)
            }
            Credential::Der(der) if formats.der => Upload::AsIs(der),
            // PEM to a DER-only firmware (Sierra HL8548, the only one): the
            // first block, decoded while it is written (no buffer; the DER
            // length comes from a first pass over the text).
            #[cfg(feature = "sierra-hl")]
            Credential::Pem(text) if formats.der => match crate::pem::pem_decoded_len(text) {
                Some((len, body)) => Upload::PemAsDer(body, len),
                None => return Err(Error::Config(ConfigError::CredentialFormat)),
            },
            _ => return Err(Error::Config(ConfigError::CredentialFormat)),
        };
        let (crc, len) = match upload {
            Upload::AsIs(bytes) => (crc32(bytes), bytes.len()),
            // Named after the DER plus the label (the PEM is a function of both).
            Upload::DerAsPem(der, label) => (
                crc32(der) ^ crc32(label.as_bytes()),
                pem_len(der.len(), label),
            ),
            // Named after the base64 (the DER is a function of it), apart
            // from the same text uploaded as it is.
            #[cfg(feature = "sierra-hl")]
            Upload::PemAsDer(body, len) => (crc32(body) ^ crc32(b"DER"), len),
        };
        name.clear();
        // 8 + 1 + 3 characters always fit in 16.
        let _ = crate::at::push_hex(name, crc, 8, false);
        let _ = name.push('.');
        let _ = name.push_str(ext);
        // Pulled by the driver in pieces: the bytes, their PEM text or the
        // DER of their PEM body, produced as they are asked for.
        enum Source<'a> {
            AsIs(crate::at::SliceSource<'a>),
            Pem(crate::pem::PemEncoder<'a>),
            #[cfg(feature = "sierra-hl")]
            Der(crate::pem::Base64Decoder<'a>),
        }
        let mut source = match upload {
            Upload::AsIs(bytes) => Source::AsIs(crate::at::SliceSource::new(bytes)),
            Upload::DerAsPem(der, label) => Source::Pem(crate::pem::PemEncoder::new(der, label)),
            #[cfg(feature = "sierra-hl")]
            Upload::PemAsDer(body, _) => Source::Der(crate::pem::Base64Decoder::new(body)),
        };
        let _uploaded = modem
            .store_credential(name, len, &mut |buf| match &mut source {
                Source::AsIs(s) => s.pull(buf),
                Source::Pem(s) => Ok(s.pull(buf)),
                // The body was checked when its length was counted.
                #[cfg(feature = "sierra-hl")]
                Source::Der(s) => s.pull(buf).ok_or(crate::at::AtError::InvalidArgument),
            })
            .await?;
        // The name and length only: never the credential's bytes.
        log_info!(
            "offload: {} {} ({} bytes) {}",
            match role {
                Role::Ca => "CA",
                Role::ClientCert => "client certificate",
                Role::ClientKey => "client key",
            },
            name.as_str(),
            len,
            if _uploaded {
                "uploaded"
            } else {
                "already stored"
            }
        );
        Ok(())
    }
}
