/*
** om_qsketch.h — a mergeable quantile sketch with a relative-error
** guarantee: DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable
** quantile sketch with relative-error guarantees", VLDB 2019), with an
** exact, libm-free bucket mapping.  Used inside mergeable states
** (regression_metrics_state's median absolute error; scaler and baseline
** states' medians and quartiles).
**
**   om_qsketch s;
**   om_qsketch_init(&s, 0.005, &err);            -- relative accuracy 0.5%
**   om_qsketch_add(&s, x, 1, &err);              -- per value
**   om_qsketch_merge(&all, &s, &err);            -- exact, order-free
**   double med = om_qsketch_quantile(&all, 0.5);
**   om_qsketch_free(&s);
**
** Buckets.  A value x != 0 goes by its magnitude into bucket k of its sign's
** store (zeros are counted apart).  With |x| = 2^e (1 + f), 0 <= f < 1 (e the
** exponent of the double, -1074 <= e <= 1023, f exact), and M buckets per
** octave, k = e M + floor(f M): bucket k holds the magnitudes in
** [2^e (1 + j/M), 2^e (1 + (j+1)/M)) with j = k - e M.  The index is
** computed from the bits of x in integers, so it is the same on every
** machine (no log(), no rounding): equal values always share a bucket, and
** a sketch's bytes do not depend on the host that built it.  A bucket's
** representative is the harmonic mean of its ends, 2 lo hi / (lo + hi),
** which is within (hi - lo)/(hi + lo) <= 1/(2M + 1) of every value in it.
**
** Behaviours:
**   1. om_qsketch_init(s, alpha) sets up an empty sketch with
**      M = ceil(1/(2 alpha)) buckets per octave; alpha must be in
**      [OM_QSKETCH_ALPHA_MIN, OM_QSKETCH_ALPHA_MAX] = [0.0005, 0.25]
**      (M from 2 to 1000), else OM_INVALID.  OM_QSKETCH_ALPHA (0.005, M =
**      100) is the default of omen's states.  Nothing is allocated until a
**      value is added.  A zeroed struct is NOT a sketch: init it.
**   2. om_qsketch_alpha(s) = 1/(2M) <= the alpha asked for: the relative
**      accuracy guaranteed below (the exact bound 1/(2M + 1) leaves room for
**      the rounding of the representative).  For subnormal values
**      (|x| < 2^-1022) the guarantee is absolute instead: 2^-1074.
**   3. om_qsketch_add(s, x, count) adds count copies of x (count 0: no-op).
**      x NaN or ±Inf is OM_INVALID ("value is not a finite number"); a total
**      count beyond 2^63 - 1 is OM_INVALID ("too many values"); out of
**      memory is OM_NOMEM; on any failure the sketch is unchanged.  -0.0
**      counts as 0.  The exact minimum and maximum are kept.
**   4. om_qsketch_merge(dst, src) adds src's bucket counts, zero count,
**      min and max into dst: exact (the result is the sketch of the union of
**      the values, bucket for bucket), so any order and grouping of merges
**      gives the same sketch and the same encoded bytes.  Sketches with a
**      different M are OM_INVALID ("sketches have different accuracy: 100
**      and 50 buckets per octave"); count overflow and OOM as in 3, dst
**      unchanged.  src may be empty.
**   5. om_qsketch_count(s) is the number of values added (a uint64_t).
**   6. om_qsketch_value_at(s, r) is the estimate of the value of 0-based
**      rank r in ascending order (r < count): the representative of the
**      bucket holding that rank (negative store from the largest magnitude
**      down, then the zeros, then the positive store up), clamped to
**      [min, max]; the ranks 0 and count - 1 give min and max exactly.  For
**      the true value v of that rank, |estimate - v| <= alpha |v| (2).
**      NaN when r >= count.
**   7. om_qsketch_quantile(s, q), 0 <= q <= 1, is numpy.quantile's default
**      ('linear', type 7 of Hyndman & Fan) computed on the estimates: with
**      h = q (count - 1), l = floor(h), w = h - l, it is
**      v(l) + w (v(l + 1) - v(l)) (v of 6; v(l) alone when w = 0).  Bound:
**      if s_l, s_{l+1} are the exact order statistics,
**        |quantile - numpy.quantile| <= alpha ((1 - w) |s_l| + w |s_{l+1}|),
**      i.e. <= alpha |numpy.quantile| when s_l and s_{l+1} have the same sign
**      (always, for data of one sign such as absolute errors).  q = 0.5 is
**      numpy.median's convention (mean of the two middle values for an even
**      count).  NaN for an empty sketch or q outside [0, 1] (NaN included).
**   8. Encoding (om_qsketch_encode, little-endian, canonical: equal sketches
**      give equal bytes, however they were built):
**        0   u16 M (2..1000)
**        2   u16 reserved, 0
**        4   u32 Bn, the non-empty negative buckets
**        8   u32 Bp, the non-empty positive buckets
**        12  u64 zero count
**        20  f64 min, 28 f64 max (both +0.0 for an empty sketch; never -0.0)
**        36  Bn negative buckets, by increasing index (magnitude), then Bp
**            positive buckets, each store as: i32 index of its first
**            bucket, varint count; then per further bucket varint gap to the
**            previous index (>= 1), varint count (>= 1).
**      A varint is unsigned LEB128 of at most 10 bytes, minimal (no
**      trailing zero group), with a value below 2^64.  om_qsketch_encoded_size
**      is the exact number of bytes om_qsketch_encode appends.
**   9. om_qsketch_decode(r, out) reads one encoded sketch from r (advancing
**      it; bytes after the sketch are the caller's), checking everything:
**      M range, reserved bytes, every varint, gaps, indices within
**      [-1074 M, 1024 M - 1], counts >= 1, the total below 2^63, min and
**      max finite, not -0.0, min <= max and each lying in the bucket (or
**      zero count) that holds the lowest / highest rank; an empty sketch
**      must have min = max = +0.0.  A failure is OM_CORRUPT with a short
**      reason in err ("quantile sketch: <reason>"), and leaves nothing
**      allocated (*out is then an empty sketch to free or ignore); OM_NOMEM
**      when the buckets' span cannot be allocated.  Decoding allocates the
**      span between the lowest and highest index of each store (8 bytes a
**      bucket; at most 2098 M buckets a store, 16.8 MB at M = 1000).
**  10. om_qsketch_free releases the buckets and leaves an empty sketch with
**      the same M (safe to call twice, and on a decoded failure).
**      om_qsketch_copy(dst, src) makes dst an independent copy (OM_NOMEM on
**      failure, dst then empty); dst must not hold buckets (freed or new).
**  11. Memory: a store is a dense array of counts over the span of its
**      indices (M buckets per factor 2 of magnitude), grown by doubling:
**      values within 1e-3..1e3 at M = 100 take 2,000 buckets (16 kB).
**  12. om_qsketch_bucket_value(M, k) is the representative of bucket k at
**      M buckets per octave (the value 6 reports before clamping), for
**      callers that walk the buckets themselves (bl_state.c's MAD).
*/
#ifndef OM_QSKETCH_H
#define OM_QSKETCH_H

#include "om_buf.h"
#include "om_core.h"

#define OM_QSKETCH_ALPHA 0.005      /* omen's default relative accuracy (M = 100) */
#define OM_QSKETCH_ALPHA_MIN 0.0005 /* M = 1000 */
#define OM_QSKETCH_ALPHA_MAX 0.25   /* M = 2 */

/* One sign's buckets: c[i] counts bucket lo + i (behaviour 11). */
typedef struct om_qstore {
  int32_t lo;      /* index of c[0] */
  uint32_t len;    /* slots in c (0: no buckets allocated) */
  uint64_t *c;     /* counts (om_malloc'd) */
  uint64_t total;  /* sum of c */
} om_qstore;

typedef struct om_qsketch {
  uint32_t m;     /* buckets per octave, M (behaviour 1) */
  uint64_t zero;  /* count of zeros */
  double min;     /* exact minimum (meaningless while empty) */
  double max;     /* exact maximum */
  om_qstore neg;  /* magnitudes of the negative values */
  om_qstore pos;  /* the positive values */
} om_qsketch;

om_status om_qsketch_init(om_qsketch *s, double alpha, om_err *err);
double om_qsketch_alpha(const om_qsketch *s);
om_status om_qsketch_add(om_qsketch *s, double x, uint64_t count, om_err *err);
om_status om_qsketch_merge(om_qsketch *dst, const om_qsketch *src, om_err *err);
uint64_t om_qsketch_count(const om_qsketch *s);
double om_qsketch_value_at(const om_qsketch *s, uint64_t rank);
double om_qsketch_quantile(const om_qsketch *s, double q);
double om_qsketch_bucket_value(uint32_t m, int32_t k); /* behaviour 12 */
size_t om_qsketch_encoded_size(const om_qsketch *s);
om_status om_qsketch_encode(const om_qsketch *s, om_wbuf *w, om_err *err);
om_status om_qsketch_decode(om_rbuf *r, om_qsketch *out, om_err *err);
om_status om_qsketch_copy(om_qsketch *dst, const om_qsketch *src, om_err *err);
void om_qsketch_free(om_qsketch *s);

#endif /* OM_QSKETCH_H */
