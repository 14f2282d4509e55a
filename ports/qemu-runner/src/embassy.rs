//! `--firmware embassy`: `ports/qemu-embassy`, modemtls's async front on
//! the Embassy executor. One image (offload, the probe diagnosis, host TLS
//! and rust-mqtt), built like the Rust firmware (`build_fw`, variant
//! `embassy`, default features) and run with the same `params.txt`,
//! `ca.pem` and `RESULT` line.
//!
//! Its scenarios: `offload`, `verify-fail`, `auto-host` (the servers of
//! the Rust firmware's scenarios of the same names) and `mqtt`: MQTT 5
//! subscribe, publish and receive through `mosquitto` with its TLS 1.3
//! listener (testkit's `peers::mosquitto`, P-256 chain), which the BG96
//! cannot reach offloaded, so `Mode::Auto` opens host TLS on the MCU.
//! Without `mosquitto` installed (`tools/setup.sh` installs it) the `mqtt`
//! scenario is skipped with a line that says so.

use crate::*;
use modemtls_testkit::peers;

/// The scenarios the Embassy firmware has.
const EMBASSY_SCENARIOS: [Scenario; 4] = [
    Scenario::Offload,
    Scenario::VerifyFail,
    Scenario::AutoHost,
    Scenario::Mqtt,
];

/// Refuse the combinations the Embassy firmware does not have: other
/// scenarios, other modem families (it is built for the BG9x driver),
/// the footprint options; and `mqtt` on the other firmwares.
pub(crate) fn check_embassy_args(a: &Args) -> Result<(), String> {
    if !a.firmwares.contains(&Firmware::Embassy) {
        if a.scenarios.contains(&Scenario::Mqtt) {
            return Err(
                "the mqtt scenario is in the Embassy firmware only (--firmware embassy)".into(),
            );
        }
        return Ok(());
    }
    if let Some(s) = a.scenarios.iter().find(|s| !EMBASSY_SCENARIOS.contains(s)) {
        return Err(format!(
            "the Embassy firmware has no {} scenario (offload, verify-fail, auto-host, mqtt)",
            s.name()
        ));
    }
    if FwFamily::of(&a.modem) != Some(FwFamily::Bg9x) {
        return Err(
            "the Embassy firmware is built for a BG9x (--modem bg96, bg96-nosni or bg95)".into(),
        );
    }
    if a.lean || !a.budget.is_empty() || !a.library_budget.is_empty() || !a.fw_features.is_empty() {
        return Err(
            "--lean, --budget, --library-budget and --fw-features are for the Rust firmware".into(),
        );
    }
    Ok(())
}

/// Why scenario `sc` cannot run on this machine, if it cannot.
pub(crate) fn missing_peer(sc: Scenario) -> Option<String> {
    if sc != Scenario::Mqtt {
        return None;
    }
    peers::find_program("mosquitto", "mosquitto")
        .err()
        .map(|e| format!("SKIPPED: {e}"))
}

/// The `mqtt` scenario's broker: mosquitto, TLS 1.3 only, a P-256 chain
/// for [`HOST`]; its CA goes to the firmware.
pub(crate) fn mqtt_world() -> Res<World> {
    let creds = server_creds(HOST, KeyKind::P256);
    let broker = peers::mosquitto(&creds.chain_pem, &creds.key_pem)?;
    Ok(World {
        port: broker.port(),
        _server: None,
        broker: Some(broker),
        ca_pem: creds.ca_pem,
        path: "/",
    })
}

/// After a failed run: what the broker logged (connections, TLS errors).
pub(crate) fn print_broker_log(w: &World) {
    if let Some(b) = &w.broker {
        println!("----- mosquitto log -----\n{}", b.output().trim_end());
    }
}
