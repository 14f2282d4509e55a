//! Putting the session's CA and client credentials into the modem's file
//! store, converted to a format the firmware parses, named after their
//! content so an identical upload is skipped.

use crate::at::AtError;
use crate::error::{ConfigError, Error};
use crate::modem::quectel::crc32;
use crate::modem::{CaFormats, FirmwareTls};
use crate::pem::{pem_len, write_pem, DerKeyKind};
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

/// Upload `cred` (converted when the firmware needs it) and set `name` to
/// its file name. The CRC covers the bytes as uploaded.
pub(crate) fn store<M: FirmwareTls>(
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
    // The bytes to upload, and the PEM label when DER goes up as PEM.
    let (bytes, pem_label) = match cred {
        Credential::Pem(text) if formats.pem => (text, None),
        Credential::Der(der) if formats.pem => {
            let label = match role {
                Role::Ca | Role::ClientCert => "CERTIFICATE",
                Role::ClientKey => DerKeyKind::detect(der)
                    .ok_or(Error::Config(ConfigError::CredentialFormat))?
                    .label(),
            };
            (der, Some(label))
        }
        Credential::Der(der) if formats.der => (der, None),
        // PEM to a DER-only firmware (Sierra HL8548) needs a decoder: not
        // needed by any driver yet.
        _ => return Err(Error::Config(ConfigError::CredentialFormat)),
    };
    let (crc, len) = match pem_label {
        // Name after the DER plus the label (the PEM is a function of both).
        Some(label) => (
            crc32(bytes) ^ crc32(label.as_bytes()),
            pem_len(bytes.len(), label),
        ),
        None => (crc32(bytes), bytes.len()),
    };
    name.clear();
    // 8 + 1 + 3 characters always fit in 16.
    let _ = crate::at::push_hex(name, crc, 8, false);
    let _ = name.push('.');
    let _ = name.push_str(ext);
    modem.store_credential(name, len, &mut |w| match pem_label {
        Some(label) => write_pem::<AtError>(bytes, label, w),
        None => w(bytes),
    })?;
    Ok(())
}
