/*
** st_report.c — experiment_report's numbers (st_report.h is the spec).
*/
#include "st_report.h"

#include <math.h>
#include <string.h>

#include "st_power.h"
#include "st_tdist.h"

void st_report_defaults(st_report_options *o) {
  o->confidence = 0.95;
  o->alpha = NAN; /* 1 - confidence */
  o->power = 0.8;
  o->min_effect = NAN;
  o->lower_is_better = 0;
}

const char *st_decision_name(st_decision d) {
  switch (d) {
  case ST_DECIDE_WINNER: return "winner";
  case ST_DECIDE_LOSER: return "loser";
  case ST_DECIDE_NO_DIFFERENCE: return "no detectable difference";
  case ST_DECIDE_KEEP_RUNNING: return "keep running";
  default: return "control";
  }
}

/* The mean of m as one double (st_welch.h: (mean + mean_lo) 2^mean_exp). */
static double moments_mean(const st_moments *m) {
  if (!(m->n > 0)) return NAN;
  return ldexp(m->mean + m->mean_lo, m->mean_exp);
}

double st_report_alpha(const st_report_options *o) {
  double a, r;
  if (!isnan(o->alpha)) return o->alpha;
  a = 1 - o->confidence;
  r = nearbyint(a * 1e12) / 1e12;
  return r > 0 ? r : a;
}

double st_report_min_effect(const st_moments *mc, const st_report_options *o) {
  return isnan(o->min_effect) ? 0.05 * fabs(moments_mean(mc)) : o->min_effect;
}

/* Behaviour 4: runs per group for a two-sided test of effect: statsmodels'
** TTestIndPower().solve_power(d, alpha, power, ratio 1) through st_power.h;
** 2 when even 2 runs per group give the power (the solver's "fewer than 2
** observations" case, where statsmodels does not converge). */
static double needed_runs(double effect, double sd, double alpha, double power) {
  double d, n1, pw;
  om_err e;
  if (!(sd > 0) || !isfinite(sd) || !(effect > 0) || !isfinite(effect)) return NAN;
  d = effect / sd;
  if (!(d > 0) || !isfinite(d)) return NAN;
  if (st_power_calc(ST_POW_T, d, 2.0, 1.0, alpha, ST_POW_TWO_SIDED, &pw, &e) == OM_OK && pw >= power) return 2;
  if (st_power_solve_n(ST_POW_T, d, 1.0, alpha, power, ST_POW_TWO_SIDED, &n1, &e) != OM_OK) return NAN;
  return n1;
}

/* Behaviour 3: Holm's step-down adjustment of the p of the rows other than
** the control (k <= ST_REPORT_MAX, checked by the caller). */
static void holm(st_report_row *rows, int k, int control) {
  int idx[ST_REPORT_MAX], m = 0;
  double run = 0;
  for (int i = 0; i < k; i++)
    if (i != control && !isnan(rows[i].p)) idx[m++] = i;
  for (int i = 1; i < m; i++) { /* insertion sort by p, ties by position */
    int v = idx[i], j = i - 1;
    while (j >= 0 && rows[idx[j]].p > rows[v].p) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
  for (int i = 0; i < m; i++) {
    double adj = rows[idx[i]].p * (double)(m - i);
    if (adj < run) adj = run;
    run = adj;
    rows[idx[i]].p_holm = adj > 1 ? 1 : adj;
  }
}

/* Behaviour 2: the delta-method interval of the lift. */
static void lift_ci(st_report_row *r, double var, double nv, double mean_c, double var_c, double nc, double z) {
  double a, b, se2;
  if (!(mean_c != 0) || !isfinite(mean_c)) return;
  r->lift = r->diff / mean_c;
  a = var / nv / mean_c / mean_c;
  b = (r->mean / mean_c) * (r->mean / mean_c) * var_c / nc / mean_c / mean_c;
  se2 = a + b;
  if (isfinite(se2) && se2 >= 0) {
    double h = z * sqrt(se2);
    r->lift_low = r->lift - h;
    r->lift_high = r->lift + h;
  }
}

om_status st_report(const st_moments *m, int k, int control, const st_report_options *o, st_report_row *rows,
                    om_err *err) {
  double conf, alpha, z, mean_c, var_c, eff;
  const st_moments *mc;
  st_welch_result w[ST_REPORT_MAX];
  if (!m || !o || !rows) return om_errf(err, OM_INVALID, "st_report: NULL argument");
  if (k < 1 || k > ST_REPORT_MAX) return om_errf(err, OM_INVALID, "%d variants; expected 1 to %d", k, ST_REPORT_MAX);
  if (control < 0 || control >= k) return om_errf(err, OM_INVALID, "control %d out of range", control);
  conf = o->confidence;
  alpha = st_report_alpha(o);
  if (!(conf > 0 && conf < 1))
    return om_errf(err, OM_INVALID, "confidence is %.15g; expected a number between 0 and 1 (exclusive)", conf);
  if (!(alpha > 0 && alpha < 1))
    return om_errf(err, OM_INVALID, "alpha is %.15g; expected a number between 0 and 1 (exclusive)", alpha);
  if (!(o->power > alpha && o->power < 1))
    return om_errf(err, OM_INVALID, "power is %.15g; expected a number between alpha (%.15g) and 1 (exclusive)",
                   o->power, alpha);
  if (!isnan(o->min_effect) && !(o->min_effect > 0 && isfinite(o->min_effect)))
    return om_errf(err, OM_INVALID, "min_effect is %.15g; expected a finite number > 0 (in the value's units)",
                   o->min_effect);
  mc = &m[control];
  /* behaviour 1 first: its only failure (st_welch.h 9) must leave rows alone */
  for (int i = 0; i < k; i++) {
    om_err e1;
    if (i == control) continue;
    if (st_welch_ttest(&m[i], mc, ST_TWO_SIDED, conf, &w[i], &e1) != OM_OK) return om_errf(err, OM_INVALID, "%s", e1.msg);
  }
  z = st_norm_ppf(0.5 + conf / 2);
  mean_c = moments_mean(mc);
  var_c = st_moments_var(mc);
  eff = st_report_min_effect(mc, o);
  for (int i = 0; i < k; i++) {
    st_report_row *r = &rows[i];
    double var = st_moments_var(&m[i]);
    memset(r, 0, sizeof *r);
    r->n = m[i].n;
    r->mean = moments_mean(&m[i]);
    r->mean_low = r->mean_high = NAN;
    if (m[i].n >= 2 && isfinite(var)) {
      double h = st_t_ppf(0.5 + conf / 2, m[i].n - 1) * sqrt(var / m[i].n);
      if (isfinite(h)) {
        r->mean_low = r->mean - h;
        r->mean_high = r->mean + h;
      }
    }
    r->diff = r->diff_low = r->diff_high = r->lift = r->lift_low = r->lift_high = NAN;
    r->p = r->p_holm = r->needed = NAN;
    r->more = 0;
    r->decision = ST_DECIDE_NONE;
    if (i == control) continue;
    r->diff = w[i].diff;
    r->diff_low = w[i].ci_low;
    r->diff_high = w[i].ci_high;
    r->p = w[i].p;
    lift_ci(r, var, m[i].n, mean_c, var_c, mc->n, z);
    r->needed = needed_runs(eff, sqrt(var / 2 + var_c / 2), alpha / (double)(k - 1), o->power);
  }
  holm(rows, k, control);
  for (int i = 0; i < k; i++) {
    st_report_row *r = &rows[i];
    double have;
    if (i == control) continue;
    have = r->n < mc->n ? r->n : mc->n;
    if (r->p_holm < alpha && (r->diff > 0 || r->diff < 0)) {
      int up = r->diff > 0;
      r->decision = up != o->lower_is_better ? ST_DECIDE_WINNER : ST_DECIDE_LOSER;
    } else if (!isnan(r->needed) && have >= r->needed) {
      r->decision = ST_DECIDE_NO_DIFFERENCE;
    } else {
      r->decision = ST_DECIDE_KEEP_RUNNING;
      if (!isnan(r->needed)) {
        double more = ceil(r->needed) - have;
        r->more = more < 1 ? 1 : more;
      }
    }
  }
  return OM_OK;
}
