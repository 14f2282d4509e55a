//! Millisecond clock from SysTick.
//!
//! Why SysTick rather than the CMSDK timer at `0x4000_0000`: SysTick is part
//! of the Cortex-M3/M4 core, so the same code runs on both machines (and on
//! any Cortex-M board) with no board-specific peripheral, and a 1 kHz tick
//! keeps a monotonic 64-bit count with no wrap-around bookkeeping (the
//! CMSDK timer is a 32-bit down-counter at 25 MHz that wraps every 171 s and
//! would have to be read at least that often).
//!
//! Clock source: `CLKSOURCE = 1` (the processor clock). QEMU's MPS2 models
//! clock the core, and so SysTick, from the 25 MHz system clock, so a reload
//! of 25 000 - 1 gives one tick per millisecond. QEMU runs SysTick on its
//! virtual clock: without `-icount` it follows host time; with
//! `-icount shift=N` virtual time advances 2^N ns per executed instruction,
//! so the firmware's timestamps, and every timeout, become a deterministic
//! function of the instructions executed.
//!
//! A tick is lost only if interrupts stay masked for more than 1 ms (the
//! semihosting print macros mask them while printing; QEMU executes a
//! semihosting call as one instruction in virtual time). A lost tick makes
//! the clock run slow, so timeouts get longer, never shorter.

use core::cell::Cell;
use cortex_m::interrupt::{self, Mutex};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

/// Core clock of the MPS2 FPGA images and of QEMU's model.
pub const CORE_HZ: u32 = 25_000_000;

static MILLIS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// Start the 1 kHz tick.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / 1_000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Milliseconds since [`start`].
pub fn now_ms() -> u64 {
    interrupt::free(|cs| MILLIS.borrow(cs).get())
}

#[exception]
fn SysTick() {
    interrupt::free(|cs| {
        let m = MILLIS.borrow(cs);
        m.set(m.get().wrapping_add(1));
    });
}
