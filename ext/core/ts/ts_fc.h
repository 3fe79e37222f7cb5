/*
** ts_fc.h — a forecasting model: the payload of the 'forecast' model kind
** (code 8) that forecast_train() writes and forecast() reads (ext/forecast.c;
** docs/forecast_train.md, docs/forecast.md).
**
** Methods:
**   ets    one ETS model (ts_ets.h) chosen by AICc among forecast::ets's
**          candidates, with the season of the series when it is 2..24;
**   mstl   for long or several seasons (an hour's 24 and 168): the seasons
**          are taken out by a classical decomposition repeated as MSTL does
**          (K. Bandara, R. J. Hyndman, C. Bergmeir, "MSTL: a seasonal-trend
**          decomposition algorithm for time series with multiple seasonal
**          patterns", 2021; moving averages instead of STL), a non-seasonal
**          ETS is fitted to what is left, and the seasonal indices are added
**          back to its forecasts (as forecast::stlf);
**   naive  the last value; snaive: the value one season ago.
**
** Behaviours:
**   1. ts_fc_fit(series, options): method 'auto' is ets when the series has
**      at most one season and it is <= 24 (or none), else mstl.  The
**      season lengths are the options' or ts_season_detect's (ts_series.h
**      5).  A constant series gives a naive model with sigma 0 (its
**      intervals have width 0), whatever the method asked.
**   2. ts_fc_forecast(h, coverage): point forecasts and central intervals
**      for steps 1..h: ets as ts_ets.h 6; mstl: the ETS forecast and
**      interval of the adjusted series plus the seasonal indices of each
**      step; naive: variance h sigma2; snaive: (floor((h - 1) / m) + 1)
**      sigma2, sigma2 from the one-step (seasonal) differences.
**   4. ts_fc_insample (below) replays the fit over the stored series; the
**      decomposition (decompose()) is level + (fit - level) + (y - fit) and
**      a point is anomalous (series_anomalies()) when y is outside fit -+
**      z sd.
**   5. ts_fc_crossing (below): bounds from ts_fc_forecast, probability by
**      simulation: ETS paths (Gaussian errors, as the intervals), mstl the
**      same plus the indices, naive a random walk, snaive a seasonal one.
**   3. Payload version 1, little-endian (om_buf): u8 method, u8 ts_text,
**      u8 fill, u8 n_periods, u8 periods_given, u8 months (0: step in
**      seconds, 1: in calendar months), 2 zero bytes, u32 period
**      x2, f64 t0, f64 step, u64 n, u64 filled, u32 tried, then for ets and
**      mstl the ETS block (u8 error, trend, damped, season, u32 m, f64
**      alpha, beta, gamma, phi, sigma2, loglik, aic, aicc, bic, mse, u32 k,
**      u32 n_fit, f64 x0[ns], xn[ns]), for naive/snaive f64 sigma2; for
**      mstl f64 indices[period] per period; then f64 y[n] (the filled
**      series).  ts_fc_decode checks every field's range and the exact
**      length (OM_CORRUPT naming what is wrong), and never reads out of
**      bounds.
*/
#ifndef TS_FC_H
#define TS_FC_H

#include <stddef.h>
#include <stdint.h>

#include "../base/om_buf.h"
#include "../base/om_json.h"
#include "ts_ets.h"
#include "ts_series.h"

#define TS_FC_FORMAT 1
#define TS_FC_MAX_PERIOD 10000
#define TS_FC_MAX_HORIZON 1000000

enum { TS_METHOD_AUTO = 0, TS_METHOD_ETS = 1, TS_METHOD_MSTL = 2, TS_METHOD_NAIVE = 3, TS_METHOD_SNAIVE = 4 };

typedef struct ts_fc_options {
  int method;          /* TS_METHOD_* */
  int n_periods;       /* -1: detect; 0: none; 1..2 given */
  int periods[TS_MAX_PERIODS];
  int fill;            /* TS_FILL_* */
  int error, trend, damped, season; /* ETS components; -1 = automatic */
} ts_fc_options;

typedef struct ts_fc {
  int method;
  int ts_text;         /* times were ISO-8601 text (forecast() writes text back) */
  int months;          /* a calendar grid: step in months (ts_series.h 6) */
  int fill;
  int n_periods, periods_given;
  int periods[TS_MAX_PERIODS];
  double t0, step;
  size_t n, filled;
  int tried;           /* ETS candidates fitted */
  ts_ets_model ets;    /* ets, mstl (sigma2 also for naive / snaive) */
  double *season[TS_MAX_PERIODS]; /* mstl: indices, [periods[k]] each */
  double *y;           /* [n] */
} ts_fc;

void ts_fc_options_default(ts_fc_options *o);
const char *ts_fc_method_name(int method);

/* Behaviour 1.  Takes ownership of s->y (s is emptied). */
om_status ts_fc_fit(ts_series *s, int ts_text, const ts_fc_options *o, const om_interrupt *it, ts_fc *out,
                    om_err *err);
void ts_fc_free(ts_fc *m);

/* Behaviour 2. */
om_status ts_fc_forecast(const ts_fc *m, size_t h, double coverage, double *f, double *lo, double *hi, om_err *err);

/* Behaviour 4: the fitted span, point by point.  fit[t] is the one-step
** forecast of y[t] from the points before it (NaN where the method has
** none: naive's first point, snaive's first season), level[t] its part
** without the season (ETS: l + phi b before the season; mstl: the level of
** the adjusted series; naive / snaive: the forecast itself), sd[t] the
** standard deviation of the one-step error in units of y (sigma, or
** fit[t] * sigma for a multiplicative error). */
om_status ts_fc_insample(const ts_fc *m, double *fit, double *level, double *sd, om_err *err);

/* Behaviour 5: crossing a threshold within h steps.  up: from below (the
** last value is below the threshold), else from above.  first[k] (k = 0, 1,
** 2 for yhat, lo, hi): the first step at which that bound is at or beyond
** the threshold, 0 if none within h; *prob: the share of TS_ETS_PATHS
** simulated sample paths (fixed seed) that reach it within h steps. */
om_status ts_fc_crossing(const ts_fc *m, size_t h, double threshold, double coverage, int *up, size_t first[3],
                         double *prob, om_err *err);

/* Behaviour 3. */
void ts_fc_encode(const ts_fc *m, om_wbuf *w);
om_status ts_fc_decode(const uint8_t *p, size_t n, ts_fc *out, om_err *err);

/* ts_kind.c 4: the whole model BLOB (envelope and payload) into w. */
om_status ts_fc_write(const ts_fc *m, const char *options, size_t options_len, uint64_t rows_used,
                      uint64_t rows_skipped, om_wbuf *w, om_err *err);

/* model_info's detail members, and the flat metrics object of the
** envelope. */
void ts_fc_info(const ts_fc *m, om_jw *j);
/* The time (unix seconds) of point k of the series; k >= n is a forecast
** step (k = n - 1 + step). */
double ts_fc_time(const ts_fc *m, double k);
void ts_fc_metrics(const ts_fc *m, om_jw *j);

#endif /* TS_FC_H */
