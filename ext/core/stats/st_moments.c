/*
** st_moments.c — exact fixed-point sums of x, x^2, x^3 and x^4, and the
** mean, variance, standard deviation, skewness and kurtosis computed from
** them in integer arithmetic.  The spec (numbered behaviours) is the header
** comment of st_moments.h.
*/
#include "st_moments.h"

#include <math.h>
#include <string.h>

#include "st_chunks.h"

#define PS_CARRY_EVERY ((int64_t)1 << 30) /* each update adds < 2^32 to a chunk */
#define PS_BIG_MAX 320 /* digits of the widest number: (n^2 - 1) A4 or A2^2 times (n - 2)(n - 3),
                       ** at most 6 + 2 * 141 digits; A4's terms at most 276 */

static const int ps_cap[4] = {ST_PSUMS_C1, ST_PSUMS_C2, ST_PSUMS_C3, ST_PSUMS_C4};
static const int ps_off[4] = {0, ST_PSUMS_C1, ST_PSUMS_C1 + ST_PSUMS_C2,
                              ST_PSUMS_C1 + ST_PSUMS_C2 + ST_PSUMS_C3};

size_t st_psums_size(int kmax) {
  if (kmax < 1) kmax = 1;
  if (kmax > 4) kmax = 4;
  return sizeof(st_psums) + (size_t)(ps_off[kmax - 1] + ps_cap[kmax - 1]) * sizeof(int64_t);
}

void st_psums_init(st_psums *s, int kmax) {
  if (kmax < 1) kmax = 1;
  if (kmax > 4) kmax = 4;
  memset(s, 0, st_psums_size(kmax));
  s->kmax = kmax;
}

/* x = (-1)^neg * m * 2^e with integer m < 2^53; returns 0 for x == 0. */
static int ps_split(double x, uint64_t *m, int *e, int *neg) {
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

/* out[0, na + nb) = a * b, 32-bit limbs held in uint64_t. */
static void ps_limb_mul(const uint64_t *a, int na, const uint64_t *b, int nb, uint64_t *out) {
  int i, j;
  for (i = 0; i < na + nb; i++) out[i] = 0;
  for (i = 0; i < na; i++) {
    uint64_t carry = 0;
    for (j = 0; j < nb; j++) {
      uint64_t t = out[i + j] + a[i] * b[j] + carry; /* <= (2^32-1)^2 + 2 (2^32-1) < 2^64 */
      out[i + j] = t & 0xffffffffu;
      carry = t >> 32;
    }
    out[i + nb] = carry;
  }
}


static void ps_carry_all(st_psums *s) {
  for (int k = 0; k < s->kmax; k++) st_chunk_carry(s->c + ps_off[k], ps_cap[k], &s->lo[k], &s->hi[k]);
  s->pending = 0;
}

static om_status ps_update(st_psums *s, double x, int sign, om_err *err) {
  uint64_t m, pw[4][8], p1[2];
  static const int nl[4] = {2, 4, 5, 7}; /* 32-bit limbs of m^k (53 k bits) */
  int e, neg, k, i;
  if (!isfinite(x)) return om_errf(err, OM_INVALID, "value is not a finite number");
  if (sign < 0) {
    if (s->n <= 0) return om_errf(err, OM_INVALID, "value to remove is not held");
    if (s->n == 1) { /* the last value: back to the zeroed state */
      st_psums_init(s, s->kmax);
      return OM_OK;
    }
  }
  s->n += sign;
  if (ps_split(x, &m, &e, &neg)) {
    p1[0] = m & 0xffffffffu;
    p1[1] = m >> 32;
    memcpy(pw[0], p1, sizeof p1);
    if (s->kmax >= 2) ps_limb_mul(p1, 2, p1, 2, pw[1]);       /* m^2: 106 bits, 4 limbs */
    if (s->kmax >= 3) ps_limb_mul(pw[1], 4, p1, 2, pw[2]);    /* m^3: 159 bits, 5 used of 6 */
    if (s->kmax >= 4) ps_limb_mul(pw[1], 4, pw[1], 4, pw[3]); /* m^4: 212 bits, 7 used of 8 */
    for (k = 0; k < s->kmax; k++) {
      int pos = (k + 1) * (e + 1074), at = pos >> 5, r = pos & 31;
      int64_t g = (neg && (k % 2 == 0)) ? -sign : sign; /* odd powers keep x's sign */
      int64_t *c = s->c + ps_off[k] + at;
      uint64_t prev = 0;
      for (i = 0; i <= nl[k]; i++) { /* the limbs shifted left by r: nl + 1 pieces */
        uint64_t cur = i < nl[k] ? pw[k][i] : 0;
        uint64_t piece = ((cur << r) | (prev >> (32 - r))) & 0xffffffffu;
        c[i] += g * (int64_t)piece;
        prev = cur;
      }
      st_chunk_touch(&s->lo[k], &s->hi[k], at, nl[k] + 1);
    }
  }
  if (++s->pending >= PS_CARRY_EVERY) ps_carry_all(s);
  return OM_OK;
}

om_status st_psums_add(st_psums *s, double x, om_err *err) { return ps_update(s, x, +1, err); }

om_status st_psums_remove(st_psums *s, double x, om_err *err) { return ps_update(s, x, -1, err); }

/* ------------------------------------------------------- big integers */

/* (-1)^neg * sum of d[i] * 2^(32 (i + off)), i < len. */
typedef struct ps_big {
  uint32_t d[PS_BIG_MAX];
  int len, off, neg;
} ps_big;

static void ps_big_trim(ps_big *b) {
  int z = 0;
  while (b->len > 0 && b->d[b->len - 1] == 0) b->len--;
  while (z < b->len && b->d[z] == 0) z++;
  if (z) {
    memmove(b->d, b->d + z, (size_t)(b->len - z) * sizeof b->d[0]);
    b->len -= z;
    b->off += z;
  }
  if (b->len == 0) b->off = b->neg = 0;
}

static void ps_big_u64(ps_big *b, uint64_t v) {
  b->d[0] = (uint32_t)(v & 0xffffffffu);
  b->d[1] = (uint32_t)(v >> 32);
  b->len = 2;
  b->off = b->neg = 0;
  ps_big_trim(b);
}

/* S_k from its carried chunks. */
static void ps_big_sum(const st_psums *s, int k, ps_big *b) {
  int64_t t[ST_PSUMS_C4 + 2];
  const int64_t *c = s->c + ps_off[k];
  int lo = s->lo[k], n = s->hi[k] - s->lo[k], i;
  b->len = b->off = b->neg = 0;
  if (s->hi[k] == 0 || n <= 0) return;
  for (i = 0; i < n; i++) t[i] = c[lo + i];
  b->neg = t[n - 1] < 0;
  if (b->neg)
    for (i = 0; i < n; i++) t[i] = -t[i];
  t[n] = t[n + 1] = 0;
  n += 2;
  for (i = 0; i < n - 1; i++) {
    int64_t d = t[i] & INT64_C(0xffffffff);
    t[i + 1] += (t[i] - d) / INT64_C(4294967296);
    t[i] = d;
  }
  for (i = 0; i < n; i++) b->d[i] = (uint32_t)t[i]; /* the top is 0 or positive now */
  b->len = n;
  b->off = lo;
  ps_big_trim(b);
}

static void ps_big_mul(const ps_big *a, const ps_big *b, ps_big *out) {
  int i, j;
  if (a->len == 0 || b->len == 0) {
    out->len = out->off = out->neg = 0;
    return;
  }
  out->len = a->len + b->len;
  out->off = a->off + b->off;
  out->neg = a->neg != b->neg;
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
  ps_big_trim(out);
}

static void ps_big_scale(ps_big *b, uint32_t k) { /* b *= k */
  uint64_t carry = 0;
  for (int i = 0; i < b->len; i++) {
    uint64_t t = (uint64_t)b->d[i] * k + carry;
    b->d[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry) b->d[b->len++] = (uint32_t)carry;
  ps_big_trim(b);
}

static uint32_t ps_big_digit(const ps_big *b, int pos) {
  int i = pos - b->off;
  return i >= 0 && i < b->len ? b->d[i] : 0;
}

/* -1, 0, 1 as |a| <, =, > |b|. */
static int ps_big_cmpabs(const ps_big *a, const ps_big *b) {
  int ta = a->off + a->len, tb = b->off + b->len, lo, p;
  if (a->len == 0 || b->len == 0) return (a->len > 0) - (b->len > 0);
  if (ta != tb) return ta > tb ? 1 : -1;
  lo = a->off < b->off ? a->off : b->off;
  for (p = ta - 1; p >= lo; p--) {
    uint32_t x = ps_big_digit(a, p), y = ps_big_digit(b, p);
    if (x != y) return x > y ? 1 : -1;
  }
  return 0;
}

/* out = a + sign * b (sign +1 or -1); out may not alias a or b. */
static void ps_big_add(const ps_big *a, const ps_big *b, int sign, ps_big *out) {
  int bneg = b->neg ^ (sign < 0), lo, hi, p;
  if (b->len == 0) {
    *out = *a;
    return;
  }
  if (a->len == 0) {
    *out = *b;
    out->neg = bneg;
    return;
  }
  lo = a->off < b->off ? a->off : b->off;
  hi = a->off + a->len > b->off + b->len ? a->off + a->len : b->off + b->len;
  out->off = lo;
  if (a->neg == bneg) { /* magnitudes add */
    uint64_t carry = 0;
    for (p = lo; p < hi; p++) {
      uint64_t t = (uint64_t)ps_big_digit(a, p) + ps_big_digit(b, p) + carry;
      out->d[p - lo] = (uint32_t)t;
      carry = t >> 32;
    }
    out->d[hi - lo] = (uint32_t)carry;
    out->len = hi - lo + 1;
    out->neg = a->neg;
  } else { /* the smaller magnitude from the larger */
    const ps_big *x = a, *y = b;
    int xneg = a->neg;
    int64_t borrow = 0;
    if (ps_big_cmpabs(a, b) < 0) {
      x = b;
      y = a;
      xneg = bneg;
    }
    for (p = lo; p < hi; p++) {
      int64_t v = (int64_t)ps_big_digit(x, p) - ps_big_digit(y, p) - borrow;
      borrow = v < 0;
      out->d[p - lo] = (uint32_t)(v + (borrow ? INT64_C(4294967296) : 0));
    }
    out->len = hi - lo;
    out->neg = xneg;
  }
  ps_big_trim(out);
}

/* |b| ~= (*hi + *lo) * 2^e from its top 128 bits (relative error < 2^-96). */
static void ps_big_head2(const ps_big *b, double *hi, double *lo, int *e) {
  double h = 0.0, l = 0.0;
  for (int i = 0; i < 4; i++) {
    int k = b->len - 1 - i;
    double d = k >= 0 ? (double)b->d[k] : 0.0, s = ldexp(d, 32 * (3 - i)), t = h + s;
    l += (h - t) + s; /* exact error: h holds the higher digits, so |h| >= |s| or h == 0 */
    h = t;
  }
  *hi = h;
  *lo = l;
  *e = 32 * (b->off + b->len - 4);
}

static double ps_big_head(const ps_big *b, int *e) {
  double h, l;
  ps_big_head2(b, &h, &l, e);
  return h + l;
}

/* ------------------------------------------------------------ results */

/* (h + l) / d with one rounding at the end, nearly always the correctly
** rounded quotient (h + l is the 128-bit head of an exact integer). */
static double ps_div(double h, double l, double d) {
  double q1 = h / d, q2 = (fma(-q1, d, h) + l) / d;
  return q1 + q2;
}

double st_psums_mean(st_psums *s) {
  ps_big a;
  double n = (double)s->n, h, l, m;
  int e;
  if (s->n <= 0) return NAN;
  ps_carry_all(s);
  ps_big_sum(s, 0, &a);
  if (a.len == 0) return 0.0;
  ps_big_head2(&a, &h, &l, &e); /* |S1| = (h + l) 2^e */
  m = ldexp(ps_div(h, l, n), e - 1074);
  return a.neg ? -m : m;
}

/* A2 = n S2 - S1^2 >= 0; also S1 and S1^2 for the higher moments. */
static void ps_a2(const st_psums *s, const ps_big *nb, ps_big *s1, ps_big *s1sq, ps_big *a2) {
  ps_big s2, t;
  ps_big_sum(s, 0, s1);
  ps_big_sum(s, 1, &s2);
  ps_big_mul(s1, s1, s1sq);
  ps_big_mul(nb, &s2, &t);
  ps_big_add(&t, s1sq, -1, a2);
}

/* variance = frac * 2^exp, frac in [0.5, 1) (frac 0: zero).  Returns 0 if
** undefined. */
static int ps_variance_parts(st_psums *s, double *frac, int *exp2) {
  ps_big nb, s1, s1sq, a2;
  double n = (double)s->n, h, l;
  int e;
  if (s->n < 2 || s->kmax < 2) return 0;
  ps_carry_all(s);
  ps_big_u64(&nb, (uint64_t)s->n);
  ps_a2(s, &nb, &s1, &s1sq, &a2);
  *frac = 0.0;
  *exp2 = 0;
  if (a2.len == 0) return 1;
  ps_big_head2(&a2, &h, &l, &e);
  *frac = frexp(ps_div(h, l, n * (n - 1.0)), exp2);
  *exp2 += e - 2148;
  return 1;
}

static om_status ps_too_big(om_err *err, const char *what) {
  return om_errf(err, OM_INVALID,
                 "the %s is beyond the range of a double (over 1.8e308); divide the values by a constant first",
                 what);
}

om_status st_psums_variance(st_psums *s, double *out, om_err *err) {
  double f;
  int e;
  *out = NAN;
  if (!ps_variance_parts(s, &f, &e)) return OM_OK;
  *out = ldexp(f, e);
  if (isinf(*out)) {
    *out = NAN;
    return ps_too_big(err, "variance");
  }
  return OM_OK;
}

om_status st_psums_stddev(st_psums *s, double *out, om_err *err) {
  double f;
  int e;
  *out = NAN;
  if (!ps_variance_parts(s, &f, &e)) return OM_OK;
  if (e & 1) { /* an even exponent halves exactly */
    f *= 2.0;
    e -= 1;
  }
  *out = ldexp(sqrt(f), e / 2);
  if (isinf(*out)) {
    *out = NAN;
    return ps_too_big(err, "standard deviation");
  }
  return OM_OK;
}

double st_psums_skewness(st_psums *s) {
  ps_big nb, s1, s1sq, a2, s2, s3, t, u, v, a3;
  double n = (double)s->n, h2, h3, g;
  int e2, e3;
  if (s->n < 3 || s->kmax < 3) return NAN;
  ps_carry_all(s);
  ps_big_u64(&nb, (uint64_t)s->n);
  ps_a2(s, &nb, &s1, &s1sq, &a2);
  if (a2.len == 0) return NAN; /* all values equal */
  ps_big_sum(s, 1, &s2);
  ps_big_sum(s, 2, &s3);
  ps_big_mul(&nb, &nb, &t); /* A3 = n^2 S3 - 3 n S1 S2 + 2 S1^3 */
  ps_big_mul(&t, &s3, &u);  /* u = n^2 S3 */
  ps_big_mul(&s1, &s2, &t);
  ps_big_mul(&t, &nb, &v);
  ps_big_scale(&v, 3);        /* v = 3 n S1 S2 */
  ps_big_add(&u, &v, -1, &t); /* t = u - v */
  ps_big_mul(&s1sq, &s1, &u);
  ps_big_scale(&u, 2);         /* u = 2 S1^3 */
  ps_big_add(&t, &u, +1, &a3); /* A3 */
  if (a3.len == 0) return 0.0;
  h3 = ps_big_head(&a3, &e3);
  h2 = ps_big_head(&a2, &e2); /* e2 is a multiple of 32: e2 / 2 is exact */
  g = ldexp(h3 / (h2 * sqrt(h2)), e3 - e2 - e2 / 2);
  g *= sqrt(n * (n - 1.0)) / (n - 2.0);
  return a3.neg ? -g : g;
}

double st_psums_kurtosis(st_psums *s) {
  ps_big nb, s1, s1sq, a2, s2, s3, s4, t, u, v, w, a4, num, den;
  double hn, hd, r;
  int en, ed;
  uint64_t un = (uint64_t)s->n;
  if (s->n < 4 || s->kmax < 4) return NAN;
  ps_carry_all(s);
  ps_big_u64(&nb, un);
  ps_a2(s, &nb, &s1, &s1sq, &a2);
  if (a2.len == 0) return NAN; /* all values equal */
  ps_big_sum(s, 1, &s2);
  ps_big_sum(s, 2, &s3);
  ps_big_sum(s, 3, &s4);
  /* A4 = n^3 S4 - 4 n^2 S1 S3 + 6 n S1^2 S2 - 3 S1^4 */
  ps_big_mul(&nb, &nb, &t);
  ps_big_mul(&t, &nb, &u);
  ps_big_mul(&u, &s4, &v); /* v = n^3 S4 */
  ps_big_mul(&s1, &s3, &u);
  ps_big_mul(&u, &t, &w);
  ps_big_scale(&w, 4);        /* w = 4 n^2 S1 S3 */
  ps_big_add(&v, &w, -1, &u); /* u = v - w */
  ps_big_mul(&s1sq, &s2, &t);
  ps_big_mul(&t, &nb, &w);
  ps_big_scale(&w, 6);        /* w = 6 n S1^2 S2 */
  ps_big_add(&u, &w, +1, &v); /* v = u + w */
  ps_big_mul(&s1sq, &s1sq, &t);
  ps_big_scale(&t, 3);         /* t = 3 S1^4 */
  ps_big_add(&v, &t, -1, &a4); /* A4 */
  /* num = (n^2 - 1) A4 - 3 (n - 1)^2 A2^2;  den = (n - 2)(n - 3) A2^2 */
  ps_big_mul(&nb, &nb, &t);
  ps_big_u64(&u, 1);
  ps_big_add(&t, &u, -1, &v); /* v = n^2 - 1 */
  ps_big_mul(&v, &a4, &t);    /* t = (n^2 - 1) A4 */
  ps_big_u64(&u, un - 1);
  ps_big_mul(&u, &u, &v);
  ps_big_scale(&v, 3);      /* v = 3 (n - 1)^2 */
  ps_big_mul(&a2, &a2, &w); /* w = A2^2 */
  ps_big_mul(&v, &w, &u);   /* u = 3 (n - 1)^2 A2^2 */
  ps_big_add(&t, &u, -1, &num);
  if (num.len == 0) return 0.0;
  ps_big_u64(&t, un - 2);
  ps_big_u64(&u, un - 3);
  ps_big_mul(&t, &u, &v);
  ps_big_mul(&v, &w, &den);
  hn = ps_big_head(&num, &en);
  hd = ps_big_head(&den, &ed);
  r = ldexp(hn / hd, en - ed);
  return num.neg ? -r : r;
}
