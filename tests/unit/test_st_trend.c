/*
** test_st_trend.c — st_trend_compute (ext/core/stats/st_trend.h): the
** degenerate inputs of behaviours 2-4, hand-computed values, Sen's streaming
** path (behaviour 5) against a full sort of every slope, interrupts and
** out-of-memory.  The bulk comparison with statsmodels / scipy / exact
** arithmetic is tests/sql/trend_ref.sql (fixtures/trend/make_trend.py).
*/
#include <stdlib.h>

#include "om_test.h"
#include "st_trend.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static st_trend run(const double *t, const double *y, size_t n, double c) {
  st_trend r;
  om_err err;
  om_status st = st_trend_compute(t, y, n, c, NULL, &r, &err);
  CHECK_MSG(st == OM_OK, "status %d: %s", (int)st, err.msg);
  return r;
}

/* Behaviours 2-4 on inputs where little or nothing is defined. */
static void test_degenerate(void) {
  double t[4] = {1, 2, 3, 4}, y[4] = {5, 5, 5, 5}, tt[3] = {7, 7, 7}, yy[3] = {1, 2, 3};
  st_trend r = run(t, y, 0, 0.95);
  CHECK(r.n == 0 && isnan(r.slope) && r.mk_s == 0 && isnan(r.mk_p) && isnan(r.sen_slope));
  r = run(t, y, 1, 0.95);
  CHECK(isnan(r.slope) && isnan(r.mk_z) && isnan(r.mk_tau) && isnan(r.sen_slope) && r.sen_pairs == 0);
  /* two points: slope, intercept and r2 = 1 only */
  r = run(t, yy, 2, 0.95);
  CHECK_CLOSE(r.slope, 1, 1e-15);
  CHECK(fabs(r.intercept) < 1e-15 && r.r2 == 1 && isnan(r.slope_se) && isnan(r.slope_p) && isnan(r.df));
  CHECK(r.mk_s == 1 && r.sen_slope == 1 && r.sen_ci_low == 1 && r.sen_ci_high == 1);
  /* constant y (2): a flat line exactly, se 0, t and p undefined; MK: S 0 */
  r = run(t, y, 4, 0.95);
  CHECK(r.slope == 0 && r.intercept == 5 && r.slope_se == 0 && isnan(r.slope_t) && isnan(r.slope_p));
  CHECK(r.slope_ci_low == 0 && r.slope_ci_high == 0 && isnan(r.r2) && r.df == 2);
  CHECK(r.mk_s == 0 && isnan(r.mk_z) && isnan(r.mk_p) && isnan(r.mk_tau));
  CHECK(r.sen_slope == 0 && r.sen_intercept == 5);
  /* all t equal: no OLS, no Sen, var(S) 0 */
  r = run(tt, yy, 3, 0.95);
  CHECK(isnan(r.slope) && isnan(r.intercept) && isnan(r.r2));
  CHECK(r.mk_s == 0 && r.mk_var_s == 0 && isnan(r.mk_p) && isnan(r.mk_tau) && isnan(r.sen_slope) && r.sen_pairs == 0);
}

/* Points on a line (2): the slope to the last bits, se at rounding level
** (0 when nothing is left in the residuals: t infinite, p 0), r2 1. */
static void test_line(void) {
  double t[5] = {0, 1, 2, 3, 4}, y[5] = {3, 5, 7, 9, 11};
  st_trend r = run(t, y, 5, 0.9);
  CHECK_CLOSE(r.slope, 2, 1e-15);
  CHECK_CLOSE(r.intercept, 3, 1e-15);
  CHECK(r.slope_se < 1e-14 && r.slope_t > 1e14 && r.slope_p < 1e-40);
  CHECK_CLOSE(r.slope_ci_low, 2, 1e-13);
  CHECK_CLOSE(r.slope_ci_high, 2, 1e-13);
  CHECK_CLOSE(r.r2, 1, 1e-15);
  /* MK: all 10 pairs concordant; var = 5*4*15/18; z = 9 / sqrt(var) */
  CHECK(r.mk_s == 10);
  CHECK_CLOSE(r.mk_tau, 1, 1e-15);
  CHECK_CLOSE(r.mk_var_s, 5.0 * 4 * 15 / 18, 1e-15);
  CHECK_CLOSE(r.mk_z, 9 / sqrt(5.0 * 4 * 15 / 18), 1e-15);
  CHECK(r.sen_slope == 2 && r.sen_intercept == 3 && r.sen_pairs == 10);
}

/* A small case worked by hand: t = 1..5, y = 2 1 4 3 5.
** OLS: tbar 3, ybar 3, Sxx 10, Sxy 8, slope 0.8, intercept 0.6,
** SSR = Syy - Sxy^2/Sxx = 10 - 6.4 = 3.6, se = sqrt(3.6/3/10).
** MK: concordant 8, discordant 2, S = 6, var 50/3 (no ties),
** z = 5/sqrt(50/3), tau = 0.6.  Sen: the slopes sorted are -1 -1 1/3 1/2
** 3/4 1 1 4/3 2 3: median (3/4 + 1)/2 = 0.875; intercept 3 - 0.875*3. */
static void test_by_hand(void) {
  double t[5] = {1, 2, 3, 4, 5}, y[5] = {2, 1, 4, 3, 5};
  st_trend r = run(t, y, 5, 0.95);
  CHECK_CLOSE(r.slope, 0.8, 1e-14);
  CHECK_CLOSE(r.intercept, 0.6, 1e-14);
  CHECK_CLOSE(r.slope_se, sqrt(3.6 / 3 / 10), 1e-14);
  CHECK_CLOSE(r.r2, 0.64, 1e-14);
  CHECK(r.df == 3);
  CHECK(r.mk_s == 6);
  CHECK_CLOSE(r.mk_var_s, 50.0 / 3, 1e-15);
  CHECK_CLOSE(r.mk_z, 5 / sqrt(50.0 / 3), 1e-15);
  CHECK_CLOSE(r.mk_tau, 0.6, 1e-15);
  CHECK(r.sen_slope == 0.875 && r.sen_intercept == 0.375 && r.sen_pairs == 10);
}

/* Invalid arguments (1). */
static void test_invalid(void) {
  double t[2] = {0, 1}, y[2] = {0, NAN};
  st_trend r;
  om_err err;
  CHECK(st_trend_compute(t, y, 2, 0.95, NULL, &r, &err) == OM_INVALID);
  y[1] = 1;
  CHECK(st_trend_compute(t, y, 2, 1.0, NULL, &r, &err) == OM_INVALID);
  CHECK(st_trend_compute(t, y, 2, 0.0, NULL, &r, &err) == OM_INVALID);
}

/* Behaviour 5: the streaming path gives the order statistics of a full sort. */
static void check_sen_exact(const double *t, const double *y, size_t n, double c, const char *what) {
  size_t N = 0, k = 0;
  double *w;
  st_trend r = run(t, y, n, c);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) N += t[j] > t[i];
  w = malloc(N * sizeof *w);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      if (t[j] > t[i]) w[k++] = (y[j] - y[i]) / (t[j] - t[i]);
  qsort(w, N, sizeof *w, cmp_double);
  CHECK_MSG(r.sen_pairs == (double)N, "%s: pairs %.0f vs %zu", what, r.sen_pairs, N);
  CHECK_MSG(r.sen_slope == (N % 2 ? w[N / 2] : (w[N / 2 - 1] + w[N / 2]) / 2), "%s: median %.17g", what, r.sen_slope);
  {
    /* the CI ranks, from scipy.stats.theilslopes's rule (behaviour 4) */
    double sigma, z = -1.959963984540054, a, b, dn = (double)n;
    double ut = 0, uy = 0;
    double *s = malloc(n * sizeof *s);
    for (int pass = 0; pass < 2; pass++) {
      double acc = 0;
      for (size_t i = 0; i < n; i++) s[i] = pass ? y[i] : t[i];
      qsort(s, n, sizeof *s, cmp_double);
      for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] == s[i]) j++;
        if (j - i > 1) acc += (double)(j - i) * (double)(j - i - 1) * (2.0 * (double)(j - i) + 5);
        i = j;
      }
      if (pass) uy = acc;
      else ut = acc;
    }
    free(s);
    sigma = sqrt((dn * (dn - 1) * (2 * dn + 5) - ut - uy) / 18);
    a = nearbyint(((double)N - z * sigma) / 2);
    b = nearbyint(((double)N + z * sigma) / 2) - 1;
    CHECK_MSG(r.sen_ci_high == w[a > (double)(N - 1) ? N - 1 : (size_t)a], "%s: ci_high %.17g", what, r.sen_ci_high);
    CHECK_MSG(r.sen_ci_low == w[b < 0 ? 0 : (size_t)b], "%s: ci_low %.17g", what, r.sen_ci_low);
  }
  free(w);
  (void)c;
}

static void test_sen_streaming(void) {
  size_t n = 3100; /* 4.8M pairs > ST_TREND_MATERIALIZE */
  double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y);
  uint64_t s = 42;
  for (size_t i = 0; i < n; i++) {
    t[i] = (double)i + om_test_unif(&s);
    y[i] = 1e-3 * t[i] + om_test_unif(&s);
  }
  check_sen_exact(t, y, n, 0.95, "continuous");
  /* mostly equal slopes: integer values on an integer grid, y flat for most
  ** rows, so whole brackets hold one value */
  for (size_t i = 0; i < n; i++) {
    t[i] = (double)(i / 2);
    y[i] = (i % 97 == 0) ? (double)(i % 5) : 1.0;
  }
  check_sen_exact(t, y, n, 0.95, "ties");
  /* decreasing, with the rows in reverse order */
  for (size_t i = 0; i < n; i++) {
    t[i] = (double)(n - i) * 60.0;
    y[i] = 500.0 - 0.01 * t[i] + 50 * om_test_unif(&s);
  }
  check_sen_exact(t, y, n, 0.95, "reversed");
  free(t);
  free(y);
}

static int poll_count;
static int stop_at_once(void *arg) {
  (void)arg;
  poll_count++;
  return 1;
}

/* Behaviour 6: interrupts and out-of-memory, on both of Sen's paths. */
static void test_interrupt_and_oom(void) {
  size_t sizes[2] = {300, 3100};
  for (int z = 0; z < 2; z++) {
    size_t n = sizes[z];
    double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y);
    uint64_t s = 7;
    om_interrupt it = {stop_at_once, NULL};
    st_trend r;
    om_err err;
    long start;
    int oks = 0, nomems = 0;
    for (size_t i = 0; i < n; i++) {
      t[i] = (double)i;
      y[i] = om_test_unif(&s);
    }
    if (n > 1000) {
      poll_count = 0;
      CHECK(st_trend_compute(t, y, n, 0.95, &it, &r, &err) == OM_INTERRUPTED && poll_count == 1);
    }
    start = om_test_alloc_live;
    for (long k = 1; k < 40; k++) {
      om_status st;
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      st = st_trend_compute(t, y, n, 0.95, NULL, &r, &err);
      om_test_alloc_fail_at = 0;
      if (st == OM_OK) oks++;
      else if (st == OM_NOMEM) nomems++;
      else CHECK_MSG(0, "allocation %ld failed: status %d", k, (int)st);
      CHECK_MSG(om_test_alloc_live == start, "failing allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
    }
    CHECK(nomems >= 4 && oks > 0);
    free(t);
    free(y);
  }
}

int main(void) {
  test_degenerate();
  test_line();
  test_by_hand();
  test_invalid();
  test_sen_streaming();
  test_interrupt_and_oom();
  return om_test_finish();
}
