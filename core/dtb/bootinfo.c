/*
 * bootinfo.c - device tree blob -> nx_boot_info_t.
 *
 * Passes 1 and 2 (dtb_check.c) prove the blob well formed. Pass 3, here,
 * walks the nodes once with libfdt. Each node's properties are gathered in
 * one scan (linear in the blob, whatever a tampered blob puts in a node),
 * then the kernel's few facts are read from them: each property's length and
 * cell counts checked, device addresses translated through the parent buses'
 * `ranges`. Nothing here follows a phandle or alias chain more than one
 * step, so a tampered blob cannot make it loop.
 */
#include "dtb_check.h"
#include "nx/bootinfo.h"
#include "nx/fdt.h"
#include "nx/mem.h"

/* Cells we decode in an address or size; 3-cell (PCI) buses are not used. */
#define NX_FDT_MAX_DECODE_CELLS 2u
/* Upper bound libfdt itself places on #address-cells / #size-cells. */
#define NX_FDT_MAX_CELLS_VALUE 4u
/* Longest node path we resolve for /chosen/stdout-path. */
#define NX_FDT_MAX_PATH 128u
/* A 16550's registers the port touches span 8 of them. */
#define NX_UART_REGISTERS 8u
/* RISC-V interrupt cause of supervisor external interrupts (PLIC S context). */
#define NX_RISCV_IRQ_S_EXT 9u

/* The properties pass 3 reads; one scan of a node fills all of them. */
enum prop_id {
    P_ADDRESS_CELLS,
    P_SIZE_CELLS,
    P_RANGES,
    P_DEVICE_TYPE,
    P_COMPATIBLE,
    P_STATUS,
    P_REG,
    P_INTERRUPTS,
    P_CLOCK_FREQUENCY,
    P_REG_SHIFT,
    P_REG_IO_WIDTH,
    P_RISCV_NDEV,
    P_RISCV_ISA,
    P_TIMEBASE,
    P_PHANDLE,
    P_INTERRUPTS_EXTENDED,
    P_COUNT
};

static const char *const prop_names[P_COUNT] = {
    [P_ADDRESS_CELLS] = "#address-cells",
    [P_SIZE_CELLS] = "#size-cells",
    [P_RANGES] = "ranges",
    [P_DEVICE_TYPE] = "device_type",
    [P_COMPATIBLE] = "compatible",
    [P_STATUS] = "status",
    [P_REG] = "reg",
    [P_INTERRUPTS] = "interrupts",
    [P_CLOCK_FREQUENCY] = "clock-frequency",
    [P_REG_SHIFT] = "reg-shift",
    [P_REG_IO_WIDTH] = "reg-io-width",
    [P_RISCV_NDEV] = "riscv,ndev",
    [P_RISCV_ISA] = "riscv,isa",
    [P_TIMEBASE] = "timebase-frequency",
    [P_PHANDLE] = "phandle",
    [P_INTERRUPTS_EXTENDED] = "interrupts-extended",
};

struct prop {
    const uint8_t *v; /* NULL: absent */
    uint32_t len;
};

struct node {
    int offset;
    uint32_t depth; /* the root is 0 */
    const char *name;
    uint32_t name_len;
    struct prop p[P_COUNT];
};

enum node_kind {
    NODE_OTHER = 0,
    NODE_CPUS,
    NODE_CPU_KEPT, /* a cpu whose hart is bi->harts[parser.cpu_index] */
    NODE_RESERVED_MEMORY,
};

/* What a node means to its children. */
struct level {
    int offset;
    uint32_t addr_cells; /* #address-cells for the children */
    uint32_t size_cells; /* #size-cells for the children */
    struct prop ranges;  /* v == NULL: no ranges property */
    enum node_kind kind;
};

struct parser {
    const void *fdt;
    nx_boot_info_t *bi;
    nx_dtb_diag_t *diag;
    uint64_t boot_hartid;
    bool boot_hart_kept;
    uint32_t cpu_count;    /* enabled cpu nodes, kept or not */
    int32_t cpu_index;     /* bi->harts index of the innermost kept cpu node */
    uint64_t cpu_timebase; /* first cpu-level timebase-frequency, 0 if none */
    /* /chosen/stdout-path as a full path (alias resolved), NULL if none; the
     * walk tracks which nodes lie on it instead of looking it up. */
    const char *stdout_path;
    uint32_t stdout_len;
    bool on_stdout_path[NX_BOOTINFO_MAX_DEPTH];
    uint32_t stdout_pos[NX_BOOTINFO_MAX_DEPTH]; /* where a node's component ends */
    bool at_stdout;                             /* the current node is the one named */
    struct prop plic_links;                     /* the PLIC's interrupts-extended */
    /* Every enabled cpu's hart id, to refuse duplicates among all of them. */
    uint64_t hartids[NX_BOOTINFO_MAX_CPU_NODES];
    struct level level[NX_BOOTINFO_MAX_DEPTH];
};

/* --- helpers ------------------------------------------------------------ */

/* Refuse the blob for `reason`, blaming `prop` of the node at `node`. */
static nx_status_t refuse(struct parser *p, nx_dtb_reason_t reason, int node, const char *prop)
{
    return nx_dtb_fail(p->diag, reason, 0, node, prop);
}

static bool str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* One scan of the node's properties; the first of a duplicated name wins,
 * as with fdt_getprop(). */
static void read_props(nx_dtb_walk_t *w, const nx_dtb_node_t *dn, struct node *n)
{
    nx_memset(n, 0, sizeof *n);
    n->offset = dn->offset;
    n->depth = dn->depth;
    n->name = dn->name;
    n->name_len = dn->name_len;
    nx_dtb_prop_t pr;
    while (nx_dtb_next_prop(w, &pr)) {
        for (int i = 0; i < P_COUNT; i++) {
            if (n->p[i].v == NULL && str_eq(pr.name, prop_names[i])) {
                n->p[i].v = pr.value;
                n->p[i].len = pr.len;
                break;
            }
        }
    }
}

/* A string (or string list) property must end with its NUL; absent is NULL. */
static nx_status_t string_prop(struct parser *p, const struct node *n, enum prop_id id,
                               const char **out)
{
    const struct prop *pr = &n->p[id];
    *out = NULL;
    if (pr->v == NULL)
        return NX_OK;
    if (pr->len < 1u || pr->v[pr->len - 1u] != '\0')
        return refuse(p, NX_DTB_BAD_PROPERTY, n->offset, prop_names[id]);
    *out = (const char *)pr->v;
    return NX_OK;
}

/* A u32 property; absent leaves *out unchanged. */
static nx_status_t u32_prop(struct parser *p, const struct node *n, enum prop_id id, uint32_t *out)
{
    const struct prop *pr = &n->p[id];
    if (pr->v == NULL)
        return NX_OK;
    if (pr->len != 4u)
        return refuse(p, NX_DTB_BAD_PROPERTY, n->offset, prop_names[id]);
    *out = nx_dtb_be32(pr->v);
    return NX_OK;
}

/* The devices the kernel reads from the tree, by compatible string. */
enum device_kind {
    DEV_NONE = 0,
    DEV_UART,
    DEV_PLIC,
    DEV_TEST_FINISHER,
    DEV_VIRTIO,
    DEV_CPU_INTC,
};

static const struct {
    const char *compatible;
    enum device_kind kind;
} known_devices[] = {
    { "ns16550a", DEV_UART },
    { "ns16550", DEV_UART },
    { "riscv,plic0", DEV_PLIC },
    { "sifive,plic-1.0.0", DEV_PLIC },
    { "sifive,test1", DEV_TEST_FINISHER },
    { "sifive,test0", DEV_TEST_FINISHER },
    { "virtio,mmio", DEV_VIRTIO },
    { "riscv,cpu-intc", DEV_CPU_INTC },
};

/* The first entry of the (validated, NUL-ended) compatible list we know. */
static enum device_kind classify(const struct prop *compat)
{
    const char *s = (const char *)compat->v;
    uint32_t i = 0;
    while (compat->v != NULL && i < compat->len) {
        for (size_t k = 0; k < sizeof known_devices / sizeof known_devices[0]; k++)
            if (str_eq(s + i, known_devices[k].compatible))
                return known_devices[k].kind;
        while (i < compat->len && s[i] != '\0')
            i++;
        i++; /* the NUL */
    }
    return DEV_NONE;
}

/* riscv,isa names multi-letter extensions as "_name", ended by '_' or NUL. */
static bool isa_has_extension(const char *isa, const char *ext)
{
    for (const char *s = isa; *s != '\0'; s++) {
        if (*s != '_')
            continue;
        size_t i = 0;
        while (ext[i] != '\0' && s[1u + i] == ext[i])
            i++;
        if (ext[i] == '\0' && (s[1u + i] == '\0' || s[1u + i] == '_'))
            return true;
    }
    return false;
}

/* Read `cells` (1 or 2) big-endian cells as one number. */
static uint64_t read_cells(const uint8_t *v, uint32_t cells)
{
    uint64_t x = 0;
    for (uint32_t i = 0; i < cells; i++)
        x = (x << 32) | nx_dtb_be32(v + 4u * i);
    return x;
}

static bool cells_ok(uint32_t cells, uint32_t min)
{
    return cells >= min && cells <= NX_FDT_MAX_DECODE_CELLS;
}

/* True when [base, base + size) wraps past 2^64 (ending exactly there is fine). */
static bool range_wraps(uint64_t base, uint64_t size)
{
    return base + size < base && base + size != 0u;
}

/* Translate an address of a node at `depth` into a CPU physical address,
 * bus by bus up to the root. A bus may have at most NX_BOOTINFO_MAX_RANGES
 * entries, so each translation is bounded by a constant. */
static nx_status_t translate(struct parser *p, uint32_t depth, uint64_t *addr, uint64_t size,
                             int node)
{
    for (uint32_t d = depth - 1u; d >= 1u; d--) {
        const struct level *bus = &p->level[d];
        const struct level *up = &p->level[d - 1u];
        if (bus->ranges.v == NULL) /* no ranges: not in the CPU's address space */
            return refuse(p, NX_DTB_BAD_RANGES, node, "ranges");
        if (bus->ranges.len == 0u) /* empty ranges: identity */
            continue;
        uint32_t ca = bus->addr_cells, pa = up->addr_cells, cs = bus->size_cells;
        if (!cells_ok(ca, 1u) || !cells_ok(pa, 1u) || !cells_ok(cs, 1u))
            return refuse(p, NX_DTB_BAD_CELLS, bus->offset, "ranges");
        uint32_t entry = 4u * (ca + pa + cs);
        if (bus->ranges.len % entry != 0u)
            return refuse(p, NX_DTB_BAD_RANGES, bus->offset, "ranges");
        if (bus->ranges.len / entry > NX_BOOTINFO_MAX_RANGES)
            return refuse(p, NX_DTB_TOO_MANY_RANGES, bus->offset, "ranges");
        bool found = false;
        for (uint32_t off = 0; off < bus->ranges.len && !found; off += entry) {
            const uint8_t *e = bus->ranges.v + off;
            uint64_t child = read_cells(e, ca);
            uint64_t parent = read_cells(e + 4u * ca, pa);
            uint64_t len = read_cells(e + 4u * (ca + pa), cs);
            if (range_wraps(child, len) || range_wraps(parent, len))
                return refuse(p, NX_DTB_BAD_RANGES, bus->offset, "ranges");
            if (*addr < child || *addr - child >= len || size > len - (*addr - child))
                continue;
            /* Inside the entry, and the entry does not wrap: neither does this. */
            uint64_t moved = parent + (*addr - child);
            *addr = moved;
            found = true;
        }
        if (!found)
            return refuse(p, NX_DTB_BAD_RANGES, node, "reg");
    }
    return NX_OK;
}

/* Number of reg entries of `n` (cells from its parent), validating the
 * property's shape; 0 when it has no reg. */
static nx_status_t reg_entries(struct parser *p, const struct node *n, uint32_t *count)
{
    const struct level *parent = &p->level[n->depth - 1u];
    const struct prop *reg = &n->p[P_REG];
    *count = 0;
    if (reg->v == NULL)
        return NX_OK;
    if (!cells_ok(parent->addr_cells, 1u) || !cells_ok(parent->size_cells, 1u))
        return refuse(p, NX_DTB_BAD_CELLS, n->offset, "reg");
    uint32_t entry = 4u * (parent->addr_cells + parent->size_cells);
    if (reg->len == 0u || reg->len % entry != 0u)
        return refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    *count = reg->len / entry;
    return NX_OK;
}

/* Decode and translate reg entry `index` (< reg_entries()). */
static nx_status_t decode_reg(struct parser *p, const struct node *n, uint32_t index,
                              nx_mem_range_t *out)
{
    const struct level *parent = &p->level[n->depth - 1u];
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    const uint8_t *e = n->p[P_REG].v + index * 4u * (ac + sc);
    out->base = read_cells(e, ac);
    out->size = read_cells(e + 4u * ac, sc);
    if (range_wraps(out->base, out->size))
        return refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    return translate(p, n->depth, &out->base, out->size, n->offset);
}

static void add_range(nx_mem_range_t *arr, uint32_t *count, uint32_t *ignored, uint32_t cap,
                      nx_mem_range_t r)
{
    if (*count < cap)
        arr[(*count)++] = r;
    else
        (*ignored)++;
}

/* A device's first reg entry and first interrupt. *dev is cleared first,
 * padding included, so a copy of it never carries stack bytes (the boot
 * info is compared whole: test_bootinfo). */
static nx_status_t decode_device(struct parser *p, const struct node *n, nx_mmio_region_t *dev)
{
    nx_memset(dev, 0, sizeof *dev);
    uint32_t count;
    nx_mem_range_t r;
    nx_status_t st = reg_entries(p, n, &count);
    if (st == NX_OK && count == 0u)
        st = refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    if (st == NX_OK)
        st = decode_reg(p, n, 0, &r);
    if (st == NX_OK && r.size == 0u)
        st = refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    if (st != NX_OK)
        return st;
    const struct prop *irq = &n->p[P_INTERRUPTS];
    if (irq->v != NULL && (irq->len < 4u || irq->len % 4u != 0u))
        return refuse(p, NX_DTB_BAD_PROPERTY, n->offset, "interrupts");
    dev->present = true;
    dev->base = r.base;
    dev->size = r.size;
    dev->irq = irq->v != NULL ? nx_dtb_be32(irq->v) : 0u;
    return NX_OK;
}

/* timebase-frequency as one or two cells; the value must fit 32 bits (the
 * ports' tick arithmetic relies on it: tb * 1e9 fits 64 bits). */
static nx_status_t read_timebase(struct parser *p, const struct node *n, uint64_t *out)
{
    const struct prop *tb = &n->p[P_TIMEBASE];
    if (tb->v == NULL)
        return NX_OK;
    uint64_t v = 0;
    if (tb->len == 4u || tb->len == 8u)
        v = read_cells(tb->v, tb->len / 4u);
    if ((tb->len != 4u && tb->len != 8u) || v > UINT32_MAX)
        return refuse(p, NX_DTB_BAD_PROPERTY, n->offset, "timebase-frequency");
    *out = v;
    return NX_OK;
}

/* "okay", "ok" or no status: the node is usable. */
static nx_status_t node_enabled(struct parser *p, const struct node *n, bool *enabled)
{
    const char *status;
    nx_status_t st = string_prop(p, n, P_STATUS, &status);
    *enabled = st == NX_OK && (status == NULL || str_eq(status, "okay") || str_eq(status, "ok"));
    return st;
}

/* --- node handlers ---------------------------------------------------------- */

static nx_status_t handle_cpu(struct parser *p, const struct node *n, enum node_kind *kind)
{
    const struct level *cpus = &p->level[n->depth - 1u];
    nx_boot_info_t *bi = p->bi;
    bool enabled;
    nx_status_t st = node_enabled(p, n, &enabled);
    if (st != NX_OK || !enabled)
        return st;

    if (!cells_ok(cpus->addr_cells, 1u))
        return refuse(p, NX_DTB_BAD_CELLS, cpus->offset, "#address-cells");
    if (cpus->size_cells != 0u)
        return refuse(p, NX_DTB_BAD_CELLS, cpus->offset, "#size-cells");
    const struct prop *reg = &n->p[P_REG];
    if (reg->v == NULL || reg->len != 4u * cpus->addr_cells)
        return refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    uint64_t hartid = read_cells(reg->v, cpus->addr_cells);

    if (p->cpu_count >= NX_BOOTINFO_MAX_CPU_NODES)
        return nx_dtb_fail(p->diag, NX_DTB_TOO_MANY_CPUS, 0, n->offset, NULL);
    for (uint32_t i = 0; i < p->cpu_count; i++)
        if (p->hartids[i] == hartid)
            return refuse(p, NX_DTB_DUPLICATE_HART, n->offset, "reg");
    p->hartids[p->cpu_count++] = hartid;

    const char *isa;
    st = string_prop(p, n, P_RISCV_ISA, &isa);
    if (st == NX_OK && p->cpu_timebase == 0u)
        st = read_timebase(p, n, &p->cpu_timebase);
    if (st != NX_OK)
        return st;

    /* Keep a slot for the boot hart until it has been seen. */
    bool is_boot = hartid == p->boot_hartid;
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
    h->has_sstc = isa != NULL && isa_has_extension(isa, "sstc");
    p->cpu_index = (int32_t)bi->hart_count;
    bi->hart_count++;
    if (is_boot)
        p->boot_hart_kept = true;
    *kind = NODE_CPU_KEPT;
    return NX_OK;
}

/* The hart's local interrupt controller: PLIC contexts name it by phandle. */
static nx_status_t handle_cpu_intc(struct parser *p, const struct node *n)
{
    if (classify(&n->p[P_COMPATIBLE]) != DEV_CPU_INTC)
        return NX_OK;
    uint32_t phandle = 0;
    nx_status_t st = u32_prop(p, n, P_PHANDLE, &phandle);
    if (st == NX_OK && p->cpu_index >= 0)
        p->bi->harts[p->cpu_index].intc_phandle = phandle;
    return st;
}

static nx_status_t handle_memory(struct parser *p, const struct node *n, bool reserved)
{
    nx_boot_info_t *bi = p->bi;
    uint32_t count;
    nx_status_t st = reg_entries(p, n, &count);
    if (st == NX_OK && count == 0u && !reserved)
        st = refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    for (uint32_t i = 0; st == NX_OK && i < count; i++) {
        nx_mem_range_t r;
        st = decode_reg(p, n, i, &r);
        if (st != NX_OK || r.size == 0u)
            continue;
        if (reserved)
            add_range(bi->reserved, &bi->reserved_count, &bi->reserved_ignored,
                      NX_BOOTINFO_MAX_RESERVED, r);
        else
            add_range(bi->mem, &bi->mem_count, &bi->mem_ignored, NX_BOOTINFO_MAX_MEM_REGIONS, r);
    }
    return st;
}

static nx_status_t handle_uart(struct parser *p, const struct node *n)
{
    nx_boot_info_t *bi = p->bi;
    /* The first UART unless /chosen/stdout-path names another one. */
    if (bi->uart.present && !p->at_stdout)
        return NX_OK;
    nx_mmio_region_t uart;
    uint32_t clock = 0, shift = 0, width = 1;
    nx_status_t st = decode_device(p, n, &uart);
    if (st == NX_OK)
        st = u32_prop(p, n, P_CLOCK_FREQUENCY, &clock);
    if (st == NX_OK)
        st = u32_prop(p, n, P_REG_SHIFT, &shift);
    if (st == NX_OK)
        st = u32_prop(p, n, P_REG_IO_WIDTH, &width);
    if (st == NX_OK && shift > 4u)
        st = refuse(p, NX_DTB_BAD_PROPERTY, n->offset, "reg-shift");
    /* Accesses of `width` bytes at a (1 << shift) stride must not overlap. */
    if (st == NX_OK && ((width != 1u && width != 4u) || (1u << shift) < width))
        st = refuse(p, NX_DTB_BAD_PROPERTY, n->offset, "reg-io-width");
    if (st == NX_OK && uart.size < ((uint64_t)NX_UART_REGISTERS << shift))
        st = refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
    if (st != NX_OK)
        return st;
    bi->uart = uart;
    bi->uart_clock_hz = clock;
    bi->uart_reg_shift = shift;
    bi->uart_reg_io_width = width;
    return NX_OK;
}

static nx_status_t handle_plic(struct parser *p, const struct node *n)
{
    nx_boot_info_t *bi = p->bi;
    if (bi->plic.present)
        return NX_OK;
    nx_status_t st = decode_device(p, n, &bi->plic);
    if (st == NX_OK)
        st = u32_prop(p, n, P_RISCV_NDEV, &bi->plic_ndev);
    const struct prop *links = &n->p[P_INTERRUPTS_EXTENDED];
    /* cpu-intc has #interrupt-cells = 1: each entry is <phandle cause>. */
    if (st == NX_OK && links->v != NULL && links->len % 8u != 0u)
        st = refuse(p, NX_DTB_BAD_PROPERTY, n->offset, "interrupts-extended");
    p->plic_links = *links;
    return st;
}

static nx_status_t handle_device(struct parser *p, const struct node *n)
{
    nx_boot_info_t *bi = p->bi;
    switch (classify(&n->p[P_COMPATIBLE])) {
    case DEV_UART:
        return handle_uart(p, n);
    case DEV_PLIC:
        return handle_plic(p, n);
    case DEV_TEST_FINISHER: {
        if (bi->test_finisher.present)
            return NX_OK;
        nx_status_t st = decode_device(p, n, &bi->test_finisher);
        if (st == NX_OK && bi->test_finisher.size < 4u) /* one 32-bit register */
            st = refuse(p, NX_DTB_BAD_REG, n->offset, "reg");
        return st;
    }
    case DEV_VIRTIO: {
        nx_mmio_region_t slot;
        nx_status_t st = decode_device(p, n, &slot);
        if (st != NX_OK)
            return st;
        if (bi->virtio_count < NX_BOOTINFO_MAX_VIRTIO)
            bi->virtio[bi->virtio_count++] = slot;
        else
            bi->virtio_ignored++;
        return NX_OK;
    }
    case DEV_CPU_INTC: /* only meaningful under a cpu (handle_cpu_intc) */
    case DEV_NONE:
        break;
    }
    return NX_OK;
}

/*
 * Follow /chosen/stdout-path down the tree as the walk goes: a node is on
 * the path when its parent is and its name is the next component (a
 * component without "@unit" also matches "name@unit", as in libfdt).
 */
static void track_stdout(struct parser *p, const struct node *n)
{
    uint32_t d = n->depth;
    p->at_stdout = false;
    if (d == 0u) {
        p->on_stdout_path[0] = p->stdout_path != NULL;
        p->stdout_pos[0] = 0;
        return;
    }
    p->on_stdout_path[d] = false;
    if (!p->on_stdout_path[d - 1u])
        return;
    const char *path = p->stdout_path;
    uint32_t i = p->stdout_pos[d - 1u];
    while (i < p->stdout_len && path[i] == '/')
        i++;
    uint32_t end = i;
    while (end < p->stdout_len && path[end] != '/')
        end++;
    uint32_t len = end - i;
    if (len == 0u || len > n->name_len || nx_memcmp(path + i, n->name, len) != 0)
        return;
    bool has_unit = false;
    for (uint32_t k = i; k < end; k++)
        has_unit |= path[k] == '@';
    if (len != n->name_len && (has_unit || n->name[len] != '@'))
        return;
    p->on_stdout_path[d] = true;
    p->stdout_pos[d] = end;
    while (end < p->stdout_len && path[end] == '/')
        end++;
    p->at_stdout = end == p->stdout_len;
}

/* The node is called `want` or "want@unit". */
static bool name_is(const struct node *n, const char *want)
{
    uint32_t i = 0;
    while (want[i] != '\0' && i < n->name_len && n->name[i] == want[i])
        i++;
    return want[i] == '\0' && (i == n->name_len || n->name[i] == '@');
}

static nx_status_t cells_prop(struct parser *p, const struct node *n, enum prop_id id,
                              uint32_t *out)
{
    nx_status_t st = u32_prop(p, n, id, out);
    if (st == NX_OK && *out > NX_FDT_MAX_CELLS_VALUE)
        return refuse(p, NX_DTB_BAD_CELLS, n->offset, prop_names[id]);
    return st;
}

static nx_status_t visit_node(struct parser *p, const struct node *n)
{
    struct level *lv = &p->level[n->depth];
    const struct level *parent = n->depth > 0u ? &p->level[n->depth - 1u] : NULL;
    lv->offset = n->offset;
    lv->kind = NODE_OTHER;
    lv->addr_cells = 2u; /* devicetree spec defaults */
    lv->size_cells = 1u;
    lv->ranges = n->p[P_RANGES];
    track_stdout(p, n);
    nx_status_t st = cells_prop(p, n, P_ADDRESS_CELLS, &lv->addr_cells);
    if (st == NX_OK)
        st = cells_prop(p, n, P_SIZE_CELLS, &lv->size_cells);
    if (st != NX_OK || parent == NULL)
        return st;

    const char *device_type, *compat;
    st = string_prop(p, n, P_DEVICE_TYPE, &device_type);
    if (st == NX_OK)
        st = string_prop(p, n, P_COMPATIBLE, &compat);
    if (st != NX_OK)
        return st;

    if (n->depth == 1u && name_is(n, "cpus")) {
        lv->kind = NODE_CPUS;
        return read_timebase(p, n, &p->bi->timebase_hz);
    }
    if (parent->kind == NODE_CPUS) {
        if (device_type != NULL && str_eq(device_type, "cpu"))
            return handle_cpu(p, n, &lv->kind);
        return NX_OK;
    }
    if (parent->kind == NODE_CPU_KEPT)
        return handle_cpu_intc(p, n);
    if (n->depth == 1u && name_is(n, "reserved-memory")) {
        lv->kind = NODE_RESERVED_MEMORY;
        return NX_OK;
    }
    if (parent->kind == NODE_RESERVED_MEMORY)
        return handle_memory(p, n, true);

    bool enabled;
    st = node_enabled(p, n, &enabled);
    if (st != NX_OK || !enabled)
        return st;
    if (n->depth == 1u && device_type != NULL && str_eq(device_type, "memory"))
        return handle_memory(p, n, false);
    if (compat != NULL)
        return handle_device(p, n);
    return NX_OK;
}

static nx_status_t walk_nodes(struct parser *p)
{
    nx_dtb_walk_t w;
    nx_dtb_node_t dn;
    struct node n;
    nx_dtb_walk_init(&w, p->fdt);
    while (nx_dtb_next_node(&w, &dn)) {
        /* nx_dtb_check bounded the nesting; re-check so the index is plainly safe. */
        if (dn.depth >= NX_BOOTINFO_MAX_DEPTH)
            return nx_dtb_fail(p->diag, NX_DTB_TOO_DEEP, 0, dn.offset, NULL);
        read_props(&w, &dn, &n);
        nx_status_t st = visit_node(p, &n);
        if (st != NX_OK)
            return st;
    }
    return NX_OK;
}

/* Copy /chosen/bootargs; note /chosen/stdout-path ("/soc/serial@10000000:115200n8"
 * or an alias) as a full path for the walk to follow. */
static nx_status_t read_chosen(struct parser *p)
{
    int chosen = fdt_path_offset(p->fdt, "/chosen");
    if (chosen < 0)
        return NX_OK;

    int len = 0;
    const char *args = fdt_getprop(p->fdt, chosen, "bootargs", &len);
    if (args != NULL) {
        if (len < 1 || args[len - 1] != '\0')
            return refuse(p, NX_DTB_BAD_PROPERTY, chosen, "bootargs");
        /* The string up to its first NUL, as every reader of a <string>
         * sees it: bytes past an embedded NUL are no part of the command
         * line, so neither kept nor a reason to say it was cut. Bounded:
         * the last byte is a NUL. */
        size_t n = 0;
        while (args[n] != '\0')
            n++;
        if (n >= NX_BOOTINFO_MAX_BOOTARGS) {
            n = NX_BOOTINFO_MAX_BOOTARGS - 1u;
            p->bi->bootargs_truncated = true;
        }
        nx_memcpy(p->bi->bootargs, args, n);
        p->bi->bootargs[n] = '\0';
    }

    const char *path = fdt_getprop(p->fdt, chosen, "stdout-path", &len);
    if (path == NULL)
        return NX_OK;
    if (len < 1 || path[len - 1] != '\0')
        return refuse(p, NX_DTB_BAD_PROPERTY, chosen, "stdout-path");
    uint32_t n = 0;
    while (path[n] != '\0' && path[n] != ':')
        n++;
    /* A path the firmware can follow but we cannot would put our console
     * somewhere else than the firmware's: refuse rather than guess. */
    if (n >= NX_FDT_MAX_PATH)
        return refuse(p, NX_DTB_BAD_PROPERTY, chosen, "stdout-path");
    if (n == 0u)
        return NX_OK; /* no path: the first UART */
    if (path[0] != '/') {
        /* One alias step, never a chain: the target must be a full path. */
        int aliases = fdt_path_offset(p->fdt, "/aliases");
        if (aliases < 0)
            return NX_OK;
        int alen = 0;
        const char *target = fdt_getprop_namelen(p->fdt, aliases, path, (int)n, &alen);
        if (target == NULL || alen < 2 || target[alen - 1] != '\0' || target[0] != '/')
            return NX_OK; /* no such alias (or a chain): the first UART */
        if ((uint32_t)alen - 1u >= NX_FDT_MAX_PATH)
            return refuse(p, NX_DTB_BAD_PROPERTY, aliases, "stdout-path");
        path = target;
        n = (uint32_t)alen - 1u;
    }
    p->stdout_path = path;
    p->stdout_len = n;
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
            return nx_dtb_fail(p->diag, NX_DTB_BAD_RESERVED, err, -1, NULL);
        if (size == 0u)
            return NX_OK;
        if (addr + size < addr && addr + size != 0u)
            return nx_dtb_fail(p->diag, NX_DTB_BAD_RESERVED, 0, -1, NULL);
        nx_mem_range_t r = { addr, size };
        add_range(p->bi->reserved, &p->bi->reserved_count, &p->bi->reserved_ignored,
                  NX_BOOTINFO_MAX_RESERVED, r);
    }
    return nx_dtb_fail(p->diag, NX_DTB_BAD_RESERVED, -FDT_ERR_TRUNCATED, -1, NULL);
}

/* Match PLIC contexts (interrupts-extended pairs) to the harts' S-mode. */
static void link_plic_contexts(struct parser *p)
{
    const struct prop *links = &p->plic_links;
    uint32_t pairs = links->v != NULL ? links->len / 8u : 0u;
    if (pairs > NX_BOOTINFO_MAX_PLIC_LINKS)
        pairs = NX_BOOTINFO_MAX_PLIC_LINKS;
    for (uint32_t ctx = 0; ctx < pairs; ctx++) {
        uint32_t phandle = nx_dtb_be32(links->v + 8u * ctx);
        uint32_t cause = nx_dtb_be32(links->v + 8u * ctx + 4u);
        if (cause != NX_RISCV_IRQ_S_EXT || phandle == 0u)
            continue;
        for (uint32_t h = 0; h < p->bi->hart_count; h++)
            if (p->bi->harts[h].intc_phandle == phandle && p->bi->harts[h].plic_s_context < 0)
                p->bi->harts[h].plic_s_context = (int32_t)ctx;
    }
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
    nx_status_t st = nx_dtb_check(p->fdt, buf_size, p->diag);
    if (st == NX_OK)
        st = read_reservations(p);
    if (st == NX_OK)
        st = read_chosen(p);
    if (st == NX_OK)
        st = walk_nodes(p);
    if (st != NX_OK)
        return st;
    link_plic_contexts(p);

    nx_boot_info_t *bi = p->bi;
    bi->dtb_size = fdt_totalsize(p->fdt);
    if (bi->hart_count == 0u)
        return nx_dtb_fail(p->diag, NX_DTB_NO_CPUS, 0, -1, NULL);
    if (bi->timebase_hz == 0u)
        bi->timebase_hz = p->cpu_timebase;
    if (bi->timebase_hz == 0u)
        return nx_dtb_fail(p->diag, NX_DTB_NO_TIMEBASE, 0, -1, "timebase-frequency");
    if (bi->mem_count == 0u)
        return nx_dtb_fail(p->diag, NX_DTB_NO_MEMORY, 0, -1, NULL);
    /* Memory is handed out by ranges later: two must never cover one byte.
     * Compare inclusive ends: a range may end exactly at 2^64. */
    for (uint32_t i = 0; i < bi->mem_count; i++)
        for (uint32_t j = i + 1u; j < bi->mem_count; j++)
            if (bi->mem[i].base <= bi->mem[j].base + (bi->mem[j].size - 1u) &&
                bi->mem[j].base <= bi->mem[i].base + (bi->mem[i].size - 1u))
                return nx_dtb_fail(p->diag, NX_DTB_BAD_REG, 0, -1, "reg");
    if (p->boot_hartid != NX_BOOTINFO_ANY_HART && !p->boot_hart_kept)
        return nx_dtb_fail(p->diag, NX_DTB_NO_BOOT_HART, 0, -1, NULL);
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
    nx_dtb_fail(diag, NX_DTB_OK, 0, -1, NULL);
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
    for (const char *w = word; *w != '\0'; w++)
        if (*w == ' ' || *w == '\t')
            return false; /* a word has no blanks: it could never match one */
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
