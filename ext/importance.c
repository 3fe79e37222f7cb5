/*
** importance.c — model_importance(model): a table-valued function listing a
** boosted-tree model's per-feature importance.
**
**   SELECT feature, gain, cover, splits, shap
**     FROM model_importance('runtime') ORDER BY shap DESC;
**
** Behaviours (docs/model_importance.md):
**   1. Columns: feature TEXT, type TEXT ('numeric' | 'categorical'), gain REAL
**      (total split gain, xgboost's 'total_gain'), cover REAL (total hessian
**      of the split nodes, 'total_cover'), splits INTEGER (number of splits),
**      shap REAL (mean |SHAP contribution| over a deterministic sample of
**      up to 256 training rows, measured at training time: gbt_shap.c point
**      6; NULL for models trained before it existed, for very large models
**      and for kinds without contributions, mdl_kind.h behaviour 7);
**      hidden column model.  One row per feature of the model's schema, in
**      name order, including features never split on (zeros).
**   2. model is a BLOB or a registry reference ('name', 'name@3',
**      'name@staging'); it is decoded once per query (xFilter).
**   3. Without an equality constraint on model the plan is refused
**      (SQLITE_CONSTRAINT), as series.c does; a NULL model gives no rows; a
**      corrupt model, or one whose kind has no importance hook (mdl_kind.h),
**      is an error naming the function.
**   4. idxNum: 1 = the model constraint is usable and passed as argv[0].
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "omen_ext.h"

enum { IMP_FEATURE = 0, IMP_TYPE, IMP_GAIN, IMP_COVER, IMP_SPLITS, IMP_SHAP, IMP_MODEL };

typedef struct imp_vtab {
  sqlite3_vtab base;
  sqlite3 *db;          /* for registry references */
} imp_vtab;

typedef struct imp_cursor {
  sqlite3_vtab_cursor base;
  uint8_t *blob;        /* owned copy the view points into */
  mdl_view view;
  mdl_importance *imp;  /* [view.n_features] */
  sqlite3_int64 row;    /* current row, 0-based */
} imp_cursor;

static int impConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  imp_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(feature VARCHAR(255), type VARCHAR(16), gain REAL, cover REAL, "
                                    "splits INTEGER, shap REAL, model HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* it reads models: neither DIRECTONLY nor INNOCUOUS (trusted schema only; omen.c behaviour 4) */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int impDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int impOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  imp_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void imp_reset(imp_cursor *c) {
  mdl_view_free(&c->view);
  sqlite3_free(c->blob);
  sqlite3_free(c->imp);
  c->blob = NULL;
  c->imp = NULL;
  c->row = 0;
}

static int impClose(sqlite3_vtab_cursor *cur) {
  imp_cursor *c = (imp_cursor *)cur;
  imp_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int imp_error(sqlite3_vtab_cursor *cur, const char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("model_importance(): %s", msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int impFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  imp_cursor *c = (imp_cursor *)cur;
  const mdl_kind_def *kind = NULL;
  void *model = NULL;
  om_err err;
  om_status st;
  int n = 0, rc;
  imp_reset(c);
  if (idxNum != 1 || argc < 1) return imp_error(cur, "needs a model argument");
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: return SQLITE_OK; /* no rows */
  case SQLITE_BLOB:
    n = sqlite3_value_bytes(argv[0]);
    c->blob = sqlite3_malloc(n > 0 ? n : 1);
    if (!c->blob) return SQLITE_NOMEM;
    if (n > 0) memcpy(c->blob, sqlite3_value_blob(argv[0]), (size_t)n);
    break;
  case SQLITE_TEXT: {
    char *msg = NULL;
    const char *ref = (const char *)sqlite3_value_text(argv[0]);
    if (!ref) return SQLITE_NOMEM;
    rc = omen_registry_fetch(((imp_vtab *)cur->pVtab)->db, ref, &c->blob, &n, &msg);
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
      rc = imp_error(cur, msg ? msg : "cannot read the model registry");
      sqlite3_free(msg);
      return rc;
    }
    break;
  }
  default: {
    char *msg = sqlite3_mprintf("model is %s; expected a model BLOB or a registry name (TEXT)",
                                omen_type_name(argv[0]));
    if (!msg) return SQLITE_NOMEM;
    rc = imp_error(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  }
  st = mdl_decode(c->blob, (size_t)n, &c->view, &kind, &model, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return imp_error(cur, err.msg);
  if (!kind->importance) {
    char *msg = sqlite3_mprintf("model is %s %s model, which has no feature importance",
                                strchr("aeiou", kind->name[0]) ? "an" : "a", kind->name);
    kind->close(model);
    if (!msg) return SQLITE_NOMEM;
    rc = imp_error(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  c->imp = sqlite3_malloc64((sqlite3_uint64)(c->view.n_features ? c->view.n_features : 1) * sizeof *c->imp);
  if (!c->imp) {
    kind->close(model);
    return SQLITE_NOMEM;
  }
  for (uint32_t i = 0; i < c->view.n_features; i++)
    c->imp[i].shap = NAN; /* kinds without contributions leave it (mdl_kind.h behaviour 7) */
  st = kind->importance(model, c->imp, &err);
  kind->close(model);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return imp_error(cur, err.msg);
  return SQLITE_OK;
}

static int impNext(sqlite3_vtab_cursor *cur) {
  ((imp_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int impEof(sqlite3_vtab_cursor *cur) {
  imp_cursor *c = (imp_cursor *)cur;
  return !c->imp || c->row >= (sqlite3_int64)c->view.n_features;
}

static int impColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  imp_cursor *c = (imp_cursor *)cur;
  const mdl_feature *f = &c->view.features[c->row];
  const mdl_importance *im = &c->imp[c->row];
  switch (i) {
  case IMP_FEATURE: sqlite3_result_text(ctx, f->name, (int)f->name_len, SQLITE_TRANSIENT); break;
  case IMP_TYPE: sqlite3_result_text(ctx, fv_type_name((fv_type)f->type), -1, SQLITE_STATIC); break;
  case IMP_GAIN: sqlite3_result_double(ctx, im->gain); break;
  case IMP_COVER: sqlite3_result_double(ctx, im->cover); break;
  case IMP_SPLITS: sqlite3_result_int64(ctx, (sqlite3_int64)im->splits); break;
  case IMP_SHAP:
    if (im->shap == im->shap) sqlite3_result_double(ctx, im->shap);
    break;
  default: break; /* hidden model column: NULL */
  }
  return SQLITE_OK;
}

static int impRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((imp_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

static int impBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  int model_arg = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (k->iColumn != IMP_MODEL) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    model_arg = i;
  }
  if (model_arg < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[model_arg].argvIndex = 1;
  info->aConstraintUsage[model_arg].omit = 1;
  info->idxNum = 1;
  info->estimatedCost = 10;
  info->estimatedRows = 20;
  return SQLITE_OK;
}

sqlite3_module omen_importance_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only: usable as model_importance(...) without CREATE */
    .xConnect = impConnect,
    .xBestIndex = impBestIndex,
    .xDisconnect = impDisconnect,
    .xOpen = impOpen,
    .xClose = impClose,
    .xFilter = impFilter,
    .xNext = impNext,
    .xEof = impEof,
    .xColumn = impColumn,
    .xRowid = impRowid,
};
