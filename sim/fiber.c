/*
 * fiber.c - ucontext fibers with ASan fiber annotations (see fiber.h).
 */
#define _GNU_SOURCE
#include "fiber.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nxsim/asan.h"

#if NX_SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* The fiber being entered for the first time (single host thread). */
static nx_fiber_t *starting;
/* The fiber that switched away, so the one resuming can finish the switch. */
static nx_fiber_t *switching_from;

static void asan_start(nx_fiber_t *from, nx_fiber_t *to, int final)
{
#if NX_SIM_ASAN
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
#if NX_SIM_ASAN
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

#if NX_FIBER_ASM
/* fiber_switch.S */
void nx_fiber_switch_stack(void **save_sp, void *load_sp);
void nx_fiber_trampoline(void);
#endif

/* First C code of every fiber, on its own stack. */
void nx_fiber_start(void);
void nx_fiber_start(void)
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

/* Lay out a fresh stack so the first switch to it "returns" into the
 * trampoline with zeroed callee-saved registers (see fiber_switch.S). */
static void prepare_stack(nx_fiber_t *f, void *base, size_t size)
{
#if NX_FIBER_ASM
    uintptr_t top = ((uintptr_t)base + size) & ~(uintptr_t)15u;
#if defined(__x86_64__)
    uint64_t *frame = (uint64_t *)top - 8; /* return address + 6 registers + MXCSR/FPCW */
    memset(frame, 0, 8 * sizeof *frame);
    frame[7] = (uint64_t)(uintptr_t)nx_fiber_trampoline;
    uint32_t control[2] = { 0x1f80u, 0x037fu }; /* default MXCSR, x87 control word */
    memcpy(&frame[0], control, sizeof control);
#else
    uint64_t *frame = (uint64_t *)top - 20; /* x19..x30 and d8..d15 */
    memset(frame, 0, 20 * sizeof *frame);
    frame[11] = (uint64_t)(uintptr_t)nx_fiber_trampoline; /* x30 */
#endif
    f->sp = frame;
#else
    getcontext(&f->ctx);
    f->ctx.uc_stack.ss_sp = base;
    f->ctx.uc_stack.ss_size = size;
    f->ctx.uc_link = NULL;
    makecontext(&f->ctx, nx_fiber_start, 0);
#endif
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
    prepare_stack(f, (char *)m + page, NX_FIBER_STACK_BYTES);
    return 0;
}

int nx_fiber_reuse(nx_fiber_t *f, void (*entry)(void *arg), void *arg)
{
    if (f->stack == NULL)
        return -1;
#if NX_SIM_ASAN
    /* The last user's frames never returned: clear their poison. */
    ASAN_UNPOISON_MEMORY_REGION(f->asan_bottom, f->asan_size);
#endif
    f->asan_fake_stack = NULL;
    f->entry = entry;
    f->arg = arg;
    f->started = 0;
    prepare_stack(f, (void *)(uintptr_t)f->asan_bottom, f->asan_size);
    return 0;
}

static void prepare(nx_fiber_t *from, nx_fiber_t *to)
{
    if (to->stack != NULL && !to->started) {
        to->started = 1;
        starting = to; /* read by nx_fiber_start */
    }
    switching_from = from;
}

static void raw_switch(nx_fiber_t *from, nx_fiber_t *to)
{
#if NX_FIBER_ASM
    nx_fiber_switch_stack(&from->sp, to->sp);
#else
    swapcontext(&from->ctx, &to->ctx);
#endif
}

void nx_fiber_switch(nx_fiber_t *from, nx_fiber_t *to)
{
    prepare(from, to);
    asan_start(from, to, 0);
    raw_switch(from, to);
    asan_finish(from);
}

_Noreturn void nx_fiber_switch_final(nx_fiber_t *from, nx_fiber_t *to)
{
    prepare(from, to);
    asan_start(from, to, 1);
    raw_switch(from, to);
    abort(); /* nothing switches back to a fiber that left for good */
}

void nx_fiber_destroy(nx_fiber_t *f)
{
    if (f->stack == NULL)
        return;
#if NX_SIM_ASAN
    /* Frames that never returned leave poisoned shadow behind; clear it so
     * the next user of these pages is not blamed. */
    ASAN_UNPOISON_MEMORY_REGION(f->asan_bottom, f->asan_size);
#endif
    munmap(f->stack, f->stack_size);
    f->stack = NULL;
}
