//! An `embedded-nal-async` [`TcpConnect`] over the modem's raw TCP sockets
//! (feature `nal`), for crates that open their connections through that
//! trait.
//!
//! `TcpConnect::connect` takes `&self` and only a `SocketAddr`: there is no
//! host name, so it cannot carry TLS that verifies a server (SNI and the
//! certificate check need the name). Use it for plain TCP, or for a
//! protocol crate that brings its own TLS; for TLS through the modem use
//! [`asynch::connect`](crate::asynch::connect) (Auto),
//! `connect_offload` or `connect_host`, whose sessions are
//! `embedded_io_async` streams that such crates also take directly.
//!
//! Several connections may be open at once; they share the modem's UART,
//! so their calls take turns (each waits for the one in progress). A
//! connection dropped without [`NalSocket::close`] is closed in the modem
//! by the next call through the stack.

use crate::modem::asynch::Sockets;
use crate::modem::{ModemError, SocketId};
use core::cell::Cell;
use core::future::Future;
use core::net::SocketAddr;
use core::pin::Pin;
use core::task::{Context, Poll};
use embedded_nal_async::TcpConnect;

/// A modem as an `embedded-nal-async` TCP stack.
///
/// ```
/// # async fn demo<M: modemtls::asynch::Sockets>(modem: &mut M) -> Result<(), modemtls::modem::ModemError> {
/// use embedded_io_async::{Read, Write};
/// use embedded_nal_async::TcpConnect;
///
/// let stack = modemtls::nal::NalStack::new(modem);
/// let mut conn = stack.connect("192.0.2.1:7".parse().unwrap()).await?;
/// conn.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// conn.read_exact(&mut buf).await.ok();
/// conn.close().await
/// # }
/// ```
pub struct NalStack<'m, M: Sockets> {
    /// The modem, taken by the call in progress.
    modem: Cell<Option<&'m mut M>>,
    /// Sockets dropped without `close` (bit = socket id), closed by the
    /// next call.
    dropped: Cell<u64>,
}

impl<'m, M: Sockets> NalStack<'m, M> {
    /// Open connections through `modem` (initialised and attached).
    pub fn new(modem: &'m mut M) -> Self {
        Self {
            modem: Cell::new(Some(modem)),
            dropped: Cell::new(0),
        }
    }

    /// Wait for the modem (another connection's call may hold it), close
    /// what was dropped meanwhile, and lend it.
    async fn lend(&self) -> Lent<'_, 'm, M> {
        loop {
            if let Some(modem) = self.modem.take() {
                let mut lent = Lent {
                    home: &self.modem,
                    modem: Some(modem),
                };
                let dropped = self.dropped.replace(0);
                if let Some(m) = lent.modem.as_deref_mut() {
                    for id in 0..64u8 {
                        if dropped & (1u64 << id) != 0 {
                            // Best effort: a socket the modem already
                            // closed answers an error, which changes nothing.
                            let _ = m.close(SocketId(id)).await;
                        }
                    }
                }
                return lent;
            }
            YieldNow(false).await;
        }
    }
}

/// The modem, lent to one call; back in the stack when dropped (also when
/// the call's future is dropped midway).
struct Lent<'s, 'm, M> {
    home: &'s Cell<Option<&'m mut M>>,
    modem: Option<&'m mut M>,
}

impl<M> Drop for Lent<'_, '_, M> {
    fn drop(&mut self) {
        self.home.set(self.modem.take());
    }
}

/// Returns to the executor once (waking its task) before completing.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The modem was lent and not given back (cannot happen: `Lent` gives it
/// back when dropped); reported as a modem that does not answer.
const LOST: ModemError = ModemError::NotResponding;

impl<'m, M: Sockets> TcpConnect for NalStack<'m, M> {
    type Error = ModemError;
    type Connection<'a>
        = NalSocket<'a, 'm, M>
    where
        Self: 'a;

    /// Connect to `remote` (its address as text, for the modem's open
    /// command).
    async fn connect<'a>(&'a self, remote: SocketAddr) -> Result<NalSocket<'a, 'm, M>, ModemError> {
        use core::fmt::Write as _;
        let mut host: heapless::String<46> = heapless::String::new();
        write!(host, "{}", remote.ip()).map_err(|_| ModemError::BufferOverflow)?;
        let mut lent = self.lend().await;
        let modem = lent.modem.as_deref_mut().ok_or(LOST)?;
        let id = modem.tcp_open(&host, remote.port()).await?;
        Ok(NalSocket {
            stack: self,
            id,
            open: true,
        })
    }
}

/// A TCP connection of a [`NalStack`]: an `embedded_io_async` stream.
pub struct NalSocket<'s, 'm, M: Sockets> {
    stack: &'s NalStack<'m, M>,
    id: SocketId,
    open: bool,
}

impl<M: Sockets> NalSocket<'_, '_, M> {
    /// The modem socket id.
    pub fn id(&self) -> SocketId {
        self.id
    }

    /// Close the connection and free the modem's socket.
    pub async fn close(mut self) -> Result<(), ModemError> {
        self.open = false;
        let mut lent = self.stack.lend().await;
        let modem = lent.modem.as_deref_mut().ok_or(LOST)?;
        modem.close(self.id).await
    }
}

impl<M: Sockets> Drop for NalSocket<'_, '_, M> {
    fn drop(&mut self) {
        if self.open {
            // Closed by the stack's next call (a drop cannot wait).
            let bit = 1u64.checked_shl(u32::from(self.id.0)).unwrap_or(0);
            self.stack.dropped.set(self.stack.dropped.get() | bit);
        }
    }
}

impl<M: Sockets> embedded_io_async::ErrorType for NalSocket<'_, '_, M> {
    type Error = ModemError;
}

impl<M: Sockets> embedded_io_async::Read for NalSocket<'_, '_, M> {
    /// Waits for data (up to the driver's data timeout); `Ok(0)` once the
    /// peer closed and everything was read.
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
        let mut lent = self.stack.lend().await;
        let modem = lent.modem.as_deref_mut().ok_or(LOST)?;
        let t = modem.timeouts().data_ms;
        modem.recv_wait(self.id, buf, t).await
    }
}

impl<M: Sockets> embedded_io_async::Write for NalSocket<'_, '_, M> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ModemError> {
        let mut lent = self.stack.lend().await;
        let modem = lent.modem.as_deref_mut().ok_or(LOST)?;
        modem.send(self.id, buf).await
    }

    async fn flush(&mut self) -> Result<(), ModemError> {
        // The modem took the bytes (`SEND OK`); it sends them at once.
        Ok(())
    }
}
