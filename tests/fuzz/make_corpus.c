/*
 * make_corpus.c - writes the binary seed corpora of the libFuzzer targets
 * (tests/fuzz/corpus/{dtb,elf,recording}); the scenario corpus is text,
 * kept by hand.
 *
 *   fuzz_make_corpus SOURCE_DIR OUT_DIR [QEMU_DTB...]
 *
 * Seeds are small (every file well under 8 KiB), valid or one step from
 * valid, each a shape the parser must handle: the simulator's device tree
 * for 1, 4 and 12 harts (12: past NX_MAX_HARTS), QEMU virt's own trees
 * (packed, when dumps are given: qemu-system-riscv64 -machine
 * virt,dumpdtb=F), trees with reservations, aliases and a few defects;
 * ELF images built field by field; a recording cut from a golden one
 * (SOURCE_DIR/tests/scenario/boot.rec) and two written from nothing.
 * Deterministic: the same sources write the same bytes.
 */
#define _POSIX_C_SOURCE 200809L

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_image.h"
#include "nxsim/record.h"
#include "nxsim/sim.h"

#define MAX_SEED_BYTES (8u * 1024u)

static const char *out_dir;
static int failures;

static void write_file(const char *kind, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, kind, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_make_corpus: cannot write %s\n", path);
        failures++;
        return;
    }
    if (len >= MAX_SEED_BYTES) {
        fprintf(stderr, "fuzz_make_corpus: %s is %zu bytes, over the %u a seed may have\n", path,
                len, MAX_SEED_BYTES);
        failures++;
    }
    printf("%s (%zu bytes)\n", path, len);
}

/* --- device trees ----------------------------------------------------------- */

static unsigned char tree[64 * 1024] __attribute__((aligned(8)));

static void sim_tree(uint32_t harts, const char *bootargs)
{
    size_t size = 0;
    if (nx_sim_dtb_build(tree, sizeof tree, harts, NX_SIM_DEFAULT_MEMORY, bootargs, &size) !=
        NX_OK) {
        fprintf(stderr, "fuzz_make_corpus: nx_sim_dtb_build failed\n");
        exit(1);
    }
}

/* The tree in `tree`, opened for edits, then packed and written. */
static void write_tree(const char *name)
{
    int err = fdt_pack(tree);
    if (err != 0) {
        fprintf(stderr, "fuzz_make_corpus: %s: %s\n", name, fdt_strerror(err));
        failures++;
        return;
    }
    write_file("dtb", name, tree, fdt_totalsize(tree));
}

static void edit(int err, const char *name)
{
    if (err < 0) {
        fprintf(stderr, "fuzz_make_corpus: editing %s: %s\n", name, fdt_strerror(err));
        exit(1);
    }
}

static void open_tree(void)
{
    edit(fdt_open_into(tree, tree, sizeof tree), "the tree");
}

static void dtb_seeds(int qemu_count, char **qemu_dtbs)
{
    sim_tree(1, NULL);
    write_tree("sim-1-hart.dtb");
    sim_tree(4, "console=ttyS0 nexus.selftest");
    write_tree("sim-4-harts-bootargs.dtb");
    sim_tree(12, NULL);
    write_tree("sim-12-harts.dtb");

    /* Reservations (header block and /reserved-memory), an alias for the
     * console, a second memory node: all accepted. */
    sim_tree(2, NULL);
    open_tree();
    edit(fdt_add_mem_rsv(tree, 0x80000000ull, 0x200000ull), "rsv");
    edit(fdt_add_mem_rsv(tree, 0x87000000ull, 0x1000ull), "rsv");
    int rm = fdt_add_subnode(tree, 0, "reserved-memory");
    edit(rm, "reserved-memory");
    edit(fdt_setprop_u32(tree, rm, "#address-cells", 2), "rm");
    edit(fdt_setprop_u32(tree, rm, "#size-cells", 2), "rm");
    edit(fdt_setprop(tree, rm, "ranges", NULL, 0), "rm");
    int fw = fdt_add_subnode(tree, rm, "firmware@80000000");
    edit(fw, "firmware");
    edit(fdt_setprop_u64(tree, fw, "reg", 0x80000000ull), "fw reg");
    edit(fdt_appendprop_u64(tree, fw, "reg", 0x40000ull), "fw reg");
    int aliases = fdt_add_subnode(tree, 0, "aliases");
    edit(aliases, "aliases");
    edit(fdt_setprop_string(tree, aliases, "serial0", "/soc/serial@10000000"), "alias");
    int chosen = fdt_path_offset(tree, "/chosen");
    edit(chosen, "chosen");
    edit(fdt_setprop_string(tree, chosen, "stdout-path", "serial0:115200n8"), "stdout-path");
    int mem = fdt_add_subnode(tree, 0, "memory@100000000");
    edit(mem, "memory");
    edit(fdt_setprop_string(tree, mem, "device_type", "memory"), "memory");
    edit(fdt_setprop_u64(tree, mem, "reg", 0x100000000ull), "memory reg");
    edit(fdt_appendprop_u64(tree, mem, "reg", 0x10000000ull), "memory reg");
    write_tree("sim-2-harts-reserved-aliases.dtb");

    /* One step from valid: each must be refused. */
    sim_tree(2, NULL);
    open_tree();
    edit(fdt_setprop_u32(tree, fdt_path_offset(tree, "/cpus/cpu@1"), "reg", 0), "cpu reg");
    write_tree("bad-duplicate-hart.dtb");
    sim_tree(1, NULL);
    open_tree();
    edit(fdt_del_node(tree, fdt_path_offset(tree, "/memory@80000000")), "memory");
    write_tree("bad-no-memory.dtb");
    sim_tree(1, NULL);
    open_tree();
    edit(fdt_setprop_u32(tree, fdt_path_offset(tree, "/soc"), "#address-cells", 5), "cells");
    write_tree("bad-cells.dtb");
    sim_tree(1, NULL);
    open_tree();
    int m2 = fdt_add_subnode(tree, 0, "memory@90000000");
    edit(m2, "memory");
    edit(fdt_setprop_string(tree, m2, "device_type", "memory"), "memory");
    edit(fdt_setprop_u64(tree, m2, "reg", 0x84000000ull), "memory reg");
    edit(fdt_appendprop_u64(tree, m2, "reg", 0x1000ull), "memory reg");
    write_tree("bad-overlapping-memory.dtb");
    sim_tree(1, NULL);
    fdt_set_totalsize(tree, fdt_totalsize(tree) + 64u); /* past the buffer written */
    write_file("dtb", "bad-truncated.dtb", tree, fdt_totalsize(tree) - 64u);

    /* QEMU's own, packed (the dumps are 1 MiB of mostly padding). */
    for (int i = 0; i < qemu_count; i++) {
        FILE *f = fopen(qemu_dtbs[i], "rb");
        size_t n = f != NULL ? fread(tree, 1, sizeof tree, f) : 0u;
        if (f != NULL)
            fclose(f);
        if (n < sizeof(struct fdt_header) || fdt_check_header(tree) != 0) {
            fprintf(stderr, "fuzz_make_corpus: %s is not a device tree\n", qemu_dtbs[i]);
            failures++;
            continue;
        }
        const char *base = strrchr(qemu_dtbs[i], '/');
        write_tree(base != NULL ? base + 1 : qemu_dtbs[i]);
    }
}

/* --- ELF images ------------------------------------------------------------- */

#define USER_BASE 0x1000000000ull /* the user range's start on both ports */
#define PAGE      4096u

static unsigned char img[2 * PAGE + 64];

static void put16(size_t off, uint16_t v)
{
    nx_test_elf_put16(img, off, v);
}
static void put64(size_t off, uint64_t v)
{
    nx_test_elf_put64(img, off, v);
}

static void header(uint64_t entry, uint16_t phnum)
{
    nx_test_elf_header(img, sizeof img, entry, phnum);
}

static void phdr(uint32_t i, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
                 uint64_t filesz, uint64_t memsz)
{
    nx_test_elf_phdr(img, i, type, flags, off, va, filesz, memsz, PAGE);
}

/* One R+X segment from offset 0 (the headers and a few instructions, as
 * linkers lay out the first segment), `phnum` headers in all. */
static size_t tiny(uint32_t flags, uint16_t phnum)
{
    size_t code = 64u + 56u * phnum;
    header(USER_BASE + code, phnum);
    phdr(0, 1, flags, 0, USER_BASE, code + 16u, code + 16u);
    memset(img + code, 0x13, 16); /* RISC-V nops */
    return code + 16u;
}

static void elf_seeds(void)
{
    write_file("elf", "tiny.elf", img, tiny(5, 1));
    write_file("elf", "execute-only.elf", img, tiny(1, 1));

    /* Text from offset 0, data a page further with bss after it, a note, an
     * empty PT_LOAD (linkers emit them; skipped). */
    size_t code = 64u + 56u * 4u;
    header(USER_BASE + code, 4);
    phdr(0, 1, 5, 0, USER_BASE, code + 16u, code + 16u);
    phdr(1, 1, 6, PAGE, USER_BASE + 2u * PAGE, 32, 3u * PAGE);
    phdr(2, 4, 4, code, 0, 16, 16);
    phdr(3, 1, 6, 0, USER_BASE + 8u * PAGE, 0, 0);
    memset(img + code, 0x13, 16);
    memcpy(img + PAGE, "initialised data, thirty-two b.", 32);
    write_file("elf", "text-data-bss.elf", img, PAGE + 32u);

    /* One step from valid: each must be refused. */
    size_t n = tiny(7, 1);
    write_file("elf", "bad-write-exec.elf", img, n);
    n = tiny(5, 1);
    put64(24, USER_BASE + 2u * PAGE);
    write_file("elf", "bad-entry.elf", img, n);
    n = tiny(5, 1);
    put16(18, 62); /* EM_X86_64 */
    write_file("elf", "bad-machine.elf", img, n);
    n = tiny(5, 2);
    phdr(1, 1, 4, 0, USER_BASE + 0x800u, 16, 16); /* unaligned and overlapping */
    write_file("elf", "bad-unaligned.elf", img, n);
    n = tiny(5, 2);
    phdr(1, 1, 4, 0, USER_BASE, 16, PAGE); /* the same page twice */
    write_file("elf", "bad-overlap.elf", img, n);
    n = tiny(5, 1);
    put64(64 + 32, n + 1u); /* file bytes past the image */
    write_file("elf", "bad-outside.elf", img, n);
}

/* --- recordings ------------------------------------------------------------- */

static void write_recording(const char *name, const nx_recording_t *rec)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL || nx_recording_write(rec, f) != 0 || fclose(f) != 0) {
        fprintf(stderr, "fuzz_make_corpus: cannot write the recording %s\n", name);
        exit(1);
    }
    write_file("recording", name, text, len);
    free(text);
}

static void recording_seeds(const char *source_dir)
{
    /* The golden boot recording's first events: every line kind, in a
     * few hundred bytes (no longer replayable, still well formed). */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/scenario/boot.rec", source_dir);
    FILE *f = fopen(path, "r");
    nx_recording_t rec;
    char why[200] = "";
    if (f == NULL || nx_recording_read(f, &rec, why, sizeof why) != NX_OK) {
        fprintf(stderr, "fuzz_make_corpus: cannot read %s: %s\n", path, why);
        exit(1);
    }
    fclose(f);
    if (rec.count > 48u)
        rec.count = 48u;
    snprintf(rec.scenario_name, sizeof rec.scenario_name, "tests/scenario/boot.nxs");
    write_recording("boot-cut.rec", &rec);
    nx_recording_free(&rec);

    /* From nothing: empty, and one event of each tag with every word count. */
    nx_recording_init(&rec);
    rec.harts = 1;
    write_recording("empty.rec", &rec);
    static const char scenario[] = "nexus-scenario 1\nmachine harts=2 seed=7\n";
    if (nx_recording_set_scenario(&rec, "tiny.nxs", scenario, sizeof scenario - 1u) != NX_OK)
        exit(1);
    rec.harts = 2;
    rec.seed = 7;
    for (uint32_t tag = NX_SIM_EV_SEED; tag <= NX_SIM_EV_INJECT; tag++) {
        nx_sim_event_t ev = { .tag = tag, .n = tag % (NX_SIM_EVENT_WORDS + 1u) };
        for (uint32_t w = 0; w < ev.n; w++)
            ev.w[w] = (uint64_t)tag << (8u * w);
        nx_recording_tap(&ev, &rec);
    }
    rec.digest = 0x0123456789abcdefull;
    rec.end_time_ns = 123456;
    write_recording("every-tag.rec", &rec);
    nx_recording_free(&rec);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s SOURCE_DIR OUT_DIR [QEMU_DTB...]\n", argv[0]);
        return 2;
    }
    out_dir = argv[2];
    dtb_seeds(argc - 3, argv + 3);
    elf_seeds();
    recording_seeds(argv[1]);
    return failures == 0 ? 0 : 1;
}
