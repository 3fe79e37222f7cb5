/*
** gbt_survival.c — censored durations: the AFT objective (gbt.h point 13)
** and the predictive distribution of a run's duration (gbt.h point 14).
**
** Standard distributions (z = (log t − raw)/sigma for an AFT model):
**   1. normal: F = Φ; logistic: F(z) = 1/(1 + e^−z); extreme (xgboost's
**      name; the minimum Gumbel): F(z) = 1 − exp(−e^z).  cdf and sf are
**      each computed directly (erfc, never 1 − a rounded cdf), and the log
**      survival function stays finite far in the right tail: the normal's
**      through Laplace's continued fraction of Mills' ratio beyond z = 30,
**      the logistic's as −z − log1p(e^−z), the extreme's as −e^z.
**   2. gbt_std_quantile: the normal quantile is Wichura's AS 241 (PPND16,
**      Applied Statistics 37, 1988; relative error about 1e−16); logistic
**      log(p) − log1p(−p); extreme log(−log1p(−p)).  gbt_std_logsf_inv takes
**      log S instead of a probability, so a survival of 1e−400 is no
**      problem: AS 241's tail branch takes r = sqrt(−log p) directly, and
**      below log p = −700 two Newton steps on log S polish it.
**
** AFT (xgboost's survival:aft, Barnwal, Cho & Hocking 2020):
**   3. Rows are log bounds [lo, hi] of log T: uncensored lo = hi (finite),
**      right-censored hi = +inf, left-censored lo = −inf, interval
**      otherwise (gbt_aft_bounds checks the labels: y ≥ 0 finite,
**      y_upper ≥ y or +inf, not NaN, and an exact duration > 0).
**   4. Loss per row: uncensored −log(max(f(z)/(sigma·y), 1e−12)) with
**      z = (lo − pred)/sigma, f the pdf; censored −log(max(F(z_hi) −
**      F(z_lo), 1e−12)) (F(−inf) = 0, F(+inf) = 1).  The holdout metric is
**      its mean (xgboost's aft-nloglik; it can be negative: a density).
**   5. Gradient and hessian with respect to pred, xgboost's formulas:
**      uncensored g = f'(z)/(sigma·f(z)), h = −(f·f'' − f'²)/(sigma·f)²,
**      written in closed form (normal: −z/sigma and 1/sigma²; logistic
**      −tanh(z/2)/sigma and 2f(z)/sigma²; extreme (1 − e^z)/sigma and
**      e^z/sigma²); censored with mass M = F(z_hi) − F(z_lo) (taken as
**      S(z_lo) − S(z_hi) when z_lo > 0, which keeps its digits), a = (f(z_hi)
**      − f(z_lo))/M, b = (f'(z_hi) − f'(z_lo))/M: g = a/sigma,
**      h = −(b − a²)/sigma² — xgboost's ratio with M divided out first, so
**      tiny masses do not underflow when squared.  A value that is still
**      not finite (M = 0) takes xgboost's limit for that censoring type,
**      distribution and sign (z_lo > 0 or z_hi > 0).  Then g is clipped to
**      [−15, 15] and h to [1e−16, 15], as xgboost does.
**   6. gbt_aft_base_score is the constant b with Σ g(b) = 0 over the rows
**      (the maximum-likelihood location; gbt_train uses the normal's, see
**      gbt_train.c 10), found by Newton steps kept inside
**      a bracket that bisection shrinks, to 1e−12 relative, at most 200
**      steps; the bracket is [smallest finite log bound − 10·sigma, largest
**      + 10·sigma] (all rows right-censored has no finite maximiser: b is
**      then the bracket's upper end); no finite bound at all gives 0.
**
** Predictive distribution (point 14):
**   7. AFT: P(T ≤ t) = F((log t − raw)/sigma).  P(T ≤ t | T > e) =
**      1 − S(z_t)/S(z_e), computed as −expm1(log S(z_t) − log S(z_e)); the
**      remaining-time q-quantile solves S(z_t) = (1 − q)·S(z_e) — in closed
**      form for logistic and extreme, through gbt_std_logsf_inv for the
**      normal — and is exp(raw + sigma·z_t) − e (≥ 0).
**   8. DURATION with calibration residuals (any loss, offset or not): in
**      u = log1p(t) − raw, the CDF F goes through the knots (r_j, P_j) of
**      the stored residual order statistics, with P_j = rank/(n + 1) for
**      the rank j (unthinned) or 1 + j(n − 1)/(m − 1) (thinned to m = 512:
**      the same rank gbt_residual_quantile interpolates), linear between
**      knots (at ties F takes the top of the jump); below r_0
**      F(u) = P_0·exp((u − r_0)/β_lo), above r_(m−1)
**      F(u) = 1 − (1 − P_(m−1))·exp(−(u − r_(m−1))/β_hi): exponential tails
**      in log space (Pareto in seconds).  β_hi is the mean excess of the
**      top k = ceil(√m) residuals over the next one (β_lo the same at the
**      bottom), at least GBT_TAIL_MIN; with one residual both are
**      GBT_TAIL_MIN.  So predict_duration's q-quantile t_q (gbt_model.c)
**      satisfies F(t_q) ≥ q for q ≥ 0.5 and F(t_q) ≤ q below (both
**      conformal rules, F = rank/(n + 1) at the knots).
**   9. DURATION conditional: as 7 with log S(u) = log1p(−F(u)), exact
**      log(1 − P_(m−1)) − (u − r_(m−1))/β_hi in the upper tail.  When e is
**      beyond every residual's implied time (u_e > r_(m−1)) the tail is
**      memoryless in log1p space: the remaining q-quantile is
**      (1 + e)·((1 − q)^−β_hi − 1), which grows in proportion to 1 + e.
**  10. Nothing here allocates; models without a distribution give NaN.
*/
#include "gbt.h"

#include <float.h>
#include <math.h>

#define AFT_MIN_GRAD (-15.0)
#define AFT_MAX_GRAD 15.0
#define AFT_MIN_HESS 1e-16
#define AFT_MAX_HESS 15.0
#define AFT_EPS 1e-12
#define GBT_TAIL_MIN 0.01 /* least tail scale of a duration model's distribution (log1p units) */

static const double LOG_SQRT_2PI = 0.91893853320467274178;

/* ------------------------------------------------------------------ distributions */

/* log φ(z) + log of Mills' ratio S/φ by Laplace's continued fraction, z ≥ 30 */
static double normal_logsf_tail(double z) {
  double t = z;
  for (int k = 40; k >= 1; k--)
    t = z + k / t;
  return -0.5 * z * z - LOG_SQRT_2PI - log(t);
}

double gbt_std_cdf(gbt_aft_dist d, double z) {
  switch (d) {
  case GBT_AFT_NORMAL: return 0.5 * erfc(-z / M_SQRT2);
  case GBT_AFT_LOGISTIC:
    if (z >= 0) return 1 / (1 + exp(-z));
    return exp(z) / (1 + exp(z));
  case GBT_AFT_EXTREME: return -expm1(-exp(z));
  }
  return NAN;
}

double gbt_std_sf(gbt_aft_dist d, double z) {
  switch (d) {
  case GBT_AFT_NORMAL: return 0.5 * erfc(z / M_SQRT2);
  case GBT_AFT_LOGISTIC: return gbt_std_cdf(d, -z);
  case GBT_AFT_EXTREME: return exp(-exp(z));
  }
  return NAN;
}

double gbt_std_logsf(gbt_aft_dist d, double z) {
  switch (d) {
  case GBT_AFT_NORMAL:
    if (z < -1) return log1p(-0.5 * erfc(-z / M_SQRT2));
    if (z < 30) return log(0.5 * erfc(z / M_SQRT2));
    return normal_logsf_tail(z);
  case GBT_AFT_LOGISTIC: return z > 0 ? -z - log1p(exp(-z)) : -log1p(exp(z));
  case GBT_AFT_EXTREME: return -exp(z);
  }
  return NAN;
}

double gbt_std_pdf(gbt_aft_dist d, double z) {
  switch (d) {
  case GBT_AFT_NORMAL: return exp(-0.5 * z * z - LOG_SQRT_2PI);
  case GBT_AFT_LOGISTIC: {
    double e = exp(-fabs(z));
    return e / ((1 + e) * (1 + e));
  }
  case GBT_AFT_EXTREME: {
    double w = exp(z);
    return isinf(w) ? 0 : exp(z - w);
  }
  }
  return NAN;
}

static double std_logpdf(gbt_aft_dist d, double z) {
  switch (d) {
  case GBT_AFT_NORMAL: return -0.5 * z * z - LOG_SQRT_2PI;
  case GBT_AFT_LOGISTIC: return -fabs(z) - 2 * log1p(exp(-fabs(z)));
  case GBT_AFT_EXTREME: return z - exp(z);
  }
  return NAN;
}

/* f'(z) */
static double std_dpdf(gbt_aft_dist d, double z) {
  switch (d) {
  case GBT_AFT_NORMAL: return -z * gbt_std_pdf(d, z);
  case GBT_AFT_LOGISTIC: return -tanh(z / 2) * gbt_std_pdf(d, z);
  case GBT_AFT_EXTREME: {
    double w = exp(z);
    return isinf(w) ? 0 : (1 - w) * gbt_std_pdf(d, z);
  }
  }
  return NAN;
}

/* Wichura's AS 241 in its three ranges.  q = p − 0.5 for the central one;
** r = sqrt(−log(min(p, 1 − p))) for the tails (the upper-tail value; the
** caller gives the sign). */
static double as241_central(double q) {
  double r = 0.180625 - q * q;
  return q *
         (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
               6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
             1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
           1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) /
         (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
               3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
             5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
           4.2313330701600911252e+1) * r + 1.0);
}

static double as241_tail(double r) {
  if (r <= 5) {
    r -= 1.6;
    return (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
               3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
             4.63033784615654529590e+0) * r + 1.42343711074968357734e+0) /
           (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
               6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
             2.05319162663775882187e+0) * r + 1.0);
  }
  r -= 5;
  return (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
               1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
             2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
           5.46378491116411436990e+0) * r + 6.65790464350110377720e+0) /
         (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
               1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
             1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
           5.99832206555887937690e-1) * r + 1.0);
}

double gbt_std_quantile(gbt_aft_dist d, double p) {
  if (!(p > 0 && p < 1)) return NAN;
  switch (d) {
  case GBT_AFT_NORMAL: {
    double q = p - 0.5;
    if (fabs(q) <= 0.425) return as241_central(q);
    if (q < 0) return -as241_tail(sqrt(-log(p)));
    return as241_tail(sqrt(-log1p(-p)));
  }
  case GBT_AFT_LOGISTIC: return log(p) - log1p(-p);
  case GBT_AFT_EXTREME: return log(-log1p(-p));
  }
  return NAN;
}

double gbt_std_logsf_inv(gbt_aft_dist d, double L) {
  if (!(L < 0)) return L == 0 ? -INFINITY : NAN;
  switch (d) {
  case GBT_AFT_NORMAL: {
    double s = exp(L), z; /* s = the survival; may underflow to 0 */
    if (s > 0.5 + 0.425) z = -as241_tail(sqrt(-log(-expm1(L))));
    else if (s >= 0.5 - 0.425) z = -as241_central(s - 0.5);
    else z = as241_tail(sqrt(-L));
    if (L < -700)
      for (int i = 0; i < 2; i++) {
        /* Newton on log S: d log S / dz = −φ/S (the hazard) */
        double ls = gbt_std_logsf(d, z), h = exp(std_logpdf(d, z) - ls);
        z += (ls - L) / h;
      }
    return z;
  }
  case GBT_AFT_LOGISTIC: /* 1 + e^z = e^−L */
    return -L > 30 ? -L + log1p(-exp(L)) : log(expm1(-L));
  case GBT_AFT_EXTREME: return log(-L);
  }
  return NAN;
}

/* ------------------------------------------------------------------ AFT labels and loss */

om_status gbt_aft_bounds(const double *y, const double *y_upper, size_t n, double *lo, double *hi,
                         om_err *err) {
  for (size_t i = 0; i < n; i++) {
    double a = y[i], b = y_upper ? y_upper[i] : a;
    if (!isfinite(a)) return om_errf(err, OM_INVALID, "label of row %zu is not finite", i + 1);
    if (a < 0)
      return om_errf(err, OM_INVALID, "label of row %zu is negative (%g); durations must be >= 0",
                     i + 1, a);
    if (isnan(b)) return om_errf(err, OM_INVALID, "upper bound of row %zu is NaN", i + 1);
    if (b < a)
      return om_errf(err, OM_INVALID, "upper bound of row %zu (%g) is below its lower bound (%g)",
                     i + 1, b, a);
    if (b == 0)
      return om_errf(err, OM_INVALID,
                     "row %zu has an exact duration of 0, which has no logarithm; give it an upper "
                     "bound (lower 0, upper 1: it took less than 1 s)",
                     i + 1);
    lo[i] = a > 0 ? log(a) : -INFINITY;
    hi[i] = b == a ? lo[i] : log(b); /* log(+inf) = +inf */
  }
  return OM_OK;
}

enum { CENS_NONE, CENS_RIGHT, CENS_LEFT, CENS_INTERVAL };

static double limit_grad(gbt_aft_dist d, int type, int sign, double sigma) {
  double out = 1 / sigma;
  switch (d) {
  case GBT_AFT_NORMAL:
    if (type == CENS_RIGHT) return sign ? AFT_MIN_GRAD : 0;
    if (type == CENS_LEFT) return sign ? 0 : AFT_MAX_GRAD;
    return sign ? AFT_MIN_GRAD : AFT_MAX_GRAD;
  case GBT_AFT_LOGISTIC:
    if (type == CENS_RIGHT) return sign ? -out : 0;
    if (type == CENS_LEFT) return sign ? 0 : out;
    return sign ? -out : out;
  case GBT_AFT_EXTREME:
    if (type == CENS_RIGHT) return sign ? AFT_MIN_GRAD : 0;
    if (type == CENS_LEFT) return sign ? 0 : out;
    return sign ? AFT_MIN_GRAD : out;
  }
  return NAN;
}

static double limit_hess(gbt_aft_dist d, int type, int sign, double sigma) {
  double unit = 1 / (sigma * sigma);
  switch (d) {
  case GBT_AFT_NORMAL:
    if (type == CENS_RIGHT) return sign ? unit : AFT_MIN_HESS;
    if (type == CENS_LEFT) return sign ? AFT_MIN_HESS : unit;
    return unit;
  case GBT_AFT_LOGISTIC: return AFT_MIN_HESS;
  case GBT_AFT_EXTREME:
    if (type == CENS_LEFT) return AFT_MIN_HESS;
    return sign ? AFT_MAX_HESS : AFT_MIN_HESS;
  }
  return NAN;
}

static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Probability mass of [z_lo, z_hi] with its digits kept (point 5). */
static double interval_mass(gbt_aft_dist d, double zl, double zu) {
  if (zl > 0) return gbt_std_sf(d, zl) - gbt_std_sf(d, zu);
  return gbt_std_cdf(d, zu) - gbt_std_cdf(d, zl);
}

double gbt_aft_loss(gbt_aft_dist d, double sigma, double lo, double hi, double pred) {
  double cost;
  if (lo == hi) {
    double z = (lo - pred) / sigma;
    cost = -std_logpdf(d, z) + log(sigma) + lo;
  } else {
    double m = interval_mass(d, (lo - pred) / sigma, (hi - pred) / sigma);
    cost = -log(m > AFT_EPS ? m : AFT_EPS);
  }
  return cost < -log(AFT_EPS) ? cost : -log(AFT_EPS);
}

void gbt_aft_grad_hess(gbt_aft_dist d, double sigma, double lo, double hi, double pred, gbt_gh *gh) {
  double g, h;
  if (lo == hi) {
    double z = (lo - pred) / sigma;
    switch (d) {
    case GBT_AFT_NORMAL:
      g = -z / sigma;
      h = 1 / (sigma * sigma);
      break;
    case GBT_AFT_LOGISTIC:
      g = -tanh(z / 2) / sigma;
      h = 2 * gbt_std_pdf(d, z) / (sigma * sigma);
      break;
    default: {
      double w = exp(z);
      g = (1 - w) / sigma;
      h = w / (sigma * sigma);
      break;
    }
    }
  } else {
    double zl = 0, zu = 0, fl = 0, fu = 0, dl = 0, du = 0, m, a, b;
    int type = CENS_INTERVAL, sign;
    if (isinf(hi)) type = CENS_RIGHT;
    else {
      zu = (hi - pred) / sigma;
      fu = gbt_std_pdf(d, zu);
      du = std_dpdf(d, zu);
    }
    if (isinf(lo)) type = CENS_LEFT;
    else {
      zl = (lo - pred) / sigma;
      fl = gbt_std_pdf(d, zl);
      dl = std_dpdf(d, zl);
    }
    m = interval_mass(d, isinf(lo) ? -INFINITY : zl, isinf(hi) ? INFINITY : zu);
    sign = zu > 0 || zl > 0;
    a = (fu - fl) / m;
    b = (du - dl) / m;
    g = a / sigma;
    h = -(b - a * a) / (sigma * sigma);
    if (!isfinite(g)) g = limit_grad(d, type, sign, sigma);
    if (!isfinite(h)) h = limit_hess(d, type, sign, sigma);
  }
  gh->g = clip(g, AFT_MIN_GRAD, AFT_MAX_GRAD);
  gh->h = clip(h, AFT_MIN_HESS, AFT_MAX_HESS);
}

void gbt_aft_gradients(gbt_aft_dist d, double sigma, const double *lo, const double *hi,
                       const double *pred, size_t n, gbt_gh *gh) {
  for (size_t i = 0; i < n; i++)
    gbt_aft_grad_hess(d, sigma, lo[i], hi[i], pred[i], &gh[i]);
}

double gbt_aft_metric(gbt_aft_dist d, double sigma, const double *lo, const double *hi,
                      const double *pred, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += gbt_aft_loss(d, sigma, lo[i], hi[i], pred[i]);
  return s / (double)n;
}

static void sum_gh(gbt_aft_dist d, double sigma, const double *lo, const double *hi, size_t n,
                   double b, double *G, double *H) {
  double g = 0, h = 0;
  gbt_gh x;
  for (size_t i = 0; i < n; i++) {
    gbt_aft_grad_hess(d, sigma, lo[i], hi[i], b, &x);
    g += x.g;
    h += x.h;
  }
  *G = g;
  *H = h;
}

double gbt_aft_base_score(gbt_aft_dist d, double sigma, const double *lo, const double *hi,
                          size_t n) {
  double mn = INFINITY, mx = -INFINITY, sum = 0, a, c, b, G, H;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    double v[2] = {lo[i], hi[i]};
    for (int j = 0; j < 2; j++)
      if (isfinite(v[j])) {
        if (v[j] < mn) mn = v[j];
        if (v[j] > mx) mx = v[j];
        sum += v[j];
        k++;
      }
  }
  if (k == 0) return 0;
  a = mn - 10 * sigma;
  c = mx + 10 * sigma;
  sum_gh(d, sigma, lo, hi, n, a, &G, &H);
  if (G >= 0) return a;
  sum_gh(d, sigma, lo, hi, n, c, &G, &H);
  if (G <= 0) return c;
  b = sum / (double)k;
  for (int it = 0; it < 200; it++) {
    double nb;
    sum_gh(d, sigma, lo, hi, n, b, &G, &H);
    if (G == 0) break;
    if (G < 0) a = b;
    else c = b;
    nb = b - G / H;
    if (!(nb > a && nb < c)) nb = 0.5 * (a + c);
    if (fabs(nb - b) <= 1e-12 * (1 + fabs(b))) {
      b = nb;
      break;
    }
    b = nb;
  }
  return b;
}

/* ------------------------------------------------------------------ predictive distribution */

int gbt_has_dist(const gbt_model *m) {
  return m->objective == GBT_AFT || (m->objective == GBT_DURATION && m->n_resid > 0);
}

/* The empirical distribution of a DURATION model's residuals (point 8). */
typedef struct emp {
  const double *r;
  uint32_t m;
  uint64_t n;
  double blo, bhi;
} emp;

static double emp_P(const emp *e, uint32_t j) {
  double rank = e->m == e->n ? (double)j : (double)j * (double)(e->n - 1) / (double)(e->m - 1);
  return (1 + rank) / ((double)e->n + 1);
}

static void emp_init(emp *e, const gbt_model *m) {
  uint32_t k;
  e->r = m->resid;
  e->m = m->n_resid;
  e->n = m->n_calib;
  e->blo = e->bhi = GBT_TAIL_MIN;
  k = (uint32_t)ceil(sqrt((double)e->m));
  if (k > e->m - 1) k = e->m - 1;
  if (k > 0) {
    double hi = 0, lo = 0;
    for (uint32_t j = 0; j < k; j++) {
      hi += e->r[e->m - 1 - j] - e->r[e->m - 1 - k];
      lo += e->r[k] - e->r[j];
    }
    if (hi / k > e->bhi) e->bhi = hi / k;
    if (lo / k > e->blo) e->blo = lo / k;
  }
}

static double emp_cdf(const emp *e, double u) {
  uint32_t lo, n;
  double p0, p1;
  if (u < e->r[0]) return emp_P(e, 0) * exp((u - e->r[0]) / e->blo);
  if (u >= e->r[e->m - 1])
    return 1 - (1 - emp_P(e, e->m - 1)) * exp(-(u - e->r[e->m - 1]) / e->bhi);
  /* largest j with r_j ≤ u (j ≤ m − 2 here) */
  lo = 0;
  n = e->m;
  while (n > 1) {
    uint32_t half = n / 2;
    if (e->r[lo + half] <= u) lo += half;
    n -= half;
  }
  p0 = emp_P(e, lo);
  p1 = emp_P(e, lo + 1);
  return p0 + (p1 - p0) * (u - e->r[lo]) / (e->r[lo + 1] - e->r[lo]);
}

static double emp_logsf(const emp *e, double u) {
  if (u >= e->r[e->m - 1])
    return log1p(-emp_P(e, e->m - 1)) - (u - e->r[e->m - 1]) / e->bhi;
  return log1p(-emp_cdf(e, u));
}

/* u with log S(u) = L (L ≤ 0). */
static double emp_logsf_inv(const emp *e, double L) {
  double top = log1p(-emp_P(e, e->m - 1)), F, p0;
  uint32_t lo, n;
  if (L <= top) return e->r[e->m - 1] + e->bhi * (top - L);
  F = -expm1(L);
  p0 = emp_P(e, 0);
  if (F < p0) return e->r[0] + e->blo * log(F / p0);
  /* largest j with P_j ≤ F (j ≤ m − 2, since F < P_(m−1) — in exact
  ** arithmetic; log1p and expm1 round, so F may land on P_(m−1) when L is
  ** within an ulp of top: then the answer is the last residual) */
  lo = 0;
  n = e->m;
  while (n > 1) {
    uint32_t half = n / 2;
    if (emp_P(e, lo + half) <= F) lo += half;
    n -= half;
  }
  if (lo + 1 >= e->m) return e->r[e->m - 1];
  {
    double pa = emp_P(e, lo), pb = emp_P(e, lo + 1);
    return e->r[lo] + (e->r[lo + 1] - e->r[lo]) * (F - pa) / (pb - pa);
  }
}

static double aft_z(const gbt_model *m, double raw, double t) {
  return ((t > 0 ? log(t) : -INFINITY) - raw) / m->aft_sigma;
}

double gbt_dist_cdf(const gbt_model *m, double raw, double t) {
  if (!gbt_has_dist(m) || !(t >= 0)) return NAN;
  if (m->objective == GBT_AFT) return gbt_std_cdf(m->aft_dist, aft_z(m, raw, t));
  {
    emp e;
    emp_init(&e, m);
    return emp_cdf(&e, log1p(t) - raw);
  }
}

double gbt_dist_cond_cdf(const gbt_model *m, double raw, double t, double e) {
  double diff;
  if (!gbt_has_dist(m) || !(t >= 0) || !(e >= 0)) return NAN;
  if (t <= e) return 0;
  if (m->objective == GBT_AFT) {
    double zt = aft_z(m, raw, t), ze = aft_z(m, raw, e);
    if (m->aft_dist == GBT_AFT_EXTREME && ze > -INFINITY)
      diff = -exp(ze) * expm1(zt - ze); /* −(e^zt − e^ze) without inf − inf */
    else
      diff = gbt_std_logsf(m->aft_dist, zt) - gbt_std_logsf(m->aft_dist, ze);
  } else {
    emp em;
    emp_init(&em, m);
    diff = emp_logsf(&em, log1p(t) - raw) - emp_logsf(&em, log1p(e) - raw);
  }
  return diff < 0 ? -expm1(diff) : 0;
}

double gbt_dist_remaining(const gbt_model *m, double raw, double e, double q) {
  double t;
  if (!gbt_has_dist(m) || !(e >= 0) || !(q > 0 && q < 1)) return NAN;
  if (m->objective == GBT_AFT) {
    double ze = aft_z(m, raw, e), zt;
    switch (m->aft_dist) {
    case GBT_AFT_LOGISTIC: /* (1 + e^ze)/(1 + e^zt) = 1 − q */
      zt = (ze > 0 ? ze + log1p(q * exp(-ze)) : log(exp(ze) + q)) - log1p(-q);
      break;
    case GBT_AFT_EXTREME: /* e^zt = e^ze − log1p(−q) */
      zt = ze > 0 ? ze + log1p(-log1p(-q) * exp(-ze)) : log(exp(ze) - log1p(-q));
      break;
    default: zt = gbt_std_logsf_inv(m->aft_dist, log1p(-q) + gbt_std_logsf(m->aft_dist, ze)); break;
    }
    t = exp(raw + m->aft_sigma * zt);
  } else {
    emp em;
    double ue;
    emp_init(&em, m);
    ue = log1p(e) - raw;
    t = expm1(raw + emp_logsf_inv(&em, log1p(-q) + emp_logsf(&em, ue)));
  }
  if (isinf(t)) return INFINITY;
  return t > e ? t - e : 0;
}
