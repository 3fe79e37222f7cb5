/*
** ts_dist.h — the normal distribution and a seeded random stream for the
** time-series family (forecast intervals and sample paths).
**
** Behaviours:
**   1. ts_norm_ppf(p) is the standard normal quantile by Wichura's
**      algorithm AS 241 (PPND16, Applied Statistics 37, 1988): relative
**      error about 1e-16 for p in (0, 1); -inf at 0, +inf at 1, NaN
**      outside [0, 1] or for NaN.
**   2. ts_rng is splitmix64 (a fixed sequence per seed); ts_rng_unif is a
**      double in (0, 1) (never 0 or 1: 53-bit values shifted by half a
**      step), ts_rng_norm = ts_norm_ppf(ts_rng_unif): one uniform per
**      normal draw, so sample paths are reproducible value by value.
*/
#ifndef TS_DIST_H
#define TS_DIST_H

#include <stdint.h>

double ts_norm_ppf(double p);

typedef struct ts_rng {
  uint64_t s;
} ts_rng;

double ts_rng_unif(ts_rng *r);
double ts_rng_norm(ts_rng *r);

#endif /* TS_DIST_H */
