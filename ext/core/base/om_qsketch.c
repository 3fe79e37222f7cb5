/*
** om_qsketch.c — the DDSketch-style quantile sketch; the spec (bucket
** mapping, numbered behaviours, byte map) is the header comment of
** om_qsketch.h.
*/
#include "om_qsketch.h"

#include <math.h>
#include <string.h>

#define E_MIN (-1074) /* exponent of the smallest subnormal */
#define E_MAX 1023
#define TOTAL_MAX ((uint64_t)INT64_MAX)

/* ------------------------------------------------------------ mapping */

/* Bucket index of |x| (x finite, non-zero); exact integer arithmetic. */
static int32_t bucket_of(uint32_t m, double x) {
  uint64_t b = om_f64_bits(x) & ~(UINT64_C(1) << 63), f;
  int e = (int)(b >> 52);
  f = b & ((UINT64_C(1) << 52) - 1);
  if (e == 0) { /* subnormal: |x| = f 2^-1074, normalise to 2^e (1 + f') */
    int top = 63;
    while (!(f >> top)) top--;
    e = E_MIN + top;
    f = (f << (52 - top)) & ((UINT64_C(1) << 52) - 1);
  } else {
    e -= 1023;
  }
  return (int32_t)((int64_t)e * m + (int64_t)((f * m) >> 52));
}

/* The representative (harmonic mean of the ends) of bucket k (behaviour 12). */
double om_qsketch_bucket_value(uint32_t m, int32_t k) {
  int64_t e = k >= 0 ? k / (int64_t)m : -((-(int64_t)k + m - 1) / (int64_t)m);
  double j = (double)(k - e * (int64_t)m), M = (double)m;
  double r = 2.0 * (M + j) * (M + j + 1.0) / (M * (2.0 * M + 2.0 * j + 1.0));
  return ldexp(r, (int)e);
}

static int index_ok(uint32_t m, int64_t k) { return k >= (int64_t)E_MIN * m && k <= (int64_t)(E_MAX + 1) * m - 1; }

/* ------------------------------------------------------------- stores */

/* Make room for index k in st (c zeroed around it); st unchanged on OOM. */
static om_status store_reserve(om_qstore *st, int32_t k, om_err *err) {
  int64_t lo, hi, nlo, nhi, want;
  uint64_t *c;
  if (st->len && k >= st->lo && (int64_t)k < (int64_t)st->lo + st->len) return OM_OK;
  if (!st->len) {
    lo = hi = k;
  } else {
    lo = k < st->lo ? k : st->lo;
    hi = (int64_t)k > (int64_t)st->lo + st->len - 1 ? k : (int64_t)st->lo + st->len - 1;
  }
  want = hi - lo + 1;
  if (st->len) { /* grow by at least doubling, toward the side that needs it */
    int64_t grow = (int64_t)st->len > want ? (int64_t)st->len : want;
    if (k < st->lo) {
      nhi = hi;
      nlo = hi - (grow * 2 > want ? grow * 2 : want) + 1;
      if (nlo > lo) nlo = lo;
    } else {
      nlo = lo;
      nhi = lo + (grow * 2 > want ? grow * 2 : want) - 1;
      if (nhi < hi) nhi = hi;
    }
  } else {
    nlo = lo - 32;
    nhi = hi + 32;
  }
  c = om_calloc((size_t)(nhi - nlo + 1), sizeof *c);
  if (!c) return om_errf(err, OM_NOMEM, "out of memory");
  if (st->len) memcpy(c + (st->lo - nlo), st->c, (size_t)st->len * sizeof *c);
  om_free(st->c);
  st->c = c;
  st->lo = (int32_t)nlo;
  st->len = (uint32_t)(nhi - nlo + 1);
  return OM_OK;
}

static void store_free(om_qstore *st) {
  om_free(st->c);
  memset(st, 0, sizeof *st);
}

/* Lowest / highest non-empty index of a non-empty store. */
static int32_t store_first(const om_qstore *st) {
  uint32_t i = 0;
  while (!st->c[i]) i++;
  return st->lo + (int32_t)i;
}
static int32_t store_last(const om_qstore *st) {
  uint32_t i = st->len - 1;
  while (!st->c[i]) i--;
  return st->lo + (int32_t)i;
}

/* ------------------------------------------------------------ sketch */

om_status om_qsketch_init(om_qsketch *s, double alpha, om_err *err) {
  memset(s, 0, sizeof *s);
  if (!(alpha >= OM_QSKETCH_ALPHA_MIN && alpha <= OM_QSKETCH_ALPHA_MAX))
    return om_errf(err, OM_INVALID, "relative accuracy %.17g is outside [%g, %g]", alpha, OM_QSKETCH_ALPHA_MIN,
                   OM_QSKETCH_ALPHA_MAX);
  s->m = (uint32_t)ceil(1.0 / (2.0 * alpha) - 1e-9);
  if (s->m < 2) s->m = 2;
  if (s->m > 1000) s->m = 1000;
  return OM_OK;
}

double om_qsketch_alpha(const om_qsketch *s) { return s->m ? 1.0 / (2.0 * s->m) : NAN; }

uint64_t om_qsketch_count(const om_qsketch *s) { return s->zero + s->neg.total + s->pos.total; }

om_status om_qsketch_add(om_qsketch *s, double x, uint64_t count, om_err *err) {
  uint64_t n = om_qsketch_count(s);
  om_qstore *st;
  int32_t k;
  om_status rc;
  if (!isfinite(x)) return om_errf(err, OM_INVALID, "value is not a finite number");
  if (count == 0) return OM_OK;
  if (count > TOTAL_MAX - n) return om_errf(err, OM_INVALID, "too many values");
  if (x == 0) {
    x = 0.0; /* -0.0 is 0 */
    s->zero += count;
  } else {
    st = x < 0 ? &s->neg : &s->pos;
    k = bucket_of(s->m, x);
    rc = store_reserve(st, k, err);
    if (rc != OM_OK) return rc;
    st->c[k - st->lo] += count;
    st->total += count;
  }
  if (n == 0 || x < s->min) s->min = x;
  if (n == 0 || x > s->max) s->max = x;
  return OM_OK;
}

/* Add src's store into dst's (all or nothing). */
static om_status store_merge(om_qstore *dst, const om_qstore *src, om_err *err) {
  int32_t a, b;
  om_status rc;
  if (!src->total) return OM_OK;
  a = store_first(src);
  b = store_last(src);
  rc = store_reserve(dst, a, err);
  if (rc == OM_OK) rc = store_reserve(dst, b, err);
  if (rc != OM_OK) return rc;
  for (int32_t k = a; k <= b; k++) dst->c[k - dst->lo] += src->c[k - src->lo];
  dst->total += src->total;
  return OM_OK;
}

om_status om_qsketch_merge(om_qsketch *dst, const om_qsketch *src, om_err *err) {
  uint64_t n = om_qsketch_count(dst), ns = om_qsketch_count(src);
  om_status rc;
  if (dst->m != src->m)
    return om_errf(err, OM_INVALID, "sketches have different accuracy: %u and %u buckets per octave", dst->m, src->m);
  if (ns == 0) return OM_OK;
  if (ns > TOTAL_MAX - n) return om_errf(err, OM_INVALID, "too many values");
  /* reserve both stores first, so a failure leaves dst as it was */
  if (src->neg.total) {
    rc = store_reserve(&dst->neg, store_first(&src->neg), err);
    if (rc == OM_OK) rc = store_reserve(&dst->neg, store_last(&src->neg), err);
    if (rc != OM_OK) return rc;
  }
  if (src->pos.total) {
    rc = store_reserve(&dst->pos, store_first(&src->pos), err);
    if (rc == OM_OK) rc = store_reserve(&dst->pos, store_last(&src->pos), err);
    if (rc != OM_OK) return rc;
  }
  store_merge(&dst->neg, &src->neg, err); /* cannot fail now */
  store_merge(&dst->pos, &src->pos, err);
  dst->zero += src->zero;
  if (n == 0 || src->min < dst->min) dst->min = src->min;
  if (n == 0 || src->max > dst->max) dst->max = src->max;
  return OM_OK;
}

double om_qsketch_value_at(const om_qsketch *s, uint64_t rank) {
  uint64_t n = om_qsketch_count(s), seen = 0;
  double v = NAN;
  if (rank >= n) return NAN;
  if (rank == 0) return s->min;
  if (rank == n - 1) return s->max;
  if (rank < s->neg.total) {
    for (uint32_t i = s->neg.len; i-- > 0;) { /* largest magnitude first */
      seen += s->neg.c[i];
      if (rank < seen) {
        v = -om_qsketch_bucket_value(s->m, s->neg.lo + (int32_t)i);
        break;
      }
    }
  } else if (rank < s->neg.total + s->zero) {
    v = 0.0;
  } else {
    seen = s->neg.total + s->zero;
    for (uint32_t i = 0; i < s->pos.len; i++) {
      seen += s->pos.c[i];
      if (rank < seen) {
        v = om_qsketch_bucket_value(s->m, s->pos.lo + (int32_t)i);
        break;
      }
    }
  }
  if (v < s->min) v = s->min;
  if (v > s->max) v = s->max;
  return v;
}

double om_qsketch_quantile(const om_qsketch *s, double q) {
  uint64_t n = om_qsketch_count(s), l;
  double h, w, a, b, d;
  if (n == 0 || !(q >= 0.0 && q <= 1.0)) return NAN;
  h = q * (double)(n - 1);
  l = (uint64_t)floor(h);
  if (l >= n - 1) return om_qsketch_value_at(s, n - 1);
  w = h - (double)l;
  a = om_qsketch_value_at(s, l);
  if (w == 0) return a;
  b = om_qsketch_value_at(s, l + 1);
  if (a == b) return a;
  d = b - a;
  if (!isfinite(d)) return a * (1.0 - w) + b * w; /* a and b of opposite signs near the range's end */
  return a + w * d;
}

/* ----------------------------------------------------------- encoding */

static size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static void varint_put(om_wbuf *w, uint64_t v) {
  while (v >= 0x80) {
    om_wbuf_u8(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  om_wbuf_u8(w, (uint8_t)v);
}

/* 0 on success (minimal, < 2^64), else -1. */
static int varint_get(om_rbuf *r, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    uint8_t b = om_rbuf_u8(r);
    if (!om_rbuf_ok(r)) return -1;
    if (i == 9 && b > 1) return -1; /* beyond 2^64 */
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b == 0) return -1; /* not minimal */
      *out = v;
      return 0;
    }
  }
  return -1;
}

static uint32_t store_buckets(const om_qstore *st) {
  uint32_t b = 0;
  for (uint32_t i = 0; i < st->len; i++) b += st->c[i] != 0;
  return b;
}

static size_t store_size(const om_qstore *st) {
  size_t n = 0;
  int first = 1;
  int32_t prev = 0;
  for (uint32_t i = 0; i < st->len; i++) {
    int32_t k = st->lo + (int32_t)i;
    if (!st->c[i]) continue;
    n += first ? 4 : varint_size((uint64_t)(k - prev));
    n += varint_size(st->c[i]);
    prev = k;
    first = 0;
  }
  return n;
}

static void store_put(om_wbuf *w, const om_qstore *st) {
  int first = 1;
  int32_t prev = 0;
  for (uint32_t i = 0; i < st->len; i++) {
    int32_t k = st->lo + (int32_t)i;
    if (!st->c[i]) continue;
    if (first) om_wbuf_u32(w, (uint32_t)k);
    else varint_put(w, (uint64_t)(k - prev));
    varint_put(w, st->c[i]);
    prev = k;
    first = 0;
  }
}

size_t om_qsketch_encoded_size(const om_qsketch *s) { return 36 + store_size(&s->neg) + store_size(&s->pos); }

om_status om_qsketch_encode(const om_qsketch *s, om_wbuf *w, om_err *err) {
  int empty = om_qsketch_count(s) == 0;
  if (s->m < 2 || s->m > 1000) return om_errf(err, OM_INTERNAL, "quantile sketch is not initialised");
  om_wbuf_u16(w, (uint16_t)s->m);
  om_wbuf_u16(w, 0);
  om_wbuf_u32(w, store_buckets(&s->neg));
  om_wbuf_u32(w, store_buckets(&s->pos));
  om_wbuf_u64(w, s->zero);
  om_wbuf_f64(w, empty || s->min == 0 ? 0.0 : s->min);
  om_wbuf_f64(w, empty || s->max == 0 ? 0.0 : s->max);
  store_put(w, &s->neg);
  store_put(w, &s->pos);
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

#define BAD(why) om_errf(err, OM_CORRUPT, "quantile sketch: %s", why)

/* Read B buckets of one store; first pass collects the span, second
** fills it.  Returns NULL on success or a reason. */
static const char *store_get(om_rbuf *r, uint32_t m, uint32_t nb, om_qstore *st, uint64_t *total, om_err *err,
                             om_status *rc) {
  om_rbuf start = *r;
  int64_t k = 0, first = 0;
  uint64_t v, sum = 0;
  *rc = OM_OK;
  if (nb == 0) return NULL;
  for (int pass = 0; pass < 2; pass++) {
    *r = start;
    for (uint32_t i = 0; i < nb; i++) {
      if (i == 0) {
        k = (int32_t)om_rbuf_u32(r);
        if (!om_rbuf_ok(r)) return "truncated";
        first = k;
      } else {
        if (varint_get(r, &v)) return "bad varint";
        if (v == 0) return "buckets out of order";
        if (v > (uint64_t)((int64_t)(E_MAX + 1) * m - 1 - k)) return "bucket index out of range";
        k += (int64_t)v;
      }
      if (!index_ok(m, k)) return "bucket index out of range";
      if (varint_get(r, &v)) return "bad varint";
      if (v == 0) return "empty bucket";
      if (pass == 0) {
        if (v > TOTAL_MAX - sum) return "too many values";
        sum += v;
      } else {
        st->c[k - st->lo] = v;
      }
    }
    if (pass == 0) {
      st->c = om_calloc((size_t)(k - first + 1), sizeof *st->c);
      if (!st->c) {
        *rc = om_errf(err, OM_NOMEM, "out of memory");
        return "";
      }
      st->lo = (int32_t)first;
      st->len = (uint32_t)(k - first + 1);
      st->total = sum;
    }
  }
  *total = sum;
  (void)err;
  return NULL;
}

om_status om_qsketch_decode(om_rbuf *r, om_qsketch *out, om_err *err) {
  uint16_t m, res;
  uint32_t bn, bp;
  uint64_t zero, tn = 0, tp = 0, n;
  double mn, mx;
  const char *why = NULL;
  om_status rc = OM_OK;
  memset(out, 0, sizeof *out);
  m = om_rbuf_u16(r);
  res = om_rbuf_u16(r);
  bn = om_rbuf_u32(r);
  bp = om_rbuf_u32(r);
  zero = om_rbuf_u64(r);
  mn = om_rbuf_f64(r);
  mx = om_rbuf_f64(r);
  if (!om_rbuf_ok(r)) return BAD("truncated");
  if (m < 2 || m > 1000) return BAD("bad bucket count per octave");
  if (res) return BAD("non-zero reserved bytes");
  if (zero > TOTAL_MAX) return BAD("too many values");
  /* every bucket takes at least two bytes: cheap guard before allocating */
  if ((uint64_t)bn + bp > r->left / 2 + 1) return BAD("truncated");
  out->m = m;
  why = store_get(r, m, bn, &out->neg, &tn, err, &rc);
  if (!why) why = store_get(r, m, bp, &out->pos, &tp, err, &rc);
  if (rc != OM_OK) {
    om_qsketch_free(out);
    return rc;
  }
  if (!why && (tn > TOTAL_MAX - zero || tp > TOTAL_MAX - zero - tn)) why = "too many values";
  if (why) goto bad;
  out->zero = zero;
  n = zero + tn + tp;
  if (om_f64_bits(mn) == (UINT64_C(1) << 63) || om_f64_bits(mx) == (UINT64_C(1) << 63)) {
    why = "negative zero";
    goto bad;
  }
  if (n == 0) {
    if (mn != 0 || mx != 0 || om_f64_bits(mn) || om_f64_bits(mx)) why = "empty sketch with a minimum";
    goto check;
  }
  if (!isfinite(mn) || !isfinite(mx) || mn > mx) {
    why = "bad minimum or maximum";
    goto bad;
  }
  /* min in the lowest rank's bucket, max in the highest's */
  if (tn ? !(mn < 0 && bucket_of(m, mn) == store_last(&out->neg)) : zero ? mn != 0
                                                                         : !(mn > 0 && bucket_of(m, mn) == store_first(&out->pos)))
    why = "minimum outside its bucket";
  else if (tp ? !(mx > 0 && bucket_of(m, mx) == store_last(&out->pos)) : zero ? mx != 0
                                                                             : !(mx < 0 && bucket_of(m, mx) == store_first(&out->neg)))
    why = "maximum outside its bucket";
check:
  if (why) goto bad;
  out->min = mn;
  out->max = mx;
  return OM_OK;
bad:
  om_qsketch_free(out);
  return BAD(why);
}

om_status om_qsketch_copy(om_qsketch *dst, const om_qsketch *src, om_err *err) {
  *dst = *src;
  dst->neg.c = dst->pos.c = NULL;
  dst->neg.len = dst->pos.len = 0;
  dst->neg.total = dst->pos.total = 0;
  dst->zero = 0;
  return om_qsketch_merge(dst, src, err) == OM_OK ? OM_OK : (om_qsketch_free(dst), OM_NOMEM);
}

void om_qsketch_free(om_qsketch *s) {
  uint32_t m = s->m;
  store_free(&s->neg);
  store_free(&s->pos);
  memset(s, 0, sizeof *s);
  s->m = m;
}
