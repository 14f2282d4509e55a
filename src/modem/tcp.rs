//! A raw TCP socket of the modem as an `embedded_io` stream (the transport
//! the host TLS path runs over), for any family.

use super::{ModemError, SocketId};

impl embedded_io::Error for ModemError {
    /// A layer that keeps only the kind (embedded-tls) can still tell the
    /// causes apart: `ModemError::from_io_kind` (host path) maps each kind back.
    fn kind(&self) -> embedded_io::ErrorKind {
        use crate::at::AtError as A;
        use crate::port::PortError;
        use embedded_io::ErrorKind as K;
        match self {
            ModemError::Timeout
            | ModemError::OpenTimeout
            | ModemError::At(A::Timeout | A::SendFail) => K::TimedOut,
            ModemError::Closed => K::BrokenPipe,
            ModemError::ConnectFailed => K::ConnectionRefused,
            ModemError::PdpDown => K::NotConnected,
            ModemError::Rebooted => K::ConnectionReset,
            ModemError::BufferOverflow => K::OutOfMemory,
            ModemError::At(A::Port(PortError::Closed)) => K::ConnectionAborted,
            ModemError::At(A::PromptLost | A::Overflow | A::Garbled) => K::InvalidInput,
            ModemError::At(A::Error | A::Cme(_) | A::Cms(_)) => K::PermissionDenied,
            _ => K::Other,
        }
    }
}

impl ModemError {
    /// The modem error behind an `ErrorKind` that [`embedded_io::Error::kind`]
    /// made of it (as far as the kind tells: a layer above, such as
    /// embedded-tls, keeps only the kind).
    #[cfg(feature = "engine-embedded-tls")]
    pub(crate) fn from_io_kind(kind: embedded_io::ErrorKind) -> Self {
        use crate::at::AtError as A;
        use crate::port::PortError;
        use embedded_io::ErrorKind as K;
        match kind {
            K::TimedOut => ModemError::Timeout,
            K::NotConnected => ModemError::PdpDown,
            K::ConnectionRefused => ModemError::ConnectFailed,
            K::BrokenPipe => ModemError::Closed,
            K::ConnectionReset => ModemError::Rebooted,
            K::OutOfMemory => ModemError::BufferOverflow,
            K::ConnectionAborted => ModemError::At(A::Port(PortError::Closed)),
            K::InvalidInput => ModemError::At(A::Garbled),
            K::PermissionDenied => ModemError::At(A::Error),
            _ => ModemError::At(A::Unexpected),
        }
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    use super::*;
    use crate::modem::asynch::Sockets;

    /// An open raw TCP connection through a modem. Reads wait until data, end
    /// of stream (`Ok(0)`) or the driver's data timeout. The blocking socket
    /// closes itself when dropped; close an async one with `close().await`
    /// (dropped, it stays open in the modem until the modem is initialised
    /// again).
    pub struct TcpSocket<'m, M: Sockets> {
        modem: &'m mut M,
        id: SocketId,
        open: bool,
    }

    impl<'m, M: Sockets> TcpSocket<'m, M> {
        /// Connect to `host:port`.
        pub async fn connect(modem: &'m mut M, host: &str, port: u16) -> Result<Self, ModemError> {
            let id = modem.tcp_open(host, port).await?;
            Ok(Self {
                modem,
                id,
                open: true,
            })
        }

        /// The modem socket id.
        pub fn id(&self) -> SocketId {
            self.id
        }

        /// Close and free the socket.
        pub async fn close(mut self) -> Result<(), ModemError> {
            self.shut().await
        }

        async fn shut(&mut self) -> Result<(), ModemError> {
            if !self.open {
                return Ok(());
            }
            self.open = false;
            self.modem.close(self.id).await
        }
    }

    // A drop cannot wait for the modem: only the blocking socket closes
    // itself when dropped; an async one is closed with `close().await`.
    #[cfg(dual_blocking)]
    impl<M: Sockets> Drop for TcpSocket<'_, M> {
        fn drop(&mut self) {
            let _ = self.shut();
        }
    }

    impl<M: Sockets> embedded_io_async::ErrorType for TcpSocket<'_, M> {
        type Error = ModemError;
    }

    impl<M: Sockets> embedded_io_async::Read for TcpSocket<'_, M> {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ModemError> {
            let t = self.modem.timeouts().data_ms;
            self.modem.recv_wait(self.id, buf, t).await
        }
    }

    impl<M: Sockets> embedded_io_async::Write for TcpSocket<'_, M> {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, ModemError> {
            self.modem.send(self.id, buf).await
        }

        async fn flush(&mut self) -> Result<(), ModemError> {
            Ok(())
        }
    }
}
