/*
 * nexus/syscall.h - the system call ABI and the user-side API.
 *
 * A system call passes a number and up to six 64-bit arguments and gets
 * back a status and one 64-bit value (a new handle, a time, an exit code).
 * Numbers are frozen. The same program source runs on every port: each port
 * supplies nx_syscall() (the simulator calls the kernel's dispatcher, RISC-V
 * executes ecall) and nx_compute().
 */
#ifndef NEXUS_SYSCALL_H
#define NEXUS_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/device.h"
#include "nexus/handle.h"
#include "nexus/ipc.h"
#include "nexus/limits.h"
#include "nexus/object.h"
#include "nexus/rights.h"
#include "nexus/sched.h"
#include "nexus/status.h"
#include "nexus/sysfilter.h"
#include "nexus/types.h"
#include "nexus/vmo.h"

typedef enum nx_syscall_nr {
    NX_SYS_NONE = 0,
    NX_SYS_TIME_NOW = 1,      /* -> monotonic ns */
    NX_SYS_HART_ID = 2,       /* -> the logical hart running the caller */
    NX_SYS_THREAD_CREATE = 3, /* entry, arg, qos, affinity -> handle */
    NX_SYS_THREAD_EXIT = 4,   /* code; does not return */
    NX_SYS_THREAD_YIELD = 5,
    NX_SYS_THREAD_SLEEP_UNTIL = 6,   /* deadline ns, slack ns */
    NX_SYS_THREAD_JOIN = 7,          /* handle, deadline ns -> exit code */
    NX_SYS_THREAD_SET_QOS = 8,       /* handle, qos, authority handle */
    NX_SYS_THREAD_SET_AFFINITY = 9,  /* handle, mask, authority handle */
    NX_SYS_HANDLE_DUPLICATE = 10,    /* handle, rights -> handle */
    NX_SYS_HANDLE_REPLACE = 11,      /* handle, rights -> handle */
    NX_SYS_HANDLE_CLOSE = 12,        /* handle */
    NX_SYS_HANDLE_REVOKE = 13,       /* handle -> capabilities revoked */
    NX_SYS_EVENT_CREATE = 14,        /* -> handle */
    NX_SYS_OBJECT_SIGNAL = 15,       /* handle, clear, set */
    NX_SYS_DEBUG_WRITE = 16,         /* pointer, length: bytes to the kernel console */
    NX_SYS_KERNEL_STAT = 17,         /* nx_kernel_stat_t, hart -> the counter */
    NX_SYS_CHANNEL_CREATE = 18,      /* -> handle | handle << 32 */
    NX_SYS_CHANNEL_WRITE = 19,       /* handle, bytes, nbytes, handles, nhandles, txid */
    NX_SYS_CHANNEL_READ = 20,        /* handle, bytes, cap, handles, cap, nx_msg_info_t * */
    NX_SYS_OBJECT_WAIT_ONE = 21,     /* handle, signals, deadline ns -> signals observed */
    NX_SYS_OBJECT_WAIT_MANY = 22,    /* nx_wait_item_t *, count, deadline ns -> first index */
    NX_SYS_CHANNEL_CALL = 23,        /* handle, nx_channel_call_args_t *, deadline, info * */
    NX_SYS_VMO_CREATE = 24,          /* size -> handle */
    NX_SYS_VMO_READ = 25,            /* handle, offset, buffer, length */
    NX_SYS_VMO_WRITE = 26,           /* handle, offset, buffer, length */
    NX_SYS_VMO_GET_SIZE = 27,        /* handle -> size */
    NX_SYS_VMO_CREATE_SLICE = 28,    /* handle, offset, size -> handle */
    NX_SYS_VMO_SEAL = 29,            /* handle */
    NX_SYS_VMO_MAP = 30,             /* handle, vmo offset, address, length, prot */
    NX_SYS_VMO_UNMAP = 31,           /* address, length */
    NX_SYS_TASK_FILTER_ATTACH = 32,  /* task handle, blob, length, flags (nexus/sysfilter.h) */
    NX_SYS_TASK_FILTER_LEARNED = 33, /* task handle, buffer, room, nx_filter_learned_info_t * */
    NX_SYS_DEVICE_INFO = 34,         /* device handle, nx_device_info_t * (nexus/device.h) */
    NX_SYS_DEVICE_MAP = 35,          /* device handle, address, NX_VM_READ | NX_VM_WRITE */
    NX_SYS_INTERRUPT_CREATE = 36,    /* device handle, source index -> interrupt handle */
    NX_SYS_INTERRUPT_ACK = 37,       /* interrupt handle */
    NX_SYS_INTERRUPT_INFO = 38,      /* interrupt handle, nx_interrupt_info_t * */
    NX_SYS_VMO_CREATE_DMA = 39,      /* size -> handle (contiguous, for devices) */
    NX_SYS_DMA_PIN = 40,             /* device, DMA VMO, offset, length, uint64_t * -> pin */
    NX_SYS_DEVICE_RELEASE_QUARANTINE = 41, /* device handle -> pins released */
    NX_SYS_COUNT
} nx_syscall_nr_t;

/* Kernel counters a program may read (NX_SYS_KERNEL_STAT), per hart
 * except HARTS_ONLINE (a mask). Values are frozen. */
typedef enum nx_kernel_stat {
    NX_STAT_HARTS_ONLINE = 0,
    NX_STAT_CONTEXT_SWITCHES = 1,
    NX_STAT_TIMERS_ARMED = 2,
    NX_STAT_TIMERS_FIRED = 3,
    NX_STAT_TIMER_PROGRAMMED = 4,
    NX_STAT_TIMERS_COALESCED = 5, /* hardware programmings avoided */
    NX_STAT_IPI_SENT_CORRECTNESS = 6,
    NX_STAT_IPI_SENT_BEST_EFFORT = 7,
    NX_STAT_IPI_COALESCED = 8, /* best effort */
    NX_STAT_IPI_THROTTLED = 9, /* best effort */
    NX_STAT_IPI_RECEIVED = 10,
    NX_STAT_STEALS = 11,
    NX_STAT_COUNT
} nx_kernel_stat_t;

/* Bytes one debug write may carry. */
#define NX_DEBUG_WRITE_MAX 256u

/* Exit codes the kernel gives a thread it ends: its task was killed (its
 * program ended, or another of its threads faulted), or it faulted itself
 * (kind: nx_user_fault_t, 1..4). Programs' own codes should stay above. */
#define NX_EXIT_CODE_KILLED      (-256)
#define NX_EXIT_CODE_FAULT(kind) (-256 - (int32_t)(kind))

typedef struct nx_syscall_ret {
    int64_t status; /* nx_status_t */
    uint64_t value;
} nx_syscall_ret_t;

/* Port-supplied: enter the kernel. */
nx_syscall_ret_t nx_syscall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                            uint64_t a4, uint64_t a5);

/* Port-supplied: compute for `ns` of CPU time (preemptible). The simulator
 * spends virtual time; hardware spins on the clock. */
void nx_compute(uint64_t ns);

/* Port-supplied: where a thread's function returns to: exits the thread
 * with 0 (nx_thread_create passes it to the kernel). */
void nx_thread_return(void);

/* --- the API programs use --------------------------------------------------- */

/* Handles are typed (nexus/handle.h): a call on one kind of object takes
 * that kind's handle type and a create call gives one. The calls that work
 * on any kind (handle_close, handle_duplicate, handle_replace,
 * handle_revoke, object_wait_one) take any handle type, typed or not, and
 * duplicate and replace give back the kind they were given. Handles in
 * messages and wait sets are untyped (nx_K_to_handle, nx_K_from_handle).
 * The kernel checks every handle as before: the types only stop honest
 * mistakes at compile time. */

static inline uint64_t nx_time_now(void)
{
    return nx_syscall(NX_SYS_TIME_NOW, 0, 0, 0, 0, 0, 0).value;
}

static inline uint32_t nx_hart_id(void)
{
    return (uint32_t)nx_syscall(NX_SYS_HART_ID, 0, 0, 0, 0, 0, 0).value;
}

static inline nx_status_t nx_thread_create(void (*entry)(uintptr_t arg), uintptr_t arg,
                                           nx_qos_t qos, nx_affinity_t affinity,
                                           nx_thread_handle_t *out)
{
    nx_syscall_ret_t r =
        nx_syscall(NX_SYS_THREAD_CREATE, (uint64_t)(uintptr_t)entry, arg, (uint64_t)qos, affinity,
                   (uint64_t)(uintptr_t)nx_thread_return, 0);
    out->h.v = r.status == NX_OK ? (uint32_t)r.value : 0u; /* the invalid handle on failure */
    return (nx_status_t)r.status;
}

static inline _Noreturn void nx_thread_exit(int32_t code)
{
    (void)nx_syscall(NX_SYS_THREAD_EXIT, (uint64_t)(int64_t)code, 0, 0, 0, 0, 0);
    for (;;) {
    }
}

static inline void nx_yield(void)
{
    (void)nx_syscall(NX_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
}

static inline nx_status_t nx_sleep_until(uint64_t deadline_ns, uint64_t slack_ns)
{
    return (nx_status_t)nx_syscall(NX_SYS_THREAD_SLEEP_UNTIL, deadline_ns, slack_ns, 0, 0, 0, 0)
        .status;
}

static inline nx_status_t nx_thread_join(nx_thread_handle_t thread, uint64_t deadline_ns,
                                         int32_t *code)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_THREAD_JOIN, thread.h.v, deadline_ns, 0, 0, 0, 0);
    if (r.status == NX_OK && code != 0)
        *code = (int32_t)(int64_t)r.value;
    return (nx_status_t)r.status;
}

/* `authority`: a task handle with NX_RIGHT_MANAGE to the thread's task, or
 * NX_TASK_HANDLE_INVALID (docs/abi/syscalls.md, authority over scheduling). */
static inline nx_status_t nx_thread_set_qos(nx_thread_handle_t thread, nx_qos_t qos,
                                            nx_task_handle_t authority)
{
    return (nx_status_t)nx_syscall(NX_SYS_THREAD_SET_QOS, thread.h.v, (uint64_t)qos, authority.h.v,
                                   0, 0, 0)
        .status;
}

static inline nx_status_t nx_thread_set_affinity(nx_thread_handle_t thread, nx_affinity_t mask,
                                                 nx_task_handle_t authority)
{
    return (nx_status_t)nx_syscall(NX_SYS_THREAD_SET_AFFINITY, thread.h.v, mask, authority.h.v, 0,
                                   0, 0)
        .status;
}

/* --- calls on a handle of any kind ---
 * nx_handle_close(h), nx_handle_revoke(h, &n), nx_object_wait_one(h, ...),
 * nx_handle_duplicate(h, rights, &out) and nx_handle_replace(h, rights,
 * &out) take a handle of any type, typed or not; duplicate and replace
 * give back h's kind (out points to the same type as h). The _untyped
 * functions are the calls themselves. */

static inline nx_status_t nx_handle_duplicate_untyped(nx_handle_t h, nx_rights_t rights,
                                                      nx_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_HANDLE_DUPLICATE, h.v, rights, 0, 0, 0, 0);
    out->v = r.status == NX_OK ? (uint32_t)r.value : 0u; /* NX_HANDLE_INVALID on failure */
    return (nx_status_t)r.status;
}

static inline nx_status_t nx_handle_replace_untyped(nx_handle_t h, nx_rights_t rights,
                                                    nx_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_HANDLE_REPLACE, h.v, rights, 0, 0, 0, 0);
    out->v = r.status == NX_OK ? (uint32_t)r.value : 0u; /* NX_HANDLE_INVALID on failure */
    return (nx_status_t)r.status;
}

static inline nx_status_t nx_handle_close_untyped(nx_handle_t h)
{
    return (nx_status_t)nx_syscall(NX_SYS_HANDLE_CLOSE, h.v, 0, 0, 0, 0, 0).status;
}

static inline nx_status_t nx_handle_revoke_untyped(nx_handle_t h, uint32_t *revoked)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_HANDLE_REVOKE, h.v, 0, 0, 0, 0, 0);
    if (r.status == NX_OK && revoked != 0)
        *revoked = (uint32_t)r.value;
    return (nx_status_t)r.status;
}

/* Wait until the object h names has a signal in `signals`, or until
 * `deadline_ns` (a past deadline polls); *observed gets its signals (on
 * NX_OK and NX_ERR_TIMED_OUT). */
static inline nx_status_t nx_object_wait_one_untyped(nx_handle_t h, uint32_t signals,
                                                     uint64_t deadline_ns, uint32_t *observed)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_OBJECT_WAIT_ONE, h.v, signals, deadline_ns, 0, 0, 0);
    if (observed != NULL)
        *observed = (uint32_t)r.value;
    return (nx_status_t)r.status;
}

/* The calls above for one kind K, the kind kept: nx_K_duplicate,
 * nx_K_replace (out: a K), nx_K_close, nx_K_revoke, nx_K_wait_one. The
 * generic macros below pick them by the handle's type. */
#define NX_TYPED_HANDLE_CALLS(kind)                                                                \
    static inline nx_status_t nx_##kind##_duplicate(nx_##kind##_handle_t k, nx_rights_t rights,    \
                                                    nx_##kind##_handle_t *out)                     \
    {                                                                                              \
        return nx_handle_duplicate_untyped(k.h, rights, &out->h);                                  \
    }                                                                                              \
    static inline nx_status_t nx_##kind##_replace(nx_##kind##_handle_t k, nx_rights_t rights,      \
                                                  nx_##kind##_handle_t *out)                       \
    {                                                                                              \
        return nx_handle_replace_untyped(k.h, rights, &out->h);                                    \
    }                                                                                              \
    static inline nx_status_t nx_##kind##_close(nx_##kind##_handle_t k)                            \
    {                                                                                              \
        return nx_handle_close_untyped(k.h);                                                       \
    }                                                                                              \
    static inline nx_status_t nx_##kind##_revoke(nx_##kind##_handle_t k, uint32_t *revoked)        \
    {                                                                                              \
        return nx_handle_revoke_untyped(k.h, revoked);                                             \
    }                                                                                              \
    static inline nx_status_t nx_##kind##_wait_one(nx_##kind##_handle_t k, uint32_t signals,       \
                                                   uint64_t deadline_ns, uint32_t *observed)       \
    {                                                                                              \
        return nx_object_wait_one_untyped(k.h, signals, deadline_ns, observed);                    \
    }                                                                                              \
    _Static_assert(sizeof(nx_##kind##_handle_t) == sizeof(nx_handle_t), "out->h is all of *out")

NX_TYPED_HANDLE_CALLS(channel);
NX_TYPED_HANDLE_CALLS(vmo);
NX_TYPED_HANDLE_CALLS(event);
NX_TYPED_HANDLE_CALLS(thread);
NX_TYPED_HANDLE_CALLS(task);
NX_TYPED_HANDLE_CALLS(device);
NX_TYPED_HANDLE_CALLS(interrupt);
NX_TYPED_HANDLE_CALLS(pin);

/* The function for `op` of h's kind; `untyped` for an nx_handle_t. Any
 * other type (a koid, an integer) does not compile. */
/* clang-format off */
#define NX_HANDLE_DISPATCH(h, untyped, op)                                                         \
    _Generic((h),                                                                                  \
        nx_handle_t: untyped,                                                                      \
        nx_channel_handle_t: nx_channel_##op,                                                      \
        nx_vmo_handle_t: nx_vmo_##op,                                                              \
        nx_event_handle_t: nx_event_##op,                                                          \
        nx_thread_handle_t: nx_thread_##op,                                                        \
        nx_task_handle_t: nx_task_##op,                                                            \
        nx_device_handle_t: nx_device_##op,                                                        \
        nx_interrupt_handle_t: nx_interrupt_##op,                                                  \
        nx_pin_handle_t: nx_pin_##op)
/* clang-format on */

/* A second handle to h's object with `rights` (NX_RIGHTS_SAME: h's), of
 * h's kind; *out is the kind's invalid value on failure. */
#define nx_handle_duplicate(h, rights, out)                                                        \
    NX_HANDLE_DISPATCH(h, nx_handle_duplicate_untyped, duplicate)(h, rights, out)

/* Swap h for a handle with `rights` (no more than h's), of h's kind; h is
 * gone on success. */
#define nx_handle_replace(h, rights, out)                                                          \
    NX_HANDLE_DISPATCH(h, nx_handle_replace_untyped, replace)(h, rights, out)

#define nx_handle_close(h) NX_HANDLE_DISPATCH(h, nx_handle_close_untyped, close)(h)

#define nx_handle_revoke(h, revoked)                                                               \
    NX_HANDLE_DISPATCH(h, nx_handle_revoke_untyped, revoke)(h, revoked)

#define nx_object_wait_one(h, signals, deadline_ns, observed)                                      \
    NX_HANDLE_DISPATCH(h, nx_object_wait_one_untyped, wait_one)(h, signals, deadline_ns, observed)

/* --- events ---------------------------------------------------------------- */

static inline nx_status_t nx_event_create(nx_event_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_EVENT_CREATE, 0, 0, 0, 0, 0, 0);
    out->h.v = r.status == NX_OK ? (uint32_t)r.value : 0u; /* the invalid handle on failure */
    return (nx_status_t)r.status;
}

/* Clear, then set, user signals (NX_SIGNALS_USER) of an event: the only
 * kind with user signals today (the kernel answers NX_ERR_WRONG_TYPE for
 * another). */
static inline nx_status_t nx_object_signal(nx_event_handle_t ev, uint32_t clear, uint32_t set)
{
    return (nx_status_t)nx_syscall(NX_SYS_OBJECT_SIGNAL, ev.h.v, clear, set, 0, 0, 0).status;
}

/* A kernel counter; NX_ERR_INVALID_ARGS for an unknown one or a hart that
 * is not online. */
static inline nx_status_t nx_kernel_stat(nx_kernel_stat_t stat, uint32_t hart, uint64_t *value)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_KERNEL_STAT, (uint64_t)stat, hart, 0, 0, 0, 0);
    *value = r.value;
    return (nx_status_t)r.status;
}

/* --- channels (docs/abi/ipc.md) ---------------------------------------------
 * The handles a message carries are untyped: a message may carry any kind;
 * the receiver says what it expects with nx_K_from_handle. */

/* A channel: two endpoint handles. */
static inline nx_status_t nx_channel_create(nx_channel_handle_t *a, nx_channel_handle_t *b)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_CHANNEL_CREATE, 0, 0, 0, 0, 0, 0);
    a->h.v = r.status == NX_OK ? (uint32_t)r.value : 0u;
    b->h.v = r.status == NX_OK ? (uint32_t)(r.value >> 32) : 0u;
    return (nx_status_t)r.status;
}

/* Write n bytes and nh handles (moved out of the caller's table) on ch. */
static inline nx_status_t nx_channel_write(nx_channel_handle_t ch, const void *bytes, uint32_t n,
                                           const nx_handle_t *handles, uint32_t nh, uint64_t txid)
{
    return (nx_status_t)nx_syscall(NX_SYS_CHANNEL_WRITE, ch.h.v, (uint64_t)(uintptr_t)bytes, n,
                                   (uint64_t)(uintptr_t)handles, nh, txid)
        .status;
}

/* Read the oldest message on ch into bytes (cap) and handles (hcap); *info
 * says what it held (also on NX_ERR_BUFFER_TOO_SMALL). */
static inline nx_status_t nx_channel_read(nx_channel_handle_t ch, void *bytes, uint32_t cap,
                                          nx_handle_t *handles, uint32_t hcap, nx_msg_info_t *info)
{
    return (nx_status_t)nx_syscall(NX_SYS_CHANNEL_READ, ch.h.v, (uint64_t)(uintptr_t)bytes, cap,
                                   (uint64_t)(uintptr_t)handles, hcap, (uint64_t)(uintptr_t)info)
        .status;
}

/* Call: write `n` bytes and `nh` handles on ch, wait until `deadline_ns`
 * for the reply (the peer's write carrying the txid the kernel chose) and
 * read it into `reply` (cap bytes) and `rhandles` (hcap); *info says what
 * it held (also on NX_ERR_BUFFER_TOO_SMALL). */
static inline nx_status_t nx_channel_call(nx_channel_handle_t ch, const void *bytes, uint32_t n,
                                          const nx_handle_t *handles, uint32_t nh, void *reply,
                                          uint32_t cap, nx_handle_t *rhandles, uint32_t hcap,
                                          uint64_t deadline_ns, nx_msg_info_t *info)
{
    nx_channel_call_args_t args = {
        (uint64_t)(uintptr_t)bytes,
        (uint64_t)(uintptr_t)handles,
        (uint64_t)(uintptr_t)reply,
        (uint64_t)(uintptr_t)rhandles,
        n,
        nh,
        cap,
        hcap,
    };
    return (nx_status_t)nx_syscall(NX_SYS_CHANNEL_CALL, ch.h.v, (uint64_t)(uintptr_t)&args,
                                   deadline_ns, (uint64_t)(uintptr_t)info, 0, 0)
        .status;
}

/* Wait on up to NX_WAIT_MANY_MAX objects at once: until one has a signal
 * its item waits for; every item's pending gets its object's signals and
 * *first the lowest index that fired. Items hold untyped handles (any
 * kind: nx_K_to_handle). */
static inline nx_status_t nx_object_wait_many(nx_wait_item_t *items, uint32_t n,
                                              uint64_t deadline_ns, uint32_t *first)
{
    nx_syscall_ret_t r =
        nx_syscall(NX_SYS_OBJECT_WAIT_MANY, (uint64_t)(uintptr_t)items, n, deadline_ns, 0, 0, 0);
    if (first != NULL)
        *first = (uint32_t)r.value;
    return (nx_status_t)r.status;
}

/* --- VMOs (docs/abi/vmo.md) ------------------------------------------------- */

/* A VMO of `size` bytes (rounded up to NX_VMO_PAGE_SIZE), zeroed, charged
 * to the caller's memory budget. */
static inline nx_status_t nx_vmo_create(uint64_t size, nx_vmo_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_VMO_CREATE, size, 0, 0, 0, 0, 0);
    out->h.v = (uint32_t)r.value;
    return (nx_status_t)r.status;
}

/* Copy `len` bytes at `offset` of the VMO into `buf`. */
static inline nx_status_t nx_vmo_read(nx_vmo_handle_t vmo, uint64_t offset, void *buf, uint64_t len)
{
    return (nx_status_t)nx_syscall(NX_SYS_VMO_READ, vmo.h.v, offset, (uint64_t)(uintptr_t)buf, len,
                                   0, 0)
        .status;
}

/* Copy `len` bytes of `buf` into the VMO at `offset`. */
static inline nx_status_t nx_vmo_write(nx_vmo_handle_t vmo, uint64_t offset, const void *buf,
                                       uint64_t len)
{
    return (nx_status_t)nx_syscall(NX_SYS_VMO_WRITE, vmo.h.v, offset, (uint64_t)(uintptr_t)buf, len,
                                   0, 0)
        .status;
}

/* The VMO's size in bytes (a multiple of NX_VMO_PAGE_SIZE). */
static inline nx_status_t nx_vmo_get_size(nx_vmo_handle_t vmo, uint64_t *size)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_VMO_GET_SIZE, vmo.h.v, 0, 0, 0, 0, 0);
    *size = r.value;
    return (nx_status_t)r.status;
}

/* A slice: a VMO that is the window [offset, offset + size) of vmo's pages. */
static inline nx_status_t nx_vmo_create_slice(nx_vmo_handle_t vmo, uint64_t offset, uint64_t size,
                                              nx_vmo_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_VMO_CREATE_SLICE, vmo.h.v, offset, size, 0, 0, 0);
    out->h.v = (uint32_t)r.value;
    return (nx_status_t)r.status;
}

/* Seal the VMO read-only, for every holder, for good. */
static inline nx_status_t nx_vmo_seal(nx_vmo_handle_t vmo)
{
    return (nx_status_t)nx_syscall(NX_SYS_VMO_SEAL, vmo.h.v, 0, 0, 0, 0, 0).status;
}

/* Map `len` bytes of the VMO, from `offset`, at `addr` with NX_VM_* `prot`. */
static inline nx_status_t nx_vmo_map(nx_vmo_handle_t vmo, uint64_t offset, uintptr_t addr,
                                     uint64_t len, uint32_t prot)
{
    return (nx_status_t)nx_syscall(NX_SYS_VMO_MAP, vmo.h.v, offset, addr, len, prot, 0).status;
}

/* Remove the mapping vmo_map made at `addr` (exactly `len` bytes). */
static inline nx_status_t nx_vmo_unmap(uintptr_t addr, uint64_t len)
{
    return (nx_status_t)nx_syscall(NX_SYS_VMO_UNMAP, addr, len, 0, 0, 0, 0).status;
}

/* --- devices (nexus/device.h, docs/abi/devices.md) --------------------------- */

/* What the device is, where its window is, how it is mapped. */
static inline nx_status_t nx_device_info(nx_device_handle_t dev, nx_device_info_t *out)
{
    return (nx_status_t)nx_syscall(NX_SYS_DEVICE_INFO, dev.h.v, (uintptr_t)out, 0, 0, 0, 0).status;
}

/* Map the device's register window at `addr` (its info's map_size bytes;
 * the registers start at addr + map_offset); unmap with nx_vmo_unmap. */
static inline nx_status_t nx_device_map(nx_device_handle_t dev, uintptr_t addr, uint32_t prot)
{
    return (nx_status_t)nx_syscall(NX_SYS_DEVICE_MAP, dev.h.v, addr, prot, 0, 0, 0).status;
}

/* An interrupt object for the device's source `index` (0), routed to the
 * calling hart: wait for NX_INTERRUPT_PENDING on it (object_wait_one or a
 * wait set), then acknowledge it, which unmasks the source. *out is
 * NX_INTERRUPT_HANDLE_INVALID on failure. */
static inline nx_status_t nx_interrupt_create(nx_device_handle_t dev, uint32_t index,
                                              nx_interrupt_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_INTERRUPT_CREATE, dev.h.v, index, 0, 0, 0, 0);
    *out = r.status == NX_OK ? nx_interrupt_from_handle((nx_handle_t){ (uint32_t)r.value })
                             : NX_INTERRUPT_HANDLE_INVALID;
    return (nx_status_t)r.status;
}

static inline nx_status_t nx_interrupt_ack(nx_interrupt_handle_t irq)
{
    return (nx_status_t)nx_syscall(NX_SYS_INTERRUPT_ACK, irq.h.v, 0, 0, 0, 0, 0).status;
}

static inline nx_status_t nx_interrupt_info(nx_interrupt_handle_t irq, nx_interrupt_info_t *out)
{
    return (nx_status_t)nx_syscall(NX_SYS_INTERRUPT_INFO, irq.h.v, (uintptr_t)out, 0, 0, 0, 0)
        .status;
}

/* A VMO a device may access (physically contiguous, never executable). */
static inline nx_status_t nx_vmo_create_dma(uint64_t size, nx_vmo_handle_t *out)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_VMO_CREATE_DMA, size, 0, 0, 0, 0, 0);
    *out = r.status == NX_OK ? nx_vmo_from_handle((nx_handle_t){ (uint32_t)r.value })
                             : NX_VMO_HANDLE_INVALID;
    return (nx_status_t)r.status;
}

/* Pin [offset, offset + len) of a DMA VMO for `dev`: *addr is where the
 * device finds it; closing *pin unpins. */
static inline nx_status_t nx_dma_pin(nx_device_handle_t dev, nx_vmo_handle_t vmo, uint64_t offset,
                                     uint64_t len, uint64_t *addr, nx_pin_handle_t *pin)
{
    nx_syscall_ret_t r =
        nx_syscall(NX_SYS_DMA_PIN, dev.h.v, vmo.h.v, offset, len, (uintptr_t)addr, 0);
    *pin = r.status == NX_OK ? nx_pin_from_handle((nx_handle_t){ (uint32_t)r.value })
                             : NX_PIN_HANDLE_INVALID;
    return (nx_status_t)r.status;
}

/* The device was reset: release the pins its dead drivers left; *n of them. */
static inline nx_status_t nx_device_release_quarantine(nx_device_handle_t dev, uint64_t *n)
{
    nx_syscall_ret_t r = nx_syscall(NX_SYS_DEVICE_RELEASE_QUARANTINE, dev.h.v, 0, 0, 0, 0, 0);
    if (n != NULL)
        *n = r.value;
    return (nx_status_t)r.status;
}

/* --- the system call filter (nexus/sysfilter.h, docs/sysfilter.md) ----------- */

/* Push the filter the blob (`len` bytes) describes onto `task`'s stack:
 * the caller's own task, or one its handle has MANAGE on. */
/* Write what `task`'s learning filter saw as an enforcing profile (one
 * rule per call seen, deny by default) into buf (cap bytes); *info says
 * what it holds. */
static inline nx_status_t nx_task_filter_learned(nx_task_handle_t task, void *buf, uint64_t cap,
                                                 nx_filter_learned_info_t *info)
{
    return (nx_status_t)nx_syscall(NX_SYS_TASK_FILTER_LEARNED, task.h.v, (uint64_t)(uintptr_t)buf,
                                   cap, (uint64_t)(uintptr_t)info, 0, 0)
        .status;
}

static inline nx_status_t nx_task_filter_attach(nx_task_handle_t task, const void *blob,
                                                uint64_t len, uint64_t flags)
{
    return (nx_status_t)nx_syscall(NX_SYS_TASK_FILTER_ATTACH, task.h.v, (uint64_t)(uintptr_t)blob,
                                   len, flags, 0, 0)
        .status;
}

/* --- the console ------------------------------------------------------------ */

/* Write `len` bytes (at most NX_DEBUG_WRITE_MAX) to the kernel console.
 * NX_ERR_INVALID_ARGS (too long), NX_ERR_BAD_ADDRESS (not the caller's
 * memory). */
static inline nx_status_t nx_debug_write(const void *buf, size_t len)
{
    return (nx_status_t)nx_syscall(NX_SYS_DEBUG_WRITE, (uint64_t)(uintptr_t)buf, len, 0, 0, 0, 0)
        .status;
}

/* Write a string: copied to the stack first, so the kernel reads it from
 * memory every port counts as the program's own (a string literal of a
 * simulated program is host memory). Longer strings are cut. */
static inline nx_status_t nx_print(const char *s)
{
    char line[NX_DEBUG_WRITE_MAX];
    size_t n = 0;
    while (n < sizeof line && s[n] != '\0') {
        line[n] = s[n];
        n++;
    }
    return nx_debug_write(line, n);
}

#endif /* NEXUS_SYSCALL_H */
