//! Scenarios on the host TLS path (feature `host-tls`):
//!
//! - `auto-host` (with `offload`): `Mode::Auto` against a TLS 1.3-only
//!   server. The BG96 firmware cannot reach it, Auto classifies the failure
//!   as a capability one and opens the session on the MCU (TLS 1.3,
//!   the project's engine + the `modemtls::pki` verifier) over the modem's raw
//!   TCP socket; then the same GET as `offload`.
//! - `host` (an image without `offload`): the same server straight on the
//!   host path (`modemtls::host::connect`), the image of the host TLS
//!   footprint figures.
//!
//! # ENTROPY: TEST-ONLY SOURCE
//!
//! QEMU's MPS2 machines have no hardware RNG. This firmware uses
//! [`crate::testrng::TestRng`] (SHA-256 in counter mode) seeded with 32
//! bytes that the **runner** draws from the host's `/dev/urandom` and
//! writes to `params.txt` (`seed=`). That is a test harness, NOT a device
//! entropy source: the seed travels in a file, and anyone who reads it can
//! recompute the session keys. A real device must seed from a hardware TRNG
//! (or the modem's, e.g. a vendor AT command) and never from a file or
//! constant.
//!
//! With no `seed=` line the firmware refuses to start host TLS (the
//! scenario fails); there is no constant or time-based fallback.

#[cfg(feature = "offload")]
use crate::detail;
use crate::host_setup::{check_host_info, host_setup};
use crate::log::Steps;
use crate::scenarios::{http_get, modem, modem_up, Failure};
use crate::semi::Params;
use embedded_io::{Read, Write};
#[cfg(feature = "offload")]
use modemtls::auto::{self, PathCache, Step};
use modemtls::session::{Credential, Mode, SessionConfig};
use modemtls::Error;

/// Scenario `auto-host`.
#[cfg(feature = "offload")]
#[inline(never)]
pub fn auto_host(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let (mut rng, bufs) = host_setup(p)?;
    let mut modem = modem();
    modem_up(&mut modem, steps)?;
    let mut cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Auto);
    cfg.accept_chain_only = p.chain_only;
    let mut cache: PathCache<4> = PathCache::new();
    let s = auto::connect_observed(
        &mut modem,
        &cfg,
        &mut rng,
        bufs,
        Some(&mut cache),
        &mut |step: Step| {
            steps.step(match step {
                Step::Planned(_) => "auto: planned",
                Step::OffloadStarting => "auto: offloaded handshake starting",
                Step::OffloadFailed { .. } => "auto: offloaded handshake failed",
                Step::HostStarting => "auto: host handshake starting",
                Step::Remembered(_) => "auto: decision remembered",
            });
            detail!("      {:?}", step);
        },
    )
    .map_err(|e| Failure::Lib("auto connect", e))?;
    check_host_info(&s.info(), steps)?;
    get_then_close(s, auto::Session::close, p, steps)
}

/// Scenario `host`: `Mode::Host` straight through `modemtls::host`.
#[inline(never)]
pub fn host_only(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let (mut rng, bufs) = host_setup(p)?;
    let mut modem = modem();
    modem_up(&mut modem, steps)?;
    let cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Host);
    steps.step("host handshake starting");
    let s = modemtls::host::connect(&mut modem, &cfg, &mut rng, bufs)
        .map_err(|e| Failure::Lib("host connect", e))?;
    check_host_info(&s.info(), steps)?;
    get_then_close(s, modemtls::host::HostSession::close, p, steps)
}

/// The scenarios' end: `GET`, close, the status must be 200.
fn get_then_close<S: Read + Write<Error = Error>>(
    mut s: S,
    close: fn(S) -> Result<(), Error>,
    p: &Params<'_>,
    steps: &mut Steps,
) -> Result<(), Failure> {
    let (_, code) = http_get(&mut s, p.host, p.path, steps)?;
    close(s).map_err(|e| Failure::Lib("close", e))?;
    steps.step("session closed");
    if code != 200 {
        return Err(Failure::Unexpected("HTTP status is not 200"));
    }
    Ok(())
}
