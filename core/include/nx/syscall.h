/*
 * nx/syscall.h - the kernel's system call dispatcher.
 */
#ifndef NX_SYSCALL_H
#define NX_SYSCALL_H

#include <stdint.h>

#include "nexus/syscall.h"
#include "nx/kernel.h"

/*
 * Run system call `nr` for the current thread with arguments `a`. Every
 * number has an entry; an unknown one returns NX_ERR_NOT_SUPPORTED (and an
 * audit record). Each entry decodes (checks every argument) before it acts.
 */
NX_ENTRY nx_syscall_ret_t nx_kernel_syscall(uint32_t nr, const uint64_t a[6]);

/* Stable name of a system call ("thread_create"); "unknown" otherwise. */
const char *nx_syscall_name(uint32_t nr);

#endif /* NX_SYSCALL_H */
