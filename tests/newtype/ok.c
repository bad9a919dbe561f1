/* Control: the newtypes used as intended compile cleanly (so the failing
 * snippets fail because of the mix-up they show, not a missing header). */
#include "nexus/types.h"

static nx_koid_t koid_of(nx_handle_t h)
{
    nx_koid_t k = { h.v };
    return k;
}

int main(void)
{
    nx_handle_t h = NX_HANDLE_INVALID;
    nx_koid_t k = koid_of(h);
    nx_task_id_t t = { 1 };
    nx_thread_id_t th = { 2 };
    nx_hart_id_t hart = { 0 };
    nx_asid_t as = { 3 };
    nx_irq_id_t irq = { 10 };
    nx_service_id_t ep = { 4 };
    return (int)(k.v + t.v + th.v + hart.v + as.v + irq.v + ep.v) + nx_handle_is_valid(h);
}
