/* Handles are opaque: no arithmetic ("the next handle" does not exist). */
#include "nexus/types.h"
nx_handle_t f(nx_handle_t h);
nx_handle_t f(nx_handle_t h)
{
    return h + 1;
}
