/*
 * cap_internal.h - the pieces of core/cap shared by its files: slots of a
 * handle table, nodes of the derivation tree, the decode step, and deferred
 * object release (the reaper). Everything here expects the capability lock.
 *
 * The small operations every handle operation uses are inline here: a
 * duplicate plus a close is a few dozen of them, and calls between files
 * would cost more than the work (docs/abi/capabilities.md has the figures).
 */
#ifndef NX_CAP_INTERNAL_H
#define NX_CAP_INTERNAL_H

#include <stddef.h>

#include "nexus/audit.h"
#include "nx/cap.h"
#include "nx/pool.h"
#include "nx/task.h"

#define NX_SLOT_NONE 0xffffu
#define NX_NODE_NONE UINT32_MAX

/* --- slots (table.c has the rest) ------------------------------------------- */

/* A free slot's marker: generation 0 and the next slot's index, so no
 * handle value (generation >= 1, this slot's index) ever equals it. */
static inline uint32_t nx_slot_free_marker(uint32_t slot)
{
    return (slot + 1u) & NX_HANDLE_SLOT_MASK;
}

/* Take the oldest free slot (FIFO), or NX_SLOT_NONE. */
static inline uint32_t nx_slot_take(nx_handle_table_t *t)
{
    uint32_t s = t->free_head;
    if (s == NX_SLOT_NONE)
        return NX_SLOT_NONE;
    t->free_head = t->e[s].next_free;
    if (t->free_head == NX_SLOT_NONE)
        t->free_tail = NX_SLOT_NONE;
    t->e[s].next_free = NX_SLOT_NONE;
    t->free_count--;
    return s;
}

/* Take free slot `slot` out of the free list wherever it is (a walk of at
 * most NX_MAX_HANDLES_PER_TASK links), or false when it is not free. */
static inline bool nx_slot_take_at(nx_handle_table_t *t, uint32_t slot)
{
    uint32_t prev = NX_SLOT_NONE, s = t->free_head;
    for (uint32_t steps = 0; s != NX_SLOT_NONE && s != slot && steps < NX_MAX_HANDLES_PER_TASK;
         steps++) {
        prev = s;
        s = t->e[s].next_free;
    }
    if (s != slot)
        return false;
    uint32_t next = t->e[s].next_free;
    if (prev == NX_SLOT_NONE)
        t->free_head = (uint16_t)next;
    else
        t->e[prev].next_free = (uint16_t)next;
    if (t->free_tail == s)
        t->free_tail = (uint16_t)prev;
    t->e[s].next_free = NX_SLOT_NONE;
    t->free_count--;
    return true;
}

/* Fill a taken slot; returns the new handle value. */
static inline nx_handle_t nx_slot_fill(nx_handle_table_t *t, uint32_t slot, nx_object_t *obj,
                                       nx_rights_t rights, uint32_t node)
{
    nx_handle_entry_t *e = &t->e[slot];
    e->obj = obj;
    e->type = obj->type;
    e->rights = rights;
    e->node = node;
    e->value = (e->gen << NX_HANDLE_SLOT_BITS) | slot;
    nx_handle_t h = { e->value };
    return h;
}

/* A slot whose generation ran out: it is never reused (table.c). */
void nx_slot_retire(nx_handle_table_t *t, uint32_t slot);

/* Empty a slot: its value goes stale; it is queued again, or retired when
 * its generation ran out. Touches neither the object nor the node. */
static inline void nx_slot_release(nx_handle_table_t *t, uint32_t slot)
{
    nx_handle_entry_t *e = &t->e[slot];
    e->value = nx_slot_free_marker(slot);
    e->obj = NULL;
    e->type = NX_OBJ_NONE;
    e->rights = 0;
    e->node = NX_NODE_NONE;
    if (e->gen == NX_HANDLE_GEN_MAX) {
        nx_slot_retire(t, slot);
        return;
    }
    e->gen++;
    e->next_free = NX_SLOT_NONE;
    if (t->free_tail == NX_SLOT_NONE)
        t->free_head = (uint16_t)slot;
    else
        t->e[t->free_tail].next_free = (uint16_t)slot;
    t->free_tail = (uint16_t)slot;
    t->free_count++;
}

/* Why `h` failed to resolve in `t` (forged, closed or stale). */
nx_audit_reason_t nx_slot_classify(const nx_handle_table_t *t, nx_handle_t h);

/* --- the derivation tree (derive.c has the rest) ------------------------------- */

typedef enum nx_node_state {
    NX_NODE_FREE = 0,
    NX_NODE_HANDLE,    /* a live handle: task + slot */
    NX_NODE_IN_FLIGHT, /* a cap held by the kernel (a message) */
    NX_NODE_ZOMBIE,    /* closed handle kept for its >= 2 children */
    NX_NODE_REVOKED,   /* revoked while in flight: released by its holder */
    NX_NODE_DOOMED,    /* entered by the revoke in progress, no capability
                        * left: freed when the walk leaves it */
} nx_node_state_t;

typedef struct nx_cap_node {
    uint32_t parent;
    uint32_t first_child;
    uint32_t next; /* siblings: a doubly linked list from parent->first_child */
    uint32_t prev;
    uint32_t children;
    uint32_t state;  /* nx_node_state_t */
    uint32_t slot;   /* NX_NODE_HANDLE: the slot in task's table */
    uint32_t pinned; /* 1 on the root of the revoke in progress: releasing
                      * its capability leaves it in place until the end */
    nx_task_t *task;
} nx_cap_node_t;
_Static_assert(sizeof(nx_cap_node_t) <= 40u, "a node stays 40 bytes (docs/adr/0002)");

/* The node pool (derive.c): items are only touched under the capability
 * lock, so its free list is used without the pool's own lock. */
extern nx_cap_node_t nx_cap_nodes[NX_MAX_CAP_NODES];
extern nx_pool_t nx_cap_node_pool;

static inline nx_cap_node_t *nx_node_at(uint32_t index)
{
    return &nx_cap_nodes[index];
}

/* A new root node, or NX_NODE_NONE when the pool is full. */
static inline uint32_t nx_node_new_root(void)
{
    uint32_t i = nx_pool_take_unlocked(&nx_cap_node_pool);
    if (i == NX_POOL_END)
        return NX_NODE_NONE;
    nx_cap_node_t *n = nx_node_at(i);
    n->parent = n->first_child = n->next = n->prev = NX_NODE_NONE;
    n->children = 0;
    n->pinned = 0;
    n->state = NX_NODE_IN_FLIGHT; /* placed by the caller right away */
    n->task = NULL;
    return i;
}

static inline void nx_node_free(uint32_t index)
{
    nx_node_at(index)->state = NX_NODE_FREE;
    nx_pool_put_unlocked(&nx_cap_node_pool, index);
}

static inline void nx_node_link_child(uint32_t parent, uint32_t child)
{
    nx_cap_node_t *p = nx_node_at(parent), *c = nx_node_at(child);
    c->parent = parent;
    c->prev = NX_NODE_NONE;
    c->next = p->first_child;
    if (p->first_child != NX_NODE_NONE)
        nx_node_at(p->first_child)->prev = child;
    p->first_child = child;
    p->children++;
}

static inline void nx_node_unlink(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    if (n->parent == NX_NODE_NONE)
        return;
    nx_cap_node_t *p = nx_node_at(n->parent);
    if (n->prev != NX_NODE_NONE)
        nx_node_at(n->prev)->next = n->next;
    else
        p->first_child = n->next;
    if (n->next != NX_NODE_NONE)
        nx_node_at(n->next)->prev = n->prev;
    p->children--;
    n->parent = n->prev = n->next = NX_NODE_NONE;
}

/* A new child of `parent`, or NX_NODE_NONE. */
static inline uint32_t nx_node_new_child(uint32_t parent)
{
    uint32_t child = nx_node_new_root();
    if (child != NX_NODE_NONE)
        nx_node_link_child(parent, child);
    return child;
}

/* Record where a node's handle lives, or that it is in flight. */
static inline void nx_node_place(uint32_t index, nx_task_t *task, uint32_t slot)
{
    nx_cap_node_t *n = nx_node_at(index);
    n->state = NX_NODE_HANDLE;
    n->task = task;
    n->slot = slot;
}

static inline void nx_node_in_flight(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    n->state = NX_NODE_IN_FLIGHT;
    n->task = NULL;
}

static inline nx_node_state_t nx_node_state(uint32_t index)
{
    return (nx_node_state_t)nx_node_at(index)->state;
}

/* The capability of a node with children, or of the pinned root of the
 * revoke in progress, is gone (derive.c). */
void nx_node_release_interior(uint32_t index);

/* A parent lost its child `index` was: keep a zombie's invariant (derive.c). */
void nx_node_zombie_lost_child(uint32_t parent);

/*
 * The capability of `node` is gone (closed, dropped): free it, or keep it
 * as an interior node while it has >= 2 children (splice it out at 1). The
 * common case, a leaf, is inline.
 */
static inline void nx_node_release(uint32_t index)
{
    nx_cap_node_t *n = nx_node_at(index);
    if ((n->children | n->pinned) != 0u) {
        nx_node_release_interior(index);
        return;
    }
    uint32_t parent = n->parent;
    nx_node_unlink(index);
    nx_node_free(index);
    if (parent != NX_NODE_NONE && nx_node_at(parent)->state == NX_NODE_ZOMBIE)
        nx_node_zombie_lost_child(parent);
}

/* The holder of a cap revoked in flight lets go of its node: freed when
 * the revoke's walk has left it, else left for the walk to free. */
void nx_node_release_revoked(uint32_t node);

/* --- revocation in bounded steps (derive.c, docs/adr/0002-revocation.md) --- */

/* Units of walk work (entering a node, or leaving it) one hold of the
 * capability lock does at most in a revoke; each unit is O(1), so this
 * bounds the longest hold whatever the subtree's size or shape. */
#define NX_REVOKE_STEP 64u

/* Holds one revoke takes at most: each node below the root is entered once
 * and left once (nothing is derived while a revoke runs), and one last
 * look at the root. More means a broken invariant (panic). */
#define NX_REVOKE_MAX_HOLDS ((2u * NX_MAX_CAP_NODES + NX_REVOKE_STEP - 1u) / NX_REVOKE_STEP + 1u)

typedef struct nx_reaper nx_reaper_t;

/* A revoke's continuation, kept by the revoker between holds. */
typedef struct nx_revoke {
    uint32_t root;  /* pinned until the revoke ends */
    uint32_t at;    /* the walk: the root, or the deepest node entered and
                     * not yet left (DOOMED or REVOKED, so nobody frees it) */
    uint32_t count; /* capabilities removed so far */
    uint32_t holds; /* lock holds so far, at most NX_REVOKE_MAX_HOLDS */
} nx_revoke_t;

/* Start revoking everything derived from `node` (not node itself). No
 * revoke may be in progress (nx_cap_wait_revoke_locked()). */
void nx_node_revoke_begin(nx_revoke_t *rv, uint32_t node);

/*
 * One hold's worth: at most NX_REVOKE_STEP units. Handles go from their
 * tables and caps in flight are marked revoked as the walk enters their
 * nodes. Returns true when nothing derived is left: the revoke has ended
 * (root unpinned, and released if its capability went meanwhile).
 */
bool nx_node_revoke_step(nx_revoke_t *rv, nx_reaper_t *r);

/* The root of the revoke in progress, or NX_NODE_NONE (derive.c). */
extern _Atomic uint32_t nx_cap_revoking;

void nx_cap_wait_revoke_slow(void);

/* Until no revoke is in progress, with the lock released meanwhile; returns
 * with it held. For operations that derive (a derivation under a subtree
 * being revoked would make the walk unbounded) and for revoke itself. The
 * caller holds the capability lock and no other; object hooks, which run
 * between a revoke's holds, never derive (the revoking hart would wait for
 * itself: a panic says so). */
static inline void nx_cap_wait_revoke_locked(void)
{
    if (atomic_load_explicit(&nx_cap_revoking, memory_order_relaxed) != NX_NODE_NONE)
        nx_cap_wait_revoke_slow();
}

/* --- reaper: releasing objects after the lock ----------------------------- */

/* Objects whose last capability an operation removed: on_last_cap and the
 * final reference drop run in nx_reaper_run(), after the lock is released. */
struct nx_reaper {
    nx_object_t *head;
};

#define NX_REAPER_INIT                                                                             \
    {                                                                                              \
        NULL                                                                                       \
    }

/* Panic: an object lost more capabilities than it had (derive.c). */
_Noreturn void nx_cap_count_broken(const nx_object_t *obj);

/* One capability to obj is gone. */
static inline void nx_cap_put_locked(nx_reaper_t *r, nx_object_t *obj)
{
    if (obj->caps == 0u)
        nx_cap_count_broken(obj);
    if (--obj->caps == 0u) {
        /* The last one: its hook runs, then its reference goes, after the
         * lock. That happens once per object: one link field suffices. */
        obj->reap_next = r->head;
        r->head = obj;
        return;
    }
    /* Other capabilities still hold references: this cannot be the last. */
    if (atomic_fetch_sub_explicit(&obj->refs, 1u, memory_order_acq_rel) <= 1u)
        nx_cap_count_broken(obj);
}

/* Run the deferred hooks (derive.c); call without the lock. */
void nx_reaper_drain(nx_reaper_t *r);

static inline void nx_reaper_run(nx_reaper_t *r)
{
    if (r->head != NULL)
        nx_reaper_drain(r);
}

/* Remove handle `slot` of `task` with its capability (node untouched). */
static inline void nx_cap_remove_handle_locked(nx_task_t *task, uint32_t slot, nx_reaper_t *r)
{
    nx_object_t *obj = task->handles.e[slot].obj;
    nx_slot_release(&task->handles, slot);
    nx_cap_put_locked(r, obj);
}

/* --- the decode step (ops.c has the refusal path) --------------------------- */

/* Audit a refusal of `op` by `task`; returns `st`. */
nx_status_t nx_cap_refuse(nx_task_t *task, nx_audit_op_t op, nx_handle_t h,
                          nx_audit_reason_t reason, nx_status_t st);

/* Audit why `h` was refused with `st` (or the task is dying); returns the status. */
nx_status_t nx_cap_decode_refused(nx_task_t *task, nx_handle_t h, nx_status_t st, nx_audit_op_t op);

/* The decode step every operation starts with: `task` is alive and `h`
 * passes nx_handle_lookup_locked() for `type` and `need`. Audits a refusal. */
static inline nx_status_t nx_cap_decode_locked(nx_task_t *task, nx_handle_t h, uint32_t type,
                                               nx_rights_t need, nx_audit_op_t op,
                                               const nx_handle_entry_t **out)
{
    if (nx_task_dying(task))
        return nx_cap_decode_refused(task, h, NX_ERR_TASK_DEAD, op);
    nx_status_t st = nx_handle_lookup_locked(&task->handles, h, type, need, out);
    if (st != NX_OK)
        return nx_cap_decode_refused(task, h, st, op);
    return NX_OK;
}

#endif /* NX_CAP_INTERNAL_H */
