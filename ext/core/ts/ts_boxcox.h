/*
** ts_boxcox.h — the Box–Cox transform of a series (G. E. P. Box and D. R.
** Cox, "An analysis of transformations", JRSS B 26, 1964) and the choice of
** its lambda by Guerrero's method (V. M. Guerrero, "Time-series analysis
** supported by power transformations", J. Forecasting 12, 1993), as R's
** forecast::BoxCox and BoxCox.lambda(method = "guerrero") do: option
** transform of forecast_train (ts_fc.h).
**
** Behaviours:
**   1. ts_boxcox(y, lambda) = log y for lambda 0, (y^lambda - 1) / lambda
**      otherwise; y must be > 0 (>= 0 for lambda > 0): ts_boxcox_ok.
**   2. ts_boxcox_inv(z, lambda) = exp z, or (lambda z + 1)^(1 / lambda);
**      where lambda z + 1 <= 0 (a bound below what the transform can
**      give) the result is 0 for lambda > 0 and +inf for lambda < 0 (the
**      limits of the power); NaN only for a NaN z (a point without a
**      forecast stays without one).  Forecasts back-transformed this
**      way are medians, as forecast's default (no bias adjustment).
**   3. ts_boxcox_lambda(y, n, m): Guerrero's choice in [-1, 2] ([0, 2] when
**      a value is 0): the series' last whole blocks of max(2, m) points;
**      per block its mean and standard deviation; the lambda minimising
**      the coefficient of variation of sd / mean^(1 - lambda), by golden
**      section search (tolerance 1e-4; R uses optimize with the same
**      bracket).  Fewer than two blocks, or a block with mean <= 0: 1.
*/
#ifndef TS_BOXCOX_H
#define TS_BOXCOX_H

#include <stddef.h>

int ts_boxcox_ok(const double *y, size_t n, double lambda);
double ts_boxcox(double y, double lambda);
double ts_boxcox_inv(double z, double lambda);
double ts_boxcox_lambda(const double *y, size_t n, int m);

#endif /* TS_BOXCOX_H */
