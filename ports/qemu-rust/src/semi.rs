//! Semihosting file input and the run parameters.
//!
//! The runner writes `params.txt` and `ca.pem` into a directory and starts
//! QEMU there (`-semihosting-config enable=on,target=native`): the firmware
//! opens them with `SYS_OPEN`/`SYS_READ` relative to QEMU's working
//! directory, so one firmware image serves every scenario and server port
//! without a rebuild.
//!
//! `params.txt` is `key=value` lines:
//!
//! ```text
//! scenario=offload        # offload | verify-fail | auto-host | host | compute | baseline
//! host=server.test        # name the simulator resolves to 127.0.0.1
//! port=40123              # the TLS server's port
//! path=/                  # HTTP path to GET
//! seed=<64 hex digits>    # auto-host, host, compute: TEST-ONLY RNG seed
//! ```

use cortex_m_semihosting::{nr, syscall};

/// Why a host file could not be read.
#[derive(Clone, Copy, Debug)]
pub enum FileError {
    /// `SYS_OPEN` failed (no such file, or semihosting off).
    Open,
    /// The file is larger than the buffer.
    TooLarge,
    /// `SYS_READ` failed.
    Read,
}

impl FileError {
    /// What went wrong, for the log.
    pub fn text(self) -> &'static str {
        match self {
            FileError::Open => {
                "SYS_OPEN failed (missing file, or QEMU without -semihosting-config enable=on)"
            }
            FileError::TooLarge => "the file is larger than the firmware's buffer",
            FileError::Read => "SYS_READ failed",
        }
    }
}

/// Read the host file `name` (which must end with a NUL byte) into `buf`;
/// returns the length.
pub fn read_file(name: &[u8], buf: &mut [u8]) -> Result<usize, FileError> {
    if name.last() != Some(&0) {
        return Err(FileError::Open);
    }
    // SAFETY: SYS_OPEN reads `name.len() - 1` bytes of the NUL-terminated
    // name; the argument block lives until the call returns.
    let fd = unsafe { syscall!(OPEN, name.as_ptr(), nr::open::R_BINARY, name.len() - 1) } as isize;
    if fd < 0 {
        return Err(FileError::Open);
    }
    let fd = fd as usize;
    // SAFETY: SYS_FLEN on the handle just opened.
    let len = unsafe { syscall!(FLEN, fd) } as isize;
    let result = if len < 0 {
        Err(FileError::Read)
    } else if len as usize > buf.len() {
        Err(FileError::TooLarge)
    } else {
        let len = len as usize;
        // SAFETY: the host writes at most `len` bytes into `buf`, which has
        // at least `len` bytes; it returns how many it did NOT read.
        let not_read = unsafe { syscall!(READ, fd, buf.as_mut_ptr(), len) };
        if not_read > len {
            Err(FileError::Read)
        } else {
            Ok(len - not_read)
        }
    };
    // SAFETY: closes the handle opened above.
    unsafe { syscall!(CLOSE, fd) };
    result
}

/// Which scenario to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Offloaded HTTPS GET that must succeed with verification.
    #[cfg(not(feature = "baseline"))]
    Offload,
    /// Offloaded connect to a server whose certificate must be rejected.
    #[cfg(not(feature = "baseline"))]
    VerifyFail,
    /// `Mode::Auto` against a server the BG96 cannot reach: host TLS.
    #[cfg(not(feature = "baseline"))]
    AutoHost,
    /// Host TLS only (`modemtls::host::connect`), same server as `AutoHost`.
    #[cfg(not(feature = "baseline"))]
    Host,
    /// Instruction counts of host TLS handshakes (only in builds with the
    /// `compute` feature, so the other images stay as they were).
    #[cfg(feature = "compute")]
    Compute,
    /// The harness alone, no modemtls call (only in builds with the
    /// `baseline` feature, which have no other scenario): what the
    /// footprint figures subtract to get the library's share.
    #[cfg(feature = "baseline")]
    Baseline,
    /// MQTT publish/subscribe over an Auto session (only the Embassy
    /// firmware, `ports/qemu-embassy`, which shares this file and has the
    /// feature `mqtt`).
    #[cfg(feature = "mqtt")]
    Mqtt,
}

impl Scenario {
    /// The name used in `params.txt` and printed in the log.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(not(feature = "baseline"))]
            Scenario::Offload => "offload",
            #[cfg(not(feature = "baseline"))]
            Scenario::VerifyFail => "verify-fail",
            #[cfg(not(feature = "baseline"))]
            Scenario::AutoHost => "auto-host",
            #[cfg(not(feature = "baseline"))]
            Scenario::Host => "host",
            #[cfg(feature = "compute")]
            Scenario::Compute => "compute",
            #[cfg(feature = "baseline")]
            Scenario::Baseline => "baseline",
            #[cfg(feature = "mqtt")]
            Scenario::Mqtt => "mqtt",
        }
    }
}

/// The parsed `params.txt` (borrowing its buffer).
#[derive(Debug)]
pub struct Params<'a> {
    /// What to run.
    pub scenario: Scenario,
    /// Server host name.
    pub host: &'a str,
    /// Server port.
    pub port: u16,
    /// HTTP path.
    pub path: &'a str,
    /// `chain_only=1`: accept an offloaded session whose firmware checks
    /// the chain but not the host name (`SessionConfig::accept_chain_only`).
    // Read by the offloaded scenarios only (not in the host-only image).
    #[cfg_attr(not(feature = "offload"), allow(dead_code))]
    pub chain_only: bool,
    /// Test-only RNG seed for the host TLS path, when the runner gave one:
    /// its 64 hex digits (checked by [`parse_params`]; see [`Params::seed`]).
    seed_hex: Option<&'a [u8]>,
}

impl Params<'_> {
    /// The test-only RNG seed for the host TLS path, when the runner gave
    /// one. (Decoded here, not in [`parse_params`], so the images without
    /// host TLS do not carry the decoder.)
    #[cfg_attr(not(feature = "host-tls"), allow(dead_code))]
    pub fn seed(&self) -> Option<[u8; 32]> {
        let hex = self.seed_hex?;
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            *o = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
        }
        Some(out)
    }
}

/// Read and parse `params.txt` and read `ca.pem` (QEMU's working
/// directory) into the firmware's buffers, then print the run's banner
/// line (`<firmware>: scenario ... -> host:port, CA n bytes`). On any
/// failure: print why, `RESULT ? FAIL`, and exit (`crate::fail_setup`).
/// The one start-up of both firmware crates (this one and
/// ports/qemu-embassy).
pub fn load_inputs<'a>(
    firmware: &str,
    params_buf: &'a mut [u8],
    ca_buf: &'a mut [u8],
) -> (Params<'a>, &'a [u8]) {
    use crate::log::{dec, text};
    let n = match read_file(b"params.txt\0", params_buf) {
        Ok(n) => n,
        Err(e) => {
            text("params.txt (in QEMU's working directory): ");
            crate::fail_setup(e.text())
        }
    };
    let params_buf: &'a [u8] = params_buf;
    let params = match parse_params(params_buf.get(..n).unwrap_or(&[])) {
        Ok(p) => p,
        Err(e) => {
            text("params.txt refused: ");
            crate::fail_setup(e.text())
        }
    };
    let ca_len = match read_file(b"ca.pem\0", ca_buf) {
        Ok(n) => n,
        Err(e) => {
            text("ca.pem: ");
            crate::fail_setup(e.text())
        }
    };
    let ca_buf: &'a [u8] = ca_buf;
    text(firmware);
    text(": scenario ");
    text(params.scenario.name());
    text(" -> ");
    text(params.host);
    text(":");
    dec(params.port.into());
    text(", CA ");
    dec(ca_len as u32);
    text(" bytes\n");
    (params, ca_buf.get(..ca_len).unwrap_or(&[]))
}

/// Why `params.txt` was refused.
#[derive(Clone, Copy, Debug)]
pub enum ParamError {
    /// Not UTF-8.
    Utf8,
    /// `scenario=` missing or unknown.
    Scenario,
    /// `host=` missing.
    Host,
    /// `port=` missing or not a port number.
    Port,
    /// `seed=` present but not 64 hex digits.
    Seed,
}

impl ParamError {
    /// What is wrong, for the log.
    pub fn text(self) -> &'static str {
        match self {
            ParamError::Utf8 => "not UTF-8",
            ParamError::Scenario => "scenario= missing or not one this firmware runs",
            ParamError::Host => "host= missing",
            ParamError::Port => "port= missing or not 1..65535",
            ParamError::Seed => "seed= is not 64 hex digits",
        }
    }
}

/// Parse `key=value` lines; unknown keys are ignored. Lines, keys and
/// values are trimmed of ASCII white space.
///
/// Byte-level on purpose: `str::lines`/`trim`/`split_once` and
/// `str::parse` would link the Unicode white-space table, `from_utf8` and
/// the `str` pattern searchers (about 1.2 KB) into the harness.
pub fn parse_params(text: &[u8]) -> Result<Params<'_>, ParamError> {
    if !is_utf8(text) {
        return Err(ParamError::Utf8);
    }
    let mut scenario = None;
    let mut host = None;
    let mut port = None;
    let mut path: &[u8] = b"/";
    let mut chain_only = false;
    let mut seed_hex = None;
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = trim(rest.get(..end).unwrap_or(&[]));
        rest = rest.get(end + 1..).unwrap_or(&[]);
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (k, v) = (
            trim(line.get(..eq).unwrap_or(&[])),
            trim(line.get(eq + 1..).unwrap_or(&[])),
        );
        match k {
            b"scenario" => {
                scenario = Some(match v {
                    #[cfg(not(feature = "baseline"))]
                    b"offload" => Scenario::Offload,
                    #[cfg(not(feature = "baseline"))]
                    b"verify-fail" => Scenario::VerifyFail,
                    #[cfg(not(feature = "baseline"))]
                    b"auto-host" => Scenario::AutoHost,
                    #[cfg(not(feature = "baseline"))]
                    b"host" => Scenario::Host,
                    #[cfg(feature = "compute")]
                    b"compute" => Scenario::Compute,
                    #[cfg(feature = "baseline")]
                    b"baseline" => Scenario::Baseline,
                    #[cfg(feature = "mqtt")]
                    b"mqtt" => Scenario::Mqtt,
                    _ => return Err(ParamError::Scenario),
                })
            }
            b"host" => host = Some(v),
            b"port" => port = Some(parse_u16(v).ok_or(ParamError::Port)?),
            b"path" => path = v,
            b"chain_only" => chain_only = v == b"1",
            b"seed" => {
                if v.len() != 64 || !v.iter().all(|&c| hex_digit(c).is_some()) {
                    return Err(ParamError::Seed);
                }
                seed_hex = Some(v);
            }
            _ => {}
        }
    }
    Ok(Params {
        scenario: scenario.ok_or(ParamError::Scenario)?,
        host: as_str(host.filter(|h| !h.is_empty()).ok_or(ParamError::Host)?),
        port: port.filter(|&p| p != 0).ok_or(ParamError::Port)?,
        path: as_str(path),
        chain_only,
        seed_hex,
    })
}

/// White space as `str::trim` sees it, ASCII part (tab, LF, VT, FF, CR,
/// space). Non-ASCII white space is not trimmed: the runner writes ASCII.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// A piece of the parsed text as `&str`.
fn as_str(b: &[u8]) -> &str {
    // SAFETY: `parse_params` checked that the whole text is UTF-8 and cuts
    // it only next to ASCII bytes ('\n', '=', white space), which are never
    // inside a multi-byte sequence: every piece is UTF-8 too.
    unsafe { core::str::from_utf8_unchecked(b) }
}

/// UTF-8 validity (what `core::str::from_utf8` checks: no overlong forms,
/// no surrogates, nothing above U+10FFFF), in a few bytes of code.
pub fn is_utf8(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        // Continuation bytes after the lead byte, and the range of the
        // first one (which excludes overlong forms and surrogates).
        let (n, lo, hi) = match c {
            0x00..=0x7F => (0, 0, 0),
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xE1..=0xEF => (2, 0x80, 0xBF),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => return false,
        };
        for j in 1..=n {
            let (lo, hi) = if j == 1 { (lo, hi) } else { (0x80, 0xBF) };
            match b.get(i + j) {
                Some(&c) if (lo..=hi).contains(&c) => {}
                _ => return false,
            }
        }
        i += 1 + n;
    }
    true
}

/// `u16::from_str` on bytes: optional `+`, then decimal digits only.
pub fn parse_u16(v: &[u8]) -> Option<u16> {
    let d = v.strip_prefix(b"+").unwrap_or(v);
    if d.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &c in d {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u32::from(digit);
        if n > u32::from(u16::MAX) {
            return None;
        }
    }
    Some(n as u16)
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
