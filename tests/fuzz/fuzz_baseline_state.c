/*
** fuzz_baseline_state.c — libFuzzer target for the baseline_state kind
** (ext/core/baseline/bl_state.h): the envelope through the kind table, the
** payload decoder, the merge and the job baseline a state finishes into.
** How to build and run: tests/fuzz/README.md (`make fuzz-quick` runs it):
**   make build-fuzz/fuzz_baseline_state
**   mkdir -p build-fuzz/baseline_state && build-fuzz/fuzz_baseline_state -max_total_time=60 build-fuzz/baseline_state tests/fuzz/corpus_baseline_state
**
** Input layout: byte 0 chooses.
**   bit 7 set — MERGE: u32 length L, then two envelopes (L bytes, and the
**     rest), each through mdl_decode; when both are baseline_states they are
**     merged both ways round.
**   bit 7 clear, bit 6 set — FIXED: the rest is an envelope whose checksum
**     footer is recomputed first (XXH3-64), so mutations reach the schema,
**     meta and payload decoders; then as ENVELOPE.
**   otherwise — ENVELOPE: the rest is a whole BLOB for mdl_decode (the kind
**     table picks the decoder).
** Properties:
**   1. A baseline_state that decodes re-encodes to exactly its payload,
**      renders its model_info detail, writes an envelope that decodes to the
**      same payload, and finishes (bl_state_model) into a job baseline that
**      loads, or into OM_INVALID ("too large") — never a crash.
**   2. Two states that merge (OM_OK or OM_INVALID: options, features, too
**      many rows) merge to the same bytes either way round, and the result
**      has property 1.
** Seeds: tests/fuzz/corpus_baseline_state/ (written by
** `fixtures/baseline_state/make_baseline_state.py --seeds`).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "bl_state.h"
#include "mdl_kind.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_baseline_state: property failed at line %d: %s\n", __LINE__, #c);                       \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void check_state(const bl_state *s, const uint8_t *payload, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_status st;
  om_wbuf_init(&w);
  FUZZ_ASSERT(bl_state_encode(s, &w, &err) == OM_OK);
  if (payload) FUZZ_ASSERT(w.len == n && memcmp(w.data, payload, n) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(bl_state_info(s, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  om_wbuf_reset(&w);
  FUZZ_ASSERT(bl_state_write(s, &w, &err) == OM_OK);
  FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  FUZZ_ASSERT(v.kind == MDL_KIND_BASELINE_STATE);
  {
    om_wbuf w2;
    om_wbuf_init(&w2);
    FUZZ_ASSERT(bl_state_encode(model, &w2, &err) == OM_OK);
    FUZZ_ASSERT(w2.len == v.payload_len && memcmp(w2.data, v.payload, w2.len) == 0);
    om_wbuf_free(&w2);
  }
  k->close(model);
  mdl_view_free(&v);
  om_wbuf_reset(&w);
  if (s->rows_used > 0) {
    st = bl_state_model(s, &w, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    if (st == OM_OK) {
      FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
      FUZZ_ASSERT(v.kind == MDL_KIND_BASELINE);
      k->close(model);
      mdl_view_free(&v);
    }
  }
  om_wbuf_free(&w);
}

static void fuzz_merge(const uint8_t *p, size_t n) {
  mdl_view va, vb;
  const mdl_kind_def *ka, *kb;
  void *ma = NULL, *mb = NULL;
  om_err err;
  uint32_t len;
  if (n < 4) return;
  len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  p += 4;
  n -= 4;
  if (len > n) return;
  if (mdl_decode(p, len, &va, &ka, &ma, &err) != OM_OK) return;
  if (mdl_decode(p + len, n - len, &vb, &kb, &mb, &err) == OM_OK) {
    if (va.kind == MDL_KIND_BASELINE_STATE && vb.kind == MDL_KIND_BASELINE_STATE) {
      bl_state ab, ba;
      om_status s1, s2;
      const bl_state *a = ma, *b = mb;
      bl_options o;
      bl_options_default(&o);
      o.threshold = a->threshold, o.constant_cv = a->constant_cv, o.seed = a->seed;
      bl_state_init(&ab, &o);
      bl_state_init(&ba, &o);
      s1 = bl_state_merge(&ab, a, &err);
      if (s1 == OM_OK) s1 = bl_state_merge(&ab, b, &err);
      s2 = bl_state_merge(&ba, b, &err);
      if (s2 == OM_OK) s2 = bl_state_merge(&ba, a, &err);
      FUZZ_ASSERT(s1 == OM_OK || s1 == OM_INVALID || s1 == OM_NOMEM);
      FUZZ_ASSERT(s2 == OM_OK || s2 == OM_INVALID || s2 == OM_NOMEM);
      if (s1 == OM_OK && s2 == OM_OK) {
        om_wbuf w1, w2;
        om_wbuf_init(&w1);
        om_wbuf_init(&w2);
        FUZZ_ASSERT(bl_state_encode(&ab, &w1, &err) == OM_OK);
        FUZZ_ASSERT(bl_state_encode(&ba, &w2, &err) == OM_OK);
        FUZZ_ASSERT(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0);
        om_wbuf_free(&w1);
        om_wbuf_free(&w2);
        check_state(&ab, NULL, 0);
      }
      bl_state_free(&ab);
      bl_state_free(&ba);
    }
    kb->close(mb);
    mdl_view_free(&vb);
  }
  ka->close(ma);
  mdl_view_free(&va);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  om_err err;
  if (size < 1) return 0;
  if (data[0] & 0x80) {
    fuzz_merge(data + 1, size - 1);
  } else {
    mdl_view v;
    const mdl_kind_def *k;
    void *model;
    static uint8_t buf[1 << 16];
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    if ((data[0] & 0x40) && n >= 16 && n <= sizeof buf) {
      uint64_t h;
      memcpy(buf, in, n);
      h = XXH3_64bits(buf, n - 8);
      for (int i = 0; i < 8; i++) buf[n - 8 + i] = (uint8_t)(h >> (8 * i));
      in = buf;
    }
    if (mdl_decode(in, n, &v, &k, &model, &err) != OM_OK) {
      FUZZ_ASSERT(err.msg[0] != 0);
      return 0;
    }
    if (v.kind == MDL_KIND_BASELINE_STATE) check_state(model, v.payload, v.payload_len);
    k->close(model);
    mdl_view_free(&v);
  }
  return 0;
}
