/* The checks of the C tests: CHECK(cond, fmt, ...) counts and reports a
 * failed condition; EXPECT(call, status) checks a call's mtls_status. Each
 * test program includes this once and prints `checks`/`failures` at the
 * end. */
#ifndef CHECK_H
#define CHECK_H

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

#endif
