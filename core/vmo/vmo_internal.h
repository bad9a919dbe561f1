/*
 * vmo_internal.h - the VMO object, shared by core/vmo's files.
 */
#ifndef NX_VMO_INTERNAL_H
#define NX_VMO_INTERNAL_H

#include "nexus/audit.h"
#include "nx/object.h"
#include "nx/port.h"
#include "nx/spinlock.h"
#include "nx/vmo.h"

struct nx_vmo {
    nx_object_t obj;
    nx_vmo_t *root;  /* owner of the pages: itself, or a slice's root (a reference) */
    uint64_t offset; /* of its window in root's pages, page aligned (0 for a root) */
    uint64_t size;   /* bytes, a multiple of NX_PAGE_SIZE */
    uint32_t depth;  /* 0 for a root, a slice's parent's + 1 */
    /* Root only: */
    nx_spinlock_t lock; /* sealed, writable_maps; a write's page against a seal */
    bool sealed;
    bool dma;               /* made for devices: contiguous pages (frozen) */
    uint32_t writable_maps; /* writable mappings of it or its slices */
    nx_port_pages_t pages;
    nx_task_t *payer; /* whose budget paid; refunded if still that task */
    uint32_t payer_id;
};

/* Audit a refused VMO operation (op vmo) and return `st`. */
nx_status_t nx_vmo_refuse(nx_task_t *caller, nx_handle_t h, nx_audit_reason_t why, nx_status_t st);

#endif /* NX_VMO_INTERNAL_H */
