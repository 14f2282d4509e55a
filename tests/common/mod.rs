//! Shared set-up of the integration tests: a simulated modem on loopback, the
//! driver on a TCP "UART" to it, and the test PKI.
#![allow(dead_code)]

// The async port and executor the async examples run on.
#[path = "../../examples/common/asynch.rs"]
pub mod asynch;
pub mod script;

use modemtls::modem::quectel::{Bg9x, Timeouts};
use modemtls::modem::Apn;
use modemtls::port::TcpPort;
use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator};
use std::net::{IpAddr, Ipv4Addr};

/// The host name every test server answers to (the simulator's DNS maps it
/// to 127.0.0.1).
pub const HOST: &str = "server.test";

/// A simulator plus a driver attached to it.
pub struct Rig {
    pub sim: SimHandle,
    pub modem: Bg9x<TcpPort>,
}

/// Timeouts short enough that a broken test fails fast, long enough for a
/// loaded 2-core CI machine.
pub fn test_timeouts() -> Timeouts {
    Timeouts {
        command_ms: 10_000,
        attach_ms: 10_000,
        open_ms: 20_000,
        data_ms: 20_000,
    }
}

pub fn sim_config(profile: FirmwareProfile) -> SimConfig {
    SimConfig::new(profile)
        .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .host("other.test", IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Start a simulator with `cfg`, connect, init and attach.
pub fn rig_with(cfg: SimConfig) -> Rig {
    let sim = Simulator::spawn(cfg).expect("simulator starts");
    let port = TcpPort::connect(sim.addr()).expect("connect to simulator UART");
    let mut modem = Bg9x::new(port);
    modem.set_timeouts(test_timeouts());
    modem.init().expect("modem init");
    modem.attach(&Apn::new("internet")).expect("attach");
    Rig { sim, modem }
}

/// A BG96 with current firmware.
pub fn rig() -> Rig {
    rig_with(sim_config(FirmwareProfile::bg96()))
}
