/* A duplicate is of the kind it was made from: duplicating a VMO into an
 * event handle does not compile (the generic call keeps the kind). */
#include "nexus/syscall.h"
nx_status_t f(nx_vmo_handle_t vmo, nx_event_handle_t *out);
nx_status_t f(nx_vmo_handle_t vmo, nx_event_handle_t *out)
{
    return nx_handle_duplicate(vmo, NX_RIGHTS_SAME, out);
}
