/* coalescing: sleepers on one hart with overlapping windows share timer
 * interrupts: the kernel's "programmings avoided" counter grows. */
#include "selftest.h"

static volatile uint64_t deadline_base;

static void sleeper(uintptr_t i)
{
    /* Windows 20 us apart, 2 ms of slack each: all overlap. */
    (void)nx_sleep_until(deadline_base + i * 20u * US, 2 * MS);
}

/* How far ahead the windows start, per round. On hardware the sleepers
 * compete for their hart with every other program's threads (1 ms slices
 * each): on one hart they can start more than 5 ms after they were made,
 * past their deadlines, and then nothing is left to coalesce. A round that
 * shows no coalescing is tried again with a longer lead; a kernel that
 * never coalesces fails them all. The simulator passes the first. */
static const uint64_t lead_ns[] = { 5 * MS, 20 * MS, 60 * MS, 150 * MS };

/* Programmings avoided on `hart` during one round. */
static uint64_t round_avoided(uint32_t hart, uint64_t lead)
{
    uint64_t before = 0;
    (void)nx_kernel_stat(NX_STAT_TIMERS_COALESCED, hart, &before);
    deadline_base = nx_time_now() + lead;
    nx_thread_handle_t t[6];
    for (uint32_t i = 0; i < 6u; i++)
        if (nx_thread_create(sleeper, i, NX_QOS_NORMAL, 1u << hart, &t[i]) != NX_OK)
            nx_thread_exit(verdict("coalescing", "create", i));
    for (uint32_t i = 0; i < 6u; i++) {
        int32_t code;
        if (nx_thread_join(t[i], nx_time_now() + 10000 * MS, &code) != NX_OK)
            nx_thread_exit(verdict("coalescing", "join", i));
        (void)nx_handle_close(t[i]);
    }
    uint64_t after = 0;
    (void)nx_kernel_stat(NX_STAT_TIMERS_COALESCED, hart, &after);
    return after - before;
}

NX_PROGRAM(coalescing)
{
    (void)arg;
    uint32_t hart = nx_hart_id();
    uint64_t avoided = 0;
    for (uint32_t r = 0; r < sizeof lead_ns / sizeof lead_ns[0] && avoided < 3u; r++)
        avoided = round_avoided(hart, lead_ns[r]);
    if (avoided < 3u)
        nx_thread_exit(verdict("coalescing", "programmings avoided", avoided));
    nx_thread_exit(verdict("coalescing", 0, 0));
}
