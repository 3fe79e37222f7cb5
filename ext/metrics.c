/*
** metrics.c — regression_metrics(), classification_metrics() (aggregates)
** and interval_coverage() (aggregate and window function): how good are
** omen's duration and failure predictions?
**
**   SELECT regression_metrics(duration_s, predicted_s) FROM runs;
**   SELECT classification_metrics(failed, p_fail, 0.3) FROM runs;
**   SELECT interval_coverage(duration_s, p10_s, p90_s) FROM runs;
**   SELECT day, interval_coverage(duration_s, lo, hi)
**            OVER (ORDER BY day ROWS 99 PRECEDING) FROM runs;
**
** Behaviours (docs/regression_metrics.md, docs/classification_metrics.md,
** docs/interval_coverage.md; numerics in core/st_metrics.h):
**   1. Aggregates skip every row with a NULL in a data argument (actual,
**      predicted / label, probability / actual, lo, hi).  No rows left → NULL.
**   2. regression_metrics(actual, predicted): both INTEGER or REAL and
**      finite, else "regression_metrics(): actual (argument 1) is TEXT;
**      expected INTEGER or REAL" / "... is Inf; expected a finite number".
**      Result: JSON {n, mae, rmse, mape, medae, r2, accuracy, within_20pct}
**      (keys in that order; undefined values — mape with every actual 0, r2
**      with one row — are null).
**   3. classification_metrics(label, probability [, threshold]): label is
**      INTEGER 0 or 1 or REAL 0.0 or 1.0; probability INTEGER or REAL in
**      [0, 1]; errors name the argument and show the value (or the type).
**      threshold (0 < t < 1, default 0.5; NULL means the default) is read
**      from the first row; a different threshold in a later row is an error.
**      Result: JSON {n, auc, logloss, brier, accuracy, precision, recall, f1,
**      threshold}; auc is null when only one class is present.
**   4. interval_coverage(actual, lo, hi): REAL fraction of rows with
**      lo <= actual <= hi.  actual must be finite; lo and hi may be ±Inf
**      (one-sided or unbounded intervals, written 9e999 / -9e999 in omen's
**      JSON) and such rows count; a NULL bound means unknown and the row is
**      skipped (behaviour 1).  lo > hi is an error showing both values.
**      As a window function xInverse removes a row in O(1) from two integer
**      counts, so every frame's value is exactly the aggregate's over the
**      frame (no floating sums to drift); an empty frame gives NULL.
**   5. regression_metrics() and classification_metrics() keep every row's
**      error / probability (8 bytes a row) for the median and the AUC; they
**      are plain aggregates (no window form).  Out of memory → SQLITE_NOMEM.
**   5a. Every sum is exact (st_metrics.h behaviours 7, 14: integer chunks,
**      one rounding at the end), so the result does not depend on the order
**      of the rows, and the mergeable states of metrics_state.c (which
**      share this file's row readers and JSON writers, metrics_agg.h) give
**      the same numbers.
**   6. Numbers are compared and combined as doubles (an INTEGER beyond 2^53
**      is rounded on the way in).  Values in messages appear as given: an
**      INTEGER as such ("2"), a REAL with %!.15g ("2.0", "0.5", "Inf").
**   7. A result that overflows a double (errors near 1e308) is written
**      9e999 (-9e999), which json_extract reads back as Inf, as the pages
**      say; NaN results (undefined) are null.
*/
#include <math.h>

#include "core/base/om_json.h"
#include "metrics_agg.h"
#include "omen_ext.h"

/* A number argument as the user wrote it: INTEGER as such, REAL with %!.15g
** ("2.0", "0.5", "Inf"). */
static const char *metrics_num_text(char *buf, int n, sqlite3_value *v) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) sqlite3_snprintf(n, buf, "%lld", sqlite3_value_int64(v));
  else sqlite3_snprintf(n, buf, "%!.15g", sqlite3_value_double(v));
  return buf;
}

/* Read argv[i] as a number.  Returns 0 with *x set, or 1 after setting an
** error result naming `what` (argument i+1).  finite: reject ±Inf. */
static int metrics_number(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, int argno,
                          int finite, double *x) {
  int t = sqlite3_value_type(v);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
    omen_errorf(ctx, fname, "%s (argument %d) is %s; expected INTEGER or REAL", what, argno, omen_type_name(v));
    return 1;
  }
  *x = sqlite3_value_double(v);
  if (finite && !isfinite(*x)) {
    omen_errorf(ctx, fname, "%s (argument %d) is %!.15g; expected a finite number", what, argno, *x);
    return 1;
  }
  return 0;
}

static void metrics_result_json(sqlite3_context *ctx, om_wbuf *w) {
  if (om_wbuf_status(w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

/* ---------------------------------------------------- regression_metrics */

typedef struct regression_agg {
  st_regression_acc acc; /* zeroed by SQLite = empty */
} regression_agg;

int metrics_regression_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *actual,
                           double *predicted) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return 1;
  if (metrics_number(ctx, fname, argv[0], "actual", 1, 1, actual)) return -1;
  if (metrics_number(ctx, fname, argv[1], "predicted", 2, 1, predicted)) return -1;
  return 0;
}

void regressionMetricsStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  regression_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double actual, predicted;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (metrics_regression_row(ctx, "regression_metrics", argv, &actual, &predicted)) return;
  st = st_regression_add(&a->acc, actual, predicted, &err);
  if (st != OM_OK) omen_result_status(ctx, "regression_metrics", st, &err);
}

void metrics_regression_json(sqlite3_context *ctx, const st_regression_result *r) {
  om_wbuf w;
  om_jw j;
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "n");
  om_jw_int(&j, r->n);
  om_jw_key(&j, "mae");
  om_jw_double(&j, r->mae);
  om_jw_key(&j, "rmse");
  om_jw_double(&j, r->rmse);
  om_jw_key(&j, "mape");
  om_jw_double(&j, r->mape);
  om_jw_key(&j, "medae");
  om_jw_double(&j, r->medae);
  om_jw_key(&j, "r2");
  om_jw_double(&j, r->r2);
  om_jw_key(&j, "accuracy");
  om_jw_double(&j, r->accuracy);
  om_jw_key(&j, "within_20pct");
  om_jw_double(&j, r->within_20pct);
  om_jw_end_object(&j);
  metrics_result_json(ctx, &w);
  om_wbuf_free(&w);
}

void regressionMetricsFinal(sqlite3_context *ctx) {
  regression_agg *a = sqlite3_aggregate_context(ctx, 0);
  st_regression_result r;
  om_err err;
  om_status st;
  if (!a) return; /* no rows: NULL */
  if (a->acc.n == 0) goto done;
  st = st_regression_compute(&a->acc, &r, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "regression_metrics", st, &err);
    goto done;
  }
  metrics_regression_json(ctx, &r);
done:
  st_regression_free(&a->acc);
}

/* ------------------------------------------------ classification_metrics */

typedef struct classification_agg {
  int configured; /* the threshold has been read (first row) */
  st_classification_acc acc;
} classification_agg;

/* The threshold of this row (argument 3, NULL = 0.5), or 1 after an error. */
static int classification_threshold(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv,
                                    double *t) {
  int type;
  *t = 0.5;
  if (argc < 3 || (type = sqlite3_value_type(argv[2])) == SQLITE_NULL) return 0;
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) {
    omen_errorf(ctx, fname, "threshold (argument 3) is %s; expected a number between 0 and 1 (exclusive)",
                omen_type_name(argv[2]));
    return 1;
  }
  *t = sqlite3_value_double(argv[2]);
  if (!(*t > 0 && *t < 1)) {
    char buf[40];
    omen_errorf(ctx, fname, "threshold (argument 3) is %s; expected a number between 0 and 1 (exclusive)",
                metrics_num_text(buf, sizeof buf, argv[2]));
    return 1;
  }
  return 0;
}

/* The label as 0/1, or -1 after an error. */
static int classification_label(sqlite3_context *ctx, const char *fname, sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: {
    sqlite3_int64 i = sqlite3_value_int64(v);
    if (i == 0 || i == 1) return (int)i;
    omen_errorf(ctx, fname, "label (argument 1) is %lld; expected 0 or 1", i);
    return -1;
  }
  case SQLITE_FLOAT: {
    double d = sqlite3_value_double(v);
    if (d == 0 || d == 1) return d == 1;
    omen_errorf(ctx, fname, "label (argument 1) is %!.15g; expected 0 or 1", d);
    return -1;
  }
  default:
    omen_errorf(ctx, fname, "label (argument 1) is %s; expected 0 or 1", omen_type_name(v));
    return -1;
  }
}

int metrics_classification_row(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv, int configured,
                               double current, double *t, int *label, double *prob) {
  int type;
  if (classification_threshold(ctx, fname, argc, argv, t)) return -1;
  if (configured && *t != current) {
    omen_errorf(ctx, fname, "threshold changed from %!.15g to %!.15g between rows", current, *t);
    return -1;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return 1;
  if ((*label = classification_label(ctx, fname, argv[0])) < 0) return -1;
  type = sqlite3_value_type(argv[1]);
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) {
    omen_errorf(ctx, fname, "probability (argument 2) is %s; expected a number between 0 and 1",
                omen_type_name(argv[1]));
    return -1;
  }
  *prob = sqlite3_value_double(argv[1]);
  if (!(*prob >= 0 && *prob <= 1)) {
    char buf[40];
    omen_errorf(ctx, fname, "probability (argument 2) is %s; expected a number between 0 and 1",
                metrics_num_text(buf, sizeof buf, argv[1]));
    return -1;
  }
  return 0;
}

void classificationMetricsStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  classification_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  double t, prob;
  int label, rc;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rc = metrics_classification_row(ctx, "classification_metrics", argc, argv, a->configured, a->acc.threshold, &t,
                                  &label, &prob);
  if (rc < 0) return;
  if (!a->configured) {
    st = st_classification_init(&a->acc, t, &err);
    if (st != OM_OK) {
      omen_result_status(ctx, "classification_metrics", st, &err);
      return;
    }
    a->configured = 1;
  }
  if (rc) return;
  st = st_classification_add(&a->acc, label, prob, &err);
  if (st != OM_OK) omen_result_status(ctx, "classification_metrics", st, &err);
}

void metrics_classification_json(sqlite3_context *ctx, const st_classification_result *r) {
  om_wbuf w;
  om_jw j;
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "n");
  om_jw_int(&j, r->n);
  om_jw_key(&j, "auc");
  om_jw_double(&j, r->auc);
  om_jw_key(&j, "logloss");
  om_jw_double(&j, r->logloss);
  om_jw_key(&j, "brier");
  om_jw_double(&j, r->brier);
  om_jw_key(&j, "accuracy");
  om_jw_double(&j, r->accuracy);
  om_jw_key(&j, "precision");
  om_jw_double(&j, r->precision);
  om_jw_key(&j, "recall");
  om_jw_double(&j, r->recall);
  om_jw_key(&j, "f1");
  om_jw_double(&j, r->f1);
  om_jw_key(&j, "threshold");
  om_jw_double(&j, r->threshold);
  om_jw_end_object(&j);
  metrics_result_json(ctx, &w);
  om_wbuf_free(&w);
}

void classificationMetricsFinal(sqlite3_context *ctx) {
  classification_agg *a = sqlite3_aggregate_context(ctx, 0);
  st_classification_result r;
  om_err err;
  om_status st;
  if (!a) return; /* no rows: NULL */
  if (a->acc.n == 0) goto done;
  st = st_classification_compute(&a->acc, &r, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "classification_metrics", st, &err);
    goto done;
  }
  metrics_classification_json(ctx, &r);
done:
  st_classification_free(&a->acc);
}

/* ----------------------------------------------------- interval_coverage */

/* Read one row.  Returns 0 (use it), 1 (a NULL: skip) or -1 (error set). */
int metrics_coverage_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *actual, double *lo,
                         double *hi) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL ||
      sqlite3_value_type(argv[2]) == SQLITE_NULL)
    return 1;
  if (metrics_number(ctx, fname, argv[0], "actual", 1, 1, actual)) return -1;
  if (metrics_number(ctx, fname, argv[1], "lo", 2, 0, lo)) return -1;
  if (metrics_number(ctx, fname, argv[2], "hi", 3, 0, hi)) return -1;
  if (*lo > *hi) {
    char blo[40], bhi[40];
    omen_errorf(ctx, fname, "lo (argument 2) is greater than hi (argument 3): %s > %s",
                metrics_num_text(blo, sizeof blo, argv[1]), metrics_num_text(bhi, sizeof bhi, argv[2]));
    return -1;
  }
  return 0;
}

void intervalCoverageStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  st_coverage *c = sqlite3_aggregate_context(ctx, sizeof *c);
  double actual, lo, hi;
  om_err err;
  om_status st;
  if (!c) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (metrics_coverage_row(ctx, "interval_coverage", argv, &actual, &lo, &hi)) return;
  st = st_coverage_add(c, actual, lo, hi, &err);
  if (st != OM_OK) omen_result_status(ctx, "interval_coverage", st, &err);
}

void intervalCoverageInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  st_coverage *c = sqlite3_aggregate_context(ctx, sizeof *c);
  double actual, lo, hi;
  om_err err;
  om_status st;
  if (!c) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (metrics_coverage_row(ctx, "interval_coverage", argv, &actual, &lo, &hi)) return;
  st = st_coverage_remove(c, actual, lo, hi, &err);
  if (st != OM_OK) omen_result_status(ctx, "interval_coverage", st, &err);
}

static void coverage_result(sqlite3_context *ctx, const st_coverage *c) {
  if (c && c->n > 0) sqlite3_result_double(ctx, st_coverage_value(c));
}

void intervalCoverageValue(sqlite3_context *ctx) { coverage_result(ctx, sqlite3_aggregate_context(ctx, 0)); }

void intervalCoverageFinal(sqlite3_context *ctx) { coverage_result(ctx, sqlite3_aggregate_context(ctx, 0)); }
