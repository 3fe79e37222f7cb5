/*
** predlog.c — predict_log(): score a run through the registry, log the
** prediction with the version that made it, and shadow-score the challenger.
**
**   SELECT run_id, predict_log(run_id, 'runtime', fv) FROM planned_runs;
**   SELECT predict_log(run_id, 'failures', fv) FROM planned_runs;  -- binary
**
** Behaviours (docs/predict_log.md):
**   1. predict_log(run_key, model, features [, coverage]) returns what
**      predict(model, features) returns — seconds (or the target's units) for
**      a regression objective, a probability for 'binary' — computed with the
**      version `model` resolves to when the statement first meets it, and
**      writes one row of omen_predictions (aliases.c): run_key, name, that
**      version, role 'champion', predicted, lo and hi (the interval of
**      predict_interval at `coverage`, default the model's; NULL for binary
**      models and models without calibration residuals), at (UTC
**      'YYYY-MM-DD HH:MM:SS.SSS', the time the statement first logged), and
**      the feature vector itself (for drift, omen_model_health).
**   2. Shadow scoring: when `model` is a name or 'name@alias' (not a fixed
**      version) and the name has a 'challenger' alias — else a 'staging'
**      alias — pointing at another version, that version scores the same
**      features too and is logged as role 'shadow' in the same INSERT (both
**      rows or neither); what the function returns is unchanged.  A shadow
**      model that cannot score the row (another kind, a feature of the other
**      type) is an error: a challenger must accept the champion's inputs.
**   3. model must be a registry reference (TEXT): logging is for predictions
**      made through the registry.  run_key is INTEGER or TEXT (NULL is an
**      error: an outcome could never be joined to it); NULL features give
**      NULL and log nothing, as predict() gives NULL.
**   4. Versions are resolved once per statement and reference, so every row
**      of a statement is scored and logged by the same versions, even if an
**      alias moves meanwhile (the next statement follows the move).
**   5. It writes, so it is SQLITE_DIRECTONLY and passes omen_write_guard
**      (guard.c) once per statement: a top-level SELECT may log, a trigger or
**      view may not (they can call predict(), which does not log).  The
**      registry's tables are created (or upgraded) on first use, in a
**      savepoint.  A database that cannot be written (read-only, locked) is
**      an error naming the function, and nothing is logged for that row.
**   6. Per row: one prepared INSERT (per statement), no allocation.
**   7. SQLite may evaluate a function twice for one row (a subquery's
**      predict_log(...) AS p used in both WHERE and the result).  A call
**      whose reference, run_key and feature bytes equal the previous call's
**      in the same statement returns the same value and logs nothing; a run
**      logged again later (another row, another statement) is logged again.
*/
#include <math.h>
#include <string.h>

#include "core/gbt/gbt.h"
#include "omen_ext.h"

#define FN "predict_log"

/* Per statement and call site (auxdata OMEN_AUX_PREDLOG). */
typedef struct plog_state {
  sqlite3 *db;
  sqlite3_stmt *ins1, *ins2;  /* one row; champion + shadow */
  char *ref;                  /* the reference resolved below */
  char *served_ref;           /* 'name@v' */
  char *shadow_ref;           /* 'name@s', or NULL */
  char *name;
  sqlite3_int64 served, shadow;
  char at[32];
  /* the previous call's inputs and result (behaviour 7) */
  int have_last;
  sqlite3_int64 last_key_int;
  char *last_key_text; /* or NULL: the key was an INTEGER */
  uint8_t *last_fv;
  size_t last_fv_len, last_fv_cap, last_key_cap;
  double last_pred;
} plog_state;

static void plog_free(void *p) {
  plog_state *s = p;
  if (!s) return;
  sqlite3_finalize(s->ins1);
  sqlite3_finalize(s->ins2);
  sqlite3_free(s->ref);
  sqlite3_free(s->served_ref);
  sqlite3_free(s->shadow_ref);
  sqlite3_free(s->name);
  sqlite3_free(s->last_key_text);
  sqlite3_free(s->last_fv);
  sqlite3_free(s);
}

/* Behaviour 7: is this call the previous one again (same reference, key
** and feature bytes)? */
static int plog_same_as_last(const plog_state *s, sqlite3_value *key, sqlite3_value *fv) {
  size_t n;
  if (!s->have_last) return 0;
  if (sqlite3_value_type(key) == SQLITE_INTEGER) {
    if (s->last_key_text || sqlite3_value_int64(key) != s->last_key_int) return 0;
  } else {
    const char *t = (const char *)sqlite3_value_text(key);
    if (!t || !s->last_key_text || strcmp(t, s->last_key_text) != 0) return 0;
  }
  n = (size_t)sqlite3_value_bytes(fv);
  return n == s->last_fv_len && (n == 0 || memcmp(sqlite3_value_blob(fv), s->last_fv, n) == 0);
}

/* Remember this call (buffers grow, never shrink: no allocation per row
** once they fit).  0 on out of memory (then nothing is remembered). */
static int plog_remember(plog_state *s, sqlite3_value *key, sqlite3_value *fv, double pred) {
  size_t n = (size_t)sqlite3_value_bytes(fv);
  s->have_last = 0;
  if (sqlite3_value_type(key) == SQLITE_INTEGER) {
    sqlite3_free(s->last_key_text);
    s->last_key_text = NULL;
    s->last_key_cap = 0;
    s->last_key_int = sqlite3_value_int64(key);
  } else {
    size_t k = (size_t)sqlite3_value_bytes(key) + 1;
    const char *t = (const char *)sqlite3_value_text(key);
    if (!t) return 0;
    if (k > s->last_key_cap) {
      char *p = sqlite3_realloc64(s->last_key_text, k);
      if (!p) return 0;
      s->last_key_text = p;
      s->last_key_cap = k;
    }
    memcpy(s->last_key_text, t, k);
  }
  if (n > s->last_fv_cap) {
    uint8_t *p = sqlite3_realloc64(s->last_fv, n);
    if (!p) return 0;
    s->last_fv = p;
    s->last_fv_cap = n;
  }
  if (n) memcpy(s->last_fv, sqlite3_value_blob(fv), n);
  s->last_fv_len = n;
  s->last_pred = pred;
  s->have_last = 1;
  return 1;
}

/* OR FAIL: the two-row INSERT (champion + shadow) would otherwise open a
** statement journal for each call (a multi-row write that may abort), which
** wrote every touched page to a temporary file: 20 µs per call instead of 6.
** None of the log's constraints can fail for the values bound here, and an
** I/O error still rolls the whole transaction back (SQLite's rule without a
** statement journal), so "both rows or neither" holds. */
#define INSERT_ROW "(?1, ?2, ?3, 'champion', ?4, ?5, ?6, ?7, ?8)"
#define INSERT_SQL                                                                                          \
  "INSERT OR FAIL INTO main.omen_predictions(run_key, name, version, role, predicted, lo, hi, at, features) VALUES "

/* First call of the statement: guard, schema, statements, the time. */
static plog_state *plog_begin(sqlite3_context *ctx) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  plog_state *s;
  sqlite3_stmt *st = NULL;
  char *msg = NULL;
  int rc;
  if (!omen_write_guard(ctx, FN)) return NULL;
  s = sqlite3_malloc(sizeof *s);
  if (!s) goto nomem;
  memset(s, 0, sizeof *s);
  s->db = db;
  rc = omen_registry_begin(db);
  if (rc == SQLITE_OK) {
    rc = omen_registry_prepare(db, &msg);
    if (rc != SQLITE_OK) {
      if (rc != SQLITE_NOMEM)
        omen_errorf(ctx, FN, "cannot write the prediction log: %s%s", msg ? msg : sqlite3_errmsg(db), omen_busy_hint(db));
      omen_registry_end(db, 0);
    } else {
      rc = omen_registry_end(db, 1);
      if (rc != SQLITE_OK && rc != SQLITE_NOMEM)
        omen_errorf(ctx, FN, "cannot write the prediction log: %s%s", sqlite3_errmsg(db), omen_busy_hint(db));
    }
  } else if (rc != SQLITE_NOMEM) {
    omen_errorf(ctx, FN, "cannot write the prediction log: %s%s", sqlite3_errmsg(db), omen_busy_hint(db));
  }
  sqlite3_free(msg);
  if (rc != SQLITE_OK) goto fail;
  rc = sqlite3_prepare_v3(db, INSERT_SQL INSERT_ROW, -1, SQLITE_PREPARE_PERSISTENT, &s->ins1, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3(db, INSERT_SQL INSERT_ROW ", (?1, ?2, ?9, 'shadow', ?10, ?11, ?12, ?7, ?8)", -1,
                            SQLITE_PREPARE_PERSISTENT, &s->ins2, 0);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')", -1, &st, 0);
  if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    sqlite3_snprintf(sizeof s->at, s->at, "%s", (const char *)sqlite3_column_text(st, 0));
  else if (rc == SQLITE_OK)
    rc = SQLITE_NOMEM;
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) {
    if (rc != SQLITE_NOMEM) omen_errorf(ctx, FN, "cannot write the prediction log: %s%s", sqlite3_errmsg(db), omen_busy_hint(db));
    goto fail;
  }
  sqlite3_set_auxdata(ctx, OMEN_AUX_PREDLOG, s, plog_free);
  s = sqlite3_get_auxdata(ctx, OMEN_AUX_PREDLOG);
  if (!s) goto nomem;
  return s;
nomem:
  rc = SQLITE_NOMEM;
fail:
  if (rc == SQLITE_NOMEM) sqlite3_result_error_nomem(ctx);
  plog_free(s);
  return NULL;
}

/* Resolve ref (behaviour 4): served version, shadow version. */
static int plog_resolve(sqlite3_context *ctx, plog_state *s, const char *ref) {
  char *msg = NULL;
  int name_len = 0, rc;
  const char *at;
  sqlite3_free(s->ref);
  sqlite3_free(s->served_ref);
  sqlite3_free(s->shadow_ref);
  sqlite3_free(s->name);
  s->ref = s->served_ref = s->shadow_ref = s->name = NULL;
  s->served = s->shadow = 0;
  rc = omen_registry_version(s->db, ref, &s->served, &name_len, &msg);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOMEM) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, FN, "%s", msg ? msg : "cannot read the model registry");
    sqlite3_free(msg);
    return 0;
  }
  s->name = sqlite3_mprintf("%.*s", name_len, ref);
  s->served_ref = sqlite3_mprintf("%.*s@%lld", name_len, ref, s->served);
  s->ref = sqlite3_mprintf("%s", ref);
  if (!s->name || !s->served_ref || !s->ref) goto nomem;
  at = strrchr(ref, '@');
  if (!at || strspn(at + 1, "0123456789") != strlen(at + 1)) { /* by name or alias: behaviour 2 */
    const char *alias;
    rc = omen_registry_shadow(s->db, s->name, &s->shadow, &alias);
    if (rc == SQLITE_NOMEM) goto nomem;
    if (rc != SQLITE_OK) s->shadow = 0;
    if (s->shadow == s->served) s->shadow = 0;
    if (s->shadow && !(s->shadow_ref = sqlite3_mprintf("%s@%lld", s->name, s->shadow))) goto nomem;
  }
  return 1;
nomem:
  sqlite3_result_error_nomem(ctx);
  return 0;
}

/* Score m on features: predicted, and lo/hi where the model has them
** (c: the coverage asked, 0 for the model's own). */
static int plog_score(sqlite3_context *ctx, const omen_model *m, sqlite3_value *fv, double c, double *pred, double *lo,
                      double *hi) {
  if (omen_model_row(ctx, FN, m, fv, 3)) return 0;
  gbt_predict_interval_x(m->model, m->x, c, pred, lo, hi);
  return 1;
}

/* NaN (no value) is NULL; ±Inf (an interval wider than the calibration
** set can bound) is kept, as predict_duration returns it. */
static void bind_real(sqlite3_stmt *st, int i, double v) {
  if (v == v) sqlite3_bind_double(st, i, v);
  else sqlite3_bind_null(st, i);
}

void predictLogFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  plog_state *s;
  const omen_model *m, *sm = NULL;
  const char *ref;
  double c = 0, pred, lo, hi, spred = NAN, slo = NAN, shi = NAN;
  sqlite3_stmt *ins;
  int kt = sqlite3_value_type(argv[0]), rc;
  if (kt != SQLITE_INTEGER && kt != SQLITE_TEXT) {
    omen_errorf(ctx, FN, "run_key (argument 1) is %s; expected INTEGER or TEXT (the key outcomes are joined on)",
                omen_type_name(argv[0]));
    return;
  }
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    omen_errorf(ctx, FN, "model (argument 2) is %s; expected a registry reference such as 'runtime' (TEXT): only "
                         "predictions made through the registry are logged",
                omen_type_name(argv[1]));
    return;
  }
  if (argc == 4) {
    int t = sqlite3_value_type(argv[3]);
    c = sqlite3_value_double(argv[3]);
    if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(c > 0 && c < 1)) {
      omen_errorf(ctx, FN, "coverage (argument 4) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%%");
      return;
    }
  }
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL) return;
  ref = (const char *)sqlite3_value_text(argv[1]);
  if (!ref) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  s = sqlite3_get_auxdata(ctx, OMEN_AUX_PREDLOG);
  if (!s && !(s = plog_begin(ctx))) return;
  if (!s->ref || strcmp(s->ref, ref) != 0) {
    s->have_last = 0;
    if (!plog_resolve(ctx, s, ref)) return;
  }
  if (sqlite3_value_type(argv[2]) == SQLITE_BLOB && plog_same_as_last(s, argv[0], argv[2])) {
    if (isfinite(s->last_pred)) sqlite3_result_double(ctx, s->last_pred); /* behaviour 7: logged already */
    else sqlite3_result_null(ctx);
    return;
  }
  m = omen_model_ref(ctx, FN, s->served_ref, MDL_KIND_GBT);
  if (!m || !plog_score(ctx, m, argv[2], c, &pred, &lo, &hi)) return;
  if (s->shadow_ref) {
    sm = omen_model_ref(ctx, FN, s->shadow_ref, MDL_KIND_GBT);
    if (!sm || !plog_score(ctx, sm, argv[2], c, &spred, &slo, &shi)) return;
  }
  ins = sm ? s->ins2 : s->ins1;
  sqlite3_bind_value(ins, 1, argv[0]);
  sqlite3_bind_text(ins, 2, s->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(ins, 3, s->served);
  bind_real(ins, 4, pred);
  bind_real(ins, 5, lo);
  bind_real(ins, 6, hi);
  sqlite3_bind_text(ins, 7, s->at, -1, SQLITE_STATIC);
  sqlite3_bind_value(ins, 8, argv[2]);
  if (sm) {
    sqlite3_bind_int64(ins, 9, s->shadow);
    bind_real(ins, 10, spred);
    bind_real(ins, 11, slo);
    bind_real(ins, 12, shi);
  }
  rc = sqlite3_step(ins);
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_NOMEM) sqlite3_result_error_nomem(ctx);
    else omen_errorf(ctx, FN, "cannot write the prediction log: %s%s", sqlite3_errmsg(s->db), omen_busy_hint(s->db));
    sqlite3_reset(ins);
    return;
  }
  sqlite3_reset(ins);
  if (sqlite3_value_type(argv[2]) == SQLITE_BLOB && !plog_remember(s, argv[0], argv[2], pred)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (isfinite(pred)) sqlite3_result_double(ctx, pred);
  else sqlite3_result_null(ctx);
}
