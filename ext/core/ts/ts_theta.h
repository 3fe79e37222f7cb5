/*
** ts_theta.h — the standard Theta method (V. Assimakopoulos and K.
** Nikolopoulos, "The theta model: a decomposition approach to
** forecasting", IJF 16, 2000), which R. J. Hyndman and B. Billah
** ("Unmasking the Theta method", IJF 19, 2003) showed to be simple
** exponential smoothing with a drift of half the OLS slope, as
** statsmodels' ThetaModel(y, period=m).fit() computes it by default
** (statsmodels/tsa/forecasting/theta.py, 0.13).
**
** Behaviours:
**   1. Seasonality test (statsmodels' _test_seasonality, 90%): when
**      m >= 2 and n >= 2 m, with r_k the sample autocorrelations of y
**      (mean removed, every lag divided by the same sum of squares),
**        stat = n r_m^2 / (r_0^2 + ... + r_{m-1}^2) > 2.705543454095404
**      (the 90% point of chi2(1)) deseasonalizes.  m < 2, n < 2 m (where
**      statsmodels' decomposition would refuse) or a constant series: no
**      season.
**   2. Deseasonalizing: classical decomposition of period m (statsmodels'
**      seasonal_decompose): T the centred moving average (2 x m for even
**      m), index j the mean of y / T (multiplicative) or y - T (additive)
**      over the points t = j mod m where T exists, normalised to mean 1
**      (divided by the mean) or mean 0.  Multiplicative ("auto") when every
**      y > 0, additive otherwise; a multiplicative index <= 0 falls back
**      to additive.  The model then works on y / s_t or y - s_t.
**   3. b0 = the OLS slope of the adjusted series on t = 0 .. n-1; the
**      forecast uses b0 / 2 (theta = 2, the weight (theta - 1) / theta).
**   4. SES with initial level l_0 = y_0 (statsmodels' "known" initial
**      level: the first one-step error is 0), l_t = l_{t-1} + alpha
**      (y_t - l_{t-1}); alpha in [1e-4, 0.9999] (statsmodels' bounds)
**      minimises SSE = sum (y_t - l_{t-1})^2 — the maximum of the
**      Gaussian likelihood with the scale concentrated out, which
**      statsmodels maximises with L-BFGS — by a grid of 200 points and a
**      golden-section search to 1e-12 around the best.  mse = SSE / n.
**      opts->alpha in (0, 1] fixes alpha instead (for comparisons).
**   5. sigma2 is statsmodels' ThetaModelResults.sigma2: the variance of
**      an ARIMA(0,1,1) with drift fitted by maximum likelihood to the RAW
**      series (not the adjusted one).  Here: the exact Gaussian likelihood
**      of the n - 1 differences as an MA(1) around a mean (the drift), by
**      the innovations algorithm, with the drift (GLS) and the variance
**      profiled out; the MA coefficient in [-0.9999, 0.9999] by a grid of
**      400 points and golden section.  statsmodels' SARIMAX uses an
**      approximate diffuse start (variance 1e6) and a numerical optimiser,
**      so its sigma2 differs (about 1e-5 relative typically, more when the
**      MA coefficient is at -1 or its optimiser stops at a local optimum:
**      see tests/unit/test_ts_theta.c).  opts->sigma2 > 0 fixes sigma2.
**   6. Forecasts, h = 1, 2, ...:
**        f_h = [l_n + (b0/2) (h - 1 + 1/alpha - (1 - alpha)^n / alpha)] (x|+) s_{(n+h-1) mod m}
**      and the interval f_h -/+ z sqrt(sigma2 (1 + (h - 1)(1 + (alpha - 1)^2))),
**      z = the normal quantile of (1 + coverage) / 2 — statsmodels'
**      prediction_intervals verbatim, added (not multiplied) after
**      reseasonalizing.  (That variance is not the h-step variance of the
**      ARIMA(0,1,1) behind the method, sigma2 (1 + (h - 1) alpha^2); we
**      keep statsmodels' formula for parity.)
**   7. In-sample one-step forecasts: for observation t = 0 .. n-1 the
**      forecast 6 at h = 1 from origin t (l_t = the level before y_t,
**      (1 - alpha)^t), reseasonalized with s_{t mod m}, and sd =
**      sqrt(sigma2) (b0 and the season are the full-sample ones).
**   8. Needs n >= 4 finite values and m >= 1 (OM_INVALID).  The fit
**      allocates the model's m indices (owned; ts_theta_free) and n + m
**      doubles of scratch (OM_NOMEM); the interrupt is polled in the
**      searches (OM_INTERRUPTED).  After a failed fit there is nothing to
**      free (ts_theta_free is safe anyway).
*/
#ifndef TS_THETA_H
#define TS_THETA_H

#include <stddef.h>

#include "../base/om_core.h"
#include "ts_ets.h" /* TS_NONE, TS_ADD, TS_MUL */

typedef struct ts_theta_opts {
  double alpha;  /* > 0: use this alpha (4) */
  double sigma2; /* > 0: use this variance (5) */
} ts_theta_opts;

typedef struct ts_theta_model {
  int m;            /* season length given */
  int season;       /* TS_NONE, TS_MUL, TS_ADD (1, 2) */
  double acf_stat;  /* the statistic of 1 (NaN when not computed) */
  double alpha;     /* SES parameter */
  double level;     /* l_n, the SES level after the last observation */
  double b0;        /* OLS slope of the adjusted series (3) */
  double sigma2;    /* 5 */
  double ma, drift; /* the ARIMA(0,1,1) + drift behind sigma2 */
  double mse;       /* SES SSE / n on the adjusted series */
  size_t n;
  double *idx; /* [m] seasonal indices for t mod m (NULL without season) */
} ts_theta_model;

/* Fit (1-5); opts may be NULL. */
om_status ts_theta_fit(const double *y, size_t n, int m, const ts_theta_opts *opts, const om_interrupt *it,
                       ts_theta_model *out, om_err *err);

/* Behaviour 6: f[0, h), lo/hi (may be NULL) at the given coverage in (0, 1). */
om_status ts_theta_forecast(const ts_theta_model *md, size_t h, double coverage, double *f, double *lo, double *hi,
                            om_err *err);

/* Behaviour 7: fit[0, n) and sd[0, n) (either may be NULL) for the y that was fitted. */
om_status ts_theta_insample(const ts_theta_model *md, const double *y, size_t n, double *fit, double *sd, om_err *err);

void ts_theta_free(ts_theta_model *md);

#endif /* TS_THETA_H */
