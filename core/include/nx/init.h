/*
 * nx/init.h - init, the first kernel thread, and its boot manifest.
 *
 * The port says what each boot program is and how to run it
 * (nx_port_program_t, nx/port.h). What init does with it besides running
 * it (the handles it wires between programs) and what counts as passing
 * are init's business, kept here so the port interface carries only what a
 * machine must provide.
 */
#ifndef NX_INIT_H
#define NX_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include "nx/port.h"

/* The handles init adds to a program's start set (nexus/start.h). */
typedef struct nx_init_wiring {
    /* The policy service: it also gets MANAGE handles to every other
     * started program's task (NX_START_MANAGED_TASK(n), in start order;
     * the one `peer` names first). */
    bool policy;
    /* The program (by name) it shares a channel with from its start
     * (NX_START_PEER_CHANNEL), naming it back; NULL: none. For the policy
     * service instead: the program whose task it manages first
     * (NX_START_MANAGED_TASK(0)), which need not name it back. */
    const char *peer;
    /* Runs under a learning filter from its start; when it exits, init
     * hands what it learned to the port (nx_port_program_learned). */
    bool learn;
    /* A profile (a filter blob, nexus/sysfilter.h) init attaches to its
     * task before it starts, checked as task_filter_attach checks one; a
     * refused one fails the run. NULL: none. */
    const void *filter;
    size_t filter_len;
    /* A driver: bit i hands it device i (nx_device_at, the kernel's
     * order: the UART, then the virtio-mmio slots) at NX_START_DEVICE(k),
     * k counting the bits set; at most NX_START_MAX_DEVICES. Never the
     * policy service. */
    uint32_t devices;
    /* Started only when every program before it in the manifest has
     * exited (benchmarks, each measuring alone). */
    bool after_previous;
} nx_init_wiring_t;

/* What passing means for a program: its first thread's exit code, or that
 * init refuses its image (a test of the loader's checks). */
typedef struct nx_init_verdict {
    int32_t exit_code;
    bool refused;
} nx_init_verdict_t;

/* One entry of the boot manifest (nx_port_boot_programs). */
typedef struct nx_boot_program {
    nx_port_program_t run;
    nx_init_wiring_t wiring;
    nx_init_verdict_t expect;
} nx_boot_program_t;

/* Start init, a kernel thread that runs the scheduler's selftests, then
 * the boot manifest's programs (nx_port_boot_programs), and shuts the
 * machine down when they have exited (at once when there are none). Boot
 * hart, after the boot selftests. */
void nx_init_start(void);

#endif /* NX_INIT_H */
