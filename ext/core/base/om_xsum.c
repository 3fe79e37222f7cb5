/*
** om_xsum.c — exact running sums of x and x^2 (fixed-point integer chunks),
** their moments, merge and canonical bytes; the spec is om_xsum.h.  The sums
** and moments are the code that st_welch.c had (moved, unchanged), so the
** stats family's results are bit for bit what they were.
*/
#include "om_xsum.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------- chunks */

#define XS_TOP_LIMIT ((int64_t)1 << 40) /* a carried top chunk stays below this */

/* Widen [lo, hi) to cover [k, k + w); an empty range (hi == 0) becomes it. */
static void chunk_touch(int *lo, int *hi, int k, int w) {
  if (*hi == 0) {
    *lo = k;
    *hi = k + w;
    return;
  }
  if (k < *lo) *lo = k;
  if (k + w > *hi) *hi = k + w;
}

/* Carry chunks [lo, hi) of c[cap] in place: each below the top in [0, 2^32),
** the top one signed and below XS_TOP_LIMIT in magnitude; trim zero chunks. */
static void chunk_carry(int64_t *c, int cap, int *lo, int *hi) {
  int64_t carry = 0;
  int i;
  if (*hi == 0) return;
  for (i = *lo;; i++) {
    int64_t v = c[i] + carry, d;
    if (i == cap - 1 || (i >= *hi - 1 && v > -XS_TOP_LIMIT && v < XS_TOP_LIMIT)) {
      c[i] = v;
      break;
    }
    d = v & INT64_C(0xffffffff);
    c[i] = d;
    carry = (v - d) / INT64_C(4294967296);
  }
  *hi = i + 1;
  while (*hi > *lo && c[*hi - 1] == 0) (*hi)--;
  while (*lo < *hi && c[*lo] == 0) (*lo)++;
  if (*hi == *lo) *lo = *hi = 0;
}

/* s + e = a + b exactly (Knuth's TwoSum; no ordering assumption). */
static void two_sum(double a, double b, double *s, double *e) {
  double sum = a + b, bb = sum - a;
  *s = sum;
  *e = (a - (sum - bb)) + (b - bb);
}

/* ------------------------------------------------------- exact sums */

#define XS_CHUNK 4294967296.0          /* 2^32 */
#define XS_CARRY_EVERY ((int64_t)1 << 30) /* each update adds < 2^32 to a chunk */
#define XS_BIG_MAX 150                 /* digits of the widest product: 2 * 70 + spare */

/* x = (-1)^neg * m * 2^e with integer m < 2^53; returns 0 for x == 0. */
static int xs_split(double x, uint64_t *m, int *e, int *neg) {
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


static om_status om_xsum_update(om_xsum *s, double x, int sign, om_err *err) {
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
  if (xs_split(x, &m, &e, &neg)) {
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
    chunk_touch(&s->lo1, &s->hi1, k, 3);
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
    chunk_touch(&s->lo2, &s->hi2, k, 5);
  }
  if (++s->pending >= XS_CARRY_EVERY) {
    chunk_carry(s->s1, OM_XSUM_C1, &s->lo1, &s->hi1);
    chunk_carry(s->s2, OM_XSUM_C2, &s->lo2, &s->hi2);
    s->pending = 0;
  }
  return OM_OK;
}

om_status om_xsum_add(om_xsum *s, double x, om_err *err) { return om_xsum_update(s, x, +1, err); }

om_status om_xsum_remove(om_xsum *s, double x, om_err *err) { return om_xsum_update(s, x, -1, err); }

/* A non-negative integer sum of d[i] * 2^(32 (i + off)), i < len. */
typedef struct xs_big {
  uint32_t d[XS_BIG_MAX];
  int len, off;
} xs_big;

static void xs_big_trim(xs_big *b) {
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
static int xs_big_from_chunks(const int64_t *c, int lo, int hi, xs_big *b) {
  int64_t t[XS_BIG_MAX];
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
  xs_big_trim(b);
  return neg;
}

static void xs_big_mul(const xs_big *a, const xs_big *b, xs_big *out) {
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
  xs_big_trim(out);
}

static uint32_t xs_big_digit(const xs_big *b, int pos) {
  int i = pos - b->off;
  return i >= 0 && i < b->len ? b->d[i] : 0;
}

/* out = a - b for a >= b (returns 0), else leaves out empty and returns 1. */
static int xs_big_sub(const xs_big *a, const xs_big *b, xs_big *out) {
  int lo, hi, p;
  int64_t borrow = 0;
  if (b->len == 0) {
    *out = *a;
    return 0;
  }
  lo = a->len && a->off < b->off ? a->off : b->off;
  hi = a->off + a->len > b->off + b->len ? a->off + a->len : b->off + b->len;
  for (p = lo; p < hi; p++) {
    int64_t v = (int64_t)xs_big_digit(a, p) - xs_big_digit(b, p) - borrow;
    borrow = v < 0;
    out->d[p - lo] = (uint32_t)(v + (borrow ? INT64_C(4294967296) : 0));
  }
  out->len = hi - lo;
  out->off = lo;
  if (borrow) {
    out->len = out->off = 0;
    return 1;
  }
  xs_big_trim(out);
  return 0;
}

/* b ~= (hi + lo) * 2^e, from the top 128 bits (relative error < 2^-96). */
static void xs_big_head(const xs_big *b, double *hi, double *lo, int *e) {
  double h = 0.0, l = 0.0, s, r;
  int i;
  for (i = 0; i < 4; i++) {
    int k = b->len - 1 - i;
    double d = k >= 0 ? (double)b->d[k] : 0.0;
    two_sum(h, ldexp(d, 32 * (3 - i)), &s, &r);
    h = s;
    l += r;
  }
  two_sum(h, l, hi, lo);
  *e = 32 * (b->off + b->len - 4);
}

void om_xsum_moments(om_xsum *s, om_xmoments *out) {
  xs_big a, a2, b, nb, num, nn;
  double n = (double)s->n, hi, lo, q1, q2, r;
  int e, neg;
  memset(out, 0, sizeof *out);
  if (s->n <= 0) return;
  out->n = n;
  chunk_carry(s->s1, OM_XSUM_C1, &s->lo1, &s->hi1);
  chunk_carry(s->s2, OM_XSUM_C2, &s->lo2, &s->hi2);
  s->pending = 0;
  neg = xs_big_from_chunks(s->s1, s->lo1, s->hi1, &a);
  xs_big_from_chunks(s->s2, s->lo2, s->hi2, &b);
  if (a.len > 0) { /* mean = S1 / n in two doubles */
    xs_big_head(&a, &hi, &lo, &e);
    q1 = hi / n;
    r = fma(-q1, n, hi) + lo;
    q2 = r / n;
    two_sum(q1, q2, &hi, &lo);
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
  xs_big_mul(&a, &a, &a2);
  nn.d[0] = (uint32_t)((uint64_t)s->n & 0xffffffffu);
  nn.d[1] = (uint32_t)((uint64_t)s->n >> 32);
  nn.len = 2;
  nn.off = 0;
  xs_big_mul(&b, &nn, &nb);
  if (xs_big_sub(&nb, &a2, &num) || num.len == 0) return; /* m2 = 0 (n = 1, constant data) */
  xs_big_head(&num, &hi, &lo, &e);
  out->m2 = frexp((hi + lo) / n, &out->m2_exp);
  out->m2_exp += e - 2148;
}

double om_xmoments_var(const om_xmoments *m) {
  if (!(m->n >= 2.0)) return NAN;
  return ldexp(m->m2 / (m->n - 1.0), m->m2_exp);
}

/* ------------------------------------------------------- merge */

static void carry_all(om_xsum *s) {
  chunk_carry(s->s1, OM_XSUM_C1, &s->lo1, &s->hi1);
  chunk_carry(s->s2, OM_XSUM_C2, &s->lo2, &s->hi2);
  s->pending = 0;
}

om_status om_xsum_merge(om_xsum *dst, const om_xsum *src, om_err *err) {
  om_xsum t;
  int k;
  if (src->n <= 0) return OM_OK;
  if (dst->n > INT64_MAX - src->n) return om_errf(err, OM_INVALID, "too many rows");
  t = *src;
  carry_all(&t); /* every chunk now below 2^40 in magnitude */
  carry_all(dst);
  if (t.hi1) {
    for (k = t.lo1; k < t.hi1; k++) dst->s1[k] += t.s1[k];
    chunk_touch(&dst->lo1, &dst->hi1, t.lo1, t.hi1 - t.lo1);
  }
  if (t.hi2) {
    for (k = t.lo2; k < t.hi2; k++) dst->s2[k] += t.s2[k];
    chunk_touch(&dst->lo2, &dst->hi2, t.lo2, t.hi2 - t.lo2);
  }
  dst->n += t.n;
  carry_all(dst);
  return OM_OK;
}

/* ------------------------------------------------------- mean and sd */

/* (q1 + q2) = (hi + lo) / d in a double-double (d > 0, an integer < 2^53). */
static void dd_div(double hi, double lo, double d, double *q1, double *q2) {
  double a = hi / d, r = fma(-a, d, hi) + lo, b = r / d;
  two_sum(a, b, q1, q2);
}

void om_xsum_mean_sd(om_xsum *s, int ddof, double *mean, double *sd) {
  om_xmoments m;
  xs_big a, a2, b, nb, num, nn;
  double n = (double)s->n, hi, lo, p1, p2, v1, v2, r, c;
  int e, neg;
  *mean = *sd = NAN;
  if (s->n <= 0) return;
  om_xsum_moments(s, &m); /* carries s */
  *mean = ldexp(m.mean + m.mean_lo, m.mean_exp);
  if (s->n <= ddof) return;
  neg = xs_big_from_chunks(s->s1, s->lo1, s->hi1, &a);
  (void)neg;
  xs_big_from_chunks(s->s2, s->lo2, s->hi2, &b);
  xs_big_mul(&a, &a, &a2);
  nn.d[0] = (uint32_t)((uint64_t)s->n & 0xffffffffu);
  nn.d[1] = (uint32_t)((uint64_t)s->n >> 32);
  nn.len = 2;
  nn.off = 0;
  xs_big_trim(&nn);
  xs_big_mul(&b, &nn, &nb);
  if (xs_big_sub(&nb, &a2, &num) || num.len == 0) {
    *sd = 0.0; /* n = 1, or constant data */
    return;
  }
  /* var = num / (n (n - ddof)) * 2^-2148, num = (hi + lo) 2^e exactly to 2^-96 */
  xs_big_head(&num, &hi, &lo, &e);
  dd_div(hi, lo, n, &p1, &p2);
  dd_div(p1, p2, n - (double)ddof, &v1, &v2);
  e -= 2148;
  if (e & 1) { /* an even exponent, so that sqrt halves it exactly */
    v1 *= 2.0;
    v2 *= 2.0;
    e -= 1;
  }
  r = sqrt(v1);
  c = (fma(-r, r, v1) + v2) / (2.0 * r); /* one Newton step on the double-double */
  *sd = ldexp(r + c, e / 2);
}

/* ------------------------------------------------------- bytes */

#define S1_BITS 2098 /* |x| * 2^1074 < 2^2098 for every finite double x */
#define S2_BITS 4196 /* x^2 * 2^2148 < 2^4196 */

/* The value of carried chunks c[lo, hi) as a sign and 32-bit digits
** d[0, *nd) from chunk *dlo up, the first and last non-zero. */
static int to_digits(const int64_t *c, int lo, int hi, uint32_t *d, int *dlo, int *nd) {
  int64_t t[OM_XSUM_C2 + 2];
  int n = hi - lo, i, neg = 0, pass;
  *dlo = *nd = 0;
  if (hi == 0 || n <= 0) return 0;
  for (pass = 0; pass < 2; pass++) {
    int64_t carry = 0;
    for (i = 0; i < n; i++) t[i] = neg ? -c[lo + i] : c[lo + i];
    t[n] = t[n + 1] = 0;
    for (i = 0; i < n + 2; i++) {
      int64_t v = t[i] + carry, dd = v & INT64_C(0xffffffff);
      t[i] = dd;
      carry = (v - dd) / INT64_C(4294967296);
    }
    if (carry == 0) break; /* non-negative */
    neg = 1;               /* negative: digits of the magnitude */
  }
  n += 2;
  while (n > 0 && t[n - 1] == 0) n--;
  for (i = 0; i < n && t[i] == 0; i++) {
  }
  *dlo = lo + i;
  *nd = n - i;
  for (int k = 0; k < *nd; k++) d[k] = (uint32_t)t[i + k];
  return neg;
}

static void write_sum(om_wbuf *w, const int64_t *c, int lo, int hi) {
  uint32_t d[OM_XSUM_C2 + 2];
  int dlo, nd, neg = to_digits(c, lo, hi, d, &dlo, &nd);
  om_wbuf_u8(w, (uint8_t)neg);
  om_wbuf_u8(w, 0);
  om_wbuf_u16(w, (uint16_t)dlo);
  om_wbuf_u16(w, (uint16_t)nd);
  om_wbuf_u16(w, 0);
  for (int k = 0; k < nd; k++) om_wbuf_u32(w, d[k]);
}

void om_xsum_encode(const om_xsum *s, om_wbuf *w) {
  om_xsum t = *s;
  carry_all(&t);
  om_wbuf_u64(w, t.n > 0 ? (uint64_t)t.n : 0);
  write_sum(w, t.s1, t.lo1, t.hi1);
  write_sum(w, t.s2, t.lo2, t.hi2);
}

/* 1 if the magnitude sum d[k] 2^(32 (lo + k)) is below n 2^K. */
static int below_n_times(int lo, int nd, const uint32_t *d, uint64_t n, int K) {
  uint64_t q = 0;
  int bits = 0;
  uint32_t top;
  if (nd == 0) return 1;
  for (top = d[nd - 1]; top; top >>= 1) bits++;
  if (32 * (lo + nd - 1) + bits > K + 64) return 0;
  for (int k = 0; k < nd; k++) {
    int p = 32 * (lo + k) - K;          /* this digit's shift relative to 2^K */
    if (p >= 64 || p <= -32) continue; /* p >= 64 cannot hold a bit (bit length above) */
    q += p >= 0 ? (uint64_t)d[k] << p : (uint64_t)(d[k] >> -p);
  }
  return q <= n - 1;
}

static const char *read_sum(om_rbuf *r, int64_t *c, int cap, int *lo, int *hi, uint64_t n, int K, int want_nonneg) {
  uint8_t neg = om_rbuf_u8(r), res = om_rbuf_u8(r);
  uint16_t dlo = om_rbuf_u16(r), nd = om_rbuf_u16(r), res2 = om_rbuf_u16(r);
  uint32_t d[OM_XSUM_C2 + 2];
  *lo = *hi = 0;
  if (!om_rbuf_ok(r)) return "truncated";
  if (res || res2) return "non-zero reserved bytes";
  if (neg > 1 || (want_nonneg && neg)) return "bad sign";
  if (nd == 0) return neg || dlo ? "bad empty sum" : NULL;
  if (n == 0 || (int)dlo + nd > cap) return "sum out of range";
  for (int k = 0; k < nd; k++) d[k] = om_rbuf_u32(r);
  if (!om_rbuf_ok(r)) return "truncated";
  if (d[0] == 0 || d[nd - 1] == 0) return "sum not canonical";
  if (!below_n_times(dlo, nd, d, n, K)) return "sum out of range";
  for (int k = 0; k < nd; k++) c[dlo + k] = neg ? -(int64_t)d[k] : (int64_t)d[k];
  *lo = dlo;
  *hi = dlo + nd;
  return NULL;
}

const char *om_xsum_decode(om_rbuf *r, om_xsum *out, int allow_empty) {
  uint64_t cnt = om_rbuf_u64(r);
  const char *why;
  memset(out, 0, sizeof *out);
  if (!om_rbuf_ok(r)) return "truncated";
  if (cnt > (uint64_t)INT64_MAX || (cnt == 0 && !allow_empty)) return "bad count";
  out->n = (int64_t)cnt;
  why = read_sum(r, out->s1, OM_XSUM_C1, &out->lo1, &out->hi1, cnt, S1_BITS, 0);
  if (!why) why = read_sum(r, out->s2, OM_XSUM_C2, &out->lo2, &out->hi2, cnt, S2_BITS, 1);
  if (!why && out->hi2 == 0 && out->hi1 != 0) why = "sum of squares is zero, sum is not";
  if (why) memset(out, 0, sizeof *out);
  return why;
}
