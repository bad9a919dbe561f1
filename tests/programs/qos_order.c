/* qos_order: on one hart, an Interactive, a Normal and an Idle thread with
 * the same work finish in class order, whatever order they were made in. */
#include "nexus/start.h"
#include "selftest.h"

static volatile uint32_t order[3];
static volatile uint32_t finished;

static void work(uintptr_t id)
{
    for (int i = 0; i < 20; i++)
        nx_compute(100 * US);
    order[finished++] = (uint32_t)id; /* one hart: no race */
}

/* One race of the three on hart `me`: the order, as 100s 10s 1s of ids. */
static int32_t race(uint32_t me, uint32_t *got)
{
    static const nx_qos_t cls[3] = { NX_QOS_IDLE, NX_QOS_NORMAL, NX_QOS_INTERACTIVE };
    nx_thread_handle_t t[3];
    finished = 0;
    /* This thread (Interactive, set by the bundle, pinned to `me`) makes
     * them all before any runs: none runs until it joins. */
    for (uint32_t i = 0; i < 3u; i++)
        if (nx_thread_create(work, i, cls[i], 1u << me, &t[i]) != NX_OK)
            return verdict("qos_order", "create", i);
    for (uint32_t i = 0; i < 3u; i++) {
        int32_t code;
        if (nx_thread_join(t[i], nx_time_now() + 10000 * MS, &code) != NX_OK)
            return verdict("qos_order", "join", i);
        (void)nx_handle_close(t[i]);
    }
    *got = order[0] * 100u + order[1] * 10u + order[2];
    return 0;
}

NX_PROGRAM(qos_order)
{
    (void)arg;
    /* Stay on one hart: a creator moved elsewhere would let the first
     * threads run before the Interactive one exists. */
    uint32_t me = nx_hart_id();
    nx_status_t st = nx_thread_set_affinity(NX_START_SELF_THREAD, 1u << me, NX_TASK_HANDLE_INVALID);
    if (st != NX_OK)
        nx_thread_exit(verdict("qos_order", "pinning itself", (uint64_t)-st));
    if (nx_hart_id() != me)
        nx_thread_exit(verdict("qos_order", "still runs elsewhere after pinning", nx_hart_id()));
    /* The race is 6 ms of work. One that took half the Interactive budget
     * was stalled by the host (QEMU stops vCPUs for hundreds of ms), and a
     * stall near the budget is charged to the Interactive thread, which
     * the budget then rightly demotes. Only a race shorter than that
     * judges the order; 5 stalled in a row is a failure of its own. */
    uint32_t got = 0;
    for (uint32_t attempt = 0; attempt < 5u; attempt++) {
        uint64_t start = nx_time_now();
        int32_t failed = race(me, &got);
        if (failed != 0)
            nx_thread_exit(failed);
        if (got == 210u)
            nx_thread_exit(verdict("qos_order", 0, 0));
        if (nx_time_now() - start < NX_QOS_INTERACTIVE_BUDGET_NS / 2u)
            nx_thread_exit(verdict("qos_order", "order (Interactive Normal Idle = 210)", got));
    }
    nx_thread_exit(
        verdict("qos_order", "every race stalled past half the Interactive budget", got));
}
