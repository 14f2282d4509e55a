//! The `embassy-time` driver of this board: SysTick at 1 kHz, with
//! `embassy-time-queue-utils`' timer queue.
//!
//! One tick is one millisecond (`embassy-time-driver/tick-hz-1_000`), so
//! `embassy_time::Instant::now().as_millis()` is the same clock as
//! ports/qemu-rust's `clock::now_ms()` (SysTick from the 25 MHz core clock,
//! reload 25 000 - 1; why SysTick rather than the CMSDK timer: see that
//! file). QEMU runs SysTick on its virtual clock, so `-icount` makes every
//! timeout a function of the instructions executed, as there.
//!
//! The wake queue: `schedule_wake` puts the task's waker into
//! [`Queue`] (the queue "integrated" in the executor's task headers, no
//! capacity to choose) and keeps the earliest expiration as the alarm. The
//! SysTick handler counts the tick and, once the alarm is due, lets the
//! queue wake every expired task (which pends the executor: `SEV`, so its
//! `WFE` returns) and sets the next alarm. A timer therefore fires on the
//! first tick at or after its deadline: at most 1 ms late, never early. An
//! expiration already in the past when it is scheduled is woken at once.

use core::cell::{Cell, RefCell};
use core::task::Waker;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;
use critical_section::Mutex;
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

/// Core clock of the MPS2 FPGA images and of QEMU's model.
pub const CORE_HZ: u32 = 25_000_000;

/// The driver's state: the tick count, the next alarm and the wake queue.
struct SysTickDriver {
    /// Milliseconds since [`start`].
    ticks: Mutex<Cell<u64>>,
    /// The tick at which the queue has something to wake (`u64::MAX`: none).
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut queue = self.queue.borrow_ref_mut(cs);
            if queue.schedule_wake(at, waker) {
                // Wakes what is already due, returns the next expiration.
                let now = self.ticks.borrow(cs).get();
                self.alarm.borrow(cs).set(queue.next_expiration(now));
            }
        });
    }
}

/// Start the 1 kHz tick (before the executor runs).
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / 1_000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Milliseconds since [`start`] (what ports/qemu-rust's shared files call).
pub fn now_ms() -> u64 {
    embassy_time_driver::now()
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        let now = ticks.get().wrapping_add(1);
        ticks.set(now);
        let alarm = DRIVER.alarm.borrow(cs);
        if now >= alarm.get() {
            let next = DRIVER.queue.borrow_ref_mut(cs).next_expiration(now);
            alarm.set(next);
        }
    });
}
