/*
** mah_score.c — scoring and evidence (mah.h behaviours 8–12).
**
** Behaviours:
**   1. Per row: one pass over the numeric features (±Inf → OM_INVALID,
**      NaN → missing, a constant feature with another value → outside),
**      standardised z over the features with σ > 0, then mah_factor_d2z.
**      Nothing is allocated: scratch is the caller's
**      (mah_scratch_doubles: p² + 4p + 4 doubles, the p² for the missing
**      block below).
**   2. Missing features M (observed O): z_M = −P_MM⁻¹·P_MO·z_O, with P
**      the model's (floored) inverse correlation, by LAPACKE_dpotrf_work /
**      dpotrs_work on the scratch.  This is E[z_M | z_O] and makes d² the
**      marginal distance of z_O (full rank).  If P_MM does not factor
**      (only for absurdly ill-conditioned models) z_M stays 0, the mean.
**   3. Evidence: u = R⁺z (two triangular solves with L, or the kept
**      eigenvectors), contribution_i = z_i·u_i.
*/
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "mah_impl.h"

size_t mah_scratch_doubles(const mah_model *m) { return (size_t)m->q * m->q + 4 * (size_t)m->q + 4; }

void mah_row_prepare(const mah_model *m, const double *num, const uint64_t *cat, const uint8_t *missing, double *x) {
  (void)cat;
  for (uint32_t i = 0; i < m->n_features; i++)
    x[i] = m->feat_num[i] < 0 ? 0.0 : (missing && missing[i]) ? NAN : num[i];
}

/* u = R⁺z (behaviour 3); w: nv doubles of scratch. */
static void solve_r(const mah_factor *f, const double *z, double *u) {
  uint32_t nv = f->nv;
  if (f->chol) {
    memcpy(u, z, nv * sizeof(double));
    for (uint32_t j = 0; j < nv; j++) { /* L y = z */
      const double *col = f->L + (size_t)j * nv;
      u[j] /= col[j];
      for (uint32_t i = j + 1; i < nv; i++) u[i] -= col[i] * u[j];
    }
    for (uint32_t j = nv; j-- > 0;) { /* Lᵀ u = y */
      const double *col = f->L + (size_t)j * nv;
      double s = u[j];
      for (uint32_t i = j + 1; i < nv; i++) s -= col[i] * u[i];
      u[j] = s / col[j];
    }
  } else {
    memset(u, 0, nv * sizeof(double));
    for (uint32_t t = nv - f->k; t < nv; t++) {
      const double *vt = f->V + (size_t)t * nv;
      double s = 0;
      for (uint32_t a = 0; a < nv; a++) s += vt[a] * z[a];
      s /= f->lam[t];
      for (uint32_t a = 0; a < nv; a++) u[a] += vt[a] * s;
    }
  }
}

static om_status score(const mah_model *m, const double *x, double *scratch, mah_result *r, mah_evidence *ev,
                       om_err *err) {
  const mah_factor *f = &m->f;
  uint32_t q = m->q, nv = f->nv, v = 0, nm = 0;
  double *z = scratch, *w = scratch + q, *rhs = scratch + 2 * (size_t)q, *mpos = scratch + 3 * (size_t)q,
         *A = scratch + 4 * (size_t)q;
  int overflow = 0;
  memset(r, 0, sizeof *r);
  for (uint32_t j = 0; j < q; j++) {
    double xi = x[m->num_idx[j]];
    if (isinf(xi))
      return om_errf(err, OM_INVALID, "numeric feature %u (schema position %u) is not finite", j + 1,
                     m->num_idx[j] + 1);
    if (isnan(xi)) r->n_missing++;
    if (v < nv && f->var[v] == j) {
      if (isnan(xi)) {
        z[v] = 0;
        mpos[nm++] = v;
      } else {
        z[v] = (xi - m->mu[j]) / f->sigma[j];
        if (!isfinite(z[v])) overflow = 1;
      }
      v++;
    } else if (!isnan(xi) && xi != m->mu[j]) {
      r->outside = 1;
    }
  }
  r->df = nm ? (f->k < nv - nm ? f->k : nv - nm) : f->k;
  if (overflow) {
    r->d2 = r->d = INFINITY;
    r->p_value = 0;
    r->is_anomaly = 1;
  } else {
    if (nm > 0 && nm < nv) { /* behaviour 2 */
      uint32_t o = 0;
      lapack_int info;
      for (uint32_t a = 0; a < nm; a++) {
        uint32_t ia = (uint32_t)mpos[a];
        double s = 0;
        for (uint32_t b = 0; b < nm; b++) A[a + (size_t)b * nm] = f->P[ia + (size_t)(uint32_t)mpos[b] * nv];
        o = 0;
        for (uint32_t c = 0; c < nv; c++) {
          if (o < nm && (uint32_t)mpos[o] == c) {
            o++;
            continue;
          }
          s += f->P[ia + (size_t)c * nv] * z[c];
        }
        rhs[a] = -s;
      }
      info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nm, A, (lapack_int)nm);
      if (info == 0) info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nm, 1, A, (lapack_int)nm, rhs,
                                                (lapack_int)nm);
      if (info == 0)
        for (uint32_t a = 0; a < nm; a++) z[(uint32_t)mpos[a]] = rhs[a];
    }
    r->d2 = mah_factor_d2z(f, z, w, &r->outside);
    r->d = sqrt(r->d2);
    r->p_value = r->df ? mah_chi2_sf(r->d2, r->df) : 1.0;
    r->is_anomaly = r->df == f->k ? r->d2 > m->thr_d2 : r->p_value < m->contamination;
  }
  if (r->outside) r->is_anomaly = 1;
  if (!ev) return OM_OK;

  /* Evidence (behaviour 3). */
  if (!overflow) solve_r(f, z, w);
  v = 0;
  for (uint32_t i = 0; i < m->n_features; i++) {
    mah_evidence *e = &ev[i];
    int32_t j = m->feat_num[i];
    if (j < 0) {
      e->value = e->expected = e->lo = e->hi = e->z = NAN;
      e->contribution = 0;
      e->status = MAH_EV_IGNORED;
      continue;
    }
    {
      double xi = x[i], mu = m->mu[j], sd = f->sigma[j];
      int var = v < nv && f->var[v] == (uint32_t)j;
      e->value = xi;
      e->expected = mu;
      e->lo = mu - m->range_c * sd;
      e->hi = mu + m->range_c * sd;
      e->contribution = 0;
      if (isnan(xi)) {
        e->status = MAH_EV_MISSING;
        e->z = NAN;
        if (var && !overflow) {
          e->expected = mu + sd * z[v];
          if (!isfinite(e->expected)) e->expected = mu; /* the completion overflowed */
          if (!f->chol) e->contribution = z[v] * w[v];
          if (!isfinite(e->contribution)) e->contribution = 0;
        }
      } else if (!var) {
        e->status = MAH_EV_CONSTANT;
        e->z = xi == mu ? 0.0 : (xi > mu ? INFINITY : -INFINITY);
      } else {
        e->status = MAH_EV_USED;
        e->z = z[v];
        if (overflow) {
          if (!isfinite(z[v])) e->z = xi > mu ? INFINITY : -INFINITY;
          e->contribution = isfinite(z[v]) ? 0.0 : INFINITY;
        } else {
          e->contribution = z[v] * w[v];
          if (!isfinite(e->contribution)) e->contribution = INFINITY;
        }
      }
    }
    if (m->feat_num[i] >= 0 && v < nv && f->var[v] == (uint32_t)m->feat_num[i]) v++;
  }
  return OM_OK;
}

om_status mah_score(const mah_model *m, const double *x, double *scratch, mah_result *r, om_err *err) {
  return score(m, x, scratch, r, NULL, err);
}

om_status mah_explain(const mah_model *m, const double *x, double *scratch, mah_result *r, mah_evidence *out,
                      om_err *err) {
  return score(m, x, scratch, r, out, err);
}
