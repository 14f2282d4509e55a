//! The host path: TLS 1.3 on the MCU over a raw TCP socket of the modem
//! (`AT+QIOPEN`/`AT+QISEND`/`AT+QIRD`, ...), run by the project's own
//! sans-IO engine ([`crate::tls`]); this module is its blocking front.
//!
//! The engine enforces RFC 8446's record and message rules itself (an
//! unencrypted record after ServerHello, an empty encrypted record, a
//! misplaced handshake message: each ends the session with its own cause,
//! the right alert sent and the socket closed, never a panic and never a
//! false end of stream), reassembles handshake messages split across
//! records, follows KeyUpdate and HelloRetryRequest, and resumes sessions
//! with a ticket kept in caller memory ([`HostBuffers::ticket`]).
//!
//! The server is verified by [`crate::pki`] (chain to the configured CA,
//! host name, validity at the port's clock or the modem's network clock);
//! no session opens without a verified chain and CertificateVerify (or an
//! accepted resumption PSK). SNI is sent for DNS names (never for an IP
//! address). A P-256 client certificate and key give mutual TLS.
//!
//! With the `engine-embedded-tls` feature, `etls` runs the same path on
//! `embedded-tls` 0.19 instead, for comparison (its limits are listed there).
//!
//! # RAM
//!
//! No heap: the caller lends [`HostBuffers`]:
//!
//! | buffer    | size | why |
//! |-----------|------|-----|
//! | `read`    | >= [`MIN_READ_BUF`] (16,645 B) | the largest TLS record (header + 16 KiB + 256); handshake messages split across records are reassembled in it too |
//! | `write`   | >= [`MIN_WRITE_BUF`] (1 KiB; 4 KiB moves bulk data faster) | the ClientHello, the client's last flight (with a client certificate: its size + ~200 B), one outgoing record |
//! | `scratch` | 3/4 of the PEM CA bundle + client certificate + key (DER), 0 for DER without client identity; 4 KiB is typical | decoded credentials during the handshake |
//! | `ticket`  | optional, about 700 B | a session ticket for resumption |
//! | `state`   | a [`ClientState`] (about 1.4 KB) | the TLS engine's state: secrets, keys, transcript hash |
//!
//! After the session, the buffers still hold the last records (the read
//! buffer decrypted plaintext too): wipe them if that matters. The client
//! private key, the ECDHE secret and every handshake and traffic secret
//! are zeroized when no longer needed or when the session is dropped.

mod classify;
mod credentials;
#[cfg(feature = "engine-embedded-tls")]
pub mod etls;

pub use credentials::MAX_ANCHORS;
/// The random generator a host session needs (rand_core 0.6 `RngCore + CryptoRng`).
pub use rand_core::CryptoRngCore;

pub use blocking::{connect, drive_handshake, HostSession};

use crate::error::{Error, TlsError};
use crate::modem::ModemError;
use crate::pki::{PkiError, PkiVerifier};
use crate::probe::TlsVersion;
use crate::session::{Path, PathReason, PeerName, SessionConfig, SessionInfo};
use crate::tls::{self, Client, ClientConfig, ClientState, DefaultP256, ServerAuth, Ticket};

/// Smallest `read` buffer: the largest TLS record (5-byte header, 2^14 + 256
/// bytes of body).
pub const MIN_READ_BUF: usize = 16_645;
/// Smallest `write` buffer.
pub const MIN_WRITE_BUF: usize = 1024;
/// The cipher suite the host path prefers (TLS_AES_128_GCM_SHA256); the
/// one negotiated is in [`SessionInfo::cipher_suite`].
pub const CIPHER_SUITE: u16 = 0x1301;
/// Room for the records the engine sends by itself after the handshake
/// (alert, KeyUpdate, close_notify).
const CONTROL_LEN: usize = 64;

/// Memory the caller lends a host session (see the [module docs](self)).
pub struct HostBuffers<'b> {
    /// Incoming TLS records; at least [`MIN_READ_BUF`].
    pub read: &'b mut [u8],
    /// Outgoing TLS records; at least [`MIN_WRITE_BUF`].
    pub write: &'b mut [u8],
    /// Decoded credentials, used only during the handshake.
    pub scratch: &'b mut [u8],
    /// The TLS engine's state (about 1.4 KB): here rather than inside the
    /// session, so the session stays small wherever it is moved.
    pub state: &'b mut ClientState,
    /// A session ticket slot: a valid ticket for this server (and a clock)
    /// resumes the session without certificates; the server's new tickets
    /// are kept here. `None`: no resumption.
    pub ticket: Option<&'b mut Ticket>,
}

/// Verification switched off (`insecure_no_verify`): every chain and
/// signature is accepted.
struct NoVerification;

impl ServerAuth for NoVerification {
    fn certificate(&mut self, _: &[&[u8]]) -> Result<(), PkiError> {
        Ok(())
    }
    fn certificate_verify(&mut self, _: u16, _: &[u8], _: &[u8]) -> Result<(), PkiError> {
        Ok(())
    }
}

/// After the handshake nothing may be authenticated again (post-handshake
/// authentication is not offered).
struct Refuse;

impl ServerAuth for Refuse {
    fn certificate(&mut self, _: &[&[u8]]) -> Result<(), PkiError> {
        Err(PkiError::UnexpectedCertificate)
    }
    fn certificate_verify(&mut self, _: u16, _: &[u8], _: &[u8]) -> Result<(), PkiError> {
        Err(PkiError::UnexpectedCertificateVerify)
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::modem::asynch::{Sockets, TcpSocket};

    /// An open host TLS session. Read and write it with
    /// [`embedded_io::Read`]/[`embedded_io::Write`] (writes are collected in
    /// the write buffer and sent on `flush` or when it is full);
    /// [`HostSession::close`] sends what is pending and close_notify and
    /// closes the socket (dropping a blocking session closes the socket
    /// without close_notify; an async one stays open in the modem).
    ///
    /// A TLS error (a refused or damaged record, an alert, an undecodable
    /// message) ends the session: the alert is sent, the socket closed, and
    /// every later read or write returns the same error. Modem errors (a
    /// timeout, a lost PDP context) leave it as it is.
    pub struct HostSession<'m, 'b, M: Sockets> {
        /// `None` once a TLS error closed the socket.
        sock: Option<TcpSocket<'m, M>>,
        tls: Client<'b, DefaultP256>,
        write: &'b mut [u8],
        /// Plaintext collected in `write` after the record header.
        staged: usize,
        info: SessionInfo,
        failed: Option<Error>,
        /// A client certificate and key were configured (mutual TLS).
        client_identity: bool,
        /// The modem outlives the buffers (as Auto's sessions assume).
        _outlives: core::marker::PhantomData<&'b &'m ()>,
    }

    /// Send everything the engine has due (alerts, KeyUpdate, close_notify)
    /// through a small stack buffer.
    async fn send_control<M: Sockets, P: tls::P256Provider>(
        tls: &mut Client<'_, P>,
        sock: &mut TcpSocket<'_, M>,
    ) -> Result<(), Step> {
        let mut buf = [0u8; CONTROL_LEN];
        while tls.wants_transmit() {
            let n = tls
                .transmit(&ClientConfig::CONNECTED, &mut buf)
                .map_err(Step::Tls)?;
            if n == 0 {
                break;
            }
            embedded_io_async::Write::write_all(sock, buf.get(..n).unwrap_or(&[]))
                .await
                .map_err(Step::Modem)?;
        }
        Ok(())
    }

    /// What stopped a step of the session.
    #[derive(Clone, Copy, Debug)]
    enum Step {
        Tls(tls::Error),
        Modem(ModemError),
    }

    /// Receive into the engine: `Ok(())` when bytes arrived.
    async fn receive<M: Sockets, P: tls::P256Provider>(
        tls: &mut Client<'_, P>,
        sock: &mut TcpSocket<'_, M>,
    ) -> Result<(), Step> {
        let space = tls.rx_space();
        if space.is_empty() {
            return Err(Step::Tls(tls::Error::MessageTooLarge {
                len: tls.rx_capacity() as u32,
            }));
        }
        match embedded_io_async::Read::read(sock, space)
            .await
            .map_err(Step::Modem)?
        {
            0 => Err(Step::Tls(tls.eof())),
            n => {
                tls.rx_commit(n);
                Ok(())
            }
        }
    }

    /// Run the handshake to its end over `sock`.
    #[inline(never)]
    async fn handshake<M: Sockets, P: tls::P256Provider>(
        tls: &mut Client<'_, P>,
        cfg: &ClientConfig<'_>,
        sock: &mut TcpSocket<'_, M>,
        out: &mut [u8],
        auth: &mut dyn ServerAuth,
    ) -> Result<(), Step> {
        loop {
            while tls.wants_transmit() {
                let n = tls.transmit(cfg, out).map_err(Step::Tls)?;
                embedded_io_async::Write::write_all(sock, out.get(..n).unwrap_or(&[]))
                    .await
                    .map_err(Step::Modem)?;
            }
            if tls.is_connected() {
                return Ok(());
            }
            tls.poll(cfg, auth).map_err(Step::Tls)?;
            if !tls.wants_transmit() && !tls.is_connected() {
                receive(tls, sock).await?;
            }
        }
    }

    /// Run a handshake of `tls` over `sock` to its end (the building block
    /// of [`connect`], for callers that bring their own [`ServerAuth`], e.g.
    /// to measure or log verification). `out` holds each outgoing flight (at
    /// least [`MIN_WRITE_BUF`]). On a TLS error the alert is sent and the
    /// socket is left open: close it.
    pub async fn drive_handshake<M: Sockets, P: tls::P256Provider>(
        tls: &mut Client<'_, P>,
        cfg: &ClientConfig<'_>,
        sock: &mut TcpSocket<'_, M>,
        out: &mut [u8],
        auth: &mut dyn ServerAuth,
    ) -> Result<(), Error> {
        match handshake(tls, cfg, sock, out, auth).await {
            Ok(()) => Ok(()),
            Err(Step::Tls(e)) => {
                let _ = send_control(tls, sock).await;
                Err(classify::engine(e, true))
            }
            Err(Step::Modem(e)) => Err(Error::Modem(e)),
        }
    }

    /// Open a host TLS session to `cfg.host:cfg.port` over a raw TCP socket of
    /// `modem`. `rng` must be a cryptographically secure generator (it makes
    /// the key share and the ClientHello random).
    pub async fn connect<'m: 'b, 'b, M: Sockets, R: CryptoRngCore>(
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
    ) -> Result<HostSession<'m, 'b, M>, Error> {
        connect_place(modem, cfg, rng, bufs, |s| s).await
    }

    /// [`connect`], handing the session to `place` (e.g. to be written where
    /// it is kept) instead of returning it: a caller that keeps the session
    /// elsewhere than on the stack then needs no second copy of it.
    pub(crate) async fn connect_place<'m: 'b, 'b, M: Sockets + 'm, R: CryptoRngCore, T>(
        modem: &'m mut M,
        cfg: &SessionConfig<'_>,
        rng: &mut R,
        bufs: HostBuffers<'b>,
        place: impl FnOnce(HostSession<'m, 'b, M>) -> T,
    ) -> Result<T, Error> {
        credentials::check(cfg, &bufs)?;
        let validity = credentials::asynch::validity(modem, cfg).await?;
        let creds = credentials::decode(cfg, bufs.scratch)?;
        let mut verifier = PkiVerifier::new(creds.anchors.as_slice(), validity);
        if !cfg.insecure_no_verify {
            verifier
                .set_server_name(cfg.host)
                .map_err(classify::certificate)?;
        }
        // Ticket ages need a clock that survives a reboot: the validity time.
        let now_ms = match validity {
            crate::pki::Validity::At(s) => Some(s.saturating_mul(1000)),
            _ => None,
        };
        let config = ClientConfig {
            server_name: cfg.host,
            alpn: cfg.alpn,
            client: creds.client.as_ref(),
            resumption: bufs.ticket.is_some() && now_ms.is_some(),
        };
        let mut tls = Client::new(
            &config,
            bufs.state,
            bufs.read,
            bufs.ticket,
            now_ms,
            rng,
            DefaultP256::default(),
        )
        .map_err(|e| classify::engine(e, true))?;
        // A ticket is only used again for the same port, trust anchors and
        // verification setting that authenticated the server the first time.
        let trust = cfg.trust.map(|t| t.bytes()).unwrap_or(&[]);
        tls.bind_tickets(
            &config,
            &[
                &cfg.port.to_be_bytes(),
                &[u8::from(cfg.insecure_no_verify)],
                trust,
            ],
        );
        log_info!(
            "host: TLS 1.3 handshake with {}:{} (verify {}, client certificate {})",
            cfg.host,
            cfg.port,
            !cfg.insecure_no_verify,
            cfg.client.is_some()
        );
        let mut sock = TcpSocket::connect(modem, cfg.host, cfg.port).await?;
        let mut no_verify = NoVerification;
        let auth: &mut dyn ServerAuth = if cfg.insecure_no_verify {
            &mut no_verify
        } else {
            &mut verifier
        };
        let done = handshake(&mut tls, &config, &mut sock, bufs.write, auth).await;
        // A second guard after the engine's own: no session without a
        // verified chain and CertificateVerify (or a resumption PSK).
        let done = done.and_then(|()| {
            if cfg.insecure_no_verify || tls.resumed() {
                return Ok(());
            }
            verifier
                .check()
                .map_err(|e| Step::Tls(tls::Error::Certificate(e)))
        });
        if let Err(step) = done {
            return Err(end_with(&mut tls, sock, step, true).await);
        }
        let info = SessionInfo {
            path: Path::Host,
            reason: PathReason::Requested,
            tls_version: Some(TlsVersion::Tls13),
            cipher_suite: tls.suite().map(|s| s.code()),
            verified: !cfg.insecure_no_verify,
            hostname_checked: !cfg.insecure_no_verify,
            fallback_from: None,
            peer: PeerName::new(verifier.peer_common_name()),
            resumed: tls.resumed(),
        };
        log_info!(
            "host: connected, suite {}, resumed {}, verified {}",
            crate::trace::suite(info.cipher_suite.unwrap_or(0)),
            info.resumed,
            info.verified
        );
        Ok(place(HostSession {
            sock: Some(sock),
            tls,
            write: bufs.write,
            staged: 0,
            info,
            failed: None,
            client_identity: cfg.client.is_some(),
            _outlives: core::marker::PhantomData,
        }))
    }

    /// A failed step: a TLS error sends its alert (best effort) and closes the
    /// socket; a modem error closes the socket when the handshake is not over.
    async fn end_with<M: Sockets, P: tls::P256Provider>(
        tls: &mut Client<'_, P>,
        mut sock: TcpSocket<'_, M>,
        step: Step,
        handshake: bool,
    ) -> Error {
        let err = match step {
            Step::Tls(e) => {
                // The alert goes out if it can; the session failed anyway.
                let _ = send_control(tls, &mut sock).await;
                classify::engine(e, handshake)
            }
            Step::Modem(e) => Error::Modem(e),
        };
        log_warn!("host: session failed: {}", err.cause());
        // Best effort: the session already failed for `err`.
        let _ = sock.close().await;
        err
    }

    impl<'m, 'b, M: Sockets> HostSession<'m, 'b, M> {
        /// Path, reason and parameters of this session.
        pub fn info(&self) -> SessionInfo {
            self.info
        }

        // Used by Auto, which needs both paths.
        #[cfg_attr(not(all(feature = "host-tls", feature = "offload")), allow(dead_code))]
        pub(crate) fn set_reason(&mut self, reason: PathReason, fallback_from: Option<TlsError>) {
            self.info.reason = reason;
            self.info.fallback_from = fallback_from;
        }

        /// The ALPN protocol the server chose from [`SessionConfig::alpn`]
        /// (empty: none offered or none chosen).
        pub fn alpn(&self) -> &[u8] {
            self.tls.alpn()
        }

        /// Ask the server for new traffic keys both ways (KeyUpdate with
        /// update_requested); sent with the next write or read.
        pub fn update_keys(&mut self) -> Result<(), Error> {
            self.live()?;
            self.tls
                .update_keys(true)
                .map_err(|e| classify::engine(e, false))
        }

        /// Send what is pending and close_notify (best effort: a server that
        /// already closed the connection cannot receive it) and close the modem
        /// socket; an error means the data could not be sent or the modem did
        /// not free the socket.
        // Out of line: a caller that closes either path (e.g.
        // `auto::Session::close`) need not hold room for this.
        #[inline(never)]
        pub async fn close(mut self) -> Result<(), Error> {
            // After a TLS error the socket is already closed.
            if self.failed.is_some() || self.sock.is_none() {
                return Ok(());
            }
            log_info!("host: closing (close_notify)");
            let flushed = self.flush_staged().await;
            self.tls.close();
            let Some(mut sock) = self.sock.take() else {
                return Ok(());
            };
            let sent = send_control(&mut self.tls, &mut sock).await;
            let closed = sock.close().await.map_err(Error::from);
            flushed?;
            if let Err(Step::Modem(e)) = sent {
                // close_notify was not delivered; the data before it was.
                let _ = e;
            }
            closed
        }

        fn live(&self) -> Result<(), Error> {
            match (self.failed, self.sock.is_some()) {
                (Some(e), _) => Err(e),
                (None, true) => Ok(()),
                (None, false) => Err(Error::Closed),
            }
        }

        /// What a failed step means. A TLS error ends the session (alert sent,
        /// socket closed, the error kept); a modem error does not.
        #[inline(never)]
        async fn fail(&mut self, step: Step) -> Error {
            match step {
                Step::Modem(e) => Error::Modem(e),
                Step::Tls(e) => {
                    let err = match self.sock.take() {
                        Some(sock) => end_with(&mut self.tls, sock, Step::Tls(e), false).await,
                        None => classify::engine(e, false),
                    };
                    let err = classify::after_handshake(err, self.client_identity);
                    self.failed = Some(err);
                    err
                }
            }
        }

        /// Seal and send the collected plaintext.
        async fn flush_staged(&mut self) -> Result<(), Error> {
            self.live()?;
            match self.send_staged().await {
                Ok(()) => Ok(()),
                Err(s) => Err(self.fail(s).await),
            }
        }

        async fn send_staged(&mut self) -> Result<(), Step> {
            let Some(sock) = self.sock.as_mut() else {
                return Ok(());
            };
            send_control(&mut self.tls, sock).await?;
            if self.staged == 0 {
                return Ok(());
            }
            let n = self
                .tls
                .seal_app_in_place(self.write, self.staged)
                .map_err(Step::Tls)?;
            self.staged = 0;
            embedded_io_async::Write::write_all(sock, self.write.get(..n).unwrap_or(&[]))
                .await
                .map_err(Step::Modem)
        }

        /// Plaintext one record holds in the write buffer.
        fn stage_capacity(&self) -> usize {
            tls::plaintext_room(self.write.len())
        }

        /// Every read: one out-of-line copy in the image.
        #[inline(never)]
        async fn read_inner(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            if buf.is_empty() {
                return Ok(0);
            }
            loop {
                let n = self.tls.read_app(buf);
                if n > 0 {
                    return Ok(n);
                }
                if self.tls.state() == tls::State::PeerClosed {
                    return Ok(0);
                }
                self.live()?;
                if let Err(s) = self.read_step().await {
                    return Err(self.fail(s).await);
                }
            }
        }

        async fn read_step(&mut self) -> Result<(), Step> {
            let Some(sock) = self.sock.as_mut() else {
                return Err(Step::Tls(tls::Error::State));
            };
            send_control(&mut self.tls, sock).await?;
            self.tls
                .poll(&ClientConfig::CONNECTED, &mut Refuse)
                .map_err(Step::Tls)?;
            send_control(&mut self.tls, sock).await?;
            if self.tls.app_pending() > 0 || self.tls.state() == tls::State::PeerClosed {
                return Ok(());
            }
            receive(&mut self.tls, sock).await
        }

        #[inline(never)]
        async fn write_inner(&mut self, data: &[u8]) -> Result<usize, Error> {
            self.live()?;
            if data.is_empty() {
                return Ok(0);
            }
            let cap = self.stage_capacity();
            if self.staged >= cap {
                self.flush_staged().await?;
            }
            let at = tls::HEADER_LEN + self.staged;
            let n = data.len().min(cap - self.staged);
            if let (Some(dst), Some(src)) = (self.write.get_mut(at..at + n), data.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.staged += n;
            if self.staged >= cap {
                self.flush_staged().await?;
            }
            Ok(n)
        }
    }

    impl<M: Sockets> crate::session::asynch::TlsSession for HostSession<'_, '_, M> {
        fn info(&self) -> SessionInfo {
            HostSession::info(self)
        }
        async fn close(self) -> Result<(), Error> {
            HostSession::close(self).await
        }
    }

    impl<M: Sockets> embedded_io_async::ErrorType for HostSession<'_, '_, M> {
        type Error = Error;
    }

    impl<M: Sockets> embedded_io_async::Read for HostSession<'_, '_, M> {
        /// Blocks until data arrives; `Ok(0)` once the server sent close_notify.
        /// A connection that ends without close_notify is an error
        /// ([`crate::modem::ModemError::Closed`]): the data may have been truncated.
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            self.read_inner(buf).await
        }
    }

    impl<M: Sockets> embedded_io_async::Write for HostSession<'_, '_, M> {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
            self.write_inner(buf).await
        }

        async fn flush(&mut self) -> Result<(), Error> {
            self.flush_staged().await
        }
    }
}
