/*
 * test_bootinfo.c - nx_bootinfo_parse(): DTB -> validated boot info.
 *
 * Sections:
 *   values   QEMU virt's own trees (dumped by the build) and the simulator's
 *            parse to exactly the machine QEMU describes;
 *   choice   stdout-path (direct, through an alias, through alias loops),
 *            bus ranges translation, the boot hart kept past NX_MAX_HARTS;
 *   bounds   every NX_BOOTINFO_MAX_* and NX_MAX_HARTS at the bound and one
 *            past it;
 *   errors   a named table: one edit of a valid tree per reason code, with
 *            the status, reason, property and node the parser must report;
 *   struct   a table of hand-assembled structure blocks (bad tags, unbalanced
 *            nodes, lengths past the block, bad name offsets);
 *   helpers  nx_bootinfo_hart_index, nx_bootinfo_has_arg, reason names;
 *   found    what writing these tests found in the parser (duplicates among
 *            ignored harts, blanks in has_arg words, the property diag
 *            names, a blob built to be slow): now asserted like the rest.
 *
 * Every parse goes through parse_buf(): the blob sits in a buffer whose end
 * abuts an inaccessible page (so reading past buf_size faults, even inside
 * libfdt), `bi` is poisoned first, and on failure the result must be all zero
 * bytes with a reason that matches the status.
 */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtb_mutator.h"
#include "nx_test.h"
#include "nx/bootinfo.h"
#include "nxsim/sim.h"

#define MIB (1024u * 1024u)
/* Editing room given to libfdt on top of a tree's size. */
#define ROOM (128u * 1024u)

/* QEMU virt (7.2) machine constants the parser must report. */
#define VIRT_UART_BASE   0x10000000ull
#define VIRT_PLIC_BASE   0xc000000ull
#define VIRT_TEST_BASE   0x100000ull
#define VIRT_VIRTIO_BASE 0x10001000ull
#define VIRT_DRAM_BASE   0x80000000ull
#define VIRT_TIMEBASE_HZ 10000000u
#define VIRT_UART_CLOCK  3686400u
#define VIRT_UART_IRQ    10u
#define SECOND_UART_BASE 0x10010000ull
#define SECOND_UART_PATH "/soc/serial@10010000"
#define FIRST_UART_PATH  "/soc/serial@10000000"
#define QEMU_SMP4        "qemu-virt-smp4-128M.dtb"

/* --- blobs ------------------------------------------------------------------ */

/* A tree open for libfdt edits: data holds cap bytes, 8-byte aligned. */
typedef struct blob {
    uint8_t *data;
    size_t cap;
} blob_t;

static blob_t blob_open(const void *tree, size_t room)
{
    blob_t b;
    b.cap = fdt_totalsize(tree) + room;
    b.data = aligned_alloc(8, (b.cap + 7u) & ~(size_t)7u);
    assert_non_null(b.data);
    assert_int_equal(fdt_open_into(tree, b.data, (int)b.cap), 0);
    return b;
}

static blob_t qemu_blob_room(const char *file, size_t room)
{
    size_t size = 0;
    void *raw = nx_test_read_file(nx_test_data_path(file), &size);
    assert_int_equal(fdt_check_header(raw), 0);
    blob_t b = blob_open(raw, room);
    free(raw);
    return b;
}

static blob_t qemu_blob(const char *file)
{
    return qemu_blob_room(file, ROOM);
}

static blob_t sim_blob(uint32_t harts, uint64_t memory, const char *bootargs)
{
    static uint8_t tree[NX_SIM_DTB_BYTES] __attribute__((aligned(8)));
    size_t size = 0;
    assert_int_equal(nx_sim_dtb_build(tree, sizeof tree, harts, memory, bootargs, &size), NX_OK);
    return blob_open(tree, ROOM);
}

static void blob_free(blob_t *b)
{
    free(b->data);
    b->data = NULL;
}

/* Pack the edited tree; returns its size. */
static size_t packed(blob_t *b)
{
    assert_int_equal(fdt_pack(b->data), 0);
    return fdt_totalsize(b->data);
}

static int node(const blob_t *b, const char *path)
{
    int off = fdt_path_offset(b->data, path);
    if (off < 0)
        fail_msg("%s: %s", path, fdt_strerror(off));
    return off;
}

#define FDT_OK(call)                                                                               \
    do {                                                                                           \
        int err_ = (call);                                                                         \
        if (err_ < 0)                                                                              \
            fail_msg("%s: %s", #call, fdt_strerror(err_));                                         \
    } while (0)

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* reg/ranges payloads in 2-cell address / 2-cell size (QEMU's root and /soc). */
static void set_reg2(blob_t *b, const char *path, const uint64_t *pairs, uint32_t n)
{
    uint8_t buf[64 * 16];
    assert_true(n <= 64u);
    for (uint32_t i = 0; i < 2u * n; i++)
        put64(buf + 8u * i, pairs[i]);
    FDT_OK(fdt_setprop(b->data, node(b, path), "reg", buf, (int)(16u * n)));
}

/* A string property without its NUL. */
static void set_unterminated(blob_t *b, const char *path, const char *prop, const char *s)
{
    FDT_OK(fdt_setprop(b->data, node(b, path), prop, s, (int)strlen(s)));
}

/* A ns16550a UART at `base` under /soc, placed before the QEMU one (libfdt
 * adds a node as its parent's first child). */
static void add_uart(blob_t *b, uint64_t base, uint32_t irq)
{
    char name[40];
    snprintf(name, sizeof name, "serial@%llx", (unsigned long long)base);
    int n = fdt_add_subnode(b->data, node(b, "/soc"), name);
    FDT_OK(n);
    uint64_t reg[2] = { base, 0x100 };
    char path[64];
    snprintf(path, sizeof path, "/soc/%s", name);
    set_reg2(b, path, reg, 1);
    n = node(b, path);
    FDT_OK(fdt_setprop_u32(b->data, n, "interrupts", irq));
    FDT_OK(fdt_setprop_u32(b->data, n, "clock-frequency", 1843200));
    FDT_OK(fdt_setprop_u32(b->data, n, "reg-shift", 2));
    FDT_OK(fdt_setprop_u32(b->data, n, "reg-io-width", 4));
    FDT_OK(fdt_setprop_string(b->data, n, "compatible", "ns16550a"));
}

static int chosen(blob_t *b)
{
    int n = fdt_path_offset(b->data, "/chosen");
    if (n < 0)
        n = fdt_add_subnode(b->data, 0, "chosen");
    FDT_OK(n);
    return n;
}

static int aliases(blob_t *b)
{
    int n = fdt_path_offset(b->data, "/aliases");
    if (n < 0)
        n = fdt_add_subnode(b->data, 0, "aliases");
    FDT_OK(n);
    return n;
}

/* --- parsing -------------------------------------------------------------------- */

typedef struct result {
    nx_status_t st;
    nx_boot_info_t bi;
    nx_dtb_diag_t d;
} result_t;

/* The status class each reason must come with (nx/bootinfo.h). */
static const nx_boot_info_t zero_bi; /* all zero bytes */

/* Parse `size` bytes of `dtb` from a guarded copy, starting `misalign` bytes
 * into an aligned buffer; check the contract's invariants on the way out. */
static result_t parse_at(const void *dtb, size_t size, uint64_t hart, size_t misalign)
{
    result_t r;
    uint8_t *tmp = malloc(size + misalign + 1u);
    assert_non_null(tmp);
    memset(tmp, 0, misalign);
    memcpy(tmp + misalign, dtb, size);
    nx_guarded_t g = nx_guarded_alloc(tmp, size + misalign);
    free(tmp);
    memset(&r.bi, 0xa5, sizeof r.bi);
    memset(&r.d, 0xa5, sizeof r.d);
    r.st = nx_bootinfo_parse(g.data + misalign, size, hart, &r.bi, &r.d);
    nx_guarded_free(&g);
    if (r.st == NX_OK) {
        assert_int_equal(r.d.reason, NX_DTB_OK);
        assert_int_equal(r.d.fdt_error, 0);
        assert_null(r.d.property);
    } else {
        /* Nothing half-parsed survives a refusal. */
        assert_memory_equal(&r.bi, &zero_bi, sizeof zero_bi);
        assert_true(r.d.reason != NX_DTB_OK && r.d.reason < NX_DTB_REASON_COUNT);
        assert_int_equal(r.st, nx_dtb_mut_expected_status(r.d.reason));
    }
    return r;
}

static result_t parse_buf(const void *dtb, size_t size, uint64_t hart)
{
    return parse_at(dtb, size, hart, 0);
}

/* Parse the tree packed (as firmware hands it over), then reopen it with its
 * editing room so a test can go on editing (node offsets do not move). */
static result_t parse_blob(blob_t *b, uint64_t hart)
{
    size_t size = packed(b);
    result_t r = parse_buf(b->data, size, hart);
    assert_int_equal(fdt_open_into(b->data, b->data, (int)b->cap), 0);
    return r;
}

static result_t parse_qemu(const char *file, uint64_t hart)
{
    blob_t b = qemu_blob(file);
    result_t r = parse_blob(&b, hart);
    blob_free(&b);
    return r;
}

static void expect_ok(const result_t *r)
{
    if (r->st != NX_OK)
        fail_msg("refused: %s (%s), property %s, node %d", nx_dtb_reason_name(r->d.reason),
                 nx_status_name(r->st), r->d.property ? r->d.property : "NULL", r->d.node_offset);
}

static void expect_refused(const result_t *r, nx_status_t st, nx_dtb_reason_t reason)
{
    if (r->st != st || r->d.reason != reason)
        fail_msg("got %s / %s, expected %s / %s", nx_status_name(r->st),
                 nx_dtb_reason_name(r->d.reason), nx_status_name(st), nx_dtb_reason_name(reason));
}

/* --- values: QEMU's own trees ------------------------------------------------------ */

/* Read a u32 property with libfdt, for values the test should not hard-code. */
static uint32_t prop_u32(const blob_t *b, const char *path, const char *name)
{
    int len = 0;
    const fdt32_t *v = fdt_getprop(b->data, node(b, path), name, &len);
    assert_non_null(v);
    assert_int_equal(len, 4);
    return fdt32_to_cpu(*v);
}

static void test_qemu_smp4_values(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    uint32_t ndev = prop_u32(&b, "/soc/plic@c000000", "riscv,ndev");
    size_t size = packed(&b);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    const nx_boot_info_t *bi = &r.bi;

    assert_int_equal(bi->dtb_size, size);
    assert_int_equal(bi->hart_count, 4);
    assert_int_equal(bi->harts_ignored, 0);
    for (uint32_t i = 0; i < 4u; i++) {
        assert_int_equal(bi->harts[i].hartid, i);
        assert_int_not_equal(bi->harts[i].intc_phandle, 0);
        /* QEMU's PLIC lists hart i's M context (2i) then its S context. */
        assert_int_equal(bi->harts[i].plic_s_context, 2 * (int32_t)i + 1);
        assert_true(bi->harts[i].has_sstc); /* QEMU 7.2's isa ends with _sstc */
        for (uint32_t j = 0; j < i; j++)
            assert_int_not_equal(bi->harts[i].intc_phandle, bi->harts[j].intc_phandle);
    }
    assert_int_equal(bi->timebase_hz, VIRT_TIMEBASE_HZ);

    assert_int_equal(bi->mem_count, 1);
    assert_int_equal(bi->mem_ignored, 0);
    assert_int_equal(bi->mem[0].base, VIRT_DRAM_BASE);
    assert_int_equal(bi->mem[0].size, 128ull * MIB);
    assert_int_equal(bi->reserved_count, 0);

    assert_true(bi->uart.present);
    assert_int_equal(bi->uart.base, VIRT_UART_BASE);
    assert_int_equal(bi->uart.size, 0x100);
    assert_int_equal(bi->uart.irq, VIRT_UART_IRQ);
    assert_int_equal(bi->uart_clock_hz, VIRT_UART_CLOCK);
    assert_int_equal(bi->uart_reg_shift, 0);
    assert_int_equal(bi->uart_reg_io_width, 1);

    assert_true(bi->plic.present);
    assert_int_equal(bi->plic.base, VIRT_PLIC_BASE);
    assert_int_equal(bi->plic.size, 0x600000);
    assert_int_equal(bi->plic_ndev, ndev);
    assert_int_equal(ndev, 0x60); /* what QEMU 7.2 says; a newer QEMU may differ */

    assert_true(bi->test_finisher.present);
    assert_int_equal(bi->test_finisher.base, VIRT_TEST_BASE);
    assert_int_equal(bi->test_finisher.size, 0x1000);

    /* QEMU lists the slots from the top down; the parser sorts them. */
    assert_int_equal(bi->virtio_count, 8);
    assert_int_equal(bi->virtio_ignored, 0);
    for (uint32_t i = 0; i < 8u; i++) {
        assert_true(bi->virtio[i].present);
        assert_int_equal(bi->virtio[i].base, VIRT_VIRTIO_BASE + 0x1000ull * i);
        assert_int_equal(bi->virtio[i].size, 0x1000);
        assert_int_equal(bi->virtio[i].irq, i + 1u);
    }
    assert_string_equal(bi->bootargs, "");
    assert_false(bi->bootargs_truncated);
    blob_free(&b);
}

/* The 1 MiB file as QEMU wrote it (padding included) parses the same. */
static void test_qemu_padded_file(void **state)
{
    (void)state;
    size_t size = 0;
    void *raw = nx_test_read_file(nx_test_data_path(QEMU_SMP4), &size);
    assert_int_equal(size, MIB);
    result_t whole = parse_buf(raw, size, NX_BOOTINFO_ANY_HART);
    result_t exact = parse_buf(raw, fdt_totalsize(raw), NX_BOOTINFO_ANY_HART);
    expect_ok(&whole);
    expect_ok(&exact);
    assert_memory_equal(&whole.bi, &exact.bi, sizeof whole.bi);
    assert_int_equal(whole.bi.dtb_size, fdt_totalsize(raw));
    free(raw);
}

static void test_qemu_smp1(void **state)
{
    (void)state;
    result_t r = parse_qemu("qemu-virt-smp1-128M.dtb", 0);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, 1);
    assert_int_equal(r.bi.harts[0].hartid, 0);
    assert_int_equal(r.bi.harts[0].plic_s_context, 1);
    assert_int_equal(r.bi.virtio_count, 8);
}

static void test_qemu_smp4_2g(void **state)
{
    (void)state;
    result_t r = parse_qemu("qemu-virt-smp4-2G.dtb", NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, 4);
    assert_int_equal(r.bi.mem_count, 1);
    assert_int_equal(r.bi.mem[0].base, VIRT_DRAM_BASE);
    assert_int_equal(r.bi.mem[0].size, 2048ull * MIB);
}

/* 12 harts: the first NX_MAX_HARTS are kept, in DTB order. */
static void test_qemu_smp12(void **state)
{
    (void)state;
    result_t r = parse_qemu("qemu-virt-smp12-128M.dtb", NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, 12u - NX_MAX_HARTS);
    for (uint32_t i = 0; i < NX_MAX_HARTS; i++) {
        assert_int_equal(r.bi.harts[i].hartid, i);
        assert_int_equal(r.bi.harts[i].plic_s_context, 2 * (int32_t)i + 1);
    }
}

/* Booting on hart 11 of 12: hart 11 is kept whatever the bound, with its
 * own PLIC context; one slot less is left for the others. */
static void test_qemu_smp12_boot_hart_11(void **state)
{
    (void)state;
    result_t r = parse_qemu("qemu-virt-smp12-128M.dtb", 11);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, 4);
    for (uint32_t i = 0; i < NX_MAX_HARTS - 1u; i++)
        assert_int_equal(r.bi.harts[i].hartid, i);
    assert_int_equal(r.bi.harts[NX_MAX_HARTS - 1u].hartid, 11);
    assert_int_equal(r.bi.harts[NX_MAX_HARTS - 1u].plic_s_context, 23);
    assert_int_equal(nx_bootinfo_hart_index(&r.bi, 11), (int32_t)NX_MAX_HARTS - 1);
    assert_int_equal(nx_bootinfo_hart_index(&r.bi, 7), -1);
}

/* A boot hart among the first NX_MAX_HARTS changes nothing. */
static void test_qemu_smp12_boot_hart_3(void **state)
{
    (void)state;
    result_t r = parse_qemu("qemu-virt-smp12-128M.dtb", 3);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, 4);
    for (uint32_t i = 0; i < NX_MAX_HARTS; i++)
        assert_int_equal(r.bi.harts[i].hartid, i);
}

static void test_boot_hart_missing(void **state)
{
    (void)state;
    result_t r = parse_qemu(QEMU_SMP4, 99);
    expect_refused(&r, NX_ERR_NOT_FOUND, NX_DTB_NO_BOOT_HART);
    /* Present but disabled is not a usable boot hart either. */
    blob_t b = qemu_blob(QEMU_SMP4);
    FDT_OK(fdt_setprop_string(b.data, node(&b, "/cpus/cpu@2"), "status", "disabled"));
    r = parse_blob(&b, 2);
    expect_refused(&r, NX_ERR_NOT_FOUND, NX_DTB_NO_BOOT_HART);
    r = parse_blob(&b, 3);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, 3);
    assert_int_equal(r.bi.harts[2].hartid, 3);
    assert_int_equal(r.bi.harts[2].plic_s_context, 7);
    blob_free(&b);
}

/* The simulator's generated tree describes the same machine. */
static void test_sim_tree_values(void **state)
{
    (void)state;
    blob_t b = sim_blob(4, 256ull * MIB, "console=ttyS0 nx.test=1");
    result_t r = parse_blob(&b, 0);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, 4);
    for (uint32_t i = 0; i < 4u; i++) {
        assert_int_equal(r.bi.harts[i].hartid, i);
        assert_int_equal(r.bi.harts[i].plic_s_context, 2 * (int32_t)i + 1);
        assert_true(r.bi.harts[i].has_sstc);
    }
    assert_int_equal(r.bi.timebase_hz, NX_SIM_TIMEBASE_HZ);
    assert_int_equal(r.bi.mem[0].base, VIRT_DRAM_BASE);
    assert_int_equal(r.bi.mem[0].size, 256ull * MIB);
    assert_int_equal(r.bi.uart.base, VIRT_UART_BASE);
    assert_int_equal(r.bi.uart.irq, VIRT_UART_IRQ);
    assert_int_equal(r.bi.plic.base, VIRT_PLIC_BASE);
    assert_int_equal(r.bi.test_finisher.base, VIRT_TEST_BASE);
    assert_int_equal(r.bi.virtio_count, 8);
    assert_int_equal(r.bi.virtio[0].base, VIRT_VIRTIO_BASE);
    assert_string_equal(r.bi.bootargs, "console=ttyS0 nx.test=1");
    assert_true(nx_bootinfo_has_arg(&r.bi, "nx.test=1"));
    blob_free(&b);
}

/* Success leaves a clean diag; a misaligned tree pointer is a layout fault
 * (libfdt reads the blob as 32/64-bit words), never undefined behaviour. */
static void test_diag_and_alignment(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    size_t size = packed(&b);
    result_t r = parse_at(b.data, size, NX_BOOTINFO_ANY_HART, 0);
    expect_ok(&r);
    assert_int_equal(r.d.reason, NX_DTB_OK);
    r = parse_at(b.data, size, NX_BOOTINFO_ANY_HART, 4);
    expect_refused(&r, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT);
    assert_int_equal(r.d.fdt_error, -FDT_ERR_ALIGNMENT);
    blob_free(&b);
}

/* --- choice: console, aliases, bus translation --------------------------------------- */

/* stdout-path picks the UART even when another one comes first. */
static void test_stdout_path_picks_uart(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    add_uart(&b, SECOND_UART_BASE, 11); /* now first in DTB order */

    /* QEMU's stdout-path names the UART that is now second. */
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, VIRT_UART_BASE);
    assert_int_equal(r.bi.uart.irq, VIRT_UART_IRQ);
    assert_int_equal(r.bi.uart_clock_hz, VIRT_UART_CLOCK);
    assert_int_equal(r.bi.uart_reg_io_width, 1);

    /* Options after ':' are not part of the path. */
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", SECOND_UART_PATH ":115200n8"));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, SECOND_UART_BASE);
    assert_int_equal(r.bi.uart.irq, 11);
    assert_int_equal(r.bi.uart_clock_hz, 1843200);
    assert_int_equal(r.bi.uart_reg_shift, 2);
    assert_int_equal(r.bi.uart_reg_io_width, 4);

    /* No stdout-path, or one naming no node: the first UART. */
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", "/soc/serial@deadbeef"));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, SECOND_UART_BASE);
    FDT_OK(fdt_delprop(b.data, chosen(&b), "stdout-path"));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, SECOND_UART_BASE);
    blob_free(&b);
}

/* stdout-path through /aliases: one step. */
static void test_stdout_path_alias(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    add_uart(&b, SECOND_UART_BASE, 11);
    FDT_OK(fdt_setprop_string(b.data, aliases(&b), "serial0", FIRST_UART_PATH));
    FDT_OK(fdt_setprop_string(b.data, aliases(&b), "serial1", SECOND_UART_PATH));
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", "serial0:115200n8"));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, VIRT_UART_BASE);
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", "serial1"));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, SECOND_UART_BASE);
    blob_free(&b);
}

/* Alias values that are not full paths (self loops, cycles, unterminated)
 * are not followed: the parse ends, and the first UART is the console. */
static void test_stdout_path_alias_loops(void **state)
{
    (void)state;
    static const struct {
        const char *alias, *value, *stdout_path;
    } loops[] = {
        { "serial0", "serial0", "serial0" },        /* names itself */
        { "a", "b", "a:115200" },                   /* a -> b ... */
        { "b", "a", "b" },                          /* ... -> a */
        { "serial0", "serial0:115200", "serial0" }, /* itself, with options */
        { "serial0", "", "serial0" },               /* empty */
        { "serial0", "/", "serial0" },              /* the root: not a UART */
        { "serial0", "/aliases", "serial0" },       /* the alias node itself */
    };
    blob_t b = qemu_blob(QEMU_SMP4);
    add_uart(&b, SECOND_UART_BASE, 11);
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
        FDT_OK(fdt_setprop_string(b.data, aliases(&b), loops[i].alias, loops[i].value));
        FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", loops[i].stdout_path));
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        if (r.bi.uart.base != SECOND_UART_BASE)
            fail_msg("alias %s = \"%s\": console 0x%llx, expected the first UART", loops[i].alias,
                     loops[i].value, (unsigned long long)r.bi.uart.base);
    }
    /* An alias value without its NUL is not read past its end. */
    set_unterminated(&b, "/aliases", "serial0", FIRST_UART_PATH);
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", "serial0"));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, SECOND_UART_BASE);
    blob_free(&b);
}

/* Non-empty ranges translate child addresses, through two levels of bus and
 * with different cell counts at each. */
static void test_bus_ranges_translation(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    /* bus@40000000: 2-cell child addresses, 1-cell sizes;
     * ranges = <child 0x0 0x0, parent 0x0 0x40000000, size 0x100000>. */
    int bus = fdt_add_subnode(b.data, node(&b, "/soc"), "bus@40000000");
    FDT_OK(bus);
    FDT_OK(fdt_setprop_string(b.data, bus, "compatible", "simple-bus"));
    FDT_OK(fdt_setprop_u32(b.data, bus, "#address-cells", 2));
    FDT_OK(fdt_setprop_u32(b.data, bus, "#size-cells", 1));
    const fdt32_t outer[] = { cpu_to_fdt32(0), cpu_to_fdt32(0), cpu_to_fdt32(0),
                              cpu_to_fdt32(0x40000000), cpu_to_fdt32(0x100000) };
    FDT_OK(fdt_setprop(b.data, bus, "ranges", outer, sizeof outer));
    int uart = fdt_add_subnode(b.data, bus, "serial@3000");
    FDT_OK(uart);
    const fdt32_t uart_reg[] = { cpu_to_fdt32(0), cpu_to_fdt32(0x3000), cpu_to_fdt32(0x100) };
    FDT_OK(fdt_setprop(b.data, uart, "reg", uart_reg, sizeof uart_reg));
    FDT_OK(fdt_setprop_u32(b.data, uart, "interrupts", 12));
    FDT_OK(fdt_setprop_string(b.data, uart, "compatible", "ns16550a"));

    /* bus@8000 inside it: 1-cell addresses and sizes, child 0 -> 0x8000. */
    bus = node(&b, "/soc/bus@40000000");
    int inner = fdt_add_subnode(b.data, bus, "bus@8000");
    FDT_OK(inner);
    FDT_OK(fdt_setprop_u32(b.data, inner, "#address-cells", 1));
    FDT_OK(fdt_setprop_u32(b.data, inner, "#size-cells", 1));
    const fdt32_t inner_ranges[] = { cpu_to_fdt32(0), cpu_to_fdt32(0), cpu_to_fdt32(0x8000),
                                     cpu_to_fdt32(0x1000) };
    FDT_OK(fdt_setprop(b.data, inner, "ranges", inner_ranges, sizeof inner_ranges));
    int test = fdt_add_subnode(b.data, inner, "test@100");
    FDT_OK(test);
    const fdt32_t test_reg[] = { cpu_to_fdt32(0x100), cpu_to_fdt32(0x10) };
    FDT_OK(fdt_setprop(b.data, test, "reg", test_reg, sizeof test_reg));
    FDT_OK(fdt_setprop_string(b.data, test, "compatible", "sifive,test0"));
    /* Only the new finisher remains. */
    FDT_OK(fdt_del_node(b.data, node(&b, "/soc/test@100000")));
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", "/soc/bus@40000000/serial@3000"));

    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, 0x40003000);
    assert_int_equal(r.bi.uart.size, 0x100);
    assert_int_equal(r.bi.uart.irq, 12);
    assert_int_equal(r.bi.test_finisher.base, 0x40008100);
    assert_int_equal(r.bi.test_finisher.size, 0x10);
    blob_free(&b);
}

/* A reg range may end exactly at 2^64; only wrapping past it is refused. */
static void test_reg_ending_at_top(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    const uint64_t reg[] = { VIRT_DRAM_BASE, 128ull * MIB, 0xfffffffffffff000ull, 0x1000 };
    set_reg2(&b, "/memory@80000000", reg, 2);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.mem_count, 2);
    assert_int_equal(r.bi.mem[1].base, 0xfffffffffffff000ull);
    assert_int_equal(r.bi.mem[1].size, 0x1000);
    blob_free(&b);
}

/* Status, reason, property, node and libfdt error of a refusal (below). */
static void check_diag(const char *name, const result_t *r, nx_status_t status,
                       nx_dtb_reason_t reason, const char *property, int node_offset,
                       int fdt_error);

/* Timebase: a 64-bit value in /cpus, or the first cpu's when /cpus has none;
 * disabled cpus are skipped, not counted as ignored. */
static void test_timebase_and_disabled_cpu(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    /* Two cells are accepted when the value fits 32 bits (the ports' tick
     * arithmetic needs that); 2^32 is refused. */
    FDT_OK(fdt_setprop_u64(b.data, node(&b, "/cpus"), "timebase-frequency", 0xffffffffull));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.timebase_hz, 0xffffffffull);
    FDT_OK(fdt_setprop_u64(b.data, node(&b, "/cpus"), "timebase-frequency", 0x100000000ull));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    check_diag("timebase-2^32", &r, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "timebase-frequency",
               node(&b, "/cpus"), 0);

    FDT_OK(fdt_delprop(b.data, node(&b, "/cpus"), "timebase-frequency"));
    FDT_OK(fdt_setprop_u32(b.data, node(&b, "/cpus/cpu@1"), "timebase-frequency", 12345678));
    FDT_OK(fdt_setprop_string(b.data, node(&b, "/cpus/cpu@2"), "status", "disabled"));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.timebase_hz, 12345678);
    assert_int_equal(r.bi.hart_count, 3);
    assert_int_equal(r.bi.harts_ignored, 0);
    assert_int_equal(r.bi.harts[2].hartid, 3);
    blob_free(&b);
}

/* --- bounds: each at the bound and one past it ------------------------------------------ */

static void test_bound_memory_ranges(void **state)
{
    (void)state;
    for (uint32_t n = NX_BOOTINFO_MAX_MEM_REGIONS; n <= NX_BOOTINFO_MAX_MEM_REGIONS + 1u; n++) {
        blob_t b = qemu_blob(QEMU_SMP4);
        uint64_t reg[2 * (NX_BOOTINFO_MAX_MEM_REGIONS + 1u)];
        for (uint32_t i = 0; i < n; i++) {
            reg[2 * i] = VIRT_DRAM_BASE + 0x10000000ull * i;
            reg[2 * i + 1] = 0x1000000ull * (i + 1u);
        }
        set_reg2(&b, "/memory@80000000", reg, n);
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        assert_int_equal(r.bi.mem_count, NX_BOOTINFO_MAX_MEM_REGIONS);
        assert_int_equal(r.bi.mem_ignored, n - NX_BOOTINFO_MAX_MEM_REGIONS);
        for (uint32_t i = 0; i < NX_BOOTINFO_MAX_MEM_REGIONS; i++) {
            assert_int_equal(r.bi.mem[i].base, reg[2 * i]);
            assert_int_equal(r.bi.mem[i].size, reg[2 * i + 1]);
        }
        blob_free(&b);
    }
}

/* The same bound counted across memory nodes rather than reg entries. */
static void test_bound_memory_nodes(void **state)
{
    (void)state;
    for (uint32_t n = NX_BOOTINFO_MAX_MEM_REGIONS; n <= NX_BOOTINFO_MAX_MEM_REGIONS + 1u; n++) {
        blob_t b = qemu_blob(QEMU_SMP4);
        for (uint32_t i = 1; i < n; i++) { /* plus QEMU's own */
            char name[40], path[48];
            uint64_t reg[2] = { 0x100000000ull * i, 0x100000 };
            snprintf(name, sizeof name, "memory@%llx", (unsigned long long)reg[0]);
            snprintf(path, sizeof path, "/%s", name);
            int m = fdt_add_subnode(b.data, 0, name);
            FDT_OK(m);
            FDT_OK(fdt_setprop_string(b.data, m, "device_type", "memory"));
            set_reg2(&b, path, reg, 1);
        }
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        assert_int_equal(r.bi.mem_count, NX_BOOTINFO_MAX_MEM_REGIONS);
        assert_int_equal(r.bi.mem_ignored, n - NX_BOOTINFO_MAX_MEM_REGIONS);
        blob_free(&b);
    }
}

/* Reserved ranges from the header's reservation block. */
static void test_bound_reservation_block(void **state)
{
    (void)state;
    for (uint32_t n = NX_BOOTINFO_MAX_RESERVED; n <= NX_BOOTINFO_MAX_RESERVED + 1u; n++) {
        blob_t b = qemu_blob(QEMU_SMP4);
        for (uint32_t i = 0; i < n; i++)
            FDT_OK(fdt_add_mem_rsv(b.data, 0x90000000ull + 0x10000ull * i, 0x1000u + i));
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        assert_int_equal(r.bi.reserved_count, NX_BOOTINFO_MAX_RESERVED);
        assert_int_equal(r.bi.reserved_ignored, n - NX_BOOTINFO_MAX_RESERVED);
        for (uint32_t i = 0; i < NX_BOOTINFO_MAX_RESERVED; i++) {
            assert_int_equal(r.bi.reserved[i].base, 0x90000000ull + 0x10000ull * i);
            assert_int_equal(r.bi.reserved[i].size, 0x1000u + i);
        }
        blob_free(&b);
    }
}

/* /reserved-memory children with `count` regions, after `rsv` block entries. */
static result_t parse_reserved(uint32_t rsv, uint32_t children)
{
    blob_t b = qemu_blob(QEMU_SMP4);
    for (uint32_t i = 0; i < rsv; i++)
        FDT_OK(fdt_add_mem_rsv(b.data, 0x90000000ull + 0x10000ull * i, 0x1000));
    int rm = fdt_add_subnode(b.data, 0, "reserved-memory");
    FDT_OK(rm);
    FDT_OK(fdt_setprop_u32(b.data, rm, "#address-cells", 2));
    FDT_OK(fdt_setprop_u32(b.data, rm, "#size-cells", 2));
    FDT_OK(fdt_setprop(b.data, rm, "ranges", NULL, 0));
    for (uint32_t i = 0; i < children; i++) {
        char name[40], path[64];
        uint64_t reg[2] = { 0x88000000ull + 0x100000ull * i, 0x2000 };
        snprintf(name, sizeof name, "region@%llx", (unsigned long long)reg[0]);
        snprintf(path, sizeof path, "/reserved-memory/%s", name);
        FDT_OK(fdt_add_subnode(b.data, node(&b, "/reserved-memory"), name));
        set_reg2(&b, path, reg, 1);
    }
    /* A child without reg (a dynamic allocation by size) is allowed. */
    int dyn = fdt_add_subnode(b.data, node(&b, "/reserved-memory"), "pool");
    FDT_OK(dyn);
    FDT_OK(fdt_setprop_u64(b.data, dyn, "size", 0x100000));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    blob_free(&b);
    return r;
}

static void test_bound_reserved_memory_nodes(void **state)
{
    (void)state;
    result_t r = parse_reserved(0, NX_BOOTINFO_MAX_RESERVED);
    expect_ok(&r);
    assert_int_equal(r.bi.reserved_count, NX_BOOTINFO_MAX_RESERVED);
    assert_int_equal(r.bi.reserved_ignored, 0);
    r = parse_reserved(0, NX_BOOTINFO_MAX_RESERVED + 1u);
    expect_ok(&r);
    assert_int_equal(r.bi.reserved_count, NX_BOOTINFO_MAX_RESERVED);
    assert_int_equal(r.bi.reserved_ignored, 1);
    /* Both sources share the bound; the reservation block comes first. */
    r = parse_reserved(10, 7);
    expect_ok(&r);
    assert_int_equal(r.bi.reserved_count, NX_BOOTINFO_MAX_RESERVED);
    assert_int_equal(r.bi.reserved_ignored, 1);
    assert_int_equal(r.bi.reserved[0].base, 0x90000000ull);
    assert_int_equal(r.bi.reserved[9].base, 0x90000000ull + 0x90000ull);
    assert_int_equal(r.bi.reserved[10].size, 0x2000);
}

static void test_bound_virtio(void **state)
{
    (void)state;
    /* QEMU's 8 slots are the bound exactly (test_qemu_smp4_values). One more,
     * added first in DTB order, is kept; the last listed one is not. */
    blob_t b = qemu_blob(QEMU_SMP4);
    int v = fdt_add_subnode(b.data, node(&b, "/soc"), "virtio_mmio@10009000");
    FDT_OK(v);
    FDT_OK(fdt_setprop_u32(b.data, v, "interrupts", 9));
    FDT_OK(fdt_setprop_string(b.data, v, "compatible", "virtio,mmio"));
    const uint64_t reg[2] = { 0x10009000, 0x1000 };
    set_reg2(&b, "/soc/virtio_mmio@10009000", reg, 1);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.virtio_count, NX_BOOTINFO_MAX_VIRTIO);
    assert_int_equal(r.bi.virtio_ignored, 1);
    for (uint32_t i = 0; i < NX_BOOTINFO_MAX_VIRTIO; i++) {
        assert_int_equal(r.bi.virtio[i].base, 0x10002000ull + 0x1000ull * i);
        assert_int_equal(r.bi.virtio[i].irq, i + 2u);
    }
    blob_free(&b);
}

static void test_bound_harts(void **state)
{
    (void)state;
    blob_t b = sim_blob(NX_MAX_HARTS, 128ull * MIB, NULL);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, 0);
    blob_free(&b);

    b = sim_blob(NX_MAX_HARTS + 1u, 128ull * MIB, NULL);
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, 1);
    assert_int_equal(nx_bootinfo_hart_index(&r.bi, NX_MAX_HARTS), -1);
    /* Booting on the extra hart keeps it, in the last slot. */
    r = parse_blob(&b, NX_MAX_HARTS);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, 1);
    assert_int_equal(r.bi.harts[NX_MAX_HARTS - 1u].hartid, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts[NX_MAX_HARTS - 1u].plic_s_context, 2 * (int32_t)NX_MAX_HARTS + 1);
    blob_free(&b);
}

/* Depth counts the root as level 1: NX_BOOTINFO_MAX_DEPTH levels in all. */
static void test_bound_depth(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    FDT_OK(nx_dtb_add_nested_nodes(b.data, 0, NX_BOOTINFO_MAX_DEPTH - 1u));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    blob_free(&b);

    b = qemu_blob(QEMU_SMP4);
    int deepest = nx_dtb_add_nested_nodes(b.data, 0, NX_BOOTINFO_MAX_DEPTH);
    FDT_OK(deepest);
    char path[2 * NX_BOOTINFO_MAX_DEPTH + 1u];
    FDT_OK(fdt_get_path(b.data, deepest, path, sizeof path));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_refused(&r, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_DEEP);
    assert_int_equal(r.d.node_offset, node(&b, path)); /* the first node too deep */
    blob_free(&b);
}

static void test_bound_nodes(void **state)
{
    (void)state;
    for (uint32_t n = NX_BOOTINFO_MAX_NODES; n <= NX_BOOTINFO_MAX_NODES + 1u; n++) {
        blob_t b = qemu_blob(QEMU_SMP4);
        uint32_t have = nx_dtb_count_nodes(b.data);
        FDT_OK(nx_dtb_add_empty_nodes(b.data, 0, n - have));
        assert_int_equal(nx_dtb_count_nodes(b.data), n);
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        if (n == NX_BOOTINFO_MAX_NODES) {
            expect_ok(&r);
            assert_int_equal(r.bi.hart_count, 4);
        } else {
            expect_refused(&r, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_MANY_NODES);
        }
        blob_free(&b);
    }
}

static void test_bound_totalsize(void **state)
{
    (void)state;
    /* fdt_open_into pads the tree to the buffer: totalsize = buffer size. */
    blob_t b = qemu_blob_room(QEMU_SMP4, 0);
    size_t size = packed(&b);
    uint8_t *big = aligned_alloc(8, NX_BOOTINFO_MAX_DTB_BYTES + 8u);
    assert_non_null(big);
    assert_int_equal(fdt_open_into(b.data, big, (int)NX_BOOTINFO_MAX_DTB_BYTES), 0);
    result_t r = parse_buf(big, NX_BOOTINFO_MAX_DTB_BYTES, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.dtb_size, NX_BOOTINFO_MAX_DTB_BYTES);
    assert_int_equal(fdt_open_into(b.data, big, (int)NX_BOOTINFO_MAX_DTB_BYTES + 8), 0);
    r = parse_buf(big, NX_BOOTINFO_MAX_DTB_BYTES + 8u, NX_BOOTINFO_ANY_HART);
    expect_refused(&r, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_LARGE);
    /* Refused on the header alone, whatever the buffer. */
    put32(b.data + 4, NX_BOOTINFO_MAX_DTB_BYTES + 1u);
    r = parse_buf(b.data, size, NX_BOOTINFO_ANY_HART);
    expect_refused(&r, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_LARGE);
    free(big);
    blob_free(&b);
}

static void test_bound_bootargs(void **state)
{
    (void)state;
    char args[3 * NX_BOOTINFO_MAX_BOOTARGS];
    for (size_t i = 0; i < sizeof args - 1u; i++)
        args[i] = (char)('a' + i % 26u);
    args[sizeof args - 1u] = '\0';

    const size_t lens[] = { 0, NX_BOOTINFO_MAX_BOOTARGS - 1u, NX_BOOTINFO_MAX_BOOTARGS,
                            sizeof args - 1u };
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        char want[sizeof args];
        memcpy(want, args, lens[k]);
        want[lens[k]] = '\0';
        blob_t b = sim_blob(1, 128ull * MIB, want);
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        bool truncated = lens[k] >= NX_BOOTINFO_MAX_BOOTARGS;
        assert_int_equal(r.bi.bootargs_truncated, truncated);
        size_t kept = truncated ? NX_BOOTINFO_MAX_BOOTARGS - 1u : lens[k];
        assert_int_equal(strlen(r.bi.bootargs), kept);
        assert_memory_equal(r.bi.bootargs, args, kept);
        assert_int_equal(r.bi.bootargs[kept], '\0');
        blob_free(&b);
    }
}

/* bootargs with a NUL inside (found by tests/fuzz/fuzz_dtb.c): the command
 * line ends at the first NUL; what follows is neither kept nor counted as
 * cut, and the rest of bi->bootargs stays zero. */
static void test_bootargs_embedded_nul(void **state)
{
    (void)state;
    static const char shown[] = "console=ttyS0\0hidden words";
    char long_tail[2u + 2u * NX_BOOTINFO_MAX_BOOTARGS];
    memset(long_tail, 'x', sizeof long_tail);
    long_tail[0] = 'a';
    long_tail[1] = '\0';
    long_tail[sizeof long_tail - 1u] = '\0';
    const struct {
        const char *value;
        size_t len;
        const char *want;
    } cases[] = {
        { shown, sizeof shown, "console=ttyS0" },
        { long_tail, sizeof long_tail, "a" },
        { "\0\0\0", 4, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blob_t b = sim_blob(1, 128ull * MIB, NULL);
        FDT_OK(fdt_setprop(b.data, node(&b, "/chosen"), "bootargs", cases[i].value,
                           (int)cases[i].len));
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        assert_string_equal(r.bi.bootargs, cases[i].want);
        assert_false(r.bi.bootargs_truncated);
        size_t n = strlen(cases[i].want);
        for (size_t k = n; k < sizeof r.bi.bootargs; k++)
            if (r.bi.bootargs[k] != '\0')
                fail_msg("case %zu: byte %zu after the bootargs is %#x", i, k,
                         (unsigned)(unsigned char)r.bi.bootargs[k]);
        blob_free(&b);
    }
}

/* Far more reg entries than kept: counted, not stored, each still checked. */
static void test_long_reg_list(void **state)
{
    (void)state;
    enum { N = 4096 };
    blob_t b = qemu_blob(QEMU_SMP4);
    uint8_t *buf = malloc(16u * N);
    assert_non_null(buf);
    for (uint32_t i = 0; i < N; i++) {
        put64(buf + 16u * i, VIRT_DRAM_BASE + 0x100000ull * i);
        put64(buf + 16u * i + 8u, 0x100000);
    }
    FDT_OK(fdt_setprop(b.data, node(&b, "/memory@80000000"), "reg", buf, 16 * N));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.mem_count, NX_BOOTINFO_MAX_MEM_REGIONS);
    assert_int_equal(r.bi.mem_ignored, N - NX_BOOTINFO_MAX_MEM_REGIONS);
    assert_int_equal(r.bi.mem[7].base, VIRT_DRAM_BASE + 0x700000ull);
    /* The last entry wraps: refused although it would not be kept. */
    put64(buf + 16u * (N - 1u), 0xffffffffffffff00ull);
    FDT_OK(fdt_setprop(b.data, node(&b, "/memory@80000000"), "reg", buf, 16 * N));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_refused(&r, NX_ERR_MALFORMED, NX_DTB_BAD_REG);
    free(buf);
    blob_free(&b);
}

/* has_sstc reads the multi-letter extension list of riscv,isa. */
static void test_has_sstc(void **state)
{
    (void)state;
    static const struct {
        const char *isa;
        bool sstc;
    } cases[] = {
        { "rv64imafdc_zicsr_zifencei_sstc", true },
        { "rv64imac_sstc_zicsr", true },
        { "rv64imafdc_zicsr_zifencei", false },
        { "rv64imac", false },
        { "rv64imacsstc", false },   /* single letters: no Sstc there */
        { "rv64imac_sstcx", false }, /* another extension that starts alike */
        { "rv64imac_zsstc", false },
    };
    blob_t b = qemu_blob(QEMU_SMP4);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FDT_OK(fdt_setprop_string(b.data, node(&b, "/cpus/cpu@1"), "riscv,isa", cases[i].isa));
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_ok(&r);
        if (r.bi.harts[1].has_sstc != cases[i].sstc)
            fail_msg("riscv,isa \"%s\": has_sstc %d", cases[i].isa, r.bi.harts[1].has_sstc);
        assert_true(r.bi.harts[0].has_sstc);
    }
    /* No riscv,isa at all: no Sstc, and no refusal. */
    FDT_OK(fdt_delprop(b.data, node(&b, "/cpus/cpu@1"), "riscv,isa"));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_false(r.bi.harts[1].has_sstc);
    blob_free(&b);
}

/* --- errors: a named table of single edits to QEMU's smp4 tree ------------------------- */

/* diag.property must be NULL / must not be checked. */
#define NO_PROP  NULL
#define ANY_PROP "*"
/* diag.node_offset must be -1 / must not be checked; else a node path. */
#define NO_NODE  "-1"
#define ANY_NODE "*"

typedef struct error_case {
    const char *name;
    size_t (*build)(blob_t *b); /* edits the tree, returns the buffer size to parse */
    nx_status_t status;
    nx_dtb_reason_t reason;
    const char *property;
    const char *node;
    int fdt_error; /* 0: not checked */
} error_case_t;

static uint32_t hdr_get(const blob_t *b, uint32_t off)
{
    const uint8_t *p = b->data + off;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static size_t hdr_set(blob_t *b, uint32_t off, uint32_t value)
{
    size_t size = packed(b);
    put32(b->data + off, value);
    return size;
}

static size_t hdr_add(blob_t *b, uint32_t off, uint32_t delta)
{
    size_t size = packed(b);
    put32(b->data + off, hdr_get(b, off) + delta);
    return size;
}

/* Header: magic 0, totalsize 4, off_dt_struct 8, off_dt_strings 12,
 * off_mem_rsvmap 16, version 20, last_comp_version 24, size_dt_strings 32,
 * size_dt_struct 36. */
static size_t e_bad_magic(blob_t *b)
{
    return hdr_set(b, 0, 0xd00dfeeeu);
}
static size_t e_version_16(blob_t *b)
{
    return hdr_set(b, 20, 16);
}
static size_t e_last_comp_18(blob_t *b)
{
    return hdr_set(b, 24, 18);
}
static size_t e_empty_buffer(blob_t *b)
{
    (void)packed(b);
    return 0;
}
static size_t e_buffer_shorter_than_header(blob_t *b)
{
    (void)packed(b);
    return 39;
}
static size_t e_buffer_shorter_than_totalsize(blob_t *b)
{
    return packed(b) - 1u;
}
static size_t e_totalsize_past_buffer(blob_t *b)
{
    return hdr_add(b, 4, 8);
}
static size_t e_totalsize_tiny(blob_t *b)
{
    return hdr_set(b, 4, 16);
}
static size_t e_struct_misaligned(blob_t *b)
{
    return hdr_add(b, 8, 2);
}
static size_t e_struct_size_unaligned(blob_t *b)
{
    return hdr_add(b, 36, (uint32_t)-2);
}
static size_t e_rsvmap_misaligned(blob_t *b)
{
    return hdr_add(b, 16, 4);
}
static size_t e_rsvmap_in_header(blob_t *b)
{
    return hdr_set(b, 16, 16);
}
static size_t e_strings_past_end(blob_t *b)
{
    return hdr_set(b, 12, hdr_get(b, 4));
}
static size_t e_struct_size_huge(blob_t *b)
{
    return hdr_set(b, 36, 0xfffffff0u);
}
/* The structure block ends before FDT_END. */
static size_t e_struct_size_short(blob_t *b)
{
    return hdr_add(b, 36, (uint32_t)-4);
}
/* The last name of the strings block loses its NUL. */
static size_t e_strings_size_short(blob_t *b)
{
    return hdr_add(b, 32, (uint32_t)-1);
}

static size_t e_address_cells_5(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/soc"), "#address-cells", 5));
    return packed(b);
}
static size_t e_size_cells_huge(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/cpus"), "#size-cells", 0xffffffffu));
    return packed(b);
}
static size_t e_address_cells_wrong_length(blob_t *b)
{
    FDT_OK(fdt_setprop_u64(b->data, node(b, "/soc"), "#address-cells", 2));
    return packed(b);
}
/* Cells libfdt allows but a reg decode cannot use (3-cell addresses). */
static size_t e_soc_address_cells_3(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/soc"), "#address-cells", 3));
    return packed(b);
}
static size_t e_cpus_address_cells_3(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/cpus"), "#address-cells", 3));
    return packed(b);
}
static size_t e_cpus_size_cells_1(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/cpus"), "#size-cells", 1));
    return packed(b);
}
static size_t e_memory_reg_partial(blob_t *b)
{
    static const uint8_t reg[12] = { 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0 };
    FDT_OK(fdt_setprop(b->data, node(b, "/memory@80000000"), "reg", reg, sizeof reg));
    return packed(b);
}
static size_t e_memory_reg_wraps(blob_t *b)
{
    const uint64_t reg[2] = { 0xfffffffffffff000ull, 0x2000 };
    set_reg2(b, "/memory@80000000", reg, 1);
    return packed(b);
}
static size_t e_memory_reg_empty(blob_t *b)
{
    FDT_OK(fdt_setprop(b->data, node(b, "/memory@80000000"), "reg", NULL, 0));
    return packed(b);
}
static size_t e_memory_without_reg(blob_t *b)
{
    FDT_OK(fdt_delprop(b->data, node(b, "/memory@80000000"), "reg"));
    return packed(b);
}
static size_t e_uart_reg_size_zero(blob_t *b)
{
    const uint64_t reg[2] = { VIRT_UART_BASE, 0 };
    set_reg2(b, FIRST_UART_PATH, reg, 1);
    return packed(b);
}
static size_t e_cpu_reg_wrong_length(blob_t *b)
{
    FDT_OK(fdt_setprop_u64(b->data, node(b, "/cpus/cpu@2"), "reg", 2));
    return packed(b);
}
static size_t e_cpu_without_reg(blob_t *b)
{
    FDT_OK(fdt_delprop(b->data, node(b, "/cpus/cpu@2"), "reg"));
    return packed(b);
}
/* /soc maps only [0, 0x1000): the UART at 0x10000000 has no CPU address. */
static size_t e_ranges_miss_device(blob_t *b)
{
    const fdt32_t ranges[] = { 0, 0, 0, 0, 0, cpu_to_fdt32(0x1000) };
    FDT_OK(fdt_setprop(b->data, node(b, "/soc"), "ranges", ranges, sizeof ranges));
    return packed(b);
}
static size_t e_ranges_wrong_length(blob_t *b)
{
    const fdt32_t ranges[] = { 0, 0, 0, 0, cpu_to_fdt32(0x1000) };
    FDT_OK(fdt_setprop(b->data, node(b, "/soc"), "ranges", ranges, sizeof ranges));
    return packed(b);
}
static size_t e_parent_without_ranges(blob_t *b)
{
    FDT_OK(fdt_delprop(b->data, node(b, "/soc"), "ranges"));
    return packed(b);
}
/* The translated address would wrap past 2^64. */
static size_t e_ranges_translation_wraps(blob_t *b)
{
    const fdt32_t ranges[] = {
        0, 0, cpu_to_fdt32(0xffffffffu), cpu_to_fdt32(0xfffff000u), cpu_to_fdt32(0x1), 0
    };
    FDT_OK(fdt_setprop(b->data, node(b, "/soc"), "ranges", ranges, sizeof ranges));
    return packed(b);
}
static size_t e_compatible_unterminated(blob_t *b)
{
    set_unterminated(b, FIRST_UART_PATH, "compatible", "ns16550a");
    return packed(b);
}
static size_t e_compatible_empty(blob_t *b)
{
    FDT_OK(fdt_setprop(b->data, node(b, FIRST_UART_PATH), "compatible", NULL, 0));
    return packed(b);
}
static size_t e_status_unterminated(blob_t *b)
{
    set_unterminated(b, "/soc/virtio_mmio@10008000", "status", "okay");
    return packed(b);
}
static size_t e_device_type_unterminated(blob_t *b)
{
    set_unterminated(b, "/memory@80000000", "device_type", "memory");
    return packed(b);
}
static size_t e_bootargs_unterminated(blob_t *b)
{
    set_unterminated(b, "/chosen", "bootargs", "console=ttyS0");
    return packed(b);
}
static size_t e_stdout_path_unterminated(blob_t *b)
{
    set_unterminated(b, "/chosen", "stdout-path", FIRST_UART_PATH);
    return packed(b);
}
static size_t e_isa_unterminated(blob_t *b)
{
    set_unterminated(b, "/cpus/cpu@1", "riscv,isa", "rv64imac");
    return packed(b);
}
static size_t e_timebase_3_bytes(blob_t *b)
{
    static const uint8_t tb[3] = { 0x98, 0x96, 0x80 };
    FDT_OK(fdt_setprop(b->data, node(b, "/cpus"), "timebase-frequency", tb, sizeof tb));
    return packed(b);
}
static size_t e_interrupts_2_bytes(blob_t *b)
{
    static const uint8_t irq[2] = { 0, 10 };
    FDT_OK(fdt_setprop(b->data, node(b, FIRST_UART_PATH), "interrupts", irq, sizeof irq));
    return packed(b);
}
static size_t e_reg_io_width_2(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, FIRST_UART_PATH), "reg-io-width", 2));
    return packed(b);
}
static size_t e_clock_wrong_length(blob_t *b)
{
    FDT_OK(fdt_setprop_u64(b->data, node(b, FIRST_UART_PATH), "clock-frequency", 3686400));
    return packed(b);
}
static size_t e_plic_links_odd(blob_t *b)
{
    const fdt32_t links[3] = { cpu_to_fdt32(8), cpu_to_fdt32(11), cpu_to_fdt32(8) };
    FDT_OK(fdt_setprop(b->data, node(b, "/soc/plic@c000000"), "interrupts-extended", links,
                       sizeof links));
    return packed(b);
}
static size_t e_plic_ndev_wrong_length(blob_t *b)
{
    FDT_OK(fdt_setprop_u64(b->data, node(b, "/soc/plic@c000000"), "riscv,ndev", 0x60));
    return packed(b);
}
static size_t e_reservation_wraps(blob_t *b)
{
    FDT_OK(fdt_add_mem_rsv(b->data, 0xffffffffffff0000ull, 0x20000));
    return packed(b);
}
/* A reservation block with one entry and no terminating zero entry: it is
 * moved to the end of the blob, where totalsize ends right after the entry. */
static size_t e_reservation_unterminated(blob_t *b)
{
    size_t size = packed(b);
    uint32_t at = ((uint32_t)size + 7u) & ~7u;
    assert_true(at + 16u <= b->cap);
    memset(b->data + size, 0, at - size);
    put64(b->data + at, 0x90000000ull);
    put64(b->data + at + 8, 0x1000);
    put32(b->data + 16, at);
    put32(b->data + 4, at + 16u);
    return at + 16u;
}
static size_t e_no_cpus(blob_t *b)
{
    FDT_OK(fdt_del_node(b->data, node(b, "/cpus")));
    return packed(b);
}
static size_t e_all_cpus_disabled(blob_t *b)
{
    static const char *const cpus[] = { "/cpus/cpu@0", "/cpus/cpu@1", "/cpus/cpu@2",
                                        "/cpus/cpu@3" };
    for (size_t i = 0; i < 4u; i++)
        FDT_OK(fdt_setprop_string(b->data, node(b, cpus[i]), "status", "disabled"));
    return packed(b);
}
static size_t e_duplicate_hartid(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/cpus/cpu@1"), "reg", 0));
    return packed(b);
}
static size_t e_no_timebase(blob_t *b)
{
    FDT_OK(fdt_delprop(b->data, node(b, "/cpus"), "timebase-frequency"));
    return packed(b);
}
static size_t e_timebase_zero(blob_t *b)
{
    FDT_OK(fdt_setprop_u32(b->data, node(b, "/cpus"), "timebase-frequency", 0));
    return packed(b);
}
static size_t e_no_memory(blob_t *b)
{
    FDT_OK(fdt_del_node(b->data, node(b, "/memory@80000000")));
    return packed(b);
}
static size_t e_memory_size_zero(blob_t *b)
{
    const uint64_t reg[2] = { VIRT_DRAM_BASE, 0 };
    set_reg2(b, "/memory@80000000", reg, 1);
    return packed(b);
}
static size_t e_memory_disabled(blob_t *b)
{
    FDT_OK(fdt_setprop_string(b->data, node(b, "/memory@80000000"), "status", "disabled"));
    return packed(b);
}

static const error_case_t error_cases[] = {
    /* header and buffer */
    { "bad-magic", e_bad_magic, NX_ERR_MALFORMED, NX_DTB_BAD_MAGIC, NO_PROP, NO_NODE,
      -FDT_ERR_BADMAGIC },
    { "version-16", e_version_16, NX_ERR_VERSION_MISMATCH, NX_DTB_BAD_VERSION, NO_PROP, NO_NODE,
      -FDT_ERR_BADVERSION },
    { "last-comp-version-18", e_last_comp_18, NX_ERR_VERSION_MISMATCH, NX_DTB_BAD_VERSION, NO_PROP,
      NO_NODE, -FDT_ERR_BADVERSION },
    { "empty-buffer", e_empty_buffer, NX_ERR_MALFORMED, NX_DTB_TRUNCATED, NO_PROP, NO_NODE,
      -FDT_ERR_TRUNCATED },
    { "buffer-shorter-than-header", e_buffer_shorter_than_header, NX_ERR_MALFORMED,
      NX_DTB_TRUNCATED, NO_PROP, NO_NODE, -FDT_ERR_TRUNCATED },
    { "buffer-shorter-than-totalsize", e_buffer_shorter_than_totalsize, NX_ERR_MALFORMED,
      NX_DTB_TRUNCATED, NO_PROP, NO_NODE, -FDT_ERR_TRUNCATED },
    { "totalsize-past-buffer", e_totalsize_past_buffer, NX_ERR_MALFORMED, NX_DTB_TRUNCATED, NO_PROP,
      NO_NODE, -FDT_ERR_TRUNCATED },
    { "totalsize-smaller-than-header", e_totalsize_tiny, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT,
      NO_PROP, NO_NODE, -FDT_ERR_TRUNCATED },
    { "struct-block-misaligned", e_struct_misaligned, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, NO_PROP,
      NO_NODE, -FDT_ERR_ALIGNMENT },
    { "struct-size-not-words", e_struct_size_unaligned, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT,
      NO_PROP, NO_NODE, -FDT_ERR_ALIGNMENT },
    { "rsvmap-misaligned", e_rsvmap_misaligned, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, NO_PROP,
      NO_NODE, -FDT_ERR_ALIGNMENT },
    { "rsvmap-inside-header", e_rsvmap_in_header, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, NO_PROP,
      NO_NODE, -FDT_ERR_TRUNCATED },
    { "strings-past-totalsize", e_strings_past_end, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, NO_PROP,
      NO_NODE, -FDT_ERR_TRUNCATED },
    { "struct-size-huge", e_struct_size_huge, NX_ERR_MALFORMED, NX_DTB_BAD_LAYOUT, NO_PROP, NO_NODE,
      -FDT_ERR_TRUNCATED },
    { "struct-block-ends-before-fdt-end", e_struct_size_short, NX_ERR_MALFORMED,
      NX_DTB_BAD_STRUCTURE, NO_PROP, ANY_NODE, -FDT_ERR_TRUNCATED },
    { "strings-block-cuts-last-name", e_strings_size_short, NX_ERR_MALFORMED, NX_DTB_BAD_NAME,
      NO_PROP, ANY_NODE, -FDT_ERR_BADOFFSET },
    /* cells */
    { "address-cells-5", e_address_cells_5, NX_ERR_MALFORMED, NX_DTB_BAD_CELLS, "#address-cells",
      "/soc", 0 },
    { "size-cells-0xffffffff", e_size_cells_huge, NX_ERR_MALFORMED, NX_DTB_BAD_CELLS, "#size-cells",
      "/cpus", 0 },
    { "address-cells-8-bytes", e_address_cells_wrong_length, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "#address-cells", "/soc", 0 },
    { "soc-address-cells-3", e_soc_address_cells_3, NX_ERR_MALFORMED, NX_DTB_BAD_CELLS, "reg",
      FIRST_UART_PATH, 0 },
    { "cpus-address-cells-3", e_cpus_address_cells_3, NX_ERR_MALFORMED, NX_DTB_BAD_CELLS,
      "#address-cells", "/cpus", 0 },
    { "cpus-size-cells-1", e_cpus_size_cells_1, NX_ERR_MALFORMED, NX_DTB_BAD_CELLS, ANY_PROP,
      "/cpus", 0 },
    /* reg */
    { "memory-reg-partial-entry", e_memory_reg_partial, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
      "/memory@80000000", 0 },
    { "memory-reg-wraps", e_memory_reg_wraps, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
      "/memory@80000000", 0 },
    { "memory-reg-empty", e_memory_reg_empty, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
      "/memory@80000000", 0 },
    { "memory-without-reg", e_memory_without_reg, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
      "/memory@80000000", 0 },
    { "uart-reg-size-0", e_uart_reg_size_zero, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
      FIRST_UART_PATH, 0 },
    { "cpu-reg-8-bytes", e_cpu_reg_wrong_length, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
      "/cpus/cpu@2", 0 },
    { "cpu-without-reg", e_cpu_without_reg, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg", "/cpus/cpu@2",
      0 },
    /* ranges */
    { "ranges-miss-device", e_ranges_miss_device, NX_ERR_MALFORMED, NX_DTB_BAD_RANGES, "reg",
      FIRST_UART_PATH, 0 },
    { "ranges-partial-entry", e_ranges_wrong_length, NX_ERR_MALFORMED, NX_DTB_BAD_RANGES, "ranges",
      "/soc", 0 },
    { "parent-without-ranges", e_parent_without_ranges, NX_ERR_MALFORMED, NX_DTB_BAD_RANGES,
      "ranges", FIRST_UART_PATH, 0 },
    { "ranges-translation-wraps", e_ranges_translation_wraps, NX_ERR_MALFORMED, NX_DTB_BAD_RANGES,
      "ranges", "/soc", 0 },
    /* properties */
    { "compatible-unterminated", e_compatible_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "compatible", FIRST_UART_PATH, 0 },
    { "compatible-empty", e_compatible_empty, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "compatible",
      FIRST_UART_PATH, 0 },
    { "status-unterminated", e_status_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "status",
      "/soc/virtio_mmio@10008000", 0 },
    { "device-type-unterminated", e_device_type_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "device_type", "/memory@80000000", 0 },
    { "bootargs-unterminated", e_bootargs_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "bootargs", "/chosen", 0 },
    { "stdout-path-unterminated", e_stdout_path_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "stdout-path", "/chosen", 0 },
    { "riscv-isa-unterminated", e_isa_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "riscv,isa", "/cpus/cpu@1", 0 },
    { "timebase-3-bytes", e_timebase_3_bytes, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "timebase-frequency", "/cpus", 0 },
    { "interrupts-2-bytes", e_interrupts_2_bytes, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "interrupts", FIRST_UART_PATH, 0 },
    { "reg-io-width-2", e_reg_io_width_2, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "reg-io-width",
      FIRST_UART_PATH, 0 },
    { "clock-frequency-8-bytes", e_clock_wrong_length, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "clock-frequency", FIRST_UART_PATH, 0 },
    { "plic-links-not-pairs", e_plic_links_odd, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "interrupts-extended", "/soc/plic@c000000", 0 },
    { "plic-ndev-8-bytes", e_plic_ndev_wrong_length, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY,
      "riscv,ndev", "/soc/plic@c000000", 0 },
    /* reservations */
    { "reservation-wraps", e_reservation_wraps, NX_ERR_MALFORMED, NX_DTB_BAD_RESERVED, NO_PROP,
      NO_NODE, 0 },
    { "reservation-unterminated", e_reservation_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_RESERVED,
      NO_PROP, NO_NODE, -FDT_ERR_BADOFFSET },
    /* required nodes */
    { "no-cpus", e_no_cpus, NX_ERR_NOT_FOUND, NX_DTB_NO_CPUS, NO_PROP, NO_NODE, 0 },
    { "all-cpus-disabled", e_all_cpus_disabled, NX_ERR_NOT_FOUND, NX_DTB_NO_CPUS, NO_PROP, NO_NODE,
      0 },
    { "duplicate-hartid", e_duplicate_hartid, NX_ERR_MALFORMED, NX_DTB_DUPLICATE_HART, "reg",
      "/cpus/cpu@1", 0 },
    { "no-timebase", e_no_timebase, NX_ERR_NOT_FOUND, NX_DTB_NO_TIMEBASE, "timebase-frequency",
      NO_NODE, 0 },
    { "timebase-0", e_timebase_zero, NX_ERR_NOT_FOUND, NX_DTB_NO_TIMEBASE, "timebase-frequency",
      NO_NODE, 0 },
    { "no-memory", e_no_memory, NX_ERR_NOT_FOUND, NX_DTB_NO_MEMORY, NO_PROP, NO_NODE, 0 },
    { "memory-size-0", e_memory_size_zero, NX_ERR_NOT_FOUND, NX_DTB_NO_MEMORY, NO_PROP, NO_NODE,
      0 },
    { "memory-disabled", e_memory_disabled, NX_ERR_NOT_FOUND, NX_DTB_NO_MEMORY, NO_PROP, NO_NODE,
      0 },
};

static void check_diag(const char *name, const result_t *r, nx_status_t status,
                       nx_dtb_reason_t reason, const char *property, int node_offset, int fdt_error)
{
    if (r->st != status || r->d.reason != reason)
        fail_msg("%s: got %s / %s (property %s, node %d), expected %s / %s", name,
                 nx_status_name(r->st), nx_dtb_reason_name(r->d.reason),
                 r->d.property ? r->d.property : "NULL", r->d.node_offset, nx_status_name(status),
                 nx_dtb_reason_name(reason));
    if (property == NO_PROP && r->d.property != NULL)
        fail_msg("%s: property %s, expected none", name, r->d.property);
    if (property != NO_PROP && strcmp(property, ANY_PROP) != 0 &&
        (r->d.property == NULL || strcmp(r->d.property, property) != 0))
        fail_msg("%s: property %s, expected %s", name, r->d.property ? r->d.property : "NULL",
                 property);
    if (node_offset != -2 && r->d.node_offset != node_offset)
        fail_msg("%s: node_offset %d, expected %d", name, r->d.node_offset, node_offset);
    if (fdt_error != 0 && r->d.fdt_error != fdt_error)
        fail_msg("%s: fdt_error %d (%s), expected %d (%s)", name, r->d.fdt_error,
                 fdt_strerror(r->d.fdt_error), fdt_error, fdt_strerror(fdt_error));
}

static void run_error_case(void **state)
{
    const error_case_t *c = *state;
    blob_t b = qemu_blob(QEMU_SMP4);
    size_t size = c->build(&b);
    /* Cases that name a node leave the header intact: libfdt resolves the
     * path in the edited tree, to the offset the parser must report. */
    int want_node = -2;
    if (strcmp(c->node, NO_NODE) == 0)
        want_node = -1;
    else if (strcmp(c->node, ANY_NODE) != 0)
        want_node = node(&b, c->node);
    result_t r = parse_buf(b.data, size, NX_BOOTINFO_ANY_HART);
    check_diag(c->name, &r, c->status, c->reason, c->property, want_node, c->fdt_error);
    blob_free(&b);
}

/* --- struct: hand-assembled structure blocks ------------------------------------------- */

/* A tiny DTB writer that, unlike libfdt, writes whatever it is told. */
typedef struct raw {
    uint8_t st[512];
    uint32_t n;
    char strs[64];
    uint32_t slen;
} raw_t;

static void raw_word(raw_t *r, uint32_t w)
{
    assert_true(r->n + 4u <= sizeof r->st);
    put32(r->st + r->n, w);
    r->n += 4u;
}

static void raw_begin(raw_t *r, const char *name)
{
    raw_word(r, FDT_BEGIN_NODE);
    size_t len = strlen(name) + 1u;
    memcpy(r->st + r->n, name, len);
    r->n += (uint32_t)((len + 3u) & ~(size_t)3u);
}

/* A property: tag, len, nameoff, then `vlen` bytes of value (which may be
 * less than `len` when the test wants a length that lies). */
static void raw_prop(raw_t *r, uint32_t len, uint32_t nameoff, const void *val, uint32_t vlen)
{
    raw_word(r, FDT_PROP);
    raw_word(r, len);
    raw_word(r, nameoff);
    if (vlen > 0u)
        memcpy(r->st + r->n, val, vlen);
    r->n += (vlen + 3u) & ~3u;
}

/* Header, an empty reservation block, the structure and strings blocks. */
static size_t raw_finish(const raw_t *r, uint8_t *out, size_t cap)
{
    uint32_t off_struct = 40u + 16u, off_strs = off_struct + r->n;
    uint32_t total = off_strs + r->slen;
    assert_true(total <= cap);
    memset(out, 0, total);
    put32(out + 0, FDT_MAGIC);
    put32(out + 4, total);
    put32(out + 8, off_struct);
    put32(out + 12, off_strs);
    put32(out + 16, 40);
    put32(out + 20, 17);
    put32(out + 24, 16);
    put32(out + 32, r->slen);
    put32(out + 36, r->n);
    memcpy(out + off_struct, r->st, r->n);
    memcpy(out + off_strs, r->strs, r->slen);
    return total;
}

typedef struct struct_case {
    const char *name;
    void (*build)(raw_t *r);
    nx_status_t status;
    nx_dtb_reason_t reason;
    int node_offset; /* structure offset diag must name */
    int fdt_error;   /* 0: none */
} struct_case_t;

/* "compatible\0" is name offset 0 in every raw tree. */
static void raw_names(raw_t *r)
{
    memcpy(r->strs, "compatible", 11);
    r->slen = 11;
}

/* Control: a well-formed empty root passes the structure pass. */
static void s_empty_root(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_prop(r, 2, 0, "x", 2); /* 8 */
    raw_word(r, FDT_END_NODE); /* 24 */
    raw_word(r, FDT_END);      /* 28 */
}
static void s_bad_tag(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_word(r, 7);            /* 8 */
    raw_word(r, FDT_END_NODE); /* 12 */
    raw_word(r, FDT_END);
}
static void s_extra_end_node(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_word(r, FDT_END_NODE); /* 8 */
    raw_word(r, FDT_END_NODE); /* 12 */
    raw_word(r, FDT_END);
}
static void s_missing_end(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_word(r, FDT_END_NODE); /* 8; the block ends here */
}
static void s_end_inside_node(raw_t *r)
{
    raw_begin(r, "");  /* 0 */
    raw_begin(r, "a"); /* 8 */
    raw_word(r, FDT_END);
}
static void s_prop_past_block(raw_t *r)
{
    raw_begin(r, "");              /* 0 */
    raw_prop(r, 0x40, 0, NULL, 0); /* 8: value would start at 20 */
    raw_word(r, FDT_END_NODE);     /* 20 */
    raw_word(r, FDT_END);          /* 24; block is 28 bytes */
}
static void s_prop_len_huge(raw_t *r)
{
    raw_begin(r, "");
    raw_prop(r, 0xfffffff0u, 0, NULL, 0);
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
}
static void s_root_not_first(raw_t *r)
{
    raw_word(r, FDT_NOP);
    raw_begin(r, "");
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
}
static void s_second_root(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_word(r, FDT_END_NODE); /* 8 */
    raw_begin(r, "x");         /* 12 */
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
}
static void s_prop_after_root(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_word(r, FDT_END_NODE); /* 8 */
    raw_prop(r, 2, 0, "x", 2); /* 12 */
    raw_word(r, FDT_END);
}
static void s_prop_after_child(raw_t *r)
{
    raw_begin(r, "");          /* 0 */
    raw_begin(r, "a");         /* 8 */
    raw_word(r, FDT_END_NODE); /* 16 */
    raw_prop(r, 2, 0, "x", 2); /* 20: the root's property, after its child */
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
}
static void s_name_unterminated(raw_t *r)
{
    raw_begin(r, "");            /* 0 */
    raw_word(r, FDT_BEGIN_NODE); /* 8: its name runs to the end of the block */
    memcpy(r->st + r->n, "abcdefgh", 8);
    r->n += 8u;
}
static void s_nameoff_past_strings(raw_t *r)
{
    raw_begin(r, "");           /* 0 */
    raw_prop(r, 2, 11, "x", 2); /* 8: strings block is 11 bytes */
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
}
static void s_name_without_nul(raw_t *r)
{
    raw_begin(r, "");
    raw_prop(r, 2, 0, "x", 2);
    raw_word(r, FDT_END_NODE);
    raw_word(r, FDT_END);
    r->slen = 10; /* "compatible" without its NUL */
}
static void s_truncated_prop_header(raw_t *r)
{
    raw_begin(r, "");      /* 0 */
    raw_word(r, FDT_PROP); /* 8: len and nameoff are missing */
    raw_word(r, 2);
}

static const struct_case_t struct_cases[] = {
    { "empty-root-is-well-formed", s_empty_root, NX_ERR_NOT_FOUND, NX_DTB_NO_CPUS, -1, 0 },
    { "bad-tag", s_bad_tag, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 8, -FDT_ERR_BADSTRUCTURE },
    { "unbalanced-end-node", s_extra_end_node, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 12, 0 },
    { "missing-fdt-end", s_missing_end, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 0,
      -FDT_ERR_TRUNCATED },
    { "fdt-end-inside-node", s_end_inside_node, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 8, 0 },
    { "prop-length-past-block", s_prop_past_block, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 0,
      -FDT_ERR_TRUNCATED },
    { "prop-length-huge", s_prop_len_huge, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 0,
      -FDT_ERR_TRUNCATED },
    { "prop-header-truncated", s_truncated_prop_header, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 0,
      0 },
    { "root-not-at-offset-0", s_root_not_first, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 0, 0 },
    { "second-root", s_second_root, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 12, 0 },
    { "prop-after-root", s_prop_after_root, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 0, 0 },
    /* Properties precede a node's children (the walk relies on it). */
    { "prop-after-child", s_prop_after_child, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 8,
      -FDT_ERR_BADSTRUCTURE },
    { "node-name-unterminated", s_name_unterminated, NX_ERR_MALFORMED, NX_DTB_BAD_STRUCTURE, 8,
      -FDT_ERR_TRUNCATED },
    { "name-offset-past-strings", s_nameoff_past_strings, NX_ERR_MALFORMED, NX_DTB_BAD_NAME, 0,
      -FDT_ERR_BADOFFSET },
    { "name-without-nul", s_name_without_nul, NX_ERR_MALFORMED, NX_DTB_BAD_NAME, 0,
      -FDT_ERR_BADOFFSET },
};

static void run_struct_case(void **state)
{
    const struct_case_t *c = *state;
    raw_t r;
    memset(&r, 0, sizeof r);
    raw_names(&r);
    c->build(&r);
    uint8_t blob[1024] __attribute__((aligned(8)));
    size_t size = raw_finish(&r, blob, sizeof blob);
    result_t res = parse_buf(blob, size, NX_BOOTINFO_ANY_HART);
    check_diag(c->name, &res, c->status, c->reason, NO_PROP, c->node_offset, c->fdt_error);
}

/* --- helpers ----------------------------------------------------------------------------- */

static void test_null_arguments(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    size_t size = packed(&b);
    nx_boot_info_t bi;
    nx_dtb_diag_t d;

    memset(&bi, 0xa5, sizeof bi);
    assert_int_equal(nx_bootinfo_parse(NULL, size, 0, &bi, &d), NX_ERR_INVALID_ARGS);
    assert_int_equal(d.reason, NX_DTB_NULL_ARGUMENT);
    assert_memory_equal(&bi, &zero_bi, sizeof bi);

    assert_int_equal(nx_bootinfo_parse(b.data, size, 0, NULL, &d), NX_ERR_INVALID_ARGS);
    assert_int_equal(d.reason, NX_DTB_NULL_ARGUMENT);

    /* No diag to report through: the status alone, and `out` still zeroed. */
    memset(&bi, 0xa5, sizeof bi);
    assert_int_equal(nx_bootinfo_parse(b.data, size, 0, &bi, NULL), NX_ERR_INVALID_ARGS);
    assert_memory_equal(&bi, &zero_bi, sizeof bi);
    blob_free(&b);
}

static void test_hart_index(void **state)
{
    (void)state;
    result_t r = parse_qemu(QEMU_SMP4, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    for (uint32_t i = 0; i < 4u; i++)
        assert_int_equal(nx_bootinfo_hart_index(&r.bi, i), (int32_t)i);
    assert_int_equal(nx_bootinfo_hart_index(&r.bi, 4), -1);
    assert_int_equal(nx_bootinfo_hart_index(&r.bi, UINT64_MAX), -1);
    assert_int_equal(nx_bootinfo_hart_index(NULL, 0), -1);
    /* Slots past hart_count are never searched, even if they hold an id. */
    nx_boot_info_t bi = zero_bi;
    bi.hart_count = 1;
    bi.harts[0].hartid = 5;
    bi.harts[1].hartid = 6;
    assert_int_equal(nx_bootinfo_hart_index(&bi, 5), 0);
    assert_int_equal(nx_bootinfo_hart_index(&bi, 6), -1);
    bi.hart_count = 0;
    assert_int_equal(nx_bootinfo_hart_index(&bi, 0), -1);
}

static bool has_arg(const char *bootargs, const char *word)
{
    nx_boot_info_t bi = zero_bi;
    snprintf(bi.bootargs, sizeof bi.bootargs, "%s", bootargs);
    return nx_bootinfo_has_arg(&bi, word);
}

static void test_has_arg(void **state)
{
    (void)state;
    static const struct {
        const char *bootargs, *word;
        bool want;
    } cases[] = {
        { "a b", "a", true },
        { "a b", "b", true },
        { "ab", "a", false },     /* a prefix is not a word */
        { "ba", "a", false },     /* nor a suffix */
        { "x\ta\ty", "a", true }, /* tabs separate words */
        { "  a  ", "a", true },   /* leading and trailing blanks */
        { "", "a", false },
        { "a", "", false }, /* the empty word is never present */
        { "   ", "", false },
        { "nx.selftest=1 quiet", "quiet", true },
        { "nx.selftest=1 quiet", "nx.selftest", false },
        { "nx.selftest=1 quiet", "nx.selftest=1", true },
        { "aa a", "a", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (has_arg(cases[i].bootargs, cases[i].word) != cases[i].want)
            fail_msg("has_arg(\"%s\", \"%s\") != %d", cases[i].bootargs, cases[i].word,
                     cases[i].want);
    nx_boot_info_t bi = zero_bi;
    assert_false(nx_bootinfo_has_arg(&bi, NULL));
    assert_false(nx_bootinfo_has_arg(NULL, "a"));
}

/* The reason values are documented as stable: logs and tests name them. */
static void test_reason_values_pinned(void **state)
{
    (void)state;
    assert_int_equal(NX_DTB_OK, 0);
    assert_int_equal(NX_DTB_NULL_ARGUMENT, 1);
    assert_int_equal(NX_DTB_TRUNCATED, 2);
    assert_int_equal(NX_DTB_BAD_MAGIC, 3);
    assert_int_equal(NX_DTB_BAD_VERSION, 4);
    assert_int_equal(NX_DTB_TOO_LARGE, 5);
    assert_int_equal(NX_DTB_BAD_LAYOUT, 6);
    assert_int_equal(NX_DTB_BAD_STRUCTURE, 7);
    assert_int_equal(NX_DTB_TOO_DEEP, 8);
    assert_int_equal(NX_DTB_TOO_MANY_NODES, 9);
    assert_int_equal(NX_DTB_BAD_NAME, 10);
    assert_int_equal(NX_DTB_BAD_CELLS, 11);
    assert_int_equal(NX_DTB_BAD_REG, 12);
    assert_int_equal(NX_DTB_BAD_RANGES, 13);
    assert_int_equal(NX_DTB_BAD_PROPERTY, 14);
    assert_int_equal(NX_DTB_BAD_RESERVED, 15);
    assert_int_equal(NX_DTB_NO_CPUS, 16);
    assert_int_equal(NX_DTB_DUPLICATE_HART, 17);
    assert_int_equal(NX_DTB_NO_TIMEBASE, 18);
    assert_int_equal(NX_DTB_NO_MEMORY, 19);
    assert_int_equal(NX_DTB_NO_BOOT_HART, 20);
    assert_int_equal(NX_DTB_TOO_MANY_CPUS, 21);
    assert_int_equal(NX_DTB_TOO_MANY_RANGES, 22);
    assert_int_equal(NX_DTB_REASON_COUNT, 23);
    /* Each reason comes with the status the header documents. */
    for (int i = 0; i < NX_DTB_REASON_COUNT; i++)
        assert_int_equal(nx_dtb_reason_status((nx_dtb_reason_t)i),
                         nx_dtb_mut_expected_status((nx_dtb_reason_t)i));
    assert_int_equal(nx_dtb_reason_status((nx_dtb_reason_t)999), NX_ERR_MALFORMED);
}

static void test_reason_names(void **state)
{
    (void)state;
    for (int i = 0; i < NX_DTB_REASON_COUNT; i++) {
        const char *name = nx_dtb_reason_name((nx_dtb_reason_t)i);
        const char *text = nx_dtb_reason_text((nx_dtb_reason_t)i);
        assert_non_null(name);
        assert_non_null(text);
        assert_true(name[0] != '\0');
        assert_true(text[0] != '\0');
        assert_string_not_equal(name, "unknown");
        assert_string_not_equal(text, "unknown reason");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, nx_dtb_reason_name((nx_dtb_reason_t)j));
            assert_string_not_equal(text, nx_dtb_reason_text((nx_dtb_reason_t)j));
        }
    }
    assert_string_equal(nx_dtb_reason_name(NX_DTB_BAD_MAGIC), "bad-magic");
    /* Out of range: a placeholder, never NULL. */
    assert_string_equal(nx_dtb_reason_name(NX_DTB_REASON_COUNT), "unknown");
    assert_string_equal(nx_dtb_reason_name((nx_dtb_reason_t)1000), "unknown");
    assert_non_null(nx_dtb_reason_text((nx_dtb_reason_t)-1));
    assert_true(nx_dtb_reason_text((nx_dtb_reason_t)-1)[0] != '\0');
}

/* --- found while writing these tests: duplicates, blanks, diag, cost -------------------- */

/* "two cpu nodes with one hart id" is refused even when both are beyond
 * NX_MAX_HARTS: a tampered list must not pass because of where it hides. */
static void test_duplicate_hart_among_ignored(void **state)
{
    (void)state;
    blob_t b = qemu_blob("qemu-virt-smp12-128M.dtb");
    FDT_OK(fdt_setprop_u32(b.data, node(&b, "/cpus/cpu@10"), "reg", 9));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    int cpu10 = node(&b, "/cpus/cpu@10");
    blob_free(&b);
    check_diag("duplicate-among-ignored", &r, NX_ERR_MALFORMED, NX_DTB_DUPLICATE_HART, "reg", cpu10,
               0);
}

/* A "word" holding a blank is never one of the blank-separated words. */
static void test_has_arg_word_with_blank(void **state)
{
    (void)state;
    assert_false(has_arg("a b", "a b"));
    assert_false(has_arg("x a\tb", "a\tb"));
}

/* diag.property names the property that is wrong. */
static void test_diag_names_the_wrong_property(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    FDT_OK(fdt_setprop_u32(b.data, node(&b, "/cpus"), "#size-cells", 1));
    result_t r1 = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    FDT_OK(fdt_setprop_u32(b.data, node(&b, "/cpus"), "#size-cells", 0));
    FDT_OK(fdt_setprop_u32(b.data, node(&b, FIRST_UART_PATH), "reg-shift", 5));
    result_t r2 = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    blob_free(&b);
    expect_refused(&r1, NX_ERR_MALFORMED, NX_DTB_BAD_CELLS);
    expect_refused(&r2, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY);
    assert_string_equal(r1.d.property, "#size-cells");
    assert_string_equal(r2.d.property, "reg-shift");
}

/* A tree with `cpus` enabled cpu nodes (hart ids 0..cpus-1) under /cpus. */
static blob_t many_cpus_blob(uint32_t cpus)
{
    blob_t b = qemu_blob_room("qemu-virt-smp1-128M.dtb", 64u * 1024u);
    int parent = node(&b, "/cpus");
    for (uint32_t i = 1; i < cpus; i++) {
        char name[32];
        snprintf(name, sizeof name, "cpu@%x", i);
        int c = fdt_add_subnode(b.data, parent, name);
        FDT_OK(c);
        FDT_OK(fdt_setprop_string(b.data, c, "device_type", "cpu"));
        FDT_OK(fdt_setprop_u32(b.data, c, "reg", i));
    }
    return b;
}

/* Every enabled cpu is checked for duplicates, so their number is bounded:
 * NX_BOOTINFO_MAX_CPU_NODES parse, one more is refused. */
static void test_bound_cpu_nodes(void **state)
{
    (void)state;
    blob_t b = many_cpus_blob(NX_BOOTINFO_MAX_CPU_NODES);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.hart_count, NX_MAX_HARTS);
    assert_int_equal(r.bi.harts_ignored, NX_BOOTINFO_MAX_CPU_NODES - NX_MAX_HARTS);
    blob_free(&b);

    b = many_cpus_blob(NX_BOOTINFO_MAX_CPU_NODES + 1u);
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_refused(&r, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_MANY_CPUS);
    blob_free(&b);
}

/*
 * A valid blob built to be slow: a memory node with tens of thousands of
 * empty properties before a reg of tens of thousands of entries. Once this
 * took 53 s (reg was looked up again for every entry); each node's
 * properties are now read in one scan. The result: the first ranges kept,
 * the rest counted.
 */
static void test_many_properties_and_entries(void **state)
{
    (void)state;
    enum { PROPS = 20000, ENTRIES = 20000 };
    size_t cap = 1u << 20;
    uint8_t *t = aligned_alloc(8, cap);
    assert_non_null(t);
    FDT_OK(fdt_create(t, (int)cap));
    FDT_OK(fdt_finish_reservemap(t));
    FDT_OK(fdt_begin_node(t, ""));
    FDT_OK(fdt_property_u32(t, "#address-cells", 2));
    FDT_OK(fdt_property_u32(t, "#size-cells", 2));
    FDT_OK(fdt_begin_node(t, "cpus"));
    FDT_OK(fdt_property_u32(t, "#address-cells", 1));
    FDT_OK(fdt_property_u32(t, "#size-cells", 0));
    FDT_OK(fdt_property_u32(t, "timebase-frequency", VIRT_TIMEBASE_HZ));
    FDT_OK(fdt_begin_node(t, "cpu@0"));
    FDT_OK(fdt_property_string(t, "device_type", "cpu"));
    FDT_OK(fdt_property_u32(t, "reg", 0));
    FDT_OK(fdt_end_node(t));
    FDT_OK(fdt_end_node(t));
    FDT_OK(fdt_begin_node(t, "memory@80000000"));
    /* One name for all (libfdt's writer searches its string table per name). */
    for (int i = 0; i < PROPS; i++)
        FDT_OK(fdt_property(t, "x", NULL, 0));
    FDT_OK(fdt_property_string(t, "device_type", "memory"));
    static uint8_t reg[ENTRIES * 16];
    for (uint32_t i = 0; i < ENTRIES; i++) {
        put64(reg + 16u * i, VIRT_DRAM_BASE + (uint64_t)i * MIB);
        put64(reg + 16u * i + 8u, MIB);
    }
    FDT_OK(fdt_property(t, "reg", reg, sizeof reg));
    FDT_OK(fdt_end_node(t));
    FDT_OK(fdt_end_node(t));
    FDT_OK(fdt_finish(t));

    nx_boot_info_t bi;
    nx_dtb_diag_t diag;
    assert_int_equal(nx_bootinfo_parse(t, fdt_totalsize(t), NX_BOOTINFO_ANY_HART, &bi, &diag),
                     NX_OK);
    assert_int_equal(bi.mem_count, NX_BOOTINFO_MAX_MEM_REGIONS);
    assert_int_equal(bi.mem_ignored, ENTRIES - NX_BOOTINFO_MAX_MEM_REGIONS);
    assert_int_equal(bi.mem[1].base, VIRT_DRAM_BASE + MIB);
    free(t);
}

/* --- found in review: wrap-arounds, overlaps, bounded ranges, console shape ---------- */

/* A bus under /soc whose ranges map child 0 to `parent` for `len` bytes,
 * with a test finisher at child address `child` of size `size`. */
static void add_mapped_finisher(blob_t *b, uint64_t parent, uint64_t len, uint64_t child,
                                uint64_t size)
{
    int bus = fdt_add_subnode(b->data, node(b, "/soc"), "bus@0");
    FDT_OK(bus);
    FDT_OK(fdt_setprop_u32(b->data, bus, "#address-cells", 2));
    FDT_OK(fdt_setprop_u32(b->data, bus, "#size-cells", 2));
    uint8_t ranges[48];
    put64(ranges, 0);
    put64(ranges + 8, parent);
    put64(ranges + 16, len);
    FDT_OK(fdt_setprop(b->data, bus, "ranges", ranges, 24));
    int test = fdt_add_subnode(b->data, node(b, "/soc/bus@0"), "test@0");
    FDT_OK(test);
    put64(ranges, child);
    put64(ranges + 8, size);
    FDT_OK(fdt_setprop(b->data, test, "reg", ranges, 16));
    FDT_OK(fdt_setprop_string(b->data, test, "compatible", "sifive,test0"));
    FDT_OK(fdt_del_node(b->data, node(b, "/soc/test@100000")));
}

/* A ranges entry that wraps past 2^64, or that would carry a device past
 * it, is refused; an entry ending exactly at 2^64 is fine. */
static void test_translation_never_wraps(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    add_mapped_finisher(&b, 0xfffffffffffff000ull, 0x4000, 0, 0x2000);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_refused(&r, NX_ERR_MALFORMED, NX_DTB_BAD_RANGES);
    blob_free(&b);

    b = qemu_blob(QEMU_SMP4);
    add_mapped_finisher(&b, 0xffffffffffffe000ull, 0x2000, 0x1000, 0x1000);
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.test_finisher.base, 0xfffffffffffff000ull);
    blob_free(&b);
}

/* A bus with NX_BOOTINFO_MAX_RANGES entries translates; one more is
 * refused (each translation is bounded by a constant, not by the blob). */
static void test_bound_ranges(void **state)
{
    (void)state;
    for (uint32_t n = NX_BOOTINFO_MAX_RANGES; n <= NX_BOOTINFO_MAX_RANGES + 1u; n++) {
        blob_t b = qemu_blob(QEMU_SMP4);
        add_mapped_finisher(&b, 0x40000000, 0x1000, 0x100, 0x10);
        static uint8_t ranges[24 * (NX_BOOTINFO_MAX_RANGES + 1u)];
        for (uint32_t i = 0; i < n; i++) {
            put64(ranges + 24u * i, 0x100000ull * i);
            put64(ranges + 24u * i + 8u, 0x40000000ull + 0x100000ull * i);
            put64(ranges + 24u * i + 16u, 0x1000);
        }
        FDT_OK(fdt_setprop(b.data, node(&b, "/soc/bus@0"), "ranges", ranges, (int)(24u * n)));
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        if (n == NX_BOOTINFO_MAX_RANGES) {
            expect_ok(&r);
            assert_int_equal(r.bi.test_finisher.base, 0x40000100ull);
        } else {
            expect_refused(&r, NX_ERR_OUT_OF_RANGE, NX_DTB_TOO_MANY_RANGES);
        }
        blob_free(&b);
    }
}

/* Two memory ranges covering one byte are refused, also when one ends at
 * 2^64 (where a naive end computation wraps to 0). */
static void test_overlapping_memory(void **state)
{
    (void)state;
    static const uint64_t cases[][4] = {
        { 0x80000000ull, 0x8000000ull, 0x84000000ull, 0x1000ull },
        { 0xfffffffff0000000ull, 0x10000000ull, 0xfffffffff8000000ull, 0x1000ull },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blob_t b = qemu_blob(QEMU_SMP4);
        set_reg2(&b, "/memory@80000000", cases[i], 2);
        result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
        expect_refused(&r, NX_ERR_MALFORMED, NX_DTB_BAD_REG);
        assert_string_equal(r.d.property, "reg");
        blob_free(&b);
    }
    /* Adjacent ranges touch but do not overlap. */
    blob_t b = qemu_blob(QEMU_SMP4);
    const uint64_t adjacent[4] = { 0x80000000ull, 0x1000ull, 0x80001000ull, 0x1000ull };
    set_reg2(&b, "/memory@80000000", adjacent, 2);
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.mem_count, 2);
    blob_free(&b);
}

/* The console's registers must fit its reg and not overlap each other; the
 * test finisher needs its one 32-bit register. */
static void test_device_register_shapes(void **state)
{
    (void)state;
    blob_t b = qemu_blob(QEMU_SMP4);
    FDT_OK(fdt_setprop_u32(b.data, node(&b, FIRST_UART_PATH), "reg-io-width", 4));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    check_diag("width-4-shift-0", &r, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "reg-io-width",
               node(&b, FIRST_UART_PATH), 0);
    FDT_OK(fdt_setprop_u32(b.data, node(&b, FIRST_UART_PATH), "reg-shift", 2));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART); /* 8 registers 4 bytes apart: 32 <= 0x100 */
    expect_ok(&r);
    assert_int_equal(r.bi.uart_reg_io_width, 4);
    FDT_OK(fdt_setprop_u32(b.data, node(&b, FIRST_UART_PATH), "reg-shift", 6));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART); /* shift past the bound */
    check_diag("shift-6", &r, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "reg-shift",
               node(&b, FIRST_UART_PATH), 0);
    blob_free(&b);

    b = qemu_blob(QEMU_SMP4);
    const uint64_t small_uart[2] = { 0x10000000ull, 0x7ull };
    set_reg2(&b, FIRST_UART_PATH, small_uart, 1);
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    check_diag("uart-reg-7-bytes", &r, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
               node(&b, FIRST_UART_PATH), 0);
    blob_free(&b);

    b = qemu_blob(QEMU_SMP4);
    const uint64_t small_test[2] = { 0x100000ull, 0x3ull };
    set_reg2(&b, "/soc/test@100000", small_test, 1);
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    check_diag("finisher-reg-3-bytes", &r, NX_ERR_MALFORMED, NX_DTB_BAD_REG, "reg",
               node(&b, "/soc/test@100000"), 0);
    blob_free(&b);
}

/* A stdout-path we cannot follow would put our console elsewhere than the
 * firmware's: refused, never silently replaced by the first UART. */
static void test_stdout_path_too_long(void **state)
{
    (void)state;
    char path[200];
    memset(path, '/', sizeof path);
    snprintf(path + 150, sizeof path - 150, "%s", FIRST_UART_PATH); /* ////.../soc/serial@... */
    blob_t b = qemu_blob(QEMU_SMP4);
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", path));
    result_t r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    check_diag("stdout-path-long", &r, NX_ERR_MALFORMED, NX_DTB_BAD_PROPERTY, "stdout-path",
               chosen(&b), 0);
    /* Extra slashes within the bound are followed, as libfdt does. */
    FDT_OK(fdt_setprop_string(b.data, chosen(&b), "stdout-path", "//soc//serial@10000000/"));
    r = parse_blob(&b, NX_BOOTINFO_ANY_HART);
    expect_ok(&r);
    assert_int_equal(r.bi.uart.base, VIRT_UART_BASE);
    blob_free(&b);
}

/* --- main ----------------------------------------------------------------------------------- */

#define N_ERROR  (sizeof error_cases / sizeof error_cases[0])
#define N_STRUCT (sizeof struct_cases / sizeof struct_cases[0])

static const struct CMUnitTest fixed_tests[] = {
    cmocka_unit_test(test_qemu_smp4_values),
    cmocka_unit_test(test_qemu_padded_file),
    cmocka_unit_test(test_qemu_smp1),
    cmocka_unit_test(test_qemu_smp4_2g),
    cmocka_unit_test(test_qemu_smp12),
    cmocka_unit_test(test_qemu_smp12_boot_hart_11),
    cmocka_unit_test(test_qemu_smp12_boot_hart_3),
    cmocka_unit_test(test_boot_hart_missing),
    cmocka_unit_test(test_sim_tree_values),
    cmocka_unit_test(test_diag_and_alignment),
    cmocka_unit_test(test_stdout_path_picks_uart),
    cmocka_unit_test(test_stdout_path_alias),
    cmocka_unit_test(test_stdout_path_alias_loops),
    cmocka_unit_test(test_bus_ranges_translation),
    cmocka_unit_test(test_reg_ending_at_top),
    cmocka_unit_test(test_timebase_and_disabled_cpu),
    cmocka_unit_test(test_bound_memory_ranges),
    cmocka_unit_test(test_bound_memory_nodes),
    cmocka_unit_test(test_bound_reservation_block),
    cmocka_unit_test(test_bound_reserved_memory_nodes),
    cmocka_unit_test(test_bound_virtio),
    cmocka_unit_test(test_bound_harts),
    cmocka_unit_test(test_bound_depth),
    cmocka_unit_test(test_bound_nodes),
    cmocka_unit_test(test_bound_totalsize),
    cmocka_unit_test(test_bound_bootargs),
    cmocka_unit_test(test_bootargs_embedded_nul),
    cmocka_unit_test(test_long_reg_list),
    cmocka_unit_test(test_has_sstc),
    cmocka_unit_test(test_null_arguments),
    cmocka_unit_test(test_hart_index),
    cmocka_unit_test(test_has_arg),
    cmocka_unit_test(test_reason_values_pinned),
    cmocka_unit_test(test_reason_names),
    cmocka_unit_test(test_duplicate_hart_among_ignored),
    cmocka_unit_test(test_has_arg_word_with_blank),
    cmocka_unit_test(test_diag_names_the_wrong_property),
    cmocka_unit_test(test_bound_cpu_nodes),
    cmocka_unit_test(test_many_properties_and_entries),
    cmocka_unit_test(test_translation_never_wraps),
    cmocka_unit_test(test_bound_ranges),
    cmocka_unit_test(test_overlapping_memory),
    cmocka_unit_test(test_device_register_shapes),
    cmocka_unit_test(test_stdout_path_too_long),
};

#define N_FIXED (sizeof fixed_tests / sizeof fixed_tests[0])

int main(void)
{
    /* The tables become named cmocka tests: "error/<name>", "struct/<name>". */
    static struct CMUnitTest tests[N_FIXED + N_ERROR + N_STRUCT];
    static char names[N_ERROR + N_STRUCT][64];
    size_t n = 0;
    for (size_t i = 0; i < N_FIXED; i++)
        tests[n++] = fixed_tests[i];
    for (size_t i = 0; i < N_ERROR; i++, n++) {
        snprintf(names[i], sizeof names[i], "error/%s", error_cases[i].name);
        tests[n] =
            (struct CMUnitTest){ names[i], run_error_case, NULL, NULL, (void *)&error_cases[i] };
    }
    for (size_t i = 0; i < N_STRUCT; i++, n++) {
        snprintf(names[N_ERROR + i], sizeof names[0], "struct/%s", struct_cases[i].name);
        tests[n] = (struct CMUnitTest){ names[N_ERROR + i], run_struct_case, NULL, NULL,
                                        (void *)&struct_cases[i] };
    }
    return _cmocka_run_group_tests("bootinfo", tests, n, NULL, NULL);
}
