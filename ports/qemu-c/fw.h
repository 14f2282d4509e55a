/* ports/qemu-c: the board support shared by the firmware's files. */
#ifndef QEMU_C_FW_H
#define QEMU_C_FW_H

#include <stddef.h>
#include <stdint.h>

/* ---- board.c: SysTick clock, CMSDK UART0, interrupt masking ---- */

/* Core (and SysTick) clock of the MPS2 FPGA images and of QEMU's model. */
#define CORE_HZ 25000000u

void clock_start(void);
uint64_t clock_now_ms(void);

void uart0_init(uint32_t baud);
/* 0 when all bytes were written, -1 when the transmitter stayed full for 5 s. */
int uart0_write(const uint8_t *data, size_t len);
/* Bytes read (at most len): waits up to timeout_ms for the first, then takes
 * what follows closely; 0 on timeout. */
size_t uart0_read(uint8_t *buf, size_t len, uint32_t timeout_ms);

uint32_t irq_save(void);
void irq_restore(uint32_t primask);

/* ---- semihost.c: ARM semihosting (BKPT 0xAB) ---- */

void semi_text(const char *s);
void semi_write(const char *s, size_t len);
void semi_dec(uint64_t n);
void semi_hex(uint32_t n, unsigned digits);
/* Read host file `name` (relative to QEMU's working directory) into buf.
 * Returns the length, or -1 (open failed), -2 (larger than buf), -3 (read). */
long semi_read_file(const char *name, uint8_t *buf, size_t len);
/* End the QEMU run with this exit status (SYS_EXIT_EXTENDED). */
void semi_exit(int status) __attribute__((noreturn));

/* ---- stack.c: peak stack by painting ---- */

typedef struct {
    uintptr_t bottom, end, top;
    uint32_t at_paint; /* bytes in use from the top of RAM when painted */
} stack_painted;

stack_painted stack_paint(void);
uint32_t stack_peak(const stack_painted *p);

/* ---- test_rng.c: TEST-ONLY ChaCha20 generator (see the file) ---- */

void test_rng_seed(const uint8_t seed[32]);
int test_rng_fill(uint8_t *buf, size_t len);

#endif
