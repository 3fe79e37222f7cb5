/*
** ts_ets.h — exponential smoothing in state-space form (ETS): the models of
** R. J. Hyndman, A. B. Koehler, J. K. Ord and R. D. Snyder, "Forecasting
** with Exponential Smoothing: the State Space Approach" (Springer 2008),
** fitted by maximum likelihood and chosen by AICc as R's forecast::ets does
** (Hyndman & Khandakar, J. Stat. Softw. 27(3), 2008).  The ETS method of
** forecast_train (ext/forecast.c; docs/forecast_train.md).
**
** A model is (error, trend, season, m): error A/M, trend N/A/Ad (additive,
** optionally damped), season N/A/M with season length m (2..TS_ETS_MAX_M).
** The state is x = [l, b (trend models), s_1 .. s_m (seasonal models)],
** s_m being the seasonal term of the next period, s_1 the last updated.
**
** Behaviours:
**   1. One step (with q = l + phi b, or l without trend; s = s_m, or 0 /
**      1 without season; phi = 1 without damping):
**        forecast  f = q + s (A season), q s (M season), q (none)
**        error     e = y - f (A error), (y - f) / f (M error)
**        level     l' = q + alpha (p - q),  p = y - s | y / s | y
**        trend     b' = phi b + (beta / alpha) (l' - l - phi b)
**        season    s' = s + gamma (y - q - s) | s + gamma (y / q - s)
**      and the seasonal terms rotate.  This is the error-correction form:
**      with A error it is l' = q + alpha e, b' = phi b + beta e, ... (the
**      state-space parameters; beta <= alpha).
**   2. Likelihood (Gaussian errors, innovations form): with SSE = sum e^2
**      over the n observations,
**        loglik = -n/2 (log(2 pi SSE / n) + 1) - sum log|f|   (M error)
**                 -n/2 (log(2 pi SSE / n) + 1)                (A error),
**      the concentrated likelihood of forecast::ets (whose "lik" is
**      n log SSE + 2 sum log|f|, the same up to constants).  k = the
**      estimated smoothing parameters + initial states + 1 (the variance);
**      AIC = -2 loglik + 2k, AICc = AIC + 2k(k+1)/(n-k-1), BIC = -2 loglik
**      + k log n.  sigma2 = SSE / (n - k + 1) (forecast::ets's residual
**      variance).
**   3. Parameter region ("both" of forecast::ets): 1e-4 <= alpha <= 0.9999,
**      1e-4 <= beta <= min(alpha, 0.9999), 1e-4 <= gamma <= min(1 - alpha,
**      0.9999), 0.8 <= phi <= 0.98, and admissible: for seasonal models the
**      easy inequalities of Hyndman et al. (2008, ch. 10) and every root of
**      the characteristic polynomial
**        z^{m+1} + (a+b-phi) z^m + (a+b-a phi) (z^{m-1} + ... + z^2)
**        + (a+b-a phi+g-1) z + phi (1-a-g)
**      inside the unit circle (a Schur–Cohn test, no root finding).
**      Multiplicative seasonal states must be positive; with M error every
**      one-step forecast must be positive.  Outside: no fit (+inf).
**   4. Initial states are parameters too, seasonal ones normalised (they
**      sum to 0, or to m for M season; the last is implied).  With
**      additive error and additive (or no) trend and season, the states
**      are not searched: for given smoothing parameters every forecast is
**      linear in them, so the best states are a least-squares solution
**      (normal equations in one O(n p^2) pass, Cholesky by LAPACK) and
**      Nelder–Mead (ts_optim.h) searches only alpha, beta, gamma, phi.
**      The other models search everything, starting from the
**      least-squares states of the starting smoothing parameters (additive
**      season) or, with an M season, from a classical decomposition
**      (centred moving average of length m) for the seasonal indices and a
**      regression on the first max(10, 2m) seasonally adjusted values for
**      level and trend, as forecast::ets's initstate.  Smoothing parameters
**      start as its initparam, and from (alpha, beta) = (0.5, 0.05), (0.9,
**      0.018), (0.9, 0.81) too for non-seasonal models (a trend model's
**      likelihood has local optima), (0.5, 0.05) for seasonal ones; each
**      start 2,000 evaluations and one restart; the best is kept.
**   5. ts_ets_auto fits the candidates of forecast::ets: error A, M (M only
**      for strictly positive data), trend N, A, Ad, season N, A, M (A, M
**      only for 2 <= m <= TS_ETS_MAX_M and n >= 2m + 2; never A error with
**      M season), and keeps the lowest AICc; a candidate with as many
**      parameters as n - 1 is skipped.  Ties: the first in that order.
**      ts_ets_select does the same over the candidates a ts_ets_choice
**      allows (a field < 0 allows any value; damped only narrows models
**      with a trend); when none fits, err holds the last candidate's
**      message (empty if no candidate was allowed).
**   6. Forecasts: point forecasts by the recursion with e = 0; prediction
**      intervals of the additive-error linear models (class 1: ANN, AAN,
**      AAdN, ANA, AAA, AAdA) from the exact variance
**        v_h = sigma2 (1 + sum_{j<h} c_j^2),  c_j = alpha + beta phi_j +
**        gamma [j mod m = 0],  phi_j = phi + ... + phi^j;
**      every other model by simulating TS_ETS_PATHS sample paths with
**      Gaussian errors from a fixed seed (the empirical quantiles).
**   7. Nothing is allocated but the fit's scratch (OM_NOMEM); interrupts
**      are polled by the optimiser (OM_INTERRUPTED).
*/
#ifndef TS_ETS_H
#define TS_ETS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/om_core.h"

#define TS_ETS_MAX_M 24
#define TS_ETS_MAX_STATE (2 + TS_ETS_MAX_M)
#define TS_ETS_PATHS 5000

enum { TS_NONE = 0, TS_ADD = 1, TS_MUL = 2 };

typedef struct ts_ets_spec {
  int error;  /* TS_ADD, TS_MUL */
  int trend;  /* TS_NONE, TS_ADD */
  int damped; /* 0, 1 (trend only) */
  int season; /* TS_NONE, TS_ADD, TS_MUL */
  int m;      /* season length; 1 without season */
} ts_ets_spec;

typedef struct ts_ets_model {
  ts_ets_spec spec;
  double alpha, beta, gamma, phi; /* beta 0 / gamma 0 / phi 1 when absent */
  double x0[TS_ETS_MAX_STATE];    /* initial state */
  double xn[TS_ETS_MAX_STATE];    /* state after the last observation */
  double sigma2;
  double loglik, aic, aicc, bic, mse;
  int k;                          /* parameters counted by the criteria */
  int n;                          /* observations fitted */
} ts_ets_model;

int ts_ets_nstate(const ts_ets_spec *s);
/* "ETS(A,Ad,N)" into buf (>= 16 bytes). */
void ts_ets_name(const ts_ets_spec *s, char *buf);

/* Behaviour 1 over y[0, n) from state x (updated in place): residuals,
** one-step forecasts and the level part q of each forecast (l + phi b,
** before the season) into e, f, q (any may be NULL); *sse, *sumlog (sum of
** log|f|).  Returns 0 if every forecast was usable, 1 if one was not
** finite (or not positive where behaviour 3 needs it). */
int ts_ets_filter(const ts_ets_model *md, double *x, const double *y, size_t n, double *e, double *f, double *q,
                  double *sse, double *sumlog);

/* Behaviour 3's admissibility of md's parameters. */
int ts_ets_admissible(const ts_ets_model *md);

/* Fit one model (behaviour 4). */
om_status ts_ets_fit(const double *y, size_t n, const ts_ets_spec *spec, const om_interrupt *it, ts_ets_model *out,
                     om_err *err);

/* Behaviour 5: the candidates ts_ets_select may fit; -1 = any. */
typedef struct ts_ets_choice {
  int error, trend, damped, season;
} ts_ets_choice;

/* Behaviour 5: the best of the candidates f allows (NULL: all); *tried =
** how many were fitted; OM_INVALID when none. */
om_status ts_ets_select(const double *y, size_t n, int m, const ts_ets_choice *f, const om_interrupt *it,
                        ts_ets_model *out, int *tried, om_err *err);

/* Behaviour 5: the best of the candidates; *tried = how many were fitted. */
om_status ts_ets_auto(const double *y, size_t n, int m, const om_interrupt *it, ts_ets_model *out, int *tried,
                      om_err *err);

/* Behaviour 6: point forecasts f[0, h) and the central interval of the
** given coverage lo/hi (may be NULL). */
om_status ts_ets_forecast(const ts_ets_model *md, size_t h, double coverage, double *f, double *lo, double *hi,
                          om_err *err);

#endif /* TS_ETS_H */
