/*
 * fiber.h - coroutines on their own stacks, for simulated harts.
 *
 * The simulator is one host thread; each simulated hart (and later each
 * simulated user thread) runs on a fiber, and the scheduler switches between
 * them explicitly, with fiber_switch.S on x86-64 and aarch64 (callee-saved
 * registers and the stack pointer only: no system call, unlike glibc's
 * swapcontext, which also saves the signal mask) and ucontext elsewhere.
 * Stacks are mmap'd with a guard page below, and AddressSanitizer is told
 * about every switch (its fiber annotations) so it tracks the right stack.
 *
 * A fiber destroyed while suspended (every hart at the end of a run) never
 * unwinds: with ASAN_OPTIONS=detect_stack_use_after_return=1 its fake stack
 * frames leak (the default options do not use fake stacks).
 */
#ifndef NXSIM_FIBER_H
#define NXSIM_FIBER_H

#include <stddef.h>

/* x86-64 and aarch64 switch with fiber_switch.S; anything else with ucontext. */
#if defined(__x86_64__) || defined(__aarch64__)
#define NX_FIBER_ASM 1
#else
#define NX_FIBER_ASM 0
#include <ucontext.h>
#endif

typedef struct nx_fiber {
#if NX_FIBER_ASM
    void *sp; /* saved stack pointer while suspended */
#else
    ucontext_t ctx;
#endif
    void *stack; /* mapping base (guard page first); NULL for the main fiber */
    size_t stack_size;
    const void *asan_bottom; /* usable stack bottom and size, for ASan */
    size_t asan_size;
    void *asan_fake_stack;
    void (*entry)(void *arg);
    void *arg;
    int started; /* has run at least once */
} nx_fiber_t;

/* Stack of every simulated hart: ASan's redzones need room. */
#define NX_FIBER_STACK_BYTES (256u * 1024u)

/* Make `f` stand for the calling (host) context, so fibers can switch back. */
void nx_fiber_init_main(nx_fiber_t *f);

/* Prepare `f` to run entry(arg) on a fresh stack at its first switch.
 * `entry` must never return. Returns 0, or -1 when no stack could be mapped. */
int nx_fiber_create(nx_fiber_t *f, void (*entry)(void *arg), void *arg);

/* Make a fiber that will not run again (not running) start over at
 * entry(arg) on its same stack: no mapping work. 0, or -1 without a stack. */
int nx_fiber_reuse(nx_fiber_t *f, void (*entry)(void *arg), void *arg);

/* Suspend `from` and run `to`; returns when something switches back to `from`. */
void nx_fiber_switch(nx_fiber_t *from, nx_fiber_t *to);

/* Leave `from` for good (it is destroyed later, never resumed). */
_Noreturn void nx_fiber_switch_final(nx_fiber_t *from, nx_fiber_t *to);

/* Release a fiber's stack; it must not be running. */
void nx_fiber_destroy(nx_fiber_t *f);

#endif /* NXSIM_FIBER_H */
