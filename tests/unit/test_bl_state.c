/*
** test_bl_state.c — the baseline_state accumulator, merge, codec, kind row
** and the job baseline it finishes into (bl_state.h, bl_state_kind.c).
**
** 1. The multiset V (behaviour 3) is exactly the sketch's rank estimates:
**    bl_sketch_values expanded equals om_qsketch_value_at(r) for every rank
**    (mixed signs, zeros, one value, two values, subnormals).
** 2. Statistics vs baseline_train (behaviour 3): states of 4 parts merged
**    give n, min, max exactly, mean and sd within 1e-13 relative, and the
**    median, quantiles, MAD and MeanAD within the documented bounds, on
**    skewed data (lognormal, Pareto), on durations (CV 5 % and 20 %, with
**    spikes) and on data of both signs; the measured worst relative errors
**    are printed.  Sources: all equal → CONSTANT / CONSTANT_ZERO exactly as
**    baseline_train; more than half equal → MEANAD for both.
** 3. Merge algebra (behaviours 2, 4): states of any split merged in any
**    order and grouping encode to the bytes of the state of all rows, and
**    give the same model bytes; different options or features are errors
**    with the documented messages; a state without features merges.
** 4. Codec (behaviours 5, 6 and the kind row): write → mdl_decode →
**    re-encode equal; every truncation and every single-byte change of the
**    payload is OM_OK or OM_CORRUPT with a message, never a crash; named
**    corrupt cases; a newer payload version; out of memory at every
**    allocation of write + decode + model (OM_NOMEM, no leak).
*/
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "bl_state.h"
#include "fv.h"
#include "mdl_kind.h"
#include "om_json.h"
#include "om_test.h"

static double worst_med, worst_q, worst_mad, worst_meanad; /* relative, printed at the end */

/* ---------------------------------------------------------------- data */

static double normal(uint64_t *rng) {
  double u = om_test_unif(rng), v = om_test_unif(rng);
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

enum { D_LOGNORMAL, D_PARETO, D_DUR5, D_DUR20, D_SIGNS, D_INTS, D_N };
static const char *dname[D_N] = {"lognormal", "pareto", "durations cv 5%", "durations cv 20% + spikes",
                                 "both signs", "integer seconds"};

static double draw(int kind, uint64_t *rng, int i) {
  switch (kind) {
  case D_LOGNORMAL: return exp(1.5 * normal(rng));
  case D_PARETO: return pow(1 - om_test_unif(rng), -1 / 1.2);
  case D_DUR5: return 600 * (1 + 0.05 * normal(rng));
  case D_DUR20: return (i % 53 == 0 ? 8 : 1) * 90 * exp(0.2 * normal(rng));
  case D_SIGNS: return 10 * normal(rng) + 2;
  default: return floor(120 + 15 * normal(rng));
  }
}

static int cmp_d(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* ------------------------------------------------------------ helpers */

static bl_model *model_of(const uint8_t *blob, size_t n, mdl_view *v) {
  bl_model *m = NULL;
  om_err err;
  CHECK(bl_open(blob, n, v, &m, &err) == OM_OK);
  return m;
}

static void state_bytes(const bl_state *s, om_wbuf *w) {
  om_err err;
  om_wbuf_init(w);
  CHECK(bl_state_encode(s, w, &err) == OM_OK);
}

/* ---------------------------------------------------------------- 1 */

static void check_values(const double *x, size_t n) {
  om_qsketch s;
  om_err err;
  double *val;
  uint64_t *cnt, r = 0;
  size_t k;
  int ok = 1;
  CHECK(om_qsketch_init(&s, BL_STATE_ALPHA, &err) == OM_OK);
  for (size_t i = 0; i < n; i++) CHECK(om_qsketch_add(&s, x[i] + 0.0, 1, &err) == OM_OK);
  CHECK(bl_sketch_values(&s, &val, &cnt, &k, &err) == OM_OK);
  for (size_t i = 0; i < k; i++) {
    if (i > 0 && !(val[i] > val[i - 1])) ok = 0;
    for (uint64_t c = 0; c < cnt[i]; c++, r++)
      if (val[i] != om_qsketch_value_at(&s, r)) ok = 0;
  }
  CHECK_MSG(ok && r == n, "V differs from value_at (n %zu, expanded %llu)", n, (unsigned long long)r);
  om_free(val);
  om_free(cnt);
  om_qsketch_free(&s);
}

static void test_values(void) {
  uint64_t rng = 7;
  static double x[3000];
  double one[1] = {42.5}, two[2] = {-3, 7}, sub[4] = {4.9e-324, 1e-310, -2e-320, 0.0};
  for (int d = 0; d < D_N; d++) {
    for (int i = 0; i < 3000; i++) x[i] = draw(d, &rng, i);
    check_values(x, 3000);
  }
  for (int i = 0; i < 3000; i++) x[i] = i % 3 == 0 ? 0.0 : (i % 3 == 1 ? -1.0 : 1.0) * (i % 17);
  check_values(x, 3000);
  check_values(one, 1);
  check_values(two, 2);
  check_values(sub, 4);
}

/* ---------------------------------------------------------------- 2 */

/* numpy.percentile 'linear' on sorted v and the bound's A = max(|s_l|, |s_l+1|). */
static double pct(const double *v, size_t n, double q, double *A) {
  double pos = q * (double)(n - 1), f;
  size_t lo = (size_t)pos;
  if (lo >= n - 1) {
    *A = fabs(v[n - 1]);
    return v[n - 1];
  }
  f = pos - (double)lo;
  *A = fmax(fabs(v[lo]), fabs(v[lo + 1]));
  return v[lo] + f * (v[lo + 1] - v[lo]);
}

static void compare_stats(const char *what, const double *x, size_t n) {
  bl_accum acc;
  bl_state parts[4], all;
  om_wbuf w1, w2;
  om_err err;
  mdl_view v1, v2;
  bl_model *exact, *merged;
  double *sorted = malloc(n * sizeof *sorted), A, mabs = 0;
  double alpha = BL_STATE_ALPHA;
  bl_accum_init(&acc, NULL);
  for (int p = 0; p < 4; p++) bl_state_init(&parts[p], NULL);
  bl_state_init(&all, NULL);
  for (size_t i = 0; i < n; i++) {
    CHECK(bl_accum_add_value(&acc, x[i], &err) == OM_OK);
    CHECK(bl_state_add_value(&parts[(i * 7 + i / 3) % 4], x[i], &err) == OM_OK);
    sorted[i] = x[i];
    mabs += (fabs(x[i]) - mabs) / (double)(i + 1);
  }
  qsort(sorted, n, sizeof *sorted, cmp_d);
  for (int p = 0; p < 4; p++) CHECK(bl_state_merge(&all, &parts[p], &err) == OM_OK);
  om_wbuf_init(&w1);
  om_wbuf_init(&w2);
  CHECK(bl_accum_finish(&acc, &w1, &err) == OM_OK);
  CHECK_MSG(bl_state_model(&all, &w2, &err) == OM_OK, "%s", err.msg);
  exact = model_of(w1.data, w1.len, &v1);
  merged = model_of(w2.data, w2.len, &v2);
  if (exact && merged) {
    const bl_feat *e = &exact->feats[0], *g = &merged->feats[0];
    double med = pct(sorted, n, 0.5, &A), medA = A, r;
    CHECK(g->n == e->n && g->n_kept == n && g->min == e->min && g->max == e->max);
    CHECK_CLOSE(g->mean, e->mean, 1e-13);
    CHECK_CLOSE(g->sd, e->sd, 1e-12);
    CHECK(e->median == med);
    CHECK_MSG(fabs(g->median - e->median) <= alpha * medA * (1 + 1e-12), "%s: median %.17g vs %.17g", what,
              g->median, e->median);
    r = fabs(g->median - e->median) / fabs(e->median);
    if (r > worst_med) worst_med = r;
    for (uint32_t i = 0; i < exact->n_levels; i++) {
      double q = pct(sorted, n, exact->levels[i], &A);
      CHECK_MSG(fabs(g->q[i] - q) <= alpha * A * (1 + 1e-12) + 1e-300, "%s: q%g %.17g vs %.17g", what,
                exact->levels[i], g->q[i], q);
      if (q != 0 && fabs(g->q[i] - q) / fabs(q) > worst_q) worst_q = fabs(g->q[i] - q) / fabs(q);
    }
    CHECK_MSG(fabs(g->mad - e->mad) <= alpha * (e->mad + fabs(e->median) + medA) * (1 + 1e-12), "%s: MAD %.17g vs %.17g",
              what, g->mad, e->mad);
    CHECK_MSG(fabs(g->meanad - e->meanad) <= alpha * (mabs + medA) * (1 + 1e-12), "%s: MeanAD %.17g vs %.17g", what,
              g->meanad, e->meanad);
    CHECK(g->source == e->source);
    if (e->mad > 0 && fabs(g->mad - e->mad) / e->mad > worst_mad) worst_mad = fabs(g->mad - e->mad) / e->mad;
    if (e->meanad > 0 && fabs(g->meanad - e->meanad) / e->meanad > worst_meanad)
      worst_meanad = fabs(g->meanad - e->meanad) / e->meanad;
    printf("  %-28s n %6zu  median %.2e  MAD %.2e (bound %.2e)  MeanAD %.2e  (relative)\n", what, n,
           fabs(g->median - e->median) / fabs(e->median), e->mad > 0 ? fabs(g->mad - e->mad) / e->mad : 0,
           e->mad > 0 ? alpha * (e->mad + fabs(e->median) + medA) / e->mad : 0,
           e->meanad > 0 ? fabs(g->meanad - e->meanad) / e->meanad : 0);
  }
  bl_model_free(exact);
  bl_model_free(merged);
  mdl_view_free(&v1);
  mdl_view_free(&v2);
  om_wbuf_free(&w1);
  om_wbuf_free(&w2);
  bl_accum_free(&acc);
  for (int p = 0; p < 4; p++) bl_state_free(&parts[p]);
  bl_state_free(&all);
  free(sorted);
}

static void test_stats(void) {
  uint64_t rng = 11;
  static double x[20000];
  size_t sizes[3] = {15, 1000, 20000};
  char label[64];
  for (int d = 0; d < D_N; d++)
    for (int s = 0; s < 3; s++) {
      for (size_t i = 0; i < sizes[s]; i++) x[i] = draw(d, &rng, (int)i);
      snprintf(label, sizeof label, "%s", dname[d]);
      compare_stats(label, x, sizes[s]);
    }
  /* more than half equal: MAD 0, MEANAD for both */
  for (int i = 0; i < 101; i++) x[i] = i < 60 ? 30.0 : 30.0 + i;
  compare_stats("60 % equal", x, 101);
}

static void one_feature_model(const double *x, size_t n, bl_feat *out) {
  bl_state s;
  om_wbuf w;
  om_err err;
  mdl_view v;
  bl_model *m;
  bl_state_init(&s, NULL);
  for (size_t i = 0; i < n; i++) CHECK(bl_state_add_value(&s, x[i], &err) == OM_OK);
  om_wbuf_init(&w);
  CHECK(bl_state_model(&s, &w, &err) == OM_OK);
  m = model_of(w.data, w.len, &v);
  if (m) *out = m->feats[0];
  bl_model_free(m);
  mdl_view_free(&v);
  om_wbuf_free(&w);
  bl_state_free(&s);
}

static void test_sources(void) {
  double c[5] = {60, 60, 60, 60, 60}, z[3] = {0, -0.0, 0}, one[1] = {-7.25};
  bl_feat f;
  one_feature_model(c, 5, &f);
  CHECK(f.source == BL_SRC_CONSTANT && f.median == 60 && f.mad == 0 && f.meanad == 0 && f.q[0] == 60 &&
        f.q[5] == 60 && f.scale == 0.01 * 60 && f.sd == 0 && f.mean == 60);
  one_feature_model(z, 3, &f);
  CHECK(f.source == BL_SRC_CONSTANT_ZERO && f.median == 0 && f.scale == 0 && !signbit(f.min));
  one_feature_model(one, 1, &f);
  CHECK(f.source == BL_SRC_CONSTANT && f.median == -7.25 && f.n == 1);
}

/* ---------------------------------------------------------------- 3 */

static void test_merge(void) {
  enum { N = 4000, P = 6 };
  uint64_t rng = 3;
  static double x[N];
  bl_state whole, parts[P], acc, acc2, t01, t2345;
  om_wbuf wa, wb, m1, m2;
  om_err err;
  int P2 = P;
  for (int i = 0; i < N; i++) x[i] = draw(i % 2 ? D_DUR20 : D_SIGNS, &rng, i);
  bl_state_init(&whole, NULL);
  for (int p = 0; p < P; p++) bl_state_init(&parts[p], NULL);
  for (int i = 0; i < N; i++) {
    CHECK(bl_state_add_value(&whole, x[i], &err) == OM_OK);
    CHECK(bl_state_add_value(&parts[(i * 13) % P], x[i], &err) == OM_OK);
  }
  bl_state_skip(&parts[1]);
  bl_state_skip(&whole);
  state_bytes(&whole, &wa);
  /* left fold, reversed fold, a tree */
  bl_state_init(&acc, NULL);
  bl_state_init(&acc2, NULL);
  for (int p = 0; p < P2; p++) CHECK(bl_state_merge(&acc, &parts[p], &err) == OM_OK);
  for (int p = P2; p-- > 0;) CHECK(bl_state_merge(&acc2, &parts[p], &err) == OM_OK);
  state_bytes(&acc, &wb);
  CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
  om_wbuf_free(&wb);
  state_bytes(&acc2, &wb);
  CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
  om_wbuf_free(&wb);
  bl_state_init(&t01, NULL);
  bl_state_init(&t2345, NULL);
  CHECK(bl_state_merge(&t01, &parts[1], &err) == OM_OK);
  CHECK(bl_state_merge(&t01, &parts[0], &err) == OM_OK);
  for (int p = 5; p >= 2; p--) CHECK(bl_state_merge(&t2345, &parts[p], &err) == OM_OK);
  CHECK(bl_state_merge(&t2345, &t01, &err) == OM_OK);
  state_bytes(&t2345, &wb);
  CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
  om_wbuf_free(&wb);
  /* the models too */
  om_wbuf_init(&m1);
  om_wbuf_init(&m2);
  CHECK(bl_state_model(&whole, &m1, &err) == OM_OK);
  CHECK(bl_state_model(&t2345, &m2, &err) == OM_OK);
  CHECK(m1.len == m2.len && memcmp(m1.data, m2.data, m1.len) == 0);
  om_wbuf_free(&m1);
  om_wbuf_free(&m2);
  /* errors */
  {
    bl_options o;
    bl_state other, feat2, empty;
    char fv[64];
    fv_entry e[2] = {{"cpu", 3, FV_NUMERIC, 1.0, 0}, {"value", 5, FV_NUMERIC, 2.0, 0}};
    om_wbuf w;
    bl_options_default(&o);
    o.threshold = 5;
    bl_state_init(&other, &o);
    CHECK(bl_state_add_value(&other, 1, &err) == OM_OK);
    CHECK(bl_state_merge(&acc, &other, &err) == OM_INVALID);
    CHECK_STR(err.msg, "states have different options: threshold 3.5, constant_cv 0.01, seed 0 and threshold 5, "
                       "constant_cv 0.01, seed 0; merge states made with the same options");
    bl_state_init(&feat2, NULL);
    om_wbuf_init(&w);
    CHECK(fv_encode(e, 2, &w, &err) == OM_OK);
    CHECK(bl_state_add_fv(&feat2, w.data, w.len, &err) == OM_OK);
    memcpy(fv, w.data, w.len < sizeof fv ? w.len : sizeof fv);
    om_wbuf_free(&w);
    CHECK(bl_state_merge(&acc, &feat2, &err) == OM_INVALID);
    CHECK_STR(err.msg, "states have different features: 'cpu' is in one and not the other");
    bl_state_init(&empty, NULL);
    bl_state_skip(&empty);
    CHECK(bl_state_merge(&empty, &feat2, &err) == OM_OK); /* no features: merges with any */
    CHECK(empty.n_feats == 2 && empty.rows_used == 1 && empty.rows_skipped == 1);
    CHECK(bl_state_merge(&feat2, &acc, &err) == OM_INVALID);
    CHECK_STR(err.msg, "states have different features: 'cpu' is in one and not the other");
    {
      fv_entry c = {"host", 4, FV_CATEGORICAL, 0, 77};
      om_wbuf_init(&w);
      CHECK(fv_encode(&c, 1, &w, &err) == OM_OK);
      CHECK(bl_state_add_fv(&feat2, w.data, w.len, &err) == OM_INVALID);
      CHECK_STR(err.msg, "feature \"host\" is categorical; a baseline summarises numeric features only (leave it "
                         "out of the vector)");
      om_wbuf_free(&w);
    }
    bl_state_free(&other);
    bl_state_free(&feat2);
    bl_state_free(&empty);
  }
  om_wbuf_free(&wa);
  bl_state_free(&whole);
  for (int p = 0; p < P; p++) bl_state_free(&parts[p]);
  bl_state_free(&acc);
  bl_state_free(&acc2);
  bl_state_free(&t01);
  bl_state_free(&t2345);
}

/* ---------------------------------------------------------------- 4 */

static om_status open_payload(const uint8_t *env, size_t n, const uint8_t *pay, size_t pn, uint16_t version,
                              om_err *err) {
  /* re-wrap a payload in the envelope's schema and meta */
  mdl_view v;
  om_wbuf w;
  const mdl_kind_def *k;
  void *model = NULL;
  om_status st;
  om_err e2;
  CHECK(mdl_open(env, n, &v, &e2) == OM_OK);
  om_wbuf_init(&w);
  CHECK(mdl_write(&w, MDL_KIND_BASELINE_STATE, version, v.features, v.n_features, &v.meta, pay, pn, &e2) == OM_OK);
  mdl_view_free(&v);
  st = mdl_decode(w.data, w.len, &v, &k, &model, err);
  if (st == OM_OK) {
    om_wbuf re;
    om_wbuf_init(&re);
    CHECK(bl_state_encode(model, &re, &e2) == OM_OK);
    CHECK(re.len == pn && memcmp(re.data, pay, pn) == 0);
    om_wbuf_free(&re);
    k->close(model);
    mdl_view_free(&v);
  }
  om_wbuf_free(&w);
  return st;
}

static void test_codec(void) {
  bl_state s;
  om_wbuf w;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  uint64_t rng = 5;
  fv_entry e[3] = {{"a", 1, FV_NUMERIC, 0, 0}, {"b", 1, FV_MISSING, 0, 0}, {"c", 1, FV_NUMERIC, 0, 0}};
  bl_options o;
  bl_options_default(&o);
  o.seed = 9;
  bl_state_init(&s, &o);
  for (int i = 0; i < 50; i++) {
    om_wbuf f;
    e[0].num = draw(D_DUR20, &rng, i);
    e[2].num = draw(D_SIGNS, &rng, i);
    om_wbuf_init(&f);
    CHECK(fv_encode(e, 3, &f, &err) == OM_OK);
    CHECK(bl_state_add_fv(&s, f.data, f.len, &err) == OM_OK);
    om_wbuf_free(&f);
  }
  bl_state_skip(&s);
  om_wbuf_init(&w);
  CHECK(bl_state_write(&s, &w, &err) == OM_OK);
  CHECK(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  if (v.kind == MDL_KIND_BASELINE_STATE) {
    const bl_state *d = model;
    om_wbuf re, j;
    om_jw jw;
    CHECK(d->n_feats == 3 && d->feats[1].n == 0 && d->feats[0].n == 50 && d->rows_used == 50 &&
          d->rows_skipped == 1 && d->seed == 9);
    om_wbuf_init(&re);
    CHECK(bl_state_encode(d, &re, &err) == OM_OK);
    CHECK(re.len == v.payload_len && memcmp(re.data, v.payload, re.len) == 0);
    om_wbuf_init(&j);
    om_jw_init(&jw, &j);
    om_jw_begin_object(&jw);
    CHECK(k->info(model, &jw, &err) == OM_OK);
    om_jw_end_object(&jw);
    om_wbuf_u8(&j, 0);
    CHECK_STR((const char *)j.data, "{\"threshold\":3.5,\"constant_cv\":0.01,\"seed\":9,\"sketch_alpha\":0.0005,"
                                    "\"features\":[{\"feature\":\"a\",\"n\":50},{\"feature\":\"b\",\"n\":0},"
                                    "{\"feature\":\"c\",\"n\":50}]}");
    /* every truncation and every single-byte change of the payload */
    {
      size_t pn = v.payload_len, bad = 0;
      uint8_t *p = malloc(pn);
      for (size_t cut = 0; cut < pn; cut++) {
        om_status st = open_payload(w.data, w.len, v.payload, cut, 1, &err);
        if (st != OM_CORRUPT || !err.msg[0]) bad++;
      }
      CHECK_MSG(bad == 0, "%zu truncations not corrupt", bad);
      for (size_t i = 0; i < pn; i++)
        for (int b = 0; b < 8; b += 3) {
          om_status st;
          memcpy(p, v.payload, pn);
          p[i] ^= (uint8_t)(1u << b);
          st = open_payload(w.data, w.len, p, pn, 1, &err);
          if (st != OM_OK && (st != OM_CORRUPT || !err.msg[0])) bad++;
        }
      CHECK_MSG(bad == 0, "%zu byte changes gave another status", bad);
      CHECK(open_payload(w.data, w.len, v.payload, pn, 2, &err) == OM_UNSUPPORTED_VERSION);
      CHECK_STR(err.msg, "baseline_state payload version 2 is not supported (this build reads 1)");
      CHECK(open_payload(w.data, w.len, v.payload, pn, 0, &err) == OM_CORRUPT);
      memcpy(p, v.payload, pn);
      p[0 + 7] = 0xc0; /* threshold negative */
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "baseline_state payload is corrupt (options out of range)");
      memcpy(p, v.payload, pn);
      p[44] = 1;
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "baseline_state payload is corrupt (non-zero reserved bytes)");
      {
        uint8_t *q = malloc(pn + 1);
        memcpy(q, v.payload, pn);
        q[pn] = 0;
        CHECK(open_payload(w.data, w.len, q, pn + 1, 1, &err) == OM_CORRUPT);
        CHECK_STR(err.msg, "baseline_state payload is corrupt (trailing bytes)");
        free(q);
      }
      free(p);
    }
    om_wbuf_free(&re);
    om_wbuf_free(&j);
  }
  k->close(model);
  mdl_view_free(&v);
  /* out of memory at every allocation of write + decode + model */
  {
    long fail, live;
    int done = 0;
    for (fail = 1; fail < 400 && !done; fail++) {
      om_wbuf w2, w3;
      om_status st;
      om_test_alloc_reset();
      live = om_test_alloc_live;
      om_test_alloc_fail_at = fail;
      om_wbuf_init(&w2);
      om_wbuf_init(&w3);
      st = bl_state_write(&s, &w2, &err);
      if (st == OM_OK) {
        st = mdl_decode(w2.data, w2.len, &v, &k, &model, &err);
        if (st == OM_OK) {
          st = bl_state_model(model, &w3, &err);
          k->close(model);
          mdl_view_free(&v);
        }
      }
      CHECK(st == OM_OK || st == OM_NOMEM);
      if (st == OM_OK) done = 1;
      om_wbuf_free(&w2);
      om_wbuf_free(&w3);
      om_test_alloc_fail_at = 0;
      CHECK_MSG(om_test_alloc_live == live, "leak at allocation %ld", fail);
    }
    CHECK(done);
  }
  om_wbuf_free(&w);
  bl_state_free(&s);
}

int main(void) {
  test_values();
  test_stats();
  test_sources();
  test_merge();
  test_codec();
  printf("worst relative errors vs baseline_train: median %.2e, quantiles %.2e, MAD %.2e, MeanAD %.2e\n", worst_med,
         worst_q, worst_mad, worst_meanad);
  return om_test_finish();
}
