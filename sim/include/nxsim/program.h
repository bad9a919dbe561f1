/*
 * nxsim/program.h - user programs for the simulated machine.
 *
 * A program is a C function that runs as a thread of its own task, on its
 * own stack, and talks to the kernel only through the user API of
 * include/nexus/ (nx_syscall, nx_compute): the same source would run on
 * RISC-V. Register one with NX_SIM_PROGRAM(name) at file scope; list it in
 * a machine's configuration (nx_sim_add_program) to have init start it.
 * Returning from the function exits its thread with code 0.
 */
#ifndef NXSIM_PROGRAM_H
#define NXSIM_PROGRAM_H

#include <stdint.h>

#include "nx/kernel.h"

/* Programs one host process may register. */
#define NX_SIM_MAX_PROGRAMS 256u

typedef void (*nx_sim_program_fn)(uintptr_t arg);

/* Register `fn` under `name` (before main, by NX_SIM_PROGRAM). A second
 * program of one name, or more than NX_SIM_MAX_PROGRAMS, aborts. */
void nx_sim_program_register(const char *name, nx_sim_program_fn fn);

/* The program registered under `name`, or NULL. */
nx_sim_program_fn nx_sim_program_find(const char *name);

/* Model a fault of the calling program thread (what a bad load, an illegal
 * instruction... is on RISC-V): the kernel ends its task. Never returns. */
_Noreturn void nx_sim_user_fault(nx_user_fault_t kind, uintptr_t addr);

#define NX_SIM_PROGRAM(fn_name)                                                                    \
    static void fn_name(uintptr_t arg);                                                            \
    __attribute__((constructor)) static void nx_sim_register_##fn_name(void)                       \
    {                                                                                              \
        nx_sim_program_register(#fn_name, fn_name);                                                \
    }                                                                                              \
    static void fn_name(uintptr_t arg)

#endif /* NXSIM_PROGRAM_H */
