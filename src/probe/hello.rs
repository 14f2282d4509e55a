//! The probe's ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2).

use super::{ProbeError, ProbeHello, TlsVersion};

/// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (RFC 5746 3.3).
const RENEGOTIATION_SCSV: u16 = 0x00FF;

/// Largest TLSPlaintext fragment (RFC 8446 5.1).
const MAX_FRAGMENT: usize = 1 << 14;

/// Longest DNS name without its trailing dot (RFC 1035 2.3.4, as text).
const MAX_NAME: usize = 253;

/// supported_groups: x25519, secp256r1, secp384r1.
const GROUPS: [u16; 3] = [0x001D, 0x0017, 0x0018];

/// signature_algorithms, strongest/most common first.
const SIGNATURE_ALGORITHMS: [u16; 10] = [
    0x0403, // ecdsa_secp256r1_sha256
    0x0503, // ecdsa_secp384r1_sha384
    0x0804, // rsa_pss_rsae_sha256
    0x0805, // rsa_pss_rsae_sha384
    0x0806, // rsa_pss_rsae_sha512
    0x0401, // rsa_pkcs1_sha256
    0x0501, // rsa_pkcs1_sha384
    0x0601, // rsa_pkcs1_sha512
    0x0201, // rsa_pkcs1_sha1
    0x0203, // ecdsa_sha1
];

const EXT_SERVER_NAME: u16 = 0x0000;
const EXT_SUPPORTED_GROUPS: u16 = 0x000A;
const EXT_EC_POINT_FORMATS: u16 = 0x000B;
const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000D;
const EXT_SUPPORTED_VERSIONS: u16 = 0x002B;
const EXT_KEY_SHARE: u16 = 0x0033;

/// Writes one complete TLS record (content type handshake, one ClientHello)
/// into `out` and returns its length.
///
/// The record offers exactly `hello`:
///
/// - record version 0x0301 (what most stacks send in the first record);
/// - `client_version` = `min(max_version, TLS 1.2)` (TLS 1.3 is offered only
///   through `supported_versions`, RFC 8446 4.1.2);
/// - the given `random`, an empty session id;
/// - `hello.cipher_suites` in order, plus `TLS_EMPTY_RENEGOTIATION_INFO_SCSV`
///   (0x00FF) unless present; null compression only;
/// - extensions: `server_name` (only for a DNS name: an IP literal is
///   omitted, RFC 6066 3), `supported_groups` (x25519, secp256r1,
///   secp384r1), `ec_point_formats` (uncompressed), `signature_algorithms`
///   (ECDSA P-256/P-384, RSA-PSS, RSA PKCS#1 SHA-256/384/512 and SHA-1,
///   ECDSA SHA-1); when `max_version` is TLS 1.3 also `supported_versions`
///   (max down to min) and an empty `key_share` (RFC 8446 4.2.8 requires the
///   extension next to `supported_groups`; empty, a TLS 1.3 server answers
///   with a HelloRetryRequest, which is all the probe needs to see).
///
/// # Errors
/// [`ProbeError::NoCipherSuites`] for an empty list, [`ProbeError::VersionRange`]
/// when `min_version > max_version`, [`ProbeError::NameTooLong`] /
/// [`ProbeError::InvalidName`] for a server name that cannot be sent,
/// [`ProbeError::HelloTooLarge`] when the hello exceeds one record, and
/// [`ProbeError::BufferTooSmall`] when `out` is too small (about 120 bytes
/// plus two per cipher suite plus the name; 512 is plenty for any firmware).
/// On error, the contents of `out` are unspecified.
pub fn write_client_hello(
    hello: &ProbeHello<'_>,
    random: &[u8; 32],
    out: &mut [u8],
) -> Result<usize, ProbeError> {
    if hello.cipher_suites.is_empty() {
        return Err(ProbeError::NoCipherSuites);
    }
    if hello.min_version > hello.max_version {
        return Err(ProbeError::VersionRange);
    }
    let sni = match hello.server_name {
        Some(name) => sni_name(name)?,
        None => None,
    };
    let client_version = if hello.max_version > TlsVersion::Tls12 {
        TlsVersion::Tls12
    } else {
        hello.max_version
    };

    let mut w = Writer { buf: out, pos: 0 };
    // TLSPlaintext header.
    w.u8(22)?;
    w.u16(0x0301)?;
    let record_len = w.len_field(2)?;
    // Handshake header.
    w.u8(1)?; // client_hello
    let hs_len = w.len_field(3)?;
    w.u16(client_version.to_wire())?;
    w.put(random)?;
    w.u8(0)?; // legacy_session_id: empty

    let suites_len = w.len_field(2)?;
    let mut has_scsv = false;
    for &suite in hello.cipher_suites {
        has_scsv |= suite == RENEGOTIATION_SCSV;
        w.u16(suite)?;
    }
    if !has_scsv {
        w.u16(RENEGOTIATION_SCSV)?;
    }
    w.close_len(suites_len, 2)?;

    w.u8(1)?; // one compression method:
    w.u8(0)?; // null

    let exts_len = w.len_field(2)?;
    if let Some(name) = sni {
        w.u16(EXT_SERVER_NAME)?;
        let ext = w.len_field(2)?;
        let list = w.len_field(2)?;
        w.u8(0)?; // host_name
        let host = w.len_field(2)?;
        w.put(name.as_bytes())?;
        w.close_len(host, 2)?;
        w.close_len(list, 2)?;
        w.close_len(ext, 2)?;
    }

    w.u16(EXT_SUPPORTED_GROUPS)?;
    let ext = w.len_field(2)?;
    let list = w.len_field(2)?;
    for g in GROUPS {
        w.u16(g)?;
    }
    w.close_len(list, 2)?;
    w.close_len(ext, 2)?;

    w.u16(EXT_EC_POINT_FORMATS)?;
    w.u16(2)?;
    w.u8(1)?;
    w.u8(0)?; // uncompressed

    w.u16(EXT_SIGNATURE_ALGORITHMS)?;
    let ext = w.len_field(2)?;
    let list = w.len_field(2)?;
    for s in SIGNATURE_ALGORITHMS {
        w.u16(s)?;
    }
    w.close_len(list, 2)?;
    w.close_len(ext, 2)?;

    if hello.max_version == TlsVersion::Tls13 {
        w.u16(EXT_SUPPORTED_VERSIONS)?;
        let ext = w.len_field(2)?;
        let list = w.len_field(1)?;
        for v in [
            TlsVersion::Tls13,
            TlsVersion::Tls12,
            TlsVersion::Tls11,
            TlsVersion::Tls10,
        ] {
            if v >= hello.min_version {
                w.u16(v.to_wire())?;
            }
        }
        w.close_len(list, 1)?;
        w.close_len(ext, 2)?;

        w.u16(EXT_KEY_SHARE)?;
        w.u16(2)?;
        w.u16(0)?; // client_shares: empty
    }
    w.close_len(exts_len, 2)?;
    w.close_len(hs_len, 3)?;

    let fragment = w.pos.checked_sub(5).ok_or(ProbeError::BufferTooSmall)?;
    if fragment > MAX_FRAGMENT {
        return Err(ProbeError::HelloTooLarge);
    }
    w.close_len(record_len, 2)?;
    Ok(w.pos)
}

/// The SNI host name to send for `name`: `Ok(None)` for an IP literal
/// (RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted"), the
/// name without one trailing dot otherwise.
pub(crate) fn sni_name(name: &str) -> Result<Option<&str>, ProbeError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(ProbeError::InvalidName);
    }
    if name.len() > MAX_NAME {
        return Err(ProbeError::NameTooLong);
    }
    // IPv6 literal, bracketed or not, possibly with a zone.
    if name.contains(':') || name.starts_with('[') {
        return Ok(None);
    }
    // Every label a valid DNS label.
    let mut last = "";
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(ProbeError::InvalidName);
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ProbeError::InvalidName);
        }
        last = label;
    }
    // IPv4 literal (including the short forms `inet_aton` accepts): a last
    // label of digits only is never a host name (no top-level domain is
    // numeric), so such a name is treated as an address.
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(Some(name))
}

/// Bounds-checked writer over the caller's buffer.
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), ProbeError> {
        let end = self
            .pos
            .checked_add(bytes.len())
            .ok_or(ProbeError::BufferTooSmall)?;
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(ProbeError::BufferTooSmall)?;
        for (d, s) in dst.iter_mut().zip(bytes) {
            *d = *s;
        }
        self.pos = end;
        Ok(())
    }

    fn u8(&mut self, v: u8) -> Result<(), ProbeError> {
        self.put(&[v])
    }

    fn u16(&mut self, v: u16) -> Result<(), ProbeError> {
        self.put(&v.to_be_bytes())
    }

    /// Reserves a `width`-byte length field; returns where it starts.
    fn len_field(&mut self, width: usize) -> Result<usize, ProbeError> {
        let at = self.pos;
        for _ in 0..width {
            self.u8(0)?;
        }
        Ok(at)
    }

    /// Fills the length field at `at` with the number of bytes written after it.
    fn close_len(&mut self, at: usize, width: usize) -> Result<(), ProbeError> {
        let body_start = at.checked_add(width).ok_or(ProbeError::BufferTooSmall)?;
        let len = self
            .pos
            .checked_sub(body_start)
            .ok_or(ProbeError::BufferTooSmall)?;
        let len = u32::try_from(len).map_err(|_| ProbeError::HelloTooLarge)?;
        let bytes = len.to_be_bytes();
        let skip = 4usize.checked_sub(width).ok_or(ProbeError::HelloTooLarge)?;
        let (high, low) = bytes.split_at(skip.min(bytes.len()));
        if high.iter().any(|&b| b != 0) {
            return Err(ProbeError::HelloTooLarge);
        }
        let dst = self
            .buf
            .get_mut(at..body_start)
            .ok_or(ProbeError::BufferTooSmall)?;
        for (d, s) in dst.iter_mut().zip(low) {
            *d = *s;
        }
        Ok(())
    }
}
