/* coalescing: sleepers on one hart with overlapping windows share timer
 * interrupts: the kernel's "programmings avoided" counter grows. */
#include "selftest.h"

static volatile uint64_t deadline_base;

static void sleeper(uintptr_t i)
{
    /* Windows 20 us apart, 2 ms of slack each: all overlap. */
    (void)nx_sleep_until(deadline_base + i * 20u * US, 2 * MS);
}

NX_PROGRAM(coalescing)
{
    (void)arg;
    uint32_t hart = nx_hart_id();
    uint64_t before = 0;
    (void)nx_kernel_stat(NX_STAT_TIMERS_COALESCED, hart, &before);
    deadline_base = nx_time_now() + 5 * MS;
    nx_handle_t t[6];
    for (uint32_t i = 0; i < 6u; i++)
        if (nx_thread_create(sleeper, i, NX_QOS_NORMAL, 1u << hart, &t[i]) != NX_OK)
            nx_thread_exit(verdict("coalescing", "create", i));
    for (uint32_t i = 0; i < 6u; i++) {
        int32_t code;
        if (nx_thread_join(t[i], nx_time_now() + 10000 * MS, &code) != NX_OK)
            nx_thread_exit(verdict("coalescing", "join", i));
    }
    uint64_t after = 0;
    (void)nx_kernel_stat(NX_STAT_TIMERS_COALESCED, hart, &after);
    if (after - before < 3u)
        nx_thread_exit(verdict("coalescing", "programmings avoided", after - before));
    nx_thread_exit(verdict("coalescing", 0, 0));
}
