/*
** fuzz_mahalanobis_state.c — libFuzzer target for the mahalanobis_state
** kind (ext/core/robust/mah_state.h): the envelope through the kind table,
** the payload decoder, the merge and the model a state finishes into.
** How to build and run: tests/fuzz/README.md (`make fuzz-quick` runs it):
**   make build-fuzz/fuzz_mahalanobis_state
**   mkdir -p build-fuzz/mahalanobis_state && build-fuzz/fuzz_mahalanobis_state -max_total_time=60 build-fuzz/mahalanobis_state tests/fuzz/corpus_mahalanobis_state
**
** Input layout: byte 0 chooses.
**   bit 7 set — MERGE: u32 length L, then two envelopes (L bytes, and the
**     rest), each through mdl_decode; when both are mahalanobis_states they
**     are merged both ways round.
**   bit 7 clear, bit 6 set — FIXED: the rest is an envelope whose checksum
**     footer is recomputed first (XXH3-64), so mutations reach the schema,
**     meta and payload decoders; then as ENVELOPE.
**   otherwise — ENVELOPE: the rest is a whole BLOB for mdl_decode.
** Properties:
**   1. A mahalanobis_state that decodes re-encodes to exactly its payload,
**      renders its model_info detail, writes an envelope that decodes to the
**      same payload, and finishes (mah_state_model) into a 'mahalanobis'
**      model that loads, or into OM_INVALID / OM_INTERNAL (values too large,
**      no complete row, a covariance that rounding left invalid) — never a
**      crash.
**   2. Two states merge either way round with the same status (OM_OK or
**      OM_INVALID: options, features, too many rows); merged, the row counts
**      add up and the result has property 1.  (The totals of a merge depend
**      on the order within rounding: bytes are not compared.)
** Seeds: tests/fuzz/corpus_mahalanobis_state/ (written by
** `fixtures/mahalanobis_state/make_mahalanobis_state.py --seeds`).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "mah_state.h"
#include "mdl_kind.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_mahalanobis_state: property failed at line %d: %s\n", __LINE__, #c);                    \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void check_state(mah_state *s, const uint8_t *payload, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_status st;
  om_wbuf_init(&w);
  FUZZ_ASSERT(mah_state_encode(s, &w, &err) == OM_OK);
  if (payload) FUZZ_ASSERT(w.len == n && memcmp(w.data, payload, n) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(mah_state_info(s, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  om_wbuf_reset(&w);
  FUZZ_ASSERT(mah_state_write(s, &w, &err) == OM_OK);
  FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  FUZZ_ASSERT(v.kind == MDL_KIND_MAHALANOBIS_STATE);
  {
    om_wbuf w2;
    om_wbuf_init(&w2);
    FUZZ_ASSERT(mah_state_encode(model, &w2, &err) == OM_OK);
    FUZZ_ASSERT(w2.len == v.payload_len && memcmp(w2.data, v.payload, w2.len) == 0);
    om_wbuf_free(&w2);
  }
  k->close(model);
  mdl_view_free(&v);
  om_wbuf_reset(&w);
  if (s->feats) {
    st = mah_state_model(s, NULL, &w, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID || st == OM_INTERNAL);
    if (st == OM_OK) {
      FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
      FUZZ_ASSERT(v.kind == MDL_KIND_MAHALANOBIS);
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
    if (va.kind == MDL_KIND_MAHALANOBIS_STATE && vb.kind == MDL_KIND_MAHALANOBIS_STATE) {
      mah_state ab, ba;
      om_status s1, s2;
      mah_state *a = ma, *b = mb;
      uint64_t used = mah_state_rows_used(a) + mah_state_rows_used(b);
      uint64_t skipped = mah_state_rows_skipped(a) + mah_state_rows_skipped(b);
      mah_state_init(&ab, &a->o);
      mah_state_init(&ba, &a->o);
      s1 = mah_state_merge(&ab, a, &err);
      if (s1 == OM_OK) s1 = mah_state_merge(&ab, b, &err);
      s2 = mah_state_merge(&ba, b, &err);
      if (s2 == OM_OK) s2 = mah_state_merge(&ba, a, &err);
      FUZZ_ASSERT(s1 == OM_OK || s1 == OM_INVALID || s1 == OM_NOMEM);
      FUZZ_ASSERT(s2 == OM_OK || s2 == OM_INVALID || s2 == OM_NOMEM);
      if (s1 != OM_NOMEM && s2 != OM_NOMEM) FUZZ_ASSERT(s1 == s2);
      if (s1 == OM_OK && s2 == OM_OK) {
        FUZZ_ASSERT(mah_state_rows_used(&ab) == used && mah_state_rows_used(&ba) == used);
        FUZZ_ASSERT(mah_state_rows_skipped(&ab) == skipped && mah_state_rows_skipped(&ba) == skipped);
        check_state(&ab, NULL, 0);
        check_state(&ba, NULL, 0);
      }
      mah_state_free(&ab);
      mah_state_free(&ba);
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
    if (v.kind == MDL_KIND_MAHALANOBIS_STATE) check_state(model, v.payload, v.payload_len);
    k->close(model);
    mdl_view_free(&v);
  }
  return 0;
}
