/*
 * percpu.c - per-hart scheduler state and the run queue locks that guard
 * the part of it other harts may touch (see nx/sched.h).
 */
#include "nx/panic.h"
#include "sched_internal.h"

static nx_percpu_t percpu[NX_MAX_HARTS];

nx_hart_token_t nx_hart_self(void)
{
    nx_hart_token_t t = { nx_port_this_hart() };
    return t;
}

nx_percpu_t *nx_percpu(nx_hart_token_t token)
{
    uint32_t self = nx_port_this_hart();
    if (token.hart != self || self >= NX_MAX_HARTS)
        nx_panic("hart %u used hart %u's private state", self, token.hart);
    return &percpu[self];
}

nx_percpu_t *nx_percpu_self(void)
{
    uint32_t self = nx_port_this_hart();
    if (self >= NX_MAX_HARTS)
        nx_panic("hart index %u is past NX_MAX_HARTS", self);
    return &percpu[self];
}

nx_percpu_t *nx_percpu_reset(uint32_t hart)
{
    nx_percpu_t *p = &percpu[hart];
    p->hart = hart;
    nx_rq_init(&p->rq, hart);
    p->current = NULL;
    p->prev = NULL;
    p->prev_migrates = false;
    p->active_aspace = NULL;
    p->need_resched = false;
    p->rq_locks_held = 0;
    atomic_store_explicit(&p->ipi_pending, 0u, memory_order_relaxed);
    atomic_store_explicit(&p->be_in_flight, 0u, memory_order_relaxed);
    nx_spin_init(&p->be_lock);
    p->be_window_start = 0;
    p->be_window_count = 0;
    p->stats = (nx_sched_stats_t){ 0 };
    return p;
}

nx_percpu_t *nx_percpu_of(uint32_t hart)
{
    if (hart >= NX_MAX_HARTS)
        nx_panic("no hart %u", hart);
    return &percpu[hart];
}

nx_runqueue_t *nx_rq_lock(uint32_t hart)
{
    uint32_t self = nx_port_this_hart();
    nx_percpu_t *me = &percpu[self];
    /* Ascending hart order: holding hart j's lock, only j' > j may follow. */
    if (hart >= NX_MAX_HARTS || (me->rq_locks_held >> hart) != 0u)
        nx_panic("run queue lock order: hart %u takes hart %u's lock holding 0x%x", self, hart,
                 me->rq_locks_held);
    nx_runqueue_t *rq = &percpu[hart].rq;
    nx_spin_lock(&rq->lock);
    rq->owner = self + 1u;
    me->rq_locks_held |= 1u << hart;
    return rq;
}

const nx_percpu_t *nx_percpu_peek(uint32_t hart)
{
    return hart < NX_MAX_HARTS ? &percpu[hart] : NULL;
}

void nx_rq_unlock(nx_runqueue_t *rq)
{
    uint32_t self = nx_port_this_hart();
    uint32_t hart = rq->hart;
    if (rq->owner != self + 1u)
        nx_panic("hart %u unlocks hart %u's run queue, held by %d", self, hart, (int)rq->owner - 1);
    rq->owner = 0;
    percpu[self].rq_locks_held &= ~(1u << hart);
    nx_spin_unlock(&rq->lock);
}
