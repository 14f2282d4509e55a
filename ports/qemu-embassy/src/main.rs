//! modemtls's async front on Embassy, on QEMU `mps2-an386` (Cortex-M4F),
//! talking to the modem simulator over UART0.
//!
//! Started by `ports/qemu-runner --firmware embassy`, like ports/qemu-rust
//! (whose harness files it shares: [`semi`], [`log`], [`stack`],
//! [`uart`], [`testrng`]). At reset the firmware paints the free stack,
//! starts the SysTick time driver ([`clock`]), reads `params.txt` and
//! `ca.pem` over semihosting, then runs the Embassy thread-mode executor
//! with one task: the scenario ([`scenarios`], [`mqtt`]) over the async
//! UART port ([`port`]). The task prints each step, the stack high-water
//! mark and `RESULT <scenario> PASS|FAIL`, and exits QEMU (semihosting
//! `SYS_EXIT`, status 0 only on PASS).
//!
//! No heap. The task's future (the modem driver, the session, the MQTT
//! client) lives in the executor's static task pool, so it is counted in
//! `.bss`, not in the stack peak.
#![no_std]
#![no_main]

mod clock;
#[path = "../../qemu-rust/src/host_setup.rs"]
mod host_setup;
mod http;
#[path = "../../qemu-rust/src/log.rs"]
#[allow(dead_code)]
mod log;
mod mqtt;
mod port;
mod scenarios;
#[path = "../../qemu-rust/src/semi.rs"]
#[allow(dead_code)]
mod semi;
#[path = "../../qemu-rust/src/stack.rs"]
mod stack;
#[path = "../../qemu-rust/src/testrng.rs"]
mod testrng;
#[path = "../../qemu-rust/src/uart.rs"]
#[allow(dead_code)]
mod uart;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use embassy_executor::Executor;
use log::{dec, ms, text, Steps};
use semi::{Params, Scenario};
use stack::Painted;

/// Largest `params.txt`.
pub const PARAMS_MAX: usize = 256;
/// Largest CA bundle (PEM), as in ports/qemu-rust.
pub const CA_MAX: usize = 2048;

/// Why a scenario failed (printed by the task).
#[derive(Debug)]
pub enum Failure {
    /// A library call failed where it should not have.
    Lib(&'static str, modemtls::error::Error),
    /// An MQTT step failed (the client's error is printed where it
    /// happened).
    Mqtt(&'static str),
    /// The scenario's expected outcome did not happen.
    Unexpected(&'static str),
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
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

/// A fault ends the run at once with where it happened.
#[cortex_m_rt::exception]
unsafe fn HardFault(ef: &cortex_m_rt::ExceptionFrame) -> ! {
    text("HARDFAULT pc ");
    dec(ef.pc());
    text(" lr ");
    dec(ef.lr());
    text("\nRESULT ? FAIL\n");
    exit(false)
}

/// Every device interrupt (no device crate: cortex-m-rt vectors them all
/// here). UART0 RX is the only one enabled.
#[cortex_m_rt::exception]
unsafe fn DefaultHandler(irqn: i16) {
    if irqn == port::UART0_RX_IRQ {
        port::on_uart0_rx();
    } else {
        text("unexpected interrupt ");
        dec(irqn as u32);
        text("\nRESULT ? FAIL\n");
        exit(false)
    }
}

fn fail_setup(what: &str) -> ! {
    text(what);
    text("\nRESULT ? FAIL\n");
    exit(false)
}

#[entry]
fn main() -> ! {
    static mut PARAMS_BUF: [u8; PARAMS_MAX] = [0; PARAMS_MAX];
    static mut CA_BUF: [u8; CA_MAX] = [0; CA_MAX];
    let painted = stack::paint();
    let Some(cp) = cortex_m::Peripherals::take() else {
        fail_setup("core peripherals already taken")
    };
    clock::start(cp.SYST);

    let (params, ca) = semi::load_inputs(
        "modemtls qemu firmware (Embassy, async front)",
        PARAMS_BUF,
        CA_BUF,
    );

    let Some(executor) = cortex_m::singleton!(: Executor = Executor::new()) else {
        fail_setup("executor already taken")
    };
    executor.run(move |spawner| match scenario_task(params, ca, painted) {
        Ok(token) => spawner.spawn(token),
        Err(_) => fail_setup("scenario task already running"),
    })
}

/// The one task: run the scenario, print the figures and the result, exit.
#[embassy_executor::task]
async fn scenario_task(params: Params<'static>, ca: &'static [u8], painted: Painted) {
    let at_paint = painted.at_paint;
    let mut steps = Steps::new(painted);
    let result = match params.scenario {
        Scenario::Offload => sized(scenarios::offload(&params, ca, &mut steps)).await,
        Scenario::VerifyFail => sized(scenarios::verify_fail(&params, ca, &mut steps)).await,
        Scenario::AutoHost => sized(scenarios::auto_host(&params, ca, &mut steps)).await,
        Scenario::Mqtt => sized(mqtt::mqtt(&params, ca, &mut steps)).await,
        // Host TLS alone is ports/qemu-rust's scenario.
        Scenario::Host => Err(Failure::Unexpected("scenario host: not in this firmware")),
    };
    let total = steps.total();
    let peak = steps.max_stack();
    text("STACK peak=");
    dec(peak as u32);
    text(" bytes (");
    dec(at_paint as u32);
    text(" in use at reset)\nTIME scenario=");
    dec(ms(total));
    text(" ms\nUART0 RX interrupts: ");
    dec(port::RX_INTERRUPTS.load(core::sync::atomic::Ordering::Relaxed));
    text("\n");
    let pass = match result {
        Ok(()) => true,
        Err(Failure::Lib(what, e)) => {
            text("FAILED at ");
            text(what);
            text(": ");
            text(e.cause());
            text("\n");
            detail!("      {} ({:?})", e, e);
            false
        }
        Err(Failure::Mqtt(what)) => {
            text("FAILED at MQTT ");
            text(what);
            text("\n");
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

/// Await a scenario after printing the size of its future: its state
/// across awaits (driver, session, client), kept in the task pool.
async fn sized<F: core::future::Future>(fut: F) -> F::Output {
    detail!(
        "      scenario future: {} bytes (in the executor's task pool, .bss)",
        core::mem::size_of_val(&fut)
    );
    fut.await
}
