/* wild_entry: a thread created at an address that is no code (0x1234:
 * below the user range on both ports, unmapped) is not refused; its first
 * fetch faults and the task ends, this thread killed in its sleep (exit
 * NX_EXIT_CODE_KILLED for init). On rv64 the fetch page faults; the
 * simulator, whose entries are host addresses it calls, faults an entry
 * outside the host executable's code the same way instead of crashing. */
#include "selftest.h"

#define WILD 0x1234u

NX_PROGRAM(wild_entry)
{
    (void)arg;
    /* The raw call: the user API takes a function. */
    nx_syscall_ret_t r = nx_syscall(NX_SYS_THREAD_CREATE, WILD, 0, NX_QOS_NORMAL, NX_AFFINITY_ALL,
                                    (uint64_t)(uintptr_t)nx_thread_return, 0);
    if (r.status != NX_OK)
        nx_thread_exit(verdict("wild_entry", "create refused", (uint64_t)-r.status));
    (void)nx_sleep_until(nx_time_now() + 1000 * MS, 0);
    nx_thread_exit(verdict("wild_entry", "the task outlived its faulting thread", 0));
}
