/* ARM semihosting (BKPT 0xAB, operation in r0, argument block in r1), as
 * QEMU implements it with -semihosting-config enable=on,target=native:
 * the log goes to QEMU's stdout (":tt" opened for writing), params.txt and
 * ca.pem are read from QEMU's working directory (the runner writes them
 * there), and SYS_EXIT_EXTENDED ends QEMU with the firmware's exit status.
 * Without a semihosting host a BKPT faults, so this firmware only runs
 * under the runner (or a debugger with semihosting on). */
#include <string.h>

#include "fw.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_FLEN 0x0C
#define SYS_EXIT_EXTENDED 0x20
#define OPEN_MODE_RB 1 /* "rb" */
#define OPEN_MODE_W 4  /* "w": ":tt" for writing is the host's stdout */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t semi_call(int32_t op, const void *arg) {
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static int32_t g_stdout = -1;

void semi_write(const char *s, size_t len) {
    if (g_stdout < 0) {
        static const char tt[] = ":tt";
        uint32_t a[3] = {(uint32_t)(uintptr_t)tt, OPEN_MODE_W, sizeof tt - 1};
        g_stdout = semi_call(SYS_OPEN, a);
        if (g_stdout < 0) return;
    }
    uint32_t a[3] = {(uint32_t)g_stdout, (uint32_t)(uintptr_t)s, (uint32_t)len};
    (void)semi_call(SYS_WRITE, a);
}

void semi_text(const char *s) { semi_write(s, strlen(s)); }

void semi_dec(uint64_t n) {
    char buf[21];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + (unsigned)(n % 10u));
        n /= 10u;
    } while (n != 0 && i > 0);
    semi_write(&buf[i], sizeof buf - i);
}

void semi_hex(uint32_t n, unsigned digits) {
    static const char hex[] = "0123456789abcdef";
    char buf[8];
    if (digits == 0 || digits > 8) digits = 8;
    for (unsigned i = 0; i < digits; i++) buf[digits - 1 - i] = hex[(n >> (4 * i)) & 0xFu];
    semi_write(buf, digits);
}

long semi_read_file(const char *name, uint8_t *buf, size_t len) {
    uint32_t open_args[3] = {(uint32_t)(uintptr_t)name, OPEN_MODE_RB, (uint32_t)strlen(name)};
    int32_t fd = semi_call(SYS_OPEN, open_args);
    if (fd < 0) return -1;
    uint32_t fd_arg[1] = {(uint32_t)fd};
    int32_t flen = semi_call(SYS_FLEN, fd_arg);
    long result;
    if (flen < 0) {
        result = -3;
    } else if ((size_t)flen > len) {
        result = -2;
    } else {
        uint32_t read_args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)flen};
        /* Returns the number of bytes NOT read. */
        uint32_t not_read = (uint32_t)semi_call(SYS_READ, read_args);
        result = not_read > (uint32_t)flen ? -3 : (long)((uint32_t)flen - not_read);
    }
    (void)semi_call(SYS_CLOSE, fd_arg);
    return result;
}

void semi_exit(int status) {
    /* SYS_EXIT_EXTENDED: {reason, subcode}; QEMU exits with `subcode` when
     * the reason is ADP_Stopped_ApplicationExit (plain SYS_EXIT on AArch32
     * only carries the reason, i.e. pass/fail). */
    uint32_t a[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    (void)semi_call(SYS_EXIT_EXTENDED, a);
    for (;;) __asm__ volatile("wfi"); /* only without a semihosting host */
}
