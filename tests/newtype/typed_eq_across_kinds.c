/* Two typed handles of different kinds are never equal: the kind's
 * equality takes two of that kind, so comparing a channel with a VMO does
 * not compile (== on handles does not compile at all: compare_handle_koid). */
#include "nexus/syscall.h"
bool f(nx_channel_handle_t ch, nx_vmo_handle_t vmo);
bool f(nx_channel_handle_t ch, nx_vmo_handle_t vmo)
{
    return nx_channel_eq(ch, vmo);
}
