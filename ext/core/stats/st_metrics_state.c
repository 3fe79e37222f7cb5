/*
** st_metrics_state.c — the metrics_state codec, merge and results; the
** spec (byte map, numbered behaviours) is the header comment of
** st_metrics_state.h.
*/
#include "st_metrics_state.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AUC_H 64513 /* bucket of q = 0.5; q > 0.5 map above it */

static const char *const fn_names[] = {NULL, "interval_coverage", "regression_metrics", "classification_metrics"};

const char *st_mstate_fn_name(int fn) { return fn >= ST_MS_COVERAGE && fn <= ST_MS_CLASSIFICATION ? fn_names[fn] : NULL; }

/* ------------------------------------------------------------ varints */

static void varint_put(om_wbuf *w, uint64_t v) {
  while (v >= 0x80) {
    om_wbuf_u8(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  om_wbuf_u8(w, (uint8_t)v);
}

static int varint_get(om_rbuf *r, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    uint8_t b = om_rbuf_u8(r);
    if (!om_rbuf_ok(r)) return -1;
    if (i == 9 && b > 1) return -1;
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b == 0) return -1;
      *out = v;
      return 0;
    }
  }
  return -1;
}

/* ------------------------------------------------------ auc histogram */

/* Bucket of x in [0, 0.5] (behaviour 4). */
static int32_t auc_low(double x) {
  const uint64_t base = (uint64_t)(1023 - 64) << 10; /* bits(2^-64) >> 42 */
  if (x < 0x1p-64) return 0;
  return (int32_t)((om_f64_bits(x) >> 42) - base) + 1;
}

static int32_t auc_bucket(double q) { return q <= 0.5 ? auc_low(q) : 2 * AUC_H + 1 - auc_low(1.0 - q); }

static void auc_free(st_auc_hist *h) {
  om_free(h->v);
  om_free(h->pos);
  om_free(h->neg);
  memset(h, 0, sizeof *h);
}

/* Bucketed: make slots for [a, b] (a <= b); h unchanged on failure. */
static om_status auc_reserve(st_auc_hist *h, int32_t a, int32_t b, om_err *err) {
  int32_t lo, hi;
  uint64_t *p, *n;
  if (h->len && a >= h->lo && b < h->lo + (int32_t)h->len) return OM_OK;
  lo = h->len && h->lo < a ? h->lo : a;
  hi = h->len && h->lo + (int32_t)h->len - 1 > b ? h->lo + (int32_t)h->len - 1 : b;
  /* widen by half again for later rows, within the index range */
  {
    int32_t extra = (hi - lo + 1) / 2 + 16;
    lo = lo - extra < 0 ? 0 : lo - extra;
    hi = hi + extra > ST_AUC_BUCKETS - 1 ? ST_AUC_BUCKETS - 1 : hi + extra;
  }
  p = om_calloc((size_t)(hi - lo + 1), sizeof *p);
  n = om_calloc((size_t)(hi - lo + 1), sizeof *n);
  if (!p || !n) {
    om_free(p);
    om_free(n);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  if (h->len) {
    memcpy(p + (h->lo - lo), h->pos, h->len * sizeof *p);
    memcpy(n + (h->lo - lo), h->neg, h->len * sizeof *n);
  }
  om_free(h->pos);
  om_free(h->neg);
  h->pos = p;
  h->neg = n;
  h->lo = lo;
  h->len = (uint32_t)(hi - lo + 1);
  return OM_OK;
}

/* Exact mode -> bucketed, counts kept. */
static om_status auc_to_buckets(st_auc_hist *h, om_err *err) {
  st_auc_hist b;
  om_status st;
  memset(&b, 0, sizeof b);
  b.bucketed = 1;
  if (h->len) {
    st = auc_reserve(&b, auc_bucket(h->v[0]), auc_bucket(h->v[h->len - 1]), err);
    if (st != OM_OK) return st;
    for (uint32_t i = 0; i < h->len; i++) {
      int32_t k = auc_bucket(h->v[i]) - b.lo;
      b.pos[k] += h->pos[i];
      b.neg[k] += h->neg[i];
    }
  }
  auc_free(h);
  *h = b;
  return OM_OK;
}

/* Room for one more exact entry. */
static om_status auc_grow(st_auc_hist *h, uint32_t want, om_err *err) {
  uint32_t cap;
  void *v, *p, *n;
  if (want <= h->cap) return OM_OK;
  cap = h->cap ? h->cap * 2 : 16;
  while (cap < want) cap *= 2;
  v = om_realloc(h->v, cap * sizeof *h->v);
  if (!v) return om_errf(err, OM_NOMEM, "out of memory");
  h->v = v;
  p = om_realloc(h->pos, cap * sizeof *h->pos);
  if (!p) return om_errf(err, OM_NOMEM, "out of memory");
  h->pos = p;
  n = om_realloc(h->neg, cap * sizeof *h->neg);
  if (!n) return om_errf(err, OM_NOMEM, "out of memory");
  h->neg = n;
  h->cap = cap;
  return OM_OK;
}

/* Index of the first entry >= q (exact mode). */
static uint32_t auc_find(const st_auc_hist *h, double q) {
  uint32_t a = 0, b = h->len;
  while (a < b) {
    uint32_t m = a + (b - a) / 2;
    if (h->v[m] < q) a = m + 1;
    else b = m;
  }
  return a;
}

static om_status auc_add(st_auc_hist *h, int label, double q, uint64_t count, om_err *err) {
  om_status st;
  if (q == 0) q = 0.0; /* -0.0 */
  if (!h->bucketed) {
    uint32_t i = auc_find(h, q);
    if (i < h->len && h->v[i] == q) {
      (label ? h->pos : h->neg)[i] += count;
      return OM_OK;
    }
    if (h->len < ST_AUC_EXACT_MAX) {
      st = auc_grow(h, h->len + 1, err);
      if (st != OM_OK) return st;
      memmove(h->v + i + 1, h->v + i, (h->len - i) * sizeof *h->v);
      memmove(h->pos + i + 1, h->pos + i, (h->len - i) * sizeof *h->pos);
      memmove(h->neg + i + 1, h->neg + i, (h->len - i) * sizeof *h->neg);
      h->v[i] = q;
      h->pos[i] = label ? count : 0;
      h->neg[i] = label ? 0 : count;
      h->len++;
      return OM_OK;
    }
    st = auc_to_buckets(h, err);
    if (st != OM_OK) return st;
  }
  {
    int32_t k = auc_bucket(q);
    st = auc_reserve(h, k, k, err);
    if (st != OM_OK) return st;
    (label ? h->pos : h->neg)[k - h->lo] += count;
  }
  return OM_OK;
}

static om_status auc_merge(st_auc_hist *dst, const st_auc_hist *src, om_err *err) {
  om_status st;
  if (!src->bucketed && !dst->bucketed) {
    /* union of two sorted lists */
    st_auc_hist u;
    uint32_t i = 0, j = 0;
    memset(&u, 0, sizeof u);
    st = auc_grow(&u, dst->len + src->len ? dst->len + src->len : 1, err);
    if (st != OM_OK) {
      auc_free(&u);
      return st;
    }
    while (i < dst->len || j < src->len) {
      if (j >= src->len || (i < dst->len && dst->v[i] < src->v[j])) {
        u.v[u.len] = dst->v[i];
        u.pos[u.len] = dst->pos[i];
        u.neg[u.len++] = dst->neg[i++];
      } else if (i >= dst->len || src->v[j] < dst->v[i]) {
        u.v[u.len] = src->v[j];
        u.pos[u.len] = src->pos[j];
        u.neg[u.len++] = src->neg[j++];
      } else {
        u.v[u.len] = dst->v[i];
        u.pos[u.len] = dst->pos[i] + src->pos[j];
        u.neg[u.len++] = dst->neg[i++] + src->neg[j++];
      }
    }
    if (u.len > ST_AUC_EXACT_MAX) {
      st = auc_to_buckets(&u, err);
      if (st != OM_OK) {
        auc_free(&u);
        return st;
      }
    }
    auc_free(dst);
    *dst = u;
    return OM_OK;
  }
  if (!dst->bucketed) {
    st = auc_to_buckets(dst, err);
    if (st != OM_OK) return st;
  }
  if (!src->len) return OM_OK;
  if (src->bucketed) {
    st = auc_reserve(dst, src->lo, src->lo + (int32_t)src->len - 1, err);
    if (st != OM_OK) return st;
    for (uint32_t i = 0; i < src->len; i++) {
      dst->pos[src->lo + (int32_t)i - dst->lo] += src->pos[i];
      dst->neg[src->lo + (int32_t)i - dst->lo] += src->neg[i];
    }
  } else {
    st = auc_reserve(dst, auc_bucket(src->v[0]), auc_bucket(src->v[src->len - 1]), err);
    if (st != OM_OK) return st;
    for (uint32_t i = 0; i < src->len; i++) {
      int32_t k = auc_bucket(src->v[i]) - dst->lo;
      dst->pos[k] += src->pos[i];
      dst->neg[k] += src->neg[i];
    }
  }
  return OM_OK;
}

/* Behaviour 4: the Mann-Whitney count over the entries in order, as
** st_metrics.c's classification_auc does over sorted arrays. */
static double auc_value(const st_auc_hist *h, uint64_t n_pos, uint64_t n_neg) {
  uint64_t u2 = 0, below = 0;
  double u2d = 0;
  int exact = n_neg == 0 || n_pos <= UINT64_MAX / 2 / n_neg;
  if (n_pos == 0 || n_neg == 0) return NAN;
  for (uint32_t i = 0; i < h->len; i++) {
    uint64_t c1 = h->pos[i], e = h->neg[i];
    if (c1) {
      if (exact) u2 += c1 * (2 * below + e);
      else u2d += (double)c1 * (2.0 * (double)below + (double)e);
    }
    below += e;
  }
  if (exact) u2d = (double)u2;
  return u2d / (2.0 * (double)n_pos * (double)n_neg);
}

/* ------------------------------------------------------------- state */

void st_mstate_init(st_mstate *s, int fn, double threshold) {
  memset(s, 0, sizeof *s);
  s->fn = fn;
  s->cls.threshold = threshold;
  om_qsketch_init(&s->abs_err, OM_QSKETCH_ALPHA, NULL);
}

void st_mstate_free(st_mstate *s) {
  om_qsketch_free(&s->abs_err);
  auc_free(&s->auc);
}

om_status st_mstate_add_coverage(st_mstate *s, double actual, double lo, double hi, om_err *err) {
  return st_coverage_add(&s->cov, actual, lo, hi, err);
}

om_status st_mstate_add_regression(st_mstate *s, double actual, double predicted, om_err *err) {
  double ad;
  om_status st;
  if (!isfinite(actual)) return om_errf(err, OM_INVALID, "actual is not a finite number");
  if (!isfinite(predicted)) return om_errf(err, OM_INVALID, "predicted is not a finite number");
  if (s->reg.n == INT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  ad = fabs(actual - predicted);
  if (isfinite(ad)) { /* the only step that can fail: first */
    st = om_qsketch_add(&s->abs_err, ad, 1, err);
    if (st != OM_OK) return st;
  }
  return st_regression_add_sums(&s->reg, actual, predicted, err);
}

om_status st_mstate_add_classification(st_mstate *s, int label, double prob, om_err *err) {
  om_status st;
  if (label != 0 && label != 1) return om_errf(err, OM_INVALID, "label is %d; expected 0 or 1", label);
  if (!(prob >= 0 && prob <= 1))
    return om_errf(err, OM_INVALID, "probability is %.17g; expected a number between 0 and 1", prob);
  if (s->cls.n == INT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  st = auc_add(&s->auc, label, prob, 1, err);
  if (st != OM_OK) return st;
  return st_classification_add_sums(&s->cls, label, prob, err);
}

int64_t st_mstate_rows(const st_mstate *s) {
  return s->fn == ST_MS_COVERAGE ? s->cov.n : s->fn == ST_MS_REGRESSION ? s->reg.n : s->cls.n;
}

om_status st_mstate_merge(st_mstate *dst, const st_mstate *src, om_err *err) {
  om_status st = OM_OK;
  if (dst->fn != src->fn) return om_errf(err, OM_INVALID, "states of different functions");
  if (st_mstate_rows(dst) > INT64_MAX - st_mstate_rows(src)) return om_errf(err, OM_INVALID, "too many rows");
  if (dst->fn == ST_MS_COVERAGE) {
    dst->cov.n += src->cov.n;
    dst->cov.covered += src->cov.covered;
  } else if (dst->fn == ST_MS_REGRESSION) {
    st_regression_acc *d = &dst->reg;
    const st_regression_acc *r = &src->reg;
    st = om_qsketch_merge(&dst->abs_err, &src->abs_err, err);
    if (st != OM_OK) return st;
    d->n += r->n;
    d->n_ape += r->n_ape;
    d->n_within += r->n_within;
    d->n_inf_err += r->n_inf_err;
    d->n_inf_ape += r->n_inf_ape;
    /* counts checked above: these cannot fail */
    om_xsum_merge(&d->err, &r->err, err);
    om_xsum_merge(&d->ape, &r->ape, err);
    om_xsum_merge(&d->ratio, &r->ratio, err);
    om_xsum_merge(&d->actual, &r->actual, err);
  } else {
    st_classification_acc *d = &dst->cls;
    const st_classification_acc *c = &src->cls;
    if (d->threshold != c->threshold) return om_errf(err, OM_INVALID, "states with different thresholds");
    st = auc_merge(&dst->auc, &src->auc, err);
    if (st != OM_OK) return st;
    d->n += c->n;
    d->tp += c->tp;
    d->fp += c->fp;
    d->tn += c->tn;
    d->fn += c->fn;
    om_xsum_merge(&d->logloss, &c->logloss, err);
    om_xsum_merge(&d->dev, &c->dev, err);
  }
  return OM_OK;
}

double st_mstate_coverage(const st_mstate *s) { return st_coverage_value(&s->cov); }

/* The estimate of rank r among all |a-p| (the overflowed ones last). */
static double medae_rank(const st_mstate *s, uint64_t r) {
  return r < om_qsketch_count(&s->abs_err) ? om_qsketch_value_at(&s->abs_err, r) : INFINITY;
}

void st_mstate_regression(st_mstate *s, st_regression_result *out) {
  uint64_t n = (uint64_t)s->reg.n;
  st_regression_compute_sums(&s->reg, out);
  if (n == 0) return;
  if (n % 2) out->medae = medae_rank(s, n / 2);
  else {
    double lo = medae_rank(s, n / 2 - 1), hi = medae_rank(s, n / 2);
    out->medae = (lo + hi) / 2;
    if (!isfinite(out->medae)) out->medae = lo / 2 + hi / 2;
  }
}

void st_mstate_classification(st_mstate *s, st_classification_result *out) {
  st_classification_compute_sums(&s->cls, out);
  if (s->cls.n == 0) return;
  out->auc = auc_value(&s->auc, (uint64_t)(s->cls.tp + s->cls.fn), (uint64_t)(s->cls.fp + s->cls.tn));
}

double st_mstate_auc_bound(const st_mstate *s) {
  double t = 0, p = (double)(s->cls.tp + s->cls.fn), n = (double)(s->cls.fp + s->cls.tn);
  if (s->fn != ST_MS_CLASSIFICATION || !s->auc.bucketed || p == 0 || n == 0) return 0.0;
  for (uint32_t i = 0; i < s->auc.len; i++) t += (double)s->auc.pos[i] * (double)s->auc.neg[i];
  return t / (2.0 * p * n);
}

/* ------------------------------------------------------------ payload */

om_status st_mstate_encode(const st_mstate *s, om_wbuf *w, om_err *err) {
  om_status st;
  if (!st_mstate_fn_name(s->fn) || st_mstate_rows(s) < 1)
    return om_errf(err, OM_INTERNAL, "metrics_state to encode is empty or of no function");
  om_wbuf_u8(w, (uint8_t)s->fn);
  om_wbuf_zeros(w, 7);
  if (s->fn == ST_MS_COVERAGE) {
    om_wbuf_u64(w, (uint64_t)s->cov.n);
    om_wbuf_u64(w, (uint64_t)s->cov.covered);
  } else if (s->fn == ST_MS_REGRESSION) {
    const st_regression_acc *r = &s->reg;
    om_wbuf_u64(w, (uint64_t)r->n);
    om_wbuf_u64(w, (uint64_t)r->n_ape);
    om_wbuf_u64(w, (uint64_t)r->n_within);
    om_wbuf_u64(w, (uint64_t)r->n_inf_err);
    om_wbuf_u64(w, (uint64_t)r->n_inf_ape);
    om_xsum_encode(&r->err, w);
    om_xsum_encode(&r->ape, w);
    om_xsum_encode(&r->ratio, w);
    om_xsum_encode(&r->actual, w);
    st = om_qsketch_encode(&s->abs_err, w, err);
    if (st != OM_OK) return st;
  } else {
    const st_classification_acc *c = &s->cls;
    const st_auc_hist *h = &s->auc;
    uint32_t k = 0;
    om_wbuf_f64(w, c->threshold);
    om_wbuf_u64(w, (uint64_t)c->n);
    om_wbuf_u64(w, (uint64_t)c->tp);
    om_wbuf_u64(w, (uint64_t)c->fp);
    om_wbuf_u64(w, (uint64_t)c->tn);
    om_wbuf_u64(w, (uint64_t)c->fn);
    om_xsum_encode(&c->logloss, w);
    om_xsum_encode(&c->dev, w);
    om_wbuf_u8(w, (uint8_t)h->bucketed);
    om_wbuf_zeros(w, 3);
    if (!h->bucketed) {
      om_wbuf_u32(w, h->len);
      for (uint32_t i = 0; i < h->len; i++) {
        om_wbuf_f64(w, h->v[i]);
        varint_put(w, h->pos[i]);
        varint_put(w, h->neg[i]);
      }
    } else {
      int32_t prev = 0;
      for (uint32_t i = 0; i < h->len; i++) k += h->pos[i] || h->neg[i];
      om_wbuf_u32(w, k);
      k = 0;
      for (uint32_t i = 0; i < h->len; i++) {
        int32_t b = h->lo + (int32_t)i;
        if (!h->pos[i] && !h->neg[i]) continue;
        if (k++ == 0) om_wbuf_u32(w, (uint32_t)b);
        else varint_put(w, (uint64_t)(b - prev));
        varint_put(w, h->pos[i]);
        varint_put(w, h->neg[i]);
        prev = b;
      }
    }
  }
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

#define CORRUPT(why) om_errf(err, OM_CORRUPT, "metrics_state payload is corrupt (%s)", why)

static int sum_negative(const om_xsum *s) { return s->hi1 > 0 && s->s1[s->hi1 - 1] < 0; }

/* One exact sum of `count` values (non-negative if nonneg); NULL or a reason. */
static const char *read_sum(om_rbuf *r, om_xsum *s, uint64_t count, int nonneg) {
  const char *why = om_xsum_decode(r, s, 1);
  if (why) return why;
  if ((uint64_t)s->n != count) return "sum count mismatch";
  if (nonneg && sum_negative(s)) return "negative sum";
  return NULL;
}

static const char *read_auc(om_rbuf *r, st_mstate *s, om_err *err, om_status *nomem) {
  st_auc_hist *h = &s->auc;
  const st_classification_acc *c = &s->cls;
  uint8_t mode = om_rbuf_u8(r);
  const uint8_t *z = om_rbuf_bytes(r, 3);
  uint32_t k = om_rbuf_u32(r);
  uint64_t sp = 0, sn = 0, a, b, tp = 0, fp = 0;
  *nomem = OM_OK;
  if (!om_rbuf_ok(r)) return "truncated";
  if (z[0] || z[1] || z[2]) return "non-zero reserved bytes";
  if (mode > 1) return "unknown auc mode";
  if (k < 1) return "empty auc histogram";
  if ((uint64_t)k > r->left / 3 + 1) return "truncated";
  if (mode == 0) {
    if (k > ST_AUC_EXACT_MAX) return "too many exact probabilities";
    if (auc_grow(h, k, err) != OM_OK) {
      *nomem = OM_NOMEM;
      return "";
    }
    for (uint32_t i = 0; i < k; i++) {
      double q = om_rbuf_f64(r);
      if (!om_rbuf_ok(r)) return "truncated";
      if (varint_get(r, &a) || varint_get(r, &b)) return "bad varint";
      if (!(q >= 0 && q <= 1) || om_f64_bits(q) == (UINT64_C(1) << 63)) return "probability out of range";
      if (i > 0 && !(q > h->v[i - 1])) return "probabilities out of order";
      if (a + b < a || (a == 0 && b == 0)) return "bad class counts";
      if (a > (uint64_t)c->n - sp || b > (uint64_t)c->n - sn) return "class counts do not match";
      sp += a;
      sn += b;
      if (q >= c->threshold) {
        tp += a;
        fp += b;
      }
      h->v[i] = q;
      h->pos[i] = a;
      h->neg[i] = b;
      h->len = i + 1;
    }
    if (tp != (uint64_t)c->tp || fp != (uint64_t)c->fp) return "class counts do not match";
  } else {
    int64_t idx = 0, first = 0;
    om_rbuf start = *r;
    h->bucketed = 1;
    if ((uint64_t)c->n <= ST_AUC_EXACT_MAX) return "bucketed with few rows";
    for (int pass = 0; pass < 2; pass++) {
      *r = start;
      sp = sn = 0;
      for (uint32_t i = 0; i < k; i++) {
        uint64_t g;
        if (i == 0) {
          idx = om_rbuf_u32(r);
          if (!om_rbuf_ok(r)) return "truncated";
          first = idx;
        } else {
          if (varint_get(r, &g)) return "bad varint";
          if (g == 0 || g >= ST_AUC_BUCKETS) return "buckets out of order";
          idx += (int64_t)g;
        }
        if (idx >= ST_AUC_BUCKETS) return "bucket out of range";
        if (varint_get(r, &a) || varint_get(r, &b)) return "bad varint";
        if (a == 0 && b == 0) return "empty bucket";
        if (a > (uint64_t)c->n - sp || b > (uint64_t)c->n - sn) return "class counts do not match";
        sp += a;
        sn += b;
        if (pass == 1) {
          h->pos[idx - h->lo] = a;
          h->neg[idx - h->lo] = b;
        }
      }
      if (pass == 0) {
        h->pos = om_calloc((size_t)(idx - first + 1), sizeof *h->pos);
        h->neg = om_calloc((size_t)(idx - first + 1), sizeof *h->neg);
        if (!h->pos || !h->neg) {
          *nomem = OM_NOMEM;
          return "";
        }
        h->lo = (int32_t)first;
        h->len = (uint32_t)(idx - first + 1);
      }
    }
  }
  if (sp != (uint64_t)(c->tp + c->fn) || sn != (uint64_t)(c->fp + c->tn)) return "class counts do not match";
  return NULL;
}

om_status st_mstate_decode(const uint8_t *p, size_t n, st_mstate *out, om_err *err) {
  om_rbuf r;
  const uint8_t *z;
  const char *why = NULL;
  uint8_t fn;
  om_status nomem = OM_OK;
  memset(out, 0, sizeof *out);
  om_rbuf_init(&r, p, n);
  fn = om_rbuf_u8(&r);
  z = om_rbuf_bytes(&r, 7);
  if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
  for (int i = 0; i < 7; i++)
    if (z[i]) return CORRUPT("non-zero reserved bytes");
  if (!st_mstate_fn_name(fn)) return CORRUPT("unknown function");
  st_mstate_init(out, fn, 0.5);
  if (fn == ST_MS_COVERAGE) {
    uint64_t cn = om_rbuf_u64(&r), cc = om_rbuf_u64(&r);
    if (!om_rbuf_ok(&r)) why = "truncated";
    else if (cn < 1 || cn > (uint64_t)INT64_MAX || cc > cn) why = "bad counts";
    out->cov.n = (int64_t)cn;
    out->cov.covered = (int64_t)cc;
  } else if (fn == ST_MS_REGRESSION) {
    st_regression_acc *g = &out->reg;
    uint64_t c[5];
    for (int i = 0; i < 5; i++) c[i] = om_rbuf_u64(&r);
    if (!om_rbuf_ok(&r)) why = "truncated";
    else if (c[0] < 1 || c[0] > (uint64_t)INT64_MAX || c[1] > c[0] || c[2] > c[0] || c[3] > c[0] || c[4] > c[1])
      why = "bad counts";
    else {
      g->n = (int64_t)c[0];
      g->n_ape = (int64_t)c[1];
      g->n_within = (int64_t)c[2];
      g->n_inf_err = (int64_t)c[3];
      g->n_inf_ape = (int64_t)c[4];
      why = read_sum(&r, &g->err, c[0] - c[3], 1);
      if (!why) why = read_sum(&r, &g->ape, c[1] - c[4], 1);
      if (!why) why = read_sum(&r, &g->ratio, c[0], 1);
      if (!why) why = read_sum(&r, &g->actual, c[0], 0);
      if (!why) {
        om_status st = om_qsketch_decode(&r, &out->abs_err, err);
        if (st == OM_NOMEM) {
          st_mstate_free(out);
          return st;
        }
        if (st != OM_OK) why = err->msg; /* "quantile sketch: <reason>", copied below */
        else if (out->abs_err.m != 100) why = "sketch of another accuracy";
        else if (out->abs_err.neg.total) why = "negative absolute errors";
        else if (om_qsketch_count(&out->abs_err) != c[0] - c[3]) why = "sketch count mismatch";
      }
    }
  } else {
    st_classification_acc *c = &out->cls;
    uint64_t v[5];
    c->threshold = om_rbuf_f64(&r);
    for (int i = 0; i < 5; i++) v[i] = om_rbuf_u64(&r);
    if (!om_rbuf_ok(&r)) why = "truncated";
    else if (!(c->threshold > 0 && c->threshold < 1)) why = "threshold out of range";
    else if (v[0] < 1 || v[0] > (uint64_t)INT64_MAX || v[1] > v[0] || v[2] > v[0] - v[1] || v[3] > v[0] - v[1] - v[2] ||
             v[4] != v[0] - v[1] - v[2] - v[3])
      why = "bad counts";
    else {
      c->n = (int64_t)v[0];
      c->tp = (int64_t)v[1];
      c->fp = (int64_t)v[2];
      c->tn = (int64_t)v[3];
      c->fn = (int64_t)v[4];
      why = read_sum(&r, &c->logloss, v[0], 1);
      if (!why) why = read_sum(&r, &c->dev, v[0], 0);
      if (!why) why = read_auc(&r, out, err, &nomem);
      if (nomem != OM_OK) {
        st_mstate_free(out);
        return om_errf(err, OM_NOMEM, "out of memory");
      }
    }
  }
  if (!why && r.left) why = "trailing bytes";
  if (why) {
    char buf[128]; /* why may point into err->msg, which CORRUPT rewrites */
    size_t l = strlen(why);
    if (l >= sizeof buf) l = sizeof buf - 1;
    memcpy(buf, why, l);
    buf[l] = '\0';
    st_mstate_free(out);
    return CORRUPT(buf);
  }
  return OM_OK;
}

/* ----------------------------------------------------------- envelope */

om_status st_mstate_write(const st_mstate *s, om_wbuf *w, om_err *err) {
  om_wbuf pay, opt, met;
  om_jw j;
  mdl_meta meta;
  om_status st;
  uint64_t rows = (uint64_t)st_mstate_rows(s);
  om_wbuf_init(&pay);
  om_wbuf_init(&opt);
  om_wbuf_init(&met);
  st = st_mstate_encode(s, &pay, err);
  if (st != OM_OK) goto done;
  om_jw_init(&j, &opt);
  om_jw_begin_object(&j);
  om_jw_key(&j, "function");
  om_jw_string(&j, st_mstate_fn_name(s->fn));
  if (s->fn == ST_MS_CLASSIFICATION) {
    om_jw_key(&j, "threshold");
    om_jw_double(&j, s->cls.threshold);
  }
  om_jw_end_object(&j);
  om_jw_init(&j, &met);
  om_jw_begin_object(&j);
  om_jw_key(&j, "rows");
  om_jw_uint(&j, rows);
  om_jw_end_object(&j);
  if (om_wbuf_status(&opt) != OM_OK || om_wbuf_status(&met) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = rows;
  meta.options_json = (const char *)opt.data;
  meta.options_len = opt.len;
  meta.metrics_json = (const char *)met.data;
  meta.metrics_len = met.len;
  st = mdl_write(w, MDL_KIND_METRICS_STATE, ST_MSTATE_PAYLOAD_VERSION, NULL, 0, &meta, pay.data, pay.len, err);
done:
  om_wbuf_free(&pay);
  om_wbuf_free(&opt);
  om_wbuf_free(&met);
  return st;
}

om_status st_mstate_info(const st_mstate *s, om_jw *j, om_err *err) {
  (void)err;
  om_jw_key(j, "function");
  om_jw_string(j, st_mstate_fn_name(s->fn));
  om_jw_key(j, "rows");
  om_jw_int(j, st_mstate_rows(s));
  if (s->fn == ST_MS_REGRESSION) {
    om_jw_key(j, "medae_relative_error");
    om_jw_double(j, om_qsketch_alpha(&s->abs_err));
  } else if (s->fn == ST_MS_CLASSIFICATION) {
    om_jw_key(j, "threshold");
    om_jw_double(j, s->cls.threshold);
    om_jw_key(j, "auc_mode");
    om_jw_string(j, s->auc.bucketed ? "bucketed" : "exact");
    om_jw_key(j, "auc_error_bound");
    om_jw_double(j, st_mstate_auc_bound(s));
  }
  return OM_OK;
}
