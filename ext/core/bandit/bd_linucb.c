/*
** bd_linucb.c — readying a bandit state for choices (bd.h behaviours 3 and
** 11) and LinUCB's choice (Li, Chu, Langford & Schapire 2010, disjoint
** model).
**
**   1. bd_state_ready sets every arm's s and q (the exact sums rounded);
**      for linucb it builds M = λI + A (A's lower triangle mirrored) and
**      calls LAPACKE_dposv_work, which leaves the Cholesky factor L of M
**      (lower) in M and θ = M⁻¹b in b's copy.  info < 0 is an internal
**      error; info > 0 (M not positive definite: only a damaged A can do
**      that, λ > 0) is OM_CORRUPT.
**   2. bd_linucb_choose: index_a = θ_a·x + α·‖L_a⁻¹x‖ (‖L⁻¹x‖² = xᵀM⁻¹x), by
**      forward substitution into a stack buffer of BD_MAX_FEATURES doubles:
**      no allocation, O(K·d²) per call.  A non-finite index never wins.
*/
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "bd.h"

om_status bd_state_ready(bd_state *s, om_err *err) {
  uint32_t d = s->d;
  for (size_t i = 0; i < s->n_arms; i++) {
    s->arms[i].s = bd_acc_value(&s->arms[i].sum);
    s->arms[i].q = bd_acc_value(&s->arms[i].sumsq);
  }
  if (s->opt.policy != BD_LINUCB || d == 0) return OM_OK;
  for (size_t i = 0; i < s->n_arms; i++) {
    bd_arm *a = &s->arms[i];
    lapack_int info;
    if (!a->L) a->L = om_malloc_array((size_t)d * d, sizeof *a->L);
    if (!a->theta) a->theta = om_malloc_array(d, sizeof *a->theta);
    if (!a->L || !a->theta) return om_errf(err, OM_NOMEM, "out of memory");
    for (uint32_t c = 0; c < d; c++)
      for (uint32_t r = 0; r < d; r++) {
        double v = r >= c ? a->A[r + (size_t)c * d] : a->A[c + (size_t)r * d];
        a->L[r + (size_t)c * d] = v + (r == c ? s->opt.lambda : 0.0);
      }
    memcpy(a->theta, a->b, d * sizeof *a->theta);
    info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, 1, a->L, (lapack_int)d, a->theta, (lapack_int)d);
    if (info < 0) return om_errf(err, OM_INTERNAL, "dposv: argument %d is invalid", (int)-info);
    if (info > 0) return om_errf(err, OM_CORRUPT, "bandit state is corrupt (arm %zu's matrix is not positive definite)", i + 1);
  }
  return OM_OK;
}

size_t bd_linucb_choose(const bd_state *s, const double *x, int random, uint64_t seed) {
  uint32_t d = s->d;
  size_t best = 0, unplayed = 0, i;
  double best_v = -INFINITY, v[BD_MAX_FEATURES];
  for (i = 0; i < s->n_arms; i++) unplayed += s->arms[i].n == 0;
  if (unplayed) {
    uint64_t k = 0;
    if (random) {
      bd_rng r;
      bd_rng_seed(&r, seed);
      k = bd_rng_below(&r, unplayed);
    }
    for (i = 0; i < s->n_arms; i++)
      if (s->arms[i].n == 0 && k-- == 0) return i;
  }
  for (i = 0; i < s->n_arms; i++) {
    const bd_arm *a = &s->arms[i];
    double mean = 0, q = 0, idx;
    for (uint32_t r = 0; r < d; r++) { /* v = L⁻¹x */
      double t = x[r];
      for (uint32_t c = 0; c < r; c++) t -= a->L[r + (size_t)c * d] * v[c];
      v[r] = t / a->L[r + (size_t)r * d];
      q += v[r] * v[r];
      mean += a->theta[r] * x[r];
    }
    idx = mean + s->opt.alpha * sqrt(q);
    if (idx > best_v) {
      best_v = idx;
      best = i;
    }
  }
  return best;
}
