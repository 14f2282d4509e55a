//! In-process TLS server on the `openssl` crate: one thread, one connection
//! at a time, every wait bounded, stopped on drop.

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use openssl::error::ErrorStack;
use openssl::pkey::PKey;
use openssl::sha::Sha256;
use openssl::ssl::{
    ErrorCode, HandshakeError, NameType, ShutdownResult, SniError, Ssl, SslAcceptor, SslAlert,
    SslMethod, SslRef, SslStream, SslVerifyMode, SslVersion,
};
use openssl::stack::Stack;
use openssl::x509::{X509Name, X509NameRef, X509VerifyResult, X509};

use crate::TlsVersions;

/// Socket read timeout: how often a blocked read looks at the stop flag.
const POLL: Duration = Duration::from_millis(25);
/// At most this much of the received application data is kept per record.
pub const RECEIVED_CAP: usize = 64 * 1024;
/// Longest HTTP request head accepted by [`Behaviour::Http`].
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// What the server does with a connection after the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Echoes every byte until the client closes; answers close_notify with
    /// close_notify.
    Echo,
    /// Reads a request up to and including the first `\r\n\r\n`, answers
    /// `HTTP/1.1 200 OK\r\nContent-Length: N\r\nConnection: close\r\n\r\n`
    /// + body, then close_notify and TCP close.
    Http { body: Vec<u8> },
    /// Sends these bytes, then closes TCP *without* close_notify (a
    /// truncated stream).
    SendThenClose(Vec<u8>),
    /// Reads this many bytes of application data, then closes TCP without
    /// close_notify and without answering.
    CloseAfterRead(usize),
    /// Reads `expect` bytes (or until the client closes), then answers
    /// [`sink_reply`] of what it read (`"<count> <sha256 hex>\n"`), then
    /// close_notify.
    Sink { expect: usize },
}

/// The exact answer of [`Behaviour::Sink`] after receiving `data`.
pub fn sink_reply(data: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(data);
    sink_line(data.len(), &h.finish())
}

fn sink_line(count: usize, digest: &[u8; 32]) -> Vec<u8> {
    let mut s = format!("{count} ");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('\n');
    s.into_bytes()
}

/// Options for [`TlsServer::spawn`].
#[derive(Clone, Debug)]
pub struct ServerOpts {
    /// Leaf first, then the chain to send (PEM).
    pub cert_chain_pem: Vec<u8>,
    /// Leaf key (PEM).
    pub key_pem: Vec<u8>,
    pub tls: TlsVersions,
    /// TLS 1.2 cipher string; None: OpenSSL's `DEFAULT` (as `s_server`).
    pub cipher_list: Option<String>,
    /// TLS 1.3 suites; None: OpenSSL's default (AES-256-GCM, ChaCha20,
    /// AES-128-GCM).
    pub ciphersuites: Option<String>,
    /// A ClientHello without SNI, or with another name (compared without
    /// case), is rejected with a fatal `unrecognized_name` alert (as nginx's
    /// `ssl_reject_handshake`), and recorded.
    pub require_sni: Option<String>,
    /// Require a client certificate chaining to one of these PEM
    /// certificates (their subjects are sent as certificate_authorities).
    pub verify_client_ca_pem: Option<Vec<u8>>,
    pub behaviour: Behaviour,
    /// The server stops accepting after this many connections.
    pub max_connections: usize,
    /// A connection with no progress for this long is closed.
    pub idle_timeout: Duration,
    /// A connection is closed after this long, whatever it does.
    pub conn_timeout: Duration,
}

impl ServerOpts {
    /// TLS 1.2 and 1.3, default ciphers, no SNI or client certificate
    /// requirement, [`Behaviour::Echo`], 16 connections, 10 s idle and 60 s
    /// total per connection.
    pub fn new(cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        ServerOpts {
            cert_chain_pem: cert_chain_pem.to_vec(),
            key_pem: key_pem.to_vec(),
            tls: TlsVersions::Both,
            cipher_list: None,
            ciphersuites: None,
            require_sni: None,
            verify_client_ca_pem: None,
            behaviour: Behaviour::Echo,
            max_connections: 16,
            idle_timeout: Duration::from_secs(10),
            conn_timeout: Duration::from_secs(60),
        }
    }

    /// From [`crate::pki::ServerCreds`].
    pub fn from_creds(creds: &crate::pki::ServerCreds) -> Self {
        Self::new(&creds.chain_pem, &creds.key_pem)
    }
}

/// What happened on one accepted connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnRecord {
    pub peer: Option<SocketAddr>,
    /// SNI the client sent (also when the handshake was rejected for it).
    pub sni: Option<String>,
    /// Negotiated version, e.g. `TLSv1.3` (None if the handshake failed).
    pub version: Option<String>,
    /// Negotiated cipher, OpenSSL name (e.g. `TLS_AES_128_GCM_SHA256`,
    /// `ECDHE-RSA-AES128-GCM-SHA256`).
    pub cipher: Option<String>,
    /// Client certificate subject, one-line (`CN=dev1, O=...`).
    pub client_cert_subject: Option<String>,
    /// The session was resumed (a PSK from a ticket this server issued).
    pub resumed: bool,
    /// Why the handshake failed (None on success).
    pub handshake_error: Option<String>,
    /// Application data bytes received / sent.
    pub bytes_in: usize,
    pub bytes_out: usize,
    /// The first [`RECEIVED_CAP`] bytes of application data received.
    pub received: Vec<u8>,
    /// How the connection ended: `peer close_notify`, `peer EOF without
    /// close_notify`, `server close_notify`, `server closed without
    /// close_notify`, `idle timeout`, `stopped`, `error: ...`.
    pub end: String,
}

/// A running in-process TLS server on 127.0.0.1; stops on drop.
pub struct TlsServer {
    port: u16,
    stop: Arc<AtomicBool>,
    records: Arc<Mutex<Vec<ConnRecord>>>,
    thread: Option<JoinHandle<()>>,
}

/// SNI seen by the servername callback, per connection.
struct SniSeen(Option<String>);

fn sni_index() -> openssl::ex_data::Index<Ssl, SniSeen> {
    static IDX: OnceLock<openssl::ex_data::Index<Ssl, SniSeen>> = OnceLock::new();
    *IDX.get_or_init(|| Ssl::new_ex_index().expect("ex_data index"))
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

fn one_line(name: &X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            let val = e.data().to_string().unwrap_or_default();
            format!("{key}={val}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn build_acceptor(opts: &ServerOpts) -> Result<SslAcceptor, io::Error> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).map_err(invalid)?;
    // Same defaults as s_server, so the two servers are interchangeable.
    b.set_cipher_list(opts.cipher_list.as_deref().unwrap_or("DEFAULT"))
        .map_err(invalid)?;
    b.set_ciphersuites(
        opts.ciphersuites.as_deref().unwrap_or(
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
        ),
    )
    .map_err(invalid)?;
    let (min, max) = match opts.tls {
        TlsVersions::Tls12Only => (SslVersion::TLS1_2, SslVersion::TLS1_2),
        TlsVersions::Tls13Only => (SslVersion::TLS1_3, SslVersion::TLS1_3),
        TlsVersions::Both => (SslVersion::TLS1_2, SslVersion::TLS1_3),
    };
    b.set_min_proto_version(Some(min)).map_err(invalid)?;
    b.set_max_proto_version(Some(max)).map_err(invalid)?;

    let certs = X509::stack_from_pem(&opts.cert_chain_pem).map_err(invalid)?;
    let mut it = certs.into_iter();
    let leaf = it
        .next()
        .ok_or_else(|| invalid("no certificate in chain"))?;
    b.set_certificate(&leaf).map_err(invalid)?;
    for c in it {
        b.add_extra_chain_cert(c).map_err(invalid)?;
    }
    let key = PKey::private_key_from_pem(&opts.key_pem).map_err(invalid)?;
    b.set_private_key(&key).map_err(invalid)?;
    b.check_private_key().map_err(invalid)?;

    if let Some(ca_pem) = &opts.verify_client_ca_pem {
        let cas = X509::stack_from_pem(ca_pem).map_err(invalid)?;
        let mut names: Stack<X509Name> = Stack::new().map_err(invalid)?;
        for ca in cas {
            names
                .push(ca.subject_name().to_owned().map_err(invalid)?)
                .map_err(invalid)?;
            b.cert_store_mut().add_cert(ca).map_err(invalid)?;
        }
        b.set_client_ca_list(names);
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    } else {
        b.set_verify(SslVerifyMode::NONE);
    }

    let required = opts.require_sni.clone();
    b.set_servername_callback(move |ssl: &mut SslRef, alert: &mut SslAlert| {
        let sni = ssl.servername(NameType::HOST_NAME).map(str::to_owned);
        let ok = match (&required, &sni) {
            (None, _) => true,
            (Some(want), Some(got)) => want.eq_ignore_ascii_case(got),
            (Some(_), None) => false,
        };
        ssl.set_ex_data(sni_index(), SniSeen(sni));
        if ok {
            Ok(())
        } else {
            *alert = SslAlert::UNRECOGNIZED_NAME;
            Err(SniError::ALERT_FATAL)
        }
    });
    Ok(b.build())
}

impl TlsServer {
    /// Binds 127.0.0.1:0 and serves in one thread until dropped or
    /// `max_connections` connections have been served.
    pub fn spawn(opts: ServerOpts) -> io::Result<TlsServer> {
        let acceptor = build_acceptor(&opts)?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let records = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let stop = Arc::clone(&stop);
            let records = Arc::clone(&records);
            thread::Builder::new()
                .name(format!("testkit-tls-{port}"))
                .spawn(move || serve(listener, acceptor, opts, stop, records))?
        };
        Ok(TlsServer {
            port,
            stop,
            records,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Records of the connections finished so far, in order.
    pub fn connections(&self) -> Vec<ConnRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits (at most `timeout`) until `n` connections have finished, then
    /// returns all records (fewer than `n` on timeout). The server records a
    /// connection when it is done with it, which may be a moment after the
    /// client saw the end.
    pub fn wait_connections(&self, n: usize, timeout: Duration) -> Vec<ConnRecord> {
        let deadline = Instant::now() + timeout;
        loop {
            let r = self.connections();
            if r.len() >= n || Instant::now() >= deadline {
                return r;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServer")
            .field("port", &self.port)
            .finish()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // Every wait in the thread is at most POLL long, so this is quick.
            let _ = t.join();
        }
    }
}

fn serve(
    listener: TcpListener,
    acceptor: SslAcceptor,
    opts: ServerOpts,
    stop: Arc<AtomicBool>,
    records: Arc<Mutex<Vec<ConnRecord>>>,
) {
    let mut served = 0;
    let mut lingering: Vec<JoinHandle<()>> = Vec::new();
    while served < opts.max_connections && !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((tcp, peer)) => {
                served += 1;
                let mut rec = ConnRecord {
                    peer: Some(peer),
                    ..ConnRecord::default()
                };
                let mut conn = Conn {
                    stop: &stop,
                    linger: None,
                    idle: opts.idle_timeout,
                    deadline: Instant::now() + opts.conn_timeout,
                    last: Instant::now(),
                };
                conn.run(tcp, &acceptor, &opts.behaviour, &mut rec);
                records.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
                if let Some(tcp) = conn.linger.take() {
                    let stop = Arc::clone(&stop);
                    if let Ok(h) = thread::Builder::new()
                        .name("testkit-tls-linger".into())
                        .spawn(move || linger(tcp, &stop))
                    {
                        lingering.push(h);
                    }
                }
                lingering.retain(|h| !h.is_finished());
            }
            Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL / 2),
            Err(_) => thread::sleep(POLL / 2),
        }
    }
    drop(listener);
    for h in lingering {
        let _ = h.join();
    }
}

/// After our FIN, reads and discards what the client still sends, until
/// its FIN, 2 s, or stop: closing a socket with unread data makes the kernel
/// send a reset, which can destroy the response the client has not read yet.
/// Runs in its own short-lived thread so that the next connection is not
/// kept waiting; joined when the server stops.
fn linger(mut tcp: TcpStream, stop: &AtomicBool) {
    let until = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 4096];
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        match tcp.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

/// Why a bounded wait gave up.
enum Gave {
    Stopped,
    Idle,
    Deadline,
}

impl Gave {
    fn text(&self) -> String {
        match self {
            Gave::Stopped => "stopped".into(),
            Gave::Idle => "idle timeout".into(),
            Gave::Deadline => "connection timeout".into(),
        }
    }
}

struct Conn<'a> {
    stop: &'a AtomicBool,
    linger: Option<TcpStream>,
    idle: Duration,
    deadline: Instant,
    last: Instant,
}

enum ReadOutcome {
    Data(usize),
    CloseNotify,
    Eof,
    Gave(Gave),
    Error(String),
}

impl Conn<'_> {
    fn check(&self) -> Result<(), Gave> {
        let now = Instant::now();
        if self.stop.load(Ordering::SeqCst) {
            Err(Gave::Stopped)
        } else if now >= self.deadline {
            Err(Gave::Deadline)
        } else if now.duration_since(self.last) >= self.idle {
            Err(Gave::Idle)
        } else {
            Ok(())
        }
    }

    fn run(
        &mut self,
        tcp: TcpStream,
        acceptor: &SslAcceptor,
        behaviour: &Behaviour,
        rec: &mut ConnRecord,
    ) {
        let setup = tcp
            .set_nonblocking(false)
            .and_then(|_| tcp.set_read_timeout(Some(POLL)))
            .and_then(|_| tcp.set_write_timeout(Some(POLL)))
            .and_then(|_| tcp.set_nodelay(true));
        if let Err(e) = setup {
            rec.handshake_error = Some(format!("socket setup: {e}"));
            rec.end = format!("error: {e}");
            return;
        }
        let mut s = match self.handshake(acceptor, tcp, rec) {
            Some(s) => s,
            None => return,
        };
        rec.sni = s
            .ssl()
            .ex_data(sni_index())
            .and_then(|x| x.0.clone())
            .or_else(|| s.ssl().servername(NameType::HOST_NAME).map(str::to_owned));
        rec.version = Some(s.ssl().version_str().to_string());
        rec.cipher = s.ssl().current_cipher().map(|c| c.name().to_string());
        rec.resumed = s.ssl().session_reused();
        rec.client_cert_subject = s
            .ssl()
            .peer_certificate()
            .map(|c| one_line(c.subject_name()));
        self.last = Instant::now();
        rec.end = self.behave(&mut s, behaviour, rec);
    }

    fn handshake(
        &mut self,
        acceptor: &SslAcceptor,
        tcp: TcpStream,
        rec: &mut ConnRecord,
    ) -> Option<SslStream<TcpStream>> {
        let fail = |rec: &mut ConnRecord, ssl: Option<&SslRef>, msg: String| {
            if let Some(ssl) = ssl {
                rec.sni = ssl.ex_data(sni_index()).and_then(|x| x.0.clone());
                let v = ssl.verify_result();
                let msg = if v != X509VerifyResult::OK {
                    format!("{msg}; client certificate: {}", v.error_string())
                } else {
                    msg
                };
                rec.handshake_error = Some(msg.clone());
                rec.end = format!("error: {msg}");
            } else {
                rec.handshake_error = Some(msg.clone());
                rec.end = format!("error: {msg}");
            }
        };
        let mut r = acceptor.accept(tcp);
        loop {
            match r {
                Ok(s) => return Some(s),
                Err(HandshakeError::SetupFailure(e)) => {
                    fail(rec, None, format!("setup: {e}"));
                    return None;
                }
                Err(HandshakeError::Failure(mid)) => {
                    let msg = describe(mid.error());
                    fail(rec, Some(mid.ssl()), msg);
                    // The alert is out; FIN and linger so that client data
                    // still in flight does not turn it into a reset.
                    let _ = mid.get_ref().shutdown(Shutdown::Write);
                    self.linger = mid.get_ref().try_clone().ok();
                    return None;
                }
                Err(HandshakeError::WouldBlock(mid)) => {
                    if let Err(g) = self.check() {
                        fail(rec, Some(mid.ssl()), format!("handshake: {}", g.text()));
                        return None;
                    }
                    r = mid.handshake();
                }
            }
        }
    }

    fn read(
        &mut self,
        s: &mut SslStream<TcpStream>,
        buf: &mut [u8],
        rec: &mut ConnRecord,
    ) -> ReadOutcome {
        loop {
            match s.ssl_read(buf) {
                Ok(0) => return ReadOutcome::Eof,
                Ok(n) => {
                    self.last = Instant::now();
                    rec.bytes_in += n;
                    let room = RECEIVED_CAP.saturating_sub(rec.received.len());
                    rec.received.extend_from_slice(&buf[..n.min(room)]);
                    return ReadOutcome::Data(n);
                }
                Err(e) => match e.code() {
                    ErrorCode::ZERO_RETURN => return ReadOutcome::CloseNotify,
                    ErrorCode::WANT_READ | ErrorCode::WANT_WRITE => {
                        if let Err(g) = self.check() {
                            return ReadOutcome::Gave(g);
                        }
                    }
                    ErrorCode::SYSCALL if e.io_error().is_none() => return ReadOutcome::Eof,
                    _ => {
                        let d = describe(&e);
                        if d.contains("unexpected eof") {
                            return ReadOutcome::Eof;
                        }
                        return ReadOutcome::Error(d);
                    }
                },
            }
        }
    }

    fn write(
        &mut self,
        s: &mut SslStream<TcpStream>,
        mut data: &[u8],
        rec: &mut ConnRecord,
    ) -> Result<(), String> {
        while !data.is_empty() {
            match s.ssl_write(data) {
                Ok(n) => {
                    self.last = Instant::now();
                    rec.bytes_out += n;
                    data = &data[n..];
                }
                Err(e) => match e.code() {
                    ErrorCode::WANT_READ | ErrorCode::WANT_WRITE => {
                        self.check().map_err(|g| format!("write: {}", g.text()))?
                    }
                    _ => return Err(format!("error: write: {}", describe(&e))),
                },
            }
        }
        Ok(())
    }

    /// close_notify (unless `notify` is false), then FIN. The socket is kept
    /// for [`linger`].
    fn close(&mut self, s: &mut SslStream<TcpStream>, notify: bool) {
        if notify {
            let until = Instant::now() + Duration::from_secs(1);
            loop {
                match s.shutdown() {
                    Ok(ShutdownResult::Sent) | Ok(ShutdownResult::Received) => break,
                    Err(e)
                        if matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE)
                            && Instant::now() < until
                            && !self.stop.load(Ordering::SeqCst) => {}
                    Err(_) => break,
                }
            }
        }
        let tcp = s.get_mut();
        let _ = tcp.shutdown(Shutdown::Write);
        self.linger = tcp.try_clone().ok();
    }

    fn behave(
        &mut self,
        s: &mut SslStream<TcpStream>,
        behaviour: &Behaviour,
        rec: &mut ConnRecord,
    ) -> String {
        let mut buf = vec![0u8; 16 * 1024];
        match behaviour {
            Behaviour::Echo => loop {
                match self.read(s, &mut buf, rec) {
                    ReadOutcome::Data(n) => {
                        if let Err(e) = self.write(s, &buf[..n], rec) {
                            return e;
                        }
                    }
                    ReadOutcome::CloseNotify => {
                        self.close(s, true);
                        return "peer close_notify".into();
                    }
                    other => return self.ended(s, other),
                }
            },
            Behaviour::Http { body } => {
                let mut head = Vec::new();
                loop {
                    if head.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                    if head.len() > MAX_REQUEST_HEAD {
                        self.close(s, true);
                        return "error: request head too long".into();
                    }
                    match self.read(s, &mut buf, rec) {
                        ReadOutcome::Data(n) => head.extend_from_slice(&buf[..n]),
                        ReadOutcome::CloseNotify => {
                            self.close(s, true);
                            return "peer close_notify before a complete request".into();
                        }
                        other => return self.ended(s, other),
                    }
                }
                let mut resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                resp.extend_from_slice(body);
                if let Err(e) = self.write(s, &resp, rec) {
                    return e;
                }
                self.close(s, true);
                "server close_notify".into()
            }
            Behaviour::SendThenClose(data) => {
                if let Err(e) = self.write(s, data, rec) {
                    return e;
                }
                self.close(s, false);
                "server closed without close_notify".into()
            }
            Behaviour::CloseAfterRead(n) => {
                while rec.bytes_in < *n {
                    let want = (*n - rec.bytes_in).min(buf.len());
                    match self.read(s, &mut buf[..want], rec) {
                        ReadOutcome::Data(_) => {}
                        ReadOutcome::CloseNotify => {
                            self.close(s, true);
                            return "peer close_notify".into();
                        }
                        other => return self.ended(s, other),
                    }
                }
                self.close(s, false);
                "server closed without close_notify".into()
            }
            Behaviour::Sink { expect } => {
                let mut h = Sha256::new();
                let mut count = 0usize;
                let mut how = None;
                while count < *expect {
                    let want = (*expect - count).min(buf.len());
                    match self.read(s, &mut buf[..want], rec) {
                        ReadOutcome::Data(n) => {
                            h.update(&buf[..n]);
                            count += n;
                        }
                        ReadOutcome::CloseNotify => {
                            how = Some("peer close_notify before all data; ");
                            break;
                        }
                        ReadOutcome::Eof => {
                            how = Some("peer EOF before all data; ");
                            break;
                        }
                        other => return self.ended(s, other),
                    }
                }
                let line = sink_line(count, &h.finish());
                // After a bare EOF the peer cannot read the answer; try anyway.
                if let Err(e) = self.write(s, &line, rec) {
                    return format!("{}{e}", how.unwrap_or(""));
                }
                self.close(s, true);
                format!("{}server close_notify", how.unwrap_or(""))
            }
        }
    }

    fn ended(&mut self, s: &mut SslStream<TcpStream>, how: ReadOutcome) -> String {
        match how {
            ReadOutcome::Eof => "peer EOF without close_notify".into(),
            ReadOutcome::Gave(g) => {
                if !matches!(g, Gave::Stopped) {
                    self.close(s, true);
                }
                g.text()
            }
            ReadOutcome::Error(e) => format!("error: {e}"),
            ReadOutcome::Data(_) | ReadOutcome::CloseNotify => "unexpected".into(),
        }
    }
}

fn describe(e: &openssl::ssl::Error) -> String {
    if let Some(stack) = e.ssl_error() {
        return describe_stack(stack);
    }
    if let Some(io) = e.io_error() {
        return format!("io: {io}");
    }
    format!("{e}")
}

fn describe_stack(stack: &ErrorStack) -> String {
    let parts: Vec<String> = stack
        .errors()
        .iter()
        .map(|e| e.reason().unwrap_or("unknown").to_string())
        .collect();
    if parts.is_empty() {
        stack.to_string()
    } else {
        parts.join("; ")
    }
}
