/*
 * ops.c - the syscall-shaped operations on single handles: get, install,
 * duplicate, replace, close, info, revoke.
 *
 * Each operation decodes first (validates every argument, changing
 * nothing) and only then invokes (changes tables and the tree), all under
 * the capability lock; an error therefore never leaves a half change. A
 * refusal appends one audit record. Object hooks run after the lock.
 */
#include "cap_internal.h"
#include "nx/audit.h"
#include "nx/panic.h"
#include "nx/port.h"

nx_status_t nx_cap_refuse(nx_task_t *task, nx_audit_op_t op, nx_handle_t h,
                          nx_audit_reason_t reason, nx_status_t st)
{
    nx_audit(task->id, op, h, reason);
    return st;
}

nx_status_t nx_cap_decode_refused(nx_task_t *task, nx_handle_t h, nx_status_t st, nx_audit_op_t op)
{
    if (st == NX_ERR_TASK_DEAD)
        return nx_cap_refuse(task, op, h, NX_AUDIT_TASK_DEAD, st);
    if (st == NX_ERR_BAD_HANDLE)
        return nx_cap_refuse(task, op, h, nx_slot_classify(&task->handles, h), st);
    if (st == NX_ERR_WRONG_TYPE)
        return nx_cap_refuse(task, op, h, NX_AUDIT_WRONG_TYPE, st);
    return nx_cap_refuse(task, op, h, NX_AUDIT_MISSING_RIGHT, st);
}

/*
 * Rights for a handle derived from one with `have`: `want` itself when it
 * is a subset of `have`, or `have` for NX_RIGHTS_SAME. Rights never grow.
 */
static nx_status_t derive_rights(nx_rights_t have, nx_rights_t want, nx_rights_t *out,
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

/* What an operation that makes a handle from another asks for. */
typedef struct derive_request {
    nx_handle_t h;          /* the source handle */
    nx_rights_t need;       /* rights it must carry */
    nx_audit_op_t op;       /* audited as */
    nx_rights_t want;       /* the new handle's rights, or NX_RIGHTS_SAME */
    const nx_handle_t *out; /* where the new handle goes */
} derive_request_t;

/* What its decode step found: the source entry, the new rights, and the
 * reason of a refusal not yet audited (NX_AUDIT_OK: none, or audited). */
typedef struct derived {
    const nx_handle_entry_t *e;
    nx_rights_t rights;
    nx_audit_reason_t why;
} derived_t;

/*
 * Decode step of the operations that make a handle from another
 * (duplicate, replace): rq->h passes the lookup with rq->need, rq->out is
 * usable and rq->want derives from h's rights. Capability lock held.
 * Inlined: out of line it cost a duplicate 34 more instructions.
 */
__attribute__((always_inline)) static inline nx_status_t
decode_derived(nx_task_t *caller, const derive_request_t *rq, derived_t *d)
{
    nx_status_t st = nx_cap_decode_locked(caller, rq->h, NX_OBJ_NONE, rq->need, rq->op, &d->e);
    if (st != NX_OK)
        return st;
    if (rq->out == NULL) {
        d->why = NX_AUDIT_BAD_ARGUMENT;
        return NX_ERR_INVALID_ARGS;
    }
    return derive_rights(d->e->rights, rq->want, &d->rights, &d->why);
}

static uint32_t slot_of(nx_handle_t h)
{
    return h.v & NX_HANDLE_SLOT_MASK;
}

/* The lookup every syscall on a handle starts with; inlined into both entry
 * points so the common one (no rights wanted) is a single call. */
static inline nx_status_t cap_get(nx_task_t *task, nx_handle_t h, uint32_t type, nx_rights_t need,
                                  uint32_t op, nx_object_t **out, nx_rights_t *rights)
{
    const nx_handle_entry_t *e = NULL;
    nx_cap_lock();
    nx_status_t st = nx_cap_decode_locked(task, h, type, need, (nx_audit_op_t)op, &e);
    if (st == NX_OK) {
        nx_object_ref(e->obj);
        *out = e->obj;
        if (rights != NULL)
            *rights = e->rights;
    }
    nx_cap_unlock();
    return st;
}

nx_status_t nx_cap_get_rights(nx_task_t *task, nx_handle_t h, uint32_t type, nx_rights_t need,
                              uint32_t op, nx_object_t **out, nx_rights_t *rights)
{
    return cap_get(task, h, type, need, op, out, rights);
}

/* Contention, a refusal to audit: the whole lookup again, out of line. */
static __attribute__((noinline)) nx_status_t cap_get_slow(nx_task_t *task, nx_handle_t h,
                                                          uint32_t type, nx_rights_t need,
                                                          uint32_t op, nx_object_t **out)
{
    return cap_get(task, h, type, need, op, out, NULL);
}

nx_status_t nx_cap_get(nx_task_t *task, nx_handle_t h, uint32_t type, nx_rights_t need, uint32_t op,
                       nx_object_t **out)
{
    /* The hot path (every syscall on a handle): an uncontended lock and a
     * live handle with the rights. It calls nothing that returns, so it
     * saves no registers; anything else goes to cap_get_slow, whose fresh
     * lookup is the one that counts (and audits). */
    if (nx_spin_trylock(&nx_cap_lock_word)) {
        const nx_handle_entry_t *e = NULL;
        if (!nx_task_dying(task) &&
            nx_handle_lookup_locked(&task->handles, h, type, need, &e) == NX_OK) {
            nx_object_ref(e->obj);
            *out = e->obj;
            nx_cap_unlock();
            return NX_OK;
        }
        nx_cap_unlock();
    }
    return cap_get_slow(task, h, type, need, op, out);
}

/* nx_cap_install, at the oldest free slot (NX_SLOT_NONE) or at `at`. */
static nx_status_t install(nx_task_t *task, nx_object_t *obj, nx_rights_t rights, uint32_t at,
                           nx_handle_t *out)
{
    nx_status_t st = NX_OK;
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_cap_lock();
    uint32_t slot = NX_SLOT_NONE, node = NX_NODE_NONE;
    if (out == NULL || (at != NX_SLOT_NONE && at >= NX_MAX_HANDLES_PER_TASK)) {
        why = NX_AUDIT_BAD_ARGUMENT;
        st = NX_ERR_INVALID_ARGS;
    } else if ((rights & ~NX_RIGHTS_ALL) != 0u) {
        why = NX_AUDIT_UNKNOWN_RIGHTS;
        st = NX_ERR_INVALID_ARGS;
    } else if (nx_task_dying(task)) {
        why = NX_AUDIT_TASK_DEAD;
        st = NX_ERR_TASK_DEAD;
    } else if (task->handles.free_count == 0u) {
        why = NX_AUDIT_TABLE_FULL;
        st = NX_ERR_NO_RESOURCES;
    } else if (at != NX_SLOT_NONE &&
               (task->handles.e[at].obj != NULL || task->handles.e[at].retired != 0u)) {
        why = NX_AUDIT_BAD_ARGUMENT;
        st = NX_ERR_ALREADY_EXISTS;
    } else if ((node = nx_node_new_root()) == NX_NODE_NONE) {
        why = NX_AUDIT_POOL_EXHAUSTED;
        st = NX_ERR_NO_RESOURCES;
    }
    if (st == NX_OK) {
        if (at == NX_SLOT_NONE)
            slot = nx_slot_take(&task->handles);
        else if (nx_slot_take_at(&task->handles, at))
            slot = at;
        else
            nx_panic("cap: free slot %u is not on the free list", at);
        nx_object_ref(obj); /* the capability's reference */
        obj->caps++;
        *out = nx_slot_fill(&task->handles, slot, obj, rights, node);
        nx_node_place(node, task, slot);
    }
    nx_cap_unlock();
    if (st != NX_OK)
        nx_audit(task->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, why);
    return st;
}

nx_status_t nx_cap_install(nx_task_t *task, nx_object_t *obj, nx_rights_t rights, nx_handle_t *out)
{
    return install(task, obj, rights, NX_SLOT_NONE, out);
}

nx_status_t nx_cap_install_at(nx_task_t *task, nx_object_t *obj, nx_rights_t rights, uint32_t slot,
                              nx_handle_t *out)
{
    return install(task, obj, rights, slot == NX_SLOT_NONE ? NX_MAX_HANDLES_PER_TASK : slot, out);
}

nx_status_t nx_sys_handle_duplicate(nx_task_t *caller, nx_handle_t h, nx_rights_t rights,
                                    nx_handle_t *out)
{
    const derive_request_t rq = { h, NX_RIGHT_DUPLICATE, NX_AUDIT_OP_DUPLICATE, rights, out };
    derived_t d = { NULL, 0, NX_AUDIT_OK };
    nx_cap_lock();
    nx_cap_wait_revoke_locked(); /* no derivation under a revoke's walk */
    nx_status_t st = decode_derived(caller, &rq, &d);
    if (st == NX_OK && caller->handles.free_count == 0u) {
        d.why = NX_AUDIT_TABLE_FULL;
        st = NX_ERR_NO_RESOURCES;
    }
    uint32_t node = NX_NODE_NONE;
    if (st == NX_OK && (node = nx_node_new_child(d.e->node)) == NX_NODE_NONE) {
        d.why = NX_AUDIT_POOL_EXHAUSTED;
        st = NX_ERR_NO_RESOURCES;
    }
    if (st == NX_OK) {
        nx_object_t *obj = d.e->obj;
        uint32_t slot = nx_slot_take(&caller->handles);
        nx_object_ref(obj);
        obj->caps++;
        *out = nx_slot_fill(&caller->handles, slot, obj, d.rights, node);
        nx_node_place(node, caller, slot);
    } else if (d.why != NX_AUDIT_OK) {
        nx_audit(caller->id, rq.op, h, d.why);
    }
    nx_cap_unlock();
    return st;
}

nx_status_t nx_sys_handle_replace(nx_task_t *caller, nx_handle_t h, nx_rights_t rights,
                                  nx_handle_t *out)
{
    const derive_request_t rq = { h, NX_RIGHT_NONE, NX_AUDIT_OP_REPLACE, rights, out };
    derived_t d = { NULL, 0, NX_AUDIT_OK };
    nx_cap_lock();
    nx_status_t st = decode_derived(caller, &rq, &d);
    /* A slot at its last generation cannot be bumped in place: the new
     * handle then needs another slot. */
    bool in_place = st == NX_OK && d.e->gen < NX_HANDLE_GEN_MAX;
    if (st == NX_OK && !in_place && caller->handles.free_count == 0u) {
        d.why = NX_AUDIT_TABLE_FULL;
        st = NX_ERR_NO_RESOURCES;
    }
    if (st == NX_OK) {
        nx_handle_table_t *t = &caller->handles;
        uint32_t old_slot = slot_of(h);
        nx_object_t *obj = d.e->obj;
        uint32_t node = d.e->node;
        if (in_place) {
            nx_handle_entry_t *w = &t->e[old_slot];
            w->gen++;
            w->rights = d.rights;
            w->value = (w->gen << NX_HANDLE_SLOT_BITS) | old_slot;
            out->v = w->value;
        } else {
            uint32_t slot = nx_slot_take(t);
            *out = nx_slot_fill(t, slot, obj, d.rights, node);
            nx_slot_release(t, old_slot);
            nx_node_place(node, caller, slot);
        }
    } else if (d.why != NX_AUDIT_OK) {
        nx_audit(caller->id, rq.op, h, d.why);
    }
    nx_cap_unlock();
    return st;
}

nx_status_t nx_sys_handle_close(nx_task_t *caller, nx_handle_t h)
{
    const nx_handle_entry_t *e = NULL;
    nx_reaper_t reaper = NX_REAPER_INIT;
    nx_cap_lock();
    nx_status_t st =
        nx_cap_decode_locked(caller, h, NX_OBJ_NONE, NX_RIGHT_NONE, NX_AUDIT_OP_CLOSE, &e);
    if (st == NX_OK) {
        uint32_t node = e->node;
        nx_cap_remove_handle_locked(caller, slot_of(h), &reaper);
        nx_node_release(node);
    }
    nx_cap_unlock();
    nx_reaper_run(&reaper);
    return st;
}

nx_status_t nx_handle_info(nx_task_t *caller, nx_handle_t h, nx_object_info_t *out)
{
    const nx_handle_entry_t *e = NULL;
    nx_cap_lock();
    nx_status_t st =
        nx_cap_decode_locked(caller, h, NX_OBJ_NONE, NX_RIGHT_NONE, NX_AUDIT_OP_INFO, &e);
    if (st == NX_OK && out == NULL)
        st = nx_cap_refuse(caller, NX_AUDIT_OP_INFO, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if (st == NX_OK) {
        out->koid = e->obj->koid;
        out->type = e->type;
        out->rights = e->rights;
    }
    nx_cap_unlock();
    return st;
}

/*
 * Revoke in bounded steps: the lock is released between them, so other
 * harts' handle operations wait at most one step, and this hart takes its
 * pending interrupts there (seL4's preemption point). The result is what
 * one walk under one hold gave: after the call nothing derived from h is
 * left anywhere, and *revoked says how many capabilities went.
 */
nx_status_t nx_sys_handle_revoke(nx_task_t *caller, nx_handle_t h, uint32_t *revoked)
{
    const nx_handle_entry_t *e = NULL;
    nx_reaper_t reaper = NX_REAPER_INIT;
    nx_revoke_t rv;
    nx_cap_lock();
    nx_cap_wait_revoke_locked(); /* one revoke at a time */
    nx_status_t st =
        nx_cap_decode_locked(caller, h, NX_OBJ_NONE, NX_RIGHT_MANAGE, NX_AUDIT_OP_REVOKE, &e);
    if (st != NX_OK) {
        nx_cap_unlock();
        return st;
    }
    nx_node_revoke_begin(&rv, e->node);
    while (!nx_node_revoke_step(&rv, &reaper)) {
        nx_cap_unlock();
        nx_reaper_run(&reaper);
        nx_port_interrupts_poll();
        nx_cap_lock();
    }
    nx_cap_unlock();
    nx_reaper_run(&reaper);
    if (revoked != NULL)
        *revoked = rv.count;
    return NX_OK;
}

uint32_t nx_handle_table_clear(nx_task_t *task)
{
    nx_reaper_t reaper = NX_REAPER_INIT;
    uint32_t closed = 0;
    nx_cap_lock();
    for (uint32_t s = 0; s < NX_MAX_HANDLES_PER_TASK; s++) {
        nx_handle_entry_t *e = &task->handles.e[s];
        if (e->obj == NULL)
            continue;
        uint32_t node = e->node;
        nx_cap_remove_handle_locked(task, s, &reaper);
        nx_node_release(node);
        closed++;
    }
    nx_cap_unlock();
    nx_reaper_run(&reaper);
    return closed;
}

nx_status_t nx_cap_room(nx_task_t *task, uint32_t n)
{
    nx_cap_lock();
    bool room = task->handles.free_count >= n && nx_cap_nodes_used() + n <= NX_MAX_CAP_NODES;
    nx_cap_unlock();
    return room ? NX_OK : NX_ERR_NO_RESOURCES;
}
