/*
 * nx/user.h - a task's user side: its address space and its threads' user
 * stacks (core/task/user.c).
 *
 * A task that runs user code has an address space (nx_port_aspace_t). Each
 * of its user threads gets a stack of NX_USER_STACK_BYTES in one of
 * NX_USER_STACK_SLOTS slots at the top of the user range, each slot below
 * the previous with an unmapped guard page between them: a stack overflow
 * faults instead of running into the next stack. A slot's memory stays
 * mapped for the task's next thread (same protection domain), and goes
 * with the address space when the task is destroyed.
 */
#ifndef NX_USER_H
#define NX_USER_H

#include <stdint.h>

#include "nexus/status.h"
#include "nx/port.h"

#define NX_USER_STACK_BYTES (64u << 10)
#define NX_USER_STACK_SLOTS 64u /* user threads of one task alive at once */

/* No stack slot. */
#define NX_USER_NO_STACK UINT32_MAX

/* Lowest address of slot `slot`'s stack: slots go down from the top of the
 * user range, each with a guard page below it. */
static inline uintptr_t nx_user_stack_base(uint32_t slot)
{
    uintptr_t base, top;
    nx_port_user_range(&base, &top);
    return top - (uintptr_t)(slot + 1u) * (NX_USER_STACK_BYTES + NX_PAGE_SIZE) + NX_PAGE_SIZE;
}

/* Where a task may map anything but its stacks (program images, VMOs):
 * the user range below the stack area, whose slots (and guard pages) stay
 * reserved even before they are mapped, so a thread can always get one. */
static inline void nx_user_map_range(uintptr_t *base, uintptr_t *limit)
{
    uintptr_t top;
    nx_port_user_range(base, &top);
    *limit = nx_user_stack_base(NX_USER_STACK_SLOTS - 1u) - NX_PAGE_SIZE;
}

typedef struct nx_task nx_task_t;
struct nx_thread;

/* Give `task` an empty address space. NX_OK, NX_ERR_BAD_STATE (it has
 * one), NX_ERR_NO_RESOURCES. */
nx_status_t nx_task_user_init(nx_task_t *task);

/* The task's address space, or NULL for a task without user code. */
nx_port_aspace_t *nx_task_aspace(nx_task_t *task);

/* Claim a stack slot of `task` (mapping it the first time): its top in
 * *top, the slot in *slot. NX_OK, NX_ERR_BAD_STATE (no address space),
 * NX_ERR_NO_RESOURCES (every slot taken, or no memory: never the port's
 * own refusal, which a slot in the reserved stack area cannot get). */
nx_status_t nx_task_user_stack(nx_task_t *task, uintptr_t *top, uint32_t *slot);

/* Give a slot back (its thread is gone). */
void nx_task_user_stack_release(nx_task_t *task, uint32_t slot);

/* Link / unlink a thread on its task's list (thread creation and
 * destruction). */
void nx_task_thread_link(nx_task_t *task, struct nx_thread *t);
void nx_task_thread_unlink(nx_task_t *task, struct nx_thread *t);

/* Wake every waiting thread of a dying task with NX_ERR_CANCELED, and send
 * a reschedule IPI to each hart running one of its threads, so each ends
 * at once (on its way out of the kernel). */
void nx_task_cancel_waits(nx_task_t *task);

/* Release the address space; task destruction only. */
void nx_task_user_destroy(nx_task_t *task);

#endif /* NX_USER_H */
