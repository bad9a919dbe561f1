/*
 * trace.c - kernel trace events on the simulated machine: every event goes
 * into the run's digest and counters, and to the configuration's observer.
 */
#include "machine.h"

void nx_port_trace(const nx_trace_event_t *ev)
{
    sim_machine_t *m = nx_sim_current_machine;
    if (m == NULL || ev == NULL)
        return;
    uint64_t words[5] = { ev->time_ns, ev->hart, ev->kind, ev->a, ev->b };
    nx_sim_digest_words(m, words, 5);
    nx_sim_emit(m, NX_SIM_EV_TRACE, words, 5);
    if (ev->kind < NX_TRACE_KIND_COUNT)
        m->result->trace_events[ev->kind]++;
    if (m->cfg.observer != NULL)
        m->cfg.observer(ev, m->cfg.ctx);
    nx_sim_maybe_interleave(m);
}
