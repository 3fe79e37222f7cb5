/*
** ts_arima_auto.h — choosing a seasonal ARIMA model for a series as R's
** forecast::auto.arima does (R. J. Hyndman and Y. Khandakar, "Automatic
** time series forecasting: the forecast package for R", J. Stat. Softw.
** 27(3), 2008; the stepwise algorithm of its section 3.2): the ARIMA part
** of forecast_train's 'arima' and 'auto' methods (ts_fc.h).
**
** Behaviours:
**   1. Differences: D (0 or 1, only with s >= 2 and n > 2 s + 2) from the
**      seasonal strength test (ts_unitroot.h: nsdiffs), then d (0..2) from
**      repeated KPSS tests at 5 % on the seasonally differenced series
**      (ndiffs).  Given orders (o->d, o->D >= 0) are used as they are (too
**      few points left after them: OM_INVALID, never a smaller D).
**   2. A constant (the mean for d + D = 0, the drift for d + D = 1) is
**      allowed when d + D <= 1 (o->constant -1), forced with 1, refused
**      with 0; never with d + D >= 2.
**   3. Limits as auto.arima's defaults: p, q <= 5, P, Q <= 2, p + q + P + Q
**      <= 5; with a season, p and q <= s - 1; short series: p, q <= n/3 - ...
**      (each order at most a third of the differenced length, seasonal ones
**      counted in seasons).  o->max_* lower them.
**   4. Stepwise search: the starting models (2,d,2)(1,D,1), (0,d,0)(0,D,0),
**      (1,d,0)(1,D,0), (0,d,1)(0,D,1) with the constant when allowed, and
**      (0,d,0)(0,D,0) without it; then from the best so far its neighbours
**      in auto.arima's order (P-1, Q-1, P+1, Q+1, both seasonal by +-1,
**      p-1, q-1, p+1, q+1, both by +-1, the constant toggled), moving to the
**      first that lowers the AICc and starting over, until none does or
**      o->max_models models have been fitted (the budget: a count, not a
**      clock, so the choice is the same on every machine).  A fit with an
**      AR or MA root of modulus <= 1.01 (ts_arima_ok_roots) or that fails
**      counts as tried with an infinite AICc.
**   5. Approximation: as auto.arima, the search uses conditional sums of
**      squares (CSS) when the series is long (n > 150) or the season is
**      longer than 12; the models are then refitted by maximum likelihood
**      (exact, Kalman; started from CSS as R's default CSS-ML) in
**      increasing order of their CSS AICc until one
**      fits with usable roots (at most 20 tries; when none does, the best
**      CSS fit is kept and model_info says "estimation": "css").  o->approx 0 / 1 forces it
**      off / on.  Without the approximation every fit is CSS-ML.
**   6. *tried counts the models fitted (refits included); OM_INVALID when
**      no model fits (with the last fit's message); OM_NOMEM and
**      OM_INTERRUPTED pass through.
*/
#ifndef TS_ARIMA_AUTO_H
#define TS_ARIMA_AUTO_H

#include <stddef.h>

#include "../base/om_core.h"
#include "ts_arima.h"

typedef struct ts_arima_auto_opts {
  int s;                   /* season length; 1 without */
  int p, q, P, Q;          /* fixed orders, or -1 (searched) */
  int d, D;                /* fixed differences, or -1 (behaviour 1) */
  int constant;            /* -1 allowed, 0 never, 1 always (behaviour 2) */
  int max_p, max_q, max_P, max_Q, max_order;
  int max_models;          /* behaviour 4's budget */
  int approx;              /* -1 automatic, 0 exact, 1 CSS search */
} ts_arima_auto_opts;

void ts_arima_auto_defaults(ts_arima_auto_opts *o, int s);

om_status ts_arima_auto(const double *y, size_t n, const ts_arima_auto_opts *o, const om_interrupt *it,
                        ts_arima_model *out, int *tried, om_err *err);

#endif /* TS_ARIMA_AUTO_H */
