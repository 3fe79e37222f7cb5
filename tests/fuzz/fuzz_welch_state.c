/*
** fuzz_welch_state.c — libFuzzer target for the welch_state kind
** (ext/core/stats/st_welch_state.h): its payload decoder, the envelope
** through the kind table, and the merge.  How to build and run:
** tests/fuzz/README.md (`make fuzz-quick` runs it):
**   make build-fuzz/fuzz_welch_state
**   mkdir -p build-fuzz/welch_state && build-fuzz/fuzz_welch_state -max_total_time=60 build-fuzz/welch_state tests/fuzz/corpus_welch_state
**
** Input layout: byte 0 chooses.
**   bit 7 set — MERGE: u32 length L, then two payloads (L bytes, and the
**     rest) for st_wstate_decode, merged group by group as the SQL layer
**     does when both decode and hold at most two labels in all.
**   bit 7 clear, bit 6 set — ENVELOPE: the rest is a whole BLOB for
**     mdl_decode (the kind table picks the decoder).
**   otherwise — PAYLOAD: the rest is a welch_state payload.
** Properties:
**   1. A payload that decodes re-encodes to exactly its bytes, renders its
**      model_info detail, and its groups' moments feed st_welch_ttest
**      (OM_OK or OM_INVALID, never a crash); its envelope (st_wstate_write)
**      opens through mdl_decode into the same payload.
**   2. An envelope that opens as a welch_state has a payload with property 1.
**   3. A merge of two decoded states encodes, decodes and re-encodes to the
**      same bytes; merged the other way round, its sums are the same (the
**      bytes too when the matched labels are written alike).
** Seeds: tests/fuzz/corpus_welch_state/ (written by
** `fixtures/welch_state/make_welch_state.py --seeds`).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_kind.h"
#include "st_welch_state.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_welch_state: property failed at line %d: %s\n", __LINE__, #c);                          \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void check_state(const st_wstate *s, const uint8_t *bytes, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_wbuf_init(&w);
  FUZZ_ASSERT(st_wstate_encode(s, &w, &err) == OM_OK);
  if (bytes) FUZZ_ASSERT(w.len == n && memcmp(w.data, bytes, n) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(st_wstate_info(s, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  {
    st_moments m[2];
    st_welch_result r;
    st_sums t;
    om_status st;
    memset(m, 0, sizeof m);
    for (int i = 0; i < s->n_groups; i++) {
      t = s->g[i].sums;
      st_sums_moments(&t, &m[i]);
    }
    st = st_welch_ttest(&m[0], &m[1], s->alt, s->confidence, &r, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  }
  om_wbuf_reset(&w);
  FUZZ_ASSERT(st_wstate_write(s, &w, &err) == OM_OK);
  FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  FUZZ_ASSERT(v.kind == MDL_KIND_WELCH_STATE);
  {
    om_wbuf w2;
    om_wbuf_init(&w2);
    FUZZ_ASSERT(st_wstate_encode(model, &w2, &err) == OM_OK);
    FUZZ_ASSERT(w2.len == v.payload_len && memcmp(w2.data, v.payload, w2.len) == 0);
    om_wbuf_free(&w2);
  }
  k->close(model);
  mdl_view_free(&v);
  om_wbuf_free(&w);
}

/* dst = a merged with b as the SQL layer merges (labels matched by
** st_wlabel_cmp, the first seen kept, sorted).  0, or 1 when there are more
** than two labels. */
static int merge(const st_wstate *a, const st_wstate *b, st_wstate *dst) {
  om_err err;
  *dst = *a;
  for (int i = 0; i < b->n_groups; i++) {
    int k;
    for (k = 0; k < dst->n_groups; k++)
      if (st_wlabel_cmp(&dst->g[k].label, &b->g[i].label) == 0) break;
    if (k == dst->n_groups) {
      if (k == ST_WSTATE_MAX_GROUPS) return 1;
      memset(&dst->g[k], 0, sizeof dst->g[k]);
      dst->g[k].label = b->g[i].label;
      dst->n_groups++;
    }
    FUZZ_ASSERT(st_sums_merge(&dst->g[k].sums, &b->g[i].sums, &err) == OM_OK); /* counts checked first */
  }
  if (dst->n_groups == 2 && st_wlabel_cmp(&dst->g[0].label, &dst->g[1].label) > 0) {
    st_wgroup t = dst->g[0];
    dst->g[0] = dst->g[1];
    dst->g[1] = t;
  }
  return 0;
}

static int labels_alike(const st_wlabel *x, const st_wlabel *y) {
  return x->type == y->type && (x->type == ST_WLABEL_INT ? x->i == y->i
                                : x->type == ST_WLABEL_REAL ? memcmp(&x->r, &y->r, sizeof x->r) == 0
                                                            : x->len == y->len);
}

static void fuzz_merge(const uint8_t *p, size_t n) {
  static st_wstate a, b, ab, ba, back;
  om_wbuf w1, w2, w3;
  om_err err;
  uint32_t len;
  int alike = 1;
  if (n < 4) return;
  len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  p += 4;
  n -= 4;
  if (len > n) return;
  if (st_wstate_decode(p, len, &a, &err) != OM_OK || st_wstate_decode(p + len, n - len, &b, &err) != OM_OK) return;
  if ((uint64_t)(a.g[0].sums.n) + (uint64_t)a.g[1].sums.n + (uint64_t)b.g[0].sums.n + (uint64_t)b.g[1].sums.n >
      (uint64_t)INT64_MAX)
    return; /* "too many rows" */
  if (merge(&a, &b, &ab) || merge(&b, &a, &ba)) return;
  FUZZ_ASSERT(ab.n_groups == ba.n_groups);
  om_wbuf_init(&w1);
  om_wbuf_init(&w2);
  om_wbuf_init(&w3);
  FUZZ_ASSERT(st_wstate_encode(&ab, &w1, &err) == OM_OK);
  FUZZ_ASSERT(st_wstate_decode(w1.data, w1.len, &back, &err) == OM_OK);
  FUZZ_ASSERT(st_wstate_encode(&back, &w3, &err) == OM_OK);
  FUZZ_ASSERT(w3.len == w1.len && memcmp(w1.data, w3.data, w1.len) == 0);
  for (int i = 0; i < ab.n_groups; i++) {
    st_moments m1, m2;
    st_sums t1 = ab.g[i].sums, t2 = ba.g[i].sums;
    FUZZ_ASSERT(t1.n == t2.n);
    st_sums_moments(&t1, &m1);
    st_sums_moments(&t2, &m2);
    FUZZ_ASSERT(memcmp(&m1, &m2, sizeof m1) == 0);
    alike &= labels_alike(&ab.g[i].label, &ba.g[i].label);
  }
  ba.alt = ab.alt; /* the settings are the first state's */
  ba.confidence = ab.confidence;
  FUZZ_ASSERT(st_wstate_encode(&ba, &w2, &err) == OM_OK);
  if (alike) FUZZ_ASSERT(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0);
  om_wbuf_free(&w1);
  om_wbuf_free(&w2);
  om_wbuf_free(&w3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static st_wstate s;
  om_err err;
  if (size < 1) return 0;
  if (data[0] & 0x80) {
    fuzz_merge(data + 1, size - 1);
  } else if (data[0] & 0x40) {
    mdl_view v;
    const mdl_kind_def *k;
    void *model;
    if (mdl_decode(data + 1, size - 1, &v, &k, &model, &err) != OM_OK) return 0;
    if (v.kind == MDL_KIND_WELCH_STATE) check_state(model, v.payload, v.payload_len);
    k->close(model);
    mdl_view_free(&v);
  } else if (st_wstate_decode(data + 1, size - 1, &s, &err) == OM_OK) {
    check_state(&s, data + 1, size - 1);
  } else {
    FUZZ_ASSERT(err.msg[0] != 0);
  }
  return 0;
}
