/*
** ts_fc_codec.c — the forecast payload (ts_fc.h behaviour 3), model_info's
** detail and the envelope's metrics.
**
** Behaviours (besides ts_fc.h's):
**   1. ts_fc_decode validates in byte order and stops at the first problem,
**      naming it ("forecast payload truncated in the series", "forecast
**      ETS alpha 1.5 is outside [0, 1]", ...); on failure *out is empty and
**      nothing is leaked.  Values are checked for the ranges the fit can
**      produce (alpha in (0, 1], beta in [0, alpha], gamma in [0, 1], phi
**      in (0, 1], sigma2 >= 0,
**      finite states, times and values), so a decoded model forecasts
**      without NaN from the arithmetic of a corrupt BLOB.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ts_boxcox.h"
#include "ts_fc.h"

static void enc_ets(const ts_ets_model *e, om_wbuf *w) {
  int ns = ts_ets_nstate(&e->spec);
  om_wbuf_u8(w, (uint8_t)e->spec.error);
  om_wbuf_u8(w, (uint8_t)e->spec.trend);
  om_wbuf_u8(w, (uint8_t)e->spec.damped);
  om_wbuf_u8(w, (uint8_t)e->spec.season);
  om_wbuf_u32(w, (uint32_t)e->spec.m);
  om_wbuf_f64(w, e->alpha);
  om_wbuf_f64(w, e->beta);
  om_wbuf_f64(w, e->gamma);
  om_wbuf_f64(w, e->phi);
  om_wbuf_f64(w, e->sigma2);
  om_wbuf_f64(w, e->loglik);
  om_wbuf_f64(w, e->aic);
  om_wbuf_f64(w, e->aicc);
  om_wbuf_f64(w, e->bic);
  om_wbuf_f64(w, e->mse);
  om_wbuf_u32(w, (uint32_t)e->k);
  om_wbuf_u32(w, (uint32_t)e->n);
  for (int i = 0; i < ns; i++) om_wbuf_f64(w, e->x0[i]);
  for (int i = 0; i < ns; i++) om_wbuf_f64(w, e->xn[i]);
}

static void enc_arima(const ts_arima_model *a, om_wbuf *w) {
  const ts_arima_spec *s = &a->spec;
  om_wbuf_u8(w, (uint8_t)s->p);
  om_wbuf_u8(w, (uint8_t)s->d);
  om_wbuf_u8(w, (uint8_t)s->q);
  om_wbuf_u8(w, (uint8_t)s->P);
  om_wbuf_u8(w, (uint8_t)s->D);
  om_wbuf_u8(w, (uint8_t)s->Q);
  om_wbuf_u8(w, (uint8_t)s->constant);
  om_wbuf_u8(w, (uint8_t)a->method);
  om_wbuf_u32(w, (uint32_t)s->s);
  for (int i = 0; i < s->p; i++) om_wbuf_f64(w, a->ar[i]);
  for (int i = 0; i < s->q; i++) om_wbuf_f64(w, a->ma[i]);
  for (int i = 0; i < s->P; i++) om_wbuf_f64(w, a->sar[i]);
  for (int i = 0; i < s->Q; i++) om_wbuf_f64(w, a->sma[i]);
  om_wbuf_f64(w, a->mu);
  om_wbuf_f64(w, a->sigma2);
  om_wbuf_f64(w, a->loglik);
  om_wbuf_f64(w, a->aic);
  om_wbuf_f64(w, a->aicc);
  om_wbuf_f64(w, a->bic);
  om_wbuf_u32(w, (uint32_t)a->k);
  om_wbuf_u32(w, (uint32_t)a->n_used);
}

static void enc_theta(const ts_theta_model *t, om_wbuf *w) {
  om_wbuf_u8(w, (uint8_t)t->season);
  om_wbuf_zeros(w, 3);
  om_wbuf_u32(w, (uint32_t)t->m);
  om_wbuf_f64(w, t->acf_stat);
  om_wbuf_f64(w, t->alpha);
  om_wbuf_f64(w, t->level);
  om_wbuf_f64(w, t->b0);
  om_wbuf_f64(w, t->sigma2);
  om_wbuf_f64(w, t->ma);
  om_wbuf_f64(w, t->drift);
  om_wbuf_f64(w, t->mse);
  om_wbuf_u64(w, t->n);
  if (t->season != TS_NONE)
    for (int j = 0; j < t->m; j++) om_wbuf_f64(w, t->idx[j]);
}

static om_status dec_theta(om_rbuf *r, const ts_fc *out, ts_theta_model *t, om_err *err) {
  const uint8_t *z;
  uint64_t n;
  t->season = om_rbuf_u8(r);
  z = om_rbuf_bytes(r, 3);
  t->m = (int)om_rbuf_u32(r);
  t->acf_stat = om_rbuf_f64(r);
  t->alpha = om_rbuf_f64(r);
  t->level = om_rbuf_f64(r);
  t->b0 = om_rbuf_f64(r);
  t->sigma2 = om_rbuf_f64(r);
  t->ma = om_rbuf_f64(r);
  t->drift = om_rbuf_f64(r);
  t->mse = om_rbuf_f64(r);
  n = om_rbuf_u64(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "forecast payload truncated in the theta model");
  if (z[0] || z[1] || z[2] || t->season > TS_MUL || t->m < 1 || t->m > TS_FC_MAX_PERIOD)
    return om_errf(err, OM_CORRUPT, "forecast theta model has bad flags");
  if (t->season != TS_NONE && (out->adjusted || out->n_periods != 1 || out->periods[0] != t->m))
    return om_errf(err, OM_CORRUPT, "forecast theta season length %d does not match the model's", t->m);
  if (!(t->alpha > 0 && t->alpha <= 1)) return om_errf(err, OM_CORRUPT, "forecast theta alpha %g is outside (0, 1]", t->alpha);
  if (!isfinite(t->level) || !isfinite(t->b0) || !(t->sigma2 >= 0) || !isfinite(t->sigma2) || !isfinite(t->mse) ||
      !isfinite(t->ma) || !isfinite(t->drift))
    return om_errf(err, OM_CORRUPT, "forecast theta model has a value that is not finite");
  if (n != out->n) return om_errf(err, OM_CORRUPT, "forecast theta model counts %llu points", (unsigned long long)n);
  t->n = (size_t)n;
  if (t->season != TS_NONE) {
    if ((size_t)t->m * 8 > r->left) return om_errf(err, OM_CORRUPT, "forecast payload truncated in the theta indices");
    t->idx = om_malloc_array((size_t)t->m, sizeof *t->idx);
    if (!t->idx) return om_errf(err, OM_NOMEM, "out of memory");
    for (int j = 0; j < t->m; j++) {
      t->idx[j] = om_rbuf_f64(r);
      if (!isfinite(t->idx[j]) || (t->season == TS_MUL && !(t->idx[j] > 0)))
        return om_errf(err, OM_CORRUPT, "forecast theta seasonal index is invalid");
    }
  }
  return OM_OK;
}

static void theta_name(const ts_theta_model *t, char *buf /* >= 64 */) {
  if (t->season == TS_NONE) strcpy(buf, "Theta");
  else snprintf(buf, 64, "Theta (%s season %d)", t->season == TS_MUL ? "multiplicative" : "additive", t->m);
}

void ts_fc_encode(const ts_fc *m, om_wbuf *w) {
  om_wbuf_u8(w, (uint8_t)m->method);
  om_wbuf_u8(w, (uint8_t)m->ts_text);
  om_wbuf_u8(w, (uint8_t)m->fill);
  om_wbuf_u8(w, (uint8_t)m->n_periods);
  om_wbuf_u8(w, (uint8_t)m->periods_given);
  om_wbuf_u8(w, (uint8_t)m->months);
  om_wbuf_zeros(w, 2);
  for (int k = 0; k < TS_MAX_PERIODS; k++) om_wbuf_u32(w, (uint32_t)(k < m->n_periods ? m->periods[k] : 0));
  om_wbuf_f64(w, m->t0);
  om_wbuf_f64(w, m->step);
  om_wbuf_u64(w, m->n);
  om_wbuf_u64(w, m->filled);
  om_wbuf_u32(w, (uint32_t)m->tried);
  /* version 2 */
  om_wbuf_u8(w, (uint8_t)m->core);
  om_wbuf_u8(w, (uint8_t)m->transform);
  om_wbuf_u8(w, (uint8_t)m->adjusted);
  om_wbuf_u8(w, (uint8_t)m->n_cand);
  om_wbuf_f64(w, m->transform ? m->lambda : 0);
  for (int i = 0; i < m->n_cand; i++) {
    const ts_fc_cand *c = &m->cand[i];
    om_wbuf_u8(w, (uint8_t)c->family);
    for (int k = 0; k < 7; k++) om_wbuf_u8(w, (uint8_t)c->order[k]);
    om_wbuf_u32(w, (uint32_t)c->season);
    om_wbuf_u32(w, (uint32_t)c->tried);
    om_wbuf_f64(w, c->aicc);
  }
  switch (m->core) {
  case TS_METHOD_ETS: enc_ets(&m->ets, w); break;
  case TS_METHOD_ARIMA: enc_arima(&m->arima, w); break;
  case TS_METHOD_THETA: enc_theta(&m->theta, w); break;
  default: om_wbuf_f64(w, m->ets.sigma2);
  }
  if (m->adjusted)
    for (int k = 0; k < m->n_periods; k++)
      for (int j = 0; j < m->periods[k]; j++) om_wbuf_f64(w, m->season[k][j]);
  for (size_t t = 0; t < m->n; t++) om_wbuf_f64(w, m->y[t]);
}

#define BAD(...)                                                                                                  \
  do {                                                                                                            \
    st = om_errf(err, OM_CORRUPT, __VA_ARGS__);                                                                   \
    goto fail;                                                                                                    \
  } while (0)

static int unit(double v) { return v >= 0 && v <= 1; }

static om_status dec_ets(om_rbuf *r, ts_fc *out, om_err *err) {
  ts_ets_model *e = &out->ets;
  int ns;
  e->spec.error = om_rbuf_u8(r);
  e->spec.trend = om_rbuf_u8(r);
  e->spec.damped = om_rbuf_u8(r);
  e->spec.season = om_rbuf_u8(r);
  e->spec.m = (int)om_rbuf_u32(r);
  e->alpha = om_rbuf_f64(r);
  e->beta = om_rbuf_f64(r);
  e->gamma = om_rbuf_f64(r);
  e->phi = om_rbuf_f64(r);
  e->sigma2 = om_rbuf_f64(r);
  e->loglik = om_rbuf_f64(r);
  e->aic = om_rbuf_f64(r);
  e->aicc = om_rbuf_f64(r);
  e->bic = om_rbuf_f64(r);
  e->mse = om_rbuf_f64(r);
  e->k = (int)om_rbuf_u32(r);
  e->n = (int)om_rbuf_u32(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "forecast payload truncated in the ETS model");
  if (e->spec.error < TS_ADD || e->spec.error > TS_MUL || e->spec.trend > TS_ADD || e->spec.damped > 1 ||
      e->spec.season > TS_MUL || (e->spec.damped && !e->spec.trend))
    return om_errf(err, OM_CORRUPT, "forecast ETS components are invalid");
  if (e->spec.season ? (e->spec.m < 2 || e->spec.m > TS_ETS_MAX_M) : e->spec.m != 1)
    return om_errf(err, OM_CORRUPT, "forecast ETS season length %d is invalid", e->spec.m);
  if (out->adjusted && e->spec.season) return om_errf(err, OM_CORRUPT, "forecast mstl model with a seasonal ETS");
  if (!out->adjusted && e->spec.season && (out->n_periods != 1 || out->periods[0] != e->spec.m))
    return om_errf(err, OM_CORRUPT, "forecast ETS season length %d does not match the model's", e->spec.m);
  if (!unit(e->alpha) || !(e->alpha > 0))
    return om_errf(err, OM_CORRUPT, "forecast ETS alpha %g is outside (0, 1]", e->alpha);
  if (!unit(e->beta) || (e->spec.trend && e->beta > e->alpha))
    return om_errf(err, OM_CORRUPT, "forecast ETS beta %g is outside [0, alpha]", e->beta);
  if (!unit(e->gamma)) return om_errf(err, OM_CORRUPT, "forecast ETS gamma %g is outside [0, 1]", e->gamma);
  if (!(e->phi > 0 && e->phi <= 1)) return om_errf(err, OM_CORRUPT, "forecast ETS phi %g is outside (0, 1]", e->phi);
  if (!(e->sigma2 >= 0) || !isfinite(e->sigma2))
    return om_errf(err, OM_CORRUPT, "forecast ETS sigma2 %g is invalid", e->sigma2);
  if (e->k < 1 || e->k > 64 || e->n < 0) return om_errf(err, OM_CORRUPT, "forecast ETS counts are invalid");
  ns = ts_ets_nstate(&e->spec);
  for (int i = 0; i < ns; i++) e->x0[i] = om_rbuf_f64(r);
  for (int i = 0; i < ns; i++) e->xn[i] = om_rbuf_f64(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "forecast payload truncated in the ETS states");
  for (int i = 0; i < ns; i++)
    if (!isfinite(e->x0[i]) || !isfinite(e->xn[i]))
      return om_errf(err, OM_CORRUPT, "forecast ETS state %d is not finite", i);
  return OM_OK;
}

static om_status dec_arima(om_rbuf *r, ts_fc *out, om_err *err) {
  ts_arima_model *a = &out->arima;
  ts_arima_spec *s = &a->spec, norm;
  om_err e2;
  s->p = om_rbuf_u8(r);
  s->d = om_rbuf_u8(r);
  s->q = om_rbuf_u8(r);
  s->P = om_rbuf_u8(r);
  s->D = om_rbuf_u8(r);
  s->Q = om_rbuf_u8(r);
  s->constant = om_rbuf_u8(r);
  a->method = om_rbuf_u8(r);
  s->s = (int)om_rbuf_u32(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "forecast payload truncated in the ARIMA model");
  if (s->constant > 1 || a->method > TS_ARIMA_CSS || ts_arima_check_spec(s, &norm, &e2) != OM_OK || norm.s != s->s)
    return om_errf(err, OM_CORRUPT, "forecast ARIMA orders are invalid");
  if (s->s > 1 && (out->adjusted || out->n_periods != 1 || out->periods[0] != s->s))
    return om_errf(err, OM_CORRUPT, "forecast ARIMA season length %d does not match the model's", s->s);
  for (int i = 0; i < s->p; i++) a->ar[i] = om_rbuf_f64(r);
  for (int i = 0; i < s->q; i++) a->ma[i] = om_rbuf_f64(r);
  for (int i = 0; i < s->P; i++) a->sar[i] = om_rbuf_f64(r);
  for (int i = 0; i < s->Q; i++) a->sma[i] = om_rbuf_f64(r);
  a->mu = om_rbuf_f64(r);
  a->sigma2 = om_rbuf_f64(r);
  a->loglik = om_rbuf_f64(r);
  a->aic = om_rbuf_f64(r);
  a->aicc = om_rbuf_f64(r);
  a->bic = om_rbuf_f64(r);
  a->k = (int)om_rbuf_u32(r);
  a->n_used = (int)om_rbuf_u32(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "forecast payload truncated in the ARIMA model");
  for (int i = 0; i < s->p; i++)
    if (!(fabs(a->ar[i]) < 1e6)) return om_errf(err, OM_CORRUPT, "forecast ARIMA coefficient is invalid");
  for (int i = 0; i < s->q; i++)
    if (!(fabs(a->ma[i]) < 1e6)) return om_errf(err, OM_CORRUPT, "forecast ARIMA coefficient is invalid");
  for (int i = 0; i < s->P; i++)
    if (!(fabs(a->sar[i]) < 1e6)) return om_errf(err, OM_CORRUPT, "forecast ARIMA coefficient is invalid");
  for (int i = 0; i < s->Q; i++)
    if (!(fabs(a->sma[i]) < 1e6)) return om_errf(err, OM_CORRUPT, "forecast ARIMA coefficient is invalid");
  if (!isfinite(a->mu) || (!s->constant && a->mu != 0)) return om_errf(err, OM_CORRUPT, "forecast ARIMA mean is invalid");
  if (!(a->sigma2 >= 0) || !isfinite(a->sigma2))
    return om_errf(err, OM_CORRUPT, "forecast ARIMA sigma2 %g is invalid", a->sigma2);
  if (a->k != s->p + s->q + s->P + s->Q + s->constant + 1 || a->n_used < 1)
    return om_errf(err, OM_CORRUPT, "forecast ARIMA counts are invalid");
  return OM_OK;
}

om_status ts_fc_decode(const uint8_t *p, size_t len, ts_fc *out, om_err *err) {
  return ts_fc_decode_version(p, len, TS_FC_FORMAT, out, err);
}

om_status ts_fc_decode_version(const uint8_t *p, size_t len, unsigned version, ts_fc *out, om_err *err) {
  om_rbuf r;
  om_status st = OM_OK;
  uint64_t n, filled;
  const uint8_t *z;
  memset(out, 0, sizeof *out);
  if (version < 1 || version > TS_FC_FORMAT) return om_errf(err, OM_CORRUPT, "forecast payload version %u", version);
  om_rbuf_init(&r, p, len);
  out->method = om_rbuf_u8(&r);
  out->ts_text = om_rbuf_u8(&r);
  out->fill = om_rbuf_u8(&r);
  out->n_periods = om_rbuf_u8(&r);
  out->periods_given = om_rbuf_u8(&r);
  out->months = om_rbuf_u8(&r);
  z = om_rbuf_bytes(&r, 2);
  for (int k = 0; k < TS_MAX_PERIODS; k++) out->periods[k] = (int)om_rbuf_u32(&r);
  out->t0 = om_rbuf_f64(&r);
  out->step = om_rbuf_f64(&r);
  n = om_rbuf_u64(&r);
  filled = om_rbuf_u64(&r);
  out->tried = (int)om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in the header");
  if (version == 1 ? (out->method < TS_METHOD_ETS || out->method > TS_METHOD_SNAIVE) : out->method > TS_METHOD_LAST)
    BAD("forecast method %d is unknown", out->method);
  if (out->ts_text > 1 || out->periods_given > 1 || out->months > 1 || out->fill > TS_FILL_PREVIOUS || z[0] || z[1])
    BAD("forecast payload has bad flags");
  if (out->n_periods > TS_MAX_PERIODS) BAD("forecast model has %d season lengths", out->n_periods);
  for (int k = 0; k < TS_MAX_PERIODS; k++) {
    if (k < out->n_periods && (out->periods[k] < 2 || out->periods[k] > TS_FC_MAX_PERIOD))
      BAD("forecast season length %d is outside 2..%d", out->periods[k], TS_FC_MAX_PERIOD);
    if (k >= out->n_periods && out->periods[k] != 0) BAD("forecast payload has an unused season length");
  }
  if (!isfinite(out->t0) || !(out->step > 0) || !isfinite(out->step)) BAD("forecast times are not finite");
  if (out->months && (out->step != floor(out->step) || out->step > 1200 || fabs(out->t0) > 2.6e11 ||
                      fmod(out->t0, 86400) != 0))
    BAD("forecast calendar grid is invalid");
  if (n < 3 || n > TS_SERIES_MAX || filled >= n)
    BAD("forecast series of %llu points (%llu filled)", (unsigned long long)n, (unsigned long long)filled);
  if (out->tried < 0 || out->tried > 4096) BAD("forecast payload counts %d candidates", out->tried);
  out->n = (size_t)n;
  out->filled = (size_t)filled;
  if (version == 1) {
    out->core = out->method == TS_METHOD_MSTL ? TS_METHOD_ETS : out->method;
    out->adjusted = out->method == TS_METHOD_MSTL;
    if (out->tried > 64) BAD("forecast payload counts %d candidates", out->tried);
  } else {
    out->core = om_rbuf_u8(&r);
    out->transform = om_rbuf_u8(&r);
    out->adjusted = om_rbuf_u8(&r);
    out->n_cand = om_rbuf_u8(&r);
    out->lambda = om_rbuf_f64(&r);
    if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in the header");
    if (out->transform > TS_TRANSFORM_BOXCOX || out->adjusted > 1 || out->n_cand > TS_FC_MAX_CAND)
      BAD("forecast payload has bad flags");
    if (out->transform ? !(out->lambda >= -1 && out->lambda <= 2) : out->lambda != 0)
      BAD("forecast Box-Cox lambda %g is outside [-1, 2]", out->lambda);
    for (int i = 0; i < out->n_cand; i++) {
      ts_fc_cand *c = &out->cand[i];
      c->family = om_rbuf_u8(&r);
      for (int k = 0; k < 7; k++) c->order[k] = om_rbuf_u8(&r);
      c->season = (int)om_rbuf_u32(&r);
      c->tried = (int)om_rbuf_u32(&r);
      c->aicc = om_rbuf_f64(&r);
      if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in the candidates");
      if ((c->family != TS_METHOD_ETS && c->family != TS_METHOD_ARIMA && c->family != TS_METHOD_THETA) ||
          c->season < 1 || c->season > TS_FC_MAX_PERIOD || c->tried < 0 || c->tried > 4096)
        BAD("forecast candidate %d is invalid", i);
      for (int k = 0; k < 7; k++)
        if (c->order[k] > 5) BAD("forecast candidate %d is invalid", i);
      if (c->family == TS_METHOD_THETA && c->order[0] > TS_MUL) BAD("forecast candidate %d is invalid", i);
    }
    /* the method and its core */
    switch (out->method) {
    case TS_METHOD_NAIVE:
    case TS_METHOD_SNAIVE:
    case TS_METHOD_ETS:
    case TS_METHOD_ARIMA:
    case TS_METHOD_THETA:
      if (out->core != out->method || out->adjusted) BAD("forecast %s model has a %s core", ts_fc_method_name(out->method), ts_fc_method_name(out->core));
      break;
    case TS_METHOD_AUTO:
    case TS_METHOD_MSTL:
      if ((out->core != TS_METHOD_ETS && out->core != TS_METHOD_ARIMA && out->core != TS_METHOD_THETA) ||
          out->adjusted != (out->method == TS_METHOD_MSTL))
        BAD("forecast %s model has a %s core", ts_fc_method_name(out->method), ts_fc_method_name(out->core));
      break;
    default: BAD("forecast method %d is unknown", out->method);
    }
  }
  if (out->core == TS_METHOD_SNAIVE && (out->n_periods < 1 || (size_t)out->periods[0] >= out->n))
    BAD("forecast snaive model without a usable season length");
  if (out->adjusted && out->n_periods < 1) BAD("forecast mstl model without a season length");
  switch (out->core) {
  case TS_METHOD_ETS: st = dec_ets(&r, out, err); break;
  case TS_METHOD_ARIMA: st = dec_arima(&r, out, err); break;
  case TS_METHOD_THETA: st = dec_theta(&r, out, &out->theta, err); break;
  default:
    out->ets.sigma2 = om_rbuf_f64(&r);
    if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in sigma2");
    if (!(out->ets.sigma2 >= 0) || !isfinite(out->ets.sigma2)) BAD("forecast sigma2 is invalid");
  }
  if (st != OM_OK) goto fail;
  if (out->adjusted) {
    for (int k = 0; k < out->n_periods; k++) {
      size_t pk = (size_t)out->periods[k];
      if (pk * 8 > r.left) BAD("forecast payload truncated in the seasonal indices");
      out->season[k] = om_malloc_array(pk, sizeof(double));
      if (!out->season[k]) {
        st = om_errf(err, OM_NOMEM, "out of memory");
        goto fail;
      }
      for (size_t j = 0; j < pk; j++) {
        out->season[k][j] = om_rbuf_f64(&r);
        if (!isfinite(out->season[k][j])) BAD("forecast seasonal index is not finite");
      }
    }
  }
  if (out->n * 8 != r.left) BAD("forecast payload holds %zu bytes for a series of %zu points", r.left, out->n);
  out->y = om_malloc_array(out->n, sizeof *out->y);
  if (!out->y) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto fail;
  }
  for (size_t t = 0; t < out->n; t++) {
    out->y[t] = om_rbuf_f64(&r);
    if (!isfinite(out->y[t])) BAD("forecast series value %zu is not finite", t);
  }
  if (out->transform && !ts_boxcox_ok(out->y, out->n, out->lambda))
    BAD("forecast series has values the Box-Cox transform cannot take");
  st = ts_fc_prepare(out, err);
  if (st != OM_OK) goto fail;
  if (out->core == TS_METHOD_ARIMA) {
    const double *x = out->x ? out->x : out->y;
    size_t burn = (size_t)(out->arima.spec.d + out->arima.spec.s * out->arima.spec.D);
    if (burn + 2 > out->n) BAD("forecast ARIMA model is longer than its series");
    if (!isfinite(ts_arima_loglik(&out->arima, x, out->n))) BAD("forecast ARIMA model cannot be evaluated");
  }
  if (out->x)
    for (size_t t = 0; t < out->n; t++)
      if (!isfinite(out->x[t])) BAD("forecast transformed series value %zu is not finite", t);
  return OM_OK;
fail:
  ts_fc_free(out);
  return st;
}

/* A candidate's model name ("ETS(A,N,A)", "ARIMA(1,0,1) with non-zero mean", "Theta"). */
static void cand_name(const ts_fc_cand *c, char *buf /* >= 64 */) {
  if (c->family == TS_METHOD_ETS) {
    ts_ets_spec sp = {c->order[0], c->order[1], c->order[2], c->order[3], c->season};
    ts_ets_name(&sp, buf);
  } else if (c->family == TS_METHOD_ARIMA) {
    ts_arima_spec sp = {c->order[0], c->order[1], c->order[2], c->order[3], c->order[4], c->order[5], c->season,
                        c->order[6]};
    ts_arima_name(&sp, buf);
  } else {
    ts_theta_model t;
    memset(&t, 0, sizeof t);
    t.season = c->order[0];
    t.m = c->season;
    theta_name(&t, buf);
  }
}

static void core_name(const ts_fc *m, char *buf /* >= 64 */) {
  switch (m->core) {
  case TS_METHOD_ETS: ts_ets_name(&m->ets.spec, buf); break;
  case TS_METHOD_ARIMA: ts_arima_name(&m->arima.spec, buf); break;
  case TS_METHOD_THETA: theta_name(&m->theta, buf); break;
  default: strcpy(buf, ts_fc_method_name(m->core));
  }
}

static void key_double(om_jw *j, const char *k, double v) {
  om_jw_key(j, k);
  om_jw_double(j, v);
}

void ts_fc_info(const ts_fc *m, om_jw *j) {
  char name[64];
  om_jw_key(j, "method");
  om_jw_string(j, ts_fc_method_name(m->method));
  om_jw_key(j, "model");
  core_name(m, name);
  om_jw_string(j, name);
  om_jw_key(j, "season_lengths");
  om_jw_begin_array(j);
  for (int k = 0; k < m->n_periods; k++) om_jw_int(j, m->periods[k]);
  om_jw_end_array(j);
  om_jw_key(j, "season_detected");
  om_jw_bool(j, !m->periods_given);
  om_jw_key(j, "seasonal_adjustment");
  om_jw_bool(j, m->adjusted);
  om_jw_key(j, "transform");
  om_jw_string(j, m->transform ? (m->lambda == 0 ? "log" : "boxcox") : "none");
  key_double(j, "lambda", m->transform ? m->lambda : NAN);
  om_jw_key(j, "points");
  om_jw_uint(j, m->n);
  om_jw_key(j, "filled");
  om_jw_uint(j, m->filled);
  om_jw_key(j, "fill");
  om_jw_string(j, m->fill == TS_FILL_ZERO ? "zero" : m->fill == TS_FILL_PREVIOUS ? "previous" : "linear");
  key_double(j, "start", m->t0);
  key_double(j, "step", m->step);
  om_jw_key(j, "step_unit");
  om_jw_string(j, m->months ? "months" : "seconds");
  key_double(j, "end", ts_fc_time(m, (double)(m->n - 1)));
  key_double(j, "sigma", sqrt(ts_fc_sigma2(m)));
  if (m->core == TS_METHOD_ETS) {
    const ts_ets_model *e = &m->ets;
    key_double(j, "alpha", e->alpha);
    key_double(j, "beta", e->spec.trend ? e->beta : NAN);
    key_double(j, "gamma", e->spec.season ? e->gamma : NAN);
    key_double(j, "phi", e->spec.damped ? e->phi : NAN);
    key_double(j, "loglik", e->loglik);
    key_double(j, "aic", e->aic);
    key_double(j, "aicc", e->aicc);
    key_double(j, "bic", e->bic);
    key_double(j, "mse", e->mse);
    om_jw_key(j, "parameters");
    om_jw_int(j, e->k);
  } else if (m->core == TS_METHOD_ARIMA) {
    const ts_arima_model *a = &m->arima;
    const ts_arima_spec *sp = &a->spec;
    om_jw_key(j, "order");
    om_jw_begin_array(j);
    om_jw_int(j, sp->p);
    om_jw_int(j, sp->d);
    om_jw_int(j, sp->q);
    om_jw_end_array(j);
    om_jw_key(j, "seasonal_order");
    om_jw_begin_array(j);
    om_jw_int(j, sp->P);
    om_jw_int(j, sp->D);
    om_jw_int(j, sp->Q);
    om_jw_int(j, sp->s);
    om_jw_end_array(j);
    om_jw_key(j, "coefficients");
    om_jw_begin_object(j);
    for (int i = 0; i < sp->p; i++) {
      char k[8];
      snprintf(k, sizeof k, "ar%d", i + 1);
      key_double(j, k, a->ar[i]);
    }
    for (int i = 0; i < sp->q; i++) {
      char k[8];
      snprintf(k, sizeof k, "ma%d", i + 1);
      key_double(j, k, a->ma[i]);
    }
    for (int i = 0; i < sp->P; i++) {
      char k[8];
      snprintf(k, sizeof k, "sar%d", i + 1);
      key_double(j, k, a->sar[i]);
    }
    for (int i = 0; i < sp->Q; i++) {
      char k[8];
      snprintf(k, sizeof k, "sma%d", i + 1);
      key_double(j, k, a->sma[i]);
    }
    if (sp->constant) key_double(j, sp->d + sp->D ? "drift" : "mean", a->mu);
    om_jw_end_object(j);
    om_jw_key(j, "estimation");
    om_jw_string(j, a->method == TS_ARIMA_CSS ? "css" : "ml");
    key_double(j, "loglik", a->loglik);
    key_double(j, "aic", a->aic);
    key_double(j, "aicc", a->aicc);
    key_double(j, "bic", a->bic);
    om_jw_key(j, "parameters");
    om_jw_int(j, a->k);
  } else if (m->core == TS_METHOD_THETA) {
    const ts_theta_model *t = &m->theta;
    om_jw_key(j, "theta_season");
    om_jw_string(j, t->season == TS_MUL ? "multiplicative" : t->season == TS_ADD ? "additive" : "none");
    key_double(j, "alpha", t->alpha);
    key_double(j, "drift", t->b0 / 2);
    key_double(j, "level", t->level);
    key_double(j, "mse", t->mse);
  }
  {
    /* the in-sample one-step errors, on the scale of the data */
    double *buf = om_malloc_array(3 * m->n, sizeof *buf), se = 0, ae = 0;
    size_t k = 0;
    om_err e2;
    if (buf && ts_fc_insample(m, buf, buf + m->n, buf + 2 * m->n, &e2) == OM_OK)
      for (size_t t = 0; t < m->n; t++) {
        double r = m->y[t] - buf[t];
        if (!isfinite(r)) continue;
        se += r * r;
        ae += fabs(r);
        k++;
      }
    om_free(buf);
    key_double(j, "insample_rmse", k ? sqrt(se / (double)k) : NAN);
    key_double(j, "insample_mae", k ? ae / (double)k : NAN);
    om_jw_key(j, "insample_points");
    om_jw_uint(j, k);
  }
  om_jw_key(j, "candidates"); /* models fitted, every family (version 1's meaning) */
  om_jw_int(j, m->tried);
  om_jw_key(j, "families");
  om_jw_begin_array(j);
  for (int i = 0; i < m->n_cand; i++) {
    cand_name(&m->cand[i], name);
    om_jw_begin_object(j);
    om_jw_key(j, "family");
    om_jw_string(j, ts_fc_method_name(m->cand[i].family));
    om_jw_key(j, "model");
    om_jw_string(j, name);
    om_jw_key(j, "models_fitted");
    om_jw_int(j, m->cand[i].tried);
    key_double(j, "aicc", m->cand[i].aicc);
    om_jw_key(j, "chosen");
    om_jw_bool(j, m->cand[i].family == m->core);
    om_jw_end_object(j);
  }
  om_jw_end_array(j);
}

static double core_aicc(const ts_fc *m) {
  switch (m->core) {
  case TS_METHOD_ETS: return m->ets.aicc;
  case TS_METHOD_ARIMA: return m->arima.aicc;
  default: return NAN;
  }
}

void ts_fc_metrics(const ts_fc *m, om_jw *j) {
  om_jw_begin_object(j);
  om_jw_key(j, "points");
  om_jw_uint(j, m->n);
  key_double(j, "sigma", sqrt(ts_fc_sigma2(m)));
  if (m->core == TS_METHOD_ETS || m->core == TS_METHOD_ARIMA) key_double(j, "aicc", core_aicc(m));
  if (m->core == TS_METHOD_ETS) key_double(j, "mse", m->ets.mse);
  om_jw_end_object(j);
}
