//! The C ABI called in arbitrary sequences with arbitrary arguments: the
//! fuzz harness shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/capi_calls.rs`) and the corpus test
//! (`tests/fuzz_corpus.rs`, with the `capi` feature).
//!
//! Input: two bytes (little-endian) give the length of the call script;
//! the script follows, then what "the modem" says, as answers separated by
//! the byte `0xFE`: each write of the library (a command line, a piece of
//! payload) releases the next answer, as in `bg9x_replies`. The script is a sequence of calls, one opcode byte
//! and its argument bytes each: modem open (port variants with NULL
//! callbacks, a failing random source, the interrupt ring), close, timeouts,
//! init, identity, attach, credentials, connect (any mode, host, port,
//! hints, CA bytes or a real CA), write, read, info, session close, cache and
//! session ticket save, restore and clear, error detail, `mtls_uart_rx_isr`, status texts. Handles come
//! from the calls, or are stale, NULL or forged values.
//!
//! Checked: no panic and no undefined behaviour (the run ends); a handle
//! closed with `MTLS_OK` is `MTLS_ERR_BAD_HANDLE` ever after; every text
//! the library writes is NUL-terminated inside the buffer it was given;
//! and once everything is closed the pool is empty.
//!
//! The pool is global: runs take turns (a lock), so the corpus test can
//! run beside other tests.

use core::ffi::{c_char, c_void};
use core::ptr::{null, null_mut};
use modemtls::ffi::*;
use std::collections::VecDeque;
use std::sync::Mutex;

static TURN: Mutex<()> = Mutex::new(());

/// A real CA certificate, for configs that should get past validation.
const CA: &[u8] = include_bytes!("../../tests/data/amazonca.pem");

/// What "the UART" has to say, and the virtual clock.
struct Modem<'d> {
    answers: std::slice::Split<'d, u8, fn(&u8) -> bool>,
    ready: VecDeque<u8>,
    now: u64,
    written: usize,
}

fn separator(b: &u8) -> bool {
    *b == 0xFE
}

unsafe extern "C" fn uart_write(user: *mut c_void, _data: *const u8, len: usize) -> i32 {
    // SAFETY: `user` is the harness's `Modem`, alive for the whole run.
    let m = unsafe { &mut *user.cast::<Modem<'_>>() };
    m.written += len;
    if m.written > 1 << 18 {
        return MTLS_PORT_CLOSED;
    }
    m.ready.extend(m.answers.next().unwrap_or(&[]));
    0
}

unsafe extern "C" fn uart_read(
    user: *mut c_void,
    buf: *mut u8,
    len: usize,
    timeout_ms: u32,
) -> i32 {
    // SAFETY: as above.
    let m = unsafe { &mut *user.cast::<Modem<'_>>() };
    let n = len.min(m.ready.len()).min(64);
    if n == 0 {
        m.now += u64::from(timeout_ms.max(1));
        return 0;
    }
    // SAFETY: the library passes a buffer of `len` >= `n` bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, n) };
    for (d, s) in out.iter_mut().zip(m.ready.drain(..n)) {
        *d = s;
    }
    m.now += 1;
    n as i32
}

unsafe extern "C" fn now_ms(user: *mut c_void) -> u64 {
    // SAFETY: as above.
    let m = unsafe { &mut *user.cast::<Modem<'_>>() };
    m.now += 5;
    m.now
}

unsafe extern "C" fn random_ok(_: *mut c_void, buf: *mut u8, len: usize) -> i32 {
    // SAFETY: the library passes a buffer of `len` bytes.
    let b = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    for (i, x) in b.iter_mut().enumerate() {
        *x = (i as u8).wrapping_mul(73).wrapping_add(11);
    }
    0
}

unsafe extern "C" fn random_fail(_: *mut c_void, _: *mut u8, _: usize) -> i32 {
    -1
}

unsafe extern "C" fn unix_time(_: *mut c_void, out: *mut u64) -> i32 {
    // SAFETY: the library passes a writable pointer.
    unsafe { out.write(1_780_000_000) };
    0
}

/// The script's bytes, read one argument at a time (zeros past the end).
struct Script<'d> {
    bytes: &'d [u8],
    at: usize,
}

impl<'d> Script<'d> {
    fn u8(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    /// Up to `max` bytes, the count first.
    fn bytes(&mut self, max: usize) -> &'d [u8] {
        let n = usize::from(self.u8()).min(max);
        let start = self.at.min(self.bytes.len());
        let end = (start + n).min(self.bytes.len());
        self.at = start + n;
        &self.bytes[start..end]
    }
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

/// A handle as the harness knows it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    Open,
    Closed,
}

/// Pointer arguments: the bytes, or NULL when `null` (a length of 0 with
/// them keeps the call legal).
fn ptr_or_null(b: &[u8], null_it: bool) -> (*const u8, usize) {
    if null_it {
        (null(), 0)
    } else {
        (b.as_ptr(), b.len())
    }
}

fn nul_inside(buf: &[u8]) -> bool {
    buf.contains(&0)
}

/// Run one input.
pub fn run(data: &[u8]) {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (script_len, rest) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, data),
    };
    let (script, replies) = rest.split_at(script_len.min(rest.len()));
    let mut modem = Modem {
        answers: replies.split(separator as fn(&u8) -> bool),
        ready: VecDeque::new(),
        now: 0,
        written: 0,
    };
    let user: *mut c_void = (&mut modem as *mut Modem<'_>).cast();
    let mut s = Script {
        bytes: script,
        at: 0,
    };
    let mut modems: Vec<(*mut mtls_modem, Known)> = Vec::new();
    let mut sessions: Vec<(*mut mtls_session, Known)> = Vec::new();
    let forged_m: *mut mtls_modem = core::ptr::without_provenance_mut(0x5A5A_0040);
    let forged_s: *mut mtls_session = core::ptr::without_provenance_mut(0x5A5A_0080);

    // A handle argument: one of those seen (open or closed), NULL or forged.
    fn pick<T>(list: &[(*mut T, Known)], b: u8, forged: *mut T) -> (*mut T, Option<Known>) {
        match b % 8 {
            6 => (null_mut(), None),
            7 => (forged, None),
            i => match list.get(usize::from(i) % list.len().max(1)) {
                Some((h, k)) => (*h, Some(*k)),
                None => (null_mut(), None),
            },
        }
    }

    let mut calls = 0;
    while !s.done() && calls < 48 {
        calls += 1;
        let op = s.u8();
        // SAFETY (all calls below): every pointer passed is NULL or points
        // to a live buffer of the length passed with it; handles are values.
        unsafe {
            match op % 17 {
                0 => {
                    let v = s.u8();
                    let port = mtls_port {
                        user,
                        uart_write: (v & 1 == 0).then_some(uart_write as _),
                        uart_read: (v & 2 == 0).then_some(uart_read as _),
                        now_ms: (v & 4 == 0).then_some(now_ms as _),
                        random: Some(if v & 8 == 0 { random_ok } else { random_fail }),
                        unix_time: (v & 16 != 0).then_some(unix_time as _),
                        log: None,
                        idle: None,
                    };
                    let mut out = null_mut();
                    let p: *const mtls_port = if v & 32 != 0 { null() } else { &port };
                    let o: *mut *mut mtls_modem = if v & 64 != 0 { null_mut() } else { &mut out };
                    if mtls_modem_open(p, o) == mtls_status::MTLS_OK {
                        assert!(!out.is_null(), "MTLS_OK with no handle");
                        modems.push((out, Known::Open));
                    }
                }
                1 => {
                    let (m, k) = pick(&modems, s.u8(), forged_m);
                    let st = mtls_modem_close(m);
                    if k == Some(Known::Closed) {
                        assert_eq!(
                            st,
                            mtls_status::MTLS_ERR_BAD_HANDLE,
                            "closed modem closed again"
                        );
                    }
                    if st == mtls_status::MTLS_OK {
                        for e in modems.iter_mut().filter(|e| e.0 == m) {
                            e.1 = Known::Closed;
                        }
                    }
                }
                2 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let t = mtls_timeouts {
                        command_ms: u32::from(s.u16()),
                        attach_ms: u32::from(s.u16()),
                        open_ms: u32::from(s.u16()),
                        data_ms: u32::from(s.u16()),
                    };
                    let _ = mtls_modem_set_timeouts(m, if s.u8() & 1 == 0 { &t } else { null() });
                }
                3 => {
                    let (m, k) = pick(&modems, s.u8(), forged_m);
                    let st = mtls_modem_init(m);
                    if k == Some(Known::Closed) {
                        assert_eq!(st, mtls_status::MTLS_ERR_BAD_HANDLE);
                    }
                }
                4 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let (a, b) = (usize::from(s.u8() % 64), usize::from(s.u8() % 64));
                    let mut model = [0xAAu8; 64];
                    let mut rev = [0xAAu8; 64];
                    let st = mtls_modem_identity(
                        m,
                        model.as_mut_ptr().cast(),
                        a,
                        rev.as_mut_ptr().cast(),
                        b,
                    );
                    if st == mtls_status::MTLS_OK {
                        assert!(
                            nul_inside(&model[..a]) && nul_inside(&rev[..b]),
                            "identity text not terminated"
                        );
                    }
                }
                5 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let apn = s.bytes(80);
                    let user_name = s.bytes(80);
                    let pass = s.bytes(80);
                    let nulls = s.u8();
                    let (a, al) = ptr_or_null(apn, nulls & 1 != 0);
                    let (u, ul) = ptr_or_null(user_name, nulls & 2 != 0);
                    let (p, pl) = ptr_or_null(pass, nulls & 4 != 0);
                    let _ = mtls_modem_attach(m, a.cast(), al, u.cast(), ul, p.cast(), pl);
                }
                6 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let ca = s.bytes(255);
                    let cert = s.bytes(64);
                    let key = s.bytes(64);
                    let c = mtls_credentials {
                        ca: ca.as_ptr(),
                        ca_len: ca.len(),
                        client_cert: if cert.is_empty() {
                            null()
                        } else {
                            cert.as_ptr()
                        },
                        client_cert_len: cert.len(),
                        client_key: if key.is_empty() { null() } else { key.as_ptr() },
                        client_key_len: key.len(),
                    };
                    let _ =
                        mtls_modem_set_credentials(m, if s.u8() & 1 == 0 { &c } else { null() });
                }
                7 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let host = s.bytes(255);
                    let ca = s.bytes(255);
                    let flags = s.u8();
                    let cfg = mtls_config {
                        host: if flags & 1 != 0 {
                            null()
                        } else {
                            host.as_ptr().cast::<c_char>()
                        },
                        host_len: host.len(),
                        port: s.u16(),
                        mode: u32::from(s.u8() % 5),
                        ca: if flags & 0x80 != 0 {
                            CA.as_ptr()
                        } else if ca.is_empty() {
                            null()
                        } else {
                            ca.as_ptr()
                        },
                        ca_len: if flags & 0x80 != 0 {
                            CA.len()
                        } else {
                            ca.len()
                        },
                        client_cert: null(),
                        client_cert_len: 0,
                        client_key: null(),
                        client_key_len: 0,
                        hint_tls13_only: flags >> 1 & 1,
                        hint_requires_sni: flags >> 2 & 1,
                        hint_end_to_end: flags >> 3 & 1,
                        insecure_no_verify: flags >> 4 & 1,
                        accept_unchecked_validity: flags >> 5 & 1,
                        accept_chain_only: flags >> 7 & 1,
                        no_diagnosis: flags >> 6 & 1,
                        handshake_timeout_s: u16::from(s.u8()),
                        no_resumption: 0,
                    };
                    let mut out = null_mut();
                    if mtls_connect(m, &cfg, &mut out) == mtls_status::MTLS_OK {
                        assert!(!out.is_null(), "MTLS_OK with no session");
                        sessions.push((out, Known::Open));
                    }
                }
                8 => {
                    let (h, _) = pick(&sessions, s.u8(), forged_s);
                    let d = s.bytes(255);
                    let _ = mtls_write(h, d.as_ptr(), d.len());
                }
                9 => {
                    let (h, _) = pick(&sessions, s.u8(), forged_s);
                    let mut buf = [0u8; 300];
                    let n = usize::from(s.u8());
                    let mut got = usize::MAX;
                    let st = mtls_read(h, buf.as_mut_ptr(), n, &mut got);
                    if st == mtls_status::MTLS_OK {
                        assert!(got <= n, "read more than the buffer");
                    }
                }
                10 => {
                    let (h, _) = pick(&sessions, s.u8(), forged_s);
                    let mut info = core::mem::MaybeUninit::<mtls_session_info>::zeroed();
                    let _ = mtls_session_get_info(h, info.as_mut_ptr());
                }
                11 => {
                    let (h, k) = pick(&sessions, s.u8(), forged_s);
                    let st = mtls_close(h);
                    if k == Some(Known::Closed) {
                        assert_eq!(
                            st,
                            mtls_status::MTLS_ERR_BAD_HANDLE,
                            "closed session closed again"
                        );
                    }
                    if st != mtls_status::MTLS_ERR_BAD_HANDLE && st != mtls_status::MTLS_ERR_BUSY {
                        for e in sessions.iter_mut().filter(|e| e.0 == h) {
                            e.1 = Known::Closed;
                        }
                    }
                }
                12 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let mut buf = [0u8; 128];
                    let n = usize::from(s.u8() % 128);
                    let mut got = usize::MAX;
                    if mtls_cache_save(m, buf.as_mut_ptr(), n, &mut got) == mtls_status::MTLS_OK {
                        assert!(got <= n);
                        // What was saved restores.
                        assert_eq!(
                            mtls_cache_restore(m, buf.as_ptr(), got),
                            mtls_status::MTLS_OK
                        );
                    }
                    // The same for the slot's session ticket (none until a
                    // host session received one: MTLS_ERR_TICKET_INVALID or
                    // a too-small buffer are the usual answers).
                    // (A fixed size: reading a script byte here would shift
                    // what the existing corpus inputs mean.)
                    let mut tbuf = vec![0u8; 700];
                    let mut tgot = usize::MAX;
                    if mtls_ticket_save(m, tbuf.as_mut_ptr(), tbuf.len(), &mut tgot)
                        == mtls_status::MTLS_OK
                    {
                        assert!(tgot <= tbuf.len());
                        assert_eq!(
                            mtls_ticket_restore(m, tbuf.as_ptr(), tgot),
                            mtls_status::MTLS_OK
                        );
                    }
                }
                13 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let d = s.bytes(255);
                    let _ = mtls_cache_restore(m, d.as_ptr(), d.len());
                    let _ = mtls_ticket_restore(m, d.as_ptr(), d.len());
                }
                14 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let _ = mtls_cache_clear(m);
                    let _ = mtls_ticket_clear(m);
                    let n = usize::from(s.u16() % 600);
                    let mut buf = vec![0xAAu8; n];
                    let mut got = usize::MAX;
                    let st = mtls_last_error_detail(m, buf.as_mut_ptr().cast(), n, &mut got);
                    if st == mtls_status::MTLS_OK {
                        assert!(
                            got < n && buf.get(got) == Some(&0),
                            "detail text not terminated"
                        );
                    }
                }
                15 => {
                    let (m, _) = pick(&modems, s.u8(), forged_m);
                    let d = s.bytes(255);
                    let _ = mtls_uart_rx_isr(m, d.as_ptr(), d.len());
                }
                _ => {
                    let text = mtls_status_str(s.u32() as i32);
                    assert!(!text.is_null());
                    let _ = core::ffi::CStr::from_ptr(text);
                    let mut st = mtls_pool_stats::default();
                    let _ = mtls_pool_get_stats(if s.u8() & 1 == 0 { &mut st } else { null_mut() });
                }
            }
        }
    }

    // Close everything: sessions first, then modems; the pool is empty.
    // SAFETY: handles are values.
    unsafe {
        for (h, k) in &sessions {
            if *k == Known::Open {
                let _ = mtls_close(*h);
            }
        }
        for (m, k) in &modems {
            if *k == Known::Open {
                assert_eq!(
                    mtls_modem_close(*m),
                    mtls_status::MTLS_OK,
                    "an open modem would not close"
                );
            }
        }
        let mut st = mtls_pool_stats::default();
        assert_eq!(mtls_pool_get_stats(&mut st), mtls_status::MTLS_OK);
        assert_eq!(
            (st.modems_in_use, st.sessions_in_use),
            (0, 0),
            "the pool leaked a slot"
        );
    }
    drop(modem);
}
