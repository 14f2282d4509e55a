//! `mtls_uart_rx_isr`: the UART receive interrupt's entry point.

use super::*;

/// Feed bytes the UART received into the modem's receive ring, from the
/// UART interrupt handler (or a DMA callback). Used when the port's
/// `uart_read` is NULL. Takes a critical section (see `mtls_critical_enter`
/// for bare-metal builds); never blocks, never calls a port callback.
///
/// All of `data` is taken, or — when the ring (`MTLS_RX_RING_LEN` bytes)
/// has less room — none of it: then the status is
/// `MTLS_ERR_BUFFER_TOO_SMALL` and the bytes count in
/// `mtls_pool_stats.rx_dropped` (an interrupt handler feeding one byte at a
/// time simply loses that byte; a DMA handler may retry later). Other
/// errors: `MTLS_ERR_BAD_HANDLE`, `MTLS_ERR_NULL_POINTER`.
///
/// # Safety
/// `data` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mtls_uart_rx_isr(
    modem: *mut mtls_modem,
    data: *const u8,
    len: usize,
) -> mtls_status {
    // SAFETY: forwarded contract.
    let src = try_status!(unsafe { bytes_in(data, len) });
    match pool::push_rx(modem, src) {
        Some(true) => S::MTLS_OK,
        Some(false) => S::MTLS_ERR_BUFFER_TOO_SMALL,
        None => S::MTLS_ERR_BAD_HANDLE,
    }
}
