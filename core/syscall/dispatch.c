/*
 * dispatch.c - system calls: a table indexed by number, every entry filled.
 *
 * Each entry turns raw 64-bit arguments into typed ones (refusing values
 * that do not fit) and calls the subsystem's nx_sys_* function, which
 * decodes the rest (handles, rights) before it changes anything.
 */
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/channel.h"
#include "nx/event.h"
#include "nx/object_wait.h"
#include "nx/printk.h"
#include "nx/sched.h"
#include "nx/syscall.h"
#include "nx/device.h"
#include "nx/sysfilter.h"
#include "nx/task.h"
#include "nx/timer.h"
#include "nx/thread_api.h"
#include "nx/trace.h"
#include "nx/vmo.h"

typedef nx_syscall_ret_t (*nx_syscall_fn)(nx_thread_t *self, const uint64_t a[6]);

/* The status and the value it comes with. Callers compute the status in a
 * statement of its own: an out-parameter read in the same argument list
 * could be read before the call fills it. */
static nx_syscall_ret_t ret(nx_status_t st, uint64_t value)
{
    nx_syscall_ret_t r = { (int64_t)st, st == NX_OK ? value : 0u };
    return r;
}

/* A handle argument: the low 32 bits, the high ones must be zero. */
static bool handle_arg(uint64_t raw, nx_handle_t *h)
{
    h->v = (uint32_t)raw;
    return raw <= UINT32_MAX;
}

static nx_syscall_ret_t bad_args(nx_thread_t *self)
{
    nx_audit(self->task->id, NX_AUDIT_OP_SYSCALL, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT);
    return ret(NX_ERR_INVALID_ARGS, 0);
}

static nx_syscall_ret_t sys_none(nx_thread_t *self, const uint64_t a[6])
{
    (void)a;
    nx_audit(self->task->id, NX_AUDIT_OP_SYSCALL, NX_HANDLE_INVALID, NX_AUDIT_UNKNOWN_SYSCALL);
    return ret(NX_ERR_NOT_SUPPORTED, 0);
}

static nx_syscall_ret_t sys_time_now(nx_thread_t *self, const uint64_t a[6])
{
    (void)self;
    (void)a;
    return ret(NX_OK, nx_port_time_ns());
}

static nx_syscall_ret_t sys_hart_id(nx_thread_t *self, const uint64_t a[6])
{
    (void)self;
    (void)a;
    return ret(NX_OK, nx_port_this_hart());
}

static nx_syscall_ret_t sys_thread_create(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    nx_status_t st = nx_sys_thread_create(self, (uintptr_t)a[0], (uintptr_t)a[1], a[2], a[3],
                                          (uintptr_t)a[4], &h);
    return ret(st, h.v);
}

static nx_syscall_ret_t sys_thread_exit(nx_thread_t *self, const uint64_t a[6])
{
    nx_thread_exit_user(self, (int32_t)(int64_t)a[0]);
}

static nx_syscall_ret_t sys_thread_yield(nx_thread_t *self, const uint64_t a[6])
{
    (void)self;
    (void)a;
    nx_sched_yield();
    return ret(NX_OK, 0);
}

static nx_syscall_ret_t sys_thread_sleep_until(nx_thread_t *self, const uint64_t a[6])
{
    return ret(nx_sys_thread_sleep_until(self, a[0], a[1]), 0);
}

static nx_syscall_ret_t sys_thread_join(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    int32_t code = 0;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    nx_status_t st = nx_sys_thread_join(self, h, a[1], &code);
    return ret(st, (uint64_t)(int64_t)code);
}

static nx_syscall_ret_t sys_thread_set_qos(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h, auth;
    if (!handle_arg(a[0], &h) || !handle_arg(a[2], &auth))
        return bad_args(self);
    return ret(nx_sys_thread_set_qos(self, h, a[1], auth), 0);
}

static nx_syscall_ret_t sys_thread_set_affinity(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h, auth;
    if (!handle_arg(a[0], &h) || !handle_arg(a[2], &auth))
        return bad_args(self);
    return ret(nx_sys_thread_set_affinity(self, h, a[1], auth), 0);
}

static nx_syscall_ret_t sys_handle_duplicate(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h, out = NX_HANDLE_INVALID;
    if (!handle_arg(a[0], &h) || a[1] > UINT32_MAX)
        return bad_args(self);
    nx_status_t st = nx_sys_handle_duplicate(self->task, h, (nx_rights_t)a[1], &out);
    return ret(st, out.v);
}

static nx_syscall_ret_t sys_handle_replace(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h, out = NX_HANDLE_INVALID;
    if (!handle_arg(a[0], &h) || a[1] > UINT32_MAX)
        return bad_args(self);
    nx_status_t st = nx_sys_handle_replace(self->task, h, (nx_rights_t)a[1], &out);
    return ret(st, out.v);
}

static nx_syscall_ret_t sys_handle_close(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_handle_close(self->task, h), 0);
}

static nx_syscall_ret_t sys_handle_revoke(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    uint32_t revoked = 0;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    nx_status_t st = nx_sys_handle_revoke(self->task, h, &revoked);
    return ret(st, revoked);
}

static nx_syscall_ret_t sys_event_create(nx_thread_t *self, const uint64_t a[6])
{
    (void)a;
    nx_handle_t out = NX_HANDLE_INVALID;
    nx_status_t st = nx_sys_event_create(self->task, &out);
    return ret(st, out.v);
}

static nx_syscall_ret_t sys_object_signal(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h) || a[1] > UINT32_MAX || a[2] > UINT32_MAX)
        return bad_args(self);
    return ret(nx_sys_object_signal(self->task, h, (uint32_t)a[1], (uint32_t)a[2]), 0);
}

static nx_syscall_ret_t sys_channel_create(nx_thread_t *self, const uint64_t a[6])
{
    (void)a;
    uint64_t packed = 0;
    nx_status_t st = nx_sys_channel_create(self->task, &packed);
    return ret(st, packed);
}

static nx_syscall_ret_t sys_channel_write(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(
        nx_sys_channel_write(self->task, h, (uintptr_t)a[1], a[2], (uintptr_t)a[3], a[4], a[5]), 0);
}

static nx_syscall_ret_t sys_channel_read(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_channel_read(self->task, h, (uintptr_t)a[1], a[2], (uintptr_t)a[3], a[4],
                                   (uintptr_t)a[5]),
               0);
}

static nx_syscall_ret_t sys_channel_call(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_channel_call(self->task, h, (uintptr_t)a[1], a[2], (uintptr_t)a[3]), 0);
}

static nx_syscall_ret_t sys_vmo_create(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h = NX_HANDLE_INVALID;
    nx_status_t st = nx_sys_vmo_create(self->task, a[0], &h);
    return ret(st, h.v);
}

static nx_syscall_ret_t sys_vmo_read(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_vmo_read(self->task, h, a[1], (uintptr_t)a[2], a[3]), 0);
}

static nx_syscall_ret_t sys_vmo_write(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_vmo_write(self->task, h, a[1], (uintptr_t)a[2], a[3]), 0);
}

static nx_syscall_ret_t sys_vmo_get_size(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    uint64_t size = 0;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    nx_status_t st = nx_sys_vmo_get_size(self->task, h, &size);
    return ret(st, size);
}

static nx_syscall_ret_t sys_vmo_create_slice(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h, out = NX_HANDLE_INVALID;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    nx_status_t st = nx_sys_vmo_create_slice(self->task, h, a[1], a[2], &out);
    return ret(st, out.v);
}

static nx_syscall_ret_t sys_vmo_seal(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_vmo_seal(self->task, h), 0);
}

static nx_syscall_ret_t sys_vmo_map(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_vmo_map(self->task, h, a[1], a[2], a[3], a[4]), 0);
}

static nx_syscall_ret_t sys_device_info(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_device_info(self->task, h, (uintptr_t)a[1]), 0);
}

static nx_syscall_ret_t sys_device_map(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_device_map(self->task, h, a[1], a[2]), 0);
}

static nx_syscall_ret_t sys_interrupt_create(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t dev, h = NX_HANDLE_INVALID;
    if (!handle_arg(a[0], &dev))
        return bad_args(self);
    nx_status_t st = nx_sys_interrupt_create(self->task, dev, a[1], &h);
    return ret(st, h.v);
}

static nx_syscall_ret_t sys_interrupt_ack(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_interrupt_ack(self->task, h), 0);
}

static nx_syscall_ret_t sys_interrupt_info(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    return ret(nx_sys_interrupt_info(self->task, h, (uintptr_t)a[1]), 0);
}

static nx_syscall_ret_t sys_vmo_create_dma(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h = NX_HANDLE_INVALID;
    nx_status_t st = nx_sys_vmo_create_dma(self->task, a[0], &h);
    return ret(st, h.v);
}

static nx_syscall_ret_t sys_dma_pin(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t dev, vmo, h = NX_HANDLE_INVALID;
    if (!handle_arg(a[0], &dev) || !handle_arg(a[1], &vmo))
        return bad_args(self);
    nx_status_t st = nx_sys_dma_pin(self->task, dev, vmo, a[2], a[3], (uintptr_t)a[4], &h);
    return ret(st, h.v);
}

static nx_syscall_ret_t sys_device_release_quarantine(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t dev;
    uint64_t n = 0;
    if (!handle_arg(a[0], &dev))
        return bad_args(self);
    nx_status_t st = nx_sys_device_release_quarantine(self->task, dev, &n);
    return ret(st, n);
}

static nx_syscall_ret_t sys_vmo_unmap(nx_thread_t *self, const uint64_t a[6])
{
    return ret(nx_sys_vmo_unmap(self->task, a[0], a[1]), 0);
}

/* A wait's value: what it found, on NX_OK and on NX_ERR_TIMED_OUT too. */
static nx_syscall_ret_t wait_ret(nx_status_t st, uint64_t value)
{
    nx_syscall_ret_t r = { (int64_t)st, st == NX_OK || st == NX_ERR_TIMED_OUT ? value : 0u };
    return r;
}

static nx_syscall_ret_t sys_object_wait_one(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    uint32_t observed = 0;
    if (!handle_arg(a[0], &h) || a[1] > UINT32_MAX)
        return bad_args(self);
    nx_status_t st = nx_sys_object_wait_one(self->task, h, (uint32_t)a[1], a[2], &observed);
    return wait_ret(st, observed);
}

static nx_syscall_ret_t sys_object_wait_many(nx_thread_t *self, const uint64_t a[6])
{
    uint32_t first = 0;
    nx_status_t st = nx_sys_object_wait_many(self->task, (uintptr_t)a[0], a[1], a[2], &first);
    return ret(st, first);
}

static nx_syscall_ret_t sys_debug_write(nx_thread_t *self, const uint64_t a[6])
{
    char buf[NX_DEBUG_WRITE_MAX];
    if (a[1] > NX_DEBUG_WRITE_MAX)
        return bad_args(self);
    size_t len = (size_t)a[1];
    nx_status_t st = nx_port_copy_from_user(buf, (uintptr_t)a[0], len);
    if (st != NX_OK) {
        nx_audit(self->task->id, NX_AUDIT_OP_SYSCALL, NX_HANDLE_INVALID, NX_AUDIT_BAD_ADDRESS);
        return ret(st, 0);
    }
    nx_console_write_raw(buf, len);
    return ret(NX_OK, len);
}

static nx_syscall_ret_t sys_kernel_stat(nx_thread_t *self, const uint64_t a[6])
{
    nx_affinity_t online = nx_sched_online();
    if (a[1] > UINT32_MAX) /* never truncated into meaning, even where ignored */
        return bad_args(self);
    if (a[0] == NX_STAT_HARTS_ONLINE)
        return ret(NX_OK, online);
    if (a[0] >= NX_STAT_COUNT || a[1] >= NX_MAX_HARTS || (online & (1u << a[1])) == 0u)
        return bad_args(self);
    uint32_t hart = (uint32_t)a[1];
    nx_sched_stats_t s = nx_sched_stats(hart);
    nx_timer_stats_t t = nx_timer_stats(hart);
    uint64_t v = 0;
    switch ((nx_kernel_stat_t)a[0]) {
    case NX_STAT_CONTEXT_SWITCHES:
        v = s.switches;
        break;
    case NX_STAT_TIMERS_ARMED:
        v = t.armed;
        break;
    case NX_STAT_TIMERS_FIRED:
        v = t.fired;
        break;
    case NX_STAT_TIMER_PROGRAMMED:
        v = t.programmed;
        break;
    case NX_STAT_TIMERS_COALESCED:
        v = t.coalesced;
        break;
    case NX_STAT_IPI_SENT_CORRECTNESS:
        v = s.ipi_sent[NX_IPI_CORRECTNESS];
        break;
    case NX_STAT_IPI_SENT_BEST_EFFORT:
        v = s.ipi_sent[NX_IPI_BEST_EFFORT];
        break;
    case NX_STAT_IPI_COALESCED:
        v = s.ipi_coalesced[NX_IPI_BEST_EFFORT];
        break;
    case NX_STAT_IPI_THROTTLED:
        v = s.ipi_throttled[NX_IPI_BEST_EFFORT];
        break;
    case NX_STAT_IPI_RECEIVED:
        v = s.ipi_received;
        break;
    case NX_STAT_STEALS:
        v = s.steals;
        break;
    case NX_STAT_HARTS_ONLINE:
    case NX_STAT_COUNT:
        break;
    }
    return ret(NX_OK, v);
}

static nx_syscall_ret_t sys_task_filter_attach(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    nx_status_t st = nx_sys_task_filter_attach(self, h, (uintptr_t)a[1], a[2], a[3]);
    return ret(st, 0);
}

static nx_syscall_ret_t sys_task_filter_learned(nx_thread_t *self, const uint64_t a[6])
{
    nx_handle_t h;
    if (!handle_arg(a[0], &h))
        return bad_args(self);
    nx_status_t st = nx_sys_task_filter_learned(self, h, (uintptr_t)a[1], a[2], (uintptr_t)a[3]);
    return ret(st, 0);
}

static const struct {
    const char *name;
    nx_syscall_fn fn;
} table[NX_SYS_COUNT] = {
    [NX_SYS_NONE] = { "none", sys_none },
    [NX_SYS_TIME_NOW] = { "time_now", sys_time_now },
    [NX_SYS_HART_ID] = { "hart_id", sys_hart_id },
    [NX_SYS_THREAD_CREATE] = { "thread_create", sys_thread_create },
    [NX_SYS_THREAD_EXIT] = { "thread_exit", sys_thread_exit },
    [NX_SYS_THREAD_YIELD] = { "thread_yield", sys_thread_yield },
    [NX_SYS_THREAD_SLEEP_UNTIL] = { "thread_sleep_until", sys_thread_sleep_until },
    [NX_SYS_THREAD_JOIN] = { "thread_join", sys_thread_join },
    [NX_SYS_THREAD_SET_QOS] = { "thread_set_qos", sys_thread_set_qos },
    [NX_SYS_THREAD_SET_AFFINITY] = { "thread_set_affinity", sys_thread_set_affinity },
    [NX_SYS_HANDLE_DUPLICATE] = { "handle_duplicate", sys_handle_duplicate },
    [NX_SYS_HANDLE_REPLACE] = { "handle_replace", sys_handle_replace },
    [NX_SYS_HANDLE_CLOSE] = { "handle_close", sys_handle_close },
    [NX_SYS_HANDLE_REVOKE] = { "handle_revoke", sys_handle_revoke },
    [NX_SYS_EVENT_CREATE] = { "event_create", sys_event_create },
    [NX_SYS_OBJECT_SIGNAL] = { "object_signal", sys_object_signal },
    [NX_SYS_DEBUG_WRITE] = { "debug_write", sys_debug_write },
    [NX_SYS_KERNEL_STAT] = { "kernel_stat", sys_kernel_stat },
    [NX_SYS_CHANNEL_CREATE] = { "channel_create", sys_channel_create },
    [NX_SYS_CHANNEL_WRITE] = { "channel_write", sys_channel_write },
    [NX_SYS_CHANNEL_READ] = { "channel_read", sys_channel_read },
    [NX_SYS_OBJECT_WAIT_ONE] = { "object_wait_one", sys_object_wait_one },
    [NX_SYS_OBJECT_WAIT_MANY] = { "object_wait_many", sys_object_wait_many },
    [NX_SYS_CHANNEL_CALL] = { "channel_call", sys_channel_call },
    [NX_SYS_VMO_CREATE] = { "vmo_create", sys_vmo_create },
    [NX_SYS_VMO_READ] = { "vmo_read", sys_vmo_read },
    [NX_SYS_VMO_WRITE] = { "vmo_write", sys_vmo_write },
    [NX_SYS_VMO_GET_SIZE] = { "vmo_get_size", sys_vmo_get_size },
    [NX_SYS_VMO_CREATE_SLICE] = { "vmo_create_slice", sys_vmo_create_slice },
    [NX_SYS_VMO_SEAL] = { "vmo_seal", sys_vmo_seal },
    [NX_SYS_VMO_MAP] = { "vmo_map", sys_vmo_map },
    [NX_SYS_VMO_UNMAP] = { "vmo_unmap", sys_vmo_unmap },
    [NX_SYS_TASK_FILTER_ATTACH] = { "task_filter_attach", sys_task_filter_attach },
    [NX_SYS_TASK_FILTER_LEARNED] = { "task_filter_learned", sys_task_filter_learned },
    [NX_SYS_DEVICE_INFO] = { "device_info", sys_device_info },
    [NX_SYS_DEVICE_MAP] = { "device_map", sys_device_map },
    [NX_SYS_INTERRUPT_CREATE] = { "interrupt_create", sys_interrupt_create },
    [NX_SYS_INTERRUPT_ACK] = { "interrupt_ack", sys_interrupt_ack },
    [NX_SYS_INTERRUPT_INFO] = { "interrupt_info", sys_interrupt_info },
    [NX_SYS_VMO_CREATE_DMA] = { "vmo_create_dma", sys_vmo_create_dma },
    [NX_SYS_DMA_PIN] = { "dma_pin", sys_dma_pin },
    [NX_SYS_DEVICE_RELEASE_QUARANTINE] = { "device_release_quarantine",
                                           sys_device_release_quarantine },
};

const char *nx_syscall_name(uint32_t nr)
{
    return nr < NX_SYS_COUNT && table[nr].name != NULL ? table[nr].name : "unknown";
}

/* Run call nr: the table's function, or sys_none past the table. */
static inline nx_syscall_ret_t run(nx_thread_t *self, uint32_t nr, const uint64_t a[6])
{
    nx_syscall_fn fn = nr < NX_SYS_COUNT ? table[nr].fn : sys_none;
    nx_syscall_ret_t r = fn(self, a);
    nx_trace(NX_TRACE_SYSCALL_EXIT, nr, (uint64_t)r.status);
    return r;
}

/* A call of a filtered task: its filters decide first (the inline bit
 * test, else nx_filter_check), thread_exit excepted. Out of line: the unfiltered path keeps its
 * small frame. */
static __attribute__((noinline)) nx_syscall_ret_t filtered(nx_thread_t *self, uint32_t nr,
                                                           const uint64_t a[6])
{
    nx_filter_stack_t *filters = &self->task->filter;
    uint32_t n = atomic_load_explicit(&filters->count, memory_order_acquire);
    /* Ending is never filtered: a refused thread_exit would only leave the
     * thread running, which no profile means (a learned one never saw it). */
    if (nr != NX_SYS_THREAD_EXIT && !nx_filter_allows_fast(filters, n, nr)) {
        nx_filter_verdict_t v = nx_filter_check(self, nr, a);
        if (v.kind == NX_FILTER_KILL) {
            nx_task_kill(self->task);
            nx_sched_exit(NX_EXIT_CODE_FILTER_KILLED);
        }
        if (v.kind != NX_FILTER_ALLOW) {
            nx_syscall_ret_t refused = ret(v.status, 0);
            nx_trace(NX_TRACE_SYSCALL_EXIT, nr, (uint64_t)refused.status);
            return refused;
        }
    }
    return run(self, nr, a);
}

nx_syscall_ret_t nx_kernel_syscall(uint32_t nr, const uint64_t a[6])
{
    nx_thread_t *self = nx_thread_current();
    nx_thread_exit_if_killed(self);
    nx_trace(NX_TRACE_SYSCALL_ENTER, nr, self->id.v);
    /* The filter decides before any call runs, unknown numbers included; a
     * task without one pays this load and branch. */
    if (__builtin_expect(
            atomic_load_explicit(&self->task->filter.count, memory_order_relaxed) != 0u, 0))
        return filtered(self, nr, a);
    return run(self, nr, a);
}
