//! PEM <-> DER without a heap: streaming base64 encoding of DER into PEM
//! text of a known length (so it can be uploaded with a length-first
//! command), streaming decoding of a PEM block into DER of a known length
//! (for firmware that parses DER only, the Sierra HL8548), and a check of
//! what a DER key is.

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
/// pieces of at most 65 bytes ([`PemEncoder`] pulled into a buffer).
pub fn write_pem<E>(
    der: &[u8],
    label: &str,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut enc = PemEncoder::new(der, label);
    let mut line = [0u8; 65];
    loop {
        let n = enc.pull(&mut line);
        if n == 0 {
            return Ok(());
        }
        sink(line.get(..n).unwrap_or(&[]))?;
    }
}

/// `der` as PEM text with `label`, produced on demand: [`PemEncoder::pull`]
/// fills a buffer with the next bytes, [`pem_len`] in all.
pub struct PemEncoder<'a> {
    der: &'a [u8],
    label: &'a str,
    pos: usize,
}

impl<'a> PemEncoder<'a> {
    /// The PEM text of `der` with `label`.
    pub fn new(der: &'a [u8], label: &'a str) -> Self {
        PemEncoder { der, label, pos: 0 }
    }

    /// The next bytes into `buf`; how many (0 at the end).
    pub fn pull(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        for slot in buf.iter_mut() {
            let Some(c) = self.byte_at(self.pos) else {
                break;
            };
            *slot = c;
            self.pos += 1;
            n += 1;
        }
        n
    }

    /// The byte at `pos` of the text: `-----BEGIN <label>-----\n`, the
    /// base64 in lines of 64 characters each ended by `\n`, then
    /// `-----END <label>-----\n`.
    fn byte_at(&self, pos: usize) -> Option<u8> {
        let label = self.label.as_bytes();
        let head = 11 + label.len() + 6;
        if pos < head {
            return Self::marker(b"-----BEGIN ", label, pos);
        }
        let b64 = self.der.len().div_ceil(3) * 4;
        let body = b64 + self.der.len().div_ceil(LINE_DER);
        let at = pos - head;
        if at >= body {
            return Self::marker(b"-----END ", label, at - body);
        }
        let (line, col) = (at / 65, at % 65);
        if col == (b64 - line * 64).min(64) {
            return Some(b'\n');
        }
        let k = line * 64 + col;
        let group = self.der.get(k / 4 * 3..).unwrap_or(&[]);
        let [b0, b1, b2] = [0, 1, 2].map(|i| group.get(i).copied().unwrap_or(0));
        let i = match k % 4 {
            0 => b0 >> 2,
            1 => ((b0 & 3) << 4) | (b1 >> 4),
            2 => ((b1 & 15) << 2) | (b2 >> 6),
            _ => b2 & 63,
        };
        Some(if k % 4 > group.len().min(3) {
            b'='
        } else {
            B64[usize::from(i & 63)]
        })
    }

    /// The byte at `pos` of `<start><label>-----\n`.
    fn marker(start: &[u8], label: &[u8], pos: usize) -> Option<u8> {
        start
            .iter()
            .chain(label)
            .chain(b"-----\n")
            .nth(pos)
            .copied()
    }
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

/// The base64 body of the first PEM block of `text`: between the end of
/// its `-----BEGIN <label>-----` line and `-----END <label>-----` (the
/// same label). `None` when there is no complete block.
pub fn first_pem_body(text: &[u8]) -> Option<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let b = find(text, BEGIN)?;
    let after = text.get(b + BEGIN.len()..)?;
    let label_end = find(after, b"-----")?;
    let label = after.get(..label_end)?;
    let body_start = after.get(label_end + 5..)?;
    let e = find(body_start, END)?;
    let body = body_start.get(..e)?;
    let end_label = body_start.get(e + END.len()..)?;
    if end_label.get(..label.len())? != label
        || end_label.get(label.len()..label.len() + 5)? != b"-----"
    {
        return None;
    }
    Some(body)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of one base64 character.
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

/// Decode the base64 `body` of a PEM block (line breaks and spaces
/// allowed, `=` padding only at the end) to `sink`, in pieces of at most
/// 48 bytes; the decoded length, or `Ok(None)` when `body` is not
/// base64 (what was given to `sink` before the fault is then garbage:
/// run it first with a sink that drops the bytes to check and count,
/// as [`pem_decoded_len`] does). [`Base64Decoder`] pulled into a buffer.
pub fn decode_pem_body<E>(
    body: &[u8],
    sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
) -> Result<Option<usize>, E> {
    let mut dec = Base64Decoder::new(body);
    let mut out = [0u8; LINE_DER];
    let mut total = 0usize;
    loop {
        let Some(n) = dec.pull(&mut out) else {
            return Ok(None);
        };
        if n == 0 {
            return Ok(Some(total));
        }
        sink(out.get(..n).unwrap_or(&[]))?;
        total += n;
    }
}

/// The base64 body of a PEM block decoded on demand:
/// [`Base64Decoder::pull`] fills a buffer with the next bytes.
pub struct Base64Decoder<'a> {
    rest: &'a [u8],
    acc: u32,
    bits: u32,
    pad: u32,
}

impl<'a> Base64Decoder<'a> {
    /// A decoder of `body` (line breaks and spaces allowed, `=` padding
    /// only at the end).
    pub fn new(body: &'a [u8]) -> Self {
        Base64Decoder {
            rest: body,
            acc: 0,
            bits: 0,
            pad: 0,
        }
    }

    /// The next decoded bytes into `buf`; how many (0 at the end), or
    /// `None` when the body is not base64 (found at the fault or at the
    /// end: bytes pulled before it are then garbage).
    pub fn pull(&mut self, buf: &mut [u8]) -> Option<usize> {
        let mut n = 0;
        while n < buf.len() {
            let Some((&c, rest)) = self.rest.split_first() else {
                // The end: padding and leftover bits must fit.
                if self.pad > 2 || self.acc != 0 || self.bits >= 6 {
                    return None;
                }
                break;
            };
            self.rest = rest;
            if matches!(c, b'\r' | b'\n' | b' ' | b'\t') {
                continue;
            }
            if c == b'=' {
                self.pad += 1;
                continue;
            }
            let v = b64_value(c).filter(|_| self.pad == 0)?;
            self.acc = (self.acc << 6) | u32::from(v);
            self.bits += 6;
            if self.bits >= 8 {
                self.bits -= 8;
                if let Some(slot) = buf.get_mut(n) {
                    *slot = (self.acc >> self.bits) as u8;
                }
                n += 1;
                self.acc &= (1 << self.bits) - 1;
            }
        }
        Some(n)
    }
}

/// The DER length of the first PEM block of `text`, and its body; `None`
/// when there is no block or its body is not base64.
pub fn pem_decoded_len(text: &[u8]) -> Option<(usize, &[u8])> {
    let body = first_pem_body(text)?;
    let len = decode_pem_body::<core::convert::Infallible>(body, &mut |_| Ok(())).ok()??;
    Some((len, body))
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

    fn decode(pem: &[u8]) -> Option<Vec<u8>> {
        let (len, body) = pem_decoded_len(pem)?;
        let mut out = Vec::new();
        let n = decode_pem_body(body, &mut |c: &[u8]| -> Result<(), ()> {
            assert!(c.len() <= LINE_DER);
            out.extend_from_slice(c);
            Ok(())
        })
        .unwrap()?;
        assert_eq!((n, out.len()), (len, len));
        Some(out)
    }

    #[test]
    fn pulled_in_pieces_of_every_size_the_bytes_are_the_same() {
        let der: Vec<u8> = (0..100u32).map(|i| (i * 13 + 5) as u8).collect();
        let pem = encode(&der);
        let body = first_pem_body(&pem).unwrap();
        for piece in 1..70 {
            let mut buf = vec![0u8; piece];
            let (mut enc, mut text) = (PemEncoder::new(&der, "CERTIFICATE"), Vec::new());
            loop {
                let n = enc.pull(&mut buf);
                if n == 0 {
                    break;
                }
                text.extend_from_slice(&buf[..n]);
            }
            assert_eq!(text, pem, "{piece}");
            let (mut dec, mut back) = (Base64Decoder::new(body), Vec::new());
            loop {
                let n = dec.pull(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                back.extend_from_slice(&buf[..n]);
            }
            assert_eq!(back, der, "{piece}");
        }
        // Not base64: the fault is reported, at once or at the end.
        for bad in [&b"AA!A"[..], b"A", b"A===", b"AA=A"] {
            let mut dec = Base64Decoder::new(bad);
            let mut buf = [0u8; 8];
            assert!((0..4).any(|_| dec.pull(&mut buf).is_none()), "{bad:?}");
        }
    }

    #[test]
    fn pem_back_to_der_for_all_sizes() {
        for n in 0..200usize {
            let der: Vec<u8> = (0..n).map(|i| (i * 7 + 3) as u8).collect();
            let mut pem = b"junk before\r\n".to_vec();
            pem.extend(encode(&der));
            pem.extend_from_slice(
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            );
            assert_eq!(decode(&pem), Some(der), "n={n}");
        }
    }

    #[test]
    fn not_pem_or_not_base64() {
        for bad in [
            &b"no block"[..],
            b"-----BEGIN CERTIFICATE-----\nAAAA\n",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\nAA*A\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nAA==AA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nAB==\n-----END CERTIFICATE-----\n",
            b"-----BEGIN X-----\nAA===\n-----END X-----\n",
            b"-----BEGIN X",
        ] {
            assert_eq!(decode(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            decode(b"-----BEGIN X-----\r\nAA==\r\n-----END X-----"),
            Some(vec![0])
        );
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
