/*
** st_groups.h — tests that compare groups, from counts and sums only: the
** numerical core of the SQL aggregates and window functions
** proportions_ztest(success, group [, alternative [, confidence]]),
** chi2_test(a, b [, correction]) and anova_oneway(value, group [, use_var])
** (SQL layer: ext/group_tests.c; pages: docs/proportions_ztest.md,
** docs/chi2_test.md, docs/anova_oneway.md).
**
**   st_prop_result r;  st_prop_ztest(n_a, x_a, n_b, x_b, ST_TWO_SIDED, 0.95, &r, &err);
**   st_chi2_result c;  st_chi2_test(&table, 1, &c, &err);
**   st_anova_result f; st_anova_oneway(moments, k, ST_ANOVA_EQUAL, &f, &err);
**
** Every number is a double; NaN means "undefined" (the SQL layer writes JSON
** null).  p-values come from st_norm_* (st_tdist.h), st_chi2_sf and st_f_sf
** (st_special.h).
**
** Behaviours:
**   1. st_prop_ztest is statsmodels.stats.proportion.proportions_ztest(
**      [x_a, x_b], [n_a, n_b]) (pooled variance, value 0):
**        p_a = x_a/n_a, p_b = x_b/n_b, diff = p_a - p_b,
**        P = (x_a + x_b)/(n_a + n_b), z = diff / sqrt(P (1 - P) (1/n_a + 1/n_b)),
**      p = 2 P(Z > |z|) two-sided, P(Z <= z) 'less' (statsmodels 'smaller'),
**      P(Z > z) 'greater' ('larger').  The effect is diff with its Wald
**      interval (statsmodels confint_proportions_2indep(method='wald')):
**      diff -+ z_q sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b), q = (1+c)/2
**      two-sided; one-sided (-inf, diff + z_c se] for 'less', [diff - z_c se,
**      +inf) for 'greater' (welch_ttest's rule).  diff and z are formed from
**      the integer numerator x_a n_b - x_b n_a, exact in 128 bits, so nearly
**      equal proportions lose nothing to cancellation (statsmodels subtracts
**      two rounded proportions).
**   2. Edge cases of 1: n_b == 0 (one group) → only p_a (and n's) defined,
**      everything else NaN; P = 0 or 1 (no successes or no failures
**      anywhere: then diff = 0) → z and p NaN (statsmodels: 0/0 = nan), the
**      interval [0, 0] (one-sided: its finite end 0).  n_a == 0 with n_b > 0
**      is treated as the mirror image (p_a NaN).  Counts must satisfy
**      0 <= x <= n, else OM_INVALID.
**   3. st_chi2_test is scipy.stats.chi2_contingency(observed,
**      correction=c) for the r x c table of the rows and columns with a
**      non-zero total (an absent category is not a row): expected
**      E_ij = R_i C_j / n, statistic sum (O_ij - E_ij)^2 / E_ij, dof =
**      (r-1)(c-1), p = P(chi2_dof > statistic).  With correction and dof == 1
**      (2 x 2) each |O - E| is reduced by min(0.5, |O - E|) (Yates, as
**      scipy).  O n - R C is computed exactly in 128-bit integers, so the
**      statistic has full relative accuracy whatever the counts.
**   4. Edge cases of 3: n == 0 → all NaN (the SQL layer returns NULL);
**      dof == 0 (a single row or column) → statistic 0, p 1 (scipy's answer),
**      cramers_v NaN.  No expected count is ever zero (absent categories are
**      not rows or columns).
**   5. cramers_v = sqrt(X2 / (n (min(r, c) - 1))) with X2 the statistic
**      WITHOUT the Yates correction, as
**      scipy.stats.contingency.association(observed, method='cramer')
**      (whose correction defaults to False).  expected_min = min E_ij.
**   6. st_anova_oneway, ST_ANOVA_EQUAL, is scipy.stats.f_oneway: with k groups,
**      N values, SSB = sum n_i (m_i - M)^2 (M the grand mean), SSW = sum of
**      squared deviations within groups, F = (SSB/(k-1)) / (SSW/(N-k)),
**      df (k-1, N-k), p = P(F_{k-1,N-k} > F).  ST_ANOVA_UNEQUAL is Welch's
**      ANOVA, statsmodels.stats.oneway.anova_oneway(use_var='unequal',
**      welch_correction=True): w_i = n_i/v_i, W = sum w_i, M_w = sum w_i m_i / W,
**      A = sum w_i (m_i - M_w)^2 / (k-1),
**      T = sum (1 - w_i/W)^2/(n_i - 1) / (k^2 - 1),
**      F = A / (1 + 2 (k-2) T), df (k-1, 1/(3T)).
**      eta_squared = SSB / (SSB + SSW) for both.
**   7. Numerics of 6: the group moments come from exact sums
**      (st_sums_moments: a two-double mean, SSW exact then rounded), and the
**      means are taken relative to the first group's mean (their difference
**      is exact for close means), so a common offset (1e9 + small spread)
**      costs nothing.
**   8. Edge cases of 6 (scipy 1.10 / statsmodels 0.13.5 on raw data):
**      k < 2 → statistic, p, df_denom NaN, df_num NaN, eta_squared NaN;
**      equal: every group of size 1 (N == k) → statistic and p NaN;
**      every group constant (SSW = 0): all equal → statistic, p NaN; else
**      statistic +inf, p 0; unequal: a group with n < 2 or zero variance →
**      statistic, p and df_denom NaN.  eta_squared is NaN when SSB + SSW = 0.
**   9. The ends of the double range: means are differenced in halves (no
**      overflow) and the squares are formed at one common power-of-two
**      scale, so data near 1e308 or 1e-300 give the statistic of the same
**      data scaled to ~1 (the sum of squares of {1e308, -1e308}, 2e616, is
**      no problem; ss_between / ss_within, reported unscaled, may then be
**      inf).  A non-finite intermediate (only for non-finite moments) is
**      OM_INVALID "the sums of squares are beyond the range of a double;
**      divide the values by a constant first".  A NULL argument, k < 0 or an
**      unknown use_var is OM_INVALID.
*/
#ifndef ST_GROUPS_H
#define ST_GROUPS_H

#include "../base/om_core.h"
#include "st_welch.h"

/* ------------------------------------------------ two proportions (1, 2) */

typedef struct st_prop_result {
  double p_a, p_b;        /* x/n of each group (NaN for an empty group) */
  double p_pooled;        /* (x_a + x_b) / (n_a + n_b) */
  double diff;            /* p_a - p_b */
  double z;               /* pooled z statistic */
  double p;               /* p-value for the alternative */
  double ci_low, ci_high; /* Wald interval of diff (±inf ends one-sided) */
} st_prop_result;

om_status st_prop_ztest(int64_t n_a, int64_t x_a, int64_t n_b, int64_t x_b, st_alternative alt, double confidence,
                        st_prop_result *out, om_err *err);

/* ------------------------------------------------- contingency (3, 4, 5) */

/* An r x c table held sparsely by the caller: cell (i, j) is
** cell[row[i] * stride + col[j]]; row_sum[row[i]] and col_sum[col[j]] are
** its margins (every margin > 0). */
typedef struct st_table {
  int rows, cols;
  const int64_t *cell;
  size_t stride;
  const int *row, *col;
  const int64_t *row_sum, *col_sum;
} st_table;

typedef struct st_chi2_result {
  double statistic;    /* Pearson X2 (Yates-corrected when corrected) */
  double p;            /* P(chi2_dof > statistic) */
  double dof;          /* (r-1)(c-1) */
  double n;            /* total count */
  double expected_min; /* smallest expected count */
  double cramers_v;    /* from the uncorrected X2 (5) */
  int corrected;       /* 1 if Yates's correction was applied */
} st_chi2_result;

om_status st_chi2_test(const st_table *t, int correction, st_chi2_result *out, om_err *err);

/* ------------------------------------------------------ one-way ANOVA (6-9) */

typedef enum st_anova_var { ST_ANOVA_EQUAL = 0, ST_ANOVA_UNEQUAL = 1 } st_anova_var;

typedef struct st_anova_result {
  double statistic; /* F (Welch's F for unequal) */
  double p;         /* P(F_{df_num, df_denom} > statistic) */
  double df_num, df_denom;
  double eta_squared; /* SSB / (SSB + SSW) */
  double ss_between, ss_within;
} st_anova_result;

/* g[0..k) are the groups' moments (st_sums_moments), each with n >= 1. */
om_status st_anova_oneway(const st_moments *g, int k, st_anova_var use_var, st_anova_result *out, om_err *err);

#endif /* ST_GROUPS_H */
