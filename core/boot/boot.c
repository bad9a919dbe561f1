/*
 * boot.c - the boot sequence both ports run: DTB -> machine -> harts -> selftests.
 *
 * The boot hart parses the device tree, hands the result to the port, prints
 * the banner, starts every other hart and waits (bounded) for each to check
 * in, then runs the boot selftests and powers the machine off with their
 * verdict. Each step is a boot stage; nx_boot_advance() refuses a step out
 * of order.
 */
#include <stdatomic.h>

#include "nexus/version.h"
#include "nx/boot.h"
#include "nx/core.h"
#include "nx/device.h"
#include "nx/init.h"
#include "nx/kernel.h"
#include "nx/mem.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "nx/sched.h"
#include "nx/selftest.h"

/* Bit 31 of the check-in word closes it: a hart arriving later is turned away. */
#define CHECKIN_CLOSED (1u << 31)
_Static_assert(NX_MAX_HARTS <= 31u, "hart masks are 32-bit with bit 31 reserved");

static struct {
    atomic_uint stage;   /* nx_boot_stage_t */
    atomic_uint checkin; /* bit i: logical hart i checked in; CHECKIN_CLOSED */
    uint32_t boot_hart;  /* written by the boot hart before any other hart starts */
    uint32_t started;    /* harts the port agreed to start (boot hart only) */
    nx_boot_info_t info; /* written once before NX_BOOT_STAGE_BOOTINFO */
} boot;

nx_boot_stage_t nx_boot_stage(void)
{
    return (nx_boot_stage_t)atomic_load_explicit(&boot.stage, memory_order_acquire);
}

void nx_boot_advance(nx_boot_stage_t from, nx_boot_stage_t to)
{
    unsigned expected = (unsigned)from;
    if ((unsigned)to != expected + 1u ||
        !atomic_compare_exchange_strong_explicit(&boot.stage, &expected, (unsigned)to,
                                                 memory_order_acq_rel, memory_order_acquire))
        nx_panic("boot stage %u -> %u out of order (current stage %u)", (unsigned)from,
                 (unsigned)to, expected);
}

const nx_boot_info_t *nx_boot_info(void)
{
    return &boot.info;
}

void nx_boot_info_install(const nx_boot_info_t *bi)
{
    boot.info = *bi;
}

uint32_t nx_boot_online_mask(void)
{
    return atomic_load_explicit(&boot.checkin, memory_order_acquire) & ~CHECKIN_CLOSED;
}

uint32_t nx_hart_mask_count(uint32_t mask)
{
    uint32_t n = 0;
    for (; mask != 0u; mask &= mask - 1u)
        n++;
    return n;
}

bool nx_boot_spin_until(bool (*cond)(uint32_t arg), uint32_t arg, uint64_t timeout_ns)
{
    uint64_t start = nx_port_time_ns();
    for (;;) {
        nx_port_interrupts_poll();
        if (cond(arg))
            return true;
        if (nx_port_time_ns() - start >= timeout_ns)
            return false;
        nx_port_relax();
    }
}

/* --- boot hart ------------------------------------------------------------ */

static void reset_core_state(void)
{
    nx_memset(&boot, 0, sizeof boot);
    atomic_store_explicit(&boot.stage, (unsigned)NX_BOOT_STAGE_RESET, memory_order_relaxed);
    atomic_store_explicit(&boot.checkin, 0u, memory_order_relaxed);
    nx_selftest_reset();
    nx_core_reset();
}

static void print_mib(const char *what, uint64_t bytes)
{
    nx_printk("nexus: %s %llu MiB\n", what, (unsigned long long)(bytes >> 20));
}

static void print_banner(void)
{
    const nx_boot_info_t *bi = &boot.info;
    uint64_t mem = 0;
    for (uint32_t i = 0; i < bi->mem_count; i++)
        mem += bi->mem[i].size;

    nx_printk("nexus %s booting on hart %u (hartid %llu)\n", NX_VERSION_STRING, boot.boot_hart,
              (unsigned long long)bi->harts[boot.boot_hart].hartid);
    nx_printk("nexus: %u harts, timebase %llu Hz, dtb %u bytes\n", bi->hart_count,
              (unsigned long long)bi->timebase_hz, bi->dtb_size);
    for (uint32_t i = 0; i < bi->mem_count; i++)
        nx_printk("nexus: memory 0x%llx..0x%llx\n", (unsigned long long)bi->mem[i].base,
                  (unsigned long long)(bi->mem[i].base + bi->mem[i].size - 1u));
    print_mib("memory total", mem);
    if (bi->uart.present)
        nx_printk("nexus: console ns16550a at 0x%llx irq %u\n", (unsigned long long)bi->uart.base,
                  bi->uart.irq);
    if (bi->plic.present)
        nx_printk("nexus: plic at 0x%llx, %u sources\n", (unsigned long long)bi->plic.base,
                  bi->plic_ndev);
    if (bi->test_finisher.present)
        nx_printk("nexus: test finisher at 0x%llx\n", (unsigned long long)bi->test_finisher.base);
    nx_printk("nexus: %u virtio-mmio slots\n", bi->virtio_count);

    /* Bounds that cut the machine down are said out loud. */
    if (bi->harts_ignored > 0u)
        nx_printk("nexus: device tree lists %u harts; using %u (NX_MAX_HARTS), boot hart "
                  "included\n",
                  bi->hart_count + bi->harts_ignored, bi->hart_count);
    if (bi->mem_ignored > 0u)
        nx_printk("nexus: device tree lists %u memory ranges; using the first %u "
                  "(NX_BOOTINFO_MAX_MEM_REGIONS)\n",
                  bi->mem_count + bi->mem_ignored, bi->mem_count);
    if (bi->reserved_ignored > 0u)
        nx_printk("nexus: device tree lists %u reserved ranges; using the first %u "
                  "(NX_BOOTINFO_MAX_RESERVED)\n",
                  bi->reserved_count + bi->reserved_ignored, bi->reserved_count);
    if (bi->virtio_ignored > 0u)
        nx_printk("nexus: device tree lists %u virtio-mmio slots; using the first %u "
                  "(NX_BOOTINFO_MAX_VIRTIO)\n",
                  bi->virtio_count + bi->virtio_ignored, bi->virtio_count);
    if (bi->bootargs[0] != '\0')
        nx_printk("nexus: bootargs \"%s\"%s\n", bi->bootargs,
                  bi->bootargs_truncated ? " (truncated)" : "");
}

static bool all_checked_in(uint32_t expected)
{
    return (nx_boot_online_mask() & expected) == expected;
}

static void start_secondaries(void)
{
    const nx_boot_info_t *bi = &boot.info;
    boot.started = 1u << boot.boot_hart;
    for (uint32_t h = 0; h < bi->hart_count; h++) {
        if (h == boot.boot_hart)
            continue;
        nx_status_t st = nx_port_hart_start(h);
        if (st != NX_OK) {
            nx_printk("nexus: hart %u (hartid %llu) failed to start: %s; continuing without it\n",
                      h, (unsigned long long)bi->harts[h].hartid, nx_status_name(st));
            continue;
        }
        boot.started |= 1u << h;
    }

    bool all = nx_boot_spin_until(all_checked_in, boot.started, NX_BOOT_CHECKIN_TIMEOUT_NS);
    /* Close check-in: the online set is final from here on. */
    uint32_t online =
        atomic_fetch_or_explicit(&boot.checkin, CHECKIN_CLOSED, memory_order_acq_rel) &
        ~CHECKIN_CLOSED;
    if (!all) {
        for (uint32_t h = 0; h < bi->hart_count; h++)
            if ((boot.started & ~online) & (1u << h))
                nx_printk("nexus: hart %u was started but did not check in within %llu ms; "
                          "continuing without it\n",
                          h, (unsigned long long)(NX_BOOT_CHECKIN_TIMEOUT_NS / 1000000u));
    }
    nx_printk("nexus: %u of %u harts online\n", nx_hart_mask_count(online), bi->hart_count);
}

_Noreturn void nx_kernel_boot(const void *dtb, size_t dtb_max_bytes, uint64_t boot_hartid)
{
    reset_core_state();

    nx_dtb_diag_t diag;
    nx_status_t st = nx_bootinfo_parse(dtb, dtb_max_bytes, boot_hartid, &boot.info, &diag);
    if (st != NX_OK)
        nx_panic("device tree rejected: %s [%s, %s, node offset %d%s%s, libfdt error %d]",
                 nx_dtb_reason_text(diag.reason), nx_dtb_reason_name(diag.reason),
                 nx_status_name(st), (int)diag.node_offset, diag.property ? ", property " : "",
                 diag.property ? diag.property : "", (int)diag.fdt_error);
    nx_boot_advance(NX_BOOT_STAGE_RESET, NX_BOOT_STAGE_BOOTINFO);

    /* Tests the path of a failure before the port knows its devices. */
    if (nx_bootinfo_has_arg(&boot.info, "nexus.test=early-panic"))
        nx_panic("requested by bootargs (nexus.test=early-panic)");

    /* The parser keeps the boot hart, so the index exists. */
    int32_t self = nx_bootinfo_hart_index(&boot.info, boot_hartid);
    NX_ASSERT(self >= 0);
    boot.boot_hart = (uint32_t)self;
    atomic_store_explicit(&boot.checkin, 1u << boot.boot_hart, memory_order_release);

    st = nx_port_machine_init(&boot.info, boot.boot_hart);
    if (st != NX_OK)
        nx_panic("the port cannot run on this machine: %s", nx_status_name(st));
    nx_boot_advance(NX_BOOT_STAGE_BOOTINFO, NX_BOOT_STAGE_MACHINE);
    nx_device_boot(&boot.info);
    nx_sched_init_hart();

    print_banner();
    start_secondaries();
    nx_boot_advance(NX_BOOT_STAGE_MACHINE, NX_BOOT_STAGE_SMP);

    /* Lets the panic path be tested end to end on every port. */
    if (nx_bootinfo_has_arg(&boot.info, "nexus.test=panic"))
        nx_panic("requested by bootargs (nexus.test=panic)");

    nx_boot_advance(NX_BOOT_STAGE_SMP, NX_BOOT_STAGE_SELFTEST);
    uint32_t failed = nx_selftest_run_all();
    if (failed > 0u)
        nx_panic_exit(NX_EXIT_FAIL, "%u boot selftest(s) failed", failed);
    /* Init runs the scheduler's selftests, then the programs, and ends the
     * machine; this hart becomes one the scheduler runs threads on. */
    nx_init_start();
    nx_sched_idle_loop();
}

/* --- other harts ---------------------------------------------------------- */

/* A hart that came too late: never scheduled, it only takes interrupts. */
static _Noreturn void park(void)
{
    for (;;)
        nx_port_idle();
}

_Noreturn void nx_kernel_secondary(uint32_t hart)
{
    if (nx_boot_stage() < NX_BOOT_STAGE_MACHINE || hart >= boot.info.hart_count)
        nx_panic("hart %u entered the kernel before boot started it", hart);

    unsigned old = atomic_load_explicit(&boot.checkin, memory_order_acquire);
    do {
        if (old & CHECKIN_CLOSED) {
            nx_printk("nexus: hart %u checked in after the deadline; parked\n", hart);
            park();
        }
    } while (!atomic_compare_exchange_weak_explicit(&boot.checkin, &old, old | (1u << hart),
                                                    memory_order_acq_rel, memory_order_acquire));
    nx_printk("nexus: hart %u (hartid %llu) online\n", hart,
              (unsigned long long)boot.info.harts[hart].hartid);

    nx_sched_init_hart();
    nx_selftest_secondary(hart);
    nx_sched_idle_loop();
}
