//! Plain TCP echo server on 127.0.0.1 for raw-socket tests.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(25);

/// Echoes every byte on every connection (one thread per connection, at most
/// [`TcpEcho::MAX_CONNECTIONS`] in total) until the client closes, a
/// connection is idle for [`TcpEcho::IDLE_TIMEOUT`], or the server is
/// dropped. Drop stops and joins every thread.
pub struct TcpEcho {
    port: u16,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    echoed: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl TcpEcho {
    pub const MAX_CONNECTIONS: usize = 64;
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

    pub fn spawn() -> io::Result<TcpEcho> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let echoed = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, accepted, echoed) = (stop.clone(), accepted.clone(), echoed.clone());
            thread::Builder::new()
                .name(format!("testkit-echo-{port}"))
                .spawn(move || accept_loop(listener, stop, accepted, echoed))?
        };
        Ok(TcpEcho {
            port,
            stop,
            accepted,
            echoed,
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

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Bytes echoed so far, all connections.
    pub fn bytes_echoed(&self) -> usize {
        self.echoed.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for TcpEcho {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpEcho").field("port", &self.port).finish()
    }
}

impl Drop for TcpEcho {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    echoed: Arc<AtomicUsize>,
) {
    let mut conns: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((tcp, _)) if accepted.load(Ordering::SeqCst) < TcpEcho::MAX_CONNECTIONS => {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (stop, echoed) = (stop.clone(), echoed.clone());
                match thread::Builder::new()
                    .name("testkit-echo-conn".into())
                    .spawn(move || echo(tcp, &stop, &echoed))
                {
                    Ok(h) => conns.push(h),
                    Err(_) => continue,
                }
            }
            Ok((tcp, _)) => drop(tcp),
            Err(_) => thread::sleep(POLL / 2),
        }
        conns.retain(|h| !h.is_finished());
    }
    for h in conns {
        let _ = h.join();
    }
}

fn echo(mut tcp: TcpStream, stop: &AtomicBool, echoed: &AtomicUsize) {
    if tcp.set_nonblocking(false).is_err()
        || tcp.set_read_timeout(Some(POLL)).is_err()
        || tcp.set_write_timeout(Some(Duration::from_secs(5))).is_err()
    {
        return;
    }
    let _ = tcp.set_nodelay(true);
    let mut buf = [0u8; 8192];
    let mut last = Instant::now();
    while !stop.load(Ordering::SeqCst) && last.elapsed() < TcpEcho::IDLE_TIMEOUT {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                last = Instant::now();
                if tcp.write_all(&buf[..n]).is_err() {
                    break;
                }
                echoed.fetch_add(n, Ordering::SeqCst);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(ref e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}
