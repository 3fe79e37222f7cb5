/*
** st_power.c — power, sample size and minimum detectable effect of the
** two-sample t- and z-tests.  The spec is the header comment of st_power.h.
*/
#include "st_power.h"

#include <float.h>
#include <math.h>

#include "st_special.h"
#include "st_tdist.h"

#define PW_MAX_SIZE 1e300 /* roots beyond this are reported, not returned */

double st_cohen_h(double p1, double p2) {
  if (!(p1 >= 0.0 && p1 <= 1.0 && p2 >= 0.0 && p2 <= 1.0)) return NAN;
  return 2.0 * asin(sqrt(p1)) - 2.0 * asin(sqrt(p2));
}

/* Power without argument checks (behaviours 2 and 3). */
static double pw_power(st_pow_test test, double d, double n1, double ratio, double alpha,
                       st_pow_alt alt) {
  double n = n1 * ratio / (1.0 + ratio), a = alt == ST_POW_TWO_SIDED ? 0.5 * alpha : alpha;
  double pw = 0.0;
  if (test == ST_POW_T) {
    double df = n1 * (1.0 + ratio) - 2.0, nc = d * sqrt(n), c;
    if (!(df > 0.0)) return NAN;
    c = -st_t_ppf(a, df); /* t_{1-a}(df), exact antisymmetry */
    if (isinf(c)) return alt == ST_POW_TWO_SIDED ? 2.0 * a : a; /* df -> 0 (behaviour 2) */
    if (isinf(nc)) { /* the limit of each tail */
      if (alt != ST_POW_SMALLER && nc > 0.0) pw += 1.0;
      if (alt != ST_POW_LARGER && nc < 0.0) pw += 1.0;
      return pw;
    }
    if (alt != ST_POW_SMALLER) pw += st_nct_sf(c, df, nc);
    if (alt != ST_POW_LARGER) pw += st_nct_cdf(-c, df, nc);
  } else {
    double z = -st_norm_ppf(a), s = d * sqrt(n);
    if (alt != ST_POW_SMALLER) pw += st_norm_sf(z - s);
    if (alt != ST_POW_LARGER) pw += st_norm_cdf(-z - s);
  }
  return pw;
}

static om_status pw_check(double alpha, double ratio, st_pow_alt alt, om_err *err) {
  if (!(alpha > 0.0 && alpha < 1.0))
    return om_errf(err, OM_INVALID, "alpha is %g; expected a number strictly between 0 and 1",
                   alpha);
  if (!(ratio > 0.0) || isinf(ratio))
    return om_errf(err, OM_INVALID, "ratio is %g; expected a finite number > 0", ratio);
  if (alt != ST_POW_TWO_SIDED && alt != ST_POW_LARGER && alt != ST_POW_SMALLER)
    return om_errf(err, OM_INVALID, "unknown alternative %d", (int)alt);
  return OM_OK;
}

om_status st_power_calc(st_pow_test test, double d, double n1, double ratio, double alpha,
                        st_pow_alt alt, double *power, om_err *err) {
  om_status st = pw_check(alpha, ratio, alt, err);
  *power = NAN;
  if (st != OM_OK) return st;
  if (!isfinite(d))
    return om_errf(err, OM_INVALID, "the effect is %g; expected a finite number", d);
  if (!(n1 > 0.0) || isinf(n1))
    return om_errf(err, OM_INVALID, "n is %g; expected a finite number > 0", n1);
  if (test == ST_POW_T && !(n1 * (1.0 + ratio) > 2.0))
    return om_errf(err, OM_INVALID,
                   "n is %g: n + ratio * n = %g observations in all; the t-test needs more than 2",
                   n1, n1 * (1.0 + ratio));
  *power = pw_power(test, d, n1, ratio, alpha, alt);
  if (isnan(*power)) return om_errf(err, OM_INVALID, "the power is undefined for these arguments");
  return OM_OK;
}

/* f(x) = power - target as a function of n1 (which = 0) or of |d| (which = 1). */
typedef struct pw_eq {
  st_pow_test test;
  st_pow_alt alt;
  double fixed; /* d (which = 0) or n1 (which = 1) */
  double ratio, alpha, target;
  double sign; /* sign of d when solving for |d| */
  int which;
} pw_eq;

static double pw_f(const pw_eq *q, double x) {
  if (q->which == 0) return pw_power(q->test, q->fixed, x, q->ratio, q->alpha, q->alt) - q->target;
  return pw_power(q->test, q->sign * x, q->fixed, q->ratio, q->alpha, q->alt) - q->target;
}

/* Brent's method (Brent 1973, "zeroin") on [a, b] with fa < 0 < fb. */
static double pw_brent(const pw_eq *q, double a, double b, double fa, double fb) {
  double c = a, fc = fa, d = b - a, e = d;
  int it;
  for (it = 0; it < 300; it++) {
    double tol, m;
    if ((fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (fabs(fc) < fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    tol = 2.0 * DBL_EPSILON * fabs(b) + 1e-300;
    m = 0.5 * (c - b);
    if (fabs(m) <= tol || fb == 0.0) return b;
    if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
      double s = fb / fa, p, qq, r;
      if (a == c) {
        p = 2.0 * m * s;
        qq = 1.0 - s;
      } else {
        qq = fa / fc;
        r = fb / fc;
        p = s * (2.0 * m * qq * (qq - r) - (b - a) * (r - 1.0));
        qq = (qq - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (p > 0.0) qq = -qq;
      else p = -p;
      if (2.0 * p < fmin(3.0 * m * qq - fabs(tol * qq), fabs(e * qq))) {
        e = d;
        d = p / qq;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += fabs(d) > tol ? d : (m > 0.0 ? tol : -tol);
    fb = pw_f(q, b);
    if (isnan(fb)) return NAN;
  }
  return b;
}

/* The root of f on (lo, inf) with f(lo) < 0, by doubling then Brent. */
static om_status pw_solve(const pw_eq *q, double lo, double flo, double start, double *out,
                          om_err *err, const char *what) {
  double hi = start > lo ? start : 2.0 * lo + 1.0, fhi = pw_f(q, hi);
  while (!(fhi > 0.0)) {
    if (isnan(fhi)) return om_errf(err, OM_INVALID, "the power is undefined at %s = %g", what, hi);
    lo = hi;
    flo = fhi;
    hi *= 2.0;
    if (hi > PW_MAX_SIZE)
      return om_errf(err, OM_INVALID, "the %s needed is beyond 1e300", what);
    fhi = pw_f(q, hi);
  }
  *out = pw_brent(q, lo, hi, flo, fhi);
  if (isnan(*out)) return om_errf(err, OM_INVALID, "the power is undefined near the solution");
  return OM_OK;
}

static om_status pw_check_target(double alpha, double power, om_err *err) {
  if (!(power > 0.0 && power < 1.0))
    return om_errf(err, OM_INVALID, "power is %g; expected a number strictly between 0 and 1",
                   power);
  if (!(power > alpha))
    return om_errf(err, OM_INVALID,
                   "power %g is not greater than alpha %g: any sample size has at least that power",
                   power, alpha);
  return OM_OK;
}

om_status st_power_solve_n(st_pow_test test, double d, double ratio, double alpha, double power,
                           st_pow_alt alt, double *n1, om_err *err) {
  om_status st = pw_check(alpha, ratio, alt, err);
  pw_eq q;
  double lo, flo;
  *n1 = NAN;
  if (st != OM_OK) return st;
  if ((st = pw_check_target(alpha, power, err)) != OM_OK) return st;
  if (!isfinite(d))
    return om_errf(err, OM_INVALID, "the effect is %g; expected a finite number", d);
  if (d == 0.0)
    return om_errf(err, OM_INVALID, "the effect is 0: no finite sample size detects it");
  if (alt == ST_POW_LARGER && d < 0.0)
    return om_errf(err, OM_INVALID,
                   "the effect is negative but the alternative is 'larger': the power never "
                   "exceeds alpha");
  if (alt == ST_POW_SMALLER && d > 0.0)
    return om_errf(err, OM_INVALID,
                   "the effect is positive but the alternative is 'smaller': the power never "
                   "exceeds alpha");
  q.test = test;
  q.alt = alt;
  q.fixed = d;
  q.ratio = ratio;
  q.alpha = alpha;
  q.target = power;
  q.sign = 1.0;
  q.which = 0;
  if (test == ST_POW_T) {
    lo = 2.0 / (1.0 + ratio) * (1.0 + 1e-9); /* df just above 0 */
    flo = pw_f(&q, lo);
    if (!(flo < 0.0))
      return om_errf(err, OM_INVALID,
                     "the power is reached with fewer than 2 observations in all (the effect is "
                     "too large for a sample size to be meaningful)");
  } else {
    lo = 0.0;
    flo = alpha - power; /* the power at n = 0 is alpha */
  }
  /* a first guess from the normal approximation, to start the bracket near the root */
  {
    double za = -st_norm_ppf(alt == ST_POW_TWO_SIDED ? 0.5 * alpha : alpha);
    double zb = -st_norm_ppf(1.0 - power), g = (za + zb) / fabs(d);
    double start = g * g * (1.0 + ratio) / ratio;
    if (!(start > lo) || isinf(start)) start = 2.0 * lo + 1.0;
    if (start > PW_MAX_SIZE) start = PW_MAX_SIZE / 2.0;
    if (pw_f(&q, start * 0.5) < 0.0 && start * 0.5 > lo) {
      lo = start * 0.5;
      flo = pw_f(&q, lo);
    }
    return pw_solve(&q, lo, flo, start, n1, err, "sample size");
  }
}

om_status st_power_solve_d(st_pow_test test, double n1, double ratio, double alpha, double power,
                           st_pow_alt alt, double *d, om_err *err) {
  om_status st = pw_check(alpha, ratio, alt, err);
  pw_eq q;
  double n, za, zb, start;
  *d = NAN;
  if (st != OM_OK) return st;
  if ((st = pw_check_target(alpha, power, err)) != OM_OK) return st;
  if (!(n1 > 0.0) || isinf(n1))
    return om_errf(err, OM_INVALID, "n is %g; expected a finite number > 0", n1);
  if (test == ST_POW_T && !(n1 * (1.0 + ratio) > 2.0))
    return om_errf(err, OM_INVALID,
                   "n is %g: n + ratio * n = %g observations in all; the t-test needs more than 2",
                   n1, n1 * (1.0 + ratio));
  q.test = test;
  q.alt = alt;
  q.fixed = n1;
  q.ratio = ratio;
  q.alpha = alpha;
  q.target = power;
  q.sign = alt == ST_POW_SMALLER ? -1.0 : 1.0;
  q.which = 1;
  n = n1 * ratio / (1.0 + ratio);
  za = -st_norm_ppf(alt == ST_POW_TWO_SIDED ? 0.5 * alpha : alpha);
  zb = -st_norm_ppf(1.0 - power);
  start = (za + zb) / sqrt(n);
  if (!(start > 0.0) || isinf(start)) start = 1.0;
  /* the power at d = 0 is alpha < target */
  return pw_solve(&q, 0.0, alpha - power, start, d, err, "effect");
}
