/*
 * transfer.c - moving handles between tables and in and out of flight,
 * always all or nothing: every handle of a batch is decoded (alive, has
 * NX_RIGHT_TRANSFER, named once) and the destination's room checked before
 * anything moves, under the capability lock; after that nothing can fail.
 */
#include "cap_internal.h"
#include "nx/audit.h"

/* Longest chain of objects inside each other's queues: every endpoint. */
#define NX_MAX_HOLDING_CHAIN (2u * NX_MAX_CHANNELS)

/* Whether `obj` holds `to`: follow `to` out through the queues holding it
 * (each holds_caps object has one cap, so one way out) until a table. The
 * chain is at most every such object long. A message being released holds
 * its endpoints a moment longer than the endpoint it was queued at lives:
 * held_in then names a pool slot (static memory) being reused, and the
 * bounded walk can at worst refuse a write in that moment. */
static bool would_cycle(const nx_object_t *obj, const nx_object_t *to)
{
    for (uint32_t hops = 0; to != NULL && hops <= NX_MAX_HOLDING_CHAIN; hops++) {
        if (to == obj)
            return true;
        to = to->held_in;
    }
    return to != NULL; /* longer than any chain can be: refuse */
}

/* Decode a batch of n handles of `from`; slots[i] receives handles[i]'s
 * slot. When they go into a message written on `through` and queued at
 * `to` (else both NULL): a handle to either is refused, and so is an
 * object holding caps whose queues hold `to` (nx/cap.h). */
static nx_status_t decode_batch(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                                nx_audit_op_t op, uint32_t *slots, const nx_object_t *through,
                                const nx_object_t *to)
{
    if (n > NX_MAX_TRANSFER_HANDLES)
        return nx_cap_refuse(from, op, NX_HANDLE_INVALID, NX_AUDIT_BATCH_TOO_LARGE,
                             NX_ERR_INVALID_ARGS);
    if (n > 0u && handles == NULL)
        return nx_cap_refuse(from, op, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                             NX_ERR_INVALID_ARGS);
    if (nx_task_dying(from))
        return nx_cap_refuse(from, op, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_TASK_DEAD);
    /* `dying` is set under the capability lock, held here: checked once
     * above, so each handle needs only its lookup. */
    for (uint32_t i = 0; i < n; i++) {
        const nx_handle_entry_t *e = NULL;
        nx_status_t st =
            nx_handle_lookup_locked(&from->handles, handles[i], NX_OBJ_NONE, NX_RIGHT_TRANSFER, &e);
        if (st != NX_OK)
            return nx_cap_decode_refused(from, handles[i], st, op);
        if (e->obj != NULL && (e->obj == through || e->obj == to))
            return nx_cap_refuse(from, op, handles[i], NX_AUDIT_SENT_ITSELF, NX_ERR_INVALID_ARGS);
        if (to != NULL && e->obj != NULL && e->obj->ops->holds_caps && would_cycle(e->obj, to))
            return nx_cap_refuse(from, op, handles[i], NX_AUDIT_WOULD_CYCLE, NX_ERR_WOULD_CYCLE);
        slots[i] = handles[i].v & NX_HANDLE_SLOT_MASK;
        for (uint32_t j = 0; j < i; j++)
            if (slots[j] == slots[i])
                return nx_cap_refuse(from, op, handles[i], NX_AUDIT_DUPLICATE_IN_BATCH,
                                     NX_ERR_INVALID_ARGS);
    }
    return NX_OK;
}

/* `to` is alive and has `need` free slots; a refusal is audited for `caller`. */
static nx_status_t decode_room(nx_task_t *caller, nx_task_t *to, uint32_t need, nx_audit_op_t op)
{
    if (nx_task_dying(to))
        return nx_cap_refuse(caller, op, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_TASK_DEAD);
    if (to->handles.free_count < need)
        return nx_cap_refuse(caller, op, NX_HANDLE_INVALID, NX_AUDIT_TABLE_FULL,
                             NX_ERR_NO_RESOURCES);
    return NX_OK;
}

nx_status_t nx_handle_transfer(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                               nx_task_t *to, nx_handle_t *out)
{
    uint32_t slots[NX_MAX_TRANSFER_HANDLES];
    nx_cap_lock();
    nx_status_t st = decode_batch(from, handles, n, NX_AUDIT_OP_TRANSFER, slots, NULL, NULL);
    if (st == NX_OK && n > 0u && out == NULL)
        st = nx_cap_refuse(from, NX_AUDIT_OP_TRANSFER, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                           NX_ERR_INVALID_ARGS);
    if (st == NX_OK)
        st = decode_room(from, to, n, NX_AUDIT_OP_TRANSFER);
    if (st == NX_OK) {
        for (uint32_t i = 0; i < n; i++) {
            nx_handle_entry_t *e = &from->handles.e[slots[i]];
            uint32_t slot = nx_slot_take(&to->handles);
            out[i] = nx_slot_fill(&to->handles, slot, e->obj, e->rights, e->node);
            nx_node_place(e->node, to, slot);
            nx_slot_release(&from->handles, slots[i]);
        }
    }
    nx_cap_unlock();
    return st;
}

nx_status_t nx_cap_detach(nx_task_t *from, const nx_handle_t *handles, uint32_t n, nx_cap_t *caps)
{
    return nx_cap_detach_into(from, handles, n, caps, NX_AUDIT_OP_TRANSFER, NULL, NULL);
}

nx_status_t nx_cap_detach_into(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                               nx_cap_t *caps, uint32_t op, const nx_object_t *through,
                               const nx_object_t *to)
{
    uint32_t slots[NX_MAX_TRANSFER_HANDLES];
    nx_cap_lock();
    nx_status_t st = decode_batch(from, handles, n, (nx_audit_op_t)op, slots, through, to);
    if (st == NX_OK && n > 0u && caps == NULL)
        st = nx_cap_refuse(from, (nx_audit_op_t)op, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                           NX_ERR_INVALID_ARGS);
    if (st == NX_OK) {
        for (uint32_t i = 0; i < n; i++) {
            nx_handle_entry_t *e = &from->handles.e[slots[i]];
            caps[i].obj = e->obj;
            caps[i].rights = e->rights;
            caps[i].node = e->node;
            if (e->obj->ops->holds_caps)
                e->obj->held_in = (nx_object_t *)(uintptr_t)to;
            nx_node_in_flight(e->node);
            nx_slot_release(&from->handles, slots[i]);
        }
    }
    nx_cap_unlock();
    return st;
}

static nx_status_t attach(nx_task_t *to, const nx_cap_t *caps, uint32_t n, nx_handle_t *out,
                          bool release_revoked)
{
    nx_reaper_t reaper = NX_REAPER_INIT;
    nx_status_t st = NX_OK;
    nx_cap_lock();
    if (n > NX_MAX_TRANSFER_HANDLES) {
        st = nx_cap_refuse(to, NX_AUDIT_OP_TRANSFER, NX_HANDLE_INVALID, NX_AUDIT_BATCH_TOO_LARGE,
                           NX_ERR_INVALID_ARGS);
    } else if (n > 0u && (caps == NULL || out == NULL)) {
        st = nx_cap_refuse(to, NX_AUDIT_OP_TRANSFER, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                           NX_ERR_INVALID_ARGS);
    } else {
        /* Caps revoked in flight need no slot. */
        uint32_t need = 0;
        for (uint32_t i = 0; i < n; i++)
            need += nx_node_state(caps[i].node) != NX_NODE_REVOKED;
        st = decode_room(to, to, need, NX_AUDIT_OP_TRANSFER);
    }
    if (st == NX_OK) {
        for (uint32_t i = 0; i < n; i++) {
            if (nx_node_state(caps[i].node) == NX_NODE_REVOKED) {
                if (release_revoked) {
                    caps[i].obj->held_in = NULL;
                    nx_node_release_revoked(caps[i].node);
                    nx_cap_put_locked(&reaper, caps[i].obj);
                }
                out[i] = NX_HANDLE_INVALID;
                continue;
            }
            caps[i].obj->held_in = NULL;
            uint32_t slot = nx_slot_take(&to->handles);
            out[i] = nx_slot_fill(&to->handles, slot, caps[i].obj, caps[i].rights, caps[i].node);
            nx_node_place(caps[i].node, to, slot);
        }
    }
    nx_cap_unlock();
    nx_reaper_run(&reaper);
    return st;
}

nx_status_t nx_cap_attach(nx_task_t *to, const nx_cap_t *caps, uint32_t n, nx_handle_t *out)
{
    return attach(to, caps, n, out, true);
}

nx_status_t nx_cap_attach_leaving_revoked(nx_task_t *to, const nx_cap_t *caps, uint32_t n,
                                          nx_handle_t *out)
{
    return attach(to, caps, n, out, false);
}

void nx_cap_drop(const nx_cap_t *caps, uint32_t n)
{
    nx_reaper_t reaper = NX_REAPER_INIT;
    nx_cap_lock();
    for (uint32_t i = 0; i < n; i++) {
        caps[i].obj->held_in = NULL;
        if (nx_node_state(caps[i].node) == NX_NODE_REVOKED)
            nx_node_release_revoked(caps[i].node);
        else
            nx_node_release(caps[i].node);
        nx_cap_put_locked(&reaper, caps[i].obj);
    }
    nx_cap_unlock();
    nx_reaper_run(&reaper);
}
