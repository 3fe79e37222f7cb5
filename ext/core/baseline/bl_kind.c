/*
** bl_kind.c — the baseline row of the model-kind table (mdl_kind.h).
**
** Behaviours:
**   1. open() is bl_decode (bl.h 8): payload version BL_FORMAT only, a bad
**      payload is OM_CORRUPT.  The model borrows the names from the BLOB.
**   2. No row_prepare: the row is the numeric values with NaN for missing
**      (model_row.c's default), which is what the scorers read.
**   3. info writes, under model_info's "detail": role ("job" | "fleet"), for
**      a job baseline threshold, constant_cv and per feature (an object keyed
**      by the feature name) n, n_kept, min, max, mean, sd, median, mad,
**      meanad, the quantiles as p1, p5, p25, p75, p95, p99 (the level in
**      percent), scale, scale_source, weight (and prior_mu, prior_tau2 when
**      shrunk); for a fleet prior min_jobs and per feature prior (true |
**      false), jobs, jobs_used, and with a prior mu, typical_cv = exp(mu)
**      (the fleet's typical robust sd / |median|), tau2, k = 1.3605/tau2
**      (the prior's worth in runs; 9e999, i.e. infinite, when tau2 is 0),
**      var_u and mean_v.
**   4. anomaly_score = the largest |z| (bl.h 4), anomaly_threshold = the
**      threshold option (NaN for a fleet prior, which scores nothing),
**      explain = bl_explain_x without a fleet (bl.h 5).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bl.h"

static om_status bl_kind_open(const mdl_view *v, void **model, om_err *err) {
  bl_model *m = NULL;
  om_status st = bl_decode(v, &m, err);
  *model = st == OM_OK ? m : NULL;
  return st;
}

static void bl_kind_close(void *model) { bl_model_free(model); }

static void level_key(double level, char out[16]) {
  double pct = level * 100;
  if (pct == floor(pct)) snprintf(out, 16, "p%d", (int)pct);
  else snprintf(out, 16, "p%g", pct);
}

om_status bl_info_json(const bl_model *m, om_jw *j, om_err *err) {
  om_jw_key(j, "role");
  om_jw_string(j, m->role == BL_ROLE_JOB ? "job" : "fleet");
  if (m->role == BL_ROLE_JOB) {
    om_jw_key(j, "threshold");
    om_jw_double(j, m->threshold);
    om_jw_key(j, "constant_cv");
    om_jw_double(j, m->constant_cv);
  } else {
    om_jw_key(j, "min_jobs");
    om_jw_int(j, BL_MIN_FLEET_JOBS);
  }
  om_jw_key(j, "features");
  om_jw_begin_object(j);
  for (uint32_t i = 0; i < m->n_features; i++) {
    om_jw_key_n(j, m->names[i].name, m->names[i].name_len);
    om_jw_begin_object(j);
    if (m->role == BL_ROLE_JOB) {
      const bl_feat *f = &m->feats[i];
      char key[16];
      om_jw_key(j, "n");
      om_jw_uint(j, f->n);
      om_jw_key(j, "n_kept");
      om_jw_uint(j, f->n_kept);
      om_jw_key(j, "min");
      om_jw_double(j, f->min);
      om_jw_key(j, "max");
      om_jw_double(j, f->max);
      om_jw_key(j, "mean");
      om_jw_double(j, f->mean);
      om_jw_key(j, "sd");
      om_jw_double(j, f->sd);
      om_jw_key(j, "median");
      om_jw_double(j, f->median);
      om_jw_key(j, "mad");
      om_jw_double(j, f->mad);
      om_jw_key(j, "meanad");
      om_jw_double(j, f->meanad);
      for (uint32_t k = 0; k < m->n_levels; k++) {
        level_key(m->levels[k], key);
        om_jw_key(j, key);
        om_jw_double(j, f->q[k]);
      }
      om_jw_key(j, "scale");
      om_jw_double(j, f->scale);
      om_jw_key(j, "scale_source");
      om_jw_string(j, bl_source_name((bl_source)f->source));
      om_jw_key(j, "weight");
      om_jw_double(j, f->weight);
      if (f->source == BL_SRC_SHRUNK) {
        om_jw_key(j, "prior_mu");
        om_jw_double(j, f->prior_mu);
        om_jw_key(j, "prior_tau2");
        om_jw_double(j, f->prior_tau2);
      }
    } else {
      const bl_prior *p = &m->priors[i];
      om_jw_key(j, "prior");
      om_jw_bool(j, p->has_prior);
      om_jw_key(j, "jobs");
      om_jw_uint(j, p->jobs);
      om_jw_key(j, "jobs_used");
      om_jw_uint(j, p->jobs_used);
      if (p->has_prior) {
        om_jw_key(j, "mu");
        om_jw_double(j, p->mu);
        om_jw_key(j, "typical_cv");
        om_jw_double(j, exp(p->mu));
        om_jw_key(j, "tau2");
        om_jw_double(j, p->tau2);
        om_jw_key(j, "k");
        om_jw_double(j, p->tau2 > 0 ? BL_MAD_LOGVAR_C / p->tau2 : INFINITY);
        om_jw_key(j, "var_u");
        om_jw_double(j, p->var_u);
        om_jw_key(j, "mean_v");
        om_jw_double(j, p->mean_v);
      }
    }
    om_jw_end_object(j);
  }
  om_jw_end_object(j);
  (void)err;
  return OM_OK;
}

static om_status bl_kind_info(const void *model, om_jw *j, om_err *err) { return bl_info_json(model, j, err); }

static double bl_kind_anomaly_score(const void *model, const double *x) {
  double z = bl_score_x(model, NULL, x, NULL);
  return fabs(z);
}

static double bl_kind_anomaly_threshold(const void *model) {
  const bl_model *m = model;
  return m->role == BL_ROLE_JOB ? m->threshold : NAN;
}

static void bl_kind_explain(const void *model, const double *x, mdl_evidence *out) {
  bl_explain_x(model, NULL, x, out);
}

const mdl_kind_def bl_kind = {
    .code = MDL_KIND_BASELINE,
    .name = "baseline",
    .payload_version = BL_FORMAT,
    .payload_oldest = BL_FORMAT,
    .open = bl_kind_open,
    .close = bl_kind_close,
    .info = bl_kind_info,
    .anomaly_score = bl_kind_anomaly_score,
    .anomaly_threshold = bl_kind_anomaly_threshold,
    .explain = bl_kind_explain,
};
