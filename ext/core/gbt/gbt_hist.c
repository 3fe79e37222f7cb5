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

void gbt_hist_build_sum(gbt_gh *hist, const uint32_t *off, const uint8_t *codes, uint32_t F,
                        const uint32_t *sel, uint32_t j0, uint32_t j1, const uint32_t *rows,
                        size_t n, const gbt_gh *gh, gbt_gh *sum) {
  for (uint32_t j = j0; j < j1; j++) {
    uint32_t f = sel[j];
    memset(hist + off[f], 0, (size_t)(off[f + 1] - off[f]) * sizeof *hist);
  }
  if (sum && j0 >= j1) {
    hist_rows(NULL, NULL, 0, codes, F, rows, n, gh, 1, sum);
    return;
  }
  /* features in chunks of GBT_HIST_CHUNK with their bases resolved once */
  for (uint32_t k0 = j0; k0 < j1; k0 += GBT_HIST_CHUNK) {
    uint32_t k1 = k0 + GBT_HIST_CHUNK < j1 ? k0 + GBT_HIST_CHUNK : j1, m = k1 - k0;
    gbt_gh *base[GBT_HIST_CHUNK];
    uint32_t fi[GBT_HIST_CHUNK];
    for (uint32_t k = 0; k < m; k++) {
      fi[k] = sel[k0 + k];
      base[k] = hist + off[fi[k]];
    }
    /* copies for the usual small chunks, with m a constant: the feature
    ** loop unrolled, its bases and offsets in registers */
#define GBT_HIST_CASE(M)                                                                           \
  case M:                                                                                          \
    if (sum && k0 == j0)                                                                           \
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
      if (sum && k0 == j0)
        hist_rows(base, fi, m, codes, F, rows, n, gh, 1, sum);
      else
        hist_rows(base, fi, m, codes, F, rows, n, gh, 0, NULL);
    }
#undef GBT_HIST_CASE
  }
}

void gbt_hist_build(gbt_gh *hist, const uint32_t *off, const uint8_t *codes, uint32_t F,
                    const uint32_t *sel, uint32_t j0, uint32_t j1, const uint32_t *rows, size_t n,
                    const gbt_gh *gh) {
  gbt_hist_build_sum(hist, off, codes, F, sel, j0, j1, rows, n, gh, NULL);
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
