/*
** bl_codec.c — the baseline payload: writing it and validating every byte of
** it (byte map bl.h 7, checks bl.h 8).
**
** Behaviours:
**   1. bl_encode_payload writes exactly the bytes bl_decode_payload reads:
**      decode then encode gives the input back (fuzz_baseline.c checks it).
**   2. Every failure of the payload is OM_CORRUPT "baseline payload is
**      corrupt (<what>)", naming the feature (1-based, schema order) where
**      there is one; nothing is allocated on failure.
**   3. The consistency checks that recompute a value (a scale from the
**      MAD, MeanAD or median; tau2 from var_u and mean_v) use only IEEE
**      multiplication, division and subtraction, which give the same bits on
**      every platform; values from exp/log (a shrunk scale, mu) are only
**      range-checked.
*/
#include <math.h>
#include <string.h>

#include "../base/fv.h"
#include "bl.h"

static void put_f64s(om_wbuf *w, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++) om_wbuf_f64(w, v[i]);
}

void bl_encode_payload(const bl_model *m, om_wbuf *w) {
  om_wbuf_u8(w, m->role);
  om_wbuf_zeros(w, 7);
  om_wbuf_f64(w, m->threshold);
  om_wbuf_f64(w, m->constant_cv);
  om_wbuf_u32(w, m->n_levels);
  om_wbuf_u32(w, 0);
  put_f64s(w, m->levels, m->n_levels);
  for (uint32_t i = 0; i < m->n_features; i++) {
    if (m->role == BL_ROLE_JOB) {
      const bl_feat *f = &m->feats[i];
      om_wbuf_u8(w, f->source);
      om_wbuf_zeros(w, 7);
      om_wbuf_u64(w, f->n);
      om_wbuf_u64(w, f->n_kept);
      om_wbuf_f64(w, f->min);
      om_wbuf_f64(w, f->max);
      om_wbuf_f64(w, f->mean);
      om_wbuf_f64(w, f->sd);
      om_wbuf_f64(w, f->median);
      om_wbuf_f64(w, f->mad);
      om_wbuf_f64(w, f->meanad);
      put_f64s(w, f->q, m->n_levels);
      om_wbuf_f64(w, f->scale);
      om_wbuf_f64(w, f->weight);
      om_wbuf_f64(w, f->prior_mu);
      om_wbuf_f64(w, f->prior_tau2);
    } else {
      const bl_prior *p = &m->priors[i];
      om_wbuf_u8(w, p->has_prior);
      om_wbuf_zeros(w, 7);
      om_wbuf_u64(w, p->jobs);
      om_wbuf_u64(w, p->jobs_used);
      om_wbuf_f64(w, p->mu);
      om_wbuf_f64(w, p->tau2);
      om_wbuf_f64(w, p->var_u);
      om_wbuf_f64(w, p->mean_v);
    }
  }
}

static int reserved_zero(om_rbuf *r, size_t n) {
  const uint8_t *p = om_rbuf_bytes(r, n);
  if (!p) return 0;
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

#define BAD(what) om_errf(err, OM_CORRUPT, "baseline payload is corrupt (%s)", what)
#define BAD_FEAT(what) om_errf(err, OM_CORRUPT, "baseline payload is corrupt (feature %u: %s)", i + 1, what)

/* bl.h 8 for one job feature; i is its index (for messages). */
static om_status check_feat(const bl_model *m, const bl_feat *f, uint32_t i, om_err *err) {
  const double *all[] = {&f->min, &f->max, &f->mean, &f->sd, &f->median, &f->mad, &f->meanad,
                         &f->scale, &f->weight, &f->prior_mu, &f->prior_tau2};
  double run;
  uint32_t k;
  for (k = 0; k < sizeof all / sizeof all[0]; k++)
    if (!isfinite(*all[k])) return BAD_FEAT("a statistic is not finite");
  for (k = 0; k < m->n_levels; k++)
    if (!isfinite(f->q[k])) return BAD_FEAT("a quantile is not finite");
  if (f->n_kept > f->n) return BAD_FEAT("more values kept than seen");
  if (f->n == 0 || f->n_kept == 0) {
    int zero = f->n == 0 && f->n_kept == 0 && f->source == BL_SRC_NONE;
    for (k = 0; zero && k < sizeof all / sizeof all[0]; k++)
      if (*all[k] != 0 || signbit(*all[k])) zero = 0;
    for (k = 0; zero && k < m->n_levels; k++)
      if (f->q[k] != 0 || signbit(f->q[k])) zero = 0;
    return zero ? OM_OK : BAD_FEAT("a feature without values must be all zeros");
  }
  if (!(f->min <= f->max) || f->mean < f->min || f->mean > f->max) return BAD_FEAT("min, mean and max out of order");
  if (f->median < f->min || f->median > f->max) return BAD_FEAT("median outside [min, max]");
  run = f->min;
  for (k = 0; k < m->n_levels; k++) {
    if (m->levels[k] >= 0.5 && run < f->median) run = f->median;
    if (m->levels[k] < 0.5 && f->q[k] > f->median) return BAD_FEAT("quantiles not sorted");
    if (f->q[k] < run || f->q[k] > f->max) return BAD_FEAT("quantiles not sorted");
    run = f->q[k];
  }
  if (f->sd < 0 || f->mad < 0 || f->meanad < 0 || signbit(f->sd) || signbit(f->mad) || signbit(f->meanad))
    return BAD_FEAT("a negative spread");
  {
    bl_feat plain = *f;
    bl_feat_plain(&plain, m->constant_cv);
    /* the raw statistics always give a usable plain scale: shrinking again
    ** (which starts from them) never produces a model that would not load */
    if (!isfinite(plain.scale)) return BAD_FEAT("scale does not match the statistics");
    if (f->source == BL_SRC_SHRUNK) {
      if (f->median == 0 || !(f->scale > 0) || !(f->weight >= 0 && f->weight <= 1) || f->prior_tau2 < 0 ||
          signbit(f->prior_tau2))
        return BAD_FEAT("inconsistent shrinkage");
      return OM_OK;
    }
    if (plain.source != f->source) return BAD_FEAT("scale source does not match the statistics");
    if (memcmp(&plain.scale, &f->scale, sizeof f->scale) != 0 || plain.weight != f->weight ||
        f->prior_mu != 0 || f->prior_tau2 != 0 || signbit(f->prior_mu) || signbit(f->prior_tau2))
      return BAD_FEAT("scale does not match the statistics");
  }
  return OM_OK;
}

static om_status check_prior(const bl_prior *p, uint32_t i, om_err *err) {
  if (!isfinite(p->mu) || !isfinite(p->tau2) || !isfinite(p->var_u) || !isfinite(p->mean_v))
    return BAD_FEAT("a statistic is not finite");
  if (p->jobs_used > p->jobs) return BAD_FEAT("more jobs used than seen");
  if (p->has_prior > 1 || (p->has_prior != 0) != (p->jobs_used >= BL_MIN_FLEET_JOBS))
    return BAD_FEAT("prior flag does not match the job count");
  if (!p->has_prior) {
    if (p->mu != 0 || p->tau2 != 0 || p->var_u != 0 || p->mean_v != 0 || signbit(p->mu) || signbit(p->tau2) ||
        signbit(p->var_u) || signbit(p->mean_v))
      return BAD_FEAT("a feature without a prior must be all zeros");
    return OM_OK;
  }
  if (p->var_u < 0 || p->mean_v < 0 || signbit(p->var_u) || signbit(p->mean_v))
    return BAD_FEAT("a negative variance");
  {
    double t = p->var_u - p->mean_v;
    if (!(t > 0)) t = 0;
    if (memcmp(&t, &p->tau2, sizeof t) != 0) return BAD_FEAT("tau2 does not match var_u and mean_v");
  }
  return OM_OK;
}

om_status bl_decode_payload(const uint8_t *p, size_t n, const mdl_feature *names, uint32_t n_features,
                            bl_model **out, om_err *err) {
  om_rbuf r;
  bl_model *m;
  om_status st;
  size_t per;
  *out = NULL;
  om_rbuf_init(&r, p, n);
  m = om_calloc(1, sizeof *m);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  m->role = om_rbuf_u8(&r);
  if (!reserved_zero(&r, 7)) {
    st = BAD("header");
    goto fail;
  }
  m->threshold = om_rbuf_f64(&r);
  m->constant_cv = om_rbuf_f64(&r);
  m->n_levels = om_rbuf_u32(&r);
  if (!reserved_zero(&r, 4) || m->role > BL_ROLE_FLEET || m->n_levels > BL_MAX_LEVELS) {
    st = BAD("header");
    goto fail;
  }
  for (uint32_t k = 0; k < m->n_levels; k++) m->levels[k] = om_rbuf_f64(&r);
  if (!om_rbuf_ok(&r)) {
    st = BAD("truncated");
    goto fail;
  }
  if (m->role == BL_ROLE_JOB) {
    if (!(m->threshold > 0 && m->threshold <= BL_MAX_THRESHOLD) || !(m->constant_cv > 0 && m->constant_cv <= 1)) {
      st = BAD("threshold or constant_cv out of range");
      goto fail;
    }
    for (uint32_t k = 0; k < m->n_levels; k++)
      if (!(m->levels[k] >= 0 && m->levels[k] <= 1) || (k > 0 && !(m->levels[k] > m->levels[k - 1])) ||
          signbit(m->levels[k])) {
        st = BAD("quantile levels");
        goto fail;
      }
    per = 8 + 16 + 8 * (7 + (size_t)m->n_levels + 4);
  } else {
    if (m->n_levels != 0 || m->threshold != 0 || m->constant_cv != 0 || signbit(m->threshold) ||
        signbit(m->constant_cv)) {
      st = BAD("a fleet prior has no threshold, constant_cv or levels");
      goto fail;
    }
    per = 8 + 16 + 8 * 4;
  }
  if (r.left / per != n_features || r.left % per != 0) {
    st = BAD("length does not match the features");
    goto fail;
  }
  m->n_features = n_features;
  if (n_features) {
    m->names = om_malloc_array(n_features, sizeof *m->names);
    if (m->role == BL_ROLE_JOB) m->feats = om_calloc(n_features, sizeof *m->feats);
    else m->priors = om_calloc(n_features, sizeof *m->priors);
    if (!m->names || (!m->feats && !m->priors)) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
    memcpy(m->names, names, n_features * sizeof *m->names);
  }
  for (uint32_t i = 0; i < n_features; i++) {
    if (names[i].type != FV_NUMERIC) {
      st = BAD_FEAT("a baseline feature must be numeric");
      goto fail;
    }
    if (m->role == BL_ROLE_JOB) {
      bl_feat *f = &m->feats[i];
      f->source = om_rbuf_u8(&r);
      if (!reserved_zero(&r, 7) || f->source > BL_SRC_SHRUNK) {
        st = BAD_FEAT("source");
        goto fail;
      }
      f->n = om_rbuf_u64(&r);
      f->n_kept = om_rbuf_u64(&r);
      f->min = om_rbuf_f64(&r);
      f->max = om_rbuf_f64(&r);
      f->mean = om_rbuf_f64(&r);
      f->sd = om_rbuf_f64(&r);
      f->median = om_rbuf_f64(&r);
      f->mad = om_rbuf_f64(&r);
      f->meanad = om_rbuf_f64(&r);
      for (uint32_t k = 0; k < m->n_levels; k++) f->q[k] = om_rbuf_f64(&r);
      f->scale = om_rbuf_f64(&r);
      f->weight = om_rbuf_f64(&r);
      f->prior_mu = om_rbuf_f64(&r);
      f->prior_tau2 = om_rbuf_f64(&r);
      if ((st = check_feat(m, f, i, err)) != OM_OK) goto fail;
    } else {
      bl_prior *q = &m->priors[i];
      q->has_prior = om_rbuf_u8(&r);
      if (!reserved_zero(&r, 7)) {
        st = BAD_FEAT("reserved bytes");
        goto fail;
      }
      q->jobs = om_rbuf_u64(&r);
      q->jobs_used = om_rbuf_u64(&r);
      q->mu = om_rbuf_f64(&r);
      q->tau2 = om_rbuf_f64(&r);
      q->var_u = om_rbuf_f64(&r);
      q->mean_v = om_rbuf_f64(&r);
      if ((st = check_prior(q, i, err)) != OM_OK) goto fail;
    }
  }
  if (!om_rbuf_ok(&r) || r.left != 0) { /* unreachable after the length check; kept as a guard */
    st = BAD("length does not match the features");
    goto fail;
  }
  *out = m;
  return OM_OK;
fail:
  bl_model_free(m);
  return st;
}

om_status bl_decode(const mdl_view *v, bl_model **out, om_err *err) {
  *out = NULL;
  if (v->kind != MDL_KIND_BASELINE) return mdl_kind_mismatch(v->kind, MDL_KIND_BASELINE, err);
  if (v->payload_version != BL_FORMAT)
    return om_errf(err, OM_UNSUPPORTED_VERSION, "baseline payload version %u is not supported (this build reads %d)",
                   v->payload_version, BL_FORMAT);
  return bl_decode_payload(v->payload, v->payload_len, v->features, v->n_features, out, err);
}

om_status bl_open(const uint8_t *blob, size_t n, mdl_view *view, bl_model **out, om_err *err) {
  om_status st = mdl_open(blob, n, view, err);
  *out = NULL;
  if (st != OM_OK) return st;
  st = bl_decode(view, out, err);
  if (st != OM_OK) mdl_view_free(view);
  return st;
}

om_status bl_write(const bl_model *m, const mdl_meta *meta, om_wbuf *w, om_err *err) {
  om_wbuf payload;
  om_status st;
  om_wbuf_init(&payload);
  bl_encode_payload(m, &payload);
  if (om_wbuf_status(&payload) != OM_OK) {
    om_wbuf_free(&payload);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  st = mdl_write(w, MDL_KIND_BASELINE, BL_FORMAT, m->names, m->n_features, meta, payload.data, payload.len, err);
  om_wbuf_free(&payload);
  return st;
}
