/*
** ts_theta.c — the Theta method as statsmodels' ThetaModel (spec:
** ts_theta.h).
*/
#include "ts_theta.h"

#include <math.h>
#include <string.h>

#include "ts_decomp.h"
#include "ts_dist.h"

#define THETA_ALPHA_LO 1e-4
#define THETA_ALPHA_HI 0.9999
#define THETA_MA_LIM 0.9999
#define THETA_CHI2_90 2.705543454095404
#define THETA_GOLD 0.3819660112501051 /* (3 - sqrt 5) / 2 */

typedef double (*scalar_fn)(double x, const double *y, size_t n);

/* A grid of k points on [lo, hi], then golden section on the bracket around
** the best to a width of 1e-12 (the grid point is kept if better). */
static om_status minimise(scalar_fn f, const double *y, size_t n, double lo, double hi, int k, const om_interrupt *it,
                          double *xbest) {
  double best = INFINITY, xb = lo, step = (hi - lo) / (k - 1), a, b, c, d, fc, fd;
  for (int i = 0; i < k; i++) {
    double x = i == k - 1 ? hi : lo + step * i, v = f(x, y, n);
    if ((i & 15) == 0 && om_interrupted(it)) return OM_INTERRUPTED;
    if (v < best) {
      best = v;
      xb = x;
    }
  }
  a = xb - step > lo ? xb - step : lo;
  b = xb + step < hi ? xb + step : hi;
  c = a + THETA_GOLD * (b - a);
  d = b - THETA_GOLD * (b - a);
  fc = f(c, y, n);
  fd = f(d, y, n);
  while (b - a > 1e-12) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = a + THETA_GOLD * (b - a);
      fc = f(c, y, n);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = b - THETA_GOLD * (b - a);
      fd = f(d, y, n);
    }
  }
  if (fc <= fd && fc <= best) xb = c;
  else if (fd < fc && fd <= best) xb = d;
  *xbest = xb;
  return OM_OK;
}

/* ------------------------------------------------------------ SES (4) */

static double ses_run(double alpha, const double *y, size_t n, double *level) {
  double l = y[0], sse = 0;
  for (size_t t = 1; t < n; t++) {
    double e = y[t] - l;
    sse += e * e;
    l += alpha * e;
  }
  if (level) *level = l;
  return sse;
}

static double ses_sse(double alpha, const double *y, size_t n) { return ses_run(alpha, y, n, NULL); }

/* ------------------------------------------------------------ ARIMA(0,1,1) + drift (5) */

/* The profile -2 log likelihood (less constants) of the MA(1) coefficient
** th for the differences z[0, n), and the variance and drift behind it. */
static double ma1_profile(double th, const double *z, size_t n, double *s2, double *drift) {
  double v = 1 + th * th, ea = z[0], eb = 1, sab, sbb, saa, slog, c, s;
  sab = ea * eb / v;
  sbb = eb * eb / v;
  saa = ea * ea / v;
  slog = log(v);
  for (size_t t = 1; t < n; t++) {
    double k = th / v;
    ea = z[t] - k * ea;
    eb = 1 - k * eb;
    v = 1 + th * th - th * k;
    sab += ea * eb / v;
    sbb += eb * eb / v;
    saa += ea * ea / v;
    slog += log(v);
  }
  c = sab / sbb;
  s = saa - c * sab;
  if (s2) *s2 = s / (double)n;
  if (drift) *drift = c;
  if (!(s > 0)) return INFINITY;
  return (double)n * log(s / (double)n) + slog;
}

static double ma1_objective(double th, const double *z, size_t n) { return ma1_profile(th, z, n, NULL, NULL); }

/* ------------------------------------------------------------ seasonality (1, 2) */

static int season_test(const double *y, size_t n, int m, double *stat) {
  double mean = 0, c0 = 0, den = 0, rm = 0;
  *stat = NAN;
  if (m < 2 || n < 2 * (size_t)m) return 0;
  for (size_t t = 0; t < n; t++) mean += y[t];
  mean /= (double)n;
  for (size_t t = 0; t < n; t++) c0 += (y[t] - mean) * (y[t] - mean);
  if (!(c0 > 0)) return 0;
  for (int k = 0; k <= m; k++) {
    double c = 0, r;
    for (size_t t = (size_t)k; t < n; t++) c += (y[t] - mean) * (y[t - (size_t)k] - mean);
    r = c / c0;
    if (k < m) den += r * r;
    else rm = r;
  }
  *stat = (double)n * rm * rm / den;
  return *stat > THETA_CHI2_90;
}


/* Indices of period m into idx (cnt: m scratch); mul: ratios normalised to
** mean 1, else differences to mean 0.  Returns the smallest index. */
static double indices(const double *y, size_t n, int m, int mul, double *idx, double *cnt) {
  size_t h = (size_t)m / 2;
  double mean = 0, lo = INFINITY;
  memset(idx, 0, (size_t)m * sizeof *idx);
  memset(cnt, 0, (size_t)m * sizeof *cnt);
  for (size_t t = h; t + h < n; t++) {
    double tr = ts_centred_ma(y, t, m);
    idx[t % (size_t)m] += mul ? y[t] / tr : y[t] - tr;
    cnt[t % (size_t)m] += 1;
  }
  for (int j = 0; j < m; j++) {
    idx[j] /= cnt[j];
    mean += idx[j];
  }
  mean /= m;
  for (int j = 0; j < m; j++) {
    idx[j] = mul ? idx[j] / mean : idx[j] - mean;
    if (idx[j] < lo) lo = idx[j];
  }
  return lo;
}

/* ------------------------------------------------------------ fit */

om_status ts_theta_fit(const double *y, size_t n, int m, const ts_theta_opts *opts, const om_interrupt *it,
                       ts_theta_model *out, om_err *err) {
  double *w = NULL, *z, *cnt, ymin = INFINITY, tbar, ybar = 0, sxy = 0, sxx = 0;
  om_status st;
  memset(out, 0, sizeof *out);
  out->acf_stat = NAN;
  if (n < 4) return om_errf(err, OM_INVALID, "%zu observations are too few for the Theta method (at least 4)", n);
  if (m < 1) return om_errf(err, OM_INVALID, "season length %d must be at least 1", m);
  for (size_t t = 0; t < n; t++) {
    if (!isfinite(y[t])) return om_errf(err, OM_INVALID, "observation %zu is not finite", t + 1);
    if (y[t] < ymin) ymin = y[t];
  }
  if (opts && (opts->alpha < 0 || opts->alpha > 1 || isnan(opts->alpha) || !(opts->sigma2 >= 0)))
    return om_errf(err, OM_INVALID, "alpha must be in (0, 1] and sigma2 positive when given");
  out->m = m;
  out->n = n;
  w = om_malloc_array(n + (size_t)m, sizeof *w);
  if (!w) return om_errf(err, OM_NOMEM, "out of memory");
  cnt = w + n;
  /* 1, 2: the adjusted series into w */
  if (season_test(y, n, m, &out->acf_stat)) {
    out->idx = om_malloc_array((size_t)m, sizeof *out->idx);
    if (!out->idx) {
      om_free(w);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    out->season = ymin > 0 ? TS_MUL : TS_ADD;
    if (out->season == TS_MUL && !(indices(y, n, m, 1, out->idx, cnt) > 0)) out->season = TS_ADD;
    if (out->season == TS_ADD) indices(y, n, m, 0, out->idx, cnt);
    for (size_t t = 0; t < n; t++)
      w[t] = out->season == TS_MUL ? y[t] / out->idx[t % (size_t)m] : y[t] - out->idx[t % (size_t)m];
  } else {
    memcpy(w, y, n * sizeof *w);
  }
  /* 3: OLS slope on 0 .. n-1 */
  tbar = (double)(n - 1) / 2;
  for (size_t t = 0; t < n; t++) ybar += w[t];
  ybar /= (double)n;
  for (size_t t = 0; t < n; t++) {
    sxy += ((double)t - tbar) * (w[t] - ybar);
    sxx += ((double)t - tbar) * ((double)t - tbar);
  }
  out->b0 = sxy / sxx;
  /* 4: SES */
  if (opts && opts->alpha > 0) {
    out->alpha = opts->alpha;
  } else {
    st = minimise(ses_sse, w, n, THETA_ALPHA_LO, THETA_ALPHA_HI, 200, it, &out->alpha);
    if (st != OM_OK) goto fail;
  }
  out->mse = ses_run(out->alpha, w, n, &out->level) / (double)n;
  /* 5: ARIMA(0,1,1) + drift on the raw differences (w is free now) */
  z = w;
  for (size_t t = 0; t + 1 < n; t++) z[t] = y[t + 1] - y[t];
  st = minimise(ma1_objective, z, n - 1, -THETA_MA_LIM, THETA_MA_LIM, 400, it, &out->ma);
  if (st != OM_OK) goto fail;
  ma1_profile(out->ma, z, n - 1, &out->sigma2, &out->drift);
  if (opts && opts->sigma2 > 0) out->sigma2 = opts->sigma2;
  om_free(w);
  return OM_OK;
fail:
  om_free(w);
  ts_theta_free(out);
  return st == OM_INTERRUPTED ? om_errf(err, st, "interrupted") : st;
}

void ts_theta_free(ts_theta_model *md) {
  if (!md) return;
  om_free(md->idx);
  md->idx = NULL;
}

/* ------------------------------------------------------------ forecasts (6, 7) */

static double reseason(const ts_theta_model *md, double v, size_t t) {
  if (md->season == TS_MUL) return v * md->idx[t % (size_t)md->m];
  if (md->season == TS_ADD) return v + md->idx[t % (size_t)md->m];
  return v;
}

om_status ts_theta_forecast(const ts_theta_model *md, size_t h, double coverage, double *f, double *lo, double *hi,
                            om_err *err) {
  double a = md->alpha, z = 0, tail;
  if ((lo || hi) && !(coverage > 0 && coverage < 1))
    return om_errf(err, OM_INVALID, "coverage %g is outside (0, 1)", coverage);
  if (lo || hi) z = ts_norm_ppf(0.5 + coverage / 2);
  tail = (1 - pow(1 - a, (double)md->n)) / a; /* 1/alpha - (1 - alpha)^n / alpha */
  for (size_t i = 0; i < h; i++) {
    double v = reseason(md, md->level + 0.5 * md->b0 * ((double)i + tail), md->n + i);
    double sd = sqrt(md->sigma2 * (1 + (double)i * (1 + (a - 1) * (a - 1))));
    f[i] = v;
    if (lo) lo[i] = v - z * sd;
    if (hi) hi[i] = v + z * sd;
  }
  return OM_OK;
}

om_status ts_theta_insample(const ts_theta_model *md, const double *y, size_t n, double *fit, double *sd, om_err *err) {
  double a = md->alpha, l = 0, decay = 1, s = sqrt(md->sigma2);
  if (n != md->n) return om_errf(err, OM_INVALID, "%zu observations given, the model was fitted on %zu", n, md->n);
  for (size_t t = 0; t < n; t++) {
    double w = md->season == TS_MUL   ? y[t] / md->idx[t % (size_t)md->m]
               : md->season == TS_ADD ? y[t] - md->idx[t % (size_t)md->m]
                                      : y[t];
    if (t == 0) l = w;
    if (fit) fit[t] = reseason(md, l + 0.5 * md->b0 * (1 - decay) / a, t);
    if (sd) sd[t] = s;
    l += a * (w - l);
    decay *= 1 - a;
  }
  return OM_OK;
}
