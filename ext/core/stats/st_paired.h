/*
** st_paired.h — tests on paired samples (a_i, b_i), i = 1..n, through their
** differences d_i = a_i - b_i: the paired t-test and the Wilcoxon
** signed-rank test with the Hodges–Lehmann pseudo-median and its
** distribution-free confidence interval.  The numerical core of the SQL
** aggregates paired_ttest(a, b [, alternative [, confidence]]) and
** wilcoxon_signed_rank(a, b [, alternative [, confidence]]) (ext/paired.c).
**
** d_i is a_i - b_i rounded to a double, as scipy computes it.
**
** Paired t (scipy.stats.ttest_rel(a, b, alternative=alt) of scipy 1.10, the
** one-sample t-test of the d_i against 0):
**   1. Input is st_moments of the d_i (st_welch.h): a window keeps st_sums
**      of d (exact adds and removes, so a sliding frame equals the plain
**      aggregate over its rows bit for bit) and converts them per result.
**   2. mean_diff = mean of d (two-double mean), sd_diff = sample standard
**      deviation (ddof 1), se = sd_diff / sqrt(n), statistic t =
**      mean_diff / se, df = n - 1, p from st_t_cdf / st_t_sf: two-sided
**      2 P(T <= -|t|), less P(T <= t), greater P(T > t).
**   3. Confidence interval of the mean difference (scipy's
**      TtestResult.confidence_interval(confidence)): two-sided
**      mean ± t_{(1+c)/2, df} se, less (-inf, mean + t_{c, df} se],
**      greater [mean - t_{c, df} se, +inf).
**   4. cohens_dz = mean_diff / sd_diff = t / sqrt(n) (Cohen 1988, d_z for
**      repeated measures).
**   5. Edge cases (scipy 1.10's answers in brackets):
**      5.1 n = 0: everything NaN [nan].
**      5.2 n = 1: mean_diff reported, df = 0 [0]; sd_diff, se, t, p, the
**          interval and cohens_dz NaN [nan].
**      5.3 sd_diff = 0, mean_diff = 0 (every pair equal): t and p NaN
**          [nan]; interval [0, 0] two-sided, one-sided (-inf, 0] and
**          [0, +inf) [scipy: nan for the infinite end times se = 0].
**      5.4 sd_diff = 0, mean_diff != 0: t = ±inf, p the limit (0 two-sided,
**          0 or 1 one-sided) [same]; the interval collapses to mean_diff as
**          in 5.3.  scipy gets 5.3/5.4 only when its float variance is
**          exactly 0; for data like d = {0.1, 0.1, 0.1} its rounded mean
**          leaves a variance of ~1e-34 and a huge finite t: we use exact
**          sums, so the variance is 0.
**   6. Range: the variance is computed scaled by a power of two (never
**      overflows); when sd_diff or an interval end is finite in truth but
**      beyond the double range the result is OM_INVALID with "sd_diff is
**      about 2.4e+308, beyond the range of a double; divide the values by a
**      constant first" (as st_welch.h behaviour 9).
**
** Wilcoxon signed-rank (scipy.stats.wilcoxon(a, b, zero_method='wilcox',
** correction=False, alternative=alt, method='auto') of scipy 1.10.1):
**   7. Zero differences are dropped from the test (n_zero of them); the
**      n_used others are ranked by |d| with mid-ranks for ties; r_plus /
**      r_minus are the rank sums of the positive / negative differences.
**      statistic: min(r_plus, r_minus) for two-sided, r_plus one-sided.
**   8. Method, scipy 1.10.1's 'auto' rule exactly: 'exact' when n (all
**      pairs, zeros included) <= 50 and no difference is zero; otherwise
**      'asymptotic'.  Ties do NOT switch to the normal approximation in
**      scipy 1.10 (later versions do): with ties the exact distribution is
**      used with r = floor(r_plus) (scipy's int()), and so do we.
**   9. Exact p: the null distribution of W+ for n_used ranks 1..n_used,
**      counts c[s] = #{subsets with sum s}, built by the counting
**      recurrence c_k(s) = c_{k-1}(s) + c_{k-1}(s - k) in exact 64-bit
**      integers (every count is < 2^50), so every p is a ratio of exact
**      integers rounded once.  less P(W+ <= r), greater P(W+ >= r),
**      two-sided 1 if r = floor(M/2) (M = n_used (n_used+1)/2), else
**      2 min(P(W+ <= r), P(W+ >= r)) clipped to 1.
**  10. Asymptotic p: z = (T - M/2) / s with T the statistic,
**      s^2 = (n(n+1)(2n+1) - sum_ties t(t^2-1)/2) / 24 (n = n_used; t the
**      size of each group of equal |d|); two-sided 2 P(Z > |z|), less
**      P(Z <= z), greater P(Z > z).  No continuity correction.
**  11. Every difference zero (n_used = 0): scipy raises ("zero_method
**      'wilcox' and 'pratt' do not work if x - y is zero for all
**      elements"); we report statistic 0, r_plus = r_minus = 0, method
**      'asymptotic', and z, p and rank_biserial NaN (no test is possible).
**  12. rank_biserial = (r_plus - r_minus) / (r_plus + r_minus), the
**      matched-pairs rank-biserial correlation (Kerby 2014), in [-1, 1].
**  13. hodges_lehmann = the median of the n(n+1)/2 Walsh averages
**      (d_i + d_j)/2, i <= j, over ALL n differences, zeros included (a
**      tie between the models is evidence of no shift; R's wilcox.test
**      drops zeros first).  Each average is computed as 0.5 d_i + 0.5 d_j
**      (no overflow) and the median of an even count is the mean of the two
**      middle ones.  Found by selection in the sorted triangle of averages
**      (random pivots, counting by two pointers: expected O(n log n) per
**      selection, O(n) memory; no array of averages is built).
**  14. Its confidence interval (Tukey; Hollander & Wolfe 1999, sec. 3.3):
**      with W_(1) <= ... <= W_(M) the sorted Walsh averages (M = n(n+1)/2)
**      and a = 1 - confidence, two-sided [W_(k), W_(M+1-k)] with k from a/2;
**      greater [W_(k), +inf), less (-inf, W_(M+1-k)] with k from a.  For
**      n <= 50, k = the smallest integer with P(W+ <= k) >= a/2 (or a)
**      under the exact null distribution for n (R's qsignrank, as
**      wilcox.test); the interval covers the pseudo-median with
**      probability >= confidence for continuous data.  For n > 50,
**      k = floor(M/2 + 1/2 - z_q s0), z_q = Phi^-1(1 - a/2) (or 1 - a),
**      s0^2 = n(n+1)(2n+1)/24.  k < 1 (the confidence cannot be reached
**      with so few pairs, e.g. n = 5 at 95%): that end is -inf / +inf.
**  15. n = 0 is OM_INVALID.  d must be finite (else OM_INVALID); the array is
**      sorted in place.  Selection polls `it` every ~2^20 operations
**      (OM_INTERRUPTED); it allocates O(n) (OM_NOMEM).
*/
#ifndef ST_PAIRED_H
#define ST_PAIRED_H

#include "../base/om_core.h"
#include "st_welch.h" /* st_moments, st_alternative */

#define ST_WSR_EXACT_MAX 50 /* behaviour 8: exact method up to this many pairs */

typedef struct st_paired_t_result {
  double n;               /* pairs */
  double mean_diff;       /* mean of d (NaN for n = 0) */
  double sd_diff;         /* sample standard deviation of d, NaN for n < 2 */
  double se;              /* sd_diff / sqrt(n) */
  double t;               /* statistic */
  double df;              /* n - 1 (NaN for n = 0) */
  double p;               /* p-value for the alternative */
  double ci_low, ci_high; /* confidence interval of mean_diff (±inf one-sided) */
  double cohens_dz;       /* mean_diff / sd_diff */
} st_paired_t_result;

om_status st_paired_ttest(const st_moments *d, st_alternative alt, double confidence, st_paired_t_result *out,
                          om_err *err);

typedef struct st_wsr_result {
  double n;               /* pairs, zeros included */
  double n_zero;          /* zero differences (left out of the test) */
  double r_plus, r_minus; /* rank sums of the positive / negative differences */
  double statistic;       /* two-sided min(r_plus, r_minus); one-sided r_plus */
  double z;               /* standardized statistic (asymptotic), NaN for exact */
  double p;               /* p-value for the alternative */
  int exact;              /* 1: exact method, 0: asymptotic */
  double rank_biserial;   /* (r_plus - r_minus) / (r_plus + r_minus) */
  double hl;              /* Hodges–Lehmann pseudo-median of d */
  double ci_low, ci_high; /* its confidence interval (±inf ends) */
} st_wsr_result;

/* The k-th smallest (0-based) of the n(n+1)/2 Walsh averages of d, sorted
** ascending.  OM_NOMEM / OM_INTERRUPTED / OM_INVALID (k out of range). */
om_status st_walsh_select(const double *d, size_t n, uint64_t k, const om_interrupt *it, double *out);

/* P(W+ <= q) for n ranks (n <= ST_WSR_EXACT_MAX), exact counts; NaN otherwise. */
double st_wsr_cdf(int n, int64_t q);

om_status st_wilcoxon(double *d, size_t n, st_alternative alt, double confidence, const om_interrupt *it,
                      st_wsr_result *out, om_err *err);

#endif /* ST_PAIRED_H */
