/*
 * nx/boot.h - boot stages and the boot-time state other modules may read.
 *
 * The C form of the seeds' type-state boot stages: an explicit stage that
 * only moves forward, checked at each init step (nx_boot_advance() panics on
 * a step out of order).
 */
#ifndef NX_BOOT_H
#define NX_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "nx/bootinfo.h"

typedef enum nx_boot_stage {
    NX_BOOT_STAGE_RESET = 0,    /* nothing initialised; early console only */
    NX_BOOT_STAGE_BOOTINFO = 1, /* DTB parsed and validated */
    NX_BOOT_STAGE_MACHINE = 2,  /* port initialised: console, timebase, hart index */
    NX_BOOT_STAGE_SMP = 3,      /* secondary harts started and checked in */
    NX_BOOT_STAGE_SELFTEST = 4, /* boot selftests running */
    NX_BOOT_STAGE_RUNNING = 5,  /* boot finished */
} nx_boot_stage_t;

/* Current stage (any hart may read it). */
nx_boot_stage_t nx_boot_stage(void);

/* Move from `from` to `to`; panics unless the current stage is `from` and
 * `to` is the next one. */
void nx_boot_advance(nx_boot_stage_t from, nx_boot_stage_t to);

/* The validated boot info; valid from NX_BOOT_STAGE_BOOTINFO on. */
const nx_boot_info_t *nx_boot_info(void);

/* Make a copy of `bi` (already validated) the boot info, as a boot's parse
 * would: for hosts that run core without booting it (the simulator's
 * harness). Never called on a booted kernel. */
void nx_boot_info_install(const nx_boot_info_t *bi);

/* Mask of logical harts that checked in (bit i = hart i). */
uint32_t nx_boot_online_mask(void);

/* How long started harts get to check in before boot goes on without them.
 * Generous: under QEMU this is host time, shared with every other vCPU. */
#define NX_BOOT_CHECKIN_TIMEOUT_NS 5000000000ull /* 5 s */

/*
 * Busy-wait, taking interrupts, until cond(arg) holds or timeout_ns passed.
 * Returns whether the condition held. The boot-time wait: threads get the
 * scheduler's blocking wait instead.
 */
bool nx_boot_spin_until(bool (*cond)(uint32_t arg), uint32_t arg, uint64_t timeout_ns);

/* Number of set bits in a hart mask. */
uint32_t nx_hart_mask_count(uint32_t mask);

#endif /* NX_BOOT_H */
