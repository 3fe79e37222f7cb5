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
*/
#include "../base/mdl_kind.h"
#include "mah.h"

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
  if (st == OM_OK) *model = m;
  return st;
}

static void mah_kind_close(void *model) { mah_free(model); }

static void mah_kind_row_prepare(const void *model, const double *num, const uint64_t *cat, const uint8_t *missing,
                                 double *x) {
  mah_row_prepare(model, num, cat, missing, x);
}

static om_status mah_kind_info(const void *model, om_jw *j, om_err *err) {
  (void)err;
  mah_info_json(model, j);
  return OM_OK;
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
};
