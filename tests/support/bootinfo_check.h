/*
 * bootinfo_check.h - predicates the device tree parser's checkers share
 * (tests/unit/test_dtb_corpus.c, tests/fuzz/fuzz_dtb.c): what nx/bootinfo.h
 * promises of a range, and of what a refusal or a count leaves behind.
 * Header-only: the fuzz target links no test library.
 */
#ifndef NX_TEST_BOOTINFO_CHECK_H
#define NX_TEST_BOOTINFO_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every byte of [p, p + n) is zero (a refused parse, an unused slot). */
static inline bool nx_test_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0u)
            return false;
    return true;
}

/* [base, base + size) is a non-empty range that may end at 2^64 but not wrap. */
static inline bool nx_test_range_ok(uint64_t base, uint64_t size)
{
    return size > 0u && base + (size - 1u) >= base;
}

#endif /* NX_TEST_BOOTINFO_CHECK_H */
