/*
** fuzz_metrics_state.c — libFuzzer target for the metrics_state kind
** (ext/core/stats/st_metrics_state.h) and the quantile sketch inside it
** (ext/core/base/om_qsketch.h): the payload decoder, the envelope through
** the kind table, the results, and the merge.  How to build and run:
** tests/fuzz/README.md (`make fuzz-quick` runs it):
**   make build-fuzz/fuzz_metrics_state
**   mkdir -p build-fuzz/metrics_state && build-fuzz/fuzz_metrics_state -max_total_time=60 build-fuzz/metrics_state tests/fuzz/corpus_metrics_state
**
** Input layout: byte 0 chooses.
**   bit 7 set — MERGE: u32 length L, then two payloads (L bytes, and the
**     rest) for st_mstate_decode, merged both ways when both decode and
**     belong to the same function (and threshold).
**   bit 7 clear, bit 6 set — ENVELOPE: the rest is a whole BLOB for
**     mdl_decode (the kind table picks the decoder).
**   otherwise — PAYLOAD: the rest is a metrics_state payload.
** Properties:
**   1. A payload that decodes re-encodes to exactly its bytes (canonical),
**      gives its results (st_mstate_regression / _classification /
**      _coverage: never a crash) and model_info detail, and its envelope
**      (st_mstate_write) opens through mdl_decode into the same payload.
**   2. An envelope that opens as a metrics_state has a payload with
**      property 1.
**   3. a merged with b and b merged with a encode to the same bytes, which
**      decode and re-encode to themselves.
** Seeds: tests/fuzz/corpus_metrics_state/ (written by
** `fixtures/metrics_state/make_metrics_state.py --seeds`).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_kind.h"
#include "st_metrics_state.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_metrics_state: property failed at line %d: %s\n", __LINE__, #c);                        \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void check_state(st_mstate *s, const uint8_t *bytes, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_wbuf_init(&w);
  FUZZ_ASSERT(st_mstate_encode(s, &w, &err) == OM_OK);
  if (bytes) FUZZ_ASSERT(w.len == n && memcmp(w.data, bytes, n) == 0);
  if (s->fn == ST_MS_REGRESSION) {
    st_regression_result r;
    st_mstate_regression(s, &r);
  } else if (s->fn == ST_MS_CLASSIFICATION) {
    st_classification_result r;
    st_mstate_classification(s, &r);
    (void)st_mstate_auc_bound(s);
  } else {
    (void)st_mstate_coverage(s);
  }
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(st_mstate_info(s, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  om_wbuf_reset(&w);
  FUZZ_ASSERT(st_mstate_write(s, &w, &err) == OM_OK);
  FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  FUZZ_ASSERT(v.kind == MDL_KIND_METRICS_STATE);
  {
    om_wbuf w2;
    om_wbuf_init(&w2);
    FUZZ_ASSERT(st_mstate_encode(model, &w2, &err) == OM_OK);
    FUZZ_ASSERT(w2.len == v.payload_len && memcmp(w2.data, v.payload, w2.len) == 0);
    om_wbuf_free(&w2);
  }
  k->close(model);
  mdl_view_free(&v);
  om_wbuf_free(&w);
}

static void fuzz_merge(const uint8_t *p, size_t n) {
  static st_mstate a, b, ab, ba, back;
  om_wbuf w1, w2, w3;
  om_err err;
  uint32_t len;
  if (n < 4) return;
  len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  p += 4;
  n -= 4;
  if (len > n) return;
  if (st_mstate_decode(p, len, &a, &err) != OM_OK) return;
  if (st_mstate_decode(p + len, n - len, &b, &err) != OM_OK) goto free_a;
  if (a.fn != b.fn || a.cls.threshold != b.cls.threshold) goto free_b;
  if ((uint64_t)st_mstate_rows(&a) + (uint64_t)st_mstate_rows(&b) > (uint64_t)INT64_MAX) goto free_b;
  st_mstate_init(&ab, a.fn, a.cls.threshold);
  st_mstate_init(&ba, a.fn, a.cls.threshold);
  if (st_mstate_merge(&ab, &a, &err) != OM_OK || st_mstate_merge(&ab, &b, &err) != OM_OK ||
      st_mstate_merge(&ba, &b, &err) != OM_OK || st_mstate_merge(&ba, &a, &err) != OM_OK)
    goto free_all; /* out of memory only */
  om_wbuf_init(&w1);
  om_wbuf_init(&w2);
  om_wbuf_init(&w3);
  FUZZ_ASSERT(st_mstate_encode(&ab, &w1, &err) == OM_OK);
  FUZZ_ASSERT(st_mstate_encode(&ba, &w2, &err) == OM_OK);
  FUZZ_ASSERT(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0);
  FUZZ_ASSERT(st_mstate_decode(w1.data, w1.len, &back, &err) == OM_OK);
  FUZZ_ASSERT(st_mstate_encode(&back, &w3, &err) == OM_OK);
  FUZZ_ASSERT(w3.len == w1.len && memcmp(w1.data, w3.data, w1.len) == 0);
  st_mstate_free(&back);
  om_wbuf_free(&w1);
  om_wbuf_free(&w2);
  om_wbuf_free(&w3);
free_all:
  st_mstate_free(&ab);
  st_mstate_free(&ba);
free_b:
  st_mstate_free(&b);
free_a:
  st_mstate_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static st_mstate s;
  om_err err;
  if (size < 1) return 0;
  if (data[0] & 0x80) {
    fuzz_merge(data + 1, size - 1);
  } else if (data[0] & 0x40) {
    mdl_view v;
    const mdl_kind_def *k;
    void *model;
    if (mdl_decode(data + 1, size - 1, &v, &k, &model, &err) == OM_OK) {
      if (v.kind == MDL_KIND_METRICS_STATE) check_state(model, v.payload, v.payload_len);
      k->close(model);
      mdl_view_free(&v);
    }
  } else if (st_mstate_decode(data + 1, size - 1, &s, &err) == OM_OK) {
    check_state(&s, data + 1, size - 1);
    st_mstate_free(&s);
  } else {
    FUZZ_ASSERT(err.msg[0] != '\0');
  }
  return 0;
}
