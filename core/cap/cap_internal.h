/*
 * cap_internal.h - the pieces of core/cap shared by its files: slots of a
 * handle table (table.c), the derivation tree (derive.c), and deferred
 * object release (reaper). Every function here expects the capability lock.
 */
#ifndef NX_CAP_INTERNAL_H
#define NX_CAP_INTERNAL_H

#include <stddef.h>

#include "nexus/audit.h"
#include "nx/cap.h"
#include "nx/task.h"

#define NX_SLOT_NONE 0xffffu
#define NX_NODE_NONE UINT32_MAX

/* --- table.c: slots ---------------------------------------------------- */

/* Take the oldest free slot (FIFO), or NX_SLOT_NONE. */
uint32_t nx_slot_take(nx_handle_table_t *t);

/* Fill a taken slot; returns the new handle value. */
nx_handle_t nx_slot_fill(nx_handle_table_t *t, uint32_t slot, nx_object_t *obj, nx_rights_t rights,
                         uint32_t node);

/* Empty a slot: its value goes stale; it is queued again, or retired when
 * its generation ran out. Touches neither the object nor the node. */
void nx_slot_release(nx_handle_table_t *t, uint32_t slot);

/* Why `h` failed to resolve in `t` (forged, closed or stale). */
nx_audit_reason_t nx_slot_classify(const nx_handle_table_t *t, nx_handle_t h);

/* --- ops.c: decoding ------------------------------------------------------- */

/* Audit a refusal of `op` by `task`; returns `st`. */
nx_status_t nx_cap_refuse(nx_task_t *task, nx_audit_op_t op, nx_handle_t h,
                          nx_audit_reason_t reason, nx_status_t st);

/* The decode step every operation starts with: `task` is alive and `h`
 * passes nx_handle_lookup_locked() for `type` and `need`. Audits a refusal. */
nx_status_t nx_cap_decode_locked(nx_task_t *task, nx_handle_t h, uint32_t type, nx_rights_t need,
                                 nx_audit_op_t op, const nx_handle_entry_t **out);

/* --- reaper: releasing objects after the lock ----------------------------- */

/* Objects whose last capability an operation removed: on_last_cap and the
 * final reference drop run in nx_reaper_run(), after the lock is released. */
typedef struct nx_reaper {
    nx_object_t *head;
} nx_reaper_t;

#define NX_REAPER_INIT                                                                             \
    {                                                                                              \
        NULL                                                                                       \
    }

/* One capability to obj is gone. */
void nx_cap_put_locked(nx_reaper_t *r, nx_object_t *obj);

/* Run the deferred hooks; call without the lock. */
void nx_reaper_run(nx_reaper_t *r);

/* --- derive.c: the derivation tree ---------------------------------------- */

typedef enum nx_node_state {
    NX_NODE_FREE = 0,
    NX_NODE_HANDLE,    /* a live handle: task + slot */
    NX_NODE_IN_FLIGHT, /* a cap held by the kernel (a message) */
    NX_NODE_ZOMBIE,    /* closed handle kept for its >= 2 children */
    NX_NODE_REVOKED,   /* revoked while in flight: released by its holder */
} nx_node_state_t;

/* A new root node, or NX_NODE_NONE when the pool is full. */
uint32_t nx_node_new_root(void);

/* A new child of `parent`, or NX_NODE_NONE. */
uint32_t nx_node_new_child(uint32_t parent);

/* Record where a node's handle lives, or that it is in flight. */
void nx_node_place(uint32_t node, nx_task_t *task, uint32_t slot);
void nx_node_in_flight(uint32_t node);

nx_node_state_t nx_node_state(uint32_t node);

/* The capability of `node` is gone (closed, dropped): free it, or keep it
 * as an interior node while it has >= 2 children (splice it out at 1). */
void nx_node_release(uint32_t node);

/* Free a node detached from the tree (revoked in flight). */
void nx_node_free_detached(uint32_t node);

/* Remove every capability derived from `node` (not node itself); handles go
 * from their tables, caps in flight are marked revoked. Returns how many. */
uint32_t nx_node_revoke_subtree(uint32_t node, nx_reaper_t *r);

/* Remove handle `slot` of `task` with its capability (node untouched). */
void nx_cap_remove_handle_locked(nx_task_t *task, uint32_t slot, nx_reaper_t *r);

#endif /* NX_CAP_INTERNAL_H */
