//! The async port (feature `async`): what the async front needs from the
//! board, the same calls as the blocking [`Port`](crate::port::Port) with
//! `write_all` and `read` awaited; and [`IoPort`], which makes one of any
//! `embedded_io_async` UART (an Embassy `BufferedUart`, ...) and an async
//! [`Clock`] (e.g. `embassy_time`).

pub use super::PortError;

use core::future::Future;
use core::pin::pin;
use core::task::Poll;

/// Byte transport to the modem plus a monotonic millisecond clock,
/// async. `read` resolves to `Ok(0)` when `timeout_ms` passes with no
/// byte; it may resolve as soon as at least one byte is available.
///
/// ```
/// use modemtls::port::asynch::Port;
/// use modemtls::port::PortError;
/// /// A UART that has nothing to say (a real one awaits its RX interrupt).
/// struct Quiet { t: u64 }
/// impl Port for Quiet {
///     async fn write_all(&mut self, _data: &[u8]) -> Result<(), PortError> { Ok(()) }
///     async fn read(&mut self, _buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
///         self.t += u64::from(timeout_ms); // a real port awaits a timer here
///         Ok(0)
///     }
///     fn now_ms(&mut self) -> u64 { self.t }
/// }
/// ```
pub trait Port {
    /// Write all of `data` to the UART.
    async fn write_all(&mut self, data: &[u8]) -> Result<(), PortError>;
    /// Read what is available into `buf`, waiting at most `timeout_ms`
    /// for the first byte.
    async fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError>;
    /// Monotonic milliseconds since an arbitrary start.
    fn now_ms(&mut self) -> u64;
    /// Wall-clock time (seconds since the Unix epoch, UTC) from a
    /// trusted real-time clock, if the board has one.
    fn unix_time(&mut self) -> Option<u64> {
        None
    }
}

impl<T: Port + ?Sized> Port for &mut T {
    async fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        (**self).write_all(data).await
    }
    async fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        (**self).read(buf, timeout_ms).await
    }
    fn now_ms(&mut self) -> u64 {
        (**self).now_ms()
    }
    fn unix_time(&mut self) -> Option<u64> {
        (**self).unix_time()
    }
}

/// An async monotonic millisecond clock: what [`IoPort`] times reads by.
/// With Embassy it is two lines of `embassy_time`:
///
/// ```text
/// fn now_ms(&mut self) -> u64 { embassy_time::Instant::now().as_millis() }
/// async fn sleep_until(&mut self, at_ms: u64) {
///     embassy_time::Timer::at(embassy_time::Instant::from_millis(at_ms)).await
/// }
/// ```
///
/// (`ports/qemu-embassy/src/port.rs` has it whole.) A clock over any
/// millisecond counter and a wait, here a counter a test advances:
///
/// ```
/// use modemtls::port::asynch::Clock;
/// struct Ticks(u64);
/// impl Clock for Ticks {
///     fn now_ms(&mut self) -> u64 { self.0 }
///     async fn sleep_until(&mut self, at_ms: u64) { self.0 = self.0.max(at_ms) }
/// }
/// ```
pub trait Clock {
    /// Milliseconds since an arbitrary start.
    fn now_ms(&mut self) -> u64;
    /// Resolve once [`Clock::now_ms`] reaches `at_ms` (at once if it has).
    async fn sleep_until(&mut self, at_ms: u64);
}

/// A [`Port`] made of an `embedded_io_async` UART and a [`Clock`]: a read
/// races the UART against the clock and gives `Ok(0)` when the clock
/// wins, dropping the UART's read future. So the UART's `read` must be
/// cancel-safe (no byte lost when its future is dropped before it
/// resolves), as a buffered UART's is (Embassy's `BufferedUartRx`, a ring
/// filled by the RX interrupt).
pub struct IoPort<U, C> {
    uart: U,
    clock: C,
}

impl<U, C> IoPort<U, C> {
    /// A port over `uart`, timed by `clock`.
    pub fn new(uart: U, clock: C) -> Self {
        Self { uart, clock }
    }

    /// The UART and the clock back.
    pub fn into_parts(self) -> (U, C) {
        (self.uart, self.clock)
    }
}

/// What a UART's error kind means to the layers above: the other end gone,
/// or an I/O error.
fn port_error(kind: embedded_io_async::ErrorKind) -> PortError {
    use embedded_io_async::ErrorKind as K;
    match kind {
        K::BrokenPipe | K::ConnectionReset | K::ConnectionAborted | K::NotConnected => {
            PortError::Closed
        }
        _ => PortError::Io,
    }
}

impl<U, C> Port for IoPort<U, C>
where
    U: embedded_io_async::Read + embedded_io_async::Write,
    C: Clock,
{
    async fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        use embedded_io_async::Error as _;
        self.uart
            .write_all(data)
            .await
            .map_err(|e| port_error(e.kind()))
    }

    async fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        use embedded_io_async::Error as _;
        let empty = buf.is_empty();
        let deadline = self.clock.now_ms().saturating_add(u64::from(timeout_ms));
        let mut rx = pin!(self.uart.read(buf));
        let mut timer = pin!(self.clock.sleep_until(deadline));
        // The UART first: bytes that are there win over a timer that also
        // expired.
        core::future::poll_fn(|cx| {
            match rx.as_mut().poll(cx) {
                // End of stream: the other end is gone (a UART read does
                // not return 0 bytes otherwise).
                Poll::Ready(Ok(0)) if !empty => return Poll::Ready(Err(PortError::Closed)),
                Poll::Ready(r) => return Poll::Ready(r.map_err(|e| port_error(e.kind()))),
                Poll::Pending => {}
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(0));
            }
            Poll::Pending
        })
        .await
    }

    fn now_ms(&mut self) -> u64 {
        self.clock.now_ms()
    }
}
