/*
** vtab_model.c — the model a table-valued function reads, and a feature
** vector matched to it: shared by model_features.c, explain.c and
** model_scores.c.
**
** Behaviours:
**   1. omen_vt_model_get(db, arg, &last, &out, &errmsg): arg is a model BLOB
**      or a registry reference (TEXT; other types are the caller's to
**      refuse).  A BLOB equal in every byte to *last, or a reference whose
**      registry row holds the same bytes as *last (same length and stored
**      checksum: omen_registry_read, which reads no BLOB then), gives *last
**      again; anything else is copied (BLOB) or read (reference) and
**      decoded through the kind table (mdl_decode), and becomes *last.  So a
**      vtab that keeps *last decodes once for `FROM runs, f('name', runs.x)`.
**      *out holds one reference of its own; *last holds another.
**      omen_vt_model_ref(db, ref, ...) is the same for a reference given as
**      C text (e.g. 'name@3' built by the caller).
**   2. Errors: SQLITE_NOMEM; or SQLITE_ERROR with *errmsg (sqlite3_malloc'd,
**      without the function prefix; the caller adds it): the decoder's or the
**      registry's message.  *out is NULL then and *last is unchanged.
**   3. omen_vt_model_release drops one reference; the last frees the kind's
**      decoded model, the view and the bytes.  NULL is a no-op.
**   4. omen_vt_row_match(row, model, fv, what, argno, &errmsg) matches a
**      feature vector as the scorers do (model_row.c behaviour 1 and 2):
**      by name over the sorted vector and the sorted schema; features the
**      model does not know are validated and ignored; a feature absent or
**      NULL is missing; a feature of the other type is an error naming it;
**      a vector holding none of the model's features is an error; a value
**      that is not a BLOB, or a damaged vector, is an error.  Then the kind's
**      row_prepare fills row->x (a kind without one: numeric values, NaN for
**      missing and categorical).  Messages name the argument: `what`
**      ("features", "reference_features") and argno.
**   5. omen_vt_row_grow keeps the row's arrays for n features (they grow,
**      never shrink: no allocation per row once they fit);
**      omen_vt_row_free frees them.
**   6. omen_vt_error(vtab, fname, fmt, ...) sets "<fname>(): <message>" as
**      the vtab's error and returns SQLITE_ERROR (SQLITE_NOMEM when the
**      message cannot be made).
**   7. omen_vt_best_index(info, col0, nargs, rows): the plan of a function
**      whose arguments are the hidden columns col0 .. col0 + nargs - 1, the
**      first (the model) required: a usable equality constraint on each
**      given argument, passed in column order in argv and omitted from the
**      check; idxNum bit j set when argument j is given.  No model argument,
**      or a constraint on an argument other than a usable equality, refuses
**      the plan (SQLITE_CONSTRAINT: "no query solution").
*/
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/base/fv.h"
#include "omen_ext.h"

void omen_vt_model_release(omen_vt_model *m) {
  if (!m || --m->refs > 0) return;
  if (m->model) m->kind->close(m->model);
  mdl_view_free(&m->view);
  sqlite3_free(m->blob);
  sqlite3_free(m);
}

/* A model over buf (n bytes, taken in every case), decoded (behaviour 1). */
static int vt_model_new(uint8_t *buf, size_t n, omen_vt_model **out, char **errmsg) {
  omen_vt_model *m = sqlite3_malloc(sizeof *m);
  om_err err;
  om_status st;
  *out = NULL;
  if (!m) {
    sqlite3_free(buf);
    return SQLITE_NOMEM;
  }
  memset(m, 0, sizeof *m);
  m->refs = 1;
  m->blob = buf;
  m->n = n;
  st = mdl_decode(m->blob, m->n, &m->view, &m->kind, &m->model, &err);
  if (st != OM_OK) {
    omen_vt_model_release(m);
    if (st == OM_NOMEM) return SQLITE_NOMEM;
    *errmsg = sqlite3_mprintf("%s", err.msg);
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  *out = m;
  return SQLITE_OK;
}

/* *last becomes m (when it is not already) and the caller gets a reference. */
static void vt_model_keep(omen_vt_model *m, omen_vt_model **last, omen_vt_model **out) {
  if (m != *last) { /* m (refs 1) becomes the last model */
    omen_vt_model_release(*last);
    *last = m;
  }
  m->refs++; /* the caller's reference */
  *out = m;
}

int omen_vt_model_ref(sqlite3 *db, const char *ref, omen_vt_model **last, omen_vt_model **out, char **errmsg) {
  omen_vt_model *m = NULL;
  uint8_t *buf = NULL;
  int n = 0, rc;
  *out = NULL;
  *errmsg = NULL;
  rc = omen_registry_read(db, ref, *last ? (*last)->blob : NULL, *last ? (*last)->n : 0, &buf, &n, errmsg);
  if (rc == SQLITE_NOMEM) {
    sqlite3_free(*errmsg);
    *errmsg = NULL;
    return rc;
  }
  if (rc != SQLITE_OK) {
    if (!*errmsg) *errmsg = sqlite3_mprintf("cannot read the model registry");
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (!buf) m = *last; /* the same bytes */
  else if ((rc = vt_model_new(buf, (size_t)n, &m, errmsg)) != SQLITE_OK) return rc;
  vt_model_keep(m, last, out);
  return SQLITE_OK;
}

int omen_vt_model_get(sqlite3 *db, sqlite3_value *arg, omen_vt_model **last, omen_vt_model **out, char **errmsg) {
  omen_vt_model *m = NULL;
  const void *p;
  uint8_t *buf;
  int n, rc;
  *out = NULL;
  *errmsg = NULL;
  if (sqlite3_value_type(arg) != SQLITE_BLOB) {
    const char *ref = (const char *)sqlite3_value_text(arg);
    return ref ? omen_vt_model_ref(db, ref, last, out, errmsg) : SQLITE_NOMEM;
  }
  n = sqlite3_value_bytes(arg);
  p = sqlite3_value_blob(arg);
  if (*last && (*last)->n == (size_t)n && (n == 0 || memcmp((*last)->blob, p, (size_t)n) == 0)) {
    m = *last;
  } else {
    if (!(buf = sqlite3_malloc(n > 0 ? n : 1))) return SQLITE_NOMEM;
    if (n > 0) memcpy(buf, p, (size_t)n);
    if ((rc = vt_model_new(buf, (size_t)n, &m, errmsg)) != SQLITE_OK) return rc;
  }
  vt_model_keep(m, last, out);
  return SQLITE_OK;
}

int omen_vt_row_grow(omen_vt_row *r, uint32_t n) {
  if (n <= r->cap) return SQLITE_OK;
#define VT_GROW(p, t)                                                                                                  \
  do {                                                                                                                 \
    void *q = sqlite3_realloc64(r->p, (sqlite3_uint64)n * sizeof(t));                                                  \
    if (!q) return SQLITE_NOMEM;                                                                                       \
    r->p = q;                                                                                                          \
  } while (0)
  VT_GROW(num, double);
  VT_GROW(cat, uint64_t);
  VT_GROW(missing, uint8_t);
  VT_GROW(vtype, uint8_t);
  VT_GROW(x, double);
#undef VT_GROW
  r->cap = n;
  return SQLITE_OK;
}

void omen_vt_row_free(omen_vt_row *r) {
  sqlite3_free(r->num);
  sqlite3_free(r->cat);
  sqlite3_free(r->missing);
  sqlite3_free(r->vtype);
  sqlite3_free(r->x);
  memset(r, 0, sizeof *r);
}

/* Behaviour 4.  The row must have room for the model's features. */
int omen_vt_row_match(omen_vt_row *r, const omen_vt_model *m, sqlite3_value *fv, const char *what, int argno,
                      char **errmsg) {
  const mdl_view *v = &m->view;
  uint32_t pos = 0, n = v->n_features, present = 0;
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  *errmsg = NULL;
  if (sqlite3_value_type(fv) != SQLITE_BLOB) {
    *errmsg = sqlite3_mprintf("%s (argument %d) is %s; expected a feature vector (a BLOB made by feature_vector())",
                              what, argno, omen_type_name(fv));
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  st = fv_open(&it, sqlite3_value_blob(fv), (size_t)sqlite3_value_bytes(fv), &err);
  if (st == OM_OK) {
    for (uint32_t i = 0; i < n; i++) {
      r->missing[i] = 1;
      r->vtype[i] = FV_MISSING;
      r->num[i] = NAN;
      r->cat[i] = 0;
    }
    while (fv_next(&it, &e, &st, &err)) {
      int cmp = 1;
      while (pos < n && (cmp = fv_name_cmp(v->features[pos].name, v->features[pos].name_len, e.name, e.name_len)) < 0)
        pos++;
      if (pos == n || cmp != 0) continue; /* unknown to the model (still validated) */
      present++;
      if (e.type == FV_MISSING) continue;
      if (e.type != v->features[pos].type) {
        *errmsg = sqlite3_mprintf("feature \"%.*s\" in %s is %s but the model was trained with it %s",
                                  (int)v->features[pos].name_len, v->features[pos].name, what,
                                  fv_type_name((fv_type)e.type), fv_type_name((fv_type)v->features[pos].type));
        return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
      }
      r->vtype[pos] = (uint8_t)e.type;
      r->num[pos] = e.num;
      r->cat[pos] = e.cat;
      r->missing[pos] = 0;
    }
  }
  if (st != OM_OK) {
    if (st == OM_NOMEM) return SQLITE_NOMEM;
    *errmsg = sqlite3_mprintf("%s: %s", what, err.msg);
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (present == 0 && n > 0) {
    *errmsg = sqlite3_mprintf("none of the model's features is in %s (argument %d); check the names (they are "
                              "case-sensitive; model_features(model) lists them)",
                              what, argno);
    return *errmsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (m->kind->row_prepare) m->kind->row_prepare(m->model, r->num, r->cat, r->missing, r->x);
  else
    for (uint32_t i = 0; i < n; i++)
      r->x[i] = r->missing[i] || v->features[i].type != FV_NUMERIC ? (double)NAN : r->num[i];
  return SQLITE_OK;
}

int omen_vt_error(sqlite3_vtab *vt, const char *fname, const char *fmt, ...) {
  va_list ap;
  char *msg;
  va_start(ap, fmt);
  msg = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = msg ? sqlite3_mprintf("%s(): %s", fname, msg) : NULL;
  sqlite3_free(msg);
  return vt->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

int omen_vt_best_index(sqlite3_index_info *info, int col0, int nargs, int rows) {
  int arg[8] = {-1, -1, -1, -1, -1, -1, -1, -1}, next = 1;
  if (nargs < 1 || nargs > 8) return SQLITE_ERROR;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (k->iColumn < col0 || k->iColumn >= col0 + nargs) continue;
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    arg[k->iColumn - col0] = i;
  }
  if (arg[0] < 0) return SQLITE_CONSTRAINT;
  info->idxNum = 0;
  for (int j = 0; j < nargs; j++) {
    if (arg[j] < 0) continue;
    info->aConstraintUsage[arg[j]].argvIndex = next++;
    info->aConstraintUsage[arg[j]].omit = 1;
    info->idxNum |= 1 << j;
  }
  info->estimatedCost = 10;
  info->estimatedRows = rows;
  return SQLITE_OK;
}
