/*
** st_order.h — order statistics of a multiset of doubles that grows and
** shrinks: the numerical core of the SQL aggregates and window functions
** omen_median(x), omen_percentile(x, p), omen_mad(x) and omen_iqr(x)
** (SQL layer: ext/robust_agg.c; pages: docs/omen_median.md ...).
**
**   st_order o;  memset(&o, 0, sizeof o);        (a zeroed st_order is empty)
**   st_order_add(&o, 3.0, &err);  st_order_add(&o, 1.0, &err);
**   st_order_median(&o, 0, &m, NULL, &err);       (m = 2.0)
**   st_order_remove(&o, 3.0, NULL, &err);
**   st_order_free(&o);
**
** Every result equals numpy 1.24 / scipy 1.10 on the same doubles, bit for
** bit, wherever numpy's answer is finite:
**
** Behaviours:
**   1. Values must be finite: NaN or ±Inf is OM_INVALID ("value is not a
**      finite number") and nothing is added.  Equal values are kept as many
**      times as they are added.
**   2. Two states.  *Collecting* (a zeroed st_order): st_order_add appends
**      to one flat array (doubling through om_realloc, from 64 values), O(1)
**      amortised.  *Sorted*: ascending blocks of at most ST_ORDER_BLOCK_MAX
**      values, each block ascending, every block but a lone one holding at
**      least ST_ORDER_BLOCK_MIN; add and remove find the block by binary
**      search and memmove inside it, O(log n + ST_ORDER_BLOCK_MAX); a full
**      block splits, a block below the minimum merges with (or borrows
**      from) a neighbour.  The first st_order_remove, or the first query
**      with final = 0 (an SQL xValue: a window), sorts the flat array
**      (O(n log n), introsort) and cuts it into blocks; the state then
**      stays sorted.
**   3. Queries (st_order_median, _percentile, _mad, _iqr) with no values
**      give NaN and OM_OK.  In the sorted state they read the k-th value in
**      O(log(number of blocks)) after refreshing the prefix counts of the
**      blocks once (O(n / ST_ORDER_BLOCK_MIN), only after a change that
**      moved them); median, percentile and iqr read 2-4 values, mad does a
**      binary search over two monotone sequences (behaviour 7): O(log^2 n).
**   4. final = 1 (an SQL xFinal) on a collecting state selects instead of
**      sorting: introselect (median-of-3 quickselect falling back to
**      heapsort after 2 log2 n bad partitions), O(n) expected, O(n log n)
**      worst case, in place.  The values are reordered (mad overwrites them
**      with deviations and then empties the state): call st_order_free
**      next.  On a sorted state final changes nothing.
**   5. omen_median = numpy.median: the middle value, or (a + b) / 2 of the
**      two middle values (a + b rounded, then halved).  When a + b
**      overflows (numpy: inf) the result is a/2 + b/2, the finite true
**      value.
**   6. omen_percentile(p), 0 <= p <= 100 = numpy.percentile(x, p) with
**      the default method 'linear': q = p / 100, v = (n - 1) * q (both
**      rounded as numpy does), i = floor(v), g = v - i, a = x_(i),
**      b = x_(i+1) (both the largest value when v >= n - 1), and numpy's
**      _lerp: d = b - a; g >= 0.5 ? b - d * (1 - g) : a + d * g.  When
**      b - a overflows the same formula runs on a/2, b/2 and the result is
**      doubled (exact: halving a value that large is exact).  p outside
**      [0, 100] or NaN is OM_INVALID.
**   7. omen_mad = scipy.stats.median_abs_deviation(x, scale=1.0) =
**      numpy.median(|x - numpy.median(x)|), each deviation rounded as numpy
**      rounds x - m.  Sorted state: fl(m - x) is non-increasing and
**      fl(x - m) non-decreasing along the sorted values, so the k-th
**      smallest deviation is found by a binary search over the two
**      sequences without computing them.  The mad is at most half the
**      range (max - min) / 2, so it is always a finite double, even when
**      single deviations overflow to inf (those are never the middle ones).
**   8. omen_iqr = scipy.stats.iqr(x) = percentile 75 - percentile 25
**      (behaviour 6), rounded once; a difference that overflows is
**      behaviour 9.
**   9. An iqr that is finite in truth but beyond the double range (above
**      ~1.8e308: values near ±1e308) is OM_INVALID with "the interquartile
**      range is beyond the range of a double (over 1.8e308); divide the
**      values by a constant first", never inf.  median, percentile and mad
**      are always in range.
**  10. Out of memory is OM_NOMEM ("out of memory") and leaves the state as
**      it was (st_order_add: the value is not added; converting to the
**      sorted state: still collecting).  st_order_remove never allocates
**      except by that conversion.
**  11. st_order_remove of a value not held is OM_INVALID ("value to remove
**      is not held"; the SQL layer never does that).
**  12. Long steps poll `it` (may be NULL) about every 4 million element
**      steps of a sort or selection and return OM_INTERRUPTED; the values
**      are then still all there (collecting, in some order).
**  Memory: 8 bytes per value (collecting: up to 2x while doubling; sorted:
**  blocks of 1024 slots, at least a quarter full, plus 24 bytes per block).
*/
#ifndef ST_ORDER_H
#define ST_ORDER_H

#include "../base/om_core.h"

#define ST_ORDER_BLOCK_MAX 1024 /* values per block at most (a full block splits) */
#define ST_ORDER_BLOCK_MIN 256  /* fewer: merged with a neighbour (unless the only block) */

typedef struct st_oblock {
  double *v; /* ascending values */
  size_t n;  /* values held */
  size_t cap; /* slots in v: ST_ORDER_BLOCK_MAX once there are several blocks */
} st_oblock;

typedef struct st_order {
  size_t n;        /* values held */
  int sorted;      /* 0: collecting (flat), 1: sorted blocks (behaviour 2) */
  double *flat;    /* collecting: the values in arrival order */
  size_t cap_flat; /* slots in flat */
  st_oblock *blk;  /* sorted: blocks, ascending */
  size_t nblk;     /* blocks in use */
  size_t cap_blk;  /* slots in blk, and cap_blk + 1 in cum */
  size_t *cum;     /* cum[b] = values in blk[0, b), valid while cum_ok */
  int cum_ok;
} st_order;

om_status st_order_add(st_order *o, double x, om_err *err);
om_status st_order_remove(st_order *o, double x, const om_interrupt *it, om_err *err);
void st_order_free(st_order *o); /* back to the zeroed (empty) state */

/* Results through *out (NaN when empty); final: behaviour 4. */
om_status st_order_median(st_order *o, int final, double *out, const om_interrupt *it, om_err *err);
om_status st_order_percentile(st_order *o, double p, int final, double *out, const om_interrupt *it,
                              om_err *err);
om_status st_order_mad(st_order *o, int final, double *out, const om_interrupt *it, om_err *err);
om_status st_order_iqr(st_order *o, int final, double *out, const om_interrupt *it, om_err *err);

/* The k-th smallest value (k < n) of a sorted state, for tests. */
double st_order_get(st_order *o, size_t k);

/* Selection in a plain array (the introselect of behaviour 4): reorders
** v[0, n) so that v[k] is its k-th smallest value (0-based, k < n), with
** v[0, k) <= v[k] <= v[k+1, n); *out = v[k].  Values must not be NaN.
** OM_INTERRUPTED (polled about every ORD_POLL_WORK element steps). */
om_status st_select_kth(double *v, size_t n, size_t k, double *out, const om_interrupt *it, om_err *err);

#endif /* ST_ORDER_H */
