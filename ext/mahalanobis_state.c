/*
** mahalanobis_state.c — mergeable states of mahalanobis_train:
** mahalanobis_train_state(features [, options]) and
** mahalanobis_train_state(state) (aggregates returning a mahalanobis_state
** BLOB), and mahalanobis_merge(state) (an aggregate returning a
** 'mahalanobis' model, as mahalanobis_train does).
**
**   -- one state per database file, one model over all of them:
**   SELECT model_save('runs_maha', mahalanobis_merge(s)) FROM (
**     SELECT mahalanobis_train_state(fv) AS s FROM f1.run_fv
**     UNION ALL SELECT mahalanobis_train_state(fv) FROM f2.run_fv);
**
** Behaviours (docs/mahalanobis_train_state.md, docs/mahalanobis_merge.md;
** the payload and what is exact in core/robust/mah_state.h):
**   1. mahalanobis_train_state(features [, options]) takes its rows exactly
**      as mahalanobis_train does (mahalanobis.c behaviours 1-2: the same
**      options, schema rule, checks and messages, named
**      mahalanobis_train_state) and returns a state BLOB: the model
**      envelope, kind 'mahalanobis_state', with the schema, the options,
**      the row counts and the streaming totals (n, mean, co-moments; for
**      ledoit_wolf also the fourth-moment sums).  Option method 'mcd' is an
**      error: it fits a subsample and has no mergeable state.  No rows at
**      all → NULL; only NULL rows → a state holding their count (so
**      rows_skipped adds up after a merge).
**   2. With one argument a BLOB that is an omen envelope (it starts with
**      "OMEN") is a state to merge, anything else a row: so
**      mahalanobis_train_state(state) merges states into one state (rows and
**      states may be mixed; rows after states must fit the states' schema,
**      as later rows fit the first).  A NULL argument is a skipped row,
**      unless the aggregate saw only states (then it is a NULL state).
**   3. mahalanobis_merge(state) merges states (NULL skipped) and returns a
**      'mahalanobis' model of the union of the rows, fitted by
**      mahalanobis_train's code from the merged totals (mah_state.h 3):
**      equal to mahalanobis_train over all rows within floating rounding
**      (the fold order differs; docs/mahalanobis_merge.md gives the
**      measured difference), byte-identical payload for one state of all
**      the rows.  It carries no training profile (the profile builder is
**      not mergeable): feature_drift and model_profile need a model from
**      mahalanobis_train.  No state, or states without features (NULL rows
**      only) → NULL; states whose rows were all incomplete → the error
**      mahalanobis_train gives.
**   4. Bad input, each an error starting with the function's name: a state
**      that is not a BLOB (mahalanobis_merge); a BLOB that is not an omen
**      envelope or is damaged (mdl_open's messages); an envelope of another
**      kind ("the state is a baseline_state state; expected a
**      mahalanobis_state, from mahalanobis_train_state()"); a newer payload
**      version (both versions named); a corrupt payload; states (or rows and
**      states) with different options (both named) or different feature
**      sets (the first differing feature named).
**   5. Plain aggregates, not window functions.  Flags: pure
**      (DETERMINISTIC, INNOCUOUS): they read only their arguments.
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/robust/mah_state.h"
#include "omen_ext.h"

#define MHS_STATE_FN "mahalanobis_train_state"
#define MHS_MERGE_FN "mahalanobis_merge"

typedef struct mhs_agg {
  int started;        /* s is initialised */
  int failed;         /* an error was reported: ignore later rows */
  int saw_rows;       /* a row (or a 2-argument call) was seen */
  int saw_states;     /* a state was merged */
  int opts_set;       /* the rows' options were read (from the first row) */
  char *options_text; /* those options' text (NULL: none) */
  uint64_t nulls;     /* NULL arguments of 1-argument calls (behaviour 2) */
  mah_state s;
  double *num;        /* row buffers [s.n_features] */
  uint8_t *missing;
  uint32_t nbuf;
} mhs_agg;

static void mhs_agg_free(mhs_agg *a) {
  if (a->started) mah_state_free(&a->s);
  sqlite3_free(a->options_text);
  sqlite3_free(a->num);
  sqlite3_free(a->missing);
  memset(a, 0, sizeof *a);
}

/* Fold one state BLOB (behaviours 2-4); 1 after reporting an error. */
static int merge_arg(sqlite3_context *ctx, const char *fname, mhs_agg *a, sqlite3_value *arg) {
  omen_state os;
  om_err err;
  om_status st;
  mah_state *src;
  if (omen_state_open(ctx, fname, arg, MDL_KIND_MAHALANOBIS_STATE, MHS_STATE_FN, &os)) return 1;
  if (!os.model) return 0;
  src = os.model;
  if (!a->started) {
    mah_state_init(&a->s, &src->o);
    a->started = 1;
  }
  st = mah_state_merge(&a->s, src, &err);
  omen_state_close(&os);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  a->saw_states = 1;
  return 0;
}

/* The rows' options (from the first row; the same text on every row). */
static int rows_options(sqlite3_context *ctx, mhs_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n;
  mah_options opt;
  om_err err;
  om_status st;
  if (a->opts_set) return argc >= 2 && omen_agg_options_changed(ctx, MHS_STATE_FN, argv[1], a->options_text);
  if (omen_agg_options_text(ctx, MHS_STATE_FN, argc >= 2 ? argv[1] : NULL, 2, &text, &n)) return 1;
  st = mah_options_parse(text, (size_t)n, &opt, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, MHS_STATE_FN, st, &err);
    return 1;
  }
  if (opt.method == MAH_MCD) {
    omen_errorf(ctx, MHS_STATE_FN,
                "method 'mcd' has no mergeable state (it fits a subsample); use 'empirical' or 'ledoit_wolf'");
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  a->opts_set = 1;
  if (!a->started) {
    mah_state_init(&a->s, &opt);
    a->started = 1;
  } else { /* states came first: their options must be these */
    mah_state probe;
    mah_state_init(&probe, &opt);
    st = mah_state_merge(&a->s, &probe, &err); /* no schema, no rows: only the options are compared */
    mah_state_free(&probe);
    if (st != OM_OK) {
      omen_result_status(ctx, MHS_STATE_FN, st, &err);
      return 1;
    }
  }
  return 0;
}

/* The schema from the first vector (mahalanobis.c behaviour 2); 1 after an
** error result. */
static int set_schema(sqlite3_context *ctx, mhs_agg *a, const uint8_t *blob, size_t n) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t count = 0, i = 0;
  mdl_feature *feats;
  st = fv_open(&it, blob, n, &err);
  while (st == OM_OK && fv_next(&it, &e, &st, &err)) count++;
  if (st != OM_OK) {
    omen_result_status(ctx, MHS_STATE_FN, st, &err);
    return 1;
  }
  if (count == 0) {
    omen_errorf(ctx, MHS_STATE_FN, "the first feature vector is empty; it fixes the model's features");
    return 1;
  }
  feats = sqlite3_malloc64((sqlite3_uint64)count * sizeof *feats);
  if (!feats) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  fv_open(&it, blob, n, &err);
  while (i < count && fv_next(&it, &e, &st, &err)) {
    feats[i].name = e.name;
    feats[i].name_len = e.name_len;
    feats[i].type = e.type == FV_CATEGORICAL ? FV_CATEGORICAL : FV_NUMERIC;
    i++;
  }
  st = mah_state_set_schema(&a->s, feats, count, &err);
  sqlite3_free(feats);
  if (st != OM_OK) {
    omen_result_status(ctx, MHS_STATE_FN, st, &err);
    return 1;
  }
  return 0;
}

static int is_envelope(sqlite3_value *v) {
  return sqlite3_value_bytes(v) >= 4 && memcmp(sqlite3_value_blob(v), "OMEN", 4) == 0;
}

/* One feature-vector row (behaviour 1); 1 after an error result. */
static int add_row(sqlite3_context *ctx, mhs_agg *a, sqlite3_value *arg) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  const uint8_t *blob = sqlite3_value_blob(arg);
  size_t n = (size_t)sqlite3_value_bytes(arg);
  uint32_t pos = 0, nf;
  if (!a->s.feats && set_schema(ctx, a, blob, n)) return 1;
  nf = a->s.n_features;
  if (a->nbuf != nf) {
    sqlite3_free(a->num);
    sqlite3_free(a->missing);
    a->num = sqlite3_malloc64((sqlite3_uint64)nf * sizeof *a->num);
    a->missing = sqlite3_malloc64(nf);
    a->nbuf = 0;
    if (!a->num || !a->missing) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    a->nbuf = nf;
  }
  st = fv_open(&it, blob, n, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, MHS_STATE_FN, st, &err);
    return 1;
  }
  memset(a->missing, 1, nf);
  while (fv_next(&it, &e, &st, &err)) {
    const mdl_feature *f;
    int c = 1;
    while (pos < nf &&
           (c = fv_name_cmp(a->s.feats[pos].name, a->s.feats[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos == nf || c != 0) {
      omen_errorf(ctx, MHS_STATE_FN,
                  "feature \"%.*s\" is not among the first row's features; the first feature vector fixes the "
                  "model's features (give every row the same names, NULL where a value is unknown)",
                  (int)e.name_len, e.name);
      return 1;
    }
    f = &a->s.feats[pos];
    if (e.type == FV_MISSING) {
      pos++;
      continue;
    }
    if (e.type != f->type) {
      omen_errorf(ctx, MHS_STATE_FN, "feature \"%.*s\" is %s in one row and %s in another", (int)e.name_len, e.name,
                  fv_type_name((fv_type)f->type), fv_type_name(e.type));
      return 1;
    }
    a->missing[pos] = 0;
    a->num[pos] = e.type == FV_NUMERIC ? e.num : 0;
    pos++;
  }
  if (st == OM_OK) st = mah_state_add(&a->s, a->num, a->missing, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, MHS_STATE_FN, st, &err);
    return 1;
  }
  return 0;
}

void mahalanobisTrainStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mhs_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  int t;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  t = sqlite3_value_type(argv[0]);
  if (argc == 1) {
    if (t == SQLITE_NULL) {
      a->nulls++; /* a row or a state: settled at the end (behaviour 2) */
      return;
    }
    if (t == SQLITE_BLOB && is_envelope(argv[0])) {
      if (merge_arg(ctx, MHS_STATE_FN, a, argv[0])) a->failed = 1;
      return;
    }
  }
  if (rows_options(ctx, a, argc, argv)) goto fail;
  a->saw_rows = 1;
  if (t == SQLITE_NULL) {
    mah_state_skip(&a->s);
    return;
  }
  if (t != SQLITE_BLOB) {
    omen_errorf(ctx, MHS_STATE_FN,
                "features (argument 1) is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[0]));
    goto fail;
  }
  if (add_row(ctx, a, argv[0])) goto fail;
  return;
fail:
  a->failed = 1;
}

void mahalanobisTrainStateFinal(sqlite3_context *ctx) {
  mhs_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return; /* no rows: NULL */
  if (a->failed) goto done;
  if (!a->started) {
    if (!a->nulls) goto done;
    mah_state_init(&a->s, NULL); /* only NULL rows, default options */
    a->started = 1;
  }
  if (a->saw_rows || !a->saw_states) a->s.null_rows += a->nulls; /* behaviour 2 */
  om_wbuf_init(&w);
  st = mah_state_write(&a->s, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, MHS_STATE_FN, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free); /* om_malloc is sqlite3_malloc64 */
  }
  om_wbuf_free(&w);
done:
  mhs_agg_free(a);
}

void mahalanobisMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  mhs_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  (void)argc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (merge_arg(ctx, MHS_MERGE_FN, a, argv[0])) a->failed = 1;
}

void mahalanobisMergeFinal(sqlite3_context *ctx) {
  mhs_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_interrupt intr = omen_interrupt_for(ctx);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return;                                        /* no state: NULL */
  if (a->failed || !a->started || !a->s.feats) goto done; /* no features (NULL rows only): NULL */
  om_wbuf_init(&w);
  st = mah_state_model(&a->s, &intr, &w, &err);
  if (st == OM_INTERRUPTED) sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  else if (st != OM_OK) omen_result_status(ctx, MHS_MERGE_FN, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
  }
  om_wbuf_free(&w);
done:
  mhs_agg_free(a);
}
