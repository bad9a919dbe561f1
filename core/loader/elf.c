/*
 * elf.c - validate an ELF64 executable and map it (see nx/elf.h).
 *
 * Two passes: the first checks everything and maps nothing, the second
 * maps. Headers are copied out of the image (it may be unaligned) and
 * every offset and size is checked against the image with subtraction,
 * never with an addition that could wrap.
 */
#include "nx/elf.h"
#include "nx/mem.h"
#include "nx/user.h"

/* The parts of the ELF64 format the loader reads. */
#define EI_NIDENT   16u
#define ELFCLASS64  2u
#define ELFDATA2LSB 1u
#define EV_CURRENT  1u
#define ET_EXEC     2u
#define PT_LOAD     1u
#define PF_X        1u
#define PF_W        2u
#define PF_R        4u

typedef struct elf64_ehdr {
    unsigned char e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
} elf64_ehdr_t;

typedef struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
} elf64_phdr_t;

_Static_assert(sizeof(elf64_ehdr_t) == 64, "ELF64 header layout");
_Static_assert(sizeof(elf64_phdr_t) == 56, "ELF64 program header layout");

/* A loadable segment, validated: where, how much, with what. */
typedef struct segment {
    uint64_t va, mem_pages_bytes, offset, filesz;
    uint32_t prot;
} segment_t;

static uint64_t round_up_page(uint64_t v)
{
    return (v + NX_PAGE_SIZE - 1u) & ~(uint64_t)(NX_PAGE_SIZE - 1u);
}

static nx_elf_reason_t check_header(const unsigned char *img, size_t size, elf64_ehdr_t *eh)
{
    if (size < sizeof *eh)
        return NX_ELF_TOO_SMALL;
    if (size > NX_ELF_MAX_IMAGE_BYTES)
        return NX_ELF_TOO_LARGE;
    nx_memcpy(eh, img, sizeof *eh);
    if (eh->e_ident[0] != 0x7fu || eh->e_ident[1] != 'E' || eh->e_ident[2] != 'L' ||
        eh->e_ident[3] != 'F')
        return NX_ELF_BAD_MAGIC;
    if (eh->e_ident[4] != ELFCLASS64)
        return NX_ELF_NOT_64BIT;
    if (eh->e_ident[5] != ELFDATA2LSB)
        return NX_ELF_NOT_LITTLE;
    if (eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return NX_ELF_BAD_VERSION;
    if (eh->e_type != ET_EXEC)
        return NX_ELF_NOT_EXEC;
    if (eh->e_machine != NX_ELF_MACHINE)
        return NX_ELF_WRONG_MACHINE;
    if (eh->e_phentsize != sizeof(elf64_phdr_t) || eh->e_phnum == 0u || eh->e_phoff > size ||
        (uint64_t)eh->e_phnum * sizeof(elf64_phdr_t) > size - eh->e_phoff)
        return NX_ELF_BAD_PHDRS;
    if (eh->e_phnum > NX_ELF_MAX_PHDRS)
        return NX_ELF_TOO_MANY_SEGMENTS;
    return NX_ELF_OK;
}

static nx_elf_reason_t check_segment(const elf64_phdr_t *ph, size_t size, uintptr_t base,
                                     uintptr_t top, segment_t *out)
{
    if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
        return NX_ELF_SEGMENT_OUTSIDE;
    if (ph->p_vaddr % NX_PAGE_SIZE != 0u || ph->p_offset % NX_PAGE_SIZE != 0u)
        return NX_ELF_SEGMENT_UNALIGNED;
    if (ph->p_memsz == 0u || ph->p_filesz > ph->p_memsz)
        return NX_ELF_SEGMENT_SIZES;
    if (ph->p_vaddr < base || ph->p_vaddr >= top || ph->p_memsz > top - ph->p_vaddr ||
        round_up_page(ph->p_memsz) > top - ph->p_vaddr)
        return NX_ELF_SEGMENT_RANGE;
    if ((ph->p_flags & PF_W) != 0u && (ph->p_flags & PF_X) != 0u)
        return NX_ELF_WRITE_EXEC;
    if ((ph->p_flags & (PF_R | PF_X)) == 0u)
        return NX_ELF_SEGMENT_FLAGS;
    out->va = ph->p_vaddr;
    out->mem_pages_bytes = round_up_page(ph->p_memsz);
    out->offset = ph->p_offset;
    out->filesz = ph->p_filesz;
    out->prot = ((ph->p_flags & PF_R) ? NX_PROT_READ : 0u) |
                ((ph->p_flags & PF_W) ? NX_PROT_WRITE : 0u) |
                ((ph->p_flags & PF_X) ? NX_PROT_EXEC : 0u);
    return NX_ELF_OK;
}

/* Validate everything; fill seg[0..*count). */
static nx_elf_reason_t validate(const unsigned char *img, size_t size, segment_t *seg,
                                uint32_t *count, uint64_t *entry)
{
    elf64_ehdr_t eh;
    nx_elf_reason_t r = check_header(img, size, &eh);
    if (r != NX_ELF_OK)
        return r;
    uintptr_t base, top;
    nx_user_map_range(&base, &top); /* not the stack area at the top */
    *count = 0;
    for (uint32_t i = 0; i < eh.e_phnum; i++) {
        elf64_phdr_t ph;
        nx_memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
        /* An empty loadable segment (linkers emit them) loads nothing. */
        if (ph.p_type != PT_LOAD || (ph.p_memsz == 0u && ph.p_filesz == 0u))
            continue;
        if (*count == NX_ELF_MAX_SEGMENTS)
            return NX_ELF_TOO_MANY_SEGMENTS;
        r = check_segment(&ph, size, base, top, &seg[*count]);
        if (r != NX_ELF_OK)
            return r;
        for (uint32_t k = 0; k < *count; k++)
            if (seg[*count].va < seg[k].va + seg[k].mem_pages_bytes &&
                seg[k].va < seg[*count].va + seg[*count].mem_pages_bytes)
                return NX_ELF_SEGMENT_OVERLAP;
        (*count)++;
    }
    if (*count == 0u)
        return NX_ELF_NO_SEGMENTS;
    for (uint32_t k = 0; k < *count; k++)
        if ((seg[k].prot & NX_PROT_EXEC) != 0u && eh.e_entry >= seg[k].va &&
            eh.e_entry - seg[k].va < seg[k].mem_pages_bytes)
            *entry = eh.e_entry;
    if (*entry == 0u)
        return NX_ELF_BAD_ENTRY;
    return NX_ELF_OK;
}

nx_status_t nx_elf_load(const void *image, size_t size, nx_port_aspace_t *as, uintptr_t *entry,
                        nx_elf_reason_t *reason)
{
    nx_elf_reason_t unused;
    if (reason == NULL)
        reason = &unused;
    if (image == NULL || as == NULL || entry == NULL) {
        *reason = NX_ELF_TOO_SMALL;
        return NX_ERR_INVALID_ARGS;
    }
    const unsigned char *img = image;
    segment_t seg[NX_ELF_MAX_SEGMENTS];
    uint32_t count = 0;
    uint64_t start = 0;
    *reason = validate(img, size, seg, &count, &start);
    if (*reason != NX_ELF_OK)
        return NX_ERR_MALFORMED;
    for (uint32_t k = 0; k < count; k++) {
        nx_status_t st =
            nx_port_aspace_map(as, (uintptr_t)seg[k].va, (size_t)seg[k].mem_pages_bytes,
                               seg[k].prot, img + seg[k].offset, (size_t)seg[k].filesz);
        if (st != NX_OK) {
            *reason = NX_ELF_MAP_FAILED;
            return st;
        }
    }
    *entry = (uintptr_t)start;
    return NX_OK;
}

const char *nx_elf_reason_name(nx_elf_reason_t reason)
{
    switch (reason) {
    case NX_ELF_OK:
        return "ok";
    case NX_ELF_TOO_SMALL:
        return "too-small";
    case NX_ELF_TOO_LARGE:
        return "too-large";
    case NX_ELF_BAD_MAGIC:
        return "bad-magic";
    case NX_ELF_NOT_64BIT:
        return "not-64-bit";
    case NX_ELF_NOT_LITTLE:
        return "not-little-endian";
    case NX_ELF_BAD_VERSION:
        return "bad-version";
    case NX_ELF_NOT_EXEC:
        return "not-executable";
    case NX_ELF_WRONG_MACHINE:
        return "wrong-machine";
    case NX_ELF_BAD_PHDRS:
        return "bad-program-headers";
    case NX_ELF_TOO_MANY_SEGMENTS:
        return "too-many-segments";
    case NX_ELF_SEGMENT_OUTSIDE:
        return "segment-outside-image";
    case NX_ELF_SEGMENT_UNALIGNED:
        return "segment-unaligned";
    case NX_ELF_SEGMENT_SIZES:
        return "segment-sizes";
    case NX_ELF_SEGMENT_RANGE:
        return "segment-outside-user-range";
    case NX_ELF_SEGMENT_OVERLAP:
        return "segments-overlap";
    case NX_ELF_WRITE_EXEC:
        return "segment-write-exec";
    case NX_ELF_SEGMENT_FLAGS:
        return "segment-no-access";
    case NX_ELF_NO_SEGMENTS:
        return "no-segments";
    case NX_ELF_BAD_ENTRY:
        return "entry-outside-code";
    case NX_ELF_MAP_FAILED:
        return "map-failed";
    case NX_ELF_REASON_COUNT:
        break;
    }
    return "unknown";
}
