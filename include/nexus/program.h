/*
 * nexus/program.h - define a user program once, for every port.
 *
 *     NX_PROGRAM(hello) { ... arg ... }
 *
 * The body uses only the user API (nexus/syscall.h). In the simulator
 * (built with NX_SIM) it becomes a function registered under its name
 * (nxsim/program.h); built for a port's user mode it is the program's
 * entry, called by the port's start-up code with `arg` in the first
 * argument register. Returning exits the program with 0.
 */
#ifndef NEXUS_PROGRAM_H
#define NEXUS_PROGRAM_H

#include <stdint.h>

#ifdef NX_SIM
#include "nxsim/program.h"
#define NX_PROGRAM(name) NX_SIM_PROGRAM(name)
#else
void nx_program_main(uintptr_t arg);
#define NX_PROGRAM(name) void nx_program_main(uintptr_t arg)
#endif

#endif /* NEXUS_PROGRAM_H */
