/*
 * prng.c - xoshiro256** seeded by splitmix64 (see nxsim/prng.h).
 */
#include "nxsim/prng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void nx_prng_seed(nx_prng_t *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t nx_prng_next(nx_prng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5u, 7) * 9u;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t nx_prng_below(nx_prng_t *rng, uint64_t bound)
{
    if (bound == 0u)
        return 0;
    /* Lemire: the high half of x * bound is uniform once the low half is
     * outside the biased region [0, 2^64 mod bound). */
    unsigned __int128 m = (unsigned __int128)nx_prng_next(rng) * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        uint64_t threshold = (0u - bound) % bound;
        while (low < threshold) {
            m = (unsigned __int128)nx_prng_next(rng) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

uint64_t nx_prng_range(nx_prng_t *rng, uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return lo;
    if (lo == 0u && hi == UINT64_MAX)
        return nx_prng_next(rng);
    return lo + nx_prng_below(rng, hi - lo + 1u);
}
