/*
 * place.c - where a runnable thread goes: its queue, the hart told about
 * it, and changes of class and mask (docs/scheduler.md).
 */
#include "nx/panic.h"
#include "nx/trace.h"
#include "sched_internal.h"

/* Nudge one idle hart, other than `busy`, that may run a thread of
 * `allowed` to come and steal (the first after `busy` in hart order).
 * Best effort: if the nudge is dropped, the next slice tick of `busy`
 * sends another while it still has work queued. */
void nx_sched_kick_idle(nx_affinity_t allowed, uint32_t busy)
{
    nx_affinity_t idle =
        atomic_load_explicit(&nx_sched_idle_mask, memory_order_acquire) & allowed & ~(1u << busy);
    if (idle == 0u)
        return;
    nx_affinity_t after = idle & ~((2u << busy) - 1u);
    uint32_t h = (uint32_t)__builtin_ctz(after != 0u ? after : idle);
    if (h != nx_port_this_hart())
        (void)nx_ipi_send(h, NX_IPI_BEST_EFFORT, NX_IPI_WAKE);
}

/* Where `t` should be queued: its last hart if allowed, else the lowest
 * allowed online hart. */
uint32_t nx_sched_place(const nx_thread_t *t)
{
    nx_affinity_t allowed = nx_thread_affinity(t) & nx_sched_online();
    uint32_t last = nx_thread_hart(t);
    if (allowed & (1u << last))
        return last;
    if (allowed == 0u)
        nx_panic("thread %u may run on no online hart (affinity 0x%x, online 0x%x)", t->id.v,
                 nx_thread_affinity(t), nx_sched_online());
    return (uint32_t)__builtin_ctz(allowed);
}

/*
 * Queue `t` (READY from now, on no queue) on `hart` and tell that hart if
 * it should look. The caller holds t->sched_lock. A thread still being
 * switched away from on its last hart (on_cpu) may only be queued there;
 * elsewhere we first wait for the switch to finish, so that no hart ever
 * picks a thread another hart is still running on. That hart does not
 * wait for anything we hold: the wait is bounded by its switch.
 */
void nx_sched_enqueue(nx_thread_t *t, uint32_t hart)
{
    if (hart != nx_thread_hart(t))
        while (atomic_load_explicit(&t->on_cpu, memory_order_acquire) != 0u)
            nx_port_relax();
    nx_percpu_t *me = nx_percpu(nx_hart_self());
    nx_percpu_t *target = nx_percpu_of(hart);
    nx_runqueue_t *rq = nx_rq_lock(hart);
    atomic_store_explicit(&t->hart, hart, memory_order_relaxed);
    atomic_store_explicit(&t->state, (uint32_t)NX_THREAD_READY, memory_order_release);
    nx_rq_push_locked(rq, t);
    nx_thread_t *cur = target->current;
    bool idle = cur == NULL || cur->is_idle;
    bool better = idle || t->qos > cur->qos;
    nx_rq_unlock(rq);
    nx_trace(NX_TRACE_WAKE, t->id.v, hart);
    if (hart == me->hart) {
        if (better)
            me->need_resched = true;
    } else if (idle) {
        /* It may be asleep in its idle loop: this wake-up must happen. */
        (void)nx_ipi_send(hart, NX_IPI_CORRECTNESS, NX_IPI_WAKE);
    } else if (better) {
        (void)nx_ipi_send(hart, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED);
    }
    if (!idle)
        nx_sched_kick_idle(nx_thread_affinity(t), hart);
}

void nx_sched_start(nx_thread_t *t)
{
    nx_spin_lock(&t->sched_lock);
    nx_sched_enqueue(t, nx_sched_place(t));
    nx_spin_unlock(&t->sched_lock);
}

void nx_sched_wake(nx_thread_t *t, nx_status_t result)
{
    atomic_store_explicit(&t->wait_result, (int32_t)result, memory_order_relaxed);
    nx_spin_lock(&t->sched_lock);
    nx_sched_enqueue(t, nx_sched_place(t));
    nx_spin_unlock(&t->sched_lock);
}

/* Lock the run queue of the hart `t` is on. The caller holds
 * t->sched_lock, under which t->hart does not change. */
static nx_runqueue_t *lock_thread_rq(nx_thread_t *t)
{
    return nx_rq_lock(nx_thread_hart(t));
}

void nx_sched_set_qos(nx_thread_t *t, nx_qos_t qos)
{
    nx_spin_lock(&t->sched_lock);
    nx_runqueue_t *rq = lock_thread_rq(t);
    uint32_t hart = rq->hart;
    /* The budget stays: its task's use this period still counts, whatever
     * the class is set to, and a thread running as Normal for want of
     * budget stays Normal (else setting its class again would refill it);
     * its next charge decides, within a slice. */
    bool out_of_budget = t->qos < nx_thread_base_qos(t);
    nx_qos_t effective = qos > NX_QOS_NORMAL && out_of_budget ? NX_QOS_NORMAL : qos;
    atomic_store_explicit(&t->base_qos, qos, memory_order_relaxed);
    bool changed = effective != t->qos;
    bool queued = t->rq_hart == hart;
    bool running = atomic_load(&t->state) == NX_THREAD_RUNNING;
    if (changed && queued)
        nx_rq_remove_locked(rq, t);
    t->qos = effective;
    if (changed && queued)
        nx_rq_push_locked(rq, t);
    nx_rq_unlock(rq);
    nx_spin_unlock(&t->sched_lock);
    if (!changed || (!queued && !running))
        return; /* nothing to reconsider: same class, or not runnable */
    nx_percpu_t *me = nx_percpu(nx_hart_self());
    if (hart == me->hart)
        me->need_resched = true;
    else
        (void)nx_ipi_send(hart, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED);
}

void nx_sched_set_affinity(nx_thread_t *t, nx_affinity_t mask)
{
    nx_spin_lock(&t->sched_lock);
    nx_runqueue_t *rq = lock_thread_rq(t);
    uint32_t hart = rq->hart;
    atomic_store_explicit(&t->affinity, mask, memory_order_relaxed);
    bool allowed = (mask & (1u << hart)) != 0u;
    bool queued = t->rq_hart == hart;
    bool running = atomic_load(&t->state) == NX_THREAD_RUNNING;
    if (queued && !allowed)
        nx_rq_remove_locked(rq, t);
    nx_rq_unlock(rq);
    if (!allowed && queued)
        nx_sched_enqueue(t, nx_sched_place(t)); /* still under its lock: nobody sees it unqueued */
    nx_spin_unlock(&t->sched_lock);
    if (allowed || !running)
        return; /* blocked: placed by its new mask when woken */
    nx_percpu_t *me = nx_percpu(nx_hart_self());
    if (hart == me->hart)
        me->need_resched = true; /* schedule() moves it */
    else
        (void)nx_ipi_send(hart, NX_IPI_CORRECTNESS, NX_IPI_MIGRATE);
}
