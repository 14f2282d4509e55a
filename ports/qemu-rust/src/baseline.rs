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

use crate::log::{dec, digits, text, Steps};
use crate::semi::Params;
use crate::uart::{CmsdkUart, BAUD};
use crate::Failure;

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
        uart.send(part)
            .map_err(|_| Failure::Unexpected("UART transmitter stuck"))?;
        sent += part.len();
    }
    steps.step("parameters written to the UART");
    let mut buf = [0u8; 64];
    let mut got = 0usize;
    loop {
        let n = uart.recv(&mut buf, READ_TIMEOUT_MS);
        if n == 0 {
            break;
        }
        got += n;
    }
    steps.step("UART read (timeout)");
    text("      ");
    dec(sent as u32);
    text(" bytes written, ");
    dec(got as u32);
    text(" bytes read back, CA ");
    dec(ca.len() as u32);
    text(" bytes\n");
    Ok(())
}
