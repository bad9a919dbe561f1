/* sleep: a sleep ends at its deadline, not before, and close after. */
#include "selftest.h"

/* How late a wake-up may be: the simulator is exact; under QEMU a vCPU can
 * be descheduled by the host for a while (8 harts on a 2-core host: up to
 * 22 ms; with other QEMUs running besides: 38 ms; 12 harts, 8 of them busy:
 * 350 ms). So on QEMU this only catches a wake-up that waited for some
 * unrelated event; precision is the simulator's check. The bundle runs
 * this program Interactive (bundle.def), so a wake-up does not also wait
 * its turn behind the other programs' busy Normal threads. */
#ifdef NX_SIM
#define SLEEP_LATE_MAX (50 * MS)
#else
#define SLEEP_LATE_MAX (1000 * MS)
#endif

NX_PROGRAM(sleep)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        uint64_t deadline = nx_time_now() + 2 * MS;
        nx_status_t st = nx_sleep_until(deadline, 0);
        uint64_t woke = nx_time_now();
        if (st != NX_OK)
            nx_thread_exit(verdict("sleep", "status", (uint64_t)-st));
        if (woke < deadline)
            nx_thread_exit(verdict("sleep", "woke early by ns", deadline - woke));
        if (woke - deadline > SLEEP_LATE_MAX)
            nx_thread_exit(verdict("sleep", "woke late by ns", woke - deadline));
    }
    if (nx_sleep_until(nx_time_now() + TOO_FAR_NS, 0) != NX_ERR_INVALID_ARGS)
        nx_thread_exit(verdict("sleep", "an over-long sleep was accepted", 0));
    nx_thread_exit(verdict("sleep", 0, 0));
}
