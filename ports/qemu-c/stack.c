/* Peak stack by painting (the same method and constants as
 * ports/qemu-rust/src/stack.rs): stack_paint() fills the free RAM below the
 * caller's stack pointer (down to WINDOW below the top of RAM, or the end of
 * .bss) with a pattern; stack_peak() finds the lowest word that no longer
 * holds it. The distance from the top of RAM to that word is the most stack
 * used since the painting, interrupts included. */
#include "fw.h"

#define PATTERN 0xC0DE5AFEu
/* Bytes below the caller's stack pointer left unpainted (the painting
 * code's own frame; counted as used by stack_peak anyway). */
#define MARGIN 256u
/* Only the top 256 KiB of RAM are painted. */
#define WINDOW (256u * 1024u)

extern uint32_t __ram_free;
extern uint32_t __stack_top;

__attribute__((noinline)) stack_painted stack_paint(void) {
    stack_painted p;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    p.top = (uintptr_t)&__stack_top;
    p.bottom = (uintptr_t)&__ram_free;
    if (p.top - WINDOW > p.bottom) p.bottom = p.top - WINDOW;
    p.bottom = (p.bottom + 3u) & ~(uintptr_t)3u;
    p.end = sp - MARGIN > p.bottom ? sp - MARGIN : p.bottom;
    for (uintptr_t a = p.bottom; a + 4u <= p.end; a += 4u) *(volatile uint32_t *)a = PATTERN;
    p.at_paint = (uint32_t)(p.top - sp);
    return p;
}

uint32_t stack_peak(const stack_painted *p) {
    uintptr_t low = p->bottom;
    while (low + 4u <= p->end && *(volatile const uint32_t *)low == PATTERN) low += 4u;
    return (uint32_t)(p->top - low);
}
