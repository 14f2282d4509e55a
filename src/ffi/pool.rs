//! The static pool: modem slots, each with room for one session and its
//! host-TLS buffers, and the handles that name them.
//!
//! # Soundness
//!
//! The data of slot `i` lives in `static` cells (`MODEMS[i]`, `SESSIONS[i]`,
//! `BUFS[i]`, `EXTRAS[i]`) that have no lock of their own. Who may touch
//! them is decided by `META[i]`, a small record kept in a
//! `critical_section::Mutex`:
//!
//! - `live`: `MODEMS[i]` holds an initialised driver (written by
//!   [`open_modem`] before the slot is handed out, dropped by
//!   [`Checkout::free`] before `live` is cleared).
//! - `busy`: one [`Checkout`] exists for the slot. A checkout is only
//!   granted (inside the critical section) when `busy` is false, and it
//!   clears `busy` when dropped; so at most one caller at a time — in any
//!   thread, task or callback — holds references into the slot's cells.
//! - `session_open`: `SESSIONS[i]` holds a session, which owns a
//!   `&'static mut` to `MODEMS[i]` and to `BUFS[i]`. While it is set, the
//!   checkout hands out no reference to those two cells ([`Checkout::parts`]
//!   refuses), so the session's references stay unique; the session is
//!   moved out ([`Checkout::close_session`]) before the flag is cleared.
//!
//! Handles carry the slot index and a generation number that changes every
//! time the slot (or its session) is opened, so a stale handle is refused.
//! The receive rings are separate (`port::RINGS`, each its own
//! `critical_section::Mutex`) because an interrupt handler writes them while
//! the main loop holds the checkout.

use core::cell::{RefCell, UnsafeCell};
use core::mem::MaybeUninit;

use critical_section::Mutex;

use super::port::{mtls_port, CPort, RINGS};
use super::status::mtls_status;
use crate::auto::{PathCache, Session};
use crate::error::Error;
use crate::host::{HostBuffers, MIN_READ_BUF};
use crate::modem::{AnyModem, Identity};
use crate::tls::{ClientState, Ticket};

/// Modem slots in the static pool.
pub(crate) const MAX_MODEMS: usize = 1;
/// Entries of each modem's Auto decision cache.
pub(crate) const CACHE_ENTRIES: usize = 8;
/// Host TLS write buffer per slot.
pub(crate) const WRITE_BUF: usize = 4096;
/// Host TLS scratch buffer (decoded credentials) per slot.
pub(crate) const SCRATCH_BUF: usize = 4096;

/// A modem (opaque). Handles are values, never dereferenced: a stale or
/// forged handle is detected and refused with `MTLS_ERR_BAD_HANDLE`.
#[allow(non_camel_case_types)]
pub struct mtls_modem {
    _opaque: [u8; 0],
}

/// A TLS session (opaque; see `mtls_modem`).
#[allow(non_camel_case_types)]
pub struct mtls_session {
    _opaque: [u8; 0],
}

type Sess = Session<'static, 'static, AnyModem<CPort>>;

/// The host TLS buffers of one slot.
pub(crate) struct HostMem {
    read: [u8; MIN_READ_BUF],
    write: [u8; WRITE_BUF],
    scratch: [u8; SCRATCH_BUF],
    /// The session ticket of the slot (resumption on the host path).
    ticket: Ticket,
    /// The TLS engine's state of the slot's host session, written anew
    /// for each session. Zeroed bytes here (not `ClientState::new()`, whose
    /// empty form is not all zeros) keep the pool in `.bss`: a non-zero
    /// initializer would put all of it in `.data`, i.e. in flash too.
    state: MaybeUninit<ClientState>,
}

/// Credentials set with `mtls_modem_set_credentials()`: borrowed from the
/// caller, who keeps them valid (see there).
#[derive(Clone, Copy)]
pub(crate) struct Blob {
    pub(crate) ptr: *const u8,
    pub(crate) len: usize,
}

impl Blob {
    pub(crate) const NONE: Blob = Blob {
        ptr: core::ptr::null(),
        len: 0,
    };
    pub(crate) fn is_some(&self) -> bool {
        !self.ptr.is_null() && self.len > 0
    }
}

/// Everything of a slot besides the driver, the session and the buffers.
pub(crate) struct Extra {
    pub(crate) port: Option<mtls_port>,
    pub(crate) ca: Blob,
    pub(crate) client_cert: Blob,
    pub(crate) client_key: Blob,
    pub(crate) cache: PathCache<CACHE_ENTRIES>,
    pub(crate) identity: Option<Identity>,
    /// The last failure on this modem: its status and, when the library
    /// returned an error, the error with its evidence.
    pub(crate) last: Option<(mtls_status, Option<Error>)>,
}

impl Extra {
    const fn new() -> Self {
        Extra {
            port: None,
            ca: Blob::NONE,
            client_cert: Blob::NONE,
            client_key: Blob::NONE,
            cache: PathCache::new(),
            identity: None,
            last: None,
        }
    }
}

#[derive(Clone, Copy)]
struct Meta {
    live: bool,
    busy: bool,
    initialised: bool,
    session_open: bool,
    gen: u32,
    session_gen: u32,
}

impl Meta {
    const FREE: Meta = Meta {
        live: false,
        busy: false,
        initialised: false,
        session_open: false,
        gen: 0,
        session_gen: 0,
    };
}

/// A cell of the pool.
struct Cell<T>(UnsafeCell<T>);

// SAFETY: the cells are only accessed through a `Checkout`, which `META`
// (a critical-section mutex) grants to one caller at a time; see the
// module docs.
unsafe impl<T> Sync for Cell<T> {}

static META: Mutex<RefCell<[Meta; MAX_MODEMS]>> =
    Mutex::new(RefCell::new([Meta::FREE; MAX_MODEMS]));
static MODEMS: [Cell<MaybeUninit<AnyModem<CPort>>>; MAX_MODEMS] =
    [const { Cell(UnsafeCell::new(MaybeUninit::uninit())) }; MAX_MODEMS];
static SESSIONS: [Cell<MaybeUninit<Sess>>; MAX_MODEMS] =
    [const { Cell(UnsafeCell::new(MaybeUninit::uninit())) }; MAX_MODEMS];
static BUFS: [Cell<HostMem>; MAX_MODEMS] = [const {
    Cell(UnsafeCell::new(HostMem {
        read: [0; MIN_READ_BUF],
        write: [0; WRITE_BUF],
        scratch: [0; SCRATCH_BUF],
        ticket: Ticket::new(),
        state: MaybeUninit::zeroed(),
    }))
}; MAX_MODEMS];
static EXTRAS: [Cell<Extra>; MAX_MODEMS] =
    [const { Cell(UnsafeCell::new(Extra::new())) }; MAX_MODEMS];

// ---- handles ----

const KIND_MODEM: usize = 0;
const KIND_SESSION: usize = 1;
const GEN_MAX: u32 = 0x7f_ffff;

fn next_gen(g: u32) -> u32 {
    g % GEN_MAX + 1
}

/// Bits 0-6 slot index, bit 7 kind, bits 8-30 generation (never 0, so a
/// handle is never NULL).
fn encode(kind: usize, index: usize, gen: u32) -> usize {
    ((gen as usize) << 8) | (kind << 7) | (index & 0x7f)
}

fn decode(id: usize) -> (usize, usize, u32) {
    (
        (id >> 7) & 1,
        id & 0x7f,
        u32::try_from(id >> 8).unwrap_or(0),
    )
}

fn modem_handle(index: usize, gen: u32) -> *mut mtls_modem {
    core::ptr::without_provenance_mut(encode(KIND_MODEM, index, gen))
}

fn session_handle(index: usize, gen: u32) -> *mut mtls_session {
    core::ptr::without_provenance_mut(encode(KIND_SESSION, index, gen))
}

// ---- checkout ----

/// Exclusive use of one slot for the duration of one `mtls_*` call.
pub(crate) struct Checkout {
    index: usize,
    meta: Meta,
}

fn checkout(id: usize, kind: usize) -> Result<Checkout, mtls_status> {
    let (k, index, gen) = decode(id);
    if id == 0 || k != kind {
        return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
    }
    critical_section::with(|cs| {
        let mut meta = META.borrow_ref_mut(cs);
        let m = meta
            .get_mut(index)
            .ok_or(mtls_status::MTLS_ERR_BAD_HANDLE)?;
        let valid = m.live
            && match kind {
                KIND_MODEM => m.gen == gen,
                _ => m.session_open && m.session_gen == gen,
            };
        if !valid {
            return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
        }
        if m.busy {
            return Err(mtls_status::MTLS_ERR_BUSY);
        }
        m.busy = true;
        Ok(Checkout { index, meta: *m })
    })
}

/// Check out the slot of a modem handle.
pub(crate) fn checkout_modem(h: *const mtls_modem) -> Result<Checkout, mtls_status> {
    checkout(h.addr(), KIND_MODEM)
}

/// Check out the slot of a session handle.
pub(crate) fn checkout_session(h: *const mtls_session) -> Result<Checkout, mtls_status> {
    checkout(h.addr(), KIND_SESSION)
}

/// `f` with the slot index of live modem handle `h`, inside the critical
/// section that checked it (so the slot cannot change hands meanwhile).
fn with_live_modem<T>(
    h: *const mtls_modem,
    f: impl FnOnce(critical_section::CriticalSection<'_>, usize) -> Option<T>,
) -> Option<T> {
    let (k, index, gen) = decode(h.addr());
    if h.is_null() || k != KIND_MODEM {
        return None;
    }
    critical_section::with(|cs| {
        let meta = META.borrow_ref(cs);
        let m = meta.get(index)?;
        if !(m.live && m.gen == gen) {
            return None;
        }
        f(cs, index)
    })
}

/// The slot index of a live modem handle (tests: to reach its ring).
#[cfg(test)]
pub(crate) fn live_modem_index(h: *const mtls_modem) -> Option<usize> {
    with_live_modem(h, |_, index| Some(index))
}

/// Push `data` into the receive ring of live modem `h`: the handle check
/// and the push in one critical section, so a modem closed and re-opened
/// (same slot, new generation) by another thread or core between the two
/// never receives the old modem's bytes. `None`: not a live modem handle;
/// `Some(false)`: the ring had no room (nothing pushed, counted as dropped).
pub(crate) fn push_rx(h: *const mtls_modem, data: &[u8]) -> Option<bool> {
    with_live_modem(h, |cs, index| {
        Some(RINGS.get(index)?.borrow_ref_mut(cs).push(data))
    })
}

/// Take a free slot, put a driver for `cb` in it and return its handle.
pub(crate) fn open_modem(cb: mtls_port) -> Result<*mut mtls_modem, mtls_status> {
    let (index, gen) = critical_section::with(|cs| {
        let mut meta = META.borrow_ref_mut(cs);
        let (index, m) = meta
            .iter_mut()
            .enumerate()
            .find(|(_, m)| !m.live && !m.busy)
            .ok_or(mtls_status::MTLS_ERR_NO_FREE_SLOT)?;
        m.gen = next_gen(m.gen);
        m.live = true;
        m.busy = true;
        m.initialised = false;
        m.session_open = false;
        if let Some(r) = RINGS.get(index) {
            r.borrow_ref_mut(cs).clear();
        }
        Ok((index, m.gen))
    })?;
    let co = Checkout {
        index,
        meta: Meta::FREE,
    };
    let (Some(modem), Some(extra)) = (MODEMS.get(index), EXTRAS.get(index)) else {
        return Err(mtls_status::MTLS_ERR_NO_FREE_SLOT);
    };
    // SAFETY: the slot was free (`live` false: no driver in it, no session,
    // no checkout) and is now `busy` for us alone; writing a MaybeUninit
    // through the cell does not read or drop the old contents.
    unsafe {
        (*modem.0.get()).write(AnyModem::new(CPort { cb, slot: index }));
        *extra.0.get() = Extra::new();
        (*extra.0.get()).port = Some(cb);
    }
    drop(co);
    Ok(modem_handle(index, gen))
}

impl Checkout {
    fn update(&mut self, f: impl FnOnce(&mut Meta)) {
        let index = self.index;
        self.meta = critical_section::with(|cs| {
            let mut meta = META.borrow_ref_mut(cs);
            match meta.get_mut(index) {
                Some(m) => {
                    f(m);
                    *m
                }
                None => Meta::FREE,
            }
        });
    }

    pub(crate) fn initialised(&self) -> bool {
        self.meta.initialised
    }

    pub(crate) fn set_initialised(&mut self, on: bool) {
        self.update(|m| m.initialised = on);
    }

    pub(crate) fn session_open(&self) -> bool {
        self.meta.session_open
    }

    /// The driver and the rest of the slot; refused while a session holds
    /// the driver.
    pub(crate) fn parts(&mut self) -> Result<(&mut AnyModem<CPort>, &mut Extra), mtls_status> {
        if self.meta.session_open {
            return Err(mtls_status::MTLS_ERR_SESSION_ACTIVE);
        }
        let (Some(modem), Some(extra)) = (MODEMS.get(self.index), EXTRAS.get(self.index)) else {
            return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
        };
        // SAFETY: checked out (`busy`), `live` (driver initialised) and no
        // session: nothing else references these cells until `self` drops,
        // and the borrows end with `&mut self`.
        unsafe { Ok(((*modem.0.get()).assume_init_mut(), &mut *extra.0.get())) }
    }

    /// The slot's session ticket; refused while a session holds it.
    pub(crate) fn ticket(&mut self) -> Result<&mut Ticket, mtls_status> {
        if self.meta.session_open {
            return Err(mtls_status::MTLS_ERR_SESSION_ACTIVE);
        }
        let bufs = BUFS
            .get(self.index)
            .ok_or(mtls_status::MTLS_ERR_BAD_HANDLE)?;
        // SAFETY: checked out (`busy`) and no session, which is the only
        // other holder of the buffers: the cell is ours until `self`
        // drops, and the borrow ends with `&mut self`.
        Ok(unsafe { &mut (*bufs.0.get()).ticket })
    }

    /// The rest of the slot (credentials, cache, last error); always
    /// available to the checkout holder.
    pub(crate) fn extra(&mut self) -> Result<&mut Extra, mtls_status> {
        let extra = EXTRAS
            .get(self.index)
            .ok_or(mtls_status::MTLS_ERR_BAD_HANDLE)?;
        // SAFETY: checked out (`busy`): the cell is ours until `self` drops,
        // and the borrow ends with `&mut self`.
        Ok(unsafe { &mut *extra.0.get() })
    }

    /// The open session and the rest of the slot.
    pub(crate) fn session(&mut self) -> Result<(&mut Sess, &mut Extra), mtls_status> {
        if !self.meta.session_open {
            return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
        }
        let (Some(sess), Some(extra)) = (SESSIONS.get(self.index), EXTRAS.get(self.index)) else {
            return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
        };
        // SAFETY: checked out and `session_open`: the session cell is
        // initialised and only this checkout references it.
        unsafe { Ok(((*sess.0.get()).assume_init_mut(), &mut *extra.0.get())) }
    }

    /// Open a session with `f`, which gets the driver and the host buffers
    /// for `'static` (they belong to the session from now on), the rest of
    /// the slot and the slot's session cell. `f` builds the session in
    /// place in that cell (a session is ~1.7 KB: moving it by value costs
    /// stack) and returns it; the session is kept and its handle returned.
    /// `resume`: lend the slot's session ticket (resumption).
    pub(crate) fn open_session(
        &mut self,
        resume: bool,
        f: impl for<'s> FnOnce(
            &'static mut AnyModem<CPort>,
            HostBuffers<'static>,
            &mut Extra,
            &'s mut MaybeUninit<Sess>,
        ) -> Result<&'s mut Sess, mtls_status>,
    ) -> Result<*mut mtls_session, mtls_status> {
        if self.meta.session_open {
            return Err(mtls_status::MTLS_ERR_SESSION_ACTIVE);
        }
        let i = self.index;
        let (Some(modem), Some(bufs), Some(extra), Some(sess)) =
            (MODEMS.get(i), BUFS.get(i), EXTRAS.get(i), SESSIONS.get(i))
        else {
            return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
        };
        let cell = sess.0.get();
        // SAFETY: checked out, `live` and no session open, so no reference
        // to the driver, the buffers or the session cell exists. The
        // `'static` references go into the session, which is built in
        // `SESSIONS[i]` (on failure none is built, and they end with `f`,
        // which owns them); from then on `session_open` keeps every other
        // path away from the driver and the buffers (`parts` refuses) until
        // `close_session` moves the session out again. The cell holds no
        // session (`session_open` is false), so overwriting it leaks or
        // drops nothing.
        let (modem, mem, extra, slot) = unsafe {
            (
                (*modem.0.get()).assume_init_mut(),
                &mut *bufs.0.get(),
                &mut *extra.0.get(),
                &mut *cell,
            )
        };
        let host = HostBuffers {
            read: &mut mem.read,
            write: &mut mem.write,
            scratch: &mut mem.scratch,
            ticket: resume.then_some(&mut mem.ticket),
            state: mem.state.write(ClientState::new()),
        };
        let s = f(modem, host, extra, slot)?;
        // Only a reference to the cell itself proves that the cell holds a
        // session now (safe code makes a `&mut Sess` only to a valid one).
        if !core::ptr::eq(s, cell.cast::<Sess>()) {
            return Err(mtls_status::MTLS_ERR_BAD_HANDLE);
        }
        self.update(|m| {
            m.session_gen = next_gen(m.session_gen);
            m.session_open = true;
        });
        Ok(session_handle(i, self.meta.session_gen))
    }

    /// Close the open session, if any (best effort; host: close_notify
    /// first), which gives the driver back to the slot. Out of line, so
    /// that callers need no room in their frames for the session, which is
    /// moved out of the slot to be closed.
    #[inline(never)]
    pub(crate) fn close_session(&mut self) -> Option<Result<(), Error>> {
        if !self.meta.session_open {
            return None;
        }
        let sess = SESSIONS.get(self.index)?;
        // SAFETY: `session_open`: the cell is initialised; we clear the flag
        // right after, so it is never read twice.
        let s = unsafe { (*sess.0.get()).assume_init_read() };
        self.update(|m| m.session_open = false);
        Some(s.close())
    }

    /// Close the session (best effort), drop the driver and free the slot.
    pub(crate) fn free(mut self) {
        let _ = self.close_session();
        if let Some(modem) = MODEMS.get(self.index) {
            // SAFETY: `live` and checked out, no session: the driver is
            // initialised and unreferenced; `live` is cleared below, so it
            // is never dropped twice.
            unsafe { (*modem.0.get()).assume_init_drop() };
        }
        if let Ok(extra) = self.extra() {
            *extra = Extra::new();
        }
        let index = self.index;
        critical_section::with(|cs| {
            if let Some(m) = META.borrow_ref_mut(cs).get_mut(index) {
                m.live = false;
                m.initialised = false;
                m.session_open = false;
            }
            if let Some(r) = RINGS.get(index) {
                r.borrow_ref_mut(cs).clear();
            }
        });
        // `Drop` clears `busy`.
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let index = self.index;
        critical_section::with(|cs| {
            if let Some(m) = META.borrow_ref_mut(cs).get_mut(index) {
                m.busy = false;
            }
        });
    }
}

/// Slots in use: (modems, sessions, bytes dropped by full receive rings).
pub(crate) fn stats() -> (usize, usize, u32) {
    critical_section::with(|cs| {
        let meta = META.borrow_ref(cs);
        let modems = meta.iter().filter(|m| m.live).count();
        let sessions = meta.iter().filter(|m| m.live && m.session_open).count();
        let dropped = RINGS
            .iter()
            .map(|r| r.borrow_ref(cs).dropped)
            .fold(0u32, u32::saturating_add);
        (modems, sessions, dropped)
    })
}
