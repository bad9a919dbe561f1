/*
 * elf_image.h - ELF64 RISC-V executables built field by field in a
 * caller's buffer, for the loader's tests (tests/unit/test_elf.c) and the
 * fuzzer's seed corpus (tests/fuzz/make_corpus.c). Header-only: the
 * corpus writer links no test library. Little endian, byte by byte, so the
 * bytes are the same on any host.
 */
#ifndef NX_TEST_ELF_IMAGE_H
#define NX_TEST_ELF_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NX_TEST_ELF_PHOFF     64u /* program headers right after the ELF header */
#define NX_TEST_ELF_PHENTSIZE 56u

static inline void nx_test_elf_put16(unsigned char *img, size_t off, uint16_t v)
{
    img[off] = (unsigned char)v;
    img[off + 1] = (unsigned char)(v >> 8);
}

static inline void nx_test_elf_put32(unsigned char *img, size_t off, uint32_t v)
{
    nx_test_elf_put16(img, off, (uint16_t)v);
    nx_test_elf_put16(img, off + 2, (uint16_t)(v >> 16));
}

static inline void nx_test_elf_put64(unsigned char *img, size_t off, uint64_t v)
{
    nx_test_elf_put32(img, off, (uint32_t)v);
    nx_test_elf_put32(img, off + 4, (uint32_t)(v >> 32));
}

/* Zero img[0, size), then an ELF header: 64-bit, little endian, version
 * 1, ET_EXEC for EM_RISCV, entry `entry`, `phnum` program headers at 64. */
static inline void nx_test_elf_header(unsigned char *img, size_t size, uint64_t entry,
                                      uint16_t phnum)
{
    memset(img, 0, size);
    memcpy(img,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    nx_test_elf_put16(img, 16, 2);   /* ET_EXEC */
    nx_test_elf_put16(img, 18, 243); /* EM_RISCV */
    nx_test_elf_put32(img, 20, 1);   /* version */
    nx_test_elf_put64(img, 24, entry);
    nx_test_elf_put64(img, 32, NX_TEST_ELF_PHOFF);
    nx_test_elf_put16(img, 52, 64); /* ehsize */
    nx_test_elf_put16(img, 54, NX_TEST_ELF_PHENTSIZE);
    nx_test_elf_put16(img, 56, phnum);
}

/* Program header i: type, flags, file offset, vaddr (= paddr), sizes, align. */
static inline void nx_test_elf_phdr(unsigned char *img, uint32_t i, uint32_t type, uint32_t flags,
                                    uint64_t off, uint64_t va, uint64_t filesz, uint64_t memsz,
                                    uint64_t align)
{
    size_t p = NX_TEST_ELF_PHOFF + i * NX_TEST_ELF_PHENTSIZE;
    nx_test_elf_put32(img, p, type);
    nx_test_elf_put32(img, p + 4, flags);
    nx_test_elf_put64(img, p + 8, off);
    nx_test_elf_put64(img, p + 16, va);
    nx_test_elf_put64(img, p + 24, va);
    nx_test_elf_put64(img, p + 32, filesz);
    nx_test_elf_put64(img, p + 40, memsz);
    nx_test_elf_put64(img, p + 48, align);
}

#endif /* NX_TEST_ELF_IMAGE_H */
