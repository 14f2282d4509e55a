//! The simulated UART: a TCP connection, optionally throttled to a baud
//! rate (8N1: 10 bit times per byte) in both directions.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long one read waits for input before the session loop runs again.
pub const POLL: Duration = Duration::from_millis(5);

/// One UART connection.
#[derive(Debug)]
pub struct Uart {
    stream: TcpStream,
    baud: Option<u32>,
    out_next: Instant,
    in_next: Instant,
}

impl Uart {
    /// Wraps an accepted connection.
    pub fn new(stream: TcpStream, baud: Option<u32>) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL))?;
        stream.set_write_timeout(Some(Duration::from_millis(100)))?;
        let now = Instant::now();
        Ok(Uart {
            stream,
            baud: baud.filter(|&b| b > 0),
            out_next: now,
            in_next: now,
        })
    }

    /// Time to move `n` bytes at the configured baud rate.
    fn wire_time(&self, n: usize) -> Duration {
        match self.baud {
            Some(b) => Duration::from_micros((n as u64 * 10 * 1_000_000) / u64::from(b)),
            None => Duration::ZERO,
        }
    }

    /// Bytes per throttled chunk (about 20 ms of line time).
    fn chunk(&self) -> usize {
        match self.baud {
            Some(b) => ((b / 10 / 50) as usize).max(1),
            None => 64 * 1024,
        }
    }

    fn wait_until(t: Instant) {
        let now = Instant::now();
        if t > now {
            std::thread::sleep(t - now);
        }
    }

    /// Writes all of `data` (throttled). `stop` is polled while the peer does
    /// not read; an error means the connection is gone.
    pub fn write(&mut self, data: &[u8], stop: &dyn Fn() -> bool) -> io::Result<()> {
        let chunk = self.chunk();
        for piece in data.chunks(chunk) {
            Self::wait_until(self.out_next);
            let mut rest = piece;
            while !rest.is_empty() {
                match self.stream.write(rest) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => rest = &rest[n..],
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock
                                | io::ErrorKind::TimedOut
                                | io::ErrorKind::Interrupted
                        ) =>
                    {
                        if stop() {
                            return Err(io::ErrorKind::Interrupted.into());
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            self.out_next = self.out_next.max(Instant::now()) + self.wire_time(piece.len());
        }
        Ok(())
    }

    /// Reads what is there: `Ok(None)` when nothing arrived within [`POLL`],
    /// `Ok(Some(0))` when the host closed the connection.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        Self::wait_until(self.in_next);
        let max = buf.len().min(self.chunk());
        match self.stream.read(&mut buf[..max]) {
            Ok(n) => {
                self.in_next = self.in_next.max(Instant::now()) + self.wire_time(n);
                Ok(Some(n))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Closes the connection.
    pub fn close(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
