/* Comparing ids of different kinds is meaningless: it does not compile. */
#include "nexus/types.h"
int f(nx_handle_t h, nx_koid_t k);
int f(nx_handle_t h, nx_koid_t k)
{
    return h == k;
}
