/*
 * thread.c - the thread object and its system calls (see nx/thread.h).
 *
 * References: the creator's (dropped once it has installed a handle or
 * given up), each handle's, and the scheduler's from creation until the
 * thread has exited and its context has been released (nx_thread_reap).
 */
#include "nexus/syscall.h"
#include "nx/audit.h"
#include "nx/kernel.h"
#include "nx/printk.h"
#include "nx/cap.h"
#include "nx/panic.h"
#include "nx/pool.h"
#include "nx/task.h"
#include "nx/user.h"
#include "nx/thread_api.h"
#include "sched_internal.h"

NX_POOL_DEFINE(threads, nx_thread_t, NX_MAX_THREADS);

/* Thread ids count up from 1 (0 is every hart's idle thread) and are never
 * reused within a boot. */
static _Atomic uint32_t next_thread_id = 1;

/* The only place a thread id is made (decision point 4). */
static nx_thread_id_t thread_id_make(uint32_t v)
{
    nx_thread_id_t id = { v };
    return id;
}

static void thread_destroy(nx_object_t *obj)
{
    nx_thread_t *t = (nx_thread_t *)obj;
    if (t->task != NULL) {
        nx_task_thread_unlink(t->task, t);
        nx_task_user_stack_release(t->task, t->stack_slot);
        nx_object_unref(&t->task->obj);
    }
    nx_pool_free(&threads, t);
}

static const nx_object_ops_t thread_ops = {
    .type = NX_OBJ_THREAD,
    .name = "thread",
    .on_last_cap = NULL,
    .destroy = thread_destroy,
};

void nx_thread_reset(void)
{
    nx_pool_reset(&threads);
    atomic_store_explicit(&next_thread_id, 1u, memory_order_relaxed);
}

/* First code of every thread, on its own stack. */
static _Noreturn void thread_start(uintptr_t arg)
{
    nx_sched_finish_switch();
    nx_thread_t *t = (nx_thread_t *)arg;
    if (t->task == NULL) {
        /* A kernel thread: entry is a kernel function. */
        ((void (*)(uintptr_t))t->entry)(t->arg);
        nx_sched_exit(0);
    }
    /* Created just before its task was killed: the kill found nothing to
     * cancel, so the first way out to user mode is where it ends. */
    nx_thread_exit_if_killed(t);
    nx_port_enter_user(t->entry, t->arg, t->user_stack_top, t->user_return);
}

nx_status_t nx_thread_new(nx_task_t *task, uintptr_t entry, uintptr_t arg, nx_qos_t qos,
                          nx_affinity_t affinity, nx_thread_t **out)
{
    nx_thread_t *t = nx_pool_alloc(&threads);
    if (t == NULL)
        return NX_ERR_NO_RESOURCES;
    nx_object_init(&t->obj, &thread_ops);
    t->id = thread_id_make(atomic_fetch_add_explicit(&next_thread_id, 1u, memory_order_relaxed));
    t->entry = entry;
    t->arg = arg;
    t->qos = qos;
    atomic_init(&t->base_qos, qos);
    atomic_init(&t->affinity, affinity);
    atomic_init(&t->hart, nx_port_this_hart());
    t->rq_hart = NX_RQ_NONE;
    nx_spin_init(&t->sched_lock);
    atomic_store(&t->state, (uint32_t)NX_THREAD_BLOCKED); /* until nx_sched_start */
    atomic_store(&t->on_cpu, 0u);
    atomic_init(&t->waiting_on, NULL);
    atomic_store(&t->cancellers, 0u);
    nx_qos_budget_init(&t->own_budget);
    t->budget = task != NULL ? &task->budget : &t->own_budget;
    nx_wait_queue_init(&t->exit_waiters);
    nx_timer_init(&t->timeout, NULL, t);
    t->stack_slot = NX_USER_NO_STACK;
    t->user_stack_top = 0;
    t->ends_task = false;
    if (task != NULL) {
        /* A user thread: a stack in its task's address space. */
        nx_status_t st = nx_task_user_stack(task, &t->user_stack_top, &t->stack_slot);
        if (st != NX_OK) {
            nx_object_unref(&t->obj);
            return st;
        }
        nx_object_ref(&task->obj);
        t->task = task; /* from here destroy releases the slot */
        nx_task_thread_link(task, t);
    }
    if (nx_port_context_init(&t->ctx, thread_start, (uintptr_t)t) != NX_OK) {
        nx_object_unref(&t->obj);
        return NX_ERR_NO_RESOURCES;
    }
    nx_object_ref(&t->obj); /* the scheduler's, until reaped */
    *out = t;
    return NX_OK;
}

nx_status_t nx_thread_wait_exit(nx_thread_t *t, uint64_t deadline, int32_t *code)
{
    nx_status_t st = NX_OK;
    nx_spin_lock(&t->exit_waiters.lock);
    while (atomic_load(&t->state) != NX_THREAD_DEAD && st == NX_OK) {
        st = nx_wait_locked(&t->exit_waiters, deadline);
        nx_spin_lock(&t->exit_waiters.lock);
    }
    if (st == NX_OK) /* the loop ended on DEAD */
        *code = t->exit_code;
    nx_spin_unlock(&t->exit_waiters.lock);
    return st;
}

void nx_thread_discard(nx_thread_t *t)
{
    nx_thread_reap(t);
}

void nx_thread_reap(nx_thread_t *t)
{
    nx_port_context_destroy(&t->ctx);
    nx_object_unref(&t->obj);
}

_Noreturn void nx_thread_exit_killed(void)
{
    nx_sched_exit(NX_EXIT_CODE_KILLED);
}

static const char *fault_name(nx_user_fault_t kind)
{
    switch (kind) {
    case NX_USER_FAULT_PAGE:
        return "page fault";
    case NX_USER_FAULT_ILLEGAL:
        return "illegal instruction";
    case NX_USER_FAULT_MISALIGNED:
        return "misaligned access";
    case NX_USER_FAULT_BREAKPOINT:
        return "breakpoint";
    }
    return "fault";
}

_Noreturn void nx_kernel_user_fault(nx_user_fault_t kind, uintptr_t addr, uintptr_t pc)
{
    nx_thread_t *t = nx_thread_current();
    if (t->task == NULL)
        nx_panic("kernel thread %u took a user fault (%s at 0x%llx)", t->id.v, fault_name(kind),
                 (unsigned long long)addr);
    /* Its task already ended (the fault is a touch of memory the kill just
     * unmapped): it ends as the other threads do, not as a new fault. */
    nx_thread_exit_if_killed(t);
    nx_audit(t->task->id, NX_AUDIT_OP_FAULT, NX_HANDLE_INVALID, NX_AUDIT_USER_FAULT);
    nx_printk("nexus: task %u killed: %s at 0x%llx (pc 0x%llx, thread %u)\n", t->task->id.v,
              fault_name(kind), (unsigned long long)addr, (unsigned long long)pc, t->id.v);
    /* The task ends: its handles close now, its other threads on their next
     * way into or out of the kernel. */
    nx_task_kill(t->task);
    nx_sched_exit(NX_EXIT_CODE_FAULT(kind));
}

_Noreturn void nx_thread_exit_user(nx_thread_t *self, int32_t code)
{
    if (self->ends_task)
        nx_task_kill(self->task); /* the program ends: nothing of it stays */
    nx_sched_exit(code);
}

/* --- system calls ----------------------------------------------------------- */

static bool qos_valid(uint64_t qos)
{
    return qos < NX_QOS_COUNT;
}

nx_status_t nx_sys_thread_create(nx_thread_t *caller, uintptr_t entry, uintptr_t arg, uint64_t qos,
                                 uint64_t affinity, uintptr_t return_to, nx_handle_t *out)
{
    nx_task_t *task = caller->task;
    nx_affinity_t online = nx_sched_online();
    /* A new thread gets no more than its creator: a class not above the
     * creator's, harts among the creator's (decision point 1). */
    if (entry == 0u || !qos_valid(qos) || affinity > UINT32_MAX ||
        ((nx_affinity_t)affinity & online) == 0u) {
        nx_audit(task->id, NX_AUDIT_OP_SCHED, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_INVALID_ARGS;
    }
    if ((nx_qos_t)qos > nx_thread_base_qos(caller) ||
        ((nx_affinity_t)affinity & online & ~nx_thread_affinity(caller)) != 0u) {
        nx_audit(task->id, NX_AUDIT_OP_SCHED, NX_HANDLE_INVALID, NX_AUDIT_NOT_AUTHORITY);
        return NX_ERR_ACCESS_DENIED;
    }
    /* Room for its handle, before anything is made (found by the fuzzer
     * under a filter that kept handles open: the new thread's stack was
     * mapped, then the install failed). */
    if (nx_cap_room(task, 1) != NX_OK) {
        nx_audit(task->id, NX_AUDIT_OP_SCHED, NX_HANDLE_INVALID, NX_AUDIT_TABLE_FULL);
        return NX_ERR_NO_RESOURCES;
    }
    nx_thread_t *t;
    nx_status_t st =
        nx_thread_new(task, entry, arg, (nx_qos_t)qos, (nx_affinity_t)affinity & online, &t);
    if (st != NX_OK) {
        nx_audit(task->id, NX_AUDIT_OP_SCHED, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED);
        return st;
    }
    t->user_return = return_to; /* a bad one only faults the thread itself */
    st = nx_cap_install(task, &t->obj, NX_DEFAULT_THREAD_RIGHTS, out);
    if (st == NX_OK)
        nx_sched_start(t);
    else
        nx_thread_discard(t); /* never ran: drop the scheduler's reference too */
    nx_object_unref(&t->obj);
    return st;
}

nx_status_t nx_sys_thread_sleep_until(nx_thread_t *caller, uint64_t deadline, uint64_t slack)
{
    nx_wait_queue_t q = NX_WAIT_QUEUE_INIT;
    if (nx_deadline_check(deadline) != NX_OK) {
        nx_audit(caller->task->id, NX_AUDIT_OP_SCHED, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_INVALID_ARGS;
    }
    nx_spin_lock(&q.lock);
    nx_status_t st = nx_wait_locked_slack(&q, deadline, slack);
    /* Nobody wakes a private queue: the deadline is the only way out. */
    return st == NX_ERR_TIMED_OUT ? NX_OK : st;
}

nx_status_t nx_sys_thread_join(nx_thread_t *caller, nx_handle_t h, uint64_t deadline, int32_t *code)
{
    nx_object_t *obj;
    nx_status_t st =
        nx_cap_get(caller->task, h, NX_OBJ_THREAD, NX_RIGHT_WAIT, NX_AUDIT_OP_SCHED, &obj);
    if (st != NX_OK)
        return st;
    nx_thread_t *t = (nx_thread_t *)obj;
    if (t == caller) {
        nx_audit(caller->task->id, NX_AUDIT_OP_SCHED, h, NX_AUDIT_BAD_ARGUMENT);
        nx_object_unref(obj);
        return NX_ERR_INVALID_ARGS; /* would wait for itself */
    }
    if (nx_deadline_check(deadline) != NX_OK) {
        nx_audit(caller->task->id, NX_AUDIT_OP_SCHED, h, NX_AUDIT_BAD_ARGUMENT);
        nx_object_unref(obj);
        return NX_ERR_INVALID_ARGS;
    }
    st = nx_thread_wait_exit(t, deadline, code);
    nx_object_unref(obj);
    return st;
}

static bool raises_qos(const nx_thread_t *t, uint64_t qos)
{
    return (nx_qos_t)qos > nx_thread_base_qos(t);
}

static bool widens_affinity(const nx_thread_t *t, uint64_t mask)
{
    return ((nx_affinity_t)mask & ~nx_thread_affinity(t)) != 0u;
}

/*
 * The thread `h` names, for changing its class or harts: needs
 * NX_RIGHT_WRITE; a change that `raises` (a higher class, more harts) also
 * needs `authority`, a handle with NX_RIGHT_MANAGE to the thread's task
 * (the policy service holds those: decision point 1). Lowering one's class
 * or narrowing one's harts needs no authority.
 */
static nx_status_t decode_sched_change(nx_thread_t *caller, nx_handle_t h, nx_handle_t authority,
                                       bool (*raises)(const nx_thread_t *t, uint64_t v), uint64_t v,
                                       nx_thread_t **out)
{
    nx_task_t *task = caller->task;
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(task, h, NX_OBJ_THREAD, NX_RIGHT_WRITE, NX_AUDIT_OP_SCHED, &obj);
    if (st != NX_OK)
        return st;
    nx_thread_t *t = (nx_thread_t *)obj;
    if (atomic_load(&t->state) == NX_THREAD_DEAD) {
        nx_object_unref(obj);
        return NX_ERR_THREAD_EXITED; /* nothing left to schedule */
    }
    if (raises(t, v)) {
        nx_object_t *auth = NULL;
        if (!nx_handle_is_valid(authority)) {
            nx_audit(task->id, NX_AUDIT_OP_SCHED, h, NX_AUDIT_NOT_AUTHORITY);
            st = NX_ERR_ACCESS_DENIED;
        } else {
            st =
                nx_cap_get(task, authority, NX_OBJ_TASK, NX_RIGHT_MANAGE, NX_AUDIT_OP_SCHED, &auth);
            if (st == NX_OK && auth != &t->task->obj) {
                nx_audit(task->id, NX_AUDIT_OP_SCHED, authority, NX_AUDIT_NOT_AUTHORITY);
                st = NX_ERR_ACCESS_DENIED;
            }
            if (auth != NULL)
                nx_object_unref(auth);
        }
    }
    if (st != NX_OK) {
        nx_object_unref(obj);
        return st;
    }
    *out = t;
    return NX_OK;
}

nx_status_t nx_sys_thread_set_qos(nx_thread_t *caller, nx_handle_t h, uint64_t qos,
                                  nx_handle_t authority)
{
    if (!qos_valid(qos)) {
        nx_audit(caller->task->id, NX_AUDIT_OP_SCHED, h, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_INVALID_ARGS;
    }
    nx_thread_t *t;
    nx_status_t st = decode_sched_change(caller, h, authority, raises_qos, qos, &t);
    if (st != NX_OK)
        return st;
    nx_sched_set_qos(t, (nx_qos_t)qos);
    nx_object_unref(&t->obj);
    return NX_OK;
}

nx_status_t nx_sys_thread_set_affinity(nx_thread_t *caller, nx_handle_t h, uint64_t mask,
                                       nx_handle_t authority)
{
    nx_affinity_t online = nx_sched_online();
    if (mask > UINT32_MAX || ((nx_affinity_t)mask & online) == 0u) {
        nx_audit(caller->task->id, NX_AUDIT_OP_SCHED, h, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_INVALID_ARGS;
    }
    nx_affinity_t want = (nx_affinity_t)mask & online;
    nx_thread_t *t;
    nx_status_t st = decode_sched_change(caller, h, authority, widens_affinity, want, &t);
    if (st != NX_OK)
        return st;
    nx_sched_set_affinity(t, want);
    nx_object_unref(&t->obj);
    return NX_OK;
}
