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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/syscall.h"
#include "nx/kernel.h"

/* Programs one host process may register. */
#define NX_SIM_MAX_PROGRAMS 256u

typedef void (*nx_sim_program_fn)(uintptr_t arg);

/* Register `fn` under `name` (before main, by NX_SIM_PROGRAM). A second
 * program of one name, or more than NX_SIM_MAX_PROGRAMS, aborts. */
void nx_sim_program_register(const char *name, nx_sim_program_fn fn);

/* The program registered under `name`, or NULL. */
nx_sim_program_fn nx_sim_program_find(const char *name);

/*
 * A system call with the kernel's state checked around it (the syscall
 * fuzzer, tests/fuzz): `before` and `after` are nx_core_state_digest()
 * right before and right after the kernel ran it, `undisturbed` whether
 * nothing but that call ran in between (no other hart, no interrupt).
 * An undisturbed call that returned an error must leave them equal.
 */
typedef struct nx_sim_syscall_probe {
    uint64_t before;
    uint64_t after;
    bool undisturbed;
} nx_sim_syscall_probe_t;

nx_syscall_ret_t nx_sim_syscall_probed(uint32_t nr, const uint64_t args[6],
                                       nx_sim_syscall_probe_t *probe);

/* Model a fault of the calling program thread (what a bad load, an illegal
 * instruction... is on RISC-V): the kernel ends its task. Never returns. */
_Noreturn void nx_sim_user_fault(nx_user_fault_t kind, uintptr_t addr);

/* A load or store of the calling program at user address `va` (what a
 * pointer dereference is on RISC-V: simulated programs' pointers are host
 * pointers, so they reach their mapped memory through these). The access
 * is checked as the page tables would check it: an address that is not
 * mapped with the permission faults the program (its task ends). */
void nx_sim_user_load(void *dst, uintptr_t va, size_t len);

/* A program's `width`-byte (1, 2, 4, 8) load or store at `va` of a device
 * mapping (device_map): the device model answers. Anything else (not a
 * device mapping, misaligned, a store without write permission, a
 * register no model has) faults the task, as on rv64. */
uint64_t nx_sim_mmio_read(uintptr_t va, uint32_t width);
void nx_sim_mmio_write(uintptr_t va, uint32_t width, uint64_t value);
void nx_sim_user_store(uintptr_t va, const void *src, size_t len);

#define NX_SIM_PROGRAM(fn_name)                                                                    \
    static void fn_name(uintptr_t arg);                                                            \
    __attribute__((constructor)) static void nx_sim_register_##fn_name(void)                       \
    {                                                                                              \
        nx_sim_program_register(#fn_name, fn_name);                                                \
    }                                                                                              \
    static void fn_name(uintptr_t arg)

#endif /* NXSIM_PROGRAM_H */
