//! The firmware's log over semihosting, in two weights.
//!
//! - [`text`], [`dec`] (32-bit), [`dec64`] and [`Steps`] print fixed
//!   strings and decimal numbers without `core::fmt` (nor 64-bit division): the step lines, the stack and time
//!   figures and the `RESULT` line the runner parses are printed this way
//!   in every build.
//! - [`detail!`](crate::detail) lines (identity, session parameters, error
//!   debug output) use `hprintln!` and so `core::fmt`. With the `lean`
//!   feature they compile to nothing, so the image measures what the
//!   library costs, not the harness's formatting.

use crate::clock;
use crate::stack::{self, Painted};

/// Print `s` as is.
pub fn text(s: &str) {
    cortex_m_semihosting::hprint!(s);
}

/// The decimal digits of `n`, written to the end of `buf`.
///
/// 32-bit arithmetic only: a `u64` division would link
/// `compiler_builtins`' 64-bit `div_rem` (about 0.9 KB) into every image.
pub fn digits(n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or(&[])
}

/// Print bytes from [`digits`].
fn ascii(digits: &[u8]) {
    // SAFETY: `digits` writes only b'0'..=b'9' (ASCII, so UTF-8).
    text(unsafe { core::str::from_utf8_unchecked(digits) });
}

/// Print `n` in decimal.
pub fn dec(n: u32) {
    let mut buf = [0u8; 10];
    ascii(digits(n, &mut buf));
}

/// Print a 64-bit `n` in decimal without 64-bit division: `n` is split
/// into groups of four digits (long division by 10,000 on 16-bit limbs)
/// until the rest fits in 32 bits. (The `compute` figures; the clock
/// spans go through [`ms`] and [`dec`].)
#[cfg(feature = "compute")]
pub fn dec64(n: u64) {
    // u64::MAX / 10^12 < 2^32: at most three groups.
    let mut groups = [0u32; 3];
    let mut k = 0;
    let mut n = n;
    while n > u64::from(u32::MAX) && k < groups.len() {
        let mut q = 0u64;
        let mut r = 0u32;
        for shift in [48, 32, 16, 0] {
            let cur = (r << 16) | ((n >> shift) as u32 & 0xFFFF);
            q |= u64::from(cur / 10_000) << shift;
            r = cur % 10_000;
        }
        groups[k] = r;
        k += 1;
        n = q;
    }
    dec(n as u32);
    while k > 0 {
        k -= 1;
        let mut buf = [0u8; 10];
        // 10_000 + group: five digits, the first dropped (zero padding).
        ascii(digits(10_000 + groups[k], &mut buf).get(1..).unwrap_or(&[]));
    }
}

/// A span of the millisecond clock as 32 bits for [`dec`]: exact up to
/// 49 days, far beyond any run (the runner kills QEMU after minutes);
/// saturates after that.
pub fn ms(span: u64) -> u32 {
    u32::try_from(span).unwrap_or(u32::MAX)
}

/// A line with formatting, compiled out in `lean` builds.
#[macro_export]
macro_rules! detail {
    ($($arg:tt)*) => {{
        #[cfg(not(feature = "lean"))]
        {
            cortex_m_semihosting::hprintln!($($arg)*);
        }
        #[cfg(feature = "lean")]
        {
            // Type-check the arguments (and mark them used) without
            // linking any formatting code.
            if false {
                let _ = format_args!($($arg)*);
            }
        }
    }};
}

/// A step log with the firmware's millisecond clock and the peak stack of
/// each step.
pub struct Steps {
    start: u64,
    last: u64,
    painted: Painted,
    max_stack: usize,
}

impl Steps {
    /// Start timing now; `painted` is the stack painting done at reset.
    pub fn new(painted: Painted) -> Self {
        let now = clock::now_ms();
        Steps {
            start: now,
            last: now,
            painted,
            max_stack: 0,
        }
    }

    /// Print `[<total> ms | +<delta> ms] <what> (stack <peak> B)`, the peak
    /// being that of the step just finished; then repaint for the next.
    pub fn step(&mut self, what: &str) {
        let now = clock::now_ms();
        let peak = stack::peak(&self.painted);
        self.max_stack = self.max_stack.max(peak);
        text("  [");
        dec(ms(now - self.start));
        text(" ms | +");
        dec(ms(now - self.last));
        text(" ms] ");
        text(what);
        text(" (stack ");
        dec(peak as u32);
        text(" B)\n");
        self.last = now;
        self.painted = stack::paint();
    }

    /// Milliseconds since the start.
    pub fn total(&self) -> u64 {
        clock::now_ms() - self.start
    }

    /// Peak stack since reset.
    pub fn max_stack(&self) -> usize {
        self.max_stack.max(stack::peak(&self.painted))
    }
}
