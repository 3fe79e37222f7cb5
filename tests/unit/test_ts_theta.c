/*
** test_ts_theta.c — the Theta method (ext/core/ts/ts_theta.h): a case by
** hand, statsmodels' ThetaModel(y, period=m).fit() on the series of
** fixtures/tsref/tsref.h (make_tsref.py), errors, out-of-memory and
** interrupts.
*/
#include <stdlib.h>

#include "../../fixtures/tsref/tsref.h"
#include "om_test.h"
#include "ts_theta.h"

#define Z90 1.6448536269514722

/* ts_theta.h 3, 4, 6, 7 by hand at a given alpha and sigma2. */
static void test_by_hand(void) {
  double y[5] = {1, 2, 4, 3, 5}, f[2], lo[2], hi[2], fit[5], sd[5];
  ts_theta_opts o = {0.5, 1};
  ts_theta_model md;
  om_err err;
  CHECK(ts_theta_fit(y, 5, 1, &o, NULL, &md, &err) == OM_OK);
  CHECK(md.season == TS_NONE && md.idx == NULL && md.alpha == 0.5 && md.sigma2 == 1);
  CHECK_CLOSE(md.b0, 0.9, 1e-15);                                 /* sxy 9 / sxx 10 */
  CHECK_CLOSE(md.level, 3.9375, 1e-15);                           /* 1, 1, 1.5, 2.75, 2.875, 3.9375 */
  CHECK_CLOSE(md.mse, (1 + 6.25 + 0.0625 + 4.515625) / 5, 1e-15); /* errors 1, 2.5, 0.25, 2.125 */
  CHECK(ts_theta_forecast(&md, 2, 0.9, f, lo, hi, &err) == OM_OK);
  CHECK_CLOSE(f[0], 3.9375 + 0.45 * 1.9375, 1e-15); /* (1 - 0.5^5) / 0.5 */
  CHECK_CLOSE(f[1], f[0] + 0.45, 1e-15);
  CHECK_CLOSE(hi[0] - f[0], Z90, 1e-15);
  CHECK_CLOSE(f[1] - lo[1], Z90 * 1.5, 1e-15); /* sqrt(1 + 1 * (1 + 0.25)) */
  CHECK(ts_theta_insample(&md, y, 5, fit, sd, &err) == OM_OK);
  CHECK(fit[0] == 1 && sd[3] == 1);
  CHECK_CLOSE(fit[1], 1.45, 1e-15);
  CHECK_CLOSE(fit[2], 2.175, 1e-15);
  CHECK(ts_theta_insample(&md, y, 4, fit, sd, &err) == OM_INVALID);
  ts_theta_free(&md);
}

static double maxrel(const double *a, const double *b, int n) {
  double w = 0;
  for (int i = 0; i < n; i++)
    if (fabs(a[i] - b[i]) / fabs(b[i]) > w) w = fabs(a[i] - b[i]) / fabs(b[i]);
  return w;
}

/* ts_theta.h 1-6 against statsmodels (tsref_theta_list). */
static void test_fixture(void) {
  int nc = (int)(sizeof tsref_theta_list / sizeof tsref_theta_list[0]);
  CHECK(nc >= 6);
  for (int i = 0; i < nc; i++) {
    const tsref_theta *c = &tsref_theta_list[i];
    const tsref_series *s = &tsref_series_list[c->series];
    int h = c->h, want_season = s->m < 2 ? TS_NONE : c->method == 1 ? TS_MUL : c->method == 2 ? TS_ADD : TS_NONE;
    double *f = malloc(3 * (size_t)h * sizeof *f), *lo = f + h, *hi = f + 2 * h;
    ts_theta_model md;
    ts_theta_opts o = {c->alpha_sm, c->sigma2_sm};
    om_err err;
    /* free fit: the exact optimum (make_tsref.py refits it to 1e-13) */
    CHECK(ts_theta_fit(s->x, s->n, s->m, NULL, NULL, &md, &err) == OM_OK);
    CHECK_MSG(md.season == want_season, "%s: season %d want %d", s->name, md.season, want_season);
    if (md.season != TS_NONE)
      for (int j = 0; j < s->m; j++) CHECK_CLOSE(md.idx[j], c->season[j], 1e-10);
    CHECK_CLOSE(md.b0, c->b0, 1e-9);
    CHECK_CLOSE(md.alpha, c->alpha_ex, 1e-7);
    CHECK_CLOSE(md.level, c->level_ex, 1e-8);
    CHECK_CLOSE(md.sigma2, c->sigma2_ex, 1e-7);
    CHECK(ts_theta_forecast(&md, (size_t)h, 0.9, f, lo, hi, &err) == OM_OK);
    for (int j = 0; j < h; j++) {
      CHECK_CLOSE(f[j], c->f_ex[j], 1e-8);
      CHECK_MSG(om_close(lo[j], c->lo_ex[j], 1e-7, 1e-7 * fabs(f[j])), "%s lo[%d] %.17g %.17g", s->name, j, lo[j],
                c->lo_ex[j]);
      CHECK_MSG(om_close(hi[j], c->hi_ex[j], 1e-7, 1e-7 * fabs(f[j])), "%s hi[%d] %.17g %.17g", s->name, j, hi[j],
                c->hi_ex[j]);
    }
    printf("theta %-13s m=%2d alpha %.8f (statsmodels %.8f) sigma2 %.8g (statsmodels %.8g): vs statsmodels' own fit "
           "max rel f %.1e lo %.1e hi %.1e\n",
           s->name, s->m, md.alpha, c->alpha_sm, md.sigma2, c->sigma2_sm, maxrel(f, c->f_sm, h),
           maxrel(lo, c->lo_sm, h), maxrel(hi, c->hi_sm, h));
    ts_theta_free(&md);
    /* at statsmodels' alpha and sigma2: its forecasts and 90% bounds */
    CHECK(ts_theta_fit(s->x, s->n, s->m, &o, NULL, &md, &err) == OM_OK);
    CHECK_CLOSE(md.level, c->level_sm, 1e-10);
    CHECK(ts_theta_forecast(&md, (size_t)h, 0.9, f, lo, hi, &err) == OM_OK);
    for (int j = 0; j < h; j++) {
      CHECK_CLOSE(f[j], c->f_sm[j], 1e-10);
      CHECK_MSG(om_close(lo[j], c->lo_sm[j], 1e-9, 1e-10 * fabs(f[j])), "%s lo[%d]", s->name, j);
      CHECK_MSG(om_close(hi[j], c->hi_sm[j], 1e-9, 1e-10 * fabs(f[j])), "%s hi[%d]", s->name, j);
    }
    ts_theta_free(&md);
    free(f);
  }
}

/* ts_theta.h 7 on a seasonal fit: the first in-sample forecast is y_0
** (reseasonalized), and the last one uses the level before y_{n-1}. */
static void test_insample_seasonal(void) {
  const tsref_series *s = NULL;
  ts_theta_model md;
  om_err err;
  for (int i = 0; i < TSREF_NMAIN; i++)
    if (!strcmp(tsref_series_list[i].name, "co2_monthly")) s = &tsref_series_list[i];
  CHECK(s != NULL && ts_theta_fit(s->x, s->n, 12, NULL, NULL, &md, &err) == OM_OK && md.season == TS_MUL);
  {
    double *fit = malloc(s->n * sizeof *fit), *sd = malloc(s->n * sizeof *sd), mse = 0;
    CHECK(ts_theta_insample(&md, s->x, s->n, fit, sd, &err) == OM_OK);
    CHECK_CLOSE(fit[0], s->x[0], 1e-14);
    CHECK(sd[10] == sqrt(md.sigma2));
    for (size_t t = 0; t < s->n; t++) mse += (s->x[t] - fit[t]) * (s->x[t] - fit[t]) / (double)s->n;
    CHECK_MSG(mse < 2 * md.sigma2, "in-sample mse %g sigma2 %g", mse, md.sigma2);
    free(fit);
    free(sd);
  }
  ts_theta_free(&md);
}

static int stop_now(void *arg) {
  (void)arg;
  return 1;
}

/* ts_theta.h 8. */
static void test_errors_oom(void) {
  double y[8] = {1, 2, 3, 4, 5, 6, 7, 8}, f[2];
  ts_theta_model md;
  ts_theta_opts bad = {1.5, 0};
  om_interrupt it = {stop_now, NULL};
  om_err err;
  long start = om_test_alloc_live;
  int nomem = 0;
  CHECK(ts_theta_fit(y, 3, 1, NULL, NULL, &md, &err) == OM_INVALID && strstr(err.msg, "at least 4"));
  CHECK(ts_theta_fit(y, 8, 0, NULL, NULL, &md, &err) == OM_INVALID);
  CHECK(ts_theta_fit(y, 8, 1, &bad, NULL, &md, &err) == OM_INVALID);
  y[2] = NAN;
  CHECK(ts_theta_fit(y, 8, 1, NULL, NULL, &md, &err) == OM_INVALID && strstr(err.msg, "observation 3"));
  y[2] = 3;
  CHECK(ts_theta_fit(y, 8, 1, NULL, &it, &md, &err) == OM_INTERRUPTED && md.idx == NULL);
  CHECK(om_test_alloc_live == start);
  CHECK(ts_theta_fit(y, 8, 1, NULL, NULL, &md, &err) == OM_OK);
  CHECK(ts_theta_forecast(&md, 2, 1.0, f, f, NULL, &err) == OM_INVALID);
  CHECK(ts_theta_forecast(&md, 2, 1.0, f, NULL, NULL, &err) == OM_OK); /* no interval: coverage unused */
  ts_theta_free(&md);
  /* a constant series: sigma2 0, flat forecasts */
  for (int t = 0; t < 8; t++) y[t] = 4;
  CHECK(ts_theta_fit(y, 8, 2, NULL, NULL, &md, &err) == OM_OK && md.season == TS_NONE && md.sigma2 == 0);
  CHECK(ts_theta_forecast(&md, 2, 0.9, f, NULL, NULL, &err) == OM_OK && f[0] == 4 && f[1] == 4);
  ts_theta_free(&md);
  ts_theta_free(&md);
  for (int i = 0; i < TSREF_NMAIN; i++) {
    const tsref_series *s = &tsref_series_list[i];
    if (strcmp(s->name, "co2_monthly")) continue;
    for (long k = 1; k <= 4; k++) {
      om_status st;
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      st = ts_theta_fit(s->x, s->n, s->m, NULL, NULL, &md, &err);
      om_test_alloc_fail_at = 0;
      nomem += st == OM_NOMEM;
      CHECK(st == OM_OK || st == OM_NOMEM);
      if (st == OM_OK) ts_theta_free(&md);
      else CHECK(md.idx == NULL);
      CHECK(om_test_alloc_live == start);
    }
  }
  CHECK(nomem == 2);
}

int main(void) {
  test_by_hand();
  test_fixture();
  test_insample_seasonal();
  test_errors_oom();
  return om_test_finish();
}
