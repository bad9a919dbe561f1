/*
 * dma.c - pins: ranges of DMA VMOs a device may access (nx/device.h).
 *
 * A pin holds its VMO (so the pages are neither freed nor reused while a
 * device may be writing them) and remembers which device it is for. Its
 * one handle is its holder's, who closes it to unpin. When the holder's
 * task dies instead, the device may still be mid-transfer into those
 * pages: the pin goes to the device's quarantine, keeping its VMO, until
 * the holder of the device says the device was reset
 * (device_release_quarantine), as Zircon's BTI quarantine does. No IOMMU
 * stands between a device and memory here (ADR 0007): what the kernel
 * guarantees is that it only ever tells devices addresses of memory
 * pinned for them, and never hands those pages to anything else first.
 */
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/device.h"
#include "nx/pool.h"
#include "nx/port.h"
#include "nx/task.h"
#include "nx/vmo.h"

typedef struct nx_pin {
    nx_object_t obj;
    /* Frozen once made: */
    nx_object_t *vmo;  /* a reference: the pages stay */
    nx_task_t *holder; /* whose death quarantines it (its one handle is there) */
    uint32_t device;   /* the device's number */
    uint64_t addr, len;
    /* Guarded by quarantine_lock: */
    bool quarantined;
} nx_pin_t;

NX_POOL_DEFINE(pins, nx_pin_t, NX_MAX_PINS);

/* Pins whose holder died, by device, waiting for the device's reset.
 * Guarded by quarantine_lock, a leaf. */
static nx_spinlock_t quarantine_lock = NX_SPINLOCK_INIT;
static nx_pin_t *quarantine[NX_MAX_PINS];
static uint32_t quarantined;

void nx_dma_reset(void)
{
    nx_pool_reset(&pins);
    nx_spin_init(&quarantine_lock);
    quarantined = 0;
}

uint32_t nx_pins_quarantined(void)
{
    nx_spin_lock(&quarantine_lock);
    uint32_t n = quarantined;
    nx_spin_unlock(&quarantine_lock);
    return n;
}

static void pin_destroy(nx_object_t *obj)
{
    nx_pin_t *p = (nx_pin_t *)obj;
    nx_object_unref(p->vmo); /* may free the VMO and its pages: never under a lock */
    nx_pool_free(&pins, obj);
}

/* Unpinned by its holder: the pages go with the VMO's last reference. Its
 * holder dying: quarantined, with a reference the release drops. */
static void pin_on_last_cap(nx_object_t *obj)
{
    nx_pin_t *p = (nx_pin_t *)obj;
    if (!nx_task_dying(p->holder))
        return;
    nx_object_ref(obj);
    nx_spin_lock(&quarantine_lock);
    p->quarantined = true;
    quarantine[quarantined++] = p; /* at most NX_MAX_PINS pins exist */
    nx_spin_unlock(&quarantine_lock);
}

static const nx_object_ops_t pin_ops = {
    .type = NX_OBJ_PIN,
    .name = "pin",
    .on_last_cap = pin_on_last_cap,
    .destroy = pin_destroy,
};

nx_status_t nx_sys_dma_pin(nx_task_t *caller, nx_handle_t dev, nx_handle_t vmo, uint64_t offset,
                           uint64_t len, uintptr_t addr_out, nx_handle_t *out)
{
    if (addr_out == 0u || nx_port_user_check(addr_out, sizeof(uint64_t), true) != NX_OK)
        return nx_device_refuse(caller, vmo, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    nx_object_t *d = NULL, *v = NULL;
    nx_status_t st = nx_cap_get(caller, dev, NX_OBJ_DEVICE, NX_RIGHT_DMA, NX_AUDIT_OP_DEVICE, &d);
    if (st != NX_OK)
        return st;
    st = nx_cap_get(caller, vmo, NX_OBJ_VMO, NX_RIGHT_DMA, NX_AUDIT_OP_DEVICE, &v);
    if (st != NX_OK) {
        nx_object_unref(d);
        return st;
    }
    uint64_t addr = 0;
    nx_audit_reason_t why = NX_AUDIT_OK;
    st = nx_vmo_dma_address(v, offset, len, &addr);
    if (st != NX_OK)
        why = st == NX_ERR_OUT_OF_RANGE ? NX_AUDIT_OUT_OF_RANGE : NX_AUDIT_BAD_ARGUMENT;
    else if (nx_cap_room(caller, 1u) != NX_OK) {
        why = NX_AUDIT_TABLE_FULL;
        st = NX_ERR_NO_RESOURCES;
    }
    nx_pin_t *p = NULL;
    if (st == NX_OK && (p = nx_pool_alloc(&pins)) == NULL) {
        why = NX_AUDIT_POOL_EXHAUSTED;
        st = NX_ERR_NO_RESOURCES; /* NX_MAX_PINS pinned, quarantined ones too */
    }
    if (st == NX_OK) {
        nx_object_init(&p->obj, &pin_ops);
        p->vmo = v; /* the pin keeps this reference */
        v = NULL;
        p->holder = caller;
        p->device = nx_device_number((const nx_device_t *)d);
        p->addr = addr;
        p->len = len;
        p->quarantined = false;
        st = nx_cap_install(caller, &p->obj, NX_DEFAULT_PIN_RIGHTS, out);
        if (st == NX_OK && nx_port_copy_to_user(addr_out, &addr, sizeof addr) != NX_OK) {
            /* Checked first; another thread unmapped it since. */
            (void)nx_sys_handle_close(caller, *out);
            st = NX_ERR_BAD_ADDRESS;
        }
        if (st != NX_OK)
            why = st == NX_ERR_BAD_ADDRESS ? NX_AUDIT_BAD_ADDRESS : NX_AUDIT_TASK_DEAD;
        nx_object_unref(&p->obj); /* the handle holds it, or it goes */
    }
    if (v != NULL)
        nx_object_unref(v);
    nx_object_unref(d);
    return st == NX_OK ? NX_OK : nx_device_refuse(caller, vmo, why, st);
}

nx_status_t nx_sys_device_release_quarantine(nx_task_t *caller, nx_handle_t dev, uint64_t *released)
{
    nx_object_t *d = NULL;
    nx_status_t st = nx_cap_get(caller, dev, NX_OBJ_DEVICE, NX_RIGHT_WRITE, NX_AUDIT_OP_DEVICE, &d);
    if (st != NX_OK)
        return st;
    uint32_t number = nx_device_number((const nx_device_t *)d);
    nx_object_unref(d);
    uint64_t n = 0;
    for (;;) { /* one at a time: the unref may free a VMO, never under the lock */
        nx_pin_t *p = NULL;
        nx_spin_lock(&quarantine_lock);
        for (uint32_t i = 0; i < quarantined && p == NULL; i++)
            if (quarantine[i]->device == number) {
                p = quarantine[i];
                quarantine[i] = quarantine[--quarantined];
                p->quarantined = false;
            }
        nx_spin_unlock(&quarantine_lock);
        if (p == NULL)
            break;
        nx_object_unref(&p->obj);
        n++;
    }
    *released = n;
    return NX_OK;
}
