/* Reset and exception vectors (no crt0: the firmware is linked with
 * -nostartfiles and link.ld). Reset_Handler copies .data from flash,
 * zeroes .bss, enables the FPU on the Cortex-M4F build and calls main().
 * Faults print a line over semihosting and end the run with status 3. */
#include <stdint.h>

#include "fw.h"

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern uint32_t __stack_top;

int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);
static void Fault_Handler(void);
static void Default_Handler(void);

typedef void (*vector)(void);

/* ARMv7-M vector table: initial SP, then the 15 system exceptions. No
 * device interrupt is used (the UART is polled). */
struct vector_table {
    uint32_t *initial_sp;
    vector exceptions[15];
};

__attribute__((section(".vector_table"), used)) const struct vector_table vector_table = {
    &__stack_top,
    {
        Reset_Handler,   /* 1 Reset */
        Default_Handler, /* 2 NMI */
        Fault_Handler,   /* 3 HardFault */
        Fault_Handler,   /* 4 MemManage */
        Fault_Handler,   /* 5 BusFault */
        Fault_Handler,   /* 6 UsageFault */
        0, 0, 0, 0,      /* 7-10 reserved */
        Default_Handler, /* 11 SVCall */
        Default_Handler, /* 12 DebugMonitor */
        0,               /* 13 reserved */
        Default_Handler, /* 14 PendSV */
        SysTick_Handler, /* 15 SysTick */
    },
};

void Reset_Handler(void) {
    volatile uint32_t *src = &__data_load;
    for (volatile uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
    for (volatile uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to CP10/CP11 (the FPU) before any FP instruction. */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    int rc = main();
    semi_exit(rc);
}

static void Fault_Handler(void) {
    uint32_t cfsr = *(volatile uint32_t *)0xE000ED28u;
    semi_text("FAULT (CFSR 0x");
    semi_hex(cfsr, 8);
    semi_text(")\nRESULT ? FAIL\n");
    semi_exit(3);
}

static void Default_Handler(void) {
    semi_text("unexpected exception\nRESULT ? FAIL\n");
    semi_exit(3);
}
