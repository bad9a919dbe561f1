/*
 * user.c - a task's address space and user stacks (see nx/user.h).
 */
#include "nx/barrier.h"
#include "nx/sched.h"
#include "nx/task.h"
#include "nx/thread.h"
#include "nx/wait.h"
#include "nx/user.h"

nx_status_t nx_task_user_init(nx_task_t *task)
{
    if (task->has_aspace)
        return NX_ERR_BAD_STATE;
    nx_status_t st = nx_port_aspace_create(&task->aspace);
    if (st != NX_OK)
        return st;
    task->stacks_used = 0;
    task->stacks_mapped = 0;
    task->has_aspace = true;
    return NX_OK;
}

nx_port_aspace_t *nx_task_aspace(nx_task_t *task)
{
    return task != NULL && task->has_aspace ? &task->aspace : NULL;
}

nx_status_t nx_task_user_stack(nx_task_t *task, uintptr_t *top, uint32_t *slot)
{
    if (!task->has_aspace)
        return NX_ERR_BAD_STATE;
    nx_spin_lock(&task->user_lock);
    uint64_t free = ~task->stacks_used;
    if (free == 0u) {
        nx_spin_unlock(&task->user_lock);
        return NX_ERR_NO_RESOURCES;
    }
    uint32_t s = (uint32_t)__builtin_ctzll(free);
    nx_status_t st = NX_OK;
    if ((task->stacks_mapped & (1ull << s)) == 0u) {
        st = nx_port_aspace_map(&task->aspace, nx_user_stack_base(s), NX_USER_STACK_BYTES,
                                NX_PROT_READ | NX_PROT_WRITE, NULL, 0);
        if (st == NX_OK)
            task->stacks_mapped |= 1ull << s;
        else
            st = NX_ERR_NO_RESOURCES; /* memory: the area is reserved (vmo_map, ELF) */
    }
    if (st == NX_OK) {
        task->stacks_used |= 1ull << s;
        *slot = s;
        *top = nx_user_stack_base(s) + NX_USER_STACK_BYTES;
    }
    nx_spin_unlock(&task->user_lock);
    return st;
}

void nx_task_user_stack_release(nx_task_t *task, uint32_t slot)
{
    if (slot >= NX_USER_STACK_SLOTS)
        return;
    nx_spin_lock(&task->user_lock);
    task->stacks_used &= ~(1ull << slot);
    nx_spin_unlock(&task->user_lock);
}

void nx_task_thread_link(nx_task_t *task, nx_thread_t *t)
{
    nx_spin_lock(&task->user_lock);
    t->task_prev = NULL;
    t->task_next = task->threads;
    if (task->threads != NULL)
        task->threads->task_prev = t;
    task->threads = t;
    nx_spin_unlock(&task->user_lock);
}

void nx_task_thread_unlink(nx_task_t *task, nx_thread_t *t)
{
    nx_spin_lock(&task->user_lock);
    if (t->task_prev != NULL)
        t->task_prev->task_next = t->task_next;
    else
        task->threads = t->task_next;
    if (t->task_next != NULL)
        t->task_next->task_prev = t->task_prev;
    t->task_next = t->task_prev = NULL;
    nx_spin_unlock(&task->user_lock);
}

void nx_task_cancel_waits(nx_task_t *task)
{
    /* dying was set before this: pairs with the waiter's barrier in
     * nx_wait_locked_slack (a thread either sees dying and starts no wait,
     * or is seen waiting). */
    nx_barrier_store_load();
    /* Lock order: the task's list, then each wait queue (nx_wait_cancel). */
    nx_spin_lock(&task->user_lock);
    uint32_t self = nx_port_this_hart();
    for (nx_thread_t *t = task->threads; t != NULL; t = t->task_next) {
        nx_wait_cancel(t, NX_ERR_CANCELED);
        /* One running on another hart ends at its next way out of the
         * kernel: make that now, not at the end of its slice. (Racy reads:
         * a thread that just moved goes through the kernel anyway.) */
        uint32_t hart = nx_thread_hart(t);
        if (atomic_load_explicit(&t->state, memory_order_acquire) == (uint32_t)NX_THREAD_RUNNING &&
            hart != self)
            (void)nx_ipi_send(hart, NX_IPI_CORRECTNESS, NX_IPI_RESCHED);
    }
    nx_spin_unlock(&task->user_lock);
}

void nx_task_user_destroy(nx_task_t *task)
{
    if (!task->has_aspace)
        return;
    nx_port_aspace_destroy(&task->aspace);
    task->has_aspace = false;
}
