/*
** gbt_predict.c — scoring one row with a trained or decoded model.
**
**   1. raw = start + Σ over trees of the leaf reached; trees are walked in
**      order, so the sum is the one the trainer computed.  start is the
**      base score, or with an offset feature (gbt.h point 12) the row's
**      gbt_obj_offset of it when usable (not missing, finite, in domain).
**   2. Numeric node: missing (NaN, or missing[f] set) goes the default way,
**      else x < threshold goes left.  Categorical node: the row's code for
**      the feature (gbt_index.c: 1 + its position in the feature's
**      dictionary, 0 for missing, rare or unseen) goes left when the node's
**      bitset (or code list) has it; code 0 is never in a set, so missing,
**      rare and unseen values go right.
**   3. Two entry points share one walk: gbt_predict_raw(num, cat, missing)
**      looks a categorical value's code up at every categorical node it
**      visits; gbt_row_prepare + gbt_predict_raw_x look every categorical
**      value up once per row (the SQL layer's path) and, when the model has
**      the compact layout (gbt_score.c, every model gbt_train makes within
**      its limits), walk that instead of the nodes: codes per row, one bit
**      test per node.  All give the same bits (gbt_predict_raw_x_nodes is
**      the node walk of a prepared row, for the tests).
**   4. Nothing is allocated; only the model's features are read.  A walk
**      takes tree_depth steps (a leaf stays put), GBT_LOCKSTEP trees at a
**      time; a decoded model's child indices and depths were validated, so
**      every walk ends at a leaf inside its tree.
**   5. gbt_predict maps raw through the objective (expm1 ≥ 0 for DURATION,
**      σ for BINARY, exp for AFT); gbt_predict_quantile adds the conformal
**      residual quantile first (gbt_model.c) and is NaN for BINARY; for AFT
**      it is the parametric quantile exp(raw + sigma·F⁻¹(q)) (gbt.h point
**      13), NaN for q outside (0, 1).
*/
#include "gbt.h"

#include <math.h>

#if defined(__GNUC__)
#define GBT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define GBT_ALWAYS_INLINE inline
#endif

static int code_in(const uint32_t *a, uint32_t n, uint32_t c) {
  uint32_t lo = 0;
  while (n > 1) {
    uint32_t half = n / 2;
    if (a[lo + half] <= c) lo += half;
    n -= half;
  }
  return a[lo] == c;
}

/* The row, either prepared (x) or raw (num, cat, missing). */
typedef struct row_in {
  const double *x;
  const double *num;
  const uint64_t *cat;
  const uint8_t *missing;
} row_in;

/* One step down from node i of tree (a leaf stays where it is). */
static GBT_ALWAYS_INLINE uint32_t step(const gbt_model *m, const gbt_node *tree, uint32_t i,
                                       const row_in *r, int prepared) {
  const gbt_node *nd = tree + i;
  uint32_t ff = nd->ff, f = ff >> 3, right;
  if (ff & GBT_NODE_LEAF) return i;
  if (ff & GBT_NODE_CAT) {
    uint32_t c, off = nd->u.cat.off;
    if (prepared)
      c = (uint32_t)r->x[f];
    else if (r->missing && r->missing[f])
      c = 0;
    else
      c = gbt_index_code(m->cat_dict + m->cat_dict_off[f],
                         m->cat_dict_off[f + 1] - m->cat_dict_off[f], r->cat[f]);
    if (nd->u.cat.n == 0)
      right = !((m->cat_bits[off + (c >> 6)] >> (c & 63)) & 1);
    else
      right = !code_in(m->cat_codes + off, nd->u.cat.n, c);
  } else {
    double v = prepared ? r->x[f] : r->num[f];
    right = !(v < nd->u.thr);
    if (isnan(v) || (!prepared && r->missing && r->missing[f]))
      right = !(ff & GBT_NODE_DEFAULT_LEFT);
  }
  return nd->left + right;
}

/* GBT_LOCKSTEP trees (gbt.h) are walked together (for their deepest leaf's
** depth) so their dependent load chains overlap; leaves are added in tree
** order. */
static GBT_ALWAYS_INLINE double start(const gbt_model *m, const row_in *r, int prepared) {
  uint32_t f = m->offset_feature;
  double v;
  if (f == GBT_NO_OFFSET) return m->base_score;
  if (prepared) v = r->x[f];
  else v = (r->missing && r->missing[f]) ? NAN : r->num[f];
  v = gbt_obj_offset(m->objective, v);
  return isnan(v) ? m->base_score : v;
}

static GBT_ALWAYS_INLINE double walk(const gbt_model *m, const row_in *r, int prepared) {
  double s = start(m, r, prepared);
  const gbt_node *nodes = m->pnodes;
  uint32_t t = 0;
  for (; t + GBT_LOCKSTEP <= m->n_trees; t += GBT_LOCKSTEP) {
    const gbt_node *tree[GBT_LOCKSTEP];
    uint32_t idx[GBT_LOCKSTEP], depth = 0;
    for (int k = 0; k < GBT_LOCKSTEP; k++) {
      tree[k] = nodes + m->tree_off[t + k];
      idx[k] = 0;
      if (m->tree_depth[t + k] > depth) depth = m->tree_depth[t + k];
    }
    for (uint32_t d = 0; d < depth; d++)
      for (int k = 0; k < GBT_LOCKSTEP; k++)
        idx[k] = step(m, tree[k], idx[k], r, prepared);
    for (int k = 0; k < GBT_LOCKSTEP; k++)
      s += tree[k][idx[k]].u.leaf;
  }
  for (; t < m->n_trees; t++) {
    const gbt_node *tree = nodes + m->tree_off[t];
    uint32_t i = 0;
    for (uint32_t k = 0; k < m->tree_depth[t]; k++)
      i = step(m, tree, i, r, prepared);
    s += tree[i].u.leaf;
  }
  return s;
}

double gbt_predict_raw(const gbt_model *m, const double *num, const uint64_t *cat,
                       const uint8_t *missing) {
  row_in r = {NULL, num, cat, missing};
  return walk(m, &r, 0);
}

double gbt_predict_raw_x(const gbt_model *m, const double *x) {
  row_in r = {x, NULL, NULL, NULL};
  if (m->score) return gbt_score_raw_x(m, x, start(m, &r, 1));
  return walk(m, &r, 1);
}

double gbt_predict_raw_x_nodes(const gbt_model *m, const double *x) {
  row_in r = {x, NULL, NULL, NULL};
  return walk(m, &r, 1);
}

uint32_t gbt_node_child_x(const gbt_model *m, uint32_t t, uint32_t i, const double *x) {
  row_in r = {x, NULL, NULL, NULL};
  return step(m, m->pnodes + m->tree_off[t], i, &r, 1);
}

double gbt_start_x(const gbt_model *m, const double *x) {
  row_in r = {x, NULL, NULL, NULL};
  return start(m, &r, 1);
}

double gbt_transform(const gbt_model *m, double raw) { return gbt_obj_output(m->objective, raw); }

double gbt_predict(const gbt_model *m, const double *num, const uint64_t *cat,
                   const uint8_t *missing) {
  return gbt_obj_output(m->objective, gbt_predict_raw(m, num, cat, missing));
}

double gbt_predict_x(const gbt_model *m, const double *x) {
  return gbt_obj_output(m->objective, gbt_predict_raw_x(m, x));
}

static double quantile_of_raw(const gbt_model *m, double raw, double q) {
  double rq;
  if (m->objective == GBT_AFT) return exp(raw + m->aft_sigma * gbt_std_quantile(m->aft_dist, q));
  if (m->objective == GBT_BINARY) return NAN;
  rq = gbt_residual_quantile(m, q);
  if (isnan(rq)) return NAN;
  return gbt_obj_output(m->objective, raw + rq);
}

/* Whether quantile q exists for m (NaN otherwise, without walking the trees). */
static int has_quantile(const gbt_model *m, double q) {
  if (m->objective == GBT_AFT) return q > 0 && q < 1;
  return m->objective != GBT_BINARY && !isnan(gbt_residual_quantile(m, q));
}

double gbt_predict_quantile(const gbt_model *m, const double *num, const uint64_t *cat,
                            const uint8_t *missing, double q) {
  if (!has_quantile(m, q)) return NAN;
  return quantile_of_raw(m, gbt_predict_raw(m, num, cat, missing), q);
}

double gbt_predict_quantile_raw(const gbt_model *m, double raw, double q) {
  if (!has_quantile(m, q)) return NAN;
  return quantile_of_raw(m, raw, q);
}

double gbt_predict_quantile_x(const gbt_model *m, const double *x, double q) {
  if (!has_quantile(m, q)) return NAN;
  return quantile_of_raw(m, gbt_predict_raw_x(m, x), q);
}

void gbt_predict_interval_x(const gbt_model *m, const double *x, double c, double *pred, double *lo, double *hi) {
  double raw = gbt_predict_raw_x(m, x);
  if (!(c > 0 && c < 1)) c = m->interval_coverage;
  *pred = gbt_obj_output(m->objective, raw);
  *lo = gbt_predict_quantile_raw(m, raw, (1 - c) / 2);
  *hi = gbt_predict_quantile_raw(m, raw, (1 + c) / 2);
}
