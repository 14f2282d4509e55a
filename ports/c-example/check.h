/* What the C tests share: CHECK(cond, fmt, ...) counts and reports a
 * failed condition; EXPECT(call, status) checks a call's mtls_status (each
 * test program includes this once and prints `checks`/`failures` at the
 * end); load_file() reads a CA file. */
#ifndef CHECK_H
#define CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "modemtls.h"

static int failures;
static int checks;

#define CHECK(cond, ...)                                          \
    do {                                                          \
        checks++;                                                 \
        if (!(cond)) {                                            \
            failures++;                                           \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                         \
            fputc('\n', stderr);                                  \
        }                                                         \
    } while (0)

#define EXPECT(call, want)                                                              \
    do {                                                                                \
        mtls_status got_ = (call);                                                      \
        CHECK(got_ == (want), "%s\n    -> %s\n    want %s", #call,                      \
              mtls_status_str((int32_t)got_), mtls_status_str((int32_t)(want)));        \
    } while (0)

/* Read the file at `path` into `buf` (at most `cap` bytes); 0 when it
 * gave at least one byte, with the count in *len. */
static int load_file(const char *path, uint8_t *buf, size_t cap, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    *len = fread(buf, 1, cap, f);
    fclose(f);
    return *len > 0 ? 0 : -1;
}

#endif
