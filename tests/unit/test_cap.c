/*
 * test_cap.c - capabilities: handle tables, rights, derivation, transfer,
 * revocation, caps in flight, object lifetime, and every bound.
 *
 * The contract under test (nx/cap.h, docs/abi/capabilities.md): every
 * operation either succeeds or refuses with the documented status, appends
 * exactly one audit record naming why, and changes nothing. Handle values
 * never resolve to anything they should not (closed, stale, forged,
 * another task's). Rights never grow. Revocation removes exactly what was
 * derived. Every test releases what it made; the fixture's teardown proves
 * no pool leaked.
 */
#include "nx_test.h"

#include <stdio.h>
#include <string.h>

#include "nexus/status.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/event.h"
#include "nx/object.h"
#include "nx/pool.h"
#include "nx/task.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define EV_RIGHTS NX_DEFAULT_EVENT_RIGHTS
#define TK_RIGHTS NX_DEFAULT_TASK_RIGHTS
#define SIG_BIT   0x01000000u /* one user signal */

/* ========================================================================
 * Helpers
 * ======================================================================== */

static nx_handle_t hv(uint32_t v)
{
    nx_handle_t h = { v };
    return h;
}

static uint32_t slot_of(nx_handle_t h)
{
    return h.v & NX_HANDLE_SLOT_MASK;
}

static uint32_t gen_of(nx_handle_t h)
{
    return h.v >> NX_HANDLE_SLOT_BITS;
}

#define EVENTS_USED() nx_test_pool_used("events")
#define TASKS_USED()  nx_test_pool_used("tasks")

/* The live entry h names in t, or NULL; no audit (a direct lookup). */
static const nx_handle_entry_t *peek(nx_task_t *t, nx_handle_t h)
{
    const nx_handle_entry_t *e = NULL;
    nx_cap_lock();
    nx_status_t st = nx_handle_lookup_locked(&t->handles, h, NX_OBJ_NONE, NX_RIGHT_NONE, &e);
    nx_cap_unlock();
    return st == NX_OK ? e : NULL;
}

static nx_rights_t rights_of(nx_task_t *t, nx_handle_t h)
{
    const nx_handle_entry_t *e = peek(t, h);
    if (e == NULL)
        fail_msg("handle %#x is not live in task %u", h.v, t->id.v);
    return e->rights;
}

static nx_object_t *obj_of(nx_task_t *t, nx_handle_t h)
{
    const nx_handle_entry_t *e = peek(t, h);
    if (e == NULL)
        fail_msg("handle %#x is not live in task %u", h.v, t->id.v);
    return e->obj;
}

static uint64_t koid_of(nx_task_t *t, nx_handle_t h)
{
    nx_object_info_t info;
    ASSERT_ST(nx_handle_info(t, h, &info), NX_OK);
    return info.koid.v;
}

static nx_handle_t ev_new(nx_task_t *t)
{
    nx_handle_t h = NX_HANDLE_INVALID;
    ASSERT_ST(nx_sys_event_create(t, &h), NX_OK);
    return h;
}

static nx_handle_t dup(nx_task_t *t, nx_handle_t h, nx_rights_t rights)
{
    nx_handle_t out = NX_HANDLE_INVALID;
    ASSERT_ST(nx_sys_handle_duplicate(t, h, rights, &out), NX_OK);
    return out;
}

static nx_handle_t xfer(nx_task_t *from, nx_handle_t h, nx_task_t *to)
{
    nx_handle_t out = NX_HANDLE_INVALID;
    ASSERT_ST(nx_handle_transfer(from, &h, 1, to, &out), NX_OK);
    return out;
}

static nx_handle_t install(nx_task_t *t, nx_object_t *obj, nx_rights_t rights)
{
    nx_handle_t out = NX_HANDLE_INVALID;
    ASSERT_ST(nx_cap_install(t, obj, rights, &out), NX_OK);
    return out;
}

static void close_h(nx_task_t *t, nx_handle_t h)
{
    ASSERT_ST(nx_sys_handle_close(t, h), NX_OK);
}

static uint32_t revoke(nx_task_t *t, nx_handle_t h)
{
    uint32_t n = UINT32_MAX;
    ASSERT_ST(nx_sys_handle_revoke(t, h, &n), NX_OK);
    return n;
}

/* Fill t's table with duplicates of h until it is full. */
static void fill_table(nx_task_t *t, nx_handle_t h)
{
    while (t->handles.free_count > 0u)
        dup(t, h, NX_RIGHTS_SAME);
}

/* --- audit ------------------------------------------------------------------ */

static void audit_clear(void)
{
    nx_audit_record_t r[32];
    while (nx_audit_read(r, COUNT(r)) > 0u) {
    }
}

/* Exactly one record is pending, and it says this. */
static void expect_audit_at(nx_audit_op_t op, nx_audit_reason_t reason, nx_task_t *t, nx_handle_t h,
                            const char *where, int line)
{
    nx_audit_record_t r[2];
    uint32_t n = nx_audit_read(r, 2);
    if (n != 1u)
        fail_msg("%s:%d: %u audit records, expected 1 (%s/%s)", where, line, n,
                 nx_audit_op_name(op), nx_audit_reason_name(reason));
    if (r[0].op != op || r[0].reason != reason || r[0].task.v != t->id.v || r[0].handle.v != h.v)
        fail_msg("%s:%d: audit record op %s reason %s task %u handle %#x; expected %s %s %u %#x",
                 where, line, nx_audit_op_name((nx_audit_op_t)r[0].op),
                 nx_audit_reason_name((nx_audit_reason_t)r[0].reason), r[0].task.v, r[0].handle.v,
                 nx_audit_op_name(op), nx_audit_reason_name(reason), t->id.v, h.v);
}
#define expect_audit(op, reason, t, h) expect_audit_at(op, reason, t, h, __FILE__, __LINE__)

static void expect_no_audit(void)
{
    assert_int_equal(nx_audit_stats().pending, 0);
}

/* h is refused in t (a direct lookup fails, and info says why). */
static void assert_refused_at(nx_task_t *t, nx_handle_t h, nx_audit_reason_t why, int line)
{
    nx_object_info_t info;
    audit_clear();
    if (nx_test_handle_live(t, h))
        fail_msg("line %d: handle %#x still resolves in task %u", line, h.v, t->id.v);
    nx_status_t st = nx_handle_info(t, h, &info);
    if (st != NX_ERR_BAD_HANDLE)
        fail_msg("line %d: info on %#x gave %s", line, h.v, nx_status_name(st));
    expect_audit_at(NX_AUDIT_OP_INFO, why, t, h, __FILE__, line);
}
#define assert_refused(t, h, why) assert_refused_at(t, h, why, __LINE__)

/* --- snapshots: "a refusal changed nothing" ----------------------------------- */

typedef struct world {
    size_t n;
    nx_task_t *tasks[4];
    nx_handle_table_t tables[4];
    bool dying[4];
    uint32_t pool_count;
    uint32_t pools[NX_MAX_POOLS];
    uint32_t nodes;
} world_t;

static world_t world_before;

static void world_take(world_t *w, nx_task_t *a, nx_task_t *b, nx_task_t *c, nx_task_t *d)
{
    nx_task_t *all[4] = { a, b, c, d };
    memset(w, 0, sizeof *w);
    for (size_t i = 0; i < 4u; i++) {
        if (all[i] == NULL)
            continue;
        w->tasks[w->n] = all[i];
        memcpy(&w->tables[w->n], &all[i]->handles, sizeof(nx_handle_table_t));
        w->dying[w->n] = all[i]->dying;
        w->n++;
    }
    w->pool_count = nx_pool_registry_count();
    for (uint32_t i = 0; i < w->pool_count; i++)
        w->pools[i] = nx_pool_used(nx_pool_registry_get(i));
    w->nodes = nx_cap_nodes_used();
}

static void world_assert_same_at(const world_t *w, int line)
{
    for (size_t i = 0; i < w->n; i++) {
        const nx_handle_table_t *was = &w->tables[i], *now = &w->tasks[i]->handles;
        if (w->dying[i] != w->tasks[i]->dying)
            fail_msg("line %d: task %u's dying flag changed", line, w->tasks[i]->id.v);
        for (uint32_t s = 0; s < NX_MAX_HANDLES_PER_TASK; s++)
            if (memcmp(&was->e[s], &now->e[s], sizeof was->e[s]) != 0)
                fail_msg("line %d: task %u slot %u changed: value %#x rights %#x -> value %#x "
                         "rights %#x",
                         line, w->tasks[i]->id.v, s, was->e[s].value, was->e[s].rights,
                         now->e[s].value, now->e[s].rights);
        if (memcmp(was, now, sizeof *was) != 0)
            fail_msg("line %d: task %u's table changed (free list)", line, w->tasks[i]->id.v);
    }
    assert_int_equal(nx_pool_registry_count(), w->pool_count);
    for (uint32_t i = 0; i < w->pool_count; i++)
        if (nx_pool_used(nx_pool_registry_get(i)) != w->pools[i])
            fail_msg("line %d: pool %s holds %u, had %u", line, nx_pool_registry_get(i)->name,
                     nx_pool_used(nx_pool_registry_get(i)), w->pools[i]);
    if (nx_cap_nodes_used() != w->nodes)
        fail_msg("line %d: %u capability nodes, had %u", line, nx_cap_nodes_used(), w->nodes);
}
#define world_assert_same(w) world_assert_same_at(w, __LINE__)

/* ========================================================================
 * Every operation x every refusal: a table of named cases
 * ======================================================================== */

/* Handles of the fixture's caller task t (and a few values that are not). */
enum {
    H_EV,    /* an event, NX_DEFAULT_EVENT_RIGHTS (a root) */
    H_NODUP, /* duplicates of it, each lacking one right */
    H_NOXFER,
    H_NOMANAGE,
    H_NOSIGNAL,
    H_TASK,    /* a handle to task u, NX_DEFAULT_TASK_RIGHTS */
    H_CLOSED,  /* a closed value: its slot is free */
    H_STALE,   /* an older generation of a live slot */
    H_FORGED,  /* a value t's table never issued */
    H_ZERO,    /* 0 (NX_HANDLE_INVALID) */
    H_FOREIGN, /* a live handle of task u, never issued by t */
    H_DEAD,    /* a handle the dying task held before it was killed */
    H_COUNT
};
#define H_NONE H_ZERO /* a record that names no handle */

typedef struct fixture {
    nx_task_t *t, *u, *dead;
    nx_handle_t h[H_COUNT];
} fixture_t;

static void fixture_build(fixture_t *f)
{
    f->t = nx_test_task_new();
    f->u = nx_test_task_new();
    f->dead = nx_test_task_new();
    nx_task_t *t = f->t;
    f->h[H_EV] = ev_new(t); /* slot 0 */
    f->h[H_NODUP] = dup(t, f->h[H_EV], EV_RIGHTS & ~NX_RIGHT_DUPLICATE);
    f->h[H_NOXFER] = dup(t, f->h[H_EV], EV_RIGHTS & ~NX_RIGHT_TRANSFER);
    f->h[H_NOMANAGE] = dup(t, f->h[H_EV], EV_RIGHTS & ~NX_RIGHT_MANAGE);
    f->h[H_NOSIGNAL] = dup(t, f->h[H_EV], EV_RIGHTS & ~NX_RIGHT_SIGNAL);
    f->h[H_TASK] = install(t, &f->u->obj, TK_RIGHTS); /* slot 5 */
    f->h[H_CLOSED] = dup(t, f->h[H_EV], NX_RIGHTS_SAME);
    close_h(t, f->h[H_CLOSED]); /* slot 6 free, at the end of the FIFO */
    f->h[H_STALE] = dup(t, f->h[H_EV], NX_RIGHTS_SAME);
    nx_handle_t replaced; /* slot 7, one generation on */
    ASSERT_ST(nx_sys_handle_replace(t, f->h[H_STALE], NX_RIGHTS_SAME, &replaced), NX_OK);
    f->h[H_FORGED] = hv((1u << NX_HANDLE_SLOT_BITS) | 200u); /* slot 200: never used */
    f->h[H_ZERO] = NX_HANDLE_INVALID;
    nx_handle_t uh = NX_HANDLE_INVALID;
    for (int i = 0; i < 10; i++)
        uh = ev_new(f->u); /* u's slots 0..9 */
    f->h[H_FOREIGN] = uh;  /* slot 9 of u; t has not used slot 9 yet */
    assert_int_equal(slot_of(uh), 9);
    f->h[H_DEAD] = ev_new(f->dead);
    nx_task_kill(f->dead);
    assert_false(nx_test_handle_live(t, f->h[H_FOREIGN]));
    audit_clear();
}

static void fixture_free(fixture_t *f)
{
    nx_test_task_free(f->t);
    nx_test_task_free(f->u);
    nx_test_task_free(f->dead);
}

typedef enum {
    K_DUP,
    K_REPLACE,
    K_CLOSE,
    K_INFO,
    K_REVOKE,
    K_TRANSFER,
    K_DETACH,
    K_GET,
    K_SIGNAL,
    K_INSTALL,
    K_EVENT_CREATE,
    K_TASK_CREATE,
} op_kind_t;

enum { WHO_T, WHO_U, WHO_DEAD };

/* Flags of a case. */
#define F_NULL_OUT  0x01u /* out / caps / info pointer NULL */
#define F_NULL_IN   0x02u /* handles array NULL */
#define F_TWICE     0x04u /* the batch names the handle twice */
#define F_TOO_MANY  0x08u /* NX_MAX_TRANSFER_HANDLES + 1 handles */
#define F_TO_DEAD   0x10u /* destination is the dying task */
#define F_BAD_BITS  0x20u /* signal bits outside NX_SIGNALS_USER */
#define F_NULL_OUT2 0x40u /* revoke's count pointer NULL: allowed */

typedef struct refusal {
    const char *name;
    op_kind_t op;
    int caller;         /* WHO_T or WHO_DEAD */
    int handle;         /* H_*: the handle argument */
    nx_rights_t rights; /* dup/replace/install rights; get: rights needed */
    uint32_t type;      /* get: the type asked for */
    uint32_t flags;
    nx_status_t status; /* what must come back */
    nx_audit_op_t aop;  /* and the record it appends */
    nx_audit_reason_t reason;
    int audit_handle;
    int audit_task;
} refusal_t;

#define BH NX_ERR_BAD_HANDLE
#define IA NX_ERR_INVALID_ARGS
#define AD NX_ERR_ACCESS_DENIED
#define WT NX_ERR_WRONG_TYPE
#define TD NX_ERR_TASK_DEAD

/* clang-format off */
static const refusal_t refusals[] = {
    /* duplicate */
    { "dup_zero",            K_DUP, WHO_T, H_ZERO,    NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "dup_closed",          K_DUP, WHO_T, H_CLOSED,  NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "dup_stale",           K_DUP, WHO_T, H_STALE,   NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "dup_forged",          K_DUP, WHO_T, H_FORGED,  NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "dup_foreign",         K_DUP, WHO_T, H_FOREIGN, NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_HANDLE_FORGED, H_FOREIGN, WHO_T },
    { "dup_no_dup_right",    K_DUP, WHO_T, H_NODUP,   NX_RIGHTS_SAME, 0, 0, AD, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_MISSING_RIGHT, H_NODUP, WHO_T },
    { "dup_escalation",      K_DUP, WHO_T, H_EV,      NX_RIGHT_READ,  0, 0, IA, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_RIGHTS_ESCALATION, H_EV, WHO_T },
    { "dup_escalation_all",  K_DUP, WHO_T, H_NOSIGNAL, EV_RIGHTS,     0, 0, IA, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_RIGHTS_ESCALATION, H_NOSIGNAL, WHO_T },
    { "dup_unknown_bit",     K_DUP, WHO_T, H_EV,      1u << 12,       0, 0, IA, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_UNKNOWN_RIGHTS, H_EV, WHO_T },
    { "dup_same_plus_bit",   K_DUP, WHO_T, H_EV,      NX_RIGHTS_SAME | NX_RIGHT_SIGNAL, 0, 0, IA, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_UNKNOWN_RIGHTS, H_EV, WHO_T },
    { "dup_null_out",        K_DUP, WHO_T, H_EV,      NX_RIGHTS_SAME, 0, F_NULL_OUT, IA, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_BAD_ARGUMENT, H_EV, WHO_T },
    { "dup_dying_caller",    K_DUP, WHO_DEAD, H_DEAD, NX_RIGHTS_SAME, 0, 0, TD, NX_AUDIT_OP_DUPLICATE, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* replace (needs no right) */
    { "replace_zero",        K_REPLACE, WHO_T, H_ZERO,    NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_REPLACE, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "replace_closed",      K_REPLACE, WHO_T, H_CLOSED,  NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_REPLACE, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "replace_stale",       K_REPLACE, WHO_T, H_STALE,   NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_REPLACE, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "replace_forged",      K_REPLACE, WHO_T, H_FORGED,  NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_REPLACE, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "replace_foreign",     K_REPLACE, WHO_T, H_FOREIGN, NX_RIGHTS_SAME, 0, 0, BH, NX_AUDIT_OP_REPLACE, NX_AUDIT_HANDLE_FORGED, H_FOREIGN, WHO_T },
    { "replace_escalation",  K_REPLACE, WHO_T, H_NODUP,   EV_RIGHTS,      0, 0, IA, NX_AUDIT_OP_REPLACE, NX_AUDIT_RIGHTS_ESCALATION, H_NODUP, WHO_T },
    { "replace_unknown_bit", K_REPLACE, WHO_T, H_EV,      1u << 30,       0, 0, IA, NX_AUDIT_OP_REPLACE, NX_AUDIT_UNKNOWN_RIGHTS, H_EV, WHO_T },
    { "replace_null_out",    K_REPLACE, WHO_T, H_EV,      NX_RIGHTS_SAME, 0, F_NULL_OUT, IA, NX_AUDIT_OP_REPLACE, NX_AUDIT_BAD_ARGUMENT, H_EV, WHO_T },
    { "replace_dying_caller", K_REPLACE, WHO_DEAD, H_DEAD, NX_RIGHTS_SAME, 0, 0, TD, NX_AUDIT_OP_REPLACE, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* close */
    { "close_zero",          K_CLOSE, WHO_T, H_ZERO,    0, 0, 0, BH, NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "close_closed",        K_CLOSE, WHO_T, H_CLOSED,  0, 0, 0, BH, NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "close_stale",         K_CLOSE, WHO_T, H_STALE,   0, 0, 0, BH, NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "close_forged",        K_CLOSE, WHO_T, H_FORGED,  0, 0, 0, BH, NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "close_foreign",       K_CLOSE, WHO_T, H_FOREIGN, 0, 0, 0, BH, NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_FORGED, H_FOREIGN, WHO_T },
    { "close_dying_caller",  K_CLOSE, WHO_DEAD, H_DEAD, 0, 0, 0, TD, NX_AUDIT_OP_CLOSE, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* info (needs no right) */
    { "info_zero",           K_INFO, WHO_T, H_ZERO,    0, 0, 0, BH, NX_AUDIT_OP_INFO, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "info_closed",         K_INFO, WHO_T, H_CLOSED,  0, 0, 0, BH, NX_AUDIT_OP_INFO, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "info_stale",          K_INFO, WHO_T, H_STALE,   0, 0, 0, BH, NX_AUDIT_OP_INFO, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "info_forged",         K_INFO, WHO_T, H_FORGED,  0, 0, 0, BH, NX_AUDIT_OP_INFO, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "info_foreign",        K_INFO, WHO_T, H_FOREIGN, 0, 0, 0, BH, NX_AUDIT_OP_INFO, NX_AUDIT_HANDLE_FORGED, H_FOREIGN, WHO_T },
    { "info_null_out",       K_INFO, WHO_T, H_EV,      0, 0, F_NULL_OUT, IA, NX_AUDIT_OP_INFO, NX_AUDIT_BAD_ARGUMENT, H_EV, WHO_T },
    { "info_dying_caller",   K_INFO, WHO_DEAD, H_DEAD, 0, 0, 0, TD, NX_AUDIT_OP_INFO, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* revoke (needs MANAGE) */
    { "revoke_zero",         K_REVOKE, WHO_T, H_ZERO,    0, 0, 0, BH, NX_AUDIT_OP_REVOKE, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "revoke_closed",       K_REVOKE, WHO_T, H_CLOSED,  0, 0, 0, BH, NX_AUDIT_OP_REVOKE, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "revoke_stale",        K_REVOKE, WHO_T, H_STALE,   0, 0, 0, BH, NX_AUDIT_OP_REVOKE, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "revoke_forged",       K_REVOKE, WHO_T, H_FORGED,  0, 0, 0, BH, NX_AUDIT_OP_REVOKE, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "revoke_foreign",      K_REVOKE, WHO_T, H_FOREIGN, 0, 0, 0, BH, NX_AUDIT_OP_REVOKE, NX_AUDIT_HANDLE_FORGED, H_FOREIGN, WHO_T },
    { "revoke_no_manage",    K_REVOKE, WHO_T, H_NOMANAGE, 0, 0, 0, AD, NX_AUDIT_OP_REVOKE, NX_AUDIT_MISSING_RIGHT, H_NOMANAGE, WHO_T },
    { "revoke_no_manage_null_count", K_REVOKE, WHO_T, H_NOMANAGE, 0, 0, F_NULL_OUT2, AD, NX_AUDIT_OP_REVOKE, NX_AUDIT_MISSING_RIGHT, H_NOMANAGE, WHO_T },
    { "revoke_dying_caller", K_REVOKE, WHO_DEAD, H_DEAD, 0, 0, 0, TD, NX_AUDIT_OP_REVOKE, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* transfer t -> u: the batch is { ev, handle } (a good one first), or
     * { ev, handle, handle } for a handle named twice */
    { "transfer_zero",       K_TRANSFER, WHO_T, H_ZERO,    0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "transfer_closed",     K_TRANSFER, WHO_T, H_CLOSED,  0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "transfer_stale",      K_TRANSFER, WHO_T, H_STALE,   0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "transfer_forged",     K_TRANSFER, WHO_T, H_FORGED,  0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "transfer_foreign",    K_TRANSFER, WHO_T, H_FOREIGN, 0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_FORGED, H_FOREIGN, WHO_T },
    { "transfer_no_transfer_right", K_TRANSFER, WHO_T, H_NOXFER, 0, 0, 0, AD, NX_AUDIT_OP_TRANSFER, NX_AUDIT_MISSING_RIGHT, H_NOXFER, WHO_T },
    { "transfer_named_twice", K_TRANSFER, WHO_T, H_NOMANAGE, 0, 0, F_TWICE, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_DUPLICATE_IN_BATCH, H_NOMANAGE, WHO_T },
    { "transfer_too_many",   K_TRANSFER, WHO_T, H_NOMANAGE, 0, 0, F_TOO_MANY, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_BATCH_TOO_LARGE, H_NONE, WHO_T },
    { "transfer_null_handles", K_TRANSFER, WHO_T, H_NOMANAGE, 0, 0, F_NULL_IN, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "transfer_null_out",   K_TRANSFER, WHO_T, H_NOMANAGE, 0, 0, F_NULL_OUT, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "transfer_to_dying",   K_TRANSFER, WHO_T, H_NOMANAGE, 0, 0, F_TO_DEAD, TD, NX_AUDIT_OP_TRANSFER, NX_AUDIT_TASK_DEAD, H_NONE, WHO_T },
    { "transfer_from_dying", K_TRANSFER, WHO_DEAD, H_NOMANAGE, 0, 0, 0, TD, NX_AUDIT_OP_TRANSFER, NX_AUDIT_TASK_DEAD, H_NONE, WHO_DEAD },
    /* detach (into flight): the same batch */
    { "detach_zero",         K_DETACH, WHO_T, H_ZERO,    0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "detach_closed",       K_DETACH, WHO_T, H_CLOSED,  0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "detach_stale",        K_DETACH, WHO_T, H_STALE,   0, 0, 0, BH, NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "detach_no_transfer_right", K_DETACH, WHO_T, H_NOXFER, 0, 0, 0, AD, NX_AUDIT_OP_TRANSFER, NX_AUDIT_MISSING_RIGHT, H_NOXFER, WHO_T },
    { "detach_named_twice",  K_DETACH, WHO_T, H_NOMANAGE, 0, 0, F_TWICE, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_DUPLICATE_IN_BATCH, H_NOMANAGE, WHO_T },
    { "detach_too_many",     K_DETACH, WHO_T, H_NOMANAGE, 0, 0, F_TOO_MANY, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_BATCH_TOO_LARGE, H_NONE, WHO_T },
    { "detach_null_handles", K_DETACH, WHO_T, H_NOMANAGE, 0, 0, F_NULL_IN, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "detach_null_caps",    K_DETACH, WHO_T, H_NOMANAGE, 0, 0, F_NULL_OUT, IA, NX_AUDIT_OP_TRANSFER, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "detach_dying",        K_DETACH, WHO_DEAD, H_NOMANAGE, 0, 0, 0, TD, NX_AUDIT_OP_TRANSFER, NX_AUDIT_TASK_DEAD, H_NONE, WHO_DEAD },
    /* nx_cap_get, audited as the operation it serves (lookup here) */
    { "get_zero",            K_GET, WHO_T, H_ZERO,    0, NX_OBJ_NONE, 0, BH, NX_AUDIT_OP_LOOKUP, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "get_closed",          K_GET, WHO_T, H_CLOSED,  0, NX_OBJ_NONE, 0, BH, NX_AUDIT_OP_LOOKUP, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "get_stale",           K_GET, WHO_T, H_STALE,   0, NX_OBJ_NONE, 0, BH, NX_AUDIT_OP_LOOKUP, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "get_forged",          K_GET, WHO_T, H_FORGED,  0, NX_OBJ_NONE, 0, BH, NX_AUDIT_OP_LOOKUP, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "get_wrong_type",      K_GET, WHO_T, H_EV,      0, NX_OBJ_TASK, 0, WT, NX_AUDIT_OP_LOOKUP, NX_AUDIT_WRONG_TYPE, H_EV, WHO_T },
    { "get_wrong_type_first", K_GET, WHO_T, H_TASK,   NX_RIGHT_SIGNAL, NX_OBJ_EVENT, 0, WT, NX_AUDIT_OP_LOOKUP, NX_AUDIT_WRONG_TYPE, H_TASK, WHO_T },
    { "get_missing_right",   K_GET, WHO_T, H_NOSIGNAL, NX_RIGHT_SIGNAL, NX_OBJ_EVENT, 0, AD, NX_AUDIT_OP_LOOKUP, NX_AUDIT_MISSING_RIGHT, H_NOSIGNAL, WHO_T },
    { "get_missing_one_of_two", K_GET, WHO_T, H_NODUP, NX_RIGHT_SIGNAL | NX_RIGHT_DUPLICATE, NX_OBJ_NONE, 0, AD, NX_AUDIT_OP_LOOKUP, NX_AUDIT_MISSING_RIGHT, H_NODUP, WHO_T },
    { "get_dying",           K_GET, WHO_DEAD, H_DEAD, 0, NX_OBJ_NONE, 0, TD, NX_AUDIT_OP_LOOKUP, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* signal */
    { "signal_zero",         K_SIGNAL, WHO_T, H_ZERO,    0, 0, 0, BH, NX_AUDIT_OP_SIGNAL, NX_AUDIT_HANDLE_FORGED, H_ZERO, WHO_T },
    { "signal_closed",       K_SIGNAL, WHO_T, H_CLOSED,  0, 0, 0, BH, NX_AUDIT_OP_SIGNAL, NX_AUDIT_HANDLE_CLOSED, H_CLOSED, WHO_T },
    { "signal_stale",        K_SIGNAL, WHO_T, H_STALE,   0, 0, 0, BH, NX_AUDIT_OP_SIGNAL, NX_AUDIT_HANDLE_STALE, H_STALE, WHO_T },
    { "signal_forged",       K_SIGNAL, WHO_T, H_FORGED,  0, 0, 0, BH, NX_AUDIT_OP_SIGNAL, NX_AUDIT_HANDLE_FORGED, H_FORGED, WHO_T },
    { "signal_wrong_type",   K_SIGNAL, WHO_T, H_TASK,    0, 0, 0, WT, NX_AUDIT_OP_SIGNAL, NX_AUDIT_WRONG_TYPE, H_TASK, WHO_T },
    { "signal_no_signal_right", K_SIGNAL, WHO_T, H_NOSIGNAL, 0, 0, 0, AD, NX_AUDIT_OP_SIGNAL, NX_AUDIT_MISSING_RIGHT, H_NOSIGNAL, WHO_T },
    { "signal_kernel_bits",  K_SIGNAL, WHO_T, H_EV,      0, 0, F_BAD_BITS, IA, NX_AUDIT_OP_SIGNAL, NX_AUDIT_BAD_ARGUMENT, H_EV, WHO_T },
    { "signal_dying",        K_SIGNAL, WHO_DEAD, H_DEAD, 0, 0, 0, TD, NX_AUDIT_OP_SIGNAL, NX_AUDIT_TASK_DEAD, H_DEAD, WHO_DEAD },
    /* install (the kernel giving a task a new root handle) */
    { "install_null_out",    K_INSTALL, WHO_T, H_NONE, EV_RIGHTS, 0, F_NULL_OUT, IA, NX_AUDIT_OP_CREATE, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "install_unknown_rights", K_INSTALL, WHO_T, H_NONE, NX_RIGHTS_ALL + 1u, 0, 0, IA, NX_AUDIT_OP_CREATE, NX_AUDIT_UNKNOWN_RIGHTS, H_NONE, WHO_T },
    { "install_dying",       K_INSTALL, WHO_DEAD, H_NONE, EV_RIGHTS, 0, 0, TD, NX_AUDIT_OP_CREATE, NX_AUDIT_TASK_DEAD, H_NONE, WHO_DEAD },
    /* object creation */
    { "event_create_null_out", K_EVENT_CREATE, WHO_T, H_NONE, 0, 0, F_NULL_OUT, IA, NX_AUDIT_OP_CREATE, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "event_create_dying",  K_EVENT_CREATE, WHO_DEAD, H_NONE, 0, 0, 0, TD, NX_AUDIT_OP_CREATE, NX_AUDIT_TASK_DEAD, H_NONE, WHO_DEAD },
    { "task_create_null_out", K_TASK_CREATE, WHO_T, H_NONE, 0, 0, F_NULL_OUT, IA, NX_AUDIT_OP_CREATE, NX_AUDIT_BAD_ARGUMENT, H_NONE, WHO_T },
    { "task_create_dying",   K_TASK_CREATE, WHO_DEAD, H_NONE, 0, 0, 0, TD, NX_AUDIT_OP_CREATE, NX_AUDIT_TASK_DEAD, H_NONE, WHO_DEAD },
};
/* clang-format on */

static nx_task_t *who(const fixture_t *f, int w)
{
    return w == WHO_DEAD ? f->dead : w == WHO_U ? f->u : f->t;
}

static nx_status_t perform(fixture_t *f, const refusal_t *c)
{
    nx_task_t *caller = who(f, c->caller);
    nx_handle_t h = f->h[c->handle];
    nx_handle_t out[NX_MAX_TRANSFER_HANDLES + 1u];
    nx_handle_t *outp = (c->flags & F_NULL_OUT) ? NULL : out;
    nx_handle_t batch[NX_MAX_TRANSFER_HANDLES + 1u];
    uint32_t n = 0;
    if (c->flags & F_TOO_MANY) {
        /* Distinct live handles would not fit the point: the count alone is refused. */
        for (n = 0; n < NX_MAX_TRANSFER_HANDLES + 1u; n++)
            batch[n] = f->h[H_EV];
    } else if (c->flags & F_TWICE) {
        batch[n++] = f->h[H_EV];
        batch[n++] = h;
        batch[n++] = h;
    } else {
        batch[n++] = f->h[H_EV];
        batch[n++] = h;
    }
    const nx_handle_t *in = (c->flags & F_NULL_IN) ? NULL : batch;
    nx_task_t *to = (c->flags & F_TO_DEAD) ? f->dead : f->u;
    switch (c->op) {
    case K_DUP:
        return nx_sys_handle_duplicate(caller, h, c->rights, outp);
    case K_REPLACE:
        return nx_sys_handle_replace(caller, h, c->rights, outp);
    case K_CLOSE:
        return nx_sys_handle_close(caller, h);
    case K_INFO: {
        nx_object_info_t info;
        return nx_handle_info(caller, h, (c->flags & F_NULL_OUT) ? NULL : &info);
    }
    case K_REVOKE: {
        uint32_t count = 0;
        return nx_sys_handle_revoke(caller, h, (c->flags & F_NULL_OUT2) ? NULL : &count);
    }
    case K_TRANSFER:
        return nx_handle_transfer(caller, in, n, to, outp);
    case K_DETACH: {
        nx_cap_t caps[NX_MAX_TRANSFER_HANDLES + 1u];
        nx_status_t st = nx_cap_detach(caller, in, n, (c->flags & F_NULL_OUT) ? NULL : caps);
        if (st == NX_OK)
            nx_cap_drop(caps, n); /* not expected: keep the pools right anyway */
        return st;
    }
    case K_GET: {
        nx_object_t *obj = NULL;
        nx_status_t st = nx_cap_get(caller, h, c->type, c->rights, NX_AUDIT_OP_LOOKUP, &obj);
        if (st == NX_OK)
            nx_object_unref(obj);
        return st;
    }
    case K_SIGNAL:
        return nx_sys_object_signal(caller, h, 0, (c->flags & F_BAD_BITS) ? 1u : SIG_BIT);
    case K_INSTALL:
        return nx_cap_install(caller, obj_of(f->t, f->h[H_EV]), c->rights, outp);
    case K_EVENT_CREATE:
        return nx_sys_event_create(caller, outp);
    case K_TASK_CREATE:
        return nx_task_create_handle(caller, outp);
    }
    fail_msg("unknown operation kind");
    return NX_ERR_INTERNAL;
}

/* The refusal comes back with its status, appends exactly one record with
 * the right operation, reason, task and handle, and changes nothing: every
 * table byte-identical, pools and capability nodes as they were, the
 * event's signals untouched. */
static void refusal_changes_nothing(void **state)
{
    const refusal_t *c = *state;
    fixture_t f;
    fixture_build(&f);
    nx_event_t *ev = (nx_event_t *)obj_of(f.t, f.h[H_EV]);
    uint32_t signals = nx_event_signals(ev);
    world_take(&world_before, f.t, f.u, f.dead, NULL);
    uint64_t appended = nx_audit_stats().appended;

    nx_status_t st = perform(&f, c);
    if (st != c->status)
        fail_msg("%s: %s, expected %s", c->name, nx_status_name(st), nx_status_name(c->status));
    assert_int_equal(nx_audit_stats().appended, appended + 1u);
    expect_audit(c->aop, c->reason, who(&f, c->audit_task), f.h[c->audit_handle]);
    world_assert_same(&world_before);
    assert_int_equal(nx_event_signals(ev), signals);
    fixture_free(&f);
}

/* ========================================================================
 * Handle values
 * ======================================================================== */

/* A fresh table hands out slots 0..255 in order, generation 1: no value is
 * 0, all are distinct, and the 257th is refused. */
static void values_encode_slot_and_generation(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = ev_new(t);
    assert_int_equal(ev.v, (1u << NX_HANDLE_SLOT_BITS) | 0u);
    for (uint32_t s = 1; s < NX_MAX_HANDLES_PER_TASK; s++) {
        nx_handle_t d = dup(t, ev, NX_RIGHTS_SAME);
        assert_true(nx_handle_is_valid(d));
        assert_int_equal(slot_of(d), s);
        assert_int_equal(gen_of(d), 1);
    }
    assert_int_equal(nx_handle_table_count(&t->handles), NX_MAX_HANDLES_PER_TASK);
    nx_test_task_free(t);
}

/* A closed value is refused by every operation as "closed", and stays
 * refused while its slot waits in the FIFO. */
static void closed_value_refused_everywhere(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    nx_handle_t ev = ev_new(t), d = dup(t, ev, NX_RIGHTS_SAME), out;
    nx_object_info_t info;
    uint32_t n;
    nx_cap_t cap;
    nx_object_t *obj;
    close_h(t, d);
    audit_clear();
    ASSERT_ST(nx_sys_handle_close(t, d), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_sys_handle_duplicate(t, d, NX_RIGHTS_SAME, &out), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_sys_handle_replace(t, d, NX_RIGHTS_SAME, &out), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_REPLACE, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_handle_info(t, d, &info), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_INFO, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_sys_handle_revoke(t, d, &n), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_REVOKE, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_handle_transfer(t, &d, 1, u, &out), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_cap_detach(t, &d, 1, &cap), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_sys_object_signal(t, d, 0, SIG_BIT), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_SIGNAL, NX_AUDIT_HANDLE_CLOSED, t, d);
    ASSERT_ST(nx_cap_get(t, d, NX_OBJ_NONE, 0, NX_AUDIT_OP_LOOKUP, &obj), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_LOOKUP, NX_AUDIT_HANDLE_CLOSED, t, d);

    /* Other allocations take other slots first (FIFO): still closed. */
    for (int i = 0; i < 100; i++)
        assert_int_not_equal(slot_of(dup(t, ev, NX_RIGHTS_SAME)), slot_of(d));
    assert_refused(t, d, NX_AUDIT_HANDLE_CLOSED);
    assert_int_equal(u->handles.free_count, NX_MAX_HANDLES_PER_TASK);
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* The FIFO: a closed slot comes back only after every other free slot was
 * used (here 255 allocations later); the 256th allocation reuses it with
 * the next generation. The old value is then "stale" and never reaches the
 * new object: not through info, signal, duplicate or close. */
static void stale_after_slot_reuse(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *keeper = nx_test_task_new();
    nx_handle_t old = ev_new(t); /* slot 0 */
    uint64_t old_koid = koid_of(t, old);
    close_h(t, old);
    assert_int_equal(EVENTS_USED(), 0);
    nx_handle_t other = ev_new(keeper); /* objects for the filler handles */
    nx_handle_t filler = xfer(keeper, dup(keeper, other, NX_RIGHTS_SAME), t);
    assert_int_equal(slot_of(filler), 1);
    for (uint32_t i = 2; i < NX_MAX_HANDLES_PER_TASK; i++) {
        nx_handle_t d = dup(t, filler, NX_RIGHTS_SAME);
        assert_int_equal(slot_of(d), i);
        assert_false(nx_test_handle_live(t, old));
    }
    assert_int_equal(t->handles.free_count, 1);
    assert_refused(t, old, NX_AUDIT_HANDLE_CLOSED);

    nx_handle_t fresh = ev_new(t); /* the 256th allocation: slot 0 again */
    assert_int_equal(slot_of(fresh), slot_of(old));
    assert_int_equal(gen_of(fresh), gen_of(old) + 1u);
    assert_int_not_equal(koid_of(t, fresh), old_koid);
    nx_event_t *fresh_ev = (nx_event_t *)obj_of(t, fresh);

    assert_refused(t, old, NX_AUDIT_HANDLE_STALE);
    audit_clear();
    ASSERT_ST(nx_sys_object_signal(t, old, 0, SIG_BIT), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_SIGNAL, NX_AUDIT_HANDLE_STALE, t, old);
    assert_int_equal(nx_event_signals(fresh_ev), 0);
    ASSERT_ST(nx_sys_handle_close(t, old), NX_ERR_BAD_HANDLE);
    expect_audit(NX_AUDIT_OP_CLOSE, NX_AUDIT_HANDLE_STALE, t, old);
    assert_true(nx_test_handle_live(t, fresh));
    ASSERT_ST(nx_sys_object_signal(t, fresh, 0, SIG_BIT), NX_OK);
    assert_int_equal(nx_event_signals(fresh_ev), SIG_BIT);
    nx_test_task_free(t);
    nx_test_task_free(keeper);
}

/* Generation wrap: a slot whose generation reaches NX_HANDLE_GEN_MAX is
 * retired when closed, never reused; the table holds one handle fewer, and
 * every value the slot issued stays refused. */
static void generation_wrap_retires_slot(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_test_handle_set_generation(&t->handles, 0, NX_HANDLE_GEN_MAX - 1u);
    nx_handle_t a = ev_new(t); /* slot 0, next-to-last generation */
    assert_int_equal(a.v, ((NX_HANDLE_GEN_MAX - 1u) << NX_HANDLE_SLOT_BITS) | 0u);
    nx_handle_t keep = dup(t, a, NX_RIGHTS_SAME); /* slot 1: keeps the event */
    close_h(t, a);
    assert_int_equal(t->handles.retired, 0); /* one generation left */
    /* Bring slot 0 to the head of the FIFO: use up slots 2..255. */
    nx_handle_t fill[NX_MAX_HANDLES_PER_TASK];
    uint32_t nfill = 0;
    while (t->handles.free_head != 0u)
        fill[nfill++] = dup(t, keep, NX_RIGHTS_SAME);
    nx_handle_t last = dup(t, keep, NX_RIGHTS_SAME);
    assert_int_equal(last.v, (NX_HANDLE_GEN_MAX << NX_HANDLE_SLOT_BITS) | 0u);
    assert_int_equal(last.v, 0xffffff00u);
    assert_int_equal(koid_of(t, last), koid_of(t, keep));
    close_h(t, last);
    assert_int_equal(t->handles.retired, 1);
    assert_refused(t, last, NX_AUDIT_HANDLE_CLOSED);
    assert_refused(t, a, NX_AUDIT_HANDLE_STALE);
    assert_refused(t, hv((1u << NX_HANDLE_SLOT_BITS) | 0u), NX_AUDIT_HANDLE_STALE);

    /* Capacity is now 255: release the fillers and fill again. */
    for (uint32_t i = 0; i < nfill; i++)
        close_h(t, fill[i]);
    assert_int_equal(nx_handle_table_count(&t->handles), 1);
    for (uint32_t i = 1; i < NX_MAX_HANDLES_PER_TASK - 1u; i++)
        assert_int_not_equal(slot_of(dup(t, keep, NX_RIGHTS_SAME)), 0);
    assert_int_equal(nx_handle_table_count(&t->handles), NX_MAX_HANDLES_PER_TASK - 1u);
    assert_int_equal(t->handles.free_count, 0);
    audit_clear();
    nx_handle_t out;
    ASSERT_ST(nx_sys_handle_duplicate(t, keep, NX_RIGHTS_SAME, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_TABLE_FULL, t, keep);
    assert_refused(t, last, NX_AUDIT_HANDLE_CLOSED);

    /* The test setter touches only free, unretired slots. */
    nx_test_handle_set_generation(&t->handles, 0, 5);
    assert_int_equal(t->handles.e[0].gen, NX_HANDLE_GEN_MAX);
    nx_test_handle_set_generation(&t->handles, slot_of(keep), 5);
    assert_int_equal(t->handles.e[slot_of(keep)].gen, gen_of(keep));
    assert_true(nx_test_handle_live(t, keep));
    nx_test_task_free(t);
}

/* Values are per task: the same value names each task's own object, and a
 * value only another task issued is refused (forged). */
static void values_are_per_task(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t ha = ev_new(a), hb = ev_new(b);
    assert_int_equal(ha.v, hb.v); /* both slot 0, generation 1 */
    assert_ptr_not_equal(obj_of(a, ha), obj_of(b, hb));
    assert_int_not_equal(koid_of(a, ha), koid_of(b, hb));
    nx_handle_t hb2 = dup(b, hb, NX_RIGHTS_SAME); /* slot 1 in b only */
    assert_refused(a, hb2, NX_AUDIT_HANDLE_FORGED);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* ========================================================================
 * Duplicate, replace, info, signal: what success looks like
 * ======================================================================== */

/* Duplicates keep or drop rights, never add; NX_RIGHTS_SAME keeps them;
 * NX_RIGHT_NONE is a valid (useless) handle; each names the same object. */
static void duplicate_rights(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = ev_new(t);
    assert_int_equal(rights_of(t, ev), EV_RIGHTS);
    nx_handle_t same = dup(t, ev, NX_RIGHTS_SAME);
    assert_int_equal(rights_of(t, same), EV_RIGHTS);
    nx_handle_t some = dup(t, ev, NX_RIGHT_DUPLICATE | NX_RIGHT_SIGNAL);
    assert_int_equal(rights_of(t, some), NX_RIGHT_DUPLICATE | NX_RIGHT_SIGNAL);
    nx_handle_t none = dup(t, ev, NX_RIGHT_NONE);
    assert_int_equal(rights_of(t, none), NX_RIGHT_NONE);
    assert_int_equal(koid_of(t, none), koid_of(t, ev));
    nx_object_info_t info;
    ASSERT_ST(nx_handle_info(t, some, &info), NX_OK);
    assert_int_equal(info.type, NX_OBJ_EVENT);
    assert_int_equal(info.rights, NX_RIGHT_DUPLICATE | NX_RIGHT_SIGNAL);
    assert_int_equal(info.koid.v, koid_of(t, ev));
    /* From the reduced handle, the dropped rights cannot come back. */
    audit_clear();
    nx_handle_t out;
    ASSERT_ST(nx_sys_handle_duplicate(t, some, NX_RIGHT_SIGNAL | NX_RIGHT_MANAGE, &out),
              NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_RIGHTS_ESCALATION, t, some);
    nx_handle_t sub = dup(t, some, NX_RIGHT_SIGNAL);
    assert_int_equal(rights_of(t, sub), NX_RIGHT_SIGNAL);
    /* A handle with no rights still closes and tells what it is. */
    ASSERT_ST(nx_handle_info(t, none, &info), NX_OK);
    assert_int_equal(info.rights, 0);
    close_h(t, none);
    expect_no_audit();
    nx_test_task_free(t);
}

/* Replace in place: the same slot, the next generation, fewer rights, the
 * same object and node; the old value is stale. */
static void replace_in_place(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = ev_new(t), h = dup(t, ev, NX_RIGHTS_SAME), r;
    uint32_t nodes = nx_cap_nodes_used(), count = nx_handle_table_count(&t->handles);
    ASSERT_ST(nx_sys_handle_replace(t, h, NX_RIGHT_SIGNAL | NX_RIGHT_WAIT, &r), NX_OK);
    assert_int_equal(slot_of(r), slot_of(h));
    assert_int_equal(gen_of(r), gen_of(h) + 1u);
    assert_int_equal(rights_of(t, r), NX_RIGHT_SIGNAL | NX_RIGHT_WAIT);
    assert_int_equal(koid_of(t, r), koid_of(t, ev));
    assert_int_equal(nx_cap_nodes_used(), nodes);
    assert_int_equal(nx_handle_table_count(&t->handles), count);
    assert_refused(t, h, NX_AUDIT_HANDLE_STALE);
    /* The reduced handle signals but can no longer duplicate. */
    ASSERT_ST(nx_sys_object_signal(t, r, 0, SIG_BIT), NX_OK);
    nx_handle_t out;
    audit_clear();
    ASSERT_ST(nx_sys_handle_duplicate(t, r, NX_RIGHTS_SAME, &out), NX_ERR_ACCESS_DENIED);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_MISSING_RIGHT, t, r);
    /* NX_RIGHTS_SAME, then nothing: each step a new value, rights kept or dropped. */
    nx_handle_t r2, r3;
    ASSERT_ST(nx_sys_handle_replace(t, r, NX_RIGHTS_SAME, &r2), NX_OK);
    assert_int_equal(rights_of(t, r2), NX_RIGHT_SIGNAL | NX_RIGHT_WAIT);
    assert_refused(t, r, NX_AUDIT_HANDLE_STALE);
    ASSERT_ST(nx_sys_handle_replace(t, r2, NX_RIGHT_SIGNAL | NX_RIGHT_DUPLICATE, &r3),
              NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_REPLACE, NX_AUDIT_RIGHTS_ESCALATION, t, r2);
    assert_int_equal(rights_of(t, r2), NX_RIGHT_SIGNAL | NX_RIGHT_WAIT); /* unchanged */
    ASSERT_ST(nx_sys_handle_replace(t, r2, NX_RIGHT_NONE, &r3), NX_OK);
    assert_int_equal(rights_of(t, r3), NX_RIGHT_NONE);
    close_h(t, r3);
    nx_test_task_free(t);
}

/* The replacement stands where the original stood in the derivation tree:
 * revoking the parent removes it, and it still reaches its own children. */
static void replace_keeps_tree_position(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    nx_handle_t root = ev_new(t), mid = dup(t, root, NX_RIGHTS_SAME);
    nx_handle_t kid = xfer(t, dup(t, mid, NX_RIGHTS_SAME), u);
    nx_handle_t mid2;
    ASSERT_ST(nx_sys_handle_replace(t, mid, NX_RIGHTS_SAME, &mid2), NX_OK);
    assert_int_equal(revoke(t, mid2), 1);
    assert_false(nx_test_handle_live(u, kid));
    assert_true(nx_test_handle_live(t, mid2));
    nx_handle_t mid3;
    ASSERT_ST(nx_sys_handle_replace(t, mid2, EV_RIGHTS & ~NX_RIGHT_MANAGE, &mid3), NX_OK);
    assert_int_equal(revoke(t, root), 1);
    assert_false(nx_test_handle_live(t, mid3));
    assert_true(nx_test_handle_live(t, root));
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* At the last generation the slot cannot be bumped: the replacement takes
 * another slot and the old one is retired. With the table full that is
 * NO_RESOURCES (table-full) and the original is untouched. */
static void replace_at_last_generation(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t root = ev_new(t); /* slot 0 */
    nx_test_handle_set_generation(&t->handles, 1, NX_HANDLE_GEN_MAX);
    nx_handle_t h = dup(t, root, EV_RIGHTS & ~NX_RIGHT_MAP); /* slot 1, last generation */
    assert_int_equal(gen_of(h), NX_HANDLE_GEN_MAX);

    fill_table(t, root);
    world_take(&world_before, t, NULL, NULL, NULL);
    audit_clear();
    nx_handle_t r;
    ASSERT_ST(nx_sys_handle_replace(t, h, NX_RIGHT_SIGNAL, &r), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_REPLACE, NX_AUDIT_TABLE_FULL, t, h);
    world_assert_same(&world_before);
    assert_int_equal(rights_of(t, h), EV_RIGHTS & ~NX_RIGHT_MAP);

    /* One free slot is enough. */
    nx_handle_t spare = hv((1u << NX_HANDLE_SLOT_BITS) | 200u);
    close_h(t, spare);
    uint32_t nodes = nx_cap_nodes_used();
    ASSERT_ST(nx_sys_handle_replace(t, h, NX_RIGHT_SIGNAL, &r), NX_OK);
    assert_int_equal(slot_of(r), 200);
    assert_int_equal(rights_of(t, r), NX_RIGHT_SIGNAL);
    assert_int_equal(t->handles.retired, 1);
    assert_int_equal(nx_handle_table_count(&t->handles), NX_MAX_HANDLES_PER_TASK - 1u);
    assert_int_equal(nx_cap_nodes_used(), nodes);
    assert_refused(t, h, NX_AUDIT_HANDLE_CLOSED);
    /* ...and it kept h's place in the tree. */
    assert_int_equal(revoke(t, root), NX_MAX_HANDLES_PER_TASK - 2u);
    assert_false(nx_test_handle_live(t, r));
    nx_test_task_free(t);
}

/* Signal clears then sets user bits only, through a handle with SIGNAL. */
static void signal_clears_then_sets(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = ev_new(t);
    nx_event_t *e = (nx_event_t *)obj_of(t, ev);
    assert_int_equal(nx_event_signals(e), 0);
    ASSERT_ST(nx_sys_object_signal(t, ev, 0, 0x03000000u), NX_OK);
    assert_int_equal(nx_event_signals(e), 0x03000000u);
    ASSERT_ST(nx_sys_object_signal(t, ev, 0x01000000u, 0x80000000u), NX_OK);
    assert_int_equal(nx_event_signals(e), 0x82000000u);
    ASSERT_ST(nx_sys_object_signal(t, ev, NX_SIGNALS_USER, NX_SIGNALS_USER), NX_OK);
    assert_int_equal(nx_event_signals(e), NX_SIGNALS_USER);
    ASSERT_ST(nx_sys_object_signal(t, ev, NX_SIGNALS_USER, 0), NX_OK);
    assert_int_equal(nx_event_signals(e), 0);
    /* A handle duplicated with only SIGNAL suffices. */
    nx_handle_t s = dup(t, ev, NX_RIGHT_SIGNAL);
    ASSERT_ST(nx_sys_object_signal(t, s, 0, SIG_BIT), NX_OK);
    assert_int_equal(nx_event_signals(e), SIG_BIT);
    audit_clear();
    ASSERT_ST(nx_sys_object_signal(t, s, 0, 0x00ff0000u), NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_SIGNAL, NX_AUDIT_BAD_ARGUMENT, t, s);
    ASSERT_ST(nx_sys_object_signal(t, s, 0x1u, 0), NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_SIGNAL, NX_AUDIT_BAD_ARGUMENT, t, s);
    assert_int_equal(nx_event_signals(e), SIG_BIT);
    nx_test_task_free(t);
}

/* nx_cap_get succeeds with the type and rights asked for (or any type) and
 * hands out a reference of its own. */
static void cap_get_takes_a_reference(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = ev_new(t), tk;
    ASSERT_ST(nx_task_create_handle(t, &tk), NX_OK);
    nx_object_t *obj = NULL;
    ASSERT_ST(
        nx_cap_get(t, ev, NX_OBJ_EVENT, NX_RIGHT_SIGNAL | NX_RIGHT_WAIT, NX_AUDIT_OP_LOOKUP, &obj),
        NX_OK);
    assert_ptr_equal(obj, obj_of(t, ev));
    assert_int_equal(atomic_load(&obj->refs), 2); /* the handle's and ours */
    nx_object_t *tobj = NULL;
    ASSERT_ST(nx_cap_get(t, tk, NX_OBJ_NONE, NX_RIGHT_NONE, NX_AUDIT_OP_LOOKUP, &tobj), NX_OK);
    assert_non_null(nx_test_task_of(tobj));
    assert_null(nx_test_task_of(obj));
    expect_no_audit();
    /* Closing the handle leaves the object to our reference... */
    close_h(t, ev);
    assert_int_equal(EVENTS_USED(), 1);
    assert_int_equal(nx_event_signals((nx_event_t *)obj), 0);
    nx_object_unref(obj); /* ...until we drop it */
    assert_int_equal(EVENTS_USED(), 0);
    close_h(t, tk);
    assert_int_equal(TASKS_USED(), 2); /* t and the child we still reference */
    nx_object_unref(tobj);
    assert_int_equal(TASKS_USED(), 1);
    nx_test_task_free(t);
}

/* nx_cap_install gives a new root with exactly the rights asked for (none
 * and all included), independent of other roots of the same object; rights
 * outside NX_RIGHTS_ALL (NX_RIGHTS_SAME too: there is no source) are
 * refused and change nothing. */
static void install_roots(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    nx_handle_t ev = ev_new(t);
    nx_object_t *obj = obj_of(t, ev);
    nx_handle_t all = install(u, obj, NX_RIGHTS_ALL), none = install(u, obj, NX_RIGHT_NONE);
    assert_int_equal(rights_of(u, all), NX_RIGHTS_ALL);
    assert_int_equal(rights_of(u, none), NX_RIGHT_NONE);
    assert_int_equal(obj->caps, 3);
    assert_int_equal(atomic_load(&obj->refs), 3);
    nx_handle_t d = dup(u, all, NX_RIGHTS_SAME);
    assert_int_equal(revoke(t, ev), 0); /* other roots are not derived from ev */
    assert_int_equal(revoke(u, all), 1);
    assert_false(nx_test_handle_live(u, d));
    assert_true(nx_test_handle_live(u, none));

    static const nx_rights_t bad[] = { NX_RIGHTS_ALL + 1u, NX_RIGHTS_SAME, UINT32_MAX };
    for (size_t i = 0; i < COUNT(bad); i++) {
        nx_handle_t out = NX_HANDLE_INVALID;
        world_take(&world_before, t, u, NULL, NULL);
        audit_clear();
        ASSERT_ST(nx_cap_install(u, obj, bad[i], &out), NX_ERR_INVALID_ARGS);
        assert_int_equal(nx_audit_stats().pending, 1);
        assert_int_equal(out.v, 0);
        world_assert_same(&world_before);
    }
    assert_int_equal(obj->caps, 3);
    audit_clear();
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* ========================================================================
 * Transfer: all or nothing
 * ======================================================================== */

typedef enum { INJ_CLOSED, INJ_STALE, INJ_FORGED, INJ_NO_TRANSFER, INJ_DUPLICATE } injection_t;

static const struct {
    injection_t kind;
    const char *name;
    nx_status_t status;
    nx_audit_reason_t reason;
} injections[] = {
    { INJ_CLOSED, "closed", NX_ERR_BAD_HANDLE, NX_AUDIT_HANDLE_CLOSED },
    { INJ_STALE, "stale", NX_ERR_BAD_HANDLE, NX_AUDIT_HANDLE_STALE },
    { INJ_FORGED, "forged", NX_ERR_BAD_HANDLE, NX_AUDIT_HANDLE_FORGED },
    { INJ_NO_TRANSFER, "no-transfer-right", NX_ERR_ACCESS_DENIED, NX_AUDIT_MISSING_RIGHT },
    { INJ_DUPLICATE, "duplicate", NX_ERR_INVALID_ARGS, NX_AUDIT_DUPLICATE_IN_BATCH },
};

#define BATCH 8u

typedef struct xfer_setup {
    nx_task_t *src, *dst;
    nx_handle_t good[BATCH];
    nx_rights_t rights[BATCH];
    uint64_t koids[BATCH];
    nx_handle_t closed, stale, notransfer;
} xfer_setup_t;

static void xfer_setup(xfer_setup_t *x)
{
    x->src = nx_test_task_new();
    x->dst = nx_test_task_new();
    nx_handle_t e1 = ev_new(x->src), e2 = ev_new(x->src), tk;
    ASSERT_ST(nx_task_create_handle(x->src, &tk), NX_OK);
    nx_handle_t d0 = ev_new(x->dst); /* dst is not empty */
    (void)d0;
    nx_handle_t roots[3] = { e1, e2, tk };
    for (uint32_t i = 0; i < BATCH; i++) {
        nx_handle_t from = roots[i % 3u];
        nx_rights_t r = rights_of(x->src, from) & ~((i & 1u) ? NX_RIGHT_WAIT : NX_RIGHT_INSPECT);
        x->good[i] = dup(x->src, from, r);
        x->rights[i] = r;
        x->koids[i] = koid_of(x->src, x->good[i]);
    }
    x->closed = dup(x->src, e1, NX_RIGHTS_SAME);
    close_h(x->src, x->closed);
    x->stale = dup(x->src, e1, NX_RIGHTS_SAME);
    nx_handle_t r;
    ASSERT_ST(nx_sys_handle_replace(x->src, x->stale, NX_RIGHTS_SAME, &r), NX_OK);
    x->notransfer = dup(x->src, e2, EV_RIGHTS & ~NX_RIGHT_TRANSFER);
    audit_clear();
}

/* For each position k of an 8-handle batch and each kind of bad entry at
 * k: the transfer (and the detach) refuses, names that entry in one audit
 * record, and both tables are byte-identical to before. */
static void transfer_all_or_nothing(void **state)
{
    (void)state;
    xfer_setup_t x;
    xfer_setup(&x);
    for (size_t i = 0; i < COUNT(injections); i++) {
        for (uint32_t k = 0; k < BATCH; k++) {
            nx_handle_t batch[BATCH], out[BATCH];
            memcpy(batch, x.good, sizeof batch);
            switch (injections[i].kind) {
            case INJ_CLOSED:
                batch[k] = x.closed;
                break;
            case INJ_STALE:
                batch[k] = x.stale;
                break;
            case INJ_FORGED:
                batch[k] = hv((77u << NX_HANDLE_SLOT_BITS) | slot_of(x.good[k]));
                break;
            case INJ_NO_TRANSFER:
                batch[k] = x.notransfer;
                break;
            case INJ_DUPLICATE:
                if (k == 0u)
                    continue;                        /* nothing earlier to repeat */
                batch[k] = batch[(k * 5u + 3u) % k]; /* some earlier entry */
                break;
            }
            for (int detach = 0; detach < 2; detach++) {
                world_take(&world_before, x.src, x.dst, NULL, NULL);
                memset(out, 0xa5, sizeof out);
                nx_cap_t caps[BATCH];
                nx_status_t st = detach ? nx_cap_detach(x.src, batch, BATCH, caps)
                                        : nx_handle_transfer(x.src, batch, BATCH, x.dst, out);
                if (st != injections[i].status)
                    fail_msg("%s %s at %u: %s", detach ? "detach" : "transfer", injections[i].name,
                             k, nx_status_name(st));
                expect_audit(NX_AUDIT_OP_TRANSFER, injections[i].reason, x.src, batch[k]);
                world_assert_same(&world_before);
            }
        }
    }
    /* The destination's room is counted first: 7 free slots for 8 handles. */
    nx_handle_t filler = ev_new(x.dst);
    while (x.dst->handles.free_count > BATCH - 1u)
        dup(x.dst, filler, NX_RIGHTS_SAME);
    world_take(&world_before, x.src, x.dst, NULL, NULL);
    nx_handle_t out[BATCH];
    ASSERT_ST(nx_handle_transfer(x.src, x.good, BATCH, x.dst, out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_TABLE_FULL, x.src, NX_HANDLE_INVALID);
    world_assert_same(&world_before);

    /* Exactly 8 free: all move, keeping rights and objects. */
    close_h(x.dst, filler);
    uint32_t nodes = nx_cap_nodes_used(), src_count = nx_handle_table_count(&x.src->handles);
    ASSERT_ST(nx_handle_transfer(x.src, x.good, BATCH, x.dst, out), NX_OK);
    expect_no_audit();
    assert_int_equal(x.dst->handles.free_count, 0);
    assert_int_equal(nx_handle_table_count(&x.src->handles), src_count - BATCH);
    assert_int_equal(nx_cap_nodes_used(), nodes);
    for (uint32_t i = 0; i < BATCH; i++) {
        assert_int_equal(rights_of(x.dst, out[i]), x.rights[i]);
        assert_int_equal(koid_of(x.dst, out[i]), x.koids[i]);
        assert_refused(x.src, x.good[i], NX_AUDIT_HANDLE_CLOSED);
    }
    nx_test_task_free(x.src);
    nx_test_task_free(x.dst);
}

/* A transferred handle keeps its place in the derivation tree (revoking its
 * parent in the source reaches it), n = 0 moves nothing, and a task may
 * transfer to itself. */
static void transfer_keeps_derivation(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t root = ev_new(a), d = dup(a, root, NX_RIGHTS_SAME), out;
    ASSERT_ST(nx_handle_transfer(a, NULL, 0, b, NULL), NX_OK);
    ASSERT_ST(nx_handle_transfer(a, &d, 0, b, &out), NX_OK);
    assert_true(nx_test_handle_live(a, d));
    nx_handle_t in_b = xfer(a, d, b);
    nx_handle_t back = xfer(b, dup(b, in_b, NX_RIGHTS_SAME), a); /* grandchild, back in a */
    nx_handle_t self = xfer(a, back, a);
    assert_false(nx_test_handle_live(a, back));
    assert_true(nx_test_handle_live(a, self));
    expect_no_audit();
    assert_int_equal(revoke(a, root), 2);
    assert_false(nx_test_handle_live(b, in_b));
    assert_false(nx_test_handle_live(a, self));
    assert_int_equal(nx_cap_nodes_used(), 1);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* ========================================================================
 * Capabilities in flight
 * ======================================================================== */

/* Detach takes handles out (refused in the source afterwards), the caps
 * carry object and rights, and attach elsewhere gives new handles. */
static void detach_then_attach_elsewhere(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t ev = ev_new(a), d = dup(a, ev, NX_RIGHT_TRANSFER | NX_RIGHT_SIGNAL);
    nx_handle_t hs[2] = { ev, d }, out[2];
    nx_object_t *obj = obj_of(a, ev);
    uint32_t nodes = nx_cap_nodes_used();
    nx_cap_t caps[2];
    ASSERT_ST(nx_cap_detach(a, hs, 2, caps), NX_OK);
    assert_int_equal(nx_handle_table_count(&a->handles), 0);
    assert_refused(a, ev, NX_AUDIT_HANDLE_CLOSED);
    assert_refused(a, d, NX_AUDIT_HANDLE_CLOSED);
    assert_ptr_equal(caps[0].obj, obj);
    assert_ptr_equal(caps[1].obj, obj);
    assert_int_equal(caps[0].rights, EV_RIGHTS);
    assert_int_equal(caps[1].rights, NX_RIGHT_TRANSFER | NX_RIGHT_SIGNAL);
    assert_int_equal(nx_cap_nodes_used(), nodes); /* in flight, still capabilities */
    assert_int_equal(EVENTS_USED(), 1);
    ASSERT_ST(nx_cap_attach(b, caps, 2, out), NX_OK);
    expect_no_audit();
    assert_ptr_equal(obj_of(b, out[0]), obj);
    assert_int_equal(rights_of(b, out[0]), EV_RIGHTS);
    assert_int_equal(rights_of(b, out[1]), NX_RIGHT_TRANSFER | NX_RIGHT_SIGNAL);
    /* The tree came along: the root still revokes its duplicate. */
    assert_int_equal(revoke(b, out[0]), 1);
    assert_false(nx_test_handle_live(b, out[1]));
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* Revoked while in flight: counted by revoke, attached as
 * NX_HANDLE_INVALID in its position (released), the others attach. */
static void revoked_in_flight_attaches_invalid(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t root = ev_new(a), other = ev_new(a);
    nx_handle_t hs[3] = { dup(a, other, NX_RIGHTS_SAME), dup(a, root, NX_RIGHTS_SAME),
                          dup(a, other, NX_RIGHTS_SAME) };
    nx_handle_t grandchild = dup(a, hs[1], NX_RIGHTS_SAME); /* stays in a */
    nx_cap_t caps[3];
    ASSERT_ST(nx_cap_detach(a, hs, 3, caps), NX_OK);
    uint32_t nodes = nx_cap_nodes_used();
    assert_int_equal(revoke(a, root), 2); /* the cap in flight and its child */
    assert_false(nx_test_handle_live(a, grandchild));
    assert_int_equal(nx_cap_nodes_used(), nodes - 1u); /* the cap's node waits for its holder */
    /* b has room for exactly the two live caps. */
    nx_handle_t bf = ev_new(b);
    while (b->handles.free_count > 2u)
        dup(b, bf, NX_RIGHTS_SAME);
    nx_handle_t out[3];
    nodes = nx_cap_nodes_used();
    ASSERT_ST(nx_cap_attach(b, caps, 3, out), NX_OK);
    assert_true(nx_test_handle_live(b, out[0]));
    assert_int_equal(out[1].v, NX_HANDLE_INVALID.v);
    assert_true(nx_test_handle_live(b, out[2]));
    assert_int_equal(b->handles.free_count, 0);
    assert_int_equal(nx_cap_nodes_used(), nodes - 1u);        /* the revoked one is released */
    assert_int_equal(atomic_load(&obj_of(a, root)->refs), 1); /* only root's */
    expect_no_audit();
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* Dropping caps releases them: nodes, objects, references. A dropped cap's
 * children stay (their ancestor still revokes them). */
static void drop_releases(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new();
    nx_handle_t root = ev_new(a), lone = ev_new(a);
    nx_handle_t mid = dup(a, root, NX_RIGHTS_SAME);
    nx_handle_t k1 = dup(a, mid, NX_RIGHTS_SAME), k2 = dup(a, mid, NX_RIGHTS_SAME);
    nx_handle_t hs[2] = { mid, lone };
    nx_cap_t caps[2];
    ASSERT_ST(nx_cap_detach(a, hs, 2, caps), NX_OK);
    nx_cap_drop(caps, 2);
    assert_int_equal(EVENTS_USED(), 1);       /* lone's event is gone */
    assert_int_equal(nx_cap_nodes_used(), 4); /* root, mid as an interior node, k1, k2 */
    assert_true(nx_test_handle_live(a, k1) && nx_test_handle_live(a, k2));
    assert_int_equal(revoke(a, root), 2);
    assert_int_equal(nx_cap_nodes_used(), 1);
    /* Dropping a cap revoked in flight releases it too. */
    nx_handle_t d = dup(a, root, NX_RIGHTS_SAME);
    ASSERT_ST(nx_cap_detach(a, &d, 1, caps), NX_OK);
    assert_int_equal(revoke(a, root), 1);
    nx_cap_drop(caps, 1);
    assert_int_equal(nx_cap_nodes_used(), 1);
    assert_int_equal(atomic_load(&obj_of(a, root)->refs), 1);
    nx_test_task_free(a);
}

/* Attach into a full or dying task refuses (audited on that task) and the
 * caps stay with the caller, who can attach them elsewhere. */
static void attach_refused_keeps_caps(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *full = nx_test_task_new(), *dying = nx_test_task_new(),
              *c = nx_test_task_new();
    nx_handle_t ev = ev_new(a);
    nx_handle_t hs[2] = { dup(a, ev, NX_RIGHTS_SAME), dup(a, ev, NX_RIGHT_TRANSFER) }, out[2];
    nx_cap_t caps[2];
    ASSERT_ST(nx_cap_detach(a, hs, 2, caps), NX_OK);
    fill_table(full, ev_new(full));
    close_h(full, hv((1u << NX_HANDLE_SLOT_BITS) | 7u)); /* one free slot: not enough */
    nx_task_kill(dying);
    audit_clear();

    world_take(&world_before, a, full, dying, c);
    ASSERT_ST(nx_cap_attach(full, caps, 2, out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_TABLE_FULL, full, NX_HANDLE_INVALID);
    world_assert_same(&world_before);
    ASSERT_ST(nx_cap_attach(dying, caps, 2, out), NX_ERR_TASK_DEAD);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_TASK_DEAD, dying, NX_HANDLE_INVALID);
    world_assert_same(&world_before);
    ASSERT_ST(nx_cap_attach(c, NULL, 2, out), NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_BAD_ARGUMENT, c, NX_HANDLE_INVALID);
    ASSERT_ST(nx_cap_attach(c, caps, 2, NULL), NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_BAD_ARGUMENT, c, NX_HANDLE_INVALID);
    world_assert_same(&world_before);

    ASSERT_ST(nx_cap_attach(c, caps, 2, out), NX_OK);
    assert_int_equal(rights_of(c, out[0]), EV_RIGHTS);
    assert_int_equal(rights_of(c, out[1]), NX_RIGHT_TRANSFER);
    ASSERT_ST(nx_cap_attach(c, caps, 0, NULL), NX_OK); /* nothing to do */
    nx_test_task_free(a);
    nx_test_task_free(full);
    nx_test_task_free(dying);
    nx_test_task_free(c);
}

/* The audit reason for too many caps in one attach is batch-too-large, as
 * for transfer and detach (docs/abi/capabilities.md). */
static void attach_batch_too_large_reason(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t ev = ev_new(a);
    nx_handle_t hs[NX_MAX_TRANSFER_HANDLES], out[NX_MAX_TRANSFER_HANDLES + 1u];
    nx_cap_t caps[NX_MAX_TRANSFER_HANDLES + 1u];
    for (uint32_t i = 0; i < NX_MAX_TRANSFER_HANDLES; i++)
        hs[i] = dup(a, ev, NX_RIGHTS_SAME);
    ASSERT_ST(nx_cap_detach(a, hs, NX_MAX_TRANSFER_HANDLES, caps), NX_OK);
    ASSERT_ST(nx_cap_detach(a, &ev, 1, &caps[NX_MAX_TRANSFER_HANDLES]), NX_OK);
    world_take(&world_before, a, b, NULL, NULL);
    nx_status_t st = nx_cap_attach(b, caps, NX_MAX_TRANSFER_HANDLES + 1u, out);
    nx_audit_record_t r = { 0 };
    uint32_t n = nx_audit_read(&r, 1);
    /* Release before asserting: a failure must not leak caps in flight. */
    nx_cap_drop(caps, NX_MAX_TRANSFER_HANDLES + 1u);
    ASSERT_ST(st, NX_ERR_INVALID_ARGS);
    assert_int_equal(n, 1);
    assert_int_equal(r.op, NX_AUDIT_OP_TRANSFER);
    assert_int_equal(r.task.v, b->id.v);
    if (r.reason != NX_AUDIT_BATCH_TOO_LARGE)
        fail_msg("attach of %u caps audited as %s, expected batch-too-large",
                 NX_MAX_TRANSFER_HANDLES + 1u, nx_audit_reason_name((nx_audit_reason_t)r.reason));
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* ========================================================================
 * Revocation
 * ======================================================================== */

/*
 * One event E with a derivation tree over tasks A, B, C (arrows: derived
 * from; [x] closed):
 *
 *   r (A) ── a1 (A) ─┬─ b1 (B) ── b1a (A)
 *                    ├─ [z] ─┬─ c1 (C)          z closed with 3 children
 *                    │       ├─ c2 (A) ── c2a (B)
 *                    │       └─ c3 (A)
 *                    ├─ [o] ── d1 (A)            o closed with 1 child
 *                    └─ nm (A, no MANAGE) ── nm1 (A)
 *         └─ a2 (A) ── a2a (C)
 *   r2 (C, a second root for E) ── r2a (C)
 *   f (A, another event F) ── f1 (B)
 */
enum {
    N_R,
    N_A1,
    N_B1,
    N_B1A,
    N_C1,
    N_C2,
    N_C2A,
    N_C3,
    N_D1,
    N_NM,
    N_NM1,
    N_A2,
    N_A2A,
    N_R2,
    N_R2A,
    N_F,
    N_F1,
    N_COUNT
};

typedef struct tree {
    nx_task_t *a, *b, *c;
    nx_task_t *where[N_COUNT];
    nx_handle_t h[N_COUNT];
    nx_rights_t rights[N_COUNT];
} tree_t;

static void tree_build(tree_t *t)
{
    nx_task_t *A = t->a = nx_test_task_new(), *B = t->b = nx_test_task_new(),
              *C = t->c = nx_test_task_new();
    nx_handle_t *h = t->h;
    h[N_R] = ev_new(A);
    h[N_A1] = dup(A, h[N_R], NX_RIGHTS_SAME);
    h[N_B1] = xfer(A, dup(A, h[N_A1], NX_RIGHTS_SAME), B);
    h[N_B1A] = xfer(B, dup(B, h[N_B1], NX_RIGHTS_SAME), A);
    nx_handle_t z = dup(A, h[N_A1], NX_RIGHTS_SAME);
    h[N_C1] = xfer(A, dup(A, z, NX_RIGHTS_SAME), C);
    h[N_C2] = dup(A, z, NX_RIGHTS_SAME);
    h[N_C2A] = xfer(A, dup(A, h[N_C2], NX_RIGHTS_SAME), B);
    h[N_C3] = dup(A, z, NX_RIGHTS_SAME);
    close_h(A, z);
    nx_handle_t o = dup(A, h[N_A1], NX_RIGHTS_SAME);
    h[N_D1] = dup(A, o, NX_RIGHTS_SAME);
    close_h(A, o);
    h[N_NM] = dup(A, h[N_A1], EV_RIGHTS & ~NX_RIGHT_MANAGE);
    h[N_NM1] = dup(A, h[N_NM], NX_RIGHTS_SAME);
    h[N_A2] = dup(A, h[N_R], NX_RIGHTS_SAME);
    h[N_A2A] = xfer(A, dup(A, h[N_A2], NX_RIGHT_TRANSFER | NX_RIGHT_SIGNAL | NX_RIGHT_MANAGE), C);
    h[N_R2] = install(C, obj_of(A, h[N_R]), EV_RIGHTS);
    h[N_R2A] = dup(C, h[N_R2], NX_RIGHTS_SAME);
    h[N_F] = ev_new(A);
    h[N_F1] = xfer(A, dup(A, h[N_F], NX_RIGHTS_SAME), B);

    static const int in_b[] = { N_B1, N_C2A, N_F1 }, in_c[] = { N_C1, N_A2A, N_R2, N_R2A };
    for (int i = 0; i < N_COUNT; i++)
        t->where[i] = A;
    for (size_t i = 0; i < COUNT(in_b); i++)
        t->where[in_b[i]] = B;
    for (size_t i = 0; i < COUNT(in_c); i++)
        t->where[in_c[i]] = C;
    for (int i = 0; i < N_COUNT; i++)
        t->rights[i] = rights_of(t->where[i], h[i]);
    /* 17 capabilities and one interior node (z); o was spliced out. */
    assert_int_equal(nx_cap_nodes_used(), N_COUNT + 1);
    audit_clear();
}

static void tree_free(tree_t *t)
{
    nx_test_task_free(t->a);
    nx_test_task_free(t->b);
    nx_test_task_free(t->c);
}

#define BIT(n) (1u << (n))

typedef struct revoke_case {
    const char *name;
    int from;
    nx_status_t status;
    uint32_t gone;    /* BIT(N_*) of every handle it must remove */
    uint32_t zombies; /* interior nodes it frees too */
} revoke_case_t;

static const revoke_case_t revoke_cases[] = {
    { "revoke_root", N_R, NX_OK,
      BIT(N_A1) | BIT(N_B1) | BIT(N_B1A) | BIT(N_C1) | BIT(N_C2) | BIT(N_C2A) | BIT(N_C3) |
          BIT(N_D1) | BIT(N_NM) | BIT(N_NM1) | BIT(N_A2) | BIT(N_A2A),
      1 },
    { "revoke_interior", N_A1, NX_OK,
      BIT(N_B1) | BIT(N_B1A) | BIT(N_C1) | BIT(N_C2) | BIT(N_C2A) | BIT(N_C3) | BIT(N_D1) |
          BIT(N_NM) | BIT(N_NM1),
      1 },
    { "revoke_in_other_task", N_B1, NX_OK, BIT(N_B1A), 0 },
    { "revoke_under_zombie", N_C2, NX_OK, BIT(N_C2A), 0 },
    { "revoke_leaf_under_zombie", N_C1, NX_OK, 0, 0 },
    { "revoke_spliced_child", N_D1, NX_OK, 0, 0 },
    { "revoke_sibling_branch", N_A2, NX_OK, BIT(N_A2A), 0 },
    { "revoke_leaf_in_other_task", N_A2A, NX_OK, 0, 0 },
    { "revoke_second_root", N_R2, NX_OK, BIT(N_R2A), 0 },
    { "revoke_other_object", N_F, NX_OK, BIT(N_F1), 0 },
    { "revoke_needs_manage", N_NM, NX_ERR_ACCESS_DENIED, 0, 0 },
};

static uint32_t popcount(uint32_t x)
{
    uint32_t n = 0;
    for (; x != 0u; x &= x - 1u)
        n++;
    return n;
}

/* Revoking from a node removes exactly its derived handles, in every task,
 * through closed interior nodes, and nothing else: not the revoker, its
 * ancestors, siblings, another root of the same object, or other objects.
 * The count returned says how many went; a second revoke finds none. */
static void revoke_exactly_the_subtree(void **state)
{
    const revoke_case_t *c = *state;
    tree_t t;
    tree_build(&t);
    nx_task_t *who_ = t.where[c->from];
    uint32_t nodes = nx_cap_nodes_used();
    uint32_t count = UINT32_MAX;
    nx_status_t st = nx_sys_handle_revoke(who_, t.h[c->from], &count);
    if (st != c->status)
        fail_msg("%s: %s", c->name, nx_status_name(st));
    if (st == NX_OK) {
        expect_no_audit();
        assert_int_equal(count, popcount(c->gone));
        assert_int_equal(nx_cap_nodes_used(), nodes - popcount(c->gone) - c->zombies);
    } else {
        expect_audit(NX_AUDIT_OP_REVOKE, NX_AUDIT_MISSING_RIGHT, who_, t.h[c->from]);
        assert_int_equal(count, UINT32_MAX); /* not written on failure */
        assert_int_equal(nx_cap_nodes_used(), nodes);
    }
    for (int i = 0; i < N_COUNT; i++) {
        if (c->gone & BIT(i)) {
            assert_refused(t.where[i], t.h[i], NX_AUDIT_HANDLE_CLOSED);
        } else {
            if (!nx_test_handle_live(t.where[i], t.h[i]))
                fail_msg("%s: handle %d went but was not derived from %d", c->name, i, c->from);
            assert_int_equal(rights_of(t.where[i], t.h[i]), t.rights[i]);
        }
    }
    if (st == NX_OK)
        assert_int_equal(revoke(who_, t.h[c->from]), 0);
    /* Both objects live on through their remaining handles. */
    assert_int_equal(EVENTS_USED(), 2);
    tree_free(&t);
}

/* Revocation is iterative: a chain 1000 deep (alternating tasks) and a
 * fan of 255 both go in one call, and a revoke through a cap in flight
 * reaches the handles derived from it before it left. */
static void revoke_deep_and_wide(void **state)
{
    (void)state;
    nx_task_t *ts[4];
    for (int i = 0; i < 4; i++)
        ts[i] = nx_test_task_new();
    nx_handle_t root = ev_new(ts[0]), cur = root;
    nx_task_t *at = ts[0];
    for (uint32_t depth = 1; depth <= 1000u; depth++) {
        nx_handle_t d = dup(at, cur, NX_RIGHTS_SAME);
        nx_task_t *next = ts[depth % 4u];
        cur = next == at ? d : xfer(at, d, next);
        at = next;
    }
    assert_int_equal(nx_cap_nodes_used(), 1001);
    assert_int_equal(revoke(ts[0], root), 1000);
    assert_int_equal(nx_cap_nodes_used(), 1);
    for (int i = 1; i < 4; i++)
        assert_int_equal(nx_handle_table_count(&ts[i]->handles), 0);

    fill_table(ts[1], xfer(ts[0], dup(ts[0], root, NX_RIGHTS_SAME), ts[1]));
    assert_int_equal(revoke(ts[0], root), NX_MAX_HANDLES_PER_TASK);
    assert_int_equal(nx_handle_table_count(&ts[1]->handles), 0);

    /* Through flight: root -> m (detached) -> k (stays in ts[2]). */
    nx_handle_t m = dup(ts[0], root, NX_RIGHTS_SAME);
    nx_handle_t k = xfer(ts[0], dup(ts[0], m, NX_RIGHTS_SAME), ts[2]);
    nx_cap_t cap;
    ASSERT_ST(nx_cap_detach(ts[0], &m, 1, &cap), NX_OK);
    assert_int_equal(revoke(ts[0], root), 2);
    assert_false(nx_test_handle_live(ts[2], k));
    nx_handle_t out;
    ASSERT_ST(nx_cap_attach(ts[3], &cap, 1, &out), NX_OK);
    assert_int_equal(out.v, 0);
    assert_int_equal(nx_handle_table_count(&ts[3]->handles), 0);
    assert_int_equal(nx_cap_nodes_used(), 1);
    for (int i = 0; i < 4; i++)
        nx_test_task_free(ts[i]);
}

/* ========================================================================
 * Object and task lifetime
 * ======================================================================== */

/* The last handle destroys the object; a task made with a handle dies with
 * its last handle, taking its own handles with it. */
static void last_handle_destroys(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new();
    nx_handle_t ev = ev_new(t), d = dup(t, ev, NX_RIGHTS_SAME);
    close_h(t, ev);
    assert_int_equal(EVENTS_USED(), 1);
    close_h(t, d);
    assert_int_equal(EVENTS_USED(), 0);

    nx_handle_t tk;
    ASSERT_ST(nx_task_create_handle(t, &tk), NX_OK);
    assert_int_equal(TASKS_USED(), 2);
    nx_object_t *child_obj = NULL;
    ASSERT_ST(nx_cap_get(t, tk, NX_OBJ_TASK, NX_RIGHT_NONE, NX_AUDIT_OP_LOOKUP, &child_obj), NX_OK);
    nx_task_t *child = nx_test_task_of(child_obj);
    nx_handle_t cev = ev_new(child), cev2 = ev_new(child);
    (void)cev;
    (void)cev2;
    nx_object_unref(child_obj); /* only the handle keeps it now */
    assert_int_equal(EVENTS_USED(), 2);
    close_h(t, tk);
    assert_int_equal(TASKS_USED(), 1);
    assert_int_equal(EVENTS_USED(), 0);
    nx_test_task_free(t);
}

/* Tasks holding handles to each other (and to themselves) are freed by
 * killing them: kill closes every handle, breaking the cycle. */
static void task_cycles_freed_by_kill(void **state)
{
    (void)state;
    nx_task_t *root = nx_test_task_new();
    nx_handle_t ha, hb;
    ASSERT_ST(nx_task_create_handle(root, &ha), NX_OK);
    ASSERT_ST(nx_task_create_handle(root, &hb), NX_OK);
    nx_object_t *oa, *ob;
    ASSERT_ST(nx_cap_get(root, ha, NX_OBJ_TASK, 0, NX_AUDIT_OP_LOOKUP, &oa), NX_OK);
    ASSERT_ST(nx_cap_get(root, hb, NX_OBJ_TASK, 0, NX_AUDIT_OP_LOOKUP, &ob), NX_OK);
    nx_task_t *a = nx_test_task_of(oa), *b = nx_test_task_of(ob);
    xfer(root, dup(root, hb, NX_RIGHTS_SAME), a); /* a holds b */
    xfer(root, dup(root, ha, NX_RIGHTS_SAME), b); /* b holds a */
    xfer(root, dup(root, ha, NX_RIGHTS_SAME), a); /* a holds itself */
    ev_new(a);
    ev_new(b);
    close_h(root, ha);
    close_h(root, hb);
    assert_int_equal(TASKS_USED(), 3); /* the cycle (and our references) keep them */
    nx_task_kill(a);
    nx_task_kill(a); /* idempotent */
    assert_int_equal(nx_handle_table_count(&a->handles), 0);
    nx_task_kill(b);
    assert_int_equal(EVENTS_USED(), 0);
    nx_object_unref(oa);
    nx_object_unref(ob);
    assert_int_equal(TASKS_USED(), 1);
    nx_test_task_free(root);
}

/* A killed task refuses everything and cannot receive handles, but others'
 * handles to it still work until closed. */
static void killed_task_refuses_but_stays_named(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t hb = install(a, &b->obj, TK_RIGHTS), ev = ev_new(a);
    nx_handle_t bev = ev_new(b);
    nx_task_kill(b);
    assert_true(b->dying);
    assert_int_equal(EVENTS_USED(), 1); /* b's event went with its handle */
    nx_object_info_t info;
    audit_clear();
    ASSERT_ST(nx_handle_info(b, bev, &info), NX_ERR_TASK_DEAD);
    expect_audit(NX_AUDIT_OP_INFO, NX_AUDIT_TASK_DEAD, b, bev);
    ASSERT_ST(nx_handle_info(a, hb, &info), NX_OK);
    assert_int_equal(info.type, NX_OBJ_TASK);
    assert_int_equal(info.koid.v, b->obj.koid.v);
    nx_handle_t out;
    audit_clear();
    ASSERT_ST(nx_handle_transfer(a, &ev, 1, b, &out), NX_ERR_TASK_DEAD);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_TASK_DEAD, a, NX_HANDLE_INVALID);
    ASSERT_ST(nx_cap_install(b, obj_of(a, ev), EV_RIGHTS, &out), NX_ERR_TASK_DEAD);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_TASK_DEAD, b, NX_HANDLE_INVALID);
    assert_int_equal(nx_handle_table_count(&b->handles), 0);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* nx_handle_table_clear closes every handle and says how many; what was
 * derived from them in other tasks stays (and stays revocable from above). */
static void table_clear_closes_all(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t root = ev_new(b);
    nx_handle_t mid = xfer(b, dup(b, root, NX_RIGHTS_SAME), a);
    nx_handle_t k1 = xfer(a, dup(a, mid, NX_RIGHTS_SAME), b);
    nx_handle_t k2 = xfer(a, dup(a, mid, NX_RIGHTS_SAME), b);
    for (int i = 0; i < 7; i++)
        ev_new(a);
    dup(a, mid, NX_RIGHTS_SAME);
    assert_int_equal(nx_handle_table_count(&a->handles), 9);
    assert_int_equal(nx_handle_table_clear(a), 9);
    assert_int_equal(nx_handle_table_count(&a->handles), 0);
    assert_int_equal(nx_handle_table_clear(a), 0);
    assert_int_equal(EVENTS_USED(), 1);
    assert_true(nx_test_handle_live(b, k1) && nx_test_handle_live(b, k2));
    assert_int_equal(nx_cap_nodes_used(), 4); /* root, mid kept as interior, k1, k2 */
    assert_false(a->dying);                   /* clearing is not killing */
    ev_new(a);
    assert_int_equal(revoke(b, root), 2);
    assert_int_equal(nx_cap_nodes_used(), 2);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* A closed handle stays as an interior node only while it has two or more
 * children (so interior nodes are fewer than live capabilities): with one
 * child left it gives way to that child, which stays revocable from above. */
static void closed_interior_nodes_are_bounded(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    nx_handle_t root = ev_new(t), mid = dup(t, root, NX_RIGHTS_SAME);
    nx_handle_t k1 = dup(t, mid, NX_RIGHTS_SAME), k2 = dup(t, mid, NX_RIGHTS_SAME);
    nx_handle_t k3 = xfer(t, dup(t, mid, NX_RIGHTS_SAME), u);
    nx_handle_t g = dup(u, k3, NX_RIGHTS_SAME);
    assert_int_equal(nx_cap_nodes_used(), 6);
    close_h(t, mid);
    assert_int_equal(nx_cap_nodes_used(), 6); /* interior: three children */
    close_h(t, k1);
    assert_int_equal(nx_cap_nodes_used(), 5); /* still two */
    close_h(t, k2);
    assert_int_equal(nx_cap_nodes_used(), 3); /* one child left: mid is gone too */
    close_h(u, k3);
    assert_int_equal(nx_cap_nodes_used(), 2); /* k3 had one child: spliced, g moves up */
    assert_true(nx_test_handle_live(u, g));
    assert_int_equal(revoke(t, root), 1);
    assert_false(nx_test_handle_live(u, g));
    assert_int_equal(nx_cap_nodes_used(), 1);
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* ========================================================================
 * Bounds: at the cap and one past it
 * ======================================================================== */

/* NX_MAX_HANDLES_PER_TASK handles fit; every way of adding one more is
 * refused as table-full and changes nothing; a replace needs no new slot;
 * after one close exactly one more fits. */
static void bound_handles_per_task(void **state)
{
    (void)state;
    nx_task_t *t = nx_test_task_new(), *u = nx_test_task_new();
    nx_handle_t ev = ev_new(t);
    fill_table(t, ev);
    assert_int_equal(nx_handle_table_count(&t->handles), NX_MAX_HANDLES_PER_TASK);
    nx_handle_t uev = ev_new(u), out;
    audit_clear();
    world_take(&world_before, t, u, NULL, NULL);
    ASSERT_ST(nx_sys_handle_duplicate(t, ev, NX_RIGHTS_SAME, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_TABLE_FULL, t, ev);
    ASSERT_ST(nx_sys_event_create(t, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_TABLE_FULL, t, NX_HANDLE_INVALID);
    ASSERT_ST(nx_task_create_handle(t, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_TABLE_FULL, t, NX_HANDLE_INVALID);
    ASSERT_ST(nx_cap_install(t, obj_of(u, uev), EV_RIGHTS, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_TABLE_FULL, t, NX_HANDLE_INVALID);
    ASSERT_ST(nx_handle_transfer(u, &uev, 1, t, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_TABLE_FULL, u, NX_HANDLE_INVALID);
    world_assert_same(&world_before); /* the failed creations left no object behind */

    nx_cap_t cap;
    ASSERT_ST(nx_cap_detach(u, &uev, 1, &cap), NX_OK);
    world_take(&world_before, t, NULL, NULL, NULL);
    ASSERT_ST(nx_cap_attach(t, &cap, 1, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_TABLE_FULL, t, NX_HANDLE_INVALID);
    world_assert_same(&world_before);
    ASSERT_ST(nx_cap_attach(u, &cap, 1, &uev), NX_OK);

    nx_handle_t r;
    ASSERT_ST(nx_sys_handle_replace(t, ev, NX_RIGHTS_SAME, &r), NX_OK); /* in place */
    close_h(t, hv((1u << NX_HANDLE_SLOT_BITS) | 100u));
    ASSERT_ST(nx_handle_transfer(u, &uev, 1, t, &out), NX_OK); /* the 256th again */
    assert_int_equal(slot_of(out), 100);
    ASSERT_ST(nx_sys_handle_duplicate(t, r, NX_RIGHTS_SAME, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_TABLE_FULL, t, r);
    nx_test_task_free(t);
    nx_test_task_free(u);
}

/* NX_MAX_TASKS tasks live at once; one more is refused, by nx_task_create
 * and by nx_task_create_handle (pool-exhausted, caller unchanged). */
static void bound_tasks(void **state)
{
    (void)state;
    nx_task_t *ts[NX_MAX_TASKS];
    for (uint32_t i = 0; i < NX_MAX_TASKS; i++)
        ts[i] = nx_test_task_new();
    assert_int_equal(TASKS_USED(), NX_MAX_TASKS);
    nx_task_t *none = NULL;
    ASSERT_ST(nx_task_create(&none), NX_ERR_NO_RESOURCES);
    assert_null(none);
    nx_handle_t out;
    world_take(&world_before, ts[0], NULL, NULL, NULL);
    ASSERT_ST(nx_task_create_handle(ts[0], &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, ts[0], NX_HANDLE_INVALID);
    world_assert_same(&world_before);
    /* One gone: one fits again, made by a syscall, then the cap holds. */
    nx_test_task_free(ts[NX_MAX_TASKS - 1u]);
    ASSERT_ST(nx_task_create_handle(ts[0], &out), NX_OK);
    assert_int_equal(TASKS_USED(), NX_MAX_TASKS);
    ASSERT_ST(nx_task_create_handle(ts[1], &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, ts[1], NX_HANDLE_INVALID);
    for (uint32_t i = 0; i < NX_MAX_TASKS - 1u; i++)
        nx_test_task_free(ts[i]);
}

/* NX_MAX_EVENTS events live at once (four full tables); one more is refused
 * as pool-exhausted with the caller's table unchanged. */
static void bound_events(void **state)
{
    (void)state;
    const uint32_t tables = NX_MAX_EVENTS / NX_MAX_HANDLES_PER_TASK;
    nx_task_t *ts[NX_MAX_EVENTS / NX_MAX_HANDLES_PER_TASK + 1u];
    for (uint32_t i = 0; i <= tables; i++)
        ts[i] = nx_test_task_new();
    for (uint32_t i = 0; i < tables; i++)
        while (ts[i]->handles.free_count > 0u)
            ev_new(ts[i]);
    assert_int_equal(EVENTS_USED(), NX_MAX_EVENTS);
    nx_handle_t out;
    world_take(&world_before, ts[tables], NULL, NULL, NULL);
    ASSERT_ST(nx_sys_event_create(ts[tables], &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, ts[tables], NX_HANDLE_INVALID);
    world_assert_same(&world_before);
    close_h(ts[0], hv((1u << NX_HANDLE_SLOT_BITS) | 3u));
    assert_int_equal(EVENTS_USED(), NX_MAX_EVENTS - 1u);
    out = ev_new(ts[tables]);
    ASSERT_ST(nx_sys_event_create(ts[tables], &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, ts[tables], NX_HANDLE_INVALID);
    for (uint32_t i = 0; i <= tables; i++)
        nx_test_task_free(ts[i]);
    assert_int_equal(EVENTS_USED(), 0);
}

/* NX_MAX_CAP_NODES capabilities (32 full tables); every way of making one
 * more is refused as pool-exhausted, while moving and replacing need no
 * node. A closed handle with two children keeps its node; a closed leaf
 * frees one. */
static void bound_cap_nodes(void **state)
{
    (void)state;
    const uint32_t tables = NX_MAX_CAP_NODES / NX_MAX_HANDLES_PER_TASK;
    nx_task_t *ts[NX_MAX_CAP_NODES / NX_MAX_HANDLES_PER_TASK + 1u];
    nx_handle_t roots[NX_MAX_CAP_NODES / NX_MAX_HANDLES_PER_TASK];
    for (uint32_t i = 0; i <= tables; i++)
        ts[i] = nx_test_task_new();
    for (uint32_t i = 0; i < tables; i++) {
        roots[i] = ev_new(ts[i]);
        fill_table(ts[i], roots[i]);
    }
    assert_int_equal(nx_cap_nodes_used(), NX_MAX_CAP_NODES);
    nx_task_t *t = ts[0], *spare = ts[tables];
    /* Make room in t's table by moving a handle away: no node needed. */
    nx_handle_t moved = xfer(t, hv((1u << NX_HANDLE_SLOT_BITS) | 9u), spare);
    assert_int_equal(t->handles.free_count, 1);
    nx_handle_t out;
    audit_clear();
    world_take(&world_before, t, spare, NULL, NULL);
    ASSERT_ST(nx_sys_handle_duplicate(t, roots[0], NX_RIGHTS_SAME, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_POOL_EXHAUSTED, t, roots[0]);
    ASSERT_ST(nx_sys_event_create(t, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, t, NX_HANDLE_INVALID);
    ASSERT_ST(nx_task_create_handle(t, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, t, NX_HANDLE_INVALID);
    ASSERT_ST(nx_cap_install(t, obj_of(t, roots[0]), EV_RIGHTS, &out), NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_CREATE, NX_AUDIT_POOL_EXHAUSTED, t, NX_HANDLE_INVALID);
    world_assert_same(&world_before);
    ASSERT_ST(nx_sys_handle_replace(t, roots[0], NX_RIGHTS_SAME, &roots[0]), NX_OK);
    moved = xfer(spare, moved, t);

    /* Closing a root with 255 children keeps it as an interior node. */
    close_h(ts[1], roots[1]);
    assert_int_equal(nx_cap_nodes_used(), NX_MAX_CAP_NODES);
    ASSERT_ST(
        nx_sys_handle_duplicate(ts[1], hv((1u << NX_HANDLE_SLOT_BITS) | 5u), NX_RIGHTS_SAME, &out),
        NX_ERR_NO_RESOURCES);
    expect_audit(NX_AUDIT_OP_DUPLICATE, NX_AUDIT_POOL_EXHAUSTED, ts[1],
                 hv((1u << NX_HANDLE_SLOT_BITS) | 5u));
    /* Closing a leaf frees a node: exactly one more capability fits. */
    close_h(ts[2], hv((1u << NX_HANDLE_SLOT_BITS) | 200u));
    assert_int_equal(nx_cap_nodes_used(), NX_MAX_CAP_NODES - 1u);
    out = dup(ts[2], roots[2], NX_RIGHTS_SAME);
    assert_int_equal(nx_cap_nodes_used(), NX_MAX_CAP_NODES);
    for (uint32_t i = 0; i <= tables; i++)
        nx_test_task_free(ts[i]);
    assert_int_equal(nx_cap_nodes_used(), 0);
}

/* NX_MAX_TRANSFER_HANDLES in one transfer or detach is fine; one more is
 * refused as batch-too-large before any handle is looked at. */
static void bound_transfer_batch(void **state)
{
    (void)state;
    nx_task_t *a = nx_test_task_new(), *b = nx_test_task_new();
    nx_handle_t ev = ev_new(a);
    nx_handle_t hs[NX_MAX_TRANSFER_HANDLES + 1u], out[NX_MAX_TRANSFER_HANDLES + 1u];
    for (uint32_t i = 0; i <= NX_MAX_TRANSFER_HANDLES; i++)
        hs[i] = dup(a, ev, NX_RIGHTS_SAME);
    world_take(&world_before, a, b, NULL, NULL);
    ASSERT_ST(nx_handle_transfer(a, hs, NX_MAX_TRANSFER_HANDLES + 1u, b, out), NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_BATCH_TOO_LARGE, a, NX_HANDLE_INVALID);
    nx_cap_t caps[NX_MAX_TRANSFER_HANDLES + 1u];
    ASSERT_ST(nx_cap_detach(a, hs, NX_MAX_TRANSFER_HANDLES + 1u, caps), NX_ERR_INVALID_ARGS);
    expect_audit(NX_AUDIT_OP_TRANSFER, NX_AUDIT_BATCH_TOO_LARGE, a, NX_HANDLE_INVALID);
    world_assert_same(&world_before);

    ASSERT_ST(nx_handle_transfer(a, hs, NX_MAX_TRANSFER_HANDLES, b, out), NX_OK);
    assert_int_equal(nx_handle_table_count(&b->handles), NX_MAX_TRANSFER_HANDLES);
    ASSERT_ST(nx_cap_detach(b, out, NX_MAX_TRANSFER_HANDLES, caps), NX_OK);
    ASSERT_ST(nx_cap_attach(a, caps, NX_MAX_TRANSFER_HANDLES, out), NX_OK);
    assert_int_equal(nx_handle_table_count(&a->handles), NX_MAX_TRANSFER_HANDLES + 2u);
    expect_no_audit();
    assert_int_equal(revoke(a, ev), NX_MAX_TRANSFER_HANDLES + 1u);
    nx_test_task_free(a);
    nx_test_task_free(b);
}

/* ======================================================================== */

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, nx_test_core_setup, nx_test_core_teardown)

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        CORE_TEST(values_encode_slot_and_generation),
        CORE_TEST(closed_value_refused_everywhere),
        CORE_TEST(stale_after_slot_reuse),
        CORE_TEST(generation_wrap_retires_slot),
        CORE_TEST(values_are_per_task),
        CORE_TEST(duplicate_rights),
        CORE_TEST(replace_in_place),
        CORE_TEST(replace_keeps_tree_position),
        CORE_TEST(replace_at_last_generation),
        CORE_TEST(signal_clears_then_sets),
        CORE_TEST(cap_get_takes_a_reference),
        CORE_TEST(install_roots),
        CORE_TEST(transfer_all_or_nothing),
        CORE_TEST(transfer_keeps_derivation),
        CORE_TEST(detach_then_attach_elsewhere),
        CORE_TEST(revoked_in_flight_attaches_invalid),
        CORE_TEST(drop_releases),
        CORE_TEST(attach_refused_keeps_caps),
        CORE_TEST(attach_batch_too_large_reason),
        CORE_TEST(revoke_deep_and_wide),
        CORE_TEST(last_handle_destroys),
        CORE_TEST(task_cycles_freed_by_kill),
        CORE_TEST(killed_task_refuses_but_stays_named),
        CORE_TEST(table_clear_closes_all),
        CORE_TEST(closed_interior_nodes_are_bounded),
        CORE_TEST(bound_handles_per_task),
        CORE_TEST(bound_tasks),
        CORE_TEST(bound_events),
        CORE_TEST(bound_cap_nodes),
        CORE_TEST(bound_transfer_batch),
    };
    static struct CMUnitTest tests[COUNT(fixed) + COUNT(refusals) + COUNT(revoke_cases)];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(refusals); i++) {
        struct CMUnitTest c = { refusals[i].name, refusal_changes_nothing, nx_test_core_setup,
                                nx_test_core_teardown, (void *)&refusals[i] };
        tests[n++] = c;
    }
    for (size_t i = 0; i < COUNT(revoke_cases); i++) {
        struct CMUnitTest c = { revoke_cases[i].name, revoke_exactly_the_subtree,
                                nx_test_core_setup, nx_test_core_teardown,
                                (void *)&revoke_cases[i] };
        tests[n++] = c;
    }
    for (size_t i = 0; i < COUNT(fixed); i++)
        tests[n++] = fixed[i];
    return _cmocka_run_group_tests("test_cap", tests, n, NULL, NULL);
}
