/* A channel endpoint is not a VMO: nx_vmo_read refuses it at compile time. */
#include "nexus/syscall.h"
nx_status_t f(nx_channel_handle_t ch);
nx_status_t f(nx_channel_handle_t ch)
{
    char buf[8];
    return nx_vmo_read(ch, 0, buf, sizeof buf);
}
