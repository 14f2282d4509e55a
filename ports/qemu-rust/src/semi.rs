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
//! scenario=offload        # offload | verify-fail | auto-host | compute
//! host=server.test        # name the simulator resolves to 127.0.0.1
//! port=40123              # the TLS server's port
//! path=/                  # HTTP path to GET
//! seed=<64 hex digits>    # auto-host, compute: TEST-ONLY RNG seed
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
    Offload,
    /// Offloaded connect to a server whose certificate must be rejected.
    VerifyFail,
    /// `Mode::Auto` against a server the BG96 cannot reach: host TLS.
    AutoHost,
    /// Instruction counts of host TLS handshakes (only in builds with the
    /// `compute` feature, so the other images stay as they were).
    #[cfg(feature = "compute")]
    Compute,
}

impl Scenario {
    /// The name used in `params.txt` and printed in the log.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Offload => "offload",
            Scenario::VerifyFail => "verify-fail",
            Scenario::AutoHost => "auto-host",
            #[cfg(feature = "compute")]
            Scenario::Compute => "compute",
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
    /// Test-only RNG seed for the host TLS path, when the runner gave one.
    #[cfg_attr(not(feature = "host-tls"), allow(dead_code))]
    pub seed: Option<[u8; 32]>,
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
            ParamError::Scenario => "scenario= missing or not offload | verify-fail | auto-host",
            ParamError::Host => "host= missing",
            ParamError::Port => "port= missing or not 1..65535",
            ParamError::Seed => "seed= is not 64 hex digits",
        }
    }
}

/// Parse `key=value` lines; unknown keys are ignored.
pub fn parse_params(text: &[u8]) -> Result<Params<'_>, ParamError> {
    let text = core::str::from_utf8(text).map_err(|_| ParamError::Utf8)?;
    let mut scenario = None;
    let mut host = None;
    let mut port = None;
    let mut path = "/";
    let mut seed = None;
    for line in text.lines() {
        let line = line.trim();
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match k.trim() {
            "scenario" => {
                scenario = Some(match v {
                    "offload" => Scenario::Offload,
                    "verify-fail" => Scenario::VerifyFail,
                    "auto-host" => Scenario::AutoHost,
                    #[cfg(feature = "compute")]
                    "compute" => Scenario::Compute,
                    _ => return Err(ParamError::Scenario),
                })
            }
            "host" => host = Some(v),
            "port" => port = Some(v.parse::<u16>().map_err(|_| ParamError::Port)?),
            "path" => path = v,
            "seed" => seed = Some(parse_seed(v).ok_or(ParamError::Seed)?),
            _ => {}
        }
    }
    Ok(Params {
        scenario: scenario.ok_or(ParamError::Scenario)?,
        host: host.filter(|h| !h.is_empty()).ok_or(ParamError::Host)?,
        port: port.filter(|&p| p != 0).ok_or(ParamError::Port)?,
        path,
        seed,
    })
}

fn parse_seed(hex: &str) -> Option<[u8; 32]> {
    let b = hex.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        *o = (hi * 16 + lo) as u8;
    }
    Some(out)
}
