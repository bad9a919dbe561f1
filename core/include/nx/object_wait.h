/*
 * nx/object_wait.h - waiting, with a deadline, until objects have signals:
 * one handle (object_wait_one) or a bounded wait set (object_wait_many).
 * See docs/abi/ipc.md "Waiting" and nx/signals.h for the mechanism.
 */
#ifndef NX_OBJECT_WAIT_H
#define NX_OBJECT_WAIT_H

#include <stdint.h>

#include "nexus/object.h"
#include "nexus/status.h"

typedef struct nx_task nx_task_t;

/*
 * Wait until the object of some items[i].handle has a signal in
 * items[i].wait_for, or until `deadline_ns`. Every items[i].pending gets
 * the object's signals when the wait ends (NX_OK, NX_ERR_TIMED_OUT);
 * *first is the lowest index whose pending matches. Level triggered: a
 * signal already there returns at once, even with a past deadline (a
 * poll).
 *   NX_ERR_INVALID_ARGS   items or first NULL, n 0, a wait_for 0, or the
 *                         deadline more than NX_MAX_WAIT_NS ahead
 *   NX_ERR_OUT_OF_RANGE   n > NX_WAIT_MANY_MAX
 *   NX_ERR_BAD_HANDLE, NX_ERR_ACCESS_DENIED (no NX_RIGHT_WAIT)
 *   NX_ERR_NOT_SUPPORTED  an object that has no signals (task, thread)
 *   NX_ERR_TIMED_OUT      the deadline passed first
 *   NX_ERR_CANCELED       an object's last handle was closed meanwhile, or
 *                         the caller's task is ending
 *   NX_ERR_TASK_DEAD      caller dying
 * Nothing changes on any error.
 */
nx_status_t nx_object_wait(nx_task_t *caller, nx_wait_item_t *items, uint32_t n,
                           uint64_t deadline_ns, uint32_t *first);

/* object_wait_one: the same for one handle; *observed gets its signals
 * (on NX_OK and NX_ERR_TIMED_OUT). */
nx_status_t nx_sys_object_wait_one(nx_task_t *caller, nx_handle_t h, uint32_t wait_for,
                                   uint64_t deadline_ns, uint32_t *observed);

/* object_wait_many: `n` nx_wait_item_t at user `items`, pending written
 * back (NX_ERR_BAD_ADDRESS when they are not the caller's memory). */
nx_status_t nx_sys_object_wait_many(nx_task_t *caller, uintptr_t items, uint64_t n,
                                    uint64_t deadline_ns, uint32_t *first);

#endif /* NX_OBJECT_WAIT_H */
