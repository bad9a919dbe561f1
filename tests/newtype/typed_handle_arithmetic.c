/* A typed handle is as opaque as an untyped one: no "next VMO". */
#include "nexus/syscall.h"
nx_vmo_handle_t f(nx_vmo_handle_t vmo);
nx_vmo_handle_t f(nx_vmo_handle_t vmo)
{
    return vmo + 1;
}
