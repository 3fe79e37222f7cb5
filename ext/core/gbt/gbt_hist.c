/*
** gbt_hist.c — gradient histograms of a tree node.
**
**   1. A node's histogram holds, for every selected feature f and code c,
**      the sums (G, H) of the gradients and hessians of the node's rows whose
**      code is c, at hist[off[f] + c].
**   2. gbt_hist_build adds the rows in the order given (the node's rows are
**      kept in ascending row order by the stable partition), so every sum has
**      a fixed order: the result does not depend on how features are split
**      between threads.
**   3. gbt_hist_build_sum also returns the sums of all the rows' gradients
**      and hessians, added in row order (the root's G and H, computed in the
**      same pass as its histogram).
**   4. gbt_hist_subtract derives the larger child from parent − smaller child
**      (histogram subtraction), halving the work per level.
**   5. Speed without changing a sum: features go in chunks, a chunk of at
**      most 8 through a copy of the row loop with its width a constant
**      (unrolled, bases in registers); every bin still adds its rows one by
**      one in row order.
**   6. A bin's sum is a chain of dependent additions through memory (about
**      13 cycles each).  A pass over 8 features has work enough to hide it,
**      but a pass over few (a node's features cut between threads) waits on
**      its busiest bin: the hour of time-ordered runs, where consecutive
**      rows share the bin, made such a pass 2.2 ms at the root of the
**      bench, 3x a plain feature.  Given the bins' statistics
**      (gbt_bins.runs), such a feature gets its own pass that keeps the
**      running bin in registers while the code repeats (0.6 ms).  The same
**      additions in the same order per bin: the sums do not change.
*/
#include "gbt.h"

#include <string.h>

/* Rows of a deep node are scattered: fetch the gradients and codes of the
** row GBT_PREFETCH positions ahead. */
#define GBT_PREFETCH 32
#define GBT_HIST_CHUNK 32

#if defined(__GNUC__)
#define GBT_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define GBT_ALWAYS_INLINE inline
#endif

/* The rows of one chunk of m features; with_sum (a constant in each copy)
** also sums the rows' gradients and hessians in row order. */
static GBT_ALWAYS_INLINE void hist_rows(gbt_gh *const *base, const uint32_t *fi, uint32_t m,
                             const uint8_t *codes, uint32_t F, const uint32_t *rows, size_t n,
                             const gbt_gh *gh, int with_sum, gbt_gh *sum) {
  double G = 0, H = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t r = rows[i];
    const uint8_t *c = codes + (size_t)r * F;
    double g = gh[r].g, h = gh[r].h;
    if (i + GBT_PREFETCH < n) {
      uint32_t rp = rows[i + GBT_PREFETCH];
      GBT_PREFETCH_ADDR(gh + rp);
      GBT_PREFETCH_ADDR(codes + (size_t)rp * F);
    }
    if (with_sum) {
      G += g;
      H += h;
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
    for (uint32_t k = 0; k < m; k++) {
      gbt_gh *b = base[k] + c[fi[k]];
      b->g += g;
      b->h += h;
    }
  }
  if (with_sum) {
    sum->g = G;
    sum->h = H;
  }
}

/* Point 6: one feature whose rows come in runs of equal codes (c is its
** column): the running bin's sums stay in registers while the code repeats
** and go to memory when it changes.  Each bin still adds its rows one by one
** in row order. */
static void hist_runs(gbt_gh *h, const uint8_t *c, const uint32_t *rows, size_t n,
                      const gbt_gh *gh) {
  uint32_t prev;
  double ag, ah;
  if (n == 0) return;
  prev = c[rows[0]];
  ag = h[prev].g;
  ah = h[prev].h;
  for (size_t i = 0; i < n; i++) {
    uint32_t r = rows[i], k = c[r];
    if (i + GBT_PREFETCH < n) {
      uint32_t rp = rows[i + GBT_PREFETCH];
      GBT_PREFETCH_ADDR(gh + rp);
      GBT_PREFETCH_ADDR(c + rp);
    }
    if (k != prev) {
      h[prev].g = ag;
      h[prev].h = ah;
      prev = k;
      ag = h[k].g;
      ah = h[k].h;
    }
    ag += gh[r].g;
    ah += gh[r].h;
  }
  h[prev].g = ag;
  h[prev].h = ah;
}

/* A chunk of m ≤ GBT_HIST_CHUNK plain features (point 5). */
static void hist_chunk(gbt_gh *const *base, const uint32_t *fi, uint32_t m, const uint8_t *codes,
                       uint32_t F, const uint32_t *rows, size_t n, const gbt_gh *gh, gbt_gh *sum) {
  /* copies for the usual small chunks, with m a constant: the feature loop
  ** unrolled, its bases and offsets in registers */
#define GBT_HIST_CASE(M)                                                                           \
  case M:                                                                                          \
    if (sum)                                                                                       \
      hist_rows(base, fi, M, codes, F, rows, n, gh, 1, sum);                                       \
    else                                                                                           \
      hist_rows(base, fi, M, codes, F, rows, n, gh, 0, NULL);                                      \
    break;
  switch (m) {
    GBT_HIST_CASE(1)
    GBT_HIST_CASE(2)
    GBT_HIST_CASE(3)
    GBT_HIST_CASE(4)
    GBT_HIST_CASE(5)
    GBT_HIST_CASE(6)
    GBT_HIST_CASE(7)
    GBT_HIST_CASE(8)
  default:
    if (sum)
      hist_rows(base, fi, m, codes, F, rows, n, gh, 1, sum);
    else
      hist_rows(base, fi, m, codes, F, rows, n, gh, 0, NULL);
  }
#undef GBT_HIST_CASE
}

void gbt_hist_build_sum(gbt_gh *hist, const uint32_t *off, const uint8_t *codes, uint32_t F,
                        const uint32_t *sel, uint32_t j0, uint32_t j1, const uint32_t *rows,
                        size_t n, const gbt_gh *gh, gbt_gh *sum, const gbt_bins *bins,
                        const uint8_t *codes_col, size_t n_total) {
  gbt_gh *base[GBT_HIST_CHUNK];
  uint32_t fi[GBT_HIST_CHUNK], m = 0;
  if (!codes_col) bins = NULL;
  for (uint32_t j = j0; j < j1; j++) {
    uint32_t f = sel[j];
    memset(hist + off[f], 0, (size_t)(off[f + 1] - off[f]) * sizeof *hist);
  }
  /* features in chunks with their bases resolved once; run features (point
  ** 6) one by one; the first row pass also sums the rows */
  for (uint32_t j = j0; j <= j1; j++) {
    if (j < j1) {
      uint32_t f = sel[j];
      if (bins && bins[f].runs) {
        hist_runs(hist + off[f], codes_col + (size_t)f * n_total, rows, n, gh);
        continue;
      }
      fi[m] = f;
      base[m] = hist + off[f];
      if (++m < GBT_HIST_CHUNK) continue;
    }
    if (m == 0) continue;
    hist_chunk(base, fi, m, codes, F, rows, n, gh, sum);
    sum = NULL;
    m = 0;
  }
  if (sum) /* no chunk: the sums alone */
    hist_rows(NULL, NULL, 0, codes, F, rows, n, gh, 1, sum);
}

void gbt_hist_build(gbt_gh *hist, const uint32_t *off, const uint8_t *codes, uint32_t F,
                    const uint32_t *sel, uint32_t j0, uint32_t j1, const uint32_t *rows, size_t n,
                    const gbt_gh *gh) {
  gbt_hist_build_sum(hist, off, codes, F, sel, j0, j1, rows, n, gh, NULL, NULL, NULL, 0);
}

void gbt_hist_subtract(gbt_gh *dst, const gbt_gh *parent, const gbt_gh *child, const uint32_t *off,
                       const uint32_t *sel, uint32_t j0, uint32_t j1) {
  for (uint32_t j = j0; j < j1; j++) {
    uint32_t f = sel[j];
    for (uint32_t k = off[f]; k < off[f + 1]; k++) {
      dst[k].g = parent[k].g - child[k].g;
      dst[k].h = parent[k].h - child[k].h;
    }
  }
}
