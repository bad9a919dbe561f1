/*
 * event.c - the event object (see nx/event.h).
 */
#include "nx/event.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/pool.h"
#include "nx/task.h"

NX_POOL_DEFINE(events, nx_event_t, NX_MAX_EVENTS);

static void event_destroy(nx_object_t *obj)
{
    nx_pool_free(&events, obj);
}

/* No handle can signal it now: its waiters end (NX_ERR_CANCELED). */
static void event_on_last_cap(nx_object_t *obj)
{
    nx_event_t *ev = (nx_event_t *)obj;
    nx_spin_lock(&ev->lock);
    nx_signals_cancel_locked(&ev->source);
    nx_spin_unlock(&ev->lock);
}

static nx_signal_source_t *event_source(nx_object_t *obj)
{
    return &((nx_event_t *)obj)->source;
}

static uint32_t event_signals_locked(nx_object_t *obj)
{
    return nx_event_signals((nx_event_t *)obj);
}

static const nx_object_ops_t event_ops = {
    .type = NX_OBJ_EVENT,
    .name = "event",
    .on_last_cap = event_on_last_cap,
    .destroy = event_destroy,
    .signal_source = event_source,
    .signals_locked = event_signals_locked,
};

void nx_event_reset(void)
{
    nx_pool_reset(&events);
}

nx_status_t nx_sys_event_create(nx_task_t *caller, nx_handle_t *out)
{
    if (out == NULL) {
        nx_audit(caller->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT);
        return NX_ERR_INVALID_ARGS;
    }
    /* Checked again under the lock by nx_cap_install; checking first keeps a
     * dying caller from making (and at once destroying) an event. */
    if (nx_task_dying(caller)) {
        nx_audit(caller->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD);
        return NX_ERR_TASK_DEAD;
    }
    nx_event_t *ev = nx_pool_alloc(&events);
    if (ev == NULL) {
        nx_audit(caller->id, NX_AUDIT_OP_CREATE, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED);
        return NX_ERR_NO_RESOURCES;
    }
    nx_object_init(&ev->obj, &event_ops);
    nx_spin_init(&ev->lock);
    nx_signal_source_init(&ev->source, &ev->lock);
    atomic_store_explicit(&ev->signals, 0u, memory_order_relaxed);
    nx_status_t st = nx_cap_install(caller, &ev->obj, NX_DEFAULT_EVENT_RIGHTS, out);
    nx_object_unref(&ev->obj); /* the handle holds it now, or it goes */
    return st;
}

nx_status_t nx_sys_object_signal(nx_task_t *caller, nx_handle_t h, uint32_t clear, uint32_t set)
{
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_EVENT, NX_RIGHT_SIGNAL, NX_AUDIT_OP_SIGNAL, &obj);
    if (st != NX_OK)
        return st;
    if (((clear | set) & ~NX_SIGNALS_USER) != 0u) {
        nx_audit(caller->id, NX_AUDIT_OP_SIGNAL, h, NX_AUDIT_BAD_ARGUMENT);
        nx_object_unref(obj);
        return NX_ERR_INVALID_ARGS;
    }
    nx_event_t *ev = (nx_event_t *)obj;
    nx_spin_lock(&ev->lock);
    uint32_t now = (atomic_load_explicit(&ev->signals, memory_order_relaxed) & ~clear) | set;
    atomic_store_explicit(&ev->signals, now, memory_order_release);
    nx_signals_changed_locked(&ev->source, now);
    nx_spin_unlock(&ev->lock);
    nx_object_unref(obj);
    return NX_OK;
}

uint32_t nx_event_signals(const nx_event_t *event)
{
    return atomic_load_explicit(&event->signals, memory_order_acquire);
}
