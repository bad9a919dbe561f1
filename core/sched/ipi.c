/*
 * ipi.c - inter-processor interrupts in two classes (decision point 2).
 *
 * Correctness IPIs (a remote wake-up that must happen; later TLB
 * shootdowns) are always sent. Best-effort IPIs (reschedule nudges) to one
 * hart are coalesced while one is in flight and limited to
 * NX_IPI_BE_PER_WINDOW per NX_IPI_BE_WINDOW_NS; a dropped nudge only
 * delays a reschedule to the target's next slice tick. Either way the
 * reasons travel in the target's mailbox, since IPIs that arrive together
 * merge into one interrupt.
 */
#include "nx/kernel.h"
#include "nx/panic.h"
#include "nx/trace.h"
#include "sched_internal.h"

static uint64_t trace_word(nx_ipi_class_t cls, uint32_t reasons)
{
    return ((uint64_t)cls << 16) | reasons;
}

/*
 * May a best-effort IPI go to `target` now? (its in-flight flag and its
 * window). The reasons are already in the mailbox: a sender that finds an
 * IPI in flight knows the receiver has not yet emptied the mailbox (it
 * clears the flag first, then empties it; both sequentially consistent),
 * so that IPI carries these reasons too.
 */
static bool best_effort_allowed(nx_percpu_t *me, nx_percpu_t *target, uint32_t reasons)
{
    if (atomic_exchange_explicit(&target->be_in_flight, 1u, memory_order_seq_cst) != 0u) {
        me->stats.ipi_coalesced[NX_IPI_BEST_EFFORT]++;
        nx_trace(NX_TRACE_IPI_COALESCED, target->hart, trace_word(NX_IPI_BEST_EFFORT, reasons));
        return false;
    }
    uint64_t now = nx_port_time_ns();
    nx_spin_lock(&target->be_lock);
    if (now - target->be_window_start >= NX_IPI_BE_WINDOW_NS) {
        target->be_window_start = now;
        target->be_window_count = 0;
    }
    bool allowed = target->be_window_count < NX_IPI_BE_PER_WINDOW;
    if (allowed)
        target->be_window_count++;
    nx_spin_unlock(&target->be_lock);
    if (!allowed) {
        atomic_store_explicit(&target->be_in_flight, 0u, memory_order_release);
        me->stats.ipi_throttled[NX_IPI_BEST_EFFORT]++;
        nx_trace(NX_TRACE_IPI_THROTTLED, target->hart, trace_word(NX_IPI_BEST_EFFORT, reasons));
    }
    return allowed;
}

nx_status_t nx_ipi_send(uint32_t hart, nx_ipi_class_t cls, uint32_t reasons)
{
    nx_percpu_t *me = nx_percpu(nx_hart_self());
    nx_percpu_t *target = nx_percpu_of(hart);
    atomic_fetch_or_explicit(&target->ipi_pending, reasons, memory_order_seq_cst);
    if (cls == NX_IPI_BEST_EFFORT && !best_effort_allowed(me, target, reasons))
        return NX_OK;
    me->stats.ipi_sent[cls]++;
    nx_trace(NX_TRACE_IPI_SEND, hart, trace_word(cls, reasons));
    nx_status_t st = nx_port_ipi_send(hart, cls);
    if (st != NX_OK) {
        /* A correctness IPI that cannot be sent breaks a promise the
         * caller relies on (a wake-up, a shootdown): stop, loudly. */
        if (cls == NX_IPI_CORRECTNESS)
            nx_panic("IPI to hart %u could not be sent: %s", hart, nx_status_name(st));
        me->stats.ipi_failed[cls]++;
        atomic_store_explicit(&target->be_in_flight, 0u, memory_order_release);
    }
    return st;
}

void nx_ipi_receive(nx_percpu_t *p)
{
    /* Clear the in-flight flag first: a sender that still saw it set has
     * already put its reasons in the mailbox, which we empty next. */
    atomic_store_explicit(&p->be_in_flight, 0u, memory_order_seq_cst);
    uint32_t reasons = atomic_exchange_explicit(&p->ipi_pending, 0u, memory_order_seq_cst);
    p->stats.ipi_received++;
    nx_trace(NX_TRACE_IPI_RECEIVE, reasons, 0);
    if ((reasons & (NX_IPI_RESCHED | NX_IPI_WAKE | NX_IPI_MIGRATE)) != 0u)
        p->need_resched = true;
}

void nx_kernel_ipi_interrupt(void)
{
    nx_ipi_receive(nx_percpu(nx_hart_self()));
}
