/* fault_<kind>: a U-mode program that takes one kind of exception is ended
 * by the kernel with NX_EXIT_CODE_FAULT(kind) (bundle.c expects it) and an
 * audit record, and everything else keeps running. One image per kind,
 * chosen by RV_FAULT (user.cmake). rv64 only: these are real exceptions. */
#include "../../../tests/programs/selftest.h"

NX_PROGRAM(RV_FAULT_NAME)
{
    (void)arg;
    static uint32_t words[2];
    volatile uintptr_t p;
    switch (RV_FAULT) {
    case 0: /* illegal: a privileged CSR */
        __asm__ volatile("csrr %0, sstatus" : "=r"(p));
        break;
    case 1: /* illegal: floating point, which the kernel leaves off */
        __asm__ volatile(".insn r 0x53, 0, 0x78, x0, x0, x0"); /* fmv.w.x f0, x0 */
        break;
    case 2: /* breakpoint */
        __asm__ volatile("ebreak");
        break;
    case 3: /* misaligned: an atomic on an odd address */
        p = (uintptr_t)words + 1u;
        __asm__ volatile("amoadd.w zero, zero, (%0)" : : "r"(p) : "memory");
        break;
    case 4: /* page fault: a load from the kernel's image */
        p = (uintptr_t)NX_TEST_KERNEL_ADDRESS;
        (void)*(volatile const uint32_t *)p;
        break;
    case 5: /* page fault: executing the (non-executable) stack */
        p = (uintptr_t)&p;
        ((void (*)(void))p)();
        break;
    }
    nx_thread_exit(verdict(RV_FAULT_STR, "no exception", 0));
}
