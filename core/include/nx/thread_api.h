/*
 * nx/thread_api.h - making threads and their system calls.
 */
#ifndef NX_THREAD_API_H
#define NX_THREAD_API_H

#include <stdint.h>

#include "nexus/status.h"
#include "nexus/types.h"
#include "nx/task.h"
#include "nx/thread.h"

/*
 * A new thread of `task` (NULL: a kernel thread, `entry` a kernel function)
 * running entry(arg), not yet runnable: nx_sched_start() makes it so. *out
 * carries the creator's reference. NX_OK or NX_ERR_NO_RESOURCES (threads
 * or stacks exhausted).
 */
nx_status_t nx_thread_new(nx_task_t *task, uintptr_t entry, uintptr_t arg, nx_qos_t qos,
                          nx_affinity_t affinity, nx_thread_t **out);

/* Release a thread that was made but never started (its context and the
 * scheduler's reference; the caller still drops its own). */
void nx_thread_discard(nx_thread_t *t);

/* Wait until `t` has exited (its code in *code) or `deadline` (at most
 * NX_MAX_WAIT_NS away). NX_OK, NX_ERR_TIMED_OUT, NX_ERR_INVALID_ARGS. */
nx_status_t nx_thread_wait_exit(nx_thread_t *t, uint64_t deadline, int32_t *code);

/* A user thread whose task was killed (its program ended or faulted) ends
 * here, on its way into or out of the kernel, with NX_EXIT_CODE_KILLED.
 * Inline: every system call's way back runs it. */
_Noreturn void nx_thread_exit_killed(void); /* its slow path: the calling thread ends */
static inline void nx_thread_exit_if_killed(nx_thread_t *t)
{
    if (t->task != NULL && nx_task_dying(t->task))
        nx_thread_exit_killed();
}

/* The calling user thread ends with `code` (thread_exit, or its function
 * returned). A program's first thread (ends_task) takes its task with it:
 * every other thread, handle and mapping of the task goes now. */
_Noreturn void nx_thread_exit_user(nx_thread_t *self, int32_t code);

/*
 * System calls; `caller` is the calling thread (its task's table is used).
 * nx_sys_thread_create: a thread of the caller's task at entry(arg), class
 *   `qos` and harts `affinity` (both no more than the caller's own),
 *   returning to `return_to` (the user runtime's exit stub), and a handle
 *   to it (NX_DEFAULT_THREAD_RIGHTS). NX_ERR_INVALID_ARGS (entry 0,
 *   class or mask out of range, no online hart in the mask),
 *   NX_ERR_ACCESS_DENIED (more than the caller has), NX_ERR_NO_RESOURCES.
 * nx_sys_thread_sleep_until: block until `deadline` (+ up to `slack`).
 *   NX_ERR_INVALID_ARGS (more than NX_MAX_WAIT_NS away).
 * nx_sys_thread_join: wait for the thread `h` names (NX_RIGHT_WAIT) to
 *   exit, until `deadline`; its exit code in *code. NX_ERR_BAD_HANDLE,
 *   NX_ERR_WRONG_TYPE, NX_ERR_ACCESS_DENIED, NX_ERR_INVALID_ARGS (itself,
 *   deadline too far), NX_ERR_TIMED_OUT.
 * nx_sys_thread_set_qos / _set_affinity: change the class / harts of the
 *   thread `h` names (NX_RIGHT_WRITE). Raising the class or adding harts
 *   needs `authority`: a handle with NX_RIGHT_MANAGE to the thread's task.
 *   NX_ERR_BAD_HANDLE, NX_ERR_WRONG_TYPE, NX_ERR_ACCESS_DENIED (missing
 *   right or authority), NX_ERR_INVALID_ARGS (class or mask out of range),
 *   NX_ERR_THREAD_EXITED (the thread has exited).
 */
nx_status_t nx_sys_thread_create(nx_thread_t *caller, uintptr_t entry, uintptr_t arg, uint64_t qos,
                                 uint64_t affinity, uintptr_t return_to, nx_handle_t *out);
nx_status_t nx_sys_thread_sleep_until(nx_thread_t *caller, uint64_t deadline, uint64_t slack);
nx_status_t nx_sys_thread_join(nx_thread_t *caller, nx_handle_t h, uint64_t deadline,
                               int32_t *code);
nx_status_t nx_sys_thread_set_qos(nx_thread_t *caller, nx_handle_t h, uint64_t qos,
                                  nx_handle_t authority);
nx_status_t nx_sys_thread_set_affinity(nx_thread_t *caller, nx_handle_t h, uint64_t mask,
                                       nx_handle_t authority);

#endif /* NX_THREAD_API_H */
