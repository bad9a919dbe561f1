/*
 * nexus/rights.h - what a handle allows. Bit values are ABI: frozen.
 *
 * A handle's rights never grow: duplicating, replacing or transferring a
 * handle keeps them or drops some. Every operation names the rights it
 * needs (docs/abi/capabilities.md); the kernel checks them in one place.
 */
#ifndef NEXUS_RIGHTS_H
#define NEXUS_RIGHTS_H

#include <stdint.h>

typedef uint32_t nx_rights_t;

#define NX_RIGHT_NONE      0u
#define NX_RIGHT_READ      (1u << 0)  /* read data or state from the object */
#define NX_RIGHT_WRITE     (1u << 1)  /* write data or state */
#define NX_RIGHT_DUPLICATE (1u << 2)  /* make another handle to it */
#define NX_RIGHT_TRANSFER  (1u << 3)  /* move the handle to another task */
#define NX_RIGHT_MAP       (1u << 4)  /* map it into an address space */
#define NX_RIGHT_EXECUTE   (1u << 5)  /* map it executable */
#define NX_RIGHT_SIGNAL    (1u << 6)  /* set or clear its user signals */
#define NX_RIGHT_WAIT      (1u << 7)  /* wait on its signals */
#define NX_RIGHT_MANAGE    (1u << 8)  /* manage it: revoke derived handles, policy */
#define NX_RIGHT_DMA       (1u << 9)  /* give a device access to it */
#define NX_RIGHT_SEAL      (1u << 10) /* seal it read-only for every holder */
#define NX_RIGHT_INSPECT   (1u << 11) /* read its detailed state */

/* Every defined right; any other bit in a request is refused. */
#define NX_RIGHTS_ALL ((1u << 12) - 1u)

/* For duplicate/replace: keep exactly the source handle's rights. */
#define NX_RIGHTS_SAME (1u << 31)

#endif /* NEXUS_RIGHTS_H */
