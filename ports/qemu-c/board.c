/* Board support for QEMU mps2-an385 / mps2-an386: the SysTick millisecond
 * clock, the polled CMSDK APB UART0 and PRIMASK interrupt masking (also the
 * critical section the bare-metal libmodemtls.a asks the firmware for).
 *
 * UART0 (CMSDK APB UART at 0x40004000) is connected by QEMU to the first
 * -serial backend, which the runner sets to tcp:127.0.0.1:<simulator port>.
 * Registers (ARM Cortex-M System Design Kit TRM, "APB UART"):
 *   0x000 DATA    7:0 byte in/out
 *   0x004 STATE   0 TX full, 1 RX full, 2/3 TX/RX overrun (write 1 to clear)
 *   0x008 CTRL    0 TX enable, 1 RX enable
 *   0x010 BAUDDIV divisor of the 25 MHz APB clock, >= 16
 * The RX side holds one byte; QEMU hands the UART the next byte only once
 * the last one was read, so polling loses nothing (the rest waits in the
 * TCP socket).
 *
 * Clock: SysTick from the core clock (25 MHz), reload 25000 - 1, one
 * interrupt per millisecond into a 64-bit counter (same choice and reasons
 * as ports/qemu-rust/src/clock.rs). */
#include "fw.h"
#include "modemtls.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define UART0_BASE 0x40004000u
#define UART_DATA REG32(UART0_BASE + 0x000u)
#define UART_STATE REG32(UART0_BASE + 0x004u)
#define UART_CTRL REG32(UART0_BASE + 0x008u)
#define UART_BAUDDIV REG32(UART0_BASE + 0x010u)
#define STATE_TX_FULL (1u << 0)
#define STATE_RX_FULL (1u << 1)
#define STATE_OVERRUNS ((1u << 2) | (1u << 3))
#define CTRL_TX_EN (1u << 0)
#define CTRL_RX_EN (1u << 1)
/* APB clock of the MPS2 images. */
#define PCLK_HZ 25000000u
/* Empty polls of STATE that end a burst once a byte was read (a few us). */
#define BURST_IDLE_POLLS 2000u

#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

static volatile uint64_t g_millis;

uint32_t irq_save(void) {
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

void irq_restore(uint32_t primask) { __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory"); }

/* The critical section of libmodemtls.a built with `capi-cs-extern`
 * (include/modemtls.h, MTLS_CS_EXTERN). Single core: mask interrupts. */
uint32_t mtls_critical_enter(void) { return irq_save(); }
void mtls_critical_exit(uint32_t state) { irq_restore(state); }

void SysTick_Handler(void) { g_millis = g_millis + 1u; }

void clock_start(void) {
    SYST_CSR = 0;
    SYST_RVR = CORE_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint64_t clock_now_ms(void) {
    uint32_t p = irq_save(); /* a 64-bit read is two loads */
    uint64_t v = g_millis;
    irq_restore(p);
    return v;
}

void uart0_init(uint32_t baud) {
    uint32_t div = PCLK_HZ / (baud ? baud : 1u);
    UART_CTRL = 0;
    UART_BAUDDIV = div < 16u ? 16u : div;
    UART_STATE = STATE_OVERRUNS;
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN;
}

int uart0_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        /* A stuck transmitter (QEMU's backend gone) must not hang us. */
        uint64_t deadline = clock_now_ms() + 5000u;
        while (UART_STATE & STATE_TX_FULL) {
            if (clock_now_ms() > deadline) return -1;
        }
        UART_DATA = data[i];
    }
    return 0;
}

static int try_read_byte(uint8_t *out) {
    uint32_t state = UART_STATE;
    if (state & STATE_OVERRUNS) UART_STATE = STATE_OVERRUNS; /* not under QEMU */
    if (state & STATE_RX_FULL) {
        *out = (uint8_t)(UART_DATA & 0xFFu);
        return 1;
    }
    return 0;
}

size_t uart0_read(uint8_t *buf, size_t len, uint32_t timeout_ms) {
    if (len == 0) return 0;
    uint64_t deadline = clock_now_ms() + timeout_ms;
    while (!try_read_byte(&buf[0])) {
        if (clock_now_ms() >= deadline) return 0;
    }
    size_t n = 1;
    uint32_t idle = 0;
    while (n < len && idle < BURST_IDLE_POLLS) {
        if (try_read_byte(&buf[n])) {
            n++;
            idle = 0;
        } else {
            idle++;
        }
    }
    return n;
}
