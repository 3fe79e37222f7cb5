/*
** ts_optim.h — a derivative-free minimiser for the time-series fits: the
** Nelder–Mead simplex (J. A. Nelder and R. Mead, "A simplex method for
** function minimization", Computer Journal 7, 1965), in the variant of
** Lagarias et al. (SIAM J. Optim. 9, 1998): reflection 1, expansion 2,
** outside and inside contraction 1/2, shrink 1/2.
**
** Behaviours:
**   1. Bounds and other constraints belong to the objective: it returns
**      +inf (or NaN, treated as +inf) outside the feasible region, as
**      forecast::ets's target function does.  The start must be feasible
**      (finite value), else OM_INVALID.
**   2. The first simplex is x0 and x0 + step[i] e_i; a vertex that lands
**      outside the feasible region is pulled back towards x0 (halving the
**      step, up to 30 times) so every vertex starts finite.
**   3. Stops when the spread of the vertices' values is at most
**      reltol * (|f_best| + reltol) (R's optim rule; reltol 1.5e-8 as
**      forecast::ets), or after max_evals evaluations.  Then one restart
**      from the best point with the original steps (a collapsed simplex is
**      the usual failure of the method); the better result is kept.
**   4. Deterministic: no randomness; the same objective gives the same
**      evaluations in the same order.
**   5. work: TS_OPTIM_WORK(n) = (n + 1) * (n + 6) doubles from the caller (no allocation).
**      The interrupt is polled every 64 evaluations (OM_INTERRUPTED).
*/
#ifndef TS_OPTIM_H
#define TS_OPTIM_H

#include "../base/om_core.h"

typedef double (*ts_objective)(const double *x, void *ctx);

typedef struct ts_optim_result {
  double f;    /* the best value found */
  int evals;   /* objective evaluations */
  int converged;
} ts_optim_result;

#define TS_OPTIM_WORK(n) ((size_t)((n) + 1) * (size_t)((n) + 6))

/* Minimise f over x[0, n) from x (in: start, out: best point). */
om_status ts_nelder_mead(ts_objective f, void *ctx, double *x, const double *step, int n, double reltol,
                         int max_evals, double *work, const om_interrupt *it, ts_optim_result *res, om_err *err);

#endif /* TS_OPTIM_H */
