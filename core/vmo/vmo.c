/*
 * vmo.c - the VMO object: creation against the task's memory budget,
 * reads and writes by offset, slices, size, sealing (see nx/vmo.h).
 * Mappings are in vmo_map.c.
 */
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/pool.h"
#include "nx/task.h"
#include "vmo_internal.h"

NX_POOL_DEFINE(vmos, nx_vmo_t, NX_MAX_VMOS);

_Static_assert(NX_VMO_PAGE_SIZE == NX_PAGE_SIZE, "the ABI's page is the port's");
_Static_assert(NX_VMO_MAX_BYTES / NX_PAGE_SIZE <= NX_PORT_PAGES_MAX,
               "the largest VMO is one allocation of pages");
_Static_assert(NX_VMO_MAX_BYTES % NX_PAGE_SIZE == 0u, "whole pages");

/* Guards every task's nx_task_vm_t account (a leaf lock). */
static nx_spinlock_t budget_lock;

nx_status_t nx_vmo_refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why, nx_status_t st)
{
    nx_audit(caller->id, NX_AUDIT_OP_VMO, h, why);
    return st;
}

void nx_vmo_task_init(nx_task_t *task)
{
    nx_spin_lock(&budget_lock);
    task->vm.owner = task->id.v;
    task->vm.charged = 0;
    nx_spin_unlock(&budget_lock);
    task->vm.count = 0;
}

uint64_t nx_vmo_task_charged(nx_task_t *task)
{
    nx_spin_lock(&budget_lock);
    uint64_t v = task->vm.charged;
    nx_spin_unlock(&budget_lock);
    return v;
}

/* Charge `bytes` to `task`'s budget: false (nothing charged) past it. */
static bool budget_charge(nx_task_t *task, uint64_t bytes)
{
    nx_spin_lock(&budget_lock);
    bool ok = bytes <= NX_TASK_VMO_BUDGET - task->vm.charged;
    if (ok)
        task->vm.charged += bytes;
    nx_spin_unlock(&budget_lock);
    return ok;
}

/* Give `bytes` back to the task with id `id`, if that task still has the
 * slot: a VMO may outlive its creator, whose slot may hold another task. */
static void budget_refund(nx_task_t *task, uint32_t id, uint64_t bytes)
{
    nx_spin_lock(&budget_lock);
    if (task->vm.owner == id && task->vm.charged >= bytes)
        task->vm.charged -= bytes;
    nx_spin_unlock(&budget_lock);
}

static void vmo_destroy(nx_object_t *obj)
{
    nx_vmo_t *v = (nx_vmo_t *)obj;
    if (v->root == v) {
        nx_port_pages_free(&v->pages);
        budget_refund(v->payer, v->payer_id, v->size);
        nx_pool_free(&vmos, v);
        return;
    }
    nx_vmo_t *root = v->root;
    nx_pool_free(&vmos, v);
    nx_object_unref(&root->obj);
}

static const nx_object_ops_t vmo_ops = {
    .type = NX_OBJ_VMO,
    .name = "vmo",
    .on_last_cap = NULL,
    .destroy = vmo_destroy,
};

void nx_vmo_reset(void)
{
    nx_pool_reset(&vmos);
    nx_spin_init(&budget_lock);
}

static uint64_t page_up(uint64_t n)
{
    return (n + NX_PAGE_SIZE - 1u) & ~(uint64_t)(NX_PAGE_SIZE - 1u);
}

static bool range_inside(uint64_t offset, uint64_t len, uint64_t size);

/* A root VMO of `size` bytes for `caller`, contiguous for DMA. */
static nx_status_t create(nx_task_t *caller, uint64_t size, bool dma, nx_handle_t *out)
{
    if (out == NULL || size == 0u)
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if (size > NX_VMO_MAX_BYTES)
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_OUT_OF_RANGE, NX_ERR_OUT_OF_RANGE);
    /* Checked again by nx_cap_install; first, so a dying task charges
     * nothing and allocates nothing. */
    if (nx_task_dying(caller))
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_TASK_DEAD, NX_ERR_TASK_DEAD);
    size = page_up(size);
    if (!budget_charge(caller, size))
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_OVER_BUDGET, NX_ERR_NO_RESOURCES);
    nx_vmo_t *v = nx_pool_alloc(&vmos);
    if (v == NULL) {
        budget_refund(caller, caller->id.v, size);
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED,
                             NX_ERR_NO_RESOURCES);
    }
    size_t count = (size_t)(size / NX_PAGE_SIZE);
    nx_status_t got = dma ? nx_port_pages_alloc_contiguous(&v->pages, count)
                          : nx_port_pages_alloc(&v->pages, count);
    if (got != NX_OK) {
        nx_pool_free(&vmos, v);
        budget_refund(caller, caller->id.v, size);
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_POOL_EXHAUSTED,
                             NX_ERR_NO_RESOURCES);
    }
    nx_object_init(&v->obj, &vmo_ops);
    v->root = v;
    v->offset = 0;
    v->size = size;
    v->depth = 0;
    nx_spin_init(&v->lock);
    v->sealed = false;
    v->dma = dma;
    v->writable_maps = 0;
    v->payer = caller;
    v->payer_id = caller->id.v;
    nx_status_t st = nx_cap_install(caller, &v->obj,
                                    dma ? NX_DEFAULT_DMA_VMO_RIGHTS : NX_DEFAULT_VMO_RIGHTS, out);
    nx_object_unref(&v->obj); /* the handle holds it now, or it goes (refunded) */
    return st;
}

nx_status_t nx_sys_vmo_create(nx_task_t *caller, uint64_t size, nx_handle_t *out)
{
    return create(caller, size, false, out);
}

nx_status_t nx_sys_vmo_create_dma(nx_task_t *caller, uint64_t size, nx_handle_t *out)
{
    return create(caller, size, true, out);
}

nx_status_t nx_vmo_dma_address(const nx_object_t *vmo, uint64_t offset, uint64_t len,
                               uint64_t *addr)
{
    const nx_vmo_t *v = (const nx_vmo_t *)vmo;
    if (!v->root->dma)
        return NX_ERR_NOT_SUPPORTED;
    if (len == 0u || offset % NX_PAGE_SIZE != 0u || len % NX_PAGE_SIZE != 0u)
        return NX_ERR_INVALID_ARGS;
    if (!range_inside(offset, len, v->size))
        return NX_ERR_OUT_OF_RANGE;
    *addr = nx_port_pages_device_address(&v->root->pages,
                                         (size_t)((v->offset + offset) / NX_PAGE_SIZE));
    return NX_OK;
}

/* Is [offset, offset + len) inside a VMO of `size` bytes (no overflow)? */
static bool range_inside(uint64_t offset, uint64_t len, uint64_t size)
{
    return len <= size && offset <= size - len;
}

/* The kernel address of byte `off` of v's window, and how many bytes from
 * there stay on its page. */
static unsigned char *byte_at(const nx_vmo_t *v, uint64_t off, uint64_t *room)
{
    uint64_t at = v->offset + off;
    *room = NX_PAGE_SIZE - at % NX_PAGE_SIZE;
    unsigned char *page = nx_port_pages_kaddr(&v->root->pages, (size_t)(at / NX_PAGE_SIZE));
    return page + at % NX_PAGE_SIZE;
}

/* The checks read and write share: a VMO handle with `right`, a range
 * inside it, a user buffer the copies accept as a whole. On NX_OK *out
 * holds a reference. */
static nx_status_t io_begin(nx_task_t *caller, nx_handle_t h, nx_rights_t right, uint64_t offset,
                            uintptr_t buf, uint64_t len, nx_vmo_t **out)
{
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_VMO, right, NX_AUDIT_OP_VMO, &obj);
    if (st != NX_OK)
        return st;
    nx_vmo_t *v = (nx_vmo_t *)obj;
    if (!range_inside(offset, len, v->size))
        st = nx_vmo_refuse(caller, h, NX_AUDIT_OUT_OF_RANGE, NX_ERR_OUT_OF_RANGE);
    else if (nx_port_user_check(buf, (size_t)len, right == NX_RIGHT_READ) != NX_OK)
        st = nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, NX_ERR_BAD_ADDRESS);
    if (st != NX_OK) {
        nx_object_unref(obj);
        return st;
    }
    *out = v;
    return NX_OK;
}

nx_status_t nx_sys_vmo_read(nx_task_t *caller, nx_handle_t h, uint64_t offset, uintptr_t buf,
                            uint64_t len)
{
    nx_vmo_t *v;
    nx_status_t st = io_begin(caller, h, NX_RIGHT_READ, offset, buf, len, &v);
    if (st != NX_OK)
        return st;
    for (uint64_t done = 0, room; st == NX_OK && done < len; done += room) {
        const unsigned char *src = byte_at(v, offset + done, &room);
        room = room < len - done ? room : len - done;
        st = nx_port_copy_to_user(buf + done, src, (size_t)room);
    }
    if (st != NX_OK)
        (void)nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, st);
    nx_object_unref(&v->obj);
    return st;
}

/*
 * Page by page, each under the root's lock, so a write and a seal are
 * ordered: once vmo_seal returns, no byte of a write lands. A write that
 * races a seal may land a prefix and return NX_ERR_SEALED; a buffer
 * unmapped by another thread of the caller mid-write, NX_ERR_BAD_ADDRESS.
 */
nx_status_t nx_sys_vmo_write(nx_task_t *caller, nx_handle_t h, uint64_t offset, uintptr_t buf,
                             uint64_t len)
{
    nx_vmo_t *v;
    nx_status_t st = io_begin(caller, h, NX_RIGHT_WRITE, offset, buf, len, &v);
    if (st != NX_OK)
        return st;
    nx_vmo_t *root = v->root;
    for (uint64_t done = 0, room; st == NX_OK && done < len; done += room) {
        unsigned char *dst = byte_at(v, offset + done, &room);
        room = room < len - done ? room : len - done;
        nx_spin_lock(&root->lock);
        if (root->sealed)
            st = NX_ERR_SEALED;
        else
            st = nx_port_copy_from_user(dst, buf + done, (size_t)room);
        nx_spin_unlock(&root->lock);
    }
    if (st == NX_ERR_SEALED)
        (void)nx_vmo_refuse(caller, h, NX_AUDIT_SEALED, st);
    else if (st != NX_OK)
        (void)nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ADDRESS, st);
    nx_object_unref(&v->obj);
    return st;
}

nx_status_t nx_sys_vmo_get_size(nx_task_t *caller, nx_handle_t h, uint64_t *size)
{
    nx_object_t *obj;
    if (size == NULL)
        return nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_VMO, NX_RIGHT_NONE, NX_AUDIT_OP_VMO, &obj);
    if (st != NX_OK)
        return st;
    *size = ((nx_vmo_t *)obj)->size;
    nx_object_unref(obj);
    return NX_OK;
}

/*
 * A slice is a narrower duplicate: it needs DUPLICATE and its handle gets
 * the parent handle's rights. It references the root (whose pages it
 * shows), not the parent: closing the parent leaves the slice working.
 */
nx_status_t nx_sys_vmo_create_slice(nx_task_t *caller, nx_handle_t h, uint64_t offset,
                                    uint64_t size, nx_handle_t *out)
{
    nx_object_t *obj;
    nx_rights_t rights = 0;
    if (out == NULL)
        return nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    nx_status_t st = nx_cap_get_rights(caller, h, NX_OBJ_VMO, NX_RIGHT_DUPLICATE, NX_AUDIT_OP_VMO,
                                       &obj, &rights);
    if (st != NX_OK)
        return st;
    nx_vmo_t *parent = (nx_vmo_t *)obj;
    if (size == 0u || offset % NX_PAGE_SIZE != 0u || size % NX_PAGE_SIZE != 0u)
        st = nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    else if (!range_inside(offset, size, parent->size))
        st = nx_vmo_refuse(caller, h, NX_AUDIT_OUT_OF_RANGE, NX_ERR_OUT_OF_RANGE);
    else if (parent->depth >= NX_VMO_MAX_SLICE_DEPTH)
        st = nx_vmo_refuse(caller, h, NX_AUDIT_OUT_OF_RANGE, NX_ERR_OUT_OF_RANGE);
    nx_vmo_t *s = NULL;
    if (st == NX_OK && (s = nx_pool_alloc(&vmos)) == NULL)
        st = nx_vmo_refuse(caller, h, NX_AUDIT_POOL_EXHAUSTED, NX_ERR_NO_RESOURCES);
    if (st != NX_OK) {
        nx_object_unref(obj);
        return st;
    }
    nx_object_init(&s->obj, &vmo_ops);
    s->root = parent->root;
    nx_object_ref(&s->root->obj);
    s->offset = parent->offset + offset;
    s->size = size;
    s->depth = parent->depth + 1u;
    nx_object_unref(obj);
    st = nx_cap_install(caller, &s->obj, rights, out);
    nx_object_unref(&s->obj);
    return st;
}

/*
 * Sealing is for good and for every holder. Only a root seals (a slice's
 * holder was given a window, not the authority to freeze the whole), and
 * not while a writable mapping exists (unmap first): afterwards nothing
 * can change the pages.
 */
nx_status_t nx_sys_vmo_seal(nx_task_t *caller, nx_handle_t h)
{
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_VMO, NX_RIGHT_SEAL, NX_AUDIT_OP_VMO, &obj);
    if (st != NX_OK)
        return st;
    nx_vmo_t *v = (nx_vmo_t *)obj;
    if (v->root != v) {
        st = nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_NOT_SUPPORTED);
    } else {
        nx_spin_lock(&v->lock);
        if (v->writable_maps > 0u)
            st = NX_ERR_WRITABLE_MAPPED;
        else
            v->sealed = true;
        nx_spin_unlock(&v->lock);
        if (st != NX_OK)
            (void)nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, st);
    }
    nx_object_unref(obj);
    return st;
}
