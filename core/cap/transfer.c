/*
 * transfer.c - moving handles between tables and in and out of flight,
 * always all or nothing: every handle of a batch is decoded (alive, has
 * NX_RIGHT_TRANSFER, named once) and the destination's room checked before
 * anything moves, under the capability lock; after that nothing can fail.
 */
#include "cap_internal.h"
#include "nx/audit.h"

/* Decode a batch of n handles of `from`; slots[i] receives handles[i]'s
 * slot. A handle to `never_a` or `never_b` (may be NULL) is refused. */
static nx_status_t decode_batch(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                                nx_audit_op_t op, uint32_t *slots, const nx_object_t *never_a,
                                const nx_object_t *never_b)
{
    if (n > NX_MAX_TRANSFER_HANDLES)
        return nx_cap_refuse(from, op, NX_HANDLE_INVALID, NX_AUDIT_BATCH_TOO_LARGE,
                             NX_ERR_INVALID_ARGS);
    if (n > 0u && handles == NULL)
        return nx_cap_refuse(from, op, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                             NX_ERR_INVALID_ARGS);
    if (from->dying)
        return nx_cap_refuse(from, op, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_BAD_STATE);
    for (uint32_t i = 0; i < n; i++) {
        const nx_handle_entry_t *e = NULL;
        nx_status_t st =
            nx_cap_decode_locked(from, handles[i], NX_OBJ_NONE, NX_RIGHT_TRANSFER, op, &e);
        if (st != NX_OK)
            return st;
        if (e->obj != NULL && (e->obj == never_a || e->obj == never_b))
            return nx_cap_refuse(from, op, handles[i], NX_AUDIT_SENT_ITSELF, NX_ERR_INVALID_ARGS);
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
    if (to->dying)
        return nx_cap_refuse(caller, op, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_BAD_STATE);
    if (to->handles.free_count < need)
        return nx_cap_refuse(caller, op, NX_HANDLE_INVALID, NX_AUDIT_TABLE_FULL,
                             NX_ERR_NO_RESOURCES);
    return NX_OK;
}

nx_status_t nx_sys_handle_transfer(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
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
    return nx_cap_detach_except(from, handles, n, caps, NX_AUDIT_OP_TRANSFER, NULL, NULL);
}

nx_status_t nx_cap_detach_except(nx_task_t *from, const nx_handle_t *handles, uint32_t n,
                                 nx_cap_t *caps, uint32_t op, const nx_object_t *never_a,
                                 const nx_object_t *never_b)
{
    uint32_t slots[NX_MAX_TRANSFER_HANDLES];
    nx_cap_lock();
    nx_status_t st = decode_batch(from, handles, n, (nx_audit_op_t)op, slots, never_a, never_b);
    if (st == NX_OK && n > 0u && caps == NULL)
        st = nx_cap_refuse(from, (nx_audit_op_t)op, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT,
                           NX_ERR_INVALID_ARGS);
    if (st == NX_OK) {
        for (uint32_t i = 0; i < n; i++) {
            nx_handle_entry_t *e = &from->handles.e[slots[i]];
            caps[i].obj = e->obj;
            caps[i].rights = e->rights;
            caps[i].node = e->node;
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
                    nx_node_free_detached(caps[i].node);
                    nx_cap_put_locked(&reaper, caps[i].obj);
                }
                out[i] = NX_HANDLE_INVALID;
                continue;
            }
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
        if (nx_node_state(caps[i].node) == NX_NODE_REVOKED)
            nx_node_free_detached(caps[i].node);
        else
            nx_node_release(caps[i].node);
        nx_cap_put_locked(&reaper, caps[i].obj);
    }
    nx_cap_unlock();
    nx_reaper_run(&reaper);
}
