/* A handle cannot be conjured from an integer. */
#include "nexus/types.h"
nx_handle_t f(void);
nx_handle_t f(void)
{
    nx_handle_t h = 0x101u;
    return h;
}
