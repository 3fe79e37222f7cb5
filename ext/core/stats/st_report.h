/*
** st_report.h — the numbers of experiment_report(value, group [, control
** [, options]]): every variant against one control, with Welch's test, the
** relative lift by the delta method, Holm's adjustment and a decision.
** Plain C (no sqlite3.h); the SQL layer is ext/experiment.c.
**
** Input: K >= 1 variants (at most ST_REPORT_MAX), each an st_moments
** (st_welch.h), one of them the control.  For every variant v (the control
** included):
**   n, mean, and the t interval of its mean: mean ± t_{(1+c)/2, n-1} s/√n
**   (NaN ends for n < 2).
** For every variant v other than the control c:
**   1. diff = mean_v - mean_c with Welch's two-sided test and interval
**      (st_welch_ttest(v, c, two-sided, confidence): p, diff_low,
**      diff_high), i.e. scipy.stats.ttest_ind(v, c, equal_var=False).
**   2. lift = diff / mean_c, and its interval by the delta method (the
**      first-order variance of the ratio of two independent means):
**        se(lift)^2 = var_v/(n_v mean_c^2) + mean_v^2 var_c/(n_c mean_c^4)
**      lift ± z_{(1+c)/2} se(lift).  lift is NaN when mean_c is 0; its
**      ends are NaN when, in addition, a variance is undefined (n < 2) or
**      se(lift) is not a finite number.
**   3. p_holm: Holm's (1979) step-down adjustment of the K-1 Welch
**      p-values: sorted ascending, p_(i) * (m - i) for i = 0..m-1, made
**      non-decreasing, capped at 1 (statsmodels multipletests 'holm').  NaN
**      p-values are left out of the family (m counts the others) and their
**      p_holm stays NaN.  With one comparison p_holm = p.
**   4. needed: the runs per variant that a two-sided two-sample t-test at
**      level alpha / (K-1) (Bonferroni, for planning) needs to detect
**      min_effect with the given power: statsmodels'
**      TTestIndPower().solve_power(effect_size = min_effect / sd,
**      alpha = alpha/(K-1), power, ratio = 1, alternative = 'two-sided')
**      through st_power.h, with sd = sqrt((var_v + var_c) / 2).
**      min_effect is the option (absolute, in the value's units), by
**      default 5 % of |mean_c|.  2 when 2 runs per variant already give the
**      power (min_effect many standard deviations wide: the solver has no
**      root there, statsmodels does not converge).  NaN when it cannot be
**      computed (a group with n < 2, both variances 0, min_effect 0, or no
**      solution below 1e300).
**   5. decision, in this order:
**      - ST_DECIDE_WINNER / ST_DECIDE_LOSER: p_holm < alpha and diff != 0;
**        winner when diff > 0 and higher is better, or diff < 0 and lower
**        is better; loser otherwise;
**      - ST_DECIDE_NO_DIFFERENCE: not that, needed is a number and both
**        groups already have at least `needed` runs (the test had its
**        power: an effect of min_effect would most likely have shown);
**      - ST_DECIDE_KEEP_RUNNING: otherwise; more = ceil(needed) -
**        min(n_v, n_c) runs per variant (at least 1); more = 0 when needed
**        is NaN (unknown).
**   6. Invalid options — confidence or alpha not strictly between 0 and 1,
**      power not strictly between alpha and 1, min_effect given (not NaN)
**      but not a finite number > 0 — and K or control out of range are
**      OM_INVALID with a message naming the option; nothing is allocated
**      (the rows are written only on OM_OK).  A Welch interval beyond the
**      double range is OM_INVALID with st_welch_ttest's message (st_welch.h
**      behaviour 9).
**   7. st_report_min_effect is the min_effect used (the option, or 5 % of
**      |mean_c|), for the report's header.
**   8. st_report_alpha is the alpha used: the option, else 1 - confidence
**      rounded to 12 decimals when that leaves it positive (so confidence
**      0.95 gives exactly the double 0.05, not 0.050000000000000044).
*/
#ifndef ST_REPORT_H
#define ST_REPORT_H

#include "../base/om_core.h"
#include "st_welch.h"

#define ST_REPORT_MAX 64 /* variants, the control included */

typedef enum st_decision {
  ST_DECIDE_NONE = 0, /* the control itself */
  ST_DECIDE_WINNER,
  ST_DECIDE_LOSER,
  ST_DECIDE_NO_DIFFERENCE,
  ST_DECIDE_KEEP_RUNNING
} st_decision;

typedef struct st_report_options {
  double confidence;   /* of every interval, default 0.95 */
  double alpha;        /* level of the decision; NaN = 1 - confidence */
  double power;        /* for `needed`, default 0.8 */
  double min_effect;   /* absolute; NaN = 5 % of |control mean| */
  int lower_is_better; /* 0: higher is better (default) */
} st_report_options;

typedef struct st_report_row {
  double n, mean, mean_low, mean_high;
  double diff, diff_low, diff_high; /* NaN for the control */
  double lift, lift_low, lift_high; /* NaN for the control */
  double p, p_holm;                 /* NaN for the control */
  double needed;                    /* runs per variant (behaviour 4) */
  double more;                      /* behaviour 5; 0 unless keep running with needed known */
  st_decision decision;
} st_report_row;

void st_report_defaults(st_report_options *o);

/* Fill rows[0, k) from the moments m[0, k) against m[control]. */
om_status st_report(const st_moments *m, int k, int control, const st_report_options *o, st_report_row *rows,
                    om_err *err);

/* Behaviour 8. */
double st_report_alpha(const st_report_options *o);

/* Behaviour 7 (o valid, mc the control's moments). */
double st_report_min_effect(const st_moments *mc, const st_report_options *o);

const char *st_decision_name(st_decision d); /* "winner", ..., "keep running"; "control" for NONE */

#endif /* ST_REPORT_H */
