/*
 * bucket.c - a RATE rule's token bucket, in exact integer arithmetic.
 *
 * A bucket starts full. From the first token taken, its clock runs in
 * whole intervals: at each boundary it gains `refill` tokens, up to
 * `capacity`. The time it was counted at moves by whole intervals only,
 * so no rounding accumulates however long the run, and no product can
 * overflow: a refill is at most what the bucket lacks.
 */
#include "filter_internal.h"

bool nx_filter_bucket_take_locked(nx_filter_t *f, uint32_t b, uint64_t now, bool take)
{
    return nx_filter_tokens_take(nx_filter_bucket(f, b), now, take);
}

bool nx_filter_tokens_take(nx_filter_bucket_state_t *s, uint64_t now, bool take)
{
    uint64_t tokens = s->tokens, counted = s->counted_ns;
    if (!s->started) {
        counted = now;
    } else if (now > counted) {
        uint64_t periods = (now - counted) / s->spec.interval_ns;
        uint64_t room = s->spec.capacity - tokens;
        /* Periods to fill the room: ceil(room / refill), no overflow. */
        uint64_t to_full = room / s->spec.refill + (room % s->spec.refill != 0u ? 1u : 0u);
        tokens = periods >= to_full ? s->spec.capacity : tokens + periods * s->spec.refill;
        counted += periods * s->spec.interval_ns; /* <= now - counted: no overflow */
    }
    if (tokens == 0u)
        return false; /* nothing stored: a refusal changes nothing */
    if (take) {
        s->tokens = tokens - 1u;
        s->counted_ns = counted;
        s->started = true;
    }
    return true;
}
