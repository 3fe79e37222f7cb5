/*
** ts_arima.h — seasonal ARIMA models: exact Gaussian likelihood by the
** Kalman filter in the state-space form of R's arima (G. Gardner, A. C.
** Harvey and G. D. A. Phillips, "An algorithm for exact maximum likelihood
** estimation of autoregressive-moving average models by means of Kalman
** filtering", Applied Statistics 29, 1980, AS 154), conditional sum of
** squares, fits by BFGS, forecasts with exact intervals, and the root
** check of forecast::auto.arima (R. J. Hyndman and Y. Khandakar, J. Stat.
** Softw. 27(3), 2008).  The ARIMA method of forecast_train.
**
** Behaviours:
**   1. Spec: 0 <= p, q <= TS_ARIMA_MAX_P, 0 <= P, Q <= TS_ARIMA_MAX_SP,
**      0 <= d <= 2, 0 <= D <= 1; with P, D or Q non-zero the period s is
**      2..TS_ARIMA_MAX_S, else s is taken as 1.  A constant needs
**      d + D <= 1 (a mean, or a drift), as auto.arima.  The series is
**      differenced, w = (1-B)^d (1-B^s)^D y (n_used = n - d - s D values,
**      w_0 the difference ending at y[d + s D]).
**   2. Model (R's signs): with phi(B) = 1 - sum ar_i B^i, Phi(B^s) = 1 -
**      sum sar_j B^(s j), theta(B) = 1 + sum ma_i B^i, Theta(B^s) = 1 +
**      sum sma_j B^(s j), the series x = w - mu (mu = 0 without constant)
**      is the ARMA process phi(B) Phi(B^s) x_t = theta(B) Theta(B^s) e_t,
**      e white noise of variance sigma2.  The products are multiplied out:
**      x_t = sum_{k=1..pf} phi_k x_{t-k} + e_t + sum_{k=1..qf} theta_k
**      e_{t-k}, pf = p + s P, qf = q + s Q.
**   3. Exact likelihood: state a_t of dimension r = max(pf, qf + 1),
**      x_t = a_t[0], a_t = T a_{t-1} + R e_t, T the companion matrix
**      (phi in its first column, ones above the diagonal), R = (1,
**      theta_1, ..., theta_{r-1}).  The first state is the stationary one
**      (mean 0, covariance P solving P = T P T' + R R'); only P's first
**      column is needed, and it is computed from the autocovariances
**      gamma_0..gamma_r of the ARMA process (a (pf+1)-equation linear
**      system, then the recursion) and its psi weights:
**        P[0][j] = sum_{k=j}^{r-1} (phi_{k+1} gamma_{k-j+1} + theta_k psi_{k-j}).
**      The filter's covariances then follow the Chandrasekhar recursions
**      (M. Morf, G. S. Sidhu and T. Kailath, IEEE TAC 19, 1974): with no
**      observation noise and a stationary start, P_{t+1} - P_t has rank
**      one, -w_t w_t' / F_t, so each step costs O(r), no r x r matrix:
**        F_{t+1} = F_t - w_0^2 / F_t,   g_{t+1} = g_t - (w_0 / F_t) w_t,
**        w_{t+1} = T (w_t - (w_0 / F_t) g_t),   g_1 = P[.][0], w_1 = T g_1,
**      g_t = P_t[.][0], F_t = g_t[0] the one-step variance (in units of
**      sigma2), v_t = x_t - (T a)_0 the innovation.  When |w|^2 falls
**      below 1e-26 F^2 the gain has converged (steady state) and only the
**      state is updated.  With sigma2 concentrated out:
**        sigma2 = (1/n_used) sum v_t^2 / F_t,
**        loglik = -0.5 (n_used log(2 pi sigma2) + sum log F_t + n_used).
**      This is statsmodels' SARIMAX(simple_differencing=True,
**      concentrate_scale=True) likelihood; its trend 'c' is the intercept
**      c = mu phi(1) Phi(1).  ts_arima_loglik gives it at a model's
**      parameters (NaN when the AR part is not stationary, or with bad
**      input).
**   4. CSS (R's ARIMA_CSS): residuals e_t = x_t - sum phi_k x_{t-k} -
**      sum theta_k e_{t-k} for t >= pf (0-based in w), pre-sample errors
**      0; n_css = n_used - pf, sigma2 = SSE / n_css, loglik = -0.5 n_css
**      (log(2 pi sigma2) + 1).  (R's arima uses n_used in place of n_css
**      in that loglik.)
**   5. Fitting minimises 0.5 (log sigma2 + sum log F_t / n_used) (ML) or
**      0.5 log(SSE / n_css) (CSS), as R does, by BFGS (R's vmmin: backtracking
**      by 0.2, Armijo 1e-4, reltol 1e-8, at most TS_ARIMA_MAXIT iterations)
**      with central-difference gradients (step 1e-4).  Parameters: ar, ma,
**      sar, sma, and mu as (mu - mean(w)) / se, se = sd(w) / sqrt(n_used).
**      ML keeps each AR part (non-seasonal and seasonal) stationary by
**      searching its partial autocorrelations (R's partrans: tanh, then
**      Durbin–Levinson), each partial autocorrelation within tanh(8) =
**      1 - 2.3e-7 (beyond, the objective is +inf: a unit root would make
**      the stationary start meaningless); MA parts are free (a
**      non-invertible fit is returned; behaviour 8 tells).  Starts: AR, MA 0, mu = mean(w).
**      TS_ARIMA_CSS_ML (R's default) first fits by CSS (AR unconstrained)
**      and starts ML from there: the CSS AR parts through the inverse
**      transform when stationary (else 0), the CSS MA parts when
**      invertible (else 0); too few points for CSS: ML from the usual
**      start.  Deterministic (same input, same bits).
**   6. Criteria: k = p + q + P + Q + constant + 1 (sigma2),
**      AIC = -2 loglik + 2k, AICc = AIC + 2k(k+1)/(n_used - k - 1),
**      BIC = -2 loglik + k log n_used (the CSS loglik for CSS fits).
**   7. Forecasts: the filter runs over the whole series, the ARMA state is
**      projected h steps, mu added, and the differences undone:
**      y_t = w_t - sum_i delta_i y_{t-i}, (1-B)^d (1-B^s)^D = 1 + sum
**      delta_i B^i.  Variance h steps ahead: sigma2 (1 + psi_1^2 + ... +
**      psi_{h-1}^2), psi the weights of the full model phi(B) Phi(B^s)
**      (1-B)^d (1-B^s)^D y = theta(B) Theta(B^s) e (the filtered state is
**      taken as known, true once the filter has converged).  Intervals:
**      f -/+ z sqrt(v), z = ts_norm_ppf((1 + coverage) / 2).
**   8. ts_arima_ok_roots (auto.arima's check): the expanded AR polynomial
**      1 - sum phi_k z^k and MA polynomial 1 + sum theta_k z^k, each cut
**      after its last coefficient of modulus > 1e-8, have every root of
**      modulus > 1.01 (a Schur–Cohn test of the reversed polynomial scaled
**      by 1.01, no root finding).
**   9. In-sample: the one-step forecast of y[t] (t >= d + s D) is y[t] -
**      v_t (the innovation of w), its sd sqrt(sigma2 F_t); NaN before.
**  10. ts_arima_name: "ARIMA(p,d,q)", then "(P,D,Q)[s]" when s > 1 and a
**      seasonal order is non-zero, then " with drift" (constant, d + D >= 1),
**      " with non-zero mean" (constant, d + D = 0) or " with zero mean"
**      (no constant, d + D = 0), as R prints.
**  11. Errors: orders out of range, a non-finite y, fewer than p + q + P +
**      Q + constant + 3 differenced values, or a constant differenced
**      series -> OM_INVALID with a message; a fit whose likelihood cannot
**      be evaluated at the start -> OM_SINGULAR.  One scratch block per
**      call (OM_NOMEM), nothing per likelihood evaluation.  The
**      interrupt is polled at every BFGS iteration (OM_INTERRUPTED).
*/
#ifndef TS_ARIMA_H
#define TS_ARIMA_H

#include <stddef.h>

#include "../base/om_core.h"

#define TS_ARIMA_MAX_P 5  /* p, q */
#define TS_ARIMA_MAX_SP 2 /* P, Q */
#define TS_ARIMA_MAX_D 2
#define TS_ARIMA_MAX_SD 1
#define TS_ARIMA_MAX_S 400
#define TS_ARIMA_MAXIT 200

typedef struct ts_arima_spec {
  int p, d, q;
  int P, D, Q;
  int s;        /* period; 1 when non-seasonal */
  int constant; /* 0, 1: a mean (d + D = 0) or a drift (d + D = 1) */
} ts_arima_spec;

enum { TS_ARIMA_ML = 0, TS_ARIMA_CSS = 1, TS_ARIMA_CSS_ML = 2 };

typedef struct ts_arima_model {
  ts_arima_spec spec;
  double ar[TS_ARIMA_MAX_P], ma[TS_ARIMA_MAX_P], sar[TS_ARIMA_MAX_SP], sma[TS_ARIMA_MAX_SP];
  double mu; /* mean of w: the mean (d + D = 0) or the drift per step (d + D = 1); 0 without constant */
  double sigma2, loglik, aic, aicc, bic;
  int k;      /* p + q + P + Q + constant + 1 */
  int n_used; /* n - d - s D */
  int method; /* TS_ARIMA_ML, TS_ARIMA_CSS (CSS_ML fits are ML fits) */
} ts_arima_model;

/* Behaviour 1's checks (with the normalised s) into *norm (may be NULL). */
om_status ts_arima_check_spec(const ts_arima_spec *spec, ts_arima_spec *norm, om_err *err);

/* Behaviours 3-6. */
om_status ts_arima_fit(const double *y, size_t n, const ts_arima_spec *spec, int method, const om_interrupt *it,
                       ts_arima_model *out, om_err *err);

/* Behaviour 3 at md's parameters (sigma2 concentrated); NaN if it cannot
** be evaluated (non-stationary AR part, bad input, no memory). */
double ts_arima_loglik(const ts_arima_model *md, const double *y, size_t n);

/* Behaviour 4 at md's parameters: the CSS loglik, sigma2 into *sigma2
** (may be NULL); NaN if it cannot be evaluated. */
double ts_arima_css(const ts_arima_model *md, const double *y, size_t n, double *sigma2);

/* Behaviour 7: y is the series md was fitted on, in levels; f[0, h) and
** the central intervals lo, hi (both NULL, or both given). */
om_status ts_arima_forecast(const ts_arima_model *md, const double *y, size_t n, size_t h, double coverage, double *f,
                            double *lo, double *hi, om_err *err);

/* Behaviour 9: fit[0, n) and sd[0, n) (sd may be NULL). */
om_status ts_arima_insample(const ts_arima_model *md, const double *y, size_t n, double *fit, double *sd, om_err *err);

/* Behaviour 8: 1 when every AR and MA root has modulus > 1.01. */
int ts_arima_ok_roots(const ts_arima_model *md);

/* Behaviour 10 into buf (>= 48 bytes). */
void ts_arima_name(const ts_arima_spec *s, char *buf);

#endif /* TS_ARIMA_H */
