/*
 * attach.c - the task_filter_attach system call (nx/sysfilter.h).
 *
 * Decode, then invoke: the flags, the task handle and its right, the
 * target's room and state, then the blob (copied and checked part by
 * part), all before the filter is pushed; the push is the only change.
 * Pushing can only tighten (every filter of the stack must let a call
 * run), so it needs no authority on one's own task; another task's needs
 * MANAGE on it (the policy service's). Nothing removes or replaces a
 * filter: the one way to ask, NX_FILTER_ATTACH_REPLACE, is refused.
 */
#include "filter_internal.h"
#include "nx/cap.h"
#include "nx/task.h"
#include "nx/thread.h"

nx_status_t nx_filter_refuse(const nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why,
                             nx_status_t st)
{
    nx_audit(caller->id, NX_AUDIT_OP_FILTER, h, why);
    return st;
}

/* Room on `t`'s stack, and `t` alive: checked before the blob is read
 * (a refusal then builds nothing) and again, under the lock, at the push. */
static nx_status_t room_on(nx_task_t *t, nx_audit_reason_t *why)
{
    if (nx_task_dying(t)) {
        *why = NX_AUDIT_TASK_DEAD;
        return NX_ERR_TASK_DEAD;
    }
    if (atomic_load_explicit(&t->filter.count, memory_order_relaxed) >= NX_FILTER_MAX_STACK) {
        *why = NX_AUDIT_FILTER_STACK_FULL;
        return NX_ERR_NO_RESOURCES;
    }
    return NX_OK;
}

nx_status_t nx_filter_push(nx_task_t *t, nx_filter_t *f, nx_audit_reason_t *why)
{
    nx_spin_lock(&t->user_lock);
    nx_status_t st = room_on(t, why); /* another attach or a kill since the caller's check */
    if (st == NX_OK) {
        uint32_t n = atomic_load_explicit(&t->filter.count, memory_order_relaxed);
        atomic_store_explicit(&t->filter.at[n], f, memory_order_relaxed);
        atomic_store_explicit(&t->filter.count, n + 1u, memory_order_release);
    }
    nx_spin_unlock(&t->user_lock);
    return st;
}

nx_status_t nx_filter_attach_kernel(nx_task_t *t, const void *blob, size_t len)
{
    nx_filter_t *f = NULL;
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_status_t st = nx_filter_build_kernel(blob, len, &f, &why);
    if (st == NX_OK && (st = nx_filter_push(t, f, &why)) != NX_OK)
        nx_filter_unref(f);
    return st;
}

nx_status_t nx_filter_target(nx_task_t *me, nx_handle_t h, nx_task_t **out)
{
    nx_object_t *obj = NULL;
    nx_rights_t rights = NX_RIGHT_NONE;
    nx_status_t st =
        nx_cap_get_rights(me, h, NX_OBJ_TASK, NX_RIGHT_NONE, NX_AUDIT_OP_FILTER, &obj, &rights);
    if (st != NX_OK)
        return st; /* audited by the lookup */
    if ((nx_task_t *)obj != me && (rights & NX_RIGHT_MANAGE) == 0u) {
        nx_object_unref(obj);
        return nx_filter_refuse(me, h, NX_AUDIT_MISSING_RIGHT, NX_ERR_ACCESS_DENIED);
    }
    *out = (nx_task_t *)obj;
    return NX_OK;
}

nx_status_t nx_sys_task_filter_attach(nx_thread_t *caller, nx_handle_t h, uintptr_t blob,
                                      uint64_t len, uint64_t flags)
{
    nx_task_t *me = caller->task;
    if (flags == NX_FILTER_ATTACH_REPLACE)
        return nx_filter_refuse(me, h, NX_AUDIT_FILTER_LOOSEN, NX_ERR_ACCESS_DENIED);
    if (flags != 0u)
        return nx_filter_refuse(me, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_task_t *target = NULL;
    nx_status_t st = nx_filter_target(me, h, &target);
    if (st != NX_OK)
        return st;
    nx_audit_reason_t why = NX_AUDIT_OK;
    st = room_on(target, &why);
    nx_filter_t *f = NULL;
    if (st == NX_OK)
        st = nx_filter_build(blob, len, &f, &why);
    if (st == NX_OK) {
        st = nx_filter_push(target, f, &why);
        if (st != NX_OK)
            nx_filter_unref(f); /* raced: only a racing attacher sees it come and go */
    }
    if (st != NX_OK)
        (void)nx_filter_refuse(me, h, why, st);
    nx_object_unref(&target->obj);
    return st;
}
