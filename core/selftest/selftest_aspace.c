/*
 * selftest_aspace.c - the boot selftest "aspace": the port's user address
 * spaces and user copies, checked through the port interface alone, on
 * the boot hart (so on QEMU it exercises the real page tables).
 *
 * Two address spaces: data mapped with initial contents reads back through
 * nx_port_copy_from_user; every refusal the contract names is returned
 * (W^X, alignment, range, overlap, a copy through a read-only or an
 * executable page, past a mapping's end, from kernel memory, wrapping);
 * the other space does not see the first one's mappings. Then pages of
 * memory: three zeroed pages, two of them mapped read-write in one space
 * and read-only in the other, where a write through either the first
 * mapping or nx_port_pages_kaddr is seen through the others; the refusals
 * of map_pages; copies of all sizes at every alignment, both ways, land
 * exactly where they should (checked through kaddr); an unmapped page is
 * gone for the copies (and may be mapped again). Every shared mapping is
 * unmapped, then both spaces are destroyed, then the pages freed, and the
 * boot hart left with no user space.
 */
#include "nx/mem.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "nx/selftest.h"

static const char pattern[] = "nexus: user memory through the port";
static const char shared_pattern[] = "nexus: pages of a memory object";

/* Where the pages test maps pages [1, 3): in space a, in space b. */
#define SHARED_PAGES   2u
#define SHARED_SIZE    (SHARED_PAGES * NX_PAGE_SIZE)
#define SHARED_A(base) ((base) + 16u * NX_PAGE_SIZE)
#define SHARED_B(base) ((base) + 32u * NX_PAGE_SIZE)

/* What the cleanup must undo after the pages test, in its order: unmap,
 * destroy the spaces, free. */
typedef struct shared {
    nx_port_pages_t pages;
    bool allocated, in_a, in_b;
} shared_t;

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0u)
            return false;
    return true;
}

/* Allocation: refusals, then three zeroed pages with a pattern in page 1. */
static bool check_pages_alloc(shared_t *sh, char *why, size_t len)
{
    bool ok = false;
    nx_port_pages_t none;
    NX_SELFTEST_CHECK(nx_port_pages_alloc(&none, 0) == NX_ERR_INVALID_ARGS,
                      "zero pages were allocated");
    NX_SELFTEST_CHECK(nx_port_pages_alloc(&none, NX_PORT_PAGES_MAX + 1u) == NX_ERR_INVALID_ARGS,
                      "more than NX_PORT_PAGES_MAX pages were allocated");
    NX_SELFTEST_CHECK(nx_port_pages_alloc(&sh->pages, 3) == NX_OK, "no pages");
    sh->allocated = true;
    for (size_t i = 0; i < 3u; i++)
        NX_SELFTEST_CHECK(all_zero(nx_port_pages_kaddr(&sh->pages, i), NX_PAGE_SIZE),
                          "page %zu was not zeroed", i);
    nx_memcpy(nx_port_pages_kaddr(&sh->pages, 1), shared_pattern, sizeof shared_pattern);
    ok = true;
out:
    return ok;
}

/* Pages [1, 3) in a (read-write) and b (read-only), and what map_pages
 * refuses. */
static bool check_pages_map(nx_port_aspace_t *a, nx_port_aspace_t *b, uintptr_t base, shared_t *sh,
                            char *why, size_t len)
{
    bool ok = false;
    const uint32_t rw = NX_PROT_READ | NX_PROT_WRITE;
    uintptr_t free_va = base + 64u * NX_PAGE_SIZE;
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, SHARED_A(base), SHARED_SIZE, rw, &sh->pages, 1) ==
                          NX_OK,
                      "map pages in a");
    sh->in_a = true;
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(b, SHARED_B(base), SHARED_SIZE, NX_PROT_READ,
                                               &sh->pages, 1) == NX_OK,
                      "map pages in b");
    sh->in_b = true;

    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, free_va, NX_PAGE_SIZE,
                                               NX_PROT_WRITE | NX_PROT_EXEC, &sh->pages,
                                               0) == NX_ERR_INVALID_ARGS,
                      "writable and executable pages were mapped");
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, free_va + 8u, NX_PAGE_SIZE, NX_PROT_READ,
                                               &sh->pages, 0) == NX_ERR_INVALID_ARGS,
                      "pages were mapped at an unaligned address");
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, free_va, SHARED_SIZE, NX_PROT_READ, &sh->pages,
                                               2) == NX_ERR_INVALID_ARGS,
                      "pages past the last one were mapped");
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, free_va, NX_PAGE_SIZE, NX_PROT_READ, &sh->pages,
                                               4) == NX_ERR_INVALID_ARGS,
                      "a first page past the count was mapped");
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, SHARED_A(base) + NX_PAGE_SIZE, SHARED_SIZE,
                                               NX_PROT_READ, &sh->pages,
                                               0) == NX_ERR_ALREADY_EXISTS,
                      "pages overlapping a mapping were mapped");
    ok = true;
out:
    return ok;
}

/* One memory through three views: a's mapping, b's, the kernel's. */
static bool check_pages_shared(nx_port_aspace_t *a, nx_port_aspace_t *b, uintptr_t base,
                               shared_t *sh, char *why, size_t len)
{
    bool ok = false;
    char buf[sizeof shared_pattern];
    const unsigned char *p1 = nx_port_pages_kaddr(&sh->pages, 1);
    const unsigned char *p2 = nx_port_pages_kaddr(&sh->pages, 2);

    nx_port_aspace_activate(a);
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, SHARED_A(base), sizeof buf) == NX_OK &&
                          nx_memcmp(buf, shared_pattern, sizeof buf) == 0,
                      "a write through kaddr was not seen through a mapping");
    NX_SELFTEST_CHECK(nx_port_copy_to_user(SHARED_A(base) + NX_PAGE_SIZE - 4u, "abcdefgh", 8) ==
                          NX_OK,
                      "a write across two shared pages failed");
    nx_port_aspace_activate(b);
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, SHARED_B(base) + NX_PAGE_SIZE - 4u, 8) == NX_OK &&
                          nx_memcmp(buf, "abcdefgh", 8) == 0,
                      "a write in one space was not seen in the other");
    NX_SELFTEST_CHECK(nx_port_copy_to_user(SHARED_B(base), "x", 1) == NX_ERR_BAD_ADDRESS,
                      "read-only shared pages were written through the copy");
    NX_SELFTEST_CHECK(nx_memcmp(p1 + NX_PAGE_SIZE - 4u, "abcd", 4) == 0 &&
                          nx_memcmp(p2, "efgh", 4) == 0,
                      "a write through a mapping was not seen through kaddr");
    ok = true;
out:
    return ok;
}

/* Where the copies check runs, in page 1 of the pages (a's first page):
 * clear of the pattern at its start and of the bytes at its end. */
#define SWEEP_OFFSET 512u
#define SWEEP_BYTES  128u

/* A byte of the sweep's data, different for each copy and position. */
static unsigned char sweep_byte(size_t i, size_t n)
{
    return (unsigned char)(0x40u + i * 7u + n);
}

/*
 * Copies of every length class (bytes, words, 32-byte blocks and their
 * tails) between kernel and user offsets 0..8 apart from 8-byte
 * alignment, in a's mapping of page 1; each one checked through kaddr,
 * both ways, with the bytes around it untouched.
 */
static bool check_pages_copies(nx_port_aspace_t *a, uintptr_t base, shared_t *sh, char *why,
                               size_t len)
{
    static const size_t lens[] = { 1, 7, 8, 9, 16, 31, 32, 33, 40, 71 };
    bool ok = false;
    unsigned char kbuf[SWEEP_BYTES] __attribute__((aligned(8)));
    unsigned char *page = (unsigned char *)nx_port_pages_kaddr(&sh->pages, 1) + SWEEP_OFFSET;
    uintptr_t user = SHARED_A(base) + SWEEP_OFFSET;
    nx_port_aspace_activate(a);
    for (size_t u = 0; u <= 8u; u++)
        for (size_t k = 0; k <= 8u; k++)
            for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
                size_t n = lens[l];
                nx_memset(page, 0, SWEEP_BYTES);
                nx_memset(kbuf, 0, SWEEP_BYTES);
                for (size_t i = 0; i < n; i++)
                    kbuf[k + i] = sweep_byte(i, n + u);
                NX_SELFTEST_CHECK(nx_port_copy_to_user(user + u, kbuf + k, n) == NX_OK,
                                  "a copy of %zu bytes to user offset %zu failed", n, u);
                for (size_t i = 0; i < SWEEP_BYTES; i++)
                    NX_SELFTEST_CHECK(page[i] ==
                                          (i >= u && i < u + n ? sweep_byte(i - u, n + u) : 0u),
                                      "a copy of %zu bytes from kernel offset %zu to user offset "
                                      "%zu wrote byte %zu wrong",
                                      n, k, u, i);
                nx_memset(kbuf, 0xee, SWEEP_BYTES);
                NX_SELFTEST_CHECK(nx_port_copy_from_user(kbuf + k, user + u, n) == NX_OK,
                                  "a copy of %zu bytes from user offset %zu failed", n, u);
                for (size_t i = 0; i < SWEEP_BYTES; i++)
                    NX_SELFTEST_CHECK(kbuf[i] ==
                                          (i >= k && i < k + n ? sweep_byte(i - k, n + u) : 0xeeu),
                                      "a copy of %zu bytes from user offset %zu to kernel offset "
                                      "%zu read byte %zu wrong",
                                      n, u, k, i);
            }
    nx_memset(page, 0, SWEEP_BYTES);
    ok = true;
out:
    return ok;
}

/* Unmapped in a (not active) and in b (active): gone for the copies, the
 * other space still sees them; then mapped in a again at the same place. */
static bool check_pages_unmap(nx_port_aspace_t *a, nx_port_aspace_t *b, uintptr_t base,
                              shared_t *sh, char *why, size_t len)
{
    bool ok = false;
    char buf[8];
    nx_port_aspace_activate(b);
    nx_port_aspace_unmap(a, SHARED_A(base), SHARED_SIZE);
    sh->in_a = false;
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, SHARED_B(base), 8) == NX_OK,
                      "unmapping pages in one space unmapped them in the other");
    nx_port_aspace_unmap(b, SHARED_B(base), SHARED_SIZE);
    sh->in_b = false;
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, SHARED_B(base), 8) == NX_ERR_BAD_ADDRESS,
                      "unmapped pages were read in the active space");
    nx_port_aspace_activate(a);
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, SHARED_A(base), 8) == NX_ERR_BAD_ADDRESS,
                      "unmapped pages were read");
    NX_SELFTEST_CHECK(nx_port_aspace_map_pages(a, SHARED_A(base), SHARED_SIZE,
                                               NX_PROT_READ | NX_PROT_WRITE, &sh->pages,
                                               1) == NX_OK,
                      "pages could not be mapped again where they were unmapped");
    sh->in_a = true;
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, SHARED_A(base) + NX_PAGE_SIZE - 4u, 8) == NX_OK &&
                          nx_memcmp(buf, "abcdefgh", 8) == 0,
                      "pages mapped again lost their contents");
    ok = true;
out:
    return ok;
}

static bool check_pages(nx_port_aspace_t *a, nx_port_aspace_t *b, uintptr_t base, shared_t *sh,
                        char *why, size_t len)
{
    return check_pages_alloc(sh, why, len) && check_pages_map(a, b, base, sh, why, len) &&
           check_pages_shared(a, b, base, sh, why, len) &&
           check_pages_copies(a, base, sh, why, len) && check_pages_unmap(a, b, base, sh, why, len);
}

bool nx_selftest_check_aspace(char *why, size_t len)
{
    nx_port_aspace_t a, b;
    bool have_a = false, have_b = false, ok = false;
    shared_t sh = { .allocated = false };
    uintptr_t base, top;
    nx_port_user_range(&base, &top);
    char buf[sizeof pattern];
    static const char kernel_secret[] = "kernel";

    NX_SELFTEST_CHECK(base < top && base % NX_PAGE_SIZE == 0u && top % NX_PAGE_SIZE == 0u,
                      "user range [0x%llx, 0x%llx) is not page aligned", (unsigned long long)base,
                      (unsigned long long)top);
    NX_SELFTEST_CHECK(nx_port_aspace_create(&a) == NX_OK, "no address space");
    have_a = true;
    NX_SELFTEST_CHECK(nx_port_aspace_create(&b) == NX_OK, "no second address space");
    have_b = true;

    /* A data page with contents, a code page, a read-only page. */
    uintptr_t data = base, code = base + 4u * NX_PAGE_SIZE, ro = base + 8u * NX_PAGE_SIZE;
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, data, 2u * NX_PAGE_SIZE, NX_PROT_READ | NX_PROT_WRITE,
                                         pattern, sizeof pattern) == NX_OK,
                      "map data");
    NX_SELFTEST_CHECK(
        nx_port_aspace_map(&a, code, NX_PAGE_SIZE, NX_PROT_READ | NX_PROT_EXEC, NULL, 0) == NX_OK,
        "map code");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, ro, NX_PAGE_SIZE, NX_PROT_READ, NULL, 0) == NX_OK,
                      "map ro");

    /* Refusals. */
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, base + 12u * NX_PAGE_SIZE, NX_PAGE_SIZE,
                                         NX_PROT_WRITE | NX_PROT_EXEC, NULL,
                                         0) == NX_ERR_INVALID_ARGS,
                      "a writable and executable mapping was allowed");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, base + 12u * NX_PAGE_SIZE + 8u, NX_PAGE_SIZE,
                                         NX_PROT_READ, NULL, 0) == NX_ERR_INVALID_ARGS,
                      "an unaligned mapping was allowed");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, base + 12u * NX_PAGE_SIZE, NX_PAGE_SIZE, 0, NULL, 0) ==
                          NX_ERR_INVALID_ARGS,
                      "a mapping without permissions was allowed");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, base + 12u * NX_PAGE_SIZE, NX_PAGE_SIZE, NX_PROT_READ,
                                         pattern, NX_PAGE_SIZE + 1u) == NX_ERR_INVALID_ARGS,
                      "initial contents longer than the mapping were allowed");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, top, NX_PAGE_SIZE, NX_PROT_READ, NULL, 0) ==
                          NX_ERR_OUT_OF_RANGE,
                      "a mapping at the top of the user range was allowed");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, base - NX_PAGE_SIZE, NX_PAGE_SIZE, NX_PROT_READ, NULL,
                                         0) == NX_ERR_OUT_OF_RANGE,
                      "a mapping below the user range was allowed");
    NX_SELFTEST_CHECK(nx_port_aspace_map(&a, data + NX_PAGE_SIZE, NX_PAGE_SIZE, NX_PROT_READ, NULL,
                                         0) == NX_ERR_ALREADY_EXISTS,
                      "an overlapping mapping was allowed");

    /* Copies through the active space. */
    nx_port_aspace_activate(&a);
    nx_memset(buf, 0, sizeof buf);
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, data, sizeof pattern) == NX_OK &&
                          nx_memcmp(buf, pattern, sizeof pattern) == 0,
                      "initial contents did not read back");
    NX_SELFTEST_CHECK(nx_port_copy_to_user(data + NX_PAGE_SIZE - 4u, "abcdefgh", 8) == NX_OK,
                      "a write across two pages failed");
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, data + NX_PAGE_SIZE - 4u, 8) == NX_OK &&
                          nx_memcmp(buf, "abcdefgh", 8) == 0,
                      "a write across two pages did not read back");
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, code, 8) == NX_OK, "reading a code page failed");
    NX_SELFTEST_CHECK(nx_port_copy_to_user(code, "x", 1) == NX_ERR_BAD_ADDRESS,
                      "a code page was written through the copy");
    NX_SELFTEST_CHECK(nx_port_copy_to_user(ro, "x", 1) == NX_ERR_BAD_ADDRESS,
                      "a read-only page was written through the copy");
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, data + 2u * NX_PAGE_SIZE - 2u, 4) ==
                          NX_ERR_BAD_ADDRESS,
                      "a read past the end of a mapping was allowed");
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, (uintptr_t)kernel_secret, sizeof kernel_secret) ==
                          NX_ERR_BAD_ADDRESS,
                      "kernel memory was read as user memory");
    NX_SELFTEST_CHECK(nx_port_copy_to_user((uintptr_t)buf, "x", 1) == NX_ERR_BAD_ADDRESS,
                      "kernel memory was written as user memory");
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, UINTPTR_MAX - 2u, 8) == NX_ERR_BAD_ADDRESS,
                      "a wrapping range was allowed");
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, 0, 0) == NX_OK, "an empty copy failed");

    /* The other space sees none of it. */
    nx_port_aspace_activate(&b);
    NX_SELFTEST_CHECK(nx_port_copy_from_user(buf, data, 8) == NX_ERR_BAD_ADDRESS,
                      "one address space's memory was visible in another");
    ok = check_pages(&a, &b, base, &sh, why, len);
out:
    nx_port_aspace_activate(NULL);
    if (sh.in_a)
        nx_port_aspace_unmap(&a, SHARED_A(base), SHARED_SIZE);
    if (sh.in_b)
        nx_port_aspace_unmap(&b, SHARED_B(base), SHARED_SIZE);
    if (have_a)
        nx_port_aspace_destroy(&a);
    if (have_b)
        nx_port_aspace_destroy(&b);
    if (sh.allocated)
        nx_port_pages_free(&sh.pages);
    return ok;
}
