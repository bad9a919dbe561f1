/*
 * port.c - core's port interface (nx/port.h) on RISC-V 64 under SBI.
 *
 * Console: SBI's legacy putchar until the boot info names a 16550 UART.
 * Time: the time CSR, converted with the DTB's timebase-frequency.
 * Timer: SBI TIME. IPIs: SBI IPI. Harts: SBI HSM. Power-off: the
 * sifive,test finisher from the DTB, else SBI SRST. Memory: Sv39 paging
 * on every hart from its first C code on (vm.c), frames (frames.c). TLB
 * shootdowns (aspace.c's unmap): SBI RFENCE to the harts whose record
 * names the space (rv_aspace_shootdown, here because the records are).
 */
#include "nx/kernel.h"
#include "nx/panic.h"
#include "nx/port.h"
#include "nx/printk.h"
#include "rv/csr.h"
#include "rv/frames.h"
#include "rv/hart.h"
#include "rv/plic.h"
#include "rv/sbi.h"
#include "rv/uart.h"
#include "rv/usercopy.h"
#include "rv/vm.h"

_Static_assert(RV_MAX_HARTS == NX_MAX_HARTS, "rv/hart.h and nexus/limits.h disagree");

#define NS_PER_S 1000000000ull

/* sifive,test finisher commands: pass, or fail with a code in the top half. */
#define FINISHER_PASS 0x5555u
#define FINISHER_FAIL 0x3333u

/* Entry point of started harts (entry.S). */
void rv_secondary_start(void);

/* The kernel image (linker.ld). */
extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

static struct {
    const nx_boot_info_t *bi;
    uint64_t timebase_hz;
    bool uart;
    bool has_finisher;
    uintptr_t finisher;
    bool has_hsm;
    bool has_srst;
} rv;

static rv_hart_local_t locals[RV_MAX_HARTS];
uint64_t rv_hart_start_ids[RV_MAX_HARTS];
static uint64_t shootdowns; /* RFENCE calls made, for tests */

/* Frames, the kernel page tables, paging on for the boot hart and the
 * check of its tables (which panics on a W+X page); the leaf counts come
 * back for the report. The boot info stays reachable: the kernel is
 * identity mapped. */
static nx_status_t memory_init(const nx_boot_info_t *bi, uint32_t leaves[2])
{
    nx_status_t st =
        rv_frames_init(bi, (uintptr_t)__kernel_start, (uintptr_t)__kernel_end, rv_boot_dtb);
    if (st != NX_OK) {
        nx_printk("rv64: no memory range holds the kernel with frames to spare\n");
        return st;
    }
    rv_frame_stats_t fs;
    rv_frames_stats(&fs);
    st = rv_vm_init(bi, fs.top);
    if (st != NX_OK) {
        nx_printk("rv64: RAM or a device reaches the user range at 0x%llx\n",
                  (unsigned long long)RV_USER_BASE);
        return st;
    }
    rv_vm_enable_hart();
    rv_vm_check_kernel(&leaves[0], &leaves[1]);
    return NX_OK;
}

static void memory_report(const uint32_t leaves[2])
{
    rv_frame_stats_t fs;
    rv_frames_stats(&fs);
    uint64_t k0 = (uintptr_t)__kernel_start, k1 = (uintptr_t)__kernel_end;
    nx_printk("rv64: Sv39 on; kernel 0x%llx..0x%llx (%llu KiB: text %llu R+X, rodata %llu R, "
              "rest R+W), RAM R+W to 0x%llx; %u 4 KiB + %u 2 MiB leaves\n",
              (unsigned long long)k0, (unsigned long long)(k1 - 1u),
              (unsigned long long)((k1 - k0) >> 10),
              (unsigned long long)(((uintptr_t)__text_end - k0) >> 10),
              (unsigned long long)(((uintptr_t)__rodata_end - (uintptr_t)__text_end) >> 10),
              (unsigned long long)fs.top, leaves[0], leaves[1]);
    nx_printk("rv64: frames 0x%llx..0x%llx: %llu free, %llu used, %llu bitmap, %llu in holes\n",
              (unsigned long long)fs.base, (unsigned long long)(fs.top - 1u),
              (unsigned long long)fs.free, (unsigned long long)fs.used, (unsigned long long)fs.meta,
              (unsigned long long)(((fs.top - fs.base) >> RV_FRAME_SHIFT) - fs.total));
}

int32_t rv_aspace_active_hart(uint64_t root)
{
    for (uint32_t i = 0; i < RV_MAX_HARTS; i++)
        if (__atomic_load_n(&locals[i].aspace_root, __ATOMIC_SEQ_CST) == root)
            return (int32_t)i;
    return -1;
}

/* One RFENCE call; the unmap it completes cannot be undone, so a refusal
 * (a hart the firmware does not know) is fatal. */
static void remote_fence(uint64_t mask, uint64_t base, uint64_t va, uint64_t size)
{
    sbi_ret_t r = sbi_remote_sfence_vma(mask, base, va, size);
    if (r.error != SBI_SUCCESS)
        nx_panic("rv64: SBI remote sfence.vma to hartids 0x%llx << %llu failed (%ld)",
                 (unsigned long long)mask, (unsigned long long)base, r.error);
    __atomic_fetch_add(&shootdowns, 1u, __ATOMIC_RELAXED);
}

/*
 * The caller cleared entries of the space at `root`. The full fence pairs
 * with activation's (aspace.c): either a hart's record already names
 * `root` when read below, and that hart is fenced, or the hart activates
 * it later and its walks see the cleared entries. Hart ids are grouped
 * into as few 64-bit masks as their spread allows (one on QEMU).
 */
void rv_aspace_shootdown(uint64_t root, uint64_t va, uint64_t size)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    const rv_hart_local_t *self = rv_hart_local();
    uint64_t mask = 0, base = 0;
    for (uint32_t i = 0; i < RV_MAX_HARTS; i++) {
        if (&locals[i] == self || __atomic_load_n(&locals[i].aspace_root, __ATOMIC_SEQ_CST) != root)
            continue;
        uint64_t id = locals[i].hartid; /* set before the hart started */
        if (mask != 0u && (id < base || id - base >= 64u)) {
            remote_fence(mask, base, va, size);
            mask = 0;
        }
        if (mask == 0u)
            base = id;
        mask |= 1ull << (id - base);
    }
    if (mask != 0u)
        remote_fence(mask, base, va, size);
}

uint64_t rv_tlb_shootdowns(void)
{
    return __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
}

nx_status_t nx_port_machine_init(const nx_boot_info_t *bi, uint32_t boot_hart)
{
    rv_hart_local_t *early = rv_hart_local();
    if (bi == NULL || boot_hart >= bi->hart_count || bi->harts[boot_hart].hartid != early->hartid)
        return NX_ERR_INVALID_ARGS;
    /* The timer, IPIs and remote fences (unmapping shared pages) have no
     * fallback; starting harts and SRST do. */
    if (!sbi_probe(SBI_EXT_TIME) || !sbi_probe(SBI_EXT_IPI) || !sbi_probe(SBI_EXT_RFENCE))
        return NX_ERR_NOT_SUPPORTED;
    rv.has_hsm = sbi_probe(SBI_EXT_HSM);
    rv.has_srst = sbi_probe(SBI_EXT_SRST);

    rv.bi = bi;
    rv.timebase_hz = bi->timebase_hz;
    locals[boot_hart].hartid = early->hartid;
    locals[boot_hart].logical = boot_hart;
    rv_set_hart_local(&locals[boot_hart]);
    /* Known before paging goes on, so a panic there still exits QEMU with
     * its status (identity mapped both ways). */
    if (bi->test_finisher.present) {
        rv.has_finisher = true;
        rv.finisher = (uintptr_t)bi->test_finisher.base;
    }

    uint32_t leaves[2];
    nx_status_t st = memory_init(bi, leaves);
    if (st != NX_OK)
        return st;
    rv_csr_set(scounteren, RV_SCOUNTEREN_TM);

    if (bi->uart.present) {
        rv_uart_init((uintptr_t)bi->uart.base, bi->uart_reg_shift, bi->uart_reg_io_width);
        rv.uart = true;
    }
    memory_report(leaves);
    rv_user_copy_selfcheck();

    rv_plic_init(bi);

    sbi_set_timer(UINT64_MAX);
    uint64_t sei = rv_plic_hart_init(boot_hart) ? RV_SIE_SEIE : 0u;
    rv_csr_set(sie, RV_SIE_SSIE | RV_SIE_STIE | sei);

    /* Let the kernel-fault path be tested end to end under QEMU: an
     * illegal instruction; a user page fault outside the user-copy routine
     * (SUM set, nothing mapped: panics); a fault inside it on a kernel
     * address (the first one past the user range: panics too, only user
     * addresses are recovered). */
    if (nx_bootinfo_has_arg(bi, "nexus.test=trap"))
        __asm__ volatile("unimp");
    if (nx_bootinfo_has_arg(bi, "nexus.test=sum-fault")) {
        rv_csr_set(sstatus, RV_SSTATUS_SUM);
        (void)*(volatile const uint8_t *)(uintptr_t)RV_USER_BASE;
    }
    if (nx_bootinfo_has_arg(bi, "nexus.test=copy-kernel-fault")) {
        uint8_t byte;
        (void)rv_user_copy(&byte, (const void *)(uintptr_t)RV_USER_TOP, 1);
    }
    return NX_OK;
}

uint32_t nx_port_this_hart(void)
{
    return rv_hart_local()->logical;
}

nx_status_t nx_port_hart_start(uint32_t hart)
{
    if (rv.bi == NULL || hart >= rv.bi->hart_count || hart == nx_port_this_hart())
        return NX_ERR_INVALID_ARGS;
    if (!rv.has_hsm)
        return NX_ERR_NOT_SUPPORTED;
    locals[hart].hartid = rv.bi->harts[hart].hartid;
    locals[hart].logical = hart;
    rv_hart_start_ids[hart] = locals[hart].hartid + 1u;
    rv_fence_all(); /* the new hart must see locals[hart] and its id when it starts */
    sbi_ret_t r =
        sbi_hart_start(locals[hart].hartid, (uint64_t)(uintptr_t)rv_secondary_start, hart);
    switch (r.error) {
    case SBI_SUCCESS:
        return NX_OK;
    case SBI_ERR_ALREADY_AVAILABLE:
        return NX_ERR_BAD_STATE;
    default:
        return NX_ERR_IO;
    }
}

/* Called by entry.S on a started hart, on its own stack. */
_Noreturn void rv_secondary_main(uint64_t hartid, uint64_t logical);
_Noreturn void rv_secondary_main(uint64_t hartid, uint64_t logical)
{
    (void)hartid;
    rv_set_hart_local(&locals[logical]); /* first: a panic names the hart through it */
    rv_vm_enable_hart();
    rv_csr_set(scounteren, RV_SCOUNTEREN_TM);
    sbi_set_timer(UINT64_MAX);
    uint64_t sei = rv_plic_hart_init((uint32_t)logical) ? RV_SIE_SEIE : 0u;
    rv_csr_set(sie, RV_SIE_SSIE | RV_SIE_STIE | sei);
    nx_kernel_secondary((uint32_t)logical);
}

uint64_t nx_port_time_ns(void)
{
    uint64_t tb = rv.timebase_hz;
    if (tb == 0u)
        return 0; /* before machine init: no clock yet */
    uint64_t t = rv_rdtime();
    /* Split so neither product overflows: (t % tb) * 1e9 < 2^32 * 1e9. */
    return (t / tb) * NS_PER_S + (t % tb) * NS_PER_S / tb;
}

void nx_port_timer_arm(uint64_t deadline_ns)
{
    uint64_t tb = rv.timebase_hz;
    if (deadline_ns == UINT64_MAX || tb == 0u) {
        sbi_set_timer(UINT64_MAX);
        return;
    }
    uint64_t secs = deadline_ns / NS_PER_S, rem = deadline_ns % NS_PER_S;
    if (secs > (UINT64_MAX - tb) / tb) {
        sbi_set_timer(UINT64_MAX - 1u); /* centuries away: effectively never */
        return;
    }
    /* Round up: the timer must not fire while time_ns() < deadline_ns. */
    uint64_t ticks = secs * tb + (rem * tb + NS_PER_S - 1u) / NS_PER_S;
    sbi_set_timer(ticks);
}

nx_status_t nx_port_ipi_send(uint32_t hart, nx_ipi_class_t cls)
{
    (void)cls; /* both classes travel the same way on hardware */
    if (rv.bi == NULL || hart >= rv.bi->hart_count)
        return NX_ERR_INVALID_ARGS;
    rv_fence_all(); /* the target must see our stores when its handler runs */
    sbi_ret_t r = sbi_send_ipi(rv.bi->harts[hart].hartid);
    return r.error == SBI_SUCCESS ? NX_OK : NX_ERR_IO;
}

void nx_port_console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            if (rv.uart)
                rv_uart_putc('\r');
            else
                sbi_console_putchar('\r');
        }
        if (rv.uart)
            rv_uart_putc(buf[i]);
        else
            sbi_console_putchar(buf[i]);
    }
}

void nx_port_interrupts_poll(void)
{
    /* Open the window for one instruction: a pending, enabled interrupt
     * traps right after the csrs. The clobber keeps memory accesses on
     * their side of the window. */
    __asm__ volatile("csrsi sstatus, 2\n\tnop\n\tcsrci sstatus, 2" ::: "memory");
}

void nx_port_idle(void)
{
    /* wfi wakes on a pending enabled interrupt even with SIE clear, so no
     * wake-up is lost between the caller's check and the wfi. */
    rv_wfi();
    nx_port_interrupts_poll();
}

void nx_port_relax(void)
{
    rv_pause();
}

/*
 * Only the test finisher can carry a failure out of QEMU: OpenSBI 1.1
 * implements SRST shutdown with that same device but always writes "pass",
 * whatever the reason. So a failure with no finisher known (a device tree
 * rejected before machine init) halts instead of reporting success; the
 * boot tests see the PANIC line and the hang.
 */
_Noreturn void nx_port_shutdown(nx_exit_code_t code)
{
    if (rv.has_finisher) {
        uint32_t cmd =
            code == NX_EXIT_PASS ? FINISHER_PASS : (((uint32_t)code << 16) | FINISHER_FAIL);
        rv_fence_all();
        *(volatile uint32_t *)rv.finisher = cmd;
    }
    if (code == NX_EXIT_PASS && (rv.has_srst || rv.bi == NULL))
        (void)sbi_system_reset(SBI_SRST_SHUTDOWN, SBI_SRST_REASON_NONE);
    if (code != NX_EXIT_PASS) {
        static const char halted[] = "nexus: no power-off device can report the failure; halted\n";
        nx_port_console_write(halted, sizeof halted - 1u);
    }
    for (;;)
        rv_wfi();
}
