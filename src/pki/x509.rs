//! One X.509 v3 certificate read strictly (RFC 5280 4.1) into the parts
//! chain validation needs, as slices of the certificate's bytes.
//!
//! What is refused (all `None`, reported as a malformed certificate):
//! bytes after the certificate, a version other than v3 (a trust anchor
//! may also be v1), an inner signature algorithm that differs from the
//! outer one, a signature or key BIT STRING with unused bits, an
//! unparsable validity, a known extension twice or not holding exactly
//! one value of its type, and a critical extension this module does not
//! know (trust anchors excepted: what a trusted root says is not checked,
//! RFC 5280 6.2).

use super::der::{self, Reader, Tlv};
use super::time::x509_time;

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
/// `[1]`/`[2]` IMPLICIT: issuerUniqueID, subjectUniqueID.
const ISSUER_UID: u8 = 0x81;
const SUBJECT_UID: u8 = 0x82;
/// `[3] EXPLICIT Extensions`.
const EXTENSIONS: u8 = 0xA3;

/// `id-ce` (2.5.29) extension OIDs: the last byte.
const ID_CE: [u8; 2] = [0x55, 0x1d];
const KEY_USAGE: u8 = 15;
const SUBJECT_ALT_NAME: u8 = 17;
const BASIC_CONSTRAINTS: u8 = 19;
const NAME_CONSTRAINTS: u8 = 30;
const CRL_DISTRIBUTION_POINTS: u8 = 31;
const EXTENDED_KEY_USAGE: u8 = 37;

/// How strictly to read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// A certificate the server sent: v3 only, every critical extension
    /// understood.
    Chain,
    /// A trust anchor the caller configured: v1 allowed, unknown critical
    /// extensions ignored.
    Anchor,
}

/// The parts of one certificate.
pub(crate) struct Cert<'a> {
    /// The whole TBSCertificate encoding: what the issuer signed.
    pub tbs: &'a [u8],
    /// The signatureAlgorithm AlgorithmIdentifier's contents.
    pub sig_alg: &'a [u8],
    /// The signature bits.
    pub signature: &'a [u8],
    /// The issuer Name's contents.
    pub issuer: &'a [u8],
    /// The subject Name's contents.
    pub subject: &'a [u8],
    /// notBefore and notAfter, Unix seconds (`None`: before 1970 or
    /// unparsable; an anchor's validity is not checked).
    pub not_before: Option<u64>,
    pub not_after: Option<u64>,
    /// The subjectPublicKeyInfo's contents (algorithm, key bits).
    pub spki: &'a [u8],
    /// The whole subjectPublicKeyInfo encoding.
    pub spki_whole: &'a [u8],
    /// basicConstraints SEQUENCE contents.
    pub basic_constraints: Option<&'a [u8]>,
    /// keyUsage BIT STRING contents.
    pub key_usage: Option<&'a [u8]>,
    /// extKeyUsage SEQUENCE contents.
    pub eku: Option<&'a [u8]>,
    /// subjectAltName GeneralNames contents.
    pub san: Option<&'a [u8]>,
    /// nameConstraints SEQUENCE contents.
    pub name_constraints: Option<&'a [u8]>,
}

/// Reads exactly one element of `tag` from `data` (nothing after it).
pub(crate) fn only(data: &[u8], tag: u8) -> Option<Tlv<'_>> {
    let mut r = Reader::new(data);
    let t = r.expect(tag)?;
    r.is_empty().then_some(t)
}

/// A BIT STRING's bits when it has no unused bits.
pub(crate) fn whole_bits(value: &[u8]) -> Option<&[u8]> {
    match value.split_first() {
        Some((0, bits)) => Some(bits),
        _ => None,
    }
}

/// A BOOLEAN DEFAULT FALSE: absent is false; present, TRUE (`ff`) or
/// FALSE (`00`, though DER leaves a default out).
fn optional_bool(r: &mut Reader<'_>) -> Option<bool> {
    if r.peek_tag() != Some(BOOLEAN) {
        return Some(false);
    }
    match r.read()?.value {
        [0xff] => Some(true),
        [0x00] => Some(false),
        _ => None,
    }
}

/// A subjectPublicKeyInfo's contents as (AlgorithmIdentifier contents,
/// key bits).
pub(crate) fn spki_parts(spki: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut r = Reader::new(spki);
    let alg = r.expect(der::SEQUENCE)?;
    let key = r.expect(BIT_STRING)?;
    if !r.is_empty() {
        return None;
    }
    Some((alg.value, whole_bits(key.value)?))
}

impl<'a> Cert<'a> {
    /// Reads `cert` (exactly one DER Certificate).
    pub(crate) fn parse(cert: &'a [u8], usage: Use) -> Option<Self> {
        let outer = only(cert, der::SEQUENCE)?;
        let mut c = Reader::new(outer.value);
        let tbs = c.expect(der::SEQUENCE)?;
        let sig_alg = c.expect(der::SEQUENCE)?;
        let signature = whole_bits(c.expect(BIT_STRING)?.value)?;
        if !c.is_empty() {
            return None;
        }
        let mut t = Reader::new(tbs.value);
        let v3 = if t.peek_tag() == Some(der::CONTEXT_0) {
            // [0] EXPLICIT INTEGER 2 (v3). v2 is refused.
            (only(t.read()?.value, der::INTEGER)?.value == [2]).then_some(())?;
            true
        } else {
            false
        };
        if !v3 && usage == Use::Chain {
            return None;
        }
        t.expect(der::INTEGER)?; // serialNumber (read leniently, as webpki)
        if t.expect(der::SEQUENCE)?.value != sig_alg.value {
            return None;
        }
        let issuer = t.expect(der::SEQUENCE)?.value;
        let validity = t.expect(der::SEQUENCE)?;
        let subject = t.expect(der::SEQUENCE)?.value;
        let spki = t.expect(der::SEQUENCE)?;
        let mut v = Reader::new(validity.value);
        let not_before = x509_time(&v.read()?);
        let not_after = x509_time(&v.read()?);
        if !v.is_empty() {
            return None;
        }
        let mut cert = Cert {
            tbs: tbs.whole,
            sig_alg: sig_alg.value,
            signature,
            issuer,
            subject,
            not_before,
            not_after,
            spki: spki.value,
            spki_whole: spki.whole,
            basic_constraints: None,
            key_usage: None,
            eku: None,
            san: None,
            name_constraints: None,
        };
        for tag in [ISSUER_UID, SUBJECT_UID] {
            if t.peek_tag() == Some(tag) {
                t.read()?;
            }
        }
        if !t.is_empty() {
            if !v3 {
                return None;
            }
            let exts = only(
                t.read().filter(|e| e.tag == EXTENSIONS)?.value,
                der::SEQUENCE,
            )?;
            if !t.is_empty() {
                return None;
            }
            let mut r = Reader::new(exts.value);
            while !r.is_empty() {
                cert.extension(r.expect(der::SEQUENCE)?.value, usage)?;
            }
        }
        Some(cert)
    }

    /// Reads one Extension and keeps the value of a known one.
    fn extension(&mut self, ext: &'a [u8], usage: Use) -> Option<()> {
        let mut r = Reader::new(ext);
        let oid = r.expect(OID)?.value;
        let critical = optional_bool(&mut r)?;
        let value = r.expect(OCTET_STRING)?.value;
        if !r.is_empty() {
            return None;
        }
        let id = match oid {
            [a, b, id] if [*a, *b] == ID_CE => *id,
            _ => 0,
        };
        let (slot, tag) = match id {
            KEY_USAGE => (&mut self.key_usage, BIT_STRING),
            SUBJECT_ALT_NAME => (&mut self.san, der::SEQUENCE),
            BASIC_CONSTRAINTS => (&mut self.basic_constraints, der::SEQUENCE),
            NAME_CONSTRAINTS => (&mut self.name_constraints, der::SEQUENCE),
            EXTENDED_KEY_USAGE => (&mut self.eku, der::SEQUENCE),
            // Revocation is not checked; the extension itself is understood.
            CRL_DISTRIBUTION_POINTS => return Some(()),
            _ if critical && usage == Use::Chain => return None,
            _ => return Some(()),
        };
        if slot.is_some() {
            return None; // the same extension twice
        }
        *slot = Some(only(value, tag)?.value);
        Some(())
    }

    /// basicConstraints: (cA, pathLenConstraint). Absent is (false, None).
    pub(crate) fn ca(&self) -> Option<(bool, Option<u8>)> {
        let Some(bc) = self.basic_constraints else {
            return Some((false, None));
        };
        let mut r = Reader::new(bc);
        let ca = optional_bool(&mut r)?;
        let path_len = if r.is_empty() {
            None
        } else {
            // 0..=255, minimally encoded (as webpki's `u8`).
            match r.expect(der::INTEGER)?.value {
                [b] if *b < 0x80 => Some(*b),
                [0, b] if *b >= 0x80 => Some(*b),
                _ => return None,
            }
        };
        r.is_empty().then_some((ca, path_len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_strings_and_spki_are_strict() {
        assert_eq!(whole_bits(&[0, 1, 2]), Some(&[1u8, 2][..]));
        assert_eq!(whole_bits(&[1, 2]), None);
        assert_eq!(whole_bits(&[]), None);
        // SEQUENCE { SEQUENCE {}, BIT STRING 00 AA } and with trailing data.
        assert!(spki_parts(&[0x30, 0, 0x03, 2, 0, 0xaa]).is_some());
        assert!(spki_parts(&[0x30, 0, 0x03, 2, 0, 0xaa, 0]).is_none());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        for bad in [
            &[][..],
            &[0x30, 0],
            &[0x30, 3, 0x30, 1, 0],
            &[0x30, 0x80, 0, 0],
        ] {
            assert!(Cert::parse(bad, Use::Chain).is_none());
            assert!(Cert::parse(bad, Use::Anchor).is_none());
        }
    }
}
