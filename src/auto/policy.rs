//! The Auto policy as pure functions: which path to try first, and which
//! offloaded failures may be retried on the host path.

use crate::error::{ConfigError, Error, TlsFailure};
use crate::modem::{Capabilities, ModemError};
use crate::probe::TlsVersion;
use crate::session::{Path, PathReason, SessionConfig};

use super::CacheEntry;

/// The path Auto tries first, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The first path.
    pub path: Path,
    /// Why.
    pub reason: PathReason,
}

/// Choose before any handshake, from the modem's capability table, what the
/// configuration says of the server, and a remembered decision.
///
/// ```
/// use modemtls::auto::plan;
/// use modemtls::modem::Capabilities;
/// use modemtls::session::{Credential, Path, PathReason, SessionConfig};
/// let caps = Capabilities::quectel_bg9x("BG96", "BG96MAR02A07M1G");
/// let mut cfg = SessionConfig::new("example.com", 443).trust(Credential::Pem(b"x"));
/// assert_eq!(plan(&caps, &cfg, None).path, Path::Offload);
/// cfg.hints.tls13_only = true;
/// assert_eq!(plan(&caps, &cfg, None).reason, PathReason::NeedsTls13);
/// ```
pub fn plan(caps: &Capabilities, cfg: &SessionConfig<'_>, cached: Option<CacheEntry>) -> Plan {
    let host = |reason| Plan {
        path: Path::Host,
        reason,
    };
    if cached.is_some() {
        return host(PathReason::Cached);
    }
    if cfg.hints.end_to_end {
        return host(PathReason::NeedsEndToEnd);
    }
    if !cfg.alpn.is_empty() {
        return host(PathReason::NeedsAlpn);
    }
    if !cfg.insecure_no_verify && !caps.verifies_fully() && !cfg.accept_chain_only {
        return host(PathReason::NeedsHostnameCheck);
    }
    if cfg.hints.tls13_only && caps.max_tls < TlsVersion::Tls13 {
        return host(PathReason::NeedsTls13);
    }
    if cfg.hints.requires_sni && !caps.sni {
        return host(PathReason::NeedsSni);
    }
    if cfg.client.is_some() && !caps.client_cert {
        return host(PathReason::NeedsClientCert);
    }
    if let Some(t) = cfg.trust {
        // DER grows by 4/3 (plus line breaks) when converted to PEM.
        let stored = t.bytes().len() * 4 / 3 + 64;
        if !cfg.insecure_no_verify && stored > caps.max_cert_len {
            return host(PathReason::CredentialTooLarge);
        }
    }
    Plan {
        path: Path::Offload,
        reason: PathReason::CapabilitiesCover,
    }
}

/// Whether an offloaded failure lets Auto try the host path, and the reason
/// it will give. Only capability causes qualify (plus a handshake failure
/// whose cause the evidence cannot show, tried once); a rejected
/// certificate, DNS, PDP/network, timeouts and configuration errors never
/// do, and nothing ever falls back to an unverified or plaintext session.
pub fn fallback_reason(e: &Error) -> Option<PathReason> {
    match e {
        Error::Tls(t) if t.failure.is_capability() || t.failure == TlsFailure::HandshakeFailed => {
            Some(PathReason::Fallback(t.failure))
        }
        Error::Config(ConfigError::CredentialFormat | ConfigError::CredentialTooLarge)
        | Error::Modem(ModemError::FileTooLarge | ModemError::CredentialRejected) => {
            Some(PathReason::FallbackCredential)
        }
        _ => None,
    }
}

/// Whether a fallback should be remembered: only when the cause is known
/// to be the firmware's capability.
pub fn remember(reason: PathReason) -> bool {
    match reason {
        PathReason::Fallback(f) => f.is_capability(),
        _ => true,
    }
}
