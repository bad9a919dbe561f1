/* A VMO handle is not a channel: nx_channel_write takes an
 * nx_channel_handle_t, so writing "on" a VMO does not compile (the kernel
 * would answer NX_ERR_WRONG_TYPE at run time). */
#include "nexus/syscall.h"
nx_status_t f(nx_vmo_handle_t vmo);
nx_status_t f(nx_vmo_handle_t vmo)
{
    char byte = 'x';
    return nx_channel_write(vmo, &byte, 1, 0, 0, 0);
}
