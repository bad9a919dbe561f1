/* syscalls: the system call round trip: numbers, values, statuses. */
#include "selftest.h"

NX_PROGRAM(syscalls)
{
    (void)arg;
    uint64_t t0 = nx_time_now(), t1 = nx_time_now();
    if (t1 < t0)
        nx_thread_exit(verdict("syscalls", "time ran backwards", t0 - t1));
    nx_syscall_ret_t r = nx_syscall(NX_SYS_NONE, 0, 0, 0, 0, 0, 0);
    if (r.status != NX_ERR_NOT_SUPPORTED)
        nx_thread_exit(verdict("syscalls", "number 0 accepted", (uint64_t)-r.status));
    r = nx_syscall(NX_SYS_COUNT + 7u, 1, 2, 3, 4, 5, 6);
    if (r.status != NX_ERR_NOT_SUPPORTED || r.value != 0u)
        nx_thread_exit(verdict("syscalls", "an unknown number accepted", (uint64_t)-r.status));
    if ((online_harts() & (1u << nx_hart_id())) == 0u)
        nx_thread_exit(verdict("syscalls", "running on an offline hart", nx_hart_id()));
    nx_thread_exit(verdict("syscalls", 0, 0));
}
