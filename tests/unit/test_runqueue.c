/*
 * test_runqueue.c - the scheduler's parts, called directly: run queues,
 * the lock order and per-hart state checks, IPI classes and their
 * counters, the wait deadline bound, system call names.
 *
 * The harness makes this thread hart 0 of a reset core. What must panic
 * (a lock taken out of order, another hart's state touched) is run under
 * nx_sim_harness_catch: the panic ends the machine, not the test.
 */
#include "nx_test.h"

#include <string.h>

#include "nx/port.h"
#include "nx/sched.h"
#include "nx/thread.h"
#include "nx/wait.h"
#include "nxsim/harness.h"

#define US 1000ull

static nx_thread_t fake[64];

static nx_thread_t *thread(uint32_t i, nx_qos_t qos)
{
    memset(&fake[i], 0, sizeof fake[i]);
    fake[i].id.v = i + 1u;
    fake[i].qos = qos;
    atomic_init(&fake[i].base_qos, qos);
    fake[i].affinity = NX_AFFINITY_ALL;
    fake[i].rq_hart = NX_RQ_NONE;
    return &fake[i];
}

/* Strict class order, FIFO inside a class, whatever the push order. */
static void pick_is_by_class_then_fifo(void **state)
{
    (void)state;
    static const nx_qos_t classes[] = { NX_QOS_NORMAL, NX_QOS_IDLE,        NX_QOS_PERFBURST,
                                        NX_QOS_NORMAL, NX_QOS_INTERACTIVE, NX_QOS_PERFBURST,
                                        NX_QOS_IDLE,   NX_QOS_INTERACTIVE };
    nx_runqueue_t *rq = nx_rq_lock(0);
    for (uint32_t i = 0; i < 8u; i++)
        nx_rq_push_locked(rq, thread(i, classes[i]));
    assert_int_equal(rq->count, 8);
    assert_int_equal(rq->bitmap, 0xfu);
    static const uint32_t want[] = { 2, 5, 4, 7, 0, 3, 1, 6 };
    for (uint32_t i = 0; i < 8u; i++) {
        assert_int_equal(nx_rq_best_class_locked(rq), (int)classes[want[i]]);
        assert_ptr_equal(nx_rq_pick_locked(rq), &fake[want[i]]);
    }
    assert_null(nx_rq_pick_locked(rq));
    assert_int_equal(nx_rq_best_class_locked(rq), -1);
    assert_int_equal(rq->bitmap, 0);
    assert_int_equal(rq->count, 0);
    nx_rq_unlock(rq);
}

/* A thread on no queue cannot be removed, nor pushed twice: either would
 * corrupt a queue, so both panic. */
static void remove_unqueued(void *arg)
{
    (void)arg;
    nx_runqueue_t *rq = nx_rq_lock(0);
    nx_rq_remove_locked(rq, thread(0, NX_QOS_NORMAL));
}

static void push_twice(void *arg)
{
    (void)arg;
    nx_runqueue_t *rq = nx_rq_lock(0);
    nx_thread_t *t = thread(0, NX_QOS_NORMAL);
    nx_rq_push_locked(rq, t);
    nx_rq_push_locked(rq, t);
}

static void expect_panic(void (*fn)(void *arg), const char *words);

static void queue_membership_is_checked(void **state)
{
    (void)state;
    expect_panic(remove_unqueued, "removed from hart 0's queue");
}

static void a_second_push_panics(void **state)
{
    (void)state;
    expect_panic(push_twice, "while already on hart 0's queue");
}

/* Removing from the middle, the head and the tail keeps the queue whole;
 * a thread whose class changed while queued leaves the queue it is on. */
static void remove_keeps_the_queue_whole(void **state)
{
    (void)state;
    nx_runqueue_t *rq = nx_rq_lock(0);
    for (uint32_t i = 0; i < 5u; i++)
        nx_rq_push_locked(rq, thread(i, NX_QOS_NORMAL));
    nx_rq_remove_locked(rq, &fake[2]);
    nx_rq_remove_locked(rq, &fake[0]);
    nx_rq_remove_locked(rq, &fake[4]);
    assert_int_equal(rq->count, 2);
    fake[1].qos = NX_QOS_PERFBURST; /* demotion/promotion while queued */
    nx_rq_remove_locked(rq, &fake[1]);
    assert_int_equal(rq->bitmap, 1u << NX_QOS_NORMAL);
    assert_ptr_equal(nx_rq_pick_locked(rq), &fake[3]);
    assert_int_equal(rq->bitmap, 0);
    nx_rq_unlock(rq);
}

/* Picking costs the same with 4096 threads queued as with 8: it never
 * walks the queue (checked here by behaviour, measured in tests/bench). */
static void pick_with_thousands_queued(void **state)
{
    (void)state;
    static nx_thread_t many[4096];
    nx_runqueue_t *rq = nx_rq_lock(0);
    for (uint32_t i = 0; i < 4096u; i++) {
        memset(&many[i], 0, sizeof many[i]);
        many[i].qos = (nx_qos_t)(i % NX_QOS_COUNT);
        many[i].rq_hart = NX_RQ_NONE;
        nx_rq_push_locked(rq, &many[i]);
    }
    for (uint32_t i = 0; i < 4096u; i++) {
        nx_thread_t *t = nx_rq_pick_locked(rq);
        assert_non_null(t);
        /* All PerfBurst first, in push order, then Interactive... */
        uint32_t cls = 3u - i / 1024u, k = i % 1024u;
        assert_ptr_equal(t, &many[k * 4u + cls]);
    }
    nx_rq_unlock(rq);
}

/* --- what must panic ------------------------------------------------------------ */

static void lock_1_then_0(void *arg)
{
    (void)arg;
    (void)nx_rq_lock(1);
    (void)nx_rq_lock(0);
}

static void push_without_lock(void *arg)
{
    (void)arg;
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    nx_rq_push_locked(&p->rq, thread(0, NX_QOS_NORMAL));
}

static void other_harts_state(void *arg)
{
    (void)arg;
    nx_hart_token_t forged = { 1 };
    (void)nx_percpu(forged);
}

static void same_lock_twice(void *arg)
{
    (void)arg;
    (void)nx_rq_lock(0);
    (void)nx_rq_lock(0);
}

static void expect_panic(void (*fn)(void *arg), const char *words)
{
    nx_exit_code_t code = NX_EXIT_PASS;
    assert_int_equal(nx_sim_harness_catch(fn, NULL, &code), 1);
    assert_int_equal(code, NX_EXIT_PANIC);
    if (strstr(nx_sim_harness_console(), words) == NULL)
        fail_msg("panic without \"%s\"; console:\n%s", words, nx_sim_harness_console());
}

static void descending_lock_order_panics(void **state)
{
    (void)state;
    expect_panic(lock_1_then_0, "run queue lock order");
}

static void taking_a_held_lock_again_panics(void **state)
{
    (void)state;
    expect_panic(same_lock_twice, "run queue lock order");
}

static void queue_touched_without_its_lock_panics(void **state)
{
    (void)state;
    expect_panic(push_without_lock, "without its lock");
}

static void another_harts_private_state_panics(void **state)
{
    (void)state;
    expect_panic(other_harts_state, "private state");
}

/* Ascending order is fine, and releasing in any order. */
static void ascending_lock_order_is_fine(void **state)
{
    (void)state;
    nx_runqueue_t *a = nx_rq_lock(0), *b = nx_rq_lock(3), *c = nx_rq_lock(7);
    nx_rq_unlock(b);
    nx_rq_unlock(a);
    nx_rq_unlock(c);
    nx_runqueue_t *again = nx_rq_lock(0);
    nx_rq_unlock(again);
}

/* --- IPIs ---------------------------------------------------------------------------- */

static nx_sched_stats_t stats0(void)
{
    return nx_sched_stats(0);
}

/*
 * Best effort to one hart: the second while the first is in flight is
 * coalesced; after delivery the next goes; at most NX_IPI_BE_PER_WINDOW per
 * window, then throttled until the window turns. Correctness IPIs are
 * never coalesced or throttled. Every count exact.
 */
static void ipi_counters_are_exact(void **state)
{
    (void)state;
    nx_sim_harness_advance(NX_IPI_BE_WINDOW_NS); /* a window starting now */
    assert_int_equal(nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED), NX_OK); /* 1 sent */
    assert_int_equal(nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED), NX_OK); /* coalesced */
    nx_port_interrupts_poll();
    nx_sched_stats_t s = stats0();
    assert_int_equal(s.ipi_sent[NX_IPI_BEST_EFFORT], 1);
    assert_int_equal(s.ipi_coalesced[NX_IPI_BEST_EFFORT], 1);
    assert_int_equal(s.ipi_received, 1);
    for (uint32_t i = 1; i < NX_IPI_BE_PER_WINDOW; i++) {
        (void)nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED);
        nx_port_interrupts_poll();
    }
    (void)nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED); /* window full */
    (void)nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED);
    s = stats0();
    assert_int_equal(s.ipi_sent[NX_IPI_BEST_EFFORT], NX_IPI_BE_PER_WINDOW);
    assert_int_equal(s.ipi_throttled[NX_IPI_BEST_EFFORT], 2);
    assert_int_equal(s.ipi_received, NX_IPI_BE_PER_WINDOW);
    /* Correctness IPIs go through a full window, every one. */
    for (uint32_t i = 0; i < 10u; i++)
        assert_int_equal(nx_ipi_send(0, NX_IPI_CORRECTNESS, NX_IPI_WAKE), NX_OK);
    nx_port_interrupts_poll();
    s = stats0();
    assert_int_equal(s.ipi_sent[NX_IPI_CORRECTNESS], 10);
    assert_int_equal(s.ipi_coalesced[NX_IPI_CORRECTNESS], 0);
    assert_int_equal(s.ipi_throttled[NX_IPI_CORRECTNESS], 0);
    /* Ten sends before one interrupt window: they merge into one take
     * (the port's IPI line is a flag), the reasons all arrive. */
    assert_int_equal(s.ipi_received, NX_IPI_BE_PER_WINDOW + 1u);
    /* A new window lets best effort through again. */
    nx_sim_harness_advance(NX_IPI_BE_WINDOW_NS);
    (void)nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_RESCHED);
    assert_int_equal(stats0().ipi_sent[NX_IPI_BEST_EFFORT], NX_IPI_BE_PER_WINDOW + 1u);
    nx_port_interrupts_poll();
}

/* Reasons travel in the mailbox: a coalesced nudge's reason is seen. */
static void coalesced_reasons_are_delivered(void **state)
{
    (void)state;
    nx_percpu_t *p = nx_percpu(nx_hart_self());
    p->need_resched = false;
    (void)nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_PING);
    (void)nx_ipi_send(0, NX_IPI_BEST_EFFORT, NX_IPI_MIGRATE); /* coalesced */
    nx_port_interrupts_poll();
    assert_true(p->need_resched); /* MIGRATE's effect, from the coalesced one */
    assert_int_equal(atomic_load(&p->ipi_pending), 0);
    p->need_resched = false;
}

/* --- the wait deadline bound ------------------------------------------------------- */

static void wait_deadlines_are_bounded(void **state)
{
    (void)state;
    nx_sim_harness_advance(5 * US);
    uint64_t now = nx_port_time_ns();
    assert_int_equal(nx_deadline_check(now + NX_MAX_WAIT_NS), NX_OK);
    assert_int_equal(nx_deadline_check(now + NX_MAX_WAIT_NS + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_deadline_check(UINT64_MAX), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_deadline_check(now), NX_OK);
    assert_int_equal(nx_deadline_check(0), NX_OK); /* past: times out at once */
}

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(pick_is_by_class_then_fifo),
        CORE_TEST(remove_keeps_the_queue_whole),
        CORE_TEST(queue_membership_is_checked),
        CORE_TEST(a_second_push_panics),
        CORE_TEST(pick_with_thousands_queued),
        CORE_TEST(descending_lock_order_panics),
        CORE_TEST(taking_a_held_lock_again_panics),
        CORE_TEST(queue_touched_without_its_lock_panics),
        CORE_TEST(another_harts_private_state_panics),
        CORE_TEST(ascending_lock_order_is_fine),
        CORE_TEST(ipi_counters_are_exact),
        CORE_TEST(coalesced_reasons_are_delivered),
        CORE_TEST(wait_deadlines_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
