//! Instruction counter for the `compute` scenario: CMSDK APB timer 1 as a
//! free-running 32-bit counter on QEMU's virtual clock.
//!
//! QEMU's MPS2 machines clock the CMSDK timers (`0x4000_0000`,
//! `0x4000_1000`) from the 25 MHz system clock, which follows QEMU's
//! *virtual* clock. With `-icount shift=0` the virtual clock advances
//! exactly 1 ns per executed guest instruction (and, as long as the CPU
//! never sleeps - this firmware polls and never executes `WFI` - nothing
//! else moves it), so one timer tick is exactly 40 executed instructions
//! and [`vns`] is an instruction count. QEMU makes an icount run stop the
//! translation block at every device access, so a read of the counter sees
//! the instruction count at that very instruction. Resolution: 40
//! instructions. QEMU has no model of the DWT cycle counter (`CYCCNT`
//! reads 0), hence a timer.
//!
//! Timer 1 rather than timer 0 so the board's other code could keep timer 0;
//! nothing else in this firmware uses either. The counter counts down from
//! `0xFFFF_FFFF` and wraps after 2^32 ticks (171.8 s of virtual time, i.e.
//! 171.8 G instructions at shift=0): intervals are taken with wrapping
//! arithmetic and are always far shorter than that.

const TIMER1: usize = 0x4000_1000;
const CTRL: usize = 0x000;
const VALUE: usize = 0x004;
const RELOAD: usize = 0x008;
const CTRL_ENABLE: u32 = 1;

/// Virtual nanoseconds per timer tick (25 MHz).
pub const NS_PER_TICK: u64 = 40;

fn write(off: usize, v: u32) {
    // SAFETY: a register of the CMSDK APB timer 1, mapped on both MPS2
    // machines; 32-bit volatile access as the peripheral expects.
    unsafe { core::ptr::write_volatile((TIMER1 + off) as *mut u32, v) }
}

fn read(off: usize) -> u32 {
    // SAFETY: as in `write`.
    unsafe { core::ptr::read_volatile((TIMER1 + off) as *const u32) }
}

/// Start the free-running counter (no interrupt).
pub fn start() {
    write(CTRL, 0);
    write(RELOAD, u32::MAX);
    write(VALUE, u32::MAX);
    write(CTRL, CTRL_ENABLE);
}

/// Ticks since [`start`] (mod 2^32), counting up.
#[inline(always)]
pub fn ticks() -> u32 {
    u32::MAX - read(VALUE)
}

/// Virtual nanoseconds from tick `since` to now.
#[inline(always)]
pub fn vns_since(since: u32) -> u64 {
    u64::from(ticks().wrapping_sub(since)) * NS_PER_TICK
}
