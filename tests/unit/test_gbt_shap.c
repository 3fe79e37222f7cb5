/*
** test_gbt_shap.c — explanations of boosted-tree models (gbt_shap.c, gbt.h
** point 16) against exact references:
**   1. brute force: for trained omen models (numeric, categorical, missing
**      values, offset feature, every objective, bagging, subsampling) and
**      M ≤ 8 features, the Shapley values of the path-dependent value
**      function (v(S) computed by the cover-weighted tree walk, gbt_shap.c
**      point 2) over all 2^M subsets, and of the baseline value function
**      v(S) = raw(x on S, ref elsewhere) (point 4) — equal to gbt_shap_x /
**      gbt_shap_diff_x within 1e-9 relative (absolute floor 1e-12 of the
**      row's scale), and the sums equal raw(x) and raw(x) − raw(ref);
**   2. xgboost 1.7.4 pred_contribs on models with identical trees and covers
**      (fixtures/shap/xgb_trees.txt, made by fixtures/shap/make_shap.py):
**      xgboost works in float32, so within 1e-5 of the row's largest
**      |value|; the same rows are also checked by brute force (exact);
**   3. the codec: format 4 round trip (bytes equal), covers and SHAP
**      importance validated (a negative or NaN cover, a bad SHAP row count
**      are OM_CORRUPT), an older model (no covers) refuses gbt_shap_x with
**      the documented message but diffs;
**   4. the stored SHAP importance is the mean |phi| over the rows point 6
**      names, and training gives the same bytes with 1 and 3 threads.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ext/core/gbt/gbt.h"
#include "om_test.h"

#define MAXF 8

static double ld_f64(const uint8_t *p) {
  uint64_t u = om_load_u64(p);
  double d;
  memcpy(&d, &u, 8);
  return d;
}
static void st_f64(uint8_t *p, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  om_store_u64(p, u);
}

/* ---------- brute force ---------- */

static double shares_of(const double *cov, uint32_t l, int right) {
  double a = cov[l], b = cov[l + 1], s = a + b;
  if (!(s > 0)) return 0.5;
  return right ? b / s : a / s;
}

/* v_t(S) of the path-dependent walk (S a bit mask of features). */
static double cond_exp(const gbt_model *m, uint32_t t, uint32_t i, const double *x, uint32_t S) {
  const gbt_node *tree = m->pnodes + m->tree_off[t];
  const double *cov = m->cover + m->tree_off[t];
  const gbt_node *nd = &tree[i];
  uint32_t f;
  if (nd->ff & GBT_NODE_LEAF) return nd->u.leaf;
  f = GBT_NODE_FEATURE(nd);
  if (S >> f & 1) return cond_exp(m, t, gbt_node_child_x(m, t, i, x), x, S);
  return shares_of(cov, nd->left, 0) * cond_exp(m, t, nd->left, x, S) +
         shares_of(cov, nd->left, 1) * cond_exp(m, t, nd->left + 1, x, S);
}

static double v_path(const gbt_model *m, const double *x, uint32_t S) {
  double v = m->base_score;
  uint32_t off = m->offset_feature;
  if (off != GBT_NO_OFFSET && (S >> off & 1)) v = gbt_start_x(m, x);
  for (uint32_t t = 0; t < m->n_trees; t++)
    v += cond_exp(m, t, 0, x, S);
  return v;
}

static double v_base(const gbt_model *m, const double *x, const double *ref, uint32_t S) {
  double z[MAXF];
  for (uint32_t f = 0; f < m->n_features; f++)
    z[f] = (S >> f & 1) ? x[f] : ref[f];
  return gbt_predict_raw_x_nodes(m, z);
}

/* Exact Shapley values of v over M players; which: 0 path, 1 baseline. */
static void brute(const gbt_model *m, const double *x, const double *ref, int which, double *phi) {
  uint32_t M = m->n_features, full = 1u << M;
  double vals[1 << MAXF], fact[MAXF + 1];
  fact[0] = 1;
  for (uint32_t k = 1; k <= M; k++)
    fact[k] = fact[k - 1] * k;
  for (uint32_t S = 0; S < full; S++)
    vals[S] = which ? v_base(m, x, ref, S) : v_path(m, x, S);
  for (uint32_t i = 0; i < M; i++) {
    double s = 0;
    for (uint32_t S = 0; S < full; S++) {
      if (S >> i & 1) continue;
      uint32_t k = (uint32_t)__builtin_popcount(S);
      s += fact[k] * fact[M - k - 1] / fact[M] * (vals[S | 1u << i] - vals[S]);
    }
    phi[i] = s;
  }
  phi[M] = which ? 0 : vals[0];
}

static double worst_seen = 0;

/* Compares phi to the brute force (rel 1e-9 of the row's scale). */
static void check_row(const gbt_model *m, const double *x, const double *ref, const char *what) {
  uint32_t F = m->n_features;
  double phi[MAXF + 1], bf[MAXF + 1], dphi[MAXF + 1], dbf[MAXF + 1], scale = 0, sum = 0, dsum = 0, raw, rraw;
  om_err e;
  CHECK(gbt_shap_x(m, x, phi, &e) == OM_OK);
  brute(m, x, NULL, 0, bf);
  gbt_shap_diff_x(m, x, ref, dphi);
  brute(m, x, ref, 1, dbf);
  raw = gbt_predict_raw_x(m, x);
  rraw = gbt_predict_raw_x(m, ref);
  for (uint32_t f = 0; f <= F; f++) {
    scale += fabs(bf[f]) + fabs(dbf[f]);
    sum += phi[f];
    dsum += dphi[f];
  }
  if (scale < 1e-300) scale = 1;
  for (uint32_t f = 0; f <= F; f++) {
    double d1 = fabs(phi[f] - bf[f]) / scale, d2 = fabs(dphi[f] - dbf[f]) / scale;
    if (d1 > worst_seen) worst_seen = d1;
    if (d2 > worst_seen) worst_seen = d2;
    CHECK_MSG(d1 <= 1e-9, "%s: path phi[%u] %.17g brute %.17g", what, f, phi[f], bf[f]);
    CHECK_MSG(d2 <= 1e-9, "%s: diff phi[%u] %.17g brute %.17g", what, f, dphi[f], dbf[f]);
  }
  CHECK_MSG(fabs(sum - raw) <= 1e-9 * (fabs(raw) + scale), "%s: sum %.17g raw %.17g", what, sum, raw);
  CHECK_MSG(fabs(dsum - (raw - rraw)) <= 1e-9 * (fabs(raw) + fabs(rraw) + scale), "%s: diff sum %.17g want %.17g",
            what, dsum, raw - rraw);
  CHECK(dphi[F] == 0);
}

/* ---------- trained omen models ---------- */

#define N 600
static double col_num[MAXF][N], ys[N], yup[N];
static uint64_t col_cat[MAXF][N];
static uint8_t col_miss[MAXF][N];
static gbt_column cols[MAXF];

/* F features: even ones numeric (every third with missing values), odd ones
** categorical (some missing); y depends on several and on their interactions. */
static void make_data(uint32_t F, uint64_t seed, int objective) {
  uint64_t st = seed;
  for (size_t r = 0; r < N; r++) {
    double acc = 0;
    for (uint32_t f = 0; f < F; f++) {
      double u = om_test_unif(&st);
      if (f % 2 == 0) {
        col_num[f][r] = floor(u * 100) / 10;
        if (f % 3 == 0 && om_test_unif(&st) < 0.1) col_num[f][r] = NAN;
        if (!isnan(col_num[f][r])) acc += (f + 1) * (col_num[f][r] > 4 ? 1.0 : -0.5);
      } else {
        uint64_t c = (uint64_t)(u * 6);
        col_cat[f][r] = 0x9e3779b97f4a7c15ull * (c + 1) + f;
        col_miss[f][r] = om_test_unif(&st) < 0.08;
        if (!col_miss[f][r]) acc += (c % 3) * 0.7;
      }
    }
    if (F > 2 && !isnan(col_num[0][r]) && !col_miss[1][r]) acc += col_num[0][r] * 0.2 * (double)(col_cat[1][r] & 1);
    acc += om_test_unif(&st) * 0.5;
    switch (objective) {
    case GBT_BINARY: ys[r] = acc > 3 ? 1 : 0; break;
    case GBT_DURATION:
    case GBT_AFT: ys[r] = exp(acc / 4); break;
    default: ys[r] = acc;
    }
    yup[r] = (objective == GBT_AFT && r % 5 == 0) ? INFINITY : ys[r];
  }
  for (uint32_t f = 0; f < F; f++) {
    cols[f].is_cat = f % 2;
    cols[f].num = col_num[f];
    cols[f].cat = col_cat[f];
    cols[f].cat_missing = col_miss[f];
  }
}

static void prepare_row(const gbt_model *m, size_t r, double *x) {
  double num[MAXF];
  uint64_t cat[MAXF];
  uint8_t miss[MAXF];
  for (uint32_t f = 0; f < m->n_features; f++) {
    num[f] = cols[f].is_cat ? NAN : col_num[f][r];
    cat[f] = col_cat[f][r];
    miss[f] = cols[f].is_cat ? col_miss[f][r] : (uint8_t)isnan(col_num[f][r]);
  }
  gbt_row_prepare(m, num, cat, miss, x);
}

static gbt_model *train(uint32_t F, const gbt_options *o, uint64_t seed) {
  gbt_data d;
  gbt_model *m = NULL;
  om_err e;
  make_data(F, seed, o->objective);
  d.n_rows = N;
  d.n_features = F;
  d.cols = cols;
  d.y = ys;
  d.y_upper = o->objective == GBT_AFT ? yup : NULL;
  if (gbt_train(&d, o, NULL, &m, &e) != OM_OK) {
    fprintf(stderr, "train failed: %s\n", e.msg);
    return NULL;
  }
  return m;
}

static void test_trained(const char *name, uint32_t F, gbt_options *o, uint64_t seed) {
  gbt_model *m = train(F, o, seed);
  double x[MAXF], ref[MAXF], phi[MAXF + 1];
  char what[96];
  CHECK_MSG(m != NULL, "%s", name);
  if (!m) return;
  CHECK(gbt_has_covers(m) && gbt_payload_format(m) == 4);
  for (size_t r = 0; r < N; r += 37) {
    prepare_row(m, r, x);
    prepare_row(m, (r * 7 + 11) % N, ref);
    snprintf(what, sizeof what, "%s row %zu", name, r);
    check_row(m, x, ref, what);
  }
  /* every feature missing, against an ordinary row */
  {
    double num[MAXF];
    uint64_t cat[MAXF];
    uint8_t miss[MAXF];
    for (uint32_t f = 0; f < F; f++) {
      num[f] = NAN;
      cat[f] = 0;
      miss[f] = 1;
    }
    gbt_row_prepare(m, num, cat, miss, x);
    prepare_row(m, 5, ref);
    snprintf(what, sizeof what, "%s all missing", name);
    check_row(m, x, ref, what);
    check_row(m, ref, x, what);
  }
  /* point 6: the stored importance is the mean |phi| of the named rows */
  {
    uint32_t rows = 0;
    const double *imp = gbt_model_shap_importance(m, &rows);
    double acc[MAXF] = {0};
    size_t n_fit = N; /* no rows held out in these option sets */
    CHECK_MSG(imp != NULL && rows == (n_fit < GBT_SHAP_ROWS ? n_fit : GBT_SHAP_ROWS), "%s: %u rows", name, rows);
    if (imp && rows) {
      for (uint32_t j = 0; j < rows; j++) {
        size_t r = (size_t)(((2 * (uint64_t)j + 1) * n_fit) / (2 * (uint64_t)rows));
        prepare_row(m, r, x);
        CHECK(gbt_shap_x(m, x, phi, NULL) == OM_OK);
        for (uint32_t f = 0; f < F; f++)
          acc[f] += fabs(phi[f]);
      }
      for (uint32_t f = 0; f < F; f++)
        CHECK_MSG(fabs(acc[f] / rows - imp[f]) <= 1e-12 * (imp[f] + 1e-300), "%s: importance %u", name, f);
    }
  }
  /* format 4 round trip */
  {
    om_wbuf w, w2;
    gbt_model *m2 = NULL;
    om_err e;
    uint8_t is_cat[MAXF];
    for (uint32_t f = 0; f < F; f++)
      is_cat[f] = m->is_cat[f];
    om_wbuf_init(&w);
    om_wbuf_init(&w2);
    CHECK(gbt_encode(m, &w) == OM_OK && w.data[0] == 4);
    CHECK(gbt_decode(w.data, w.len, F, is_cat, &m2, &e) == OM_OK);
    if (m2) {
      CHECK(gbt_encode(m2, &w2) == OM_OK && w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
      prepare_row(m2, 3, x);
      {
        double a[MAXF + 1], b[MAXF + 1];
        prepare_row(m, 3, ref);
        CHECK(gbt_shap_x(m2, x, a, NULL) == OM_OK && gbt_shap_x(m, ref, b, NULL) == OM_OK);
        CHECK(memcmp(a, b, (F + 1) * sizeof(double)) == 0);
      }
      gbt_free(m2);
    }
    om_wbuf_free(&w);
    om_wbuf_free(&w2);
  }
  gbt_free(m);
}

static void test_trained_models(void) {
  gbt_options o;
  gbt_options_default(&o);
  o.n_trees = 12;
  o.max_depth = 4;
  o.calibration_fraction = 0;
  o.threads = 1;
  o.max_cat_threshold = 2;
  o.objective = GBT_SQUARED;
  test_trained("squared", 6, &o, 1);
  o.objective = GBT_DURATION;
  test_trained("duration", 5, &o, 2);
  o.max_depth = 7; /* paths that meet one feature several times */
  test_trained("duration deep", 3, &o, 3);
  o.max_depth = 4;
  o.objective = GBT_BINARY;
  o.min_child_weight = 0.1;
  test_trained("binary", 6, &o, 4);
  o.min_child_weight = 1;
  o.objective = GBT_QUANTILE;
  o.alpha = 0.8;
  test_trained("quantile", 4, &o, 5);
  o.objective = GBT_AFT;
  o.aft_dist = GBT_AFT_LOGISTIC;
  o.offset_feature = 2;
  test_trained("aft offset", 4, &o, 6);
  o.objective = GBT_DURATION;
  o.loss = GBT_LOSS_ABSOLUTE;
  o.offset_feature = 0;
  test_trained("absolute offset", 5, &o, 7);
  o.loss = GBT_LOSS_SQUARED;
  o.offset_feature = GBT_NO_OFFSET;
  o.subsample = 0.6;
  o.colsample = 0.7;
  o.bag = 3;
  test_trained("bag subsample", 8, &o, 8);
}

/* Training is deterministic whatever the thread count, SHAP importance included. */
static void test_threads(void) {
  gbt_options o;
  om_wbuf a, b;
  gbt_model *m1, *m3;
  gbt_options_default(&o);
  o.n_trees = 20;
  o.objective = GBT_SQUARED;
  o.threads = 1;
  m1 = train(6, &o, 9);
  o.threads = 3;
  m3 = train(6, &o, 9);
  om_wbuf_init(&a);
  om_wbuf_init(&b);
  CHECK(m1 && m3 && m1->shap_rows > 0);
  if (m1 && m3) {
    CHECK(gbt_encode(m1, &a) == OM_OK && gbt_encode(m3, &b) == OM_OK);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  }
  om_wbuf_free(&a);
  om_wbuf_free(&b);
  gbt_free(m1);
  gbt_free(m3);
}

/* ---------- codec: corruptions and older models ---------- */

static void test_codec(void) {
  gbt_options o;
  gbt_model *m, *m2 = NULL;
  om_wbuf w;
  om_err e;
  uint8_t is_cat[4] = {0, 1, 0, 1};
  double x[4], ref[4], phi[5], dphi[5];
  gbt_options_default(&o);
  o.n_trees = 3;
  o.max_depth = 2;
  o.objective = GBT_SQUARED;
  o.calibration_fraction = 0;
  m = train(4, &o, 10);
  CHECK(m != NULL);
  if (!m) return;
  om_wbuf_init(&w);
  CHECK(gbt_encode(m, &w) == OM_OK);
  {
    /* the first tree's root cover: after the header, shap importance, counts,
    ** the tree's node count and the root's own fields */
    size_t at = 2 + 2 + 4 + 4 + 4 * 8 + 2 + 4 + 3 * 4 + 8 + 8 + 4 + 2 * 4 * 8 + 4 + 4 * 8 + 4 + 4 + 4;
    size_t root_cover = at + 2 + 12 + (w.data[at] == 1 ? 8 : 4 + 8 * om_load_u32(w.data + at + 14));
    double c = ld_f64(w.data + root_cover);
    CHECK(m->shap_rows > 0 && m->n_resid == 0);
    CHECK_MSG(c == m->cover[0], "root cover %g at %zu, want %g", c, root_cover, m->cover[0]);
    st_f64(w.data + root_cover, -1.0);
    CHECK(gbt_decode(w.data, w.len, 4, is_cat, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "tree 0: node 0 has a bad cover");
    st_f64(w.data + root_cover, NAN);
    CHECK(gbt_decode(w.data, w.len, 4, is_cat, &m2, &e) == OM_CORRUPT);
    st_f64(w.data + root_cover, c);
    /* shap_rows */
    {
      size_t sr = 2 + 2 + 4 + 4 + 4 * 8 + 2 + 4 + 3 * 4 + 8 + 8 + 4 + 2 * 4 * 8;
      CHECK(om_load_u32(w.data + sr) == m->shap_rows);
      om_store_u32(w.data + sr, GBT_SHAP_ROWS + 1);
      CHECK(gbt_decode(w.data, w.len, 4, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "gbt payload SHAP row count 257");
      om_store_u32(w.data + sr, m->shap_rows);
      st_f64(w.data + sr + 4, -0.5);
      CHECK(gbt_decode(w.data, w.len, 4, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "gbt payload SHAP importance of feature 0 out of range");
      st_f64(w.data + sr + 4, m->shap_imp[0]);
    }
    CHECK(gbt_decode(w.data, w.len, 4, is_cat, &m2, &e) == OM_OK);
    gbt_free(m2);
    m2 = NULL;
    /* every truncation is refused */
    {
      int fine = 1;
      for (size_t n = 0; n < w.len; n++)
        if (gbt_decode(w.data, n, 4, is_cat, &m2, &e) != OM_CORRUPT || m2) fine = 0;
      CHECK(fine);
    }
  }
  /* an older model: the same trees without covers (format 1) */
  {
    om_wbuf w1;
    double *cov = m->cover, *imp = m->shap_imp;
    m->cover = NULL;
    m->shap_imp = NULL;
    om_wbuf_init(&w1);
    CHECK(gbt_payload_format(m) == 1 && gbt_encode(m, &w1) == OM_OK && w1.data[0] == 1);
    m->cover = cov;
    m->shap_imp = imp;
    CHECK(gbt_decode(w1.data, w1.len, 4, is_cat, &m2, &e) == OM_OK);
    if (m2) {
      om_wbuf w2;
      CHECK(!gbt_has_covers(m2) && gbt_model_shap_importance(m2, NULL) == NULL);
      prepare_row(m2, 1, x);
      prepare_row(m2, 2, ref);
      CHECK(gbt_shap_x(m2, x, phi, &e) == OM_INVALID);
      CHECK_STR(e.msg, "the model was trained by an omen without node covers (gbt payload format 1); retrain it");
      gbt_shap_diff_x(m2, x, ref, dphi);
      {
        double s = 0;
        for (int f = 0; f < 4; f++)
          s += dphi[f];
        CHECK_CLOSE(s, gbt_predict_raw_x(m2, x) - gbt_predict_raw_x(m2, ref), 1e-12);
      }
      om_wbuf_init(&w2);
      CHECK(gbt_encode(m2, &w2) == OM_OK && w2.len == w1.len && memcmp(w1.data, w2.data, w1.len) == 0);
      om_wbuf_free(&w2);
      gbt_free(m2);
    }
    om_wbuf_free(&w1);
  }
  om_wbuf_free(&w);
  gbt_free(m);
}

/* ---------- xgboost pred_contribs ---------- */

static FILE *open_fixture(const char *name) {
  const char *dirs[] = {"fixtures/shap/", "../fixtures/shap/", "../../fixtures/shap/"};
  char buf[512];
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    FILE *f;
    snprintf(buf, sizeof buf, "%s%s", dirs[i], name);
    if ((f = fopen(buf, "r"))) return f;
  }
  return NULL;
}

/* Reads a whitespace-separated number ("nan" allowed). */
static int rd(FILE *f, double *v) {
  char tok[64];
  if (fscanf(f, "%63s", tok) != 1) return 0;
  *v = strtod(tok, NULL);
  return 1;
}

static int expect(FILE *f, const char *word) {
  char tok[64];
  int c;
  while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\t' || c == '#') {
    if (c == '#')
      while ((c = fgetc(f)) != '\n' && c != EOF) {
      }
  }
  if (c == EOF) return 0;
  ungetc(c, f);
  if (fscanf(f, "%63s", tok) != 1) return 0;
  return strcmp(tok, word) == 0;
}

/* One model block of the fixture; 0 at the end of the file. */
static int xgb_model(FILE *f, int *n_models) {
  char name[64];
  unsigned F, T;
  double base, v;
  gbt_model *m;
  uint32_t at = 0, cap = 0;
  int ok = 1;
  if (!expect(f, "model")) return 0;
  if (fscanf(f, "%63s %u", name, &F) != 2 || !rd(f, &base) || fscanf(f, "%u", &T) != 1 || F > MAXF) return 0;
  m = gbt_model_alloc(F);
  m->objective = strcmp(name, "logistic") == 0 ? GBT_BINARY : GBT_SQUARED;
  m->base_score = base;
  m->learning_rate = 1;
  m->alpha = 0.5;
  m->interval_coverage = 0.9;
  m->n_trees = m->n_rounds = T;
  m->tree_off = calloc(T + 1, sizeof(uint32_t));
  m->tree_depth = calloc(T, 1);
  for (unsigned t = 0; t < T && ok; t++) {
    unsigned n;
    uint8_t depth[1024] = {0};
    if (!expect(f, "tree") || fscanf(f, "%u", &n) != 1 || n > 1024) return 0;
    if (at + n > cap) {
      cap = (at + n) * 2;
      m->nodes = realloc(m->nodes, cap * sizeof(gbt_node));
      m->cover = realloc(m->cover, cap * sizeof(double));
    }
    m->tree_off[t] = at;
    for (unsigned i = 0; i < n; i++) {
      char kind[16];
      gbt_node *nd = &m->nodes[at + i];
      memset(nd, 0, sizeof *nd);
      if (fscanf(f, "%15s", kind) != 1) return 0;
      if (strcmp(kind, "leaf") == 0) {
        nd->ff = GBT_NODE_LEAF;
        if (!rd(f, &nd->u.leaf) || !rd(f, &m->cover[at + i])) return 0;
        if (depth[i] > m->tree_depth[t]) m->tree_depth[t] = depth[i];
      } else {
        unsigned feat, dl, left;
        if (fscanf(f, "%u", &feat) != 1 || !rd(f, &nd->u.thr) || fscanf(f, "%u %u", &dl, &left) != 2 ||
            !rd(f, &m->cover[at + i]))
          return 0;
        nd->ff = feat << 3 | (dl ? GBT_NODE_DEFAULT_LEFT : 0);
        nd->left = left;
        depth[left] = depth[left + 1] = (uint8_t)(depth[i] + 1);
      }
    }
    at += n;
  }
  m->tree_off[T] = at;
  m->n_nodes = at;
  CHECK(gbt_model_index(m) == OM_OK);
  /* through the codec: a valid format-4 payload */
  {
    om_wbuf w;
    gbt_model *m2 = NULL;
    uint8_t is_cat[MAXF] = {0};
    om_err e;
    om_wbuf_init(&w);
    CHECK(gbt_encode(m, &w) == OM_OK && w.data[0] == 4);
    CHECK_MSG(gbt_decode(w.data, w.len, F, is_cat, &m2, &e) == OM_OK, "%s: %s", name, e.msg);
    om_wbuf_free(&w);
    if (m2) {
      gbt_free(m);
      m = m2;
    }
  }
  {
    unsigned R;
    double worst = 0;
    if (!expect(f, "rows") || fscanf(f, "%u", &R) != 1) return 0;
    for (unsigned r = 0; r < R; r++) {
      double num[MAXF], want[MAXF + 1], margin, x[MAXF], phi[MAXF + 1], scale = 0;
      uint64_t cat[MAXF] = {0};
      char what[128];
      if (!expect(f, "row")) return 0;
      for (unsigned j = 0; j < F; j++)
        if (!rd(f, &num[j])) return 0;
      if (!expect(f, "contrib")) return 0;
      for (unsigned j = 0; j <= F; j++)
        if (!rd(f, &want[j])) return 0;
      if (!expect(f, "margin") || !rd(f, &margin)) return 0;
      gbt_row_prepare(m, num, cat, NULL, x);
      CHECK(gbt_shap_x(m, x, phi, NULL) == OM_OK);
      for (unsigned j = 0; j <= F; j++)
        if (fabs(want[j]) > scale) scale = fabs(want[j]);
      for (unsigned j = 0; j <= F; j++) {
        double d = fabs(phi[j] - want[j]) / (scale > 0 ? scale : 1);
        if (d > worst) worst = d;
        CHECK_MSG(d <= 1e-5, "%s row %u phi[%u] %.9g xgboost %.9g", name, r, j, phi[j], want[j]);
      }
      CHECK_MSG(fabs(gbt_predict_raw_x(m, x) - margin) <= 1e-5 * (fabs(margin) + 1), "%s row %u margin", name, r);
      /* the same row, exactly, by brute force (the next row as reference) */
      snprintf(what, sizeof what, "xgb %s row %u", name, r);
      check_row(m, x, x, what);
    }
    printf("xgboost %s: %u rows, worst |omen − xgboost| / max|phi| = %.3g\n", name, R, worst);
  }
  (void)v;
  gbt_free(m);
  (*n_models)++;
  return 1;
}

static void test_xgboost(void) {
  FILE *f = open_fixture("xgb_trees.txt");
  int n = 0;
  CHECK_MSG(f != NULL, "fixtures/shap/xgb_trees.txt not found (run from the repository root)");
  if (!f) return;
  while (xgb_model(f, &n)) {
  }
  fclose(f);
  CHECK_MSG(n == 2, "read %d xgboost models", n);
}

int main(void) {
  test_xgboost();
  test_trained_models();
  test_threads();
  test_codec();
  printf("worst brute-force difference (relative to the row's scale): %.3g\n", worst_seen);
  return om_test_finish();
}
