//! The scenarios of ports/qemu-rust, on the async front (the same library
//! procedures, awaited on the Embassy executor):
//!
//! - `offload`: init + attach the BG96, offloaded TLS with verification
//!   against the runner's CA, `GET`, check the status line, close;
//! - `verify-fail`: the same against a server whose certificate is for
//!   another host name: the connect must fail with
//!   `TlsFailure::CertificateRejected` (and nothing else);
//! - `auto-host`: `Mode::Auto` against a TLS 1.3-only server, which the
//!   BG96 firmware cannot reach: Auto falls back to TLS 1.3 on the MCU
//!   (over the modem's raw TCP socket), then the same GET;
//! - `mqtt`: see [`crate::mqtt`].
//!
//! # ENTROPY: TEST-ONLY SOURCE
//!
//! The host TLS path draws from [`crate::testrng::TestRng`], seeded with
//! the 32 bytes the runner writes to `params.txt` (`seed=`): a test
//! harness, NOT a device entropy source (see ports/qemu-rust/src/host.rs).
//! Without a seed the firmware refuses to start host TLS.

use crate::detail;
use crate::host_setup::{check_host_info, host_setup};
use crate::http::http_get;
use crate::log::{text, Steps};
use crate::port::{modem_port, ModemPort};
use crate::semi::Params;
use crate::Failure;
use modemtls::auto::{self, PathCache};
use modemtls::error::{Error, TlsFailure};
use modemtls::modem::asynch::Modem;
use modemtls::modem::quectel::asynch::Bg9x;
use modemtls::modem::{Apn, Timeouts};
use modemtls::offload;
use modemtls::session::{Credential, Mode, SessionConfig};

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

/// The modem driver: the async BG95/BG96 driver on UART0.
pub type Driver = Bg9x<ModemPort>;

/// The modem on UART0 (not yet initialised).
pub fn modem() -> Driver {
    let mut modem = Driver::new(modem_port());
    Modem::set_timeouts(&mut modem, timeouts());
    modem
}

/// Init (identity and capability table) and attach.
pub async fn modem_up(modem: &mut Driver, steps: &mut Steps) -> Result<(), Failure> {
    match Modem::init(modem).await {
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
    match Modem::attach(modem, &Apn::new("internet")).await {
        Ok(ip) => {
            steps.step("PDP context active");
            detail!("      local address {}", ip);
        }
        Err(e) => return Err(Failure::Lib("attach", e.into())),
    }
    Ok(())
}

/// Scenario `offload`.
pub async fn offload(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let mut modem = modem();
    modem_up(&mut modem, steps).await?;
    let mut cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Offload);
    cfg.accept_chain_only = p.chain_only;
    let mut s = offload::asynch::connect(&mut modem, &cfg)
        .await
        .map_err(|e| Failure::Lib("offload connect", e))?;
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
    let (_, code) = http_get(&mut s, p.host, p.path, steps).await?;
    s.close().await.map_err(|e| Failure::Lib("close", e))?;
    steps.step("session closed");
    if code != 200 {
        return Err(Failure::Unexpected("HTTP status is not 200"));
    }
    Ok(())
}

/// Scenario `verify-fail`: the only pass is `CertificateRejected`.
pub async fn verify_fail(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let mut modem = modem();
    modem_up(&mut modem, steps).await?;
    let cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Offload);
    let outcome = offload::asynch::connect(&mut modem, &cfg).await;
    match outcome {
        Ok(s) => {
            let _ = s.close().await;
            steps.step("handshake SUCCEEDED against a wrong certificate");
            Err(Failure::Unexpected(
                "connect succeeded; the certificate must be rejected",
            ))
        }
        Err(Error::Tls(e)) => {
            steps.step("offloaded handshake failed");
            detail!("      {:?}, modem code {:?}", e.failure, e.modem_code);
            text("      cause: ");
            text(e.failure.cause());
            text("\n");
            if let Some(d) = e.diagnosis {
                text("      probe: ");
                text(offload::describe(&d));
                text("\n");
            }
            if e.failure == TlsFailure::CertificateRejected {
                Ok(())
            } else {
                Err(Failure::Unexpected(
                    "TLS failure is not CertificateRejected",
                ))
            }
        }
        Err(e) => Err(Failure::Lib("offload connect", e)),
    }
}

/// The Auto session config of `auto-host` and `mqtt`.
pub fn auto_config<'a>(p: &Params<'a>, ca: &'a [u8]) -> SessionConfig<'a> {
    let mut cfg = SessionConfig::new(p.host, p.port)
        .trust(Credential::Pem(ca))
        .mode(Mode::Auto);
    cfg.accept_chain_only = p.chain_only;
    cfg
}

/// Scenario `auto-host`.
pub async fn auto_host(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let (mut rng, bufs) = host_setup(p)?;
    let mut modem = modem();
    modem_up(&mut modem, steps).await?;
    let cfg = auto_config(p, ca);
    let mut cache: PathCache<4> = PathCache::new();
    steps.step("auto connect starting");
    let mut s = auto::asynch::connect(&mut modem, &cfg, &mut rng, bufs, Some(&mut cache))
        .await
        .map_err(|e| Failure::Lib("auto connect", e))?;
    check_host_info(&s.info(), steps)?;
    let (_, code) = http_get(&mut s, p.host, p.path, steps).await?;
    s.close().await.map_err(|e| Failure::Lib("close", e))?;
    steps.step("session closed");
    if code != 200 {
        return Err(Failure::Unexpected("HTTP status is not 200"));
    }
    Ok(())
}
