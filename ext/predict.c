/*
** predict.c — scoring with boosted-tree models: predict_duration(),
** predict_interval(), predict_failure(), predict(), predict_cdf() and
** predict_remaining().
**
**   SELECT predict_duration('runtime', feature_vector('threads', 8, 'host', 'web-3'));
**   SELECT predict_duration('runtime', fv, 0.9);          -- 90th percentile
**   SELECT predict_interval('runtime', fv);               -- {"pred","lo","hi","coverage"}
**   SELECT predict_failure('failures', fv);               -- probability
**   SELECT predict_cdf('runtime', fv, 3600);              -- P(done within an hour)
**   SELECT predict_cdf('runtime', fv, 3600, 1800);        -- the same, running for 30 min
**   SELECT predict_remaining('runtime', fv, 1800);        -- median time left after 30 min
**
** Behaviours (docs/predict_duration.md and siblings):
**   1. The model is a BLOB or a registry reference, decoded once per statement
**      (model.c); the decoded model carries its own row buffers, so scoring a
**      row allocates nothing.  The row is filled and scored within one call
**      (gbt_row_prepare, then the core's _x scorers), so nothing carries over
**      between calls and statements may share a decoded model.
**   2. Features are matched by name.  A feature the model needs and the vector
**      lacks (or holds as NULL) is missing and follows the learned default
**      direction; features the model does not know are ignored; a feature of
**      the other type (numeric vs categorical) is an error naming it.  When
**      NONE of the model's features is in the vector (present with a NULL
**      value counts as present) the call is an error listing the model's
**      feature names (omen_no_features_error): a typo in every name would
**      otherwise score as "all missing" and return a plausible number.
**      model_features(model, fv) (model_features.c) shows per feature what
**      matched.
**   3. predict_duration needs a regression objective ('duration', 'squared',
**      'quantile' or 'aft'); predict_failure needs 'binary'; predict accepts
**      any and returns the model's natural output (seconds for 'duration' and
**      'aft', a probability for 'binary', the target's units otherwise).  A
**      model of another kind or objective is an error naming both.
**   4. predict_duration(model, fv, q) returns the q-quantile (0 < q < 1) from
**      the split-conformal calibration residuals stored in the model; an
**      error when the model has no calibration residuals.  When the
**      calibration set is too small for that q (q < 1/(n+1) or q > n/(n+1))
**      the bound is infinite: +Inf (REAL) for the upper side, and -Inf for the
**      lower side, except 'duration' models, whose predictions are clamped at
**      0 s, which give 0.  (The same rule as the JSON of predict_interval,
**      where the writer spells an infinite bound 9e999 / -9e999.)
**   5. predict_interval(model, fv [, coverage]) returns JSON {"pred", "lo",
**      "hi", "coverage"} with lo/hi the (1-c)/2 and (1+c)/2 quantiles; the
**      default coverage is the model's interval_coverage option (0.9).
**   6. NULL model or NULL features give NULL.  A point prediction that is not
**      finite (NaN, overflow) is NULL.
**   7. 'aft' models (core/gbt/gbt.h point 13) need no calibration residuals:
**      their quantiles and intervals are the parametric ones,
**      exp(raw + sigma·F⁻¹(q)).
**   8. predict_cdf(model, fv, t [, elapsed]) = P(T ≤ t), or P(T ≤ t | T >
**      elapsed), and predict_remaining(model, fv, elapsed [, q]) = the
**      q-quantile (default 0.5) of T − elapsed given T > elapsed, T the run's
**      duration in seconds (core/gbt/gbt.h point 14), for an 'aft' model or a
**      'duration' model with calibration residuals (any loss); other
**      objectives and models without residuals are errors.  t must be a
**      finite number > 0, elapsed a finite number >= 0, q in (0, 1) (NULL q
**      is an error, as in predict_duration); a NULL t or elapsed gives NULL.
**      predict_remaining is REAL >= 0, or +Inf when the time overflows.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/gbt/gbt.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

const char *omen_gbt_objective_name(int obj);

enum { WANT_REGRESSION = 1, WANT_BINARY = 2, WANT_ANY = 3 };

/* The gbt model of argv[0] with the row of argv[1] prepared in m->x; NULL
** after setting the error result. */
static const omen_model *scorer_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int want) {
  const omen_model *m = omen_model_arg(ctx, fname, argv, 0, MDL_KIND_GBT);
  gbt_objective obj;
  if (!m) return NULL;
  obj = gbt_model_objective(m->model);
  if (want == WANT_REGRESSION && obj == GBT_BINARY) {
    omen_errorf(ctx, fname, "model is a gbt model with objective 'binary'; expected objective 'duration', 'squared', 'quantile' or 'aft'");
    return NULL;
  }
  if (want == WANT_BINARY && obj != GBT_BINARY) {
    omen_errorf(ctx, fname, "model is a gbt model with objective '%s'; expected objective 'binary' (train it with "
                            "'{\"objective\": \"binary\"}' on 0/1 targets)",
                omen_gbt_objective_name(obj));
    return NULL;
  }
  if (omen_model_row(ctx, fname, m, argv[1], 2)) return NULL;
  return m;
}

static int quantile_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, int argi,
                        double *out) {
  int t = sqlite3_value_type(v);
  double q = sqlite3_value_double(v);
  if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(q > 0 && q < 1)) {
    omen_errorf(ctx, fname, "%s (argument %d) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%%", what,
                argi);
    return 1;
  }
  *out = q;
  return 0;
}

static int need_calibration(sqlite3_context *ctx, const char *fname, const omen_model *s) {
  if (gbt_model_n_residuals(s->model) > 0 || gbt_model_objective(s->model) == GBT_AFT) return 0;
  omen_errorf(ctx, fname, "model has no calibration residuals (trained with calibration_fraction 0 and no "
                          "validation rows); quantiles and intervals are unavailable");
  return 1;
}

static void result_finite(sqlite3_context *ctx, double v) {
  if (isfinite(v)) sqlite3_result_double(ctx, v);
  else sqlite3_result_null(ctx);
}

/* A quantile bound: ±Inf when the calibration set is too small for the
** level (behaviour 4); NaN cannot occur past need_calibration, but is NULL. */
static void result_bound(sqlite3_context *ctx, double v) {
  if (v == v) sqlite3_result_double(ctx, v);
  else sqlite3_result_null(ctx);
}

void predictDurationFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *s;
  double q = 0;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (argc == 3 && quantile_arg(ctx, "predict_duration", argv[2], "q", 3, &q)) return;
  s = scorer_arg(ctx, "predict_duration", argv, WANT_REGRESSION);
  if (!s) return;
  if (argc == 2) {
    result_finite(ctx, gbt_predict_x(s->model, s->x));
    return;
  }
  if (need_calibration(ctx, "predict_duration", s)) return;
  result_bound(ctx, gbt_predict_quantile_x(s->model, s->x, q));
}

void predictIntervalFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *s;
  double c = 0, pred, lo, hi;
  om_wbuf *w;
  om_jw j;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (argc == 3 && quantile_arg(ctx, "predict_interval", argv[2], "coverage", 3, &c)) return;
  s = scorer_arg(ctx, "predict_interval", argv, WANT_REGRESSION);
  if (!s) return;
  if (argc == 2) c = gbt_model_interval_coverage(s->model);
  if (need_calibration(ctx, "predict_interval", s)) return;
  gbt_predict_interval_x(s->model, s->x, c, &pred, &lo, &hi);
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "pred");
  om_jw_double(&j, pred);
  om_jw_key(&j, "lo");
  om_jw_double(&j, lo);
  om_jw_key(&j, "hi");
  om_jw_double(&j, hi);
  om_jw_key(&j, "coverage");
  om_jw_double(&j, c);
  om_jw_end_object(&j);
  if (om_wbuf_status(w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void predictFailureFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *s;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  s = scorer_arg(ctx, "predict_failure", argv, WANT_BINARY);
  if (!s) return;
  result_finite(ctx, gbt_predict_x(s->model, s->x));
}

void predictFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *s;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  s = scorer_arg(ctx, "predict", argv, WANT_ANY);
  if (!s) return;
  result_finite(ctx, gbt_predict_x(s->model, s->x));
}

/* ---------------------------------------------------------------- distributions (behaviour 8) */

/* A number argument that must be finite and > 0 (strict) or >= 0; 0 on
** success, 1 after setting the error. */
int omen_seconds_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, int argi,
                     int strict, double *out) {
  int t = sqlite3_value_type(v);
  double x = sqlite3_value_double(v);
  if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !isfinite(x) || (strict ? !(x > 0) : !(x >= 0))) {
    if (strict)
      omen_errorf(ctx, fname, "%s (argument %d) must be a finite number > 0 (seconds since the run started)", what,
                  argi);
    else
      omen_errorf(ctx, fname, "%s (argument %d) must be a finite number >= 0 (seconds the run has been running)",
                  what, argi);
    return 1;
  }
  *out = x;
  return 0;
}

/* The model of argv[0], with the row of argv[1] prepared, for a function of
** the duration distribution; NULL after setting the error result. */
static const omen_model *dist_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv) {
  const omen_model *m = omen_model_arg(ctx, fname, argv, 0, MDL_KIND_GBT);
  gbt_objective obj;
  if (!m) return NULL;
  obj = gbt_model_objective(m->model);
  if (obj != GBT_DURATION && obj != GBT_AFT) {
    omen_errorf(ctx, fname, "model is a gbt model with objective '%s'; expected objective 'duration' (with calibration "
                            "residuals) or 'aft'", omen_gbt_objective_name(obj));
    return NULL;
  }
  if (omen_model_row(ctx, fname, m, argv[1], 2)) return NULL;
  if (!gbt_has_dist(m->model)) {
    omen_errorf(ctx, fname, "model has no calibration residuals (trained with calibration_fraction 0 and no "
                            "validation rows); the distribution of its durations is unknown");
    return NULL;
  }
  return m;
}

void predictCdfFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *s;
  double t, e = 0, raw;
  for (int i = 0; i < argc; i++)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return;
  if (omen_seconds_arg(ctx, "predict_cdf", argv[2], "t", 3, 1, &t)) return;
  if (argc == 4 && omen_seconds_arg(ctx, "predict_cdf", argv[3], "elapsed", 4, 0, &e)) return;
  s = dist_arg(ctx, "predict_cdf", argv);
  if (!s) return;
  raw = gbt_predict_raw_x(s->model, s->x);
  result_finite(ctx, argc == 4 ? gbt_dist_cond_cdf(s->model, raw, t, e) : gbt_dist_cdf(s->model, raw, t));
}

void predictRemainingFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *s;
  double e, q = 0.5;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL ||
      sqlite3_value_type(argv[2]) == SQLITE_NULL)
    return;
  if (omen_seconds_arg(ctx, "predict_remaining", argv[2], "elapsed", 3, 0, &e)) return;
  if (argc == 4 && quantile_arg(ctx, "predict_remaining", argv[3], "q", 4, &q)) return;
  s = dist_arg(ctx, "predict_remaining", argv);
  if (!s) return;
  result_bound(ctx, gbt_dist_remaining(s->model, gbt_predict_raw_x(s->model, s->x), e, q));
}
