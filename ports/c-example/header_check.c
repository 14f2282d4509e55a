/* Compiled as C99, as C99 with -DMTLS_CS_EXTERN, and as C++11 (Makefile). */
#include <string.h>
#include "modemtls.h"

int modemtls_header_check(void);
int modemtls_header_check(void) {
    mtls_config c;
    mtls_port p;
    memset(&c, 0, sizeof c);
    memset(&p, 0, sizeof p);
    return (int)MTLS_OK + (int)MTLS_MODE_AUTO + MTLS_MAX_HOST_LEN + (int)c.port + (p.log == NULL);
}
