/* ipis: both IPI classes are counted: the boot's correctness IPIs, and a
 * best-effort nudge for each class change of a thread on another hart. */
#include "nexus/start.h"
#include "selftest.h"

static volatile uint32_t stop;

static void spinner(uintptr_t arg)
{
    (void)arg;
    while (stop == 0u)
        nx_compute(200 * US);
}

NX_PROGRAM(ipis)
{
    (void)arg;
    stop = 0; /* globals outlive a simulated run */
    /* Correctness IPIs: the boot's ipi selftest sent some on every
     * machine (a hart to itself included), and the counter kept them. */
    if (stat_sum(NX_STAT_IPI_SENT_CORRECTNESS) == 0u)
        nx_thread_exit(verdict("ipis", "no correctness IPI counted", 0));
    uint32_t online = online_harts(), me = nx_hart_id(), other = me;
    for (uint32_t h = 0; h < 32u; h++)
        if ((online & (1u << h)) != 0u && h != me)
            other = h;
    if (other == me)
        nx_thread_exit(verdict("ipis", 0, 0)); /* one hart: no nudge to send */
    uint64_t b0 = stat_sum(NX_STAT_IPI_SENT_BEST_EFFORT) + stat_sum(NX_STAT_IPI_COALESCED) +
                  stat_sum(NX_STAT_IPI_THROTTLED);
    /* Best effort: lowering the class of threads queued or running on
     * another hart nudges it (each nudge is sent, coalesced or throttled:
     * counted either way). Lowering needs no authority. */
    nx_thread_handle_t s[8];
    for (uint32_t i = 0; i < 8u; i++)
        if (nx_thread_create(spinner, i, NX_QOS_NORMAL, 1u << other, &s[i]) != NX_OK)
            nx_thread_exit(verdict("ipis", "spinner", i));
    /* Stay on `me`: a setter that moved to `other` would mark its own
     * hart for a reschedule, no IPI (narrowing needs no authority; after
     * the spinners: a thread may not create one wider than itself). */
    nx_status_t st = nx_thread_set_affinity(NX_START_SELF_THREAD, 1u << me, NX_TASK_HANDLE_INVALID);
    if (st != NX_OK)
        nx_thread_exit(verdict("ipis", "pinning itself", (uint64_t)-st));
    if (nx_hart_id() != me)
        nx_thread_exit(verdict("ipis", "still runs elsewhere after pinning", nx_hart_id()));
    nx_compute(1 * MS);
    for (uint32_t i = 0; i < 8u; i++) {
        (void)nx_thread_set_qos(s[i], NX_QOS_IDLE, NX_TASK_HANDLE_INVALID);
        nx_compute(50 * US);
    }
    stop = 1;
    for (uint32_t i = 0; i < 8u; i++) {
        int32_t code;
        (void)nx_thread_join(s[i], nx_time_now() + 10000 * MS, &code);
        (void)nx_handle_close(s[i]);
    }
    uint64_t b1 = stat_sum(NX_STAT_IPI_SENT_BEST_EFFORT) + stat_sum(NX_STAT_IPI_COALESCED) +
                  stat_sum(NX_STAT_IPI_THROTTLED);
    if (b1 - b0 < 8u)
        nx_thread_exit(verdict("ipis", "best-effort IPIs counted", b1 - b0));
    nx_thread_exit(verdict("ipis", 0, 0));
}
