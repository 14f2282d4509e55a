//! Server names: what the caller connects to ([`ServerId`]), the DNS name
//! syntax shared by reference names, certificate names and name
//! constraints, and the matching rules of RFC 6125 as browsers apply them.
//!
//! - A reference name is a DNS name (one trailing dot allowed) or an IPv4 /
//!   IPv6 literal. The last label of a DNS name is never all digits, so a
//!   dotted quad is always an address.
//! - A presented DNS name (a certificate's `dNSName`) may start with a
//!   wildcard label that is exactly `*`, followed by at least two labels;
//!   the wildcard stands for one whole label, never for none or for two.
//!   It is never absolute (no trailing dot).
//! - A name constraint is a DNS name, `.suffix` or empty (everything); a
//!   presented name is within it when it equals it or ends in it at a
//!   label boundary.
//!
//! Every function is total: malformed input is "no match" or `None`.

/// The longest DNS name (RFC 1035, without the trailing dot).
const MAX_DNS_LEN: usize = 253;
/// The longest DNS label.
const MAX_LABEL_LEN: usize = 63;

/// What the server certificate must be valid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerId<'a> {
    /// A DNS name, as given (possibly with one trailing dot).
    Dns(&'a [u8]),
    /// An IPv4 or IPv6 address in network byte order (4 or 16 bytes used).
    Ip([u8; 16], usize),
}

/// `name` as a reference identity, or `None` when it is neither a DNS name
/// nor an IP address literal.
pub(crate) fn server_id(name: &str) -> Option<ServerId<'_>> {
    let b = name.as_bytes();
    let mut out = [0u8; 16];
    if let Some(v4) = ipv4(b) {
        out.get_mut(..4)?.copy_from_slice(&v4);
        return Some(ServerId::Ip(out, 4));
    }
    if let Some(v6) = ipv6(b) {
        return Some(ServerId::Ip(v6, 16));
    }
    valid_dns(b, Role::Reference).then_some(ServerId::Dns(b))
}

/// A dotted-quad IPv4 literal (decimal, no leading zeros).
fn ipv4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for o in out.iter_mut() {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.first() == Some(&b'0')) {
            return None;
        }
        let mut v = 0u16;
        for &c in part {
            v = v * 10 + u16::from(c.is_ascii_digit().then(|| c - b'0')?);
        }
        *o = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// An IPv6 literal (RFC 4291 2.2: groups of 1..=4 hex digits, one `::`,
/// optionally a dotted quad for the last 32 bits).
fn ipv6(s: &[u8]) -> Option<[u8; 16]> {
    // Groups before and after "::" (or all of them when there is none).
    let (head, tail) = match s.windows(2).position(|w| w == b"::") {
        Some(i) => (s.get(..i)?, Some(s.get(i + 2..)?)),
        None => (s, None),
    };
    let mut words = [0u16; 8];
    let n_head = groups(head, &mut words, tail.is_none())?;
    let Some(tail) = tail else {
        return (n_head == 8).then(|| bytes(&words));
    };
    let mut rest = [0u16; 8];
    let n_tail = groups(tail, &mut rest, true)?;
    // "::" stands for at least one zero group.
    if n_head + n_tail > 7 {
        return None;
    }
    for (dst, src) in words.iter_mut().skip(8 - n_tail).zip(rest) {
        *dst = src;
    }
    Some(bytes(&words))
}

/// Colon-separated groups into `out`; the last may be a dotted quad when
/// `v4_last`. Returns how many 16-bit words were written.
fn groups(s: &[u8], out: &mut [u16; 8], v4_last: bool) -> Option<usize> {
    if s.is_empty() {
        return Some(0);
    }
    let mut n = 0usize;
    let mut parts = s.split(|&b| b == b':').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() && v4_last && part.contains(&b'.') {
            let [a, b, c, d] = ipv4(part)?;
            *out.get_mut(n)? = u16::from_be_bytes([a, b]);
            *out.get_mut(n + 1)? = u16::from_be_bytes([c, d]);
            return Some(n + 2);
        }
        if part.is_empty() || part.len() > 4 {
            return None;
        }
        let mut v = 0u16;
        for &c in part {
            v = v << 4 | u16::from((c as char).to_digit(16)? as u8);
        }
        *out.get_mut(n)? = v;
        n += 1;
    }
    Some(n)
}

fn bytes(words: &[u16; 8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (pair, w) in out.chunks_exact_mut(2).zip(words) {
        pair.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// Which kind of DNS name is being checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// What the caller connects to: may be absolute (trailing dot).
    Reference,
    /// A certificate's dNSName: may start with a `*` label.
    Presented,
    /// A nameConstraints dNSName: may be empty or start with a dot.
    Constraint,
}

/// DNS name syntax (letters, digits, `-`, `_`; labels of 1..=63 bytes not
/// starting or ending with `-`; a last label that is not all digits).
fn valid_dns(name: &[u8], role: Role) -> bool {
    if name.len() > MAX_DNS_LEN + 1 || (role != Role::Reference && name.len() > MAX_DNS_LEN) {
        return false;
    }
    if role == Role::Constraint && name.is_empty() {
        return true;
    }
    let mut rest = name;
    let mut labels = 0usize;
    let wildcard = role == Role::Presented && rest.first() == Some(&b'*');
    if wildcard {
        let Some(after) = rest.strip_prefix(b"*.") else {
            return false;
        };
        rest = after;
        labels = 1;
    }
    if role == Role::Constraint {
        // ".example.com": a leading dot means "subdomains of".
        rest = rest.strip_prefix(b".").unwrap_or(rest);
    }
    if role == Role::Reference {
        rest = rest.strip_suffix(b".").unwrap_or(rest);
    }
    let mut last_all_digits = false;
    for label in rest.split(|&b| b == b'.') {
        let ok_bytes = label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if label.is_empty()
            || label.len() > MAX_LABEL_LEN
            || !ok_bytes
            || label.first() == Some(&b'-')
            || label.last() == Some(&b'-')
        {
            return false;
        }
        last_all_digits = label.iter().all(u8::is_ascii_digit);
        labels += 1;
    }
    // Like NSS and webpki: a wildcard needs two labels after it.
    !last_all_digits && (!wildcard || labels >= 3)
}

/// Whether the certificate name `presented` (a dNSName) names `reference`.
pub(crate) fn dns_matches(presented: &[u8], reference: &[u8]) -> bool {
    if !valid_dns(presented, Role::Presented) || !valid_dns(reference, Role::Reference) {
        return false;
    }
    let reference = reference.strip_suffix(b".").unwrap_or(reference);
    match presented.strip_prefix(b"*") {
        // "*.example.com": the reference's first label is any one label.
        Some(suffix) => match reference.iter().position(|&b| b == b'.') {
            Some(dot) if dot > 0 => reference
                .get(dot..)
                .is_some_and(|r| r.eq_ignore_ascii_case(suffix)),
            _ => false,
        },
        None => presented.eq_ignore_ascii_case(reference),
    }
}

/// Whether the certificate name `presented` lies within the dNSName name
/// constraint `base` (RFC 5280 4.2.1.10). `excluded`: the constraint is
/// an excluded subtree, where a wildcard stands for every name it could
/// expand to; in a permitted subtree it is compared as written.
/// `None`: the constraint is malformed.
pub(crate) fn dns_within(presented: &[u8], base: &[u8], excluded: bool) -> Option<bool> {
    if !valid_dns(base, Role::Constraint) {
        return None;
    }
    if !valid_dns(presented, Role::Presented) {
        return Some(false);
    }
    if base.is_empty() {
        return Some(true);
    }
    // An excluded subtree also catches the names a wildcard expands to:
    // "*.example.com" reaches "x.example.com", so compare its suffix too.
    let presented = match presented.strip_prefix(b"*") {
        Some(suffix) if excluded => {
            if suffix.len() > base.len() || base.starts_with(b".") {
                suffix
            } else {
                // "*.example.com" vs "x.example.com": the wildcard label
                // may be the base's first label.
                return Some(
                    base.iter()
                        .position(|&b| b == b'.')
                        .and_then(|dot| base.get(dot..))
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix)),
                );
            }
        }
        _ => presented,
    };
    if presented.len() < base.len() {
        return Some(false);
    }
    let cut = presented.len() - base.len();
    let (head, tail) = presented.split_at(cut);
    if !tail.eq_ignore_ascii_case(base) {
        return Some(false);
    }
    // At a label boundary: the base starts with a dot, or the name equals
    // the base, or the name's remaining prefix ends with a dot.
    Some(base.starts_with(b".") || head.is_empty() || head.last() == Some(&b'.'))
}

/// Whether the address `ip` (4 or 16 bytes) lies in the iPAddress name
/// constraint `base` (address then mask, 8 or 32 bytes). `None`: the
/// mask is not a prefix.
pub(crate) fn ip_within(ip: &[u8], base: &[u8]) -> Option<bool> {
    if base.len() != 8 && base.len() != 32 {
        return None;
    }
    let (addr, mask) = base.split_at(base.len() / 2);
    // The mask must be ones then zeros.
    let mut ones = true;
    for &m in mask {
        if ones && m != 0xff {
            if m.leading_ones() + m.trailing_zeros() != 8 {
                return None;
            }
            ones = false;
        } else if !ones && m != 0 {
            return None;
        }
    }
    if ip.len() != addr.len() {
        return Some(false);
    }
    Some(
        ip.iter()
            .zip(addr)
            .zip(mask)
            .all(|((i, a), m)| i & m == a & m),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_names() {
        assert!(matches!(server_id("example.com"), Some(ServerId::Dns(_))));
        assert!(matches!(server_id("example.com."), Some(ServerId::Dns(_))));
        assert!(matches!(server_id("a_b.example"), Some(ServerId::Dns(_))));
        assert_eq!(
            server_id("10.0.0.1"),
            Some(ServerId::Ip(
                [10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                4
            ))
        );
        assert!(matches!(server_id("::1"), Some(ServerId::Ip(_, 16))));
        for bad in [
            "",
            ".",
            "a..b",
            "-a.com",
            "a-.com",
            "1.2.3",
            "a.123",
            "ex ample.com",
            "*.a.com",
            "a.com..",
            "[::1]",
        ] {
            assert_eq!(server_id(bad), None, "{bad}");
        }
        let long = "a".repeat(64);
        assert_eq!(server_id(&long), None);
    }

    #[test]
    fn ip_literals_parse_as_the_standard_library_does() {
        for text in [
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            ":::",
            "1:::2",
            "1::2::3",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "12345::",
            "g::",
            "fe80::1%1",
            "::1.2.3",
            "1.2.3.4::",
            ":1::",
            "1::2:",
            "abcd:ef01::",
            "[::1]",
        ] {
            let ours = match server_id(text) {
                Some(ServerId::Ip(b, 4)) => Some(std::net::IpAddr::from([b[0], b[1], b[2], b[3]])),
                Some(ServerId::Ip(b, _)) => Some(std::net::IpAddr::from(b)),
                _ => None,
            };
            assert_eq!(ours, text.parse::<std::net::IpAddr>().ok(), "{text}");
        }
    }

    proptest::proptest! {
        /// Any short string of address characters: an address exactly
        /// when std's parser says so, with the same bytes.
        #[test]
        fn ip_parser_agrees_with_std(text in "[0-9a-fA-F:.]{0,45}") {
            let ours = match server_id(&text) {
                Some(ServerId::Ip(b, 4)) => Some(std::net::IpAddr::from([b[0], b[1], b[2], b[3]])),
                Some(ServerId::Ip(b, _)) => Some(std::net::IpAddr::from(b)),
                _ => None,
            };
            proptest::prop_assert_eq!(ours, text.parse::<std::net::IpAddr>().ok());
        }

        /// Strings shaped like IPv6 literals (groups, `::`, a dotted quad).
        #[test]
        fn ipv6_shapes_agree_with_std(
            text in "(([0-9a-f]{1,5})?:){0,9}([0-9a-f]{1,4}|[0-9]{1,3}(\\.[0-9]{1,3}){3})?"
        ) {
            let ours = match server_id(&text) {
                Some(ServerId::Ip(b, 16)) => Some(std::net::Ipv6Addr::from(b)),
                _ => None,
            };
            proptest::prop_assert_eq!(ours, text.parse::<std::net::Ipv6Addr>().ok());
        }

        /// Which names are DNS names, which addresses and which neither:
        /// as rustls-pki-types' `ServerName` (what webpki used) decides.
        #[test]
        fn server_names_classified_as_pki_types(
            text in "[a-zA-Z0-9._*:-]{0,70}|([a-z0-9-]{1,64}\\.){0,5}[a-z0-9]{1,64}\\.?"
        ) {
            use rustls_pki_types::ServerName;
            let ours = match server_id(&text) {
                Some(ServerId::Dns(_)) => "dns",
                Some(ServerId::Ip(..)) => "ip",
                None => "invalid",
            };
            let theirs = match ServerName::try_from(text.as_str()) {
                Ok(ServerName::DnsName(_)) => "dns",
                Ok(_) => "ip",
                Err(_) => "invalid",
            };
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn presented_names_and_wildcards() {
        assert!(dns_matches(b"example.com", b"EXAMPLE.com"));
        assert!(dns_matches(b"example.com", b"example.com."));
        assert!(dns_matches(b"*.example.com", b"a.example.com"));
        assert!(dns_matches(b"*.example.com", b"A.EXAMPLE.COM."));
        assert!(!dns_matches(b"*.example.com", b"example.com"));
        assert!(!dns_matches(b"*.example.com", b"a.b.example.com"));
        assert!(!dns_matches(b"*.com", b"example.com"));
        assert!(!dns_matches(b"f*.example.com", b"foo.example.com"));
        assert!(!dns_matches(b"example.com.", b"example.com"));
        assert!(!dns_matches(b"example.com", b"example.co"));
        assert!(!dns_matches(b"*.example.com", b".example.com"));
    }

    #[test]
    fn dns_constraints() {
        assert_eq!(
            dns_within(b"a.example.com", b"example.com", false),
            Some(true)
        );
        assert_eq!(
            dns_within(b"example.com", b"example.com", false),
            Some(true)
        );
        assert_eq!(
            dns_within(b"badexample.com", b"example.com", false),
            Some(false)
        );
        assert_eq!(
            dns_within(b"a.example.com", b".example.com", false),
            Some(true)
        );
        assert_eq!(
            dns_within(b"example.com", b".example.com", false),
            Some(false)
        );
        assert_eq!(dns_within(b"anything.org", b"", false), Some(true));
        assert_eq!(
            dns_within(b"*.example.com", b"example.com", false),
            Some(true)
        );
        // Excluded: a wildcard reaches the names it expands to.
        assert_eq!(
            dns_within(b"*.example.com", b"x.example.com", true),
            Some(true)
        );
        assert_eq!(
            dns_within(b"*.example.com", b"x.example.com", false),
            Some(false)
        );
        assert_eq!(dns_within(b"a.com", b"-bad", false), None);
    }

    #[test]
    fn ip_constraints() {
        let base = [10, 0, 0, 0, 255, 0, 0, 0];
        assert_eq!(ip_within(&[10, 1, 2, 3], &base), Some(true));
        assert_eq!(ip_within(&[11, 1, 2, 3], &base), Some(false));
        assert_eq!(ip_within(&[0; 16], &base), Some(false));
        assert_eq!(
            ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 255, 0]),
            None
        );
        assert_eq!(
            ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 0xf0, 0, 0, 0]),
            Some(true)
        );
        assert_eq!(
            ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 0x0f, 0, 0, 0]),
            None
        );
    }
}
