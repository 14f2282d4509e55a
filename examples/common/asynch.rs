//! An async port over the blocking TCP "UART" that suspends once before
//! every read and write, and a minimal executor: every `.await` of the
//! library then really returns to the executor and is resumed, as on an
//! Embassy firmware. The async examples run on it, and so do the async
//! front's tests (`tests/common/mod.rs` loads this file).

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use modemtls::port::{Port as _, PortError, TcpPort};

/// Suspends once, then completes (waking its task at once).
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// [`modemtls::port::asynch::Port`] over a [`TcpPort`], suspending once
/// before each transfer; counts how often it suspended.
pub struct YieldingPort {
    inner: TcpPort,
    /// Times an operation returned to the executor.
    pub suspensions: u64,
}

impl YieldingPort {
    /// Wrap a connected port.
    pub fn new(inner: TcpPort) -> Self {
        Self {
            inner,
            suspensions: 0,
        }
    }
}

impl modemtls::port::asynch::Port for YieldingPort {
    async fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        self.suspensions += 1;
        YieldOnce(false).await;
        self.inner.write_all(data)
    }
    async fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        self.suspensions += 1;
        YieldOnce(false).await;
        self.inner.read(buf, timeout_ms)
    }
    fn now_ms(&mut self) -> u64 {
        self.inner.now_ms()
    }
    fn unix_time(&mut self) -> Option<u64> {
        self.inner.unix_time()
    }
}

/// Run `f` to completion on this thread (polling again whenever it
/// suspends: the ports here wake their task at once).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        // The futures that pend wake at once (they poll): a short nap
        // keeps a waiting test from taking a whole core from the
        // simulator and the servers.
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}
