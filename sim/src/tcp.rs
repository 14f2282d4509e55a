//! One network socket of the simulated modem (raw TCP or SSL client): a
//! thread that connects, optionally runs the firmware TLS handshake, then
//! moves bytes between the network and the modem's receive buffer, with
//! latency and backpressure.
//!
//! Receive buffer ([`crate::SimConfig::recv_buffer`], default
//! [`RECV_CAP`]): the thread reads from the real socket only while the
//! buffer (plus the bytes still in flight through the simulated latency)
//! has room. When the host does not read (`AT+QIRD`/`AT+QSSLRECV`) the
//! buffer fills, the thread stops reading, the host kernel's socket
//! buffers fill and TCP flow control stops the server: no byte is lost,
//! the server just waits, as on a BG96. With [`RecvPolicy::drop_when_full`]
//! (the BC66/BC660K) the thread reads on, says [`NetEvent::BuffFull`] once
//! when the buffer fills and drops what does not fit: no flow control. The
//! buffer holds decrypted bytes on an SSL socket; the TLS records waiting
//! in OpenSSL are not counted.
//!
//! Send buffer ([`crate::SimConfig::send_buffer`], default [`SEND_CAP`]):
//! data accepted by `SEND OK` and not yet written to the network. A send
//! that does not fit answers `SEND FAIL`. It only fills when the network
//! does not take the data: a high latency, or a peer that stopped reading
//! ([`crate::SimControl::peers_stop_reading`], which makes the threads
//! write nothing, as a zero TCP window would).

use crate::shared::{lock, Shared};
use crate::tls::{self, SslCtxCfg};
use openssl::ssl::SslStream;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Default receive buffer size per socket; the socket stops reading from
/// the network when it is full (TCP backpressure, see the module doc).
pub const RECV_CAP: usize = 64 * 1024;

/// Default send buffer size per socket: data accepted and not yet written
/// to the network (size assumed [?]; the manuals give none).
pub const SEND_CAP: usize = 64 * 1024;

/// TCP connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which command family owns a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `AT+QIOPEN` connectID.
    Tcp,
    /// `AT+QSSLOPEN` clientID.
    Ssl,
}

/// Data received from the network, waiting for `AT+QIRD`/`AT+QSSLRECV`.
#[derive(Debug, Default)]
pub struct RecvBuf {
    /// Unread bytes.
    pub data: VecDeque<u8>,
    /// The peer closed (or the connection broke) and everything before it
    /// has been delivered to `data`.
    pub eof: bool,
    /// Total bytes received into the buffer.
    pub total_rcvd: u64,
    /// Total bytes read out by the host.
    pub total_read: u64,
    /// Bytes dropped because the buffer was full (drop policy only).
    pub dropped: u64,
    /// `buff full` was reported and the buffer has not been read since.
    pub full_reported: bool,
}

/// State shared between the session and a socket thread.
#[derive(Debug, Default)]
pub struct SockShared {
    /// Receive side.
    pub recv: Mutex<RecvBuf>,
    /// Data to send: (not before, bytes).
    pub send: Mutex<VecDeque<(Instant, Vec<u8>)>>,
    /// Total bytes accepted by `QISEND`/`QSSLSEND`.
    pub total_sent: Mutex<u64>,
    /// Tells the thread to flush and close.
    pub stop: AtomicBool,
}

/// Which socket an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockRef {
    /// Socket family.
    pub kind: Kind,
    /// connectID / clientID.
    pub id: u8,
    /// Generation of the id (events of a closed socket are ignored).
    pub gen: u64,
}

/// Why an open failed, for the dialect to turn into its error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenFail {
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The firmware could not set up its TLS client before any ClientHello
    /// (a CA or key that does not parse, a missing file): the reason,
    /// starting with what failed (`cacert: ...`, `clientkey: ...`).
    Setup(String),
    /// The TLS handshake failed.
    Handshake(tls::Failure),
}

/// What a socket thread reports to the session.
#[derive(Debug)]
pub enum NetEvent {
    /// Connect (and handshake) finished: local port, or why not.
    Opened(SockRef, Result<u16, OpenFail>),
    /// The receive buffer went from empty to non-empty.
    Recv(SockRef),
    /// The receive buffer filled up (drop policy: later data is dropped).
    BuffFull(SockRef),
    /// The connection closed (all data before it is in the buffer).
    Closed(SockRef),
}

/// What to connect to.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    /// Socket family.
    pub kind: Kind,
    /// connectID / clientID.
    pub id: u8,
    /// Generation (distinguishes reuse of an id).
    pub gen: u64,
    /// Host as given in the command (for SNI and host check).
    pub host: String,
    /// Resolved address.
    pub ip: IpAddr,
    /// Remote port.
    pub port: u16,
    /// SSL context settings (SSL sockets only).
    pub tls: Option<SslCtxCfg>,
    /// What the receive buffer does.
    pub recv: RecvPolicy,
}

/// Size of a socket's receive buffer and what happens when it is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvPolicy {
    /// Capacity in bytes.
    pub cap: usize,
    /// Full: keep reading and drop (`true`, BC66) or stop reading so TCP
    /// flow control holds the peer back (`false`, BG96).
    pub drop_when_full: bool,
}

impl OpenRequest {
    fn sref(&self) -> SockRef {
        SockRef {
            kind: self.kind,
            id: self.id,
            gen: self.gen,
        }
    }
}

enum Stream {
    Tcp(TcpStream),
    Tls(Box<SslStream<tls::RttStream>>),
}

impl Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn close(&mut self) {
        match self {
            Stream::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            Stream::Tls(s) => {
                let _ = s.shutdown();
                let _ = s.get_ref().tcp.shutdown(Shutdown::Both);
            }
        }
    }
}

fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Tcp => "tcp socket",
        Kind::Ssl => "ssl client",
    }
}

/// Starts the thread of one socket.
pub fn spawn(
    shared: Arc<Shared>,
    req: OpenRequest,
    sock: Arc<SockShared>,
    events: Sender<NetEvent>,
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("sim-{}-{}", label(req.kind), req.id))
        .spawn(move || run(&shared, &req, &sock, &events))
}

fn run(shared: &Shared, req: &OpenRequest, sock: &SockShared, events: &Sender<NetEvent>) {
    let who = format!(
        "{} {} -> {}:{}",
        label(req.kind),
        req.id,
        req.host,
        req.port
    );
    let opened = |result| {
        let _ = events.send(NetEvent::Opened(req.sref(), result));
    };
    let latency = shared.cfg.latency_ms;
    if latency > 0 && !shared.sleep_ms(latency, &sock.stop) {
        return;
    }
    let addr = SocketAddr::new(req.ip, req.port);
    let tcp = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
        Ok(t) => t,
        Err(e) => {
            shared.log(&format!("{who}: TCP connect to {addr} failed: {e}"));
            opened(Err(OpenFail::Connect));
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let local_port = tcp.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut stream = match &req.tls {
        None => {
            shared.log(&format!("{who}: TCP connected (local port {local_port})"));
            Stream::Tcp(tcp)
        }
        Some(cfg) => {
            let prepared = match tls::prepare_with(
                cfg,
                &shared.cfg.profile.tls(),
                &shared.files,
                &req.host,
                shared.network_now(),
            ) {
                Ok(p) => p,
                Err(e) => {
                    shared.log(&format!(
                        "{who}: TLS setup failed before the handshake: {e}"
                    ));
                    let _ = tcp.shutdown(Shutdown::Both);
                    opened(Err(OpenFail::Setup(e)));
                    return;
                }
            };
            shared.log(&format!("{who}: TLS handshake: {}", prepared.offer));
            let deadline =
                Instant::now() + Duration::from_secs(u64::from(cfg.negotiatetime.clamp(10, 300)));
            let stop = || shared.stopping() || sock.stop.load(Ordering::Relaxed);
            let rtt = Duration::from_millis(2 * u64::from(shared.cfg.latency_ms));
            let tcp = tls::RttStream::new(tcp, rtt);
            match tls::handshake(prepared.ssl, prepared.verify, tcp, deadline, &stop) {
                Ok((s, desc)) => {
                    shared.log(&format!(
                        "{who}: TLS handshake OK: {desc}; {}",
                        if prepared.sni_sent {
                            "sni sent"
                        } else {
                            "sni not sent"
                        }
                    ));
                    Stream::Tls(Box::new(s))
                }
                Err(e) => {
                    shared.log(&format!(
                        "{who}: TLS handshake FAILED: {e}; {}",
                        if prepared.sni_sent {
                            "sni sent"
                        } else {
                            "sni not sent"
                        }
                    ));
                    opened(Err(OpenFail::Handshake(e.kind)));
                    return;
                }
            }
        }
    };
    {
        let t = match &stream {
            Stream::Tcp(s) => s,
            Stream::Tls(s) => &s.get_ref().tcp,
        };
        let _ = t.set_read_timeout(Some(Duration::from_millis(10)));
        let _ = t.set_write_timeout(Some(Duration::from_millis(100)));
    }
    opened(Ok(local_port));
    pump(shared, req, sock, events, &mut stream, &who);
    stream.close();
}

/// Writes due data; returns false when the connection broke. Writes
/// nothing while the peers do not read.
fn write_due(shared: &Shared, stream: &mut Stream, sock: &SockShared, ignore_due: bool) -> bool {
    if shared.peers_not_reading.load(Ordering::Relaxed) {
        return true;
    }
    let now = Instant::now();
    loop {
        let mut q = lock(&sock.send);
        let Some((due, data)) = q.front_mut() else {
            return true;
        };
        if !ignore_due && *due > now {
            return true;
        }
        match stream.write(data) {
            Ok(0) => return false,
            Ok(n) if n >= data.len() => {
                q.pop_front();
            }
            Ok(n) => {
                data.drain(..n);
            }
            Err(e) if transient(&e) => return true,
            Err(_) => return false,
        }
    }
}

fn pump(
    shared: &Shared,
    req: &OpenRequest,
    sock: &SockShared,
    events: &Sender<NetEvent>,
    stream: &mut Stream,
    who: &str,
) {
    let latency = Duration::from_millis(u64::from(shared.cfg.latency_ms));
    let mut incoming: VecDeque<(Instant, Vec<u8>)> = VecDeque::new();
    let mut incoming_len = 0usize;
    let mut eof = false;
    let mut reported = false;
    let mut broken = false;
    let mut tmp = vec![0u8; 4096];
    loop {
        if shared.stopping() {
            return;
        }
        if sock.stop.load(Ordering::Relaxed) {
            // Flush what the host already sent (bounded), then close.
            let end = Instant::now() + Duration::from_secs(1);
            while !broken
                && !lock(&sock.send).is_empty()
                && Instant::now() < end
                && !shared.stopping()
                && !shared.peers_not_reading.load(Ordering::Relaxed)
            {
                if !write_due(shared, stream, sock, true) {
                    break;
                }
            }
            return;
        }
        if !broken && !write_due(shared, stream, sock, false) {
            broken = true;
            eof = true;
            shared.log(&format!("{who}: send failed, connection broken"));
        }
        let now = Instant::now();
        while incoming.front().is_some_and(|(due, _)| *due <= now) {
            let Some((_, chunk)) = incoming.pop_front() else {
                break;
            };
            incoming_len -= chunk.len();
            let (was_empty, now_full) = {
                let mut r = lock(&sock.recv);
                let was_empty = r.data.is_empty();
                let room = req.recv.cap.saturating_sub(r.data.len());
                let keep = chunk.len().min(room);
                r.total_rcvd += keep as u64;
                r.data.extend(&chunk[..keep]);
                let lost = chunk.len() - keep;
                if lost > 0 {
                    r.dropped += lost as u64;
                    shared.log(&format!("{who}: receive buffer full, {lost} bytes dropped"));
                }
                let now_full = r.data.len() >= req.recv.cap && !r.full_reported;
                if now_full {
                    r.full_reported = true;
                }
                (was_empty && keep > 0, now_full && req.recv.drop_when_full)
            };
            if was_empty {
                let _ = events.send(NetEvent::Recv(req.sref()));
            }
            if now_full {
                let _ = events.send(NetEvent::BuffFull(req.sref()));
            }
        }
        let room = if req.recv.drop_when_full {
            tmp.len()
        } else {
            req.recv
                .cap
                .saturating_sub(lock(&sock.recv).data.len() + incoming_len)
        };
        if !eof && room > 0 {
            let n = room.min(tmp.len());
            match stream.read(&mut tmp[..n]) {
                Ok(0) => {
                    eof = true;
                    shared.log(&format!("{who}: peer closed"));
                }
                Ok(n) => {
                    incoming_len += n;
                    incoming.push_back((Instant::now() + latency, tmp[..n].to_vec()));
                }
                Err(e) if transient(&e) => {}
                Err(e) => {
                    eof = true;
                    shared.log(&format!("{who}: connection error: {e}"));
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis(5));
        }
        if eof && incoming.is_empty() && !reported {
            reported = true;
            lock(&sock.recv).eof = true;
            let _ = events.send(NetEvent::Closed(req.sref()));
        }
    }
}
