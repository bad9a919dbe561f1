/*
 * fiber.c - ucontext fibers with ASan fiber annotations (see fiber.h).
 */
#define _GNU_SOURCE
#include "fiber.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define NX_ASAN 1
#else
#define NX_ASAN 0
#endif

/* The fiber being entered for the first time (single host thread). */
static nx_fiber_t *starting;
/* The fiber that switched away, so the one resuming can finish the switch. */
static nx_fiber_t *switching_from;

static void asan_start(nx_fiber_t *from, nx_fiber_t *to, int final)
{
#if NX_ASAN
    __sanitizer_start_switch_fiber(final ? NULL : &from->asan_fake_stack, to->asan_bottom,
                                   to->asan_size);
#else
    (void)from;
    (void)to;
    (void) final;
#endif
}

static void asan_finish(nx_fiber_t *self)
{
#if NX_ASAN
    const void *prev_bottom = NULL;
    size_t prev_size = 0;
    __sanitizer_finish_switch_fiber(self ? self->asan_fake_stack : NULL, &prev_bottom, &prev_size);
    /* The main fiber's stack is only known once we leave it. */
    if (switching_from != NULL && switching_from->stack == NULL) {
        switching_from->asan_bottom = prev_bottom;
        switching_from->asan_size = prev_size;
    }
#else
    (void)self;
#endif
}

static void trampoline(void)
{
    nx_fiber_t *self = starting;
    starting = NULL;
    asan_finish(NULL);
    self->entry(self->arg);
    fprintf(stderr, "nexus-sim: a fiber's entry function returned; fibers must not return\n");
    abort();
}

void nx_fiber_init_main(nx_fiber_t *f)
{
    memset(f, 0, sizeof *f);
}

int nx_fiber_create(nx_fiber_t *f, void (*entry)(void *arg), void *arg)
{
    memset(f, 0, sizeof *f);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t total = NX_FIBER_STACK_BYTES + page;
    void *m =
        mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    /* Guard page: a stack overflow faults instead of corrupting a neighbour. */
    if (mprotect(m, page, PROT_NONE) != 0) {
        munmap(m, total);
        return -1;
    }
    f->stack = m;
    f->stack_size = total;
    f->asan_bottom = (char *)m + page;
    f->asan_size = NX_FIBER_STACK_BYTES;
    f->entry = entry;
    f->arg = arg;
    if (getcontext(&f->ctx) != 0) {
        munmap(m, total);
        f->stack = NULL;
        return -1;
    }
    f->ctx.uc_stack.ss_sp = (char *)m + page;
    f->ctx.uc_stack.ss_size = NX_FIBER_STACK_BYTES;
    f->ctx.uc_link = NULL;
    makecontext(&f->ctx, trampoline, 0);
    return 0;
}

static void prepare(nx_fiber_t *from, nx_fiber_t *to)
{
    if (to->stack != NULL && !to->started) {
        to->started = 1;
        starting = to; /* read by its trampoline */
    }
    switching_from = from;
}

void nx_fiber_switch(nx_fiber_t *from, nx_fiber_t *to)
{
    prepare(from, to);
    asan_start(from, to, 0);
    swapcontext(&from->ctx, &to->ctx);
    asan_finish(from);
}

_Noreturn void nx_fiber_switch_final(nx_fiber_t *from, nx_fiber_t *to)
{
    prepare(from, to);
    asan_start(from, to, 1);
    setcontext(&to->ctx);
    abort(); /* setcontext only returns on error */
}

void nx_fiber_destroy(nx_fiber_t *f)
{
    if (f->stack == NULL)
        return;
#if NX_ASAN
    /* Frames that never returned leave poisoned shadow behind; clear it so
     * the next user of these pages is not blamed. */
    ASAN_UNPOISON_MEMORY_REGION(f->asan_bottom, f->asan_size);
#endif
    munmap(f->stack, f->stack_size);
    f->stack = NULL;
}
