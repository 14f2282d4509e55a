//! The C ABI (feature `capi`): `libmodemtls.a` and `include/modemtls.h`.
//!
//! Every `unsafe` of the crate is in this module. The conventions (after
//! rustls-ffi, adapted to no heap):
//!
//! - `mtls_` prefix; opaque handles ([`mtls_modem`], [`mtls_session`]) that
//!   are never dereferenced: they carry a pool slot and a generation, so a
//!   closed, stale or forged handle gives `MTLS_ERR_BAD_HANDLE`;
//! - one status enum ([`mtls_status`]) with stable numbers, and
//!   [`mtls_status_str`];
//! - inputs before outputs; every buffer followed by its length; outputs
//!   written only on success; every pointer checked for NULL; no code path
//!   panics on any argument (the archive is built with `panic = "abort"`);
//! - storage is a static pool ([`MTLS_MAX_MODEMS`] modems, each with room for
//!   one session and its host-TLS buffers) guarded by `critical-section`;
//!   no heap.
//!
//! The port is a struct of C callbacks ([`mtls_port`]); see
//! `docs/c-quickstart.md` for a complete example.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo
)]

// Declared in the order of the header (cbindgen follows it; each group
// stands apart so formatting keeps the order): types, then the calls in the
// order a program uses them.
mod pool;
mod port;
mod status;
mod types;

// 1. the library and a modem
mod modem_calls;

// 2. a session
mod session_calls;

// 3. the decision cache
mod cache_calls;

// 4. failures
mod detail;

// 5. the UART interrupt
mod isr;

#[cfg(test)]
mod tests;

use core::ffi::{c_char, CStr};
use core::fmt::{self, Write as _};

use embedded_io::{Read as _, Write as _};

pub use cache_calls::*;
pub use detail::*;
pub use isr::*;
pub use modem_calls::*;
pub use pool::{mtls_modem, mtls_session};
pub use port::{mtls_port, MTLS_PORT_CLOSED, MTLS_RX_RING_LEN};
pub use session_calls::*;
pub use status::mtls_status;
pub use types::*;

use crate::auto::{self, PathCache, Step};
use crate::error::Error;
use crate::modem::Apn;
use crate::modem::{Modem, Timeouts};
use crate::session::{ClientIdentity, Credential, Mode, Path, ServerHints, SessionConfig};
use pool::{Blob, Checkout, CACHE_ENTRIES};
use port::CRng;
use status::mtls_status as S;

/// Modem slots in the static pool.
pub const MTLS_MAX_MODEMS: usize = 1;
/// Sessions in the static pool: one per modem (the modem's driver belongs
/// to its session while it is open).
pub const MTLS_MAX_SESSIONS: usize = 1;
/// Longest host name, bytes (RFC 1035).
pub const MTLS_MAX_HOST_LEN: usize = 253;
/// Longest certificate bundle or key accepted, bytes.
pub const MTLS_MAX_CREDENTIAL_LEN: usize = 65536;
/// Largest `mtls_cache_save()` output, bytes.
pub const MTLS_CACHE_SAVE_MAX: usize = 61;
/// Largest `mtls_ticket_save()` output, bytes.
pub const MTLS_TICKET_SAVE_MAX: usize = 604;
/// A buffer of this size always holds `mtls_last_error_detail()` text.
pub const MTLS_DETAIL_MAX: usize = 512;
/// Longest model / revision string of `mtls_modem_identity()`, plus the NUL.
pub const MTLS_IDENTITY_MAX: usize = 49;

const _: () = assert!(MTLS_MAX_MODEMS == pool::MAX_MODEMS);
const _: () = assert!(MTLS_MAX_HOST_LEN == crate::session::MAX_HOST_LEN);
const _: () = assert!(MTLS_CACHE_SAVE_MAX == PathCache::<CACHE_ENTRIES>::SERIALIZED_MAX);
const _: () = assert!(MTLS_TICKET_SAVE_MAX == crate::tls::Ticket::SERIALIZED_MAX);

// ---- argument helpers ----

/// Bytes from C: NULL is refused; so is a length no object can have.
///
/// # Safety
/// If `ptr` is not NULL it must point to `len` readable bytes that stay
/// valid and unchanged for `'a`.
unsafe fn bytes_in<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], mtls_status> {
    if ptr.is_null() {
        return Err(S::MTLS_ERR_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(S::MTLS_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, length in range; validity is the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A writable buffer from C (see [`bytes_in`]).
///
/// # Safety
/// If `ptr` is not NULL it must point to `len` writable bytes, not
/// otherwise referenced during `'a`.
unsafe fn bytes_out<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8], mtls_status> {
    if ptr.is_null() {
        return Err(S::MTLS_ERR_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(S::MTLS_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, length in range; validity is the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// An optional string argument: NULL with length 0 is "".
///
/// # Safety
/// As [`bytes_in`].
unsafe fn opt_str_in<'a>(
    ptr: *const c_char,
    len: usize,
    max: usize,
) -> Result<&'a str, mtls_status> {
    if ptr.is_null() && len == 0 {
        return Ok("");
    }
    if ptr.is_null() {
        return Err(S::MTLS_ERR_NULL_POINTER);
    }
    if len > max {
        return Err(S::MTLS_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: forwarded contract.
    let b = unsafe { bytes_in(ptr.cast::<u8>(), len) }?;
    core::str::from_utf8(b).map_err(|_| S::MTLS_ERR_INVALID_ARGUMENT)
}

/// An optional credential: NULL with length 0 is none; otherwise PEM (has a
/// `-----BEGIN` line) or DER (a SEQUENCE).
///
/// # Safety
/// As [`bytes_in`].
unsafe fn credential_in<'a>(
    ptr: *const u8,
    len: usize,
) -> Result<Option<Credential<'a>>, mtls_status> {
    if ptr.is_null() && len == 0 {
        return Ok(None);
    }
    if ptr.is_null() {
        return Err(S::MTLS_ERR_NULL_POINTER);
    }
    if len == 0 {
        return Err(S::MTLS_ERR_CREDENTIAL_FORMAT);
    }
    if len > MTLS_MAX_CREDENTIAL_LEN {
        return Err(S::MTLS_ERR_CREDENTIAL_TOO_LARGE);
    }
    // SAFETY: forwarded contract.
    let b = unsafe { bytes_in(ptr, len) }?;
    match Credential::detect(b) {
        Credential::Der(d) if d.first() != Some(&0x30) => Err(S::MTLS_ERR_CREDENTIAL_FORMAT),
        c => Ok(Some(c)),
    }
}

/// The CA bundle, client certificate and client key of a call, each
/// optional; a certificate needs its key and a key its certificate.
type CredentialSet<'a> = (
    Option<Credential<'a>>,
    Option<Credential<'a>>,
    Option<Credential<'a>>,
);

/// The three credentials of `mtls_credentials` / `mtls_config`, checked.
///
/// # Safety
/// As [`bytes_in`], for each pointer/length pair.
unsafe fn credential_set_in<'a>(
    ca: (*const u8, usize),
    cert: (*const u8, usize),
    key: (*const u8, usize),
) -> Result<CredentialSet<'a>, mtls_status> {
    // SAFETY: forwarded contract.
    let parsed = unsafe {
        (
            credential_in(ca.0, ca.1),
            credential_in(cert.0, cert.1),
            credential_in(key.0, key.1),
        )
    };
    let (ca, cert, key) = match parsed {
        (Ok(a), Ok(b), Ok(k)) => (a, b, k),
        (Err(s), _, _) | (_, Err(s), _) | (_, _, Err(s)) => return Err(s),
    };
    if cert.is_some() != key.is_some() {
        return Err(S::MTLS_ERR_INVALID_ARGUMENT);
    }
    Ok((ca, cert, key))
}

/// A credential stashed in the slot.
///
/// # Safety
/// The caller of `mtls_modem_set_credentials()` keeps the bytes valid (its
/// documented contract); `b` was checked by [`credential_in`] then.
unsafe fn blob_credential<'a>(b: Blob) -> Option<Credential<'a>> {
    if !b.is_some() {
        return None;
    }
    // SAFETY: the caller's contract above.
    let bytes = unsafe { core::slice::from_raw_parts(b.ptr, b.len) };
    Some(Credential::detect(bytes))
}

fn blob_of(c: Option<Credential<'_>>) -> Blob {
    match c {
        Some(c) => Blob {
            ptr: c.bytes().as_ptr(),
            len: c.bytes().len(),
        },
        None => Blob::NONE,
    }
}

/// Write `value` to a C out-pointer.
///
/// # Safety
/// `out` is NULL or points to writable memory for a `T`.
unsafe fn put<T>(out: *mut T, value: T) -> mtls_status {
    if out.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL and writable (the caller's contract); unaligned
    // write so a packed caller struct is fine too.
    unsafe { out.write_unaligned(value) };
    S::MTLS_OK
}

/// Copy `text` and a NUL into `buf`, or fail without writing.
fn put_text(text: &[u8], buf: &mut [u8]) -> Result<usize, mtls_status> {
    let n = text.len();
    let dst = buf.get_mut(..n + 1).ok_or(S::MTLS_ERR_BUFFER_TOO_SMALL)?;
    let (body, nul) = dst.split_at_mut(n);
    body.copy_from_slice(text);
    if let Some(z) = nul.first_mut() {
        *z = 0;
    }
    Ok(n)
}

/// Text of bounded length, cut when full (for log lines and error details).
struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }
    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl<const N: usize> fmt::Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            // One byte stays free for the NUL.
            match self.buf.get_mut(self.len) {
                Some(slot) if self.len + 1 < N => {
                    *slot = if b == 0 { b'?' } else { b };
                    self.len += 1;
                }
                _ => return Err(fmt::Error),
            }
        }
        Ok(())
    }
}

/// Record a failure of a library call in the slot; returns its status.
fn failed(co: &mut Checkout, e: Error) -> mtls_status {
    let s = status::of_error(&e);
    if let Ok(x) = co.extra() {
        x.last = Some((s, Some(e)));
    }
    s
}

/// The value of `Ok`, or return the status of `Err` from the calling
/// `extern "C"` function (the `?` of functions that return a status).
macro_rules! try_status {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(status) => return status,
        }
    };
}
// By path, so the call modules' `use super::*` finds it.
use try_status;

fn result(r: Result<(), mtls_status>) -> mtls_status {
    match r {
        Ok(()) => S::MTLS_OK,
        Err(s) => s,
    }
}

/// The `PathReason::code()` strings, NUL-terminated, by `number()`.
const REASON_CODES: [&CStr; 15] = [
    c"requested",
    c"modem-capable",
    c"needs-tls13",
    c"needs-sni",
    c"needs-client-cert",
    c"credential-too-large",
    c"cached-host",
    c"fallback-no-common-cipher",
    c"fallback-protocol-version",
    c"fallback-sni-required",
    c"fallback-handshake-failed",
    c"fallback-credential-format",
    c"needs-end-to-end",
    c"needs-hostname-check",
    c"needs-alpn",
];

fn reason_code(n: u8) -> *const c_char {
    REASON_CODES
        .get(usize::from(n))
        .copied()
        .unwrap_or(c"unknown")
        .as_ptr()
}

// ---- bare-metal support for the C archive ----

/// `critical-section` for C firmware (feature `capi-cs-extern`).
#[cfg(feature = "capi-cs-extern")]
mod cs_extern {
    extern "C" {
        /// Defined by YOUR firmware when the archive is built with feature
        /// `capi-cs-extern` (bare-metal C; compile with `-DMTLS_CS_EXTERN`
        /// to see these declarations). Enter a critical section that also
        /// excludes the UART interrupt calling `mtls_uart_rx_isr()`, and
        /// return the previous state. Single-core Cortex-M:
        /// `uint32_t p = __get_PRIMASK(); __disable_irq(); return p;`.
        /// With an RTOS, its critical section (e.g. `taskENTER_CRITICAL()`)
        /// works as long as the UART interrupt is masked by it. Nested calls
        /// must work (the state returned is restored in reverse order).
        pub fn mtls_critical_enter() -> u32;
        /// Defined by YOUR firmware with `mtls_critical_enter()`: leave the
        /// critical section, restoring `state` (Cortex-M: `__set_PRIMASK(state);`).
        pub fn mtls_critical_exit(state: u32);
    }

    struct CImpl;
    critical_section::set_impl!(CImpl);

    // SAFETY: the C functions implement a critical section as documented
    // above (nesting handled by returning and restoring the state).
    unsafe impl critical_section::Impl for CImpl {
        unsafe fn acquire() -> critical_section::RawRestoreState {
            // SAFETY: a C function without preconditions.
            unsafe { mtls_critical_enter() }
        }
        unsafe fn release(state: critical_section::RawRestoreState) {
            // SAFETY: `state` came from the matching acquire.
            unsafe { mtls_critical_exit(state) }
        }
    }
}

/// The archive's panic handler on bare metal (a `std` build uses std's).
/// No input makes the library panic; this is the last line of defence:
/// it stops here, for a watchdog or a debugger.
#[cfg(all(not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
