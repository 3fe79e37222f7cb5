/*
** gbt_kind.c — the boosted-tree row of the model-kind table (mdl_kind.h):
** the payload of an envelope of kind MDL_KIND_GBT decoded with gbt_decode,
** the schema's types telling it which features are categorical.
**
** Behaviours:
**   1. open() refuses a payload version outside 1..GBT_FORMAT with
**      OM_UNSUPPORTED_VERSION "boosted-tree payload version N is not
**      supported (this build reads 1 to M)", and a payload whose own format
**      field differs from the envelope's payload version as OM_CORRUPT,
**      then runs gbt_decode (gbt.h 6).
**   2. row_prepare is gbt_row_prepare: categorical code 0 is the default
**      branch (missing, rare or unseen).
**   3. importance is gbt_feature_importance (xgboost's total_gain,
**      total_cover and the split count) and the stored SHAP importance
**      (gbt_shap.c point 6; NaN for models without one).
**   4. contributions (mdl_kind.h behaviour 7) is gbt_shap_x (path-dependent
**      TreeSHAP; a model without covers is OM_INVALID "the model was
**      trained by an omen without node covers ...") or, with ref,
**      gbt_shap_diff_x (baseline Shapley against ref).
*/
#include <math.h>

#include "../base/fv.h"
#include "../base/mdl_kind.h"
#include "gbt.h"

static om_status gbt_kind_open(const mdl_view *v, void **model, om_err *err) {
  uint8_t *is_cat;
  gbt_model *g = NULL;
  om_status st;
  *model = NULL;
  if (v->payload_version < 1 || v->payload_version > GBT_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "boosted-tree payload version %u is not supported (this build reads 1 to %d)",
                   v->payload_version, GBT_FORMAT);
  if (v->payload_len < 2 || (v->payload[0] | v->payload[1] << 8) != v->payload_version)
    return om_errf(err, OM_CORRUPT, "boosted-tree payload format does not match the envelope's payload version %u",
                   v->payload_version);
  is_cat = om_malloc(v->n_features ? v->n_features : 1);
  if (!is_cat) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t i = 0; i < v->n_features; i++) is_cat[i] = v->features[i].type == FV_CATEGORICAL;
  st = gbt_decode(v->payload, v->payload_len, v->n_features, is_cat, &g, err);
  om_free(is_cat);
  if (st == OM_OK) *model = g;
  return st;
}

static void gbt_kind_close(void *model) { gbt_free(model); }

static void gbt_kind_row_prepare(const void *model, const double *num, const uint64_t *cat, const uint8_t *missing,
                                 double *x) {
  gbt_row_prepare(model, num, cat, missing, x);
}

static om_status gbt_kind_importance(const void *model, mdl_importance *out, om_err *err) {
  const gbt_model *g = model;
  uint32_t n = gbt_model_n_features(g);
  gbt_importance *imp = om_malloc_array(n ? n : 1, sizeof *imp);
  om_status st;
  if (!imp) return om_errf(err, OM_NOMEM, "out of memory");
  uint32_t shap_rows;
  const double *shap = gbt_model_shap_importance(g, &shap_rows);
  st = gbt_feature_importance(g, imp);
  if (st == OM_OK)
    for (uint32_t i = 0; i < n; i++) {
      out[i].gain = imp[i].gain;
      out[i].cover = imp[i].cover;
      out[i].splits = imp[i].splits;
      out[i].shap = shap ? shap[i] : (double)NAN;
    }
  om_free(imp);
  if (st == OM_NOMEM) return om_errf(err, OM_NOMEM, "out of memory");
  if (st != OM_OK) return om_errf(err, st, "cannot compute importance");
  return OM_OK;
}

static om_status gbt_kind_contributions(const void *model, const double *x, const double *ref, double *out,
                                        om_err *err) {
  if (!ref) return gbt_shap_x(model, x, out, err);
  gbt_shap_diff_x(model, x, ref, out);
  return OM_OK;
}

const mdl_kind_def gbt_kind = {
    .code = MDL_KIND_GBT,
    .name = "gbt",
    .payload_version = GBT_FORMAT,
    .payload_oldest = 1,
    .open = gbt_kind_open,
    .close = gbt_kind_close,
    .row_prepare = gbt_kind_row_prepare,
    .info = NULL,
    .importance = gbt_kind_importance,
    .contributions = gbt_kind_contributions,
};
