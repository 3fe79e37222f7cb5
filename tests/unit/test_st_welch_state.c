/*
** test_st_welch_state.c — the welch_state codec, merge and kind row
** (st_welch_state.h, st_welch_kind.c).
**
** 1. Label order (behaviour 1): numbers before text, 1 == 1.0, integers
**    beyond 2^53, bytewise text, the empty text.
** 2. Round trip (behaviour 3, 4): states of random and extreme data (1e300
**    spikes, DBL_MAX, subnormals, negative sums, one row, constant data)
**    encode, decode and re-encode to the same bytes, with the same moments.
** 3. Merge algebra (behaviour 2, 3): the states of any split of the rows,
**    merged in any order and any grouping (left fold, right fold, pairwise
**    tree, reversed), encode to exactly the bytes of the state of all rows
**    (commutative and associative, byte for byte); the Welch test of the
**    merged sums equals the test of all rows bit for bit; n overflow.
** 4. Corruption (behaviour 4): every truncation, every single-byte change
**    (OM_OK with a re-encodable state, or OM_CORRUPT with a message, never
**    a crash), and each named corrupt case with its reason.
** 5. The envelope and the kind row (behaviours 5-7): write → mdl_decode →
**    kind welch_state, model_info detail, a newer payload version, a bad
**    rows_used, a schema; out of memory at every allocation (OM_NOMEM, no
**    leak).
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "mdl_kind.h"
#include "om_json.h"
#include "om_test.h"
#include "st_welch_state.h"

/* ---------------------------------------------------------------- helpers */

static st_wlabel lint(int64_t i) {
  st_wlabel l = {0};
  l.type = ST_WLABEL_INT;
  l.i = i;
  return l;
}
static st_wlabel lreal(double r) {
  st_wlabel l = {0};
  l.type = ST_WLABEL_REAL;
  l.r = r;
  return l;
}
static st_wlabel ltext(const char *s) {
  st_wlabel l = {0};
  l.type = ST_WLABEL_TEXT;
  l.text = s;
  l.len = (uint32_t)strlen(s);
  return l;
}

/* A state of the values x[i] with group gi[i] (0 or 1) of two labels. */
static void make_state(st_wstate *s, const double *x, const int *gi, size_t n, st_wlabel la, st_wlabel lb) {
  memset(s, 0, sizeof *s);
  s->alt = ST_TWO_SIDED;
  s->confidence = 0.95;
  s->g[0].label = la;
  s->g[1].label = lb;
  for (size_t i = 0; i < n; i++) st_sums_add(&s->g[gi[i]].sums, x[i], NULL);
  s->n_groups = 2;
}

/* Encode s (after dropping empty groups, as the SQL layer does) into w. */
static om_status encode(const st_wstate *s, om_wbuf *w) {
  st_wstate t = *s;
  om_err err;
  int k = 0;
  for (int i = 0; i < s->n_groups; i++)
    if (s->g[i].sums.n > 0) t.g[k++] = s->g[i];
  t.n_groups = k;
  om_wbuf_reset(w);
  return st_wstate_encode(&t, w, &err);
}

/* dst += src, group by group (both hold the same two labels). */
static void merge_into(st_wstate *dst, const st_wstate *src) {
  om_err err;
  for (int i = 0; i < 2; i++) CHECK(st_sums_merge(&dst->g[i].sums, &src->g[i].sums, &err) == OM_OK);
}

static int same_bytes(const om_wbuf *a, const om_wbuf *b) {
  return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static int same_moments(st_sums *a, st_sums *b) {
  st_moments ma, mb;
  st_sums_moments(a, &ma);
  st_sums_moments(b, &mb);
  return memcmp(&ma, &mb, sizeof ma) == 0;
}

/* A value of the random streams: mostly ordinary, sometimes extreme. */
static double draw(uint64_t *rs, int extreme) {
  double u = om_test_unif(rs), v = om_test_unif(rs);
  if (!extreme) return 1e6 + 100.0 * u;
  if (v < 0.05) return u < 0.5 ? 1e300 : -1e300;
  if (v < 0.08) return u < 0.5 ? DBL_MAX : -DBL_MAX;
  if (v < 0.12) return (u - 0.5) * 1e-310; /* subnormal */
  if (v < 0.15) return 0.0;
  return (u - 0.7) * 1e3;
}

/* ------------------------------------------------------------------- 1 */

static void test_labels(void) {
  st_wlabel a = lint(1), b = lreal(1.0), c = lreal(1.5), t = ltext("A"), u = ltext("a"), e = ltext("");
  CHECK(st_wlabel_cmp(&a, &b) == 0 && st_wlabel_cmp(&b, &a) == 0);
  CHECK(st_wlabel_cmp(&a, &c) < 0 && st_wlabel_cmp(&c, &b) > 0);
  CHECK(st_wlabel_cmp(&c, &t) < 0 && st_wlabel_cmp(&t, &a) > 0); /* numbers before text */
  CHECK(st_wlabel_cmp(&t, &u) < 0);                              /* 'A' < 'a' bytewise */
  CHECK(st_wlabel_cmp(&e, &t) < 0 && st_wlabel_cmp(&e, &c) > 0);
  {
    st_wlabel big = lint(((int64_t)1 << 53) + 1), bigr = lreal(9007199254740992.0); /* 2^53 */
    CHECK(st_wlabel_cmp(&big, &bigr) > 0 && st_wlabel_cmp(&bigr, &big) < 0);
  }
  {
    st_wlabel ab = ltext("ab"), abc = ltext("abc");
    CHECK(st_wlabel_cmp(&ab, &abc) < 0 && st_wlabel_cmp(&abc, &ab) > 0 && st_wlabel_cmp(&ab, &ab) == 0);
  }
}

/* ------------------------------------------------------------------- 2 */

static void round_trip(const st_wstate *s, const char *what) {
  om_wbuf w1, w2;
  st_wstate d;
  om_err err;
  om_status st;
  om_wbuf_init(&w1);
  om_wbuf_init(&w2);
  CHECK_MSG(encode(s, &w1) == OM_OK, "%s", what);
  st = st_wstate_decode(w1.data, w1.len, &d, &err);
  CHECK_MSG(st == OM_OK, "%s: %s", what, err.msg);
  if (st == OM_OK) {
    CHECK_MSG(encode(&d, &w2) == OM_OK && same_bytes(&w1, &w2), "%s", what);
    for (int i = 0, k = 0; i < s->n_groups; i++) {
      st_sums a = s->g[i].sums;
      if (a.n == 0) continue;
      CHECK_MSG(same_moments(&a, &d.g[k].sums), "%s group %d", what, i);
      CHECK(st_wlabel_cmp(&s->g[i].label, &d.g[k].label) == 0);
      k++;
    }
  }
  om_wbuf_free(&w1);
  om_wbuf_free(&w2);
}

static void test_round_trip(void) {
  static double x[2000];
  static int gi[2000];
  st_wstate *s = malloc(sizeof *s);
  uint64_t rs = 42;
  char what[64];
  for (int ex = 0; ex < 2; ex++)
    for (int rep = 0; rep < 20; rep++) {
      size_t n = 1 + (size_t)(om_test_unif(&rs) * 1999);
      for (size_t i = 0; i < n; i++) {
        x[i] = draw(&rs, ex);
        gi[i] = om_test_unif(&rs) < 0.5;
      }
      make_state(s, x, gi, n, lint(-3), ltext("réd"));
      snprintf(what, sizeof what, "random ex=%d rep=%d", ex, rep);
      round_trip(s, what);
    }
  {
    double c[] = {DBL_MAX, DBL_MAX, DBL_MAX, -5e-324, 5e-324, 2.5};
    int g[] = {0, 0, 0, 1, 1, 1};
    make_state(s, c, g, 6, lreal(-0.5), lreal(1e300));
    round_trip(s, "DBL_MAX and subnormals");
  }
  {
    double c[] = {-1e300, -2e300, -3.0};
    int g[] = {0, 0, 1};
    make_state(s, c, g, 3, ltext(""), ltext("zz"));
    round_trip(s, "negative sums, empty label");
  }
  {
    double c[] = {0.0, 0.0, 7.0};
    int g[] = {0, 0, 1};
    make_state(s, c, g, 3, lint(0), lint(1));
    round_trip(s, "zero sums, one row");
    s->n_groups = 1;
    round_trip(s, "one group");
  }
  free(s);
}

/* ------------------------------------------------------------------- 3 */

static void test_merge(void) {
  enum { N = 3000, P = 6 };
  static double x[N];
  static int gi[N], part[N];
  st_wstate *whole = malloc(sizeof *whole), *parts = malloc(P * sizeof *parts), *acc = malloc(sizeof *acc),
            *acc2 = malloc(sizeof *acc2);
  om_wbuf ww, wa;
  uint64_t rs = 7;
  om_wbuf_init(&ww);
  om_wbuf_init(&wa);
  for (int ex = 0; ex < 2; ex++)
    for (int rep = 0; rep < 12; rep++) {
      int mode = rep % 4;
      for (int i = 0; i < N; i++) {
        x[i] = draw(&rs, ex);
        gi[i] = mode == 2 ? (i >= N / 2) : om_test_unif(&rs) < 0.4;
        /* splits: random parts, ranges, one group per part, parts of 1 and 0 rows */
        part[i] = mode == 0   ? (int)(om_test_unif(&rs) * P)
                  : mode == 1 ? i * P / N
                  : mode == 2 ? gi[i]
                              : (i == 0 ? 0 : i < 5 ? 1 : 2 + (i % 3));
      }
      make_state(whole, x, gi, N, lint(1), lint(2));
      CHECK(encode(whole, &ww) == OM_OK);
      for (int p = 0; p < P; p++) {
        memset(&parts[p], 0, sizeof parts[p]);
        parts[p] = *whole;
        memset(&parts[p].g[0].sums, 0, sizeof(st_sums));
        memset(&parts[p].g[1].sums, 0, sizeof(st_sums));
      }
      for (int i = 0; i < N; i++) st_sums_add(&parts[part[i]].g[gi[i]].sums, x[i], NULL);
      /* left fold */
      *acc = parts[0];
      for (int p = 1; p < P; p++) merge_into(acc, &parts[p]);
      CHECK(encode(acc, &wa) == OM_OK);
      CHECK_MSG(same_bytes(&ww, &wa), "left fold ex=%d rep=%d", ex, rep);
      /* reversed (commutativity) */
      *acc = parts[P - 1];
      for (int p = P - 2; p >= 0; p--) merge_into(acc, &parts[p]);
      CHECK(encode(acc, &wa) == OM_OK);
      CHECK_MSG(same_bytes(&ww, &wa), "reversed ex=%d rep=%d", ex, rep);
      /* pairwise tree ((0+1)+(2+3))+(4+5) (associativity) */
      {
        st_wstate *t01 = malloc(sizeof *t01), *t23 = malloc(sizeof *t23), *t45 = malloc(sizeof *t45);
        *t01 = parts[0];
        merge_into(t01, &parts[1]);
        *t23 = parts[2];
        merge_into(t23, &parts[3]);
        *t45 = parts[4];
        merge_into(t45, &parts[5]);
        merge_into(t01, t23);
        merge_into(t01, t45);
        CHECK(encode(t01, &wa) == OM_OK);
        CHECK_MSG(same_bytes(&ww, &wa), "tree ex=%d rep=%d", ex, rep);
        free(t01);
        free(t23);
        free(t45);
      }
      /* merge of decoded states (what the SQL layer does) */
      memset(acc2, 0, sizeof *acc2);
      *acc2 = *whole;
      memset(&acc2->g[0].sums, 0, sizeof(st_sums));
      memset(&acc2->g[1].sums, 0, sizeof(st_sums));
      for (int p = 0; p < P; p++) {
        om_wbuf wp;
        st_wstate d;
        om_err err;
        om_wbuf_init(&wp);
        if (parts[p].g[0].sums.n + parts[p].g[1].sums.n > 0) {
          CHECK(encode(&parts[p], &wp) == OM_OK);
          CHECK(st_wstate_decode(wp.data, wp.len, &d, &err) == OM_OK);
          for (int k = 0; k < d.n_groups; k++) {
            int gix = st_wlabel_cmp(&d.g[k].label, &acc2->g[0].label) == 0 ? 0 : 1;
            CHECK(st_sums_merge(&acc2->g[gix].sums, &d.g[k].sums, &err) == OM_OK);
          }
        }
        om_wbuf_free(&wp);
      }
      CHECK(encode(acc2, &wa) == OM_OK);
      CHECK_MSG(same_bytes(&ww, &wa), "decoded ex=%d rep=%d", ex, rep);
      /* the test itself: bit for bit */
      {
        st_moments a1, b1, a2, b2;
        st_welch_result r1, r2;
        om_err e1, e2;
        om_status s1, s2;
        st_sums_moments(&whole->g[0].sums, &a1);
        st_sums_moments(&whole->g[1].sums, &b1);
        st_sums_moments(&acc2->g[0].sums, &a2);
        st_sums_moments(&acc2->g[1].sums, &b2);
        s1 = st_welch_ttest(&a1, &b1, ST_TWO_SIDED, 0.95, &r1, &e1);
        s2 = st_welch_ttest(&a2, &b2, ST_TWO_SIDED, 0.95, &r2, &e2);
        CHECK(s1 == s2 && memcmp(&r1, &r2, sizeof r1) == 0);
      }
    }
  /* n overflow */
  {
    st_sums a, b;
    om_err err;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    st_sums_add(&a, 1.0, NULL);
    st_sums_add(&b, 1.0, NULL);
    b.n = INT64_MAX;
    CHECK(st_sums_merge(&a, &b, &err) == OM_INVALID);
    CHECK_STR(err.msg, "too many rows");
    CHECK(a.n == 1);
    memset(&b, 0, sizeof b); /* an empty source changes nothing */
    CHECK(st_sums_merge(&a, &b, &err) == OM_OK && a.n == 1);
  }
  /* states at the bound: n values of DBL_MAX, merged, still decode */
  {
    st_wstate *s = malloc(sizeof *s);
    om_wbuf w;
    st_wstate d;
    om_err err;
    double c[] = {DBL_MAX, DBL_MAX, -DBL_MAX, -DBL_MAX};
    int g[] = {0, 0, 1, 1};
    om_wbuf_init(&w);
    make_state(s, c, g, 4, lint(1), lint(2));
    merge_into(s, s);
    CHECK(encode(s, &w) == OM_OK);
    CHECK(st_wstate_decode(w.data, w.len, &d, &err) == OM_OK);
    om_wbuf_free(&w);
    free(s);
  }
  om_wbuf_free(&ww);
  om_wbuf_free(&wa);
  free(whole);
  free(parts);
  free(acc);
  free(acc2);
}

/* ------------------------------------------------------------------- 4 */

/* A small state whose byte offsets the named cases below rely on:
** header 16 | group 1: 8 + 8 (INTEGER 1) + 8 n + S1 (8 + 4k) + S2 | group 2 'B'. */
static void small_payload(om_wbuf *w) {
  double x[] = {1.5, 2.5, 4.0, -3.0};
  int g[] = {0, 0, 1, 1};
  st_wstate s;
  make_state(&s, x, g, 4, lint(1), ltext("B"));
  CHECK(encode(&s, w) == OM_OK);
}

/* Where group 2 starts in a payload whose group 1 has a number label. */
static size_t group2_at(const uint8_t *p) {
  size_t s1 = 16 + 24, s2 = s1 + 8 + 4 * (size_t)p[s1 + 4];
  return s2 + 8 + 4 * (size_t)p[s2 + 4];
}

static om_status decode_msg(const uint8_t *p, size_t n, char *msg) {
  st_wstate d;
  om_err err;
  om_status st;
  err.msg[0] = 0;
  st = st_wstate_decode(p, n, &d, &err);
  strcpy(msg, err.msg);
  return st;
}

static void expect_corrupt(const uint8_t *p, size_t n, const char *want, const char *what) {
  char msg[256], full[256];
  om_status st = decode_msg(p, n, msg);
  snprintf(full, sizeof full, "welch_state payload is corrupt (%s)", want);
  CHECK_MSG(st == OM_CORRUPT && strcmp(msg, full) == 0, "%s: status %d, \"%s\"", what, (int)st, msg);
}

static void test_corrupt(void) {
  om_wbuf w;
  uint8_t *b;
  size_t n, g1, s1, g2;
  char msg[256];
  om_wbuf_init(&w);
  small_payload(&w);
  n = w.len;
  b = malloc(n + 8);
  /* every truncation */
  for (size_t k = 0; k < n; k++) {
    om_status st = decode_msg(w.data, k, msg);
    CHECK_MSG(st == OM_CORRUPT, "truncated to %zu: %d", k, (int)st);
  }
  /* every byte, every bit and a few values: OK (re-encodes) or CORRUPT */
  for (size_t k = 0; k < n; k++)
    for (int v = 0; v < 12; v++) {
      st_wstate d;
      om_err err;
      om_status st;
      memcpy(b, w.data, n);
      b[k] = v < 8 ? (uint8_t)(b[k] ^ (1u << v)) : v == 8 ? 0 : v == 9 ? 0xff : v == 10 ? 0x80 : 0x7f;
      st = st_wstate_decode(b, n, &d, &err);
      CHECK(st == OM_OK || st == OM_CORRUPT);
      if (st == OM_OK) {
        om_wbuf w2;
        om_wbuf_init(&w2);
        CHECK(st_wstate_encode(&d, &w2, &err) == OM_OK);
        om_wbuf_free(&w2);
      }
    }
  /* offsets */
  g1 = 16;
  s1 = g1 + 8 + 8 + 8;
  g2 = group2_at(w.data);
  CHECK(w.data[g2] == ST_WLABEL_TEXT);
#define MUT(off, val, want)                                                                                          \
  do {                                                                                                               \
    memcpy(b, w.data, n);                                                                                            \
    b[off] = (uint8_t)(val);                                                                                         \
    expect_corrupt(b, n, want, #off " = " #val);                                                                     \
  } while (0)
  MUT(0, 3, "unknown alternative");
  MUT(1, 0, "bad group count");
  MUT(1, 3, "bad group count");
  MUT(2, 1, "non-zero reserved bytes");
  MUT(7, 1, "non-zero reserved bytes");
  MUT(15, 0x7f, "confidence out of range"); /* 0.95's bits with this top byte: ~1e307 */
  MUT(15, 0x40, "confidence out of range"); /* ~3.9 */
  MUT(15, 0xbf, "confidence out of range"); /* -0.95 */
  MUT(g1, 4, "group 1");
  MUT(g1 + 1, 1, "non-zero reserved bytes");
  MUT(g1 + 4, 1, "group 1"); /* a number with a text length */
  MUT(g1 + 16, 0, "bad count");
  MUT(g1 + 23, 0x80, "bad count"); /* n >= 2^63 */
  MUT(s1, 2, "bad sign");
  MUT(s1 + 1, 1, "non-zero reserved bytes");
  MUT(s1 + 6, 1, "non-zero reserved bytes");
  MUT(s1 + 2, 200, "sum out of range"); /* lo beyond the chunks */
  MUT(s1 + 3, 1, "sum out of range");
  MUT(s1 + 2, 66, "sum out of range"); /* |S1| >= n 2^2098 */
  memcpy(b, w.data, n); /* a zero first (and only) digit */
  memset(b + s1 + 8, 0, 4);
  expect_corrupt(b, n, "sum not canonical", "zero digit");
  MUT(s1 + 8 + 4 * (size_t)w.data[s1 + 4], 1, "bad sign"); /* a negative sum of squares */
  MUT(g2, ST_WLABEL_INT, "group 2");   /* INTEGER with a text length */
  MUT(g2 + 8, 0xff, "group label is not valid UTF-8");
  MUT(g2 + 8, 0, "group label is not valid UTF-8"); /* NUL */
  MUT(g2 + 4, 0xff, "truncated");                     /* a text length beyond the payload */
#undef MUT
  memcpy(b, w.data, n);
  b[n] = 0;
  expect_corrupt(b, n + 1, "trailing bytes", "trailing");
  /* groups out of order: swap labels to INTEGER 5 > ... build by hand */
  {
    st_wstate s;
    double x[] = {1.0, 2.0};
    int g[] = {0, 1};
    om_wbuf w2;
    om_err err;
    om_wbuf_init(&w2);
    make_state(&s, x, g, 2, lint(5), lint(9));
    CHECK(encode(&s, &w2) == OM_OK);
    /* the second label 9 -> 5: equal labels */
    w2.data[group2_at(w2.data) + 8] = 5;
    expect_corrupt(w2.data, w2.len, "groups out of order", "equal labels");
    /* encoding unsorted or duplicate groups is an internal error */
    s.g[1].label = lint(5);
    CHECK(st_wstate_encode(&s, &w2, &err) == OM_INTERNAL);
    s.g[1].label = lint(9);
    s.confidence = 1.0;
    CHECK(st_wstate_encode(&s, &w2, &err) == OM_INTERNAL);
    s.confidence = 0.95;
    s.g[1].sums.n = 0;
    CHECK(st_wstate_encode(&s, &w2, &err) == OM_INTERNAL);
    om_wbuf_free(&w2);
  }
  /* S2 = 0 with S1 != 0 */
  {
    st_wstate s;
    double x[] = {0.0, 2.0};
    int g[] = {0, 1};
    om_wbuf w2;
    size_t o;
    om_wbuf_init(&w2);
    make_state(&s, x, g, 2, lint(5), lint(9));
    s.n_groups = 1;
    s.g[0] = s.g[1]; /* one group, the value 2 */
    CHECK(encode(&s, &w2) == OM_OK);
    o = 16 + 24; /* S1 of group 1 */
    o += 8 + 4 * w2.data[o + 4]; /* S2 */
    w2.data[o + 4] = 0;          /* count 0: S2 = 0, then the digits are trailing bytes */
    w2.data[o + 2] = 0;
    w2.data[o + 3] = 0;
    expect_corrupt(w2.data, o + 8, "sum of squares is zero, sum is not", "S2 = 0");
    om_wbuf_free(&w2);
  }
  free(b);
  om_wbuf_free(&w);
}

/* ------------------------------------------------------------------- 5 */

static void test_envelope(void) {
  st_wstate s, *d;
  double x[] = {1.5, 2.5, 4.0, -3.0, 7.0};
  int g[] = {0, 0, 1, 1, 1};
  om_wbuf w, info;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_jw j;
  om_wbuf_init(&w);
  om_wbuf_init(&info);
  make_state(&s, x, g, 5, lint(1), ltext("B"));
  s.alt = ST_LESS;
  s.confidence = 0.9;
  CHECK(st_wstate_write(&s, &w, &err) == OM_OK);
  CHECK(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  CHECK(v.kind == MDL_KIND_WELCH_STATE && strcmp(k->name, "welch_state") == 0 && v.meta.rows_used == 5);
  d = model;
  CHECK(d->n_groups == 2 && d->alt == ST_LESS && d->confidence == 0.9 && d->g[1].sums.n == 3);
  om_jw_init(&j, &info);
  om_jw_begin_object(&j);
  CHECK(k->info(model, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  om_wbuf_u8(&info, 0);
  CHECK_STR((const char *)info.data,
            "{\"alternative\":\"less\",\"confidence\":0.9,\"groups\":[{\"group\":1,\"n\":2},{\"group\":\"B\",\"n\":3}]}");
  CHECK(memcmp(v.meta.options_json, "{\"alternative\":\"less\",\"confidence\":0.9}", v.meta.options_len) == 0);
  k->close(model);
  mdl_view_free(&v);
  CHECK(mdl_kind_get(MDL_KIND_WELCH_STATE) == k && strcmp(mdl_kind_name(10), "welch_state") == 0);
  /* a newer payload version, a bad version, a wrong rows_used, a schema */
  {
    om_wbuf pay, w2;
    mdl_meta meta;
    mdl_feature f = {"x", 1, 1};
    om_wbuf_init(&pay);
    om_wbuf_init(&w2);
    CHECK(st_wstate_encode(&s, &pay, &err) == OM_OK);
    memset(&meta, 0, sizeof meta);
    meta.options_json = meta.metrics_json = "{}";
    meta.options_len = meta.metrics_len = 2;
    meta.rows_used = 5;
    CHECK(mdl_write(&w2, MDL_KIND_WELCH_STATE, 2, NULL, 0, &meta, pay.data, pay.len, &err) == OM_OK);
    CHECK(mdl_decode(w2.data, w2.len, &v, &k, &model, &err) == OM_UNSUPPORTED_VERSION);
    CHECK_STR(err.msg, "welch_state payload version 2 is not supported (this build reads 1)");
    om_wbuf_reset(&w2);
    CHECK(mdl_write(&w2, MDL_KIND_WELCH_STATE, 0, NULL, 0, &meta, pay.data, pay.len, &err) == OM_OK);
    CHECK(mdl_decode(w2.data, w2.len, &v, &k, &model, &err) == OM_CORRUPT);
    om_wbuf_reset(&w2);
    meta.rows_used = 6;
    CHECK(mdl_write(&w2, MDL_KIND_WELCH_STATE, 1, NULL, 0, &meta, pay.data, pay.len, &err) == OM_OK);
    CHECK(mdl_decode(w2.data, w2.len, &v, &k, &model, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "welch_state's rows_used does not match its groups' counts");
    om_wbuf_reset(&w2);
    meta.rows_used = 5;
    CHECK(mdl_write(&w2, MDL_KIND_WELCH_STATE, 1, &f, 1, &meta, pay.data, pay.len, &err) == OM_OK);
    CHECK(mdl_decode(w2.data, w2.len, &v, &k, &model, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "welch_state has a feature schema");
    om_wbuf_free(&pay);
    om_wbuf_free(&w2);
  }
  /* out of memory at every allocation of write + decode */
  for (long fail = 1; fail < 40; fail++) {
    om_wbuf w3;
    om_status st;
    long live;
    om_wbuf_init(&w3);
    om_test_alloc_reset();
    live = om_test_alloc_live;
    om_test_alloc_fail_at = fail;
    st = st_wstate_write(&s, &w3, &err);
    if (st == OM_OK) {
      st = mdl_decode(w3.data, w3.len, &v, &k, &model, &err);
      if (st == OM_OK) {
        k->close(model);
        mdl_view_free(&v);
      }
    }
    CHECK(st == OM_OK || st == OM_NOMEM);
    om_wbuf_free(&w3);
    CHECK(om_test_alloc_live == live);
    om_test_alloc_fail_at = 0;
  }
  om_wbuf_free(&w);
  om_wbuf_free(&info);
}

int main(void) {
  test_labels();
  test_round_trip();
  test_merge();
  test_corrupt();
  test_envelope();
  return om_test_finish();
}
