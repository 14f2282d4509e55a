//! From the server's answers to a cause.

use super::hello::sni_name;
use super::{AlertDescription, Diagnosis, ProbeHello, TlsVersion, Verdict};

/// The diagnosis of one probe, or of two: `first` is the server's answer to
/// the ClientHello with the firmware's own SNI setting; `with_sni_retry`,
/// when the first was refused and the firmware sends no SNI, is its answer
/// to the same ClientHello with SNI.
///
/// `diagnose` sees only the verdicts, not the ClientHello; it assumes the
/// probe was a modem firmware's (offering at most TLS 1.2), as the library
/// sends it. [`diagnose_for`] also checks a ServerHello against what was
/// offered and should be preferred when the [`ProbeHello`] is at hand.
///
/// # How answers map to causes
///
/// The server's alert is the only evidence of the cause, and servers use
/// alerts loosely, so the mapping reads them the way the common stacks
/// (OpenSSL, BoringSSL, rustls, Go, nginx/Cloudflare front ends) send them:
///
/// - **A ServerHello to the first probe** -> [`Diagnosis::ServerAccepts`]:
///   the server takes the firmware's version and one of its suites, so the
///   handshake parameters are fine and the firmware failed later
///   (certificate chain or CA format, host name, client certificate, clock).
///   Unless the ServerHello is impossible (a suite nobody offers, such as
///   0x0000, the SCSVs or a GREASE value; for [`diagnose_for`] also a suite
///   not offered or a version outside min..=max): then
///   [`Diagnosis::Inconclusive`].
/// - **Refused without SNI, a ServerHello with SNI** ->
///   [`Diagnosis::SniRequired`], whatever the first refusal looked like.
///   Virtual-host front ends answer a ClientHello without SNI with
///   `handshake_failure` (40) or `insufficient_security` (71), the same
///   alerts as for a cipher mismatch; only the retry tells them apart.
/// - **Refused both ways**: SNI makes no difference, so the cause is read
///   from the answer *with* SNI (what the host path would meet); when that
///   answer shows nothing (closed, not TLS, an unlisted alert), from the
///   first answer.
/// - `unrecognized_name` (112) to a ClientHello **without** SNI ->
///   [`Diagnosis::SniRequired`] (the server says it needs a name). To a
///   ClientHello **with** SNI (the retry, or a first probe that carried SNI
///   according to [`diagnose_for`]) -> [`Diagnosis::Inconclusive`]: the
///   server does not serve that name, which no TLS stack can fix.
/// - `protocol_version` (70) -> [`Diagnosis::ProtocolVersion`]: the server
///   supports none of the firmware's versions (typically TLS 1.3 only).
/// - `handshake_failure` (40) or `insufficient_security` (71), when SNI was
///   sent or made no difference -> [`Diagnosis::NoCommonCipher`]: the server
///   found no acceptable suite among the firmware's (OpenSSL sends 40 for
///   "no shared cipher"; 71 is "shared suites too weak for me").
/// - A HelloRetryRequest is TLS 1.3 only: to a probe offering at most
///   TLS 1.2 it means the server insists on TLS 1.3 ->
///   [`Diagnosis::ProtocolVersion`]. To a probe offering TLS 1.3
///   ([`diagnose_for`] knows) it only asks for a key share the probe does not
///   send -> [`Diagnosis::Inconclusive`].
/// - Closed, not TLS, other alerts (`illegal_parameter`, `decode_error`,
///   `internal_error`, ...) -> [`Diagnosis::Inconclusive`]: they point at a
///   broken peer or path, not at a missing capability.
pub fn diagnose(first: Verdict, with_sni_retry: Option<Verdict>) -> Diagnosis {
    diagnose_inner(None, first, with_sni_retry)
}

/// [`diagnose`] with the ClientHello of the first probe at hand (the retry
/// is the same hello with SNI). It additionally checks a ServerHello against
/// the offer (a cipher suite not offered, a version outside
/// `min_version..=max_version` -> [`Diagnosis::Inconclusive`]), knows
/// whether the first probe carried SNI (`unrecognized_name` to a hello
/// with SNI is not [`Diagnosis::SniRequired`]) and whether it offered
/// TLS 1.3 (a HelloRetryRequest is then no version problem).
pub fn diagnose_for(
    hello: &ProbeHello<'_>,
    first: Verdict,
    with_sni_retry: Option<Verdict>,
) -> Diagnosis {
    diagnose_inner(Some(hello), first, with_sni_retry)
}

fn diagnose_inner(
    hello: Option<&ProbeHello<'_>>,
    first: Verdict,
    retry: Option<Verdict>,
) -> Diagnosis {
    if let Verdict::ServerHello {
        version,
        cipher_suite,
    } = first
    {
        return accepted(hello, version, cipher_suite);
    }
    // Did the first probe carry SNI? Unknown without the hello; a retry is
    // only made when it did not.
    let first_sni = hello.is_some_and(|h| matches!(h.server_name.map(sni_name), Some(Ok(Some(_)))));
    let Some(retry) = retry else {
        return refused(hello, first, first_sni);
    };
    match retry {
        Verdict::ServerHello {
            version,
            cipher_suite,
        } => match accepted(hello, version, cipher_suite) {
            Diagnosis::ServerAccepts { .. } => Diagnosis::SniRequired,
            d => d,
        },
        Verdict::Alert {
            description: AlertDescription::UnrecognizedName,
            ..
        } => Diagnosis::Inconclusive,
        r => match refused(hello, r, true) {
            Diagnosis::Inconclusive => refused(hello, first, first_sni),
            d => d,
        },
    }
}

/// A ServerHello, checked against the offer.
fn accepted(hello: Option<&ProbeHello<'_>>, version: TlsVersion, cipher_suite: u16) -> Diagnosis {
    let impossible = matches!(cipher_suite, 0x0000 | 0x00FF | 0x5600)
        || (cipher_suite & 0x0F0F == 0x0A0A && cipher_suite >> 8 == cipher_suite & 0xFF);
    let offered = match hello {
        Some(h) => {
            h.cipher_suites.contains(&cipher_suite)
                && version >= h.min_version
                && version <= h.max_version
        }
        None => true,
    };
    if impossible || !offered {
        Diagnosis::Inconclusive
    } else {
        Diagnosis::ServerAccepts {
            version,
            cipher_suite,
        }
    }
}

/// A refusal of a probe that did (`sni`) or did not carry SNI.
fn refused(hello: Option<&ProbeHello<'_>>, v: Verdict, sni: bool) -> Diagnosis {
    match v {
        Verdict::Alert { description, .. } => match description {
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
                Diagnosis::NoCommonCipher
            }
            AlertDescription::ProtocolVersion => Diagnosis::ProtocolVersion,
            AlertDescription::UnrecognizedName if !sni => Diagnosis::SniRequired,
            _ => Diagnosis::Inconclusive,
        },
        Verdict::HelloRetryRequest => match hello {
            Some(h) if h.max_version >= TlsVersion::Tls13 => Diagnosis::Inconclusive,
            _ => Diagnosis::ProtocolVersion,
        },
        // A ServerHello is handled by the callers; Closed and NotTls show
        // no cause.
        Verdict::ServerHello { .. } | Verdict::Closed | Verdict::NotTls => Diagnosis::Inconclusive,
    }
}
