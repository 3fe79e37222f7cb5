/*
** mah_factor.c — the factor of a covariance matrix and the squared
** distances it gives (mah.h behaviours 6 and 7); omen's first use of
** LAPACK.
**
** Behaviours:
**   1. Σ is checked before use: finite, exactly symmetric, diagonal ≥ 0,
**      a zero diagonal only with a zero row, correlations within ±(1+1e-12)
**      (clamped to ±1).  Anything else is OM_CORRUPT "covariance ...".
**   2. R = D⁻¹ΣD⁻¹ over the features with σ > 0.  LAPACKE_dpotrf_work on R;
**      if it succeeds and LAPACKE_dpocon_work's rcond ≥ MAH_RCOND_MIN, the
**      factor is L (and P = R⁻¹ from LAPACKE_dpotri_work).  Otherwise
**      LAPACKE_dsyevd_work: an eigenvalue below −MAH_PSD_TOL·λmax is
**      OM_CORRUPT (not positive semi-definite); eigenvalues ≤
**      MAH_EIG_TOL·λmax are dropped (rank k), and P = V·diag(1/max(λ,
**      MAH_EIG_TOL·λmax))·Vᵀ.  A LAPACK argument error (info < 0) is
**      OM_INTERNAL; workspace comes from om_malloc (NOMEM is a result).
**   3. logdet = log det Σ when Σ is non-singular (Cholesky, or eigen with
**      full rank and no constant feature), −Inf otherwise (FastMCD's exact
**      fit).
**   4. mah_factor_d2 allocates nothing: z = D⁻¹(x − μ); Cholesky: forward
**      substitution by columns, d² = ‖L⁻¹z‖²; eigen: d² = Σ_kept (vᵀz)²/λ,
**      and the null-space norm sqrt(Σ_dropped (vᵀz)²) decides `outside`
**      together with constant features whose value differs.  An overflow
**      (or the NaN an overflow can make) is d² = +Inf.
*/
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "mah_impl.h"

_Static_assert(sizeof(lapack_int) == sizeof(int), "lapack_int must be int (LP64 LAPACKE)");

void mah_factor_free(mah_factor *f) {
  om_free(f->sigma);
  om_free(f->var);
  om_free(f->L);
  om_free(f->V);
  om_free(f->lam);
  om_free(f->P);
  om_free(f->R);
  om_free(f->work);
  om_free(f->iwork);
  memset(f, 0, sizeof *f);
}

static om_status nomem(om_err *err) { return om_errf(err, OM_NOMEM, "out of memory"); }

om_status mah_factor_alloc(mah_factor *f, uint32_t q, int want_p, om_err *err) {
  size_t qq = (size_t)q * q, n1 = q ? q : 1;
  memset(f, 0, sizeof *f);
  f->q = q;
  /* dsyevd with jobz 'V': lwork 1 + 6n + 2n², liwork 3 + 5n; dpocon: 3n, n */
  f->lwork = (int)(1 + 6 * (size_t)q + 2 * qq);
  f->liwork = (int)(3 + 5 * (size_t)q);
  f->sigma = om_malloc_array(n1, sizeof(double));
  f->var = om_malloc_array(n1, sizeof(uint32_t));
  f->L = om_malloc_array(qq ? qq : 1, sizeof(double));
  f->V = om_malloc_array(qq ? qq : 1, sizeof(double));
  f->R = om_malloc_array(qq ? qq : 1, sizeof(double));
  f->lam = om_malloc_array(n1, sizeof(double));
  f->work = om_malloc_array((size_t)f->lwork, sizeof(double));
  f->iwork = om_malloc_array((size_t)f->liwork, sizeof(int));
  if (want_p) f->P = om_malloc_array(qq ? qq : 1, sizeof(double));
  if (!f->sigma || !f->var || !f->L || !f->V || !f->R || !f->lam || !f->work || !f->iwork || (want_p && !f->P)) {
    mah_factor_free(f);
    return nomem(err);
  }
  return OM_OK;
}

/* Column-major symmetric fill from the lower triangle. */
static void mirror_lower(double *A, uint32_t n) {
  for (uint32_t j = 0; j < n; j++)
    for (uint32_t i = j + 1; i < n; i++) A[j + (size_t)i * n] = A[i + (size_t)j * n];
}

static om_status eigen_path(mah_factor *f, om_err *err) {
  uint32_t nv = f->nv;
  lapack_int info;
  double cutoff;
  memcpy(f->V, f->R, (size_t)nv * nv * sizeof(double));
  info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)nv, f->V, (lapack_int)nv, f->lam, f->work,
                             f->lwork, f->iwork, f->liwork);
  if (info < 0) return om_errf(err, OM_INTERNAL, "dsyevd argument %d is invalid", (int)-info);
  if (info > 0) return om_errf(err, OM_CORRUPT, "covariance could not be decomposed (dsyevd did not converge)");
  f->lam_max = f->lam[nv - 1];
  if (!(f->lam_max > 0) || f->lam[0] < -MAH_PSD_TOL * f->lam_max)
    return om_errf(err, OM_CORRUPT, "covariance is not positive semi-definite (eigenvalue %.3g of its correlation)",
                   f->lam[0]);
  cutoff = MAH_EIG_TOL * f->lam_max;
  f->k = 0;
  for (uint32_t t = 0; t < nv; t++)
    if (f->lam[t] > cutoff) f->k++;
  f->out_tol = MAH_OUTSIDE_K * sqrt(cutoff);
  if (f->k == nv && nv == f->q) {
    double ld = 0;
    for (uint32_t a = 0; a < nv; a++) ld += 2.0 * log(f->sigma[f->var[a]]) + log(f->lam[a]);
    f->logdet = ld;
  }
  if (f->P) {
    memset(f->P, 0, (size_t)nv * nv * sizeof(double));
    for (uint32_t t = 0; t < nv; t++) {
      const double *v = f->V + (size_t)t * nv;
      double inv = 1.0 / (f->lam[t] > cutoff ? f->lam[t] : cutoff);
      for (uint32_t j = 0; j < nv; j++) {
        double vj = v[j] * inv;
        for (uint32_t i = j; i < nv; i++) f->P[i + (size_t)j * nv] += v[i] * vj;
      }
    }
    mirror_lower(f->P, nv);
  }
  return OM_OK;
}

om_status mah_factor_compute(mah_factor *f, const double *cov, om_err *err) {
  uint32_t nv = 0, q = f->q;
  lapack_int info;
  double *R = f->R;
  f->logdet = -INFINITY;
  f->k = 0;
  f->nv = 0;
  f->chol = 1;
  f->lam_max = 0;
  f->out_tol = 0;
  for (uint32_t i = 0; i < q; i++) {
    double d = cov[(size_t)i * q + i];
    for (uint32_t j = 0; j < q; j++) {
      double c = cov[(size_t)i * q + j];
      if (!isfinite(c) || c != cov[(size_t)j * q + i])
        return om_errf(err, OM_CORRUPT, "covariance entry (%u, %u) is not finite or not symmetric", i + 1, j + 1);
      if (d == 0 && c != 0)
        return om_errf(err, OM_CORRUPT, "covariance row %u has a zero variance but a non-zero covariance", i + 1);
    }
    if (!(d >= 0)) return om_errf(err, OM_CORRUPT, "covariance diagonal %u is negative", i + 1);
    f->sigma[i] = sqrt(d);
    if (d > 0) f->var[nv++] = i;
  }
  f->nv = nv;
  if (nv == 0) {
    if (q == 0) f->logdet = 0;
    return OM_OK;
  }
  for (uint32_t a = 0; a < nv; a++) {
    uint32_t ia = f->var[a];
    for (uint32_t b = 0; b < nv; b++) {
      uint32_t ib = f->var[b];
      double r = a == b ? 1.0 : cov[(size_t)ia * q + ib] / f->sigma[ia] / f->sigma[ib];
      if (!(fabs(r) <= 1.0 + 1e-12))
        return om_errf(err, OM_CORRUPT,
                       "covariance is not positive semi-definite (correlation %.17g between %u and %u)", r, ia + 1,
                       ib + 1);
      if (r > 1) r = 1;
      if (r < -1) r = -1;
      R[a + (size_t)b * nv] = r;
    }
  }
  memcpy(f->L, R, (size_t)nv * nv * sizeof(double));
  info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nv, f->L, (lapack_int)nv);
  if (info < 0) return om_errf(err, OM_INTERNAL, "dpotrf argument %d is invalid", (int)-info);
  if (info == 0) {
    double anorm = 0, rcond = 0;
    for (uint32_t b = 0; b < nv; b++) {
      double s = 0;
      for (uint32_t a = 0; a < nv; a++) s += fabs(R[a + (size_t)b * nv]);
      if (s > anorm) anorm = s;
    }
    info = LAPACKE_dpocon_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nv, f->L, (lapack_int)nv, anorm, &rcond, f->work,
                               f->iwork);
    if (info < 0) return om_errf(err, OM_INTERNAL, "dpocon argument %d is invalid", (int)-info);
    if (rcond >= MAH_RCOND_MIN) {
      f->k = nv;
      if (nv == q) {
        double ld = 0;
        for (uint32_t a = 0; a < nv; a++) ld += 2.0 * (log(f->sigma[f->var[a]]) + log(f->L[a + (size_t)a * nv]));
        f->logdet = ld;
      }
      if (f->P) {
        memcpy(f->P, f->L, (size_t)nv * nv * sizeof(double));
        info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nv, f->P, (lapack_int)nv);
        if (info != 0) return om_errf(err, OM_INTERNAL, "dpotri failed (info %d)", (int)info);
        mirror_lower(f->P, nv);
      }
      return OM_OK;
    }
  }
  /* Not positive definite, or too ill-conditioned: the pseudo-inverse. */
  f->chol = 0;
  return eigen_path(f, err);
}

double mah_factor_d2z(const mah_factor *f, const double *z, double *w, int *outside) {
  uint32_t nv = f->nv;
  double d2 = 0;
  if (f->chol) {
    memcpy(w, z, nv * sizeof(double));
    for (uint32_t j = 0; j < nv; j++) {
      const double *col = f->L + (size_t)j * nv;
      double y = w[j] / col[j];
      d2 += y * y;
      for (uint32_t i = j + 1; i < nv; i++) w[i] -= col[i] * y;
    }
  } else {
    double null2 = 0, zn = 0;
    for (uint32_t a = 0; a < nv; a++) zn += z[a] * z[a];
    for (uint32_t t = 0; t < nv; t++) {
      const double *vt = f->V + (size_t)t * nv;
      double s = 0;
      for (uint32_t a = 0; a < nv; a++) s += vt[a] * z[a];
      if (t >= nv - f->k) d2 += s * s / f->lam[t];
      else null2 += s * s;
    }
    if (sqrt(null2) > f->out_tol + 1e-10 * sqrt(zn)) *outside = 1;
  }
  if (!(d2 <= INFINITY)) return INFINITY; /* NaN from inf − inf */
  return d2;
}

double mah_factor_d2(const mah_factor *f, const double *mu, const double *x, int *outside, double *scratch) {
  uint32_t nv = f->nv, v = 0;
  double *z = scratch;
  *outside = 0;
  for (uint32_t i = 0; i < f->q; i++) {
    if (v < nv && f->var[v] == i) {
      z[v] = (x[i] - mu[i]) / f->sigma[i];
      if (!isfinite(z[v])) return INFINITY;
      v++;
    } else if (x[i] != mu[i]) {
      *outside = 1;
    }
  }
  return mah_factor_d2z(f, z, scratch + nv, outside);
}

void mah_rows_moments(const double *X, uint32_t q, const uint32_t *idx, size_t n, int mle, double *mean,
                      double *cov) {
  double r[MAH_MAX_FEATURES];
  const double *K;
  memset(cov, 0, (size_t)q * q * sizeof(double));
  if (n == 0) {
    memset(mean, 0, q * sizeof(double));
    return;
  }
  K = X + (size_t)(idx ? idx[0] : 0) * q;
  /* pass 1: shifted sums; cov's diagonal flags a column that varies */
  memset(mean, 0, q * sizeof(double));
  for (size_t t = 0; t < n; t++) {
    const double *x = X + (size_t)(idx ? idx[t] : t) * q;
    for (uint32_t j = 0; j < q; j++) {
      double d = x[j] - K[j];
      mean[j] += d;
      if (d != 0 || x[j] != K[j]) cov[(size_t)j * q + j] = 1;
    }
  }
  for (uint32_t j = 0; j < q; j++) {
    mean[j] = cov[(size_t)j * q + j] != 0 ? K[j] + mean[j] / (double)n : K[j];
    cov[(size_t)j * q + j] = 0;
  }
  /* pass 2: co-moments about the mean (lower triangle) */
  for (size_t t = 0; t < n; t++) {
    const double *x = X + (size_t)(idx ? idx[t] : t) * q;
    for (uint32_t j = 0; j < q; j++) r[j] = x[j] - mean[j];
    for (uint32_t a = 0; a < q; a++) {
      double ra = r[a];
      double *row = cov + (size_t)a * q;
      if (ra == 0) continue;
      for (uint32_t b = 0; b <= a; b++) row[b] += ra * r[b];
    }
  }
  for (uint32_t a = 0; a < q; a++)
    for (uint32_t b = 0; b <= a; b++) {
      double c = mle ? cov[(size_t)a * q + b] / (double)n : cov[(size_t)a * q + b];
      cov[(size_t)a * q + b] = c;
      cov[(size_t)b * q + a] = c;
    }
}
