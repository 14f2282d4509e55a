//! The C port: a struct of callbacks, the receive ring an interrupt handler
//! can fill, the random-bytes callback as a `rand_core` CSPRNG, and the log
//! sink.

use core::cell::RefCell;
use core::ffi::{c_char, c_void};
use core::fmt::{self, Write as _};

use critical_section::Mutex;

use super::pool::MAX_MODEMS;
use crate::port::{Port, PortError};

/// `uart_read` return value: the UART (or the connection standing in for
/// it) is gone for good.
pub const MTLS_PORT_CLOSED: i32 = -2;

/// Bytes the receive ring of one modem holds (`mtls_uart_rx_isr()`).
pub const MTLS_RX_RING_LEN: usize = 2048;

/// Largest request passed to `uart_read` at once.
const READ_CHUNK: usize = 1024;

/// What the library needs from the board, as C callbacks. Every callback
/// gets `user` as its first argument. The struct is copied by
/// `mtls_modem_open()`; `user` must stay valid until `mtls_modem_close()`.
///
/// Callbacks are called only from inside `mtls_*` calls on the modem they
/// were given to, never from an interrupt, and never concurrently with each
/// other for one modem.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy)]
pub struct mtls_port {
    /// Your context, passed to every callback.
    pub user: *mut c_void,
    /// Required. Write all `len` bytes to the modem's UART. Return 0 when all
    /// were written, a negative number on error (`MTLS_PORT_CLOSED` when the
    /// UART is gone for good).
    pub uart_write:
        Option<unsafe extern "C" fn(user: *mut c_void, data: *const u8, len: usize) -> i32>,
    /// Read what the UART has received into `buf` (at most `len` bytes),
    /// waiting at most `timeout_ms` for the first byte. Return the number of
    /// bytes read, 0 when the time passed with none, a negative number on
    /// error (`MTLS_PORT_CLOSED` when the UART is gone for good).
    ///
    /// NULL: the library reads the receive ring that your UART interrupt
    /// handler fills with `mtls_uart_rx_isr()`, waiting with `now_ms` (and
    /// `idle`, if set).
    pub uart_read: Option<
        unsafe extern "C" fn(user: *mut c_void, buf: *mut u8, len: usize, timeout_ms: u32) -> i32,
    >,
    /// Required. Monotonic milliseconds since any fixed start.
    pub now_ms: Option<unsafe extern "C" fn(user: *mut c_void) -> u64>,
    /// Required for the host TLS path (Host and Auto modes): fill `buf` with
    /// `len` bytes from a cryptographically secure generator (hardware TRNG
    /// or a DRBG seeded from one). Return 0 on success, non-zero on failure
    /// (the connect then fails with `MTLS_ERR_RANDOM_FAILED`).
    pub random: Option<unsafe extern "C" fn(user: *mut c_void, buf: *mut u8, len: usize) -> i32>,
    /// Optional. Set `*out_secs` to the Unix time (UTC seconds) from a
    /// trusted real-time clock and return 0; return non-zero when the time
    /// is not known. NULL or non-zero: the host TLS path reads the modem's
    /// network clock (`AT+CCLK?`) for certificate validity.
    pub unix_time: Option<unsafe extern "C" fn(user: *mut c_void, out_secs: *mut u64) -> i32>,
    /// Optional. One line of diagnostics (no newline), `len` bytes at `msg`,
    /// NUL-terminated; valid only during the call.
    pub log: Option<unsafe extern "C" fn(user: *mut c_void, msg: *const c_char, len: usize)>,
    /// Optional. Called while the library waits for the receive ring
    /// (`uart_read` NULL) and nothing has arrived, e.g. to sleep until the
    /// next interrupt (`__WFI()`) or to yield to other tasks.
    pub idle: Option<unsafe extern "C" fn(user: *mut c_void)>,
}

impl mtls_port {
    /// The required callbacks are there.
    pub(crate) fn is_complete(&self) -> bool {
        self.uart_write.is_some() && self.now_ms.is_some()
    }

    pub(crate) fn now(&self) -> u64 {
        match self.now_ms {
            // SAFETY: a callback the C side registered for this purpose,
            // called with its own `user`, as documented on `mtls_port`.
            Some(f) => unsafe { f(self.user) },
            None => 0,
        }
    }

    /// Send one log line (truncated to 200 bytes) to the log sink.
    pub(crate) fn log(&self, args: fmt::Arguments<'_>) {
        let Some(sink) = self.log else { return };
        let mut line = LogLine::default();
        let _ = line.write_fmt(args);
        let len = line.len;
        if let Some(nul) = line.buf.get_mut(len) {
            *nul = 0;
        }
        // SAFETY: `line.buf` holds `len` bytes plus a NUL and lives across
        // the call; callback and `user` as documented on `mtls_port`.
        unsafe { sink(self.user, line.buf.as_ptr().cast::<c_char>(), len) };
    }
}

/// A fixed log line buffer (the text is cut at 200 bytes).
struct LogLine {
    buf: [u8; 201],
    len: usize,
}

impl Default for LogLine {
    fn default() -> Self {
        Self {
            buf: [0; 201],
            len: 0,
        }
    }
}

impl fmt::Write for LogLine {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            // Keep one byte for the NUL; replace embedded NULs.
            if self.len + 1 >= self.buf.len() {
                return Err(fmt::Error);
            }
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = if b == 0 { b'?' } else { b };
            }
            self.len += 1;
        }
        Ok(())
    }
}

// ---- receive ring ----

/// A byte ring shared by the UART interrupt (producer) and the library
/// (consumer), always accessed inside a critical section.
pub(crate) struct Ring {
    buf: [u8; MTLS_RX_RING_LEN],
    head: usize,
    len: usize,
    /// Bytes dropped because the ring was full.
    pub(crate) dropped: u32,
}

impl Ring {
    const fn new() -> Self {
        Self {
            buf: [0; MTLS_RX_RING_LEN],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    /// Append all of `data`, or (when the ring has less room) none of it and
    /// count it as dropped. Returns whether it was taken.
    pub(crate) fn push(&mut self, data: &[u8]) -> bool {
        if data.len() > MTLS_RX_RING_LEN - self.len {
            let lost = u32::try_from(data.len()).unwrap_or(u32::MAX);
            self.dropped = self.dropped.saturating_add(lost);
            return false;
        }
        for &b in data {
            let at = (self.head + self.len) % MTLS_RX_RING_LEN;
            if let Some(slot) = self.buf.get_mut(at) {
                *slot = b;
            }
            self.len += 1;
        }
        true
    }

    /// Move up to `out.len()` bytes out; returns how many.
    pub(crate) fn pop(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        for o in out.iter_mut() {
            if self.len == 0 {
                break;
            }
            *o = self.buf.get(self.head).copied().unwrap_or(0);
            self.head = (self.head + 1) % MTLS_RX_RING_LEN;
            self.len -= 1;
            n += 1;
        }
        n
    }

    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.dropped = 0;
    }
}

/// One receive ring per modem slot.
pub(crate) static RINGS: [Mutex<RefCell<Ring>>; MAX_MODEMS] =
    [const { Mutex::new(RefCell::new(Ring::new())) }; MAX_MODEMS];

// ---- the Port ----

/// The library's [`Port`] over the C callbacks of modem slot `slot`.
pub(crate) struct CPort {
    pub(crate) cb: mtls_port,
    pub(crate) slot: usize,
}

fn port_error(code: i32) -> PortError {
    if code == MTLS_PORT_CLOSED {
        PortError::Closed
    } else {
        PortError::Io
    }
}

impl Port for CPort {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        let Some(write) = self.cb.uart_write else {
            return Err(PortError::Io);
        };
        if data.is_empty() {
            return Ok(());
        }
        // SAFETY: `data` is a live slice; callback and `user` as documented
        // on `mtls_port`.
        let r = unsafe { write(self.cb.user, data.as_ptr(), data.len()) };
        if r == 0 {
            Ok(())
        } else {
            Err(port_error(r))
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        let len = buf.len().min(READ_CHUNK);
        let Some(dst) = buf.get_mut(..len) else {
            return Ok(0);
        };
        if dst.is_empty() {
            return Ok(0);
        }
        match self.cb.uart_read {
            Some(read) => {
                // SAFETY: `dst` is a live, writable slice of `dst.len()`
                // bytes; callback and `user` as documented on `mtls_port`.
                let r = unsafe { read(self.cb.user, dst.as_mut_ptr(), dst.len(), timeout_ms) };
                match usize::try_from(r) {
                    // A callback claiming more than it was given is broken:
                    // never trust it with the slice bounds.
                    Ok(n) if n <= dst.len() => Ok(n),
                    Ok(_) => Err(PortError::Io),
                    Err(_) => Err(port_error(r)),
                }
            }
            None => Ok(self.read_ring(dst, timeout_ms)),
        }
    }

    fn now_ms(&mut self) -> u64 {
        self.cb.now()
    }

    fn unix_time(&mut self) -> Option<u64> {
        let f = self.cb.unix_time?;
        let mut t: u64 = 0;
        // SAFETY: `t` is a live u64; callback and `user` as documented on
        // `mtls_port`.
        let r = unsafe { f(self.cb.user, &mut t) };
        (r == 0).then_some(t)
    }
}

impl CPort {
    fn read_ring(&mut self, dst: &mut [u8], timeout_ms: u32) -> usize {
        let Some(ring) = RINGS.get(self.slot) else {
            return 0;
        };
        let start = self.cb.now();
        loop {
            let n = critical_section::with(|cs| ring.borrow_ref_mut(cs).pop(dst));
            if n > 0 {
                return n;
            }
            if self.cb.now().saturating_sub(start) >= u64::from(timeout_ms) {
                return 0;
            }
            match self.cb.idle {
                // SAFETY: callback and `user` as documented on `mtls_port`.
                Some(idle) => unsafe { idle(self.cb.user) },
                None => core::hint::spin_loop(),
            }
        }
    }
}

// ---- randomness ----

/// The port's `random` callback as the CSPRNG of the host TLS path.
///
/// `new` draws a 32-byte seed from the callback and fails when it cannot.
/// Every later request goes to the callback again; if the callback fails in
/// the middle of a handshake (where `rand_core::RngCore::fill_bytes` cannot
/// report an error), the bytes come from SHA-256 over the seed and a
/// counter instead — still unpredictable, never constant — and
/// [`CRng::failed`] makes the caller discard the session.
pub(crate) struct CRng {
    cb: mtls_port,
    seed: [u8; 32],
    counter: u64,
    failed: bool,
}

impl CRng {
    pub(crate) fn new(cb: mtls_port) -> Option<Self> {
        let mut rng = CRng {
            cb,
            seed: [0; 32],
            counter: 0,
            failed: false,
        };
        let mut seed = [0u8; 32];
        rng.call(&mut seed).ok()?;
        rng.seed = seed;
        seed.fill(0);
        Some(rng)
    }

    /// A generator that has not tested the callback (the offloaded path,
    /// which never draws from it). Should it be used after all and the
    /// callback fail, [`CRng::failed`] discards the session as with `new`.
    pub(crate) fn unseeded(cb: mtls_port) -> Self {
        CRng {
            cb,
            seed: [0; 32],
            counter: 0,
            failed: false,
        }
    }

    /// The callback failed at least once after `new`.
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }

    fn call(&mut self, dest: &mut [u8]) -> Result<(), ()> {
        let Some(f) = self.cb.random else {
            return Err(());
        };
        if dest.is_empty() {
            return Ok(());
        }
        // SAFETY: `dest` is a live, writable slice; callback and `user` as
        // documented on `mtls_port`.
        let r = unsafe { f(self.cb.user, dest.as_mut_ptr(), dest.len()) };
        if r == 0 {
            Ok(())
        } else {
            Err(())
        }
    }

    fn fallback(&mut self, dest: &mut [u8]) {
        use sha2::{Digest, Sha256};
        for chunk in dest.chunks_mut(32) {
            self.counter = self.counter.wrapping_add(1);
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_le_bytes());
            let block = h.finalize();
            for (d, s) in chunk.iter_mut().zip(block.iter()) {
                *d = *s;
            }
        }
    }
}

impl Drop for CRng {
    fn drop(&mut self) {
        self.seed.fill(0);
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    }
}

impl rand_core::RngCore for CRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.call(dest).is_err() {
            self.failed = true;
            self.fallback(dest);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.call(dest).map_err(|()| {
            self.failed = true;
            rand_core::Error::from(
                core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START)
                    .unwrap_or(core::num::NonZeroU32::MIN),
            )
        })
    }
}

impl rand_core::CryptoRng for CRng {}
