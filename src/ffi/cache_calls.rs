//! The path decision cache and the session ticket through the C ABI: save, restore, clear.

use super::*;

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
    let saved = x.cache.save(&mut tmp).map_err(status::of_cache);
    // SAFETY: forwarded contract.
    unsafe { deliver(saved, &mut tmp, dst, out_len) }
}

/// Copy the first `saved` bytes of `tmp` to `dst` and their count to
/// `out_len`, then wipe `tmp` (it may hold a secret).
///
/// # Safety
/// `out_len` non-NULL and writable.
unsafe fn deliver(
    saved: Result<usize, mtls_status>,
    tmp: &mut [u8],
    dst: &mut [u8],
    out_len: *mut usize,
) -> mtls_status {
    let n = match saved {
        Ok(n) => n,
        Err(s) => return s,
    };
    let done = match (tmp.get(..n), dst.get_mut(..n)) {
        (Some(src), Some(out)) => {
            out.copy_from_slice(src);
            // SAFETY: forwarded contract.
            unsafe { put(out_len, n) }
        }
        _ => S::MTLS_ERR_BUFFER_TOO_SMALL,
    };
    tmp.fill(0);
    done
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

/// Save the modem slot's session ticket (resumption on the host path) to
/// `buf`, e.g. for flash; `MTLS_TICKET_SAVE_MAX` bytes always suffice.
/// The bytes hold the resumption secret: store them like a private key.
/// `MTLS_ERR_TICKET_INVALID` when there is no ticket (no host session yet,
/// or the server sent none).
///
/// # Safety
/// `buf` NULL or writable for `len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mtls_ticket_save(
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
    let t = try_status!(co.ticket());
    let mut tmp = [0u8; MTLS_TICKET_SAVE_MAX];
    let saved = t.save(&mut tmp).map_err(|_| S::MTLS_ERR_TICKET_INVALID);
    // SAFETY: forwarded contract.
    unsafe { deliver(saved, &mut tmp, dst, out_len) }
}

/// Replace the modem slot's session ticket with bytes `mtls_ticket_save()`
/// wrote. Damaged or foreign bytes give `MTLS_ERR_TICKET_INVALID` and leave
/// the ticket as it was. An expired ticket is kept but not offered.
///
/// # Safety
/// `data` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mtls_ticket_restore(
    modem: *mut mtls_modem,
    data: *const u8,
    len: usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let src = try_status!(unsafe { bytes_in(data, len) });
    let mut co = try_status!(pool::checkout_modem(modem));
    let t = try_status!(co.ticket());
    match crate::tls::Ticket::restore(src) {
        Ok(new) => {
            *t = new;
            S::MTLS_OK
        }
        Err(_) => S::MTLS_ERR_TICKET_INVALID,
    }
}

/// Forget the modem slot's session ticket (its secret is zeroized).
///
/// # Safety
/// None (the handle is checked).
#[no_mangle]
pub unsafe extern "C" fn mtls_ticket_clear(modem: *mut mtls_modem) -> mtls_status {
    let mut co = try_status!(pool::checkout_modem(modem));
    match co.ticket() {
        Ok(t) => {
            t.clear();
            S::MTLS_OK
        }
        Err(s) => s,
    }
}
