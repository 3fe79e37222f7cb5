/*
** st_special.c — log-beta, incomplete beta and gamma functions, chi-squared
** and F upper tails, non-central t.  The spec (behaviours, methods, accuracy)
** is the header comment of st_special.h.
*/
#include "st_special.h"

#include <float.h>
#include <math.h>

#include "st_tdist.h"

#define SP_LOG_SQRT_2PI 0.91893853320467274 /* log(sqrt(2 pi)) */
#define SP_INV_SQRT_2PI 0.3989422804014327  /* 1 / sqrt(2 pi) */
#define SP_STIRLING_MIN 8.0                 /* Stirling forms from here */
#define SP_TINY 1e-300                      /* Lentz's guard */
#define SP_MAX_ITER 100000000L              /* continued fractions and series */

/* ------------------------------------------------------------- helpers */

/* Stirling's correction lgamma(z) - ((z - 1/2) log z - z + log sqrt(2 pi)),
** for z >= 8: sum_k B_2k / (2k (2k-1) z^(2k-1)); truncation < 1e-17 there. */
static double sp_stirling_corr(double z) {
  static const double c[] = {
    1.0 / 12.0,          -1.0 / 360.0,  1.0 / 1260.0,         -1.0 / 1680.0,
    1.0 / 1188.0,        -691.0 / 360360.0, 1.0 / 156.0,      -3617.0 / 122400.0,
  };
  double r = 1.0 / z, r2 = r * r, s = 0.0;
  int k;
  if (z > 1e17) return r / 12.0;
  for (k = (int)(sizeof c / sizeof c[0]) - 1; k >= 0; k--) s = s * r2 + c[k];
  return s * r;
}

/* rlog1(t) = t - log1p(t) >= 0 for t > -1, where ratio = 1 + t is supplied
** (accurately) by the caller.  Near 0 a series in r = t/(2+t):
**   t - log1p(t) = 2 r^2 (1/(1-r) - r/3 - r^3/5 - r^5/7 - ...),
** whose subtraction cannot cancel (|r| <= 0.18 there). */
static double sp_rlog1(double t, double ratio) {
  if (fabs(t) <= 0.43) {
    double r = t / (2.0 + t), r2 = r * r, pw = r, s = 0.0, k;
    for (k = 3.0; k < 200.0; k += 2.0) {
      double term = pw / k;
      s += term;
      if (fabs(term) <= 1e-18 * fabs(s) || term == 0.0) break;
      pw *= r2;
    }
    return 2.0 * r2 * (1.0 / (1.0 - r) - s);
  }
  if (ratio <= 0.0) return INFINITY;
  return t - log(ratio);
}

double st_lbeta(double a, double b) {
  double lo, hi;
  if (isnan(a) || isnan(b) || a <= 0.0 || b <= 0.0) return NAN;
  if (isinf(a) || isinf(b)) return -INFINITY;
  lo = a < b ? a : b;
  hi = a < b ? b : a;
  if (hi < SP_STIRLING_MIN) return lgamma(a) + lgamma(b) - lgamma(a + b);
  if (lo >= SP_STIRLING_MIN) {
    /* log B = log sqrt(2 pi) + (1/2) log((a+b)/(ab)) + a log x0 + b log y0 + D */
    double s = a + b;
    double d = sp_stirling_corr(a) + sp_stirling_corr(b) - sp_stirling_corr(s);
    return SP_LOG_SQRT_2PI + 0.5 * (log(s / hi) - log(lo)) - a * log1p(b / a) -
           b * log1p(a / b) + d;
  }
  /* lo < 8 <= hi: lgamma(lo) + [lgamma(hi) - lgamma(lo + hi)] by Stirling */
  {
    double s = lo + hi;
    double diff = -(hi - 0.5) * log1p(lo / hi) + lo - lo * log(s) + sp_stirling_corr(hi) -
                  sp_stirling_corr(s);
    return lgamma(lo) + diff;
  }
}

/* ----------------------------------------------------- incomplete beta */

/* x^a y^b / B(a, b), with x + y = 1 and the smaller of x, y accurate. */
static double sp_beta_front(double a, double b, double x, double y) {
  if (x == 0.0 || y == 0.0) return 0.0;
  if (a >= SP_STIRLING_MIN && b >= SP_STIRLING_MIN) {
    double s = a + b, l = b * x - a * y; /* x/x0 = 1 + l/a, y/y0 = 1 - l/b */
    double d = sp_stirling_corr(a) + sp_stirling_corr(b) - sp_stirling_corr(s);
    double lo = a < b ? a : b, hi = a < b ? b : a;
    double e = a * sp_rlog1(l / a, x * (s / a)) + b * sp_rlog1(-l / b, y * (s / b));
    return sqrt(lo * hi / s) * SP_INV_SQRT_2PI * exp(-d - e);
  }
  {
    double lx = x <= y ? log(x) : log1p(-y);
    double ly = y <= x ? log(y) : log1p(-x);
    return exp(a * lx + b * ly - st_lbeta(a, b));
  }
}

/* I_x(a, b) by the continued fraction DLMF 8.17.22 (modified Lentz):
**   I_x(a,b) = x^a y^b / (a B(a,b)) / (1 + d1/(1 + d2/(1 + ...))),
**   d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)),
**   d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
** Converges fast for x < (a + 1)/(a + b + 2). */
static double sp_ibeta_cf(double a, double b, double x, double y) {
  double front = sp_beta_front(a, b, x, y), f = 1.0, c = 1.0, d = 0.0;
  long j;
  if (front == 0.0) return 0.0;
  for (j = 1; j < SP_MAX_ITER; j++) {
    double m = (double)(j / 2), aj, delta;
    if (j % 2 == 0) aj = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
    else aj = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
    d = 1.0 + aj * d;
    if (fabs(d) < SP_TINY) d = SP_TINY;
    c = 1.0 + aj / c;
    if (fabs(c) < SP_TINY) c = SP_TINY;
    d = 1.0 / d;
    delta = c * d;
    f *= delta;
    if (fabs(delta - 1.0) <= 1e-16) break;
  }
  return front / (a * f);
}

/* Both tails of I_x(a, b) given x and y = 1 - x (the smaller one accurate). */
static void sp_ibeta_both(double a, double b, double x, double y, double *p, double *q) {
  if (x <= 0.0) {
    *p = 0.0;
    *q = 1.0;
  } else if (y <= 0.0) {
    *p = 1.0;
    *q = 0.0;
  } else if (x * (a + b + 2.0) < a + 1.0) {
    *p = sp_ibeta_cf(a, b, x, y);
    *q = 1.0 - *p;
  } else {
    *q = sp_ibeta_cf(b, a, y, x);
    *p = 1.0 - *q;
  }
}

static int sp_ibeta_bad(double a, double b, double x) {
  return isnan(a) || isnan(b) || isnan(x) || !(a > 0.0) || !(b > 0.0) || isinf(a) ||
         isinf(b) || x < 0.0 || x > 1.0;
}

double st_ibeta(double a, double b, double x) {
  double p, q;
  if (sp_ibeta_bad(a, b, x)) return NAN;
  sp_ibeta_both(a, b, x, 1.0 - x, &p, &q);
  return p;
}

double st_ibetac(double a, double b, double x) {
  double p, q;
  if (sp_ibeta_bad(a, b, x)) return NAN;
  sp_ibeta_both(a, b, x, 1.0 - x, &p, &q);
  return q;
}

/* ---------------------------------------------------- incomplete gamma */

/* x^a e^-x / Gamma(a), x > 0. */
static double sp_gamma_front(double a, double x) {
  if (a >= SP_STIRLING_MIN) {
    double t = (x - a) / a;
    return sqrt(a) * SP_INV_SQRT_2PI * exp(-sp_stirling_corr(a) - a * sp_rlog1(t, x / a));
  }
  if (x < 700.0) return exp(a * log(x) - lgamma(a)) * exp(-x); /* exp(-x) rounded once */
  return exp(a * log(x) - x - lgamma(a));
}

/* P(a, x) by its series, x < a + 1:
**   P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n)). */
static double sp_gamma_p_series(double a, double x) {
  double front = sp_gamma_front(a, x), term = 1.0, sum = 1.0, n;
  if (front == 0.0) return 0.0;
  for (n = 1.0; n < (double)SP_MAX_ITER; n += 1.0) {
    term *= x / (a + n);
    sum += term;
    if (term <= 1e-17 * sum) break;
  }
  return front / a * sum;
}

/* Q(a, x) by Legendre's continued fraction (modified Lentz), x >= a + 1:
**   Q = x^a e^-x / Gamma(a) / (x+1-a - 1(1-a)/(x+3-a - 2(2-a)/(x+5-a - ...))). */
static double sp_gamma_q_cf(double a, double x) {
  double front = sp_gamma_front(a, x), bj = x + 1.0 - a, c = 1.0 / SP_TINY, d = 1.0 / bj,
         f = d;
  long j;
  if (front == 0.0) return 0.0;
  for (j = 1; j < SP_MAX_ITER; j++) {
    double an = -(double)j * ((double)j - a), delta;
    bj += 2.0;
    d = an * d + bj;
    if (fabs(d) < SP_TINY) d = SP_TINY;
    c = bj + an / c;
    if (fabs(c) < SP_TINY) c = SP_TINY;
    d = 1.0 / d;
    delta = d * c;
    f *= delta;
    if (fabs(delta - 1.0) <= 1e-16) break;
  }
  return front * f;
}

static void sp_gamma_both(double a, double x, double *p, double *q) {
  if (x == 0.0) {
    *p = 0.0;
    *q = 1.0;
  } else if (isinf(x)) {
    *p = 1.0;
    *q = 0.0;
  } else if (a == 0.5) {
    double r = sqrt(x);
    if (x < 0.5) {
      *p = erf(r);
      *q = 1.0 - *p;
    } else {
      *q = erfc(r);
      *p = 1.0 - *q;
    }
  } else if (a == 1.0) {
    *q = exp(-x);
    *p = -expm1(-x);
  } else if (x < a + 1.0) {
    *p = sp_gamma_p_series(a, x);
    *q = 1.0 - *p;
  } else {
    *q = sp_gamma_q_cf(a, x);
    *p = 1.0 - *q;
  }
}

static int sp_gamma_bad(double a, double x) {
  return isnan(a) || isnan(x) || !(a > 0.0) || isinf(a) || x < 0.0;
}

double st_gamma_p(double a, double x) {
  double p, q;
  if (sp_gamma_bad(a, x)) return NAN;
  sp_gamma_both(a, x, &p, &q);
  return p;
}

double st_gamma_q(double a, double x) {
  double p, q;
  if (sp_gamma_bad(a, x)) return NAN;
  sp_gamma_both(a, x, &p, &q);
  return q;
}

/* -------------------------------------------------------- chi2 and F */

double st_chi2_sf(double x, double df) {
  double p, q;
  if (isnan(x) || isnan(df) || !(df > 0.0) || isinf(df)) return NAN;
  if (x <= 0.0) return 1.0;
  sp_gamma_both(0.5 * df, 0.5 * x, &p, &q);
  return q;
}

double st_f_sf(double x, double dfn, double dfd) {
  double r, w, v, p, q;
  if (isnan(x) || isnan(dfn) || isnan(dfd) || !(dfn > 0.0) || !(dfd > 0.0)) return NAN;
  if (x <= 0.0) return 1.0;
  if (isinf(x)) return 0.0;
  if (isinf(dfn) && isinf(dfd)) return x < 1.0 ? 1.0 : 0.0;
  if (isinf(dfd)) { /* P(chi2(dfn)/dfn > x) */
    sp_gamma_both(0.5 * dfn, 0.5 * dfn * x, &p, &q);
    return q;
  }
  if (isinf(dfn)) { /* P(dfd/chi2(dfd) > x) = P(chi2(dfd) < dfd/x) */
    sp_gamma_both(0.5 * dfd, 0.5 * dfd / x, &p, &q);
    return p;
  }
  /* w = dfd/(dfd + dfn x) = 1/(1 + r), v = 1 - w = r/(1 + r), r = dfn x / dfd */
  r = (dfn / dfd) * x;
  if (isinf(r)) {
    w = (dfd / dfn) / x;
    v = 1.0;
  } else if (r > 1.0) {
    w = 1.0 / (1.0 + r);
    v = 1.0 / (1.0 + 1.0 / r);
  } else {
    w = 1.0 / (1.0 + r);
    v = r / (1.0 + r);
  }
  sp_ibeta_both(0.5 * dfd, 0.5 * dfn, w, v, &p, &q);
  return p;
}

/* ------------------------------------------------------ non-central t */

/* e^v - 1 - v without cancellation. */
static double sp_expm1mx(double v) {
  if (fabs(v) < 0.5) {
    double term = v * v / 2.0, sum = term, k;
    for (k = 3.0; k < 40.0; k += 1.0) {
      term *= v / k;
      sum += term;
      if (fabs(term) <= 1e-18 * sum) break;
    }
    return sum;
  }
  return expm1(v) - v;
}

/* log Phi(z), accurate in the lower tail far beyond underflow of Phi:
** below -37 from the continued fraction of Mills' ratio
**   R(s) = Phi(-s)/phi(s) = 1/(s + 1/(s + 2/(s + 3/(s + ...)))). */
static double sp_log_ndtr(double z) {
  if (isnan(z)) return NAN;
  if (z >= 0.0) return log1p(-st_norm_sf(z));
  if (z > -37.0) return log(st_norm_cdf(z));
  {
    double s = -z, f = s, k;
    if (s > 1e150) return -INFINITY;
    for (k = 60.0; k >= 1.0; k -= 1.0) f = s + k / f;
    return -0.5 * s * s - SP_LOG_SQRT_2PI + log(1.0 / f);
  }
}

/* The integrand of behaviour 7 in logs: log w(y) + log Phi(sign (t e^y - nc)). */
typedef struct sp_nct {
  double df, t, nc;
  double sign; /* +1: P(T <= t); -1: P(T > t) */
} sp_nct;

static double sp_nct_log(const sp_nct *p, double y) {
  double lw, u, z;
  if (y > 350.0) return -INFINITY;
  lw = -0.5 * p->df * sp_expm1mx(2.0 * y);
  u = exp(y);
  z = p->sign * (p->t * u - p->nc);
  return lw + sp_log_ndtr(z);
}

/* Gauss–Kronrod 7/15 (QUADPACK's nodes and weights). */
static const double sp_xgk[8] = {
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0,
};
static const double sp_wgk[8] = {
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
  0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
  0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
};
static const double sp_wg[4] = {
  0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
  0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
};

/* Integral of exp(L(y) - lmax) over [a, b]: Kronrod value, *err = |K - G|. */
static double sp_gk15(const sp_nct *p, double lmax, double a, double b, double *err) {
  double c = 0.5 * (a + b), h = 0.5 * (b - a), fc = exp(sp_nct_log(p, c) - lmax);
  double k = fc * sp_wgk[7], g = fc * sp_wg[3];
  int j;
  for (j = 0; j < 7; j++) {
    double f1 = exp(sp_nct_log(p, c - h * sp_xgk[j]) - lmax);
    double f2 = exp(sp_nct_log(p, c + h * sp_xgk[j]) - lmax);
    k += sp_wgk[j] * (f1 + f2);
    if (j % 2 == 1) g += sp_wg[j / 2] * (f1 + f2);
  }
  *err = fabs(k - g) * h;
  return k * h;
}

#define SP_GK_MAX 400 /* intervals of the global adaptive quadrature */

/* Integral of exp(L(y) - lmax) over [a, b] to ~1e-15 relative: QUADPACK's
** global strategy (always bisect the interval with the largest error).
** The caller's split point m (the mode) starts two intervals. */
static double sp_gk_global(const sp_nct *p, double lmax, double a, double m, double b) {
  double lo[SP_GK_MAX], hi[SP_GK_MAX], val[SP_GK_MAX], err[SP_GK_MAX];
  double total = 0.0, etot = 0.0;
  int n = 2, i;
  lo[0] = a;
  hi[0] = m;
  lo[1] = m;
  hi[1] = b;
  for (i = 0; i < 2; i++) val[i] = sp_gk15(p, lmax, lo[i], hi[i], &err[i]);
  while (n + 1 < SP_GK_MAX) {
    int worst = 0;
    double mid, v1, v2, e1, e2;
    total = etot = 0.0;
    for (i = 0; i < n; i++) {
      total += val[i];
      etot += err[i];
      if (err[i] > err[worst]) worst = i;
    }
    if (etot <= 1e-15 * total) break;
    mid = 0.5 * (lo[worst] + hi[worst]);
    if (!(mid > lo[worst] && mid < hi[worst])) break;
    v1 = sp_gk15(p, lmax, lo[worst], mid, &e1);
    v2 = sp_gk15(p, lmax, mid, hi[worst], &e2);
    lo[n] = mid;
    hi[n] = hi[worst];
    val[n] = v2;
    err[n] = e2;
    hi[worst] = mid;
    val[worst] = v1;
    err[worst] = e1;
    n++;
  }
  total = 0.0;
  for (i = 0; i < n; i++) total += val[i];
  return total;
}

/* E[Phi(sign (t U - nc))] for finite t, 0 < df < 1e20 (behaviour 7). */
static double sp_nct_expect(double t, double df, double nc, double sign) {
  sp_nct p;
  const double gold = 0.61803398874989485;
  double a = 0.5 * df, log_norm, lo, hi, x1, x2, f1, f2, ym, lmax, left, right, h, total;
  int it;
  p.df = df;
  p.t = t;
  p.nc = nc;
  p.sign = sign;
  /* log of the integral of w: log(Gamma(a) e^a a^-a / 2) */
  if (a >= SP_STIRLING_MIN) log_norm = 0.5 * log(1.5707963267948966 / a) + sp_stirling_corr(a);
  else log_norm = lgamma(a) + a - a * log(a) - 0.69314718055994531;
  /* the mode of the (unimodal) integrand by golden section, in a range
  ** outside which w alone is below e^-1500 */
  lo = -(1500.0 + a) / a;
  hi = 0.5 * log(3000.0 / df + 2.0) + 1.0;
  x1 = hi - gold * (hi - lo);
  x2 = lo + gold * (hi - lo);
  f1 = sp_nct_log(&p, x1);
  f2 = sp_nct_log(&p, x2);
  for (it = 0; it < 200 && hi - lo > 1e-9 * (1.0 + fabs(lo) + fabs(hi)); it++) {
    if (f1 < f2 || (isinf(f1) && f1 < 0)) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + gold * (hi - lo);
      f2 = sp_nct_log(&p, x2);
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - gold * (hi - lo);
      f1 = sp_nct_log(&p, x1);
    }
  }
  ym = f1 > f2 ? x1 : x2;
  lmax = f1 > f2 ? f1 : f2;
  if (!(lmax > -INFINITY)) return 0.0;
  if (lmax - log_norm < -800.0) return 0.0; /* far below the double range */
  /* the range where the integrand is within e^-70 of its maximum */
  h = 1e-3 / sqrt(a + 1.0);
  right = ym + h;
  while (sp_nct_log(&p, right) > lmax - 70.0 && right < 400.0) right = ym + (h *= 2.0);
  h = 1e-3 / sqrt(a + 1.0);
  left = ym - h;
  while (sp_nct_log(&p, left) > lmax - 70.0 && left > -1e7) left = ym - (h *= 2.0);
  total = sp_gk_global(&p, lmax, left, ym, right);
  return exp(lmax - log_norm + log(total));
}

static int sp_nct_bad(double t, double df, double nc) {
  return isnan(t) || isnan(df) || isnan(nc) || !(df > 0.0) || isinf(nc);
}

double st_nct_cdf(double t, double df, double nc) {
  if (sp_nct_bad(t, df, nc)) return NAN;
  if (isinf(t)) return t < 0.0 ? 0.0 : 1.0;
  if (nc == 0.0) return st_t_cdf(t, df);
  if (df >= 1e20) return st_norm_cdf(t - nc);
  return sp_nct_expect(t, df, nc, 1.0);
}

double st_nct_sf(double t, double df, double nc) {
  if (sp_nct_bad(t, df, nc)) return NAN;
  if (isinf(t)) return t < 0.0 ? 1.0 : 0.0;
  if (nc == 0.0) return st_t_sf(t, df);
  if (df >= 1e20) return st_norm_sf(t - nc);
  return sp_nct_expect(t, df, nc, -1.0);
}
