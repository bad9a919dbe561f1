/*
 * sched.c - switching: what runs next on a hart, the idle loop, and the
 * scheduler's per-hart state (docs/scheduler.md). Budgets and slices are
 * in budget.c, placement in place.c, stealing in steal.c.
 *
 * Each hart runs the best thread of its own run queue: strict priority
 * between QoS classes, round robin inside one (a thread that used its
 * NX_SCHED_SLICE_NS goes to the back). Threads above Normal have a CPU
 * budget per NX_QOS_PERIOD_NS; one that used it runs as Normal until its
 * next period. A hart with nothing to run steals from the others in a fixed
 * order (hart+1, hart+2, ...), never a thread its affinity forbids there.
 *
 * Scheduling happens only at points the current thread reaches: a wait, a
 * yield, an exit, and nx_kernel_preempt() on the way back to user mode
 * after an interrupt. Interrupt handlers only set need_resched.
 */
#include "nx/kernel.h"
#include "nx/task.h"
#include "nx/thread_api.h"
#include "nx/user.h"
#include "nx/panic.h"
#include "nx/trace.h"
#include "sched_internal.h"

/* Harts that finished bringing themselves up; only ever grows (until a
 * reset). Atomic: each hart sets its bit, every hart reads it. */
static _Atomic nx_affinity_t online_mask;
/* Harts in their idle loop with nothing to run: woken to steal when work
 * queues up on a busy hart they could take it from. */
_Atomic nx_affinity_t nx_sched_idle_mask;

nx_affinity_t nx_sched_online(void)
{
    return atomic_load_explicit(&online_mask, memory_order_acquire);
}

void nx_sched_reset(void)
{
    atomic_store_explicit(&online_mask, 0u, memory_order_relaxed);
    atomic_store_explicit(&nx_sched_idle_mask, 0u, memory_order_relaxed);
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++)
        (void)nx_percpu_reset(h);
}

nx_thread_t *nx_thread_current(void)
{
    return nx_percpu_self()->current;
}

nx_sched_stats_t nx_sched_stats(uint32_t hart)
{
    const nx_percpu_t *p = nx_percpu_peek(hart);
    nx_sched_stats_t none = { 0 };
    return p != NULL ? p->stats : none;
}

void nx_sched_finish_switch(void)
{
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    nx_thread_t *prev = p->prev;
    bool migrate = p->prev_migrates;
    p->prev = NULL;
    p->prev_migrates = false;
    if (prev == NULL)
        return;
    bool dead = atomic_load_explicit(&prev->state, memory_order_acquire) == NX_THREAD_DEAD;
    /* From here another hart may run it. */
    atomic_store_explicit(&prev->on_cpu, 0u, memory_order_release);
    if (dead) {
        nx_thread_reap(prev);
    } else if (migrate) {
        /* Its mask no longer allows the hart it ran on: off that hart's
         * books now, it can be queued where it may run. */
        nx_spin_lock(&prev->sched_lock);
        nx_sched_enqueue(prev, nx_sched_place(prev));
        nx_spin_unlock(&prev->sched_lock);
    }
}

/*
 * Choose what runs next on this hart and switch to it. With `requeue`
 * (yield, preemption) the current thread, still RUNNING, goes back to this
 * hart's queue, or, if its mask no longer allows this hart, to another
 * once the switch is over. Without (it blocked or exited) it goes nowhere:
 * whoever wakes it queues it. Called with no lock held; returns (perhaps
 * on another hart) when the current thread runs again.
 */
static void schedule(bool requeue)
{
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    nx_thread_t *cur = p->current;
    uint64_t now = nx_port_time_ns();
    requeue = requeue && !cur->is_idle;

    bool migrate = false;
    if (requeue)
        nx_spin_lock(&cur->sched_lock); /* against set_qos / set_affinity */
    nx_runqueue_t *rq = nx_rq_lock(p->hart);
    nx_sched_account(p, cur, now);
    if (requeue) {
        atomic_store(&cur->state, (uint32_t)NX_THREAD_READY);
        if ((nx_thread_affinity(cur) & (1u << p->hart)) != 0u)
            nx_rq_push_locked(rq, cur);
        else
            migrate = true;
    }
    nx_thread_t *next = nx_rq_pick_locked(rq);
    if (next == NULL)
        next = &p->idle;
    atomic_store(&next->state, (uint32_t)NX_THREAD_RUNNING);
    p->need_resched = false;
    p->current = next;
    nx_rq_unlock(rq);
    if (requeue)
        nx_spin_unlock(&cur->sched_lock);

    if (next == cur) {
        nx_sched_arm_slice(p, cur, now);
        return;
    }
    /* Only threads off every hart are queued elsewhere (enqueue), and
     * this hart's own current is `cur`: nothing picked can be running. */
    if (atomic_load_explicit(&next->on_cpu, memory_order_acquire) != 0u)
        nx_panic("hart %u picked thread %u while it still runs elsewhere", p->hart, next->id.v);
    atomic_store_explicit(&next->on_cpu, 1u, memory_order_relaxed);
    next->run_start_ns = now;
    p->prev = cur;
    p->prev_migrates = migrate;
    p->stats.switches++;
    nx_trace(NX_TRACE_CONTEXT_SWITCH, cur->id.v, next->id.v);
    nx_sched_arm_slice(p, next, now);
    /* Its task's address space (none for kernel threads: the kernel is
     * mapped in every space, but a dead task's must not stay active). */
    nx_port_aspace_t *as = nx_task_aspace(next->task);
    if (as != p->active_aspace) {
        nx_port_aspace_activate(as);
        p->active_aspace = as;
    }
    nx_port_context_switch(&cur->ctx, &next->ctx);
    nx_sched_finish_switch();
}

void nx_sched_yield(void)
{
    nx_percpu(nx_hart_self())->stats.yields++;
    schedule(true);
}

void nx_sched_block(void)
{
    schedule(false);
}

_Noreturn void nx_sched_exit(int32_t code)
{
    nx_thread_t *t = nx_thread_current();
    /* The event first: a woken joiner (init) may end the machine before
     * this hart runs another instruction. */
    nx_trace(NX_TRACE_THREAD_EXIT, t->id.v, (uint64_t)(int64_t)code);
    nx_spin_lock(&t->exit_waiters.lock);
    t->exit_code = code;
    atomic_store_explicit(&t->state, (uint32_t)NX_THREAD_DEAD, memory_order_release);
    nx_wake_all_locked(&t->exit_waiters, NX_OK);
    nx_spin_unlock(&t->exit_waiters.lock);
    schedule(false);
    nx_panic("thread %u ran after it exited", t->id.v);
}

void nx_kernel_preempt(void)
{
    nx_percpu_t *p = nx_percpu_self();
    nx_thread_exit_if_killed(p->current);
    if (p->need_resched && !p->current->is_idle)
        schedule(true);
}

void nx_sched_init_hart(void)
{
    uint32_t hart = nx_port_this_hart();
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    nx_thread_t *idle = &p->idle;
    idle->is_idle = true;
    idle->id.v = 0;
    atomic_store_explicit(&idle->hart, hart, memory_order_relaxed);
    idle->rq_hart = NX_RQ_NONE;
    idle->qos = NX_QOS_IDLE;
    atomic_store_explicit(&idle->base_qos, NX_QOS_IDLE, memory_order_relaxed);
    atomic_store_explicit(&idle->affinity, 1u << hart, memory_order_relaxed);
    nx_spin_init(&idle->sched_lock);
    atomic_store(&idle->state, (uint32_t)NX_THREAD_RUNNING);
    atomic_store(&idle->on_cpu, 1u);
    nx_port_context_current(&idle->ctx);
    p->current = idle;
    nx_sched_slice_init(p);
    atomic_fetch_or_explicit(&online_mask, 1u << hart, memory_order_acq_rel);
}

_Noreturn void nx_sched_idle_loop(void)
{
    for (;;) {
        nx_percpu_t *p = nx_percpu(nx_hart_self());
        uint32_t bit = 1u << p->hart;
        /* Marked idle before looking for work: a kick sent after the look
         * finds nothing is an IPI pending, and nx_port_idle() returns. */
        atomic_fetch_or_explicit(&nx_sched_idle_mask, bit, memory_order_seq_cst);
        nx_runqueue_t *rq = nx_rq_lock(p->hart);
        bool work = rq->count > 0u;
        nx_rq_unlock(rq);
        if (!work && nx_sched_steal(p)) {
            p->stats.steals++;
            work = true;
        }
        if (!work)
            nx_port_idle();
        atomic_fetch_and_explicit(&nx_sched_idle_mask, ~bit, memory_order_seq_cst);
        if (work || p->need_resched)
            schedule(false);
    }
}
