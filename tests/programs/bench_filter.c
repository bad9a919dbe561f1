/* bench_filter: the null system call (bench_null.h) under one filter
 * whose hart_id rule tests an argument (a0 == 0: a value list of one,
 * decided by nx_filter_check's quick path), the case of a service's
 * profile that tests what it passes. */
#include "bench_null.h"

static nx_test_filter_t profile;

NX_PROGRAM(bench_filter)
{
    (void)arg;
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    nx_test_filter_match(nx_test_filter_rule(&profile, NX_SYS_HART_ID, NX_FILTER_ALLOW, 0), 0,
                         NX_FILTER_EQ, 0, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_TIME_NOW, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_DEBUG_WRITE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_TASK_FILTER_ATTACH, NX_FILTER_ALLOW, 0);
    if (!bench_null_attach(&profile))
        nx_thread_exit(1);
    bench_null_measure("rv64_null_syscall_filter_args");
}
