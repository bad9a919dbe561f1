/*
 * runtime.c - the user side of the system call ABI on RISC-V (see
 * nexus/syscall.h and docs/abi/syscalls.md): the number in a7, arguments
 * in a0-a5, ecall; the status comes back in a0, the value in a1.
 */
#include "nexus/syscall.h"

nx_syscall_ret_t nx_syscall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                            uint64_t a4, uint64_t a5)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a2 __asm__("a2") = a2;
    register uint64_t r_a3 __asm__("a3") = a3;
    register uint64_t r_a4 __asm__("a4") = a4;
    register uint64_t r_a5 __asm__("a5") = a5;
    register uint64_t r_a7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a7)
                     : "memory");
    nx_syscall_ret_t r = { (int64_t)r_a0, r_a1 };
    return r;
}

/* Where a thread's function returns to (its return address, set by the
 * kernel from thread_create's fifth argument). */
void nx_thread_return(void)
{
    nx_thread_exit(0);
}

/* Computation on hardware is time spent: run until the clock has moved
 * `ns` on. Interrupts (and so preemption) happen at every instruction. */
void nx_compute(uint64_t ns)
{
    uint64_t end = nx_time_now() + ns;
    while (nx_time_now() < end) {
    }
}
