/*
** ts_decomp.c — classical (moving-average) seasonal indices (spec: ts_decomp.h).
*/
#include "ts_decomp.h"

#include <string.h>

/* Indices of period p of x[0, n) into idx[p]. */
static void indices(const double *x, size_t n, int p, double *idx, double *cnt) {
  size_t h = (size_t)p / 2;
  double run = 0, mean = 0;
  memset(idx, 0, (size_t)p * sizeof *idx);
  memset(cnt, 0, (size_t)p * sizeof *cnt);
  /* a running sum of the window [t - h, t + h] (odd p) or of
  ** [t - h + 1, t + h - 1] plus half of both ends (even p) */
  for (size_t t = h; t + h < n; t++) {
    double ma;
    if (t == h) {
      run = 0;
      for (size_t i = t - h + (p % 2 ? 0 : 1); i <= t + h - (p % 2 ? 0 : 1); i++) run += x[i];
    } else {
      run += x[t + h - (p % 2 ? 0 : 1)] - x[t - h - (p % 2 ? 1 : 0)];
    }
    ma = p % 2 ? run / p : (run + 0.5 * x[t - h] + 0.5 * x[t + h]) / p;
    idx[t % (size_t)p] += x[t] - ma;
    cnt[t % (size_t)p] += 1;
  }
  for (int j = 0; j < p; j++) {
    idx[j] = cnt[j] > 0 ? idx[j] / cnt[j] : 0;
    mean += idx[j] / p;
  }
  for (int j = 0; j < p; j++) idx[j] -= mean;
}

om_status ts_decomp(const double *y, size_t n, const int *periods, int k, double **idx, om_err *err) {
  double *x, *cnt;
  int pmax = 0;
  for (int i = 0; i < k; i++) {
    if (periods[i] < 2 || (size_t)periods[i] * 2 > n)
      return om_errf(err, OM_INVALID, "%zu points are too few for a season of %d (at least %d)", n, periods[i],
                     2 * periods[i]);
    if (periods[i] > pmax) pmax = periods[i];
    memset(idx[i], 0, (size_t)periods[i] * sizeof(double));
  }
  x = om_malloc_array(n, sizeof *x);
  cnt = om_malloc_array((size_t)pmax, sizeof *cnt);
  if (!x || !cnt) {
    om_free(x);
    om_free(cnt);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  for (int iter = 0; iter < (k > 1 ? 2 : 1); iter++) {
    for (int i = 0; i < k; i++) {
      /* y less every other period's current indices */
      for (size_t t = 0; t < n; t++) {
        double v = y[t];
        for (int o = 0; o < k; o++)
          if (o != i) v -= idx[o][t % (size_t)periods[o]];
        x[t] = v;
      }
      indices(x, n, periods[i], idx[i], cnt);
    }
  }
  om_free(x);
  om_free(cnt);
  return OM_OK;
}

double ts_centred_ma(const double *x, size_t t, int m) {
  size_t h = (size_t)m / 2;
  double s = 0;
  if (m % 2) {
    for (size_t i = t - h; i <= t + h; i++) s += x[i];
  } else {
    s = 0.5 * x[t - h] + 0.5 * x[t + h];
    for (size_t i = t - h + 1; i < t + h; i++) s += x[i];
  }
  return s / m;
}
