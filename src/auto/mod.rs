//! `Mode::Auto`: one entry point that picks the TLS path per session.
//!
//! 1. **Plan** ([`plan`]): before any handshake, from the modem's capability
//!    table and the configuration's [`ServerHints`](crate::session::ServerHints)
//!    (TLS 1.3 only, SNI needed, client certificate, credential size) and a
//!    remembered decision in the [`PathCache`].
//! 2. **Offload** when the plan says so. If the firmware's handshake fails
//!    for a *capability* cause (no common cipher, protocol version, SNI
//!    required, credentials it cannot take; or an unexplained handshake
//!    failure, tried once), Auto retries on the host path and remembers the
//!    host in the cache. A rejected certificate, DNS, PDP/network errors and
//!    timeouts are returned as they are ([`fallback_reason`]).
//! 3. **Host**: TLS 1.3 on the MCU ([`crate::host`]), verified by
//!    [`crate::pki`]; its error is the one reported when it fails too.
//!
//! [`crate::session::SessionInfo`] tells the path, the reason
//! ([`PathReason::code`]) and, after a fallback, the offloaded failure.

mod cache;
mod policy;

pub use cache::{host_hash, CacheEntry, CacheError, PathCache};
pub use policy::{fallback_reason, plan, Plan};

use embedded_tls::CryptoRngCore;

use crate::error::{Error, TlsError};
use crate::host::{self, HostBuffers, HostSession};
use crate::modem::quectel::Bg9x;
use crate::offload::{self, OffloadSession};
use crate::port::Port;
use crate::session::{Mode, Path, PathReason, SessionConfig, SessionInfo};

/// A session on either path.
///
/// As large as a [`HostSession`] (no heap to box it in); firmware that only
/// ever offloads can hold an [`OffloadSession`] directly.
#[allow(clippy::large_enum_variant)]
pub enum Session<'m, 'b, P: Port> {
    /// TLS in the modem.
    Offload(OffloadSession<'m, P>),
    /// TLS on the MCU.
    Host(HostSession<'m, 'b, P>),
}

impl<P: Port> Session<'_, '_, P> {
    /// Path, reason and parameters.
    pub fn info(&self) -> SessionInfo {
        match self {
            Session::Offload(s) => s.info(),
            Session::Host(s) => s.info(),
        }
    }

    /// Close the session (host: close_notify first) and free the socket.
    pub fn close(self) -> Result<(), Error> {
        match self {
            Session::Offload(s) => s.close(),
            Session::Host(s) => s.close(),
        }
    }
}

impl<P: Port> embedded_io::ErrorType for Session<'_, '_, P> {
    type Error = Error;
}

impl<P: Port> embedded_io::Read for Session<'_, '_, P> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        match self {
            Session::Offload(s) => s.read(buf),
            Session::Host(s) => s.read(buf),
        }
    }
}

impl<P: Port> embedded_io::Write for Session<'_, '_, P> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        match self {
            Session::Offload(s) => s.write(buf),
            Session::Host(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        match self {
            Session::Offload(s) => s.flush(),
            Session::Host(s) => s.flush(),
        }
    }
}

/// What Auto is doing, for logs and demos (see [`connect_observed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The plan, before any handshake.
    Planned(Plan),
    /// The offloaded handshake is starting.
    OffloadStarting,
    /// The offloaded handshake failed; `fallback` tells whether the host
    /// path will be tried.
    OffloadFailed {
        /// The classified failure.
        error: Error,
        /// The reason the host path is tried, or `None` when it is not.
        fallback: Option<PathReason>,
    },
    /// The host handshake is starting.
    HostStarting,
    /// The decision was stored in the cache.
    Remembered(PathReason),
}

/// Open a session the way `cfg.mode` says; see the [module docs](self).
///
/// `rng` and `bufs` are used only if the session runs on the host path;
/// `cache` (may be `None`) is read and updated in [`Mode::Auto`].
pub fn connect<'m, 'b, P: Port, R: CryptoRngCore, const N: usize>(
    modem: &'m mut Bg9x<P>,
    cfg: &SessionConfig<'_>,
    rng: &mut R,
    bufs: HostBuffers<'b>,
    cache: Option<&mut PathCache<N>>,
) -> Result<Session<'m, 'b, P>, Error> {
    connect_observed(modem, cfg, rng, bufs, cache, &mut |_| {})
}

/// [`connect`], reporting each [`Step`] to `observe`.
pub fn connect_observed<'m, 'b, P: Port, R: CryptoRngCore, const N: usize>(
    modem: &'m mut Bg9x<P>,
    cfg: &SessionConfig<'_>,
    rng: &mut R,
    bufs: HostBuffers<'b>,
    cache: Option<&mut PathCache<N>>,
    observe: &mut dyn FnMut(Step),
) -> Result<Session<'m, 'b, P>, Error> {
    cfg.validate()?;
    match cfg.mode {
        Mode::Offload => {
            observe(Step::OffloadStarting);
            return offload::connect(modem, cfg).map(Session::Offload);
        }
        Mode::Host => {
            observe(Step::HostStarting);
            return host::connect(modem, cfg, rng, bufs).map(Session::Host);
        }
        Mode::Auto => {}
    }
    let cached = cache.as_ref().and_then(|c| c.lookup(cfg.host, cfg.port));
    let p = plan(modem.capabilities(), cfg, cached);
    observe(Step::Planned(p));
    let mut fallback_from: Option<TlsError> = None;
    let reason = match p.path {
        Path::Host => p.reason,
        Path::Offload => {
            observe(Step::OffloadStarting);
            match offload::open(modem, cfg) {
                Ok(opened) => {
                    let mut s = OffloadSession::assemble(modem, opened);
                    s.set_reason(p.reason);
                    return Ok(Session::Offload(s));
                }
                Err(e) => {
                    let fallback = fallback_reason(&e);
                    observe(Step::OffloadFailed { error: e, fallback });
                    let Some(reason) = fallback else {
                        return Err(e);
                    };
                    if let Error::Tls(t) = e {
                        fallback_from = Some(t);
                    }
                    reason
                }
            }
        }
    };
    observe(Step::HostStarting);
    let mut s = host::connect(modem, cfg, rng, bufs)?;
    s.set_reason(reason, fallback_from);
    if p.path == Path::Offload && policy::remember(reason) {
        if let Some(c) = cache {
            c.remember(cfg.host, cfg.port, reason);
            observe(Step::Remembered(reason));
        }
    }
    Ok(Session::Host(s))
}
