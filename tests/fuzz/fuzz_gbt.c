/*
** fuzz_gbt.c — libFuzzer target for the boosted-tree payload decoder
** (ext/core/gbt/gbt_codec.c) behind the model envelope.  How to build and run:
** tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout: byte 0 = number of features F (1..16), the next F bytes give
** each feature's type (low bit: 1 = categorical), the rest is a gbt payload.
** A payload that decodes must:
**   1. predict, allocation-free, finite or NaN (never a crash) on rows with
**      every feature present, every feature missing, NaN and ±Inf values and
**      hashes that are and are not in the model's category sets, and give
**      the same bits through gbt_row_prepare + gbt_predict_raw_x;
**   2. re-encode to exactly the bytes it was decoded from;
**   3. report importances without failing;
**   4. answer the distribution functions (gbt.h point 14) in [0, 1] (cdf),
**      ≥ 0 (remaining time) or NaN, for models with and without one;
**   5. explain (gbt.h point 16): gbt_shap_x works exactly when the model has
**      covers (format 4), and its values with the bias add up to the raw
**      score, and gbt_shap_diff_x's to raw(x) − raw(ref) (up to rounding,
**      where the sums are finite), on any model.
** Seeds: the committed format-1 payload fixtures/gbt/gbt_model_v1.bin with
** its schema prefix, the format-3 (AFT) payload of
** fixtures/models/gbt_v3.hex with its schema's types, and a format-4 payload
** with node covers and SHAP importance, model_v4_covers
** (tests/fuzz/corpus_gbt/).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbt.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_gbt: property failed at line %d: %s\n", __LINE__, #c);                                   \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void predict_rows(const gbt_model *m, uint32_t nf) {
  double num[16];
  uint64_t cat[16];
  uint8_t missing[16];
  static const double values[] = {0.0, -1.0, 1e300, -1e300, 3.5, NAN, INFINITY, -INFINITY};
  for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
    for (uint32_t f = 0; f < nf; f++) {
      num[f] = values[(v + f) % 8];
      cat[f] = m->n_cat_hashes ? m->cat_hashes[(v * 7 + f) % m->n_cat_hashes] + (v & 1) : v;
      missing[f] = (uint8_t)((v + f) % 3 == 0);
    }
    {
      /* the prepared-row path (the SQL layer's) gives the same bits */
      double x[16], a = gbt_predict_raw(m, num, cat, missing), b;
      gbt_row_prepare(m, num, cat, missing, x);
      b = gbt_predict_raw_x(m, x);
      FUZZ_ASSERT(memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)));
      (void)gbt_predict_x(m, x);
      (void)gbt_predict_quantile_x(m, x, 0.9);
    }
    (void)gbt_predict(m, num, cat, missing);
    (void)gbt_predict(m, num, cat, NULL);
    (void)gbt_predict_quantile(m, num, cat, missing, 0.05);
    (void)gbt_predict_quantile(m, num, cat, missing, 0.95);
    memset(missing, 1, nf);
    {
      double raw = gbt_predict_raw(m, num, cat, missing), t = values[v] > 0 ? values[v] : 1 - values[v];
      double c = gbt_dist_cdf(m, raw, t), cc = gbt_dist_cond_cdf(m, raw, t, 5.0),
             r = gbt_dist_remaining(m, raw, 5.0, 0.5);
      FUZZ_ASSERT(isnan(c) || (c >= 0 && c <= 1));
      FUZZ_ASSERT(isnan(cc) || (cc >= 0 && cc <= 1));
      FUZZ_ASSERT(isnan(r) || r >= 0);
      FUZZ_ASSERT(gbt_has_dist(m) == !isnan(gbt_dist_cdf(m, 0.0, 10.0)));
    }
  }
}

/* Point 5: one row's explanations, against an all-missing reference row. */
static void explain_row(const gbt_model *m, uint32_t nf) {
  double x[16], ref[16], phi[17], num[16];
  uint64_t cat[16];
  uint8_t miss[16];
  om_err err;
  for (uint32_t f = 0; f < nf; f++) {
    num[f] = f & 1 ? 3.5 : -1.0;
    cat[f] = m->n_cat_hashes ? m->cat_hashes[f % m->n_cat_hashes] : f;
    miss[f] = f % 3 == 0;
  }
  gbt_row_prepare(m, num, cat, miss, x);
  memset(miss, 1, nf);
  gbt_row_prepare(m, num, cat, miss, ref);
  if (gbt_shap_x(m, x, phi, &err) == OM_OK) {
    double s = 0, raw = gbt_predict_raw_x(m, x), sc = 0;
    for (uint32_t f = 0; f <= nf; f++) {
      s += phi[f];
      sc += fabs(phi[f]);
    }
    if (isfinite(s) && isfinite(sc) && sc < 1e200)
      FUZZ_ASSERT(fabs(s - raw) <= 1e-6 * (sc + fabs(raw)) + 1e-300);
  } else
    FUZZ_ASSERT(!gbt_has_covers(m));
  gbt_shap_diff_x(m, x, ref, phi);
  {
    double s = 0, sc = 0, rx = gbt_predict_raw_x(m, x), rr = gbt_predict_raw_x(m, ref), d = rx - rr;
    for (uint32_t f = 0; f < nf; f++) {
      s += phi[f];
      sc += fabs(phi[f]);
    }
    FUZZ_ASSERT(phi[nf] == 0);
    if (isfinite(s) && isfinite(sc) && isfinite(d) && sc < 1e200)
      FUZZ_ASSERT(fabs(s - d) <= 1e-6 * (sc + fabs(rx) + fabs(rr)) + 1e-300);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t is_cat[16];
  uint32_t nf;
  gbt_model *m = NULL;
  om_err err;
  om_wbuf w;
  if (size < 2) return 0;
  nf = data[0];
  if (nf < 1 || nf > 16 || size < 1 + (size_t)nf) return 0;
  for (uint32_t f = 0; f < nf; f++) is_cat[f] = data[1 + f] & 1;
  data += 1 + nf;
  size -= 1 + nf;
  if (gbt_decode(data, size, nf, is_cat, &m, &err) != OM_OK) {
    FUZZ_ASSERT(m == NULL);
    return 0;
  }
  predict_rows(m, nf);
  explain_row(m, nf);
  {
    gbt_importance imp[16];
    FUZZ_ASSERT(gbt_feature_importance(m, imp) == OM_OK);
  }
  om_wbuf_init(&w);
  FUZZ_ASSERT(gbt_encode(m, &w) == OM_OK);
  FUZZ_ASSERT(w.len == size && memcmp(w.data, data, size) == 0);
  om_wbuf_free(&w);
  gbt_free(m);
  return 0;
}
