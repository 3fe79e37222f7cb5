/*
** gbt_tree.c — grows one regression tree depth-wise on the code matrix.
**
**   1. Level by level to max_depth: every node of the level that can split
**      (≥ 2 rows, H ≥ 2·min_child_weight) gets the best split over the
**      selected features (gbt_split.c); a node splits when that gain is > 0.
**      Children are numbered in creation order (breadth-first), the right
**      child right after the left one.
**   2. Rows are partitioned stably (rows stay ascending inside every node),
**      in blocks of GBT_PART_BLOCK rows: each block writes its left rows
**      forwards and its right rows backwards into its own part of rows_tmp
**      (one pass, no branch), then both runs are copied to prefix-summed
**      positions in rows.  Same result for any thread count.
**   3. Histograms: the root's is built directly (the task of its first
**      features also sums the root's G and H, in row order); for each split node the
**      child with fewer rows is built and the other is parent − built
**      (histogram subtraction), computed by that child's split-search tasks
**      for their features (one pool run less per level), and only when it
**      may split.
**   4. Parallel work items are (node, feature range) for histograms and split
**      search, row blocks for partitioning; each writes only its own output
**      and the per-node reduction runs in a fixed order (lowest feature wins
**      ties), so the tree does not depend on the thread count.  A histogram
**      task reads every row of its node whatever its features, so a node is
**      cut into feature ranges only as far as the threads need (about
**      T·its rows / the level's rows, at most T), and the tasks are handed
**      out costliest first (rows × (2 + features)).  Histogram tasks take
**      their feature ranges from the selected features reordered once per
**      tree (those with a bin over GBT_HOT_SHARE of the rows first, run
**      features last), and a node cut between threads builds with the bins'
**      statistics (gbt_hist.c point 6), so the ranges of the root of
**      time-ordered data do not both wait on a chain.
**   5. Leaves get −G/(H+λ)·learning_rate; 0 when H+λ = 0 or when the leaf got
**      no rows (possible only when min_child_weight ≈ 0 lets a rounding
**      residue of histogram subtraction pass for a non-empty bin).
**   6. om_interrupted() is polled once per level, in the calling thread.
**   7. All memory is allocated by gbt_grower_init, except the histogram
**      slots, which grow (om_realloc) to the largest level seen.
**   8. With g->pred set (no leaf refit), the split nodes of the last level
**      (max_depth − 1) are not partitioned: their rows are counted and each
**      gets its leaf's value added to pred[row] in the same pass (the value
**      point 5 gives, hence the same predictions); those leaves' rows are
**      left unplaced and gbt_grower_leaf_blocks skips them.
*/
#include "gbt.h"

#include <string.h>

#define GBT_PART_BLOCK 16384

om_status gbt_grower_init(gbt_grower *g, size_t n_fit, unsigned threads) {
  size_t leaves = (size_t)1 << g->max_depth, par = 4 * (size_t)(threads ? threads : 1);
  if (leaves > n_fit) leaves = n_fit ? n_fit : 1;
  g->cap_nodes = (uint32_t)(2 * leaves - 1);
  g->cap_level = (uint32_t)leaves;
  g->row_cap = n_fit;
  g->cap_ranges = n_fit / GBT_PART_BLOCK + leaves + 1;
  g->cap_tasks = leaves + par + 1;
  g->nodes = om_malloc_array(g->cap_nodes, sizeof *g->nodes);
  g->level = om_malloc_array(g->cap_level, sizeof *g->level);
  g->next_level = om_malloc_array(g->cap_level, sizeof *g->next_level);
  g->ranges = om_malloc_array(g->cap_ranges, sizeof *g->ranges);
  g->tasks = om_malloc_array(g->cap_tasks, sizeof *g->tasks);
  g->split_tmp = om_malloc_array(g->cap_tasks, sizeof *g->split_tmp);
  g->order = om_malloc_array(g->cap_tasks, sizeof *g->order);
  g->hsel = om_malloc_array(g->F ? g->F : 1, sizeof *g->hsel);
  g->cost = om_malloc_array(g->cap_tasks, sizeof *g->cost);
  g->hist_cur = g->hist_next = NULL;
  g->cap_cur = g->cap_next = 0;
  g->n_nodes = 0;
  if (!g->nodes || !g->level || !g->next_level || !g->ranges || !g->tasks || !g->split_tmp ||
      !g->order || !g->cost || !g->hsel) {
    gbt_grower_free(g);
    return OM_NOMEM;
  }
  return OM_OK;
}

void gbt_grower_free(gbt_grower *g) {
  om_free(g->nodes);
  om_free(g->level);
  om_free(g->next_level);
  om_free(g->ranges);
  om_free(g->tasks);
  om_free(g->split_tmp);
  om_free(g->order);
  om_free(g->cost);
  om_free(g->hsel);
  om_free(g->hist_cur);
  om_free(g->hist_next);
  g->nodes = NULL;
  g->level = g->next_level = NULL;
  g->ranges = NULL;
  g->tasks = NULL;
  g->split_tmp = NULL;
  g->order = NULL;
  g->cost = NULL;
  g->hsel = NULL;
  g->hist_cur = g->hist_next = NULL;
  g->cap_cur = g->cap_next = 0;
}

static int ensure_slots(gbt_gh **buf, size_t *cap, size_t need, uint32_t total_codes) {
  size_t ncap;
  gbt_gh *p;
  if (need <= *cap) return 0;
  ncap = *cap * 2 > need ? *cap * 2 : need;
  if (ncap > SIZE_MAX / sizeof(gbt_gh) / total_codes) return 1;
  p = om_realloc(*buf, ncap * total_codes * sizeof(gbt_gh));
  if (!p) return 1;
  *buf = p;
  *cap = ncap;
  return 0;
}

static int can_split(const gbt_grower *g, const gbt_tnode *n) {
  return n->end - n->begin >= 2 && n->H >= 2 * g->sp.min_child_weight;
}

/* Items × feature blocks so that there are about 2 tasks per thread, with at
** least GBT_MIN_BLOCK_FEATURES features per block (a task reads every row of
** its node, so thin blocks waste reads). */
#define GBT_MIN_BLOCK_FEATURES 2
static uint32_t feature_blocks(const gbt_grower *g, size_t items) {
  size_t want = 2 * (size_t)gbt_pool_size(g->pool), nb;
  if (gbt_pool_size(g->pool) == 1 || items >= want) return 1;
  nb = (want + items - 1) / items;
  if (nb > g->n_sel / GBT_MIN_BLOCK_FEATURES) nb = g->n_sel / GBT_MIN_BLOCK_FEATURES;
  return nb ? (uint32_t)nb : 1;
}

/* Point 4: feature blocks of a histogram item (a node whose histogram is
** built) with `rows` of the level's `total` rows.  A task reads every row of
** its node whatever its features, so an item is cut only as far as the
** threads need: into about T·rows/total blocks (the bulk of a level's rows
** gets its share of the threads, small items stay whole), at most T and at
** least GBT_MIN_BLOCK_FEATURES features each. */
#define GBT_HIST_MIN_ROWS 4096 /* an item this small is never cut */
static uint32_t hist_blocks(const gbt_grower *g, size_t rows, size_t total) {
  size_t T = gbt_pool_size(g->pool), nb;
  if (T == 1 || rows < GBT_HIST_MIN_ROWS || total == 0) return 1;
  nb = (size_t)((double)T * (double)rows / (double)total + 0.5);
  if (nb > T) nb = T;
  if (nb > g->n_sel / GBT_MIN_BLOCK_FEATURES) nb = g->n_sel / GBT_MIN_BLOCK_FEATURES;
  return nb ? (uint32_t)nb : 1;
}

static void add_tasks(gbt_grower *g, size_t *nt, uint32_t a, uint32_t b, uint32_t nb) {
  for (uint32_t k = 0; k < nb; k++) {
    gbt_task3 *t = &g->tasks[(*nt)++];
    t->a = a;
    t->b = b;
    t->j0 = (uint32_t)((uint64_t)g->n_sel * k / nb);
    t->j1 = (uint32_t)((uint64_t)g->n_sel * (k + 1) / nb);
  }
}

static gbt_gh *slot_ptr(gbt_gh *buf, int32_t slot, uint32_t total_codes) {
  return buf + (size_t)slot * total_codes;
}

/* Dispatch order of the nt histogram tasks: costliest first (rows × (2 +
** features), ties by index), so that the last tasks handed out are short and
** the threads finish together.  Heapsort: nothing allocated, O(nt log nt). */
static int order_before(const gbt_grower *g, uint32_t x, uint32_t y) {
  return g->cost[x] > g->cost[y] || (g->cost[x] == g->cost[y] && x < y);
}

static void order_sift(gbt_grower *g, size_t i, size_t n) {
  uint32_t *o = g->order;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    uint32_t t;
    if (l < n && order_before(g, o[m], o[l])) m = l;
    if (r < n && order_before(g, o[m], o[r])) m = r;
    if (m == i) return;
    t = o[i];
    o[i] = o[m];
    o[m] = t;
    i = m;
  }
}

static void order_hist_tasks(gbt_grower *g, size_t nt) {
  for (size_t t = 0; t < nt; t++) {
    const gbt_task3 *tk = &g->tasks[t];
    const gbt_tnode *n = &g->nodes[tk->a];
    g->order[t] = (uint32_t)t;
    g->cost[t] = (uint64_t)(n->end - n->begin) * (2 + tk->j1 - tk->j0);
  }
  for (size_t i = nt / 2; i-- > 0;)
    order_sift(g, i, nt);
  for (size_t n = nt; n > 1; n--) {
    uint32_t t = g->order[0];
    g->order[0] = g->order[n - 1];
    g->order[n - 1] = t;
    order_sift(g, 0, n - 1);
  }
}

/* Task: histogram of node a (in hist_next when b == 1, else hist_cur). */
static void hist_task(void *ctx, size_t t, unsigned worker) {
  gbt_grower *g = ctx;
  const gbt_task3 *tk = &g->tasks[g->order[t]];
  const gbt_tnode *n = &g->nodes[tk->a];
  gbt_gh *h = slot_ptr(tk->b & 1 ? g->hist_next : g->hist_cur, n->slot, g->total_codes);
  (void)worker;
  /* a node cut between threads: passes over few features (gbt_hist.c point 6) */
  gbt_hist_build_sum(h, g->off, g->codes, g->F, g->hsel, tk->j0, tk->j1, g->rows + n->begin,
                     n->end - n->begin, g->gh, tk->a == 0 && tk->j0 == 0 ? &g->root_sum : NULL,
                     tk->b & 2 ? g->bins : NULL, g->codes_col, g->n_total);
}

static void split_task(void *ctx, size_t t, unsigned worker) {
  gbt_grower *g = ctx;
  const gbt_task3 *tk = &g->tasks[t];
  const gbt_tnode *n = &g->nodes[tk->a];
  const gbt_gh *h = slot_ptr(g->hist_cur, n->slot, g->total_codes);
  gbt_split *best = &g->split_tmp[t];
  (void)worker;
  if (n->sub_parent >= 0) /* point 3: parent (previous level) − sibling, this task's features */
    gbt_hist_subtract(slot_ptr(g->hist_cur, n->slot, g->total_codes),
                      slot_ptr(g->hist_next, n->sub_parent, g->total_codes),
                      slot_ptr(g->hist_cur, g->nodes[n->sub_sibling].slot, g->total_codes), g->off,
                      g->sel, tk->j0, tk->j1);
  memset(best, 0, sizeof *best);
  best->feature = UINT32_MAX;
  for (uint32_t j = tk->j0; j < tk->j1; j++) {
    uint32_t f = g->sel[j];
    if (g->bins[f].is_cat)
      gbt_split_categorical(h + g->off[f], g->bins[f].n_codes, n->G, n->H, &g->sp, f, best);
    else
      gbt_split_numeric(h + g->off[f], g->bins[f].n_codes, n->G, n->H, &g->sp, f, best);
  }
}

/* goes[c] = 1 when code c goes left: one load per row, no branch. */
static void goes_left_table(const gbt_split *s, uint8_t goes[256]) {
  for (int c = 0; c < 256; c++)
    goes[c] = (uint8_t)gbt_split_goes_left(s, (uint8_t)c);
}

/* Point 5: a leaf's value. */
static double leaf_value(const gbt_grower *g, double G, double H) {
  return H + g->sp.lambda > 0 ? -G / (H + g->sp.lambda) * g->eta : 0;
}

/* Pass 1: the block's rows go to rows_tmp[begin, end), those going left
** ascending from begin, those going right descending from end − 1 (one
** gather per row; both slots are written and only one cursor moves, so no
** branch).  nl = rows going left. */
static void split_block_task(void *ctx, size_t t, unsigned worker) {
  gbt_grower *g = ctx;
  gbt_range *rg = &g->ranges[t];
  const gbt_split *s = &g->nodes[rg->node].split;
  const uint8_t *c = g->codes_col + (size_t)s->feature * g->n_total;
  const uint32_t *rows = g->rows;
  uint32_t *out = g->rows_tmp;
  uint8_t goes[256];
  size_t lp = rg->begin, rp = rg->end - 1;
  (void)worker;
  goes_left_table(s, goes);
  if (g->pred_fused) { /* point 8: the children are leaves; add their values */
    const gbt_tnode *L = &g->nodes[g->nodes[rg->node].left];
    double v[2] = {leaf_value(g, L[1].G, L[1].H), leaf_value(g, L[0].G, L[0].H)};
    size_t nl = 0;
    for (size_t i = rg->begin; i < rg->end; i++) {
      uint32_t r = rows[i];
      size_t gl = goes[c[r]];
      g->pred[r] += v[gl];
      nl += gl;
    }
    rg->nl = nl;
    return;
  }
  for (size_t i = rg->begin; i < rg->end; i++) {
    uint32_t r = rows[i];
    size_t gl = goes[c[r]];
    out[lp] = r;
    out[rp] = r;
    lp += gl;
    rp -= 1 - gl;
  }
  rg->nl = lp - rg->begin;
}

/* Pass 2: the block's left rows to rows[lpos, ...), its right rows (stored
** backwards) to rows[rpos, ...): the partition is stable. */
static void place_block_task(void *ctx, size_t t, unsigned worker) {
  gbt_grower *g = ctx;
  const gbt_range *rg = &g->ranges[t];
  const uint32_t *src = g->rows_tmp;
  uint32_t *dst = g->rows + rg->rpos;
  size_t nr = (rg->end - rg->begin) - rg->nl;
  (void)worker;
  memcpy(g->rows + rg->lpos, src + rg->begin, rg->nl * sizeof(uint32_t));
  for (size_t k = 0; k < nr; k++)
    dst[k] = src[rg->end - 1 - k];
}

static void add_ranges(gbt_grower *g, uint32_t node, size_t begin, size_t end, size_t block) {
  for (size_t b = begin; b < end; b += block) {
    gbt_range *rg = &g->ranges[g->n_ranges++];
    rg->node = node;
    rg->begin = b;
    rg->end = end - b > block ? b + block : end;
    rg->nl = 0;
  }
}

void gbt_grower_leaf_blocks(gbt_grower *g, size_t block) {
  g->n_ranges = 0;
  for (uint32_t i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].left && !(g->pred_fused && g->nodes[i].depth == g->max_depth))
      add_ranges(g, i, g->nodes[i].begin, g->nodes[i].end, block);
}

/* Partitions the rows of every split node of the level (k nodes in g->level). */
static void partition_level(gbt_grower *g, uint32_t k) {
  size_t first = 0;
  g->n_ranges = 0;
  for (uint32_t i = 0; i < k; i++) {
    gbt_tnode *n = &g->nodes[g->level[i]];
    if (n->left) add_ranges(g, g->level[i], n->begin, n->end, GBT_PART_BLOCK);
  }
  gbt_pool_run(g->pool, g->n_ranges, split_block_task, g);
  while (first < g->n_ranges) {
    uint32_t node = g->ranges[first].node;
    size_t last = first, nl = 0, lp, rp;
    while (last < g->n_ranges && g->ranges[last].node == node)
      nl += g->ranges[last++].nl;
    lp = g->nodes[node].begin;
    rp = lp + nl;
    for (size_t q = first; q < last; q++) {
      gbt_range *rg = &g->ranges[q];
      rg->lpos = lp;
      rg->rpos = rp;
      lp += rg->nl;
      rp += (rg->end - rg->begin) - rg->nl;
    }
    {
      gbt_tnode *n = &g->nodes[node];
      gbt_tnode *L = &g->nodes[n->left], *R = &g->nodes[n->left + 1];
      L->begin = n->begin;
      L->end = n->begin + nl;
      R->begin = L->end;
      R->end = n->end;
    }
    first = last;
  }
  if (!g->pred_fused) gbt_pool_run(g->pool, g->n_ranges, place_block_task, g);
}

static void init_node(gbt_tnode *n, uint32_t depth, double G, double H) {
  memset(n, 0, sizeof *n);
  n->depth = depth;
  n->slot = -1;
  n->sub_parent = -1;
  n->G = G;
  n->H = H;
}

/* Point 4: the selected features in histogram order: those with a bin of
** more than GBT_HOT_SHARE of the rows first, run features (gbt_hist.c point
** 6) last, each group ascending; a node cut into T ranges then has its
** chains apart. */
static void hist_order(gbt_grower *g) {
  uint32_t k = 0;
  for (int pass = 0; pass < 3; pass++)
    for (uint32_t j = 0; j < g->n_sel; j++) {
      const gbt_bins *b = &g->bins[g->sel[j]];
      int cls = b->runs ? 2 : b->hot_share > GBT_HOT_SHARE ? 0 : 1;
      if (cls == pass) g->hsel[k++] = g->sel[j];
    }
}

om_status gbt_grow_tree(gbt_grower *g) {
  gbt_tnode *root = &g->nodes[0];
  uint32_t k = 1, d;
  size_t nt;
  hist_order(g);
  g->pred_fused = 0;
  init_node(root, 0, 0, 0);
  root->begin = 0;
  root->end = g->n_rows;
  g->n_nodes = 1;
  g->level[0] = 0;
  if (g->max_depth > 0 && g->n_rows >= 2) {
    /* the root's histogram; its first task also sums G and H (point 3) */
    if (ensure_slots(&g->hist_cur, &g->cap_cur, 1, g->total_codes)) return OM_NOMEM;
    root->slot = 0;
    nt = 0;
    uint32_t root_nb = hist_blocks(g, g->n_rows, g->n_rows);
    add_tasks(g, &nt, 0, root_nb > 1 ? 2 : 0, root_nb);
    order_hist_tasks(g, nt);
    gbt_pool_run(g->pool, nt, hist_task, g);
    root->G = g->root_sum.g;
    root->H = g->root_sum.h;
    if (!can_split(g, root)) root->slot = -1;
  } else {
    for (size_t i = 0; i < g->n_rows; i++) {
      root->G += g->gh[g->rows[i]].g;
      root->H += g->gh[g->rows[i]].h;
    }
  }
  for (d = 0; d < g->max_depth; d++) {
    uint32_t next_k = 0, n_split = 0, n_pairs = 0, nb;
    if (om_interrupted(g->intr)) return OM_INTERRUPTED;
    /* 1. best split of every node that may split */
    nt = 0;
    {
      uint32_t cand = 0;
      for (uint32_t i = 0; i < k; i++) {
        gbt_tnode *n = &g->nodes[g->level[i]];
        n->split.gain = 0;
        if (n->slot >= 0 && can_split(g, n)) cand++;
      }
      if (cand == 0) break;
      nb = feature_blocks(g, cand);
      for (uint32_t i = 0; i < k; i++) {
        gbt_tnode *n = &g->nodes[g->level[i]];
        if (n->slot >= 0 && can_split(g, n)) add_tasks(g, &nt, g->level[i], 0, nb);
      }
    }
    gbt_pool_run(g->pool, nt, split_task, g);
    for (size_t t = 0; t < nt; t++) {
      gbt_tnode *n = &g->nodes[g->tasks[t].a];
      if (g->split_tmp[t].gain > n->split.gain) n->split = g->split_tmp[t];
    }
    /* 2. children */
    for (uint32_t i = 0; i < k; i++) {
      uint32_t id = g->level[i];
      gbt_tnode *n = &g->nodes[id];
      if (!(n->split.gain > 0) || g->n_nodes + 2 > g->cap_nodes) continue;
      n->left = g->n_nodes;
      g->n_nodes += 2;
      init_node(&g->nodes[n->left], d + 1, n->split.GL, n->split.HL);
      init_node(&g->nodes[n->left + 1], d + 1, n->split.GR, n->split.HR);
      g->next_level[next_k++] = n->left;
      g->next_level[next_k++] = n->left + 1;
      n_split++;
    }
    if (n_split == 0) break;
    /* 3. rows (point 8: the last level only counts them and updates pred) */
    g->pred_fused = g->pred && d + 1 == g->max_depth;
    partition_level(g, k);
    /* 4. children's histograms */
    if (d + 1 < g->max_depth) {
      size_t built = 0; /* rows of the histograms to build */
      for (uint32_t i = 0; i < k; i++) {
        gbt_tnode *n = &g->nodes[g->level[i]];
        gbt_tnode *L, *R;
        if (!n->left) continue;
        L = &g->nodes[n->left];
        R = &g->nodes[n->left + 1];
        if (!can_split(g, L) && !can_split(g, R)) continue;
        n_pairs++;
        built += (L->end - L->begin) <= (R->end - R->begin) ? L->end - L->begin : R->end - R->begin;
      }
      if (n_pairs > 0) {
        int32_t slot = 0;
        if (ensure_slots(&g->hist_next, &g->cap_next, 2 * (size_t)n_pairs, g->total_codes))
          return OM_NOMEM;
        nt = 0;
        for (uint32_t i = 0; i < k; i++) {
          gbt_tnode *n = &g->nodes[g->level[i]];
          gbt_tnode *L, *R, *small;
          if (!n->left) continue;
          L = &g->nodes[n->left];
          R = &g->nodes[n->left + 1];
          if (!can_split(g, L) && !can_split(g, R)) continue;
          L->slot = slot++;
          R->slot = slot++;
          small = (L->end - L->begin) <= (R->end - R->begin) ? L : R;
          nb = hist_blocks(g, small->end - small->begin, built);
          add_tasks(g, &nt, (uint32_t)(small - g->nodes), nb > 1 ? 3 : 1, nb);
          /* the larger child's histogram: made by its split tasks (step 1) */
          (small == L ? R : L)->sub_parent = n->slot;
          (small == L ? R : L)->sub_sibling = (uint32_t)(small - g->nodes);
        }
        order_hist_tasks(g, nt);
        gbt_pool_run(g->pool, nt, hist_task, g);
      }
    }
    /* 5. next level */
    {
      uint32_t *tl = g->level;
      gbt_gh *th = g->hist_cur;
      size_t tc = g->cap_cur;
      g->level = g->next_level;
      g->next_level = tl;
      g->hist_cur = g->hist_next;
      g->cap_cur = g->cap_next;
      g->hist_next = th;
      g->cap_next = tc;
      k = next_k;
    }
  }
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    gbt_tnode *n = &g->nodes[i];
    if (!n->left)
      n->value = n->end > n->begin ? leaf_value(g, n->G, n->H) : 0;
  }
  return OM_OK;
}
