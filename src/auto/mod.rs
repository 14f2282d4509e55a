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

use core::mem::MaybeUninit;

use crate::host::CryptoRngCore;

use crate::error::{Error, TlsError};
use crate::host::{self, HostBuffers};
use crate::offload;
use crate::session::{Mode, Path, PathReason, SessionConfig, SessionInfo};

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

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::host::asynch::HostSession;
    use crate::modem::asynch::FirmwareTls;
    use crate::offload::asynch::OffloadSession;

    /// A session on either path.
    ///
    /// As large as a [`HostSession`] (no heap to box it in); firmware that only
    /// ever offloads can hold an [`OffloadSession`] directly, and firmware that
    /// keeps a session in a `static` can build it there with
    /// [`connect_observed_in`].
    #[allow(clippy::large_enum_variant)]
    pub enum Session<'m, 'b, M: FirmwareTls> {
        /// TLS in the modem.
        Offload(OffloadSession<'m, M>),
        /// TLS on the MCU.
        Host(HostSession<'m, 'b, M>),
    }

    impl<M: FirmwareTls> Session<'_, '_, M> {
        /// Path, reason and parameters.
        pub fn info(&self) -> SessionInfo {
            match self {
                Session::Offload(s) => s.info(),
                Session::Host(s) => s.info(),
            }
        }

        /// Close the session (host: close_notify first) and free the socket.
        pub async fn close(self) -> Result<(), Error> {
            match self {
                Session::Offload(s) => s.close().await,
                Session::Host(s) => s.close().await,
            }
        }
    }

    impl<M: FirmwareTls> crate::session::asynch::TlsSession for Session<'_, '_, M> {
        fn info(&self) -> SessionInfo {
            Session::info(self)
        }
        async fn close(self) -> Result<(), Error> {
            Session::close(self).await
        }
    }

    impl<M: FirmwareTls> embedded_io_async::ErrorType for Session<'_, '_, M> {
        type Error = Error;
    }

    impl<M: FirmwareTls> embedded_io_async::Read for Session<'_, '_, M> {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            match self {
                Session::Offload(s) => s.read(buf).await,
                Session::Host(s) => s.read(buf).await,
            }
        }
    }

    impl<M: FirmwareTls> embedded_io_async::Write for Session<'_, '_, M> {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
            match self {
                Session::Offload(s) => s.write(buf).await,
                Session::Host(s) => s.write(buf).await,
            }
        }

        async fn flush(&mut self) -> Result<(), Error> {
            match self {
                Session::Offload(s) => s.flush().await,
                Session::Host(s) => s.flush().await,
            }
        }
    }

    /// Open a session the way `cfg.mode` says; see the [module docs](self).
    ///
    /// `rng` and `bufs` are used only if the session runs on the host path;
    /// `cache` (may be `None`) is read and updated in [`Mode::Auto`].
    pub async fn connect<'m: 'b, 'b, M: FirmwareTls, R: CryptoRngCore, const N: usize>(
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
        cache: Option<&mut PathCache<N>>,
    ) -> Result<Session<'m, 'b, M>, Error> {
        connect_observed(modem, cfg, rng, bufs, cache, &mut |_| {}).await
    }

    /// [`connect`], reporting each [`Step`] to `observe`.
    pub async fn connect_observed<'m: 'b, 'b, M: FirmwareTls, R: CryptoRngCore, const N: usize>(
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
        cache: Option<&mut PathCache<N>>,
        observe: &mut dyn FnMut(Step),
    ) -> Result<Session<'m, 'b, M>, Error> {
        run(ByValue, modem, cfg, rng, bufs, cache, observe).await
    }

    /// [`connect_observed`], building the session in place in `slot` and
    /// returning a reference to it; on an error `slot` is left as it was.
    ///
    /// A [`Session`] is as large as a [`HostSession`] (about 1.7 KB), and
    /// returning it by value costs stack frames that hold a copy of it on the
    /// way to where it is kept. Firmware that keeps the session in a `static`
    /// (such as the C ABI's pool) opens it here: the offloaded path then needs
    /// no room for a host session at all, and the host path moves it once.
    /// `slot` is overwritten without dropping what it held.
    pub async fn connect_observed_in<
        's,
        'm,
        'b,
        M: FirmwareTls,
        R: CryptoRngCore,
        const N: usize,
    >(
        slot: &'s mut MaybeUninit<Session<'m, 'b, M>>,
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
        cache: Option<&mut PathCache<N>>,
        observe: &mut dyn FnMut(Step),
    ) -> Result<&'s mut Session<'m, 'b, M>, Error> {
        run(slot, modem, cfg, rng, bufs, cache, observe).await
    }

    /// Where an opened session goes: returned by value, or written into a slot.
    trait Place<'m: 'b, 'b, M: FirmwareTls + 'm> {
        type Out;
        fn offload(self, s: OffloadSession<'m, M>) -> Self::Out;
        fn host(self, s: HostSession<'m, 'b, M>) -> Self::Out;
    }

    /// Return the session.
    struct ByValue;

    impl<'m: 'b, 'b, M: FirmwareTls + 'm> Place<'m, 'b, M> for ByValue {
        type Out = Session<'m, 'b, M>;
        fn offload(self, s: OffloadSession<'m, M>) -> Self::Out {
            Session::Offload(s)
        }
        fn host(self, s: HostSession<'m, 'b, M>) -> Self::Out {
            Session::Host(s)
        }
    }

    impl<'s, 'm: 'b, 'b, M: FirmwareTls + 'm> Place<'m, 'b, M>
        for &'s mut MaybeUninit<Session<'m, 'b, M>>
    {
        type Out = &'s mut Session<'m, 'b, M>;
        fn offload(self, s: OffloadSession<'m, M>) -> Self::Out {
            self.write(Session::Offload(s))
        }
        fn host(self, s: HostSession<'m, 'b, M>) -> Self::Out {
            self.write(Session::Host(s))
        }
    }

    /// The offloaded handshake, its session placed by `place`. Kept out of
    /// line (as is [`host_path`]) so that neither path's frame holds the
    /// other's locals.
    #[inline(never)]
    async fn offload_path<'m: 'b, 'b, M: FirmwareTls + 'm, K: Place<'m, 'b, M>>(
        place: K,
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        reason: PathReason,
    ) -> Result<K::Out, (Error, K, &'m mut M)> {
        match offload::asynch::open(modem, cfg).await {
            Ok(opened) => {
                let mut s = OffloadSession::assemble(modem, opened);
                s.set_reason(reason);
                Ok(place.offload(s))
            }
            Err(e) => Err((e, place, modem)),
        }
    }

    /// The host handshake, its session placed by `place`.
    #[inline(never)]
    async fn host_path<'m: 'b, 'b, M: FirmwareTls + 'm, R: CryptoRngCore, K: Place<'m, 'b, M>>(
        place: K,
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
        reason: PathReason,
        fallback_from: Option<TlsError>,
    ) -> Result<K::Out, Error> {
        host::asynch::connect_place(modem, cfg, rng, bufs, |mut s| {
            s.set_reason(reason, fallback_from);
            place.host(s)
        })
        .await
    }

    /// [`connect_observed`] for any [`Place`].
    async fn run<
        'm: 'b,
        'b,
        M: FirmwareTls + 'm,
        R: CryptoRngCore,
        K: Place<'m, 'b, M>,
        const N: usize,
    >(
        place: K,
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
        cache: Option<&mut PathCache<N>>,
        observe: &mut dyn FnMut(Step),
    ) -> Result<K::Out, Error> {
        cfg.validate()?;
        match cfg.mode {
            Mode::Offload => {
                log_info!("auto: path offload (requested)");
                observe(Step::OffloadStarting);
                return offload_path(place, modem, cfg, PathReason::Requested)
                    .await
                    .map_err(|(e, _, _)| e);
            }
            Mode::Host => {
                log_info!("auto: path host (requested)");
                observe(Step::HostStarting);
                return host_path(place, modem, cfg, rng, bufs, PathReason::Requested, None).await;
            }
            Mode::Auto => {}
        }
        let cached = cache.as_ref().and_then(|c| c.lookup(cfg.host, cfg.port));
        let p = plan(modem.capabilities(), cfg, cached);
        log_info!(
            "auto: plan {} for {}:{}, reason {}",
            p.path.code(),
            cfg.host,
            cfg.port,
            p.reason.code()
        );
        observe(Step::Planned(p));
        let mut fallback_from: Option<TlsError> = None;
        let (reason, place, modem) = match p.path {
            Path::Host => (p.reason, place, modem),
            Path::Offload => {
                observe(Step::OffloadStarting);
                match offload_path(place, modem, cfg, p.reason).await {
                    Ok(s) => return Ok(s),
                    Err((e, place, modem)) => {
                        let fallback = fallback_reason(&e);
                        log_warn!(
                            "auto: offload failed: {}; host path: {}",
                            e.cause(),
                            fallback.map_or("not a capability failure, no fallback", |r| r.code())
                        );
                        observe(Step::OffloadFailed { error: e, fallback });
                        let Some(reason) = fallback else {
                            return Err(e);
                        };
                        if let Error::Tls(t) = e {
                            fallback_from = Some(t);
                        }
                        (reason, place, modem)
                    }
                }
            }
        };
        observe(Step::HostStarting);
        let s = host_path(place, modem, cfg, rng, bufs, reason, fallback_from).await?;
        if p.path == Path::Offload && policy::remember(reason) {
            if let Some(c) = cache {
                c.remember(cfg.host, cfg.port, reason);
                log_info!(
                    "auto: remembered host path for {}:{} ({})",
                    cfg.host,
                    cfg.port,
                    reason.code()
                );
                observe(Step::Remembered(reason));
            }
        }
        Ok(s)
    }
}

pub use blocking::{connect, connect_observed, connect_observed_in, Session};
