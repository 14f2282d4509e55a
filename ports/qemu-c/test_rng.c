/* ======================================================================
 *  TEST-ONLY RANDOM NUMBER GENERATOR.  NOT AN ENTROPY SOURCE.  DO NOT SHIP.
 * ======================================================================
 *
 * QEMU's MPS2 machines have no hardware RNG. For the host TLS path (the
 * auto-host scenario) this firmware gives libmodemtls a ChaCha20 keystream
 * (RFC 8439 block function, nonce 0, 64-bit block counter) keyed with 32
 * bytes that the RUNNER draws from the host's /dev/urandom and writes to
 * params.txt (`seed=`). The seed travels in a file: anyone who reads it can
 * recompute every key of the session. A real device must use its TRNG (or
 * a DRBG seeded from it, or the modem's entropy) and never a file, a
 * constant, the clock or a counter.
 *
 * Without a seed test_rng_fill() fails, so the library's `random` callback
 * fails and mtls_connect() returns MTLS_ERR_RANDOM_FAILED; the firmware
 * also refuses to start host TLS (and does not even register the callback)
 * when params.txt has no seed. There is no constant-seed fallback. */
#include <string.h>

#include "fw.h"

static uint32_t g_key[8];
static uint64_t g_counter;
static uint8_t g_block[64];
static size_t g_pos = sizeof g_block;
static int g_seeded;

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                 \
    do {                               \
        a += b; d ^= a; d = ROTL(d, 16); \
        c += d; b ^= c; b = ROTL(b, 12); \
        a += b; d ^= a; d = ROTL(d, 8);  \
        c += d; b ^= c; b = ROTL(b, 7);  \
    } while (0)

static void chacha20_block(void) {
    uint32_t in[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};
    uint32_t x[16];
    memcpy(&in[4], g_key, sizeof g_key);
    in[12] = (uint32_t)g_counter;
    in[13] = (uint32_t)(g_counter >> 32);
    in[14] = 0;
    in[15] = 0;
    memcpy(x, in, sizeof x);
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + in[i];
        g_block[4 * i + 0] = (uint8_t)v;
        g_block[4 * i + 1] = (uint8_t)(v >> 8);
        g_block[4 * i + 2] = (uint8_t)(v >> 16);
        g_block[4 * i + 3] = (uint8_t)(v >> 24);
    }
    g_counter++;
    g_pos = 0;
}

void test_rng_seed(const uint8_t seed[32]) {
    for (int i = 0; i < 8; i++)
        g_key[i] = (uint32_t)seed[4 * i] | (uint32_t)seed[4 * i + 1] << 8 | (uint32_t)seed[4 * i + 2] << 16 |
                   (uint32_t)seed[4 * i + 3] << 24;
    g_counter = 0;
    g_pos = sizeof g_block;
    g_seeded = 1;
}

int test_rng_fill(uint8_t *buf, size_t len) {
    if (!g_seeded) return -1; /* never a constant-seed fallback */
    while (len > 0) {
        if (g_pos == sizeof g_block) chacha20_block();
        size_t n = sizeof g_block - g_pos;
        if (n > len) n = len;
        memcpy(buf, &g_block[g_pos], n);
        g_pos += n;
        buf += n;
        len -= n;
    }
    return 0;
}
