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

mod pool;
mod port;
mod status;
#[cfg(test)]
mod tests;

use core::ffi::{c_char, CStr};
use core::fmt::{self, Write as _};

use embedded_io::{Read as _, Write as _};

pub use pool::{mtls_modem, mtls_session};
pub use port::{mtls_port, MTLS_PORT_CLOSED, MTLS_RX_RING_LEN};
pub use status::mtls_status;

use crate::auto::{self, PathCache, Step};
use crate::error::Error;
use crate::modem::quectel::Timeouts;
use crate::modem::Apn;
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
/// A buffer of this size always holds `mtls_last_error_detail()` text.
pub const MTLS_DETAIL_MAX: usize = 512;
/// Longest model / revision string of `mtls_modem_identity()`, plus the NUL.
pub const MTLS_IDENTITY_MAX: usize = 49;

const _: () = assert!(MTLS_MAX_MODEMS == pool::MAX_MODEMS);
const _: () = assert!(MTLS_MAX_HOST_LEN == crate::session::MAX_HOST_LEN);
const _: () = assert!(MTLS_CACHE_SAVE_MAX == PathCache::<CACHE_ENTRIES>::SERIALIZED_MAX);

/// Where TLS runs (`mtls_config.mode`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mtls_mode {
    /// Let the library choose per session: offload when the modem's firmware
    /// can meet the session's needs, else (or after a capability failure of
    /// the firmware's handshake) host. Never to weaker verification.
    MTLS_MODE_AUTO = 0,
    /// TLS inside the modem (its SSL AT commands).
    MTLS_MODE_OFFLOAD = 1,
    /// TLS on the MCU over the modem's raw TCP socket.
    MTLS_MODE_HOST = 2,
}

/// The path a session took (`mtls_session_info.path`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mtls_path {
    /// TLS in the modem firmware.
    MTLS_PATH_OFFLOAD = 1,
    /// TLS on the MCU.
    MTLS_PATH_HOST = 2,
}

/// Deadlines of the modem driver, milliseconds; 0 keeps the current value.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mtls_timeouts {
    /// Ordinary AT commands (default 5000).
    pub command_ms: u32,
    /// Network attach, `AT+QIACT` (default 150000).
    pub attach_ms: u32,
    /// Opening a connection (default 150000).
    pub open_ms: u32,
    /// One blocking read or write (default 60000): `mtls_read()` waits at most this long.
    pub data_ms: u32,
}

/// Default credentials of a modem (`mtls_modem_set_credentials()`). Each is
/// PEM text or DER bytes (detected), or NULL with length 0 for none.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy)]
pub struct mtls_credentials {
    /// Trust anchors: a CA certificate or a PEM bundle.
    pub ca: *const u8,
    /// Bytes at `ca`.
    pub ca_len: usize,
    /// Client certificate (PEM may hold the chain), for mutual TLS.
    pub client_cert: *const u8,
    /// Bytes at `client_cert`.
    pub client_cert_len: usize,
    /// The client certificate's private key (P-256; PKCS#8 or SEC1).
    pub client_key: *const u8,
    /// Bytes at `client_key`.
    pub client_key_len: usize,
}

/// How to open one session. All-zero (`mtls_config cfg = {0};`) is the
/// safe default apart from `host`/`port`: Auto mode, verification on,
/// validity dates checked, failure diagnosis on, 60 s handshake limit.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy)]
pub struct mtls_config {
    /// Server host name or IP literal (not NUL-terminated; `host_len` bytes).
    /// Also the SNI and the name the certificate must carry.
    pub host: *const c_char,
    /// Bytes at `host`: 1 to `MTLS_MAX_HOST_LEN`.
    pub host_len: usize,
    /// Server TCP port (not 0).
    pub port: u16,
    /// One of `mtls_mode` (`MTLS_MODE_AUTO` = 0).
    pub mode: u32,
    /// Trust anchors for this session (PEM or DER); NULL with length 0: the
    /// modem's default (`mtls_modem_set_credentials()`).
    pub ca: *const u8,
    /// Bytes at `ca`.
    pub ca_len: usize,
    /// Client certificate for this session; NULL with length 0: the modem's default.
    pub client_cert: *const u8,
    /// Bytes at `client_cert`.
    pub client_cert_len: usize,
    /// Client key for this session; NULL with length 0: the modem's default.
    pub client_key: *const u8,
    /// Bytes at `client_key`.
    pub client_key_len: usize,
    /// Auto hint: the server only speaks TLS 1.3 (non-zero = yes).
    pub hint_tls13_only: u8,
    /// Auto hint: the server needs SNI (non-zero = yes).
    pub hint_requires_sni: u8,
    /// Auto hint: the data must be protected up to the MCU (non-zero =
    /// yes): the host path. On the offloaded path the UART between modem
    /// and MCU is outside TLS.
    pub hint_end_to_end: u8,
    /// DANGER: non-zero skips server certificate verification entirely.
    /// Never set by the library, never a fallback; reported in
    /// `mtls_session_info.verified`.
    pub insecure_no_verify: u8,
    /// Non-zero: verify chain and host name but not the validity dates (a
    /// device without a trustworthy clock).
    pub accept_unchecked_validity: u8,
    /// Non-zero: do not run the capability probe after a failed offloaded
    /// handshake (the error then names the cause less precisely).
    pub no_diagnosis: u8,
    /// Handshake time limit, seconds; 0 = 60.
    pub handshake_timeout_s: u16,
}

/// What a session runs on (`mtls_session_get_info()`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub struct mtls_session_info {
    /// The TLS path.
    pub path: mtls_path,
    /// Negotiated TLS version on the wire (0x0303 TLS 1.2, 0x0304 TLS 1.3); 0 if unknown.
    pub tls_version: u16,
    /// Negotiated cipher suite (IANA code); 0 if unknown.
    pub cipher_suite: u16,
    /// The server certificate was verified (false only with `insecure_no_verify`).
    pub verified: bool,
    /// Why this path: a stable number (0 requested, 1 modem-capable,
    /// 2 needs-tls13, 3 needs-sni, 4 needs-client-cert,
    /// 5 credential-too-large, 6 cached-host, 7-10 fallback after no common
    /// cipher / protocol version / SNI required / unexplained handshake
    /// failure, 11 fallback after a credential format problem, 12
    /// needs-end-to-end).
    pub reason: u8,
    /// Why this path, as a short static string (e.g. "fallback-protocol-version").
    pub reason_code: *const c_char,
    /// After an Auto fallback: the status the offloaded handshake failed
    /// with; `MTLS_OK` when there was no fallback.
    pub fallback_from: mtls_status,
    /// After a fallback: the modem's own handshake result code, when
    /// `has_fallback_modem_code`.
    pub fallback_modem_code: i32,
    /// `fallback_modem_code` is set.
    pub has_fallback_modem_code: bool,
    /// After a fallback: the TLS alert the server sent (description code), or -1.
    pub fallback_alert: i16,
}

/// Use of the static pool (`mtls_pool_get_stats()`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct mtls_pool_stats {
    /// Modems open.
    pub modems_in_use: u32,
    /// `MTLS_MAX_MODEMS`.
    pub modems_max: u32,
    /// Sessions open.
    pub sessions_in_use: u32,
    /// `MTLS_MAX_SESSIONS`.
    pub sessions_max: u32,
    /// Bytes `mtls_uart_rx_isr()` dropped because a receive ring was full.
    pub rx_dropped: u32,
}

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

fn result(r: Result<(), mtls_status>) -> mtls_status {
    match r {
        Ok(()) => S::MTLS_OK,
        Err(s) => s,
    }
}

/// The `PathReason::code()` strings, NUL-terminated, by `number()`.
const REASON_CODES: [&CStr; 13] = [
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
];

fn reason_code(n: u8) -> *const c_char {
    REASON_CODES
        .get(usize::from(n))
        .copied()
        .unwrap_or(c"unknown")
        .as_ptr()
}

// ---- the API ----

/// The library version, a static NUL-terminated string.
#[no_mangle]
pub extern "C" fn mtls_version() -> *const c_char {
    const V: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    V.as_ptr()
}

/// A static NUL-terminated text for any status number ("MTLS_ERR_DNS: DNS
/// lookup of the host failed"); numbers that are no status give
/// "unknown mtls_status". Takes an `int` so any value is safe to pass.
#[no_mangle]
pub extern "C" fn mtls_status_str(status: i32) -> *const c_char {
    status::text_of(status)
}

/// Pool usage, e.g. to check that nothing leaks a slot.
///
/// # Safety
/// `out` is NULL or points to a writable `mtls_pool_stats`.
#[no_mangle]
pub unsafe extern "C" fn mtls_pool_get_stats(out: *mut mtls_pool_stats) -> mtls_status {
    let (modems, sessions, dropped) = pool::stats();
    let stats = mtls_pool_stats {
        modems_in_use: u32::try_from(modems).unwrap_or(u32::MAX),
        modems_max: MTLS_MAX_MODEMS as u32,
        sessions_in_use: u32::try_from(sessions).unwrap_or(u32::MAX),
        sessions_max: MTLS_MAX_SESSIONS as u32,
        rx_dropped: dropped,
    };
    // SAFETY: forwarded contract.
    unsafe { put(out, stats) }
}

/// Take a modem slot for a modem on the UART described by `port` (copied;
/// `port->user` must stay valid until `mtls_modem_close()`). No UART
/// traffic yet: call `mtls_modem_init()` next.
///
/// Errors: `MTLS_ERR_NULL_POINTER`, `MTLS_ERR_INVALID_ARGUMENT` (no
/// `uart_write` or `now_ms` callback), `MTLS_ERR_NO_FREE_SLOT`.
///
/// # Safety
/// `port` is NULL or points to a readable `mtls_port` whose callbacks are
/// valid functions; `out_modem` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_open(
    port: *const mtls_port,
    out_modem: *mut *mut mtls_modem,
) -> mtls_status {
    if port.is_null() || out_modem.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL, readable (the caller's contract); copied.
    let cb = unsafe { port.read_unaligned() };
    if !cb.is_complete() {
        return S::MTLS_ERR_INVALID_ARGUMENT;
    }
    match pool::open_modem(cb) {
        // SAFETY: forwarded contract.
        Ok(h) => unsafe { put(out_modem, h) },
        Err(s) => s,
    }
}

/// Close the modem's session (if one is open: best effort, its handle
/// becomes invalid), forget the credentials and free the slot. The port
/// callbacks are not called afterwards. A second close gives
/// `MTLS_ERR_BAD_HANDLE`.
///
/// # Safety
/// None beyond passing a value `mtls_modem_open()` returned (any value is
/// checked).
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_close(modem: *mut mtls_modem) -> mtls_status {
    match pool::checkout_modem(modem) {
        Ok(co) => {
            co.free();
            S::MTLS_OK
        }
        Err(s) => s,
    }
}

/// Change the driver's deadlines (fields that are 0 keep their value).
///
/// # Safety
/// `timeouts` is NULL or points to a readable `mtls_timeouts`.
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_set_timeouts(
    modem: *mut mtls_modem,
    timeouts: *const mtls_timeouts,
) -> mtls_status {
    if timeouts.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL, readable (the caller's contract); copied.
    let t = unsafe { timeouts.read_unaligned() };
    let mut co = try_status!(pool::checkout_modem(modem));
    let (m, _) = try_status!(co.parts());
    let cur = m.timeouts();
    let pick = |new: u32, old: u32| if new == 0 { old } else { new };
    m.set_timeouts(Timeouts {
        command_ms: pick(t.command_ms, cur.command_ms),
        attach_ms: pick(t.attach_ms, cur.attach_ms),
        open_ms: pick(t.open_ms, cur.open_ms),
        data_ms: pick(t.data_ms, cur.data_ms),
    });
    S::MTLS_OK
}

/// Synchronise with the modem (`AT`), switch echo off, identify it
/// (`ATI`, `AT+QGMR`) and load its capability table. Blocks up to ~15 s.
///
/// Errors: `MTLS_ERR_MODEM_NOT_RESPONDING`, `MTLS_ERR_UNSUPPORTED_MODEM`,
/// `MTLS_ERR_PORT_IO`, `MTLS_ERR_SESSION_ACTIVE`, ...
///
/// # Safety
/// None (the handle is checked).
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_init(modem: *mut mtls_modem) -> mtls_status {
    let mut co = try_status!(pool::checkout_modem(modem));
    let (m, x) = try_status!(co.parts());
    let r = m.init().cloned();
    let port = x.port;
    match r {
        Ok(id) => {
            if let Some(p) = port {
                p.log(format_args!(
                    "modem: {} {} (firmware {})",
                    id.model, id.revision, id.firmware
                ));
            }
            x.identity = Some(id);
            co.set_initialised(true);
            S::MTLS_OK
        }
        Err(e) => {
            co.set_initialised(false);
            failed(&mut co, Error::Modem(e))
        }
    }
}

/// The model (e.g. "BG96") and firmware revision (e.g. "BG96MAR02A07M1G")
/// `mtls_modem_init()` read, as NUL-terminated strings.
/// `MTLS_IDENTITY_MAX` bytes always suffice.
///
/// Errors: `MTLS_ERR_NOT_INITIALISED`, `MTLS_ERR_BUFFER_TOO_SMALL` (nothing
/// written), `MTLS_ERR_NULL_POINTER`.
///
/// # Safety
/// `model`/`revision` are NULL or writable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_identity(
    modem: *mut mtls_modem,
    model: *mut c_char,
    model_len: usize,
    revision: *mut c_char,
    revision_len: usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let bufs = unsafe {
        (
            bytes_out(model.cast(), model_len),
            bytes_out(revision.cast(), revision_len),
        )
    };
    let (mo, rev) = match bufs {
        (Ok(a), Ok(b)) => (a, b),
        (Err(s), _) | (_, Err(s)) => return s,
    };
    let mut co = try_status!(pool::checkout_modem(modem));
    let Some(id) = co.extra().ok().and_then(|x| x.identity.clone()) else {
        return S::MTLS_ERR_NOT_INITIALISED;
    };
    if mo.len() <= id.model.len() || rev.len() <= id.revision.len() {
        return S::MTLS_ERR_BUFFER_TOO_SMALL;
    }
    result(
        put_text(id.model.as_bytes(), mo)
            .and_then(|_| put_text(id.revision.as_bytes(), rev))
            .map(|_| ()),
    )
}

/// Attach to the packet network: set the APN (`AT+QICSGP`) and activate it
/// (`AT+QIACT`). `user`/`password` may be NULL with length 0. Strings are
/// not NUL-terminated (their lengths are given), at most 63/31/31 bytes.
///
/// Errors: `MTLS_ERR_NOT_INITIALISED`, `MTLS_ERR_ATTACH_FAILED`,
/// `MTLS_ERR_INVALID_ARGUMENT` (too long, not UTF-8, a quote), ...
///
/// # Safety
/// Each string pointer is NULL or readable for its length.
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_attach(
    modem: *mut mtls_modem,
    apn: *const c_char,
    apn_len: usize,
    user: *const c_char,
    user_len: usize,
    password: *const c_char,
    password_len: usize,
) -> mtls_status {
    if apn.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded contract.
    let args = unsafe {
        (
            opt_str_in(apn, apn_len, 63),
            opt_str_in(user, user_len, 31),
            opt_str_in(password, password_len, 31),
        )
    };
    let (name, user, password) = match args {
        (Ok(a), Ok(u), Ok(p)) => (a, u, p),
        (Err(s), _, _) | (_, Err(s), _) | (_, _, Err(s)) => return s,
    };
    let mut co = try_status!(pool::checkout_modem(modem));
    if !co.initialised() {
        return S::MTLS_ERR_NOT_INITIALISED;
    }
    let (m, x) = try_status!(co.parts());
    let port = x.port;
    match m.attach(&Apn {
        name,
        user,
        password,
    }) {
        Ok(ip) => {
            if let Some(p) = port {
                p.log(format_args!("attached: APN \"{name}\", address {ip}"));
            }
            S::MTLS_OK
        }
        Err(e) => failed(&mut co, Error::Modem(e)),
    }
}

/// Set the modem's default credentials, used by every `mtls_connect()`
/// whose config leaves them NULL. Each is PEM text or DER bytes (detected;
/// DER must be one SEQUENCE), at most `MTLS_MAX_CREDENTIAL_LEN` bytes; all
/// NULL/0 clears them.
///
/// The bytes are NOT copied (no heap, and a CA bundle can be large): they
/// must stay valid and unchanged until they are replaced, cleared, or the
/// modem is closed — e.g. `const` data in flash. They are uploaded to the
/// modem (offload path, named after a CRC of their content, skipped when
/// already there) or decoded (host path) during `mtls_connect()`.
///
/// Errors: `MTLS_ERR_NULL_POINTER`, `MTLS_ERR_CREDENTIAL_FORMAT`,
/// `MTLS_ERR_CREDENTIAL_TOO_LARGE`, `MTLS_ERR_INVALID_ARGUMENT` (a
/// certificate without a key or the reverse).
///
/// # Safety
/// `creds` is NULL or readable; each pointer in it is NULL or readable for
/// its length, for as long as described above.
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_set_credentials(
    modem: *mut mtls_modem,
    creds: *const mtls_credentials,
) -> mtls_status {
    if creds.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL, readable (the caller's contract); copied.
    let c = unsafe { creds.read_unaligned() };
    // SAFETY: forwarded contract.
    let set = unsafe {
        credential_set_in(
            (c.ca, c.ca_len),
            (c.client_cert, c.client_cert_len),
            (c.client_key, c.client_key_len),
        )
    };
    let (ca, cert, key) = try_status!(set);
    let mut co = try_status!(pool::checkout_modem(modem));
    match co.extra() {
        Ok(x) => {
            x.ca = blob_of(ca);
            x.client_cert = blob_of(cert);
            x.client_key = blob_of(key);
            S::MTLS_OK
        }
        Err(s) => s,
    }
}

fn log_step(port: &mtls_port, step: Step) {
    match step {
        Step::Planned(p) => port.log(format_args!(
            "auto: plan {} ({})",
            p.path.code(),
            p.reason.code()
        )),
        Step::OffloadStarting => port.log(format_args!("offload: handshake in the modem")),
        Step::OffloadFailed { error, fallback } => match fallback {
            Some(r) => port.log(format_args!(
                "offload failed: {error}; trying host TLS ({})",
                r.code()
            )),
            None => port.log(format_args!("offload failed: {error}; no fallback")),
        },
        Step::HostStarting => port.log(format_args!("host: TLS 1.3 handshake on the MCU")),
        Step::Remembered(r) => port.log(format_args!("auto: remembered host path ({})", r.code())),
    }
}

/// Open a TLS session to `config->host:config->port` on `modem` (which must
/// be initialised and attached), the way `config->mode` says. Blocks for
/// the handshake (with Auto, possibly two). On success `*out_session` is a
/// new session handle; on failure nothing is written and
/// `mtls_last_error_detail()` has the evidence (modem code, what the
/// capability probe found, alert).
///
/// One session per modem: a second connect gives `MTLS_ERR_SESSION_ACTIVE`.
/// The config and the credentials it points to are only read during the
/// call. Host and Auto modes need the port's `random` callback.
///
/// # Safety
/// `config` is NULL or readable, and the pointers in it are NULL or
/// readable for their lengths; `out_session` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_connect(
    modem: *mut mtls_modem,
    config: *const mtls_config,
    out_session: *mut *mut mtls_session,
) -> mtls_status {
    if config.is_null() || out_session.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL, readable (the caller's contract); copied, so the
    // caller may not change it under us.
    let c = unsafe { config.read_unaligned() };
    if c.host.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    if c.host_len == 0 {
        return S::MTLS_ERR_HOST_INVALID;
    }
    if c.host_len > MTLS_MAX_HOST_LEN {
        return S::MTLS_ERR_HOST_TOO_LONG;
    }
    // SAFETY: forwarded contract (length bounded above).
    let host = match unsafe { bytes_in(c.host.cast::<u8>(), c.host_len) } {
        Ok(b) => match core::str::from_utf8(b) {
            Ok(h) => h,
            Err(_) => return S::MTLS_ERR_HOST_INVALID,
        },
        Err(s) => return s,
    };
    let mode = match c.mode {
        0 => Mode::Auto,
        1 => Mode::Offload,
        2 => Mode::Host,
        _ => return S::MTLS_ERR_INVALID_ARGUMENT,
    };
    if c.port == 0 {
        return S::MTLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: forwarded contract.
    let set = unsafe {
        credential_set_in(
            (c.ca, c.ca_len),
            (c.client_cert, c.client_cert_len),
            (c.client_key, c.client_key_len),
        )
    };
    let (ca, cert, key) = try_status!(set);

    let mut co = try_status!(pool::checkout_modem(modem));
    if !co.initialised() {
        return S::MTLS_ERR_NOT_INITIALISED;
    }
    if co.session_open() {
        return S::MTLS_ERR_SESSION_ACTIVE;
    }
    let x = try_status!(co.extra());
    let (defaults, port) = ((x.ca, x.client_cert, x.client_key), x.port);
    let Some(port) = port else {
        return S::MTLS_ERR_BAD_HANDLE;
    };
    // SAFETY: the defaults were checked by `mtls_modem_set_credentials()`,
    // whose caller keeps them valid (its documented contract).
    let (ca, cert, key) = unsafe {
        (
            ca.or_else(|| blob_credential(defaults.0)),
            cert.or_else(|| blob_credential(defaults.1)),
            key.or_else(|| blob_credential(defaults.2)),
        )
    };
    let client = match (cert, key) {
        (Some(cert), Some(key)) => Some(ClientIdentity { cert, key }),
        _ => None,
    };
    // The struct update keeps this compiling when the session
    // configuration gains a field (it then gets the Rust default).
    #[allow(clippy::needless_update)]
    let cfg = SessionConfig {
        host,
        port: c.port,
        trust: ca,
        client,
        mode,
        hints: ServerHints {
            tls13_only: c.hint_tls13_only != 0,
            requires_sni: c.hint_requires_sni != 0,
            end_to_end: c.hint_end_to_end != 0,
        },
        insecure_no_verify: c.insecure_no_verify != 0,
        accept_unchecked_validity: c.accept_unchecked_validity != 0,
        diagnose: c.no_diagnosis == 0,
        handshake_timeout_s: if c.handshake_timeout_s == 0 {
            60
        } else {
            c.handshake_timeout_s
        },
        ..SessionConfig::new(host, c.port)
    };
    if let Err(e) = cfg.validate() {
        return failed(&mut co, Error::Config(e));
    }
    if cfg.insecure_no_verify {
        port.log(format_args!(
            "WARNING: insecure_no_verify: the server certificate is not verified"
        ));
    }

    // The host path's randomness: drawn (and tested) before any traffic.
    let mut rng = match mode {
        Mode::Offload => CRng::unseeded(port),
        _ => match CRng::new(port) {
            Some(r) => r,
            None => {
                if let Ok(x) = co.extra() {
                    x.last = Some((S::MTLS_ERR_RANDOM_FAILED, None));
                }
                return S::MTLS_ERR_RANDOM_FAILED;
            }
        },
    };
    let mut last: Option<(mtls_status, Option<Error>)> = None;
    let mut opened = co.open_session(|m, bufs, x, slot| {
        let r = auto::connect_observed_in(
            slot,
            m,
            &cfg,
            &mut rng,
            bufs,
            Some(&mut x.cache),
            &mut |step| log_step(&port, step),
        );
        r.map_err(|e| {
            let st = status::of_error(&e);
            last = Some((st, Some(e)));
            st
        })
    });
    if opened.is_ok() && rng.failed() {
        // The random callback failed during the handshake: discard the
        // session rather than use keys made with less entropy.
        let _ = co.close_session();
        last = Some((S::MTLS_ERR_RANDOM_FAILED, None));
        opened = Err(S::MTLS_ERR_RANDOM_FAILED);
    }
    match opened {
        Ok(h) => {
            if let Ok((s, _)) = co.session() {
                let i = s.info();
                port.log(format_args!(
                    "connected: {} ({}), verified {}",
                    i.path.code(),
                    i.reason.code(),
                    i.verified
                ));
            }
            // SAFETY: forwarded contract.
            unsafe { put(out_session, h) }
        }
        Err(s) => {
            if let Some((st, e)) = last {
                if let Some(e) = e {
                    port.log(format_args!("connect failed: {e}"));
                }
                if let Ok(x) = co.extra() {
                    x.last = Some((st, e));
                }
            }
            s
        }
    }
}

/// Send all `len` bytes of `data` over the session; returns when they are
/// handed to the modem (host path: encrypted and flushed, one TLS record
/// per 4 KiB or less). `len` 0 does nothing.
///
/// Errors: `MTLS_ERR_BAD_HANDLE`, `MTLS_ERR_CLOSED`, `MTLS_ERR_TIMEOUT`, ...
/// After an error the session is unusable: close it.
///
/// # Safety
/// `data` is NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mtls_write(
    session: *mut mtls_session,
    data: *const u8,
    len: usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let mut rest = try_status!(unsafe { bytes_in(data, len) });
    let mut co = try_status!(pool::checkout_session(session));
    let (s, _) = try_status!(co.session());
    let mut r: Result<(), Error> = Ok(());
    while !rest.is_empty() {
        match s.write(rest) {
            Ok(0) => {
                r = Err(Error::Closed);
                break;
            }
            Ok(n) => rest = rest.get(n..).unwrap_or(&[]),
            Err(e) => {
                r = Err(e);
                break;
            }
        }
    }
    let r = r.and_then(|()| s.flush());
    match r {
        Ok(()) => S::MTLS_OK,
        Err(e) => failed(&mut co, e),
    }
}

/// Read what has arrived (at most `len` bytes) into `buf`, blocking until
/// at least one byte does (at most the driver's `data_ms`). On success
/// `*out_read` is 1..`len`. When the server has closed the session (end of
/// stream) the status is `MTLS_ERR_CLOSED` and nothing is written.
///
/// Errors: `MTLS_ERR_INVALID_ARGUMENT` (`len` 0), `MTLS_ERR_CLOSED`,
/// `MTLS_ERR_TIMEOUT`, `MTLS_ERR_BAD_HANDLE`, ...
///
/// # Safety
/// `buf` is NULL or writable for `len` bytes; `out_read` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_read(
    session: *mut mtls_session,
    buf: *mut u8,
    len: usize,
    out_read: *mut usize,
) -> mtls_status {
    if out_read.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded contract.
    let dst = try_status!(unsafe { bytes_out(buf, len) });
    if dst.is_empty() {
        return S::MTLS_ERR_INVALID_ARGUMENT;
    }
    let mut co = try_status!(pool::checkout_session(session));
    let (s, _) = try_status!(co.session());
    match s.read(dst) {
        Ok(0) => failed(&mut co, Error::Closed),
        // SAFETY: forwarded contract.
        Ok(n) => unsafe { put(out_read, n) },
        Err(e) => failed(&mut co, e),
    }
}

/// Path, TLS version, cipher suite, why this path, and (after an Auto
/// fallback) what the offloaded handshake failed with.
///
/// # Safety
/// `out_info` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_session_get_info(
    session: *mut mtls_session,
    out_info: *mut mtls_session_info,
) -> mtls_status {
    if out_info.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    let mut co = try_status!(pool::checkout_session(session));
    let i = try_status!(co.session()).0.info();
    let fb = i.fallback_from;
    let info = mtls_session_info {
        path: match i.path {
            Path::Offload => mtls_path::MTLS_PATH_OFFLOAD,
            Path::Host => mtls_path::MTLS_PATH_HOST,
        },
        tls_version: i.tls_version.map(|v| v.to_wire()).unwrap_or(0),
        cipher_suite: i.cipher_suite.unwrap_or(0),
        verified: i.verified,
        reason: i.reason.number(),
        reason_code: reason_code(i.reason.number()),
        fallback_from: fb.as_ref().map(status::of_tls).unwrap_or(S::MTLS_OK),
        fallback_modem_code: fb.and_then(|t| t.modem_code).unwrap_or(0),
        has_fallback_modem_code: fb.and_then(|t| t.modem_code).is_some(),
        fallback_alert: fb.and_then(|t| t.alert).map(i16::from).unwrap_or(-1),
    };
    // SAFETY: forwarded contract.
    unsafe { put(out_info, info) }
}

/// Close the session (host path: close_notify first) and free the modem
/// socket; the handle becomes invalid even when the modem reports an error.
/// A second close gives `MTLS_ERR_BAD_HANDLE`.
///
/// # Safety
/// None (the handle is checked).
#[no_mangle]
pub unsafe extern "C" fn mtls_close(session: *mut mtls_session) -> mtls_status {
    let mut co = try_status!(pool::checkout_session(session));
    match co.close_session() {
        Some(Ok(())) => S::MTLS_OK,
        Some(Err(e)) => failed(&mut co, e),
        None => S::MTLS_ERR_BAD_HANDLE,
    }
}

/// Save the modem's Auto decision cache (hosts that go straight to host
/// TLS) to `buf`, e.g. for flash; `MTLS_CACHE_SAVE_MAX` bytes always
/// suffice. `*out_len` is the number of bytes written.
///
/// # Safety
/// `buf` NULL or writable for `len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_cache_save(
    modem: *mut mtls_modem,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> mtls_status {
    if out_len.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    // SAFETY: forwarded contract.
    let dst = try_status!(unsafe { bytes_out(buf, len) });
    let mut co = try_status!(pool::checkout_modem(modem));
    let x = try_status!(co.extra());
    // Serialize to a local first so `buf` is untouched on failure.
    let mut tmp = [0u8; MTLS_CACHE_SAVE_MAX];
    let n = match x.cache.save(&mut tmp) {
        Ok(n) => n,
        Err(e) => return status::of_cache(e),
    };
    let (Some(src), Some(out)) = (tmp.get(..n), dst.get_mut(..n)) else {
        return S::MTLS_ERR_BUFFER_TOO_SMALL;
    };
    out.copy_from_slice(src);
    // SAFETY: forwarded contract.
    unsafe { put(out_len, n) }
}

/// Replace the modem's Auto decision cache with bytes `mtls_cache_save()`
/// wrote. Damaged or foreign bytes give `MTLS_ERR_CACHE_INVALID` and leave
/// the cache as it was.
///
/// # Safety
/// `data` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mtls_cache_restore(
    modem: *mut mtls_modem,
    data: *const u8,
    len: usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let src = try_status!(unsafe { bytes_in(data, len) });
    let mut co = try_status!(pool::checkout_modem(modem));
    let x = try_status!(co.extra());
    match PathCache::<CACHE_ENTRIES>::restore(src) {
        Ok(c) => {
            x.cache = c;
            S::MTLS_OK
        }
        Err(e) => status::of_cache(e),
    }
}

/// Forget every Auto decision (e.g. after a modem firmware update).
///
/// # Safety
/// None (the handle is checked).
#[no_mangle]
pub unsafe extern "C" fn mtls_cache_clear(modem: *mut mtls_modem) -> mtls_status {
    let mut co = try_status!(pool::checkout_modem(modem));
    match co.extra() {
        Ok(x) => {
            x.cache.clear();
            S::MTLS_OK
        }
        Err(s) => s,
    }
}

/// The last failure on this modem (or its session) as a NUL-terminated
/// sentence with the evidence, e.g. "MTLS_ERR_PROTOCOL_VERSION (61): modem
/// TLS: the server requires a TLS version the modem firmware lacks ...;
/// modem said handshake result -1; probe with the firmware's ClientHello:
/// ...". "MTLS_OK (0): no failure" when there was none. `MTLS_DETAIL_MAX`
/// bytes always suffice (longer text is cut); `out_len` may be NULL, else it
/// gets the length without the NUL.
///
/// # Safety
/// `buf` NULL or writable for `len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_last_error_detail(
    modem: *mut mtls_modem,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let dst = try_status!(unsafe { bytes_out(buf.cast::<u8>(), len) });
    let mut co = try_status!(pool::checkout_modem(modem));
    let last = try_status!(co.extra()).last;
    let mut t = Text::<MTLS_DETAIL_MAX>::new();
    let _ = match last {
        None => write!(t, "MTLS_OK (0): no failure"),
        Some((st, e)) => {
            let name = st.text().to_bytes();
            let name = name.split(|&b| b == b':').next().unwrap_or(name);
            let name = core::str::from_utf8(name).unwrap_or("?");
            match e {
                Some(e) => write!(t, "{name} ({}): {e}", st as i32),
                None => write!(t, "{name} ({}): {}", st as i32, cause_of(st)),
            }
        }
    };
    match put_text(t.as_bytes(), dst) {
        Ok(n) if out_len.is_null() => {
            let _ = n;
            S::MTLS_OK
        }
        // SAFETY: forwarded contract.
        Ok(n) => unsafe { put(out_len, n) },
        Err(s) => s,
    }
}

/// The description part of a status text.
fn cause_of(s: mtls_status) -> &'static str {
    let t = s.text().to_bytes();
    let cut = t
        .iter()
        .position(|&b| b == b':')
        .map(|i| i + 2)
        .unwrap_or(0);
    core::str::from_utf8(t.get(cut..).unwrap_or(&[])).unwrap_or("")
}

/// Feed bytes the UART received into the modem's receive ring, from the
/// UART interrupt handler (or a DMA callback). Used when the port's
/// `uart_read` is NULL. Takes a critical section (see `mtls_critical_enter`
/// for bare-metal builds); never blocks, never calls a port callback.
///
/// All of `data` is taken, or — when the ring (`MTLS_RX_RING_LEN` bytes)
/// has less room — none of it: then the status is
/// `MTLS_ERR_BUFFER_TOO_SMALL` and the bytes count in
/// `mtls_pool_stats.rx_dropped` (an interrupt handler feeding one byte at a
/// time simply loses that byte; a DMA handler may retry later). Other
/// errors: `MTLS_ERR_BAD_HANDLE`, `MTLS_ERR_NULL_POINTER`.
///
/// # Safety
/// `data` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mtls_uart_rx_isr(
    modem: *mut mtls_modem,
    data: *const u8,
    len: usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let src = try_status!(unsafe { bytes_in(data, len) });
    match pool::push_rx(modem, src) {
        Some(true) => S::MTLS_OK,
        Some(false) => S::MTLS_ERR_BUFFER_TOO_SMALL,
        None => S::MTLS_ERR_BAD_HANDLE,
    }
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
