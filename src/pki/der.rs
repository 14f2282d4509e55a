//! A minimal, strict DER reader: the elements of certificates
//! (`x509.rs`), RSA and EC keys, ECDSA signatures. Never panics; every
//! malformed input is `None`.

/// Universal tags used here.
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT` (certificate version).
pub(crate) const CONTEXT_0: u8 = 0xA0;

/// One element: tag, contents, and the whole encoding (tag + length + contents).
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub whole: &'a [u8],
}

/// Reads consecutive DER elements from a slice.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element (single-byte tags, definite minimal lengths
    /// of up to 4 bytes).
    pub fn read(&mut self) -> Option<Tlv<'a>> {
        let data = self.rest;
        let tag = *data.first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tags are not used in what we read
        }
        let first = *data.get(1)?;
        let (len, hdr) = if first < 0x80 {
            (first as usize, 2usize)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 {
                return None;
            }
            let bytes = data.get(2..2 + n)?;
            if bytes.first() == Some(&0) {
                return None; // non-minimal
            }
            let mut len = 0usize;
            for b in bytes {
                len = (len << 8) | (*b as usize);
            }
            if len < 0x80 {
                return None; // long form for a short length
            }
            (len, 2 + n)
        };
        let end = hdr.checked_add(len)?;
        let value = data.get(hdr..end)?;
        let whole = data.get(..end)?;
        self.rest = data.get(end..)?;
        Some(Tlv { tag, value, whole })
    }

    /// Reads the next element and checks its tag.
    pub fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        let t = self.read()?;
        if t.tag == tag {
            Some(t)
        } else {
            None
        }
    }
}

/// A positive DER INTEGER without its sign byte. Rejects negative values,
/// zero-length integers and non-minimal encodings.
pub(crate) fn positive_integer(value: &[u8]) -> Option<&[u8]> {
    let first = *value.first()?;
    if first & 0x80 != 0 {
        return None; // negative
    }
    if first == 0 {
        let rest = value.get(1..)?;
        match rest.first() {
            None => None,                     // zero
            Some(b) if b & 0x80 == 0 => None, // non-minimal
            Some(_) => Some(rest),
        }
    } else {
        Some(value)
    }
}

/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` for a curve of
/// `N`-byte scalars, read strictly: r and s positive, minimally encoded, at
/// most `N` bytes each, nothing after. Returns r || s, each left-padded to
/// `N` bytes (`out` is `2 * N` bytes).
pub(crate) fn ecdsa_signature<const N: usize>(sig: &[u8], out: &mut [u8]) -> Option<()> {
    let mut outer = Reader::new(sig);
    let seq = outer.expect(SEQUENCE)?;
    if !outer.is_empty() || out.len() != 2 * N {
        return None;
    }
    out.fill(0);
    let mut r = Reader::new(seq.value);
    for half in out.chunks_exact_mut(N) {
        let value = positive_integer(r.expect(INTEGER)?.value)?;
        half.get_mut(N.checked_sub(value.len())?..)?
            .copy_from_slice(value);
    }
    r.is_empty().then_some(())
}

/// The DER `ECDSA-Sig-Value` of the big-endian scalars `r` and `s`
/// (each at most 127 bytes), written to `out`; its length.
pub(crate) fn write_ecdsa_signature(r: &[u8], s: &[u8], out: &mut [u8]) -> Option<usize> {
    /// A scalar as a minimal positive INTEGER's content: leading zeros
    /// dropped, a zero byte in front when the top bit is set.
    fn content(x: &[u8]) -> (bool, &[u8]) {
        let start = x
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(x.len().saturating_sub(1));
        let v = x.get(start..).unwrap_or(&[]);
        (v.first().is_some_and(|b| b & 0x80 != 0), v)
    }
    let (pad_r, vr) = content(r);
    let (pad_s, vs) = content(s);
    let len_r = vr.len() + usize::from(pad_r);
    let len_s = vs.len() + usize::from(pad_s);
    let body = 2 + len_r + 2 + len_s;
    if len_r > 127 || len_s > 127 || body > 127 {
        return None;
    }
    let mut w = 0;
    let mut put = |bytes: &[u8]| -> Option<()> {
        out.get_mut(w..w + bytes.len())?.copy_from_slice(bytes);
        w += bytes.len();
        Some(())
    };
    put(&[SEQUENCE, body as u8])?;
    for (pad, v, len) in [(pad_r, vr, len_r), (pad_s, vs, len_s)] {
        put(&[INTEGER, len as u8])?;
        if pad {
            put(&[0])?;
        }
        put(v)?;
    }
    Some(w)
}

/// OCTET STRING.
pub(crate) const OCTET_STRING: u8 = 0x04;
/// OBJECT IDENTIFIER.
pub(crate) const OID: u8 = 0x06;
/// `[0] EXPLICIT` of ECPrivateKey's parameters.
const EC_PARAMETERS: u8 = 0xA0;
/// id-ecPublicKey (1.2.840.10045.2.1), contents.
const ID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 / secp256r1 (1.2.840.10045.3.1.7), contents.
const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The 32-byte private scalar of a P-256 key in SEC1 `ECPrivateKey`
/// (RFC 5915) or PKCS#8 `PrivateKeyInfo` (RFC 5958) DER. A key of another
/// curve, another version, or with bytes left over is refused.
pub(crate) fn p256_private_key(der: &[u8]) -> Option<&[u8]> {
    let mut outer = Reader::new(der);
    let seq = outer.expect(SEQUENCE)?;
    if !outer.is_empty() {
        return None;
    }
    let mut r = Reader::new(seq.value);
    let version = r.expect(INTEGER)?;
    match version.value {
        // SEC1: version 1, the key, [0] curve, [1] public key.
        [1] => sec1_scalar(r),
        // PKCS#8 v1 or v2 (OneAsymmetricKey): algorithm, then the SEC1 key
        // inside an OCTET STRING; attributes and public key may follow.
        [0] => {
            let alg = r.expect(SEQUENCE)?;
            let mut a = Reader::new(alg.value);
            if a.expect(OID)?.value != ID_EC_PUBLIC_KEY || a.expect(OID)?.value != PRIME256V1 {
                return None;
            }
            if !a.is_empty() {
                return None;
            }
            let inner = r.expect(OCTET_STRING)?;
            let mut i = Reader::new(inner.value);
            let sec1 = i.expect(SEQUENCE)?;
            if !i.is_empty() {
                return None;
            }
            let mut k = Reader::new(sec1.value);
            if k.expect(INTEGER)?.value != [1] {
                return None;
            }
            sec1_scalar(k)
        }
        _ => None,
    }
}

/// The rest of an ECPrivateKey after its version: the scalar, and when the
/// optional curve is named, P-256.
fn sec1_scalar(mut r: Reader<'_>) -> Option<&[u8]> {
    let key = r.expect(OCTET_STRING)?.value;
    if key.len() != 32 {
        return None;
    }
    if r.peek_tag() == Some(EC_PARAMETERS) {
        let params = r.read()?;
        let mut p = Reader::new(params.value);
        if p.expect(OID)?.value != PRIME256V1 || !p.is_empty() {
            return None;
        }
    }
    // [1] publicKey, if present, is not needed (it is derived again).
    Some(key)
}

/// The first commonName (OID 2.5.4.3) of a Name's contents
/// (`SEQUENCE OF SET OF AttributeTypeAndValue`), as raw string bytes.
pub(crate) fn common_name(name: &[u8]) -> Option<&[u8]> {
    const CN_OID: &[u8] = &[0x55, 0x04, 0x03];
    let mut rdns = Reader::new(name);
    while !rdns.is_empty() {
        let set = rdns.read()?;
        let mut atvs = Reader::new(set.value);
        while !atvs.is_empty() {
            let atv = atvs.expect(SEQUENCE)?;
            let mut a = Reader::new(atv.value);
            let oid = a.expect(0x06)?;
            let value = a.read()?;
            if oid.value == CN_OID {
                return Some(value.value);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signatures_are_read_strictly() {
        let mut rs = [0u8; 64];
        assert!(ecdsa_signature::<32>(&[0x30, 6, 2, 1, 5, 2, 1, 7], &mut rs).is_some());
        assert_eq!((rs[31], rs[63]), (5, 7));
        // Negative, non-minimal, trailing bytes, long form, empty, too long.
        for bad in [
            &[0x30, 6, 2, 1, 0x85, 2, 1, 7][..],
            &[0x30, 7, 2, 2, 0, 5, 2, 1, 7],
            &[0x30, 7, 2, 1, 5, 2, 1, 7, 0],
            &[0x30, 0x81, 6, 2, 1, 5, 2, 1, 7],
            &[0x30, 8, 2, 1, 5, 2, 1, 7, 2, 0],
            &[],
        ] {
            assert!(ecdsa_signature::<32>(bad, &mut rs).is_none(), "{bad:02x?}");
        }
        let mut long = [0u8; 41];
        long[..6].copy_from_slice(&[0x30, 39, 2, 34, 0x01, 0x01]);
        long[38..].copy_from_slice(&[2, 1, 7]);
        assert!(ecdsa_signature::<32>(&long, &mut rs).is_none(), "33-byte r");
    }

    #[test]
    fn ecdsa_signatures_written_are_read_back() {
        for (r, s) in [([0x80u8; 32], [0x01u8; 32]), ([0u8; 32], [0x7fu8; 32])] {
            let mut r = r;
            r[31] |= 1; // never zero
            let mut der = [0u8; 72];
            let n = write_ecdsa_signature(&r, &s, &mut der).unwrap();
            let mut rs = [0u8; 64];
            ecdsa_signature::<32>(&der[..n], &mut rs).unwrap();
            assert_eq!((&rs[..32], &rs[32..]), (&r[..], &s[..]));
        }
        assert_eq!(
            write_ecdsa_signature(&[0x80; 32], &[0x80; 32], &mut [0u8; 72]),
            Some(72)
        );
        assert!(write_ecdsa_signature(&[0x80; 32], &[0x80; 32], &mut [0u8; 71]).is_none());
    }

    #[test]
    fn lengths() {
        assert!(Reader::new(&[0x02, 0x01, 0x05]).read().is_some());
        // long form for a short length is rejected
        assert!(Reader::new(&[0x02, 0x81, 0x01, 0x05]).read().is_none());
        // truncated
        assert!(Reader::new(&[0x02, 0x02, 0x05]).read().is_none());
        assert!(Reader::new(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff])
            .read()
            .is_none());
        assert!(Reader::new(&[]).read().is_none());
    }

    #[test]
    fn integers() {
        assert_eq!(positive_integer(&[0x00, 0x80]), Some(&[0x80u8][..]));
        assert_eq!(positive_integer(&[0x00, 0x7f]), None);
        assert_eq!(positive_integer(&[0x80]), None);
        assert_eq!(positive_integer(&[0x00]), None);
        assert_eq!(positive_integer(&[]), None);
        assert_eq!(positive_integer(&[0x01, 0x00]), Some(&[0x01u8, 0x00][..]));
    }
}
