//! UART0 as modemtls's async port (`modemtls::port::asynch::Port`).
//!
//! The register driver is ports/qemu-rust's polled CMSDK UART
//! ([`crate::uart`], shared as is). This port makes it async the simple
//! way, which is enough on QEMU and says so:
//!
//! - `read`: poll the RX status; when no byte is there, await a
//!   [`POLL`] `Timer` (the executor sleeps in `WFE` until a SysTick wakes
//!   it) and poll again, until the deadline (`timeout_ms` from the call).
//!   Once a byte is there, the driver takes what follows closely in one
//!   burst (its `recv`), so a modem response costs one wake, not one per
//!   byte. A byte waits at most [`POLL`] to be noticed; nothing is lost
//!   meanwhile (QEMU hands the UART the next byte only after the last was
//!   read, the rest waits in the TCP socket).
//! - `write_all`: the driver's polled send. QEMU's UART never stays full,
//!   so this does not wait; on hardware it would be a TX-interrupt future.
//!
//! A board with an RX interrupt would replace the timer by a waker
//! registered for the interrupt (CMSDK UART0 RX is IRQ 0 on the MPS2
//! machines); the modemtls side would not change.

use crate::uart::{CmsdkUart, Stuck, BAUD};
use embassy_time::{Duration, Instant, Timer};
use modemtls::port::asynch::Port;
use modemtls::port::PortError;

/// The RX polling period while nothing arrives.
pub const POLL: Duration = Duration::from_millis(1);

/// UART0 of the MPS2 board, async.
pub struct AsyncUart {
    uart: CmsdkUart,
}

impl AsyncUart {
    /// Take UART0 (8N1, [`BAUD`]). Call once.
    pub fn uart0() -> Self {
        AsyncUart {
            uart: CmsdkUart::uart0(BAUD),
        }
    }
}

impl Port for AsyncUart {
    async fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        self.uart.send(data).map_err(|Stuck| PortError::Io)
    }

    async fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms.into());
        loop {
            // A zero timeout: take what is there (a burst), do not wait.
            let n = self.uart.recv(buf, 0);
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(0);
            }
            Timer::at((now + POLL).min(deadline)).await;
        }
    }

    fn now_ms(&mut self) -> u64 {
        Instant::now().as_millis()
    }
}
