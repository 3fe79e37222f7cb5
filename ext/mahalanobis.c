/*
** mahalanobis.c — mahalanobis_train(features [, options]), an aggregate that
** fits a location and covariance (ext/core/robust/mah.h) and returns a model
** BLOB of kind 'mahalanobis', and mahalanobis_score(model, features).
**
**   SELECT model_save('runs_maha', mahalanobis_train(
**            feature_vector('duration_s', duration_s, 'cpu_pct', cpu_pct, 'mem_mb', mem_mb),
**            '{"method": "ledoit_wolf"}'))
**     FROM runs;
**   SELECT run_id, mahalanobis_score('runs_maha', fv) AS d FROM run_fv ORDER BY d DESC LIMIT 10;
**
** Behaviours (docs/mahalanobis_train.md, docs/mahalanobis_score.md):
**   1. Options are a JSON object (TEXT), the same on every row: method
**      ('empirical' | 'ledoit_wolf' | 'mcd'), contamination, support_fraction,
**      max_rows, seed (mah_options_parse: an unknown key, a wrong type or an
**      out-of-range value is an error naming the key).  A later row with
**      other options is an error.
**   2. The schema is the first non-NULL feature vector's: its names, and
**      each feature's type from its value (a feature NULL in that row is
**      taken as numeric).  A later row with a feature the first row did not
**      have is an error naming it (the covariance is over a fixed set of
**      features); a schema feature a later row lacks or holds as NULL makes
**      that row incomplete, and incomplete rows are skipped and counted
**      (rows_skipped), as dropna() would.  Categorical features are kept in
**      the schema and ignored by the fit (mah.h 2).  Rows whose features are
**      NULL are skipped and counted.
**   3. The fit is the core's: exact one-pass empirical and Ledoit-Wolf
**      estimates over every row; MCD on a uniform sample of at most max_rows
**      rows.  The same rows, options and seed give the same BLOB.  Training
**      polls sqlite3_interrupt() through the core.
**   4. No rows → NULL.  No complete row, or no numeric feature → an error.
**   5. mahalanobis_score(model, features) → the distance
**      d = sqrt((x-mu)' inv(Sigma) (x-mu)) of the row's numeric features
**      (scikit-learn's mahalanobis() is d^2); a missing feature is replaced
**      by its conditional expectation given the others (mah.h 9); a point
**      off the training subspace is +Inf-far only in the anomaly_score sense
**      (mah.h 7: its d is finite, is_anomaly is 1).  NULL model or features
**      → NULL.  Needs a 'mahalanobis' model (anomaly_score() takes every
**      detector; anomaly_report adds the chi-square p-value).
**   6. The model carries the training profile (envelope format 2,
**      core/base/mdl_profile.h) of every non-NULL row, incomplete ones
**      included (their missing values are part of the input distribution),
**      for feature_drift() and model_profile(); its slot i is schema
**      feature i.
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/robust/mah.h"
#include "omen_ext.h"

#define MAH_TRAIN "mahalanobis_train"

typedef struct mh_agg {
  int started;
  int failed;
  int have_schema;
  mah_options opt;
  char *options_text;
  mdl_feature *feats; /* the schema: names owned (names[i]) */
  char **names;
  uint32_t nf;
  mah_accum *acc;
  double *num;
  uint64_t *cat;     /* categorical hashes of the row (for the profile) */
  uint8_t *missing;
  mdl_pbuild *prof;  /* behaviour 6 */
  uint64_t rows, skipped;
} mh_agg;

static void mh_agg_free(mh_agg *a) {
  for (uint32_t i = 0; i < a->nf; i++) sqlite3_free(a->names[i]);
  sqlite3_free(a->names);
  sqlite3_free(a->feats);
  sqlite3_free(a->options_text);
  sqlite3_free(a->num);
  sqlite3_free(a->missing);
  sqlite3_free(a->cat);
  mdl_pb_free(a->prof);
  mah_accum_free(a->acc);
  memset(a, 0, sizeof *a);
}

static int mh_configure(sqlite3_context *ctx, mh_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n;
  om_err err;
  om_status st;
  if (omen_agg_options_text(ctx, MAH_TRAIN, argc >= 2 ? argv[1] : NULL, 2, &text, &n)) return 1;
  st = mah_options_parse(text, (size_t)n, &a->opt, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  a->started = 1;
  return 0;
}

/* The schema from the first vector (behaviour 2); 1 after an error result. */
static int mh_schema(sqlite3_context *ctx, mh_agg *a, const uint8_t *blob, size_t n) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t count = 0, i = 0;
  uint8_t *types;
  st = fv_open(&it, blob, n, &err);
  while (st == OM_OK && fv_next(&it, &e, &st, &err)) count++;
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    return 1;
  }
  if (count == 0) {
    omen_errorf(ctx, MAH_TRAIN, "the first feature vector is empty; it fixes the model's features");
    return 1;
  }
  a->feats = sqlite3_malloc64((sqlite3_uint64)count * sizeof *a->feats);
  a->names = sqlite3_malloc64((sqlite3_uint64)count * sizeof *a->names);
  a->num = sqlite3_malloc64((sqlite3_uint64)count * sizeof *a->num);
  a->missing = sqlite3_malloc64(count);
  a->cat = sqlite3_malloc64((sqlite3_uint64)count * sizeof *a->cat);
  types = sqlite3_malloc64(count);
  if (!a->feats || !a->names || !a->num || !a->missing || !a->cat || !types) {
    sqlite3_free(types);
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  fv_open(&it, blob, n, &err);
  while (fv_next(&it, &e, &st, &err)) {
    a->names[i] = sqlite3_malloc64(e.name_len ? e.name_len : 1);
    if (!a->names[i]) {
      sqlite3_free(types);
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    memcpy(a->names[i], e.name, e.name_len);
    a->feats[i].name = a->names[i];
    a->feats[i].name_len = e.name_len;
    a->feats[i].type = e.type == FV_CATEGORICAL ? FV_CATEGORICAL : FV_NUMERIC;
    types[i] = a->feats[i].type;
    a->nf = ++i;
  }
  st = mah_accum_init(&a->opt, a->nf, types, &a->acc, &err);
  sqlite3_free(types);
  if (st == OM_OK) st = mdl_pb_new(&a->prof, &err);
  for (i = 0; i < a->nf && st == OM_OK; i++) { /* slot i is feature i */
    uint32_t slot;
    st = mdl_pb_feature(a->prof, a->feats[i].type, &slot, &err);
  }
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    return 1;
  }
  a->have_schema = 1;
  return 0;
}

void mahalanobisTrainStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mh_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  const uint8_t *blob;
  size_t n;
  uint32_t pos = 0;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->started) {
    if (mh_configure(ctx, a, argc, argv)) goto fail;
  } else if (argc >= 2 && omen_agg_options_changed(ctx, MAH_TRAIN, argv[1], a->options_text)) {
    goto fail;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    a->skipped++;
    return;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    omen_errorf(ctx, MAH_TRAIN, "features (argument 1) is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[0]));
    goto fail;
  }
  blob = sqlite3_value_blob(argv[0]);
  n = (size_t)sqlite3_value_bytes(argv[0]);
  if (!a->have_schema && mh_schema(ctx, a, blob, n)) goto fail;
  st = fv_open(&it, blob, n, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    goto fail;
  }
  memset(a->missing, 1, a->nf);
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    while (pos < a->nf && (c = fv_name_cmp(a->feats[pos].name, a->feats[pos].name_len, e.name, e.name_len)) < 0) pos++;
    if (pos == a->nf || c != 0) {
      omen_errorf(ctx, MAH_TRAIN,
                  "feature \"%.*s\" is not among the first row's features; the first feature vector fixes the "
                  "model's features (give every row the same names, NULL where a value is unknown)",
                  (int)e.name_len, e.name);
      goto fail;
    }
    if (e.type == FV_MISSING) {
      pos++;
      continue;
    }
    if (e.type != a->feats[pos].type) {
      omen_errorf(ctx, MAH_TRAIN, "feature \"%.*s\" is %s in one row and %s in another", (int)e.name_len, e.name,
                  fv_type_name((fv_type)a->feats[pos].type), fv_type_name(e.type));
      goto fail;
    }
    a->missing[pos] = 0;
    a->num[pos] = e.type == FV_NUMERIC ? e.num : 0;
    a->cat[pos] = e.type == FV_CATEGORICAL ? e.cat : 0;
    pos++;
  }
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    goto fail;
  }
  st = mah_accum_add(a->acc, a->num, a->missing, &err);
  for (uint32_t k = 0; k < a->nf && st == OM_OK; k++) { /* behaviour 6 */
    if (a->missing[k]) continue;
    if (a->feats[k].type == FV_NUMERIC) st = mdl_pb_num(a->prof, k, a->num[k], &err);
    else st = mdl_pb_cat(a->prof, k, a->cat[k], &err);
  }
  if (st == OM_OK) mdl_pb_rows(a->prof, 1);
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    goto fail;
  }
  a->rows++;
  return;
fail:
  a->failed = 1;
}

void mahalanobisTrainFinal(sqlite3_context *ctx) {
  mh_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf payload, opts, metrics, out;
  om_interrupt intr = omen_interrupt_for(ctx);
  mdl_meta meta;
  mdl_profile prof;
  uint32_t *slots = NULL;
  om_err err;
  om_status st;
  uint32_t n_numeric = 0;
  memset(&prof, 0, sizeof prof);
  om_wbuf_init(&payload);
  om_wbuf_init(&opts);
  om_wbuf_init(&metrics);
  om_wbuf_init(&out);
  if (!a) return;
  if (a->failed || !a->started || !a->have_schema || a->rows == 0) goto done; /* no rows: NULL */
  slots = sqlite3_malloc64((sqlite3_uint64)a->nf * sizeof *slots);
  if (!slots) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  for (uint32_t i = 0; i < a->nf; i++) slots[i] = i;
  st = mdl_pb_finish(a->prof, a->feats, slots, a->nf, &prof, &err);
  if (st == OM_OK) st = mah_accum_finish(a->acc, &intr, &payload, &metrics, &err);
  if (st != OM_OK) {
    if (st == OM_INTERRUPTED) sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    else omen_result_status(ctx, MAH_TRAIN, st, &err);
    goto done;
  }
  for (uint32_t i = 0; i < a->nf; i++) n_numeric += a->feats[i].type == FV_NUMERIC;
  mah_options_json(&a->opt, n_numeric, &opts);
  if (om_wbuf_status(&payload) != OM_OK || om_wbuf_status(&metrics) != OM_OK || om_wbuf_status(&opts) != OM_OK) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = mah_accum_rows_used(a->acc);
  meta.rows_skipped = a->skipped + mah_accum_rows_skipped(a->acc);
  meta.seed = a->opt.seed;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  st = mdl_write_profiled(&out, MDL_KIND_MAHALANOBIS, MAH_FORMAT, a->feats, a->nf, &meta, &prof, payload.data,
                          payload.len, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, MAH_TRAIN, st, &err);
    goto done;
  }
  {
    size_t len;
    uint8_t *blob = om_wbuf_take(&out, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
  }
done:
  mdl_profile_free(&prof);
  sqlite3_free(slots);
  om_wbuf_free(&payload);
  om_wbuf_free(&opts);
  om_wbuf_free(&metrics);
  om_wbuf_free(&out);
  mh_agg_free(a);
}

void mahalanobisScoreFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  const mah_result *r;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  m = omen_model_arg(ctx, "mahalanobis_score", argv, 0, MDL_KIND_MAHALANOBIS);
  if (!m || omen_model_row(ctx, "mahalanobis_score", m, argv[1], 2)) return;
  (void)m->kind->anomaly_score(m->model, m->x);
  r = mah_kind_last_result(m->model);
  if (r->d == r->d) sqlite3_result_double(ctx, r->d);
}
