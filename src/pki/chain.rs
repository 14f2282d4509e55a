//! Certificate path validation (RFC 5280 6.1, as the Web PKI uses it): from
//! the server's certificate, through the certificates it sent in any
//! order, to a configured trust anchor.
//!
//! Checked on every certificate of a path:
//! - validity at the caller's time (an anchor's own validity is not, as
//!   RFC 5280 6.2 and webpki);
//! - basicConstraints: the server certificate is not a CA, every issuer is,
//!   and no issuer has more CAs below it than its pathLenConstraint;
//! - keyUsage of an issuer, when present, includes keyCertSign;
//! - extendedKeyUsage, when present, includes serverAuth (on the CAs too,
//!   like webpki: a CA restricted to other purposes cannot issue for TLS
//!   servers);
//! - the signature, by the next certificate's key or the anchor's, with
//!   one of the algorithms given (signature algorithm and key type must
//!   both match one of them);
//! - name constraints of every CA above (the anchor's included): dNSName
//!   and iPAddress subtrees are evaluated; a subtree of any other type that
//!   applies to a name of that type (directoryName always applies to the
//!   subject) refuses the path rather than risk a wrong answer.
//!
//! Path building is a depth-first search: anchors first, then every
//! certificate the server sent whose subject is the issuer's name, none
//! twice in a path, at most [`MAX_SUB_CA`] intermediates. Each link is
//! verified when it is tried (its CA properties, then its signature), so a
//! certificate that did not issue the one below costs one signature and
//! is not searched above. Work is bounded by budgets of signatures,
//! candidates and name comparisons, so a hostile server cannot make the
//! device verify signatures for minutes. No heap; certificates are re-read
//! from their bytes where needed instead of kept.

use rustls_pki_types::{SignatureVerificationAlgorithm, TrustAnchor};

use super::der::{self, Reader};
use super::name::{dns_matches, dns_within, ip_within, ServerId};
use super::x509::{only, spki_parts, Cert, Use, OID};
use super::PkiError;

/// Most intermediate CAs between the server certificate and an anchor.
pub(crate) const MAX_SUB_CA: usize = 6;
/// Most signatures verified in one validation: a worst case of about
/// 0.4 G Cortex-M4 instructions (RustCrypto P-256 or RSA-4096; ~3 s at
/// 120 MHz), where a normal chain of three takes two.
const MAX_SIGNATURES: u16 = 32;
/// Most certificates tried as an issuer in one validation.
const MAX_CANDIDATES: u16 = 128;
/// Most (name, constraint) comparisons in one validation.
const MAX_NAME_CHECKS: u16 = 1024;

/// `id-kp-serverAuth` (1.3.6.1.5.5.7.3.1), the OID's contents.
const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// GeneralName tags: `[2] dNSName`, `[4] directoryName`, `[7] iPAddress`.
const DNS_NAME: u8 = 0x82;
const DIRECTORY_NAME: u8 = 0xA4;
const IP_ADDRESS: u8 = 0x87;
/// NameConstraints: `[0] permittedSubtrees`, `[1] excludedSubtrees`.
const PERMITTED: u8 = 0xA0;
const EXCLUDED: u8 = 0xA1;

/// One validation: what it runs with.
pub(crate) struct Chain<'v, 'c> {
    /// Signature algorithms accepted in certificates.
    pub algs: &'v [&'v dyn SignatureVerificationAlgorithm],
    /// The configured trust anchors.
    pub anchors: &'v [TrustAnchor<'v>],
    /// The server's certificates, its own first.
    pub certs: &'v [&'c [u8]],
    /// Validation time, Unix seconds.
    pub now: u64,
}

/// A path under construction (indices into `certs`, the server's own
/// first) and what is left of the budgets.
struct Walk {
    path: [u8; MAX_SUB_CA + 1],
    len: usize,
    signatures: u16,
    candidates: u16,
    name_checks: u16,
    /// A budget ran out: stop searching, report [`PkiError::PathTooComplex`].
    exhausted: bool,
}

impl Walk {
    fn indices(&self) -> &[u8] {
        self.path.get(..self.len).unwrap_or(&[])
    }
}

/// Takes one unit of a budget; when it is spent, marks the walk exhausted
/// (the search stops) and says [`PkiError::PathTooComplex`].
fn spend(budget: &mut u16, exhausted: &mut bool) -> Result<(), PkiError> {
    match budget.checked_sub(1) {
        Some(n) => {
            *budget = n;
            Ok(())
        }
        None => {
            *exhausted = true;
            Err(PkiError::PathTooComplex)
        }
    }
}

/// The more useful of two reasons a path failed: anything says more than
/// "no issuer found".
fn rank(best: PkiError, e: PkiError) -> PkiError {
    if best == PkiError::UnknownIssuer {
        e
    } else {
        best
    }
}

impl<'v, 'c> Chain<'v, 'c> {
    /// Validates the chain and returns the server certificate, read.
    pub(crate) fn verify(&self) -> Result<Cert<'c>, PkiError> {
        let leaf = self.cert(0)?;
        if self.certs.len() > usize::from(u8::MAX) {
            return Err(PkiError::PathTooComplex);
        }
        self.check_properties(&leaf, false, 0)?;
        let mut w = Walk {
            path: [0; MAX_SUB_CA + 1],
            len: 1,
            signatures: MAX_SIGNATURES,
            candidates: MAX_CANDIDATES,
            name_checks: MAX_NAME_CHECKS,
            exhausted: false,
        };
        match self.build(&mut w) {
            Ok(()) => Ok(leaf),
            Err(_) if w.exhausted => Err(PkiError::PathTooComplex),
            Err(e) => Err(e),
        }
    }

    fn cert(&self, i: u8) -> Result<Cert<'c>, PkiError> {
        let der = self
            .certs
            .get(usize::from(i))
            .ok_or(PkiError::ChainInvalid)?;
        Cert::parse(der, Use::Chain).ok_or(PkiError::MalformedCertificate)
    }

    /// Extends the path from its last certificate (its properties and its
    /// link to the certificate below already checked) to an anchor. Each
    /// link is verified as it is tried, so a wrong candidate costs one
    /// signature and no search below it.
    fn build(&self, w: &mut Walk) -> Result<(), PkiError> {
        let head_index = *w.indices().last().ok_or(PkiError::ChainInvalid)?;
        // Only what the links need (not the whole certificate read) is
        // kept across the search above it: a smaller frame per level.
        let head = Link::of(&self.cert(head_index)?);

        let mut best = PkiError::UnknownIssuer;
        for anchor in self.anchors {
            if anchor.subject.as_ref() != head.issuer {
                continue;
            }
            let r = signed_by(self.algs, w, &head, anchor.subject_public_key_info.as_ref())
                .and_then(|()| self.check_constraints(w, anchor));
            match r {
                Ok(()) => return Ok(()),
                Err(e) if w.exhausted => return Err(e),
                Err(e) => best = rank(best, e),
            }
        }
        for j in 1..self.certs.len() {
            let j = u8::try_from(j).map_err(|_| PkiError::PathTooComplex)?;
            match self.try_link(w, &head, j) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) if w.exhausted => return Err(e),
                Err(e) => {
                    best = rank(best, e);
                    continue;
                }
            }
            *w.path.get_mut(w.len).ok_or(PkiError::PathTooComplex)? = j;
            w.len += 1;
            match self.build(w) {
                Ok(()) => return Ok(()),
                Err(e) if w.exhausted => return Err(e),
                Err(e) => best = rank(best, e),
            }
            w.len -= 1;
        }
        Err(best)
    }

    /// Whether the server's certificate `j` is the next link above
    /// `head`: `Ok(false)` when it is not a candidate (another name, already
    /// in the path), an error when it is one and fails (too deep, not a CA,
    /// expired, ... or its signature on `head` does not verify). Out of
    /// line, so the certificates read here are not kept in the search's
    /// frame.
    #[inline(never)]
    fn try_link(&self, w: &mut Walk, head: &Link<'_>, j: u8) -> Result<bool, PkiError> {
        if w.indices().contains(&j) {
            return Ok(false);
        }
        let candidate = self.cert(j)?;
        if candidate.subject != head.issuer {
            return Ok(false);
        }
        // The same CA sent twice (or cross-signed copies): once per path.
        for &k in w.indices() {
            let prev = self.cert(k)?;
            if prev.subject == candidate.subject && prev.spki == candidate.spki {
                return Ok(false);
            }
        }
        if w.len > MAX_SUB_CA {
            return Err(PkiError::PathTooComplex);
        }
        spend(&mut w.candidates, &mut w.exhausted)?;
        // The number of CAs between this one and the server certificate.
        let below = w.len.saturating_sub(1);
        self.check_properties(&candidate, true, below)?;
        signed_by(self.algs, w, head, candidate.spki)?;
        Ok(true)
    }

    /// What a certificate must satisfy whoever issued it.
    fn check_properties(&self, c: &Cert<'_>, issuer: bool, below: usize) -> Result<(), PkiError> {
        let (Some(not_before), Some(not_after)) = (c.not_before, c.not_after) else {
            return Err(PkiError::MalformedCertificate);
        };
        if not_before > not_after {
            return Err(PkiError::MalformedCertificate);
        }
        if self.now < not_before {
            return Err(PkiError::NotYetValid {
                now: self.now,
                not_before,
            });
        }
        if self.now > not_after {
            return Err(PkiError::Expired {
                now: self.now,
                not_after,
            });
        }
        let (ca, path_len) = c.ca().ok_or(PkiError::MalformedCertificate)?;
        match (issuer, ca, path_len) {
            (false, true, _) => return Err(PkiError::CaUsedAsEndEntity),
            (true, false, _) => return Err(PkiError::IssuerNotCa),
            (true, true, Some(n)) if below > usize::from(n) => {
                return Err(PkiError::ConstraintViolation)
            }
            _ => {}
        }
        if let Some(eku) = c.eku {
            let mut r = Reader::new(eku);
            let mut server_auth = false;
            while !r.is_empty() {
                server_auth |=
                    r.expect(OID).ok_or(PkiError::MalformedCertificate)?.value == SERVER_AUTH;
            }
            if !server_auth {
                return Err(PkiError::NoServerAuthEku);
            }
        }
        if let (true, Some(ku)) = (issuer, c.key_usage) {
            // BIT STRING: unused-bit count, then bit 0 (MSB) first;
            // keyCertSign is bit 5.
            let bits = ku.get(1).copied().unwrap_or(0);
            if ku.first().is_none_or(|&unused| unused > 7) {
                return Err(PkiError::MalformedCertificate);
            }
            if bits & 0x04 == 0 {
                return Err(PkiError::IssuerNotCa);
            }
        }
        Ok(())
    }

    /// The name constraints of a complete path (its links verified): the
    /// anchor's over every certificate, each CA's over those below it.
    fn check_constraints(&self, w: &mut Walk, anchor: &TrustAnchor<'_>) -> Result<(), PkiError> {
        let path = w.path;
        let path = path.get(..w.len).unwrap_or(&[]);
        if let Some(nc) = anchor.name_constraints.as_ref() {
            for &i in path {
                within_constraints(nc.as_ref(), &self.cert(i)?, w)?;
            }
        }
        for (k, &i) in path.iter().enumerate().skip(1) {
            if let Some(nc) = self.cert(i)?.name_constraints {
                for &below in path.get(..k).unwrap_or(&[]) {
                    within_constraints(nc, &self.cert(below)?, w)?;
                }
            }
        }
        Ok(())
    }
}

/// What a link to an issuer checks of a certificate: the issuer's name
/// and the signature over the TBSCertificate.
struct Link<'c> {
    issuer: &'c [u8],
    tbs: &'c [u8],
    sig_alg: &'c [u8],
    signature: &'c [u8],
}

impl<'c> Link<'c> {
    fn of(c: &Cert<'c>) -> Self {
        Link {
            issuer: c.issuer,
            tbs: c.tbs,
            sig_alg: c.sig_alg,
            signature: c.signature,
        }
    }
}

/// One link: `c` signed by the key `issuer_spki` (contents), within the
/// budget, with the first of `algs` whose signature algorithm is `c`'s and
/// whose key type is the key's.
#[inline(never)]
fn signed_by(
    algs: &[&dyn SignatureVerificationAlgorithm],
    w: &mut Walk,
    c: &Link<'_>,
    issuer_spki: &[u8],
) -> Result<(), PkiError> {
    spend(&mut w.signatures, &mut w.exhausted)?;
    let (key_alg, key) = spki_parts(issuer_spki).ok_or(PkiError::MalformedCertificate)?;
    let alg = algs
        .iter()
        .find(|a| {
            a.signature_alg_id().as_ref() == c.sig_alg && a.public_key_alg_id().as_ref() == key_alg
        })
        .ok_or(PkiError::UnsupportedAlgorithm)?;
    alg.verify_signature(key, c.tbs, c.signature)
        .map_err(|_| PkiError::BadChainSignature)
}

/// Checks the names of `c` (its subjectAltName entries and its subject)
/// against the NameConstraints contents `nc` (RFC 5280 4.2.1.10).
fn within_constraints(nc: &[u8], c: &Cert<'_>, w: &mut Walk) -> Result<(), PkiError> {
    let mut r = Reader::new(nc);
    let mut permitted = None;
    let mut excluded = None;
    if r.peek_tag() == Some(PERMITTED) {
        permitted = r.read().map(|t| t.value);
    }
    if r.peek_tag() == Some(EXCLUDED) {
        excluded = r.read().map(|t| t.value);
    }
    if !r.is_empty() {
        return Err(PkiError::MalformedCertificate);
    }
    if let Some(san) = c.san {
        let mut names = Reader::new(san);
        while !names.is_empty() {
            let name = names.read().ok_or(PkiError::MalformedCertificate)?;
            name_within(name.tag, name.value, permitted, excluded, w)?;
        }
    }
    name_within(DIRECTORY_NAME, c.subject, permitted, excluded, w)
}

/// One name (GeneralName `tag` and contents) against the subtrees.
fn name_within(
    tag: u8,
    name: &[u8],
    permitted: Option<&[u8]>,
    excluded: Option<&[u8]>,
    w: &mut Walk,
) -> Result<(), PkiError> {
    for (subtrees, is_excluded) in [(permitted, false), (excluded, true)] {
        let Some(subtrees) = subtrees else {
            continue;
        };
        let (mut matched, mut mismatched) = (false, false);
        let mut r = Reader::new(subtrees);
        while !r.is_empty() {
            spend(&mut w.name_checks, &mut w.exhausted)?;
            // GeneralSubtree ::= SEQUENCE { base GeneralName } (minimum
            // and maximum are never used in the Web PKI).
            let subtree = r
                .expect(der::SEQUENCE)
                .ok_or(PkiError::MalformedCertificate)?;
            let mut s = Reader::new(subtree.value);
            let base = s.read().ok_or(PkiError::MalformedCertificate)?;
            if !s.is_empty() {
                return Err(PkiError::MalformedCertificate);
            }
            if base.tag != tag {
                continue;
            }
            let within = match tag {
                DNS_NAME => dns_within(name, base.value, is_excluded),
                IP_ADDRESS => ip_within(name, base.value),
                // Any other type constrained: refuse, do not guess.
                _ => None,
            }
            .ok_or(PkiError::ConstraintViolation)?;
            if within && is_excluded {
                return Err(PkiError::ConstraintViolation);
            }
            matched |= within;
            mismatched |= !within;
        }
        // Permitted subtrees of this name's type exist and none holds it.
        if !is_excluded && mismatched && !matched {
            return Err(PkiError::ConstraintViolation);
        }
    }
    Ok(())
}

/// Whether the server certificate `leaf` is valid for `id`: a
/// subjectAltName dNSName or iPAddress names it (the commonName is not
/// looked at, as in browsers and webpki).
pub(crate) fn valid_for(leaf: &Cert<'_>, id: ServerId<'_>) -> Result<(), PkiError> {
    let san = leaf.san.ok_or(PkiError::WrongHost)?;
    let mut names = Reader::new(san);
    while !names.is_empty() {
        let name = names.read().ok_or(PkiError::MalformedCertificate)?;
        let ok = match (name.tag, id) {
            (DNS_NAME, ServerId::Dns(reference)) => dns_matches(name.value, reference),
            (IP_ADDRESS, ServerId::Ip(addr, n)) => addr.get(..n) == Some(name.value),
            _ => false,
        };
        if ok {
            return Ok(());
        }
    }
    Err(PkiError::WrongHost)
}

/// Verifies `signature` over `message` with the key of the whole
/// subjectPublicKeyInfo `spki` and the algorithm `alg` (the key's type must
/// be `alg`'s).
pub(crate) fn verify_with_spki(
    alg: &dyn SignatureVerificationAlgorithm,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<()> {
    let (key_alg, key) = spki_parts(only(spki, der::SEQUENCE)?.value)?;
    if alg.public_key_alg_id().as_ref() != key_alg {
        return None;
    }
    alg.verify_signature(key, message, signature).ok()
}
