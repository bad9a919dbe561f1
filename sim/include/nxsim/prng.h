/*
 * nxsim/prng.h - the project's deterministic pseudo-random generator.
 *
 * Every choice the simulator makes, and every random input a test feeds the
 * kernel, comes from this generator and a seed: never from host randomness
 * or host time, so a seed reproduces a run exactly.
 *
 * Algorithm (docs/adr/0001-host-first.md): xoshiro256** (Blackman & Vigna,
 * 2018) for the stream; its 256-bit state is filled from the 64-bit seed
 * with splitmix64, as the authors recommend, so nearby seeds give unrelated
 * streams. Bounded draws use Lemire's multiply-shift with rejection, so they
 * are exactly uniform.
 */
#ifndef NXSIM_PRNG_H
#define NXSIM_PRNG_H

#include <stdint.h>

typedef struct nx_prng {
    uint64_t s[4];
} nx_prng_t;

/* Seed the generator; any seed, 0 included, gives a valid stream. */
void nx_prng_seed(nx_prng_t *rng, uint64_t seed);

/* Next 64 uniformly distributed bits. */
uint64_t nx_prng_next(nx_prng_t *rng);

/* Uniform integer in [0, bound); bound 0 returns 0. */
uint64_t nx_prng_below(nx_prng_t *rng, uint64_t bound);

/* Uniform integer in [lo, hi] (inclusive); lo > hi returns lo. */
uint64_t nx_prng_range(nx_prng_t *rng, uint64_t lo, uint64_t hi);

#endif /* NXSIM_PRNG_H */
