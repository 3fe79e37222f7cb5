/*
** baseline_state.c — mergeable states of baseline_train:
** baseline_train_state(value [, options]) and baseline_train_state(state)
** (aggregates returning a baseline_state BLOB), and baseline_merge(state)
** (an aggregate returning a job baseline, as baseline_train does).
**
**   -- per-job states on each database file, one baseline per job over all:
**   SELECT job, model_save('dur_' || job, baseline_merge(s)) FROM (
**     SELECT job, baseline_train_state(duration_s) AS s FROM f1.runs GROUP BY job
**     UNION ALL SELECT job, baseline_train_state(duration_s) FROM f2.runs GROUP BY job)
**   GROUP BY job;
**   -- roll-ups in levels: hosts -> regions -> all
**   SELECT region, job, baseline_train_state(state) FROM host_states GROUP BY region, job;
**
** Behaviours (docs/baseline_train_state.md, docs/baseline_merge.md; the
** payload, what is exact and the error bound of the sketched statistics in
** core/baseline/bl_state.h):
**   1. baseline_train_state(value [, options]) takes its rows exactly as
**      baseline_train does (baseline.c behaviour 1: a number, or a feature
**      vector of numeric features, the same kind on every row; the same
**      options, checks and messages, named baseline_train_state; max_values
**      is accepted and checked but does not apply: a state keeps a sketch,
**      never the values) and returns a state BLOB: the model envelope, kind
**      'baseline_state', with the schema, the options, the row counts and
**      per feature the exact count and sums and a quantile sketch.  No rows
**      at all → NULL; only NULL rows → a state holding their count (so
**      rows_skipped adds up after a merge).
**   2. With one argument a BLOB that is an omen envelope (it starts with
**      "OMEN") is a state to merge, anything else a value: so
**      baseline_train_state(state) merges states into one state (rows and
**      states may even be mixed).  A NULL argument is a skipped row, unless
**      the aggregate saw only states (then it is a NULL state: no rows).
**   3. baseline_merge(state) merges states (NULL skipped) and returns the job
**      baseline (kind baseline, role job) of the union of the rows: n, min,
**      max exact, mean and sd from exact sums, median, quantiles, MAD and
**      MeanAD from the merged sketch within the bound of bl_state.h 3, the
**      source decided as baseline_train decides it (all values equal: exact
**      CONSTANT).  No state, or no rows used in all → NULL.  baseline_score,
**      baseline_is_anomaly, baseline_fleet, baseline_shrink, model_save and
**      model_info take it as any job baseline; its metrics say
**      {"sketch_alpha": 0.0005}.  The result does not depend on the split of
**      the rows nor on the order of the states.
**   4. Bad input, each an error starting with the function's name: a state
**      that is not a BLOB (baseline_merge); a BLOB that is not an omen
**      envelope or is damaged (mdl_open's messages); an envelope of another
**      kind ("the state is a scaler_state state; expected a baseline_state,
**      from baseline_train_state()"); a newer payload version (both
**      versions named); a corrupt payload; states (or rows and states) with
**      different options (both named) or different feature sets (the first
**      differing feature named).
**   5. Plain aggregates, not window functions (a state is made once per
**      file or host).  Flags: pure (DETERMINISTIC, INNOCUOUS): they read
**      only their arguments.
*/
#include <math.h>
#include <string.h>

#include "core/base/om_json.h"
#include "core/baseline/bl_state.h"
#include "baseline_options.h"
#include "omen_ext.h"

#define BL_STATE_FN "baseline_train_state"
#define BL_MERGE_FN "baseline_merge"

/* ---------------------------------------------------------------- options */

/* baseline_train's options: omen_bl_parse_options (baseline.c), its messages. */

/* ---------------------------------------------------------------- the aggregate */


typedef struct bls_agg {
  int started;        /* s is initialised */
  int failed;         /* an error was reported: ignore later rows */
  int mode;           /* what the rows' values are */
  int saw_rows;       /* a value row (or a 2-argument call) was seen */
  int saw_states;     /* a state was merged */
  int opts_set;       /* the rows' options were read (from the first row) */
  char *options_text; /* those options' text (NULL: none) */
  uint64_t nulls;     /* NULL arguments of 1-argument calls (behaviour 2) */
  bl_state s;
} bls_agg;

static void bls_agg_free(bls_agg *a) {
  if (a->started) bl_state_free(&a->s);
  sqlite3_free(a->options_text);
  memset(a, 0, sizeof *a);
}

/* Fold one state BLOB (behaviours 2-4); 1 after reporting an error. */
static int merge_arg(sqlite3_context *ctx, const char *fname, bls_agg *a, sqlite3_value *arg) {
  omen_state os;
  om_err err;
  om_status st = OM_OK;
  const bl_state *s;
  if (omen_state_open(ctx, fname, arg, MDL_KIND_BASELINE_STATE, BL_STATE_FN, &os)) return 1;
  if (!os.model) return 0;
  s = os.model;
  if (!a->started) {
    bl_options o;
    bl_options_default(&o);
    o.threshold = s->threshold;
    o.constant_cv = s->constant_cv;
    o.seed = s->seed;
    bl_state_init(&a->s, &o);
    a->started = 1;
  }
  st = bl_state_merge(&a->s, s, &err);
  omen_state_close(&os);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  a->saw_states = 1;
  return 0;
}

/* The rows' options (from the first row; the same text on every row). */
static int rows_options(sqlite3_context *ctx, bls_agg *a, int argc, sqlite3_value **argv) {
  const char *text;
  int n, nomem = 0;
  bl_options opt;
  om_err err;
  if (a->opts_set) return argc >= 2 && omen_agg_options_changed(ctx, BL_STATE_FN, argv[1], a->options_text);
  if (omen_agg_options_text(ctx, BL_STATE_FN, argc >= 2 ? argv[1] : NULL, 2, &text, &n)) return 1;
  if (omen_bl_parse_options(text, (size_t)n, &opt, &err, &nomem)) {
    if (nomem) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, BL_STATE_FN, "%s", err.msg);
    return 1;
  }
  if (omen_agg_options_keep(ctx, text, n, &a->options_text)) return 1;
  a->opts_set = 1;
  if (!a->started) {
    bl_state_init(&a->s, &opt);
    a->started = 1;
  } else { /* states came first: their options must be these */
    bl_state probe;
    om_status st;
    bl_state_init(&probe, &opt);
    st = bl_state_merge(&a->s, &probe, &err); /* no features, no rows: only the options are compared */
    if (st != OM_OK) {
      omen_result_status(ctx, BL_STATE_FN, st, &err);
      return 1;
    }
  }
  return 0;
}

static int is_envelope(sqlite3_value *v) {
  return sqlite3_value_bytes(v) >= 4 && memcmp(sqlite3_value_blob(v), "OMEN", 4) == 0;
}

void baselineTrainStateStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  bls_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  om_err err;
  om_status st;
  int t, mode;
  double x = 0;
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
      if (merge_arg(ctx, BL_STATE_FN, a, argv[0])) a->failed = 1;
      return;
    }
  }
  if (rows_options(ctx, a, argc, argv)) goto fail;
  a->saw_rows = 1;
  if (t == SQLITE_NULL) {
    a->s.rows_skipped++;
    return;
  }
  mode = omen_bl_value_arg(ctx, BL_STATE_FN, argv[0], &a->mode, &x);
  if (mode < 0) goto fail;
  if (mode == MODE_NUMBER) {
    st = bl_state_add_value(&a->s, x, &err);
  } else {
    st = bl_state_add_fv(&a->s, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]), &err);
  }
  if (st != OM_OK) {
    omen_result_status(ctx, BL_STATE_FN, st, &err);
    goto fail;
  }
  return;
fail:
  a->failed = 1;
}

void baselineTrainStateFinal(sqlite3_context *ctx) {
  bls_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return; /* no rows: NULL */
  if (a->failed) goto done;
  if (!a->started) {
    if (!a->nulls) goto done;
    bl_state_init(&a->s, NULL); /* only NULL rows, default options */
    a->started = 1;
  }
  if (a->saw_rows || !a->saw_states) a->s.rows_skipped += a->nulls; /* behaviour 2 */
  om_wbuf_init(&w);
  st = bl_state_write(&a->s, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, BL_STATE_FN, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free); /* om_malloc is sqlite3_malloc64 */
  }
  om_wbuf_free(&w);
done:
  bls_agg_free(a);
}

void baselineMergeStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  bls_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  (void)argc;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (merge_arg(ctx, BL_MERGE_FN, a, argv[0])) a->failed = 1;
}

void baselineMergeFinal(sqlite3_context *ctx) {
  bls_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_err err;
  om_status st;
  if (!a) return;                                                   /* no state: NULL */
  if (a->failed || !a->started || a->s.rows_used == 0) goto done; /* as baseline_train: no rows used, NULL */
  om_wbuf_init(&w);
  st = bl_state_model(&a->s, &w, &err);
  if (st != OM_OK) omen_result_status(ctx, BL_MERGE_FN, st, &err);
  else {
    size_t len;
    uint8_t *blob = om_wbuf_take(&w, &len);
    sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
  }
  om_wbuf_free(&w);
done:
  bls_agg_free(a);
}
