/*
 * scenario_counter.c - the counters a scenario's `expect counter` can name
 * (docs/scenarios.md): the run's totals and the per-hart scheduler and
 * timer statistics summed over its harts.
 */
#include <stddef.h>
#include <string.h>

#include "nx/trace.h"
#include "nxsim/scenario.h"

#define SCN_SCHED_FIELD(f)    offsetof(nx_sched_stats_t, f)
#define SCN_SCHED_CLASS(f, c) (offsetof(nx_sched_stats_t, f) + (c) * sizeof(uint64_t))
#define SCN_TIMER_FIELD(f)    offsetof(nx_timer_stats_t, f)
#define SCN_IPI_CLASSES       2u /* nx_ipi_class_t: the arrays' length */

/* A per-hart statistic: words summed from `offset` over the run's harts. */
typedef struct scn_stat {
    const char *name;
    size_t offset;
    uint32_t words; /* consecutive uint64_t summed (both IPI classes) */
} scn_stat_t;

static const scn_stat_t scn_sched_stats[] = {
    { "switches", SCN_SCHED_FIELD(switches), 1u },
    { "preemptions", SCN_SCHED_FIELD(preemptions), 1u },
    { "yields", SCN_SCHED_FIELD(yields), 1u },
    { "steals", SCN_SCHED_FIELD(steals), 1u },
    { "demotions", SCN_SCHED_FIELD(demotions), 1u },
    { "ipi-received", SCN_SCHED_FIELD(ipi_received), 1u },
    { "ipi-sent", SCN_SCHED_FIELD(ipi_sent), SCN_IPI_CLASSES },
    { "ipi-sent.correctness", SCN_SCHED_CLASS(ipi_sent, NX_IPI_CORRECTNESS), 1u },
    { "ipi-sent.best-effort", SCN_SCHED_CLASS(ipi_sent, NX_IPI_BEST_EFFORT), 1u },
    { "ipi-coalesced", SCN_SCHED_FIELD(ipi_coalesced), SCN_IPI_CLASSES },
    { "ipi-coalesced.correctness", SCN_SCHED_CLASS(ipi_coalesced, NX_IPI_CORRECTNESS), 1u },
    { "ipi-coalesced.best-effort", SCN_SCHED_CLASS(ipi_coalesced, NX_IPI_BEST_EFFORT), 1u },
    { "ipi-throttled", SCN_SCHED_FIELD(ipi_throttled), SCN_IPI_CLASSES },
    { "ipi-throttled.correctness", SCN_SCHED_CLASS(ipi_throttled, NX_IPI_CORRECTNESS), 1u },
    { "ipi-throttled.best-effort", SCN_SCHED_CLASS(ipi_throttled, NX_IPI_BEST_EFFORT), 1u },
    { "ipi-failed", SCN_SCHED_FIELD(ipi_failed), SCN_IPI_CLASSES },
    { "ipi-failed.correctness", SCN_SCHED_CLASS(ipi_failed, NX_IPI_CORRECTNESS), 1u },
    { "ipi-failed.best-effort", SCN_SCHED_CLASS(ipi_failed, NX_IPI_BEST_EFFORT), 1u },
};

static const scn_stat_t scn_timer_stats[] = {
    { "armed", SCN_TIMER_FIELD(armed), 1u },
    { "fired", SCN_TIMER_FIELD(fired), 1u },
    { "interrupts", SCN_TIMER_FIELD(interrupts), 1u },
    { "programmed", SCN_TIMER_FIELD(programmed), 1u },
    { "coalesced", SCN_TIMER_FIELD(coalesced), 1u },
};

_Static_assert(sizeof(((nx_sched_stats_t *)0)->ipi_sent) == SCN_IPI_CLASSES * sizeof(uint64_t),
               "one counter per IPI class");

/* The harts whose statistics the result holds. */
static uint32_t scn_harts(const nx_sim_result_t *r)
{
    return r->hart_count < NX_MAX_HARTS ? r->hart_count : NX_MAX_HARTS;
}

/* sched.<field> / timer.<field>: found (r NULL: only the name). */
static bool scn_stat(const nx_sim_result_t *r, const char *field, bool sched, uint64_t *out)
{
    const scn_stat_t *table = sched ? scn_sched_stats : scn_timer_stats;
    size_t n = sched ? sizeof scn_sched_stats / sizeof scn_sched_stats[0]
                     : sizeof scn_timer_stats / sizeof scn_timer_stats[0];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, field) != 0)
            continue;
        uint64_t sum = 0;
        for (uint32_t h = 0; r != NULL && h < scn_harts(r); h++) {
            const unsigned char *base =
                sched ? (const unsigned char *)&r->sched[h] : (const unsigned char *)&r->timer[h];
            for (uint32_t w = 0; w < table[i].words; w++) {
                uint64_t v;
                memcpy(&v, base + table[i].offset + w * sizeof v, sizeof v);
                sum += v;
            }
        }
        if (r != NULL && out != NULL)
            *out = sum;
        return true;
    }
    return false;
}

bool nx_scenario_counter(const nx_sim_result_t *r, const char *name, uint64_t *out)
{
    static const char trace_prefix[] = "trace.", sched_prefix[] = "sched.",
                      timer_prefix[] = "timer.";
    if (name == NULL)
        return false;
    const struct {
        const char *name;
        uint64_t value;
    } plain[] = {
        { "switches", r != NULL ? r->switches : 0u },
        { "events", r != NULL ? r->events : 0u },
        { "injections", r != NULL ? r->injections : 0u },
        { "ipis-dropped", r != NULL ? r->ipis_dropped : 0u },
        { "raises-lost", r != NULL ? r->raises_lost : 0u },
        { "tlb-shootdowns", r != NULL ? r->tlb_shootdowns : 0u },
        { "end-time-ns", r != NULL ? r->end_time_ns : 0u },
        { "digest", r != NULL ? r->digest : 0u },
        { "exit-code", r != NULL ? (uint64_t)r->exit_code : 0u },
        { "console-bytes", r != NULL ? (uint64_t)(r->console_len + r->console_dropped) : 0u },
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (strcmp(plain[i].name, name) != 0)
            continue;
        if (r != NULL && out != NULL)
            *out = plain[i].value;
        return true;
    }
    if (strncmp(name, trace_prefix, sizeof trace_prefix - 1u) == 0) {
        for (uint32_t k = NX_TRACE_NONE + 1u; k < NX_TRACE_KIND_COUNT; k++) {
            if (strcmp(nx_trace_kind_name((nx_trace_kind_t)k), name + sizeof trace_prefix - 1u))
                continue;
            if (r != NULL && out != NULL)
                *out = r->trace_events[k];
            return true;
        }
        return false;
    }
    if (strncmp(name, sched_prefix, sizeof sched_prefix - 1u) == 0)
        return scn_stat(r, name + sizeof sched_prefix - 1u, true, out);
    if (strncmp(name, timer_prefix, sizeof timer_prefix - 1u) == 0)
        return scn_stat(r, name + sizeof timer_prefix - 1u, false, out);
    return false;
}
