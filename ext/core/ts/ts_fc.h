/*
** ts_fc.h — a forecasting model: the payload of the 'forecast' model kind
** (code 8) that forecast_train() writes and forecast() reads (ext/forecast.c;
** docs/forecast_train.md, docs/forecast.md).
**
** A model is three layers, each optional but the last:
**   transform  Box–Cox with a lambda (ts_boxcox.h), or none;
**   adjust     seasonal indices taken out first (the mstl method: several
**              or long seasons, e.g. an hour's 24 and 168), by a classical
**              decomposition repeated as MSTL does (K. Bandara, R. J.
**              Hyndman, C. Bergmeir, "MSTL: a seasonal-trend decomposition
**              algorithm for time series with multiple seasonal patterns",
**              2021; moving averages instead of STL) and added back to the
**              forecasts, as forecast::stlf does;
**   core       the model of what is left: ets (ts_ets.h), arima
**              (ts_arima.h, chosen by ts_arima_auto.h), theta (ts_theta.h),
**              naive (the last value) or snaive (the value one season ago).
** Methods (option method) name the whole: 'ets', 'arima', 'theta' (the
** core on the series, with its season when it has one the core takes),
** 'mstl' (adjust, then the best core of ets / arima / theta without a
** season), 'naive', 'snaive', and 'auto'.
**
** Behaviours:
**   1. ts_fc_fit(series, options): the season lengths are the options' or
**      ts_season_detect's (ts_series.h 5); a constant series gives a naive
**      model with sigma 0 (intervals of width 0) whatever was asked.
**      'auto': with at most one season of at most TS_FC_SEASON_MAX (24)
**      steps, the best of ets, arima and theta on the series (their own
**      seasons); with two seasons or a longer one, mstl (unless the
**      options give a seasonal_order: then the shortest season <= 24).  "Best" is the
**      lowest AICc on a common likelihood (behaviour 6; -inf for a family
**      whose one-step forecasts are all exact) among the
**      families' own choices (ETS and ARIMA: by their AICc; theta: one
**      model).  A family that cannot fit is skipped; none: the last error.
**   6. The common likelihood: each candidate's one-step in-sample
**      forecasts (ts_fc_insample's fit, on the transformed scale) over the
**      observations after the longest burn-in of the candidates (ARIMA's
**      d + sD); the Gaussian likelihood of their errors r_t with one
**      variance, s2 = mean(r^2): loglik = -n/2 (log(2 pi s2) + 1); AICc
**      with that n and the candidate's parameter count (ETS: smoothing
**      parameters and initial states + 1; ARIMA: coefficients + 1; theta:
**      alpha, drift, free seasonal indices + 1; mstl adds nothing for the
**      indices, shared by all its candidates).  One variance for all
**      because the choice is of point forecasts: a multiplicative-error
**      ETS's own likelihood rewards its model of the variance, and on
**      daily job counts picked undamped ETS(M,A,M) trends whose forecasts
**      were far worse (tools/bench_forecast.py: daily 28-step MASE 0.83
**      with the families' own likelihoods, 0.61 with this one).  Inside a
**      family the choice stays by that family's own AICc (forecast::ets,
**      auto.arima).
**   7. theta's sigma2 is the mean square of its one-step in-sample errors
**      (t >= 1), not statsmodels' (the variance of an ARIMA(0,1,1) fitted
**      to the raw series, which for a seasonal series includes the season
**      and gives intervals far too wide), and its h-step variance is that
**      of simple exponential smoothing with drift, sigma2 (1 + alpha^2
**      (h - 1)), as its sample paths (statsmodels' formula, sigma2 (1 +
**      (h - 1)(1 + (alpha - 1)^2)), covered 0.99 of the daily benchmark's
**      90 % intervals).
**   8. Refused (OM_INVALID): a transform that overflows or makes every
**      value the same, and a fit whose one-step forecast or bounds are not
**      finite; every fitted model forecasts finite numbers at step 1.
**   9. The transform 'auto' (options.transform TS_TRANSFORM_AUTO, the
**      default): with method 'auto' and no option of one family (ETS
**      letters, ARIMA orders or constant), and a series of values all >= 0
**      and not constant, the scale is chosen first: Theta (as method
**      'theta', the same season; of two given, the shorter) is fitted to
**      y and to its square root (Box-Cox lambda 0.5), and when the
**      second's one-step in-sample
**      forecasts, back-transformed (medians), have the lower mean absolute
**      error on y's scale over the points both forecast, 'auto' runs on the
**      square root, else on y (ties or NaN: y; when only one of the two
**      Theta fits succeeds or has a finite MAE, that one's scale: values
**      near 1e200 overflow on y, not on the square root).
**      tried counts the two Theta fits.  Otherwise (another method, a
**      negative value) no transform.  Why: job counts are skewed and
**      bursty; a model of their square root forecasts their median, which
**      absolute errors reward, and its intervals are skewed as the counts
**      are.  Likelihoods cannot decide (the square root's Jacobian is
**      infinite at 0).  Theta decides because it is cheap: running the
**      whole search on both scales and keeping the better in-sample MAE
**      forecast as well on the benchmark and cost twice the time.  An
**      interrupt or out of memory during the choice stops the fit.
**      Measured in docs/BENCHMARKS.md (issue 11).
**   2. ts_fc_forecast(h, coverage): point forecasts and central intervals
**      for steps 1..h: the core's (ts_ets.h 6, ts_arima.h, ts_theta.h;
**      naive: variance h sigma2; snaive: (floor((h - 1) / m) + 1) sigma2,
**      sigma2 from the one-step (seasonal) differences), plus the seasonal
**      indices of each step (mstl), then back-transformed (medians and
**      the bounds' images: ts_boxcox.h 2).
**   4. ts_fc_insample (below) replays the fit over the stored series; the
**      decomposition (decompose()) is level + (fit - level) + (y - fit) and
**      a point is anomalous (series_anomalies()) when y is outside fit -+
**      z sd.  The level: ETS's l + phi b; Theta's forecast without its
**      seasonal index; a seasonal ARIMA's forecast less the indices of a
**      classical decomposition of its one-step forecasts (ARIMA has no
**      seasonal state); otherwise the forecast itself.  With a transform,
**      fit and level are back-transformed and sd
**      is the transformed sd times the slope of the inverse at the fit (the
**      delta method).
**   5. ts_fc_crossing (below): bounds from ts_fc_forecast, probability by
**      simulation: sample paths of the core (Gaussian errors, as the
**      intervals; ARIMA: the point forecast plus the deviation future
**      shocks make through the full AR and MA polynomials, zero before the
**      origin, so any series length works), plus the indices,
**      back-transformed.
**   3. Payload version 2, little-endian (om_buf): u8 method, u8 ts_text,
**      u8 fill, u8 n_periods, u8 periods_given, u8 months (0: step in
**      seconds, 1: in calendar months), 2 zero bytes, u32 period x2, f64
**      t0, f64 step, u64 n, u64 filled, u32 tried; then (version 2) u8
**      core, u8 transform, u8 adjusted, u8 n_cand, f64 lambda, n_cand
**      candidate records (u8 family, u8 order[7], u32 season, u32 tried,
**      f64 aicc); then the core block: ETS (u8 error, trend, damped,
**      season, u32 m, f64 alpha, beta, gamma, phi, sigma2, loglik, aic,
**      aicc, bic, mse, u32 k, u32 n_fit, f64 x0[ns], xn[ns]), ARIMA (u8
**      p, d, q, P, D, Q, constant, 0, u32 s, f64 ar[p], ma[q], sar[P],
**      sma[Q], mu, sigma2, loglik, aic, aicc, bic, u32 k, u32 n_used),
**      theta (ts_theta.h's fields), naive / snaive f64 sigma2; for adjusted
**      models f64 indices[period] per period; then f64 y[n] (the filled
**      series, untransformed).  Version 1 (no version-2 fields; method
**      ets, mstl, naive or snaive; core implied by the method) still
**      decodes.  ts_fc_decode checks every field's range and the exact
**      length (OM_CORRUPT naming what is wrong), and never reads out of
**      bounds.
*/
#ifndef TS_FC_H
#define TS_FC_H

#include <stddef.h>
#include <stdint.h>

#include "../base/om_buf.h"
#include "../base/om_json.h"
#include "ts_arima.h"
#include "ts_ets.h"
#include "ts_theta.h"
#include "ts_series.h"

#define TS_FC_FORMAT 2
#define TS_FC_SEASON_MAX 24 /* auto: longer or two seasons go to mstl */
#define TS_FC_MAX_CAND 8
#define TS_FC_MAX_PERIOD 10000
#define TS_FC_MAX_HORIZON 1000000

enum {
  TS_METHOD_AUTO = 0,
  TS_METHOD_ETS = 1,
  TS_METHOD_MSTL = 2,
  TS_METHOD_NAIVE = 3,
  TS_METHOD_SNAIVE = 4,
  TS_METHOD_ARIMA = 5,
  TS_METHOD_THETA = 6
};
#define TS_METHOD_LAST TS_METHOD_THETA
enum { TS_TRANSFORM_NONE = 0, TS_TRANSFORM_BOXCOX = 1, TS_TRANSFORM_AUTO = 2 /* options only: behaviour 9 */ };

typedef struct ts_fc_options {
  int method;          /* TS_METHOD_* */
  int n_periods;       /* -1: detect; 0: none; 1..2 given */
  int periods[TS_MAX_PERIODS];
  int fill;            /* TS_FILL_* */
  int error, trend, damped, season; /* ETS components; -1 = automatic */
  int order[3], sorder[3];          /* ARIMA (p, d, q), (P, D, Q); -1 = automatic */
  int constant;                     /* ARIMA mean / drift: -1 automatic, 0, 1 */
  int max_models;                   /* ARIMA search budget (ts_arima_auto.h 4) */
  int transform;                    /* TS_TRANSFORM_* */
  double lambda;                    /* Box-Cox lambda; NAN = Guerrero's choice */
} ts_fc_options;

/* A family's choice, kept for model_info (behaviour 1). */
typedef struct ts_fc_cand {
  int family;       /* TS_METHOD_ETS, ARIMA, THETA */
  int order[7];     /* ETS: error, trend, damped, season; ARIMA: p d q P D Q constant */
  int season;       /* m / s */
  int tried;        /* models the family fitted */
  double aicc;      /* behaviour 6 */
} ts_fc_cand;

typedef struct ts_fc {
  int method;
  int ts_text;         /* times were ISO-8601 text (forecast() writes text back) */
  int months;          /* a calendar grid: step in months (ts_series.h 6) */
  int fill;
  int n_periods, periods_given;
  int periods[TS_MAX_PERIODS];
  double t0, step;
  size_t n, filled;
  int tried;           /* models fitted, every family */
  int core;            /* TS_METHOD_ETS, ARIMA, THETA, NAIVE, SNAIVE */
  int transform;       /* TS_TRANSFORM_* */
  double lambda;
  int adjusted;        /* seasonal indices taken out (mstl) */
  int n_cand;
  ts_fc_cand cand[TS_FC_MAX_CAND];
  ts_ets_model ets;    /* core ets (its sigma2 also for naive / snaive) */
  ts_arima_model arima;
  ts_theta_model theta;
  double *season[TS_MAX_PERIODS]; /* mstl: indices, [periods[k]] each */
  double *y;           /* [n] */
  double *x;           /* [n]: what the core models (y transformed, less the
                       ** indices); NULL when that is y itself */
} ts_fc;

/* x from y, lambda and the indices (after a fit or a decode). */
om_status ts_fc_prepare(ts_fc *m, om_err *err);

/* The core's one-step variance (model_info's sigma^2, on the core's scale). */
double ts_fc_sigma2(const ts_fc *m);

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
om_status ts_fc_decode(const uint8_t *p, size_t n, ts_fc *out, om_err *err); /* TS_FC_FORMAT */
om_status ts_fc_decode_version(const uint8_t *p, size_t n, unsigned version, ts_fc *out, om_err *err);

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
