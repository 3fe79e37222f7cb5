/*
** st_rank.h — the Mann–Whitney U test with its effect sizes (common-language
** effect size, Hodges–Lehmann shift and its distribution-free confidence
** interval): the numerical core of the SQL aggregate mann_whitney(value,
** group [, alternative [, confidence]]) (ext/ranktests.c).
**
** The test is scipy.stats.mannwhitneyu(x, y, alternative=alt,
** use_continuity=True, method='auto') of scipy 1.10, x the first sample.
**
** Behaviours:
**   1. U1 = #{(i,j): x_i > y_j} + #{x_i = y_j}/2 (scipy's U1 = R1 - n1(n1+1)/2
**      with mid-ranks), counted exactly by merging the sorted samples;
**      U2 = n1*n2 - U1.  The statistic is U1.
**   2. Method (scipy 1.10 'auto'): 'exact' when min(n1, n2) <= 8 (scipy:
**      "not (n1 > 8 and n2 > 8)") and no value occurs twice in the pooled
**      sample; otherwise 'asymptotic'.  One more rule of ours: the exact
**      distribution is tabulated up to floor(n1*n2/2), and when that is more
**      than ST_MWU_EXACT_MAX entries (e.g. 8 values against 600 000) the
**      method is 'asymptotic' (scipy would take minutes there).
**   3. U for the p-value: 'greater' U1, 'less' U2, 'two-sided' max(U1, U2)
**      with a factor 2.  Exact: p = f * P(U' >= U) under the null
**      distribution of U' for sizes (n1, n2) (no tie correction, as scipy);
**      the counts are the coefficients of the Gaussian binomial
**      [n1+n2 choose m]_q (m = min(n1, n2)), built one factor
**      (1 - q^(n+j)) / (1 - q^j) at a time (Andrews, "The Theory of
**      Partitions", 3.3), in exact 128-bit integers while C(n1+n2, m) <
**      2^126 (then p is a ratio of two exact integers, rounded twice), else
**      in long double.  Asymptotic: z = (U - n1 n2/2 - 1/2) / s,
**      s = sqrt(n1 n2/12 * ((N+1) - T/(N(N-1)))), T = sum over tied groups
**      of t^3 - t, p = f * P(Z > z); s = 0 (every value equal) gives p = 1.
**      p is clipped to [0, 1].
**   4. cles = U1/(n1 n2): P(X > Y) + P(X = Y)/2 for one random pair.
**   5. hl = the median of the n1*n2 differences x_i - y_j (each computed in
**      double; the mean of the two middle ones when n1*n2 is even), found
**      exactly by selection in the sorted matrix of differences (random
**      pivots, counting by two pointers: expected O((n1+n2) log(n1 n2))
**      time and O(n1) memory; no difference array is built).
**   6. Confidence interval of the shift (Lehmann 1975, Hollander & Wolfe
**      1999 sec. 4.3): with W_(1) <= ... <= W_(mn) the sorted differences,
**      a = 1 - confidence, two-sided [W_(k), W_(mn+1-k)] with k from a/2,
**      'greater' [W_(k), +inf), 'less' (-inf, W_(mn+1-k)] with k from a.
**      Exact method: k = the smallest integer with P(U' <= k) >= a/2 (or
**      a), as R's wilcox.test; the interval then covers the shift with
**      probability >= confidence for continuous data.  Asymptotic method:
**      k = floor(mn/2 + 1/2 - z_q s), z_q = Phi^-1(1 - a/2) (or 1 - a),
**      s as in 3 (tie-corrected).  k < 1 (the confidence is not reachable
**      with these sizes, e.g. 2 vs 2 at 95%): that end is -inf / +inf.
**      k is capped at mn.
**   7. Sizes: n1, n2 >= 1 (else OM_INVALID); values must not be NaN
**      (OM_INVALID); ±inf is allowed by the core (differences may then be
**      ±inf or NaN).  The inputs are sorted in place.
**   8. Interrupts: the exact table and the selection poll `it` every ~2^20
**      operations and return OM_INTERRUPTED.
*/
#ifndef ST_RANK_H
#define ST_RANK_H

#include "../base/om_core.h"
#include "st_welch.h" /* st_alternative */

#define ST_MWU_EXACT_MAX ((int64_t)1 << 21) /* behaviour 2 */

typedef struct st_mwu_result {
  double u1, u2;          /* U of x (the statistic) and of y */
  double z;               /* standardized U (asymptotic method), NaN for exact */
  double p;               /* p-value for the alternative */
  int exact;              /* 1: exact method, 0: asymptotic */
  double cles;            /* U1 / (n1 n2) */
  double hl;              /* Hodges–Lehmann shift: median of x_i - y_j */
  double ci_low, ci_high; /* confidence interval of the shift (±inf ends) */
} st_mwu_result;

/* Sort a in place (ascending; NaN-free input). */
void st_sort_doubles(double *a, size_t n);

/* The k-th smallest (0-based) of the n1*n2 differences x_i - y_j; x and y
** sorted ascending.  OM_NOMEM / OM_INTERRUPTED / OM_INVALID (k out of range). */
om_status st_pairdiff_select(const double *x, size_t n1, const double *y, size_t n2, uint64_t k,
                             const om_interrupt *it, double *out);

om_status st_mann_whitney(double *x, size_t n1, double *y, size_t n2, st_alternative alt, double confidence,
                          const om_interrupt *it, st_mwu_result *out, om_err *err);

#endif /* ST_RANK_H */
