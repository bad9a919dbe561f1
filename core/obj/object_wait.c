/*
 * object_wait.c - waiting on the signals of one object or of a bounded
 * wait set (see nx/object_wait.h, nx/signals.h).
 *
 * Each round links one observer per object (all on this stack, all firing
 * one waiter), blocks until one fires or the deadline, then unlinks them
 * all and reads every object's signals afresh. A signal another thread
 * consumed in between starts another round; the deadline bounds them all.
 */
#include "nx/object_wait.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/port.h"
#include "nx/signals.h"
#include "nx/task.h"

static nx_status_t refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why, nx_status_t st)
{
    nx_audit(caller->id, NX_AUDIT_OP_WAIT, h, why);
    return st;
}

/* Unlink every observer and read every object's signals into pending;
 * true (and *first) when one matches what its item waits for. */
static bool settle(nx_object_t *const *objs, nx_wait_item_t *items, nx_observer_t *obs, uint32_t n,
                   uint32_t *first)
{
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        nx_signal_source_t *src = objs[i]->ops->signal_source(objs[i]);
        nx_spin_lock(src->lock);
        nx_signals_unobserve_locked(src, &obs[i]);
        uint32_t pending = objs[i]->ops->signals_locked(objs[i]);
        nx_spin_unlock(src->lock);
        items[i].pending = pending;
        if (!any && (pending & items[i].wait_for) != 0u) {
            any = true;
            *first = i;
        }
    }
    return any;
}

static nx_status_t wait_rounds(nx_object_t *const *objs, nx_wait_item_t *items, uint32_t n,
                               uint64_t deadline_ns, uint32_t *first)
{
    nx_observer_t obs[NX_WAIT_MANY_MAX];
    nx_waiter_t w;
    for (;;) {
        nx_waiter_init(&w);
        bool ready = false;
        for (uint32_t i = 0; i < n; i++) {
            obs[i].waiter = &w;
            obs[i].wait_for = items[i].wait_for;
            obs[i].linked = false;
            if (ready)
                continue; /* no need to observe the rest: this round is over */
            nx_signal_source_t *src = objs[i]->ops->signal_source(objs[i]);
            nx_spin_lock(src->lock);
            if ((objs[i]->ops->signals_locked(objs[i]) & items[i].wait_for) != 0u)
                ready = true;
            else
                nx_signals_observe_locked(src, &obs[i]);
            nx_spin_unlock(src->lock);
        }
        nx_status_t st = ready ? NX_OK : nx_waiter_block(&w, deadline_ns);
        if (settle(objs, items, obs, n, first))
            return NX_OK;
        if (st != NX_OK)
            return st; /* timed out, canceled */
        /* Fired, but the signal was consumed before we looked: again. */
    }
}

nx_status_t nx_object_wait(nx_task_t *caller, nx_wait_item_t *items, uint32_t n,
                           uint64_t deadline_ns, uint32_t *first)
{
    if (items == NULL || first == NULL || n == 0u)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if (n > NX_WAIT_MANY_MAX)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BATCH_TOO_LARGE, NX_ERR_OUT_OF_RANGE);
    if (nx_deadline_check(deadline_ns) != NX_OK)
        return refuse(caller, items[0].handle, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_object_t *objs[NX_WAIT_MANY_MAX];
    nx_status_t st = NX_OK;
    uint32_t held = 0; /* objs[0..held) carry a reference */
    while (held < n) {
        nx_handle_t h = items[held].handle;
        if (items[held].wait_for == 0u) {
            st = refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
            break;
        }
        /* The kind of object before the right: a VMO cannot be waited on
         * with any rights (NOT_SUPPORTED), an event handle without WAIT can
         * (ACCESS_DENIED). */
        nx_rights_t rights = NX_RIGHT_NONE;
        st = nx_cap_get_rights(caller, h, NX_OBJ_NONE, NX_RIGHT_NONE, NX_AUDIT_OP_WAIT, &objs[held],
                               &rights);
        if (st != NX_OK)
            break;
        held++;
        if (objs[held - 1]->ops->signal_source == NULL) {
            st = refuse(caller, h, NX_AUDIT_WRONG_TYPE, NX_ERR_NOT_SUPPORTED);
            break;
        }
        if ((rights & NX_RIGHT_WAIT) == 0u) {
            st = refuse(caller, h, NX_AUDIT_MISSING_RIGHT, NX_ERR_ACCESS_DENIED);
            break;
        }
    }
    if (st == NX_OK)
        st = wait_rounds(objs, items, n, deadline_ns, first);
    for (uint32_t i = 0; i < held; i++)
        nx_object_unref(objs[i]);
    return st;
}

nx_status_t nx_sys_object_wait_one(nx_task_t *caller, nx_handle_t h, uint32_t wait_for,
                                   uint64_t deadline_ns, uint32_t *observed)
{
    nx_wait_item_t item = { h, wait_for, 0 };
    uint32_t first = 0;
    nx_status_t st = nx_object_wait(caller, &item, 1, deadline_ns, &first);
    *observed = item.pending;
    return st;
}

nx_status_t nx_sys_object_wait_many(nx_task_t *caller, uintptr_t items, uint64_t n,
                                    uint64_t deadline_ns, uint32_t *first)
{
    if (n > NX_WAIT_MANY_MAX)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BATCH_TOO_LARGE, NX_ERR_OUT_OF_RANGE);
    nx_wait_item_t set[NX_WAIT_MANY_MAX];
    size_t size = (size_t)n * sizeof set[0];
    if (nx_port_copy_from_user(set, items, size) != NX_OK)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        set[i].pending = 0;
    nx_status_t st = nx_object_wait(caller, set, (uint32_t)n, deadline_ns, first);
    if ((st == NX_OK || st == NX_ERR_TIMED_OUT) && nx_port_copy_to_user(items, set, size) != NX_OK)
        return refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    return st;
}
