/*
** test_st_paired.c — unit tests of ext/core/stats/st_paired.c: the paired
** t-test (values from scipy 1.10.1's ttest_rel, the edge cases of
** st_paired.h 5), the exact null distribution of W+ against enumeration of
** all 2^n sign patterns, the Walsh-average selection against sorting every
** average, the signed-rank test against scipy.stats.wilcoxon (exact, ties,
** zeros), argument errors, the OOM loop and interrupts.
*/
#include <stdlib.h>

#include "../../ext/core/stats/st_paired.h"
#include "om_test.h"

static st_moments moments_of(const double *d, int n) {
  st_sums *s = calloc(1, sizeof *s);
  st_moments m;
  for (int i = 0; i < n; i++) st_sums_add(s, d[i], NULL);
  st_sums_moments(s, &m);
  free(s);
  return m;
}

static void check_ttest(void) {
  /* scipy.stats.ttest_rel([1,3,5,2], [2,1,2.5,2.2]) */
  double d[] = {1 - 2, 3 - 1, 5 - 2.5, 2 - 2.2};
  st_moments m = moments_of(d, 4);
  st_paired_t_result r;
  om_err e;
  CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_OK);
  CHECK_CLOSE(r.t, 0.9763769429050997, 1e-14);
  CHECK_CLOSE(r.p, 0.40088609615623355, 1e-12);
  CHECK(r.df == 3 && r.n == 4);
  CHECK_CLOSE(r.mean_diff, 0.825, 1e-15);
  /* CI: mean ± t_{0.975,3} se with t_{0.975,3} = 3.1824463052837096 (mpmath;
  ** scipy's stdtrit gives ...84263) */
  CHECK_CLOSE(r.ci_low, 0.825 - 3.1824463052837096 * r.se, 1e-13);
  CHECK_CLOSE(r.ci_high, 0.825 + 3.1824463052837096 * r.se, 1e-13);
  CHECK_CLOSE(r.cohens_dz, r.t / 2.0, 1e-15);
  CHECK(st_paired_ttest(&m, ST_LESS, 0.9, &r, &e) == OM_OK);
  CHECK(isinf(r.ci_low) && r.ci_low < 0 && isfinite(r.ci_high));
  CHECK_CLOSE(r.p, 1 - 0.40088609615623355 / 2, 1e-12);
  CHECK(st_paired_ttest(&m, ST_GREATER, 0.9, &r, &e) == OM_OK);
  CHECK(isinf(r.ci_high) && isfinite(r.ci_low));
  CHECK_CLOSE(r.p, 0.40088609615623355 / 2, 1e-12);

  /* 5.2 one pair */
  m = moments_of(d, 1);
  CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_OK);
  CHECK(r.mean_diff == -1 && r.df == 0 && isnan(r.t) && isnan(r.p) && isnan(r.sd_diff) && isnan(r.ci_low));
  /* 5.3 all zero differences, 5.4 constant nonzero difference */
  {
    double z[] = {0, 0, 0}, c[] = {0.1, 0.1, 0.1};
    m = moments_of(z, 3);
    CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_OK);
    CHECK(isnan(r.t) && isnan(r.p) && r.ci_low == 0 && r.ci_high == 0 && r.sd_diff == 0);
    CHECK(st_paired_ttest(&m, ST_LESS, 0.95, &r, &e) == OM_OK);
    CHECK(isinf(r.ci_low) && r.ci_high == 0);
    m = moments_of(c, 3);
    CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_OK);
    CHECK(isinf(r.t) && r.t > 0 && r.p == 0 && r.ci_low == 0.1 && r.ci_high == 0.1);
    CHECK(st_paired_ttest(&m, ST_LESS, 0.95, &r, &e) == OM_OK && r.p == 1);
    CHECK(st_paired_ttest(&m, ST_GREATER, 0.95, &r, &e) == OM_OK && r.p == 0);
  }
  /* 5.1 empty */
  memset(&m, 0, sizeof m);
  CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_OK && r.n == 0 && isnan(r.mean_diff));
  /* offset invariance: 1e12 + x tests like x (exact sums) */
  {
    double x[6] = {0.25, -1.5, 2.75, 0.5, 1.25, -0.75}, y[6];
    st_paired_t_result r2;
    for (int i = 0; i < 6; i++) y[i] = (1e12 + x[i]) - 1e12;
    m = moments_of(x, 6);
    st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e);
    m = moments_of(y, 6);
    st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r2, &e);
    CHECK(r.t == r2.t && r.p == r2.p);
  }
  /* 6: sd beyond the double range */
  {
    double big[] = {1.7e308, -1.7e308};
    m = moments_of(big, 2);
    CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_INVALID);
    CHECK_MSG(strstr(e.msg, "sd_diff is about 2.4e+308") != NULL, "%s", e.msg);
    double big2[] = {1e308, -1e308, 1e308};
    m = moments_of(big2, 3);
    CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.95, &r, &e) == OM_INVALID); /* ci ~[-2.5e308, 3.2e308] */
    CHECK_MSG(strstr(e.msg, "ci_low is about -2.5e+308") != NULL, "%s", e.msg);
    CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 0.5, &r, &e) == OM_OK);
    CHECK(isfinite(r.t) && isfinite(r.p) && isfinite(r.sd_diff) && isfinite(r.ci_high));
    CHECK_CLOSE(r.t, 0.5, 1e-14); /* mean 1e308/3, sd 2e308/sqrt(3): t = (1/3)/(2/3) * ... */
  }
  /* errors */
  m = moments_of(d, 4);
  CHECK(st_paired_ttest(&m, (st_alternative)9, 0.95, &r, &e) == OM_INVALID);
  CHECK(st_paired_ttest(&m, ST_TWO_SIDED, 1.0, &r, &e) == OM_INVALID);
  CHECK(st_paired_ttest(&m, ST_TWO_SIDED, NAN, &r, &e) == OM_INVALID);
  CHECK(st_paired_ttest(NULL, ST_TWO_SIDED, 0.5, &r, &e) == OM_INVALID);
}

static void check_table(void) {
  for (int n = 0; n <= 14; n++) {
    int M = n * (n + 1) / 2;
    uint64_t cnt[106];
    memset(cnt, 0, sizeof cnt);
    for (uint32_t mask = 0; mask < (1u << n); mask++) {
      int s = 0;
      for (int k = 0; k < n; k++)
        if (mask >> k & 1) s += k + 1;
      cnt[s]++;
    }
    uint64_t cum = 0;
    int ok = 1;
    for (int q = 0; q <= M; q++) {
      cum += cnt[q];
      if (st_wsr_cdf(n, q) != ldexp((double)cum, -n)) ok = 0;
    }
    CHECK_MSG(ok, "n = %d", n);
  }
  CHECK(st_wsr_cdf(50, -1) == 0 && st_wsr_cdf(50, 1275) == 1 && isnan(st_wsr_cdf(51, 3)));
  /* symmetry and the total at n = 50 (counts near 2^50 stay exact) */
  CHECK(st_wsr_cdf(50, 637) == 0.5);
  CHECK(st_wsr_cdf(50, 0) == ldexp(1, -50));
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check_walsh(void) {
  uint64_t rs = 7;
  for (int trial = 0; trial < 60; trial++) {
    int n = 1 + trial % 23 + (trial > 40 ? 60 : 0);
    double d[100], *w;
    size_t M = (size_t)n * (n + 1) / 2, c = 0;
    int ok = 1;
    for (int i = 0; i < n; i++) {
      double u = om_test_unif(&rs);
      d[i] = trial % 3 == 0 ? floor(u * 7) - 3 : (u - 0.4) * 10; /* ties every third trial */
    }
    qsort(d, (size_t)n, sizeof d[0], cmp_d);
    w = malloc(M * sizeof *w);
    for (int i = 0; i < n; i++)
      for (int j = i; j < n; j++) w[c++] = 0.5 * d[i] + 0.5 * d[j];
    qsort(w, M, sizeof w[0], cmp_d);
    for (size_t k = 0; k < M; k++) {
      double got = NAN;
      if (st_walsh_select(d, (size_t)n, k, NULL, &got) != OM_OK || got != w[k]) ok = 0;
    }
    CHECK_MSG(ok, "trial %d n %d", trial, n);
    free(w);
  }
  {
    double d[] = {1, 2}, x;
    CHECK(st_walsh_select(d, 2, 3, NULL, &x) == OM_INVALID);
    CHECK(st_walsh_select(d, 0, 0, NULL, &x) == OM_INVALID);
  }
}

static void check_wilcoxon(void) {
  st_wsr_result r;
  om_err e;
  /* scipy.stats.wilcoxon(d, alternative=...): exact, no ties */
  {
    double d[] = {1.5, -0.5, 2.0, 3.25, -1.0, 0.75, 4.0, -2.5};
    double want_stat[] = {10, 26, 26}, want_p[] = {0.3125, 0.875, 0.15625};
    for (int a = 0; a < 3; a++) {
      double c[8];
      memcpy(c, d, sizeof c);
      CHECK(st_wilcoxon(c, 8, (st_alternative)a, 0.95, NULL, &r, &e) == OM_OK);
      CHECK(r.exact && r.statistic == want_stat[a] && r.p == want_p[a] && isnan(r.z));
      CHECK(r.r_plus == 26 && r.r_minus == 10 && r.n_zero == 0);
      CHECK_CLOSE(r.rank_biserial, 16.0 / 36.0, 1e-15);
    }
  }
  /* ties, no zeros: still exact in scipy 1.10 (r = floor(r_plus)) */
  {
    double d[] = {1, -1, 2, 2, -2, 3, 4, -3, 5, 1};
    double want_p[] = {0.232421875, 0.9033203125, 0.1162109375};
    for (int a = 0; a < 3; a++) {
      double c[10];
      memcpy(c, d, sizeof c);
      CHECK(st_wilcoxon(c, 10, (st_alternative)a, 0.95, NULL, &r, &e) == OM_OK);
      CHECK(r.exact && r.p == want_p[a] && r.statistic == (a == 0 ? 14.5 : 40.5));
    }
  }
  /* zeros: asymptotic with the tie correction */
  {
    double d[] = {1, -1, 2, 2, -2, 3, 0, 4, 0, -3, 5, 1};
    double want_p[] = {0.1825661844682832, 0.9087169077658583, 0.0912830922341416};
    double want_z[] = {-1.3328952412126416, 1.3328952412126416, 1.3328952412126416};
    for (int a = 0; a < 3; a++) {
      double c[12];
      memcpy(c, d, sizeof c);
      CHECK(st_wilcoxon(c, 12, (st_alternative)a, 0.95, NULL, &r, &e) == OM_OK);
      CHECK(!r.exact && r.n_zero == 2 && r.n == 12);
      CHECK_CLOSE(r.p, want_p[a], 1e-14);
      CHECK_CLOSE(r.z, want_z[a], 1e-14);
    }
  }
  /* all zero (behaviour 11); one pair; HL of a symmetric set */
  {
    double z[] = {0, 0, 0}, one[] = {2.5}, sym[] = {-2, -1, 0, 1, 2};
    CHECK(st_wilcoxon(z, 3, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_OK);
    CHECK(!r.exact && r.statistic == 0 && isnan(r.p) && isnan(r.z) && isnan(r.rank_biserial) && r.hl == 0);
    CHECK(st_wilcoxon(one, 1, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_OK);
    CHECK(r.exact && r.p == 1 && r.hl == 2.5 && isinf(r.ci_low) && isinf(r.ci_high));
    CHECK(st_wilcoxon(sym, 5, ST_TWO_SIDED, 0.5, NULL, &r, &e) == OM_OK);
    CHECK(r.hl == 0 && r.ci_low < 0 && r.ci_high > 0 && r.ci_low == -r.ci_high);
  }
  /* CI coverage order: a wider confidence gives a wider interval */
  {
    double d[40], c[40], lo1, hi1;
    uint64_t rs = 3;
    for (int i = 0; i < 40; i++) d[i] = om_test_unif(&rs) - 0.3;
    memcpy(c, d, sizeof c);
    st_wilcoxon(c, 40, ST_TWO_SIDED, 0.8, NULL, &r, &e);
    lo1 = r.ci_low;
    hi1 = r.ci_high;
    memcpy(c, d, sizeof c);
    st_wilcoxon(c, 40, ST_TWO_SIDED, 0.99, NULL, &r, &e);
    CHECK(r.ci_low <= lo1 && r.ci_high >= hi1 && lo1 <= r.hl && r.hl <= hi1);
  }
  /* errors */
  {
    double d[] = {1, NAN, 2}, ok[] = {1, 2, 3};
    CHECK(st_wilcoxon(d, 3, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_INVALID);
    CHECK(st_wilcoxon(ok, 0, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_INVALID);
    CHECK(st_wilcoxon(ok, 3, (st_alternative)5, 0.95, NULL, &r, &e) == OM_INVALID);
    CHECK(st_wilcoxon(ok, 3, ST_TWO_SIDED, 0, NULL, &r, &e) == OM_INVALID);
  }
}

static int stop_now(void *arg) {
  (void)arg;
  return 1;
}

static void check_oom_and_interrupt(void) {
  enum { N = 400000 };
  double *d = malloc(N * sizeof *d), *c = malloc(N * sizeof *c);
  uint64_t rs = 11;
  st_wsr_result r;
  om_err e;
  om_interrupt it = {stop_now, NULL};
  for (int i = 0; i < N; i++) d[i] = om_test_unif(&rs) - 0.45;
  for (long k = 1; k < 30; k++) {
    om_status st;
    memcpy(c, d, 200 * sizeof *c);
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = st_wilcoxon(c, 200, ST_TWO_SIDED, 0.95, NULL, &r, &e);
    om_test_alloc_fail_at = 0;
    CHECK(st == OM_OK || st == OM_NOMEM);
    CHECK(om_test_alloc_live == 0);
  }
  memcpy(c, d, N * sizeof *c);
  CHECK(st_wilcoxon(c, N, ST_TWO_SIDED, 0.95, NULL, &r, &e) == OM_OK && !r.exact);
  memcpy(c, d, N * sizeof *c);
  CHECK(st_wilcoxon(c, N, ST_TWO_SIDED, 0.95, &it, &r, &e) == OM_INTERRUPTED);
  CHECK(om_test_alloc_live == 0);
  free(d);
  free(c);
}

int main(void) {
  check_ttest();
  check_table();
  check_walsh();
  check_wilcoxon();
  check_oom_and_interrupt();
  return om_test_finish();
}
