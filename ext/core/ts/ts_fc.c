/*
** ts_fc.c — fitting and forecasting a forecast model (spec: ts_fc.h).
*/
#include "ts_fc.h"

#include <math.h>
#include <string.h>

#include "ts_decomp.h"
#include "ts_dist.h"

void ts_fc_options_default(ts_fc_options *o) {
  memset(o, 0, sizeof *o);
  o->method = TS_METHOD_AUTO;
  o->n_periods = -1;
  o->fill = TS_FILL_LINEAR;
  o->error = o->trend = o->damped = o->season = -1;
}

const char *ts_fc_method_name(int method) {
  switch (method) {
  case TS_METHOD_AUTO: return "auto";
  case TS_METHOD_ETS: return "ets";
  case TS_METHOD_MSTL: return "mstl";
  case TS_METHOD_NAIVE: return "naive";
  case TS_METHOD_SNAIVE: return "snaive";
  default: return "?";
  }
}

void ts_fc_free(ts_fc *m) {
  for (int k = 0; k < TS_MAX_PERIODS; k++) om_free(m->season[k]);
  om_free(m->y);
  memset(m, 0, sizeof *m);
}

/* The ETS candidates the options allow (behaviour 1 of ts_ets.h 5, narrowed
** by error / trend / damped / season); the best by AICc into md. */
static om_status fit_ets(const double *y, size_t n, int m, const ts_fc_options *o, const om_interrupt *it,
                         ts_ets_model *md, int *tried, om_err *err) {
  int positive = 1, fitted = 0;
  double best = INFINITY;
  om_err e1;
  om_status last = OM_OK;
  for (size_t t = 0; t < n; t++)
    if (!(y[t] > 0)) positive = 0;
  *tried = 0;
  e1.msg[0] = 0;
  for (int er = TS_ADD; er <= TS_MUL; er++) {
    if (o->error >= 0 && er != o->error) continue;
    if (er == TS_MUL && !positive) continue;
    for (int tk = 0; tk < 3; tk++) {
      int trend = tk == 0 ? TS_NONE : TS_ADD, damped = tk == 2;
      if (o->trend >= 0 && trend != o->trend) continue;
      if (o->damped >= 0 && trend != TS_NONE && damped != o->damped) continue;
      for (int se = TS_NONE; se <= TS_MUL; se++) {
        ts_ets_spec sp = {er, trend, damped, se, se ? m : 1};
        ts_ets_model cand;
        om_status st;
        if (o->season >= 0 && se != o->season) continue;
        if (se && (m < 2 || m > TS_ETS_MAX_M || n < (size_t)(2 * m + 2))) continue;
        if (er == TS_ADD && se == TS_MUL) continue;
        if (se == TS_MUL && !positive) continue;
        st = ts_ets_fit(y, n, &sp, it, &cand, &e1);
        if (st == OM_NOMEM || st == OM_INTERRUPTED) return om_errf(err, st, "%s", e1.msg);
        if (st != OM_OK) {
          last = st;
          continue;
        }
        fitted++;
        if (fitted == 1 || cand.aicc < best) { /* the first even when its AICc is infinite */
          best = cand.aicc;
          *md = cand;
        }
      }
    }
  }
  *tried = fitted;
  if (!fitted) {
    if (last != OM_OK && e1.msg[0]) return om_errf(err, OM_INVALID, "no ETS model fits: %s", e1.msg);
    return om_errf(err, OM_INVALID, "no ETS model fits these %zu points with these options", n);
  }
  return OM_OK;
}

/* sigma2 of the one-step differences at lag p (naive p = 1, snaive p = m). */
static double diff_sigma2(const double *y, size_t n, size_t p) {
  double s = 0;
  size_t k = 0;
  for (size_t t = p; t < n; t++, k++) s += (y[t] - y[t - p]) * (y[t] - y[t - p]);
  return k ? s / (double)k : 0;
}

om_status ts_fc_fit(ts_series *s, int ts_text, const ts_fc_options *o, const om_interrupt *it, ts_fc *out,
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
  if (out->method == TS_METHOD_AUTO)
    out->method = out->n_periods >= 2 || (out->n_periods == 1 && out->periods[0] > TS_ETS_MAX_M) ? TS_METHOD_MSTL
                                                                                                   : TS_METHOD_ETS;
  switch (out->method) {
  case TS_METHOD_NAIVE:
    out->ets.sigma2 = diff_sigma2(out->y, out->n, 1);
    break;
  case TS_METHOD_SNAIVE: {
    int m = out->n_periods ? out->periods[0] : 0;
    if (m < 2 || (size_t)m >= out->n)
      return om_errf(err, OM_INVALID, "snaive needs a season length between 2 and the number of points - 1");
    out->ets.sigma2 = diff_sigma2(out->y, out->n, (size_t)m);
    break;
  }
  case TS_METHOD_ETS: {
    int m;
    if (!out->periods_given) { /* detected: the shortest season ETS takes, if any */
      int keep = 0;
      for (int k = 0; k < out->n_periods; k++)
        if (out->periods[k] <= TS_ETS_MAX_M && !keep) keep = out->periods[k];
      out->n_periods = keep ? 1 : 0;
      out->periods[0] = keep;
      out->periods[1] = 0;
    }
    m = out->n_periods ? out->periods[0] : 1;
    if (out->n_periods > 1)
      return om_errf(err, OM_INVALID, "ets takes one season length; use method 'mstl' for %d and %d",
                     out->periods[0], out->periods[1]);
    if (m > TS_ETS_MAX_M)
      return om_errf(err, OM_INVALID, "ets takes a season of at most %d; use method 'mstl' for %d", TS_ETS_MAX_M, m);
    st = fit_ets(out->y, out->n, m, o, it, &out->ets, &out->tried, err);
    break;
  }
  case TS_METHOD_MSTL: {
    double *adj;
    ts_fc_options non = *o;
    if (out->n_periods == 0) return om_errf(err, OM_INVALID, "mstl needs a season length (none was found)");
    for (int k = 0; k < out->n_periods; k++) {
      out->season[k] = om_malloc_array((size_t)out->periods[k], sizeof(double));
      if (!out->season[k]) return om_errf(err, OM_NOMEM, "out of memory");
    }
    st = ts_decomp(out->y, out->n, out->periods, out->n_periods, out->season, err);
    if (st != OM_OK) return st;
    adj = om_malloc_array(out->n, sizeof *adj);
    if (!adj) return om_errf(err, OM_NOMEM, "out of memory");
    for (size_t t = 0; t < out->n; t++) {
      double v = out->y[t];
      for (int k = 0; k < out->n_periods; k++) v -= out->season[k][t % (size_t)out->periods[k]];
      adj[t] = v;
    }
    non.season = TS_NONE;
    st = fit_ets(adj, out->n, 1, &non, it, &out->ets, &out->tried, err);
    om_free(adj);
    break;
  }
  default: return om_errf(err, OM_INTERNAL, "unknown method %d", out->method);
  }
  return st;
}

om_status ts_fc_forecast(const ts_fc *m, size_t h, double coverage, double *f, double *lo, double *hi, om_err *err) {
  double z;
  if (!(coverage > 0 && coverage < 1)) return om_errf(err, OM_INVALID, "coverage %g is outside (0, 1)", coverage);
  z = ts_norm_ppf(0.5 + coverage / 2);
  switch (m->method) {
  case TS_METHOD_NAIVE:
  case TS_METHOD_SNAIVE: {
    size_t p = m->method == TS_METHOD_SNAIVE ? (size_t)m->periods[0] : 1;
    for (size_t i = 0; i < h; i++) {
      double v = m->y[m->n - p + (i % p)], k = (double)(i / p + 1);
      f[i] = v;
      lo[i] = v - z * sqrt(k * m->ets.sigma2);
      hi[i] = v + z * sqrt(k * m->ets.sigma2);
    }
    return OM_OK;
  }
  case TS_METHOD_ETS: return ts_ets_forecast(&m->ets, h, coverage, f, lo, hi, err);
  case TS_METHOD_MSTL: {
    om_status st = ts_ets_forecast(&m->ets, h, coverage, f, lo, hi, err);
    if (st != OM_OK) return st;
    for (size_t i = 0; i < h; i++) {
      double s = 0;
      for (int k = 0; k < m->n_periods; k++) s += m->season[k][(m->n + i) % (size_t)m->periods[k]];
      f[i] += s;
      lo[i] += s;
      hi[i] += s;
    }
    return OM_OK;
  }
  default: return om_errf(err, OM_INTERNAL, "unknown method %d", m->method);
  }
}

om_status ts_fc_insample(const ts_fc *m, double *fit, double *level, double *sd, om_err *err) {
  size_t n = m->n;
  double sig = sqrt(m->ets.sigma2);
  switch (m->method) {
  case TS_METHOD_NAIVE:
  case TS_METHOD_SNAIVE: {
    size_t p = m->method == TS_METHOD_SNAIVE ? (size_t)m->periods[0] : 1;
    for (size_t t = 0; t < n; t++) {
      fit[t] = t >= p ? m->y[t - p] : NAN;
      level[t] = fit[t];
      sd[t] = t >= p ? sig : NAN;
    }
    return OM_OK;
  }
  case TS_METHOD_ETS:
  case TS_METHOD_MSTL: {
    double x[TS_ETS_MAX_STATE], sse, sl, *adj = NULL;
    const double *src = m->y;
    memcpy(x, m->ets.x0, sizeof x);
    if (m->method == TS_METHOD_MSTL) {
      adj = om_malloc_array(n, sizeof *adj);
      if (!adj) return om_errf(err, OM_NOMEM, "out of memory");
      for (size_t t = 0; t < n; t++) {
        double v = m->y[t];
        for (int k = 0; k < m->n_periods; k++) v -= m->season[k][t % (size_t)m->periods[k]];
        adj[t] = v;
      }
      src = adj;
    }
    for (size_t t = 0; t < n; t++) fit[t] = level[t] = NAN;
    ts_ets_filter(&m->ets, x, src, n, NULL, fit, level, &sse, &sl);
    for (size_t t = 0; t < n; t++) {
      /* a multiplicative error scales with the ETS forecast (of the
      ** adjusted series, for mstl) */
      sd[t] = m->ets.spec.error == TS_MUL ? fabs(fit[t]) * sig : sig;
      if (adj) {
        double s = 0;
        for (int k = 0; k < m->n_periods; k++) s += m->season[k][t % (size_t)m->periods[k]];
        fit[t] += s;
      }
    }
    om_free(adj);
    return OM_OK;
  }
  default: return om_errf(err, OM_INTERNAL, "unknown method %d", m->method);
  }
}

/* One sample path of h steps into out (x: scratch of TS_ETS_MAX_STATE). */
static void sample_path(const ts_fc *m, size_t h, ts_rng *g, double *out) {
  double sig = sqrt(m->ets.sigma2);
  switch (m->method) {
  case TS_METHOD_NAIVE: {
    double v = m->y[m->n - 1];
    for (size_t i = 0; i < h; i++) out[i] = v += sig * ts_rng_norm(g);
    return;
  }
  case TS_METHOD_SNAIVE: {
    size_t p = (size_t)m->periods[0];
    for (size_t i = 0; i < h; i++) out[i] = (i < p ? m->y[m->n - p + i] : out[i - p]) + sig * ts_rng_norm(g);
    return;
  }
  default: {
    const ts_ets_model *md = &m->ets;
    const ts_ets_spec *sp = &md->spec;
    const int tr = sp->trend != TS_NONE, mm = sp->season ? sp->m : 1;
    double x[TS_ETS_MAX_STATE], sse, sl;
    memcpy(x, md->xn, sizeof x);
    for (size_t i = 0; i < h; i++) {
      double q = tr ? x[0] + (sp->damped ? md->phi : 1) * x[1] : x[0];
      double sv = sp->season ? x[1 + tr + mm - 1] : 0, fc, yy, s = 0;
      fc = sp->season == TS_ADD ? q + sv : sp->season == TS_MUL ? q * sv : q;
      yy = sp->error == TS_MUL ? fc * (1 + sig * ts_rng_norm(g)) : fc + sig * ts_rng_norm(g);
      if (isfinite(yy)) ts_ets_filter(md, x, &yy, 1, NULL, NULL, NULL, &sse, &sl);
      if (m->method == TS_METHOD_MSTL)
        for (int k = 0; k < m->n_periods; k++) s += m->season[k][(m->n + i) % (size_t)m->periods[k]];
      out[i] = yy + s;
    }
  }
  }
}

om_status ts_fc_crossing(const ts_fc *m, size_t h, double threshold, double coverage, int *up, size_t first[3],
                         double *prob, om_err *err) {
  double *buf = om_malloc_array(4 * h, sizeof *buf), *f, *lo, *hi, *path;
  size_t hits = 0;
  ts_rng g = {0x6f6d656e43524f53u};
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
  for (size_t p = 0; p < TS_ETS_PATHS; p++) {
    sample_path(m, h, &g, path);
    for (size_t i = 0; i < h; i++)
      if (*up ? path[i] >= threshold : path[i] <= threshold) {
        hits++;
        break;
      }
  }
  *prob = (double)hits / TS_ETS_PATHS;
  om_free(buf);
  return OM_OK;
}

double ts_fc_time(const ts_fc *m, double k) { return ts_series_time(m->t0, m->step, m->months, k); }
