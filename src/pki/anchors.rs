//! Trust anchors: a CA bundle (PEM or DER) parsed once into
//! `rustls-pki-types` `TrustAnchor`s that borrow the certificate bytes. No heap: the caller
//! gives the capacity (`N` anchors) and, for PEM, a byte buffer the decoded
//! DER is written to.

use rustls_pki_types::{Der, TrustAnchor};

use super::der;
use super::x509::{Cert, Use};
use super::PkiError;

/// A fixed-capacity set of trust anchors borrowing their DER bytes.
pub struct TrustAnchors<'a, const N: usize> {
    anchors: heapless::Vec<TrustAnchor<'a>, N>,
}

impl<'a, const N: usize> Default for TrustAnchors<'a, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Parses one trusted DER certificate into an anchor borrowing `cert`:
/// its subject, its key and its name constraints. Nothing else of a
/// trusted root is checked (RFC 5280 6.2): it may be v1, and its own
/// validity and critical extensions are the caller's choice.
fn anchor(cert: &[u8]) -> Result<TrustAnchor<'_>, PkiError> {
    let c = Cert::parse(cert, Use::Anchor).ok_or(PkiError::BadTrustAnchor)?;
    Ok(TrustAnchor {
        subject: Der::from_slice(c.subject),
        subject_public_key_info: Der::from_slice(c.spki),
        name_constraints: c.name_constraints.map(Der::from_slice),
    })
}

impl<'a, const N: usize> TrustAnchors<'a, N> {
    /// An empty set.
    pub const fn new() -> Self {
        TrustAnchors {
            anchors: heapless::Vec::new(),
        }
    }

    /// Adds one DER certificate.
    pub fn add_der(&mut self, cert: &'a [u8]) -> Result<(), PkiError> {
        let ta = anchor(cert)?;
        self.anchors.push(ta).map_err(|_| PkiError::AnchorCapacity)
    }

    /// Adds every certificate of a concatenation of DER certificates (one
    /// certificate is the common case). Returns how many were added.
    pub fn add_der_bundle(&mut self, bundle: &'a [u8]) -> Result<usize, PkiError> {
        let mut r = der::Reader::new(bundle);
        let mut count = 0;
        while !r.is_empty() {
            let tlv = r.read().ok_or(PkiError::BadTrustAnchor)?;
            if tlv.tag != der::SEQUENCE {
                return Err(PkiError::BadTrustAnchor);
            }
            self.add_der(tlv.whole)?;
            count += 1;
        }
        if count == 0 {
            return Err(PkiError::NoTrustAnchors);
        }
        Ok(count)
    }

    /// Parses a CA bundle that is either PEM (one or more
    /// `-----BEGIN CERTIFICATE-----` blocks; other blocks are skipped) or
    /// DER (one or more concatenated certificates). PEM is decoded into
    /// `storage`, which must be at least 3/4 of the PEM size; DER input is
    /// not copied (pass an empty `storage`).
    pub fn from_bundle(bundle: &'a [u8], storage: &'a mut [u8]) -> Result<Self, PkiError> {
        let mut set = Self::new();
        if is_pem(bundle) {
            let used = pem_decode_certificates(bundle, storage)?;
            let decoded: &'a [u8] = storage;
            set.add_der_bundle(decoded.get(..used).ok_or(PkiError::AnchorCapacity)?)?;
        } else {
            set.add_der_bundle(bundle)?;
        }
        Ok(set)
    }

    /// The anchors, for [`PkiVerifier`](super::PkiVerifier).
    pub fn as_slice(&self) -> &[TrustAnchor<'a>] {
        &self.anchors
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when there are no anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

fn is_pem(data: &[u8]) -> bool {
    find(data, b"-----BEGIN ").is_some()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes base64 (whitespace ignored, `=` padding) into `out`; returns the
/// number of bytes written.
pub(crate) fn base64_decode(input: &[u8], out: &mut [u8]) -> Result<usize, PkiError> {
    let mut acc: u32 = 0;
    let mut nbits = 0u32;
    let mut n = 0usize;
    let mut pad = 0usize;
    for &c in input {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return Err(PkiError::BadPem); // data after padding
        }
        let v = b64_value(c).ok_or(PkiError::BadPem)?;
        acc = (acc << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            let byte = (acc >> nbits) as u8;
            *out.get_mut(n).ok_or(PkiError::AnchorCapacity)? = byte;
            n += 1;
            acc &= (1 << nbits) - 1;
        }
    }
    if pad > 2 || acc != 0 || nbits >= 6 {
        return Err(PkiError::BadPem);
    }
    Ok(n)
}

/// One PEM block: its label, its base64 body, and the text after it.
type PemBlock<'p> = (&'p [u8], &'p [u8], &'p [u8]);

/// The next `-----BEGIN <label>-----` ... `-----END <label>-----` block of
/// `rest`, or `None` when there is none.
fn next_pem_block(rest: &[u8]) -> Result<Option<PemBlock<'_>>, PkiError> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let Some(b) = find(rest, BEGIN) else {
        return Ok(None);
    };
    let after_begin = rest.get(b + BEGIN.len()..).ok_or(PkiError::BadPem)?;
    let label_end = find(after_begin, b"-----").ok_or(PkiError::BadPem)?;
    let label = after_begin.get(..label_end).ok_or(PkiError::BadPem)?;
    let body_start = after_begin.get(label_end + 5..).ok_or(PkiError::BadPem)?;
    let e = find(body_start, END).ok_or(PkiError::BadPem)?;
    let body = body_start.get(..e).ok_or(PkiError::BadPem)?;
    let after_end = body_start.get(e + END.len()..).ok_or(PkiError::BadPem)?;
    let end_label_end = find(after_end, b"-----").ok_or(PkiError::BadPem)?;
    if after_end.get(..end_label_end) != Some(label) {
        return Err(PkiError::BadPem);
    }
    let rest = after_end.get(end_label_end + 5..).ok_or(PkiError::BadPem)?;
    Ok(Some((label, body, rest)))
}

fn is_certificate_label(label: &[u8]) -> bool {
    label == b"CERTIFICATE" || label == b"TRUSTED CERTIFICATE" || label == b"X509 CERTIFICATE"
}

/// Decodes every `CERTIFICATE` block of a PEM text into `out`, back to back.
pub(crate) fn pem_decode_certificates(pem: &[u8], out: &mut [u8]) -> Result<usize, PkiError> {
    let mut rest = pem;
    let mut used = 0usize;
    let mut certs = 0usize;
    while let Some((label, body, after)) = next_pem_block(rest)? {
        rest = after;
        if is_certificate_label(label) {
            let dst = out.get_mut(used..).ok_or(PkiError::AnchorCapacity)?;
            used += base64_decode(body, dst)?;
            certs += 1;
        }
    }
    if certs == 0 {
        return Err(PkiError::NoTrustAnchors);
    }
    Ok(used)
}

/// Decodes the first PEM block whose label is one of `labels` into `out`;
/// returns its length, or `None` when no such block exists.
pub(crate) fn pem_decode_first(
    pem: &[u8],
    labels: &[&[u8]],
    out: &mut [u8],
) -> Result<Option<usize>, PkiError> {
    let mut rest = pem;
    while let Some((label, body, after)) = next_pem_block(rest)? {
        rest = after;
        if labels.contains(&label) {
            return base64_decode(body, out).map(Some);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        let mut out = [0u8; 16];
        assert_eq!(base64_decode(b"aGVsbG8=", &mut out), Ok(5));
        assert_eq!(&out[..5], b"hello");
        assert_eq!(base64_decode(b"aGVs\r\nbG8h", &mut out), Ok(6));
        assert_eq!(base64_decode(b"aGVsbG8=x", &mut out), Err(PkiError::BadPem));
        assert_eq!(base64_decode(b"a*", &mut out), Err(PkiError::BadPem));
        let mut small = [0u8; 2];
        assert_eq!(
            base64_decode(b"aGVsbG8=", &mut small),
            Err(PkiError::AnchorCapacity)
        );
    }

    #[test]
    fn pem_errors() {
        let mut out = [0u8; 64];
        assert_eq!(
            pem_decode_certificates(b"nothing", &mut out),
            Err(PkiError::NoTrustAnchors)
        );
        assert_eq!(
            pem_decode_certificates(b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n", &mut out),
            Err(PkiError::BadPem)
        );
        assert_eq!(
            pem_decode_certificates(
                b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END KEY-----\n",
                &mut out
            ),
            Err(PkiError::BadPem)
        );
    }
}
