/* bench_null.h - what the benchmark programs share: a BENCH line, and the
 * null system call timed (bench_syscall, bench_filter): hart_id does no
 * work in the kernel, and under QEMU with -icount shift=0 one guest
 * instruction is one ns, so the figure is guest instructions per call. */
#ifndef NX_PROGRAMS_BENCH_NULL_H
#define NX_PROGRAMS_BENCH_NULL_H

#include "nexus/start.h"
#include "selftest.h"
#include "sysfilter_blob.h"

#define BENCH_NULL_CALLS 20000u

/* Print "BENCH <name> guest_instr_per_op=N": `total` ns over `ops`. */
static inline void bench_report(const char *name, uint64_t total, uint32_t ops)
{
    char line[96];
    uint32_t n = 0;
    put(line, &n, sizeof line, "BENCH ");
    put(line, &n, sizeof line, name);
    put(line, &n, sizeof line, " guest_instr_per_op=");
    put_u(line, &n, sizeof line, total / ops);
    put(line, &n, sizeof line, "\n");
    (void)nx_debug_write(line, n);
}

/* BENCH_NULL_CALLS null calls, reported as `name`. */
static inline void bench_null_measure(const char *name)
{
    uint64_t t0 = nx_time_now();
    for (uint32_t i = 0; i < BENCH_NULL_CALLS; i++)
        (void)nx_syscall(NX_SYS_HART_ID, 0, 0, 0, 0, 0, 0);
    bench_report(name, nx_time_now() - t0, BENCH_NULL_CALLS);
}

/* Push profile p on the program's own task. */
static inline bool bench_null_attach(const nx_test_filter_t *p)
{
    unsigned char blob[NX_FILTER_MAX_BLOB_BYTES]; /* the program's memory: its stack */
    size_t n = nx_test_filter_pack(p, blob);
    return nx_task_filter_attach(NX_START_SELF_TASK, blob, n, 0) == NX_OK;
}

#endif /* NX_PROGRAMS_BENCH_NULL_H */
