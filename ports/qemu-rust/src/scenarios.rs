//! The scenarios, the same as the host integration tests
//! (`tests/offload_bg96.rs`) but on the Cortex-M, through the CMSDK UART:
//!
//! - `offload`: init + attach the BG96, offloaded TLS with verification
//!   against the runner's CA, `GET`, check the status line, close;
//! - `verify-fail`: the same against a server whose certificate is for
//!   another host name: the connect must fail with
//!   `TlsFailure::CertificateRejected` (and nothing else);
//! - `auto-host` (features `host-tls` + `offload`) and `host` (`host-tls`
//!   without `offload`): see [`crate::host`].
//!
//! Each step is printed with the firmware's clock (total and delta).

use crate::detail;
pub use crate::http::http_get;
use crate::log::Steps;
#[cfg(feature = "offload")]
use crate::semi::Params;
use crate::uart::CmsdkUart;
use modemtls::error::Error;
#[cfg(feature = "offload")]
use modemtls::error::TlsFailure;
#[cfg(feature = "bc66")]
use modemtls::modem::quectel::Bc66;
#[cfg(not(any(feature = "bc66", feature = "m95", feature = "sierra-hl")))]
use modemtls::modem::quectel::Bg9x;
#[cfg(all(feature = "m95", not(feature = "bc66")))]
use modemtls::modem::quectel::M95;
#[cfg(all(feature = "sierra-hl", not(any(feature = "bc66", feature = "m95"))))]
use modemtls::modem::sierra::SierraHl;
use modemtls::modem::{Apn, Modem, Timeouts};
#[cfg(feature = "offload")]
use modemtls::offload;
#[cfg(feature = "offload")]
use modemtls::session::{Credential, Mode, SessionConfig};

pub use crate::uart::BAUD;
pub use crate::Failure;

/// Deadlines: short enough that a broken run ends well inside the runner's
/// hard limit, long enough for QEMU on a loaded 2-core machine.
pub fn timeouts() -> Timeouts {
    Timeouts {
        command_ms: 10_000,
        attach_ms: 20_000,
        open_ms: 30_000,
        data_ms: 30_000,
    }
}

/// The modem driver this firmware is built for (default: a BG95/BG96).
#[cfg(not(any(feature = "bc66", feature = "m95", feature = "sierra-hl")))]
pub type Driver = Bg9x<CmsdkUart>;
/// The modem driver this firmware is built for (feature `sierra-hl`: an
/// HL8548 or HL78xx).
#[cfg(all(feature = "sierra-hl", not(any(feature = "bc66", feature = "m95"))))]
pub type Driver = SierraHl<CmsdkUart>;
/// The modem driver this firmware is built for (feature `bc66`: a BC66).
#[cfg(feature = "bc66")]
pub type Driver = Bc66<CmsdkUart>;
/// The modem driver this firmware is built for (feature `m95`: an M66/M95).
#[cfg(all(feature = "m95", not(feature = "bc66")))]
pub type Driver = M95<CmsdkUart>;

/// The modem on UART0 (not yet initialised).
pub fn modem() -> Driver {
    let mut modem = Driver::new(CmsdkUart::uart0(BAUD));
    Modem::set_timeouts(&mut modem, timeouts());
    modem
}

/// Init (identity and capability table) and attach. Takes the modem by
/// reference so it lives in one frame only (it is about 900 bytes).
pub fn modem_up(modem: &mut Driver, steps: &mut Steps) -> Result<(), Failure> {
    match Modem::init(modem) {
        Ok(id) => {
            steps.step("modem init");
            detail!(
                "      {} {} (firmware {})",
                id.manufacturer,
                id.model,
                id.firmware
            );
        }
        Err(e) => return Err(Failure::Lib("modem init", e.into())),
    }
    match Modem::attach(modem, &Apn::new("internet")) {
        Ok(ip) => {
            steps.step("PDP context active");
            detail!("      local address {}", ip);
        }
        Err(e) => return Err(Failure::Lib("attach", e.into())),
    }
    Ok(())
}

/// A library error fails a scenario step with its cause.
impl crate::http::StepError for Error {
    fn failure(self, what: &'static str) -> Failure {
        Failure::Lib(what, self)
    }
}

/// Scenario `offload`.
#[cfg(feature = "offload")]
#[inline(never)]
pub fn offload(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let mut modem = modem();
    modem_up(&mut modem, steps)?;
    let mut cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Offload);
    cfg.accept_chain_only = p.chain_only;
    let mut s =
        offload::connect(&mut modem, &cfg).map_err(|e| Failure::Lib("offload connect", e))?;
    let info = s.info();
    steps.step("offloaded handshake done");
    detail!(
        "      path {:?} (reason {}), verified by the firmware: {}, TLS {:?}",
        info.path,
        info.reason.code(),
        info.verified,
        info.tls_version
    );
    if !info.verified {
        return Err(Failure::Unexpected("session not verified"));
    }
    let (_, code) = http_get(&mut s, p.host, p.path, steps)?;
    s.close().map_err(|e| Failure::Lib("close", e))?;
    steps.step("session closed");
    if code != 200 {
        return Err(Failure::Unexpected("HTTP status is not 200"));
    }
    Ok(())
}

/// Scenario `verify-fail`: the only pass is `CertificateRejected`, or, on
/// a firmware that cannot check host names (BC66), the library's refusal
/// to offload a verified session there (`ConfigError::NoHostnameCheck`).
#[cfg(feature = "offload")]
#[inline(never)]
pub fn verify_fail(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let mut modem = modem();
    modem_up(&mut modem, steps)?;
    let cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Offload);
    let checks_host_name = modem.capabilities().verifies_fully();
    let outcome = match offload::connect(&mut modem, &cfg) {
        Ok(s) => {
            let _ = s.close();
            steps.step("handshake SUCCEEDED against a wrong certificate");
            Err(Failure::Unexpected(
                "connect succeeded; the certificate must be rejected",
            ))
        }
        Err(Error::Tls(e)) => {
            steps.step("offloaded handshake failed");
            detail!("      {:?}, modem code {:?}", e.failure, e.modem_code);
            crate::log::text("      cause: ");
            crate::log::text(e.failure.cause());
            crate::log::text("\n");
            #[cfg(feature = "diagnose")]
            if let Some(d) = e.diagnosis {
                crate::log::text("      probe: ");
                crate::log::text(offload::describe(&d));
                crate::log::text("\n");
            }
            if e.failure == TlsFailure::CertificateRejected {
                Ok(())
            } else {
                Err(Failure::Unexpected(
                    "TLS failure is not CertificateRejected",
                ))
            }
        }
        Err(Error::Config(modemtls::error::ConfigError::NoHostnameCheck)) if !checks_host_name => {
            steps.step("refused: this firmware cannot check the host name");
            Ok(())
        }
        Err(e) => Err(Failure::Lib("offload connect", e)),
    };
    outcome
}
