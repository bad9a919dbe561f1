/*
 * budget.c - CPU budgets of the QoS classes and the slice timer
 * (docs/scheduler.md).
 *
 * Threads above Normal share their task's budget per class per
 * NX_QOS_PERIOD_NS; a thread that used it runs as Normal until the next
 * period. Each hart's slice timer ends the current thread's slice, or
 * sooner the end of its class's budget.
 */
#include "nx/panic.h"
#include "sched_internal.h"

/* Slice timers may fire up to this late, to share interrupts with others. */
#define NX_SLICE_SLACK_NS 50000ull /* 50 us */

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
    nx_qos_t base = nx_thread_base_qos(t);
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
void nx_sched_account(nx_percpu_t *p, nx_thread_t *t, uint64_t now)
{
    if (t->is_idle)
        return;
    uint64_t ran = now - t->run_start_ns;
    t->run_start_ns = now;
    t->cpu_ns += ran;
    nx_qos_t q = budget_left(t, now, ran, true) > 0u ? nx_thread_base_qos(t) : NX_QOS_NORMAL;
    if (q < t->qos)
        p->stats.demotions++;
    t->qos = q;
}

/* Arm this hart's slice timer for `t`: the end of its slice, or sooner the
 * end of its class's budget (shared with its task's other threads: one of
 * them may use it up first, which the next charge notices). */
void nx_sched_arm_slice(nx_percpu_t *p, nx_thread_t *t, uint64_t now)
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
    nx_sched_account(p, cur, now);
    nx_qos_t after = cur->qos;
    int best = nx_rq_best_class_locked(rq);
    bool waiting = rq->count > 0u;
    nx_rq_unlock(rq);
    if (best >= (int)after || after != before) {
        p->need_resched = true;
        p->stats.preemptions++;
    } else {
        nx_sched_arm_slice(p, cur, now);
    }
    /* Work waits here: an idle hart missed its kick (kicks are best
     * effort) or was busy then. Ask again, once a slice. */
    if (waiting)
        nx_sched_kick_idle(NX_AFFINITY_ALL, p->hart);
}

void nx_sched_slice_init(nx_percpu_t *p)
{
    nx_timer_init(&p->slice, slice_expired, NULL);
}
