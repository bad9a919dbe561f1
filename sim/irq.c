/*
 * irq.c - the simulated PLIC (nxsim/irq.h) and core's nx_port_irq_* on it.
 *
 * The model is a plain state machine indexed by hardware hart, like the
 * PLIC's contexts. The port calls wrap it: they name harts by logical index
 * and check sources and harts against the boot info, as the rv64 PLIC
 * driver does, so both ports refuse the same arguments.
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine.h"
#include "nxsim/irq.h"

/* Digest tag of a raise (interrupts taken use RISC-V cause numbers). */

static bool bit_get(const uint64_t *set, uint32_t n)
{
    return (set[n / 64u] >> (n % 64u)) & 1u;
}

static void bit_put(uint64_t *set, uint32_t n, bool on)
{
    uint64_t mask = 1ull << (n % 64u);
    if (on)
        set[n / 64u] |= mask;
    else
        set[n / 64u] &= ~mask;
}

static bool bad_source(uint32_t source)
{
    return source == 0u || source > NX_SIM_IRQ_SOURCES;
}

/* --- The model ------------------------------------------------------------ */

nx_status_t nx_sim_irq_model_set_priority(nx_sim_irq_state_t *s, uint32_t source, uint32_t priority)
{
    if (s == NULL || bad_source(source) || priority > NX_IRQ_PRIORITY_MAX)
        return NX_ERR_INVALID_ARGS;
    s->priority[source] = (uint8_t)priority;
    return NX_OK;
}

nx_status_t nx_sim_irq_model_enable(nx_sim_irq_state_t *s, uint32_t source, uint64_t hartid,
                                    bool enable)
{
    if (s == NULL || bad_source(source) || hartid >= NX_SIM_MAX_HARTS)
        return NX_ERR_INVALID_ARGS;
    bit_put(s->enable[hartid], source, enable);
    return NX_OK;
}

nx_status_t nx_sim_irq_model_set_threshold(nx_sim_irq_state_t *s, uint64_t hartid,
                                           uint32_t threshold)
{
    if (s == NULL || hartid >= NX_SIM_MAX_HARTS || threshold > NX_IRQ_PRIORITY_MAX)
        return NX_ERR_INVALID_ARGS;
    s->threshold[hartid] = (uint8_t)threshold;
    return NX_OK;
}

/* Level line into the gateway: while the source is claimed a raise is only
 * remembered; otherwise it is pending until claimed. Repeats merge. */
nx_status_t nx_sim_irq_model_raise(nx_sim_irq_state_t *s, uint32_t source)
{
    if (s == NULL || bad_source(source))
        return NX_ERR_INVALID_ARGS;
    s->stats.raised++;
    uint64_t *set = bit_get(s->claimed, source) ? s->remembered : s->pending;
    if (bit_get(set, source))
        s->stats.merged++;
    bit_put(set, source, true);
    return NX_OK;
}

/* The source a claim on `hartid` returns, 0 when none. */
static uint32_t best_source(const nx_sim_irq_state_t *s, uint64_t hartid)
{
    if (s == NULL || hartid >= NX_SIM_MAX_HARTS)
        return 0;
    uint32_t best = 0, best_priority = s->threshold[hartid];
    /* Ascending, replacing only on a strictly higher priority: ties go to
     * the lowest number, and priority 0 never beats a threshold >= 0.
     * Word by word over pending & enabled: the common case, nothing
     * pending, costs two ANDs (it is asked on every wake-up decision). */
    for (uint32_t w = 0; w < NX_SIM_IRQ_WORDS; w++) {
        for (uint64_t cand = s->pending[w] & s->enable[hartid][w]; cand != 0u; cand &= cand - 1u) {
            uint32_t n = w * 64u + (uint32_t)__builtin_ctzll(cand);
            if (s->priority[n] > best_priority) {
                best = n;
                best_priority = s->priority[n];
            }
        }
    }
    return best;
}

bool nx_sim_irq_signalled(const nx_sim_irq_state_t *s, uint64_t hartid)
{
    /* Asked at every wake-up decision; almost always nothing is pending. */
    uint64_t any = 0;
    for (uint32_t w = 0; w < NX_SIM_IRQ_WORDS; w++)
        any |= s->pending[w];
    return any != 0u && best_source(s, hartid) != 0u;
}

uint32_t nx_sim_irq_model_claim(nx_sim_irq_state_t *s, uint64_t hartid)
{
    if (s == NULL)
        return 0;
    uint32_t irq = best_source(s, hartid);
    if (irq == 0u) {
        s->stats.empty_claims++;
        return 0;
    }
    bit_put(s->pending, irq, false);
    bit_put(s->claimed, irq, true);
    s->claimant[irq] = (uint8_t)hartid;
    s->stats.claimed++;
    return irq;
}

nx_status_t nx_sim_irq_model_complete(nx_sim_irq_state_t *s, uint32_t source, uint64_t hartid)
{
    if (s == NULL || bad_source(source) || hartid >= NX_SIM_MAX_HARTS) {
        if (s != NULL)
            s->stats.bad_completes++;
        return NX_ERR_INVALID_ARGS;
    }
    if (!bit_get(s->claimed, source) || s->claimant[source] != hartid) {
        s->stats.bad_completes++;
        return NX_ERR_BAD_STATE;
    }
    bit_put(s->claimed, source, false);
    if (bit_get(s->remembered, source)) {
        bit_put(s->remembered, source, false);
        bit_put(s->pending, source, true);
    }
    s->stats.completed++;
    return NX_OK;
}

nx_status_t nx_sim_irq_model_source(const nx_sim_irq_state_t *s, uint32_t source,
                                    nx_sim_irq_source_t *out)
{
    if (s == NULL || bad_source(source) || out == NULL)
        return NX_ERR_INVALID_ARGS;
    out->priority = s->priority[source];
    out->pending = bit_get(s->pending, source);
    out->claimed = bit_get(s->claimed, source);
    out->remembered = bit_get(s->remembered, source);
    out->claimant = s->claimant[source];
    return NX_OK;
}

/* --- On the running machine ----------------------------------------------- */

nx_status_t nx_sim_irq_raise(uint32_t source)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL)
        return NX_ERR_BAD_STATE;
    return nx_sim_inject_raise(m, source); /* a dead or slow device changes it */
}

nx_status_t nx_sim_irq_set_threshold(uint64_t hartid, uint32_t threshold)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL)
        return NX_ERR_BAD_STATE;
    if (hartid >= m->cfg.harts)
        return NX_ERR_INVALID_ARGS;
    return nx_sim_irq_model_set_threshold(&m->irq, hartid, threshold);
}

nx_status_t nx_sim_irq_source(uint32_t source, nx_sim_irq_source_t *out)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL)
        return NX_ERR_BAD_STATE;
    return nx_sim_irq_model_source(&m->irq, source, out);
}

nx_status_t nx_sim_irq_stats(nx_sim_irq_stats_t *out)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL)
        return NX_ERR_BAD_STATE;
    if (out == NULL)
        return NX_ERR_INVALID_ARGS;
    *out = m->irq.stats;
    return NX_OK;
}

/* --- Core's port interface ------------------------------------------------ */

/* Sources core may use: the device tree's riscv,ndev, capped by the model.
 * 0 when the boot info names no controller (or before machine init). */
static uint32_t sources(const sim_machine_t *m)
{
    if (m->bi == NULL || !m->bi->plic.present)
        return 0;
    return m->bi->plic_ndev < NX_SIM_IRQ_SOURCES ? m->bi->plic_ndev : NX_SIM_IRQ_SOURCES;
}

nx_status_t nx_port_irq_set_priority(uint32_t irq, uint32_t priority)
{
    sim_machine_t *m = nx_sim_machine();
    uint32_t n = sources(m);
    if (n == 0u)
        return NX_ERR_NOT_SUPPORTED;
    if (irq > n)
        return NX_ERR_INVALID_ARGS;
    return nx_sim_irq_model_set_priority(&m->irq, irq, priority);
}

nx_status_t nx_port_irq_enable(uint32_t irq, uint32_t hart, bool enable)
{
    sim_machine_t *m = nx_sim_machine();
    uint32_t n = sources(m);
    if (n == 0u)
        return NX_ERR_NOT_SUPPORTED;
    if (irq > n || hart >= m->bi->hart_count)
        return NX_ERR_INVALID_ARGS;
    /* As on hardware: a hart the device tree gives no S-mode context (or
     * the machine lacks) cannot be routed to. */
    sim_hart_t *h = nx_sim_hart_by_id(m, m->bi->harts[hart].hartid);
    if (h == NULL || m->bi->harts[hart].plic_s_context < 0)
        return NX_ERR_INVALID_ARGS;
    return nx_sim_irq_model_enable(&m->irq, irq, h->hartid, enable);
}

uint32_t nx_port_irq_claim(void)
{
    sim_machine_t *m = nx_sim_machine();
    sim_hart_t *h = nx_sim_self(m);
    if (sources(m) == 0u)
        return 0;
    return nx_sim_irq_model_claim(&m->irq, h->hartid);
}

void nx_port_irq_complete(uint32_t irq)
{
    sim_machine_t *m = nx_sim_machine();
    (void)nx_sim_irq_model_complete(&m->irq, irq, nx_sim_self(m)->hartid);
}
