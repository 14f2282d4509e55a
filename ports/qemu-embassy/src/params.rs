//! `params.txt` for this firmware: the same `key=value` lines as
//! ports/qemu-rust (read with its [`crate::semi`]), with this firmware's
//! scenario names.
//!
//! ```text
//! scenario=offload        # offload | verify-fail | auto-host | mqtt
//! host=server.test        # name the simulator resolves to 127.0.0.1
//! port=40123              # the TLS server's (or the MQTT broker's) port
//! path=/                  # HTTP path to GET
//! chain_only=1            # optional: accept a chain-only offloaded session
//! seed=<64 hex digits>    # auto-host, mqtt: TEST-ONLY RNG seed
//! ```

use crate::semi::{is_utf8, parse_u16};

/// Which scenario to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Offloaded HTTPS GET that must succeed with verification.
    Offload,
    /// Offloaded connect to a server whose certificate must be rejected.
    VerifyFail,
    /// `Mode::Auto` against a TLS 1.3-only server: host TLS on the MCU.
    AutoHost,
    /// MQTT 5 subscribe + publish + receive (rust-mqtt) over an Auto
    /// session to mosquitto's TLS 1.3 listener.
    Mqtt,
}

impl Scenario {
    /// The name used in `params.txt` and printed in the log.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Offload => "offload",
            Scenario::VerifyFail => "verify-fail",
            Scenario::AutoHost => "auto-host",
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
    /// the chain but not the host name.
    pub chain_only: bool,
    /// The TEST-ONLY RNG seed of the host TLS path, when given.
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
            ParamError::Scenario => {
                "scenario= missing or not offload | verify-fail | auto-host | mqtt"
            }
            ParamError::Host => "host= missing",
            ParamError::Port => "port= missing or not 1..65535",
            ParamError::Seed => "seed= is not 64 hex digits",
        }
    }
}

/// Parse `key=value` lines; unknown keys are ignored; keys and values are
/// trimmed of ASCII white space.
pub fn parse(text: &[u8]) -> Result<Params<'_>, ParamError> {
    if !is_utf8(text) {
        return Err(ParamError::Utf8);
    }
    let mut scenario = None;
    let mut host = None;
    let mut port = None;
    let mut path: &[u8] = b"/";
    let mut chain_only = false;
    let mut seed = None;
    for line in text.split(|&b| b == b'\n') {
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (k, v) = line.split_at(eq);
        let (k, v) = (k.trim_ascii(), v.get(1..).unwrap_or(&[]).trim_ascii());
        match k {
            b"scenario" => {
                scenario = Some(match v {
                    b"offload" => Scenario::Offload,
                    b"verify-fail" => Scenario::VerifyFail,
                    b"auto-host" => Scenario::AutoHost,
                    b"mqtt" => Scenario::Mqtt,
                    _ => return Err(ParamError::Scenario),
                })
            }
            b"host" => host = Some(v),
            b"port" => port = Some(parse_u16(v).ok_or(ParamError::Port)?),
            b"path" => path = v,
            b"chain_only" => chain_only = v == b"1",
            b"seed" => seed = Some(parse_seed(v).ok_or(ParamError::Seed)?),
            _ => {}
        }
    }
    Ok(Params {
        scenario: scenario.ok_or(ParamError::Scenario)?,
        host: as_str(host.filter(|h| !h.is_empty()).ok_or(ParamError::Host)?),
        port: port.filter(|&p| p != 0).ok_or(ParamError::Port)?,
        path: as_str(path),
        chain_only,
        seed,
    })
}

/// 64 hex digits -> 32 bytes.
fn parse_seed(v: &[u8]) -> Option<[u8; 32]> {
    if v.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(v.chunks_exact(2)) {
        let hi = char::from(*pair.first()?).to_digit(16)?;
        let lo = char::from(*pair.get(1)?).to_digit(16)?;
        *o = (hi << 4 | lo) as u8;
    }
    Some(out)
}

/// A piece of the checked text as `&str`.
fn as_str(b: &[u8]) -> &str {
    // `parse` checked the whole text is UTF-8 and cuts it only next to
    // ASCII bytes, so every piece is UTF-8: this never falls back.
    core::str::from_utf8(b).unwrap_or("")
}
