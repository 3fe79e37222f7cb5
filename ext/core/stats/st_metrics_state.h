/*
** st_metrics_state.h — the mergeable states of the metrics aggregates: what
** interval_coverage_state(), regression_metrics_state() and
** classification_metrics_state() return, X_state(state) and X_merge(state)
** combine (SQL layer: ext/metrics_state.c; pages docs/<function>.md), and
** their model kind 'metrics_state' (MDL_KIND_METRICS_STATE, one kind for
** the three functions, the payload's first byte saying which; row in
** st_metrics_kind.c).
**
** A state holds what the direct aggregate accumulates, in mergeable form:
**   interval_coverage       n and covered (integers: merge exact).
**   regression_metrics      the counts and EXACT sums of st_metrics.h
**                           behaviour 7 (merge exact: every member but medae
**                           equals regression_metrics bit for bit), plus a
**                           quantile sketch of the finite |a-p| (om_qsketch,
**                           alpha 0.005) for medae.
**   classification_metrics  threshold, confusion counts, exact sums of the
**                           log loss and of q - y (every member but auc equal
**                           bit for bit), plus a histogram of q per class for
**                           auc (behaviour 4).
**
** Behaviours:
**   1. st_mstate_init(s, fn, threshold) makes an empty state of function fn
**      (ST_MS_COVERAGE, ST_MS_REGRESSION, ST_MS_CLASSIFICATION; threshold
**      only for classification, validated by the caller).  The add
**      functions take a row as the direct aggregate does (same validation,
**      core messages of st_metrics.h); failure leaves s unchanged.
**   2. st_mstate_merge(dst, src) adds src into dst: same function and
**      threshold required (else OM_INVALID: the SQL layer checks first and
**      words it); counts and sums added exactly (om_xsum_merge), sketches
**      and histograms merged exactly.  Any order and grouping of merges gives
**      the same state and the same bytes as one state over all the rows.
**      A total count beyond 2^63 - 1 is OM_INVALID "too many rows"; out of
**      memory OM_NOMEM (dst is then only fit to be freed).
**   3. Results: st_mstate_coverage = covered/n; st_mstate_regression fills
**      st_regression_result exactly as st_regression_compute_sums does, and
**      medae from the sketch: the median of the estimates of ranks
**      floor((n-1)/2) and floor(n/2) (om_qsketch.h 6; a rank among the
**      overflowed errors is Inf), so |medae - exact median| <= 0.005 x
**      exact median; st_mstate_classification as
**      st_classification_compute_sums, auc from the histogram.
**   4. The auc histogram.  While the state's rows have at most
**      ST_AUC_EXACT_MAX (4096) distinct probabilities it keeps each distinct
**      q with its counts per class ("exact" mode) and auc is bit for bit
**      classification_metrics's.  Beyond, it counts per bucket ("bucketed"
**      mode, a one-way switch decided by the distinct values of all the
**      rows, so merging cannot change it): bucket of q <= 0.5 from the top
**      10 mantissa bits of q (width 2^-10 relative to q's octave:
**      <= 9.8e-4 q, <= 2.5e-4 absolute), q > 0.5 mirrored on 1 - q (exact
**      there), q < 2^-64 in one bucket; indices 0..ST_AUC_BUCKETS-1,
**      monotone in q.  auc is the Mann-Whitney count with pairs in one
**      bucket counted 1/2, so
**        |auc_merge - auc| <= st_mstate_auc_bound = T / (2 P N),
**      T = sum over buckets of pos_b neg_b (pairs sharing a bucket), P, N
**      the class counts; 0 in exact mode.
**   5. Payload, version 1 (inside the model envelope; little-endian):
**        0   u8 function: 1 interval_coverage, 2 regression_metrics,
**            3 classification_metrics
**        1   7 reserved, 0
**        8   interval_coverage: u64 n (>= 1), u64 covered (<= n).
**            regression_metrics: u64 n (>= 1), u64 n_ape, u64 n_within,
**            u64 n_inf_err, u64 n_inf_ape (each <= n; n_inf_ape <= n_ape);
**            sums (om_xsum encoding, om_xsum.h 6, its n checked) err
**            (n - n_inf_err values, >= 0), ape (n_ape - n_inf_ape, >= 0),
**            ratio (n, in [0, 1]), actual (n); then the sketch of |a-p|
**            (om_qsketch.h 8; M = 100, no negative values, count
**            n - n_inf_err).
**            classification_metrics: f64 threshold (0 < t < 1); u64 n (>= 1),
**            tp, fp, tn, fn (summing to n); sums logloss (n, >= 0), dev (n);
**            u8 mode (0 exact, 1 bucketed), 3 reserved 0, u32 K entries
**            (>= 1); exact: K x (f64 q strictly increasing in [0, 1], not
**            -0.0; varint pos; varint neg; pos + neg >= 1), K <= 4096, the
**            counts agreeing with tp, fp, tn, fn at the threshold;
**            bucketed: u32 first index, varint pos, varint neg, then
**            (K - 1) x (varint gap >= 1, varint pos, varint neg), indices
**            below ST_AUC_BUCKETS, pos + neg >= 1, n > 4096, class totals
**            tp + fn and fp + tn.  Varints as om_qsketch.h 8.
**        end nothing after.
**   6. st_mstate_decode validates all of 5 before use and never reads past
**      the payload; a failure is OM_CORRUPT "metrics_state payload is
**      corrupt (<reason>)" and leaves nothing allocated.  The decoded state
**      owns its arrays (st_mstate_free).
**   7. st_mstate_write wraps the payload in an envelope: kind
**      metrics_state, payload version ST_MSTATE_PAYLOAD_VERSION, no
**      features, meta rows_used = n, options {"function": name} (+
**      "threshold"), metrics {"rows": n}.  Deterministic.
**   8. st_mstate_info writes model_info's members: function, rows, and
**      medae_relative_error (regression) or threshold, auc_mode and
**      auc_error_bound (classification).
*/
#ifndef ST_METRICS_STATE_H
#define ST_METRICS_STATE_H

#include "../base/mdl_kind.h"
#include "../base/om_qsketch.h"
#include "st_metrics.h"

#define ST_MSTATE_PAYLOAD_VERSION 1 /* written, and the newest read */
#define ST_AUC_EXACT_MAX 4096       /* distinct probabilities kept exactly */
#define ST_AUC_BUCKETS 129028       /* bucket indices 0 .. ST_AUC_BUCKETS - 1 */

typedef enum st_ms_fn { ST_MS_COVERAGE = 1, ST_MS_REGRESSION = 2, ST_MS_CLASSIFICATION = 3 } st_ms_fn;

/* Probabilities per class (behaviour 4). */
typedef struct st_auc_hist {
  int bucketed;         /* 0: exact mode (v[] distinct q), 1: buckets lo + i */
  uint32_t len;         /* entries (exact) or slots (bucketed) */
  uint32_t cap;         /* exact: capacity of v, pos, neg */
  int32_t lo;           /* bucketed: bucket of slot 0 */
  double *v;            /* exact: distinct q, increasing (om_malloc'd) */
  uint64_t *pos, *neg;  /* counts per entry or slot, by class */
} st_auc_hist;

typedef struct st_mstate {
  int fn;                    /* st_ms_fn */
  st_coverage cov;           /* ST_MS_COVERAGE */
  st_regression_acc reg;     /* ST_MS_REGRESSION (abs_errs unused) */
  om_qsketch abs_err;        /* its sketch of finite |a-p| */
  st_classification_acc cls; /* ST_MS_CLASSIFICATION (pos/neg arrays unused) */
  st_auc_hist auc;           /* its histogram */
} st_mstate;

const char *st_mstate_fn_name(int fn); /* "regression_metrics", ... or NULL */
void st_mstate_init(st_mstate *s, int fn, double threshold);
om_status st_mstate_add_coverage(st_mstate *s, double actual, double lo, double hi, om_err *err);
om_status st_mstate_add_regression(st_mstate *s, double actual, double predicted, om_err *err);
om_status st_mstate_add_classification(st_mstate *s, int label, double prob, om_err *err);
om_status st_mstate_merge(st_mstate *dst, const st_mstate *src, om_err *err);
int64_t st_mstate_rows(const st_mstate *s);
double st_mstate_coverage(const st_mstate *s);
void st_mstate_regression(st_mstate *s, st_regression_result *out);
void st_mstate_classification(st_mstate *s, st_classification_result *out);
double st_mstate_auc_bound(const st_mstate *s);
om_status st_mstate_encode(const st_mstate *s, om_wbuf *w, om_err *err);
om_status st_mstate_decode(const uint8_t *p, size_t n, st_mstate *out, om_err *err);
om_status st_mstate_write(const st_mstate *s, om_wbuf *w, om_err *err);
om_status st_mstate_info(const st_mstate *s, om_jw *j, om_err *err);
void st_mstate_free(st_mstate *s); /* releases the arrays; s is then empty */

#endif /* ST_METRICS_STATE_H */
