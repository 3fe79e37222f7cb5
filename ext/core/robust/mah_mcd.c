/*
** mah_mcd.c — the Minimum Covariance Determinant estimator, FastMCD
** (Rousseeuw & Van Driessen 1999, "A Fast Algorithm for the Minimum
** Covariance Determinant Estimator", Technometrics 41:212), followed by
** sklearn's consistency correction and reweighting (mah.h behaviour 1).
**
** Behaviours:
**   1. A c-step (concentration step) takes an h-subset H, computes its mean
**      and MLE covariance, the squared distances d² of every row of the
**      current data set under them, and returns the h rows with the smallest
**      d² (ties broken by row index).  det(new) ≤ det(old) always; the
**      iteration stops when the determinant no longer decreases (keeping
**      the lower one; on equality the new subset), when it is singular
**      (an exact fit: log det = −Inf), or after 30 steps (sklearn's bound).
**   2. A trial starts from a random (p+1)-subset (extended by further random
**      rows while its covariance is singular, up to h rows), takes the h
**      rows nearest to its estimate and runs 2 c-steps (the paper's start;
**      sklearn starts from a random h-subset — both reach the same optimum
**      where the MCD is well separated).
**   3. n ≤ 500: 30 trials on all rows, the 10 lowest determinants iterated
**      to convergence, the lowest wins.
**      n > 500: a random merged set of min(n, 1500) rows split into
**      k = merged/300 subsets (1..5); per subset max(10, 500/k) trials with
**      h_sub = ceil(n_sub·h/n), the 10 best kept; all 10k candidates get 2
**      c-steps on the merged set (h_merged = ceil(merged·h/n)), the 10 best
**      are iterated to convergence on all rows; the lowest determinant
**      wins.  (sklearn: n/300 subsets with no cap of 5, and iterates the
**      merged candidates to convergence.)  Ties keep the earlier candidate.
**   4. p = 1 is sklearn's exact univariate MCD: the sorted values'
**      shortest spans x[i+h] − x[i]; location = the mean of the midpoints
**      of all shortest spans; support = the h values nearest to it; raw
**      variance = the support's variance; raw d² = (x − location)²/var.
**      The two ends of a shortest span are equidistant from its midpoint:
**      that tie is broken by row index here and by numpy's (unstable)
**      argsort in sklearn, so the raw variance (metrics raw_log_det) can
**      differ from sklearn's raw_covariance_.  The final estimate does
**      not depend on it: the corrected d² = (x − loc)²·χ²₁.isf(½) /
**      median((x − loc)²) whatever the raw variance.
**   5. Correction and reweighting (sklearn's MinCovDet.fit): the raw d² of
**      every row is divided by median(d²)/χ²_p.isf(0.5) (skipped when that
**      factor is 0 or not finite: more than half the rows on the raw
**      location); rows with corrected d² < χ²_p.isf(0.025) give the final
**      mean and MLE covariance; *support is their count.  A row outside
**      the raw estimate's subspace (mah.h 7) has d² = +Inf throughout.
**   6. Deterministic from the seed (xoshiro256**, partial Fisher–Yates
**      draws; selection by (d², index), sums in ascending row order).  The
**      caller's interrupt is polled between trials and c-steps.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mah_impl.h"

#define MCD_MAX_ITER 30
#define MCD_N_BEST 10
#define MCD_SMALL_N 500
#define MCD_MERGED 1500
#define MCD_SUBSET 300

typedef struct mcd {
  const double *X;
  size_t n;
  uint32_t q;
  mah_factor f;  /* preallocated, no P */
  double *loc;   /* [q] estimate of the last mcd_estimate */
  double *cov;   /* [q·q] */
  double *d2;    /* [n] by row */
  uint32_t *sel; /* [n] selection scratch */
  double *z;     /* factor scratch */
  mah_rng rng;
  const om_interrupt *it;
  om_err *err;
} mcd;

static int cmp_u32(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return (a > b) - (a < b);
}

/* Mean, covariance and factor of the rows sup[0..h); returns log det
** through *det.  Only OM_INTERNAL / OM_CORRUPT (a bug) can fail. */
static om_status mcd_estimate(mcd *m, const uint32_t *sup, size_t h, double *det) {
  om_status st;
  mah_rows_moments(m->X, m->q, sup, h, 1, m->loc, m->cov);
  st = mah_factor_compute(&m->f, m->cov, m->err);
  if (st != OM_OK) return om_errf(m->err, OM_INTERNAL, "MCD: %s", m->err->msg);
  *det = m->f.logdet;
  return OM_OK;
}

static void mcd_distances(mcd *m, const uint32_t *D, size_t nd) {
  for (size_t t = 0; t < nd; t++) {
    uint32_t i = D ? D[t] : (uint32_t)t;
    int out;
    double d = mah_factor_d2(&m->f, m->loc, m->X + (size_t)i * m->q, &out, m->z);
    m->d2[i] = out ? INFINITY : d;
  }
}

/* (d², index) order. */
static inline int less(const double *d2, uint32_t a, uint32_t b) {
  return d2[a] < d2[b] || (d2[a] == d2[b] && a < b);
}

/* Put the h smallest of v[0..n) first (in any order). */
static void select_smallest(const double *d2, uint32_t *v, size_t n, size_t h) {
  size_t lo = 0, hi = n;
  if (h >= n) return;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2, i, j;
    uint32_t a = v[lo], b = v[mid], c = v[hi - 1], p, t;
    /* median of three as pivot */
    if (less(d2, a, b)) p = less(d2, b, c) ? b : (less(d2, a, c) ? c : a);
    else p = less(d2, a, c) ? a : (less(d2, b, c) ? c : b);
    /* three-way partition of v[lo, hi) around p (keys are distinct) */
    i = lo;
    j = hi;
    for (size_t k = lo; k < j;) {
      if (less(d2, v[k], p)) {
        t = v[k], v[k] = v[i], v[i] = t;
        i++, k++;
      } else if (v[k] == p) {
        k++;
      } else {
        j--;
        t = v[k], v[k] = v[j], v[j] = t;
      }
    }
    /* v[lo, i) < p, v[i, j) == p (one element), v[j, hi) > p */
    if (h <= i) hi = i;
    else if (h >= j) lo = j;
    else return;
  }
}

/* The h rows of D (NULL: all rows) nearest to the current estimate, sorted
** by row index, into out. */
static void mcd_nearest(mcd *m, const uint32_t *D, size_t nd, size_t h, uint32_t *out) {
  mcd_distances(m, D, nd);
  for (size_t t = 0; t < nd; t++) m->sel[t] = D ? D[t] : (uint32_t)t;
  select_smallest(m->d2, m->sel, nd, h);
  memcpy(out, m->sel, h * sizeof(uint32_t));
  qsort(out, h, sizeof(uint32_t), cmp_u32);
}

/* Behaviour 1: c-steps on D from the support sup (h rows, updated in place)
** for at most max_iter steps.  spare: h more indices.  *det: the result's. */
static om_status mcd_csteps(mcd *m, const uint32_t *D, size_t nd, size_t h, uint32_t *sup, uint32_t *spare,
                            int max_iter, double *det) {
  double cur, next;
  om_status st = mcd_estimate(m, sup, h, &cur);
  if (st != OM_OK) return st;
  for (int s = 0; s < max_iter && isfinite(cur); s++) {
    if (om_interrupted(m->it)) return om_errf(m->err, OM_INTERRUPTED, "interrupted");
    mcd_nearest(m, D, nd, h, spare);
    if (memcmp(spare, sup, h * sizeof(uint32_t)) == 0) break; /* converged */
    if ((st = mcd_estimate(m, spare, h, &next)) != OM_OK) return st;
    if (next > cur) { /* cannot happen in exact arithmetic; keep the old */
      if ((st = mcd_estimate(m, sup, h, &cur)) != OM_OK) return st;
      break;
    }
    memcpy(sup, spare, h * sizeof(uint32_t));
    if (next == cur) {
      cur = next;
      break;
    }
    cur = next;
  }
  *det = cur;
  return OM_OK;
}

/* Behaviour 2: one trial on D (nd rows) into sup[h].  perm: a permutation
** of D's positions kept across trials; spare: h indices. */
static om_status mcd_trial(mcd *m, const uint32_t *D, size_t nd, size_t h, uint32_t *perm, uint32_t *sup,
                           uint32_t *spare, double *det) {
  size_t j = 0, want = (size_t)m->q + 1;
  double d0;
  om_status st;
  if (want > h) want = h;
  for (;;) {
    while (j < want) { /* partial Fisher–Yates */
      size_t r = j + (size_t)mah_rng_below(&m->rng, nd - j);
      uint32_t t = perm[j];
      perm[j] = perm[r];
      perm[r] = t;
      j++;
    }
    for (size_t t = 0; t < j; t++) sup[t] = D ? D[perm[t]] : perm[t];
    qsort(sup, j, sizeof(uint32_t), cmp_u32);
    if ((st = mcd_estimate(m, sup, j, &d0)) != OM_OK) return st;
    if (isfinite(d0) || j >= h) break;
    want = j + 1;
  }
  mcd_nearest(m, D, nd, h, sup);
  return mcd_csteps(m, D, nd, h, sup, spare, 2, det);
}

/* Keep the best n_best candidates (lowest det; ties keep the earlier). */
typedef struct cands {
  uint32_t *sup; /* [cap·h] */
  double *det;   /* [cap] */
  size_t h, count, cap;
} cands;

static void cands_offer(cands *c, const uint32_t *sup, double det) {
  size_t pos = c->count;
  while (pos > 0 && det < c->det[pos - 1]) pos--;
  if (pos >= c->cap) return;
  {
    size_t last = c->count < c->cap ? c->count : c->cap - 1;
    memmove(c->det + pos + 1, c->det + pos, (last - pos) * sizeof(double));
    memmove(c->sup + (pos + 1) * c->h, c->sup + pos * c->h, (last - pos) * c->h * sizeof(uint32_t));
  }
  c->det[pos] = det;
  memcpy(c->sup + pos * c->h, sup, c->h * sizeof(uint32_t));
  if (c->count < c->cap) c->count++;
}

static size_t ceil_frac(size_t a, size_t h, size_t n) { return (size_t)((a * (uint64_t)h + n - 1) / n); }

static int cmp_dbl(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Behaviour 4: raw location and variance into m->loc, m->cov; raw d² of
** every row into m->d2.  tmp: n doubles. */
static void mcd_univariate(mcd *m, size_t h, double *tmp) {
  const double *x = m->X;
  size_t n = m->n;
  double loc, var;
  memcpy(tmp, x, n * sizeof(double));
  qsort(tmp, n, sizeof(double), cmp_dbl);
  if (h < n) {
    double best = INFINITY, sum = 0;
    size_t count = 0;
    for (size_t i = 0; i + h < n; i++)
      if (tmp[i + h] - tmp[i] < best) best = tmp[i + h] - tmp[i];
    for (size_t i = 0; i + h < n; i++)
      if (tmp[i + h] - tmp[i] == best) {
        sum += tmp[i + h] + tmp[i];
        count++;
      }
    loc = 0.5 * (sum / (double)count);
    for (size_t i = 0; i < n; i++) {
      m->d2[i] = fabs(x[i] - loc);
      m->sel[i] = (uint32_t)i;
    }
    select_smallest(m->d2, m->sel, n, h);
    qsort(m->sel, h, sizeof(uint32_t), cmp_u32);
    mah_rows_moments(x, 1, m->sel, h, 1, &var, m->cov); /* var's mean unused */
    var = m->cov[0];
  } else {
    mah_rows_moments(x, 1, NULL, n, 1, &loc, m->cov);
    var = m->cov[0];
  }
  m->loc[0] = loc;
  m->cov[0] = var;
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - loc;
    m->d2[i] = var > 0 ? d * d / var : (d == 0 ? 0.0 : INFINITY);
  }
}

om_status mah_mcd_fit(const double *X, size_t n, uint32_t q, size_t h, uint64_t seed, const om_interrupt *it,
                      double *loc, double *cov, uint64_t *support, double *raw_logdet, om_err *err) {
  mcd m;
  uint32_t *best = NULL, *sup = NULL, *spare = NULL, *perm = NULL;
  double *tmp = NULL, best_det = INFINITY, det;
  cands c1 = {0}, c2 = {0};
  om_status st;
  size_t count = 0;
  memset(&m, 0, sizeof m);
  m.X = X;
  m.n = n;
  m.q = q;
  m.it = it;
  m.err = err;
  mah_rng_seed(&m.rng, seed);
  if (h > n) h = n;
  if ((st = mah_factor_alloc(&m.f, q, 0, err)) != OM_OK) return st;
  m.loc = om_malloc_array(q, sizeof(double));
  m.cov = om_malloc_array((size_t)q * q, sizeof(double));
  m.d2 = om_malloc_array(n, sizeof(double));
  m.sel = om_malloc_array(n, sizeof(uint32_t));
  m.z = om_malloc_array(MAH_FACTOR_SCRATCH(q), sizeof(double));
  tmp = om_malloc_array(n, sizeof(double));
  best = om_malloc_array(h, sizeof(uint32_t));
  sup = om_malloc_array(n, sizeof(uint32_t));
  spare = om_malloc_array(n, sizeof(uint32_t));
  perm = om_malloc_array(n, sizeof(uint32_t));
  if (!m.loc || !m.cov || !m.d2 || !m.sel || !m.z || !tmp || !best || !sup || !spare || !perm) goto oom;

  if (q == 1) {
    mcd_univariate(&m, h, tmp);
    *raw_logdet = log(m.cov[0]);
  } else {
    if (n <= MCD_SMALL_N) {
      c1.h = h;
      c1.cap = MCD_N_BEST;
      c1.sup = om_malloc_array(c1.cap * h, sizeof(uint32_t));
      c1.det = om_malloc_array(c1.cap, sizeof(double));
      if (!c1.sup || !c1.det) goto oom;
      for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
      for (int t = 0; t < 30; t++) {
        if ((st = mcd_trial(&m, NULL, n, h, perm, sup, spare, &det)) != OM_OK) goto done;
        cands_offer(&c1, sup, det);
      }
      for (size_t c = 0; c < c1.count; c++) {
        memcpy(sup, c1.sup + c * h, h * sizeof(uint32_t));
        if ((st = mcd_csteps(&m, NULL, n, h, sup, spare, MCD_MAX_ITER, &det)) != OM_OK) goto done;
        if (det < best_det || c == 0) {
          best_det = det;
          memcpy(best, sup, h * sizeof(uint32_t));
        }
      }
    } else {
      size_t nm = n < MCD_MERGED ? n : MCD_MERGED, k = nm / MCD_SUBSET, nsub, hsub, hm, trials;
      uint32_t *merged;
      if (k > 5) k = 5;
      nsub = nm / k;
      hsub = ceil_frac(nsub, h, n);
      hm = ceil_frac(nm, h, n);
      trials = 500 / k > 10 ? 500 / k : 10;
      if (hsub > nsub) hsub = nsub;
      if (hm > nm) hm = nm;
      for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
      for (size_t j = 0; j < nm; j++) { /* the merged set: a random nm rows */
        size_t r = j + (size_t)mah_rng_below(&m.rng, n - j);
        uint32_t t = perm[j];
        perm[j] = perm[r];
        perm[r] = t;
      }
      merged = perm; /* perm[0..nm) is the merged set; perm[nm..) is unused from here */
      c1.h = hsub;
      c1.cap = MCD_N_BEST * k;
      c1.sup = om_malloc_array(c1.cap * hsub, sizeof(uint32_t));
      c1.det = om_malloc_array(c1.cap, sizeof(double));
      c2.h = hm;
      c2.cap = MCD_N_BEST;
      c2.sup = om_malloc_array(c2.cap * hm, sizeof(uint32_t));
      c2.det = om_malloc_array(c2.cap, sizeof(double));
      if (!c1.sup || !c1.det || !c2.sup || !c2.det) goto oom;
      for (size_t s = 0; s < k; s++) {
        cands one = {c1.sup + c1.count * hsub, c1.det + c1.count, hsub, 0, MCD_N_BEST};
        const uint32_t *D = merged + s * nsub;
        uint32_t *pp = (uint32_t *)(void *)tmp; /* positions 0..nsub within D (tmp is free here) */
        for (size_t i = 0; i < nsub; i++) pp[i] = (uint32_t)i;
        for (size_t t = 0; t < trials; t++) {
          if ((st = mcd_trial(&m, D, nsub, hsub, pp, sup, spare, &det)) != OM_OK) goto done;
          cands_offer(&one, sup, det);
        }
        c1.count += one.count;
      }
      for (size_t c = 0; c < c1.count; c++) {
        if ((st = mcd_estimate(&m, c1.sup + c * hsub, hsub, &det)) != OM_OK) goto done;
        mcd_nearest(&m, merged, nm, hm, sup);
        if ((st = mcd_csteps(&m, merged, nm, hm, sup, spare, 2, &det)) != OM_OK) goto done;
        cands_offer(&c2, sup, det);
      }
      for (size_t c = 0; c < c2.count; c++) {
        if ((st = mcd_estimate(&m, c2.sup + c * hm, hm, &det)) != OM_OK) goto done;
        mcd_nearest(&m, NULL, n, h, sup);
        if ((st = mcd_csteps(&m, NULL, n, h, sup, spare, MCD_MAX_ITER, &det)) != OM_OK) goto done;
        if (det < best_det || c == 0) {
          best_det = det;
          memcpy(best, sup, h * sizeof(uint32_t));
        }
      }
    }
    if ((st = mcd_estimate(&m, best, h, &det)) != OM_OK) goto done;
    *raw_logdet = det;
    mcd_distances(&m, NULL, n);
  }

  /* Behaviour 5: correction and reweighting. */
  {
    double med, corr, thr = mah_chi2_isf(0.025, q);
    memcpy(tmp, m.d2, n * sizeof(double));
    qsort(tmp, n, sizeof(double), cmp_dbl);
    med = n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
    corr = med / mah_chi2_isf(0.5, q);
    for (size_t i = 0; i < n; i++) {
      double d = isfinite(corr) && corr > 0 ? m.d2[i] / corr : m.d2[i];
      if (d < thr) sup[count++] = (uint32_t)i;
    }
    if (count == 0) /* every row outside the raw estimate's subspace: keep them all */
      for (size_t i = 0; i < n; i++) sup[count++] = (uint32_t)i;
    mah_rows_moments(X, q, sup, count, 1, loc, cov);
    *support = count;
  }
  if (om_interrupted(it)) st = om_errf(err, OM_INTERRUPTED, "interrupted");
  goto done;
oom:
  st = om_errf(err, OM_NOMEM, "out of memory");
done:
  mah_factor_free(&m.f);
  om_free(m.loc);
  om_free(m.cov);
  om_free(m.d2);
  om_free(m.sel);
  om_free(m.z);
  om_free(tmp);
  om_free(best);
  om_free(sup);
  om_free(spare);
  om_free(perm);
  om_free(c1.sup);
  om_free(c1.det);
  om_free(c2.sup);
  om_free(c2.det);
  return st;
}
