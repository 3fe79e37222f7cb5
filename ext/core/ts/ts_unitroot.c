/*
** ts_unitroot.c — KPSS, ndiffs, seasonal strength, nsdiffs (spec:
** ts_unitroot.h).
*/
#include "ts_unitroot.h"

#include <math.h>
#include <string.h>

#include "ts_decomp.h"

static int all_finite(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

/* ------------------------------------------------------------ KPSS (1) */

double ts_kpss_stat(const double *x, size_t n, int lags) {
  double mean = 0, s = 0, eta = 0, s2 = 0;
  if (n < 2 || lags < 0 || (size_t)lags >= n || !all_finite(x, n)) return NAN;
  for (size_t t = 0; t < n; t++) mean += x[t];
  mean /= (double)n;
  for (size_t t = 0; t < n; t++) {
    double e = x[t] - mean;
    s += e;
    eta += s * s;
    s2 += e * e;
  }
  eta /= (double)n * (double)n;
  for (int i = 1; i <= lags; i++) {
    double c = 0;
    for (size_t t = (size_t)i; t < n; t++) c += (x[t] - mean) * (x[t - (size_t)i] - mean);
    s2 += 2 * c * (1.0 - (double)i / (lags + 1.0));
  }
  s2 /= (double)n;
  if (!(s2 > 0)) return NAN;
  return eta / s2;
}

/* ------------------------------------------------------------ constant (2) */

int ts_is_constant(const double *x, size_t n) {
  double d = 0, xn;
  if (n <= 1) return 1;
  xn = fabs(x[0]);
  for (size_t t = 0; t < n; t++) d += fabs(x[t] - x[0]);
  d /= (double)n;
  if (xn > 1.5e-8) d /= xn;
  return d <= 1.5e-8;
}

/* ------------------------------------------------------------ ndiffs (3) */

int ts_ndiffs_lags(size_t n) { return (int)trunc(3.0 * sqrt((double)n) / 13.0); }

static int kpss_says_difference(const double *x, size_t n) {
  double st = ts_kpss_stat(x, n, ts_ndiffs_lags(n));
  return st > TS_KPSS_CRIT_05; /* NaN: no */
}

om_status ts_ndiffs(const double *x, size_t n, int max_d, int *d, om_err *err) {
  double *w;
  size_t len = n;
  int dd = 0, go;
  *d = 0;
  if (n < 2) return om_errf(err, OM_INVALID, "%zu observations are too few to test for a unit root (at least 2)", n);
  if (!all_finite(x, n)) return om_errf(err, OM_INVALID, "the series holds a non-finite value");
  if (max_d < 0 || (size_t)max_d >= n)
    return om_errf(err, OM_INVALID, "max_d %d is outside 0..%zu for %zu observations", max_d, n - 1, n);
  if (ts_is_constant(x, n)) return OM_OK;
  go = kpss_says_difference(x, n);
  if (!go || max_d == 0) return OM_OK;
  w = om_malloc_array(n, sizeof *w);
  if (!w) return om_errf(err, OM_NOMEM, "out of memory");
  memcpy(w, x, n * sizeof *w);
  while (go && dd < max_d) {
    dd++;
    for (size_t t = 0; t + 1 < len; t++) w[t] = w[t + 1] - w[t];
    len--;
    if (ts_is_constant(w, len)) break;
    go = kpss_says_difference(w, len);
  }
  om_free(w);
  *d = dd;
  return OM_OK;
}

/* ------------------------------------------------------------ strength (4, 5) */


om_status ts_seasonal_strength(const double *x, size_t n, int m, double *strength, om_err *err) {
  double *idx, *cnt, mean = 0, mr = 0, ms = 0, vr = 0, vs = 0, k = 0;
  size_t h;
  *strength = 0;
  if (m < 2 || n <= 2 * (size_t)m)
    return om_errf(err, OM_INVALID, "%zu observations are too few for a season of %d (more than %d)", n, m, 2 * m);
  if (!all_finite(x, n)) return om_errf(err, OM_INVALID, "the series holds a non-finite value");
  h = (size_t)m / 2;
  idx = om_calloc((size_t)m, sizeof *idx);
  cnt = om_calloc((size_t)m, sizeof *cnt);
  if (!idx || !cnt) {
    om_free(idx);
    om_free(cnt);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  for (size_t t = h; t + h < n; t++) {
    idx[t % (size_t)m] += x[t] - ts_centred_ma(x, t, m);
    cnt[t % (size_t)m] += 1;
  }
  for (int j = 0; j < m; j++) {
    idx[j] /= cnt[j]; /* n > 2m: every position has a point */
    mean += idx[j];
  }
  mean /= m;
  for (int j = 0; j < m; j++) idx[j] -= mean;
  /* two-pass variances of R and R + S over the points with a trend */
  for (size_t t = h; t + h < n; t++) {
    double s = x[t] - ts_centred_ma(x, t, m), r = s - idx[t % (size_t)m];
    mr += r;
    ms += s;
    k += 1;
  }
  mr /= k;
  ms /= k;
  for (size_t t = h; t + h < n; t++) {
    double s = x[t] - ts_centred_ma(x, t, m), r = s - idx[t % (size_t)m];
    vr += (r - mr) * (r - mr);
    vs += (s - ms) * (s - ms);
  }
  om_free(idx);
  om_free(cnt);
  if (vs > 0) {
    double v = 1 - vr / vs;
    *strength = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return OM_OK;
}

om_status ts_nsdiffs(const double *x, size_t n, int m, int *D, om_err *err) {
  double s;
  om_status st;
  *D = 0;
  if (!all_finite(x, n)) return om_errf(err, OM_INVALID, "the series holds a non-finite value");
  if (m < 2 || n <= 2 * (size_t)m || ts_is_constant(x, n)) return OM_OK;
  st = ts_seasonal_strength(x, n, m, &s, err);
  if (st != OM_OK) return st;
  *D = s > TS_SEAS_THRESHOLD;
  return OM_OK;
}
