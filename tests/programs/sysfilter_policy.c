/* sysfilter_policy: a policy service filtering another program's task: it
 * holds MANAGE on its fellows' tasks, sysfilter_target's first
 * (NX_START_MANAGED_TASK(0), bundle.def), and attaches a profile that
 * denies that task kernel_stat and allows the rest; replacing it again
 * (a loosening) is refused. */
#include "nexus/start.h"
#include "selftest.h"
#include "sysfilter_blob.h"

#define NAME "sysfilter_policy"

static nx_test_filter_t profile;

NX_PROGRAM(sysfilter_policy)
{
    (void)arg;
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_KERNEL_STAT, NX_FILTER_DENY,
                              NX_ERR_DENIED_BY_FILTER);
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES]; /* the program's memory: its stack */
    size_t n = nx_test_filter_pack(&profile, blob);
    nx_status_t st = nx_task_filter_attach(NX_START_MANAGED_TASK(0), blob, n, 0);
    if (st != NX_OK)
        nx_thread_exit(verdict(NAME, "attach to the managed task", (uint64_t)-st));
    st = nx_task_filter_attach(NX_START_MANAGED_TASK(0), blob, n, NX_FILTER_ATTACH_REPLACE);
    if (st != NX_ERR_ACCESS_DENIED)
        nx_thread_exit(verdict(NAME, "a replace was not refused", (uint64_t)-st));
    /* Its own calls are its own: not filtered. */
    nx_syscall_ret_t r = nx_syscall(NX_SYS_KERNEL_STAT, NX_STAT_CONTEXT_SWITCHES, 0, 0, 0, 0, 0);
    if (r.status != NX_OK)
        nx_thread_exit(verdict(NAME, "its own kernel_stat", (uint64_t)-r.status));
    nx_thread_exit(verdict(NAME, 0, 0));
}
