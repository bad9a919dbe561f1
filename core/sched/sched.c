/*
 * sched.c - picking, switching, waking, stealing (docs/scheduler.md).
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

/* Slice timers may fire up to this late, to share interrupts with others. */
#define NX_SLICE_SLACK_NS 50000ull /* 50 us */

/* Harts that finished bringing themselves up; only ever grows (until a
 * reset). Atomic: each hart sets its bit, every hart reads it. */
static _Atomic nx_affinity_t online_mask;
/* Harts in their idle loop with nothing to run: woken to steal when work
 * queues up on a busy hart they could take it from. */
static _Atomic nx_affinity_t idle_mask;

nx_affinity_t nx_sched_online(void)
{
    return atomic_load_explicit(&online_mask, memory_order_acquire);
}

void nx_sched_reset(void)
{
    atomic_store_explicit(&online_mask, 0u, memory_order_relaxed);
    atomic_store_explicit(&idle_mask, 0u, memory_order_relaxed);
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

static uint64_t budget_of(nx_qos_t qos)
{
    switch (qos) {
    case NX_QOS_PERFBURST:
        return NX_QOS_PERFBURST_BUDGET_NS;
    case NX_QOS_INTERACTIVE:
        return NX_QOS_INTERACTIVE_BUDGET_NS;
    case NX_QOS_IDLE:
    case NX_QOS_NORMAL:
    case NX_QOS_COUNT:
        break;
    }
    return UINT64_MAX;
}

void nx_qos_budget_init(nx_qos_budget_t *b)
{
    nx_spin_init(&b->lock);
    b->period_start_ns = 0;
    for (uint32_t c = 0; c < NX_QOS_COUNT; c++)
        b->used_ns[c] = 0;
}

/* Start a new period when the current one is over (lock held). Periods
 * are aligned to the first: no drift. Returns when the current one began. */
static uint64_t budget_roll_locked(nx_qos_budget_t *b, uint64_t now)
{
    if (now - b->period_start_ns >= NX_QOS_PERIOD_NS) {
        b->period_start_ns = now - (now - b->period_start_ns) % NX_QOS_PERIOD_NS;
        for (uint32_t c = 0; c < NX_QOS_COUNT; c++)
            b->used_ns[c] = 0;
    }
    return b->period_start_ns;
}

/* What `t`'s class has left of its budget this period (UINT64_MAX for a
 * class without one); charges `ran` first when `charge`. */
static uint64_t budget_left(nx_thread_t *t, uint64_t now, uint64_t ran, bool charge)
{
    nx_qos_t base = t->base_qos;
    uint64_t budget = budget_of(base);
    if (budget == UINT64_MAX)
        return UINT64_MAX;
    nx_qos_budget_t *b = t->budget;
    nx_spin_lock(&b->lock);
    if (b->period_start_ns == 0u)
        b->period_start_ns = now - ran; /* the first period starts with its first run */
    uint64_t start = budget_roll_locked(b, now);
    /* Only the part of the run inside this period, and only while it ran
     * above Normal, counts. */
    if (charge && t->qos > NX_QOS_NORMAL)
        b->used_ns[base] += ran < now - start ? ran : now - start;
    uint64_t used = b->used_ns[base];
    nx_spin_unlock(&b->lock);
    return used < budget ? budget - used : 0u;
}

/*
 * Charge `t` (running here) for the time since it last started or was
 * charged, and set its class for what follows: its own class while its
 * task's budget for it lasts, Normal after (re-queued there at its next
 * switch), its own again from the next period. Its class fields are
 * guarded by its hart's run queue lock: held.
 */
static void account(nx_percpu_t *p, nx_thread_t *t, uint64_t now)
{
    if (t->is_idle)
        return;
    uint64_t ran = now - t->run_start_ns;
    t->run_start_ns = now;
    t->cpu_ns += ran;
    nx_qos_t q = budget_left(t, now, ran, true) > 0u ? t->base_qos : NX_QOS_NORMAL;
    if (q < t->qos)
        p->stats.demotions++;
    t->qos = q;
}

static void slice_expired(nx_timer_t *timer, void *arg);

/* Arm this hart's slice timer for `t`: the end of its slice, or sooner the
 * end of its class's budget (shared with its task's other threads: one of
 * them may use it up first, which the next charge notices). */
static void arm_slice(nx_percpu_t *p, nx_thread_t *t, uint64_t now)
{
    if (t->is_idle) {
        (void)nx_timer_cancel(&p->slice);
        return;
    }
    uint64_t end = now + NX_SCHED_SLICE_NS;
    if (t->qos > NX_QOS_NORMAL) {
        uint64_t left = budget_left(t, now, 0, false);
        if (left < NX_SCHED_SLICE_NS)
            end = now + left;
    }
    nx_timer_arm(&p->slice, end, NX_SLICE_SLACK_NS);
}

/* Nudge one idle hart, other than `busy`, that may run a thread of
 * `allowed` to come and steal (the first after `busy` in hart order).
 * Best effort: if the nudge is dropped, the next slice tick of `busy`
 * sends another while it still has work queued. */
static void kick_idle(nx_affinity_t allowed, uint32_t busy)
{
    nx_affinity_t idle =
        atomic_load_explicit(&idle_mask, memory_order_acquire) & allowed & ~(1u << busy);
    if (idle == 0u)
        return;
    nx_affinity_t after = idle & ~((2u << busy) - 1u);
    uint32_t h = (uint32_t)__builtin_ctz(after != 0u ? after : idle);
    if (h != nx_port_this_hart())
        (void)nx_ipi_send(h, NX_IPI_BEST_EFFORT, NX_IPI_WAKE);
}

/* The slice (or budget) of the current thread ran out. */
static void slice_expired(nx_timer_t *timer, void *arg)
{
    (void)timer;
    (void)arg;
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    nx_thread_t *cur = p->current;
    if (cur == NULL || cur->is_idle)
        return;
    uint64_t now = nx_port_time_ns();
    nx_runqueue_t *rq = nx_rq_lock(p->hart);
    nx_qos_t before = cur->qos;
    account(p, cur, now);
    nx_qos_t after = cur->qos;
    int best = nx_rq_best_class_locked(rq);
    bool waiting = rq->count > 0u;
    nx_rq_unlock(rq);
    if (best >= (int)after || after != before) {
        p->need_resched = true;
        p->stats.preemptions++;
    } else {
        arm_slice(p, cur, now);
    }
    /* Work waits here: an idle hart missed its kick (kicks are best
     * effort) or was busy then. Ask again, once a slice. */
    if (waiting)
        kick_idle(NX_AFFINITY_ALL, p->hart);
}

/* Where `t` should be queued: its last hart if allowed, else the lowest
 * allowed online hart. */
static uint32_t place(const nx_thread_t *t)
{
    nx_affinity_t allowed = nx_thread_affinity(t) & nx_sched_online();
    uint32_t last = __atomic_load_n(&t->hart, __ATOMIC_RELAXED);
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
static void enqueue(nx_thread_t *t, uint32_t hart)
{
    if (hart != __atomic_load_n(&t->hart, __ATOMIC_RELAXED))
        while (atomic_load_explicit(&t->on_cpu, memory_order_acquire) != 0u)
            nx_port_relax();
    nx_percpu_t *me = nx_percpu(nx_hart_self());
    nx_percpu_t *target = nx_percpu_of(hart);
    nx_runqueue_t *rq = nx_rq_lock(hart);
    __atomic_store_n(&t->hart, hart, __ATOMIC_RELAXED);
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
        kick_idle(nx_thread_affinity(t), hart);
}

void nx_sched_start(nx_thread_t *t)
{
    nx_spin_lock(&t->sched_lock);
    enqueue(t, place(t));
    nx_spin_unlock(&t->sched_lock);
}

void nx_sched_wake(nx_thread_t *t, nx_status_t result)
{
    atomic_store_explicit(&t->wait_result, (int32_t)result, memory_order_relaxed);
    nx_spin_lock(&t->sched_lock);
    enqueue(t, place(t));
    nx_spin_unlock(&t->sched_lock);
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
        enqueue(prev, place(prev));
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
    account(p, cur, now);
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
        arm_slice(p, cur, now);
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
    arm_slice(p, next, now);
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

/*
 * Take one thread from another hart's queue onto this hart's (victims in
 * a fixed order: the next harts up, wrapping; in each, the best class
 * first, at most NX_STEAL_SCAN_MAX threads a class). Never one its mask
 * keeps off this hart, one still being switched away from, or one whose
 * scheduling lock is busy (someone is changing it: the next look will
 * do). The thread moves with its lock held, so nobody sees it between
 * the two queues.
 */
static bool steal(nx_percpu_t *p)
{
    for (uint32_t i = 1; i < NX_MAX_HARTS; i++) {
        uint32_t v = (p->hart + i) % NX_MAX_HARTS;
        if ((nx_sched_online() & (1u << v)) == 0u)
            continue;
        nx_runqueue_t *rq = nx_rq_lock(v);
        nx_thread_t *found = NULL;
        for (int c = NX_QOS_COUNT - 1; c >= 0 && found == NULL; c--) {
            uint32_t scanned = 0;
            for (nx_thread_t *t = rq->head[c]; t != NULL && scanned < NX_STEAL_SCAN_MAX;
                 t = t->rq_next, scanned++) {
                if ((nx_thread_affinity(t) & (1u << p->hart)) == 0u ||
                    atomic_load_explicit(&t->on_cpu, memory_order_acquire) != 0u)
                    continue;
                /* Out of the lock order (run queue, then thread): only a
                 * try, never a wait. */
                if (nx_spin_trylock(&t->sched_lock)) {
                    found = t;
                    break;
                }
            }
        }
        if (found != NULL)
            nx_rq_remove_locked(rq, found);
        nx_rq_unlock(rq);
        if (found != NULL) {
            enqueue(found, p->hart);
            nx_spin_unlock(&found->sched_lock);
            return true;
        }
    }
    return false;
}

void nx_sched_init_hart(void)
{
    uint32_t hart = nx_port_this_hart();
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    nx_thread_t *idle = &p->idle;
    idle->is_idle = true;
    idle->id.v = 0;
    idle->hart = hart;
    idle->rq_hart = NX_RQ_NONE;
    idle->qos = idle->base_qos = NX_QOS_IDLE;
    idle->affinity = 1u << hart;
    nx_spin_init(&idle->sched_lock);
    atomic_store(&idle->state, (uint32_t)NX_THREAD_RUNNING);
    atomic_store(&idle->on_cpu, 1u);
    nx_port_context_current(&idle->ctx);
    p->current = idle;
    nx_timer_init(&p->slice, slice_expired, NULL);
    atomic_fetch_or_explicit(&online_mask, 1u << hart, memory_order_acq_rel);
}

_Noreturn void nx_sched_idle_loop(void)
{
    for (;;) {
        nx_percpu_t *p = nx_percpu(nx_hart_self());
        uint32_t bit = 1u << p->hart;
        /* Marked idle before looking for work: a kick sent after the look
         * finds nothing is an IPI pending, and nx_port_idle() returns. */
        atomic_fetch_or_explicit(&idle_mask, bit, memory_order_seq_cst);
        nx_runqueue_t *rq = nx_rq_lock(p->hart);
        bool work = rq->count > 0u;
        nx_rq_unlock(rq);
        if (!work && steal(p)) {
            p->stats.steals++;
            work = true;
        }
        if (!work)
            nx_port_idle();
        atomic_fetch_and_explicit(&idle_mask, ~bit, memory_order_seq_cst);
        if (work || p->need_resched)
            schedule(false);
    }
}

/* Lock the run queue of the hart `t` is on. The caller holds
 * t->sched_lock, under which t->hart does not change. */
static nx_runqueue_t *lock_thread_rq(nx_thread_t *t)
{
    return nx_rq_lock(__atomic_load_n(&t->hart, __ATOMIC_RELAXED));
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
    bool out_of_budget = t->qos < t->base_qos;
    nx_qos_t effective = qos > NX_QOS_NORMAL && out_of_budget ? NX_QOS_NORMAL : qos;
    __atomic_store_n(&t->base_qos, qos, __ATOMIC_RELAXED);
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
    __atomic_store_n(&t->affinity, mask, __ATOMIC_RELAXED);
    bool allowed = (mask & (1u << hart)) != 0u;
    bool queued = t->rq_hart == hart;
    bool running = atomic_load(&t->state) == NX_THREAD_RUNNING;
    if (queued && !allowed)
        nx_rq_remove_locked(rq, t);
    nx_rq_unlock(rq);
    if (!allowed && queued)
        enqueue(t, place(t)); /* still under its lock: nobody sees it unqueued */
    nx_spin_unlock(&t->sched_lock);
    if (allowed || !running)
        return; /* blocked: placed by its new mask when woken */
    nx_percpu_t *me = nx_percpu(nx_hart_self());
    if (hart == me->hart)
        me->need_resched = true; /* schedule() moves it */
    else
        (void)nx_ipi_send(hart, NX_IPI_CORRECTNESS, NX_IPI_MIGRATE);
}
