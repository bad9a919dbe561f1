/* bench_syscall: the null system call round trip (hart_id: no work in the
 * kernel), timed with the clock. Under QEMU with -icount shift=0 one guest
 * instruction is one ns, so the figure is guest instructions per call.
 * Then the same with a syscall filter on the task (docs/sysfilter.md):
 * one filter deciding hart_id with no argument to test (the dispatcher's
 * bit test), then a second whose hart_id rule tests an argument (the
 * check proper, the stack's general path). */
#include "nexus/start.h"
#include "selftest.h"
#include "sysfilter_blob.h"

#define CALLS 20000u

static nx_test_filter_t profile;

static void measure(const char *name)
{
    uint64_t t0 = nx_time_now();
    for (uint32_t i = 0; i < CALLS; i++)
        (void)nx_syscall(NX_SYS_HART_ID, 0, 0, 0, 0, 0, 0);
    uint64_t t1 = nx_time_now();
    char line[96];
    uint32_t n = 0;
    put(line, &n, sizeof line, "BENCH ");
    put(line, &n, sizeof line, name);
    put(line, &n, sizeof line, " guest_instr_per_op=");
    put_u(line, &n, sizeof line, (t1 - t0) / CALLS);
    put(line, &n, sizeof line, "\n");
    (void)nx_debug_write(line, n);
}

static bool attach(void)
{
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES]; /* the program's memory: its stack */
    size_t n = nx_test_filter_pack(&profile, blob);
    return nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0) == NX_OK;
}

NX_PROGRAM(bench_syscall)
{
    (void)arg;
    measure("rv64_null_syscall");
    /* A service's profile: its calls allowed, one denied, the rest too. */
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    (void)nx_test_filter_rule(&profile, NX_SYS_HART_ID, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_TIME_NOW, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_DEBUG_WRITE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_TASK_FILTER_ATTACH, NX_FILTER_ALLOW, 0);
    if (!attach())
        nx_thread_exit(1);
    measure("rv64_null_syscall_filter_fixed");
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    nx_test_filter_match(nx_test_filter_rule(&profile, NX_SYS_HART_ID, NX_FILTER_ALLOW, 0), 0,
                         NX_FILTER_EQ, 0, 0);
    if (!attach())
        nx_thread_exit(2);
    measure("rv64_null_syscall_filter_args");
}
