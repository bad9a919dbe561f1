/* A handle is not a koid. */
#include "nexus/types.h"
nx_koid_t f(nx_handle_t h);
nx_koid_t f(nx_handle_t h)
{
    return h;
}
