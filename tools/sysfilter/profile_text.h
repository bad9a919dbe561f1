/*
 * profile_text.h - the text form of a syscall filter profile, compiled to
 * the blob the kernel takes (nexus/sysfilter.h; grammar: docs/sysfilter.md).
 *
 *   nexus-sysfilter 1
 *   mode enforce
 *   default deny
 *   bucket writes capacity 100 refill 10 every 1ms
 *   allow time_now
 *   rate writes channel_write
 *   allow vmo_create if a0 <= 65536
 *   deny kernel_stat NX_ERR_ACCESS_DENIED
 *
 * Host code (the nexus-sysfilter tool, the tests): it allocates nothing.
 */
#ifndef NX_PROFILE_TEXT_H
#define NX_PROFILE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/status.h"
#include "nexus/sysfilter.h"

/* A profile as the text gave it: what the blob packs. Bucket names are
 * the text's own (the blob knows buckets by index). */
typedef struct nx_profile {
    nx_filter_header_t header;
    nx_filter_bucket_t buckets[NX_FILTER_MAX_BUCKETS];
    char bucket_names[NX_FILTER_MAX_BUCKETS][32];
    nx_filter_rule_t rules[NX_FILTER_MAX_RULES];
    uint32_t rule_lines[NX_FILTER_MAX_RULES]; /* the text line of each rule */
} nx_profile_t;

/* Where the text went wrong: 1-based line and column, and what. */
typedef struct nx_profile_error {
    uint32_t line, column;
    char message[160];
} nx_profile_error_t;

/* Parse `len` bytes of text (NUL bytes are an error, not an end). true and
 * *out, or false and *err. */
bool nx_profile_parse(const char *text, size_t len, nx_profile_t *out, nx_profile_error_t *err);

/* The blob of a parsed profile into out (NX_FILTER_MAX_BLOB_BYTES of
 * room); returns its length. */
size_t nx_profile_pack(const nx_profile_t *p, void *out);

/* What profile p decides for call nr with arguments a[]: the rule's index
 * (or -1: the default) and, in *why, one line saying so. Handle tests
 * (type, rights) need the caller's table, which a host does not have:
 * `handles_hold` says what to assume of them. */
int32_t nx_profile_explain(const nx_profile_t *p, uint32_t nr, const uint64_t a[6],
                           bool handles_hold, char *why, size_t why_size);

/* A blob (the kernel's format, nexus/sysfilter.h) read back into a
 * profile, its structure checked: NX_OK; NX_ERR_MALFORMED (not a blob, a
 * length that is not its parts'), NX_ERR_VERSION_MISMATCH, or
 * NX_ERR_OUT_OF_RANGE (counts past the bounds), with why. Its fields are
 * checked by writing it as text and parsing that back (learn-export). */
nx_status_t nx_profile_from_blob(const void *blob, size_t len, nx_profile_t *out, char *why,
                                 size_t why_size);

/* Profile p as text into out (cap bytes, NUL-terminated), `comment`
 * (or NULL) first as # lines: its length, or 0 when it does not fit.
 * Buckets are named b0, b1, ...; a field outside its domain is written so
 * that parsing fails on it, and anything else parses back to the same
 * blob. */
size_t nx_profile_write(const nx_profile_t *p, const char *comment, char *out, size_t cap);

/* The number of a system call named like the kernel names it
 * ("channel_write"), or -1. */
int32_t nx_profile_syscall_number(const char *name, size_t len);

#endif /* NX_PROFILE_TEXT_H */
