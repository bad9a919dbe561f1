/* bench_yield: a thread switch between two user threads on one hart, each
 * yielding to the other; timed with the clock (guest instructions per
 * switch under QEMU -icount shift=0). */
#include "selftest.h"

#define YIELDS 10000u

static void yielder(uintptr_t arg)
{
    (void)arg;
    for (uint32_t i = 0; i < YIELDS; i++)
        nx_yield();
}

NX_PROGRAM(bench_yield)
{
    (void)arg;
    uint32_t hart = 1u << nx_hart_id();
    nx_thread_handle_t a, b;
    uint64_t t0 = nx_time_now();
    if (nx_thread_create(yielder, 0, NX_QOS_NORMAL, hart, &a) != NX_OK ||
        nx_thread_create(yielder, 1, NX_QOS_NORMAL, hart, &b) != NX_OK)
        nx_thread_exit(1);
    int32_t code;
    (void)nx_thread_join(a, nx_time_now() + 50000 * MS, &code);
    (void)nx_thread_join(b, nx_time_now() + 50000 * MS, &code);
    uint64_t t1 = nx_time_now();
    char line[96];
    uint32_t n = 0;
    put(line, &n, sizeof line, "BENCH rv64_yield_switch guest_instr_per_op=");
    put_u(line, &n, sizeof line, (t1 - t0) / (2u * YIELDS));
    put(line, &n, sizeof line, "\n");
    (void)nx_debug_write(line, n);
}
