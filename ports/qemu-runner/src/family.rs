//! The modem family a run meets: which driver the Rust firmware is built
//! with, and what the family's firmware needs from the test servers.

use modemtls_sim::{Family, FirmwareProfile};

/// A modem family the library drives (the simulator profile's family).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FwFamily {
    /// Quectel BG95/BG96/BG77: the Rust firmware's default driver.
    Bg9x,
    /// Quectel BC66/BC660K.
    Bc66,
    /// Quectel M66/M95 (GSM, QI stack).
    M95,
    /// Sierra Wireless HL8548/HL78xx.
    SierraHl,
}

impl FwFamily {
    /// The family of simulator profile `name`, `None` for an unknown one.
    pub(crate) fn of(name: &str) -> Option<Self> {
        Some(match FirmwareProfile::by_name(name)?.family {
            Family::QuectelBg9x => FwFamily::Bg9x,
            Family::QuectelBc66 => FwFamily::Bc66,
            Family::QuectelM95 => FwFamily::M95,
            Family::SierraHl => FwFamily::SierraHl,
        })
    }

    /// The Rust firmware's feature that selects the driver, and the suffix
    /// of its kept image (none for the BG9x, the default).
    pub(crate) fn feature(self) -> Option<&'static str> {
        match self {
            FwFamily::Bg9x => None,
            FwFamily::Bc66 => Some("bc66"),
            FwFamily::M95 => Some("m95"),
            FwFamily::SierraHl => Some("sierra-hl"),
        }
    }

    /// The TLS 1.2 suites of the offloaded scenarios' server: ECDHE for
    /// the BG9x and the HL78xx 4.6, RSA key exchange with GCM for the
    /// HL8548, with CBC for the BC66 and the M66/M95.
    pub(crate) fn offload_ciphers(self) -> &'static str {
        match self {
            FwFamily::Bg9x => "ECDHE-RSA-AES128-GCM-SHA256",
            _ => "ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:AES128-SHA",
        }
    }

    /// The firmware checks the chain but not the host name: the offloaded
    /// scenarios accept that (`chain_only=1`, a private test CA);
    /// verify-fail does not, and there the library's refusal to offload
    /// is the pass.
    pub(crate) fn chain_only(self) -> bool {
        self != FwFamily::Bg9x
    }

    /// The raw socket drops what does not fit its small receive buffer
    /// (the BC66's 2,168 bytes, pinned by tests/scenarios.rs): the host
    /// scenarios' server sends a small file instead of `-www`'s page.
    pub(crate) fn small_host_reply(self) -> bool {
        self == FwFamily::Bc66
    }
}
