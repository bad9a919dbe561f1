/*
 * test_dtb_corpus.c - nx_bootinfo_parse() against a corpus of mutated DTBs.
 *
 * Two valid seed blobs (QEMU virt's own smp4 tree, and the simulator's
 * generated tree) are each mutated CORPUS_PER_INPUT times by the seeded
 * mutator (tests/support/dtb_mutator.h), every family the same number of
 * times. Each mutated blob is parsed from a buffer whose last byte abuts an
 * inaccessible page, so a read past the blob faults even inside libfdt (which
 * ASan does not instrument), and the result is checked:
 *   - refused: a real reason, a status that matches it, `bi` all zero bytes;
 *   - accepted: every documented invariant of nx_boot_info_t holds;
 *   - the mutator said "must reject" / "must accept": so it went, and with
 *     the reason (property, node) it predicted.
 * A failure message names the input, seed and index: nx_dtb_mutate() with the
 * same three rebuilds the exact blob.
 */
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootinfo_check.h"
#include "dtb_mutator.h"
#include "nx_test.h"
#include "nx/bootinfo.h"
#include "nxsim/sim.h"

/* Fixed seeds: the corpus is the same on every run and every machine. */
#define SEED_QEMU 0x4e58445442303031ull /* "NXDTB001" */
#define SEED_SIM  0x4e58445442303032ull /* "NXDTB002" */

/* Mutations per seed blob: 128 of each family, 4608 blobs in all (about a
 * second under ASan; 108000 blobs were run once while writing this, clean). */
#define CORPUS_PER_INPUT (128u * NX_DTB_MUT_FAMILY_COUNT)
/* Each family must have been exercised at least this often over the corpus. */
#define MIN_PER_FAMILY 200u
/* Every DETERMINISM_EVERY-th case is rebuilt and reparsed to prove both the
 * mutator and the parser are deterministic. */
#define DETERMINISM_EVERY 16u

struct family_stats {
    uint32_t count, rejected, accepted;
    uint32_t must_reject, must_accept;
};

static struct family_stats stats[NX_DTB_MUT_FAMILY_COUNT];
static uint32_t reason_counts[NX_DTB_REASON_COUNT];

/* Where a case comes from, for failure messages. */
struct origin {
    const char *input;
    uint64_t seed;
    uint32_t index;
    const nx_dtb_mutation_t *m;
};

#define CHECK(o, cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_case((o), #cond, __VA_ARGS__);                                                    \
    } while (0)

static void fail_case(const struct origin *o, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void fail_case(const struct origin *o, const char *cond, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    fail_msg("%s: %s\n  reproduce: input=%s seed=0x%llx index=%u family=%s (%s), %zu bytes", cond,
             why, o->input, (unsigned long long)o->seed, o->index,
             nx_dtb_mut_family_name(o->m->family), o->m->detail, o->m->size);
    abort(); /* not reached: fail_msg does not return */
}

static void check_region_list(const struct origin *o, const char *what, const nx_mem_range_t *r,
                              uint32_t count, uint32_t ignored, uint32_t cap)
{
    CHECK(o, count <= cap, "%s count %u over its bound %u", what, count, cap);
    CHECK(o, ignored == 0u || count == cap, "%s: %u ignored while only %u kept", what, ignored,
          count);
    for (uint32_t i = 0; i < count; i++)
        CHECK(o, nx_test_range_ok(r[i].base, r[i].size), "%s[%u] = 0x%llx+0x%llx", what, i,
              (unsigned long long)r[i].base, (unsigned long long)r[i].size);
}

static void check_device(const struct origin *o, const char *what, const nx_mmio_region_t *d)
{
    if (d->present)
        CHECK(o, nx_test_range_ok(d->base, d->size), "%s 0x%llx+0x%llx", what,
              (unsigned long long)d->base, (unsigned long long)d->size);
    else
        CHECK(o, d->base == 0u && d->size == 0u && d->irq == 0u, "absent %s has values", what);
}

/* Every documented property of an accepted blob's boot info. */
static void check_accepted(const struct origin *o, const nx_boot_info_t *bi, const nx_dtb_diag_t *d,
                           const uint8_t *blob)
{
    CHECK(o, d->reason == NX_DTB_OK && d->fdt_error == 0 && d->property == NULL,
          "success with diag reason %s, fdt_error %d", nx_dtb_reason_name(d->reason), d->fdt_error);
    CHECK(o, bi->dtb_size == fdt_totalsize(blob) && bi->dtb_size <= o->m->size,
          "dtb_size %u, header %u, buffer %zu", bi->dtb_size, fdt_totalsize(blob), o->m->size);

    CHECK(o, bi->hart_count >= 1u && bi->hart_count <= NX_MAX_HARTS, "hart_count %u",
          bi->hart_count);
    CHECK(o, bi->harts_ignored == 0u || bi->hart_count == NX_MAX_HARTS,
          "%u harts ignored with %u kept", bi->harts_ignored, bi->hart_count);
    for (uint32_t i = 0; i < bi->hart_count; i++) {
        const nx_hart_info_t *h = &bi->harts[i];
        for (uint32_t j = 0; j < i; j++)
            CHECK(o, bi->harts[j].hartid != h->hartid, "harts %u and %u share id 0x%llx", j, i,
                  (unsigned long long)h->hartid);
        CHECK(o, nx_bootinfo_hart_index(bi, h->hartid) == (int32_t)i, "hart_index(0x%llx) != %u",
              (unsigned long long)h->hartid, i);
        CHECK(o, h->plic_s_context >= -1 && h->plic_s_context < (int32_t)NX_BOOTINFO_MAX_PLIC_LINKS,
              "hart %u plic_s_context %d", i, h->plic_s_context);
    }
    for (uint32_t i = bi->hart_count; i < NX_MAX_HARTS; i++)
        CHECK(o, nx_test_all_zero(&bi->harts[i], sizeof bi->harts[i]), "unused harts[%u] not zero",
              i);
    CHECK(o, bi->timebase_hz > 0u, "timebase 0");

    CHECK(o, bi->mem_count >= 1u, "accepted without memory");
    check_region_list(o, "mem", bi->mem, bi->mem_count, bi->mem_ignored,
                      NX_BOOTINFO_MAX_MEM_REGIONS);
    check_region_list(o, "reserved", bi->reserved, bi->reserved_count, bi->reserved_ignored,
                      NX_BOOTINFO_MAX_RESERVED);

    check_device(o, "uart", &bi->uart);
    if (bi->uart.present)
        CHECK(o,
              bi->uart_reg_shift <= 4u &&
                  (bi->uart_reg_io_width == 1u || bi->uart_reg_io_width == 4u),
              "uart reg_shift %u reg_io_width %u", bi->uart_reg_shift, bi->uart_reg_io_width);
    check_device(o, "plic", &bi->plic);
    check_device(o, "test finisher", &bi->test_finisher);

    CHECK(o, bi->virtio_count <= NX_BOOTINFO_MAX_VIRTIO, "virtio_count %u", bi->virtio_count);
    CHECK(o, bi->virtio_ignored == 0u || bi->virtio_count == NX_BOOTINFO_MAX_VIRTIO,
          "%u virtio ignored with %u kept", bi->virtio_ignored, bi->virtio_count);
    for (uint32_t i = 0; i < bi->virtio_count; i++) {
        CHECK(o, bi->virtio[i].present, "virtio[%u] not present", i);
        check_device(o, "virtio", &bi->virtio[i]);
        CHECK(o, i == 0u || bi->virtio[i - 1u].base <= bi->virtio[i].base,
              "virtio not sorted at %u", i);
    }

    const char *nul = memchr(bi->bootargs, '\0', sizeof bi->bootargs);
    CHECK(o, nul != NULL, "bootargs not NUL-terminated");
    if (bi->bootargs_truncated)
        CHECK(o, strlen(bi->bootargs) == NX_BOOTINFO_MAX_BOOTARGS - 1u,
              "truncated bootargs of %zu chars", strlen(bi->bootargs));
}

static void check_refused(const struct origin *o, nx_status_t st, const nx_boot_info_t *bi,
                          const nx_dtb_diag_t *d)
{
    CHECK(o, d->reason > NX_DTB_NULL_ARGUMENT && d->reason < NX_DTB_REASON_COUNT,
          "refused (%d) with reason %d", (int)st, (int)d->reason);
    CHECK(o, st == nx_dtb_mut_expected_status(d->reason), "status %d does not go with reason %s",
          (int)st, nx_dtb_reason_name(d->reason));
    CHECK(o, nx_dtb_reason_text(d->reason)[0] != '\0', "empty reason text");
    CHECK(o, d->property == NULL || d->property[0] != '\0', "empty property name");
    CHECK(o, nx_test_all_zero(bi, sizeof *bi), "boot info not zeroed after a refusal (%s)",
          nx_dtb_reason_name(d->reason));
}

static void check_expectation(const struct origin *o, nx_status_t st, const nx_dtb_diag_t *d)
{
    const nx_dtb_mutation_t *m = o->m;
    if (m->expect == NX_DTB_EXPECT_ACCEPT)
        CHECK(o, st == NX_OK, "must parse, refused: %s (property %s, node %d)",
              nx_dtb_reason_name(d->reason), d->property ? d->property : "-", d->node_offset);
    if (m->expect != NX_DTB_EXPECT_REJECT)
        return;
    CHECK(o, st != NX_OK, "must be refused, was accepted");
    if (m->reason != NX_DTB_OK)
        CHECK(o, d->reason == m->reason, "reason %s, expected %s", nx_dtb_reason_name(d->reason),
              nx_dtb_reason_name(m->reason));
    if (m->property != NULL)
        CHECK(o, d->property != NULL && strcmp(d->property, m->property) == 0,
              "property %s, expected %s", d->property ? d->property : "NULL", m->property);
    if (m->node_offset != NX_DTB_MUT_ANY_NODE)
        CHECK(o, d->node_offset == m->node_offset, "node_offset %d, expected %d", d->node_offset,
              m->node_offset);
}

static nx_status_t parse_guarded(const void *blob, size_t size, nx_boot_info_t *bi,
                                 nx_dtb_diag_t *d)
{
    nx_guarded_t g = nx_guarded_alloc(blob, size);
    memset(bi, 0xa5, sizeof *bi); /* so "zeroed on failure" is a real check */
    memset(d, 0xa5, sizeof *d);
    nx_status_t st = nx_bootinfo_parse(g.data, g.len, NX_BOOTINFO_ANY_HART, bi, d);
    nx_guarded_free(&g);
    return st;
}

static void run_corpus(const char *input, const void *in, uint64_t seed)
{
    size_t cap = fdt_totalsize(in) + NX_DTB_MUT_SLACK;
    uint8_t *out = malloc(cap);
    uint8_t *again = malloc(cap);
    assert_non_null(out);
    assert_non_null(again);
    for (uint32_t index = 0; index < CORPUS_PER_INPUT; index++) {
        nx_dtb_mutation_t m;
        nx_dtb_mutate(in, seed, index, out, cap, &m);
        struct origin o = { input, seed, index, &m };
        nx_boot_info_t bi;
        nx_dtb_diag_t d;
        nx_status_t st = parse_guarded(out, m.size, &bi, &d);
        if (st == NX_OK)
            check_accepted(&o, &bi, &d, out);
        else
            check_refused(&o, st, &bi, &d);
        check_expectation(&o, st, &d);

        if (index % DETERMINISM_EVERY == 0u) {
            nx_dtb_mutation_t m2;
            nx_dtb_mutate(in, seed, index, again, cap, &m2);
            CHECK(&o, m2.size == m.size && memcmp(again, out, m.size) == 0,
                  "mutator not deterministic");
            nx_boot_info_t bi2;
            nx_dtb_diag_t d2;
            nx_status_t st2 = parse_guarded(again, m2.size, &bi2, &d2);
            CHECK(&o, st2 == st && memcmp(&bi2, &bi, sizeof bi) == 0 && d2.reason == d.reason,
                  "parser not deterministic");
        }

        struct family_stats *f = &stats[m.family];
        f->count++;
        if (st == NX_OK)
            f->accepted++;
        else
            f->rejected++;
        f->must_reject += m.expect == NX_DTB_EXPECT_REJECT;
        f->must_accept += m.expect == NX_DTB_EXPECT_ACCEPT;
        reason_counts[d.reason]++;
    }
    free(again);
    free(out);
}

static void test_corpus_qemu_smp4(void **state)
{
    (void)state;
    size_t file_size = 0;
    uint8_t *file = nx_test_read_file(nx_test_data_path("qemu-virt-smp4-128M.dtb"), &file_size);
    assert_int_equal(fdt_check_header(file), 0);
    /* QEMU pads the dump to 1 MiB: the tree is only its totalsize bytes. */
    uint32_t total = fdt_totalsize(file);
    assert_true(total <= file_size);
    uint8_t *tree = malloc(total);
    assert_non_null(tree);
    memcpy(tree, file, total);
    free(file);
    run_corpus("qemu-virt-smp4-128M.dtb", tree, SEED_QEMU);
    free(tree);
}

static void test_corpus_sim(void **state)
{
    (void)state;
    static uint8_t tree[NX_SIM_DTB_BYTES] __attribute__((aligned(8)));
    size_t size = 0;
    assert_int_equal(
        nx_sim_dtb_build(tree, sizeof tree, 4, 256ull << 20, "console=ttyS0 nx.corpus=1", &size),
        NX_OK);
    run_corpus("nx_sim_dtb_build(4 harts, 256 MiB)", tree, SEED_SIM);
}

/* Runs last: every family was exercised, one summary line each. */
static void test_corpus_summary(void **state)
{
    (void)state;
    uint32_t total = 0;
    for (uint32_t f = 0; f < NX_DTB_MUT_FAMILY_COUNT; f++) {
        const struct family_stats *s = &stats[f];
        print_message("[ corpus   ] %-17s %4u cases: %4u rejected, %4u accepted"
                      " (must reject %u, must accept %u)\n",
                      nx_dtb_mut_family_name((nx_dtb_mut_family_t)f), s->count, s->rejected,
                      s->accepted, s->must_reject, s->must_accept);
        total += s->count;
    }
    for (uint32_t r = 0; r < NX_DTB_REASON_COUNT; r++)
        if (reason_counts[r] != 0u)
            print_message("[ corpus   ] reason %-15s %4u\n", nx_dtb_reason_name((nx_dtb_reason_t)r),
                          reason_counts[r]);
    print_message("[ corpus   ] %u mutated blobs (seeds 0x%llx, 0x%llx)\n", total,
                  (unsigned long long)SEED_QEMU, (unsigned long long)SEED_SIM);
    assert_int_equal(total, 2u * CORPUS_PER_INPUT);
    for (uint32_t f = 0; f < NX_DTB_MUT_FAMILY_COUNT; f++) {
        const struct family_stats *s = &stats[f];
        if (s->count < MIN_PER_FAMILY)
            fail_msg("family %s exercised %u times (< %u)",
                     nx_dtb_mut_family_name((nx_dtb_mut_family_t)f), s->count, MIN_PER_FAMILY);
    }
    /* The corpus reaches acceptance and every refusal reason a blob alone
     * can cause (not NULL_ARGUMENT, not NO_BOOT_HART: it parses with
     * NX_BOOTINFO_ANY_HART). */
    assert_true(reason_counts[NX_DTB_OK] > 0u);
    for (nx_dtb_reason_t r = NX_DTB_TRUNCATED; r <= NX_DTB_NO_MEMORY; r++)
        if (reason_counts[r] == 0u)
            fail_msg("no corpus blob was refused as %s", nx_dtb_reason_name(r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_qemu_smp4),
        cmocka_unit_test(test_corpus_sim),
        cmocka_unit_test(test_corpus_summary),
    };
    return cmocka_run_group_tests_name("dtb_corpus", tests, NULL, NULL);
}
