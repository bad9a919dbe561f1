/*
 * nx/object.h - the header every kernel object starts with.
 *
 * An object lives in its type's pool and is reached through capabilities
 * (handles in a task's table, or caps in flight inside messages) and kernel
 * references. `refs` counts both: each capability holds one reference. The
 * object is destroyed exactly when the last reference goes; its type's
 * on_last_cap hook runs once, when the last capability goes (a channel's
 * peer then sees PEER_CLOSED), before that final reference is dropped.
 *
 * Both hooks run with no capability lock held (they may close handles).
 */
#ifndef NX_OBJECT_H
#define NX_OBJECT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "nexus/object.h"
#include "nexus/types.h"

typedef struct nx_object nx_object_t;
typedef struct nx_signal_source nx_signal_source_t;

typedef struct nx_object_ops {
    nx_object_type_t type;
    const char *name;
    /* The last capability to the object is gone (may be NULL). */
    void (*on_last_cap)(nx_object_t *obj);
    /* The last reference is gone: release the object and its pool slot. */
    void (*destroy)(nx_object_t *obj);
    /* Waitable objects (nx/signals.h): their observers, and their signals
     * with the source's lock held. NULL for objects nobody can wait on. */
    nx_signal_source_t *(*signal_source)(nx_object_t *obj);
    uint32_t (*signals_locked)(nx_object_t *obj);
    /* It keeps capabilities (a channel endpoint's queue holds messages) and
     * has at most one (no DUPLICATE right): nx_cap_detach_into refuses a
     * message that would make it hold, through queues, its own capability,
     * a cycle nothing could ever close. */
    bool holds_caps;
} nx_object_ops_t;

struct nx_object {
    const nx_object_ops_t *ops;
    nx_koid_t koid;
    uint32_t type; /* nx_object_type_t, == ops->type; copied into handles */
    atomic_uint refs;
    /* Guarded by the capability lock (core/cap): */
    uint32_t caps;          /* handles plus caps in flight */
    nx_object_t *held_in;   /* holds_caps objects in flight: whose queue holds their cap */
    nx_object_t *reap_next; /* on an operation's reaper list after its last cap */
};

/* Start an object's life: a fresh koid, one reference (the creator's), no
 * capabilities. */
void nx_object_init(nx_object_t *obj, const nx_object_ops_t *ops);

/* Panic: a reference taken on a destroyed object (out of line: cold). */
_Noreturn void nx_object_ref_dead(const nx_object_t *obj);

/* Take a kernel reference. */
static inline void nx_object_ref(nx_object_t *obj)
{
    if (atomic_fetch_add_explicit(&obj->refs, 1u, memory_order_relaxed) == 0u)
        nx_object_ref_dead(obj);
}

/* The last reference gone (or one too many dropped): out of line, cold. */
void nx_object_unref_last(nx_object_t *obj, unsigned old);

/* Drop a kernel reference. Dropping the last one destroys the object; never
 * drop one while holding the capability lock. Inline: every syscall on a
 * handle drops the reference its lookup took. */
static inline void nx_object_unref(nx_object_t *obj)
{
    unsigned old = atomic_fetch_sub_explicit(&obj->refs, 1u, memory_order_acq_rel);
    if (__builtin_expect(old <= 1u, 0))
        nx_object_unref_last(obj, old);
}

/* Koids handed out since boot (the next is this + NX_KOID_FIRST). */
uint64_t nx_koid_issued(void);

/* Koids below this are reserved for well-known kernel objects. */
#define NX_KOID_FIRST 1024u

/* Reset koid allocation; core reset only. */
void nx_object_reset(void);

#endif /* NX_OBJECT_H */
