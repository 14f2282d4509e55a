//! An in-process TLS 1.3 echo server on rustls (ring provider), another
//! implementation than OpenSSL's to test against: one thread, connections
//! served one after the other, every wait bounded, stopped on drop.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};

/// How often a blocked read looks at the stop flag.
const POLL: Duration = Duration::from_millis(25);
/// A connection idle this long is dropped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Options for [`RustlsEcho::spawn`].
#[derive(Clone, Debug)]
pub struct RustlsOpts {
    /// Leaf first, then the chain to send (PEM).
    pub chain_pem: Vec<u8>,
    /// Leaf key (PEM: PKCS#8, SEC1 or PKCS#1).
    pub key_pem: Vec<u8>,
    /// rustls' `max_fragment_size`: the largest record (plaintext plus
    /// overhead) the server sends; `None` for 16 KiB.
    pub max_fragment_size: Option<usize>,
}

impl RustlsOpts {
    /// Default record size.
    pub fn new(chain_pem: &[u8], key_pem: &[u8]) -> Self {
        RustlsOpts {
            chain_pem: chain_pem.to_vec(),
            key_pem: key_pem.to_vec(),
            max_fragment_size: None,
        }
    }
}

/// What the server saw of one connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RustlsConn {
    /// The negotiated cipher suite (IANA code), once the handshake ended.
    pub suite: Option<u16>,
    /// Application data bytes received (and echoed).
    pub echoed: usize,
    /// The client sent close_notify.
    pub close_notify: bool,
    /// Why the connection ended otherwise (a TLS or I/O error).
    pub error: Option<String>,
}

/// An echo server: every byte of application data is sent back; the
/// client's close_notify is answered with close_notify.
pub struct RustlsEcho {
    port: u16,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<RustlsConn>>>,
    thread: Option<JoinHandle<()>>,
}

impl RustlsEcho {
    /// Listen on a free port of 127.0.0.1, TLS 1.3 only.
    pub fn spawn(opts: &RustlsOpts) -> io::Result<RustlsEcho> {
        let certs = CertificateDer::pem_slice_iter(&opts.chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(io::Error::other)?;
        let key = PrivateKeyDer::from_pem_slice(&opts.key_pem).map_err(io::Error::other)?;
        // Deprecated for lacking post-quantum groups, which the client
        // under test (P-256 only) does not offer anyway; ring builds
        // quickly everywhere.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(io::Error::other)?;
        cfg.max_fragment_size = opts.max_fragment_size;
        let cfg = Arc::new(cfg);
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, log) = (stop.clone(), log.clone());
            thread::Builder::new()
                .name(format!("testkit-rustls-{port}"))
                .spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match listener.accept() {
                            Ok((tcp, _)) => {
                                let rec = serve(tcp, &cfg, &stop);
                                log.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
                            }
                            Err(_) => thread::sleep(POLL / 2),
                        }
                    }
                })?
        };
        Ok(RustlsEcho {
            port,
            stop,
            log,
            thread: Some(thread),
        })
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The connections that ended so far.
    pub fn connections(&self) -> Vec<RustlsConn> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Wait (at most `timeout`) until `n` connections ended; returns them
    /// all (fewer on timeout).
    pub fn wait_connections(&self, n: usize, timeout: Duration) -> Vec<RustlsConn> {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.connections();
            if log.len() >= n || Instant::now() >= deadline {
                return log;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl std::fmt::Debug for RustlsEcho {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustlsEcho")
            .field("port", &self.port)
            .finish()
    }
}

impl Drop for RustlsEcho {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One connection, to its end.
fn serve(mut tcp: TcpStream, cfg: &Arc<ServerConfig>, stop: &AtomicBool) -> RustlsConn {
    let mut rec = RustlsConn::default();
    let r = serve_inner(&mut tcp, cfg, stop, &mut rec);
    if let Err(e) = r {
        rec.error = Some(e.to_string());
    }
    rec
}

fn serve_inner(
    tcp: &mut TcpStream,
    cfg: &Arc<ServerConfig>,
    stop: &AtomicBool,
    rec: &mut RustlsConn,
) -> io::Result<()> {
    tcp.set_nonblocking(false)?;
    tcp.set_read_timeout(Some(POLL))?;
    tcp.set_write_timeout(Some(Duration::from_secs(5)))?;
    let _ = tcp.set_nodelay(true);
    let mut conn = ServerConnection::new(Arc::clone(cfg)).map_err(io::Error::other)?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut last = Instant::now();
    loop {
        while conn.wants_write() {
            conn.write_tls(tcp)?;
        }
        if rec.close_notify {
            return Ok(());
        }
        if stop.load(Ordering::SeqCst) {
            return Err(io::Error::other("server stopped"));
        }
        if last.elapsed() > IDLE_TIMEOUT {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "idle"));
        }
        match conn.read_tls(tcp) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "TCP closed without close_notify",
                ));
            }
            Ok(_) => last = Instant::now(),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if let Err(e) = conn.process_new_packets() {
            // The alert for it goes out before the error is reported.
            while conn.wants_write() {
                if conn.write_tls(tcp).is_err() {
                    break;
                }
            }
            return Err(io::Error::other(e));
        }
        if !conn.is_handshaking() {
            rec.suite = conn.negotiated_cipher_suite().map(|s| u16::from(s.suite()));
        }
        loop {
            match conn.reader().read(&mut buf) {
                Ok(0) => {
                    rec.close_notify = true;
                    conn.send_close_notify();
                    break;
                }
                Ok(n) => {
                    conn.writer().write_all(&buf[..n])?;
                    rec.echoed += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
    }
}
