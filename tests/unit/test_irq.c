/*
 * test_irq.c - external interrupts: the simulated PLIC and core's dispatch.
 *
 * Model tests run the controller's state machine on a state of their own
 * (two harts, which the one-hart harness cannot have); port tests drive
 * the harness machine through nx_port_irq_*; core tests register handlers
 * and take interrupts with nx_port_interrupts_poll() (or call
 * nx_kernel_external_interrupt() directly to see one call's bound).
 *
 * The harness boots no kernel, so core's boot info is empty (no interrupt
 * controller); the core fixture fills it from the same one-hart virt tree
 * the harness machine is described by.
 */
#include "nx_test.h"

#include <string.h>

#include "nx/boot.h"
#include "nx/irq.h"
#include "nx/kernel.h"
#include "nx/port.h"
#include "nxsim/harness.h"
#include "nxsim/irq.h"

#define NDEV NX_SIM_IRQ_SOURCES /* the harness tree's riscv,ndev */

/* --- Fixtures --------------------------------------------------------------- */

/* Handlers record what they were called with, in order. */
#define LOG_MAX 64u
static struct {
    uint32_t n;
    uint32_t irq[LOG_MAX];
    void *arg[LOG_MAX];
} calls;

static int irq_setup(void **state)
{
    memset(&calls, 0, sizeof calls);
    int rc = nx_test_core_setup(state);
    /* The harness installed its one-hart virt tree's boot info. */
    assert_true(nx_boot_info()->plic.present);
    assert_int_equal(nx_boot_info()->plic_ndev, NDEV);
    return rc;
}

static int irq_teardown(void **state)
{
    return nx_test_core_teardown(state);
}

#define IRQ_TEST(fn) cmocka_unit_test_setup_teardown(fn, irq_setup, irq_teardown)

static void record(uint32_t irq, void *arg)
{
    if (calls.n < LOG_MAX) {
        calls.irq[calls.n] = irq;
        calls.arg[calls.n] = arg;
    }
    calls.n++;
}

static nx_sim_irq_source_t source_state(uint32_t source)
{
    nx_sim_irq_source_t s;
    assert_int_equal(nx_sim_irq_source(source, &s), NX_OK);
    return s;
}

static nx_irq_stats_t hart0_stats(void)
{
    nx_irq_stats_t s;
    assert_int_equal(nx_irq_stats(0, &s), NX_OK);
    return s;
}

static nx_sim_irq_stats_t sim_stats(void)
{
    nx_sim_irq_stats_t s;
    assert_int_equal(nx_sim_irq_stats(&s), NX_OK);
    return s;
}

/* Route `source` to hart 0 at the port, with no core handler. */
static void port_route(uint32_t source, uint32_t priority)
{
    assert_int_equal(nx_port_irq_set_priority(source, priority), NX_OK);
    assert_int_equal(nx_port_irq_enable(source, 0, true), NX_OK);
}

/* --- The model ------------------------------------------------------------- */

static void test_model_priority_then_lowest_number(void **state)
{
    (void)state;
    static nx_sim_irq_state_t s;
    memset(&s, 0, sizeof s);
    static const struct {
        uint32_t source, priority;
    } src[] = { { 40, 1 }, { 9, 5 }, { 3, 2 }, { 70, 5 }, { 5, 5 }, { NDEV, 7 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
        assert_int_equal(nx_sim_irq_model_set_priority(&s, src[i].source, src[i].priority), NX_OK);
        assert_int_equal(nx_sim_irq_model_enable(&s, src[i].source, 0, true), NX_OK);
        assert_int_equal(nx_sim_irq_model_raise(&s, src[i].source), NX_OK);
    }
    static const uint32_t order[] = { NDEV, 5, 9, 70, 3, 1, 40 };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        assert_true(nx_sim_irq_signalled(&s, 0));
        assert_int_equal(nx_sim_irq_model_claim(&s, 0), order[i]);
    }
    assert_false(nx_sim_irq_signalled(&s, 0));
    assert_int_equal(nx_sim_irq_model_claim(&s, 0), 0);
    assert_int_equal(s.stats.claimed, 7);
    assert_int_equal(s.stats.empty_claims, 1);
}

static void test_model_per_hart_enable(void **state)
{
    (void)state;
    static nx_sim_irq_state_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(nx_sim_irq_model_set_priority(&s, 7, 1), NX_OK);
    assert_int_equal(nx_sim_irq_model_set_priority(&s, 8, 1), NX_OK);
    assert_int_equal(nx_sim_irq_model_enable(&s, 7, 1, true), NX_OK); /* only hart 1 */
    assert_int_equal(nx_sim_irq_model_enable(&s, 8, 0, true), NX_OK); /* both harts */
    assert_int_equal(nx_sim_irq_model_enable(&s, 8, 1, true), NX_OK);

    assert_int_equal(nx_sim_irq_model_raise(&s, 7), NX_OK);
    assert_false(nx_sim_irq_signalled(&s, 0));
    assert_true(nx_sim_irq_signalled(&s, 1));
    assert_int_equal(nx_sim_irq_model_claim(&s, 0), 0);
    assert_int_equal(nx_sim_irq_model_claim(&s, 1), 7);

    /* One raise, one claim: the first hart to claim takes it. */
    assert_int_equal(nx_sim_irq_model_raise(&s, 8), NX_OK);
    assert_true(nx_sim_irq_signalled(&s, 0));
    assert_true(nx_sim_irq_signalled(&s, 1));
    assert_int_equal(nx_sim_irq_model_claim(&s, 0), 8);
    assert_int_equal(nx_sim_irq_model_claim(&s, 1), 0);

    /* Only the claiming hart completes. */
    assert_int_equal(nx_sim_irq_model_complete(&s, 8, 1), NX_ERR_BAD_STATE);
    assert_int_equal(nx_sim_irq_model_complete(&s, 8, 0), NX_OK);
    assert_int_equal(nx_sim_irq_model_complete(&s, 7, 1), NX_OK);
    assert_int_equal(nx_sim_irq_model_complete(&s, 7, 1), NX_ERR_BAD_STATE); /* twice */
    assert_int_equal(s.stats.completed, 2);
    assert_int_equal(s.stats.bad_completes, 2);

    /* Disabling for hart 1 stops it there, not on hart 0. */
    assert_int_equal(nx_sim_irq_model_enable(&s, 8, 1, false), NX_OK);
    assert_int_equal(nx_sim_irq_model_raise(&s, 8), NX_OK);
    assert_false(nx_sim_irq_signalled(&s, 1));
    assert_int_equal(nx_sim_irq_model_claim(&s, 1), 0);
    assert_int_equal(nx_sim_irq_model_claim(&s, 0), 8);
}

static void test_model_bounds(void **state)
{
    (void)state;
    static nx_sim_irq_state_t s;
    memset(&s, 0, sizeof s);
    nx_sim_irq_source_t out;
    const uint64_t last_hart = NX_SIM_MAX_HARTS - 1u;

    assert_int_equal(nx_sim_irq_model_set_priority(&s, 0, 1), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_set_priority(&s, NDEV, 1), NX_OK);
    assert_int_equal(nx_sim_irq_model_set_priority(&s, NDEV + 1u, 1), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_set_priority(&s, 1, NX_IRQ_PRIORITY_MAX), NX_OK);
    assert_int_equal(nx_sim_irq_model_set_priority(&s, 1, NX_IRQ_PRIORITY_MAX + 1u),
                     NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_enable(&s, 0, 0, true), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_enable(&s, NDEV + 1u, 0, true), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_enable(&s, NDEV, last_hart, true), NX_OK);
    assert_int_equal(nx_sim_irq_model_enable(&s, NDEV, last_hart + 1u, true), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_set_threshold(&s, last_hart, NX_IRQ_PRIORITY_MAX), NX_OK);
    assert_int_equal(nx_sim_irq_model_set_threshold(&s, last_hart + 1u, 0), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_set_threshold(&s, 0, NX_IRQ_PRIORITY_MAX + 1u),
                     NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_raise(&s, 0), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_raise(&s, NDEV + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_complete(&s, 0, 0), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_complete(&s, NDEV + 1u, 0), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_complete(&s, 1, last_hart + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_claim(&s, last_hart + 1u), 0);
    assert_false(nx_sim_irq_signalled(&s, last_hart + 1u));
    assert_int_equal(nx_sim_irq_model_source(&s, 0, &out), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_source(&s, NDEV + 1u, &out), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_source(&s, NDEV, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_model_source(&s, NDEV, &out), NX_OK);
    assert_int_equal(out.priority, 1);
    assert_int_equal(s.stats.raised, 0); /* refused raises are not counted */
}

/* --- The port on the harness machine ------------------------------------------ */

static void test_sim_without_machine(void **state)
{
    (void)state;
    nx_sim_irq_source_t src;
    nx_sim_irq_stats_t st;
    assert_int_equal(nx_sim_irq_raise(1), NX_ERR_BAD_STATE);
    assert_int_equal(nx_sim_irq_set_threshold(0, 0), NX_ERR_BAD_STATE);
    assert_int_equal(nx_sim_irq_source(1, &src), NX_ERR_BAD_STATE);
    assert_int_equal(nx_sim_irq_stats(&st), NX_ERR_BAD_STATE);
}

static void test_port_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(nx_port_irq_set_priority(0, 1), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_port_irq_set_priority(NDEV, 1), NX_OK);
    assert_int_equal(nx_port_irq_set_priority(NDEV + 1u, 1), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_port_irq_set_priority(1, NX_IRQ_PRIORITY_MAX), NX_OK);
    assert_int_equal(nx_port_irq_set_priority(1, NX_IRQ_PRIORITY_MAX + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(source_state(1).priority, NX_IRQ_PRIORITY_MAX);

    assert_int_equal(nx_port_irq_enable(0, 0, true), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_port_irq_enable(NDEV, 0, true), NX_OK);
    assert_int_equal(nx_port_irq_enable(NDEV + 1u, 0, true), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_port_irq_enable(1, 1, true), NX_ERR_INVALID_ARGS); /* one hart */
    assert_int_equal(nx_port_irq_enable(1, UINT32_MAX, true), NX_ERR_INVALID_ARGS);

    assert_int_equal(nx_sim_irq_raise(0), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_raise(NDEV + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_raise(NDEV), NX_OK);
    assert_int_equal(nx_sim_irq_set_threshold(1, 0), NX_ERR_INVALID_ARGS); /* one hart */
    assert_int_equal(nx_sim_irq_set_threshold(0, NX_IRQ_PRIORITY_MAX + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_sim_irq_stats(NULL), NX_ERR_INVALID_ARGS);

    /* Completing what was never claimed changes nothing and is counted. */
    nx_port_irq_complete(0);
    nx_port_irq_complete(NDEV + 1u);
    nx_port_irq_complete(NDEV);
    assert_true(source_state(NDEV).pending);
    assert_int_equal(sim_stats().bad_completes, 3);
    assert_int_equal(sim_stats().completed, 0);
}

static void test_port_claim_complete(void **state)
{
    (void)state;
    port_route(5, 3);
    assert_int_equal(nx_port_irq_claim(), 0); /* nothing raised */

    /* Level: raises before the claim merge into one delivery. */
    assert_int_equal(nx_sim_irq_raise(5), NX_OK);
    assert_int_equal(nx_sim_irq_raise(5), NX_OK);
    assert_true(source_state(5).pending);
    assert_int_equal(nx_port_irq_claim(), 5);
    nx_sim_irq_source_t s = source_state(5);
    assert_false(s.pending);
    assert_true(s.claimed);
    assert_int_equal(s.claimant, 0);
    assert_int_equal(nx_port_irq_claim(), 0); /* not redelivered while claimed */

    /* A raise while claimed is remembered and delivered after completion. */
    assert_int_equal(nx_sim_irq_raise(5), NX_OK);
    assert_true(source_state(5).remembered);
    assert_int_equal(nx_port_irq_claim(), 0);
    nx_port_irq_complete(5);
    s = source_state(5);
    assert_true(s.pending);
    assert_false(s.claimed);
    assert_false(s.remembered);
    assert_int_equal(nx_port_irq_claim(), 5);
    nx_port_irq_complete(5);
    assert_int_equal(nx_port_irq_claim(), 0);

    nx_sim_irq_stats_t st = sim_stats();
    assert_int_equal(st.raised, 3);
    assert_int_equal(st.merged, 1);
    assert_int_equal(st.claimed, 2);
    assert_int_equal(st.completed, 2);
    assert_int_equal(st.bad_completes, 0);
}

static void test_port_complete_after_disable(void **state)
{
    (void)state;
    port_route(6, 1);
    assert_int_equal(nx_sim_irq_raise(6), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 6);
    assert_int_equal(nx_port_irq_enable(6, 0, false), NX_OK);
    nx_port_irq_complete(6); /* still releases the claim */
    assert_false(source_state(6).claimed);
    assert_int_equal(nx_port_irq_enable(6, 0, true), NX_OK);
    assert_int_equal(nx_sim_irq_raise(6), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 6);
    nx_port_irq_complete(6);
}

static void test_port_priority_zero_masks(void **state)
{
    (void)state;
    port_route(12, 0);
    assert_int_equal(nx_sim_irq_raise(12), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 0);
    assert_true(source_state(12).pending); /* masked, not lost */
    assert_int_equal(nx_port_irq_set_priority(12, 1), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 12);
    nx_port_irq_complete(12);
}

static void test_port_threshold(void **state)
{
    (void)state;
    port_route(10, 3);
    port_route(11, 4);
    assert_int_equal(nx_sim_irq_set_threshold(0, 3), NX_OK);
    assert_int_equal(nx_sim_irq_raise(10), NX_OK);
    assert_int_equal(nx_sim_irq_raise(11), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 11); /* 4 > 3 */
    nx_port_irq_complete(11);
    assert_int_equal(nx_port_irq_claim(), 0); /* 3 is not above 3 */
    assert_int_equal(nx_sim_irq_set_threshold(0, 2), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 10);
    nx_port_irq_complete(10);

    /* The highest threshold masks even the highest priority. */
    assert_int_equal(nx_port_irq_set_priority(11, NX_IRQ_PRIORITY_MAX), NX_OK);
    assert_int_equal(nx_sim_irq_set_threshold(0, NX_IRQ_PRIORITY_MAX), NX_OK);
    assert_int_equal(nx_sim_irq_raise(11), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 0);
    assert_int_equal(nx_sim_irq_set_threshold(0, NX_IRQ_PRIORITY_MAX - 1u), NX_OK);
    assert_int_equal(nx_port_irq_claim(), 11);
    nx_port_irq_complete(11);
}

/* --- Core: registration ------------------------------------------------------- */

static void test_core_without_controller(void **state)
{
    (void)state;
    nx_boot_info_t saved = *nx_boot_info(), changed = saved;
    changed.plic.present = false;
    nx_boot_info_install(&changed);
    assert_int_equal(nx_irq_register(1, 0, 1, record, NULL), NX_ERR_NOT_SUPPORTED);
    assert_int_equal(nx_irq_unregister(1), NX_ERR_NOT_SUPPORTED);
    changed.plic.present = true;
    changed.plic_ndev = 0;
    nx_boot_info_install(&changed);
    assert_int_equal(nx_irq_register(1, 0, 1, record, NULL), NX_ERR_NOT_SUPPORTED);
    nx_boot_info_install(&saved);
    assert_int_equal(source_state(1).priority, 0);
}

static void test_core_register_bounds(void **state)
{
    (void)state;
    assert_int_equal(nx_irq_register(0, 0, 1, record, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_register(NDEV + 1u, 0, 1, record, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_register(2, 1, 1, record, NULL), NX_ERR_INVALID_ARGS); /* one hart */
    assert_int_equal(nx_irq_register(2, NX_MAX_HARTS, 1, record, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_register(2, 0, 0, record, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_register(2, 0, NX_IRQ_PRIORITY_MAX + 1u, record, NULL),
                     NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_register(2, 0, 1, NULL, NULL), NX_ERR_INVALID_ARGS);
    assert_int_equal(source_state(2).priority, 0); /* refusals change nothing */

    assert_int_equal(nx_irq_register(NDEV, 0, NX_IRQ_PRIORITY_MAX, record, NULL), NX_OK);
    assert_int_equal(nx_irq_register(1, 0, 1, record, NULL), NX_OK);
    assert_int_equal(source_state(NDEV).priority, NX_IRQ_PRIORITY_MAX);
    assert_int_equal(source_state(1).priority, 1);

    assert_int_equal(nx_irq_unregister(0), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_unregister(NDEV + 1u), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_unregister(NDEV), NX_OK);
    assert_int_equal(nx_irq_unregister(1), NX_OK);
}

static void test_core_duplicate(void **state)
{
    (void)state;
    assert_int_equal(nx_irq_register(5, 0, 2, record, NULL), NX_OK);
    assert_int_equal(nx_irq_register(5, 0, 6, record, NULL), NX_ERR_ALREADY_EXISTS);
    assert_int_equal(source_state(5).priority, 2);
    assert_int_equal(nx_irq_unregister(5), NX_OK);
    assert_int_equal(nx_irq_register(5, 0, 6, record, NULL), NX_OK);
    assert_int_equal(nx_irq_unregister(5), NX_OK);
}

static void test_core_table_cap(void **state)
{
    (void)state;
    _Static_assert(NX_MAX_IRQ_HANDLERS < NDEV, "the cap is reachable with real sources");
    for (uint32_t i = 1; i <= NX_MAX_IRQ_HANDLERS; i++)
        assert_int_equal(nx_irq_register(i, 0, 1, record, NULL), NX_OK);
    const uint32_t one_past = NX_MAX_IRQ_HANDLERS + 1u;
    assert_int_equal(nx_irq_register(one_past, 0, 1, record, NULL), NX_ERR_NO_RESOURCES);
    assert_int_equal(source_state(one_past).priority, 0);
    assert_int_equal(nx_irq_register(1, 0, 1, record, NULL), NX_ERR_ALREADY_EXISTS);

    assert_int_equal(nx_irq_unregister(7), NX_OK);
    assert_int_equal(nx_irq_register(one_past, 0, 1, record, NULL), NX_OK);
    assert_int_equal(nx_irq_register(7, 0, 1, record, NULL), NX_ERR_NO_RESOURCES);

    for (uint32_t i = 1; i <= one_past; i++)
        if (i != 7u)
            assert_int_equal(nx_irq_unregister(i), NX_OK);
}

static void test_core_unregister(void **state)
{
    (void)state;
    int tag;
    assert_int_equal(nx_irq_unregister(5), NX_ERR_NOT_FOUND);
    assert_int_equal(nx_irq_register(5, 0, 3, record, &tag), NX_OK);
    assert_int_equal(nx_sim_irq_raise(5), NX_OK);
    nx_port_interrupts_poll();
    assert_int_equal(calls.n, 1);

    assert_int_equal(nx_irq_unregister(5), NX_OK);
    assert_int_equal(nx_irq_unregister(5), NX_ERR_NOT_FOUND);
    assert_int_equal(source_state(5).priority, 0);
    assert_int_equal(nx_sim_irq_raise(5), NX_OK);
    nx_port_interrupts_poll();
    assert_int_equal(calls.n, 1);         /* masked: no call */
    assert_true(source_state(5).pending); /* and not lost */
    assert_int_equal(hart0_stats().spurious, 0);

    /* Registering again delivers what waited. */
    assert_int_equal(nx_irq_register(5, 0, 3, record, &tag), NX_OK);
    nx_port_interrupts_poll();
    assert_int_equal(calls.n, 2);
    assert_int_equal(nx_irq_unregister(5), NX_OK);
}

/* --- Core: dispatch ------------------------------------------------------------- */

static void test_core_dispatch_order_and_args(void **state)
{
    (void)state;
    static int args[4];
    static const struct {
        uint32_t source, priority;
    } src[] = { { 30, 2 }, { 20, 6 }, { 40, 6 }, { 10, 1 } };
    for (uint32_t i = 0; i < 4u; i++)
        assert_int_equal(nx_irq_register(src[i].source, 0, src[i].priority, record, &args[i]),
                         NX_OK);
    for (uint32_t i = 0; i < 4u; i++)
        assert_int_equal(nx_sim_irq_raise(src[i].source), NX_OK);
    nx_port_interrupts_poll();

    assert_int_equal(calls.n, 4);
    static const uint32_t order[] = { 20, 40, 30, 10 };
    static void *const order_arg[] = { &args[1], &args[2], &args[0], &args[3] };
    for (uint32_t i = 0; i < 4u; i++) {
        assert_int_equal(calls.irq[i], order[i]);
        assert_ptr_equal(calls.arg[i], order_arg[i]);
        assert_false(source_state(order[i]).claimed); /* completed */
    }
    nx_irq_stats_t st = hart0_stats();
    assert_int_equal(st.claimed, 4);
    assert_int_equal(st.handled, 4);
    assert_int_equal(st.spurious, 0);
    assert_int_equal(st.limited, 0);
    assert_int_equal(sim_stats().completed, 4);
    for (uint32_t i = 0; i < 4u; i++)
        assert_int_equal(nx_irq_unregister(src[i].source), NX_OK);
}

/* Each source taken is a trace event (source, whether a handler took it),
 * recorded before its handler runs. */
static uint32_t irq_events, irq_handled_events;
static uint32_t first_event_source;
static uint32_t calls_at_first_event;

static void count_irq_events(const nx_trace_event_t *ev, void *ctx)
{
    (void)ctx;
    if (ev->kind != NX_TRACE_IRQ)
        return;
    if (irq_events++ == 0u) {
        first_event_source = (uint32_t)ev->a;
        calls_at_first_event = calls.n;
    }
    irq_handled_events += ev->b == 1u;
}

static void test_core_trace_events(void **state)
{
    (void)state;
    irq_events = irq_handled_events = 0;
    nx_sim_harness_set_observer(count_irq_events, NULL);
    assert_int_equal(nx_irq_register(7, 0, 3, record, NULL), NX_OK);
    assert_int_equal(nx_irq_register(8, 0, 5, record, NULL), NX_OK);
    assert_int_equal(nx_sim_irq_raise(7), NX_OK);
    assert_int_equal(nx_sim_irq_raise(8), NX_OK);
    nx_port_interrupts_poll();
    nx_sim_harness_set_observer(NULL, NULL);
    assert_int_equal(calls.n, 2);
    assert_int_equal(irq_events, 2);
    assert_int_equal(irq_handled_events, 2);
    assert_int_equal(first_event_source, 8);   /* priority 5 first */
    assert_int_equal(calls_at_first_event, 0); /* before its handler */
    assert_int_equal(nx_irq_unregister(7), NX_OK);
    assert_int_equal(nx_irq_unregister(8), NX_OK);
}

static void test_core_spurious(void **state)
{
    (void)state;
    port_route(20, 1); /* routed behind core's back: no handler */
    assert_int_equal(nx_sim_irq_raise(20), NX_OK);
    nx_port_interrupts_poll();
    nx_irq_stats_t st = hart0_stats();
    assert_int_equal(st.claimed, 1);
    assert_int_equal(st.handled, 0);
    assert_int_equal(st.spurious, 1);
    nx_sim_irq_source_t s = source_state(20);
    assert_false(s.claimed); /* completed all the same */
    assert_false(s.pending);
    assert_int_equal(calls.n, 0);
}

/* Register sources 1..count at one priority and raise them all. */
static void register_and_raise(uint32_t count)
{
    for (uint32_t i = 1; i <= count; i++) {
        assert_int_equal(nx_irq_register(i, 0, 1, record, NULL), NX_OK);
        assert_int_equal(nx_sim_irq_raise(i), NX_OK);
    }
}

static void unregister_all(uint32_t count)
{
    for (uint32_t i = 1; i <= count; i++)
        assert_int_equal(nx_irq_unregister(i), NX_OK);
}

static void test_core_claim_bound_at(void **state)
{
    (void)state;
    register_and_raise(NX_IRQ_MAX_CLAIMS_PER_CALL);
    nx_kernel_external_interrupt();
    assert_int_equal(calls.n, NX_IRQ_MAX_CLAIMS_PER_CALL);
    for (uint32_t i = 1; i <= NX_IRQ_MAX_CLAIMS_PER_CALL; i++)
        assert_false(source_state(i).pending);
    /* The call cannot know nothing was left: it counts a stop at the bound. */
    assert_int_equal(hart0_stats().limited, 1);
    unregister_all(NX_IRQ_MAX_CLAIMS_PER_CALL);
}

static void test_core_claim_bound_one_past(void **state)
{
    (void)state;
    const uint32_t n = NX_IRQ_MAX_CLAIMS_PER_CALL + 1u;
    register_and_raise(n);
    nx_kernel_external_interrupt();
    assert_int_equal(calls.n, NX_IRQ_MAX_CLAIMS_PER_CALL);
    assert_true(source_state(n).pending); /* the last by number waits */
    assert_int_equal(hart0_stats().limited, 1);

    nx_kernel_external_interrupt();
    assert_int_equal(calls.n, n);
    assert_int_equal(calls.irq[n - 1u], n);
    nx_irq_stats_t st = hart0_stats();
    assert_int_equal(st.limited, 1);
    assert_int_equal(st.claimed, n);
    assert_int_equal(st.handled, n);
    unregister_all(n);
}

static void test_core_poll_takes_all(void **state)
{
    (void)state;
    const uint32_t n = 2u * NX_IRQ_MAX_CLAIMS_PER_CALL + 1u;
    register_and_raise(n);
    nx_port_interrupts_poll(); /* the window re-enters while a source is pending */
    assert_int_equal(calls.n, n);
    assert_int_equal(hart0_stats().limited, 2);
    unregister_all(n);
}

static uint32_t reraise_left;

/* A level device still asserting: raises its own source while claimed. */
static void reraise(uint32_t irq, void *arg)
{
    record(irq, arg);
    if (reraise_left > 0u) {
        reraise_left--;
        assert_int_equal(nx_sim_irq_raise(irq), NX_OK);
    }
}

static void test_core_raise_while_claimed(void **state)
{
    (void)state;
    reraise_left = 3;
    assert_int_equal(nx_irq_register(9, 0, 1, reraise, NULL), NX_OK);
    assert_int_equal(nx_sim_irq_raise(9), NX_OK);
    nx_kernel_external_interrupt();
    /* Each re-raise is held while claimed and delivered after completion. */
    assert_int_equal(calls.n, 4);
    assert_false(source_state(9).pending);
    assert_int_equal(hart0_stats().limited, 0);
    assert_int_equal(nx_irq_unregister(9), NX_OK);
}

static void unregister_self(uint32_t irq, void *arg)
{
    record(irq, arg);
    assert_int_equal(nx_irq_unregister(irq), NX_OK);
}

static void test_core_unregister_from_handler(void **state)
{
    (void)state;
    assert_int_equal(nx_irq_register(15, 0, 1, unregister_self, NULL), NX_OK);
    assert_int_equal(nx_sim_irq_raise(15), NX_OK);
    nx_port_interrupts_poll();
    assert_int_equal(calls.n, 1);
    nx_sim_irq_source_t s = source_state(15);
    assert_int_equal(s.priority, 0);
    assert_false(s.claimed); /* completed although disabled meanwhile */
    assert_int_equal(nx_irq_unregister(15), NX_ERR_NOT_FOUND);
    assert_int_equal(nx_irq_register(15, 0, 1, record, NULL), NX_OK);
    assert_int_equal(nx_irq_unregister(15), NX_OK);
}

static void test_core_idle_wakes(void **state)
{
    (void)state;
    assert_int_equal(nx_irq_register(3, 0, 1, record, NULL), NX_OK);
    assert_int_equal(nx_sim_irq_raise(3), NX_OK);
    nx_port_idle(); /* returns at once: an external interrupt is pending */
    assert_int_equal(calls.n, 1);
    assert_int_equal(nx_irq_unregister(3), NX_OK);
}

static void test_core_stats_bounds(void **state)
{
    (void)state;
    nx_irq_stats_t st;
    assert_int_equal(nx_irq_stats(NX_MAX_HARTS - 1u, &st), NX_OK);
    assert_int_equal(st.claimed, 0);
    assert_int_equal(nx_irq_stats(NX_MAX_HARTS, &st), NX_ERR_INVALID_ARGS);
    assert_int_equal(nx_irq_stats(0, NULL), NX_ERR_INVALID_ARGS);
}

static void test_core_reset(void **state)
{
    (void)state;
    assert_int_equal(nx_irq_register(4, 0, 1, record, NULL), NX_OK);
    port_route(8, 1);
    assert_int_equal(nx_sim_irq_raise(8), NX_OK);
    nx_port_interrupts_poll();
    assert_int_equal(hart0_stats().spurious, 1);
    nx_irq_reset();
    nx_irq_stats_t st = hart0_stats();
    assert_int_equal(st.claimed + st.handled + st.spurious + st.limited, 0);
    assert_int_equal(nx_irq_unregister(4), NX_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_priority_then_lowest_number),
        cmocka_unit_test(test_model_per_hart_enable),
        cmocka_unit_test(test_model_bounds),
        cmocka_unit_test(test_sim_without_machine),
        IRQ_TEST(test_port_bad_arguments),
        IRQ_TEST(test_port_claim_complete),
        IRQ_TEST(test_port_complete_after_disable),
        IRQ_TEST(test_port_priority_zero_masks),
        IRQ_TEST(test_port_threshold),
        IRQ_TEST(test_core_without_controller),
        IRQ_TEST(test_core_register_bounds),
        IRQ_TEST(test_core_duplicate),
        IRQ_TEST(test_core_table_cap),
        IRQ_TEST(test_core_unregister),
        IRQ_TEST(test_core_dispatch_order_and_args),
        IRQ_TEST(test_core_trace_events),
        IRQ_TEST(test_core_spurious),
        IRQ_TEST(test_core_claim_bound_at),
        IRQ_TEST(test_core_claim_bound_one_past),
        IRQ_TEST(test_core_poll_takes_all),
        IRQ_TEST(test_core_raise_while_claimed),
        IRQ_TEST(test_core_unregister_from_handler),
        IRQ_TEST(test_core_idle_wakes),
        IRQ_TEST(test_core_stats_bounds),
        IRQ_TEST(test_core_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
