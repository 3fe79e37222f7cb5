/*
** cf_dist.c — the predictive distribution of a duration from a calibration
** sample (cf.h behaviour 10): the CDF F of the residuals in log1p space
** through their conformal ranks, with exponential tails, and the
** conditional probability and remaining-time quantile built on it.
**
** Behaviours (besides cf.h's):
**   1. The tail scales are computed per call from the stored order
**      statistics (O(√k)); the knot search is a binary search (O(log k)).
**      Nothing allocates.
**   2. The inverse never reads past the last order statistic: when
**      −expm1(L) rounds up to P_(k−1) although L is above the tail's start
**      (or k = 1), it is r_(k−1) (found by fuzz_conformal).
**   3. log S is computed without cancellation in the upper tail (beyond the
**      largest residual it is the exact line log(1 − P_(k−1)) − (u −
**      r_(k−1))/β_hi), so a run far beyond every residual still gets a
**      probability in (0, 1) and a finite remaining time: never NaN.
*/
#include "cf.h"

#include <math.h>

typedef struct cf_emp {
  const double *r;
  uint32_t k;
  uint64_t n;
  double blo, bhi;
} cf_emp;

/* P_j: the conformal rank of stored order statistic j over n + 1. */
static double emp_P(const cf_emp *e, uint32_t j) {
  double rank = e->k == e->n ? (double)j + 1 : 1 + (double)j * (double)(e->n - 1) / (double)(e->k - 1);
  return rank / ((double)e->n + 1);
}

static void emp_init(cf_emp *e, const cf_sample *s) {
  uint32_t m;
  e->r = s->r;
  e->k = s->k;
  e->n = s->n;
  e->blo = e->bhi = CF_TAIL_MIN;
  m = (uint32_t)ceil(sqrt((double)e->k));
  if (m > e->k - 1) m = e->k - 1;
  if (m > 0) {
    double hi = 0, lo = 0;
    for (uint32_t i = 0; i < m; i++) {
      hi += e->r[e->k - 1 - i] - e->r[e->k - 1 - m];
      lo += e->r[m] - e->r[i];
    }
    if (hi / m > e->bhi) e->bhi = hi / m;
    if (lo / m > e->blo) e->blo = lo / m;
  }
}

static int usable(const cf_sample *s) { return s && s->n > 0 && s->k > 0 && s->r; }

static double emp_cdf(const cf_emp *e, double u) {
  uint32_t lo = 0, len = e->k;
  double p0, p1;
  if (u < e->r[0]) return emp_P(e, 0) * exp((u - e->r[0]) / e->blo);
  if (u >= e->r[e->k - 1]) return 1 - (1 - emp_P(e, e->k - 1)) * exp(-(u - e->r[e->k - 1]) / e->bhi);
  while (len > 1) { /* the largest j with r_j ≤ u (≤ k − 2 here): the top of a tie */
    uint32_t half = len / 2;
    if (e->r[lo + half] <= u) lo += half;
    len -= half;
  }
  p0 = emp_P(e, lo);
  p1 = emp_P(e, lo + 1);
  return p0 + (p1 - p0) * (u - e->r[lo]) / (e->r[lo + 1] - e->r[lo]);
}

static double emp_logsf(const cf_emp *e, double u) {
  if (u >= e->r[e->k - 1]) return log1p(-emp_P(e, e->k - 1)) - (u - e->r[e->k - 1]) / e->bhi;
  return log1p(-emp_cdf(e, u));
}

static double emp_logsf_inv(const cf_emp *e, double L) {
  double top = log1p(-emp_P(e, e->k - 1)), F, p0;
  uint32_t lo = 0, len = e->k;
  if (L <= top) return e->r[e->k - 1] + e->bhi * (top - L);
  F = -expm1(L);
  p0 = emp_P(e, 0);
  if (F < p0) return e->r[0] + e->blo * log(F / p0);
  while (len > 1) { /* the largest j with P_j ≤ F */
    uint32_t half = len / 2;
    if (emp_P(e, lo + half) <= F) lo += half;
    len -= half;
  }
  if (lo >= e->k - 1) return e->r[e->k - 1]; /* F rounded up to P_(k−1) (L just above top; any k, k = 1 too) */
  {
    double pa = emp_P(e, lo), pb = emp_P(e, lo + 1);
    return e->r[lo] + (e->r[lo + 1] - e->r[lo]) * (F - pa) / (pb - pa);
  }
}

double cf_sample_cdf(const cf_sample *s, double u) {
  cf_emp e;
  if (!usable(s) || u != u) return NAN;
  emp_init(&e, s);
  return emp_cdf(&e, u);
}

double cf_sample_logsf(const cf_sample *s, double u) {
  cf_emp e;
  if (!usable(s) || u != u) return NAN;
  emp_init(&e, s);
  return emp_logsf(&e, u);
}

double cf_sample_logsf_inv(const cf_sample *s, double L) {
  cf_emp e;
  if (!usable(s) || !(L <= 0)) return NAN;
  emp_init(&e, s);
  return emp_logsf_inv(&e, L);
}

double cf_dist_cdf(const cf_sample *s, double raw, double t, double e) {
  cf_emp em;
  double diff;
  if (!usable(s) || !isfinite(raw) || !isfinite(t) || !isfinite(e) || !(t > 0) || !(e >= 0)) return NAN;
  emp_init(&em, s);
  if (e == 0) return emp_cdf(&em, log1p(t) - raw);
  if (t <= e) return 0;
  diff = emp_logsf(&em, log1p(t) - raw) - emp_logsf(&em, log1p(e) - raw);
  return diff < 0 ? -expm1(diff) : 0;
}

double cf_dist_remaining(const cf_sample *s, double raw, double e, double q) {
  cf_emp em;
  double L, t;
  if (!usable(s) || !isfinite(raw) || !isfinite(e) || !(e >= 0) || !(q > 0 && q < 1)) return NAN;
  emp_init(&em, s);
  L = log1p(-q) + (e == 0 ? 0 : emp_logsf(&em, log1p(e) - raw));
  t = expm1(raw + emp_logsf_inv(&em, L));
  if (isinf(t)) return INFINITY;
  return t > e ? t - e : 0;
}
