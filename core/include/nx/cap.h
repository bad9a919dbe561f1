/*
 * nx/cap.h - capabilities: handle tables, rights checks, and the
 * syscall-shaped operations on handles.
 *
 * A task names an object through a handle in its own table. A handle value
 * is `generation << NX_HANDLE_SLOT_BITS | slot`; the generation starts at 1
 * and grows each time the slot is reused, so 0 is never a handle and a
 * closed, stale or forged value never resolves to another object. A slot
 * whose generation reaches NX_HANDLE_GEN_MAX is retired instead of wrapping.
 * Free slots are reused first-in first-out, which spreads reuse over the
 * whole table.
 *
 * Every capability (handle, or cap in flight inside a message) has a node
 * in the derivation tree: a duplicate is a child of its source; a transfer
 * moves the node; a closed handle with children stays as an interior node.
 * Revoking a handle with NX_RIGHT_MANAGE removes everything derived from it
 * (docs/adr/0002-revocation.md).
 *
 * Locking: one capability lock guards every handle table, the derivation
 * tree and objects' capability counts. It is taken by the operations below;
 * functions ending in _locked expect the caller to hold it. Object hooks
 * (on_last_cap, destroy) run after it is released.
 *
 * Every refused operation appends an audit record (nx/audit.h).
 */
#ifndef NX_CAP_H
#define NX_CAP_H

#include <stdbool.h>
#include <stdint.h>

#include "nexus/limits.h"
#include "nexus/object.h"
#include "nexus/rights.h"
#include "nexus/status.h"
#include "nexus/types.h"
#include "nx/object.h"
#include "nx/spinlock.h"

#define NX_HANDLE_SLOT_BITS 8u
#define NX_HANDLE_SLOT_MASK (NX_MAX_HANDLES_PER_TASK - 1u)
#define NX_HANDLE_GEN_MAX   ((1u << (32u - NX_HANDLE_SLOT_BITS)) - 1u)
_Static_assert((1u << NX_HANDLE_SLOT_BITS) == NX_MAX_HANDLES_PER_TASK,
               "the slot must be exactly the handle's low bits");

typedef struct nx_task nx_task_t;

typedef struct nx_handle_entry {
    /* Live: the handle's value. Free: a marker whose slot bits are not this
     * slot's, so no handle value can ever equal it. */
    uint32_t value;
    uint32_t type; /* the object's type, kept here for the lookup fast path */
    nx_rights_t rights;
    uint32_t gen;  /* live: the value's generation; free: the next one */
    uint32_t node; /* derivation node */
    uint16_t next_free;
    uint16_t retired; /* the generation ran out: never reused */
    nx_object_t *obj; /* NULL when free */
} nx_handle_entry_t;

typedef struct nx_handle_table {
    nx_handle_entry_t e[NX_MAX_HANDLES_PER_TASK];
    uint16_t free_head;
    uint16_t free_tail;
    uint32_t free_count;
    uint32_t retired;
} nx_handle_table_t;

/* A capability the kernel holds outside any table (in a message). */
typedef struct nx_cap {
    nx_object_t *obj;
    nx_rights_t rights;
    uint32_t node;
} nx_cap_t;

/* The capability lock (see above); inline: every handle operation takes it. */
extern nx_spinlock_t nx_cap_lock_word;

static inline void nx_cap_lock(void)
{
    nx_spin_lock(&nx_cap_lock_word);
}

static inline void nx_cap_unlock(void)
{
    nx_spin_unlock(&nx_cap_lock_word);
}

/*
 * The one check of a handle: it names a live entry of `table`, the object
 * has `type` (NX_OBJ_NONE: any type) and the handle has every right in
 * `need`. Caller holds the capability lock. Returns NX_OK with *out set,
 * NX_ERR_BAD_HANDLE, NX_ERR_WRONG_TYPE or NX_ERR_ACCESS_DENIED.
 */
static inline nx_status_t nx_handle_lookup_locked(const nx_handle_table_t *table, nx_handle_t h,
                                                  uint32_t type, nx_rights_t need,
                                                  const nx_handle_entry_t **out)
{
    const nx_handle_entry_t *e = &table->e[h.v & NX_HANDLE_SLOT_MASK];
    if (e->value != h.v)
        return NX_ERR_BAD_HANDLE;
    if (type != NX_OBJ_NONE && e->type != type)
        return NX_ERR_WRONG_TYPE;
    if ((e->rights & need) != need)
        return NX_ERR_ACCESS_DENIED;
    *out = e;
    return NX_OK;
}

/*
 * Look a handle up in `task`'s table (nx_handle_lookup_locked under the
 * lock) and take a kernel reference on its object for the caller, who drops
 * it with nx_object_unref(). A refusal is audited as operation `op`.
 * Returns what nx_handle_lookup_locked returns, or NX_ERR_TASK_DEAD when the
 * task is dying.
 */
nx_status_t nx_cap_get(nx_task_t *task, nx_handle_t h, uint32_t type, nx_rights_t need, uint32_t op,
                       nx_object_t **out);

/* nx_cap_get, also telling the handle's rights (rights may be NULL). */
nx_status_t nx_cap_get_rights(nx_task_t *task, nx_handle_t h, uint32_t type, nx_rights_t need,
                              uint32_t op, nx_object_t **out, nx_rights_t *rights);

/*
 * Could `task` take `n` new root handles now: a free slot each and a
 * capability node each? NX_OK or NX_ERR_NO_RESOURCES. For the calls that
 * make an object and then its handles: asked first, so a full table is a
 * refusal that changes nothing (not an object made, half-installed and
 * undone). Only another thread of the task racing it can still make the
 * install fail.
 */
nx_status_t nx_cap_room(nx_task_t *task, uint32_t n);

/*
 * Give `task` a new root handle to `obj` (just created by the caller, who
 * keeps its own reference). Returns NX_OK, NX_ERR_TASK_DEAD (task dying),
 * NX_ERR_NO_RESOURCES (table or capability pool full), NX_ERR_INVALID_ARGS
 * (rights outside NX_RIGHTS_ALL, or out NULL).
 */
nx_status_t nx_cap_install(nx_task_t *task, nx_object_t *obj, nx_rights_t rights, nx_handle_t *out);

/* The same at table slot `slot`, for start handles at fixed values
 * (nexus/start.h): NX_ERR_ALREADY_EXISTS when that slot is not free, the
 * rest as nx_cap_install. */
nx_status_t nx_cap_install_at(nx_task_t *task, nx_object_t *obj, nx_rights_t rights, uint32_t slot,
                              nx_handle_t *out);

/* --- syscall-shaped operations (the dispatcher calls these) -------------- */

/*
 * Make another handle to the same object with `rights` (NX_RIGHTS_SAME: the
 * source's), a child of the source in the derivation tree.
 *   NX_ERR_BAD_HANDLE      h is not a live handle of caller
 *   NX_ERR_ACCESS_DENIED   h lacks NX_RIGHT_DUPLICATE
 *   NX_ERR_INVALID_ARGS    rights not a subset of h's, unknown bits, out NULL
 *   NX_ERR_NO_RESOURCES    caller's table or the capability pool is full
 *   NX_ERR_TASK_DEAD       caller is dying
 */
nx_status_t nx_sys_handle_duplicate(nx_task_t *caller, nx_handle_t h, nx_rights_t rights,
                                    nx_handle_t *out);

/*
 * Swap h for a handle with `rights` (a subset; NX_RIGHTS_SAME keeps them) in
 * one step: h is stale afterwards, the new handle takes its place in the
 * derivation tree. On failure h is unchanged. Needs no right.
 *   NX_ERR_BAD_HANDLE, NX_ERR_INVALID_ARGS (not a subset, unknown bits, out
 *   NULL), NX_ERR_NO_RESOURCES (the slot's generation ran out and the table
 *   is full), NX_ERR_TASK_DEAD
 */
nx_status_t nx_sys_handle_replace(nx_task_t *caller, nx_handle_t h, nx_rights_t rights,
                                  nx_handle_t *out);

/* Close h. NX_ERR_BAD_HANDLE, NX_ERR_TASK_DEAD. */
nx_status_t nx_sys_handle_close(nx_task_t *caller, nx_handle_t h);

/* Type, koid and rights of h's object. Needs no right.
 * NX_ERR_BAD_HANDLE, NX_ERR_INVALID_ARGS (out NULL), NX_ERR_TASK_DEAD. */
nx_status_t nx_handle_info(nx_task_t *caller, nx_handle_t h, nx_object_info_t *out);

/*
 * Remove every capability derived from h (its duplicates, their transfers,
 * recursively, in any task or in flight); h itself stays. *revoked (may be
 * NULL) receives how many went. Bounded: each derived node is visited once.
 *   NX_ERR_BAD_HANDLE, NX_ERR_ACCESS_DENIED (no NX_RIGHT_MANAGE), NX_ERR_TASK_DEAD
 */
nx_status_t nx_sys_handle_revoke(nx_task_t *caller, nx_handle_t h, uint32_t *revoked);

/*
 * Move `n` handles from `from`'s table to `to`'s, all or nothing: each
 * needs NX_RIGHT_TRANSFER and keeps its rights and derivation; out[i]
 * receives the new value of handles[i]. On failure nothing moved.
 *   NX_ERR_INVALID_ARGS    n > NX_MAX_TRANSFER_HANDLES, NULL arrays, a handle
 *                          named twice
 *   NX_ERR_BAD_HANDLE, NX_ERR_ACCESS_DENIED (first offending handle)
 *   NX_ERR_NO_RESOURCES    `to` has fewer than n free slots
 *   NX_ERR_TASK_DEAD       either task is dying
 */
nx_status_t nx_handle_transfer(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                               nx_task_t *to, nx_handle_t *out);

/* --- capabilities in flight (IPC) ------------------------------------------ */

/* Take n handles out of `from` into caps[] (all or nothing, TRANSFER needed
 * on each); the caller owns the caps until it attaches or drops them.
 * Statuses as nx_handle_transfer. */
nx_status_t nx_cap_detach(nx_task_t *from, const nx_handle_t *handles, uint32_t n, nx_cap_t *caps);

/* The same for a message written on `through` and queued at `to` (both
 * objects, or both NULL), refusals audited as operation `op`:
 *   NX_ERR_INVALID_ARGS  a handle to `through` or `to` among them
 *                        (NX_AUDIT_SENT_ITSELF): an endpoint is not sent
 *                        through itself or its peer
 *   NX_ERR_WOULD_CYCLE   an object that holds caps (ops->holds_caps) whose
 *                        queue already holds, directly or through other
 *                        queues, `to`'s capability (NX_AUDIT_WOULD_CYCLE):
 *                        they would hold each other, and nothing could
 *                        ever read or close them. */
nx_status_t nx_cap_detach_into(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                               nx_cap_t *caps, uint32_t op, const nx_object_t *through,
                               const nx_object_t *to);

/* Put n caps into `to`'s table (all or nothing); out[i] is the new handle,
 * or NX_HANDLE_INVALID for a cap revoked while in flight (it is released).
 * On failure the caps stay with the caller.
 *   NX_ERR_INVALID_ARGS, NX_ERR_NO_RESOURCES (not enough free slots),
 *   NX_ERR_TASK_DEAD (`to` dying) */
nx_status_t nx_cap_attach(nx_task_t *to, const nx_cap_t *caps, uint32_t n, nx_handle_t *out);

/* The same, except that a cap revoked in flight is left as it is (out[i]
 * NX_HANDLE_INVALID) for the caller to nx_cap_drop() once it holds no lock:
 * releasing it may run object hooks, which take their objects' locks. */
nx_status_t nx_cap_attach_leaving_revoked(nx_task_t *to, const nx_cap_t *caps, uint32_t n,
                                          nx_handle_t *out);

/* Release n caps in flight (a message that will never be read). */
void nx_cap_drop(const nx_cap_t *caps, uint32_t n);

/* --- task tables ------------------------------------------------------------ */

/* A fresh, empty table. */
void nx_handle_table_init(nx_handle_table_t *table);

/* Close every handle of a table (a dying task); returns how many. */
uint32_t nx_handle_table_clear(nx_task_t *task);

/* Live handles in a table (a snapshot). */
uint32_t nx_handle_table_count(const nx_handle_table_t *table);

/* Capability nodes in use (live caps plus interior nodes of closed handles). */
uint32_t nx_cap_nodes_used(void);

/* Reset the derivation tree; core reset only. */
void nx_cap_reset(void);

#endif /* NX_CAP_H */
