/*
 * nx/core.h - the core as a whole.
 */
#ifndef NX_CORE_H
#define NX_CORE_H

/*
 * Bring every subsystem back to its boot state: empty pools, koids from
 * NX_KOID_FIRST, an empty audit ring, an empty derivation tree. Only while
 * nothing runs: nx_kernel_boot() calls it first, and the simulator's test
 * harness before each test.
 */
void nx_core_reset(void);

#endif /* NX_CORE_H */
