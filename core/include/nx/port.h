/*
 * nx/port.h - the port interface: everything core/ needs from a machine.
 *
 * core/ is portable C; it reaches hardware only through the calls below.
 * Two ports implement all of them: sim/ (a deterministic machine on the
 * host) and port-rv64/ (RISC-V under QEMU). docs/porting.md explains each
 * call with both implementations.
 *
 * Conventions for every call:
 *  - "hart" is a logical index 0..hart_count-1 into nx_boot_info_t.harts;
 *    only the port knows hardware hart ids.
 *  - Unless a call says otherwise it may be called from any hart, with
 *    interrupts disabled, and does not block.
 *  - Core keeps interrupts disabled everywhere except inside
 *    nx_port_interrupts_poll() and nx_port_idle(); interrupt handlers
 *    (nx_kernel_*_interrupt) therefore only ever run inside those two calls
 *    or when they interrupt user code, never in the middle of kernel code.
 */
#ifndef NX_PORT_H
#define NX_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nx/bootinfo.h"

/* IPI classes (decision point 2): correctness IPIs must be delivered;
 * best-effort IPIs (reschedule nudges) may be coalesced or dropped. The port
 * delivers both; the class lets the simulator inject faults into the second
 * kind only. */
typedef enum nx_ipi_class {
    NX_IPI_CORRECTNESS = 0,
    NX_IPI_BEST_EFFORT = 1,
} nx_ipi_class_t;

/* How the machine ends; ports make it their exit status (QEMU exits with
 * it). 2 is left out: the command-line tools use it for usage errors. */
typedef enum nx_exit_code {
    NX_EXIT_PASS = 0,  /* every selftest passed */
    NX_EXIT_FAIL = 1,  /* a selftest failed */
    NX_EXIT_PANIC = 3, /* a kernel invariant broke (nx_panic) */
} nx_exit_code_t;

/* --- Machine ---------------------------------------------------------- */

/*
 * Hand the port the validated boot info; called once, on the boot hart,
 * before any other call below except nx_port_console_write(). The port picks
 * its console, timebase and power-off device from it and records that it
 * runs as logical hart `boot_hart`. It may keep the pointer: `bi` lives as
 * long as the kernel.
 * Returns NX_OK, or NX_ERR_NOT_SUPPORTED when the machine lacks something the
 * port cannot run without (the core then panics with the status).
 */
nx_status_t nx_port_machine_init(const nx_boot_info_t *bi, uint32_t boot_hart);

/* Logical index of the calling hart. Valid after nx_port_machine_init(). */
uint32_t nx_port_this_hart(void);

/*
 * Start logical hart `hart`; it enters nx_kernel_secondary(hart) on its own
 * stack, with interrupts disabled. Returns when the start was requested, not
 * when the hart runs: core waits for the hart to check in.
 * Returns NX_OK, NX_ERR_INVALID_ARGS (no such hart, or the caller itself),
 * NX_ERR_BAD_STATE (already started), NX_ERR_NOT_SUPPORTED (the machine
 * cannot start harts) or NX_ERR_IO (firmware refused; the port says why).
 */
nx_status_t nx_port_hart_start(uint32_t hart);

/* --- Time ------------------------------------------------------------- */

/* Monotonic time in ns since an arbitrary origin, the same on every hart. */
uint64_t nx_port_time_ns(void);

/*
 * Arm the calling hart's one-shot timer: nx_kernel_timer_interrupt() runs on
 * this hart once nx_port_time_ns() >= deadline_ns (immediately at the next
 * interrupt window if the deadline has passed). Re-arming replaces the
 * previous deadline; UINT64_MAX disarms. A fired timer is disarmed.
 */
void nx_port_timer_arm(uint64_t deadline_ns);

/* --- Inter-processor interrupts --------------------------------------- */

/*
 * Raise a software interrupt on logical hart `hart` (the caller included);
 * nx_kernel_ipi_interrupt() runs there. IPIs to one hart that arrive before
 * it takes the first may merge into one interrupt: pass data through memory.
 * Ordering: every store the caller made before this call is visible to the
 * target when its handler runs.
 * Returns NX_OK, NX_ERR_INVALID_ARGS (no such hart) or NX_ERR_IO (the
 * firmware refused to send it).
 */
nx_status_t nx_port_ipi_send(uint32_t hart, nx_ipi_class_t cls);

/* --- Console ---------------------------------------------------------- */

/* Write `len` bytes to the console, synchronously; "\n" ends a line. Works
 * from the first instruction of the kernel (early console) onwards. The
 * caller serialises whole lines (core's console lock). */
void nx_port_console_write(const char *buf, size_t len);

/* --- Waiting ---------------------------------------------------------- */

/* Take every interrupt pending on this hart now, then return. Does not wait. */
void nx_port_interrupts_poll(void);

/* Wait until an interrupt is pending on this hart, take it, return. May
 * return spuriously; callers re-check their condition. */
void nx_port_idle(void);

/* A spin-wait hint: the caller is busy-waiting for another hart. On hardware
 * a pause; in the simulator it consumes virtual time and lets other harts
 * run. Core calls it in every spin loop. */
void nx_port_relax(void);

/* --- External interrupts (the platform's interrupt controller) ---------- */

/* Sources are 1..boot info plic_ndev; 0 means "none". Priorities are
 * 0 (masked) .. NX_IRQ_PRIORITY_MAX; a higher priority is claimed first. */
#define NX_IRQ_PRIORITY_MAX 7u

/* Set source `irq`'s priority. NX_OK, NX_ERR_INVALID_ARGS (no such source,
 * priority out of range) or NX_ERR_NOT_SUPPORTED (no interrupt controller). */
nx_status_t nx_port_irq_set_priority(uint32_t irq, uint32_t priority);

/* Let source `irq` interrupt logical hart `hart` (or stop it). Statuses as
 * nx_port_irq_set_priority; also NX_ERR_INVALID_ARGS for a bad hart. */
nx_status_t nx_port_irq_enable(uint32_t irq, uint32_t hart, bool enable);

/* On the calling hart: claim the highest-priority pending source enabled
 * for it (ties: the lowest number); 0 when none. A claimed source is not
 * delivered again until it is completed. Called from
 * nx_kernel_external_interrupt(). */
uint32_t nx_port_irq_claim(void);

/* Complete a source this hart claimed; the claim is released even if the
 * source was disabled since. */
void nx_port_irq_complete(uint32_t irq);

/* --- Thread contexts ----------------------------------------------------- */

/* A suspended thread of execution: its stack and saved registers. Opaque to
 * core; each port keeps what it needs in these words. */
typedef struct nx_port_context {
    uintptr_t word[4];
} nx_port_context_t;

/*
 * Prepare `ctx` to run entry(arg) on a fresh kernel stack the first time it
 * is switched to; `entry` never returns. Returns NX_OK or
 * NX_ERR_NO_RESOURCES (no stack).
 */
nx_status_t nx_port_context_init(nx_port_context_t *ctx, void (*entry)(uintptr_t arg),
                                 uintptr_t arg);

/* Describe the code running now on this hart (its boot entry) as a context,
 * so the first nx_port_context_switch() can save it: a hart's boot stack
 * becomes its idle thread. */
void nx_port_context_current(nx_port_context_t *ctx);

/*
 * Save the running context into `from` and continue `to` on this hart;
 * returns when something switches back to `from`. Called with interrupts
 * disabled and no spin lock held. `to` must not be running on any hart.
 */
void nx_port_context_switch(nx_port_context_t *from, nx_port_context_t *to);

/* Release a context that will never run again (not the one running). */
void nx_port_context_destroy(nx_port_context_t *ctx);

/*
 * Leave the kernel for the current thread's user program at `entry` with
 * `arg` in its first argument register, `stack_top` as its stack pointer
 * and `return_to` as its return address (where its function goes when it
 * returns: the user runtime's exit stub; 0 for a program's first thread,
 * whose start-up code exits itself), in the active address space (sim:
 * call the program's C function on the thread's own stack; rv64: sret to
 * U-mode). Never returns: the thread comes back only through traps (a
 * system call, an interrupt, a fault), and ends with the exit system call
 * or a fault.
 */
_Noreturn void nx_port_enter_user(uintptr_t entry, uintptr_t arg, uintptr_t stack_top,
                                  uintptr_t return_to);

/* --- User address spaces ------------------------------------------------------ */

/* Page size of user mappings; every user address and size below is a
 * multiple of it. */
#define NX_PAGE_SIZE 4096u

/* Permissions of a user mapping. A mapping is never both writable and
 * executable (W^X): such a request is refused. */
#define NX_PROT_READ  (1u << 0)
#define NX_PROT_WRITE (1u << 1)
#define NX_PROT_EXEC  (1u << 2)

/* A task's address space: opaque to core. Every address space also maps
 * the kernel, never user-accessible. */
typedef struct nx_port_aspace {
    uintptr_t word[2];
} nx_port_aspace_t;

/* The user part of every address space: [*base, *top), page aligned. */
void nx_port_user_range(uintptr_t *base, uintptr_t *top);

/* A new, empty address space. NX_OK or NX_ERR_NO_RESOURCES. */
nx_status_t nx_port_aspace_create(nx_port_aspace_t *as);

/* Release an address space and all its memory. It must not be active on
 * any hart (core switches every thread of its task out first). */
void nx_port_aspace_destroy(nx_port_aspace_t *as);

/*
 * Map `size` bytes of fresh memory at user address `va` with `prot`:
 * zeroed, then the first `init_len` bytes (at most `size`) copied from the
 * kernel buffer `init`. NX_OK; NX_ERR_INVALID_ARGS (va or size not page
 * aligned, size 0, prot 0 or with bits outside NX_PROT_*, init_len > size,
 * writable and executable together); NX_ERR_OUT_OF_RANGE (outside
 * nx_port_user_range); NX_ERR_ALREADY_EXISTS (overlaps a mapping);
 * NX_ERR_NO_RESOURCES (no memory; nothing is left mapped).
 */
nx_status_t nx_port_aspace_map(nx_port_aspace_t *as, uintptr_t va, size_t size, uint32_t prot,
                               const void *init, size_t init_len);

/* Make `as` the calling hart's user address space (NULL: none, kernel
 * mappings only). Called by the scheduler when it switches to a thread of
 * another task, before the context switch. */
void nx_port_aspace_activate(nx_port_aspace_t *as);

/* --- Pages of memory objects ------------------------------------------------ */

/* Pages one nx_port_pages_alloc may hand out (the largest VMO). */
#define NX_PORT_PAGES_MAX 512u

/* Memory a VMO owns, whole pages: opaque to core. */
typedef struct nx_port_pages {
    uintptr_t word[2];
} nx_port_pages_t;

/* `count` (1..NX_PORT_PAGES_MAX) zeroed pages, not necessarily contiguous.
 * NX_OK; NX_ERR_INVALID_ARGS (count out of range); NX_ERR_NO_RESOURCES (no
 * memory; nothing is allocated). */
nx_status_t nx_port_pages_alloc(nx_port_pages_t *pages, size_t count);

/* The same, physically contiguous (memory a device may address: a DMA
 * VMO), so device addresses of consecutive pages are consecutive. Statuses
 * as nx_port_pages_alloc (NX_ERR_NO_RESOURCES also when no run of `count`
 * pages is free, however much memory is). */
nx_status_t nx_port_pages_alloc_contiguous(nx_port_pages_t *pages, size_t count);

/* The address a device uses for page `index` (< the count allocated) of
 * contiguous pages: the physical address where there is no IOMMU (rv64),
 * the simulator's bus address for its device models. */
uint64_t nx_port_pages_device_address(const nx_port_pages_t *pages, size_t index);

/* Release pages. No mapping of them may remain (core unmaps them first). */
void nx_port_pages_free(nx_port_pages_t *pages);

/* The kernel address of page `index` (< the count allocated): NX_PAGE_SIZE
 * bytes core may read and write. */
void *nx_port_pages_kaddr(const nx_port_pages_t *pages, size_t index);

/*
 * Map `size` bytes of `pages`, from page `first` on, at user address `va`
 * with `prot`. The mapping shares the pages: writes through it are seen by
 * every other mapping of them and by nx_port_pages_kaddr; it does not own
 * them (destroying the space leaves them allocated). Statuses as
 * nx_port_aspace_map (first + size / NX_PAGE_SIZE past the pages
 * allocated is NX_ERR_INVALID_ARGS).
 */
nx_status_t nx_port_aspace_map_pages(nx_port_aspace_t *as, uintptr_t va, size_t size, uint32_t prot,
                                     const nx_port_pages_t *pages, size_t first);

/*
 * Map `size` bytes of device registers, the physical pages from `phys` on
 * (page aligned: a device window the boot info lists, which core alone
 * chooses), at user address `va` with `prot` (never NX_PROT_EXEC), as
 * device memory where the port has the attribute. Like a shared mapping
 * it owns nothing. Every user copy (nx_port_copy_*, nx_port_user_check)
 * refuses such a range as NX_ERR_BAD_ADDRESS: reading a register may
 * change the device. Statuses as nx_port_aspace_map (an executable
 * request or a misaligned phys is NX_ERR_INVALID_ARGS). Unmapped with
 * nx_port_aspace_unmap.
 */
nx_status_t nx_port_aspace_map_device(nx_port_aspace_t *as, uintptr_t va, size_t size,
                                      uint32_t prot, uint64_t phys);

/*
 * Remove a mapping nx_port_aspace_map_pages or _map_device made: exactly its `va` and
 * `size`. When this returns, no hart can reach the pages through `as`:
 * every hart that may have cached a translation (those with `as` active)
 * has dropped it (a TLB shootdown). Anything else is a core bug (panic).
 */
void nx_port_aspace_unmap(nx_port_aspace_t *as, uintptr_t va, size_t size);

/*
 * Copy between the kernel and the user memory of the calling hart's active
 * address space, for system call arguments. NX_OK, or NX_ERR_BAD_ADDRESS
 * when any byte of [user, user + len) is not user memory mapped with the
 * permission the copy needs (read for from_user, write for to_user),
 * including kernel addresses and ranges that wrap: a bad pointer gets a
 * status, never a kernel fault. len 0 is NX_OK. Nothing else reads or
 * writes user memory. When user pages of the range hold bytes of the
 * kernel range (a mapping of the VMO page core copies to or from), the
 * copy goes NX_PAGE_SIZE bytes at a time from its start, each step as
 * memmove moves it: as if read whole before a byte is written, whatever
 * order the mappings put the pages in (docs/abi/vmo.md).
 */
nx_status_t nx_port_copy_from_user(void *dst, uintptr_t user, size_t len);
nx_status_t nx_port_copy_to_user(uintptr_t user, const void *src, size_t len);

/* Would a copy of [user, user + len) go through now (from_user, or to_user
 * when `write`)? NX_OK or NX_ERR_BAD_ADDRESS, decided as the copies decide:
 * lets a caller that copies in pieces refuse a bad range before the first
 * piece changes anything. */
nx_status_t nx_port_user_check(uintptr_t user, size_t len, bool write);

/* --- Boot programs ---------------------------------------------------------- */

/* How many programs a port may hand to init. */
#define NX_MAX_BOOT_PROGRAMS 48u

/* How to run a user program at boot (core/init/init.c starts each in a
 * task of its own; include/nexus/start.h lists the handles it starts with). */
typedef struct nx_port_program {
    const char *name; /* for the console and the trace; not NULL */
    /* What to run: an ELF image init loads (nx/elf.h) into the program's
     * address space, or, with image NULL, an entry the port understands
     * (the simulator's registered function). */
    const void *image;
    size_t image_size;
    uintptr_t entry;
    uintptr_t arg;     /* its first thread's argument */
    uint32_t qos;      /* nx_qos_t of its first thread */
    uint32_t affinity; /* harts of its first thread; 0: every online hart */
} nx_port_program_t;

/* Fill out[0..max) with the boot image's manifest: each program to start
 * (its nx_port_program_t) with init's wiring and the verdict that means it
 * passed (nx/init.h); returns how many (0: the kernel shuts down after its
 * selftests). Called once, by init. */
struct nx_boot_program;
uint32_t nx_port_boot_programs(struct nx_boot_program *out, uint32_t max);

/* Program `index` of that list ran to learn (its wiring's `learn`) and
 * has exited: the enforcing profile its learning filter made (`len`
 * bytes, nexus/sysfilter.h) and what the kernel says of it. The port may
 * keep a copy (the simulator does, for nexus-sysfilter learn-export) or
 * drop it (rv64: init has said the figures on the console; a policy
 * program reads a live task's with task_filter_learned). Called by init,
 * once per learning program; blob and info are init's, valid for the
 * call. */
struct nx_filter_learned_info;
void nx_port_program_learned(uint32_t index, const void *blob, size_t len,
                             const struct nx_filter_learned_info *info);

/* --- Trace ----------------------------------------------------------------- */

/* Record one kernel event (nx/trace.h); the simulator keeps and digests
 * them, hardware ports may drop them. Must not take core locks. */
struct nx_trace_event;
void nx_port_trace(const struct nx_trace_event *event);

/* --- End -------------------------------------------------------------- */

/* Stop the whole machine with `code`. Never returns. Other harts stop too. */
_Noreturn void nx_port_shutdown(nx_exit_code_t code);

#endif /* NX_PORT_H */
