/*
 * nexus/handle.h - typed handles: one handle type per kind of object.
 *
 * The kernel names a capability with an nx_handle_t and checks, on every
 * call, that it is live, names an object of the kind the call needs and
 * carries the rights (docs/abi/capabilities.md). The user API says the
 * kind in the type as well, as seL4's typed capabilities and Rust's
 * phantom-typed handles do: nx_channel_write takes an nx_channel_handle_t,
 * so handing it a VMO is a compile error instead of a run-time
 * NX_ERR_WRONG_TYPE. Each type is a one-member struct around the
 * nx_handle_t: the same size and the same register value, no cost.
 *
 * The type is a convenience for honest programs, not the boundary: the
 * kernel sees only the number in the register and checks it as before. A
 * program that lies about a kind (the fuzzer does, on purpose) gets the
 * same statuses it always got.
 *
 * Kinds: channel, vmo, event, thread, task. For each kind K:
 *
 *   nx_K_handle_t             the type (struct nx_K_handle { nx_handle_t h; })
 *   NX_K_HANDLE_INVALID       its "none" value
 *   nx_K_to_handle(k)         the untyped handle: to send it over a channel,
 *                             put it in a wait set (nx_wait_item_t), or hand
 *                             it to code that takes any kind
 *   nx_K_from_handle(h)       "h names a K": the one way from an untyped
 *                             handle to a typed one, for handles received
 *                             in a message or a thread's argument; the
 *                             kernel still refuses a wrong guess
 *   nx_K_is_valid(k), nx_K_eq(a, b)
 *
 * Code reads `.h` of a typed handle only here and in nexus/syscall.h:
 * elsewhere the conversions are the greppable way across.
 *
 * nexus/syscall.h adds, per kind, nx_K_duplicate, nx_K_replace, nx_K_close,
 * nx_K_revoke and nx_K_wait_one (NX_TYPED_HANDLE_CALLS), which the generic
 * nx_handle_close(h) and friends pick by h's type.
 *
 * A kind to come (interrupt, mmio, dma, fence: nx_interrupt_handle_t,
 * nx_mmio_handle_t, nx_dma_handle_t, nx_fence_handle_t) adds, with its
 * NX_OBJ_ type: an NX_TYPED_HANDLE() line and an invalid value below, a
 * line in nx_handle_of(); in nexus/syscall.h an NX_TYPED_HANDLE_CALLS()
 * line and a line in NX_HANDLE_DISPATCH; and its calls take its type.
 * Until it is in both lists the generic calls refuse it at compile time,
 * so a missing line cannot go unnoticed.
 */
#ifndef NEXUS_HANDLE_H
#define NEXUS_HANDLE_H

#include <stdbool.h>

#include "nexus/types.h"

/* The type and conversions of one kind (see above for what it defines). */
#define NX_TYPED_HANDLE(kind)                                                                      \
    typedef struct nx_##kind##_handle {                                                            \
        nx_handle_t h;                                                                             \
    } nx_##kind##_handle_t;                                                                        \
    static inline nx_handle_t nx_##kind##_to_handle(nx_##kind##_handle_t k)                        \
    {                                                                                              \
        return k.h;                                                                                \
    }                                                                                              \
    static inline nx_##kind##_handle_t nx_##kind##_from_handle(nx_handle_t h)                      \
    {                                                                                              \
        return (nx_##kind##_handle_t){ h };                                                        \
    }                                                                                              \
    static inline bool nx_##kind##_is_valid(nx_##kind##_handle_t k)                                \
    {                                                                                              \
        return nx_handle_is_valid(k.h);                                                            \
    }                                                                                              \
    static inline bool nx_##kind##_eq(nx_##kind##_handle_t a, nx_##kind##_handle_t b)              \
    {                                                                                              \
        return nx_handle_eq(a.h, b.h);                                                             \
    }                                                                                              \
    _Static_assert(sizeof(nx_##kind##_handle_t) == sizeof(nx_handle_t),                            \
                   "a typed handle is the handle, nothing more")

NX_TYPED_HANDLE(channel);   /* one endpoint of a channel (NX_OBJ_CHANNEL) */
NX_TYPED_HANDLE(vmo);       /* a virtual memory object (NX_OBJ_VMO) */
NX_TYPED_HANDLE(event);     /* a bundle of user signals (NX_OBJ_EVENT) */
NX_TYPED_HANDLE(thread);    /* a thread (NX_OBJ_THREAD) */
NX_TYPED_HANDLE(task);      /* a task (NX_OBJ_TASK) */
NX_TYPED_HANDLE(device);    /* a device (NX_OBJ_DEVICE) */
NX_TYPED_HANDLE(interrupt); /* an interrupt source of a device (NX_OBJ_INTERRUPT) */
NX_TYPED_HANDLE(pin);       /* a pinned range of DMA memory (NX_OBJ_PIN) */

#define NX_CHANNEL_HANDLE_INVALID   ((nx_channel_handle_t){ { 0 } })
#define NX_VMO_HANDLE_INVALID       ((nx_vmo_handle_t){ { 0 } })
#define NX_EVENT_HANDLE_INVALID     ((nx_event_handle_t){ { 0 } })
#define NX_THREAD_HANDLE_INVALID    ((nx_thread_handle_t){ { 0 } })
#define NX_TASK_HANDLE_INVALID      ((nx_task_handle_t){ { 0 } })
#define NX_DEVICE_HANDLE_INVALID    ((nx_device_handle_t){ { 0 } })
#define NX_INTERRUPT_HANDLE_INVALID ((nx_interrupt_handle_t){ { 0 } })
#define NX_PIN_HANDLE_INVALID       ((nx_pin_handle_t){ { 0 } })

static inline nx_handle_t nx_handle_of_handle(nx_handle_t h)
{
    return h;
}

/* Any handle, typed or untyped, as an nx_handle_t: the generic form of
 * nx_K_to_handle, which the calls that take every kind use (handle_close,
 * object_wait_one...). Anything else (a koid, an integer) does not
 * compile. */
/* clang-format off */
#define nx_handle_of(h)                                                                            \
    _Generic((h),                                                                                  \
        nx_handle_t: nx_handle_of_handle,                                                          \
        nx_channel_handle_t: nx_channel_to_handle,                                                 \
        nx_vmo_handle_t: nx_vmo_to_handle,                                                         \
        nx_event_handle_t: nx_event_to_handle,                                                     \
        nx_thread_handle_t: nx_thread_to_handle,                                                   \
        nx_task_handle_t: nx_task_to_handle,                                                       \
        nx_device_handle_t: nx_device_to_handle,                                                   \
        nx_interrupt_handle_t: nx_interrupt_to_handle,                                             \
        nx_pin_handle_t: nx_pin_to_handle)(h)
/* clang-format on */

#endif /* NEXUS_HANDLE_H */
