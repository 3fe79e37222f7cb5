/*
** ts_boxcox.c — the Box–Cox transform (spec: ts_boxcox.h).
*/
#include "ts_boxcox.h"

#include <math.h>

int ts_boxcox_ok(const double *y, size_t n, double lambda) {
  for (size_t t = 0; t < n; t++)
    if (!(lambda > 0 ? y[t] >= 0 : y[t] > 0)) return 0;
  return 1;
}

double ts_boxcox(double y, double lambda) { return lambda == 0 ? log(y) : (pow(y, lambda) - 1) / lambda; }

double ts_boxcox_inv(double z, double lambda) {
  double b;
  if (isnan(z)) return z; /* no forecast stays no forecast */
  if (lambda == 0) return exp(z);
  b = lambda * z + 1;
  if (!(b > 0)) return lambda > 0 ? 0 : INFINITY;
  return pow(b, 1 / lambda);
}

/* Behaviour 3's objective: the coefficient of variation of sd / mean^(1 - lambda). */
static double guerrero_cv(const double *y, size_t n, size_t len, double lambda) {
  size_t blocks = n / len, start = n - blocks * len;
  double s1 = 0, s2 = 0, mean, var;
  for (size_t b = 0; b < blocks; b++) {
    const double *x = y + start + b * len;
    double mu = 0, ss = 0, r;
    for (size_t i = 0; i < len; i++) mu += x[i];
    mu /= (double)len;
    for (size_t i = 0; i < len; i++) ss += (x[i] - mu) * (x[i] - mu);
    r = sqrt(ss / (double)(len - 1)) / pow(mu, 1 - lambda);
    s1 += r;
    s2 += r * r;
  }
  mean = s1 / (double)blocks;
  var = (s2 - s1 * mean) / (double)(blocks - 1);
  return sqrt(var > 0 ? var : 0) / mean;
}

double ts_boxcox_lambda(const double *y, size_t n, int m) {
  size_t len = m >= 2 ? (size_t)m : 2, blocks = n / len, start;
  double lo = -1, hi = 2, g = (sqrt(5.0) - 1) / 2, a, b, fa, fb;
  if (blocks < 2) return 1;
  start = n - blocks * len;
  for (size_t b2 = 0; b2 < blocks; b2++) {
    double mu = 0;
    for (size_t i = 0; i < len; i++) {
      double v = y[start + b2 * len + i];
      if (v < 0) return 1;
      if (v == 0) lo = 0;
      mu += v;
    }
    if (!(mu > 0)) return 1;
  }
  a = hi - g * (hi - lo);
  b = lo + g * (hi - lo);
  fa = guerrero_cv(y, n, len, a);
  fb = guerrero_cv(y, n, len, b);
  while (hi - lo > 1e-4) {
    if (fa < fb || (fa == fb && a < b)) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = guerrero_cv(y, n, len, a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = guerrero_cv(y, n, len, b);
    }
  }
  return (lo + hi) / 2;
}
