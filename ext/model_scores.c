/*
** model_scores.c — model_scores(model, features [, coverage]): what a
** registry name predicts for one run, as rows — the version serving the
** name and, in its shadow, the challenger — so that logging predictions is
** one INSERT ... SELECT, and so that a trigger can log.
**
**   INSERT INTO omen_predictions(run_key, name, version, role, predicted, lo, hi, at, features)
**   SELECT r.id, s.name, s.version, s.role, s.predicted, s.lo, s.hi,
**          strftime('%Y-%m-%d %H:%M:%f', 'now'), r.fv
**     FROM planned_runs AS r, model_scores('runtime', r.fv) AS s;
**
** Behaviours (docs/model_scores.md):
**   1. Columns name TEXT, version INTEGER, role TEXT, predicted, lo, hi REAL;
**      hidden model, features, coverage.  The first row is the version
**      `model` resolves to, role 'champion'; predicted is what
**      predict(model, features) returns (seconds, or the target's units, for
**      a regression objective; a probability for 'binary'); lo and hi are
**      predict_interval's bounds at `coverage` (default: the model's own),
**      NULL for binary models and models without calibration residuals.
**   2. Shadow: when `model` is a name or 'name@alias' (not a fixed version)
**      and the name has a 'challenger' alias — else a 'staging' alias —
**      pointing at another version, a second row (role 'shadow') scores the
**      same features with that version.  The rows are what predict_log
**      writes (predlog.c behaviours 1-2), so the log reads the same whichever
**      way it was written.
**   3. model must be a registry reference (TEXT): rows carry the name and
**      version that made them.  A NULL model or NULL features give no rows.
**      coverage NULL means the model's own.
**   4. Versions are resolved once per statement and reference: the cursor
**      keeps the reference's versions and decoded models, so every row of
**      an INSERT ... SELECT is scored by the same versions, even if an alias
**      moves meanwhile (the next statement follows the move), and the
**      registry is not read again per row.  Between statements the vtab
**      keeps the last two models and reuses them while the registry holds
**      the same bytes (vtab_model.c behaviour 1).
**   5. Only reads: no SQLITE_VTAB_DIRECTONLY, so triggers and views of a
**      trusted schema may use it (an AFTER INSERT trigger that logs each new
**      run's prediction); with trusted_schema=OFF SQLite refuses it there.
**      Writing the log is the caller's own INSERT.
**   6. Per row: the vector is matched into buffers the cursor keeps; no
**      allocation once they fit the model's features.
**   7. Errors name the function: a model that is not a boosted-tree model, a
**      registry error (unknown name, version or alias), a feature vector that
**      does not fit (vtab_model.c behaviour 4: a feature of the other type,
**      none of the model's features), coverage not in (0, 1), a missing
**      features argument; a shadow version that cannot score the row is an
**      error too (a challenger must accept the champion's inputs).
**   8. Without an equality constraint on model the plan is refused (vtab_model.c 7)
**      (SQLITE_CONSTRAINT).  idxNum bits: 1 = model, 2 = features,
**      4 = coverage, passed in that order in argv.
*/
#include <math.h>
#include <string.h>

#include "core/gbt/gbt.h"
#include "omen_ext.h"

#define FN "model_scores"

enum { MS_NAME = 0, MS_VERSION, MS_ROLE, MS_PREDICTED, MS_LO, MS_HI, MS_MODEL, MS_FEATURES, MS_COVERAGE };

typedef struct ms_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  omen_vt_model *last[2]; /* champion, shadow: one reference each, or NULL */
} ms_vtab;

typedef struct ms_cursor {
  sqlite3_vtab_cursor base;
  char *ref;               /* the reference resolved below, or NULL */
  char *name;
  sqlite3_int64 version[2]; /* champion, shadow (0: none) */
  omen_vt_model *m[2];     /* one reference each, or NULL */
  omen_vt_row row;
  int n_rows, i;
  double pred[2], lo[2], hi[2];
} ms_cursor;

static int msConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  ms_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(name TEXT, version INTEGER, role TEXT, predicted REAL, lo REAL, "
                                    "hi REAL, model HIDDEN, features HIDDEN, coverage HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* Behaviour 5: read-only, no SQLITE_VTAB_DIRECTONLY. */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int msDisconnect(sqlite3_vtab *vt) {
  ms_vtab *v = (ms_vtab *)vt;
  omen_vt_model_release(v->last[0]);
  omen_vt_model_release(v->last[1]);
  sqlite3_free(v);
  return SQLITE_OK;
}

static int msOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  ms_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void ms_forget(ms_cursor *c) {
  sqlite3_free(c->ref);
  sqlite3_free(c->name);
  omen_vt_model_release(c->m[0]);
  omen_vt_model_release(c->m[1]);
  c->ref = c->name = NULL;
  c->m[0] = c->m[1] = NULL;
  c->version[0] = c->version[1] = 0;
}

static int msClose(sqlite3_vtab_cursor *cur) {
  ms_cursor *c = (ms_cursor *)cur;
  ms_forget(c);
  omen_vt_row_free(&c->row);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* The decoded model of version k's role (0 champion, 1 shadow). */
static int ms_load(sqlite3_vtab_cursor *cur, int k) {
  ms_cursor *c = (ms_cursor *)cur;
  ms_vtab *v = (ms_vtab *)cur->pVtab;
  char *msg = NULL, *ref = sqlite3_mprintf("%s@%lld", c->name, c->version[k]);
  int rc;
  if (!ref) return SQLITE_NOMEM;
  rc = omen_vt_model_ref(v->db, ref, &v->last[k], &c->m[k], &msg);
  if (rc == SQLITE_ERROR) rc = omen_vt_error(cur->pVtab, FN, "%s", msg);
  sqlite3_free(msg);
  if (rc == SQLITE_OK && c->m[k]->view.kind != MDL_KIND_GBT)
    rc = omen_vt_error(cur->pVtab, FN,
                       "model '%s' is %s %s model; expected a boosted-tree model (what predict_duration and "
                       "predict_failure score)",
                       ref, strchr("aeiou", c->m[k]->kind->name[0]) ? "an" : "a", c->m[k]->kind->name);
  sqlite3_free(ref);
  return rc;
}

/* Behaviours 2 and 4: versions and models for ref. */
static int ms_resolve(sqlite3_vtab_cursor *cur, const char *ref) {
  ms_cursor *c = (ms_cursor *)cur;
  ms_vtab *v = (ms_vtab *)cur->pVtab;
  const char *at;
  char *msg = NULL;
  int name_len = 0, rc;
  ms_forget(c);
  rc = omen_registry_version(v->db, ref, &c->version[0], &name_len, &msg);
  if (rc != SQLITE_OK) {
    if (rc != SQLITE_NOMEM) rc = omen_vt_error(cur->pVtab, FN, "%s", msg ? msg : "cannot read the model registry");
    sqlite3_free(msg);
    return rc;
  }
  if (!(c->name = sqlite3_mprintf("%.*s", name_len, ref))) return SQLITE_NOMEM;
  at = strrchr(ref, '@');
  if (!at || strspn(at + 1, "0123456789") != strlen(at + 1)) { /* by name or alias */
    const char *alias;
    rc = omen_registry_shadow(v->db, c->name, &c->version[1], &alias);
    if (rc == SQLITE_NOMEM) return rc;
    if (rc != SQLITE_OK || c->version[1] == c->version[0]) c->version[1] = 0;
  }
  if ((rc = ms_load(cur, 0)) != SQLITE_OK) return rc;
  if (c->version[1] && (rc = ms_load(cur, 1)) != SQLITE_OK) return rc;
  /* Only now is ref the resolved one: an error above resolves again. */
  return (c->ref = sqlite3_mprintf("%s", ref)) ? SQLITE_OK : SQLITE_NOMEM;
}

/* Score the row with model k (behaviour 1); cov 0: the model's own. */
static int ms_score(sqlite3_vtab_cursor *cur, int k, sqlite3_value *fv, double cov) {
  ms_cursor *c = (ms_cursor *)cur;
  const omen_vt_model *m = c->m[k];
  char *msg = NULL;
  int rc = omen_vt_row_grow(&c->row, m->view.n_features ? m->view.n_features : 1);
  if (rc == SQLITE_OK) rc = omen_vt_row_match(&c->row, m, fv, "features", 2, &msg);
  if (rc == SQLITE_ERROR)
    rc = k ? omen_vt_error(cur->pVtab, FN, "the shadow version %s@%lld cannot score this run: %s", c->name,
                           c->version[1], msg)
           : omen_vt_error(cur->pVtab, FN, "%s", msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return rc;
  gbt_predict_interval_x(m->model, c->row.x, cov, &c->pred[k], &c->lo[k], &c->hi[k]);
  return SQLITE_OK;
}

static int msFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  ms_cursor *c = (ms_cursor *)cur;
  sqlite3_value *fv = NULL, *cv = NULL;
  const char *ref;
  double cov = 0;
  int k = 1, rc;
  c->n_rows = c->i = 0;
  if (!(idxNum & 1) || argc < 1) return omen_vt_error(cur->pVtab, FN, "needs a model argument");
  if (idxNum & 2) fv = k < argc ? argv[k++] : NULL;
  if (idxNum & 4) cv = k < argc ? argv[k++] : NULL;
  if (!fv) return omen_vt_error(cur->pVtab, FN, "needs a features argument: model_scores(model, features [, coverage])");
  if (cv && sqlite3_value_type(cv) != SQLITE_NULL) {
    int t = sqlite3_value_type(cv);
    cov = sqlite3_value_double(cv);
    if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(cov > 0 && cov < 1))
      return omen_vt_error(cur->pVtab, FN, "coverage (argument 3) must be a number between 0 and 1 (exclusive), e.g. "
                                           "0.9 for 90%%");
  }
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: return SQLITE_OK; /* no rows */
  case SQLITE_TEXT: break;
  default:
    return omen_vt_error(cur->pVtab, FN,
                         "model (argument 1) is %s; expected a registry reference such as 'runtime' (TEXT): rows "
                         "name the version that scored them",
                         omen_type_name(argv[0]));
  }
  if (sqlite3_value_type(fv) == SQLITE_NULL) return SQLITE_OK; /* no rows, as predict() gives NULL */
  if (!(ref = (const char *)sqlite3_value_text(argv[0]))) return SQLITE_NOMEM;
  if (!c->ref || strcmp(c->ref, ref) != 0) {
    if ((rc = ms_resolve(cur, ref)) != SQLITE_OK) return rc;
  }
  for (int j = 0; j < 2 && c->m[j]; j++)
    if ((rc = ms_score(cur, j, fv, cov)) != SQLITE_OK) return rc;
  c->n_rows = c->m[1] ? 2 : 1;
  return SQLITE_OK;
}

static int msNext(sqlite3_vtab_cursor *cur) {
  ((ms_cursor *)cur)->i++;
  return SQLITE_OK;
}

static int msEof(sqlite3_vtab_cursor *cur) {
  ms_cursor *c = (ms_cursor *)cur;
  return c->i >= c->n_rows;
}

/* NaN (no value) is NULL; ±Inf (an interval wider than the calibration
** set can bound) is kept, as predict_interval and predict_log keep it. */
static void ms_real(sqlite3_context *ctx, double x) {
  if (x == x) sqlite3_result_double(ctx, x);
}

static int msColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  ms_cursor *c = (ms_cursor *)cur;
  int k = c->i;
  switch (i) {
  case MS_NAME: sqlite3_result_text(ctx, c->name, -1, SQLITE_TRANSIENT); break;
  case MS_VERSION: sqlite3_result_int64(ctx, c->version[k]); break;
  case MS_ROLE: sqlite3_result_text(ctx, k ? "shadow" : "champion", -1, SQLITE_STATIC); break;
  case MS_PREDICTED:
    if (isfinite(c->pred[k])) sqlite3_result_double(ctx, c->pred[k]); /* as predict(): NULL when not finite */
    break;
  case MS_LO: ms_real(ctx, c->lo[k]); break;
  case MS_HI: ms_real(ctx, c->hi[k]); break;
  default: break; /* hidden columns: NULL */
  }
  return SQLITE_OK;
}

static int msRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((ms_cursor *)cur)->i + 1;
  return SQLITE_OK;
}

static int msBestIndex(sqlite3_vtab *vt, sqlite3_index_info *info) {
  return omen_vt_best_index(info, MS_MODEL, 3, 2); /* model, features, coverage */
}

sqlite3_module omen_model_scores_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = msConnect,
    .xBestIndex = msBestIndex,
    .xDisconnect = msDisconnect,
    .xOpen = msOpen,
    .xClose = msClose,
    .xFilter = msFilter,
    .xNext = msNext,
    .xEof = msEof,
    .xColumn = msColumn,
    .xRowid = msRowid,
};
