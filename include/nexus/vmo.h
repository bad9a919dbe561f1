/*
 * nexus/vmo.h - virtual memory objects as user programs see them
 * (docs/abi/vmo.md). Values are ABI: frozen.
 */
#ifndef NEXUS_VMO_H
#define NEXUS_VMO_H

#include <stdint.h>

/* Pages: every VMO size, slice offset, map address and map length is a
 * multiple of it (a VMO's size is rounded up to it at creation). */
#define NX_VMO_PAGE_SIZE 4096u

/* What a mapping allows (vmo_map's `prot`). Never WRITE and EXEC together;
 * each needs the handle's right of the same name (READ, WRITE, EXECUTE)
 * besides NX_RIGHT_MAP, and EXEC needs the VMO sealed. */
#define NX_VM_READ  (1u << 0)
#define NX_VM_WRITE (1u << 1)
#define NX_VM_EXEC  (1u << 2)

#endif /* NEXUS_VMO_H */
