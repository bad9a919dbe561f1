/*
 * user.c - the user side of the simulated machine: entering a program,
 * its system calls, and the computation it models.
 *
 * A program runs on its thread's fiber like kernel code does; "user mode"
 * is a flag of its context. On RISC-V an interrupt taken in user mode is
 * handled at once and the kernel may switch threads on the way back; here
 * a program is interruptible exactly where it spends virtual time: inside
 * nx_compute() and on each nx_syscall() (which costs NX_SIM_SYSCALL_NS).
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include <link.h>
#include <stdio.h>
#include <stdlib.h>

#include "machine.h"
#include "nx/core.h"
#include "nx/kernel.h"
#include "nx/syscall.h"
#include "nxsim/program.h"

/* The running machine, checked to be in a user program. */
static sim_machine_t *user_machine(const char *call)
{
    sim_machine_t *m = nx_sim_current_machine;
    sim_context_t *c = m != NULL ? nx_sim_context_running(m) : NULL;
    if (c == NULL || !c->user) {
        fprintf(stderr, "nexus-sim: %s called outside a simulated user program\n", call);
        abort();
    }
    return m;
}

/* Back towards user mode: take what is pending, let the scheduler switch. */
static void return_to_user(void)
{
    nx_port_interrupts_poll();
    nx_kernel_preempt();
}

/* Spend `ns` of the current thread's CPU time. Interrupts end a step
 * early; the thread may be preempted and resume later, on any hart. */
static void spend(sim_machine_t *m, uint64_t ns)
{
    uint64_t left = ns;
    for (;;) {
        sim_hart_t *h = m->current;
        h->spin_streak = 0;
        if (left > 0u) {
            uint64_t start = m->now_ns;
            h->state = SIM_HART_BUSY;
            h->ready_ns = start + left < start ? UINT64_MAX : start + left;
            nx_sim_yield(m);
            uint64_t ran = m->now_ns - start;
            left = ran < left ? left - ran : 0u;
        }
        return_to_user();
        if (left == 0u)
            return;
    }
}

void nx_compute(uint64_t ns)
{
    spend(user_machine("nx_compute()"), ns);
}

/*
 * The program's stack pointer where it entered the function this expands
 * in (its caller's frame ends there; the callee's and the kernel's begin).
 * It must expand in the entry function itself, never in a helper, and
 * that function must not be inlined into the program.
 */
#define PROGRAM_SP() ((uintptr_t)__builtin_dwarf_cfa())

/* A system call: the trap, the kernel, the way back, with `sp` the
 * program's stack pointer at its entry function. With `probe`, the core's
 * state digest is taken right around the kernel's part. */
static inline __attribute__((always_inline)) nx_syscall_ret_t
syscall_trap(uintptr_t sp, uint32_t nr, uint64_t a[6], nx_sim_syscall_probe_t *probe)
{
    sim_machine_t *m = user_machine("nx_syscall()");
    spend(m, NX_SIM_SYSCALL_NS); /* the trap: interrupts may come first */
    sim_context_t *c = nx_sim_context_running(m);
    c->user = false;
    c->user_sp = sp;
    nx_sim_inject_kernel_entry(m);
    uint64_t quiet = m->disturbances;
    if (probe != NULL)
        probe->before = nx_core_state_digest();
    nx_syscall_ret_t r = nx_kernel_syscall(nr, a);
    if (probe != NULL) {
        probe->after = nx_core_state_digest();
        probe->undisturbed = m->disturbances == quiet;
    }
    c->user_sp = 0;
    c->user = true;
    return_to_user();
    return r;
}

__attribute__((noinline)) nx_syscall_ret_t nx_syscall(uint32_t nr, uint64_t a0, uint64_t a1,
                                                      uint64_t a2, uint64_t a3, uint64_t a4,
                                                      uint64_t a5)
{
    uint64_t a[6] = { a0, a1, a2, a3, a4, a5 };
    return syscall_trap(PROGRAM_SP(), nr, a, NULL);
}

__attribute__((noinline)) nx_syscall_ret_t
nx_sim_syscall_probed(uint32_t nr, const uint64_t args[6], nx_sim_syscall_probe_t *probe)
{
    uint64_t a[6] = { args[0], args[1], args[2], args[3], args[4], args[5] };
    return syscall_trap(PROGRAM_SP(), nr, a, probe);
}

/* The calling program takes a fault of `kind` at `addr`, at `pc`. */
static _Noreturn void user_fault_at(sim_machine_t *m, nx_user_fault_t kind, uintptr_t addr,
                                    uintptr_t pc)
{
    spend(m, NX_SIM_SYSCALL_NS); /* the trap */
    nx_sim_context_running(m)->user = false;
    nx_kernel_user_fault(kind, addr, pc);
}

_Noreturn void nx_sim_user_fault(nx_user_fault_t kind, uintptr_t addr)
{
    sim_machine_t *m = user_machine("nx_sim_user_fault()");
    user_fault_at(m, kind, addr, (uintptr_t)__builtin_return_address(0));
}

__attribute__((noinline)) void nx_sim_user_load(void *dst, uintptr_t va, size_t len)
{
    sim_context_t *c = nx_sim_context_running(user_machine("nx_sim_user_load()"));
    c->user_sp = PROGRAM_SP();
    nx_status_t st = nx_port_copy_from_user(dst, va, len);
    c->user_sp = 0;
    if (st != NX_OK)
        nx_sim_user_fault(NX_USER_FAULT_PAGE, va);
}

__attribute__((noinline)) void nx_sim_user_store(uintptr_t va, const void *src, size_t len)
{
    sim_context_t *c = nx_sim_context_running(user_machine("nx_sim_user_store()"));
    c->user_sp = PROGRAM_SP();
    nx_status_t st = nx_port_copy_to_user(va, src, len);
    c->user_sp = 0;
    if (st != NX_OK)
        nx_sim_user_fault(NX_USER_FAULT_PAGE, va);
}

__attribute__((noinline)) uint64_t nx_sim_mmio_read(uintptr_t va, uint32_t width)
{
    sim_machine_t *m = user_machine("nx_sim_mmio_read()");
    uint64_t pa = 0, value = 0;
    if (!nx_sim_device_address(m, va, width, false, &pa) ||
        !nx_sim_bus_access(m, pa, width, false, &value))
        nx_sim_user_fault(NX_USER_FAULT_PAGE, va);
    return value;
}

__attribute__((noinline)) void nx_sim_mmio_write(uintptr_t va, uint32_t width, uint64_t value)
{
    sim_machine_t *m = user_machine("nx_sim_mmio_write()");
    uint64_t pa = 0;
    if (!nx_sim_device_address(m, va, width, true, &pa) ||
        !nx_sim_bus_access(m, pa, width, true, &value))
        nx_sim_user_fault(NX_USER_FAULT_PAGE, va);
}

/* A simulated thread's function returns into nx_port_enter_user, which
 * exits it: nothing ever comes here. */
void nx_thread_return(void)
{
    nx_sim_misuse("nx_thread_return() called: a simulated thread returns by itself");
}

/*
 * The host executable's code: its executable segments, learnt once from
 * the loader (dl_iterate_phdr; the first object it reports is the
 * executable, where every program function is). A thread's entry is a
 * host address the machine will call; one outside these ranges (0x1234,
 * a pointer to data, the stack) would crash the host, so it faults the
 * thread instead, as its first fetch does on rv64. What the simulator
 * cannot contain: an entry inside the host's code that is not a
 * function's first instruction, or a function that is not a program's
 * (core's, libc's), is called as it is (docs/abi/syscalls.md).
 */
#define HOST_CODE_RANGES 8u
static struct {
    uintptr_t lo, hi;
} host_code[HOST_CODE_RANGES];
static uint32_t host_code_count;
static bool host_code_known;

static int note_executable(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    for (uint32_t i = 0; i < info->dlpi_phnum && host_code_count < HOST_CODE_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) != 0u) {
            uintptr_t lo = (uintptr_t)(info->dlpi_addr + ph->p_vaddr);
            host_code[host_code_count].lo = lo;
            host_code[host_code_count].hi = lo + ph->p_memsz;
            host_code_count++;
        }
    }
    return 1; /* the executable only */
}

static bool is_host_code(uintptr_t entry)
{
    if (!host_code_known) {
        (void)dl_iterate_phdr(note_executable, NULL);
        host_code_known = true;
    }
    for (uint32_t i = 0; i < host_code_count; i++)
        if (entry >= host_code[i].lo && entry < host_code[i].hi)
            return true;
    return false;
}

/* The program runs on its thread's own stack (a fiber): `stack_top`, the
 * user stack core mapped for it, stays unused here. */
_Noreturn void nx_port_enter_user(uintptr_t entry, uintptr_t arg, uintptr_t stack_top,
                                  uintptr_t return_to)
{
    (void)stack_top;
    (void)return_to; /* a returning C function lands below, as the stub would */
    sim_machine_t *m = nx_sim_current_machine;
    sim_context_t *c = m != NULL ? nx_sim_context_running(m) : NULL;
    if (c == NULL || entry == 0u)
        nx_sim_misuse("nx_port_enter_user() needs a thread context and an entry");
    c->user = true;
    c->program = true;
    nx_sim_inject_user_entered(m, entry);
    if (!is_host_code(entry))
        user_fault_at(m, NX_USER_FAULT_PAGE, entry, entry); /* the first fetch */
    ((nx_sim_program_fn)entry)(arg);
    /* Returning from a program exits its thread, as crt0 would. */
    (void)nx_syscall(NX_SYS_THREAD_EXIT, 0, 0, 0, 0, 0, 0);
    nx_sim_misuse("a thread ran after its exit system call");
}
