/*
 * nx/event.h - the event object: a word of user signals, set and cleared
 * through handles with NX_RIGHT_SIGNAL and waited on (nx/signals.h).
 */
#ifndef NX_EVENT_H
#define NX_EVENT_H

#include <stdatomic.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nexus/types.h"
#include "nx/object.h"
#include "nx/signals.h"

typedef struct nx_task nx_task_t;

typedef struct nx_event {
    nx_object_t obj;
    nx_spinlock_t lock; /* guards the observers; signals change under it */
    nx_signal_source_t source;
    atomic_uint signals; /* atomic: read without the lock */
} nx_event_t;

/* Create an event and give `caller` a handle (NX_DEFAULT_EVENT_RIGHTS).
 * NX_ERR_NO_RESOURCES (events, table or capability pool full),
 * NX_ERR_INVALID_ARGS (out NULL), NX_ERR_TASK_DEAD (caller dying). */
nx_status_t nx_sys_event_create(nx_task_t *caller, nx_handle_t *out);

/*
 * Clear then set user signal bits (NX_SIGNALS_USER) of the object h names
 * (an event). Needs NX_RIGHT_SIGNAL.
 *   NX_ERR_BAD_HANDLE, NX_ERR_WRONG_TYPE, NX_ERR_ACCESS_DENIED,
 *   NX_ERR_INVALID_ARGS (bits outside NX_SIGNALS_USER), NX_ERR_TASK_DEAD
 */
nx_status_t nx_sys_object_signal(nx_task_t *caller, nx_handle_t h, uint32_t clear, uint32_t set);

/* The current signals of an event (kernel side and tests). */
uint32_t nx_event_signals(const nx_event_t *event);

/* Events alive; core reset only. */
void nx_event_reset(void);

#endif /* NX_EVENT_H */
