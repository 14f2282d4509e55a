//! The async port's std pieces (features `std` + `async`), for tools and
//! tests on a host: a TCP connection as an `embedded_io_async` UART and
//! the std clock, which [`IoPort`](super::asynch::IoPort) joins into a
//! port. Both poll: a future that cannot finish yet wakes its task at once
//! (the host has no UART interrupt to wait for), which suits a simple
//! executor that polls in a loop.

use super::asynch::Clock;
use core::future::poll_fn;
use core::task::{Context, Poll};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

/// A TCP connection (the modem simulator's UART, or a serial-to-TCP
/// bridge) as an `embedded_io_async` byte stream. Its `read` is
/// cancel-safe: bytes are taken from the socket only when the read
/// completes.
pub struct TcpUart {
    stream: TcpStream,
}

impl TcpUart {
    /// Connect to `addr`.
    pub fn connect<A: ToSocketAddrs>(addr: A) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        Ok(Self { stream })
    }
}

/// A non-blocking call's result as a poll: "would block" is pending (the
/// task woken at once, to try again).
fn ready(r: std::io::Result<usize>, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
    match r {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        r => Poll::Ready(r),
    }
}

impl embedded_io_async::ErrorType for TcpUart {
    type Error = std::io::Error;
}

impl embedded_io_async::Read for TcpUart {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        poll_fn(|cx| ready(self.stream.read(buf), cx)).await
    }
}

impl embedded_io_async::Write for TcpUart {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, std::io::Error> {
        poll_fn(|cx| ready(self.stream.write(buf), cx)).await
    }

    async fn flush(&mut self) -> Result<(), std::io::Error> {
        Ok(())
    }
}

/// Milliseconds since the clock was made.
pub struct StdClock {
    start: Instant,
}

impl StdClock {
    /// A clock starting at 0 now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Default for StdClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for StdClock {
    fn now_ms(&mut self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn sleep_until(&mut self, at_ms: u64) {
        poll_fn(|cx| {
            if self.now_ms() >= at_ms {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }
}
