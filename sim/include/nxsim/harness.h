/*
 * nxsim/harness.h - call core code straight from a host test.
 *
 * Unit tests of core modules need the port (time, console, the audit
 * clock) but not a booted machine. The harness makes the calling host
 * thread hart 0 of a one-hart simulated machine, with the core reset and the
 * machine's boot info installed (nx_boot_info()), so a test can call core
 * functions directly. Virtual time only moves when the
 * test (nx_sim_harness_advance) or the core (a spin step, a wait for a
 * timer) moves it.
 */
#ifndef NXSIM_HARNESS_H
#define NXSIM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nx/port.h"
#include "nxsim/sim.h"

/* Begin: a fresh machine and a reset core. Returns NX_OK, NX_ERR_BAD_STATE
 * (a machine is already running) or NX_ERR_NO_RESOURCES. */
nx_status_t nx_sim_harness_begin(void);

/* End the machine begun above. */
void nx_sim_harness_end(void);

/* The console written so far (NUL-terminated). */
const char *nx_sim_harness_console(void);

/* See every kernel trace event from here on (NULL: stop). */
void nx_sim_harness_set_observer(void (*observer)(const nx_trace_event_t *event, void *ctx),
                                 void *ctx);

/* Call fn at the start of every user copy from here on (NULL: stop); see
 * nx_sim_config_t.before_user_copy. */
void nx_sim_harness_before_user_copy(void (*fn)(uintptr_t user, size_t len, bool to_user,
                                                void *ctx),
                                     void *ctx);

/* How many mappings the address space `as` holds (tests check that a
 * refused load mapped nothing). */
uint32_t nx_sim_aspace_mappings(const nx_port_aspace_t *as);

/* Move virtual time forward. */
void nx_sim_harness_advance(uint64_t ns);

/*
 * Run fn(arg); when the core stops the machine inside it (a panic, a
 * shutdown), return there instead of aborting the test: returns 1 and sets
 * *code, or 0 when fn returned normally. The machine is usable afterwards
 * only for nx_sim_harness_console() and nx_sim_harness_end().
 */
int nx_sim_harness_catch(void (*fn)(void *arg), void *arg, nx_exit_code_t *code);

#endif /* NXSIM_HARNESS_H */
