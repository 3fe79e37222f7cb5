/*
** ts_spark.c — sparkline rendering: cells (means of consecutive values),
** eight levels between the smallest and the largest cell, UTF-8 output.
** The spec is the header comment of ts_spark.h.
*/
#include "ts_spark.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

size_t ts_spark_cells(size_t n, size_t width) { return width == 0 || n <= width ? n : width; }

/* Cell j of `cells` over n values: the mean of its non-gap values (S2), or
** NaN for a gap. */
static double ts_spark_cell(const double *v, size_t n, size_t cells, size_t j) {
  size_t a, b, i, count = 0;
  double sum = 0.0;
  if (cells == n) return v[j];
  a = (size_t)((uint64_t)j * n / cells);
  b = (size_t)((uint64_t)(j + 1) * n / cells);
  for (i = a; i < b; i++)
    if (!isnan(v[i])) {
      sum += v[i];
      count++;
    }
  if (count == 0) return NAN;
  if (isinf(sum)) { /* overflowed: each term / count cannot */
    sum = 0.0;
    for (i = a; i < b; i++)
      if (!isnan(v[i])) sum += v[i] / (double)count;
    if (isinf(sum)) sum = sum > 0 ? DBL_MAX : -DBL_MAX;
    return sum;
  }
  return sum / (double)count;
}

om_status ts_spark_render(const double *v, size_t n, size_t width, char *out, size_t *len, om_err *err) {
  size_t cells = ts_spark_cells(n, width), i, j, w = 0;
  double lo = INFINITY, hi = -INFINITY, span;
  int halves = 0, any = 0;
  *len = 0;
  for (i = 0; i < n; i++)
    if (isinf(v[i])) return om_errf(err, OM_INVALID, "value %zu is not finite", i + 1);
  for (j = 0; j < cells; j++) {
    double c = ts_spark_cell(v, n, cells, j);
    if (isnan(c)) continue;
    any = 1;
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  span = any ? hi - lo : 0.0;
  if (isinf(span)) { /* S3: hi - lo beyond the double range */
    halves = 1;
    span = hi * 0.5 - lo * 0.5;
  }
  for (j = 0; j < cells; j++) {
    double c = ts_spark_cell(v, n, cells, j), q;
    int k;
    if (isnan(c)) {
      out[w++] = ' ';
      continue;
    }
    if (!(span > 0.0)) {
      k = 3; /* S4: ▄ */
    } else {
      q = (halves ? (c * 0.5 - lo * 0.5) / span : (c - lo) / span) * 8.0; /* * 8 is exact */
      k = q >= 7.0 ? 7 : q <= 0.0 ? 0 : (int)q;
    }
    out[w++] = (char)0xE2; /* U+2581 + k = E2 96 (81 + k) */
    out[w++] = (char)0x96;
    out[w++] = (char)(0x81 + k);
  }
  *len = w;
  return OM_OK;
}
