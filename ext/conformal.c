/*
** conformal.c — recalibrated intervals and distributions: the aggregate
** interval_calibrate(), the 4-argument predict_interval(model, fv,
** coverage, calib), and the 5-argument predict_cdf(model, fv, t, elapsed,
** calib) and predict_remaining(model, fv, elapsed, q, calib).
**
**   -- nightly: residuals of the runs that finished in the last 30 days,
**   -- per user when the user has at least 30 of them, else pooled
**   SELECT model_save('runtime_calib',
**            interval_calibrate('runtime', fv, duration_s, '{"group": "user", "window": 2000}'))
**     FROM (SELECT * FROM run_features WHERE end_time >= unixepoch() - 30 * 86400 ORDER BY end_time);
**   SELECT predict_interval('runtime', fv, 0.9, 'runtime_calib') FROM queued;
**   SELECT predict_cdf('runtime', fv, deadline_s, now - started, 'runtime_calib') FROM running;
**
** Behaviours (docs/interval_calibrate.md, docs/predict_interval.md):
**   1. interval_calibrate(model, features, actual [, options]) is an
**      aggregate over finished runs.  model is a gbt BLOB or a registry
**      reference, the same on every row (same bytes: a different model is
**      an error); its objective must be 'duration', 'squared' or 'quantile'
**      (the ones with residual intervals; 'aft' and 'binary' are errors).
**      Per row: the model's raw score of the features (exactly what
**      predict_interval computes), the actual mapped into the model's score
**      space (log1p for 'duration'), and their difference goes into the
**      calibration (core/conformal/cf.h 1-4): pooled, and under the row's
**      value of the "group" feature when the options name one and the
**      vector holds it (a categorical value by its hash, a number by its
**      value; missing or NULL: pooled only).
**   2. Rows whose model, features or actual is NULL are skipped (counted as
**      rows_skipped).  actual must be a finite number (TEXT or BLOB is an
**      error), >= 0 for 'duration'.  The options are read on the first row
**      and must be the same on every row (agg_options.c).  No row left to
**      calibrate with (no rows, or only skipped ones) is an error: a
**      calibration must come from data.
**   3. The result is a model BLOB of kind 'conformal' (model_save stores it,
**      model_info describes it) that remembers the model's identity
**      (cf_model_identity: its payload and schema; model_save's created_at
**      stamp does not change it).  Deterministic: the same rows in the same
**      order give the same bytes.  Feed rows ORDER BY end time so that
**      "window" keeps the most recent ones.
**   4. predict_interval(model, fv, coverage, calib) = the 3-argument form
**      with the residual quantiles of calib: those of the row's group when
**      the calibration stored that group (≥ min_group residuals), else the
**      pooled ones; lo/hi = the model's output map of raw + Q at (1 − c)/2
**      and (1 + c)/2 (cf.h 5: ±Inf when the sample is too small for c).  The
**      JSON adds "calibration": "group" | "pool" and "residuals": the n
**      those quantiles came from.  calib NULL: exactly the 3-argument form
**      (the model's own residuals), so a LEFT JOIN without a calibration
**      still answers.  coverage must be a number in (0, 1) (NULL is an
**      error, as in the 3-argument form).
**   5. calib must be a 'conformal' model made for this very model (else an
**      error saying so); a damaged calib BLOB gives the envelope's or the
**      payload's error.  A group value of the other type than the
**      calibration's groups (numeric vs categorical) is an error.
**   6. The model's identity is computed once per statement per model BLOB
**      (auxdata OMEN_AUX_CONF_ID, keyed by the BLOB's size and checksum),
**      not per row.
**   7. Flags: all of them may read the registry (a reference), so they are
**      DIRECTONLY, like every function that takes a model.
**   8. With the option "bins" (cf.h 4b) interval_calibrate also passes each
**      row's raw score, and predict_interval looks the row up by the bin of
**      its raw score; its JSON says "calibration": "bin" when the bin's
**      sample was used ("pool" when the bin was not stored).
**   9. predict_cdf(model, fv, t, elapsed, calib) and predict_remaining(model,
**      fv, elapsed, q, calib): the distribution of cf.h 10 from the row's
**      sample (its group's or bin's, else the pool's; cf_lookup_row) for a
**      'duration' model (the calibration replaces its calibration
**      residuals, so a model without them works too).  elapsed 0 is no
**      condition: predict_cdf(…, t, 0, calib) = P(T ≤ t).  NULL model,
**      features, t or elapsed → NULL; NULL calib → exactly the 4-argument
**      form (the model's own distribution: for a 'duration' model elapsed
**      0 there conditions on T > 0), as predict_interval's NULL calib.  q
**      NULL is an error.  Argument errors use the 3/4-argument forms'
**      texts; calib errors behaviour 5's with "(argument 5)"; a model of
**      another objective: "model is a gbt model with objective '<o>'; a
**      calibrated distribution needs objective 'duration'".  Checks in
**      order: NULLs, t / elapsed / q, calib NULL, calib kind, model and
**      objective, identity, features, group type.
**  10. With the option "shrink" K (cf.h 4c, 11; with "group" or "bins"), a
**      row whose group (bin) was stored gets the blend of that sample with
**      the pool, weight w = n/(n + K) on the group: predict_interval's lo/hi
**      from w·Q_group + (1 − w)·Q_pool at (1 ∓ c)/2, predict_cdf and
**      predict_remaining from the Vincentized distribution; a row whose
**      group was not stored uses the pool alone.  predict_interval's JSON
**      then ends with "weight": w (0 for the pool) after "residuals" (the
**      group's n); a calibration without shrink writes no "weight", so its
**      JSON is the same text as before.
**  11. features may be a number instead: the model's prediction for the
**      row as predict_duration (predict for 'squared'/'quantile') returned it
**      when it was made and stored, so a refresh need not score the runs
**      again.  raw = log1p(prediction) for 'duration' (≥ 0), the prediction
**      itself otherwise; such a row has no group (option group is an error
**      with a number; "bins" works: the bin is the raw score's).  A
**      prediction clamped at 0 s ('duration' rows whose raw score was below
**      0) gives raw 0: the residual of the prediction as issued.
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/conformal/cf.h"
#include "core/gbt/gbt.h"
#include "omen_ext.h"

const char *omen_gbt_objective_name(int obj);

#define CALIBRATE "interval_calibrate"
#define PREDICT_INTERVAL "predict_interval"

/* ---------------------------------------------------------------- model identity (behaviour 6) */

#define CONF_ID_SLOTS 4
typedef struct conf_ids {
  struct {
    uint64_t checksum, size, id;
  } slot[CONF_ID_SLOTS];
  unsigned used, next;
} conf_ids;

static int model_identity(sqlite3_context *ctx, const omen_model *m, uint64_t *id) {
  conf_ids *c = sqlite3_get_auxdata(ctx, OMEN_AUX_CONF_ID);
  unsigned i;
  if (c)
    for (i = 0; i < c->used; i++)
      if (c->slot[i].checksum == m->view.checksum && c->slot[i].size == m->view.size) {
        *id = c->slot[i].id;
        return 0;
      }
  *id = cf_model_identity(&m->view);
  if (!c) {
    c = sqlite3_malloc(sizeof *c);
    if (!c) return 0; /* no cache: compute again next time */
    memset(c, 0, sizeof *c);
    sqlite3_set_auxdata(ctx, OMEN_AUX_CONF_ID, c, sqlite3_free);
    c = sqlite3_get_auxdata(ctx, OMEN_AUX_CONF_ID);
    if (!c) return 0;
  }
  i = c->used < CONF_ID_SLOTS ? c->used++ : c->next++ % CONF_ID_SLOTS;
  c->slot[i].checksum = m->view.checksum;
  c->slot[i].size = m->view.size;
  c->slot[i].id = *id;
  return 0;
}

/* The gbt model of argv[0] with a residual-interval objective, or NULL after
** setting the error result. */
static const omen_model *regression_model(sqlite3_context *ctx, const char *fname, sqlite3_value **argv) {
  const omen_model *m = omen_model_arg(ctx, fname, argv, 0, MDL_KIND_GBT);
  gbt_objective obj;
  if (!m) return NULL;
  obj = gbt_model_objective(m->model);
  if (obj == GBT_BINARY || obj == GBT_AFT) {
    omen_errorf(ctx, fname, "model is a gbt model with objective '%s'; calibrated intervals need objective "
                            "'duration', 'squared' or 'quantile'", omen_gbt_objective_name(obj));
    return NULL;
  }
  return m;
}

/* The group value of fv (a valid vector: omen_model_row checked it): 1 and
** the key when present with a value, 0 when absent or NULL. */
static int group_key(const char *group, size_t glen, sqlite3_value *fv, cf_key_type *type, uint64_t *key) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st = OM_OK;
  if (!group) return 0;
  if (fv_open(&it, sqlite3_value_blob(fv), (size_t)sqlite3_value_bytes(fv), &err) != OM_OK) return 0;
  while (fv_next(&it, &e, &st, &err)) {
    int c = fv_name_cmp(e.name, e.name_len, group, glen);
    if (c < 0) continue;
    if (c > 0) break;
    if (e.type == FV_NUMERIC) {
      *type = CF_KEY_NUMERIC;
      *key = cf_numeric_key(e.num);
      return 1;
    }
    if (e.type == FV_CATEGORICAL) {
      *type = CF_KEY_CATEGORICAL;
      *key = e.cat;
      return 1;
    }
    return 0;
  }
  return 0;
}

static const char *key_type_name(cf_key_type t) { return t == CF_KEY_NUMERIC ? "numeric" : "categorical"; }

/* ---------------------------------------------------------------- interval_calibrate (behaviours 1-3) */

typedef struct cal_agg {
  int started;        /* acc is initialised */
  int failed;         /* an error was reported: ignore later rows */
  int configured;     /* options parsed */
  char *options_text; /* the first row's options (NULL: none) */
  cf_options opt;     /* group points into json */
  om_json_obj json;
  uint64_t model_id;
  uint64_t model_size;  /* the first row's model argument: BLOB size and */
  uint64_t model_sum;   /* stored checksum (the footer), or ... */
  char *model_ref;      /* ... its TEXT reference */
  uint64_t rows_skipped;
  cf_accum acc;
} cal_agg;

static void cal_agg_free(cal_agg *a) {
  if (a->started) cf_accum_free(&a->acc);
  om_json_obj_free(&a->json);
  sqlite3_free(a->options_text);
  sqlite3_free(a->model_ref);
  memset(a, 0, sizeof *a);
}

/* Whether argv[0] is the same model argument as on the first row (1), or not
** (0); the first row records it.  -1: out of memory.  The per-statement model
** cache cannot tell (an aggregate's argument markers outlive its rows), so
** the aggregate checks the BLOB's size and stored checksum, or the reference
** text, itself: O(1) per row. */
static int same_model_arg(cal_agg *a, sqlite3_value *v) {
  if (sqlite3_value_type(v) == SQLITE_BLOB) {
    const uint8_t *p = sqlite3_value_blob(v);
    uint64_t n = (uint64_t)sqlite3_value_bytes(v), sum = n >= 8 && p ? om_load_u64(p + n - 8) : 0;
    if (!a->started) {
      a->model_size = n;
      a->model_sum = sum;
      return 1;
    }
    return !a->model_ref && n == a->model_size && sum == a->model_sum;
  } else {
    const char *t = (const char *)sqlite3_value_text(v);
    if (!t) return -1;
    if (!a->started) {
      a->model_ref = sqlite3_mprintf("%s", t);
      return a->model_ref ? 1 : -1;
    }
    return a->model_ref && strcmp(a->model_ref, t) == 0;
  }
}

static int cal_configure(sqlite3_context *ctx, cal_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n;
  om_err err;
  om_status st;
  if (omen_agg_options_text(ctx, CALIBRATE, argc >= 4 ? argv[3] : NULL, 4, &text, &n)) return 1;
  st = cf_options_parse(text, (size_t)n, &a->opt, &a->json, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, CALIBRATE, st, &err);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  a->configured = 1;
  return 0;
}

void intervalCalibrateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  cal_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  const omen_model *m;
  double y, ty, raw;
  uint64_t id, key = 0;
  cf_key_type type = CF_KEY_NONE;
  int has_key, t;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->configured) {
    if (cal_configure(ctx, a, argc, argv)) goto fail;
  } else if (argc >= 4 && omen_agg_options_changed(ctx, CALIBRATE, argv[3], a->options_text)) {
    goto fail;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL ||
      sqlite3_value_type(argv[2]) == SQLITE_NULL) {
    a->rows_skipped++;
    return;
  }
  t = sqlite3_value_type(argv[2]);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
    omen_errorf(ctx, CALIBRATE, "actual (argument 3) is %s; expected a number%s", omen_type_name(argv[2]),
                t == SQLITE_TEXT ? " (a number stored as TEXT? CAST it AS REAL)" : "");
    goto fail;
  }
  y = sqlite3_value_double(argv[2]);
  t = sqlite3_value_type(argv[0]) == SQLITE_BLOB || sqlite3_value_type(argv[0]) == SQLITE_TEXT
          ? same_model_arg(a, argv[0]) : 1; /* other types: omen_model_arg's error below */
  if (t < 0) {
    sqlite3_result_error_nomem(ctx);
    goto fail;
  }
  if (t == 0) {
    omen_errorf(ctx, CALIBRATE, "model (argument 1) changed between rows; calibrate one model at a time");
    goto fail;
  }
  m = regression_model(ctx, CALIBRATE, argv);
  if (!m) goto fail;
  model_identity(ctx, m, &id);
  if (!a->started) {
    cf_space space = gbt_model_objective(m->model) == GBT_DURATION ? CF_SPACE_LOG1P : CF_SPACE_IDENTITY;
    st = cf_accum_init(&a->acc, &a->opt, space, id, &err);
    if (st != OM_OK) {
      cf_accum_free(&a->acc);
      omen_result_status(ctx, CALIBRATE, st, &err);
      goto fail;
    }
    a->started = 1;
    a->model_id = id;
  } else if (id != a->model_id) {
    omen_errorf(ctx, CALIBRATE, "model (argument 1) changed between rows; calibrate one model at a time");
    goto fail;
  }
  if (!isfinite(y)) {
    omen_errorf(ctx, CALIBRATE, "actual (argument 3) is not a finite number");
    goto fail;
  }
  if (cf_target(a->acc.space, y, &ty, &err) != OM_OK) {
    omen_errorf(ctx, CALIBRATE, "actual (argument 3) is %g; objective 'duration' needs actual durations >= 0", y);
    goto fail;
  }
  t = sqlite3_value_type(argv[1]);
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) { /* behaviour 11: the model's stored prediction */
    double p = sqlite3_value_double(argv[1]);
    if (a->acc.opt.group_len > 0) {
      omen_errorf(ctx, CALIBRATE,
                  "features (argument 2) is a number (a stored prediction), which holds no group \"%s\"; "
                  "option group needs the feature vector",
                  a->acc.opt.group);
      goto fail;
    }
    if (cf_target(a->acc.space, p, &raw, &err) != OM_OK) { /* the actual's mapping: log1p for 'duration' */
      omen_errorf(ctx, CALIBRATE, "features (argument 2) is the prediction %g; a stored prediction must be a finite number%s",
                  p, a->acc.space == CF_SPACE_LOG1P ? " >= 0 (objective 'duration')" : "");
      goto fail;
    }
    has_key = 0;
  } else {
    if (omen_model_row(ctx, CALIBRATE, m, argv[1], 2)) goto fail;
    raw = gbt_predict_raw_x(m->model, m->x);
    has_key = group_key(a->acc.opt.group, a->acc.opt.group_len, argv[1], &type, &key);
  }
  if (has_key && a->acc.key_type != CF_KEY_NONE && a->acc.key_type != type) {
    omen_errorf(ctx, CALIBRATE, "group feature \"%s\" is %s in one row and %s in another", a->acc.opt.group,
                key_type_name(a->acc.key_type), key_type_name(type));
    goto fail;
  }
  st = cf_accum_add_scored(&a->acc, ty - raw, raw, has_key, type, key, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, CALIBRATE, st, &err);
    goto fail;
  }
  return;
fail:
  a->failed = 1;
}

void intervalCalibrateFinal(sqlite3_context *ctx) {
  cal_agg *a = sqlite3_aggregate_context(ctx, 0);
  cf_calib c;
  om_wbuf w;
  om_err err;
  om_status st;
  if (a && a->failed) goto done;
  if (!a || !a->started || a->acc.rows == 0) {
    omen_errorf(ctx, CALIBRATE, "no rows to calibrate with (every row was NULL or there were none); a calibration "
                                "needs finished runs with a model, features and an actual value");
    goto done;
  }
  st = cf_accum_finish(&a->acc, &c, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, CALIBRATE, st, &err);
    goto done;
  }
  om_wbuf_init(&w);
  st = cf_write(&c, a->acc.rows, a->rows_skipped, &w, &err);
  cf_calib_free(&c);
  if (st != OM_OK) omen_result_status(ctx, CALIBRATE, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free); /* om_malloc is sqlite3_malloc64 */
  }
  om_wbuf_free(&w);
done:
  if (a) cal_agg_free(a);
}

/* ---------------------------------------------------------------- shared by the calibrated forms (behaviours 5, 9) */

/* The conformal calibration of argv[argi], or NULL after setting the error
** result. */
static const cf_calib *calib_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int argi) {
  const omen_model *cm;
  cm = omen_model_arg(ctx, fname, argv, argi, 0);
  if (!cm) return NULL;
  if (cm->view.kind != MDL_KIND_CONFORMAL) {
    const char *k = mdl_kind_name(cm->view.kind);
    omen_errorf(ctx, fname, "calibration (argument %d) is a%s %s model; expected a conformal calibration made by "
                            "interval_calibrate()", argi + 1, k && strchr("aeiou", k[0]) ? "n" : "",
                k ? k : "unknown");
    return NULL;
  }
  cm = omen_model_arg(ctx, fname, argv, argi, MDL_KIND_CONFORMAL);
  if (!cm) return NULL;
  return cm->model;
}

/* Whether calibration c was made for model m (1), else 0 after the error. */
static int same_model(sqlite3_context *ctx, const char *fname, int argi, const omen_model *m, const cf_calib *c) {
  uint64_t id;
  model_identity(ctx, m, &id);
  if (id == c->model_id) return 1;
  omen_errorf(ctx, fname, "calibration (argument %d) was made for another model (its model_id is %016llx, this "
                          "model's is %016llx); recalibrate with interval_calibrate() on this model", argi + 1,
              (unsigned long long)c->model_id, (unsigned long long)id);
  return 0;
}

/* The row's sample, or its blend with the pool (behaviours 4, 8, 10): fills
** the model's row first; 1 after setting the error result, else 0. */
static int row_mix(sqlite3_context *ctx, const char *fname, const omen_model *m, const cf_calib *c, sqlite3_value *fv,
                   double *raw, cf_mix *mix, int *is_group) {
  uint64_t key = 0;
  cf_key_type type = CF_KEY_NONE;
  int has_key;
  if (omen_model_row(ctx, fname, m, fv, 2)) return 1;
  has_key = group_key(c->group, c->group_len, fv, &type, &key);
  if (has_key && c->key_type != CF_KEY_NONE && type != c->key_type) {
    omen_errorf(ctx, fname, "feature \"%s\" (the calibration's group) is %s but the calibration grouped it as %s",
                c->group, key_type_name(type), key_type_name(c->key_type));
    return 1;
  }
  *raw = gbt_predict_raw_x(m->model, m->x);
  cf_lookup_mix(c, has_key, type, key, *raw, mix, is_group);
  return 0;
}

/* ---------------------------------------------------------------- predict_interval, 4 arguments (behaviours 4-6) */

void predictIntervalCalibFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  const cf_calib *c;
  cf_mix mix;
  double cov, raw, lo, hi;
  int t, is_group;
  om_wbuf *w;
  om_jw j;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (sqlite3_value_type(argv[3]) == SQLITE_NULL) {
    predictIntervalFunc(ctx, 3, argv); /* behaviour 4: the model's own residuals */
    return;
  }
  t = sqlite3_value_type(argv[2]);
  cov = sqlite3_value_double(argv[2]);
  if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(cov > 0 && cov < 1)) {
    omen_errorf(ctx, PREDICT_INTERVAL, "coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. 0.9 "
                                       "for 90%%");
    return;
  }
  c = calib_arg(ctx, PREDICT_INTERVAL, argv, 3);
  if (!c) return;
  m = regression_model(ctx, PREDICT_INTERVAL, argv);
  if (!m) return;
  if (!same_model(ctx, PREDICT_INTERVAL, 3, m, c)) return;
  if (row_mix(ctx, PREDICT_INTERVAL, m, c, argv[1], &raw, &mix, &is_group)) return;
  lo = gbt_transform(m->model, raw + cf_mix_quantile(&mix, (1 - cov) / 2));
  hi = gbt_transform(m->model, raw + cf_mix_quantile(&mix, (1 + cov) / 2));
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "pred");
  om_jw_double(&j, gbt_transform(m->model, raw));
  om_jw_key(&j, "lo");
  om_jw_double(&j, lo);
  om_jw_key(&j, "hi");
  om_jw_double(&j, hi);
  om_jw_key(&j, "coverage");
  om_jw_double(&j, cov);
  om_jw_key(&j, "calibration");
  om_jw_string(&j, is_group ? (c->bins ? "bin" : "group") : "pool");
  om_jw_key(&j, "residuals");
  om_jw_uint(&j, mix.s->n);
  if (c->shrink > 0) { /* behaviour 10: only calibrations with shrink have it */
    om_jw_key(&j, "weight");
    om_jw_double(&j, is_group ? mix.w : 0);
  }
  om_jw_end_object(&j);
  if (om_wbuf_status(w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

/* ---------------------------------------------------------------- predict_cdf / predict_remaining, 5 arguments (behaviour 9) */

#define PREDICT_CDF "predict_cdf"
#define PREDICT_REMAINING "predict_remaining"


/* The 'duration' model of argv[0] and the calibration of argv[4], checked;
** the row's sample or blend in *mix; 1 after setting the error result. */
static int dist_mix(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *raw, cf_mix *mix) {
  const omen_model *m;
  const cf_calib *c;
  int is_group;
  c = calib_arg(ctx, fname, argv, 4);
  if (!c) return 1;
  m = omen_model_arg(ctx, fname, argv, 0, MDL_KIND_GBT);
  if (!m) return 1;
  if (gbt_model_objective(m->model) != GBT_DURATION) {
    omen_errorf(ctx, fname, "model is a gbt model with objective '%s'; a calibrated distribution needs objective "
                            "'duration'", omen_gbt_objective_name(gbt_model_objective(m->model)));
    return 1;
  }
  if (!same_model(ctx, fname, 4, m, c)) return 1;
  return row_mix(ctx, fname, m, c, argv[1], raw, mix, &is_group);
}

static void result_prob(sqlite3_context *ctx, double p) {
  if (p == p) sqlite3_result_double(ctx, p);
  else omen_errorf(ctx, PREDICT_CDF, "internal error: the probability is not a number");
}

void predictCdfCalibFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  cf_mix mix;
  double t, e, raw;
  (void)argc;
  for (int i = 0; i < 4; i++)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return;
  if (omen_seconds_arg(ctx, PREDICT_CDF, argv[2], "t", 3, 1, &t)) return;
  if (omen_seconds_arg(ctx, PREDICT_CDF, argv[3], "elapsed", 4, 0, &e)) return;
  if (sqlite3_value_type(argv[4]) == SQLITE_NULL) {
    predictCdfFunc(ctx, 4, argv); /* behaviour 9: the model's own distribution */
    return;
  }
  if (dist_mix(ctx, PREDICT_CDF, argv, &raw, &mix)) return;
  result_prob(ctx, cf_mix_cdf(&mix, raw, t, e));
}

void predictRemainingCalibFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  cf_mix mix;
  double e, q, raw, r;
  int tq;
  (void)argc;
  for (int i = 0; i < 3; i++)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return;
  if (omen_seconds_arg(ctx, PREDICT_REMAINING, argv[2], "elapsed", 3, 0, &e)) return;
  tq = sqlite3_value_type(argv[3]);
  q = sqlite3_value_double(argv[3]);
  if ((tq != SQLITE_INTEGER && tq != SQLITE_FLOAT) || !(q > 0 && q < 1)) {
    omen_errorf(ctx, PREDICT_REMAINING, "q (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for "
                                        "90%%");
    return;
  }
  if (sqlite3_value_type(argv[4]) == SQLITE_NULL) {
    predictRemainingFunc(ctx, 4, argv);
    return;
  }
  if (dist_mix(ctx, PREDICT_REMAINING, argv, &raw, &mix)) return;
  r = cf_mix_remaining(&mix, raw, e, q);
  if (r == r) sqlite3_result_double(ctx, r);
  else omen_errorf(ctx, PREDICT_REMAINING, "internal error: the remaining time is not a number");
}
