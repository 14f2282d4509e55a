//! The handshake messages after ServerHello (RFC 8446 §4.3-§4.6): parsed
//! from the server, written by the client.

use super::codec::{Full, Reader, Writer};
use super::error::Error;
use super::hello::{ext, msg};
use crate::pki::MAX_CHAIN_LEN;

fn decode<T>(_: T) -> Error {
    Error::Decode
}

/// What EncryptedExtensions said that the client uses.
#[derive(Debug, Default)]
pub struct Extensions<'a> {
    /// The ALPN protocol the server chose.
    pub alpn: Option<&'a [u8]>,
}

/// Parse EncryptedExtensions. `sent_sni` / `offered_alpn`: what the
/// ClientHello had (a server may only answer what was asked).
pub fn parse_encrypted_extensions<'a>(
    body: &'a [u8],
    sent_sni: bool,
    offered_alpn: &[&[u8]],
) -> Result<Extensions<'a>, Error> {
    let mut r = Reader::new(body);
    let mut exts = Reader::new(r.vec16().map_err(decode)?);
    if !r.is_empty() {
        return Err(Error::Decode);
    }
    let mut out = Extensions::default();
    let mut seen = 0u32;
    while !exts.is_empty() {
        let ty = exts.u16().map_err(decode)?;
        let data = exts.vec16().map_err(decode)?;
        let bit = match ty {
            ext::SERVER_NAME if sent_sni => 1,
            ext::SUPPORTED_GROUPS => 2,
            ext::ALPN if !offered_alpn.is_empty() => 4,
            // Extensions the client did not send, or that do not belong
            // in EncryptedExtensions.
            _ => return Err(Error::UnsupportedExtension),
        };
        if seen & bit != 0 {
            return Err(Error::Decode);
        }
        seen |= bit;
        match ty {
            ext::SERVER_NAME if !data.is_empty() => return Err(Error::Decode),
            ext::ALPN => {
                let mut e = Reader::new(data);
                let mut list = Reader::new(e.vec16().map_err(decode)?);
                let proto = list.vec8().map_err(decode)?;
                if !e.is_empty() || !list.is_empty() || proto.is_empty() {
                    return Err(Error::Decode);
                }
                if !offered_alpn.contains(&proto) {
                    return Err(Error::IllegalParameter);
                }
                out.alpn = Some(proto);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The certificates of a Certificate message, leaf first.
pub type Chain<'a> = heapless::Vec<&'a [u8], MAX_CHAIN_LEN>;

/// Parse the server's Certificate message: an empty request context and
/// at least one X.509 certificate. Entry extensions (OCSP, SCT) are not
/// asked for and are ignored.
pub fn parse_certificate(body: &[u8]) -> Result<Chain<'_>, Error> {
    let mut r = Reader::new(body);
    let context = r.vec8().map_err(decode)?;
    let mut list = Reader::new(r.vec24().map_err(decode)?);
    if !r.is_empty() {
        return Err(Error::Decode);
    }
    if !context.is_empty() {
        return Err(Error::IllegalParameter);
    }
    let mut chain = Chain::new();
    while !list.is_empty() {
        let cert = list.vec24().map_err(decode)?;
        list.vec16().map_err(decode)?;
        if cert.is_empty() {
            return Err(Error::Decode);
        }
        chain
            .push(cert)
            .map_err(|_| Error::Certificate(crate::pki::PkiError::PathTooComplex))?;
    }
    if chain.is_empty() {
        return Err(Error::Certificate(
            crate::pki::PkiError::EmptyCertificateChain,
        ));
    }
    Ok(chain)
}

/// Parse CertificateRequest: returns the request context and whether
/// ecdsa_secp256r1_sha256 (the only client key type) is acceptable.
pub fn parse_certificate_request(body: &[u8]) -> Result<(&[u8], bool), Error> {
    let mut r = Reader::new(body);
    let context = r.vec8().map_err(decode)?;
    let mut exts = Reader::new(r.vec16().map_err(decode)?);
    if !r.is_empty() {
        return Err(Error::Decode);
    }
    let mut p256 = None;
    while !exts.is_empty() {
        let ty = exts.u16().map_err(decode)?;
        let data = exts.vec16().map_err(decode)?;
        if ty == ext::SIGNATURE_ALGORITHMS {
            if p256.is_some() {
                return Err(Error::Decode);
            }
            let mut e = Reader::new(data);
            let mut list = Reader::new(e.vec16().map_err(decode)?);
            let mut found = false;
            while !list.is_empty() {
                found |= list.u16().map_err(decode)? == 0x0403;
            }
            p256 = Some(found);
        }
        // Other extensions (certificate_authorities, oid_filters,
        // signature_algorithms_cert) only narrow the choice.
    }
    // signature_algorithms is mandatory here (RFC 8446 §4.3.2).
    let p256 = p256.ok_or(Error::MissingExtension)?;
    Ok((context, p256))
}

/// Parse CertificateVerify: the scheme and the signature.
pub fn parse_certificate_verify(body: &[u8]) -> Result<(u16, &[u8]), Error> {
    let mut r = Reader::new(body);
    let scheme = r.u16().map_err(decode)?;
    let sig = r.vec16().map_err(decode)?;
    if !r.is_empty() || sig.is_empty() {
        return Err(Error::Decode);
    }
    Ok((scheme, sig))
}

/// A NewSessionTicket.
#[derive(Debug)]
pub struct NewTicket<'a> {
    /// Lifetime in seconds (at most 7 days).
    pub lifetime: u32,
    /// ticket_age_add.
    pub age_add: u32,
    /// ticket_nonce.
    pub nonce: &'a [u8],
    /// The ticket (the PSK identity).
    pub ticket: &'a [u8],
}

/// Parse NewSessionTicket.
pub fn parse_new_session_ticket(body: &[u8]) -> Result<NewTicket<'_>, Error> {
    let mut r = Reader::new(body);
    let lifetime = r.u32().map_err(decode)?;
    let age_add = r.u32().map_err(decode)?;
    let nonce = r.vec8().map_err(decode)?;
    let ticket = r.vec16().map_err(decode)?;
    let mut exts = Reader::new(r.vec16().map_err(decode)?);
    if !r.is_empty() || ticket.is_empty() {
        return Err(Error::Decode);
    }
    while !exts.is_empty() {
        exts.u16().map_err(decode)?;
        exts.vec16().map_err(decode)?;
    }
    Ok(NewTicket {
        lifetime,
        age_add,
        nonce,
        ticket,
    })
}

/// Parse KeyUpdate: whether the server asks for an update of the client's
/// keys too.
pub fn parse_key_update(body: &[u8]) -> Result<bool, Error> {
    match body {
        [0] => Ok(false),
        [1] => Ok(true),
        [_] => Err(Error::IllegalParameter),
        _ => Err(Error::Decode),
    }
}

/// Write a handshake message header: type and a 3-byte length.
pub fn header(w: &mut Writer<'_>, ty: u8, len: usize) -> Result<(), Full> {
    w.u8(ty)?;
    w.u24(len)
}

/// The client's Certificate message before the certificate bytes:
/// header, request context, list length, entry length. The entry's empty
/// extensions (two zero bytes) follow the certificate. With no
/// certificate: the whole (empty) message.
pub fn client_certificate_head(
    context: &[u8],
    cert_len: Option<usize>,
    out: &mut Writer<'_>,
) -> Result<(), Full> {
    let list = cert_len.map_or(0, |n| n + 5);
    header(out, msg::CERTIFICATE, 1 + context.len() + 3 + list)?;
    out.u8(context.len() as u8)?;
    out.put(context)?;
    out.u24(list)?;
    if let Some(n) = cert_len {
        out.u24(n)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_extensions_only_answer_what_was_asked() {
        assert!(parse_encrypted_extensions(&[0, 0], true, &[]).is_ok());
        let sni = [0, 4, 0, 0, 0, 0];
        assert!(parse_encrypted_extensions(&sni, true, &[]).is_ok());
        assert_eq!(
            parse_encrypted_extensions(&sni, false, &[]).unwrap_err(),
            Error::UnsupportedExtension
        );
        let alpn = [0, 11, 0, 16, 0, 7, 0, 5, 4, b'm', b'q', b't', b't'];
        let got = parse_encrypted_extensions(&alpn, false, &[b"h2", b"mqtt"]).unwrap();
        assert_eq!(got.alpn, Some(&b"mqtt"[..]));
        assert_eq!(
            parse_encrypted_extensions(&alpn, false, &[b"h2"]).unwrap_err(),
            Error::IllegalParameter
        );
        assert_eq!(
            parse_encrypted_extensions(&alpn, false, &[]).unwrap_err(),
            Error::UnsupportedExtension
        );
        assert_eq!(
            parse_encrypted_extensions(&[0, 1, 0], false, &[]).unwrap_err(),
            Error::Decode
        );
    }

    #[test]
    fn certificate_messages_are_bounded() {
        // One 1-byte certificate.
        let one = [0, 0, 0, 6, 0, 0, 1, 0x30, 0, 0];
        assert_eq!(parse_certificate(&one).unwrap().len(), 1);
        assert_eq!(
            parse_certificate(&[0, 0, 0, 0]).unwrap_err(),
            Error::Certificate(crate::pki::PkiError::EmptyCertificateChain)
        );
        assert_eq!(parse_certificate(&one[..9]).unwrap_err(), Error::Decode);
        let mut many = heapless::Vec::<u8, 256>::new();
        many.extend_from_slice(&[0, 0, 0, 6 * 17]).unwrap();
        for _ in 0..17 {
            many.extend_from_slice(&one[4..]).unwrap();
        }
        assert!(matches!(
            parse_certificate(&many).unwrap_err(),
            Error::Certificate(crate::pki::PkiError::PathTooComplex)
        ));
    }

    #[test]
    fn key_update_values() {
        assert_eq!(parse_key_update(&[1]), Ok(true));
        assert_eq!(parse_key_update(&[2]), Err(Error::IllegalParameter));
        assert_eq!(parse_key_update(&[]), Err(Error::Decode));
        assert_eq!(parse_key_update(&[0, 0]), Err(Error::Decode));
    }
}
