#define _POSIX_C_SOURCE 200809L
#include "posix_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int posix_uart_connect(posix_uart *u, const char *addr) {
    char host[64];
    const char *colon = strrchr(addr, ':');
    struct sockaddr_in sa;
    int one = 1;
    size_t n;
    u->fd = -1;
    u->random_fd = -1;
    if (colon == NULL || (n = (size_t)(colon - addr)) >= sizeof host) return -1;
    memcpy(host, addr, n);
    host[n] = '\0';
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -1;
    u->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (u->fd < 0) return -1;
    setsockopt(u->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(u->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(u->fd);
        u->fd = -1;
        return -1;
    }
    u->random_fd = open("/dev/urandom", O_RDONLY);
    return u->random_fd < 0 ? -1 : 0;
}

void posix_uart_close(posix_uart *u) {
    if (u->fd >= 0) close(u->fd);
    if (u->random_fd >= 0) close(u->random_fd);
    u->fd = -1;
    u->random_fd = -1;
}

static int32_t uart_write(void *user, const uint8_t *data, size_t len) {
    posix_uart *u = user;
    while (len > 0) {
        ssize_t n = send(u->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno == EPIPE || errno == ECONNRESET ? MTLS_PORT_CLOSED : -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int posix_uart_read(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms) {
    posix_uart *u = user;
    struct pollfd p;
    ssize_t n;
    int r;
    p.fd = u->fd;
    p.events = POLLIN;
    p.revents = 0;
    r = poll(&p, 1, timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms);
    if (r == 0) return 0;
    if (r < 0) return errno == EINTR ? 0 : -1;
    if (len > INT32_MAX) len = INT32_MAX;
    n = recv(u->fd, buf, len, 0);
    if (n == 0) return MTLS_PORT_CLOSED;
    if (n < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
    return (int32_t)n;
}

static int32_t uart_read(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms) {
    return posix_uart_read(user, buf, len, timeout_ms);
}

static uint64_t now_ms(void *user) {
    struct timespec ts;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int32_t random_bytes(void *user, uint8_t *buf, size_t len) {
    posix_uart *u = user;
    if (u->fail_random) return -1;
    while (len > 0) {
        ssize_t n = read(u->random_fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int32_t unix_time(void *user, uint64_t *out_secs) {
    time_t t = time(NULL);
    (void)user;
    if (t == (time_t)-1) return -1;
    *out_secs = (uint64_t)t;
    return 0;
}

static void log_line(void *user, const char *msg, size_t len) {
    posix_uart *u = user;
    if (u->verbose) fprintf(stderr, "  [modemtls] %.*s\n", (int)len, msg);
}

mtls_port posix_port(posix_uart *u) {
    mtls_port p;
    memset(&p, 0, sizeof p);
    p.user = u;
    p.uart_write = uart_write;
    p.uart_read = uart_read;
    p.now_ms = now_ms;
    p.random = random_bytes;
    p.unix_time = unix_time;
    p.log = log_line;
    return p;
}
