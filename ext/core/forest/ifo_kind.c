/*
** ifo_kind.c — the isolation-forest row of the model-kind table
** (mdl_kind.h): the payload of an envelope of kind MDL_KIND_IFOREST decoded
** with ifo_decode, the schema's types telling it which features are
** categorical.
**
** Behaviours:
**   1. open() refuses a payload version other than IFO_FORMAT with
**      OM_UNSUPPORTED_VERSION "isolation forest payload version N is not
**      supported (this build reads 1)", then runs ifo_decode (ifo_codec.c).
**   2. row_prepare is ifo_row_prepare: for a categorical feature x[i] is the
**      category's training frequency, 0 for one the model does not know
**      (unseen or too rare); a missing value is NaN (not 0: it follows each
**      split's learned side instead of isolating).
**   3. info writes "n_trees", "sample_size" (ψ, the sample actually used),
**      "max_depth", "contamination" ("auto" or the fraction) and
**      "threshold".
**   4. importance is ifo_feature_importance (ifo_score.c behaviour 6).
**   5. Anomaly hooks (mdl_kind.h behaviour 6): anomaly_score is ifo_score,
**      except NaN when every feature of the row is missing (the forest would
**      send such a row down the majority side of every split: it has
**      nothing to score); anomaly_threshold is the stored threshold (0.5 for
**      'auto').
**   6. explain, per feature: value = x[f] (float32 value; frequency for a
**      category, 0 unknown; NaN missing); expected_lo/hi = Tukey's fences
**      of the training score sample (ifo_train.c behaviour 10);
**      deviation = 0 inside it, else (value − hi)/w above or (value − lo)/w
**      below with w = hi − lo (1 when hi = lo), NaN when the value or the
**      range is missing; contribution = ifo_explain's share (ifo_score.c
**      behaviour 5): signed, and the contributions of a row add up to
**      log2(2·score), so positive ones are what pushed it above 0.5.
*/
#include "../base/fv.h"
#include "../base/mdl_kind.h"
#include "ifo.h"

#include <math.h>

static om_status ifo_kind_open(const mdl_view *v, void **model, om_err *err) {
  uint8_t *is_cat;
  ifo_model *m = NULL;
  om_status st;
  *model = NULL;
  if (v->payload_version != IFO_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "isolation forest payload version %u is not supported (this build reads %d)",
                   v->payload_version, IFO_FORMAT);
  is_cat = om_malloc(v->n_features ? v->n_features : 1);
  if (!is_cat) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t i = 0; i < v->n_features; i++) is_cat[i] = v->features[i].type == FV_CATEGORICAL;
  st = ifo_decode(v->payload, v->payload_len, v->n_features, is_cat, &m, err);
  om_free(is_cat);
  if (st == OM_OK) *model = m;
  return st;
}

static void ifo_kind_close(void *model) { ifo_free(model); }

static void ifo_kind_row_prepare(const void *model, const double *num, const uint64_t *cat, const uint8_t *missing,
                                 double *x) {
  ifo_row_prepare(model, num, cat, missing, x);
}

static om_status ifo_kind_info(const void *model, om_jw *j, om_err *err) {
  const ifo_model *m = model;
  om_jw_key(j, "n_trees");
  om_jw_uint(j, ifo_model_n_trees(m));
  om_jw_key(j, "sample_size");
  om_jw_uint(j, ifo_model_sample_size(m));
  om_jw_key(j, "max_depth");
  om_jw_uint(j, ifo_model_max_depth(m));
  om_jw_key(j, "contamination");
  if (ifo_model_contamination(m) > 0) om_jw_double(j, ifo_model_contamination(m));
  else om_jw_string(j, "auto");
  om_jw_key(j, "threshold");
  om_jw_double(j, ifo_model_threshold(m));
  if (om_wbuf_status(j->out) != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
  return OM_OK;
}

static om_status ifo_kind_importance(const void *model, mdl_importance *out, om_err *err) {
  const ifo_model *m = model;
  uint32_t n = ifo_model_n_features(m);
  ifo_importance *imp = om_malloc_array(n ? n : 1, sizeof *imp);
  if (!imp) return om_errf(err, OM_NOMEM, "out of memory");
  ifo_feature_importance(m, imp);
  for (uint32_t i = 0; i < n; i++) {
    out[i].gain = imp[i].gain;
    out[i].cover = imp[i].cover;
    out[i].splits = imp[i].splits;
  }
  om_free(imp);
  return OM_OK;
}

static double ifo_kind_score(const void *model, const double *x) {
  const ifo_model *m = model;
  uint32_t f;
  for (f = 0; f < m->n_features; f++)
    if (x[f] == x[f]) break;
  return f < m->n_features ? ifo_score(m, x) : NAN;
}

static double ifo_kind_threshold(const void *model) { return ifo_model_threshold(model); }

static void ifo_kind_explain(const void *model, const double *x, mdl_evidence *out) {
  const ifo_model *m = model;
  if (m->n_features == 0) return;
  ifo_explain_strided(m, x, &out[0].contribution, sizeof(mdl_evidence) / sizeof(double));
  for (uint32_t f = 0; f < m->n_features; f++) {
    double v = x[f], lo = ifo_model_expected_lo(m, f), hi = ifo_model_expected_hi(m, f), w = hi > lo ? hi - lo : 1;
    out[f].value = v;
    out[f].expected_lo = lo;
    out[f].expected_hi = hi;
    if (v != v || lo != lo) out[f].deviation = NAN;
    else out[f].deviation = v > hi ? (v - hi) / w : v < lo ? (v - lo) / w : 0;
  }
}

const mdl_kind_def ifo_kind = {
    .code = MDL_KIND_IFOREST,
    .name = "iforest",
    .payload_version = IFO_FORMAT,
    .payload_oldest = IFO_FORMAT,
    .open = ifo_kind_open,
    .close = ifo_kind_close,
    .row_prepare = ifo_kind_row_prepare,
    .info = ifo_kind_info,
    .importance = ifo_kind_importance,
    .anomaly_score = ifo_kind_score,
    .anomaly_threshold = ifo_kind_threshold,
    .explain = ifo_kind_explain,
};
