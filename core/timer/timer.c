/*
 * timer.c - per-hart timer queues with slack coalescing (see nx/timer.h).
 *
 * A queue is a list sorted by deadline (bounded: every timer is embedded in
 * a bounded object, one per thread plus one slice timer per hart). The
 * hardware is programmed for min(latest) over the queue: no timer fires
 * late, and the interrupt fires every timer whose deadline has come, which
 * is every timer whose window contains that instant.
 */
#include "nx/kernel.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/spinlock.h"
#include "nx/timer.h"
#include "nx/trace.h"

/* One callback run per interrupt at most this many times: a callback that
 * keeps re-arming in the past cannot hold the hart forever. */
#define NX_TIMER_MAX_FIRE_ROUNDS 64u

static struct timer_queue {
    nx_spinlock_t lock;
    nx_timer_t *head;    /* sorted by deadline */
    uint64_t programmed; /* hardware deadline now, UINT64_MAX: disarmed */
    nx_timer_stats_t stats;
} queues[NX_MAX_HARTS];

void nx_timer_reset(void)
{
    for (uint32_t h = 0; h < NX_MAX_HARTS; h++) {
        queues[h].head = NULL;
        queues[h].programmed = UINT64_MAX;
        queues[h].stats = (nx_timer_stats_t){ 0, 0, 0, 0, 0 };
        nx_spin_init(&queues[h].lock);
    }
}

void nx_timer_init(nx_timer_t *timer, nx_timer_fn fn, void *arg)
{
    timer->deadline = 0;
    timer->latest = 0;
    timer->fn = fn;
    timer->arg = arg;
    timer->next = NULL;
    atomic_init(&timer->hart, NX_TIMER_NONE);
    atomic_store_explicit(&timer->firing, 0u, memory_order_relaxed);
}

nx_timer_stats_t nx_timer_stats(uint32_t hart)
{
    nx_timer_stats_t s = { 0, 0, 0, 0, 0 };
    /* Read without the lock: readers are tests and the console, and a
     * stopped machine may have stopped with the lock held. */
    if (hart < NX_MAX_HARTS)
        s = queues[hart].stats;
    return s;
}

/* The earliest "latest allowed" time on the queue. */
static uint64_t target_locked(const struct timer_queue *q)
{
    uint64_t t = UINT64_MAX;
    for (const nx_timer_t *p = q->head; p != NULL; p = p->next)
        if (p->latest < t)
            t = p->latest;
    return t;
}

/* Program the hardware for `target` if that is earlier than what it has:
 * a later target can wait for the programmed interrupt, which reprograms. */
static void program_locked(struct timer_queue *q, uint64_t target)
{
    if (target >= q->programmed)
        return;
    q->programmed = target;
    q->stats.programmed++;
    nx_port_timer_arm(target);
    nx_trace(NX_TRACE_TIMER_PROGRAM, target, 0);
}

static void unlink_locked(struct timer_queue *q, nx_timer_t *timer)
{
    for (nx_timer_t **pp = &q->head; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == timer) {
            *pp = timer->next;
            break;
        }
    }
    timer->next = NULL;
    atomic_store_explicit(&timer->hart, NX_TIMER_NONE, memory_order_release);
}

void nx_timer_arm(nx_timer_t *timer, uint64_t deadline, uint64_t slack)
{
    (void)nx_timer_cancel(timer);
    uint32_t hart = nx_port_this_hart();
    struct timer_queue *q = &queues[hart];
    if (slack > NX_TIMER_MAX_SLACK_NS)
        slack = NX_TIMER_MAX_SLACK_NS;
    timer->deadline = deadline;
    timer->latest = deadline + slack < deadline ? UINT64_MAX : deadline + slack;

    nx_spin_lock(&q->lock);
    nx_timer_t **pp = &q->head;
    while (*pp != NULL && (*pp)->deadline <= deadline)
        pp = &(*pp)->next;
    timer->next = *pp;
    *pp = timer;
    atomic_store_explicit(&timer->hart, hart, memory_order_release);
    q->stats.armed++;
    program_locked(q, target_locked(q));
    nx_spin_unlock(&q->lock);
}

bool nx_timer_cancel(nx_timer_t *timer)
{
    uint32_t hart = atomic_load_explicit(&timer->hart, memory_order_acquire);
    if (hart >= NX_MAX_HARTS)
        return false;
    struct timer_queue *q = &queues[hart];
    nx_spin_lock(&q->lock);
    /* It may have fired (or moved) between the load and the lock. */
    bool armed = atomic_load_explicit(&timer->hart, memory_order_relaxed) == hart;
    if (armed)
        unlink_locked(q, timer);
    /* The hardware stays programmed: an interrupt with nothing due is
     * cheaper than reprogramming on every cancel. */
    nx_spin_unlock(&q->lock);
    return armed;
}

void nx_timer_cancel_sync(nx_timer_t *timer)
{
    if (nx_timer_cancel(timer))
        return;
    while (atomic_load_explicit(&timer->firing, memory_order_acquire) != 0u)
        nx_port_relax();
}

void nx_timer_interrupt(void)
{
    uint32_t hart = nx_port_this_hart();
    struct timer_queue *q = &queues[hart];
    for (uint32_t round = 0; round < NX_TIMER_MAX_FIRE_ROUNDS; round++) {
        uint64_t now = nx_port_time_ns();
        nx_spin_lock(&q->lock);
        if (round == 0u) {
            q->stats.interrupts++;
            q->programmed = UINT64_MAX; /* the port disarmed it */
        }
        /* Take every due timer off the queue (the front: sorted). */
        nx_timer_t *due = q->head, *last = NULL;
        uint32_t count = 0;
        for (nx_timer_t *p = q->head; p != NULL && p->deadline <= now; p = p->next) {
            /* firing before hart (release): a canceller that sees the
             * timer off its queue (acquire) also sees it firing, and
             * nx_timer_cancel_sync() waits for the callback. */
            atomic_store_explicit(&p->firing, 1u, memory_order_relaxed);
            atomic_store_explicit(&p->hart, NX_TIMER_NONE, memory_order_release);
            last = p;
            count++;
        }
        if (last != NULL) {
            q->head = last->next;
            last->next = NULL;
        } else {
            due = NULL;
        }
        q->stats.fired += count;
        /* One of them needed this interrupt; the others rode along. */
        if (count > 1u)
            q->stats.coalesced += count - 1u;
        program_locked(q, target_locked(q));
        nx_spin_unlock(&q->lock);
        if (count == 0u)
            return;
        nx_trace(NX_TRACE_TIMER_FIRE, count, due->deadline);
        /* Callbacks run unlocked: they may re-arm this very timer. */
        while (due != NULL) {
            nx_timer_t *t = due;
            due = t->next;
            t->next = NULL;
            t->fn(t, t->arg);
            atomic_store_explicit(&t->firing, 0u, memory_order_release);
        }
    }
}

void nx_kernel_timer_interrupt(void)
{
    nx_timer_interrupt();
}
