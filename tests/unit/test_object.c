/*
 * test_object.c - pools, koids, reference counting and core reset.
 *
 * Pools are the kernel's only memory: fixed capacity, NULL past it, and a
 * misuse (double free, foreign pointer) panics instead of corrupting the
 * free list. Koids are never reused within a boot. An object is destroyed
 * exactly once, when its last reference goes; its on_last_cap hook runs
 * once, when its last capability goes, before that.
 *
 * Tests that reset a pool of their own end with nx_core_reset(): it drops
 * that pool from the registry, so the fixture's leak check sees exactly the
 * core's pools again (all empty, as at setup).
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/core.h"
#include "nx/event.h"
#include "nx/object.h"
#include "nx/pool.h"
#include "nx/task.h"
#include "nxsim/harness.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct test_item {
    uint64_t a, b, c;
} test_item_t;

#define TEST_POOL_CAP 8u
NX_POOL_DEFINE(test_pool, test_item_t, TEST_POOL_CAP);
NX_POOL_DEFINE(other_pool, test_item_t, 2);

/* --- helpers ------------------------------------------------------------ */

/* For tests that reset pools of their own: forget them (nx_core_reset drops
 * them from the registry and empties the core's pools, which these tests do
 * not use), then the usual leak check. */
static int local_pool_teardown(void **state)
{
    nx_core_reset();
    return nx_test_core_teardown(state);
}

static nx_koid_t koid_of(nx_task_t *t, nx_handle_t h)
{
    nx_object_info_t info;
    assert_int_equal(nx_handle_info(t, h, &info), NX_OK);
    return info.koid;
}

/* True when some line of `text` starts with `prefix`. */
static int has_line_prefix(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; *p != '\0';) {
        if (strncmp(p, prefix, n) == 0)
            return 1;
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return 0;
}

/* A test object type whose hooks count their calls. */
static struct {
    int last_cap;
    int destroyed;
    unsigned refs_in_hook;     /* the object's references while on_last_cap ran */
    int destroyed_before_hook; /* destroy had already run when the hook ran */
    nx_task_t *close_in_hook;  /* when set, the hook closes this handle... */
    nx_handle_t close_handle;  /* ...to show it runs without the cap lock */
    nx_status_t close_status;
} hooks;

static void test_on_last_cap(nx_object_t *obj)
{
    hooks.last_cap++;
    hooks.refs_in_hook = atomic_load(&obj->refs);
    hooks.destroyed_before_hook = hooks.destroyed;
    if (hooks.close_in_hook != NULL)
        hooks.close_status = nx_sys_handle_close(hooks.close_in_hook, hooks.close_handle);
}

static void test_destroy(nx_object_t *obj)
{
    (void)obj;
    hooks.destroyed++;
}

/* Type NX_OBJ_NONE: no syscall treats it as one of its own objects. */
static const nx_object_ops_t test_ops = {
    .type = NX_OBJ_NONE,
    .name = "testobj",
    .on_last_cap = test_on_last_cap,
    .destroy = test_destroy,
};

static nx_object_t test_obj;

static void test_obj_init(void)
{
    memset(&hooks, 0, sizeof hooks);
    nx_object_init(&test_obj, &test_ops);
}

/* --- pools ----------------------------------------------------------------- */

/* Capacity items come out (lowest index first, zeroed, distinct), then NULL;
 * NULL changes nothing. */
static void pool_alloc_to_capacity(void **state)
{
    (void)state;
    nx_pool_reset(&test_pool);
    test_item_t *items[TEST_POOL_CAP];
    for (uint32_t i = 0; i < TEST_POOL_CAP; i++) {
        items[i] = nx_pool_alloc(&test_pool);
        assert_non_null(items[i]);
        assert_int_equal(nx_pool_index(&test_pool, items[i]), i);
        assert_ptr_equal(nx_pool_item(&test_pool, i), items[i]);
        assert_true(items[i]->a == 0 && items[i]->b == 0 && items[i]->c == 0);
        items[i]->a = items[i]->b = items[i]->c = 0xdeadbeefu;
        assert_int_equal(nx_pool_used(&test_pool), i + 1u);
    }
    assert_null(nx_pool_alloc(&test_pool));
    assert_null(nx_pool_alloc(&test_pool));
    assert_int_equal(nx_pool_used(&test_pool), TEST_POOL_CAP);
    assert_int_equal(test_pool.high_water, TEST_POOL_CAP);

    /* One back: exactly one more fits, and it comes back zeroed. */
    nx_pool_free(&test_pool, items[3]);
    assert_int_equal(nx_pool_used(&test_pool), TEST_POOL_CAP - 1u);
    test_item_t *again = nx_pool_alloc(&test_pool);
    assert_ptr_equal(again, items[3]);
    assert_true(again->a == 0 && again->b == 0 && again->c == 0);
    assert_null(nx_pool_alloc(&test_pool));

    for (uint32_t i = 0; i < TEST_POOL_CAP; i++)
        nx_pool_free(&test_pool, items[i]);
    assert_int_equal(nx_pool_used(&test_pool), 0);
    assert_int_equal(test_pool.high_water, TEST_POOL_CAP); /* a high-water mark stays */
}

/* Freed items are reused last-in first-out; after any free order every item
 * can be allocated again exactly once. */
static void pool_free_order(void **state)
{
    (void)state;
    nx_pool_reset(&test_pool);
    test_item_t *items[TEST_POOL_CAP];
    for (uint32_t i = 0; i < TEST_POOL_CAP; i++)
        items[i] = nx_pool_alloc(&test_pool);
    nx_pool_free(&test_pool, items[5]);
    nx_pool_free(&test_pool, items[1]);
    nx_pool_free(&test_pool, items[6]);
    assert_ptr_equal(nx_pool_alloc(&test_pool), items[6]);
    assert_ptr_equal(nx_pool_alloc(&test_pool), items[1]);
    assert_ptr_equal(nx_pool_alloc(&test_pool), items[5]);
    assert_null(nx_pool_alloc(&test_pool));

    /* Free everything in a scrambled order; each comes back once. */
    static const uint32_t order[TEST_POOL_CAP] = { 3, 7, 0, 5, 2, 6, 1, 4 };
    for (uint32_t i = 0; i < TEST_POOL_CAP; i++)
        nx_pool_free(&test_pool, items[order[i]]);
    assert_int_equal(nx_pool_used(&test_pool), 0);
    int seen[TEST_POOL_CAP] = { 0 };
    for (uint32_t i = 0; i < TEST_POOL_CAP; i++) {
        test_item_t *it = nx_pool_alloc(&test_pool);
        assert_non_null(it);
        seen[nx_pool_index(&test_pool, it)]++;
    }
    for (uint32_t i = 0; i < TEST_POOL_CAP; i++)
        assert_int_equal(seen[i], 1);
    assert_null(nx_pool_alloc(&test_pool));
}

/* Reset empties a pool that still has items out (core reset only). */
static void pool_reset_empties(void **state)
{
    (void)state;
    nx_pool_reset(&test_pool);
    for (uint32_t i = 0; i < 5u; i++)
        ((test_item_t *)nx_pool_alloc(&test_pool))->a = 7;
    nx_pool_reset(&test_pool);
    assert_int_equal(nx_pool_used(&test_pool), 0);
    test_item_t *first = nx_pool_alloc(&test_pool);
    assert_int_equal(nx_pool_index(&test_pool, first), 0);
    assert_int_equal(first->a, 0);
}

/* Every pool reset since the registry was cleared is listed once; the core
 * registers its pools (these three at least), all empty after reset. */
static void pool_registry(void **state)
{
    (void)state;
    uint32_t base = nx_pool_registry_count();
    assert_true(base >= 3u && base < NX_MAX_POOLS);
    static const char *const core_pools[] = { "cap_nodes", "tasks", "events" };
    for (size_t n = 0; n < COUNT(core_pools); n++)
        assert_int_equal(nx_test_pool_used(core_pools[n]), 0);
    assert_null(nx_pool_registry_get(base));
    assert_null(nx_pool_registry_get(UINT32_MAX));

    nx_pool_reset(&test_pool);
    assert_int_equal(nx_pool_registry_count(), base + 1u);
    assert_ptr_equal(nx_pool_registry_get(base), &test_pool);
    nx_pool_reset(&test_pool); /* again: still listed once */
    assert_int_equal(nx_pool_registry_count(), base + 1u);
    nx_pool_reset(&other_pool);
    assert_int_equal(nx_pool_registry_count(), base + 2u);
    assert_ptr_equal(nx_pool_registry_get(base + 1u), &other_pool);

    nx_core_reset(); /* a new boot: only the core's pools again */
    assert_int_equal(nx_pool_registry_count(), base);
}

/* --- misuse panics (each in its own test: a panic ends the machine) -------- */

typedef struct panic_case {
    const char *name;
    void (*fn)(void *arg); /* sets `expected` to the start of the PANIC line, then errs */
} panic_case_t;

static test_item_t *held[TEST_POOL_CAP];
static char expected[160];

static void expect_pool_misuse(const nx_pool_t *pool, const void *item)
{
    snprintf(expected, sizeof expected, "PANIC: pool %s: %p ", pool->name, item);
}

static void expect_object_misuse(const nx_object_t *obj)
{
    snprintf(expected, sizeof expected, "PANIC: %s koid %llu: ", obj->ops->name,
             (unsigned long long)obj->koid.v);
}

/* Three items out; the tests free one wrongly. */
static void pool_three_out(void)
{
    nx_pool_reset(&test_pool);
    for (uint32_t i = 0; i < 3u; i++)
        held[i] = nx_pool_alloc(&test_pool);
}

static void double_free(void *arg)
{
    (void)arg;
    nx_pool_free(&test_pool, held[2]);
    expect_pool_misuse(&test_pool, held[2]);
    nx_pool_free(&test_pool, held[2]);
}

static void free_never_allocated(void *arg)
{
    (void)arg;
    void *item = nx_pool_item(&test_pool, 5);
    expect_pool_misuse(&test_pool, item);
    nx_pool_free(&test_pool, item);
}

static void free_stack_pointer(void *arg)
{
    (void)arg;
    test_item_t local = { 0, 0, 0 };
    expect_pool_misuse(&test_pool, &local);
    nx_pool_free(&test_pool, &local);
}

static void free_misaligned(void *arg)
{
    (void)arg;
    void *item = (unsigned char *)held[1] + 8;
    expect_pool_misuse(&test_pool, item);
    nx_pool_free(&test_pool, item);
}

static void free_past_end(void *arg)
{
    (void)arg;
    void *item = nx_pool_item(&test_pool, TEST_POOL_CAP);
    expect_pool_misuse(&test_pool, item);
    nx_pool_free(&test_pool, item);
}

static void free_other_pools_item(void *arg)
{
    (void)arg;
    nx_pool_reset(&other_pool);
    void *item = nx_pool_alloc(&other_pool);
    expect_pool_misuse(&test_pool, item);
    nx_pool_free(&test_pool, item);
}

static void ref_after_destroy(void *arg)
{
    (void)arg;
    nx_object_unref(&test_obj);
    expect_object_misuse(&test_obj);
    nx_object_ref(&test_obj);
}

static void unref_after_destroy(void *arg)
{
    (void)arg;
    nx_object_unref(&test_obj);
    expect_object_misuse(&test_obj);
    nx_object_unref(&test_obj);
}

/* Pools beyond the core's fill the registry up to NX_MAX_POOLS; the next
 * one panics. */
NX_POOL_DEFINE(r0, uint32_t, 1);
NX_POOL_DEFINE(r1, uint32_t, 1);
NX_POOL_DEFINE(r2, uint32_t, 1);
NX_POOL_DEFINE(r3, uint32_t, 1);
NX_POOL_DEFINE(r4, uint32_t, 1);
NX_POOL_DEFINE(r5, uint32_t, 1);
NX_POOL_DEFINE(r6, uint32_t, 1);
NX_POOL_DEFINE(r7, uint32_t, 1);
NX_POOL_DEFINE(r8, uint32_t, 1);
NX_POOL_DEFINE(r9, uint32_t, 1);
NX_POOL_DEFINE(r10, uint32_t, 1);
NX_POOL_DEFINE(r11, uint32_t, 1);
NX_POOL_DEFINE(r12, uint32_t, 1);
NX_POOL_DEFINE(r13, uint32_t, 1);
NX_POOL_DEFINE(r14, uint32_t, 1);

static void registry_overflow(void *arg)
{
    (void)arg;
    nx_pool_t *extra[] = { &r0, &r1, &r2,  &r3,  &r4,  &r5,  &r6, &r7,
                           &r8, &r9, &r10, &r11, &r12, &r13, &r14 };
    size_t i = 0;
    while (nx_pool_registry_count() < NX_MAX_POOLS)
        nx_pool_reset(extra[i++]);
    snprintf(expected, sizeof expected, "PANIC: pool %s: more than NX_MAX_POOLS pools",
             extra[i]->name);
    nx_pool_reset(extra[i]);
}

static const panic_case_t panic_cases[] = {
    { "pool_double_free_panics", double_free },
    { "pool_free_of_free_item_panics", free_never_allocated },
    { "pool_free_stack_pointer_panics", free_stack_pointer },
    { "pool_free_misaligned_panics", free_misaligned },
    { "pool_free_past_end_panics", free_past_end },
    { "pool_free_other_pools_item_panics", free_other_pools_item },
    { "ref_after_destroy_panics", ref_after_destroy },
    { "unref_after_destroy_panics", unref_after_destroy },
    { "pool_registry_overflow_panics", registry_overflow },
};

/* A broken invariant stops the machine with a PANIC line naming the pool
 * (or object) and the item, before it changes anything. */
static void misuse_panics(void **state)
{
    const panic_case_t *c = *state;
    pool_three_out();
    test_obj_init();
    expected[0] = '\0';
    nx_exit_code_t code = NX_EXIT_PASS;
    int caught = nx_sim_harness_catch(c->fn, NULL, &code);
    const char *console = nx_sim_harness_console();
    if (!caught)
        fail_msg("%s: no panic; console:\n%s", c->name, console);
    assert_int_equal(code, NX_EXIT_PANIC);
    if (expected[0] == '\0' || !has_line_prefix(console, expected))
        fail_msg("%s: expected a line starting \"%s\"; console:\n%s", c->name, expected, console);
    /* Refused before it touched the pool's counts. */
    int freed_first = c->fn == double_free;
    assert_int_equal(nx_pool_used(&test_pool), 3 - freed_first);
    assert_int_equal(hooks.destroyed, c->fn == ref_after_destroy || c->fn == unref_after_destroy);
}

/* --- koids and ids ----------------------------------------------------------- */

/* The first object after reset gets NX_KOID_FIRST; every object the next
 * one, whatever its type. */
static void koids_start_at_first_and_increase(void **state)
{
    (void)state;
    assert_int_equal(nx_koid_issued(), 0);
    nx_task_t *t = nx_test_task_new();
    assert_int_equal(t->obj.koid.v, NX_KOID_FIRST);
    assert_int_equal(nx_koid_issued(), 1);

    nx_handle_t ev, tk;
    assert_int_equal(nx_sys_event_create(t, &ev), NX_OK);
    assert_int_equal(koid_of(t, ev).v, NX_KOID_FIRST + 1u);
    assert_int_equal(nx_task_create_handle(t, &tk), NX_OK);
    assert_int_equal(koid_of(t, tk).v, NX_KOID_FIRST + 2u);
    test_obj_init();
    assert_int_equal(test_obj.koid.v, NX_KOID_FIRST + 3u);
    assert_int_equal(test_obj.type, NX_OBJ_NONE);
    assert_int_equal(nx_koid_issued(), 4);

    /* A duplicate names the same object: same koid, nothing issued. */
    nx_handle_t d;
    assert_int_equal(nx_sys_handle_duplicate(t, ev, NX_RIGHTS_SAME, &d), NX_OK);
    assert_int_equal(koid_of(t, d).v, NX_KOID_FIRST + 1u);
    assert_int_equal(nx_koid_issued(), 4);

    nx_object_unref(&test_obj);
    assert_int_equal(hooks.destroyed, 1);
    nx_test_task_free(t);
}

/* Objects die and their pool slots are reused, but their koids are not:
 * the same pool item gets a new koid each time. */
static void koids_never_reused(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    uint64_t last = t->obj.koid.v;
    nx_event_t *first_item = NULL;
    for (uint32_t round = 0; round < 300u; round++) {
        nx_handle_t ev;
        assert_int_equal(nx_sys_event_create(t, &ev), NX_OK);
        nx_object_t *obj;
        assert_int_equal(nx_cap_get(t, ev, NX_OBJ_EVENT, NX_RIGHT_NONE, NX_AUDIT_OP_LOOKUP, &obj),
                         NX_OK);
        uint64_t koid = obj->koid.v;
        nx_object_unref(obj); /* before asserting: a failure must not leak it */
        if (first_item == NULL)
            first_item = (nx_event_t *)obj;
        assert_ptr_equal(obj, first_item); /* the same pool item, again and again */
        assert_int_equal(koid, last + 1u);
        last = koid;
        assert_int_equal(nx_sys_handle_close(t, ev), NX_OK);
        assert_int_equal(nx_test_pool_used("events"), 0);
    }
    assert_int_equal(nx_koid_issued(), 301);
    nx_test_task_free(t);
}

/* Task ids start at 1 and are never reused, even for a task pool slot. */
static void task_ids_never_reused(void **state)
{
    (void)state;
    for (uint32_t i = 1; i <= 100u; i++) {
        nx_task_t *t = nx_test_task_new();
        assert_int_equal(t->id.v, i);
        nx_test_task_free(t);
    }
}

/* --- reference counting --------------------------------------------------------- */

/* References taken and dropped in any order: destroy runs exactly once,
 * when the count reaches zero, never before. */
static void destroyed_once_when_last_ref_goes(void **state)
{
    (void)state;
    test_obj_init();
    for (int i = 0; i < 5; i++)
        nx_object_ref(&test_obj);
    assert_int_equal(atomic_load(&test_obj.refs), 6);
    for (int i = 0; i < 5; i++) {
        nx_object_unref(&test_obj);
        assert_int_equal(hooks.destroyed, 0);
    }
    nx_object_unref(&test_obj);
    assert_int_equal(hooks.destroyed, 1);
    assert_int_equal(hooks.last_cap, 0); /* never had a capability */
}

/* Capabilities hold references: on_last_cap runs once, when the last one
 * goes (close, transfer away and close, duplicate...), before the
 * capabilities' references are dropped; the creator's reference keeps the
 * object after that. */
static void last_cap_hook_runs_once(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    test_obj_init();
    nx_handle_t h, d, moved;
    assert_int_equal(nx_cap_install(a, &test_obj, NX_RIGHTS_ALL, &h), NX_OK);
    assert_int_equal(nx_sys_handle_duplicate(a, h, NX_RIGHTS_SAME, &d), NX_OK);
    assert_int_equal(atomic_load(&test_obj.refs), 3);
    assert_int_equal(test_obj.caps, 2);
    assert_int_equal(nx_handle_transfer(a, &d, 1, b, &moved), NX_OK);
    assert_int_equal(test_obj.caps, 2); /* moving is not losing */

    assert_int_equal(nx_sys_handle_close(a, h), NX_OK);
    assert_int_equal(hooks.last_cap, 0);
    assert_int_equal(atomic_load(&test_obj.refs), 2);
    assert_int_equal(nx_sys_handle_close(b, moved), NX_OK);
    assert_int_equal(hooks.last_cap, 1);
    assert_int_equal(hooks.refs_in_hook, 2); /* the cap's reference was still held */
    assert_int_equal(hooks.destroyed_before_hook, 0);
    assert_int_equal(atomic_load(&test_obj.refs), 1);
    assert_int_equal(test_obj.caps, 0);
    assert_int_equal(hooks.destroyed, 0);

    nx_object_unref(&test_obj);
    assert_int_equal(hooks.destroyed, 1);
    assert_int_equal(hooks.last_cap, 1);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* The hook runs with no capability lock held: it may close handles. */
static void last_cap_hook_may_close_handles(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    test_obj_init();
    nx_handle_t h, ev;
    assert_int_equal(nx_sys_event_create(t, &ev), NX_OK);
    assert_int_equal(nx_cap_install(t, &test_obj, NX_RIGHTS_ALL, &h), NX_OK);
    hooks.close_in_hook = t;
    hooks.close_handle = ev;
    hooks.close_status = NX_ERR_INTERNAL;
    assert_int_equal(nx_sys_handle_close(t, h), NX_OK);
    assert_int_equal(hooks.last_cap, 1);
    assert_int_equal(hooks.close_status, NX_OK);
    assert_int_equal(nx_handle_table_count(&t->handles), 0);
    assert_int_equal(nx_test_pool_used("events"), 0);
    nx_object_unref(&test_obj);
    nx_test_task_free(t);
}

/* The last capability of an object with no other reference destroys it:
 * the event's pool item comes back when its last handle closes. */
static void last_handle_frees_pool_item(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev, d;
    assert_int_equal(nx_sys_event_create(t, &ev), NX_OK);
    assert_int_equal(nx_sys_handle_duplicate(t, ev, NX_RIGHTS_SAME, &d), NX_OK);
    assert_int_equal(nx_test_pool_used("events"), 1);
    assert_int_equal(nx_sys_handle_close(t, ev), NX_OK);
    assert_int_equal(nx_test_pool_used("events"), 1);
    assert_int_equal(nx_sys_handle_close(t, d), NX_OK);
    assert_int_equal(nx_test_pool_used("events"), 0);
    nx_test_task_free(t);
}

/* --- core reset --------------------------------------------------------------------- */

/* Reset brings everything back to boot state whatever is alive: empty
 * pools, koids and task ids from the start, empty audit ring, empty
 * derivation tree, and the capability lock free. */
static void core_reset_restores_boot_state(void **state)
{
    (void)state;
    uint32_t core_pools = nx_pool_registry_count();
    nx_task_t *t = NULL; /* not the fixture's: the reset below takes it */
    assert_int_equal(nx_task_create(&t), NX_OK);
    nx_handle_t ev, d, tk, bad = { 0x12345u };
    assert_int_equal(nx_sys_event_create(t, &ev), NX_OK);
    assert_int_equal(nx_sys_handle_duplicate(t, ev, NX_RIGHTS_SAME, &d), NX_OK);
    assert_int_equal(nx_task_create_handle(t, &tk), NX_OK);
    assert_int_equal(nx_sys_handle_close(t, bad), NX_ERR_BAD_HANDLE);
    assert_true(nx_cap_nodes_used() > 0u);
    assert_true(nx_audit_stats().appended > 0u);
    nx_cap_lock(); /* as if a test had failed while holding it */

    nx_core_reset();
    assert_int_equal(nx_pool_registry_count(), core_pools);
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++)
        assert_int_equal(nx_pool_used(nx_pool_registry_get(i)), 0);
    assert_int_equal(nx_cap_nodes_used(), 0);
    assert_int_equal(nx_koid_issued(), 0);
    nx_audit_stats_t s = nx_audit_stats();
    assert_int_equal(s.appended, 0);
    assert_int_equal(s.dropped, 0);
    assert_int_equal(s.pending, 0);

    nx_cap_lock(); /* free again: would spin forever otherwise */
    nx_cap_unlock();
    nx_task_t *fresh = nx_test_task_new();
    assert_int_equal(fresh->id.v, 1);
    assert_int_equal(fresh->obj.koid.v, NX_KOID_FIRST);
    nx_test_task_free(fresh);
}

#define CORE_TEST(fn)  cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)
#define LOCAL_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, local_pool_teardown)

int main(void)
{
    static struct CMUnitTest tests[32];
    static const struct CMUnitTest fixed[] = {
        LOCAL_TEST(pool_alloc_to_capacity),
        LOCAL_TEST(pool_free_order),
        LOCAL_TEST(pool_reset_empties),
        LOCAL_TEST(pool_registry),
        CORE_TEST(koids_start_at_first_and_increase),
        CORE_TEST(koids_never_reused),
        CORE_TEST(task_ids_never_reused),
        CORE_TEST(destroyed_once_when_last_ref_goes),
        CORE_TEST(last_cap_hook_runs_once),
        CORE_TEST(last_cap_hook_may_close_handles),
        CORE_TEST(last_handle_frees_pool_item),
        CORE_TEST(core_reset_restores_boot_state),
    };
    size_t n = 0;
    for (size_t i = 0; i < COUNT(fixed); i++)
        tests[n++] = fixed[i];
    for (size_t i = 0; i < COUNT(panic_cases); i++) {
        struct CMUnitTest c = { panic_cases[i].name, misuse_panics, nx_test_core_setup,
                                local_pool_teardown, (void *)&panic_cases[i] };
        tests[n++] = c;
    }
    return _cmocka_run_group_tests("test_object", tests, n, NULL, NULL);
}
