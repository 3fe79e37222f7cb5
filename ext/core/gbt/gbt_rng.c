/*
** gbt_rng.c — the deterministic random numbers of gbt_train(): row subsampling
** and column sampling per tree.
**
**   1. xoshiro256** (Blackman & Vigna), state seeded by four splitmix64 outputs
**      of the user's seed, so every seed (including 0) gives a valid state.
**   2. gbt_rng_below(n) is unbiased (rejection on the top of the range).
**   3. gbt_rng_sample_sorted() is Knuth's selection sampling (Algorithm S): it
**      returns exactly k of n indices, in ascending order, in one pass.
*/
#include "gbt.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void gbt_rng_seed(gbt_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gbt_rng_next(gbt_rng *r) {
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

double gbt_rng_uniform(gbt_rng *r) { return (double)(gbt_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t gbt_rng_below(gbt_rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
  do
    x = gbt_rng_next(r);
  while (x >= limit);
  return x % n;
}

void gbt_rng_sample_sorted(gbt_rng *r, size_t n, size_t k, uint32_t *out, uint8_t *flag) {
  size_t chosen = 0;
  for (size_t i = 0; i < n; i++) {
    int take;
    if (chosen >= k)
      take = 0;
    else if (n - i <= k - chosen)
      take = 1;
    else
      take = gbt_rng_below(r, n - i) < k - chosen;
    if (flag) flag[i] = (uint8_t)take;
    if (take) out[chosen++] = (uint32_t)i;
  }
}
