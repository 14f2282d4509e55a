//! A std port over a TCP stream: the simulator's UART, or a serial server.

use super::{Port, PortError};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// A [`Port`] whose UART is a TCP connection (the modem simulator, or a
/// serial-to-TCP bridge such as `ser2net`).
pub struct TcpPort {
    stream: TcpStream,
    start: Instant,
}

impl TcpPort {
    /// Connect to `addr` (e.g. the simulator's `SimHandle::addr()`).
    pub fn connect<A: ToSocketAddrs>(addr: A) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            start: Instant::now(),
        })
    }
}

impl Port for TcpPort {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        self.stream.write_all(data).map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset => PortError::Closed,
            _ => PortError::Io,
        })
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let t = Duration::from_millis(u64::from(timeout_ms.max(1)));
        self.stream
            .set_read_timeout(Some(t))
            .map_err(|_| PortError::Io)?;
        match self.stream.read(buf) {
            Ok(0) => Err(PortError::Closed),
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(0),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Err(PortError::Closed),
            Err(_) => Err(PortError::Io),
        }
    }

    fn now_ms(&mut self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
