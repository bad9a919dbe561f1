/* sysfilter_kill: a KILL rule of the program's own filter ends its task at
 * the call: the thread ends with NX_EXIT_CODE_FILTER_KILLED, which init
 * reports ("init: sysfilter_kill exited with -300"), and nothing after the
 * call runs. */
#include "nexus/start.h"
#include "selftest.h"
#include "sysfilter_blob.h"

static nx_test_filter_t profile;

NX_PROGRAM(sysfilter_kill)
{
    (void)arg;
    nx_test_filter_init(&profile, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&profile, NX_SYS_HART_ID, NX_FILTER_KILL, 0);
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES]; /* the program's memory: its stack */
    size_t n = nx_test_filter_pack(&profile, blob);
    nx_status_t st = nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0);
    if (st != NX_OK)
        nx_thread_exit(verdict("sysfilter_kill", "attach", (uint64_t)-st));
    (void)nx_time_now(); /* allowed */
    (void)nx_hart_id();  /* the end */
    nx_thread_exit(verdict("sysfilter_kill", "ran past its KILL rule", 0));
}
