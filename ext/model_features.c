/*
** model_features.c — model_features(model [, features]): a table-valued
** function listing a model's features and, given a feature vector, how the
** model sees each of them.
**
**   SELECT name, type FROM model_features('runtime');
**   SELECT name, status FROM model_features('runtime', feature_vector('Threads', 8, 'host', 'ci-01'))
**    WHERE missing;                      -- what the model will treat as missing
**
** Behaviours (docs/model_features.md):
**   1. Columns: name TEXT, type TEXT ('numeric' | 'categorical'), present
**      INTEGER, value (REAL, or TEXT 'xxh3:<16 hex digits>' for a category),
**      missing INTEGER, status TEXT; hidden columns model and features.  One
**      row per feature of the model's schema, in name order (the order of
**      model_info's features), for every model kind.
**   2. Without features (or with features NULL) present, value, missing and
**      status are NULL.  With a feature vector, per model feature:
**        status 'used'           in the vector with a value the model uses;
**        status 'null'           in the vector with a NULL value;
**        status 'absent'         not in the vector (names are case-sensitive);
**        status 'other_category' a category the model does not know (its
**                                row_prepare gives 0; gbt: no split
**                                names it: unseen in training, too rare,
**                                or never chosen; scored like a missing value);
**        status 'wrong_type'     numeric in one, categorical in the other:
**                                predict_*() raise an error for it.
**      present = 0 only for 'absent'; missing = 1 for 'absent' and 'null'
**      (the vector gives no value: each split's learned default branch),
**      0 for 'used' and 'other_category' (a value is given, though the model
**      scores it down the same default branches), NULL for 'wrong_type'.  value is the vector's
**      value (as feature_vector_json shows it), NULL when absent or NULL.
**      Names in the vector that the model does not know are not listed.
**   3. model is a BLOB or a registry reference ('name', 'name@3',
**      'name@staging'); NULL gives no rows.  Errors (a wrong type, a registry
**      or BLOB problem, a damaged feature vector) name the function.
**   4. Decoding: the vtab (one per connection) keeps the last model it
**      decoded and reuses it while the argument is the same bytes: a BLOB is
**      compared in full; a reference is resolved with the registry's indexed
**      look-up and compared by length and stored checksum without reading
**      the BLOB (as model.c's connection cache does).  So
**      `FROM runs, model_features('runtime', runs.fv)` decodes once, and the
**      cursor's per-feature arrays only grow: no allocation per row after
**      the first (a reference still opens a BLOB handle per row).
**   5. Without an equality constraint on model the plan is refused
**      (SQLITE_CONSTRAINT: "no query solution"), as series.c does.
**   6. idxNum bits: 1 = model is argv[0]; 2 = features is the next argv.
**   7. It may read omen_models, so it is not INNOCUOUS: views and triggers
**      may use it only in a trusted schema (omen.c behaviour 4).
**   8. anomaly_explain(model, features) (docs/anomaly_explain.md) is the
**      same code with `explain` set: columns feature, type, value, status
**      (as above), then expected_lo, expected_hi, deviation, contribution
**      (REAL; NULL for NaN) from the kind's explain hook (mdl_kind.h 6);
**      hidden model and features.  A kind without that hook is an error
**      ("model is a <kind> model, which is not an anomaly detector"); so is
**      no features argument, a 'wrong_type' feature or a vector with none
**      of the model's features, as for the scorers; NULL features give no
**      rows.  The kind's anomaly_score runs before explain (an ensemble's
**      members score there).
*/
#include <math.h>
#include <string.h>

#include "core/base/fv.h"
#include "omen_ext.h"

enum { MF_NAME = 0, MF_TYPE, MF_PRESENT, MF_VALUE, MF_MISSING, MF_STATUS, MF_MODEL, MF_FEATURES };
enum { ST_USED = 1, ST_NULL, ST_ABSENT, ST_OTHER, ST_WRONG };
static const char *const mf_status_name[] = {NULL, "used", "null", "absent", "other_category", "wrong_type"};

enum { AX_FEATURE = 0, AX_TYPE, AX_VALUE, AX_STATUS, AX_LO, AX_HI, AX_DEVIATION, AX_CONTRIBUTION, AX_MODEL,
       AX_FEATURES };

typedef struct mf_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  const char *fname;  /* "model_features" or "anomaly_explain" */
  int explain;        /* anomaly_explain: evidence columns (behaviour 8) */
  omen_vt_model *last; /* the last model decoded (one reference), or NULL */
} mf_vtab;

typedef struct mf_cursor {
  sqlite3_vtab_cursor base;
  omen_vt_model *m;   /* one reference, or NULL: no rows */
  int with_fv;        /* a feature vector was given */
  sqlite3_int64 row;  /* 0-based */
  uint32_t cap;       /* capacity of the arrays below */
  uint8_t *status;    /* [n_features] ST_* */
  uint8_t *vtype;     /* the vector's type of the entry (FV_*) */
  double *num;        /* numeric value */
  uint64_t *cat;      /* categorical hash */
  uint8_t *missing;   /* row_prepare input */
  double *x;          /* row_prepare output */
  mdl_evidence *ev;   /* anomaly_explain: the kind's explain output */
} mf_cursor;

static int mf_connect(sqlite3 *db, const char *schema, const char *fname, int explain, sqlite3_vtab **ppVtab) {
  mf_vtab *v;
  int rc = sqlite3_declare_vtab(db, schema);
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  v->fname = fname;
  v->explain = explain;
  /* it reads models: neither DIRECTONLY nor INNOCUOUS (trusted schema only; omen.c behaviour 4) */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int mfConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  return mf_connect(db, "CREATE TABLE x(name VARCHAR(255), type VARCHAR(16), present INTEGER, value, "
                        "missing INTEGER, status VARCHAR(16), model HIDDEN, features HIDDEN)",
                    "model_features", 0, ppVtab);
}

static int axConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  return mf_connect(db, "CREATE TABLE x(feature VARCHAR(255), type VARCHAR(16), value, status VARCHAR(16), "
                        "expected_lo REAL, expected_hi REAL, deviation REAL, contribution REAL, "
                        "model HIDDEN, features HIDDEN)",
                    "anomaly_explain", 1, ppVtab);
}

static int mfDisconnect(sqlite3_vtab *vt) {
  mf_vtab *v = (mf_vtab *)vt;
  omen_vt_model_release(v->last);
  sqlite3_free(v);
  return SQLITE_OK;
}

static int mfOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  mf_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static int mfClose(sqlite3_vtab_cursor *cur) {
  mf_cursor *c = (mf_cursor *)cur;
  omen_vt_model_release(c->m);
  sqlite3_free(c->status);
  sqlite3_free(c->vtype);
  sqlite3_free(c->num);
  sqlite3_free(c->cat);
  sqlite3_free(c->missing);
  sqlite3_free(c->x);
  sqlite3_free(c->ev);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* Set "model_features(): <msg>" as the vtab's error. */
static int mf_errmsg(sqlite3_vtab_cursor *cur, const char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("%s(): %s", ((mf_vtab *)cur->pVtab)->fname, msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* The errors only anomaly_explain raises (the same as mf_errmsg; its own
** name lets tests/doc_errors.py find their page). */
static int ax_errmsg(sqlite3_vtab_cursor *cur, const char *msg) { return mf_errmsg(cur, msg); }

static int mf_grow(mf_cursor *c, uint32_t n) {
  if (n <= c->cap) return SQLITE_OK;
#define MF_GROW(p, t)                                                                                                  \
  do {                                                                                                                 \
    void *q = sqlite3_realloc64(c->p, (sqlite3_uint64)n * sizeof(t));                                                  \
    if (!q) return SQLITE_NOMEM;                                                                                       \
    c->p = q;                                                                                                          \
  } while (0)
  MF_GROW(status, uint8_t);
  MF_GROW(vtype, uint8_t);
  MF_GROW(num, double);
  MF_GROW(cat, uint64_t);
  MF_GROW(missing, uint8_t);
  MF_GROW(x, double);
  MF_GROW(ev, mdl_evidence);
#undef MF_GROW
  c->cap = n;
  return SQLITE_OK;
}

/* Match the feature vector against the model's schema (both sorted by name). */
static int mf_match(sqlite3_vtab_cursor *cur, sqlite3_value *fv) {
  mf_cursor *c = (mf_cursor *)cur;
  const mdl_view *v = &c->m->view;
  uint32_t pos = 0, n = v->n_features;
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  if (sqlite3_value_type(fv) != SQLITE_BLOB) {
    char *msg = sqlite3_mprintf("features (argument 2) is %s; expected a feature vector (a BLOB made by feature_vector())", omen_type_name(fv));
    int rc;
    if (!msg) return SQLITE_NOMEM;
    rc = mf_errmsg(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  st = fv_open(&it, sqlite3_value_blob(fv), (size_t)sqlite3_value_bytes(fv), &err);
  if (st != OM_OK) return st == OM_NOMEM ? SQLITE_NOMEM : mf_errmsg(cur, err.msg);
  for (uint32_t i = 0; i < n; i++) {
    c->status[i] = ST_ABSENT;
    c->missing[i] = 1;
  }
  while (fv_next(&it, &e, &st, &err)) {
    int cmp = 1;
    while (pos < n && (cmp = fv_name_cmp(v->features[pos].name, v->features[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos == n || cmp != 0) continue; /* unknown to the model (still validated) */
    c->vtype[pos] = (uint8_t)e.type;
    c->num[pos] = e.num;
    c->cat[pos] = e.cat;
    if (e.type == FV_MISSING) c->status[pos] = ST_NULL;
    else if (e.type != v->features[pos].type) c->status[pos] = ST_WRONG;
    else {
      c->status[pos] = ST_USED;
      c->missing[pos] = 0;
    }
  }
  if (st != OM_OK) return st == OM_NOMEM ? SQLITE_NOMEM : mf_errmsg(cur, err.msg);
  if (c->m->kind->row_prepare) {
    /* The model's own view of each category: 0 = one it does not know
    ** (mdl_kind.h behaviour 5; for gbt, the default branch). */
    c->m->kind->row_prepare(c->m->model, c->num, c->cat, c->missing, c->x);
    for (uint32_t i = 0; i < n; i++)
      if (c->status[i] == ST_USED && v->features[i].type == FV_CATEGORICAL && c->x[i] == 0) c->status[i] = ST_OTHER;
  } else {
    for (uint32_t i = 0; i < n; i++)
      c->x[i] = c->missing[i] || v->features[i].type != FV_NUMERIC ? (double)NAN : c->num[i];
  }
  return SQLITE_OK;
}

/* anomaly_explain (behaviour 8): the scorers' rules for the row (a wrong
** type or a vector with none of the model's features is an error), then
** the kind's evidence. */
static int ax_explain(sqlite3_vtab_cursor *cur) {
  mf_cursor *c = (mf_cursor *)cur;
  const mdl_view *v = &c->m->view;
  uint32_t present = 0;
  for (uint32_t i = 0; i < v->n_features; i++) {
    if (c->status[i] == ST_WRONG) {
      char *msg = sqlite3_mprintf("feature \"%.*s\" is %s but the model was trained with it %s", (int)v->features[i].name_len,
                                  v->features[i].name, fv_type_name((fv_type)c->vtype[i]),
                                  fv_type_name((fv_type)v->features[i].type));
      int rc;
      if (!msg) return SQLITE_NOMEM;
      rc = ax_errmsg(cur, msg);
      sqlite3_free(msg);
      return rc;
    }
    if (c->status[i] != ST_ABSENT) present++;
  }
  if (present == 0 && v->n_features > 0)
    return ax_errmsg(cur, "none of the model's features is in the feature vector; check the names (they are "
                          "case-sensitive; model_features(model) lists them)");
  (void)c->m->kind->anomaly_score(c->m->model, c->x); /* an ensemble's members score here */
  c->m->kind->explain(c->m->model, c->x, c->ev);
  return SQLITE_OK;
}

static int mfFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  mf_cursor *c = (mf_cursor *)cur;
  mf_vtab *v = (mf_vtab *)cur->pVtab;
  omen_vt_model *m = NULL;
  char *msg = NULL;
  int rc;
  omen_vt_model_release(c->m);
  c->m = NULL;
  c->row = 0;
  c->with_fv = 0;
  if (!(idxNum & 1) || argc < 1) return mf_errmsg(cur, "needs a model argument");
  switch (sqlite3_value_type(argv[0])) {
  case SQLITE_NULL: return SQLITE_OK; /* no rows */
  case SQLITE_BLOB:
  case SQLITE_TEXT: rc = omen_vt_model_get(v->db, argv[0], &v->last, &m, &msg); break;
  default:
    msg = sqlite3_mprintf("model is %s; expected a model BLOB or a registry name (TEXT)", omen_type_name(argv[0]));
    if (!msg) return SQLITE_NOMEM;
    rc = mf_errmsg(cur, msg);
    sqlite3_free(msg);
    return rc;
  }
  if (rc == SQLITE_ERROR) rc = mf_errmsg(cur, msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return rc;
  c->m = m;
  rc = mf_grow(c, m->view.n_features ? m->view.n_features : 1);
  if (rc != SQLITE_OK) return rc;
  if (v->explain && !m->kind->explain) {
    char *why = sqlite3_mprintf("model is a %s model, which is not an anomaly detector", m->kind->name);
    if (!why) return SQLITE_NOMEM;
    rc = ax_errmsg(cur, why);
    sqlite3_free(why);
    return rc;
  }
  if ((idxNum & 2) && argc >= 2 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    rc = mf_match(cur, argv[1]);
    if (rc != SQLITE_OK) return rc;
    c->with_fv = 1;
  } else if (v->explain) {
    if (!(idxNum & 2)) return ax_errmsg(cur, "needs a features argument: anomaly_explain(model, features)");
    c->m = NULL; /* NULL features: no rows, as the scorers give NULL */
    omen_vt_model_release(m);
    return SQLITE_OK;
  }
  if (v->explain) return ax_explain(cur);
  return SQLITE_OK;
}

static int mfNext(sqlite3_vtab_cursor *cur) {
  ((mf_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int mfEof(sqlite3_vtab_cursor *cur) {
  mf_cursor *c = (mf_cursor *)cur;
  return !c->m || c->row >= (sqlite3_int64)c->m->view.n_features;
}

/* A REAL, or NULL for NaN (no value, no range); ±Inf stay REAL. */
static void result_real(sqlite3_context *ctx, double d) {
  if (d == d) sqlite3_result_double(ctx, d);
}

static int mfColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  mf_cursor *c = (mf_cursor *)cur;
  const mdl_feature *f = &c->m->view.features[c->row];
  int k = (int)c->row, s = c->with_fv ? c->status[k] : 0;
  if (((mf_vtab *)cur->pVtab)->explain) {
    const mdl_evidence *ev = &c->ev[k];
    /* the same value and status columns as model_features; then evidence */
    switch (i) {
    case AX_FEATURE: i = MF_NAME; break;
    case AX_TYPE: i = MF_TYPE; break;
    case AX_VALUE: i = MF_VALUE; break;
    case AX_STATUS: i = MF_STATUS; break;
    case AX_LO: result_real(ctx, ev->expected_lo); return SQLITE_OK;
    case AX_HI: result_real(ctx, ev->expected_hi); return SQLITE_OK;
    case AX_DEVIATION: result_real(ctx, ev->deviation); return SQLITE_OK;
    case AX_CONTRIBUTION: result_real(ctx, ev->contribution); return SQLITE_OK;
    default: return SQLITE_OK; /* hidden columns: NULL */
    }
  }
  switch (i) {
  case MF_NAME: sqlite3_result_text(ctx, f->name, (int)f->name_len, SQLITE_TRANSIENT); break;
  case MF_TYPE: sqlite3_result_text(ctx, fv_type_name((fv_type)f->type), -1, SQLITE_STATIC); break;
  case MF_PRESENT:
    if (s) sqlite3_result_int(ctx, s != ST_ABSENT);
    break;
  case MF_VALUE:
    if (s == ST_ABSENT || s == ST_NULL || !s) break;
    if (c->vtype[k] == FV_NUMERIC) sqlite3_result_double(ctx, c->num[k]);
    else {
      char buf[40];
      sqlite3_snprintf(sizeof buf, buf, "xxh3:%016llx", (unsigned long long)c->cat[k]);
      sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    }
    break;
  case MF_MISSING:
    if (s && s != ST_WRONG) sqlite3_result_int(ctx, s == ST_ABSENT || s == ST_NULL);
    break;
  case MF_STATUS:
    if (s) sqlite3_result_text(ctx, mf_status_name[s], -1, SQLITE_STATIC);
    break;
  default: break; /* hidden columns: NULL */
  }
  return SQLITE_OK;
}

static int mfRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((mf_cursor *)cur)->row + 1;
  return SQLITE_OK;
}

static int mfBestIndex(sqlite3_vtab *vt, sqlite3_index_info *info) {
  return omen_vt_best_index(info, ((mf_vtab *)vt)->explain ? AX_MODEL : MF_MODEL, 2, 20); /* model, features */
}

sqlite3_module omen_features_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = mfConnect,
    .xBestIndex = mfBestIndex,
    .xDisconnect = mfDisconnect,
    .xOpen = mfOpen,
    .xClose = mfClose,
    .xFilter = mfFilter,
    .xNext = mfNext,
    .xEof = mfEof,
    .xColumn = mfColumn,
    .xRowid = mfRowid,
};

sqlite3_module omen_explain_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = axConnect,
    .xBestIndex = mfBestIndex,
    .xDisconnect = mfDisconnect,
    .xOpen = mfOpen,
    .xClose = mfClose,
    .xFilter = mfFilter,
    .xNext = mfNext,
    .xEof = mfEof,
    .xColumn = mfColumn,
    .xRowid = mfRowid,
};
