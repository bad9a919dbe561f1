/* The calls on any kind of handle take handles, typed or not, and nothing
 * else: closing a koid does not compile. */
#include "nexus/syscall.h"
nx_status_t f(nx_koid_t k);
nx_status_t f(nx_koid_t k)
{
    return nx_handle_close(k);
}
