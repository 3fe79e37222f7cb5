/*
** fuzz_scaler_state.c — libFuzzer target for the scaler_state kind
** (ext/core/prep/scl_state.h): the envelope through the kind table, the
** payload decoder, the merge and the model it finishes into.  How to build
** and run: tests/fuzz/README.md (`make fuzz-quick` runs it):
**   make build-fuzz/fuzz_scaler_state
**   mkdir -p build-fuzz/scaler_state && build-fuzz/fuzz_scaler_state -max_total_time=60 build-fuzz/scaler_state tests/fuzz/corpus_scaler_state
**
** Input layout: byte 0 chooses.
**   bit 7 set — MERGE: u32 length L, then two envelopes (L bytes, and the
**     rest), each decoded, then merged as scaler_train_state(state) does.
**   otherwise — ONE: the rest is an envelope.
** Each envelope gets its checksum recomputed first (the last 8 bytes), so
** mutations reach the payload checks instead of stopping at the checksum.
** Properties:
**   1. An envelope that opens as a scaler_state re-encodes (scl_state_encode)
**      to exactly its payload bytes, renders its model_info detail, and
**      finishes into a scaler model (OM_OK, or OM_INVALID for a center or
**      scale beyond the double range) that scl_model_open opens.
**   2. A merge of two decoded states is OM_OK or OM_INVALID (different
**      methods, features or types); when OM_OK, its envelope reopens and
**      re-encodes to the same payload, and finishes as in 1.
** Seeds: tests/fuzz/corpus_scaler_state/ (written by
** `fixtures/scaler_state/make_scaler_state.py --seeds`).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "mdl_kind.h"
#include "scl_state.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_scaler_state: property failed at line %d: %s\n", __LINE__, #c);                         \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

/* Property 1 (payload: the bytes it came from, or NULL). */
static void check_state(scl_state *s, const uint8_t *payload, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  om_status st;
  om_wbuf_init(&w);
  FUZZ_ASSERT(scl_state_encode(s, &w, &err) == OM_OK);
  if (payload) FUZZ_ASSERT(w.len == n && memcmp(w.data, payload, n) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(scl_state_info(s, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  om_wbuf_reset(&w);
  if (s->rows_used > 0) {
    st = scl_state_model(s, &w, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID || st == OM_NOMEM);
    if (st == OM_OK) {
      scl_model m;
      FUZZ_ASSERT(scl_model_open(w.data, w.len, &m, &err) == OM_OK);
      scl_model_free(&m);
    }
  }
  om_wbuf_free(&w);
}

/* Open one envelope (its checksum fixed first) as a scaler_state. */
static int open_state(const uint8_t *data, size_t n, uint8_t **copy, mdl_view *v, scl_state **s) {
  const mdl_kind_def *k;
  void *model;
  om_err err;
  *copy = NULL;
  *s = NULL;
  if (n < MDL_HEADER_SIZE + MDL_FOOTER_SIZE) return 0;
  *copy = malloc(n);
  if (!*copy) return 0;
  memcpy(*copy, data, n);
  {
    uint64_t h = XXH3_64bits(*copy, n - 8);
    for (int i = 0; i < 8; i++) (*copy)[n - 8 + i] = (uint8_t)(h >> (8 * i));
  }
  if (mdl_decode(*copy, n, v, &k, &model, &err) != OM_OK) return 0;
  if (k->code != MDL_KIND_SCALER_STATE) {
    k->close(model);
    mdl_view_free(v);
    return 0;
  }
  *s = model;
  return 1;
}

static void close_state(uint8_t *copy, mdl_view *v, scl_state *s) {
  if (s) {
    scl_state_free(s);
    om_free(s);
    mdl_view_free(v);
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 0x80) {
    uint32_t l;
    uint8_t *c1, *c2;
    mdl_view v1, v2;
    scl_state *a, *b;
    if (size < 5) return 0;
    l = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
    if (l > size - 5) return 0;
    open_state(data + 5, l, &c1, &v1, &a);
    open_state(data + 5 + l, size - 5 - l, &c2, &v2, &b);
    if (a && b) {
      om_err err;
      om_status st = scl_state_merge(a, b, &err);
      FUZZ_ASSERT(st == OM_OK || st == OM_INVALID || st == OM_NOMEM);
      if (st == OM_OK) {
        om_wbuf w, p1;
        mdl_view v;
        scl_state r;
        om_wbuf_init(&w);
        om_wbuf_init(&p1);
        FUZZ_ASSERT(scl_state_write(a, &w, &err) == OM_OK);
        FUZZ_ASSERT(mdl_open(w.data, w.len, &v, &err) == OM_OK);
        FUZZ_ASSERT(scl_state_decode(&v, &r, &err) == OM_OK);
        FUZZ_ASSERT(scl_state_encode(&r, &p1, &err) == OM_OK);
        FUZZ_ASSERT(p1.len == v.payload_len && memcmp(p1.data, v.payload, p1.len) == 0);
        check_state(&r, NULL, 0);
        scl_state_free(&r);
        mdl_view_free(&v);
        om_wbuf_free(&w);
        om_wbuf_free(&p1);
      }
    }
    close_state(c1, &v1, a);
    close_state(c2, &v2, b);
  } else {
    uint8_t *c;
    mdl_view v;
    scl_state *s;
    if (open_state(data + 1, size - 1, &c, &v, &s)) check_state(s, v.payload, v.payload_len);
    close_state(c, &v, s);
  }
  return 0;
}
