/*
 * nexus/syscall_args.h - what each argument of each system call is, for
 * the filter's learner and its tools (docs/sysfilter.md, learn mode): a
 * learned profile tests the values a program passed, the type of the
 * handles it passed, and leaves addresses, times and identifiers free
 * (they change from run to run without the program doing anything else).
 */
#ifndef NEXUS_SYSCALL_ARGS_H
#define NEXUS_SYSCALL_ARGS_H

#include <stdint.h>

#include "nexus/syscall.h"

/* One letter per argument. */
typedef enum nx_arg_kind {
    NX_ARG_VALUE = 'v',   /* a flag, class, size, count, offset: learned as seen */
    NX_ARG_HANDLE = 'h',  /* a handle: learned as the type of its object */
    NX_ARG_ADDRESS = 'a', /* a user address: free */
    NX_ARG_TIME = 't',    /* a deadline: free (it moves with the clock) */
    NX_ARG_ID = 'i',      /* an identifier the kernel or a peer chose: free */
    NX_ARG_UNUSED = '-',  /* the call does not read it */
} nx_arg_kind_t;

/* Arguments 0..5 of call nr, a letter each; a number past the table is
 * all values. */
static inline const char *nx_syscall_args(uint32_t nr)
{
    switch ((nx_syscall_nr_t)nr) {
    case NX_SYS_NONE:
    case NX_SYS_TIME_NOW:
    case NX_SYS_HART_ID:
    case NX_SYS_THREAD_YIELD:
    case NX_SYS_EVENT_CREATE:
    case NX_SYS_CHANNEL_CREATE:
        return "------";
    case NX_SYS_THREAD_CREATE:
        return "aavva-"; /* entry, arg, qos, affinity, return address */
    case NX_SYS_THREAD_EXIT:
    case NX_SYS_VMO_CREATE:
        return "v-----";
    case NX_SYS_THREAD_SLEEP_UNTIL:
        return "tv----";
    case NX_SYS_THREAD_JOIN:
        return "ht----";
    case NX_SYS_THREAD_SET_QOS:
    case NX_SYS_THREAD_SET_AFFINITY:
        return "hvh---";
    case NX_SYS_HANDLE_DUPLICATE:
    case NX_SYS_HANDLE_REPLACE:
        return "hv----";
    case NX_SYS_HANDLE_CLOSE:
    case NX_SYS_HANDLE_REVOKE:
    case NX_SYS_VMO_GET_SIZE:
    case NX_SYS_VMO_SEAL:
        return "h-----";
    case NX_SYS_OBJECT_SIGNAL:
    case NX_SYS_VMO_CREATE_SLICE:
        return "hvv---";
    case NX_SYS_DEBUG_WRITE:
    case NX_SYS_VMO_UNMAP:
        return "av----";
    case NX_SYS_KERNEL_STAT:
        return "vv----";
    case NX_SYS_CHANNEL_WRITE:
        return "havavi"; /* handle, bytes, length, handles, count, txid */
    case NX_SYS_CHANNEL_READ:
        return "havava";
    case NX_SYS_OBJECT_WAIT_ONE:
        return "hvt---";
    case NX_SYS_OBJECT_WAIT_MANY:
        return "avt---";
    case NX_SYS_CHANNEL_CALL:
        return "hata--";
    case NX_SYS_VMO_READ:
    case NX_SYS_VMO_WRITE:
        return "hvav--";
    case NX_SYS_VMO_MAP:
        return "hvavv-";
    case NX_SYS_TASK_FILTER_ATTACH:
        return "havv--";
    case NX_SYS_TASK_FILTER_LEARNED:
        return "hava--";
    case NX_SYS_DEVICE_INFO:
        return "ha----";
    case NX_SYS_DEVICE_MAP:
        return "hav---";
    case NX_SYS_INTERRUPT_CREATE:
        return "hv----";
    case NX_SYS_INTERRUPT_ACK:
        return "h-----";
    case NX_SYS_INTERRUPT_INFO:
        return "ha----";
    case NX_SYS_VMO_CREATE_DMA:
        return "v-----";
    case NX_SYS_DMA_PIN:
        return "hhvva-";
    case NX_SYS_DEVICE_RELEASE_QUARANTINE:
        return "h-----";
    case NX_SYS_COUNT:
        break;
    }
    return "vvvvvv";
}

#endif /* NEXUS_SYSCALL_ARGS_H */
