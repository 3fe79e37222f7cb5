/*
** fuzz_bandit.c — libFuzzer target for the bandit kind (ext/core/bandit):
** its payload decoder, the envelope through the kind table, and the
** update/merge core.  How to build and run: tests/fuzz/README.md
** (`make fuzz-quick` runs it):
**   make build-fuzz/fuzz_bandit
**   mkdir -p build-fuzz/bandit && build-fuzz/fuzz_bandit -max_total_time=60 build-fuzz/bandit tests/fuzz/corpus_bandit
**
** Input layout: byte 0 chooses.
**   bit 7 clear — DECODE: bit 6 set: the rest is a whole envelope for
**     mdl_decode (the kind table picks the decoder); clear: the rest is a
**     bandit payload for bd_decode_payload.
**   bit 7 set — UPDATE: byte 1 = options: policy (low 3 bits, mod 5: not linucb), reward
**     (bit 3: gaussian), epsilon decay (bit 4: c = 3, d = 0.2); then
**     records of 10 bytes: u8 arm (bit 7: TEXT of (low 2 bits + 1) copies of
**     'a' + low 7 bits, else INTEGER low 7 bits − 64; 0xff: a REAL from the
**     reward bytes), u8 flags (bit 0: the reward is NULL), f64 reward (NaN,
**     ±Inf, huge and out-of-range rewards must be refused), at most 4096
**     records.
** Properties:
**   1. A payload that decodes re-encodes to exactly its bytes, renders its
**      model_info detail, chooses an arm in range for several seeds, and
**      gives statistics with p_best in [0, 1] summing to 1, finite means
**      for played arms and ci_low ≤ ci_high.
**   2. Updating returns OM_OK, or OM_INVALID for a refused reward (then the
**      reward is non-finite, beyond ±1e100 or, for bernoulli, outside
**      [0, 1]); a finished state writes an envelope that mdl_decode opens
**      into the same payload bytes; for every policy but discounted_ucb
**      the merge of the states of the two halves of the records is the
**      same payload.
** Seeds: tests/fuzz/corpus_bandit/ (written by
** `fixtures/models/make_bandit_v1.py --seeds`: the committed fixture
** fixtures/models/bandit_v1.hex as an envelope and as a payload, states of
** every policy, and update records).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ext/core/bandit/bd.h"
#include "mdl_kind.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_bandit: property failed at line %d: %s\n", __LINE__, #c);                               \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void check_state(const bd_state *s, const uint8_t *bytes, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  bd_arm_stats *st;
  om_wbuf_init(&w);
  FUZZ_ASSERT(bd_encode_payload(s, &w) == OM_OK);
  if (bytes) FUZZ_ASSERT(w.len == n && memcmp(w.data, bytes, n) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(bd_info_json(s, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  om_wbuf_free(&w);
  FUZZ_ASSERT(s->n_arms >= 1 && s->n_arms <= BD_MAX_ARMS);
  for (uint64_t seed = 0; seed < 4; seed++) FUZZ_ASSERT(bd_choose(s, seed * 0x9e3779b97f4a7c15ull) < s->n_arms);
  if (s->n_arms > 64) return; /* the statistics cost K·10,000 draws */
  st = malloc(s->n_arms * sizeof *st);
  FUZZ_ASSERT(st);
  FUZZ_ASSERT(bd_stats(s, st, &err) == OM_OK);
  {
    double total = 0;
    for (size_t i = 0; i < s->n_arms; i++) {
      FUZZ_ASSERT(st[i].p_best >= 0 && st[i].p_best <= 1);
      total += st[i].p_best;
      if (st[i].n) FUZZ_ASSERT(isfinite(st[i].mean));
      if (!isnan(st[i].ci_low)) FUZZ_ASSERT(st[i].ci_low <= st[i].ci_high);
    }
    FUZZ_ASSERT(fabs(total - 1) < 1e-9);
  }
  free(st);
}

static void decode_case(const uint8_t *data, size_t size) {
  bd_state s;
  om_err err;
  om_status st;
  if (data[0] & 0x40) {
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    st = mdl_decode(data + 1, size - 1, &v, &k, &m, &err);
    if (st != OM_OK) return;
    if (v.kind == MDL_KIND_BANDIT) check_state(m, v.payload, v.payload_len);
    k->close(m);
    mdl_view_free(&v);
    return;
  }
  st = bd_decode_payload(data + 1, size - 1, 0, NULL, 0, &s, &err); /* linucb needs the envelope's schema */
  if (st != OM_OK) {
    FUZZ_ASSERT(st == OM_CORRUPT || st == OM_NOMEM);
    FUZZ_ASSERT(s.arms == NULL && s.n_arms == 0);
    return;
  }
  check_state(&s, data + 1, size - 1);
  bd_state_free(&s);
}

static void payload_of(bd_state *s, om_wbuf *w) {
  om_wbuf_init(w);
  FUZZ_ASSERT(bd_encode_payload(s, w) == OM_OK);
}

static void update_case(const uint8_t *data, size_t size) {
  bd_options o;
  bd_state all, half[2];
  om_err err;
  om_status st = OM_OK;
  size_t recs = size > 2 ? (size - 2) / 10 : 0;
  uint8_t ob = size > 1 ? data[1] : 0;
  int failed = 0;
  memset(&o, 0, sizeof o);
  o.policy = (bd_policy)((ob & 7) % BD_LINUCB); /* linucb needs contexts: the envelope seeds cover it */
  o.reward = (ob & 8) ? BD_GAUSSIAN : BD_BERNOULLI;
  if (o.policy == BD_EPSILON_GREEDY) {
    if (ob & 16) {
      o.c = 3;
      o.d = 0.2;
    } else o.epsilon = 0.1;
  }
  if (o.policy == BD_DISCOUNTED_UCB) {
    o.gamma = 0.9;
    o.xi = 0.6;
  }
  if (o.policy == BD_UCB1 || o.policy == BD_UCB_TUNED || o.policy == BD_DISCOUNTED_UCB) o.scale = 1;
  FUZZ_ASSERT(bd_options_check(&o, &err) == OM_OK);
  if (recs > 4096) recs = 4096;
  bd_state_init(&all, &o);
  bd_state_init(&half[0], &o);
  bd_state_init(&half[1], &o);
  for (size_t r = 0; r < recs; r++) {
    const uint8_t *p = data + 2 + r * 10;
    char text[8];
    bd_label l;
    double x = om_f64_from_bits(om_load_u64(p + 2));
    int has = !(p[1] & 1);
    memset(&l, 0, sizeof l);
    if (p[0] == 0xff) {
      int64_t i;
      if (!isfinite(x)) continue;
      if (bd_real_is_int(x, &i)) {
        l.type = BD_LABEL_INT;
        l.i = i;
      } else {
        l.type = BD_LABEL_REAL;
        l.r = x;
      }
    } else if (p[0] & 0x80) {
      int n = (p[0] & 3) + 1;
      for (int c = 0; c < n; c++) text[c] = (char)('a' + (p[0] & 0x7f) % 26);
      l.type = BD_LABEL_TEXT;
      l.text = text;
      l.len = (uint16_t)n;
    } else {
      l.type = BD_LABEL_INT;
      l.i = (int64_t)(p[0] & 0x7f) - 64;
    }
    st = bd_state_add(&all, &l, has, x, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    if (st == OM_INVALID) {
      FUZZ_ASSERT(has && (!isfinite(x) || fabs(x) > BD_MAX_REWARD || (o.reward == BD_BERNOULLI && !(x >= 0 && x <= 1))));
      failed = 1;
      break;
    }
    FUZZ_ASSERT(bd_state_add(&half[r * 2 >= recs], &l, has, x, &err) == OM_OK);
  }
  if (!failed && all.n_arms > 0) {
    om_wbuf w, pw;
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    om_wbuf_init(&w);
    FUZZ_ASSERT(bd_write(&all, &w, &err) == OM_OK);
    FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &m, &err) == OM_OK);
    payload_of(&all, &pw);
    FUZZ_ASSERT(pw.len == v.payload_len && memcmp(pw.data, v.payload, pw.len) == 0);
    check_state(m, v.payload, v.payload_len);
    if (o.policy != BD_DISCOUNTED_UCB) {
      om_wbuf mw;
      FUZZ_ASSERT(bd_state_merge(&half[0], &half[1], &err) == OM_OK);
      payload_of(&half[0], &mw);
      FUZZ_ASSERT(mw.len == pw.len && memcmp(mw.data, pw.data, pw.len) == 0);
      om_wbuf_free(&mw);
    }
    k->close(m);
    mdl_view_free(&v);
    om_wbuf_free(&w);
    om_wbuf_free(&pw);
  }
  bd_state_free(&all);
  bd_state_free(&half[0]);
  bd_state_free(&half[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 0x80) update_case(data, size);
  else decode_case(data, size);
  return 0;
}
