//! The host path on `embedded-tls` 0.19 instead of the project's engine
//! (feature `engine-embedded-tls`), kept to compare the two on the same
//! tests. Its limits, which the project's engine does not have: a
//! handshake message split across records fails (OpenSSL
//! `-max_send_frag`, long chains in small records), KeyUpdate and
//! HelloRetryRequest fail, one cipher suite (TLS_AES_128_GCM_SHA256), no
//! resumption, traffic keys not zeroized, and a server that authenticated
//! can make it panic with a post-handshake message other than
//! NewSessionTicket.
//!
//! Every byte from the server passes the [record guard](guard) before
//! `embedded-tls` sees it: RFC 8446's outer record rules (no unencrypted
//! record after ServerHello but one change_cipher_spec, no encrypted record
//! shorter than 17 bytes, ...), so an injected record ends the session with
//! its own cause ([`TlsFailure::UnexpectedRecord`],
//! [`TlsFailure::RecordTampered`]) and the socket closed, never a panic and
//! never a false end of stream. What the guard cannot stop, because it needs
//! the keys: a server that has *authenticated* can still make `embedded-tls`
//! 0.19 panic with an encrypted post-handshake handshake message other than
//! NewSessionTicket.
//!
//! The server is verified by [`crate::pki`] (chain to the configured CA,
//! host name, validity at the port's clock or the modem's network clock)
//! and [`PkiVerifier::check`] runs after the handshake, so a server that
//! skips Certificate/CertificateVerify is refused. SNI is always sent.
//! A P-256 client certificate and key give mutual TLS.
//!
//! # RAM
//!
//! No heap: the caller lends [`HostBuffers`]:
//!
//! | buffer    | size | why |
//! |-----------|------|-----|
//! | `read`    | >= [`MIN_READ_BUF`](super::MIN_READ_BUF) (16,645 B) | one full TLS record (16 KiB + 256, and its header) |
//! | `write`   | >= [`MIN_WRITE_BUF`](super::MIN_WRITE_BUF) (1 KiB; 4 KiB moves bulk data faster) | one outgoing record |
//! | `scratch` | 3/4 of the PEM CA bundle + client certificate + key (DER), 0 for DER without client identity; 4 KiB is typical | decoded credentials during the handshake |
//!
//! After the session, the buffers still hold the last records (the read
//! buffer decrypted plaintext too): wipe them if that matters. The client
//! private key is zeroized when the handshake ends; `embedded-tls` 0.19
//! does not zeroize its traffic keys when the session is dropped.
//!
//! The session keeps about 1.7 KB of its own inside [`EtlsSession`] (key
//! schedule, record state, read-ahead; 1,704 bytes on x86-64). A whole
//! firmware doing a host handshake peaked at about 24 KB of stack on a
//! Cortex-M4 (QEMU, `BENCHMARKS.md`), chain verification alone at 12.7 KB.

mod classify;
pub mod guard;
mod provider;
mod transport;

pub use provider::{host_tls_config, PkiProvider};
pub use transport::{Transport, TransportError, READ_AHEAD};

use embedded_tls::blocking::{Aes128GcmSha256, TlsConnection, TlsContext};
use embedded_tls::UnsecureProvider;

use super::credentials;
use super::{CryptoRngCore, HostBuffers};
#[cfg(doc)]
use crate::error::TlsFailure;
use crate::error::{ConfigError, Error};
use crate::modem::{Sockets, TcpSocket};
use crate::pki::PkiVerifier;
use crate::probe::TlsVersion;
use crate::session::{Path, PathReason, PeerName, SessionConfig, SessionInfo};

/// The cipher suite this engine negotiates (TLS_AES_128_GCM_SHA256).
pub const CIPHER_SUITE: u16 = 0x1301;

type Connection<'m, 'b, M> = TlsConnection<'b, Transport<TcpSocket<'m, M>>, Aes128GcmSha256>;

/// An open host TLS session. Read and write it with
/// [`embedded_io::Read`]/[`embedded_io::Write`] (writes are sent on
/// `flush`); [`EtlsSession::close`] sends close_notify and closes the socket
/// (dropping it closes the socket without close_notify).
///
/// A TLS error (a refused or damaged record, an alert, an undecodable
/// message) ends the session: the socket is closed at once and every later
/// read or write returns the same error. Modem errors (a timeout, a lost
/// PDP context) leave it as it is.
pub struct EtlsSession<'m, 'b, M: Sockets> {
    /// `None` once a TLS error ended the session.
    tls: Option<Connection<'m, 'b, M>>,
    info: SessionInfo,
    closed: bool,
    failed: Option<Error>,
}

/// The guard's verdict from the transport inside `tls`, which is taken and
/// closed without sending anything: the transport refuses writes once its
/// guard failed, so `close()` writes no close_notify then. Only called
/// when the guard failed. Out of line and through a reference, so the
/// error path adds no second copy of the connection to the handshake's
/// frame.
#[inline(never)]
fn guard_verdict<M: Sockets>(tls: &mut Option<Connection<'_, '_, M>>) -> Option<guard::GuardError> {
    let transport = match tls.take()?.close() {
        Ok(t) | Err((t, _)) => t,
    };
    let verdict = transport.guard();
    // Best effort: the session already failed for the guard's reason.
    let _ = transport.close();
    verdict
}

/// Whether `e` is the transport reporting a guard refusal.
fn is_guard(e: &embedded_tls::TlsError) -> bool {
    matches!(
        e,
        embedded_tls::TlsError::Io(embedded_io::ErrorKind::InvalidData)
    )
}

/// Open a host TLS session to `cfg.host:cfg.port` over a raw TCP socket of
/// `modem`. `rng` must be a cryptographically secure generator (it makes
/// the key share and the ClientHello random).
pub fn connect<'m: 'b, 'b, M: Sockets + 'm, R: CryptoRngCore>(
    modem: &'m mut M,
    cfg: &SessionConfig<'_>,
    rng: &mut R,
    bufs: HostBuffers<'b>,
) -> Result<EtlsSession<'m, 'b, M>, Error> {
    credentials::check(cfg, &bufs)?;
    if cfg.insecure_no_verify && cfg.client.is_some() {
        // The unverified provider of embedded-tls cannot present a client
        // certificate; mutual TLS without verifying the server is refused.
        return Err(Error::Config(ConfigError::ModeUnavailable));
    }
    let validity = credentials::blocking::validity(modem, cfg)?;
    let creds = credentials::decode(cfg, bufs.scratch)?;
    let client = creds.client;
    let anchors = creds.anchors;
    let mut verifier = PkiVerifier::new(anchors.as_slice(), validity);

    let sock = TcpSocket::connect(modem, cfg.host, cfg.port)?;
    // Each read of the handshake is bounded by the driver's data timeout
    // (`Timeouts::data_ms`); `handshake_timeout_s` bounds the offloaded path.
    let transport = Transport::new(sock);
    let mut tls: Option<Connection<'m, 'b, M>> =
        Some(TlsConnection::new(transport, bufs.read, bufs.write));
    let Some(conn) = tls.as_mut() else {
        return Err(Error::Closed);
    };
    let config = host_tls_config(cfg.host);
    let opened = if cfg.insecure_no_verify {
        conn.open(TlsContext::new(
            &config,
            UnsecureProvider::new::<Aes128GcmSha256>(&mut *rng),
        ))
        .map(|()| Ok(()))
    } else {
        let mut provider = PkiProvider::new(&mut *rng, &mut verifier);
        if let Some(id) = client.as_ref() {
            provider = provider.with_client_identity(id);
        }
        conn.open(TlsContext::new(&config, provider))
            .map(|()| verifier.check())
    };
    let outcome = match opened {
        // Handshake done and (unless insecure) the server authenticated.
        Ok(Ok(())) => Ok(()),
        Ok(Err(pki)) => Err(classify::certificate(pki)),
        Err(e) if is_guard(&e) => {
            let verdict = guard_verdict(&mut tls);
            return Err(classify::handshake(e, verdict, verifier.error()));
        }
        Err(e) => Err(classify::handshake(e, None, verifier.error())),
    };
    match outcome {
        Ok(()) => Ok(EtlsSession {
            tls,
            info: SessionInfo {
                path: Path::Host,
                reason: PathReason::Requested,
                tls_version: Some(TlsVersion::Tls13),
                cipher_suite: Some(CIPHER_SUITE),
                verified: !cfg.insecure_no_verify,
                hostname_checked: !cfg.insecure_no_verify,
                fallback_from: None,
                peer: PeerName::new(verifier.peer_common_name()),
                resumed: false,
            },
            closed: false,
            failed: None,
        }),
        Err(e) => {
            // Dropping the connection closes the socket.
            drop(tls);
            Err(e)
        }
    }
}

impl<'m, 'b, M: Sockets> EtlsSession<'m, 'b, M> {
    /// Path, reason and parameters of this session.
    pub fn info(&self) -> SessionInfo {
        self.info
    }

    /// Send close_notify (best effort: a server that already closed the
    /// connection cannot receive it) and close the modem socket; an error
    /// means the modem did not free the socket.
    // Out of line: closing moves the connection, and a caller that closes
    // either path (e.g. `auto::Session::close`) need not hold room for that.
    #[inline(never)]
    pub fn close(self) -> Result<(), Error> {
        // After a TLS error the socket is already closed.
        let Some(tls) = self.tls else { return Ok(()) };
        let transport = match tls.close() {
            Ok(t) => t,
            Err((t, _)) => t,
        };
        transport.close().map_err(Error::from)
    }

    /// The connection, or the error that ended it.
    fn live(&mut self) -> Result<&mut Connection<'m, 'b, M>, Error> {
        match (self.tls.as_mut(), self.failed) {
            (Some(tls), _) => Ok(tls),
            (None, failed) => Err(failed.unwrap_or(Error::Closed)),
        }
    }

    /// What a failed read or write means. A TLS error ends the session
    /// (socket closed, the error kept); a modem error does not.
    #[inline(never)]
    fn fail(&mut self, e: embedded_tls::TlsError) -> Error {
        let guarded = is_guard(&e);
        if matches!(e, embedded_tls::TlsError::Io(_)) && !guarded {
            return classify::io(e, None);
        }
        let verdict = if guarded {
            guard_verdict(&mut self.tls)
        } else {
            // Dropping the connection closes the socket, sending nothing.
            self.tls = None;
            None
        };
        let err = classify::io(e, verdict);
        self.failed = Some(err);
        err
    }
}

impl<M: Sockets> crate::session::TlsSession for EtlsSession<'_, '_, M> {
    fn info(&self) -> SessionInfo {
        EtlsSession::info(self)
    }
    fn close(self) -> Result<(), Error> {
        EtlsSession::close(self)
    }
}

impl<M: Sockets> embedded_io::ErrorType for EtlsSession<'_, '_, M> {
    type Error = Error;
}

impl<M: Sockets> embedded_io::Read for EtlsSession<'_, '_, M> {
    /// Blocks until data arrives; `Ok(0)` once the server sent close_notify.
    /// A connection that ends without close_notify is an error
    /// ([`crate::modem::ModemError::Closed`]): the data may have been truncated.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.io(Op::Read(buf))
    }
}

impl<M: Sockets> embedded_io::Write for EtlsSession<'_, '_, M> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        self.io(Op::Write(buf))
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.io(Op::Flush).map(drop)
    }
}

/// One application call on a host session.
enum Op<'x> {
    Read(&'x mut [u8]),
    Write(&'x [u8]),
    Flush,
}

impl<M: Sockets> EtlsSession<'_, '_, M> {
    /// Every read, write and flush: one out-of-line copy in the image
    /// instead of three inlined into the application's code.
    #[inline(never)]
    fn io(&mut self, op: Op<'_>) -> Result<usize, Error> {
        let reading = matches!(op, Op::Read(_));
        if self.closed && reading {
            return Ok(0);
        }
        let tls = self.live()?;
        let r = match op {
            Op::Read(buf) => tls.read(buf),
            Op::Write(buf) => tls.write(buf),
            Op::Flush => tls.flush().map(|()| 0),
        };
        match r {
            Ok(n) => Ok(n),
            Err(embedded_tls::TlsError::ConnectionClosed) if reading => {
                self.closed = true;
                Ok(0)
            }
            Err(e) => Err(self.fail(e)),
        }
    }
}
