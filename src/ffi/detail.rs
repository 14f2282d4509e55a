//! `mtls_last_error_detail`: the last failure as a sentence with its
//! evidence.

use super::*;

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
