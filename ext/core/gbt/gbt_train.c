/*
** gbt_train.c — the boosting loop of gbt_train().
**
**   1. Options and data are checked first (OM_INVALID with a message naming
**      the option or row).  Rows [0, n_fit) fit the trees; the tail is held
**      out (gbt.h point 2).
**   2. Features are binned on the fit rows (gbt_bin.c); the base score comes
**      from the fit rows' labels (gbt_objective.c).  The labels are checked
**      and mapped to the trees' space by row blocks on the pool; when one
**      is refused, a serial pass names the first bad row, as before.
**   3. Each round: gradients of the fit rows; a row sample of
**      round(subsample·n_fit) rows and a feature sample of
**      round(colsample·F) features (both ≥ 1, xoshiro256** seeded by `seed`,
**      rows first); one tree (gbt_tree.c); QUANTILE refits every leaf to
**      learning_rate × the alpha-quantile (type 7) of y − prediction over its
**      sampled rows; predictions of sampled rows are updated per leaf (for
**      the leaves at max_depth, without refit, while the tree grows:
**      gbt_tree.c point 8), the others (unsampled and held-out rows) by
**      walking the tree on codes: a tree of at most GBT_TRAVERSE_NODES nodes
**      as a table next[node·256 + code], GBT_TRAVERSE_LOCKSTEP rows at a
**      time (the same leaf, hence the same sums).
**   4. With held-out rows, the holdout metric is computed every round;
**      best_iteration is the round count with the lowest metric (earliest on
**      ties).  With early_stopping_rounds > 0 training stops once
**      early_stopping_rounds rounds pass without improvement and only the
**      best_iteration first trees are kept.
**   5. The model's holdout metric is the one computed during training for
**      the kept number of trees (from predictions made on codes).  After
**      training, the held-out rows are predicted with the kept model by
**      gbt_predict_raw itself (thresholds, not codes; the unit tests check
**      that the two agree bit for bit) to give the signed calibration
**      residuals y − raw (log1p space for DURATION), of which GBT_RESID_MAX
**      order statistics are stored.  BINARY stores none.
**      With validation_fraction > 0 the calibration rows are the validation
**      rows (they chose the number of trees, a mild optimism); otherwise they
**      are a tail never used for fitting: split-conformal.
**   6. Threads: a pool of `threads` (0: online CPUs, at most 4) created and
**      joined here.  Every parallel step writes task-owned outputs and every
**      reduction runs in a fixed order, so the model bytes do not depend on
**      the thread count.
**   7. om_interrupted() is polled before every round and every tree level;
**      every allocation is checked; on any error everything is freed.
**      The large arrays get gbt_hint_large before they are first written.
**   8. Divergence (gbt.h point 10): after each tree's leaves are final, a leaf
**      that is not finite or larger than GBT_DIVERGE_FACTOR × S (S = the
**      largest |y − base| over the fit rows, in the space the trees fit; 1
**      for BINARY, whose leaves are log-odds) fails training with
**      "training diverged at round t ..."; so does a holdout metric that is
**      not finite.  The checks only read values, so a model that passes them
**      is byte-identical to what training gave before they existed.
**   9. The final guard (check_model) refuses a model whose base score,
**      importances, metric or residuals are not finite, or whose raw score
**      bound |base| + Σ_trees max|leaf| is not: what gbt_train returns
**      encodes to a payload gbt_decode accepts and scores finitely.
**  10. AFT (gbt.h point 13): the labels become log bounds (gbt_aft_bounds),
**      gradients, base score and metric come from gbt_survival.c; the base
**      score is the maximum-likelihood location of the 'normal' model with
**      the same sigma, whatever aft_dist (the logistic's and extreme's own
**      can sit at the edge of the data — the extreme's near the largest
**      duration when sigma is small — where their hessians vanish and the
**      first Newton leaves explode; xgboost fails the same way from there);
**      rows are
**      held out only for validation (like BINARY) and no residuals are
**      stored; S of point 8 is the largest |finite log bound − start| over
**      the fit rows, at least 1.  y_upper with another objective is
**      refused.
**  11. Bag (gbt.h point 15): members k = 0..bag−1 are trained one after the
**      other on the same bins, labels and starting scores, member k seeded
**      by seed + k, each with its own early stopping; their trees are
**      appended in member order and, when bag > 1, every leaf is divided by
**      bag (so the raw score is the start plus the members' mean), the
**      importances too; n_rounds and best_iteration are the members' sums
**      and the holdout metric is the bag's, measured on the calibration
**      pass's raw scores.  bag = 1 is exactly the single model.
**  12. Explanations (gbt.h point 16): every node's cover (its hessian sum
**      H over the rows it was grown on, leaves included) is kept in the
**      model (payload format 4); after calibration, gbt_shap.c point 6
**      measures the SHAP importance on a sample of the fit rows.
**  13. Memory: the per-thread scratch (2·n_fit words each, for binning and
**      the base score) is freed before the trees are grown unless leaves
**      are refit (QUANTILE, or a loss other than squared); calibration
**      then allocates 2·n_hold words of its own.  No result changes.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define GBT_ROW_BLOCK 16384

void gbt_options_default(gbt_options *o) {
  memset(o, 0, sizeof *o);
  o->n_trees = 100;
  o->max_depth = 6;
  o->learning_rate = 0.1;
  o->min_child_weight = 1.0;
  o->lambda = 1.0;
  o->subsample = 1.0;
  o->colsample = 1.0;
  o->max_bins = 256;
  o->max_cat_threshold = GBT_CAT_MAX_SET;
  o->seed = 0;
  o->objective = GBT_DURATION;
  o->alpha = 0.5;
  o->validation_fraction = 0;
  o->early_stopping_rounds = 0;
  o->interval_coverage = 0.9;
  o->threads = 0;
  o->calibration_fraction = 0.1;
  o->loss = GBT_LOSS_SQUARED;
  o->offset_feature = GBT_NO_OFFSET;
  o->ratio_width = 1.0;
  o->aft_dist = GBT_AFT_NORMAL;
  o->aft_sigma = 1.0;
  o->bag = 1;
}

static om_status check_options(const gbt_options *o, om_err *err) {
  if (o->n_trees < 1 || o->n_trees > 100000)
    return om_errf(err, OM_INVALID, "n_trees must be between 1 and 100000, got %u", o->n_trees);
  if (o->max_depth < 1 || o->max_depth > GBT_MAX_DEPTH)
    return om_errf(err, OM_INVALID, "max_depth must be between 1 and %d, got %u", GBT_MAX_DEPTH,
                   o->max_depth);
  if (!(o->learning_rate > 0 && o->learning_rate <= 10))
    return om_errf(err, OM_INVALID, "learning_rate must be in (0, 10], got %g", o->learning_rate);
  if (!(o->min_child_weight >= 0 && isfinite(o->min_child_weight)))
    return om_errf(err, OM_INVALID, "min_child_weight must be >= 0, got %g", o->min_child_weight);
  if (!(o->lambda >= 0 && isfinite(o->lambda)))
    return om_errf(err, OM_INVALID, "lambda must be >= 0, got %g", o->lambda);
  if (!(o->subsample > 0 && o->subsample <= 1))
    return om_errf(err, OM_INVALID, "subsample must be in (0, 1], got %g", o->subsample);
  if (!(o->colsample > 0 && o->colsample <= 1))
    return om_errf(err, OM_INVALID, "colsample must be in (0, 1], got %g", o->colsample);
  if (o->max_bins < 2 || o->max_bins > 256)
    return om_errf(err, OM_INVALID, "max_bins must be between 2 and 256, got %u", o->max_bins);
  if (o->max_cat_threshold < 1 || o->max_cat_threshold > 255)
    return om_errf(err, OM_INVALID, "max_cat_threshold must be between 1 and 255, got %u",
                   o->max_cat_threshold);
  if ((unsigned)o->objective > GBT_AFT)
    return om_errf(err, OM_INVALID, "unknown objective %d", (int)o->objective);
  if (!(o->alpha > 0 && o->alpha < 1))
    return om_errf(err, OM_INVALID, "alpha must be in (0, 1), got %g", o->alpha);
  if (!(o->validation_fraction >= 0 && o->validation_fraction < 1))
    return om_errf(err, OM_INVALID, "validation_fraction must be in [0, 1), got %g",
                   o->validation_fraction);
  if (o->early_stopping_rounds > 0 && !(o->validation_fraction > 0))
    return om_errf(err, OM_INVALID, "early_stopping_rounds needs validation_fraction > 0");
  if (!(o->interval_coverage > 0 && o->interval_coverage < 1))
    return om_errf(err, OM_INVALID, "interval_coverage must be in (0, 1), got %g",
                   o->interval_coverage);
  if (o->threads > 64)
    return om_errf(err, OM_INVALID, "threads must be between 0 and 64, got %u", o->threads);
  if (!(o->calibration_fraction >= 0 && o->calibration_fraction < 1))
    return om_errf(err, OM_INVALID, "calibration_fraction must be in [0, 1), got %g",
                   o->calibration_fraction);
  if (!(o->ratio_width > 0 && o->ratio_width <= 100))
    return om_errf(err, OM_INVALID, "ratio_width must be in (0, 100], got %g", o->ratio_width);
  if ((unsigned)o->loss > GBT_LOSS_RATIO)
    return om_errf(err, OM_INVALID, "unknown loss %d", (int)o->loss);
  if (o->loss != GBT_LOSS_SQUARED && o->objective != GBT_SQUARED && o->objective != GBT_DURATION)
    return om_errf(err, OM_INVALID, "loss 'absolute' and 'ratio' need objective 'duration' or 'squared'");
  if (o->loss == GBT_LOSS_RATIO && o->objective != GBT_DURATION)
    return om_errf(err, OM_INVALID, "loss 'ratio' needs objective 'duration'");
  if (o->offset_feature != GBT_NO_OFFSET && o->objective == GBT_BINARY)
    return om_errf(err, OM_INVALID, "objective 'binary' takes no offset");
  if (o->bag < 1 || o->bag > GBT_BAG_MAX)
    return om_errf(err, OM_INVALID, "bag must be between 1 and %d, got %u", GBT_BAG_MAX, o->bag);
  if ((uint64_t)o->n_trees * o->bag > 100000)
    return om_errf(err, OM_INVALID, "n_trees x bag must be at most 100000, got %u x %u", o->n_trees,
                   o->bag);
  if ((unsigned)o->aft_dist > GBT_AFT_EXTREME)
    return om_errf(err, OM_INVALID, "unknown aft distribution %d", (int)o->aft_dist);
  if (!(o->aft_sigma > 0 && o->aft_sigma <= GBT_AFT_SIGMA_MAX))
    return om_errf(err, OM_INVALID, "aft_sigma must be in (0, %g], got %g", GBT_AFT_SIGMA_MAX,
                   o->aft_sigma);
  return OM_OK;
}

static om_status check_data(const gbt_data *d, const gbt_options *o, om_err *err) {
  if (!d || !d->y || (d->n_features > 0 && !d->cols))
    return om_errf(err, OM_INVALID, "missing data arrays");
  if (d->n_features < 1 || d->n_features > GBT_MAX_FEATURES)
    return om_errf(err, OM_INVALID, "the number of features must be between 1 and %u, got %u",
                   GBT_MAX_FEATURES, d->n_features);
  if (d->n_rows < 1) return om_errf(err, OM_INVALID, "no training rows");
  if (d->n_rows >= UINT32_MAX)
    return om_errf(err, OM_INVALID, "too many training rows (%zu)", d->n_rows);
  for (uint32_t f = 0; f < d->n_features; f++) {
    const gbt_column *c = &d->cols[f];
    if (c->is_cat ? !c->cat : !c->num)
      return om_errf(err, OM_INVALID, "feature %u has no values", f + 1);
  }
  if (o->offset_feature != GBT_NO_OFFSET &&
      (o->offset_feature >= d->n_features || d->cols[o->offset_feature].is_cat))
    return om_errf(err, OM_INVALID, "the offset must be a numeric feature");
  if (d->y_upper && o->objective != GBT_AFT)
    return om_errf(err, OM_INVALID, "upper bounds need objective 'aft'");
  return OM_OK;
}

typedef struct trainer {
  const gbt_data *d;
  const gbt_options *o;
  size_t n, n_fit, n_hold;
  uint32_t F;
  gbt_pool *pool;
  unsigned T;
  gbt_bins *bins;
  uint32_t *off;
  uint8_t *codes, *codes_col;
  double *ty, *pred;
  double *tu; /* AFT: log upper bounds (ty holds the lower ones) */
  gbt_gh *gh;
  uint32_t *rows, *rows_tmp, *sel, *leaves;
  uint8_t *in_sample;
  uint8_t *label_bad; /* [blocks of n] labels_task's verdicts */
  uint64_t **scratch;
  gbt_grower g;
  int grower_ok;
  gbt_model *m;
  uint32_t cap_nodes, cap_hashes;
  double *node_gain, *node_cover;
  uint32_t *hash_at_tree;
  /* row-task range */
  size_t task_lo;
  uint32_t tree_depth; /* depth of the tree just grown (traverse_task) */
  uint16_t *trav_next; /* [GBT_TRAVERSE_NODES · 256] the tree as a table, or NULL */
  uint32_t *trav_feat; /* [GBT_TRAVERSE_NODES] the feature of each node (0 for a leaf) */
  int trav_ok;         /* the tree just grown is in the table */
  int all_rows; /* this round grows on every fit row: grad_task also sets rows */
  int refit;    /* leaves refit to a statistic of their rows (point 3) */
  size_t n_sample; /* rows sampled per round */
  uint32_t n_sel;  /* features sampled per round */
  /* calibration: per-worker row buffers (4·F doubles each) and raw scores */
  double *calib_x, *calib_raw;
} trainer;

static void grad_task(void *ctx, size_t t, unsigned worker) {
  trainer *tr = ctx;
  size_t r0 = t * GBT_ROW_BLOCK, r1 = r0 + GBT_ROW_BLOCK;
  (void)worker;
  if (r1 > tr->n_fit) r1 = tr->n_fit;
  if (tr->all_rows) /* no row sample: the tree grows on every fit row */
    for (size_t r = r0; r < r1; r++)
      tr->rows[r] = (uint32_t)r;
  if (tr->o->objective == GBT_AFT) {
    gbt_aft_gradients(tr->o->aft_dist, tr->o->aft_sigma, tr->ty + r0, tr->tu + r0, tr->pred + r0,
                      r1 - r0, tr->gh + r0);
    return;
  }
  gbt_obj_gradients(tr->o->objective, tr->o->loss, tr->o->alpha, tr->o->ratio_width, tr->ty + r0, tr->pred + r0,
                    r1 - r0, tr->gh + r0);
}

/* Point 2: the labels in the trees' space, by row blocks (elementwise); a
** block that fails only says so: the caller's serial pass names the row. */
static om_status map_labels(const trainer *tr, size_t r0, size_t r1, om_err *err) {
  const gbt_data *d = tr->d;
  if (tr->o->objective == GBT_AFT)
    return gbt_aft_bounds(d->y + r0, d->y_upper ? d->y_upper + r0 : NULL, r1 - r0, tr->ty + r0, tr->tu + r0, err);
  return gbt_obj_transform_y(tr->o->objective, d->y + r0, r1 - r0, tr->ty + r0, err);
}

static void labels_task(void *ctx, size_t t, unsigned worker) {
  trainer *tr = ctx;
  size_t r0 = t * GBT_ROW_BLOCK, r1 = r0 + GBT_ROW_BLOCK;
  (void)worker;
  if (r1 > tr->n) r1 = tr->n;
  tr->label_bad[t] = map_labels(tr, r0, r1, NULL) != OM_OK;
}

static void refit_task(void *ctx, size_t t, unsigned worker) {
  trainer *tr = ctx;
  gbt_tnode *n = &tr->g.nodes[tr->leaves[t]];
  double *s = (double *)(void *)tr->scratch[worker];
  size_t m = 0;
  for (size_t i = n->begin; i < n->end; i++) {
    uint32_t r = tr->g.rows[i];
    s[m++] = tr->ty[r] - tr->pred[r];
  }
  n->value = m ? tr->o->learning_rate * gbt_obj_leaf_stat(tr->o->objective, tr->o->loss, tr->o->alpha,
                                                          tr->o->ratio_width, s, m, s + tr->n_fit)
               : 0;
}

static void leaf_update_task(void *ctx, size_t t, unsigned worker) {
  trainer *tr = ctx;
  const gbt_range *rg = &tr->g.ranges[t];
  double v = tr->g.nodes[rg->node].value;
  (void)worker;
  for (size_t i = rg->begin; i < rg->end; i++)
    tr->pred[tr->g.rows[i]] += v;
}

/* Point 3: rows not grown on (held out, or outside the sample) get the leaf
** value of the tree just grown.  A tree of at most GBT_TRAVERSE_NODES nodes
** is first turned into a table next[node·256 + code] (a leaf points to
** itself) and the rows are walked GBT_TRAVERSE_LOCKSTEP at a time for the
** tree's depth, one load per step and their chains in flight together; each
** row gets the value gbt_tree_value_codes gives (larger trees walk that). */
#define GBT_TRAVERSE_NODES 1023
#define GBT_TRAVERSE_LOCKSTEP 8
static void traverse_table(trainer *tr) {
  const gbt_tnode *t = tr->g.nodes;
  for (uint32_t i = 0; i < tr->g.n_nodes; i++) {
    uint16_t *nx = tr->trav_next + (size_t)i * 256;
    const gbt_split *s = &t[i].split;
    uint16_t l = (uint16_t)t[i].left;
    tr->trav_feat[i] = t[i].left ? s->feature : 0;
    if (!t[i].left) {
      for (int c = 0; c < 256; c++)
        nx[c] = (uint16_t)i;
      continue;
    }
    for (int c = 0; c < 256; c++)
      nx[c] = (uint16_t)(gbt_split_goes_left(s, (uint8_t)c) ? l : l + 1);
  }
}

static void traverse_task(void *ctx, size_t t, unsigned worker) {
  trainer *tr = ctx;
  const gbt_tnode *nodes = tr->g.nodes;
  const uint16_t *next = tr->trav_next;
  const uint32_t *feat = tr->trav_feat;
  size_t r0 = tr->task_lo + t * GBT_ROW_BLOCK, r1 = r0 + GBT_ROW_BLOCK;
  uint32_t buf[GBT_TRAVERSE_LOCKSTEP], idx[GBT_TRAVERSE_LOCKSTEP];
  int nb = 0;
  (void)worker;
  if (r1 > tr->n) r1 = tr->n;
  for (size_t r = r0; r < r1; r++) {
    if (r < tr->n_fit && (!tr->in_sample || tr->in_sample[r])) continue;
    if (!tr->trav_ok) {
      tr->pred[r] += gbt_tree_value_codes(nodes, tr->codes + r * tr->F);
      continue;
    }
    buf[nb++] = (uint32_t)r;
    if (nb < GBT_TRAVERSE_LOCKSTEP) continue;
    for (int k = 0; k < GBT_TRAVERSE_LOCKSTEP; k++)
      idx[k] = 0;
    for (uint32_t d = 0; d < tr->tree_depth; d++)
      for (int k = 0; k < GBT_TRAVERSE_LOCKSTEP; k++)
        idx[k] = next[(size_t)idx[k] * 256 + tr->codes[(size_t)buf[k] * tr->F + feat[idx[k]]]];
    for (int k = 0; k < GBT_TRAVERSE_LOCKSTEP; k++)
      tr->pred[buf[k]] += nodes[idx[k]].value;
    nb = 0;
  }
  for (int k = 0; k < nb; k++)
    tr->pred[buf[k]] += gbt_tree_value_codes(nodes, tr->codes + (size_t)buf[k] * tr->F);
}

static size_t n_blocks(size_t n) { return (n + GBT_ROW_BLOCK - 1) / GBT_ROW_BLOCK; }

static unsigned popcount8(uint8_t v) {
  unsigned c = 0;
  while (v) {
    c += v & 1u;
    v >>= 1;
  }
  return c;
}

static int grow_u32_cap(uint32_t *cap, uint64_t need) {
  uint64_t c = *cap ? *cap : 64;
  if (need > UINT32_MAX) return 1;
  while (c < need)
    c *= 2;
  if (c > UINT32_MAX) c = UINT32_MAX;
  *cap = (uint32_t)c;
  return 0;
}

/* Appends the grown tree (round t) to the model in prediction form. */
static om_status append_tree(trainer *tr, uint32_t t) {
  gbt_model *m = tr->m;
  const gbt_grower *g = &tr->g;
  uint64_t need_nodes = (uint64_t)m->n_nodes + g->n_nodes, need_hashes = m->n_cat_hashes;
  for (uint32_t i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].left && g->nodes[i].split.is_cat)
      for (int b = 0; b < 32; b++)
        need_hashes += popcount8(g->nodes[i].split.cat_left[b]);
  if (need_nodes > tr->cap_nodes) {
    uint32_t cap = tr->cap_nodes;
    void *p;
    if (grow_u32_cap(&cap, need_nodes)) return OM_NOMEM;
    if (!(p = om_realloc(m->nodes, (size_t)cap * sizeof *m->nodes))) return OM_NOMEM;
    m->nodes = p;
    if (!(p = om_realloc(tr->node_gain, (size_t)cap * sizeof(double)))) return OM_NOMEM;
    tr->node_gain = p;
    if (!(p = om_realloc(tr->node_cover, (size_t)cap * sizeof(double)))) return OM_NOMEM;
    tr->node_cover = p;
    tr->cap_nodes = cap;
  }
  if (need_hashes > tr->cap_hashes) {
    uint32_t cap = tr->cap_hashes;
    void *p;
    if (grow_u32_cap(&cap, need_hashes)) return OM_NOMEM;
    if (!(p = om_realloc(m->cat_hashes, (size_t)cap * sizeof *m->cat_hashes))) return OM_NOMEM;
    m->cat_hashes = p;
    tr->cap_hashes = cap;
  }
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    const gbt_tnode *tn = &g->nodes[i];
    gbt_node *nd = &m->nodes[m->n_nodes + i];
    memset(nd, 0, sizeof *nd);
    tr->node_gain[m->n_nodes + i] = 0;
    tr->node_cover[m->n_nodes + i] = tn->H; /* point 12: every node's, leaves too */
    if (!tn->left) {
      nd->ff = GBT_NODE_LEAF;
      nd->u.leaf = tn->value;
      continue;
    }
    const gbt_split *s = &tn->split;
    const gbt_bins *b = &tr->bins[s->feature];
    nd->left = tn->left;
    tr->node_gain[m->n_nodes + i] = s->gain;
    if (s->is_cat) {
      nd->ff = s->feature << 3 | GBT_NODE_CAT;
      nd->u.cat.off = m->n_cat_hashes;
      for (uint32_t c = 1; c < b->n_codes; c++)
        if ((s->cat_left[c >> 3] >> (c & 7)) & 1)
          m->cat_hashes[m->n_cat_hashes++] = b->u.hashes[c - 1];
      nd->u.cat.n = m->n_cat_hashes - nd->u.cat.off;
    } else {
      nd->ff = s->feature << 3 | (s->default_left ? GBT_NODE_DEFAULT_LEFT : 0);
      nd->u.thr = s->bin == 0 ? -INFINITY : b->u.cuts[s->bin - 1];
    }
  }
  {
    uint32_t depth = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
      if (g->nodes[i].depth > depth) depth = g->nodes[i].depth;
    m->tree_depth[t] = (uint8_t)depth;
  }
  m->n_nodes += g->n_nodes;
  m->tree_off[t + 1] = m->n_nodes;
  tr->hash_at_tree[t + 1] = m->n_cat_hashes;
  return OM_OK;
}

/* Scores the held-out rows of one block with the kept model (gbt_row_prepare
** + gbt_predict_raw_x, the SQL layer's path), into calib_raw. */
#define GBT_CALIB_BLOCK 2048
static void calib_task(void *ctx, size_t t, unsigned worker) {
  trainer *tr = ctx;
  const gbt_data *d = tr->d;
  double *x = tr->calib_x + (size_t)worker * 4 * tr->F, *num = x + tr->F;
  uint64_t *cat = (uint64_t *)(void *)(num + tr->F);
  uint8_t *miss = (uint8_t *)(cat + tr->F);
  size_t i0 = t * GBT_CALIB_BLOCK, i1 = i0 + GBT_CALIB_BLOCK;
  if (i1 > tr->n_hold) i1 = tr->n_hold;
  for (size_t i = i0; i < i1; i++) {
    size_t r = tr->n_fit + i;
    for (uint32_t f = 0; f < tr->F; f++) {
      const gbt_column *c = &d->cols[f];
      num[f] = c->is_cat ? 0 : c->num[r];
      cat[f] = c->is_cat ? c->cat[r] : 0;
      miss[f] = (uint8_t)(c->is_cat && c->cat_missing && c->cat_missing[r]);
    }
    gbt_row_prepare(tr->m, num, cat, miss, x);
    tr->calib_raw[i] = gbt_predict_raw_x(tr->m, x);
  }
}

/* Predicts the held-out rows with the kept model, on the pool (each row is
** independent, so the result does not depend on the thread count); stores
** the sorted residuals. */
static om_status calibrate(trainer *tr, om_err *err) {
  gbt_model *m = tr->m;
  double *raw = (double *)(void *)tr->scratch[0], *res;
  unsigned T = gbt_pool_size(tr->pool);
  om_status st = OM_OK;
  (void)err;
  if (tr->n_hold == 0) return OM_OK;
  /* scratch[0] holds 2·n_fit words, if it was kept (point 13), and n_hold ≤
  ** n_fit is not guaranteed */
  if (!raw || tr->n_hold > tr->n_fit) {
    raw = om_malloc_array(2 * tr->n_hold, sizeof(double));
    if (!raw) return OM_NOMEM;
  }
  res = raw + tr->n_hold;
  /* per worker 4·F doubles: x, num, cat (u64), missing (bytes) */
  tr->calib_x = om_malloc_array((size_t)T * 4, (size_t)tr->F * sizeof(double));
  if (!tr->calib_x) {
    st = OM_NOMEM;
    goto done;
  }
  tr->calib_raw = raw;
  gbt_pool_run(tr->pool, (tr->n_hold + GBT_CALIB_BLOCK - 1) / GBT_CALIB_BLOCK, calib_task, tr);
  if (tr->o->bag > 1) /* point 11: the bag's metric, from the same raw scores */
    m->valid_metric =
        m->objective == GBT_AFT
            ? gbt_aft_metric(m->aft_dist, tr->o->aft_sigma, tr->ty + tr->n_fit, tr->tu + tr->n_fit,
                             raw, tr->n_hold)
            : gbt_obj_metric(m->objective, tr->o->loss, tr->o->alpha, tr->o->ratio_width,
                             tr->ty + tr->n_fit, raw, tr->n_hold);
  if (m->objective != GBT_BINARY && m->objective != GBT_AFT) {
    for (size_t i = 0; i < tr->n_hold; i++)
      res[i] = tr->ty[tr->n_fit + i] - raw[i];
    /* residuals are finite: labels are finite and so are the leaves */
    gbt_sort_f64(res, raw, tr->n_hold);
    st = gbt_model_set_residuals(m, res, tr->n_hold);
  }
done:
  if (raw != (double *)(void *)tr->scratch[0]) om_free(raw); /* scratch[0] may be NULL: then raw is ours */
  om_free(tr->calib_x);
  tr->calib_x = NULL;
  return st;
}

/* Point 13: the per-thread scratch (2·n_fit words each) served binning and
** the base score; without leaf refits nothing else needs it (calibrate
** allocates its own), so it goes before the trees are grown. */
static void release_scratch(trainer *tr) {
  for (unsigned i = 0; i < tr->T; i++) {
    om_free(tr->scratch[i]);
    tr->scratch[i] = NULL;
  }
}

static void trainer_free(trainer *tr) {
  if (tr->pool) gbt_pool_destroy(tr->pool);
  if (tr->grower_ok) gbt_grower_free(&tr->g);
  if (tr->scratch) {
    for (unsigned i = 0; i < tr->T; i++)
      om_free(tr->scratch[i]);
    om_free(tr->scratch);
  }
  om_free(tr->bins);
  om_free(tr->off);
  om_free(tr->codes);
  om_free(tr->codes_col);
  om_free(tr->ty);
  om_free(tr->tu);
  om_free(tr->pred);
  om_free(tr->gh);
  om_free(tr->rows);
  om_free(tr->rows_tmp);
  om_free(tr->sel);
  om_free(tr->leaves);
  om_free(tr->in_sample);
  om_free(tr->label_bad);
  om_free(tr->node_gain);
  om_free(tr->node_cover);
  om_free(tr->hash_at_tree);
  om_free(tr->trav_next);
  om_free(tr->trav_feat);
  gbt_free(tr->m);
}

/* Held-out tail rows (gbt.h point 2). */
static size_t holdout_rows(const gbt_options *o, size_t n) {
  size_t k = 0;
  if (o->validation_fraction > 0) {
    k = (size_t)llround(o->validation_fraction * (double)n);
    if (k < 1) k = 1;
  } else if (o->calibration_fraction > 0 && o->objective != GBT_BINARY && o->objective != GBT_AFT) {
    /* Binary models have no intervals, AFT models parametric ones: no
    ** calibration tail, every row fits. */
    k = (size_t)llround(o->calibration_fraction * (double)n);
  }
  return k;
}

/* Rows each tree is grown on (point 3). */
static size_t sample_rows(const gbt_options *o, size_t n_fit) {
  size_t k;
  if (o->subsample >= 1) return n_fit;
  k = (size_t)llround(o->subsample * (double)n_fit);
  return k < 1 ? 1 : k;
}

/* A tree has at most 2^max_depth leaves, at most one per sampled row, and,
** where every row's hessian is 1 (all but BINARY), at most
** rows / min_child_weight.  Sizes as in gbt_codec.c (format 4): a tree
** header 4 bytes, a leaf 18, a numeric split 30, a categorical one 26 + 8 per
** category listed (at most max_cat_threshold); the header has loss and
** offset, the SHAP importance and, for AFT, the AFT fields. */
uint64_t gbt_payload_bound(const gbt_options *o, size_t n_rows, uint32_t n_features, int any_cat,
                           uint64_t *max_leaves) {
  size_t n_hold = holdout_rows(o, n_rows), n_fit = n_hold < n_rows ? n_rows - n_hold : 1;
  uint64_t leaves = (uint64_t)1 << (o->max_depth < 63 ? o->max_depth : 63);
  uint64_t rows = sample_rows(o, n_fit), split = 30, tree, head, trees;
  if (o->objective != GBT_BINARY && o->objective != GBT_AFT && o->min_child_weight >= 1 &&
      (double)rows / o->min_child_weight < (double)rows)
    rows = (uint64_t)((double)rows / o->min_child_weight);
  if (rows < 1) rows = 1;
  if (leaves > rows) leaves = rows;
  if (any_cat && 26 + 8 * (uint64_t)o->max_cat_threshold > split)
    split = 26 + 8 * (uint64_t)o->max_cat_threshold;
  tree = 4 + 18 * leaves + (leaves - 1) * split;
  head = 8 + 25 * (uint64_t)n_features + 5 * 8 + 3 * 4 + 8 + 4 +
         8 * (uint64_t)(n_hold < GBT_RESID_MAX ? n_hold : GBT_RESID_MAX) + 8 + 4 + 6;
  if (o->objective == GBT_AFT) head += 12; /* the AFT fields */
  if (max_leaves) *max_leaves = leaves;
  /* n_trees · bag ≤ 100000 and tree < 2^28: no overflow; saturate anyway */
  trees = (uint64_t)o->n_trees * (o->bag ? o->bag : 1);
  if (trees && tree > (UINT64_MAX - head) / trees) return UINT64_MAX;
  return head + trees * tree;
}

#define DIVERGE_ADVICE "use a smaller learning_rate (at most 1) or a larger lambda"

/* Point 8: the leaves of the tree just grown (tr->leaves[0..n_leaves)). */
static om_status check_leaves(const trainer *tr, uint32_t n_leaves, double S, uint32_t round,
                              om_err *err) {
  double worst = 0;
  for (uint32_t i = 0; i < n_leaves; i++) {
    double v = tr->g.nodes[tr->leaves[i]].value;
    if (!isfinite(v))
      return om_errf(err, OM_INVALID, "training diverged at round %u (a leaf value is not finite); %s",
                     round, DIVERGE_ADVICE);
    if (fabs(v) > worst) worst = fabs(v);
  }
  if (worst > GBT_DIVERGE_FACTOR * S) {
    if (tr->o->objective == GBT_BINARY)
      return om_errf(err, OM_INVALID,
                     "training diverged at round %u (a leaf value of %.3g log-odds, more than %g); %s",
                     round, worst, GBT_DIVERGE_FACTOR, DIVERGE_ADVICE);
    return om_errf(err, OM_INVALID,
                   "training diverged at round %u (a leaf value of %.3g, more than %g times the "
                   "largest initial residual %.3g); %s",
                   round, worst, GBT_DIVERGE_FACTOR, S, DIVERGE_ADVICE);
  }
  return OM_OK;
}

static om_status nonfinite(om_err *err, const char *what) {
  return om_errf(err, OM_INVALID,
                 "training gave a non-finite %s; rescale the target to smaller magnitudes or use a "
                 "smaller learning_rate",
                 what);
}

/* Point 9: the model about to be returned. */
static om_status check_model(const gbt_model *m, om_err *err) {
  const char *what = NULL;
  double bound = fabs(m->base_score);
  if (!isfinite(m->base_score)) what = "base score";
  else if (!isnan(m->valid_metric) &&
           !(isfinite(m->valid_metric) && (m->valid_metric >= 0 || m->objective == GBT_AFT)))
    what = "validation metric";
  for (uint32_t f = 0; !what && f < m->n_features; f++)
    if (!(isfinite(m->imp_gain[f]) && m->imp_gain[f] >= 0 && isfinite(m->imp_cover[f]) &&
          m->imp_cover[f] >= 0))
      what = "feature importance";
  for (uint32_t i = 0; !what && i < m->n_resid; i++)
    if (!isfinite(m->resid[i])) what = "calibration residual";
  for (uint32_t t = 0; !what && t < m->n_trees; t++) {
    double worst = 0;
    for (uint32_t i = m->tree_off[t]; i < m->tree_off[t + 1]; i++)
      if (m->nodes[i].ff & GBT_NODE_LEAF) {
        if (!isfinite(m->nodes[i].u.leaf)) worst = INFINITY;
        else if (fabs(m->nodes[i].u.leaf) > worst) worst = fabs(m->nodes[i].u.leaf);
      }
    bound += worst;
    if (!isfinite(bound)) what = "sum of leaf values";
  }
  return what ? nonfinite(err, what) : OM_OK;
}

void gbt_hint_large(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + n) & ~(huge - 1);
  if (p && b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

static unsigned auto_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > 4) n = 4;
  return (unsigned)n;
}

/* Point 2: every row's starting score (the base score, or its offset). */
static void start_scores(trainer *tr) {
  const gbt_options *o = tr->o;
  for (size_t r = 0; r < tr->n; r++)
    tr->pred[r] = tr->m->base_score;
  if (o->offset_feature != GBT_NO_OFFSET) {
    const double *v = tr->d->cols[o->offset_feature].num;
    for (size_t r = 0; r < tr->n; r++) {
      double s0 = gbt_obj_offset(o->objective, v[r]);
      if (!isnan(s0)) tr->pred[r] = s0;
    }
  }
}

typedef struct member_result {
  uint32_t rounds, best_iter; /* rounds trained; round count of the best metric (0: none) */
  double metric;              /* the metric of the trees kept (NaN without held-out rows) */
} member_result;

/* Points 3-4 for one member of the bag, seeded by `seed`: boosting rounds
** from the scores in tr->pred, its trees appended after the model's
** m->n_trees first ones; with early stopping only its best rounds stay. */
static om_status boost_member(trainer *tr, uint64_t seed, double S, const om_interrupt *intr,
                              member_result *mr, om_err *err) {
  const gbt_options *o = tr->o;
  gbt_model *m = tr->m;
  uint32_t tree0 = m->n_trees, rounds = 0, best_iter = 0, kept;
  double best_metric = INFINITY, last_metric = NAN;
  om_status st;
  gbt_rng rng;
  gbt_rng_seed(&rng, seed);
  for (uint32_t t = 0; t < o->n_trees; t++) {
    uint32_t n_leaves = 0;
    if (om_interrupted(intr)) return om_errf(err, OM_INTERRUPTED, "interrupted");
    tr->all_rows = tr->n_sample == tr->n_fit;
    gbt_pool_run(tr->pool, n_blocks(tr->n_fit), grad_task, tr);
    if (tr->n_sample < tr->n_fit)
      gbt_rng_sample_sorted(&rng, tr->n_fit, tr->n_sample, tr->rows, tr->in_sample);
    if (tr->n_sel < tr->F)
      gbt_rng_sample_sorted(&rng, tr->F, tr->n_sel, tr->sel, NULL);
    else
      for (uint32_t f = 0; f < tr->F; f++)
        tr->sel[f] = f;
    tr->g.n_rows = tr->n_sample;
    tr->g.n_sel = tr->n_sel;
    tr->g.pred = tr->refit ? NULL : tr->pred; /* no refit: deepest leaves update pred as they are made */
    st = gbt_grow_tree(&tr->g);
    if (st == OM_INTERRUPTED) return om_errf(err, st, "interrupted");
    if (st != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
    for (uint32_t i = 0; i < tr->g.n_nodes; i++)
      if (!tr->g.nodes[i].left) tr->leaves[n_leaves++] = i;
    if (tr->refit) gbt_pool_run(tr->pool, n_leaves, refit_task, tr);
    if ((st = check_leaves(tr, n_leaves, S, t + 1, err)) != OM_OK) return st;
    gbt_grower_leaf_blocks(&tr->g, GBT_ROW_BLOCK);
    gbt_pool_run(tr->pool, tr->g.n_ranges, leaf_update_task, tr);
    tr->task_lo = tr->n_sample < tr->n_fit ? 0 : tr->n_fit;
    tr->tree_depth = 0;
    for (uint32_t i = 0; i < tr->g.n_nodes; i++)
      if (tr->g.nodes[i].depth > tr->tree_depth) tr->tree_depth = tr->g.nodes[i].depth;
    tr->trav_ok = tr->trav_next && tr->g.n_nodes <= GBT_TRAVERSE_NODES && tr->task_lo < tr->n;
    if (tr->trav_ok) traverse_table(tr);
    gbt_pool_run(tr->pool, n_blocks(tr->n - tr->task_lo), traverse_task, tr);
    if ((st = append_tree(tr, tree0 + t)) != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
    m->n_trees = tree0 + t + 1;
    rounds = t + 1;
    if (tr->n_hold > 0) {
      double metric =
          o->objective == GBT_AFT
              ? gbt_aft_metric(o->aft_dist, o->aft_sigma, tr->ty + tr->n_fit, tr->tu + tr->n_fit,
                               tr->pred + tr->n_fit, tr->n_hold)
              : gbt_obj_metric(o->objective, o->loss, o->alpha, o->ratio_width, tr->ty + tr->n_fit,
                               tr->pred + tr->n_fit, tr->n_hold);
      last_metric = metric;
      if (!isfinite(metric))
        return om_errf(err, OM_INVALID,
                       "training diverged at round %u (the validation metric is not finite); %s",
                       t + 1, DIVERGE_ADVICE);
      if (metric < best_metric) {
        best_metric = metric;
        best_iter = t + 1;
      } else if (o->early_stopping_rounds > 0 && best_iter > 0 &&
                 t + 1 - best_iter >= o->early_stopping_rounds)
        break;
    }
  }
  /* keep the best trees */
  kept = (o->early_stopping_rounds > 0 && best_iter > 0) ? best_iter : rounds;
  m->n_trees = tree0 + kept;
  m->n_nodes = m->tree_off[tree0 + kept];
  m->n_cat_hashes = tr->hash_at_tree[tree0 + kept];
  mr->rounds = rounds;
  mr->best_iter = best_iter;
  mr->metric = kept == best_iter ? best_metric : last_metric;
  return OM_OK;
}

om_status gbt_train(const gbt_data *d, const gbt_options *o, const om_interrupt *intr,
                    gbt_model **out, om_err *err) {
  trainer tr;
  om_status st;
  uint32_t rounds = 0, best_sum = 0;
  uint64_t trees; /* n_trees · bag ≤ 100000 (check_options) */
  double S = 1;
  memset(&tr, 0, sizeof tr);
  if (out) *out = NULL;
  if (!o || !out) return om_errf(err, OM_INVALID, "missing options or output");
  if ((st = check_options(o, err)) != OM_OK) return st;
  if ((st = check_data(d, o, err)) != OM_OK) return st;
  tr.d = d;
  tr.o = o;
  tr.n = d->n_rows;
  tr.F = d->n_features;
  tr.n_hold = holdout_rows(o, tr.n);
  if (tr.n_hold >= tr.n)
    return om_errf(err, OM_INVALID, "%zu rows leave none to fit after holding out %zu", tr.n,
                   tr.n_hold);
  tr.n_fit = tr.n - tr.n_hold;
  tr.T = o->threads ? o->threads : auto_threads();
  trees = (uint64_t)o->n_trees * o->bag;

  /* allocations */
  tr.m = gbt_model_alloc(tr.F);
  if (!tr.m) goto nomem;
  tr.m->tree_off = om_calloc((size_t)trees + 1, sizeof(uint32_t));
  tr.m->tree_depth = om_calloc((size_t)trees, 1);
  tr.hash_at_tree = om_calloc((size_t)trees + 1, sizeof(uint32_t));
  tr.bins = om_calloc(tr.F, sizeof *tr.bins);
  tr.off = om_malloc_array((size_t)tr.F + 1, sizeof *tr.off);
  tr.codes = om_malloc_array(tr.n, tr.F);
  tr.codes_col = om_malloc_array(tr.n, tr.F);
  tr.ty = om_malloc_array(tr.n, sizeof *tr.ty);
  tr.pred = om_malloc_array(tr.n, sizeof *tr.pred);
  tr.gh = om_malloc_array(tr.n_fit, sizeof *tr.gh);
  tr.rows = om_malloc_array(tr.n_fit, sizeof *tr.rows);
  tr.rows_tmp = om_malloc_array(tr.n_fit, sizeof *tr.rows_tmp);
  tr.sel = om_malloc_array(tr.F, sizeof *tr.sel);
  tr.scratch = om_calloc(tr.T, sizeof *tr.scratch);
  if (!tr.m->tree_off || !tr.m->tree_depth || !tr.hash_at_tree || !tr.bins || !tr.off ||
      !tr.codes || !tr.codes_col || !tr.ty || !tr.pred || !tr.gh || !tr.rows || !tr.rows_tmp ||
      !tr.sel || !tr.scratch)
    goto nomem;
  gbt_hint_large(tr.codes, tr.n * tr.F);
  gbt_hint_large(tr.codes_col, tr.n * tr.F);
  gbt_hint_large(tr.ty, tr.n * sizeof *tr.ty);
  gbt_hint_large(tr.pred, tr.n * sizeof *tr.pred);
  gbt_hint_large(tr.gh, tr.n_fit * sizeof *tr.gh);
  gbt_hint_large(tr.rows, tr.n_fit * sizeof *tr.rows);
  gbt_hint_large(tr.rows_tmp, tr.n_fit * sizeof *tr.rows_tmp);
  if (o->subsample < 1 && !(tr.in_sample = om_malloc_array(tr.n_fit, 1))) goto nomem;
  if (o->objective == GBT_AFT && !(tr.tu = om_malloc_array(tr.n, sizeof *tr.tu))) goto nomem;
  for (unsigned i = 0; i < tr.T; i++) {
    if (!(tr.scratch[i] = om_malloc_array(2 * tr.n_fit, sizeof(uint64_t)))) goto nomem;
    gbt_hint_large(tr.scratch[i], 2 * tr.n_fit * sizeof(uint64_t));
  }
  if ((st = gbt_pool_create(tr.T, &tr.pool)) != OM_OK) goto nomem;

  /* labels, bins, base score */
  if (!(tr.label_bad = om_calloc(n_blocks(tr.n), 1))) goto nomem;
  gbt_pool_run(tr.pool, n_blocks(tr.n), labels_task, &tr);
  for (size_t b = 0; b < n_blocks(tr.n); b++)
    if (tr.label_bad[b]) { /* the serial pass gives the message of the first bad row */
      st = map_labels(&tr, 0, tr.n, err);
      if (st == OM_OK) st = om_errf(err, OM_INVALID, "invalid label"); /* cannot happen */
      goto fail;
    }
  if ((st = gbt_bin_build(d, tr.n_fit, o->max_bins, tr.pool, tr.scratch, tr.bins, tr.codes,
                          tr.codes_col, err)) != OM_OK)
    goto fail;
  tr.off[0] = 0;
  for (uint32_t f = 0; f < tr.F; f++)
    tr.off[f + 1] = tr.off[f] + tr.bins[f].n_codes;
  {
    gbt_model *m = tr.m;
    m->objective = o->objective;
    m->alpha = o->alpha;
    m->learning_rate = o->learning_rate;
    m->interval_coverage = o->interval_coverage;
    for (uint32_t f = 0; f < tr.F; f++)
      m->is_cat[f] = (uint8_t)(d->cols[f].is_cat != 0);
    m->loss = o->loss;
    m->offset_feature = o->offset_feature;
    m->aft_dist = o->aft_dist;
    m->aft_sigma = o->objective == GBT_AFT ? o->aft_sigma : 0;
    if (o->objective == GBT_AFT)
      /* point 10: the normal's maximum-likelihood location, whatever aft_dist */
      m->base_score = gbt_aft_base_score(GBT_AFT_NORMAL, o->aft_sigma, tr.ty, tr.tu, tr.n_fit);
    else
      m->base_score = gbt_obj_base_score(o->objective, o->loss, o->alpha, o->ratio_width, tr.ty,
                                         tr.n_fit, (double *)(void *)tr.scratch[0]);
    if (!(o->objective == GBT_QUANTILE || o->loss != GBT_LOSS_SQUARED))
      release_scratch(&tr); /* point 13: no leaf refit will need them */
    start_scores(&tr);
    if (o->objective == GBT_AFT) {
      S = 1;
      for (size_t r = 0; r < tr.n_fit; r++) {
        double b[2] = {tr.ty[r], tr.tu[r]};
        for (int j = 0; j < 2; j++)
          if (isfinite(b[j]) && fabs(b[j] - tr.pred[r]) > S) S = fabs(b[j] - tr.pred[r]);
      }
    } else if (o->objective != GBT_BINARY) {
      S = 0;
      for (size_t r = 0; r < tr.n_fit; r++)
        if (fabs(tr.ty[r] - tr.pred[r]) > S) S = fabs(tr.ty[r] - tr.pred[r]);
      if (S == 0 && o->offset_feature != GBT_NO_OFFSET) S = 1; /* every offset was exact */
    }
    if (!isfinite(m->base_score) || !isfinite(S)) {
      st = nonfinite(err, "base score");
      goto fail;
    }
  }

  /* the grower */
  tr.g.F = tr.F;
  tr.g.off = tr.off;
  tr.g.total_codes = tr.off[tr.F];
  tr.g.bins = tr.bins;
  tr.g.codes = tr.codes;
  tr.g.codes_col = tr.codes_col;
  tr.g.n_total = tr.n;
  tr.g.sp.lambda = o->lambda;
  tr.g.sp.min_child_weight = o->min_child_weight;
  tr.g.sp.max_cat_set = o->max_cat_threshold;
  tr.g.max_depth = o->max_depth;
  tr.g.eta = o->learning_rate;
  tr.g.pool = tr.pool;
  tr.g.intr = intr;
  tr.g.gh = tr.gh;
  tr.g.rows = tr.rows;
  tr.g.rows_tmp = tr.rows_tmp;
  tr.g.sel = tr.sel;
  if ((st = gbt_grower_init(&tr.g, tr.n_fit, gbt_pool_size(tr.pool))) != OM_OK) goto nomem;
  tr.grower_ok = 1;
  tr.leaves = om_malloc_array(tr.g.cap_level, sizeof *tr.leaves);
  if (!tr.leaves) goto nomem;

  tr.refit = o->objective == GBT_QUANTILE || o->loss != GBT_LOSS_SQUARED;
  tr.n_sample = sample_rows(o, tr.n_fit);
  tr.n_sel = (uint32_t)llround(o->colsample * (double)tr.F);
  if (tr.n_sel < 1) tr.n_sel = 1;
  if (o->colsample >= 1) tr.n_sel = tr.F;
  if (tr.g.cap_nodes <= GBT_TRAVERSE_NODES && (tr.n_sample < tr.n_fit || tr.n_hold > 0)) {
    tr.trav_next = om_malloc_array((size_t)tr.g.cap_nodes * 256, sizeof *tr.trav_next);
    tr.trav_feat = om_malloc_array(tr.g.cap_nodes, sizeof *tr.trav_feat);
    if (!tr.trav_next || !tr.trav_feat) goto nomem;
  }

  /* the members of the bag (point 11), one after the other */
  for (uint32_t k = 0; k < o->bag; k++) {
    member_result mr = {0, 0, NAN};
    if (k) start_scores(&tr);
    if ((st = boost_member(&tr, o->seed + k, S, intr, &mr, err)) != OM_OK) goto fail;
    rounds += mr.rounds;
    best_sum += mr.best_iter > 0 ? mr.best_iter : mr.rounds;
    if (o->bag == 1) tr.m->valid_metric = mr.metric;
  }

  /* importance, the bag's average, calibration */
  {
    gbt_model *m = tr.m;
    m->n_rounds = rounds;
    m->best_iteration = best_sum;
    for (uint32_t i = 0; i < m->n_nodes; i++)
      if (!(m->nodes[i].ff & GBT_NODE_LEAF)) {
        m->imp_gain[GBT_NODE_FEATURE(&m->nodes[i])] += tr.node_gain[i];
        m->imp_cover[GBT_NODE_FEATURE(&m->nodes[i])] += tr.node_cover[i];
      }
    if (o->bag > 1) {
      for (uint32_t i = 0; i < m->n_nodes; i++)
        if (m->nodes[i].ff & GBT_NODE_LEAF) m->nodes[i].u.leaf /= (double)o->bag;
      for (uint32_t f = 0; f < tr.F; f++) {
        m->imp_gain[f] /= (double)o->bag;
        m->imp_cover[f] /= (double)o->bag;
      }
      m->valid_metric = NAN; /* calibrate() measures the bag on the held-out rows */
    }
  }
  /* point 12: the covers; then the index, calibration and SHAP importance */
  if (!(tr.m->cover = om_malloc_array(tr.m->n_nodes ? tr.m->n_nodes : 1, sizeof(double))))
    goto nomem;
  for (uint32_t i = 0; i < tr.m->n_nodes; i++)
    tr.m->cover[i] = tr.node_cover[i] >= 0 ? tr.node_cover[i] : 0;
  if ((st = gbt_model_index(tr.m)) != OM_OK) goto nomem;
  if ((st = calibrate(&tr, err)) != OM_OK) goto nomem;
  if ((st = check_model(tr.m, err)) != OM_OK) goto fail;
  if ((st = gbt_shap_importance_train(tr.m, d, tr.n_fit, tr.pool)) != OM_OK) goto nomem;
  *out = tr.m;
  tr.m = NULL;
  trainer_free(&tr);
  return OM_OK;
nomem:
  st = om_errf(err, OM_NOMEM, "out of memory");
fail:
  trainer_free(&tr);
  return st;
}
