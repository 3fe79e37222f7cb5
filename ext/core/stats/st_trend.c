/*
** st_trend.c — OLS slope, Mann–Kendall and Sen's slope (spec: st_trend.h).
*/
#include "st_trend.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st_order.h"
#include "st_tdist.h"

#define TR_POLL_WORK ((uint64_t)1 << 22) /* pair steps between interrupt polls */
#define TR_SAMPLE 65536                  /* random slopes per bracket (behaviour 5) */
#define TR_MAX_PASSES 64
#define TR_BLOCK 256 /* slopes computed at once in a pass */

typedef struct tr_pt {
  double t, y;
} tr_pt;

static om_status tr_nomem(om_err *err) { return om_errf(err, OM_NOMEM, "out of memory"); }

static int tr_cmp_pt(const void *a, const void *b) {
  const tr_pt *p = a, *q = b;
  if (p->t < q->t) return -1;
  if (p->t > q->t) return 1;
  if (p->y < q->y) return -1;
  if (p->y > q->y) return 1;
  return 0;
}

/* (a + b) / 2 as numpy's mean of two values, finite when a + b overflows. */
static double tr_mid(double a, double b) {
  double s = a + b;
  if (isinf(s) && !isinf(a) && !isinf(b)) return a / 2 + b / 2;
  return s / 2;
}

/* numpy.median of v[0, n) (n > 0); v is reordered. */
static om_status tr_median(double *v, size_t n, double *out, const om_interrupt *it, om_err *err) {
  double a, b;
  om_status st;
  if (n % 2) return st_select_kth(v, n, n / 2, out, it, err);
  st = st_select_kth(v, n, n / 2 - 1, &a, it, err);
  if (st != OM_OK) return st;
  b = v[n / 2];
  for (size_t i = n / 2 + 1; i < n; i++)
    if (v[i] < b) b = v[i];
  *out = tr_mid(a, b);
  return OM_OK;
}

/* ---------------------------------------------------------------- OLS (2) */

static om_status tr_ols(const double *t, const double *y, size_t n, double c, st_trend *o, om_err *err) {
  double tm = 0, ym = 0, sxx = 0, sst = 0, ssr = 0, scale, b0, b1, slope;
  double *a = NULL, *r = NULL;
  lapack_int info;
  for (size_t i = 0; i < n; i++) {
    tm += t[i];
    ym += y[i];
  }
  tm /= (double)n;
  ym /= (double)n;
  for (size_t i = 0; i < n; i++) {
    sxx += (t[i] - tm) * (t[i] - tm);
    sst += (y[i] - ym) * (y[i] - ym);
  }
  if (!(sxx > 0)) return OM_OK; /* all t equal (n >= 2): no slope */
  {
    size_t i = 1;
    while (i < n && y[i] == y[0]) i++;
    if (i == n) { /* constant y: a flat line, exactly */
      o->slope = 0;
      o->intercept = y[0];
      o->r2 = NAN;
      if (n > 2) {
        o->df = (double)(n - 2);
        o->slope_se = 0;
        o->slope_ci_low = o->slope_ci_high = 0;
      }
      return OM_OK;
    }
  }
  scale = sqrt(sxx / (double)n);
  a = om_malloc_array(2 * n, sizeof *a);
  r = om_malloc_array(n, sizeof *r);
  if (!a || !r) {
    om_free(a);
    om_free(r);
    return tr_nomem(err);
  }
  for (size_t i = 0; i < n; i++) { /* column-major n x 2 */
    a[i] = 1.0;
    a[n + i] = (t[i] - tm) / scale;
    r[i] = y[i];
  }
  info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)n, 2, 1, a, (lapack_int)n, r, (lapack_int)n);
  om_free(a);
  if (info != 0) {
    om_free(r);
    return om_errf(err, OM_SINGULAR, "the least-squares fit failed (LAPACK dgels info %d)", (int)info);
  }
  b0 = r[0];
  b1 = r[1];
  om_free(r);
  {
    /* one step of iterative refinement: the centred design is orthogonal,
    ** so the correction from the residuals is two sums */
    double d0 = 0, d1 = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
      double x = (t[i] - tm) / scale, e = y[i] - (b0 + b1 * x);
      d0 += e;
      d1 += x * e;
      ss += x * x;
    }
    b0 += d0 / (double)n;
    b1 += d1 / ss;
  }
  slope = b1 / scale;
  for (size_t i = 0; i < n; i++) {
    double e = y[i] - (b0 + b1 * ((t[i] - tm) / scale));
    ssr += e * e;
  }
  o->slope = slope;
  o->intercept = b0 - slope * tm;
  o->r2 = sst > 0 ? 1.0 - ssr / sst : NAN;
  if (n == 2) {
    o->r2 = sst > 0 ? 1.0 : NAN;
    return OM_OK;
  }
  o->df = (double)(n - 2);
  o->slope_se = sqrt(ssr / o->df / sxx);
  if (o->slope_se > 0) {
    double q = st_t_ppf((1.0 + c) / 2.0, o->df);
    o->slope_t = slope / o->slope_se;
    o->slope_p = 2.0 * st_t_sf(fabs(o->slope_t), o->df);
    if (o->slope_p > 1.0) o->slope_p = 1.0;
    o->slope_ci_low = slope - q * o->slope_se;
    o->slope_ci_high = slope + q * o->slope_se;
  } else {
    if (slope != 0) {
      o->slope_t = slope > 0 ? INFINITY : -INFINITY;
      o->slope_p = 0.0;
    }
    o->slope_ci_low = o->slope_ci_high = slope;
  }
  return OM_OK;
}

/* ------------------------------------------------------ Mann–Kendall (3) */

/* Tie-group sums of a sorted sequence: pairs (sum u(u-1)/2, exact),
** sum u(u-1)(u-2) and sum u(u-1)(2u+5). */
typedef struct tr_ties {
  uint64_t pairs;
  double s0, s1;
} tr_ties;

static void tr_add_group(tr_ties *tt, uint64_t u) {
  double du = (double)u;
  if (u < 2) return;
  tt->pairs += u * (u - 1) / 2;
  tt->s0 += du * (du - 1) * (du - 2);
  tt->s1 += du * (du - 1) * (2 * du + 5);
}

/* Strict inversions (i < j, v[i] > v[j]) of v[0, n), counted while merge
** sorting v ascending (tmp: n doubles). */
static uint64_t tr_inversions(double *v, double *tmp, size_t n) {
  uint64_t inv = 0;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      if (mid >= hi) {
        memcpy(tmp + lo, v + lo, (hi - lo) * sizeof *v);
        continue;
      }
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          inv += mid - i;
          tmp[k++] = v[j++];
        } else {
          tmp[k++] = v[i++];
        }
      }
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    memcpy(v, tmp, n * sizeof *v);
  }
  return inv;
}

/* p sorted by (t, y). */
static om_status tr_mann_kendall(const tr_pt *p, size_t n, st_trend *o, tr_ties *tx, tr_ties *ty,
                                 om_err *err) {
  uint64_t n0 = (uint64_t)n * (n - 1) / 2, joint = 0, dis;
  double *v, *tmp, m = (double)n * ((double)n - 1), var;
  int64_t s;
  tr_ties tj = {0, 0, 0};
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[j].t == p[i].t) j++;
    tr_add_group(tx, j - i);
    for (size_t k = i; k < j;) {
      size_t l = k;
      while (l < j && p[l].y == p[k].y) l++;
      tr_add_group(&tj, l - k);
      k = l;
    }
    i = j;
  }
  joint = tj.pairs;
  v = om_malloc_array(n, sizeof *v);
  tmp = om_malloc_array(n, sizeof *tmp);
  if (!v || !tmp) {
    om_free(v);
    om_free(tmp);
    return tr_nomem(err);
  }
  for (size_t i = 0; i < n; i++) v[i] = p[i].y;
  dis = tr_inversions(v, tmp, n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && v[j] == v[i]) j++;
    tr_add_group(ty, j - i);
    i = j;
  }
  om_free(v);
  om_free(tmp);
  s = (int64_t)(n0 - tx->pairs - ty->pairs + joint) - 2 * (int64_t)dis;
  o->mk_s = (double)s;
  var = (m * (2.0 * (double)n + 5) - tx->s1 - ty->s1) / 18.0;
  if (n > 1) var += 2.0 * (double)tx->pairs * (double)ty->pairs / m;
  if (n > 2) var += tx->s0 * ty->s0 / (9.0 * m * ((double)n - 2));
  o->mk_var_s = n > 1 ? var : 0.0;
  if (n > 1 && var > 0) {
    double num = s > 0 ? (double)(s - 1) : s < 0 ? (double)(s + 1) : 0.0;
    o->mk_z = num / sqrt(var);
    o->mk_p = 2.0 * st_norm_sf(fabs(o->mk_z));
    if (o->mk_p > 1.0) o->mk_p = 1.0;
  }
  if (n0 > tx->pairs && n0 > ty->pairs)
    o->mk_tau = (double)s / sqrt((double)(n0 - tx->pairs)) / sqrt((double)(n0 - ty->pairs));
  return OM_OK;
}

/* ------------------------------------------------------------- Sen (4, 5) */

typedef struct tr_poll {
  const om_interrupt *it;
  uint64_t work;
} tr_poll;

static int tr_tick(tr_poll *pl, uint64_t w) {
  pl->work += w;
  if (pl->work < TR_POLL_WORK) return 0;
  pl->work = 0;
  return om_interrupted(pl->it);
}

static uint64_t tr_rand(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static uint64_t tr_below(uint64_t *s, uint64_t bound) { /* uniform in [0, bound) */
  return (uint64_t)((double)(tr_rand(s) >> 11) * 0x1.0p-53 * (double)bound) % bound;
}

static int tr_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One order statistic being searched for (behaviour 5). */
typedef struct tr_target {
  uint64_t r;          /* wanted rank, 0-based */
  double plo, phi;     /* a bracket known to hold rank r ... */
  uint64_t plt, pin;   /* ... with this many slopes below it and in it */
  double lo, hi;       /* this pass's bracket */
  uint64_t lt, in;     /* this pass's counts */
  int keep;            /* keep the slopes in [lo, hi] in this pass */
  double *kept;        /* ST_TREND_KEEP slots */
  size_t nkept;
  double *res;         /* reservoir sample of [lo, hi], TR_SAMPLE slots */
  size_t nres;
  uint64_t seen;
  int done;
  double value;
} tr_target;

/* A new bracket for g from a sorted sample s[0, m) of the slopes in its
** known bracket. */
static void tr_bracket(tr_target *g, const double *s, size_t m) {
  double q = ((double)(g->r - g->plt) + 0.5) / (double)g->pin;
  double pos = q * (double)m, k = 4.0 * sqrt((double)m * q * (1 - q)) + 8.0;
  double a = pos - k, b = pos + k;
  g->lo = a < 0 ? g->plo : s[(size_t)a];
  g->hi = b >= (double)m ? g->phi : s[(size_t)b];
  /* expected slopes inside: keep them if they surely fit */
  g->keep = ((double)g->pin * (b - a) / (double)m) * 2.0 < (double)ST_TREND_KEEP || g->pin <= ST_TREND_KEEP;
}

static om_status tr_sen_large(const tr_pt *p, size_t n, const size_t *next, uint64_t N, tr_target *g, int ng,
                              const om_interrupt *it, om_err *err) {
  uint64_t seed = 0x6F6D656E5472656Eu; /* fixed: behaviour 5 */
  tr_poll pl = {it, 0};
  double *sample = om_malloc_array(TR_SAMPLE, sizeof *sample);
  double *ts = om_malloc_array(n + TR_BLOCK, sizeof *ts), *ys = om_malloc_array(n + TR_BLOCK, sizeof *ys);
  double dblk[TR_BLOCK];
  om_status st = OM_OK;
  if (!sample || !ts || !ys) {
    st = tr_nomem(err);
    goto done;
  }
  for (size_t i = 0; i < n; i++) { /* columns: the block loop vectorises */
    ts[i] = p[i].t;
    ys[i] = p[i].y;
  }
  for (size_t i = n; i < n + TR_BLOCK; i++) { /* padding: slope NaN */
    ts[i] = NAN;
    ys[i] = 0;
  }
  for (int k = 0; k < ng; k++) {
    g[k].kept = om_malloc_array(ST_TREND_KEEP, sizeof(double));
    g[k].res = om_malloc_array(TR_SAMPLE, sizeof(double));
    if (!g[k].kept || !g[k].res) {
      st = tr_nomem(err);
      goto done;
    }
    g[k].plo = -INFINITY;
    g[k].phi = INFINITY;
    g[k].plt = 0;
    g[k].pin = N;
  }
  /* first brackets: random pairs with distinct t (uniform over the N) */
  for (size_t m = 0; m < TR_SAMPLE;) {
    size_t i = (size_t)tr_below(&seed, n), j = (size_t)tr_below(&seed, n);
    if (p[i].t == p[j].t) continue;
    if (p[i].t > p[j].t) {
      size_t x = i;
      i = j;
      j = x;
    }
    sample[m++] = (p[j].y - p[i].y) / (p[j].t - p[i].t);
  }
  qsort(sample, TR_SAMPLE, sizeof *sample, tr_cmp_double);
  for (int k = 0; k < ng; k++) tr_bracket(&g[k], sample, TR_SAMPLE);
  for (int pass = 0;; pass++) {
    int open = 0;
    if (pass == TR_MAX_PASSES) {
      st = om_errf(err, OM_INTERNAL, "Sen's slope: no convergence after %d passes", pass);
      goto done;
    }
    uint64_t below = 0; /* slopes below every open bracket */
    double glo = INFINITY, ghi = -INFINITY;
    for (int k = 0; k < ng; k++) {
      g[k].lt = g[k].in = g[k].seen = 0;
      g[k].nkept = g[k].nres = 0;
      if (g[k].done) continue;
      if (g[k].lo < glo) glo = g[k].lo;
      if (g[k].hi > ghi) ghi = g[k].hi;
    }
    for (size_t i = 0; i + 1 < n; i++) {
      const double ti = p[i].t, yi = p[i].y;
      if (tr_tick(&pl, n - next[i])) {
        st = om_errf(err, OM_INTERRUPTED, "interrupted");
        goto done;
      }
      for (size_t j0 = next[i]; j0 < n; j0 += TR_BLOCK) {
        const double *tb = ts + j0, *yb = ys + j0;
        uint64_t nb = 0, hits = 0;
        /* a whole block of slopes (fixed length, so it vectorises; the
        ** padding past n gives NaN, counted nowhere), then the few inside
        ** some bracket */
        for (size_t b = 0; b < TR_BLOCK; b++) dblk[b] = (yb[b] - yi) / (tb[b] - ti);
        for (size_t b = 0; b < TR_BLOCK; b++) {
          nb += dblk[b] < glo;
          hits += dblk[b] <= ghi;
        }
        below += nb;
        if (hits == nb) continue;
        for (size_t b = 0; b < TR_BLOCK; b++) {
        const double d = dblk[b];
        if (d < glo || d > ghi) continue;
        for (int k = 0; k < ng; k++) {
          tr_target *h = &g[k];
          if (h->done) continue;
          if (d < h->lo) {
            h->lt++;
          } else if (d <= h->hi) {
            h->in++;
            if (h->keep && h->nkept < ST_TREND_KEEP) h->kept[h->nkept++] = d;
            if (h->nres < TR_SAMPLE) {
              h->res[h->nres++] = d;
            } else {
              uint64_t x = tr_below(&seed, ++h->seen + TR_SAMPLE);
              if (x < TR_SAMPLE) h->res[x] = d;
            }
          }
        }
        }
      }
    }
    for (int k = 0; k < ng; k++) {
      tr_target *h = &g[k];
      if (h->done) continue;
      h->lt += below;
      if (h->r >= h->lt && h->r < h->lt + h->in) {
        if (h->lo == h->hi) { /* one value, many ties */
          h->done = 1;
          h->value = h->lo;
          continue;
        }
        if (h->keep && h->in <= ST_TREND_KEEP) {
          st = st_select_kth(h->kept, h->nkept, (size_t)(h->r - h->lt), &h->value, it, err);
          if (st != OM_OK) goto done;
          h->done = 1;
          continue;
        }
        h->plo = h->lo;
        h->phi = h->hi;
        h->plt = h->lt;
        h->pin = h->in;
        qsort(h->res, h->nres, sizeof(double), tr_cmp_double);
        tr_bracket(h, h->res, h->nres);
      } else { /* the sample missed: search the last good bracket whole */
        h->lo = h->plo;
        h->hi = h->phi;
        h->keep = h->pin <= ST_TREND_KEEP;
      }
      open = 1;
    }
    if (!open) break;
  }
done:
  om_free(sample);
  om_free(ts);
  om_free(ys);
  for (int k = 0; k < ng; k++) {
    om_free(g[k].kept);
    om_free(g[k].res);
    g[k].kept = g[k].res = NULL;
  }
  return st;
}

/* p sorted by (t, y); tx, ty: tie groups of t and y (behaviour 4). */
static om_status tr_sen(const tr_pt *p, size_t n, double c, const tr_ties *tx, const tr_ties *ty,
                        const om_interrupt *it, st_trend *o, om_err *err) {
  uint64_t n0 = (uint64_t)n * (n - 1) / 2, N = n0 - tx->pairs, rl, ru;
  double dn = (double)n, sigma, z, med_t, med_y;
  size_t *next = NULL;
  double *w = NULL;
  tr_target g[4];
  int ng;
  om_status st = OM_OK;
  o->sen_pairs = (double)N;
  if (N == 0) return OM_OK;
  sigma = sqrt((dn * (dn - 1) * (2 * dn + 5) - tx->s1 - ty->s1) / 18.0);
  z = st_norm_ppf((1.0 - c) / 2.0);
  {
    double a = nearbyint(((double)N - z * sigma) / 2.0), b = nearbyint(((double)N + z * sigma) / 2.0) - 1;
    ru = a > (double)(N - 1) ? N - 1 : (uint64_t)a;
    rl = b < 0 ? 0 : (uint64_t)b;
  }
  memset(g, 0, sizeof g);
  ng = 0;
  if (N % 2) {
    g[ng++].r = (N - 1) / 2;
  } else {
    g[ng++].r = N / 2 - 1;
    g[ng++].r = N / 2;
  }
  g[ng++].r = rl;
  g[ng++].r = ru;
  next = om_malloc_array(n, sizeof *next);
  if (!next) return tr_nomem(err);
  for (size_t i = 0; i < n;) { /* next[i]: the first index with a larger t */
    size_t j = i;
    while (j < n && p[j].t == p[i].t) j++;
    for (size_t k = i; k < j; k++) next[k] = j;
    i = j;
  }
  if (N <= ST_TREND_MATERIALIZE) {
    size_t m = 0;
    tr_poll pl = {it, 0};
    w = om_malloc_array((size_t)N, sizeof *w);
    if (!w) {
      st = tr_nomem(err);
      goto done;
    }
    for (size_t i = 0; i + 1 < n; i++) {
      if (tr_tick(&pl, n - next[i])) {
        st = om_errf(err, OM_INTERRUPTED, "interrupted");
        goto done;
      }
      for (size_t j = next[i]; j < n; j++) w[m++] = (p[j].y - p[i].y) / (p[j].t - p[i].t);
    }
    for (int k = 0; k < ng; k++) {
      st = st_select_kth(w, (size_t)N, (size_t)g[k].r, &g[k].value, it, err);
      if (st != OM_OK) goto done;
    }
  } else {
    st = tr_sen_large(p, n, next, N, g, ng, it, err);
    if (st != OM_OK) goto done;
  }
  o->sen_slope = N % 2 ? g[0].value : tr_mid(g[0].value, g[1].value);
  o->sen_ci_low = g[ng - 2].value;
  o->sen_ci_high = g[ng - 1].value;
  /* intercept: numpy medians of t and y */
  om_free(w);
  w = om_malloc_array(n, sizeof *w);
  if (!w) {
    st = tr_nomem(err);
    goto done;
  }
  for (size_t i = 0; i < n; i++) w[i] = p[i].t;
  if ((st = tr_median(w, n, &med_t, it, err)) != OM_OK) goto done;
  for (size_t i = 0; i < n; i++) w[i] = p[i].y;
  if ((st = tr_median(w, n, &med_y, it, err)) != OM_OK) goto done;
  o->sen_intercept = med_y - o->sen_slope * med_t;
done:
  om_free(w);
  om_free(next);
  return st;
}

/* ------------------------------------------------------------------ entry */

om_status st_trend_compute(const double *t, const double *y, size_t n, double confidence, const om_interrupt *it,
                           st_trend *o, om_err *err) {
  tr_pt *p;
  tr_ties tx = {0, 0, 0}, ty = {0, 0, 0};
  om_status st;
  o->n = (double)n;
  o->slope = o->intercept = o->slope_se = o->slope_t = o->slope_p = NAN;
  o->slope_ci_low = o->slope_ci_high = o->r2 = o->df = NAN;
  o->mk_s = 0;
  o->mk_var_s = 0;
  o->mk_z = o->mk_p = o->mk_tau = NAN;
  o->sen_slope = o->sen_intercept = o->sen_ci_low = o->sen_ci_high = NAN;
  o->sen_pairs = 0;
  if (!(confidence > 0 && confidence < 1))
    return om_errf(err, OM_INVALID, "confidence is %g; expected a number between 0 and 1 (exclusive)", confidence);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(t[i]) || !isfinite(y[i])) return om_errf(err, OM_INVALID, "a value is not a finite number");
  if (n < 2) return OM_OK;
  st = tr_ols(t, y, n, confidence, o, err);
  if (st != OM_OK) return st;
  p = om_malloc_array(n, sizeof *p);
  if (!p) return tr_nomem(err);
  for (size_t i = 0; i < n; i++) {
    p[i].t = t[i];
    p[i].y = y[i];
  }
  qsort(p, n, sizeof *p, tr_cmp_pt);
  st = tr_mann_kendall(p, n, o, &tx, &ty, err);
  if (st == OM_OK) st = tr_sen(p, n, confidence, &tx, &ty, it, o, err);
  om_free(p);
  return st;
}
