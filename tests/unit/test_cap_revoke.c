/*
 * test_cap_revoke.c - revocation in bounded steps (issue 15, finding 3;
 * docs/adr/0002-revocation.md).
 *
 * A revoke releases the capability lock every NX_REVOKE_STEP units of walk
 * work, so other harts' operations run between its holds. These tests
 * drive the walk one hold at a time (nx_node_revoke_begin/step, as
 * nx_sys_handle_revoke does) and do between two holds what another hart
 * could: close handles inside the subtree and the root itself, send them
 * into flight, drop the messages that hold them, kill their tasks. The
 * result must be the one a single walk gives, the holds must be as many
 * as the bound says (so no hold did more than NX_REVOKE_STEP units), and
 * every node and object must be released.
 */
#include "nx_test.h"

#include <string.h>

#include "cap_internal.h"
#include "nexus/status.h"
#include "nx/cap.h"
#include "nx/event.h"
#include "nx/object.h"
#include "nx/task.h"

#define EVENTS_USED() nx_test_pool_used("events")
#define MAX_TASKS     (NX_MAX_CAP_NODES / NX_MAX_HANDLES_PER_TASK + 1u)

static nx_handle_t ev_new(nx_task_t *t)
{
    nx_handle_t h = NX_HANDLE_INVALID;
    ASSERT_ST(nx_sys_event_create(t, &h), NX_OK);
    return h;
}

static nx_handle_t dup(nx_task_t *t, nx_handle_t h)
{
    nx_handle_t out = NX_HANDLE_INVALID;
    ASSERT_ST(nx_sys_handle_duplicate(t, h, NX_RIGHTS_SAME, &out), NX_OK);
    return out;
}

/* `n` duplicates of `h`, each from it, kept in kids[] unless NULL. */
static void dup_many(nx_task_t *t, nx_handle_t h, uint32_t n, nx_handle_t *kids)
{
    for (uint32_t i = 0; i < n; i++) {
        nx_handle_t d = dup(t, h);
        if (kids != NULL)
            kids[i] = d;
    }
}

/* Every capability node and event released. */
static void assert_all_released(void)
{
    assert_int_equal(nx_cap_nodes_used(), 0);
    assert_int_equal(EVENTS_USED(), 0);
}

static uint32_t node_of(nx_task_t *t, nx_handle_t h)
{
    return t->handles.e[h.v & NX_HANDLE_SLOT_MASK].node;
}

/* A started revoke of `h`, driven one hold at a time. */
typedef struct {
    nx_revoke_t rv;
    nx_reaper_t reaper;
    bool done;
} walk_t;

static void walk_begin(walk_t *w, nx_task_t *t, nx_handle_t h)
{
    memset(w, 0, sizeof *w);
    nx_cap_lock();
    nx_node_revoke_begin(&w->rv, node_of(t, h));
    nx_cap_unlock();
}

/* One hold; false once the revoke has ended. */
static bool walk_hold(walk_t *w)
{
    assert_false(w->done);
    nx_cap_lock();
    w->done = nx_node_revoke_step(&w->rv, &w->reaper);
    nx_cap_unlock();
    nx_reaper_run(&w->reaper);
    return !w->done;
}

/* A revoke of `h` begun and one hold in (the tests' trees take more). */
static void walk_started(walk_t *w, nx_task_t *t, nx_handle_t h)
{
    walk_begin(w, t, h);
    assert_true(walk_hold(w));
}

static uint32_t walk_finish(walk_t *w)
{
    while (walk_hold(w)) {
    }
    assert_int_equal(atomic_load(&nx_cap_revoking), NX_NODE_NONE);
    return w->rv.count;
}

/* Holds a revoke of `nodes` nodes below the root takes: an inner node is
 * one unit to enter and one to leave, a leaf one unit, and the last look
 * at the root one: a fan is all leaves, a chain all inner nodes but one. */
static uint32_t holds_for(uint32_t nodes, bool chain)
{
    uint32_t units = chain ? 2u * nodes : nodes + 1u;
    return (units + NX_REVOKE_STEP - 1u) / NX_REVOKE_STEP;
}

/*
 * Derive `n` capabilities from `root` (held by tasks[0]): a fan (each from
 * the root) or a chain (each from the one before: the deepest tree). Task
 * 0 keeps the newest; the others move on, in batches, to tasks[1..].
 */
static void derive_many(nx_task_t **tasks, uint32_t ntasks, nx_handle_t root, uint32_t n,
                        bool chain)
{
    nx_handle_t batch[NX_MAX_TRANSFER_HANDLES], out[NX_MAX_TRANSFER_HANDLES];
    uint32_t in_batch = 0, to = 1;
    nx_handle_t src = root;
    for (uint32_t i = 0; i < n; i++) {
        nx_handle_t d = dup(tasks[0], src);
        if (chain && src.v != root.v)
            batch[in_batch++] = src;
        else if (!chain)
            batch[in_batch++] = d;
        if (chain)
            src = d;
        if (in_batch == NX_MAX_TRANSFER_HANDLES) {
            while (to < ntasks && tasks[to]->handles.free_count < in_batch)
                to++;
            assert_true(to < ntasks);
            ASSERT_ST(nx_handle_transfer(tasks[0], batch, in_batch, tasks[to], out), NX_OK);
            in_batch = 0;
        }
    }
}

static void tasks_new(nx_task_t **tasks, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        tasks[i] = nx_test_task_new();
}

static void tasks_free(nx_task_t **tasks, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        nx_test_task_free(tasks[i]);
}

/* Every node of the pool under one root, as a fan and as a chain: the
 * result is every capability, each hold does NX_REVOKE_STEP units (the
 * holds are exactly as many as the work needs), and all is released. */
static void revoke_at_the_bound(bool chain)
{
    nx_task_t *tasks[MAX_TASKS];
    tasks_new(tasks, MAX_TASKS);
    nx_handle_t root = ev_new(tasks[0]);
    uint32_t n = NX_MAX_CAP_NODES - 1u;
    derive_many(tasks, MAX_TASKS, root, n, chain);
    assert_int_equal(nx_cap_nodes_used(), NX_MAX_CAP_NODES);
    walk_t w;
    walk_begin(&w, tasks[0], root);
    assert_int_equal(walk_finish(&w), n);
    assert_int_equal(w.rv.holds, holds_for(n, chain));
    assert_true(w.rv.holds <= NX_REVOKE_MAX_HOLDS);
    assert_int_equal(nx_cap_nodes_used(), 1);
    assert_true(nx_test_handle_live(tasks[0], root));
    for (uint32_t i = 1; i < MAX_TASKS; i++)
        assert_int_equal(tasks[i]->handles.free_count + tasks[i]->handles.retired,
                         NX_MAX_HANDLES_PER_TASK);
    tasks_free(tasks, MAX_TASKS);
}

static void a_fan_at_the_bound(void **state)
{
    (void)state;
    revoke_at_the_bound(false);
}

static void a_chain_at_the_bound(void **state)
{
    (void)state;
    revoke_at_the_bound(true);
}

/* The syscall gives the same count, in as many holds, and leaves no revoke
 * in progress. */
static void the_syscall_walks_in_steps(void **state)
{
    (void)state;
    nx_task_t *tasks[4];
    tasks_new(tasks, 4);
    nx_handle_t root = ev_new(tasks[0]);
    derive_many(tasks, 4, root, 700, true);
    uint32_t revoked = 0;
    ASSERT_ST(nx_sys_handle_revoke(tasks[0], root, &revoked), NX_OK);
    assert_int_equal(revoked, 700);
    assert_int_equal(atomic_load(&nx_cap_revoking), NX_NODE_NONE);
    assert_int_equal(nx_cap_nodes_used(), 1);
    /* A second revoke finds nothing and can begin at once. */
    ASSERT_ST(nx_sys_handle_revoke(tasks[0], root, &revoked), NX_OK);
    assert_int_equal(revoked, 0);
    tasks_free(tasks, 4);
}

/* Between holds another hart closes handles the walk has not reached: they
 * are not counted (the close came first) and nothing is freed twice. */
static void closes_between_holds(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    nx_handle_t kids[200];
    dup_many(a, root, 200, kids);
    walk_t w;
    walk_started(&w, a, root);
    /* The walk takes the newest child first: the oldest are still live. */
    uint32_t closed = 0;
    for (uint32_t i = 0; i < 200; i++)
        if (nx_test_handle_live(a, kids[i]) && closed < 50) {
            ASSERT_ST(nx_sys_handle_close(a, kids[i]), NX_OK);
            closed++;
        }
    assert_int_equal(closed, 50);
    assert_int_equal(walk_finish(&w), 150);
    assert_int_equal(nx_cap_nodes_used(), 1);
    nx_test_task_free(a);
}

/* Closing the root's handle mid-revoke (another thread of its task): the
 * node stays pinned until the walk ends, then goes, and the object with
 * it. The same when the root is a zombie's only hope of splicing. */
static void the_root_closed_between_holds(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t top = ev_new(a);
    nx_handle_t root = dup(a, top);
    nx_handle_t sib = dup(a, top);                 /* top has two children... */
    ASSERT_ST(nx_sys_handle_close(a, top), NX_OK); /* ...so it stays, a zombie */
    dup_many(a, root, 100, NULL);
    walk_t w;
    walk_started(&w, a, root);
    ASSERT_ST(nx_sys_handle_close(a, root), NX_OK);
    assert_false(nx_test_handle_live(a, root));
    assert_int_equal(walk_finish(&w), 100);
    /* root gone, so the zombie above it spliced out: only sib's node. */
    assert_int_equal(nx_cap_nodes_used(), 1);
    assert_true(nx_test_handle_live(a, sib));
    assert_int_equal(EVENTS_USED(), 1);
    ASSERT_ST(nx_sys_handle_close(a, sib), NX_OK);
    assert_int_equal(EVENTS_USED(), 0);
    assert_int_equal(nx_cap_nodes_used(), 0);
    nx_test_task_free(a);
}

/* The root closed (a zombie now, pinned), then every child the walk has
 * not reached closed too: a zombie losing its last children would give
 * way, but the pinned root waits for the walk. */
static void the_root_closed_then_its_children(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    nx_handle_t kids[100];
    dup_many(a, root, 100, kids);
    walk_t w;
    walk_started(&w, a, root);
    uint32_t removed = w.rv.count;
    ASSERT_ST(nx_sys_handle_close(a, root), NX_OK);
    for (uint32_t i = 0; i < 100; i++)
        if (nx_test_handle_live(a, kids[i]))
            ASSERT_ST(nx_sys_handle_close(a, kids[i]), NX_OK);
    assert_int_equal(nx_node_state(w.rv.root), NX_NODE_ZOMBIE); /* still there */
    assert_int_equal(walk_finish(&w), removed);
    assert_all_released();
    nx_test_task_free(a);
}

/* The same with one child below the root, the walk inside its subtree: a
 * plain node with one child would give way to it (spliced out), but the
 * root must stay where the walk will come back to. */
static void the_root_closed_with_one_child(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    nx_handle_t only = dup(a, root);
    dup_many(a, only, 100, NULL);
    walk_t w;
    walk_started(&w, a, root);
    ASSERT_ST(nx_sys_handle_close(a, root), NX_OK);
    assert_int_equal(walk_finish(&w), 101);
    assert_all_released();
    nx_test_task_free(a);
}

/* The root sent into flight and the message dropped mid-revoke, and the
 * revoker's whole task killed mid-revoke: the walk still ends, releasing
 * everything. */
static void the_root_dropped_in_flight(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    dup_many(a, root, 200, NULL);
    walk_t w;
    walk_started(&w, a, root);
    nx_cap_t cap;
    ASSERT_ST(nx_cap_detach(a, &root, 1, &cap), NX_OK);
    assert_true(walk_hold(&w));
    nx_cap_drop(&cap, 1);
    assert_int_equal(walk_finish(&w), 200);
    assert_all_released();
    nx_test_task_free(a);
}

static void the_task_cleared_between_holds(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    dup_many(a, root, 200, NULL);
    walk_t w;
    walk_started(&w, a, root);
    uint32_t removed = w.rv.count;
    assert_true(removed > 0u && removed < 200u);
    assert_int_equal(nx_handle_table_clear(a), 201u - removed);
    assert_int_equal(walk_finish(&w), removed);
    assert_all_released();
    nx_test_task_free(a);
}

/* A handle the walk has not reached goes into flight: the walk marks it
 * revoked there (counted), and attaching the message gives INVALID. */
static void sent_into_flight_between_holds(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    nx_handle_t oldest = dup(a, root);
    dup_many(a, root, 100, NULL);
    walk_t w;
    walk_started(&w, a, root);
    nx_cap_t cap;
    ASSERT_ST(nx_cap_detach(a, &oldest, 1, &cap), NX_OK);
    assert_int_equal(walk_finish(&w), 101);
    assert_int_equal(nx_cap_nodes_used(), 2); /* root, and the revoked cap's */
    nx_handle_t out;
    ASSERT_ST(nx_cap_attach(b, &cap, 1, &out), NX_OK);
    assert_int_equal(out.v, NX_HANDLE_INVALID.v);
    assert_int_equal(nx_cap_nodes_used(), 1);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* A cap in flight with children of its own: the walk enters it (revoked)
 * and stands inside its subtree when the message holding it is dropped
 * (and, in the second half, attached): its node waits for the walk to
 * leave it, then goes. */
static void holder_lets_go_while_the_walk_stands_on_it(bool attach)
{
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    nx_handle_t mid = dup(a, root);
    dup_many(a, mid, 150, NULL);
    nx_cap_t cap;
    ASSERT_ST(nx_cap_detach(a, &mid, 1, &cap), NX_OK);
    walk_t w;
    walk_begin(&w, a, root);
    assert_true(walk_hold(&w)); /* entered mid, then 63 of its children */
    assert_int_equal(nx_node_state(cap.node), NX_NODE_REVOKED);
    if (attach) {
        nx_handle_t out;
        ASSERT_ST(nx_cap_attach(b, &cap, 1, &out), NX_OK);
        assert_int_equal(out.v, NX_HANDLE_INVALID.v);
    } else {
        nx_cap_drop(&cap, 1);
    }
    assert_int_equal(nx_node_state(cap.node), NX_NODE_DOOMED);
    assert_int_equal(walk_finish(&w), 151);
    assert_int_equal(nx_cap_nodes_used(), 1);
    assert_int_equal(atomic_load(&a->handles.e[root.v & NX_HANDLE_SLOT_MASK].obj->refs), 1);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

static void dropped_while_the_walk_stands_on_it(void **state)
{
    (void)state;
    holder_lets_go_while_the_walk_stands_on_it(false);
}

static void attached_while_the_walk_stands_on_it(void **state)
{
    (void)state;
    holder_lets_go_while_the_walk_stands_on_it(true);
}

/* A zombie the walk has not reached loses children to closes until it has
 * one: it splices out under a node the walk stands on, and the walk still
 * reaches what was below it. */
static void a_zombie_splices_out_between_holds(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a);
    nx_handle_t z = dup(a, root);
    nx_handle_t z1 = dup(a, z), z2 = dup(a, z);
    nx_handle_t z1kid = dup(a, z1);
    ASSERT_ST(nx_sys_handle_close(a, z), NX_OK); /* a zombie over z1, z2 */
    for (uint32_t i = 0; i < 100; i++)
        (void)dup(a, root); /* newer: the walk takes these first */
    walk_t w;
    walk_started(&w, a, root);
    assert_true(nx_test_handle_live(a, z2));
    ASSERT_ST(nx_sys_handle_close(a, z2), NX_OK); /* the zombie gives way to z1 */
    assert_true(nx_test_handle_live(a, z1) && nx_test_handle_live(a, z1kid));
    assert_int_equal(walk_finish(&w), 102); /* 100 + z1 + z1kid */
    assert_false(nx_test_handle_live(a, z1) || nx_test_handle_live(a, z1kid));
    assert_int_equal(nx_cap_nodes_used(), 1);
    nx_test_task_free(a);
}

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        CORE_TEST(a_fan_at_the_bound),
        CORE_TEST(a_chain_at_the_bound),
        CORE_TEST(the_syscall_walks_in_steps),
        CORE_TEST(closes_between_holds),
        CORE_TEST(the_root_closed_between_holds),
        CORE_TEST(the_root_closed_then_its_children),
        CORE_TEST(the_root_closed_with_one_child),
        CORE_TEST(the_root_dropped_in_flight),
        CORE_TEST(the_task_cleared_between_holds),
        CORE_TEST(sent_into_flight_between_holds),
        CORE_TEST(dropped_while_the_walk_stands_on_it),
        CORE_TEST(attached_while_the_walk_stands_on_it),
        CORE_TEST(a_zombie_splices_out_between_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
