/* Passing a koid where a handle is expected. */
#include "nexus/types.h"
int close_it(nx_handle_t h);
int g(nx_koid_t k);
int g(nx_koid_t k)
{
    return close_it(k);
}
