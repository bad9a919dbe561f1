/* every_hart: a thread pinned to each online hart runs there and only
 * there, and exits with a code its creator collects. */
#include "selftest.h"

static volatile uint32_t ran_on[32];

static void pinned(uintptr_t hart)
{
    uint32_t seen = 0;
    for (int i = 0; i < 20; i++) {
        nx_compute(50 * US);
        seen |= 1u << nx_hart_id();
        if (i % 5 == 0)
            nx_yield();
    }
    ran_on[hart] = seen;
    nx_thread_exit((int32_t)hart + 100);
}

NX_PROGRAM(every_hart)
{
    (void)arg;
    for (uint32_t i = 0; i < 32u; i++) /* globals outlive a simulated run */
        ran_on[i] = 0;
    uint32_t online = online_harts();
    nx_thread_handle_t h[32];
    for (uint32_t i = 0; i < 32u; i++) {
        if ((online & (1u << i)) == 0u)
            continue;
        nx_status_t st = nx_thread_create(pinned, i, NX_QOS_NORMAL, 1u << i, &h[i]);
        if (st != NX_OK)
            nx_thread_exit(verdict("every_hart", "create", (uint64_t)-st));
    }
    for (uint32_t i = 0; i < 32u; i++) {
        if ((online & (1u << i)) == 0u)
            continue;
        int32_t code = -1;
        nx_status_t st = nx_thread_join(h[i], nx_time_now() + 10000 * MS, &code);
        if (st != NX_OK || code != (int32_t)i + 100)
            nx_thread_exit(verdict("every_hart", "join", i));
        if (ran_on[i] != (1u << i))
            nx_thread_exit(verdict("every_hart", "ran outside its hart", ran_on[i]));
        (void)nx_handle_close(h[i]);
    }
    nx_thread_exit(verdict("every_hart", 0, 0));
}
