/*
** gbt_score.c — the compact scoring layout of a model: every split turned
** into a test on a small integer code, built once when a model is trained
** or decoded (gbt_model_index calls gbt_score_build), so that a row's walk
** through the trees touches 8-byte nodes and tests one bit per node instead
** of comparing doubles or branching on the node's kind.  Derived data, like gbt_index.c's pnodes: never
** encoded, rebuilt identically from a decoded model.
**
**   1. Slots.  Every feature that some split uses gets a slot, in feature
**      order; slot n_slots is a dummy whose code is always 0 (leaves read
**      it).  A row becomes codes[n_slots + 1] (16 bits each) once per row
**      (gbt_score_raw_x, from gbt_row_prepare's x):
**        numeric slot: the feature's distinct split thresholds t[0..k)
**          ascending; code 0 when the value is missing (NaN), else 1 + the
**          number of thresholds ≤ v (binary search), so 1..k+1;
**        categorical slot: the row's dictionary code (gbt_index.c: 0 for
**          missing, rare or unseen).
**   2. Nodes (8 bytes: u32 woff, u32 link = left child << 12 | slot).  The
**      left child is an index in the whole layout, the right child is the
**      next node.  Every node goes right when the bit of its slot's code is
**      set in its right set, a bitset at bits + woff: a step is one load of
**      the node, of the code and of a bitset word, a shift and an add, with
**      no branch.  Numeric split at threshold t[j]: codes j + 2 .. k + 1
**      (present values v ≥ t[j]) and code 0 when missing goes right; one set
**      per (slot, j, direction), shared by every split that uses it.
**      Categorical split: the complement of its bitset in gbt_index.c
**      (code 0, missing, rare or unseen, is never in a left set).  A leaf
**      reads the dummy slot (code 0) against word 0, which is 0, and its
**      left child is itself: a walk of a fixed number of steps stays at
**      the leaf it reached.  leaf[i] is node i's value.
**   3. Trees are laid out one after the other, each breadth-first from its
**      root (siblings adjacent), so a tree's first levels share cache
**      lines.  root[t] is tree t's root.
**   4. The walk is the one of gbt_predict.c with the same sums in the same
**      order: start, then GBT_LOCKSTEP trees at a time for their deepest
**      leaf's depth (group_depth), each lane's leaf added in tree order,
**      then the remaining trees one by one.  Every decision equals the
**      node walk's (point 2), so the raw score has the same bits.
**   5. Limits: a model gets the layout only when at most GBT_SCORE_MAX_SLOTS
**      (4,095) features are used by splits, each numeric one has at most
**      GBT_SCORE_MAX_THRESHOLDS distinct thresholds, every categorical split
**      is a bitset (not a code list, gbt_index.c 2), it has at most 2^20
**      nodes, and its bitsets take at most 16 words per node + 65,536.
**      Other models keep m->score NULL and score through the node walk:
**      same results, slower.  Every model gbt_train makes with at most
**      2^20 nodes and fewer than 4,096 features used gets the layout (its
**      features have ≤ 255 thresholds and ≤ 255 categories).
**   6. Scoring allocates nothing: the codes live on the stack (at most
**      2·(GBT_SCORE_MAX_SLOTS + 1) bytes).
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

typedef struct gbt_snode {
  uint32_t woff; /* its right set: a bitset of codes at bits + woff */
  uint32_t link; /* left child << GBT_SCORE_SLOT_BITS | slot it reads */
} gbt_snode;
#define GBT_SCORE_SLOT_BITS 12
#define GBT_SCORE_MAX_NODES (1u << (32 - GBT_SCORE_SLOT_BITS))

struct gbt_score {
  uint32_t n_slots;     /* used features; codes[n_slots] is the dummy */
  uint32_t *slot_f;     /* [n_slots] feature of each slot */
  uint8_t *slot_cat;    /* [n_slots] 1 = categorical */
  uint32_t *thr_off;    /* [n_slots + 1] numeric slot s: thr[thr_off[s], thr_off[s+1]) */
  double *thr;          /* distinct thresholds per numeric slot, ascending */
  gbt_snode *nodes;     /* [n_nodes] breadth-first per tree */
  double *leaf;         /* [n_nodes] leaf values (0 for splits) */
  uint32_t *root;       /* [n_trees] */
  uint8_t *group_depth; /* [n_trees / GBT_LOCKSTEP] deepest leaf of each full group */
  uint64_t *bits;       /* [n_words] word 0 is 0 (leaves), then the bitsets */
  uint32_t n_words, cap_words;
};

void gbt_score_free(gbt_model *m) {
  gbt_score *s = m->score;
  if (!s) return;
  om_free(s->slot_f);
  om_free(s->slot_cat);
  om_free(s->thr_off);
  om_free(s->thr);
  om_free(s->nodes);
  om_free(s->leaf);
  om_free(s->root);
  om_free(s->group_depth);
  om_free(s->bits);
  om_free(s);
  m->score = NULL;
}

/* Number of a[0..n) that are ≤ v (a ascending, v not NaN), by a binary
** search whose steps are arithmetic, not branches. */
static inline uint32_t count_le(const double *a, uint32_t n, double v) {
  uint32_t lo = 0;
  if (n == 0) return 0;
  while (n > 1) {
    uint32_t half = n / 2;
    lo += half & (0u - (uint32_t)(a[lo + half - 1] <= v));
    n -= half;
  }
  return lo + (a[lo] <= v);
}

/* n zeroed words at the end of bits; their offset, or 0 when the layout
** would exceed max words (*st stays OM_OK) or memory is short (*st =
** OM_NOMEM). */
static uint32_t new_bitset(gbt_score *s, uint32_t n, uint64_t max, om_status *st) {
  uint32_t off = s->n_words;
  if ((uint64_t)off + n > max) return 0;
  if (off + n > s->cap_words) {
    uint32_t cap = s->cap_words ? s->cap_words : 256;
    uint64_t *p;
    while (cap < off + n)
      cap *= 2;
    p = om_realloc(s->bits, (size_t)cap * sizeof *p);
    if (!p) {
      *st = OM_NOMEM;
      return 0;
    }
    s->bits = p;
    s->cap_words = cap;
  }
  memset(s->bits + off, 0, (size_t)n * sizeof *s->bits);
  s->n_words = off + n;
  return off;
}

om_status gbt_score_build(gbt_model *m) {
  uint32_t F = m->n_features, *slot_of = NULL, *queue = NULL, *num_set = NULL;
  uint64_t n_thr = 0, max_words;
  double *tmp = NULL;
  gbt_score *s;
  om_status st = OM_NOMEM;
  gbt_score_free(m);
  if (!m->pnodes || m->n_nodes > GBT_SCORE_MAX_NODES) return OM_OK;
  /* bitset memory bound: ~128 bytes per node (a trained model needs < 16) */
  max_words = (uint64_t)m->n_nodes * 16 + 65536;
  if (!(s = m->score = om_calloc(1, sizeof *s))) return OM_NOMEM;
  if (!(slot_of = om_malloc_array(F ? F : 1, sizeof *slot_of))) goto fail;

  /* 1. slots, and the number of numeric splits */
  for (uint32_t f = 0; f < F; f++)
    slot_of[f] = UINT32_MAX;
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->pnodes[i];
    if (nd->ff & GBT_NODE_LEAF) continue;
    slot_of[GBT_NODE_FEATURE(nd)] = 0;
    if (!(nd->ff & GBT_NODE_CAT))
      n_thr++;
    else if (nd->u.cat.n != 0)
      goto unsupported; /* a code list (gbt_index.c 2) */
  }
  for (uint32_t f = 0; f < F; f++)
    if (slot_of[f] == 0) slot_of[f] = s->n_slots++;
  if (s->n_slots > GBT_SCORE_MAX_SLOTS) goto unsupported;
  s->slot_f = om_malloc_array(s->n_slots + 1, sizeof *s->slot_f);
  s->slot_cat = om_malloc_array(s->n_slots + 1, 1);
  s->thr_off = om_calloc((size_t)s->n_slots + 2, sizeof *s->thr_off);
  s->thr = om_malloc_array(n_thr ? (size_t)n_thr : 1, sizeof *s->thr);
  tmp = om_malloc_array(n_thr ? (size_t)n_thr : 1, sizeof *tmp);
  num_set = om_calloc(n_thr ? (size_t)n_thr * 2 : 1, sizeof *num_set);
  s->nodes = om_malloc_array(m->n_nodes ? m->n_nodes : 1, sizeof *s->nodes);
  s->leaf = om_malloc_array(m->n_nodes ? m->n_nodes : 1, sizeof *s->leaf);
  s->root = om_malloc_array(m->n_trees ? m->n_trees : 1, sizeof *s->root);
  s->group_depth = om_malloc_array(m->n_trees / GBT_LOCKSTEP + 1, 1);
  queue = om_malloc_array(m->n_nodes ? m->n_nodes : 1, sizeof *queue);
  if (!s->slot_f || !s->slot_cat || !s->thr_off || !s->thr || !tmp || !num_set || !s->nodes ||
      !s->leaf || !s->root || !s->group_depth || !queue)
    goto fail;
  for (uint32_t f = 0; f < F; f++)
    if (slot_of[f] != UINT32_MAX) {
      s->slot_f[slot_of[f]] = f;
      s->slot_cat[slot_of[f]] = m->is_cat[f];
    }
  new_bitset(s, 1, max_words, &st); /* word 0: the leaves' empty set */
  if (!s->bits) goto fail;

  /* 2. each numeric slot's distinct thresholds, ascending (counting sort
  **    by slot, then a sort and a de-duplication within each) */
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->pnodes[i];
    if (!(nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT))) s->thr_off[slot_of[GBT_NODE_FEATURE(nd)] + 2]++;
  }
  for (uint32_t k = 0; k < s->n_slots; k++)
    s->thr_off[k + 2] += s->thr_off[k + 1];
  for (uint32_t i = 0; i < m->n_nodes; i++) {
    const gbt_node *nd = &m->pnodes[i];
    if (!(nd->ff & (GBT_NODE_LEAF | GBT_NODE_CAT)))
      s->thr[s->thr_off[slot_of[GBT_NODE_FEATURE(nd)] + 1]++] = nd->u.thr;
  }
  {
    uint32_t w = 0;
    for (uint32_t k = 0; k < s->n_slots; k++) {
      uint32_t a = s->thr_off[k], b = s->thr_off[k + 1];
      s->thr_off[k] = w;
      gbt_sort_f64(s->thr + a, tmp, b - a);
      for (uint32_t j = a; j < b; j++)
        if (j == a || s->thr[j] != s->thr[w - 1]) s->thr[w++] = s->thr[j];
      if (w - s->thr_off[k] > GBT_SCORE_MAX_THRESHOLDS) goto unsupported;
    }
    s->thr_off[s->n_slots] = w;
  }

  /* 3. the nodes, tree by tree, breadth-first, with their right sets
  **    (numeric ones shared by the splits of one slot, threshold and
  **    missing direction: num_set[2·(thr_off[slot] + j) + d]) */
  {
    uint32_t next = 0, dummy = s->n_slots;
    for (uint32_t t = 0; t < m->n_trees; t++) {
      const gbt_node *tree = m->pnodes + m->tree_off[t];
      uint32_t head = 0, tail = 0, base = next;
      s->root[t] = next++;
      queue[tail++] = 0;
      while (head < tail) {
        uint32_t i = queue[head], me = base + head, k, off;
        const gbt_node *nd = &tree[i];
        gbt_snode *sn = &s->nodes[me];
        head++;
        if (nd->ff & GBT_NODE_LEAF) {
          sn->woff = 0;
          sn->link = me << GBT_SCORE_SLOT_BITS | dummy;
          s->leaf[me] = nd->u.leaf;
          continue;
        }
        s->leaf[me] = 0;
        k = slot_of[GBT_NODE_FEATURE(nd)];
        if (nd->ff & GBT_NODE_CAT) {
          /* the complement of the left set over the feature's codes */
          uint32_t f = GBT_NODE_FEATURE(nd), w = (m->cat_dict_off[f + 1] - m->cat_dict_off[f]) / 64 + 1;
          off = new_bitset(s, w, max_words, &st);
          if (!off) goto full;
          for (uint32_t j = 0; j < w; j++)
            s->bits[off + j] = ~m->cat_bits[nd->u.cat.off + j];
        } else {
          uint32_t n = s->thr_off[k + 1] - s->thr_off[k];
          uint32_t j = count_le(s->thr + s->thr_off[k], n, nd->u.thr) - 1; /* the threshold's index */
          uint32_t d = (nd->ff & GBT_NODE_DEFAULT_LEFT) ? 0 : 1, *slot = &num_set[2 * (s->thr_off[k] + j) + d];
          if (!*slot) {
            /* codes 0 (missing, when d), and j + 2 .. n + 1 (v ≥ t[j]) */
            off = new_bitset(s, (n + 2 + 63) / 64, max_words, &st);
            if (!off) goto full;
            s->bits[off] = d;
            for (uint32_t c = j + 2; c <= n + 1; c++)
              s->bits[off + c / 64] |= (uint64_t)1 << (c % 64);
            *slot = off;
          }
          off = *slot;
        }
        sn->woff = off;
        sn->link = next << GBT_SCORE_SLOT_BITS | k;
        queue[tail++] = nd->left;
        queue[tail++] = nd->left + 1;
        next += 2;
      }
    }
  }
  for (uint32_t g = 0; g < m->n_trees / GBT_LOCKSTEP; g++) {
    uint8_t d = 0;
    for (uint32_t k = 0; k < GBT_LOCKSTEP; k++)
      if (m->tree_depth[g * GBT_LOCKSTEP + k] > d) d = m->tree_depth[g * GBT_LOCKSTEP + k];
    s->group_depth[g] = d;
  }
  st = OM_OK;
  goto done;
full:
  if (st != OM_OK) goto fail;
unsupported:
  st = OM_OK;
fail:
  gbt_score_free(m);
done:
  om_free(slot_of);
  om_free(queue);
  om_free(num_set);
  om_free(tmp);
  return st;
}

/* One step down from node i (a leaf stays where it is): the bit of the
** row's code in the node's right set. */
static inline uint32_t step(const gbt_snode *nodes, const uint64_t *bits, const uint16_t *codes,
                            uint32_t i) {
  gbt_snode nd = nodes[i];
  uint32_t c = codes[nd.link & ((1u << GBT_SCORE_SLOT_BITS) - 1)];
  uint64_t w = bits[nd.woff + (c >> 6)];
  return (nd.link >> GBT_SCORE_SLOT_BITS) + (uint32_t)((w >> (c & 63)) & 1);
}

double gbt_score_raw_x(const gbt_model *m, const double *x, double start) {
  const gbt_score *s = m->score;
  const gbt_snode *nodes = s->nodes;
  const uint64_t *bits = s->bits;
  uint16_t codes[GBT_SCORE_MAX_SLOTS + 1];
  double sum = start;
  uint32_t t = 0;
  for (uint32_t k = 0; k < s->n_slots; k++) {
    double v = x[s->slot_f[k]];
    if (s->slot_cat[k])
      codes[k] = (uint16_t)v;
    else if (v != v)
      codes[k] = 0;
    else
      codes[k] = (uint16_t)(1 + count_le(s->thr + s->thr_off[k], s->thr_off[k + 1] - s->thr_off[k], v));
  }
  codes[s->n_slots] = 0;
  for (; t + GBT_LOCKSTEP <= m->n_trees; t += GBT_LOCKSTEP) {
    uint32_t idx[GBT_LOCKSTEP], depth = s->group_depth[t / GBT_LOCKSTEP];
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
    for (int k = 0; k < GBT_LOCKSTEP; k++)
      idx[k] = s->root[t + k];
    for (uint32_t d = 0; d < depth; d++) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
      for (int k = 0; k < GBT_LOCKSTEP; k++)
        idx[k] = step(nodes, bits, codes, idx[k]);
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
    for (int k = 0; k < GBT_LOCKSTEP; k++)
      sum += s->leaf[idx[k]];
  }
  for (; t < m->n_trees; t++) {
    uint32_t i = s->root[t];
    for (uint32_t k = 0; k < m->tree_depth[t]; k++)
      i = step(nodes, bits, codes, i);
    sum += s->leaf[i];
  }
  return sum;
}
