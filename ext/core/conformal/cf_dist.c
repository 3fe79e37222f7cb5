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
**   4. A blend (cf.h 11) with w = 1 or without a pool is exactly the
**      single-sample code above (same bits).  Otherwise log S of the blend
**      at u is, in order: the closed form of the lower tails when u is
**      below the blend's Q at F_l = min of the two P_0 (log F = (u − C)/β
**      with C = w(r_0 − β_lo log P_0)_g + (1 − w)(…)_p, β = w β_lo,g + (1 −
**      w) β_lo,p); the line of the upper tails when u is at or above its Q
**      at L_h = min of the two log(1 − P_(k−1)) (log S = L_h − (u −
**      Q(L_h))/β, β = w β_hi,g + (1 − w) β_hi,p); else the bisection of
**      cf.h 11 over x = −L in [−L_l, −L_h] on the doubles' bit patterns
**      (non-negative doubles order as their bits), keeping the largest x
**      (smallest L) with Q(−x) ≤ u.  Nothing allocates.
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

/* ---------------------------------------------------------------- blends (cf.h 11) */

typedef struct cf_blend {
  cf_emp g, p;
  double w;
} cf_blend;

/* The one sample a mix reduces to (w = 1 or no pool: s; w = 0: the pool),
** or NULL when it is a true blend. */
static const cf_sample *single(const cf_mix *m) {
  if (!m->pool || !(m->w < 1)) return m->s;
  if (!(m->w > 0)) return m->pool;
  return NULL;
}

/* Q(L) of the blend: the weighted mean of the two quantile functions. */
static double blend_q(const cf_blend *b, double L) {
  return b->w * emp_logsf_inv(&b->g, L) + (1 - b->w) * emp_logsf_inv(&b->p, L);
}

static double blend_logsf(const cf_blend *b, double u) {
  double Pg0 = emp_P(&b->g, 0), Pp0 = emp_P(&b->p, 0), Fl = Pg0 < Pp0 ? Pg0 : Pp0;
  double topg = log1p(-emp_P(&b->g, b->g.k - 1)), topp = log1p(-emp_P(&b->p, b->p.k - 1));
  double Lh = topg < topp ? topg : topp, Ll = log1p(-Fl), qh, ql;
  uint64_t lo, hi;
  qh = blend_q(b, Lh);
  if (u >= qh) return Lh - (u - qh) / (b->w * b->g.bhi + (1 - b->w) * b->p.bhi);
  ql = blend_q(b, Ll);
  if (u < ql) {
    double C = b->w * (b->g.r[0] - b->g.blo * log(Pg0)) + (1 - b->w) * (b->p.r[0] - b->p.blo * log(Pp0));
    double logF = (u - C) / (b->w * b->g.blo + (1 - b->w) * b->p.blo);
    if (logF > log(Fl)) logF = log(Fl); /* rounding at the boundary: stay in the tail */
    return log1p(-exp(logF));
  }
  /* ql <= u < qh: the largest x = −L in [−Ll, −Lh] with Q(−x) ≤ u */
  lo = om_f64_bits(-Ll);
  hi = om_f64_bits(-Lh);
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (blend_q(b, -om_f64_from_bits(mid)) <= u) lo = mid;
    else hi = mid;
  }
  return -om_f64_from_bits(lo);
}

static void blend_init(cf_blend *b, const cf_mix *m) {
  emp_init(&b->g, m->s);
  emp_init(&b->p, m->pool);
  b->w = m->w;
}

/* The distribution a mix stands for: one sample's (the code above, same
** bits) or a blend's; 0 when its sample(s) are not usable. */
typedef struct cf_law {
  int blend;
  cf_emp e;
  cf_blend b;
} cf_law;

static int law_init(cf_law *d, const cf_mix *m) {
  const cf_sample *s = single(m);
  d->blend = !s && m->s && m->pool;
  if (!d->blend) {
    if (!usable(s)) return 0;
    emp_init(&d->e, s);
    return 1;
  }
  if (!usable(m->s) || !usable(m->pool)) return 0;
  blend_init(&d->b, m);
  return 1;
}

static double law_logsf(const cf_law *d, double u) { return d->blend ? blend_logsf(&d->b, u) : emp_logsf(&d->e, u); }
static double law_cdf(const cf_law *d, double u) { return d->blend ? -expm1(blend_logsf(&d->b, u)) : emp_cdf(&d->e, u); }
static double law_q(const cf_law *d, double L) { return d->blend ? blend_q(&d->b, L) : emp_logsf_inv(&d->e, L); }

double cf_mix_logsf(const cf_mix *m, double u) {
  cf_law d;
  if (u != u || !law_init(&d, m)) return NAN;
  return law_logsf(&d, u);
}

double cf_mix_logsf_inv(const cf_mix *m, double L) {
  cf_law d;
  if (!(L <= 0) || !law_init(&d, m)) return NAN;
  return law_q(&d, L);
}

/* Behaviour 10's two forms, for one sample (cf_dist_*) and for a blend. */
double cf_mix_cdf(const cf_mix *m, double raw, double t, double e) {
  cf_law d;
  double diff;
  if (!isfinite(raw) || !isfinite(t) || !isfinite(e) || !(t > 0) || !(e >= 0) || !law_init(&d, m)) return NAN;
  if (e == 0) return law_cdf(&d, log1p(t) - raw);
  if (t <= e) return 0;
  diff = law_logsf(&d, log1p(t) - raw) - law_logsf(&d, log1p(e) - raw);
  return diff < 0 ? -expm1(diff) : 0;
}

double cf_mix_remaining(const cf_mix *m, double raw, double e, double q) {
  cf_law d;
  double L, t;
  if (!isfinite(raw) || !isfinite(e) || !(e >= 0) || !(q > 0 && q < 1) || !law_init(&d, m)) return NAN;
  L = log1p(-q) + (e == 0 ? 0 : law_logsf(&d, log1p(e) - raw));
  t = expm1(raw + law_q(&d, L));
  if (isinf(t)) return INFINITY;
  return t > e ? t - e : 0;
}

double cf_dist_cdf(const cf_sample *s, double raw, double t, double e) {
  cf_mix m = {.s = s, .pool = NULL, .w = 1};
  return cf_mix_cdf(&m, raw, t, e);
}

double cf_dist_remaining(const cf_sample *s, double raw, double e, double q) {
  cf_mix m = {.s = s, .pool = NULL, .w = 1};
  return cf_mix_remaining(&m, raw, e, q);
}
