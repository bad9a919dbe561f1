/*
 * test_cap_random.c - randomized capability tests with fixed seeds.
 *
 * (a) A million random 32-bit values used as handles of a task whose table
 *     has seen much reuse: each is either exactly one of the task's live
 *     handles (and resolves to that handle's object and rights) or is
 *     refused with the reason the slot's history implies.
 * (b) Long random sequences of duplicate / replace / transfer / detach /
 *     attach / close / revoke / create over several tasks, checked step by
 *     step against a model: every status is the one the model predicts,
 *     every handle's rights stay within what it was derived from and its
 *     root's, revocation removes exactly the derived handles, and handles
 *     the model says are gone are refused.
 *
 * All randomness comes from nx_prng with the seeds below; a failure prints
 * the seed and step so it can be replayed.
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/event.h"
#include "nx/object.h"
#include "nx/pool.h"
#include "nx/task.h"
#include "nxsim/prng.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define SLOTS    NX_MAX_HANDLES_PER_TASK

static nx_handle_t hv(uint32_t v)
{
    nx_handle_t h = { v };
    return h;
}

static const nx_handle_entry_t *peek(nx_task_t *t, uint32_t v)
{
    const nx_handle_entry_t *e = NULL;
    nx_cap_lock();
    nx_status_t st = nx_handle_lookup_locked(&t->handles, hv(v), NX_OBJ_NONE, NX_RIGHT_NONE, &e);
    nx_cap_unlock();
    return st == NX_OK ? e : NULL;
}

static uint32_t events_used(void)
{
    for (uint32_t i = 0; i < nx_pool_registry_count(); i++)
        if (strcmp(nx_pool_registry_get(i)->name, "events") == 0)
            return nx_pool_used(nx_pool_registry_get(i));
    return 0;
}

static void audit_clear(void)
{
    nx_audit_record_t r[64];
    while (nx_audit_read(r, COUNT(r)) > 0u) {
    }
}

/* ========================================================================
 * (a) a million random values
 * ======================================================================== */

#define RANDOM_VALUES 1000000u

/* What the test knows of each slot of the task's table. */
typedef struct slot_model {
    uint32_t newest; /* newest generation the slot issued (0: none) */
    bool live;
    bool retired;
    uint32_t value; /* live: its value */
    uint64_t koid;
    nx_rights_t rights;
} slot_model_t;

static slot_model_t slots[SLOTS];

static void model_took(nx_task_t *t, nx_handle_t h)
{
    slot_model_t *m = &slots[h.v & NX_HANDLE_SLOT_MASK];
    const nx_handle_entry_t *e = peek(t, h.v);
    assert_non_null(e);
    assert_true((h.v >> NX_HANDLE_SLOT_BITS) > m->newest); /* generations only grow */
    m->newest = h.v >> NX_HANDLE_SLOT_BITS;
    m->live = true;
    m->value = h.v;
    m->koid = e->obj->koid.v;
    m->rights = e->rights;
}

static void model_closed(nx_handle_t h)
{
    slot_model_t *m = &slots[h.v & NX_HANDLE_SLOT_MASK];
    m->live = false;
    if (m->newest == NX_HANDLE_GEN_MAX)
        m->retired = true;
}

/* The reason a refused value must be given, from the slot's history alone:
 * generation 0 or beyond what the slot issued is forged; its newest value,
 * closed, is closed; anything older is stale. */
static nx_audit_reason_t expected_reason(uint32_t v)
{
    const slot_model_t *m = &slots[v & NX_HANDLE_SLOT_MASK];
    uint32_t gen = v >> NX_HANDLE_SLOT_BITS;
    if (gen == 0u || gen > m->newest)
        return NX_AUDIT_HANDLE_FORGED;
    if (gen == m->newest && !m->live)
        return NX_AUDIT_HANDLE_CLOSED;
    return NX_AUDIT_HANDLE_STALE;
}

/* A live handle of t at random (via the model) in a slot >= `from` and
 * with every right in `need`. Slots 0..15 hold the roots, which keep their
 * rights and are never closed, so a source to duplicate always exists. */
#define ROOTS 16u

static nx_handle_t random_live(nx_prng_t *rng, uint32_t from, nx_rights_t need)
{
    for (;;) {
        const slot_model_t *m = &slots[nx_prng_range(rng, from, SLOTS - 1u)];
        if (m->live && (m->rights & need) == need)
            return hv(m->value);
    }
}

/* Build a table with history: full, churned by closes, duplicates and
 * in-place replaces; some slots jumped far ahead in generation (as after
 * millions of reuses), one retired at the last generation, some left
 * closed. Another task holds handles too (its values mean nothing here). */
static void build_history(nx_task_t *t, nx_task_t *other, nx_prng_t *rng)
{
    memset(slots, 0, sizeof slots);
    for (uint32_t i = 0; i < ROOTS; i++) {
        nx_handle_t h;
        assert_int_equal(nx_sys_event_create(t, &h), NX_OK);
        model_took(t, h);
        assert_int_equal(nx_sys_event_create(other, &h), NX_OK);
    }
    /* Far generations for a few free slots (the test hook), including one
     * at the last generation, which retires when closed. */
    static const uint32_t far[] = { 1u << 23, (1u << 24) - 2u, 12345678u, 999u, 1u << 20 };
    for (size_t i = 0; i < COUNT(far); i++) {
        uint32_t s = 40u + (uint32_t)i * 37u;
        nx_test_handle_set_generation(&t->handles, s, far[i]);
        slots[s].newest = far[i] - 1u; /* as if every older generation had been issued */
    }
    nx_test_handle_set_generation(&t->handles, 250, NX_HANDLE_GEN_MAX);
    slots[250].newest = NX_HANDLE_GEN_MAX - 1u;

    while (t->handles.free_count > 0u) {
        nx_handle_t src = random_live(rng, 0, NX_RIGHT_DUPLICATE), d;
        assert_int_equal(nx_sys_handle_duplicate(t, src, NX_RIGHTS_SAME, &d), NX_OK);
        model_took(t, d);
    }
    for (uint32_t i = 0; i < 20000u; i++) {
        nx_handle_t h = random_live(rng, ROOTS, NX_RIGHT_NONE), out;
        switch (nx_prng_below(rng, 3)) {
        case 0: /* in place: the slot's generation moves on */
            if ((h.v >> NX_HANDLE_SLOT_BITS) == NX_HANDLE_GEN_MAX)
                break; /* would need a free slot */
            assert_int_equal(
                nx_sys_handle_replace(t, h, slots[h.v & 255u].rights & (uint32_t)nx_prng_next(rng),
                                      &out),
                NX_OK);
            model_took(t, out);
            break;
        default: /* close one, duplicate another into the oldest free slot */
            assert_int_equal(nx_sys_handle_close(t, h), NX_OK);
            model_closed(h);
            if (t->handles.free_count == 0u)
                break; /* the slot retired: capacity shrank */
            nx_handle_t src = random_live(rng, 0, NX_RIGHT_DUPLICATE);
            assert_int_equal(nx_sys_handle_duplicate(t, src, NX_RIGHTS_SAME, &out), NX_OK);
            model_took(t, out);
            break;
        }
    }
    /* Leave some slots closed (their newest value is "closed"). */
    for (int i = 0; i < 40; i++) {
        nx_handle_t h = random_live(rng, ROOTS, NX_RIGHT_NONE);
        assert_int_equal(nx_sys_handle_close(t, h), NX_OK);
        model_closed(h);
    }
    assert_true(slots[250].retired || slots[250].live);
    audit_clear();
}

/* One value, checked against the model; failures are described into msg
 * (the caller may hold the capability lock: no cmocka assert here). */
static bool check_value(nx_task_t *t, uint32_t v, char *msg, size_t msg_len)
{
    const slot_model_t *m = &slots[v & NX_HANDLE_SLOT_MASK];
    bool should = m->live && m->value == v;
    const nx_handle_entry_t *e = NULL;
    nx_status_t st = nx_handle_lookup_locked(&t->handles, hv(v), NX_OBJ_NONE, NX_RIGHT_NONE, &e);
    if (should && (st != NX_OK || e->obj->koid.v != m->koid || e->rights != m->rights)) {
        snprintf(msg, msg_len, "live value %#x: %s", v, nx_status_name(st));
        return false;
    }
    if (!should && st != NX_ERR_BAD_HANDLE) {
        snprintf(msg, msg_len, "value %#x resolved (%s) but is not a live handle", v,
                 nx_status_name(st));
        return false;
    }
    return true;
}

static void random_values_resolve_to_nothing_else(void **state)
{
    (void)state;
    const uint64_t seed = 0x6e65787573ull; /* "nexus" */
    nx_prng_t rng;
    nx_prng_seed(&rng, seed);
    nx_task_t *t = nx_test_task_new(), *other = nx_test_task_new();
    build_history(t, other, &rng);

    /* Values to mix in so both outcomes are well exercised: every live
     * value, the newest closed value of each slot, and other's values. */
    static uint32_t special[3u * SLOTS];
    uint32_t nspecial = 0;
    for (uint32_t s = 0; s < SLOTS; s++) {
        if (slots[s].live)
            special[nspecial++] = slots[s].value;
        else if (slots[s].newest > 0u)
            special[nspecial++] = (slots[s].newest << NX_HANDLE_SLOT_BITS) | s;
        if (other->handles.e[s].obj != NULL)
            special[nspecial++] = other->handles.e[s].value;
    }

    uint32_t live_hits = 0, refused = 0, by_reason[NX_AUDIT_REASON_COUNT] = { 0 };
    char msg[160] = "";
    bool ok = true;
    uint32_t bad_index = 0;
    const uint32_t chunk = 4096;
    for (uint32_t base = 0; base < RANDOM_VALUES && ok; base += chunk) {
        uint32_t values[4096];
        for (uint32_t i = 0; i < chunk; i++) {
            uint64_t r = nx_prng_next(&rng);
            values[i] = (r >> 60) == 0u ? special[(r >> 32) % nspecial] : (uint32_t)r;
        }
        /* The bulk: the lookup every syscall makes, under the lock. */
        nx_cap_lock();
        for (uint32_t i = 0; i < chunk && ok; i++)
            if (!check_value(t, values[i], msg, sizeof msg)) {
                ok = false;
                bad_index = base + i;
            }
        nx_cap_unlock();
        /* A sample through a syscall: the audit record's reason. */
        for (uint32_t i = 0; i < chunk && ok; i += 16u) {
            uint32_t v = values[i];
            const slot_model_t *m = &slots[v & NX_HANDLE_SLOT_MASK];
            nx_object_info_t info;
            nx_status_t st = nx_handle_info(t, hv(v), &info);
            if (m->live && m->value == v) {
                live_hits++;
                if (st != NX_OK || info.koid.v != m->koid || info.rights != m->rights) {
                    snprintf(msg, sizeof msg, "info on live %#x: %s", v, nx_status_name(st));
                    ok = false;
                }
                continue;
            }
            refused++;
            nx_audit_record_t rec;
            uint32_t n = nx_audit_read(&rec, 1);
            nx_audit_reason_t want = expected_reason(v);
            if (st != NX_ERR_BAD_HANDLE || n != 1u || rec.reason != want || rec.handle.v != v ||
                rec.op != NX_AUDIT_OP_INFO) {
                snprintf(msg, sizeof msg, "value %#x: %s, reason %s, expected %s", v,
                         nx_status_name(st),
                         n == 1u ? nx_audit_reason_name((nx_audit_reason_t)rec.reason) : "none",
                         nx_audit_reason_name(want));
                ok = false;
            }
            by_reason[want]++;
        }
    }
    if (!ok)
        fail_msg("seed %#llx, value #%u: %s", (unsigned long long)seed, bad_index, msg);
    /* Every outcome actually happened. */
    assert_true(live_hits > 100u);
    assert_true(by_reason[NX_AUDIT_HANDLE_FORGED] > 1000u);
    assert_true(by_reason[NX_AUDIT_HANDLE_STALE] > 100u);
    assert_true(by_reason[NX_AUDIT_HANDLE_CLOSED] > 10u);
    assert_int_equal(nx_audit_stats().pending, 0);
    nx_test_task_free(t);
    nx_test_task_free(other);
}

/* Typed lookups of live values: the type and every right are checked, in
 * that order, for every live handle. */
static void live_values_typed_lookup(void **state)
{
    (void)state;
    nx_prng_t rng;
    nx_prng_seed(&rng, 7);
    nx_task_t *t = nx_test_task_new(), *other = nx_test_task_new();
    build_history(t, other, &rng);
    for (uint32_t s = 0; s < SLOTS; s++) {
        const slot_model_t *m = &slots[s];
        if (!m->live)
            continue;
        const nx_handle_entry_t *e = NULL;
        nx_cap_lock();
        nx_status_t as_event =
            nx_handle_lookup_locked(&t->handles, hv(m->value), NX_OBJ_EVENT, m->rights, &e);
        nx_status_t as_task =
            nx_handle_lookup_locked(&t->handles, hv(m->value), NX_OBJ_TASK, 0, &e);
        nx_status_t more =
            m->rights == NX_RIGHTS_ALL
                ? NX_ERR_ACCESS_DENIED
                : nx_handle_lookup_locked(&t->handles, hv(m->value), NX_OBJ_EVENT,
                                          m->rights | (~m->rights & NX_RIGHTS_ALL), &e);
        nx_cap_unlock();
        assert_int_equal(as_event, NX_OK);
        assert_int_equal(as_task, NX_ERR_WRONG_TYPE);
        assert_int_equal(more, NX_ERR_ACCESS_DENIED);
    }
    nx_test_task_free(t);
    nx_test_task_free(other);
}

/* ========================================================================
 * (b) rights never grow: random sequences against a model
 * ======================================================================== */

#define NT               4u     /* tasks */
#define MAX_MNODES       60000u /* model capabilities (closed ones are kept as ancestors) */
#define DEAD_VALUES      2048u  /* recently dead (task, value) pairs, re-checked */
#define STEPS            20000u /* per seed */
#define MAX_EVENTS_ALIVE 300u

typedef enum { M_GONE, M_LIVE, M_FLIGHT, M_REVOKED } mstate_t;

typedef struct mnode {
    int parent; /* model node it was derived from, -1 for a root */
    int root;   /* its root */
    mstate_t state;
    uint32_t task;            /* M_LIVE: where */
    uint32_t value;           /* M_LIVE: its value */
    nx_rights_t rights;       /* current rights */
    nx_rights_t derived_from; /* the parent's rights when it was derived (root: its own) */
    uint64_t koid;
} mnode_t;

typedef struct model {
    nx_prng_t rng;
    uint64_t seed;
    uint32_t step;
    nx_task_t *tasks[NT];
    mnode_t *nodes;
    uint32_t nnodes;
    int slotmap[NT][SLOTS]; /* node live in that slot, or -1 */
    uint32_t live[NT];
    struct {
        uint32_t task, value;
    } dead[DEAD_VALUES];
    uint32_t ndead;
    /* one batch in flight at a time */
    nx_cap_t caps[NX_MAX_TRANSFER_HANDLES];
    int cap_node[NX_MAX_TRANSFER_HANDLES];
    uint32_t ncaps;
    /* statistics, to show every path ran */
    uint32_t ok_ops, refused_ops, revoked_total, escalations_refused, table_full;
} model_t;

#define FAIL(m, ...)                                                                               \
    do {                                                                                           \
        char why_[256];                                                                            \
        snprintf(why_, sizeof why_, __VA_ARGS__);                                                  \
        fail_msg("seed %llu step %u: %s", (unsigned long long)(m)->seed, (m)->step, why_);         \
    } while (0)

static int model_node_at(const model_t *m, uint32_t task, uint32_t v)
{
    int n = m->slotmap[task][v & NX_HANDLE_SLOT_MASK];
    return n >= 0 && m->nodes[n].value == v ? n : -1;
}

static void model_dead(model_t *m, uint32_t task, uint32_t v)
{
    m->dead[m->ndead % DEAD_VALUES].task = task;
    m->dead[m->ndead % DEAD_VALUES].value = v;
    m->ndead++;
}

static void model_unplace(model_t *m, int n)
{
    mnode_t *x = &m->nodes[n];
    m->slotmap[x->task][x->value & NX_HANDLE_SLOT_MASK] = -1;
    m->live[x->task]--;
    model_dead(m, x->task, x->value);
}

static void model_place(model_t *m, int n, uint32_t task, nx_handle_t h)
{
    mnode_t *x = &m->nodes[n];
    x->state = M_LIVE;
    x->task = task;
    x->value = h.v;
    m->slotmap[task][h.v & NX_HANDLE_SLOT_MASK] = n;
    m->live[task]++;
}

static int model_new(model_t *m, int parent, nx_rights_t rights, nx_rights_t derived_from,
                     uint64_t koid)
{
    if (m->nnodes >= MAX_MNODES)
        FAIL(m, "model node array full");
    int n = (int)m->nnodes++;
    mnode_t *x = &m->nodes[n];
    x->parent = parent;
    x->root = parent < 0 ? n : m->nodes[parent].root;
    x->rights = rights;
    x->derived_from = derived_from;
    x->koid = koid;
    x->state = M_GONE;
    return n;
}

static bool is_descendant(const model_t *m, int n, int ancestor)
{
    for (int p = m->nodes[n].parent; p >= 0; p = m->nodes[p].parent)
        if (p == ancestor)
            return true;
    return false;
}

/* The rights invariant for one node: within what it was derived from, and
 * within every ancestor's rights at each derivation, up to the root's. */
static void check_rights_chain(model_t *m, int n)
{
    nx_rights_t r = m->nodes[n].rights;
    if ((r & ~NX_RIGHTS_ALL) != 0u)
        FAIL(m, "node %d has unknown rights %#x", n, r);
    for (int x = n; x >= 0; x = m->nodes[x].parent)
        if ((r & ~m->nodes[x].derived_from) != 0u)
            FAIL(m, "node %d rights %#x exceed ancestor %d's %#x", n, r, x,
                 m->nodes[x].derived_from);
    if ((r & ~m->nodes[m->nodes[n].root].derived_from) != 0u)
        FAIL(m, "node %d rights %#x exceed its root's", n, r);
}

/* The kernel's view of one live model handle. */
static void check_live(model_t *m, int n)
{
    const mnode_t *x = &m->nodes[n];
    const nx_handle_entry_t *e = peek(m->tasks[x->task], x->value);
    if (e == NULL)
        FAIL(m, "handle %#x of task %u (node %d) does not resolve", x->value, x->task, n);
    if (e->rights != x->rights)
        FAIL(m, "handle %#x has rights %#x, model %#x", x->value, e->rights, x->rights);
    if (e->obj->koid.v != x->koid)
        FAIL(m, "handle %#x names koid %llu, model %llu", x->value,
             (unsigned long long)e->obj->koid.v, (unsigned long long)x->koid);
    check_rights_chain(m, n);
}

static void check_all(model_t *m)
{
    for (uint32_t t = 0; t < NT; t++)
        if (nx_handle_table_count(&m->tasks[t]->handles) != m->live[t])
            FAIL(m, "task %u holds %u handles, model %u", t,
                 nx_handle_table_count(&m->tasks[t]->handles), m->live[t]);
    for (uint32_t t = 0; t < NT; t++)
        for (uint32_t s = 0; s < SLOTS; s++)
            if (m->slotmap[t][s] >= 0)
                check_live(m, m->slotmap[t][s]);
    uint32_t n = m->ndead < DEAD_VALUES ? m->ndead : DEAD_VALUES;
    for (uint32_t i = 0; i < n; i++)
        if (peek(m->tasks[m->dead[i].task], m->dead[i].value) != NULL)
            FAIL(m, "gone handle %#x of task %u still resolves", m->dead[i].value, m->dead[i].task);
}

/* One call's audit footprint: a refusal appends exactly one record of
 * `op` naming the caller; a success appends none. */
static void check_audit(model_t *m, uint64_t before, nx_status_t st, nx_audit_op_t op,
                        nx_task_t *who, nx_audit_reason_t want)
{
    uint64_t added = nx_audit_stats().appended - before;
    nx_audit_record_t r;
    uint32_t n = nx_audit_read(&r, 1);
    if (st == NX_OK) {
        if (added != 0u || n != 0u)
            FAIL(m, "a success appended an audit record");
        m->ok_ops++;
        return;
    }
    m->refused_ops++;
    if (added != 1u || n != 1u || r.op != op || r.task.v != who->id.v)
        FAIL(m, "refusal %s: %llu records, op %u task %u", nx_status_name(st),
             (unsigned long long)added, n ? r.op : 0u, n ? r.task.v : 0u);
    bool bad_handle_reason = r.reason == NX_AUDIT_HANDLE_FORGED ||
                             r.reason == NX_AUDIT_HANDLE_CLOSED ||
                             r.reason == NX_AUDIT_HANDLE_STALE;
    if (want == NX_AUDIT_OK ? !bad_handle_reason : r.reason != want)
        FAIL(m, "refusal %s audited as %s", nx_status_name(st),
             nx_audit_reason_name((nx_audit_reason_t)r.reason));
    if (want == NX_AUDIT_RIGHTS_ESCALATION)
        m->escalations_refused++;
    if (want == NX_AUDIT_TABLE_FULL)
        m->table_full++;
}

static void expect_status(model_t *m, const char *what, nx_status_t got, nx_status_t want)
{
    if (got != want)
        FAIL(m, "%s: %s, model expected %s", what, nx_status_name(got), nx_status_name(want));
}

/* A handle argument: usually a live handle of `task`, sometimes a value
 * that is gone or never was. */
static uint32_t pick_handle(model_t *m, uint32_t task)
{
    nx_prng_t *rng = &m->rng;
    uint32_t roll = (uint32_t)nx_prng_below(rng, 20);
    if (roll == 0u && m->ndead > 0u) {
        uint32_t n = m->ndead < DEAD_VALUES ? m->ndead : DEAD_VALUES;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = (uint32_t)nx_prng_below(rng, n);
            if (m->dead[k].task == task)
                return m->dead[k].value;
        }
    }
    if (roll == 1u || m->live[task] == 0u)
        return (uint32_t)nx_prng_next(rng);
    for (;;) {
        uint32_t s = (uint32_t)nx_prng_below(rng, SLOTS);
        if (m->slotmap[task][s] >= 0)
            return m->nodes[m->slotmap[task][s]].value;
    }
}

static nx_rights_t pick_rights(model_t *m, nx_rights_t have)
{
    nx_prng_t *rng = &m->rng;
    uint32_t r = (uint32_t)nx_prng_next(rng);
    switch (nx_prng_below(rng, 10)) {
    case 0:
    case 1:
        return NX_RIGHTS_SAME;
    case 2:
    case 3:
    case 4:
    case 5:
        return have & r; /* a subset */
    case 6:
    case 7:
    case 8:
        return NX_RIGHTS_ALL & r; /* often more than it has */
    default:
        return r | (1u << (12u + (uint32_t)nx_prng_below(rng, 20))); /* unknown bits */
    }
}

/* Expected outcome of deriving `want` from rights `have`. */
static nx_status_t derive(nx_rights_t have, nx_rights_t want, nx_rights_t *out,
                          nx_audit_reason_t *why)
{
    if (want == NX_RIGHTS_SAME) {
        *out = have;
        return NX_OK;
    }
    if ((want & ~NX_RIGHTS_ALL) != 0u) {
        *why = NX_AUDIT_UNKNOWN_RIGHTS;
        return NX_ERR_INVALID_ARGS;
    }
    if ((want & ~have) != 0u) {
        *why = NX_AUDIT_RIGHTS_ESCALATION;
        return NX_ERR_INVALID_ARGS;
    }
    *out = want;
    return NX_OK;
}

static void op_duplicate(model_t *m)
{
    uint32_t t = (uint32_t)nx_prng_below(&m->rng, NT);
    uint32_t v = pick_handle(m, t);
    int n = model_node_at(m, t, v);
    nx_rights_t have = n >= 0 ? m->nodes[n].rights : 0, want = pick_rights(m, have), got = 0;
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_status_t expect = NX_OK;
    if (n < 0) {
        expect = NX_ERR_BAD_HANDLE;
    } else if ((have & NX_RIGHT_DUPLICATE) == 0u) {
        expect = NX_ERR_ACCESS_DENIED;
        why = NX_AUDIT_MISSING_RIGHT;
    } else {
        expect = derive(have, want, &got, &why);
        if (expect == NX_OK && m->live[t] == SLOTS) {
            expect = NX_ERR_NO_RESOURCES;
            why = NX_AUDIT_TABLE_FULL;
        }
    }
    uint64_t before = nx_audit_stats().appended;
    nx_handle_t out = NX_HANDLE_INVALID;
    nx_status_t st = nx_sys_handle_duplicate(m->tasks[t], hv(v), want, &out);
    expect_status(m, "duplicate", st, expect);
    check_audit(m, before, st, NX_AUDIT_OP_DUPLICATE, m->tasks[t], why);
    if (st != NX_OK)
        return;
    int c = model_new(m, n, got, have, m->nodes[n].koid);
    model_place(m, c, t, out);
    check_live(m, c);
}

static void op_replace(model_t *m)
{
    uint32_t t = (uint32_t)nx_prng_below(&m->rng, NT);
    uint32_t v = pick_handle(m, t);
    int n = model_node_at(m, t, v);
    nx_rights_t have = n >= 0 ? m->nodes[n].rights : 0, want = pick_rights(m, have), got = 0;
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_status_t expect = n < 0 ? NX_ERR_BAD_HANDLE : derive(have, want, &got, &why);
    uint64_t before = nx_audit_stats().appended;
    nx_handle_t out = NX_HANDLE_INVALID;
    nx_status_t st = nx_sys_handle_replace(m->tasks[t], hv(v), want, &out);
    expect_status(m, "replace", st, expect);
    check_audit(m, before, st, NX_AUDIT_OP_REPLACE, m->tasks[t], why);
    if (st != NX_OK)
        return;
    /* Same node, fewer (or the same) rights: rights only shrink in place. */
    if ((got & ~m->nodes[n].rights) != 0u)
        FAIL(m, "replace grew rights");
    model_unplace(m, n);
    m->nodes[n].rights = got;
    model_place(m, n, t, out);
    check_live(m, n);
}

static void op_close(model_t *m)
{
    uint32_t t = (uint32_t)nx_prng_below(&m->rng, NT);
    uint32_t v = pick_handle(m, t);
    int n = model_node_at(m, t, v);
    uint64_t before = nx_audit_stats().appended;
    nx_status_t st = nx_sys_handle_close(m->tasks[t], hv(v));
    expect_status(m, "close", st, n >= 0 ? NX_OK : NX_ERR_BAD_HANDLE);
    check_audit(m, before, st, NX_AUDIT_OP_CLOSE, m->tasks[t], NX_AUDIT_OK);
    if (st != NX_OK)
        return;
    model_unplace(m, n);
    m->nodes[n].state = M_GONE;
    if (peek(m->tasks[t], v) != NULL)
        FAIL(m, "closed handle still resolves");
}

static void op_revoke(model_t *m)
{
    uint32_t t = (uint32_t)nx_prng_below(&m->rng, NT);
    uint32_t v = pick_handle(m, t);
    int n = model_node_at(m, t, v);
    nx_status_t expect = n < 0                                          ? NX_ERR_BAD_HANDLE
                         : (m->nodes[n].rights & NX_RIGHT_MANAGE) == 0u ? NX_ERR_ACCESS_DENIED
                                                                        : NX_OK;
    uint32_t want = 0;
    if (expect == NX_OK)
        for (uint32_t i = 0; i < m->nnodes; i++)
            if ((m->nodes[i].state == M_LIVE || m->nodes[i].state == M_FLIGHT) &&
                is_descendant(m, (int)i, n))
                want++;
    uint64_t before = nx_audit_stats().appended;
    uint32_t count = 0;
    nx_status_t st = nx_sys_handle_revoke(m->tasks[t], hv(v), &count);
    expect_status(m, "revoke", st, expect);
    check_audit(m, before, st, NX_AUDIT_OP_REVOKE, m->tasks[t],
                expect == NX_ERR_ACCESS_DENIED ? NX_AUDIT_MISSING_RIGHT : NX_AUDIT_OK);
    if (st != NX_OK)
        return;
    if (count != want)
        FAIL(m, "revoke removed %u, model expected %u", count, want);
    m->revoked_total += count;
    for (uint32_t i = 0; i < m->nnodes; i++) {
        mnode_t *x = &m->nodes[i];
        if (x->state == M_LIVE && is_descendant(m, (int)i, n)) {
            model_unplace(m, (int)i);
            x->state = M_GONE;
            if (peek(m->tasks[x->task], x->value) != NULL)
                FAIL(m, "revoked handle %#x still resolves", x->value);
        } else if (x->state == M_FLIGHT && is_descendant(m, (int)i, n)) {
            x->state = M_REVOKED;
        }
    }
    check_live(m, n); /* the revoker itself stays */
}

/* A batch of handles of `from`, mostly good, sometimes with a bad entry. */
static uint32_t pick_batch(model_t *m, uint32_t from, uint32_t *values)
{
    uint32_t n = 1u + (uint32_t)nx_prng_below(&m->rng, 8);
    for (uint32_t i = 0; i < n; i++) {
        values[i] = pick_handle(m, from);
        if (nx_prng_below(&m->rng, 12) == 0u && i > 0u)
            values[i] = values[nx_prng_below(&m->rng, i)]; /* named twice */
    }
    return n;
}

/* The model's verdict on a batch: the first offending entry, in order. */
static nx_status_t decode_batch(model_t *m, uint32_t from, const uint32_t *values, uint32_t n,
                                int *nodes, nx_audit_reason_t *why)
{
    for (uint32_t i = 0; i < n; i++) {
        nodes[i] = model_node_at(m, from, values[i]);
        if (nodes[i] < 0)
            return NX_ERR_BAD_HANDLE;
        if ((m->nodes[nodes[i]].rights & NX_RIGHT_TRANSFER) == 0u) {
            *why = NX_AUDIT_MISSING_RIGHT;
            return NX_ERR_ACCESS_DENIED;
        }
        for (uint32_t j = 0; j < i; j++)
            if ((values[j] & NX_HANDLE_SLOT_MASK) == (values[i] & NX_HANDLE_SLOT_MASK)) {
                *why = NX_AUDIT_DUPLICATE_IN_BATCH;
                return NX_ERR_INVALID_ARGS;
            }
    }
    return NX_OK;
}

static void op_transfer(model_t *m)
{
    uint32_t from = (uint32_t)nx_prng_below(&m->rng, NT), to = (uint32_t)nx_prng_below(&m->rng, NT);
    uint32_t values[8];
    int nodes[8];
    uint32_t n = pick_batch(m, from, values);
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_status_t expect = decode_batch(m, from, values, n, nodes, &why);
    if (expect == NX_OK && SLOTS - m->live[to] < n) {
        expect = NX_ERR_NO_RESOURCES;
        why = NX_AUDIT_TABLE_FULL;
    }
    nx_handle_t hs[8], out[8];
    for (uint32_t i = 0; i < n; i++)
        hs[i] = hv(values[i]);
    uint64_t before = nx_audit_stats().appended;
    nx_status_t st = nx_handle_transfer(m->tasks[from], hs, n, m->tasks[to], out);
    expect_status(m, "transfer", st, expect);
    check_audit(m, before, st, NX_AUDIT_OP_TRANSFER, m->tasks[from], why);
    if (st != NX_OK)
        return;
    for (uint32_t i = 0; i < n; i++)
        model_unplace(m, nodes[i]);
    for (uint32_t i = 0; i < n; i++) {
        model_place(m, nodes[i], to, out[i]);
        check_live(m, nodes[i]); /* rights kept exactly */
        if (peek(m->tasks[from], values[i]) != NULL && from != to)
            FAIL(m, "transferred value %#x still resolves in the source", values[i]);
    }
}

static void op_detach(model_t *m)
{
    if (m->ncaps > 0u)
        return;
    uint32_t from = (uint32_t)nx_prng_below(&m->rng, NT);
    uint32_t values[8];
    int nodes[8];
    uint32_t n = pick_batch(m, from, values);
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_status_t expect = decode_batch(m, from, values, n, nodes, &why);
    nx_handle_t hs[8];
    for (uint32_t i = 0; i < n; i++)
        hs[i] = hv(values[i]);
    uint64_t before = nx_audit_stats().appended;
    nx_status_t st = nx_cap_detach(m->tasks[from], hs, n, m->caps);
    expect_status(m, "detach", st, expect);
    check_audit(m, before, st, NX_AUDIT_OP_TRANSFER, m->tasks[from], why);
    if (st != NX_OK)
        return;
    for (uint32_t i = 0; i < n; i++) {
        if (m->caps[i].rights != m->nodes[nodes[i]].rights)
            FAIL(m, "a cap in flight has rights %#x, model %#x", m->caps[i].rights,
                 m->nodes[nodes[i]].rights);
        model_unplace(m, nodes[i]);
        m->nodes[nodes[i]].state = M_FLIGHT;
        m->cap_node[i] = nodes[i];
    }
    m->ncaps = n;
}

static void op_attach_or_drop(model_t *m)
{
    if (m->ncaps == 0u)
        return;
    if (nx_prng_below(&m->rng, 4) == 0u) {
        nx_cap_drop(m->caps, m->ncaps);
        for (uint32_t i = 0; i < m->ncaps; i++)
            m->nodes[m->cap_node[i]].state = M_GONE;
        m->ncaps = 0;
        return;
    }
    uint32_t to = (uint32_t)nx_prng_below(&m->rng, NT), need = 0;
    for (uint32_t i = 0; i < m->ncaps; i++)
        need += m->nodes[m->cap_node[i]].state == M_FLIGHT;
    nx_status_t expect = SLOTS - m->live[to] < need ? NX_ERR_NO_RESOURCES : NX_OK;
    nx_handle_t out[8];
    uint64_t before = nx_audit_stats().appended;
    nx_status_t st = nx_cap_attach(m->tasks[to], m->caps, m->ncaps, out);
    expect_status(m, "attach", st, expect);
    check_audit(m, before, st, NX_AUDIT_OP_TRANSFER, m->tasks[to], NX_AUDIT_TABLE_FULL);
    if (st != NX_OK)
        return; /* the caps stay in flight */
    for (uint32_t i = 0; i < m->ncaps; i++) {
        int n = m->cap_node[i];
        if (m->nodes[n].state == M_REVOKED) {
            if (out[i].v != 0u)
                FAIL(m, "a cap revoked in flight attached as %#x", out[i].v);
            m->nodes[n].state = M_GONE;
        } else {
            model_place(m, n, to, out[i]);
            check_live(m, n);
        }
    }
    m->ncaps = 0;
}

/* New roots: an event (default rights), or the kernel installing another
 * root for an existing object with rights of its choosing. */
static void op_create(model_t *m)
{
    uint32_t t = (uint32_t)nx_prng_below(&m->rng, NT);
    nx_task_t *task = m->tasks[t];
    uint64_t before = nx_audit_stats().appended;
    nx_handle_t out = NX_HANDLE_INVALID;
    bool full = m->live[t] == SLOTS;
    int src = m->live[t] > 0u ? model_node_at(m, t, pick_handle(m, t)) : -1;
    nx_rights_t rights = NX_DEFAULT_EVENT_RIGHTS;
    nx_status_t st;
    if (src >= 0 && nx_prng_below(&m->rng, 3) == 0u) {
        rights = (uint32_t)nx_prng_next(&m->rng) & NX_RIGHTS_ALL;
        st = nx_cap_install(task, peek(task, m->nodes[src].value)->obj, rights, &out);
    } else {
        src = -1;
        if (events_used() >= MAX_EVENTS_ALIVE)
            return;
        st = nx_sys_event_create(task, &out);
    }
    expect_status(m, "create", st, full ? NX_ERR_NO_RESOURCES : NX_OK);
    check_audit(m, before, st, NX_AUDIT_OP_CREATE, task, NX_AUDIT_TABLE_FULL);
    if (st != NX_OK)
        return;
    int n = model_new(m, -1, rights, rights, peek(task, out.v)->obj->koid.v);
    if (src >= 0 && m->nodes[n].koid != m->nodes[src].koid)
        FAIL(m, "install named another object");
    model_place(m, n, t, out);
    check_live(m, n);
}

static void run_model(uint64_t seed, uint32_t steps)
{
    /* Static: a failing check leaves nothing allocated behind. */
    static model_t model;
    static mnode_t nodes[MAX_MNODES];
    model_t *m = &model;
    memset(m, 0, sizeof *m);
    m->nodes = nodes;
    m->seed = seed;
    nx_prng_seed(&m->rng, seed);
    memset(m->slotmap, 0xff, sizeof m->slotmap);
    for (uint32_t t = 0; t < NT; t++)
        m->tasks[t] = nx_test_task_new();
    audit_clear();
    for (m->step = 0; m->step < steps; m->step++) {
        /* Phases of growth (tables fill up: table-full refusals) and of
         * shrinking (closes and revocations win). */
        bool grow = (m->step / 2500u) % 2u == 0u;
        uint32_t roll = (uint32_t)nx_prng_below(&m->rng, 100);
        if (roll < 12)
            op_create(m);
        else if (roll < 42)
            op_duplicate(m);
        else if (roll < 52)
            op_replace(m);
        else if (roll < 64)
            op_transfer(m);
        else if (roll < 69)
            op_detach(m);
        else if (roll < 74)
            op_attach_or_drop(m);
        else if (roll < (grow ? 80u : 92u))
            op_close(m);
        else if (roll < 92)
            op_duplicate(m);
        else
            op_revoke(m);
        if (m->step % 64u == 0u)
            check_all(m);
    }
    check_all(m);
    if (m->ncaps > 0u)
        nx_cap_drop(m->caps, m->ncaps);
    /* Every path ran: successes, refusals, escalations refused, revocations. */
    if (m->ok_ops < steps / 3u || m->refused_ops < steps / 10u || m->escalations_refused < 50u ||
        m->revoked_total < 50u || m->table_full < 10u)
        FAIL(m, "too little happened: %u ok, %u refused, %u escalations, %u revoked, %u full",
             m->ok_ops, m->refused_ops, m->escalations_refused, m->revoked_total, m->table_full);
    for (uint32_t t = 0; t < NT; t++)
        nx_test_task_free(m->tasks[t]);
    assert_int_equal(nx_cap_nodes_used(), 0);
}

static void rights_never_grow(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 2, 3, 0xdecafbadull, 20240601ull, 0x5eed5eedull };
    for (size_t i = 0; i < COUNT(seeds); i++)
        run_model(seeds[i], STEPS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(random_values_resolve_to_nothing_else, nx_test_core_setup,
                                        nx_test_core_teardown),
        cmocka_unit_test_setup_teardown(live_values_typed_lookup, nx_test_core_setup,
                                        nx_test_core_teardown),
        cmocka_unit_test_setup_teardown(rights_never_grow, nx_test_core_setup,
                                        nx_test_core_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
