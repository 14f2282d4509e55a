/* The C ABI from several threads at once, for ThreadSanitizer
 * (tools/c-test.sh builds it and libmodemtls.a with -fsanitize=thread).
 *
 * One thread opens a modem, publishes its handle, runs calls on it and
 * closes it, over and over; a second thread is the UART "interrupt"
 * (mtls_uart_rx_isr) on whatever handle it last saw; two more threads call
 * the same modem concurrently. What must hold: every call returns one of
 * the statuses the header promises for the situation (OK, BUSY for a
 * second caller on one modem, BAD_HANDLE for a closed one, a modem error
 * from the silent UART), never a crash, and ThreadSanitizer reports no
 * data race. At the end the pool is empty.
 *
 * No simulator: the UART answers nothing (uart_read is NULL, so the
 * library reads the ring the "interrupt" fills with noise) and the clock
 * is virtual, so every modem call ends within its short timeout. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "modemtls.h"

#define ROUNDS 150

static mtls_modem *published; /* __atomic access only */
static int stop;              /* __atomic access only */
static uint64_t clock_ms;     /* __atomic access only */
static int failures;
static pthread_mutex_t report = PTHREAD_MUTEX_INITIALIZER;
static unsigned long busy_seen, ok_seen, bad_handle_seen;

static void fail(const char *what, mtls_status st) {
    pthread_mutex_lock(&report);
    failures++;
    if (failures < 10) fprintf(stderr, "FAIL %s: %s\n", what, mtls_status_str(st));
    pthread_mutex_unlock(&report);
}

static void count(mtls_status st) {
    pthread_mutex_lock(&report);
    if (st == MTLS_ERR_BUSY) busy_seen++;
    if (st == MTLS_OK) ok_seen++;
    if (st == MTLS_ERR_BAD_HANDLE) bad_handle_seen++;
    pthread_mutex_unlock(&report);
}

static int32_t w_ok(void *user, const uint8_t *data, size_t len) {
    (void)user;
    (void)data;
    (void)len;
    return 0;
}

/* 7 ms per look: the driver's short timeouts pass after a few looks. */
static uint64_t now(void *user) {
    (void)user;
    return __atomic_add_fetch(&clock_ms, 7, __ATOMIC_RELAXED);
}

static void idle(void *user) {
    (void)user;
    sched_yield();
}

static mtls_port port(void) {
    mtls_port p;
    memset(&p, 0, sizeof p);
    p.uart_write = w_ok;
    p.uart_read = NULL;
    p.now_ms = now;
    p.idle = idle;
    return p;
}

static mtls_modem *current(void) {
    return __atomic_load_n(&published, __ATOMIC_ACQUIRE);
}

/* Statuses a call on a modem that another thread may be using or closing
 * can return, besides the modem errors of a silent UART. */
static int expected_race(mtls_status st) {
    return st == MTLS_OK || st == MTLS_ERR_BUSY || st == MTLS_ERR_BAD_HANDLE;
}

static int modem_error(mtls_status st) {
    return st == MTLS_ERR_MODEM_NOT_RESPONDING || st == MTLS_ERR_TIMEOUT || st == MTLS_ERR_UART_DAMAGED ||
           st == MTLS_ERR_MODEM_REJECTED || st == MTLS_ERR_NOT_INITIALISED;
}

static void *isr(void *arg) {
    static const uint8_t noise[] = "\r\nOK\r\n+QIURC: \"closed\",0\r\n";
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        mtls_status st = mtls_uart_rx_isr(current(), noise, sizeof noise - 1);
        /* The ring may be full: the bytes are then counted as dropped. */
        if (!(expected_race(st) || st == MTLS_ERR_BUFFER_TOO_SMALL)) fail("mtls_uart_rx_isr", st);
    }
    return NULL;
}

static void *caller(void *arg) {
    char model[MTLS_IDENTITY_MAX], rev[MTLS_IDENTITY_MAX];
    mtls_timeouts t;
    (void)arg;
    memset(&t, 0, sizeof t);
    t.command_ms = 30;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        mtls_modem *m = current();
        mtls_status st = mtls_modem_set_timeouts(m, &t);
        count(st);
        if (!expected_race(st)) fail("mtls_modem_set_timeouts", st);
        st = mtls_modem_identity(m, model, sizeof model, rev, sizeof rev);
        count(st);
        if (!(expected_race(st) || st == MTLS_ERR_NOT_INITIALISED)) fail("mtls_modem_identity", st);
        st = mtls_modem_init(m);
        count(st);
        if (!(expected_race(st) || modem_error(st) || st == MTLS_ERR_UNSUPPORTED_MODEM)) fail("mtls_modem_init", st);
        st = mtls_last_error_detail(m, model, sizeof model, NULL);
        if (!(expected_race(st) || st == MTLS_ERR_BUFFER_TOO_SMALL)) fail("mtls_last_error_detail", st);
    }
    return NULL;
}

int main(void) {
    pthread_t th[3];
    mtls_pool_stats s;
    mtls_timeouts t;
    mtls_port p = port();
    int i;
    memset(&t, 0, sizeof t);
    t.command_ms = 30;
    t.attach_ms = 30;
    t.open_ms = 30;
    t.data_ms = 30;
    if (pthread_create(&th[0], NULL, isr, NULL) != 0 || pthread_create(&th[1], NULL, caller, NULL) != 0 ||
        pthread_create(&th[2], NULL, caller, NULL) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 2;
    }
    for (i = 0; i < ROUNDS; i++) {
        mtls_modem *m = NULL;
        mtls_status st = mtls_modem_open(&p, &m);
        if (st != MTLS_OK) {
            fail("mtls_modem_open", st);
            continue;
        }
        st = mtls_modem_set_timeouts(m, &t);
        if (!(st == MTLS_OK || st == MTLS_ERR_BUSY)) fail("owner: mtls_modem_set_timeouts", st);
        __atomic_store_n(&published, m, __ATOMIC_RELEASE);
        st = mtls_modem_init(m);
        count(st);
        if (!(st == MTLS_ERR_BUSY || modem_error(st) || st == MTLS_ERR_UNSUPPORTED_MODEM || st == MTLS_OK))
            fail("owner: mtls_modem_init", st);
        /* Closing while others call: refused as BUSY until they are out. */
        while ((st = mtls_modem_close(m)) == MTLS_ERR_BUSY) sched_yield();
        if (st != MTLS_OK) fail("owner: mtls_modem_close", st);
        if (mtls_modem_close(m) != MTLS_ERR_BAD_HANDLE) fail("owner: second close", st);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < 3; i++) pthread_join(th[i], NULL);
    if (mtls_pool_get_stats(&s) != MTLS_OK || s.modems_in_use != 0 || s.sessions_in_use != 0) {
        fprintf(stderr, "FAIL the pool is not empty at the end\n");
        failures++;
    }
    fprintf(stderr, "%d rounds; calls: %lu OK, %lu BUSY, %lu BAD_HANDLE; %d failures\n", ROUNDS, ok_seen, busy_seen,
            bad_handle_seen, failures);
    if (busy_seen == 0 || bad_handle_seen == 0) {
        fprintf(stderr, "FAIL the threads never met (no BUSY or no BAD_HANDLE seen)\n");
        failures++;
    }
    fprintf(stderr, "%s\n", failures ? "FAILED" : "PASSED");
    return failures ? 1 : 0;
}
