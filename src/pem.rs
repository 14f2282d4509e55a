//! PEM <-> DER without a heap: streaming base64 encoding of DER into PEM
//! text of a known length (so it can be uploaded with a length-first
//! command), and a check of what a DER key is.

/// Base64 alphabet (RFC 4648 §4).
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Bytes of DER per 64-character PEM line.
const LINE_DER: usize = 48;

/// The exact length of the PEM text [`write_pem`] produces.
///
/// ```
/// use modemtls::pem::{pem_len, write_pem};
/// let der = [0x30u8, 0x03, 0x02, 0x01, 0x00];
/// let mut out = Vec::new();
/// write_pem(&der, "CERTIFICATE", &mut |c: &[u8]| -> Result<(), ()> { out.extend_from_slice(c); Ok(()) }).unwrap();
/// assert_eq!(out.len(), pem_len(der.len(), "CERTIFICATE"));
/// assert_eq!(out, b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n");
/// ```
pub fn pem_len(der_len: usize, label: &str) -> usize {
    let b64 = der_len.div_ceil(3) * 4;
    let lines = der_len.div_ceil(LINE_DER);
    // "-----BEGIN " + label + "-----\n" and the same with END.
    (11 + label.len() + 6) + (9 + label.len() + 6) + b64 + lines
}

/// Write `der` as PEM with `label` (e.g. `CERTIFICATE`) to `sink`, in
/// pieces of at most 65 bytes.
pub fn write_pem<E>(
    der: &[u8],
    label: &str,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    sink(b"-----BEGIN ")?;
    sink(label.as_bytes())?;
    sink(b"-----\n")?;
    for chunk in der.chunks(LINE_DER) {
        let mut line = [0u8; 65];
        let mut n = 0;
        for group in chunk.chunks(3) {
            let b = [
                group.first().copied().unwrap_or(0),
                group.get(1).copied().unwrap_or(0),
                group.get(2).copied().unwrap_or(0),
            ];
            let idx = [
                b[0] >> 2,
                ((b[0] & 3) << 4) | (b[1] >> 4),
                ((b[1] & 15) << 2) | (b[2] >> 6),
                b[2] & 63,
            ];
            for (k, &i) in idx.iter().enumerate() {
                let c = if k > group.len() {
                    b'='
                } else {
                    B64[usize::from(i & 63)]
                };
                if let Some(slot) = line.get_mut(n) {
                    *slot = c;
                }
                n += 1;
            }
        }
        if let Some(slot) = line.get_mut(n) {
            *slot = b'\n';
        }
        sink(line.get(..n + 1).unwrap_or(&[]))?;
    }
    sink(b"-----END ")?;
    sink(label.as_bytes())?;
    sink(b"-----\n")
}

/// What a DER private key is, from its first ASN.1 fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerKeyKind {
    /// PKCS#8 `PrivateKeyInfo` (PEM label `PRIVATE KEY`).
    Pkcs8,
    /// SEC1 `ECPrivateKey` (PEM label `EC PRIVATE KEY`).
    Sec1,
    /// PKCS#1 `RSAPrivateKey` (PEM label `RSA PRIVATE KEY`).
    Pkcs1,
}

impl DerKeyKind {
    /// The PEM label for this kind.
    pub fn label(&self) -> &'static str {
        match self {
            DerKeyKind::Pkcs8 => "PRIVATE KEY",
            DerKeyKind::Sec1 => "EC PRIVATE KEY",
            DerKeyKind::Pkcs1 => "RSA PRIVATE KEY",
        }
    }

    /// Classify a DER key: SEQUENCE { INTEGER version, next }.
    pub fn detect(der: &[u8]) -> Option<Self> {
        let body = skip_header(der, 0x30)?;
        let (version, rest) = match body {
            [0x02, 0x01, v, rest @ ..] => (*v, rest),
            _ => return None,
        };
        match (version, rest.first()) {
            (0, Some(0x30)) => Some(DerKeyKind::Pkcs8),
            (1, Some(0x04)) => Some(DerKeyKind::Sec1),
            (0, Some(0x02)) => Some(DerKeyKind::Pkcs1),
            _ => None,
        }
    }
}

/// The contents of a DER TLV with tag `tag` at the start of `der`.
fn skip_header(der: &[u8], tag: u8) -> Option<&[u8]> {
    match der {
        [t, len, rest @ ..] if *t == tag => {
            let skip = match *len {
                0..=0x7f => 0,
                0x81 => 1,
                0x82 => 2,
                0x83 => 3,
                _ => return None,
            };
            rest.get(skip..)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(der: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_pem(der, "CERTIFICATE", &mut |c: &[u8]| -> Result<(), ()> {
            out.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn lengths_match_for_all_sizes() {
        for n in 0..200usize {
            let der: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            assert_eq!(encode(&der).len(), pem_len(n, "CERTIFICATE"), "n={n}");
        }
    }

    #[test]
    fn base64_vectors() {
        // RFC 4648 §10 test vectors inside PEM framing.
        for (i, o) in [
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let pem = encode(i.as_bytes());
            let body = std::str::from_utf8(&pem)
                .unwrap()
                .lines()
                .nth(1)
                .unwrap()
                .to_string();
            assert_eq!(body, o);
        }
    }

    #[test]
    fn key_kinds() {
        assert_eq!(
            DerKeyKind::detect(&[0x30, 0x10, 0x02, 0x01, 0x00, 0x30, 0x00]),
            Some(DerKeyKind::Pkcs8)
        );
        assert_eq!(
            DerKeyKind::detect(&[0x30, 0x81, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]),
            Some(DerKeyKind::Sec1)
        );
        assert_eq!(
            DerKeyKind::detect(&[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02]),
            Some(DerKeyKind::Pkcs1)
        );
        assert_eq!(DerKeyKind::detect(b"junk"), None);
        assert_eq!(DerKeyKind::detect(&[]), None);
    }
}
