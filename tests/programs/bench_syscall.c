/* bench_syscall: the null system call round trip (hart_id: no work in the
 * kernel), timed with the clock. Under QEMU with -icount shift=0 one guest
 * instruction is one ns, so the figure is guest instructions per call. */
#include "selftest.h"

#define CALLS 20000u

NX_PROGRAM(bench_syscall)
{
    (void)arg;
    uint64_t t0 = nx_time_now();
    for (uint32_t i = 0; i < CALLS; i++)
        (void)nx_syscall(NX_SYS_HART_ID, 0, 0, 0, 0, 0, 0);
    uint64_t t1 = nx_time_now();
    char line[96];
    uint32_t n = 0;
    put(line, &n, sizeof line, "BENCH rv64_null_syscall guest_instr_per_op=");
    put_u(line, &n, sizeof line, (t1 - t0) / CALLS);
    put(line, &n, sizeof line, "\n");
    (void)nx_debug_write(line, n);
}
