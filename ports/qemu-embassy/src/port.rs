//! UART0 as an `embedded_io_async` stream, and the modem's port made of
//! it and `embassy_time` by the library's `port::asynch::IoPort` (which
//! races each read against the clock: `Ok(0)` when the deadline passes).
//!
//! The data path is ports/qemu-rust's polled CMSDK UART driver
//! ([`crate::uart`], shared as is); this file adds the UART's RX interrupt
//! so that a read awaits a byte instead of polling for it:
//!
//! - `read(buf)`: take what is in the receiver (a burst: the driver reads
//!   on while bytes follow closely, so a modem response costs one wake,
//!   not one per byte); when it is empty, await [`rx_ready`]. The executor
//!   sleeps in `WFE` until the RX interrupt (or the port's timer) wakes
//!   the task.
//! - `write`: the driver's polled send. QEMU's UART TX never stays full,
//!   so this does not wait; a board whose TX can fill would await its TX
//!   interrupt the same way.
//!
//! The RX interrupt: the CMSDK UART raises it when a byte arrives while
//! `CTRL.RXINTEN` is set (it does not for a byte already waiting, hence the
//! check after arming). [`rx_ready`] stores the task's waker, sets
//! `RXINTEN` and checks the receiver; the handler ([`on_uart0_rx`], IRQ 0
//! on the MPS2 boards and in QEMU's model) clears `RXINTEN` and the
//! interrupt and wakes the stored waker. No byte is lost while the task is
//! not reading: QEMU hands the UART the next byte only after the last was
//! read (the rest waits in the TCP socket).

use crate::uart::{CmsdkUart, Stuck, BAUD};
use core::cell::RefCell;
use core::future::poll_fn;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Poll, Waker};
use cortex_m::interrupt::InterruptNumber;
use critical_section::Mutex;
use embassy_time::{Instant, Timer};
use modemtls::port::asynch::{Clock, IoPort};

/// UART0's registers (the data path's are in [`crate::uart`]).
const UART0_BASE: usize = 0x4000_4000;
const STATE: usize = 0x004;
const CTRL: usize = 0x008;
/// Read: the interrupt status; write 1: clear.
const INTSTATUS: usize = 0x00C;
const STATE_RX_FULL: u32 = 1 << 1;
const CTRL_RX_INTEN: u32 = 1 << 3;
const INT_RX: u32 = 1 << 1;

/// UART0's RX interrupt line on the MPS2 AN385/AN386 (and in QEMU's model).
#[derive(Clone, Copy)]
struct Uart0Rx;

// SAFETY: 0 is a device interrupt number of these machines (UART0 RX).
unsafe impl InterruptNumber for Uart0Rx {
    fn number(self) -> u16 {
        0
    }
}

/// The IRQ number [`on_uart0_rx`] serves.
pub const UART0_RX_IRQ: i16 = 0;

/// RX interrupts taken since reset (printed at the end of a run).
pub static RX_INTERRUPTS: AtomicU32 = AtomicU32::new(0);

/// The task waiting for a received byte.
static RX_WAKER: Mutex<RefCell<Option<Waker>>> = Mutex::new(RefCell::new(None));

fn read_reg(off: usize) -> u32 {
    // SAFETY: a register of the CMSDK UART at UART0_BASE, mapped on both
    // MPS2 machines; aligned volatile access.
    unsafe { core::ptr::read_volatile((UART0_BASE + off) as *const u32) }
}

fn write_reg(off: usize, v: u32) {
    // SAFETY: as in `read_reg`.
    unsafe { core::ptr::write_volatile((UART0_BASE + off) as *mut u32, v) }
}

/// Resolves when UART0's receiver holds a byte (woken by the RX interrupt).
pub async fn rx_ready() {
    poll_fn(|cx| {
        critical_section::with(|cs| {
            RX_WAKER.borrow_ref_mut(cs).replace(cx.waker().clone());
            write_reg(CTRL, read_reg(CTRL) | CTRL_RX_INTEN);
        });
        // A byte that came before RXINTEN was set raises no interrupt.
        if read_reg(STATE) & STATE_RX_FULL != 0 {
            critical_section::with(|_| write_reg(CTRL, read_reg(CTRL) & !CTRL_RX_INTEN));
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// The RX interrupt (called from the firmware's `DefaultHandler`, which
/// receives every device interrupt: the firmware has no device crate).
pub fn on_uart0_rx() {
    RX_INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    critical_section::with(|cs| {
        write_reg(CTRL, read_reg(CTRL) & !CTRL_RX_INTEN);
        write_reg(INTSTATUS, INT_RX);
        if let Some(w) = RX_WAKER.borrow_ref_mut(cs).take() {
            w.wake();
        }
    });
}

/// UART0 of the MPS2 board, async.
pub struct AsyncUart {
    uart: CmsdkUart,
}

impl AsyncUart {
    /// Take UART0 (8N1, [`BAUD`]) and enable its RX interrupt in the NVIC
    /// (the UART raises it only while a read waits). Call once.
    pub fn uart0() -> Self {
        let uart = CmsdkUart::uart0(BAUD);
        // SAFETY: the handler touches only the UART's CTRL/INTSTATUS and
        // the waker slot, each under a critical section.
        unsafe { cortex_m::peripheral::NVIC::unmask(Uart0Rx) };
        AsyncUart { uart }
    }
}

/// The UART is stuck (its TX never drained): an I/O error.
#[derive(Debug)]
pub struct UartError;

impl core::fmt::Display for UartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("UART0 stuck")
    }
}

impl core::error::Error for UartError {}

impl embedded_io_async::Error for UartError {
    fn kind(&self) -> embedded_io_async::ErrorKind {
        embedded_io_async::ErrorKind::Other
    }
}

impl embedded_io_async::ErrorType for AsyncUart {
    type Error = UartError;
}

impl embedded_io_async::Read for AsyncUart {
    /// What the receiver holds (a burst), or, when it is empty, the next
    /// burst after the RX interrupt. Cancel-safe: bytes are taken from
    /// the receiver only by a read that returns them.
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, UartError> {
        loop {
            // A zero timeout: take what is there, do not wait.
            let n = self.uart.recv(buf, 0);
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            rx_ready().await;
        }
    }
}

impl embedded_io_async::Write for AsyncUart {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, UartError> {
        self.uart.send(buf).map_err(|Stuck| UartError)?;
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), UartError> {
        Ok(())
    }
}

/// `embassy_time` as the port's clock.
pub struct EmbassyClock;

impl Clock for EmbassyClock {
    fn now_ms(&mut self) -> u64 {
        Instant::now().as_millis()
    }

    async fn sleep_until(&mut self, at_ms: u64) {
        Timer::at(Instant::from_millis(at_ms)).await
    }
}

/// The modem's port: UART0 raced against `embassy_time` by the library's
/// [`IoPort`].
pub type ModemPort = IoPort<AsyncUart, EmbassyClock>;

/// UART0 as the modem's port. Call once.
pub fn modem_port() -> ModemPort {
    IoPort::new(AsyncUart::uart0(), EmbassyClock)
}
