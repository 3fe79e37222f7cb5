/*
** st_tdist.c — Student's t and standard normal CDF, SF and quantile.
** The spec (behaviours, method, accuracy) is the header comment of
** st_tdist.h.  Internally every distribution is handled through its upper
** tail at s >= 0: Q(s) = P(X > s), the central mass C(s) = P(0 < X < s)
** = 1/2 - Q(s), and the density f(s); each is computed on the side where it
** is accurate and the other is derived from it.
*/
#include "st_tdist.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

#define ST_SQRT_PI 1.7724538509055161
#define ST_LOG_PI 1.1447298858494002
#define ST_TWO_OVER_SQRT_PI 1.1283791670955126
#define ST_INV_SQRT_2PI 0.3989422804014327
#define ST_SQRT1_2_HI 0.70710678118654757    /* sqrt(1/2) rounded */
#define ST_SQRT1_2_LO (-4.8336466567264567e-17) /* sqrt(1/2) - ST_SQRT1_2_HI */
#define ST_DF_NORMAL 1e20                     /* behaviour 3 of st_tdist.h */
#define ST_TEMME_MIN_A 15.0                   /* large-a expansion from here ... */
#define ST_TEMME_MAX_U 2.0                    /* ... while u = log1p(s^2/df) <= this */

/* One evaluation at s >= 0. */
typedef struct st_eval {
  double q;    /* P(X > s) */
  double c;    /* P(0 < X < s) */
  double f;    /* density at s */
  int central; /* 1: c was computed directly (q = 1/2 - c); 0: the reverse */
} st_eval;

typedef void (*st_eval_fn)(double s, const void *ctx, st_eval *ev);

/* ---------------------------------------------------------------- normal */

/* h + l = x / sqrt(2) to about 2^-106 relative. */
static void st_div_sqrt2(double x, double *h, double *l) {
  *h = x * ST_SQRT1_2_HI;
  *l = fma(x, ST_SQRT1_2_HI, -*h) + x * ST_SQRT1_2_LO;
}

/* erfc(h + l) and erf(h + l), first order in the tiny l. */
static double st_erfc2(double h, double l) {
  double r = erfc(h);
  if (l != 0.0 && fabs(h) < 27.3) r -= l * ST_TWO_OVER_SQRT_PI * exp(-h * h);
  return r;
}
static double st_erf2(double h, double l) {
  double r = erf(h);
  if (l != 0.0 && fabs(h) < 27.3) r += l * ST_TWO_OVER_SQRT_PI * exp(-h * h);
  return r;
}

static void st_norm_eval(double s, const void *ctx, st_eval *ev) {
  double h, l;
  (void)ctx;
  st_div_sqrt2(s, &h, &l);
  ev->f = ST_INV_SQRT_2PI * exp(-0.5 * s * s);
  if (s < 0.7) {
    ev->c = 0.5 * st_erf2(h, l);
    ev->q = 0.5 - ev->c;
    ev->central = 1;
  } else {
    ev->q = 0.5 * st_erfc2(h, l);
    ev->c = 0.5 - ev->q;
    ev->central = 0;
  }
}

double st_norm_sf(double x) {
  double h, l;
  if (isnan(x)) return NAN;
  st_div_sqrt2(x, &h, &l);
  return 0.5 * st_erfc2(h, l);
}

double st_norm_cdf(double x) { return st_norm_sf(-x); }

/* ------------------------------------------------------- quantile solver */

/* Find s > 0 with Q(s) = p, 0 < p < 1/2, from the guess s0 > 0.
** Newton steps, safeguarded by a bracket [lo, hi] that every evaluation
** narrows: on C(s) = 1/2 - p in s for p >= 1/4 (no cancellation near the
** centre), on log Q(s) = log p in log s below (the tails are close to linear
** there: power law for the t, s^2/2 for the normal).  Returns +inf when the
** root is beyond DBL_MAX. */
static double st_solve_upper(double p, double s0, st_eval_fn fn, const void *ctx) {
  const int use_central = p >= 0.25;
  const double target_c = 0.5 - p, log_p = log(p);
  double lo = 0.0, hi = INFINITY, s = s0;
  int it;
  st_eval ev;

  if (!(s > 0.0) || isinf(s)) s = 1.0;
  for (it = 0; it < 400; it++) {
    double next = NAN;
    fn(s, ctx, &ev);
    if (use_central) {
      double g = ev.c - target_c;
      if (g == 0.0) return s;
      if (g > 0.0) hi = s;
      else lo = s;
      if (ev.f > 0.0) next = s - g / ev.f;
    } else if (ev.q > 0.0) {
      double g = log(ev.q) - log_p; /* > 0: s is too small */
      if (g == 0.0) return s;
      if (g > 0.0) lo = s;
      else hi = s;
      if (ev.f > 0.0) {
        double step = g * ev.q / (s * ev.f); /* Newton step in log s */
        next = step > 700.0 ? INFINITY : s * exp(step);
      }
    } else {
      hi = s; /* the tail underflowed: s is far too big */
    }
    if (!(next > lo && next < hi)) { /* outside the bracket: bisect */
      if (isinf(hi)) {
        if (s >= DBL_MAX / 4) {
          fn(DBL_MAX, ctx, &ev);
          return ev.q > p ? INFINITY : DBL_MAX;
        }
        next = 4.0 * (s > lo ? s : lo);
      } else if (lo > 0.0) {
        next = sqrt(lo) * sqrt(hi);
      } else {
        next = 0.5 * hi;
      }
      if (!(next > lo && next < hi)) return s; /* bracket is one ulp wide */
    }
    if (fabs(next - s) <= 2.0 * DBL_EPSILON * s) return next;
    if (!isinf(hi) && hi - lo <= 2.0 * DBL_EPSILON * hi) return next;
    s = next;
  }
  return s;
}

/* s > 0 with P(Z > s) = p, 0 < p < 1/2. */
static double st_norm_upper_quantile(double p) {
  /* Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) as the starting point. */
  double w = sqrt(-2.0 * log(p));
  double s0 = w - (2.515517 + w * (0.802853 + w * 0.010328)) /
                      (1.0 + w * (1.432788 + w * (0.189269 + w * 0.001308)));
  return st_solve_upper(p, s0, st_norm_eval, NULL);
}

double st_norm_ppf(double p) {
  if (isnan(p) || p < 0.0 || p > 1.0) return NAN;
  if (p == 0.0) return -INFINITY;
  if (p == 1.0) return INFINITY;
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -st_norm_upper_quantile(p);
  return st_norm_upper_quantile(1.0 - p); /* exact for p >= 1/2 */
}

/* ------------------------------------------------------------ Student t */

/* Gamma(a + 1/2) / Gamma(a) for a > 0: an upward recurrence to a >= 10,
** then sqrt(a) * exp(S(a)) with the asymptotic series
**   S(a) = sum_k (2^(1-2k) - 2) B_2k / (2k (2k-1) a^(2k-1))
** (difference of two Stirling series; truncation error < 1e-17 at a >= 10). */
static double st_gamma_ratio_half(double a) {
  static const double coef[] = {
    -0.125, 0.005208333333333333, -0.0015625000000000001, 0.0011858258928571428,
    -0.001681857638888889, 0.0038341175426136365, -0.012819730318509616,
    0.059100405375162764, -0.359287374159869,
  };
  double prod = 1.0, r, r2, sum = 0.0;
  int k;
  while (a < 10.0) {
    prod *= a / (a + 0.5);
    a += 1.0;
  }
  r = 1.0 / a;
  r2 = r * r;
  for (k = (int)(sizeof coef / sizeof coef[0]) - 1; k >= 0; k--) sum = sum * r2 + coef[k];
  return prod * sqrt(a) * exp(sum * r);
}

/* Geometry of the point s >= 0 for df = nu (0 < nu < ST_DF_NORMAL). */
typedef struct st_tpoint {
  double nu, a; /* df and df/2 */
  double gr;    /* Gamma(a + 1/2) / Gamma(a) */
  double q;     /* s^2/nu (inf when it overflows) */
  double u;     /* log1p(s^2/nu) = -log x */
  double x, y;  /* nu/(nu+s^2) and s^2/(nu+s^2) */
  double sqrty; /* sqrt(y) */
} st_tpoint;

static void st_tpoint_set(st_tpoint *pt, double s, const double *nu_gr) {
  double nu = nu_gr[0];
  pt->nu = nu;
  pt->a = 0.5 * nu;
  pt->gr = nu_gr[1];
  pt->q = s < 1e150 ? (s * s) / nu : INFINITY;
  if (pt->q < 1e300) {
    double s2 = s * s;
    pt->u = log1p(pt->q);
    pt->x = nu / (nu + s2);
    pt->y = s2 / (nu + s2);
    pt->sqrty = s / sqrt(nu + s2);
  } else {
    pt->u = 2.0 * log(s) - log(nu);
    pt->x = exp(-pt->u);
    pt->y = 1.0;
    pt->sqrty = 1.0;
  }
}

/* P(0 < T < s) = I_y(1/2, a) / 2 by the series
**   I_y(1/2, a) = 2 sqrt(y) x^a / B(a, 1/2) * sum_n t_n,
**   t_0 = 1, t_(n+1) = t_n (a + 1/2 + n) / (n + 3/2) y        (all positive). */
static double st_t_central(const st_tpoint *pt) {
  double term = 1.0, sum = 1.0, n;
  for (n = 0.0; n < 100000.0; n += 1.0) {
    double ratio = (pt->a + 0.5 + n) / (n + 1.5) * pt->y;
    term *= ratio;
    sum += term;
    if (ratio < 1.0 && term <= 1e-17 * sum) break;
  }
  return pt->sqrty * exp(-pt->a * pt->u) * (pt->gr / ST_SQRT_PI) * sum;
}

/* P(T > s) = I_x(a, 1/2) / 2 by the continued fraction (DLMF 8.17.22)
**   I_x(a,b) = x^a y^b / (a B(a,b)) / (1 + d1/(1 + d2/(1 + ...))),
**   d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)),
**   d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
** evaluated by the modified Lentz method. */
static double st_t_tail_cf(const st_tpoint *pt) {
  const double tiny = 1e-300, a = pt->a, b = 0.5, x = pt->x;
  double front, f = 1.0, c = 1.0, d = 0.0;
  int j;
  front = exp(-a * pt->u) * pt->sqrty * pt->gr / (ST_SQRT_PI * a);
  if (front == 0.0) return 0.0;
  for (j = 1; j < 20000; j++) {
    double m = (double)(j / 2), aj, delta;
    if (j % 2 == 0) aj = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
    else aj = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
    d = 1.0 + aj * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1.0 + aj / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    delta = c * d;
    f *= delta;
    if (fabs(delta - 1.0) <= 1e-16) break;
  }
  return 0.5 * front / f;
}

/* P(T > s) = I_x(a, 1/2) / 2 for a >= 15 and u <= 2 by the expansion in the
** header of st_tdist.h:  I_x = gr / sqrt(T) * sum_k c_k H_k  with
**   H_k = Gamma(2k + 1/2, z) / (sqrt(pi) T^(2k)),  z = T u,  H_0 = erfc(sqrt z),
**   H_(k+1) = (s (s+1) H_k + e^-z sqrt(z/pi) u^(2k) (s + 1 + z)) / T^2,
**   s = 2k + 1/2,
** and c_k the Taylor coefficients of (sinh(v/2)/(v/2))^(-1/2) in v^2
** (computed with mpmath at 60 digits). */
static double st_t_tail_temme(const st_tpoint *pt) {
  static const double ck[] = {
    1, -0.020833333333333332, 0.00039062500000000002, -7.8796709656084658e-06,
    1.6967665791721782e-07, -3.8050641917219063e-09, 8.7483775963154067e-11,
    -2.0445233594119738e-12, 4.8333517979677042e-14, -1.152434101767386e-15,
    2.7660520435993701e-17, -6.6742819508916596e-19, 1.61745507718158e-20,
    -3.9339779200913799e-22, 9.5976340625860469e-24, -2.3476902911626322e-25,
    5.7558703875442666e-27, -1.4140088108265491e-28, 3.4798693650590278e-30,
    -8.577466165340376e-32, 2.1172351041679865e-33, -5.2327802857375986e-35,
    1.2947835769777707e-36, -3.2071412978037775e-38, 7.9516273142055144e-40,
    -1.973224903040875e-41, 4.9006030938755649e-43, -1.2180020724044719e-44,
    3.0293413760311261e-46, -7.539260834355307e-48, 1.8774593437826681e-49,
  };
  const int nk = (int)(sizeof ck / sizeof ck[0]);
  double T = pt->a - 0.25, z = T * pt->u, rz = sqrt(z);
  double h = erfc(rz), e = exp(-z) * rz / ST_SQRT_PI;
  double sum = h, w = 1.0, u2 = pt->u * pt->u, t2 = T * T;
  int k;
  if (h == 0.0) return 0.0;
  for (k = 0; k + 1 < nk; k++) {
    double s = 2.0 * k + 0.5, term;
    h = (s * (s + 1.0) * h + e * w * (s + 1.0 + z)) / t2;
    w *= u2;
    term = ck[k + 1] * h;
    sum += term;
    if (fabs(term) <= 1e-17 * sum) break;
  }
  return 0.5 * pt->gr / sqrt(T) * sum;
}

/* ctx: double[2] = { nu, Gamma(nu/2 + 1/2)/Gamma(nu/2) }. */
static void st_t_eval(double s, const void *ctx, st_eval *ev) {
  st_tpoint pt;
  st_tpoint_set(&pt, s, (const double *)ctx);
  ev->f = exp(-(pt.a + 0.5) * pt.u) * pt.gr / (ST_SQRT_PI * sqrt(pt.nu));
  if (pt.q <= 1.5 / (pt.a + 1.0)) {
    ev->c = st_t_central(&pt);
    ev->q = 0.5 - ev->c;
    ev->central = 1;
  } else {
    if (pt.a >= ST_TEMME_MIN_A && pt.u <= ST_TEMME_MAX_U) ev->q = st_t_tail_temme(&pt);
    else ev->q = st_t_tail_cf(&pt);
    ev->c = 0.5 - ev->q;
    ev->central = 0;
  }
}

double st_t_cdf(double t, double df) {
  double ctx[2];
  st_eval ev;
  if (isnan(t) || isnan(df) || df <= 0.0) return NAN;
  if (df >= ST_DF_NORMAL) return st_norm_cdf(t);
  if (isinf(t)) return t < 0.0 ? 0.0 : 1.0;
  ctx[0] = df;
  ctx[1] = st_gamma_ratio_half(0.5 * df);
  st_t_eval(fabs(t), ctx, &ev);
  if (t < 0.0) return ev.q;
  return ev.central ? 0.5 + ev.c : 1.0 - ev.q;
}

double st_t_sf(double t, double df) { return st_t_cdf(-t, df); }

/* s > 0 with P(T > s) = p, 0 < p < 1/2. */
static double st_t_upper_quantile(double p, double df) {
  double ctx[2], z, z2, s_cf, s_tail, log_b;
  st_eval e_cf, e_tail;
  ctx[0] = df;
  ctx[1] = st_gamma_ratio_half(0.5 * df);
  /* Two starting points; keep the one whose tail is closer to p.
  ** Cornish–Fisher (Abramowitz & Stegun 26.7.5) from the normal quantile: */
  z = st_norm_upper_quantile(p);
  z2 = z * z;
  s_cf = z + (z2 + 1.0) * z / (4.0 * df) +
         ((5.0 * z2 + 16.0) * z2 + 3.0) * z / (96.0 * df * df) +
         (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / (384.0 * df * df * df);
  /* the power-law tail P(T > s) ~ df^(df/2 - 1) s^-df / B(df/2, 1/2): */
  log_b = 0.5 * ST_LOG_PI - log(ctx[1]);
  s_tail = 0.5 * log(df) - (log(p) + log(df) + log_b) / df;
  s_tail = s_tail > 709.0 ? DBL_MAX : exp(s_tail);
  if (!(s_cf > 0.0) || isinf(s_cf)) return st_solve_upper(p, s_tail, st_t_eval, ctx);
  st_t_eval(s_cf, ctx, &e_cf);
  st_t_eval(s_tail, ctx, &e_tail);
  if (e_tail.q > 0.0 &&
      (e_cf.q <= 0.0 || fabs(log(e_tail.q / p)) < fabs(log(e_cf.q / p))))
    return st_solve_upper(p, s_tail, st_t_eval, ctx);
  return st_solve_upper(p, s_cf, st_t_eval, ctx);
}

double st_t_ppf(double p, double df) {
  if (isnan(p) || isnan(df) || df <= 0.0 || p < 0.0 || p > 1.0) return NAN;
  if (p == 0.0) return -INFINITY;
  if (p == 1.0) return INFINITY;
  if (p == 0.5) return 0.0;
  if (df >= ST_DF_NORMAL) return st_norm_ppf(p);
  if (p < 0.5) return -st_t_upper_quantile(p, df);
  return st_t_upper_quantile(1.0 - p, df);
}
