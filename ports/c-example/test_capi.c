/* C tests of libmodemtls through include/modemtls.h, against the modem
 * simulator and openssl s_server on 127.0.0.1 (started by tools/c-test.sh).
 *
 *   ./test_capi SIM_ADDR CA.pem PORT_TLS12 PORT_TLS13_ONLY PORT_WRONG_HOST
 *
 * Every status is checked; at the end the pool must be empty and reusable. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "modemtls.h"
#include "check.h"
#include "posix_port.h"

static const char *HOST = "server.test";
static const char *sim_addr;
static uint8_t ca[65536];
static size_t ca_len;
static uint16_t port_tls12, port_tls13, port_wrong;

static void section(const char *name) { fprintf(stderr, "-- %s\n", name); }

static void expect_pool_empty(void) {
    mtls_pool_stats s;
    EXPECT(mtls_pool_get_stats(&s), MTLS_OK);
    CHECK(s.modems_in_use == 0 && s.sessions_in_use == 0, "pool not empty: %u modems, %u sessions",
          (unsigned)s.modems_in_use, (unsigned)s.sessions_in_use);
    CHECK(s.modems_max == MTLS_MAX_MODEMS && s.sessions_max == MTLS_MAX_SESSIONS, "pool sizes");
}

static void show_detail(mtls_modem *m) {
    char d[MTLS_DETAIL_MAX];
    if (mtls_last_error_detail(m, d, sizeof d, NULL) == MTLS_OK) fprintf(stderr, "    detail: %s\n", d);
}

static mtls_config config(uint16_t port, uint32_t mode) {
    mtls_config c;
    memset(&c, 0, sizeof c);
    c.host = HOST;
    c.host_len = strlen(HOST);
    c.port = port;
    c.mode = mode;
    c.ca = ca;
    c.ca_len = ca_len;
    return c;
}

/* GET / from an `openssl s_server -www`, read to the end; 1 if the answer
 * looks right and the end was MTLS_ERR_CLOSED. */
static int https_get(mtls_session *s) {
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    char resp[8192];
    size_t have = 0, n = 0;
    mtls_status st;
    EXPECT(mtls_write(s, (const uint8_t *)req, strlen(req)), MTLS_OK);
    for (;;) {
        st = mtls_read(s, (uint8_t *)resp + have, sizeof resp - 1 - have, &n);
        if (st != MTLS_OK) break;
        CHECK(n > 0 && n <= sizeof resp - 1 - have, "read size %zu", n);
        have += n;
        if (have >= sizeof resp - 1) have = 0; /* keep the tail */
    }
    resp[have] = '\0';
    CHECK(st == MTLS_ERR_CLOSED, "read ended with %s", mtls_status_str((int32_t)st));
    CHECK(strstr(resp, "</HTML>") != NULL || strstr(resp, "</html>") != NULL || have > 0,
          "response: %.200s", resp);
    /* Read after the peer closed: still a status, nothing written. */
    n = 12345;
    EXPECT(mtls_read(s, (uint8_t *)resp, sizeof resp, &n), MTLS_ERR_CLOSED);
    CHECK(n == 12345, "out_read written on failure");
    return st == MTLS_ERR_CLOSED;
}

/* ---- no modem needed ---- */

static void test_statuses(void) {
    int i;
    section("status strings");
    CHECK(mtls_version() != NULL && strlen(mtls_version()) > 0, "version");
    for (i = -5; i < 200; i++) {
        const char *t = mtls_status_str(i);
        CHECK(t != NULL && strlen(t) > 0, "status %d text", i);
    }
    CHECK(strncmp(mtls_status_str(MTLS_OK), "MTLS_OK", 7) == 0, "OK text");
    CHECK(strncmp(mtls_status_str(MTLS_ERR_CERT_HOSTNAME_MISMATCH), "MTLS_ERR_CERT_HOSTNAME_MISMATCH", 31) == 0,
          "mismatch text");
    CHECK(strcmp(mtls_status_str(12345), "unknown mtls_status") == 0, "unknown text");
    CHECK(MTLS_ERR_DNS == 47 && MTLS_ERR_CLOSED == 80 && MTLS_ERR_CERT_EXPIRED == 64, "stable numbers");
}

static void test_bad_handles_and_nulls(void) {
    mtls_modem *forged = (mtls_modem *)(uintptr_t)0x12345;
    mtls_session *sforged = (mtls_session *)(uintptr_t)0x1ab80;
    mtls_modem *m = NULL;
    mtls_session *s = NULL;
    mtls_port p;
    posix_uart u;
    mtls_config c = config(443, MTLS_MODE_AUTO);
    mtls_credentials cr;
    mtls_timeouts t;
    mtls_session_info info;
    uint8_t buf[16];
    char text[64];
    size_t n;
    section("NULL pointers and invalid handles");
    memset(&cr, 0, sizeof cr);
    memset(&t, 0, sizeof t);
    memset(&u, 0, sizeof u);
    u.fd = -1;
    u.random_fd = -1;
    p = posix_port(&u);

    EXPECT(mtls_pool_get_stats(NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_modem_open(NULL, &m), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_modem_open(&p, NULL), MTLS_ERR_NULL_POINTER);
    p.uart_write = NULL;
    EXPECT(mtls_modem_open(&p, &m), MTLS_ERR_INVALID_ARGUMENT);
    p = posix_port(&u);
    p.now_ms = NULL;
    EXPECT(mtls_modem_open(&p, &m), MTLS_ERR_INVALID_ARGUMENT);
    CHECK(m == NULL, "out_modem written on failure");

    /* Every call with a NULL, forged or wrong-kind handle. */
    EXPECT(mtls_modem_close(NULL), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_close(forged), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_init(NULL), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_init(forged), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_init((mtls_modem *)sforged), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_set_timeouts(forged, &t), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_set_timeouts(forged, NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_modem_identity(forged, text, sizeof text, text, sizeof text), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_identity(forged, NULL, 10, text, sizeof text), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_modem_attach(forged, "internet", 8, NULL, 0, NULL, 0), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_attach(forged, NULL, 0, NULL, 0, NULL, 0), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_modem_attach(forged, "internet", 8, NULL, 5, NULL, 0), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_modem_set_credentials(forged, &cr), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_set_credentials(forged, NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_connect(forged, &c, &s), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_connect(forged, NULL, &s), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_connect(forged, &c, NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_write(sforged, buf, sizeof buf), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_write(NULL, buf, sizeof buf), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_write(sforged, NULL, 4), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_read(sforged, buf, sizeof buf, &n), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_read(sforged, NULL, sizeof buf, &n), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_read(sforged, buf, sizeof buf, NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_read((mtls_session *)forged, buf, sizeof buf, &n), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_session_get_info(sforged, &info), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_session_get_info(sforged, NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_close(NULL), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_close(sforged), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_cache_save(forged, buf, sizeof buf, &n), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_cache_save(forged, NULL, sizeof buf, &n), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_cache_save(forged, buf, sizeof buf, NULL), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_cache_restore(forged, buf, sizeof buf), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_cache_restore(forged, NULL, 3), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_cache_clear(forged), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_last_error_detail(forged, text, sizeof text, &n), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_last_error_detail(forged, NULL, sizeof text, &n), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_uart_rx_isr(forged, buf, 1), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_uart_rx_isr(forged, NULL, 1), MTLS_ERR_NULL_POINTER);
    /* Huge lengths are refused before anything is read. */
    EXPECT(mtls_write(sforged, buf, SIZE_MAX), MTLS_ERR_INVALID_ARGUMENT);
    EXPECT(mtls_read(sforged, buf, SIZE_MAX, &n), MTLS_ERR_INVALID_ARGUMENT);
    EXPECT(mtls_cache_restore(forged, buf, SIZE_MAX), MTLS_ERR_INVALID_ARGUMENT);
    expect_pool_empty();
}

/* Before init: every modem call says so; slots are not leaked. */
static void test_lifecycle_without_modem(void) {
    mtls_modem *m[MTLS_MAX_MODEMS + 1];
    mtls_modem *extra = NULL;
    mtls_session *s = NULL;
    posix_uart u;
    mtls_port p;
    mtls_config c = config(port_tls12, MTLS_MODE_AUTO);
    char model[MTLS_IDENTITY_MAX], rev[MTLS_IDENTITY_MAX];
    uint8_t saved[MTLS_CACHE_SAVE_MAX];
    size_t n = 0;
    int i, round;
    section("lifecycle before init, pool exhaustion, double close");
    memset(&u, 0, sizeof u);
    u.fd = -1;
    u.random_fd = -1;
    p = posix_port(&u);
    for (round = 0; round < 3; round++) {
        for (i = 0; i < MTLS_MAX_MODEMS; i++) EXPECT(mtls_modem_open(&p, &m[i]), MTLS_OK);
        EXPECT(mtls_modem_open(&p, &extra), MTLS_ERR_NO_FREE_SLOT);
        CHECK(extra == NULL, "out written on NO_FREE_SLOT");
        EXPECT(mtls_connect(m[0], &c, &s), MTLS_ERR_NOT_INITIALISED);
        CHECK(s == NULL, "out_session written on failure");
        EXPECT(mtls_modem_attach(m[0], "internet", 8, NULL, 0, NULL, 0), MTLS_ERR_NOT_INITIALISED);
        EXPECT(mtls_modem_identity(m[0], model, sizeof model, rev, sizeof rev), MTLS_ERR_NOT_INITIALISED);
        /* The cache works without a modem. */
        EXPECT(mtls_cache_save(m[0], saved, sizeof saved, &n), MTLS_OK);
        CHECK(n == 5, "empty cache saves to 5 bytes, got %zu", n);
        EXPECT(mtls_cache_restore(m[0], saved, n), MTLS_OK);
        EXPECT(mtls_cache_restore(m[0], saved, 0), MTLS_ERR_CACHE_INVALID);
        saved[1] ^= 0xff;
        EXPECT(mtls_cache_restore(m[0], saved, n), MTLS_ERR_CACHE_INVALID);
        EXPECT(mtls_cache_save(m[0], saved, 2, &n), MTLS_ERR_BUFFER_TOO_SMALL);
        EXPECT(mtls_cache_clear(m[0]), MTLS_OK);
        for (i = 0; i < MTLS_MAX_MODEMS; i++) {
            EXPECT(mtls_modem_close(m[i]), MTLS_OK);
            EXPECT(mtls_modem_close(m[i]), MTLS_ERR_BAD_HANDLE);   /* double close */
            EXPECT(mtls_modem_init(m[i]), MTLS_ERR_BAD_HANDLE);    /* use after close */
            EXPECT(mtls_cache_clear(m[i]), MTLS_ERR_BAD_HANDLE);
        }
        expect_pool_empty();
    }
}

/* Configuration errors on an initialised, attached modem: each its status,
 * no traffic, no session. */
static void test_bad_configs(mtls_modem *m) {
    static char long_host[400];
    mtls_session *s = NULL;
    mtls_config c;
    mtls_credentials cr;
    const uint8_t junk[] = "hello, not a certificate";
    section("bad configurations");
    memset(long_host, 'a', sizeof long_host);

    c = config(port_tls12, MTLS_MODE_AUTO);
    c.host = NULL;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_NULL_POINTER);
    c = config(port_tls12, MTLS_MODE_AUTO);
    c.host_len = 0;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_HOST_INVALID);
    c.host = long_host;
    c.host_len = MTLS_MAX_HOST_LEN + 1;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_HOST_TOO_LONG);
    c.host_len = SIZE_MAX;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_HOST_TOO_LONG);
    c.host = "bad host!";
    c.host_len = 9;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_HOST_INVALID);
    c = config(0, MTLS_MODE_AUTO);
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_INVALID_ARGUMENT);
    c = config(port_tls12, 7);
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_INVALID_ARGUMENT);
    c = config(port_tls12, MTLS_MODE_AUTO);
    c.ca = NULL;
    c.ca_len = 0;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_NO_TRUST_ANCHORS);
    c.ca_len = 10;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_NULL_POINTER);
    c.ca = ca;
    c.ca_len = SIZE_MAX;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CREDENTIAL_TOO_LARGE);
    c.ca_len = 0;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CREDENTIAL_FORMAT);
    c.ca = junk;
    c.ca_len = sizeof junk;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CREDENTIAL_FORMAT);
    c = config(port_tls12, MTLS_MODE_AUTO);
    c.client_cert = ca; /* a certificate without its key */
    c.client_cert_len = ca_len;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_INVALID_ARGUMENT);
    CHECK(s == NULL, "out_session written on failure");

    memset(&cr, 0, sizeof cr);
    cr.ca = junk;
    cr.ca_len = sizeof junk;
    EXPECT(mtls_modem_set_credentials(m, &cr), MTLS_ERR_CREDENTIAL_FORMAT);
    cr.ca = ca;
    cr.ca_len = SIZE_MAX;
    EXPECT(mtls_modem_set_credentials(m, &cr), MTLS_ERR_CREDENTIAL_TOO_LARGE);
    {
        mtls_pool_stats st;
        EXPECT(mtls_pool_get_stats(&st), MTLS_OK);
        CHECK(st.sessions_in_use == 0, "a failed connect left a session");
    }
}

static void test_offload(mtls_modem *m) {
    mtls_session *s = NULL, *s2 = NULL;
    mtls_session_info info;
    mtls_config c = config(port_tls12, MTLS_MODE_OFFLOAD);
    uint8_t buf[8];
    size_t n;
    section("offloaded session (TLS in the modem) to openssl s_server");
    EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
    if (s == NULL) {
        show_detail(m);
        return;
    }
    EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
    CHECK(info.path == MTLS_PATH_OFFLOAD, "path %d", (int)info.path);
    CHECK(info.verified, "verified");
    CHECK(info.reason == 0 && strcmp(info.reason_code, "requested") == 0, "reason %s", info.reason_code);
    CHECK(info.fallback_from == MTLS_OK && info.fallback_alert == -1, "no fallback");
    /* One session per modem; the driver belongs to the session. */
    EXPECT(mtls_connect(m, &c, &s2), MTLS_ERR_SESSION_ACTIVE);
    EXPECT(mtls_modem_init(m), MTLS_ERR_SESSION_ACTIVE);
    /* Bad arguments on a live session change nothing. */
    EXPECT(mtls_read(s, buf, 0, &n), MTLS_ERR_INVALID_ARGUMENT);
    EXPECT(mtls_read(s, NULL, 8, &n), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_write(s, NULL, 8), MTLS_ERR_NULL_POINTER);
    EXPECT(mtls_write(s, buf, 0), MTLS_OK);
    EXPECT(mtls_read((mtls_session *)m, buf, 8, &n), MTLS_ERR_BAD_HANDLE);
    EXPECT(mtls_modem_close((mtls_modem *)s), MTLS_ERR_BAD_HANDLE);
    CHECK(https_get(s), "GET over the offloaded session");
    EXPECT(mtls_close(s), MTLS_OK);
    EXPECT(mtls_close(s), MTLS_ERR_BAD_HANDLE);                 /* double close */
    EXPECT(mtls_read(s, buf, sizeof buf, &n), MTLS_ERR_BAD_HANDLE); /* use after close */
    EXPECT(mtls_session_get_info(s, &info), MTLS_ERR_BAD_HANDLE);

    section("Auto against a TLS 1.2 server stays on the modem");
    c = config(port_tls12, MTLS_MODE_AUTO);
    EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
    if (s != NULL) {
        EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
        CHECK(info.path == MTLS_PATH_OFFLOAD && strcmp(info.reason_code, "modem-capable") == 0,
              "auto path %d %s", (int)info.path, info.reason_code);
        EXPECT(mtls_close(s), MTLS_OK);
    }
}

static void test_auto_fallback(mtls_modem *m) {
    mtls_session *s = NULL;
    mtls_session_info info;
    mtls_config c = config(port_tls13, MTLS_MODE_AUTO);
    mtls_credentials cr;
    uint8_t saved[MTLS_CACHE_SAVE_MAX], again[MTLS_CACHE_SAVE_MAX];
    size_t n = 0, n2 = 0;
    section("Auto: TLS 1.3-only server, modem fails, host TLS succeeds");
    /* This time the CA comes from the modem's default credentials. */
    memset(&cr, 0, sizeof cr);
    cr.ca = ca;
    cr.ca_len = ca_len;
    EXPECT(mtls_modem_set_credentials(m, &cr), MTLS_OK);
    c.ca = NULL;
    c.ca_len = 0;
    EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
    if (s == NULL) {
        show_detail(m);
        return;
    }
    EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
    CHECK(info.path == MTLS_PATH_HOST, "path %d", (int)info.path);
    CHECK(strcmp(info.reason_code, "fallback-protocol-version") == 0 && info.reason == 8, "reason %s (%u)",
          info.reason_code, (unsigned)info.reason);
    CHECK(info.fallback_from == MTLS_ERR_PROTOCOL_VERSION, "fallback_from %s",
          mtls_status_str((int32_t)info.fallback_from));
    CHECK(info.tls_version == 0x0304 && info.cipher_suite == 0x1301, "tls %04x suite %04x",
          (unsigned)info.tls_version, (unsigned)info.cipher_suite);
    CHECK(info.verified, "verified");
    CHECK(https_get(s), "GET over host TLS");
    EXPECT(mtls_close(s), MTLS_OK);

    section("Auto cache: save, restore, cached decision");
    EXPECT(mtls_cache_save(m, saved, sizeof saved, &n), MTLS_OK);
    CHECK(n == 4 + 7 + 1, "one entry saved, %zu bytes", n);
    EXPECT(mtls_cache_clear(m), MTLS_OK);
    EXPECT(mtls_cache_restore(m, saved, n), MTLS_OK);
    EXPECT(mtls_cache_save(m, again, sizeof again, &n2), MTLS_OK);
    CHECK(n2 == n && memcmp(saved, again, n) == 0, "restore round trip");
    EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
    if (s != NULL) {
        EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
        CHECK(info.path == MTLS_PATH_HOST && strcmp(info.reason_code, "cached-host") == 0, "cached: %s",
              info.reason_code);
        /* The first session read the server's NewSessionTicket. */
        CHECK(info.resumed, "second host session resumed with the ticket");
        EXPECT(mtls_close(s), MTLS_OK);
    }

    section("session resumption: the ticket saved, cleared, restored, refused when damaged");
    {
        uint8_t t[MTLS_TICKET_SAVE_MAX], none[MTLS_TICKET_SAVE_MAX];
        size_t tn = 0, nn = 0;
        EXPECT(mtls_ticket_save(m, t, sizeof t, &tn), MTLS_OK);
        CHECK(tn > 40 && tn <= MTLS_TICKET_SAVE_MAX, "ticket saved, %zu bytes", tn);
        EXPECT(mtls_ticket_save(m, t, 10, &nn), MTLS_ERR_BUFFER_TOO_SMALL);
        EXPECT(mtls_ticket_clear(m), MTLS_OK);
        EXPECT(mtls_ticket_save(m, none, sizeof none, &nn), MTLS_ERR_TICKET_INVALID);
        t[tn / 2] ^= 1;
        EXPECT(mtls_ticket_restore(m, t, tn), MTLS_ERR_TICKET_INVALID);
        t[tn / 2] ^= 1;
        EXPECT(mtls_ticket_restore(m, t, tn), MTLS_OK);
        EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
        if (s != NULL) {
            EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
            CHECK(info.resumed, "resumed with the restored ticket");
            CHECK(https_get(s), "GET over the resumed session");
            /* While a session holds the slot, its ticket is not touched. */
            EXPECT(mtls_ticket_clear(m), MTLS_ERR_SESSION_ACTIVE);
            EXPECT(mtls_close(s), MTLS_OK);
        }
        EXPECT(mtls_ticket_clear(m), MTLS_OK);
        c.no_resumption = 1;
        EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
        if (s != NULL) {
            EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
            CHECK(!info.resumed, "no_resumption: a full handshake");
            EXPECT(mtls_close(s), MTLS_OK);
        }
        EXPECT(mtls_ticket_save(m, none, sizeof none, &nn), MTLS_ERR_TICKET_INVALID);
    }
}

static void test_verification_failure(mtls_modem *m) {
    mtls_session *s = NULL;
    mtls_config c;
    char d[MTLS_DETAIL_MAX];
    size_t n = 0;
    section("verification failure: certificate for another host name");
    c = config(port_wrong, MTLS_MODE_HOST);
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CERT_HOSTNAME_MISMATCH);
    CHECK(s == NULL, "no session");
    EXPECT(mtls_last_error_detail(m, d, sizeof d, &n), MTLS_OK);
    CHECK(n == strlen(d) && strstr(d, "MTLS_ERR_CERT_HOSTNAME_MISMATCH (63)") != NULL &&
              strstr(d, "host name") != NULL,
          "detail: %s", d);
    fprintf(stderr, "    detail: %s\n", d);
    EXPECT(mtls_last_error_detail(m, d, 10, &n), MTLS_ERR_BUFFER_TOO_SMALL);
    /* Auto: the modem's rejection is not a capability failure: no fallback. */
    c = config(port_wrong, MTLS_MODE_AUTO);
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CERT_REJECTED);
    show_detail(m);
    c = config(port_wrong, MTLS_MODE_OFFLOAD);
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CERT_REJECTED);
    CHECK(s == NULL, "no session");
}

static void test_random_failure(mtls_modem *m, posix_uart *u) {
    mtls_session *s = NULL;
    mtls_config c = config(port_tls13, MTLS_MODE_HOST);
    section("random callback failure refuses the host handshake");
    u->fail_random = 1;
    EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_RANDOM_FAILED);
    u->fail_random = 0;
    CHECK(s == NULL, "no session");
}

/* ---- the interrupt-fed receive ring ---- */

struct feeder {
    posix_uart *u;
    mtls_modem *modem;
    volatile int stop;
};

static void *feed(void *arg) {
    struct feeder *f = arg;
    uint8_t buf[256];
    while (!f->stop) {
        int n = posix_uart_read(f->u, buf, sizeof buf, 20);
        if (n < 0) break;
        while (n > 0 && !f->stop) {
            /* All or nothing: retry when the ring is full, as a DMA
             * handler would. */
            mtls_status st = mtls_uart_rx_isr(f->modem, buf, (size_t)n);
            if (st == MTLS_OK) break;
            if (st != MTLS_ERR_BUFFER_TOO_SMALL) {
                fprintf(stderr, "rx_isr: %s\n", mtls_status_str((int32_t)st));
                return NULL;
            }
            {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
            }
        }
    }
    return NULL;
}

static void idle(void *user) {
    struct timespec ts = {0, 200000};
    (void)user;
    nanosleep(&ts, NULL);
}

static void test_ring(void) {
    posix_uart u;
    mtls_port p;
    mtls_modem *m = NULL;
    mtls_session *s = NULL;
    mtls_config c = config(port_tls12, MTLS_MODE_OFFLOAD);
    mtls_pool_stats st;
    struct feeder f;
    pthread_t th;
    section("UART receive ring fed from an 'interrupt' thread (uart_read NULL)");
    if (posix_uart_connect(&u, sim_addr) != 0) {
        CHECK(0, "connect to simulator %s", sim_addr);
        return;
    }
    u.fail_random = 0;
    u.verbose = getenv("MTLS_VERBOSE") != NULL;
    p = posix_port(&u);
    p.uart_read = NULL;
    p.idle = idle;
    EXPECT(mtls_modem_open(&p, &m), MTLS_OK);
    f.u = &u;
    f.modem = m;
    f.stop = 0;
    if (pthread_create(&th, NULL, feed, &f) != 0) {
        CHECK(0, "pthread_create");
        mtls_modem_close(m);
        posix_uart_close(&u);
        return;
    }
    EXPECT(mtls_modem_init(m), MTLS_OK);
    EXPECT(mtls_modem_attach(m, "internet", 8, NULL, 0, NULL, 0), MTLS_OK);
    EXPECT(mtls_connect(m, &c, &s), MTLS_OK);
    if (s != NULL) {
        CHECK(https_get(s), "GET over the ring");
        EXPECT(mtls_close(s), MTLS_OK);
    } else {
        show_detail(m);
    }
    f.stop = 1;
    pthread_join(th, NULL);
    EXPECT(mtls_pool_get_stats(&st), MTLS_OK);
    EXPECT(mtls_modem_close(m), MTLS_OK);
    EXPECT(mtls_uart_rx_isr(m, (const uint8_t *)"x", 1), MTLS_ERR_BAD_HANDLE);
    posix_uart_close(&u);
}

int main(int argc, char **argv) {
    posix_uart u;
    mtls_port p;
    mtls_modem *m = NULL;
    mtls_timeouts t;
    char model[MTLS_IDENTITY_MAX], rev[MTLS_IDENTITY_MAX];
    if (argc != 6) {
        fprintf(stderr, "usage: %s SIM_ADDR CA.pem PORT_TLS12 PORT_TLS13 PORT_WRONG_HOST\n", argv[0]);
        return 2;
    }
    sim_addr = argv[1];
    if (load_file(argv[2], ca, sizeof ca, &ca_len) != 0) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 2;
    }
    port_tls12 = (uint16_t)atoi(argv[3]);
    port_tls13 = (uint16_t)atoi(argv[4]);
    port_wrong = (uint16_t)atoi(argv[5]);

    test_statuses();
    test_bad_handles_and_nulls();
    test_lifecycle_without_modem();

    section("modem init, identity, attach");
    if (posix_uart_connect(&u, sim_addr) != 0) {
        fprintf(stderr, "cannot connect to the simulator at %s\n", sim_addr);
        return 2;
    }
    u.fail_random = 0;
    u.verbose = getenv("MTLS_VERBOSE") != NULL;
    p = posix_port(&u);
    EXPECT(mtls_modem_open(&p, &m), MTLS_OK);
    memset(&t, 0, sizeof t);
    t.command_ms = 10000;
    t.attach_ms = 10000;
    t.open_ms = 20000;
    t.data_ms = 20000;
    EXPECT(mtls_modem_set_timeouts(m, &t), MTLS_OK);
    EXPECT(mtls_modem_init(m), MTLS_OK);
    EXPECT(mtls_modem_identity(m, model, 2, rev, sizeof rev), MTLS_ERR_BUFFER_TOO_SMALL);
    EXPECT(mtls_modem_identity(m, model, sizeof model, rev, sizeof rev), MTLS_OK);
    CHECK(strcmp(model, "BG96") == 0 && strlen(rev) > 4, "identity %s %s", model, rev);
    fprintf(stderr, "    modem: %s %s\n", model, rev);
    EXPECT(mtls_modem_attach(m, "internet", 8, "user", 4, NULL, 0), MTLS_OK);
    EXPECT(mtls_modem_attach(m, "bad\"apn", 7, NULL, 0, NULL, 0), MTLS_ERR_INVALID_ARGUMENT);
    EXPECT(mtls_modem_attach(m, "internet", 8, NULL, 0, NULL, 0), MTLS_OK);

    test_bad_configs(m);
    test_offload(m);
    test_auto_fallback(m);
    test_verification_failure(m);
    test_random_failure(m, &u);

    EXPECT(mtls_modem_close(m), MTLS_OK);
    EXPECT(mtls_modem_close(m), MTLS_ERR_BAD_HANDLE);
    posix_uart_close(&u);
    expect_pool_empty();

    test_ring();

    section("the pool is empty and every slot opens again");
    expect_pool_empty();
    test_lifecycle_without_modem();

    fprintf(stderr, "\n%s: %d checks, %d failed\n", failures ? "FAILED" : "PASSED", checks, failures);
    return failures ? 1 : 0;
}
