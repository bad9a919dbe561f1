/*
 * interrupt.c - interrupt objects (nx/device.h): one device source each,
 * routed to the hart that made it, masked when it fires, unmasked when
 * the driver acknowledges it.
 *
 * The handler runs in interrupt context (nx/irq.h): it masks the source
 * (a level source would otherwise fire again as soon as it is completed,
 * before the driver had a chance to quiet the device), marks the object
 * pending and wakes its waiters. A source that fires again before the ack
 * is merged into the pending one and counted: nothing queues. The last
 * handle going unregisters the source (masked again) and ends the waits.
 */
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/device.h"
#include "nx/irq.h"
#include "nx/pool.h"
#include "nx/port.h"
#include "nx/signals.h"
#include "nx/task.h"

typedef struct nx_interrupt {
    nx_object_t obj;
    uint32_t irq;       /* frozen once made */
    uint32_t device;    /* the device's number (claimed[]) */
    nx_spinlock_t lock; /* guards what follows and the observers (a leaf) */
    nx_signal_source_t source;
    bool pending;
    uint64_t fired, acked, merged;
} nx_interrupt_t;

NX_POOL_DEFINE(interrupts, nx_interrupt_t, NX_MAX_DEVICES);

/* Which devices have their interrupt object (one each). Guarded by
 * claims_lock, a leaf. */
static nx_spinlock_t claims_lock = NX_SPINLOCK_INIT;
static bool claimed[NX_MAX_DEVICES];

void nx_interrupt_reset(void)
{
    nx_pool_reset(&interrupts);
    nx_spin_init(&claims_lock);
    for (uint32_t i = 0; i < NX_MAX_DEVICES; i++)
        claimed[i] = false;
}

uint32_t nx_interrupt_used(void)
{
    return nx_pool_used(&interrupts);
}

static void interrupt_destroy(nx_object_t *obj)
{
    nx_interrupt_t *in = (nx_interrupt_t *)obj;
    nx_spin_lock(&claims_lock);
    claimed[in->device] = false;
    nx_spin_unlock(&claims_lock);
    nx_pool_free(&interrupts, obj);
}

/* Nobody can wait or ack now: the source goes back to masked, the waits
 * end (NX_ERR_CANCELED). Unregistering waits out a handler running on
 * another hart, so none touches the object after this. */
static void interrupt_on_last_cap(nx_object_t *obj)
{
    nx_interrupt_t *in = (nx_interrupt_t *)obj;
    while (nx_irq_unregister(in->irq) == NX_ERR_SHOULD_WAIT) {
    } /* only from inside another handler: never from a system call */
    nx_spin_lock(&in->lock);
    nx_signals_cancel_locked(&in->source);
    nx_spin_unlock(&in->lock);
}

static nx_signal_source_t *interrupt_source(nx_object_t *obj)
{
    return &((nx_interrupt_t *)obj)->source;
}

static uint32_t interrupt_signals_locked(nx_object_t *obj)
{
    return ((nx_interrupt_t *)obj)->pending ? NX_INTERRUPT_PENDING : 0u;
}

static const nx_object_ops_t interrupt_ops = {
    .type = NX_OBJ_INTERRUPT,
    .name = "interrupt",
    .on_last_cap = interrupt_on_last_cap,
    .destroy = interrupt_destroy,
    .signal_source = interrupt_source,
    .signals_locked = interrupt_signals_locked,
};

/* Interrupt context: mask, mark, wake. */
static void fired(uint32_t irq, void *arg)
{
    nx_interrupt_t *in = arg;
    (void)nx_irq_mask(irq, true);
    nx_spin_lock(&in->lock);
    in->fired++;
    if (in->pending)
        in->merged++;
    in->pending = true;
    nx_signals_changed_locked(&in->source, NX_INTERRUPT_PENDING);
    nx_spin_unlock(&in->lock);
}

nx_status_t nx_sys_interrupt_create(nx_task_t *caller, nx_handle_t h, uint64_t index,
                                    nx_handle_t *out)
{
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_DEVICE, NX_RIGHT_READ, NX_AUDIT_OP_DEVICE, &obj);
    if (st != NX_OK)
        return st;
    const nx_device_t *d = (const nx_device_t *)obj;
    uint32_t number = nx_device_number(d);
    nx_audit_reason_t why = NX_AUDIT_OK;
    if (index != 0u || d->info.irq == 0u) { /* one source a device, if it has one */
        why = NX_AUDIT_OUT_OF_RANGE;
        st = NX_ERR_NOT_FOUND;
    } else if (nx_cap_room(caller, 1u) != NX_OK) {
        why = NX_AUDIT_TABLE_FULL;
        st = NX_ERR_NO_RESOURCES;
    }
    bool took = false;
    if (st == NX_OK) {
        nx_spin_lock(&claims_lock);
        took = !claimed[number];
        claimed[number] = true;
        nx_spin_unlock(&claims_lock);
        if (!took) {
            why = NX_AUDIT_BAD_ARGUMENT;
            st = NX_ERR_ALREADY_EXISTS; /* one interrupt object a source */
        }
    }
    nx_interrupt_t *in = NULL;
    if (st == NX_OK && (in = nx_pool_alloc(&interrupts)) == NULL) {
        why = NX_AUDIT_POOL_EXHAUSTED;
        st = NX_ERR_NO_RESOURCES;
    }
    if (st == NX_OK) {
        nx_object_init(&in->obj, &interrupt_ops);
        in->irq = d->info.irq;
        in->device = number;
        nx_spin_init(&in->lock);
        nx_signal_source_init(&in->source, &in->lock);
        in->pending = false;
        in->fired = in->acked = in->merged = 0;
        st = nx_irq_register(in->irq, nx_port_this_hart(), 1u, fired, in);
        bool routed = st == NX_OK;
        if (routed)
            st = nx_cap_install(caller, &in->obj, NX_DEFAULT_INTERRUPT_RIGHTS, out);
        if (st != NX_OK) {
            why = st == NX_ERR_TASK_DEAD ? NX_AUDIT_TASK_DEAD : NX_AUDIT_POOL_EXHAUSTED;
            if (routed)
                (void)nx_irq_unregister(in->irq);
        }
        took = false;              /* the object owns the claim now: destroy returns it */
        nx_object_unref(&in->obj); /* the handle holds it, or it goes */
    }
    if (took) {
        nx_spin_lock(&claims_lock);
        claimed[number] = false;
        nx_spin_unlock(&claims_lock);
    }
    nx_object_unref(obj);
    return st == NX_OK ? NX_OK : nx_device_refuse(caller, h, why, st);
}

nx_status_t nx_sys_interrupt_ack(nx_task_t *caller, nx_handle_t h)
{
    nx_object_t *obj;
    nx_status_t st =
        nx_cap_get(caller, h, NX_OBJ_INTERRUPT, NX_RIGHT_WRITE, NX_AUDIT_OP_DEVICE, &obj);
    if (st != NX_OK)
        return st;
    nx_interrupt_t *in = (nx_interrupt_t *)obj;
    nx_spin_lock(&in->lock);
    bool was = in->pending;
    if (was) {
        in->pending = false;
        in->acked++;
        nx_signals_changed_locked(&in->source, 0u);
    }
    nx_spin_unlock(&in->lock);
    if (was)
        (void)nx_irq_mask(in->irq, false); /* after the clear: a new fire marks it again */
    nx_object_unref(obj);
    return was ? NX_OK : nx_device_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_NOT_PENDING);
}

nx_status_t nx_sys_interrupt_info(nx_task_t *caller, nx_handle_t h, uintptr_t out)
{
    if (out == 0u || nx_port_user_check(out, sizeof(nx_interrupt_info_t), true) != NX_OK)
        return nx_device_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    nx_object_t *obj;
    nx_status_t st =
        nx_cap_get(caller, h, NX_OBJ_INTERRUPT, NX_RIGHT_INSPECT, NX_AUDIT_OP_DEVICE, &obj);
    if (st != NX_OK)
        return st;
    nx_interrupt_t *in = (nx_interrupt_t *)obj;
    nx_interrupt_info_t info;
    nx_spin_lock(&in->lock);
    info.irq = in->irq;
    info.pending = in->pending ? 1u : 0u;
    info.fired = in->fired;
    info.acked = in->acked;
    info.merged = in->merged;
    nx_spin_unlock(&in->lock);
    nx_object_unref(obj);
    if (nx_port_copy_to_user(out, &info, sizeof info) != NX_OK)
        return nx_device_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    return NX_OK;
}
