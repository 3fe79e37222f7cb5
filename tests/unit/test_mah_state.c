/*
** test_mah_state.c — the mahalanobis_state accumulator, merge, codec, kind
** row and the model it finishes into (mah_state.h, mah_state_kind.c,
** mah.h's mah_accum_moments / mah_accum_merge).
**
** 1. One state of all rows (behaviour 3): written, decoded and finished, it
**    gives the payload and metrics bytes of mahalanobis_train's accumulator
**    over the same rows (empirical and ledoit_wolf; 1, 255, 256, 257, 3000
**    rows: block boundaries).
** 2. Merged vs direct (behaviours 2-3): states of 2, 4 and 7 parts
**    (contiguous and interleaved splits, merged in several orders) give μ,
**    Σ and the shrinkage within 1e-12 relative of the direct fit (Σ's
**    entries relative to sqrt(Σii Σjj)), and distances within 1e-12 of
**    max(d, 1) (a point near μ has a tiny d whose digits cancel); the
**    measured worst relative differences are printed.  Constant features
**    stay exactly constant; a feature constant in each part with different
**    values varies after the merge.
** 3. Merge algebra (behaviour 2): rows_used / rows_skipped add; a state
**    without schema merges with any; different options or features are
**    errors with the documented messages.
** 4. Codec (behaviours 4-6, the kind row): write → mdl_decode → re-encode
**    equal; every truncation is OM_CORRUPT; every single-bit change of the
**    payload is OM_OK or OM_CORRUPT with a message, and an OM_OK state
**    finishes without crashing; named corrupt cases; a newer payload
**    version; out of memory at every allocation of write + decode + model
**    (OM_NOMEM, no leak).
*/
#include <stdint.h>
#include <stdlib.h>

#include "fv.h"
#include "mah_impl.h"
#include "mah_state.h"
#include "mdl_kind.h"
#include "om_json.h"
#include "om_test.h"

#define NF 5 /* features: a, b, c (constant), d, h (categorical) */
static const char *fname[NF] = {"a", "b", "c", "d", "h"};
static const uint8_t ftype[NF] = {FV_NUMERIC, FV_NUMERIC, FV_NUMERIC, FV_NUMERIC, FV_CATEGORICAL};
static double worst_mu, worst_cov, worst_shrink, worst_d; /* printed at the end */

static double normal(uint64_t *rng) {
  double u = om_test_unif(rng), v = om_test_unif(rng);
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Row i: correlated a, b, d with different units, c constant, h ignored;
** every 37th row misses b. */
static void make_row(uint64_t *rng, int i, double *num, uint8_t *miss) {
  double z1 = normal(rng), z2 = normal(rng), z3 = normal(rng);
  num[0] = 600 + 30 * z1;
  num[1] = 2e9 + 1e7 * (0.8 * z1 + 0.6 * z2);
  num[2] = 7.0;
  num[3] = 1e-3 * (z3 - 0.5 * z2) + 0.25;
  num[4] = 0;
  memset(miss, 0, NF);
  if (i % 37 == 36) miss[1] = 1;
}

static void opts(mah_options *o, mah_method m) {
  mah_options_default(o);
  o->method = m;
  o->seed = 4;
}

static void schema(mdl_feature *f) {
  for (int i = 0; i < NF; i++) {
    f[i].name = fname[i];
    f[i].name_len = strlen(fname[i]);
    f[i].type = ftype[i];
  }
}

static void state_of(mah_state *s, mah_method m, double (*X)[NF], uint8_t (*M)[NF], int n, int parts, int part) {
  mah_options o;
  mdl_feature f[NF];
  om_err err;
  opts(&o, m);
  schema(f);
  mah_state_init(s, &o);
  CHECK(mah_state_set_schema(s, f, NF, &err) == OM_OK);
  for (int i = 0; i < n; i++)
    if (parts <= 1 || i % parts == part) CHECK(mah_state_add(s, X[i], M[i], &err) == OM_OK);
}

/* write → decode (a copy through the kind row). */
static mah_state *roundtrip(mah_state *s) {
  om_wbuf w;
  om_err err;
  mdl_view v;
  const mdl_kind_def *k;
  void *model = NULL;
  om_wbuf_init(&w);
  CHECK(mah_state_write(s, &w, &err) == OM_OK);
  CHECK(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
  CHECK(v.kind == MDL_KIND_MAHALANOBIS_STATE);
  mdl_view_free(&v);
  om_wbuf_free(&w);
  return model;
}

static void close_state(mah_state *s) {
  mah_state_free(s);
  om_free(s);
}

/* The model of a state: the envelope bytes into w, decoded into *m. */
static void model_of(mah_state *s, om_wbuf *w, mah_model **m, mdl_view *v) {
  om_err err;
  uint8_t types[NF];
  memcpy(types, ftype, NF);
  CHECK(mah_state_model(s, NULL, w, &err) == OM_OK);
  CHECK(mdl_open(w->data, w->len, v, &err) == OM_OK);
  CHECK(v->kind == MDL_KIND_MAHALANOBIS && v->format_version == 1);
  CHECK(mah_decode(v->payload, v->payload_len, NF, types, m, &err) == OM_OK);
}

/* ---------------------------------------------------------------- 1 */

static void test_one_state(void) {
  static const int sizes[] = {1, 255, 256, 257, 3000};
  for (int mi = 0; mi < 2; mi++)
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
      int n = sizes[si];
      double(*X)[NF] = malloc(sizeof(double[NF]) * n);
      uint8_t(*M)[NF] = malloc(sizeof(uint8_t[NF]) * n);
      uint64_t rng = 11 + si;
      mah_options o;
      mah_accum *acc;
      om_wbuf pay, met, mw;
      om_err err;
      mah_state s, *d;
      mdl_view v;
      mah_model *m = NULL;
      for (int i = 0; i < n; i++) make_row(&rng, i, X[i], M[i]);
      opts(&o, (mah_method)mi);
      CHECK(mah_accum_init(&o, NF, ftype, &acc, &err) == OM_OK);
      for (int i = 0; i < n; i++) CHECK(mah_accum_add(acc, X[i], M[i], &err) == OM_OK);
      om_wbuf_init(&pay);
      om_wbuf_init(&met);
      om_wbuf_init(&mw);
      if (n == 1) { /* a single row: its b may be present; fine either way */
      }
      CHECK(mah_accum_finish(acc, NULL, &pay, &met, &err) == OM_OK);
      state_of(&s, (mah_method)mi, X, M, n, 1, 0);
      d = roundtrip(&s);
      model_of(d, &mw, &m, &v);
      CHECK_MSG(v.payload_len == pay.len && memcmp(v.payload, pay.data, pay.len) == 0,
                "%s, %d rows: payload differs", mah_method_name((mah_method)mi), n);
      CHECK(v.meta.metrics_len == met.len && memcmp(v.meta.metrics_json, met.data, met.len) == 0);
      CHECK(v.meta.rows_used == mah_accum_rows_used(acc) && v.meta.rows_skipped == mah_accum_rows_skipped(acc));
      mah_free(m);
      mdl_view_free(&v);
      close_state(d);
      mah_state_free(&s);
      mah_accum_free(acc);
      om_wbuf_free(&pay);
      om_wbuf_free(&met);
      om_wbuf_free(&mw);
      free(X);
      free(M);
    }
}

/* ---------------------------------------------------------------- 2 */

static void compare(const char *what, const mah_model *direct, const mah_model *merged, double (*X)[NF], int n) {
  const double *mu0 = mah_location(direct), *mu1 = mah_location(merged);
  const double *S0 = mah_covariance(direct), *S1 = mah_covariance(merged);
  mah_info i0, i1;
  size_t ns = mah_scratch_doubles(direct);
  double *scr = malloc(sizeof(double) * (ns > mah_scratch_doubles(merged) ? ns : mah_scratch_doubles(merged)));
  double x[NF];
  double wm = 0, wc = 0, wd = 0, ws;
  uint32_t q = 4;
  for (uint32_t j = 0; j < q; j++) {
    double r = fabs(mu1[j] - mu0[j]) / fabs(mu0[j]);
    if (r > wm) wm = r;
  }
  for (uint32_t i = 0; i < q; i++)
    for (uint32_t j = 0; j < q; j++) {
      double den = sqrt(S0[i * q + i] * S0[j * q + j]), r;
      if (den == 0) {
        CHECK_MSG(S1[i * q + j] == 0 && S0[i * q + j] == 0, "%s: constant feature cov %u %u", what, i, j);
        continue;
      }
      r = fabs(S1[i * q + j] - S0[i * q + j]) / den;
      if (r > wc) wc = r;
    }
  CHECK(mu0[2] == 7.0 && mu1[2] == 7.0);
  mah_get_info(direct, &i0);
  mah_get_info(merged, &i1);
  CHECK(i0.rank == i1.rank && i0.n_rows == i1.n_rows && i0.n_constant == i1.n_constant);
  ws = i0.shrinkage > 0 ? fabs(i1.shrinkage - i0.shrinkage) / i0.shrinkage : fabs(i1.shrinkage);
  for (int t = 0; t < n; t += 7) {
    mah_result r0, r1;
    om_err err;
    double rel;
    mah_row_prepare(direct, X[t], NULL, NULL, x);
    CHECK(mah_score(direct, x, scr, &r0, &err) == OM_OK);
    CHECK(mah_score(merged, x, scr, &r1, &err) == OM_OK);
    rel = fabs(r1.d - r0.d) / (r0.d > 1 ? r0.d : 1); /* relative, absolute below d = 1 */
    if (rel > wd) wd = rel;
  }
  CHECK_MSG(wm < 1e-12 && wc < 1e-12 && ws < 1e-9 && wd < 1e-12, "%s: mean %.2e cov %.2e shrinkage %.2e d %.2e", what,
            wm, wc, ws, wd);
  if (wm > worst_mu) worst_mu = wm;
  if (wc > worst_cov) worst_cov = wc;
  if (ws > worst_shrink) worst_shrink = ws;
  if (wd > worst_d) worst_d = wd;
  free(scr);
}

static void test_merged(void) {
  enum { N = 5000 };
  static double X[N][NF];
  static uint8_t M[N][NF];
  uint64_t rng = 99;
  static const int parts[] = {2, 4, 7};
  for (int i = 0; i < N; i++) make_row(&rng, i, X[i], M[i]);
  for (int mi = 0; mi < 2; mi++) {
    mah_state all;
    om_wbuf w0;
    mdl_view v0;
    mah_model *m0 = NULL;
    state_of(&all, (mah_method)mi, X, M, N, 1, 0);
    om_wbuf_init(&w0);
    model_of(&all, &w0, &m0, &v0);
    for (size_t pi = 0; pi < sizeof parts / sizeof parts[0]; pi++)
      for (int order = 0; order < 2; order++) {
        int k = parts[pi];
        mah_state acc, part;
        om_err err;
        om_wbuf w1;
        mdl_view v1;
        mah_model *m1 = NULL;
        char what[80];
        mah_options o;
        opts(&o, (mah_method)mi);
        mah_state_init(&acc, &o);
        for (int p0 = 0; p0 < k; p0++) {
          int p = order ? k - 1 - p0 : p0;
          mah_state *d;
          state_of(&part, (mah_method)mi, X, M, N, k, p); /* interleaved split */
          d = roundtrip(&part);
          CHECK(mah_state_merge(&acc, d, &err) == OM_OK);
          close_state(d);
          mah_state_free(&part);
        }
        CHECK(mah_state_rows_used(&acc) == mah_state_rows_used(&all));
        CHECK(mah_state_rows_skipped(&acc) == mah_state_rows_skipped(&all));
        om_wbuf_init(&w1);
        model_of(&acc, &w1, &m1, &v1);
        snprintf(what, sizeof what, "%s, %d parts, order %d", mah_method_name((mah_method)mi), k, order);
        compare(what, m0, m1, X, N);
        mah_free(m1);
        mdl_view_free(&v1);
        om_wbuf_free(&w1);
        mah_state_free(&acc);
      }
    /* contiguous halves, the second merged into the first */
    {
      mah_state a, b;
      mah_options o;
      mdl_feature f[NF];
      om_err err;
      om_wbuf w1;
      mdl_view v1;
      mah_model *m1 = NULL;
      opts(&o, (mah_method)mi);
      schema(f);
      mah_state_init(&a, &o);
      mah_state_init(&b, &o);
      CHECK(mah_state_set_schema(&a, f, NF, &err) == OM_OK);
      CHECK(mah_state_set_schema(&b, f, NF, &err) == OM_OK);
      for (int i = 0; i < N; i++) CHECK(mah_state_add(i < 1234 ? &a : &b, X[i], M[i], &err) == OM_OK);
      CHECK(mah_state_merge(&a, &b, &err) == OM_OK);
      om_wbuf_init(&w1);
      model_of(&a, &w1, &m1, &v1);
      compare("contiguous", m0, m1, X, N);
      mah_free(m1);
      mdl_view_free(&v1);
      om_wbuf_free(&w1);
      mah_state_free(&a);
      mah_state_free(&b);
    }
    mah_free(m0);
    mdl_view_free(&v0);
    om_wbuf_free(&w0);
    mah_state_free(&all);
  }
  /* constant in each part with different values: varies after the merge */
  {
    mah_state a, b;
    mah_options o;
    mdl_feature f[NF];
    om_err err;
    om_wbuf w;
    mdl_view v;
    mah_model *m = NULL;
    double row[NF];
    uint8_t miss[NF] = {0};
    opts(&o, MAH_EMPIRICAL);
    schema(f);
    mah_state_init(&a, &o);
    mah_state_init(&b, &o);
    CHECK(mah_state_set_schema(&a, f, NF, &err) == OM_OK);
    CHECK(mah_state_set_schema(&b, f, NF, &err) == OM_OK);
    for (int i = 0; i < 20; i++) {
      row[0] = i, row[1] = i * i, row[3] = -i, row[4] = 0;
      row[2] = i < 10 ? 1.0 : 3.0;
      CHECK(mah_state_add(i < 10 ? &a : &b, row, miss, &err) == OM_OK);
    }
    CHECK(mah_state_merge(&a, &b, &err) == OM_OK);
    om_wbuf_init(&w);
    model_of(&a, &w, &m, &v);
    CHECK(mah_location(m)[2] == 2.0 && mah_covariance(m)[2 * 4 + 2] == 1.0);
    mah_free(m);
    mdl_view_free(&v);
    om_wbuf_free(&w);
    mah_state_free(&a);
    mah_state_free(&b);
  }
}

/* ---------------------------------------------------------------- 3 */

static void test_algebra(void) {
  mah_state a, b, e;
  mah_options o;
  mdl_feature f[NF], g[3];
  om_err err;
  double row[NF] = {1, 2, 3, 4, 0};
  uint8_t miss[NF] = {0};
  opts(&o, MAH_EMPIRICAL);
  schema(f);
  /* a state without schema (NULL rows only) merges with any */
  mah_state_init(&e, &o);
  mah_state_skip(&e);
  mah_state_skip(&e);
  mah_state_init(&a, &o);
  CHECK(mah_state_merge(&a, &e, &err) == OM_OK);
  CHECK(a.feats == NULL && mah_state_rows_skipped(&a) == 2);
  mah_state_init(&b, &o);
  CHECK(mah_state_set_schema(&b, f, NF, &err) == OM_OK);
  CHECK(mah_state_add(&b, row, miss, &err) == OM_OK);
  miss[1] = 1;
  CHECK(mah_state_add(&b, row, miss, &err) == OM_OK);
  CHECK(mah_state_merge(&a, &b, &err) == OM_OK);
  CHECK(a.n_features == NF && mah_state_rows_used(&a) == 1 && mah_state_rows_skipped(&a) == 3);
  {
    mah_state *d = roundtrip(&a);
    CHECK(mah_state_rows_used(d) == 1 && mah_state_rows_skipped(d) == 3 && d->null_rows == 2);
    close_state(d);
  }
  mah_state_free(&b);
  /* different options */
  o.method = MAH_LEDOIT_WOLF;
  mah_state_init(&b, &o);
  CHECK(mah_state_merge(&a, &b, &err) == OM_INVALID);
  CHECK_STR(err.msg, "states have different options: method 'empirical', contamination 0.01, seed 4 and method "
                     "'ledoit_wolf', contamination 0.01, seed 4; merge states made with the same options");
  mah_state_free(&b);
  /* different features: a missing name, another type */
  opts(&o, MAH_EMPIRICAL);
  mah_state_init(&b, &o);
  g[0] = f[0], g[1] = f[1], g[2] = f[3];
  CHECK(mah_state_set_schema(&b, g, 3, &err) == OM_OK);
  CHECK(mah_state_merge(&a, &b, &err) == OM_INVALID);
  CHECK_STR(err.msg, "states have different features: 'c' is in one and not the other");
  mah_state_free(&b);
  mah_state_init(&b, &o);
  f[0].type = FV_CATEGORICAL;
  CHECK(mah_state_set_schema(&b, f, NF, &err) == OM_OK);
  CHECK(mah_state_merge(&a, &b, &err) == OM_INVALID);
  CHECK_STR(err.msg, "states have different features: 'a' is numeric in one and categorical in the other");
  mah_state_free(&b);
  mah_state_free(&a);
  mah_state_free(&e);
}

/* ---------------------------------------------------------------- 4 */

static om_status open_payload(const uint8_t *env, size_t n, const uint8_t *pay, size_t pn, uint16_t version,
                              om_err *err) {
  mdl_view v;
  om_wbuf w;
  const mdl_kind_def *k;
  void *model = NULL;
  om_status st;
  om_err e2;
  CHECK(mdl_open(env, n, &v, &e2) == OM_OK);
  om_wbuf_init(&w);
  CHECK(mdl_write(&w, MDL_KIND_MAHALANOBIS_STATE, version, v.features, v.n_features, &v.meta, pay, pn, &e2) == OM_OK);
  mdl_view_free(&v);
  st = mdl_decode(w.data, w.len, &v, &k, &model, err);
  if (st == OM_OK) {
    om_wbuf re, mw;
    om_status s2;
    om_wbuf_init(&re);
    om_wbuf_init(&mw);
    CHECK(mah_state_encode(model, &re, &e2) == OM_OK);
    CHECK(re.len == pn && memcmp(re.data, pay, pn) == 0);
    s2 = mah_state_model(model, NULL, &mw, &e2); /* never a crash; an error is fine */
    CHECK(s2 == OM_OK || s2 == OM_INVALID || s2 == OM_INTERNAL);
    om_wbuf_free(&re);
    om_wbuf_free(&mw);
    k->close(model);
    mdl_view_free(&v);
  }
  om_wbuf_free(&w);
  return st;
}

static void test_codec(void) {
  for (int mi = 0; mi < 2; mi++) {
    enum { N = 40 };
    double X[N][NF];
    uint8_t M[N][NF];
    uint64_t rng = 5;
    mah_state s;
    om_wbuf w;
    om_err err;
    mdl_view v;
    const mdl_kind_def *k;
    void *model;
    for (int i = 0; i < N; i++) make_row(&rng, i, X[i], M[i]);
    state_of(&s, (mah_method)mi, X, M, N, 1, 0);
    mah_state_skip(&s);
    om_wbuf_init(&w);
    CHECK(mah_state_write(&s, &w, &err) == OM_OK);
    CHECK(mdl_decode(w.data, w.len, &v, &k, &model, &err) == OM_OK);
    if (v.kind == MDL_KIND_MAHALANOBIS_STATE) {
      om_wbuf re, j;
      om_jw jw;
      size_t pn = v.payload_len, bad = 0;
      uint8_t *p = malloc(pn + 1);
      om_wbuf_init(&re);
      CHECK(mah_state_encode(model, &re, &err) == OM_OK);
      CHECK(re.len == v.payload_len && memcmp(re.data, v.payload, re.len) == 0);
      CHECK(v.meta.rows_used == N - 1 && v.meta.rows_skipped == 2);
      om_wbuf_init(&j);
      om_jw_init(&jw, &j);
      om_jw_begin_object(&jw);
      CHECK(k->info(model, &jw, &err) == OM_OK);
      om_jw_end_object(&jw);
      om_wbuf_u8(&j, 0);
      CHECK_STR((const char *)j.data,
                mi ? "{\"method\":\"ledoit_wolf\",\"contamination\":0.01,\"seed\":4,\"numeric_features\":4,"
                     "\"ignored_features\":1,\"rows\":39}"
                   : "{\"method\":\"empirical\",\"contamination\":0.01,\"seed\":4,\"numeric_features\":4,"
                     "\"ignored_features\":1,\"rows\":39}");
      for (size_t cut = 0; cut < pn; cut++) {
        om_status st = open_payload(w.data, w.len, v.payload, cut, 1, &err);
        if (st != OM_CORRUPT || !err.msg[0]) bad++;
      }
      CHECK_MSG(bad == 0, "%zu truncations not corrupt", bad);
      for (size_t i = 0; i < pn; i++)
        for (int b = 0; b < 8; b++) {
          om_status st;
          memcpy(p, v.payload, pn);
          p[i] ^= (uint8_t)(1u << b);
          st = open_payload(w.data, w.len, p, pn, 1, &err);
          if (st != OM_OK && (st != OM_CORRUPT || !err.msg[0])) bad++;
        }
      CHECK_MSG(bad == 0, "%zu byte changes gave another status", bad);
      CHECK(open_payload(w.data, w.len, v.payload, pn, 2, &err) == OM_UNSUPPORTED_VERSION);
      CHECK_STR(err.msg, "mahalanobis_state payload version 2 is not supported (this build reads 1)");
      CHECK(open_payload(w.data, w.len, v.payload, pn, 0, &err) == OM_CORRUPT);
      memcpy(p, v.payload, pn);
      p[0] = 2; /* mcd */
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (bad method)");
      memcpy(p, v.payload, pn);
      p[3] = 1;
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (non-zero reserved bytes)");
      memcpy(p, v.payload, pn);
      p[8 + 7] = 0x7f; /* contamination huge */
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (options out of range)");
      memcpy(p, v.payload, pn);
      p[56 + 8 * 4 + 7] = 0x7f; /* mean[0] = NaN-ish / huge: its top byte */
      p[56 + 8 * 4 + 6] = 0xf8;
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (a number is not finite)");
      memcpy(p, v.payload, pn);
      p[56 + 8 * 8 + 7] ^= 0x80; /* M2_00 negative */
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (a co-moment diagonal is negative or not finite)");
      memcpy(p, v.payload, pn);
      p[pn - 4 + 2] = 1; /* c (constant) flagged varying is fine; flag 2 is not */
      p[pn - 4 + 2] = 2;
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (bad constant flag)");
      memcpy(p, v.payload, pn);
      p[pn - 4] = 0; /* a flagged constant */
      CHECK(open_payload(w.data, w.len, p, pn, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (a constant feature has a spread)");
      memcpy(p, v.payload, pn);
      p[pn] = 0;
      CHECK(open_payload(w.data, w.len, p, pn + 1, 1, &err) == OM_CORRUPT);
      CHECK_STR(err.msg, "mahalanobis_state payload is corrupt (trailing bytes)");
      free(p);
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
        st = mah_state_write(&s, &w2, &err);
        if (st == OM_OK) {
          st = mdl_decode(w2.data, w2.len, &v, &k, &model, &err);
          if (st == OM_OK) {
            st = mah_state_model(model, NULL, &w3, &err);
            k->close(model);
            mdl_view_free(&v);
          }
        }
        CHECK_MSG(st == OM_OK || st == OM_NOMEM, "allocation %ld: status %d %s", fail, st, err.msg);
        if (st == OM_OK) done = 1;
        om_wbuf_free(&w2);
        om_wbuf_free(&w3);
        om_test_alloc_fail_at = 0;
        CHECK_MSG(om_test_alloc_live == live, "leak at allocation %ld", fail);
      }
      CHECK(done);
    }
    om_wbuf_free(&w);
    mah_state_free(&s);
  }
}

int main(void) {
  test_one_state();
  test_merged();
  test_algebra();
  test_codec();
  printf("worst relative differences merged vs direct: mean %.2e, covariance %.2e, shrinkage %.2e, distance %.2e\n",
         worst_mu, worst_cov, worst_shrink, worst_d);
  return om_test_finish();
}
