/* modemtls C firmware on a Cortex-M under QEMU (mps2-an385 Cortex-M3,
 * mps2-an386 Cortex-M4F), talking to the modem simulator over UART0,
 * through the C ABI only (include/modemtls.h + libmodemtls.a built for the
 * thumb target with features capi,capi-cs-extern).
 *
 * Started by ports/qemu-runner (--firmware c), which runs the simulator and
 * the TLS servers on the host, writes params.txt + ca.pem and starts
 * qemu-system-arm in that directory. The firmware:
 *   1. paints the free stack, starts the SysTick clock;
 *   2. reads params.txt and ca.pem over semihosting;
 *   3. runs one scenario through the mtls_* API, printing each step with
 *      its time and peak stack;
 *   4. prints STACK / TIME / RESULT <scenario> PASS|FAIL (the lines the
 *      Rust firmware prints, so the runner checks both the same way) and
 *      exits QEMU with status 0 only on PASS.
 *
 * params.txt: key=value lines
 *   scenario=offload | verify-fail | auto-host
 *   host=server.test   port=40123   path=/
 *   seed=<64 hex>      auto-host only: TEST-ONLY RNG seed (test_rng.c)
 *
 * No heap, no stdio: the harness's own RAM is PARAMS_MAX + CA_MAX bytes of
 * .bss plus the HTTP buffers on the stack. */
#include <stdbool.h>
#include <string.h>

#include "fw.h"
#include "modemtls.h"

#define PARAMS_MAX 256
/* Largest CA (PEM). A device keeps its CA in flash; here it arrives at run
 * time, so this is harness RAM. */
#define CA_MAX 2048
/* The UART rate programmed into BAUDDIV (QEMU does not throttle). */
#define BAUD 115200u

enum scenario { SC_OFFLOAD, SC_VERIFY_FAIL, SC_AUTO_HOST };
static const char *const scenario_names[] = {"offload", "verify-fail", "auto-host"};

struct params {
    enum scenario scenario;
    char host[MTLS_MAX_HOST_LEN + 1];
    uint16_t port;
    char path[64];
    bool has_seed;
    uint8_t seed[32];
    bool chain_only; /* chain_only=1: accept a firmware without host-name check */
};

static uint8_t g_params_buf[PARAMS_MAX];
static uint8_t g_ca[CA_MAX];
static size_t g_ca_len;
static struct params g_p;

/* ---- step log: time and peak stack per step ---- */

static stack_painted g_painted;
static uint64_t g_start, g_last;
static uint32_t g_max_stack;

static void step(const char *what) {
    uint64_t now = clock_now_ms();
    uint32_t peak = stack_peak(&g_painted);
    if (peak > g_max_stack) g_max_stack = peak;
    semi_text("  [");
    semi_dec(now - g_start);
    semi_text(" ms | +");
    semi_dec(now - g_last);
    semi_text(" ms] ");
    semi_text(what);
    semi_text(" (stack ");
    semi_dec(peak);
    semi_text(" B)\n");
    g_last = now;
    g_painted = stack_paint();
}

/* ---- params.txt ---- */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool copy_value(char *dst, size_t cap, const char *v, size_t n) {
    if (n == 0 || n >= cap) return false;
    memcpy(dst, v, n);
    dst[n] = 0;
    return true;
}

/* NULL when fine, else what is wrong. */
static const char *parse_params(const char *t, size_t len, struct params *p) {
    bool have_scenario = false, have_host = false, have_port = false;
    memset(p, 0, sizeof *p);
    strcpy(p->path, "/");
    size_t i = 0;
    while (i < len) {
        size_t ls = i;
        while (i < len && t[i] != '\n') i++;
        size_t le = i++;
        while (le > ls && (t[le - 1] == '\r' || t[le - 1] == ' ')) le--;
        const char *eq = memchr(&t[ls], '=', le - ls);
        if (!eq) continue;
        const char *k = &t[ls], *v = eq + 1;
        size_t kl = (size_t)(eq - k), vl = (size_t)(&t[le] - v);
#define KEY(s) (kl == sizeof(s) - 1 && memcmp(k, s, kl) == 0)
        if (KEY("scenario")) {
            have_scenario = false;
            for (unsigned s = 0; s < 3; s++)
                if (strlen(scenario_names[s]) == vl && memcmp(v, scenario_names[s], vl) == 0) {
                    p->scenario = (enum scenario)s;
                    have_scenario = true;
                }
            if (!have_scenario) return "scenario= not offload | verify-fail | auto-host";
        } else if (KEY("host")) {
            if (!copy_value(p->host, sizeof p->host, v, vl)) return "host= empty or too long";
            have_host = true;
        } else if (KEY("port")) {
            uint32_t n = 0;
            if (vl == 0 || vl > 5) return "port= not 1..65535";
            for (size_t j = 0; j < vl; j++) {
                if (v[j] < '0' || v[j] > '9') return "port= not a number";
                n = n * 10u + (uint32_t)(v[j] - '0');
            }
            if (n == 0 || n > 65535u) return "port= not 1..65535";
            p->port = (uint16_t)n;
            have_port = true;
        } else if (KEY("chain_only")) {
            p->chain_only = vl == 1 && v[0] == '1';
        } else if (KEY("path")) {
            if (!copy_value(p->path, sizeof p->path, v, vl)) return "path= empty or too long";
        } else if (KEY("seed")) {
            if (vl != 64) return "seed= is not 64 hex digits";
            for (size_t j = 0; j < 32; j++) {
                int hi = hexval(v[2 * j]), lo = hexval(v[2 * j + 1]);
                if (hi < 0 || lo < 0) return "seed= is not 64 hex digits";
                p->seed[j] = (uint8_t)(hi * 16 + lo);
            }
            p->has_seed = true;
        }
#undef KEY
    }
    if (!have_scenario) return "scenario= missing";
    if (!have_host) return "host= missing";
    if (!have_port) return "port= missing";
    return NULL;
}

/* ---- the mtls_port callbacks ---- */

static int32_t port_uart_write(void *user, const uint8_t *data, size_t len) {
    (void)user;
    return uart0_write(data, len) == 0 ? 0 : -1;
}

static int32_t port_uart_read(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms) {
    (void)user;
    return (int32_t)uart0_read(buf, len, timeout_ms);
}

static uint64_t port_now_ms(void *user) {
    (void)user;
    return clock_now_ms();
}

/* TEST-ONLY entropy, see test_rng.c. Registered only when params.txt has a seed. */
static int32_t port_random(void *user, uint8_t *buf, size_t len) {
    (void)user;
    return test_rng_fill(buf, len);
}

static void port_log(void *user, const char *msg, size_t len) {
    (void)user;
    semi_text("      [mtls] ");
    semi_write(msg, len);
    semi_text("\n");
}

/* ---- scenario helpers ---- */

static const char *g_fail_what; /* the call that failed */
static int32_t g_fail_status;   /* its status, or -1 for an unexpected outcome */
static const char *g_fail_why;  /* for an unexpected outcome */

static bool lib_fail(const char *what, mtls_status st) {
    g_fail_what = what;
    g_fail_status = (int32_t)st;
    return false;
}

static bool unexpected(const char *why) {
    g_fail_why = why;
    g_fail_status = -1;
    return false;
}

static void print_detail(mtls_modem *m) {
    char detail[MTLS_DETAIL_MAX];
    size_t n = 0;
    if (m && mtls_last_error_detail(m, detail, sizeof detail, &n) == MTLS_OK) {
        semi_text("      detail: ");
        semi_write(detail, n);
        semi_text("\n");
    }
}

/* Open the modem on UART0, init, attach. *out set on success (and on a
 * failure after the open, so the caller closes it). */
static bool modem_up(const mtls_port *port, mtls_modem **out) {
    mtls_timeouts t = {10000, 20000, 30000, 30000}; /* as ports/qemu-rust */
    char model[MTLS_IDENTITY_MAX], rev[MTLS_IDENTITY_MAX];
    mtls_status st;
    *out = NULL;
    uart0_init(BAUD);
    if ((st = mtls_modem_open(port, out)) != MTLS_OK) return lib_fail("mtls_modem_open", st);
    if ((st = mtls_modem_set_timeouts(*out, &t)) != MTLS_OK) return lib_fail("mtls_modem_set_timeouts", st);
    if ((st = mtls_modem_init(*out)) != MTLS_OK) return lib_fail("mtls_modem_init", st);
    step("modem init");
    if (mtls_modem_identity(*out, model, sizeof model, rev, sizeof rev) == MTLS_OK) {
        mtls_family family;
        semi_text("      ");
        semi_text(model);
        semi_text(" (firmware ");
        semi_text(rev);
        semi_text(", family ");
        semi_text(mtls_modem_family(*out, &family) != MTLS_OK      ? "?"
                  : family == MTLS_FAMILY_QUECTEL_BC66 ? "Quectel BC66"
                  : family == MTLS_FAMILY_QUECTEL_M95  ? "Quectel M66/M95"
                  : family == MTLS_FAMILY_SIERRA_HL    ? "Sierra Wireless HL"
                                                       : "Quectel BG9x");
        semi_text(")\n");
    }
    if ((st = mtls_modem_attach(*out, "internet", 8, NULL, 0, NULL, 0)) != MTLS_OK)
        return lib_fail("mtls_modem_attach", st);
    step("PDP context active");
    return true;
}

static void append(char *dst, size_t cap, size_t *len, const char *s) {
    size_t n = strlen(s);
    if (*len + n >= cap) n = cap - 1 - *len;
    memcpy(dst + *len, s, n);
    *len += n;
    dst[*len] = 0;
}

/* GET path, read to the end of the stream, check "HTTP/1.x 200". */
static bool http_get(mtls_session *s, const struct params *p) {
    char req[320];
    size_t rl = 0;
    uint8_t buf[256];
    char status[64];
    size_t sl = 0, total = 0, n = 0;
    bool in_status = true;
    mtls_status st;
    req[0] = 0;
    append(req, sizeof req, &rl, "GET ");
    append(req, sizeof req, &rl, p->path);
    append(req, sizeof req, &rl, " HTTP/1.0\r\nHost: ");
    append(req, sizeof req, &rl, p->host);
    append(req, sizeof req, &rl, "\r\nConnection: close\r\n\r\n");
    if ((st = mtls_write(s, (const uint8_t *)req, rl)) != MTLS_OK) return lib_fail("mtls_write", st);
    step("request sent");
    while ((st = mtls_read(s, buf, sizeof buf, &n)) == MTLS_OK) {
        total += n;
        for (size_t i = 0; i < n && in_status; i++) {
            if (buf[i] == '\r' || buf[i] == '\n' || sl + 1 >= sizeof status)
                in_status = false;
            else
                status[sl++] = (char)buf[i];
        }
        if (total > (1u << 20)) return unexpected("response longer than 1 MiB");
    }
    status[sl] = 0;
    if (st != MTLS_ERR_CLOSED) return lib_fail("mtls_read", st); /* CLOSED = end of stream */
    step("response read");
    semi_text("      ");
    semi_dec(total);
    semi_text(" bytes, status line: ");
    semi_text(status);
    semi_text("\n");
    if (strncmp(status, "HTTP/1.", 7) != 0 || sl < 12) return unexpected("no HTTP/1.x status line");
    if (memcmp(&status[8], " 200", 4) != 0) return unexpected("HTTP status is not 200");
    return true;
}

static void print_info(const mtls_session_info *info) {
    semi_text("      path: ");
    semi_text(info->path == MTLS_PATH_HOST ? "host" : info->path == MTLS_PATH_OFFLOAD ? "offload" : "?");
    semi_text(", reason ");
    semi_dec(info->reason);
    semi_text(" ");
    semi_text(info->reason_code ? info->reason_code : "?");
    semi_text(info->verified ? ", verified" : ", NOT verified");
    semi_text(", TLS 0x");
    semi_hex(info->tls_version, 4);
    semi_text(", cipher 0x");
    semi_hex(info->cipher_suite, 4);
    semi_text("\n");
    if (info->fallback_from != MTLS_OK) {
        semi_text("      fallback from: ");
        semi_text(mtls_status_str(info->fallback_from));
        if (info->has_fallback_modem_code) {
            semi_text(", modem code ");
            if (info->fallback_modem_code < 0) semi_text("-");
            semi_dec((uint64_t)(info->fallback_modem_code < 0 ? -(int64_t)info->fallback_modem_code
                                                                : info->fallback_modem_code));
        }
        if (info->fallback_alert >= 0) {
            semi_text(", alert ");
            semi_dec((uint64_t)info->fallback_alert);
        }
        semi_text("\n");
    }
}

static mtls_config config(const struct params *p, mtls_mode mode) {
    mtls_config cfg;
    memset(&cfg, 0, sizeof cfg); /* Auto, verification on, dates checked */
    cfg.host = p->host;
    cfg.host_len = strlen(p->host);
    cfg.port = p->port;
    cfg.mode = (uint32_t)mode;
    cfg.ca = g_ca;
    cfg.ca_len = g_ca_len;
    cfg.accept_chain_only = p->chain_only ? 1 : 0;
    return cfg;
}

/* Open a session, check its info, GET, close. */
static bool session_get(mtls_modem *m, const struct params *p, mtls_mode mode, const char *done) {
    mtls_config cfg = config(p, mode);
    mtls_session *s = NULL;
    mtls_session_info info;
    mtls_status st = mtls_connect(m, &cfg, &s);
    if (st != MTLS_OK) {
        print_detail(m);
        return lib_fail("mtls_connect", st);
    }
    step(done);
    if ((st = mtls_session_get_info(s, &info)) != MTLS_OK) {
        mtls_close(s);
        return lib_fail("mtls_session_get_info", st);
    }
    print_info(&info);
    bool ok = true;
    if (!info.verified) {
        ok = unexpected("session not verified");
    } else if (mode == MTLS_MODE_OFFLOAD && info.path != MTLS_PATH_OFFLOAD) {
        ok = unexpected("want the offload path");
    } else if (mode == MTLS_MODE_AUTO) {
        /* Against a TLS 1.3-only server the BG96 fails its handshake; Auto
         * must classify that as a capability failure and fall back. */
        if (info.path != MTLS_PATH_HOST)
            ok = unexpected("want the host path");
        else if (info.fallback_from == MTLS_OK || info.reason < 7 || info.reason > 11 || !info.reason_code ||
                 strncmp(info.reason_code, "fallback-", 9) != 0)
            ok = unexpected("want a fallback reason (7..11, fallback-*) with the offload failure");
        else if (info.tls_version != 0x0304)
            ok = unexpected("want TLS 1.3 on the host path");
    }
    if (ok) ok = http_get(s, p);
    st = mtls_close(s);
    if (ok && st != MTLS_OK) return lib_fail("mtls_close", st);
    if (ok) step("session closed");
    return ok;
}

/* ---- the scenarios ---- */

static mtls_port make_port(bool with_rng) {
    mtls_port port;
    memset(&port, 0, sizeof port);
    port.uart_write = port_uart_write;
    port.uart_read = port_uart_read; /* polled UART, no rx ring */
    port.now_ms = port_now_ms;
    port.random = with_rng ? port_random : NULL;
    port.unix_time = NULL; /* the modem's network clock */
    port.log = port_log;
    return port;
}

/* Close the modem and check the pool is empty again (no leaked slot). */
static bool modem_down(mtls_modem *m, bool ok) {
    mtls_pool_stats ps;
    if (m) {
        mtls_status st = mtls_modem_close(m);
        if (ok && st != MTLS_OK) return lib_fail("mtls_modem_close", st);
    }
    if (ok && (mtls_pool_get_stats(&ps) != MTLS_OK || ps.modems_in_use != 0 || ps.sessions_in_use != 0))
        return unexpected("pool not empty after close");
    return ok;
}

/* offload: HTTPS GET through a session in the modem's TLS stack. */
__attribute__((noinline)) static bool sc_offload(const struct params *p) {
    mtls_port port = make_port(false);
    mtls_modem *m = NULL;
    bool ok = modem_up(&port, &m) && session_get(m, p, MTLS_MODE_OFFLOAD, "offloaded handshake done");
    return modem_down(m, ok);
}

/* verify-fail: the server's certificate is for another name; the only pass
 * is MTLS_ERR_CERT_REJECTED (the modem firmware does not say why; the
 * detail has the evidence), or, on a firmware that cannot check host names
 * (every family but the BG9x), MTLS_ERR_MODE_UNAVAILABLE: the library
 * refuses to offload a verified session there. */
__attribute__((noinline)) static bool sc_verify_fail(const struct params *p) {
    mtls_port port = make_port(false);
    mtls_modem *m = NULL;
    bool ok = modem_up(&port, &m);
    if (ok) {
        mtls_config cfg = config(p, MTLS_MODE_OFFLOAD);
        mtls_session *s = NULL;
        mtls_status st = mtls_connect(m, &cfg, &s);
        if (st == MTLS_OK) {
            mtls_close(s);
            step("handshake SUCCEEDED against a wrong certificate");
            ok = unexpected("connect succeeded; the certificate must be rejected");
        } else {
            step("offloaded handshake failed");
            semi_text("      status: ");
            semi_text(mtls_status_str(st));
            semi_text("\n");
            print_detail(m);
            mtls_family family = MTLS_FAMILY_QUECTEL_BG9X;
            (void)mtls_modem_family(m, &family);
            if (family != MTLS_FAMILY_QUECTEL_BG9X && st == MTLS_ERR_MODE_UNAVAILABLE)
                step("refused: this firmware cannot check the host name");
            else if (st != MTLS_ERR_CERT_REJECTED)
                ok = lib_fail("mtls_connect (want MTLS_ERR_CERT_REJECTED)", st);
        }
    }
    return modem_down(m, ok);
}

/* auto-host: Auto against a TLS 1.3-only server falls back to host TLS. */
__attribute__((noinline)) static bool sc_auto_host(const struct params *p) {
    if (!p->has_seed) {
        semi_text("no RNG seed in params.txt: refusing to run host TLS (no constant-seed fallback)\n");
        return unexpected("no RNG seed");
    }
    semi_text("      RNG: ChaCha20 seeded by the runner (TEST-ONLY entropy, see test_rng.c)\n");
    test_rng_seed(p->seed);
    mtls_port port = make_port(true);
    mtls_modem *m = NULL;
    bool ok = modem_up(&port, &m) && session_get(m, p, MTLS_MODE_AUTO, "handshake done");
    return modem_down(m, ok);
}

static void fail_setup(const char *what, const char *why) {
    semi_text(what);
    semi_text(why);
    semi_text("\nRESULT ? FAIL\n");
    semi_exit(1);
}

int main(void) {
    g_painted = stack_paint();
    uint32_t at_paint = g_painted.at_paint;
    clock_start();

    long n = semi_read_file("params.txt", g_params_buf, sizeof g_params_buf);
    if (n < 0) fail_setup("params.txt (in QEMU's working directory): ", n == -2 ? "too large" : "cannot read");
    const char *bad = parse_params((const char *)g_params_buf, (size_t)n, &g_p);
    if (bad) fail_setup("params.txt refused: ", bad);
    n = semi_read_file("ca.pem", g_ca, sizeof g_ca);
    if (n < 0) fail_setup("ca.pem: ", n == -2 ? "larger than the firmware's buffer" : "cannot read");
    g_ca_len = (size_t)n;

    const char *name = scenario_names[g_p.scenario];
    semi_text("modemtls qemu C firmware (libmodemtls ");
    semi_text(mtls_version());
    semi_text(", C ABI): scenario ");
    semi_text(name);
    semi_text(" -> ");
    semi_text(g_p.host);
    semi_text(":");
    semi_dec(g_p.port);
    semi_text(", CA ");
    semi_dec(g_ca_len);
    semi_text(" bytes\n");

    g_start = g_last = clock_now_ms();
    bool pass;
    switch (g_p.scenario) {
    case SC_OFFLOAD: pass = sc_offload(&g_p); break;
    case SC_VERIFY_FAIL: pass = sc_verify_fail(&g_p); break;
    default: pass = sc_auto_host(&g_p); break;
    }
    uint64_t total = clock_now_ms() - g_start;
    uint32_t peak = stack_peak(&g_painted);
    if (peak < g_max_stack) peak = g_max_stack;

    semi_text("STACK peak=");
    semi_dec(peak);
    semi_text(" bytes (");
    semi_dec(at_paint);
    semi_text(" in use at reset)\nTIME scenario=");
    semi_dec(total);
    semi_text(" ms\n");
    if (!pass) {
        if (g_fail_status >= 0) {
            semi_text("FAILED at ");
            semi_text(g_fail_what);
            semi_text(": ");
            semi_text(mtls_status_str(g_fail_status));
        } else {
            semi_text("FAILED: ");
            semi_text(g_fail_why);
        }
        semi_text("\n");
    }
    semi_text("RESULT ");
    semi_text(name);
    semi_text(pass ? " PASS\n" : " FAIL\n");
    semi_exit(pass ? 0 : 1);
}
