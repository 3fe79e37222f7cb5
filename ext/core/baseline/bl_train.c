/*
** bl_train.c — the baseline accumulator: values in, a job baseline out (the
** spec is bl.h; numbers below cite its behaviours).
**
** Behaviours:
**   1. A feature vector is validated whole before any of it is added, so a
**      corrupt or refused row (a categorical entry, bl.h 6) changes nothing.
**   2. Every value updates n, min, max and Welford's mean and M2 (plus the
**      same on x·2^-BL_SHIFT, exact for |x| >= 2^-222, used only when the plain
**      sums overflow); the first max_values are kept, later ones replace a
**      kept value with probability max_values/n (algorithm R, bl.h 2).
**   3. finish sorts each feature's kept values once: median and quantiles
**      by linear interpolation (numpy.percentile), then |x - median| in the
**      same array, sorted again for the MAD; MeanAD is a running mean of
**      those deviations (no overflowing sum).  A deviation that overflows
**      makes every deviation be computed on halves and the results doubled.
**      The median and quantiles are made monotone in their level and kept
**      within [min, max] (a rounding of one ulp at most), the mean within
**      [min, max], so what the decoder checks (bl.h 8) always holds.
**   4. The envelope written is decoded with bl_open before finish returns:
**      a model that would not load is an error, never a BLOB.
*/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/om_json.h"
#include "bl.h"

#define BL_SHIFT 800 /* 2^-800: |x| <= 1.8e308 becomes <= 2.7e67, whose squares sum safely */

void bl_options_default(bl_options *o) {
  o->threshold = BL_DEFAULT_THRESHOLD;
  o->constant_cv = BL_DEFAULT_CONSTANT_CV;
  o->max_values = BL_DEFAULT_MAX_VALUES;
  o->seed = 0;
}

void bl_accum_init(bl_accum *a, const bl_options *opt) {
  memset(a, 0, sizeof *a);
  if (opt) a->opt = *opt;
  else bl_options_default(&a->opt);
}

void bl_accum_free(bl_accum *a) {
  for (size_t i = 0; i < a->n_cols; i++) {
    om_free(a->cols[i].name);
    om_free(a->cols[i].vals);
  }
  om_free(a->cols);
  memset(a, 0, sizeof *a);
}

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* FNV-1a of the name: the reservoir stream of a feature does not depend on
** the order in which features first appeared. */
static uint64_t name_hash(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h;
}

static om_status col_insert(bl_accum *a, size_t pos, const char *name, size_t len, om_err *err) {
  bl_col *c;
  char *copy;
  if (a->n_cols >= FV_MAX_COUNT) return om_errf(err, OM_INVALID, "more than %d distinct features", FV_MAX_COUNT);
  if (a->n_cols == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8;
    bl_col *p = om_realloc(a->cols, cap * sizeof *p);
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    a->cols = p;
    a->cap = cap;
  }
  copy = om_malloc(len ? len : 1);
  if (!copy) return om_errf(err, OM_NOMEM, "out of memory");
  memcpy(copy, name, len);
  memmove(a->cols + pos + 1, a->cols + pos, (a->n_cols - pos) * sizeof *a->cols);
  c = &a->cols[pos];
  memset(c, 0, sizeof *c);
  c->name = copy;
  c->name_len = len;
  c->min = INFINITY;
  c->max = -INFINITY;
  c->rng = a->opt.seed ^ name_hash(name, len);
  a->n_cols++;
  return OM_OK;
}

/* Position of name in the sorted columns, inserting it if new. */
static om_status col_find(bl_accum *a, size_t from, const char *name, size_t len, size_t *pos, om_err *err) {
  size_t p = from;
  int c = 1;
  while (p < a->n_cols && (c = fv_name_cmp(a->cols[p].name, a->cols[p].name_len, name, len)) < 0) p++;
  if (p == a->n_cols || c != 0) {
    om_status st = col_insert(a, p, name, len, err);
    if (st != OM_OK) return st;
  }
  *pos = p;
  return OM_OK;
}

/* Behaviour 2.  On OM_NOMEM the column is unchanged. */
static om_status col_add(bl_col *c, uint64_t max_values, double x, om_err *err) {
  if (c->len < max_values) {
    if (c->len == c->cap) {
      size_t cap = c->cap ? c->cap * 2 : 16;
      double *p;
      if (cap > max_values) cap = (size_t)max_values;
      p = om_realloc(c->vals, cap * sizeof *p);
      if (!p) return om_errf(err, OM_NOMEM, "out of memory");
      c->vals = p;
      c->cap = cap;
    }
    c->vals[c->len++] = x;
  } else {
    uint64_t j = splitmix64(&c->rng) % (c->n + 1); /* c->n + 1: this value's rank */
    if (j < max_values) c->vals[j] = x;
  }
  c->n++;
  {
    double d = x - c->mean;
    c->mean += d / (double)c->n;
    c->m2 += d * (x - c->mean);
  }
  {
    double s = ldexp(x, -BL_SHIFT), d = s - c->smean;
    c->smean += d / (double)c->n;
    c->sm2 += d * (s - c->smean);
  }
  if (x < c->min) c->min = x;
  if (x > c->max) c->max = x;
  return OM_OK;
}

static const char BL_VALUE_NAME[] = "value";

om_status bl_accum_add_value(bl_accum *a, double x, om_err *err) {
  size_t pos;
  om_status st = col_find(a, 0, BL_VALUE_NAME, sizeof BL_VALUE_NAME - 1, &pos, err);
  if (st != OM_OK) return st;
  st = col_add(&a->cols[pos], a->opt.max_values, x + 0.0, err); /* -0.0 counts as 0.0, as in fv.h 1b */
  if (st == OM_OK) a->rows_used++;
  return st;
}

om_status bl_accum_add_fv(bl_accum *a, const void *blob, size_t n, om_err *err) {
  fv_reader it;
  fv_entry e;
  om_status st;
  size_t pos = 0;
  /* Behaviour 1: check the whole vector first. */
  if ((st = fv_validate(blob, n, err)) != OM_OK) return st;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err))
    if (e.type == FV_CATEGORICAL)
      return om_errf(err, OM_INVALID,
                     "feature \"%.*s\" is categorical; a baseline summarises numeric features only (leave it out "
                     "of the vector)",
                     (int)e.name_len, e.name);
  if (st != OM_OK) return st;
  /* New names first, so that a failed insertion leaves no value half-added. */
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err)) {
    if ((st = col_find(a, pos, e.name, e.name_len, &pos, err)) != OM_OK) return st;
    pos++;
  }
  if (st != OM_OK) return st;
  /* Then the values; only the vals array can fail to grow, which is undone. */
  pos = 0;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err)) {
    while (fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, e.name, e.name_len) < 0) pos++;
    if (e.type == FV_NUMERIC) {
      bl_col *c = &a->cols[pos];
      if (c->len < a->opt.max_values && c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        double *p;
        if (cap > a->opt.max_values) cap = (size_t)a->opt.max_values;
        p = om_realloc(c->vals, cap * sizeof *p);
        if (!p) goto nomem;
        c->vals = p;
        c->cap = cap;
      }
    }
    pos++;
  }
  pos = 0;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  while (fv_next(&it, &e, &st, err)) {
    while (fv_name_cmp(a->cols[pos].name, a->cols[pos].name_len, e.name, e.name_len) < 0) pos++;
    if (e.type == FV_NUMERIC) {
      st = col_add(&a->cols[pos], a->opt.max_values, e.num, err); /* has room: cannot fail */
      if (st != OM_OK) return st;
    }
    pos++;
  }
  if (st != OM_OK) return st;
  a->rows_used++;
  return OM_OK;
nomem:
  return om_errf(err, OM_NOMEM, "out of memory");
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* numpy.percentile(v, 100·q) ('linear') of sorted v[0..n-1], 0 <= q <= 1. */
static double percentile_sorted(const double *v, size_t n, double q) {
  double pos = q * (double)(n - 1), frac, r;
  size_t lo = (size_t)pos;
  if (lo >= n - 1) return v[n - 1];
  frac = pos - (double)lo;
  r = v[lo] + frac * (v[lo + 1] - v[lo]);
  /* v[lo + 1] − v[lo] overflows only for neighbours of opposite signs */
  return isfinite(r) ? r : (1 - frac) * v[lo] + frac * v[lo + 1];
}

static om_status too_large(const bl_col *c, const char *what, om_err *err) {
  return om_errf(err, OM_INVALID,
                 "feature \"%.*s\" has values too large for a baseline (its %s is beyond ±1.8e308; rescale the "
                 "feature)",
                 (int)c->name_len, c->name, what);
}

/* Behaviours 1 and 3 of bl.h, behaviour 3 above. */
static om_status col_summarise(bl_col *c, const bl_model *m, bl_feat *f, om_err *err) {
  size_t n = c->len, i;
  int half = 0;
  double run;
  memset(f, 0, sizeof *f);
  if (c->n == 0) return OM_OK; /* source NONE, all zeros */
  f->n = c->n;
  f->n_kept = n;
  f->min = c->min;
  f->max = c->max;
  f->mean = c->mean;
  f->sd = sqrt(c->m2 / (double)c->n);
  if (!isfinite(f->mean) || !isfinite(f->sd)) {
    f->mean = ldexp(c->smean, BL_SHIFT);
    f->sd = ldexp(sqrt(c->sm2 / (double)c->n), BL_SHIFT);
  }
  if (!isfinite(f->sd)) return too_large(c, "standard deviation", err);
  if (!isfinite(f->mean)) return too_large(c, "mean", err);
  if (f->mean < f->min) f->mean = f->min;
  if (f->mean > f->max) f->mean = f->max;
  qsort(c->vals, n, sizeof *c->vals, cmp_double);
  f->median = percentile_sorted(c->vals, n, 0.5);
  for (i = 0; i < m->n_levels; i++) f->q[i] = percentile_sorted(c->vals, n, m->levels[i]);
  /* monotone in the level, the median in its place, all within [min, max] */
  run = f->min;
  for (i = 0; i < m->n_levels && m->levels[i] < 0.5; i++) {
    if (f->q[i] < run) f->q[i] = run;
    run = f->q[i];
  }
  if (f->median < run) f->median = run;
  if (f->median > f->max) f->median = f->max;
  run = f->median;
  for (; i < m->n_levels; i++) {
    if (f->q[i] < run) f->q[i] = run;
    if (f->q[i] > f->max) f->q[i] = f->max;
    run = f->q[i];
  }
  for (i = 0; i < m->n_levels && m->levels[i] < 0.5; i++)
    if (f->q[i] > f->median) f->q[i] = f->median;
  /* deviations, in place */
  for (i = 0; i < n; i++)
    if (!isfinite(fabs(c->vals[i] - f->median))) half = 1;
  for (i = 0; i < n; i++)
    c->vals[i] = half ? fabs(c->vals[i] * 0.5 - f->median * 0.5) : fabs(c->vals[i] - f->median);
  f->meanad = 0;
  for (i = 0; i < n; i++) f->meanad += (c->vals[i] - f->meanad) / (double)(i + 1);
  qsort(c->vals, n, sizeof *c->vals, cmp_double);
  f->mad = percentile_sorted(c->vals, n, 0.5);
  if (half) {
    f->mad *= 2;
    f->meanad *= 2;
  }
  if (!isfinite(f->mad)) return too_large(c, "MAD", err);
  if (!isfinite(f->meanad)) return too_large(c, "mean absolute deviation", err);
  bl_feat_plain(f, m->constant_cv);
  if (!isfinite(f->scale)) return too_large(c, "scale", err);
  return OM_OK;
}

const double bl_levels_v1[BL_N_LEVELS_V1] = {0.01, 0.05, 0.25, 0.75, 0.95, 0.99};

om_status bl_accum_finish(bl_accum *a, om_wbuf *w, om_err *err) {
  bl_model m;
  om_wbuf opts;
  om_jw j;
  mdl_meta meta;
  om_status st = OM_OK;
  size_t i;
  memset(&m, 0, sizeof m);
  om_wbuf_init(&opts);
  m.role = BL_ROLE_JOB;
  m.threshold = a->opt.threshold;
  m.constant_cv = a->opt.constant_cv;
  m.n_levels = BL_N_LEVELS_V1;
  memcpy(m.levels, bl_levels_v1, sizeof bl_levels_v1);
  m.n_features = (uint32_t)a->n_cols;
  if (a->n_cols) {
    m.names = om_calloc(a->n_cols, sizeof *m.names);
    m.feats = om_calloc(a->n_cols, sizeof *m.feats);
    if (!m.names || !m.feats) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
  }
  for (i = 0; i < a->n_cols; i++) {
    m.names[i].name = a->cols[i].name;
    m.names[i].name_len = a->cols[i].name_len;
    m.names[i].type = FV_NUMERIC;
    if ((st = col_summarise(&a->cols[i], &m, &m.feats[i], err)) != OM_OK) goto done;
  }
  om_jw_init(&j, &opts);
  om_jw_begin_object(&j);
  om_jw_key(&j, "threshold");
  om_jw_double(&j, a->opt.threshold);
  om_jw_key(&j, "constant_cv");
  om_jw_double(&j, a->opt.constant_cv);
  om_jw_key(&j, "max_values");
  om_jw_uint(&j, a->opt.max_values);
  om_jw_key(&j, "seed");
  om_jw_uint(&j, a->opt.seed);
  om_jw_end_object(&j);
  if (om_wbuf_status(&opts) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = a->rows_used;
  meta.rows_skipped = a->rows_skipped;
  meta.seed = a->opt.seed;
  meta.options_json = (const char *)opts.data;
  meta.options_len = opts.len;
  st = bl_write(&m, &meta, w, err);
  if (st == OM_OK) { /* behaviour 4 */
    mdl_view v;
    bl_model *check = NULL;
    om_err inner;
    st = bl_open(w->data, w->len, &v, &check, &inner);
    if (st == OM_NOMEM) st = om_errf(err, OM_NOMEM, "out of memory");
    else if (st != OM_OK) st = om_errf(err, OM_INVALID, "the trained baseline would not load (%s)", inner.msg);
    else {
      bl_model_free(check);
      mdl_view_free(&v);
    }
  }
done:
  om_free(m.names);
  om_free(m.feats);
  om_wbuf_free(&opts);
  return st;
}
