//! The firmware's log over semihosting, in two weights.
//!
//! - [`text`], [`dec`] and [`Steps`] print fixed strings and decimal
//!   numbers without `core::fmt`: the step lines, the stack and time
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

/// Print `n` in decimal.
pub fn dec(n: u64) {
    let mut buf = [0u8; 20];
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
    if let Ok(s) = core::str::from_utf8(buf.get(i..).unwrap_or(&[])) {
        text(s);
    }
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
        dec(now - self.start);
        text(" ms | +");
        dec(now - self.last);
        text(" ms] ");
        text(what);
        text(" (stack ");
        dec(peak as u64);
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
