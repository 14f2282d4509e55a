//! CMSDK APB UART driver (polled) and the `modemtls::port::Port` it gives
//! modemtls.
//!
//! Both QEMU machines (`mps2-an385`, `mps2-an386`) put UART0 at
//! `0x4000_4000`; QEMU connects it to the first `-serial` backend, which the
//! runner sets to `tcp:127.0.0.1:<simulator port>`, so the bytes written here
//! reach the simulated modem.
//!
//! Registers (ARM CoreLink SDK / Cortex-M System Design Kit TRM, "APB UART"):
//!
//! | offset | name    | bits used here |
//! |--------|---------|----------------|
//! | 0x000  | DATA    | 7:0 byte in/out |
//! | 0x004  | STATE   | 0 TX buffer full, 1 RX buffer full, 2/3 TX/RX overrun (write 1 to clear) |
//! | 0x008  | CTRL    | 0 TX enable, 1 RX enable |
//! | 0x010  | BAUDDIV | divisor of the 25 MHz APB clock, must be >= 16 |
//!
//! The RX side holds one byte. QEMU only hands the UART a new byte once the
//! last one was read (its `can_receive` checks the RX-full bit), so a polled
//! driver loses nothing: the rest waits in the TCP socket.

use crate::clock;
#[cfg(not(feature = "baseline"))]
use modemtls::port::{Port, PortError};

const UART0_BASE: usize = 0x4000_4000;
const DATA: usize = 0x000;
const STATE: usize = 0x004;
const CTRL: usize = 0x008;
const BAUDDIV: usize = 0x010;

const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const STATE_OVERRUNS: u32 = (1 << 2) | (1 << 3);
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;

/// The UART line rate programmed into BAUDDIV (QEMU does not throttle).
pub const BAUD: u32 = 115_200;

/// APB clock of the MPS2 FPGA images (and of QEMU's model).
const PCLK_HZ: u32 = 25_000_000;

/// How many empty polls of STATE end a burst once at least one byte was
/// read. QEMU feeds the next byte from its I/O thread shortly after the
/// previous one is read; this keeps a response in one `read` call most of
/// the time without making a lone byte wait long (a poll is a few
/// instructions, so this is some microseconds).
const BURST_IDLE_POLLS: u32 = 2_000;

/// UART0 of the MPS2 board as the modem's port.
pub struct CmsdkUart {
    base: usize,
}

impl CmsdkUart {
    /// Take UART0: 8N1 (fixed in this UART), `baud`, TX and RX enabled,
    /// no interrupts. Call once.
    pub fn uart0(baud: u32) -> Self {
        let u = CmsdkUart { base: UART0_BASE };
        let div = (PCLK_HZ / baud.max(1)).max(16);
        u.write_reg(CTRL, 0);
        u.write_reg(BAUDDIV, div);
        u.write_reg(STATE, STATE_OVERRUNS);
        u.write_reg(CTRL, CTRL_TX_EN | CTRL_RX_EN);
        u
    }

    fn read_reg(&self, off: usize) -> u32 {
        // SAFETY: `base + off` is a register of the CMSDK UART mapped on
        // both MPS2 machines; 32-bit aligned volatile access is how the
        // peripheral is meant to be used.
        unsafe { core::ptr::read_volatile((self.base + off) as *const u32) }
    }

    fn write_reg(&self, off: usize, v: u32) {
        // SAFETY: as in `read_reg`.
        unsafe { core::ptr::write_volatile((self.base + off) as *mut u32, v) }
    }

    fn try_read_byte(&self) -> Option<u8> {
        let state = self.read_reg(STATE);
        if state & STATE_OVERRUNS != 0 {
            // Cannot happen under QEMU (see the module comment); on hardware
            // a lost byte shows up as a framing error in the AT engine.
            self.write_reg(STATE, STATE_OVERRUNS);
        }
        if state & STATE_RX_FULL != 0 {
            Some((self.read_reg(DATA) & 0xFF) as u8)
        } else {
            None
        }
    }
}

/// The transmitter stayed full for 5 s (QEMU's UART backend gone).
#[derive(Clone, Copy, Debug)]
pub struct Stuck;

impl CmsdkUart {
    /// Write all of `data` (polled).
    pub fn send(&mut self, data: &[u8]) -> Result<(), Stuck> {
        let _span = port_time::Span::start(port_time::Dir::Out(data.len()));
        for &b in data {
            // A stuck transmitter (QEMU's backend gone) must not hang the
            // firmware: give each byte a generous deadline.
            let deadline = clock::now_ms() + 5_000;
            while self.read_reg(STATE) & STATE_TX_FULL != 0 {
                if clock::now_ms() > deadline {
                    return Err(Stuck);
                }
            }
            self.write_reg(DATA, u32::from(b));
        }
        Ok(())
    }

    /// Wait up to `timeout_ms` for a first byte, then take what follows
    /// closely; returns the count (0: nothing before the timeout).
    pub fn recv(&mut self, buf: &mut [u8], timeout_ms: u32) -> usize {
        if buf.is_empty() {
            return 0;
        }
        let mut span = port_time::Span::start(port_time::Dir::In(0));
        let deadline = clock::now_ms() + u64::from(timeout_ms);
        // First byte: wait up to the timeout.
        loop {
            if let Some(b) = self.try_read_byte() {
                buf[0] = b;
                break;
            }
            if clock::now_ms() >= deadline {
                return 0;
            }
        }
        // Then take what follows closely.
        let mut n = 1;
        let mut idle = 0;
        while n < buf.len() && idle < BURST_IDLE_POLLS {
            match self.try_read_byte() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                    idle = 0;
                }
                None => idle += 1,
            }
        }
        span.received(n);
        n
    }
}

/// The port modemtls drives: [`CmsdkUart::send`] and [`CmsdkUart::recv`]
/// (not in the `baseline` build, which links no modemtls code).
#[cfg(not(feature = "baseline"))]
impl Port for CmsdkUart {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        self.send(data).map_err(|Stuck| PortError::Io)
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        Ok(self.recv(buf, timeout_ms))
    }

    fn now_ms(&mut self) -> u64 {
        clock::now_ms()
    }
}

/// Time spent inside the port (feature `compute`): every virtual-clock
/// tick between entering and leaving [`Port::read`] / [`Port::write_all`]
/// is added to a total, so the `compute` scenario can subtract the
/// instructions spent polling the UART (which depend on when the host
/// delivers bytes) from a handshake's count. Without the feature the span
/// is a zero-sized no-op, so the other builds are unchanged.
pub mod port_time {
    /// Direction and byte count of one port call.
    #[cfg_attr(not(feature = "compute"), allow(dead_code))]
    pub enum Dir {
        /// Bytes written.
        Out(usize),
        /// Bytes read (set by [`Span::received`]).
        In(usize),
    }

    /// Port totals since the start.
    #[cfg(feature = "compute")]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Totals {
        /// Virtual nanoseconds inside the port (= instructions at icount shift=0).
        pub vns: u64,
        /// Bytes written to the UART.
        pub bytes_out: u64,
        /// Bytes read from the UART.
        pub bytes_in: u64,
        /// Port calls (reads + writes).
        pub calls: u64,
    }

    #[cfg(feature = "compute")]
    mod imp {
        use super::{Dir, Totals};
        use crate::vclock;
        use core::cell::Cell;
        use cortex_m::interrupt::{self, Mutex};

        static TOTALS: Mutex<Cell<Totals>> = Mutex::new(Cell::new(Totals {
            vns: 0,
            bytes_out: 0,
            bytes_in: 0,
            calls: 0,
        }));

        /// One port call being timed.
        pub struct Span {
            start: u32,
            dir: Dir,
        }

        impl Span {
            /// Start timing a call.
            #[inline(always)]
            pub fn start(dir: Dir) -> Self {
                Span {
                    start: vclock::ticks(),
                    dir,
                }
            }
            /// Record the bytes a read returned.
            pub fn received(&mut self, n: usize) {
                self.dir = Dir::In(n);
            }
        }

        impl Drop for Span {
            #[inline(always)]
            fn drop(&mut self) {
                let vns = vclock::vns_since(self.start);
                interrupt::free(|cs| {
                    let c = TOTALS.borrow(cs);
                    let mut t = c.get();
                    t.vns += vns;
                    t.calls += 1;
                    match self.dir {
                        Dir::Out(n) => t.bytes_out += n as u64,
                        Dir::In(n) => t.bytes_in += n as u64,
                    }
                    c.set(t);
                });
            }
        }

        /// The totals so far.
        pub fn totals() -> Totals {
            interrupt::free(|cs| TOTALS.borrow(cs).get())
        }
    }

    #[cfg(not(feature = "compute"))]
    mod imp {
        use super::Dir;

        /// No-op without the `compute` feature.
        pub struct Span;

        impl Span {
            /// No-op.
            #[inline(always)]
            pub fn start(_dir: Dir) -> Self {
                Span
            }
            /// No-op.
            #[inline(always)]
            pub fn received(&mut self, _n: usize) {}
        }
    }

    pub use imp::*;
}
