/* affinity: threads with masks of two harts report every hart they ran on;
 * none ran outside its mask. One is narrowed to a single hart while it
 * runs: from the step after it saw that happen, it ran only there. */
#include "selftest.h"

static volatile uint32_t used[8];
static volatile uint32_t used_after;
static volatile uint32_t narrowed;

static void worker(uintptr_t i)
{
    for (int k = 0; k < 40; k++) {
        /* Seen before the step: the migration IPI was sent before the flag
         * was set, so it is taken during the step at the latest. */
        uint32_t after = narrowed;
        nx_compute(100 * US);
        uint32_t hart = 1u << nx_hart_id();
        used[i] |= hart;
        if (after != 0u && i == 0u) /* thread 0 is the narrowed one */
            used_after |= hart;
        if (k % 4 == 0)
            nx_yield();
    }
}

NX_PROGRAM(affinity)
{
    (void)arg;
    for (uint32_t i = 0; i < 8u; i++) /* globals outlive a simulated run */
        used[i] = 0;
    used_after = 0;
    narrowed = 0;
    uint32_t online = online_harts();
    uint32_t harts[8], n = 0;
    for (uint32_t h = 0; h < 32u && n < 8u; h++)
        if ((online & (1u << h)) != 0u)
            harts[n++] = h;
    nx_thread_handle_t t[8];
    uint32_t mask[8];
    for (uint32_t i = 0; i < 8u; i++) {
        mask[i] = (1u << harts[i % n]) | (1u << harts[(i + 1u) % n]);
        if (nx_thread_create(worker, i, NX_QOS_NORMAL, mask[i], &t[i]) != NX_OK)
            nx_thread_exit(verdict("affinity", "create", i));
    }
    nx_compute(1 * MS);
    uint32_t one = 1u << harts[1u % n];
    nx_status_t st = nx_thread_set_affinity(t[0], one, NX_TASK_HANDLE_INVALID);
    if (st != NX_OK && st != NX_ERR_THREAD_EXITED) /* it may be done already */
        nx_thread_exit(verdict("affinity", "narrowing refused", (uint64_t)-st));
    narrowed = 1;
    for (uint32_t i = 0; i < 8u; i++) {
        int32_t code;
        if (nx_thread_join(t[i], nx_time_now() + 10000 * MS, &code) != NX_OK)
            nx_thread_exit(verdict("affinity", "join", i));
        if ((used[i] & ~mask[i]) != 0u)
            nx_thread_exit(verdict("affinity", "ran outside its mask", used[i]));
        (void)nx_handle_close(t[i]);
    }
    if ((used_after & ~one) != 0u)
        nx_thread_exit(verdict("affinity", "ran outside its narrowed mask", used_after));
    nx_thread_exit(verdict("affinity", 0, 0));
}
