/*
** explain.c — explain(model, features) and explain_diff(model, features,
** reference_features): table-valued functions giving each feature's exact
** additive contribution to a boosted-tree model's raw score (SHAP values),
** through the kind table's contributions hook (mdl_kind.h behaviour 7; for
** gbt models gbt_shap.c).
**
**   SELECT feature, value, contribution
**     FROM explain('runtime', feature_vector('threads', 8, 'host', 'ci-01'))
**    ORDER BY abs(contribution) DESC;
**   SELECT feature, value, reference_value, contribution            -- why slower?
**     FROM explain_diff('runtime', run.fv, median_run.fv) ORDER BY contribution DESC;
**
** Behaviours (docs/explain.md, docs/explain_diff.md):
**   1. explain: columns feature TEXT, value, contribution REAL; hidden model
**      and features.  One row per model feature in schema order (name order,
**      as model_features), then the bias row with feature '(bias)' and value
**      NULL.  contribution is the path-dependent TreeSHAP value (Lundberg et
**      al. 2020); the bias is the base score plus each tree's cover-weighted
**      mean leaf; the contributions with the bias add up to the raw score
**      (the margin: log1p seconds for duration, log-odds for binary, log
**      seconds for aft, the prediction itself for squared and quantile).
**   2. explain_diff: columns feature TEXT, value, reference_value,
**      contribution REAL; hidden model, features, reference_features.  One
**      row per model feature in schema order, no bias row: contribution is
**      the baseline Shapley value (Sundararajan & Najmi 2020; interventional
**      TreeSHAP with the one reference row), and the contributions add up to
**      raw(features) − raw(reference_features).
**   3. value (and reference_value): the vector's value as the model reads it:
**      REAL for a numeric feature; for a categorical one TEXT
**      'xxh3:<16 hex digits>' (a feature vector keeps only the hash of the
**      text, as model_features shows it); NULL when the vector lacks the
**      feature or holds it as NULL (a missing value).
**   4. The vectors are matched as the predict_* functions match them: a
**      feature of the other type is an error naming it; a vector holding
**      none of the model's features is an error.  model is a BLOB or a
**      registry reference ('name', 'name@3', 'name@staging').  A NULL model,
**      features or reference_features gives no rows.
**   5. Errors name the function: a model of another kind (only kinds with
**      the contributions hook: gbt), a corrupt or unreadable model, a model
**      trained before node covers existed (explain only; explain_diff needs
**      no covers), wrong argument types, a missing features argument.
**   6. Decoding: the vtab keeps the last model and reuses it while the
**      argument is the same bytes (a BLOB compared in full, a registry
**      reference by length and stored checksum), so
**      `FROM runs, explain('runtime', runs.fv)` decodes once.
**   7. Flags: these functions only read (a model, the registry).  They do
**      not call sqlite3_vtab_config(SQLITE_VTAB_DIRECTONLY): read-only
**      functions follow the trusted-schema rules (STYLE.md convention 9).
**   8. Without an equality constraint on model the plan is refused (vtab_model.c 7)
**      (SQLITE_CONSTRAINT).  idxNum bits: 1 = model, 2 = features, 4 =
**      reference_features, passed in that order in argv.
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "omen_ext.h"

enum { EX_FEATURE = 0, EX_VALUE, EX_CONTRIB, EX_MODEL, EX_FEATURES };
enum { ED_FEATURE = 0, ED_VALUE, ED_REF_VALUE, ED_CONTRIB, ED_MODEL, ED_FEATURES, ED_REFERENCE };

typedef struct ex_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  int diff;           /* explain_diff */
  const char *fname;  /* "explain" or "explain_diff" */
  omen_vt_model *last; /* one reference, or NULL */
} ex_vtab;

typedef struct ex_cursor {
  sqlite3_vtab_cursor base;
  omen_vt_model *m;  /* one reference, or NULL: no rows */
  sqlite3_int64 row; /* 0-based */
  sqlite3_int64 n_rows;
  uint32_t cap;
  omen_vt_row r[2];  /* features, reference_features */
  double *phi;       /* [cap + 1] */
} ex_cursor;

#define ex_error(cur, fname, ...) omen_vt_error((cur)->pVtab, fname, __VA_ARGS__)

static int ex_connect(sqlite3 *db, const char *schema, const char *fname, int diff, sqlite3_vtab **ppVtab) {
  ex_vtab *v;
  int rc = sqlite3_declare_vtab(db, schema);
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  v->fname = fname;
  v->diff = diff;
  /* Behaviour 7: read-only, no SQLITE_VTAB_DIRECTONLY. */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int exConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  return ex_connect(db, "CREATE TABLE x(feature VARCHAR(255), value, contribution REAL, model HIDDEN, "
                        "features HIDDEN)",
                    "explain", 0, ppVtab);
}

static int edConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  return ex_connect(db, "CREATE TABLE x(feature VARCHAR(255), value, reference_value, contribution REAL, "
                        "model HIDDEN, features HIDDEN, reference_features HIDDEN)",
                    "explain_diff", 1, ppVtab);
}

static int exDisconnect(sqlite3_vtab *vt) {
  ex_vtab *v = (ex_vtab *)vt;
  omen_vt_model_release(v->last);
  sqlite3_free(v);
  return SQLITE_OK;
}

static int exOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  ex_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static int exClose(sqlite3_vtab_cursor *cur) {
  ex_cursor *c = (ex_cursor *)cur;
  omen_vt_model_release(c->m);
  omen_vt_row_free(&c->r[0]);
  omen_vt_row_free(&c->r[1]);
  sqlite3_free(c->phi);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int ex_grow(ex_cursor *c, uint32_t n) {
  double *phi;
  if (n <= c->cap) return SQLITE_OK;
  if (omen_vt_row_grow(&c->r[0], n) != SQLITE_OK || omen_vt_row_grow(&c->r[1], n) != SQLITE_OK) return SQLITE_NOMEM;
  if (!(phi = sqlite3_realloc64(c->phi, ((sqlite3_uint64)n + 1) * sizeof *phi))) return SQLITE_NOMEM;
  c->phi = phi;
  c->cap = n;
  return SQLITE_OK;
}

/* Match the feature vector fv (argument argno) into c->r[side]. */
static int ex_match(sqlite3_vtab_cursor *cur, sqlite3_value *fv, int argno, int side) {
  ex_cursor *c = (ex_cursor *)cur;
  char *msg = NULL;
  int rc = omen_vt_row_match(&c->r[side], c->m, fv, side ? "reference_features" : "features", argno, &msg);
  if (rc == SQLITE_ERROR) rc = ex_error(cur, ((ex_vtab *)cur->pVtab)->fname, "%s", msg);
  sqlite3_free(msg);
  return rc;
}

static int exFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  ex_cursor *c = (ex_cursor *)cur;
  ex_vtab *v = (ex_vtab *)cur->pVtab;
  omen_vt_model *m = NULL;
  sqlite3_value *fv = NULL, *ref = NULL;
  char *msg = NULL;
  om_err err;
  om_status st;
  int rc, k = 0;
  omen_vt_model_release(c->m);
  c->m = NULL;
  c->row = 0;
  c->n_rows = 0;
  if (!(idxNum & 1) || argc < 1) return ex_error(cur, v->fname, "needs a model argument");
  k = 1;
  if (idxNum & 2) fv = k < argc ? argv[k++] : NULL;
  if (idxNum & 4) ref = k < argc ? argv[k++] : NULL;
  if (!fv)
    return v->diff ? ex_error(cur, v->fname, "needs a features argument: explain_diff(model, features, "
                                             "reference_features)")
                   : ex_error(cur, v->fname, "needs a features argument: explain(model, features)");
  if (v->diff && !ref)
    return ex_error(cur, v->fname,
                    "needs a reference_features argument: explain_diff(model, features, reference_features)");
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: return SQLITE_OK; /* no rows */
  case SQLITE_BLOB:
  case SQLITE_TEXT: rc = omen_vt_model_get(v->db, argv[0], &v->last, &m, &msg); break;
  default:
    return ex_error(cur, v->fname, "model is %s; expected a model BLOB or a registry name (TEXT)",
                    omen_type_name(argv[0]));
  }
  if (rc == SQLITE_ERROR) rc = ex_error(cur, v->fname, "%s", msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return rc;
  c->m = m;
  if (!m->kind->contributions || !m->kind->row_prepare)
    return ex_error(cur, v->fname, "model is %s %s model, which has no feature contributions (explanations need a "
                                   "boosted-tree model)", strchr("aeiou", m->kind->name[0]) ? "an" : "a", m->kind->name);
  if (sqlite3_value_type(fv) == SQLITE_NULL || (ref && sqlite3_value_type(ref) == SQLITE_NULL)) {
    omen_vt_model_release(m); /* NULL features: no rows */
    c->m = NULL;
    return SQLITE_OK;
  }
  rc = ex_grow(c, m->view.n_features ? m->view.n_features : 1);
  if (rc != SQLITE_OK) return rc;
  if ((rc = ex_match(cur, fv, 2, 0)) != SQLITE_OK) return rc;
  if (v->diff && (rc = ex_match(cur, ref, 3, 1)) != SQLITE_OK) return rc;
  st = m->kind->contributions(m->model, c->r[0].x, v->diff ? c->r[1].x : NULL, c->phi, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return ex_error(cur, v->fname, "%s", err.msg);
  c->n_rows = (sqlite3_int64)m->view.n_features + (v->diff ? 0 : 1);
  return SQLITE_OK;
}

static int exNext(sqlite3_vtab_cursor *cur) {
  ((ex_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int exEof(sqlite3_vtab_cursor *cur) {
  ex_cursor *c = (ex_cursor *)cur;
  return !c->m || c->row >= c->n_rows;
}

/* Behaviour 3: a vector's value of feature k. */
static void ex_value(sqlite3_context *ctx, const omen_vt_row *r, int k) {
  if (r->missing[k]) return; /* NULL */
  if (r->vtype[k] == FV_NUMERIC) sqlite3_result_double(ctx, r->num[k]);
  else {
    char buf[40];
    sqlite3_snprintf(sizeof buf, buf, "xxh3:%016llx", (unsigned long long)r->cat[k]);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
  }
}

static int exColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  ex_cursor *c = (ex_cursor *)cur;
  int diff = ((ex_vtab *)cur->pVtab)->diff, k = (int)c->row;
  int bias = k >= (int)c->m->view.n_features;
  double phi = c->phi[k];
  if (!diff && i >= EX_CONTRIB) i = i == EX_CONTRIB ? ED_CONTRIB : ED_MODEL; /* same meanings */
  switch (i) {
  case ED_FEATURE:
    if (bias) sqlite3_result_text(ctx, "(bias)", -1, SQLITE_STATIC);
    else
      sqlite3_result_text(ctx, c->m->view.features[k].name, (int)c->m->view.features[k].name_len,
                          SQLITE_TRANSIENT);
    break;
  case ED_VALUE:
    if (!bias) ex_value(ctx, &c->r[0], k);
    break;
  case ED_REF_VALUE:
    if (!bias) ex_value(ctx, &c->r[1], k);
    break;
  case ED_CONTRIB:
    if (phi == phi) sqlite3_result_double(ctx, phi);
    break;
  default: break; /* hidden columns: NULL */
  }
  return SQLITE_OK;
}

static int exRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((ex_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

static int exBestIndex(sqlite3_vtab *vt, sqlite3_index_info *info) {
  int diff = ((ex_vtab *)vt)->diff;
  return omen_vt_best_index(info, diff ? ED_MODEL : EX_MODEL, diff ? 3 : 2, 20);
}

sqlite3_module omen_explain_shap_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = exConnect,
    .xBestIndex = exBestIndex,
    .xDisconnect = exDisconnect,
    .xOpen = exOpen,
    .xClose = exClose,
    .xFilter = exFilter,
    .xNext = exNext,
    .xEof = exEof,
    .xColumn = exColumn,
    .xRowid = exRowid,
};

sqlite3_module omen_explain_diff_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = edConnect,
    .xBestIndex = exBestIndex,
    .xDisconnect = exDisconnect,
    .xOpen = exOpen,
    .xClose = exClose,
    .xFilter = exFilter,
    .xNext = exNext,
    .xEof = exEof,
    .xColumn = exColumn,
    .xRowid = exRowid,
};
