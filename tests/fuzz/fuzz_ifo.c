/*
** fuzz_ifo.c — libFuzzer target for the isolation-forest payload decoder
** (ext/core/forest/ifo_codec.c) and, on the side, its training core.  How to
** build and run: tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout: byte 0 = mode and number of features F (low 7 bits, 1..16),
** the next F bytes give each feature's type (low bit: 1 = categorical).
**   Decode mode (byte 0 < 0x80): the rest is a payload.  One that decodes must
**     1. score rows (values present, missing, NaN, ±Inf, huge, known and
**        unknown categories) in (0, 1], allocation-free;
**     2. explain them with evidence that sums to log2(2·score), also through
**        the kind row's anomaly hooks (mdl_evidence: deviations finite or
**        NaN, ranges as stored);
**     3. re-encode to exactly the bytes it was decoded from;
**     4. report importances.
**   Train mode (byte 0 ≥ 0x80, F ≤ 8): 6 option bytes (n_trees 1..8,
**     sample_size 1..64, max_depth 0..8, contamination byte/512 or 'auto'
**     when 0, threads 1..3, seed), then rows of F × 9 bytes (a tag: bit 0
**     missing; then 8 bytes of double bits or hash).  Training must succeed
**     (or say OM_INVALID for no rows), and its payload must decode,
**     re-encode to the same bytes and score as above.
** Seeds: payloads written by training (tests/fuzz/corpus_ifo/).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fv.h"
#include "ifo.h"
#include "mdl_kind.h"

extern const mdl_kind_def ifo_kind;

#define FUZZ_ASSERT(c)                                                                                                 \
  do {                                                                                                                 \
    if (!(c)) {                                                                                                        \
      fprintf(stderr, "fuzz_ifo: property failed at line %d: %s\n", __LINE__, #c);                                    \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

static void score_rows(const ifo_model *m, uint32_t nf) {
  static const double values[] = {0.0, -1.0, 1e300, -1e300, 3.5, NAN, INFINITY, -INFINITY, 1e-310, 0.5};
  double num[16], x[16], out[16];
  uint64_t cat[16];
  uint8_t missing[16];
  for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
    double s, sum = 0;
    for (uint32_t f = 0; f < nf; f++) {
      num[f] = values[(v + f) % 10];
      cat[f] = m->n_cat ? m->cat_hash[(v * 7 + f) % m->n_cat] + (v & 1) : v;
      missing[f] = (uint8_t)((v + f) % 4 == 0);
    }
    ifo_row_prepare(m, num, cat, missing, x);
    s = ifo_score(m, x);
    FUZZ_ASSERT(s > 0 && s <= 1);
    (void)ifo_is_anomaly(m, x);
    ifo_explain(m, x, out);
    for (uint32_t f = 0; f < nf; f++) {
      FUZZ_ASSERT(isfinite(out[f]));
      sum += out[f];
    }
    FUZZ_ASSERT(fabs(sum - log2(2 * s)) <= 1e-9 * (1 + fabs(sum)));
    {
      mdl_evidence ev[16];
      double ks = ifo_kind.anomaly_score(m, x);
      FUZZ_ASSERT(isnan(ks) || ks == s);
      FUZZ_ASSERT(ifo_kind.anomaly_threshold(m) > 0 && ifo_kind.anomaly_threshold(m) <= 1);
      ifo_kind.explain(m, x, ev);
      for (uint32_t f = 0; f < nf; f++) {
        FUZZ_ASSERT(ev[f].contribution == out[f]);
        FUZZ_ASSERT(!isinf(ev[f].deviation));
      }
    }
  }
}

static void check_payload(const uint8_t *p, size_t n, uint32_t nf, const uint8_t *is_cat, int must_decode) {
  ifo_model *m = NULL;
  om_err err;
  om_wbuf w;
  om_status st = ifo_decode(p, n, nf, is_cat, &m, &err);
  if (st != OM_OK) {
    FUZZ_ASSERT(!must_decode);
    FUZZ_ASSERT(m == NULL && (st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION || st == OM_NOMEM));
    return;
  }
  score_rows(m, nf);
  {
    ifo_importance imp[16];
    ifo_feature_importance(m, imp);
    for (uint32_t f = 0; f < nf; f++) FUZZ_ASSERT(imp[f].gain >= 0 && imp[f].cover >= 0);
  }
  om_wbuf_init(&w);
  FUZZ_ASSERT(ifo_encode(m, &w) == OM_OK);
  FUZZ_ASSERT(w.len == n && memcmp(w.data, p, n) == 0);
  om_wbuf_free(&w);
  ifo_free(m);
}

static void train_mode(const uint8_t *data, size_t size, uint32_t nf, const uint8_t *is_cat) {
  ifo_options o;
  ifo_accum *a = NULL;
  uint8_t types[8];
  om_err err;
  om_wbuf w, met;
  om_status st;
  if (size < 6) return;
  ifo_options_default(&o);
  o.n_trees = 1 + data[0] % 8;
  o.sample_size = 1 + data[1] % 64;
  o.max_depth = data[2] % 9;
  o.contamination = data[3] ? (data[3] % 256 + 1) / 512.0 : 0;
  o.threads = 1 + data[4] % 3;
  o.seed = data[5];
  data += 6;
  size -= 6;
  for (uint32_t f = 0; f < nf; f++) types[f] = is_cat[f] ? FV_CATEGORICAL : FV_NUMERIC;
  FUZZ_ASSERT(ifo_accum_init(&a, &o, nf, types, &err) == OM_OK);
  while (size >= (size_t)nf * 9) {
    double num[8];
    uint64_t cat[8];
    uint8_t miss[8];
    for (uint32_t f = 0; f < nf; f++) {
      uint64_t bits = om_load_u64(data + 1);
      miss[f] = data[0] & 1;
      num[f] = om_f64_from_bits(bits);
      cat[f] = bits;
      data += 9;
      size -= 9;
    }
    FUZZ_ASSERT(ifo_accum_add(a, num, cat, miss, &err) == OM_OK);
  }
  om_wbuf_init(&w);
  om_wbuf_init(&met);
  st = ifo_accum_finish(a, NULL, NULL, &w, &met, &err);
  FUZZ_ASSERT(st == OM_OK || (st == OM_INVALID && ifo_accum_rows(a) == 0));
  if (st == OM_OK) check_payload(w.data, w.len, nf, is_cat, 1);
  om_wbuf_free(&w);
  om_wbuf_free(&met);
  ifo_accum_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t is_cat[16];
  uint32_t nf;
  int train;
  if (size < 2) return 0;
  train = data[0] >= 0x80;
  nf = data[0] & 0x7f;
  if (nf < 1 || nf > (train ? 8u : 16u) || size < 1 + (size_t)nf) return 0;
  for (uint32_t f = 0; f < nf; f++) is_cat[f] = data[1 + f] & 1;
  data += 1 + nf;
  size -= 1 + nf;
  if (train) train_mode(data, size, nf, is_cat);
  else check_payload(data, size, nf, is_cat, 0);
  return 0;
}
