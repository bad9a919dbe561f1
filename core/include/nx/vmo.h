/*
 * nx/vmo.h - virtual memory objects (docs/abi/vmo.md).
 *
 * A VMO is pages of memory reached through handles: read and written by
 * offset, mapped into address spaces, sent over channels (the zero-copy
 * path: share, don't copy). A root VMO owns its pages (nx_port_pages_t),
 * charged to the memory budget of the task that created it until the VMO
 * goes; a slice is a window onto a root's pages and owns nothing. A
 * mapping holds a reference, so pages outlive every handle while mapped.
 *
 * Sealing is a property of the pages: a sealed root (and every slice of
 * it) refuses writes and writable mappings, and only a sealed VMO maps
 * executable, so no alias can ever write what some space executes.
 */
#ifndef NX_VMO_H
#define NX_VMO_H

#include <stdbool.h>
#include <stdint.h>

#include "nexus/limits.h"
#include "nexus/status.h"
#include "nexus/types.h"
#include "nexus/vmo.h"
#include "nx/audit.h"
#include "nx/object.h"

typedef struct nx_task nx_task_t;
typedef struct nx_vmo nx_vmo_t;

/* One mapping of a task, a VMO's or a device's (its task's user_lock
 * guards the table). */
typedef struct nx_vmo_mapping {
    uintptr_t va;
    uint64_t size;
    nx_vmo_t *vmo;       /* a reference; NULL for a device */
    nx_object_t *device; /* a reference to the device mapped; NULL for a VMO */
    bool writable;
} nx_vmo_mapping_t;

/* A task's VMO state: its budget account and its mappings. */
typedef struct nx_task_vm {
    /* Guarded by the budget lock (core/vmo/vmo.c): */
    uint32_t owner; /* the task id refunds must match (a slot is reused) */
    uint64_t charged;
    /* Guarded by the task's user_lock: */
    uint32_t count;
    nx_vmo_mapping_t maps[NX_TASK_MAX_MAPPINGS];
} nx_task_vm_t;

/* Task creation: a fresh account (nothing charged) and no mappings. */
void nx_vmo_task_init(nx_task_t *task);

/* Task destruction (its threads gone, its space active nowhere): remove
 * every mapping and drop its references. */
void nx_vmo_task_unmap_all(nx_task_t *task);

/* Map `len` bytes of device registers (the physical pages from `phys`)
 * at `va` for `task`, recorded in its mapping table (the bound VMO
 * mappings share) with a reference to `device`, which the mapping keeps
 * (taken here). NX_OK, NX_ERR_OUT_OF_RANGE (outside the mapping range),
 * NX_ERR_NO_RESOURCES (the table full, or the port out of memory),
 * NX_ERR_ALREADY_EXISTS (over a mapping), NX_ERR_TASK_DEAD; *why says
 * which for the audit. */
nx_status_t nx_vm_map_device(nx_task_t *task, nx_object_t *device, uint64_t phys, uintptr_t va,
                             uint64_t len, uint32_t prot, nx_audit_reason_t *why);

/* The device address of [offset, offset + len) of VMO `vmo` (a
 * reference the caller holds): NX_OK; NX_ERR_NOT_SUPPORTED (not a DMA
 * VMO), NX_ERR_INVALID_ARGS (len 0, offset or len not page aligned),
 * NX_ERR_OUT_OF_RANGE (past its end, overflow included). */
nx_status_t nx_vmo_dma_address(const nx_object_t *vmo, uint64_t offset, uint64_t len,
                               uint64_t *addr);

/* Bytes `task` has charged for VMOs alive now. */
uint64_t nx_vmo_task_charged(nx_task_t *task);

/* VMOs alive; core reset only. */
void nx_vmo_reset(void);

/* --- syscall-shaped operations (the dispatcher calls these) -------------- */

/* Statuses of each: docs/abi/vmo.md. `buf` is a user address. */
nx_status_t nx_sys_vmo_create(nx_task_t *caller, uint64_t size, nx_handle_t *out);
/* A VMO a device may access: physically contiguous pages, charged like
 * any VMO, NX_DEFAULT_DMA_VMO_RIGHTS (never EXECUTE). Statuses as
 * vmo_create (NX_ERR_NO_RESOURCES also when no contiguous run is free). */
nx_status_t nx_sys_vmo_create_dma(nx_task_t *caller, uint64_t size, nx_handle_t *out);
nx_status_t nx_sys_vmo_read(nx_task_t *caller, nx_handle_t h, uint64_t offset, uintptr_t buf,
                            uint64_t len);
nx_status_t nx_sys_vmo_write(nx_task_t *caller, nx_handle_t h, uint64_t offset, uintptr_t buf,
                             uint64_t len);
nx_status_t nx_sys_vmo_get_size(nx_task_t *caller, nx_handle_t h, uint64_t *size);
nx_status_t nx_sys_vmo_create_slice(nx_task_t *caller, nx_handle_t h, uint64_t offset,
                                    uint64_t size, nx_handle_t *out);
nx_status_t nx_sys_vmo_seal(nx_task_t *caller, nx_handle_t h);
nx_status_t nx_sys_vmo_map(nx_task_t *caller, nx_handle_t h, uint64_t offset, uint64_t va,
                           uint64_t len, uint64_t prot);
nx_status_t nx_sys_vmo_unmap(nx_task_t *caller, uint64_t va, uint64_t len);

#endif /* NX_VMO_H */
