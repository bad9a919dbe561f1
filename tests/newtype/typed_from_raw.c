/* An untyped handle does not become a typed one by assignment: only
 * nx_K_from_handle says "this is a K". */
#include "nexus/syscall.h"
nx_channel_handle_t f(nx_handle_t h);
nx_channel_handle_t f(nx_handle_t h)
{
    nx_channel_handle_t ch = h;
    return ch;
}
