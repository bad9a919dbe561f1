/*
 * nx/core.h - the core as a whole.
 */
#ifndef NX_CORE_H
#define NX_CORE_H

#include <stdint.h>

/*
 * Bring every subsystem back to its boot state: empty pools, koids from
 * NX_KOID_FIRST, an empty audit ring, an empty derivation tree. Only while
 * nothing runs: nx_kernel_boot() calls it first, and the simulator's test
 * harness before each test.
 */
void nx_core_reset(void);

/*
 * A digest of the kernel's state: every registered pool's allocation state
 * and the bytes of every object in use (tasks with their handle tables,
 * VMO budgets and mappings; threads with their timers; channels with their
 * queues; messages; capability nodes; events; VMOs). Not the audit ring or
 * the console. Two equal digests around a system call that returned an
 * error mean it changed nothing (the syscall fuzzer's check). Only where
 * nothing else runs in the kernel (the simulator between two steps).
 */
uint64_t nx_core_state_digest(void);

#endif /* NX_CORE_H */
