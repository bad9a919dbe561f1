/*
 * nx/elf.h - load a user program (an ELF64 executable) into an address space.
 *
 * Boot programs come as ELF images; nothing about them is trusted. The
 * loader validates the whole image before mapping anything: header
 * (magic, class, byte order, version, type, machine), program header table
 * bounds, each loadable segment (inside the image, page aligned, memory
 * size not below file size, inside the user range, no overlap, never
 * writable and executable; an empty one is skipped), and the entry point
 * (inside an executable segment). A refused image gets a reason; nothing stays mapped.
 */
#ifndef NX_ELF_H
#define NX_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nx/port.h"

/* Bounds of an image the loader accepts. */
#define NX_ELF_MAX_IMAGE_BYTES (4u << 20) /* 4 MiB */
#define NX_ELF_MAX_PHDRS       16u        /* program headers of any kind */
#define NX_ELF_MAX_SEGMENTS    8u         /* of them loadable */

/* The machine boot programs are built for (EM_RISCV, on every port: the
 * simulator loads the same images' layout in its tests). */
#define NX_ELF_MACHINE 243u

typedef enum nx_elf_reason {
    NX_ELF_OK = 0,
    NX_ELF_TOO_SMALL,         /* shorter than an ELF header */
    NX_ELF_TOO_LARGE,         /* above NX_ELF_MAX_IMAGE_BYTES */
    NX_ELF_BAD_MAGIC,         /* not \x7fELF */
    NX_ELF_NOT_64BIT,         /* not ELFCLASS64 */
    NX_ELF_NOT_LITTLE,        /* not little endian */
    NX_ELF_BAD_VERSION,       /* e_ident or e_version not 1 */
    NX_ELF_NOT_EXEC,          /* not ET_EXEC */
    NX_ELF_WRONG_MACHINE,     /* not NX_ELF_MACHINE */
    NX_ELF_BAD_PHDRS,         /* table size, entry size or bounds wrong */
    NX_ELF_TOO_MANY_SEGMENTS, /* more than the bounds above */
    NX_ELF_SEGMENT_OUTSIDE,   /* a segment's file bytes outside the image */
    NX_ELF_SEGMENT_UNALIGNED, /* a segment's address or offset not page aligned */
    NX_ELF_SEGMENT_SIZES,     /* file size above memory size, or memory size 0 */
    NX_ELF_SEGMENT_RANGE,     /* a segment outside the user range */
    NX_ELF_SEGMENT_OVERLAP,   /* two segments share a page */
    NX_ELF_WRITE_EXEC,        /* a segment both writable and executable */
    NX_ELF_SEGMENT_FLAGS,     /* a segment neither readable nor executable */
    NX_ELF_NO_SEGMENTS,       /* nothing to load */
    NX_ELF_BAD_ENTRY,         /* entry point outside every executable segment */
    NX_ELF_MAP_FAILED,        /* the port refused a mapping (see the status) */
    NX_ELF_REASON_COUNT
} nx_elf_reason_t;

/*
 * Validate `image` (`size` bytes, any alignment) and map its loadable
 * segments into `as`, a fresh address space (memory beyond a segment's
 * file bytes zeroed). On NX_OK, *entry is the entry point. Otherwise
 * *reason says why: NX_ERR_MALFORMED (validation failed: nothing was
 * mapped), NX_ERR_INVALID_ARGS (NULL arguments), or the port's status
 * when a mapping failed (NX_ERR_NO_RESOURCES...: what was mapped before
 * stays until the caller destroys the space).
 */
nx_status_t nx_elf_load(const void *image, size_t size, nx_port_aspace_t *as, uintptr_t *entry,
                        nx_elf_reason_t *reason);

/* Stable name of a reason ("segment-write-exec"); never NULL. */
const char *nx_elf_reason_name(nx_elf_reason_t reason);

#endif /* NX_ELF_H */
