//! The byte stream under `embedded-tls`: a modem TCP socket with a small
//! read-ahead and a record of the last modem error.
//!
//! `embedded-tls` reads a 5-byte record header, then the record body. Each
//! read of a modem socket is one `AT+QIRD` exchange (about 40 bytes of AT
//! framing), so the header read asks the modem for up to [`READ_AHEAD`]
//! bytes and keeps the rest; body reads of at least that size go straight
//! into the caller's buffer.
//!
//! `embedded-tls` reduces transport errors to an `embedded_io::ErrorKind`
//! (see `ModemError`'s `kind()`); the end of the stream is reported as
//! [`ModemError::Closed`] (`BrokenPipe`) so the session can tell a peer that
//! went away from a timeout or a lost PDP context.

use crate::modem::quectel::TcpSocket;
use crate::modem::ModemError;
use crate::port::Port;

/// Bytes fetched ahead when `embedded-tls` asks for less.
pub const READ_AHEAD: usize = 256;

/// A modem TCP socket as the transport of a host TLS connection.
pub struct Transport<'m, P: Port> {
    sock: TcpSocket<'m, P>,
    ahead: [u8; READ_AHEAD],
    start: usize,
    end: usize,
}

impl<'m, P: Port> Transport<'m, P> {
    /// Wrap an open socket.
    pub fn new(sock: TcpSocket<'m, P>) -> Self {
        Self {
            sock,
            ahead: [0; READ_AHEAD],
            start: 0,
            end: 0,
        }
    }

    /// Close the socket.
    pub fn close(self) -> Result<(), ModemError> {
        self.sock.close()
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        match embedded_io::Read::read(&mut self.sock, buf)? {
            0 => Err(ModemError::Closed),
            n => Ok(n),
        }
    }

    fn read_inner(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        if buf.is_empty() {
            return Ok(0);
        }
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

impl<P: Port> embedded_io::ErrorType for Transport<'_, P> {
    type Error = ModemError;
}

impl<P: Port> embedded_io::Read for Transport<'_, P> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        self.read_inner(buf)
    }
}

impl<P: Port> embedded_io::Write for Transport<'_, P> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ModemError> {
        embedded_io::Write::write(&mut self.sock, buf)
    }

    fn flush(&mut self) -> Result<(), ModemError> {
        Ok(())
    }
}
