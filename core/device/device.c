/*
 * device.c - device objects and their system calls (nx/device.h).
 *
 * The kernel is only a broker here: it mints a device object for each
 * device window of the boot info it does not use itself, hands them out
 * through init, and maps a window for a holder of MAP, exactly the pages
 * the window touches, never executable (the port maps them as device
 * memory and refuses them to every user copy). No call makes a device
 * from an address a program chose. Devices live as long as the machine:
 * the table below holds a reference to each that is never dropped.
 */
#include "nx/device.h"
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "nx/task.h"
#include "nx/vmo.h"

/* Written once, on the boot hart, before any other thread runs; read-only
 * after: no lock. */
static struct {
    uint32_t count;
    nx_device_t dev[NX_MAX_DEVICES];
} devices;

_Static_assert(1u + NX_BOOTINFO_MAX_VIRTIO <= NX_MAX_DEVICES, "the UART and every slot fit");

static void device_destroy(nx_object_t *obj)
{
    nx_panic("device %llu destroyed: the kernel's own reference was dropped",
             (unsigned long long)obj->koid.v);
}

static const nx_object_ops_t device_ops = {
    .type = NX_OBJ_DEVICE,
    .name = "device",
    .destroy = device_destroy,
};

void nx_device_reset(void)
{
    devices.count = 0;
}

uint32_t nx_device_count(void)
{
    return devices.count;
}

nx_device_t *nx_device_at(uint32_t i)
{
    return i < devices.count ? &devices.dev[i] : NULL;
}

/* The pages [lo, hi) a window touches. */
static void pages_of(const nx_mmio_region_t *r, uint64_t *lo, uint64_t *hi)
{
    *lo = r->base & ~(uint64_t)(NX_PAGE_SIZE - 1u);
    *hi = (r->base + r->size + NX_PAGE_SIZE - 1u) & ~(uint64_t)(NX_PAGE_SIZE - 1u);
}

static bool pages_meet(const nx_mmio_region_t *a, const nx_mmio_region_t *b)
{
    if (!a->present || !b->present)
        return false;
    uint64_t alo, ahi, blo, bhi;
    pages_of(a, &alo, &ahi);
    pages_of(b, &blo, &bhi);
    return alo < bhi && blo < ahi;
}

/* May r be handed to a driver: its pages shared with no other window of
 * bi (`self` is r's own place in the list) and none of the kernel's? */
static bool own_pages(const nx_boot_info_t *bi, const nx_mmio_region_t *r)
{
    if (r->base + r->size < r->base || r->size == 0u)
        return false;
    if (pages_meet(r, &bi->plic) || pages_meet(r, &bi->test_finisher))
        return false;
    if (r != &bi->uart && pages_meet(r, &bi->uart))
        return false;
    for (uint32_t i = 0; i < bi->virtio_count; i++)
        if (r != &bi->virtio[i] && pages_meet(r, &bi->virtio[i]))
            return false;
    return true;
}

static void mint(const nx_boot_info_t *bi, const nx_mmio_region_t *r, nx_device_kind_t kind,
                 uint32_t index)
{
    if (!r->present)
        return;
    if (!own_pages(bi, r)) {
        nx_printk("nexus: device at %#llx shares its pages: not handed out\n",
                  (unsigned long long)r->base);
        return;
    }
    nx_device_t *d = &devices.dev[devices.count++];
    nx_memset(d, 0, sizeof *d);
    nx_object_init(&d->obj, &device_ops); /* the reference this table keeps */
    uint64_t lo, hi;
    pages_of(r, &lo, &hi);
    d->map_phys = lo;
    d->info.kind = (uint32_t)kind;
    d->info.index = index;
    d->info.base = r->base;
    d->info.size = r->size;
    d->info.map_offset = r->base - lo;
    d->info.map_size = hi - lo;
    d->info.irq = r->irq;
    if (kind == NX_DEVICE_UART) {
        d->info.reg_shift = bi->uart_reg_shift;
        d->info.reg_width = bi->uart_reg_io_width;
    }
}

void nx_device_boot(const nx_boot_info_t *bi)
{
    devices.count = 0;
    mint(bi, &bi->uart, NX_DEVICE_UART, 0);
    for (uint32_t i = 0; i < bi->virtio_count; i++)
        mint(bi, &bi->virtio[i], NX_DEVICE_VIRTIO_MMIO, i);
}

uint32_t nx_device_number(const nx_device_t *d)
{
    uint32_t i = (uint32_t)(d - devices.dev);
    return i < devices.count ? i : NX_MAX_DEVICES;
}

nx_status_t nx_device_refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why,
                             nx_status_t st)
{
    nx_audit(caller->id, NX_AUDIT_OP_DEVICE, h, why);
    return st;
}

nx_status_t nx_sys_device_info(nx_task_t *caller, nx_handle_t h, uintptr_t out)
{
    if (out == 0u || nx_port_user_check(out, sizeof(nx_device_info_t), true) != NX_OK)
        return nx_device_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    nx_object_t *obj;
    nx_status_t st =
        nx_cap_get(caller, h, NX_OBJ_DEVICE, NX_RIGHT_INSPECT, NX_AUDIT_OP_DEVICE, &obj);
    if (st != NX_OK)
        return st;
    nx_device_info_t info = ((nx_device_t *)obj)->info;
    nx_object_unref(obj);
    if (nx_port_copy_to_user(out, &info, sizeof info) != NX_OK)
        return nx_device_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    return NX_OK;
}

nx_status_t nx_sys_device_map(nx_task_t *caller, nx_handle_t h, uint64_t va, uint64_t prot)
{
    if (prot != NX_VM_READ && prot != (NX_VM_READ | NX_VM_WRITE))
        return nx_device_refuse(caller, h,
                                (prot & NX_VM_EXEC) != 0u ? NX_AUDIT_WX : NX_AUDIT_BAD_ARGUMENT,
                                NX_ERR_INVALID_ARGS); /* registers are never code */
    if (va % NX_PAGE_SIZE != 0u)
        return nx_device_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_rights_t need = NX_RIGHT_MAP | NX_RIGHT_READ;
    if ((prot & NX_VM_WRITE) != 0u)
        need |= NX_RIGHT_WRITE;
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_DEVICE, need, NX_AUDIT_OP_DEVICE, &obj);
    if (st != NX_OK)
        return st;
    const nx_device_t *d = (const nx_device_t *)obj;
    nx_audit_reason_t why = NX_AUDIT_OK;
    if (nx_task_aspace(caller) == NULL) {
        why = NX_AUDIT_BAD_ARGUMENT; /* a kernel task: no user space to map into */
        st = NX_ERR_BAD_STATE;
    } else {
        st = nx_vm_map_device(caller, obj, d->map_phys, (uintptr_t)va, d->info.map_size,
                              (uint32_t)prot, &why);
    }
    nx_object_unref(obj); /* a mapping holds its own */
    return st == NX_OK ? NX_OK : nx_device_refuse(caller, h, why, st);
}
