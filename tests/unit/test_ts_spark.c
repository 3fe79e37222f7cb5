/*
** test_ts_spark.c — sparkline rendering (core/ts/ts_spark.h, S1-S6).
**
** 1. Levels (S3): 1..8, 0..8 (a value on a bin edge goes up), bin edges
**    with non-integers, negative values, the extremes of the double range
**    (hi - lo overflows), subnormals.
** 2. Constant series and single values are ▄ (S4); gaps (S1, S5).
** 3. Cells (S2): the exact index ranges for uneven n / width, means that
**    ignore gaps, a cell of only gaps, a sum that overflows.
** 4. Random integer series against an exact integer reference (width 0,
**    and width with n / width = 4 so that means are exact).
** 5. Output (S5): UTF-8, 3 bytes a character, space for gaps, no NUL,
**    never more than TS_SPARK_MAX_BYTES; ±Inf is OM_INVALID; n == 0.
** 6. Nothing allocates (S6).
*/
#include <float.h>
#include <limits.h>
#include <stdlib.h>

#include "om_test.h"
#include "ts_spark.h"

#define MAXN 4096

/* The chart as a string of level digits '1'..'8' and ' ' for gaps. */
static int render_levels(const double *v, size_t n, size_t width, char *levels) {
  static char out[TS_SPARK_MAX_BYTES(MAXN) + 1];
  size_t len = 0, i, j = 0;
  out[TS_SPARK_MAX_BYTES(ts_spark_cells(n, width))] = 'X'; /* guard */
  if (ts_spark_render(v, n, width, out, &len, NULL) != OM_OK) return 0;
  if (out[TS_SPARK_MAX_BYTES(ts_spark_cells(n, width))] != 'X') return 0; /* wrote past the bound */
  for (i = 0; i < len;) {
    if (out[i] == ' ') {
      levels[j++] = ' ';
      i++;
    } else if (i + 3 <= len && (unsigned char)out[i] == 0xE2 && (unsigned char)out[i + 1] == 0x96 &&
               (unsigned char)out[i + 2] >= 0x81 && (unsigned char)out[i + 2] <= 0x88) {
      levels[j++] = (char)('1' + ((unsigned char)out[i + 2] - 0x81));
      i += 3;
    } else {
      return 0; /* not one of our characters */
    }
  }
  levels[j] = 0;
  return j == ts_spark_cells(n, width);
}

#define CHECK_LEVELS(v, n, width, want)                                                            \
  do {                                                                                              \
    char got_[MAXN + 1];                                                                            \
    int ok_ = render_levels((v), (n), (width), got_);                                               \
    CHECK_MSG(ok_ && strcmp(got_, (want)) == 0, "got \"%s\" want \"%s\"", ok_ ? got_ : "(bad output)", \
              (want));                                                                              \
  } while (0)

static void check_levels(void) {
  double a[] = {1, 2, 3, 4, 5, 6, 7, 8};
  double b[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  double c[] = {8, 7, 6, 5, 4, 3, 2, 1};
  double d[] = {-3, -1, 1, 3, 5};
  double e[] = {0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1}; /* exact eighths */
  double f[] = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  double g[] = {-DBL_MAX, 0, DBL_MAX};
  double h[] = {-DBL_MAX, -DBL_MAX / 2, DBL_MAX / 2, DBL_MAX};
  double s[] = {4.9e-324, 0, 1e-323, 2e-323};
  double big[] = {0, 1e300, 4e300};
  double offset[] = {1e15 + 1, 1e15 + 2, 1e15 + 3, 1e15 + 9};
  CHECK_LEVELS(a, 8, 0, "12345678");
  CHECK_LEVELS(b, 9, 0, "123456788");
  CHECK_LEVELS(c, 8, 0, "87654321");
  CHECK_LEVELS(d, 5, 0, "13578");
  CHECK_LEVELS(e, 9, 0, "123456788");
  /* 8 * 0.1 / 1 = 0.8 -> 1; 0.3 * 8 = 2.4 -> 3rd; ... */
  CHECK_LEVELS(f, 11, 0, "11234556788");
  CHECK_LEVELS(g, 3, 0, "158"); /* 0 is half way: level 4 (▅) */
  CHECK_LEVELS(h, 4, 0, "1378"); /* quarters of [-MAX, MAX] */
  CHECK_LEVELS(s, 4, 0, "3158");
  CHECK_LEVELS(big, 3, 0, "138");
  CHECK_LEVELS(offset, 4, 0, "1238"); /* only the differences count */
}

static void check_constant_and_gaps(void) {
  double one[] = {42};
  double same[] = {7, 7, 7, 7};
  double gaps[] = {NAN, 1, NAN, 3, NAN};
  double only_gaps[] = {NAN, NAN, NAN};
  double gap_const[] = {5, NAN, 5};
  double neg_zero[] = {0.0, -0.0};
  char out[16];
  size_t len = 99;
  CHECK_LEVELS(one, 1, 0, "4");
  CHECK_LEVELS(same, 4, 0, "4444");
  CHECK_LEVELS(same, 4, 2, "44");
  CHECK_LEVELS(gaps, 5, 0, " 1 8 ");
  CHECK_LEVELS(only_gaps, 3, 0, "   ");
  CHECK_LEVELS(only_gaps, 3, 1, " ");
  CHECK_LEVELS(gap_const, 3, 0, "4 4");
  CHECK_LEVELS(neg_zero, 2, 0, "44");
  CHECK(ts_spark_render(one, 0, 0, out, &len, NULL) == OM_OK && len == 0);
  CHECK(ts_spark_render(one, 1, 0, out, &len, NULL) == OM_OK && len == 3 && memcmp(out, "\xE2\x96\x84", 3) == 0);
  CHECK(ts_spark_render(gaps, 5, 0, out, &len, NULL) == OM_OK && len == 9 &&
        memcmp(out, " \xE2\x96\x81 \xE2\x96\x88 ", 9) == 0);
}

static void check_cells(void) {
  double v[10], w[8] = {1, NAN, NAN, NAN, 3, 5, NAN, 9};
  double ovf[4] = {DBL_MAX, DBL_MAX, -DBL_MAX, -DBL_MAX};
  double inf[3] = {1, INFINITY, 2};
  size_t i, len;
  char out[64];
  om_err err;
  CHECK(ts_spark_cells(10, 0) == 10);
  CHECK(ts_spark_cells(10, 10) == 10);
  CHECK(ts_spark_cells(10, 20) == 10);
  CHECK(ts_spark_cells(10, 3) == 3);
  CHECK(ts_spark_cells(0, 3) == 0);
  /* n = 10, width 3: cells [0,3) [3,6) [6,10): values 0..9 -> means 1, 4, 7.5 */
  for (i = 0; i < 10; i++) v[i] = (double)i;
  CHECK_LEVELS(v, 10, 3, "148"); /* (4 - 1) / 6.5 * 8 = 3.69 -> 4th level */
  /* width 4: [0,2) [2,5) [5,7) [7,10): means 0.5, 3, 5.5, 8 -> 0, 2.67, 5.33, 8 */
  CHECK_LEVELS(v, 10, 4, "1368");
  /* width 7 of 10: cells of sizes 1,1,2,1,2,1,2 — [0,1) [1,2) [2,4) [4,5) [5,7) [7,8) [8,10) */
  {
    double spike[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    spike[3] = 16; /* in cell 2 = [2,4): mean 8 -> the max; other cells 0 */
    CHECK_LEVELS(spike, 10, 7, "1181111");
    spike[3] = 0;
    spike[4] = 16; /* cell 3 = [4,5) alone */
    CHECK_LEVELS(spike, 10, 7, "1118111");
    spike[4] = 0;
    spike[9] = 16; /* last cell [8,10): mean 8 */
    CHECK_LEVELS(spike, 10, 7, "1111118");
  }
  /* gaps inside a cell are ignored; a cell of gaps is a gap: cells
  ** {1,NaN} {NaN,NaN} {3,5} {NaN,9} -> 1, gap, 4, 9 */
  CHECK_LEVELS(w, 8, 4, "1 48");
  /* width 1: the mean of everything, a constant */
  CHECK_LEVELS(v, 10, 1, "4");
  /* a cell sum that overflows: {MAX, MAX} {-MAX, -MAX} -> MAX, -MAX */
  CHECK_LEVELS(ovf, 4, 2, "81");
  /* S1: infinities are refused */
  CHECK(ts_spark_render(inf, 3, 0, out, &len, &err) == OM_INVALID);
  CHECK_STR(err.msg, "value 2 is not finite");
}

static void check_random(void) {
  static double v[MAXN];
  static long iv[MAXN];
  static char want[MAXN + 1];
  uint64_t state = 777;
  int trial, bad = 0;
  for (trial = 0; trial < 2000; trial++) {
    size_t n = 1 + (size_t)(om_test_unif(&state) * 400), width = 0, cells, j, i;
    long range = 1 + (long)(om_test_unif(&state) * 50), lo = 0, hi = 0;
    long sums[MAXN];
    int have = 0;
    char got[MAXN + 1];
    if (trial % 2) { /* n = 4 * width: every cell holds 4 values, so means are exact */
      width = 1 + n / 4;
      n = width * 4;
    }
    for (i = 0; i < n; i++) {
      iv[i] = (long)(om_test_unif(&state) * (double)range) - range / 2;
      v[i] = (double)iv[i];
      if (om_test_unif(&state) < 0.05) v[i] = NAN;
      if (width && (i & 1) && isnan(v[i - 1]) != isnan(v[i])) v[i - 1] = v[i] = NAN; /* counts 0, 2, 4 */
    }
    cells = ts_spark_cells(n, width);
    for (j = 0; j < cells; j++) { /* cell sums over non-gaps, scaled to a common count of 4 */
      size_t a = width ? j * 4 : j, b = width ? a + 4 : j + 1, cnt = 0;
      long s = 0;
      for (i = a; i < b; i++)
        if (!isnan(v[i])) {
          s += iv[i];
          cnt++;
        }
      if (!cnt) {
        sums[j] = LONG_MIN;
        continue;
      }
      /* mean * 4 is an integer for counts 1, 2 and 4 (gaps come in pairs
      ** with a width, so a cell holds 0, 2 or 4 values and its mean is exact) */
      sums[j] = s * (4 / (long)cnt);
      if (!have || sums[j] < lo) lo = sums[j];
      if (!have || sums[j] > hi) hi = sums[j];
      have = 1;
    }
    for (j = 0; j < cells; j++) {
      if (sums[j] == LONG_MIN) want[j] = ' ';
      else if (hi == lo) want[j] = '4';
      else {
        long k = 8 * (sums[j] - lo) / (hi - lo); /* exact floor: non-negative */
        want[j] = (char)('1' + (k > 7 ? 7 : k));
      }
    }
    want[cells] = 0;
    if (!render_levels(v, n, width, got) || strcmp(got, want) != 0) {
      if (bad < 3) fprintf(stderr, "trial %d n %zu width %zu\n got  %s\n want %s\n", trial, n, width, got, want);
      bad++;
    }
  }
  CHECK_MSG(bad == 0, "%d random series differ from the integer reference", bad);
}

int main(void) {
  om_test_alloc_reset();
  check_levels();
  check_constant_and_gaps();
  check_cells();
  check_random();
  CHECK_MSG(om_test_alloc_count == 0, "%ld allocations", om_test_alloc_count); /* S6 */
  return om_test_finish();
}
