/*
** test_ts_ets.c — the ETS core (ext/core/ts/ts_ets.h), its optimiser
** (ts_optim.h) and the normal quantile (ts_dist.h): recursions worked by
** hand, admissibility against known polynomials, Nelder–Mead on known
** functions, forecasts and intervals, out-of-memory.  Fits against
** statsmodels: tests/sql/forecast_ref.sql (when forecast_train lands).
*/
#include <stdlib.h>

#include "om_test.h"
#include "ts_dist.h"
#include "ts_ets.h"
#include "ts_optim.h"

/* ts_ets.h 1: one series through ETS(A,A,N) by hand. */
static void test_filter_by_hand(void) {
  ts_ets_model md;
  double x[TS_ETS_MAX_STATE] = {10, 1}, y[2] = {12, 12.5}, e[3], f[3], sse, sl;
  memset(&md, 0, sizeof md);
  md.spec = (ts_ets_spec){TS_ADD, TS_ADD, 0, TS_NONE, 1};
  md.alpha = 0.5;
  md.beta = 0.25;
  md.phi = 1;
  /* t=1: f = 11, e = 1, l = 11 + 0.5 = 11.5, b = 1 + 0.25 = 1.25
  ** t=2: f = 12.75, e = -0.25, l = 12.75 - 0.125 = 12.625, b = 1.25 - 0.0625 */
  CHECK(ts_ets_filter(&md, x, y, 2, e, f, NULL, &sse, &sl) == 0);
  CHECK(f[0] == 11 && e[0] == 1 && f[1] == 12.75 && e[1] == -0.25);
  CHECK(x[0] == 12.625 && x[1] == 1.1875);
  CHECK(sse == 1.0625 && sl == 0);
  /* multiplicative error: e = (y - f) / f and sum log f */
  md.spec.error = TS_MUL;
  x[0] = 10;
  x[1] = 1;
  CHECK(ts_ets_filter(&md, x, y, 2, e, f, NULL, &sse, &sl) == 0);
  CHECK(e[0] == 1.0 / 11 && f[0] == 11);
  CHECK_CLOSE(sl, log(11) + log(f[1]), 1e-15);
  /* ETS(A,N,A), m = 2: the season used is the last of the state */
  {
    double xs[TS_ETS_MAX_STATE] = {100, 5, -5}, ys[3] = {96, 104, 97};
    md.spec = (ts_ets_spec){TS_ADD, TS_NONE, 0, TS_ADD, 2};
    md.alpha = 0.5;
    md.gamma = 0.2;
    md.beta = 0;
    /* t=1: s = -5, f = 95, e = 1, l = 100 + 0.5*(101-100) = 100.5, s' = -5 + 0.2*(96-100+5) = -4.8
    ** t=2: s = 5, f = 105.5, e = -1.5, l = 100.5 + 0.5*(99-100.5) = 99.75, s' = 5 + 0.2*(104-100.5-5) = 4.7
    ** t=3: s = -4.8, f = 94.95 */
    CHECK(ts_ets_filter(&md, xs, ys, 3, e, f, NULL, &sse, &sl) == 0);
    CHECK(f[0] == 95 && e[0] == 1);
    CHECK_CLOSE(f[1], 105.5, 1e-15);
    CHECK_CLOSE(f[2], 94.95, 1e-15);
  }
}

/* ts_ets.h 3: admissibility. */
static void test_admissible(void) {
  ts_ets_model md;
  memset(&md, 0, sizeof md);
  md.spec = (ts_ets_spec){TS_ADD, TS_ADD, 1, TS_ADD, 4};
  md.alpha = 0.3;
  md.beta = 0.1;
  md.gamma = 0.1;
  md.phi = 0.95;
  CHECK(ts_ets_admissible(&md));
  /* passes the easy inequalities, but a root has modulus 1.113 (numpy.roots) */
  md.gamma = 0.8;
  md.alpha = 0.9;
  md.beta = 0.9;
  CHECK(!ts_ets_admissible(&md));
  md.alpha = 0.5; /* largest root 0.870 */
  md.beta = 0.4;
  md.gamma = 0.45;
  md.phi = 0.9;
  CHECK(ts_ets_admissible(&md));
  md.gamma = 1.2; /* above 1 + 1/phi - alpha: the easy test */
  CHECK(!ts_ets_admissible(&md));
  /* no trend, no damping: a unit root is allowed (forecast::ets) */
  md.spec = (ts_ets_spec){TS_ADD, TS_NONE, 0, TS_ADD, 12};
  md.alpha = 0.0168;
  md.beta = 0;
  md.gamma = 0.05;
  md.phi = 1;
  CHECK(ts_ets_admissible(&md));
  md.gamma = 1.5; /* still every root within the circle but the unit one */
  CHECK(ts_ets_admissible(&md));
  md.gamma = 2.0; /* above 1 + 1/phi - alpha */
  CHECK(!ts_ets_admissible(&md));
}

static double rosenbrock(const double *x, void *ctx) {
  (void)ctx;
  return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
}

static double bounded_quad(const double *x, void *ctx) {
  (void)ctx;
  if (x[0] < 0 || x[1] < 0) return INFINITY; /* the minimum (-1, 2) is outside: (0, 2) */
  return (x[0] + 1) * (x[0] + 1) + (x[1] - 2) * (x[1] - 2);
}

/* ts_optim.h 1-3. */
static void test_nelder_mead(void) {
  double x[2] = {-1.2, 1}, step[2] = {0.1, 0.1}, work[TS_OPTIM_WORK(2)];
  ts_optim_result r;
  om_err err;
  CHECK(ts_nelder_mead(rosenbrock, NULL, x, step, 2, 1e-14, 4000, work, NULL, &r, &err) == OM_OK);
  CHECK_MSG(fabs(x[0] - 1) < 1e-4 && fabs(x[1] - 1) < 1e-4, "x %g %g f %g evals %d", x[0], x[1], r.f, r.evals);
  x[0] = 1;
  x[1] = 1;
  CHECK(ts_nelder_mead(bounded_quad, NULL, x, step, 2, 1e-14, 4000, work, NULL, &r, &err) == OM_OK);
  /* an infinite wall slows the simplex down: near, and never outside */
  CHECK_MSG(x[0] >= 0 && x[0] < 1e-3 && fabs(x[1] - 2) < 1e-2, "x %g %g", x[0], x[1]);
  x[0] = -1;
  CHECK(ts_nelder_mead(bounded_quad, NULL, x, step, 2, 1e-14, 4000, work, NULL, &r, &err) == OM_INVALID);
}

/* ts_dist.h 1. */
static void test_norm_ppf(void) {
  CHECK_CLOSE(ts_norm_ppf(0.975), 1.959963984540054, 1e-15);
  CHECK_CLOSE(ts_norm_ppf(0.05), -1.6448536269514729, 1e-15);
  CHECK_CLOSE(ts_norm_ppf(1e-20), -9.262340089798408, 1e-15);
  CHECK(ts_norm_ppf(0.5) == 0 && isinf(ts_norm_ppf(0)) && isnan(ts_norm_ppf(1.5)));
}

/* A seasonal series: level 50, trend 0.1, a season of 4, noise. */
static double *make_series(size_t n, int mul) {
  double *y = malloc(n * sizeof *y), pat[4] = {-5, 2, 6, -3};
  uint64_t s = 99;
  for (size_t t = 0; t < n; t++) {
    double base = 50 + 0.1 * (double)t, noise = 2 * (om_test_unif(&s) - 0.5);
    y[t] = mul ? base * (1 + pat[t % 4] / 50) + noise : base + pat[t % 4] + noise;
  }
  return y;
}

/* ts_ets.h 4-6 on a series with a known structure. */
static void test_fit_and_forecast(void) {
  size_t n = 120;
  double *y = make_series(n, 0), f[8], lo[8], hi[8];
  ts_ets_model md, m2;
  om_err err;
  int tried = 0;
  ts_ets_spec sp = {TS_ADD, TS_ADD, 0, TS_ADD, 4};
  CHECK(ts_ets_fit(y, n, &sp, NULL, &md, &err) == OM_OK);
  CHECK(md.k == 1 + 3 + 2 + 3); /* sigma, alpha beta gamma, l b, 3 free seasonal states */
  CHECK(md.loglik > -300 && md.sigma2 > 0.1 && md.sigma2 < 1);
  CHECK(ts_ets_forecast(&md, 8, 0.9, f, lo, hi, &err) == OM_OK);
  for (int i = 0; i < 8; i++) {
    double want = 50 + 0.1 * (double)(n + (size_t)i) + (double[]){-5, 2, 6, -3}[(n + (size_t)i) % 4];
    CHECK_MSG(fabs(f[i] - want) < 1.5, "step %d: %g vs %g", i + 1, f[i], want);
    CHECK(lo[i] < f[i] && f[i] < hi[i]);
    if (i) CHECK(hi[i] - lo[i] >= hi[i - 1] - lo[i - 1] - 1e-12);
  }
  /* the automatic choice finds a seasonal model, deterministically */
  CHECK(ts_ets_auto(y, n, 4, NULL, &md, &tried, &err) == OM_OK);
  CHECK(md.spec.season != TS_NONE && tried >= 10);
  CHECK(ts_ets_auto(y, n, 4, NULL, &m2, &tried, &err) == OM_OK);
  CHECK(memcmp(&md, &m2, sizeof md) == 0);
  /* simulated intervals of a multiplicative model bracket the point forecast */
  sp = (ts_ets_spec){TS_MUL, TS_ADD, 1, TS_MUL, 4};
  CHECK(ts_ets_fit(y, n, &sp, NULL, &md, &err) == OM_OK);
  CHECK(ts_ets_forecast(&md, 8, 0.9, f, lo, hi, &err) == OM_OK);
  for (int i = 0; i < 8; i++) CHECK(lo[i] < f[i] && f[i] < hi[i]);
  /* too short for a season of 4, and bad coverage */
  sp = (ts_ets_spec){TS_ADD, TS_NONE, 0, TS_ADD, 4};
  CHECK(ts_ets_fit(y, 9, &sp, NULL, &md, &err) == OM_INVALID);
  CHECK(ts_ets_forecast(&m2, 2, 1.0, f, lo, hi, &err) == OM_INVALID);
  free(y);
}

static void test_oom(void) {
  size_t n = 60;
  double *y = make_series(n, 1);
  long start = om_test_alloc_live;
  int nomem = 0, ok = 0;
  for (long k = 1; k < 12; k++) {
    ts_ets_model md;
    om_err err;
    int tried;
    om_status st;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = ts_ets_auto(y, n, 4, NULL, &md, &tried, &err);
    om_test_alloc_fail_at = 0;
    nomem += st == OM_NOMEM;
    ok += st == OM_OK;
    CHECK_MSG(om_test_alloc_live == start, "allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
  }
  CHECK(nomem >= 3);
  free(y);
}

int main(void) {
  test_filter_by_hand();
  test_admissible();
  test_nelder_mead();
  test_norm_ppf();
  test_fit_and_forecast();
  test_oom();
  return om_test_finish();
}
