/*
 * dtb_check.h - validation passes of the boot-info parser (private to boot/).
 */
#ifndef NX_BOOT_DTB_CHECK_H
#define NX_BOOT_DTB_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nx/bootinfo.h"

/* Record why parsing stopped; returns the reason's status for the caller
 * to return. */
static inline nx_status_t nx_dtb_fail(nx_dtb_diag_t *diag, nx_dtb_reason_t reason, int fdt_error,
                                      int node, const char *property)
{
    diag->reason = reason;
    diag->fdt_error = fdt_error;
    diag->node_offset = node;
    diag->property = property;
    return nx_dtb_reason_status(reason);
}

/* Big-endian 32-bit load from any alignment. */
static inline uint32_t nx_dtb_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/*
 * Passes 1 and 2: the header against the caller's buffer (size, magic,
 * version 17, block bounds and alignment), then every tag of the structure
 * block (lengths, names, nesting, node count and depth). After NX_OK the
 * blob is well formed, the precondition libfdt's read accessors rely on.
 * Returns NX_OK or the status nx_bootinfo_parse() documents, with `diag` set.
 */
nx_status_t nx_dtb_check(const void *fdt, size_t buf_size, nx_dtb_diag_t *diag);

/*
 * Walking a blob nx_dtb_check() accepted, in document order, without
 * libfdt's per-byte bounds checks (the check already made them).
 */
typedef struct nx_dtb_walk {
    const uint8_t *base; /* structure block */
    uint32_t size;
    const char *strings; /* strings block */
    uint32_t off;
    int depth;
} nx_dtb_walk_t;

typedef struct nx_dtb_node {
    int offset;       /* structure offset, as libfdt numbers nodes */
    uint32_t depth;   /* the root is 0 */
    const char *name; /* "name@unit", NUL-terminated */
    uint32_t name_len;
} nx_dtb_node_t;

typedef struct nx_dtb_prop {
    const char *name;
    const uint8_t *value;
    uint32_t len;
} nx_dtb_prop_t;

void nx_dtb_walk_init(nx_dtb_walk_t *w, const void *fdt);

/* The next node; false after the last. Its properties follow through
 * nx_dtb_next_prop() (a node's properties precede its children). */
bool nx_dtb_next_node(nx_dtb_walk_t *w, nx_dtb_node_t *node);

/* The next property of the node last returned; false when there is none. */
bool nx_dtb_next_prop(nx_dtb_walk_t *w, nx_dtb_prop_t *prop);

#endif /* NX_BOOT_DTB_CHECK_H */
