/* bench_syscall: the null system call round trip (bench_null.h), then the
 * same with a syscall filter on the task (docs/sysfilter.md): one filter
 * deciding hart_id with no argument to test (the dispatcher's bit test),
 * then a second whose hart_id rule tests an argument (two filters: the
 * stack's general path). bench_filter measures one filter testing an
 * argument. */
#include "bench_null.h"

static nx_test_filter_t profile;

NX_PROGRAM(bench_syscall)
{
    (void)arg;
    bench_null_measure("rv64_null_syscall");
    /* A service's profile: its calls allowed, one denied, the rest too. */
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    (void)nx_test_filter_rule(&profile, NX_SYS_HART_ID, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_TIME_NOW, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_DEBUG_WRITE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_TASK_FILTER_ATTACH, NX_FILTER_ALLOW, 0);
    if (!bench_null_attach(&profile))
        nx_thread_exit(1);
    bench_null_measure("rv64_null_syscall_filter_fixed");
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    nx_test_filter_match(nx_test_filter_rule(&profile, NX_SYS_HART_ID, NX_FILTER_ALLOW, 0), 0,
                         NX_FILTER_EQ, 0, 0);
    if (!bench_null_attach(&profile))
        nx_thread_exit(2);
    bench_null_measure("rv64_null_syscall_filter_stack");
}
