/*
** gbt_bin.c — quantile binning of the training columns (as xgboost's hist and
** LightGBM do) and the code matrix the trees are grown on.
**
**   1. Codes: every feature maps a value to a uint8 code; 0 is "missing"
**      (numeric NaN; categorical missing, rare or unseen), 1..n_codes-1 are
**      value bins.  A feature gets at most min(max_bins, 255) value bins
**      (code 0 takes the 256th byte value).
**   2. Numeric cut points come from the exact sorted non-missing values of
**      the fit rows (radix sort): when the distinct values fit in the bins
**      each gets its own bin; otherwise a greedy pass closes a bin as soon as
**      it holds its fair share (remaining rows / remaining bins), so a heavy
**      value gets a bin of its own.  A cut is the midpoint between two
**      neighbouring distinct values (strictly above the lower one), and a
**      value v has code 1 + #(cuts ≤ v), so "code ≤ b" ⇔ "v < cuts[b−1]":
**      the tree thresholds are real values and prediction needs no bins.
**   3. Categorical: the hashes seen at least GBT_CAT_MIN_COUNT times in the
**      fit rows, the (n_codes−1 ≤ 255) most frequent ones (ties: smaller hash
**      first), get codes 1.. in ascending hash order; every other hash shares
**      code 0 with missing, so rare and unseen categories follow the default
**      direction at training and at prediction alike.
**   4. The code matrix is row-major, codes[r·F + f], for all rows (fit and
**      held-out): histogram building walks a node's rows and reads one short
**      contiguous run per row, which stays cache-friendly when the rows of a
**      deep node are scattered.  A column-major copy serves partitioning,
**      which reads one feature's byte per row (one column, n bytes, stays in
**      cache where the row-major stride would not).
**   5. Work is split into per-feature tasks (cuts) and per-row-block tasks
**      (codes); results do not depend on the thread count.  No allocation
**      happens in the tasks.
**   6. Speed without changing a result: a categorical feature's categories
**      are counted in a hash table (sorting the hashes only when there are
**      many distinct ones), and the code of a row is one table look-up; a
**      numeric code is a branch-free binary search over the cuts.
**   7. gbt_bins.runs and .hot_share describe the fit rows' codes in input
**      order (how often a row has the previous row's code, the share of the
**      most frequent code) for gbt_hist.c point 6 and gbt_tree.c point 4;
**      they change no result.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

static double cut_between(double lo, double hi) {
  double m = lo + (hi - lo) / 2;
  if (!(m > lo) || m > hi) m = hi;
  return m;
}

uint32_t gbt_bin_cuts(const double *v, size_t m, uint32_t max_value_bins, double *cuts) {
  size_t distinct = 0, rest_rows = m, acc = 0, i = 0;
  uint32_t rest_bins = max_value_bins, nc = 0;
  if (m == 0 || max_value_bins < 2) return 0;
  for (size_t k = 0; k < m; k++)
    if (k == 0 || v[k] != v[k - 1]) distinct++;
  while (i < m) {
    size_t j = i + 1;
    while (j < m && v[j] == v[i])
      j++;
    acc += j - i;
    distinct--; /* distinct values after this run */
    if (j == m) break;
    if (distinct < rest_bins || (double)acc * rest_bins >= (double)rest_rows) {
      cuts[nc++] = cut_between(v[i], v[j]);
      rest_rows -= acc;
      acc = 0;
      if (--rest_bins == 1) break;
    }
    i = j;
  }
  return nc;
}

uint8_t gbt_bin_code_cat(const uint64_t *hashes, uint32_t n_hashes, uint64_t h) {
  return (uint8_t)gbt_index_code(hashes, n_hashes, h); /* n_hashes ≤ 255 */
}

typedef struct cat_entry {
  uint64_t count, hash;
} cat_entry;

/* a is a worse pick than b: fewer rows, or as many and a larger hash. */
static int cat_worse(const cat_entry *a, const cat_entry *b) {
  return a->count < b->count || (a->count == b->count && a->hash > b->hash);
}

static void heap_down(cat_entry *h, uint32_t n, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && cat_worse(&h[l], &h[w])) w = l;
    if (r < n && cat_worse(&h[r], &h[w])) w = r;
    if (w == i) return;
    cat_entry t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

static void heap_up(cat_entry *h, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (!cat_worse(&h[i], &h[p])) return;
    cat_entry t = h[i];
    h[i] = h[p];
    h[p] = t;
    i = p;
  }
}

typedef struct bin_ctx {
  const gbt_data *d;
  size_t n_fit;
  uint32_t max_value_bins;
  uint64_t **scratch;
  gbt_bins *bins;
  uint8_t *codes, *codes_col;
  size_t block;
} bin_ctx;

static void bin_numeric(bin_ctx *c, uint32_t f, unsigned worker) {
  const double *x = c->d->cols[f].num;
  double *s = (double *)(void *)c->scratch[worker];
  double *tmp = s + c->n_fit;
  size_t m = 0;
  for (size_t r = 0; r < c->n_fit; r++)
    if (!isnan(x[r])) s[m++] = x[r];
  gbt_sort_f64(s, tmp, m);
  c->bins[f].n_codes = 2 + gbt_bin_cuts(s, m, c->max_value_bins, c->bins[f].u.cuts);
}

/* Offers one (hash, count) to the heap of the cap best categories. */
static void cat_offer(cat_entry *heap, uint32_t *nh, uint32_t cap, cat_entry e) {
  if (e.count < GBT_CAT_MIN_COUNT) return;
  if (*nh < cap) {
    heap[*nh] = e;
    heap_up(heap, (*nh)++);
  } else if (cat_worse(&heap[0], &e)) {
    heap[0] = e;
    heap_down(heap, *nh, 0);
  }
}

static size_t cat_slot(uint64_t h, unsigned bits) {
  return (size_t)((h * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

/* Counts the distinct hashes of the present fit rows in an open-addressing
** table of 2^bits slots (keys in s, counts in s + 2^bits; count 0 = empty)
** and offers each to the heap.  Returns 0 when more than half the slots
** would fill (many categories: the caller sorts instead). */
static int cat_count_table(const gbt_column *col, size_t n_fit, uint64_t *s, unsigned bits,
                           cat_entry *heap, uint32_t *nh, uint32_t cap) {
  size_t size = (size_t)1 << bits, mask = size - 1, used = 0;
  uint64_t *key = s, *cnt = s + size;
  memset(cnt, 0, size * sizeof *cnt);
  for (size_t r = 0; r < n_fit; r++) {
    uint64_t h;
    size_t i;
    if (col->cat_missing && col->cat_missing[r]) continue;
    h = col->cat[r];
    for (i = cat_slot(h, bits); cnt[i] && key[i] != h; i = (i + 1) & mask) {
    }
    if (!cnt[i]) {
      if (++used > size / 2) return 0;
      key[i] = h;
    }
    cnt[i]++;
  }
  for (size_t i = 0; i < size; i++)
    if (cnt[i]) cat_offer(heap, nh, cap, (cat_entry){cnt[i], key[i]});
  return 1;
}

static void bin_categorical(bin_ctx *c, uint32_t f, unsigned worker) {
  const gbt_column *col = &c->d->cols[f];
  uint64_t *s = c->scratch[worker], *tmp = s + c->n_fit;
  cat_entry heap[255];
  uint32_t nh = 0, cap = c->max_value_bins;
  unsigned bits = 0;
  /* a table of at most 2^16 slots that fits the scratch (2·n_fit words) */
  while (bits < 16 && ((size_t)2 << bits) <= c->n_fit)
    bits++;
  if (bits < 4 || !cat_count_table(col, c->n_fit, s, bits, heap, &nh, cap)) {
    size_t m = 0, i = 0;
    nh = 0;
    for (size_t r = 0; r < c->n_fit; r++)
      if (!col->cat_missing || !col->cat_missing[r]) s[m++] = col->cat[r];
    gbt_sort_u64(s, tmp, m);
    while (i < m) {
      size_t j = i + 1;
      while (j < m && s[j] == s[i])
        j++;
      cat_offer(heap, &nh, cap, (cat_entry){j - i, s[i]});
      i = j;
    }
  }
  /* the heap's set is the same whatever order the entries came in: the
  ** (count, hash) order is strict */
  for (uint32_t k = 0; k < nh; k++)
    tmp[k] = heap[k].hash;
  /* ascending hash order: insertion sort of at most 255 */
  for (uint32_t k = 1; k < nh; k++) {
    uint64_t v = tmp[k];
    uint32_t q = k;
    while (q > 0 && tmp[q - 1] > v) {
      tmp[q] = tmp[q - 1];
      q--;
    }
    tmp[q] = v;
  }
  memcpy(c->bins[f].u.hashes, tmp, nh * sizeof(uint64_t));
  c->bins[f].n_codes = 1 + nh;
}

static void bin_feature_task(void *ctx, size_t t, unsigned worker) {
  bin_ctx *c = ctx;
  uint32_t f = (uint32_t)t;
  c->bins[f].is_cat = c->d->cols[f].is_cat != 0;
  if (c->bins[f].is_cat)
    bin_categorical(c, f, worker);
  else
    bin_numeric(c, f, worker);
}

/* 1 + #(cuts ≤ v), 0 for NaN: gbt_bin_code_num without branches in the
** search (the cuts are strictly increasing, so both count the same). */
static uint8_t code_num(const double *cuts, uint32_t n_cuts, double v) {
  const double *b = cuts;
  uint32_t n = n_cuts;
  if (v != v) return 0;
  if (n == 0) return 1;
  while (n > 1) {
    uint32_t half = n / 2;
    b = b[half] <= v ? b + half : b;
    n -= half;
  }
  return (uint8_t)(1 + (b - cuts) + (b[0] <= v));
}

/* A categorical feature's hash → code map: open addressing over 512 slots
** (at most 255 keys), code 0 = empty slot. */
#define CAT_MAP_BITS 9
typedef struct cat_map {
  uint64_t key[1u << CAT_MAP_BITS];
  uint8_t code[1u << CAT_MAP_BITS];
} cat_map;

static void cat_map_build(cat_map *m, const gbt_bins *b) {
  size_t mask = ((size_t)1 << CAT_MAP_BITS) - 1;
  memset(m->code, 0, sizeof m->code);
  for (uint32_t k = 0; k + 1 < b->n_codes; k++) {
    size_t i = cat_slot(b->u.hashes[k], CAT_MAP_BITS);
    while (m->code[i])
      i = (i + 1) & mask;
    m->key[i] = b->u.hashes[k];
    m->code[i] = (uint8_t)(k + 1);
  }
}

static uint8_t cat_map_code(const cat_map *m, uint64_t h) {
  size_t mask = ((size_t)1 << CAT_MAP_BITS) - 1, i = cat_slot(h, CAT_MAP_BITS);
  while (m->code[i] && m->key[i] != h)
    i = (i + 1) & mask;
  return m->code[i]; /* 0 when absent: rare or unseen */
}

static void code_rows_task(void *ctx, size_t t, unsigned worker) {
  bin_ctx *c = ctx;
  const gbt_data *d = c->d;
  uint32_t F = d->n_features;
  size_t r0 = t * c->block, r1 = r0 + c->block;
  cat_map map;
  (void)worker;
  if (r1 > d->n_rows) r1 = d->n_rows;
  for (uint32_t f = 0; f < F; f++) {
    const gbt_bins *b = &c->bins[f];
    const gbt_column *col = &d->cols[f];
    uint8_t *out = c->codes + f;
    if (!b->is_cat) {
      for (size_t r = r0; r < r1; r++)
        out[r * F] = code_num(b->u.cuts, b->n_codes - 2, col->num[r]);
    } else {
      cat_map_build(&map, b);
      for (size_t r = r0; r < r1; r++)
        out[r * F] = (col->cat_missing && col->cat_missing[r]) ? 0 : cat_map_code(&map, col->cat[r]);
    }
    if (c->codes_col) {
      uint8_t *cc = c->codes_col + (size_t)f * d->n_rows;
      for (size_t r = r0; r < r1; r++)
        cc[r] = out[r * F];
    }
  }
}

/* gbt_bins.runs and .hot_share (gbt_hist.c point 6): how often a fit row has
** the code of the row before, and the share of the most frequent code. */
static void stats_task(void *ctx, size_t t, unsigned worker) {
  bin_ctx *c = ctx;
  uint32_t F = c->d->n_features, f = (uint32_t)t, hot = 0;  /* the most frequent code */
  size_t same = 0, count[256];
  const uint8_t *cc = c->codes_col ? c->codes_col + (size_t)f * c->d->n_rows : c->codes + f;
  size_t stride = c->codes_col ? 1 : F;
  (void)worker;
  memset(count, 0, sizeof count);
  for (size_t r = 0; r < c->n_fit; r++) {
    count[cc[r * stride]]++;
    if (r > 0) same += cc[r * stride] == cc[(r - 1) * stride];
  }
  for (uint32_t k = 1; k < 256; k++)
    if (count[k] > count[hot]) hot = k;
  c->bins[f].runs = c->n_fit > 1 && (double)same >= GBT_RUNS_SHARE * (double)(c->n_fit - 1);
  c->bins[f].hot_share = c->n_fit ? (double)count[hot] / (double)c->n_fit : 0;
}

om_status gbt_bin_build(const gbt_data *d, size_t n_fit, uint32_t max_bins, gbt_pool *pool,
                        uint64_t **scratch, gbt_bins *bins, uint8_t *codes, uint8_t *codes_col,
                        om_err *err) {
  bin_ctx c;
  (void)err;
  c.d = d;
  c.n_fit = n_fit;
  c.max_value_bins = max_bins > 255 ? 255 : max_bins;
  c.scratch = scratch;
  c.bins = bins;
  c.codes = codes;
  c.codes_col = codes_col;
  c.block = 16384;
  gbt_pool_run(pool, d->n_features, bin_feature_task, &c);
  gbt_pool_run(pool, (d->n_rows + c.block - 1) / c.block, code_rows_task, &c);
  gbt_pool_run(pool, d->n_features, stats_task, &c);
  return OM_OK;
}
