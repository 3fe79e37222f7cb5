/*
** bl_score.c — robust z-scores, evidence and fleet shrinkage of baseline
** models (the spec is bl.h, behaviours 3, 4, 5 and 9).
**
** Behaviours:
**   1. bl_feat_z computes each source's formula as written in bl.h 3 (so a
**      MAD feature gives exactly 0.6745·(x - median)/MAD, the value numpy
**      gives for the same expression), falling back to halves of x and the
**      median when x - median overflows for a finite x.
**   2. Shrinking on the fly (bl_score_x / bl_explain_x with a fleet) and
**      bl_shrink use the same bl_feat_shrink, so baseline_score(m, x, fleet)
**      and baseline_score(baseline_shrink(m, fleet), x) give the same bits.
**   3. Features are matched to the fleet by name (one merge pass over both
**      sorted schemas); nothing is allocated while scoring.
*/
#include <math.h>
#include <string.h>

#include "../base/fv.h"
#include "bl.h"

const char *bl_source_name(bl_source s) {
  switch (s) {
  case BL_SRC_NONE: return "none";
  case BL_SRC_MAD: return "mad";
  case BL_SRC_MEANAD: return "meanad";
  case BL_SRC_CONSTANT: return "constant";
  case BL_SRC_CONSTANT_ZERO: return "constant_zero";
  case BL_SRC_SHRUNK: return "shrunk";
  }
  return "unknown";
}

void bl_feat_plain(bl_feat *f, double constant_cv) {
  f->weight = 1;
  f->prior_mu = 0;
  f->prior_tau2 = 0;
  if (f->n == 0) {
    f->source = BL_SRC_NONE;
    f->scale = 0;
    f->weight = 0;
  } else if (f->mad > 0) {
    f->source = BL_SRC_MAD;
    f->scale = f->mad / BL_MAD_K;
  } else if (f->meanad > 0) {
    f->source = BL_SRC_MEANAD;
    f->scale = BL_MEANAD_K * f->meanad;
  } else if (f->median != 0) {
    f->source = BL_SRC_CONSTANT;
    f->scale = constant_cv * fabs(f->median);
  } else {
    f->source = BL_SRC_CONSTANT_ZERO;
    f->scale = 0;
  }
}

/* (x - median) / s for a positive s, times k, on halves when needed. */
static double scaled_diff(double x, double med, double k, double s) {
  double d = x - med;
  if (!isfinite(d) && isfinite(x)) return 2 * (k * (x * 0.5 - med * 0.5) / s);
  return k * d / s;
}

double bl_feat_z(const bl_feat *f, double x) {
  if (isnan(x)) return NAN;
  switch ((bl_source)f->source) {
  case BL_SRC_MAD: return scaled_diff(x, f->median, BL_MAD_K, f->mad);
  case BL_SRC_MEANAD: {
    double d = x - f->median;
    if (!isfinite(d) && isfinite(x)) return 2 * ((x * 0.5 - f->median * 0.5) / (BL_MEANAD_K * f->meanad));
    return d / (BL_MEANAD_K * f->meanad);
  }
  case BL_SRC_CONSTANT:
  case BL_SRC_SHRUNK: return scaled_diff(x, f->median, 1.0, f->scale);
  case BL_SRC_CONSTANT_ZERO: return x == f->median ? 0.0 : x > f->median ? INFINITY : -INFINITY;
  case BL_SRC_NONE: break;
  }
  return NAN;
}

int bl_feat_log_dispersion(const bl_feat *f, double *u, double *v) {
  double e;
  if (f->n_kept < 2 || !(f->mad > 0) || f->median == 0) return 0;
  bl_mad_moments(f->n_kept, &e, v);
  *u = log(f->mad / (BL_MAD_K * fabs(f->median))) - e;
  return isfinite(*u) && *v > 0;
}

void bl_feat_shrink(const bl_feat *f, const bl_prior *p, double constant_cv, bl_feat *out) {
  double u = 0, v = 0, w = 0, theta, scale;
  *out = *f;
  bl_feat_plain(out, constant_cv); /* from the raw statistics (bl.h 9) */
  if (!p || !p->has_prior || f->n == 0 || f->median == 0) return;
  if (bl_feat_log_dispersion(f, &u, &v)) w = p->tau2 / (p->tau2 + v);
  theta = w * u + (1 - w) * p->mu;
  scale = fabs(f->median) * exp(theta);
  if (!isfinite(scale) || !(scale > 0)) return;
  out->source = BL_SRC_SHRUNK;
  out->scale = scale;
  out->weight = w;
  out->prior_mu = p->mu;
  out->prior_tau2 = p->tau2;
}

/* The fleet prior for job feature i, by a merge over both sorted schemas:
** *fpos is the caller's cursor into the fleet, advanced here. */
static const bl_prior *prior_for(const bl_model *m, uint32_t i, const bl_model *fleet, uint32_t *fpos) {
  int c = 1;
  if (!fleet || fleet->role != BL_ROLE_FLEET) return NULL;
  while (*fpos < fleet->n_features &&
         (c = fv_name_cmp(fleet->names[*fpos].name, fleet->names[*fpos].name_len, m->names[i].name,
                          m->names[i].name_len)) < 0)
    (*fpos)++;
  return *fpos < fleet->n_features && c == 0 ? &fleet->priors[*fpos] : NULL;
}

/* Feature i as it scores: itself, or shrunk with the fleet into *tmp. */
static const bl_feat *scoring_feat(const bl_model *m, uint32_t i, const bl_model *fleet, uint32_t *fpos,
                                   bl_feat *tmp) {
  if (!fleet) return &m->feats[i];
  bl_feat_shrink(&m->feats[i], prior_for(m, i, fleet, fpos), m->constant_cv, tmp);
  return tmp;
}

double bl_score_x(const bl_model *m, const bl_model *fleet, const double *x, long *which) {
  double best = NAN;
  long at = -1;
  uint32_t fpos = 0;
  bl_feat tmp;
  if (which) *which = -1;
  if (m->role != BL_ROLE_JOB) return NAN;
  for (uint32_t i = 0; i < m->n_features; i++) {
    double z;
    if (isnan(x[i])) continue;
    z = bl_feat_z(scoring_feat(m, i, fleet, &fpos, &tmp), x[i]);
    if (isnan(z)) continue;
    if (at < 0 || fabs(z) > fabs(best)) {
      best = z;
      at = (long)i;
    }
  }
  if (which) *which = at;
  return best;
}

void bl_explain_x(const bl_model *m, const bl_model *fleet, const double *x, mdl_evidence *out) {
  double sum = 0;
  uint32_t n_inf = 0, fpos = 0;
  bl_feat tmp;
  if (m->role != BL_ROLE_JOB) {
    for (uint32_t i = 0; i < m->n_features; i++) {
      out[i].value = x[i];
      out[i].expected_lo = out[i].expected_hi = out[i].deviation = NAN;
      out[i].contribution = 0;
    }
    return;
  }
  for (uint32_t i = 0; i < m->n_features; i++) {
    const bl_feat *f = scoring_feat(m, i, fleet, &fpos, &tmp);
    double z = bl_feat_z(f, x[i]), a;
    out[i].value = x[i];
    if (f->source == BL_SRC_NONE) {
      out[i].expected_lo = out[i].expected_hi = NAN;
    } else {
      double half = m->threshold * f->scale;
      out[i].expected_lo = f->median - half;
      out[i].expected_hi = f->median + half;
    }
    if (isnan(z)) {
      out[i].deviation = NAN;
      out[i].contribution = -1; /* marks "not scored" until the shares are known */
      continue;
    }
    a = fabs(z);
    out[i].deviation = z;
    out[i].contribution = a;
    if (isinf(a)) n_inf++;
    else sum += a;
  }
  for (uint32_t i = 0; i < m->n_features; i++) {
    double a = out[i].contribution;
    if (a < 0) out[i].contribution = 0;
    else if (n_inf) out[i].contribution = isinf(a) ? 1.0 / n_inf : 0.0;
    else out[i].contribution = sum > 0 ? a / sum : 0.0;
  }
}

om_status bl_shrink(const bl_model *job, const bl_model *fleet, bl_model **out, uint32_t *shrunk, om_err *err) {
  bl_model *m;
  uint32_t fpos = 0, k = 0;
  *out = NULL;
  if (shrunk) *shrunk = 0;
  if (job->role != BL_ROLE_JOB || fleet->role != BL_ROLE_FLEET)
    return om_errf(err, OM_INVALID, "bl_shrink needs a job baseline and a fleet prior");
  m = om_calloc(1, sizeof *m);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  *m = *job;
  m->names = NULL;
  m->feats = NULL;
  m->priors = NULL;
  if (job->n_features) {
    m->names = om_malloc_array(job->n_features, sizeof *m->names);
    m->feats = om_malloc_array(job->n_features, sizeof *m->feats);
    if (!m->names || !m->feats) {
      bl_model_free(m);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    memcpy(m->names, job->names, job->n_features * sizeof *m->names);
  }
  for (uint32_t i = 0; i < job->n_features; i++) {
    bl_feat_shrink(&job->feats[i], prior_for(job, i, fleet, &fpos), job->constant_cv, &m->feats[i]);
    if (m->feats[i].source == BL_SRC_SHRUNK) k++;
  }
  if (shrunk) *shrunk = k;
  *out = m;
  return OM_OK;
}

void bl_model_free(bl_model *m) {
  if (!m) return;
  om_free(m->names);
  om_free(m->feats);
  om_free(m->priors);
  om_free(m);
}
