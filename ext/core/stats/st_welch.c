/*
** st_welch.c — exact running sums of x and x^2 (fixed-point integer chunks,
** so a removal undoes an add bit for bit and a sliding window equals the
** aggregate over its frame), moments from them with a two-double mean, and
** Welch's t-test.
** The spec (numbered behaviours, edge cases) is the header comment of
** st_welch.h.
*/
#include "st_welch.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "st_chunks.h"
#include "st_tdist.h"

/* s + e = a + b exactly (Knuth's TwoSum; no ordering assumption). */
static void st_two_sum(double a, double b, double *s, double *e) {
  double sum = a + b, bb = sum - a;
  *s = sum;
  *e = (a - (sum - bb)) + (b - bb);
}

/* ------------------------------------------------------- exact sums */

#define ST_CHUNK 4294967296.0          /* 2^32 */
#define ST_CARRY_EVERY ((int64_t)1 << 30) /* each update adds < 2^32 to a chunk */
#define ST_BIG_MAX 150                 /* digits of the widest product: 2 * 70 + spare */

/* x = (-1)^neg * m * 2^e with integer m < 2^53; returns 0 for x == 0. */
static int st_split(double x, uint64_t *m, int *e, int *neg) {
  uint64_t b;
  int ex;
  memcpy(&b, &x, sizeof b);
  *neg = (int)(b >> 63);
  ex = (int)((b >> 52) & 0x7ff);
  *m = b & ((UINT64_C(1) << 52) - 1);
  if (ex == 0) {
    *e = -1074;
    return *m != 0;
  }
  *m |= UINT64_C(1) << 52;
  *e = ex - 1075;
  return 1;
}


static om_status st_sums_update(st_sums *s, double x, int sign, om_err *err) {
  uint64_t m, sq_lo, sq_hi, ml, mh, cross, w0, w1, w2;
  int64_t *c, g1, g2;
  int e, neg, k, r;
  if (!isfinite(x)) return om_errf(err, OM_INVALID, "value is not a finite number");
  if (sign < 0) {
    if (s->n <= 0) return OM_OK; /* nothing to remove */
    if (s->n == 1) {            /* the last value: back to the zeroed state */
      memset(s, 0, sizeof *s);
      return OM_OK;
    }
  }
  s->n += sign;
  if (st_split(x, &m, &e, &neg)) {
    g1 = neg ? -sign : sign; /* sign of x's contribution to S1 */
    g2 = sign;               /* and of x^2's to S2 */
    /* S1 += x: m * 2^r at chunk k, split into three 32-bit pieces */
    k = (e + 1074) >> 5;
    r = (e + 1074) & 31;
    c = s->s1 + k;
    w0 = m << r;
    w1 = (m >> 1) >> (63 - r); /* m >> (64 - r), 0 when r == 0 */
    c[0] += g1 * (int64_t)(w0 & 0xffffffffu);
    c[1] += g1 * (int64_t)(w0 >> 32);
    c[2] += g1 * (int64_t)w1;
    st_chunk_touch(&s->lo1, &s->hi1, k, 3);
    /* S2 += x^2: m^2 = sq_hi * 2^64 + sq_lo exactly (m = mh * 2^32 + ml,
    ** mh < 2^21), times 2^r at chunk k: five 32-bit pieces (< 2^138) */
    ml = m & 0xffffffffu;
    mh = m >> 32;
    cross = 2 * mh * ml; /* < 2^54 */
    sq_lo = ml * ml + (cross << 32);
    sq_hi = mh * mh + (cross >> 32) + (sq_lo < (cross << 32));
    k = (2 * e + 2148) >> 5;
    r = (2 * e + 2148) & 31;
    c = s->s2 + k;
    w0 = sq_lo << r;
    w1 = (sq_hi << r) | ((sq_lo >> 1) >> (63 - r));
    w2 = (sq_hi >> 1) >> (63 - r);
    c[0] += g2 * (int64_t)(w0 & 0xffffffffu);
    c[1] += g2 * (int64_t)(w0 >> 32);
    c[2] += g2 * (int64_t)(w1 & 0xffffffffu);
    c[3] += g2 * (int64_t)(w1 >> 32);
    c[4] += g2 * (int64_t)w2;
    st_chunk_touch(&s->lo2, &s->hi2, k, 5);
  }
  if (++s->pending >= ST_CARRY_EVERY) {
    st_chunk_carry(s->s1, ST_SUMS_C1, &s->lo1, &s->hi1);
    st_chunk_carry(s->s2, ST_SUMS_C2, &s->lo2, &s->hi2);
    s->pending = 0;
  }
  return OM_OK;
}

om_status st_sums_add(st_sums *s, double x, om_err *err) { return st_sums_update(s, x, +1, err); }

om_status st_sums_remove(st_sums *s, double x, om_err *err) { return st_sums_update(s, x, -1, err); }

/* A non-negative integer sum of d[i] * 2^(32 (i + off)), i < len. */
typedef struct st_big {
  uint32_t d[ST_BIG_MAX];
  int len, off;
} st_big;

static void st_big_trim(st_big *b) {
  int z = 0;
  while (b->len > 0 && b->d[b->len - 1] == 0) b->len--;
  while (z < b->len && b->d[z] == 0) z++;
  if (z) {
    memmove(b->d, b->d + z, (size_t)(b->len - z) * sizeof b->d[0]);
    b->len -= z;
    b->off += z;
  }
  if (b->len == 0) b->off = 0;
}

/* |value| of carried chunks c[lo, hi) (st_carry); returns 1 if negative. */
static int st_big_from_chunks(const int64_t *c, int lo, int hi, st_big *b) {
  int64_t t[ST_BIG_MAX];
  int n = hi - lo, neg, i;
  b->len = b->off = 0;
  if (n <= 0) return 0;
  for (i = 0; i < n; i++) t[i] = c[lo + i];
  neg = t[n - 1] < 0;
  if (neg)
    for (i = 0; i < n; i++) t[i] = -t[i];
  t[n] = t[n + 1] = 0;
  n += 2;
  for (i = 0; i < n - 1; i++) {
    int64_t d = t[i] & INT64_C(0xffffffff);
    t[i + 1] += (t[i] - d) / INT64_C(4294967296);
    t[i] = d;
  }
  for (i = 0; i < n; i++) b->d[i] = (uint32_t)t[i]; /* the top is 0 now: the value fits below it */
  b->len = n;
  b->off = lo;
  st_big_trim(b);
  return neg;
}

static void st_big_mul(const st_big *a, const st_big *b, st_big *out) {
  int i, j;
  out->len = a->len + b->len;
  out->off = a->off + b->off;
  memset(out->d, 0, (size_t)out->len * sizeof out->d[0]);
  for (i = 0; i < a->len; i++) {
    uint64_t carry = 0;
    for (j = 0; j < b->len; j++) {
      uint64_t t = (uint64_t)out->d[i + j] + (uint64_t)a->d[i] * b->d[j] + carry;
      out->d[i + j] = (uint32_t)t;
      carry = t >> 32;
    }
    out->d[i + b->len] = (uint32_t)carry;
  }
  st_big_trim(out);
}

static uint32_t st_big_digit(const st_big *b, int pos) {
  int i = pos - b->off;
  return i >= 0 && i < b->len ? b->d[i] : 0;
}

/* out = a - b for a >= b (returns 0), else leaves out empty and returns 1. */
static int st_big_sub(const st_big *a, const st_big *b, st_big *out) {
  int lo, hi, p;
  int64_t borrow = 0;
  if (b->len == 0) {
    *out = *a;
    return 0;
  }
  lo = a->len && a->off < b->off ? a->off : b->off;
  hi = a->off + a->len > b->off + b->len ? a->off + a->len : b->off + b->len;
  for (p = lo; p < hi; p++) {
    int64_t v = (int64_t)st_big_digit(a, p) - st_big_digit(b, p) - borrow;
    borrow = v < 0;
    out->d[p - lo] = (uint32_t)(v + (borrow ? INT64_C(4294967296) : 0));
  }
  out->len = hi - lo;
  out->off = lo;
  if (borrow) {
    out->len = out->off = 0;
    return 1;
  }
  st_big_trim(out);
  return 0;
}

/* b ~= (hi + lo) * 2^e, from the top 128 bits (relative error < 2^-96). */
static void st_big_head(const st_big *b, double *hi, double *lo, int *e) {
  double h = 0.0, l = 0.0, s, r;
  int i;
  for (i = 0; i < 4; i++) {
    int k = b->len - 1 - i;
    double d = k >= 0 ? (double)b->d[k] : 0.0;
    st_two_sum(h, ldexp(d, 32 * (3 - i)), &s, &r);
    h = s;
    l += r;
  }
  st_two_sum(h, l, hi, lo);
  *e = 32 * (b->off + b->len - 4);
}

void st_sums_moments(st_sums *s, st_moments *out) {
  st_big a, a2, b, nb, num, nn;
  double n = (double)s->n, hi, lo, q1, q2, r;
  int e, neg;
  memset(out, 0, sizeof *out);
  if (s->n <= 0) return;
  out->n = n;
  st_chunk_carry(s->s1, ST_SUMS_C1, &s->lo1, &s->hi1);
  st_chunk_carry(s->s2, ST_SUMS_C2, &s->lo2, &s->hi2);
  s->pending = 0;
  neg = st_big_from_chunks(s->s1, s->lo1, s->hi1, &a);
  st_big_from_chunks(s->s2, s->lo2, s->hi2, &b);
  if (a.len > 0) { /* mean = S1 / n in two doubles */
    st_big_head(&a, &hi, &lo, &e);
    q1 = hi / n;
    r = fma(-q1, n, hi) + lo;
    q2 = r / n;
    st_two_sum(q1, q2, &hi, &lo);
    out->mean = ldexp(neg ? -hi : hi, e - 1074);
    out->mean_lo = ldexp(neg ? -lo : lo, e - 1074);
    if (fabs(out->mean) < 0x1p-960) { /* mean_lo would lose bits: keep both scaled */
      int eh;
      double f = frexp(hi, &eh);
      out->mean = neg ? -f : f;
      out->mean_lo = ldexp(neg ? -lo : lo, -eh);
      out->mean_exp = e - 1074 + eh;
    }
  }
  /* m2 = (n S2 - S1^2) / n, the numerator exact (units 2^-2148) */
  st_big_mul(&a, &a, &a2);
  nn.d[0] = (uint32_t)((uint64_t)s->n & 0xffffffffu);
  nn.d[1] = (uint32_t)((uint64_t)s->n >> 32);
  nn.len = 2;
  nn.off = 0;
  st_big_mul(&b, &nn, &nb);
  if (st_big_sub(&nb, &a2, &num) || num.len == 0) return; /* m2 = 0 (n = 1, constant data) */
  st_big_head(&num, &hi, &lo, &e);
  out->m2 = frexp((hi + lo) / n, &out->m2_exp);
  out->m2_exp += e - 2148;
}

double st_moments_var(const st_moments *m) {
  if (!(m->n >= 2.0)) return NAN;
  return ldexp(m->m2 / (m->n - 1.0), m->m2_exp);
}

static void st_welch_result_nan(st_welch_result *r) {
  r->n_a = r->n_b = r->mean_a = r->mean_b = r->var_a = r->var_b = NAN;
  r->diff = r->t = r->df = r->p = r->ci_low = r->ci_high = NAN;
}

/* p-value of the statistic t at df (df may be NaN when t is infinite). */
static double st_welch_p(double t, double df, st_alternative alt) {
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

/* Behaviour 9: `name` = frac * 2^exp2 is beyond the double range. */
static om_status st_too_big(om_err *err, st_welch_result *out, const char *name, double frac,
                            int exp2) {
  double l10 = log10(fabs(frac)) + exp2 * 0.30102999566398120, ex = floor(l10);
  st_welch_result_nan(out);
  return om_errf(err, OM_INVALID,
                 "%s is about %.2ge%+.0f, beyond the range of a double; divide the values by a "
                 "constant first",
                 name, (frac < 0 ? -1.0 : 1.0) * pow(10.0, l10 - ex), ex);
}

om_status st_welch_ttest(const st_moments *a, const st_moments *b, st_alternative alt,
                         double confidence, st_welch_result *out, om_err *err) {
  double vas, vbs, s2, ses, q, dh = 0.0, half;
  int k, de = 0, m;
  if (!out) return om_errf(err, OM_INVALID, "no result structure");
  st_welch_result_nan(out);
  if (!a || !b) return om_errf(err, OM_INVALID, "missing moments");
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "alternative must be two-sided, less or greater");
  if (!(confidence > 0.0 && confidence < 1.0))
    return om_errf(err, OM_INVALID, "confidence must be strictly between 0 and 1 (got %g)",
                   confidence);

  out->n_a = a->n;
  out->n_b = b->n;
  if (a->n > 0.0) out->mean_a = ldexp(a->mean + a->mean_lo, a->mean_exp);
  if (b->n > 0.0) out->mean_b = ldexp(b->mean + b->mean_lo, b->mean_exp);
  out->var_a = st_moments_var(a);
  out->var_b = st_moments_var(b);
  if (isinf(out->var_a)) return st_too_big(err, out, "var_a", a->m2 / (a->n - 1.0), a->m2_exp);
  if (isinf(out->var_b)) return st_too_big(err, out, "var_b", b->m2 / (b->n - 1.0), b->m2_exp);
  if (a->n > 0.0 && b->n > 0.0) {
    /* diff = dh * 2^(de + 1): in halves, so that means near +-DBL_MAX cannot
    ** overflow (9), and at a common exponent de for tiny means (2) */
    de = a->mean_exp > b->mean_exp ? a->mean_exp : b->mean_exp;
    dh = (ldexp(0.5 * a->mean, a->mean_exp - de) - ldexp(0.5 * b->mean, b->mean_exp - de)) +
         0.5 * (ldexp(a->mean_lo, a->mean_exp - de) - ldexp(b->mean_lo, b->mean_exp - de));
    out->diff = ldexp(dh, de + 1);
    if (isinf(out->diff)) return st_too_big(err, out, "diff", dh, de + 1);
  }
  if (!(a->n >= 2.0 && b->n >= 2.0)) return OM_OK; /* 4.1 */
  if (isnan(dh)) return OM_OK;                      /* non-finite moments */

  /* var_a/n_a + var_b/n_b = (vas + vbs) * 2^k, k even, so se = sqrt(vas + vbs) * 2^(k/2) (9) */
  k = a->m2 != 0.0 && (b->m2 == 0.0 || a->m2_exp >= b->m2_exp) ? a->m2_exp
      : b->m2 != 0.0                                           ? b->m2_exp
                                                               : 0;
  if (k & 1) k++;
  vas = a->m2 != 0.0 ? ldexp(a->m2 / (a->n - 1.0) / a->n, a->m2_exp - k) : 0.0;
  vbs = b->m2 != 0.0 ? ldexp(b->m2 / (b->n - 1.0) / b->n, b->m2_exp - k) : 0.0;
  s2 = vas + vbs;
  if (isnan(s2)) return OM_OK; /* non-finite moments */
  ses = sqrt(s2);
  if (s2 > 0.0) {
    int ed;
    double fd = frexp(dh, &ed), ra = vas / s2, rb = vbs / s2;
    out->t = ldexp(fd / ses, ed + de + 1 - k / 2); /* diff / se; +-inf beyond the range (4.5) */
    out->df = 1.0 / (ra * ra / (a->n - 1.0) + rb * rb / (b->n - 1.0));
  } else {
    out->t = dh / 0.0; /* 4.2, 4.3: 0/0 = NaN, x/0 = ±inf */
  }
  out->p = st_welch_p(out->t, out->df, alt);

  if (s2 == 0.0) { /* 4.2, 4.3: zero width */
    out->ci_low = alt == ST_LESS ? -INFINITY : out->diff;
    out->ci_high = alt == ST_GREATER ? INFINITY : out->diff;
    return OM_OK;
  }
  q = st_t_ppf(alt == ST_TWO_SIDED ? (1.0 + confidence) / 2.0 : confidence, out->df);
  /* ci = (diff/2 -+ q*se/2) * 2, both halves at the common exponent m */
  m = de > k / 2 ? de : k / 2;
  half = ldexp(q * ses, k / 2 - 1 - m); /* q * se / 2, times 2^-m */
  dh = ldexp(dh, de - m);               /* diff / 2, times 2^-m */
  out->ci_low = alt == ST_LESS ? -INFINITY : ldexp(dh - half, m + 1);
  out->ci_high = alt == ST_GREATER ? INFINITY : ldexp(dh + half, m + 1);
  if (alt != ST_LESS && isinf(out->ci_low)) return st_too_big(err, out, "ci_low", dh - half, m + 1);
  if (alt != ST_GREATER && isinf(out->ci_high)) return st_too_big(err, out, "ci_high", dh + half, m + 1);
  return OM_OK;
}
