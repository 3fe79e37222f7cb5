/*
** st_moments.h — exact running power sums of a sample and its mean,
** variance, standard deviation, skewness and kurtosis: the numerical core
** of the SQL aggregates and window functions omen_mean(x), omen_variance(x),
** omen_stddev(x), omen_skewness(x) and omen_kurtosis(x) (SQL layer:
** ext/robust_agg.c; pages: docs/omen_mean.md ...).
**
**   st_psums *s = malloc(st_psums_size(4));  st_psums_init(s, 4);
**   st_psums_add(s, 1.0, &err);  st_psums_add(s, 2.0, &err);  ...
**   st_psums_remove(s, 1.0, &err);               (exact: a sliding window)
**   st_psums_variance(s, &v, &err);  k = st_psums_kurtosis(s);
**
** Behaviours:
**   1. st_psums holds the count n and the EXACT sums S_k = sum of x^k for
**      k = 1..kmax (kmax 1 to 4, fixed by st_psums_init), each a
**      fixed-point integer in 32-bit chunks (x^k as a multiple of
**      2^(-1074 k): every finite double's power is one).  Adding x splits
**      the 53k-bit mantissa of x^k over k*53/32 + 2 chunks; chunks are
**      int64 and carried only every 2^30 updates and when read (the scheme
**      of st_sums in st_welch.h, to the 4th power).  st_psums_remove
**      subtracts the same bits, so after any sequence of adds and removes
**      the sums are those of the values still present, exactly: a sliding
**      window (SQL xInverse) gives, frame by frame, bit for bit the result
**      of the plain aggregate over the frame's values, whatever passed
**      through it (1e300 spikes included), at O(1) per row and with no
**      stored values.
**   2. Memory: st_psums_size(kmax) bytes, ~0.6, 1.7, 3.3 and 5.5 kB for
**      kmax 1..4.  The caller provides it; st_psums_init zeroes it.
**   3. A NaN or ±Inf is OM_INVALID ("value is not a finite number") and is
**      not added.  Removing from an empty st_psums is OM_INVALID ("value to
**      remove is not held").  When the last value leaves, the state is the
**      zeroed one again.
**   4. Results are computed from the sums in integer arithmetic, exactly,
**      then rounded (each is within a few units in the last place of the
**      exact value; mean and variance within one):
**        mean     = S1 / n                                  (n >= 1)
**        A2       = n S2 - S1^2          (= n * sum (x - mean)^2, exact)
**        variance = A2 / (n (n - 1))                         (n >= 2)
**        stddev   = sqrt(variance), computed with the binary exponent apart
**        A3       = n^2 S3 - 3 n S1 S2 + 2 S1^3     (= n^2 sum (x - mean)^3)
**        skewness = sqrt(n (n - 1)) / (n - 2) * A3 / A2^(3/2)   (n >= 3)
**        A4       = n^3 S4 - 4 n^2 S1 S3 + 6 n S1^2 S2 - 3 S1^4
**        kurtosis = ((n^2 - 1) A4 - 3 (n - 1)^2 A2^2) / ((n - 2)(n - 3) A2^2)
**                                                            (n >= 4)
**      skewness is the adjusted Fisher-Pearson coefficient G1 =
**      scipy.stats.skew(x, bias=False) = pandas Series.skew(); kurtosis is
**      the bias-corrected excess kurtosis G2 =
**      scipy.stats.kurtosis(x, fisher=True, bias=False) = pandas
**      Series.kurt(); the kurtosis numerator is exact, so a G2 near 0 keeps
**      its relative accuracy.  No cancellation anywhere: the variance of
**      1e9 + x is the variance of x.
**   5. Undefined results are NaN: any result of no values; variance and
**      stddev of one value; skewness with n < 3 and kurtosis with n < 4
**      (scipy's bias=False then falls back to the biased estimator, pandas
**      gives NaN: we follow pandas); skewness and kurtosis when A2 = 0 (all
**      values equal: 0/0).  scipy also answers NaN when the spread is
**      below ~1e-15 of the mean (its float moments cannot resolve it);
**      these sums are exact, so such data get their true skewness.
**   6. variance or stddev beyond the double range (values near ±1e308: the
**      variance of {1e308, -1e308} is 2e616) is OM_INVALID with "the
**      variance is beyond the range of a double (over 1.8e308); divide the
**      values by a constant first" ("standard deviation"); the stddev of
**      data whose variance overflows is still returned when it fits.
**      mean, skewness and kurtosis are always in range.
**   7. Cost: an add or remove is ~10-40 integer multiply-adds (kmax 1..4);
**      a result carries the chunks in place (value unchanged) and
**      multiplies the trimmed digits of the sums, usually 2-10 digits of 32
**      bits each, at most ~270 (values spanning the whole double range).
*/
#ifndef ST_MOMENTS_H
#define ST_MOMENTS_H

#include "../base/om_core.h"

/* Chunks of S_k: 2098 k bits of |x|^k * 2^(1074 k), + 63 bits of count, + spare. */
#define ST_PSUMS_C1 70
#define ST_PSUMS_C2 136
#define ST_PSUMS_C3 201
#define ST_PSUMS_C4 267

typedef struct st_psums {
  int64_t n;        /* values added minus values removed */
  int64_t pending;  /* updates since the chunks were last carried */
  int kmax;         /* S_1..S_kmax are kept (1..4) */
  int lo[4], hi[4]; /* chunks [lo, hi) of S_(k+1) may be non-zero (hi 0: all zero) */
  int64_t c[];      /* S_1's chunks, then S_2's, ...: S_k * 2^(1074 k) = sum c[i] 2^(32 i) */
} st_psums;

size_t st_psums_size(int kmax);        /* bytes of an st_psums keeping S_1..S_kmax */
void st_psums_init(st_psums *s, int kmax); /* zero st_psums_size(kmax) bytes, set kmax */
om_status st_psums_add(st_psums *s, double x, om_err *err);
om_status st_psums_remove(st_psums *s, double x, om_err *err);

/* Behaviour 4 (NaN: behaviour 5).  Each carries s in place first. */
double st_psums_mean(st_psums *s);
om_status st_psums_variance(st_psums *s, double *out, om_err *err); /* kmax >= 2 */
om_status st_psums_stddev(st_psums *s, double *out, om_err *err);   /* kmax >= 2 */
double st_psums_skewness(st_psums *s);                             /* kmax >= 3 */
double st_psums_kurtosis(st_psums *s);                             /* kmax >= 4 */

#endif /* ST_MOMENTS_H */
