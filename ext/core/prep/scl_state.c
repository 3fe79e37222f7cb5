/*
** scl_state.c — the scaler_state accumulator, merge, codec and the model it
** finishes into; the spec (byte map, numbered behaviours) is the header
** comment of scl_state.h.
*/
#include "scl_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "../base/om_json.h"
#include "../base/om_text.h"

#define SS_SEED 0x6f6d656e73636c73ULL /* "omenscls": the sample's fixed seed */

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

void scl_state_init(scl_state *s, scl_method method) {
  memset(s, 0, sizeof *s);
  s->method = method;
}

static void sfeat_free(scl_sfeat *f) {
  om_free(f->name);
  om_free(f->sums);
  om_free(f->vals);
  om_free(f->hash); /* cnt lives in the same block */
  om_free(f->tab);
}

void scl_state_free(scl_state *s) {
  for (size_t i = 0; i < s->n_feats; i++) sfeat_free(&s->feats[i]);
  om_free(s->feats);
  memset(s, 0, sizeof *s);
}

void scl_state_skip(scl_state *s) { s->rows_skipped++; }

/* Insert a new (empty) feature named (name, len) at position pos. */
static om_status feat_insert(scl_state *s, size_t pos, const char *name, size_t len, om_err *err) {
  scl_sfeat *f;
  if (s->n_feats >= FV_MAX_COUNT) return om_errf(err, OM_INVALID, "more than %d distinct features", FV_MAX_COUNT);
  if (s->n_feats == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    scl_sfeat *p = om_realloc(s->feats, cap * sizeof *p);
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
  f->min = INFINITY;
  f->max = -INFINITY;
  f->rng = SS_SEED;
  s->n_feats++;
  return OM_OK;
}

/* ------------------------------------------------------------ numeric */

static om_status vals_reserve(scl_sfeat *f, uint32_t want, om_err *err) {
  uint32_t cap = f->vcap;
  double *p;
  if (want <= f->vcap) return OM_OK;
  while (cap < want) cap = cap ? (cap * 2 > SCL_STATE_KEEP ? SCL_STATE_KEEP : cap * 2) : 64;
  p = om_realloc(f->vals, (size_t)cap * sizeof *p);
  if (!p) return om_errf(err, OM_NOMEM, "out of memory");
  f->vals = p;
  f->vcap = cap;
  return OM_OK;
}

static om_status num_add(scl_state *s, scl_sfeat *f, double x, om_err *err) {
  om_status st;
  if (f->nvals < SCL_STATE_KEEP && f->n == f->nvals && (st = vals_reserve(f, f->nvals + 1, err)) != OM_OK) return st;
  if (s->method == SCL_STANDARD) {
    if (!f->sums && !(f->sums = om_calloc(1, sizeof *f->sums))) return om_errf(err, OM_NOMEM, "out of memory");
    if ((st = om_xsum_add(f->sums, x, err)) != OM_OK) return st;
  }
  f->n++;
  if (x < f->min) f->min = x;
  if (x > f->max) f->max = x;
  if (f->n <= SCL_STATE_KEEP) {
    f->vals[f->nvals++] = x;
  } else { /* algorithm R: keep x with probability KEEP / n */
    uint64_t j = splitmix64(&f->rng) % f->n;
    f->flags |= SCL_SF_SAMPLED;
    if (j < SCL_STATE_KEEP) f->vals[j] = x;
  }
  return OM_OK;
}

/* Choose k of v[0..m) uniformly (a partial Fisher-Yates: they end up first). */
static void choose_first(double *v, uint32_t m, uint32_t k, uint64_t *rng) {
  for (uint32_t i = 0; i < k && i + 1 < m; i++) {
    uint32_t j = i + (uint32_t)(splitmix64(rng) % (m - i));
    double t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

static om_status num_merge(scl_state *s, scl_sfeat *d, scl_sfeat *f, om_err *err) {
  om_status st;
  if (s->method == SCL_STANDARD) {
    if (!f->sums || f->sums->n != (int64_t)f->n) return om_errf(err, OM_INTERNAL, "scaler_state sums missing");
    if (!d->sums && !(d->sums = om_calloc(1, sizeof *d->sums))) return om_errf(err, OM_NOMEM, "out of memory");
    if ((st = om_xsum_merge(d->sums, f->sums, err)) != OM_OK) return st;
  }
  if (f->min < d->min) d->min = f->min;
  if (f->max > d->max) d->max = f->max;
  if (d->n + f->n <= SCL_STATE_KEEP) { /* both exact: concatenate */
    if ((st = vals_reserve(d, d->nvals + f->nvals, err)) != OM_OK) return st;
    memcpy(d->vals + d->nvals, f->vals, (size_t)f->nvals * sizeof *d->vals);
    d->nvals += f->nvals;
  } else { /* a uniform sample of KEEP from the union: a hypergeometric split */
    uint64_t rng = SS_SEED ^ (d->n * 0x9e3779b97f4a7c15ULL) ^ (f->n * 0xc2b2ae3d27d4eb4fULL);
    uint64_t ra = d->n, rb = f->n;
    uint32_t ta = 0, tb = 0;
    if ((st = vals_reserve(d, SCL_STATE_KEEP, err)) != OM_OK) return st;
    for (uint32_t i = 0; i < SCL_STATE_KEEP; i++) {
      /* from d with probability ra / (ra + rb) */
      if (splitmix64(&rng) % (ra + rb) < ra) ta++, ra--;
      else tb++, rb--;
    }
    choose_first(d->vals, d->nvals, ta, &rng);
    choose_first(f->vals, f->nvals, tb, &rng);
    memcpy(d->vals + ta, f->vals, (size_t)tb * sizeof *d->vals);
    d->nvals = SCL_STATE_KEEP;
    d->flags |= SCL_SF_SAMPLED;
  }
  d->n += f->n;
  d->rng = SS_SEED ^ d->n; /* later rows continue algorithm R */
  return OM_OK;
}

/* --------------------------------------------------------- categorical */

static uint32_t tab_home(const scl_sfeat *f, uint64_t h) { return (uint32_t)((h ^ (h >> 31)) & (f->tab_size - 1)); }

/* Index of counter h, or -1 with *at its free table slot. */
static int32_t cat_find(const scl_sfeat *f, uint64_t h, uint32_t *at) {
  uint32_t i = tab_home(f, h);
  while (f->tab[i] >= 0 && f->hash[f->tab[i]] != h) i = (i + 1) & (f->tab_size - 1);
  *at = i;
  return f->tab[i];
}

static void tab_rebuild(scl_sfeat *f) {
  uint32_t at;
  memset(f->tab, 0xff, (size_t)f->tab_size * sizeof *f->tab);
  for (uint32_t k = 0; k < f->ncat; k++) {
    (void)cat_find(f, f->hash[k], &at);
    f->tab[at] = (int32_t)k;
  }
}

static om_status cat_grow(scl_sfeat *f, om_err *err) {
  uint32_t cap = f->ccap ? f->ccap * 2 : 16;
  uint64_t *blk = om_malloc_array(cap, 2 * sizeof *blk);
  int32_t *tab = om_malloc_array((size_t)cap * 4, sizeof *tab);
  if (!blk || !tab) {
    om_free(blk);
    om_free(tab);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  if (f->ncat) {
    memcpy(blk, f->hash, f->ncat * sizeof *blk);
    memcpy(blk + cap, f->cnt, f->ncat * sizeof *blk);
  }
  om_free(f->hash);
  om_free(f->tab);
  f->hash = blk;
  f->cnt = blk + cap;
  f->tab = tab;
  f->ccap = cap;
  f->tab_size = cap * 4;
  tab_rebuild(f);
  return OM_OK;
}

static int cmp_u64_desc(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a < b) - (a > b);
}

/* Misra-Gries: subtract the (CATS+1)-th largest count from every counter
** and drop those left at 0, keeping at most SCL_STATE_CATS. */
static om_status cat_prune(scl_sfeat *f, om_err *err) {
  uint64_t *c, d;
  uint32_t k, m = 0;
  if (f->ncat <= SCL_STATE_CATS) return OM_OK;
  c = om_malloc_array(f->ncat, sizeof *c);
  if (!c) return om_errf(err, OM_NOMEM, "out of memory");
  memcpy(c, f->cnt, f->ncat * sizeof *c);
  qsort(c, f->ncat, sizeof *c, cmp_u64_desc);
  d = c[SCL_STATE_CATS];
  om_free(c);
  for (k = 0; k < f->ncat; k++)
    if (f->cnt[k] > d) {
      f->hash[m] = f->hash[k];
      f->cnt[m++] = f->cnt[k] - d;
    }
  f->ncat = m;
  f->flags |= SCL_SF_APPROX;
  tab_rebuild(f);
  return OM_OK;
}

static om_status cat_add(scl_sfeat *f, uint64_t h, uint64_t count, om_err *err) {
  uint32_t at;
  int32_t c;
  om_status st;
  if (!f->tab && (st = cat_grow(f, err)) != OM_OK) return st;
  c = cat_find(f, h, &at);
  if (c >= 0) {
    f->cnt[c] += count;
    return OM_OK;
  }
  if (f->ncat == f->ccap) {
    if (f->ccap < 2 * SCL_STATE_CATS) st = cat_grow(f, err);
    else st = cat_prune(f, err);
    if (st != OM_OK) return st;
    (void)cat_find(f, h, &at);
  }
  f->hash[f->ncat] = h;
  f->cnt[f->ncat] = count;
  f->tab[at] = (int32_t)f->ncat++;
  if (f->ncat > SCL_STATE_CATS) f->flags |= SCL_SF_APPROX;
  return OM_OK;
}

/* ---------------------------------------------------------------- rows */

static om_status type_check(scl_sfeat *f, uint8_t type, const char *where, om_err *err) {
  if (f->type == 0) f->type = type;
  else if (f->type != type)
    return om_errf(err, OM_INVALID, "feature \"%.*s\" is %s in one %s and %s in another", (int)f->name_len, f->name,
                   fv_type_name((fv_type)f->type), where, fv_type_name((fv_type)type));
  return OM_OK;
}

om_status scl_state_add(scl_state *s, const void *blob, size_t n, om_err *err) {
  fv_reader it;
  fv_entry e;
  om_status st;
  size_t pos = 0;
  if ((st = fv_open(&it, blob, n, err)) != OM_OK) return st;
  if ((st = fv_validate(blob, n, err)) != OM_OK) return st; /* a corrupt row changes nothing */
  while (fv_next(&it, &e, &st, err)) {
    int c = 1;
    scl_sfeat *f;
    while (pos < s->n_feats && (c = fv_name_cmp(s->feats[pos].name, s->feats[pos].name_len, e.name, e.name_len)) < 0)
      pos++;
    if ((pos == s->n_feats || c != 0) && (st = feat_insert(s, pos, e.name, e.name_len, err)) != OM_OK) return st;
    f = &s->feats[pos++];
    if (e.type == FV_MISSING) continue;
    if ((st = type_check(f, (uint8_t)e.type, "row", err)) != OM_OK) return st;
    if (e.type == FV_NUMERIC) st = num_add(s, f, e.num, err);
    else if ((st = cat_add(f, e.cat, 1, err)) == OM_OK) f->n++;
    if (st != OM_OK) return st;
  }
  if (st != OM_OK) return st;
  s->rows_used++;
  return OM_OK;
}

/* --------------------------------------------------------------- merge */

om_status scl_state_merge(scl_state *dst, scl_state *src, om_err *err) {
  om_status st;
  size_t i;
  if (dst->method != src->method)
    return om_errf(err, OM_INVALID, "states have different methods: '%s' and '%s'", scl_method_name(dst->method),
                   scl_method_name(src->method));
  if (dst->rows_used > UINT64_MAX - src->rows_used || dst->rows_skipped > UINT64_MAX - src->rows_skipped ||
      dst->rows_used + src->rows_used > (uint64_t)INT64_MAX)
    return om_errf(err, OM_INVALID, "too many rows");
  if (dst->n_feats && src->n_feats) { /* the same names (behaviour 2) */
    size_t a = 0, b = 0;
    while (a < dst->n_feats || b < src->n_feats) {
      int c = a == dst->n_feats   ? 1
              : b == src->n_feats ? -1
                                  : fv_name_cmp(dst->feats[a].name, dst->feats[a].name_len, src->feats[b].name,
                                                src->feats[b].name_len);
      if (c != 0) {
        const scl_sfeat *f = c < 0 ? &dst->feats[a] : &src->feats[b];
        return om_errf(err, OM_INVALID, "states have different features: '%.*s' is in one and not the other",
                       (int)f->name_len, f->name);
      }
      a++, b++;
    }
    for (i = 0; i < dst->n_feats; i++) {
      scl_sfeat *d = &dst->feats[i], *f = &src->feats[i];
      if (f->type == 0) continue;
      if ((st = type_check(d, f->type, "state", err)) != OM_OK) return st;
    }
  } else if (!dst->n_feats) {
    for (i = 0; i < src->n_feats; i++)
      if ((st = feat_insert(dst, i, src->feats[i].name, src->feats[i].name_len, err)) != OM_OK) return st;
    for (i = 0; i < src->n_feats; i++) dst->feats[i].type = src->feats[i].type;
  }
  if (src->n_feats) {
    for (i = 0; i < dst->n_feats; i++) {
      scl_sfeat *d = &dst->feats[i], *f = &src->feats[i];
      if (f->n == 0) continue;
      if (f->type == FV_NUMERIC) st = num_merge(dst, d, f, err);
      else {
        st = OM_OK;
        for (uint32_t k = 0; k < f->ncat && st == OM_OK; k++) st = cat_add(d, f->hash[k], f->cnt[k], err);
        if (st == OM_OK) {
          d->n += f->n;
          d->flags |= f->flags & SCL_SF_APPROX;
        }
      }
      if (st != OM_OK) return st;
    }
  }
  dst->rows_used += src->rows_used;
  dst->rows_skipped += src->rows_skipped;
  return OM_OK;
}

/* --------------------------------------------------------------- model */

typedef struct cat_pick {
  uint64_t hash, cnt;
} cat_pick;

static int cmp_pick(const void *x, const void *y) {
  const cat_pick *a = x, *b = y;
  if (a->cnt != b->cnt) return a->cnt > b->cnt ? -1 : 1;
  return (a->hash > b->hash) - (a->hash < b->hash);
}

/* The profile entry of a categorical feature (mdl_profile.h behaviour 3,
** computed as mdl_pb_finish does from exact counters). */
static om_status prof_cat(const scl_sfeat *f, uint64_t rows, mdl_prof_feature *o, om_err *err) {
  cat_pick *p;
  uint64_t top = 0;
  uint32_t c;
  o->missing = rows - f->n;
  o->flags = f->flags & SCL_SF_APPROX ? MDL_PROF_APPROX : 0;
  o->count = 0;
  o->other = (double)f->n / (double)rows;
  if (f->ncat == 0) return OM_OK; /* Misra-Gries dropped every counter */
  p = om_malloc_array(f->ncat, sizeof *p);
  if (!p) return om_errf(err, OM_NOMEM, "out of memory");
  for (uint32_t k = 0; k < f->ncat; k++) p[k].hash = f->hash[k], p[k].cnt = f->cnt[k];
  qsort(p, f->ncat, sizeof *p, cmp_pick);
  for (c = 0; c < f->ncat && c < MDL_PROF_TOP_K; c++) {
    o->cat[c] = p[c].hash;
    o->frac[c] = (double)p[c].cnt / (double)rows;
    top += p[c].cnt;
  }
  o->count = c;
  o->other = f->n > top ? (double)(f->n - top) / (double)rows : 0;
  om_free(p);
  return OM_OK;
}

/* A sampled numeric feature: the builder saw the sample only; restore the
** exact min, max and missing, and weight the bins as mdl_pb_finish does for
** its own reservoir (count / m * seen / rows). */
static void prof_sampled(const scl_sfeat *f, uint64_t rows, mdl_prof_feature *o) {
  uint32_t at = 0, m = f->nvals;
  o->flags = MDL_PROF_APPROX;
  o->missing = rows - f->n;
  o->min = f->min;
  o->max = f->max;
  for (uint32_t k = 0; k <= o->count; k++) {
    uint32_t start = at;
    while (at < m && (k == o->count || f->vals[at] <= o->edges[k])) at++;
    o->frac[k] = (double)(at - start) / m * ((double)f->n / (double)rows);
  }
}

om_status scl_state_model(scl_state *s, om_wbuf *w, om_err *err) {
  mdl_feature *feats = NULL;
  uint32_t *slots = NULL;
  double *center = NULL, *scale = NULL;
  mdl_pbuild *b = NULL;
  mdl_profile prof;
  om_status st = OM_OK;
  size_t i;
  uint32_t nf = (uint32_t)s->n_feats;
  memset(&prof, 0, sizeof prof);
  if (nf) {
    feats = om_calloc(nf, sizeof *feats);
    slots = om_calloc(nf, sizeof *slots);
    center = om_malloc_array(nf, 2 * sizeof *center);
    if (!feats || !slots || !center) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
    scale = center + nf;
  }
  if ((st = mdl_pb_new(&b, err)) != OM_OK) goto done;
  mdl_pb_rows(b, s->rows_used);
  for (i = 0; i < nf; i++) {
    scl_sfeat *f = &s->feats[i];
    feats[i].name = f->name;
    feats[i].name_len = f->name_len;
    feats[i].type = f->type ? f->type : FV_NUMERIC;
    slots[i] = MDL_PB_NONE;
    center[i] = 0;
    scale[i] = 1;
    if (f->type != FV_NUMERIC || f->n == 0) continue;
    qsort(f->vals, f->nvals, sizeof *f->vals, cmp_double);
    st = scl_feature_fit(s->method, f->sums, f->min, f->max, f->vals, s->method == SCL_ROBUST ? f->nvals : f->n,
                         f->name, f->name_len, &center[i], &scale[i], err);
    if (st == OM_OK) st = mdl_pb_feature(b, FV_NUMERIC, &slots[i], err);
    for (uint32_t k = 0; st == OM_OK && k < f->nvals; k++) st = mdl_pb_num(b, slots[i], f->vals[k], err);
    if (st != OM_OK) goto done;
  }
  if ((st = mdl_pb_finish(b, feats, slots, nf, &prof, err)) != OM_OK) goto done;
  for (i = 0; i < nf; i++) {
    scl_sfeat *f = &s->feats[i];
    if (f->type == FV_CATEGORICAL) st = prof_cat(f, s->rows_used, &prof.f[i], err);
    else if (f->type == FV_NUMERIC && (f->flags & SCL_SF_SAMPLED)) prof_sampled(f, s->rows_used, &prof.f[i]);
    if (st != OM_OK) goto done;
  }
  st = scl_write_model(w, s->method, feats, nf, center, scale, s->rows_used, s->rows_skipped, &prof, err);
done:
  mdl_profile_free(&prof);
  mdl_pb_free(b);
  om_free(feats);
  om_free(slots);
  om_free(center);
  return st;
}

/* --------------------------------------------------------------- codec */

typedef struct hc_pair {
  uint64_t hash, cnt;
} hc_pair;

static int cmp_hash(const void *x, const void *y) {
  const hc_pair *a = x, *b = y;
  return (a->hash > b->hash) - (a->hash < b->hash);
}

om_status scl_state_encode(scl_state *s, om_wbuf *w, om_err *err) {
  om_status st;
  om_wbuf_u8(w, (uint8_t)s->method);
  om_wbuf_zeros(w, 7);
  om_wbuf_u64(w, s->rows_used);
  om_wbuf_u64(w, s->rows_skipped);
  om_wbuf_u32(w, (uint32_t)s->n_feats);
  om_wbuf_u32(w, 0);
  for (size_t i = 0; i < s->n_feats; i++) {
    scl_sfeat *f = &s->feats[i];
    if (f->type == FV_CATEGORICAL && (st = cat_prune(f, err)) != OM_OK) return st;
    om_wbuf_u8(w, f->type);
    om_wbuf_u8(w, f->flags);
    om_wbuf_u16(w, 0);
    om_wbuf_u32(w, f->type == FV_NUMERIC ? f->nvals : f->type == FV_CATEGORICAL ? f->ncat : 0);
    om_wbuf_u64(w, f->n);
    if (f->type == FV_NUMERIC) {
      om_wbuf_f64(w, f->min);
      om_wbuf_f64(w, f->max);
      if (s->method == SCL_STANDARD) {
        if (!f->sums) return om_errf(err, OM_INTERNAL, "scaler_state sums missing");
        om_xsum_encode(f->sums, w);
      }
      qsort(f->vals, f->nvals, sizeof *f->vals, cmp_double);
      for (uint32_t k = 0; k < f->nvals; k++) om_wbuf_f64(w, f->vals[k]);
    } else if (f->type == FV_CATEGORICAL) {
      hc_pair *p = om_malloc_array(f->ncat ? f->ncat : 1, sizeof *p);
      if (!p) return om_errf(err, OM_NOMEM, "out of memory");
      for (uint32_t k = 0; k < f->ncat; k++) p[k].hash = f->hash[k], p[k].cnt = f->cnt[k];
      qsort(p, f->ncat, sizeof *p, cmp_hash);
      for (uint32_t k = 0; k < f->ncat; k++) {
        om_wbuf_u64(w, p[k].hash);
        om_wbuf_u64(w, p[k].cnt);
      }
      om_free(p);
    }
  }
  return om_wbuf_status(w) == OM_OK ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

#define CORRUPT(why) om_errf(err, OM_CORRUPT, "scaler_state payload is corrupt (%s)", why)

static om_status decode_feature(om_rbuf *r, scl_method method, uint64_t rows, const mdl_feature *sf, scl_sfeat *f,
                                om_err *err) {
  uint8_t type = om_rbuf_u8(r), flags = om_rbuf_u8(r);
  uint16_t res = om_rbuf_u16(r);
  uint32_t k = om_rbuf_u32(r);
  uint64_t n = om_rbuf_u64(r);
  om_status st;
  if (!om_rbuf_ok(r)) return CORRUPT("truncated");
  if (res) return CORRUPT("non-zero reserved bytes");
  if (type > FV_CATEGORICAL || (type == 0 ? sf->type != FV_NUMERIC : sf->type != type))
    return CORRUPT("feature type does not match the schema");
  if ((type == 0) != (n == 0) || n > rows) return CORRUPT("bad feature count");
  f->type = type;
  f->n = n;
  if (type == 0) return k || flags ? CORRUPT("bad empty feature") : OM_OK;
  if (type == FV_NUMERIC) {
    double prev;
    uint64_t want = n < SCL_STATE_KEEP ? n : SCL_STATE_KEEP;
    f->min = om_rbuf_f64(r);
    f->max = om_rbuf_f64(r);
    if (!om_rbuf_ok(r)) return CORRUPT("truncated");
    if (flags != (n > SCL_STATE_KEEP ? SCL_SF_SAMPLED : 0) || k != want) return CORRUPT("bad sample size");
    if (!isfinite(f->min) || !isfinite(f->max) || f->min > f->max || (f->min == 0 && signbit(f->min)) ||
        (f->max == 0 && signbit(f->max)))
      return CORRUPT("bad min or max");
    if (method == SCL_STANDARD) {
      const char *why;
      if (!(f->sums = om_malloc(sizeof *f->sums))) return om_errf(err, OM_NOMEM, "out of memory");
      if ((why = om_xsum_decode(r, f->sums, 0)) != NULL) return CORRUPT(why);
      if ((uint64_t)f->sums->n != n) return CORRUPT("sums count differs");
    }
    if (r->left / 8 < k) return CORRUPT("truncated");
    if ((st = vals_reserve(f, k, err)) != OM_OK) return st;
    prev = f->min;
    for (uint32_t q = 0; q < k; q++) {
      double x = om_rbuf_f64(r);
      if (!(x >= prev && x <= f->max) || (x == 0 && signbit(x))) return CORRUPT("bad values");
      f->vals[q] = prev = x;
    }
    f->nvals = k;
    if (!(flags & SCL_SF_SAMPLED) && (f->vals[0] != f->min || f->vals[k - 1] != f->max))
      return CORRUPT("values do not match min and max");
    f->flags = flags;
    f->rng = SS_SEED ^ n;
  } else {
    uint64_t sum = 0, prev = 0;
    if ((flags & ~SCL_SF_APPROX) || k > SCL_STATE_CATS || (k < 1 && !(flags & SCL_SF_APPROX)))
      return CORRUPT("bad counters");
    if (r->left / 16 < k) return CORRUPT("truncated");
    for (uint32_t q = 0; q < k; q++) {
      uint64_t h = om_rbuf_u64(r), c = om_rbuf_u64(r);
      if ((q > 0 && h <= prev) || c < 1 || c > n - sum) return CORRUPT("bad counters");
      prev = h;
      sum += c;
      if ((st = cat_add(f, h, c, err)) != OM_OK) return st;
    }
    if (!(flags & SCL_SF_APPROX) && sum != n) return CORRUPT("counts do not add up");
    f->flags = flags;
  }
  return OM_OK;
}

om_status scl_state_decode(const mdl_view *v, scl_state *out, om_err *err) {
  om_rbuf r;
  uint8_t method;
  const uint8_t *z;
  uint32_t nf, res;
  om_status st;
  memset(out, 0, sizeof *out);
  om_rbuf_init(&r, v->payload, v->payload_len);
  method = om_rbuf_u8(&r);
  z = om_rbuf_bytes(&r, 7);
  out->rows_used = om_rbuf_u64(&r);
  out->rows_skipped = om_rbuf_u64(&r);
  nf = om_rbuf_u32(&r);
  res = om_rbuf_u32(&r);
  if (!om_rbuf_ok(&r)) return CORRUPT("truncated");
  if (res || memcmp(z, "\0\0\0\0\0\0\0", 7) != 0) return CORRUPT("non-zero reserved bytes");
  if (method > SCL_MINMAX) return CORRUPT("unknown method");
  out->method = (scl_method)method;
  if (nf != v->n_features) return CORRUPT("feature count differs from the schema");
  if (out->rows_used != v->meta.rows_used || out->rows_skipped != v->meta.rows_skipped ||
      out->rows_used > (uint64_t)INT64_MAX)
    return CORRUPT("row counts differ from the envelope");
  if (nf > r.left / 16) return CORRUPT("truncated");
  for (uint32_t i = 0; i < nf; i++) {
    if ((st = feat_insert(out, i, v->features[i].name, v->features[i].name_len, err)) != OM_OK) goto fail;
    if ((st = decode_feature(&r, out->method, out->rows_used, &v->features[i], &out->feats[i], err)) != OM_OK)
      goto fail;
  }
  if (r.left) {
    st = CORRUPT("trailing bytes");
    goto fail;
  }
  return OM_OK;
fail:
  scl_state_free(out);
  return st;
}

om_status scl_state_write(scl_state *s, om_wbuf *w, om_err *err) {
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
    feats[i].type = s->feats[i].type ? s->feats[i].type : FV_NUMERIC;
  }
  if ((st = scl_state_encode(s, &pay, err)) != OM_OK) goto done;
  om_jw_init(&j, &opt);
  om_jw_begin_object(&j);
  om_jw_key(&j, "method");
  om_jw_string(&j, scl_method_name(s->method));
  om_jw_end_object(&j);
  if (om_wbuf_status(&opt) != OM_OK) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto done;
  }
  memset(&meta, 0, sizeof meta);
  meta.rows_used = s->rows_used;
  meta.rows_skipped = s->rows_skipped;
  meta.options_json = (const char *)opt.data;
  meta.options_len = opt.len;
  st = mdl_write(w, MDL_KIND_SCALER_STATE, SCL_STATE_PAYLOAD_VERSION, feats, (uint32_t)s->n_feats, &meta, pay.data,
                 pay.len, err);
done:
  om_free(feats);
  om_wbuf_free(&pay);
  om_wbuf_free(&opt);
  return st;
}

om_status scl_state_info(const scl_state *s, om_jw *j, om_err *err) {
  int exact = 1;
  (void)err;
  for (size_t i = 0; i < s->n_feats; i++)
    if (s->feats[i].flags) exact = 0;
  om_jw_key(j, "method");
  om_jw_string(j, scl_method_name(s->method));
  om_jw_key(j, "exact"); /* scl_state.h behaviour 3: scaler_merge equals scaler_train byte for byte */
  om_jw_bool(j, exact);
  return OM_OK;
}
