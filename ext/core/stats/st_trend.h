/*
** st_trend.h — is a series going up or down?  Three answers on n points
** (t_i, y_i): the least-squares slope with its t-test, the Mann–Kendall
** trend test, and Sen's (Theil–Sen) slope with its confidence interval.
** The numerical core of trend_test(ts, value [, confidence]) (SQL layer:
** ext/trend.c; page: docs/trend_test.md).
**
** Behaviours:
**   1. Input: n >= 0 pairs of finite doubles in any order; ties in t and in
**      y are allowed.  confidence in (0, 1).  The arrays are not modified.
**      Undefined results are NaN (the SQL layer writes null).
**   2. OLS, as statsmodels OLS(y, add_constant(t)).fit(): y = a + b t.
**      The least-squares problem is solved by LAPACK (dgels, QR) on the
**      design [1, (t - mean t) / scale], so unix-second times lose nothing
**      to the intercept column; b = slope, a = mean y - b mean t (the value
**      at t = 0), SSR = sum of squared residuals, df = n - 2,
**      se(b) = sqrt(SSR / df / Sxx), t = b / se, p = 2 P(T > |t|) (Student
**      t, df), CI = b -+ t_{(1+c)/2, df} se, r2 = 1 - SSR / SST.
**      n < 2 or all t equal: every OLS field NaN.  n = 2: slope, intercept
**      and r2 (1) only.  dgels's solution gets one step of iterative
**      refinement (the centred design is orthogonal: two sums).  se = 0
**      (points exactly on a line and no rounding left in the residuals):
**      t = +-inf and p = 0, or both NaN when b = 0; the CI is [b, b].
**      Constant y: slope 0 and se 0 exactly, t and p NaN, r2 NaN.
**   3. Mann–Kendall: S = sum over i < j of sign(t_j - t_i) sign(y_j - y_i)
**      (a pair tied in t counts 0), by Knight's O(n log n) merge sort, in
**      exact integers.  var(S) is Kendall's null variance with ties in both
**      t and y (u: sizes of the groups of equal t, v: of equal y, m =
**      n(n-1)):
**        (m(2n+5) - sum u(u-1)(2u+5) - sum v(v-1)(2v+5)) / 18
**        + sum u(u-1) sum v(v-1) / (2m)
**        + sum u(u-1)(u-2) sum v(v-1)(v-2) / (9 m (n-2))   (n > 2),
**      scipy.stats.kendalltau's, and the textbook Mann–Kendall variance when
**      no two t are equal.  z = (S - sign(S)) / sqrt(var) (the continuity
**      correction of R's trend::mk.test and pymannkendall), p = 2 P(Z > |z|)
**      (normal), tau = Kendall's tau-b = S / sqrt(n0 - n1) / sqrt(n0 - n2)
**      (n0 = n(n-1)/2 pairs, n1 tied in t, n2 tied in y), as kendalltau.
**      var = 0 (n < 2, all t or all y equal): z and p NaN; tau NaN when its
**      denominator is 0.
**   4. Sen: the slopes (y_j - y_i) / (t_j - t_i) of the N pairs with
**      t_j > t_i, each rounded once as numpy rounds it; slope = their median
**      (numpy's: the mean of the two middle ones when N is even),
**      intercept = median(y) - slope * median(t); the confidence interval
**      of scipy.stats.theilslopes (Sen 1968, eq. 2.6): sigma^2 =
**      (n(n-1)(2n+5) - sum u(u-1)(2u+5) - sum v(v-1)(2v+5)) / 18, z =
**      Phi^-1((1 - c) / 2), Ru = min(rint((N - z sigma) / 2), N - 1),
**      Rl = max(rint((N + z sigma) / 2) - 1, 0) (rint rounds halves to
**      even, as numpy.round), CI = [the Rl-th, the Ru-th smallest slope]
**      (0-based).  N = 0: every Sen field NaN.
**   5. Sen's order statistics are exact (the same doubles as sorting all N
**      slopes) and cost O(N): up to ST_TREND_MATERIALIZE pairs the slopes
**      are computed into one array and selected; more are never stored:
**      brackets around each wanted rank come from random pairs, then each
**      pass over all pairs counts the slopes below a bracket and samples
**      (or, once few enough, keeps) those inside it; usually two or three
**      passes.  The random pairs come from a fixed seed: same input, same
**      work.
**   6. Long work polls the interrupt (OM_INTERRUPTED); memory is
**      O(n) plus at most ST_TREND_MATERIALIZE or 4 x ST_TREND_KEEP doubles
**      (OM_NOMEM if not available).
*/
#ifndef ST_TREND_H
#define ST_TREND_H

#include "../base/om_core.h"

#define ST_TREND_MATERIALIZE ((uint64_t)4 << 20) /* pairs computed into one array (behaviour 5) */
#define ST_TREND_KEEP ((size_t)1 << 20)          /* slopes kept per bracket in a pass */

typedef struct st_trend {
  double n;
  /* behaviour 2 */
  double slope, intercept, slope_se, slope_t, slope_p, slope_ci_low, slope_ci_high, r2, df;
  /* behaviour 3 */
  double mk_s, mk_var_s, mk_z, mk_p, mk_tau;
  /* behaviour 4 */
  double sen_slope, sen_intercept, sen_ci_low, sen_ci_high, sen_pairs;
} st_trend;

om_status st_trend_compute(const double *t, const double *y, size_t n, double confidence, const om_interrupt *it,
                           st_trend *out, om_err *err);

#endif /* ST_TREND_H */
