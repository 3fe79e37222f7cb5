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
#include <string.h>

#include "ts_fc.h"

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
  if (m->method == TS_METHOD_ETS || m->method == TS_METHOD_MSTL) {
    const ts_ets_model *e = &m->ets;
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
  } else {
    om_wbuf_f64(w, m->ets.sigma2);
  }
  if (m->method == TS_METHOD_MSTL)
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

om_status ts_fc_decode(const uint8_t *p, size_t len, ts_fc *out, om_err *err) {
  om_rbuf r;
  om_status st = OM_OK;
  uint64_t n, filled;
  const uint8_t *z;
  memset(out, 0, sizeof *out);
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
  if (out->method < TS_METHOD_ETS || out->method > TS_METHOD_SNAIVE) BAD("forecast method %d is unknown", out->method);
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
  if (n < 3 || n > TS_SERIES_MAX || filled >= n) BAD("forecast series of %llu points (%llu filled)", (unsigned long long)n, (unsigned long long)filled);
  if (out->tried < 0 || out->tried > 64) BAD("forecast payload counts %d candidates", out->tried);
  out->n = (size_t)n;
  out->filled = (size_t)filled;
  if (out->method == TS_METHOD_SNAIVE && (out->n_periods < 1 || (size_t)out->periods[0] >= out->n))
    BAD("forecast snaive model without a usable season length");
  if (out->method == TS_METHOD_MSTL && out->n_periods < 1) BAD("forecast mstl model without a season length");
  if (out->method == TS_METHOD_ETS || out->method == TS_METHOD_MSTL) {
    ts_ets_model *e = &out->ets;
    int ns;
    e->spec.error = om_rbuf_u8(&r);
    e->spec.trend = om_rbuf_u8(&r);
    e->spec.damped = om_rbuf_u8(&r);
    e->spec.season = om_rbuf_u8(&r);
    e->spec.m = (int)om_rbuf_u32(&r);
    e->alpha = om_rbuf_f64(&r);
    e->beta = om_rbuf_f64(&r);
    e->gamma = om_rbuf_f64(&r);
    e->phi = om_rbuf_f64(&r);
    e->sigma2 = om_rbuf_f64(&r);
    e->loglik = om_rbuf_f64(&r);
    e->aic = om_rbuf_f64(&r);
    e->aicc = om_rbuf_f64(&r);
    e->bic = om_rbuf_f64(&r);
    e->mse = om_rbuf_f64(&r);
    e->k = (int)om_rbuf_u32(&r);
    e->n = (int)om_rbuf_u32(&r);
    if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in the ETS model");
    if (e->spec.error < TS_ADD || e->spec.error > TS_MUL || e->spec.trend > TS_ADD || e->spec.damped > 1 ||
        e->spec.season > TS_MUL || (e->spec.damped && !e->spec.trend))
      BAD("forecast ETS components are invalid");
    if (e->spec.season ? (e->spec.m < 2 || e->spec.m > TS_ETS_MAX_M) : e->spec.m != 1)
      BAD("forecast ETS season length %d is invalid", e->spec.m);
    if (out->method == TS_METHOD_MSTL && e->spec.season) BAD("forecast mstl model with a seasonal ETS");
    if (out->method == TS_METHOD_ETS && e->spec.season && (out->n_periods != 1 || out->periods[0] != e->spec.m))
      BAD("forecast ETS season length %d does not match the model's", e->spec.m);
    if (!unit(e->alpha) || !(e->alpha > 0)) BAD("forecast ETS alpha %g is outside (0, 1]", e->alpha);
    if (!unit(e->beta) || (e->spec.trend && e->beta > e->alpha))
      BAD("forecast ETS beta %g is outside [0, alpha]", e->beta);
    if (!unit(e->gamma)) BAD("forecast ETS gamma %g is outside [0, 1]", e->gamma);
    if (!(e->phi > 0 && e->phi <= 1)) BAD("forecast ETS phi %g is outside (0, 1]", e->phi);
    if (!(e->sigma2 >= 0) || !isfinite(e->sigma2)) BAD("forecast ETS sigma2 %g is invalid", e->sigma2);
    if (e->k < 1 || e->k > 64 || e->n < 0) BAD("forecast ETS counts are invalid");
    ns = ts_ets_nstate(&e->spec);
    for (int i = 0; i < ns; i++) e->x0[i] = om_rbuf_f64(&r);
    for (int i = 0; i < ns; i++) e->xn[i] = om_rbuf_f64(&r);
    if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in the ETS states");
    for (int i = 0; i < ns; i++)
      if (!isfinite(e->x0[i]) || !isfinite(e->xn[i])) BAD("forecast ETS state %d is not finite", i);
  } else {
    out->ets.sigma2 = om_rbuf_f64(&r);
    if (!om_rbuf_ok(&r)) BAD("forecast payload truncated in sigma2");
    if (!(out->ets.sigma2 >= 0) || !isfinite(out->ets.sigma2)) BAD("forecast sigma2 is invalid");
  }
  if (out->method == TS_METHOD_MSTL) {
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
  return OM_OK;
fail:
  ts_fc_free(out);
  return st;
}

void ts_fc_info(const ts_fc *m, om_jw *j) {
  char name[16];
  om_jw_key(j, "method");
  om_jw_string(j, ts_fc_method_name(m->method));
  om_jw_key(j, "model");
  if (m->method == TS_METHOD_ETS || m->method == TS_METHOD_MSTL) {
    ts_ets_name(&m->ets.spec, name);
    om_jw_string(j, name);
  } else {
    om_jw_string(j, ts_fc_method_name(m->method));
  }
  om_jw_key(j, "season_lengths");
  om_jw_begin_array(j);
  for (int k = 0; k < m->n_periods; k++) om_jw_int(j, m->periods[k]);
  om_jw_end_array(j);
  om_jw_key(j, "season_detected");
  om_jw_bool(j, !m->periods_given);
  om_jw_key(j, "points");
  om_jw_uint(j, m->n);
  om_jw_key(j, "filled");
  om_jw_uint(j, m->filled);
  om_jw_key(j, "fill");
  om_jw_string(j, m->fill == TS_FILL_ZERO ? "zero" : m->fill == TS_FILL_PREVIOUS ? "previous" : "linear");
  om_jw_key(j, "start");
  om_jw_double(j, m->t0);
  om_jw_key(j, "step");
  om_jw_double(j, m->step);
  om_jw_key(j, "step_unit");
  om_jw_string(j, m->months ? "months" : "seconds");
  om_jw_key(j, "end");
  om_jw_double(j, ts_fc_time(m, (double)(m->n - 1)));
  om_jw_key(j, "sigma");
  om_jw_double(j, sqrt(m->ets.sigma2));
  if (m->method == TS_METHOD_ETS || m->method == TS_METHOD_MSTL) {
    const ts_ets_model *e = &m->ets;
    om_jw_key(j, "alpha");
    om_jw_double(j, e->alpha);
    om_jw_key(j, "beta");
    om_jw_double(j, e->spec.trend ? e->beta : NAN);
    om_jw_key(j, "gamma");
    om_jw_double(j, e->spec.season ? e->gamma : NAN);
    om_jw_key(j, "phi");
    om_jw_double(j, e->spec.damped ? e->phi : NAN);
    om_jw_key(j, "loglik");
    om_jw_double(j, e->loglik);
    om_jw_key(j, "aic");
    om_jw_double(j, e->aic);
    om_jw_key(j, "aicc");
    om_jw_double(j, e->aicc);
    om_jw_key(j, "bic");
    om_jw_double(j, e->bic);
    om_jw_key(j, "mse");
    om_jw_double(j, e->mse);
    om_jw_key(j, "parameters");
    om_jw_int(j, e->k);
    om_jw_key(j, "candidates");
    om_jw_int(j, m->tried);
  }
}

void ts_fc_metrics(const ts_fc *m, om_jw *j) {
  om_jw_begin_object(j);
  om_jw_key(j, "points");
  om_jw_uint(j, m->n);
  om_jw_key(j, "sigma");
  om_jw_double(j, sqrt(m->ets.sigma2));
  if (m->method == TS_METHOD_ETS || m->method == TS_METHOD_MSTL) {
    om_jw_key(j, "aicc");
    om_jw_double(j, m->ets.aicc);
    om_jw_key(j, "mse");
    om_jw_double(j, m->ets.mse);
  }
  om_jw_end_object(j);
}
