/*
** mah_impl.h — what the files of the Mahalanobis detector share and nobody
** else sees: the model struct, the factor of a covariance (mah_factor.c),
** the co-moments of a set of rows, FastMCD (mah_mcd.c) and a small
** deterministic random generator.
*/
#ifndef MAH_IMPL_H
#define MAH_IMPL_H

#include "mah.h"

/* The factor of a covariance Σ (q×q), mah.h behaviours 6 and 7. */
typedef struct mah_factor {
  uint32_t q;        /* features of Σ */
  uint32_t nv;       /* features with σ > 0 */
  uint32_t k;        /* rank: dimensions of the quadratic form */
  int chol;          /* 1: L is R's Cholesky factor; 0: eigen-decomposition */
  double lam_max;    /* largest eigenvalue of R (eigen mode) */
  double out_tol;    /* eigen mode: |null-space component| above this is outside */
  double logdet;     /* log det Σ over the nv features (−Inf when singular) */
  double *sigma;     /* [q], 0 for a constant feature */
  uint32_t *var;     /* [nv]: index in 0..q-1 of each feature with σ > 0 */
  double *L;         /* chol: nv×nv lower triangle, column-major */
  double *V;         /* eigen: nv×nv eigenvectors (columns), eigenvalues ascending */
  double *lam;       /* eigen: [nv] eigenvalues */
  double *P;         /* nv×nv: R⁻¹ (chol) or R⁻¹ with eigenvalues floored (eigen); NULL unless wanted */
  double *R;         /* workspace: nv×nv correlation */
  double *work;      /* LAPACK workspace [lwork] */
  int *iwork;        /* LAPACK integer workspace [liwork] */
  int lwork, liwork;
} mah_factor;

/* Allocate every array of a factor of q features (want_p: also P, for
** missing values at scoring), including LAPACK's workspace, so that
** mah_factor_compute allocates nothing (FastMCD computes thousands). */
om_status mah_factor_alloc(mah_factor *f, uint32_t q, int want_p, om_err *err);
/* Factor cov (q×q row-major).  OM_CORRUPT (with message) when cov is not
** a covariance: non-finite, asymmetric, negative diagonal, |R_ij| > 1, not
** PSD; OM_INTERNAL for a LAPACK argument error. */
om_status mah_factor_compute(mah_factor *f, const double *cov, om_err *err);
void mah_factor_free(mah_factor *f);
/* Scratch doubles mah_factor_d2 needs. */
#define MAH_FACTOR_SCRATCH(q) (2 * (size_t)(q) + 2)
/* d² of x (q values, complete) against mu; *outside gets behaviour 7.
** Returns +Inf on overflow.  scratch: MAH_FACTOR_SCRATCH(q) doubles. */
double mah_factor_d2(const mah_factor *f, const double *mu, const double *x, int *outside, double *scratch);
/* The same from standardised deviations z[nv] (features with σ > 0, in
** order); w: nv doubles of scratch.  Sets *outside only for the null
** space (never clears it). */
double mah_factor_d2z(const mah_factor *f, const double *z, double *w, int *outside);

/* Mean and co-moments (q×q row-major; divided by n when mle, else the
** sums) of the rows X[idx[i]·q ...] (idx NULL: rows 0..n-1), two passes
** shifted by the first row; a column whose selected values are all equal
** gets exactly that mean and zero (co)variances. */
void mah_rows_moments(const double *X, uint32_t q, const uint32_t *idx, size_t n, int mle, double *mean,
                      double *cov);

/* The model (mah.h).  cov is the full symmetric matrix. */
struct mah_model {
  uint32_t n_features;
  uint32_t q;            /* numeric features */
  mah_method method;
  double contamination;
  double shrinkage;
  uint64_t n_rows, raw_support, sample_rows;
  uint32_t *num_idx;     /* [q] schema index of numeric feature j */
  int32_t *feat_num;     /* [n_features] numeric index, or −1 (categorical) */
  double *mu;            /* [q] */
  double *cov;           /* [q·q] */
  mah_factor f;          /* derived at decode */
  double thr_d2;         /* χ²_k.isf(contamination); +Inf when k = 0 */
  double range_c;        /* sqrt(χ²_1.isf(contamination)) */
};

/* Allocate the arrays of a model for (n_features, types) (fields zeroed). */
om_status mah_model_alloc(uint32_t n_features, const uint8_t *types, mah_model **out, om_err *err);
/* Derive f, thr_d2 and range_c from mu and cov (decode and fit). */
om_status mah_model_derive(mah_model *m, om_err *err);

/* FastMCD (mah_mcd.c) on the rows X (n×q row-major, no constant column).
** h: support size.  Results: loc[q], cov[q·q] (reweighted, mah.h 1),
** *support (reweighted row count), *raw_logdet (log det of the raw
** h-subset covariance, −Inf for an exact fit).  OM_NOMEM, OM_INTERRUPTED. */
om_status mah_mcd_fit(const double *X, size_t n, uint32_t q, size_t h, uint64_t seed, const om_interrupt *it,
                      double *loc, double *cov, uint64_t *support, double *raw_logdet, om_err *err);

/* xoshiro256** seeded by splitmix64 (every seed, 0 included, is valid). */
typedef struct mah_rng {
  uint64_t s[4];
} mah_rng;

static inline uint64_t mah_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline void mah_rng_seed(mah_rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    r->s[i] = z ^ (z >> 31);
  }
}

static inline uint64_t mah_rng_next(mah_rng *r) {
  uint64_t *s = r->s, result = mah_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = mah_rotl(s[3], 45);
  return result;
}

/* Uniform in [0, n), unbiased; n ≥ 1. */
static inline uint64_t mah_rng_below(mah_rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
  do
    x = mah_rng_next(r);
  while (x >= limit);
  return x % n;
}

#endif /* MAH_IMPL_H */
