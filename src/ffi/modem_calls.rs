//! The calls on the library and on a modem handle: version, status texts,
//! pool statistics, open/close, timeouts, init, identity, attach,
//! credentials.

use super::*;

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
/// (`ATI`; BG9x also `AT+QGMR`), pick the driver of its family (BG9x,
/// BC66 or M66/M95: `mtls_modem_family()` tells which) and load its
/// capability table. Blocks up to ~15 s (on a BC66 or M95, which is first
/// asked as a BG9x, a few commands more).
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

/// The model (e.g. "BG96", "Quectel_BC66") and firmware revision (e.g.
/// "BG96MAR02A07M1G") `mtls_modem_init()` read, as NUL-terminated strings.
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

/// The family of the modem `mtls_modem_init()` identified (the library
/// drives every compiled-in family; `ATI` picks one), e.g.
/// `MTLS_FAMILY_QUECTEL_BC66`. With `mtls_modem_identity()` (model,
/// firmware revision) what firmware needs to log which modem it runs on.
///
/// Errors: `MTLS_ERR_NOT_INITIALISED`, `MTLS_ERR_NULL_POINTER`,
/// `MTLS_ERR_BAD_HANDLE`.
///
/// # Safety
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_modem_family(
    modem: *mut mtls_modem,
    out: *mut mtls_family,
) -> mtls_status {
    if out.is_null() {
        return S::MTLS_ERR_NULL_POINTER;
    }
    let mut co = try_status!(pool::checkout_modem(modem));
    let (m, x) = try_status!(co.parts());
    if x.identity.is_none() {
        return S::MTLS_ERR_NOT_INITIALISED;
    }
    let family = match m.family() {
        crate::modem::Family::QuectelBg9x => mtls_family::MTLS_FAMILY_QUECTEL_BG9X,
        crate::modem::Family::QuectelBc66 => mtls_family::MTLS_FAMILY_QUECTEL_BC66,
        crate::modem::Family::QuectelM95 => mtls_family::MTLS_FAMILY_QUECTEL_M95,
        crate::modem::Family::SierraHl => mtls_family::MTLS_FAMILY_SIERRA_HL,
    };
    // SAFETY: non-NULL and writable (the caller's contract).
    unsafe { put(out, family) }
}

/// Attach to the packet network: set the APN and activate it (BG9x:
/// `AT+QICSGP`, `AT+QIACT`; BC66: `AT+QCGDEFCONT`, `AT+CGATT`; M66/M95: `AT+QICSGP`, `AT+QIREGAPP`, `AT+QIACT`). `user`/`password` may be NULL with length 0. Strings are
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
