/*
** ifo_tree.c — growing one isolation tree on its sample, node by node, as
** scikit-learn's ExtraTreeRegressor(max_features=1, splitter='random')
** does inside IsolationForest (sklearn/tree/_splitter.pyx, random split;
** sklearn/tree/_tree.pyx, depth-first builder).
**
** Behaviours:
**   1. A node is a leaf when its depth is max_depth, when it holds fewer
**      than 2 samples, or when every feature is constant in it.  Leaves
**      keep their sample count.  (scikit-learn also stops on a node whose
**      random regression target has zero variance; its targets are uniform
**      random doubles, so that never happens with 2 or more samples.)
**   2. Feature choice: uniform among the features not constant in the node,
**      drawn lazily as scikit-learn does: draw among the candidates, and if
**      the drawn feature is constant (no present value, or max ≤ min +
**      1e-7 in float32 arithmetic, scikit-learn's FEATURE_THRESHOLD) drop
**      it and draw again.  A feature found constant stays dropped for the
**      node's descendants (it is constant in every subset).
**   3. Threshold: t = (max − min)·u + min in double, u uniform in [0, 1),
**      min and max the float32 extremes of the present values; t = min if
**      it rounded up to max (scikit-learn's rule).  It is stored rounded
**      down to float32, which for float32 values is the same test x <= t.
**      Both children get at least one present value.
**   4. Missing values (NaN in X): ignored for min and max; at a split they
**      go to the child that received more of the node's present values
**      (the left one on a tie), recorded as IFO_NODE_MISSING_LEFT, and
**      scoring sends a missing value the same way.  So a missing value
**      never isolates a row by itself: it follows the bulk.
**   5. Nodes are written in preorder (left child = next node), children
**      after parents; the tree uses only its own RNG stream, so it does not
**      depend on other trees or on which thread grows it.  No allocation.
*/
#include "ifo.h"

#include <math.h>
#include <string.h>

typedef struct pending {
  uint32_t start, end, depth, patch; /* patch: node whose right child this is, or UINT32_MAX */
} pending;

void ifo_grow_tree(ifo_grow *g) {
  pending stack[2 * IFO_MAX_DEPTH + 2];
  uint32_t ncand[IFO_MAX_DEPTH + 1];
  int sp = 0;
  const uint32_t n = g->n, F = g->n_features;
  for (uint32_t r = 0; r < n; r++) g->idx[r] = r;
  g->n_nodes = 0;
  stack[sp++] = (pending){0, n, 0, UINT32_MAX};
  while (sp > 0) {
    pending e = stack[--sp];
    uint32_t at = g->n_nodes++, *cand, nc, feature = 0, nl = 0, nr = 0, lo, hi;
    ifo_node *nd = &g->nodes[at];
    float mn = 0, mx = 0, tf;
    double t;
    int found = 0, ml;
    memset(nd, 0, sizeof *nd);
    if (e.patch != UINT32_MAX) g->nodes[e.patch].u.s.right = at;
    nd->size = e.end - e.start;
    nd->ff = IFO_NODE_LEAF;
    if (e.depth >= g->max_depth || nd->size < 2) continue;
    /* behaviour 2: this node's candidates start as its parent's */
    cand = g->cand + (size_t)e.depth * F;
    if (e.depth == 0) {
      for (uint32_t f = 0; f < F; f++) cand[f] = f;
      nc = F;
    } else {
      nc = ncand[e.depth - 1];
      memcpy(cand, g->cand + (size_t)(e.depth - 1) * F, (size_t)nc * sizeof *cand);
    }
    while (nc > 0) {
      uint32_t j = (uint32_t)ifo_rng_below(g->rng, nc), present = 0;
      const float *col;
      feature = cand[j];
      col = g->X + (size_t)feature * n;
      for (uint32_t p = e.start; p < e.end; p++) {
        float v = col[g->idx[p]];
        if (v != v) continue;
        if (!present++) mn = mx = v;
        else if (v < mn) mn = v;
        else if (v > mx) mx = v;
      }
      if (present) {
        float lim = mn + IFO_FEATURE_THRESHOLD; /* float32 arithmetic, as scikit-learn */
        if (!(mx <= lim)) {
          found = 1;
          break;
        }
      }
      cand[j] = cand[--nc]; /* constant here and below */
    }
    ncand[e.depth] = nc;
    if (!found) continue;
    /* behaviour 3 */
    t = ((double)mx - (double)mn) * ifo_rng_uniform(g->rng) + (double)mn;
    if (t >= (double)mx) t = (double)mn;
    tf = ifo_f32_down(t);
    /* behaviour 4 */
    {
      const float *col = g->X + (size_t)feature * n;
      for (uint32_t p = e.start; p < e.end; p++) {
        float v = col[g->idx[p]];
        if (v != v) continue;
        if (v <= tf) nl++;
        else nr++;
      }
      ml = nl >= nr;
      lo = e.start;
      hi = e.end;
      while (lo < hi) { /* idx[start, lo) go left, idx[hi, end) go right */
        float v = col[g->idx[lo]];
        int left = v == v ? v <= tf : ml;
        if (left) lo++;
        else {
          uint32_t tmp = g->idx[lo];
          g->idx[lo] = g->idx[--hi];
          g->idx[hi] = tmp;
        }
      }
    }
    nd->ff = feature << 2 | (ml ? IFO_NODE_MISSING_LEFT : 0);
    nd->u.s.thr = tf;
    stack[sp++] = (pending){lo, e.end, e.depth + 1, at};
    stack[sp++] = (pending){e.start, lo, e.depth + 1, UINT32_MAX};
  }
}
