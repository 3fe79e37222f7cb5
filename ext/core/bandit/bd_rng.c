/*
** bd_rng.c — the bandit family's deterministic random numbers (bd.h
** behaviours 8 and 9).
**
**   1. xoshiro256** (Blackman & Vigna 2018), its state four splitmix64
**      outputs from the seed (never all zero).
**   2. bd_rng_open01 is in (0, 1) with 53 random bits; bd_rng_below(n) is
**      unbiased (rejection at the top of the range).
**   3. Normals by Box–Muller (one of the pair is used); Gamma(a, 1) by
**      Marsaglia & Tsang (2000) for a ≥ 1 and Gamma(a + 1)·U^(1/a) for a < 1;
**      Beta(a, b) = X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
*/
#include <math.h>

#include "bd.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void bd_rng_seed(bd_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t bd_rng_next(bd_rng *r) {
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

double bd_rng_open01(bd_rng *r) { return ((double)(bd_rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

uint64_t bd_rng_below(bd_rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
  do
    x = bd_rng_next(r);
  while (x >= limit);
  return x % n;
}

double bd_rng_normal(bd_rng *r) {
  double u1 = bd_rng_open01(r), u2 = bd_rng_open01(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double bd_rng_gamma(bd_rng *r, double a) {
  double d, c, boost = 1.0;
  if (!(a > 0) || !isfinite(a)) return NAN;
  if (a < 1) {
    boost = pow(bd_rng_open01(r), 1.0 / a);
    a += 1.0;
  }
  d = a - 1.0 / 3.0;
  c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = bd_rng_normal(r), v = 1.0 + c * x, u;
    if (v <= 0) continue;
    v = v * v * v;
    u = bd_rng_open01(r);
    if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v * boost;
  }
}

double bd_rng_beta(bd_rng *r, double a, double b) {
  double x = bd_rng_gamma(r, a), y = bd_rng_gamma(r, b);
  if (x + y > 0) return x / (x + y);
  return a / (a + b); /* both underflowed (tiny shapes): the mean */
}
