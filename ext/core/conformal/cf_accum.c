/*
** cf_accum.c — options, the residual accumulator (pool and groups, with a
** sliding window) and its finish into a calibration; cf.h behaviours 1-4.
**
** Behaviours (besides cf.h's):
**   1. Options (interval_calibrate's JSON argument):
**        group       the name of a feature of the vector (a non-empty string)
**        min_group   an integer from 1 to 1000000 (default 30)
**        window      an integer from 0 (every row) to 100000000 (default 0)
**        max_groups  an integer from 1 to 100000 (default 10000)
**        bins        an integer from 2 to 1000 (default: none; cf.h 4b)
**        shrink      a finite number > 0 (default: none; cf.h 4c), with
**                    group or bins
**      Anything else is OM_INVALID: 'unknown option "k"; accepted: group,
**      min_group, window, max_groups, bins, shrink', 'option window must be
**      an integer from 0 (every row) to 100000000', 'options are not a JSON
**      object (...)', 'options group and bins cannot be combined; ...',
**      'option shrink must be a number > 0 ...', 'option shrink needs group
**      or bins; ...'.  true/false are not numbers.  The options JSON names
**      bins and shrink only when there are (a calibration without keeps the
**      text it had).
**   2. Groups are found through an open-addressing table keyed by a 64-bit
**      mix of the key (load ≤ 1/2, doubled when full), so adding a row costs
**      O(1) expected; groups keep their first-seen order until the finish
**      sorts the kept ones by key.
**   3. A ring grows by doubling up to the window (or without bound when the
**      window is 0); once full, each residual overwrites the oldest.
*/
#include "cf.h"

#include <math.h>
#include <string.h>

#include "../base/om_text.h"

/* ---------------------------------------------------------------- options */

void cf_options_default(cf_options *o) {
  o->group = NULL;
  o->group_len = 0;
  o->min_group = 30;
  o->window = 0;
  o->max_groups = 10000;
  o->bins = 0;
  o->shrink = 0;
}

static const char cf_option_keys[] = "group, min_group, window, max_groups, bins, shrink";

typedef struct cf_opt_int {
  const char *key;
  double lo, hi;
  const char *range;
} cf_opt_int;

static const cf_opt_int cf_int_opts[] = {
    {"min_group", 1, 1000000, "an integer from 1 to 1000000"},
    {"window", 0, (double)CF_MAX_WINDOW, "an integer from 0 (every row) to 100000000"},
    {"max_groups", 1, CF_MAX_GROUPS, "an integer from 1 to 100000"},
    {"bins", 2, CF_MAX_BINS, "an integer from 2 to 1000 (the number of prediction-level bins)"},
};

om_status cf_options_parse(const char *text, size_t n, cf_options *o, om_json_obj *json, om_err *err) {
  om_status st;
  cf_options_default(o);
  memset(json, 0, sizeof *json);
  if (!text) return OM_OK;
  st = om_json_parse_flat(text, n, json, err);
  if (st == OM_NOMEM) return st;
  if (st != OM_OK) {
    om_err inner = *err;
    return om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"group\": \"user\"}'",
                   inner.msg);
  }
  for (size_t i = 0; i < json->count; i++) {
    const om_json_member *m = &json->members[i];
    size_t k;
    if (!strcmp(m->key, "group")) {
      if (m->type != OM_JSON_STRING || m->str_len == 0 || m->str_len > 255 ||
          om_utf8_check(m->str, m->str_len) != m->str_len) {
        st = om_errf(err, OM_INVALID, "option group must be the name of a feature, e.g. \"user\"");
        goto fail;
      }
      o->group = m->str;
      o->group_len = m->str_len;
      continue;
    }
    if (!strcmp(m->key, "shrink")) {
      if (m->type != OM_JSON_NUMBER || m->is_bool || !isfinite(m->num) || !(m->num > 0)) {
        st = om_errf(err, OM_INVALID, "option shrink must be a number > 0 (the residual count at which a group "
                                      "weighs as much as the pool), e.g. 100");
        goto fail;
      }
      o->shrink = m->num;
      continue;
    }
    for (k = 0; k < sizeof cf_int_opts / sizeof cf_int_opts[0]; k++)
      if (!strcmp(m->key, cf_int_opts[k].key)) break;
    if (k == sizeof cf_int_opts / sizeof cf_int_opts[0]) {
      st = om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, cf_option_keys);
      goto fail;
    }
    {
      const cf_opt_int *d = &cf_int_opts[k];
      double v = m->num;
      if (m->type != OM_JSON_NUMBER || m->is_bool || !isfinite(v) || v != floor(v) || v < d->lo || v > d->hi) {
        st = om_errf(err, OM_INVALID, "option %s must be %s", d->key, d->range);
        goto fail;
      }
      if (k == 0) o->min_group = (uint32_t)v;
      else if (k == 1) o->window = (uint64_t)v;
      else if (k == 2) o->max_groups = (uint32_t)v;
      else o->bins = (uint32_t)v;
    }
  }
  if (o->group && o->bins) {
    st = om_errf(err, OM_INVALID, "options group and bins cannot be combined; calibrate by one of them");
    goto fail;
  }
  if (o->shrink > 0 && !o->group && !o->bins) {
    st = om_errf(err, OM_INVALID, "option shrink needs group or bins; it pulls each group's quantiles towards the "
                                  "pool's");
    goto fail;
  }
  return OM_OK;
fail:
  om_json_obj_free(json);
  o->group = NULL;
  o->group_len = 0;
  return st;
}

om_status cf_options_json(const cf_options *o, om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "group");
  if (o->group) om_jw_string_n(&j, o->group, o->group_len);
  else om_jw_null(&j);
  om_jw_key(&j, "min_group");
  om_jw_uint(&j, o->min_group);
  om_jw_key(&j, "window");
  om_jw_uint(&j, o->window);
  om_jw_key(&j, "max_groups");
  om_jw_uint(&j, o->max_groups);
  if (o->bins) {
    om_jw_key(&j, "bins");
    om_jw_uint(&j, o->bins);
  }
  if (o->shrink > 0) {
    om_jw_key(&j, "shrink");
    om_jw_double(&j, o->shrink);
  }
  om_jw_end_object(&j);
  return om_wbuf_status(w);
}

/* ---------------------------------------------------------------- targets */

om_status cf_target(cf_space space, double y, double *out, om_err *err) {
  if (!isfinite(y)) return om_errf(err, OM_INVALID, "actual value is not a finite number");
  if (space == CF_SPACE_LOG1P) {
    if (y < 0) return om_errf(err, OM_INVALID, "actual value is %g; durations must be >= 0", y);
    *out = log1p(y);
  } else {
    *out = y;
  }
  return OM_OK;
}

uint64_t cf_numeric_key(double v) { return om_f64_bits(v == 0 ? 0.0 : v); }

/* ---------------------------------------------------------------- rings */

static om_status ring_push(cf_ring *r, uint64_t window, double v) {
  if (window && r->len == window) { /* full: overwrite the oldest */
    r->v[r->head] = v;
    r->head = r->head + 1 == window ? 0 : r->head + 1;
    return OM_OK;
  }
  if (r->len == r->cap) {
    uint64_t cap = r->cap ? 2 * r->cap : 8;
    double *nv;
    if (window && cap > window) cap = window;
    if (cap > SIZE_MAX / sizeof(double)) return OM_NOMEM;
    nv = om_realloc(r->v, (size_t)cap * sizeof(double));
    if (!nv) return OM_NOMEM;
    r->v = nv;
    r->cap = cap;
  }
  r->v[r->len++] = v; /* head stays 0 until the ring is full */
  return OM_OK;
}

/* ---------------------------------------------------------------- groups */

static uint64_t mix64(uint64_t x) { /* a bijective finaliser (splitmix64's) */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static om_status table_grow(cf_accum *a) {
  uint32_t size = a->table_size ? 2 * a->table_size : 64;
  cf_slot *t = om_calloc(size, sizeof *t);
  if (!t) return OM_NOMEM;
  for (uint32_t i = 0; i < a->table_size; i++) {
    if (!a->table[i].index) continue;
    uint32_t h = (uint32_t)mix64(a->table[i].key) & (size - 1);
    while (t[h].index) h = (h + 1) & (size - 1);
    t[h] = a->table[i];
  }
  om_free(a->table);
  a->table = t;
  a->table_size = size;
  return OM_OK;
}

/* The index of key's group, created when new; OM_NOMEM. */
static om_status group_of(cf_accum *a, uint64_t key, uint32_t *out) {
  uint32_t h;
  if (a->n_groups >= UINT32_MAX / 4) return OM_NOMEM;
  if ((uint64_t)(a->n_groups + 1) * 2 > a->table_size && table_grow(a) != OM_OK) return OM_NOMEM;
  h = (uint32_t)mix64(key) & (a->table_size - 1);
  while (a->table[h].index) {
    if (a->table[h].key == key) {
      *out = a->table[h].index - 1;
      return OM_OK;
    }
    h = (h + 1) & (a->table_size - 1);
  }
  if (a->n_groups == a->cap_groups) {
    uint32_t cap = a->cap_groups ? 2 * a->cap_groups : 16;
    cf_ring *nr = om_realloc(a->rings, (size_t)cap * sizeof *nr);
    uint64_t *nk;
    if (!nr) return OM_NOMEM;
    a->rings = nr;
    nk = om_realloc(a->keys, (size_t)cap * sizeof *nk);
    if (!nk) return OM_NOMEM;
    a->keys = nk;
    a->cap_groups = cap;
  }
  memset(&a->rings[a->n_groups], 0, sizeof a->rings[0]);
  a->keys[a->n_groups] = key;
  a->table[h].key = key;
  a->table[h].index = a->n_groups + 1;
  *out = a->n_groups++;
  return OM_OK;
}

/* ---------------------------------------------------------------- accumulator */

om_status cf_accum_init(cf_accum *a, const cf_options *o, cf_space space, uint64_t model_id, om_err *err) {
  memset(a, 0, sizeof *a);
  a->opt = *o;
  a->space = space;
  a->model_id = model_id;
  if (o->group) {
    a->group_copy = om_malloc(o->group_len + 1);
    if (!a->group_copy) return om_errf(err, OM_NOMEM, "out of memory");
    memcpy(a->group_copy, o->group, o->group_len);
    a->group_copy[o->group_len] = 0;
  }
  a->opt.group = a->group_copy;
  return OM_OK;
}

void cf_accum_free(cf_accum *a) {
  om_free(a->pool.v);
  om_free(a->pool_raw.v);
  for (uint32_t i = 0; i < a->n_groups; i++) om_free(a->rings[i].v);
  om_free(a->rings);
  om_free(a->keys);
  om_free(a->table);
  om_free(a->group_copy);
  memset(a, 0, sizeof *a);
}

om_status cf_accum_add(cf_accum *a, double resid, int has_key, cf_key_type type, uint64_t key, om_err *err) {
  return cf_accum_add_scored(a, resid, NAN, has_key, type, key, err);
}

om_status cf_accum_add_scored(cf_accum *a, double resid, double raw, int has_key, cf_key_type type, uint64_t key,
                              om_err *err) {
  uint32_t g;
  if (!isfinite(resid)) return om_errf(err, OM_INVALID, "residual is not finite");
  if (a->opt.bins) {
    if (!isfinite(raw)) return om_errf(err, OM_INVALID, "raw score is not finite (bins need it)");
    has_key = 0; /* behaviour 4b: bins are made at the finish */
    if (ring_push(&a->pool_raw, a->opt.window, raw) != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
  }
  if (has_key && a->opt.group) {
    if (a->key_type != CF_KEY_NONE && a->key_type != type)
      return om_errf(err, OM_INVALID, "group feature \"%s\" is %s in one row and %s in another", a->opt.group,
                     a->key_type == CF_KEY_NUMERIC ? "numeric" : "categorical",
                     type == CF_KEY_NUMERIC ? "numeric" : "categorical");
    a->key_type = type;
    if (group_of(a, key, &g) != OM_OK || ring_push(&a->rings[g], a->opt.window, resid) != OM_OK)
      return om_errf(err, OM_NOMEM, "out of memory");
  }
  if (ring_push(&a->pool, a->opt.window, resid) != OM_OK) return om_errf(err, OM_NOMEM, "out of memory");
  a->rows++;
  return OM_OK;
}

static void sort_f64(double *v, size_t n) { /* heapsort: in place, O(n log n), no allocation */
  size_t i, start, end;
  if (n < 2) return;
  for (start = n / 2; start-- > 0;) {
    i = start;
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && v[c + 1] > v[c]) c++;
      if (!(v[c] > v[i])) break;
      double t = v[i];
      v[i] = v[c];
      v[c] = t;
      i = c;
    }
  }
  for (end = n - 1; end > 0; end--) {
    double t = v[0];
    v[0] = v[end];
    v[end] = t;
    i = 0;
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= end) break;
      if (c + 1 < end && v[c + 1] > v[c]) c++;
      if (!(v[c] > v[i])) break;
      t = v[i];
      v[i] = v[c];
      v[c] = t;
      i = c;
    }
  }
}

/* The stored order statistics of n values in tmp (behaviour 4; sorts tmp). */
static om_status sample_of_array(double *tmp, uint64_t n, cf_sample *out) {
  uint32_t k = n > CF_RESID_MAX ? CF_RESID_MAX : (uint32_t)n;
  out->n = n;
  out->k = k;
  out->r = NULL;
  if (n == 0) return OM_OK;
  out->r = om_malloc_array(k, sizeof(double));
  if (!out->r) return OM_NOMEM;
  sort_f64(tmp, (size_t)n);
  if (k == n) memcpy(out->r, tmp, (size_t)n * sizeof(double));
  else
    for (uint32_t j = 0; j < k; j++)
      out->r[j] = tmp[(size_t)llround((double)j * (double)(n - 1) / (double)(k - 1))];
  return OM_OK;
}

/* The stored order statistics of a ring; tmp holds ≥ len. */
static om_status sample_of(const cf_ring *r, double *tmp, cf_sample *out) {
  if (r->len) memcpy(tmp, r->v, (size_t)r->len * sizeof(double));
  return sample_of_array(tmp, r->len, out);
}

uint32_t cf_bin_of(const cf_calib *c, double raw) { /* the number of edges ≤ raw: upper bound */
  uint32_t lo = 0, hi = c->bins ? c->bins - 1 : 0;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (c->edges[mid] <= raw) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Behaviour 4b: edges from the pool's raw scores, then each kept residual
** into its bin; the bins kept as groups (min_group, max_groups). */
static om_status finish_bins(const cf_accum *a, cf_calib *out, double *tmp) {
  uint64_t n = a->pool.len, *count = NULL;
  uint32_t K = a->opt.bins, *idx = NULL, n_kept = 0;
  uint64_t *start = NULL;
  double *byb = NULL;
  om_status st = OM_NOMEM;
  out->bins = K;
  out->key_type = CF_KEY_BIN;
  out->edges = om_malloc_array(K - 1, sizeof(double));
  count = om_calloc(K, sizeof *count);
  start = om_calloc(K, sizeof *start);
  idx = om_malloc_array(K, sizeof *idx);
  byb = om_malloc_array((size_t)n, sizeof(double));
  if (!out->edges || !count || !start || !idx || !byb) goto done;
  memcpy(tmp, a->pool_raw.v, (size_t)n * sizeof(double));
  sort_f64(tmp, (size_t)n);
  for (uint32_t j = 1; j < K; j++) out->edges[j - 1] = tmp[(size_t)((uint64_t)j * n / K)];
  for (uint64_t i = 0; i < n; i++) count[cf_bin_of(out, a->pool_raw.v[i])]++;
  for (uint32_t b = 1; b < K; b++) start[b] = start[b - 1] + count[b - 1];
  { /* residuals grouped by bin, in ring order within a bin (any order: sorted next) */
    uint64_t *fill = count; /* reused as the fill pointer after the starts are known */
    for (uint32_t b = 0; b < K; b++) fill[b] = start[b];
    for (uint64_t i = 0; i < n; i++) byb[fill[cf_bin_of(out, a->pool_raw.v[i])]++] = a->pool.v[i];
    for (uint32_t b = 0; b < K; b++) fill[b] -= start[b]; /* back to the counts */
  }
  for (uint32_t b = 0; b < K; b++) {
    if (count[b]) out->groups_seen++;
    if (count[b] >= a->opt.min_group) idx[n_kept++] = b;
  }
  if (n_kept > a->opt.max_groups) { /* the largest bins, ties by the smaller bin; then by bin */
    for (uint32_t i = 1; i < n_kept; i++) /* insertion sort: K ≤ CF_MAX_BINS */
      for (uint32_t j = i; j > 0 && (count[idx[j]] > count[idx[j - 1]] ||
                                     (count[idx[j]] == count[idx[j - 1]] && idx[j] < idx[j - 1])); j--) {
        uint32_t t = idx[j];
        idx[j] = idx[j - 1];
        idx[j - 1] = t;
      }
    n_kept = a->opt.max_groups;
    for (uint32_t i = 1; i < n_kept; i++)
      for (uint32_t j = i; j > 0 && idx[j] < idx[j - 1]; j--) {
        uint32_t t = idx[j];
        idx[j] = idx[j - 1];
        idx[j - 1] = t;
      }
  }
  if (n_kept) {
    out->groups = om_calloc(n_kept, sizeof *out->groups);
    if (!out->groups) goto done;
  }
  for (uint32_t i = 0; i < n_kept; i++) {
    uint32_t b = idx[i];
    out->groups[i].key = b;
    if (sample_of_array(byb + start[b], count[b], &out->groups[i].s) != OM_OK) goto done;
    out->n_groups = i + 1;
  }
  st = OM_OK;
done:
  om_free(count);
  om_free(start);
  om_free(idx);
  om_free(byb);
  return st;
}

/* Kept groups first by more residuals, then by smaller key. */
static int kept_before(const cf_accum *a, uint32_t x, uint32_t y) {
  if (a->rings[x].len != a->rings[y].len) return a->rings[x].len > a->rings[y].len;
  return a->keys[x] < a->keys[y];
}

static void sort_idx(const cf_accum *a, uint32_t *idx, uint32_t n, int by_key) { /* heapsort of indices */
  uint32_t i, start, end;
#define CF_LESS(p, q) (by_key ? a->keys[p] < a->keys[q] : kept_before(a, p, q))
  if (n < 2) return;
  for (start = n / 2; start-- > 0;) {
    i = start;
    for (;;) {
      uint32_t c = 2 * i + 1, t;
      if (c >= n) break;
      if (c + 1 < n && CF_LESS(idx[c], idx[c + 1])) c++;
      if (!CF_LESS(idx[i], idx[c])) break;
      t = idx[i];
      idx[i] = idx[c];
      idx[c] = t;
      i = c;
    }
  }
  for (end = n - 1; end > 0; end--) {
    uint32_t t = idx[0];
    idx[0] = idx[end];
    idx[end] = t;
    i = 0;
    for (;;) {
      uint32_t c = 2 * i + 1;
      if (c >= end) break;
      if (c + 1 < end && CF_LESS(idx[c], idx[c + 1])) c++;
      if (!CF_LESS(idx[i], idx[c])) break;
      t = idx[i];
      idx[i] = idx[c];
      idx[c] = t;
      i = c;
    }
  }
#undef CF_LESS
}

om_status cf_accum_finish(const cf_accum *a, cf_calib *out, om_err *err) {
  uint32_t *idx = NULL, n_kept = 0;
  double *tmp = NULL;
  om_status st = OM_NOMEM;
  memset(out, 0, sizeof *out);
  if (a->pool.len == 0) return om_errf(err, OM_INVALID, "no rows to calibrate with");
  out->space = a->space;
  out->key_type = a->key_type;
  out->min_group = a->opt.min_group;
  out->window = a->opt.window;
  out->model_id = a->model_id;
  out->max_groups = a->opt.max_groups;
  out->groups_seen = a->n_groups;
  out->bins = a->opt.bins; /* finish_bins allocates the edges */
  out->shrink = a->opt.shrink;
  out->format = cf_payload_format(out);
  if (a->opt.group) {
    out->group = om_malloc(a->opt.group_len + 1);
    if (!out->group) goto done;
    memcpy(out->group, a->opt.group, a->opt.group_len + 1);
    out->group_len = a->opt.group_len;
  }
  tmp = om_malloc_array((size_t)a->pool.len, sizeof(double));
  if (!tmp) goto done;
  if (sample_of(&a->pool, tmp, &out->pool) != OM_OK) goto done;
  if (a->opt.bins) {
    if (finish_bins(a, out, tmp) != OM_OK) goto done;
  } else if (a->n_groups) {
    idx = om_malloc_array(a->n_groups, sizeof *idx);
    if (!idx) goto done;
    for (uint32_t g = 0; g < a->n_groups; g++)
      if (a->rings[g].len >= a->opt.min_group) idx[n_kept++] = g;
    if (n_kept > a->opt.max_groups) { /* behaviour 4: the largest groups */
      sort_idx(a, idx, n_kept, 0);
      n_kept = a->opt.max_groups;
    }
    sort_idx(a, idx, n_kept, 1);
    if (n_kept) {
      out->groups = om_calloc(n_kept, sizeof *out->groups);
      if (!out->groups) goto done;
    }
    for (uint32_t i = 0; i < n_kept; i++) {
      out->groups[i].key = a->keys[idx[i]];
      if (sample_of(&a->rings[idx[i]], tmp, &out->groups[i].s) != OM_OK) goto done;
      out->n_groups = i + 1;
    }
  }
  st = OM_OK;
done:
  om_free(idx);
  om_free(tmp);
  if (st != OM_OK) {
    cf_calib_free(out);
    return om_errf(err, st, "out of memory");
  }
  return OM_OK;
}

/* ---------------------------------------------------------------- use */

uint16_t cf_payload_format(const cf_calib *c) { return c->shrink > 0 ? 3 : c->bins ? 2 : 1; }

void cf_calib_free(cf_calib *c) {
  if (!c) return;
  om_free(c->pool.r);
  for (uint32_t i = 0; i < c->n_groups; i++) om_free(c->groups[i].s.r);
  om_free(c->groups);
  om_free(c->group);
  om_free(c->edges);
  memset(c, 0, sizeof *c);
}

double cf_sample_quantile(const cf_sample *s, double q) {
  uint64_t n = s->n, t;
  double kq, pos, frac;
  size_t lo;
  if (n == 0 || s->k == 0 || !(q > 0 && q < 1)) return NAN;
  kq = (double)(n + 1) * q;
  if (q >= 0.5) {
    kq = ceil(kq);
    if (kq > (double)n) return INFINITY;
  } else {
    kq = floor(kq);
    if (kq < 1) return -INFINITY;
  }
  t = (uint64_t)kq - 1;
  if (s->k == n) return s->r[t];
  pos = (double)t * (double)(s->k - 1) / (double)(n - 1);
  lo = (size_t)floor(pos);
  if (lo >= s->k - 1) return s->r[s->k - 1];
  frac = pos - (double)lo;
  return s->r[lo] + frac * (s->r[lo + 1] - s->r[lo]);
}

const cf_sample *cf_lookup(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, int *is_group) {
  *is_group = 0;
  if (has_key && c->n_groups && type == c->key_type) {
    uint32_t lo = 0, hi = c->n_groups;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (c->groups[mid].key < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo < c->n_groups && c->groups[lo].key == key && c->groups[lo].s.n >= c->min_group) {
      *is_group = 1;
      return &c->groups[lo].s;
    }
  }
  return &c->pool;
}

const cf_sample *cf_lookup_row(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, double raw,
                               int *is_group) {
  if (c->bins) {
    *is_group = 0;
    if (raw != raw) return &c->pool;
    return cf_lookup(c, 1, CF_KEY_BIN, cf_bin_of(c, raw), is_group);
  }
  return cf_lookup(c, has_key, type, key, is_group);
}

void cf_lookup_mix(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, double raw, cf_mix *m,
                   int *is_group) {
  m->s = cf_lookup_row(c, has_key, type, key, raw, is_group);
  m->pool = NULL;
  m->w = 1;
  if (*is_group && c->shrink > 0) { /* behaviour 4c: w = n/(n + K), in (0, 1] after rounding */
    m->pool = &c->pool;
    m->w = (double)m->s->n / ((double)m->s->n + c->shrink);
  }
}

double cf_mix_quantile(const cf_mix *m, double q) {
  double qs = cf_sample_quantile(m->s, q), qp;
  if (!m->pool || m->w >= 1) return qs;
  qp = cf_sample_quantile(m->pool, q);
  if (!(m->w > 0)) return qp;
  return m->w * qs + (1 - m->w) * qp; /* both weights > 0: never 0·Inf; a side's infinities share a sign */
}
