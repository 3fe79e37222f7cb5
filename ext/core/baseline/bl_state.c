/*
** bl_state.c — the baseline_state accumulator, merge, codec and the job
** baseline it finishes into; the spec (byte map, numbered behaviours, the
** error bound of the sketched statistics) is the header comment of
** bl_state.h.
*/
#include "bl_state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/om_json.h"

static const char BLS_VALUE_NAME[] = "value"; /* bl_accum_add_value's feature */

void bl_state_init(bl_state *s, const bl_options *opt) {
  bl_options d;
  memset(s, 0, sizeof *s);
  if (!opt) {
    bl_options_default(&d);
    opt = &d;
  }
  s->threshold = opt->threshold;
  s->constant_cv = opt->constant_cv;
  s->seed = opt->seed;
}

static void sfeat_free(bl_sfeat *f) {
  om_free(f->name);
  om_free(f->sums);
  om_qsketch_free(&f->sk);
}

void bl_state_free(bl_state *s) {
  for (size_t i = 0; i < s->n_feats; i++) sfeat_free(&s->feats[i]);
  om_free(s->feats);
  memset(s, 0, sizeof *s);
}

void bl_state_skip(bl_state *s) { s->rows_skipped++; }

/* Insert a new feature (no values) named (name, len) at position pos. */
static om_status feat_insert(bl_state *s, size_t pos, const char *name, size_t len, om_err *err) {
  bl_sfeat *f;
  om_status st;
  if (s->n_feats >= FV_MAX_COUNT) return om_errf(err, OM_INVALID, "more than %d distinct features", FV_MAX_COUNT);
  if (s->n_feats == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    bl_sfeat *p = om_realloc(s->feats, cap * sizeof *p);
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    s->feats = p;
    s->cap = cap;
  }
  f = &s->feats[pos];
  memmove(f + 1, f, (s->n_feats - pos) * sizeof *f);
  memset(f, 0, sizeof *f);
  f->name = om_malloc(len ? len : 1);
  if (!f->name) {
    memmove(f, f + 1, (s->n_feats - pos) * sizeof *f);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  memcpy(f->name, name, len);
  f->name_len = len;
  if ((st = om_qsketch_init(&f->sk, BL_STATE_ALPHA, err)) != OM_OK) { /* allocates nothing */
    om_free(f->name);
    memmove(f, f + 1, (s->n_feats - pos) * sizeof *f);
    return st;
  }
  s->n_feats++;
  return OM_OK;
}

/* Position of name at or after from, inserting it if new. */
static om_status feat_find(bl_state *s, size_t from, const char *name, size_t len, size_t *pos, om_err *err) {
  size_t p = from;
  int c = 1;
  while (p < s->n_feats && (c = fv_name_cmp(s->feats[p].name, s->feats[p].name_len, name, len)) < 0) p++;
  if (p == s->n_feats || c != 0) {
    om_status st = feat_insert(s, p, name, len, err);
    if (st != OM_OK) return st;
  }
  *pos = p;
  return OM_OK;
}

static om_status feat_add(bl_sfeat *f, double x, om_err *err) {
  om_status st;
  x += 0.0; /* -0.0 counts as 0.0 */
  if (!f->sums && !(f->sums = om_calloc(1, sizeof *f->sums))) return om_errf(err, OM_NOMEM, "out of memory");
  if ((st = om_qsketch_add(&f->sk, x, 1, err)) != OM_OK) return st; /* unchanged on failure */
  if ((st = om_xsum_add(f->sums, x, err)) != OM_OK) return st;      /* x is finite: cannot fail */
  f->n++;
  return OM_OK;
}

om_status bl_state_add_value(bl_state *s, double x, om_err *err) {
  size_t pos;
  om_status st;
  if (s->rows_used >= (uint64_t)INT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  if ((st = feat_find(s, 0, BLS_VALUE_NAME, sizeof BLS_VALUE_NAME - 1, &pos, err)) != OM_OK) return st;
  if ((st = feat_add(&s->feats[pos], x, err)) != OM_OK) return st;
  s->rows_used++;
  return OM_OK;
}

om_status bl_state_add_fv(bl_state *s, const void *blob, size_t n, om_err *err) {
  fv_reader it;
  fv_entry e;
  om_status st;
  size_t pos = 0;
  if (s->rows_used >= (uint64_t)INT64_MAX) return om_errf(err, OM_INVALID, "too many rows");
  if ((st = fv_validate(blob, n, err)) != OM_OK) return st;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err))
    if (e.type == FV_CATEGORICAL)
      return om_errf(err, OM_INVALID,
                     "feature \"%.*s\" is categorical; a baseline summarises numeric features only (leave it out "
                     "of the vector)",
                     (int)e.name_len, e.name);
  if (st != OM_OK) return st;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err)) {
    if ((st = feat_find(s, pos, e.name, e.name_len, &pos, err)) != OM_OK) return st;
    if (e.type == FV_NUMERIC && (st = feat_add(&s->feats[pos], e.num, err)) != OM_OK) return st;
    pos++;
  }
  if (st != OM_OK) return st;
  s->rows_used++;
  return OM_OK;
}

/* ---------------------------------------------------------------- merge */

om_status bl_state_merge(bl_state *dst, const bl_state *src, om_err *err) {
  om_status st;
  size_t i;
  if (dst->threshold != src->threshold || dst->constant_cv != src->constant_cv || dst->seed != src->seed)
    return om_errf(err, OM_INVALID,
                   "states have different options: threshold %.17g, constant_cv %.17g, seed %llu and threshold "
                   "%.17g, constant_cv %.17g, seed %llu; merge states made with the same options",
                   dst->threshold, dst->constant_cv, (unsigned long long)dst->seed, src->threshold, src->constant_cv,
                   (unsigned long long)src->seed);
  if (dst->rows_used > (uint64_t)INT64_MAX - src->rows_used || dst->rows_skipped > UINT64_MAX - src->rows_skipped)
    return om_errf(err, OM_INVALID, "too many rows");
  if (dst->n_feats && src->n_feats) { /* the same names (behaviour 2) */
    size_t a = 0, b = 0;
    while (a < dst->n_feats || b < src->n_feats) {
      int c = a == dst->n_feats   ? 1
              : b == src->n_feats ? -1
                                  : fv_name_cmp(dst->feats[a].name, dst->feats[a].name_len, src->feats[b].name,
                                                src->feats[b].name_len);
      if (c != 0) {
        const bl_sfeat *f = c < 0 ? &dst->feats[a] : &src->feats[b];
        return om_errf(err, OM_INVALID, "states have different features: '%.*s' is in one and not the other",
                       (int)f->name_len, f->name);
      }
      a++, b++;
    }
  } else if (!dst->n_feats) {
    for (i = 0; i < src->n_feats; i++)
      if ((st = feat_insert(dst, i, src->feats[i].name, src->feats[i].name_len, err)) != OM_OK) return st;
  }
  for (i = 0; i < src->n_feats; i++) {
    bl_sfeat *d = &dst->feats[i];
    const bl_sfeat *f = &src->feats[i];
    if (f->n == 0) continue;
    if (!f->sums) return om_errf(err, OM_INTERNAL, "baseline_state sums missing");
    if (!d->sums && !(d->sums = om_calloc(1, sizeof *d->sums))) return om_errf(err, OM_NOMEM, "out of memory");
    if ((st = om_qsketch_merge(&d->sk, &f->sk, err)) != OM_OK) return st;
    if ((st = om_xsum_merge(d->sums, f->sums, err)) != OM_OK) return st;
    d->n += f->n;
  }
  dst->rows_used += src->rows_used;
  dst->rows_skipped += src->rows_skipped;
  return OM_OK;
}

/* ------------------------------------------------- sketched statistics */

static void push(double *val, uint64_t *cnt, size_t *k, double v, uint64_t c) {
  if (c == 0) return;
  if (*k && val[*k - 1] == v) cnt[*k - 1] += c;
  else {
    val[*k] = v;
    cnt[(*k)++] = c;
  }
}

om_status bl_sketch_values(const om_qsketch *s, double **val, uint64_t **cnt, size_t *k, om_err *err) {
  uint64_t n = om_qsketch_count(s);
  size_t cap = 3, m = 0, i;
  double *v;
  uint64_t *c;
  *val = NULL;
  *cnt = NULL;
  *k = 0;
  if (n == 0) return OM_OK;
  for (i = 0; i < s->neg.len; i++) cap += s->neg.c[i] != 0;
  for (i = 0; i < s->pos.len; i++) cap += s->pos.c[i] != 0;
  v = om_malloc_array(cap, sizeof *v);
  c = om_malloc_array(cap, sizeof *c);
  if (!v || !c) {
    om_free(v);
    om_free(c);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  /* rank 0 is min exactly, rank n - 1 max exactly (om_qsketch.h 6) */
  push(v, c, &m, s->min, 1);
  {
    uint64_t skip_lo = 1, skip_hi = n > 1 ? 1 : 0; /* ranks taken by min and max */
    double a;
    for (i = s->neg.len; i-- > 0;) {
      uint64_t q = s->neg.c[i], t;
      if (!q) continue;
      t = q < skip_lo ? q : skip_lo;
      q -= t, skip_lo -= t;
      a = -om_qsketch_bucket_value(s->m, s->neg.lo + (int32_t)i);
      a = a < s->min ? s->min : a > s->max ? s->max : a;
      push(v, c, &m, a, q);
    }
    if (s->zero) {
      uint64_t q = s->zero, t = q < skip_lo ? q : skip_lo;
      q -= t, skip_lo -= t;
      push(v, c, &m, 0.0 < s->min ? s->min : 0.0 > s->max ? s->max : 0.0, q);
    }
    for (i = 0; i < s->pos.len; i++) {
      uint64_t q = s->pos.c[i], t;
      if (!q) continue;
      t = q < skip_lo ? q : skip_lo;
      q -= t, skip_lo -= t;
      a = om_qsketch_bucket_value(s->m, s->pos.lo + (int32_t)i);
      a = a < s->min ? s->min : a > s->max ? s->max : a;
      push(v, c, &m, a, q);
    }
    /* the last rank is max: take one from the top entry */
    if (skip_hi) {
      if (c[m - 1] == 1) m--;
      else c[m - 1]--;
      push(v, c, &m, s->max, 1);
    }
  }
  *val = v;
  *cnt = c;
  *k = m;
  return OM_OK;
}

typedef struct dev_pair {
  double d;
  uint64_t c;
} dev_pair;

static int cmp_dev(const void *x, const void *y) {
  double a = ((const dev_pair *)x)->d, b = ((const dev_pair *)y)->d;
  return (a > b) - (a < b);
}

/* The deviation of rank r of sorted pairs p[0..k). */
static double dev_at(const dev_pair *p, size_t k, uint64_t r) {
  uint64_t seen = 0;
  for (size_t i = 0; i < k; i++) {
    seen += p[i].c;
    if (r < seen) return p[i].d;
  }
  return p[k - 1].d;
}

int bl_sketch_mad(const double *val, const uint64_t *cnt, size_t k, uint64_t n, double med, double *mad,
                  double *meanad) {
  dev_pair *p;
  int half = 0;
  uint64_t seen = 0, lo;
  double pos, frac, a, b, r;
  *mad = *meanad = 0;
  if (k == 0 || n == 0) return 0;
  p = om_malloc_array(k, sizeof *p);
  if (!p) return -1;
  for (size_t i = 0; i < k; i++)
    if (!isfinite(fabs(val[i] - med))) half = 1;
  for (size_t i = 0; i < k; i++) {
    p[i].d = half ? fabs(val[i] * 0.5 - med * 0.5) : fabs(val[i] - med);
    p[i].c = cnt[i];
  }
  /* MeanAD: a running mean weighted by the counts (no overflowing sum) */
  for (size_t i = 0; i < k; i++) {
    seen += p[i].c;
    *meanad += (p[i].d - *meanad) * ((double)p[i].c / (double)seen);
  }
  qsort(p, k, sizeof *p, cmp_dev);
  /* MAD: numpy.percentile(deviations, 50), 'linear' */
  pos = 0.5 * (double)(n - 1);
  lo = (uint64_t)pos;
  frac = pos - (double)lo;
  a = dev_at(p, k, lo);
  if (lo >= n - 1 || frac == 0) r = a;
  else {
    b = dev_at(p, k, lo + 1);
    r = a + frac * (b - a);
  }
  *mad = r;
  om_free(p);
  if (half) {
    *mad *= 2;
    *meanad *= 2;
  }
  return !isfinite(*mad) || !isfinite(*meanad);
}

/* ---------------------------------------------------------------- model */

static om_status too_large(const bl_sfeat *f, const char *what, om_err *err) {
  return om_errf(err, OM_INVALID,
                 "feature \"%.*s\" has values too large for a baseline (its %s is beyond ±1.8e308; rescale the "
                 "feature)",
                 (int)f->name_len, f->name, what);
}

/* Behaviour 3 for one feature. */
static om_status feat_summarise(const bl_sfeat *f, const bl_model *m, bl_feat *o, om_err *err) {
  om_xsum t;
  size_t i;
  double run;
  memset(o, 0, sizeof *o);
  if (f->n == 0) return OM_OK; /* source NONE, all zeros */
  o->n = o->n_kept = f->n;
  o->min = f->sk.min;
  o->max = f->sk.max;
  t = *f->sums;
  om_xsum_mean_sd(&t, 0, &o->mean, &o->sd);
  if (!isfinite(o->sd)) return too_large(f, "standard deviation", err);
  if (!isfinite(o->mean)) return too_large(f, "mean", err);
  if (o->mean < o->min) o->mean = o->min;
  if (o->mean > o->max) o->mean = o->max;
  if (o->min == o->max) { /* every value equal: exact */
    o->median = o->min;
    for (i = 0; i < m->n_levels; i++) o->q[i] = o->min;
    o->mad = o->meanad = 0;
  } else {
    double *val;
    uint64_t *cnt;
    size_t k;
    int bad;
    om_status st;
    o->median = om_qsketch_quantile(&f->sk, 0.5);
    for (i = 0; i < m->n_levels; i++) o->q[i] = om_qsketch_quantile(&f->sk, m->levels[i]);
    /* monotone in the level, the median in its place, all within [min, max] (bl_train.c 3) */
    run = o->min;
    for (i = 0; i < m->n_levels && m->levels[i] < 0.5; i++) {
      if (o->q[i] < run) o->q[i] = run;
      run = o->q[i];
    }
    if (o->median < run) o->median = run;
    if (o->median > o->max) o->median = o->max;
    run = o->median;
    for (; i < m->n_levels; i++) {
      if (o->q[i] < run) o->q[i] = run;
      if (o->q[i] > o->max) o->q[i] = o->max;
      run = o->q[i];
    }
    for (i = 0; i < m->n_levels && m->levels[i] < 0.5; i++)
      if (o->q[i] > o->median) o->q[i] = o->median;
    if ((st = bl_sketch_values(&f->sk, &val, &cnt, &k, err)) != OM_OK) return st;
    bad = bl_sketch_mad(val, cnt, k, f->n, o->median, &o->mad, &o->meanad);
    om_free(val);
    om_free(cnt);
    if (bad < 0) return om_errf(err, OM_NOMEM, "out of memory");
    if (bad) return too_large(f, !isfinite(o->mad) ? "MAD" : "mean absolute deviation", err);
  }
  bl_feat_plain(o, m->constant_cv);
  if (!isfinite(o->scale)) return too_large(f, "scale", err);
  return OM_OK;
}

om_status bl_state_model(const bl_state *s, om_wbuf *w, om_err *err) {
  bl_model m;
  om_wbuf opts, met;
  om_jw j;
  mdl_meta meta;
  om_status st = OM_OK;
  size_t i;
  memset(&m, 0, sizeof m);
  om_wbuf_init(&opts);
  om_wbuf_init(&met);
  m.role = BL_ROLE_JOB;
  m.threshold = s->threshold;
  m.constant_cv = s->constant_cv;
  m.n_levels = BL_N_LEVELS_V1;
  memcpy(m.levels, bl_levels_v1, sizeof bl_levels_v1);
  m.n_features = (uint32_t)s->n_feats;
  if (s->n_feats) {
    m.names = om_calloc(s->n_feats, sizeof *m.names);
    m.feats = om_calloc(s->n_feats, sizeof *m.feats);
    if (!m.names || !m.feats) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
  }
  for (i = 0; i < s->n_feats; i++) {
    m.names[i].name = s->feats[i].name;
    m.names[i].name_len = s->feats[i].name_len;
    m.names[i].type = FV_NUMERIC;
    if ((st = feat_summarise(&s->feats[i], &m, &m.feats[i], err)) != OM_OK) goto done;
  }
  om_jw_init(&j, &opts);
  om_jw_begin_object(&j);
  om_jw_key(&j, "threshold");
  om_jw_double(&j, s->threshold);
  om_jw_key(&j, "constant_cv");
  om_jw_double(&j, s->constant_cv);
  om_jw_key(&j, "seed");
  om_jw_uint(&j, s->seed);
  om_jw_end_object(&j);
  om_jw_init(&j, &met);
  om_jw_begin_object(&j);
  om_jw_key(&j, "sketch_alpha");
  om_jw_double(&j, BL_STATE_ALPHA);
  om_jw_end_object(&j);
  if (om_wbuf_status(&opts) != OM_OK || om_wbuf_status(&met) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = s->rows_used;
  meta.rows_skipped = s->rows_skipped;
  meta.seed = s->seed;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  meta.metrics_json = (const char *)met.data;
  meta.metrics_len = met.len;
  st = bl_write(&m, &meta, w, err);
  if (st == OM_OK) { /* what we return loads (bl_train.c 4) */
    mdl_view v;
    bl_model *check = NULL;
    om_err inner;
    st = bl_open(w->data, w->len, &v, &check, &inner);
    if (st == OM_NOMEM) st = om_errf(err, OM_NOMEM, "out of memory");
    else if (st != OM_OK) st = om_errf(err, OM_INVALID, "the merged baseline would not load (%s)", inner.msg);
    else {
      bl_model_free(check);
      mdl_view_free(&v);
    }
  }
done:
  om_free(m.names);
  om_free(m.feats);
  om_wbuf_free(&opts);
  om_wbuf_free(&met);
  return st;
}

/* ---------------------------------------------------------------- codec */

om_status bl_state_encode(const bl_state *s, om_wbuf *w, om_err *err) {
  om_status st;
  om_wbuf_f64(w, s->threshold);
  om_wbuf_f64(w, s->constant_cv);
  om_wbuf_u64(w, s->seed);
  om_wbuf_u64(w, s->rows_used);
  om_wbuf_u64(w, s->rows_skipped);
  om_wbuf_u32(w, (uint32_t)s->n_feats);
  om_wbuf_u32(w, 0);
  for (size_t i = 0; i < s->n_feats; i++) {
    const bl_sfeat *f = &s->feats[i];
    om_wbuf_u64(w, f->n);
    if (f->n == 0) continue;
    if (!f->sums) return om_errf(err, OM_INTERNAL, "baseline_state sums missing");
    om_xsum_encode(f->sums, w);
    if ((st = om_qsketch_encode(&f->sk, w, err)) != OM_OK) return st;
  }
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

#define CORRUPT(why) om_errf(err, OM_CORRUPT, "baseline_state payload is corrupt (%s)", why)

static int options_ok(double threshold, double cv, uint64_t seed) {
  return threshold > 0 && threshold <= BL_MAX_THRESHOLD && cv > 0 && cv <= 1 && seed <= (UINT64_C(1) << 53);
}

static om_status decode_feature(om_rbuf *r, uint32_t want_m, uint64_t rows, bl_sfeat *f, om_err *err) {
  const char *why;
  om_err inner;
  om_status st;
  double mean, sd, half_range;
  f->n = om_rbuf_u64(r);
  if (!om_rbuf_ok(r)) return CORRUPT("truncated");
  if (f->n > rows) return CORRUPT("bad feature count");
  if (f->n == 0) return OM_OK;
  if (!(f->sums = om_malloc(sizeof *f->sums))) return om_errf(err, OM_NOMEM, "out of memory");
  if ((why = om_xsum_decode(r, f->sums, 0)) != NULL) return CORRUPT(why);
  if ((uint64_t)f->sums->n != f->n) return CORRUPT("sums count differs");
  om_qsketch_free(&f->sk);
  st = om_qsketch_decode(r, &f->sk, &inner);
  if (st == OM_NOMEM) return om_errf(err, OM_NOMEM, "out of memory");
  if (st != OM_OK) return CORRUPT(inner.msg);
  if (f->sk.m != want_m) return CORRUPT("sketch accuracy differs");
  if (om_qsketch_count(&f->sk) != f->n) return CORRUPT("sketch count differs");
  /* the sums must describe values within [min, max] */
  {
    om_xsum t = *f->sums;
    om_xsum_mean_sd(&t, 0, &mean, &sd);
  }
  half_range = 0.5 * f->sk.max - 0.5 * f->sk.min;
  if (!(mean >= f->sk.min - fabs(f->sk.min) * 1e-12 && mean <= f->sk.max + fabs(f->sk.max) * 1e-12) ||
      !(sd >= 0 && sd <= half_range * (1 + 1e-12) + 1e-300))
    return CORRUPT("sums do not match min and max");
  return OM_OK;
}

om_status bl_state_decode(const mdl_view *v, bl_state *out, om_err *err) {
  om_rbuf r;
  uint32_t nf, res, want_m;
  om_qsketch probe;
  om_status st;
  memset(out, 0, sizeof *out);
  if ((st = om_qsketch_init(&probe, BL_STATE_ALPHA, err)) != OM_OK) return st;
  want_m = probe.m;
  om_rbuf_init(&r, v->payload, v->payload_len);
  out->threshold = om_rbuf_f64(&r);
  out->constant_cv = om_rbuf_f64(&r);
  out->seed = om_rbuf_u64(&r);
  out->rows_used = om_rbuf_u64(&r);
  out->rows_skipped = om_rbuf_u64(&r);
  nf = om_rbuf_u32(&r);
  res = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
  if (res) return CORRUPT("non-zero reserved bytes");
  if (!options_ok(out->threshold, out->constant_cv, out->seed)) return CORRUPT("options out of range");
  if (nf != v->n_features) return CORRUPT("feature count differs from the schema");
  if (out->rows_used != v->meta.rows_used || out->rows_skipped != v->meta.rows_skipped ||
      out->rows_used > (uint64_t)INT64_MAX || out->seed != v->meta.seed)
    return CORRUPT("row counts or seed differ from the envelope");
  if (nf > r.left / 8) return CORRUPT("truncated");
  for (uint32_t i = 0; i < nf; i++) {
    if (v->features[i].type != FV_NUMERIC) {
      st = CORRUPT("a feature is not numeric");
      goto fail;
    }
    if ((st = feat_insert(out, i, v->features[i].name, v->features[i].name_len, err)) != OM_OK) goto fail;
    if ((st = decode_feature(&r, want_m, out->rows_used, &out->feats[i], err)) != OM_OK) goto fail;
  }
  if (r.left) {
    st = CORRUPT("trailing bytes");
    goto fail;
  }
  return OM_OK;
fail:
  bl_state_free(out);
  return st;
}

om_status bl_state_write(const bl_state *s, om_wbuf *w, om_err *err) {
  om_wbuf pay, opt;
  om_jw j;
  mdl_meta meta;
  mdl_feature *feats = NULL;
  om_status st;
  om_wbuf_init(&pay);
  om_wbuf_init(&opt);
  if (s->n_feats && !(feats = om_calloc(s->n_feats, sizeof *feats))) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < s->n_feats; i++) {
    feats[i].name = s->feats[i].name;
    feats[i].name_len = s->feats[i].name_len;
    feats[i].type = FV_NUMERIC;
  }
  if ((st = bl_state_encode(s, &pay, err)) != OM_OK) goto done;
  om_jw_init(&j, &opt);
  om_jw_begin_object(&j);
  om_jw_key(&j, "threshold");
  om_jw_double(&j, s->threshold);
  om_jw_key(&j, "constant_cv");
  om_jw_double(&j, s->constant_cv);
  om_jw_key(&j, "seed");
  om_jw_uint(&j, s->seed);
  om_jw_end_object(&j);
  if (om_wbuf_status(&opt) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = s->rows_used;
  meta.rows_skipped = s->rows_skipped;
  meta.seed = s->seed;
  meta.options_json = (const char *)opt.data;
  meta.options_len = opt.len;
  st = mdl_write(w, MDL_KIND_BASELINE_STATE, BL_STATE_PAYLOAD_VERSION, feats, (uint32_t)s->n_feats, &meta, pay.data,
                 pay.len, err);
done:
  om_free(feats);
  om_wbuf_free(&pay);
  om_wbuf_free(&opt);
  return st;
}

om_status bl_state_info(const bl_state *s, om_jw *j, om_err *err) {
  (void)err;
  om_jw_key(j, "threshold");
  om_jw_double(j, s->threshold);
  om_jw_key(j, "constant_cv");
  om_jw_double(j, s->constant_cv);
  om_jw_key(j, "seed");
  om_jw_uint(j, s->seed);
  om_jw_key(j, "sketch_alpha");
  om_jw_double(j, BL_STATE_ALPHA);
  om_jw_key(j, "features");
  om_jw_begin_array(j);
  for (size_t i = 0; i < s->n_feats; i++) {
    om_jw_begin_object(j);
    om_jw_key(j, "feature");
    om_jw_string_n(j, s->feats[i].name, s->feats[i].name_len);
    om_jw_key(j, "n");
    om_jw_uint(j, s->feats[i].n);
    om_jw_end_object(j);
  }
  om_jw_end_array(j);
  return OM_OK;
}
