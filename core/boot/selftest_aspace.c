/*
 * selftest_aspace.c - the boot selftest "aspace": the port's user address
 * spaces and user copies, checked through the port interface alone, on
 * the boot hart (so on QEMU it exercises the real page tables).
 *
 * Two address spaces: data mapped with initial contents reads back through
 * nx_port_copy_from_user; every refusal the contract names is returned
 * (W^X, alignment, range, overlap, a copy through a read-only or an
 * executable page, past a mapping's end, from kernel memory, wrapping);
 * the other space does not see the first one's mappings; both are
 * destroyed and the boot hart left with no user space.
 */
#include "nx/mem.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "nx/selftest.h"

static const char pattern[] = "nexus: user memory through the port";

bool nx_selftest_check_aspace(char *why, size_t len)
{
    nx_port_aspace_t a, b;
    bool have_a = false, have_b = false, ok = false;
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
    ok = true;
out:
    nx_port_aspace_activate(NULL);
    if (have_a)
        nx_port_aspace_destroy(&a);
    if (have_b)
        nx_port_aspace_destroy(&b);
    return ok;
}
