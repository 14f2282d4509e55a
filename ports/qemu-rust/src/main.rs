//! modemtls on a Cortex-M under QEMU (`mps2-an385` Cortex-M3,
//! `mps2-an386` Cortex-M4F), talking to the modem simulator over UART0.
//!
//! Started by `ports/qemu-runner`, which runs the simulator and the TLS
//! servers on the host, writes `params.txt` + `ca.pem` (see [`semi`]) and
//! starts `qemu-system-arm ... -serial tcp:127.0.0.1:<sim> -semihosting-config
//! enable=on,target=native` in that directory. The firmware:
//!
//! 1. paints the free stack ([`stack`]), starts the SysTick clock ([`clock`]);
//! 2. reads the parameters and the CA over semihosting;
//! 3. runs one scenario ([`scenarios`], [`host`]) on the CMSDK UART
//!    ([`uart`]), printing each step with its time;
//! 4. prints the stack high-water mark and `RESULT <scenario> PASS|FAIL`,
//!    and exits QEMU with status 0 only on PASS (semihosting `SYS_EXIT`).
//!
//! No heap; all buffers are fixed (the harness's own are in `.bss`:
//! [`PARAMS_MAX`] + [`CA_MAX`] bytes).
//!
//! Features: `offload` (default, with `diagnose`) has the offloaded
//! scenarios; `host-tls` adds `auto-host` (with `offload`) and `host`, `compute` the
//! `compute` scenario (instruction counts, see [`compute`]); `lean` drops the
//! harness's formatted log lines ([`log`]) so the image size is the
//! library's plus a minimal board support, for the footprint benchmark;
//! `baseline` replaces every scenario by [`baseline`]: the same harness with
//! no modemtls call, whose size the runner subtracts (library = firmware -
//! baseline).
#![no_std]
#![no_main]

#[cfg(all(feature = "baseline", any(feature = "host-tls", feature = "offload")))]
compile_error!(
    "`baseline` is the harness without the library: build it with --no-default-features --features baseline"
);

#[cfg(feature = "baseline")]
mod baseline;
mod clock;
#[cfg(feature = "compute")]
mod compute;
#[cfg(feature = "host-tls")]
mod host;
#[cfg(feature = "host-tls")]
mod host_setup;
mod http;
mod log;
#[cfg(not(feature = "baseline"))]
mod scenarios;
mod semi;
mod stack;
#[cfg(feature = "host-tls")]
mod testrng;
mod uart;
#[cfg(feature = "compute")]
mod vclock;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use log::{dec, ms, text, Steps};
use semi::Scenario;

/// Largest `params.txt`.
pub const PARAMS_MAX: usize = 256;
/// Largest CA bundle (PEM; the runner's RSA-2048 root is about 1.2 KB). A
/// real device keeps its CA in flash; here it comes from the runner at run
/// time, so this buffer is harness RAM.
pub const CA_MAX: usize = 2048;

/// Why a scenario failed (printed by `main`).
#[derive(Debug)]
pub enum Failure {
    /// A library call failed where it should not have.
    #[cfg(not(feature = "baseline"))]
    Lib(&'static str, modemtls::error::Error),
    /// The scenario's expected outcome did not happen.
    Unexpected(&'static str),
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // Not reachable from UART input by design (the library has no panics on
    // any input); if it happens anyway the run fails loudly.
    text("PANIC\n");
    detail!("{}", _info);
    text("RESULT ? FAIL\n");
    exit(false)
}

fn exit(pass: bool) -> ! {
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached without a semihosting host.
    loop {
        cortex_m::asm::wfi();
    }
}

/// A fault ends the run at once with where it happened (instead of a hang
/// until the runner's timeout).
#[cortex_m_rt::exception]
unsafe fn HardFault(ef: &cortex_m_rt::ExceptionFrame) -> ! {
    text("HARDFAULT pc ");
    log::dec(ef.pc());
    text(" lr ");
    log::dec(ef.lr());
    text("\nRESULT ? FAIL\n");
    exit(false)
}

fn fail_setup(what: &str) -> ! {
    text(what);
    text("\nRESULT ? FAIL\n");
    exit(false)
}

#[entry]
fn main() -> ! {
    // `cortex-m-rt` hands these to the entry function as `&'static mut`
    // (it runs once): zero-initialised `.bss`, no run-time clearing.
    static mut PARAMS_BUF: [u8; PARAMS_MAX] = [0; PARAMS_MAX];
    static mut CA_BUF: [u8; CA_MAX] = [0; CA_MAX];
    let painted = stack::paint();
    let Some(cp) = cortex_m::Peripherals::take() else {
        fail_setup("core peripherals already taken")
    };
    clock::start(cp.SYST);

    let (params, ca) = semi::load_inputs("modemtls qemu firmware", PARAMS_BUF, CA_BUF);
    #[cfg(feature = "offload")]
    detail!(
        "      sizes: Bg9x<CmsdkUart> {} B, OffloadSession {} B",
        core::mem::size_of::<modemtls::modem::quectel::Bg9x<uart::CmsdkUart>>(),
        core::mem::size_of::<
            modemtls::offload::OffloadSession<
                'static,
                modemtls::modem::quectel::Bg9x<uart::CmsdkUart>,
            >,
        >()
    );
    let at_paint = painted.at_paint;
    let mut steps = Steps::new(painted);
    let result = run(&params, ca, &mut steps);
    let total = steps.total();
    let peak = steps.max_stack();

    text("STACK peak=");
    dec(peak as u32);
    text(" bytes (");
    dec(at_paint as u32);
    text(" in use at reset)\nTIME scenario=");
    dec(ms(total));
    text(" ms\n");
    let pass = match result {
        Ok(()) => true,
        #[cfg(not(feature = "baseline"))]
        Err(Failure::Lib(what, e)) => {
            text("FAILED at ");
            text(what);
            text(": ");
            text(e.cause());
            text("\n");
            detail!("      {} ({:?})", e, e);
            false
        }
        Err(Failure::Unexpected(why)) => {
            text("FAILED: ");
            text(why);
            text("\n");
            false
        }
    };
    text("RESULT ");
    text(params.scenario.name());
    text(if pass { " PASS\n" } else { " FAIL\n" });
    exit(pass)
}

/// A scenario whose features this image was built without (one text for
/// all: the images' sizes are the benchmark).
#[cfg(not(any(feature = "baseline", all(feature = "offload", feature = "host-tls"))))]
const NOT_BUILT: &str = "scenario not in this image: see the features in ports/qemu-rust/README.md";

/// One scenario. Not inlined, so its frame is below `main`'s in the painted
/// region.
#[inline(never)]
fn run(p: &semi::Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    match p.scenario {
        #[cfg(feature = "baseline")]
        Scenario::Baseline => baseline::baseline(p, ca, steps),
        #[cfg(feature = "offload")]
        Scenario::Offload => scenarios::offload(p, ca, steps),
        #[cfg(feature = "offload")]
        Scenario::VerifyFail => scenarios::verify_fail(p, ca, steps),
        #[cfg(not(any(feature = "offload", feature = "baseline")))]
        Scenario::Offload | Scenario::VerifyFail => Err(Failure::Unexpected(NOT_BUILT)),
        #[cfg(all(feature = "host-tls", feature = "offload"))]
        Scenario::AutoHost => host::auto_host(p, ca, steps),
        #[cfg(not(any(all(feature = "host-tls", feature = "offload"), feature = "baseline")))]
        Scenario::AutoHost => Err(Failure::Unexpected(NOT_BUILT)),
        #[cfg(feature = "host-tls")]
        Scenario::Host => host::host_only(p, ca, steps),
        #[cfg(not(any(feature = "host-tls", feature = "baseline")))]
        Scenario::Host => Err(Failure::Unexpected(NOT_BUILT)),
        #[cfg(feature = "compute")]
        Scenario::Compute => compute::compute(p, ca, steps),
    }
}
