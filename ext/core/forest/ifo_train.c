/*
** ifo_train.c — training an isolation forest from a stream of rows, as the
** SQL aggregate isolation_forest_train(features [, options]) sees them:
** one row at a time, in a deterministic order, in bounded memory.
**
** Behaviours:
**   1. Sampling.  Each tree has a reservoir of sample_size rows drawn
**      uniformly without replacement from ALL the rows added (Li's
**      Algorithm L: after the reservoir fills, the number of rows to skip
**      before the next replacement is drawn directly, so a row that no
**      reservoir wants costs one comparison).  Each reservoir uses its own
**      RNG stream (seed, tree), so tree t's sample depends only on the seed,
**      t and the row order.  With fewer rows than sample_size every tree
**      gets every row (ψ = the row count), like scikit-learn.
**   2. Score sample.  One more reservoir, of IFO_SCORE_SAMPLE rows (its own
**      stream), is scored by the finished forest to set the contamination
**      threshold (behaviour 6) and the importance (behaviour 7).
**   3. Memory.  Rows are kept once in a store shared by the reservoirs
**      (reference counted: with few rows every tree points at the same
**      copies), so at most min(rows, n_trees × sample_size +
**      IFO_SCORE_SAMPLE) rows of features × 9 bytes are kept, plus the
**      forest.  ifo_accum_init and ifo_accum_add_feature refuse (OM_INVALID)
**      options whose worst case exceeds IFO_MAX_SAMPLE_BYTES (1 GiB).
**   4. Categorical features are frequency-encoded: a category's value is
**      its share of the present values of that feature among the distinct
**      rows kept (every sampled row, all rows when there are few), and a
**      category seen fewer than IFO_CAT_MIN_COUNT (2) times there, or
**      never, is 0.  So rare and unseen categories sit at the low end and
**      isolate early, and in a column where nearly every value is unique
**      (an id) 0 is common and isolates nothing.  The model keeps the
**      sorted hash → frequency table, never the text.
**   5. finish(): ψ = min(sample_size, rows); max_depth = the option or
**      ceil(log2(max(ψ, 2))); every tree is grown by ifo_grow_tree on its
**      sample, as tasks on `threads` threads (0: online CPUs, at most 4),
**      the interrupt polled before each tree; trees are concatenated in
**      tree order, so the bytes do not depend on the thread count.
**   6. Threshold.  contamination 'auto': 0.5 (scikit-learn's offset_ =
**      −0.5).  A fraction c: the type-7 (1 − c) quantile of the scores of
**      the score sample, which is scikit-learn's −offset_ (np.percentile of
**      score_samples(X) at 100·c) computed on a uniform sample of up to
**      IFO_SCORE_SAMPLE rows instead of all of them (exactly all of them up
**      to that many rows).  The metrics report the share of the score
**      sample above the threshold (train_anomaly_fraction).
**   7. Importance gain of a feature: the mean over the top-scored rows of
**      the score sample (the ceil(c·m) highest of its m rows; c = 0.01 for
**      'auto'; at least one row) of max(0, ifo_explain(row)[f]).
**   8. Numbers: NaN is missing; values are kept as doubles and rounded to
**      float32 at finish (ifo_to_f32, saturating at ±FLT_MAX: ±Inf and
**      huge values are the most extreme values, not errors).
**   9. Metrics (flat JSON): {"rows":N,"n_trees":T,"sample_size":ψ,
**      "max_depth":D,"contamination":"auto"|c,"threshold":t,"n_nodes":K,
**      "score_sample":m,"train_anomaly_fraction":f}.
**  10. Expected range of a feature (the evidence's expected_lo/hi): Tukey's
**      fences [Q1 − 1.5·IQR, Q3 + 1.5·IQR] of its present values in the
**      score sample (type-7 quartiles), as the trees see them (float32;
**      frequencies for a categorical feature), clipped to the smallest and
**      largest value seen; NaN when it has none.  Quartiles, not extreme
**      quantiles, so that the anomalies in the sample (up to a quarter of
**      it) do not widen the range.
*/
#include "ifo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/om_json.h"

#define NONE UINT32_MAX

struct ifo_accum {
  ifo_options o;
  uint32_t n_features, cap_types;
  uint8_t *types; /* [cap_types] FV_NUMERIC / FV_CATEGORICAL */
  uint64_t n_rows;
  /* the row store (behaviour 3) */
  uint32_t stride;  /* values per stored row, ≥ n_features */
  uint32_t cap_rows, n_store;
  uint64_t *vals;   /* [cap_rows × stride]: double bits or category hash */
  uint8_t *miss;    /* [cap_rows × stride]: 1 = missing */
  uint32_t *refs;   /* [cap_rows]: reservoir slots pointing at the row (0 = free) */
  uint32_t *free_rows, n_free; /* [cap_rows] */
  /* reservoirs 0..n_trees-1 (trees) and n_trees (score sample) */
  uint32_t n_res;
  uint32_t *res_cap;   /* [n_res] capacity k */
  uint32_t *res_fill;  /* [n_res] slots filled */
  size_t *res_off;     /* [n_res] start of its slots in `slots` */
  uint32_t *slots;     /* store row of each slot */
  uint64_t *res_next;  /* [n_res] the next row index it takes */
  double *res_w;       /* [n_res] Algorithm L's W */
  ifo_rng *res_rng;    /* [n_res] */
  uint64_t next_min;   /* min of res_next */
};

uint64_t ifo_accum_rows(const ifo_accum *a) { return a->n_rows; }
uint32_t ifo_accum_n_features(const ifo_accum *a) { return a->n_features; }

/* The score sample's capacity. */
static uint32_t score_cap(void) { return IFO_SCORE_SAMPLE; }

/* Behaviour 3: the worst-case bytes with n_features features. */
static om_status check_budget(const ifo_options *o, uint32_t n_features, om_err *err) {
  double rows = (double)o->n_trees * o->sample_size + score_cap();
  double bytes = rows * (9.0 * n_features + 8) + 32.0 * o->n_trees * o->sample_size;
  if (bytes > (double)IFO_MAX_SAMPLE_BYTES)
    return om_errf(err, OM_INVALID,
                   "the training sample could take %.0f MiB (n_trees %u × sample_size %u rows of %u features); "
                   "lower n_trees or sample_size",
                   bytes / 1048576.0, o->n_trees, o->sample_size, n_features);
  return OM_OK;
}

void ifo_accum_free(ifo_accum *a) {
  if (!a) return;
  om_free(a->types);
  om_free(a->vals);
  om_free(a->miss);
  om_free(a->refs);
  om_free(a->free_rows);
  om_free(a->res_cap);
  om_free(a->res_fill);
  om_free(a->res_off);
  om_free(a->slots);
  om_free(a->res_next);
  om_free(a->res_w);
  om_free(a->res_rng);
  om_free(a);
}

om_status ifo_accum_init(ifo_accum **out, const ifo_options *o, uint32_t n_features, const uint8_t *types,
                         om_err *err) {
  ifo_accum *a;
  om_status st;
  size_t total = 0;
  *out = NULL;
  if ((st = ifo_options_check(o, err)) != OM_OK) return st;
  if (n_features > IFO_MAX_FEATURES) return om_errf(err, OM_INVALID, "too many features (%u)", n_features);
  for (uint32_t f = 0; f < n_features; f++)
    if (types[f] != FV_NUMERIC && types[f] != FV_CATEGORICAL)
      return om_errf(err, OM_INVALID, "feature %u has type %u; expected numeric or categorical", f, types[f]);
  if ((st = check_budget(o, n_features, err)) != OM_OK) return st;
  a = om_calloc(1, sizeof *a);
  if (!a) return om_errf(err, OM_NOMEM, "out of memory");
  a->o = *o;
  a->n_features = n_features;
  a->cap_types = n_features > 4 ? n_features : 4;
  a->types = om_malloc(a->cap_types);
  a->n_res = o->n_trees + 1;
  a->res_cap = om_malloc_array(a->n_res, sizeof(uint32_t));
  a->res_fill = om_calloc(a->n_res, sizeof(uint32_t));
  a->res_off = om_malloc_array(a->n_res, sizeof(size_t));
  a->res_next = om_calloc(a->n_res, sizeof(uint64_t));
  a->res_w = om_calloc(a->n_res, sizeof(double));
  a->res_rng = om_malloc_array(a->n_res, sizeof(ifo_rng));
  if (!a->types || !a->res_cap || !a->res_fill || !a->res_off || !a->res_next || !a->res_w || !a->res_rng) goto nomem;
  if (n_features) memcpy(a->types, types, n_features);
  for (uint32_t r = 0; r < a->n_res; r++) {
    a->res_cap[r] = r < o->n_trees ? o->sample_size : score_cap();
    a->res_off[r] = total;
    total += a->res_cap[r];
    ifo_rng_seed(&a->res_rng[r], o->seed, r < o->n_trees ? r : IFO_MAX_TREES); /* sampling streams */
  }
  a->slots = om_malloc_array(total, sizeof(uint32_t));
  if (!a->slots) goto nomem;
  a->stride = n_features;
  *out = a;
  return OM_OK;
nomem:
  ifo_accum_free(a);
  return om_errf(err, OM_NOMEM, "out of memory");
}

/* Re-lay the store with a wider stride (new columns missing). */
static om_status widen(ifo_accum *a, uint32_t stride) {
  uint64_t *v = NULL;
  uint8_t *mi = NULL;
  if (a->cap_rows) {
    v = om_malloc_array((size_t)a->cap_rows * stride, sizeof *v);
    mi = om_malloc_array((size_t)a->cap_rows, stride);
    if (!v || !mi) {
      om_free(v);
      om_free(mi);
      return OM_NOMEM;
    }
    for (size_t r = 0; r < a->cap_rows; r++) {
      memcpy(v + r * stride, a->vals + r * a->stride, (size_t)a->stride * sizeof *v);
      memset(v + r * stride + a->stride, 0, (size_t)(stride - a->stride) * sizeof *v);
      memcpy(mi + r * stride, a->miss + r * a->stride, a->stride);
      memset(mi + r * stride + a->stride, 1, stride - a->stride);
    }
    om_free(a->vals);
    om_free(a->miss);
  }
  a->vals = v;
  a->miss = mi;
  a->stride = stride;
  return OM_OK;
}

om_status ifo_accum_add_feature(ifo_accum *a, uint8_t type, om_err *err) {
  om_status st;
  if (type != FV_NUMERIC && type != FV_CATEGORICAL)
    return om_errf(err, OM_INVALID, "feature %u has type %u; expected numeric or categorical", a->n_features, type);
  if (a->n_features >= IFO_MAX_FEATURES) return om_errf(err, OM_INVALID, "too many features (%u)", a->n_features + 1);
  if ((st = check_budget(&a->o, a->n_features + 1, err)) != OM_OK) return st;
  if (a->n_features == a->cap_types) {
    uint8_t *t = om_realloc(a->types, (size_t)a->cap_types * 2);
    if (!t) return om_errf(err, OM_NOMEM, "out of memory");
    a->types = t;
    a->cap_types *= 2;
  }
  if (a->n_features == a->stride) {
    uint32_t s = a->stride < 4 ? 4 : a->stride * 2;
    if (s > IFO_MAX_FEATURES) s = IFO_MAX_FEATURES;
    if (widen(a, s) != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
  }
  a->types[a->n_features++] = type;
  return OM_OK;
}

/* A free store row (growing the store), or NONE on OOM. */
static uint32_t store_alloc(ifo_accum *a) {
  if (a->n_free) return a->free_rows[--a->n_free];
  if (a->n_store == a->cap_rows) {
    uint32_t cap = a->cap_rows ? a->cap_rows * 2 : 16;
    size_t w = a->stride ? a->stride : 1;
    uint64_t *v = om_realloc(a->vals, (size_t)cap * w * sizeof *v);
    uint8_t *mi;
    uint32_t *rf, *fr;
    if (!v) return NONE;
    a->vals = v;
    if (!(mi = om_realloc(a->miss, (size_t)cap * w))) return NONE;
    a->miss = mi;
    if (!(rf = om_realloc(a->refs, (size_t)cap * sizeof *rf))) return NONE;
    a->refs = rf;
    if (!(fr = om_realloc(a->free_rows, (size_t)cap * sizeof *fr))) return NONE;
    a->free_rows = fr;
    a->cap_rows = cap;
  }
  return a->n_store++;
}

static void release(ifo_accum *a, uint32_t row) {
  if (--a->refs[row] == 0) a->free_rows[a->n_free++] = row;
}

/* Algorithm L's skip after the row at index i: the next row taken. */
static uint64_t next_take(ifo_rng *rng, double w, uint64_t i) {
  double s = floor(log(ifo_rng_open01(rng)) / log1p(-w));
  if (!(s < 0x1p62)) s = 0x1p62; /* w so small that no later row is taken in practice */
  return i + (uint64_t)s + 1;
}

om_status ifo_accum_add(ifo_accum *a, const double *num, const uint64_t *cat, const uint8_t *missing, om_err *err) {
  uint64_t i = a->n_rows;
  uint32_t row;
  if (i < a->next_min) {
    a->n_rows++;
    return OM_OK;
  }
  /* some reservoir takes this row: store it first (the only step that can fail) */
  row = store_alloc(a);
  if (row == NONE) return om_errf(err, OM_NOMEM, "out of memory");
  a->refs[row] = 0;
  {
    uint64_t *v = a->vals + (size_t)row * a->stride;
    uint8_t *mi = a->miss + (size_t)row * a->stride;
    for (uint32_t f = 0; f < a->n_features; f++) {
      int is_cat = a->types[f] == FV_CATEGORICAL;
      int gone = (missing && missing[f]) || (!is_cat && num[f] != num[f]);
      mi[f] = (uint8_t)gone;
      v[f] = gone ? 0 : is_cat ? cat[f] : om_f64_bits(num[f]);
    }
    if (a->stride > a->n_features) {
      memset(v + a->n_features, 0, (size_t)(a->stride - a->n_features) * sizeof *v);
      memset(mi + a->n_features, 1, a->stride - a->n_features);
    }
  }
  a->next_min = UINT64_MAX;
  for (uint32_t r = 0; r < a->n_res; r++) {
    uint32_t k = a->res_cap[r], *slots = a->slots + a->res_off[r];
    if (a->res_next[r] == i) {
      ifo_rng *rng = &a->res_rng[r];
      if (a->res_fill[r] < k) {
        slots[a->res_fill[r]++] = row;
        if (a->res_fill[r] == k) {
          a->res_w[r] = exp(log(ifo_rng_open01(rng)) / k);
          a->res_next[r] = next_take(rng, a->res_w[r], i);
        } else
          a->res_next[r] = i + 1;
      } else {
        uint32_t s = (uint32_t)ifo_rng_below(rng, k);
        release(a, slots[s]);
        slots[s] = row;
        a->res_w[r] *= exp(log(ifo_rng_open01(rng)) / k);
        a->res_next[r] = next_take(rng, a->res_w[r], i);
      }
      a->refs[row]++;
    }
    if (a->res_next[r] < a->next_min) a->next_min = a->res_next[r];
  }
  a->n_rows++;
  return OM_OK;
}

int ifo_accum_peek(const ifo_accum *a, uint32_t r, uint32_t slot, uint32_t f, uint64_t *bits, int *missing) {
  uint32_t row;
  if (r >= a->n_res || slot >= a->res_fill[r] || f >= a->n_features) return 0;
  row = a->slots[a->res_off[r] + slot];
  *bits = a->vals[(size_t)row * a->stride + f];
  *missing = a->miss[(size_t)row * a->stride + f];
  return 1;
}

uint32_t ifo_accum_kept_rows(const ifo_accum *a) { return a->n_store - a->n_free; }

/* ---------------------------------------------------------------- finish */

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

typedef struct train_ctx {
  const ifo_accum *a;
  ifo_model *m;         /* cat tables, n_features, max_depth set */
  const uint32_t *order;
  uint32_t F, psi;
  const float *E;       /* [n_store × F] encoded rows, schema order */
  /* trees */
  ifo_node *tree_nodes; /* [T × (2ψ − 1)] */
  uint32_t *tree_n;     /* [T] */
  float *X;             /* per worker [F × ψ] */
  uint32_t *idx;        /* per worker [ψ] */
  uint32_t *cand;       /* per worker [(max_depth + 1) × F] */
  /* score sample */
  const uint32_t *score_rows;
  uint32_t n_score;
  double *scores;       /* [n_score] */
  double *xbuf;         /* per worker [F] */
} train_ctx;

static void grow_task(void *vctx, size_t t, unsigned worker) {
  train_ctx *c = vctx;
  const ifo_accum *a = c->a;
  const uint32_t *slots = a->slots + a->res_off[t];
  uint32_t F = c->F, psi = c->psi;
  float *X = c->X + (size_t)worker * F * psi;
  ifo_rng rng;
  ifo_grow g;
  for (uint32_t r = 0; r < psi; r++) {
    const float *e = c->E + (size_t)slots[r] * F;
    for (uint32_t f = 0; f < F; f++) X[(size_t)f * psi + r] = e[f];
  }
  ifo_rng_seed(&rng, a->o.seed, (uint64_t)IFO_MAX_TREES + 1 + t); /* growing streams */
  g.X = X;
  g.n = psi;
  g.n_features = F;
  g.max_depth = c->m->max_depth;
  g.rng = &rng;
  g.idx = c->idx + (size_t)worker * psi;
  g.cand = c->cand + (size_t)worker * (c->m->max_depth + 1) * F;
  g.nodes = c->tree_nodes + (size_t)t * (2 * (size_t)psi - 1);
  ifo_grow_tree(&g);
  c->tree_n[t] = g.n_nodes;
}

#define SCORE_CHUNK 256

static void score_task(void *vctx, size_t t, unsigned worker) {
  train_ctx *c = vctx;
  double *x = c->xbuf + (size_t)worker * c->F;
  size_t end = (t + 1) * SCORE_CHUNK < c->n_score ? (t + 1) * SCORE_CHUNK : c->n_score;
  for (size_t i = t * SCORE_CHUNK; i < end; i++) {
    const float *e = c->E + (size_t)c->score_rows[i] * c->F;
    for (uint32_t f = 0; f < c->F; f++) x[f] = (double)e[f];
    c->scores[i] = ifo_score(c->m, x);
  }
}

/* Behaviour 4: frequency tables of the categorical features into m. */
static om_status build_cat_tables(const ifo_accum *a, const uint32_t *order, ifo_model *m, om_err *err) {
  uint64_t *h = NULL;
  uint32_t total = 0, cap = 0;
  om_status st = OM_OK;
  if (a->n_store) {
    h = om_malloc_array(a->n_store, sizeof *h);
    if (!h) return om_errf(err, OM_NOMEM, "out of memory");
  }
  /* two passes: count the kept categories, then fill */
  for (int pass = 0; pass < 2; pass++) {
    total = 0;
    for (uint32_t s = 0; s < m->n_features; s++) {
      uint32_t fa = order ? order[s] : s, n = 0;
      m->cat_off[s] = total;
      if (!m->is_cat[s]) continue;
      for (uint32_t r = 0; r < a->n_store; r++)
        if (a->refs[r] && !a->miss[(size_t)r * a->stride + fa]) h[n++] = a->vals[(size_t)r * a->stride + fa];
      qsort(h, n, sizeof *h, cmp_u64);
      for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j < n && h[j] == h[i]) j++;
        if (j - i >= IFO_CAT_MIN_COUNT) {
          if (pass == 1) {
            m->cat_hash[total] = h[i];
            m->cat_freq[total] = (double)(j - i) / (double)n;
          }
          total++;
        }
        i = j;
      }
    }
    m->cat_off[m->n_features] = total;
    if (pass == 0) {
      cap = total;
      if (cap) {
        m->cat_hash = om_malloc_array(cap, sizeof(uint64_t));
        m->cat_freq = om_malloc_array(cap, sizeof(double));
        if (!m->cat_hash || !m->cat_freq) {
          st = om_errf(err, OM_NOMEM, "out of memory");
          break;
        }
      }
    }
  }
  m->n_cat = total;
  om_free(h);
  return st;
}

/* The kept rows encoded for the trees: E[row × F] in schema order. */
static void encode_rows(const ifo_accum *a, const uint32_t *order, const ifo_model *m, float *E) {
  for (uint32_t r = 0; r < a->n_store; r++) {
    const uint64_t *v = a->vals + (size_t)r * a->stride;
    const uint8_t *mi = a->miss + (size_t)r * a->stride;
    float *e = E + (size_t)r * m->n_features;
    if (!a->refs[r]) continue;
    for (uint32_t s = 0; s < m->n_features; s++) {
      uint32_t fa = order ? order[s] : s;
      if (mi[fa]) {
        e[s] = NAN;
        continue;
      }
      if (m->is_cat[s]) {
        /* the same look-up scoring does (ifo_row_prepare) */
        uint32_t lo = m->cat_off[s], hi = m->cat_off[s + 1];
        while (lo < hi) {
          uint32_t mid = lo + (hi - lo) / 2;
          if (m->cat_hash[mid] < v[fa]) lo = mid + 1;
          else hi = mid;
        }
        e[s] = lo < m->cat_off[s + 1] && m->cat_hash[lo] == v[fa] ? ifo_to_f32(m->cat_freq[lo]) : 0.0f;
      } else
        e[s] = ifo_to_f32(om_f64_from_bits(v[fa]));
    }
  }
}

typedef struct ranked {
  double score;
  uint32_t i;
} ranked;

static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->score != b->score) return a->score < b->score ? 1 : -1; /* descending */
  return (a->i > b->i) - (a->i < b->i);
}

static om_status write_metrics(const ifo_accum *a, const ifo_model *m, uint32_t n_score, double anomaly_fraction,
                               om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "rows");
  om_jw_uint(&j, a->n_rows);
  om_jw_key(&j, "n_trees");
  om_jw_uint(&j, m->n_trees);
  om_jw_key(&j, "sample_size");
  om_jw_uint(&j, m->sample_size);
  om_jw_key(&j, "max_depth");
  om_jw_uint(&j, m->max_depth);
  om_jw_key(&j, "contamination");
  if (m->contamination > 0) om_jw_double(&j, m->contamination);
  else om_jw_string(&j, "auto");
  om_jw_key(&j, "threshold");
  om_jw_double(&j, m->threshold);
  om_jw_key(&j, "n_nodes");
  om_jw_uint(&j, m->n_nodes);
  om_jw_key(&j, "score_sample");
  om_jw_uint(&j, n_score);
  om_jw_key(&j, "train_anomaly_fraction");
  om_jw_double(&j, anomaly_fraction);
  om_jw_end_object(&j);
  return om_wbuf_status(w);
}

om_status ifo_accum_finish(ifo_accum *a, const uint32_t *order, const om_interrupt *intr, om_wbuf *payload,
                           om_wbuf *metrics, om_err *err) {
  train_ctx c;
  ifo_model *m = NULL;
  uint8_t *seen = NULL;
  ranked *rk = NULL;
  double *sorted = NULL, *ex = NULL, anomaly_fraction = 0;
  unsigned threads = a->o.threads ? a->o.threads : ifo_auto_threads();
  uint32_t F = a->n_features, T = a->o.n_trees, depth, above = 0;
  om_status st = OM_OK;
  memset(&c, 0, sizeof c);
  if (a->n_rows == 0) return om_errf(err, OM_INVALID, "no rows to train on");
  if (F == 0) return om_errf(err, OM_INVALID, "no feature has a value in any row");
  if (om_interrupted(intr)) return om_errf(err, OM_INTERRUPTED, "interrupted");
  if (order) { /* a permutation of 0..F-1 */
    seen = om_calloc(F, 1);
    if (!seen) return om_errf(err, OM_NOMEM, "out of memory");
    for (uint32_t s = 0; s < F; s++) {
      if (order[s] >= F || seen[order[s]]) {
        om_free(seen);
        return om_errf(err, OM_INVALID, "the feature order is not a permutation");
      }
      seen[order[s]] = 1;
    }
    om_free(seen);
  }
  c.psi = a->n_rows < a->o.sample_size ? (uint32_t)a->n_rows : a->o.sample_size;
  for (depth = 0; depth < 31 && (1u << depth) < (c.psi > 2 ? c.psi : 2); depth++) {
  }
  if (a->o.max_depth) depth = a->o.max_depth;
  m = ifo_model_alloc(F, T);
  if (!m) return om_errf(err, OM_NOMEM, "out of memory");
  m->sample_size = c.psi;
  m->max_depth = depth;
  m->contamination = a->o.contamination;
  for (uint32_t s = 0; s < F; s++) m->is_cat[s] = a->types[order ? order[s] : s] == FV_CATEGORICAL;
  if ((st = build_cat_tables(a, order, m, err)) != OM_OK) goto done;
  c.a = a;
  c.m = m;
  c.order = order;
  c.F = F;
  if (threads > T) threads = T;
  c.E = NULL;
  {
    float *E = om_malloc_array((size_t)a->n_store * F, sizeof(float));
    c.tree_nodes = om_malloc_array((size_t)T * (2 * (size_t)c.psi - 1), sizeof(ifo_node));
    c.tree_n = om_malloc_array(T, sizeof(uint32_t));
    c.X = om_malloc_array((size_t)threads * F * c.psi, sizeof(float));
    c.idx = om_malloc_array((size_t)threads * c.psi, sizeof(uint32_t));
    c.cand = om_malloc_array((size_t)threads * (depth + 1) * F, sizeof(uint32_t));
    c.E = E;
    if (!E || !c.tree_nodes || !c.tree_n || !c.X || !c.idx || !c.cand) goto nomem;
    encode_rows(a, order, m, E);
  }
  /* behaviour 5 */
  st = ifo_run_tasks(threads, T, grow_task, &c, intr, NULL);
  if (st != OM_OK) {
    st = om_errf(err, st, st == OM_INTERRUPTED ? "interrupted" : "out of memory");
    goto done;
  }
  {
    uint64_t total = 0;
    for (uint32_t t = 0; t < T; t++) total += c.tree_n[t];
    m->n_nodes = (uint32_t)total; /* ≤ T(2ψ − 1) < 2^32 by the budget */
    m->nodes = om_malloc_array(total, sizeof(ifo_node));
    if (!m->nodes) goto nomem;
    total = 0;
    for (uint32_t t = 0; t < T; t++) {
      m->tree_off[t] = (uint32_t)total;
      memcpy(m->nodes + total, c.tree_nodes + (size_t)t * (2 * (size_t)c.psi - 1), c.tree_n[t] * sizeof(ifo_node));
      total += c.tree_n[t];
    }
    m->tree_off[T] = (uint32_t)total;
  }
  om_free(c.tree_nodes);
  c.tree_nodes = NULL;
  om_free(c.X);
  c.X = NULL;
  if (ifo_model_index(m) < 0) {
    st = om_errf(err, OM_INTERNAL, "isolation forest: a grown tree is malformed");
    goto done;
  }
  /* behaviour 6: the score sample */
  m->threshold = 0.5;
  c.n_score = a->res_fill[T];
  c.score_rows = a->slots + a->res_off[T];
  c.scores = om_malloc_array(c.n_score, sizeof(double));
  c.xbuf = om_malloc_array((size_t)threads * F, sizeof(double));
  sorted = om_malloc_array(c.n_score, sizeof(double));
  rk = om_malloc_array(c.n_score, sizeof(ranked));
  ex = om_malloc_array(F, sizeof(double));
  if (!c.scores || !c.xbuf || !sorted || !rk || !ex) goto nomem;
  st = ifo_run_tasks(threads, (c.n_score + SCORE_CHUNK - 1) / SCORE_CHUNK, score_task, &c, intr, NULL);
  if (st != OM_OK) {
    st = om_errf(err, st, st == OM_INTERRUPTED ? "interrupted" : "out of memory");
    goto done;
  }
  memcpy(sorted, c.scores, c.n_score * sizeof(double));
  if (m->contamination > 0) m->threshold = ifo_quantile_inplace(sorted, c.n_score, 1.0 - m->contamination);
  for (uint32_t i = 0; i < c.n_score; i++) {
    above += c.scores[i] > m->threshold;
    rk[i].score = c.scores[i];
    rk[i].i = i;
  }
  anomaly_fraction = (double)above / (double)c.n_score;
  /* behaviour 10 */
  for (uint32_t f = 0; f < F; f++) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < c.n_score; i++) {
      float v = c.E[(size_t)c.score_rows[i] * F + f];
      if (v == v) sorted[k++] = (double)v;
    }
    if (k) {
      double q1 = ifo_quantile_inplace(sorted, k, 0.25), q3 = ifo_quantile_inplace(sorted, k, 0.75);
      double lo = q1 - IFO_RANGE_K * (q3 - q1), hi = q3 + IFO_RANGE_K * (q3 - q1);
      m->exp_lo[f] = lo > sorted[0] ? lo : sorted[0]; /* sorted by the quantile calls */
      m->exp_hi[f] = hi < sorted[k - 1] ? hi : sorted[k - 1];
    }
  }
  /* behaviour 7 */
  {
    double q = m->contamination > 0 ? m->contamination : 0.01;
    uint32_t k = (uint32_t)ceil(q * c.n_score);
    if (k < 1) k = 1;
    if (k > c.n_score) k = c.n_score;
    qsort(rk, c.n_score, sizeof *rk, cmp_ranked);
    for (uint32_t i = 0; i < k; i++) {
      const float *e = c.E + (size_t)c.score_rows[rk[i].i] * F;
      for (uint32_t f = 0; f < F; f++) c.xbuf[f] = (double)e[f];
      ifo_explain(m, c.xbuf, ex);
      for (uint32_t f = 0; f < F; f++)
        if (ex[f] > 0) m->gain[f] += ex[f];
    }
    for (uint32_t f = 0; f < F; f++) m->gain[f] /= k;
  }
  if ((st = ifo_encode(m, payload)) != OM_OK) goto nomem;
  if (metrics && (st = write_metrics(a, m, c.n_score, anomaly_fraction, metrics)) != OM_OK) goto nomem;
  goto done;
nomem:
  st = om_errf(err, OM_NOMEM, "out of memory");
done:
  om_free((void *)c.E);
  om_free(c.tree_nodes);
  om_free(c.tree_n);
  om_free(c.X);
  om_free(c.idx);
  om_free(c.cand);
  om_free(c.scores);
  om_free(c.xbuf);
  om_free(sorted);
  om_free(rk);
  om_free(ex);
  ifo_free(m);
  return st;
}
