/*
** st_rank.c — the Mann–Whitney U test, its exact null distribution, and the
** Hodges–Lehmann shift with its confidence interval by exact selection in
** the sorted matrix of pairwise differences.
** The spec (numbered behaviours) is the header comment of st_rank.h.
*/
#include "st_rank.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "st_tdist.h"

__extension__ typedef __int128 st_i128;
__extension__ typedef unsigned __int128 st_u128;

#define ST_POLL_EVERY ((int64_t)1 << 20)

/* ------------------------------------------------------------ sorting */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void st_sort_doubles(double *a, size_t n) {
  if (n > 1) qsort(a, n, sizeof *a, cmp_double);
}

/* ------------------------------------------- exact null distribution */

/* Cumulative counts cum[q] = #{arrangements with U <= q}, q = 0..K, for
** sizes m <= n (behaviour 3), exact (i128) or long double. */
typedef struct mwu_table {
  int64_t mn, K;
  int is_int;
  st_i128 *ci;      /* is_int: cum[0..K] */
  long double *cl;  /* else */
  st_i128 total_i;  /* C(m+n, m) */
  long double total_l;
  void *block;      /* the allocation ci or cl lies in (om_malloc aligns to 8 only) */
} mwu_table;

static void mwu_table_free(mwu_table *t) {
  om_free(t->block);
  t->block = NULL;
  t->ci = NULL;
  t->cl = NULL;
}

/* n zeroed 16-byte elements, 16-byte aligned, in a block kept in t. */
static void *mwu_alloc16(mwu_table *t, size_t n) {
  unsigned char *b = om_calloc(n + 1, 16);
  if (!b) return NULL;
  t->block = b;
  return b + ((16 - ((uintptr_t)b & 15)) & 15);
}

/* C(m+n, m) as an exact integer if it is below 2^126; 0 otherwise. */
static st_u128 binom_fits(int64_t m, int64_t n) {
  const st_u128 limit = (st_u128)1 << 126;
  st_u128 c = 1;
  for (int64_t i = 1; i <= m; i++) {
    st_u128 f = (st_u128)(n + i);
    if (c > limit / f) return 0;
    c = c * f / (st_u128)i; /* exact: C(n+i, i) */
  }
  return c;
}

#define MWU_BUILD(T, P)                                                                                                \
  do {                                                                                                                 \
    int64_t polled = 0;                                                                                                \
    P[0] = 1;                                                                                                          \
    for (int64_t j = 1; j <= m; j++) {                                                                                 \
      int64_t s = n + j;                                                                                               \
      for (int64_t k = K; k >= s; k--) P[k] -= P[k - s];                                                              \
      for (int64_t k = j; k <= K; k++) P[k] += P[k - j];                                                              \
      polled += 2 * (K + 1);                                                                                           \
      if (polled >= ST_POLL_EVERY) {                                                                                   \
        polled = 0;                                                                                                    \
        if (om_interrupted(it)) return OM_INTERRUPTED;                                                                 \
      }                                                                                                                \
    }                                                                                                                  \
    for (int64_t k = 1; k <= K; k++) P[k] += P[k - 1];                                                                \
  } while (0)

static om_status mwu_table_build(int64_t n1, int64_t n2, const om_interrupt *it, mwu_table *t) {
  int64_t m = n1 < n2 ? n1 : n2, n = n1 < n2 ? n2 : n1;
  st_u128 total;
  memset(t, 0, sizeof *t);
  t->mn = m * n;
  t->K = t->mn / 2;
  int64_t K = t->K;
  total = binom_fits(m, n);
  if (total) {
    st_i128 *P = mwu_alloc16(t, (size_t)K + 1);
    if (!P) return OM_NOMEM;
    t->ci = P;
    t->is_int = 1;
    t->total_i = (st_i128)total;
    MWU_BUILD(st_i128, P);
  } else {
    long double *P = mwu_alloc16(t, (size_t)K + 1);
    if (!P) return OM_NOMEM;
    t->cl = P;
    /* C(m+n, m) in long double: exact enough (m <= 8 here) */
    long double c = 1;
    for (int64_t i = 1; i <= m; i++) c = c * (long double)(n + i) / (long double)i;
    t->total_l = c;
    MWU_BUILD(long double, P);
  }
  return OM_OK;
}

/* P(U <= q) for any integer q. */
static long double mwu_cdf(const mwu_table *t, int64_t q) {
  if (q < 0) return 0;
  if (q >= t->mn) return 1;
  if (q <= t->K) {
    if (t->is_int) return (long double)t->ci[q] / (long double)t->total_i;
    return t->cl[q] / t->total_l;
  }
  /* P(U <= q) = 1 - P(U >= q + 1) = 1 - P(U <= mn - q - 1) (symmetry) */
  int64_t r = t->mn - q - 1;
  if (t->is_int) return (long double)(t->total_i - t->ci[r]) / (long double)t->total_i;
  return (t->total_l - t->cl[r]) / t->total_l;
}

/* P(U >= u) for an integer u. */
static double mwu_sf(const mwu_table *t, int64_t u) {
  if (u <= 0) return 1.0;
  if (u > t->mn) return 0.0;
  int64_t r = t->mn - u; /* P(U >= u) = P(U <= mn - u) */
  if (r <= t->K) {
    if (t->is_int) return (double)t->ci[r] / (double)t->total_i;
    return (double)(t->cl[r] / t->total_l);
  }
  if (t->is_int) return (double)(t->total_i - t->ci[u - 1]) / (double)t->total_i;
  return (double)((t->total_l - t->cl[u - 1]) / t->total_l);
}

/* The smallest q in [0, mn] with P(U <= q) >= a. */
static int64_t mwu_quantile(const mwu_table *t, double a) {
  int64_t lo = 0, hi = t->mn;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (mwu_cdf(t, mid) >= (long double)a) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* ------------------------------------------------ pairwise selection */

static uint64_t st_rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Row i holds d(i, j) = x[i] - y[n2-1-j], non-decreasing in j and in i. */
#define PD(i, j) (x[(i)] - y[n2 - 1 - (j)])

/* For pivot p: lt[i] = #{j: d(i,j) < p}, le[i] = #{j: d(i,j) <= p}; sums. */
static void pd_count(const double *x, size_t n1, const double *y, size_t n2, double p, int64_t *lt, int64_t *le,
                     uint64_t *sum_lt, uint64_t *sum_le) {
  int64_t c = (int64_t)n2, e = (int64_t)n2;
  uint64_t s1 = 0, s2 = 0;
  for (size_t i = 0; i < n1; i++) {
    while (c > 0 && !(PD(i, c - 1) < p)) c--;
    while (e > 0 && !(PD(i, e - 1) <= p)) e--;
    lt[i] = c;
    le[i] = e;
    s1 += (uint64_t)c;
    s2 += (uint64_t)e;
  }
  *sum_lt = s1;
  *sum_le = s2;
}

om_status st_pairdiff_select(const double *x, size_t n1, const double *y, size_t n2, uint64_t k,
                             const om_interrupt *it, double *out) {
  int64_t *lo = NULL, *hi = NULL, *lt = NULL, *le = NULL;
  double *cand = NULL;
  uint64_t rng = 0x5eed5eed12345678ull ^ (uint64_t)n1 * 31 ^ (uint64_t)n2 ^ k;
  om_status st = OM_OK;
  uint64_t small = 4 * ((uint64_t)n1 + (uint64_t)n2) + 64, work = 0;
  if (n1 == 0 || n2 == 0 || k >= (uint64_t)n1 * (uint64_t)n2) return OM_INVALID;
  lo = om_malloc_array(n1, sizeof *lo);
  hi = om_malloc_array(n1, sizeof *hi);
  lt = om_malloc_array(n1, sizeof *lt);
  le = om_malloc_array(n1, sizeof *le);
  if (!lo || !hi || !lt || !le) {
    st = OM_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < n1; i++) {
    lo[i] = 0;
    hi[i] = (int64_t)n2;
  }
  for (;;) {
    uint64_t total = 0, below = 0;
    for (size_t i = 0; i < n1; i++) {
      if (hi[i] > lo[i]) total += (uint64_t)(hi[i] - lo[i]);
      below += (uint64_t)lo[i];
    }
    if (total == 0) { /* cannot happen: k is always among the candidates */
      st = OM_INTERNAL;
      goto done;
    }
    if (total <= small) {
      size_t c = 0;
      cand = om_malloc_array((size_t)total, sizeof *cand);
      if (!cand) {
        st = OM_NOMEM;
        goto done;
      }
      for (size_t i = 0; i < n1; i++)
        for (int64_t j = lo[i]; j < hi[i]; j++) cand[c++] = PD(i, j);
      st_sort_doubles(cand, c);
      *out = cand[k - below];
      goto done;
    }
    /* a random candidate as pivot */
    {
      uint64_t r = st_rng_next(&rng) % total, sum_lt, sum_le;
      double p = 0;
      for (size_t i = 0; i < n1; i++) {
        uint64_t w = hi[i] > lo[i] ? (uint64_t)(hi[i] - lo[i]) : 0;
        if (r < w) {
          p = PD(i, lo[i] + (int64_t)r);
          break;
        }
        r -= w;
      }
      pd_count(x, n1, y, n2, p, lt, le, &sum_lt, &sum_le);
      if (k < sum_lt) {
        for (size_t i = 0; i < n1; i++)
          if (hi[i] > lt[i]) hi[i] = lt[i];
      } else if (k < sum_le) {
        *out = p;
        goto done;
      } else {
        for (size_t i = 0; i < n1; i++)
          if (lo[i] < le[i]) lo[i] = le[i];
      }
    }
    work += (uint64_t)n1 + (uint64_t)n2;
    if (work >= (uint64_t)ST_POLL_EVERY) {
      work = 0;
      if (om_interrupted(it)) {
        st = OM_INTERRUPTED;
        goto done;
      }
    }
  }
done:
  om_free(lo);
  om_free(hi);
  om_free(lt);
  om_free(le);
  om_free(cand);
  return st;
}

/* --------------------------------------------------------- the test */

om_status st_mann_whitney(double *x, size_t n1, double *y, size_t n2, st_alternative alt, double confidence,
                          const om_interrupt *it, st_mwu_result *out, om_err *err) {
  int64_t two_u1 = 0, mn, N, qk;
  st_i128 tie = 0;
  int ties = 0, exact;
  double U, f, s, a, mid_lo, mid_hi;
  mwu_table tab;
  om_status st;
  memset(&tab, 0, sizeof tab);
  if (out) {
    out->u1 = out->u2 = out->z = out->p = out->cles = out->hl = out->ci_low = out->ci_high = NAN;
    out->exact = 0;
  }
  if (!x || !y || !out) return om_errf(err, OM_INVALID, "null argument");
  if (n1 == 0 || n2 == 0) return om_errf(err, OM_INVALID, "each sample needs at least one value");
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "unknown alternative %d", (int)alt);
  if (!(confidence > 0 && confidence < 1))
    return om_errf(err, OM_INVALID, "confidence must be between 0 and 1 (exclusive)");
  for (size_t i = 0; i < n1; i++)
    if (isnan(x[i])) return om_errf(err, OM_INVALID, "value is NaN");
  for (size_t j = 0; j < n2; j++)
    if (isnan(y[j])) return om_errf(err, OM_INVALID, "value is NaN");
  st_sort_doubles(x, n1);
  st_sort_doubles(y, n2);
  mn = (int64_t)n1 * (int64_t)n2;
  N = (int64_t)(n1 + n2);

  /* U1 (behaviour 1) and the tie term, in one merge over distinct values */
  {
    size_t i = 0, j = 0;
    while (i < n1 || j < n2) {
      double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
      size_t ci = 0, cj = 0;
      while (i + ci < n1 && x[i + ci] == v) ci++;
      while (j + cj < n2 && y[j + cj] == v) cj++;
      /* the ci x's equal to v beat the j y's below v and tie the cj */
      two_u1 += (int64_t)ci * (int64_t)(2 * j + cj);
      {
        st_i128 t = (st_i128)(ci + cj);
        if (t > 1) {
          ties = 1;
          tie += t * t * t - t;
        }
      }
      i += ci;
      j += cj;
    }
  }
  out->u1 = (double)two_u1 / 2;
  out->u2 = (double)mn - out->u1;
  out->cles = out->u1 / (double)mn;
  if (alt == ST_GREATER) U = out->u1, f = 1;
  else if (alt == ST_LESS) U = out->u2, f = 1;
  else U = out->u1 > out->u2 ? out->u1 : out->u2, f = 2;

  s = sqrt((double)mn / 12.0 * ((double)(N + 1) - (double)((long double)tie / ((long double)N * (long double)(N - 1)))));
  exact = !(n1 > 8 && n2 > 8) && !ties && mn / 2 <= ST_MWU_EXACT_MAX;
  out->exact = exact;
  a = 1 - confidence;
  if (alt == ST_TWO_SIDED) a /= 2;
  if (exact) {
    st = mwu_table_build((int64_t)n1, (int64_t)n2, it, &tab);
    if (st != OM_OK) goto fail;
    out->p = f * mwu_sf(&tab, (int64_t)U);
    qk = mwu_quantile(&tab, a);
  } else {
    double num = U - (double)mn / 2 - 0.5;
    out->z = s > 0 ? num / s : (num < 0 ? -INFINITY : num > 0 ? INFINITY : NAN);
    out->p = f * st_norm_sf(out->z);
    qk = (int64_t)floor((double)mn / 2 + 0.5 - st_norm_ppf(1 - a) * s);
  }
  if (out->p > 1) out->p = 1;
  if (out->p < 0) out->p = 0;
  if (qk > mn) qk = mn;

  /* Hodges–Lehmann shift (behaviour 5) */
  st = st_pairdiff_select(x, n1, y, n2, (uint64_t)((mn - 1) / 2), it, &mid_lo);
  if (st != OM_OK) goto fail;
  if (mn % 2 == 0) {
    st = st_pairdiff_select(x, n1, y, n2, (uint64_t)(mn / 2), it, &mid_hi);
    if (st != OM_OK) goto fail;
    out->hl = mid_lo / 2 + mid_hi / 2;
    if (mid_lo == mid_hi) out->hl = mid_lo;
  } else {
    out->hl = mid_lo;
  }
  /* interval (behaviour 6): W_(k) is the 0-based k - 1 */
  out->ci_low = -INFINITY;
  out->ci_high = INFINITY;
  if (qk >= 1) {
    if (alt != ST_LESS) {
      st = st_pairdiff_select(x, n1, y, n2, (uint64_t)(qk - 1), it, &out->ci_low);
      if (st != OM_OK) goto fail;
    }
    if (alt != ST_GREATER) {
      st = st_pairdiff_select(x, n1, y, n2, (uint64_t)(mn - qk), it, &out->ci_high);
      if (st != OM_OK) goto fail;
    }
  }
  mwu_table_free(&tab);
  return OM_OK;
fail:
  mwu_table_free(&tab);
  out->p = out->hl = out->ci_low = out->ci_high = out->z = NAN;
  if (st == OM_NOMEM) return om_errf(err, st, "out of memory");
  if (st == OM_INTERRUPTED) return om_errf(err, st, "interrupted");
  return om_errf(err, st, "internal error in the pairwise selection");
}
