/*
** st_welch.h — exact running sums and moments, and Welch's unequal-variance t-test,
** the numerical core of the SQL aggregate welch_ttest(value, group
** [, alternative [, confidence]]).
**
** The test is scipy.stats.ttest_ind(a, b, equal_var=False, alternative=alt)
** (diff = mean_a - mean_b; 'less' means mean_a < mean_b), with the
** Welch–Satterthwaite df and, for the confidence interval of diff, the
** definition of scipy >= 1.11's TtestResult.confidence_interval:
**   two-sided  diff ± t_{(1+c)/2, df} * se
**   less       (-inf, diff + t_{c, df} * se)
**   greater    (diff - t_{c, df} * se, +inf)
** with se = sqrt(var_a/n_a + var_b/n_b).  Every number is a double; NaN
** means "undefined" (the SQL layer renders it as JSON null).
**
** Behaviours:
**   1. (Implemented by om_xsum, ../base/om_xsum.h behaviours 1-3, under the
**      aliases below.)  st_sums is what the SQL aggregate accumulates per group: the count and
**      the EXACT sums of x and x^2, each held as a fixed-point integer in
**      32-bit chunks (x as a multiple of 2^-1074, x^2 of 2^-2148: every
**      finite double and its square is such a multiple).  Adding a value
**      splits its 53-bit mantissa (and the 106-bit mantissa of its square)
**      over 3 (and 6) chunks; chunks are int64 and carried only every 2^30
**      updates and when read.  st_sums_remove subtracts the same bits, so a
**      removal is exact: after any sequence of adds and removes the state is
**      bit for bit the state of adding only the values still present.  That
**      makes a sliding window (SQL xInverse) equal to the aggregate over its
**      frame exactly, whatever left the frame (a 1e300 spike included), at
**      O(1) per row and with no stored rows.  A zeroed struct is empty; a
**      non-finite value is OM_INVALID and not added.  Size: ~1.7 kB.
**   2. st_sums_moments turns the sums into st_moments: mean = S1/n rounded
**      to a double plus the rest (mean_lo) from a 128-bit head of S1
**      (relative error < 1e-28; a mean so small that mean_lo would
**      underflow keeps both parts scaled, with mean_exp, so diff and t of
**      data near the subnormal range are as exact as elsewhere), and
**      m2 = (n*S2 - S1^2)/n, whose numerator
**      is computed exactly in integers (no cancellation, whatever the
**      offset: the test of 1e12 + x is the test of x), rounded once to
**      m2 * 2^m2_exp so that it cannot overflow (the variance of
**      {1e308, -1e308} is 2e616).  It carries the chunks in place first
**      (the value is unchanged).  Cost: a multiply of the trimmed digits of
**      S1, usually 2-4 digits of 32 bits, at most ~70 (values spanning the
**      whole double range).
**   3. st_moments_var is the sample variance (ddof = 1); NaN for n < 2;
**      +Inf if it exceeds the double range.
**   4. Edge cases, decided after running scipy 1.10's ttest_ind on raw data:
**      4.1 n_a < 2 or n_b < 2 (scipy: var NaN, t and p NaN): var of that
**          group, t, df, p, ci_low and ci_high are NaN.  n_a, n_b, the means
**          (NaN for an empty group) and diff are still reported.
**      4.2 both variances zero, equal means (scipy: t = 0/0 = NaN, p NaN):
**          t, p NaN; df NaN (scipy replaces its 0/0 df by 1 internally,
**          a placeholder we do not copy); ci = [diff, diff] = [0, 0] for
**          two-sided, (-inf, diff) for less, (diff, +inf) for greater:
**          the definition above with se = 0 (diff ± q * 0).
**      4.3 both variances zero, different means (scipy: t = ±inf, p = 0 for
**          two-sided, 0 or 1 one-sided): the same t and p (the limits, valid
**          for any df); df NaN as in 4.2; ci as in 4.2.
**      4.4 one variance zero (scipy: ordinary numbers): ordinary numbers,
**          df = n - 1 of the other group.
**      4.5 |t| beyond the double range (se tiny next to diff) is ±inf and
**          behaves as 4.3.
**   5. df is computed as 1 / (r_a^2/(n_a-1) + r_b^2/(n_b-1)) with
**      r = (var/n) / (var_a/n_a + var_b/n_b), which equals scipy's
**      (va+vb)^2/(va^2/(na-1) + vb^2/(nb-1)) but cannot overflow or
**      underflow for variances near the ends of the double range.
**   6. diff is taken from the two-double means, so it stays exact when the
**      means are close relative to their size (scipy subtracts two rounded
**      means; there its t is off by up to ~1e-6 for 1e9 + noise data).
**   7. p uses st_t_cdf / st_t_sf (st_tdist.h): two-sided 2*P(T <= -|t|),
**      less P(T <= t), greater P(T > t); p keeps its relative accuracy down
**      to ~1e-300 and underflows to 0 below.
**   8. st_welch_ttest returns OM_INVALID (with a message) for a NULL
**      argument, an alternative that is not one of the enum values, or a
**      confidence that is not strictly between 0 and 1 (NaN included);
**      the result then holds NaN everywhere.  Otherwise OM_OK.
**   9. Edge of the double range: se, t, df, p and the interval are computed
**      on variances scaled by a power of two (exact), and diff and the
**      interval ends in halves, so finite data never give a spurious
**      Inf/NaN: the mean of {1e308, -1e308} is 0, and t, df and p of data
**      near 1e308 are ordinary numbers.  When a number to be reported
**      (var_a, var_b, diff, ci_low, ci_high) is finite in truth but beyond
**      the double range, st_welch_ttest returns OM_INVALID with "var_a is
**      about 2e+616, beyond the range of a double; divide the values by a
**      constant (e.g. 1e300) first" (field and size vary) instead of an
**      inconsistent result.
*/
#ifndef ST_WELCH_H
#define ST_WELCH_H

#include "../base/om_xsum.h"

/* The exact sums and their moments live in base (../base/om_xsum.h, shared
** with the prep family); these are their stats names, unchanged for every
** caller (welch, paired, group tests, experiment, sequential, metrics). */
typedef om_xmoments st_moments;
typedef om_xsum st_sums;
#define ST_SUMS_C1 OM_XSUM_C1
#define ST_SUMS_C2 OM_XSUM_C2

static inline double st_moments_var(const st_moments *m) { return om_xmoments_var(m); } /* behaviour 3 */
static inline om_status st_sums_add(st_sums *s, double x, om_err *err) { return om_xsum_add(s, x, err); }
/* the exact inverse of st_sums_add */
static inline om_status st_sums_remove(st_sums *s, double x, om_err *err) { return om_xsum_remove(s, x, err); }
/* behaviour 2; carries s in place */
static inline void st_sums_moments(st_sums *s, st_moments *out) { om_xsum_moments(s, out); }

typedef enum st_alternative { ST_TWO_SIDED = 0, ST_LESS = 1, ST_GREATER = 2 } st_alternative;

typedef struct st_welch_result {
  double n_a, n_b;       /* group sizes */
  double mean_a, mean_b; /* NaN for an empty group */
  double var_a, var_b;   /* sample variances (ddof 1), NaN for n < 2 */
  double diff;           /* mean_a - mean_b */
  double t;              /* Welch t statistic */
  double df;             /* Welch–Satterthwaite degrees of freedom */
  double p;              /* p-value for the alternative */
  double ci_low, ci_high; /* confidence interval of diff (±inf for one-sided) */
} st_welch_result;

om_status st_welch_ttest(const st_moments *a, const st_moments *b, st_alternative alt,
                         double confidence, st_welch_result *out, om_err *err);

#endif /* ST_WELCH_H */
