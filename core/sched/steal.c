/*
 * steal.c - an idle hart takes work from the others (docs/scheduler.md).
 */
#include "sched_internal.h"

/*
 * Take one thread from another hart's queue onto this hart's (victims in
 * a fixed order: the next harts up, wrapping; in each, the best class
 * first, at most NX_STEAL_SCAN_MAX threads a class). Never one its mask
 * keeps off this hart, one still being switched away from, or one whose
 * scheduling lock is busy (someone is changing it: the next look will
 * do). The thread moves with its lock held, so nobody sees it between
 * the two queues.
 */
bool nx_sched_steal(nx_percpu_t *p)
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
            nx_sched_enqueue(found, p->hart);
            nx_spin_unlock(&found->sched_lock);
            return true;
        }
    }
    return false;
}
