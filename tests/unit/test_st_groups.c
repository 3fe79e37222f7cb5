/*
** test_st_groups.c — unit tests of ext/core/stats/st_groups.c (behaviours
** of st_groups.h, cited by number).  Reference values: statsmodels 0.13.5 /
** scipy 1.10 (small cases, printed by them), exact fractions and mpmath at 40
** digits (large counts, where the libraries round).  The 200+ raw-data cases
** per function are in tests/sql/grouptests_ref.sql.
*/
#include <math.h>

#include "om_test.h"
#include "st_groups.h"

static void moments_of(const double *x, int n, st_moments *m) {
  static st_sums s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < n; i++)
    st_sums_add(&s, x[i], NULL);
  st_sums_moments(&s, m);
}

static void test_prop(void) {
  st_prop_result r;
  om_err err;
  /* 1: statsmodels proportions_ztest([2, 1], [3, 4]); confint_proportions_2indep wald */
  CHECK(st_prop_ztest(3, 2, 4, 1, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.z, 1.102396379610246, 1e-14);
  CHECK_CLOSE(r.p, 0.2702893848016986, 1e-13);
  CHECK_CLOSE(r.diff, 5.0 / 12.0, 1e-15);
  CHECK_CLOSE(r.ci_low, -0.26496438269701894, 1e-13);
  CHECK_CLOSE(r.ci_high, 1.0982977160303522, 1e-13);
  CHECK_CLOSE(r.p_pooled, 3.0 / 7.0, 1e-15);
  /* one-sided: less + greater = 1, the open ends infinite */
  {
    st_prop_result l, g;
    CHECK(st_prop_ztest(3, 2, 4, 1, ST_LESS, 0.9, &l, &err) == OM_OK);
    CHECK(st_prop_ztest(3, 2, 4, 1, ST_GREATER, 0.9, &g, &err) == OM_OK);
    CHECK_CLOSE(l.p + g.p, 1.0, 1e-15);
    CHECK(isinf(l.ci_low) && l.ci_low < 0 && isinf(g.ci_high) && g.ci_high > 0);
    CHECK(l.ci_high > l.diff && g.ci_low < g.diff);
  }
  /* 1: counts beyond 32 bits; the numerator needs 128 bits (mpmath, 40 digits) */
  CHECK(st_prop_ztest(10000000000, 5000070000, 10000000000, 5000000000, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK_CLOSE(r.z, 0.98994949368542029676, 1e-13);
  CHECK_CLOSE(r.p, 0.32219880615072616317, 1e-13);
  CHECK_CLOSE(r.diff, 7.0e-6, 1e-13);
  /* 2: edges */
  CHECK(st_prop_ztest(10, 0, 12, 0, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(isnan(r.z) && isnan(r.p) && r.diff == 0.0 && r.ci_low == 0.0 && r.ci_high == 0.0);
  CHECK(st_prop_ztest(10, 3, 0, 0, ST_TWO_SIDED, 0.95, &r, &err) == OM_OK);
  CHECK(r.p_a == 0.3 && isnan(r.p_b) && isnan(r.diff) && isnan(r.z) && isnan(r.ci_low));
  CHECK(st_prop_ztest(10, 11, 12, 0, ST_TWO_SIDED, 0.95, &r, &err) == OM_INVALID);
  CHECK(st_prop_ztest(10, 1, 12, 0, ST_TWO_SIDED, 1.0, &r, &err) == OM_INVALID);
  CHECK(st_prop_ztest(10, 1, 12, 0, (st_alternative)7, 0.9, &r, &err) == OM_INVALID);
  CHECK(st_prop_ztest(10, 1, 12, 0, ST_TWO_SIDED, 0.9, NULL, &err) == OM_INVALID);
}

static void test_chi2(void) {
  static const int64_t t23[] = {1, 3, 1, 2, 1, 1}, t22[] = {1, 3, 2, 1};
  static const int64_t r23[] = {5, 4}, c23[] = {3, 4, 2}, r22[] = {4, 3}, c22[] = {3, 4};
  static const int idx[] = {0, 1, 2};
  st_table t = {2, 3, t23, 3, idx, idx, r23, c23};
  st_chi2_result r;
  om_err err;
  /* 3: scipy chi2_contingency([[1,3,1],[2,1,1]]): exactly 99/80 */
  CHECK(st_chi2_test(&t, 1, &r, &err) == OM_OK);
  CHECK_CLOSE(r.statistic, 1.2375, 1e-15);
  CHECK_CLOSE(r.p, 0.5386172885859267, 1e-13);
  CHECK(r.dof == 2.0 && r.n == 9.0 && !r.corrected);
  CHECK_CLOSE(r.expected_min, 8.0 / 9.0, 1e-15);
  CHECK_CLOSE(r.cramers_v, sqrt(1.2375 / 9.0), 1e-15); /* 5 */
  /* 3: 2 x 2 with Yates: 7/64 (scipy 0.10937499999999994) */
  {
    st_table u = {2, 2, t22, 2, idx, idx, r22, c22};
    CHECK(st_chi2_test(&u, 1, &r, &err) == OM_OK);
    CHECK_CLOSE(r.statistic, 0.109375, 1e-15);
    CHECK_CLOSE(r.p, 0.7408568142938687, 1e-13);
    CHECK(r.corrected == 1);
    CHECK(st_chi2_test(&u, 0, &r, &err) == OM_OK);
    CHECK(r.corrected == 0 && r.statistic > 0.109375);
  }
  /* 3: counts of 3e9: O n and R C need 128 bits (exact fractions) */
  {
    static const int64_t big[] = {3000000000, 3000100000, 3000200000, 3000000000};
    int64_t rb[2] = {6000100000, 6000200000}, cb[2] = {6000200000, 6000100000};
    st_table u = {2, 2, big, 2, idx, idx, rb, cb};
    CHECK(st_chi2_test(&u, 0, &r, &err) == OM_OK);
    CHECK_CLOSE(r.statistic, 7.4997708412034201492, 1e-13);
    CHECK_CLOSE(r.p, 0.0061706844474456774368, 1e-12);
  }
  /* 4: a single row: statistic 0, p 1, V NaN */
  {
    static const int64_t one[] = {3, 4, 5}, r1[] = {12}, c1[] = {3, 4, 5};
    st_table u = {1, 3, one, 3, idx, idx, r1, c1};
    CHECK(st_chi2_test(&u, 1, &r, &err) == OM_OK);
    CHECK(r.statistic == 0.0 && r.p == 1.0 && r.dof == 0.0 && isnan(r.cramers_v));
  }
  /* Yates: |O - E| < 0.5 everywhere gives 0 */
  {
    static const int64_t c[] = {5, 5, 5, 6}, rs[] = {10, 11}, cs[] = {10, 11};
    st_table u = {2, 2, c, 2, idx, idx, rs, cs};
    CHECK(st_chi2_test(&u, 1, &r, &err) == OM_OK);
    CHECK(r.statistic == 0.0 && r.p == 1.0);
  }
  CHECK(st_chi2_test(NULL, 1, &r, &err) == OM_INVALID);
}

static void test_anova(void) {
  static const double a[] = {1, 2, 3}, b[] = {5, 6, 8, 7.5}, c[] = {2.5, 3.5};
  st_moments g[3];
  st_anova_result r;
  om_err err;
  moments_of(a, 3, &g[0]);
  moments_of(b, 4, &g[1]);
  moments_of(c, 2, &g[2]);
  /* 6: scipy f_oneway, statsmodels anova_oneway(use_var='unequal') */
  CHECK(st_anova_oneway(g, 3, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
  CHECK_CLOSE(r.statistic, 14.974554707379149, 1e-13);
  CHECK_CLOSE(r.p, 0.004649318983641754, 1e-12);
  CHECK(r.df_num == 2.0 && r.df_denom == 6.0);
  CHECK(st_anova_oneway(g, 3, ST_ANOVA_UNEQUAL, &r, &err) == OM_OK);
  CHECK_CLOSE(r.statistic, 11.97269750047107, 1e-13);
  CHECK_CLOSE(r.p, 0.025341510617235757, 1e-12);
  CHECK_CLOSE(r.df_denom, 3.621470370477714, 1e-13);
  /* 7: + 1e9 (exact for these values) changes nothing */
  {
    double a2[3], b2[4], c2[2], f0 = r.statistic;
    st_moments h[3];
    for (int i = 0; i < 3; i++)
      a2[i] = a[i] + 1e9;
    for (int i = 0; i < 4; i++)
      b2[i] = b[i] + 1e9;
    for (int i = 0; i < 2; i++)
      c2[i] = c[i] + 1e9;
    moments_of(a2, 3, &h[0]);
    moments_of(b2, 4, &h[1]);
    moments_of(c2, 2, &h[2]);
    CHECK(st_anova_oneway(h, 3, ST_ANOVA_UNEQUAL, &r, &err) == OM_OK);
    CHECK_CLOSE(r.statistic, f0, 1e-14);
    /* 9: and * 1e-300, * 1e300 (scaled internally) */
    for (int i = 0; i < 3; i++)
      a2[i] = a[i] * 1e-300;
    for (int i = 0; i < 4; i++)
      b2[i] = b[i] * 1e-300;
    for (int i = 0; i < 2; i++)
      c2[i] = c[i] * 1e-300;
    moments_of(a2, 3, &h[0]);
    moments_of(b2, 4, &h[1]);
    moments_of(c2, 2, &h[2]);
    CHECK(st_anova_oneway(h, 3, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
    CHECK_CLOSE(r.statistic, 14.974554707379149, 1e-12);
    for (int i = 0; i < 3; i++)
      a2[i] = a[i] * 1e300;
    for (int i = 0; i < 4; i++)
      b2[i] = b[i] * 1e300;
    for (int i = 0; i < 2; i++)
      c2[i] = c[i] * 1e300;
    moments_of(a2, 3, &h[0]);
    moments_of(b2, 4, &h[1]);
    moments_of(c2, 2, &h[2]);
    CHECK(st_anova_oneway(h, 3, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
    CHECK_CLOSE(r.statistic, 14.974554707379149, 1e-12);
  }
  /* 8: edges */
  CHECK(st_anova_oneway(g, 1, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
  CHECK(isnan(r.statistic) && isnan(r.p) && isnan(r.df_num));
  {
    static const double k3[] = {3, 3, 3}, k5[] = {5, 5}, one1[] = {1}, one2[] = {2};
    st_moments h[2];
    moments_of(k3, 3, &h[0]);
    moments_of(k5, 2, &h[1]);
    CHECK(st_anova_oneway(h, 2, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
    CHECK(isinf(r.statistic) && r.p == 0.0 && r.eta_squared == 1.0);
    CHECK(st_anova_oneway(h, 2, ST_ANOVA_UNEQUAL, &r, &err) == OM_OK);
    CHECK(isnan(r.statistic) && isnan(r.df_denom));
    moments_of(k3, 3, &h[1]);
    CHECK(st_anova_oneway(h, 2, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
    CHECK(isnan(r.statistic) && isnan(r.p) && isnan(r.eta_squared));
    moments_of(one1, 1, &h[0]);
    moments_of(one2, 1, &h[1]);
    CHECK(st_anova_oneway(h, 2, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
    CHECK(isnan(r.statistic) && r.df_denom == 0.0);
  }
  CHECK(st_anova_oneway(g, 3, (st_anova_var)5, &r, &err) == OM_INVALID);
  CHECK(st_anova_oneway(NULL, 3, ST_ANOVA_EQUAL, &r, &err) == OM_INVALID);
  /* 9: a sum of squares beyond the double range (2e616) is scaled, not an
  ** error: F = 0.25 / 1e616 underflows to 0, p 1 */
  {
    static const double h1[] = {1e308, -1e308}, h2[] = {0, 1};
    st_moments h[2];
    moments_of(h1, 2, &h[0]);
    moments_of(h2, 2, &h[1]);
    CHECK(st_anova_oneway(h, 2, ST_ANOVA_EQUAL, &r, &err) == OM_OK);
    CHECK(r.statistic >= 0.0 && r.statistic < 1e-300 && r.p == 1.0 && isinf(r.ss_within));
    CHECK(st_anova_oneway(h, 2, ST_ANOVA_UNEQUAL, &r, &err) == OM_OK);
    CHECK(r.statistic >= 0.0 && r.statistic < 1e-300 && r.df_denom == 1.0);
  }
}

int main(void) {
  test_prop();
  test_chi2();
  test_anova();
  return om_test_finish();
}
