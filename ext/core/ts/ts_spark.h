/*
** ts_spark.h — one-line Unicode charts (sparklines) of a series of numbers,
** for sparkline() (ext/sparkline.c, docs/sparkline.md).  Plain C on
** core/base only; nothing here allocates.
**
**   double v[] = {1, 2, 3, 4, 5, 6, 7, 8};
**   char out[TS_SPARK_MAX_BYTES(8)];
**   size_t len;
**   ts_spark_render(v, 8, 0, out, &len, NULL);   -> "▁▂▃▄▅▆▇█", len 24
**
** Behaviours (cited by tests/unit/test_ts_spark.c as S<n>):
**   1. Input: n values in order, each finite or NaN; NaN is a gap (the SQL
**      layer's NULL).  An infinite value is OM_INVALID.
**   2. Cells.  With width == 0 or n <= width there is one cell per value.
**      Otherwise there are `width` cells and cell j (0-based) holds the
**      consecutive values with indices floor(j * n / width) ..
**      floor((j + 1) * n / width) - 1 (every cell gets floor(n / width) or
**      ceil(n / width) values, the longer cells spread evenly); its value is
**      the mean of its non-gap values (sum / count; a sum beyond the double
**      range is summed again as value / count), and a cell of only gaps is a
**      gap.
**   3. Levels.  lo and hi are the smallest and largest cell values (gaps
**      ignored).  A cell with value c gets level
**          k = floor(8 * (c - lo) / (hi - lo)),  capped at 7,
**      so the eight characters U+2581..U+2588 (▁▂▃▄▅▆▇█) cut [lo, hi] into
**      eight equal bins: lo is ▁, hi is █, a value exactly on a bin edge
**      goes up (for 1..8: ▁▂▃▄▅▆▇█).  The level is computed as
**      ((c - lo) / (hi - lo)) * 8: one rounding for the difference, one for
**      the quotient, and the product by 8 is exact, so a quotient that is
**      exactly k/8 is never rounded down; when hi - lo overflows, halves of
**      the values are used.
**   4. When every non-gap cell has the same value (one value, a constant
**      series) each is ▄ (U+2584, the half block: no trend to show).
**   5. Output: UTF-8 without a terminating NUL, 3 bytes per character, a gap
**      is one ASCII space (so a chart of only gaps is that many spaces);
**      *len is the byte count, at most TS_SPARK_MAX_BYTES(cells).
**      n == 0 gives an empty chart (the SQL layer returns NULL instead).
**   6. O(n) time (two passes over the values; cell means are recomputed,
**      not stored), no allocation, no state.
*/
#ifndef TS_SPARK_H
#define TS_SPARK_H

#include <stddef.h>

#include "../base/om_core.h"

#define TS_SPARK_LEVELS 8
#define TS_SPARK_MAX_BYTES(cells) ((size_t)(cells) * 3)

/* S2: the number of cells for n values and width (0: unlimited). */
size_t ts_spark_cells(size_t n, size_t width);

/* S1-S5: out must hold TS_SPARK_MAX_BYTES(ts_spark_cells(n, width)) bytes. */
om_status ts_spark_render(const double *v, size_t n, size_t width, char *out, size_t *len, om_err *err);

#endif /* TS_SPARK_H */
