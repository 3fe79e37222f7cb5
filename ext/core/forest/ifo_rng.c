/*
** ifo_rng.c — the deterministic random numbers of the isolation forest:
** per-tree reservoir sampling and per-tree split draws.
**
**   1. xoshiro256** (Blackman & Vigna).  A stream is (seed, stream number):
**      the state is four splitmix64 outputs started from the seed mixed with
**      the stream number, so every tree has its own sequence and no tree's
**      numbers depend on another's (which is what makes the forest the same
**      whatever the thread count).
**   2. ifo_rng_uniform is in [0, 1) with 53 random bits; ifo_rng_open01 in
**      (0, 1) (it never returns 0, so log() of it is finite).
**   3. ifo_rng_below(n) is unbiased (rejection at the top of the range).
*/
#include "ifo.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void ifo_rng_seed(ifo_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t m = stream, x;
  x = seed ^ splitmix64(&m); /* a different start per stream */
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* never all zero */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ifo_rng_next(ifo_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double ifo_rng_uniform(ifo_rng *r) { return (double)(ifo_rng_next(r) >> 11) * 0x1.0p-53; }

double ifo_rng_open01(ifo_rng *r) { return ((double)(ifo_rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

uint64_t ifo_rng_below(ifo_rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
  do
    x = ifo_rng_next(r);
  while (x >= limit);
  return x % n;
}
