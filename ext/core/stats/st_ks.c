/*
** st_ks.c — the two-sample Kolmogorov–Smirnov test (exact lattice-path
** recursions, Smirnov's asymptotics) and the one-sample distributions its
** asymptotic p-value uses (Durbin matrix, Pelz–Good, Smirnov's sum).
** The spec (numbered behaviours) is the header comment of st_ks.h.
*/
#include "st_ks.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "st_rank.h" /* st_sort_doubles */

#define KS_POLL_EVERY ((int64_t)1 << 20)
#define KS_PI 3.14159265358979323846
#define KS_LN_2PI 1.83787706640934548356

/* ------------------------------------------- Loader's binomial pmf */

/* log(n!) - log(sqrt(2 pi n) (n/e)^n) for an integer n >= 1. */
static double stirlerr(double n) {
  const double S0 = 1.0 / 12, S1 = 1.0 / 360, S2 = 1.0 / 1260, S3 = 1.0 / 1680, S4 = 1.0 / 1188;
  double nn;
  if (n <= 15) return lgamma(n + 1) - (n + 0.5) * log(n) + n - 0.5 * KS_LN_2PI;
  nn = n * n;
  if (n > 500) return (S0 - S1 / nn) / n;
  if (n > 80) return (S0 - (S1 - S2 / nn) / nn) / n;
  if (n > 35) return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
  return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

/* x log(x / np) + np - x, without cancellation when x ~ np. */
static double bd0(double x, double np) {
  if (fabs(x - np) < 0.1 * (x + np)) {
    double v = (x - np) / (x + np), s = (x - np) * v, ej = 2 * x * v, v2 = v * v;
    for (int j = 1; j < 1000; j++) {
      double s1;
      ej *= v2;
      s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
    return s;
  }
  return x * log(x / np) + np - x;
}

/* C(n, k) p^k q^(n-k), p + q = 1 (q passed to keep its accuracy). */
static double dbinom(double k, double n, double p, double q) {
  double lc;
  if (p <= 0) return k == 0 ? 1 : 0;
  if (q <= 0) return k == n ? 1 : 0;
  if (k == 0) {
    lc = p < 0.1 ? -bd0(n, n * q) - n * p : n * log(q);
    return exp(lc);
  }
  if (k == n) {
    lc = q < 0.1 ? -bd0(n, n * p) - n * q : n * log(p);
    return exp(lc);
  }
  lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) - bd0(n - k, n * q);
  return exp(lc - 0.5 * (KS_LN_2PI + log(k) + log1p(-k / n)));
}

double st_smirnov_sf(int64_t n, double d) {
  double nd = (double)n, sum = 0;
  int64_t vmax;
  if (n < 1 || isnan(d)) return NAN;
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  vmax = (int64_t)floor(nd * (1 - d));
  for (int64_t v = 0; v <= vmax; v++) {
    double p = d + (double)v / nd, q = (1 - d) - (double)v / nd;
    if (q < 0) q = 0;
    sum += dbinom((double)v, nd, p, q) / p;
  }
  return d * sum;
}

/* ------------------------------------------------- Durbin matrix */

/* C = A * B (m x m), then rescale C by a power of two; *e gets its exponent. */
static void mat_mul_scaled(const double *A, const double *B, double *C, int m, int *e) {
  double mx = 0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++) {
      double s = 0;
      for (int k = 0; k < m; k++) s += A[i * m + k] * B[k * m + j];
      C[i * m + j] = s;
      if (fabs(s) > mx) mx = fabs(s);
    }
  *e = 0;
  if (mx > 0 && isfinite(mx)) {
    int ex;
    frexp(mx, &ex);
    for (int i = 0; i < m * m; i++) C[i] = ldexp(C[i], -ex);
    *e = ex;
  }
}

/* P(D_n < d) (= P(D_n <= d)) by the matrix algorithm; NaN when out of memory. */
static double kolmogorov_cdf_durbin(int64_t n, double d) {
  double nd = (double)n * d, h, p, *H = NULL, *P = NULL, *T = NULL;
  int64_t k, nn;
  int m, e;
  long pe;
  if (d >= 1) return 1;
  if (nd <= 0.5) return 0;
  k = (int64_t)ceil(nd);
  h = (double)k - nd;
  m = (int)(2 * k - 1);
  H = om_calloc((size_t)m * (size_t)m, sizeof *H);
  P = om_calloc((size_t)m * (size_t)m, sizeof *P);
  T = om_calloc((size_t)m * (size_t)m, sizeof *T);
  if (!H || !P || !T) {
    p = NAN;
    goto done;
  }
  /* H[i][j] = 1/(i-j+1)! for i - j + 1 >= 0, first column and last row
  ** corrected for the boundary (h) */
  {
    double *f = om_calloc((size_t)m + 2, sizeof *f); /* f[t] = 1/t! */
    if (!f) {
      p = NAN;
      goto done;
    }
    f[0] = 1;
    for (int t = 1; t <= m + 1; t++) f[t] = f[t - 1] / t;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++)
        if (i - j + 1 >= 0) H[i * m + j] = f[i - j + 1];
    for (int i = 0; i < m; i++) H[i * m] -= pow(h, i + 1) * f[i + 1];
    for (int j = 0; j < m; j++) H[(m - 1) * m + j] -= pow(h, m - j) * f[m - j];
    if (2 * h - 1 > 0) H[(m - 1) * m] += pow(2 * h - 1, m) * f[m];
    om_free(f);
  }
  /* P = H^n by squaring, with power-of-two scaling */
  for (int i = 0; i < m; i++) P[i * m + i] = 1;
  nn = n;
  pe = 0;
  {
    long he = 0;
    int first = 1;
    while (nn > 0) {
      if (nn & 1) {
        if (first) {
          memcpy(P, H, (size_t)m * (size_t)m * sizeof *P);
          pe = he;
          first = 0;
        } else {
          mat_mul_scaled(P, H, T, m, &e);
          memcpy(P, T, (size_t)m * (size_t)m * sizeof *P);
          pe += he + e;
        }
      }
      nn >>= 1;
      if (nn > 0) {
        mat_mul_scaled(H, H, T, m, &e);
        memcpy(H, T, (size_t)m * (size_t)m * sizeof *H);
        he = 2 * he + e;
      }
    }
  }
  p = P[(k - 1) * m + (k - 1)];
  /* times n!/n^n, scaled as we go */
  for (int64_t i = 1; i <= n; i++) {
    int ex;
    p = p * (double)i / (double)n;
    if (p != 0 && fabs(p) < 0x1p-256) {
      p = frexp(p, &ex);
      pe += ex;
    }
  }
  if (p != 0) {
    int ex;
    p = frexp(p, &ex);
    pe += ex;
    if (pe > 2000) pe = 2000;
    if (pe < -2000) pe = -2000;
    p = ldexp(p, (int)pe);
  }
done:
  om_free(H);
  om_free(P);
  om_free(T);
  return p;
}

/* ------------------------------------------------------ Pelz–Good */

static double kolmogorov_cdf_pelz_good(int64_t n, double x) {
  const double pi2 = KS_PI * KS_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2, sqrt2pi = sqrt(2 * KS_PI);
  double z, z2, z3, z4, z6, z8, z10, q, q2, K[4] = {0, 0, 0, 0}, sn = sqrt((double)n);
  int maxk;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  z = sn * x;
  z2 = z * z;
  z3 = z2 * z;
  z4 = z2 * z2;
  z6 = z4 * z2;
  z8 = z4 * z4;
  z10 = z8 * z2;
  if (-pi2 / 8 / z2 < -708) return 0;
  q = exp(-pi2 / 8 / z2);
  maxk = (int)ceil(16 * z / KS_PI);
  for (int k = 1; k <= maxk; k++) {
    double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2, w = pow(q, m2);
    K[0] += w;
    K[1] += (-z2 + pi2 * m2 / 4) * w;
    K[2] += ((6 * z6 + 2 * z4) + (2 * z4 - 5 * z2) * pi2 / 4 * m2 + pi4 * (1 - 2 * z2) / 16 * m4) * w;
    K[3] += ((-30 * z6 - 90 * z8) + pi2 * (135 * z4 - 96 * z6) / 4 * m2 + pi4 * (-60 * z2 + 212 * z4) / 16 * m4 +
             pi6 * (5 - 30 * z2) / 64 * m6) *
            w;
  }
  K[0] *= sqrt2pi / z;
  K[1] *= sqrt2pi / (6 * z4);
  K[2] *= sqrt2pi / (72 * z6 * z);
  K[3] *= sqrt2pi / (6480 * z10);
  q2 = exp(-pi2 / 2 / z2);
  {
    double s2 = 0, s3 = 0;
    for (int k = 1; k <= maxk; k++) {
      double kk = (double)k * k, w = pow(q2, kk);
      s2 += kk * w;
      s3 += (3 * z2 - pi2 * kk) * kk * w;
    }
    K[2] += s2 * pi2 * sqrt2pi / (-36 * z3);
    K[3] += s3 * pi2 * sqrt2pi / (216 * z6);
  }
  return K[0] + K[1] / sn + K[2] / (double)n + K[3] / ((double)n * sn);
}

/* ------------------------------------------------ kstwo survival */

static double clip01(double p) { return p < 0 ? 0 : p > 1 ? 1 : p; }

double st_kstwo_sf(double x, int64_t n) {
  double t, nx2, nd = (double)n;
  if (n < 1 || isnan(x)) return NAN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  t = nd * x;
  if (t <= 1) { /* Ruben–Gambino */
    double prob;
    if (t <= 0.5) return 1;
    if (n <= 140) {
      prob = 1;
      for (int64_t i = 1; i <= n; i++) prob *= (double)i / nd * (2 * t - 1);
    } else {
      prob = exp(lgamma(nd + 1) - nd * log(nd) + nd * log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= nd - 1) return clip01(2 * pow(1 - x, nd));
  if (x >= 0.5) return clip01(2 * st_smirnov_sf(n, x));
  nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip01(1 - kolmogorov_cdf_durbin(n, x));
    return clip01(2 * st_smirnov_sf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * st_smirnov_sf(n, x));
  if (n <= 100000 && nd * pow(x, 1.5) <= 1.4) return clip01(1 - kolmogorov_cdf_durbin(n, x));
  return clip01(1 - kolmogorov_cdf_pelz_good(n, x));
}

/* ------------------------------------------------- exact two-sample */

/* P(path leaves |ng x - mg y| < h) (two_sided) or reaches ng x - mg y >= h,
** x in 0..m, y in 0..n.  OM_NOMEM / OM_INTERRUPTED. */
static om_status ks_exact_paths(int64_t m, int64_t n, int64_t mg, int64_t ng, int64_t h, int two_sided,
                                const om_interrupt *it, double *out) {
  double *A = om_malloc_array((size_t)n + 1, sizeof *A);
  int64_t prev_lo = 0, work = 0;
  if (!A) return OM_NOMEM;
  for (int64_t y = 0; y <= n; y++) A[y] = (two_sided && mg * y >= h) ? 1.0 : 0.0;
  for (int64_t x = 1; x <= m; x++) {
    int64_t a = ng * x - h, lo, hi;
    lo = a < 0 ? 0 : a / mg + 1; /* smallest y with mg y > ng x - h */
    hi = two_sided ? (ng * x + h - 1) / mg : n;
    if (hi > n) hi = n;
    if (lo > hi) {
      om_free(A);
      *out = 1.0;
      return OM_OK;
    }
    for (int64_t y = prev_lo; y < lo; y++) A[y] = 1.0;
    prev_lo = lo;
    {
      double xd = (double)x, below = lo > 0 ? 1.0 : 0.0;
      for (int64_t y = lo; y <= hi; y++) {
        double v = (xd * A[y] + (double)y * below) / (xd + (double)y);
        A[y] = v;
        below = v;
      }
    }
    work += hi - lo + 1;
    if (work >= KS_POLL_EVERY) {
      work = 0;
      if (om_interrupted(it)) {
        om_free(A);
        return OM_INTERRUPTED;
      }
    }
  }
  *out = A[n];
  om_free(A);
  return OM_OK;
}

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

om_status st_ks_2samp(double *x, size_t nx, double *y, size_t ny, st_alternative alt, const om_interrupt *it,
                      st_ks_result *out, om_err *err) {
  int64_t n1 = (int64_t)nx, n2 = (int64_t)ny, maxi = 0, mini = 0, g, dint;
  double locmax_x = 0, locmax_y = 0, locmin_x = 0, locmin_y = 0, d, p = NAN, fmax = 0, fmin = 0, dfloat;
  int has_max_x = 0, has_max_y = 0, has_min_x = 0, has_min_y = 0, first = 1;
  if (out) {
    memset(out, 0, sizeof *out);
    out->statistic = out->d_plus = out->d_minus = out->p = out->location = NAN;
  }
  if (!x || !y || !out) return om_errf(err, OM_INVALID, "null argument");
  if (nx == 0 || ny == 0) return om_errf(err, OM_INVALID, "each sample needs at least one value");
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "unknown alternative %d", (int)alt);
  for (size_t i = 0; i < nx; i++)
    if (isnan(x[i])) return om_errf(err, OM_INVALID, "value is NaN");
  for (size_t j = 0; j < ny; j++)
    if (isnan(y[j])) return om_errf(err, OM_INVALID, "value is NaN");
  st_sort_doubles(x, nx);
  st_sort_doubles(y, ny);
  /* behaviour 1: one sweep over the distinct pooled values.  The exact
  ** extremes are integers c_x n_y - c_y n_x; which of D+ / D- is reported
  ** and where, follow scipy's float differences c_x/n_x - c_y/n_y (ties of
  ** equal rationals are decided by their rounding, as there). */
  {
    size_t i = 0, j = 0;
    while (i < nx || j < ny) {
      double v = (j >= ny || (i < nx && x[i] <= y[j])) ? x[i] : y[j], fd;
      int in_x = 0, in_y = 0;
      int64_t diff;
      while (i < nx && x[i] == v) i++, in_x = 1;
      while (j < ny && y[j] == v) j++, in_y = 1;
      diff = (int64_t)i * n2 - (int64_t)j * n1;
      if (diff > maxi) maxi = diff;
      if (diff < mini) mini = diff;
      fd = (double)i / (double)n1 - (double)j / (double)n2;
      if (first || fd > fmax) {
        fmax = fd;
        has_max_x = in_x, locmax_x = v;
        has_max_y = in_y, locmax_y = v;
      } else if (fd == fmax) {
        if (!has_max_x && in_x) has_max_x = 1, locmax_x = v;
        if (!has_max_y && in_y) has_max_y = 1, locmax_y = v;
      }
      if (first || fd < fmin) {
        fmin = fd;
        has_min_x = in_x, locmin_x = v;
        has_min_y = in_y, locmin_y = v;
      } else if (fd == fmin) {
        if (!has_min_x && in_x) has_min_x = 1, locmin_x = v;
        if (!has_min_y && in_y) has_min_y = 1, locmin_y = v;
      }
      first = 0;
    }
  }
  out->d_plus = (double)maxi / ((double)n1 * (double)n2);
  out->d_minus = (double)(-mini) / ((double)n1 * (double)n2);
  if (fmin > 0) fmin = 0; /* scipy clips -min to >= 0 */
  if (alt == ST_LESS || (alt == ST_TWO_SIDED && -fmin > fmax)) {
    dint = -mini;
    dfloat = -fmin;
    out->sign = -1;
    out->location = has_min_x ? locmin_x : locmin_y;
  } else {
    dint = maxi;
    dfloat = fmax;
    out->sign = 1;
    out->location = has_max_x ? locmax_x : locmax_y;
  }
  g = gcd64(n1, n2);
  {
    int64_t h = dint / g, n1g = n1 / g;
    double lcm = (double)n1g * (double)n2;
    /* scipy: h = round(d * lcm) of its float d, which is the exact h */
    d = (double)h / lcm;
    out->statistic = d;
    out->exact = (n1 > n2 ? n1 : n2) <= ST_KS_MAX_EXACT;
    if (out->exact && alt != ST_TWO_SIDED && n1 != n2) {
      /* behaviour 3: scipy's C(n1+n2, n1) overflows */
      double lb = lgamma((double)(n1 + n2) + 1) - lgamma((double)n1 + 1) - lgamma((double)n2 + 1);
      if (lb > log(DBL_MAX)) out->exact = 0;
    }
    if (out->exact) {
      if (h == 0) p = 1.0;
      else if (alt != ST_TWO_SIDED && n1 == n2) {
        p = 1;
        for (int64_t j = 0; j < h; j++) p *= (double)(n1 - j) / ((double)n1 + (double)j + 1);
      } else {
        int64_t m = n1 >= n2 ? n1 : n2, n = n1 >= n2 ? n2 : n1;
        int64_t mg = m / g, ng = n / g;
        om_status st = ks_exact_paths(m, n, mg, ng, h, alt == ST_TWO_SIDED, it, &p);
        if (st == OM_NOMEM) return om_errf(err, st, "out of memory");
        if (st == OM_INTERRUPTED) return om_errf(err, st, "interrupted");
      }
    } else {
      double m = n1 >= n2 ? (double)n1 : (double)n2, n = n1 >= n2 ? (double)n2 : (double)n1;
      double en = m * n / (m + n);
      /* scipy's asymptotic p uses its float D, except after a failed exact
      ** attempt (behaviour 3), which has replaced it by h / lcm */
      if ((n1 > n2 ? n1 : n2) > ST_KS_MAX_EXACT) d = dfloat;
      out->statistic = d;
      if (alt == ST_TWO_SIDED) {
        p = st_kstwo_sf(d, (int64_t)nearbyint(en));
      } else {
        double z = sqrt(en) * d;
        p = exp(-2 * z * z - 2 * z * (m + 2 * n) / sqrt(m * n * (m + n)) / 3.0);
      }
    }
  }
  if (isnan(p)) return om_errf(err, OM_NOMEM, "out of memory");
  out->p = clip01(p);
  return OM_OK;
}
