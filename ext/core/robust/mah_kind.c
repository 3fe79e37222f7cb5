/*
** mah_kind.c — the Mahalanobis row of the model-kind table (mdl_kind.h):
** the payload of an envelope of kind MDL_KIND_MAHALANOBIS decoded with
** mah_decode against the envelope's schema.
**
** Behaviours:
**   1. open() refuses a payload version other than MAH_FORMAT with
**      OM_UNSUPPORTED_VERSION "mahalanobis payload version N is not
**      supported (this build reads M)", then runs mah_decode (mah.h 13).
**   2. row_prepare is mah_row_prepare: NaN for a missing numeric feature,
**      0 for a categorical one (ignored by the model).
**   3. info writes method, numeric_features, constant_features, rank,
**      cholesky, contamination, threshold (the distance), rows, and
**      shrinkage (ledoit_wolf) or raw_support and sample_rows (mcd).
**   4. No importance: a covariance model has no per-feature importance that
**      does not depend on the row (mah_explain gives the per-row evidence).
**   5. Anomaly hooks (mdl_kind.h 6).  The decoded model is a mah_kind_model:
**      the mah_model plus the scoring scratch (mah.h 11) and an evidence
**      row, allocated once at open, and the last row's mah_result, all
**      written within one call (a decoded model is used by one connection,
**      one call at a time: ext/model.c).
**      - anomaly_score: the distance d for a row with every numeric feature
**        present; with missing features (fewer degrees of freedom) the
**        distance a complete row would need for the same p-value,
**        sqrt(χ²_k.isf(p)), so score > threshold ⇔ p < contamination
**        (mah.h 10) for every row; +Inf outside the training subspace
**        (mah.h 7); NaN when the row cannot be scored (±Inf in x).
**      - anomaly_threshold: mah_info's threshold (the distance of a
**        complete row at p = contamination); for a rank-0 model (every
**        numeric feature constant) DBL_MAX instead of mah_info's +Inf, so
**        that is_anomaly (score > threshold) holds exactly for the points
**        outside the training subspace (score +Inf, mah.h 7) and an
**        ensemble's severity score/threshold is 0 or +Inf, never NaN.
**      - explain: value x_i, expected range μ_i ∓ c·σ_i, deviation z_i,
**        contribution z_i·(R⁺z)_i (they sum to d², and can be negative).
**      report writes the last scored row's distance, p_value, df and
**      outside (anomaly_report); mah_kind_last_result() gives the same
**      mah_result to mahalanobis_score.
*/
#include <float.h>
#include <math.h>
#include <string.h>

#include "../base/mdl_kind.h"
#include "mah.h"

typedef struct mah_kind_model {
  mah_model *m;
  double *scratch;   /* [mah_scratch_doubles] */
  mah_evidence *ev;  /* [n_features] */
  mah_result last;   /* the last row scored */
  mah_info info;
} mah_kind_model;

const mah_result *mah_kind_last_result(const void *kind_model) {
  return &((const mah_kind_model *)kind_model)->last;
}

static om_status mah_kind_open(const mdl_view *v, void **model, om_err *err) {
  uint8_t *types;
  mah_model *m = NULL;
  om_status st;
  *model = NULL;
  if (v->payload_version != MAH_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "mahalanobis payload version %u is not supported (this build reads %d)",
                   v->payload_version, MAH_FORMAT);
  types = om_malloc(v->n_features ? v->n_features : 1);
  if (!types) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t i = 0; i < v->n_features; i++) types[i] = v->features[i].type;
  st = mah_decode(v->payload, v->payload_len, v->n_features, types, &m, err);
  om_free(types);
  if (st != OM_OK) return st;
  {
    mah_kind_model *k = om_malloc(sizeof *k);
    size_t ns = mah_scratch_doubles(m);
    if (k) {
      memset(k, 0, sizeof *k);
      k->m = m;
      k->scratch = om_malloc_array(ns ? ns : 1, sizeof *k->scratch);
      k->ev = om_malloc_array(v->n_features ? v->n_features : 1, sizeof *k->ev);
      mah_get_info(m, &k->info);
    }
    if (!k || !k->scratch || !k->ev) {
      if (k) {
        om_free(k->scratch);
        om_free(k->ev);
        om_free(k);
      }
      mah_free(m);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    *model = k;
  }
  return OM_OK;
}

static void mah_kind_close(void *model) {
  mah_kind_model *k = model;
  if (!k) return;
  mah_free(k->m);
  om_free(k->scratch);
  om_free(k->ev);
  om_free(k);
}

static void mah_kind_row_prepare(const void *model, const double *num, const uint64_t *cat, const uint8_t *missing,
                                 double *x) {
  mah_row_prepare(((const mah_kind_model *)model)->m, num, cat, missing, x);
}

static om_status mah_kind_info(const void *model, om_jw *j, om_err *err) {
  (void)err;
  mah_info_json(((const mah_kind_model *)model)->m, j);
  return OM_OK;
}

static double mah_kind_score(const void *model, const double *x) {
  mah_kind_model *k = (mah_kind_model *)model; /* its scratch (behaviour 5) */
  om_err err;
  if (mah_score(k->m, x, k->scratch, &k->last, &err) != OM_OK) {
    memset(&k->last, 0, sizeof k->last);
    k->last.d = k->last.d2 = k->last.p_value = NAN;
    return NAN;
  }
  if (k->last.outside) return INFINITY;
  if (k->last.df == k->info.rank || k->info.rank == 0) return k->last.d;
  if (!(k->last.p_value > 0)) return INFINITY;
  if (k->last.p_value >= 1) return 0;
  return sqrt(mah_chi2_isf(k->last.p_value, k->info.rank));
}

static void mah_kind_report(const void *model, om_jw *j) {
  const mah_result *r = &((const mah_kind_model *)model)->last;
  om_jw_key(j, "distance");
  om_jw_double(j, r->d);
  om_jw_key(j, "p_value");
  om_jw_double(j, r->p_value);
  om_jw_key(j, "df");
  om_jw_int(j, r->df);
  om_jw_key(j, "outside");
  om_jw_bool(j, r->outside);
}

static double mah_kind_threshold(const void *model) {
  double t = ((const mah_kind_model *)model)->info.threshold;
  return t < INFINITY ? t : DBL_MAX; /* behaviour 5: rank 0 */
}

static void mah_kind_explain(const void *model, const double *x, mdl_evidence *out) {
  mah_kind_model *k = (mah_kind_model *)model;
  mah_result r;
  om_err err;
  uint32_t n = k->info.n_features;
  if (mah_explain(k->m, x, k->scratch, &r, k->ev, &err) != OM_OK) {
    for (uint32_t i = 0; i < n; i++) {
      out[i].value = x[i];
      out[i].expected_lo = out[i].expected_hi = out[i].deviation = out[i].contribution = NAN;
    }
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    const mah_evidence *e = &k->ev[i];
    out[i].value = e->value;
    out[i].expected_lo = e->lo;
    out[i].expected_hi = e->hi;
    out[i].deviation = e->z;
    out[i].contribution = e->contribution;
  }
}

const mdl_kind_def mah_kind = {
    .code = MDL_KIND_MAHALANOBIS,
    .name = "mahalanobis",
    .payload_version = MAH_FORMAT,
    .payload_oldest = MAH_FORMAT,
    .open = mah_kind_open,
    .close = mah_kind_close,
    .row_prepare = mah_kind_row_prepare,
    .info = mah_kind_info,
    .importance = NULL,
    .anomaly_score = mah_kind_score,
    .anomaly_threshold = mah_kind_threshold,
    .explain = mah_kind_explain,
    .report = mah_kind_report,
};
