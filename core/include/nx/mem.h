/*
 * nx/mem.h - memory helpers for core/.
 *
 * core/ calls no libc; the compiler's builtins below either expand inline or
 * become calls to memcpy/memset, which every freestanding C implementation
 * must provide (the host's libc, port-rv64/klib on RISC-V).
 */
#ifndef NX_MEM_H
#define NX_MEM_H

#include <stddef.h>

#define nx_memset(dst, c, n)   __builtin_memset((dst), (c), (n))
#define nx_memcpy(dst, src, n) __builtin_memcpy((dst), (src), (n))
#define nx_memcmp(a, b, n)     __builtin_memcmp((a), (b), (n))

#endif /* NX_MEM_H */
