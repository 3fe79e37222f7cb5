/*
** fuzz_mah.c — libFuzzer target for the Mahalanobis payload decoder
** (ext/core/robust/mah_codec.c, mah_factor.c) behind the model envelope.
** How to build and run: tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout: byte 0 = number of features F (1..16), the next F bytes give
** each feature's type (low bit: 1 = categorical, else numeric), the rest is
** a mahalanobis payload.  A payload that decodes must:
**   1. re-encode to exactly the bytes it was decoded from;
**   2. score, allocation-free, rows with every feature present, some and
**      all missing, huge and tiny values: d² ≥ 0 or +Inf, never NaN;
**      p_value in [0, 1]; df ≤ rank; ±Inf refused with OM_INVALID;
**   3. explain the same rows with the same result, no NaN contribution, and
**      contributions that sum to d² (within 1e-3 of Σ|c_i| + d²: the
**      rounding of R⁻¹z grows with R's condition, up to 1e12) when d² is
**      finite and moderate and R was factored by Cholesky;
**   4. write its info JSON.
** Seeds (tests/fuzz/corpus_mah/): models of every method, with constant,
** collinear and categorical features, written by tests/fuzz/mah_seeds.c.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mah.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_mah: property failed at line %d: %s\n", __LINE__, #c);                                   \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void score_rows(const mah_model *m, uint32_t nf) {
  static const double values[] = {0.0, -1.0, 1e300, -1e300, 3.5, 1e-300, 7.25, -0.5};
  double x[16], *scratch = malloc(sizeof(double) * mah_scratch_doubles(m));
  mah_evidence ev[16];
  mah_info in;
  mah_get_info(m, &in);
  for (size_t v = 0; v < 3 * sizeof values / sizeof values[0]; v++) {
    mah_result r, r2;
    om_err err;
    om_status st;
    for (uint32_t f = 0; f < nf; f++) {
      x[f] = values[(v + f) % 8];
      if (v >= 8 && (v + f) % 3 == 0) x[f] = NAN;          /* some missing */
      if (v >= 16) x[f] = NAN;                             /* all missing */
      if (v == 8) x[f] = mah_location(m)[0];               /* the location's first value */
    }
    st = mah_score(m, x, scratch, &r, &err);
    FUZZ_ASSERT(st == OM_OK);
    FUZZ_ASSERT(!isnan(r.d2) && r.d2 >= 0 && !isnan(r.d));
    FUZZ_ASSERT(r.p_value >= 0 && r.p_value <= 1);
    FUZZ_ASSERT(r.df <= in.rank);
    FUZZ_ASSERT(mah_explain(m, x, scratch, &r2, ev, &err) == OM_OK);
    FUZZ_ASSERT(memcmp(&r, &r2, sizeof r) == 0);
    {
      double sum = 0, abs_sum = 0;
      for (uint32_t f = 0; f < nf; f++) {
        FUZZ_ASSERT(!isnan(ev[f].contribution));
        sum += ev[f].contribution;
        abs_sum += fabs(ev[f].contribution);
      }
      /* the rounding of R⁻¹z grows with R's condition (up to 1/MAH_RCOND_MIN) */
      if (isfinite(r.d2) && r.d2 < 1e12 && isfinite(abs_sum) && in.cholesky)
        FUZZ_ASSERT(fabs(sum - r.d2) <= 1e-3 * (abs_sum + r.d2 + 1));
    }
  }
  x[0] = INFINITY;
  {
    mah_result r;
    om_err err;
    om_status st = mah_score(m, x, scratch, &r, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID); /* OM_OK when feature 1 is categorical */
  }
  free(scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t types[16];
  uint32_t nf;
  mah_model *m = NULL;
  om_err err;
  om_wbuf w;
  om_status st;
  if (size < 2) return 0;
  nf = data[0];
  if (nf < 1 || nf > 16 || size < 1 + (size_t)nf) return 0;
  for (uint32_t f = 0; f < nf; f++) types[f] = (data[1 + f] & 1) ? 2 : 1;
  data += 1 + nf;
  size -= 1 + nf;
  st = mah_decode(data, size, nf, types, &m, &err);
  if (st != OM_OK) {
    FUZZ_ASSERT(m == NULL && (st == OM_CORRUPT || st == OM_NOMEM));
    return 0;
  }
  om_wbuf_init(&w);
  FUZZ_ASSERT(mah_encode(m, &w) == OM_OK);
  FUZZ_ASSERT(w.len == size && memcmp(w.data, data, size) == 0);
  om_wbuf_reset(&w);
  {
    om_jw j;
    om_jw_init(&j, &w);
    om_jw_begin_object(&j);
    mah_info_json(m, &j);
    om_jw_end_object(&j);
    FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  }
  om_wbuf_free(&w);
  score_rows(m, nf);
  mah_free(m);
  return 0;
}
