/*
** test_ifo.c — the isolation forest core (ext/core/forest): c(n), path
** lengths and evidence on hand-built trees, score parity with scikit-learn
** on its own exported trees (fixtures/forest/iforest_parity.txt), ROC-AUC of
** our own training next to scikit-learn's (fixtures/forest/iforest_auc.txt),
** streaming (reservoir uniformity, features discovered mid-stream),
** categorical and missing values, determinism whatever the thread count,
** the codec (round trip, every truncation, every bit flip, hand-made
** corruptions), the kind row, options, interrupts and OOM loops.
** Run from the repository root (the fixtures are found from there or from
** build/unit/).
*/
#include <float.h>
#include <stdlib.h>

#include "fv.h"
#include "mdl_kind.h"
#include "ifo.h"
#include "om_test.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t seed_state = 12345;
static double unif(void) {
  uint64_t z = (seed_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}
static double gauss(void) {
  double u = unif() + 1e-300, v = unif();
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static FILE *open_fixture(const char *name) {
  const char *dirs[] = {"fixtures/forest/", "../fixtures/forest/", "../../fixtures/forest/"};
  char path[256];
  for (int i = 0; i < 3; i++) {
    FILE *f;
    snprintf(path, sizeof path, "%s%s", dirs[i], name);
    if ((f = fopen(path, "r"))) return f;
  }
  return NULL;
}

/* ROC-AUC with ties counted half (Mann-Whitney). */
static double roc_auc(const double *s, const int *y, int n) {
  double num = 0;
  long pos = 0, neg = 0;
  for (int i = 0; i < n; i++) {
    if (!y[i]) continue;
    pos++;
    for (int j = 0; j < n; j++) {
      if (y[j]) continue;
      num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
    }
  }
  for (int j = 0; j < n; j++) neg += !y[j];
  return num / ((double)pos * (double)neg);
}

/* Train on a row-major numeric matrix (NaN = missing), cat columns given by
** is_cat with hashes stored as doubles' bits in a separate array. */
typedef struct dataset {
  int n, F;
  const double *x;     /* [n × F] */
  const uint64_t *cat; /* [n × F] or NULL */
  const uint8_t *types;
} dataset;

static om_status train(const dataset *d, const ifo_options *o, om_wbuf *payload, om_wbuf *metrics, om_err *e) {
  ifo_accum *a = NULL;
  uint8_t types[64], miss[64];
  uint64_t cat[64];
  om_status st;
  for (int f = 0; f < d->F; f++) types[f] = d->types ? d->types[f] : FV_NUMERIC;
  if ((st = ifo_accum_init(&a, o, (uint32_t)d->F, types, e)) != OM_OK) return st;
  for (int i = 0; i < d->n && st == OM_OK; i++) {
    for (int f = 0; f < d->F; f++) {
      miss[f] = isnan(d->x[i * d->F + f]);
      cat[f] = d->cat ? d->cat[i * d->F + f] : 0;
    }
    st = ifo_accum_add(a, d->x + (size_t)i * d->F, cat, miss, e);
  }
  if (st == OM_OK) st = ifo_accum_finish(a, NULL, NULL, payload, metrics, e);
  ifo_accum_free(a);
  return st;
}

static ifo_model *decode(const om_wbuf *w, int F, const uint8_t *types) {
  uint8_t is_cat[64];
  ifo_model *m = NULL;
  om_err e;
  for (int f = 0; f < F; f++) is_cat[f] = types && types[f] == FV_CATEGORICAL;
  if (ifo_decode(w->data, w->len, (uint32_t)F, is_cat, &m, &e) != OM_OK) CHECK_MSG(0, "decode: %s", e.msg);
  return m;
}

static double score_row(const ifo_model *m, const dataset *d, int i) {
  double x[64];
  uint64_t cat[64];
  uint8_t miss[64];
  for (int f = 0; f < d->F; f++) {
    miss[f] = isnan(d->x[i * d->F + f]);
    cat[f] = d->cat ? d->cat[i * d->F + f] : 0;
  }
  ifo_row_prepare(m, d->x + (size_t)i * d->F, cat, miss, x);
  return ifo_score(m, x);
}

/* ---------------------------------------------------------------- 1. c(n) */

static void test_c(void) {
  double g = IFO_EULER_GAMMA;
  CHECK(ifo_c(0) == 0 && ifo_c(1) == 0 && ifo_c(2) == 1);
  CHECK_CLOSE(ifo_c(5), 2.0 * (log(4.0) + g) - 2.0 * 4.0 / 5.0, 1e-15);
  CHECK_CLOSE(ifo_c(999), 2.0 * (log(998.0) + g) - 2.0 * 998.0 / 999.0, 1e-15);
  CHECK_CLOSE(ifo_c(256), 10.244770920119917, 1e-15); /* sklearn _average_path_length([256]) */
  CHECK_CLOSE(ifo_c(3), 2.0 * (log(2.0) + g) - 4.0 / 3.0, 1e-15);
  {
    int mono = 1;
    for (int n = 1; n < 2000; n++) mono &= ifo_c(n + 1) > ifo_c(n) || n == 0;
    CHECK(mono);
  }
  CHECK(ifo_to_f32(1e300) == FLT_MAX && ifo_to_f32(-INFINITY) == -FLT_MAX && isnan(ifo_to_f32(NAN)));
  CHECK(ifo_to_f32(0x1.fffffefffp127) == FLT_MAX); /* rounds to FLT_MAX anyway */
  CHECK(ifo_f32_down(0.1) <= 0.1 && nextafterf(ifo_f32_down(0.1), INFINITY) > 0.1);
  CHECK(ifo_f32_down(0.5) == 0.5f);
  CHECK(ifo_f32_down(-1e300) == -INFINITY);
}

/* ---------------------------------------------------------------- 2. hand-built trees */

/* One tree of 8 samples:            node 0: x0 <= 0.5 ?
**                                  /                  \
**                     node 1: leaf (1)           node 2: x1 <= 2 ? (missing left)
**                                                /              \
**                                        node 3: leaf (2)   node 4: leaf (5)
** and a second tree, a single leaf of 8. */
static ifo_model *hand_model_q(int two_trees, int quiet) {
  static const int64_t l0[] = {1, -1, 3, -1, -1}, r0[] = {2, -1, 4, -1, -1}, f0[] = {0, -2, 1, -2, -2},
                       n0[] = {8, 1, 7, 2, 5};
  static const double t0[] = {0.5, -2, 2.0, -2, -2};
  static const uint8_t ml0[] = {0, 0, 1, 0, 0};
  static const int64_t l1[] = {-1}, r1[] = {-1}, f1[] = {-2}, n1[] = {8};
  static const double t1[] = {-2};
  ifo_tree_arrays trees[2] = {{5, l0, r0, f0, t0, n0, ml0}, {1, l1, r1, f1, t1, n1, NULL}};
  ifo_forest_arrays a;
  ifo_model *m = NULL;
  om_err e;
  memset(&a, 0, sizeof a);
  a.n_features = 2;
  a.n_trees = two_trees ? 2 : 1;
  a.trees = trees;
  a.sample_size = 8;
  a.max_depth = 3;
  a.threshold = 0.5;
  if (ifo_model_from_arrays(&a, &m, &e) != OM_OK && !quiet) CHECK_MSG(0, "from_arrays: %s", e.msg);
  return m;
}

static ifo_model *hand_model(int two_trees) { return hand_model_q(two_trees, 0); }

static void test_hand_trees(void) {
  ifo_model *m = hand_model(0), *m2 = hand_model(1);
  double c8 = ifo_c(8), x[2], out[2];
  if (!m || !m2) return;
  /* left leaf: depth 1, size 1 → h = 1 */
  x[0] = 0.25, x[1] = 100;
  CHECK_CLOSE(ifo_score(m, x), pow(2.0, -1.0 / c8), 1e-15);
  /* x0 = 0.5 goes left (<=) */
  x[0] = 0.5;
  CHECK_CLOSE(ifo_score(m, x), pow(2.0, -1.0 / c8), 1e-15);
  /* right, then x1 <= 2 → leaf of 2: h = 2 + c(2) = 3 */
  x[0] = 0.75, x[1] = 2.0;
  CHECK_CLOSE(ifo_score(m, x), pow(2.0, -3.0 / c8), 1e-15);
  /* right, right → leaf of 5: h = 2 + c(5) */
  x[1] = 2.5;
  CHECK_CLOSE(ifo_score(m, x), pow(2.0, -(2.0 + ifo_c(5)) / c8), 1e-15);
  /* missing x1 goes left at node 2 (its flag); missing x0 goes right at node 0 */
  x[1] = NAN;
  CHECK_CLOSE(ifo_score(m, x), pow(2.0, -3.0 / c8), 1e-15);
  x[0] = NAN;
  CHECK_CLOSE(ifo_score(m, x), pow(2.0, -3.0 / c8), 1e-15);
  /* two trees: the single leaf adds c(8) */
  x[0] = 0.25, x[1] = 0;
  CHECK_CLOSE(ifo_score(m2, x), pow(2.0, -(1.0 + c8) / (2 * c8)), 1e-15);
  /* evidence: the root split isolates x (8 → 1): credit c(8) − 1 − c(1) to x0 */
  ifo_explain(m, x, out);
  CHECK_CLOSE(out[0], (c8 - 1.0) / c8, 1e-15);
  CHECK(out[1] == 0);
  CHECK_CLOSE(out[0] + out[1], log2(2 * ifo_score(m, x)), 1e-14);
  x[0] = 0.75, x[1] = 2.5; /* 8 → 7 → 5: x0 credited c(8)−1−c(7), x1 c(7)−1−c(5) */
  ifo_explain(m, x, out);
  CHECK_CLOSE(out[0], (c8 - 1 - ifo_c(7)) / c8, 1e-14);
  CHECK_CLOSE(out[1], (ifo_c(7) - 1 - ifo_c(5)) / c8, 1e-14);
  CHECK_CLOSE(out[0] + out[1], log2(2 * ifo_score(m, x)), 1e-14);
  CHECK(out[0] < 0); /* staying with 7 of 8 makes the row look normal */
  /* importance: splits and cover */
  {
    ifo_importance imp[2];
    ifo_feature_importance(m, imp);
    CHECK(imp[0].splits == 1 && imp[1].splits == 1);
    CHECK_CLOSE(imp[0].cover, 1.0, 1e-15);
    CHECK_CLOSE(imp[1].cover, 7.0 / 8.0, 1e-15);
  }
  CHECK(ifo_model_n_nodes(m) == 5 && ifo_model_sample_size(m) == 8);
  /* round trip of a hand-built model */
  {
    om_wbuf w, w2;
    ifo_model *d = NULL;
    om_err e;
    om_wbuf_init(&w);
    om_wbuf_init(&w2);
    CHECK(ifo_encode(m2, &w) == OM_OK);
    CHECK(ifo_decode(w.data, w.len, 2, NULL, &d, &e) == OM_OK);
    if (d) {
      CHECK(ifo_encode(d, &w2) == OM_OK && w2.len == w.len && memcmp(w.data, w2.data, w.len) == 0);
      x[0] = 0.75, x[1] = NAN;
      CHECK(ifo_score(d, x) == ifo_score(m2, x));
      ifo_free(d);
    }
    om_wbuf_free(&w);
    om_wbuf_free(&w2);
  }
  /* from_arrays refuses bad arrays, naming the problem */
  {
    static const int64_t l[] = {1, -1, -1}, r[] = {2, -1, -1}, f[] = {0, -2, -2}, nn[] = {8, 3, 4};
    static const int64_t lb[] = {2, -1, -1}, rb[] = {2, -1, -1}, nb[] = {8, 4, 4};
    static const double t[] = {1.0, 0, 0}, tinf[] = {INFINITY, 0, 0};
    ifo_tree_arrays tr = {3, l, r, f, t, nn, NULL};
    ifo_forest_arrays a;
    ifo_model *bad = NULL;
    om_err e;
    memset(&a, 0, sizeof a);
    a.n_features = 1;
    a.n_trees = 1;
    a.trees = &tr;
    a.sample_size = 8;
    a.max_depth = 3;
    a.threshold = 0.5;
    CHECK(ifo_model_from_arrays(&a, &bad, &e) == OM_INVALID && !bad);
    CHECK_STR(e.msg, "tree 0: node 0's sample count is not its children's sum");
    tr.left = lb, tr.right = rb, tr.n_samples = nb;
    CHECK(ifo_model_from_arrays(&a, &bad, &e) == OM_INVALID);
    CHECK_STR(e.msg, "tree 0: node 0 has bad children");
    tr.left = l, tr.right = r, tr.n_samples = nb, tr.threshold = tinf;
    CHECK(ifo_model_from_arrays(&a, &bad, &e) == OM_INVALID);
    CHECK_STR(e.msg, "tree 0: node 0 has a threshold out of the float32 range");
    tr.threshold = t;
    a.max_depth = 0;
    CHECK(ifo_model_from_arrays(&a, &bad, &e) == OM_INVALID);
    CHECK_STR(e.msg, "isolation forest max depth 0 is out of range");
    a.max_depth = 3;
    a.threshold = 0.7; /* 'auto' must be 0.5 */
    CHECK(ifo_model_from_arrays(&a, &bad, &e) == OM_INVALID);
    a.threshold = 0.5;
    CHECK(ifo_model_from_arrays(&a, &bad, &e) == OM_OK && bad);
    ifo_free(bad);
  }
  ifo_free(m);
  ifo_free(m2);
}

/* ---------------------------------------------------------------- 3. parity with scikit-learn */

static void test_parity(void) {
  FILE *f = open_fixture("iforest_parity.txt");
  char line[512];
  int n = 0, F = 0, T = 0, psi = 0, depth = 0, ok = 1;
  double *X = NULL, *want = NULL, c_frac = 0, offset = 0;
  ifo_tree_arrays *trees = NULL;
  int64_t *buf_i = NULL;
  double *buf_t = NULL;
  ifo_model *m = NULL;
  om_err e;
  if (!f) {
    CHECK_MSG(0, "fixtures/forest/iforest_parity.txt not found (run from the repo root)");
    return;
  }
  while (fgets(line, sizeof line, f) && line[0] == '#') {
  }
  ok &= sscanf(line, "data %d %d", &n, &F) == 2;
  X = malloc(sizeof(double) * n * F);
  want = malloc(sizeof(double) * n);
  for (int i = 0; i < n * F; i++) ok &= fscanf(f, "%lf", &X[i]) == 1;
  ok &= fscanf(f, " forest %d %d %d", &T, &psi, &depth) == 3;
  trees = calloc(T, sizeof *trees);
  buf_i = malloc(sizeof(int64_t) * 4 * T * (2 * psi));
  buf_t = malloc(sizeof(double) * T * (2 * psi));
  for (int t = 0, at = 0; t < T && ok; t++) {
    int k = 0;
    int64_t *L = buf_i + (size_t)4 * at, *R = L + 2 * psi, *Fe = R + 2 * psi, *S = Fe + 2 * psi;
    ok &= fscanf(f, " tree %d", &k) == 1 && k <= 2 * psi - 1;
    for (int i = 0; i < k && ok; i++) {
      long long l, r, fe, s;
      ok &= fscanf(f, "%lld %lld %lld %lf %lld", &l, &r, &fe, &buf_t[at + i], &s) == 5;
      L[i] = l, R[i] = r, Fe[i] = fe, S[i] = s;
    }
    trees[t] = (ifo_tree_arrays){(uint32_t)k, L, R, Fe, buf_t + at, S, NULL};
    at += 2 * psi;
  }
  {
    int ns = 0;
    ok &= fscanf(f, " scores %d", &ns) == 1 && ns == n;
    for (int i = 0; i < n; i++) ok &= fscanf(f, "%lf", &want[i]) == 1;
    ok &= fscanf(f, " offset %lf %lf", &c_frac, &offset) == 2;
  }
  fclose(f);
  CHECK_MSG(ok, "could not parse iforest_parity.txt");
  if (ok) {
    ifo_forest_arrays a;
    memset(&a, 0, sizeof a);
    a.n_features = (uint32_t)F;
    a.n_trees = (uint32_t)T;
    a.trees = trees;
    a.sample_size = (uint32_t)psi;
    a.max_depth = (uint32_t)depth;
    a.threshold = 0.5;
    CHECK(ifo_model_from_arrays(&a, &m, &e) == OM_OK);
  }
  if (m) {
    double worst = 0, x[16], *s = malloc(sizeof(double) * n), thr;
    uint64_t cat[16] = {0};
    for (int i = 0; i < n; i++) {
      ifo_row_prepare(m, X + (size_t)i * F, cat, NULL, x);
      s[i] = ifo_score(m, x);
      if (fabs(s[i] - want[i]) > worst) worst = fabs(s[i] - want[i]);
    }
    printf("parity with scikit-learn: %d rows, %d trees, max |score - sklearn| = %.3g\n", n, T, worst);
    CHECK_MSG(worst <= 1e-12, "worst %.3g", worst);
    /* the contamination threshold is −offset_ on the same scores */
    thr = ifo_quantile_inplace(s, (size_t)n, 1.0 - c_frac);
    CHECK_MSG(fabs(thr + offset) <= 1e-12, "threshold %.17g, sklearn -offset_ %.17g", thr, -offset);
    /* and the model survives the codec bit for bit */
    {
      om_wbuf w;
      ifo_model *d = NULL;
      om_wbuf_init(&w);
      CHECK(ifo_encode(m, &w) == OM_OK);
      CHECK(ifo_decode(w.data, w.len, (uint32_t)F, NULL, &d, &e) == OM_OK);
      if (d) {
        int same = 1;
        for (int i = 0; i < n; i++) {
          ifo_row_prepare(d, X + (size_t)i * F, cat, NULL, x);
          same &= ifo_score(d, x) == ifo_score(m, x);
        }
        CHECK(same);
        ifo_free(d);
      }
      om_wbuf_free(&w);
    }
    free(s);
    ifo_free(m);
  }
  free(X);
  free(want);
  free(trees);
  free(buf_i);
  free(buf_t);
}

/* ---------------------------------------------------------------- 4. ROC-AUC next to scikit-learn */

static void test_auc(void) {
  FILE *f = open_fixture("iforest_auc.txt");
  char line[256], name[64];
  int n, F, sets = 0;
  if (!f) {
    CHECK_MSG(0, "fixtures/forest/iforest_auc.txt not found (run from the repo root)");
    return;
  }
  while (fgets(line, sizeof line, f) && line[0] == '#') {
  }
  while (sscanf(line, "set %63s %d %d", name, &n, &F) == 3) {
    double sk[5], sk_mean = 0, ours_mean = 0, *x = malloc(sizeof(double) * n * F), *s = malloc(sizeof(double) * n);
    int *y = malloc(sizeof(int) * n), ok = 1;
    ok &= fscanf(f, " sklearn_auc %lf %lf %lf %lf %lf", &sk[0], &sk[1], &sk[2], &sk[3], &sk[4]) == 5;
    for (int i = 0; i < n && ok; i++) {
      ok &= fscanf(f, "%d", &y[i]) == 1;
      for (int j = 0; j < F; j++) ok &= fscanf(f, "%lf", &x[i * F + j]) == 1;
    }
    CHECK(ok);
    for (int seed = 0; seed < 5 && ok; seed++) {
      dataset d = {n, F, x, NULL, NULL};
      ifo_options o;
      om_wbuf w;
      om_err e;
      ifo_model *m;
      ifo_options_default(&o);
      o.seed = (uint64_t)seed;
      om_wbuf_init(&w);
      CHECK(train(&d, &o, &w, NULL, &e) == OM_OK);
      if ((m = decode(&w, F, NULL))) {
        for (int i = 0; i < n; i++) s[i] = score_row(m, &d, i);
        ours_mean += roc_auc(s, y, n) / 5;
        ifo_free(m);
      }
      om_wbuf_free(&w);
      sk_mean += sk[seed] / 5;
    }
    printf("ROC-AUC %-14s omen %.4f  scikit-learn %.4f  (mean of 5 seeds, 100 trees x 256)\n", name, ours_mean,
           sk_mean);
    CHECK_MSG(fabs(ours_mean - sk_mean) <= 0.015, "%s: omen %.4f, sklearn %.4f", name, ours_mean, sk_mean);
    free(x);
    free(s);
    free(y);
    sets++;
    if (!fgets(line, sizeof line, f) || !fgets(line, sizeof line, f)) break; /* rest of the last row, next header */
  }
  fclose(f);
  CHECK(sets == 2);
}

/* ---------------------------------------------------------------- data for the training tests */

enum { N = 600, NF = 4 };
static double gx[N * NF];
static uint64_t gcat[N * NF];
static const uint8_t GTYPES[NF] = {FV_NUMERIC, FV_NUMERIC, FV_CATEGORICAL, FV_NUMERIC};

static void make_data(void) {
  static const uint64_t hosts[6] = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666};
  for (int i = 0; i < N; i++) {
    double *r = gx + i * NF;
    int h = unif() < 0.6 ? 0 : (int)(1 + unif() * 4);
    r[0] = 10 + gauss();
    r[1] = unif() < 0.1 ? NAN : 2 * r[0] + gauss() * 0.5; /* 10% missing */
    r[2] = 0;
    gcat[i * NF + 2] = hosts[h];
    r[3] = (double)(i % 3); /* few distinct values */
    if (i % 97 == 5) {      /* anomalies */
      r[0] += 8;
      gcat[i * NF + 2] = 0xdead0000 + (uint64_t)i; /* a category seen once */
    }
  }
}

static dataset gdata(void) { return (dataset){N, NF, gx, gcat, GTYPES}; }

static uint32_t g_trees = 30, g_sample = 128; /* the size train_opts trains */

static om_status train_opts(uint32_t threads, uint64_t seed, double contamination, om_wbuf *w, om_wbuf *metrics) {
  dataset d = gdata();
  ifo_options o;
  om_err e;
  om_status st;
  ifo_options_default(&o);
  o.n_trees = g_trees;
  o.sample_size = g_sample;
  o.threads = threads;
  o.seed = seed;
  o.contamination = contamination;
  st = train(&d, &o, w, metrics, &e);
  if (st != OM_OK) CHECK_MSG(0, "train: %s", e.msg);
  return st;
}

/* ---------------------------------------------------------------- 5. training properties */

static void test_training(void) {
  om_wbuf w1, w2, w3, w4, met;
  om_wbuf_init(&w1);
  om_wbuf_init(&w2);
  om_wbuf_init(&w3);
  om_wbuf_init(&w4);
  om_wbuf_init(&met);
  /* determinism: threads 1, 2, 3 give the same bytes; another seed does not */
  train_opts(1, 42, 0.05, &w1, &met);
  train_opts(2, 42, 0.05, &w2, NULL);
  train_opts(3, 42, 0.05, &w3, NULL);
  train_opts(2, 43, 0.05, &w4, NULL);
  CHECK(w1.len > 100 && w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0);
  CHECK(w1.len == w3.len && memcmp(w1.data, w3.data, w1.len) == 0);
  CHECK(!(w1.len == w4.len && memcmp(w1.data, w4.data, w1.len) == 0));
  om_wbuf_u8(&met, 0);
  printf("metrics: %s\n", (const char *)met.data);
  CHECK(strstr((const char *)met.data, "\"rows\":600,\"n_trees\":30,\"sample_size\":128,\"max_depth\":7,"
                                       "\"contamination\":0.05,\"threshold\":") != NULL);
  {
    ifo_model *m = decode(&w1, NF, GTYPES);
    dataset d = gdata();
    if (m) {
      int flagged = 0, anomalies_found = 0, n_anom = 0, sum_ok = 1;
      double x[NF], out[NF], worst_anom = 1, best_normal = 0;
      uint8_t miss[NF];
      CHECK(ifo_model_contamination(m) == 0.05 && ifo_model_threshold(m) > 0.4 && ifo_model_threshold(m) < 0.8);
      for (int i = 0; i < N; i++) {
        double s = score_row(m, &d, i);
        int anom = i % 97 == 5;
        flagged += s > ifo_model_threshold(m);
        if (anom) {
          n_anom++;
          anomalies_found += s > ifo_model_threshold(m);
          if (s < worst_anom) worst_anom = s;
        } else if (s > best_normal)
          best_normal = s;
        /* evidence sums to log2(2·score) */
        for (int f = 0; f < NF; f++) miss[f] = isnan(gx[i * NF + f]);
        ifo_row_prepare(m, gx + i * NF, gcat + i * NF, miss, x);
        ifo_explain(m, x, out);
        sum_ok &= fabs(out[0] + out[1] + out[2] + out[3] - log2(2 * ifo_score(m, x))) < 1e-12;
      }
      CHECK(sum_ok);
      /* all rows in the score sample: exactly 5% above the threshold, up to ties */
      CHECK_MSG(flagged >= 25 && flagged <= 31, "flagged %d", flagged);
      CHECK_MSG(anomalies_found == n_anom, "found %d of %d anomalies", anomalies_found, n_anom);
      /* the anomalies' evidence names x0 or the rare host */
      ifo_row_prepare(m, gx + 5 * NF, gcat + 5 * NF, NULL, x);
      CHECK(x[2] == 0); /* a category seen once encodes as 0 */
      ifo_explain(m, x, out);
      CHECK(out[0] > out[1] && out[0] > out[3] && out[2] > out[1] && out[2] > out[3]);
      /* a row with every feature missing follows the bulk everywhere */
      for (int f = 0; f < NF; f++) x[f] = NAN;
      CHECK_MSG(ifo_score(m, x) < 0.5, "all missing scores %g", ifo_score(m, x));
      /* an unseen host with normal numbers is more anomalous than the usual host */
      {
        double num[NF] = {10, 20, 0, 1};
        uint64_t cat[NF] = {0, 0, 0x1111, 0};
        double usual, unseen;
        ifo_row_prepare(m, num, cat, NULL, x);
        CHECK(x[2] > 0.5 && x[2] < 0.7); /* host 0x1111 is ~60% of the rows */
        usual = ifo_score(m, x);
        cat[2] = 0x999999;
        ifo_row_prepare(m, num, cat, NULL, x);
        CHECK(x[2] == 0);
        unseen = ifo_score(m, x);
        CHECK_MSG(unseen > usual, "unseen %g usual %g", unseen, usual);
      }
      /* importance: the continuous features carry the top 5%, the 3-valued x3 least */
      {
        ifo_importance imp[NF];
        ifo_feature_importance(m, imp);
        printf("importance gain: %.4f %.4f %.4f %.4f; splits %llu %llu %llu %llu\n", imp[0].gain, imp[1].gain,
               imp[2].gain, imp[3].gain, (unsigned long long)imp[0].splits, (unsigned long long)imp[1].splits,
               (unsigned long long)imp[2].splits, (unsigned long long)imp[3].splits);
        CHECK(imp[0].gain > imp[3].gain && imp[1].gain > imp[3].gain && imp[2].gain > 0);
        CHECK(imp[0].splits > 0 && imp[2].splits > 0 && imp[0].cover > 0);
      }
      ifo_free(m);
    }
  }
  /* 'auto' threshold is 0.5 */
  {
    om_wbuf w;
    ifo_model *m;
    om_wbuf_init(&w);
    train_opts(1, 42, 0, &w, NULL);
    if ((m = decode(&w, NF, GTYPES))) {
      CHECK(ifo_model_threshold(m) == 0.5 && ifo_model_contamination(m) == 0);
      ifo_free(m);
    }
    om_wbuf_free(&w);
  }
  om_wbuf_free(&w1);
  om_wbuf_free(&w2);
  om_wbuf_free(&w3);
  om_wbuf_free(&w4);
  om_wbuf_free(&met);
}

/* Each tree's reservoir is a uniform sample without replacement of the stream. */
static void test_reservoir(void) {
  enum { ROWS = 64, T = 1000, K = 16 };
  ifo_options o;
  ifo_accum *a = NULL;
  uint8_t types[1] = {FV_NUMERIC};
  long counts[ROWS] = {0};
  int distinct_ok = 1, lo = 1 << 30, hi = 0;
  om_err e;
  ifo_options_default(&o);
  o.n_trees = T;
  o.sample_size = K;
  CHECK(ifo_accum_init(&a, &o, 1, types, &e) == OM_OK);
  if (!a) return;
  for (int i = 0; i < ROWS; i++) {
    double v = i;
    CHECK(ifo_accum_add(a, &v, NULL, NULL, &e) == OM_OK);
  }
  for (uint32_t t = 0; t < T; t++) {
    uint8_t seen[ROWS] = {0};
    for (uint32_t s = 0; s < K; s++) {
      uint64_t bits;
      int miss;
      if (!ifo_accum_peek(a, t, s, 0, &bits, &miss)) {
        distinct_ok = 0;
        continue;
      }
      int r = (int)om_f64_from_bits(bits);
      distinct_ok &= !seen[r]++;
      counts[r]++;
    }
  }
  for (int i = 0; i < ROWS; i++) {
    if (counts[i] < lo) lo = (int)counts[i];
    if (counts[i] > hi) hi = (int)counts[i];
  }
  /* each row in 1000·16/64 = 250 samples on average, σ ≈ 13.7 */
  printf("reservoir: rows kept in %d..%d of %d samples (expected 250)\n", lo, hi, T);
  CHECK(distinct_ok);
  CHECK_MSG(lo > 195 && hi < 305, "%d..%d", lo, hi);
  /* the shared store keeps each row once */
  CHECK(ifo_accum_kept_rows(a) <= ROWS);
  ifo_accum_free(a);
  /* a long stream: memory stays bounded by the reservoirs */
  {
    om_wbuf w;
    ifo_options_default(&o);
    o.n_trees = 10;
    o.sample_size = 32;
    CHECK(ifo_accum_init(&a, &o, 1, types, &e) == OM_OK);
    for (int i = 0; i < 200000; i++) {
      double v = unif();
      ifo_accum_add(a, &v, NULL, NULL, &e);
    }
    CHECK(ifo_accum_rows(a) == 200000);
    CHECK_MSG(ifo_accum_kept_rows(a) <= 10 * 32 + IFO_SCORE_SAMPLE, "kept %u", ifo_accum_kept_rows(a));
    om_wbuf_init(&w);
    CHECK(ifo_accum_finish(a, NULL, NULL, &w, NULL, &e) == OM_OK);
    om_wbuf_free(&w);
    ifo_accum_free(a);
  }
}

/* Features discovered mid-stream, and a schema order that is not the
** discovery order, give the model of the same rows known from the start. */
static void test_discovery(void) {
  ifo_options o;
  ifo_accum *a = NULL, *b = NULL;
  om_wbuf wa, wb;
  om_err e;
  uint8_t t1[1] = {FV_NUMERIC}, t3[3] = {FV_CATEGORICAL, FV_NUMERIC, FV_NUMERIC};
  uint32_t order[3] = {2, 0, 1}; /* schema: [c (cat), a, b] ← discovery [a, b, c] */
  ifo_options_default(&o);
  o.n_trees = 20;
  o.sample_size = 50;
  om_wbuf_init(&wa);
  om_wbuf_init(&wb);
  CHECK(ifo_accum_init(&a, &o, 1, t1, &e) == OM_OK);
  CHECK(ifo_accum_init(&b, &o, 3, t3, &e) == OM_OK);
  for (int i = 0; i < 300 && a && b; i++) {
    double num[3], nb[3];
    uint64_t cat[3], cb[3];
    uint8_t miss[3], mb[3];
    if (i == 40) CHECK(ifo_accum_add_feature(a, FV_NUMERIC, &e) == OM_OK);
    if (i == 90) {
      for (int k = 0; k < 10; k++) /* widen the stride several times */
        if (k == 0) CHECK(ifo_accum_add_feature(a, FV_CATEGORICAL, &e) == OM_OK);
    }
    num[0] = gauss();
    num[1] = i < 40 ? NAN : gauss() * 3;
    cat[2] = (uint64_t)(i % 7 == 0 ? 5 : 6);
    miss[0] = 0, miss[1] = i < 40, miss[2] = i < 90;
    CHECK(ifo_accum_add(a, num, cat, miss, &e) == OM_OK);
    /* b: schema order [c, a, b] from the start */
    nb[1] = num[0], nb[2] = num[1];
    cb[0] = cat[2];
    mb[0] = miss[2], mb[1] = 0, mb[2] = miss[1];
    CHECK(ifo_accum_add(b, nb, cb, mb, &e) == OM_OK);
  }
  if (a && b) {
    CHECK(ifo_accum_n_features(a) == 3);
    CHECK(ifo_accum_finish(a, order, NULL, &wa, NULL, &e) == OM_OK);
    CHECK(ifo_accum_finish(b, NULL, NULL, &wb, NULL, &e) == OM_OK);
    CHECK(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
    {
      uint32_t bad[3] = {0, 0, 1};
      om_wbuf w;
      om_wbuf_init(&w);
      CHECK(ifo_accum_finish(a, bad, NULL, &w, NULL, &e) == OM_INVALID);
      CHECK_STR(e.msg, "the feature order is not a permutation");
      om_wbuf_free(&w);
    }
  }
  ifo_accum_free(a);
  ifo_accum_free(b);
  om_wbuf_free(&wa);
  om_wbuf_free(&wb);
}

/* Small and degenerate inputs. */
static void test_edges(void) {
  ifo_options o;
  ifo_accum *a = NULL;
  om_wbuf w, met;
  om_err e;
  uint8_t t2[2] = {FV_NUMERIC, FV_NUMERIC};
  ifo_model *m;
  double x[2];
  ifo_options_default(&o);
  /* no rows, no features */
  CHECK(ifo_accum_init(&a, &o, 2, t2, &e) == OM_OK);
  om_wbuf_init(&w);
  CHECK(ifo_accum_finish(a, NULL, NULL, &w, NULL, &e) == OM_INVALID);
  CHECK_STR(e.msg, "no rows to train on");
  ifo_accum_free(a);
  CHECK(ifo_accum_init(&a, &o, 0, NULL, &e) == OM_OK);
  CHECK(ifo_accum_add(a, NULL, NULL, NULL, &e) == OM_OK);
  CHECK(ifo_accum_finish(a, NULL, NULL, &w, NULL, &e) == OM_INVALID);
  CHECK_STR(e.msg, "no feature has a value in any row");
  ifo_accum_free(a);
  /* one row: ψ = 1, every score 0.5 */
  o.contamination = 0.1;
  CHECK(ifo_accum_init(&a, &o, 2, t2, &e) == OM_OK);
  x[0] = 1, x[1] = 2;
  CHECK(ifo_accum_add(a, x, NULL, NULL, &e) == OM_OK);
  om_wbuf_init(&met);
  CHECK(ifo_accum_finish(a, NULL, NULL, &w, &met, &e) == OM_OK);
  ifo_accum_free(a);
  if ((m = decode(&w, 2, t2))) {
    CHECK(ifo_model_sample_size(m) == 1 && ifo_model_max_depth(m) == 1);
    x[0] = 100;
    CHECK(ifo_score(m, x) == 0.5 && !ifo_is_anomaly(m, x));
    ifo_free(m);
  }
  om_wbuf_reset(&w);
  om_wbuf_reset(&met);
  /* constant columns: single-leaf trees, every score 0.5; ±Inf and huge values saturate */
  o.contamination = 0;
  CHECK(ifo_accum_init(&a, &o, 2, t2, &e) == OM_OK);
  for (int i = 0; i < 50; i++) {
    x[0] = 3, x[1] = i == 7 ? NAN : 1e300;
    CHECK(ifo_accum_add(a, x, NULL, NULL, &e) == OM_OK);
  }
  x[1] = INFINITY;
  CHECK(ifo_accum_add(a, x, NULL, NULL, &e) == OM_OK); /* 1e300 and +Inf are both FLT_MAX */
  CHECK(ifo_accum_finish(a, NULL, NULL, &w, NULL, &e) == OM_OK);
  ifo_accum_free(a);
  if ((m = decode(&w, 2, t2))) {
    CHECK(ifo_model_n_nodes(m) == ifo_model_n_trees(m));
    x[0] = -5, x[1] = 0;
    CHECK(ifo_score(m, x) == 0.5);
    ifo_free(m);
  }
  /* budget and option errors */
  o.n_trees = 10000;
  o.sample_size = 1u << 20;
  CHECK(ifo_accum_init(&a, &o, 2, t2, &e) == OM_INVALID && !a);
  CHECK(strstr(e.msg, "lower n_trees or sample_size") != NULL);
  ifo_options_default(&o);
  o.n_trees = 0;
  CHECK(ifo_accum_init(&a, &o, 2, t2, &e) == OM_INVALID);
  CHECK_STR(e.msg, "option n_trees must be an integer from 1 to 10000");
  ifo_options_default(&o);
  {
    uint8_t bad[1] = {0};
    CHECK(ifo_accum_init(&a, &o, 1, bad, &e) == OM_INVALID);
    CHECK_STR(e.msg, "feature 0 has type 0; expected numeric or categorical");
  }
  om_wbuf_free(&w);
  om_wbuf_free(&met);
}

static void test_options(void) {
  ifo_options o;
  om_err e;
  om_wbuf w;
  const char *ok = "{\"n_trees\": 50, \"sample_size\": 64, \"max_depth\": 5, \"contamination\": 0.02, "
                   "\"seed\": 9, \"threads\": 2}";
  CHECK(ifo_options_parse(ok, strlen(ok), &o, &e) == OM_OK);
  CHECK(o.n_trees == 50 && o.sample_size == 64 && o.max_depth == 5 && o.contamination == 0.02 && o.seed == 9 &&
        o.threads == 2);
  CHECK(ifo_options_parse(NULL, 0, &o, &e) == OM_OK && o.n_trees == 100 && o.sample_size == 256);
  CHECK(ifo_options_parse("{\"contamination\":\"auto\"}", 24, &o, &e) == OM_OK && o.contamination == 0);
#define BAD(text, want)                                                                                                 \
  do {                                                                                                                 \
    CHECK(ifo_options_parse(text, strlen(text), &o, &e) == OM_INVALID);                                                \
    CHECK_STR(e.msg, want);                                                                                            \
  } while (0)
  BAD("{\"trees\": 5}", "unknown option \"trees\"; accepted: n_trees, sample_size, max_depth, contamination, seed, threads");
  BAD("{\"n_trees\": 0}", "option n_trees must be an integer from 1 to 10000");
  BAD("{\"n_trees\": 2.5}", "option n_trees must be an integer from 1 to 10000");
  BAD("{\"sample_size\": \"big\"}", "option sample_size must be an integer from 1 to 1048576");
  BAD("{\"contamination\": 0.6}", "option contamination must be 'auto' or a number in (0, 0.5]");
  BAD("{\"contamination\": 0}", "option contamination must be 'auto' or a number in (0, 0.5]");
  BAD("{\"contamination\": true}", "option contamination must be 'auto' or a number in (0, 0.5]");
  BAD("{\"max_depth\": 65}", "option max_depth must be an integer from 1 to 64");
  BAD("{\"threads\": -1}", "option threads must be an integer from 0 (automatic) to 64");
  BAD("{\"seed\": 1e300}", "option seed must be an integer from 0 to 2^53");
  CHECK(ifo_options_parse("[1]", 3, &o, &e) == OM_INVALID && strncmp(e.msg, "options are not a JSON object", 29) == 0);
#undef BAD
  ifo_options_default(&o);
  o.contamination = 0.01;
  om_wbuf_init(&w);
  CHECK(ifo_options_json(&o, &w) == OM_OK);
  om_wbuf_u8(&w, 0);
  CHECK_STR((const char *)w.data,
            "{\"n_trees\":100,\"sample_size\":256,\"max_depth\":\"auto\",\"contamination\":0.01,\"seed\":0}");
  om_wbuf_free(&w);
}

/* ---------------------------------------------------------------- 6. codec */

static void test_codec(void) {
  om_status tst;
  om_wbuf w;
  uint8_t is_cat[NF];
  uint8_t *p;
  size_t n;
  ifo_model *m = NULL, *m2 = NULL;
  om_err e;
  om_wbuf_init(&w);
  g_trees = 6; /* a small forest (about 4 KB): every bit is flipped below */
  g_sample = 64;
  tst = train_opts(1, 7, 0.02, &w, NULL);
  g_trees = 30;
  g_sample = 128;
  if (tst != OM_OK) return;
  p = w.data;
  n = w.len;
  for (int f = 0; f < NF; f++) is_cat[f] = GTYPES[f] == FV_CATEGORICAL;
  CHECK(ifo_decode(p, n, NF, is_cat, &m, &e) == OM_OK);
  if (!m) return;
  CHECK(m->n_cat > 0); /* the host table */
  /* schema and version */
  {
    uint8_t other[NF] = {0, 0, 0, 0};
    CHECK(ifo_decode(p, n, NF + 1, NULL, &m2, &e) == OM_CORRUPT && !m2);
    CHECK_STR(e.msg, "isolation forest payload has 4 features, the model has 5");
    CHECK(ifo_decode(p, n, NF, other, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "isolation forest payload: feature 2 kind does not match the model");
    p[0] = IFO_FORMAT + 1;
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_UNSUPPORTED_VERSION);
    CHECK_STR(e.msg, "isolation forest payload format 2 is newer than this build (reads up to 1)");
    p[0] = 0;
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
    p[0] = IFO_FORMAT;
    CHECK(ifo_decode(NULL, 0, NF, is_cat, &m2, &e) == OM_CORRUPT);
  }
  /* every truncation, and a trailing byte */
  {
    int all = 1;
    uint8_t *q = malloc(n + 1);
    for (size_t k = 0; k < n; k++) {
      m2 = NULL;
      if (ifo_decode(p, k, NF, is_cat, &m2, &e) != OM_CORRUPT || m2) {
        all = 0;
        ifo_free(m2);
      }
    }
    CHECK(all);
    memcpy(q, p, n);
    q[n] = 0;
    CHECK(ifo_decode(q, n + 1, NF, is_cat, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "isolation forest payload has 1 trailing bytes");
    free(q);
  }
  /* every single-bit flip: rejected, or a model that scores within (0, 1] */
  {
    long ok = 0, bad = 0, other = 0;
    dataset d = gdata();
    for (size_t bit = 0; bit < n * 8; bit++) {
      om_status st;
      p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      m2 = NULL;
      st = ifo_decode(p, n, NF, is_cat, &m2, &e);
      if (st == OM_OK) {
        double out[NF];
        double x[NF];
        ok++;
        for (int i = 0; i < 20; i++) {
          double s = score_row(m2, &d, i);
          if (!(s > 0 && s <= 1)) other++;
        }
        for (int f = 0; f < NF; f++) x[f] = NAN;
        ifo_explain(m2, x, out);
        {
          om_wbuf w2;
          om_wbuf_init(&w2);
          if (ifo_encode(m2, &w2) != OM_OK || w2.len != n || memcmp(w2.data, p, n) != 0) other++;
          om_wbuf_free(&w2);
        }
        ifo_free(m2);
      } else if (st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION) {
        bad++;
        if (m2) other++;
      } else
        other++;
      p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    printf("bit flips: %ld decoded, %ld rejected, %ld other\n", ok, bad, other);
    CHECK(other == 0 && ok > 0 && bad > 0);
  }
  /* hand-made corruptions */
  {
    size_t hdr = 2 + 2 + 4 + NF, scal = hdr + 16, range = scal + 16 + 8 * NF, cats = range + 16 * NF, trees, root;
    uint32_t k = om_load_u32(p + cats);
    trees = cats + 4 + (size_t)k * 16; /* one categorical feature */
    root = trees + 4 + 4;              /* after n_nodes and the first tree's count */
    CHECK(p[root] == 1 || p[root] == 2);
    {
      uint8_t save[9];
      memcpy(save, p + root, 9);
      om_store_u32(p + root + 1, NF); /* feature out of range */
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "tree 0: node 0 splits on feature 4 of 4");
      memcpy(p + root, save, 9);
      om_store_u32(p + root + 5, 0x7fc00000u); /* NaN threshold */
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "tree 0: node 0 has a threshold that is not finite");
      memcpy(p + root, save, 9);
      p[root] = 3;
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "tree 0: node 0 has an unknown tag 3");
      memcpy(p + root, save, 9);
      p[root] = 0; /* a leaf root: then the tree ends too early */
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      memcpy(p + root, save, 9);
    }
    om_store_u32(p + trees, 0xffffffffu);
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "isolation forest node count 4294967295 does not fit");
    om_store_u32(p + trees, m->n_nodes);
    om_store_u32(p + cats, 0x10000000u); /* category count beyond the bytes */
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "isolation forest category table of feature 2 does not fit");
    om_store_u32(p + cats, k);
    if (k >= 2) { /* unsorted hashes */
      uint8_t save[16];
      memcpy(save, p + cats + 4, 16);
      memcpy(p + cats + 4, p + cats + 4 + 16, 8);
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "isolation forest categories of feature 2 are not sorted");
      memcpy(p + cats + 4, save, 16);
    }
    {
      double thr = om_f64_from_bits(om_load_u64(p + scal + 8));
      om_store_u64(p + scal + 8, om_f64_bits(NAN));
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "isolation forest threshold is out of range");
      om_store_u64(p + scal + 8, om_f64_bits(thr));
    }
    {
      uint64_t lo = om_load_u64(p + range), hi = om_load_u64(p + range + 8 * NF);
      CHECK(om_f64_from_bits(lo) <= om_f64_from_bits(hi)); /* feature 0's range */
      om_store_u64(p + range, om_f64_bits(om_f64_from_bits(hi) + 1)); /* lo > hi */
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      CHECK_STR(e.msg, "isolation forest expected range of feature 0 is out of range");
      om_store_u64(p + range, om_f64_bits(NAN)); /* only one side NaN */
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
      om_store_u64(p + range + 8 * NF, om_f64_bits(NAN)); /* both NaN: no range, fine */
      CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_OK);
      ifo_free(m2);
      om_store_u64(p + range, lo);
      om_store_u64(p + range + 8 * NF, hi);
    }
    om_store_u32(p + hdr + 4, 0); /* sample size 0 */
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "isolation forest sample size 0 is out of range");
    om_store_u32(p + hdr + 4, m->sample_size + 1); /* another sample size: the roots do not hold it */
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
    om_store_u32(p + hdr + 4, m->sample_size);
    om_store_u32(p + hdr + 8, 2); /* max_depth below the trees' */
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_CORRUPT);
    CHECK_STR(e.msg, "tree 0 is deeper than max_depth 2");
    om_store_u32(p + hdr + 8, m->max_depth);
    CHECK(ifo_decode(p, n, NF, is_cat, &m2, &e) == OM_OK);
    ifo_free(m2);
  }
  /* decoder OOM loop */
  {
    long k;
    int fine = 1;
    for (k = 1; k < 100; k++) {
      om_status st;
      m2 = NULL;
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      st = ifo_decode(p, n, NF, is_cat, &m2, &e);
      om_test_alloc_reset();
      if (st == OM_OK) {
        ifo_free(m2);
        break;
      }
      if (st != OM_NOMEM || m2) fine = 0;
    }
    CHECK(fine && k > 3 && k < 100);
  }
  ifo_free(m);
  om_wbuf_free(&w);
}

/* ---------------------------------------------------------------- 7. the kind row */

static void test_kind(void) {
  om_wbuf pay, env, info;
  mdl_feature feats[NF] = {{"a", 1, FV_NUMERIC}, {"b", 1, FV_NUMERIC}, {"host", 4, FV_CATEGORICAL}, {"z", 1, FV_NUMERIC}};
  mdl_meta meta;
  mdl_view v;
  const mdl_kind_def *k;
  void *model = NULL;
  om_err e;
  om_wbuf_init(&pay);
  om_wbuf_init(&env);
  om_wbuf_init(&info);
  CHECK(train_opts(2, 1, 0, &pay, NULL) == OM_OK);
  memset(&meta, 0, sizeof meta);
  meta.options_json = "{}";
  meta.options_len = 2;
  meta.metrics_json = "{}";
  meta.metrics_len = 2;
  CHECK(mdl_write(&env, MDL_KIND_IFOREST, IFO_FORMAT, feats, NF, &meta, pay.data, pay.len, &e) == OM_OK);
  CHECK(mdl_kind_name(MDL_KIND_IFOREST) && strcmp(mdl_kind_name(MDL_KIND_IFOREST), "iforest") == 0);
  CHECK(mdl_decode(env.data, env.len, &v, &k, &model, &e) == OM_OK);
  if (model) {
    om_jw j;
    double num[NF] = {10, 20, 0, 1}, x[NF];
    uint64_t cat[NF] = {0, 0, 0x1111, 0};
    uint8_t miss[NF] = {0, 1, 0, 0};
    mdl_importance imp[NF];
    CHECK(k->code == MDL_KIND_IFOREST && k->row_prepare && k->info && k->importance);
    k->row_prepare(model, num, cat, miss, x);
    CHECK(x[0] == 10 && isnan(x[1]) && x[2] > 0 && x[3] == 1);
    om_jw_init(&j, &info);
    om_jw_begin_object(&j);
    CHECK(k->info(model, &j, &e) == OM_OK);
    om_jw_end_object(&j);
    om_wbuf_u8(&info, 0);
    CHECK_STR((const char *)info.data,
              "{\"n_trees\":30,\"sample_size\":128,\"max_depth\":7,\"contamination\":\"auto\",\"threshold\":0.5}");
    CHECK(k->importance(model, imp, &e) == OM_OK && imp[0].splits > 0);
    /* anomaly hooks (mdl_kind.h behaviour 6) */
    CHECK(k->anomaly_score && k->anomaly_threshold && k->explain);
    CHECK(k->anomaly_threshold(model) == 0.5);
    CHECK(k->anomaly_score(model, x) == ifo_score(model, x));
    {
      mdl_evidence ev[NF];
      double sum = 0, all_missing[NF] = {NAN, NAN, NAN, NAN};
      const ifo_model *im = model;
      double lo0 = ifo_model_expected_lo(im, 0), hi0 = ifo_model_expected_hi(im, 0);
      /* x0 ~ N(10, 1): Tukey's fences about 10 ± 2.7 (anomalies at 18 do not widen them) */
      CHECK_MSG(lo0 > 6.5 && lo0 < 8.5 && hi0 > 11.5 && hi0 < 13.5, "x0 expected %g..%g", lo0, hi0);
      CHECK(ifo_model_expected_lo(im, 3) == 0 && ifo_model_expected_hi(im, 3) == 2); /* clipped to the values */
      CHECK(ifo_model_expected_hi(im, 2) > 0.5 && ifo_model_expected_hi(im, 2) <= 0.7); /* host frequencies */
      num[0] = 25;
      k->row_prepare(model, num, cat, miss, x);
      k->explain(model, x, ev);
      for (int f = 0; f < NF; f++) sum += ev[f].contribution;
      CHECK_CLOSE(sum, log2(2 * k->anomaly_score(model, x)), 1e-12);
      CHECK(ev[0].value == 25 && ev[0].expected_lo == lo0 && ev[0].expected_hi == hi0);
      CHECK_CLOSE(ev[0].deviation, (25 - hi0) / (hi0 - lo0), 1e-15);
      CHECK(isnan(ev[1].value) && isnan(ev[1].deviation)); /* missing */
      CHECK(ev[3].deviation == 0);                          /* inside */
      CHECK(ev[0].contribution > ev[2].contribution && ev[0].contribution > ev[3].contribution);
      CHECK(k->anomaly_score(model, x) > 0.5);
      CHECK(isnan(k->anomaly_score(model, all_missing))); /* nothing to score */
      CHECK(ifo_score(model, all_missing) < 0.5);
    }
    k->close(model);
    mdl_view_free(&v);
  }
  /* another payload version */
  om_wbuf_reset(&env);
  CHECK(mdl_write(&env, MDL_KIND_IFOREST, IFO_FORMAT + 1, feats, NF, &meta, pay.data, pay.len, &e) == OM_OK);
  CHECK(mdl_decode(env.data, env.len, &v, &k, &model, &e) == OM_UNSUPPORTED_VERSION);
  CHECK_STR(e.msg, "isolation forest payload version 2 is not supported (this build reads 1)");
  om_wbuf_free(&pay);
  om_wbuf_free(&env);
  om_wbuf_free(&info);
}

/* ---------------------------------------------------------------- 8. interrupts and OOM */

static int stop_after(void *arg) { return --*(int *)arg < 0; }

static void test_interrupt_oom(void) {
  dataset d = gdata();
  ifo_options o;
  ifo_options_default(&o);
  o.n_trees = 12;
  o.sample_size = 64;
  o.contamination = 0.1;
  for (int threads = 1; threads <= 2; threads++) {
    for (int budget = 0; budget < 4; budget++) {
      ifo_accum *a = NULL;
      om_wbuf w;
      om_err e;
      int left = budget;
      om_interrupt it = {stop_after, &left};
      uint8_t miss[NF];
      om_status st;
      o.threads = (uint32_t)threads;
      om_wbuf_init(&w);
      CHECK(ifo_accum_init(&a, &o, NF, d.types, &e) == OM_OK);
      for (int i = 0; i < N; i++) {
        for (int f = 0; f < NF; f++) miss[f] = isnan(gx[i * NF + f]);
        ifo_accum_add(a, gx + i * NF, gcat + i * NF, miss, &e);
      }
      st = ifo_accum_finish(a, NULL, &it, &w, NULL, &e);
      CHECK_MSG(st == OM_INTERRUPTED && w.len == 0, "budget %d threads %d: %d", budget, threads, st);
      ifo_accum_free(a);
      om_wbuf_free(&w);
    }
  }
  /* OOM loop over the whole training (init, adds, finish) */
  {
    long k;
    int fine = 1;
    long start = om_test_alloc_live;
    o.threads = 2;
    for (k = 1; k < 400; k++) {
      om_wbuf w, met;
      om_err e;
      om_status st;
      om_wbuf_init(&w);
      om_wbuf_init(&met);
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      st = train(&d, &o, &w, &met, &e);
      om_test_alloc_reset();
      om_wbuf_free(&w);
      om_wbuf_free(&met);
      if (st == OM_OK) break;
      if (st != OM_NOMEM) {
        fine = 0;
        fprintf(stderr, "OOM at %ld gave %d: %s\n", k, st, e.msg);
      }
      if (om_test_alloc_live != start) {
        fine = 0;
        fprintf(stderr, "OOM at %ld leaked %ld blocks\n", k, om_test_alloc_live - start);
        start = om_test_alloc_live;
      }
    }
    CHECK_MSG(fine && k > 10 && k < 400, "k = %ld", k);
  }
  /* OOM loop over from_arrays */
  {
    long k;
    int fine = 1;
    for (k = 1; k < 50; k++) {
      ifo_model *m;
      om_test_alloc_reset();
      om_test_alloc_fail_at = k;
      m = hand_model_q(1, 1);
      om_test_alloc_reset();
      if (m) {
        ifo_free(m);
        break;
      }
    }
    CHECK(fine && k > 2 && k < 50);
  }
}

/* ---------------------------------------------------------------- 9. categorical features help */

static void test_categorical_helps(void) {
  enum { R = 2000 };
  static double x[R * 3], xn[R * 2];
  static uint64_t c[R * 3];
  static int y[R];
  static const uint8_t types[3] = {FV_NUMERIC, FV_NUMERIC, FV_CATEGORICAL};
  double with = 0, without = 0, s[R];
  for (int i = 0; i < R; i++) {
    int anom = i % 50 == 7;
    x[i * 3] = xn[i * 2] = 5 + gauss();
    x[i * 3 + 1] = xn[i * 2 + 1] = 3 * x[i * 3] + gauss();
    x[i * 3 + 2] = 0;
    /* 8 hosts with skewed frequencies; anomalies run on a host seen rarely */
    c[i * 3 + 2] = anom ? 0xbad0 + (uint64_t)(i % 3) : (uint64_t)(1 + (int)(8 * unif() * unif()));
    y[i] = anom;
  }
  for (int seed = 0; seed < 3; seed++) {
    ifo_options o;
    om_wbuf w;
    om_err e;
    ifo_model *m;
    dataset d3 = {R, 3, x, c, types}, d2 = {R, 2, xn, NULL, NULL};
    ifo_options_default(&o);
    o.seed = (uint64_t)seed;
    om_wbuf_init(&w);
    CHECK(train(&d3, &o, &w, NULL, &e) == OM_OK);
    if ((m = decode(&w, 3, types))) {
      for (int i = 0; i < R; i++) s[i] = score_row(m, &d3, i);
      with += roc_auc(s, y, R) / 3;
      ifo_free(m);
    }
    om_wbuf_reset(&w);
    CHECK(train(&d2, &o, &w, NULL, &e) == OM_OK);
    if ((m = decode(&w, 2, NULL))) {
      for (int i = 0; i < R; i++) s[i] = score_row(m, &d2, i);
      without += roc_auc(s, y, R) / 3;
      ifo_free(m);
    }
    om_wbuf_free(&w);
  }
  printf("rare-host anomalies: ROC-AUC %.4f with the host (frequency-encoded), %.4f without\n", with, without);
  CHECK(with > without + 0.2);
}

/* ---------------------------------------------------------------- 10. the committed format-1 payload */

/* fixtures/forest/ifo_model_v1.bin: a small trained forest (6 trees x 64,
** contamination 0.05, the mixed data above), and ifo_model_v1_scores.txt its
** scores of rows 0..59 (hex floats).  IFO_WRITE_FIXTURE=1 build/unit/test_ifo
** from the repo root rewrites them: only when the format version changes. */
static void test_committed_fixture(void) {
  static uint8_t buf[1 << 16];
  char line[128];
  FILE *f;
  size_t n;
  om_wbuf w;
  ifo_model *m = NULL;
  dataset d = gdata();
  om_err e;
  uint8_t is_cat[NF];
  int rows = 0, same = 1;
  for (int k = 0; k < NF; k++) is_cat[k] = GTYPES[k] == FV_CATEGORICAL;
  if (getenv("IFO_WRITE_FIXTURE")) {
    om_wbuf_init(&w);
    g_trees = 6;
    g_sample = 64;
    if (train_opts(1, 11, 0.05, &w, NULL) == OM_OK && ifo_decode(w.data, w.len, NF, is_cat, &m, &e) == OM_OK) {
      if ((f = fopen("fixtures/forest/ifo_model_v1.bin", "wb"))) {
        fwrite(w.data, 1, w.len, f);
        fclose(f);
      }
      if ((f = fopen("fixtures/forest/ifo_model_v1_scores.txt", "w"))) {
        fprintf(f, "# ifo_score of rows 0..59 of test_ifo.c's data under ifo_model_v1.bin\n");
        for (int i = 0; i < 60; i++) fprintf(f, "%a\n", score_row(m, &d, i));
        fclose(f);
      }
      printf("wrote fixtures/forest/ifo_model_v1.bin (%zu bytes) and ifo_model_v1_scores.txt\n", w.len);
      ifo_free(m);
      m = NULL;
    }
    g_trees = 30;
    g_sample = 128;
    om_wbuf_free(&w);
  }
  if (!(f = open_fixture("ifo_model_v1.bin"))) {
    CHECK_MSG(0, "fixtures/forest/ifo_model_v1.bin not found (run from the repo root)");
    return;
  }
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  CHECK(ifo_decode(buf, n, NF, is_cat, &m, &e) == OM_OK);
  if (!m) return;
  om_wbuf_init(&w);
  CHECK(ifo_encode(m, &w) == OM_OK && w.len == n && memcmp(w.data, buf, n) == 0);
  om_wbuf_free(&w);
  if ((f = open_fixture("ifo_model_v1_scores.txt"))) {
    while (fgets(line, sizeof line, f)) {
      double want;
      if (line[0] == '#' || sscanf(line, "%la", &want) != 1) continue;
      same &= score_row(m, &d, rows) == want;
      rows++;
    }
    fclose(f);
  }
  CHECK_MSG(rows == 60 && same, "%d rows, same %d", rows, same);
  ifo_free(m);
}

/* IFO_WRITE_SEEDS=1 build/unit/test_ifo (from the repo root) rewrites the
** seeds of tests/fuzz/fuzz_ifo.c: schema prefix + payload (decode mode), and
** one train-mode input. */
static void write_seed(const char *name, uint8_t mode_nf, const uint8_t *types, const uint8_t *p, size_t n) {
  char path[256];
  FILE *f;
  uint32_t nf = mode_nf & 0x7f;
  snprintf(path, sizeof path, "tests/fuzz/corpus_ifo/%s", name);
  if (!(f = fopen(path, "wb"))) {
    CHECK_MSG(0, "cannot write %s", path);
    return;
  }
  fputc(mode_nf, f);
  for (uint32_t i = 0; i < nf; i++) fputc(types[i] == FV_CATEGORICAL, f);
  fwrite(p, 1, n, f);
  fclose(f);
}

static void write_seeds(void) {
  om_wbuf w;
  ifo_model *m = hand_model(1);
  static const uint8_t num2[2] = {FV_NUMERIC, FV_NUMERIC};
  om_wbuf_init(&w);
  if (train_opts(1, 3, 0.05, &w, NULL) == OM_OK) write_seed("trained_mixed", NF, GTYPES, w.data, w.len);
  om_wbuf_reset(&w);
  if (m && ifo_encode(m, &w) == OM_OK) write_seed("hand_two_trees", 2, num2, w.data, w.len);
  ifo_free(m);
  om_wbuf_reset(&w);
  { /* train mode: options, then 12 rows of 2 features (one categorical) */
    static const uint8_t types[2] = {FV_NUMERIC, FV_CATEGORICAL};
    uint8_t opts[6] = {4, 16, 0, 20, 2, 9};
    om_wbuf_bytes(&w, opts, 6);
    for (int i = 0; i < 12; i++) {
      om_wbuf_u8(&w, i == 3);
      om_wbuf_f64(&w, i == 11 ? 1e6 : (double)i);
      om_wbuf_u8(&w, 0);
      om_wbuf_u64(&w, (uint64_t)(i % 3));
    }
    if (om_wbuf_status(&w) == OM_OK) write_seed("train_small", 0x80 | 2, types, w.data, w.len);
  }
  om_wbuf_free(&w);
  printf("wrote tests/fuzz/corpus_ifo/\n");
}

int main(void) {
  long start = om_test_alloc_live;
  make_data();
  if (getenv("IFO_WRITE_SEEDS")) write_seeds();
  test_c();
  test_hand_trees();
  test_parity();
  test_auc();
  test_training();
  test_reservoir();
  test_discovery();
  test_edges();
  test_options();
  test_codec();
  test_kind();
  test_interrupt_oom();
  test_categorical_helps();
  test_committed_fixture();
  CHECK_MSG(om_test_alloc_live == start, "%ld blocks leaked", om_test_alloc_live - start);
  return om_test_finish();
}
