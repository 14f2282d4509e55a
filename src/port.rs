//! The port: what the library needs from the board.
//!
//! A port moves bytes over the modem's UART and tells the time. Everything
//! above it is sans-IO or loops over it; nothing else touches hardware.

/// Why a port operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortError {
    /// The UART (or the stream standing in for it) reported an I/O error.
    Io,
    /// The other end is gone (a simulator connection closed, a USB serial device unplugged).
    Closed,
}

impl PortError {
    /// A sentence a person can act on.
    pub fn cause(&self) -> &'static str {
        match self {
            PortError::Io => "UART I/O error: check the serial wiring, baud rate and flow control",
            PortError::Closed => "UART closed: the modem (or simulator) connection went away",
        }
    }
}

/// Byte transport to the modem plus a monotonic millisecond clock.
///
/// Implement this for your UART driver. `read` must return `Ok(0)` when
/// `timeout_ms` passes with no byte; it may return as soon as at least one
/// byte is available.
///
/// ```
/// use modemtls::port::{Port, PortError};
/// struct Loopback { buf: [u8; 64], len: usize, t: u64 }
/// impl Port for Loopback {
///     fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
///         let n = data.len().min(self.buf.len() - self.len);
///         self.buf[self.len..self.len + n].copy_from_slice(&data[..n]);
///         self.len += n;
///         Ok(())
///     }
///     fn read(&mut self, buf: &mut [u8], _timeout_ms: u32) -> Result<usize, PortError> {
///         let n = buf.len().min(self.len);
///         buf[..n].copy_from_slice(&self.buf[..n]);
///         self.buf.copy_within(n..self.len, 0);
///         self.len -= n;
///         self.t += 1;
///         Ok(n)
///     }
///     fn now_ms(&mut self) -> u64 { self.t }
/// }
/// let mut p = Loopback { buf: [0; 64], len: 0, t: 0 };
/// p.write_all(b"AT\r").unwrap();
/// let mut b = [0u8; 8];
/// assert_eq!(p.read(&mut b, 10).unwrap(), 3);
/// ```
pub trait Port {
    /// Write all of `data` to the UART.
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError>;
    /// Read what is available into `buf`, waiting at most `timeout_ms` for the first byte.
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError>;
    /// Monotonic milliseconds since an arbitrary start.
    fn now_ms(&mut self) -> u64;
    /// Wall-clock time (seconds since the Unix epoch, UTC) from a trusted
    /// real-time clock, if the board has one. The default says none; the
    /// host TLS path then reads the modem's network clock (`AT+CCLK?`).
    fn unix_time(&mut self) -> Option<u64> {
        None
    }
}

impl<T: Port + ?Sized> Port for &mut T {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        (**self).write_all(data)
    }
    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        (**self).read(buf, timeout_ms)
    }
    fn now_ms(&mut self) -> u64 {
        (**self).now_ms()
    }
    fn unix_time(&mut self) -> Option<u64> {
        (**self).unix_time()
    }
}

/// The blocking port, under the name the dual-compiled modules use (the
/// blocking twin of `asynch::Port`): the same trait as [`Port`].
pub mod blocking {
    pub use super::Port;
}

#[cfg(feature = "async")]
#[allow(async_fn_in_trait)]
pub mod asynch;

#[cfg(all(feature = "std", feature = "async"))]
mod std_async;
#[cfg(all(feature = "std", feature = "async"))]
pub use std_async::{StdClock, TcpUart};
#[cfg(feature = "std")]
mod std_port;
#[cfg(feature = "std")]
pub use std_port::TcpPort;
