/*
 * bundle.c - the boot bundle: the selftest programs (tests/programs), each
 * an ELF image linked into the kernel (bundle_images.S, generated), handed
 * to init by nx_port_boot_programs(), then this port's own programs, plus
 * one image init must refuse; or,
 * with the bootargs word nexus.bench, the benchmark programs instead.
 */
#include "nexus/sched.h"
#include "nexus/syscall.h"
#include "nexus/sysfilter.h"
#include "nx/boot.h"
#include "nx/init.h"
#include "nx/kernel.h"
#include "nx/port.h"

/* This port's own programs (user/programs, user.cmake): every register
 * kept across the kernel, and each kind of exception a program can take
 * ends it with its fault code. */
#define NX_RV64_FAULTED(kind) NX_EXIT_CODE_FAULT(NX_USER_FAULT_##kind)
#define NX_RV64_BUNDLE(X)                                                                          \
    X(registers, NX_QOS_NORMAL, 0, NULL)                                                           \
    X(fault_csr, NX_QOS_NORMAL, NX_RV64_FAULTED(ILLEGAL), NULL)                                    \
    X(fault_fp, NX_QOS_NORMAL, NX_RV64_FAULTED(ILLEGAL), NULL)                                     \
    X(fault_ebreak, NX_QOS_NORMAL, NX_RV64_FAULTED(BREAKPOINT), NULL)                              \
    X(fault_misaligned, NX_QOS_NORMAL, NX_RV64_FAULTED(MISALIGNED), NULL)                          \
    X(fault_kernel_load, NX_QOS_NORMAL, NX_RV64_FAULTED(PAGE), NULL)                               \
    X(fault_exec_stack, NX_QOS_NORMAL, NX_RV64_FAULTED(PAGE), NULL)

#define NX_BUNDLE(name, qos, expect, peer)                                                         \
    extern const unsigned char nx_image_##name[], nx_image_##name##_end[];
#define NX_BUNDLE_POLICY(name, qos, expect, target)  NX_BUNDLE(name, qos, expect, target)
#define NX_BUNDLE_DRIVER(name, qos, expect, devices) NX_BUNDLE(name, qos, expect, NULL)
#include "bundle.def"
NX_RV64_BUNDLE(NX_BUNDLE)
NX_BUNDLE(wx_refused, NX_QOS_NORMAL, 0, NULL)
NX_BUNDLE(bench_filter, NX_QOS_PERFBURST, 0, NULL)
NX_BUNDLE(bench_syscall, NX_QOS_INTERACTIVE, 0, NULL)
NX_BUNDLE(bench_yield, NX_QOS_NORMAL, 0, NULL)
NX_BUNDLE(bench_ipc, NX_QOS_IDLE, 0, NULL)
NX_BUNDLE(bench_device, NX_QOS_NORMAL, 0, NULL)
#undef NX_BUNDLE
#undef NX_BUNDLE_POLICY
#undef NX_BUNDLE_DRIVER

static const struct {
    const char *name;
    const unsigned char *start, *end;
    nx_qos_t qos;
    int32_t expect_exit;
    bool expect_refused;
    const char *peer;
    bool bench;       /* runs only with nexus.bench, each alone: init starts one
                         when those before it have exited (after_previous) */
    bool policy;      /* a policy service; `peer`: the task it manages first */
    uint32_t devices; /* a driver: the devices it is handed (nx_init_wiring_t) */
} bundle[] = {
#define NX_BUNDLE(name, qos, expect, peer)                                                         \
    { #name, nx_image_##name, nx_image_##name##_end, qos, expect, false, peer, false, false, 0 },
#define NX_BUNDLE_POLICY(name, qos, expect, target)                                                \
    { #name, nx_image_##name, nx_image_##name##_end, qos, expect, false, target, false, true, 0 },
#define NX_BUNDLE_DRIVER(name, qos, expect, devices)                                               \
    {                                                                                              \
        #name, nx_image_##name, nx_image_##name##_end, qos, expect, false, NULL, false,            \
        false, devices                                                                             \
    },
#include "bundle.def"
    NX_RV64_BUNDLE(NX_BUNDLE)
#undef NX_BUNDLE
#undef NX_BUNDLE_POLICY
#undef NX_BUNDLE_DRIVER
        { "wx_refused", nx_image_wx_refused, nx_image_wx_refused_end, NX_QOS_NORMAL, 0, true, NULL,
          false, false, 0 },
    { "bench_filter", nx_image_bench_filter, nx_image_bench_filter_end, NX_QOS_PERFBURST, 0, false,
      NULL, true, false, 0 },
    { "bench_syscall", nx_image_bench_syscall, nx_image_bench_syscall_end, NX_QOS_INTERACTIVE, 0,
      false, NULL, true, false, 0 },
    { "bench_yield", nx_image_bench_yield, nx_image_bench_yield_end, NX_QOS_NORMAL, 0, false, NULL,
      true, false, 0 },
    { "bench_ipc", nx_image_bench_ipc, nx_image_bench_ipc_end, NX_QOS_IDLE, 0, false, NULL, true,
      false, 0 },
    { "bench_device", nx_image_bench_device, nx_image_bench_device_end, NX_QOS_NORMAL, 0, false,
      NULL, true, false, 0x1u },
};

_Static_assert(sizeof bundle / sizeof bundle[0] <= NX_MAX_BOOT_PROGRAMS,
               "init starts every program of the bundle: raise NX_MAX_BOOT_PROGRAMS");

/* Bootargs `nexus.drivers-alone`: only the driver programs (not the
 * benchmarks), one after another, each told so (arg 1), so one may write
 * through the UART's registers without landing inside another program's
 * console line (tests/qemu: qemu_drivers_alone). */
static bool drivers_alone(void)
{
    return nx_bootinfo_has_arg(nx_boot_info(), "nexus.drivers-alone");
}

uint32_t nx_port_boot_programs(nx_boot_program_t *out, uint32_t max)
{
    bool bench = nx_bootinfo_has_arg(nx_boot_info(), "nexus.bench");
    bool only = drivers_alone();
    uint32_t n = 0;
    for (uint32_t i = 0; i < sizeof bundle / sizeof bundle[0] && n < max; i++) {
        if (only ? bundle[i].devices == 0u || bundle[i].bench : bundle[i].bench != bench)
            continue;
        out[n] = (nx_boot_program_t){
            .run = { .name = bundle[i].name,
                     .image = bundle[i].start,
                     .image_size = (size_t)(bundle[i].end - bundle[i].start),
                     .arg = only ? 1u : 0u,
                     .qos = (uint32_t)bundle[i].qos },
            .wiring = { .policy = bundle[i].policy,
                        .peer = bundle[i].peer,
                        .devices = bundle[i].devices,
                        .after_previous = bundle[i].bench || only },
            .expect = { .exit_code = bundle[i].expect_exit, .refused = bundle[i].expect_refused },
        };
        n++;
    }
    return n;
}

/* Nowhere to keep it on this port: init has said its figures. */
void nx_port_program_learned(uint32_t index, const void *blob, size_t len,
                             const nx_filter_learned_info_t *info)
{
    (void)index;
    (void)blob;
    (void)len;
    (void)info;
}
