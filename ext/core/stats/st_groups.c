/*
** st_groups.c — the two-proportion z-test, the chi-square test of a
** contingency table and one-way ANOVA (equal variances, and Welch's), from
** counts and exact group moments.  The spec (numbered behaviours, edge
** cases, references) is the header comment of st_groups.h.
*/
#include "st_groups.h"

#include <math.h>
#include <stddef.h>

#include "st_special.h"
#include "st_tdist.h"

/* ------------------------------------------------ 128-bit integer helpers */

typedef struct st_u128 {
  uint64_t hi, lo;
} st_u128;

static st_u128 st_mul64(uint64_t a, uint64_t b) {
  uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  st_u128 r;
  r.lo = (mid << 32) | (p00 & 0xffffffffu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

static int st_u128_cmp(st_u128 a, st_u128 b) {
  if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
  return (a.lo > b.lo) - (a.lo < b.lo);
}

/* a - b for a >= b */
static st_u128 st_u128_sub(st_u128 a, st_u128 b) {
  st_u128 r;
  r.lo = a.lo - b.lo;
  r.hi = a.hi - b.hi - (a.lo < b.lo);
  return r;
}

static double st_u128_double(st_u128 a) { return (double)a.hi * 18446744073709551616.0 + (double)a.lo; }

/* a - b as a double, from the exact 128-bit difference (both >= 0). */
static double st_u128_diff(st_u128 a, st_u128 b) {
  return st_u128_cmp(a, b) >= 0 ? st_u128_double(st_u128_sub(a, b)) : -st_u128_double(st_u128_sub(b, a));
}

/* ------------------------------------------------------- two proportions */

static double st_norm_p(double z, st_alternative alt) {
  if (isnan(z)) return NAN;
  if (alt == ST_TWO_SIDED) return 2.0 * st_norm_sf(fabs(z));
  if (alt == ST_LESS) return st_norm_cdf(z);
  return st_norm_sf(z);
}

om_status st_prop_ztest(int64_t n_a, int64_t x_a, int64_t n_b, int64_t x_b, st_alternative alt, double confidence,
                        st_prop_result *out, om_err *err) {
  double da, db, se, q, num;
  int64_t n, x;
  if (!out) return om_errf(err, OM_INVALID, "no result structure");
  out->p_a = out->p_b = out->p_pooled = out->diff = out->z = out->p = NAN;
  out->ci_low = out->ci_high = NAN;
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "alternative must be two-sided, less or greater");
  if (!(confidence > 0.0 && confidence < 1.0))
    return om_errf(err, OM_INVALID, "confidence must be strictly between 0 and 1 (got %g)", confidence);
  if (n_a < 0 || n_b < 0 || x_a < 0 || x_b < 0 || x_a > n_a || x_b > n_b || n_a > INT64_MAX - n_b)
    return om_errf(err, OM_INVALID, "counts must satisfy 0 <= successes <= trials");
  da = (double)n_a;
  db = (double)n_b;
  if (n_a > 0) out->p_a = (double)x_a / da;
  if (n_b > 0) out->p_b = (double)x_b / db;
  n = n_a + n_b;
  x = x_a + x_b;
  if (n > 0) out->p_pooled = (double)x / (double)n;
  if (n_a == 0 || n_b == 0) return OM_OK; /* 2: one group */
  /* diff = (x_a n_b - x_b n_a) / (n_a n_b), the numerator exact (1) */
  num = st_u128_diff(st_mul64((uint64_t)x_a, (uint64_t)n_b), st_mul64((uint64_t)x_b, (uint64_t)n_a));
  out->diff = num / (da * db);
  /* z = num / sqrt(x (n - x) n_a n_b / n) */
  if (x == 0 || x == n)
    out->z = NAN; /* 2: 0/0 */
  else
    out->z = num / sqrt((double)x * (double)(n - x) / (double)n * da * db);
  out->p = st_norm_p(out->z, alt);
  se = sqrt((double)x_a * (double)(n_a - x_a) / (da * da * da) + (double)x_b * (double)(n_b - x_b) / (db * db * db));
  q = st_norm_ppf(alt == ST_TWO_SIDED ? (1.0 + confidence) / 2.0 : confidence);
  out->ci_low = alt == ST_LESS ? -INFINITY : out->diff - q * se;
  out->ci_high = alt == ST_GREATER ? INFINITY : out->diff + q * se;
  if (se == 0.0) { /* 2: zero width, [diff, diff] */
    if (alt != ST_LESS) out->ci_low = out->diff;
    if (alt != ST_GREATER) out->ci_high = out->diff;
  }
  return OM_OK;
}

/* ---------------------------------------------------------- chi-square */

om_status st_chi2_test(const st_table *t, int correction, st_chi2_result *out, om_err *err) {
  int i, j, yates;
  uint64_t n = 0;
  double x2 = 0.0, x2u = 0.0, emin = INFINITY, dn, k;
  if (!out) return om_errf(err, OM_INVALID, "no result structure");
  out->statistic = out->p = out->dof = out->n = out->expected_min = out->cramers_v = NAN;
  out->corrected = 0;
  if (!t || t->rows < 0 || t->cols < 0 ||
      ((t->rows > 0 && t->cols > 0) && (!t->cell || !t->row || !t->col || !t->row_sum || !t->col_sum)))
    return om_errf(err, OM_INVALID, "missing table");
  for (i = 0; i < t->rows; i++) {
    int64_t r = t->row_sum[t->row[i]];
    if (r <= 0 || (uint64_t)r > (uint64_t)INT64_MAX - n) return om_errf(err, OM_INVALID, "bad row total");
    n += (uint64_t)r;
  }
  out->n = (double)n;
  if (n == 0 || t->cols == 0) return OM_OK; /* 4: nothing */
  dn = (double)n;
  out->dof = (double)(t->rows - 1) * (double)(t->cols - 1);
  yates = correction && t->rows == 2 && t->cols == 2;
  out->corrected = yates;
  for (i = 0; i < t->rows; i++) {
    uint64_t r = (uint64_t)t->row_sum[t->row[i]];
    for (j = 0; j < t->cols; j++) {
      uint64_t c = (uint64_t)t->col_sum[t->col[j]];
      int64_t o = t->cell[(size_t)t->row[i] * t->stride + (size_t)t->col[j]];
      st_u128 on = st_mul64((uint64_t)(o > 0 ? o : 0), n), rc = st_mul64(r, c), d;
      double den = dn * (double)r * (double)c, dd, e = (double)r * (double)c / dn;
      if (e < emin) emin = e;
      /* O - E = (O n - R C) / n exactly in integers (3) */
      d = st_u128_cmp(on, rc) >= 0 ? st_u128_sub(on, rc) : st_u128_sub(rc, on);
      dd = st_u128_double(d);
      x2u += dd / den * dd;
      if (yates) {
        /* |O - E| - min(0.5, |O - E|) = max(2|d| - n, 0) / (2n) */
        st_u128 d2, nn = {0, n};
        d2.hi = (d.hi << 1) | (d.lo >> 63);
        d2.lo = d.lo << 1;
        if (st_u128_cmp(d2, nn) > 0) {
          dd = st_u128_double(st_u128_sub(d2, nn));
          x2 += dd / (4.0 * den) * dd;
        }
      }
    }
  }
  if (!yates) x2 = x2u;
  out->expected_min = emin;
  out->statistic = x2;
  if (out->dof == 0.0) { /* 4: a single row or column */
    out->statistic = 0.0;
    out->p = 1.0;
  } else {
    out->p = st_chi2_sf(x2, out->dof);
  }
  k = (double)(t->rows < t->cols ? t->rows : t->cols) - 1.0;
  if (k > 0.0) out->cramers_v = sqrt(x2u / (dn * k));
  return OM_OK;
}

/* ------------------------------------------------------- one-way ANOVA */

static om_status st_anova_too_big(om_err *err) {
  return om_errf(err, OM_INVALID,
                 "the sums of squares are beyond the range of a double; divide the values by a constant "
                 "first");
}

om_status st_anova_oneway(const st_moments *g, int k, st_anova_var use_var, st_anova_result *out, om_err *err) {
  double N = 0.0, c, gm, ssb = 0.0, ssw = 0.0, dmax = 0.0, w, wt, mw, a, tmp;
  int i, e2 = INT32_MIN / 2, ev, all_big_n = 1;
  if (!out) return om_errf(err, OM_INVALID, "no result structure");
  out->statistic = out->p = out->df_num = out->df_denom = out->eta_squared = NAN;
  out->ss_between = out->ss_within = NAN;
  if (!g || k < 0) return om_errf(err, OM_INVALID, "missing moments");
  if (use_var != ST_ANOVA_EQUAL && use_var != ST_ANOVA_UNEQUAL)
    return om_errf(err, OM_INVALID, "use_var must be equal or unequal");
  if (k < 2) return OM_OK; /* 8 */
  for (i = 0; i < k; i++) {
    if (!(g[i].n >= 1.0)) return om_errf(err, OM_INVALID, "group %d has no values", i);
    N += g[i].n;
  }
  out->df_num = (double)(k - 1);
  out->df_denom = N - (double)k;
  /* Half-differences of the means from the first group's mean (7): never
  ** overflow; then one common scale 2^e2 for squares so that nothing
  ** overflows or underflows (9). */
  c = 0.5 * ldexp(g[0].mean, g[0].mean_exp);
  for (i = 0; i < k; i++) {
    double d = (0.5 * ldexp(g[i].mean, g[i].mean_exp) - c) + 0.5 * ldexp(g[i].mean_lo, g[i].mean_exp);
    if (!isfinite(d)) return st_anova_too_big(err);
    if (fabs(d) > dmax) dmax = fabs(d);
    if (g[i].m2 != 0.0) {
      int e = g[i].m2_exp + ilogb(g[i].m2);
      if (e > e2) e2 = e;
    }
    if (g[i].n < 2.0) all_big_n = 0;
  }
  if (dmax > 0.0 && 2 * (ilogb(dmax) + 1) > e2) e2 = 2 * (ilogb(dmax) + 1);
  if (e2 == INT32_MIN / 2) e2 = 0; /* every mean equal, every group constant */
  if (e2 & 1) e2++;
#define ST_D(i)                                                                                                        \
  ldexp((0.5 * ldexp(g[i].mean, g[i].mean_exp) - c) + 0.5 * ldexp(g[i].mean_lo, g[i].mean_exp), 1 - e2 / 2)
  /* d_i = (m_i - m_0) * 2^(-e2/2), SSW scaled by 2^-e2 */
  gm = 0.0;
  for (i = 0; i < k; i++) {
    gm += g[i].n * ST_D(i);
    if (g[i].m2 != 0.0) ssw += ldexp(g[i].m2, g[i].m2_exp - e2);
  }
  gm /= N;
  for (i = 0; i < k; i++) {
    double d = ST_D(i) - gm;
    ssb += g[i].n * d * d;
  }
  if (!isfinite(ssb) || !isfinite(ssw)) return st_anova_too_big(err);
  out->ss_between = ldexp(ssb, e2);
  out->ss_within = ldexp(ssw, e2);
  if (ssb + ssw > 0.0) out->eta_squared = ssb / (ssb + ssw);

  if (use_var == ST_ANOVA_EQUAL) {
    if (N == (double)k) return OM_OK; /* 8: every group of size 1 */
    if (ssw == 0.0) {                 /* 8: every group constant */
      if (ssb > 0.0) {
        out->statistic = INFINITY;
        out->p = 0.0;
      }
      return OM_OK;
    }
    out->statistic = (ssb / (double)(k - 1)) / (ssw / (N - (double)k));
    out->p = st_f_sf(out->statistic, out->df_num, out->df_denom);
    return OM_OK;
  }

  /* Welch (6).  The weights n_i / v_i are taken relative to the largest
  ** (w'_i = w_i 2^ev, the largest ~n), so variances that differ by more than
  ** the double range still give the right (limiting) answer (9). */
  out->df_denom = NAN;
  if (!all_big_n) return OM_OK;
  ev = INT32_MAX;
  for (i = 0; i < k; i++) {
    int e;
    if (g[i].m2 == 0.0) return OM_OK; /* 8: zero variance */
    e = g[i].m2_exp + ilogb(g[i].m2 / (g[i].n - 1.0));
    if (e < ev) ev = e;
  }
#define ST_W(i) ldexp(g[i].n / (g[i].m2 / (g[i].n - 1.0)), ev - g[i].m2_exp)
  wt = 0.0;
  mw = 0.0;
  for (i = 0; i < k; i++) {
    w = ST_W(i);
    wt += w;
    mw += w * ST_D(i);
  }
  mw /= wt;
  a = 0.0;
  tmp = 0.0;
  for (i = 0; i < k; i++) {
    double d = ST_D(i) - mw, r;
    w = ST_W(i);
    a += w * d * d;
    r = 1.0 - w / wt;
    tmp += r * r / (g[i].n - 1.0);
  }
#undef ST_W
#undef ST_D
  if (isnan(a) || isnan(tmp)) return st_anova_too_big(err);
  a = ldexp(a, e2 - ev) / (double)(k - 1); /* +inf when F is beyond the range: p 0 */
  tmp /= (double)k * (double)k - 1.0;
  out->statistic = a / (1.0 + 2.0 * (double)(k - 2) * tmp);
  out->df_denom = 1.0 / (3.0 * tmp);
  out->p = isinf(out->statistic) ? 0.0 : st_f_sf(out->statistic, out->df_num, out->df_denom);
  return OM_OK;
}
