/*
** predict.c — scoring with boosted-tree models: predict_duration(),
** predict_interval(), predict_failure() and predict().
**
**   SELECT predict_duration('runtime', feature_vector('threads', 8, 'host', 'web-3'));
**   SELECT predict_duration('runtime', fv, 0.9);          -- 90th percentile
**   SELECT predict_interval('runtime', fv);               -- {"pred","lo","hi","coverage"}
**   SELECT predict_failure('failures', fv);               -- probability
**
** Behaviours (docs/predict_duration.md and siblings):
**   1. The model is a BLOB or a registry reference, decoded once per statement
**      (model.c); the decoded model carries its own row buffers, so scoring a
**      row allocates nothing.  The row is filled and scored within one call
**      (gbt_row_prepare, then the core's _x scorers), so nothing carries over
**      between calls and statements may share a decoded model.
**   2. Features are matched by name.  A feature the model needs and the vector
**      lacks (or holds as NULL) is missing and follows the learned default
**      direction; features the model does not know are ignored; a feature of
**      the other type (numeric vs categorical) is an error naming it.  When
**      NONE of the model's features is in the vector (present with a NULL
**      value counts as present) the call is an error listing the model's
**      feature names (omen_no_features_error): a typo in every name would
**      otherwise score as "all missing" and return a plausible number.
**      model_features(model, fv) (model_features.c) shows per feature what
**      matched.
**   3. predict_duration needs a regression objective ('duration', 'squared'
**      or 'quantile'); predict_failure needs 'binary'; predict accepts any and
**      returns the model's natural output (seconds for 'duration', a
**      probability for 'binary', the target's units otherwise).  A model of
**      another kind or objective is an error naming both.
**   4. predict_duration(model, fv, q) returns the q-quantile (0 < q < 1) from
**      the split-conformal calibration residuals stored in the model; an
**      error when the model has no calibration residuals.  When the
**      calibration set is too small for that q (q < 1/(n+1) or q > n/(n+1))
**      the bound is infinite: +Inf (REAL) for the upper side, and -Inf for the
**      lower side, except 'duration' models, whose predictions are clamped at
**      0 s, which give 0.  (The same rule as the JSON of predict_interval,
**      where the writer spells an infinite bound 9e999 / -9e999.)
**   5. predict_interval(model, fv [, coverage]) returns JSON {"pred", "lo",
**      "hi", "coverage"} with lo/hi the (1-c)/2 and (1+c)/2 quantiles; the
**      default coverage is the model's interval_coverage option (0.9).
**   6. NULL model or NULL features give NULL.  A point prediction that is not
**      finite (NaN, overflow) is NULL.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/base/fv.h"
#include "core/gbt/gbt.h"
#include "core/base/om_json.h"
#include "omen_ext.h"

const char *omen_gbt_objective_name(int obj);

typedef struct gbt_scorer {
  gbt_model *model;
  mdl_view view;   /* schema (names and types), borrowed from the cached BLOB */
  double *num;     /* [n_features] row buffers */
  uint64_t *cat;
  uint8_t *missing;
  double *x;       /* the row prepared for scoring (gbt_row_prepare) */
} gbt_scorer;

static void gbt_scorer_free(void *p) {
  gbt_scorer *s = p;
  if (!s) return;
  gbt_free(s->model);
  mdl_view_free(&s->view);
  sqlite3_free(s->num);
  sqlite3_free(s->cat);
  sqlite3_free(s->missing);
  sqlite3_free(s->x);
  sqlite3_free(s);
}

/* Decode the gbt payload of a validated envelope view (schema types from the
** view).  Shared by the scorer, omen_gbt_open and model_features.c. */
om_status omen_gbt_decode_view(const mdl_view *v, gbt_model **model, om_err *err);
om_status omen_gbt_decode_view(const mdl_view *v, gbt_model **model, om_err *err) {
  uint8_t *is_cat;
  om_status st;
  *model = NULL;
  if (v->payload_version != GBT_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "boosted-tree payload version %u is not supported (this build reads %d)",
                   v->payload_version, GBT_FORMAT);
  is_cat = sqlite3_malloc64(v->n_features ? v->n_features : 1);
  if (!is_cat) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t i = 0; i < v->n_features; i++) is_cat[i] = v->features[i].type == FV_CATEGORICAL;
  st = gbt_decode(v->payload, v->payload_len, v->n_features, is_cat, model, err);
  sqlite3_free(is_cat);
  return st;
}

static om_status gbt_scorer_decode(mdl_view *view, void **impl, void (**impl_free)(void *), om_err *err) {
  gbt_scorer *s = sqlite3_malloc(sizeof *s);
  uint32_t n = view->n_features;
  om_status st;
  if (!s) {
    mdl_view_free(view);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  memset(s, 0, sizeof *s);
  s->view = *view;
  memset(view, 0, sizeof *view);
  s->num = sqlite3_malloc64((n ? n : 1) * sizeof *s->num);
  s->cat = sqlite3_malloc64((n ? n : 1) * sizeof *s->cat);
  s->missing = sqlite3_malloc64(n ? n : 1);
  s->x = sqlite3_malloc64((n ? n : 1) * sizeof *s->x);
  if (!s->num || !s->cat || !s->missing || !s->x) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto fail;
  }
  st = omen_gbt_decode_view(&s->view, &s->model, err);
  if (st != OM_OK) goto fail;
  *impl = s;
  *impl_free = gbt_scorer_free;
  return OM_OK;
fail:
  gbt_scorer_free(s);
  return st;
}

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

/* Fill the scorer's row buffers from a feature-vector BLOB. */
static int gbt_scorer_load_row(sqlite3_context *ctx, const char *fname, gbt_scorer *s, sqlite3_value *fv) {
  fv_reader it;
  fv_entry e;
  om_err err;
  om_status st;
  uint32_t pos = 0, matched = 0, n = s->view.n_features;
  if (sqlite3_value_type(fv) != SQLITE_BLOB) {
    omen_errorf(ctx, fname, "features (argument 2) is %s; expected a feature vector (a BLOB made by feature_vector())", omen_type_name(fv));
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
  /* missing slots of num/cat are stale: gbt_row_prepare reads them only
  ** where missing[] is 0 */
  gbt_row_prepare(s->model, s->num, s->cat, s->missing, s->x);
  return 0;
}

enum { WANT_REGRESSION = 1, WANT_BINARY = 2, WANT_ANY = 3 };

static gbt_scorer *scorer_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int want) {
  const omen_model *m = omen_model_arg(ctx, fname, argv, 0, MDL_KIND_GBT, gbt_scorer_decode);
  gbt_scorer *s;
  gbt_objective obj;
  if (!m) return NULL;
  s = m->impl;
  obj = gbt_model_objective(s->model);
  if (want == WANT_REGRESSION && obj == GBT_BINARY) {
    omen_errorf(ctx, fname, "model is a gbt model with objective 'binary'; expected objective 'duration', 'squared' or 'quantile'");
    return NULL;
  }
  if (want == WANT_BINARY && obj != GBT_BINARY) {
    omen_errorf(ctx, fname, "model is a gbt model with objective '%s'; expected objective 'binary' (train it with "
                            "'{\"objective\": \"binary\"}' on 0/1 targets)",
                omen_gbt_objective_name(obj));
    return NULL;
  }
  if (gbt_scorer_load_row(ctx, fname, s, argv[1])) return NULL;
  return s;
}

static int quantile_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, int argi,
                        double *out) {
  int t = sqlite3_value_type(v);
  double q = sqlite3_value_double(v);
  if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(q > 0 && q < 1)) {
    omen_errorf(ctx, fname, "%s (argument %d) must be a number between 0 and 1 (exclusive), e.g. 0.9 for 90%%", what,
                argi);
    return 1;
  }
  *out = q;
  return 0;
}

static int need_calibration(sqlite3_context *ctx, const char *fname, const gbt_scorer *s) {
  if (gbt_model_n_residuals(s->model) > 0) return 0;
  omen_errorf(ctx, fname, "model has no calibration residuals (trained with calibration_fraction 0 and no "
                          "validation rows); quantiles and intervals are unavailable");
  return 1;
}

static void result_finite(sqlite3_context *ctx, double v) {
  if (isfinite(v)) sqlite3_result_double(ctx, v);
  else sqlite3_result_null(ctx);
}

/* A quantile bound: ±Inf when the calibration set is too small for the
** level (behaviour 4); NaN cannot occur past need_calibration, but is NULL. */
static void result_bound(sqlite3_context *ctx, double v) {
  if (v == v) sqlite3_result_double(ctx, v);
  else sqlite3_result_null(ctx);
}

void predictDurationFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  gbt_scorer *s;
  double q = 0;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (argc == 3 && quantile_arg(ctx, "predict_duration", argv[2], "q", 3, &q)) return;
  s = scorer_arg(ctx, "predict_duration", argv, WANT_REGRESSION);
  if (!s) return;
  if (argc == 2) {
    result_finite(ctx, gbt_predict_x(s->model, s->x));
    return;
  }
  if (need_calibration(ctx, "predict_duration", s)) return;
  result_bound(ctx, gbt_predict_quantile_x(s->model, s->x, q));
}

void predictIntervalFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  gbt_scorer *s;
  double c, raw, pred, lo, hi;
  om_wbuf *w;
  om_jw j;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (argc == 3 && quantile_arg(ctx, "predict_interval", argv[2], "coverage", 3, &c)) return;
  s = scorer_arg(ctx, "predict_interval", argv, WANT_REGRESSION);
  if (!s) return;
  if (argc == 2) c = gbt_model_interval_coverage(s->model);
  if (need_calibration(ctx, "predict_interval", s)) return;
  raw = gbt_predict_raw_x(s->model, s->x);
  pred = gbt_transform(s->model, raw);
  lo = gbt_transform(s->model, raw + gbt_residual_quantile(s->model, (1 - c) / 2));
  hi = gbt_transform(s->model, raw + gbt_residual_quantile(s->model, (1 + c) / 2));
  w = omen_out_scratch(ctx);
  if (!w) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "pred");
  om_jw_double(&j, pred);
  om_jw_key(&j, "lo");
  om_jw_double(&j, lo);
  om_jw_key(&j, "hi");
  om_jw_double(&j, hi);
  om_jw_key(&j, "coverage");
  om_jw_double(&j, c);
  om_jw_end_object(&j);
  if (om_wbuf_status(w) != OM_OK) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_text64(ctx, (const char *)w->data, w->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void predictFailureFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  gbt_scorer *s;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  s = scorer_arg(ctx, "predict_failure", argv, WANT_BINARY);
  if (!s) return;
  result_finite(ctx, gbt_predict_x(s->model, s->x));
}

void predictFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  gbt_scorer *s;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  s = scorer_arg(ctx, "predict", argv, WANT_ANY);
  if (!s) return;
  result_finite(ctx, gbt_predict_x(s->model, s->x));
}

/* For model_importance (importance.c): decode a gbt model from a BLOB. */
om_status omen_gbt_open(const uint8_t *blob, size_t n, mdl_view *view, gbt_model **model, om_err *err) {
  om_status st = mdl_open(blob, n, view, err);
  *model = NULL;
  if (st != OM_OK) return st;
  if (view->kind != MDL_KIND_GBT) {
    const char *k = mdl_kind_name(view->kind);
    st = om_errf(err, OM_INVALID, "model is a %s model; expected a gbt model", k ? k : "unknown");
    goto fail;
  }
  st = omen_gbt_decode_view(view, model, err);
  if (st == OM_OK) return OM_OK;
fail:
  mdl_view_free(view);
  return st;
}
