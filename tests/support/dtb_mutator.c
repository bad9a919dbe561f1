/*
 * dtb_mutator.c - deterministic, seeded mutations of a valid DTB (see
 * dtb_mutator.h for the families and how seeds are used).
 *
 * Two kinds of mutation:
 *  - raw: the input is copied byte for byte and words are overwritten at
 *    places found by scanning the (valid) input with libfdt first; the result
 *    is usually no longer a tree libfdt could edit;
 *  - structural: the input is opened with fdt_open_into(), edited with
 *    libfdt's read-write API and packed; the result is well formed and the
 *    damage is semantic (missing nodes, wrong lengths, too many things).
 * The expected verdict is derived from the parser's documented contract
 * (nx/bootinfo.h), not from its code: a "reject" here is a blob no reading of
 * that contract could accept.
 */
#include "dtb_mutator.h"

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx_test.h"
#include "nxsim/prng.h"

#define HDR_SIZE       40u /* version 17 header */
#define MAX_SCAN_TAGS  4096u
#define MAX_SCAN_PROPS 4096u
#define MAX_CPUS       64u
#define PATH_MAX_LEN   256

/* Header fields, as byte offsets. */
#define H_MAGIC       0u
#define H_TOTALSIZE   4u
#define H_OFF_STRUCT  8u
#define H_OFF_STRINGS 12u
#define H_OFF_RSVMAP  16u
#define H_VERSION     20u
#define H_LAST_COMP   24u
#define H_BOOT_CPUID  28u
#define H_SIZE_STRS   32u
#define H_SIZE_STRUCT 36u

/* --- the input, scanned once per mutation --------------------------------- */

struct tag_info {
    uint32_t off;       /* structure-block offset */
    uint32_t tag;       /* FDT_* */
    uint32_t depth;     /* open nodes before this tag */
    int32_t last_begin; /* offset of the last BEGIN_NODE before it, -1 if none */
};

struct prop_info {
    uint32_t tag_off; /* structure-block offset of the FDT_PROP tag */
    uint32_t len;
    uint32_t nameoff;
    int node;            /* offset of the node holding it */
    uint32_t node_depth; /* libfdt depth of that node (root 0) */
    const char *name;    /* in the input's strings block */
};

struct scan {
    uint32_t ntags;
    struct tag_info tags[MAX_SCAN_TAGS];
    uint32_t nprops;
    struct prop_info props[MAX_SCAN_PROPS];
    uint32_t end_tag_off; /* offset of FDT_END */
};

struct ctx {
    const uint8_t *in;
    uint32_t in_size; /* fdt_totalsize(in) */
    uint8_t *out;
    size_t cap;
    nx_prng_t rng;
    nx_dtb_mutation_t *m;
    struct scan *s;
};

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t hdr(const uint8_t *b, uint32_t field)
{
    return get32(b + field);
}

static void scan_input(const void *fdt, struct scan *s)
{
    int32_t stack[64];
    uint32_t depth = 0;
    int32_t last_begin = -1;
    int off = 0;
    s->ntags = 0;
    s->nprops = 0;
    s->end_tag_off = 0;
    for (;;) {
        int next = 0;
        uint32_t tag = fdt_next_tag(fdt, off, &next);
        assert_true(next >= 0 || tag == FDT_END);
        if (s->ntags < MAX_SCAN_TAGS)
            s->tags[s->ntags++] = (struct tag_info){ (uint32_t)off, tag, depth, last_begin };
        switch (tag) {
        case FDT_BEGIN_NODE:
            assert_true(depth < 64u);
            stack[depth++] = off;
            last_begin = off;
            break;
        case FDT_END_NODE:
            assert_true(depth > 0u);
            depth--;
            break;
        case FDT_PROP:
            if (s->nprops < MAX_SCAN_PROPS) {
                const struct fdt_property *pr = fdt_offset_ptr(fdt, off, sizeof *pr);
                assert_non_null(pr);
                assert_true(depth > 0u);
                struct prop_info *pi = &s->props[s->nprops++];
                pi->tag_off = (uint32_t)off;
                pi->len = fdt32_to_cpu(pr->len);
                pi->nameoff = fdt32_to_cpu(pr->nameoff);
                pi->node = stack[depth - 1u];
                pi->node_depth = depth - 1u;
                pi->name = fdt_string(fdt, (int)pi->nameoff);
                assert_non_null(pi->name);
            }
            break;
        case FDT_NOP:
            break;
        case FDT_END:
            assert_int_equal(depth, 0);
            s->end_tag_off = (uint32_t)off;
            return;
        default:
            fail_msg("mutator input is not a valid tree (tag 0x%x at %d)", tag, off);
        }
        off = next;
    }
}

/* --- small helpers ---------------------------------------------------------- */

static uint32_t pick(struct ctx *c, uint32_t n)
{
    return (uint32_t)nx_prng_below(&c->rng, n);
}

static uint32_t range32(struct ctx *c, uint32_t lo, uint32_t hi)
{
    return (uint32_t)nx_prng_range(&c->rng, lo, hi);
}

static void set_detail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_detail(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->m->detail, sizeof c->m->detail, fmt, ap);
    va_end(ap);
}

static void verdict_reject(struct ctx *c, nx_dtb_reason_t reason, const char *property, int node)
{
    c->m->expect = NX_DTB_EXPECT_REJECT;
    c->m->reason = reason;
    c->m->property = property;
    c->m->node_offset = node;
}

static void verdict_any(struct ctx *c)
{
    c->m->expect = NX_DTB_EXPECT_ANY;
}

static void verdict_accept(struct ctx *c)
{
    c->m->expect = NX_DTB_EXPECT_ACCEPT;
}

/* Raw mutation: start from an exact copy of the input. */
static void raw_copy(struct ctx *c)
{
    memcpy(c->out, c->in, c->in_size);
    c->m->size = c->in_size;
}

/* Structural mutation: open the input for editing, and pack when done. */
static void open_tree(struct ctx *c)
{
    assert_int_equal(fdt_open_into(c->in, c->out, (int)c->cap), 0);
}

static void pack_tree(struct ctx *c)
{
    assert_int_equal(fdt_pack(c->out), 0);
    c->m->size = fdt_totalsize(c->out);
}

#define CHECK_FDT(call)                                                                            \
    do {                                                                                           \
        int err_ = (call);                                                                         \
        if (err_ < 0)                                                                              \
            fail_msg("%s: %s", #call, fdt_strerror(err_));                                         \
    } while (0)

static int path_offset(const void *fdt, const char *path)
{
    int off = fdt_path_offset(fdt, path);
    if (off < 0)
        fail_msg("mutator: %s not found after editing: %s", path, fdt_strerror(off));
    return off;
}

/* Cells of `node`'s children (devicetree defaults when absent). */
static uint32_t cells_of(const void *fdt, int node, const char *name, uint32_t dflt)
{
    int len = 0;
    const fdt32_t *v = fdt_getprop(fdt, node, name, &len);
    return v != NULL && len == 4 ? fdt32_to_cpu(*v) : dflt;
}

/* Big-endian `value` in `cells` cells (1 or 2) at p; returns bytes written. */
static size_t put_cells(uint8_t *p, uint64_t value, uint32_t cells)
{
    if (cells == 2u) {
        put32(p, (uint32_t)(value >> 32));
        put32(p + 4, (uint32_t)value);
        return 8u;
    }
    put32(p, (uint32_t)value);
    return 4u;
}

/* A reg property of one (base, size) entry in the given cells. */
static int set_reg(void *fdt, int node, uint64_t base, uint64_t size, uint32_t ac, uint32_t sc)
{
    uint8_t buf[16];
    size_t n = put_cells(buf, base, ac);
    n += put_cells(buf + n, size, sc);
    return fdt_setprop(fdt, node, "reg", buf, (int)n);
}

/* Enabled cpu nodes under /cpus, in DTB order. Returns how many (<= max). */
static uint32_t find_cpus(const void *fdt, int *offs, uint32_t max)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    uint32_t n = 0;
    if (cpus < 0)
        return 0;
    int node;
    fdt_for_each_subnode(node, fdt, cpus)
    {
        int len = 0;
        const char *dt = fdt_getprop(fdt, node, "device_type", &len);
        if (dt == NULL || len < 4 || strcmp(dt, "cpu") != 0)
            continue;
        const char *st = fdt_getprop(fdt, node, "status", &len);
        if (st != NULL && strcmp(st, "okay") != 0 && strcmp(st, "ok") != 0)
            continue;
        if (n < max)
            offs[n++] = node;
    }
    return n;
}

/* First depth-1 node whose device_type is "memory", or a negative value. */
static int find_memory(const void *fdt)
{
    int node;
    fdt_for_each_subnode(node, fdt, 0)
    {
        int len = 0;
        const char *dt = fdt_getprop(fdt, node, "device_type", &len);
        if (dt != NULL && len == 7 && memcmp(dt, "memory", 7) == 0)
            return node;
    }
    return -FDT_ERR_NOTFOUND;
}

static void node_path(const void *fdt, int node, char *buf)
{
    CHECK_FDT(fdt_get_path(fdt, node, buf, PATH_MAX_LEN));
}

/* A phandle no node of the tree uses yet. */
static uint32_t fresh_phandle(const void *fdt)
{
    uint32_t max = 0;
    CHECK_FDT(fdt_find_max_phandle(fdt, &max));
    return max + 1u;
}

/* Max end of the structure and strings blocks. */
static uint32_t blocks_end(const uint8_t *b)
{
    uint32_t s = hdr(b, H_OFF_STRUCT) + hdr(b, H_SIZE_STRUCT);
    uint32_t t = hdr(b, H_OFF_STRINGS) + hdr(b, H_SIZE_STRS);
    return s > t ? s : t;
}

/* --- raw families ------------------------------------------------------------ */

static void mut_truncate(struct ctx *c)
{
    uint32_t total = c->in_size;
    raw_copy(c);
    if (pick(c, 2) == 0u) {
        /* The buffer ends early; the header still claims the whole size. */
        uint32_t len = pick(c, total);
        c->m->size = len;
        set_detail(c, "buffer cut to %u of %u bytes", len, total);
        verdict_reject(c, NX_DTB_TRUNCATED, NULL, -1);
        return;
    }
    /* Cut and make the header agree: the blocks now run past totalsize. */
    uint32_t len = range32(c, 8u, total - 1u);
    put32(c->out + H_TOTALSIZE, len);
    c->m->size = len;
    set_detail(c, "blob and totalsize cut to %u of %u bytes", len, total);
    if (len < HDR_SIZE)
        verdict_reject(c, NX_DTB_TRUNCATED, NULL, -1);
    else if (len < blocks_end(c->in))
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
    else
        verdict_any(c);
}

static void mut_header_magic(struct ctx *c)
{
    static const uint32_t values[] = { 0xedfe0dd0u /* byte-swapped */,
                                       ~FDT_MAGIC /* FDT_SW_MAGIC */, 0u, 0xffffffffu };
    raw_copy(c);
    uint32_t sub = pick(c, 6);
    uint32_t v;
    if (sub < 4u)
        v = values[sub];
    else if (sub == 4u)
        v = FDT_MAGIC ^ (1u << pick(c, 32));
    else
        do
            v = (uint32_t)nx_prng_next(&c->rng);
        while (v == FDT_MAGIC);
    put32(c->out + H_MAGIC, v);
    set_detail(c, "magic = 0x%08x", v);
    verdict_reject(c, NX_DTB_BAD_MAGIC, NULL, -1);
}

static void mut_header_totalsize(struct ctx *c)
{
    uint32_t total = c->in_size, v = 0;
    raw_copy(c);
    switch (pick(c, 5)) {
    case 0: /* smaller than the header itself */
        v = pick(c, HDR_SIZE);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    case 1:
        v = range32(c, NX_BOOTINFO_MAX_DTB_BYTES + 1u, UINT32_MAX);
        verdict_reject(c, NX_DTB_TOO_LARGE, NULL, -1);
        break;
    case 2: /* claims a few bytes more than the buffer holds */
        v = total + range32(c, 1u, 8u);
        verdict_reject(c, v > NX_BOOTINFO_MAX_DTB_BYTES ? NX_DTB_TOO_LARGE : NX_DTB_TRUNCATED, NULL,
                       -1);
        break;
    case 3: /* in the buffer, but a block now ends past it */
        v = range32(c, HDR_SIZE, blocks_end(c->in) - 1u);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    default: { /* padding after the blocks, counted in totalsize: still valid */
        uint32_t pad = range32(c, 1u, 256u);
        assert_true(total + pad <= c->cap);
        for (uint32_t i = 0; i < pad; i++)
            c->out[total + i] = (uint8_t)nx_prng_next(&c->rng);
        v = total + pad;
        c->m->size = v;
        if (v <= NX_BOOTINFO_MAX_DTB_BYTES)
            verdict_accept(c);
        else
            verdict_reject(c, NX_DTB_TOO_LARGE, NULL, -1);
        break;
    }
    }
    put32(c->out + H_TOTALSIZE, v);
    set_detail(c, "totalsize %u -> %u (buffer %zu)", total, v, c->m->size);
}

static void mut_header_offsets(struct ctx *c)
{
    static const uint32_t fields[] = { H_OFF_STRUCT, H_OFF_STRINGS, H_OFF_RSVMAP };
    static const char *const names[] = { "off_dt_struct", "off_dt_strings", "off_mem_rsvmap" };
    uint32_t f = pick(c, 3);
    uint32_t old = hdr(c->in, fields[f]), v;
    raw_copy(c);
    switch (pick(c, 5)) {
    case 0: /* past totalsize */
        v = range32(c, c->in_size + 1u, UINT32_MAX);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    case 1: /* inside the header */
        v = pick(c, HDR_SIZE);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    case 2: /* misaligned: tags are 4-byte words, reservations 8-byte ones */
        if (fields[f] == H_OFF_STRUCT) {
            v = old + range32(c, 1u, 3u);
            verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        } else if (fields[f] == H_OFF_RSVMAP) {
            v = old + range32(c, 1u, 7u);
            verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        } else { /* strings have no alignment: names shift */
            v = old + range32(c, 1u, 3u);
            verdict_any(c);
        }
        break;
    case 3: /* overlapping another block */
        v = hdr(c->in, fields[(f + 1u + pick(c, 2)) % 3u]);
        verdict_any(c);
        break;
    default:
        v = (uint32_t)nx_prng_next(&c->rng);
        verdict_any(c);
        break;
    }
    put32(c->out + fields[f], v);
    set_detail(c, "%s 0x%x -> 0x%x", names[f], old, v);
}

static void mut_header_sizes(struct ctx *c)
{
    const uint8_t *in = c->in;
    uint32_t total = c->in_size;
    uint32_t off_struct = hdr(in, H_OFF_STRUCT), size_struct = hdr(in, H_SIZE_STRUCT);
    uint32_t off_strs = hdr(in, H_OFF_STRINGS), size_strs = hdr(in, H_SIZE_STRS);
    uint32_t field = H_SIZE_STRUCT, old = size_struct, v;
    raw_copy(c);
    uint32_t sub = pick(c, 6);
    uint32_t room = total - off_struct - size_struct; /* bytes after the struct block */
    if (sub == 5u && room < 4u)
        sub = 3u;
    switch (sub) {
    case 0:
        v = range32(c, total - off_struct + 1u, UINT32_MAX);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    case 1:
        field = H_SIZE_STRS;
        old = size_strs;
        v = range32(c, total - off_strs + 1u, UINT32_MAX);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    case 2: /* not a whole number of tag words */
        v = size_struct - range32(c, 1u, 3u);
        verdict_reject(c, NX_DTB_BAD_LAYOUT, NULL, -1);
        break;
    case 3: /* whole words, but FDT_END falls outside */
        v = 4u * pick(c, (c->s->end_tag_off + 4u) / 4u);
        verdict_reject(c, NX_DTB_BAD_STRUCTURE, NULL, NX_DTB_MUT_ANY_NODE);
        break;
    case 4: { /* strings cut: a name in use may lose its end */
        field = H_SIZE_STRS;
        old = size_strs;
        v = pick(c, size_strs);
        bool cut = false;
        for (uint32_t i = 0; i < c->s->nprops; i++)
            if (c->s->props[i].nameoff + strlen(c->s->props[i].name) + 1u > v)
                cut = true;
        if (cut)
            verdict_reject(c, NX_DTB_BAD_NAME, NULL, NX_DTB_MUT_ANY_NODE);
        else
            verdict_any(c);
        break;
    }
    default: /* struct block grown over what follows, inside totalsize */
        v = size_struct + 4u * range32(c, 1u, room / 4u);
        verdict_accept(c);
        break;
    }
    put32(c->out + field, v);
    set_detail(c, "%s 0x%x -> 0x%x", field == H_SIZE_STRUCT ? "size_dt_struct" : "size_dt_strings",
               old, v);
}

static void mut_header_version(struct ctx *c)
{
    raw_copy(c);
    switch (pick(c, 4)) {
    case 0: {
        uint32_t v = pick(c, 17);
        put32(c->out + H_VERSION, v);
        set_detail(c, "version = %u", v);
        verdict_reject(c, NX_DTB_BAD_VERSION, NULL, -1);
        break;
    }
    case 1: {
        uint32_t v = range32(c, 18u, UINT32_MAX);
        put32(c->out + H_LAST_COMP, v);
        set_detail(c, "last_comp_version = %u", v);
        verdict_reject(c, NX_DTB_BAD_VERSION, NULL, -1);
        break;
    }
    case 2: { /* a newer format that says it reads as 17 */
        uint32_t v = range32(c, 17u, UINT32_MAX), lc = range32(c, 2u, 17u);
        put32(c->out + H_VERSION, v);
        put32(c->out + H_LAST_COMP, lc);
        set_detail(c, "version = %u, last_comp_version = %u", v, lc);
        verdict_accept(c);
        break;
    }
    default: {
        uint32_t v = (uint32_t)nx_prng_next(&c->rng);
        put32(c->out + H_BOOT_CPUID, v);
        set_detail(c, "boot_cpuid_phys = 0x%x", v);
        verdict_accept(c);
        break;
    }
    }
}

/* 1..4 bit flips or byte overwrites in out[start, start + len). */
static void flip_bytes(struct ctx *c, uint32_t start, uint32_t len, const char *what)
{
    uint32_t n = range32(c, 1u, 4u);
    uint32_t first = 0;
    raw_copy(c);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = start + pick(c, len);
        if (i == 0u)
            first = pos;
        if (pick(c, 2) == 0u)
            c->out[pos] ^= (uint8_t)(1u << pick(c, 8));
        else
            c->out[pos] = (uint8_t)nx_prng_next(&c->rng);
    }
    set_detail(c, "%u byte(s) of the %s changed, first at 0x%x", n, what, first);
    verdict_any(c);
}

static void mut_flip_struct(struct ctx *c)
{
    flip_bytes(c, hdr(c->in, H_OFF_STRUCT), hdr(c->in, H_SIZE_STRUCT), "structure block");
}

static void mut_flip_strings(struct ctx *c)
{
    flip_bytes(c, hdr(c->in, H_OFF_STRINGS), hdr(c->in, H_SIZE_STRS), "strings block");
}

static void mut_flip_rsvmap(struct ctx *c)
{
    int n = fdt_num_mem_rsv(c->in);
    assert_true(n >= 0);
    /* The entries and the terminating zero entry. */
    flip_bytes(c, hdr(c->in, H_OFF_RSVMAP), 16u * ((uint32_t)n + 1u), "reservation block");
}

static void mut_prop_length(struct ctx *c)
{
    const struct prop_info *p = &c->s->props[pick(c, c->s->nprops)];
    uint32_t size_struct = hdr(c->in, H_SIZE_STRUCT);
    uint32_t value = p->tag_off + 12u; /* value offset in the structure block */
    uint32_t v;
    raw_copy(c);
    switch (pick(c, 3)) {
    case 0:
        v = range32(c, 0x80000000u, UINT32_MAX);
        verdict_reject(c, NX_DTB_BAD_STRUCTURE, NULL, p->node);
        break;
    case 1: /* the value would end 1..4 bytes past the structure block */
        v = size_struct - value + range32(c, 1u, 4u);
        verdict_reject(c, NX_DTB_BAD_STRUCTURE, NULL, p->node);
        break;
    default:
        v = pick(c, size_struct - value + 1u);
        verdict_any(c);
        break;
    }
    put32(c->out + hdr(c->in, H_OFF_STRUCT) + p->tag_off + 4u, v);
    set_detail(c, "len of %s (node 0x%x) %u -> %u", p->name, (unsigned)p->node, p->len, v);
}

static void mut_tag(struct ctx *c)
{
    /* Candidates: every tag inside the root (and the root's own BEGIN_NODE);
     * the final FDT_END is excluded, replacing it by itself changes nothing. */
    uint32_t idx[MAX_SCAN_TAGS], n = 0;
    for (uint32_t i = 0; i < c->s->ntags; i++)
        if (c->s->tags[i].off == 0u || c->s->tags[i].depth > 0u)
            idx[n++] = i;
    assert_true(n > 0u);
    const struct tag_info *t = &c->s->tags[idx[pick(c, n)]];
    uint32_t v;
    raw_copy(c);
    switch (pick(c, 3)) {
    case 0: {
        static const uint32_t invalid[] = { 0u, 5u, 6u, 7u, 8u, 10u, 0x100u, 0xffffffffu };
        v = pick(c, 2) == 0u ? invalid[pick(c, 8)] : range32(c, 11u, UINT32_MAX);
        verdict_reject(c, NX_DTB_BAD_STRUCTURE, NULL, (int)t->off);
        break;
    }
    case 1: /* the end of the block while a node is still open */
        v = FDT_END;
        verdict_reject(c, NX_DTB_BAD_STRUCTURE, NULL, t->off == 0u ? 0 : t->last_begin);
        break;
    default: {
        static const uint32_t valid[] = { FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP };
        do
            v = valid[pick(c, 4)];
        while (v == t->tag);
        verdict_any(c);
        break;
    }
    }
    put32(c->out + hdr(c->in, H_OFF_STRUCT) + t->off, v);
    set_detail(c, "tag at 0x%x: 0x%x -> 0x%x", t->off, t->tag, v);
}

static bool is_chosen(const void *fdt, const struct prop_info *p)
{
    int len = 0;
    const char *name = fdt_get_name(fdt, p->node, &len);
    return p->node_depth == 1u && name != NULL && strcmp(name, "chosen") == 0;
}

static void mut_string_nul(struct ctx *c)
{
    const struct scan *s = c->s;
    uint32_t off_struct = hdr(c->in, H_OFF_STRUCT);
    uint32_t cand[MAX_SCAN_PROPS], n = 0;
    uint32_t sub = pick(c, 3);
    raw_copy(c);
    if (sub == 0u) {
        /* Strings the parser must read and validate. */
        for (uint32_t i = 0; i < s->nprops; i++) {
            const struct prop_info *p = &s->props[i];
            bool checked =
                (p->node_depth >= 1u &&
                 (strcmp(p->name, "compatible") == 0 || strcmp(p->name, "device_type") == 0)) ||
                (is_chosen(c->in, p) &&
                 (strcmp(p->name, "bootargs") == 0 || strcmp(p->name, "stdout-path") == 0));
            if (checked && p->len >= 1u)
                cand[n++] = i;
        }
        assert_true(n > 0u);
        const struct prop_info *p = &s->props[cand[pick(c, n)]];
        c->out[off_struct + p->tag_off + 12u + p->len - 1u] = 'X';
        set_detail(c, "NUL of %s (node 0x%x) removed", p->name, (unsigned)p->node);
        verdict_reject(c, NX_DTB_BAD_PROPERTY, p->name, p->node);
        return;
    }
    if (sub == 1u) {
        /* The last name of the strings block now runs to the block's end. */
        uint32_t off_strs = hdr(c->in, H_OFF_STRINGS), size_strs = hdr(c->in, H_SIZE_STRS);
        uint32_t last = size_strs - 1u; /* its NUL */
        uint32_t start = last;
        while (start > 0u && c->in[off_strs + start - 1u] != '\0')
            start--;
        c->out[off_strs + last] = 'X';
        bool used = false;
        for (uint32_t i = 0; i < s->nprops; i++)
            if (s->props[i].nameoff >= start)
                used = true;
        set_detail(c, "NUL of the last name (strings+0x%x) removed", start);
        if (used)
            verdict_reject(c, NX_DTB_BAD_NAME, NULL, NX_DTB_MUT_ANY_NODE);
        else
            verdict_any(c);
        return;
    }
    /* Any other string value, or a node name. */
    for (uint32_t i = 0; i < s->nprops; i++) {
        const struct prop_info *p = &s->props[i];
        const uint8_t *v = c->in + off_struct + p->tag_off + 12u;
        if (p->len >= 2u && v[p->len - 1u] == '\0' && v[0] >= 0x20u && v[0] < 0x7fu)
            cand[n++] = i;
    }
    if (n > 0u && pick(c, 2) == 0u) {
        const struct prop_info *p = &s->props[cand[pick(c, n)]];
        c->out[off_struct + p->tag_off + 12u + p->len - 1u] = 'X';
        set_detail(c, "NUL of %s (node 0x%x) removed", p->name, (unsigned)p->node);
    } else {
        uint32_t nodes[MAX_SCAN_TAGS], k = 0;
        for (uint32_t i = 0; i < s->ntags; i++)
            if (s->tags[i].tag == FDT_BEGIN_NODE && s->tags[i].off != 0u)
                nodes[k++] = s->tags[i].off;
        assert_true(k > 0u);
        uint32_t node = nodes[pick(c, k)];
        const uint8_t *name = c->in + off_struct + node + 4u;
        size_t len = strlen((const char *)name);
        c->out[off_struct + node + 4u + len] = 'X';
        set_detail(c, "NUL of node name '%s' (0x%x) removed", (const char *)name, node);
    }
    verdict_any(c);
}

static void mut_cells(struct ctx *c)
{
    static const uint32_t values[] = { 0u, 3u, 5u, 0xffffffffu };
    uint32_t cand[MAX_SCAN_PROPS], n = 0;
    for (uint32_t i = 0; i < c->s->nprops; i++) {
        const struct prop_info *p = &c->s->props[i];
        if (p->len == 4u &&
            (strcmp(p->name, "#address-cells") == 0 || strcmp(p->name, "#size-cells") == 0))
            cand[n++] = i;
    }
    assert_true(n > 0u);
    const struct prop_info *p = &c->s->props[cand[pick(c, n)]];
    uint32_t v = values[pick(c, 4)];
    raw_copy(c);
    put32(c->out + hdr(c->in, H_OFF_STRUCT) + p->tag_off + 12u, v);
    set_detail(c, "%s of node 0x%x = 0x%x", p->name, (unsigned)p->node, v);
    if (v > 4u) /* above libfdt's own limit: never a valid cell count */
        verdict_reject(c, NX_DTB_BAD_CELLS, p->name, p->node);
    else
        verdict_any(c);
}

/* --- structural families -------------------------------------------------------- */

static void mut_cpu_reg(struct ctx *c)
{
    int cpus[MAX_CPUS];
    char path[PATH_MAX_LEN];
    open_tree(c);
    uint32_t n = find_cpus(c->out, cpus, MAX_CPUS);
    assert_true(n > 0u);
    int cpu = cpus[pick(c, n)];
    uint32_t ac = cells_of(c->out, path_offset(c->out, "/cpus"), "#address-cells", 2u);
    node_path(c->out, cpu, path);
    uint32_t sub = pick(c, 3);
    if (sub == 0u) {
        CHECK_FDT(fdt_delprop(c->out, cpu, "reg"));
        set_detail(c, "%s: reg deleted", path);
    } else if (sub == 1u) {
        static const uint32_t lens[] = { 0u, 2u, 3u, 4u, 8u, 12u, 16u };
        uint32_t len;
        do
            len = lens[pick(c, 7)];
        while (len == 4u * ac);
        uint8_t junk[16];
        for (uint32_t i = 0; i < sizeof junk; i++)
            junk[i] = (uint8_t)(0x40u + i);
        CHECK_FDT(fdt_setprop(c->out, cpu, "reg", junk, (int)len));
        set_detail(c, "%s: reg of %u bytes (#address-cells %u)", path, len, ac);
    } else {
        uint8_t buf[8];
        uint64_t id = ac == 2u ? (nx_prng_next(&c->rng) | (1ull << 63))
                               : range32(c, 0x80000000u, 0xfffffffeu);
        size_t len = put_cells(buf, id, ac == 2u ? 2u : 1u);
        CHECK_FDT(fdt_setprop(c->out, cpu, "reg", buf, (int)len));
        pack_tree(c);
        set_detail(c, "%s: hart id 0x%llx", path, (unsigned long long)id);
        verdict_accept(c);
        return;
    }
    pack_tree(c);
    verdict_reject(c, NX_DTB_BAD_REG, "reg", path_offset(c->out, path));
}

static void mut_delete(struct ctx *c)
{
    int cpus_off[MAX_CPUS];
    open_tree(c);
    switch (pick(c, 7)) {
    case 0:
        CHECK_FDT(fdt_del_node(c->out, path_offset(c->out, "/cpus")));
        set_detail(c, "/cpus deleted");
        verdict_reject(c, NX_DTB_NO_CPUS, NULL, -1);
        break;
    case 1:
        /* Deleting shifts offsets: find the first cpu again each time. */
        while (find_cpus(c->out, cpus_off, 1) > 0u)
            CHECK_FDT(fdt_del_node(c->out, cpus_off[0]));
        set_detail(c, "every cpu node deleted");
        verdict_reject(c, NX_DTB_NO_CPUS, NULL, -1);
        break;
    case 2:
        /* "disabled" is longer than "okay": later offsets move, so find the
         * first still-enabled cpu again each time. */
        while (find_cpus(c->out, cpus_off, 1) > 0u)
            CHECK_FDT(fdt_setprop_string(c->out, cpus_off[0], "status", "disabled"));
        set_detail(c, "every cpu disabled");
        verdict_reject(c, NX_DTB_NO_CPUS, NULL, -1);
        break;
    case 3: {
        int mem;
        while ((mem = find_memory(c->out)) >= 0)
            CHECK_FDT(fdt_del_node(c->out, mem));
        set_detail(c, "every memory node deleted");
        verdict_reject(c, NX_DTB_NO_MEMORY, NULL, -1);
        break;
    }
    case 4: {
        int cpus = path_offset(c->out, "/cpus");
        fdt_delprop(c->out, cpus, "timebase-frequency");
        uint32_t n = find_cpus(c->out, cpus_off, MAX_CPUS);
        for (uint32_t i = 0; i < n; i++)
            fdt_delprop(c->out, cpus_off[i], "timebase-frequency");
        set_detail(c, "every timebase-frequency deleted");
        verdict_reject(c, NX_DTB_NO_TIMEBASE, "timebase-frequency", -1);
        break;
    }
    case 5: {
        int chosen = fdt_path_offset(c->out, "/chosen");
        if (chosen >= 0)
            CHECK_FDT(fdt_del_node(c->out, chosen));
        set_detail(c, "/chosen deleted");
        verdict_accept(c);
        break;
    }
    default: {
        int soc = fdt_path_offset(c->out, "/soc");
        if (soc >= 0)
            CHECK_FDT(fdt_del_node(c->out, soc));
        set_detail(c, "/soc deleted (no console, PLIC or virtio)");
        verdict_accept(c);
        break;
    }
    }
    pack_tree(c);
}

static void mut_duplicate_hart(struct ctx *c)
{
    int cpus[MAX_CPUS];
    char path[PATH_MAX_LEN];
    open_tree(c);
    uint32_t n = find_cpus(c->out, cpus, MAX_CPUS);
    assert_true(n > 0u);
    uint32_t kept = n < NX_MAX_HARTS ? n : NX_MAX_HARTS;
    int len = 0;
    if (kept >= 2u && pick(c, 2) == 0u) {
        /* cpu j (later in DTB order) takes the hart id of kept cpu i. */
        uint32_t i = pick(c, kept - 1u);
        uint32_t j = range32(c, i + 1u, n - 1u);
        const void *reg = fdt_getprop(c->out, cpus[i], "reg", &len);
        assert_non_null(reg);
        uint8_t copy[16];
        assert_true(len > 0 && (size_t)len <= sizeof copy);
        memcpy(copy, reg, (size_t)len);
        node_path(c->out, cpus[j], path);
        CHECK_FDT(fdt_setprop(c->out, cpus[j], "reg", copy, len));
        set_detail(c, "%s takes the hart id of cpu #%u", path, i);
    } else {
        /* A new cpu, added before the others, repeats a kept hart's id: the
         * existing node is then the second one seen. */
        uint32_t i = pick(c, kept);
        node_path(c->out, cpus[i], path);
        const void *reg = fdt_getprop(c->out, cpus[i], "reg", &len);
        assert_non_null(reg);
        uint8_t copy[16];
        assert_true(len > 0 && (size_t)len <= sizeof copy);
        memcpy(copy, reg, (size_t)len);
        int node = fdt_add_subnode(c->out, path_offset(c->out, "/cpus"), "cpu@dup");
        CHECK_FDT(node);
        CHECK_FDT(fdt_setprop_string(c->out, node, "device_type", "cpu"));
        CHECK_FDT(fdt_setprop(c->out, node, "reg", copy, len));
        CHECK_FDT(fdt_setprop_string(c->out, node, "status", "okay"));
        set_detail(c, "new cpu@dup repeats the hart id of %s", path);
    }
    pack_tree(c);
    verdict_reject(c, NX_DTB_DUPLICATE_HART, "reg", path_offset(c->out, path));
}

static int add_cpu(void *fdt, int cpus, uint64_t hartid, uint32_t ac)
{
    char name[32];
    uint8_t reg[8];
    snprintf(name, sizeof name, "cpu@%llx", (unsigned long long)hartid);
    int node = fdt_add_subnode(fdt, cpus, name);
    if (node < 0)
        return node;
    size_t len = put_cells(reg, hartid, ac == 2u ? 2u : 1u);
    int err = fdt_setprop_string(fdt, node, "device_type", "cpu");
    if (err == 0)
        err = fdt_setprop(fdt, node, "reg", reg, (int)len);
    if (err == 0)
        err = fdt_setprop_string(fdt, node, "status", "okay");
    if (err == 0)
        err = fdt_setprop_string(fdt, node, "riscv,isa", "rv64imac_zicsr");
    return err;
}

static void mut_many(struct ctx *c)
{
    int cpus_off[MAX_CPUS];
    open_tree(c);
    void *fdt = c->out;
    uint32_t root_ac = cells_of(fdt, 0, "#address-cells", 2u);
    uint32_t root_sc = cells_of(fdt, 0, "#size-cells", 1u);
    switch (pick(c, 8)) {
    case 0: {
        int cpus = path_offset(fdt, "/cpus");
        uint32_t ac = cells_of(fdt, cpus, "#address-cells", 2u);
        uint32_t have = find_cpus(fdt, cpus_off, MAX_CPUS);
        uint32_t lo = have > NX_MAX_HARTS ? 1u : NX_MAX_HARTS + 1u - have;
        uint32_t k = range32(c, lo, lo + 6u);
        for (uint32_t i = 0; i < k; i++)
            CHECK_FDT(add_cpu(fdt, cpus, 0x1000u + i, ac));
        set_detail(c, "%u cpus added to %u", k, have);
        break;
    }
    case 1: {
        uint32_t k = range32(c, NX_BOOTINFO_MAX_MEM_REGIONS + 1u, NX_BOOTINFO_MAX_MEM_REGIONS + 6u);
        for (uint32_t i = 0; i < k; i++) {
            char name[40];
            uint64_t base = 0x100000000ull + 0x1000000ull * i;
            snprintf(name, sizeof name, "memory@%llx", (unsigned long long)base);
            int node = fdt_add_subnode(fdt, 0, name);
            CHECK_FDT(node);
            CHECK_FDT(fdt_setprop_string(fdt, node, "device_type", "memory"));
            CHECK_FDT(set_reg(fdt, node, base, 0x100000u, root_ac, root_sc));
        }
        set_detail(c, "%u memory nodes added", k);
        break;
    }
    case 2: {
        int mem = find_memory(fdt);
        CHECK_FDT(mem);
        uint32_t k = range32(c, NX_BOOTINFO_MAX_MEM_REGIONS + 1u, NX_BOOTINFO_MAX_MEM_REGIONS + 8u);
        uint8_t reg[32 * 16];
        size_t len = 0;
        for (uint32_t i = 0; i < k; i++) {
            len += put_cells(reg + len, 0x80000000ull + 0x10000000ull * i, root_ac);
            len += put_cells(reg + len, 0x1000000u, root_sc);
        }
        CHECK_FDT(fdt_setprop(fdt, mem, "reg", reg, (int)len));
        set_detail(c, "first memory node has %u ranges", k);
        break;
    }
    case 3: {
        uint32_t k = range32(c, NX_BOOTINFO_MAX_RESERVED + 1u, NX_BOOTINFO_MAX_RESERVED + 8u);
        for (uint32_t i = 0; i < k; i++)
            CHECK_FDT(fdt_add_mem_rsv(fdt, 0x90000000ull + 0x10000ull * i, 0x1000u));
        set_detail(c, "%u reservation block entries added", k);
        break;
    }
    case 4: {
        int rm = fdt_add_subnode(fdt, 0, "reserved-memory");
        CHECK_FDT(rm);
        CHECK_FDT(fdt_setprop_u32(fdt, rm, "#address-cells", root_ac));
        CHECK_FDT(fdt_setprop_u32(fdt, rm, "#size-cells", root_sc));
        CHECK_FDT(fdt_setprop(fdt, rm, "ranges", NULL, 0));
        uint32_t k = range32(c, NX_BOOTINFO_MAX_RESERVED + 1u, NX_BOOTINFO_MAX_RESERVED + 8u);
        for (uint32_t i = 0; i < k; i++) {
            char name[40];
            uint64_t base = 0x88000000ull + 0x100000ull * i;
            snprintf(name, sizeof name, "region@%llx", (unsigned long long)base);
            int node = fdt_add_subnode(fdt, rm, name);
            CHECK_FDT(node);
            CHECK_FDT(set_reg(fdt, node, base, 0x10000u, root_ac, root_sc));
        }
        set_detail(c, "/reserved-memory with %u children", k);
        break;
    }
    case 5: {
        int bus = fdt_path_offset(fdt, "/soc");
        uint32_t ac = root_ac, sc = root_sc;
        if (bus < 0)
            bus = 0;
        else {
            ac = cells_of(fdt, bus, "#address-cells", 2u);
            sc = cells_of(fdt, bus, "#size-cells", 1u);
        }
        uint32_t k = range32(c, NX_BOOTINFO_MAX_VIRTIO + 1u, NX_BOOTINFO_MAX_VIRTIO + 8u);
        for (uint32_t i = 0; i < k; i++) {
            char name[40];
            uint64_t base = 0x20000000ull + 0x1000ull * i;
            snprintf(name, sizeof name, "virtio_mmio@%llx", (unsigned long long)base);
            int node = fdt_add_subnode(fdt, bus, name);
            CHECK_FDT(node);
            CHECK_FDT(fdt_setprop_string(fdt, node, "compatible", "virtio,mmio"));
            CHECK_FDT(fdt_setprop_u32(fdt, node, "interrupts", 0x20u + i));
            CHECK_FDT(set_reg(fdt, node, base, 0x1000u, ac, sc));
        }
        set_detail(c, "%u virtio,mmio slots added", k);
        break;
    }
    case 6: {
        uint32_t have = nx_dtb_count_nodes(fdt);
        uint32_t extra = range32(c, 1u, 8u);
        assert_true(have < NX_BOOTINFO_MAX_NODES);
        CHECK_FDT(nx_dtb_add_empty_nodes(fdt, 0, NX_BOOTINFO_MAX_NODES + extra - have));
        pack_tree(c);
        set_detail(c, "%u nodes (bound %u)", nx_dtb_count_nodes(c->out), NX_BOOTINFO_MAX_NODES);
        verdict_reject(c, NX_DTB_TOO_MANY_NODES, NULL, NX_DTB_MUT_ANY_NODE);
        return;
    }
    default: {
        /* The root is level 1: a chain of MAX_DEPTH nodes under it is one too deep. */
        uint32_t k = NX_BOOTINFO_MAX_DEPTH + pick(c, 3);
        CHECK_FDT(nx_dtb_add_nested_nodes(fdt, 0, k));
        pack_tree(c);
        set_detail(c, "a chain of %u nested nodes under the root", k);
        verdict_reject(c, NX_DTB_TOO_DEEP, NULL, NX_DTB_MUT_ANY_NODE);
        return;
    }
    }
    pack_tree(c);
    verdict_accept(c);
}

/* /chosen, created when missing. */
static int chosen_node(void *fdt)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0)
        chosen = fdt_add_subnode(fdt, 0, "chosen");
    CHECK_FDT(chosen);
    return chosen;
}

static int aliases_node(void *fdt)
{
    int aliases = fdt_path_offset(fdt, "/aliases");
    if (aliases < 0)
        aliases = fdt_add_subnode(fdt, 0, "aliases");
    CHECK_FDT(aliases);
    return aliases;
}

static void mut_loops(struct ctx *c)
{
    open_tree(c);
    void *fdt = c->out;
    switch (pick(c, 7)) {
    case 0: /* an alias naming itself */
        CHECK_FDT(fdt_setprop_string(fdt, aliases_node(fdt), "serial0", "serial0"));
        CHECK_FDT(fdt_setprop_string(fdt, chosen_node(fdt), "stdout-path", "serial0"));
        set_detail(c, "stdout-path -> alias serial0 -> \"serial0\"");
        break;
    case 1: { /* two aliases naming each other */
        int aliases = aliases_node(fdt);
        CHECK_FDT(fdt_setprop_string(fdt, aliases, "a", "b"));
        aliases = aliases_node(fdt);
        CHECK_FDT(fdt_setprop_string(fdt, aliases, "b", "a:115200"));
        CHECK_FDT(fdt_setprop_string(fdt, chosen_node(fdt), "stdout-path", "a:115200n8"));
        set_detail(c, "stdout-path -> alias a -> b -> a");
        break;
    }
    case 2: { /* an alias whose value has no NUL */
        static const char target[] = "/soc/serial@10000000";
        CHECK_FDT(fdt_setprop(fdt, aliases_node(fdt), "serial0", target, sizeof target - 1u));
        CHECK_FDT(fdt_setprop_string(fdt, chosen_node(fdt), "stdout-path", "serial0"));
        set_detail(c, "stdout-path -> alias serial0 without its NUL");
        break;
    }
    case 3: { /* stdout-path names /chosen itself */
        CHECK_FDT(fdt_setprop_string(fdt, chosen_node(fdt), "stdout-path", "/chosen"));
        set_detail(c, "stdout-path = /chosen");
        break;
    }
    case 4: { /* a device whose interrupt parent is itself */
        int node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio");
        if (node < 0)
            node = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
        if (node < 0)
            node = path_offset(fdt, "/cpus");
        uint32_t ph = fresh_phandle(fdt);
        CHECK_FDT(fdt_setprop_u32(fdt, node, "phandle", ph));
        CHECK_FDT(fdt_setprop_u32(fdt, node, "interrupt-parent", ph));
        set_detail(c, "node 0x%x: interrupt-parent = its own phandle 0x%x", (unsigned)node, ph);
        break;
    }
    case 5: { /* the PLIC routes every context to itself */
        int plic = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
        if (plic < 0) {
            set_detail(c, "no PLIC: nothing changed");
            break;
        }
        uint32_t ph = fdt_get_phandle(fdt, plic);
        if (ph == 0u) {
            ph = fresh_phandle(fdt);
            CHECK_FDT(fdt_setprop_u32(fdt, plic, "phandle", ph));
        }
        fdt32_t links[8] = { cpu_to_fdt32(ph), cpu_to_fdt32(9), cpu_to_fdt32(ph), cpu_to_fdt32(11),
                             cpu_to_fdt32(ph), cpu_to_fdt32(9), cpu_to_fdt32(0),  cpu_to_fdt32(9) };
        CHECK_FDT(fdt_setprop(fdt, plic, "interrupts-extended", links, sizeof links));
        set_detail(c, "PLIC interrupts-extended points at the PLIC (0x%x)", ph);
        break;
    }
    default: { /* every cpu-intc shares one phandle with the PLIC */
        int plic = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
        uint32_t ph = plic >= 0 ? fdt_get_phandle(fdt, plic) : 0u;
        if (ph == 0u)
            ph = fresh_phandle(fdt);
        /* Same-length in-place edits: offsets do not move. */
        for (int node = fdt_node_offset_by_compatible(fdt, -1, "riscv,cpu-intc"); node >= 0;
             node = fdt_node_offset_by_compatible(fdt, node, "riscv,cpu-intc"))
            CHECK_FDT(fdt_setprop_u32(fdt, node, "phandle", ph));
        set_detail(c, "every cpu-intc has phandle 0x%x, like the PLIC", ph);
        break;
    }
    }
    pack_tree(c);
    verdict_accept(c);
}

/* --- public ---------------------------------------------------------------------- */

static const char *const family_names[NX_DTB_MUT_FAMILY_COUNT] = {
    [NX_DTB_MUT_TRUNCATE] = "truncate",
    [NX_DTB_MUT_HEADER_MAGIC] = "header-magic",
    [NX_DTB_MUT_HEADER_TOTALSIZE] = "header-totalsize",
    [NX_DTB_MUT_HEADER_OFFSETS] = "header-offsets",
    [NX_DTB_MUT_HEADER_SIZES] = "header-sizes",
    [NX_DTB_MUT_HEADER_VERSION] = "header-version",
    [NX_DTB_MUT_FLIP_STRUCT] = "flip-struct",
    [NX_DTB_MUT_FLIP_STRINGS] = "flip-strings",
    [NX_DTB_MUT_FLIP_RSVMAP] = "flip-rsvmap",
    [NX_DTB_MUT_PROP_LENGTH] = "prop-length",
    [NX_DTB_MUT_TAG] = "tag",
    [NX_DTB_MUT_STRING_NUL] = "string-nul",
    [NX_DTB_MUT_CELLS] = "cells",
    [NX_DTB_MUT_CPU_REG] = "cpu-reg",
    [NX_DTB_MUT_DELETE] = "delete",
    [NX_DTB_MUT_DUPLICATE_HART] = "duplicate-hart",
    [NX_DTB_MUT_MANY] = "many",
    [NX_DTB_MUT_LOOPS] = "loops",
};

static void (*const family_fns[NX_DTB_MUT_FAMILY_COUNT])(struct ctx *) = {
    [NX_DTB_MUT_TRUNCATE] = mut_truncate,
    [NX_DTB_MUT_HEADER_MAGIC] = mut_header_magic,
    [NX_DTB_MUT_HEADER_TOTALSIZE] = mut_header_totalsize,
    [NX_DTB_MUT_HEADER_OFFSETS] = mut_header_offsets,
    [NX_DTB_MUT_HEADER_SIZES] = mut_header_sizes,
    [NX_DTB_MUT_HEADER_VERSION] = mut_header_version,
    [NX_DTB_MUT_FLIP_STRUCT] = mut_flip_struct,
    [NX_DTB_MUT_FLIP_STRINGS] = mut_flip_strings,
    [NX_DTB_MUT_FLIP_RSVMAP] = mut_flip_rsvmap,
    [NX_DTB_MUT_PROP_LENGTH] = mut_prop_length,
    [NX_DTB_MUT_TAG] = mut_tag,
    [NX_DTB_MUT_STRING_NUL] = mut_string_nul,
    [NX_DTB_MUT_CELLS] = mut_cells,
    [NX_DTB_MUT_CPU_REG] = mut_cpu_reg,
    [NX_DTB_MUT_DELETE] = mut_delete,
    [NX_DTB_MUT_DUPLICATE_HART] = mut_duplicate_hart,
    [NX_DTB_MUT_MANY] = mut_many,
    [NX_DTB_MUT_LOOPS] = mut_loops,
};

const char *nx_dtb_mut_family_name(nx_dtb_mut_family_t family)
{
    if ((unsigned)family >= NX_DTB_MUT_FAMILY_COUNT)
        return "unknown";
    return family_names[family];
}

uint64_t nx_dtb_mut_stream_seed(uint64_t seed, uint32_t index)
{
    /* nx_prng_seed() runs splitmix64 on this, so neighbouring indices give
     * unrelated streams; the odd multiplier keeps (seed, index) pairs apart. */
    return seed ^ (0x9e3779b97f4a7c15ull * ((uint64_t)index + 1u));
}

void nx_dtb_mutate(const void *in, uint64_t seed, uint32_t index, void *out, size_t out_cap,
                   nx_dtb_mutation_t *m)
{
    assert_int_equal(fdt_check_header(in), 0);
    uint32_t in_size = fdt_totalsize(in);
    assert_true(out_cap >= (size_t)in_size + NX_DTB_MUT_SLACK);
    assert_true(out_cap <= (size_t)INT32_MAX);

    memset(m, 0, sizeof *m);
    m->family = (nx_dtb_mut_family_t)(index % NX_DTB_MUT_FAMILY_COUNT);
    m->expect = NX_DTB_EXPECT_ANY;
    m->reason = NX_DTB_OK;
    m->property = NULL;
    m->node_offset = NX_DTB_MUT_ANY_NODE;

    struct ctx c;
    c.in = in;
    c.in_size = in_size;
    c.out = out;
    c.cap = out_cap;
    c.m = m;
    c.s = malloc(sizeof *c.s);
    assert_non_null(c.s);
    nx_prng_seed(&c.rng, nx_dtb_mut_stream_seed(seed, index));
    scan_input(in, c.s);
    assert_true(c.s->nprops > 0u);
    family_fns[m->family](&c);
    free(c.s);
}

uint32_t nx_dtb_count_nodes(const void *fdt)
{
    uint32_t n = 0;
    int depth = 0;
    for (int node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth))
        n++;
    return n;
}

int nx_dtb_add_empty_nodes(void *fdt, int parent, uint32_t count)
{
    /* One container node holds the rest. A placeholder property inside it
     * reserves 12 * (count - 1) bytes, which are then rewritten as count - 1
     * empty nodes of 12 bytes each (BEGIN_NODE, "n\0\0\0", END_NODE): one
     * memmove instead of one per node. */
    if (count == 0u)
        return 0;
    int box = fdt_add_subnode(fdt, parent, "many");
    if (box < 0 || count == 1u)
        return box < 0 ? box : 0;
    uint32_t bytes = 12u * (count - 1u);
    void *val = NULL;
    int err = fdt_setprop_placeholder(fdt, box, "nx,placeholder", (int)(bytes - 12u), &val);
    if (err != 0)
        return err;
    uint8_t *p = (uint8_t *)val - 12; /* the property's tag */
    for (uint32_t i = 0; i < count - 1u; i++, p += 12) {
        put32(p, FDT_BEGIN_NODE);
        memcpy(p + 4, "n\0\0\0", 4);
        put32(p + 8, FDT_END_NODE);
    }
    return 0;
}

int nx_dtb_add_nested_nodes(void *fdt, int parent, uint32_t count)
{
    int node = parent;
    for (uint32_t i = 0; i < count && node >= 0; i++)
        node = fdt_add_subnode(fdt, node, "d");
    return node;
}

nx_status_t nx_dtb_mut_expected_status(nx_dtb_reason_t reason)
{
    switch (reason) {
    case NX_DTB_OK:
        return NX_OK;
    case NX_DTB_NULL_ARGUMENT:
        return NX_ERR_INVALID_ARGS;
    case NX_DTB_BAD_VERSION:
        return NX_ERR_VERSION_MISMATCH;
    case NX_DTB_TOO_LARGE:
    case NX_DTB_TOO_DEEP:
    case NX_DTB_TOO_MANY_NODES:
    case NX_DTB_TOO_MANY_CPUS:
    case NX_DTB_TOO_MANY_RANGES:
        return NX_ERR_OUT_OF_RANGE;
    case NX_DTB_NO_CPUS:
    case NX_DTB_NO_TIMEBASE:
    case NX_DTB_NO_MEMORY:
    case NX_DTB_NO_BOOT_HART:
        return NX_ERR_NOT_FOUND;
    default:
        return NX_ERR_MALFORMED;
    }
}
