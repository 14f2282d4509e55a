//! TEMPORARY board self-test: two tasks' worth of timers, and `AT\r` ->
//! `OK` over the async UART.

use crate::log::{dec, text, Steps};
use crate::params::Params;
use crate::port::AsyncUart;
use crate::Failure;
use embassy_time::{with_timeout, Duration, Instant, Timer};
use modemtls::port::asynch::Port;

pub async fn self_test(_p: &Params<'_>, _ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let t0 = Instant::now();
    Timer::after_millis(100).await;
    let dt = t0.elapsed().as_millis();
    text("      timer 100 ms took ");
    dec(dt as u32);
    text(" ms\n");
    if !(100..=110).contains(&dt) {
        return Err(Failure::Unexpected("timer off"));
    }
    // with_timeout fires.
    if with_timeout(Duration::from_millis(50), Timer::after_secs(10))
        .await
        .is_ok()
    {
        return Err(Failure::Unexpected("with_timeout did not fire"));
    }
    steps.step("timers");
    let mut uart = AsyncUart::uart0();
    let mut acc: heapless::Vec<u8, 256> = heapless::Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        uart.write_all(b"AT\r")
            .await
            .map_err(|_| Failure::Unexpected("write"))?;
        let mut buf = [0u8; 64];
        let n = uart
            .read(&mut buf, 1000)
            .await
            .map_err(|_| Failure::Unexpected("read"))?;
        text("      read ");
        dec(n as u32);
        text(" bytes\n");
        let _ = acc.extend_from_slice(&buf[..n]);
        if acc.windows(4).any(|w| w == b"OK\r\n") {
            steps.step("AT -> OK");
            return Ok(());
        }
    }
    Err(Failure::Unexpected("no OK"))
}
