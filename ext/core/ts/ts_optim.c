/*
** ts_optim.c — Nelder–Mead (spec: ts_optim.h).
*/
#include "ts_optim.h"

#include <math.h>
#include <string.h>

typedef struct nm_ctx {
  ts_objective f;
  void *ctx;
  int evals;
  const om_interrupt *it;
  int stop;
} nm_ctx;

static double nm_eval(nm_ctx *c, const double *x) {
  double v = c->f(x, c->ctx);
  c->evals++;
  if ((c->evals & 63) == 0 && om_interrupted(c->it)) c->stop = 1;
  return isnan(v) ? INFINITY : v;
}

/* One run of the method.  s: (n + 1) vertices of n doubles, fv: their
** values, xb, xr, xe, xc: n doubles each. */
static void nm_run(nm_ctx *c, double *x, const double *step, int n, double reltol, int max_evals, double *s,
                   double *fv, double *xb, double *xr, double *xe, double *xc, double *fx) {
  int N = n + 1;
  memcpy(s, x, (size_t)n * sizeof *s);
  fv[0] = *fx;
  for (int i = 1; i < N; i++) { /* behaviour 2 */
    double *v = s + (size_t)i * n, h = step[i - 1];
    memcpy(v, x, (size_t)n * sizeof *v);
    for (int k = 0; k < 30; k++) {
      v[i - 1] = x[i - 1] + h;
      fv[i] = nm_eval(c, v);
      if (isfinite(fv[i])) break;
      h /= 2;
    }
  }
  while (!c->stop) {
    int lo = 0, hi = 0, nh = 0;
    for (int i = 1; i < N; i++) {
      if (fv[i] < fv[lo]) lo = i;
      if (fv[i] > fv[hi]) hi = i;
    }
    nh = hi == 0 ? 1 : 0;
    for (int i = 0; i < N; i++)
      if (i != hi && fv[i] > fv[nh]) nh = i;
    if (fv[hi] <= fv[lo] + reltol * (fabs(fv[lo]) + reltol) || c->evals >= max_evals) break;
    /* centroid of all but the worst */
    for (int k = 0; k < n; k++) {
      double a = 0;
      for (int i = 0; i < N; i++)
        if (i != hi) a += s[(size_t)i * n + k];
      xb[k] = a / n;
    }
    {
      double *w = s + (size_t)hi * n, fr, fe, fc;
      for (int k = 0; k < n; k++) xr[k] = xb[k] + (xb[k] - w[k]);
      fr = nm_eval(c, xr);
      if (fr < fv[lo]) {
        for (int k = 0; k < n; k++) xe[k] = xb[k] + 2 * (xb[k] - w[k]);
        fe = nm_eval(c, xe);
        if (fe < fr) {
          memcpy(w, xe, (size_t)n * sizeof *w);
          fv[hi] = fe;
        } else {
          memcpy(w, xr, (size_t)n * sizeof *w);
          fv[hi] = fr;
        }
        continue;
      }
      if (fr < fv[nh]) {
        memcpy(w, xr, (size_t)n * sizeof *w);
        fv[hi] = fr;
        continue;
      }
      if (fr < fv[hi]) { /* outside contraction */
        for (int k = 0; k < n; k++) xc[k] = xb[k] + 0.5 * (xr[k] - xb[k]);
        fc = nm_eval(c, xc);
        if (fc <= fr) {
          memcpy(w, xc, (size_t)n * sizeof *w);
          fv[hi] = fc;
          continue;
        }
      } else { /* inside contraction */
        for (int k = 0; k < n; k++) xc[k] = xb[k] + 0.5 * (w[k] - xb[k]);
        fc = nm_eval(c, xc);
        if (fc < fv[hi]) {
          memcpy(w, xc, (size_t)n * sizeof *w);
          fv[hi] = fc;
          continue;
        }
      }
      /* shrink towards the best */
      for (int i = 0; i < N; i++) {
        double *v = s + (size_t)i * n, *b = s + (size_t)lo * n;
        if (i == lo) continue;
        for (int k = 0; k < n; k++) v[k] = b[k] + 0.5 * (v[k] - b[k]);
        fv[i] = nm_eval(c, v);
      }
    }
  }
  {
    int lo = 0;
    for (int i = 1; i < N; i++)
      if (fv[i] < fv[lo]) lo = i;
    memcpy(x, s + (size_t)lo * n, (size_t)n * sizeof *x);
    *fx = fv[lo];
  }
}

om_status ts_nelder_mead(ts_objective f, void *ctx, double *x, const double *step, int n, double reltol,
                         int max_evals, double *work, const om_interrupt *it, ts_optim_result *res, om_err *err) {
  nm_ctx c = {f, ctx, 0, it, 0};
  double *s = work, *fv = s + (size_t)(n + 1) * n, *xb = fv + n + 1, *xr = xb + n, *xe = xr + n, *xc = xe + n;
  double fx, f1;
  if (n < 1) return om_errf(err, OM_INTERNAL, "Nelder-Mead over %d parameters", n);
  fx = nm_eval(&c, x);
  if (!isfinite(fx)) return om_errf(err, OM_INVALID, "the starting point is not feasible");
  nm_run(&c, x, step, n, reltol, max_evals, s, fv, xb, xr, xe, xc, &fx);
  f1 = fx;
  if (!c.stop) { /* behaviour 3: one restart */
    nm_run(&c, x, step, n, reltol, max_evals + c.evals, s, fv, xb, xr, xe, xc, &fx);
  }
  if (c.stop) return om_errf(err, OM_INTERRUPTED, "interrupted");
  res->f = fx;
  res->evals = c.evals;
  res->converged = c.evals < 2 * max_evals && fx <= f1;
  return OM_OK;
}
