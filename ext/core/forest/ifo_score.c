/*
** ifo_score.c — scoring a prepared row with a decoded isolation forest, its
** evidence, and the model's global importance.
**
** Behaviours:
**   1. ifo_row_prepare turns one row (schema order) into x[n_features]:
**      numeric → float32 rounding of the value (ifo_to_f32: scikit-learn
**      converts X to float32; a value beyond ±FLT_MAX saturates instead of
**      becoming ±Inf); categorical → the category's frequency in the
**      training sample, rounded to float32, found by binary search in the
**      feature's sorted table, and 0 for a category the model does not know
**      (unseen, or seen fewer than IFO_CAT_MIN_COUNT times); missing, or a
**      NaN number → NaN.  One binary search per categorical feature, no
**      allocation.
**   2. Walking a tree: at a split on feature f with threshold t, a present
**      value goes left when x[f] <= t (float32 values against a float32
**      threshold that is scikit-learn's float64 threshold rounded down:
**      the same comparison); a missing value follows the split's learned
**      side (IFO_NODE_MISSING_LEFT, ifo_tree.c behaviour 4).  The leaf gives
**      h = depth + c(size).  ifo_score walks IFO_LANES trees in lock step
**      (a leaf steps to itself; the direction is a mask, not a branch), so
**      their memory loads overlap and no misprediction stalls the walk:
**      about 2.5 times faster than one tree at a time, same bits.
**   3. ifo_score(x) = 2^(−(Σ_t h_t) / (T·c(ψ))), the trees summed in order,
**      as scikit-learn's score_samples (negated); 0.5 when c(ψ) = 0 (ψ = 1),
**      as scikit-learn does for a denominator of 0.  In (0, 1].
**   4. ifo_is_anomaly(x) is ifo_score(x) > threshold: scikit-learn's
**      predict() == −1, i.e. decision_function < 0 with offset_ = −threshold.
**   5. ifo_explain(x, out): for each tree, each split on x's path from a
**      node holding n samples into the child (x's side) holding n' samples
**      credits its feature with c(n) − 1 − c(n'): how much shorter x's
**      expected path got at that split than its one step (an isolating
**      split that leaves x with few samples gains a lot; a split that keeps
**      x with most samples loses).  Along a path the credits telescope to
**      c(ψ) − h_t, so with out[f] = Σ_t credits_f / (T·c(ψ)):
**          Σ_f out[f] = 1 − E[h]/c(ψ) = log2(2·score),
**      i.e. score = 0.5 · 2^(Σ_f out[f]): a positive out[f] is how much
**      feature f pushed the row above 0.5 (the 'auto' threshold), in log2
**      units; a negative one, how much it made the row look normal.  All 0
**      when c(ψ) = 0.  Allocation-free.
**   6. ifo_feature_importance: splits = number of splits on the feature;
**      cover = Σ over those splits of the node's samples / (T·ψ) (the share
**      of each tree's sample that meets a split on it, summed); gain = the
**      stored training measure (ifo_train.c behaviour 7).
*/
#include "ifo.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double ifo_c(double n) {
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  return 2.0 * (log(n - 1.0) + IFO_EULER_GAMMA) - 2.0 * (n - 1.0) / n;
}

float ifo_to_f32(double x) {
  if (x != x) return NAN;
  if (x >= 0x1.ffffffp127) return FLT_MAX; /* would round to +Inf */
  if (x <= -0x1.ffffffp127) return -FLT_MAX;
  return (float)x;
}

float ifo_f32_down(double t) {
  float f;
  if (t < -FLT_MAX) return -INFINITY; /* nothing finite is ≤ t */
  f = ifo_to_f32(t);
  if ((double)f > t) f = nextafterf(f, -INFINITY);
  return f;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double ifo_quantile_inplace(double *s, size_t n, double q) {
  double h, t, a, b;
  size_t lo;
  qsort(s, n, sizeof *s, cmp_double);
  if (n == 1) return s[0];
  h = q * (double)(n - 1);
  lo = (size_t)floor(h);
  if (lo >= n - 1) return s[n - 1];
  t = h - (double)lo;
  a = s[lo];
  b = s[lo + 1];
  /* numpy's _lerp: exact at both ends */
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

static double cat_frequency(const ifo_model *m, uint32_t f, uint64_t h) {
  uint32_t lo = m->cat_off[f], hi = m->cat_off[f + 1];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (m->cat_hash[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo < m->cat_off[f + 1] && m->cat_hash[lo] == h ? m->cat_freq[lo] : 0.0;
}

void ifo_row_prepare(const ifo_model *m, const double *num, const uint64_t *cat, const uint8_t *missing, double *x) {
  for (uint32_t f = 0; f < m->n_features; f++) {
    if (missing && missing[f]) x[f] = NAN;
    else if (m->is_cat[f]) x[f] = (double)ifo_to_f32(cat_frequency(m, f, cat[f]));
    else x[f] = (double)ifo_to_f32(num[f]);
  }
}

/* Behaviour 2: the leaf x reaches in the tree starting at t. */
static inline const ifo_node *leaf_of(const ifo_node *t, const double *x) {
  uint32_t i = 0;
  for (;;) {
    const ifo_node *nd = &t[i];
    uint32_t ff = nd->ff;
    double v;
    int left;
    if (ff & IFO_NODE_LEAF) return nd;
    v = x[ff >> 2];
    left = v == v ? v <= (double)nd->u.s.thr : (ff & IFO_NODE_MISSING_LEFT) != 0;
    i = left ? i + 1 : nd->u.s.right;
  }
}

/* One step of a walk where a leaf steps to itself, without branches on the
** data (the direction is a conditional move): several trees can then be
** walked in lock step, their loads overlapping. */
static inline uint32_t step(const ifo_node *t, uint32_t i, const double *x) {
  const ifo_node *nd = &t[i];
  uint32_t ff = nd->ff, right = nd->u.s.right, left, mask;
  double v = x[ff >> 2]; /* a leaf's ff >> 2 is 0: a valid read, unused */
  /* integer flags and a mask, so that compilers do not turn them into branches */
  left = (uint32_t)(v <= (double)nd->u.s.thr) | ((uint32_t)(v != v) & (ff >> 1));
  mask = (uint32_t)0 - (left & 1u);
  right ^= (right ^ (i + 1)) & mask;
  return (ff & IFO_NODE_LEAF) ? i : right;
}

#define IFO_LANES 8

double ifo_score(const ifo_model *m, const double *x) {
  double depths = 0, denom = (double)m->n_trees * m->c_psi;
  uint32_t t = 0;
  if (m->n_features > 0)
    for (; t + IFO_LANES <= m->n_trees; t += IFO_LANES) {
      const ifo_node *tr[IFO_LANES];
      uint32_t at[IFO_LANES] = {0};
      for (int k = 0; k < IFO_LANES; k++) tr[k] = m->nodes + m->tree_off[t + k];
      for (uint32_t d = 0; d < m->deepest; d++)
        for (int k = 0; k < IFO_LANES; k++) at[k] = step(tr[k], at[k], x);
      for (int k = 0; k < IFO_LANES; k++) depths += tr[k][at[k]].u.h; /* in tree order, as scikit-learn sums */
    }
  for (; t < m->n_trees; t++) depths += leaf_of(m->nodes + m->tree_off[t], x)->u.h;
  return pow(2.0, -(denom != 0 ? depths / denom : 1.0));
}

int ifo_is_anomaly(const ifo_model *m, const double *x) { return ifo_score(m, x) > m->threshold; }

void ifo_explain_strided(const ifo_model *m, const double *x, double *out, size_t stride) {
  double denom = (double)m->n_trees * m->c_psi;
  for (uint32_t f = 0; f < m->n_features; f++) out[f * stride] = 0;
  if (!(denom > 0)) return;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    const ifo_node *nodes = m->nodes + m->tree_off[t];
    uint32_t i = 0;
    while (!(nodes[i].ff & IFO_NODE_LEAF)) {
      const ifo_node *nd = &nodes[i];
      uint32_t f = IFO_NODE_FEATURE(nd), j;
      double v = x[f];
      int left = v == v ? v <= (double)nd->u.s.thr : (nd->ff & IFO_NODE_MISSING_LEFT) != 0;
      j = left ? i + 1 : nd->u.s.right;
      out[f * stride] += ifo_c((double)nd->size) - 1.0 - ifo_c((double)nodes[j].size);
      i = j;
    }
  }
  for (uint32_t f = 0; f < m->n_features; f++) out[f * stride] /= denom;
}

void ifo_explain(const ifo_model *m, const double *x, double *out) {
  if (m->n_features == 0) out[0] = 0; /* callers may pass a 1-slot buffer */
  ifo_explain_strided(m, x, out, 1);
}

void ifo_feature_importance(const ifo_model *m, ifo_importance *out) {
  double per = (double)m->n_trees * (double)m->sample_size;
  for (uint32_t f = 0; f < m->n_features; f++) {
    out[f].gain = m->gain[f];
    out[f].cover = 0;
    out[f].splits = 0;
  }
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const ifo_node *nd = &m->nodes[i];
    if (nd->ff & IFO_NODE_LEAF) continue;
    out[IFO_NODE_FEATURE(nd)].splits++;
    out[IFO_NODE_FEATURE(nd)].cover += (double)nd->size / per;
  }
}

uint32_t ifo_model_n_features(const ifo_model *m) { return m->n_features; }
uint32_t ifo_model_n_trees(const ifo_model *m) { return m->n_trees; }
uint32_t ifo_model_sample_size(const ifo_model *m) { return m->sample_size; }
uint32_t ifo_model_max_depth(const ifo_model *m) { return m->max_depth; }
uint32_t ifo_model_n_nodes(const ifo_model *m) { return m->n_nodes; }
double ifo_model_contamination(const ifo_model *m) { return m->contamination; }
double ifo_model_threshold(const ifo_model *m) { return m->threshold; }
double ifo_model_expected_lo(const ifo_model *m, uint32_t f) { return m->exp_lo[f]; }
double ifo_model_expected_hi(const ifo_model *m, uint32_t f) { return m->exp_hi[f]; }
