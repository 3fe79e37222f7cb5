/*
** scaler_state.c — mergeable states of scaler_train:
** scaler_train_state(features [, method]) and scaler_train_state(state)
** (aggregates returning a scaler_state BLOB), and scaler_merge(state) (an
** aggregate returning a scaler model, as scaler_train does).
**
**   -- one state per database file, merged in one query through ATTACH:
**   SELECT model_save('run_scaler', scaler_merge(s)) FROM (
**     SELECT scaler_train_state(fv) AS s FROM f1.features
**     UNION ALL SELECT scaler_train_state(fv) FROM f2.features);
**   -- roll-ups in levels: hosts -> regions -> all
**   SELECT region, scaler_train_state(state) FROM host_states GROUP BY region;
**
** Behaviours (docs/scaler_train_state.md, docs/scaler_merge.md; the
** payload, its checks and what is exact in core/prep/scl_state.h):
**   1. scaler_train_state(features [, method]) takes its rows exactly as
**      scaler_train does (scaler.c behaviour 1: method from the first row,
**      'standard' by default; the same checks and messages, named
**      scaler_train_state) and returns a state BLOB: the model envelope,
**      kind 'scaler_state', with the feature schema, the method, the row
**      counts and per feature what scaler_train needs (scl_state.h).  No
**      rows at all → NULL; only NULL rows → a state holding their count (so
**      rows_skipped adds up after a merge).
**   2. With one argument a BLOB that is an omen envelope (it starts with
**      "OMEN") is a state to merge, anything else a feature vector: so
**      scaler_train_state(state) merges states into one state, and rows and
**      states may even be mixed.  A NULL argument is a skipped row, unless
**      the aggregate saw only states (then it is a NULL state: no rows).
**   3. scaler_merge(state) merges states (NULL skipped) and returns the
**      scaler model scaler_train gives over the union of the rows; no state,
**      or no rows used in all → NULL.  Byte for byte equal to scaler_train's
**      BLOB whenever the state is exact (model_info(state) says
**      "exact": true: at most 65,536 values per numeric feature, 1,024
**      categories per categorical one, in all); beyond, see scl_state.h 3.
**      model_save, scale() and model_info take it as any scaler.
**   4. Bad input, each an error starting with the function's name: a state
**      that is not a BLOB (scaler_merge); a BLOB that is not an omen
**      envelope or is damaged (mdl_open's messages); an envelope of another
**      kind ("the state is a gbt state; expected a scaler_state, from
**      scaler_train_state()"); a newer payload version (both versions
**      named); a corrupt payload; states with different methods (both
**      named) or different feature sets (the first differing feature
**      named); a feature numeric in one state and categorical in another.
**   5. Plain aggregates, not window functions (a state is made once per
**      file or host).  Flags: pure (DETERMINISTIC, INNOCUOUS): they read
**      only their arguments.
*/
#include <string.h>

#include "core/prep/scl_state.h"
#include "omen_ext.h"

typedef struct scaler_state_agg {
  int started;      /* s is initialised */
  int saw_rows;     /* a feature vector (or a 2-argument call) was seen */
  int saw_states;   /* a state was merged */
  uint64_t nulls;   /* NULL arguments (behaviour 2) */
  scl_state s;
} scaler_state_agg;

static void agg_start(scaler_state_agg *a, scl_method m) {
  if (a->started) return;
  scl_state_init(&a->s, m);
  a->started = 1;
}

/* Fold one state BLOB (behaviours 2-4). */
static void merge_arg(sqlite3_context *ctx, const char *fname, scaler_state_agg *a, sqlite3_value *arg) {
  omen_state os;
  om_err err;
  om_status st;
  scl_state *s;
  if (omen_state_open(ctx, fname, arg, MDL_KIND_SCALER_STATE, "scaler_train_state", &os) || !os.model) return;
  s = os.model;
  agg_start(a, s->method);
  st = scl_state_merge(&a->s, s, &err);
  if (st != OM_OK) omen_result_status(ctx, fname, st, &err);
  else a->saw_states = 1;
  omen_state_close(&os);
}

static int is_envelope(sqlite3_value *v) {
  return sqlite3_value_bytes(v) >= 4 && memcmp(sqlite3_value_blob(v), "OMEN", 4) == 0;
}

void scalerTrainStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *fname = "scaler_train_state";
  scaler_state_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  scl_method method = SCL_STANDARD;
  om_err err;
  om_status st;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (argc == 2) {
    const char *m = sqlite3_value_type(argv[1]) == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    if (!m || scl_method_parse(m, (size_t)sqlite3_value_bytes(argv[1]), &method)) {
      if (m)
        omen_errorf(ctx, fname, "method (argument 2) is '%s'; expected 'standard', 'robust' or 'minmax'", m);
      else
        omen_errorf(ctx, fname, "method (argument 2) is %s; expected 'standard', 'robust' or 'minmax'",
                    omen_type_name(argv[1]));
      return;
    }
  }
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL:
    a->nulls++;
    if (argc == 1) return; /* a row or a state: settled at the end (2) */
    break;
  case SQLITE_BLOB:
    if (argc == 1 && is_envelope(argv[0])) {
      merge_arg(ctx, fname, a, argv[0]);
      return;
    }
    break;
  default:
    omen_errorf(ctx, fname,
                "features (argument 1) is %s; expected a feature vector (a BLOB made by feature_vector()) or a "
                "scaler_state",
                omen_type_name(argv[0]));
    return;
  }
  if (!a->started) agg_start(a, method);
  else if (a->saw_rows && method != a->s.method) {
    omen_errorf(ctx, fname, "method changed from '%s' to '%s' between rows", scl_method_name(a->s.method),
                scl_method_name(method));
    return;
  } else if (!a->saw_rows && method != a->s.method) {
    omen_errorf(ctx, fname, "states have different methods: '%s' and '%s'", scl_method_name(a->s.method),
                scl_method_name(method));
    return;
  }
  a->saw_rows = 1;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  st = scl_state_add(&a->s, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  if (st != OM_OK) omen_result_status(ctx, fname, st, &err);
}

/* NULL arguments are skipped rows unless only states were seen (2). */
static void settle_nulls(scaler_state_agg *a) {
  if (a->saw_rows || !a->saw_states) a->s.rows_skipped += a->nulls;
  a->nulls = 0;
}

void scalerTrainStateFinal(sqlite3_context *ctx) {
  scaler_state_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return; /* no rows: NULL */
  if (!a->started) {
    if (!a->nulls) return;
    agg_start(a, SCL_STANDARD); /* only NULL rows */
  }
  settle_nulls(a);
  if (a->s.rows_used == 0 && a->s.rows_skipped == 0 && a->s.n_feats == 0) {
    scl_state_free(&a->s);
    return;
  }
  om_wbuf_init(&w);
  st = scl_state_write(&a->s, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, "scaler_train_state", st, &err);
  else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
  om_wbuf_free(&w);
  scl_state_free(&a->s);
}

void scalerMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  scaler_state_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  (void)argc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  merge_arg(ctx, "scaler_merge", a, argv[0]);
}

void scalerMergeFinal(sqlite3_context *ctx) {
  scaler_state_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a || !a->started) return; /* no state: NULL */
  if (a->s.rows_used == 0) {     /* as scaler_train: no rows used, no model */
    scl_state_free(&a->s);
    return;
  }
  om_wbuf_init(&w);
  st = scl_state_model(&a->s, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, "scaler_merge", st, &err);
  else sqlite3_result_blob64(ctx, w.data, w.len, SQLITE_TRANSIENT);
  om_wbuf_free(&w);
  scl_state_free(&a->s);
}
