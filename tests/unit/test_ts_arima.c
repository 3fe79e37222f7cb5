/*
** test_ts_arima.c — the seasonal ARIMA core (ext/core/ts/ts_arima.h):
** differencing and recursions by hand, the exact likelihood against closed
** forms and statsmodels, fits, forecasts and intervals against statsmodels,
** the root check, names, errors, out-of-memory.  The statsmodels
** references are fixtures/arima/arima_ref.h (make_arima.py).
*/
#include <stdlib.h>

#include "../../fixtures/arima/arima_ref.h"
#include "om_test.h"
#include "ts_arima.h"

#define NCASES (sizeof arima_ref_cases / sizeof arima_ref_cases[0])

static ts_arima_spec spec8(const int *v) { return (ts_arima_spec){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}; }

static ts_arima_model ref_model(const arima_ref_case *c) {
  ts_arima_model md;
  memset(&md, 0, sizeof md);
  md.spec = spec8(c->spec);
  memcpy(md.ar, c->ar, sizeof md.ar);
  memcpy(md.ma, c->ma, sizeof md.ma);
  memcpy(md.sar, c->sar, sizeof md.sar);
  memcpy(md.sma, c->sma, sizeof md.sma);
  md.mu = c->mu;
  md.sigma2 = ARIMA_REF_SIGMA2;
  return md;
}

/* ts_arima.h 1, 9: with no ARMA part the innovations are w itself, so the
** one-step forecasts give the differences back; 7: random-walk and
** seasonal naive forecasts. */
static void test_differencing(void) {
  double y[10] = {1, 4, 9, 16, 25, 36, 49, 64, 81, 100}, fit[10], sd[10], f[4], lo[4], hi[4];
  ts_arima_model md;
  om_err err;
  memset(&md, 0, sizeof md);
  md.sigma2 = 2;
  md.spec = (ts_arima_spec){0, 1, 0, 0, 0, 0, 1, 0};
  CHECK(ts_arima_insample(&md, y, 10, fit, sd, &err) == OM_OK);
  CHECK(isnan(fit[0]) && isnan(sd[0]));
  for (int t = 1; t < 10; t++) CHECK(y[t] - fit[t] == y[t] - y[t - 1] && sd[t] == sqrt(2.0)); /* w = 2t + 1 */
  md.spec.d = 2; /* (1-B)^2 of squares: 2 */
  CHECK(ts_arima_insample(&md, y, 10, fit, sd, &err) == OM_OK);
  CHECK(isnan(fit[1]) && !isnan(fit[2]));
  for (int t = 2; t < 10; t++) CHECK(y[t] - fit[t] == 2);
  md.spec = (ts_arima_spec){0, 1, 0, 0, 1, 0, 4, 0}; /* (1-B)(1-B^4) of squares: 8 */
  CHECK(ts_arima_insample(&md, y, 10, fit, NULL, &err) == OM_OK);
  CHECK(isnan(fit[4]) && !isnan(fit[5]));
  for (int t = 5; t < 10; t++) CHECK(y[t] - fit[t] == 8);
  /* forecasts: random walk, seasonal naive, and the interval widths */
  md.spec = (ts_arima_spec){0, 1, 0, 0, 0, 0, 1, 0};
  md.sigma2 = 4;
  CHECK(ts_arima_forecast(&md, y, 10, 4, 0.95, f, lo, hi, &err) == OM_OK);
  for (int i = 0; i < 4; i++) {
    CHECK(f[i] == 100);
    CHECK_CLOSE(hi[i] - f[i], 1.959963984540054 * 2 * sqrt(i + 1.0), 1e-14);
  }
  md.spec = (ts_arima_spec){0, 0, 0, 0, 1, 0, 4, 0};
  CHECK(ts_arima_forecast(&md, y, 10, 4, 0.95, f, lo, hi, &err) == OM_OK);
  for (int i = 0; i < 4; i++) CHECK(f[i] == y[6 + i] && f[i] - lo[i] == hi[i] - f[i]);
  /* with drift: the slope is mu per step */
  md.spec = (ts_arima_spec){0, 1, 0, 0, 0, 0, 1, 1};
  md.mu = 0.5;
  CHECK(ts_arima_forecast(&md, y, 10, 2, 0.95, f, NULL, NULL, &err) == OM_OK);
  CHECK(f[0] == 100.5 && f[1] == 101);
}

/* ts_arima.h 3: AR(1) with a mean against the closed form, and MA(1)'s
** one-step variances F_t (F_1 = 1 + theta^2, F_{t+1} = 1 + theta^2 -
** theta^2 / F_t) through the in-sample sd. */
static void test_likelihood_closed_form(void) {
  double y[50], fit[50], sd[50], phi = 0.6, mu = 3, S, want, F;
  uint64_t st = 7;
  ts_arima_model md;
  om_err err;
  y[0] = mu;
  for (int t = 1; t < 50; t++) y[t] = mu + phi * (y[t - 1] - mu) + (om_test_unif(&st) - 0.5) * 3;
  memset(&md, 0, sizeof md);
  md.spec = (ts_arima_spec){1, 0, 0, 0, 0, 0, 1, 1};
  md.ar[0] = phi;
  md.mu = mu;
  md.sigma2 = 1.5;
  S = (y[0] - mu) * (y[0] - mu) * (1 - phi * phi);
  for (int t = 1; t < 50; t++) {
    double e = (y[t] - mu) - phi * (y[t - 1] - mu);
    S += e * e;
  }
  want = -0.5 * (50 * log(2 * M_PI * S / 50) - log(1 - phi * phi) + 50);
  CHECK_CLOSE(ts_arima_loglik(&md, y, 50), want, 1e-13);
  CHECK(ts_arima_insample(&md, y, 50, fit, sd, &err) == OM_OK);
  CHECK_CLOSE(fit[0], mu, 1e-15);
  CHECK_CLOSE(sd[0], sqrt(1.5 / (1 - phi * phi)), 1e-14);
  for (int t = 1; t < 50; t++) {
    CHECK_CLOSE(fit[t], mu + phi * (y[t - 1] - mu), 1e-13);
    CHECK_CLOSE(sd[t], sqrt(1.5), 1e-14);
  }
  /* MA(1) */
  md.spec = (ts_arima_spec){0, 0, 1, 0, 0, 0, 1, 0};
  md.ar[0] = 0;
  md.ma[0] = 0.8;
  md.sigma2 = 1;
  CHECK(ts_arima_insample(&md, y, 50, fit, sd, &err) == OM_OK);
  F = 1 + 0.64;
  for (int t = 0; t < 50; t++) {
    CHECK_CLOSE(sd[t] * sd[t], F, 1e-13);
    F = 1 + 0.64 - 0.64 / F;
  }
  /* a non-stationary AR part has no stationary likelihood */
  md.spec = (ts_arima_spec){1, 0, 0, 0, 0, 0, 1, 0};
  md.ar[0] = 1.01;
  CHECK(isnan(ts_arima_loglik(&md, y, 50)));
}

/* ts_arima.h 4: the CSS recursion of ARMA(1,1) with a mean by hand. */
static void test_css_by_hand(void) {
  double y[6] = {2, 5, 3, 4, 6, 1}, x[6], e[6] = {0}, sse = 0, s2 = 0;
  ts_arima_model md;
  memset(&md, 0, sizeof md);
  md.spec = (ts_arima_spec){1, 0, 1, 0, 0, 0, 1, 1};
  md.ar[0] = 0.5;
  md.ma[0] = 0.3;
  md.mu = 3;
  for (int t = 0; t < 6; t++) x[t] = y[t] - 3;
  for (int t = 1; t < 6; t++) { /* from t = p; e[0] = 0 */
    e[t] = x[t] - 0.5 * x[t - 1] - 0.3 * e[t - 1];
    sse += e[t] * e[t];
  }
  CHECK_CLOSE(ts_arima_css(&md, y, 6, &s2), -0.5 * 5 * (log(2 * M_PI * sse / 5) + 1), 1e-14);
  CHECK_CLOSE(s2, sse / 5, 1e-14);
  /* seasonal: (0,0,0)(1,0,0)[2], residuals from t = 2 */
  md.spec = (ts_arima_spec){0, 0, 0, 1, 0, 0, 2, 0};
  md.sar[0] = -0.5;
  sse = 0;
  for (int t = 2; t < 6; t++) sse += (y[t] + 0.5 * y[t - 2]) * (y[t] + 0.5 * y[t - 2]);
  CHECK_CLOSE(ts_arima_css(&md, y, 6, &s2), -0.5 * 4 * (log(2 * M_PI * sse / 4) + 1), 1e-14);
}

/* ts_arima.h 3: the likelihood at fixed parameters against statsmodels. */
static void test_loglik_statsmodels(void) {
  CHECK(NCASES >= 8);
  for (size_t i = 0; i < NCASES; i++) {
    const arima_ref_case *c = &arima_ref_cases[i];
    ts_arima_model md = ref_model(c);
    double ll = ts_arima_loglik(&md, c->y, (size_t)c->n);
    CHECK_MSG(om_close(ll, c->loglik, 1e-9, 0), "%s: %.12f vs statsmodels %.12f", c->name, ll, c->loglik);
  }
}

/* ts_arima.h 5, 6: fits reach statsmodels' optimum; CSS fits are fits. */
static void test_fit_statsmodels(void) {
  for (size_t i = 0; i < NCASES; i++) {
    const arima_ref_case *c = &arima_ref_cases[i];
    ts_arima_spec sp = spec8(c->spec);
    ts_arima_model md, m2;
    om_err err;
    int k = sp.p + sp.q + sp.P + sp.Q + sp.constant + 1;
    om_status st = ts_arima_fit(c->y, (size_t)c->n, &sp, TS_ARIMA_CSS_ML, NULL, &md, &err);
    CHECK_MSG(st == OM_OK, "%s: %s", c->name, err.msg);
    if (st != OM_OK) continue;
    CHECK_MSG(md.loglik >= c->fit_loglik - 1e-3, "%s: fit loglik %.6f, statsmodels %.6f", c->name, md.loglik,
              c->fit_loglik);
    CHECK_CLOSE(ts_arima_loglik(&md, c->y, (size_t)c->n), md.loglik, 1e-12);
    CHECK(md.k == k && md.n_used == c->n - sp.d - sp.D * sp.s && md.method == TS_ARIMA_ML);
    CHECK_CLOSE(md.aic, -2 * md.loglik + 2 * k, 1e-15);
    CHECK_CLOSE(md.aicc, md.aic + 2.0 * k * (k + 1) / (md.n_used - k - 1), 1e-15);
    CHECK_CLOSE(md.bic, -2 * md.loglik + k * log((double)md.n_used), 1e-15);
    if (i == 0 || sp.s == 24) { /* the plain ML path and CSS alone on two cases */
      CHECK(ts_arima_fit(c->y, (size_t)c->n, &sp, TS_ARIMA_ML, NULL, &m2, &err) == OM_OK);
      CHECK_MSG(m2.loglik >= c->fit_loglik - 1e-3, "%s ML: %.6f vs %.6f", c->name, m2.loglik, c->fit_loglik);
      CHECK(ts_arima_fit(c->y, (size_t)c->n, &sp, TS_ARIMA_CSS, NULL, &m2, &err) == OM_OK);
      CHECK(m2.method == TS_ARIMA_CSS);
      CHECK_CLOSE(ts_arima_css(&m2, c->y, (size_t)c->n, NULL), m2.loglik, 1e-13);
      CHECK(m2.loglik > c->fit_loglik - 0.05 * fabs(c->fit_loglik));
    }
  }
}

/* ts_arima.h 7: forecasts and 95% intervals against statsmodels' model
** with the differences in the state. */
static void test_forecast_statsmodels(void) {
  int checked = 0;
  for (size_t i = 0; i < NCASES; i++) {
    const arima_ref_case *c = &arima_ref_cases[i];
    ts_arima_model md = ref_model(c);
    double f[ARIMA_REF_H_STEPS], lo[ARIMA_REF_H_STEPS], hi[ARIMA_REF_H_STEPS], worst = 0;
    om_err err;
    if (!c->f) continue;
    CHECK(ts_arima_forecast(&md, c->y, (size_t)c->n, ARIMA_REF_H_STEPS, 0.95, f, lo, hi, &err) == OM_OK);
    for (int h = 0; h < ARIMA_REF_H_STEPS; h++) {
      double sc = fabs(c->f[h]) > 1 ? fabs(c->f[h]) : 1;
      double e1 = fabs(f[h] - c->f[h]) / sc, e2 = fabs(lo[h] - c->lo[h]) / sc, e3 = fabs(hi[h] - c->hi[h]) / sc;
      worst = fmax(worst, fmax(e1, fmax(e2, e3)));
    }
    CHECK_MSG(worst < 1e-6, "%s: worst relative difference %.3g", c->name, worst);
    checked++;
  }
  CHECK(checked >= 8);
}

/* ts_arima.h 8: roots on known polynomials. */
static void test_roots(void) {
  ts_arima_model md;
  double r, th;
  memset(&md, 0, sizeof md);
  md.spec = (ts_arima_spec){1, 0, 0, 0, 0, 0, 1, 0};
  md.ar[0] = 0.98; /* root 1.0204 */
  CHECK(ts_arima_ok_roots(&md));
  md.ar[0] = 0.995; /* root 1.005 */
  CHECK(!ts_arima_ok_roots(&md));
  md.ar[0] = -0.995;
  CHECK(!ts_arima_ok_roots(&md));
  md.spec = (ts_arima_spec){2, 0, 0, 0, 0, 0, 1, 0};
  md.ar[0] = 1.3; /* complex roots of modulus sqrt(1 / 0.6) */
  md.ar[1] = -0.6;
  CHECK(ts_arima_ok_roots(&md));
  /* a complex pair of modulus r at angle th: 1 - 2 cos(th)/r z + z^2/r^2 */
  th = 0.7;
  for (int k = 0; k < 2; k++) {
    r = k ? 1.02 : 1.005;
    md.ar[0] = 2 * cos(th) / r;
    md.ar[1] = -1 / (r * r);
    CHECK(ts_arima_ok_roots(&md) == k);
  }
  /* MA: theta = -1 is on the circle; seasonal parts multiply out */
  md.spec = (ts_arima_spec){0, 0, 1, 0, 0, 0, 1, 0};
  md.ma[0] = -1;
  CHECK(!ts_arima_ok_roots(&md));
  md.ma[0] = -0.5;
  CHECK(ts_arima_ok_roots(&md));
  md.spec = (ts_arima_spec){0, 0, 1, 0, 1, 1, 12, 0};
  md.sma[0] = -0.995; /* roots of modulus 0.995^(-1/12) = 1.0004 */
  CHECK(!ts_arima_ok_roots(&md));
  md.sma[0] = -0.8; /* 1.0188 */
  CHECK(ts_arima_ok_roots(&md));
  md.spec = (ts_arima_spec){1, 0, 0, 1, 0, 0, 24, 0};
  md.ar[0] = 0.5;
  md.sar[0] = 0.7; /* 1.0150 */
  CHECK(ts_arima_ok_roots(&md));
  md.sar[0] = 0.9; /* 1.0044 */
  CHECK(!ts_arima_ok_roots(&md));
}

/* ts_arima.h 10. */
static void test_names(void) {
  char b[48];
  ts_arima_spec s = {2, 1, 1, 0, 1, 1, 24, 1};
  ts_arima_name(&s, b);
  CHECK_STR(b, "ARIMA(2,1,1)(0,1,1)[24] with drift");
  s = (ts_arima_spec){1, 0, 0, 0, 0, 0, 1, 1};
  ts_arima_name(&s, b);
  CHECK_STR(b, "ARIMA(1,0,0) with non-zero mean");
  s.constant = 0;
  ts_arima_name(&s, b);
  CHECK_STR(b, "ARIMA(1,0,0) with zero mean");
  s = (ts_arima_spec){0, 2, 2, 0, 0, 0, 12, 0};
  ts_arima_name(&s, b);
  CHECK_STR(b, "ARIMA(0,2,2)");
  s = (ts_arima_spec){5, 0, 5, 2, 0, 2, 400, 1};
  ts_arima_name(&s, b);
  CHECK_STR(b, "ARIMA(5,0,5)(2,0,2)[400] with non-zero mean");
}

/* ts_arima.h 11 (and 5's determinism). */
static void test_errors(void) {
  double y[40];
  uint64_t st = 3;
  ts_arima_model md, m2;
  om_err err;
  ts_arima_spec sp = {1, 0, 1, 0, 0, 0, 1, 1};
  for (int t = 0; t < 40; t++) y[t] = om_test_unif(&st);
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_CSS_ML, NULL, &md, &err) == OM_OK);
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_CSS_ML, NULL, &m2, &err) == OM_OK);
  CHECK(memcmp(&md, &m2, sizeof md) == 0);
  sp.p = 6;
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  sp = (ts_arima_spec){1, 2, 0, 0, 0, 0, 1, 1}; /* constant with d = 2 */
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  sp = (ts_arima_spec){0, 0, 0, 1, 0, 0, 1, 0}; /* a seasonal order without a period */
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  sp = (ts_arima_spec){0, 0, 0, 0, 1, 0, 401, 0};
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  sp = (ts_arima_spec){2, 0, 2, 0, 0, 0, 1, 1}; /* needs 8 points */
  CHECK(ts_arima_fit(y, 7, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  CHECK(strstr(err.msg, "too few") != NULL);
  CHECK(ts_arima_fit(y, 8, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_OK);
  sp = (ts_arima_spec){0, 0, 0, 0, 1, 0, 12, 0}; /* 12 points go to the difference */
  CHECK(ts_arima_fit(y, 14, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  CHECK(ts_arima_fit(y, 15, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_OK);
  sp = (ts_arima_spec){1, 0, 0, 0, 0, 0, 1, 1};
  CHECK(ts_arima_fit(y, 40, &sp, 7, NULL, &md, &err) == OM_INVALID);
  y[5] = NAN;
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  CHECK(strstr(err.msg, "non-finite") != NULL);
  for (int t = 0; t < 40; t++) y[t] = 3 + 0.5 * t; /* a line: constant differences */
  sp = (ts_arima_spec){0, 1, 1, 0, 0, 0, 1, 1};
  CHECK(ts_arima_fit(y, 40, &sp, TS_ARIMA_ML, NULL, &md, &err) == OM_INVALID);
  CHECK(strstr(err.msg, "constant") != NULL);
  {
    double f[2];
    md.spec = (ts_arima_spec){0, 1, 0, 0, 0, 0, 1, 0};
    md.sigma2 = 1;
    CHECK(ts_arima_forecast(&md, y, 40, 2, 1.0, f, f, f, &err) == OM_INVALID);
  }
}

static int stop_now(void *arg) {
  (void)arg;
  return 1;
}

static void test_interrupt(void) {
  const arima_ref_case *c = &arima_ref_cases[0];
  ts_arima_spec sp = spec8(c->spec);
  ts_arima_model md;
  om_err err;
  om_interrupt it = {stop_now, NULL};
  CHECK(ts_arima_fit(c->y, (size_t)c->n, &sp, TS_ARIMA_CSS_ML, &it, &md, &err) == OM_INTERRUPTED);
}

/* ts_arima.h 11: every allocation failing in turn. */
static void test_oom(void) {
  const arima_ref_case *c = &arima_ref_cases[5];
  ts_arima_spec sp = spec8(c->spec);
  long start = om_test_alloc_live;
  int nomem = 0;
  for (long k = 1; k < 6; k++) {
    ts_arima_model md, mr = ref_model(c);
    double f[4], lo[4], hi[4], *fit = malloc((size_t)c->n * sizeof *fit);
    om_err err;
    om_status s1, s2, s3;
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    s1 = ts_arima_fit(c->y, (size_t)c->n, &sp, TS_ARIMA_CSS_ML, NULL, &md, &err);
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    s2 = ts_arima_forecast(&mr, c->y, (size_t)c->n, 4, 0.9, f, lo, hi, &err);
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    s3 = ts_arima_insample(&mr, c->y, (size_t)c->n, fit, NULL, &err);
    om_test_alloc_fail_at = 0;
    CHECK(s1 == OM_OK || s1 == OM_NOMEM);
    CHECK(s2 == OM_OK || s2 == OM_NOMEM);
    CHECK(s3 == OM_OK || s3 == OM_NOMEM);
    nomem += (s1 == OM_NOMEM) + (s2 == OM_NOMEM) + (s3 == OM_NOMEM);
    CHECK_MSG(om_test_alloc_live == start, "allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
    free(fit);
  }
  CHECK(nomem >= 3);
}

int main(void) {
  test_differencing();
  test_likelihood_closed_form();
  test_css_by_hand();
  test_loglik_statsmodels();
  test_fit_statsmodels();
  test_forecast_statsmodels();
  test_roots();
  test_names();
  test_errors();
  test_interrupt();
  test_oom();
  return om_test_finish();
}
