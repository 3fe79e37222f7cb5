/*
** ts_fc.c — fitting and forecasting a forecast model (spec: ts_fc.h).
*/
#include "ts_fc.h"

#include <math.h>
#include <string.h>

#include "ts_arima_auto.h"
#include "ts_boxcox.h"
#include "ts_decomp.h"
#include "ts_dist.h"

void ts_fc_options_default(ts_fc_options *o) {
  memset(o, 0, sizeof *o);
  o->method = TS_METHOD_AUTO;
  o->n_periods = -1;
  o->fill = TS_FILL_LINEAR;
  o->error = o->trend = o->damped = o->season = -1;
  for (int k = 0; k < 3; k++) o->order[k] = o->sorder[k] = -1;
  o->constant = -1;
  o->max_models = 94;
  o->transform = TS_TRANSFORM_AUTO;
  o->lambda = NAN;
}

const char *ts_fc_method_name(int method) {
  switch (method) {
  case TS_METHOD_AUTO: return "auto";
  case TS_METHOD_ETS: return "ets";
  case TS_METHOD_MSTL: return "mstl";
  case TS_METHOD_NAIVE: return "naive";
  case TS_METHOD_SNAIVE: return "snaive";
  case TS_METHOD_ARIMA: return "arima";
  case TS_METHOD_THETA: return "theta";
  default: return "?";
  }
}

void ts_fc_free(ts_fc *m) {
  for (int k = 0; k < TS_MAX_PERIODS; k++) om_free(m->season[k]);
  om_free(m->y);
  om_free(m->x);
  ts_theta_free(&m->theta);
  memset(m, 0, sizeof *m);
}

double ts_fc_sigma2(const ts_fc *m) {
  switch (m->core) {
  case TS_METHOD_ARIMA: return m->arima.sigma2;
  case TS_METHOD_THETA: return m->theta.sigma2;
  default: return m->ets.sigma2;
  }
}

/* ---- fitting ---------------------------------------------------------- */

/* The ETS candidates the options allow (ts_ets.h 5, narrowed by error /
** trend / damped / season); the best by AICc into md. */
static om_status fit_ets(const double *y, size_t n, int m, const ts_fc_options *o, const om_interrupt *it,
                         ts_ets_model *md, int *tried, om_err *err) {
  ts_ets_choice allow = {o->error, o->trend, o->damped, o->season};
  om_err e1;
  om_status st = ts_ets_select(y, n, m, &allow, it, md, tried, &e1);
  if (st == OM_INVALID) {
    if (e1.msg[0]) return om_errf(err, OM_INVALID, "no ETS model fits: %s", e1.msg);
    return om_errf(err, OM_INVALID, "no ETS model fits these %zu points with these options", n);
  }
  if (st != OM_OK) return om_errf(err, st, "%s", e1.msg);
  return OM_OK;
}

static om_status fit_arima(const double *x, size_t n, int s, const ts_fc_options *o, const om_interrupt *it,
                           ts_arima_model *md, int *tried, om_err *err) {
  ts_arima_auto_opts ao;
  ts_arima_auto_defaults(&ao, s);
  if (o->order[0] >= 0 || o->sorder[0] >= 0) { /* fixed orders; a missing part is (0, 0, 0) */
    ao.p = o->order[0] >= 0 ? o->order[0] : 0;
    ao.d = o->order[0] >= 0 ? o->order[1] : 0;
    ao.q = o->order[0] >= 0 ? o->order[2] : 0;
    ao.P = o->sorder[0] >= 0 ? o->sorder[0] : 0;
    ao.D = o->sorder[0] >= 0 ? o->sorder[1] : 0;
    ao.Q = o->sorder[0] >= 0 ? o->sorder[2] : 0;
  }
  if (s < 2) {
    ao.P = ao.Q = ao.p >= 0 ? 0 : -1;
    ao.D = 0;
    if (ao.p >= 0 && (o->sorder[0] > 0 || o->sorder[1] > 0 || o->sorder[2] > 0))
      return om_errf(err, OM_INVALID, "seasonal_order needs a season length");
  }
  ao.constant = o->constant;
  ao.max_models = o->max_models;
  return ts_arima_auto(x, n, &ao, it, md, tried, err);
}

/* sigma2 of the one-step differences at lag p (naive p = 1, snaive p = m). */
static double diff_sigma2(const double *y, size_t n, size_t p) {
  double s = 0;
  size_t k = 0;
  for (size_t t = p; t < n; t++, k++) s += (y[t] - y[t - p]) * (y[t] - y[t - p]);
  return k ? s / (double)k : 0;
}

static const double *core_series(const ts_fc *m) { return m->x ? m->x : m->y; }

/* The core's one-step fits and sds over its series (behaviour 4 before the
** indices and the transform). */
static om_status core_insample(const ts_fc *m, double *fit, double *level, double *sd, om_err *err) {
  const double *x = core_series(m);
  size_t n = m->n;
  switch (m->core) {
  case TS_METHOD_NAIVE:
  case TS_METHOD_SNAIVE: {
    size_t p = m->core == TS_METHOD_SNAIVE ? (size_t)m->periods[0] : 1;
    double sig = sqrt(m->ets.sigma2);
    for (size_t t = 0; t < n; t++) {
      fit[t] = t >= p ? x[t - p] : NAN;
      level[t] = fit[t];
      sd[t] = t >= p ? sig : NAN;
    }
    return OM_OK;
  }
  case TS_METHOD_ETS: {
    double st[TS_ETS_MAX_STATE], sse, sl, sig = sqrt(m->ets.sigma2);
    memcpy(st, m->ets.x0, sizeof st);
    for (size_t t = 0; t < n; t++) fit[t] = level[t] = NAN;
    ts_ets_filter(&m->ets, st, x, n, NULL, fit, level, &sse, &sl);
    /* a multiplicative error scales with the forecast */
    for (size_t t = 0; t < n; t++) sd[t] = m->ets.spec.error == TS_MUL ? fabs(fit[t]) * sig : sig;
    return OM_OK;
  }
  case TS_METHOD_ARIMA: {
    const ts_arima_spec *sp = &m->arima.spec;
    size_t burn = (size_t)(sp->d + sp->s * sp->D), p = (size_t)sp->s;
    om_status st = ts_arima_insample(&m->arima, x, n, fit, sd, err);
    if (st != OM_OK) return st;
    memcpy(level, fit, n * sizeof *level);
    /* behaviour 4: a seasonal ARIMA has no seasonal state; the season of
    ** its one-step forecasts by a classical decomposition */
    if (p >= 2 && n > burn && n - burn >= 2 * p) {
      double *idx = om_malloc_array(p, sizeof *idx);
      int per = sp->s;
      if (!idx) return om_errf(err, OM_NOMEM, "out of memory");
      st = ts_decomp(fit + burn, n - burn, &per, 1, &idx, err);
      if (st == OM_OK)
        for (size_t t = burn; t < n; t++) level[t] = fit[t] - idx[(t - burn) % p];
      om_free(idx);
      if (st != OM_OK) return st;
    }
    return OM_OK;
  }
  case TS_METHOD_THETA: {
    const ts_theta_model *th = &m->theta;
    om_status st = ts_theta_insample(th, x, n, fit, sd, err);
    if (st != OM_OK) return st;
    /* behaviour 4: the level is the forecast without theta's season */
    for (size_t t = 0; t < n; t++) {
      double s = th->season != TS_NONE && th->idx ? th->idx[t % (size_t)th->m] : NAN;
      level[t] = th->season == TS_MUL ? fit[t] / s : th->season == TS_ADD ? fit[t] - s : fit[t];
    }
    return OM_OK;
  }
  default: return om_errf(err, OM_INTERNAL, "unknown model %d", m->core);
  }
}

/* Behaviour 6: the AICc of the core's one-step errors on the common
** observations t >= burn, under one Gaussian variance. */
static double common_aicc(const ts_fc *m, int k, size_t burn, double *buf, om_err *err, om_status *st) {
  double *fit = buf, *lvl = buf + m->n, *sd = buf + 2 * m->n, s2 = 0, nn;
  const double *x = core_series(m);
  size_t cnt = 0;
  *st = core_insample(m, fit, lvl, sd, err);
  if (*st != OM_OK) return INFINITY;
  for (size_t t = burn; t < m->n; t++) {
    double r = x[t] - fit[t];
    if (!isfinite(r)) continue;
    s2 += r * r;
    cnt++;
  }
  if (cnt < (size_t)k + 2) return INFINITY;
  if (!(s2 > 0)) return -INFINITY; /* every one-step forecast exact: nothing fits better */
  nn = (double)cnt;
  s2 /= nn;
  return nn * (log(2 * M_PI * s2) + 1) + 2 * k + 2.0 * k * (k + 1) / (nn - k - 1);
}

/* theta's parameters: alpha, the drift, the m - 1 free indices when it
** deseasonalised, sigma (its first level is the first value, not fitted) */
static int theta_k(const ts_theta_model *t) { return 3 + (t->season != TS_NONE ? t->m - 1 : 0); }

/* theta's sigma2: the mean square of its one-step in-sample errors
** (statsmodels takes it from an ARIMA(0,1,1) of the raw series, which for a
** seasonal series measures the season too and gives intervals far too
** wide). */
static om_status theta_sigma2(ts_theta_model *th, const double *x, size_t n, om_err *err) {
  double *fit = om_malloc_array(n, sizeof *fit), ss = 0;
  size_t k = 0;
  om_status st;
  if (!fit) return om_errf(err, OM_NOMEM, "out of memory");
  st = ts_theta_insample(th, x, n, fit, NULL, err);
  if (st == OM_OK) {
    for (size_t t = 1; t < n; t++)
      if (isfinite(fit[t])) {
        ss += (x[t] - fit[t]) * (x[t] - fit[t]);
        k++;
      }
    if (k) th->sigma2 = ss / (double)k;
  }
  om_free(fit);
  return st;
}

/* Fit the families the method allows on the core series (x, season m:
** 1 for none) and keep the best (behaviour 1); out's core fields are set. */
static om_status fit_families(ts_fc *out, int m, int fam_ets, int fam_arima, int fam_theta, const ts_fc_options *o,
                              const om_interrupt *it, om_err *err) {
  const double *x = core_series(out);
  size_t n = out->n, burn = 0;
  int have = 0, nf = 0;
  om_err e1;
  om_status st;
  ts_ets_model ets;
  ts_arima_model ar;
  ts_theta_model th;
  int tried_e = 0, tried_a = 0, ok_e = 0, ok_a = 0, ok_t = 0;
  double *buf;
  memset(&th, 0, sizeof th);
  e1.msg[0] = 0;
  nf = fam_ets + fam_arima + fam_theta;
  if (fam_ets) {
    st = fit_ets(x, n, m, o, it, &ets, &tried_e, &e1);
    if (st == OM_NOMEM || st == OM_INTERRUPTED) return om_errf(err, st, "%s", e1.msg);
    ok_e = st == OM_OK;
    out->tried += tried_e;
  }
  if (fam_arima) {
    st = fit_arima(x, n, m, o, it, &ar, &tried_a, &e1);
    if (st == OM_NOMEM || st == OM_INTERRUPTED) return om_errf(err, st, "%s", e1.msg);
    ok_a = st == OM_OK;
    out->tried += tried_a;
    if (ok_a) burn = (size_t)(ar.spec.d + ar.spec.s * ar.spec.D);
  }
  if (fam_theta) {
    st = ts_theta_fit(x, n, m, NULL, it, &th, &e1);
    if (st == OM_NOMEM || st == OM_INTERRUPTED) {
      ts_theta_free(&th);
      return om_errf(err, st, "%s", e1.msg);
    }
    ok_t = st == OM_OK;
    out->tried += 1;
    if (ok_t) {
      /* behaviour 7: sigma2 from the one-step errors of the fit itself */
      st = theta_sigma2(&th, x, n, &e1);
      if (st != OM_OK) {
        ts_theta_free(&th);
        return om_errf(err, st, "%s", e1.msg);
      }
    }
  }
  if (!ok_e && !ok_a && !ok_t) {
    ts_theta_free(&th);
    return om_errf(err, OM_INVALID, "%s", e1.msg[0] ? e1.msg : "no model fits");
  }
  if (nf == 1) { /* one family: no comparison */
    if (ok_e) {
      out->core = TS_METHOD_ETS;
      out->ets = ets;
    } else if (ok_a) {
      out->core = TS_METHOD_ARIMA;
      out->arima = ar;
    } else {
      out->core = TS_METHOD_THETA;
      out->theta = th;
    }
    out->cand[0].family = out->core;
    out->cand[0].tried = out->tried;
    out->cand[0].aicc = out->core == TS_METHOD_ETS ? ets.aicc : out->core == TS_METHOD_ARIMA ? ar.aicc : NAN;
    out->cand[0].season = m;
    if (out->core == TS_METHOD_THETA) out->cand[0].order[0] = th.season;
    if (out->core == TS_METHOD_ETS) {
      out->cand[0].order[0] = ets.spec.error;
      out->cand[0].order[1] = ets.spec.trend;
      out->cand[0].order[2] = ets.spec.damped;
      out->cand[0].order[3] = ets.spec.season;
      out->cand[0].season = ets.spec.m;
    } else if (out->core == TS_METHOD_ARIMA) {
      int *q = out->cand[0].order;
      q[0] = ar.spec.p, q[1] = ar.spec.d, q[2] = ar.spec.q, q[3] = ar.spec.P, q[4] = ar.spec.D, q[5] = ar.spec.Q;
      q[6] = ar.spec.constant;
      out->cand[0].season = ar.spec.s;
    }
    out->n_cand = 1;
    return OM_OK;
  }
  /* behaviour 6: compare on the common observations */
  buf = om_malloc_array(3 * n, sizeof *buf);
  if (!buf) {
    ts_theta_free(&th);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  {
    double best = INFINITY;
    int best_core = 0;
    ts_fc probe = *out;
    memset(&probe.theta, 0, sizeof probe.theta);
    for (int f = 0; f < 3; f++) {
      int fam = f == 0 ? TS_METHOD_ETS : f == 1 ? TS_METHOD_ARIMA : TS_METHOD_THETA, k;
      ts_fc_cand *c;
      double ic;
      if ((f == 0 && !ok_e) || (f == 1 && !ok_a) || (f == 2 && !ok_t)) continue;
      probe.core = fam;
      if (fam == TS_METHOD_ETS) {
        probe.ets = ets;
        k = ets.k;
      } else if (fam == TS_METHOD_ARIMA) {
        probe.arima = ar;
        k = ar.k;
      } else {
        probe.theta = th;
        k = theta_k(&th);
      }
      ic = common_aicc(&probe, k, burn, buf, &e1, &st);
      if (fam == TS_METHOD_THETA) memset(&probe.theta, 0, sizeof probe.theta); /* owned by th */
      if (st == OM_NOMEM || st == OM_INTERRUPTED) {
        om_free(buf);
        ts_theta_free(&th);
        return om_errf(err, st, "%s", e1.msg);
      }
      c = &out->cand[out->n_cand++];
      memset(c, 0, sizeof *c);
      c->family = fam;
      c->aicc = ic;
      c->season = m;
      if (fam == TS_METHOD_ETS) {
        c->order[0] = ets.spec.error;
        c->order[1] = ets.spec.trend;
        c->order[2] = ets.spec.damped;
        c->order[3] = ets.spec.season;
        c->season = ets.spec.m;
        c->tried = tried_e;
      } else if (fam == TS_METHOD_ARIMA) {
        c->order[0] = ar.spec.p, c->order[1] = ar.spec.d, c->order[2] = ar.spec.q;
        c->order[3] = ar.spec.P, c->order[4] = ar.spec.D, c->order[5] = ar.spec.Q, c->order[6] = ar.spec.constant;
        c->season = ar.spec.s;
        c->tried = tried_a;
      } else {
        c->order[0] = th.season;
        c->season = th.m;
        c->tried = 1;
      }
      if (!have || ic < best) {
        best = ic;
        best_core = fam;
        have = 1;
      }
    }
    om_free(buf);
    out->core = best_core;
    if (best_core == TS_METHOD_ETS) out->ets = ets;
    else if (best_core == TS_METHOD_ARIMA) out->arima = ar;
    if (best_core == TS_METHOD_THETA) out->theta = th;
    else ts_theta_free(&th);
  }
  return OM_OK;
}

/* The core series (ts_fc.h): y transformed and less the indices (NULL when y). */
om_status ts_fc_prepare(ts_fc *m, om_err *err) {
  om_free(m->x);
  m->x = NULL;
  if (m->transform == TS_TRANSFORM_NONE && !m->adjusted) return OM_OK;
  m->x = om_malloc_array(m->n, sizeof *m->x);
  if (!m->x) return om_errf(err, OM_NOMEM, "out of memory");
  for (size_t t = 0; t < m->n; t++) {
    double v = m->transform ? ts_boxcox(m->y[t], m->lambda) : m->y[t];
    if (m->adjusted)
      for (int k = 0; k < m->n_periods; k++) v -= m->season[k][t % (size_t)m->periods[k]];
    m->x[t] = v;
  }
  return OM_OK;
}

/* mstl's indices, estimated on the transformed series. */
static om_status make_indices(ts_fc *m, om_err *err) {
  double *z = NULL;
  om_status st;
  for (int k = 0; k < m->n_periods; k++) {
    m->season[k] = om_malloc_array((size_t)m->periods[k], sizeof(double));
    if (!m->season[k]) return om_errf(err, OM_NOMEM, "out of memory");
  }
  if (m->transform) {
    z = om_malloc_array(m->n, sizeof *z);
    if (!z) return om_errf(err, OM_NOMEM, "out of memory");
    for (size_t t = 0; t < m->n; t++) z[t] = ts_boxcox(m->y[t], m->lambda);
  }
  st = ts_decomp(z ? z : m->y, m->n, m->periods, m->n_periods, m->season, err);
  om_free(z);
  return st;
}

static om_status fit_one(ts_series *s, int ts_text, const ts_fc_options *o, const om_interrupt *it, ts_fc *out,
                         om_err *err) {
  om_status st = OM_OK;
  int constant = 1;
  memset(out, 0, sizeof *out);
  out->y = s->y;
  out->n = s->n;
  out->t0 = s->t0;
  out->step = s->step;
  out->filled = s->filled;
  out->fill = o->fill;
  out->ts_text = ts_text;
  out->months = s->months;
  s->y = NULL;
  ts_series_free(s);
  if (out->n < 3) return om_errf(err, OM_INVALID, "%zu points are too few; expected at least 3", out->n);
  /* season lengths */
  if (o->n_periods >= 0) {
    out->n_periods = o->n_periods;
    out->periods_given = 1;
    for (int k = 0; k < o->n_periods; k++) out->periods[k] = o->periods[k];
  } else {
    out->n_periods = ts_season_detect(out->y, out->n, out->step, out->months, out->periods, NULL);
  }
  if (out->n_periods == 2 && out->periods[0] > out->periods[1]) {
    int x = out->periods[0];
    out->periods[0] = out->periods[1];
    out->periods[1] = x;
  }
  for (size_t t = 1; t < out->n; t++)
    if (out->y[t] != out->y[0]) constant = 0;
  out->method = o->method;
  if (constant) out->method = TS_METHOD_NAIVE;
  /* auto: mstl for two or long seasons, unless a seasonal_order asks for
  ** a seasonal ARIMA (of the shortest season) */
  if (out->method == TS_METHOD_AUTO && o->sorder[0] < 0 &&
      (out->n_periods >= 2 || (out->n_periods == 1 && out->periods[0] > TS_FC_SEASON_MAX)))
    out->method = TS_METHOD_MSTL;
  /* the transform */
  if (o->transform == TS_TRANSFORM_BOXCOX && !constant) {
    out->transform = TS_TRANSFORM_BOXCOX;
    out->lambda = isnan(o->lambda) ? ts_boxcox_lambda(out->y, out->n, out->n_periods ? out->periods[0] : 1) : o->lambda;
    if (!ts_boxcox_ok(out->y, out->n, out->lambda))
      return om_errf(err, OM_INVALID, "the Box-Cox transform with lambda %g needs every value %s", out->lambda,
                     out->lambda > 0 ? ">= 0" : "> 0");
    {
      /* behaviour 8: values the transform cannot tell apart */
      double z0 = ts_boxcox(out->y[0], out->lambda);
      int same = 1;
      for (size_t t = 0; t < out->n; t++) {
        double z = ts_boxcox(out->y[t], out->lambda);
        if (!isfinite(z))
          return om_errf(err, OM_INVALID, "the Box-Cox transform with lambda %g overflows on value %g", out->lambda,
                         out->y[t]);
        if (z != z0) same = 0;
      }
      if (same)
        return om_errf(err, OM_INVALID,
                       "the Box-Cox transform with lambda %g makes every value the same; use another transform",
                       out->lambda);
    }
  }
  switch (out->method) {
  case TS_METHOD_NAIVE:
    out->core = TS_METHOD_NAIVE;
    st = ts_fc_prepare(out, err);
    if (st == OM_OK) out->ets.sigma2 = diff_sigma2(core_series(out), out->n, 1);
    break;
  case TS_METHOD_SNAIVE: {
    int m = out->n_periods ? out->periods[0] : 0;
    if (m < 2 || (size_t)m >= out->n)
      return om_errf(err, OM_INVALID, "snaive needs a season length between 2 and the number of points - 1");
    out->core = TS_METHOD_SNAIVE;
    st = ts_fc_prepare(out, err);
    if (st == OM_OK) out->ets.sigma2 = diff_sigma2(core_series(out), out->n, (size_t)m);
    break;
  }
  case TS_METHOD_AUTO:
  case TS_METHOD_ETS:
  case TS_METHOD_ARIMA:
  case TS_METHOD_THETA: {
    int m, maxm = out->method == TS_METHOD_ETS ? TS_ETS_MAX_M : TS_FC_SEASON_MAX;
    if (out->method == TS_METHOD_ARIMA || out->method == TS_METHOD_THETA) maxm = TS_FC_MAX_PERIOD;
    if (!out->periods_given) { /* detected: the shortest season the method takes, if any */
      int keep = 0;
      for (int k = 0; k < out->n_periods; k++)
        if (out->periods[k] <= maxm && !keep) keep = out->periods[k];
      out->n_periods = keep ? 1 : 0;
      out->periods[0] = keep;
      out->periods[1] = 0;
    }
    m = out->n_periods ? out->periods[0] : 1;
    if (out->n_periods > 1)
      return om_errf(err, OM_INVALID, "%s takes one season length; use method 'mstl' for %d and %d",
                     ts_fc_method_name(out->method), out->periods[0], out->periods[1]);
    if (m > maxm)
      return om_errf(err, OM_INVALID, "%s takes a season of at most %d; use method 'mstl' for %d",
                     ts_fc_method_name(out->method), maxm, m);
    st = ts_fc_prepare(out, err);
    if (st != OM_OK) break;
    {
      /* auto: options of one family (ETS letters, ARIMA orders) choose it */
      int ets_o = o->error >= 0 || o->trend >= 0 || o->damped >= 0 || o->season >= 0;
      int ar_o = o->order[0] >= 0 || o->sorder[0] >= 0 || o->constant >= 0;
      int au = out->method == TS_METHOD_AUTO;
      st = fit_families(out, m, out->method == TS_METHOD_ETS || (au && (ets_o || !ar_o)),
                        out->method == TS_METHOD_ARIMA || (au && (ar_o || !ets_o)),
                        out->method == TS_METHOD_THETA || (au && !ets_o && !ar_o), o, it, err);
    }
    break;
  }
  case TS_METHOD_MSTL: {
    ts_fc_options non = *o;
    if (out->n_periods == 0) return om_errf(err, OM_INVALID, "mstl needs a season length (none was found)");
    st = make_indices(out, err);
    if (st != OM_OK) break;
    out->adjusted = 1;
    st = ts_fc_prepare(out, err);
    if (st != OM_OK) break;
    non.season = TS_NONE;
    {
      int ets_o = o->error >= 0 || o->trend >= 0 || o->damped >= 0 || o->season >= 0;
      int ar_o = o->order[0] >= 0 || o->sorder[0] >= 0 || o->constant >= 0;
      st = fit_families(out, 1, ets_o || !ar_o, ar_o || !ets_o, !ets_o && !ar_o, &non, it, err);
    }
    break;
  }
  default: return om_errf(err, OM_INTERNAL, "unknown method %d", out->method);
  }
  if (st == OM_OK) {
    /* behaviour 8: a model whose next forecast is not finite is refused */
    double f[1], lo[1], hi[1];
    st = ts_fc_forecast(out, 1, 0.9, f, lo, hi, err);
    if (st == OM_OK && !(isfinite(f[0]) && isfinite(lo[0]) && isfinite(hi[0])))
      st = om_errf(err, OM_INVALID, "the fitted model forecasts a value that is not finite%s",
                   out->transform ? " (try another transform)" : "");
  }
  return st;
}

/* Behaviour 9: the mean absolute error of the one-step in-sample
** forecasts (back-transformed) at the points where both a and b have one. */
static om_status insample_mae2(const ts_fc *a, const ts_fc *b, double *mae_a, double *mae_b, om_err *err) {
  size_t n = a->n, used = 0;
  double *w = om_malloc_array(6 * n, sizeof *w), sa = 0, sb = 0;
  om_status st;
  if (!w) return om_errf(err, OM_NOMEM, "out of memory");
  st = ts_fc_insample(a, w, w + n, w + 2 * n, err);
  if (st == OM_OK) st = ts_fc_insample(b, w + 3 * n, w + 4 * n, w + 5 * n, err);
  if (st == OM_OK)
    for (size_t t = 0; t < n; t++)
      if (isfinite(w[t]) && isfinite(w[3 * n + t])) {
        sa += fabs(a->y[t] - w[t]);
        sb += fabs(a->y[t] - w[3 * n + t]);
        used++;
      }
  om_free(w);
  *mae_a = used ? sa / (double)used : NAN;
  *mae_b = used ? sb / (double)used : NAN;
  return st;
}

/* A copy of s's values as a series of its own (NULL y when out of memory). */
static ts_series series_copy(const ts_series *s) {
  ts_series c = *s;
  c.y = om_malloc_array(s->n, sizeof *c.y);
  if (c.y) memcpy(c.y, s->y, s->n * sizeof *c.y);
  return c;
}

/* Behaviour 9: is the square root the better scale?  Theta on y and on
** sqrt(y); *root = 1 when the second's one-step MAE on y's scale is lower.
** Only an interrupt or out of memory is an error. */
static om_status root_is_better(const ts_series *s, int ts_text, const ts_fc_options *plain,
                                const om_interrupt *it, int *root, om_err *err) {
  ts_fc_options tp = *plain, tr = *plain;
  ts_series a = series_copy(s), b = series_copy(s);
  ts_fc fa, fb;
  om_status st = OM_OK, st_a, st_b;
  double mae_a = NAN, mae_b = NAN;
  *root = 0;
  memset(&fa, 0, sizeof fa);
  memset(&fb, 0, sizeof fb);
  if (!a.y || !b.y) {
    ts_series_free(&a);
    ts_series_free(&b);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  tp.method = tr.method = TS_METHOD_THETA;
  if (tp.n_periods == 2) { /* given "24,168": Theta takes one season, the shorter */
    tp.n_periods = 1;
    tp.periods[0] = tp.periods[0] < tp.periods[1] ? tp.periods[0] : tp.periods[1];
    tp.periods[1] = 0;
  }
  tr.n_periods = tp.n_periods;
  memcpy(tr.periods, tp.periods, sizeof tr.periods);
  tr.transform = TS_TRANSFORM_BOXCOX;
  tr.lambda = 0.5;
  st_a = fit_one(&a, ts_text, &tp, it, &fa, err);
  st_b = st_a == OM_INTERRUPTED || st_a == OM_NOMEM ? st_a : fit_one(&b, ts_text, &tr, it, &fb, err);
  if (st_a == OM_OK && st_b == OM_OK) st = insample_mae2(&fa, &fb, &mae_a, &mae_b, err);
  else st = st_b == OM_INTERRUPTED || st_b == OM_NOMEM ? st_b : OM_OK;
  ts_series_free(&b); /* when the first fit stopped everything */
  ts_fc_free(&fa);
  ts_fc_free(&fb);
  if (st != OM_OK) return st;
  /* the square root when its MAE is finite and lower, or when only it fits
  ** or has a finite MAE (values near the top of the doubles); a tie, NaN,
  ** or two fits that failed keep the values */
  if (st_a == OM_OK && st_b == OM_OK) *root = isfinite(mae_b) && !(mae_a <= mae_b);
  else *root = st_a != OM_OK && st_b == OM_OK;
  return OM_OK;
}

om_status ts_fc_fit(ts_series *s, int ts_text, const ts_fc_options *o, const om_interrupt *it, ts_fc *out,
                    om_err *err) {
  ts_fc_options use = *o;
  om_status st;
  int eligible = 1, root = 0;
  memset(out, 0, sizeof *out);
  if (o->transform != TS_TRANSFORM_AUTO) return fit_one(s, ts_text, o, it, out, err);
  use.transform = TS_TRANSFORM_NONE;
  /* only the fully automatic choice: a model or orders given are fitted as asked */
  if (o->method != TS_METHOD_AUTO || o->error >= 0 || o->trend >= 0 || o->damped >= 0 || o->season >= 0 ||
      o->order[0] >= 0 || o->sorder[0] >= 0 || o->constant >= 0 || s->n < 3)
    eligible = 0;
  for (size_t t = 0; eligible && t < s->n; t++)
    if (!(s->y[t] >= 0)) eligible = 0;
  if (eligible) {
    int constant = 1;
    for (size_t t = 1; t < s->n; t++)
      if (s->y[t] != s->y[0]) constant = 0;
    if (constant) eligible = 0;
  }
  if (eligible) {
    st = root_is_better(s, ts_text, &use, it, &root, err);
    if (st != OM_OK) {
      ts_series_free(s); /* emptied, as on every path */
      return st;
    }
    if (root) {
      use.transform = TS_TRANSFORM_BOXCOX;
      use.lambda = 0.5;
    }
  }
  st = fit_one(s, ts_text, &use, it, out, err);
  if (eligible) out->tried += 2;
  return st;
}

/* ---- forecasting ------------------------------------------------------ */

static double index_at(const ts_fc *m, size_t t) {
  double s = 0;
  if (m->adjusted)
    for (int k = 0; k < m->n_periods; k++) s += m->season[k][t % (size_t)m->periods[k]];
  return s;
}

static double untransform(const ts_fc *m, double v) {
  return m->transform ? ts_boxcox_inv(v, m->lambda) : v;
}

om_status ts_fc_forecast(const ts_fc *m, size_t h, double coverage, double *f, double *lo, double *hi, om_err *err) {
  double z;
  om_status st = OM_OK;
  if (!(coverage > 0 && coverage < 1)) return om_errf(err, OM_INVALID, "coverage %g is outside (0, 1)", coverage);
  z = ts_norm_ppf(0.5 + coverage / 2);
  switch (m->core) {
  case TS_METHOD_NAIVE:
  case TS_METHOD_SNAIVE: {
    const double *x = core_series(m);
    size_t p = m->core == TS_METHOD_SNAIVE ? (size_t)m->periods[0] : 1;
    for (size_t i = 0; i < h; i++) {
      double v = x[m->n - p + (i % p)], k = (double)(i / p + 1);
      f[i] = v;
      lo[i] = v - z * sqrt(k * m->ets.sigma2);
      hi[i] = v + z * sqrt(k * m->ets.sigma2);
    }
    break;
  }
  case TS_METHOD_ETS: st = ts_ets_forecast(&m->ets, h, coverage, f, lo, hi, err); break;
  case TS_METHOD_ARIMA: st = ts_arima_forecast(&m->arima, core_series(m), m->n, h, coverage, f, lo, hi, err); break;
  case TS_METHOD_THETA:
    /* behaviour 7: the variance of SES with drift, sigma2 (1 + alpha^2 (h - 1)) */
    st = ts_theta_forecast(&m->theta, h, coverage, f, NULL, NULL, err);
    if (st == OM_OK)
      for (size_t i = 0; i < h; i++) {
        double a = m->theta.alpha, sd = sqrt(m->theta.sigma2 * (1 + a * a * (double)i));
        lo[i] = f[i] - z * sd;
        hi[i] = f[i] + z * sd;
      }
    break;
  default: return om_errf(err, OM_INTERNAL, "unknown model %d", m->core);
  }
  if (st != OM_OK) return st;
  if (m->adjusted || m->transform)
    for (size_t i = 0; i < h; i++) {
      double s = index_at(m, m->n + i);
      f[i] = untransform(m, f[i] + s);
      lo[i] = untransform(m, lo[i] + s);
      hi[i] = untransform(m, hi[i] + s);
    }
  return OM_OK;
}

om_status ts_fc_insample(const ts_fc *m, double *fit, double *level, double *sd, om_err *err) {
  om_status st = core_insample(m, fit, level, sd, err);
  if (st != OM_OK) return st;
  if (m->adjusted || m->transform)
    for (size_t t = 0; t < m->n; t++) {
      double s = index_at(m, t), f = fit[t] + s;
      if (m->transform) {
        /* the delta method: sd times the slope of the inverse at the fit */
        double slope = m->lambda == 0 ? exp(f) : pow(fmax(m->lambda * f + 1, 0), 1 / m->lambda - 1);
        if (sd[t] != 0) sd[t] *= slope; /* an exact fit stays exact (no 0 x inf) */
        level[t] = untransform(m, level[t]);
      }
      fit[t] = untransform(m, f);
    }
  return OM_OK;
}

/* ---- sample paths ----------------------------------------------------- */

/* A path generator: the state each family needs, set up once. */
typedef struct path_gen {
  const ts_fc *m;
  /* ARIMA: the full polynomials in levels (differences multiplied in) */
  int np, nq;
  double *phi, *theta; /* [np], [nq] */
  double *yh, *eh;     /* a path's deviations and shocks, np / nq zeros first */
  double *blk;         /* ARIMA: the block holding the polynomials */
  double *f;           /* ARIMA, theta: point forecasts [h] */
} path_gen;

/* Multiply polynomial a (degree na, a[0] = 1) by b (degree nb) into out. */
static int poly_mul(const double *a, int na, const double *b, int nb, double *out) {
  for (int i = 0; i <= na + nb; i++) out[i] = 0;
  for (int i = 0; i <= na; i++)
    for (int j = 0; j <= nb; j++) out[i + j] += a[i] * b[j];
  return na + nb;
}

static void path_free(path_gen *g) {
  om_free(g->f);
  om_free(g->blk);
  om_free(g->yh);
  om_free(g->eh);
  memset(g, 0, sizeof *g);
}

static om_status path_init(path_gen *g, const ts_fc *m, size_t h, om_err *err) {
  memset(g, 0, sizeof *g);
  g->m = m;
  if (m->core == TS_METHOD_ARIMA) {
    /* the full polynomials in levels: AR (1 - sum ar B^i)(1 - sum sar B^si)
    ** (1 - B)^d (1 - B^s)^D, MA (1 + sum ma B^i)(1 + sum sma B^si) */
    const ts_arima_spec *sp = &m->arima.spec;
    const ts_arima_model *md = &m->arima;
    int s = sp->s, deg = sp->p + s * sp->P + sp->d + s * sp->D, dma = sp->q + s * sp->Q, na, nb;
    int du = deg > dma ? deg : dma;
    size_t blk = (size_t)(deg + 1) * 2 + (size_t)(du + 1) + (size_t)(dma + 1) * 2;
    double *a = om_calloc(blk, sizeof *a), *t1, *t2, *u, *ma, *sma;
    if (!a) return om_errf(err, OM_NOMEM, "out of memory");
    t1 = a;
    t2 = t1 + deg + 1;
    u = t2 + deg + 1;
    ma = u + du + 1;
    sma = ma + dma + 1;
    t1[0] = 1;
    for (int i = 0; i < sp->p; i++) t1[i + 1] = -md->ar[i];
    na = sp->p;
    if (sp->P) {
      u[0] = 1;
      for (int i = 1; i <= s * sp->P; i++) u[i] = 0;
      for (int i = 0; i < sp->P; i++) u[s * (i + 1)] = -md->sar[i];
      memcpy(t2, t1, sizeof(double) * (size_t)(na + 1));
      na = poly_mul(t2, na, u, s * sp->P, t1);
    }
    for (int k = 0; k < sp->d + sp->D; k++) {
      int lag = k < sp->d ? 1 : s;
      for (int i = 0; i <= lag; i++) u[i] = 0;
      u[0] = 1;
      u[lag] = -1;
      memcpy(t2, t1, sizeof(double) * (size_t)(na + 1));
      na = poly_mul(t2, na, u, lag, t1);
    }
    /* phi in t2 (y_t = sum phi_i y_{t-i} + ...), reusing the block */
    for (int i = 1; i <= na; i++) t2[i - 1] = -t1[i];
    g->np = na;
    g->phi = t2;
    ma[0] = 1;
    for (int i = 0; i < sp->q; i++) ma[i + 1] = md->ma[i];
    nb = sp->q;
    if (sp->Q) {
      for (int i = 0; i <= s * sp->Q; i++) u[i] = 0;
      u[0] = 1;
      for (int i = 0; i < sp->Q; i++) u[s * (i + 1)] = md->sma[i];
      memcpy(sma, ma, sizeof(double) * (size_t)(nb + 1));
      nb = poly_mul(sma, nb, u, s * sp->Q, ma);
    }
    g->nq = nb;
    g->theta = ma + 1;
    g->blk = a;
    g->yh = om_calloc((size_t)g->np + h + 1, sizeof *g->yh);
    g->eh = om_calloc((size_t)g->nq + h + 1, sizeof *g->eh);
    g->f = om_malloc_array(h ? h : 1, sizeof *g->f);
    if (!g->yh || !g->eh || !g->f) {
      path_free(g);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    return ts_arima_forecast(md, core_series(m), m->n, h, 0.5, g->f, NULL, NULL, err);
  }
  if (m->core == TS_METHOD_THETA) {
    g->f = om_malloc_array(h ? h : 1, sizeof *g->f);
    if (!g->f) return om_errf(err, OM_NOMEM, "out of memory");
    return ts_theta_forecast(&m->theta, h, 0.5, g->f, NULL, NULL, err);
  }
  return OM_OK;
}


/* One sample path of h steps on the core's scale, then indices and inverse
** transform, into out. */
static void sample_path(const path_gen *g, size_t h, ts_rng *r, double *out) {
  const ts_fc *m = g->m;
  double sig = sqrt(ts_fc_sigma2(m));
  const double *x = core_series(m);
  switch (m->core) {
  case TS_METHOD_NAIVE: {
    double v = x[m->n - 1];
    for (size_t i = 0; i < h; i++) out[i] = v += sig * ts_rng_norm(r);
    break;
  }
  case TS_METHOD_SNAIVE: {
    size_t p = (size_t)m->periods[0];
    for (size_t i = 0; i < h; i++) out[i] = (i < p ? x[m->n - p + i] : out[i - p]) + sig * ts_rng_norm(r);
    break;
  }
  case TS_METHOD_ARIMA: {
    /* the point forecast plus the deviation the future shocks make: d_i =
    ** sum phi_k d_{i-k} + e_i + sum theta_k e_{i-k} with everything before
    ** the origin 0 (d_i = sum psi_j e_{i-j}, the variance of the intervals;
    ** the past is in the point forecast), so no history is needed */
    double *dh = g->yh, *eh = g->eh;
    size_t np = (size_t)g->np, nq = (size_t)g->nq;
    for (size_t i = 0; i < h; i++) {
      double e = sig * ts_rng_norm(r), v = e;
      for (size_t k = 0; k < np; k++) v += g->phi[k] * dh[np + i - 1 - k];
      for (size_t k = 0; k < nq; k++) v += g->theta[k] * eh[nq + i - 1 - k];
      dh[np + i] = v;
      eh[nq + i] = e;
      out[i] = g->f[i] + v;
    }
    break;
  }
  case TS_METHOD_THETA: {
    /* SES with drift: y_{n+i} = f_i + e_i + alpha (e_1 + ... + e_{i-1}) */
    double acc = 0, a = m->theta.alpha;
    for (size_t i = 0; i < h; i++) {
      double e = sig * ts_rng_norm(r);
      out[i] = g->f[i] + e + a * acc;
      acc += e;
    }
    break;
  }
  default: {
    const ts_ets_model *md = &m->ets;
    const ts_ets_spec *sp = &md->spec;
    const int tr = sp->trend != TS_NONE, mm = sp->season ? sp->m : 1;
    double st[TS_ETS_MAX_STATE], sse, sl;
    memcpy(st, md->xn, sizeof st);
    for (size_t i = 0; i < h; i++) {
      double q = tr ? st[0] + (sp->damped ? md->phi : 1) * st[1] : st[0];
      double sv = sp->season ? st[1 + tr + mm - 1] : 0, fc, yy;
      fc = sp->season == TS_ADD ? q + sv : sp->season == TS_MUL ? q * sv : q;
      yy = sp->error == TS_MUL ? fc * (1 + sig * ts_rng_norm(r)) : fc + sig * ts_rng_norm(r);
      if (isfinite(yy)) ts_ets_filter(md, st, &yy, 1, NULL, NULL, NULL, &sse, &sl);
      out[i] = yy;
    }
  }
  }
  if (m->adjusted || m->transform)
    for (size_t i = 0; i < h; i++) out[i] = untransform(m, out[i] + index_at(m, m->n + i));
}

om_status ts_fc_crossing(const ts_fc *m, size_t h, double threshold, double coverage, int *up, size_t first[3],
                         double *prob, om_err *err) {
  double *buf = om_malloc_array(4 * h, sizeof *buf), *f, *lo, *hi, *path;
  size_t hits = 0;
  ts_rng g = {0x6f6d656e43524f53u};
  path_gen pg;
  om_status st;
  if (!buf) return om_errf(err, OM_NOMEM, "out of memory");
  f = buf;
  lo = f + h;
  hi = lo + h;
  path = hi + h;
  *up = m->y[m->n - 1] < threshold;
  st = ts_fc_forecast(m, h, coverage, f, lo, hi, err);
  if (st != OM_OK) {
    om_free(buf);
    return st;
  }
  for (int k = 0; k < 3; k++) {
    const double *b = k == 0 ? f : k == 1 ? lo : hi;
    first[k] = 0;
    for (size_t i = 0; i < h; i++)
      if (*up ? b[i] >= threshold : b[i] <= threshold) {
        first[k] = i + 1;
        break;
      }
  }
  st = path_init(&pg, m, h, err);
  if (st != OM_OK) {
    om_free(buf);
    return st;
  }
  for (size_t p = 0; p < TS_ETS_PATHS; p++) {
    sample_path(&pg, h, &g, path);
    for (size_t i = 0; i < h; i++)
      if (*up ? path[i] >= threshold : path[i] <= threshold) {
        hits++;
        break;
      }
  }
  *prob = (double)hits / TS_ETS_PATHS;
  path_free(&pg);
  om_free(buf);
  return st;
}

double ts_fc_time(const ts_fc *m, double k) { return ts_series_time(m->t0, m->step, m->months, k); }
