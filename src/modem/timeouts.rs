//! How long the drivers wait for the modem (every family).

/// Deadlines, milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Ordinary commands.
    pub command_ms: u32,
    /// `AT+QIACT` (the manual allows 150 s).
    pub attach_ms: u32,
    /// Socket open results (`+QIOPEN`/`+QSSLOPEN`: 150 s, plus the TLS
    /// handshake time for an offloaded connection).
    pub open_ms: u32,
    /// A blocking read or write waiting for the network, and each data
    /// exchange with the modem (`AT+QISEND`, `AT+QIRD`, ...): a UART that
    /// goes quiet for less than this (cell reselection, a network scan, a
    /// PSM wake-up) does not end a session. Default 60 s; keep it at 15 s
    /// or more.
    pub data_ms: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            command_ms: 5_000,
            attach_ms: 150_000,
            open_ms: 150_000,
            data_ms: 60_000,
        }
    }
}

impl Timeouts {
    /// The deadline of one data exchange with the modem (`AT+QISEND` and
    /// its result, `AT+QIRD`): a stall of the UART (cell reselection, a
    /// scan) shorter than the data timeout does not end it.
    pub(crate) fn exchange_ms(&self) -> u32 {
        self.data_ms.max(self.command_ms)
    }
}
