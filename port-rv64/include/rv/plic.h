/*
 * rv/plic.h - the platform-level interrupt controller (QEMU virt's PLIC),
 * driven from S-mode. plic.c also implements core's nx_port_irq_* calls.
 */
#ifndef RV_PLIC_H
#define RV_PLIC_H

#include <stdbool.h>
#include <stdint.h>

#include "nx/bootinfo.h"

/* Architectural limits (RISC-V PLIC specification): a DTB claiming more is
 * not believed. */
#define RV_PLIC_MAX_SOURCES  1023u  /* sources 1..1023 */
#define RV_PLIC_MAX_CONTEXTS 15872u /* contexts 0..15871 */

/* Words of enable bits one context has at most. */
#define RV_PLIC_ENABLE_WORDS ((RV_PLIC_MAX_SOURCES + 1u + 31u) / 32u)

/*
 * Take the PLIC and each hart's S-mode context from `bi`; mask every
 * source (priority 0), disable every source for those contexts and set
 * their thresholds to 0. Called once by the boot hart in machine init,
 * before other harts start. Without a usable PLIC (absent, riscv,ndev 0 or
 * above RV_PLIC_MAX_SOURCES, registers beyond its reg range) the
 * nx_port_irq_* calls report NX_ERR_NOT_SUPPORTED.
 */
void rv_plic_init(const nx_boot_info_t *bi);

/*
 * On logical hart `hart` itself, once it runs (after rv_plic_init): set its
 * context's threshold to 0 and its enable bits to what was routed to it.
 * Needed because OpenSBI's warm boot of a started hart sets that hart's
 * S-mode threshold to 7 and clears its enables. Returns whether the hart
 * has a usable context: only then is sie.SEIE worth enabling.
 */
bool rv_plic_hart_init(uint32_t hart);

#endif /* RV_PLIC_H */
