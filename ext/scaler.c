/*
** scaler.c — scaler_train() (aggregate) and scale() (scalar).
**
**   SELECT model_save('run_scaler', scaler_train(fv, 'robust')) FROM features;
**   SELECT scale('run_scaler', fv) FROM features;
**
** Behaviours (docs/scaler_train.md, docs/scale.md; numerics in core/scl.h):
**   1. scaler_train(features [, method]): method 'standard' (default),
**      'robust' or 'minmax', taken from the first row; a different method in a
**      later row is an error.  Rows whose features are NULL are skipped and
**      counted (rows_skipped in model_info).  A non-BLOB or corrupt feature
**      vector is an error.  No rows at all gives NULL.  Every BLOB it returns
**      has been opened with the decoder scale() and model_save() use
**      (core/scl.h points 2 and 6): values near ±1.8e308 train when the
**      center and scale are representable and are an error naming the
**      feature when they are not.
**   2. scale(model, features) returns the scaled feature vector; NULL features
**      give NULL; the model may be a BLOB or a registry reference and is
**      decoded once per statement.  A vector holding none of the model's
**      features is an error (it would come back unscaled), as for predict.
*/
#include <string.h>

#include "core/prep/scl.h"
#include "omen_ext.h"

typedef struct scaler_agg {
  int started; /* the accumulator is initialised */
  scl_accum acc;
} scaler_agg;

void scalerTrainStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  scaler_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  scl_method method = SCL_STANDARD;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (argc == 2) {
    const char *m = sqlite3_value_type(argv[1]) == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    if (!m ||
        scl_method_parse(m, (size_t)sqlite3_value_bytes(argv[1]), &method)) {
      if (sqlite3_value_type(argv[1]) == SQLITE_TEXT && m)
        omen_errorf(ctx, "scaler_train", "method (argument 2) is '%s'; expected 'standard', 'robust' or 'minmax'", m);
      else
        omen_errorf(ctx, "scaler_train", "method (argument 2) is %s; expected 'standard', 'robust' or 'minmax'",
                    omen_type_name(argv[1]));
      return;
    }
  }
  if (!a->started) {
    scl_accum_init(&a->acc, method);
    a->started = 1;
  } else if (method != a->acc.method) {
    omen_errorf(ctx, "scaler_train", "method changed from '%s' to '%s' between rows", scl_method_name(a->acc.method),
                scl_method_name(method));
    return;
  }
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: a->acc.rows_skipped++; return;
  case SQLITE_BLOB: break;
  default:
    omen_errorf(ctx, "scaler_train", "features (argument 1) is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[0]));
    return;
  }
  st = scl_accum_add(&a->acc, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  if (st != OM_OK) omen_result_status(ctx, "scaler_train", st, &err);
}

void scalerTrainFinal(sqlite3_context *ctx) {
  scaler_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a || !a->started) return; /* no rows: NULL */
  if (a->acc.rows_used == 0) {
    scl_accum_free(&a->acc);
    return; /* only NULL rows: NULL */
  }
  om_wbuf_init(&w);
  st = scl_accum_finish(&a->acc, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, "scaler_train", st, &err);
  else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
  om_wbuf_free(&w);
  scl_accum_free(&a->acc);
}

void scaleFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  om_wbuf *w;
  om_err err;
  om_status st;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (sqlite3_value_type(argv[1]) != SQLITE_BLOB) {
    omen_errorf(ctx, "scale", "features (argument 2) is %s; expected a feature vector (a BLOB made by feature_vector())", omen_type_name(argv[1]));
    return;
  }
  m = omen_model_arg(ctx, "scale", argv, 0, MDL_KIND_SCALER);
  if (!m) return;
  /* a vector with none of the model's features would come back unscaled */
  if (omen_check_features_present(ctx, "scale", &m->view, argv[1])) return;
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  st = scl_transform(m->model, sqlite3_value_blob(argv[1]), (size_t)sqlite3_value_bytes(argv[1]), w, &err);
  if (st != OM_OK) omen_result_status(ctx, "scale", st, &err);
  else sqlite3_result_blob64(ctx, w->data, w->len, SQLITE_TRANSIENT);
}
