/*
 * sysfilter_blob.h - filter blobs (nexus/sysfilter.h) built in a test: a
 * profile assembled field by field, then packed into the exact bytes the
 * kernel takes. For unit tests, benchmarks and programs alike (no libc).
 */
#ifndef NX_TEST_SYSFILTER_BLOB_H
#define NX_TEST_SYSFILTER_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/sysfilter.h"

typedef struct nx_test_filter {
    nx_filter_header_t h;
    nx_filter_bucket_t buckets[NX_FILTER_MAX_BUCKETS];
    nx_filter_rule_t rules[NX_FILTER_MAX_RULES];
} nx_test_filter_t;

static inline void nx_test_filter_zero(void *p, size_t n)
{
    unsigned char *b = (unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
}

/* An empty profile: mode, and the default (kind; status for DENY). */
static inline void nx_test_filter_init(nx_test_filter_t *f, nx_filter_mode_t mode,
                                       nx_filter_action_kind_t kind, int32_t status)
{
    nx_test_filter_zero(f, sizeof *f);
    f->h.magic = NX_FILTER_MAGIC;
    f->h.version = NX_FILTER_VERSION;
    f->h.mode = (uint8_t)mode;
    f->h.default_action.kind = (uint8_t)kind;
    f->h.default_action.status = status;
}

/* A bucket; returns its index. */
static inline uint8_t nx_test_filter_bucket(nx_test_filter_t *f, uint64_t capacity, uint64_t refill,
                                            uint64_t interval_ns)
{
    nx_filter_bucket_t *b = &f->buckets[f->h.bucket_count];
    b->capacity = capacity;
    b->refill = refill;
    b->interval_ns = interval_ns;
    return f->h.bucket_count++;
}

/* A rule for call `nr` (after the ones already there): kind, and the DENY
 * status or the RATE bucket in `extra`. */
static inline nx_filter_rule_t *nx_test_filter_rule(nx_test_filter_t *f, uint32_t nr,
                                                    nx_filter_action_kind_t kind, int32_t extra)
{
    nx_filter_rule_t *r = &f->rules[f->h.rule_count++];
    r->syscall = (uint16_t)nr;
    r->action.kind = (uint8_t)kind;
    if (kind == NX_FILTER_DENY)
        r->action.status = extra;
    else if (kind == NX_FILTER_RATE)
        r->action.bucket = (uint8_t)extra;
    return r;
}

/* Add the test `arg op a (b)` to rule r. */
static inline void nx_test_filter_match(nx_filter_rule_t *r, uint32_t arg, nx_filter_op_t op,
                                        uint64_t a, uint64_t b)
{
    nx_filter_matcher_t *m = &r->matchers[r->matcher_count++];
    m->arg = (uint8_t)arg;
    m->op = (uint8_t)op;
    m->a = a;
    m->b = b;
}

/* The blob's length. */
static inline size_t nx_test_filter_size(const nx_test_filter_t *f)
{
    return sizeof f->h + f->h.bucket_count * sizeof f->buckets[0] +
           f->h.rule_count * sizeof f->rules[0];
}

/* Pack it into out (NX_FILTER_MAX_BLOB_BYTES of room); returns the length. */
static inline size_t nx_test_filter_pack(const nx_test_filter_t *f, void *out)
{
    return nx_filter_blob_pack(&f->h, f->buckets, f->rules, out);
}

#endif /* NX_TEST_SYSFILTER_BLOB_H */
