/*
 * nx/irq.h - external interrupts: which kernel handler takes which source.
 *
 * The platform's interrupt controller (a PLIC on RISC-V, its model in the
 * simulator) is reached through the port (nx_port_irq_*). Core keeps a
 * bounded table from source number to handler; nx_kernel_external_interrupt()
 * claims every pending source (bounded per call), runs its handler, or counts
 * it as spurious, and completes it.
 *
 * Handlers run in interrupt context on the hart the source was routed to:
 * interrupts disabled, no lock of this module held. They must not block and
 * should silence their device before returning (a level source still
 * asserted is delivered again after completion).
 */
#ifndef NX_IRQ_H
#define NX_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "nexus/status.h"

/* Handlers registered at once; one more is refused with NX_ERR_NO_RESOURCES. */
#define NX_MAX_IRQ_HANDLERS 32u

/* Sources one nx_kernel_external_interrupt() claims before returning, so a
 * storming device cannot keep timer and IPI handlers off this hart; what is
 * left stays pending and interrupts again at the next window. */
#define NX_IRQ_MAX_CLAIMS_PER_CALL 8u

typedef void (*nx_irq_handler_t)(uint32_t irq, void *arg);

/*
 * Route source `irq` to logical hart `hart` with `priority`
 * (1..NX_IRQ_PRIORITY_MAX; higher is claimed first) and run fn(irq, arg)
 * there each time it is claimed.
 * Returns:
 *   NX_OK                  registered, priority set, enabled for `hart`
 *   NX_ERR_INVALID_ARGS    irq 0 or above the boot info's plic_ndev, no such
 *                          hart, priority 0 or above NX_IRQ_PRIORITY_MAX,
 *                          fn NULL, or the port refused the hart (it has no
 *                          interrupt-controller context)
 *   NX_ERR_ALREADY_EXISTS  irq already has a handler
 *   NX_ERR_NO_RESOURCES    NX_MAX_IRQ_HANDLERS handlers are registered
 *   NX_ERR_NOT_SUPPORTED   the machine has no interrupt controller
 * On failure nothing changed (the source stays masked).
 */
nx_status_t nx_irq_register(uint32_t irq, uint32_t hart, uint32_t priority, nx_irq_handler_t fn,
                            void *arg);

/*
 * Mask source `irq` (priority 0, disabled for its hart) and forget its
 * handler. When this returns NX_OK the handler runs on no other hart and
 * will not run again, so its `arg` may be freed; if another hart is in the
 * handler, this waits for it to return. May be called from the handler
 * itself.
 * Returns:
 *   NX_OK                 unregistered
 *   NX_ERR_INVALID_ARGS   irq 0 or above the boot info's plic_ndev
 *   NX_ERR_NOT_FOUND      irq has no handler (or is being unregistered)
 *   NX_ERR_SHOULD_WAIT    called from a handler while another hart runs
 *                         irq's handler: waiting could deadlock; nothing
 *                         changed, retry outside the handler
 *   NX_ERR_NOT_SUPPORTED  the machine has no interrupt controller
 */
nx_status_t nx_irq_unregister(uint32_t irq);

/*
 * Mask (true) or unmask registered source `irq` at its hart, leaving its
 * handler in place: a driver's interrupt is masked when it fires and
 * unmasked when the driver acknowledges it. May be called from the
 * handler. NX_OK, NX_ERR_NOT_FOUND (no handler, or being unregistered).
 */
nx_status_t nx_irq_mask(uint32_t irq, bool masked);

/* One hart's external-interrupt counters. */
typedef struct nx_irq_stats {
    uint64_t claimed;  /* sources claimed from the controller */
    uint64_t handled;  /* of those, taken by a registered handler */
    uint64_t spurious; /* of those, with no handler: completed and dropped */
    uint64_t limited;  /* calls that stopped at NX_IRQ_MAX_CLAIMS_PER_CALL */
} nx_irq_stats_t;

/*
 * Copy logical hart `hart`'s counters into *out.
 * Returns NX_OK, or NX_ERR_INVALID_ARGS (hart >= NX_MAX_HARTS, out NULL).
 */
nx_status_t nx_irq_stats(uint32_t hart, nx_irq_stats_t *out);

/* Forget every handler and zero the counters; core reset only (it does not
 * touch the controller: the port may not be initialised yet). */
void nx_irq_reset(void);

#endif /* NX_IRQ_H */
