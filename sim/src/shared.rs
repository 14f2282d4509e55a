//! State shared between the simulator handle, the UART session and the
//! socket threads.

use crate::config::SimConfig;
use crate::fault::{Faults, UartDrop};
use crate::files::FileStore;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Transcript size limit; later events are dropped (with one note).
const MAX_TRANSCRIPT: usize = 16 << 20;
/// Command log limit.
const MAX_COMMANDS: usize = 1_000_000;

/// Locks a mutex, ignoring poisoning (a panicked thread must not take the
/// whole simulator down).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything the handle and the simulator threads share.
#[derive(Debug)]
pub struct Shared {
    /// The configuration the simulator was spawned with.
    pub cfg: SimConfig,
    /// The modem file store (kept across UART connections).
    pub files: FileStore,
    /// Every command line received, in order.
    pub commands: Mutex<Vec<String>>,
    /// Human-readable log.
    pub transcript: Mutex<String>,
    /// URC lines waiting to be sent at the next safe point.
    pub injected: Mutex<VecDeque<String>>,
    /// PDP contexts to drop at the next safe point.
    pub pdp_drops: Mutex<VecDeque<u8>>,
    /// Damage to apply to the modem's output.
    pub faults: Mutex<Faults>,
    /// Damage to apply to the modem's input.
    pub input_faults: Mutex<Faults>,
    /// Restarts to make at the next safe point, each with its quiet time.
    pub reboots: Mutex<VecDeque<Duration>>,
    /// Sockets (TCP and SSL) the modem holds open, as of its last poll.
    pub open_sockets: std::sync::atomic::AtomicUsize,
    /// Active PDP contexts, as of the modem's last poll.
    pub active_contexts: Mutex<Vec<u8>>,
    /// When the UART connection drops (the modem keeps running).
    pub uart_drop: Mutex<UartDrop>,
    /// How many of the next socket sends answer `SEND FAIL`.
    pub send_fails: AtomicUsize,
    /// The peers stopped reading: socket threads write nothing to the
    /// network, so data piles up in the modem's send buffer.
    pub peers_not_reading: AtomicBool,
    /// Sockets (kind, id) the network closes at the next safe point.
    pub net_closes: Mutex<VecDeque<(crate::tcp::Kind, u8)>>,
    /// A restart after this many more command lines, with its quiet time.
    pub reboot_after: Mutex<Option<(usize, Duration)>>,
    /// Set once by shutdown; every thread polls it.
    pub shutdown: AtomicBool,
    /// When the simulator started (base of the network clock).
    pub started: Instant,
    /// Also print transcript lines to stderr.
    pub log_stderr: bool,
}

impl Shared {
    /// New shared state for `cfg`.
    pub fn new(cfg: SimConfig, log_stderr: bool) -> Self {
        Shared {
            cfg,
            files: FileStore::default(),
            commands: Mutex::new(Vec::new()),
            transcript: Mutex::new(String::new()),
            injected: Mutex::new(VecDeque::new()),
            pdp_drops: Mutex::new(VecDeque::new()),
            faults: Mutex::new(Faults::default()),
            input_faults: Mutex::new(Faults::default()),
            reboots: Mutex::new(VecDeque::new()),
            open_sockets: std::sync::atomic::AtomicUsize::new(0),
            active_contexts: Mutex::new(Vec::new()),
            uart_drop: Mutex::new(UartDrop::default()),
            send_fails: AtomicUsize::new(0),
            peers_not_reading: AtomicBool::new(false),
            net_closes: Mutex::new(VecDeque::new()),
            reboot_after: Mutex::new(None),
            shutdown: AtomicBool::new(false),
            started: Instant::now(),
            log_stderr,
        }
    }

    /// Takes one armed `SEND FAIL`, if any.
    pub fn take_send_fail(&self) -> bool {
        self.send_fails
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// True once the simulator is shutting down.
    pub fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    /// Appends one line to the transcript.
    pub fn log(&self, line: &str) {
        let t = self.started.elapsed();
        let entry = format!("[{:4}.{:03}] {}\n", t.as_secs(), t.subsec_millis(), line);
        if self.log_stderr {
            eprint!("{entry}");
        }
        let mut tr = lock(&self.transcript);
        if tr.len() + entry.len() <= MAX_TRANSCRIPT {
            tr.push_str(&entry);
        } else if !tr.ends_with("[transcript truncated]\n") {
            tr.push_str("[transcript truncated]\n");
        }
    }

    /// Records a received command line (and counts it down to a restart
    /// armed by [`Shared::reboot_after`]).
    pub fn record_command(&self, line: &str) {
        lock(&self.faults).command(line);
        {
            let mut r = lock(&self.reboot_after);
            if let Some((n, quiet)) = r.as_mut() {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    lock(&self.reboots).push_back(*quiet);
                    *r = None;
                }
            }
        }
        let mut c = lock(&self.commands);
        if c.len() < MAX_COMMANDS {
            c.push(line.to_string());
        }
    }

    /// Network time now (Unix seconds).
    pub fn network_now(&self) -> i64 {
        match self.cfg.network_time {
            Some(t) => t + self.started.elapsed().as_secs() as i64,
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        }
    }

    /// Sleeps `ms`, waking early on shutdown or when `stop` turns true.
    /// Returns false when interrupted.
    pub fn sleep_ms(&self, ms: u32, stop: &AtomicBool) -> bool {
        let end = Instant::now() + Duration::from_millis(u64::from(ms));
        loop {
            if self.stopping() || stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(10)));
        }
    }
}

/// Printable form of UART bytes for the transcript: CR/LF and control bytes
/// escaped, long binary shortened.
pub fn printable(data: &[u8]) -> String {
    let mut s = String::new();
    for &b in data.iter().take(300) {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    if data.len() > 300 {
        s.push_str(&format!("...({} bytes)", data.len()));
    }
    s
}
