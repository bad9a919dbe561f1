/* kernel_pointer: a system call given kernel memory, a wrapping range or an
 * unmapped address returns NX_ERR_BAD_ADDRESS; the kernel goes on. */
#include "selftest.h"

NX_PROGRAM(kernel_pointer)
{
    (void)arg;
    nx_status_t st = nx_debug_write(NX_TEST_KERNEL_ADDRESS, 8);
    if (st != NX_ERR_BAD_ADDRESS)
        nx_thread_exit(verdict("kernel_pointer", "kernel memory read", (uint64_t)-st));
    st = nx_debug_write((const void *)(~(uintptr_t)0 - 3u), 8);
    if (st != NX_ERR_BAD_ADDRESS)
        nx_thread_exit(verdict("kernel_pointer", "a wrapping range read", (uint64_t)-st));
    st = nx_debug_write((const void *)0x1f00000000ul, 8); /* user range, nothing mapped */
    if (st != NX_ERR_BAD_ADDRESS)
        nx_thread_exit(verdict("kernel_pointer", "unmapped memory read", (uint64_t)-st));
    st = nx_debug_write("", 0);
    if (st != NX_OK)
        nx_thread_exit(verdict("kernel_pointer", "an empty write", (uint64_t)-st));
    nx_thread_exit(verdict("kernel_pointer", 0, 0));
}
