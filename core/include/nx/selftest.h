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

#include <stddef.h>
#include <stdint.h>

/* Bounds of the selftests' waits and the timer test's delay. */
#define NX_SELFTEST_TIMER_DELAY_NS   1000000ull     /* each hart's timer: now + 1 ms */
#define NX_SELFTEST_PHASE_TIMEOUT_NS 5000000000ull  /* every hart finishes a phase in 5 s */
#define NX_SELFTEST_OPEN_TIMEOUT_NS  30000000000ull /* a hart waits 30 s for the next phase */

/* Clear all selftest state (called from nx_kernel_boot). */
void nx_selftest_reset(void);

/* Run every selftest on the boot hart; returns how many failed. */
uint32_t nx_selftest_run_all(void);

/* Join the distributed phases on a secondary hart; returns when all are done. */
void nx_selftest_secondary(uint32_t hart);

/* Interrupt hooks, called from nx_kernel_*_interrupt on `hart`. */
void nx_selftest_on_timer(uint32_t hart);
void nx_selftest_on_ipi(uint32_t hart);

/* The table, for tests that check the markers. */
size_t nx_selftest_count(void);
const char *nx_selftest_name(size_t index);

#endif /* NX_SELFTEST_H */
