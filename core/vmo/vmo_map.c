/*
 * vmo_map.c - mapping VMOs into their task's address space, unmapping
 * them, and a dying task's mappings (see nx/vmo.h).
 *
 * Core keeps each task's VMO mappings in a bounded table (nx_task_vm_t):
 * it holds a reference per mapping (the pages stay while mapped), answers
 * unmap without asking the port, and counts writable mappings on the root
 * so sealing can refuse while one exists. The task's user_lock serialises
 * the port calls on its space, as the port requires.
 */
#include "nx/audit.h"
#include "nx/cap.h"
#include "nx/task.h"
#include "nx/user.h"
#include "vmo_internal.h"

_Static_assert(NX_VM_READ == NX_PROT_READ && NX_VM_WRITE == NX_PROT_WRITE &&
                   NX_VM_EXEC == NX_PROT_EXEC,
               "the ABI's protections are the port's");
_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "a user address is a system call argument");

/* The rights a mapping with `prot` needs on the handle. */
static nx_rights_t rights_for(uint32_t prot)
{
    nx_rights_t need = NX_RIGHT_MAP;
    if ((prot & NX_VM_READ) != 0u)
        need |= NX_RIGHT_READ;
    if ((prot & NX_VM_WRITE) != 0u)
        need |= NX_RIGHT_WRITE;
    if ((prot & NX_VM_EXEC) != 0u)
        need |= NX_RIGHT_EXECUTE;
    return need;
}

/* Under the root's lock: may `prot` map it now? A writable mapping is
 * counted here (its reservation), before the port is asked. */
static nx_audit_reason_t claim_prot(nx_vmo_t *root, uint32_t prot)
{
    nx_audit_reason_t why = NX_AUDIT_OK;
    nx_spin_lock(&root->lock);
    if ((prot & NX_VM_WRITE) != 0u && root->sealed)
        why = NX_AUDIT_SEALED;
    else if ((prot & NX_VM_EXEC) != 0u && !root->sealed)
        why = NX_AUDIT_WX; /* executable only when nothing can write it */
    else if ((prot & NX_VM_WRITE) != 0u)
        root->writable_maps++;
    nx_spin_unlock(&root->lock);
    return why;
}

static void release_writable(nx_vmo_t *root)
{
    nx_spin_lock(&root->lock);
    root->writable_maps--;
    nx_spin_unlock(&root->lock);
}

/* Is [va, va + len) where a VMO may go: in the user range, below the
 * stack area (nx/user.h)? Checked here, not left to the port, so a
 * mapping can never take a stack slot a later thread needs. */
static bool in_map_range(uint64_t va, uint64_t len)
{
    uintptr_t base, limit;
    nx_user_map_range(&base, &limit);
    return va >= base && va < limit && len <= limit - va;
}

/* Under the task's user_lock: map and record. */
static nx_status_t map_locked(nx_task_t *task, nx_vmo_t *v, uint64_t offset, uintptr_t va,
                              uint64_t len, uint32_t prot)
{
    nx_task_vm_t *vm = &task->vm;
    /* After nx_task_kill's unmap began, nothing new is mapped: read under
     * the lock that unmap takes, after the kill set it. */
    if (nx_task_dying(task))
        return NX_ERR_TASK_DEAD;
    if (vm->count == NX_TASK_MAX_MAPPINGS)
        return NX_ERR_NO_RESOURCES;
    nx_status_t st = nx_port_aspace_map_pages(&task->aspace, va, (size_t)len, prot, &v->root->pages,
                                              (size_t)((v->offset + offset) / NX_PAGE_SIZE));
    if (st != NX_OK)
        return st;
    vm->maps[vm->count++] = (nx_vmo_mapping_t){ va, len, v, NULL, (prot & NX_VM_WRITE) != 0u };
    return NX_OK;
}

nx_status_t nx_vm_map_device(nx_task_t *task, nx_object_t *device, uint64_t phys, uintptr_t va,
                             uint64_t len, uint32_t prot, nx_audit_reason_t *why)
{
    if (!in_map_range(va, len)) {
        *why = NX_AUDIT_OUT_OF_RANGE;
        return NX_ERR_OUT_OF_RANGE;
    }
    nx_task_vm_t *vm = &task->vm;
    nx_status_t st = NX_OK;
    nx_spin_lock(&task->user_lock);
    if (nx_task_dying(task))
        st = NX_ERR_TASK_DEAD;
    else if (vm->count == NX_TASK_MAX_MAPPINGS)
        st = NX_ERR_NO_RESOURCES;
    else
        st = nx_port_aspace_map_device(&task->aspace, va, (size_t)len, prot, phys);
    if (st == NX_OK) {
        nx_object_ref(device);
        vm->maps[vm->count++] = (nx_vmo_mapping_t){ va, len, NULL, device, false };
    }
    nx_spin_unlock(&task->user_lock);
    *why = st == NX_OK                 ? NX_AUDIT_OK
           : st == NX_ERR_TASK_DEAD    ? NX_AUDIT_TASK_DEAD
           : st == NX_ERR_NO_RESOURCES ? NX_AUDIT_TABLE_FULL
           : st == NX_ERR_OUT_OF_RANGE ? NX_AUDIT_OUT_OF_RANGE
                                       : NX_AUDIT_BAD_ARGUMENT;
    return st;
}

nx_status_t nx_sys_vmo_map(nx_task_t *caller, nx_handle_t h, uint64_t offset, uint64_t va,
                           uint64_t len, uint64_t prot)
{
    const uint64_t all = NX_VM_READ | NX_VM_WRITE | NX_VM_EXEC;
    if (prot == 0u || (prot & ~all) != 0u)
        return nx_vmo_refuse(caller, h, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if ((prot & (NX_VM_WRITE | NX_VM_EXEC)) == (NX_VM_WRITE | NX_VM_EXEC))
        return nx_vmo_refuse(caller, h, NX_AUDIT_WX, NX_ERR_INVALID_ARGS);
    uint32_t p = (uint32_t)prot;
    nx_object_t *obj;
    nx_status_t st = nx_cap_get(caller, h, NX_OBJ_VMO, rights_for(p), NX_AUDIT_OP_VMO, &obj);
    if (st != NX_OK)
        return st;
    nx_vmo_t *v = (nx_vmo_t *)obj;
    nx_audit_reason_t why = NX_AUDIT_OK;
    if (len == 0u || offset % NX_PAGE_SIZE != 0u || len % NX_PAGE_SIZE != 0u ||
        va % NX_PAGE_SIZE != 0u) {
        why = NX_AUDIT_BAD_ARGUMENT;
        st = NX_ERR_INVALID_ARGS;
    } else if (len > v->size || offset > v->size - len || !in_map_range(va, len)) {
        why = NX_AUDIT_OUT_OF_RANGE;
        st = NX_ERR_OUT_OF_RANGE;
    } else if (nx_task_aspace(caller) == NULL) {
        why = NX_AUDIT_BAD_ARGUMENT; /* a kernel task: no user space to map into */
        st = NX_ERR_BAD_STATE;
    } else if ((why = claim_prot(v->root, p)) != NX_AUDIT_OK) {
        st = why == NX_AUDIT_SEALED ? NX_ERR_SEALED : NX_ERR_NOT_SEALED;
    }
    if (st == NX_OK) {
        nx_spin_lock(&caller->user_lock);
        st = map_locked(caller, v, offset, (uintptr_t)va, len, p);
        nx_spin_unlock(&caller->user_lock);
        if (st != NX_OK) {
            why = st == NX_ERR_NO_RESOURCES ? NX_AUDIT_TABLE_FULL
                  : st == NX_ERR_TASK_DEAD  ? NX_AUDIT_TASK_DEAD
                                            : NX_AUDIT_BAD_ARGUMENT;
            if ((p & NX_VM_WRITE) != 0u)
                release_writable(v->root);
        }
    }
    if (st != NX_OK) {
        (void)nx_vmo_refuse(caller, h, why, st);
        nx_object_unref(obj);
    }
    return st; /* on NX_OK the mapping keeps the reference */
}

/* Under the task's user_lock: remove mapping i from the space and the
 * table; returns what it held. */
static nx_vmo_mapping_t remove_locked(nx_task_t *task, uint32_t i)
{
    nx_task_vm_t *vm = &task->vm;
    nx_vmo_mapping_t m = vm->maps[i];
    nx_port_aspace_unmap(&task->aspace, m.va, (size_t)m.size);
    vm->maps[i] = vm->maps[--vm->count];
    return m;
}

/* After the user_lock: the mapping's claims on its VMO (or device) go. */
static void mapping_release(nx_vmo_mapping_t m)
{
    if (m.device != NULL) {
        nx_object_unref(m.device);
        return;
    }
    if (m.writable)
        release_writable(m.vmo->root);
    nx_object_unref(&m.vmo->obj);
}

nx_status_t nx_sys_vmo_unmap(nx_task_t *caller, uint64_t va, uint64_t len)
{
    if (len == 0u || va % NX_PAGE_SIZE != 0u || len % NX_PAGE_SIZE != 0u)
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT, NX_ERR_INVALID_ARGS);
    if (nx_task_aspace(caller) == NULL)
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT, NX_ERR_NOT_FOUND);
    nx_spin_lock(&caller->user_lock);
    nx_task_vm_t *vm = &caller->vm;
    uint32_t i = 0;
    while (i < vm->count && (vm->maps[i].va != va || vm->maps[i].size != len))
        i++;
    bool found = i < vm->count;
    nx_vmo_mapping_t m = { 0 };
    if (found)
        m = remove_locked(caller, i);
    nx_spin_unlock(&caller->user_lock);
    if (!found)
        return nx_vmo_refuse(caller, NX_HANDLE_INVALID, NX_AUDIT_BAD_ARGUMENT, NX_ERR_NOT_FOUND);
    mapping_release(m);
    return NX_OK;
}

void nx_vmo_task_unmap_all(nx_task_t *task)
{
    if (nx_task_aspace(task) == NULL)
        return;
    for (;;) {
        nx_spin_lock(&task->user_lock);
        bool any = task->vm.count > 0u;
        nx_vmo_mapping_t m = { 0 };
        if (any)
            m = remove_locked(task, task->vm.count - 1u);
        nx_spin_unlock(&task->user_lock);
        if (!any)
            return;
        mapping_release(m); /* may destroy the VMO: never under a lock */
    }
}
