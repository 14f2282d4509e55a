//! An async session as the protocol crates want it: writes gathered in a
//! buffer, and the session's error kept for its cause.
//!
//! `rust-mqtt` and `reqwless` write a packet or a request head in many
//! small pieces (a field, a header, `": "`, `"\r\n"`); on the modem's TLS
//! every write of the session is one AT send, so here they are gathered
//! until `flush` (or until the buffer is full) and go out as one. The TLS
//! 1.3 path stages its writes until `flush` anyway.
//!
//! Both crates reduce a transport error to an `embedded_io::ErrorKind`;
//! the session's [`Error`] says what a person can do about it (its
//! `cause()`), so the last one is kept here for the example to report.

use embedded_io_async::{ErrorType, Read, Write};
use modemtls::error::Error;

/// `S` with a write buffer, remembering its last error.
pub struct Buffered<'a, S> {
    inner: &'a mut S,
    buf: &'a mut [u8],
    len: usize,
    error: Option<Error>,
}

impl<'a, S: Read<Error = Error> + Write<Error = Error>> Buffered<'a, S> {
    /// Writes to `inner` gathered in `buf` (an empty `buf` writes through).
    pub fn new(inner: &'a mut S, buf: &'a mut [u8]) -> Self {
        Buffered {
            inner,
            buf,
            len: 0,
            error: None,
        }
    }

    /// The last error the session returned, if any.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    fn keep<T>(&mut self, r: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &r {
            self.error = Some(*e);
        }
        r
    }

    /// Write out what is gathered.
    async fn drain(&mut self) -> Result<(), Error> {
        if self.len == 0 {
            return Ok(());
        }
        let pending = self.buf.get(..self.len).unwrap_or(&[]);
        let r = self.inner.write_all(pending).await;
        self.len = 0;
        self.keep(r)
    }
}

impl<S> ErrorType for Buffered<'_, S> {
    type Error = Error;
}

impl<S: Read<Error = Error> + Write<Error = Error>> Read for Buffered<'_, S> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        // The peer answers only what it was sent.
        self.drain().await?;
        let r = self.inner.read(buf).await;
        self.keep(r)
    }
}

impl<S: Read<Error = Error> + Write<Error = Error>> Write for Buffered<'_, S> {
    async fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        if data.is_empty() {
            return Ok(0);
        }
        if self.buf.is_empty() {
            let r = self.inner.write(data).await;
            return self.keep(r);
        }
        if self.len == self.buf.len() {
            self.drain().await?;
        }
        let room = self.buf.get_mut(self.len..).unwrap_or(&mut []);
        let n = room.len().min(data.len());
        room[..n].copy_from_slice(&data[..n]);
        self.len += n;
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), Error> {
        self.drain().await?;
        let r = self.inner.flush().await;
        self.keep(r)
    }
}
