/*
** gbt_sort.c — sorting and selection used by binning, quantile leaves and the
** calibration residuals.
**
**   1. gbt_sort_u64: LSD radix sort, 8 passes of 8 bits, skipping a pass when
**      every key has the same byte there; needs a scratch array of n words.
**   2. gbt_sort_f64: maps each double to an order-preserving 64-bit key
**      (flip all bits of negatives, the sign bit of the rest), radix-sorts,
**      maps back.  -0.0 sorts before +0.0; NaN must not be present.
**   3. gbt_quantile_inplace: type-7 quantile (R's default, numpy's "linear")
**      by two quickselects; O(n) expected, deterministic pivots.
*/
#include "gbt.h"

#include <math.h>
#include <string.h>

void gbt_sort_u64(uint64_t *a, uint64_t *tmp, size_t n) {
  uint64_t *src = a, *dst = tmp;
  size_t count[256];
  for (int pass = 0; pass < 8; pass++) {
    int shift = pass * 8;
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
      count[(src[i] >> shift) & 255]++;
    if (n == 0 || count[(src[0] >> shift) & 255] == n) continue; /* all equal here */
    size_t sum = 0;
    for (int b = 0; b < 256; b++) {
      size_t c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++)
      dst[count[(src[i] >> shift) & 255]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

void gbt_sort_f64(double *a, double *tmp, size_t n) {
  uint64_t *k = (uint64_t *)(void *)a;
  for (size_t i = 0; i < n; i++) {
    uint64_t u = om_f64_bits(a[i]);
    k[i] = (u >> 63) ? ~u : (u | 0x8000000000000000ull);
  }
  gbt_sort_u64(k, (uint64_t *)(void *)tmp, n);
  for (size_t i = 0; i < n; i++) {
    uint64_t u = k[i];
    a[i] = om_f64_from_bits((u >> 63) ? (u & 0x7fffffffffffffffull) : ~u);
  }
}

/* Rearranges a so that a[k] is the k-th smallest (0-based) and a[<k] ≤ a[k] ≤ a[>k]. */
static double select_kth(double *a, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (hi > lo) {
    /* median of three as pivot */
    size_t mid = lo + (hi - lo) / 2;
    double x = a[lo], y = a[mid], z = a[hi], pv;
    if (x < y)
      pv = y < z ? y : (x < z ? z : x);
    else
      pv = x < z ? x : (y < z ? z : y);
    size_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pv)
        i++;
      while (a[j] > pv)
        j--;
      if (i <= j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return a[k];
  }
  return a[k];
}

double gbt_quantile_inplace(double *a, size_t n, double q) {
  double pos = q * (double)(n - 1), frac, lo_v, hi_v;
  size_t lo;
  if (n == 1) return a[0];
  if (pos < 0) pos = 0;
  if (pos > (double)(n - 1)) pos = (double)(n - 1);
  lo = (size_t)floor(pos);
  frac = pos - (double)lo;
  lo_v = select_kth(a, n, lo);
  if (frac == 0 || lo + 1 >= n) return lo_v;
  /* after select_kth, the (lo+1)-th smallest is the minimum of a[lo+1..n) */
  hi_v = a[lo + 1];
  for (size_t i = lo + 2; i < n; i++)
    if (a[i] < hi_v) hi_v = a[i];
  return lo_v + frac * (hi_v - lo_v);
}
