//! The host TLS scenarios' set-up, the same for the blocking firmware
//! (this crate's `host.rs`) and the Embassy one (`ports/qemu-embassy`,
//! which includes this file): the seeded TEST-ONLY RNG, the host buffers
//! (taken once) and the check of a finished handshake.

use crate::detail;
use crate::log::{text, Steps};
use crate::semi::Params;
use crate::testrng::TestRng;
use crate::Failure;
use modemtls::host::{HostBuffers, MIN_READ_BUF, MIN_WRITE_BUF};
use modemtls::session::{Path, SessionInfo};
use modemtls::tls::ClientState;

/// Outgoing TLS record buffer: the library's minimum (1 KiB) is enough for
/// a ClientHello, the client Finished and an HTTP request.
pub const WRITE_BUF: usize = MIN_WRITE_BUF;
/// Decoded CA (DER) during the handshake: 3/4 of the PEM, and the harness
/// takes at most [`crate::CA_MAX`] bytes of PEM.
pub const SCRATCH_BUF: usize = crate::CA_MAX * 3 / 4 + 64;

/// The seeded TEST-ONLY RNG and the host buffers (taken once).
pub fn host_setup(p: &Params<'_>) -> Result<(TestRng, HostBuffers<'static>), Failure> {
    let Some(seed) = p.seed() else {
        text("no RNG seed in params.txt: refusing to run host TLS (no constant-seed fallback)\n");
        return Err(Failure::Unexpected("no RNG seed"));
    };
    text("      RNG: SHA-256 counter mode seeded by the runner (TEST-ONLY entropy, see src/testrng.rs)\n");
    let (Some(read), Some(write), Some(scratch), Some(state)) = (
        cortex_m::singleton!(: [u8; MIN_READ_BUF] = [0; MIN_READ_BUF]),
        cortex_m::singleton!(: [u8; WRITE_BUF] = [0; WRITE_BUF]),
        cortex_m::singleton!(: [u8; SCRATCH_BUF] = [0; SCRATCH_BUF]),
        cortex_m::singleton!(: ClientState = ClientState::new()),
    ) else {
        return Err(Failure::Unexpected("host buffers already taken"));
    };
    let bufs = HostBuffers {
        read,
        write,
        scratch,
        state,
        ticket: None,
    };
    Ok((TestRng::from_seed(seed), bufs))
}

/// Print the session's path, reason and verification; fail unless it is a
/// verified session on the host path.
pub fn check_host_info(info: &SessionInfo, steps: &mut Steps) -> Result<(), Failure> {
    steps.step("handshake done");
    text("      path: ");
    text(info.path.code());
    text(", reason: ");
    text(info.reason.code());
    text(if info.verified {
        ", verified\n"
    } else {
        ", NOT verified\n"
    });
    detail!(
        "      TLS {:?}, cipher {:04x?}",
        info.tls_version,
        info.cipher_suite
    );
    if info.path != Path::Host || !info.verified {
        return Err(Failure::Unexpected(
            "want a verified session on the host path",
        ));
    }
    Ok(())
}
