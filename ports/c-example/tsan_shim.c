/* gcc's ThreadSanitizer runtime (GCC 12) predates two entry points that
 * rustc's (LLVM's) instrumentation calls; LLVM's runtime defines them as
 * its intercepted memcpy/memset/memmove, so forwarding to those is the
 * same check. Compiled with -fno-builtin so the calls stay calls and go
 * through the runtime's interceptors. Linked into the ThreadSanitizer
 * test only. Weak, so a runtime that has them wins. */
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n);
void *__tsan_memset(void *dst, int c, size_t n);
void *__tsan_memmove(void *dst, const void *src, size_t n);

__attribute__((weak)) void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
__attribute__((weak)) void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
__attribute__((weak)) void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
