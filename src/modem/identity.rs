//! What a modem says it is (every family).

use heapless::String;

/// What the modem says it is: `ATI` and the family's firmware version
/// command (`AT+QGMR` on Quectel).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// Manufacturer line (`Quectel`, `Sierra Wireless`).
    pub manufacturer: String<16>,
    /// Model (`BG96`, `BG95-M3`, `BG77`).
    pub model: String<24>,
    /// `Revision:` of `ATI` (`BG96MAR02A07M1G`).
    pub revision: String<48>,
    /// Full firmware version (`BG96MAR02A07M1G_01.016.01.016`).
    pub firmware: String<64>,
}
