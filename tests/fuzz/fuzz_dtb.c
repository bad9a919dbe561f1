/*
 * fuzz_dtb.c - libFuzzer target: nx_bootinfo_parse(), the device tree
 * parser (core/boot/bootinfo.c, dtb_check.c).
 *
 * The input is the blob. It is parsed from a buffer whose end abuts an
 * inaccessible page: libfdt is Debian's uninstrumented library, so a read
 * past the blob inside it would escape ASan; here it faults. Then:
 *   - refused: a valid reason with a name, the status that reason maps
 *     to, a sane diagnosis, the boot info all zero bytes;
 *   - accepted: every bound nx/bootinfo.h promises (harts, memory, reserved
 *     ranges, devices, bootargs), nothing filled past a count, and the same
 *     result from a buffer cut to the header's totalsize, a refusal from
 *     one a byte shorter, and an accepted boot hart when one is asked for.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bootinfo_check.h"
#include "fuzz_target.h"
#include "nx/bootinfo.h"

/* Room for the largest blob the parser accepts, plus the guard page. */
#define ARENA_BYTES ((size_t)NX_BOOTINFO_MAX_DTB_BYTES + 4096u)

static unsigned char *arena; /* ARENA_BYTES usable, then PROT_NONE */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t usable = (ARENA_BYTES + page - 1u) / page * page;
    unsigned char *map =
        mmap(NULL, usable + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(map + usable, page, PROT_NONE) != 0) {
        perror("fuzz_dtb: guard page");
        abort();
    }
    arena = map + usable - ARENA_BYTES;
    return 0;
}

/* The input copied so that its last byte (rounded up to 8: libfdt wants
 * the blob 8-byte aligned) is the arena's last; the few bytes of rounding
 * are zeroed so every run sees the same. */
static const unsigned char *place(const uint8_t *data, size_t size)
{
    size_t room = (size + 7u) & ~(size_t)7u;
    unsigned char *blob = arena + ARENA_BYTES - room;
    memcpy(blob, data, size);
    memset(blob + size, 0, room - size);
    return blob;
}

static bool ranges_overlap(const nx_mem_range_t *a, const nx_mem_range_t *b)
{
    return a->base <= b->base + (b->size - 1u) && b->base <= a->base + (a->size - 1u);
}

static void check_region(const nx_mmio_region_t *r, const char *what)
{
    if (!r->present) {
        FUZZ_CHECK(nx_test_all_zero(r, sizeof *r), "%s absent but filled in", what);
        return;
    }
    FUZZ_CHECK(nx_test_range_ok(r->base, r->size), "%s at %#llx size %#llx", what,
               (unsigned long long)r->base, (unsigned long long)r->size);
}

/* Field by field: struct copies inside the parser carry padding bytes. */
static bool same_region(const nx_mmio_region_t *a, const nx_mmio_region_t *b)
{
    return a->present == b->present && a->base == b->base && a->size == b->size && a->irq == b->irq;
}

static bool same_ranges(const nx_mem_range_t *a, const nx_mem_range_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].base != b[i].base || a[i].size != b[i].size)
            return false;
    return true;
}

static bool same_boot_info(const nx_boot_info_t *a, const nx_boot_info_t *b)
{
    if (a->dtb_size != b->dtb_size || a->hart_count != b->hart_count ||
        a->harts_ignored != b->harts_ignored || a->timebase_hz != b->timebase_hz ||
        a->mem_count != b->mem_count || a->mem_ignored != b->mem_ignored ||
        a->reserved_count != b->reserved_count || a->reserved_ignored != b->reserved_ignored ||
        a->uart_clock_hz != b->uart_clock_hz || a->uart_reg_shift != b->uart_reg_shift ||
        a->uart_reg_io_width != b->uart_reg_io_width || a->plic_ndev != b->plic_ndev ||
        a->virtio_count != b->virtio_count || a->virtio_ignored != b->virtio_ignored ||
        a->bootargs_truncated != b->bootargs_truncated ||
        memcmp(a->bootargs, b->bootargs, sizeof a->bootargs) != 0)
        return false;
    for (uint32_t i = 0; i < a->hart_count; i++) {
        const nx_hart_info_t *x = &a->harts[i], *y = &b->harts[i];
        if (x->hartid != y->hartid || x->intc_phandle != y->intc_phandle ||
            x->plic_s_context != y->plic_s_context || x->has_sstc != y->has_sstc)
            return false;
    }
    for (uint32_t i = 0; i < a->virtio_count; i++)
        if (!same_region(&a->virtio[i], &b->virtio[i]))
            return false;
    return same_ranges(a->mem, b->mem, a->mem_count) &&
           same_ranges(a->reserved, b->reserved, a->reserved_count) &&
           same_region(&a->uart, &b->uart) && same_region(&a->plic, &b->plic) &&
           same_region(&a->test_finisher, &b->test_finisher);
}

static bool same_diag(const nx_dtb_diag_t *a, const nx_dtb_diag_t *b)
{
    return a->reason == b->reason && a->fdt_error == b->fdt_error &&
           a->node_offset == b->node_offset && a->property == b->property;
}

static void check_refused(nx_status_t st, const nx_boot_info_t *bi, const nx_dtb_diag_t *diag,
                          size_t size)
{
    nx_dtb_reason_t reason = diag->reason;
    FUZZ_CHECK(reason > NX_DTB_OK && reason < NX_DTB_REASON_COUNT, "reason %d", (int)reason);
    /* Nothing here is NULL: that reason belongs to the caller's mistakes. */
    FUZZ_CHECK(reason != NX_DTB_NULL_ARGUMENT, "null-argument for a real buffer");
    FUZZ_CHECK(nx_dtb_reason_status(reason) == st, "status %d for reason %s", (int)st,
               nx_dtb_reason_name(reason));
    const char *name = nx_dtb_reason_name(reason);
    FUZZ_CHECK(name != NULL && strcmp(name, "unknown") != 0, "reason %d has no name", (int)reason);
    FUZZ_CHECK(nx_dtb_reason_text(reason) != NULL, "reason %s has no text", name);
    FUZZ_CHECK(diag->fdt_error <= 0 && diag->fdt_error >= -FDT_ERR_MAX, "fdt_error %d",
               (int)diag->fdt_error);
    FUZZ_CHECK(diag->node_offset >= -1 && (size_t)(diag->node_offset + 1) <= size,
               "node offset %d in a %zu-byte blob", (int)diag->node_offset, size);
    FUZZ_CHECK(diag->property == NULL || strlen(diag->property) < 64u, "property name");
    FUZZ_CHECK(nx_test_all_zero(bi, sizeof *bi), "refused (%s) but the boot info is not zeroed",
               name);
}

static void check_accepted(const nx_boot_info_t *bi, const nx_dtb_diag_t *diag, size_t size,
                           uint64_t boot_hartid)
{
    FUZZ_CHECK(diag->reason == NX_DTB_OK && diag->fdt_error == 0 && diag->node_offset == -1 &&
                   diag->property == NULL,
               "accepted with a diagnosis (%s)", nx_dtb_reason_name(diag->reason));
    FUZZ_CHECK(bi->dtb_size >= sizeof(struct fdt_header) && bi->dtb_size <= size &&
                   bi->dtb_size <= NX_BOOTINFO_MAX_DTB_BYTES,
               "dtb_size %u of a %zu-byte buffer", bi->dtb_size, size);

    /* Harts: 1..NX_MAX_HARTS, distinct, the boot hart among them. */
    FUZZ_CHECK(bi->hart_count >= 1u && bi->hart_count <= NX_MAX_HARTS, "%u harts", bi->hart_count);
    FUZZ_CHECK(bi->harts_ignored == 0u || bi->hart_count == NX_MAX_HARTS,
               "%u harts ignored with %u kept", bi->harts_ignored, bi->hart_count);
    bool boot_kept = boot_hartid == NX_BOOTINFO_ANY_HART;
    for (uint32_t i = 0; i < bi->hart_count; i++) {
        const nx_hart_info_t *h = &bi->harts[i];
        boot_kept |= h->hartid == boot_hartid;
        FUZZ_CHECK(h->plic_s_context >= -1 &&
                       h->plic_s_context < (int32_t)NX_BOOTINFO_MAX_PLIC_LINKS,
                   "hart %u: PLIC context %d", i, (int)h->plic_s_context);
        FUZZ_CHECK(bi->plic.present || h->plic_s_context == -1, "hart %u: a context, no PLIC", i);
        for (uint32_t j = i + 1u; j < bi->hart_count; j++)
            FUZZ_CHECK(bi->harts[j].hartid != h->hartid, "harts %u and %u: both id %#llx", i, j,
                       (unsigned long long)h->hartid);
        FUZZ_CHECK(nx_bootinfo_hart_index(bi, h->hartid) == (int32_t)i, "hart index of %u", i);
    }
    FUZZ_CHECK(boot_kept, "boot hart %#llx not kept", (unsigned long long)boot_hartid);
    FUZZ_CHECK(nx_test_all_zero(&bi->harts[bi->hart_count],
                                sizeof bi->harts[0] * (NX_MAX_HARTS - bi->hart_count)),
               "hart slots past %u filled in", bi->hart_count);
    FUZZ_CHECK(bi->timebase_hz >= 1u && bi->timebase_hz <= UINT32_MAX, "timebase %llu Hz",
               (unsigned long long)bi->timebase_hz);

    /* Memory: 1..NX_BOOTINFO_MAX_MEM_REGIONS ranges, none wraps, no two overlap. */
    FUZZ_CHECK(bi->mem_count >= 1u && bi->mem_count <= NX_BOOTINFO_MAX_MEM_REGIONS,
               "%u memory ranges", bi->mem_count);
    FUZZ_CHECK(bi->mem_ignored == 0u || bi->mem_count == NX_BOOTINFO_MAX_MEM_REGIONS,
               "memory ranges ignored with room left");
    for (uint32_t i = 0; i < bi->mem_count; i++) {
        FUZZ_CHECK(nx_test_range_ok(bi->mem[i].base, bi->mem[i].size),
                   "memory %u: %#llx size %#llx", i, (unsigned long long)bi->mem[i].base,
                   (unsigned long long)bi->mem[i].size);
        for (uint32_t j = i + 1u; j < bi->mem_count; j++)
            FUZZ_CHECK(!ranges_overlap(&bi->mem[i], &bi->mem[j]), "memory %u and %u overlap", i, j);
    }
    FUZZ_CHECK(nx_test_all_zero(&bi->mem[bi->mem_count],
                                sizeof bi->mem[0] * (NX_BOOTINFO_MAX_MEM_REGIONS - bi->mem_count)),
               "memory slots past %u filled in", bi->mem_count);

    /* Reserved ranges may overlap anything, but none is empty or wraps. */
    FUZZ_CHECK(bi->reserved_count <= NX_BOOTINFO_MAX_RESERVED, "%u reserved", bi->reserved_count);
    FUZZ_CHECK(bi->reserved_ignored == 0u || bi->reserved_count == NX_BOOTINFO_MAX_RESERVED,
               "reserved ranges ignored with room left");
    for (uint32_t i = 0; i < bi->reserved_count; i++)
        FUZZ_CHECK(nx_test_range_ok(bi->reserved[i].base, bi->reserved[i].size), "reserved %u", i);
    FUZZ_CHECK(
        nx_test_all_zero(&bi->reserved[bi->reserved_count],
                         sizeof bi->reserved[0] * (NX_BOOTINFO_MAX_RESERVED - bi->reserved_count)),
        "reserved slots past %u filled in", bi->reserved_count);

    /* The console: 8 registers at a stride of 1 << shift, accessed width bytes at a time. */
    check_region(&bi->uart, "uart");
    if (bi->uart.present) {
        FUZZ_CHECK(bi->uart_reg_shift <= 4u, "reg-shift %u", bi->uart_reg_shift);
        FUZZ_CHECK(bi->uart_reg_io_width == 1u || bi->uart_reg_io_width == 4u, "reg-io-width %u",
                   bi->uart_reg_io_width);
        FUZZ_CHECK((1u << bi->uart_reg_shift) >= bi->uart_reg_io_width, "accesses overlap");
        FUZZ_CHECK(bi->uart.size >= (8ull << bi->uart_reg_shift), "uart of %llu bytes",
                   (unsigned long long)bi->uart.size);
    } else {
        FUZZ_CHECK(bi->uart_clock_hz == 0u && bi->uart_reg_shift == 0u &&
                       bi->uart_reg_io_width == 0u,
                   "uart settings without a uart");
    }
    check_region(&bi->plic, "plic");
    FUZZ_CHECK(bi->plic.present || bi->plic_ndev == 0u, "riscv,ndev without a PLIC");
    check_region(&bi->test_finisher, "test finisher");
    FUZZ_CHECK(!bi->test_finisher.present || bi->test_finisher.size >= 4u, "test finisher size");

    /* virtio slots: kept ones present and sorted by base. */
    FUZZ_CHECK(bi->virtio_count <= NX_BOOTINFO_MAX_VIRTIO, "%u virtio", bi->virtio_count);
    FUZZ_CHECK(bi->virtio_ignored == 0u || bi->virtio_count == NX_BOOTINFO_MAX_VIRTIO,
               "virtio slots ignored with room left");
    for (uint32_t i = 0; i < bi->virtio_count; i++) {
        FUZZ_CHECK(bi->virtio[i].present, "virtio %u not present", i);
        check_region(&bi->virtio[i], "virtio");
        FUZZ_CHECK(i == 0u || bi->virtio[i - 1u].base <= bi->virtio[i].base, "virtio unsorted");
    }
    FUZZ_CHECK(nx_test_all_zero(&bi->virtio[bi->virtio_count],
                                sizeof bi->virtio[0] * (NX_BOOTINFO_MAX_VIRTIO - bi->virtio_count)),
               "virtio slots past %u filled in", bi->virtio_count);

    /* bootargs: NUL-terminated, zeros after, cut only at the bound. */
    const char *end = memchr(bi->bootargs, '\0', sizeof bi->bootargs);
    FUZZ_CHECK(end != NULL, "bootargs not terminated");
    size_t len = (size_t)(end - bi->bootargs);
    FUZZ_CHECK(nx_test_all_zero(end, sizeof bi->bootargs - len), "bytes after the bootargs");
    FUZZ_CHECK(!bi->bootargs_truncated || len == NX_BOOTINFO_MAX_BOOTARGS - 1u,
               "bootargs cut at %zu", len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ARENA_BYTES)
        return -1; /* past any totalsize the parser takes: not worth keeping */
    const unsigned char *blob = place(data, size);
    nx_boot_info_t bi, again;
    nx_dtb_diag_t diag, diag_again;
    nx_status_t st = nx_bootinfo_parse(blob, size, NX_BOOTINFO_ANY_HART, &bi, &diag);
    if (st != NX_OK) {
        FUZZ_SAY("fuzz_dtb: refused: %s (%s), node %d, property %s, libfdt %d\n",
                 nx_dtb_reason_name(diag.reason), nx_status_name(st), (int)diag.node_offset,
                 diag.property != NULL ? diag.property : "-", (int)diag.fdt_error);
        check_refused(st, &bi, &diag, size);
        /* Deterministic: the same refusal, for the same reason, at the same place. */
        nx_status_t st2 = nx_bootinfo_parse(blob, size, NX_BOOTINFO_ANY_HART, &again, &diag_again);
        FUZZ_CHECK(st2 == st && same_diag(&diag, &diag_again), "a second parse: %s, then %s",
                   nx_dtb_reason_name(diag.reason), nx_dtb_reason_name(diag_again.reason));
        return 0;
    }
    FUZZ_SAY("fuzz_dtb: accepted: %u harts (+%u), %u memory ranges, %u reserved, %u virtio, "
             "uart %s, bootargs '%s'\n",
             bi.hart_count, bi.harts_ignored, bi.mem_count, bi.reserved_count, bi.virtio_count,
             bi.uart.present ? "yes" : "no", bi.bootargs);
    check_accepted(&bi, &diag, size, NX_BOOTINFO_ANY_HART);

    /* Bytes past totalsize are not the blob's: cut there, the same result. */
    uint32_t total = bi.dtb_size;
    blob = place(data, total);
    st = nx_bootinfo_parse(blob, total, NX_BOOTINFO_ANY_HART, &again, &diag_again);
    FUZZ_CHECK(st == NX_OK && same_boot_info(&bi, &again),
               "cut to totalsize %u: %s, or another result", total,
               nx_dtb_reason_name(diag_again.reason));
    /* One byte short of totalsize: truncated. */
    st = nx_bootinfo_parse(blob, total - 1u, NX_BOOTINFO_ANY_HART, &again, &diag_again);
    FUZZ_CHECK(st != NX_OK && diag_again.reason == NX_DTB_TRUNCATED,
               "a byte short of totalsize: %s", nx_dtb_reason_name(diag_again.reason));

    /* Booting on one of its harts (the last kept) is accepted, and that
     * hart is kept. */
    uint64_t boot = bi.harts[bi.hart_count - 1u].hartid;
    blob = place(data, size);
    st = nx_bootinfo_parse(blob, size, boot, &again, &diag_again);
    FUZZ_CHECK(st == NX_OK, "boot hart %#llx refused: %s", (unsigned long long)boot,
               nx_dtb_reason_name(diag_again.reason));
    check_accepted(&again, &diag_again, size, boot);
    FUZZ_CHECK(again.hart_count == bi.hart_count && again.harts_ignored == bi.harts_ignored,
               "boot hart given: %u+%u harts, else %u+%u", again.hart_count, again.harts_ignored,
               bi.hart_count, bi.harts_ignored);
    return 0;
}
