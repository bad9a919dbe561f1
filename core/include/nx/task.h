/*
 * nx/task.h - the task object: a protection domain that owns a handle table
 * (and, with later issues, an address space and threads).
 */
#ifndef NX_TASK_H
#define NX_TASK_H

#include <stdatomic.h>
#include <stdbool.h>

#include "nexus/status.h"
#include "nexus/types.h"
#include "nx/budget.h"
#include "nx/cap.h"
#include "nx/object.h"
#include "nx/port.h"
#include "nx/spinlock.h"
#include "nx/sysfilter.h"
#include "nx/user.h"
#include "nx/vmo.h"

struct nx_task {
    nx_object_t obj;
    nx_task_id_t id;
    /* Who its messages say they are from (nx/channel.h): its task id until
     * a policy service names services. */
    nx_service_id_t service_id;
    /* Set once, by nx_task_kill under the capability lock (so operations
     * under that lock agree on it); read anywhere with nx_task_dying(). */
    _Atomic bool dying;
    /* Its system call filters (nx/sysfilter.h): pushed under user_lock,
     * read by its threads on every call without a lock (the stack's own
     * publication order), released when the task is destroyed. Near the
     * top: every system call loads its count. */
    nx_filter_stack_t filter;
    /* Guarded by the capability lock (docs/locking.md): */
    nx_handle_table_t handles;
    /* Its own lock (a leaf): */
    nx_qos_budget_t budget; /* its threads' CPU above Normal (nx/budget.h) */
    /* Its user side (nx/user.h), for a task that runs user code. Set at
     * creation, before anyone else can reach the task: */
    bool has_aspace;
    nx_port_aspace_t aspace; /* the port calls on it go under user_lock */
    /* Guarded by user_lock: */
    nx_spinlock_t user_lock;
    uint64_t stacks_used;      /* bit i: stack slot i belongs to a thread */
    uint64_t stacks_mapped;    /* bit i: slot i's memory is mapped */
    struct nx_thread *threads; /* its threads, for ending them */
    /* Its VMO account (the budget lock) and mappings (user_lock): nx/vmo.h */
    nx_task_vm_t vm;
};
_Static_assert(NX_USER_STACK_SLOTS == 64u, "the stack bitmaps are 64 bits");

/* Has the task ended (nx_task_kill)? The one way to read `dying`. */
static inline bool nx_task_dying(const nx_task_t *task)
{
    return atomic_load_explicit(&task->dying, memory_order_acquire);
}

/* A new task with an empty table; *out carries the creator's reference.
 * Returns NX_OK or NX_ERR_NO_RESOURCES (NX_MAX_TASKS alive). */
nx_status_t nx_task_create(nx_task_t **out);

/* End a task, releasing everything it holds at once: it refuses every
 * further operation (NX_ERR_TASK_DEAD), every handle it holds is closed
 * (peers and queued messages see it), its mappings are removed (their
 * VMOs and budgets go with the last reference), its waiting threads are
 * woken and the running ones interrupted, so each ends on its next way
 * out of the kernel. Its address space and stacks go when the task
 * object does. Idempotent. */
void nx_task_kill(nx_task_t *task);

/* Create a task and give `caller` a handle to it (NX_DEFAULT_TASK_RIGHTS).
 * NX_ERR_NO_RESOURCES (tasks, table or capability pool full),
 * NX_ERR_INVALID_ARGS (out NULL), NX_ERR_TASK_DEAD (caller dying). */
nx_status_t nx_task_create_handle(nx_task_t *caller, nx_handle_t *out);

/* Tasks alive; core reset only. */
void nx_task_reset(void);

#endif /* NX_TASK_H */
