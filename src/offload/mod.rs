//! The offloaded path: TLS inside the modem, driven by its SSL AT commands.
//!
//! [`connect`] uploads the trust anchors and client credentials (converted
//! to a format the firmware parses, skipped when already there), configures
//! one SSL context with verification, SNI and host-name checking on, opens
//! the connection, and, when the firmware reports only "handshake failed",
//! diagnoses the cause with a capability probe over a raw socket.

mod credentials;
#[cfg(feature = "diagnose")]
mod diagnose;

use crate::error::{ConfigError, Error, TlsError, TlsFailure};
use crate::modem::{ModemError, SocketId, TlsParams};
use crate::probe::{Diagnosis, TlsVersion};
use crate::session::{Path, PathReason, PeerName, SessionConfig, SessionInfo};
use credentials::{FileName, Role};

pub use blocking::{connect, OffloadSession};

/// An offloaded connection that is open in the modem, before it is wrapped
/// in an [`OffloadSession`] (kept apart so a caller can try another path
/// with the same modem when opening fails).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Opened {
    id: SocketId,
    info: SessionInfo,
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::modem::asynch::FirmwareTls;

    /// An open offloaded TLS session. Read and write it with
    /// [`embedded_io_async::Read`]/[`embedded_io_async::Write`]; [`OffloadSession::close`]
    /// it when done (a blocking session dropped closes too, ignoring
    /// errors; an async one cannot, and stays open in the modem).
    pub struct OffloadSession<'m, M: FirmwareTls> {
        modem: &'m mut M,
        id: SocketId,
        info: SessionInfo,
        open: bool,
    }

    /// Open an offloaded TLS session to `cfg.host:cfg.port`.
    ///
    /// With verification on (the default) the CA from `cfg.trust` is uploaded
    /// and the firmware checks the chain and the host name; validity dates are
    /// checked against the modem's network clock, which must be set unless
    /// `cfg.accept_unchecked_validity`. On a handshake failure the error says
    /// why ([`TlsFailure`]) and what the evidence was.
    pub async fn connect<'m, M: FirmwareTls>(
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
    ) -> Result<OffloadSession<'m, M>, Error> {
        let opened = open(modem, cfg).await?;
        Ok(OffloadSession::assemble(modem, opened))
    }

    pub(crate) async fn open<M: FirmwareTls>(
        modem: &mut M,
        cfg: &SessionConfig<'_>,
    ) -> Result<Opened, Error> {
        cfg.validate()?;
        let caps = *modem.capabilities();
        let verify = !cfg.insecure_no_verify;
        if verify && !cfg.accept_unchecked_validity {
            // The firmware checks dates against its own clock: refuse to run
            // with a clock that was never set rather than verify against 1980.
            modem.check_clock().await?;
        }
        if cfg.client.is_some() && !caps.client_cert {
            return Err(Error::Config(ConfigError::ModeUnavailable));
        }
        if verify && !caps.verifies_fully() && !cfg.accept_chain_only {
            return Err(Error::Config(ConfigError::NoHostnameCheck));
        }

        if verify && cfg.trust.is_none() {
            return Err(Error::Config(ConfigError::NoTrustAnchors));
        }
        // The CA (with verification), the client certificate and key: stored
        // in one loop, their file names in `files` (empty when not stored).
        let client = cfg.client;
        let creds = [
            cfg.trust.filter(|_| verify),
            client.map(|c| c.cert),
            client.map(|c| c.key),
        ];
        let mut files: [FileName; 3] = Default::default();
        for ((role, cred), name) in [Role::Ca, Role::ClientCert, Role::ClientKey]
            .into_iter()
            .zip(creds)
            .zip(files.iter_mut())
        {
            if let Some(cred) = cred {
                credentials::asynch::store(modem, cred, role, caps.ca_formats, name).await?;
            }
        }
        let [ca_file, cert_file, key_file] = files
            .each_ref()
            .map(|f| Some(f.as_str()).filter(|f| !f.is_empty()));

        let params = TlsParams {
            host: cfg.host,
            port: cfg.port,
            verify,
            check_validity: !cfg.accept_unchecked_validity,
            ca: ca_file,
            client_cert: cert_file,
            client_key: key_file,
            handshake_timeout_s: cfg.handshake_timeout_s.clamp(10, 300),
        };
        log_info!(
            "offload: opening TLS to {}:{} (verify {})",
            cfg.host,
            cfg.port,
            verify
        );
        match modem.tls_open(&params).await {
            Ok(id) => Ok({
                log_info!("offload: open, socket {}", id.0);
                Opened {
                    id,
                    info: SessionInfo {
                        path: Path::Offload,
                        reason: PathReason::Requested,
                        // The firmware does not report what it negotiated; the
                        // configuration pins TLS 1.2.
                        tls_version: Some(TlsVersion::Tls12),
                        cipher_suite: None,
                        verified: verify,
                        hostname_checked: verify && caps.hostname_check,
                        fallback_from: None,
                        peer: PeerName::EMPTY,
                        resumed: false,
                    },
                }
            }),
            Err(ModemError::HandshakeFailed(code)) => {
                #[cfg(feature = "diagnose")]
                let diagnosis = if cfg.diagnose {
                    match diagnose::asynch::diagnose_offload(
                        modem,
                        cfg.host,
                        cfg.port,
                        &caps,
                        TlsVersion::Tls12,
                    )
                    .await
                    {
                        Ok(d) => Some(d),
                        // The server does not answer or cannot be reached: that
                        // is the failure (and not one another TLS stack fixes).
                        Err(
                            e @ (ModemError::Timeout
                            | ModemError::OpenTimeout
                            | ModemError::ConnectFailed
                            | ModemError::Dns
                            | ModemError::PdpDown),
                        ) => return Err(Error::Modem(e)),
                        // A probe that cannot run for another reason leaves the
                        // cause unknown; the handshake error is what the caller
                        // needs either way.
                        Err(_) => None,
                    }
                } else {
                    None
                };
                #[cfg(not(feature = "diagnose"))]
                let diagnosis: Option<Diagnosis> = None;
                #[cfg(feature = "diagnose")]
                let failure = diagnosis.map_or(TlsFailure::HandshakeFailed, diagnose::failure_of);
                #[cfg(not(feature = "diagnose"))]
                let failure = TlsFailure::HandshakeFailed;
                log_warn!(
                    "offload: handshake failed, modem code {}: {}",
                    code,
                    failure.cause_on(Path::Offload)
                );
                // The firmware may have refused a damaged CA file rather than
                // the server: do not trust the file again without uploading it.
                if !failure.is_capability() {
                    if let Some(f) = ca_file {
                        modem.forget_credential(f);
                    }
                }
                Err(Error::Tls(TlsError {
                    modem_code: Some(code),
                    diagnosis,
                    ..TlsError::new(failure, Path::Offload)
                }))
            }
            Err(e) => {
                log_warn!("offload: open failed: {}", e.cause());
                Err(e.into())
            }
        }
    }

    impl<'m, M: FirmwareTls> OffloadSession<'m, M> {
        pub(crate) fn assemble(modem: &'m mut M, o: Opened) -> Self {
            OffloadSession {
                modem,
                id: o.id,
                info: o.info,
                open: true,
            }
        }

        // Used by Auto, which needs both paths.
        #[cfg_attr(not(all(feature = "host-tls", feature = "offload")), allow(dead_code))]
        pub(crate) fn set_reason(&mut self, reason: PathReason) {
            self.info.reason = reason;
        }

        /// Path, reason and parameters of this session.
        pub fn info(&self) -> SessionInfo {
            self.info
        }

        /// The modem socket in use.
        pub fn socket(&self) -> SocketId {
            self.id
        }

        /// Close the connection and free the modem's socket and SSL context.
        pub async fn close(mut self) -> Result<(), Error> {
            self.shut().await
        }

        async fn shut(&mut self) -> Result<(), Error> {
            if !self.open {
                return Ok(());
            }
            self.open = false;
            self.modem.close(self.id).await.map_err(Error::from)
        }
    }

    impl<M: FirmwareTls> crate::session::asynch::TlsSession for OffloadSession<'_, M> {
        fn info(&self) -> SessionInfo {
            OffloadSession::info(self)
        }
        async fn close(self) -> Result<(), Error> {
            OffloadSession::close(self).await
        }
    }

    // A drop cannot wait for the modem: only the blocking session closes
    // itself when dropped; an async one is closed with `close().await`.
    #[cfg(dual_blocking)]
    impl<M: FirmwareTls> Drop for OffloadSession<'_, M> {
        fn drop(&mut self) {
            let _ = self.shut();
        }
    }

    impl<M: FirmwareTls> embedded_io_async::ErrorType for OffloadSession<'_, M> {
        type Error = Error;
    }

    impl<M: FirmwareTls> embedded_io_async::Read for OffloadSession<'_, M> {
        /// Blocks until data arrives; `Ok(0)` once the server closed and all
        /// its data was read.
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            if !self.open {
                return Err(Error::Closed);
            }
            let t = self.modem.timeouts().data_ms;
            Ok(self.modem.recv_wait(self.id, buf, t).await?)
        }
    }

    impl<M: FirmwareTls> embedded_io_async::Write for OffloadSession<'_, M> {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
            if !self.open {
                return Err(Error::Closed);
            }
            Ok(self.modem.send(self.id, buf).await?)
        }

        async fn flush(&mut self) -> Result<(), Error> {
            // `SEND OK` means the modem took the bytes; it sends them at once.
            Ok(())
        }
    }
}

/// How a probe diagnosis reads in a log line.
pub fn describe(d: &Diagnosis) -> &'static str {
    match d {
        Diagnosis::NoCommonCipher => "server refused every cipher suite the firmware offers",
        Diagnosis::ProtocolVersion => "server refused the firmware's TLS versions",
        Diagnosis::SniRequired => {
            "server refused a ClientHello without SNI and accepted one with SNI"
        }
        Diagnosis::ServerAccepts { .. } => "server accepted the firmware's ClientHello",
        Diagnosis::Inconclusive => "server answer did not show a cause",
    }
}
