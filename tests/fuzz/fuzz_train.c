/*
** fuzz_train.c — libFuzzer target for the training aggregates' core: any
** model a trainer returns must load and score.  How to build and run:
** tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout (missing bytes read as 0):
**   byte 0  objective (low 2 bits), threads (bit 2), subsample 0.6 (bit 3),
**           validation 0.25 (bit 4), calibration 0 (bit 5), scaler method
**           (bits 6-7, 3 = robust)
**   byte 1  n_trees − 1 (low 3 bits), max_depth − 1 (bits 3-5), lambda 0 (bit 6),
**           min_child_weight 0 (bit 7)
**   byte 2  learning_rate index into {0.05, 0.3, 1, 1.9, 3, 10, 0.1, 0.5}
**           (low 3 bits), features F − 1 (bits 3-4, F ≤ 3), a categorical
**           third feature (bit 5), colsample 0.5 (bit 6)
**   byte 3  max_cat_threshold; byte 4 max_bins (≥ 2)
**   then rows of 1 + 8·F + 8 bytes: a category byte, F little-endian
**           doubles (NaN = missing, ±Inf = missing, −0 = +0: feature vectors
**           hold only finite numbers and no −0), the target double; at most
**           256 rows.
** Properties:
**   1. gbt_train returns OM_OK or OM_INVALID (never anything else, never a
**      crash); on OM_OK the model encodes within gbt_payload_bound(),
**      decodes with gbt_decode, re-encodes to the same bytes, reports
**      importances, and scores every training row and extreme probes to a
**      finite raw score.
**   2. scaler_train's core (scl_accum_*) on the same feature values returns
**      OM_OK or OM_INVALID; on OM_OK the BLOB opens with scl_model_open and
**      scl_transform of every training row gives OM_OK or OM_INVALID.
** Seeds: tests/fuzz/corpus_train/ (huge, tiny, denormal and diverging cases).
*/
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fv.h"
#include "gbt.h"
#include "scl.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_train: property failed at line %d: %s\n", __LINE__, #c);                                 \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

#define MAXN 256

static uint8_t byte_at(const uint8_t *d, size_t n, size_t i) { return i < n ? d[i] : 0; }

static double f64_at(const uint8_t *d, size_t n, size_t i) {
  uint64_t u = 0;
  double v;
  for (int k = 7; k >= 0; k--)
    u = u << 8 | byte_at(d, n, i + (size_t)k);
  memcpy(&v, &u, sizeof v);
  return v;
}

static void check_gbt(const gbt_model *m, const gbt_options *o, size_t n, uint32_t F, int any_cat,
                      const gbt_column *cols) {
  om_wbuf w, w2;
  gbt_model *back = NULL;
  om_err err;
  gbt_importance imp[3];
  static const double probe[] = {0, -0.0, 1, -1, 1e300, -1e300, DBL_MAX, -DBL_MAX, 5e-324, NAN, INFINITY};
  om_wbuf_init(&w);
  om_wbuf_init(&w2);
  FUZZ_ASSERT(gbt_encode(m, &w) == OM_OK);
  FUZZ_ASSERT(w.len <= gbt_payload_bound(o, n, F, any_cat, NULL));
  FUZZ_ASSERT(gbt_decode(w.data, w.len, m->n_features, m->is_cat, &back, &err) == OM_OK);
  FUZZ_ASSERT(gbt_encode(back, &w2) == OM_OK && w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
  FUZZ_ASSERT(gbt_feature_importance(back, imp) == OM_OK);
  for (size_t i = 0; i < n + sizeof probe / sizeof probe[0]; i++) {
    double num[3] = {0, 0, 0};
    uint64_t cat[3] = {0, 0, 0};
    uint8_t miss[3] = {0, 0, 0};
    for (uint32_t f = 0; f < F; f++) {
      if (i < n) {
        if (cols[f].is_cat) {
          cat[f] = cols[f].cat[i];
          miss[f] = cols[f].cat_missing[i];
        } else
          num[f] = cols[f].num[i];
      } else {
        num[f] = probe[i - n];
        cat[f] = (uint64_t)i;
      }
    }
    FUZZ_ASSERT(isfinite(gbt_predict_raw(back, num, cat, miss)));
    (void)gbt_predict(back, num, cat, miss);
    (void)gbt_predict_quantile(back, num, cat, miss, 0.95);
  }
  gbt_free(back);
  om_wbuf_free(&w);
  om_wbuf_free(&w2);
}

static void check_scaler(scl_method method, size_t n, uint32_t F, double x[3][MAXN]) {
  static const char *const names[3] = {"a", "b", "c"};
  scl_accum a;
  om_wbuf row, model, out;
  om_err err;
  om_status st = OM_OK;
  scl_accum_init(&a, method);
  om_wbuf_init(&row);
  om_wbuf_init(&model);
  om_wbuf_init(&out);
  for (size_t i = 0; i < n && st == OM_OK; i++) {
    om_wbuf_reset(&row);
    fv_write_header(&row, (uint16_t)F);
    for (uint32_t f = 0; f < F; f++) {
      fv_entry e;
      memset(&e, 0, sizeof e);
      e.name = names[f];
      e.name_len = 1;
      e.type = isnan(x[f][i]) ? FV_MISSING : FV_NUMERIC;
      e.num = isnan(x[f][i]) ? 0 : x[f][i];
      fv_write_entry(&row, &e);
    }
    FUZZ_ASSERT(om_wbuf_status(&row) == OM_OK);
    st = scl_accum_add(&a, row.data, row.len, &err);
    if (st != OM_OK) fprintf(stderr, "fuzz_train: scl_accum_add: %s\n", err.msg);
    FUZZ_ASSERT(st == OM_OK);
  }
  st = scl_accum_finish(&a, &model, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  if (st == OM_OK) {
    scl_model m;
    FUZZ_ASSERT(scl_model_open(model.data, model.len, &m, &err) == OM_OK);
    for (size_t i = 0; i < n; i++) {
      om_wbuf_reset(&row);
      fv_write_header(&row, (uint16_t)F);
      for (uint32_t f = 0; f < F; f++) {
        fv_entry e;
        memset(&e, 0, sizeof e);
        e.name = names[f];
        e.name_len = 1;
        e.type = isnan(x[f][i]) ? FV_MISSING : FV_NUMERIC;
        e.num = isnan(x[f][i]) ? 0 : x[f][i];
        fv_write_entry(&row, &e);
      }
      om_wbuf_reset(&out);
      st = scl_transform(&m, row.data, row.len, &out, &err);
      FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    }
    scl_model_free(&m);
  }
  scl_accum_free(&a);
  om_wbuf_free(&row);
  om_wbuf_free(&model);
  om_wbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const double lrs[8] = {0.05, 0.3, 1, 1.9, 3, 10, 0.1, 0.5};
  static double x[3][MAXN], y[MAXN];
  static uint64_t c[MAXN];
  static uint8_t cmiss[MAXN];
  gbt_column cols[3];
  gbt_data d;
  gbt_options o;
  gbt_model *m = NULL;
  om_err err;
  om_status st;
  uint8_t b0 = byte_at(data, size, 0), b1 = byte_at(data, size, 1), b2 = byte_at(data, size, 2);
  uint32_t F = 1 + ((b2 >> 3) & 3u);
  int any_cat;
  size_t row_bytes, n;
  if (F > 3) F = 3;
  any_cat = F == 3 && (b2 & 0x20);
  row_bytes = 1 + 8 * (size_t)F + 8;
  if (size < 5) return 0;
  n = (size - 5) / row_bytes;
  if (n > MAXN) n = MAXN;
  if (n < 2) return 0;
  gbt_options_default(&o);
  o.objective = (gbt_objective)(b0 & 3);
  o.threads = 1 + ((b0 >> 2) & 1);
  if (b0 & 8) o.subsample = 0.6;
  if (b0 & 16) o.validation_fraction = 0.25;
  if (b0 & 32) o.calibration_fraction = 0;
  o.n_trees = 1 + (b1 & 7);
  o.max_depth = 1 + ((b1 >> 3) & 7);
  if (b1 & 64) o.lambda = 0;
  if (b1 & 128) o.min_child_weight = 0;
  o.learning_rate = lrs[b2 & 7];
  if (b2 & 64) o.colsample = 0.5;
  o.max_cat_threshold = byte_at(data, size, 3) ? byte_at(data, size, 3) : 1;
  o.max_bins = byte_at(data, size, 4) < 2 ? 2 : byte_at(data, size, 4);
  for (size_t i = 0; i < n; i++) {
    size_t at = 5 + i * row_bytes;
    uint8_t cb = byte_at(data, size, at);
    for (uint32_t f = 0; f < F; f++) {
      double v = f64_at(data, size, at + 1 + 8 * (size_t)f);
      x[f][i] = isfinite(v) ? v + 0.0 : NAN; /* feature vectors hold +0, never -0 */
    }
    c[i] = 0x5000 + (cb & 15);
    cmiss[i] = (cb & 0xf0) == 0xf0;
    y[i] = f64_at(data, size, at + 1 + 8 * (size_t)F);
  }
  for (uint32_t f = 0; f < F; f++) {
    memset(&cols[f], 0, sizeof cols[f]);
    if (f == 2 && any_cat) {
      cols[f].is_cat = 1;
      cols[f].cat = c;
      cols[f].cat_missing = cmiss;
    } else
      cols[f].num = x[f];
  }
  d.n_rows = n;
  d.n_features = F;
  d.cols = cols;
  d.y = y;
  d.y_upper = NULL;
  st = gbt_train(&d, &o, NULL, &m, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  if (st == OM_OK) check_gbt(m, &o, n, F, any_cat, cols);
  else FUZZ_ASSERT(m == NULL && err.msg[0] != 0);
  gbt_free(m);
  check_scaler((scl_method)((b0 >> 6) % 3), n, any_cat ? 2 : F, x);
  return 0;
}
