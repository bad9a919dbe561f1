/*
 * dtb_mutator.h - deterministic, seeded mutations of a valid device tree blob.
 *
 * Used by tests/unit/test_dtb_corpus.c (and handy for targeted tests) to feed
 * nx_bootinfo_parse() blobs damaged the ways a tampered or buggy firmware
 * could damage them (seed TASK-0244). Each mutation is a pure function of
 * (input blob, seed, index):
 *
 *   - the family is index % NX_DTB_MUT_FAMILY_COUNT, so a corpus of
 *     k * NX_DTB_MUT_FAMILY_COUNT mutations exercises every family k times;
 *   - every random choice comes from nx_prng (sim/include/nxsim/prng.h)
 *     seeded with nx_dtb_mut_stream_seed(seed, index); never host randomness
 *     or time. Printing (seed, index) on a failure is enough to rebuild the
 *     exact blob with nx_dtb_mutate().
 *
 * Families (stable names, printed in corpus summaries):
 *   truncate          cut the blob at a random length, keeping or fixing the
 *                     header's totalsize                          reject
 *   header-magic      magic replaced (byte-swapped, sequential-write magic,
 *                     0, random)                                  reject
 *   header-totalsize  totalsize tiny, huge, just over the buffer, below the
 *                     end of a block (reject); grown with padding (accept)
 *   header-offsets    off_dt_struct / off_dt_strings / off_mem_rsvmap out of
 *                     bounds, inside the header, misaligned (reject), or
 *                     overlapping another block / random (may parse)
 *   header-sizes      size_dt_struct / size_dt_strings huge, unaligned, cut
 *                     below the data in use (reject); struct grown inside
 *                     totalsize (accept)
 *   header-version    version < 17 or last_comp_version > 17 (reject);
 *                     newer version, older last_comp, boot_cpuid (accept)
 *   flip-struct       1..4 random bit flips / byte overwrites in the
 *                     structure block                             may parse
 *   flip-strings      the same in the strings block               may parse
 *   flip-rsvmap       the same in the memory reservation block    may parse
 *   prop-length       a property's length set huge or just past the end of
 *                     the structure block (reject), or random (may parse)
 *   tag               a tag word replaced by an invalid value or FDT_END
 *                     (reject), or by BEGIN_NODE / END_NODE / PROP / NOP
 *                     (may parse)
 *   string-nul        a string's terminating NUL removed: compatible,
 *                     device_type, bootargs, stdout-path (reject), the last
 *                     name of the strings block (reject), other strings and
 *                     node names (may parse)
 *   cells             #address-cells / #size-cells set to 5 or 0xffffffff
 *                     (reject) or to 0 or 3 (may parse)
 *   cpu-reg           a cpu's reg removed or of a wrong length (reject), or a
 *                     huge hart id of the right length (accept)
 *   delete            /cpus, every cpu, every memory node, every
 *                     timebase-frequency deleted or every cpu disabled
 *                     (reject); /chosen or /soc deleted (accept)
 *   duplicate-hart    a cpu node given another one's hart id   reject
 *   many              more cpus, memory nodes, memory ranges, reservations,
 *                     reserved-memory children, virtio slots than the parser
 *                     keeps (accept); more nodes or deeper nesting than it
 *                     allows (reject)
 *   loops             alias cycles and self-references behind stdout-path,
 *                     interrupt-parent / interrupts-extended / phandle
 *                     self-loops and duplicate phandles (accept: the parser
 *                     follows no chain, so it must neither hang nor refuse)
 *
 * "reject" families record the reason the parser must give when only one is
 * right (and, where meaningful, the property name and node offset).
 */
#ifndef NX_DTB_MUTATOR_H
#define NX_DTB_MUTATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nx/bootinfo.h"

typedef enum nx_dtb_mut_family {
    NX_DTB_MUT_TRUNCATE = 0,
    NX_DTB_MUT_HEADER_MAGIC,
    NX_DTB_MUT_HEADER_TOTALSIZE,
    NX_DTB_MUT_HEADER_OFFSETS,
    NX_DTB_MUT_HEADER_SIZES,
    NX_DTB_MUT_HEADER_VERSION,
    NX_DTB_MUT_FLIP_STRUCT,
    NX_DTB_MUT_FLIP_STRINGS,
    NX_DTB_MUT_FLIP_RSVMAP,
    NX_DTB_MUT_PROP_LENGTH,
    NX_DTB_MUT_TAG,
    NX_DTB_MUT_STRING_NUL,
    NX_DTB_MUT_CELLS,
    NX_DTB_MUT_CPU_REG,
    NX_DTB_MUT_DELETE,
    NX_DTB_MUT_DUPLICATE_HART,
    NX_DTB_MUT_MANY,
    NX_DTB_MUT_LOOPS,
    NX_DTB_MUT_FAMILY_COUNT
} nx_dtb_mut_family_t;

/* What the parser must make of a mutated blob. */
typedef enum nx_dtb_expect {
    NX_DTB_EXPECT_ANY = 0, /* may parse or be refused; invariants hold either way */
    NX_DTB_EXPECT_REJECT,  /* must be refused */
    NX_DTB_EXPECT_ACCEPT,  /* still a valid machine description: must parse */
} nx_dtb_expect_t;

/* Node offset value meaning "not checked". */
#define NX_DTB_MUT_ANY_NODE (-2)

typedef struct nx_dtb_mutation {
    nx_dtb_mut_family_t family;
    nx_dtb_expect_t expect;
    /* With NX_DTB_EXPECT_REJECT: the one right reason, or NX_DTB_OK when
     * several are defensible. */
    nx_dtb_reason_t reason;
    const char *property; /* diag.property the parser must report, or NULL: not checked */
    int node_offset;      /* diag.node_offset it must report, or NX_DTB_MUT_ANY_NODE */
    size_t size;          /* bytes of the mutated blob: the buffer size to parse with */
    char detail[112];     /* what was done, for failure messages */
} nx_dtb_mutation_t;

/* Room nx_dtb_mutate() needs in `out` beyond the input's totalsize. */
#define NX_DTB_MUT_SLACK (160u * 1024u)

/* Stable short name of a family ("truncate"); "unknown" out of range. */
const char *nx_dtb_mut_family_name(nx_dtb_mut_family_t family);

/* The nx_prng seed of mutation `index` of a corpus seeded with `seed`. */
uint64_t nx_dtb_mut_stream_seed(uint64_t seed, uint32_t index);

/*
 * Write mutation `index` of `seed` applied to the valid blob `in` (only its
 * fdt_totalsize bytes are read) into `out`, which must hold at least
 * fdt_totalsize(in) + NX_DTB_MUT_SLACK bytes, and describe it in *m.
 * The blob to parse is out[0 .. m->size). Deterministic: the same
 * (in, seed, index) always gives the same bytes. Fails the running test if
 * `in` is not a valid tree or `out` is too small.
 */
void nx_dtb_mutate(const void *in, uint64_t seed, uint32_t index, void *out, size_t out_cap,
                   nx_dtb_mutation_t *m);

/* --- building blocks, also used by targeted tests -------------------------- */

/* Nodes in the tree, the root included (the tree must be valid). */
uint32_t nx_dtb_count_nodes(const void *fdt);

/*
 * Add `count` empty child nodes (named "n") under `parent` of the open tree
 * `fdt` (fdt_open_into'd, with room), in time linear in the blob size.
 * Returns 0 or a libfdt error.
 */
int nx_dtb_add_empty_nodes(void *fdt, int parent, uint32_t count);

/* Add a chain of `count` nested nodes ("d/d/d...") under `parent`. Returns
 * the offset of the innermost one or a libfdt error. */
int nx_dtb_add_nested_nodes(void *fdt, int parent, uint32_t count);

/*
 * The status nx_bootinfo_parse() must return with each reason, as its header
 * documents: the tests' own copy of the table, so a change to core's
 * nx_dtb_reason_status() shows up as a test failure.
 */
nx_status_t nx_dtb_mut_expected_status(nx_dtb_reason_t reason);

#endif /* NX_DTB_MUTATOR_H */
