/*
** gbt_shap.c — explanations of a boosted-tree model's raw score (gbt.h
** point 16): exact per-feature contributions that add up to the raw score
** (the margin the objective's output map is applied to), or to the
** difference of two rows' raw scores.
**
**   1. Shares.  At a split node with children L and R, child c's share is
**      cover(c) / (cover(L) + cover(R)), ½ each when both covers are 0.  The
**      covers are the hessian sums of the rows each node was grown on
**      (gbt_train.c point 12; xgboost's "cover", the row count for squared
**      error).  Taking the children's sum rather than the parent's stored
**      cover makes the shares add up to 1 whatever rounding the stored sums
**      carry.
**   2. gbt_shap_x is path-dependent TreeSHAP (Lundberg, Erion & Lee 2018,
**      Algorithm 2; Lundberg et al. 2020, Nature Machine Intelligence 2:56):
**      per tree, the exact Shapley values of v_t(S) = E_t[f | x_S], where
**      the expectation is the tree walk that follows x at a split on a
**      feature of S and averages the children by their shares at any other
**      split.  A feature met twice on a path is unwound and re-extended as
**      in the paper.  x's branch at a node is the one prediction takes
**      (gbt_predict.c point 2): missing values their default side,
**      categories their set membership.
**   3. Bias and offset.  phi[n_features] (the bias) = base score + Σ_t
**      E_t[f] (each tree's share-weighted mean leaf).  With an offset
**      feature (gbt.h point 12) the row's start minus the base score is
**      added to that feature (an additive term of one feature: its exact
**      Shapley value with v(∅) = the base score; 0 when the offset is
**      missing or unusable).  So Σ phi = start + Σ_t leaf_t(x) = raw(x), up
**      to rounding (about 1e-15 of Σ|terms|).
**   4. gbt_shap_diff_x is baseline Shapley (Sundararajan & Najmi 2020, "The
**      many Shapley values for model explanation"; the interventional
**      TreeSHAP of Lundberg et al. 2020 with one background row): v(S) =
**      raw(z) with z = x on S and ref elsewhere.  Per tree, exact in
**      O(leaves·depth): z reaches a leaf iff, for every feature j on its
**      path, the value z takes for j (x's when j ∈ S, else ref's) goes the
**      path's way at each of j's nodes.  With A = the path's features only
**      x's value satisfies and B = those only ref's satisfies (a feature
**      neither satisfies makes the leaf unreachable; one both satisfy does
**      not matter), the leaf is reached iff A ⊆ S and B ∩ S = ∅, a game
**      whose Shapley values are (|A|−1)!|B|!/(|A|+|B|)! for j ∈ A and
**      −|A|!(|B|−1)!/(|A|+|B|)! for j ∈ B; the leaf's value times these is
**      added.  The offset feature gets start(x) − start(ref).  Σ_{j<F} phi
**      = raw(x) − raw(ref); phi[F] = 0.  No covers needed.
**   5. Both take rows prepared by gbt_row_prepare and allocate nothing: the
**      path state lives on the stack (depth ≤ GBT_MAX_DEPTH).
**   6. SHAP importance (gbt_shap_importance_train, at the end of training):
**      the mean over k fit rows of |phi[f]| (the bias excluded), rows
**      r_j = floor((2j + 1)·n_fit / (2k)), j = 0..k−1, with k = min(
**      GBT_SHAP_ROWS, n_fit, floor(GBT_SHAP_BUDGET / c)) and c = Σ_t
**      leaves_t·(depth_t + 1)², TreeSHAP's cost of one row.  When a mean is
**      not finite the model stores none
**      (shap_rows 0), and none when k < GBT_SHAP_MIN_ROWS < n_fit (too few
**      rows to rank features by).  The rows are split into 16 fixed chunks
**      (row j in chunk j mod 16) run on training's thread pool, and the
**      chunks' sums are added in chunk order: the bytes do not depend on
**      the thread count.  The budget bounds its time (about 0.15 s of one
**      thread), so it does not poll the interrupt.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

#define PATH_CAP ((GBT_MAX_DEPTH + 2) * (GBT_MAX_DEPTH + 3) / 2)
#define NO_FEATURE UINT32_MAX

int gbt_has_covers(const gbt_model *m) { return m->cover != NULL; }

const double *gbt_model_shap_importance(const gbt_model *m, uint32_t *rows) {
  if (rows) *rows = m->shap_imp ? m->shap_rows : 0;
  return m->shap_imp && m->shap_rows ? m->shap_imp : NULL;
}

/* Point 1: the shares of the children l, l+1 of a split. */
static void shares(const double *cov, uint32_t l, double *sl, double *sr) {
  double a = cov[l], b = cov[l + 1], s = a + b;
  if (s == INFINITY) { /* two huge covers: halve them first */
    a *= 0.5;
    b *= 0.5;
    s = a + b;
  }
  if (!(s > 0)) {
    *sl = *sr = 0.5;
    return;
  }
  *sl = a / s;
  *sr = b / s;
}

/* E_t[f]: the share-weighted mean leaf below node i. */
static double expected(const gbt_node *tree, const double *cov, uint32_t i) {
  double sl, sr;
  if (tree[i].ff & GBT_NODE_LEAF) return tree[i].u.leaf;
  shares(cov, tree[i].left, &sl, &sr);
  return sl * expected(tree, cov, tree[i].left) + sr * expected(tree, cov, tree[i].left + 1);
}

/* ---- path-dependent TreeSHAP (point 2) ---- */

typedef struct path_el {
  uint32_t f; /* feature, NO_FEATURE for the root's dummy element */
  double z;   /* zero fraction: the share of the paths where f is not in S */
  double o;   /* one fraction: 1 when x goes this way, else 0 */
  double w;   /* weight of subsets of each size */
} path_el;

/* Appends (f, z, o) at index ud and updates the weights. */
static void path_extend(path_el *p, uint32_t ud, double z, double o, uint32_t f) {
  p[ud].f = f;
  p[ud].z = z;
  p[ud].o = o;
  p[ud].w = ud == 0 ? 1.0 : 0.0;
  for (uint32_t i = ud; i-- > 0;) {
    p[i + 1].w += o * p[i].w * (double)(i + 1) / (double)(ud + 1);
    p[i].w = z * p[i].w * (double)(ud - i) / (double)(ud + 1);
  }
}

/* Removes element k of p[0..ud] (inverse of path_extend). */
static void path_unwind(path_el *p, uint32_t ud, uint32_t k) {
  double o = p[k].o, z = p[k].z, next = p[ud].w;
  for (uint32_t i = ud; i-- > 0;) {
    if (o != 0) {
      double tmp = p[i].w;
      p[i].w = next * (double)(ud + 1) / ((double)(i + 1) * o);
      next = tmp - p[i].w * z * (double)(ud - i) / (double)(ud + 1);
    } else if (z != 0)
      p[i].w = p[i].w * (double)(ud + 1) / (z * (double)(ud - i));
  }
  for (uint32_t i = k; i < ud; i++) {
    p[i].f = p[i + 1].f;
    p[i].z = p[i + 1].z;
    p[i].o = p[i + 1].o;
  }
}

/* The total weight of p[0..ud] with element k unwound (not materialised). */
static double path_unwound_sum(const path_el *p, uint32_t ud, uint32_t k) {
  double o = p[k].o, z = p[k].z, next = p[ud].w, total = 0;
  for (uint32_t i = ud; i-- > 0;) {
    if (o != 0) {
      double tmp = next * (double)(ud + 1) / ((double)(i + 1) * o);
      total += tmp;
      next = p[i].w - tmp * z * (double)(ud - i) / (double)(ud + 1);
    } else if (z != 0)
      total += p[i].w / z * (double)(ud + 1) / (double)(ud - i);
  }
  return total;
}

typedef struct shap_ctx {
  const gbt_model *m;
  uint32_t t;         /* tree */
  const gbt_node *tree;
  const double *cov;  /* the tree's covers */
  const double *x;
  double *phi;
} shap_ctx;

/* Node i reached with the parent's path parent[0..ud−1] (ud = 0 at the root)
** extended by (f, z, o).  The node's own path is written after the parent's. */
static void shap_rec(const shap_ctx *c, uint32_t i, path_el *parent, uint32_t ud, double z, double o,
                     uint32_t f) {
  path_el *p = parent + ud;
  const gbt_node *nd = &c->tree[i];
  if (ud > 0) memcpy(p, parent, ud * sizeof *p);
  path_extend(p, ud, z, o, f);
  if (nd->ff & GBT_NODE_LEAF) {
    for (uint32_t k = 1; k <= ud; k++) {
      double w = path_unwound_sum(p, ud, k);
      c->phi[p[k].f] += w * (p[k].o - p[k].z) * nd->u.leaf;
    }
    return;
  } else {
    uint32_t sf = GBT_NODE_FEATURE(nd), l = nd->left, hot = gbt_node_child_x(c->m, c->t, i, c->x),
             cold = hot == l ? l + 1 : l, k;
    double sl, sr, sh, sc, iz = 1, io = 1;
    uint32_t d = ud;
    shares(c->cov, l, &sl, &sr);
    sh = hot == l ? sl : sr;
    sc = hot == l ? sr : sl;
    for (k = 1; k <= d; k++)
      if (p[k].f == sf) break;
    if (k <= d) {
      iz = p[k].z;
      io = p[k].o;
      path_unwind(p, d, k);
      d--;
    }
    /* a branch where both fractions are 0 adds nothing: skipped */
    if (sh * iz != 0 || io != 0) shap_rec(c, hot, p, d + 1, sh * iz, io, sf);
    if (sc * iz != 0) shap_rec(c, cold, p, d + 1, sc * iz, 0, sf);
  }
}

om_status gbt_shap_x(const gbt_model *m, const double *x, double *phi, om_err *err) {
  path_el path[PATH_CAP];
  uint32_t F = m->n_features;
  double bias = m->base_score;
  if (!m->cover)
    return om_errf(err, OM_INVALID,
                   "the model was trained by an omen without node covers (gbt payload format %u); "
                   "retrain it",
                   (unsigned)gbt_payload_format(m));
  for (uint32_t f = 0; f <= F; f++)
    phi[f] = 0;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    shap_ctx c;
    c.m = m;
    c.t = t;
    c.tree = m->pnodes + m->tree_off[t];
    c.cov = m->cover + m->tree_off[t];
    c.x = x;
    c.phi = phi;
    bias += expected(c.tree, c.cov, 0);
    shap_rec(&c, 0, path, 0, 1.0, 1.0, NO_FEATURE);
  }
  if (m->offset_feature != GBT_NO_OFFSET) phi[m->offset_feature] += gbt_start_x(m, x) - m->base_score;
  phi[F] = bias;
  return OM_OK;
}

/* ---- baseline Shapley against one reference row (point 4) ---- */

typedef struct diff_path {
  uint32_t n;                   /* distinct features on the path */
  uint32_t f[GBT_MAX_DEPTH];
  uint8_t a[GBT_MAX_DEPTH];     /* x's value goes the path's way at all of f's nodes */
  uint8_t b[GBT_MAX_DEPTH];     /* ref's value does */
} diff_path;

typedef struct diff_ctx {
  const gbt_model *m;
  uint32_t t;
  const gbt_node *tree;
  const double *x, *ref;
  double *phi;
} diff_ctx;

static const double fact[GBT_MAX_DEPTH + 1] = {1.0,
                                               1.0,
                                               2.0,
                                               6.0,
                                               24.0,
                                               120.0,
                                               720.0,
                                               5040.0,
                                               40320.0,
                                               362880.0,
                                               3628800.0,
                                               39916800.0,
                                               479001600.0,
                                               6227020800.0,
                                               87178291200.0,
                                               1307674368000.0,
                                               20922789888000.0};

static void diff_rec(const diff_ctx *c, uint32_t i, const diff_path *p) {
  const gbt_node *nd = &c->tree[i];
  if (nd->ff & GBT_NODE_LEAF) {
    uint32_t na = 0, nb = 0;
    double wa, wb;
    for (uint32_t k = 0; k < p->n; k++) {
      na += p->a[k] && !p->b[k];
      nb += p->b[k] && !p->a[k];
    }
    if (na + nb == 0) return; /* every hybrid row reaches it: a constant */
    wa = na ? nd->u.leaf * fact[na - 1] * fact[nb] / fact[na + nb] : 0;
    wb = nb ? nd->u.leaf * fact[na] * fact[nb - 1] / fact[na + nb] : 0;
    for (uint32_t k = 0; k < p->n; k++) {
      if (p->a[k] && !p->b[k]) c->phi[p->f[k]] += wa;
      else if (p->b[k] && !p->a[k]) c->phi[p->f[k]] -= wb;
    }
    return;
  } else {
    uint32_t sf = GBT_NODE_FEATURE(nd), l = nd->left, k;
    uint32_t cx = gbt_node_child_x(c->m, c->t, i, c->x), cr = gbt_node_child_x(c->m, c->t, i, c->ref);
    for (k = 0; k < p->n; k++)
      if (p->f[k] == sf) break;
    for (uint32_t child = l; child <= l + 1; child++) {
      diff_path q = *p;
      uint8_t ax = cx == child, ar = cr == child;
      if (k < p->n) {
        q.a[k] = (uint8_t)(p->a[k] && ax);
        q.b[k] = (uint8_t)(p->b[k] && ar);
        if (!q.a[k] && !q.b[k]) continue; /* no hybrid row gets here */
      } else {
        if (!ax && !ar) continue;
        q.f[q.n] = sf;
        q.a[q.n] = ax;
        q.b[q.n] = ar;
        q.n++;
      }
      diff_rec(c, child, &q);
    }
  }
}

void gbt_shap_diff_x(const gbt_model *m, const double *x, const double *ref, double *phi) {
  uint32_t F = m->n_features;
  diff_path root;
  for (uint32_t f = 0; f <= F; f++)
    phi[f] = 0;
  root.n = 0;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    diff_ctx c;
    c.m = m;
    c.t = t;
    c.tree = m->pnodes + m->tree_off[t];
    c.x = x;
    c.ref = ref;
    c.phi = phi;
    diff_rec(&c, 0, &root);
  }
  if (m->offset_feature != GBT_NO_OFFSET)
    phi[m->offset_feature] += gbt_start_x(m, x) - gbt_start_x(m, ref);
}

/* ---- SHAP importance at training time (point 6) ---- */

#define SHAP_CHUNKS 16

typedef struct imp_ctx {
  const gbt_model *m;
  const gbt_data *d;
  size_t n_fit, k;
  size_t n_chunks;
  double *scratch; /* per chunk: num[F], x[F], phi[F + 1], acc[F] */
  uint64_t *cat;   /* per chunk [F] */
  uint8_t *miss;   /* per chunk [F] */
} imp_ctx;

/* Rows j = chunk, chunk + n_chunks, ... of the sample into the chunk's acc. */
static void imp_task(void *vctx, size_t chunk, unsigned worker) {
  const imp_ctx *c = vctx;
  uint32_t F = c->m->n_features;
  double *num = c->scratch + chunk * (4 * (size_t)F + 1), *x = num + F, *phi = x + F, *acc = phi + F + 1;
  uint64_t *cat = c->cat + chunk * F;
  uint8_t *miss = c->miss + chunk * F;
  (void)worker;
  for (size_t j = chunk; j < c->k; j += c->n_chunks) {
    size_t r = (size_t)(((2 * (uint64_t)j + 1) * (uint64_t)c->n_fit) / (2 * (uint64_t)c->k));
    for (uint32_t f = 0; f < F; f++) {
      const gbt_column *col = &c->d->cols[f];
      if (col->is_cat) {
        num[f] = NAN;
        cat[f] = col->cat[r];
        miss[f] = (uint8_t)(col->cat_missing && col->cat_missing[r]);
      } else {
        num[f] = col->num[r];
        cat[f] = 0;
        miss[f] = (uint8_t)isnan(num[f]);
      }
    }
    gbt_row_prepare(c->m, num, cat, miss, x);
    (void)gbt_shap_x(c->m, x, phi, NULL); /* covers present: cannot fail */
    for (uint32_t f = 0; f < F; f++)
      acc[f] += fabs(phi[f]);
  }
}

om_status gbt_shap_importance_train(gbt_model *m, const gbt_data *d, size_t n_fit, gbt_pool *pool) {
  uint32_t F = m->n_features;
  double cost = 0, *imp = NULL;
  size_t k, per;
  imp_ctx c;
  if (!m->cover || n_fit == 0) return OM_OK;
  for (uint32_t t = 0; t < m->n_trees; t++) {
    double leaves = 0, dep = (double)m->tree_depth[t] + 1;
    for (uint32_t i = m->tree_off[t]; i < m->tree_off[t + 1]; i++)
      leaves += (m->nodes[i].ff & GBT_NODE_LEAF) ? 1 : 0;
    cost += leaves * dep * dep;
  }
  k = GBT_SHAP_ROWS;
  if (k > n_fit) k = n_fit;
  if (cost > 0 && (double)k > floor(GBT_SHAP_BUDGET / cost)) k = (size_t)floor(GBT_SHAP_BUDGET / cost);
  if (k < GBT_SHAP_MIN_ROWS && k < n_fit) return OM_OK; /* too few rows to say much: none */
  memset(&c, 0, sizeof c);
  c.m = m;
  c.d = d;
  c.n_fit = n_fit;
  c.k = k;
  c.n_chunks = k < SHAP_CHUNKS ? k : SHAP_CHUNKS;
  per = 4 * (size_t)F + 1;
  c.scratch = om_calloc(c.n_chunks * per, sizeof(double));
  c.cat = om_malloc_array(c.n_chunks * F, sizeof(uint64_t));
  c.miss = om_malloc_array(c.n_chunks * F, 1);
  imp = om_calloc(F, sizeof *imp);
  if (!c.scratch || !c.cat || !c.miss || !imp) {
    om_free(c.scratch);
    om_free(c.cat);
    om_free(c.miss);
    om_free(imp);
    return OM_NOMEM;
  }
  gbt_pool_run(pool, c.n_chunks, imp_task, &c);
  for (size_t ch = 0; ch < c.n_chunks; ch++) { /* fixed order: the same sums on any pool */
    const double *acc = c.scratch + ch * per + 3 * (size_t)F + 1;
    for (uint32_t f = 0; f < F; f++)
      imp[f] += acc[f];
  }
  om_free(c.scratch);
  om_free(c.cat);
  om_free(c.miss);
  for (uint32_t f = 0; f < F; f++) {
    imp[f] /= (double)k;
    if (!isfinite(imp[f])) { /* none stored */
      om_free(imp);
      return OM_OK;
    }
  }
  m->shap_imp = imp;
  m->shap_rows = (uint32_t)k;
  return OM_OK;
}
