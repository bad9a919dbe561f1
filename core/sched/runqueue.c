/*
 * runqueue.c - one hart's run queue: a FIFO per QoS class and a bitmap of
 * the non-empty ones, so picking the next thread is O(1) whatever the
 * number of runnable threads (the highest set bit, then the queue's head).
 */
#include "nx/panic.h"
#include "nx/sched.h"

/* Every operation runs under the queue's lock: checked, because touching
 * another hart's queue without its lock is exactly the bug to catch. */
static void assert_held(const nx_runqueue_t *rq)
{
    if (rq->owner != nx_port_this_hart() + 1u)
        nx_panic("run queue touched without its lock (held by %d)", (int)rq->owner - 1);
}

void nx_rq_init(nx_runqueue_t *rq, uint32_t hart)
{
    nx_spin_init(&rq->lock);
    rq->hart = hart;
    rq->owner = 0;
    rq->bitmap = 0;
    for (uint32_t c = 0; c < NX_QOS_COUNT; c++) {
        rq->head[c] = NULL;
        rq->tail[c] = NULL;
    }
    rq->count = 0;
}

void nx_rq_push_locked(nx_runqueue_t *rq, nx_thread_t *t)
{
    assert_held(rq);
    if (t->rq_hart != NX_RQ_NONE)
        nx_panic("thread %u queued on hart %u while already on hart %u's queue", t->id.v, rq->hart,
                 t->rq_hart);
    uint32_t c = (uint32_t)t->qos;
    t->rq_class = c;
    t->rq_hart = rq->hart;
    t->rq_next = NULL;
    t->rq_prev = rq->tail[c];
    if (rq->tail[c] != NULL)
        rq->tail[c]->rq_next = t;
    else
        rq->head[c] = t;
    rq->tail[c] = t;
    rq->bitmap |= 1u << c;
    rq->count++;
}

/* The unchecked steps, shared by the checked entry points below. */
static inline void unlink_thread(nx_runqueue_t *rq, nx_thread_t *t)
{
    uint32_t c = t->rq_class;
    t->rq_hart = NX_RQ_NONE;
    if (t->rq_prev != NULL)
        t->rq_prev->rq_next = t->rq_next;
    else
        rq->head[c] = t->rq_next;
    if (t->rq_next != NULL)
        t->rq_next->rq_prev = t->rq_prev;
    else
        rq->tail[c] = t->rq_prev;
    t->rq_next = t->rq_prev = NULL;
    if (rq->head[c] == NULL)
        rq->bitmap &= ~(1u << c);
    rq->count--;
}

static inline int best_class(const nx_runqueue_t *rq)
{
    return rq->bitmap == 0u ? -1 : 31 - __builtin_clz(rq->bitmap);
}

void nx_rq_remove_locked(nx_runqueue_t *rq, nx_thread_t *t)
{
    assert_held(rq);
    /* Unlinking from a queue it is not on would corrupt that queue. */
    if (t->rq_hart != rq->hart)
        nx_panic("thread %u removed from hart %u's queue but is on %d's", t->id.v, rq->hart,
                 (int)t->rq_hart);
    unlink_thread(rq, t);
}

int nx_rq_best_class_locked(const nx_runqueue_t *rq)
{
    assert_held(rq);
    return best_class(rq);
}

/* O(1): the highest non-empty class from the bitmap, then its head. */
nx_thread_t *nx_rq_pick_locked(nx_runqueue_t *rq)
{
    assert_held(rq);
    int c = best_class(rq);
    if (c < 0)
        return NULL;
    nx_thread_t *t = rq->head[c];
    unlink_thread(rq, t);
    return t;
}
