/*
 * dtb_check.c - make sure a device tree blob is well formed before anything
 * reads it (passes 1 and 2 of nx_bootinfo_parse; see dtb_check.h).
 *
 * libfdt checks its blocks against the header's totalsize, not against the
 * buffer it was handed, and its accessors assume a sound structure block.
 * This file establishes both, with our own bounded walk of every tag, so a
 * tampered blob is refused before libfdt's accessors ever see it.
 */
#include "dtb_check.h"
#include "nx/fdt.h"

#define FAIL(diag, reason, err, node) nx_dtb_fail((diag), (reason), (err), (node), NULL)

static nx_status_t check_header(const void *fdt, size_t buf_size, nx_dtb_diag_t *diag)
{
    if (buf_size < sizeof(struct fdt_header))
        return FAIL(diag, NX_DTB_TRUNCATED, -FDT_ERR_TRUNCATED, -1);
    if (fdt_magic(fdt) != FDT_MAGIC)
        return FAIL(diag, NX_DTB_BAD_MAGIC, -FDT_ERR_BADMAGIC, -1);
    /* Version 17 (dtc, QEMU, OpenSBI) has every field we bound-check. */
    if (fdt_version(fdt) < 17u || fdt_last_comp_version(fdt) > 17u)
        return FAIL(diag, NX_DTB_BAD_VERSION, -FDT_ERR_BADVERSION, -1);
    uint32_t total = fdt_totalsize(fdt);
    if (total > NX_BOOTINFO_MAX_DTB_BYTES)
        return FAIL(diag, NX_DTB_TOO_LARGE, -FDT_ERR_TRUNCATED, -1);
    if (total > buf_size)
        return FAIL(diag, NX_DTB_TRUNCATED, -FDT_ERR_TRUNCATED, -1);
    int err = fdt_check_header(fdt);
    if (err == -FDT_ERR_BADVERSION)
        return FAIL(diag, NX_DTB_BAD_VERSION, err, -1);
    if (err != 0)
        return FAIL(diag, NX_DTB_BAD_LAYOUT, err, -1);
    /* Tag words are 32-bit and reservation entries 64-bit: the spec's
     * alignment is required, not assumed. */
    if (fdt_off_dt_struct(fdt) % 4u != 0u || fdt_size_dt_struct(fdt) % 4u != 0u ||
        fdt_off_mem_rsvmap(fdt) % 8u != 0u)
        return FAIL(diag, NX_DTB_BAD_LAYOUT, -FDT_ERR_ALIGNMENT, -1);
    return NX_OK;
}

/* Each step consumes at least one 4-byte tag: at most size/4 steps. */
static nx_status_t check_structure(const void *fdt, nx_dtb_diag_t *diag)
{
    const uint8_t *base = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
    const uint32_t size = fdt_size_dt_struct(fdt);
    const uint32_t strings_size = fdt_size_dt_strings(fdt);
    uint32_t off = 0, depth = 0, nodes = 0;
    bool root_closed = false;
    bool props_allowed = false; /* properties come before a node's children */
    int node = -1;

    for (;;) {
        if (off > size || size - off < 4u)
            return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_TRUNCATED, node);
        uint32_t tag = nx_dtb_be32(base + off);
        uint32_t tag_off = off;
        off += 4u;
        /* libfdt's accessors expect the root node at offset 0. */
        if (tag_off == 0u && tag != FDT_BEGIN_NODE)
            return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE, 0);
        switch (tag) {
        case FDT_BEGIN_NODE: {
            if (root_closed)
                return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE, (int)tag_off);
            node = (int)tag_off;
            /* The root is level 1. */
            if (++depth > NX_BOOTINFO_MAX_DEPTH)
                return FAIL(diag, NX_DTB_TOO_DEEP, 0, node);
            if (++nodes > NX_BOOTINFO_MAX_NODES)
                return FAIL(diag, NX_DTB_TOO_MANY_NODES, 0, node);
            uint32_t n = 0;
            while (off + n < size && base[off + n] != '\0')
                n++;
            if (off + n >= size)
                return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_TRUNCATED, node);
            off += (n + 1u + 3u) & ~3u; /* size is 4-aligned: stays <= size */
            props_allowed = true;
            break;
        }
        case FDT_END_NODE:
            if (depth == 0u)
                return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE, (int)tag_off);
            if (--depth == 0u)
                root_closed = true;
            props_allowed = false;
            break;
        case FDT_PROP: {
            if (!props_allowed || size - off < 8u)
                return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE, node);
            uint32_t len = nx_dtb_be32(base + off);
            uint32_t name_off = nx_dtb_be32(base + off + 4u);
            if (len > size - off - 8u)
                return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_TRUNCATED, node);
            int name_len = 0;
            if (name_off >= strings_size || fdt_get_string(fdt, (int)name_off, &name_len) == NULL)
                return FAIL(diag, NX_DTB_BAD_NAME, -FDT_ERR_BADOFFSET, node);
            off += 8u + ((len + 3u) & ~3u);
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            if (depth != 0u || !root_closed)
                return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE, node);
            return NX_OK;
        default:
            return FAIL(diag, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE, (int)tag_off);
        }
    }
}

nx_status_t nx_dtb_check(const void *fdt, size_t buf_size, nx_dtb_diag_t *diag)
{
    nx_status_t st = check_header(fdt, buf_size, diag);
    if (st == NX_OK)
        st = check_structure(fdt, diag);
    return st;
}

/* --- walking a checked blob ------------------------------------------------ */

static uint32_t tag_at(const nx_dtb_walk_t *w)
{
    return w->off <= w->size - 4u ? nx_dtb_be32(w->base + w->off) : (uint32_t)FDT_END;
}

void nx_dtb_walk_init(nx_dtb_walk_t *w, const void *fdt)
{
    w->base = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
    w->size = fdt_size_dt_struct(fdt);
    w->strings = (const char *)fdt + fdt_off_dt_strings(fdt);
    w->off = 0;
    w->depth = -1;
}

bool nx_dtb_next_node(nx_dtb_walk_t *w, nx_dtb_node_t *node)
{
    for (;;) {
        uint32_t tag = tag_at(w);
        switch (tag) {
        case FDT_BEGIN_NODE: {
            node->offset = (int)w->off;
            node->depth = (uint32_t)++w->depth;
            node->name = (const char *)w->base + w->off + 4u;
            uint32_t n = 0;
            while (node->name[n] != '\0') /* terminated: nx_dtb_check saw to it */
                n++;
            node->name_len = n;
            w->off += 4u + ((n + 1u + 3u) & ~3u);
            return true;
        }
        case FDT_PROP: /* a property the caller did not read */
            w->off += 12u + ((nx_dtb_be32(w->base + w->off + 4u) + 3u) & ~3u);
            break;
        case FDT_END_NODE:
            w->depth--;
            w->off += 4u;
            break;
        case FDT_NOP:
            w->off += 4u;
            break;
        default:
            return false; /* FDT_END */
        }
    }
}

bool nx_dtb_next_prop(nx_dtb_walk_t *w, nx_dtb_prop_t *prop)
{
    while (tag_at(w) == FDT_NOP)
        w->off += 4u;
    if (tag_at(w) != FDT_PROP)
        return false;
    prop->len = nx_dtb_be32(w->base + w->off + 4u);
    prop->name = w->strings + nx_dtb_be32(w->base + w->off + 8u);
    prop->value = w->base + w->off + 12u;
    w->off += 12u + ((prop->len + 3u) & ~3u);
    return true;
}
