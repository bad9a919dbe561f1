/* A handle that came in a message is untyped: using it as a VMO needs the
 * explicit (greppable) nx_vmo_from_handle, not silence. */
#include "nexus/syscall.h"
nx_status_t f(nx_channel_handle_t ch);
nx_status_t f(nx_channel_handle_t ch)
{
    nx_handle_t got;
    nx_msg_info_t info;
    char buf[8];
    nx_status_t st = nx_channel_read(ch, buf, sizeof buf, &got, 1, &info);
    if (st != NX_OK)
        return st;
    return nx_vmo_read(got, 0, buf, sizeof buf);
}
