/*
 * filter_internal.h - what the files of core/sysfilter share.
 */
#ifndef NX_FILTER_INTERNAL_H
#define NX_FILTER_INTERNAL_H

#include "nexus/object.h"
#include "nexus/rights.h"
#include "nx/audit.h"
#include "nx/sysfilter.h"

/* Count one decision of f by the rule at blob index `blob_rule`
 * (NX_FILTER_MAX_RULES: the default). */
void nx_filter_count_hit(const nx_filter_t *f, uint32_t blob_rule);

/* May bucket `b` of f give a token at `now`? With `take`, it does. Only a
 * token given changes the bucket: a refusal leaves it as it was. Caller
 * holds f's lock. */
bool nx_filter_bucket_take_locked(nx_filter_t *f, uint32_t b, uint64_t now, bool take);

#endif /* NX_FILTER_INTERNAL_H */
