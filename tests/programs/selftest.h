/*
 * selftest.h - what the selftest programs share: reporting a verdict as a
 * "SELFTEST: <name> ok|FAILED: <why>" console line, and small helpers,
 * using only the user API (these programs run on every port).
 */
#ifndef NX_PROGRAMS_SELFTEST_H
#define NX_PROGRAMS_SELFTEST_H

#include "nexus/program.h"
#include "nexus/syscall.h"

#define US 1000ull
#define MS 1000000ull
/* How far ahead a deadline the kernel must refuse is set: a whole bound
 * past NX_MAX_WAIT_NS, so that no stall of this vCPU between reading the
 * clock and the kernel's check (QEMU hosts stall vCPUs for hundreds of ms)
 * makes it an accepted minute-long wait. The exact bound, to the
 * nanosecond, is tests/unit/test_syscall.c's job. */
#define TOO_FAR_NS (2u * NX_MAX_WAIT_NS)

/* An address that is kernel memory, never the program's: a system call
 * given it must return a status. On rv64 the kernel's first page; in the
 * simulator a host static, which is not on the program's stack. */
#ifdef NX_SIM
static const char nx_test_kernel_memory[16] = "kernel";
#define NX_TEST_KERNEL_ADDRESS ((const void *)nx_test_kernel_memory)
#else
#define NX_TEST_KERNEL_ADDRESS ((const void *)0x80200000ul)
#endif

/* A load and a store of mapped user memory: a plain access on RISC-V; the
 * simulator's programs use host pointers, so theirs go through the
 * machine's page checks (nxsim/program.h), faulting the same way. */
static inline void user_load(void *dst, uintptr_t va, size_t n)
{
#ifdef NX_SIM
    nx_sim_user_load(dst, va, n);
#else
    for (size_t i = 0; i < n; i++)
        ((char *)dst)[i] = ((const volatile char *)va)[i];
#endif
}

static inline void user_store(uintptr_t va, const void *src, size_t n)
{
#ifdef NX_SIM
    nx_sim_user_store(va, src, n);
#else
    for (size_t i = 0; i < n; i++)
        ((volatile char *)va)[i] = ((const char *)src)[i];
#endif
}

/* A handle a thread got as its argument (nx_thread_create's arg: the
 * creator passes nx_handle_of(h).v), untyped: the thread says what kind
 * it expects with nx_K_from_handle. */
static inline nx_handle_t handle_arg(uintptr_t arg)
{
    return (nx_handle_t){ (uint32_t)arg };
}

/* Where the VMO selftests map: 1 GiB into the user range both ports
 * have, [64 GiB, 128 GiB), far from the program image (its start) and
 * the stacks (its top). */
#define NX_TEST_MAP_BASE ((uintptr_t)0x1040000000ull)

/* Append `s` to buf at *n (bounded). */
static inline void put(char *buf, uint32_t *n, uint32_t max, const char *s)
{
    while (*s != '\0' && *n + 1u < max)
        buf[(*n)++] = *s++;
}

/* Append a decimal number. */
static inline void put_u(char *buf, uint32_t *n, uint32_t max, uint64_t v)
{
    char digits[20];
    uint32_t k = 0;
    do {
        digits[k++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u && k < sizeof digits);
    while (k > 0u && *n + 1u < max)
        buf[(*n)++] = digits[--k];
}

/* Print the verdict line and return the exit code it stands for. */
static inline int32_t verdict(const char *name, const char *why, uint64_t detail)
{
    char line[160];
    uint32_t n = 0;
    put(line, &n, sizeof line, "SELFTEST: ");
    put(line, &n, sizeof line, name);
    if (why == 0) {
        put(line, &n, sizeof line, " ok\n");
    } else {
        put(line, &n, sizeof line, " FAILED: ");
        put(line, &n, sizeof line, why);
        put(line, &n, sizeof line, " (");
        put_u(line, &n, sizeof line, detail);
        put(line, &n, sizeof line, ")\n");
    }
    (void)nx_debug_write(line, n);
    return why == 0 ? 0 : 1;
}

/* End the program `prog` with a failed verdict naming `what` unless the
 * status `got` is `want` (the detail is the status's magnitude). */
#define EXPECT_ST(prog, what, got, want)                                                           \
    do {                                                                                           \
        nx_status_t got_ = (got);                                                                  \
        if (got_ != (want))                                                                        \
            nx_thread_exit(verdict(prog, what, (uint64_t)(-(int64_t)got_)));                       \
    } while (0)

/* End the program with a failed verdict unless `cond` holds. */
#define EXPECT(prog, what, cond, detail)                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            nx_thread_exit(verdict(prog, what, (uint64_t)(detail)));                               \
    } while (0)

/* The mask of online harts. */
static inline uint32_t online_harts(void)
{
    uint64_t mask = 0;
    (void)nx_kernel_stat(NX_STAT_HARTS_ONLINE, 0, &mask);
    return (uint32_t)mask;
}

/* Another online hart than the caller's (the caller's when it is alone). */
static inline uint32_t other_hart(void)
{
    uint32_t online = online_harts(), me = nx_hart_id();
    for (uint32_t h = 0; h < 32u; h++)
        if ((online & (1u << h)) != 0u && h != me)
            return h;
    return me;
}

/* A counter summed over every online hart. */
static inline uint64_t stat_sum(nx_kernel_stat_t stat)
{
    uint32_t online = online_harts();
    uint64_t sum = 0;
    for (uint32_t h = 0; h < 32u; h++) {
        uint64_t v = 0;
        if ((online & (1u << h)) != 0u && nx_kernel_stat(stat, h, &v) == NX_OK)
            sum += v;
    }
    return sum;
}

#endif /* NX_PROGRAMS_SELFTEST_H */
