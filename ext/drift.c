/*
** drift.c — a model's training profile and input drift against it:
** model_profile(model), a table-valued function, and
** feature_drift(model, features), an aggregate.
**
**   SELECT feature, part, bin, lo, hi, category_hash, fraction
**     FROM model_profile('runtime');
**   SELECT feature_drift('runtime', fv) FROM runs WHERE day = date('now');
**   -- {"rows":812,"features":{"cpu":0.0123,"host":0.41},"max_psi":0.41,"drifted":["host"]}
**
** The profile is written by the training aggregates into the model envelope
** (core/base/mdl_profile.h: decile bins of numeric features, top categories
** of categorical ones, missing fractions).
**
** Behaviours (docs/model_profile.md, docs/feature_drift.md):
**   1. model_profile columns: feature TEXT, type TEXT ('numeric' |
**      'categorical'), part TEXT ('bin' | 'category' | 'other' |
**      'missing'), bin INTEGER (the slot, 0-based, in the order PSI uses:
**      numeric bins 0..c then missing; categories 0..c-1, other, missing),
**      lo REAL and hi REAL (a numeric bin holds lo < x <= hi; the first bin
**      also every x <= its hi, with lo the training minimum; the last every
**      x > its lo, with hi the training maximum; NULL on other parts),
**      category_hash TEXT ('xxh3:' and 16 hex digits, as
**      feature_vector_json() shows a category; NULL on other parts),
**      fraction REAL (of the training rows); hidden column model.  Rows are
**      in schema (name) order, then slot order.
**   2. model is a BLOB or a registry reference ('name', 'name@3',
**      'name@staging'), decoded once per xFilter (model_profile) or once per
**      aggregate (feature_drift, at its first row).  A NULL model gives no
**      rows (model_profile) or skips the row (feature_drift).  A model
**      without a profile (trained before envelope format 2, or a kind
**      trained without feature vectors) gives no rows in model_profile and
**      is an error in feature_drift, which has nothing to compare with.
**   3. feature_drift(model, features): rows with NULL features are
**      skipped; every other row is counted into its slot per model feature
**      (a feature the row lacks or holds as NULL is missing; features the
**      model does not know are ignored; a value of the other type is an
**      error naming the feature).  Every later row must name the same model
**      (a BLOB: same length and stored checksum; a reference: same text),
**      else an error.  The result is JSON {"rows": n, "features": {"<name>":
**      psi, ...} in schema order, "max_psi": the largest (null without
**      features), "drifted": [names with psi > 0.25]}; no counted rows →
**      NULL.  PSI is mdl_prof_psi (mdl_profile.h behaviour 5).
**   4. Flags: both only read (a model, the registry): feature_drift is
**      registered READS_MODELS, and model_profile does not call
**      sqlite3_vtab_config(SQLITE_VTAB_DIRECTONLY) — read-only functions
**      follow the trusted-schema rules (STYLE.md convention 9).
**   5. model_profile without an equality constraint on model: the plan is
**      refused (SQLITE_CONSTRAINT).  idxNum 1 = the model is argv[0].
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

#define DRIFT "feature_drift"
#define PROFILE "model_profile"

/* Fetch the model bytes of v (a BLOB copied, or a registry reference read)
** into *blob (sqlite3_malloc'd) and *n.  SQLITE_OK; SQLITE_NOMEM; or
** SQLITE_ERROR with *msg (sqlite3_malloc'd; NULL when out of memory). */
static int drift_fetch(sqlite3 *db, sqlite3_value *v, uint8_t **blob, int *n, char **msg) {
  *blob = NULL;
  *n = 0;
  *msg = NULL;
  if (sqlite3_value_type(v) == SQLITE_BLOB) {
    *n = sqlite3_value_bytes(v);
    *blob = sqlite3_malloc(*n > 0 ? *n : 1);
    if (!*blob) return SQLITE_NOMEM;
    if (*n > 0) memcpy(*blob, sqlite3_value_blob(v), (size_t)*n);
    return SQLITE_OK;
  }
  if (sqlite3_value_type(v) == SQLITE_TEXT) {
    const char *ref = (const char *)sqlite3_value_text(v);
    int rc;
    if (!ref) return SQLITE_NOMEM;
    rc = omen_registry_fetch(db, ref, blob, n, msg);
    if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
    if (rc != SQLITE_OK && !*msg) *msg = sqlite3_mprintf("cannot read the model registry");
    return rc == SQLITE_OK ? SQLITE_OK : SQLITE_ERROR;
  }
  *msg = sqlite3_mprintf("model is %s; expected a model BLOB or a registry name (TEXT)", omen_type_name(v));
  return SQLITE_ERROR;
}

/* ================================================================ model_profile */

enum { MP_FEATURE = 0, MP_TYPE, MP_PART, MP_BIN, MP_LO, MP_HI, MP_HASH, MP_FRACTION, MP_MODEL };

typedef struct mp_vtab {
  sqlite3_vtab base;
  sqlite3 *db; /* for registry references */
} mp_vtab;

typedef struct mp_cursor {
  sqlite3_vtab_cursor base;
  uint8_t *blob;       /* owned copy the view points into */
  mdl_view view;
  mdl_profile prof;    /* empty when the model has none */
  uint32_t feat, slot; /* current row */
  sqlite3_int64 rowid;
} mp_cursor;

static int mpConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  mp_vtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(feature VARCHAR(255), type VARCHAR(16), part VARCHAR(16), "
                                    "bin INTEGER, lo REAL, hi REAL, category_hash VARCHAR(21), fraction REAL, "
                                    "model HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->db = db;
  /* behaviour 4: read-only, so no sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY) */
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int mpDisconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int mpOpen(sqlite3_vtab *v, sqlite3_vtab_cursor **pp) {
  mp_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *pp = &c->base;
  return SQLITE_OK;
}

static void mp_reset(mp_cursor *c) {
  mdl_profile_free(&c->prof);
  mdl_view_free(&c->view);
  sqlite3_free(c->blob);
  c->blob = NULL;
  c->feat = c->slot = 0;
  c->rowid = 0;
}

static int mpClose(sqlite3_vtab_cursor *cur) {
  mp_cursor *c = (mp_cursor *)cur;
  mp_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int mp_error(sqlite3_vtab_cursor *cur, const char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf(PROFILE "(): %s", msg);
  return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Skip features with no slots (none have zero, but stay safe). */
static void mp_settle(mp_cursor *c) {
  while (c->feat < c->prof.n_features && c->slot >= mdl_prof_slots(&c->prof.f[c->feat])) {
    c->feat++;
    c->slot = 0;
  }
}

static int mpFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
  mp_cursor *c = (mp_cursor *)cur;
  char *msg = NULL;
  int n = 0, rc;
  om_err err;
  om_status st;
  mp_reset(c);
  if (idxNum != 1 || argc < 1) return mp_error(cur, "needs a model argument");
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK; /* no rows */
  rc = drift_fetch(((mp_vtab *)cur->pVtab)->db, argv[0], &c->blob, &n, &msg);
  if (rc == SQLITE_NOMEM) return SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    rc = msg ? mp_error(cur, msg) : SQLITE_NOMEM;
    sqlite3_free(msg);
    return rc;
  }
  st = mdl_open(c->blob, (size_t)n, &c->view, &err);
  if (st == OM_OK && c->view.profile_len)
    st = mdl_profile_decode(c->view.profile, c->view.profile_len, &c->prof, &err);
  if (st == OM_NOMEM) return SQLITE_NOMEM;
  if (st != OM_OK) return mp_error(cur, err.msg);
  mp_settle(c);
  return SQLITE_OK;
}

static int mpNext(sqlite3_vtab_cursor *cur) {
  mp_cursor *c = (mp_cursor *)cur;
  c->slot++;
  c->rowid++;
  mp_settle(c);
  return SQLITE_OK;
}

static int mpEof(sqlite3_vtab_cursor *cur) {
  mp_cursor *c = (mp_cursor *)cur;
  return c->feat >= c->prof.n_features;
}

static const char *mp_part(const mdl_prof_feature *f, uint32_t s) {
  if (s == mdl_prof_slot_missing(f)) return "missing";
  if (f->type == FV_NUMERIC) return "bin";
  return s < f->count ? "category" : "other";
}

static int mpColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  mp_cursor *c = (mp_cursor *)cur;
  const mdl_feature *mf = &c->view.features[c->feat];
  const mdl_prof_feature *f = &c->prof.f[c->feat];
  uint32_t s = c->slot;
  int is_bin = f->type == FV_NUMERIC && s <= f->count;
  switch (i) {
  case MP_FEATURE: sqlite3_result_text(ctx, mf->name, (int)mf->name_len, SQLITE_TRANSIENT); break;
  case MP_TYPE: sqlite3_result_text(ctx, fv_type_name((fv_type)mf->type), -1, SQLITE_STATIC); break;
  case MP_PART: sqlite3_result_text(ctx, mp_part(f, s), -1, SQLITE_STATIC); break;
  case MP_BIN: sqlite3_result_int64(ctx, s); break;
  case MP_LO: /* the first bin: the training minimum (NULL: no values) */
    if (is_bin && s > 0) sqlite3_result_double(ctx, f->edges[s - 1]);
    else if (is_bin && c->prof.rows > f->missing) sqlite3_result_double(ctx, f->min);
    break;
  case MP_HI: /* the last bin: the training maximum (NULL: no values) */
    if (is_bin && s < f->count) sqlite3_result_double(ctx, f->edges[s]);
    else if (is_bin && c->prof.rows > f->missing) sqlite3_result_double(ctx, f->max);
    break;
  case MP_HASH:
    if (f->type == FV_CATEGORICAL && s < f->count) {
      char buf[32];
      snprintf(buf, sizeof buf, "xxh3:%016llx", (unsigned long long)f->cat[s]);
      sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    }
    break;
  case MP_FRACTION: sqlite3_result_double(ctx, mdl_prof_expected(f, c->prof.rows, s)); break;
  default: break; /* hidden model column: NULL */
  }
  return SQLITE_OK;
}

static int mpRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid) {
  *rowid = ((mp_cursor *)cur)->rowid + 1;
  return SQLITE_OK;
}

static int mpBestIndex(sqlite3_vtab *v, sqlite3_index_info *info) {
  int model_arg = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (k->iColumn != MP_MODEL) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    model_arg = i;
  }
  if (model_arg < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[model_arg].argvIndex = 1;
  info->aConstraintUsage[model_arg].omit = 1;
  info->idxNum = 1;
  info->estimatedCost = 10;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

sqlite3_module omen_profile_module = {
    .iVersion = 0,
    .xCreate = 0, /* eponymous only */
    .xConnect = mpConnect,
    .xBestIndex = mpBestIndex,
    .xDisconnect = mpDisconnect,
    .xOpen = mpOpen,
    .xClose = mpClose,
    .xFilter = mpFilter,
    .xNext = mpNext,
    .xEof = mpEof,
    .xColumn = mpColumn,
    .xRowid = mpRowid,
};

/* ================================================================ feature_drift */

typedef struct fd_agg {
  int started;        /* the model is decoded */
  int failed;         /* an error was reported; ignore later rows */
  int ref_type;       /* SQLITE_BLOB or SQLITE_TEXT: how the first row named the model */
  char *ref;          /* the reference text (TEXT) */
  size_t blob_len;    /* the BLOB's length and stored checksum (BLOB) */
  uint64_t blob_sum;
  uint8_t *blob;      /* the model bytes the view points into */
  mdl_view view;
  mdl_profile prof;
  uint32_t *base;     /* [n_features]: first count of each feature */
  uint64_t *counts;   /* every feature's slots, one after another */
  uint64_t rows;
} fd_agg;

static void fd_free(fd_agg *a) {
  mdl_profile_free(&a->prof);
  mdl_view_free(&a->view);
  sqlite3_free(a->blob);
  sqlite3_free(a->ref);
  sqlite3_free(a->base);
  sqlite3_free(a->counts);
  memset(a, 0, sizeof *a);
}

/* First row: fetch and decode the model (behaviour 2).  0, or 1 after an error result. */
static int fd_start(sqlite3_context *ctx, fd_agg *a, sqlite3_value *model) {
  char *msg = NULL;
  int n = 0, rc;
  om_err err;
  om_status st;
  uint64_t total = 0;
  rc = drift_fetch(sqlite3_context_db_handle(ctx), model, &a->blob, &n, &msg);
  if (rc == SQLITE_NOMEM || (rc != SQLITE_OK && !msg)) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  if (rc != SQLITE_OK) {
    omen_errorf(ctx, DRIFT, "%s", msg);
    sqlite3_free(msg);
    return 1;
  }
  st = mdl_open(a->blob, (size_t)n, &a->view, &err);
  if (st == OM_OK && !a->view.profile_len) {
    const char *kind = mdl_kind_name(a->view.kind);
    omen_errorf(ctx, DRIFT,
                "the %s model has no training profile (models trained before envelope format 2, and kinds "
                "trained without feature vectors, have none); retrain it to measure drift",
                kind ? kind : "given");
    return 1;
  }
  if (st == OM_OK) st = mdl_profile_decode(a->view.profile, a->view.profile_len, &a->prof, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, DRIFT, st, &err);
    return 1;
  }
  a->base = sqlite3_malloc64((sqlite3_uint64)(a->prof.n_features ? a->prof.n_features : 1) * sizeof *a->base);
  for (uint32_t i = 0; i < a->prof.n_features && a->base; i++) {
    a->base[i] = (uint32_t)total;
    total += mdl_prof_slots(&a->prof.f[i]);
  }
  a->counts = sqlite3_malloc64((total ? total : 1) * sizeof *a->counts);
  if (!a->base || !a->counts) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  memset(a->counts, 0, (size_t)total * sizeof *a->counts);
  a->ref_type = sqlite3_value_type(model);
  if (a->ref_type == SQLITE_TEXT) {
    a->ref = sqlite3_mprintf("%s", (const char *)sqlite3_value_text(model));
    if (!a->ref) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
  } else {
    a->blob_len = (size_t)n;
    a->blob_sum = a->view.checksum;
  }
  a->started = 1;
  return 0;
}

/* Behaviour 3: the same model as the first row's? */
static int fd_same_model(const fd_agg *a, sqlite3_value *model) {
  int t = sqlite3_value_type(model);
  if (t != a->ref_type) return 0;
  if (t == SQLITE_TEXT) {
    const char *s = (const char *)sqlite3_value_text(model);
    return s && strcmp(s, a->ref) == 0;
  } else {
    const uint8_t *p = sqlite3_value_blob(model);
    size_t n = (size_t)sqlite3_value_bytes(model);
    return n == a->blob_len && n >= MDL_FOOTER_SIZE && p && om_load_u64(p + n - MDL_FOOTER_SIZE) == a->blob_sum;
  }
}

void featureDriftStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fd_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t pos = 0, nf;
  const uint8_t *blob;
  size_t n;
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (sqlite3_value_type(argv[1]) != SQLITE_BLOB) {
    omen_errorf(ctx, DRIFT, "features (argument 2) is %s; expected a feature vector (a BLOB made by feature_vector())",
                omen_type_name(argv[1]));
    goto fail;
  }
  if (!a->started) {
    if (fd_start(ctx, a, argv[0])) goto fail;
  } else if (!fd_same_model(a, argv[0])) {
    omen_errorf(ctx, DRIFT, "model (argument 1) differs from the first row's; measure one model per aggregate "
                            "(GROUP BY the model)");
    goto fail;
  }
  blob = sqlite3_value_blob(argv[1]);
  n = (size_t)sqlite3_value_bytes(argv[1]);
  /* validate first, so a bad row changes no count */
  st = fv_validate(blob, n, &err);
  if (st == OM_OK) st = fv_open(&it, blob, n, &err);
  if (st != OM_OK) {
    omen_result_status(ctx, DRIFT, st, &err);
    goto fail;
  }
  nf = a->prof.n_features;
  /* one merge pass: both are sorted by name (fv.h behaviour 4) */
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    const mdl_prof_feature *f;
    uint32_t slot;
    while (pos < nf && (c = fv_name_cmp(a->view.features[pos].name, a->view.features[pos].name_len, e.name,
                                        e.name_len)) < 0) {
      a->counts[a->base[pos] + mdl_prof_slot_missing(&a->prof.f[pos])]++;
      pos++;
    }
    if (pos == nf) break;
    if (c != 0) continue; /* not a model feature */
    f = &a->prof.f[pos];
    if (e.type == FV_MISSING) slot = mdl_prof_slot_missing(f);
    else if (e.type != f->type) {
      omen_errorf(ctx, DRIFT, "feature \"%.*s\" is %s in this row but %s in the model", (int)e.name_len, e.name,
                  fv_type_name(e.type), fv_type_name((fv_type)f->type));
      goto fail; /* counts of this row are partly added: the aggregate has failed anyway */
    } else if (e.type == FV_NUMERIC) slot = mdl_prof_bin_num(f, e.num);
    else slot = mdl_prof_bin_cat(f, e.cat);
    a->counts[a->base[pos] + slot]++;
    pos++;
  }
  for (; pos < nf; pos++) a->counts[a->base[pos] + mdl_prof_slot_missing(&a->prof.f[pos])]++;
  a->rows++;
  return;
fail:
  a->failed = 1;
}

void featureDriftFinal(sqlite3_context *ctx) {
  fd_agg *a = sqlite3_aggregate_context(ctx, 0);
  om_wbuf w;
  om_jw j;
  double max_psi = NAN;
  if (!a) return;
  if (a->failed || !a->started || a->rows == 0) goto done; /* no rows: NULL */
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "rows");
  om_jw_uint(&j, a->rows);
  om_jw_key(&j, "features");
  om_jw_begin_object(&j);
  for (uint32_t i = 0; i < a->prof.n_features; i++) {
    double psi = mdl_prof_psi(&a->prof.f[i], a->prof.rows, a->counts + a->base[i], a->rows);
    om_jw_key_n(&j, a->view.features[i].name, a->view.features[i].name_len);
    om_jw_double(&j, psi);
    if (!(psi <= max_psi)) max_psi = psi; /* NaN start: the first one */
  }
  om_jw_end_object(&j);
  om_jw_key(&j, "max_psi");
  om_jw_double(&j, max_psi); /* null without features */
  om_jw_key(&j, "drifted");
  om_jw_begin_array(&j);
  for (uint32_t i = 0; i < a->prof.n_features; i++)
    if (mdl_prof_psi(&a->prof.f[i], a->prof.rows, a->counts + a->base[i], a->rows) > MDL_PROF_PSI_DRIFT)
      om_jw_string_n(&j, a->view.features[i].name, a->view.features[i].name_len);
  om_jw_end_array(&j);
  om_jw_end_object(&j);
  if (om_wbuf_status(&w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w.data, w.len, SQLITE_TRANSIENT, SQLITE_UTF8);
  om_wbuf_free(&w);
done:
  fd_free(a);
}
