/* A create call gives its own kind: channel_create cannot fill VMO handles. */
#include "nexus/syscall.h"
nx_status_t f(nx_vmo_handle_t *a, nx_vmo_handle_t *b);
nx_status_t f(nx_vmo_handle_t *a, nx_vmo_handle_t *b)
{
    return nx_channel_create(a, b);
}
