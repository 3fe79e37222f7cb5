/*
** test_gbt_score.c — the compact scoring layout (gbt_score.c) against the
** node walk and an independent reference walk, bit for bit: random
** hand-made models (numeric thresholds including ±inf, −0/+0 and repeats,
** both missing directions, categorical sets, leaves at every depth, tree
** counts that are not multiples of GBT_LOCKSTEP), the same models decoded
** from their encoding, and trained models; rows with NaN, missing flags,
** ±inf, values equal to (and next to) thresholds, unseen and missing
** categories.  Also: scoring allocates nothing, and the layout survives
** allocation failures (OM_NOMEM, no leak).
*/
#include <stdlib.h>
#include <string.h>

#include "gbt.h"
#include "om_test.h"

static uint64_t rs;
static uint64_t rnd(void) {
  uint64_t z = (rs += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---------- the independent reference: hashes, doubles, no index ---------- */

static int hash_in(const uint64_t *h, uint32_t n, uint64_t v) {
  for (uint32_t i = 0; i < n; i++)
    if (h[i] == v) return 1;
  return 0;
}

static double ref_raw(const gbt_model *m, const double *num, const uint64_t *cat, const uint8_t *miss) {
  double s = m->base_score;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    const gbt_node *tree = m->nodes + m->tree_off[t];
    uint32_t i = 0;
    while (!(tree[i].ff & GBT_NODE_LEAF)) {
      const gbt_node *nd = &tree[i];
      uint32_t f = GBT_NODE_FEATURE(nd);
      int right;
      if (nd->ff & GBT_NODE_CAT)
        right = (miss && miss[f]) ? 1 : !hash_in(m->cat_hashes + nd->u.cat.off, nd->u.cat.n, cat[f]);
      else if ((miss && miss[f]) || isnan(num[f]))
        right = !(nd->ff & GBT_NODE_DEFAULT_LEFT);
      else
        right = !(num[f] < nd->u.thr);
      i = nd->left + (uint32_t)right;
    }
    s += tree[i].u.leaf;
  }
  return s;
}

/* All four paths give the reference's bits. */
static int agree(const gbt_model *m, const double *num, const uint64_t *cat, const uint8_t *miss) {
  double x[16], a, b, c, d;
  a = ref_raw(m, num, cat, miss);
  b = gbt_predict_raw(m, num, cat, miss);
  gbt_row_prepare(m, num, cat, miss, x);
  c = gbt_predict_raw_x(m, x);
  d = gbt_predict_raw_x_nodes(m, x);
  return memcmp(&a, &b, 8) == 0 && memcmp(&a, &c, 8) == 0 && memcmp(&a, &d, 8) == 0;
}

/* ---------- random hand-made models ---------- */

#define NF 5 /* features 0..2 numeric, 3..4 categorical */
#define NPOOL 12
static const double thr_pool[NPOOL] = {-INFINITY, -2.5, -0.0, 0.0, 0.5, 1.0, 1.0, 3.25, 7.0, 1e300, INFINITY, -1e-300};
#define NHASH 40
static uint64_t hash_of(uint32_t k) { return 0x9E3779B97F4A7C15ull * (k + 1) ^ 0x5555; }

/* A model of n_trees random trees of depth ≤ max_depth. */
static gbt_model *random_model(uint32_t n_trees, uint32_t max_depth) {
  gbt_model *m = gbt_model_alloc(NF);
  uint32_t cap = n_trees * ((2u << max_depth) - 1), n = 0, nh = 0;
  uint8_t *depth = NULL;
  if (!m) return NULL;
  for (int f = 3; f < NF; f++)
    m->is_cat[f] = 1;
  m->objective = GBT_SQUARED;
  m->learning_rate = 0.1;
  m->alpha = 0.5;
  m->interval_coverage = 0.9;
  m->base_score = 0.125;
  m->n_trees = m->n_rounds = m->best_iteration = n_trees;
  m->tree_off = om_calloc(n_trees + 1, sizeof(uint32_t));
  m->tree_depth = om_calloc(n_trees ? n_trees : 1, 1);
  m->nodes = om_calloc(cap, sizeof(gbt_node));
  m->cat_hashes = om_calloc(cap * NHASH / 2 + 1, sizeof(uint64_t));
  depth = om_calloc(cap, 1);
  if (!m->tree_off || !m->tree_depth || !m->nodes || !m->cat_hashes || !depth) {
    om_free(depth);
    gbt_free(m);
    return NULL;
  }
  for (uint32_t t = 0; t < n_trees; t++) {
    uint32_t base = n, count = 1, dmax = 0;
    m->tree_off[t] = base;
    depth[base] = 0;
    for (uint32_t i = 0; i < count; i++) {
      gbt_node *nd = &m->nodes[base + i];
      uint32_t d = depth[base + i];
      if (d > dmax) dmax = d;
      if (d == max_depth || (d > 0 && below(4) == 0) || (t % 11 == 5)) { /* some single-leaf trees */
        nd->ff = GBT_NODE_LEAF;
        nd->u.leaf = ((double)below(2001) - 1000) / 997.0;
        continue;
      }
      nd->left = count;
      depth[base + count] = depth[base + count + 1] = (uint8_t)(d + 1);
      count += 2;
      if (below(3) == 0) { /* categorical: a random ascending subset, ≥ 1 */
        uint32_t f = 3 + below(2), k0 = nh;
        for (uint32_t k = 0; k < NHASH; k++)
          if (below(3) == 0) m->cat_hashes[nh++] = hash_of(k);
        if (nh == k0) m->cat_hashes[nh++] = hash_of(below(NHASH));
        /* hash_of is not monotone: sort the set */
        for (uint32_t a = k0 + 1; a < nh; a++)
          for (uint32_t b = a; b > k0 && m->cat_hashes[b - 1] > m->cat_hashes[b]; b--) {
            uint64_t tmp = m->cat_hashes[b];
            m->cat_hashes[b] = m->cat_hashes[b - 1];
            m->cat_hashes[b - 1] = tmp;
          }
        nd->ff = f << 3 | GBT_NODE_CAT;
        nd->u.cat.off = k0;
        nd->u.cat.n = nh - k0;
      } else {
        uint32_t f = below(3);
        nd->ff = f << 3 | (below(2) ? GBT_NODE_DEFAULT_LEFT : 0);
        nd->u.thr = below(4) ? thr_pool[below(NPOOL)] : ((double)below(64) - 20) / 8.0;
      }
    }
    n += count;
    m->tree_depth[t] = (uint8_t)dmax;
  }
  m->tree_off[n_trees] = n;
  m->n_nodes = n;
  m->n_cat_hashes = nh;
  om_free(depth);
  if (gbt_model_index(m) != OM_OK) {
    gbt_free(m);
    return NULL;
  }
  return m;
}

/* A random row: values equal to thresholds, next to them, ±inf, NaN, −0. */
static void random_row(double *num, uint64_t *cat, uint8_t *miss) {
  for (int f = 0; f < NF; f++) {
    uint32_t r = below(10);
    double t = thr_pool[below(NPOOL)];
    num[f] = 0;
    cat[f] = 0;
    miss[f] = below(9) == 0;
    if (f >= 3)
      cat[f] = below(5) == 0 ? 0xDEADBEEFull + below(3) : hash_of(below(NHASH)); /* unseen, or seen */
    else if (r < 4)
      num[f] = t;
    else if (r < 6)
      num[f] = nextafter(t, below(2) ? INFINITY : -INFINITY);
    else if (r == 6)
      num[f] = NAN;
    else if (r == 7)
      num[f] = below(2) ? -0.0 : (below(2) ? INFINITY : -INFINITY);
    else
      num[f] = ((double)below(64) - 20) / 8.0;
  }
}

static void test_random_models(void) {
  int bad = 0, with_layout = 0, models = 0;
  rs = 20261203;
  for (int k = 0; k < 40; k++) {
    uint32_t n_trees = 1 + below(27), max_depth = 1 + below(7);
    gbt_model *m = random_model(n_trees, max_depth), *dm = NULL;
    om_wbuf w;
    om_err err;
    uint8_t is_cat[NF] = {0, 0, 0, 1, 1};
    if (!m) {
      CHECK(0);
      continue;
    }
    models++;
    with_layout += m->score != NULL;
    om_wbuf_init(&w);
    CHECK(gbt_encode(m, &w) == OM_OK);
    CHECK(gbt_decode(w.data, w.len, NF, is_cat, &dm, &err) == OM_OK);
    om_wbuf_free(&w);
    CHECK(dm && (dm->score != NULL) == (m->score != NULL));
    for (int i = 0; i < 400; i++) {
      double num[NF];
      uint64_t cat[NF];
      uint8_t miss[NF];
      random_row(num, cat, miss);
      bad += !agree(m, num, cat, miss);
      bad += !agree(m, num, cat, NULL);
      if (dm) {
        double a = ref_raw(m, num, cat, miss), x[NF], b;
        gbt_row_prepare(dm, num, cat, miss, x);
        b = gbt_predict_raw_x(dm, x);
        bad += !agree(dm, num, cat, miss) || memcmp(&a, &b, 8) != 0;
      }
    }
    gbt_free(dm);
    gbt_free(m);
  }
  CHECK_MSG(bad == 0, "%d rows differ from the reference walk", bad);
  CHECK_MSG(with_layout == models && models == 40, "%d of %d models have the layout", with_layout, models);
}

/* ---------- trained models ---------- */

static void test_trained(void) {
  enum { N = 5000 };
  static double x0[N], x1[N], y[N];
  static uint64_t c2[N];
  static uint8_t m2[N];
  gbt_column cols[3] = {{0, x0, NULL, NULL}, {0, x1, NULL, NULL}, {1, NULL, c2, m2}};
  gbt_data d = {N, 3, cols, y, NULL};
  gbt_options o;
  gbt_model *m = NULL;
  om_err err;
  int bad = 0;
  long before;
  rs = 77;
  for (int i = 0; i < N; i++) {
    uint32_t k = below(120);
    x0[i] = (double)below(1000) / 10.0;
    x1[i] = below(10) == 0 ? NAN : (double)below(7);
    c2[i] = hash_of(k);
    m2[i] = below(20) == 0;
    y[i] = x0[i] / 10 + (k % 5) + (isnan(x1[i]) ? 3 : x1[i]) + (double)below(100) / 100;
  }
  gbt_options_default(&o);
  o.objective = GBT_SQUARED;
  o.n_trees = 37; /* not a multiple of GBT_LOCKSTEP */
  o.threads = 1;
  CHECK(gbt_train(&d, &o, NULL, &m, &err) == OM_OK);
  if (!m) return;
  CHECK(m->score != NULL);
  for (int i = 0; i < 3000; i++) {
    double num[3], x[3];
    uint64_t cat[3] = {0, 0, below(4) ? hash_of(below(140)) : 42};
    uint8_t miss[3] = {below(15) == 0, below(15) == 0, below(15) == 0};
    uint32_t r = below(6);
    const gbt_node *nd = &m->nodes[below(m->n_nodes)];
    num[0] = (double)below(1000) / 10.0;
    num[1] = below(8) == 0 ? NAN : (double)below(9) - 1;
    if (r == 0 && !(nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT))) num[GBT_NODE_FEATURE(nd)] = nd->u.thr;
    if (r == 1) num[0] = below(2) ? INFINITY : -INFINITY;
    num[2] = 0;
    bad += !agree(m, num, cat, miss);
    /* scoring a prepared row allocates nothing */
    gbt_row_prepare(m, num, cat, miss, x);
    before = om_test_alloc_count;
    (void)gbt_predict_raw_x(m, x);
    bad += om_test_alloc_count != before;
  }
  CHECK_MSG(bad == 0, "%d rows differ or allocated", bad);

  /* allocation failures while building the index and layout: OM_NOMEM and
  ** nothing leaked, or OM_OK with the same scores */
  {
    int ok = 0, nomem = 0, leaks = 0;
    long base;
    CHECK(gbt_model_index(m) == OM_OK);
    base = om_test_alloc_live;
    for (long at = 1; at < 200; at++) {
      long live = om_test_alloc_live;
      om_status st;
      om_test_alloc_reset();
      om_test_alloc_fail_at = at;
      st = gbt_model_index(m);
      om_test_alloc_fail_at = 0;
      if (st == OM_NOMEM) {
        nomem++;
        CHECK(m->pnodes == NULL && m->score == NULL && om_test_alloc_live < live);
        CHECK(gbt_model_index(m) == OM_OK);
        leaks += om_test_alloc_live != base;
      } else {
        ok++;
        break;
      }
    }
    CHECK(nomem > 5 && ok == 1 && leaks == 0 && m->score != NULL);
    for (int i = 0; i < 200; i++) {
      double num[3] = {(double)below(1000) / 10.0, below(8) == 0 ? NAN : (double)below(9) - 1, 0};
      uint64_t cat[3] = {0, 0, hash_of(below(140))};
      bad += !agree(m, num, cat, NULL);
    }
    CHECK(bad == 0);
  }
  gbt_free(m);
}

int main(void) {
  test_random_models();
  test_trained();
  CHECK(om_test_alloc_live == 0);
  return om_test_finish();
}
