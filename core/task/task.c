/*
 * task.c - the task object (see nx/task.h).
 */
#include "nx/task.h"
#include "nx/audit.h"
#include "nx/pool.h"

NX_POOL_DEFINE(tasks, nx_task_t, NX_MAX_TASKS);

/* Task ids count up from 1 and are never reused within a boot. */
static _Atomic uint32_t next_task_id = 1;

/* The only place a task id is made (decision point 4). */
static nx_task_id_t task_id_make(uint32_t v)
{
    nx_task_id_t id = { v };
    return id;
}

static void task_destroy(nx_object_t *obj)
{
    nx_task_t *t = (nx_task_t *)obj;
    nx_task_kill(t);
    nx_task_user_destroy(t);  /* its threads are gone: the space is active nowhere */
    nx_filter_release_all(t); /* no thread of it checks a call any more */
    nx_pool_free(&tasks, t);
}

static const nx_object_ops_t task_ops = {
    .type = NX_OBJ_TASK,
    .name = "task",
    .on_last_cap = NULL,
    .destroy = task_destroy,
};

void nx_task_reset(void)
{
    nx_pool_reset(&tasks);
    atomic_store_explicit(&next_task_id, 1u, memory_order_relaxed);
}

nx_status_t nx_task_create(nx_task_t **out)
{
    nx_task_t *t = nx_pool_alloc(&tasks);
    if (t == NULL)
        return NX_ERR_NO_RESOURCES;
    nx_object_init(&t->obj, &task_ops);
    t->id = task_id_make(atomic_fetch_add_explicit(&next_task_id, 1u, memory_order_relaxed));
    t->service_id.v = t->id.v;
    atomic_init(&t->dying, false);
    nx_handle_table_init(&t->handles);
    nx_qos_budget_init(&t->budget);
    t->has_aspace = false;
    nx_spin_init(&t->user_lock);
    t->stacks_used = t->stacks_mapped = 0;
    t->threads = NULL;
    nx_vmo_task_init(t);
    *out = t;
    return NX_OK;
}

void nx_task_kill(nx_task_t *task)
{
    nx_cap_lock();
    atomic_store_explicit(&task->dying, true, memory_order_release);
    nx_cap_unlock();
    /* Closing may drop the last reference to other tasks; each is killed by
     * its own destroy, outside this task's table walk. */
    nx_handle_table_clear(task);
    /* Its threads end on their next way into or out of the kernel; the
     * ones waiting are woken now so that is soon. */
    nx_task_cancel_waits(task);
    /* Its mappings go now, not when the last reference to the task does
     * (init holds one until every program ends): a dead program pins no
     * VMO. A thread still running on another hart faults on its next touch
     * of one and ends (NX_EXIT_CODE_KILLED); a vmo_map racing with this
     * sees `dying` under the user_lock and is refused. */
    nx_vmo_task_unmap_all(task);
}

nx_status_t nx_task_create_handle(nx_task_t *caller, nx_handle_t *out)
{
    nx_task_t *t;
    if (out == NULL) {
        nx_audit(caller->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_INVALID_ARGS;
    }
    /* Checked again under the lock by nx_cap_install; checking first keeps a
     * dying caller from making (and at once destroying) a task. */
    if (nx_task_dying(caller)) {
        nx_audit(caller->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD);
        return NX_ERR_TASK_DEAD;
    }
    nx_status_t st = nx_task_create(&t);
    if (st != NX_OK) {
        nx_audit(caller->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED);
        return st;
    }
    nx_filter_inherit(t, caller); /* a task made by a filtered one is filtered as much */
    st = nx_cap_install(caller, &t->obj, NX_DEFAULT_TASK_RIGHTS, out);
    nx_object_unref(&t->obj); /* the handle holds it now, or it goes */
    return st;
}
