/*
** metrics_state.c — mergeable states of the metrics aggregates:
** interval_coverage_state(actual, lo, hi), regression_metrics_state(actual,
** predicted), classification_metrics_state(label, probability
** [, threshold]) (aggregates returning a state BLOB), the same names with
** one argument, X_state(state), merging states into a state, and
** X_merge(state), returning what X returns over the union of the rows.
**
**   -- one state per database file, merged in one query through ATTACH:
**   SELECT regression_metrics_merge(s) FROM (
**     SELECT regression_metrics_state(duration_s, predicted_s) AS s FROM f1.runs
**     UNION ALL SELECT regression_metrics_state(duration_s, predicted_s) FROM f2.runs);
**   -- roll-ups in levels: hosts -> regions -> all
**   SELECT region, classification_metrics_state(state) FROM host_states GROUP BY region;
**
** Behaviours (docs/<function>_state.md, docs/<function>_merge.md; the
** payload and its checks in core/stats/st_metrics_state.h):
**   1. X_state(rows...) takes its rows exactly as X does (metrics.c
**      behaviours 1-4, 6: the same checks and messages, named X_state;
**      metrics_agg.h) and returns a state BLOB: the model envelope, kind
**      'metrics_state', whose payload says which function it belongs to.
**      No rows → NULL.
**   2. X_state(state) and X_merge(state) take state BLOBs (NULL skipped; no
**      state → NULL) and merge them exactly (st_metrics_state.h 2).
**      X_state(state) returns the merged state, X_merge(state) X's result
**      over the union of the rows, rendered by X's own code
**      (metrics_agg.h): interval_coverage_merge equals interval_coverage;
**      regression_metrics_merge equals regression_metrics in every member
**      but medae (within 0.5% of it: a quantile sketch), and
**      classification_metrics_merge equals classification_metrics in every
**      member but auc (equal while the rows have at most 4096 distinct
**      probabilities; beyond, within the bound of st_metrics_state.h 4).
**      The result does not depend on the split or the order of the states.
**   3. Bad input, each an error starting with the function's name: a state
**      that is not a BLOB; a BLOB that is not an omen envelope or is damaged
**      (mdl_open's messages); a model or state of another kind ("the state
**      is a welch_state state; expected a metrics_state, from
**      regression_metrics_state()"); a state of another metrics function
**      ("the state is a classification_metrics state, from
**      classification_metrics_state(); expected one from
**      regression_metrics_state()"); a newer payload version (both named);
**      a corrupt payload; classification states with different thresholds
**      (both named).
**   4. Plain aggregates, not window functions.  Flags: pure
**      (DETERMINISTIC, INNOCUOUS): they read only their arguments.
*/
#include <string.h>

#include "core/base/mdl_kind.h"
#include "core/stats/st_metrics_state.h"
#include "metrics_agg.h"
#include "omen_ext.h"

typedef struct mstate_agg {
  int started; /* s is initialised (first row or state seen) */
  st_mstate s;
} mstate_agg;

static const char *maker_of(int fn) {
  return fn == ST_MS_COVERAGE ? "interval_coverage_state"
         : fn == ST_MS_REGRESSION ? "regression_metrics_state"
                                  : "classification_metrics_state";
}

static mstate_agg *agg_get(sqlite3_context *ctx) {
  mstate_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a) sqlite3_result_error_nomem(ctx);
  return a;
}

/* Open a state argument of function fn: 1 with os open (os->model NULL for
** an SQL NULL), or 0 after an error was set (behaviour 3). */
static int mstate_open(sqlite3_context *ctx, const char *fname, int fn, sqlite3_value *arg, omen_state *os) {
  const st_mstate *m;
  if (omen_state_open(ctx, fname, arg, MDL_KIND_METRICS_STATE, maker_of(fn), os)) return 0;
  m = os->model;
  if (m && m->fn != fn) {
    omen_errorf(ctx, fname, "the state is a %s state, from %s(); expected one from %s()", st_mstate_fn_name(m->fn),
                maker_of(m->fn), maker_of(fn));
    omen_state_close(os);
    return 0;
  }
  return 1;
}

/* Merge an opened state into the aggregate (behaviour 2). */
static void mstate_fold(sqlite3_context *ctx, const char *fname, mstate_agg *a, const st_mstate *m) {
  om_err err;
  om_status st;
  if (!a->started) {
    st_mstate_init(&a->s, m->fn, m->cls.threshold);
    a->started = 1;
  }
  st = st_mstate_merge(&a->s, m, &err);
  if (st != OM_OK) omen_result_status(ctx, fname, st, &err);
}

/* A state of interval_coverage or regression_metrics. */
static void mstate_step(sqlite3_context *ctx, const char *fname, int fn, sqlite3_value *arg) {
  mstate_agg *a = agg_get(ctx);
  omen_state os;
  if (!a || !mstate_open(ctx, fname, fn, arg, &os) || !os.model) return;
  mstate_fold(ctx, fname, a, os.model);
  omen_state_close(&os);
}

/* A state of classification_metrics: the thresholds must agree. */
static void cls_state_step(sqlite3_context *ctx, const char *fname, sqlite3_value *arg) {
  mstate_agg *a = agg_get(ctx);
  const st_mstate *m;
  omen_state os;
  if (!a || !mstate_open(ctx, fname, ST_MS_CLASSIFICATION, arg, &os) || !os.model) return;
  m = os.model;
  if (a->started && a->s.cls.threshold != m->cls.threshold)
    omen_errorf(ctx, fname,
                "states differ: one has threshold %!.15g, another %!.15g; merge states made with the same threshold",
                a->s.cls.threshold, m->cls.threshold);
  else mstate_fold(ctx, fname, a, m);
  omen_state_close(&os);
}

static void row_status(sqlite3_context *ctx, const char *fname, om_status st, om_err *err) {
  if (st != OM_OK) omen_result_status(ctx, fname, st, err);
}

/* The aggregate as a state BLOB (behaviour 1), or NULL for no rows. */
static void mstate_final(sqlite3_context *ctx, const char *fname) {
  mstate_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a || !a->started) return;
  if (st_mstate_rows(&a->s) > 0) {
    om_wbuf_init(&w);
    st = st_mstate_write(&a->s, &w, &err);
    if (st != OM_OK) omen_result_status(ctx, fname, st, &err);
    else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
    om_wbuf_free(&w);
  }
  st_mstate_free(&a->s);
}

/* The function's own result over the merged rows (behaviour 2). */
static void mstate_merge_final(sqlite3_context *ctx) {
  mstate_agg *a = sqlite3_aggregate_context(ctx, 0);
  if (!a || !a->started) return;
  if (st_mstate_rows(&a->s) > 0) {
    if (a->s.fn == ST_MS_COVERAGE) {
      sqlite3_result_double(ctx, st_mstate_coverage(&a->s));
    } else if (a->s.fn == ST_MS_REGRESSION) {
      st_regression_result r;
      st_mstate_regression(&a->s, &r);
      metrics_regression_json(ctx, &r);
    } else {
      st_classification_result r;
      st_mstate_classification(&a->s, &r);
      metrics_classification_json(ctx, &r);
    }
  }
  st_mstate_free(&a->s);
}

/* ------------------------------------------------- interval_coverage */

void intervalCoverageStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "interval_coverage_state";
  mstate_agg *a;
  double y, lo, hi;
  om_err err;
  if (argc == 1) {
    mstate_step(ctx, fname, ST_MS_COVERAGE, argv[0]);
    return;
  }
  if (!(a = agg_get(ctx))) return;
  if (!a->started) {
    st_mstate_init(&a->s, ST_MS_COVERAGE, 0.5);
    a->started = 1;
  }
  if (metrics_coverage_row(ctx, fname, argv, &y, &lo, &hi)) return;
  row_status(ctx, fname, st_mstate_add_coverage(&a->s, y, lo, hi, &err), &err);
}

void intervalCoverageStateFinal(sqlite3_context *ctx) { mstate_final(ctx, "interval_coverage_state"); }

void intervalCoverageMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mstate_step(ctx, "interval_coverage_merge", ST_MS_COVERAGE, argv[0]);
}

/* ------------------------------------------------ regression_metrics */

void regressionMetricsStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "regression_metrics_state";
  mstate_agg *a;
  double y, p;
  om_err err;
  if (argc == 1) {
    mstate_step(ctx, fname, ST_MS_REGRESSION, argv[0]);
    return;
  }
  if (!(a = agg_get(ctx))) return;
  if (!a->started) {
    st_mstate_init(&a->s, ST_MS_REGRESSION, 0.5);
    a->started = 1;
  }
  if (metrics_regression_row(ctx, fname, argv, &y, &p)) return;
  row_status(ctx, fname, st_mstate_add_regression(&a->s, y, p, &err), &err);
}

void regressionMetricsStateFinal(sqlite3_context *ctx) { mstate_final(ctx, "regression_metrics_state"); }

void regressionMetricsMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mstate_step(ctx, "regression_metrics_merge", ST_MS_REGRESSION, argv[0]);
}

/* -------------------------------------------- classification_metrics */

void classificationMetricsStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char fname[] = "classification_metrics_state";
  mstate_agg *a;
  double t, q;
  int label, rc;
  om_err err;
  if (argc == 1) {
    cls_state_step(ctx, fname, argv[0]);
    return;
  }
  if (!(a = agg_get(ctx))) return;
  rc = metrics_classification_row(ctx, fname, argc, argv, a->started, a->s.cls.threshold, &t, &label, &q);
  if (rc < 0) return;
  if (!a->started) {
    st_mstate_init(&a->s, ST_MS_CLASSIFICATION, t);
    a->started = 1;
  }
  if (rc) return;
  row_status(ctx, fname, st_mstate_add_classification(&a->s, label, q, &err), &err);
}

void classificationMetricsStateFinal(sqlite3_context *ctx) { mstate_final(ctx, "classification_metrics_state"); }

void classificationMetricsMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  cls_state_step(ctx, "classification_metrics_merge", argv[0]);
}

/* The three X_merge share their final: the state says which result. */
void metricsMergeFinal(sqlite3_context *ctx) { mstate_merge_final(ctx); }
