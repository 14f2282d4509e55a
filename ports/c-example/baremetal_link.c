/* Link check of the bare-metal archive (thumbv7em, features capi,capi-cs-extern):
 * the firmware provides the critical section; everything else is in the archive. */
#include "modemtls.h"

uint32_t mtls_critical_enter(void) { return 0; /* real firmware: PRIMASK, see the header */ }
void mtls_critical_exit(uint32_t state) { (void)state; }

int main(void) {
    mtls_modem *m = NULL;
    mtls_session *s = NULL;
    mtls_port p = {0};
    mtls_config c = {0};
    uint8_t b[4];
    size_t n;
    return (int)mtls_modem_open(&p, &m) + (int)mtls_connect(m, &c, &s) + (int)mtls_read(s, b, sizeof b, &n) +
           (int)mtls_write(s, b, sizeof b) + (int)mtls_close(s) + (int)mtls_uart_rx_isr(m, b, 1);
}
