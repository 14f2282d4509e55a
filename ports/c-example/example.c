/* The C quick start (docs/c-quickstart.md is a copy of the marked part):
 * one HTTPS GET through a modem, TLS where the library decides (Auto).
 *
 *   ./example SIM_ADDR HOST PORT CA.pem      e.g. 127.0.0.1:5555 server.test 8443 ca.pem
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "posix_port.h"

/* BEGIN quickstart */
#include <stdio.h>
#include <string.h>
#include "modemtls.h"

/* One HTTPS GET through the modem; `port` holds your UART/clock/RNG callbacks. */
int https_get(const mtls_port *port, const char *host, uint16_t tcp_port,
              const uint8_t *ca_pem, size_t ca_len) {
    mtls_modem *modem;
    mtls_session *tls;
    mtls_config cfg = {0}; /* Auto mode, verification on */
    char detail[MTLS_DETAIL_MAX], req[320];
    uint8_t buf[512];
    size_t n;
    mtls_status st = mtls_modem_open(port, &modem);
    if (st != MTLS_OK) return (int)st;
    if ((st = mtls_modem_init(modem)) == MTLS_OK &&
        (st = mtls_modem_attach(modem, "internet", 8, NULL, 0, NULL, 0)) == MTLS_OK) {
        cfg.host = host;
        cfg.host_len = strlen(host);
        cfg.port = tcp_port;
        cfg.ca = ca_pem; /* PEM or DER; only read during mtls_connect() */
        cfg.ca_len = ca_len;
        st = mtls_connect(modem, &cfg, &tls);
    }
    if (st != MTLS_OK) { /* e.g. MTLS_ERR_CERT_HOSTNAME_MISMATCH, with evidence: */
        mtls_last_error_detail(modem, detail, sizeof detail, NULL);
        fprintf(stderr, "%s\n", detail);
        mtls_modem_close(modem);
        return (int)st;
    }
    snprintf(req, sizeof req, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
    st = mtls_write(tls, (const uint8_t *)req, strlen(req));
    while (st == MTLS_OK && (st = mtls_read(tls, buf, sizeof buf, &n)) == MTLS_OK)
        fwrite(buf, 1, n, stdout);
    mtls_close(tls); /* MTLS_ERR_CLOSED from mtls_read: the server is done */
    mtls_modem_close(modem);
    return st == MTLS_ERR_CLOSED ? 0 : (int)st;
}
/* END quickstart */

static uint8_t ca_buf[65536];

int main(int argc, char **argv) {
    posix_uart uart;
    mtls_port port;
    FILE *f;
    size_t ca_len;
    int r;
    if (argc != 5) {
        fprintf(stderr, "usage: %s SIM_ADDR HOST PORT CA.pem\n", argv[0]);
        return 2;
    }
    f = fopen(argv[4], "rb");
    if (f == NULL) {
        perror(argv[4]);
        return 2;
    }
    ca_len = fread(ca_buf, 1, sizeof ca_buf, f);
    fclose(f);
    if (posix_uart_connect(&uart, argv[1]) != 0) {
        fprintf(stderr, "cannot connect to %s\n", argv[1]);
        return 2;
    }
    uart.fail_random = 0;
    uart.verbose = getenv("MTLS_VERBOSE") != NULL;
    port = posix_port(&uart);
    r = https_get(&port, argv[2], (uint16_t)atoi(argv[3]), ca_buf, ca_len);
    posix_uart_close(&uart);
    if (r != 0) fprintf(stderr, "https_get: %s\n", mtls_status_str(r));
    return r == 0 ? 0 : 1;
}
