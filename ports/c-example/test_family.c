/* The C ABI against a simulated Quectel BC66 or M95 or Sierra HL8548/HL78xx
 * (modem families whose firmware checks no host name), started with
 * openssl s_servers by tools/c-test.sh:
 *
 *   ./test_family SIM_ADDR RSA_CA.pem PORT_FRIENDLY PORT_TLS13 PORT_WRONG_HOST [bc66|m95|hl8548|hl78xx]
 *
 * The last argument names the modem the simulator plays (default bc66).
 * PORT_FRIENDLY: TLS 1.2 with a suite each firmware has (AES128-SHA for
 * the BC66 and M95, AES128-SHA256 or AES128-GCM for the HL8548, ECDHE for
 * the HL78xx), RSA certificate; PORT_TLS13: TLS 1.3 only; PORT_WRONG_HOST: a certificate for
 * another name from the same CA. Each serves /hello.txt (`-WWW`): a page
 * larger than the BC66's 2,168-byte raw receive buffer would overflow it
 * on the host path. What must hold:
 * - mtls_modem_init() identifies the family (mtls_modem_family);
 * - offload with accept_chain_only works, and says the host name was not
 *   checked; without it offload-only is refused (MTLS_ERR_MODE_UNAVAILABLE);
 * - Auto without accept_chain_only takes the host path for the host-name
 *   check ("needs-hostname-check") and verifies there;
 * - Auto with accept_chain_only against a TLS 1.3-only server falls back
 *   from the offloaded failure to host TLS 1.3;
 * - the wrong host name is caught on the host path;
 * - at the end the pool is empty. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modemtls.h"
#include "check.h"
#include "posix_port.h"

static const char *HOST = "server.test";
static uint8_t ca[65536];
static size_t ca_len;

static mtls_config config(uint16_t port, uint32_t mode, int chain_only) {
    mtls_config c;
    memset(&c, 0, sizeof c);
    c.host = HOST;
    c.host_len = strlen(HOST);
    c.port = port;
    c.mode = mode;
    c.ca = ca;
    c.ca_len = ca_len;
    c.accept_chain_only = (uint8_t)chain_only;
    return c;
}

static void detail(mtls_modem *m) {
    char d[MTLS_DETAIL_MAX];
    if (mtls_last_error_detail(m, d, sizeof d, NULL) == MTLS_OK) fprintf(stderr, "    detail: %s\n", d);
}

/* Connect, check the path and reason code, GET /, read to the end, close. */
static void session(mtls_modem *m, mtls_config c, mtls_path path, const char *reason, int hostname_checked) {
    mtls_session *s = NULL;
    mtls_session_info info;
    static const char req[] = "GET /hello.txt HTTP/1.0\r\n\r\n";
    uint8_t buf[512];
    size_t n = 0, total = 0;
    mtls_status st = mtls_connect(m, &c, &s);
    CHECK(st == MTLS_OK, "connect: %s", mtls_status_str((int32_t)st));
    if (st != MTLS_OK) {
        detail(m);
        return;
    }
    EXPECT(mtls_session_get_info(s, &info), MTLS_OK);
    CHECK(info.path == path, "path %d, want %d", (int)info.path, (int)path);
    CHECK(info.reason_code && strcmp(info.reason_code, reason) == 0, "reason %s, want %s",
          info.reason_code ? info.reason_code : "(null)", reason);
    CHECK(info.verified, "verified");
    CHECK(info.hostname_checked == (hostname_checked != 0), "hostname_checked %d", (int)info.hostname_checked);
    fprintf(stderr, "    %s, reason %s, TLS 0x%04x, host name %s\n", path == MTLS_PATH_HOST ? "host" : "offload",
            info.reason_code, info.tls_version, info.hostname_checked ? "checked" : "NOT checked (chain only)");
    EXPECT(mtls_write(s, (const uint8_t *)req, strlen(req)), MTLS_OK);
    while ((st = mtls_read(s, buf, sizeof buf, &n)) == MTLS_OK) total += n;
    CHECK(st == MTLS_ERR_CLOSED, "read ended with %s after %zu bytes", mtls_status_str((int32_t)st), total);
    CHECK(total > 0, "no response");
    EXPECT(mtls_close(s), MTLS_OK);
}

int main(int argc, char **argv) {
    posix_uart u;
    mtls_port p;
    mtls_modem *m = NULL;
    mtls_session *s = NULL;
    mtls_family family = MTLS_FAMILY_QUECTEL_BG9X;
    mtls_timeouts t = {10000, 10000, 20000, 20000};
    mtls_pool_stats st;
    char model[MTLS_IDENTITY_MAX], rev[MTLS_IDENTITY_MAX];
    uint16_t friendly, tls13, wrong;
    const char *name = argc == 7 ? argv[6] : "bc66";
    mtls_family want;
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: %s SIM_ADDR RSA_CA.pem PORT_FRIENDLY PORT_TLS13 PORT_WRONG_HOST [bc66|m95|hl8548|hl78xx]\n",
                argv[0]);
        return 2;
    }
    if (strcmp(name, "bc66") == 0) {
        want = MTLS_FAMILY_QUECTEL_BC66;
    } else if (strcmp(name, "m95") == 0) {
        want = MTLS_FAMILY_QUECTEL_M95;
    } else if (strcmp(name, "hl8548") == 0 || strcmp(name, "hl78xx") == 0) {
        want = MTLS_FAMILY_SIERRA_HL;
    } else {
        fprintf(stderr, "unknown family %s\n", name);
        return 2;
    }
    if (load_file(argv[2], ca, sizeof ca, &ca_len) != 0) return 2;
    friendly = (uint16_t)atoi(argv[3]);
    tls13 = (uint16_t)atoi(argv[4]);
    wrong = (uint16_t)atoi(argv[5]);
    if (posix_uart_connect(&u, argv[1]) != 0) return 2;
    u.fail_random = 0;
    u.verbose = getenv("MTLS_VERBOSE") != NULL;
    p = posix_port(&u);

    fprintf(stderr, "-- init identifies the %s\n", name);
    EXPECT(mtls_modem_open(&p, &m), MTLS_OK);
    EXPECT(mtls_modem_set_timeouts(m, &t), MTLS_OK);
    EXPECT(mtls_modem_family(m, &family), MTLS_ERR_NOT_INITIALISED);
    EXPECT(mtls_modem_init(m), MTLS_OK);
    EXPECT(mtls_modem_family(m, &family), MTLS_OK);
    CHECK(family == want, "family %d, want %d", (int)family, (int)want);
    EXPECT(mtls_modem_identity(m, model, sizeof model, rev, sizeof rev), MTLS_OK);
    fprintf(stderr, "    %s %s\n", model, rev);
    EXPECT(mtls_modem_attach(m, "internet", 8, NULL, 0, NULL, 0), MTLS_OK);

    fprintf(stderr, "-- offload: only with a chain-only check accepted\n");
    {
        mtls_config c = config(friendly, MTLS_MODE_OFFLOAD, 0);
        EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_MODE_UNAVAILABLE);
        CHECK(s == NULL, "no session on failure");
    }
    session(m, config(friendly, MTLS_MODE_OFFLOAD, 1), MTLS_PATH_OFFLOAD, "requested", 0);

    fprintf(stderr, "-- Auto: the host path for the host-name check\n");
    session(m, config(tls13, MTLS_MODE_AUTO, 0), MTLS_PATH_HOST, "needs-hostname-check", 1);

    fprintf(stderr, "-- Auto with chain-only accepted: TLS 1.3-only server, fallback to host TLS\n");
    session(m, config(tls13, MTLS_MODE_AUTO, 1), MTLS_PATH_HOST, "fallback-protocol-version", 1);

    fprintf(stderr, "-- a certificate for another name, caught on the host path\n");
    {
        mtls_config c = config(wrong, MTLS_MODE_HOST, 0);
        EXPECT(mtls_connect(m, &c, &s), MTLS_ERR_CERT_HOSTNAME_MISMATCH);
    }

    EXPECT(mtls_modem_close(m), MTLS_OK);
    posix_uart_close(&u);
    EXPECT(mtls_pool_get_stats(&st), MTLS_OK);
    CHECK(st.modems_in_use == 0 && st.sessions_in_use == 0, "pool not empty");
    fprintf(stderr, "\n%s: %d checks, %d failed\n", failures ? "FAILED" : "PASSED", checks, failures);
    return failures ? 1 : 0;
}
