/*
** scl_state.h — the mergeable state of scaler_train: what
** scaler_train_state() returns, scaler_train_state(state) merges and
** scaler_merge(state) turns into a scaler model (SQL layer:
** ext/scaler_state.c; pages: docs/scaler_train_state.md,
** docs/scaler_merge.md), and its model kind 'scaler_state'
** (MDL_KIND_SCALER_STATE, row in scl_state_kind.c).
**
** A state is what scaler_train would need to finish over its rows, in a
** form that merges: per feature (the schema: names and types, as a model
** has them; category text never, only XXH3 hashes as in fv.h)
**   numeric      the count n, min and max, for 'standard' the EXACT sums of
**                x and x^2 (om_xsum: integer addition, so merging is exact),
**                and the values themselves while n <= SCL_STATE_KEEP
**                (65,536, the training profile's exact range, mdl_profile.h
**                behaviour 2), beyond that a uniform sample of that many;
**   categorical  the count n and a counter per category hash while there are
**                at most SCL_STATE_CATS (1,024, the profile's exact range,
**                mdl_profile.h behaviour 3), beyond that Misra-Gries
**                estimates of the most frequent ones;
** plus the method and rows_used / rows_skipped.
**
** Payload, version 1 (inside the model envelope, mdl.h; little-endian):
**
**   0   1  u8 method (0 standard, 1 robust, 2 minmax)
**   1   7  reserved, 0
**   8   8  u64 rows_used     (= the envelope meta's)
**   16  8  u64 rows_skipped  (= the envelope meta's)
**   24  4  u32 features F (= the schema's count)
**   28  4  reserved, 0
**   32     F records, in schema order:
**          u8 type (0: only missing so far, schema numeric; 1 numeric;
**          2 categorical, as the schema), u8 flags (bit 0 SCL_SF_SAMPLED:
**          the values are a sample; bit 1 SCL_SF_APPROX: the counts are
**          estimates), u16 reserved 0, u32 k (values or counters kept),
**          u64 n (non-missing values, <= rows_used; 0 iff type 0), then
**          numeric:      f64 min, f64 max; for 'standard' the sums
**                        (om_xsum.h behaviour 6, their count = n); then k
**                        f64 values, non-decreasing, within [min, max],
**                        k = min(n, SCL_STATE_KEEP), SAMPLED iff
**                        n > SCL_STATE_KEEP, and when not SAMPLED the first
**                        is min and the last is max;
**          categorical:  k times (u64 hash, u64 count >= 1), hashes strictly
**                        increasing, k <= SCL_STATE_CATS (k >= 1 unless APPROX); the counts
**                        sum to n when not APPROX, to at most n when APPROX.
**   end    nothing after the last record.
**
** Behaviours:
**   1. scl_state_add takes one feature-vector row exactly as scl_accum_add
**      does (scl.h points 1 and 3: the same checks and messages; a corrupt
**      row changes nothing); scl_state_skip counts a NULL row.
**   2. scl_state_merge(dst, src) folds a decoded state into dst: the
**      methods must be equal (else OM_INVALID "states have different
**      methods: 'standard' and 'robust'"), and, when both have features,
**      the feature names must be the same set (else OM_INVALID "states have
**      different features: 'cpu_pct' is in one and not the other", the
**      first such name in name order); a feature numeric in one and
**      categorical in the other is OM_INVALID naming it.  Counts, minima,
**      maxima, sums (exactly) and category counters are added; values are
**      concatenated while the total is <= SCL_STATE_KEEP, and beyond that
**      replaced by a uniform sample of SCL_STATE_KEEP drawn from the two
**      (a hypergeometric split, splitmix64 seeded from the two counts:
**      deterministic).  Merging is associative and commutative in
**      everything scaler_merge reports exactly (below).
**   3. scl_state_model(s) writes the scaler model scaler_train would have
**      written over the union of the rows, through the same code
**      (scl_feature_fit, scl_write_model, the profile builder):
**        - byte for byte equal when every numeric feature has at most
**          SCL_STATE_KEEP values and every categorical one at most
**          SCL_STATE_CATS distinct categories in all (then nothing in the
**          state is estimated): every method, the profile included;
**        - beyond that, 'standard' and 'minmax' centers and scales, the
**          schema, rows and options are still exactly scaler_train's; the
**          profile's deciles and top categories are estimated from the
**          sample / counters (flag MDL_PROF_APPROX, as scaler_train's own
**          profile is then an estimate: its reservoir sample differs); and
**          'robust' median and IQR are those of the uniform sample (rank
**          standard error sqrt(p(1-p)/65536) <= 0.0020).
**      Errors are scaler_train's (a center or scale beyond ±1.8e308).
**   4. scl_state_encode writes the canonical payload (values sorted,
**      counters sorted by hash, Misra-Gries counters pruned to
**      SCL_STATE_CATS): the same rows give the same bytes however they were
**      split and merged, while nothing is sampled.
**   5. scl_state_decode validates every field against the byte map and the
**      envelope (schema names and types, meta rows) before use and never
**      reads past the payload; a failure is OM_CORRUPT "scaler_state
**      payload is corrupt (<reason>)" and leaves nothing allocated.
**   6. scl_state_write wraps the payload in an envelope: kind scaler_state,
**      payload version SCL_STATE_PAYLOAD_VERSION, the schema (type 0 as
**      numeric), meta rows_used, rows_skipped, seed 0, created_at 0,
**      options {"method": ...}, no profile.
*/
#ifndef SCL_STATE_H
#define SCL_STATE_H

#include "scl.h"

#define SCL_STATE_PAYLOAD_VERSION 1 /* written, and the newest read */
#define SCL_STATE_KEEP MDL_PROF_EXACT_MAX /* numeric values kept per feature */
#define SCL_STATE_CATS MDL_PROF_SS_CAP    /* category counters kept per feature */
#define SCL_SF_SAMPLED 1
#define SCL_SF_APPROX 2

typedef struct scl_sfeat {
  char *name;        /* owned copy */
  size_t name_len;
  uint8_t type;      /* 0 (only missing so far), FV_NUMERIC, FV_CATEGORICAL */
  uint8_t flags;     /* SCL_SF_SAMPLED, SCL_SF_APPROX */
  uint64_t n;        /* non-missing values */
  om_xsum *sums;     /* standard: exact sums (owned) */
  double min, max;   /* numeric */
  double *vals;      /* numeric: all values, or a uniform sample (owned) */
  uint32_t nvals, vcap;
  uint64_t rng;      /* splitmix64 state of the sample */
  uint64_t *hash;    /* categorical counters [ncat] (owned, one block with cnt) */
  uint64_t *cnt;
  uint32_t ncat, ccap;
  int32_t *tab;      /* open-addressing index over the counters (owned) */
  uint32_t tab_size; /* a power of 2, > 2 * ccap */
} scl_sfeat;

typedef struct scl_state {
  scl_method method;
  uint64_t rows_used, rows_skipped;
  scl_sfeat *feats;  /* sorted by name */
  size_t n_feats, cap;
} scl_state;

void scl_state_init(scl_state *s, scl_method method);
void scl_state_free(scl_state *s);
om_status scl_state_add(scl_state *s, const void *fv, size_t n, om_err *err); /* behaviour 1 */
void scl_state_skip(scl_state *s);
om_status scl_state_merge(scl_state *dst, scl_state *src, om_err *err);       /* behaviour 2 (src is reordered) */
om_status scl_state_model(scl_state *s, om_wbuf *w, om_err *err);             /* behaviour 3 */
om_status scl_state_encode(scl_state *s, om_wbuf *w, om_err *err);            /* behaviour 4 */
/* Behaviour 5: the payload of an opened envelope v. */
om_status scl_state_decode(const mdl_view *v, scl_state *out, om_err *err);
om_status scl_state_write(scl_state *s, om_wbuf *w, om_err *err);             /* behaviour 6 */
om_status scl_state_info(const scl_state *s, om_jw *j, om_err *err);

#endif /* SCL_STATE_H */
