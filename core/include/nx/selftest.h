/*
 * nx/selftest.h - the boot selftests every port runs.
 *
 * A table of named checks run on the boot hart after SMP bring-up. Some are
 * distributed: each opens a phase that every online hart joins (arming its
 * timer, sending IPIs), and the boot hart then checks the results. Each
 * prints "SELFTEST: <name> ok" or "SELFTEST: <name> FAILED: <why>"; the
 * same lines appear under QEMU and in the simulator, and
 * tests/qemu/expected-markers.txt lists them (a unit test keeps the two in
 * step).
 */
#ifndef NX_SELFTEST_H
#define NX_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds of the selftests' waits and the timer test's delay. */
#define NX_SELFTEST_TIMER_DELAY_NS   1000000ull     /* each hart's timer: now + 1 ms */
#define NX_SELFTEST_PHASE_TIMEOUT_NS 5000000000ull  /* every hart finishes a phase in 5 s */
#define NX_SELFTEST_OPEN_TIMEOUT_NS  30000000000ull /* a hart waits 30 s for the next phase */

/* In a check `bool check(char *why, size_t len)` with an `out:` label:
 * unless `cond`, write the reason into why and go to out. */
#define NX_SELFTEST_CHECK(cond, ...)                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            nx_snprintf(why, len, __VA_ARGS__);                                                    \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* Clear all selftest state (called from nx_kernel_boot). */
void nx_selftest_reset(void);

/* Run every boot-hart selftest; returns how many failed. */
uint32_t nx_selftest_run_all(void);

/* Run the selftests that need the scheduler, from a kernel thread (init)
 * once every hart is in its idle loop; returns how many failed. */
uint32_t nx_selftest_run_threads(void);
size_t nx_selftest_thread_count(void);
const char *nx_selftest_thread_name(size_t index);

/* Join the distributed phases on a secondary hart; returns when all are done. */
void nx_selftest_secondary(uint32_t hart);

/* The boot-hart check of the port's user address spaces (selftest_aspace.c):
 * true when passed, else `why` says what failed. */
bool nx_selftest_check_aspace(char *why, size_t len);

/* Both tables in the order they run, for tests that check the markers. */
size_t nx_selftest_count(void);
const char *nx_selftest_name(size_t index);

#endif /* NX_SELFTEST_H */
