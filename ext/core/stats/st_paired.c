/*
** st_paired.c — the paired t-test from exact moments of the differences,
** the Wilcoxon signed-rank test (exact null distribution by a counting
** recurrence, normal approximation with the tie correction), and the
** Hodges–Lehmann pseudo-median with its interval by selection in the sorted
** triangle of Walsh averages.
** The spec (numbered behaviours, edge cases) is the header comment of
** st_paired.h.
*/
#include "st_paired.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "st_rank.h" /* st_sort_doubles */
#include "st_tdist.h"

__extension__ typedef __int128 st_i128;

#define ST_POLL_EVERY ((uint64_t)1 << 20)
#define WSR_M_MAX (ST_WSR_EXACT_MAX * (ST_WSR_EXACT_MAX + 1) / 2)

/* ------------------------------------------------------------ paired t */

static void paired_t_nan(st_paired_t_result *r) {
  r->n = r->mean_diff = r->sd_diff = r->se = r->t = r->df = r->p = NAN;
  r->ci_low = r->ci_high = r->cohens_dz = NAN;
}

/* p-value of t at df (behaviour 2); the limits for infinite t. */
static double paired_p(double t, double df, st_alternative alt) {
  if (isnan(t)) return NAN;
  if (isinf(t)) {
    if (alt == ST_TWO_SIDED) return 0.0;
    if (alt == ST_LESS) return t > 0 ? 1.0 : 0.0;
    return t > 0 ? 0.0 : 1.0;
  }
  if (alt == ST_TWO_SIDED) return 2.0 * st_t_cdf(-fabs(t), df);
  if (alt == ST_LESS) return st_t_cdf(t, df);
  return st_t_sf(t, df);
}

/* Behaviour 6: `name` = frac * 2^exp2 is beyond the double range. */
static om_status paired_too_big(om_err *err, st_paired_t_result *out, const char *name, double frac, int exp2) {
  double l10 = log10(fabs(frac)) + exp2 * 0.30102999566398120, ex = floor(l10);
  paired_t_nan(out);
  return om_errf(err, OM_INVALID,
                 "%s is about %.2ge%+.0f, beyond the range of a double; divide the values by a constant first", name,
                 (frac < 0 ? -1.0 : 1.0) * pow(10.0, l10 - ex), ex);
}

om_status st_paired_ttest(const st_moments *d, st_alternative alt, double confidence, st_paired_t_result *out,
                          om_err *err) {
  double n, md, vs, sds, ses, q, dh, half;
  int k, em, m, de;
  if (!out) return om_errf(err, OM_INVALID, "no result structure");
  paired_t_nan(out);
  if (!d) return om_errf(err, OM_INVALID, "missing moments");
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "alternative must be two-sided, less or greater");
  if (!(confidence > 0.0 && confidence < 1.0))
    return om_errf(err, OM_INVALID, "confidence must be strictly between 0 and 1 (got %g)", confidence);
  n = d->n;
  out->n = n > 0 ? n : 0.0;
  if (!(n >= 1.0)) return OM_OK; /* 5.1 */
  md = d->mean + d->mean_lo;     /* mean = md * 2^mean_exp */
  de = d->mean_exp;
  out->mean_diff = ldexp(md, de);
  out->df = n - 1.0;
  if (n < 2.0) return OM_OK; /* 5.2 */
  if (isnan(md) || isnan(d->m2)) return OM_OK;

  /* var = vs * 2^k with k even, so sd = sqrt(vs) * 2^(k/2) (behaviour 6) */
  k = d->m2 != 0.0 ? d->m2_exp : 0;
  if (k & 1) k++;
  vs = d->m2 != 0.0 ? ldexp(d->m2 / (n - 1.0), d->m2_exp - k) : 0.0;
  sds = sqrt(vs);
  ses = sds / sqrt(n);
  out->sd_diff = ldexp(sds, k / 2);
  if (isinf(out->sd_diff)) return paired_too_big(err, out, "sd_diff", sds, k / 2);
  out->se = ldexp(ses, k / 2);
  if (vs > 0.0) {
    double fm = frexp(md, &em);
    out->t = ldexp(fm / ses, em + de - k / 2);
    out->cohens_dz = ldexp(fm / sds, em + de - k / 2);
  } else {
    out->t = md / 0.0; /* 5.3, 5.4: 0/0 = NaN, x/0 = ±inf */
    out->cohens_dz = out->t;
  }
  out->p = paired_p(out->t, out->df, alt);

  if (vs == 0.0) { /* 5.3, 5.4: zero width */
    out->ci_low = alt == ST_LESS ? -INFINITY : out->mean_diff;
    out->ci_high = alt == ST_GREATER ? INFINITY : out->mean_diff;
    return OM_OK;
  }
  q = st_t_ppf(alt == ST_TWO_SIDED ? (1.0 + confidence) / 2.0 : confidence, out->df);
  /* ci = (mean/2 -+ q*se/2) * 2, both halves at the common exponent m */
  m = de > k / 2 ? de : k / 2;
  half = ldexp(q * ses, k / 2 - 1 - m);
  dh = ldexp(0.5 * md, de - m);
  out->ci_low = alt == ST_LESS ? -INFINITY : ldexp(dh - half, m + 1);
  out->ci_high = alt == ST_GREATER ? INFINITY : ldexp(dh + half, m + 1);
  if (alt != ST_LESS && isinf(out->ci_low)) return paired_too_big(err, out, "ci_low", dh - half, m + 1);
  if (alt != ST_GREATER && isinf(out->ci_high)) return paired_too_big(err, out, "ci_high", dh + half, m + 1);
  return OM_OK;
}

/* ------------------------------------- exact null distribution of W+ */

/* cum[s] = #{subsets of {1..n} with sum <= s}, s = 0..n(n+1)/2, n <= 50
** (behaviour 9): every count is below 2^50, exact in uint64. */
static void wsr_table(int n, uint64_t *cum) {
  int M = n * (n + 1) / 2;
  memset(cum, 0, (size_t)(M + 1) * sizeof *cum);
  cum[0] = 1;
  for (int k = 1; k <= n; k++) {
    int top = k * (k + 1) / 2;
    for (int s = top; s >= k; s--) cum[s] += cum[s - k];
  }
  for (int s = 1; s <= M; s++) cum[s] += cum[s - 1];
}

double st_wsr_cdf(int n, int64_t q) {
  uint64_t cum[WSR_M_MAX + 1];
  int64_t M;
  if (n < 0 || n > ST_WSR_EXACT_MAX) return NAN;
  M = (int64_t)n * (n + 1) / 2;
  if (q < 0) return 0.0;
  if (q >= M) return 1.0;
  wsr_table(n, cum);
  return ldexp((double)cum[q], -n);
}

/* ----------------------------------------- selection of Walsh averages */

static uint64_t wsr_rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The k-th smallest of a[0..n) (k < n), reordering a: quickselect with
** random pivots and a three-way partition (expected O(n), any ties). */
static double wsr_kth(double *a, size_t n, size_t k, uint64_t *rng) {
  while (n > 1) {
    double p = a[wsr_rng_next(rng) % n], t;
    size_t lt = 0, i = 0, gt = n; /* [0,lt) < p, [lt,i) == p, [gt,n) > p */
    while (i < gt) {
      if (a[i] < p) {
        t = a[i];
        a[i++] = a[lt];
        a[lt++] = t;
      } else if (a[i] > p) {
        t = a[i];
        a[i] = a[--gt];
        a[gt] = t;
      } else {
        i++;
      }
    }
    if (k < lt) {
      n = lt;
    } else if (k < gt) {
      return p;
    } else {
      a += gt;
      k -= gt;
      n -= gt;
    }
  }
  return a[0];
}

/* Row i of the triangle holds W(i, j) for j = i..n-1, non-decreasing in j
** and (at fixed j) in i; rounding is monotone, so the computed averages are
** too (behaviour 13). */
#define WA(i, j) (0.5 * d[(i)] + 0.5 * d[(j)])

/* For pivot p: lt[i] / le[i] = the end (absolute column, >= i) of the
** entries of row i below p / at most p; the counts are summed. */
static void wa_count(const double *d, size_t n, double p, int64_t *lt, int64_t *le, uint64_t *sum_lt,
                     uint64_t *sum_le) {
  int64_t c = (int64_t)n, e = (int64_t)n;
  uint64_t s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t ii = (int64_t)i;
    while (c > 0 && !(WA(i, c - 1) < p)) c--;
    while (e > 0 && !(WA(i, e - 1) <= p)) e--;
    lt[i] = c > ii ? c : ii;
    le[i] = e > ii ? e : ii;
    s1 += (uint64_t)(lt[i] - ii);
    s2 += (uint64_t)(le[i] - ii);
  }
  *sum_lt = s1;
  *sum_le = s2;
}

om_status st_walsh_select(const double *d, size_t n, uint64_t k, const om_interrupt *it, double *out) {
  int64_t *lo = NULL, *hi = NULL, *lt = NULL, *le = NULL;
  double *cand = NULL;
  uint64_t rng = 0x5eed0dd5a1c3b2e1ull ^ (uint64_t)n * 31 ^ k;
  uint64_t small = 4 * (uint64_t)n + 64, work = 0;
  om_status st = OM_OK;
  if (n == 0 || n > UINT32_MAX || k >= (uint64_t)n * ((uint64_t)n + 1) / 2) return OM_INVALID;
  lo = om_malloc_array(n, sizeof *lo);
  hi = om_malloc_array(n, sizeof *hi);
  lt = om_malloc_array(n, sizeof *lt);
  le = om_malloc_array(n, sizeof *le);
  if (!lo || !hi || !lt || !le) {
    st = OM_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    lo[i] = (int64_t)i;
    hi[i] = (int64_t)n;
  }
  for (;;) {
    uint64_t total = 0, below = 0;
    for (size_t i = 0; i < n; i++) {
      if (hi[i] > lo[i]) total += (uint64_t)(hi[i] - lo[i]);
      below += (uint64_t)(lo[i] - (int64_t)i);
    }
    if (total == 0 || k < below) { /* cannot happen: k is always among the candidates */
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
      for (size_t i = 0; i < n; i++)
        for (int64_t j = lo[i]; j < hi[i]; j++) cand[c++] = WA(i, j);
      if (k - below >= c) {
        st = OM_INTERNAL;
        goto done;
      }
      *out = wsr_kth(cand, c, (size_t)(k - below), &rng);
      goto done;
    }
    {
      uint64_t r = wsr_rng_next(&rng) % total, sum_lt, sum_le;
      double p = 0;
      for (size_t i = 0; i < n; i++) {
        uint64_t w = hi[i] > lo[i] ? (uint64_t)(hi[i] - lo[i]) : 0;
        if (r < w) {
          p = WA(i, lo[i] + (int64_t)r);
          break;
        }
        r -= w;
      }
      wa_count(d, n, p, lt, le, &sum_lt, &sum_le);
      if (k < sum_lt) {
        for (size_t i = 0; i < n; i++)
          if (hi[i] > lt[i]) hi[i] = lt[i];
      } else if (k < sum_le) {
        *out = p;
        goto done;
      } else {
        for (size_t i = 0; i < n; i++)
          if (lo[i] < le[i]) lo[i] = le[i];
      }
    }
    work += 3 * (uint64_t)n;
    if (work >= ST_POLL_EVERY) {
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

/* ------------------------------------------------------ the signed-rank test */

static void wsr_nan(st_wsr_result *r) {
  r->n = r->n_zero = r->r_plus = r->r_minus = r->statistic = r->z = r->p = NAN;
  r->rank_biserial = r->hl = r->ci_low = r->ci_high = NAN;
  r->exact = 0;
}

om_status st_wilcoxon(double *d, size_t n, st_alternative alt, double confidence, const om_interrupt *it,
                      st_wsr_result *out, om_err *err) {
  uint64_t cum[WSR_M_MAX + 1];
  size_t zlo = 0, zhi, in, ip;
  st_i128 r2p = 0, r2m = 0, tie = 0, rank = 0;
  uint64_t M;
  double a, nu, T, mid_lo, mid_hi;
  int64_t qk;
  om_status st;
  if (out) wsr_nan(out);
  if (!d || !out) return om_errf(err, OM_INVALID, "null argument");
  if (n == 0) return om_errf(err, OM_INVALID, "no pairs");
  if (n > UINT32_MAX) return om_errf(err, OM_INVALID, "too many pairs (%zu)", n);
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "unknown alternative %d", (int)alt);
  if (!(confidence > 0 && confidence < 1))
    return om_errf(err, OM_INVALID, "confidence must be between 0 and 1 (exclusive)");
  for (size_t i = 0; i < n; i++)
    if (!isfinite(d[i])) return om_errf(err, OM_INVALID, "difference is not a finite number");
  st_sort_doubles(d, n);
  while (zlo < n && d[zlo] < 0) zlo++;
  zhi = zlo;
  while (zhi < n && d[zhi] == 0) zhi++;
  out->n = (double)n;
  out->n_zero = (double)(zhi - zlo);
  nu = (double)(n - (zhi - zlo));

  /* ranks of |d| (behaviour 7): merge the negatives (downwards from zlo)
  ** with the positives (upwards from zhi); 2 * mid-rank = 2 rank + t + 1 */
  in = zlo;
  ip = zhi;
  while (in > 0 || ip < n) {
    double v = (in > 0 && (ip >= n || -d[in - 1] <= d[ip])) ? -d[in - 1] : d[ip];
    int64_t cn = 0, cp = 0;
    st_i128 t, twice;
    while (in > 0 && -d[in - 1] == v) {
      cn++;
      in--;
    }
    while (ip < n && d[ip] == v) {
      cp++;
      ip++;
    }
    t = cn + cp;
    twice = 2 * rank + t + 1;
    r2p += cp * twice;
    r2m += cn * twice;
    if (t > 1) tie += t * t * t - t;
    rank += t;
  }
  out->r_plus = (double)r2p / 2;
  out->r_minus = (double)r2m / 2;
  T = alt == ST_TWO_SIDED ? (out->r_plus < out->r_minus ? out->r_plus : out->r_minus) : out->r_plus;
  out->statistic = T;
  if (nu > 0) out->rank_biserial = (double)(r2p - r2m) / (double)(r2p + r2m);
  out->exact = n <= ST_WSR_EXACT_MAX && zhi == zlo;

  if (out->exact) { /* behaviour 9: here n_used = n */
    int nn = (int)n;
    int64_t Mi = (int64_t)nn * (nn + 1) / 2, r = (int64_t)(r2p / 2); /* floor(r_plus) */
    double p_le, p_ge;
    wsr_table(nn, cum);
    p_le = ldexp((double)cum[r], -nn);
    p_ge = r > 0 ? ldexp((double)(((uint64_t)1 << nn) - cum[r - 1]), -nn) : 1.0;
    if (alt == ST_LESS) out->p = p_le;
    else if (alt == ST_GREATER) out->p = p_ge;
    else if (r == Mi / 2) out->p = 1.0;
    else out->p = 2 * (p_le < p_ge ? p_le : p_ge);
    if (out->p > 1) out->p = 1;
  } else if (nu > 0) { /* behaviour 10 */
    long double nl = (long double)nu;
    long double s2 = (nl * (nl + 1) * (2 * nl + 1) - 0.5L * (long double)tie) / 24;
    double s = (double)sqrtl(s2), mn = (double)(nl * (nl + 1) / 4);
    out->z = (T - mn) / s;
    if (alt == ST_TWO_SIDED) out->p = 2 * st_norm_sf(fabs(out->z));
    else if (alt == ST_GREATER) out->p = st_norm_sf(out->z);
    else out->p = st_norm_cdf(out->z);
  } /* else behaviour 11: z, p, rank_biserial stay NaN */

  /* Hodges–Lehmann pseudo-median (behaviour 13) */
  M = (uint64_t)n * ((uint64_t)n + 1) / 2;
  st = st_walsh_select(d, n, (M - 1) / 2, it, &mid_lo);
  if (st != OM_OK) goto fail;
  if (M % 2 == 0) {
    st = st_walsh_select(d, n, M / 2, it, &mid_hi);
    if (st != OM_OK) goto fail;
    out->hl = mid_lo == mid_hi ? mid_lo : 0.5 * mid_lo + 0.5 * mid_hi;
  } else {
    out->hl = mid_lo;
  }

  /* its interval (behaviour 14) */
  a = 1 - confidence;
  if (alt == ST_TWO_SIDED) a /= 2;
  if (n <= ST_WSR_EXACT_MAX) {
    int nn = (int)n;
    wsr_table(nn, cum);
    qk = 0;
    while ((uint64_t)qk < M && ldexp((double)cum[qk], -nn) < a) qk++;
  } else {
    double nd = (double)n, s0 = sqrt(nd * (nd + 1) * (2 * nd + 1) / 24);
    double kd = floor((double)M / 2 + 0.5 - st_norm_ppf(1 - a) * s0);
    qk = kd < 1 ? 0 : kd > (double)M ? (int64_t)M : (int64_t)kd;
  }
  if ((uint64_t)qk > M) qk = (int64_t)M;
  out->ci_low = -INFINITY;
  out->ci_high = INFINITY;
  if (qk >= 1) {
    if (alt != ST_LESS) {
      st = st_walsh_select(d, n, (uint64_t)qk - 1, it, &out->ci_low);
      if (st != OM_OK) goto fail;
    }
    if (alt != ST_GREATER) {
      st = st_walsh_select(d, n, M - (uint64_t)qk, it, &out->ci_high);
      if (st != OM_OK) goto fail;
    }
  }
  return OM_OK;
fail:
  out->hl = out->ci_low = out->ci_high = NAN;
  if (st == OM_NOMEM) return om_errf(err, st, "out of memory");
  if (st == OM_INTERRUPTED) return om_errf(err, st, "interrupted");
  return om_errf(err, st, "internal error in the selection of Walsh averages");
}
