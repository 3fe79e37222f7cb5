/*
** st_metrics.c — regression, classification and interval-coverage metrics;
** the spec (numbered behaviours) is in st_metrics.h.
*/
#include "st_metrics.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st_chunks.h"

/* ------------------------------------------------------------- helpers */

/* s + e = a + b exactly (Knuth's TwoSum). */
static void metrics_two_sum(double a, double b, double *s, double *e) {
  double sum = a + b, bb = sum - a;
  *s = sum;
  *e = (a - (sum - bb)) + (b - bb);
}

/* The non-negative value of chunks c[lo, hi) times 2^-unit, over n, as
** f * 2^*e (behaviour 14a): carried first, then the top 128 bits divided
** with a correction term, rounded once.  0 for an empty sum. */
static double metrics_chunks_over(int64_t *c, int cap, int *lo, int *hi, int unit, double n, int *e) {
  double h = 0, l = 0, t, r, q1, q2;
  st_chunk_carry(c, cap, lo, hi);
  *e = 0;
  if (*hi == 0) return 0.0;
  for (int i = 0; i < 4; i++) {
    int k = *hi - 1 - i;
    double d = k >= *lo ? (double)c[k] : 0.0;
    metrics_two_sum(h, ldexp(d, 32 * (3 - i)), &t, &r);
    h = t;
    l += r;
  }
  metrics_two_sum(h, l, &h, &l);
  q1 = h / n;
  r = fma(-q1, n, h) + l;
  q2 = r / n;
  *e = 32 * (*hi - 4) - unit;
  return q1 + q2;
}

double st_metrics_mean(st_sums *s, double n) {
  int e;
  double f = metrics_chunks_over(s->s1, ST_SUMS_C1, &s->lo1, &s->hi1, 1074, n, &e);
  return ldexp(f, e);
}

double st_metrics_mean2(st_sums *s, double n) {
  int e;
  double f = metrics_chunks_over(s->s2, ST_SUMS_C2, &s->lo2, &s->hi2, 2148, n, &e);
  return ldexp(f, e);
}

/* sqrt(S2 / n) without overflowing on the way. */
static double metrics_root_mean2(st_sums *s, double n) {
  int e, fe;
  double f = metrics_chunks_over(s->s2, ST_SUMS_C2, &s->lo2, &s->hi2, 2148, n, &e);
  if (f == 0) return 0.0;
  f = frexp(f, &fe);
  e += fe;
  if (e & 1) {
    f *= 2;
    e--;
  }
  return ldexp(sqrt(f), e / 2);
}

/* Append v to a doubling array; on failure nothing changes. */
static om_status metrics_push(double **arr, size_t *len, size_t *cap, double v, om_err *err) {
  if (*len == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    double *p;
    if (*cap > SIZE_MAX / 2 / sizeof(double)) return om_errf(err, OM_NOMEM, "out of memory");
    p = om_realloc(*arr, ncap * sizeof(double));
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    *arr = p;
    *cap = ncap;
  }
  (*arr)[(*len)++] = v;
  return OM_OK;
}

static int metrics_cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* ---------------------------------------------------------- regression */

void st_regression_init(st_regression_acc *r) { memset(r, 0, sizeof *r); }

/* Behaviour 5: min/max with a == p -> 1 and a non-positive minimum -> 0. */
static double regression_ratio(double a, double p) {
  double lo, hi;
  if (a == p) return 1.0;
  lo = a < p ? a : p;
  hi = a < p ? p : a;
  if (lo <= 0) return 0.0;
  return lo / hi;
}

om_status st_regression_add_sums(st_regression_acc *r, double actual, double predicted, om_err *err) {
  double ad;
  if (!isfinite(actual)) return om_errf(err, OM_INVALID, "actual is not a finite number");
  if (!isfinite(predicted)) return om_errf(err, OM_INVALID, "predicted is not a finite number");
  if (r->n == INT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  ad = fabs(actual - predicted);
  r->n++;
  /* every value below is finite or skipped: st_sums_add cannot fail */
  if (isfinite(ad)) st_sums_add(&r->err, ad, err);
  else r->n_inf_err++;
  if (actual != 0) {
    double ape = ad / fabs(actual);
    r->n_ape++;
    if (isfinite(ape)) st_sums_add(&r->ape, ape, err);
    else r->n_inf_ape++;
  }
  st_sums_add(&r->ratio, regression_ratio(actual, predicted), err);
  if (fabs(predicted - actual) <= 0.2 * fabs(actual)) r->n_within++;
  st_sums_add(&r->actual, actual, err);
  return OM_OK;
}

om_status st_regression_add(st_regression_acc *r, double actual, double predicted, om_err *err) {
  size_t len = (size_t)r->n;
  om_status st;
  if (!isfinite(actual)) return om_errf(err, OM_INVALID, "actual is not a finite number");
  if (!isfinite(predicted)) return om_errf(err, OM_INVALID, "predicted is not a finite number");
  st = metrics_push(&r->abs_errs, &len, &r->cap, fabs(actual - predicted), err);
  if (st != OM_OK) return st;
  return st_regression_add_sums(r, actual, predicted, err);
}

void st_regression_compute_sums(st_regression_acc *r, st_regression_result *out) {
  double n = (double)r->n;
  st_moments m;
  out->n = r->n;
  out->medae = NAN;
  if (r->n == 0) {
    out->mae = out->rmse = out->mape = out->r2 = out->accuracy = out->within_20pct = NAN;
    return;
  }
  out->mae = r->n_inf_err ? INFINITY : st_metrics_mean(&r->err, n);
  out->rmse = r->n_inf_err ? INFINITY : metrics_root_mean2(&r->err, n);
  out->mape = !r->n_ape ? NAN : r->n_inf_ape ? INFINITY : st_metrics_mean(&r->ape, (double)r->n_ape);
  out->accuracy = st_metrics_mean(&r->ratio, n);
  out->within_20pct = (double)r->n_within / n;
  /* Like sklearn: undefined below two rows; force_finite for SS_tot = 0. */
  st_sums_moments(&r->actual, &m);
  if (r->n < 2) {
    out->r2 = NAN;
  } else {
    int e;
    double res = r->n_inf_err ? INFINITY : metrics_chunks_over(r->err.s2, ST_SUMS_C2, &r->err.lo2, &r->err.hi2, 2148, 1.0, &e);
    if (m.m2 == 0) out->r2 = res == 0 ? 1.0 : 0.0;
    else if (isinf(res)) out->r2 = -INFINITY;
    else out->r2 = 1.0 - ldexp(res / m.m2, e - m.m2_exp);
  }
}

om_status st_regression_compute(st_regression_acc *r, st_regression_result *out, om_err *err) {
  size_t len = (size_t)r->n;
  (void)err;
  st_regression_compute_sums(r, out);
  if (r->n == 0 || !r->abs_errs) return OM_OK;
  qsort(r->abs_errs, len, sizeof(double), metrics_cmp_double);
  if (len % 2) out->medae = r->abs_errs[len / 2];
  else {
    double lo = r->abs_errs[len / 2 - 1], hi = r->abs_errs[len / 2];
    out->medae = (lo + hi) / 2;
    if (!isfinite(out->medae)) out->medae = lo / 2 + hi / 2; /* lo + hi overflowed */
  }
  return OM_OK;
}

void st_regression_free(st_regression_acc *r) {
  om_free(r->abs_errs);
  memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------ classification */

om_status st_classification_init(st_classification_acc *c, double threshold, om_err *err) {
  memset(c, 0, sizeof *c);
  if (!(threshold > 0 && threshold < 1))
    return om_errf(err, OM_INVALID, "threshold is %.17g; expected a number between 0 and 1 (exclusive)", threshold);
  c->threshold = threshold;
  return OM_OK;
}

/* sklearn 1.2.1 log_loss for one row: clip to [eps, 1-eps], renormalise the
** pair (1-q, q) by its sum, -log of the true label's entry. */
static double classification_logloss(int label, double q) {
  const double eps = DBL_EPSILON;
  double q1, q0, s;
  q1 = q < eps ? eps : q;
  if (q1 > 1 - eps) q1 = 1 - eps;
  q0 = 1 - q1;
  s = q0 + q1;
  return -log((label ? q1 : q0) / s);
}

om_status st_classification_add_sums(st_classification_acc *c, int label, double prob, om_err *err) {
  int predicted;
  if (label != 0 && label != 1) return om_errf(err, OM_INVALID, "label is %d; expected 0 or 1", label);
  if (!(prob >= 0 && prob <= 1))
    return om_errf(err, OM_INVALID, "probability is %.17g; expected a number between 0 and 1", prob);
  if (c->n == INT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  c->n++;
  predicted = prob >= c->threshold;
  if (predicted && label) c->tp++;
  else if (predicted) c->fp++;
  else if (label) c->fn++;
  else c->tn++;
  /* finite values: st_sums_add cannot fail */
  st_sums_add(&c->logloss, classification_logloss(label, prob), err);
  st_sums_add(&c->dev, prob - (double)label, err);
  return OM_OK;
}

om_status st_classification_add(st_classification_acc *c, int label, double prob, om_err *err) {
  om_status st;
  if (label != 0 && label != 1) return om_errf(err, OM_INVALID, "label is %d; expected 0 or 1", label);
  if (!(prob >= 0 && prob <= 1))
    return om_errf(err, OM_INVALID, "probability is %.17g; expected a number between 0 and 1", prob);
  if (label) st = metrics_push(&c->pos, &c->n_pos, &c->cap_pos, prob, err);
  else st = metrics_push(&c->neg, &c->n_neg, &c->cap_neg, prob, err);
  if (st != OM_OK) return st;
  return st_classification_add_sums(c, label, prob, err);
}

/* Behaviour 11 on sorted arrays: twice the Mann-Whitney U of the positives,
** divided by twice n_pos*n_neg.  The integer count is exact while
** 2*n_pos*n_neg fits in 64 bits; beyond that (over 2^31 rows of each class)
** the terms are summed in doubles. */
static double classification_auc(const double *pos, size_t n_pos, const double *neg, size_t n_neg) {
  uint64_t u2 = 0;
  double u2d = 0;
  int exact = n_neg == 0 || n_pos <= UINT64_MAX / 2 / n_neg;
  size_t i = 0, below = 0;
  if (n_pos == 0 || n_neg == 0) return NAN;
  while (i < n_pos) {
    double v = pos[i];
    size_t c1 = 0, equal_end;
    while (i < n_pos && pos[i] == v) {
      c1++;
      i++;
    }
    while (below < n_neg && neg[below] < v) below++;
    equal_end = below;
    while (equal_end < n_neg && neg[equal_end] == v) equal_end++;
    if (exact) u2 += (uint64_t)c1 * (uint64_t)(2 * below + (equal_end - below));
    else u2d += (double)c1 * (2.0 * (double)below + (double)(equal_end - below));
  }
  if (exact) u2d = (double)u2;
  return u2d / (2.0 * (double)n_pos * (double)n_neg);
}

void st_classification_compute_sums(st_classification_acc *c, st_classification_result *out) {
  double n = (double)c->n, prec_den, rec_den;
  out->n = c->n;
  out->threshold = c->threshold;
  out->auc = NAN;
  if (c->n == 0) {
    out->logloss = out->brier = out->accuracy = out->precision = out->recall = out->f1 = NAN;
    return;
  }
  out->logloss = st_metrics_mean(&c->logloss, n);
  out->brier = st_metrics_mean2(&c->dev, n);
  out->accuracy = (double)(c->tp + c->tn) / n;
  prec_den = (double)(c->tp + c->fp);
  rec_den = (double)(c->tp + c->fn);
  out->precision = prec_den > 0 ? (double)c->tp / prec_den : 0.0;
  out->recall = rec_den > 0 ? (double)c->tp / rec_den : 0.0;
  if (out->precision + out->recall > 0)
    out->f1 = 2.0 * out->precision * out->recall / (out->precision + out->recall);
  else out->f1 = 0.0;
}

om_status st_classification_compute(st_classification_acc *c, st_classification_result *out, om_err *err) {
  (void)err;
  st_classification_compute_sums(c, out);
  if (c->n == 0) return OM_OK;
  if (c->n_pos) qsort(c->pos, c->n_pos, sizeof(double), metrics_cmp_double);
  if (c->n_neg) qsort(c->neg, c->n_neg, sizeof(double), metrics_cmp_double);
  out->auc = classification_auc(c->pos, c->n_pos, c->neg, c->n_neg);
  return OM_OK;
}

void st_classification_free(st_classification_acc *c) {
  double t = c->threshold;
  om_free(c->pos);
  om_free(c->neg);
  memset(c, 0, sizeof *c);
  c->threshold = t;
}

/* ------------------------------------------------------------ coverage */

static om_status coverage_check(double actual, double lo, double hi, om_err *err) {
  if (isnan(actual) || isnan(lo) || isnan(hi)) return om_errf(err, OM_INVALID, "NaN in an interval row");
  if (lo > hi) return om_errf(err, OM_INVALID, "lo (%.17g) is greater than hi (%.17g)", lo, hi);
  return OM_OK;
}

om_status st_coverage_add(st_coverage *c, double actual, double lo, double hi, om_err *err) {
  om_status st = coverage_check(actual, lo, hi, err);
  if (st != OM_OK) return st;
  c->n++;
  if (lo <= actual && actual <= hi) c->covered++;
  return OM_OK;
}

om_status st_coverage_remove(st_coverage *c, double actual, double lo, double hi, om_err *err) {
  om_status st = coverage_check(actual, lo, hi, err);
  int in;
  if (st != OM_OK) return st;
  in = lo <= actual && actual <= hi;
  if (c->n == 0 || (in && c->covered == 0))
    return om_errf(err, OM_INTERNAL, "removing a row that was never added");
  c->n--;
  if (in) c->covered--;
  return OM_OK;
}

double st_coverage_value(const st_coverage *c) {
  return c->n ? (double)c->covered / (double)c->n : NAN;
}
