/*
 * fuzz_target.h - what the libFuzzer targets of tests/fuzz share.
 *
 * Each target is one file with LLVMFuzzerTestOneInput(): it feeds the
 * input to one parser and checks what the parser promises, not only that
 * it did not crash. A broken promise is FUZZ_CHECK: it says which, on
 * stderr, and traps, so libFuzzer keeps the input as a crash file.
 */
#ifndef NX_FUZZ_TARGET_H
#define NX_FUZZ_TARGET_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer's entry points (it has no C header declaring them). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* NX_FUZZ_VERBOSE=1 in the environment: each input's verdict on stderr
 * (for reading what a reproduced input does; too slow for fuzzing). Read
 * on first use, so a target needs no LLVMFuzzerInitialize() for it. */
static inline bool fuzz_verbose(void)
{
    static int verbose = -1;
    if (verbose < 0) {
        const char *v = getenv("NX_FUZZ_VERBOSE");
        verbose = v != NULL && v[0] != '\0' && v[0] != '0';
    }
    return verbose != 0;
}

#define FUZZ_SAY(...)                                                                              \
    do {                                                                                           \
        if (fuzz_verbose())                                                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
    } while (0)

static inline __attribute__((noreturn, format(printf, 4, 5))) void
fuzz_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\n%s:%d: broken invariant: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    __builtin_trap();
}

/* FUZZ_CHECK(cond, "format", ...): trap with the message when cond is false. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);                                   \
    } while (0)

#endif /* NX_FUZZ_TARGET_H */
