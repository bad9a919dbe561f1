/*
 * nxsim/irq.h - the simulated machine's interrupt controller.
 *
 * A model of the SiFive PLIC as QEMU virt has it (riscv,ndev 96): sources
 * 1..NX_SIM_IRQ_SOURCES, each with a priority (0: never delivered); per
 * hart an enable bit per source and a threshold (a source is delivered to a
 * hart only when its priority exceeds the hart's threshold). Raising a
 * source makes it pending until a hart claims it; claiming returns the
 * highest-priority pending source enabled for the claiming hart (ties: the
 * lowest number) and clears its pending bit. A claimed source is not
 * delivered again until completed; a raise in between is remembered and
 * makes it pending at completion (the gateway's behaviour for a device that
 * asserts again, or still asserts, its level line).
 *
 * Core reaches it through nx_port_irq_* (implemented in sim/irq.c); tests
 * and simulated devices use the functions below. A hart with a deliverable
 * source takes nx_kernel_external_interrupt() at its next interrupt window,
 * before IPIs and timers (RISC-V priority), and an idle hart wakes for it.
 */
#ifndef NXSIM_IRQ_H
#define NXSIM_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nx/port.h"
#include "nxsim/sim.h"

/* Sources the controller has (QEMU virt's riscv,ndev). */
#define NX_SIM_IRQ_SOURCES 96u

/* Words of a per-source bit set; bit n is source n, bit 0 unused. */
#define NX_SIM_IRQ_WORDS ((NX_SIM_IRQ_SOURCES + 1u + 63u) / 64u)

typedef struct nx_sim_irq_stats {
    uint64_t raised;        /* raises accepted */
    uint64_t merged;        /* of those, already pending or remembered: no extra delivery */
    uint64_t claimed;       /* claims that returned a source */
    uint64_t empty_claims;  /* claims that returned 0 */
    uint64_t completed;     /* completions that released a claim */
    uint64_t bad_completes; /* completions of a source the hart had not claimed: ignored */
} nx_sim_irq_stats_t;

/* One source as the controller sees it. */
typedef struct nx_sim_irq_source {
    uint32_t priority;
    bool pending;      /* raised, waiting for a claim */
    bool claimed;      /* claimed, not yet completed */
    bool remembered;   /* raised while claimed: pending again at completion */
    uint64_t claimant; /* hardware hart id that claimed it (valid when claimed) */
} nx_sim_irq_source_t;

/* --- On the running machine --------------------------------------------- */

/*
 * Raise source `source` on the running machine (a device asserting its
 * line); the raise goes into the run's digest and event stream. A device
 * failed by injection loses it, a delayed one raises it later (inject.c). Returns NX_OK,
 * NX_ERR_INVALID_ARGS (0 or above NX_SIM_IRQ_SOURCES) or NX_ERR_BAD_STATE
 * (no machine is running).
 */
nx_status_t nx_sim_irq_raise(uint32_t source);

/*
 * Set hardware hart `hartid`'s threshold: only sources with a higher
 * priority are delivered to it (0, the reset value, lets every unmasked
 * source through). Returns NX_OK, NX_ERR_INVALID_ARGS (no such hart on the
 * machine, threshold above NX_IRQ_PRIORITY_MAX) or NX_ERR_BAD_STATE (no
 * machine).
 */
nx_status_t nx_sim_irq_set_threshold(uint64_t hartid, uint32_t threshold);

/* Source `source`'s state. NX_OK, NX_ERR_INVALID_ARGS (0, above
 * NX_SIM_IRQ_SOURCES, out NULL) or NX_ERR_BAD_STATE (no machine). */
nx_status_t nx_sim_irq_source(uint32_t source, nx_sim_irq_source_t *out);

/* The controller's counters. NX_OK, NX_ERR_INVALID_ARGS (out NULL) or
 * NX_ERR_BAD_STATE (no machine). */
nx_status_t nx_sim_irq_stats(nx_sim_irq_stats_t *out);

/* --- The model alone ------------------------------------------------------ */

/* The controller's state; the machine has one (all zero is the reset state:
 * priorities 0, nothing enabled, pending or claimed), a test may own
 * another. Read and change it only through the functions below. */
typedef struct nx_sim_irq_state {
    uint8_t priority[NX_SIM_IRQ_SOURCES + 1u];
    uint8_t claimant[NX_SIM_IRQ_SOURCES + 1u]; /* hardware hart, while claimed */
    uint64_t pending[NX_SIM_IRQ_WORDS];
    uint64_t claimed[NX_SIM_IRQ_WORDS];
    uint64_t remembered[NX_SIM_IRQ_WORDS];
    uint64_t enable[NX_SIM_MAX_HARTS][NX_SIM_IRQ_WORDS];
    uint8_t threshold[NX_SIM_MAX_HARTS];
    nx_sim_irq_stats_t stats;
} nx_sim_irq_state_t;

_Static_assert(NX_SIM_MAX_HARTS <= 256u, "claimant is a byte");
_Static_assert(NX_IRQ_PRIORITY_MAX <= 255u, "priorities are bytes");

/*
 * The model's operations, with no machine, device tree or digest: harts are
 * hardware indices below NX_SIM_MAX_HARTS, sources 1..NX_SIM_IRQ_SOURCES.
 * Each returns NX_OK or NX_ERR_INVALID_ARGS (a bound above broken, priority
 * or threshold above NX_IRQ_PRIORITY_MAX, out NULL); complete also
 * NX_ERR_BAD_STATE when that hart holds no claim on the source (ignored,
 * counted in bad_completes). Completion by the claiming hart releases the
 * claim even if the source was disabled since.
 */
nx_status_t nx_sim_irq_model_set_priority(nx_sim_irq_state_t *s, uint32_t source,
                                          uint32_t priority);
nx_status_t nx_sim_irq_model_enable(nx_sim_irq_state_t *s, uint32_t source, uint64_t hartid,
                                    bool enable);
nx_status_t nx_sim_irq_model_set_threshold(nx_sim_irq_state_t *s, uint64_t hartid,
                                           uint32_t threshold);
nx_status_t nx_sim_irq_model_raise(nx_sim_irq_state_t *s, uint32_t source);
nx_status_t nx_sim_irq_model_complete(nx_sim_irq_state_t *s, uint32_t source, uint64_t hartid);
nx_status_t nx_sim_irq_model_source(const nx_sim_irq_state_t *s, uint32_t source,
                                    nx_sim_irq_source_t *out);

/* Claim on `hartid`: the source returned, 0 when none (or no such hart). */
uint32_t nx_sim_irq_model_claim(nx_sim_irq_state_t *s, uint64_t hartid);

/* True when a claim on `hartid` would return a source: the machine then
 * delivers an external interrupt to that hart, and wakes it if idle. */
bool nx_sim_irq_signalled(const nx_sim_irq_state_t *s, uint64_t hartid);

#endif /* NXSIM_IRQ_H */
