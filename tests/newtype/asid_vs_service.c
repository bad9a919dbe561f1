/* An address-space id is not an endpoint id. */
#include "nexus/types.h"
nx_service_id_t f(nx_asid_t a);
nx_service_id_t f(nx_asid_t a)
{
    nx_service_id_t e = a;
    return e;
}
