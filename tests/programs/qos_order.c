/* qos_order: on one hart, an Interactive, a Normal and an Idle thread with
 * the same work finish in class order, whatever order they were made in. */
#include "selftest.h"

static volatile uint32_t order[3];
static volatile uint32_t finished;

static void work(uintptr_t id)
{
    for (int i = 0; i < 20; i++)
        nx_compute(100 * US);
    order[finished++] = (uint32_t)id; /* one hart: no race */
}

NX_PROGRAM(qos_order)
{
    (void)arg;
    finished = 0;                       /* globals outlive a simulated run: start clean */
    uint32_t hart = 1u << nx_hart_id(); /* stay together, on this one */
    static const nx_qos_t cls[3] = { NX_QOS_IDLE, NX_QOS_NORMAL, NX_QOS_INTERACTIVE };
    nx_thread_handle_t t[3];
    /* This thread (Interactive, set by the bundle) makes them all before
     * any runs: it does not wait until it joins. */
    for (uint32_t i = 0; i < 3u; i++)
        if (nx_thread_create(work, i, cls[i], hart, &t[i]) != NX_OK)
            nx_thread_exit(verdict("qos_order", "create", i));
    for (uint32_t i = 0; i < 3u; i++) {
        int32_t code;
        if (nx_thread_join(t[i], nx_time_now() + 10000 * MS, &code) != NX_OK)
            nx_thread_exit(verdict("qos_order", "join", i));
    }
    if (order[0] != 2u || order[1] != 1u || order[2] != 0u)
        nx_thread_exit(verdict("qos_order", "order (Interactive Normal Idle = 210)",
                               order[0] * 100u + order[1] * 10u + order[2]));
    nx_thread_exit(verdict("qos_order", 0, 0));
}
