/*
** model_row.c — a feature vector matched to a model's schema: the row a
** scorer reads, and the errors for vectors that do not fit the model.
**
** Behaviours (docs/predict_duration.md, "Features"; every scorer):
**   1. Features are matched by name (case-sensitive, one merge pass over the
**      sorted vector and the sorted schema).  A feature the model needs and
**      the vector lacks (or holds as NULL) is missing; features the model
**      does not know are ignored but still validated; a feature of the other
**      type (numeric vs categorical) is an error naming it.
**   2. When NONE of the model's features is in the vector (present with a
**      NULL value counts as present) the call is an error listing the
**      model's feature names (omen_no_features_error): a typo in every name
**      would otherwise score as "all missing" and return a plausible number.
**   3. The row is written into the model's own buffers (omen_model num, cat,
**      missing, x) and scored within the same call: nothing is allocated per
**      row and nothing carries over between calls.  x is the kind's
**      row_prepare of the row; a kind without one gets the numeric values
**      with NaN for missing and categorical features.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/base/fv.h"
#include "omen_ext.h"

/* Append name to buf (at *len, capacity cap), cut to at most max bytes at a
** UTF-8 character boundary, with "…" when cut. */
static void append_name(char *buf, size_t *len, size_t cap, const char *name, size_t n, size_t max) {
  int cut = n > max;
  if (cut) {
    n = max;
    while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80) n--; /* not inside a character */
  }
  if (*len + n + 4 >= cap) return;
  memcpy(buf + *len, name, n);
  *len += n;
  if (cut) {
    memcpy(buf + *len, "\xe2\x80\xa6", 3);
    *len += 3;
  }
  buf[*len] = 0;
}

#define NO_FEATURES_LISTED 8    /* names listed in the message */
#define NO_FEATURES_NAME_MAX 40 /* bytes of each listed name */

void omen_no_features_error(sqlite3_context *ctx, const char *fname, const mdl_view *v) {
  char list[NO_FEATURES_LISTED * (NO_FEATURES_NAME_MAX + 8) + 64];
  size_t len = 0;
  uint32_t i, n = v->n_features, shown = n < NO_FEATURES_LISTED ? n : NO_FEATURES_LISTED;
  list[0] = 0;
  for (i = 0; i < shown; i++) {
    if (i) append_name(list, &len, sizeof list, ", ", 2, 2);
    append_name(list, &len, sizeof list, v->features[i].name, v->features[i].name_len, NO_FEATURES_NAME_MAX);
  }
  if (n > shown) len += (size_t)snprintf(list + len, sizeof list - len, ", and %u more", n - shown);
  if (n == 1)
    omen_errorf(ctx, fname, "the model's only feature (%s) is not in the feature vector; check the name (it is "
                            "case-sensitive)", list);
  else
    omen_errorf(ctx, fname, "none of the model's %u features (%s) is in the feature vector; check the names (they "
                            "are case-sensitive)", n, list);
}

int omen_check_features_present(sqlite3_context *ctx, const char *fname, const mdl_view *v, sqlite3_value *fv) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t pos = 0, n = v->n_features;
  if (n == 0 || sqlite3_value_type(fv) != SQLITE_BLOB) return 0; /* the caller reports a non-BLOB */
  if (fv_open(&it, sqlite3_value_blob(fv), (size_t)sqlite3_value_bytes(fv), &err) != OM_OK) return 0;
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    while (pos < n && (c = fv_name_cmp(v->features[pos].name, v->features[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if (pos == n) break;
    if (c == 0) return 0;
  }
  /* a damaged vector is left to the caller's own decoder, which says how */
  if (st != OM_OK) return 0;
  omen_no_features_error(ctx, fname, v);
  return 1;
}

int omen_model_row(sqlite3_context *ctx, const char *fname, const omen_model *s, sqlite3_value *fv, int argno) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t pos = 0, matched = 0, n = s->view.n_features;
  if (sqlite3_value_type(fv) != SQLITE_BLOB) {
    omen_errorf(ctx, fname, "features (argument %d) is %s; expected a feature vector (a BLOB made by feature_vector())", argno,
                omen_type_name(fv));
    return 1;
  }
  st = fv_open(&it, sqlite3_value_blob(fv), (size_t)sqlite3_value_bytes(fv), &err);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  memset(s->missing, 1, n);
  while (fv_next(&it, &e, &st, &err)) {
    int c = 1;
    const mdl_feature *f;
    while (pos < n && (c = fv_name_cmp(s->view.features[pos].name, s->view.features[pos].name_len, e.name,
                                       e.name_len)) < 0)
      pos++;
    if (pos == n) break; /* the rest are unknown to the model; still validated below */
    if (c != 0) continue;
    matched++; /* present, even with a NULL value (a known missing value) */
    if (e.type == FV_MISSING) continue;
    f = &s->view.features[pos];
    if (f->type != e.type) {
      omen_errorf(ctx, fname, "feature \"%.*s\" is %s but the model was trained with it %s (a number stored as TEXT "
                              "is a category: CAST it AS REAL in training and prediction alike)", (int)e.name_len, e.name,
                  fv_type_name(e.type), fv_type_name((fv_type)f->type));
      return 1;
    }
    s->missing[pos] = 0;
    if (e.type == FV_NUMERIC) s->num[pos] = e.num;
    else s->cat[pos] = e.cat;
  }
  while (st == OM_OK && fv_next(&it, &e, &st, &err)) {
  }
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  if (matched == 0 && n > 0) {
    omen_no_features_error(ctx, fname, &s->view);
    return 1;
  }
  /* missing slots of num/cat are stale: row_prepare reads them only where
  ** missing[] is 0 */
  if (s->kind->row_prepare) s->kind->row_prepare(s->model, s->num, s->cat, s->missing, s->x);
  else
    for (uint32_t i = 0; i < n; i++)
      s->x[i] = s->missing[i] || s->view.features[i].type != FV_NUMERIC ? (double)NAN : s->num[i];
  return 0;
}

