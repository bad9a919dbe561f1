/*
 * nx/kernel.h - the entry points a port calls into core/.
 *
 * A port owns the first instructions on each hart (stacks, trap vector) and
 * then hands control to these functions; it calls the *_interrupt ones from
 * its trap handler: in kernel code only inside nx_port_interrupts_poll() or
 * nx_port_idle(), and whenever they interrupt user code (followed there by
 * nx_kernel_preempt() on the way back).
 */
#ifndef NX_KERNEL_H
#define NX_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Entry points stay functions of their own when the kernel is linked with
 * LTO (the rv64 preset): each costs one call, and a debugger can always
 * break on it by name. */
#define NX_ENTRY __attribute__((noinline))

/*
 * Boot the kernel on the boot hart. `dtb` is the device tree the firmware
 * (or simulator) describes the machine with; at most `dtb_max_bytes` of it
 * may be read. `boot_hartid` is the hardware id of the calling hart.
 * Resets every piece of core state first, so a simulator can boot many
 * machines in one process. Never returns: it ends in nx_port_shutdown().
 */
NX_ENTRY _Noreturn void nx_kernel_boot(const void *dtb, size_t dtb_max_bytes, uint64_t boot_hartid);

/* Entry of every other hart, started by nx_port_hart_start(hart). */
NX_ENTRY _Noreturn void nx_kernel_secondary(uint32_t hart);

/* This hart's one-shot timer fired (the port already disarmed it). */
NX_ENTRY void nx_kernel_timer_interrupt(void);

/* This hart received one or more IPIs (the port already acknowledged them). */
NX_ENTRY void nx_kernel_ipi_interrupt(void);

/* The interrupt controller signals a pending source for this hart: core
 * claims, handles and completes sources (nx_port_irq_claim/complete). */
NX_ENTRY void nx_kernel_external_interrupt(void);

/*
 * The current thread is about to continue in user mode after a system call
 * or after interrupts were taken (rv64: the return from a trap to U-mode;
 * sim: the end of nx_syscall(), or inside a program's nx_compute()). If
 * the scheduler wants this hart for another thread, the switch happens
 * here; returns when this thread runs again, perhaps on another hart.
 */
NX_ENTRY void nx_kernel_preempt(void);

/* What a user program did that ends it. */
typedef enum nx_user_fault {
    NX_USER_FAULT_PAGE = 1,       /* load, store or fetch of an address it may not use */
    NX_USER_FAULT_ILLEGAL = 2,    /* an illegal or privileged instruction */
    NX_USER_FAULT_MISALIGNED = 3, /* a misaligned access the hardware does not do */
    NX_USER_FAULT_BREAKPOINT = 4, /* ebreak */
} nx_user_fault_t;

/*
 * The current thread's user program faulted (`addr`: the address it used,
 * `pc`: where). Core ends the thread's task (an audit record says why);
 * never returns: the hart goes on with other threads.
 */
NX_ENTRY _Noreturn void nx_kernel_user_fault(nx_user_fault_t kind, uintptr_t addr, uintptr_t pc);

#endif /* NX_KERNEL_H */
