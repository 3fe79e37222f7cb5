/*
** bl_state.h — the mergeable state of baseline_train: what
** baseline_train_state() returns, baseline_train_state(state) merges and
** baseline_merge(state) turns into a job baseline (SQL layer:
** ext/baseline_state.c; pages: docs/baseline_train_state.md,
** docs/baseline_merge.md), and its model kind 'baseline_state'
** (MDL_KIND_BASELINE_STATE, row in bl_state_kind.c).
**
** A state holds, per numeric feature (the schema: names, all numeric), the
** exact count n, the EXACT sums of x and x^2 (om_xsum: merging is integer
** addition) and a DDSketch of the values (om_qsketch, relative accuracy
** BL_STATE_ALPHA: merging adds bucket counts, exact), whose exact minimum
** and maximum are the feature's; plus the options threshold, constant_cv
** and seed, and rows_used / rows_skipped.  max_values does not apply: a
** state never keeps values, so its memory per feature is the sketch's
** (about 16 kB for values within 1e-3..1e3) whatever the rows.
**
** Payload, version 1 (inside the model envelope, mdl.h; little-endian):
**
**   0   8  f64 threshold, in (0, 1e6]
**   8   8  f64 constant_cv, in (0, 1]
**   16  8  u64 seed, <= 2^53
**   24  8  u64 rows_used     (= the envelope meta's; < 2^63)
**   32  8  u64 rows_skipped  (= the envelope meta's)
**   40  4  u32 features F (= the schema's count, every one numeric)
**   44  4  reserved, 0
**   48     F records, in schema order: u64 n (values, <= rows_used); when
**          n > 0: the sums (om_xsum.h behaviour 6, their count = n) and the
**          sketch (om_qsketch.h behaviour 8, M = that of BL_STATE_ALPHA,
**          its count = n).
**   end    nothing after the last record.
**
** Behaviours:
**   1. bl_state_add_value / bl_state_add_fv take rows exactly as
**      bl_accum_add_value / bl_accum_add_fv do (bl.h, bl_train.c 1: a
**      number is the feature "value", -0.0 is 0.0; a vector is validated
**      whole, a categorical entry is OM_INVALID with baseline_train's
**      message, a missing entry names a feature without a value);
**      bl_state_skip counts a NULL row.
**   2. bl_state_merge(dst, src): the options must be equal (else OM_INVALID
**      "states have different options: threshold 3.5, constant_cv 0.01,
**      seed 0 and threshold 5, ..."); when both have features, the same
**      names (else OM_INVALID "states have different features: 'cpu' is in
**      one and not the other", the first such name in name order; a state
**      with no feature, from NULL rows only, merges with any).  Counts, sums
**      and sketches are added exactly: merging is associative and
**      commutative, and the encoded state does not depend on the split or
**      the order (4).
**   3. bl_state_model(s) writes the job baseline (kind baseline, format 1,
**      bl.h 7) of the union of the rows, through bl_write, and checks that
**      it decodes.  Per feature with n > 0, n_kept = n and:
**        - n, min, max exactly; mean and sd (ddof 0) from the exact sums
**          (om_xsum_mean_sd: correctly rounded, so within an ulp or two of
**          baseline_train's Welford mean and sd, and often closer to the
**          truth); the mean kept within [min, max];
**        - median and quantiles = om_qsketch_quantile of the sketch
**          (numpy's 'linear' on the sketch's rank estimates v(0..n-1),
**          om_qsketch.h 6-7), made monotone within [min, max] as
**          baseline_train does;
**        - MAD and MeanAD are the exact MAD and MeanAD (baseline_train's
**          definitions) of the multiset V = {v(0), ..., v(n-1)} around its
**          median m' (the sketch's median), computed from the buckets: one
**          value per bucket (its representative clamped to [min, max]) with
**          its count, the ranks 0 and n-1 being min and max exactly.
**      Error bound (alpha = om_qsketch_alpha = 1/(2M) = 0.0005; s_r the
**      exact order statistics, m, MAD, MeanAD the exact statistics):
**      |v(r) - s_r| <= alpha |s_r| for every rank r (om_qsketch.h 6), so
**        |median' - median|  <= alpha max(|s_l|, |s_l+1|) =: alpha A
**        (s_l, s_l+1 the two middle order statistics; A = |median| for
**        data of one sign), the same for each quantile at its two ranks;
**        |MAD' - MAD|       <= alpha (MAD + |m| + A)     [<= alpha (MAD + 2A)]
**        |MeanAD' - MeanAD| <= alpha (mean|x| + A)
**      (pair each deviation with its rank's: a value within MAD of m has
**      |x| <= |m| + MAD and moves by at most alpha |x|, the centre by at
**      most alpha A, so the order statistics of the deviations move by at
**      most that).  Relative to the MAD the bound is alpha (1 + 2|m|/MAD):
**      tight data far from zero is where a sketch is coarsest (durations
**      with a CV of 5 %: MAD ~ 0.034 median, bound 0.30 relative); the
**      measured errors are far smaller (tests/unit/test_bl_state.c,
**      docs/baseline_merge.md).  Subnormal values add 2^-1074 absolute.
**      The source (bl.h 3) is decided from these statistics by
**      bl_feat_plain, as baseline_train decides it: min = max (every value
**      equal) gives exactly median = min, MAD = MeanAD = 0 and CONSTANT (or
**      CONSTANT_ZERO), as baseline_train; otherwise V holds min and max, so
**      MeanAD' > 0 and the source is MAD when MAD' > 0 (more than half the
**      values outside the median's bucket) or MEANAD (at least half in it,
**      where baseline_train finds MAD = 0 only when half the values EQUAL
**      the median: a bucket is 0.1 % wide).  Statistics beyond ±1.8e308 are
**      baseline_train's errors.
**      Options of the model: threshold, constant_cv, seed (meta seed too);
**      metrics {"sketch_alpha": 0.0005}: it says the quantiles came from a
**      sketch.  rows_used and rows_skipped add up.  No rows used → the
**      caller returns NULL (as baseline_train).
**   4. bl_state_encode writes the canonical payload: equal states give
**      equal bytes, however they were built (om_xsum and om_qsketch are
**      canonical).
**   5. bl_state_decode validates every field against the byte map and the
**      envelope (schema count and types, meta rows and seed) before use and
**      never reads past the payload; a failure is OM_CORRUPT
**      "baseline_state payload is corrupt (<reason>)" and leaves nothing
**      allocated.
**   6. bl_state_write wraps the payload in an envelope: kind
**      baseline_state, payload version BL_STATE_PAYLOAD_VERSION, the
**      schema, meta rows_used, rows_skipped, seed, created_at 0, options
**      {"threshold", "constant_cv", "seed"}, no metrics, no profile.
**   7. bl_state_info writes model_info's members: threshold, constant_cv,
**      seed, sketch_alpha and features [{"feature", "n"}, ...].
*/
#ifndef BL_STATE_H
#define BL_STATE_H

#include "../base/om_qsketch.h"
#include "../base/om_xsum.h"
#include "bl.h"

#define BL_STATE_PAYLOAD_VERSION 1 /* written, and the newest read */
/* The sketches' relative accuracy: 0.0005 (M = 1000 buckets per octave).  A
** job's MAD is often a few % of its median; a bucket 1 % wide (0.005) moved
** the MAD by up to 30 % of itself on tight histories, 0.1 % keeps it near 3 %. */
#define BL_STATE_ALPHA OM_QSKETCH_ALPHA_MIN

typedef struct bl_sfeat {
  char *name;     /* owned copy */
  size_t name_len;
  uint64_t n;     /* values (= the sketch's count) */
  om_xsum *sums;  /* exact sums, om_malloc'd once the first value arrives */
  om_qsketch sk;  /* the values' sketch (min, max exact) */
} bl_sfeat;

typedef struct bl_state {
  double threshold;   /* bl_options' */
  double constant_cv;
  uint64_t seed;
  uint64_t rows_used, rows_skipped;
  bl_sfeat *feats;    /* sorted by name (fv_name_cmp) */
  size_t n_feats, cap;
} bl_state;

/* opt: threshold, constant_cv and seed are kept (max_values ignored). */
void bl_state_init(bl_state *s, const bl_options *opt);
void bl_state_free(bl_state *s);
om_status bl_state_add_value(bl_state *s, double x, om_err *err);              /* behaviour 1 */
om_status bl_state_add_fv(bl_state *s, const void *fv, size_t n, om_err *err); /* behaviour 1 */
void bl_state_skip(bl_state *s);
om_status bl_state_merge(bl_state *dst, const bl_state *src, om_err *err); /* behaviour 2 */
om_status bl_state_model(const bl_state *s, om_wbuf *w, om_err *err);      /* behaviour 3 */
om_status bl_state_encode(const bl_state *s, om_wbuf *w, om_err *err);     /* behaviour 4 */
om_status bl_state_decode(const mdl_view *v, bl_state *out, om_err *err);  /* behaviour 5 */
om_status bl_state_write(const bl_state *s, om_wbuf *w, om_err *err);      /* behaviour 6 */
om_status bl_state_info(const bl_state *s, om_jw *j, om_err *err);         /* behaviour 7 */

/* The multiset V of behaviour 3 for one sketch: its distinct values in
** ascending order with their counts (*k of them, <= the buckets + 3), in
** om_malloc'd arrays the caller frees (both NULL when the sketch is empty).
** Exposed for the unit test (it checks V against om_qsketch_value_at). */
om_status bl_sketch_values(const om_qsketch *s, double **val, uint64_t **cnt, size_t *k, om_err *err);
/* MAD and MeanAD of V around med (behaviour 3); 1 when a deviation or
** their mean is beyond the double range. */
int bl_sketch_mad(const double *val, const uint64_t *cnt, size_t k, uint64_t n, double med, double *mad,
                  double *meanad);

#endif /* BL_STATE_H */
