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
**   4. Layout cache: after a vector was matched without error, the model
**      keeps its bytes and where each value sits (omen_row_shape: the last
**      OMEN_SHAPE_SLOTS layouts, e.g. with and without a NULL feature, each
**      up to OMEN_SHAPE_MAX_BYTES bytes and OMEN_SHAPE_MAX_VALUES values).
**      A vector of the same length whose bytes outside the values are the
**      same has the same header, names, types and order, so it needs none
**      of behaviour 1's checks again but the values' own (numbers finite,
**      no -0): it is read directly at the known offsets.  Any difference,
**      or a value that fails its check, takes the full decode, which gives
**      the same row or the same error as before.
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

#define OMEN_SHAPE_SLOTS 4
#define OMEN_SHAPE_MAX_BYTES 1024
#define OMEN_SHAPE_MAX_VALUES 64
typedef struct shape_value {
  uint32_t off;  /* offset of the 8 value bytes in the vector */
  uint32_t pos;  /* the model's feature, or UINT32_MAX when the model does not know it */
  uint8_t type;  /* FV_NUMERIC or FV_CATEGORICAL */
} shape_value;
typedef struct shape_slot {
  size_t len;                               /* bytes of the vector; 0: none kept */
  uint32_t n_values;
  uint8_t bytes[OMEN_SHAPE_MAX_BYTES];      /* the vector (only bytes outside values are used) */
  shape_value value[OMEN_SHAPE_MAX_VALUES]; /* in vector order */
} shape_slot;
struct omen_row_shape {
  shape_slot slot[OMEN_SHAPE_SLOTS];
  unsigned last;                            /* the slot that matched or was written last */
};

struct omen_row_shape *omen_row_shape_new(void) {
  struct omen_row_shape *sh = sqlite3_malloc64(sizeof *sh);
  if (sh) {
    for (int i = 0; i < OMEN_SHAPE_SLOTS; i++)
      sh->slot[i].len = 0;
    sh->last = 0;
  }
  return sh;
}

void omen_row_shape_free(struct omen_row_shape *shape) { sqlite3_free(shape); }

/* Whether p[0, n) is laid out as the vector kept in sh. */
static int same_layout(const shape_slot *sh, const uint8_t *p, size_t n) {
  size_t at = 0;
  if (sh->len == 0 || sh->len != n) return 0;
  for (uint32_t i = 0; i < sh->n_values; i++) {
    const shape_value *v = &sh->value[i];
    if (memcmp(p + at, sh->bytes + at, v->off - at) != 0) return 0;
    at = v->off + 8;
  }
  return memcmp(p + at, sh->bytes + at, n - at) == 0;
}

/* Behaviour 4: fill the row from a vector laid out as a kept one; 0 when
** it is not (or a value is invalid), and the caller decodes it fully. */
static int row_from_shape(const omen_model *s, const uint8_t *p, size_t n) {
  struct omen_row_shape *all = s->shape;
  const shape_slot *sh = NULL;
  if (!all) return 0;
  for (unsigned k = 0; k < OMEN_SHAPE_SLOTS && !sh; k++) { /* the last one first */
    unsigned i = (all->last + k) % OMEN_SHAPE_SLOTS;
    if (same_layout(&all->slot[i], p, n)) {
      sh = &all->slot[i];
      all->last = i;
    }
  }
  if (!sh) return 0;
  memset(s->missing, 1, s->view.n_features);
  for (uint32_t i = 0; i < sh->n_values; i++) {
    const shape_value *v = &sh->value[i];
    uint64_t u = om_load_u64(p + v->off);
    if (v->type == FV_NUMERIC) {
      double d = om_f64_from_bits(u);
      if (!isfinite(d) || (d == 0 && signbit(d))) return 0; /* fv_next's checks (fv.h 3) */
      if (v->pos != UINT32_MAX) s->num[v->pos] = d;
    } else if (v->pos != UINT32_MAX) {
      s->cat[v->pos] = u;
    }
    if (v->pos != UINT32_MAX) s->missing[v->pos] = 0;
  }
  return 1;
}

/* Note entry e of the vector starting at base for the layout being
** recorded in sh (*n_values < 0: not recorded, too many values). */
static void shape_note(shape_slot *sh, int *n_values, const uint8_t *base, const fv_entry *e, uint32_t pos) {
  if (!sh || *n_values < 0 || e->type == FV_MISSING) return;
  if (*n_values == OMEN_SHAPE_MAX_VALUES) {
    *n_values = -1;
    return;
  }
  sh->value[*n_values].off = (uint32_t)((const uint8_t *)e->name + e->name_len - base);
  sh->value[*n_values].pos = pos;
  sh->value[*n_values].type = (uint8_t)e->type;
  (*n_values)++;
}

int omen_model_row(sqlite3_context *ctx, const char *fname, const omen_model *s, sqlite3_value *fv, int argno) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t pos = 0, matched = 0, n = s->view.n_features;
  shape_slot *sh = NULL;
  const uint8_t *blob;
  size_t len;
  int n_values = 0;
  if (sqlite3_value_type(fv) != SQLITE_BLOB) {
    omen_errorf(ctx, fname, "features (argument %d) is %s; expected a feature vector (a BLOB made by feature_vector())", argno,
                omen_type_name(fv));
    return 1;
  }
  blob = sqlite3_value_blob(fv);
  len = (size_t)sqlite3_value_bytes(fv);
  if (len > 0 && !blob) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  if (row_from_shape(s, blob, len)) goto prepare;
  if (s->shape) { /* a new layout replaces the oldest (round robin), once it has matched */
    s->shape->last = (s->shape->last + 1) % OMEN_SHAPE_SLOTS;
    sh = &s->shape->slot[s->shape->last];
    sh->len = 0;
  }
  st = fv_open(&it, blob, len, &err);
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
    if (pos == n) { /* the rest are unknown to the model; still validated below */
      shape_note(sh, &n_values, blob, &e, UINT32_MAX);
      break;
    }
    shape_note(sh, &n_values, blob, &e, c == 0 ? pos : UINT32_MAX);
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
  while (st == OM_OK && fv_next(&it, &e, &st, &err))
    shape_note(sh, &n_values, blob, &e, UINT32_MAX);
  if (st != OM_OK) {
    omen_result_status(ctx, fname, st, &err);
    return 1;
  }
  if (matched == 0 && n > 0) {
    omen_no_features_error(ctx, fname, &s->view);
    return 1;
  }
  if (sh && n_values >= 0 && len <= OMEN_SHAPE_MAX_BYTES) { /* behaviour 4: keep this layout */
    memcpy(sh->bytes, blob, len);
    sh->n_values = (uint32_t)n_values;
    sh->len = len;
  }
prepare:
  /* missing slots of num/cat are stale: row_prepare reads them only where
  ** missing[] is 0 */
  if (s->kind->row_prepare) s->kind->row_prepare(s->model, s->num, s->cat, s->missing, s->x);
  else
    for (uint32_t i = 0; i < n; i++)
      s->x[i] = s->missing[i] || s->view.features[i].type != FV_NUMERIC ? (double)NAN : s->num[i];
  return 0;
}

