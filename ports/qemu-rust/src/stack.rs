//! Peak stack measurement by painting.
//!
//! [`paint`] fills the free RAM below the current stack pointer (down to
//! [`WINDOW`] below the top of RAM, or the end of `.bss`) with a pattern;
//! later, [`peak`] finds the lowest word that no longer holds it. The
//! distance from the top of RAM (`_stack_start`) to that word is the most
//! stack used since the painting, interrupts included. The step log
//! ([`crate::log::Steps`]) measures and repaints at every step, so each
//! step's peak is printed too.

const PATTERN: u32 = 0xC0DE_5AFE;

/// Bytes below the caller's stack pointer that are left unpainted (the
/// painting code's own frame; counted as used by [`peak`] anyway).
const MARGIN: usize = 256;

/// Only the top 256 KiB of RAM are painted (painting all 4 MiB at every
/// step would be slow); a peak of this size means "at least".
pub const WINDOW: usize = 256 * 1024;

extern "C" {
    static mut __sheap: u32;
    static mut _stack_start: u32;
}

/// The painted range, to be passed to [`peak`].
#[derive(Clone, Copy, Debug)]
pub struct Painted {
    bottom: usize,
    end: usize,
    top: usize,
    /// Stack in use when painting (from the top of RAM to the caller's frame).
    pub at_paint: usize,
}

/// Paint the free stack below the caller's frame.
#[inline(always)]
pub fn paint() -> Painted {
    let marker = 0u32;
    let sp = core::ptr::addr_of!(marker) as usize;
    let top = core::ptr::addr_of_mut!(_stack_start) as usize;
    let bottom = (core::ptr::addr_of_mut!(__sheap) as usize).max(top.saturating_sub(WINDOW));
    let end = sp.saturating_sub(MARGIN).max(bottom);
    let mut p = bottom;
    while p + 4 <= end {
        // SAFETY: [__sheap, sp - MARGIN) is RAM between the end of .bss
        // and the live stack: nothing uses it yet (there is no heap).
        unsafe { core::ptr::write_volatile(p as *mut u32, PATTERN) };
        p += 4;
    }
    Painted {
        bottom,
        end,
        top,
        at_paint: top - sp,
    }
}

/// Peak stack use in bytes (from the top of RAM) since [`paint`].
pub fn peak(p: &Painted) -> usize {
    let mut low = p.bottom;
    while low + 4 <= p.end {
        // SAFETY: the range painted by `paint`, plain RAM.
        if unsafe { core::ptr::read_volatile(low as *const u32) } != PATTERN {
            break;
        }
        low += 4;
    }
    p.top - low
}
