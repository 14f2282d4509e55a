//! Scenario `baseline` (feature `baseline`): the harness alone, with no
//! modemtls call at all, so that the footprint figures can subtract it
//! from an image that has the library (library = firmware - baseline).
//!
//! Everything the other images run around the library runs here too:
//! stack painting, the SysTick clock, the semihosting reads of
//! `params.txt` and `ca.pem` and their parsing, the step log, the `STACK`,
//! `TIME` and `RESULT` lines and the exit (all in `main`), and the CMSDK
//! UART driver: it is initialised like the modem's port, the parsed host
//! name, port and path are written through it (so neither the driver nor
//! the parsed parameters can be optimised away) and whatever the other end
//! sends back within a short timeout is read and counted. The scenario
//! passes when the write went through; what comes back (the simulator's
//! boot banner or an `ERROR` to the line) is not checked.

use crate::http::{http_get, StepError};
use crate::log::{dec, digits, text, Steps};
use crate::semi::Params;
use crate::uart::{CmsdkUart, Stuck, BAUD};
use crate::Failure;

/// Why the baseline fails: its writes did not go through.
const STUCK: &str = "UART transmitter stuck";

/// How long to wait for bytes back.
const READ_TIMEOUT_MS: u32 = 200;

/// Scenario `baseline`.
#[inline(never)]
pub fn baseline(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let mut uart = CmsdkUart::uart0(BAUD);
    steps.step("UART up");
    let mut port = [0u8; 10];
    let mut sent = 0usize;
    for part in [
        p.host.as_bytes(),
        b":",
        digits(p.port.into(), &mut port),
        b" ",
        p.path.as_bytes(),
        b"\r\n",
    ] {
        uart.send(part).map_err(|_| Failure::Unexpected(STUCK))?;
        sent += part.len();
    }
    steps.step("parameters written to the UART");
    let mut raw = RawUart(uart);
    let outcome = http_get(&mut raw, p.host, p.path, steps);
    steps.step("HTTP GET over the bare UART (no HTTP answer expected)");
    text("      ");
    dec(sent as u32);
    text(" bytes written, GET ");
    text(if outcome.is_ok() {
        "answered"
    } else {
        "not answered"
    });
    text(", CA ");
    dec(ca.len() as u32);
    text(" bytes\n");
    match outcome {
        Err(Failure::Unexpected(STUCK)) => Err(Failure::Unexpected(STUCK)),
        _ => Ok(()),
    }
}

/// The UART as a byte stream: a read that waits [`READ_TIMEOUT_MS`] with
/// nothing is the end of the stream.
struct RawUart(CmsdkUart);

impl StepError for Stuck {
    fn failure(self, _what: &'static str) -> Failure {
        Failure::Unexpected(STUCK)
    }
}

impl core::fmt::Display for Stuck {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(STUCK)
    }
}

impl core::error::Error for Stuck {}

impl embedded_io::Error for Stuck {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::TimedOut
    }
}

impl embedded_io::ErrorType for RawUart {
    type Error = Stuck;
}

impl embedded_io::Read for RawUart {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Stuck> {
        Ok(self.0.recv(buf, READ_TIMEOUT_MS))
    }
}

impl embedded_io::Write for RawUart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Stuck> {
        self.0.send(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Stuck> {
        Ok(())
    }
}
