/*
** st_seq.c — the normal-mixture SPRT for a difference of means: per-value
** updates of exact sums, a look (log Lambda and the interval) after each,
** and the running p-value and confidence sequence.
** The spec (method, numbered behaviours) is the header comment of st_seq.h.
*/
#include "st_seq.h"

#include <math.h>
#include <string.h>

#define SEQ_LN2 0.69314718055994530942

void st_seq_options_default(st_seq_options *o) {
  o->alpha = 0.05;
  o->theta0 = 0.0;
  o->tau = NAN;
  o->tau_sd = 0.1;
  o->min_n = 100;
}

om_status st_seq_options_check(const st_seq_options *o, om_err *err) {
  if (!o) return om_errf(err, OM_INVALID, "no options");
  if (!(o->alpha > 0.0 && o->alpha < 1.0))
    return om_errf(err, OM_INVALID, "alpha must be a number between 0 and 1 (exclusive)");
  if (!isfinite(o->theta0)) return om_errf(err, OM_INVALID, "theta0 must be a finite number");
  if (!isnan(o->tau) && !(o->tau > 0.0 && isfinite(o->tau)))
    return om_errf(err, OM_INVALID, "tau must be a finite number > 0");
  if (!(o->tau_sd > 0.0 && isfinite(o->tau_sd)))
    return om_errf(err, OM_INVALID, "tau_sd must be a finite number > 0");
  if (o->min_n < 2) return om_errf(err, OM_INVALID, "min_n must be an integer >= 2");
  return OM_OK;
}

void st_seq_init(st_seq *q, const st_seq_options *o) {
  memset(q, 0, sizeof *q);
  q->opt = *o;
  q->log_tau = isnan(o->tau) ? NAN : log(o->tau);
  q->max_log_lr = -INFINITY;
  q->last_log_lr = NAN;
  q->ci_low = -INFINITY;
  q->ci_high = INFINITY;
}

/* diff / 2 = result * 2^de (behaviour 6: halves, so means near ±DBL_MAX
** cannot overflow; a common exponent for means kept scaled, st_welch.h 2). */
static double seq_diff_half(const st_moments *a, const st_moments *b, int *de) {
  *de = a->mean_exp > b->mean_exp ? a->mean_exp : b->mean_exp;
  return (ldexp(0.5 * a->mean, a->mean_exp - *de) - ldexp(0.5 * b->mean, b->mean_exp - *de)) +
         0.5 * (ldexp(a->mean_lo, a->mean_exp - *de) - ldexp(b->mean_lo, b->mean_exp - *de));
}

/* var_a/n_a + var_b/n_b = s2 * 2^k with k even (both n >= 2). */
static double seq_var_scaled(const st_moments *a, const st_moments *b, int *k) {
  int kk = a->m2 != 0.0 && (b->m2 == 0.0 || a->m2_exp >= b->m2_exp) ? a->m2_exp
           : b->m2 != 0.0                                           ? b->m2_exp
                                                                    : 0;
  double vas, vbs;
  if (kk & 1) kk++;
  vas = a->m2 != 0.0 ? ldexp(a->m2 / (a->n - 1.0) / a->n, a->m2_exp - kk) : 0.0;
  vbs = b->m2 != 0.0 ? ldexp(b->m2 / (b->n - 1.0) / b->n, b->m2_exp - kk) : 0.0;
  *k = kk;
  return vas + vbs;
}

double st_seq_log_pooled_sd(const st_moments *a, const st_moments *b) {
  int k;
  double sum;
  if (!(a->n >= 1.0 && b->n >= 1.0 && a->n + b->n >= 3.0)) return NAN;
  if (a->m2 == 0.0 && b->m2 == 0.0) return NAN;
  k = a->m2 != 0.0 && (b->m2 == 0.0 || a->m2_exp >= b->m2_exp) ? a->m2_exp : b->m2_exp;
  sum = (a->m2 != 0.0 ? ldexp(a->m2, a->m2_exp - k) : 0.0) + (b->m2 != 0.0 ? ldexp(b->m2, b->m2_exp - k) : 0.0);
  if (!(sum > 0.0) || !isfinite(sum)) return NAN;
  return 0.5 * (log(sum) + k * SEQ_LN2 - log(a->n + b->n - 2.0));
}

void st_seq_eval(const st_moments *a, const st_moments *b, double log_tau, double theta0, double alpha,
                 st_seq_look *out) {
  double dh, s2, ses, fd, L, e, lg1p, log_frac, frac, inv_r, zz, F, h, c;
  int de, k, ed;
  out->ok = 0;
  out->log_lr = NAN;
  out->lo = -INFINITY;
  out->hi = INFINITY;
  if (!(a->n >= 2.0 && b->n >= 2.0) || isnan(log_tau) || !(alpha > 0.0 && alpha < 1.0)) return;
  dh = seq_diff_half(a, b, &de);
  s2 = seq_var_scaled(a, b, &k);
  if (!(s2 > 0.0) || !isfinite(s2) || !isfinite(dh)) return; /* behaviour 2: v = 0 */
  ses = sqrt(s2);                                            /* se = ses * 2^(k/2) */
  /* d = diff - theta0 = fd * 2^ed */
  if (theta0 == 0.0) {
    fd = frexp(dh, &ed);
    ed += de + 1;
  } else {
    fd = frexp(ldexp(dh, de) - 0.5 * theta0, &ed);
    ed += 1;
  }
  /* L = log r = log(tau^2 / v) */
  L = 2.0 * log_tau - (log(s2) + k * SEQ_LN2);
  if (L > 0.0) {
    e = exp(-L); /* 1/r */
    lg1p = L + log1p(e);
    log_frac = -log1p(e);
    frac = 1.0 / (1.0 + e);
    inv_r = e;
  } else {
    e = exp(L); /* r */
    lg1p = log1p(e);
    log_frac = L - log1p(e);
    frac = e / (1.0 + e);
    inv_r = 1.0 / e; /* +inf when r underflows */
  }
  /* z^2 r / (1 + r), directly when it is safe, else from logs */
  if (fd == 0.0) {
    zz = 0.0;
  } else {
    double z = ldexp(fd / ses, ed - k / 2);
    if (isfinite(z) && isfinite(z * z) && frac > 0.0 && z * z > 1e-300) {
      zz = z * z * frac;
    } else {
      double lz = log(fabs(fd) / ses) + (ed - k / 2) * SEQ_LN2;
      zz = exp(2.0 * lz + log_frac);
    }
  }
  out->log_lr = -0.5 * lg1p + 0.5 * zz;
  /* w = se * sqrt((1 + 1/r)(2 log(1/alpha) + log(1 + r))); ends in halves */
  F = (1.0 + inv_r) * (-2.0 * log(alpha) + lg1p);
  h = ldexp(ses * sqrt(F), k / 2 - 1); /* w / 2 */
  c = ldexp(dh, de);                   /* diff / 2 */
  out->lo = 2.0 * (c - h);
  out->hi = 2.0 * (c + h);
  out->ok = 1;
}

/* Behaviour 1: a look at the current moments. */
static void seq_look(st_seq *q) {
  const st_moments *a = &q->m[0], *b = &q->m[1];
  st_seq_look lk;
  if (a->n < (double)q->opt.min_n || b->n < (double)q->opt.min_n) return;
  if (isnan(q->log_tau)) { /* behaviour 3: tau_sd * pooled sd, frozen at the first look */
    double lp = st_seq_log_pooled_sd(a, b);
    if (isnan(lp)) return;
    q->log_tau = log(q->opt.tau_sd) + lp;
  }
  st_seq_eval(a, b, q->log_tau, q->opt.theta0, q->opt.alpha, &lk);
  if (!lk.ok) return;
  q->looks++;
  q->last_log_lr = lk.log_lr;
  if (lk.log_lr > q->max_log_lr) q->max_log_lr = lk.log_lr;
  if (lk.lo > q->ci_low) q->ci_low = lk.lo;
  if (lk.hi < q->ci_high) q->ci_high = lk.hi;
}

om_status st_seq_add(st_seq *q, int slot, double x, om_err *err) {
  om_status st;
  if (slot != 0 && slot != 1) return om_errf(err, OM_INVALID, "group slot must be 0 or 1");
  st = st_sums_add(&q->s[slot], x, err);
  if (st != OM_OK) return st;
  st_sums_moments(&q->s[slot], &q->m[slot]);
  seq_look(q);
  return OM_OK;
}

void st_seq_swap(st_seq *q) {
  st_sums ts = q->s[0];
  st_moments tm = q->m[0];
  q->s[0] = q->s[1];
  q->s[1] = ts;
  q->m[0] = q->m[1];
  q->m[1] = tm;
}

/* Behaviour 6: `name` = frac * 2^exp2 is beyond the double range. */
static om_status seq_too_big(om_err *err, const char *name, double frac, int exp2) {
  double l10 = log10(fabs(frac)) + exp2 * 0.30102999566398120, ex = floor(l10);
  return om_errf(err, OM_INVALID,
                 "%s is about %.2ge%+.0f, beyond the range of a double; divide the values by a constant first", name,
                 (frac < 0 ? -1.0 : 1.0) * pow(10.0, l10 - ex), ex);
}

om_status st_seq_result_get(const st_seq *q, st_seq_result *out, om_err *err) {
  const st_moments *a = &q->m[0], *b = &q->m[1];
  out->n_a = a->n;
  out->n_b = b->n;
  out->mean_a = a->n > 0.0 ? ldexp(a->mean + a->mean_lo, a->mean_exp) : NAN;
  out->mean_b = b->n > 0.0 ? ldexp(b->mean + b->mean_lo, b->mean_exp) : NAN;
  out->diff = out->se = NAN;
  if (a->n > 0.0 && b->n > 0.0) {
    int de;
    double dh = seq_diff_half(a, b, &de);
    out->diff = ldexp(dh, de + 1);
    if (isinf(out->diff)) return seq_too_big(err, "diff", dh, de + 1);
  }
  if (a->n >= 2.0 && b->n >= 2.0) {
    int k;
    double s2 = seq_var_scaled(a, b, &k);
    if (isfinite(s2)) {
      out->se = ldexp(sqrt(s2), k / 2);
      if (isinf(out->se)) return seq_too_big(err, "se", sqrt(s2), k / 2);
    }
  }
  out->looks = q->looks;
  out->log_lr = q->last_log_lr;
  out->p = q->looks ? exp(-q->max_log_lr) : 1.0;
  if (out->p > 1.0) out->p = 1.0;
  out->reject = out->p <= q->opt.alpha;
  out->ci_empty = q->ci_low >= q->ci_high;
  out->ci_low = out->ci_empty ? NAN : q->ci_low;
  out->ci_high = out->ci_empty ? NAN : q->ci_high;
  out->tau = !isnan(q->opt.tau) ? q->opt.tau : isnan(q->log_tau) ? NAN : exp(q->log_tau);
  return OM_OK;
}
