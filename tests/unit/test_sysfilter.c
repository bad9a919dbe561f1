/*
 * test_sysfilter.c - the system call filter (nx/sysfilter.h): every
 * matcher op at and around its bounds, fixed (argument-free) decisions,
 * a stack's strictest-wins verdict and report mode, rate buckets exact
 * over long virtual runs, the blob checks (each malformed field, and a
 * deterministic corpus of mutated blobs), attaching (self, MANAGE,
 * loosening refused, the stack's bound, inheritance), and that a refused
 * attach changes nothing but the audit ring.
 */
#include "nx_test.h"

#include <string.h>

#include "nexus/start.h"
#include "nexus/status.h"
#include "nexus/sysfilter.h"
#include "nx/audit.h"
#include "nx/channel.h"
#include "nx/cap.h"
#include "nx/core.h"
#include "nx/event.h"
#include "nx/port.h"
#include "nx/sysfilter.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "nexus/syscall.h"
#include "nexus/syscall_args.h"
#include "nxsim/harness.h"
#include "nxsim/program.h"
#include "sysfilter_blob.h"
#include "workload.h"

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

/* A thread of `task` for nx_filter_check (it reads only the task). */
static nx_thread_t thread_of(nx_task_t *task)
{
    nx_thread_t t;
    memset(&t, 0, sizeof t);
    t.task = task;
    return t;
}

static nx_filter_t *built(const nx_test_filter_t *p)
{
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(p, blob);
    nx_filter_t *f = NULL;
    nx_audit_reason_t why = NX_AUDIT_OK;
    ASSERT_ST(nx_filter_build_kernel(blob, n, &f, &why), NX_OK);
    return f;
}

/* Push f onto t's stack as the syscall would (tests own the stack here). */
static void push(nx_task_t *t, nx_filter_t *f)
{
    uint32_t n = atomic_load(&t->filter.count);
    assert_true(n < NX_FILTER_MAX_STACK);
    atomic_store(&t->filter.at[n], f);
    atomic_store(&t->filter.count, n + 1u);
}

static nx_filter_verdict_t check(nx_task_t *t, uint32_t nr, uint64_t a0, uint64_t a1)
{
    nx_thread_t self = thread_of(t);
    const uint64_t a[6] = { a0, a1, 0, 0, 0, 0 };
    return nx_filter_check(&self, nr, a);
}

static bool allowed(nx_task_t *t, uint32_t nr, uint64_t a0)
{
    return check(t, nr, a0, 0).kind == NX_FILTER_ALLOW;
}

/* --- matchers -------------------------------------------------------------------- */

/* One rule `arg0 op a (b)` allows debug_write; everything else is denied. */
static nx_task_t *one_matcher(nx_filter_op_t op, uint64_t a, uint64_t b)
{
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    nx_test_filter_match(nx_test_filter_rule(&p, NX_SYS_DEBUG_WRITE, NX_FILTER_ALLOW, 0), 0, op, a,
                         b);
    push(t, built(&p));
    return t;
}

static void value_ops_at_their_bounds(void **state)
{
    (void)state;
    const uint64_t A = 1000;
    static const struct {
        nx_filter_op_t op;
        bool below, at, above; /* A - 1, A, A + 1 */
    } cases[] = {
        { NX_FILTER_EQ, false, true, false }, { NX_FILTER_NE, true, false, true },
        { NX_FILTER_LT, true, false, false }, { NX_FILTER_LE, true, true, false },
        { NX_FILTER_GT, false, false, true }, { NX_FILTER_GE, false, true, true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nx_task_t *t = one_matcher(cases[i].op, A, 0);
        if (allowed(t, NX_SYS_DEBUG_WRITE, A - 1) != cases[i].below ||
            allowed(t, NX_SYS_DEBUG_WRITE, A) != cases[i].at ||
            allowed(t, NX_SYS_DEBUG_WRITE, A + 1) != cases[i].above)
            fail_msg("op %d around %llu", (int)cases[i].op, (unsigned long long)A);
        nx_test_task_free(t);
    }
    /* The ends of the range: unsigned, no wrap. */
    nx_task_t *t = one_matcher(NX_FILTER_LT, 0, 0);
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 0));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, UINT64_MAX));
    nx_test_task_free(t);
    t = one_matcher(NX_FILTER_GE, UINT64_MAX, 0);
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, UINT64_MAX));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, UINT64_MAX - 1));
    nx_test_task_free(t);
}

static void range_and_mask_ops(void **state)
{
    (void)state;
    nx_task_t *t = one_matcher(NX_FILTER_IN_RANGE, 10, 20);
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 9));
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 10));
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 20));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 21));
    nx_test_task_free(t);
    t = one_matcher(NX_FILTER_IN_RANGE, 7, 7); /* one value */
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 7));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 8));
    nx_test_task_free(t);
    t = one_matcher(NX_FILTER_MASK_ALL, 0x6, 0);
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 0x6));
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 0xf));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 0x4)); /* one of the two bits */
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 0x9));
    nx_test_task_free(t);
    t = one_matcher(NX_FILTER_MASK_NONE, 0x6, 0);
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 0x9));
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, 0));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 0x2));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, UINT64_MAX));
    nx_test_task_free(t);
}

/* Handle tests look the argument up in the caller's own table: a live
 * handle of that type, or with those rights; anything else (another type,
 * a right missing, closed, stale, forged, above 32 bits) does not hold. */
static void handle_ops_read_the_callers_table(void **state)
{
    (void)state;
    nx_task_t *t = one_matcher(NX_FILTER_TYPE_IS, NX_OBJ_EVENT, 0);
    nx_handle_t ev, ro, gone;
    ASSERT_ST(nx_sys_event_create(t, &ev), NX_OK);
    ASSERT_ST(nx_sys_handle_replace(t, ev, NX_RIGHT_WAIT, &ro), NX_OK);
    ASSERT_ST(nx_sys_event_create(t, &gone), NX_OK);
    ASSERT_ST(nx_sys_handle_close(t, gone), NX_OK);
    uint64_t packed;
    ASSERT_ST(nx_sys_channel_create(t, &packed), NX_OK);
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, ro.v));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, (uint32_t)packed)); /* a channel */
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, gone.v));           /* closed */
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, 0x00abcd09u));      /* forged */
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, (1ull << 32) | ro.v));
    nx_test_task_free(t);

    t = one_matcher(NX_FILTER_HAS_RIGHTS, NX_RIGHT_WAIT | NX_RIGHT_SIGNAL, 0);
    ASSERT_ST(nx_sys_event_create(t, &ev), NX_OK);
    ASSERT_ST(nx_sys_handle_replace(t, ev, NX_RIGHT_WAIT, &ro), NX_OK);
    ASSERT_ST(nx_sys_event_create(t, &ev), NX_OK);
    assert_true(allowed(t, NX_SYS_DEBUG_WRITE, ev.v));
    assert_false(allowed(t, NX_SYS_DEBUG_WRITE, ro.v)); /* WAIT alone */
    nx_test_task_free(t);
}

/* --- decisions --------------------------------------------------------------------- */

/* First rule that holds decides; the default decides the rest, unknown
 * numbers included; an argument-free first rule is the fixed decision. */
static void first_rule_that_holds_decides(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    nx_test_filter_match(
        nx_test_filter_rule(&p, NX_SYS_VMO_CREATE, NX_FILTER_DENY, NX_ERR_OUT_OF_RANGE), 0,
        NX_FILTER_GT, 4096, 0);
    (void)nx_test_filter_rule(&p, NX_SYS_VMO_CREATE, NX_FILTER_DENY, NX_ERR_NO_RESOURCES);
    (void)nx_test_filter_rule(&p, NX_SYS_HART_ID, NX_FILTER_DENY, NX_ERR_ACCESS_DENIED);
    nx_filter_t *f = built(&p);
    push(t, f);
    assert_int_equal(f->fixed[NX_SYS_HART_ID], f->first[NX_SYS_HART_ID]);
    assert_int_equal(f->fixed[NX_SYS_VMO_CREATE], NX_FILTER_DEPENDS);
    assert_int_equal(f->fixed[NX_SYS_TIME_NOW], NX_FILTER_BY_DEFAULT);
    nx_filter_verdict_t v = check(t, NX_SYS_VMO_CREATE, 8192, 0);
    assert_int_equal(v.kind, NX_FILTER_DENY);
    ASSERT_ST(v.status, NX_ERR_OUT_OF_RANGE);
    v = check(t, NX_SYS_VMO_CREATE, 4096, 0);
    ASSERT_ST(v.status, NX_ERR_NO_RESOURCES); /* the second rule, argument-free */
    ASSERT_ST(check(t, NX_SYS_HART_ID, 0, 0).status, NX_ERR_ACCESS_DENIED);
    assert_int_equal(check(t, NX_SYS_TIME_NOW, 0, 0).kind, NX_FILTER_ALLOW);
    assert_int_equal(check(t, NX_SYS_COUNT + 5u, 0, 0).kind, NX_FILTER_ALLOW);
    /* Coverage: by blob index, the default last. */
    assert_int_equal(nx_filter_hits(f, 0), 1);
    assert_int_equal(nx_filter_hits(f, 1), 1);
    assert_int_equal(nx_filter_hits(f, 2), 1);
    assert_int_equal(nx_filter_hits(f, NX_FILTER_MAX_RULES), 2);
    nx_test_task_free(t);
}

/* A list of values (every rule of a call tests one argument for
 * equality) is searched, not scanned: the same decisions, the first rule
 * naming a value still winning, anything else the default's. */
static void a_value_list_decides_as_its_rules(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    static const uint64_t values[] = { 900, 5, 77, UINT64_MAX, 0, 4096, 77, 31 };
    for (uint32_t i = 0; i < 8; i++)
        nx_test_filter_match(nx_test_filter_rule(&p, NX_SYS_VMO_CREATE,
                                                 i == 6 ? NX_FILTER_DENY : NX_FILTER_ALLOW,
                                                 NX_ERR_ACCESS_DENIED),
                             0, NX_FILTER_EQ, values[i], 0);
    /* A second call mixing ops stays a scan. */
    for (uint32_t i = 0; i < 5; i++)
        nx_test_filter_match(nx_test_filter_rule(&p, NX_SYS_VMO_READ, NX_FILTER_ALLOW, 0), 1,
                             i == 4 ? NX_FILTER_GT : NX_FILTER_EQ, i, 0);
    nx_filter_t *f = built(&p);
    push(t, f);
    assert_int_equal(f->eq_arg[NX_SYS_VMO_CREATE], 0);
    uint32_t held = 0;
    for (uint32_t i = 0; i < NX_FILTER_EQ_SLOTS; i++)
        held += f->eq_slot[i].nr == NX_SYS_VMO_CREATE ? 1u : 0u;
    assert_int_equal(held, 7); /* 77 twice: one entry */
    assert_int_equal(f->eq_arg[NX_SYS_VMO_READ], NX_FILTER_NO_INDEX);
    for (uint32_t i = 0; i < 8; i++)
        assert_true(allowed(t, NX_SYS_VMO_CREATE, values[i])); /* 77: the first rule, ALLOW */
    static const uint64_t others[] = {
        1, 4, 6, 30, 32, 76, 78, 899, 901, 4095, 4097, UINT64_MAX - 1
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        nx_filter_verdict_t v = check(t, NX_SYS_VMO_CREATE, others[i], 0);
        assert_int_equal(v.kind, NX_FILTER_DENY);
        ASSERT_ST(v.status, NX_ERR_DENIED_BY_FILTER);
    }
    assert_int_equal(nx_filter_hits(f, 2), 2); /* 77, asked twice: its first rule both times */
    assert_int_equal(nx_filter_hits(f, 6), 0);
    assert_int_equal(check(t, NX_SYS_VMO_READ, 0, 4).kind, NX_FILTER_DENY); /* no EQ, not GT 4 */
    assert_true(check(t, NX_SYS_VMO_READ, 0, 3).kind == NX_FILTER_ALLOW);
    assert_true(check(t, NX_SYS_VMO_READ, 0, 9).kind == NX_FILTER_ALLOW); /* the GT rule */
    nx_test_task_free(t);
}

static void drain_audit(void);

/* Every value op compiles to one masked interval (or its complement)
 * that decides exactly as the op: around each bound, at both ends of the
 * range, and for masks of every shape. */
static void a_compiled_matcher_is_its_op(void **state)
{
    (void)state;
    static const uint64_t edges[] = { 0,
                                      1,
                                      2,
                                      0xff,
                                      999,
                                      1000,
                                      1001,
                                      UINT64_C(1) << 63,
                                      (UINT64_C(1) << 63) - 1u,
                                      UINT64_MAX - 1u,
                                      UINT64_MAX };
    const size_t n = sizeof edges / sizeof edges[0];
    uint64_t checked = 0;
    for (uint32_t op = NX_FILTER_EQ; op <= NX_FILTER_IN_RANGE; op++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                nx_filter_matcher_t m = { 2, (uint8_t)op, 0, 0, edges[i], edges[j] };
                nx_filter_test_t t = nx_filter_compile_matcher(&m);
                assert_int_equal(t.kind, NX_FILTER_TEST_VALUE);
                assert_int_equal(t.arg, 2);
                for (size_t k = 0; k < n; k++)
                    for (int d = -1; d <= 1; d++) {
                        uint64_t v = edges[k] + (uint64_t)(int64_t)d;
                        uint64_t a[6] = { 0, 0, v, 0, 0, 0 };
                        if (nx_filter_test_value(&t, a) !=
                            (nx_filter_value_test((uint8_t)op, v, m.a, m.b) == 1))
                            fail_msg("op %u a %llx b %llx v %llx", op, (unsigned long long)m.a,
                                     (unsigned long long)m.b, (unsigned long long)v);
                        checked++;
                    }
            }
    assert_int_equal(checked, 9u * 11u * 11u * 11u * 3u);
    nx_filter_matcher_t type = { 1, NX_FILTER_TYPE_IS, 0, 0, NX_OBJ_CHANNEL, 0 };
    nx_filter_matcher_t rights = { 3, NX_FILTER_HAS_RIGHTS, 0, 0, NX_RIGHT_READ, 0 };
    assert_int_equal(nx_filter_compile_matcher(&type).kind, NX_FILTER_TEST_TYPE);
    assert_int_equal(nx_filter_compile_matcher(&type).lo, NX_OBJ_CHANNEL);
    assert_int_equal(nx_filter_compile_matcher(&rights).kind, NX_FILTER_TEST_RIGHTS);
    assert_int_equal(nx_filter_compile_matcher(&rights).lo, NX_RIGHT_READ);
}

/* NX_FILTER_MAX_RULES values that all hash to the last hashed slot: one
 * run of that length, past the hashed slots, ending in the free slot the
 * table always keeps; every value still finds its rule, and one more
 * value of the same start finds none. */
static void colliding_values_stay_in_their_table(void **state)
{
    (void)state;
    const uint32_t nr = NX_SYS_VMO_CREATE, last = NX_FILTER_EQ_SLOTS - 1u;
    uint64_t values[NX_FILTER_MAX_RULES + 1u];
    uint32_t found = 0;
    for (uint64_t v = 0; found < NX_FILTER_MAX_RULES + 1u; v++)
        if (nx_filter_eq_hash(nr, v) == last)
            values[found++] = v;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    for (uint32_t i = 0; i < NX_FILTER_MAX_RULES; i++)
        nx_test_filter_match(nx_test_filter_rule(&p, nr, NX_FILTER_ALLOW, 0), 0, NX_FILTER_EQ,
                             values[i], 0);
    nx_filter_t *f = built(&p);
    push(t, f);
    assert_int_equal(f->eq_arg[nr], 0);
    assert_int_equal(f->eq_probes, NX_FILTER_MAX_RULES);
    const uint32_t slots = sizeof f->eq_slot / sizeof f->eq_slot[0];
    assert_int_equal(f->eq_slot[last + NX_FILTER_MAX_RULES - 1u].nr, nr);
    assert_int_equal(f->eq_slot[slots - 1u].nr, NX_FILTER_EQ_EMPTY);
    for (uint32_t i = 0; i < NX_FILTER_MAX_RULES; i++) {
        assert_true(allowed(t, nr, values[i]));
        assert_int_equal(nx_filter_hits(f, i), 1);
    }
    assert_false(allowed(t, nr, values[NX_FILTER_MAX_RULES]));
    assert_int_equal(nx_filter_hits(f, NX_FILTER_MAX_RULES), 1);
    nx_test_task_free(t);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The quick path (one enforcing filter: value lists, value-only scans)
 * decides as the general path does: the same filter alone and under a
 * second one that allows everything (the stack's path) gives the same
 * verdict and counts the same rule, over 300 random profiles of value
 * lists, bounds, masks and handle tests, each asked 200 random calls. */
static void the_quick_path_decides_as_the_stack(void **state)
{
    (void)state;
    static const uint64_t pool[] = { 0, 1, 2, 3, 7, 8, 64, 100, 4096, UINT64_MAX };
    static const uint32_t calls[] = { NX_SYS_VMO_CREATE, NX_SYS_CHANNEL_WRITE, NX_SYS_OBJECT_SIGNAL,
                                      NX_SYS_TIME_NOW };
    const size_t pools = sizeof pool / sizeof pool[0];
    uint64_t seed = 0x5eed;
    nx_test_filter_t allow_all;
    nx_test_filter_init(&allow_all, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    for (uint32_t round = 0; round < 300; round++) {
        nx_test_filter_t p;
        uint64_t r = xorshift(&seed);
        if (r % 3u == 0u)
            nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
        else
            nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
        uint32_t rules = 1u + (uint32_t)(xorshift(&seed) % 16u);
        bool list = xorshift(&seed) % 2u == 0u; /* every rule one EQ on a0 */
        for (uint32_t i = 0; i < rules; i++) {
            uint64_t x = xorshift(&seed);
            nx_filter_action_kind_t kind = x % 5u == 0u   ? NX_FILTER_DENY
                                           : x % 5u == 1u ? NX_FILTER_LOG
                                                          : NX_FILTER_ALLOW;
            nx_filter_rule_t *rule =
                nx_test_filter_rule(&p, calls[(x >> 8) % 4u], kind, NX_ERR_ACCESS_DENIED);
            uint32_t tests = list ? 1u : (uint32_t)((x >> 16) % 3u);
            for (uint32_t m = 0; m < tests; m++) {
                uint64_t y = xorshift(&seed);
                nx_filter_op_t op = list ? NX_FILTER_EQ : (nx_filter_op_t)(y % NX_FILTER_OP_COUNT);
                uint64_t a = pool[(y >> 8) % pools], b = pool[(y >> 16) % pools];
                if (op == NX_FILTER_TYPE_IS)
                    a = NX_OBJ_VMO;
                else if (op == NX_FILTER_HAS_RIGHTS)
                    a = NX_RIGHT_READ;
                if (op != NX_FILTER_IN_RANGE)
                    b = 0;
                else if (b < a)
                    b = a;
                nx_test_filter_match(rule, list ? 0u : (uint32_t)((y >> 24) % 3u), op, a, b);
            }
        }
        nx_filter_t *f = built(&p);
        nx_task_t *alone = nx_test_task_new(), *stacked = nx_test_task_new();
        push(alone, f);
        atomic_fetch_add(&f->refs, 1u);
        push(stacked, f);
        push(stacked, built(&allow_all));
        for (uint32_t q = 0; q < 200; q++) {
            uint64_t x = xorshift(&seed);
            uint32_t nr = calls[x % 4u];
            uint64_t a0 = pool[(x >> 8) % pools], a1 = pool[(x >> 16) % pools],
                     a2 = pool[(x >> 24) % pools];
            uint64_t before[NX_FILTER_MAX_RULES + 1u], after[NX_FILTER_MAX_RULES + 1u];
            for (uint32_t i = 0; i <= NX_FILTER_MAX_RULES; i++)
                before[i] = nx_filter_hits(f, i);
            nx_thread_t one = thread_of(alone), two = thread_of(stacked);
            const uint64_t a[6] = { a0, a1, a2, 0, 0, 0 };
            nx_filter_verdict_t v1 = nx_filter_check(&one, nr, a);
            for (uint32_t i = 0; i <= NX_FILTER_MAX_RULES; i++)
                after[i] = nx_filter_hits(f, i) - before[i];
            nx_filter_verdict_t v2 = nx_filter_check(&two, nr, a);
            for (uint32_t i = 0; i <= NX_FILTER_MAX_RULES; i++)
                if (nx_filter_hits(f, i) - before[i] != 2u * after[i])
                    fail_msg("round %u call %u: rule %u counted differently", round, q, i);
            if (v1.kind != v2.kind || v1.status != v2.status)
                fail_msg("round %u call %u (nr %u): %u/%d alone, %u/%d stacked", round, q, nr,
                         v1.kind, v1.status, v2.kind, v2.status);
        }
        nx_test_task_free(alone);
        nx_test_task_free(stacked);
        drain_audit();
    }
}

static void drain_audit(void)
{
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    (void)nx_audit_read(out, NX_AUDIT_CAPACITY);
}

static uint32_t audited(nx_audit_reason_t reason, uint32_t nr)
{
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(out, NX_AUDIT_CAPACITY), found = 0;
    for (uint32_t i = 0; i < n; i++)
        found += out[i].op == NX_AUDIT_OP_FILTER && out[i].reason == reason && out[i].syscall == nr;
    return found;
}

/* Stacked: the strictest enforcing verdict wins (KILL over DENY over
 * RATE over LOG); a report-mode filter refuses nothing and audits what it
 * would refuse. */
static void a_stack_takes_the_strictest(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t logs, denies, kills, reports;
    nx_test_filter_init(&logs, NX_FILTER_ENFORCE, NX_FILTER_LOG, 0);
    nx_test_filter_init(&denies, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&denies, NX_SYS_HART_ID, NX_FILTER_DENY, NX_ERR_ACCESS_DENIED);
    nx_test_filter_init(&kills, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&kills, NX_SYS_TIME_NOW, NX_FILTER_KILL, 0);
    nx_test_filter_init(&reports, NX_FILTER_REPORT, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    push(t, built(&logs));
    push(t, built(&denies));
    push(t, built(&kills));
    push(t, built(&reports));
    drain_audit();
    nx_filter_verdict_t v = check(t, NX_SYS_THREAD_YIELD, 0, 0);
    assert_int_equal(v.kind, NX_FILTER_ALLOW); /* logged, reported, run */
    assert_int_equal(audited(NX_AUDIT_FILTER_LOG, NX_SYS_THREAD_YIELD), 1);
    v = check(t, NX_SYS_HART_ID, 0, 0);
    assert_int_equal(v.kind, NX_FILTER_DENY);
    ASSERT_ST(v.status, NX_ERR_ACCESS_DENIED);
    assert_int_equal(check(t, NX_SYS_TIME_NOW, 0, 0).kind, NX_FILTER_KILL);
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t n = nx_audit_read(out, NX_AUDIT_CAPACITY), reports_seen = 0, denied = 0,
             kills_seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        reports_seen += out[i].reason == NX_AUDIT_FILTER_REPORT;
        denied += out[i].reason == NX_AUDIT_FILTER_DENY && out[i].syscall == NX_SYS_HART_ID &&
                  out[i].rule == 0;
        kills_seen += out[i].reason == NX_AUDIT_FILTER_KILL && out[i].syscall == NX_SYS_TIME_NOW;
    }
    assert_int_equal(reports_seen, 2); /* hart_id and time_now; yield was reported already */
    assert_int_equal(denied, 1);
    assert_int_equal(kills_seen, 1);
    nx_test_task_free(t);
}

/* A flood of denials writes at most NX_FILTER_AUDIT_BURST records per
 * interval, counts the rest, and keeps the coverage exact. */
static void denial_records_are_rate_limited(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    nx_filter_t *f = built(&p);
    push(t, f);
    drain_audit();
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(check(t, NX_SYS_HART_ID, 0, 0).kind, NX_FILTER_DENY);
    assert_int_equal(audited(NX_AUDIT_FILTER_DENY, NX_SYS_HART_ID), NX_FILTER_AUDIT_BURST);
    assert_int_equal(nx_filter_audits_suppressed(f), 100u - NX_FILTER_AUDIT_BURST);
    assert_int_equal(nx_filter_hits(f, NX_FILTER_MAX_RULES), 100);
    nx_sim_harness_advance(NX_FILTER_AUDIT_INTERVAL_NS);
    for (uint32_t i = 0; i < 10; i++)
        (void)check(t, NX_SYS_HART_ID, 0, 0);
    assert_int_equal(audited(NX_AUDIT_FILTER_DENY, NX_SYS_HART_ID), 10);
    nx_test_task_free(t);
}

/* --- rate buckets ----------------------------------------------------------------- */

static uint64_t grants(nx_task_t *t, uint32_t tries)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < tries; i++)
        n += check(t, NX_SYS_THREAD_YIELD, 0, 0).kind == NX_FILTER_ALLOW;
    return n;
}

/* A bucket of 3 gaining 2 every 1000 ns, drained at every look, looked
 * at after uneven steps of at most one interval (so it never sits full
 * and loses nothing) for about 150,000 intervals: it grants exactly its
 * capacity plus 2 for every whole interval since its first token (no
 * drift), and a refusal is RATE_LIMITED and takes nothing. */
static void buckets_are_exact_over_long_runs(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    uint8_t b = nx_test_filter_bucket(&p, 3, 2, 1000);
    (void)nx_test_filter_rule(&p, NX_SYS_THREAD_YIELD, NX_FILTER_RATE, b);
    push(t, built(&p));
    uint64_t start = nx_port_time_ns(), total = grants(t, 10);
    assert_int_equal(total, 3);
    nx_filter_verdict_t v = check(t, NX_SYS_THREAD_YIELD, 0, 0);
    assert_int_equal(v.kind, NX_FILTER_DENY);
    ASSERT_ST(v.status, NX_ERR_RATE_LIMITED);
    uint64_t step = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < 300000; i++) {
        step = step * 6364136223846793005ull + 1442695040888963407ull;
        nx_sim_harness_advance(1u + (step >> 33) % 1000u); /* 1 ns .. one interval */
        uint64_t got = grants(t, 4);
        if (got > 2u)
            fail_msg("look %u: %llu tokens after at most one interval", i, (unsigned long long)got);
        total += got;
    }
    uint64_t elapsed = nx_port_time_ns() - start;
    assert_true(elapsed / 1000u > 100000u);
    assert_int_equal(total, 3u + (elapsed / 1000u) * 2u);
    nx_test_task_free(t);
}

/* Full buckets do not bank, and the refill clock stays on the first
 * token's schedule: idle for 2^40 ns, it holds its capacity only, and the
 * next tokens come at the next boundary of that schedule, not 1000 ns
 * after the look. */
static void an_idle_bucket_holds_its_capacity(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    uint8_t b = nx_test_filter_bucket(&p, 5, 5, 1000);
    (void)nx_test_filter_rule(&p, NX_SYS_THREAD_YIELD, NX_FILTER_RATE, b);
    push(t, built(&p));
    assert_int_equal(grants(t, 1), 1);                            /* the schedule starts here */
    const uint64_t idle = UINT64_C(1) << 40, past = idle % 1000u; /* 776 ns past a boundary */
    nx_sim_harness_advance(idle);
    assert_int_equal(grants(t, 100), 5);
    nx_sim_harness_advance(1000u - past - 1u);
    assert_int_equal(grants(t, 100), 0);
    nx_sim_harness_advance(1);
    assert_int_equal(grants(t, 100), 5);
    nx_test_task_free(t);
}

/* Two filters rating one call: a token is taken from both or from none. */
static void rate_tokens_are_all_or_none(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_filter_t wide, narrow;
    nx_test_filter_init(&wide, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&wide, NX_SYS_THREAD_YIELD, NX_FILTER_RATE,
                              nx_test_filter_bucket(&wide, 10, 1, 1000000));
    nx_test_filter_init(&narrow, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&narrow, NX_SYS_THREAD_YIELD, NX_FILTER_RATE,
                              nx_test_filter_bucket(&narrow, 2, 1, 1000000));
    nx_filter_t *fw = built(&wide);
    push(t, fw);
    push(t, built(&narrow));
    assert_int_equal(grants(t, 5), 2);
    assert_int_equal(nx_filter_bucket(fw, 0)->tokens,
                     8); /* the refusals took none of the wide one's */
    nx_test_task_free(t);
}

/* --- blobs ----------------------------------------------------------------------- */

static nx_status_t build_status(const void *blob, size_t n)
{
    nx_filter_t *f = NULL;
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_status_t st = nx_filter_build_kernel(blob, n, &f, &why);
    if (st == NX_OK)
        nx_filter_unref(f);
    else
        assert_int_not_equal(why, NX_AUDIT_OK);
    return st;
}

static void every_malformed_field_is_refused(void **state)
{
    (void)state;
    nx_test_filter_t good;
    nx_test_filter_init(&good, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    nx_test_filter_match(nx_test_filter_rule(&good, NX_SYS_VMO_CREATE, NX_FILTER_RATE,
                                             nx_test_filter_bucket(&good, 4, 1, 100)),
                         0, NX_FILTER_LE, 4096, 0);
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES + 64];
    size_t n = nx_test_filter_pack(&good, blob);
    ASSERT_ST(build_status(blob, n), NX_OK);
    const size_t rule_at = sizeof(nx_filter_header_t) + sizeof(nx_filter_bucket_t);
    const size_t bucket_at = sizeof(nx_filter_header_t);
    static const struct {
        const char *what;
        size_t offset;
        uint64_t value;
        size_t width;
        nx_status_t expect;
    } cases[] = {
        { "magic", offsetof(nx_filter_header_t, magic), 0x4653584f, 4, NX_ERR_MALFORMED },
        { "version", offsetof(nx_filter_header_t, version), 2, 2, NX_ERR_VERSION_MISMATCH },
        { "mode past the last", offsetof(nx_filter_header_t, mode), NX_FILTER_MODE_COUNT, 1,
          NX_ERR_MALFORMED },
        { "header reserved", offsetof(nx_filter_header_t, reserved), 1, 2, NX_ERR_MALFORMED },
        { "default kind", offsetof(nx_filter_header_t, default_action.kind), NX_FILTER_ACTION_COUNT,
          1, NX_ERR_MALFORMED },
        { "default deny with OK", offsetof(nx_filter_header_t, default_action.status), 0, 4,
          NX_ERR_MALFORMED },
        { "default deny with INTERNAL", offsetof(nx_filter_header_t, default_action.status),
          (uint32_t)NX_ERR_INTERNAL, 4, NX_ERR_MALFORMED },
        { "default deny past the statuses", offsetof(nx_filter_header_t, default_action.status),
          (uint32_t)(NX_STATUS_MIN - 1), 4, NX_ERR_MALFORMED },
        { "bucket capacity 0", bucket_at + offsetof(nx_filter_bucket_t, capacity), 0, 8,
          NX_ERR_MALFORMED },
        { "bucket refill above capacity", bucket_at + offsetof(nx_filter_bucket_t, refill), 5, 8,
          NX_ERR_MALFORMED },
        { "bucket interval 0", bucket_at + offsetof(nx_filter_bucket_t, interval_ns), 0, 8,
          NX_ERR_MALFORMED },
        { "rule for a call that does not exist", rule_at + offsetof(nx_filter_rule_t, syscall),
          NX_SYS_COUNT, 2, NX_ERR_OUT_OF_RANGE },
        { "matchers past the bound", rule_at + offsetof(nx_filter_rule_t, matcher_count),
          NX_FILTER_MAX_MATCHERS + 1u, 1, NX_ERR_OUT_OF_RANGE },
        { "rule reserved", rule_at + offsetof(nx_filter_rule_t, reserved2), 1, 4,
          NX_ERR_MALFORMED },
        { "rate with no such bucket", rule_at + offsetof(nx_filter_rule_t, action.bucket), 1, 1,
          NX_ERR_MALFORMED },
        { "matcher arg 6", rule_at + offsetof(nx_filter_rule_t, matchers[0].arg), 6, 1,
          NX_ERR_MALFORMED },
        { "matcher op past the last", rule_at + offsetof(nx_filter_rule_t, matchers[0].op),
          NX_FILTER_OP_COUNT, 1, NX_ERR_MALFORMED },
        { "a second matcher the count leaves out",
          rule_at + offsetof(nx_filter_rule_t, matchers[1].a), 1, 8, NX_ERR_MALFORMED },
        { "b of a value test", rule_at + offsetof(nx_filter_rule_t, matchers[0].b), 1, 8,
          NX_ERR_MALFORMED },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static unsigned char bad[sizeof blob];
        memcpy(bad, blob, n);
        memcpy(bad + cases[i].offset, &cases[i].value, cases[i].width);
        nx_status_t st = build_status(bad, n);
        if (st != cases[i].expect)
            fail_msg("%s: %s, expected %s", cases[i].what, nx_status_name(st),
                     nx_status_name(cases[i].expect));
    }
    /* Lengths: one short, one long, just a header, past the bound. */
    ASSERT_ST(build_status(blob, n - 1u), NX_ERR_MALFORMED);
    ASSERT_ST(build_status(blob, n + 1u), NX_ERR_MALFORMED);
    ASSERT_ST(build_status(blob, sizeof(nx_filter_header_t) - 1u), NX_ERR_MALFORMED);
    ASSERT_ST(build_status(blob, NX_FILTER_MAX_BLOB_BYTES + 1u), NX_ERR_OUT_OF_RANGE);
    /* Type and rights tests: a type that exists, rights that exist. */
    nx_test_filter_t h;
    nx_test_filter_init(&h, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    nx_filter_rule_t *r = nx_test_filter_rule(&h, NX_SYS_HANDLE_CLOSE, NX_FILTER_ALLOW, 0);
    nx_test_filter_match(r, 0, NX_FILTER_TYPE_IS, NX_OBJ_TYPE_COUNT, 0);
    n = nx_test_filter_pack(&h, blob);
    ASSERT_ST(build_status(blob, n), NX_ERR_MALFORMED);
    r->matchers[0].op = NX_FILTER_HAS_RIGHTS;
    r->matchers[0].a = (uint64_t)NX_RIGHTS_ALL + 1u;
    n = nx_test_filter_pack(&h, blob);
    ASSERT_ST(build_status(blob, n), NX_ERR_MALFORMED);
    r->matchers[0].op = NX_FILTER_IN_RANGE;
    r->matchers[0].a = 5;
    r->matchers[0].b = 4;
    n = nx_test_filter_pack(&h, blob);
    ASSERT_ST(build_status(blob, n), NX_ERR_MALFORMED);
    assert_int_equal(nx_filter_used(), 0);
}

/* A deterministic corpus: 2000 mutations (flipped bytes, cut or grown
 * lengths) of a profile with every part. None crashes, each gets one of
 * the documented statuses, and nothing stays allocated. */
static void a_mutated_corpus_gets_clean_answers(void **state)
{
    (void)state;
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_REPORT, NX_FILTER_LOG, 0);
    for (uint32_t i = 0; i < 3; i++)
        (void)nx_test_filter_bucket(&p, 10u + i, 1u + i, 1000u * (i + 1u));
    for (uint32_t i = 0; i < 12; i++) {
        nx_filter_rule_t *r =
            nx_test_filter_rule(&p, (i * 7u) % NX_SYS_COUNT, NX_FILTER_RATE, (int32_t)(i % 3u));
        for (uint32_t m = 0; m < i % (NX_FILTER_MAX_MATCHERS + 1u); m++)
            nx_test_filter_match(r, m, (nx_filter_op_t)(m * 3u % NX_FILTER_TYPE_IS), i * 100u, 0);
    }
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES + 8], bad[sizeof blob];
    size_t n = nx_test_filter_pack(&p, blob);
    ASSERT_ST(build_status(blob, n), NX_OK);
    uint64_t rng = 15;
    uint32_t ok = 0, refused = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        memcpy(bad, blob, n);
        size_t len = n;
        uint32_t flips = 1u + i % 4u;
        for (uint32_t k = 0; k < flips; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            bad[(rng >> 33) % n] ^= (unsigned char)(1u << ((rng >> 20) % 8u));
        }
        if (i % 10u == 9u)
            len = (size_t)((rng >> 13) % (n + 8u));
        nx_status_t st = build_status(bad, len);
        if (st == NX_OK) {
            ok++;
        } else if (st == NX_ERR_MALFORMED || st == NX_ERR_VERSION_MISMATCH ||
                   st == NX_ERR_OUT_OF_RANGE || st == NX_ERR_NOT_SUPPORTED) {
            refused++;
        } else {
            fail_msg("mutation %u: %s", i, nx_status_name(st));
        }
    }
    assert_int_equal(ok + refused, 2000);
    assert_true(refused > 1000u); /* most flips land on a checked field */
    assert_int_equal(nx_filter_used(), 0);
}

/* --- attaching ------------------------------------------------------------------- */

static nx_handle_t task_handle(nx_task_t *holder, nx_task_t *t, nx_rights_t rights)
{
    nx_handle_t h;
    ASSERT_ST(nx_cap_install(holder, &t->obj, rights, &h), NX_OK);
    return h;
}

/* The caller's filter blob at the start of its scratch memory. */
static size_t blob_at_scratch(const nx_test_filter_t *p)
{
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(p, blob);
    ASSERT_ST(nx_port_copy_to_user(NX_TEST_USER_SCRATCH, blob, n), NX_OK);
    return n;
}

static void attaching_tightens_only(void **state)
{
    (void)state;
    nx_task_t *me = nx_test_user_task_new(), *other = nx_test_task_new();
    nx_test_run_as(me);
    nx_thread_t self = thread_of(me);
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&p, NX_SYS_HART_ID, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    size_t n = blob_at_scratch(&p);
    nx_handle_t mine = task_handle(me, me, NX_START_SELF_TASK_RIGHTS);
    nx_handle_t theirs_ro = task_handle(me, other, NX_RIGHT_INSPECT);
    nx_handle_t theirs = task_handle(me, other, NX_DEFAULT_TASK_RIGHTS);
    drain_audit();
    /* Refusals first: each changes nothing but the audit ring. */
    uint64_t before = nx_core_state_digest();
    ASSERT_ST(nx_sys_task_filter_attach(&self, theirs_ro, NX_TEST_USER_SCRATCH, n, 0),
              NX_ERR_ACCESS_DENIED);
    ASSERT_ST(
        nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH, n, NX_FILTER_ATTACH_REPLACE),
        NX_ERR_ACCESS_DENIED);
    ASSERT_ST(nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH, n, 2),
              NX_ERR_INVALID_ARGS);
    ASSERT_ST(nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH + 0x80000u, n, 0),
              NX_ERR_BAD_ADDRESS);
    ASSERT_ST(nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH, n - 1u, 0),
              NX_ERR_MALFORMED);
    ASSERT_ST(
        nx_sys_task_filter_attach(&self, (nx_handle_t){ 0x00abcd09u }, NX_TEST_USER_SCRATCH, n, 0),
        NX_ERR_BAD_HANDLE);
    assert_true(nx_core_state_digest() == before);
    nx_audit_record_t out[NX_AUDIT_CAPACITY];
    uint32_t got = nx_audit_read(out, NX_AUDIT_CAPACITY), loosen = 0;
    for (uint32_t i = 0; i < got; i++)
        loosen += out[i].reason == NX_AUDIT_FILTER_LOOSEN;
    assert_int_equal(got, 6);
    assert_int_equal(loosen, 1);
    /* Then: its own task with no MANAGE, another's with it, up to the bound. */
    ASSERT_ST(nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH, n, 0), NX_OK);
    assert_int_equal(check(me, NX_SYS_HART_ID, 0, 0).kind, NX_FILTER_DENY);
    ASSERT_ST(nx_sys_task_filter_attach(&self, theirs, NX_TEST_USER_SCRATCH, n, 0), NX_OK);
    assert_int_equal(atomic_load(&other->filter.count), 1);
    for (uint32_t i = 1; i < NX_FILTER_MAX_STACK; i++)
        ASSERT_ST(nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH, n, 0), NX_OK);
    uint32_t used = nx_filter_used();
    ASSERT_ST(nx_sys_task_filter_attach(&self, mine, NX_TEST_USER_SCRATCH, n, 0),
              NX_ERR_NO_RESOURCES);
    assert_int_equal(nx_filter_used(), used);
    nx_test_run_as(NULL);
    nx_test_task_free(other);
    nx_test_task_free(me);
    assert_int_equal(nx_filter_used(), 0);
}

/* Learners are bounded; a learned profile needs a learning filter; the
 * export's answer goes only to the caller's memory. */
static void learning_has_bounds(void **state)
{
    (void)state;
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_LEARN, NX_FILTER_ALLOW, 0);
    nx_filter_t *f[NX_MAX_FILTER_LEARNERS];
    for (uint32_t i = 0; i < NX_MAX_FILTER_LEARNERS; i++)
        f[i] = built(&p);
    static unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(&p, blob);
    nx_filter_t *more = NULL;
    nx_audit_reason_t why = NX_AUDIT_OK;
    ASSERT_ST(nx_filter_build_kernel(blob, n, &more, &why), NX_ERR_NO_RESOURCES);
    assert_int_equal(nx_filter_used(), NX_MAX_FILTER_LEARNERS);
    nx_filter_unref(f[0]);
    f[0] = built(&p); /* its learner came back */
    for (uint32_t i = 0; i < NX_MAX_FILTER_LEARNERS; i++)
        nx_filter_unref(f[i]);
    /* No learning filter; a bad info pointer. */
    nx_task_t *me = nx_test_user_task_new();
    nx_test_run_as(me);
    nx_thread_t self = thread_of(me);
    nx_handle_t mine = task_handle(me, me, NX_START_SELF_TASK_RIGHTS);
    ASSERT_ST(nx_sys_task_filter_learned(&self, mine, NX_TEST_USER_SCRATCH, 4096,
                                         NX_TEST_USER_SCRATCH + 4096u),
              NX_ERR_NOT_FOUND);
    ASSERT_ST(nx_sys_task_filter_learned(&self, mine, NX_TEST_USER_SCRATCH, 4096, 0),
              NX_ERR_BAD_ADDRESS);
    ASSERT_ST(
        nx_sys_task_filter_learned(&self, mine, NX_TEST_USER_SCRATCH, 4096, NX_TEST_USER_READ_ONLY),
        NX_ERR_BAD_ADDRESS);
    nx_test_run_as(NULL);
    nx_test_task_free(me);
    assert_int_equal(nx_filter_used(), 0);
}

/* A task a filtered task makes is filtered as much, sharing the filters
 * (and their buckets); they go when the last task holding them does. */
static void a_created_task_inherits(void **state)
{
    (void)state;
    nx_task_t *parent = nx_test_task_new();
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&p, NX_SYS_THREAD_YIELD, NX_FILTER_RATE,
                              nx_test_filter_bucket(&p, 3, 1, 1000000));
    push(parent, built(&p));
    nx_handle_t h;
    ASSERT_ST(nx_task_create_handle(parent, &h), NX_OK);
    nx_object_t *obj;
    ASSERT_ST(nx_cap_get(parent, h, NX_OBJ_TASK, NX_RIGHT_NONE, NX_AUDIT_OP_LOOKUP, &obj), NX_OK);
    nx_task_t *child = (nx_task_t *)obj;
    assert_int_equal(atomic_load(&child->filter.count), 1);
    assert_ptr_equal(atomic_load(&child->filter.at[0]), atomic_load(&parent->filter.at[0]));
    assert_int_equal(grants(parent, 2), 2);
    assert_int_equal(grants(child, 5), 1); /* one token left, shared */
    nx_object_unref(obj);
    ASSERT_ST(nx_sys_handle_close(parent, h), NX_OK);
    assert_int_equal(nx_filter_used(), 1);
    nx_test_task_free(parent);
    assert_int_equal(nx_filter_used(), 0);
}

/* --- through the dispatcher (a machine) ---------------------------------------- */

static uint32_t not_denied, first_not_denied;
static nx_status_t attach_status;

/* Deny everything but thread_exit, then try every number in the table and
 * two past it: each is refused before it runs. A syscall added to the
 * table is covered without a line here. */
NX_SIM_PROGRAM(filter_everything)
{
    (void)arg;
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_DENY, NX_ERR_DENIED_BY_FILTER);
    (void)nx_test_filter_rule(&p, NX_SYS_THREAD_EXIT, NX_FILTER_ALLOW, 0);
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(&p, blob);
    attach_status = nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0);
    not_denied = 0;
    first_not_denied = UINT32_MAX;
    for (uint32_t nr = 0; nr < NX_SYS_COUNT + 2u; nr++) {
        if (nr == NX_SYS_THREAD_EXIT)
            continue;
        if ((nx_status_t)nx_syscall(nr, 0, 0, 0, 0, 0, 0).status != NX_ERR_DENIED_BY_FILTER) {
            not_denied++;
            if (first_not_denied == UINT32_MAX)
                first_not_denied = nr;
        }
    }
}

/* --- learn, then enforce ------------------------------------------------------ */

static nx_status_t learn_status[4];
static nx_filter_learned_info_t learned_info;
static uint32_t workload_refused, extra_status_ok;
static nx_status_t extra_status;

NX_SIM_PROGRAM(filter_learns)
{
    (void)arg;
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_LEARN, NX_FILTER_ALLOW, 0);
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(&p, blob);
    learn_status[0] = nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0);
    /* Learning: the workload twice (two sets of handles), and sleeps
     * with five slacks (more values than a learner keeps: overflowed). */
    workload_refused = nx_workload_round() + nx_workload_round();
    uint64_t now = nx_time_now();
    for (uint32_t i = 1; i <= 5u; i++)
        (void)nx_sleep_until(now + i * 1000u, i);
    nx_filter_learned_info_t info;
    learn_status[1] = nx_task_filter_learned(NX_START_SELF_TASK, blob, 16, &info);
    learn_status[2] = nx_task_filter_learned(NX_START_SELF_TASK, blob, sizeof blob, &info);
    learned_info = info;
    /* Enforcing what was learned: the workload again passes; an extra
     * call (a VMO) is denied. */
    learn_status[3] = nx_task_filter_attach(NX_START_SELF_TASK, blob, info.blob_bytes, 0);
    workload_refused += nx_workload_round();
    nx_vmo_handle_t v;
    extra_status = nx_vmo_create(4096, &v);
    extra_status_ok = 1;
}

static void a_learned_profile_enforces_the_workload(void **state)
{
    (void)state;
    workload_refused = 99;
    extra_status_ok = 0;
    nx_sim_config_t cfg = nx_test_machine_config(1, 43);
    assert_int_equal(nx_sim_add_program(&cfg, "filter_learns", 0, NX_QOS_NORMAL, 0), NX_OK);
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(learn_status[0], NX_OK);
    ASSERT_ST(learn_status[1], NX_ERR_BUFFER_TOO_SMALL);
    ASSERT_ST(learn_status[2], NX_OK);
    ASSERT_ST(learn_status[3], NX_OK);
    assert_int_equal(workload_refused, 0);
    assert_int_equal(extra_status_ok, 1);
    ASSERT_ST(extra_status, NX_ERR_DENIED_BY_FILTER);
    /* time_now, channel_create/write/read, event_create, object_signal,
     * handle_close, thread_sleep_until, task_filter_learned: a rule each. */
    assert_int_equal(learned_info.syscalls, 9);
    assert_int_equal(learned_info.overflowed, 1); /* six slacks: 0, then 1..5 */
    assert_int_equal(learned_info.unknown, 0);
    /* two rounds, the clock, five sleeps, both task_filter_learned */
    assert_int_equal(learned_info.calls, 2u * 11u + 1u + 5u + 2u);
}

/* Every call says what each of its six arguments is (the learner reads
 * it), in the letters nexus/syscall_args.h defines; a number past the
 * table is all values. */
static void every_call_says_what_its_arguments_are(void **state)
{
    (void)state;
    uint32_t handles = 0;
    for (uint32_t nr = 0; nr <= NX_SYS_COUNT; nr++) {
        const char *k = nx_syscall_args(nr);
        assert_int_equal(strlen(k), 6);
        for (uint32_t i = 0; i < 6u; i++)
            if (strchr("vhati-", k[i]) == NULL)
                fail_msg("call %u argument %u: '%c'", nr, i, k[i]);
        handles += k[0] == NX_ARG_HANDLE ? 1u : 0u;
    }
    assert_string_equal(nx_syscall_args(NX_SYS_COUNT), "vvvvvv");
    assert_string_equal(nx_syscall_args(NX_SYS_CHANNEL_WRITE), "havavi");
    assert_int_equal(handles, 27); /* the calls whose first argument is a handle */
}

/* The matcher rule `r` of the blob has on argument `arg`, or NULL. */
static const nx_filter_matcher_t *test_on(const nx_filter_rule_t *r, uint32_t arg)
{
    for (uint32_t m = 0; m < r->matcher_count; m++)
        if (r->matchers[m].arg == arg)
            return &r->matchers[m];
    return NULL;
}

/* The rule for call nr in a learned blob, or NULL. */
static const nx_filter_rule_t *rule_for(const unsigned char *blob, uint32_t nr)
{
    nx_filter_header_t h;
    memcpy(&h, blob, sizeof h);
    for (uint32_t i = 0; i < h.rule_count; i++) {
        const nx_filter_rule_t *r =
            (const nx_filter_rule_t *)(const void *)(blob + sizeof h + i * sizeof *r);
        if (r->syscall == nr)
            return r;
    }
    return NULL;
}

static void assert_test(const nx_filter_rule_t *r, uint32_t arg, nx_filter_op_t op, uint64_t a)
{
    assert_non_null(r);
    const nx_filter_matcher_t *m = test_on(r, arg);
    if (m == NULL || m->op != op || m->a != a)
        fail_msg("call %u a%u: %s, want op %u %llu", r->syscall, arg, m == NULL ? "free" : "other",
                 (unsigned)op, (unsigned long long)a);
}

/* Init starts a program to learn (its wiring's `learn`): the profile it
 * hands the port when the program exits tests what the workload passed
 * (values for equality, handles for their object's type) and leaves its
 * addresses and deadlines free. Attached by init to the same program,
 * the workload runs unrefused and the one extra call (a VMO) is denied;
 * with one learned value changed, the workload is refused. */
static void init_learns_a_program_and_its_profile_enforces(void **state)
{
    (void)state;
    static unsigned char blob[NX_FILTER_LEARNED_MAX_BYTES];
    nx_sim_config_t cfg = nx_test_machine_config(2, 45);
    assert_int_equal(nx_sim_add_program(&cfg, "sysfilter_workload", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].learn = true;
    const nx_sim_result_t *r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(r->learned_program, 0);
    size_t len = r->learned_len;
    assert_int_equal(len, r->learned_info.blob_bytes);
    memcpy(blob, r->learned, len);
    /* time_now, channel_create/write/read, event_create, object_signal,
     * handle_close, thread_sleep_until (thread_exit is never filtered). */
    assert_int_equal(r->learned_info.syscalls, 8);
    assert_int_equal(r->learned_info.overflowed, 0);
    assert_int_equal(r->learned_info.untested, 0);
    assert_int_equal(r->learned_info.calls, 22); /* 11 a round */
    assert_int_equal(len, sizeof(nx_filter_header_t) + 8u * sizeof(nx_filter_rule_t));
    const nx_filter_rule_t *write = rule_for(blob, NX_SYS_CHANNEL_WRITE);
    assert_test(write, 0, NX_FILTER_TYPE_IS, NX_OBJ_CHANNEL);
    assert_test(write, 2, NX_FILTER_EQ, 8);
    assert_test(write, 4, NX_FILTER_EQ, 0);
    assert_null(test_on(write, 1)); /* bytes: an address */
    assert_null(test_on(write, 3)); /* handles: an address */
    assert_null(test_on(write, 5)); /* txid: an identifier */
    const nx_filter_rule_t *signal = rule_for(blob, NX_SYS_OBJECT_SIGNAL);
    assert_test(signal, 0, NX_FILTER_TYPE_IS, NX_OBJ_EVENT);
    assert_test(signal, 2, NX_FILTER_EQ, 0x01000000u);
    const nx_filter_rule_t *sleep = rule_for(blob, NX_SYS_THREAD_SLEEP_UNTIL);
    assert_null(test_on(sleep, 0)); /* a deadline */
    assert_test(sleep, 1, NX_FILTER_EQ, 0);
    assert_int_equal(rule_for(blob, NX_SYS_HANDLE_CLOSE)->matcher_count, 0); /* events, channels */
    assert_null(rule_for(blob, NX_SYS_VMO_CREATE));

    /* Enforced: the workload passes, the VMO is denied (arg 1). */
    cfg = nx_test_machine_config(2, 46);
    assert_int_equal(nx_sim_add_program(&cfg, "sysfilter_workload", 1, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].filter = blob;
    cfg.programs[0].filter_len = len;
    r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);
    assert_int_equal(r->learned_program, -1);

    /* A learned length of 9 instead of 8: each round's write and read are refused. */
    nx_filter_rule_t changed;
    memcpy(&changed, write, sizeof changed);
    for (uint32_t m = 0; m < changed.matcher_count; m++)
        if (changed.matchers[m].arg == 2)
            changed.matchers[m].a = 9;
    memcpy((unsigned char *)(uintptr_t)write, &changed, sizeof changed);
    cfg.programs[0].expect_exit = 4;
    r = nx_test_machine_run(&cfg);
    nx_test_assert_machine_passed(r);

    /* A malformed profile fails the run before the program starts. */
    blob[0] ^= 0xffu;
    r = nx_test_machine_run(&cfg);
    assert_int_equal(r->exit_code, NX_EXIT_FAIL);
    assert_non_null(
        strstr(r->console, "init: sysfilter_workload's filter refused: NX_ERR_MALFORMED"));
    /* Two learners in one run: refused before it starts. */
    cfg = nx_test_machine_config(1, 47);
    assert_int_equal(nx_sim_add_program(&cfg, "sysfilter_workload", 0, NX_QOS_NORMAL, 0), NX_OK);
    assert_int_equal(nx_sim_add_program(&cfg, "sysfilter_workload", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].learn = cfg.programs[1].learn = true;
    static nx_sim_result_t refused;
    ASSERT_ST(nx_sim_run(&cfg, &refused), NX_ERR_INVALID_ARGS);
}

static void every_syscall_goes_through_the_filter(void **state)
{
    (void)state;
    nx_sim_config_t cfg = nx_test_machine_config(1, 41);
    assert_int_equal(nx_sim_add_program(&cfg, "filter_everything", 0, NX_QOS_NORMAL, 0), NX_OK);
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(attach_status, NX_OK);
    if (not_denied != 0u)
        fail_msg("%u calls ran past the filter, the first %u", not_denied, first_not_denied);
}

static bool came_back;

/* A KILL rule on hart_id: the call ends the task. */
NX_SIM_PROGRAM(filter_kills)
{
    (void)arg;
    nx_test_filter_t p;
    nx_test_filter_init(&p, NX_FILTER_ENFORCE, NX_FILTER_ALLOW, 0);
    (void)nx_test_filter_rule(&p, NX_SYS_HART_ID, NX_FILTER_KILL, 0);
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES];
    size_t n = nx_test_filter_pack(&p, blob);
    attach_status = nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0);
    (void)nx_time_now(); /* allowed */
    (void)nx_hart_id();
    came_back = true;
}

static void a_kill_rule_ends_the_task(void **state)
{
    (void)state;
    came_back = false;
    nx_sim_config_t cfg = nx_test_machine_config(1, 42);
    assert_int_equal(nx_sim_add_program(&cfg, "filter_kills", 0, NX_QOS_NORMAL, 0), NX_OK);
    cfg.programs[0].expect_exit = NX_EXIT_CODE_FILTER_KILLED;
    nx_test_assert_machine_passed(nx_test_machine_run(&cfg));
    ASSERT_ST(attach_status, NX_OK);
    assert_false(came_back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CORE_TEST(value_ops_at_their_bounds),
        CORE_TEST(range_and_mask_ops),
        CORE_TEST(handle_ops_read_the_callers_table),
        CORE_TEST(first_rule_that_holds_decides),
        CORE_TEST(a_value_list_decides_as_its_rules),
        cmocka_unit_test(a_compiled_matcher_is_its_op),
        CORE_TEST(colliding_values_stay_in_their_table),
        CORE_TEST(the_quick_path_decides_as_the_stack),
        CORE_TEST(a_stack_takes_the_strictest),
        CORE_TEST(denial_records_are_rate_limited),
        CORE_TEST(buckets_are_exact_over_long_runs),
        CORE_TEST(an_idle_bucket_holds_its_capacity),
        CORE_TEST(rate_tokens_are_all_or_none),
        CORE_TEST(every_malformed_field_is_refused),
        CORE_TEST(a_mutated_corpus_gets_clean_answers),
        CORE_TEST(attaching_tightens_only),
        CORE_TEST(a_created_task_inherits),
        CORE_TEST(learning_has_bounds),
        cmocka_unit_test(every_syscall_goes_through_the_filter),
        cmocka_unit_test(a_kill_rule_ends_the_task),
        cmocka_unit_test(a_learned_profile_enforces_the_workload),
        cmocka_unit_test(init_learns_a_program_and_its_profile_enforces),
        cmocka_unit_test(every_call_says_what_its_arguments_are),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
