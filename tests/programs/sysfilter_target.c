/* sysfilter_target: the task the sysfilter_policy program filters (it is
 * that policy service's NX_START_MANAGED_TASK(0)). It waits until
 * kernel_stat is denied, the one call its policy denies, then checks
 * that everything else still runs. */
#include "selftest.h"

#define NAME "sysfilter_target"

NX_PROGRAM(sysfilter_target)
{
    (void)arg;
    uint64_t start = nx_time_now();
    for (;;) {
        nx_syscall_ret_t r =
            nx_syscall(NX_SYS_KERNEL_STAT, NX_STAT_CONTEXT_SWITCHES, 0, 0, 0, 0, 0);
        if (r.status == NX_ERR_DENIED_BY_FILTER)
            break;
        if (r.status != NX_OK)
            nx_thread_exit(verdict(NAME, "kernel_stat", (uint64_t)-r.status));
        if (nx_time_now() - start > 5000 * MS)
            nx_thread_exit(verdict(NAME, "no filter came from its policy service", 0));
        (void)nx_sleep_until(nx_time_now() + 1 * MS, 0);
    }
    nx_event_handle_t ev;
    if (nx_time_now() == 0u || nx_hart_id() >= NX_MAX_HARTS || nx_event_create(&ev) != NX_OK ||
        nx_handle_close(ev) != NX_OK)
        nx_thread_exit(verdict(NAME, "a call its policy allows was refused", 0));
    nx_thread_exit(verdict(NAME, 0, 0));
}
