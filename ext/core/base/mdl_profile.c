/*
** mdl_profile.c — training profiles: builder, codec and PSI; the byte map
** and behaviours are in mdl_profile.h.
*/
#include "mdl_profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fv.h"
#include "mdl.h"

#define SS_TABLE (2 * MDL_PROF_SS_CAP) /* open-addressing slots (a power of 2) */
#define PB_SEED 0x6f6d656e70726f66ULL  /* "omenprof": the reservoir's fixed seed */

/* One feature slot of the builder. */
typedef struct pb_feat {
  uint8_t type;
  uint8_t approx;     /* a reservoir or an eviction happened */
  uint64_t seen;      /* non-missing values */
  /* numeric */
  double *vals;       /* [cap]: every value, then the reservoir */
  uint32_t nvals, cap;
  double min, max;
  uint64_t rng;       /* splitmix64 state */
  /* categorical: space-saving */
  uint64_t *hash;     /* [MDL_PROF_SS_CAP] */
  uint64_t *cnt;      /* [MDL_PROF_SS_CAP] */
  uint32_t *heap;     /* [MDL_PROF_SS_CAP] counter indices, min-heap by cnt */
  uint32_t *where;    /* [MDL_PROF_SS_CAP] heap position of each counter */
  int32_t *tab;       /* [SS_TABLE] counter index or -1 */
  uint32_t used;
} pb_feat;

struct mdl_pbuild {
  pb_feat *f;
  uint32_t n, cap;
  uint64_t rows;
};

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

om_status mdl_pb_new(mdl_pbuild **out, om_err *err) {
  *out = om_calloc(1, sizeof **out);
  return *out ? OM_OK : om_errf(err, OM_NOMEM, "out of memory");
}

static void pb_feat_free(pb_feat *f) {
  om_free(f->vals);
  om_free(f->hash);
  om_free(f->cnt);
  om_free(f->heap);
  om_free(f->where);
  om_free(f->tab);
}

void mdl_pb_free(mdl_pbuild *b) {
  if (!b) return;
  for (uint32_t i = 0; i < b->n; i++) pb_feat_free(&b->f[i]);
  om_free(b->f);
  om_free(b);
}

om_status mdl_pb_feature(mdl_pbuild *b, uint8_t type, uint32_t *slot, om_err *err) {
  pb_feat *f;
  if (type != FV_NUMERIC && type != FV_CATEGORICAL)
    return om_errf(err, OM_INTERNAL, "profile feature type %u is not numeric or categorical", type);
  if (b->n == b->cap) {
    uint32_t cap = b->cap ? b->cap * 2 : 16;
    pb_feat *p = om_realloc(b->f, (size_t)cap * sizeof *p);
    if (!p) return om_errf(err, OM_NOMEM, "out of memory");
    b->f = p;
    b->cap = cap;
  }
  f = &b->f[b->n];
  memset(f, 0, sizeof *f);
  f->type = type;
  f->rng = PB_SEED;
  *slot = b->n++;
  return OM_OK;
}

void mdl_pb_rows(mdl_pbuild *b, uint64_t n) { b->rows += n; }

om_status mdl_pb_num(mdl_pbuild *b, uint32_t slot, double x, om_err *err) {
  pb_feat *f = &b->f[slot];
  if (f->seen == 0 || x < f->min) f->min = x;
  if (f->seen == 0 || x > f->max) f->max = x;
  f->seen++;
  if (f->nvals < MDL_PROF_EXACT_MAX) {
    if (f->nvals == f->cap) {
      uint32_t cap = f->cap ? f->cap * 2 : 256;
      double *p = om_realloc(f->vals, (size_t)cap * sizeof *p);
      if (!p) return om_errf(err, OM_NOMEM, "out of memory");
      f->vals = p;
      f->cap = cap;
    }
    f->vals[f->nvals++] = x;
  } else { /* algorithm R: keep x with probability nvals / seen */
    uint64_t j = splitmix64(&f->rng) % f->seen;
    f->approx = 1;
    if (j < MDL_PROF_EXACT_MAX) f->vals[j] = x;
  }
  return OM_OK;
}

/* ---------------------------------------------------------- space-saving */

static uint32_t ss_home(uint64_t h) { return (uint32_t)((h ^ (h >> 29) ^ (h >> 47)) & (SS_TABLE - 1)); }

static void ss_swap(pb_feat *f, uint32_t i, uint32_t j) {
  uint32_t a = f->heap[i], c = f->heap[j];
  f->heap[i] = c;
  f->heap[j] = a;
  f->where[c] = i;
  f->where[a] = j;
}

static void ss_up(pb_feat *f, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (f->cnt[f->heap[p]] <= f->cnt[f->heap[i]]) break;
    ss_swap(f, i, p);
    i = p;
  }
}

static void ss_down(pb_feat *f, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < f->used && f->cnt[f->heap[l]] < f->cnt[f->heap[m]]) m = l;
    if (r < f->used && f->cnt[f->heap[r]] < f->cnt[f->heap[m]]) m = r;
    if (m == i) return;
    ss_swap(f, i, m);
    i = m;
  }
}

static int32_t ss_find(const pb_feat *f, uint64_t h, uint32_t *at) {
  uint32_t i = ss_home(h);
  while (f->tab[i] >= 0) {
    if (f->hash[f->tab[i]] == h) break;
    i = (i + 1) & (SS_TABLE - 1);
  }
  *at = i;
  return f->tab[i];
}

/* Remove table slot i (linear probing, backward-shift deletion). */
static void ss_tab_delete(pb_feat *f, uint32_t i) {
  uint32_t j = i;
  for (;;) {
    uint32_t k;
    j = (j + 1) & (SS_TABLE - 1);
    if (f->tab[j] < 0) break;
    k = ss_home(f->hash[f->tab[j]]);
    /* move tab[j] to i unless its home lies cyclically in (i, j] */
    if ((i < j) ? (k <= i || k > j) : (k <= i && k > j)) {
      f->tab[i] = f->tab[j];
      i = j;
    }
  }
  f->tab[i] = -1;
}

om_status mdl_pb_cat(mdl_pbuild *b, uint32_t slot, uint64_t h, om_err *err) {
  pb_feat *f = &b->f[slot];
  uint32_t at;
  int32_t c;
  if (!f->tab) {
    f->hash = om_malloc_array(MDL_PROF_SS_CAP, sizeof *f->hash);
    f->cnt = om_malloc_array(MDL_PROF_SS_CAP, sizeof *f->cnt);
    f->heap = om_malloc_array(MDL_PROF_SS_CAP, sizeof *f->heap);
    f->where = om_malloc_array(MDL_PROF_SS_CAP, sizeof *f->where);
    f->tab = om_malloc_array(SS_TABLE, sizeof *f->tab);
    if (!f->hash || !f->cnt || !f->heap || !f->where || !f->tab) {
      pb_feat_free(f);
      f->hash = f->cnt = NULL, f->heap = f->where = NULL, f->tab = NULL, f->vals = NULL;
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    memset(f->tab, 0xff, SS_TABLE * sizeof *f->tab);
  }
  f->seen++;
  c = ss_find(f, h, &at);
  if (c >= 0) {
    f->cnt[c]++;
    ss_down(f, f->where[c]);
    return OM_OK;
  }
  if (f->used < MDL_PROF_SS_CAP) {
    c = (int32_t)f->used++;
    f->hash[c] = h;
    f->cnt[c] = 1;
    f->heap[c] = (uint32_t)c;
    f->where[c] = (uint32_t)c;
    f->tab[at] = c;
    ss_up(f, (uint32_t)c);
    return OM_OK;
  }
  /* evict the smallest counter: h inherits its count plus one */
  c = (int32_t)f->heap[0];
  {
    uint32_t old;
    (void)ss_find(f, f->hash[c], &old);
    ss_tab_delete(f, old);
  }
  f->hash[c] = h;
  f->cnt[c]++;
  (void)ss_find(f, h, &at);
  f->tab[at] = c;
  ss_down(f, 0);
  f->approx = 1;
  return OM_OK;
}

/* ---------------------------------------------------------- finish */

/* Sort finite doubles ascending: an LSD radix sort (11-bit digits) of keys
** whose unsigned order is the numeric order (sign bit flipped for x >= 0,
** every bit for x < 0), skipping digits all keys share.  Several times
** faster than qsort on 65,536 values, which keeps training time flat. */
#define RADIX_BITS 11
#define RADIX_PASSES 6 /* 6 * 11 >= 64 */
static om_status sort_doubles(double *v, uint32_t n, om_err *err) {
  uint64_t *k = om_malloc_array(n, 2 * sizeof *k), *t, *src, *dst;
  uint32_t *hist = om_calloc((size_t)RADIX_PASSES << RADIX_BITS, sizeof *hist);
  if (!k || !hist) {
    om_free(k);
    om_free(hist);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  t = k + n;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t u = om_f64_bits(v[i]);
    k[i] = (u >> 63) ? ~u : u | (1ULL << 63);
    for (int p = 0; p < RADIX_PASSES; p++)
      hist[((size_t)p << RADIX_BITS) + ((k[i] >> (p * RADIX_BITS)) & ((1u << RADIX_BITS) - 1))]++;
  }
  src = k;
  dst = t;
  for (int p = 0; p < RADIX_PASSES; p++) {
    uint32_t *h = hist + ((size_t)p << RADIX_BITS), sum = 0;
    if (h[(src[0] >> (p * RADIX_BITS)) & ((1u << RADIX_BITS) - 1)] == n) continue; /* one digit for all */
    for (uint32_t d = 0; d < (1u << RADIX_BITS); d++) {
      uint32_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (uint32_t i = 0; i < n; i++) dst[h[(src[i] >> (p * RADIX_BITS)) & ((1u << RADIX_BITS) - 1)]++] = src[i];
    {
      uint64_t *x = src;
      src = dst;
      dst = x;
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    uint64_t u = src[i];
    v[i] = om_f64_from_bits((u >> 63) ? u & ~(1ULL << 63) : ~u);
  }
  om_free(k);
  om_free(hist);
  return OM_OK;
}

/* numpy.quantile(v, q, method='linear') on sorted v[0..n): virtual index
** (n-1)q, then numpy's _lerp (a + d*t, or b - d*(1-t) when t >= 0.5). */
static double quantile_sorted(const double *v, uint32_t n, double q) {
  double pos = (double)(n - 1) * q, t, a, b, d, r;
  uint32_t lo;
  if (!(pos > 0)) return v[0];
  if (pos >= (double)(n - 1)) return v[n - 1];
  lo = (uint32_t)floor(pos);
  t = pos - (double)lo;
  a = v[lo];
  b = v[lo + 1];
  d = b - a;
  r = t >= 0.5 ? b - d * (1 - t) : a + d * t;
  if (!isfinite(r)) r = (1 - t) * a + t * b; /* b - a overflowed */
  if (r < a) r = a;
  if (r > b) r = b;
  return r;
}

typedef struct ss_pick {
  uint64_t hash, cnt;
} ss_pick;

static int cmp_pick(const void *x, const void *y) {
  const ss_pick *a = x, *b = y;
  if (a->cnt != b->cnt) return a->cnt > b->cnt ? -1 : 1;
  return (a->hash > b->hash) - (a->hash < b->hash);
}

/* One allocation for the features and all their arrays. */
static om_status prof_alloc(mdl_profile *p, uint32_t nf, size_t n_doubles, size_t n_hashes, om_err *err) {
  size_t bytes = ((size_t)nf * sizeof *p->f + 7) & ~(size_t)7; /* then the doubles, then the hashes */
  bytes += n_doubles * sizeof(double) + n_hashes * sizeof(uint64_t);
  memset(p, 0, sizeof *p);
  p->f = om_calloc(1, bytes ? bytes : 1);
  if (!p->f) return om_errf(err, OM_NOMEM, "out of memory");
  p->n_features = nf;
  return OM_OK;
}

static double *prof_doubles(mdl_profile *p) {
  size_t at = ((size_t)p->n_features * sizeof *p->f + 7) & ~(size_t)7;
  return (double *)((char *)p->f + at);
}

void mdl_profile_free(mdl_profile *p) {
  om_free(p->f);
  memset(p, 0, sizeof *p);
}

om_status mdl_pb_finish(mdl_pbuild *b, const mdl_feature *feats, const uint32_t *slots, uint32_t nf,
                        mdl_profile *out, om_err *err) {
  size_t nd = 0, nh = 0;
  double *dp;
  uint64_t *hp;
  ss_pick *pick = NULL;
  om_status st;
  for (uint32_t i = 0; i < nf; i++) {
    if (slots[i] != MDL_PB_NONE &&
        (slots[i] >= b->n || b->f[slots[i]].type != feats[i].type || b->f[slots[i]].seen > b->rows))
      return om_errf(err, OM_INTERNAL, "profile slot of feature %u does not match the schema", i + 1);
    if (feats[i].type == FV_NUMERIC) nd += 2 * MDL_PROF_DECILES;
    else nd += MDL_PROF_TOP_K, nh += MDL_PROF_TOP_K;
  }
  if ((st = prof_alloc(out, nf, nd, nh, err)) != OM_OK) return st;
  out->rows = b->rows;
  dp = prof_doubles(out);
  hp = (uint64_t *)(dp + nd);
  for (uint32_t i = 0; i < nf; i++) {
    mdl_prof_feature *o = &out->f[i];
    pb_feat *f = slots[i] == MDL_PB_NONE ? NULL : &b->f[slots[i]];
    uint64_t seen = f ? f->seen : 0;
    o->type = feats[i].type;
    o->missing = b->rows - seen; /* rows before the slot existed are missing too */
    o->flags = f && f->approx ? MDL_PROF_APPROX : 0;
    if (o->type == FV_NUMERIC) {
      uint32_t m = f ? f->nvals : 0, c = 0, k, at = 0;
      o->edges = dp;
      o->frac = dp + MDL_PROF_DECILES;
      dp += 2 * MDL_PROF_DECILES;
      if (m > 0) {
        o->min = f->min;
        o->max = f->max;
        if ((st = sort_doubles(f->vals, m, err)) != OM_OK) {
          om_free(pick);
          mdl_profile_free(out);
          return st;
        }
        for (k = 1; k < MDL_PROF_DECILES; k++) {
          double e = quantile_sorted(f->vals, m, (double)k / MDL_PROF_DECILES);
          if (c == 0 || e > o->edges[c - 1]) o->edges[c++] = e;
        }
        /* bin counts over the sorted values: bin j holds edges[j-1] < x <= edges[j] */
        for (k = 0; k <= c; k++) {
          uint32_t start = at;
          while (at < m && (k == c || f->vals[at] <= o->edges[k])) at++;
          if (f->approx) o->frac[k] = (double)(at - start) / m * ((double)seen / (double)b->rows);
          else o->frac[k] = (double)(at - start) / (double)b->rows;
        }
      }
      o->count = c;
    } else {
      uint64_t top = 0;
      uint32_t c = 0;
      o->frac = dp;
      o->cat = hp;
      dp += MDL_PROF_TOP_K;
      hp += MDL_PROF_TOP_K;
      if (f && f->used) {
        if (!pick) {
          pick = om_malloc_array(MDL_PROF_SS_CAP, sizeof *pick);
          if (!pick) {
            mdl_profile_free(out);
            return om_errf(err, OM_NOMEM, "out of memory");
          }
        }
        for (uint32_t k = 0; k < f->used; k++) pick[k].hash = f->hash[k], pick[k].cnt = f->cnt[k];
        qsort(pick, f->used, sizeof *pick, cmp_pick);
        for (c = 0; c < f->used && c < MDL_PROF_TOP_K; c++) {
          o->cat[c] = pick[c].hash;
          o->frac[c] = (double)pick[c].cnt / (double)b->rows;
          top += pick[c].cnt;
        }
      }
      o->count = c;
      o->other = seen > top ? (double)(seen - top) / (double)b->rows : 0;
    }
  }
  om_free(pick);
  return OM_OK;
}

/* ---------------------------------------------------------- codec */

void mdl_profile_encode(const mdl_profile *p, om_wbuf *w) {
  om_wbuf_u16(w, MDL_PROF_VERSION);
  om_wbuf_u16(w, 0);
  om_wbuf_u32(w, p->n_features);
  om_wbuf_u64(w, p->rows);
  for (uint32_t i = 0; i < p->n_features; i++) {
    const mdl_prof_feature *f = &p->f[i];
    om_wbuf_u8(w, f->type);
    om_wbuf_u8(w, f->flags);
    om_wbuf_u16(w, (uint16_t)f->count);
    om_wbuf_u32(w, 0);
    om_wbuf_u64(w, f->missing);
    if (f->type == FV_NUMERIC) {
      om_wbuf_f64(w, f->min);
      om_wbuf_f64(w, f->max);
      for (uint32_t k = 0; k < f->count; k++) om_wbuf_f64(w, f->edges[k]);
      for (uint32_t k = 0; k <= f->count; k++) om_wbuf_f64(w, f->frac[k]);
    } else {
      for (uint32_t k = 0; k < f->count; k++) {
        om_wbuf_u64(w, f->cat[k]);
        om_wbuf_f64(w, f->frac[k]);
      }
      om_wbuf_f64(w, f->other);
    }
  }
}

static int frac_ok(double x) { return x >= 0 && x <= 1; } /* false for NaN */

/* Read (and check) one feature record; with o == NULL only check. */
static om_status read_feature(om_rbuf *r, uint32_t i, uint8_t want_type, uint64_t rows, mdl_prof_feature *o,
                              om_err *err) {
  uint8_t type = om_rbuf_u8(r), flags = om_rbuf_u8(r);
  uint32_t c = om_rbuf_u16(r), reserved = om_rbuf_u32(r);
  uint64_t missing = om_rbuf_u64(r);
  double sum;
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "model profile is truncated (feature %u)", i + 1);
  if (type != want_type || (flags & ~MDL_PROF_APPROX) || reserved != 0 || missing > rows)
    return om_errf(err, OM_CORRUPT, "model profile is corrupt (feature %u)", i + 1);
  sum = rows ? (double)missing / (double)rows : 0;
  if (o) o->type = type, o->flags = flags, o->count = c, o->missing = missing;
  if (type == FV_NUMERIC) {
    double mn = om_rbuf_f64(r), mx = om_rbuf_f64(r), prev = mn;
    if (c > MDL_PROF_MAX_EDGES || r->left < ((size_t)c * 2 + 1) * 8 || !isfinite(mn) || !isfinite(mx) || mn > mx)
      return om_errf(err, OM_CORRUPT, "model profile is corrupt (feature %u)", i + 1);
    for (uint32_t k = 0; k < c; k++) {
      double e = om_rbuf_f64(r);
      if (!isfinite(e) || e < mn || e > mx || (k > 0 && !(e > prev)))
        return om_errf(err, OM_CORRUPT, "model profile has bad bin edges (feature %u)", i + 1);
      prev = e;
      if (o) o->edges[k] = e;
    }
    for (uint32_t k = 0; k <= c; k++) {
      double x = om_rbuf_f64(r);
      if (!frac_ok(x)) return om_errf(err, OM_CORRUPT, "model profile has a bad fraction (feature %u)", i + 1);
      sum += x;
      if (o) o->frac[k] = x;
    }
    if (o) o->min = mn, o->max = mx;
  } else {
    double prev = 1;
    if (c > MDL_PROF_MAX_CATS || r->left < ((size_t)c * 2 + 1) * 8)
      return om_errf(err, OM_CORRUPT, "model profile is corrupt (feature %u)", i + 1);
    for (uint32_t k = 0; k < c; k++) {
      const uint8_t *hp = r->p;
      uint64_t h = om_rbuf_u64(r);
      double x = om_rbuf_f64(r);
      if (!frac_ok(x) || x > prev)
        return om_errf(err, OM_CORRUPT, "model profile has a bad fraction (feature %u)", i + 1);
      for (uint32_t q = 0; q < k; q++) /* c <= 64: quadratic is fine */
        if (om_load_u64(hp - 16 * (size_t)(k - q)) == h)
          return om_errf(err, OM_CORRUPT, "model profile repeats a category (feature %u)", i + 1);
      prev = x;
      sum += x;
      if (o) o->cat[k] = h, o->frac[k] = x;
    }
    {
      double x = om_rbuf_f64(r);
      if (!frac_ok(x)) return om_errf(err, OM_CORRUPT, "model profile has a bad fraction (feature %u)", i + 1);
      sum += x;
      if (o) o->other = x;
    }
  }
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "model profile is truncated (feature %u)", i + 1);
  /* every row is in exactly one slot; a feature with no rows has all zeros */
  if (rows ? fabs(sum - 1) > 1e-6 : sum != 0)
    return om_errf(err, OM_CORRUPT, "model profile fractions do not add up to 1 (feature %u)", i + 1);
  return OM_OK;
}

static om_status read_head(om_rbuf *r, uint32_t *nf, uint64_t *rows, om_err *err) {
  uint16_t ver = om_rbuf_u16(r), reserved = om_rbuf_u16(r);
  *nf = om_rbuf_u32(r);
  *rows = om_rbuf_u64(r);
  if (!om_rbuf_ok(r)) return om_errf(err, OM_CORRUPT, "model profile is truncated");
  if (ver != MDL_PROF_VERSION)
    return om_errf(err, ver > MDL_PROF_VERSION ? OM_UNSUPPORTED_VERSION : OM_CORRUPT,
                   "model profile version %u is not supported (this build reads version %d)", ver, MDL_PROF_VERSION);
  if (reserved != 0) return om_errf(err, OM_CORRUPT, "model profile has non-zero reserved bytes");
  return OM_OK;
}

om_status mdl_profile_check(const uint8_t *p, size_t n, const mdl_feature *feats, uint32_t nf, uint64_t *rows,
                            om_err *err) {
  om_rbuf r;
  uint32_t pnf;
  om_status st;
  om_rbuf_init(&r, p, n);
  if ((st = read_head(&r, &pnf, rows, err)) != OM_OK) return st;
  if (pnf != nf)
    return om_errf(err, OM_CORRUPT, "model profile has %u features; the schema has %u", (unsigned)pnf, (unsigned)nf);
  for (uint32_t i = 0; i < nf; i++)
    if ((st = read_feature(&r, i, feats[i].type, *rows, NULL, err)) != OM_OK) return st;
  if (r.left != 0) return om_errf(err, OM_CORRUPT, "model profile has trailing bytes");
  return OM_OK;
}

om_status mdl_profile_decode(const uint8_t *p, size_t n, mdl_profile *out, om_err *err) {
  om_rbuf r;
  uint32_t nf;
  uint64_t rows;
  size_t nd = 0, nh = 0;
  double *dp;
  uint64_t *hp;
  om_status st;
  memset(out, 0, sizeof *out);
  om_rbuf_init(&r, p, n);
  if ((st = read_head(&r, &nf, &rows, err)) != OM_OK) return st;
  if (nf > n / 24) return om_errf(err, OM_CORRUPT, "model profile is truncated");
  { /* sizes first: a pass over the records' headers */
    om_rbuf s = r;
    for (uint32_t i = 0; i < nf; i++) {
      uint8_t type = om_rbuf_u8(&s);
      uint32_t c;
      om_rbuf_u8(&s);
      c = om_rbuf_u16(&s);
      om_rbuf_u32(&s);
      om_rbuf_u64(&s);
      if (!om_rbuf_ok(&s) || c > MDL_PROF_MAX_CATS) return om_errf(err, OM_CORRUPT, "model profile is corrupt");
      if (type == FV_NUMERIC) {
        nd += 2 * (size_t)c + 1;
        om_rbuf_bytes(&s, (2 + 2 * (size_t)c + 1) * 8);
      } else {
        nd += c, nh += c;
        om_rbuf_bytes(&s, (2 * (size_t)c + 1) * 8);
      }
      if (!om_rbuf_ok(&s)) return om_errf(err, OM_CORRUPT, "model profile is truncated");
    }
  }
  if ((st = prof_alloc(out, nf, nd, nh, err)) != OM_OK) return st;
  out->rows = rows;
  dp = prof_doubles(out);
  hp = (uint64_t *)(dp + nd);
  for (uint32_t i = 0; i < nf; i++) {
    mdl_prof_feature *o = &out->f[i];
    uint8_t type = r.left ? r.p[0] : 0;
    uint32_t c = r.left >= 4 ? om_load_u16(r.p + 2) : 0;
    if (type == FV_NUMERIC) {
      o->edges = dp;
      o->frac = dp + c;
      dp += 2 * (size_t)c + 1;
    } else {
      o->frac = dp;
      o->cat = hp;
      dp += c;
      hp += c;
    }
    st = read_feature(&r, i, type == FV_NUMERIC ? FV_NUMERIC : FV_CATEGORICAL, rows, o, err);
    if (st != OM_OK) {
      mdl_profile_free(out);
      return st;
    }
  }
  return OM_OK;
}

/* ---------------------------------------------------------- PSI */

uint32_t mdl_prof_bin_num(const mdl_prof_feature *f, double x) {
  uint32_t lo = 0, hi = f->type == FV_NUMERIC ? f->count : 0; /* first edge >= x */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (f->edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

uint32_t mdl_prof_bin_cat(const mdl_prof_feature *f, uint64_t h) {
  uint32_t k;
  if (f->type != FV_CATEGORICAL) return 0;
  for (k = 0; k < f->count; k++)
    if (f->cat[k] == h) break;
  return k;
}

double mdl_prof_expected(const mdl_prof_feature *f, uint64_t rows, uint32_t slot) {
  if (slot == mdl_prof_slot_missing(f)) return rows ? (double)f->missing / (double)rows : 0;
  if (f->type == FV_NUMERIC) return slot <= f->count ? f->frac[slot] : 0;
  if (slot < f->count) return f->frac[slot];
  return slot == f->count ? f->other : 0;
}

double mdl_prof_psi(const mdl_prof_feature *f, uint64_t rows, const uint64_t *counts, uint64_t n) {
  double psi = 0;
  if (n == 0) return NAN;
  for (uint32_t s = 0; s < mdl_prof_slots(f); s++) {
    double a = (double)counts[s] / (double)n, e = mdl_prof_expected(f, rows, s);
    if (a < MDL_PROF_PSI_FLOOR) a = MDL_PROF_PSI_FLOOR;
    if (e < MDL_PROF_PSI_FLOOR) e = MDL_PROF_PSI_FLOOR;
    psi += (a - e) * log(a / e);
  }
  return psi;
}
