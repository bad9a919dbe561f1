/*
 * bootinfo.c - device tree blob -> nx_boot_info_t, validating everything.
 *
 * Three passes over a blob treated as hostile:
 *  1. header: size, magic, version, block bounds and alignment, against the
 *     caller's buffer (libfdt checks blocks against totalsize only);
 *  2. structure: our own walk of every tag, checking each length, name and
 *     the nesting, with node count and depth bounded. After this pass the
 *     blob is well formed, the precondition libfdt's accessors rely on;
 *  3. extraction: one libfdt walk over the nodes, reading only what the
 *     kernel uses, checking each property's length and cell counts, and
 *     translating device addresses through the parent buses' `ranges`.
 * Nothing here follows a phandle chain or an alias chain more than one step,
 * so a tampered blob cannot make it loop.
 */
#include "nx/bootinfo.h"
#include "nx/fdt.h"
#include "nx/mem.h"

/* Cells we decode in an address or size; 3-cell (PCI) buses are not used. */
#define NX_FDT_MAX_DECODE_CELLS 2u
/* Upper bound libfdt itself places on #address-cells / #size-cells. */
#define NX_FDT_MAX_CELLS_VALUE 4u
/* Longest node path we resolve for /chosen/stdout-path. */
#define NX_FDT_MAX_PATH 128u
/* RISC-V interrupt cause of supervisor external interrupts (PLIC S context). */
#define NX_RISCV_IRQ_S_EXT 9u

struct level {
    int offset;
    uint32_t addr_cells; /* #address-cells for this node's children */
    uint32_t size_cells; /* #size-cells for this node's children */
    const uint8_t *ranges;
    int ranges_len; /* -1: no ranges property */
    int kind;       /* enum node_kind of this node */
};

enum node_kind {
    NODE_OTHER = 0,
    NODE_CPUS,
    NODE_CPU_KEPT, /* a cpu node whose hart is in bi->harts[cpu_index] */
    NODE_RESERVED_MEMORY,
};

struct parser {
    const void *fdt;
    nx_boot_info_t *bi;
    nx_dtb_diag_t *diag;
    uint64_t boot_hartid;
    bool boot_hart_kept;
    uint32_t cpus_seen; /* enabled cpu nodes, kept or not */
    int stdout_offset;  /* node named by /chosen/stdout-path, -1 if none */
    int plic_offset;
    int32_t cpu_index;     /* bi->harts index of the innermost kept cpu node */
    uint64_t cpu_timebase; /* first cpu-level timebase-frequency, 0 if none */
    struct level level[NX_BOOTINFO_MAX_DEPTH + 1u];
};

/* --- helpers ------------------------------------------------------------ */

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static nx_status_t fail(struct parser *p, nx_status_t status, nx_dtb_reason_t reason, int fdt_error,
                        int node, const char *property)
{
    p->diag->reason = reason;
    p->diag->fdt_error = fdt_error;
    p->diag->node_offset = node;
    p->diag->property = property;
    return status;
}

#define MALFORMED(p, reason, node, prop) fail((p), NX_ERR_MALFORMED, (reason), 0, (node), (prop))

/*
 * Look up a property. Returns NX_OK with *val == NULL when it is absent. On a
 * validated blob libfdt reports only NOTFOUND; anything else means the blob
 * changed under us or libfdt disagrees with pass 2, and is refused.
 */
static nx_status_t get_prop(struct parser *p, int node, const char *name, const uint8_t **val,
                            int *len)
{
    int l = 0;
    const void *v = fdt_getprop(p->fdt, node, name, &l);
    if (v == NULL) {
        *val = NULL;
        *len = 0;
        if (l == -FDT_ERR_NOTFOUND)
            return NX_OK;
        return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, l, node, name);
    }
    *val = v;
    *len = l;
    return NX_OK;
}

/* A string (or string list) property must end with its NUL. */
static nx_status_t get_string_prop(struct parser *p, int node, const char *name, const char **str,
                                   int *len)
{
    const uint8_t *v;
    nx_status_t st = get_prop(p, node, name, &v, len);
    if (st != NX_OK)
        return st;
    if (v != NULL && (*len < 1 || v[*len - 1] != '\0'))
        return MALFORMED(p, NX_DTB_BAD_PROPERTY, node, name);
    *str = (const char *)v;
    return NX_OK;
}

static bool str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* True when the NUL-separated list (validated: ends with NUL) holds `want`. */
static bool list_contains(const char *list, int len, const char *want)
{
    int i = 0;
    while (i < len) {
        const char *entry = list + i;
        if (str_eq(entry, want))
            return true;
        while (i < len && list[i] != '\0')
            i++;
        i++; /* skip the NUL */
    }
    return false;
}

static bool contains_substring(const char *s, const char *needle)
{
    for (; *s != '\0'; s++) {
        size_t i = 0;
        while (needle[i] != '\0' && s[i] == needle[i])
            i++;
        if (needle[i] == '\0')
            return true;
    }
    return false;
}

/* A u32 property; absent leaves *out unchanged. */
static nx_status_t get_u32(struct parser *p, int node, const char *name, uint32_t *out)
{
    const uint8_t *v;
    int len;
    nx_status_t st = get_prop(p, node, name, &v, &len);
    if (st != NX_OK || v == NULL)
        return st;
    if (len != 4)
        return MALFORMED(p, NX_DTB_BAD_PROPERTY, node, name);
    *out = be32(v);
    return NX_OK;
}

/* Read `cells` (1 or 2) big-endian cells as one number. */
static uint64_t read_cells(const uint8_t *v, uint32_t cells)
{
    uint64_t x = 0;
    for (uint32_t i = 0; i < cells; i++)
        x = (x << 32) | be32(v + 4u * i);
    return x;
}

/* Translate a child-bus address at `depth` into a CPU physical address. */
static nx_status_t translate(struct parser *p, uint32_t depth, uint64_t *addr, uint64_t size,
                             int node)
{
    for (uint32_t d = depth - 1u; d >= 1u; d--) {
        const struct level *bus = &p->level[d];
        const struct level *up = &p->level[d - 1u];
        if (bus->ranges_len < 0) /* no ranges: not part of the CPU's address space */
            return MALFORMED(p, NX_DTB_BAD_RANGES, node, "ranges");
        if (bus->ranges_len == 0) /* empty ranges: identity */
            continue;
        uint32_t ca = bus->addr_cells, pa = up->addr_cells, cs = bus->size_cells;
        if (ca < 1u || ca > NX_FDT_MAX_DECODE_CELLS || pa < 1u || pa > NX_FDT_MAX_DECODE_CELLS ||
            cs < 1u || cs > NX_FDT_MAX_DECODE_CELLS)
            return MALFORMED(p, NX_DTB_BAD_CELLS, bus->offset, "ranges");
        uint32_t entry = 4u * (ca + pa + cs);
        if ((uint32_t)bus->ranges_len % entry != 0u)
            return MALFORMED(p, NX_DTB_BAD_RANGES, bus->offset, "ranges");
        bool found = false;
        for (uint32_t off = 0; off < (uint32_t)bus->ranges_len; off += entry) {
            uint64_t child = read_cells(bus->ranges + off, ca);
            uint64_t parent = read_cells(bus->ranges + off + 4u * ca, pa);
            uint64_t len = read_cells(bus->ranges + off + 4u * (ca + pa), cs);
            if (*addr >= child && *addr - child < len && size <= len - (*addr - child)) {
                uint64_t moved = parent + (*addr - child);
                if (moved < parent)
                    return MALFORMED(p, NX_DTB_BAD_RANGES, bus->offset, "ranges");
                *addr = moved;
                found = true;
                break;
            }
        }
        if (!found)
            return MALFORMED(p, NX_DTB_BAD_RANGES, node, "reg");
    }
    return NX_OK;
}

/*
 * Decode reg entry `index` of the node at `depth` (cells from its parent) and
 * translate it. *present is false when the node has no such entry.
 */
static nx_status_t decode_reg(struct parser *p, int node, uint32_t depth, uint32_t index,
                              nx_mem_range_t *out, bool *present)
{
    const struct level *parent = &p->level[depth - 1u];
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    const uint8_t *v;
    int len;
    *present = false;
    nx_status_t st = get_prop(p, node, "reg", &v, &len);
    if (st != NX_OK || v == NULL)
        return st;
    if (ac < 1u || ac > NX_FDT_MAX_DECODE_CELLS || sc < 1u || sc > NX_FDT_MAX_DECODE_CELLS)
        return MALFORMED(p, NX_DTB_BAD_CELLS, node, "reg");
    uint32_t entry = 4u * (ac + sc);
    if (len == 0 || (uint32_t)len % entry != 0u)
        return MALFORMED(p, NX_DTB_BAD_REG, node, "reg");
    if (index >= (uint32_t)len / entry)
        return NX_OK;
    const uint8_t *e = v + index * entry;
    out->base = read_cells(e, ac);
    out->size = read_cells(e + 4u * ac, sc);
    if (out->base + out->size < out->base && out->base + out->size != 0u)
        return MALFORMED(p, NX_DTB_BAD_REG, node, "reg"); /* wraps (ending at 2^64 is fine) */
    st = translate(p, depth, &out->base, out->size, node);
    if (st != NX_OK)
        return st;
    *present = true;
    return NX_OK;
}

static void add_range(nx_mem_range_t *arr, uint32_t *count, uint32_t *ignored, uint32_t cap,
                      nx_mem_range_t r)
{
    if (*count < cap)
        arr[(*count)++] = r;
    else
        (*ignored)++;
}

/* Decode a device's first reg entry and first interrupt into `dev`. */
static nx_status_t decode_device(struct parser *p, int node, uint32_t depth, nx_mmio_region_t *dev)
{
    nx_mem_range_t r;
    bool present;
    nx_status_t st = decode_reg(p, node, depth, 0, &r, &present);
    if (st != NX_OK)
        return st;
    if (!present || r.size == 0u)
        return MALFORMED(p, NX_DTB_BAD_REG, node, "reg");
    const uint8_t *v;
    int len;
    st = get_prop(p, node, "interrupts", &v, &len);
    if (st != NX_OK)
        return st;
    uint32_t irq = 0;
    if (v != NULL) {
        if (len < 4 || len % 4 != 0)
            return MALFORMED(p, NX_DTB_BAD_PROPERTY, node, "interrupts");
        irq = be32(v);
    }
    dev->present = true;
    dev->base = r.base;
    dev->size = r.size;
    dev->irq = irq;
    return NX_OK;
}

/* --- pass 1: header ------------------------------------------------------ */

static nx_status_t check_header(struct parser *p, size_t buf_size)
{
    const void *fdt = p->fdt;
    if (buf_size < sizeof(struct fdt_header))
        return fail(p, NX_ERR_MALFORMED, NX_DTB_TRUNCATED, -FDT_ERR_TRUNCATED, -1, NULL);
    if (fdt_magic(fdt) != FDT_MAGIC)
        return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_MAGIC, -FDT_ERR_BADMAGIC, -1, NULL);
    /* Version 17 (dtc, QEMU, OpenSBI) has every field we bound-check. */
    if (fdt_version(fdt) < 17u || fdt_last_comp_version(fdt) > 17u)
        return fail(p, NX_ERR_VERSION_MISMATCH, NX_DTB_BAD_VERSION, -FDT_ERR_BADVERSION, -1, NULL);
    uint32_t total = fdt_totalsize(fdt);
    if (total > NX_BOOTINFO_MAX_DTB_BYTES)
        return fail(p, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_LARGE, -FDT_ERR_TRUNCATED, -1, NULL);
    if (total > buf_size)
        return fail(p, NX_ERR_MALFORMED, NX_DTB_TRUNCATED, -FDT_ERR_TRUNCATED, -1, NULL);
    int err = fdt_check_header(fdt);
    if (err == -FDT_ERR_TRUNCATED || err == -FDT_ERR_ALIGNMENT)
        return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, err, -1, NULL);
    if (err == -FDT_ERR_BADVERSION)
        return fail(p, NX_ERR_VERSION_MISMATCH, NX_DTB_BAD_VERSION, err, -1, NULL);
    if (err != 0)
        return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, err, -1, NULL);
    /* Tag words are loaded as 32-bit words and reservation entries as
     * 64-bit ones: the spec's alignment is required, not assumed. */
    if (fdt_off_dt_struct(fdt) % 4u != 0u || fdt_size_dt_struct(fdt) % 4u != 0u ||
        fdt_off_mem_rsvmap(fdt) % 8u != 0u)
        return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, -FDT_ERR_ALIGNMENT, -1, NULL);
    return NX_OK;
}

/* --- pass 2: structure ---------------------------------------------------- */

static nx_status_t check_structure(struct parser *p)
{
    const uint8_t *base = (const uint8_t *)p->fdt + fdt_off_dt_struct(p->fdt);
    const uint32_t size = fdt_size_dt_struct(p->fdt);
    const uint32_t strings_size = fdt_size_dt_strings(p->fdt);
    uint32_t off = 0, depth = 0, nodes = 0;
    bool root_closed = false;
    int node = -1;

    /* Each step consumes at least one 4-byte tag: at most size/4 steps. */
    for (;;) {
        if (off > size || size - off < 4u)
            return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, -FDT_ERR_TRUNCATED, node, NULL);
        uint32_t tag = be32(base + off);
        uint32_t tag_off = off;
        off += 4u;
        /* libfdt's accessors expect the root node at offset 0. */
        if (tag_off == 0u && tag != FDT_BEGIN_NODE)
            return MALFORMED(p, NX_DTB_BAD_STRUCTURE, 0, NULL);
        switch (tag) {
        case FDT_BEGIN_NODE: {
            if (root_closed)
                return MALFORMED(p, NX_DTB_BAD_STRUCTURE, (int)tag_off, NULL);
            node = (int)tag_off;
            if (++depth > NX_BOOTINFO_MAX_DEPTH)
                return fail(p, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_DEEP, 0, node, NULL);
            if (++nodes > NX_BOOTINFO_MAX_NODES)
                return fail(p, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_MANY_NODES, 0, node, NULL);
            uint32_t n = 0;
            while (off + n < size && base[off + n] != '\0')
                n++;
            if (off + n >= size)
                return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, -FDT_ERR_TRUNCATED, node,
                            NULL);
            off += (n + 1u + 3u) & ~3u;
            break;
        }
        case FDT_END_NODE:
            if (depth == 0u)
                return MALFORMED(p, NX_DTB_BAD_STRUCTURE, (int)tag_off, NULL);
            if (--depth == 0u)
                root_closed = true;
            break;
        case FDT_PROP: {
            if (depth == 0u || size - off < 8u)
                return MALFORMED(p, NX_DTB_BAD_STRUCTURE, node, NULL);
            uint32_t len = be32(base + off);
            uint32_t name_off = be32(base + off + 4u);
            if (len > size - off - 8u)
                return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, -FDT_ERR_TRUNCATED, node,
                            NULL);
            int name_len = 0;
            if (name_off >= strings_size ||
                fdt_get_string(p->fdt, (int)name_off, &name_len) == NULL)
                return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_NAME, -FDT_ERR_BADOFFSET, node, NULL);
            off += 8u + ((len + 3u) & ~3u);
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            if (depth != 0u || !root_closed)
                return MALFORMED(p, NX_DTB_BAD_STRUCTURE, node, NULL);
            return NX_OK;
        default:
            return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, -FDT_ERR_BADSTRUCTURE,
                        (int)tag_off, NULL);
        }
    }
}

/* --- pass 3: extraction --------------------------------------------------- */

static nx_status_t read_cells_prop(struct parser *p, int node, const char *name, uint32_t *out)
{
    nx_status_t st = get_u32(p, node, name, out);
    if (st == NX_OK && *out > NX_FDT_MAX_CELLS_VALUE)
        return MALFORMED(p, NX_DTB_BAD_CELLS, node, name);
    return st;
}

static nx_status_t read_timebase(struct parser *p, int node, uint64_t *out)
{
    const uint8_t *v;
    int len;
    nx_status_t st = get_prop(p, node, "timebase-frequency", &v, &len);
    if (st != NX_OK || v == NULL)
        return st;
    if (len == 4)
        *out = be32(v);
    else if (len == 8)
        *out = read_cells(v, 2u);
    else
        return MALFORMED(p, NX_DTB_BAD_PROPERTY, node, "timebase-frequency");
    return NX_OK;
}

/* "okay", "ok" or no status: the node is usable. */
static nx_status_t node_enabled(struct parser *p, int node, bool *enabled)
{
    const char *status = NULL;
    int len;
    nx_status_t st = get_string_prop(p, node, "status", &status, &len);
    if (st != NX_OK)
        return st;
    *enabled = status == NULL || str_eq(status, "okay") || str_eq(status, "ok");
    return NX_OK;
}

static nx_status_t handle_cpu(struct parser *p, int node, uint32_t depth, int *kind)
{
    const struct level *cpus = &p->level[depth - 1u];
    nx_boot_info_t *bi = p->bi;
    bool enabled;
    nx_status_t st = node_enabled(p, node, &enabled);
    if (st != NX_OK || !enabled)
        return st;

    const uint8_t *reg;
    int len;
    st = get_prop(p, node, "reg", &reg, &len);
    if (st != NX_OK)
        return st;
    if (cpus->addr_cells < 1u || cpus->addr_cells > NX_FDT_MAX_DECODE_CELLS ||
        cpus->size_cells != 0u)
        return MALFORMED(p, NX_DTB_BAD_CELLS, cpus->offset, "#address-cells");
    if (reg == NULL || (uint32_t)len != 4u * cpus->addr_cells)
        return MALFORMED(p, NX_DTB_BAD_REG, node, "reg");
    uint64_t hartid = read_cells(reg, cpus->addr_cells);

    for (uint32_t i = 0; i < bi->hart_count; i++)
        if (bi->harts[i].hartid == hartid)
            return MALFORMED(p, NX_DTB_DUPLICATE_HART, node, "reg");

    const char *isa = NULL;
    st = get_string_prop(p, node, "riscv,isa", &isa, &len);
    if (st != NX_OK)
        return st;
    if (p->cpu_timebase == 0u) {
        st = read_timebase(p, node, &p->cpu_timebase);
        if (st != NX_OK)
            return st;
    }

    p->cpus_seen++;
    bool is_boot = hartid == p->boot_hartid;
    /* Keep a slot for the boot hart until it has been seen. */
    uint32_t room = NX_MAX_HARTS;
    if (p->boot_hartid != NX_BOOTINFO_ANY_HART && !p->boot_hart_kept && !is_boot)
        room--;
    if (bi->hart_count >= room) {
        bi->harts_ignored++;
        return NX_OK;
    }
    nx_hart_info_t *h = &bi->harts[bi->hart_count];
    h->hartid = hartid;
    h->intc_phandle = 0;
    h->plic_s_context = -1;
    /* Extensions follow the base ISA as "_name"; Sstc is a multi-letter one. */
    h->has_sstc = isa != NULL && contains_substring(isa, "_sstc");
    p->cpu_index = (int32_t)bi->hart_count;
    bi->hart_count++;
    if (is_boot)
        p->boot_hart_kept = true;
    *kind = NODE_CPU_KEPT;
    return NX_OK;
}

static nx_status_t handle_memory(struct parser *p, int node, uint32_t depth, bool reserved)
{
    nx_boot_info_t *bi = p->bi;
    /* decode_reg() validated the length: the loop ends after len/entry steps. */
    for (uint32_t i = 0;; i++) {
        nx_mem_range_t r;
        bool present;
        nx_status_t st = decode_reg(p, node, depth, i, &r, &present);
        if (st != NX_OK)
            return st;
        if (!present) {
            if (i == 0u && !reserved)
                return MALFORMED(p, NX_DTB_BAD_REG, node, "reg");
            return NX_OK;
        }
        if (r.size == 0u)
            continue;
        if (reserved)
            add_range(bi->reserved, &bi->reserved_count, &bi->reserved_ignored,
                      NX_BOOTINFO_MAX_RESERVED, r);
        else
            add_range(bi->mem, &bi->mem_count, &bi->mem_ignored, NX_BOOTINFO_MAX_MEM_REGIONS, r);
    }
}

static nx_status_t handle_device(struct parser *p, int node, uint32_t depth, const char *compat,
                                 int compat_len)
{
    nx_boot_info_t *bi = p->bi;
    nx_status_t st = NX_OK;
    if (list_contains(compat, compat_len, "ns16550a") ||
        list_contains(compat, compat_len, "ns16550")) {
        /* The first UART unless /chosen/stdout-path names another one. */
        if (bi->uart.present && node != p->stdout_offset)
            return NX_OK;
        nx_mmio_region_t uart;
        uint32_t clock = 0, shift = 0, width = 1;
        st = decode_device(p, node, depth, &uart);
        if (st == NX_OK)
            st = get_u32(p, node, "clock-frequency", &clock);
        if (st == NX_OK)
            st = get_u32(p, node, "reg-shift", &shift);
        if (st == NX_OK)
            st = get_u32(p, node, "reg-io-width", &width);
        if (st != NX_OK)
            return st;
        if (shift > 4u || (width != 1u && width != 4u))
            return MALFORMED(p, NX_DTB_BAD_PROPERTY, node, "reg-io-width");
        bi->uart = uart;
        bi->uart_clock_hz = clock;
        bi->uart_reg_shift = shift;
        bi->uart_reg_io_width = width;
    } else if (list_contains(compat, compat_len, "riscv,plic0") ||
               list_contains(compat, compat_len, "sifive,plic-1.0.0")) {
        if (bi->plic.present)
            return NX_OK;
        st = decode_device(p, node, depth, &bi->plic);
        if (st == NX_OK)
            st = get_u32(p, node, "riscv,ndev", &bi->plic_ndev);
        p->plic_offset = node;
    } else if (list_contains(compat, compat_len, "sifive,test1") ||
               list_contains(compat, compat_len, "sifive,test0")) {
        if (!bi->test_finisher.present)
            st = decode_device(p, node, depth, &bi->test_finisher);
    } else if (list_contains(compat, compat_len, "virtio,mmio")) {
        nx_mmio_region_t slot;
        st = decode_device(p, node, depth, &slot);
        if (st != NX_OK)
            return st;
        if (bi->virtio_count < NX_BOOTINFO_MAX_VIRTIO)
            bi->virtio[bi->virtio_count++] = slot;
        else
            bi->virtio_ignored++;
    }
    return st;
}

static bool name_is(struct parser *p, int node, const char *want)
{
    int len = 0;
    const char *name = fdt_get_name(p->fdt, node, &len);
    if (name == NULL)
        return false;
    /* Match "want" or "want@unit". */
    int i = 0;
    while (want[i] != '\0' && i < len && name[i] == want[i])
        i++;
    return want[i] == '\0' && (i == len || name[i] == '@');
}

static nx_status_t visit_node(struct parser *p, int node, uint32_t depth)
{
    struct level *lv = &p->level[depth];
    const struct level *parent = depth > 0u ? &p->level[depth - 1u] : NULL;
    lv->offset = node;
    lv->kind = NODE_OTHER;
    /* Devicetree spec defaults for a node's children. */
    lv->addr_cells = 2u;
    lv->size_cells = 1u;
    nx_status_t st = read_cells_prop(p, node, "#address-cells", &lv->addr_cells);
    if (st == NX_OK)
        st = read_cells_prop(p, node, "#size-cells", &lv->size_cells);
    if (st != NX_OK)
        return st;
    const uint8_t *ranges;
    int ranges_len;
    st = get_prop(p, node, "ranges", &ranges, &ranges_len);
    if (st != NX_OK)
        return st;
    lv->ranges = ranges;
    lv->ranges_len = ranges == NULL ? -1 : ranges_len;
    if (depth == 0u)
        return NX_OK;

    const char *device_type = NULL, *compat = NULL;
    int len, compat_len = 0;
    st = get_string_prop(p, node, "device_type", &device_type, &len);
    if (st == NX_OK)
        st = get_string_prop(p, node, "compatible", &compat, &compat_len);
    if (st != NX_OK)
        return st;

    if (depth == 1u && name_is(p, node, "cpus")) {
        lv->kind = NODE_CPUS;
        return read_timebase(p, node, &p->bi->timebase_hz);
    }
    if (parent->kind == NODE_CPUS) {
        if (device_type != NULL && str_eq(device_type, "cpu"))
            return handle_cpu(p, node, depth, &lv->kind);
        return NX_OK;
    }
    if (parent->kind == NODE_CPU_KEPT) {
        /* The hart's local interrupt controller: PLIC contexts point at it. */
        if (compat != NULL && list_contains(compat, compat_len, "riscv,cpu-intc")) {
            uint32_t phandle = 0;
            st = get_u32(p, node, "phandle", &phandle);
            if (st == NX_OK && p->cpu_index >= 0)
                p->bi->harts[p->cpu_index].intc_phandle = phandle;
        }
        return st;
    }
    if (depth == 1u && name_is(p, node, "reserved-memory")) {
        lv->kind = NODE_RESERVED_MEMORY;
        return NX_OK;
    }
    if (parent->kind == NODE_RESERVED_MEMORY)
        return handle_memory(p, node, depth, true);

    bool enabled;
    st = node_enabled(p, node, &enabled);
    if (st != NX_OK || !enabled)
        return st;
    if (depth == 1u && device_type != NULL && str_eq(device_type, "memory"))
        return handle_memory(p, node, depth, false);
    if (compat != NULL)
        return handle_device(p, node, depth, compat, compat_len);
    return NX_OK;
}

static nx_status_t walk_nodes(struct parser *p)
{
    int depth = 0;
    int node = 0; /* pass 2 made sure the root node is at offset 0 */
    /* fdt_next_node() signals the root's end with a negative depth. */
    while (node >= 0 && depth >= 0) {
        /* Pass 2 bounded depth; re-check so the array index is obviously safe. */
        if ((uint32_t)depth > NX_BOOTINFO_MAX_DEPTH)
            return fail(p, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_DEEP, 0, node, NULL);
        nx_status_t st = visit_node(p, node, (uint32_t)depth);
        if (st != NX_OK)
            return st;
        node = fdt_next_node(p->fdt, node, &depth);
    }
    if (node < 0 && node != -FDT_ERR_NOTFOUND)
        return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, node, -1, NULL);
    return NX_OK;
}

/* Copy /chosen/bootargs; resolve /chosen/stdout-path ("/soc/serial@10000000:115200n8"
 * or an alias) to a node offset. */
static nx_status_t read_chosen(struct parser *p)
{
    p->stdout_offset = -1;
    int chosen = fdt_path_offset(p->fdt, "/chosen");
    if (chosen < 0)
        return NX_OK;

    const char *path = NULL;
    int len;
    nx_status_t st = get_string_prop(p, chosen, "bootargs", &path, &len);
    if (st != NX_OK)
        return st;
    if (path != NULL) {
        size_t n = (size_t)len - 1u; /* without the NUL */
        if (n >= NX_BOOTINFO_MAX_BOOTARGS) {
            n = NX_BOOTINFO_MAX_BOOTARGS - 1u;
            p->bi->bootargs_truncated = true;
        }
        nx_memcpy(p->bi->bootargs, path, n);
        p->bi->bootargs[n] = '\0';
    }

    path = NULL;
    st = get_string_prop(p, chosen, "stdout-path", &path, &len);
    if (st != NX_OK || path == NULL)
        return st;
    int n = 0;
    while (path[n] != '\0' && path[n] != ':')
        n++;
    if (n == 0 || n >= (int)NX_FDT_MAX_PATH)
        return NX_OK; /* unusable: fall back to the first UART */
    if (path[0] != '/') {
        /* One alias step, never a chain: the target must be a full path. */
        int aliases = fdt_path_offset(p->fdt, "/aliases");
        if (aliases < 0)
            return NX_OK;
        int alen = 0;
        const char *target = fdt_getprop_namelen(p->fdt, aliases, path, n, &alen);
        if (target == NULL || alen < 2 || target[alen - 1] != '\0' || target[0] != '/')
            return NX_OK;
        path = target;
        n = alen - 1;
        if (n >= (int)NX_FDT_MAX_PATH)
            return NX_OK;
    }
    int node = fdt_path_offset_namelen(p->fdt, path, n);
    if (node >= 0)
        p->stdout_offset = node;
    return NX_OK;
}

static nx_status_t read_reservations(struct parser *p)
{
    /* Each entry is 16 bytes and the list ends with a zero entry. */
    uint32_t max_entries = fdt_totalsize(p->fdt) / 16u;
    for (uint32_t i = 0; i <= max_entries; i++) {
        uint64_t addr = 0, size = 0;
        int err = fdt_get_mem_rsv(p->fdt, (int)i, &addr, &size);
        if (err != 0)
            return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_RESERVED, err, -1, NULL);
        if (size == 0u)
            return NX_OK;
        if (addr + size < addr && addr + size != 0u)
            return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_RESERVED, 0, -1, NULL);
        nx_mem_range_t r = { addr, size };
        add_range(p->bi->reserved, &p->bi->reserved_count, &p->bi->reserved_ignored,
                  NX_BOOTINFO_MAX_RESERVED, r);
    }
    return fail(p, NX_ERR_MALFORMED, NX_DTB_BAD_RESERVED, -FDT_ERR_TRUNCATED, -1, NULL);
}

/* Match PLIC contexts (interrupts-extended pairs) to harts' S-mode. */
static nx_status_t link_plic_contexts(struct parser *p)
{
    if (p->plic_offset < 0)
        return NX_OK;
    const uint8_t *v;
    int len;
    nx_status_t st = get_prop(p, p->plic_offset, "interrupts-extended", &v, &len);
    if (st != NX_OK || v == NULL)
        return st;
    /* cpu-intc has #interrupt-cells = 1: each entry is <phandle cause>. */
    if (len % 8 != 0)
        return MALFORMED(p, NX_DTB_BAD_PROPERTY, p->plic_offset, "interrupts-extended");
    uint32_t pairs = (uint32_t)len / 8u;
    if (pairs > NX_BOOTINFO_MAX_PLIC_LINKS)
        pairs = NX_BOOTINFO_MAX_PLIC_LINKS;
    for (uint32_t ctx = 0; ctx < pairs; ctx++) {
        uint32_t phandle = be32(v + 8u * ctx);
        uint32_t cause = be32(v + 8u * ctx + 4u);
        if (cause != NX_RISCV_IRQ_S_EXT || phandle == 0u)
            continue;
        for (uint32_t h = 0; h < p->bi->hart_count; h++)
            if (p->bi->harts[h].intc_phandle == phandle && p->bi->harts[h].plic_s_context < 0)
                p->bi->harts[h].plic_s_context = (int32_t)ctx;
    }
    return NX_OK;
}

static void sort_virtio(nx_boot_info_t *bi)
{
    for (uint32_t i = 1; i < bi->virtio_count; i++) {
        nx_mmio_region_t key = bi->virtio[i];
        uint32_t j = i;
        while (j > 0u && bi->virtio[j - 1u].base > key.base) {
            bi->virtio[j] = bi->virtio[j - 1u];
            j--;
        }
        bi->virtio[j] = key;
    }
}

static nx_status_t parse(struct parser *p, size_t buf_size)
{
    nx_status_t st = check_header(p, buf_size);
    if (st == NX_OK)
        st = check_structure(p);
    if (st == NX_OK)
        st = read_reservations(p);
    if (st == NX_OK)
        st = read_chosen(p);
    if (st == NX_OK)
        st = walk_nodes(p);
    if (st == NX_OK)
        st = link_plic_contexts(p);
    if (st != NX_OK)
        return st;

    nx_boot_info_t *bi = p->bi;
    bi->dtb_size = fdt_totalsize(p->fdt);
    if (bi->hart_count == 0u)
        return fail(p, NX_ERR_NOT_FOUND, NX_DTB_NO_CPUS, 0, -1, NULL);
    if (bi->timebase_hz == 0u)
        bi->timebase_hz = p->cpu_timebase;
    if (bi->timebase_hz == 0u)
        return fail(p, NX_ERR_NOT_FOUND, NX_DTB_NO_TIMEBASE, 0, -1, "timebase-frequency");
    if (bi->mem_count == 0u)
        return fail(p, NX_ERR_NOT_FOUND, NX_DTB_NO_MEMORY, 0, -1, NULL);
    if (p->boot_hartid != NX_BOOTINFO_ANY_HART && !p->boot_hart_kept)
        return fail(p, NX_ERR_NOT_FOUND, NX_DTB_NO_BOOT_HART, 0, -1, NULL);
    sort_virtio(bi);
    return NX_OK;
}

nx_status_t nx_bootinfo_parse(const void *dtb, size_t buf_size, uint64_t boot_hartid,
                              nx_boot_info_t *out, nx_dtb_diag_t *diag)
{
    if (out != NULL)
        nx_memset(out, 0, sizeof *out);
    if (diag == NULL)
        return NX_ERR_INVALID_ARGS;
    diag->reason = NX_DTB_OK;
    diag->fdt_error = 0;
    diag->node_offset = -1;
    diag->property = NULL;
    if (dtb == NULL || out == NULL) {
        diag->reason = NX_DTB_NULL_ARGUMENT;
        return NX_ERR_INVALID_ARGS;
    }

    struct parser p;
    nx_memset(&p, 0, sizeof p);
    p.fdt = dtb;
    p.bi = out;
    p.diag = diag;
    p.boot_hartid = boot_hartid;
    p.stdout_offset = -1;
    p.plic_offset = -1;
    p.cpu_index = -1;

    nx_status_t st = parse(&p, buf_size);
    if (st != NX_OK)
        nx_memset(out, 0, sizeof *out);
    return st;
}

int32_t nx_bootinfo_hart_index(const nx_boot_info_t *bi, uint64_t hartid)
{
    if (bi == NULL)
        return -1;
    for (uint32_t i = 0; i < bi->hart_count && i < NX_MAX_HARTS; i++)
        if (bi->harts[i].hartid == hartid)
            return (int32_t)i;
    return -1;
}

bool nx_bootinfo_has_arg(const nx_boot_info_t *bi, const char *word)
{
    if (bi == NULL || word == NULL || word[0] == '\0')
        return false;
    const char *s = bi->bootargs;
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t i = 0;
        while (word[i] != '\0' && s[i] == word[i])
            i++;
        if (word[i] == '\0' && (s[i] == '\0' || s[i] == ' ' || s[i] == '\t'))
            return true;
        while (*s != '\0' && *s != ' ' && *s != '\t')
            s++;
    }
    return false;
}

const char *nx_dtb_reason_name(nx_dtb_reason_t reason)
{
    switch (reason) {
    case NX_DTB_OK:
        return "ok";
    case NX_DTB_NULL_ARGUMENT:
        return "null-argument";
    case NX_DTB_TRUNCATED:
        return "truncated";
    case NX_DTB_BAD_MAGIC:
        return "bad-magic";
    case NX_DTB_BAD_VERSION:
        return "bad-version";
    case NX_DTB_TOO_LARGE:
        return "too-large";
    case NX_DTB_BAD_LAYOUT:
        return "bad-layout";
    case NX_DTB_BAD_STRUCTURE:
        return "bad-structure";
    case NX_DTB_TOO_DEEP:
        return "too-deep";
    case NX_DTB_TOO_MANY_NODES:
        return "too-many-nodes";
    case NX_DTB_BAD_NAME:
        return "bad-name";
    case NX_DTB_BAD_CELLS:
        return "bad-cells";
    case NX_DTB_BAD_REG:
        return "bad-reg";
    case NX_DTB_BAD_RANGES:
        return "bad-ranges";
    case NX_DTB_BAD_PROPERTY:
        return "bad-property";
    case NX_DTB_BAD_RESERVED:
        return "bad-reserved";
    case NX_DTB_NO_CPUS:
        return "no-cpus";
    case NX_DTB_DUPLICATE_HART:
        return "duplicate-hart";
    case NX_DTB_NO_TIMEBASE:
        return "no-timebase";
    case NX_DTB_NO_MEMORY:
        return "no-memory";
    case NX_DTB_NO_BOOT_HART:
        return "no-boot-hart";
    case NX_DTB_REASON_COUNT:
        break;
    }
    return "unknown";
}

const char *nx_dtb_reason_text(nx_dtb_reason_t reason)
{
    switch (reason) {
    case NX_DTB_OK:
        return "device tree accepted";
    case NX_DTB_NULL_ARGUMENT:
        return "no device tree was passed";
    case NX_DTB_TRUNCATED:
        return "device tree is cut short (buffer smaller than its header says)";
    case NX_DTB_BAD_MAGIC:
        return "not a flattened device tree (bad magic)";
    case NX_DTB_BAD_VERSION:
        return "device tree format version is not 17";
    case NX_DTB_TOO_LARGE:
        return "device tree is larger than NX_BOOTINFO_MAX_DTB_BYTES";
    case NX_DTB_BAD_LAYOUT:
        return "device tree header blocks are out of bounds or misaligned";
    case NX_DTB_BAD_STRUCTURE:
        return "device tree structure block is malformed";
    case NX_DTB_TOO_DEEP:
        return "device tree nests deeper than NX_BOOTINFO_MAX_DEPTH";
    case NX_DTB_TOO_MANY_NODES:
        return "device tree has more than NX_BOOTINFO_MAX_NODES nodes";
    case NX_DTB_BAD_NAME:
        return "a property name lies outside the strings block";
    case NX_DTB_BAD_CELLS:
        return "#address-cells or #size-cells out of range";
    case NX_DTB_BAD_REG:
        return "a reg property is malformed or wraps around";
    case NX_DTB_BAD_RANGES:
        return "a bus ranges property is malformed or does not cover a device";
    case NX_DTB_BAD_PROPERTY:
        return "a property has the wrong length or an unterminated string";
    case NX_DTB_BAD_RESERVED:
        return "the memory reservation block is malformed";
    case NX_DTB_NO_CPUS:
        return "no enabled cpu under /cpus";
    case NX_DTB_DUPLICATE_HART:
        return "two cpu nodes share one hart id";
    case NX_DTB_NO_TIMEBASE:
        return "no timebase-frequency for the harts";
    case NX_DTB_NO_MEMORY:
        return "no memory node with a usable range";
    case NX_DTB_NO_BOOT_HART:
        return "the boot hart is not an enabled cpu in the device tree";
    case NX_DTB_REASON_COUNT:
        break;
    }
    return "unknown reason";
}
