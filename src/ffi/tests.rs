//! Argument validation of the C ABI, called the way C calls it. The
//! end-to-end C tests (simulator, real TLS servers, ASan, valgrind) are in
//! `ports/c-example`, driven by `tools/c-test.sh`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use core::ffi::c_void;
use core::ptr::{null, null_mut};
use std::sync::Mutex;

/// The pool is global: tests that open modems take turns.
static POOL: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

unsafe extern "C" fn w_ok(_: *mut c_void, _: *const u8, _: usize) -> i32 {
    0
}
unsafe extern "C" fn r_none(_: *mut c_void, _: *mut u8, _: usize, _: u32) -> i32 {
    0
}
unsafe extern "C" fn r_closed(_: *mut c_void, _: *mut u8, _: usize, _: u32) -> i32 {
    MTLS_PORT_CLOSED
}
/// A clock that runs 250 ms per look, so the driver's timeouts pass at once.
unsafe extern "C" fn now(_: *mut c_void) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static T: AtomicU64 = AtomicU64::new(0);
    T.fetch_add(250, Ordering::Relaxed)
}
unsafe extern "C" fn rnd_fail(_: *mut c_void, _: *mut u8, _: usize) -> i32 {
    -1
}
unsafe extern "C" fn rnd_ok(_: *mut c_void, buf: *mut u8, len: usize) -> i32 {
    // SAFETY: the library passes a live buffer of `len` bytes.
    let b = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    for (i, x) in b.iter_mut().enumerate() {
        *x = (i as u8).wrapping_mul(31).wrapping_add(7);
    }
    0
}

fn port() -> mtls_port {
    mtls_port {
        user: null_mut(),
        uart_write: Some(w_ok),
        uart_read: Some(r_none),
        now_ms: Some(now),
        random: Some(rnd_fail),
        unix_time: None,
        log: None,
        idle: None,
    }
}

fn open(p: &mtls_port) -> *mut mtls_modem {
    let mut m = null_mut();
    // SAFETY: valid pointers.
    assert_eq!(unsafe { mtls_modem_open(p, &mut m) }, S::MTLS_OK);
    assert!(!m.is_null());
    m
}

/// A config for `host:port` with every other field zero (the C default:
/// Auto, verification on). `host` must outlive the config's use.
fn config(host: &'static [u8], port: u16) -> mtls_config {
    mtls_config {
        host: host.as_ptr().cast(),
        host_len: host.len(),
        port,
        mode: 0,
        ca: null(),
        ca_len: 0,
        client_cert: null(),
        client_cert_len: 0,
        client_key: null(),
        client_key_len: 0,
        hint_tls13_only: 0,
        hint_requires_sni: 0,
        hint_end_to_end: 0,
        insecure_no_verify: 0,
        accept_unchecked_validity: 0,
        accept_chain_only: 0,
        no_diagnosis: 0,
        handshake_timeout_s: 0,
        no_resumption: 0,
    }
}

fn stats() -> mtls_pool_stats {
    let mut s = mtls_pool_stats::default();
    // SAFETY: valid pointer.
    assert_eq!(unsafe { mtls_pool_get_stats(&mut s) }, S::MTLS_OK);
    s
}

fn forged() -> *mut mtls_modem {
    core::ptr::without_provenance_mut(0x1234_5600)
}

#[test]
fn status_numbers_are_stable_and_named() {
    let pinned = [
        (S::MTLS_OK, 0),
        (S::MTLS_ERR_INVALID_ARGUMENT, 1),
        (S::MTLS_ERR_NULL_POINTER, 2),
        (S::MTLS_ERR_NO_FREE_SLOT, 3),
        (S::MTLS_ERR_BAD_HANDLE, 4),
        (S::MTLS_ERR_HOST_TOO_LONG, 21),
        (S::MTLS_ERR_PDP_DOWN, 45),
        (S::MTLS_ERR_DNS, 47),
        (S::MTLS_ERR_TIMEOUT, 49),
        (S::MTLS_ERR_NO_COMMON_CIPHER, 60),
        (S::MTLS_ERR_SNI_REQUIRED, 62),
        (S::MTLS_ERR_CERT_HOSTNAME_MISMATCH, 63),
        (S::MTLS_ERR_CERT_EXPIRED, 64),
        (S::MTLS_ERR_CERT_UNTRUSTED, 66),
        (S::MTLS_ERR_UNEXPECTED_RECORD, 75),
        (S::MTLS_ERR_RECORD_TAMPERED, 76),
        (S::MTLS_ERR_TLS_UNSUPPORTED, 81),
        (S::MTLS_ERR_TLS_ILLEGAL_PARAMETER, 82),
        (S::MTLS_ERR_TLS_MESSAGE_TOO_LARGE, 83),
        (S::MTLS_ERR_CLOSED, 80),
    ];
    for (s, n) in pinned {
        assert_eq!(s as i32, n);
    }
    let mut seen = std::collections::HashSet::new();
    for s in status::ALL {
        assert!(seen.insert(s as i32), "duplicate number {}", s as i32);
        assert_eq!(mtls_status::from_number(s as i32), Some(s));
        let text = s.text().to_str().unwrap();
        assert!(text.starts_with(&format!("{s:?}: ")), "{text}");
        // SAFETY: a static NUL-terminated string.
        let via_c = unsafe { CStr::from_ptr(mtls_status_str(s as i32)) };
        assert_eq!(via_c, s.text());
    }
    for n in [-1, 10, 19, 84, i32::MIN, i32::MAX] {
        // SAFETY: a static NUL-terminated string.
        let t = unsafe { CStr::from_ptr(mtls_status_str(n)) };
        assert_eq!(t.to_str().unwrap(), "unknown mtls_status");
    }
    // SAFETY: a static NUL-terminated string.
    assert!(!unsafe { CStr::from_ptr(mtls_version()) }.is_empty());
}

#[test]
fn reason_codes_match_the_library() {
    for n in 0..=255u8 {
        // SAFETY: static NUL-terminated strings.
        let c = unsafe { CStr::from_ptr(reason_code(n)) }.to_str().unwrap();
        match crate::session::PathReason::from_number(n) {
            Some(r) => assert_eq!(c, r.code()),
            None => assert_eq!(c, "unknown"),
        }
    }
}

#[test]
fn every_call_checks_null_and_handles() {
    let _g = lock();
    let f = forged();
    let fs: *mut mtls_session = core::ptr::without_provenance_mut(0x1234_5680);
    let mut buf = [0u8; 16];
    let mut n = 0usize;
    let mut out_m = null_mut();
    let mut out_s = null_mut();
    let t = mtls_timeouts::default();
    let host = b"example.com";
    let cfg = mtls_config {
        insecure_no_verify: 1,
        ..config(host, 443)
    };
    let cr = mtls_credentials {
        ca: null(),
        ca_len: 0,
        client_cert: null(),
        client_cert_len: 0,
        client_key: null(),
        client_key_len: 0,
    };
    // SAFETY: every pointer is NULL or valid; handles are values.
    unsafe {
        let p = port();
        assert_eq!(mtls_pool_get_stats(null_mut()), S::MTLS_ERR_NULL_POINTER);
        assert_eq!(
            mtls_modem_open(null(), &mut out_m),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(mtls_modem_open(&p, null_mut()), S::MTLS_ERR_NULL_POINTER);
        let incomplete = mtls_port {
            uart_write: None,
            ..port()
        };
        assert_eq!(
            mtls_modem_open(&incomplete, &mut out_m),
            S::MTLS_ERR_INVALID_ARGUMENT
        );
        assert!(out_m.is_null());
        for h in [null_mut(), f, fs.cast::<mtls_modem>()] {
            assert_eq!(mtls_modem_close(h), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(mtls_modem_init(h), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(mtls_modem_set_timeouts(h, &t), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(mtls_modem_set_credentials(h, &cr), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(mtls_connect(h, &cfg, &mut out_s), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(mtls_cache_clear(h), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(
                mtls_cache_save(h, buf.as_mut_ptr(), buf.len(), &mut n),
                S::MTLS_ERR_BAD_HANDLE
            );
            assert_eq!(mtls_uart_rx_isr(h, buf.as_ptr(), 1), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(
                mtls_modem_attach(h, c"x".as_ptr(), 1, null(), 0, null(), 0),
                S::MTLS_ERR_BAD_HANDLE
            );
        }
        for s in [null_mut(), fs, f.cast::<mtls_session>()] {
            assert_eq!(mtls_write(s, buf.as_ptr(), 1), S::MTLS_ERR_BAD_HANDLE);
            assert_eq!(
                mtls_read(s, buf.as_mut_ptr(), buf.len(), &mut n),
                S::MTLS_ERR_BAD_HANDLE
            );
            assert_eq!(mtls_close(s), S::MTLS_ERR_BAD_HANDLE);
            let mut info = core::mem::MaybeUninit::<mtls_session_info>::uninit();
            assert_eq!(
                mtls_session_get_info(s, info.as_mut_ptr()),
                S::MTLS_ERR_BAD_HANDLE
            );
        }
        assert_eq!(
            mtls_connect(f, null(), &mut out_s),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(mtls_connect(f, &cfg, null_mut()), S::MTLS_ERR_NULL_POINTER);
        assert_eq!(mtls_modem_set_timeouts(f, null()), S::MTLS_ERR_NULL_POINTER);
        assert_eq!(
            mtls_modem_set_credentials(f, null()),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(mtls_write(fs, null(), 1), S::MTLS_ERR_NULL_POINTER);
        assert_eq!(
            mtls_write(fs, buf.as_ptr(), usize::MAX),
            S::MTLS_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            mtls_read(fs, null_mut(), 1, &mut n),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(
            mtls_read(fs, buf.as_mut_ptr(), 1, null_mut()),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(
            mtls_read(fs, buf.as_mut_ptr(), 0, &mut n),
            S::MTLS_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            mtls_session_get_info(fs, null_mut()),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(
            mtls_cache_save(f, null_mut(), 4, &mut n),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(
            mtls_cache_save(f, buf.as_mut_ptr(), 4, null_mut()),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(mtls_cache_restore(f, null(), 4), S::MTLS_ERR_NULL_POINTER);
        assert_eq!(
            mtls_last_error_detail(f, null_mut(), 4, &mut n),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(mtls_uart_rx_isr(f, null(), 4), S::MTLS_ERR_NULL_POINTER);
        assert_eq!(
            mtls_modem_attach(f, null(), 0, null(), 0, null(), 0),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(
            mtls_modem_attach(f, c"x".as_ptr(), 1, null(), 3, null(), 0),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(
            mtls_modem_identity(f, null_mut(), 4, buf.as_mut_ptr().cast(), 4),
            S::MTLS_ERR_NULL_POINTER
        );
        assert_eq!(mtls_modem_family(f, null_mut()), S::MTLS_ERR_NULL_POINTER);
        let mut fam = mtls_family::MTLS_FAMILY_QUECTEL_BG9X;
        assert_eq!(mtls_modem_family(f, &mut fam), S::MTLS_ERR_BAD_HANDLE);
    }
    assert!(out_s.is_null());
    assert_eq!(n, 0, "no output written on failure");
    assert_eq!(stats().modems_in_use, 0);
}

#[test]
fn config_is_validated_before_the_handle() {
    let f = forged();
    let mut out = null_mut();
    let long = [b'a'; 400];
    let base = config(b"server.test", 443);
    let junk = b"not a certificate";
    let der = [0x30u8, 0x03, 0x02, 0x01, 0x01];
    let cases: [(mtls_config, mtls_status); 11] = [
        (
            mtls_config {
                host: null(),
                ..base
            },
            S::MTLS_ERR_NULL_POINTER,
        ),
        (
            mtls_config {
                host_len: 0,
                ..base
            },
            S::MTLS_ERR_HOST_INVALID,
        ),
        (
            mtls_config {
                host: long.as_ptr().cast(),
                host_len: 254,
                ..base
            },
            S::MTLS_ERR_HOST_TOO_LONG,
        ),
        (
            mtls_config {
                host_len: usize::MAX,
                ..base
            },
            S::MTLS_ERR_HOST_TOO_LONG,
        ),
        (
            mtls_config {
                host: c"\xff\xfe".as_ptr(),
                host_len: 2,
                ..base
            },
            S::MTLS_ERR_HOST_INVALID,
        ),
        (
            mtls_config { port: 0, ..base },
            S::MTLS_ERR_INVALID_ARGUMENT,
        ),
        (
            mtls_config { mode: 3, ..base },
            S::MTLS_ERR_INVALID_ARGUMENT,
        ),
        (
            mtls_config {
                ca: junk.as_ptr(),
                ca_len: junk.len(),
                ..base
            },
            S::MTLS_ERR_CREDENTIAL_FORMAT,
        ),
        (
            mtls_config {
                ca: der.as_ptr(),
                ca_len: usize::MAX,
                ..base
            },
            S::MTLS_ERR_CREDENTIAL_TOO_LARGE,
        ),
        (
            mtls_config {
                ca: null(),
                ca_len: 5,
                ..base
            },
            S::MTLS_ERR_NULL_POINTER,
        ),
        (
            mtls_config {
                client_cert: der.as_ptr(),
                client_cert_len: der.len(),
                ..base
            },
            S::MTLS_ERR_INVALID_ARGUMENT,
        ),
    ];
    for (i, (cfg, want)) in cases.iter().enumerate() {
        // SAFETY: the pointers in each config are NULL or valid for their lengths
        // (huge lengths are refused before any read).
        let got = unsafe { mtls_connect(f, cfg, &mut out) };
        assert_eq!(got, *want, "case {i}");
    }
    // A well-formed config reaches the handle check.
    let ok = mtls_config {
        ca: der.as_ptr(),
        ca_len: der.len(),
        ..base
    };
    // SAFETY: as above.
    assert_eq!(
        unsafe { mtls_connect(f, &ok, &mut out) },
        S::MTLS_ERR_BAD_HANDLE
    );
    assert!(out.is_null());
}

#[test]
fn pool_lifecycle_generations_and_no_leaks() {
    let _g = lock();
    let p = port();
    for _ in 0..3 {
        let mut ms = [null_mut(); MTLS_MAX_MODEMS];
        for m in ms.iter_mut() {
            *m = open(&p);
        }
        let mut extra = null_mut();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(mtls_modem_open(&p, &mut extra), S::MTLS_ERR_NO_FREE_SLOT);
            assert!(extra.is_null());
            let mut out = null_mut();
            let cfg = mtls_config {
                insecure_no_verify: 1,
                ..config(b"a.test", 1)
            };
            assert_eq!(
                mtls_connect(ms[0], &cfg, &mut out),
                S::MTLS_ERR_NOT_INITIALISED
            );
            assert_eq!(
                mtls_modem_attach(ms[0], c"internet".as_ptr(), 8, null(), 0, null(), 0),
                S::MTLS_ERR_NOT_INITIALISED
            );
            let mut b = [0i8; 8];
            assert_eq!(
                mtls_modem_identity(ms[0], b.as_mut_ptr(), 8, b.as_mut_ptr(), 8),
                S::MTLS_ERR_NOT_INITIALISED
            );
            // A modem whose UART is gone: init fails with the port's status
            // and the detail says why.
            assert_eq!(mtls_modem_init(ms[0]), S::MTLS_ERR_MODEM_NOT_RESPONDING);
            let mut d = [0 as c_char; MTLS_DETAIL_MAX];
            let mut n = 0;
            assert_eq!(
                mtls_last_error_detail(ms[0], d.as_mut_ptr(), d.len(), &mut n),
                S::MTLS_OK
            );
            let text = CStr::from_ptr(d.as_ptr()).to_str().unwrap();
            assert_eq!(text.len(), n);
            assert!(
                text.starts_with("MTLS_ERR_MODEM_NOT_RESPONDING (42): "),
                "{text}"
            );
            assert_eq!(
                mtls_last_error_detail(ms[0], d.as_mut_ptr(), 5, &mut n),
                S::MTLS_ERR_BUFFER_TOO_SMALL
            );
        }
        assert_eq!(stats().modems_in_use, MTLS_MAX_MODEMS as u32);
        for m in ms {
            // SAFETY: handles are values.
            unsafe {
                assert_eq!(mtls_modem_close(m), S::MTLS_OK);
                assert_eq!(mtls_modem_close(m), S::MTLS_ERR_BAD_HANDLE);
                assert_eq!(mtls_cache_clear(m), S::MTLS_ERR_BAD_HANDLE);
            }
        }
        assert_eq!(stats().modems_in_use, 0);
    }
    // A stale handle stays invalid when its slot is reused.
    let a = open(&p);
    // SAFETY: handles are values.
    unsafe { assert_eq!(mtls_modem_close(a), S::MTLS_OK) };
    let b = open(&p);
    assert_ne!(a, b);
    // SAFETY: handles are values.
    unsafe {
        assert_eq!(mtls_cache_clear(a), S::MTLS_ERR_BAD_HANDLE);
        assert_eq!(mtls_cache_clear(b), S::MTLS_OK);
        assert_eq!(mtls_modem_close(b), S::MTLS_OK);
    }
}

#[test]
fn modem_init_over_a_closed_uart_is_a_port_error() {
    let _g = lock();
    let p = mtls_port {
        uart_read: Some(r_closed),
        ..port()
    };
    let m = open(&p);
    // SAFETY: handles are values.
    unsafe {
        let s = mtls_modem_init(m);
        assert!(
            s == S::MTLS_ERR_PORT_CLOSED || s == S::MTLS_ERR_MODEM_NOT_RESPONDING,
            "{s:?}"
        );
        assert_eq!(mtls_modem_close(m), S::MTLS_OK);
    }
}

#[test]
fn cache_save_restore_through_the_abi() {
    let _g = lock();
    let m = open(&port());
    let mut buf = [0u8; MTLS_CACHE_SAVE_MAX];
    let mut n = 0;
    // SAFETY: valid pointers and lengths.
    unsafe {
        assert_eq!(
            mtls_cache_save(m, buf.as_mut_ptr(), 2, &mut n),
            S::MTLS_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(n, 0);
        assert_eq!(
            mtls_cache_save(m, buf.as_mut_ptr(), buf.len(), &mut n),
            S::MTLS_OK
        );
        assert_eq!(n, 5);
        assert_eq!(mtls_cache_restore(m, buf.as_ptr(), n), S::MTLS_OK);
        assert_eq!(
            mtls_cache_restore(m, buf.as_ptr(), 0),
            S::MTLS_ERR_CACHE_INVALID
        );
        buf[0] ^= 1;
        assert_eq!(
            mtls_cache_restore(m, buf.as_ptr(), n),
            S::MTLS_ERR_CACHE_INVALID
        );
        assert_eq!(mtls_modem_close(m), S::MTLS_OK);
    }
}

#[test]
fn rx_ring_is_all_or_nothing_and_counts_drops() {
    let _g = lock();
    let p = mtls_port {
        uart_read: None,
        ..port()
    };
    let m = open(&p);
    let before = stats().rx_dropped;
    let chunk = [0x41u8; 1000];
    // SAFETY: valid pointers and lengths.
    unsafe {
        assert_eq!(mtls_uart_rx_isr(m, chunk.as_ptr(), 1000), S::MTLS_OK);
        assert_eq!(mtls_uart_rx_isr(m, chunk.as_ptr(), 1000), S::MTLS_OK);
        assert_eq!(
            mtls_uart_rx_isr(m, chunk.as_ptr(), 1000),
            S::MTLS_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(mtls_uart_rx_isr(m, chunk.as_ptr(), 48), S::MTLS_OK);
        assert_eq!(
            mtls_uart_rx_isr(m, chunk.as_ptr(), 1),
            S::MTLS_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(mtls_uart_rx_isr(m, chunk.as_ptr(), 0), S::MTLS_OK);
        assert_eq!(
            mtls_uart_rx_isr(m, chunk.as_ptr(), usize::MAX),
            S::MTLS_ERR_INVALID_ARGUMENT
        );
    }
    assert_eq!(stats().rx_dropped - before, 1001);
    // The port drains what the "interrupt" put in.
    let idx = pool::live_modem_index(m).unwrap();
    let mut cp = port::CPort { cb: p, slot: idx };
    let mut out = [0u8; 4096];
    let mut got = 0;
    while let Ok(n @ 1..) = crate::port::Port::read(&mut cp, &mut out, 0) {
        got += n;
    }
    assert_eq!(got, MTLS_RX_RING_LEN);
    // SAFETY: handles are values.
    unsafe {
        assert_eq!(mtls_modem_close(m), S::MTLS_OK);
        assert_eq!(
            mtls_uart_rx_isr(m, chunk.as_ptr(), 1),
            S::MTLS_ERR_BAD_HANDLE
        );
    }
}

/// An "interrupt" on another core keeps feeding the handle it last saw
/// while this thread closes the modem and opens another in the same slot:
/// the check of the handle and the push are one critical section, so the
/// new modem's ring never holds the old modem's bytes.
#[test]
fn rx_isr_never_feeds_the_modem_that_replaced_a_closed_one() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    let _g = lock();
    let p = mtls_port {
        uart_read: None,
        ..port()
    };
    let stop = AtomicBool::new(false);
    let current = AtomicUsize::new(0);
    let pushed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(SeqCst) {
                let h = current.load(SeqCst) as *mut mtls_modem;
                // SAFETY: a one-byte buffer; handles are values.
                if unsafe { mtls_uart_rx_isr(h, [0xAA].as_ptr(), 1) } == S::MTLS_OK {
                    pushed.fetch_add(1, SeqCst);
                }
            }
        });
        // Stops the other thread however this one ends, or the scope
        // would wait for it forever.
        struct StopOnDrop<'a>(&'a AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, SeqCst);
            }
        }
        let _stop = StopOnDrop(&stop);
        let mut leaked = None;
        for round in 0..20_000 {
            let m = open(&p);
            // Until published, nobody may have pushed into m's ring.
            let idx = pool::live_modem_index(m).unwrap();
            let mut cp = port::CPort { cb: p, slot: idx };
            let mut out = [0u8; 64];
            if crate::port::Port::read(&mut cp, &mut out, 0).unwrap_or(0) != 0 {
                leaked = Some(round);
            }
            current.store(m as usize, SeqCst);
            std::thread::yield_now();
            // SAFETY: handles are values.
            unsafe { assert_eq!(mtls_modem_close(m), S::MTLS_OK) };
            if leaked.is_some() {
                break;
            }
        }
        assert_eq!(leaked, None, "the new modem got the old one's bytes");
    });
    assert!(pushed.load(SeqCst) > 0, "the interrupt thread never got in");
}

#[test]
fn random_callback_failure_is_never_silent() {
    use rand_core::RngCore;
    // Seeding needs the callback.
    assert!(CRng::new(port()).is_none());
    assert!(CRng::new(mtls_port {
        random: None,
        ..port()
    })
    .is_none());
    let good = mtls_port {
        random: Some(rnd_ok),
        ..port()
    };
    let mut r = CRng::new(good).unwrap();
    let mut a = [0u8; 40];
    r.fill_bytes(&mut a);
    assert!(!r.failed());
    // A failure after seeding: flagged, and the bytes are not constant.
    let mut r = CRng::unseeded(port());
    let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
    r.fill_bytes(&mut x);
    r.fill_bytes(&mut y);
    assert!(r.failed());
    assert_ne!(x, y);
    assert_ne!(x, [0u8; 32]);
    assert!(r.try_fill_bytes(&mut x).is_err());
}

#[test]
fn text_helpers_never_overflow() {
    let mut t = Text::<8>::new();
    assert!(write!(t, "abcdefghijk").is_err());
    assert_eq!(t.as_bytes(), b"abcdefg");
    let mut b = [0xffu8; 4];
    assert_eq!(put_text(b"abcd", &mut b), Err(S::MTLS_ERR_BUFFER_TOO_SMALL));
    assert_eq!(b, [0xff; 4], "nothing written on failure");
    assert_eq!(put_text(b"abc", &mut b), Ok(3));
    assert_eq!(&b, b"abc\0");
}

#[test]
fn errors_map_to_their_status() {
    use crate::error::{CertProblem, ConfigError, TlsError, TlsFailure};
    use crate::modem::ModemError;
    let tls = |f, c| {
        let mut t = TlsError::new(f, Path::Host);
        t.certificate = c;
        Error::Tls(t)
    };
    let cases = [
        (Error::Modem(ModemError::Dns), S::MTLS_ERR_DNS),
        (Error::Modem(ModemError::PdpDown), S::MTLS_ERR_PDP_DOWN),
        (Error::Modem(ModemError::OpenTimeout), S::MTLS_ERR_TIMEOUT),
        (
            Error::Modem(ModemError::ClockNotSet),
            S::MTLS_ERR_CLOCK_NOT_SET,
        ),
        (
            Error::Config(ConfigError::HostTooLong),
            S::MTLS_ERR_HOST_TOO_LONG,
        ),
        (Error::Closed, S::MTLS_ERR_CLOSED),
        (
            tls(TlsFailure::NoCommonCipher, None),
            S::MTLS_ERR_NO_COMMON_CIPHER,
        ),
        (tls(TlsFailure::SniRequired, None), S::MTLS_ERR_SNI_REQUIRED),
        (
            tls(TlsFailure::UnexpectedRecord, None),
            S::MTLS_ERR_UNEXPECTED_RECORD,
        ),
        (
            tls(TlsFailure::RecordTampered, None),
            S::MTLS_ERR_RECORD_TAMPERED,
        ),
        (tls(TlsFailure::DecodeError, None), S::MTLS_ERR_TLS_DECODE),
        (
            tls(TlsFailure::UnexpectedMessage, None),
            S::MTLS_ERR_UNEXPECTED_MESSAGE,
        ),
        (tls(TlsFailure::PeerAlert, None), S::MTLS_ERR_PEER_ALERT),
        (
            tls(TlsFailure::Unsupported, None),
            S::MTLS_ERR_TLS_UNSUPPORTED,
        ),
        (
            tls(TlsFailure::CertificateRejected, None),
            S::MTLS_ERR_CERT_REJECTED,
        ),
        (
            tls(TlsFailure::CertificateRejected, Some(CertProblem::Expired)),
            S::MTLS_ERR_CERT_EXPIRED,
        ),
        (
            tls(
                TlsFailure::CertificateRejected,
                Some(CertProblem::HostnameMismatch),
            ),
            S::MTLS_ERR_CERT_HOSTNAME_MISMATCH,
        ),
        (
            tls(
                TlsFailure::CertificateRejected,
                Some(CertProblem::UntrustedIssuer),
            ),
            S::MTLS_ERR_CERT_UNTRUSTED,
        ),
    ];
    for (e, s) in cases {
        assert_eq!(status::of_error(&e), s, "{e:?}");
    }
}
