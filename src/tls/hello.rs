//! ClientHello (written) and ServerHello / HelloRetryRequest (read),
//! RFC 8446 §4.1.2-§4.1.4 and the extensions of §4.2 the client uses.

use super::codec::{Full, Reader, Writer};
use super::ecdhe::SECP256R1;
use super::error::Error;
use super::suite::CipherSuite;

/// Handshake message types (RFC 8446 §4).
pub mod msg {
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello (and hello_retry_request).
    pub const SERVER_HELLO: u8 = 2;
    /// new_session_ticket.
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// encrypted_extensions.
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
    /// certificate_request.
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// certificate_verify.
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// finished.
    pub const FINISHED: u8 = 20;
    /// key_update.
    pub const KEY_UPDATE: u8 = 24;
}

/// Extension types (RFC 8446 §4.2).
pub mod ext {
    /// server_name.
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups.
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// signature_algorithms.
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// application_layer_protocol_negotiation.
    pub const ALPN: u16 = 16;
    /// pre_shared_key.
    pub const PRE_SHARED_KEY: u16 = 41;
    /// supported_versions.
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// cookie.
    pub const COOKIE: u16 = 44;
    /// psk_key_exchange_modes.
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    /// key_share.
    pub const KEY_SHARE: u16 = 51;
}

/// The named group x25519 (RFC 8446 §4.2.7).
pub const X25519: u16 = 0x001d;

/// The key exchange groups this build offers, in the ClientHello's order.
pub const SUPPORTED_GROUPS: &[u16] = &[
    SECP256R1,
    #[cfg(feature = "x25519")]
    X25519,
];

/// TLS 1.3 in supported_versions.
pub const TLS13: u16 = 0x0304;

/// ServerHello.random of a HelloRetryRequest (SHA-256 of "HelloRetryRequest").
pub const RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The signature schemes offered: exactly those this build verifies.
/// RSA PKCS#1 v1.5 only for certificate signatures (RFC 8446 §4.2.3).
pub const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, // ecdsa_secp256r1_sha256
    #[cfg(feature = "p384")]
    0x0503, // ecdsa_secp384r1_sha384
    #[cfg(feature = "ed25519")]
    0x0807, // ed25519
    0x0804, // rsa_pss_rsae_sha256
    0x0805, // rsa_pss_rsae_sha384
    0x0806, // rsa_pss_rsae_sha512
    0x0401, // rsa_pkcs1_sha256
    0x0501, // rsa_pkcs1_sha384
    0x0601, // rsa_pkcs1_sha512
];

/// What the ClientHello offers.
pub struct HelloParams<'a> {
    /// ClientHello.random.
    pub random: &'a [u8; 32],
    /// SNI: a DNS name, never an IP literal (RFC 6066 §3).
    pub server_name: Option<&'a str>,
    /// Cipher suites, in preference order.
    pub suites: &'a [CipherSuite],
    /// Our P-256 key share.
    pub p256_public: &'a [u8],
    /// Our X25519 key share (feature `x25519`), offered after P-256.
    pub x25519_public: Option<&'a [u8; 32]>,
    /// ALPN protocols, in preference order (none: no extension).
    pub alpn: &'a [&'a [u8]],
    /// The cookie of a HelloRetryRequest (empty: none).
    pub cookie: &'a [u8],
    /// Offer psk_dhe_ke (so the server may send tickets).
    pub psk_modes: bool,
    /// A ticket to resume with: identity, obfuscated ticket age and
    /// binder length. The binder is written as zeros; its offset is
    /// returned so it can be filled in.
    pub psk: Option<(&'a [u8], u32, usize)>,
}

/// Start one extension: its type and room for its two-byte length, which
/// `w.patch_len(at, 2)` fills in after the body. (Inline code per
/// extension, not a generic function taking the body: that was eight
/// copies of the same function, 1.5 KB of flash.)
fn begin(w: &mut Writer<'_>, ty: u16) -> Result<usize, Full> {
    w.u16(ty)?;
    w.reserve(2)
}

/// Write the ClientHello handshake message (header included). Returns
/// the offset of the PSK binders list (its two-byte length), if a PSK is
/// offered: the binder is computed over the message up to there.
pub fn write_client_hello(w: &mut Writer<'_>, p: &HelloParams<'_>) -> Result<Option<usize>, Full> {
    w.u8(msg::CLIENT_HELLO)?;
    let msg_len = w.reserve(3)?;
    w.u16(0x0303)?;
    w.put(p.random)?;
    w.u8(0)?; // legacy_session_id: empty (no middlebox compatibility mode)
    w.u16((p.suites.len() * 2) as u16)?;
    for s in p.suites {
        w.u16(s.code())?;
    }
    w.put(&[1, 0])?; // legacy_compression_methods: null
    let exts = w.reserve(2)?;
    if let Some(name) = p.server_name {
        let at = begin(w, ext::SERVER_NAME)?;
        w.u16(name.len() as u16 + 3)?;
        w.u8(0)?; // host_name
        w.u16(name.len() as u16)?;
        w.put(name.as_bytes())?;
        w.patch_len(at, 2)?;
    }
    let at = begin(w, ext::SUPPORTED_VERSIONS)?;
    w.put(&[2, 0x03, 0x04])?;
    w.patch_len(at, 2)?;
    let at = begin(w, ext::SUPPORTED_GROUPS)?;
    w.u16(if p.x25519_public.is_some() { 4 } else { 2 })?;
    w.u16(SECP256R1)?;
    if p.x25519_public.is_some() {
        w.u16(X25519)?;
    }
    w.patch_len(at, 2)?;
    let at = begin(w, ext::SIGNATURE_ALGORITHMS)?;
    w.u16((SIGNATURE_SCHEMES.len() * 2) as u16)?;
    SIGNATURE_SCHEMES.iter().try_for_each(|s| w.u16(*s))?;
    w.patch_len(at, 2)?;
    let at = begin(w, ext::KEY_SHARE)?;
    let x = p.x25519_public.map_or(0, |k| k.len() + 4);
    w.u16((p.p256_public.len() + 4 + x) as u16)?;
    w.u16(SECP256R1)?;
    w.u16(p.p256_public.len() as u16)?;
    w.put(p.p256_public)?;
    if let Some(k) = p.x25519_public {
        w.u16(X25519)?;
        w.u16(k.len() as u16)?;
        w.put(k)?;
    }
    w.patch_len(at, 2)?;
    if !p.alpn.is_empty() {
        let at = begin(w, ext::ALPN)?;
        let list = w.reserve(2)?;
        for proto in p.alpn {
            w.u8(proto.len() as u8)?;
            w.put(proto)?;
        }
        w.patch_len(list, 2)?;
        w.patch_len(at, 2)?;
    }
    if !p.cookie.is_empty() {
        let at = begin(w, ext::COOKIE)?;
        w.u16(p.cookie.len() as u16)?;
        w.put(p.cookie)?;
        w.patch_len(at, 2)?;
    }
    if p.psk_modes || p.psk.is_some() {
        let at = begin(w, ext::PSK_KEY_EXCHANGE_MODES)?;
        w.put(&[1, 1])?;
        w.patch_len(at, 2)?;
    }
    let mut binders = None;
    if let Some((identity, age, binder_len)) = p.psk {
        // pre_shared_key comes last (RFC 8446 §4.2.11).
        w.u16(ext::PRE_SHARED_KEY)?;
        let at = w.reserve(2)?;
        w.u16(identity.len() as u16 + 6)?;
        w.u16(identity.len() as u16)?;
        w.put(identity)?;
        w.put(&age.to_be_bytes())?;
        binders = Some(w.len());
        w.u16(binder_len as u16 + 1)?;
        w.u8(binder_len as u8)?;
        for _ in 0..binder_len {
            w.u8(0)?;
        }
        w.patch_len(at, 2)?;
    }
    w.patch_len(exts, 2)?;
    w.patch_len(msg_len, 3)?;
    Ok(binders)
}

/// A ServerHello or HelloRetryRequest, checked for form (the values are
/// checked against the offer by the client).
#[derive(Debug, Default)]
pub struct ServerHello<'a> {
    /// A HelloRetryRequest.
    pub retry: bool,
    /// The chosen cipher suite.
    pub suite: u16,
    /// ServerHello: the server's key share (group, key). HelloRetryRequest:
    /// the group asked for, with an empty key.
    pub key_share: Option<(u16, &'a [u8])>,
    /// HelloRetryRequest: the cookie to echo.
    pub cookie: Option<&'a [u8]>,
    /// The PSK identity the server accepted.
    pub psk: Option<u16>,
}

/// Parse a ServerHello body (after the 4-byte handshake header).
/// `session_id` is what the ClientHello sent.
pub fn parse_server_hello<'a>(body: &'a [u8], session_id: &[u8]) -> Result<ServerHello<'a>, Error> {
    let d = |_| Error::Decode;
    let mut r = Reader::new(body);
    let legacy_version = r.u16().map_err(d)?;
    let random = r.take(32).map_err(d)?;
    let echo = r.vec8().map_err(d)?;
    let suite = r.u16().map_err(d)?;
    let compression = r.u8().map_err(d)?;
    // A TLS 1.2 (or older) server answers without extensions or with
    // others: no supported_versions means it did not pick TLS 1.3.
    let exts = if r.is_empty() {
        &[][..]
    } else {
        r.vec16().map_err(d)?
    };
    if !r.is_empty() {
        return Err(Error::Decode);
    }
    let mut sh = ServerHello {
        retry: random == RETRY_RANDOM,
        suite,
        ..ServerHello::default()
    };
    let mut version = None;
    let mut seen = 0u32;
    let mut r = Reader::new(exts);
    while !r.is_empty() {
        let ty = r.u16().map_err(d)?;
        let data = r.vec16().map_err(d)?;
        let bit = match ty {
            ext::SUPPORTED_VERSIONS => 1,
            ext::KEY_SHARE => 2,
            ext::COOKIE if sh.retry => 4,
            ext::PRE_SHARED_KEY if !sh.retry => 8,
            _ => return Err(Error::UnsupportedExtension),
        };
        if seen & bit != 0 {
            return Err(Error::Decode);
        }
        seen |= bit;
        let mut e = Reader::new(data);
        match ty {
            ext::SUPPORTED_VERSIONS => version = Some(e.u16().map_err(d)?),
            ext::KEY_SHARE if sh.retry => sh.key_share = Some((e.u16().map_err(d)?, &[])),
            ext::KEY_SHARE => {
                let group = e.u16().map_err(d)?;
                sh.key_share = Some((group, e.vec16().map_err(d)?));
            }
            ext::COOKIE => {
                let c = e.vec16().map_err(d)?;
                if c.is_empty() {
                    return Err(Error::Decode);
                }
                sh.cookie = Some(c);
            }
            _ => sh.psk = Some(e.u16().map_err(d)?),
        }
        if !e.is_empty() {
            return Err(Error::Decode);
        }
    }
    match version {
        None => return Err(Error::ProtocolVersion),
        Some(TLS13) => {}
        Some(_) => return Err(Error::IllegalParameter),
    }
    if legacy_version != 0x0303 || echo != session_id || compression != 0 {
        return Err(Error::IllegalParameter);
    }
    Ok(sh)
}

/// Whether `host` may be sent as SNI: a DNS name, not an IP literal
/// (the certificate verifier's parser, so no second one is linked).
pub fn sni_allowed(host: &str) -> bool {
    matches!(
        crate::pki::name::server_id(host),
        Some(crate::pki::name::ServerId::Dns(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(name: Option<&str>, cookie: &[u8]) -> heapless::Vec<u8, 512> {
        let mut b = [0u8; 512];
        let mut w = Writer::new(&mut b);
        let random = [7u8; 32];
        let public = [4u8; 65];
        write_client_hello(
            &mut w,
            &HelloParams {
                random: &random,
                server_name: name,
                suites: super::super::suite::ALL_SUITES,
                p256_public: &public,
                x25519_public: None,
                alpn: &[b"mqtt"],
                cookie,
                psk_modes: true,
                psk: None,
            },
        )
        .unwrap();
        heapless::Vec::from_slice(w.written()).unwrap()
    }

    #[test]
    fn client_hello_lengths_add_up() {
        let h = hello(Some("example.com"), b"cookie!");
        let len = usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3]);
        assert_eq!(len + 4, h.len());
        let mut r = Reader::new(&h[4..]);
        r.take(2 + 32).unwrap();
        assert_eq!(r.vec8().unwrap(), b"");
        r.vec16().unwrap();
        r.vec8().unwrap();
        let mut exts = Reader::new(r.vec16().unwrap());
        assert!(r.is_empty());
        let mut types = heapless::Vec::<u16, 16>::new();
        while !exts.is_empty() {
            types.push(exts.u16().unwrap()).unwrap();
            exts.vec16().unwrap();
        }
        assert_eq!(&types[..], &[0, 43, 10, 13, 51, 16, 44, 45]);
    }

    #[test]
    fn sni_is_for_dns_names_only() {
        assert!(sni_allowed("example.com"));
        assert!(!sni_allowed("127.0.0.1"));
        assert!(!sni_allowed("::1"));
        assert!(!sni_allowed(""));
    }

    fn sh(exts: &[u8], echo: &[u8]) -> heapless::Vec<u8, 256> {
        let mut v = heapless::Vec::new();
        v.extend_from_slice(&[3, 3]).unwrap();
        v.extend_from_slice(&[9; 32]).unwrap();
        v.push(echo.len() as u8).unwrap();
        v.extend_from_slice(echo).unwrap();
        v.extend_from_slice(&[0x13, 0x01, 0]).unwrap();
        v.extend_from_slice(&(exts.len() as u16).to_be_bytes())
            .unwrap();
        v.extend_from_slice(exts).unwrap();
        v
    }

    #[test]
    fn server_hello_is_checked() {
        let ok = [0, 43, 0, 2, 3, 4, 0, 51, 0, 6, 0, 0x17, 0, 2, 4, 4];
        let hello = sh(&ok, b"");
        let got = parse_server_hello(&hello, b"").unwrap();
        assert_eq!(got.key_share, Some((0x17, &[4u8, 4][..])));
        assert!(!got.retry);
        // No supported_versions: not TLS 1.3.
        assert_eq!(
            parse_server_hello(&sh(&ok[6..], b""), b"").unwrap_err(),
            Error::ProtocolVersion
        );
        // Session id not echoed.
        assert_eq!(
            parse_server_hello(&sh(&ok, b"x"), b"").unwrap_err(),
            Error::IllegalParameter
        );
        // Twice the same extension.
        let mut twice = heapless::Vec::<u8, 64>::from_slice(&ok).unwrap();
        twice.extend_from_slice(&ok[..6]).unwrap();
        assert_eq!(
            parse_server_hello(&sh(&twice, b""), b"").unwrap_err(),
            Error::Decode
        );
        // A cookie outside a HelloRetryRequest, trailing bytes.
        let mut cookie = heapless::Vec::<u8, 64>::from_slice(&ok).unwrap();
        cookie.extend_from_slice(&[0, 44, 0, 3, 0, 1, 9]).unwrap();
        assert_eq!(
            parse_server_hello(&sh(&cookie, b""), b"").unwrap_err(),
            Error::UnsupportedExtension
        );
        let mut trailing = sh(&ok, b"");
        trailing.push(0).unwrap();
        assert_eq!(
            parse_server_hello(&trailing, b"").unwrap_err(),
            Error::Decode
        );
    }
}
