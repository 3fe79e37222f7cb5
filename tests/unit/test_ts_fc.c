/*
** test_ts_fc.c — the forecast model (ext/core/ts/ts_fc.h), its series
** preparation (ts_series.h), seasonal indices (ts_decomp.h) and codec
** (ts_fc_codec.c, ts_kind.c): regular grids, gaps and fill rules, season
** detection, decomposition of a known pattern, fit / forecast of each
** method, encode / decode round trips, every truncation and corrupted field
** refused, out-of-memory; the ARIMA search (ts_arima_auto.h) and the
** Box-Cox transform (ts_boxcox.h).
*/
#include <stdlib.h>

#include "mdl_kind.h"
#include "om_test.h"
#include "ts_arima_auto.h"
#include "ts_boxcox.h"
#include "ts_decomp.h"
#include "ts_fc.h"
#include "ts_series.h"

/* ts_series.h 1-3. */
static void test_series(void) {
  double t[6] = {30, 0, 10, 60, 40, 50}, v[6] = {3, 0, 1, 6, 4, 5};
  ts_series s;
  om_err err;
  /* times 0..60 by 10, 20 missing: linear fill gives 2 */
  CHECK(ts_series_build(t, v, 6, TS_FILL_LINEAR, &s, &err) == OM_OK);
  CHECK(s.n == 7 && s.step == 10 && s.t0 == 0 && s.filled == 1);
  CHECK(s.y[0] == 0 && s.y[1] == 1 && s.y[2] == 2 && s.y[3] == 3 && s.y[6] == 6);
  ts_series_free(&s);
  CHECK(ts_series_build(t, v, 6, TS_FILL_ZERO, &s, &err) == OM_OK);
  CHECK(s.y[2] == 0);
  ts_series_free(&s);
  CHECK(ts_series_build(t, v, 6, TS_FILL_PREVIOUS, &s, &err) == OM_OK);
  CHECK(s.y[2] == 1);
  ts_series_free(&s);
  /* duplicates, an irregular grid, a stray time */
  {
    double td[3] = {0, 10, 10}, vd[3] = {1, 2, 3}, ti[3] = {0, 10, 25}, ts[3] = {0, 1, 1e6};
    CHECK(ts_series_build(td, vd, 3, 0, &s, &err) == OM_INVALID && strstr(err.msg, "duplicate timestamp 10"));
    CHECK(ts_series_build(ti, vd, 3, 0, &s, &err) == OM_INVALID && strstr(err.msg, "regular grid"));
    CHECK(ts_series_build(ts, vd, 3, 0, &s, &err) == OM_INVALID && strstr(err.msg, "too sparse"));
    CHECK(s.y == NULL);
  }
  /* ts_series.h 6: first-of-month times are a calendar grid of months */
  {
    /* 2023-11-01, 2023-12-01, 2024-01-01, 2024-03-01 (February missing), 2024-04-01 */
    double tm[5] = {1698796800, 1701388800, 1704067200, 1709251200, 1711929600}, vm[5] = {1, 2, 3, 5, 6};
    double ty[3] = {1577836800, 1609459200, 1640995200}, vy[3] = {10, 20, 30}; /* 2020, 2021, 2022 */
    CHECK(ts_series_build(tm, vm, 5, TS_FILL_LINEAR, &s, &err) == OM_OK);
    CHECK(s.months == 1 && s.step == 1 && s.n == 6 && s.filled == 1 && s.y[3] == 4);
    CHECK(ts_series_time(s.t0, s.step, 1, 0) == 1698796800 && ts_series_time(s.t0, s.step, 1, 4) == 1709251200);
    CHECK(ts_series_time(s.t0, s.step, 1, 6) == 1714521600); /* 2024-05-01 */
    ts_series_free(&s);
    CHECK(ts_series_build(ty, vy, 3, TS_FILL_LINEAR, &s, &err) == OM_OK);
    CHECK(s.months == 1 && s.step == 12 && s.n == 3);
    CHECK(ts_series_time(s.t0, s.step, 1, 3) == 1672531200); /* 2023-01-01 */
    ts_series_free(&s);
    /* the 15th of each month is not a calendar grid: 28-31 days apart */
    tm[0] += 14 * 86400.0;
    CHECK(ts_series_build(tm, vm, 5, TS_FILL_LINEAR, &s, &err) == OM_INVALID);
  }
}

/* ts_series.h 4-5. */
static void test_seasons(void) {
  int c[4], p[TS_MAX_PERIODS];
  size_t n = 24 * 7 * 4;
  double *y = malloc(n * sizeof *y);
  uint64_t st = 5;
  CHECK(ts_season_candidates(3600, 0, c) == 2 && c[0] == 24 && c[1] == 168);
  CHECK(ts_season_candidates(900, 0, c) == 2 && c[0] == 96 && c[1] == 672);
  CHECK(ts_season_candidates(86400, 0, c) == 1 && c[0] == 7);
  CHECK(ts_season_candidates(604800, 0, c) == 1 && c[0] == 52);
  CHECK(ts_season_candidates(1, 1, c) == 1 && c[0] == 12);
  CHECK(ts_season_candidates(3, 1, c) == 1 && c[0] == 4);
  CHECK(ts_season_candidates(12, 1, c) == 0);
  CHECK(ts_season_candidates(7, 0, c) == 0);
  for (size_t t = 0; t < n; t++)
    y[t] = 10 * sin(2 * M_PI * (double)t / 24) + 6 * ((t / 24) % 7 >= 5) + om_test_unif(&st);
  CHECK(ts_season_detect(y, n, 3600, 0, p, NULL) == 2 && p[0] == 24 && p[1] == 168);
  /* white noise: nothing */
  for (size_t t = 0; t < n; t++) y[t] = om_test_unif(&st);
  CHECK(ts_season_detect(y, n, 3600, 0, p, NULL) == 0);
  /* no calendar candidate: no season, even for a clean cycle of 11 */
  for (size_t t = 0; t < 200; t++) y[t] = 5 * cos(2 * M_PI * (double)t / 11) + om_test_unif(&st);
  CHECK(ts_season_detect(y, 200, 1, 0, p, NULL) == 0);
  free(y);
}

/* ts_decomp.h 1: a known additive pattern is recovered. */
static void test_decomp(void) {
  size_t n = 96;
  int per[2] = {4, 12};
  double y[96], i4[4], i12[12], *idx[2] = {i4, i12};
  double p4[4] = {3, -1, -1, -1}, p12[12] = {5, 5, 5, -5, -5, -5, 2, 2, 2, -2, -2, -2};
  om_err err;
  for (size_t t = 0; t < n; t++) y[t] = 100 + 0.5 * (double)t + p4[t % 4] + p12[t % 12];
  /* one length: its zero-mean pattern exactly (the moving average takes out
  ** the line and the pattern) */
  for (size_t t = 0; t < n; t++) y[t] = 100 + 0.5 * (double)t + p12[t % 12];
  CHECK(ts_decomp(y, n, per + 1, 1, idx + 1, &err) == OM_OK);
  for (int j = 0; j < 12; j++) CHECK_MSG(fabs(i12[j] - p12[j]) < 1e-9, "index %d: %g", j, i12[j]);
  /* nested lengths (4 divides 12) share a pattern, as a day and a week do:
  ** the split is not unique, the sum is */
  for (size_t t = 0; t < n; t++) y[t] = 100 + 0.5 * (double)t + p4[t % 4] + p12[t % 12];
  CHECK(ts_decomp(y, n, per, 2, idx, &err) == OM_OK);
  for (int j = 0; j < 12; j++)
    CHECK_MSG(fabs(i4[j % 4] + i12[j] - p4[j % 4] - p12[j]) < 1e-9, "phase %d: %g", j, i4[j % 4] + i12[j]);
  CHECK(ts_decomp(y, 20, per + 1, 1, idx, &err) == OM_INVALID);
}

static ts_series make(size_t n, int seasonal) {
  ts_series s;
  uint64_t st = 11;
  memset(&s, 0, sizeof s);
  s.y = om_malloc(n * sizeof *s.y);
  s.n = n;
  s.t0 = 1700000000;
  s.step = 3600;
  for (size_t t = 0; t < n; t++)
    s.y[t] = 50 + 0.05 * (double)t + (seasonal ? 8 * sin(2 * M_PI * (double)t / 24) : 0) +
             (seasonal == 2 ? 5 * ((t / 24) % 7 >= 5) : 0) + 2 * om_test_unif(&st);
  return s;
}

/* Round trip and corruption of one model. */
static void check_codec(const ts_fc *m, const char *what) {
  om_wbuf w, w2;
  ts_fc d;
  om_err err;
  om_wbuf_init(&w);
  om_wbuf_init(&w2);
  ts_fc_encode(m, &w);
  CHECK(om_wbuf_status(&w) == OM_OK);
  CHECK_MSG(ts_fc_decode(w.data, w.len, &d, &err) == OM_OK, "%s: %s", what, err.msg);
  ts_fc_encode(&d, &w2);
  CHECK_MSG(w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0, "%s: re-encoding differs", what);
  {
    double f1[30], l1[30], h1[30], f2[30], l2[30], h2[30];
    CHECK(ts_fc_forecast(m, 30, 0.9, f1, l1, h1, &err) == OM_OK);
    CHECK(ts_fc_forecast(&d, 30, 0.9, f2, l2, h2, &err) == OM_OK);
    CHECK_MSG(memcmp(f1, f2, sizeof f1) == 0 && memcmp(l1, l2, sizeof l1) == 0, "%s: decoded forecasts differ", what);
  }
  ts_fc_free(&d);
  /* every truncation is refused, and so is a byte too many */
  for (size_t k = 0; k < w.len; k += (k < 200 ? 1 : 97))
    CHECK_MSG(ts_fc_decode(w.data, k, &d, &err) == OM_CORRUPT, "%s: truncated at %zu accepted", what, k);
  {
    uint8_t *x = malloc(w.len + 1);
    memcpy(x, w.data, w.len);
    x[w.len] = 0;
    CHECK(ts_fc_decode(x, w.len + 1, &d, &err) == OM_CORRUPT);
    /* corrupted header fields */
    x[0] = 9;
    CHECK(ts_fc_decode(x, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "method"));
    x[0] = w.data[0];
    x[5] = 1;
    CHECK(ts_fc_decode(x, w.len, &d, &err) == OM_CORRUPT);
    x[5] = 0;
    memset(x + 16, 0xff, 8); /* t0: NaN */
    CHECK(ts_fc_decode(x, w.len, &d, &err) == OM_CORRUPT);
    memcpy(x, w.data, w.len);
    if (m->core == TS_METHOD_ETS) {
      /* alpha: the 52-byte header, 12 bytes of version 2, the candidates,
      ** then the 8-byte component block */
      double bad = 1.5;
      memcpy(x + 52 + 12 + 24 * m->n_cand + 8, &bad, 8);
      CHECK_MSG(ts_fc_decode(x, w.len, &d, &err) == OM_CORRUPT && strstr(err.msg, "alpha"), "%s: %s", what, err.msg);
    }
    free(x);
  }
  om_wbuf_free(&w);
  om_wbuf_free(&w2);
}

/* ts_fc.h 1-3 for every method. */
static void test_methods(void) {
  static const struct {
    int method, seasonal, n_periods;
    const char *name;
  } cases[] = {
      {TS_METHOD_AUTO, 1, -1, "auto (one season)"}, {TS_METHOD_AUTO, 2, -1, "auto (mstl)"},
      {TS_METHOD_NAIVE, 0, 0, "naive"},             {TS_METHOD_SNAIVE, 1, 1, "snaive"},
      {TS_METHOD_ETS, 0, 0, "ets"},                 {TS_METHOD_ARIMA, 0, 0, "arima"},
      {TS_METHOD_ARIMA, 1, 1, "seasonal arima"},    {TS_METHOD_THETA, 1, 1, "theta"},
      {TS_METHOD_MSTL, 2, 2, "mstl"},               {TS_METHOD_AUTO, 1, 1, "auto, log"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    ts_series s = make(24 * 7 * 3, cases[c].seasonal);
    ts_fc_options o;
    ts_fc m;
    om_err err;
    ts_fc_options_default(&o);
    o.method = cases[c].method;
    o.n_periods = cases[c].n_periods;
    if (o.n_periods >= 1) o.periods[0] = 24;
    if (o.n_periods == 2) o.periods[1] = 168;
    if (c == 9) {
      o.transform = TS_TRANSFORM_BOXCOX;
      o.lambda = 0;
    }
    CHECK_MSG(ts_fc_fit(&s, 0, &o, NULL, &m, &err) == OM_OK, "%s: %s", cases[c].name, err.msg);
    CHECK(s.y == NULL); /* ownership moved */
    if (c == 0) CHECK(m.method == TS_METHOD_AUTO && m.n_periods == 1 && m.periods[0] == 24 && m.n_cand == 3);
    if (c == 1) CHECK(m.method == TS_METHOD_MSTL && m.n_periods == 2 && m.periods[0] == 24 && m.periods[1] == 168);
    if (c == 1 || c == 8) CHECK(m.adjusted && m.n_cand == 3);
    if (c == 5 || c == 6) CHECK(m.core == TS_METHOD_ARIMA && m.n_cand == 1);
    if (c == 6) CHECK(m.arima.spec.s == 24);
    if (c == 7) CHECK(m.core == TS_METHOD_THETA && m.theta.season != TS_NONE);
    if (c == 9) CHECK(m.transform == TS_TRANSFORM_BOXCOX && m.lambda == 0 && m.x != NULL);
    /* behaviour 1 / 6: the core is the family with the lowest common AICc */
    if (m.n_cand > 1) {
      int lowest = 0;
      for (int k = 1; k < m.n_cand; k++)
        if (m.cand[k].aicc < m.cand[lowest].aicc) lowest = k;
      CHECK_MSG(m.cand[lowest].family == m.core, "%s: core %d, lowest AICc family %d", cases[c].name, m.core,
                m.cand[lowest].family);
    }
    /* forecasts are finite and inside their intervals */
    {
      double f[48], lo[48], hi[48];
      CHECK(ts_fc_forecast(&m, 48, 0.9, f, lo, hi, &err) == OM_OK);
      for (int i = 0; i < 48; i++)
        CHECK_MSG(isfinite(f[i]) && lo[i] <= f[i] && f[i] <= hi[i], "%s: step %d: %g [%g, %g]", cases[c].name, i, f[i],
                  lo[i], hi[i]);
    }
    check_codec(&m, cases[c].name);
    /* the envelope through the kind table */
    {
      om_wbuf w;
      mdl_view v;
      const mdl_kind_def *k;
      void *dm;
      om_wbuf_init(&w);
      CHECK(ts_fc_write(&m, "{}", 2, 504, 0, &w, &err) == OM_OK);
      CHECK(mdl_decode(w.data, w.len, &v, &k, &dm, &err) == OM_OK && k->code == MDL_KIND_FORECAST);
      if (k) k->close(dm);
      mdl_view_free(&v);
      om_wbuf_free(&w);
    }
    ts_fc_free(&m);
  }
  /* a constant series is naive with sigma 0 */
  {
    ts_series s = make(50, 0);
    ts_fc_options o;
    ts_fc m;
    om_err err;
    double f[3], lo[3], hi[3];
    for (size_t t = 0; t < s.n; t++) s.y[t] = 4;
    ts_fc_options_default(&o);
    CHECK(ts_fc_fit(&s, 0, &o, NULL, &m, &err) == OM_OK && m.method == TS_METHOD_NAIVE && m.ets.sigma2 == 0);
    CHECK(ts_fc_forecast(&m, 3, 0.9, f, lo, hi, &err) == OM_OK && f[2] == 4 && lo[2] == 4 && hi[2] == 4);
    CHECK(ts_fc_forecast(&m, 3, 1.0, f, lo, hi, &err) == OM_INVALID);
    ts_fc_free(&m);
  }
}

/* A standard normal draw (Box-Muller). */
static double normal(uint64_t *st) {
  double u1 = 1 - om_test_unif(st), u2 = om_test_unif(st);
  return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* ts_arima_auto.h 1-4 on series whose model is known. */
static void test_arima_auto(void) {
  size_t n = 400;
  double *y = malloc(n * sizeof *y), e = 0;
  uint64_t st = 5;
  ts_arima_auto_opts o;
  ts_arima_model md;
  om_err err;
  int tried;
  /* AR(1) around 10, phi 0.7: stationary (d = 0), a mean, one AR term */
  y[0] = 10;
  for (size_t t = 1; t < n; t++) {
    e = normal(&st);
    y[t] = 10 + 0.7 * (y[t - 1] - 10) + e;
  }
  ts_arima_auto_defaults(&o, 1);
  CHECK_MSG(ts_arima_auto(y, n, &o, NULL, &md, &tried, &err) == OM_OK, "%s", err.msg);
  CHECK_MSG(md.spec.d == 0 && md.spec.p >= 1 && md.spec.constant && fabs(md.mu - 10) < 0.5, "AR(1): (%d,%d,%d) mu %g",
            md.spec.p, md.spec.d, md.spec.q, md.mu);
  CHECK(tried >= 5 && tried <= o.max_models + 5);
  /* a random walk: one difference */
  y[0] = 0;
  for (size_t t = 1; t < n; t++) y[t] = y[t - 1] + normal(&st);
  CHECK(ts_arima_auto(y, n, &o, NULL, &md, &tried, &err) == OM_OK && md.spec.d == 1);
  /* a strong season of 12: one seasonal difference */
  for (size_t t = 0; t < n; t++) y[t] = 20 * sin(2 * M_PI * (double)(t % 12) / 12) + normal(&st);
  ts_arima_auto_defaults(&o, 12);
  CHECK(ts_arima_auto(y, n, &o, NULL, &md, &tried, &err) == OM_OK && md.spec.D == 1 && md.spec.s == 12);
  /* the budget: at most max_models fits in the search */
  o.max_models = 3;
  CHECK(ts_arima_auto(y, n, &o, NULL, &md, &tried, &err) == OM_OK && tried <= 3 + 5);
  /* fixed orders: that model */
  ts_arima_auto_defaults(&o, 1);
  o.p = 2;
  o.q = 0;
  o.P = o.Q = 0;
  o.d = 1;
  o.D = 0;
  CHECK(ts_arima_auto(y, n, &o, NULL, &md, &tried, &err) == OM_OK && md.spec.p == 2 && md.spec.d == 1 &&
        md.spec.q == 0 && tried == 1);
  free(y);
}

/* ts_boxcox.h 1-3. */
static void test_boxcox(void) {
  double y[240];
  uint64_t st = 9;
  CHECK(ts_boxcox(M_E, 0) == 1 && ts_boxcox(4, 0.5) == 2);
  CHECK_CLOSE(ts_boxcox_inv(ts_boxcox(3.7, 0.3), 0.3), 3.7, 1e-14);
  CHECK_CLOSE(ts_boxcox_inv(ts_boxcox(3.7, -0.5), -0.5), 3.7, 1e-14);
  CHECK(ts_boxcox_inv(-10, 0.5) == 0 && isinf(ts_boxcox_inv(10, -0.5)));
  CHECK(ts_boxcox_ok(y, 0, 0));
  y[0] = 0;
  CHECK(!ts_boxcox_ok(y, 1, 0) && ts_boxcox_ok(y, 1, 0.5));
  /* a level that grows 20-fold with a noise proportional to it: sd /
  ** mean is constant, so Guerrero's lambda is near 0 (the log) */
  for (int t = 0; t < 240; t++) y[t] = exp(3 * t / 240.0) * (10 + 3 * sin(2 * M_PI * t / 12.0) + om_test_unif(&st));
  CHECK_MSG(fabs(ts_boxcox_lambda(y, 240, 12)) < 0.15, "lambda %g", ts_boxcox_lambda(y, 240, 12));
  /* an additive noise of constant size: lambda near 1 */
  for (int t = 0; t < 240; t++) y[t] = 100 + t + 10 * sin(2 * M_PI * t / 12.0) + 2 * om_test_unif(&st);
  CHECK_MSG(ts_boxcox_lambda(y, 240, 12) > 0.6, "lambda %g", ts_boxcox_lambda(y, 240, 12));
  /* too short, or a negative value: 1 */
  CHECK(ts_boxcox_lambda(y, 12, 12) == 1);
  y[5] = -1;
  CHECK(ts_boxcox_lambda(y, 240, 12) == 1);
}

/* ts_fc.h 9: the transform 'auto' (the default) fits y and its square root
** and keeps the lower one-step in-sample MAE on y's scale. */
static double mae_of(const ts_fc *m, const ts_fc *other) {
  size_t n = m->n, used = 0;
  double *w = om_malloc(6 * n * sizeof *w), s = 0;
  om_err err;
  CHECK(w != NULL);
  if (!w) return NAN;
  CHECK(ts_fc_insample(m, w, w + n, w + 2 * n, &err) == OM_OK);
  CHECK(ts_fc_insample(other, w + 3 * n, w + 4 * n, w + 5 * n, &err) == OM_OK);
  for (size_t t = 0; t < n; t++)
    if (isfinite(w[t]) && isfinite(w[3 * n + t])) {
      s += fabs(m->y[t] - w[t]);
      used++;
    }
  om_free(w);
  return s / (double)used;
}

static ts_series bursty(size_t n, uint64_t seed) {
  ts_series s = make(n, 0);
  for (size_t t = 0; t < n; t++) {
    double rate = (t % 24) >= 8 && (t % 24) < 18 ? 6 : 0.3, e = -log(1 - om_test_unif(&seed));
    s.y[t] = floor(rate * e * e); /* skewed counts: many zeros, bursts */
  }
  return s;
}

static void fit_with(ts_series *src, int method, int transform, double lambda, ts_fc *m) {
  ts_series s = *src;
  ts_fc_options o;
  om_err err;
  s.y = om_malloc(src->n * sizeof *s.y);
  memcpy(s.y, src->y, src->n * sizeof *s.y);
  ts_fc_options_default(&o);
  o.method = method;
  o.transform = transform;
  o.lambda = lambda;
  CHECK_MSG(ts_fc_fit(&s, 0, &o, NULL, m, &err) == OM_OK, "%s", err.msg);
  ts_series_free(&s);
}

static void test_transform_auto(void) {
  ts_series s = bursty(24 * 7 * 4, 5);
  ts_fc a, none, root, th_none, th_root;
  double fa[24], fb[24], lo[24], hi[24], mae_none, mae_root;
  om_err err;
  fit_with(&s, TS_METHOD_AUTO, TS_TRANSFORM_AUTO, NAN, &a);
  fit_with(&s, TS_METHOD_AUTO, TS_TRANSFORM_NONE, NAN, &none);
  fit_with(&s, TS_METHOD_AUTO, TS_TRANSFORM_BOXCOX, 0.5, &root);
  fit_with(&s, TS_METHOD_THETA, TS_TRANSFORM_NONE, NAN, &th_none);
  fit_with(&s, TS_METHOD_THETA, TS_TRANSFORM_BOXCOX, 0.5, &th_root);
  mae_none = mae_of(&th_none, &th_root);
  mae_root = mae_of(&th_root, &th_none);
  /* 9: Theta's lower MAE decides the scale; on these counts the square root */
  CHECK_MSG(mae_root < mae_none, "mae root %g none %g", mae_root, mae_none);
  CHECK(a.transform == TS_TRANSFORM_BOXCOX && a.lambda == 0.5);
  CHECK(a.tried == root.tried + 2);
  CHECK(ts_fc_forecast(&a, 24, 0.9, fa, lo, hi, &err) == OM_OK);
  CHECK(ts_fc_forecast(&root, 24, 0.9, fb, lo, hi, &err) == OM_OK);
  CHECK(memcmp(fa, fb, sizeof fa) == 0);
  /* forecasts are medians: never negative */
  for (int k = 0; k < 24; k++) CHECK(fa[k] >= 0);
  ts_fc_free(&a);
  ts_fc_free(&none);
  ts_fc_free(&root);
  ts_fc_free(&th_none);
  ts_fc_free(&th_root);
  /* 9: another method, or a negative value: no transform, no Theta fits */
  fit_with(&s, TS_METHOD_ETS, TS_TRANSFORM_AUTO, NAN, &a);
  CHECK(a.transform == TS_TRANSFORM_NONE);
  ts_fc_free(&a);
  s.y[7] = -1;
  fit_with(&s, TS_METHOD_AUTO, TS_TRANSFORM_AUTO, NAN, &a);
  fit_with(&s, TS_METHOD_AUTO, TS_TRANSFORM_NONE, NAN, &none);
  CHECK(a.transform == TS_TRANSFORM_NONE && a.tried == none.tried);
  ts_fc_free(&a);
  ts_fc_free(&none);
  ts_series_free(&s);
  /* 9: a symmetric series (make(): a sine plus uniform noise) keeps y */
  s = make(24 * 7 * 3, 1);
  fit_with(&s, TS_METHOD_AUTO, TS_TRANSFORM_AUTO, NAN, &a);
  fit_with(&s, TS_METHOD_THETA, TS_TRANSFORM_NONE, NAN, &th_none);
  fit_with(&s, TS_METHOD_THETA, TS_TRANSFORM_BOXCOX, 0.5, &th_root);
  CHECK(!(mae_of(&th_root, &th_none) < mae_of(&th_none, &th_root)));
  CHECK(a.transform == TS_TRANSFORM_NONE);
  ts_fc_free(&a);
  ts_fc_free(&th_none);
  ts_fc_free(&th_root);
  ts_series_free(&s);
}

static void test_oom(void) {
  long start = om_test_alloc_live;
  int nomem = 0;
  for (long k = 1; k < 30; k++) {
    ts_series s = make(24 * 7 * 3, 2);
    ts_fc_options o;
    ts_fc m;
    om_err err;
    om_status st;
    ts_fc_options_default(&o);
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    st = ts_fc_fit(&s, 0, &o, NULL, &m, &err);
    om_test_alloc_fail_at = 0;
    nomem += st == OM_NOMEM;
    CHECK(st == OM_OK || st == OM_NOMEM);
    ts_fc_free(&m);
    ts_series_free(&s);
    CHECK_MSG(om_test_alloc_live == start, "allocation %ld: %ld blocks leaked", k, om_test_alloc_live - start);
  }
  CHECK(nomem >= 3);
}

int main(void) {
  test_series();
  test_seasons();
  test_decomp();
  test_methods();
  test_arima_auto();
  test_transform_auto();
  test_boxcox();
  test_oom();
  return om_test_finish();
}
