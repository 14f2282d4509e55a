//! The probe's ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2).

use super::{ProbeError, ProbeHello, TlsVersion};

/// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (RFC 5746 3.3).
const RENEGOTIATION_SCSV: u16 = 0x00FF;

/// Largest TLSPlaintext fragment (RFC 8446 5.1).
const MAX_FRAGMENT: usize = 1 << 14;

/// Longest DNS name without its trailing dot (RFC 1035 2.3.4, as text).
const MAX_NAME: usize = 253;

/// The extensions every probe sends, after `server_name`, as they go on
/// the wire (type, length, body):
///
/// - `supported_groups`: x25519, secp256r1, secp384r1;
/// - `ec_point_formats`: uncompressed;
/// - `signature_algorithms`, strongest/most common first: ecdsa_secp256r1_sha256,
///   ecdsa_secp384r1_sha384, rsa_pss_rsae_sha256/384/512,
///   rsa_pkcs1_sha256/384/512, rsa_pkcs1_sha1, ecdsa_sha1.
const FIXED_EXTENSIONS: [u8; 44] = [
    0x00, 0x0A, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1D, 0x00, 0x17, 0x00,
    0x18, // supported_groups
    0x00, 0x0B, 0x00, 0x02, 0x01, 0x00, // ec_point_formats
    0x00, 0x0D, 0x00, 0x16, 0x00, 0x14, // signature_algorithms
    0x04, 0x03, 0x05, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01,
    0x02, 0x01, 0x02, 0x03,
];

/// `key_share` with an empty `client_shares` (TLS 1.3 offers only).
const EMPTY_KEY_SHARE: [u8; 6] = [0x00, 0x33, 0x00, 0x02, 0x00, 0x00];

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
    let suites = hello.cipher_suites;
    if suites.is_empty() {
        return Err(ProbeError::NoCipherSuites);
    }
    if hello.min_version > hello.max_version {
        return Err(ProbeError::VersionRange);
    }
    let name: &[u8] = match hello.server_name {
        Some(name) => sni_name(name)?.map_or(&[], str::as_bytes),
        None => &[],
    };
    let client_version = if hello.max_version > TlsVersion::Tls12 {
        TlsVersion::Tls12
    } else {
        hello.max_version
    };

    // All lengths first (the buffer and the record size are checked once),
    // then the bytes, copied in order.
    // A plain loop: `contains` links a generic search costing ~100 bytes of
    // flash on Cortex-M.
    #[allow(clippy::manual_contains)]
    let has_scsv = suites.iter().any(|&s| s == RENEGOTIATION_SCSV);
    let suites_len = suites
        .len()
        .saturating_add(usize::from(!has_scsv))
        .saturating_mul(2);
    // server_name: type 2, length 2, list length 2, name type 1, name length 2.
    let sni_len = if name.is_empty() { 0 } else { name.len() + 9 };
    // TLS 1.3 offered: versions max (1.3) down to min, two bytes each.
    let versions = if hello.max_version == TlsVersion::Tls13 {
        2 * (TlsVersion::Tls13 as usize + 1 - hello.min_version as usize)
    } else {
        0
    };
    let v13_len = if versions == 0 {
        0
    } else {
        5 + versions + EMPTY_KEY_SHARE.len()
    };
    let exts_len = sni_len + FIXED_EXTENSIONS.len() + v13_len;
    // client_version 2, random 32, session id 1, suites 2 + n, compression
    // 2, extensions 2 + n; plus the handshake header (4).
    let hs_len = suites_len.saturating_add(4 + 2 + 32 + 1 + 2 + 2 + 2 + exts_len);
    let total = hs_len.saturating_add(5);
    if total > out.len() {
        return Err(ProbeError::BufferTooSmall);
    }
    if hs_len > MAX_FRAGMENT {
        return Err(ProbeError::HelloTooLarge);
    }

    let mut w = Writer { buf: out, pos: 0 };
    let [_, _, rec_hi, rec_lo] = (hs_len as u32).to_be_bytes();
    let [_, hs_b2, hs_b1, hs_b0] = (hs_len as u32).wrapping_sub(4).to_be_bytes();
    let [cv_hi, cv_lo] = client_version.to_wire().to_be_bytes();
    // TLSPlaintext header (handshake, record version 0x0301), handshake
    // header (client_hello), client_version.
    w.put(&[
        22, 3, 1, rec_hi, rec_lo, 1, hs_b2, hs_b1, hs_b0, cv_hi, cv_lo,
    ]);
    w.put(random);
    // Empty legacy_session_id, then the cipher suites.
    let [sl_hi, sl_lo] = (suites_len as u16).to_be_bytes();
    w.put(&[0, sl_hi, sl_lo]);
    for &suite in suites {
        w.put(&suite.to_be_bytes());
    }
    if !has_scsv {
        w.put(&RENEGOTIATION_SCSV.to_be_bytes());
    }
    // One compression method, null; the extensions.
    let [el_hi, el_lo] = (exts_len as u16).to_be_bytes();
    w.put(&[1, 0, el_hi, el_lo]);
    if !name.is_empty() {
        // server_name: extension length, list length, host_name, name
        // length (the name is at most 253 bytes).
        let n = name.len() as u16;
        let [e_hi, e_lo] = (n + 5).to_be_bytes();
        let [l_hi, l_lo] = (n + 3).to_be_bytes();
        w.put(&[0, 0, e_hi, e_lo, l_hi, l_lo, 0, 0, n as u8]);
        w.put(name);
    }
    w.put(&FIXED_EXTENSIONS);
    if versions != 0 {
        // supported_versions: TLS 1.3 (0x0304) down to min_version.
        let n = versions as u8;
        w.put(&[0, 0x2B, 0, n + 1, n]);
        let mut minor = 4;
        while minor > hello.min_version as u8 {
            w.put(&[3, minor]);
            minor -= 1;
        }
        w.put(&EMPTY_KEY_SHARE);
    }
    Ok(w.pos)
}

/// The SNI host name to send for `name`: `Ok(None)` for an IP literal
/// (RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted"), the
/// name without one trailing dot otherwise.
pub(crate) fn sni_name(name: &str) -> Result<Option<&str>, ProbeError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let bytes = name.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err(ProbeError::InvalidName);
    };
    if bytes.len() > MAX_NAME {
        return Err(ProbeError::NameTooLong);
    }
    // IPv6 literal, bracketed or not, possibly with a zone. (A plain loop:
    // `contains` links memchr, ~90 bytes more flash on Cortex-M.)
    #[allow(clippy::manual_contains)]
    let ipv6 = first == b'[' || bytes.iter().any(|&b| b == b':');
    if ipv6 {
        return Ok(None);
    }
    // Every label a valid DNS label.
    let mut label = 0usize;
    let mut digits = true;
    for &b in bytes {
        if b == b'.' {
            if label == 0 {
                return Err(ProbeError::InvalidName);
            }
            label = 0;
            digits = true;
            continue;
        }
        if label == 63 || !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ProbeError::InvalidName);
        }
        label += 1;
        digits &= b.is_ascii_digit();
    }
    if label == 0 {
        return Err(ProbeError::InvalidName);
    }
    // IPv4 literal (including the short forms `inet_aton` accepts): a last
    // label of digits only is never a host name (no top-level domain is
    // numeric), so such a name is treated as an address.
    if digits {
        return Ok(None);
    }
    Ok(Some(name))
}

/// Writer over the caller's buffer, whose size was checked beforehand (a
/// write past the end would be cut off, never a panic).
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    #[inline(never)]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.pos..) {
            for (d, s) in dst.iter_mut().zip(bytes) {
                *d = *s;
            }
        }
        self.pos = self.pos.saturating_add(bytes.len());
    }
}
