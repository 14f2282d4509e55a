//! The calls on a session: connect (Auto, offload or host), write, read,
//! information, close.

use super::*;

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
        accept_chain_only: c.accept_chain_only != 0,
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
    let mut opened = co.open_session(c.no_resumption == 0, |m, bufs, x, slot| {
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
        hostname_checked: i.hostname_checked,
        reason: i.reason.number(),
        reason_code: reason_code(i.reason.number()),
        fallback_from: fb.as_ref().map(status::of_tls).unwrap_or(S::MTLS_OK),
        fallback_modem_code: fb.and_then(|t| t.modem_code).unwrap_or(0),
        has_fallback_modem_code: fb.and_then(|t| t.modem_code).is_some(),
        fallback_alert: fb.and_then(|t| t.alert).map(i16::from).unwrap_or(-1),
        resumed: i.resumed,
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
