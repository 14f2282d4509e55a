//! Sierra Wireless modems: the HL8548 and HL78xx ("K" commands,
//! `docs/dialects/sierra-hl.md`), and what their result codes mean:
//! `+KTCP_NOTIF` ([`ktcp_notif_error`]), `+CME ERROR` of the credential
//! store ([`cme_error`]) and the HL8548 HTTPS client's `+KHTTPS_ERROR`
//! ([`classify_khttps_error`]), for a reader of a modem log.

mod hl;

pub use hl::blocking::SierraHl;
pub use hl::{HlModel, SierraDialect, EOF_PATTERN};

/// The Sierra driver under the name the dual-compiled modules use: the
/// same type as [`SierraHl`].
pub mod blocking {
    pub use super::hl::blocking::SierraHl;
}

/// The async Sierra driver (feature `async`): the same procedures,
/// awaited, over a [`port::asynch::Port`](crate::port::asynch::Port).
#[cfg(feature = "async")]
pub mod asynch {
    pub use super::hl::asynch::SierraHl;
}

use crate::at::{AtError, Fields};
use crate::error::{ConfigError, Error, TlsError, TlsFailure};
use crate::modem::ModemError;
use crate::session::Path;

/// What `+KTCP_NOTIF: <session>,<code>` says (REF §4.1), as a
/// [`ModemError`]: `0` network error -> [`ModemError::PdpDown`]; `1`/`11`
/// no more sessions -> [`ModemError::NoFreeSocket`]; `3` DNS ->
/// [`ModemError::Dns`]; `4` closed by the peer -> [`ModemError::Closed`];
/// `5` connection refused or unreachable -> [`ModemError::ConnectFailed`];
/// `12` connect timeout -> [`ModemError::OpenTimeout`]; `13` SSL connection
/// error and `14` SSL init error -> [`ModemError::HandshakeFailed`] (the
/// offload layer's probe then names the cause); anything else (`2` memory,
/// `6` generic, `7` accept, `8` a send of another length than announced,
/// `9` bad session, `10` session already running) ->
/// [`ModemError::Socket`] with the code.
pub fn ktcp_notif_error(code: i32) -> ModemError {
    match code {
        0 => ModemError::PdpDown,
        1 | 11 => ModemError::NoFreeSocket,
        3 => ModemError::Dns,
        4 => ModemError::Closed,
        5 => ModemError::ConnectFailed,
        12 => ModemError::OpenTimeout,
        13 | 14 => ModemError::HandshakeFailed(code),
        c => ModemError::Socket(c),
    }
}

/// What `+CME ERROR: <code>` after a credential upload
/// (`AT+KCERTSTORE`/`AT+KPRIVKSTORE`) says: `930` the modem did not get
/// exactly the announced bytes and the pattern (bytes lost or added on the
/// UART) -> [`AtError::PromptLost`]; `931` the firmware cannot parse the
/// certificate or key -> [`ModemError::CredentialRejected`]; any other code
/// as it is.
pub fn cme_error(code: u16) -> ModemError {
    match code {
        930 => ModemError::At(AtError::PromptLost),
        931 => ModemError::CredentialRejected,
        c => ModemError::At(AtError::Cme(Some(c))),
    }
}

/// What an HL8548 HTTPS client error means (`+KHTTPS_ERROR:
/// <session>,<code>`, seed 002): the codes are `+KTCP_NOTIF`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KhttpsCause {
    /// `4`: the server ended the connection during the handshake. Seed
    /// 002's `1,4`: a server with virtual hosts refuses a ClientHello
    /// without SNI, and the firmware sends none. Suspected, not proven:
    /// a probe with and without SNI confirms it (what the offload layer's
    /// diagnosis does before it reports [`TlsFailure::SniRequired`]).
    SniSuspected,
    /// `13`: the firmware's TLS failed at a security level that verifies
    /// the server. Seed 002's `1,13`: a CA uploaded as PEM, which the
    /// HL8548 stores unparsed (it takes DER only); the same server works
    /// without verification. The library uploads DER to an HL8548.
    CaFormat,
    /// Any other code, with the meaning it has in `+KTCP_NOTIF`.
    Notif(ModemError),
}

impl KhttpsCause {
    /// The cause of `<code>`.
    pub fn of(code: i32) -> Self {
        match code {
            4 => KhttpsCause::SniSuspected,
            13 => KhttpsCause::CaFormat,
            c => KhttpsCause::Notif(ktcp_notif_error(c)),
        }
    }

    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        match self {
            KhttpsCause::SniSuspected => "the server ended the TLS handshake: a server with virtual hosts needs SNI, which the HL8548 firmware does not send (confirm with a probe with and without SNI); use the host TLS path",
            KhttpsCause::CaFormat => "the HL8548 could not use the CA certificate: it takes DER only and stores PEM unparsed (upload DER; the library converts PEM for it)",
            KhttpsCause::Notif(e) => e.cause(),
        }
    }

    /// The library error the cause stands for: [`TlsFailure::SniRequired`]
    /// on the offloaded path (once a probe confirmed it), the CA format
    /// ([`ConfigError::CredentialFormat`]), or the modem error.
    pub fn error(&self, code: i32) -> Error {
        match self {
            KhttpsCause::SniSuspected => Error::Tls(TlsError {
                modem_code: Some(code),
                ..TlsError::new(TlsFailure::SniRequired, Path::Offload)
            }),
            KhttpsCause::CaFormat => Error::Config(ConfigError::CredentialFormat),
            KhttpsCause::Notif(e) => Error::Modem(*e),
        }
    }
}

/// A `+KHTTPS_ERROR: <session>,<code>` line (as it appears in a log):
/// the session, the code and what it means; `None` for another line.
///
/// ```
/// use modemtls::modem::sierra::{classify_khttps_error, KhttpsCause};
/// let (session, code, cause) = classify_khttps_error(b"+KHTTPS_ERROR: 1,4").unwrap();
/// assert_eq!((session, code, cause), (1, 4, KhttpsCause::SniSuspected));
/// assert!(cause.cause().contains("SNI"));
/// ```
pub fn classify_khttps_error(line: &[u8]) -> Option<(u8, i32, KhttpsCause)> {
    let mut f = Fields::after(crate::at::trim(line), b"+KHTTPS_ERROR:")?;
    let session = f.next_u32().and_then(|s| u8::try_from(s).ok())?;
    let code = f.next_i32()?;
    if f.next().is_some() {
        return None;
    }
    Some((session, code, KhttpsCause::of(code)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seed_002_codes() {
        let (s, c, cause) = classify_khttps_error(b"+KHTTPS_ERROR: 1,4").unwrap();
        assert_eq!((s, c, cause), (1, 4, KhttpsCause::SniSuspected));
        assert!(matches!(
            cause.error(c),
            Error::Tls(TlsError {
                failure: TlsFailure::SniRequired,
                modem_code: Some(4),
                ..
            })
        ));
        let (_, c, cause) = classify_khttps_error(b"+KHTTPS_ERROR: 1,13").unwrap();
        assert_eq!(cause, KhttpsCause::CaFormat);
        assert_eq!(cause.error(c), Error::Config(ConfigError::CredentialFormat));
        assert!(cause.cause().contains("DER"));
        let (_, _, cause) = classify_khttps_error(b"+KHTTPS_ERROR: 2,3").unwrap();
        assert_eq!(cause, KhttpsCause::Notif(ModemError::Dns));
    }

    #[test]
    fn not_khttps_lines() {
        for l in [
            &b"+KHTTPS_ERROR: 1"[..],
            b"+KHTTPS_ERROR: x,4",
            b"+KHTTPS_ERROR: 1,4,5",
            b"+KHTTPS_ERROR: 999,4",
            b"+KTCP_NOTIF: 1,4",
            b"",
        ] {
            assert_eq!(classify_khttps_error(l), None, "{l:?}");
        }
    }

    #[test]
    fn notif_and_cme_codes() {
        assert_eq!(ktcp_notif_error(0), ModemError::PdpDown);
        assert_eq!(ktcp_notif_error(3), ModemError::Dns);
        assert_eq!(ktcp_notif_error(4), ModemError::Closed);
        assert_eq!(ktcp_notif_error(5), ModemError::ConnectFailed);
        assert_eq!(ktcp_notif_error(12), ModemError::OpenTimeout);
        assert_eq!(ktcp_notif_error(13), ModemError::HandshakeFailed(13));
        assert_eq!(ktcp_notif_error(8), ModemError::Socket(8));
        assert_eq!(cme_error(930), ModemError::At(AtError::PromptLost));
        assert_eq!(cme_error(931), ModemError::CredentialRejected);
        assert_eq!(cme_error(3), ModemError::At(AtError::Cme(Some(3))));
    }
}
