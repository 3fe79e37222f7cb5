/*
** ts_unitroot.h — how many differences a series needs: the rules of R's
** forecast::ndiffs and forecast::nsdiffs (R/unitRoot.R), which
** forecast::auto.arima uses to choose d and D.
**
** Behaviours:
**   1. ts_kpss_stat(x, n, lags) is the KPSS level-stationarity statistic
**      (Kwiatkowski, Phillips, Schmidt & Shin, J. Econometrics 54, 1992):
**      with e = x - mean(x) and S_t = e_1 + ... + e_t,
**        eta = sum S_t^2 / n^2,
**        s2  = (sum e_t^2 + 2 sum_{i=1..lags} (1 - i/(lags+1)) sum_t e_t e_{t-i}) / n
**      (the Bartlett / Newey–West long-run variance), statistic eta / s2:
**      statsmodels.tsa.stattools.kpss(x, regression="c", nlags=lags)[0]
**      and urca::ur.kpss(x, type="mu", use.lag=lags).  NaN when n < 2,
**      lags < 0, lags >= n, x holds a non-finite value or s2 <= 0 (a
**      constant series).
**   2. ts_is_constant(x, n) is forecast's is.constant, R's all.equal
**      against the first value: with d = mean |x_t - x_1|, constant when
**      d / |x_1| <= 1.5e-8 (or d <= 1.5e-8 when |x_1| <= 1.5e-8).  n <= 1
**      is constant.
**   3. ts_ndiffs(x, n, max_d, &d, err) is forecast::ndiffs with its
**      defaults (test "kpss", type "level", alpha 0.05): d = 0; a constant
**      series stops at once; while the KPSS statistic with
**      lags = trunc(3 sqrt(len) / 13) of the CURRENT series (R evaluates
**      the default lazily, after x <- diff(x)) exceeds 0.463 (the 5%
**      critical value: urca's interpolated p-value is below 0.05 exactly
**      then) and d < max_d: difference once more (d += 1); a series that
**      becomes constant stops with that d.  max_d is forecast's max.d (2
**      by default; 0 gives 0).  Needs n >= 2, every x finite and
**      0 <= max_d < n (OM_INVALID otherwise).  It allocates one copy of x
**      with om_malloc for the differencing (OM_NOMEM).
**   4. ts_seasonal_strength(x, n, m, &s, err) is forecast's seas.heuristic,
**        s = max(0, min(1, 1 - var(R) / var(R + S))),
**      R the remainder and S the seasonal part of a decomposition of
**      period m — but forecast decomposes with mstl (STL, loess) and omen
**      with the classical decomposition instead: trend T the centred moving
**      average of length m (2 x m for even m, the weights 1/2m at both
**      ends), S_t the seasonal index of t mod m (the mean of x - T over
**      the points where T exists, less the mean of the m indices: the
**      indices of ts_decomp.h), R = x - T - S, the variances over the
**      points where T exists.  This is statsmodels' seasonal_decompose(x,
**      "additive", period=m) exactly (to rounding); STL's strength differs
**      (fixtures/tsref/make_tsref.py measures by how much).  The moving
**      average is summed directly per point (O(n m), no running sums).
**      Needs 2 <= m and n > 2 m, x finite (OM_INVALID); allocates 2 m
**      doubles (OM_NOMEM).  A series with var(R + S) = 0 has strength 0.
**   5. ts_nsdiffs(x, n, m, &D, err): forecast::nsdiffs with test "seas"
**      and max.D = 1 as auto.arima calls it: D = 1 when n > 2 m, the
**      series is not constant (2) and the strength (4) exceeds 0.64, else
**      0 (m < 2 or n <= 2 m give 0, not an error).  Errors as 4.
**   No global state; nothing is kept between calls.
*/
#ifndef TS_UNITROOT_H
#define TS_UNITROOT_H

#include <stddef.h>

#include "../base/om_core.h"

#define TS_KPSS_CRIT_05 0.463  /* 5% critical value of the level KPSS statistic */
#define TS_SEAS_THRESHOLD 0.64 /* forecast::nsdiffs' strength threshold */

double ts_kpss_stat(const double *x, size_t n, int lags);
int ts_is_constant(const double *x, size_t n);
/* trunc(3 sqrt(n) / 13): forecast::ndiffs' lag for a series of n points. */
int ts_ndiffs_lags(size_t n);
om_status ts_ndiffs(const double *x, size_t n, int max_d, int *d, om_err *err);
om_status ts_seasonal_strength(const double *x, size_t n, int m, double *strength, om_err *err);
om_status ts_nsdiffs(const double *x, size_t n, int m, int *D, om_err *err);

#endif /* TS_UNITROOT_H */
