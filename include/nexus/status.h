/*
 * nexus/status.h - the one status type of the Open Nexus ABI.
 *
 * Every syscall, every kernel entry point and every library call returns an
 * nx_status_t. NX_OK is zero; every error is negative, so `st < 0` tests for
 * failure. The numeric values are frozen: they cross the user/kernel boundary
 * and are recorded in scenario traces. tests/unit/test_status.c pins each one;
 * new codes are appended with the next free value, never renumbered.
 *
 * The meaning of each code is documented in docs/abi/status.md.
 */
#ifndef NEXUS_STATUS_H
#define NEXUS_STATUS_H

#include <stdint.h>

typedef enum nx_status {
    NX_OK = 0,
    NX_ERR_INTERNAL = -1,          /* a kernel invariant failed; a bug, never expected */
    NX_ERR_INVALID_ARGS = -2,      /* an argument is malformed or out of its domain */
    NX_ERR_BAD_HANDLE = -3,        /* handle is closed, stale, recycled or forged */
    NX_ERR_WRONG_TYPE = -4,        /* handle names an object of another type */
    NX_ERR_ACCESS_DENIED = -5,     /* handle lacks a right the operation needs */
    NX_ERR_NO_RESOURCES = -6,      /* a bounded pool, table or budget is full */
    NX_ERR_SHOULD_WAIT = -7,       /* would block now (queue full/empty); retry later */
    NX_ERR_PEER_CLOSED = -8,       /* the other end of a channel is gone */
    NX_ERR_TIMED_OUT = -9,         /* a deadline passed before the condition held */
    NX_ERR_BUFFER_TOO_SMALL = -10, /* caller's buffer cannot hold the result */
    NX_ERR_OUT_OF_RANGE = -11,     /* offset, index or size beyond an object's bounds */
    NX_ERR_RATE_LIMITED = -12,     /* refused by a rate limit; retry after the window */
    NX_ERR_DENIED_BY_FILTER = -13, /* refused by the task's syscall filter profile */
    NX_ERR_DEVICE_RESET = -14,     /* the device was reset; outstanding work is lost */
    NX_ERR_VERSION_MISMATCH = -15, /* an ABI, format or protocol version is not supported */
    NX_ERR_BAD_STATE = -16,        /* object is not in a state that allows the operation */
    NX_ERR_NOT_SUPPORTED = -17,    /* operation does not exist on this object or port */
    NX_ERR_NOT_FOUND = -18,        /* a named thing (node, hart, entry) does not exist */
    NX_ERR_ALREADY_EXISTS = -19,   /* creating something that is already there */
    NX_ERR_CANCELED = -20,         /* the wait or call was canceled */
    NX_ERR_MALFORMED = -21,        /* input data (DTB, ELF, message, scenario) is malformed */
    NX_ERR_BAD_ADDRESS = -22,      /* a user pointer is unmapped or lacks the permission */
    NX_ERR_IO = -23,               /* a device reported an I/O error */
    NX_ERR_TASK_DEAD = -24,        /* the caller's task, or the one on the other side, ended */
    NX_ERR_WOULD_CYCLE = -25,      /* the sent endpoint would be queued where only it reads */
    NX_ERR_SEALED = -26,           /* the VMO is sealed: nothing writes its pages any more */
    NX_ERR_WRITABLE_MAPPED = -27,  /* a writable mapping of the VMO exists (no seal yet) */
    NX_ERR_NOT_SEALED = -28,       /* executable memory must be sealed first (W^X) */
    NX_ERR_THREAD_EXITED = -29,    /* the thread has exited: nothing is left to change */
    NX_ERR_NOT_PENDING = -30,      /* nothing to acknowledge: no interrupt is pending */
} nx_status_t;

/* Lowest (most negative) assigned code; tests iterate NX_STATUS_MIN..NX_OK. */
#define NX_STATUS_MIN (-30)

/*
 * The symbolic name of a status ("NX_ERR_TIMED_OUT"); for an unassigned value
 * it returns "NX_ERR_UNKNOWN". Never returns NULL. Implemented in
 * core/lib/status.c, usable from the kernel, the simulator and user programs.
 */
const char *nx_status_name(nx_status_t status);

#endif /* NEXUS_STATUS_H */
