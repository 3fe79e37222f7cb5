/*
** test_ts_unitroot.c — KPSS, ndiffs, seasonal strength and nsdiffs
** (ext/core/ts/ts_unitroot.h) against statsmodels: fixtures/tsref/tsref.h,
** written by fixtures/tsref/make_tsref.py (KPSS statistics, forecast's
** ndiffs rule on statsmodels' kpss, seasonal_decompose strengths and the
** STL strengths the D decision is compared with).
*/
#include <stdlib.h>

#include "../../fixtures/tsref/tsref.h"
#include "om_test.h"
#include "ts_unitroot.h"

/* ts_unitroot.h 1: by hand, then the NaN cases. */
static void test_kpss_by_hand(void) {
  double x[4] = {1, 2, 3, 4}, c[3] = {5, 5, 5}, bad[3] = {1, NAN, 2};
  /* e = -1.5 -0.5 0.5 1.5, S = -1.5 -2 -1.5 0: eta = 8.5 / 16; s2 = 5 / 4 (no lag),
  ** (5 + 2 * 1.25 * 1/2) / 4 = 1.5625 (one lag) */
  CHECK_CLOSE(ts_kpss_stat(x, 4, 0), 0.425, 1e-15);
  CHECK_CLOSE(ts_kpss_stat(x, 4, 1), 0.34, 1e-15);
  CHECK(isnan(ts_kpss_stat(x, 4, 4)) && isnan(ts_kpss_stat(x, 4, -1)) && isnan(ts_kpss_stat(x, 1, 0)));
  CHECK(isnan(ts_kpss_stat(c, 3, 1)) && isnan(ts_kpss_stat(bad, 3, 0)));
}

/* ts_unitroot.h 1 against statsmodels' kpss(x, "c", nlags=L) on every series. */
static void test_kpss_fixture(void) {
  int n = (int)(sizeof tsref_kpss_list / sizeof tsref_kpss_list[0]), series[TSREF_NSERIES] = {0}, ns = 0;
  double worst = 0;
  for (int i = 0; i < n; i++) {
    const tsref_kpss *k = &tsref_kpss_list[i];
    const tsref_series *s = &tsref_series_list[k->series];
    double got = ts_kpss_stat(s->x, s->n, k->lags);
    CHECK_MSG(om_close(got, k->stat, 1e-10, 0), "%s lags %d: got %.17g want %.17g", s->name, k->lags, got, k->stat);
    if (fabs(got - k->stat) / k->stat > worst) worst = fabs(got - k->stat) / k->stat;
    if (!series[k->series]++) ns++;
  }
  CHECK(ns >= 10 && n >= 30);
  printf("kpss: %d statistics on %d series, worst relative difference %.2e\n", n, ns, worst);
}

/* ts_unitroot.h 2. */
static void test_is_constant(void) {
  double a[3] = {2, 2, 2}, b[3] = {2, 2, 2 + 1e-8}, c[3] = {2, 2, 2.001}, z[2] = {0, 1e-9}, z2[2] = {0, 1e-7};
  CHECK(ts_is_constant(a, 3) && ts_is_constant(b, 3) && !ts_is_constant(c, 3));
  CHECK(ts_is_constant(z, 2) && !ts_is_constant(z2, 2) && ts_is_constant(a, 1) && ts_is_constant(a, 0));
}

/* ts_unitroot.h 3 against forecast's rule on statsmodels' kpss, and edges. */
static void test_ndiffs(void) {
  int n = (int)(sizeof tsref_ndiffs_list / sizeof tsref_ndiffs_list[0]), hist[3] = {0};
  double line[30], cst[10];
  int d;
  om_err err;
  CHECK(ts_ndiffs_lags(100) == 2 && ts_ndiffs_lags(336) == 4 && ts_ndiffs_lags(18) == 0 && ts_ndiffs_lags(19) == 1);
  for (int i = 0; i < n; i++) {
    const tsref_ndiffs *c = &tsref_ndiffs_list[i];
    const tsref_series *s = &tsref_series_list[c->series];
    CHECK(ts_ndiffs(s->x, s->n, 2, &d, &err) == OM_OK);
    CHECK_MSG(d == c->d, "%s: got d=%d want %d", s->name, d, c->d);
    if (c->d >= 0 && c->d <= 2) hist[c->d]++;
  }
  CHECK(n >= 10 && hist[0] > 0 && hist[1] > 0 && hist[2] > 0);
  printf("ndiffs: %d series agree (d = 0: %d, 1: %d, 2: %d)\n", n, hist[0], hist[1], hist[2]);
  /* a straight line: differenced once, then constant */
  for (int t = 0; t < 30; t++) line[t] = 2.0 * t + 1;
  CHECK(ts_ndiffs(line, 30, 2, &d, &err) == OM_OK && d == 1);
  CHECK(ts_ndiffs(line, 30, 0, &d, &err) == OM_OK && d == 0);
  for (int t = 0; t < 10; t++) cst[t] = 3;
  CHECK(ts_ndiffs(cst, 10, 2, &d, &err) == OM_OK && d == 0);
  /* max_d caps */
  {
    const tsref_series *s = NULL;
    for (int i = 0; i < TSREF_NMAIN; i++)
      if (!strcmp(tsref_series_list[i].name, "i2")) s = &tsref_series_list[i];
    CHECK(s && ts_ndiffs(s->x, s->n, 1, &d, &err) == OM_OK && d == 1);
  }
  /* errors */
  cst[3] = NAN;
  CHECK(ts_ndiffs(cst, 10, 2, &d, &err) == OM_INVALID);
  CHECK(ts_ndiffs(line, 1, 0, &d, &err) == OM_INVALID);
  CHECK(ts_ndiffs(line, 30, -1, &d, &err) == OM_INVALID && ts_ndiffs(line, 3, 3, &d, &err) == OM_INVALID);
  CHECK(strstr(err.msg, "max_d") != NULL);
}

/* ts_unitroot.h 3: the one allocation. */
static void test_ndiffs_oom(void) {
  const tsref_series *s = &tsref_series_list[TSREF_NMAIN - 1];
  long start = om_test_alloc_live;
  int d = -1, nomem = 0;
  om_err err;
  for (int i = 0; i < TSREF_NMAIN; i++)
    if (!strcmp(tsref_series_list[i].name, "random_walk")) s = &tsref_series_list[i];
  for (long k = 1; k <= 3; k++) {
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = ts_ndiffs(s->x, s->n, 2, &d, &err);
    om_test_alloc_fail_at = 0;
    nomem += st == OM_NOMEM;
    CHECK(st == OM_OK || st == OM_NOMEM);
    CHECK(om_test_alloc_live == start);
  }
  CHECK(nomem == 1);
}

/* ts_unitroot.h 4, 5: classical strength against seasonal_decompose; D
** against the STL strengths (reported, not required). */
static void test_strength(void) {
  int n = (int)(sizeof tsref_seas_list / sizeof tsref_seas_list[0]), agree11 = 0, agree31 = 0, ones = 0;
  double worst = 0;
  om_err err;
  for (int i = 0; i < n; i++) {
    const tsref_seas *c = &tsref_seas_list[i];
    const tsref_series *s = &tsref_series_list[c->series];
    double got = -1;
    int D = -1;
    CHECK(ts_seasonal_strength(s->x, s->n, s->m, &got, &err) == OM_OK);
    CHECK_MSG(om_close(got, c->classical, 1e-10, 1e-13), "%s: got %.17g want %.17g", s->name, got, c->classical);
    if (c->classical > 0 && fabs(got - c->classical) / c->classical > worst)
      worst = fabs(got - c->classical) / c->classical;
    CHECK(ts_nsdiffs(s->x, s->n, s->m, &D, &err) == OM_OK);
    CHECK(D == (c->classical > 0.64));
    agree11 += D == (c->stl11 > 0.64);
    agree31 += D == (c->stl31 > 0.64);
    ones += D;
  }
  CHECK(n >= 40 && ones > 5 && ones < n - 5);
  printf("seasonal strength: %d series, worst relative difference %.2e; D = 1 on %d; D agrees with "
         "STL(seasonal=11) on %d, STL(31) on %d\n",
         n, worst, ones, agree11, agree31);
}

/* ts_unitroot.h 4, 5: edges and errors. */
static void test_strength_edges(void) {
  double x[40], s;
  int D;
  om_err err;
  long start = om_test_alloc_live;
  for (int t = 0; t < 40; t++) x[t] = (double[]){1, 5, 2, 8}[t % 4]; /* pure season: strength 1 */
  CHECK(ts_seasonal_strength(x, 40, 4, &s, &err) == OM_OK && s == 1);
  CHECK(ts_nsdiffs(x, 40, 4, &D, &err) == OM_OK && D == 1);
  CHECK(ts_nsdiffs(x, 8, 4, &D, &err) == OM_OK && D == 0);  /* n <= 2m */
  CHECK(ts_nsdiffs(x, 40, 1, &D, &err) == OM_OK && D == 0); /* no season */
  CHECK(ts_seasonal_strength(x, 8, 4, &s, &err) == OM_INVALID);
  CHECK(ts_seasonal_strength(x, 40, 1, &s, &err) == OM_INVALID);
  for (int t = 0; t < 40; t++) x[t] = 7;
  CHECK(ts_seasonal_strength(x, 40, 4, &s, &err) == OM_OK && s == 0);
  CHECK(ts_nsdiffs(x, 40, 4, &D, &err) == OM_OK && D == 0);
  x[5] = INFINITY;
  CHECK(ts_seasonal_strength(x, 40, 4, &s, &err) == OM_INVALID && ts_nsdiffs(x, 40, 4, &D, &err) == OM_INVALID);
  x[5] = 7;
  for (long k = 1; k <= 2; k++) {
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    x[3] = 9;
    CHECK(ts_seasonal_strength(x, 40, 4, &s, &err) == OM_NOMEM);
    om_test_alloc_fail_at = 0;
    CHECK(om_test_alloc_live == start);
  }
}

int main(void) {
  test_kpss_by_hand();
  test_kpss_fixture();
  test_is_constant();
  test_ndiffs();
  test_ndiffs_oom();
  test_strength();
  test_strength_edges();
  return om_test_finish();
}
