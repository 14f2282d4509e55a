//! The byte stream under `embedded-tls`: a modem TCP socket with a small
//! read-ahead and the [record guard](super::guard) on every byte the engine
//! is handed.
//!
//! `embedded-tls` reads a 5-byte record header, then the record body. Each
//! read of a modem socket is one `AT+QIRD` exchange (about 40 bytes of AT
//! framing), so the header read asks the modem for up to [`READ_AHEAD`]
//! bytes and keeps the rest; body reads of at least that size go straight
//! into the caller's buffer.
//!
//! The guard checks the bytes as they are handed to the engine (not as they
//! arrive), so records before a forbidden one are still delivered, and the
//! engine never holds a whole header the guard refused. After a refusal the
//! transport reads and writes nothing more: the engine gets
//! [`TransportError::Guard`] (`ErrorKind::InvalidData`, which no modem error
//! maps to), and the session takes the verdict from [`Transport::guard`].
//!
//! `embedded-tls` reduces transport errors to an `embedded_io::ErrorKind`
//! (see `ModemError`'s `kind()`); the end of the stream is reported as
//! [`ModemError::Closed`] (`BrokenPipe`) so the session can tell a peer that
//! went away from a timeout or a lost PDP context.

use super::guard::{GuardError, RecordGuard};
use crate::modem::ModemError;
use crate::modem::{Sockets, TcpSocket};

/// Bytes fetched ahead when `embedded-tls` asks for less.
pub const READ_AHEAD: usize = 256;

/// Why the transport failed a read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The modem or the connection failed.
    Modem(ModemError),
    /// The record guard refused what the server sent; the connection is
    /// dead.
    Guard(GuardError),
}

impl From<ModemError> for TransportError {
    fn from(e: ModemError) -> Self {
        TransportError::Modem(e)
    }
}

impl core::fmt::Display for TransportError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TransportError::Modem(e) => write!(f, "{e}"),
            TransportError::Guard(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for TransportError {}

impl embedded_io::Error for TransportError {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self {
            TransportError::Modem(e) => e.kind(),
            TransportError::Guard(_) => embedded_io::ErrorKind::InvalidData,
        }
    }
}

/// A byte stream (a modem TCP socket: [`TcpSocket`]) as the transport of
/// a host TLS connection.
pub struct Transport<S> {
    sock: S,
    guard: RecordGuard,
    ahead: [u8; READ_AHEAD],
    start: usize,
    end: usize,
}

impl<'m, M: Sockets> Transport<TcpSocket<'m, M>> {
    /// Close the socket.
    pub fn close(self) -> Result<(), ModemError> {
        self.sock.close()
    }
}

impl<S> Transport<S>
where
    S: embedded_io::Read + embedded_io::Write + embedded_io::ErrorType<Error = ModemError>,
{
    /// Wrap an open stream whose ClientHello is still to be sent. The
    /// stream reports its end as `Ok(0)`.
    pub fn new(sock: S) -> Self {
        Self {
            sock,
            guard: RecordGuard::new(),
            ahead: [0; READ_AHEAD],
            start: 0,
            end: 0,
        }
    }

    /// The guard's verdict, when it ended the connection.
    pub fn guard(&self) -> Option<GuardError> {
        self.guard.error()
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        match embedded_io::Read::read(&mut self.sock, buf)? {
            0 => Err(ModemError::Closed),
            n => Ok(n),
        }
    }

    /// Bytes for the engine, unchecked.
    fn read_inner(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        if self.start < self.end {
            let avail = self.ahead.get(self.start..self.end).unwrap_or(&[]);
            let n = avail.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.start += n;
            return Ok(n);
        }
        if buf.len() >= READ_AHEAD {
            return self.fill(buf);
        }
        let got = embedded_io::Read::read(&mut self.sock, &mut self.ahead)?;
        self.start = 0;
        self.end = got.min(READ_AHEAD);
        if got == 0 {
            return Err(ModemError::Closed);
        }
        self.read_inner(buf)
    }
}

impl<S> embedded_io::ErrorType for Transport<S> {
    type Error = TransportError;
}

impl<S> embedded_io::Read for Transport<S>
where
    S: embedded_io::Read + embedded_io::Write + embedded_io::ErrorType<Error = ModemError>,
{
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError> {
        if let Some(e) = self.guard.error() {
            return Err(TransportError::Guard(e));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.read_inner(buf)?;
        self.guard
            .check(buf.get(..n).unwrap_or(&[]))
            .map_err(TransportError::Guard)?;
        Ok(n)
    }
}

impl<S> embedded_io::Write for Transport<S>
where
    S: embedded_io::Read + embedded_io::Write + embedded_io::ErrorType<Error = ModemError>,
{
    fn write(&mut self, buf: &[u8]) -> Result<usize, TransportError> {
        if let Some(e) = self.guard.error() {
            return Err(TransportError::Guard(e));
        }
        self.guard.on_client_write();
        Ok(embedded_io::Write::write(&mut self.sock, buf)?)
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}
