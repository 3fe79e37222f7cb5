/*
** iforest.c — isolation_forest_train(features [, options]), an aggregate that
** grows an isolation forest (ext/core/forest/ifo.h) and returns a model BLOB
** of kind 'iforest', and isolation_score(model, features).
**
**   SELECT model_save('runs_if', isolation_forest_train(
**            feature_vector('duration_s', duration_s, 'threads', threads, 'host', host),
**            '{"n_trees": 100, "sample_size": 256, "seed": 7}'))
**     FROM runs;
**   SELECT run_id, isolation_score('runs_if', fv) AS s FROM run_fv ORDER BY s DESC LIMIT 10;
**
** Behaviours (docs/isolation_forest_train.md, docs/isolation_score.md):
**   1. Options are a JSON object (TEXT), the same on every row: n_trees,
**      sample_size, max_depth, contamination ('auto' or a fraction in
**      (0, 0.5]), seed, threads (ifo_options_parse; an unknown key, a wrong
**      type or an out-of-range value is an error naming the key and what it
**      accepts).  A later row with other options is an error.
**   2. Rows whose features are NULL are skipped and counted (rows_skipped).
**      Features are discovered from the vectors (the union of names); a
**      feature's type is fixed by its first non-missing value, the other
**      type later is an error naming it; a feature that is NULL in every row
**      is not part of the model.
**   3. Memory does not grow with the rows: the core keeps per-tree
**      reservoirs of sample_size rows (ifo_train.c behaviours 1-3), and this
**      layer one row of scratch.  Training is a pure function of (rows in
**      order, options minus threads): byte-identical BLOBs whatever
**      `threads` is.  It polls sqlite3_interrupt() once per tree.
**   4. No rows (or only skipped ones) → NULL.  Vectors that never hold a
**      value → an error.  The finished BLOB is decoded through the kind
**      table before it is returned, and a BLOB longer than
**      SQLITE_LIMIT_LENGTH is an error with its size.
**   5. isolation_score(model, features) → REAL in (0, 1], scikit-learn's
**      -score_samples: 2^(-E[h(x)]/c(psi)); needs an 'iforest' model (any
**      other kind is an error naming both; anomaly_score() takes every
**      detector).  Features are matched by name (model_row.c): a missing
**      feature follows the side each split learned for missing values.
**      NULL model or features → NULL; a row whose every feature is missing
**      → NULL, as anomaly_score() (ifo_kind.c behaviour 5: the forest has
**      nothing to score).
**   6. The model carries the training profile of every row used (envelope
**      format 2, core/base/mdl_profile.h), fed value by value as rows are
**      read: bounded memory, deterministic, for feature_drift() and
**      model_profile().
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/forest/ifo.h"
#include "omen_ext.h"

#define IF_TRAIN "isolation_forest_train"

typedef struct if_col {
  char *name; /* owned */
  size_t name_len;
  uint8_t type; /* 0: only missing so far (not in the accumulator yet) */
  uint32_t acc; /* its accumulator feature, once typed */
} if_col;

typedef struct if_agg {
  int started;
  int failed; /* an error was reported; ignore later rows */
  ifo_options opt;
  char *options_text; /* the first row's options (NULL: none) */
  if_col *cols;       /* sorted by name */
  uint32_t n_cols, cap_cols;
  ifo_accum *acc;
  mdl_pbuild *prof; /* training profile; its slot k is accumulator feature k */
  double *num; /* one row, in accumulator order [cap_row] */
  uint64_t *cat;
  uint8_t *missing;
  uint32_t cap_row;
  uint64_t rows, skipped;
} if_agg;

static void if_agg_free(if_agg *a) {
  for (uint32_t i = 0; i < a->n_cols; i++) sqlite3_free(a->cols[i].name);
  sqlite3_free(a->cols);
  sqlite3_free(a->options_text);
  sqlite3_free(a->num);
  sqlite3_free(a->cat);
  sqlite3_free(a->missing);
  ifo_accum_free(a->acc);
  mdl_pb_free(a->prof);
  memset(a, 0, sizeof *a);
}

static int if_configure(sqlite3_context *ctx, if_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n;
  om_err err;
  om_status st;
  if (omen_agg_options_text(ctx, IF_TRAIN, argc >= 2 ? argv[1] : NULL, 2, &text, &n)) return 1;
  st = ifo_options_parse(text, (size_t)n, &a->opt, &err);
  if (st == OM_OK) st = ifo_accum_init(&a->acc, &a->opt, 0, NULL, &err);
  if (st == OM_OK) st = mdl_pb_new(&a->prof, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, IF_TRAIN, st, &err);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  a->started = 1;
  return 0;
}

/* Insert a column (untyped) at pos. */
static int if_add_col(if_agg *a, uint32_t pos, const fv_entry *e) {
  if_col c;
  if (a->n_cols == a->cap_cols) {
    uint32_t cap = a->cap_cols ? a->cap_cols * 2 : 16;
    if_col *p = sqlite3_realloc64(a->cols, (sqlite3_uint64)cap * sizeof *p);
    if (!p) return 1;
    a->cols = p;
    a->cap_cols = cap;
  }
  memset(&c, 0, sizeof c);
  c.name = sqlite3_malloc64(e->name_len ? e->name_len : 1);
  if (!c.name) return 1;
  memcpy(c.name, e->name, e->name_len);
  c.name_len = e->name_len;
  memmove(a->cols + pos + 1, a->cols + pos, (a->n_cols - pos) * sizeof *a->cols);
  a->cols[pos] = c;
  a->n_cols++;
  return 0;
}

/* Room for accumulator feature number n in the row scratch. */
static int if_grow_row(if_agg *a, uint32_t n) {
  uint32_t cap;
  if (n < a->cap_row) return 0;
  cap = a->cap_row ? a->cap_row * 2 : 16;
  while (cap <= n) cap *= 2;
  {
    double *p = sqlite3_realloc64(a->num, (sqlite3_uint64)cap * sizeof *p);
    if (!p) return 1;
    a->num = p;
  }
  {
    uint64_t *p = sqlite3_realloc64(a->cat, (sqlite3_uint64)cap * sizeof *p);
    if (!p) return 1;
    a->cat = p;
  }
  {
    uint8_t *p = sqlite3_realloc64(a->missing, cap);
    if (!p) return 1;
    a->missing = p;
  }
  a->cap_row = cap;
  return 0;
}

void isolationForestTrainStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t pos = 0, nacc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (!a->started) {
    if (if_configure(ctx, a, argc, argv)) goto fail;
  } else if (argc >= 2 && omen_agg_options_changed(ctx, IF_TRAIN, argv[1], a->options_text)) {
    goto fail;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    a->skipped++;
    return;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    omen_errorf(ctx, IF_TRAIN, "features (argument 1) is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[0]));
    goto fail;
  }
  st = fv_open(&it, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  if (st != OM_OK) {
    omen_result_status(ctx, IF_TRAIN, st, &err);
    goto fail;
  }
  nacc = ifo_accum_n_features(a->acc);
  if (nacc) memset(a->missing, 1, nacc);
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    if_col *col;
    while (pos < a->n_cols && (c = fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos == a->n_cols || c != 0) {
      if (a->n_cols >= FV_MAX_COUNT) {
        omen_errorf(ctx, IF_TRAIN, "more than %d distinct features", FV_MAX_COUNT);
        goto fail;
      }
      if (if_add_col(a, pos, &e)) goto nomem;
    }
    col = &a->cols[pos++];
    if (e.type == FV_MISSING) continue;
    if (col->type == 0) {
      uint32_t slot = 0;
      st = ifo_accum_add_feature(a->acc, (uint8_t)e.type, &err);
      if (st == OM_OK) st = mdl_pb_feature(a->prof, (uint8_t)e.type, &slot, &err);
      if (st == OM_OK && slot != nacc) st = om_errf(&err, OM_INTERNAL, "profile slot %u is not feature %u", slot, nacc);
      if (st != OM_OK) {
        omen_result_status(ctx, IF_TRAIN, st, &err);
        goto fail;
      }
      col->type = (uint8_t)e.type;
      col->acc = nacc++;
      if (if_grow_row(a, col->acc)) goto nomem;
      a->missing[col->acc] = 1;
    } else if (col->type != e.type) {
      omen_errorf(ctx, IF_TRAIN, "feature \"%.*s\" is %s in one row and %s in another", (int)e.name_len, e.name,
                  fv_type_name((fv_type)col->type), fv_type_name(e.type));
      goto fail;
    }
    a->missing[col->acc] = 0;
    if (e.type == FV_NUMERIC) a->num[col->acc] = e.num;
    else a->cat[col->acc] = e.cat;
    /* behaviour 6 (a row that fails later fails the whole aggregate) */
    st = e.type == FV_NUMERIC ? mdl_pb_num(a->prof, col->acc, e.num, &err) : mdl_pb_cat(a->prof, col->acc, e.cat, &err);
    if (st != OM_OK) {
      omen_result_status(ctx, IF_TRAIN, st, &err);
      goto fail;
    }
  }
  if (st != OM_OK) {
    omen_result_status(ctx, IF_TRAIN, st, &err);
    goto fail;
  }
  st = ifo_accum_add(a->acc, a->num, a->cat, a->missing, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, IF_TRAIN, st, &err);
    goto fail;
  }
  mdl_pb_rows(a->prof, 1);
  a->rows++;
  return;
nomem:
  sqlite3_result_error_nomem(ctx);
fail:
  a->failed = 1;
}

void isolationForestTrainFinal(sqlite3_context *ctx) {
  if_agg *a = sqlite3_aggregate_context(ctx, 0);
  uint32_t *order = NULL, nf = 0;
  mdl_feature *feats = NULL;
  om_wbuf payload, opts, metrics, out;
  om_interrupt intr = omen_interrupt_for(ctx);
  mdl_meta meta;
  mdl_profile prof;
  om_err err;
  om_status st;
  memset(&prof, 0, sizeof prof);
  om_wbuf_init(&payload);
  om_wbuf_init(&opts);
  om_wbuf_init(&metrics);
  om_wbuf_init(&out);
  if (!a) return;
  if (a->failed || !a->started || a->rows == 0) goto done; /* no rows: NULL */
  for (uint32_t i = 0; i < a->n_cols; i++) nf += a->cols[i].type != 0;
  if (nf == 0) {
    omen_errorf(ctx, IF_TRAIN, "the feature vectors hold no values (every feature is NULL in every row)");
    goto done;
  }
  order = sqlite3_malloc64((sqlite3_uint64)nf * sizeof *order);
  feats = sqlite3_malloc64((sqlite3_uint64)nf * sizeof *feats);
  if (!order || !feats) goto nomem;
  nf = 0;
  for (uint32_t i = 0; i < a->n_cols; i++) {
    if (!a->cols[i].type) continue;
    order[nf] = a->cols[i].acc;
    feats[nf].name = a->cols[i].name;
    feats[nf].name_len = a->cols[i].name_len;
    feats[nf].type = a->cols[i].type;
    nf++;
  }
  st = mdl_pb_finish(a->prof, feats, order, nf, &prof, &err);
  if (st == OM_OK) st = ifo_accum_finish(a->acc, order, &intr, &payload, &metrics, &err);
  if (st == OM_OK) st = ifo_options_json(&a->opt, &opts);
  if (st != OM_OK) {
    if (st == OM_INTERRUPTED) sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    else omen_result_status(ctx, IF_TRAIN, st, &err);
    goto done;
  }
  if (om_wbuf_status(&payload) != OM_OK || om_wbuf_status(&metrics) != OM_OK || om_wbuf_status(&opts) != OM_OK)
    goto nomem;
  memset(&meta, 0, sizeof meta);
  meta.rows_used = a->rows;
  meta.rows_skipped = a->skipped;
  meta.seed = a->opt.seed;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  meta.metrics_json = (const char *)metrics.data;
  meta.metrics_len = metrics.len;
  st = mdl_write_profiled(&out, MDL_KIND_IFOREST, IFO_FORMAT, feats, nf, &meta, &prof, payload.data, payload.len,
                          &err);
  if (st != OM_OK) {
    omen_result_status(ctx, IF_TRAIN, st, &err);
    goto done;
  }
  om_wbuf_free(&payload);
  {
    int limit = sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1);
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    if (out.len > (size_t)limit) {
      omen_errorf(ctx, IF_TRAIN,
                  "the model would be %llu bytes, above this connection's BLOB limit of %d bytes "
                  "(SQLITE_LIMIT_LENGTH); use fewer n_trees or a smaller sample_size",
                  (unsigned long long)out.len, limit);
      goto done;
    }
    st = mdl_decode(out.data, out.len, &v, &k, &m, &err); /* behaviour 4 */
    if (st == OM_NOMEM) goto nomem;
    if (st != OM_OK) {
      omen_errorf(ctx, IF_TRAIN, "the trained model would not load (%s)", err.msg);
      goto done;
    }
    k->close(m);
    mdl_view_free(&v);
  }
  {
    size_t len;
    uint8_t *blob = om_wbuf_take(&out, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
  }
  goto done;
nomem:
  sqlite3_result_error_nomem(ctx);
done:
  mdl_profile_free(&prof);
  sqlite3_free(order);
  sqlite3_free(feats);
  om_wbuf_free(&payload);
  om_wbuf_free(&opts);
  om_wbuf_free(&metrics);
  om_wbuf_free(&out);
  if (a) if_agg_free(a);
}

void isolationScoreFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const omen_model *m;
  double s;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  m = omen_model_arg(ctx, "isolation_score", argv, 0, MDL_KIND_IFOREST);
  if (!m || omen_model_row(ctx, "isolation_score", m, argv[1], 2)) return;
  s = m->kind->anomaly_score(m->model, m->x); /* ifo_score; NaN when every feature is missing */
  if (s == s) sqlite3_result_double(ctx, s);
}
