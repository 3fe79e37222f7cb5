/*
** baseline.c — per-job robust baselines: baseline_train() and baseline_fleet()
** (aggregates), baseline_score(), baseline_is_anomaly() and baseline_shrink()
** (scalars).  The numerics are ext/core/baseline/bl.h.
**
**   -- one BLOB per job, the fleet prior over them, every run scored in one query
**   WITH jobs  AS (SELECT job, baseline_train(duration_s) AS m FROM runs GROUP BY job),
**        fleet AS (SELECT baseline_fleet(m) AS f FROM jobs)
**   SELECT r.run_id, baseline_score(j.m, r.duration_s, fleet.f) AS z,
**          baseline_is_anomaly(j.m, r.duration_s, fleet.f) AS flagged
**     FROM runs AS r JOIN jobs AS j USING (job), fleet;
**
** Behaviours (docs/baseline_train.md, baseline_score.md, baseline_is_anomaly.md,
** baseline_fleet.md, baseline_shrink.md):
**   1. baseline_train(value [, options]): value is a number (the model has
**      one numeric feature named "value") or a feature vector (one robust
**      summary per numeric feature); the same kind on every row.  NULL rows
**      are skipped and counted; no rows or only NULLs give NULL.  ±Inf,
**      TEXT and categorical features are errors.  Options (JSON, the same on
**      every row): threshold (3.5), constant_cv (0.01), max_values
**      (1000000), seed (0); an unknown key lists the accepted ones.  Not a
**      window function.
**   2. baseline_score(model, value [, fleet]) → the signed robust z (bl.h 3,
**      4); baseline_is_anomaly(...) → 1 when |z| > the model's threshold,
**      else 0.  A number is accepted by a model of one feature; a feature
**      vector is matched by name (model_row.c).  NULL in any argument, or no
**      feature to score, gives NULL; ±Inf values give ±Inf.  With fleet (a
**      baseline_fleet() model) every feature is shrunk on the fly exactly as
**      baseline_shrink would (bl_score.c 2).
**   3. baseline_fleet(job_model): the fleet prior over job baselines (BLOBs
**      only: an aggregate does not read the registry).  NULL rows are
**      skipped; none gives NULL.
**   4. baseline_shrink(job_model, fleet) → the job model shrunk toward the
**      fleet (kind baseline, scale_source 'shrunk'); its metrics hold
**      shrunk_features.  created_at is 0 (a new model).
**   5. A model of another kind, a fleet prior where a job baseline belongs or
**      the reverse, and a job model that shares no feature name with the
**      fleet are errors naming the function and argument.
**   6. Flags: the aggregates read only their arguments (pure); the scalars
**      take a model, which may be a registry reference (DIRECTONLY), as
**      predict_duration.  The model is fetched before the fleet: the
**      per-statement cache (4 slots, round robin) then never evicts the job
**      model to make room for the fleet within one call.
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/base/om_json.h"
#include "core/baseline/bl.h"
#include "baseline_options.h"
#include "omen_ext.h"

#define BASELINE_TRAIN "baseline_train"
#define BASELINE_FLEET "baseline_fleet"

/* ---------------------------------------------------------------- options */

static const char bl_option_keys[] = "threshold, constant_cv, max_values, seed";

typedef struct bl_opt_def {
  const char *key;
  int is_int;
  double lo, hi;
  int lo_open;
  const char *range;
} bl_opt_def;

static const bl_opt_def bl_opt_defs[] = {
    {"threshold", 0, 0, BL_MAX_THRESHOLD, 1, "a number in (0, 1e6]"},
    {"constant_cv", 0, 0, 1, 1, "a number in (0, 1]"},
    {"max_values", 1, 1, BL_MAX_MAX_VALUES, 0, "an integer from 1 to 100000000"},
    {"seed", 1, 0, 9007199254740992.0, 0, "an integer from 0 to 2^53"},
};

/* 0, or 1 with the error in err (no prefix); *nomem for out of memory.
** Shared with baseline_state.c (omen_ext.h). */
int omen_bl_parse_options(const char *text, size_t n, bl_options *o, om_err *err, int *nomem) {
  om_json_obj obj;
  om_status st;
  size_t i, k;
  int rc = 1;
  bl_options_default(o);
  *nomem = 0;
  if (!text) return 0;
  st = om_json_parse_flat(text, n, &obj, err);
  if (st == OM_NOMEM) {
    *nomem = 1;
    return 1;
  }
  if (st != OM_OK) {
    om_err inner = *err;
    om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"threshold\": 5}'", inner.msg);
    return 1;
  }
  for (i = 0; i < obj.count; i++) {
    const om_json_member *m = &obj.members[i];
    const bl_opt_def *d;
    double v = m->num;
    int ok;
    for (k = 0; k < sizeof bl_opt_defs / sizeof bl_opt_defs[0]; k++)
      if (!strcmp(m->key, bl_opt_defs[k].key)) break;
    if (k == sizeof bl_opt_defs / sizeof bl_opt_defs[0]) {
      om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, bl_option_keys);
      goto done;
    }
    d = &bl_opt_defs[k];
    ok = m->type == OM_JSON_NUMBER && !m->is_bool && isfinite(v);
    if (ok && d->is_int && v != floor(v)) ok = 0;
    if (ok && (d->lo_open ? !(v > d->lo) : !(v >= d->lo))) ok = 0;
    if (ok && !(v <= d->hi)) ok = 0;
    if (!ok) {
      om_errf(err, OM_INVALID, "option %s must be %s", d->key, d->range);
      goto done;
    }
    if (k == 0) o->threshold = v;
    else if (k == 1) o->constant_cv = v;
    else if (k == 2) o->max_values = (uint64_t)v;
    else o->seed = (uint64_t)v;
  }
  rc = 0;
done:
  om_json_obj_free(&obj);
  return rc;
}

/* Argument 1 of baseline_train and baseline_train_state (baseline_options.h):
** not NULL (the caller counts those). */
int omen_bl_value_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int *mode, double *x) {
  int t = sqlite3_value_type(v), m;
  if (t == SQLITE_TEXT) {
    omen_errorf(ctx, fname,
                "value (argument 1) is TEXT; expected a number or a feature vector (a BLOB made by feature_vector()); "
                "a number stored as TEXT (e.g. by the shell's .import) needs CAST(... AS REAL)");
    return -1;
  }
  m = t == SQLITE_BLOB ? MODE_VECTOR : MODE_NUMBER;
  if (*mode && *mode != m) {
    omen_errorf(ctx, fname, "value (argument 1) is a number in one row and a feature vector in another");
    return -1;
  }
  *mode = m;
  if (m == MODE_NUMBER) {
    *x = sqlite3_value_double(v);
    if (!isfinite(*x)) {
      omen_errorf(ctx, fname, "value (argument 1) is %s; expected a finite number", *x > 0 ? "+Inf" : "-Inf");
      return -1;
    }
  }
  return m;
}

/* ---------------------------------------------------------------- baseline_train */


typedef struct bl_agg {
  int started;        /* acc is initialised */
  int failed;         /* an error was reported: ignore later rows */
  int mode;           /* what the rows' values are */
  char *options_text; /* the first row's options (NULL: none) */
  bl_accum acc;
} bl_agg;

static void bl_agg_free(bl_agg *a) {
  if (a->started) bl_accum_free(&a->acc);
  sqlite3_free(a->options_text);
  memset(a, 0, sizeof *a);
}

static int bl_configure(sqlite3_context *ctx, bl_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n, nomem = 0;
  bl_options opt;
  om_err err;
  if (omen_agg_options_text(ctx, BASELINE_TRAIN, argc >= 2 ? argv[1] : NULL, 2, &text, &n)) return 1;
  if (omen_bl_parse_options(text, (size_t)n, &opt, &err, &nomem)) {
    if (nomem) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, BASELINE_TRAIN, "%s", err.msg);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  bl_accum_init(&a->acc, &opt);
  a->started = 1;
  return 0;
}

void baselineTrainStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  bl_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  om_err err;
  om_status st;
  int t, mode;
  double x = 0;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->started) {
    if (bl_configure(ctx, a, argc, argv)) goto fail;
  } else if (argc >= 2 && omen_agg_options_changed(ctx, BASELINE_TRAIN, argv[1], a->options_text)) {
    goto fail;
  }
  t = sqlite3_value_type(argv[0]);
  if (t == SQLITE_NULL) {
    a->acc.rows_skipped++;
    return;
  }
  mode = omen_bl_value_arg(ctx, BASELINE_TRAIN, argv[0], &a->mode, &x);
  if (mode < 0) goto fail;
  if (mode == MODE_NUMBER) {
    st = bl_accum_add_value(&a->acc, x, &err);
  } else {
    st = bl_accum_add_fv(&a->acc, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  }
  if (st != OM_OK) {
    omen_result_status(ctx, BASELINE_TRAIN, st, &err);
    goto fail;
  }
  return;
fail:
  a->failed = 1;
}

void baselineTrainFinal(sqlite3_context *ctx) {
  bl_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return; /* no rows: NULL */
  if (a->failed || !a->started || a->acc.rows_used == 0) goto done; /* only NULL rows: NULL */
  om_wbuf_init(&w);
  st = bl_accum_finish(&a->acc, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, BASELINE_TRAIN, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free); /* om_malloc is sqlite3_malloc64 */
  }
  om_wbuf_free(&w);
done:
  bl_agg_free(a);
}

/* ---------------------------------------------------------------- scoring */

/* The job model of argv[0] (role job), or NULL after setting the error. */
static const omen_model *job_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv) {
  const omen_model *m = omen_model_arg(ctx, fname, argv, 0, MDL_KIND_BASELINE);
  if (!m) return NULL;
  if (((const bl_model *)m->model)->role != BL_ROLE_JOB) {
    omen_errorf(ctx, fname, "model (argument 1) is a fleet prior (from baseline_fleet()); expected a job baseline "
                            "(from baseline_train() or baseline_shrink())");
    return NULL;
  }
  return m;
}

/* The fleet prior of argv[argi], checked against the job model m: a fleet
** role and at least one feature name in common.  NULL after the error. */
static const omen_model *fleet_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int argi,
                                   const omen_model *m) {
  const omen_model *f;
  const bl_model *fm;
  int t = sqlite3_value_type(argv[argi]);
  uint32_t i = 0, k = 0;
  if (t != SQLITE_BLOB && t != SQLITE_TEXT) {
    omen_errorf(ctx, fname, "fleet (argument %d) is %s; expected a fleet prior BLOB (from baseline_fleet()) or a "
                            "registry name (TEXT)", argi + 1, omen_type_name(argv[argi]));
    return NULL;
  }
  f = omen_model_arg(ctx, fname, argv, argi, MDL_KIND_BASELINE);
  if (!f) return NULL;
  fm = f->model;
  if (fm->role != BL_ROLE_FLEET) {
    omen_errorf(ctx, fname, "fleet (argument %d) is a job baseline; expected a fleet prior (from baseline_fleet())",
                argi + 1);
    return NULL;
  }
  if (m->view.n_features == 0) return f;
  while (i < m->view.n_features && k < fm->n_features) {
    int c = fv_name_cmp(m->view.features[i].name, m->view.features[i].name_len, fm->names[k].name,
                        fm->names[k].name_len);
    if (c == 0) return f;
    if (c < 0) i++;
    else k++;
  }
  omen_errorf(ctx, fname, "the fleet prior (argument %d) has none of the model's %u feature%s (first: \"%.*s\"); "
                          "build the fleet from job baselines of the same metric", argi + 1, m->view.n_features,
              m->view.n_features == 1 ? "" : "s", (int)m->view.features[0].name_len, m->view.features[0].name);
  return NULL;
}

/* Fill *z (and *thr) for baseline_score / baseline_is_anomaly.  Returns 0
** with a result to give, 1 when the error (or NULL) result is already set. */
static int baseline_eval(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv, double *z,
                         double *thr) {
  const omen_model *m, *f = NULL;
  int t = sqlite3_value_type(argv[1]);
  for (int i = 0; i < argc; i++)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return 1; /* NULL in, NULL out */
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT && t != SQLITE_BLOB) {
    omen_errorf(ctx, fname, "value (argument 2) is %s; expected a number or a feature vector (a BLOB made by "
                            "feature_vector())", omen_type_name(argv[1]));
    return 1;
  }
  if (!(m = job_arg(ctx, fname, argv))) return 1;         /* behaviour 6: the model first */
  if (argc == 3 && !(f = fleet_arg(ctx, fname, argv, 2, m))) return 1;
  if (t == SQLITE_BLOB) {
    if (omen_model_row(ctx, fname, m, argv[1], 2)) return 1;
  } else {
    if (m->view.n_features != 1) {
      omen_errorf(ctx, fname, "value (argument 2) is a number but the model has %u features; pass a feature vector "
                              "(feature_vector('name', value, ...)) with them", m->view.n_features);
      return 1;
    }
    m->x[0] = sqlite3_value_double(argv[1]);
  }
  *z = bl_score_x(m->model, f ? f->model : NULL, m->x, NULL);
  *thr = ((const bl_model *)m->model)->threshold;
  return 0;
}

void baselineScoreFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  double z, thr;
  if (baseline_eval(ctx, "baseline_score", argc, argv, &z, &thr)) return;
  if (!isnan(z)) sqlite3_result_double(ctx, z);
}

void baselineIsAnomalyFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  double z, thr;
  if (baseline_eval(ctx, "baseline_is_anomaly", argc, argv, &z, &thr)) return;
  if (!isnan(z)) sqlite3_result_int(ctx, fabs(z) > thr);
}

/* ---------------------------------------------------------------- baseline_fleet */

typedef struct fleet_agg {
  int started;
  int failed;
  bl_fleet_accum acc;
} fleet_agg;

void baselineFleetStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fleet_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->started) {
    bl_fleet_init(&a->acc);
    a->started = 1;
  }
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: a->acc.rows_skipped++; return;
  case SQLITE_BLOB: break;
  default:
    omen_errorf(ctx, BASELINE_FLEET, "model (argument 1) is %s; expected a job baseline BLOB (from baseline_train()); "
                                     "an aggregate does not read the registry: pass model_load('name')",
                omen_type_name(argv[0]));
    a->failed = 1;
    return;
  }
  st = bl_fleet_add(&a->acc, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  if (st != OM_OK) {
    omen_result_status(ctx, BASELINE_FLEET, st, &err);
    a->failed = 1;
  }
}

void baselineFleetFinal(sqlite3_context *ctx) {
  fleet_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return;
  if (a->failed || !a->started || a->acc.rows_used == 0) goto done;
  om_wbuf_init(&w);
  st = bl_fleet_finish(&a->acc, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, BASELINE_FLEET, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
  }
  om_wbuf_free(&w);
done:
  if (a->started) bl_fleet_free(&a->acc);
  memset(a, 0, sizeof *a);
}

/* ---------------------------------------------------------------- baseline_shrink */

void baselineShrinkFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m, *f;
  bl_model *shrunk = NULL;
  uint32_t k = 0;
  om_wbuf w, metrics;
  om_jw j;
  mdl_meta meta;
  om_err err;
  om_status st;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (!(m = job_arg(ctx, "baseline_shrink", argv))) return; /* behaviour 6: the model first */
  if (!(f = fleet_arg(ctx, "baseline_shrink", argv, 1, m))) return;
  st = bl_shrink(m->model, f->model, &shrunk, &k, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, "baseline_shrink", st, &err);
    return;
  }
  om_wbuf_init(&w);
  om_wbuf_init(&metrics);
  om_jw_init(&j, &metrics);
  om_jw_begin_object(&j);
  om_jw_key(&j, "shrunk_features");
  om_jw_uint(&j, k);
  om_jw_end_object(&j);
  meta = m->view.meta;
  meta.created_at = 0; /* a new model, not saved yet */
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  if (om_wbuf_status(&metrics) != OM_OK) st = om_errf(&err, OM_NOMEM, "out of memory");
  else st = bl_write(shrunk, &meta, &w, &err);
  if (st == OM_OK) { /* what we return loads, as baseline_train's models do */
    mdl_view v;
    bl_model *check = NULL;
    st = bl_open(w.data, w.len, &v, &check, &err);
    if (st == OM_OK) {
      bl_model_free(check);
      mdl_view_free(&v);
    }
  }
  if (st != OM_OK) omen_result_status(ctx, "baseline_shrink", st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
  }
  bl_model_free(shrunk);
  om_wbuf_free(&w);
  om_wbuf_free(&metrics);
}
