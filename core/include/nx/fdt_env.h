/*
 * nx/fdt_env.h - the environment libfdt is compiled and included with.
 *
 * libfdt's own libfdt_env.h pulls in <stdlib.h> and <string.h>, which a
 * freestanding core may not include. This header defines the same include
 * guard (LIBFDT_ENV_H) and provides what libfdt needs from freestanding
 * headers only: the fdt*_t types, byte-order helpers and declarations of the
 * few string functions libfdt calls (libc on the host, port-rv64/klib on
 * RISC-V). It is force-included when building libfdt for rv64 and included
 * first by nx/fdt.h everywhere.
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nx/fdt_env.h assumes a little-endian CPU (x86-64, aarch64, riscv64)"
#endif

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

/* The DTB is big-endian; every supported CPU is little-endian. Plain
 * shifts: RV64 without Zbb has no byte-swap instruction, and the builtin
 * would need libgcc. */
static inline uint16_t fdt16_to_cpu(fdt16_t x)
{
    return (uint16_t)((x >> 8) | (x << 8));
}
static inline uint32_t fdt32_to_cpu(fdt32_t x)
{
    return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}
static inline uint64_t fdt64_to_cpu(fdt64_t x)
{
    return ((uint64_t)fdt32_to_cpu((uint32_t)x) << 32) | fdt32_to_cpu((uint32_t)(x >> 32));
}
#define cpu_to_fdt16(x) fdt16_to_cpu(x)
#define cpu_to_fdt32(x) fdt32_to_cpu(x)
#define cpu_to_fdt64(x) fdt64_to_cpu(x)

void *memchr(const void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
char *strrchr(const char *s, int c);

#endif /* LIBFDT_ENV_H */
