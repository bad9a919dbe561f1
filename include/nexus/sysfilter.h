/*
 * nexus/sysfilter.h - the system call filter's ABI: the binary profile a
 * task's filter is built from (docs/sysfilter.md).
 *
 * Capabilities decide which objects a task can touch; its filter decides
 * which operations, with which arguments, how often. A profile is, for
 * each system call number, an ordered list of rules and then a default
 * action. A rule is up to NX_FILTER_MAX_MATCHERS tests of the raw
 * arguments, all of which must hold, and an action. The first rule that
 * holds decides; none holding, the default does.
 *
 * The binary form (a blob) is what the kernel takes: a header, then
 * bucket_count buckets, then rule_count rules, little-endian, fixed sizes,
 * nothing else (its length is exactly that). The kernel checks every field
 * before it attaches anything; the text form and its compiler are host
 * tools (docs/sysfilter.md).
 */
#ifndef NEXUS_SYSFILTER_H
#define NEXUS_SYSFILTER_H

#include <stddef.h>
#include <stdint.h>

/* "NXSF", read as a little-endian word. */
#define NX_FILTER_MAGIC   0x4653584eu
#define NX_FILTER_VERSION 1u

/* Bounds of one profile and of a task's stack of them. */
#define NX_FILTER_MAX_RULES    64u /* rules per profile, over all system calls */
#define NX_FILTER_MAX_MATCHERS 4u  /* argument tests per rule */
#define NX_FILTER_MAX_BUCKETS  8u  /* rate buckets per profile */
#define NX_FILTER_MAX_STACK    4u  /* profiles stacked on one task */
#define NX_MAX_FILTER_PROFILES 64u /* profiles alive at once, in the kernel */

/* Each filter writes at most NX_FILTER_AUDIT_BURST audit records of the
 * calls it decided per NX_FILTER_AUDIT_INTERVAL_NS (a token bucket): a
 * program hammering a denied call cannot flood the audit ring. The rest
 * are counted (nx_filter_audits_suppressed), and the coverage per rule
 * stays exact. A KILL is always recorded. */
#define NX_FILTER_AUDIT_BURST       32u
#define NX_FILTER_AUDIT_INTERVAL_NS 1000000000ull

/* Learn mode: what a learning filter keeps, and how many may learn at once. */
#define NX_FILTER_LEARN_VALUES 4u /* distinct values kept per argument of a call */
#define NX_MAX_FILTER_LEARNERS 4u /* learn-mode filters alive at once */

/* What task_filter_learned says of the profile it wrote. */
typedef struct nx_filter_learned_info {
    uint64_t calls;      /* calls the learning filter saw */
    uint64_t unknown;    /* of those, numbers past the table (the profile's default denies them) */
    uint64_t blob_bytes; /* the profile's length (also when the buffer was too small) */
    uint32_t syscalls;   /* distinct calls seen: one rule each */
    uint32_t overflowed; /* value arguments that took more than NX_FILTER_LEARN_VALUES values
                          * (tested by the range they stayed in) */
    uint32_t untested;   /* tests a rule had no room for (NX_FILTER_MAX_MATCHERS): left free */
    uint32_t reserved;   /* 0 */
} nx_filter_learned_info_t;

/* What a profile does with the calls its rules decide. */
typedef enum nx_filter_mode {
    NX_FILTER_ENFORCE = 0, /* every action is carried out */
    NX_FILTER_REPORT = 1,  /* nothing is refused; what would be is audited */
    NX_FILTER_LEARN = 2,   /* everything is allowed; what is seen is recorded
                            * (task_filter_learned exports it as a profile) */
    NX_FILTER_MODE_COUNT
} nx_filter_mode_t;

/* What a rule (or the default) does with a call. */
typedef enum nx_filter_action_kind {
    NX_FILTER_ALLOW = 0, /* the call runs */
    NX_FILTER_DENY = 1,  /* refused with the action's status; nothing else changes */
    NX_FILTER_LOG = 2,   /* the call runs and is audited */
    NX_FILTER_RATE = 3,  /* runs while the action's bucket has a token, else
                          * NX_ERR_RATE_LIMITED */
    NX_FILTER_KILL = 4,  /* the task ends; the calling thread with
                          * NX_EXIT_CODE_FILTER_KILLED */
    NX_FILTER_ACTION_COUNT
} nx_filter_action_kind_t;

/* task_filter_attach's flags. REPLACE asks to replace the task's top
 * filter: always refused (NX_ERR_ACCESS_DENIED, audited filter-loosen),
 * since a filter is never removed or replaced; it is there so that the
 * attempt has a defined, audited answer. */
#define NX_FILTER_ATTACH_REPLACE 1u

/* The exit code a thread gets when its call was a KILL rule's. */
#define NX_EXIT_CODE_FILTER_KILLED (-300)

/* A matcher's test of argument `arg` (0..5) against a and b. Value tests
 * compare the raw 64-bit argument, unsigned. Handle tests look the
 * argument up in the caller's handle table: it must name a live handle
 * (then: of object type a, or with every right in a). A pointer argument
 * is only ever a number here: no matcher reads user memory, so nothing can
 * change between the check and the call (docs/sysfilter.md, TOCTOU). */
typedef enum nx_filter_op {
    NX_FILTER_EQ = 0,          /* arg == a */
    NX_FILTER_NE = 1,          /* arg != a */
    NX_FILTER_LT = 2,          /* arg < a */
    NX_FILTER_LE = 3,          /* arg <= a */
    NX_FILTER_GT = 4,          /* arg > a */
    NX_FILTER_GE = 5,          /* arg >= a */
    NX_FILTER_MASK_ALL = 6,    /* (arg & a) == a: every bit of a set */
    NX_FILTER_MASK_NONE = 7,   /* (arg & a) == 0: no bit of a set */
    NX_FILTER_IN_RANGE = 8,    /* a <= arg <= b (a <= b) */
    NX_FILTER_TYPE_IS = 9,     /* a handle to an object of type a (nx_object_type_t) */
    NX_FILTER_HAS_RIGHTS = 10, /* a handle with every right in a (nx_rights_t) */
    NX_FILTER_OP_COUNT
} nx_filter_op_t;

/* What a value test (EQ..IN_RANGE) says of argument v: 1 it holds, 0 it
 * does not, -1 op is not a value test (TYPE_IS, HAS_RIGHTS need the
 * caller's handle table). The one definition the kernel and the host
 * tools (nexus-sysfilter explain) both use. */
static inline int nx_filter_value_test(uint8_t op, uint64_t v, uint64_t a, uint64_t b)
{
    switch (op) {
    case NX_FILTER_EQ:
        return v == a;
    case NX_FILTER_NE:
        return v != a;
    case NX_FILTER_LT:
        return v < a;
    case NX_FILTER_LE:
        return v <= a;
    case NX_FILTER_GT:
        return v > a;
    case NX_FILTER_GE:
        return v >= a;
    case NX_FILTER_MASK_ALL:
        return (v & a) == a;
    case NX_FILTER_MASK_NONE:
        return (v & a) == 0u;
    case NX_FILTER_IN_RANGE:
        return v >= a && v <= b;
    default:
        return -1;
    }
}

typedef struct nx_filter_action {
    uint8_t kind;   /* nx_filter_action_kind_t */
    uint8_t bucket; /* RATE: the bucket's index; otherwise 0 */
    uint16_t reserved;
    int32_t status; /* DENY: the status the caller gets (an assigned error); otherwise 0 */
} nx_filter_action_t;

typedef struct nx_filter_matcher {
    uint8_t arg; /* 0..5 */
    uint8_t op;  /* nx_filter_op_t */
    uint16_t reserved;
    uint32_t reserved2;
    uint64_t a;
    uint64_t b; /* IN_RANGE's upper bound; otherwise 0 */
} nx_filter_matcher_t;

typedef struct nx_filter_rule {
    uint16_t syscall;      /* the system call number it decides (< NX_SYS_COUNT) */
    uint8_t matcher_count; /* 0..NX_FILTER_MAX_MATCHERS; 0: always holds */
    uint8_t reserved;
    uint32_t reserved2;
    nx_filter_action_t action;
    nx_filter_matcher_t matchers[NX_FILTER_MAX_MATCHERS]; /* unused ones zero */
} nx_filter_rule_t;

/* A token bucket: holds up to `capacity` tokens, starts full, and gains
 * `refill` tokens every `interval_ns` of virtual time (exact: no drift). */
typedef struct nx_filter_bucket {
    uint64_t capacity;    /* 1.. */
    uint64_t refill;      /* 1..capacity */
    uint64_t interval_ns; /* 1.. */
} nx_filter_bucket_t;

typedef struct nx_filter_header {
    uint32_t magic;   /* NX_FILTER_MAGIC */
    uint16_t version; /* NX_FILTER_VERSION */
    uint8_t mode;     /* nx_filter_mode_t */
    uint8_t bucket_count;
    uint16_t rule_count;
    uint16_t reserved;
    uint32_t reserved2;
    nx_filter_action_t default_action; /* for calls no rule decides */
} nx_filter_header_t;

_Static_assert(sizeof(nx_filter_action_t) == 8, "blob layout");
_Static_assert(sizeof(nx_filter_matcher_t) == 24, "blob layout");
_Static_assert(sizeof(nx_filter_rule_t) == 16 + 24 * NX_FILTER_MAX_MATCHERS, "blob layout");
_Static_assert(sizeof(nx_filter_bucket_t) == 24, "blob layout");
_Static_assert(sizeof(nx_filter_header_t) == 24, "blob layout");

/* A blob from its parts: header, then header->bucket_count buckets, then
 * header->rule_count rules, into out (NX_FILTER_MAX_BLOB_BYTES of room);
 * returns its length. The one packer the tests, the programs and the
 * host tool use (byte copies: no libc in a freestanding program). */
static inline size_t nx_filter_blob_pack(const nx_filter_header_t *h,
                                         const nx_filter_bucket_t *buckets,
                                         const nx_filter_rule_t *rules, void *out)
{
    const unsigned char *parts[3] = { (const unsigned char *)h, (const unsigned char *)buckets,
                                      (const unsigned char *)rules };
    const size_t sizes[3] = { sizeof *h, h->bucket_count * sizeof *buckets,
                              h->rule_count * sizeof *rules };
    unsigned char *o = (unsigned char *)out;
    size_t n = 0;
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < sizes[p]; i++)
            o[n++] = parts[p][i];
    return n;
}

/* The largest blob: every rule and bucket a profile may have. */
#define NX_FILTER_MAX_BLOB_BYTES                                                                   \
    (sizeof(nx_filter_header_t) + NX_FILTER_MAX_BUCKETS * sizeof(nx_filter_bucket_t) +             \
     NX_FILTER_MAX_RULES * sizeof(nx_filter_rule_t))

#endif /* NEXUS_SYSFILTER_H */
