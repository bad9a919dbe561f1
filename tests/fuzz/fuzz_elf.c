/*
 * fuzz_elf.c - libFuzzer target: nx_elf_load(), the ELF loader
 * (core/loader/elf.c), into an address space of the simulated machine.
 *
 * The input is the image, placed at an odd address (the loader takes any
 * alignment). The harness makes this thread hart 0 of a simulated machine,
 * as tests/unit/test_elf.c does; each input gets a fresh address space.
 *   - refused as malformed: a valid reason with a name, *entry untouched,
 *     nothing mapped;
 *   - a mapping failed: only for want of memory (NX_ERR_NO_RESOURCES: a
 *     validated image asks the port nothing else it could refuse); the
 *     images get 4 MiB of the machine's memory, so that is quickly reached;
 *   - loaded: this file's own reading of the program headers agrees that
 *     every loadable segment is sound (inside the image, aligned, in the
 *     user range, disjoint, W^X, readable or executable, within the
 *     bounds of nx/elf.h), the entry lies in an executable one, there is
 *     one mapping per segment, and each holds the segment's file bytes,
 *     then zeros, with the permissions the flags ask for.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "nx/elf.h"
#include "nx/port.h"
#include "nx/user.h"
#include "nxsim/harness.h"

#define PAGE    NX_PAGE_SIZE
#define PT_LOAD 1u
#define PF_X    1u
#define PF_W    2u
#define PF_R    4u
/* An entry no image can produce: it is outside every user range. */
#define ENTRY_UNTOUCHED ((uintptr_t)0x5a5a5a5a5a5a5a5bull)
/* Bytes of a segment compared through user copies (a segment may be 64 MiB). */
#define CHECK_BYTES (16u * 1024u)

/* User memory the images may have; the rest of the machine's is ballast. */
#define LOAD_ROOM (4u << 20)

static uintptr_t user_base, user_top;
/* Holds all the machine's user memory but LOAD_ROOM, so an image asking for
 * tens of MiB is refused by the port at once instead of costing an
 * allocation that size (and ASan's poisoning of it) on every input. */
static nx_port_aspace_t ballast;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (nx_sim_harness_begin() != NX_OK) {
        fprintf(stderr, "fuzz_elf: the simulator's harness would not start\n");
        abort();
    }
    nx_user_map_range(&user_base, &user_top);
    /* The harness machine has NX_SIM_DEFAULT_MEMORY; half is user memory. */
    if (nx_port_aspace_create(&ballast) != NX_OK ||
        nx_port_aspace_map(&ballast, user_base, NX_SIM_DEFAULT_MEMORY / 2u - LOAD_ROOM,
                           NX_PROT_READ, NULL, 0) != NX_OK) {
        fprintf(stderr, "fuzz_elf: cannot set the ballast aside\n");
        abort();
    }
    return 0;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}
static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

typedef struct seg {
    uint32_t flags;
    uint64_t offset, va, filesz, memsz, pages_bytes;
} seg_t;

/* The loadable, non-empty segments of an image the loader accepted, read
 * independently of it (byte by byte, little endian). */
static uint32_t read_segments(const uint8_t *img, size_t size, seg_t *segs, uint64_t *entry)
{
    FUZZ_CHECK(size >= 64u && size <= NX_ELF_MAX_IMAGE_BYTES, "loaded a %zu-byte image", size);
    FUZZ_CHECK(memcmp(img,
                      "\x7f"
                      "ELF",
                      4) == 0 &&
                   img[4] == 2u && img[5] == 1u && img[6] == 1u,
               "loaded without the ELF64 little-endian identification");
    FUZZ_CHECK(le16(img + 16) == 2u && le16(img + 18) == NX_ELF_MACHINE && le32(img + 20) == 1u,
               "loaded type %u machine %u version %u", le16(img + 16), le16(img + 18),
               le32(img + 20));
    *entry = le64(img + 24);
    uint64_t phoff = le64(img + 32);
    uint32_t phentsize = le16(img + 54), phnum = le16(img + 56);
    FUZZ_CHECK(phentsize == 56u && phnum >= 1u && phnum <= NX_ELF_MAX_PHDRS,
               "phentsize %u phnum %u", phentsize, phnum);
    FUZZ_CHECK(phoff <= size && (uint64_t)phnum * 56u <= size - phoff,
               "program headers at %llu past the image", (unsigned long long)phoff);
    uint32_t count = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + 56u * i;
        seg_t s = { .flags = le32(ph + 4),
                    .offset = le64(ph + 8),
                    .va = le64(ph + 16),
                    .filesz = le64(ph + 32),
                    .memsz = le64(ph + 40) };
        if (le32(ph) != PT_LOAD || (s.filesz == 0u && s.memsz == 0u))
            continue;
        FUZZ_CHECK(count < NX_ELF_MAX_SEGMENTS, "more than %u loadable segments",
                   NX_ELF_MAX_SEGMENTS);
        FUZZ_CHECK(s.offset <= size && s.filesz <= size - s.offset,
                   "segment %u: file bytes %llu+%llu outside the image", i,
                   (unsigned long long)s.offset, (unsigned long long)s.filesz);
        FUZZ_CHECK(s.va % PAGE == 0u && s.offset % PAGE == 0u, "segment %u unaligned", i);
        FUZZ_CHECK(s.memsz >= s.filesz, "segment %u: filesz above memsz", i);
        FUZZ_CHECK(s.va >= user_base && s.va < user_top && s.memsz <= user_top - s.va &&
                       (s.memsz + PAGE - 1u) / PAGE * PAGE <= user_top - s.va,
                   "segment %u at %#llx size %#llx outside the user range", i,
                   (unsigned long long)s.va, (unsigned long long)s.memsz);
        s.pages_bytes = (s.memsz + PAGE - 1u) / PAGE * PAGE;
        FUZZ_CHECK((s.flags & (PF_W | PF_X)) != (PF_W | PF_X), "segment %u writable and executable",
                   i);
        FUZZ_CHECK((s.flags & (PF_R | PF_X)) != 0u, "segment %u neither readable nor executable",
                   i);
        for (uint32_t k = 0; k < count; k++)
            FUZZ_CHECK(s.va >= segs[k].va + segs[k].pages_bytes ||
                           segs[k].va >= s.va + s.pages_bytes,
                       "segments overlap at %#llx", (unsigned long long)s.va);
        segs[count++] = s;
    }
    FUZZ_CHECK(count > 0u, "loaded with no loadable segment");
    return count;
}

/* The mapping of `s` holds its file bytes then zeros, with its permissions. */
static void check_mapping(const uint8_t *img, const seg_t *s)
{
    static uint8_t buf[CHECK_BYTES];
    bool readable = (s->flags & PF_R) != 0u;
    size_t file = s->filesz < CHECK_BYTES ? (size_t)s->filesz : CHECK_BYTES;
    if (!readable) {
        FUZZ_CHECK(nx_port_copy_from_user(buf, (uintptr_t)s->va, 1) == NX_ERR_BAD_ADDRESS,
                   "execute-only segment at %#llx readable", (unsigned long long)s->va);
    } else {
        FUZZ_CHECK(nx_port_copy_from_user(buf, (uintptr_t)s->va, file) == NX_OK &&
                       memcmp(buf, img + s->offset, file) == 0,
                   "segment at %#llx does not hold its file bytes", (unsigned long long)s->va);
        /* After the file bytes: zeros, just after them and at the very end. */
        uint64_t rest = s->pages_bytes - s->filesz;
        size_t head = rest < CHECK_BYTES ? (size_t)rest : CHECK_BYTES;
        if (s->filesz <= CHECK_BYTES && head > 0u) {
            FUZZ_CHECK(nx_port_copy_from_user(buf, (uintptr_t)(s->va + s->filesz), head) == NX_OK,
                       "zero fill unreadable");
            for (size_t i = 0; i < head; i++)
                FUZZ_CHECK(buf[i] == 0u, "byte %llu of the segment at %#llx not zeroed",
                           (unsigned long long)(s->filesz + i), (unsigned long long)s->va);
        }
        uint64_t tail_from = s->pages_bytes - 64u;
        if (tail_from >= s->filesz) {
            FUZZ_CHECK(nx_port_copy_from_user(buf, (uintptr_t)(s->va + tail_from), 64) == NX_OK,
                       "end of the segment unreadable");
            for (size_t i = 0; i < 64u; i++)
                FUZZ_CHECK(buf[i] == 0u, "the segment at %#llx does not end in zeros",
                           (unsigned long long)s->va);
        }
    }
    /* Writable exactly when the flags say so (last: this writes a byte). */
    nx_status_t w = nx_port_copy_to_user((uintptr_t)s->va, "w", 1);
    FUZZ_CHECK((w == NX_OK) == ((s->flags & PF_W) != 0u), "segment at %#llx: write %s, flags %#x",
               (unsigned long long)s->va, nx_status_name(w), s->flags);
}

static void check_loaded(const uint8_t *img, size_t size, nx_port_aspace_t *as, uintptr_t entry)
{
    seg_t segs[NX_ELF_MAX_SEGMENTS];
    uint64_t e_entry = 0;
    uint32_t count = read_segments(img, size, segs, &e_entry);
    FUZZ_CHECK(entry == e_entry, "entry %#llx, the header says %#llx", (unsigned long long)entry,
               (unsigned long long)e_entry);
    bool in_code = false;
    for (uint32_t k = 0; k < count; k++)
        in_code |= (segs[k].flags & PF_X) != 0u && entry >= segs[k].va &&
                   entry - segs[k].va < segs[k].pages_bytes;
    FUZZ_CHECK(in_code, "entry %#llx outside every executable segment", (unsigned long long)entry);
    FUZZ_CHECK(nx_sim_aspace_mappings(as) == count, "%u mappings for %u segments",
               nx_sim_aspace_mappings(as), count);
    nx_port_aspace_activate(as);
    for (uint32_t k = 0; k < count; k++)
        check_mapping(img, &segs[k]);
    nx_port_aspace_activate(NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* At an odd address, with ASan's red zone right after the last byte. */
    uint8_t *copy = malloc(size + 1u);
    FUZZ_CHECK(copy != NULL, "out of memory");
    uint8_t *img = copy + 1;
    if (size > 0u)
        memcpy(img, data, size);

    nx_port_aspace_t as;
    FUZZ_CHECK(nx_port_aspace_create(&as) == NX_OK, "no address space");
    uintptr_t entry = ENTRY_UNTOUCHED;
    nx_elf_reason_t reason = NX_ELF_REASON_COUNT;
    nx_status_t st = nx_elf_load(img, size, &as, &entry, &reason);
    const char *name = nx_elf_reason_name(reason);
    FUZZ_CHECK(name != NULL, "reason %d without a name", (int)reason);
    FUZZ_SAY("fuzz_elf: %s (%s), entry %#llx, %u mappings\n", nx_status_name(st), name,
             (unsigned long long)entry, nx_sim_aspace_mappings(&as));
    if (st == NX_OK) {
        FUZZ_CHECK(reason == NX_ELF_OK, "loaded, reason %s", name);
        check_loaded(img, size, &as, entry);
    } else if (st == NX_ERR_MALFORMED) {
        FUZZ_CHECK(reason > NX_ELF_OK && reason < NX_ELF_REASON_COUNT &&
                       reason != NX_ELF_MAP_FAILED && strcmp(name, "unknown") != 0,
                   "malformed for reason %d (%s)", (int)reason, name);
        FUZZ_CHECK(entry == ENTRY_UNTOUCHED, "refused (%s) but *entry set", name);
        FUZZ_CHECK(nx_sim_aspace_mappings(&as) == 0u, "refused (%s) with %u mappings left", name,
                   nx_sim_aspace_mappings(&as));
    } else {
        FUZZ_CHECK(reason == NX_ELF_MAP_FAILED && st == NX_ERR_NO_RESOURCES,
                   "status %s reason %s: a validated image the port refused for more than memory",
                   nx_status_name(st), name);
        FUZZ_CHECK(entry == ENTRY_UNTOUCHED, "a mapping failed but *entry set");
    }
    nx_port_aspace_destroy(&as);
    free(copy);
    return 0;
}
