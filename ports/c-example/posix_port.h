/* A POSIX port for modemtls: the modem's UART is a TCP connection (to the
 * modemtls-sim simulator, or to a serial-to-TCP bridge). */
#ifndef POSIX_PORT_H
#define POSIX_PORT_H

#include "modemtls.h"

typedef struct posix_uart {
    int fd;           /* the "UART": a TCP socket */
    int random_fd;    /* /dev/urandom */
    int fail_random;  /* tests: make the random callback fail */
    int verbose;      /* print library log lines to stderr */
} posix_uart;

/* Connect to "IP:PORT" (IPv4). 0 on success. */
int posix_uart_connect(posix_uart *u, const char *addr);
void posix_uart_close(posix_uart *u);
/* The mtls_port callbacks over `u` (uart_read set). */
mtls_port posix_port(posix_uart *u);
/* Blocking helpers used by the callbacks (also for ring-buffer tests). */
int posix_uart_read(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms);

#endif
