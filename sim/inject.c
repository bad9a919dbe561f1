/*
 * inject.c - the outside world's faults on the simulated machine: the
 * configuration's injections (nx_sim_injection_t) applied at their virtual
 * times, and the state they leave (dead devices, delayed raises and IPIs,
 * lost IPIs, late timers, killed tasks).
 *
 * Everything here is decided by virtual time and the seeded PRNG, and every
 * applied injection is an event of the stream: a run with injections is as
 * replayable as one without.
 */
#include <string.h>

#include "machine.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "nxsim/program.h"

static bool bit_get(const uint64_t *set, uint32_t n)
{
    return (set[n / 64u] >> (n % 64u)) & 1u;
}

void nx_sim_inject_init(sim_machine_t *m)
{
    sim_faults_t *f = &m->faults;
    memset(f, 0, sizeof *f);
    /* Insertion sort by time, stable: ties keep the configuration's order. */
    for (uint32_t i = 0; i < m->cfg.injection_count && i < NX_SIM_MAX_INJECTIONS; i++) {
        nx_sim_injection_t inj = m->cfg.injections[i];
        uint32_t j = f->count;
        while (j > 0u && f->order[j - 1u].time_ns > inj.time_ns) {
            f->order[j] = f->order[j - 1u];
            j--;
        }
        f->order[j] = inj;
        f->count++;
    }
}

uint64_t nx_sim_inject_next_ns(const sim_machine_t *m)
{
    const sim_faults_t *f = &m->faults;
    uint64_t t = f->next < f->count ? f->order[f->next].time_ns : UINT64_MAX;
    for (uint32_t i = 0; i < f->timed_count; i++)
        if (f->timed[i].time_ns < t)
            t = f->timed[i].time_ns;
    return t;
}

/* Queue a delayed action; with the queue full it happens now (a bound, not
 * a loss: the run stays the same for the same configuration). */
static bool timed_add(sim_machine_t *m, uint32_t kind, uint32_t target, uint64_t delay)
{
    sim_faults_t *f = &m->faults;
    if (f->timed_count >= NX_SIM_MAX_DELAYED)
        return false;
    uint64_t at = m->now_ns + delay;
    f->timed[f->timed_count++] = (sim_timed_t){ at < m->now_ns ? UINT64_MAX : at, kind, target };
    return true;
}

static void raise_now(sim_machine_t *m, uint32_t source)
{
    if (nx_sim_irq_model_raise(&m->irq, source) != NX_OK)
        return;
    uint64_t digest[3] = { SIM_IRQ_DIGEST_RAISE, source, m->now_ns };
    nx_sim_digest_words(m, digest, 3);
    uint64_t ev[2] = { source, m->now_ns };
    nx_sim_emit(m, NX_SIM_EV_RAISE, ev, 2);
}

nx_status_t nx_sim_inject_raise(sim_machine_t *m, uint32_t source)
{
    if (source == 0u || source > NX_SIM_IRQ_SOURCES)
        return NX_ERR_INVALID_ARGS;
    sim_faults_t *f = &m->faults;
    if (bit_get(f->failed, source)) {
        m->result->raises_lost++;
        return NX_OK; /* the device is dead: its line never moves */
    }
    if (f->irq_delay_ns[source] != 0u &&
        timed_add(m, SIM_TIMED_RAISE, source, f->irq_delay_ns[source]))
        return NX_OK;
    raise_now(m, source);
    return NX_OK;
}

static void ipi_now(sim_machine_t *m, uint32_t hartid)
{
    if (hartid < m->cfg.harts)
        m->harts[hartid].ipi_pending = true;
}

bool nx_sim_inject_ipi_passes(sim_machine_t *m, uint64_t to)
{
    sim_faults_t *f = &m->faults;
    if (to >= NX_SIM_MAX_HARTS)
        return true;
    if (f->ipi_drop[to] != 0u) {
        f->ipi_drop[to]--;
        m->result->ipis_dropped++;
        return false;
    }
    if (f->ipi_delay_ns[to] != 0u)
        return !timed_add(m, SIM_TIMED_IPI, (uint32_t)to, f->ipi_delay_ns[to]);
    return true;
}

uint64_t nx_sim_inject_timer_deadline(sim_machine_t *m, const sim_hart_t *h, uint64_t deadline)
{
    uint64_t jitter = m->faults.timer_jitter_ns[h->hartid];
    if (jitter == 0u || deadline == UINT64_MAX)
        return deadline;
    uint64_t late = deadline + nx_prng_below(&m->rng, jitter + 1u);
    return late < deadline ? UINT64_MAX - 1u : late;
}

/* Per hart, or every hart for NX_SIM_ALL_HARTS. */
static void set_per_hart(sim_machine_t *m, uint64_t *table, uint32_t target, uint64_t value)
{
    for (uint32_t h = 0; h < m->cfg.harts; h++)
        if (target == NX_SIM_ALL_HARTS || target == h)
            table[h] = value;
}

static void apply(sim_machine_t *m, const nx_sim_injection_t *inj)
{
    sim_faults_t *f = &m->faults;
    uint64_t ev[4] = { m->now_ns, inj->kind, inj->target, inj->value };
    nx_sim_digest_words(m, ev, 4);
    nx_sim_emit(m, NX_SIM_EV_INJECT, ev, 4);
    m->result->injections++;
    uint32_t src = inj->target;
    bool source_ok = src >= 1u && src <= NX_SIM_IRQ_SOURCES;
    switch ((nx_sim_inject_kind_t)inj->kind) {
    case NX_SIM_INJECT_IRQ:
        if (source_ok)
            (void)nx_sim_inject_raise(m, src);
        break;
    case NX_SIM_INJECT_IRQ_DELAY:
        if (source_ok)
            f->irq_delay_ns[src] = inj->value;
        break;
    case NX_SIM_INJECT_DEVICE_FAIL:
        if (source_ok)
            f->failed[src / 64u] |= 1ull << (src % 64u);
        break;
    case NX_SIM_INJECT_KILL_TASK:
        if (inj->target < m->cfg.program_count && !f->kill_pending[inj->target]) {
            f->kill_pending[inj->target] = true;
            f->kills_pending++;
        }
        break;
    case NX_SIM_INJECT_IPI_DROP:
        set_per_hart(m, f->ipi_drop, inj->target, inj->value);
        break;
    case NX_SIM_INJECT_IPI_DELAY:
        set_per_hart(m, f->ipi_delay_ns, inj->target, inj->value);
        break;
    case NX_SIM_INJECT_TIMER_JITTER:
        set_per_hart(m, f->timer_jitter_ns, inj->target, inj->value);
        break;
    }
}

void nx_sim_inject_apply_due(sim_machine_t *m)
{
    sim_faults_t *f = &m->faults;
    while (f->next < f->count && f->order[f->next].time_ns <= m->now_ns)
        apply(m, &f->order[f->next++]);
    /* Delayed actions, earliest first (ties: queued first). */
    for (;;) {
        uint32_t best = UINT32_MAX;
        for (uint32_t i = 0; i < f->timed_count; i++)
            if (f->timed[i].time_ns <= m->now_ns &&
                (best == UINT32_MAX || f->timed[i].time_ns < f->timed[best].time_ns))
                best = i;
        if (best == UINT32_MAX)
            return;
        sim_timed_t t = f->timed[best];
        memmove(&f->timed[best], &f->timed[best + 1u],
                (f->timed_count - best - 1u) * sizeof f->timed[0]);
        f->timed_count--;
        if (t.kind == SIM_TIMED_RAISE)
            raise_now(m, t.target);
        else
            ipi_now(m, t.target);
    }
}

void nx_sim_inject_user_entered(sim_machine_t *m, uintptr_t entry)
{
    sim_faults_t *f = &m->faults;
    nx_thread_t *t = nx_thread_current();
    if (t == NULL || t->task == NULL)
        return;
    for (uint32_t i = 0; i < m->cfg.program_count; i++)
        if (f->task[i] == t->task)
            return; /* another thread of a known program */
    for (uint32_t i = 0; i < m->cfg.program_count; i++) {
        if (f->task[i] == NULL &&
            (uintptr_t)nx_sim_program_find(m->cfg.programs[i].name) == entry) {
            f->task[i] = t->task;
            f->task_id[i] = t->task->id.v;
            return;
        }
    }
}

void nx_sim_inject_kill_pending(sim_machine_t *m)
{
    sim_faults_t *f = &m->faults;
    for (uint32_t i = 0; i < m->cfg.program_count; i++) {
        if (!f->kill_pending[i] || f->task[i] == NULL)
            continue; /* not started yet: killed once it is */
        f->kill_pending[i] = false;
        f->kills_pending--;
        nx_task_t *task = f->task[i];
        /* Task slots are static memory: a freed one reads as unreferenced,
         * a reused one under another id. Either way it already ended. */
        if (atomic_load_explicit(&task->obj.refs, memory_order_relaxed) == 0u ||
            task->id.v != f->task_id[i])
            continue;
        nx_object_ref(&task->obj);
        nx_task_kill(task);
        nx_object_unref(&task->obj);
    }
}
