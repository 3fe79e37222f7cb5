/*
** st_metrics.h — evaluation metrics for predictions, the numerical core of
** regression_metrics(), classification_metrics() and interval_coverage()
** (SQL layer: ext/metrics.c; pages: docs/<function>.md).
**
** All three are streaming accumulators: rows are added one at a time, the
** result is computed at the end (and, for coverage, after every add/remove).
** A zeroed accumulator (memset 0, or SQLite's zeroed aggregate context) is a
** valid empty one, except that st_classification_init() sets the threshold.
**
** Regression (st_regression_*), for rows (a = actual, p = predicted):
**   1. Both must be finite: a NaN or ±Inf is OM_INVALID ("actual is not a
**      finite number", "predicted ...") and the row is not added.
**   2. mae = mean |a-p|; rmse = sqrt(mean (a-p)^2); medae = median |a-p|
**      (the mean of the two middle values when n is even, as numpy.median);
**      all as sklearn.metrics (mean_absolute_error, mean_squared_error,
**      median_absolute_error).
**   3. r2 = 1 - SS_res/SS_tot with SS_res = sum (a-p)^2 and SS_tot =
**      sum (a-mean(a))^2, as sklearn.metrics.r2_score; when SS_tot = 0
**      (constant actual) r2 is 1.0 if SS_res = 0 else 0.0 (sklearn's
**      force_finite=True); r2 is NaN (null) with n < 2, as sklearn.  SS_tot is
**      n S2 - S1^2 over n computed exactly from the exact sums of a and a^2
**      (behaviour 7), so a large common offset (timestamps, 1e9 + x) costs
**      no accuracy and a constant actual gives exactly SS_tot = 0 (numpy's
**      two-pass mean can leave a rounding residue there: see
**      docs/regression_metrics.md).
**   4. mape = mean |a-p|/|a| over the rows with a != 0 only, as a fraction
**      (0.25 = 25%), like sklearn's mean_absolute_percentage_error except
**      that sklearn divides by max(|a|, DBL_EPSILON) and keeps a = 0 rows;
**      NaN (null) when every a is 0.
**   5. accuracy = mean over rows of min(a,p)/max(a,p), with: a == p scores 1
**      (both 0 included); otherwise min(a,p) <= 0 scores 0.
**   6. within_20pct = fraction of rows with fabs(p - a) <= 0.2 * fabs(a)
**      (evaluated in doubles exactly as written; a = p = 0 counts).
**   7. Sums are EXACT and order-free (st_sums, st_welch.h behaviour 1):
**      err holds |a-p| (S1 = sum |a-p|, S2 = sum (a-p)^2, the squares of
**      the rounded differences taken exactly), ape the per-row |a-p|/|a|,
**      ratio the accuracy scores, actual a (S1, S2).  Each mean is the exact
**      sum over n, rounded once at the end (st_metrics_mean), so the result
**      does not depend on the order of the rows nor on how rows were split
**      and merged (mergeable states, st_metrics_state.h).  A row whose a-p
**      overflows (|a-p| = Inf) is counted in n_inf_err and not summed: mae,
**      rmse are then Inf and r2 -Inf (null in JSON); likewise a row whose
**      |a-p|/|a| overflows is counted in n_inf_ape and mape is Inf.  rmse
**      and r2 are computed with separate exponents, so (a-p)^2 beyond the
**      double range still gives a finite rmse.  Every |a-p| is also kept
**      (an array grown through om_realloc, doubling) for the median by
**      st_regression_add; st_regression_add_sums adds a row to the sums
**      only (the mergeable state keeps a sketch instead).  A failed
**      allocation is OM_NOMEM and leaves the accumulator as it was.
**   8. st_regression_compute() sorts the kept errors in place (order does
**      not matter to the other sums, so rows may still be added after it).
**      With n = 0 every metric is NaN.  st_regression_compute_sums() gives
**      every metric but medae (NaN) from the sums alone.
**
** Classification (st_classification_*), for rows (y = label, q = probability
** of label 1), threshold t:
**   9. t must satisfy 0 < t < 1 (st_classification_init: OM_INVALID).  y
**      must be 0 or 1 and q a number in [0, 1] (NaN rejected): OM_INVALID,
**      row not added.
**  10. Predicted positive iff q >= t.  accuracy = correct/n; precision =
**      tp/(tp+fp), recall = tp/(tp+fn), f1 = 2*precision*recall/(precision+
**      recall) computed in that order as sklearn does; each is 0 where its
**      denominator is 0 (sklearn's zero_division default).
**  11. auc = ROC AUC = P(q_pos > q_neg) + P(q_pos = q_neg)/2, the
**      Mann-Whitney statistic with average ranks for ties, which equals
**      sklearn.metrics.roc_auc_score's trapezoidal area; counted exactly in
**      integers (doubled, so a tie adds 1 instead of 1/2); NaN if only one
**      class is present.  The probabilities of each class are kept (two
**      arrays grown through om_realloc) and sorted: O(n log n).
**  12. logloss = mean of -log of the probability given to the true label,
**      as sklearn.metrics.log_loss (1.2.1) does it: q is clipped to
**      [eps, 1-eps] with eps = DBL_EPSILON (np.finfo(float64).eps), the pair
**      (1-q, q) is renormalised by its sum, and -log of the true label's
**      entry is taken.  Defined with one class present (sklearn then needs
**      labels=[0, 1]).
**  13. brier = mean (q - y)^2, as sklearn.metrics.brier_score_loss.
**  14. Exact sums as in 7: logloss holds the per-row log loss, dev the
**      per-row q - y (its S2 is sum (q-y)^2, squares taken exactly);
**      st_classification_add_sums adds a row to the counts and sums only;
**      st_classification_compute_sums() gives every metric but auc (NaN).
**      OM_NOMEM leaves the accumulator as it was;
**      st_classification_compute() sorts the kept probabilities in place.
**  14a. st_metrics_mean(s, n) is the non-negative exact sum S1 of s over n,
**      rounded once (from its top 128 bits: error below one unit in the
**      last place); st_metrics_mean2 the same for S2.
**
** Interval coverage (st_coverage_*), for rows (a, lo, hi):
**  15. covered iff lo <= a <= hi.  lo > hi, or a NaN anywhere, is
**      OM_INVALID; infinite lo/hi are fine (one-sided intervals).
**  16. st_coverage_remove() undoes st_coverage_add() of the same row exactly
**      (the counts are integers), for sliding windows.
**  17. st_coverage_value() = covered/n, NaN when n = 0.
*/
#ifndef ST_METRICS_H
#define ST_METRICS_H

#include "../base/om_core.h"
#include "st_welch.h"

/* ---------------------------------------------------------- regression */

typedef struct st_regression_acc {
  int64_t n;         /* rows added */
  int64_t n_ape;     /* rows with a != 0 */
  int64_t n_within;  /* rows with |p-a| <= 0.2|a| */
  int64_t n_inf_err; /* rows whose |a-p| overflowed (not in err) */
  int64_t n_inf_ape; /* rows with a != 0 whose |a-p|/|a| overflowed (not in ape) */
  st_sums err;       /* finite |a-p| (behaviour 7) */
  st_sums ape;       /* finite |a-p|/|a| over rows with a != 0 */
  st_sums ratio;     /* the per-row accuracy scores (behaviour 5) */
  st_sums actual;    /* a */
  double *abs_errs;  /* every |a-p| (om_realloc'd), n of them; NULL with add_sums */
  size_t cap;        /* capacity of abs_errs */
} st_regression_acc;

typedef struct st_regression_result {
  int64_t n;           /* rows */
  double mae;          /* mean absolute error */
  double rmse;         /* root mean squared error */
  double mape;         /* mean |a-p|/|a| over a != 0 rows (NaN if none) */
  double medae;        /* median absolute error */
  double r2;           /* coefficient of determination */
  double accuracy;     /* mean min/max score */
  double within_20pct; /* fraction with |p-a| <= 0.2|a| */
} st_regression_result;

void st_regression_init(st_regression_acc *r);
om_status st_regression_add(st_regression_acc *r, double actual, double predicted, om_err *err);
om_status st_regression_add_sums(st_regression_acc *r, double actual, double predicted, om_err *err);
void st_regression_compute_sums(st_regression_acc *r, st_regression_result *out);
om_status st_regression_compute(st_regression_acc *r, st_regression_result *out, om_err *err);
void st_regression_free(st_regression_acc *r); /* leaves an empty accumulator */

/* ------------------------------------------------------ classification */

typedef struct st_classification_acc {
  double threshold;       /* predicted positive iff q >= threshold */
  int64_t n;              /* rows added */
  int64_t tp, fp, tn, fn; /* confusion matrix at the threshold */
  st_sums logloss;        /* per-row log loss (behaviour 14) */
  st_sums dev;            /* per-row q - y: S2 = sum (q-y)^2 */
  double *pos;            /* q of rows with y = 1 (om_realloc'd) */
  size_t n_pos, cap_pos;
  double *neg;            /* q of rows with y = 0 (om_realloc'd) */
  size_t n_neg, cap_neg;
} st_classification_acc;

typedef struct st_classification_result {
  int64_t n;        /* rows */
  double auc;       /* ROC AUC (NaN with one class) */
  double logloss;   /* mean log loss */
  double brier;     /* mean squared error of the probability */
  double accuracy;  /* fraction classified correctly at the threshold */
  double precision; /* tp/(tp+fp), 0 if no predicted positive */
  double recall;    /* tp/(tp+fn), 0 if no positive */
  double f1;        /* harmonic mean of precision and recall, 0 if both 0 */
  double threshold; /* as given */
} st_classification_result;

om_status st_classification_init(st_classification_acc *c, double threshold, om_err *err);
om_status st_classification_add(st_classification_acc *c, int label, double prob, om_err *err);
om_status st_classification_add_sums(st_classification_acc *c, int label, double prob, om_err *err);
void st_classification_compute_sums(st_classification_acc *c, st_classification_result *out);
om_status st_classification_compute(st_classification_acc *c, st_classification_result *out, om_err *err);
void st_classification_free(st_classification_acc *c); /* keeps the threshold */

/* ------------------------------------------------------------ coverage */

typedef struct st_coverage {
  int64_t n;       /* rows in the frame */
  int64_t covered; /* of which lo <= a <= hi */
} st_coverage;

om_status st_coverage_add(st_coverage *c, double actual, double lo, double hi, om_err *err);
om_status st_coverage_remove(st_coverage *c, double actual, double lo, double hi, om_err *err);
double st_coverage_value(const st_coverage *c);

/* Behaviour 14a: exact non-negative sums over n, rounded once. */
double st_metrics_mean(st_sums *s, double n);
double st_metrics_mean2(st_sums *s, double n);

#endif /* ST_METRICS_H */
