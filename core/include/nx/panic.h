/*
 * nx/panic.h - stop the machine when a kernel invariant is broken.
 *
 * nx_panic() prints one line, "PANIC: <reason> (hart N)", and ends the
 * machine with NX_EXIT_PANIC (QEMU exits non-zero). It is for broken kernel
 * invariants and unusable boot input, never for bad user input: syscalls
 * return a status instead.
 */
#ifndef NX_PANIC_H
#define NX_PANIC_H

#include "nx/port.h"

_Noreturn void nx_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same line, ending the machine with `code` (NX_EXIT_FAIL when a
 * selftest failed rather than an invariant). */
_Noreturn void nx_panic_exit(nx_exit_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forget earlier panics; core reset only. */
void nx_panic_reset(void);

/* Kernel invariant check: panics with the condition text, file and line. */
#define NX_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            nx_panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__);                  \
    } while (0)

#endif /* NX_PANIC_H */
